// Reduction primitives beyond reduce_sum (which lives in shape.ts): reduce_max, reduce_min,
// reduce_prod, reduce_and, reduce_or, argmax, argmin and cumsum. Each record owns its shape
// rule (with JAX's error wording), jvp (written with lax ops, so differentiable to any order),
// transpose where linear, batching rule and reference kernel.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, iinfo, isBool, isFloat, isInt, typedArrayFor } from "../core/dtypes.js";
import type { BDim, PrimitiveRules } from "../core/primitive.js";
import { prod, shapeStr } from "../core/shape.js";
import { bind, bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import * as laxShape from "../lax/shape.js";
import { reduceImpl } from "./shape.js";

type AxesParams = { axes: number[] };
type ArgParams = { axes: number[]; indexDtype: DType };
type CumParams = { axis: number; reverse: boolean };

const tuple = (xs: readonly number[]): string => shapeStr(xs);

/** The dims of an operand of rank `ndim` that a reduction over `axes` keeps. */
export function keptDims(ndim: number, axes: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ndim; i++) if (!axes.includes(i)) out.push(i);
  return out;
}

/** JAX's _reduce_op_shape_rule, with its wording. */
function reduceShape(x: ShapedArray, axes: readonly number[]): number[] {
  if (new Set(axes).size !== axes.length) {
    throw new TypeError(`duplicate value in 'axes' of reduction: ${tuple(axes)}`);
  }
  if (!axes.every((a) => Number.isInteger(a) && a >= 0 && a < x.ndim)) {
    throw new TypeError(`reduction axes ${tuple(axes)} contains out-of-bounds indices for ${x.str()}.`);
  }
  return keptDims(x.ndim, axes).map((i) => x.shape[i]!);
}

function checkNumber(name: string, d: DType): void {
  if (isBool(d)) throw new TypeError(`${name} does not accept dtype bool. Accepted dtypes are subtypes of number.`);
}

/**
 * Batching rule shared by every reducer (JAX's defreducer): the reduced axes skip over the
 * batch dim, which stays in place and is renumbered among the kept dims.
 */
function batchReducer<P extends { axes: number[] }>(prim: PrimitiveRules<P>) {
  return (args: JaxArray[], dims: BDim[], params: P): [JaxArray[], BDim[]] => {
    const x = args[0]!;
    const bd = dims[0]!;
    const axes = params.axes.map((a) => (a < bd ? a : a + 1));
    const outDim = keptDims(x.ndim, axes).indexOf(bd);
    return [bind(prim, [x], { ...params, axes }), [outDim]];
  };
}

/** Wraps integer results the way fixed-width integer arithmetic does. */
function wrapInt(d: DType): ((v: number) => number) | null {
  switch (d) {
    case "int8":
      return (v) => (v << 24) >> 24;
    case "uint8":
      return (v) => v & 0xff;
    case "int16":
      return (v) => (v << 16) >> 16;
    case "uint16":
      return (v) => v & 0xffff;
    case "int32":
      return (v) => v | 0;
    case "uint32":
      return (v) => v >>> 0;
    default:
      return null;
  }
}

// ---- reduce_max / reduce_min ----

/**
 * JAX's chooser jvp: the tangent is averaged over the positions that equal the chosen value,
 *   t_out = Σ_axes(t · 1[x = ans]) / Σ_axes 1[x = ans].
 */
function chooserJvp(prim: PrimitiveRules<AxesParams>) {
  return ([x]: JaxArray[], [t]: JaxArray[], params: AxesParams): [JaxArray[], (JaxArray | null)[]] => {
    const ans = bind1(prim, [x!], params);
    if (!isFloat(x!.dtype)) return [[ans], [null]];
    const kept = keptDims(x!.ndim, params.axes);
    const loc = lax.convertElementType(lax.eq(x!, lax.broadcastInDim(ans, x!.shape, kept)), t!.dtype);
    const counts = lax.reduceSum(loc, params.axes);
    return [[ans], [lax.div(lax.reduceSum(lax.mul(t!, loc), params.axes), counts)]];
  };
}

function lowest(d: DType): number {
  return isFloat(d) ? -Infinity : isBool(d) ? 0 : iinfo(d).min;
}
function highest(d: DType): number {
  return isFloat(d) ? Infinity : isBool(d) ? 1 : iinfo(d).max;
}

// NaN propagates (as XLA's max/min and np.max/np.min do): once the accumulator is NaN it stays.
const maxOp = (a: number, v: number) => (v > a || v !== v ? v : a);
const minOp = (a: number, v: number) => (v < a || v !== v ? v : a);

export const reduce_max_p: PrimitiveRules<AxesParams> = {
  name: "reduce_max",
  abstractEval: ([x], { axes }) => [new ShapedArray(reduceShape(x!, axes), x!.dtype, x!.weakType)],
  jvp: (p, t, params) => chooserJvp(reduce_max_p)(p, t, params),
  transpose: null,
  batch: (args, dims, params) => batchReducer(reduce_max_p)(args, dims, params),
  impl: ([x], { axes }, [out]) => [reduceImpl(x!, axes, out!, lowest(x!.dtype), maxOp)],
};

