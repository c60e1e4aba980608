// jax.example_libraries.optimizers: first-order optimizers as [initFun, updateFun, getParams]
// triples over pytrees of parameters (jax/example_libraries/optimizers.py). Each optimizer is
// written for one array and lifted to pytrees by `optimizer`, which keeps the state as an
// OptimizerState (a registered pytree: the flattened per-leaf states plus their structures), so
// a state passes through jit, vmap and grad. Learning-rate schedules map a step index to a step
// size; given a JS number they compute in double precision (like JAX's Python floats) and return
// a number, given an Array (e.g. a traced step under jit) they return an Array.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import * as jnp from "../numpy/index.js";
import * as tree from "../tree/index.js";
import type { PyTreeDef } from "../tree/index.js";

/** A step index: a JS number, or an Array (a traced step under jit). */
export type Step = number | JaxArray;
/** A learning-rate schedule: step index → step size. */
export type Schedule = (i: Step) => ArrayLike;

/** The optimizer state of a pytree of params: per leaf, the flattened leaves of that leaf's state. */
export class OptimizerState {
  constructor(
    readonly packedState: unknown[][],
    readonly treeDef: PyTreeDef,
    readonly subtreeDefs: PyTreeDef[],
  ) {}
}
tree.registerPytreeNode(
  OptimizerState,
  (s) => [[s.packedState], [s.treeDef, s.subtreeDefs]],
  (aux: [PyTreeDef, PyTreeDef[]], children) => new OptimizerState(children[0] as unknown[][], aux[0], aux[1]),
);

// Params, gradients and per-array states are arbitrary pytrees, hence `any`.
export type InitFn = (params: any) => OptimizerState;
export type UpdateFn = (step: Step, grads: any, optState: OptimizerState) => OptimizerState;
export type ParamsFn = (optState: OptimizerState) => any;

/** [initFn, updateFn, paramsFn], also reachable by name as JAX's Optimizer named tuple. */
export type Optimizer = readonly [InitFn, UpdateFn, ParamsFn] & { initFn: InitFn; updateFn: UpdateFn; paramsFn: ParamsFn };

/** The per-array functions an optimizer is written with. */
export type ArrayOptimizer = readonly [
  init: (x0: JaxArray) => any,
  update: (i: Step, g: JaxArray, state: any) => any,
  getParams: (state: any) => JaxArray,
];

const makeOptimizer = (initFn: InitFn, updateFn: UpdateFn, paramsFn: ParamsFn): Optimizer =>
  Object.assign([initFn, updateFn, paramsFn] as const, { initFn, updateFn, paramsFn });

/**
 * optimizer(optMaker): lifts a maker of per-array [init, update, getParams] functions to one of
 * functions over pytrees of arrays (JAX's `@optimizer` decorator).
 */
export function optimizer<A extends unknown[]>(optMaker: (...args: A) => ArrayOptimizer): (...args: A) => Optimizer {
  return (...args: A) => {
    const [init, update, getParams] = optMaker(...args);
    const treeInit: InitFn = (x0Tree) => {
      const [x0Flat, treeDef] = tree.flatten<JaxArray>(x0Tree);
      const flat = x0Flat.map((x0) => tree.flatten(init(jnp.asarray(x0))));
      return new OptimizerState(flat.map((f) => f[0]), treeDef, flat.map((f) => f[1]));
    };
    const treeUpdate: UpdateFn = (i, gradTree, optState) => {
      const { packedState, treeDef, subtreeDefs } = optState;
      const [gradFlat, tree2] = tree.flatten<JaxArray>(gradTree);
      if (!tree2.equals(treeDef)) {
        throw new TypeError(
          "optimizer update function was passed a gradient tree that did not match the parameter tree " +
            `structure with which it was initialized: parameter tree ${treeDef} and grad tree ${tree2}.`,
        );
      }
      const newFlat = gradFlat.map((g, k) => {
        const state = subtreeDefs[k]!.unflatten(packedState[k]!);
        const [leaves, def] = tree.flatten(update(i, jnp.asarray(g), state));
        if (!def.equals(subtreeDefs[k]!)) {
          throw new TypeError(
            "optimizer update function produced an output structure that did not match its input " +
              `structure: input ${subtreeDefs[k]} and output ${def}.`,
          );
        }
        return leaves;
      });
      return new OptimizerState(newFlat, treeDef, subtreeDefs);
    };
    const treeGetParams: ParamsFn = (optState) => {
      const { packedState, treeDef, subtreeDefs } = optState;
      return treeDef.unflatten(packedState.map((leaves, k) => getParams(subtreeDefs[k]!.unflatten(leaves))));
    };
    return makeOptimizer(treeInit, treeUpdate, treeGetParams);
  };
}

