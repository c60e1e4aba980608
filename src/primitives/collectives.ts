// Collective primitives over named mapped axes (JAX's psum, pmax, pmin, all_gather, ppermute).
// A named axis is bound by vmap({ axisName }) or pmap. These primitives never reach a kernel:
// the batching interpreter that binds the axis runs their batch rule, which implements the
// collective over the batch dimension (psum -> reduce_sum over it, ...). A collective over a
// name some other interpreter binds passes through with its batch dimension untouched.
//
// Every collective's `axes` param lists the axis names it communicates over.
import type { JaxArray } from "../core/array.js";
import type { BDim, Primitive, PrimitiveRules } from "../core/primitive.js";
import { UndefinedPrimal } from "../core/primitive.js";
import { type MainTrace, Tracer, bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { reduceMax, reduceMin } from "../lax/reductions.js";
import { concatenate, dynamicSliceInDim, sliceInDim } from "../lax/shape.js";
import { arrayFromData } from "../runtime/dispatch.js";
import { ShapedArray } from "../core/aval.js";
import { BatchTrace, BatchTracer, boundAxisNames, currentBatchAxisName, lookupAxis } from "../transforms/vmap.js";
import { moveBatchAxis } from "./util.js";

/** JAX's NameError for a collective over an axis name no transformation binds. */
export function unboundAxisError(name: string): Error {
  const avail = boundAxisNames().map((n) => `'${n}'`);
  const e = new Error(
    `unbound axis name: ${name}. The following axis names (e.g. defined by pmap) are available to collective operations: [${avail.join(", ")}]`,
  );
  e.name = "NameError";
  return e;
}

/** Size of the bound axis `name`, raising JAX's error when it is unbound. */
export function axisSize(name: string): number {
  const f = lookupAxis(name);
  if (!f) throw unboundAxisError(name);
  return f.size;
}

/**
 * The position along the named axis: an int32 batched over that axis's interpreter with value
 * iota(size), so every other transformation sees a per-element scalar.
 */
export function axisIndexValue(name: string): JaxArray {
  const f = lookupAxis(name);
  if (!f) throw unboundAxisError(name);
  const data = new Int32Array(f.size);
  for (let i = 0; i < f.size; i++) data[i] = i;
  return new BatchTracer(new BatchTrace(f.main), arrayFromData(data, new ShapedArray([f.size], "int32")), 0);
}

type AxesParams = { axes: string[] };

/**
 * Binds a collective so that the interpreter binding its axes sees it even when x does not
 * vary along them (a constant cotangent, a tangent's concrete primal): x is first lifted into
 * the innermost of those interpreters as an unbatched value.
 */
export function bindCollective<P extends { axes: string[] }>(prim: Primitive, x: JaxArray, params: P): JaxArray {
  let top: MainTrace | undefined;
  for (const a of params.axes) {
    const m = lookupAxis(a)?.main;
    if (m && (!top || m.level > top.level)) top = m;
  }
  if (top && !(x instanceof Tracer && x._trace.main.level >= top.level)) x = new BatchTracer(new BatchTrace(top), x, null);
  return bind1(prim, [x], params);
}

function implError(name: string) {
  return (_args: unknown, p: AxesParams): never => {
    throw unboundAxisError(p.axes[0] ?? name);
  };
}

/**
 * Batch rule of an elementwise collective. When this interpreter's axis is among `axes`,
 * `reduce(x, d)` combines the axis elements (unbatched x: `unmapped(x)`) and the result is the
 * same for every element (batch dim null); the remaining names are handed to lower interpreters.
 */
function reductionBatch(
  self: () => PrimitiveRules<AxesParams>,
  reduce: (x: JaxArray, d: number) => JaxArray,
  unmapped: (x: JaxArray, n: number) => JaxArray,
) {
  return ([x]: JaxArray[], [d]: BDim[], params: AxesParams, n: number): [JaxArray[], BDim[]] => {
    const name = currentBatchAxisName();
    if (name === undefined || !params.axes.includes(name)) return [[bindCollective(self(), x!, params)], [d!]];
    let out = d === null ? unmapped(x!, n) : reduce(x!, d!);
    const rest = params.axes.filter((a) => a !== name);
    if (rest.length > 0) out = bindCollective(self(), out, { axes: rest });
    return [[out], [null]];
  };
}

// psum: y_k = sum_j x_j over the axis. Linear; its transpose (the adjoint of "sum then
// replicate") is psum again: the cotangent of x_k is the sum over devices of their output
// cotangents, as in JAX's pmap. So pmap(grad(f)) differentiates the sum of every device's f.
export const psum_p: PrimitiveRules<AxesParams> = {
  name: "psum",
  abstractEval: ([x]) => [x!],
  jvp: ([x], [t], params) => [[bindCollective(psum_p, x!, params)], [bindCollective(psum_p, t!, params)]],
  transpose: ([ct], _args, params) => [bindCollective(psum_p, ct!, params)],
  batch: reductionBatch(
    () => psum_p,
    (x, d) => lax.reduceSum(x, [d]),
    (x, n) => lax.mul(x, n),
  ),
  impl: implError("psum"),
};

// pmax / pmin: JVP as for reduce_max: the tangent is the mean of the tangents of the elements
// attaining the extremum (t_out = psum(t * [x == y]) / psum([x == y])).
function extremumJvp(self: () => PrimitiveRules<AxesParams>) {
  return ([x]: JaxArray[], [t]: JaxArray[], params: AxesParams): [JaxArray[], JaxArray[]] => {
    const y = bindCollective(self(), x!, params);
    const hit = lax.convertElementType(lax.eq(x!, y), t!.dtype);
    const num = bindCollective(psum_p, lax.mul(t!, hit), params);
    const den = bindCollective(psum_p, hit, params);
    return [[y], [lax.div(num, den)]];
  };
}

export const pmax_p: PrimitiveRules<AxesParams> = {
  name: "pmax",
  abstractEval: ([x]) => [x!],
  jvp: extremumJvp(() => pmax_p),
  transpose: null,
  batch: reductionBatch(() => pmax_p, (x, d) => reduceMax(x, [d]), (x) => x),
  impl: implError("pmax"),
};

export const pmin_p: PrimitiveRules<AxesParams> = {
  name: "pmin",
  abstractEval: ([x]) => [x!],
  jvp: extremumJvp(() => pmin_p),
  transpose: null,
  batch: reductionBatch(() => pmin_p, (x, d) => reduceMin(x, [d]), (x) => x),
  impl: implError("pmin"),
};

type GatherParams = { axes: string[]; axis: number; tiled: boolean; axisSize: number };

function gatheredShape(shape: readonly number[], { axis, tiled, axisSize }: GatherParams): number[] {
  const s = [...shape];
  if (tiled) s[axis] = s[axis]! * axisSize;
  else s.splice(axis, 0, axisSize);
  return s;
}

// all_gather: y_k = stack_j x_j (or concatenate when tiled) along `axis`; the same on every
// device. Linear; its transpose is psum_scatter: device k's cotangent is the k-th block of the
// sum over devices of the output cotangents.
export const all_gather_p: PrimitiveRules<GatherParams> = {
  name: "all_gather",
  abstractEval([x], p) {
    if (p.axis < 0 || p.axis > x!.ndim - (p.tiled ? 1 : 0)) {
      throw new RangeError(`all_gather: axis ${p.axis} is out of bounds for an operand of shape ${x!.str()}`);
    }
    return [x!.update({ shape: gatheredShape(x!.shape, p) })];
  },
  jvp: ([x], [t], p) => [[bindCollective(all_gather_p, x!, p)], [bindCollective(all_gather_p, t!, p)]],
  transpose([ct], [x], p) {
    const a = (x as UndefinedPrimal).aval;
    const block = p.tiled ? a.shape[p.axis]! : 1;
    const total = bindCollective(psum_p, ct!, { axes: p.axes });
    const start = lax.mul(axisIndexValue(p.axes[0]!), block);
    const mine = dynamicSliceInDim(total, start, block, p.axis);
    return [p.tiled ? mine : lax.reshape(mine, [...a.shape])];
  },
  batch([x], [d], p, n) {
    const name = currentBatchAxisName();
    if (name === undefined || !p.axes.includes(name)) {
      const moved = moveBatchAxis(x!, d!, 0, n);
      return [[bindCollective(all_gather_p, moved, { ...p, axis: p.axis + 1 })], [0]];
    }
    // The gathered value is x with its batch dim moved to `axis` (merged into it when tiled).
    const stacked = moveBatchAxis(x!, d!, p.axis, n);
    if (!p.tiled) return [[stacked], [null]];
    return [[lax.reshape(stacked, gatheredShape(x!.shape.filter((_, i) => i !== d), p))], [null]];
  },
  impl: implError("all_gather"),
};

type PermParams = { axes: string[]; perm: [number, number][] };

// ppermute: y_dst = x_src for each (src, dst) pair; devices that are no destination get zeros.
// Linear; its transpose is the inverse permutation.
export const ppermute_p: PrimitiveRules<PermParams> = {
  name: "ppermute",
  abstractEval: ([x]) => [x!],
  jvp: ([x], [t], p) => [[bindCollective(ppermute_p, x!, p)], [bindCollective(ppermute_p, t!, p)]],
  transpose: ([ct], _args, p) => [bindCollective(ppermute_p, ct!, { ...p, perm: p.perm.map(([s, d]) => [d, s]) })],
  batch([x], [d], p, n) {
    const name = currentBatchAxisName();
    if (name === undefined || !p.axes.includes(name)) return [[bindCollective(ppermute_p, x!, p)], [d!]];
    const v = moveBatchAxis(x!, d!, 0, n);
    const srcOf = new Map(p.perm.map(([s, dst]) => [dst, s]));
    const zero = lax.full([1, ...v.shape.slice(1)], 0, v.dtype);
    const rows = Array.from({ length: n }, (_, k) => {
      const s = srcOf.get(k);
      return s === undefined ? zero : sliceInDim(v, s, s + 1, 1, 0);
    });
    return [[concatenate(rows, 0)], [0]];
  },
  impl: implError("ppermute"),
};