export const reduce_min_p: PrimitiveRules<AxesParams> = {
  name: "reduce_min",
  abstractEval: ([x], { axes }) => [new ShapedArray(reduceShape(x!, axes), x!.dtype, x!.weakType)],
  jvp: (p, t, params) => chooserJvp(reduce_min_p)(p, t, params),
  transpose: null,
  batch: (args, dims, params) => batchReducer(reduce_min_p)(args, dims, params),
  impl: ([x], { axes }, [out]) => [reduceImpl(x!, axes, out!, highest(x!.dtype), minOp)],
};

// ---- reduce_prod ----

/**
 * JAX's reduce_prod jvp: the jvp of a balanced tree of pairwise products. The reduced axes are
 * moved to the front and flattened to one axis of length n; each level multiplies the first
 * half by the second (padding an odd second half with x = 1, t = 0) and carries the product
 * rule's tangent t1·x2 + x1·t2. Only multiplications are involved, so the rule is exact with
 * zeros in the input and, being made of lax ops, to every order; it costs O(n) work in
 * ⌈log2 n⌉ levels.
 */
function reduceProdJvp([x]: JaxArray[], [t]: JaxArray[], params: AxesParams): [JaxArray[], (JaxArray | null)[]] {
  const ans = bind1(reduce_prod_p, [x!], params);
  if (!isFloat(x!.dtype)) return [[ans], [null]];
  const { axes } = params;
  const kept = keptDims(x!.ndim, axes);
  const n = prod(axes.map((a) => x!.shape[a]!));
  if (n === 0) return [[ans], [lax.full(ans.shape, 0, t!.dtype, t!.weakType)]];
  const toFront = (v: JaxArray) => lax.reshape(lax.transpose(v, [...axes, ...kept]), [n, ...kept.map((i) => x!.shape[i]!)]);
  let xs = toFront(x!);
  let ts = toFront(t!);
  while (xs.shape[0]! > 1) {
    const m = xs.shape[0]!;
    const h = Math.ceil(m / 2);
    const x1 = laxShape.sliceInDim(xs, 0, h, 1, 0);
    const t1 = laxShape.sliceInDim(ts, 0, h, 1, 0);
    let x2 = laxShape.sliceInDim(xs, h, m, 1, 0);
    let t2 = laxShape.sliceInDim(ts, h, m, 1, 0);
    if (m - h !== h) {
      const cfg = xs.shape.map((_, i): [number, number, number] => (i === 0 ? [0, 1, 0] : [0, 0, 0]));
      x2 = laxShape.pad(x2, 1, cfg);
      t2 = laxShape.pad(t2, 0, cfg);
    }
    ts = lax.add(lax.mul(t1, x2), lax.mul(x1, t2));
    xs = lax.mul(x1, x2);
  }
  return [[ans], [lax.reshape(ts, ans.shape)]];
}

function mulOp(d: DType): (a: number, v: number) => number {
  if (d === "int32" || d === "uint32") return (a, v) => Math.imul(a, v);
  const w = wrapInt(d);
  return w ? (a, v) => w(a * v) : (a, v) => a * v;
}

export const reduce_prod_p: PrimitiveRules<AxesParams> = {
  name: "reduce_prod",
  abstractEval([x], { axes }) {
    checkNumber("reduce_prod", x!.dtype);
    return [new ShapedArray(reduceShape(x!, axes), x!.dtype, x!.weakType)];
  },
  jvp: reduceProdJvp,
  transpose: null,
  batch: (args, dims, params) => batchReducer(reduce_prod_p)(args, dims, params),
  impl: ([x], { axes }, [out]) => [reduceImpl(x!, axes, out!, 1, mulOp(x!.dtype))],
};

// ---- reduce_and / reduce_or (bool, or bitwise on integers) ----

function logicalShape(x: ShapedArray, axes: number[]): ShapedArray {
  if (!isBool(x.dtype) && !isInt(x.dtype)) {
    throw new TypeError(`logical reduction requires operand dtype bool or int, got ${x.dtype}.`);
  }
  return new ShapedArray(reduceShape(x, axes), x.dtype, false);
}

function logicalReducer(name: string, init: number, op: (a: number, v: number) => number): PrimitiveRules<AxesParams> {
  const prim: PrimitiveRules<AxesParams> = {
    name,
    abstractEval: ([x], { axes }) => [logicalShape(x!, axes)],
    jvp: ([x], _t, params) => [[bind1(prim, [x!], params)], [null]],
    transpose: null,
    batch: (args, dims, params) => batchReducer(prim)(args, dims, params),
    impl: ([x], { axes }, [out]) => [reduceImpl(x!, axes, out!, isBool(x!.dtype) ? init & 1 : init, op)],
  };
  return prim;
}