// ---- optimizers (per array; the math is JAX's, line for line) ----------------------------------

const { add, subtract: sub, multiply: mul, divide: div, sqrt, square, zerosLike, where } = jnp;

/** 1 − b^(i+1) in x's dtype: the bias correction of Adam and AdaMax. */
const oneMinusPow = (b: number, i: Step, like: JaxArray): JaxArray =>
  sub(1, jnp.power(jnp.array(b, { dtype: like.dtype }), add(i, 1)));

/** sgd(stepSize): x ← x − η(i)·g. */
export const sgd = optimizer((stepSize: number | Schedule): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [(x0) => x0, (i, g, x: JaxArray) => sub(x, mul(lr(i), g)), (x: JaxArray) => x];
});

/** momentum(stepSize, mass): v ← mass·v + g; x ← x − η(i)·v. */
export const momentum = optimizer((stepSize: number | Schedule, mass: number): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0)],
    (i, g, [x, velocity]: [JaxArray, JaxArray]) => {
      const v = add(mul(mass, velocity), g);
      return [sub(x, mul(lr(i), v)), v];
    },
    ([x]: [JaxArray, JaxArray]) => x,
  ];
});

/** nesterov(stepSize, mass): v ← mass·v + g; x ← x − η(i)·(mass·v + g). */
export const nesterov = optimizer((stepSize: number | Schedule, mass: number): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0)],
    (i, g, [x, velocity]: [JaxArray, JaxArray]) => {
      const v = add(mul(mass, velocity), g);
      return [sub(x, mul(lr(i), add(mul(mass, v), g))), v];
    },
    ([x]: [JaxArray, JaxArray]) => x,
  ];
});

/** adagrad(stepSize, momentum = 0.9): G ← G + g²; m ← (1 − μ)·g/√G + μ·m (0 where G = 0); x ← x − η(i)·m. */
export const adagrad = optimizer((stepSize: number | Schedule, mom: number = 0.9): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0), zerosLike(x0)],
    (i, g, [x, gSq0, m0]: [JaxArray, JaxArray, JaxArray]) => {
      const gSq = add(gSq0, square(g));
      const gSqInvSqrt = where(jnp.greater(gSq, 0), div(1, sqrt(gSq)), 0.0);
      const m = add(mul(1 - mom, mul(g, gSqInvSqrt)), mul(mom, m0));
      return [sub(x, mul(lr(i), m)), gSq, m];
    },
    ([x]: JaxArray[]) => x!,
  ];
});

/** rmsprop(stepSize, gamma: number = 0.9, eps: number = 1e-8): a ← γ·a + (1 − γ)·g²; x ← x − η(i)·g/√(a + ε). */
export const rmsprop = optimizer((stepSize: number | Schedule, gamma: number = 0.9, eps: number = 1e-8): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0)],
    (i, g, [x, avg0]: [JaxArray, JaxArray]) => {
      const avg = add(mul(avg0, gamma), mul(square(g), 1 - gamma));
      return [sub(x, div(mul(lr(i), g), sqrt(add(avg, eps)))), avg];
    },
    ([x]: [JaxArray, JaxArray]) => x,
  ];
});

/** rmspropMomentum(stepSize, gamma: number = 0.9, eps: number = 1e-8, momentum = 0.9): m ← μ·m + η(i)·g/√(a + ε); x ← x − m. */
export const rmspropMomentum = optimizer(
  (stepSize: number | Schedule, gamma: number = 0.9, eps: number = 1e-8, mom: number = 0.9): ArrayOptimizer => {
    const lr = makeSchedule(stepSize);
    return [
      (x0) => [x0, zerosLike(x0), zerosLike(x0)],
      (i, g, [x, avg0, m0]: [JaxArray, JaxArray, JaxArray]) => {
        const avg = add(mul(avg0, gamma), mul(square(g), 1 - gamma));
        const m = add(mul(mom, m0), div(mul(lr(i), g), sqrt(add(avg, eps))));
        return [sub(x, m), avg, m];
      },
      ([x]: JaxArray[]) => x!,
    ];
  },
);

/**
 * adam(stepSize, b1: number = 0.9, b2: number = 0.999, eps: number = 1e-8): m ← (1 − b1)·g + b1·m, v ← (1 − b2)·g² + b2·v,
 * m̂ = m/(1 − b1^(i+1)), v̂ = v/(1 − b2^(i+1)), x ← x − η(i)·m̂/(√v̂ + ε).
 */
