// Windowed reductions (XLA's ReduceWindow with a monoid): reduce_window_sum, reduce_window_max
// and reduce_window_min, the primitives behind pooling. Each output element reduces a window of
// the operand after base dilation (holes between operand elements) and (lo, hi) padding, with
// window strides and window dilation. Padding and holes hold the monoid's identity. The records
// own JAX's shape rule and wording, jvps (sum is linear; max/min pass on the tangent at the
// first maximal element of each window), sum's transpose (a padded, strided sum over windows),
// batching (the vmapped dim gets a window of 1) and a reference kernel.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, iinfo, isBool, isFloat, typedArrayFor } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { prod, shapeStr, stridesOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import * as laxShape from "../lax/shape.js";
import * as laxRed from "../lax/reductions.js";
import { broadcastedIota } from "../lax/special.js";
import { checkDTypeClass } from "./util.js";
import { dilateDim, vjpLhsPadding } from "./conv.js";

export type ReduceWindowParams = {
  windowDimensions: number[];
  windowStrides: number[];
  padding: [number, number][];
  baseDilation: number[];
  windowDilation: number[];
};

const tuple = (xs: readonly number[]): string => shapeStr(xs);

/** JAX's _common_reduce_window_shape_rule and reduce_window_shape_tuple. */
export function reduceWindowShape(name: string, x: ShapedArray, p: ReduceWindowParams): number[] {
  const check = (arg: string, v: readonly number[], positive: boolean) => {
    if (v.some((d) => !Number.isInteger(d) || d < (positive ? 1 : 0))) {
      throw new TypeError(`${name} ${arg} must have every element be ${positive ? "positive" : "nonnegative"}, got ${tuple(v)}.`);
    }
  };
  check("window_dimensions", p.windowDimensions, true);
  check("window_strides", p.windowStrides, true);
  check("base_dilation", p.baseDilation, true);
  check("window_dilation", p.windowDilation, true);
  const wd = p.windowDimensions;
  if (x.ndim !== wd.length) {
    throw new TypeError(
      `reduce_window got the wrong number of window_dimensions for operand array with ${x.ndim} dimensions; got window_dimensions ${tuple(wd)}.`,
    );
  }
  const same = (arg: string, v: readonly number[]) => {
    if (v.length !== wd.length) {
      throw new TypeError(`reduce_window got inconsistent ${arg} and window_dimensions; got ${arg} ${tuple(v)} and window_dimensions ${tuple(wd)}.`);
    }
  };
  same("window_strides", p.windowStrides);
  same("base_dilation", p.baseDilation);
  same("window_dilation", p.windowDilation);
  if (p.padding.length !== wd.length) {
    throw new TypeError(`reduce_window got inconsistent padding and window_dimensions; got padding ${JSON.stringify(p.padding)} and window_dimensions ${tuple(wd)}.`);
  }
  // A window longer than the padded, dilated operand fits nowhere: that dim of the output is empty.
  return x.shape.map((d, i) => {
    const padded = dilateDim(d, p.baseDilation[i]!) + p.padding[i]![0] + p.padding[i]![1];
    const win = dilateDim(wd[i]!, p.windowDilation[i]!);
    return Math.max(0, Math.floor((padded - win) / p.windowStrides[i]!) + 1);
  });
}

// ---- max/min jvp ----

/**
 * The windows of x as a new trailing axis: [...out, prod(windowDimensions)], window taps in
 * row-major order. Built from pad (with `fill`, also filling the base dilation's holes) and one
 * strided slice per tap, all linear lax ops, so it transposes and differentiates.
 */
function windowPatches(x: JaxArray, fill: number, p: ReduceWindowParams, outShape: readonly number[]): JaxArray {
  const xp = laxShape.pad(
    x,
    lax.scalar(fill, x.dtype),
    p.padding.map(([lo, hi], i) => [lo, hi, p.baseDilation[i]! - 1] as const),
  );
  const wd = p.windowDimensions;
  const n = prod(wd);
  const wStr = stridesOf(wd);
  const taps: JaxArray[] = [];
  for (let f = 0; f < n; f++) {
    const start = wd.map((w, d) => (Math.floor(f / wStr[d]!) % w) * p.windowDilation[d]!);
    const limit = start.map((s, d) => s + (outShape[d]! - 1) * p.windowStrides[d]! + 1);
    const tap = laxShape.slice(xp, start, limit, p.windowStrides);
    taps.push(lax.reshape(tap, [...outShape, 1]));
  }
  return taps.length === 1 ? taps[0]! : laxShape.concatenate(taps, outShape.length);
}

