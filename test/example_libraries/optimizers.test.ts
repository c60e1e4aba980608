// example_libraries.optimizers: the first 3 updates of every optimizer on a quadratic over a
// pytree of params, against NumPy's float64 run of JAX's update formulas
// (scripts/gen_nn_fixtures.py), eagerly and under jit with a traced step; schedules against the
// same fixture; clipping and norms against JS formulas; state packing round trips; errors.
import { describe, expect, it } from "vitest";
import { exampleLibraries, grad, jit, numpy as jnp, tree } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";
import { fixture, toArray, type Rec } from "../nn/fixture.js";

const { optimizers } = exampleLibraries;
type Tree = Record<string, JaxArray>;

const fx = fixture.optimizers;
const recTree = (t: Record<string, Rec>): Tree => Object.fromEntries(Object.entries(t).map(([k, r]) => [k, toArray(r)]));
const A = recTree(fx.A);
const C = recTree(fx.C);
const x0 = recTree(fx.x0);

/** Σ over leaves of Σ(A·x²/2 + C·x): its gradient is A·x + C. */
const loss = (p: Tree): JaxArray =>
  Object.keys(p).reduce(
    (s: JaxArray, k) => jnp.add(s, jnp.sum(jnp.add(jnp.multiply(0.5, jnp.multiply(A[k]!, jnp.square(p[k]!))), jnp.multiply(C[k]!, p[k]!)))),
    jnp.array(0),
  );

function makeOptimizer(name: string, args: unknown[]): exampleLibraries.optimizers.Optimizer {
  const lr = args[0] as number | { exponential_decay: [number, number, number] };
  const step = typeof lr === "number" ? lr : optimizers.exponentialDecay(...lr.exponential_decay);
  const rest = args.slice(1) as number[];
  const make = (optimizers as unknown as Record<string, (...a: unknown[]) => exampleLibraries.optimizers.Optimizer>)[name]!;
  return make(step, ...rest);
}

const leafTol = { atol: 2e-6, rtol: 2e-5 };

describe("optimizers: 3 updates on a quadratic against NumPy", () => {
  for (const c of fx.cases as { name: string; args: unknown[]; trajectory: Record<string, Rec>[] }[]) {
    const label = `${c.name}(${JSON.stringify(c.args)})`;
    it(label, () => {
      const [init, update, getParams] = makeOptimizer(c.name, c.args);
      let state = init(x0);
      const updateJit = jit((i: JaxArray, g: Tree, s: exampleLibraries.optimizers.OptimizerState) => update(i, g, s));
      let stateJit = init(x0);
      c.trajectory.forEach((want, i) => {
        state = update(i, grad(loss)(getParams(state)), state);
        stateJit = updateJit(jnp.array(i), grad(loss)(getParams(stateJit)), stateJit);
        for (const k of Object.keys(want)) {
          const w = want[k]!;
          expect(getParams(state)[k].shape).toEqual(w.shape);
          expectAllClose(getParams(state)[k], toArray(w), { ...leafTol, msg: `${label} step ${i} leaf ${k}` });
          expectAllClose(getParams(stateJit)[k], toArray(w), { ...leafTol, msg: `jit ${label} step ${i} leaf ${k}` });
        }
      });
    });
  }

  it("the triple is also reachable by name; params round-trip through init", () => {
    const opt = optimizers.adam(0.1);
    expect(opt.initFn).toBe(opt[0]);
    expect(opt.updateFn).toBe(opt[1]);
    expect(opt.paramsFn).toBe(opt[2]);
    const p = { a: [jnp.ones([2]), jnp.zeros([3])], b: jnp.array(2) };
    const back = opt.paramsFn(opt.initFn(p));
    expect(tree.structure(back).equals(tree.structure(p))).toBe(true);
    expect(tree.leaves<JaxArray>(back).map((l) => l.tolist())).toEqual(tree.leaves<JaxArray>(p).map((l) => l.tolist()));
  });

  it("a gradient tree of another structure raises JAX's error", () => {
    const [init, update] = optimizers.sgd(0.1);
    const s = init({ a: jnp.ones([2]) });
    expect(() => update(0, { b: jnp.ones([2]) }, s)).toThrow(
      "optimizer update function was passed a gradient tree that did not match the parameter tree structure",
    );
  });

  it("optimizer() lifts a per-array optimizer to pytrees", () => {
    // Sign descent: x ← x − η·sign(g), written for one array.
    const signSgd = optimizers.optimizer((eta: number) => [
      (x0: JaxArray) => x0,
      (_i: unknown, g: JaxArray, x: JaxArray) => jnp.subtract(x, jnp.multiply(eta, jnp.sign(g))),
      (x: JaxArray) => x,
    ]);
    const [init, update, getParams] = signSgd(0.5);
    const p = { u: jnp.array([1, -2]), v: [jnp.array(3)] };
    const out = getParams(update(0, { u: jnp.array([-1, 4]), v: [jnp.array(0.1)] }, init(p)));
    expect(out.u.tolist()).toEqual([1.5, -2.5]);
    expect(out.v[0].item()).toBe(2.5);
  });
});