export const adam = optimizer((stepSize: number | Schedule, b1: number = 0.9, b2: number = 0.999, eps: number = 1e-8): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0), zerosLike(x0)],
    (i, g, [x, m0, v0]: [JaxArray, JaxArray, JaxArray]) => {
      const m = add(mul(1 - b1, g), mul(b1, m0));
      const v = add(mul(1 - b2, square(g)), mul(b2, v0));
      const mhat = div(m, oneMinusPow(b1, i, m));
      const vhat = div(v, oneMinusPow(b2, i, m));
      return [sub(x, div(mul(lr(i), mhat), add(sqrt(vhat), eps))), m, v];
    },
    ([x]: JaxArray[]) => x!,
  ];
});

/** adamax(stepSize, b1: number = 0.9, b2: number = 0.999, eps: number = 1e-8): u ← max(b2·u, |g|); x ← x − η(i)/(1 − b1^(i+1))·m/(u + ε). */
export const adamax = optimizer((stepSize: number | Schedule, b1: number = 0.9, b2: number = 0.999, eps: number = 1e-8): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0), zerosLike(x0)],
    (i, g, [x, m0, u0]: [JaxArray, JaxArray, JaxArray]) => {
      const m = add(mul(1 - b1, g), mul(b1, m0));
      const u = jnp.maximum(mul(b2, u0), jnp.abs(g));
      return [sub(x, div(mul(div(lr(i), oneMinusPow(b1, i, m)), m), add(u, eps))), m, u];
    },
    ([x]: JaxArray[]) => x!,
  ];
});

/**
 * sm3(stepSize, momentum = 0.9) (Anil et al. 2019): one accumulator vector per axis; the
 * accumulated g² at an element is min over axes of its accumulators + g², and each accumulator
 * becomes the max of that over the other axes. Scalars are handled as 1-d arrays (JAX keeps the
 * original shape in the state; here it is the params' own shape, so no numbers enter the state).
 */
export const sm3 = optimizer((stepSize: number | Schedule, mom: number = 0.9): ArrayOptimizer => {
  const lr = makeSchedule(stepSize);
  return [
    (x0) => [x0, zerosLike(x0), jnp.atleast1d(x0).shape.map((n) => jnp.zeros([n], x0.dtype))],
    (i, g0, [x0, m0, vs0]: [JaxArray, JaxArray, JaxArray[]]) => {
      const shape = x0.shape;
      const g = jnp.atleast1d(g0);
      const ndim = g.ndim;
      // Accumulator j lives along axis j: broadcast it against g.
      const vs = vs0.map((v, j) => jnp.reshape(v, g.shape.map((n, k) => (k === j ? n : 1))));
      const accum = add(vs.reduce((a, b) => jnp.minimum(a, b)), square(g));
      const accumInvSqrt = where(jnp.greater(accum, 0), div(1, sqrt(accum)), 0);
      const m = add(mul(1 - mom, mul(g, accumInvSqrt)), mul(mom, jnp.atleast1d(m0)));
      const x = sub(jnp.atleast1d(x0), mul(lr(i), m));
      const vsNew = Array.from({ length: ndim }, (_, j) =>
        jnp.max(accum, { axis: Array.from({ length: ndim }, (_, k) => k).filter((k) => k !== j) }),
      );
      return [jnp.reshape(x, shape), jnp.reshape(m, shape), vsNew];
    },
    ([x]: [JaxArray, JaxArray, JaxArray[]]) => x,
  ];
});

// ---- learning-rate schedules -------------------------------------------------------------------

/** constant(stepSize): always stepSize. */
export const constant = (stepSize: ArrayLike): Schedule => () => stepSize;

/** exponentialDecay(stepSize, decaySteps, decayRate): stepSize · decayRate^(i / decaySteps). */
export function exponentialDecay(stepSize: number, decaySteps: number, decayRate: number): Schedule {
  return (i) =>
    typeof i === "number"
      ? stepSize * decayRate ** (i / decaySteps)
      : mul(stepSize, jnp.power(decayRate, div(i, decaySteps)));
}

/**
 * inverseTimeDecay(stepSize, decaySteps, decayRate, staircase = false):
 * stepSize / (1 + decayRate · i / decaySteps), with ⌊i / decaySteps⌋ when staircase.
 */