/**
 * d max_window(x) = t at the window's first maximal element (XLA's select_and_gather_add picks
 * the same one): the position comes from argmax over the window taps, and the tangent's taps are
 * summed under that one-hot mask. Linear in t and made of lax ops, so it transposes for grad and
 * differentiates again.
 */
function chooserJvp(prim: PrimitiveRules<ReduceWindowParams>, isMax: boolean) {
  return ([x]: JaxArray[], [t]: JaxArray[], params: ReduceWindowParams): [JaxArray[], (JaxArray | null)[]] => {
    const out = bind1(prim, [x!], params);
    if (!isFloat(x!.dtype)) return [[out], [null]];
    const fill = isMax ? -Infinity : Infinity;
    const xs = windowPatches(x!, fill, params, out.shape);
    const last = out.ndim;
    const idx = isMax ? laxRed.argmax(xs, last, "int32") : laxRed.argmin(xs, last, "int32");
    const taps = broadcastedIota("int32", xs.shape, last);
    const mask = lax.eq(taps, lax.broadcastInDim(idx, xs.shape, out.shape.map((_, i) => i)));
    const ts = windowPatches(t!, 0, params, out.shape);
    return [[out], [lax.reduceSum(lax.select(mask, ts, lax.zerosLike(ts)), [last])]];
  };
}

// ---- batching ----

/** The vmapped dim moves to the front with a window of 1 there. */
function batchRule(prim: PrimitiveRules<ReduceWindowParams>) {
  return ([x]: JaxArray[], [d]: (number | null)[], p: ReduceWindowParams): [JaxArray[], number[]] => {
    const moved = d === 0 ? x! : lax.transpose(x!, [d!, ...x!.shape.map((_, i) => i).filter((i) => i !== d)]);
    const q: ReduceWindowParams = {
      windowDimensions: [1, ...p.windowDimensions],
      windowStrides: [1, ...p.windowStrides],
      padding: [[0, 0], ...p.padding],
      baseDilation: [1, ...p.baseDilation],
      windowDilation: [1, ...p.windowDilation],
    };
    return [[bind1(prim, [moved], q)], [0]];
  };
}

// ---- reference kernel ----

/** Per dim: the operand index read by output o at tap k, or -1 (padding or a dilation hole). */
function tapTable(outSize: number, win: number, inSize: number, p: ReduceWindowParams, d: number): Int32Array {
  const t = new Int32Array(outSize * win);
  const bd = p.baseDilation[d]!;
  for (let o = 0; o < outSize; o++) {
    for (let k = 0; k < win; k++) {
      const pos = o * p.windowStrides[d]! + k * p.windowDilation[d]! - p.padding[d]![0];
      t[o * win + k] = pos >= 0 && pos % bd === 0 && pos / bd < inSize ? pos / bd : -1;
    }
  }
  return t;
}

type Combine = (acc: number, v: number) => number;

/**
 * Loops over the output's leading dims and the window taps of those dims (odometers), with the
 * last dim's taps and positions innermost over an accumulator row.
 */
function reduceWindowImpl(x: HostLike, p: ReduceWindowParams, out: ShapedArray, init: number, op: Combine): TypedArray {
  const res = typedArrayFor(out.dtype, out.size);
  const nd = x.shape.length;
  if (out.size === 0) return res;
  if (nd === 0) {
    res[0] = op(init, Number(x.data[0]!)) as never;
    return res;
  }
  const wd = p.windowDimensions;
  const tabs = out.shape.map((o, d) => tapTable(o, wd[d]!, x.shape[d]!, p, d));
  const xStr = stridesOf(x.shape);
  const outer = out.shape.slice(0, -1);
  const nOuter = prod(outer);
  const oStr = stridesOf(outer);
  const wOuter = wd.slice(0, -1);
  const nWin = prod(wOuter);
  const wStr = stridesOf(wOuter);
  const L = out.shape[nd - 1]!;
  const WL = wd[nd - 1]!;
  const tl = tabs[nd - 1]!;
  const sl = xStr[nd - 1]!;
  const acc = new Float64Array(L);
  const data = x.data;
  for (let of = 0; of < nOuter; of++) {
    acc.fill(init);
    for (let wf = 0; wf < nWin; wf++) {
      let base = 0;
      for (let d = 0; d < nd - 1; d++) {
        const o = Math.floor(of / oStr[d]!) % outer[d]!;
        const k = Math.floor(wf / wStr[d]!) % wOuter[d]!;
        const i = tabs[d]![o * wd[d]! + k]!;
        if (i < 0) {
          base = -1;
          break;
        }
        base += i * xStr[d]!;
      }
      if (base < 0) continue;
      for (let o = 0; o < L; o++) {
        for (let k = 0; k < WL; k++) {
          const i = tl[o * WL + k]!;
          if (i >= 0) acc[o] = op(acc[o]!, Number(data[base + i * sl]!));
        }
      }
    }
    for (let o = 0; o < L; o++) res[of * L + o] = acc[o] as never;
  }
  return res;
}