describe("schedules against NumPy", () => {
  for (const s of fixture.schedules as { name: string; args: unknown[]; values: number[] }[]) {
    it(`${s.name}(${JSON.stringify(s.args)})`, () => {
      const make = (optimizers as unknown as Record<string, (...a: unknown[]) => exampleLibraries.optimizers.Schedule>)[s.name]!;
      const sched = make(...s.args);
      const jitted = jit((i: JaxArray) => jnp.asarray(sched(i)));
      s.values.forEach((want, i) => {
        expectAllClose(Number(sched(i)), want, { rtol: 1e-12, atol: 1e-12, msg: `number step ${i}` });
        expectAllClose(jnp.asarray(sched(jnp.array(i, { dtype: "int32" }))), want, { rtol: 1e-6, atol: 1e-7, msg: `Array step ${i}` });
        expectAllClose(jitted(jnp.array(i)), want, { rtol: 1e-6, atol: 1e-7, msg: `jit step ${i}` });
      });
    });
  }

  it("makeSchedule: functions pass, scalars become constants, other values raise", () => {
    const f = (i: number | JaxArray) => i;
    expect(optimizers.makeSchedule(f as never)).toBe(f);
    expect(optimizers.makeSchedule(0.3)(7)).toBe(0.3);
    expect(() => optimizers.makeSchedule(jnp.ones([2]))).toThrow(TypeError);
    expect(() => optimizers.piecewiseConstant([1, 2], [1, 2])).toThrow("boundaries length must be one shorter than values length");
  });
});

describe("l2Norm, clipGrads, packing", () => {
  const g = { a: jnp.array([3, 4]), b: [jnp.array([[1, 2], [2, 4]])] };
  const norm = Math.sqrt([3, 4, 1, 2, 2, 4].reduce((s, v) => s + v * v, 0));

  it("l2Norm is the norm of all leaves together", () => {
    expectAllClose(optimizers.l2Norm(g), norm, { rtol: 1e-6 });
  });

  it("clipGrads scales the tree to maxNorm only above it", () => {
    const same = optimizers.clipGrads(g, norm + 1);
    expect(tree.leaves<JaxArray>(same).map((l) => l.tolist())).toEqual(tree.leaves<JaxArray>(g).map((l) => l.tolist()));
    const clipped = optimizers.clipGrads(g, 2);
    expectAllClose(optimizers.l2Norm(clipped), 2, { rtol: 1e-6 });
    expectAllClose(clipped.a, jnp.multiply(g.a, 2 / norm), { rtol: 1e-6 });
  });

  it("unpackOptimizerState / packOptimizerState round trip", () => {
    const [init, update, getParams] = optimizers.momentum(0.1, 0.9);
    const s = update(0, g, init(g));
    const marked = optimizers.unpackOptimizerState(s) as { a: exampleLibraries.optimizers.JoinPoint };
    expect(marked.a).toBeInstanceOf(optimizers.JoinPoint);
    const back = optimizers.packOptimizerState(marked);
    expect(tree.structure(back).equals(tree.structure(s))).toBe(true);
    expect(tree.leaves<JaxArray>(getParams(back)).map((l) => l.tolist())).toEqual(
      tree.leaves<JaxArray>(getParams(s)).map((l) => l.tolist()),
    );
    expect(() => optimizers.packOptimizerState({ a: 1 })).toThrow("JoinPoint");
  });
});