export function inverseTimeDecay(stepSize: number, decaySteps: number, decayRate: number, staircase = false): Schedule {
  return (i) => {
    if (typeof i === "number") {
      const t = staircase ? Math.floor(i / decaySteps) : i / decaySteps;
      return stepSize / (1 + decayRate * t);
    }
    const t = staircase ? jnp.floor(div(i, decaySteps)) : div(i, decaySteps);
    return div(stepSize, add(1, mul(decayRate, t)));
  };
}

/**
 * polynomialDecay(stepSize, decaySteps, finalStepSize, power = 1): from stepSize to finalStepSize
 * over decaySteps steps as (1 − i/decaySteps)^power, then constant.
 */
export function polynomialDecay(stepSize: number, decaySteps: number, finalStepSize: number, power = 1.0): Schedule {
  return (i) => {
    if (typeof i === "number") {
      const mult = (1 - Math.min(i, decaySteps) / decaySteps) ** power;
      return mult * (stepSize - finalStepSize) + finalStepSize;
    }
    const mult = jnp.power(sub(1, div(jnp.minimum(i, decaySteps), decaySteps)), power);
    return add(mul(mult, stepSize - finalStepSize), finalStepSize);
  };
}

/**
 * piecewiseConstant(boundaries, values): values[k] where k = the number of boundaries below i
 * (values has one more entry than boundaries).
 */
export function piecewiseConstant(boundaries: readonly number[], values: readonly number[]): Schedule {
  const isSeq = (s: unknown) => Array.isArray(s) && s.every((v) => typeof v === "number");
  if (!isSeq(boundaries) || !isSeq(values)) throw new TypeError("boundaries and values must be sequences");
  if (boundaries.length !== values.length - 1) {
    throw new TypeError("boundaries length must be one shorter than values length");
  }
  const b = jnp.array(boundaries);
  const v = jnp.array(values);
  return (i) => {
    if (typeof i === "number") return values[boundaries.filter((x) => i > x).length]!;
    return v.get(jnp.sum(jnp.greater(i, b)));
  };
}

/** A schedule as is; a number (or 0-d Array) as a constant schedule. */
export function makeSchedule(scalarOrSchedule: ArrayLike | Schedule): Schedule {
  if (typeof scalarOrSchedule === "function") return scalarOrSchedule;
  if (typeof scalarOrSchedule === "number" || (isArray(scalarOrSchedule) && scalarOrSchedule.ndim === 0)) {
    return constant(scalarOrSchedule);
  }
  throw new TypeError(`a step size must be a scalar or a schedule function, got ${String(scalarOrSchedule)}`);
}

// ---- utilities ---------------------------------------------------------------------------------

/** The l2 norm of all the leaves of a pytree of arrays together (for weight decay, clipping). */
export function l2Norm(t: unknown): JaxArray {
  const leaves = tree.leaves<ArrayLike>(t);
  return sqrt(leaves.map((x) => jnp.vdot(x, x)).reduce((s: ArrayLike, d) => add(s, d), 0));
}

/** clipGrads(gradTree, maxNorm): scales the whole tree down to l2 norm maxNorm if it is above. */
export function clipGrads<T>(gradTree: T, maxNorm: ArrayLike): T {
  const norm = l2Norm(gradTree);
  const below = jnp.less(norm, maxNorm);
  return tree.map((g: JaxArray) => where(below, g, mul(g, div(maxNorm, norm))), gradTree) as T;
}

// ---- serialization -----------------------------------------------------------------------------

/** Marks where an inner (per-leaf state) pytree joins the outer (params) pytree. */
export class JoinPoint {
  constructor(readonly subtree: unknown) {}
}

/** An OptimizerState as a params-shaped pytree whose leaves are JoinPoints holding each state. */
export function unpackOptimizerState(optState: OptimizerState): unknown {
  const { packedState, treeDef, subtreeDefs } = optState;
  return treeDef.unflatten(packedState.map((leaves, k) => new JoinPoint(subtreeDefs[k]!.unflatten(leaves))));
}

/** The inverse of unpackOptimizerState. */
export function packOptimizerState(markedPytree: unknown): OptimizerState {
  const [sentinels, treeDef] = tree.flatten<unknown>(markedPytree);
  if (!sentinels.every((s) => s instanceof JoinPoint)) {
    throw new TypeError("packOptimizerState: every leaf of the marked pytree must be a JoinPoint");
  }
  const flat = sentinels.map((s) => tree.flatten((s as JoinPoint).subtree));
  return new OptimizerState(
    flat.map((f) => f[0]),
    treeDef,
    flat.map((f) => f[1]),
  );
}