interface HostLike {
  data: TypedArray;
  shape: readonly number[];
}

const lowest = (d: DType): number => (isFloat(d) ? -Infinity : iinfo(d).min);
const highest = (d: DType): number => (isFloat(d) ? Infinity : iinfo(d).max);
const maxOp: Combine = (a, v) => (v > a || v !== v ? v : a);
const minOp: Combine = (a, v) => (v < a || v !== v ? v : a);

// ---- the records ----

export const reduce_window_sum_p: PrimitiveRules<ReduceWindowParams> = {
  name: "reduce_window_sum",
  abstractEval([x], p) {
    checkDTypeClass("reduce_window_sum", x!.dtype, "numeric");
    return [new ShapedArray(reduceWindowShape("reduce_window_sum", x!, p), x!.dtype, x!.weakType)];
  },
  jvp: ([x], [t], p) => {
    const out = bind1(reduce_window_sum_p, [x!], p);
    return [[out], [isFloat(x!.dtype) ? bind1(reduce_window_sum_p, [t!], p) : null]];
  },
  /**
   * JAX's _reduce_window_sum_transpose_rule: each operand element receives the sum of the
   * cotangents of the windows that cover it. Dilating g by the strides and padding it as for
   * a convolution's lhs transpose, a stride-(base dilation) window sum over it gives exactly
   * that (the all-ones window is its own reversal).
   */
  transpose([ct], [x], p) {
    const shape = (x as { aval: ShapedArray }).aval.shape;
    const pads = vjpLhsPadding(shape, p.windowDimensions, p.windowStrides, ct!.shape, p.padding, p.baseDilation, p.windowDilation);
    const padded = laxShape.pad(ct!, lax.scalar(0, ct!.dtype), pads.map(([lo, hi], i) => [lo, hi, p.windowStrides[i]! - 1] as const));
    const ones = shape.map(() => 1);
    const res = bind1(reduce_window_sum_p, [padded], {
      windowDimensions: [...p.windowDimensions],
      windowStrides: [...p.baseDilation],
      padding: shape.map(() => [0, 0] as [number, number]),
      baseDilation: ones,
      windowDilation: [...p.windowDilation],
    });
    return [res];
  },
  batch: (args, dims, p) => batchRule(reduce_window_sum_p)(args, dims, p),
  impl: ([x], p, [out]) => [reduceWindowImpl(x!, p, out!, 0, isBool(x!.dtype) ? (a, v) => (a || v ? 1 : 0) : (a, v) => a + v)],
};

export const reduce_window_max_p: PrimitiveRules<ReduceWindowParams> = {
  name: "reduce_window_max",
  abstractEval: ([x], p) => [new ShapedArray(reduceWindowShape("reduce_window_max", x!, p), x!.dtype, x!.weakType)],
  jvp: (prims, ts, p) => chooserJvp(reduce_window_max_p, true)(prims, ts, p),
  transpose: null,
  batch: (args, dims, p) => batchRule(reduce_window_max_p)(args, dims, p),
  impl: ([x], p, [out]) => [reduceWindowImpl(x!, p, out!, lowest(x!.dtype), maxOp)],
};

export const reduce_window_min_p: PrimitiveRules<ReduceWindowParams> = {
  name: "reduce_window_min",
  abstractEval: ([x], p) => [new ShapedArray(reduceWindowShape("reduce_window_min", x!, p), x!.dtype, x!.weakType)],
  jvp: (prims, ts, p) => chooserJvp(reduce_window_min_p, false)(prims, ts, p),
  transpose: null,
  batch: (args, dims, p) => batchRule(reduce_window_min_p)(args, dims, p),
  impl: ([x], p, [out]) => [reduceWindowImpl(x!, p, out!, highest(x!.dtype), minOp)],
};