// Bitwise ops act on the 32-bit pattern; stores into unsigned arrays wrap, so -1 is all ones
// (for bool the identity of `and` is 1).
export const reduce_and_p = logicalReducer("reduce_and", -1, (a, v) => a & v);
export const reduce_or_p = logicalReducer("reduce_or", 0, (a, v) => a | v);

// ---- argmax / argmin ----

function argShape(x: ShapedArray, { axes, indexDtype }: ArgParams): ShapedArray {
  if (axes.length !== 1) throw new TypeError(`argmin and argmax take exactly one axis, got axes=${tuple(axes)}`);
  const axis = axes[0]!;
  if (!(Number.isInteger(axis) && axis >= 0 && axis < x.ndim)) {
    throw new TypeError(`Invalid axis ${axis} for operand shape ${shapeStr(x.shape)}`);
  }
  if (x.shape[axis]! < 1) {
    throw new TypeError(
      `argmin and argmax require non-empty reduced dimension. operand.shape=${shapeStr(x.shape)} axis=${axis}`,
    );
  }
  if (!isInt(indexDtype)) throw new TypeError(`index_dtype must be an integer type, but got ${indexDtype}`);
  return new ShapedArray(reduceShape(x, axes), indexDtype, false);
}

/**
 * Index of the first extreme value along one axis, as NumPy: the first NaN wins, and ties go to
 * the first occurrence. `better(v, best)` says whether v strictly beats best.
 */
function argImpl(x: { data: TypedArray; shape: readonly number[] }, axis: number, out: ShapedArray, better: (v: number, b: number) => boolean): TypedArray {
  const n = x.shape[axis]!;
  const inner = prod(x.shape.slice(axis + 1));
  const outer = prod(x.shape.slice(0, axis));
  const res = typedArrayFor(out.dtype, out.size);
  const d = x.data;
  for (let o = 0; o < outer; o++) {
    const base = o * n * inner;
    for (let i = 0; i < inner; i++) {
      let best = d[base + i]!;
      let bi = 0;
      if (best === best) {
        for (let k = 1, p = base + i + inner; k < n; k++, p += inner) {
          const v = d[p]!;
          if (v !== v) {
            bi = k;
            break;
          }
          if (better(v, best)) {
            best = v;
            bi = k;
          }
        }
      }
      res[o * inner + i] = bi;
    }
  }
  return res;
}

function argReducer(name: string, better: (v: number, b: number) => boolean): PrimitiveRules<ArgParams> {
  const prim: PrimitiveRules<ArgParams> = {
    name,
    abstractEval: ([x], params) => [argShape(x!, params)],
    jvp: ([x], _t, params) => [[bind1(prim, [x!], params)], [null]],
    transpose: null,
    batch: (args, dims, params) => batchReducer(prim)(args, dims, params),
    impl: ([x], { axes }, [out]) => [argImpl(x!, axes[0]!, out!, better)],
  };
  return prim;
}

export const argmax_p = argReducer("argmax", (v, b) => v > b);
export const argmin_p = argReducer("argmin", (v, b) => v < b);

// ---- cumsum ----

/** cumsum(x, axis, reverse): running sums along `axis` (from the end when reverse). Linear. */
export const cumsum_p: PrimitiveRules<CumParams> = {
  name: "cumsum",
  abstractEval([x], { axis }) {
    if (axis < 0) throw new TypeError("XLA operations do not allow negative axes");
    if (!Number.isInteger(axis) || axis >= x!.ndim) {
      throw new TypeError(`axis ${axis} is out of bounds for array of shape ${shapeStr(x!.shape)}`);
    }
    checkNumber("cumsum", x!.dtype);
    return [x!];
  },
  jvp([x], [t], params) {
    return [[bind1(cumsum_p, [x!], params)], [bind1(cumsum_p, [t!], params)]];
  },
  // The transpose of a running sum is the running sum in the other direction.
  transpose: ([ct], _args, { axis, reverse }) => [bind1(cumsum_p, [ct!], { axis, reverse: !reverse })],
  batch([x], [d], { axis, reverse }) {
    return [[bind1(cumsum_p, [x!], { axis: axis < d! ? axis : axis + 1, reverse })], [d!]];
  },
  impl([x], { axis, reverse }, [out]) {
    const shape = x!.shape;
    const n = shape[axis]!;
    const inner = prod(shape.slice(axis + 1));
    const outer = prod(shape.slice(0, axis));
    const src = x!.data;
    // Accumulating through the output array rounds (or wraps) each partial sum to the dtype,
    // as a float32/int32 accumulator does.
    const res = typedArrayFor(out!.dtype, src.length);
    for (let o = 0; o < outer; o++) {
      const base = o * n * inner;
      for (let i = 0; i < inner; i++) {
        let p = reverse ? base + i + (n - 1) * inner : base + i;
        const step = reverse ? -inner : inner;
        if (n > 0) res[p] = src[p]!;
        for (let k = 1; k < n; k++, p += step) res[p + step] = res[p]! + src[p + step]!;
      }
    }
    return [res];
  },
};
