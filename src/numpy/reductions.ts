// jax.numpy reductions: sum prod max min (amax amin) mean var std all any argmax argmin ptp
// countNonzero average, their nan-ignoring forms, and the cumulative ones (cumsum cumprod
// cummax cummin). Each accepts a bare axis (`sum(x, 0)`, `sum(x, [0, 1])`) or an options
// object `{ axis, keepdims, dtype, initial, where }`, and follows NumPy/JAX dtype rules: sums and
// products of bool/small ints accumulate in int32, means and variances of ints are float.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { type DType, defaultFloat, defaultInt, isBool, isFloat } from "../core/dtypes.js";
import * as lax from "../lax/index.js";
import { ValueError, broadcastTo, toDType, type DTypeLike } from "./core.js";
import { type Axis, axisOpts, canonAxis, keepDims, promoteIntegerDtype, reductionAxes } from "./util.js";

export interface ReduceOptions {
  axis?: Axis;
  keepdims?: boolean;
  dtype?: DTypeLike | null;
  /** A starting value folded into the reduction (sum, prod, max, min). */
  initial?: number;
  /** Only elements where this (broadcastable) mask is true take part. */
  where?: ArrayLike;
}
export type ReduceArg = Axis | ReduceOptions;

const asArr = (x: ArrayLike): JaxArray => lax.asArray(x);

/** The boolean `where` mask broadcast to x's shape, or null. */
function whereMask(x: JaxArray, where: ArrayLike | undefined): JaxArray | null {
  if (where === undefined) return null;
  const w = asArr(where);
  return broadcastTo(w.dtype === "bool" ? w : lax.ne(w, 0), x.shape);
}

interface ReducerSpec {
  name: string;
  identity: ((d: DType) => number) | null;
  reduce: (x: JaxArray, axes: number[]) => JaxArray;
  combine: (a: JaxArray, b: JaxArray) => JaxArray;
  /** The accumulation dtype when none is requested. */
  dtype: (d: DType) => DType;
}

function reduction(spec: ReducerSpec) {
  return (x: ArrayLike, opts?: ReduceArg): JaxArray => {
    const o = axisOpts<ReduceOptions>(opts);
    let a = asArr(x);
    const axes = reductionAxes(o.axis, a.ndim);
    const d = o.dtype != null ? toDType(o.dtype) : spec.dtype(a.dtype);
    if (a.dtype !== d) a = lax.convertElementType(a, d, false);
    const mask = whereMask(a, o.where);
    if (mask !== null) {
      if (spec.identity === null && o.initial === undefined) {
        throw new ValueError(`reduction operation '${spec.name}' does not have an identity, so to use a where mask one has to specify 'initial'`);
      }
      const fill = spec.identity === null ? o.initial! : spec.identity(d);
      a = lax.select(mask, a, lax.full(a.shape, fill, d));
    }
    if (spec.identity === null && o.initial === undefined && axes.some((ax) => a.shape[ax] === 0)) {
      throw new ValueError(`zero-size array to reduction operation ${spec.name} which has no identity`);
    }
    let r = axes.length ? spec.reduce(a, axes) : a;
    if (o.initial !== undefined) r = spec.combine(r, lax.full(r.shape, o.initial, d));
    return o.keepdims ? keepDims(r, a.shape, axes) : r;
  };
}

/** jnp.sum(x, { axis, keepdims, dtype, initial, where }). */
export const sum = reduction({
  name: "sum",
  identity: () => 0,
  reduce: (x, axes) => lax.reduceSum(x, axes),
  combine: (a, b) => lax.add(a, b),
  dtype: promoteIntegerDtype,
});

/** jnp.prod(x, { axis, keepdims, dtype, initial, where }). */
export const prod = reduction({
  name: "prod",
  identity: () => 1,
  reduce: (x, axes) => lax.reduceProd(x, axes),
  combine: (a, b) => lax.mul(a, b),
  dtype: promoteIntegerDtype,
});

function lowest(d: DType): number {
  if (isFloat(d)) return -Infinity;
  if (isBool(d)) return 0;
  return d.startsWith("u") ? 0 : -(2 ** (8 * bytes(d) - 1));
}
function highest(d: DType): number {
  if (isFloat(d)) return Infinity;
  if (isBool(d)) return 1;
  return d.startsWith("u") ? 2 ** (8 * bytes(d)) - 1 : 2 ** (8 * bytes(d) - 1) - 1;
}
const bytes = (d: DType): number => Number(/\d+/.exec(d)![0]) / 8;

/** jnp.max(x, { axis, keepdims, initial, where }); NaN propagates. */
export const max = reduction({
  name: "maximum",
  identity: null,
  reduce: (x, axes) => lax.reduceMax(x, axes),
  combine: (a, b) => lax.max(a, b),
  dtype: (d) => d,
});

/** jnp.min(x, { axis, keepdims, initial, where }); NaN propagates. */
export const min = reduction({
  name: "minimum",
  identity: null,
  reduce: (x, axes) => lax.reduceMin(x, axes),
  combine: (a, b) => lax.min(a, b),
  dtype: (d) => d,
});
export const amax = max;
export const amin = min;

function boolReduction(reduce: (x: JaxArray, axes: number[]) => JaxArray, ident: boolean) {
  return (x: ArrayLike, opts?: ReduceArg): JaxArray => {
    const o = axisOpts<ReduceOptions>(opts);
    let a = asArr(x);
    if (a.dtype !== "bool") a = lax.ne(a, lax.full(a.shape, 0, a.dtype));
    const axes = reductionAxes(o.axis, a.ndim);
    const mask = whereMask(a, o.where);
    if (mask !== null) a = lax.select(mask, a, lax.full(a.shape, ident, "bool"));
    const r = axes.length ? reduce(a, axes) : a;
    return o.keepdims ? keepDims(r, a.shape, axes) : r;
  };
}

/** jnp.all(x, { axis, keepdims, where }): logical AND (non-zero is true). */
export const all = boolReduction((x, axes) => lax.reduceAnd(x, axes), true);
/** jnp.any(x, { axis, keepdims, where }): logical OR. */
export const any = boolReduction((x, axes) => lax.reduceOr(x, axes), false);

/** Converts ints/bools to the default float, as NumPy's mean/var do. */
function inexactDtype(d: DType, requested: DTypeLike | null | undefined): DType {
  if (requested != null) return toDType(requested);
  return isFloat(d) ? d : defaultFloat();
}

/** Number of elements taking part in a reduction: a JS number, or an array under a where mask. */
function countOf(a: JaxArray, axes: number[], mask: JaxArray | null, d: DType, keepdims: boolean): JaxArray | number {
  if (mask === null) return axes.reduce((n, ax) => n * a.shape[ax]!, 1);
  return sum(lax.convertElementType(mask, d), { axis: axes, keepdims });
}

/** jnp.mean(x, { axis, keepdims, dtype, where }): ints average in float32. */
export function mean(x: ArrayLike, opts?: ReduceArg): JaxArray {
  const o = axisOpts<ReduceOptions>(opts);
  const a0 = asArr(x);
  const d = inexactDtype(a0.dtype, o.dtype);
  const a = lax.convertElementType(a0, d, a0.weakType && isFloat(a0.dtype));
  const axes = reductionAxes(o.axis, a.ndim);
  const s = sum(a, { axis: axes, keepdims: o.keepdims, where: o.where });
  const n = countOf(a, axes, whereMask(a, o.where), d, o.keepdims ?? false);
  return lax.div(s, typeof n === "number" ? lax.full(s.shape, n, d) : n);
}

export interface VarOptions extends ReduceOptions {
  /** Delta degrees of freedom: the divisor is N - ddof. */
  ddof?: number;
  /** The Array API's name for ddof. */
  correction?: number;
}

/** jnp.var(x, { axis, ddof, keepdims, dtype, where }): mean squared deviation. */
function var_(x: ArrayLike, opts?: Axis | VarOptions): JaxArray {
  const o = axisOpts<VarOptions>(opts);
  const a0 = asArr(x);
  const d = inexactDtype(a0.dtype, o.dtype);
  const a = lax.convertElementType(a0, d, a0.weakType && isFloat(a0.dtype));
  const axes = reductionAxes(o.axis, a.ndim);
  const ddof = o.correction ?? o.ddof ?? 0;
  const mu = mean(a, { axis: axes, keepdims: true, where: o.where });
  const centered = lax.sub(a, lax.broadcastInDim(mu, a.shape, a.shape.map((_, i) => i)));
  const ss = sum(lax.mul(centered, centered), { axis: axes, keepdims: o.keepdims, where: o.where });
  const n = countOf(a, axes, whereMask(a, o.where), d, o.keepdims ?? false);
  const denom = typeof n === "number" ? lax.full(ss.shape, n - ddof, d) : lax.sub(n, lax.full(n.shape, ddof, d));
  return lax.div(ss, denom);
}
export { var_ as var };

/** jnp.std(x, { axis, ddof, keepdims, dtype, where }): sqrt(var). */
export const std = (x: ArrayLike, opts?: Axis | VarOptions): JaxArray => lax.sqrt(var_(x, opts));

/** jnp.ptp(x, { axis, keepdims }): max - min. */
export function ptp(x: ArrayLike, opts?: ReduceArg): JaxArray {
  const o = axisOpts<ReduceOptions>(opts);
  return lax.sub(max(x, { axis: o.axis, keepdims: o.keepdims }), min(x, { axis: o.axis, keepdims: o.keepdims }));
}

/** jnp.count_nonzero(x, { axis, keepdims }): an int32 count. */
export function countNonzero(x: ArrayLike, opts?: ReduceArg): JaxArray {
  const o = axisOpts<ReduceOptions>(opts);
  const a = asArr(x);
  const nz = a.dtype === "bool" ? a : lax.ne(a, lax.full(a.shape, 0, a.dtype));
  return sum(nz, { axis: o.axis, keepdims: o.keepdims });
}

/** jnp.average(x, { axis, weights, keepdims, returned }): weighted mean; `returned` adds the weight sum. */
interface AverageOptions {
  axis?: Axis;
  weights?: ArrayLike;
  keepdims?: boolean;
  returned?: boolean;
}
export function average(x: ArrayLike, opts: AverageOptions & { returned: true }): [JaxArray, JaxArray];
export function average(x: ArrayLike, opts?: Axis | AverageOptions): JaxArray;
export function average(x: ArrayLike, opts?: Axis | AverageOptions): JaxArray | [JaxArray, JaxArray] {
  const o = axisOpts<AverageOptions>(opts);
  const a0 = asArr(x);
  const d = inexactDtype(a0.dtype, undefined);
  const a = lax.convertElementType(a0, d);
  const axes = reductionAxes(o.axis, a.ndim);
  if (o.weights === undefined) {
    const avg = mean(a, { axis: axes, keepdims: o.keepdims });
    return o.returned ? [avg, lax.full(avg.shape, axes.reduce((n, ax) => n * a.shape[ax]!, 1), d)] : avg;
  }
  let w = lax.convertElementType(asArr(o.weights), d);
  if (w.ndim !== a.ndim || w.shape.some((s, i) => s !== a.shape[i])) {
    // NumPy's rules: differing shapes need one axis and 1-D weights of that axis' length.
    if (o.axis === null || o.axis === undefined) throw new TypeError("Axis must be specified when shapes of a and weights differ.");
    if (w.ndim !== 1) throw new TypeError("1D weights expected when shapes of a and weights differ.");
    if (axes.length !== 1 || w.shape[0] !== a.shape[axes[0]!]) throw new ValueError("Length of weights not compatible with specified axis.");
    w = lax.broadcastInDim(w, a.shape, [axes[0]!]);
  }
  const wsum = sum(w, { axis: axes, keepdims: o.keepdims });
  const avg = lax.div(sum(lax.mul(a, w), { axis: axes, keepdims: o.keepdims }), wsum);
  return o.returned ? [avg, wsum] : avg;
}

function argReduce(name: "argmax" | "argmin", prim: (x: JaxArray, axis: number, indexDtype: DType) => JaxArray) {
  return (x: ArrayLike, opts?: number | null | { axis?: number | null; keepdims?: boolean }): JaxArray => {
    const o = typeof opts === "number" || opts === null || opts === undefined ? { axis: opts } : opts;
    let a = asArr(x);
    const shape = a.shape;
    if (o.axis === null || o.axis === undefined) {
      if (a.size === 0) throw new ValueError(`attempt to get ${name} of an empty sequence`);
      const r = prim(lax.reshape(a, [a.size]), 0, defaultInt());
      return o.keepdims ? lax.reshape(r, shape.map(() => 1)) : r;
    }
    const ax = canonAxis(o.axis, a.ndim);
    if (a.shape[ax] === 0) throw new ValueError(`attempt to get ${name} of an empty sequence`);
    if (isBool(a.dtype)) a = lax.convertElementType(a, defaultInt());
    const r = prim(a, ax, defaultInt());
    return o.keepdims ? keepDims(r, shape, [ax]) : r;
  };
}

/** jnp.argmax(x, { axis, keepdims }) or argmax(x, axis): int32 index of the first maximum. */
export const argmax = argReduce("argmax", (x, axis, idt) => lax.argmax(x, axis, idt));
/** jnp.argmin(x, { axis, keepdims }) or argmin(x, axis): int32 index of the first minimum. */
export const argmin = argReduce("argmin", (x, axis, idt) => lax.argmin(x, axis, idt));

// ---- nan-ignoring reductions -----------------------------------------------------------------

const isNan = (a: JaxArray): JaxArray => lax.ne(a, a);

function nanReplaced(x: ArrayLike, fill: (d: DType) => number): JaxArray {
  const a = asArr(x);
  if (!isFloat(a.dtype)) return a;
  return lax.select(isNan(a), lax.full(a.shape, fill(a.dtype), a.dtype), a);
}

/** jnp.nansum: sum treating NaN as zero. */
export const nansum = (x: ArrayLike, opts?: ReduceArg): JaxArray => sum(nanReplaced(x, () => 0), opts);
/** jnp.nanprod: product treating NaN as one. */
export const nanprod = (x: ArrayLike, opts?: ReduceArg): JaxArray => prod(nanReplaced(x, () => 1), opts);

function nanExtremum(f: typeof max, fill: (d: DType) => number) {
  return (x: ArrayLike, opts?: ReduceArg): JaxArray => {
    const a = asArr(x);
    const r = f(nanReplaced(a, fill), opts);
    if (!isFloat(a.dtype)) return r;
    // All-NaN slices give NaN, as NumPy (which also warns).
    const o = axisOpts<ReduceOptions>(opts);
    const allNan = all(isNan(a), { axis: o.axis, keepdims: o.keepdims });
    return lax.select(allNan, lax.full(r.shape, NaN, r.dtype), r);
  };
}
/** jnp.nanmax: max ignoring NaN. */
export const nanmax = nanExtremum(max, lowest);
/** jnp.nanmin: min ignoring NaN. */
export const nanmin = nanExtremum(min, highest);

/** jnp.nanmean: mean over the non-NaN elements. */
export function nanmean(x: ArrayLike, opts?: ReduceArg): JaxArray {
  const a = asArr(x);
  if (!isFloat(a.dtype)) return mean(a, opts);
  const o = axisOpts<ReduceOptions>(opts);
  return mean(a, { ...o, where: lax.eq(a, a) });
}

// ---- cumulative reductions -------------------------------------------------------------------

/**
 * Inclusive scan of an associative `op` along `axis` (Blelloch-style, as lax.associative_scan):
 * combine neighbouring pairs, scan the half-length result recursively, then fill in the even
 * positions and interleave. Built from strided slices, pads and concatenation, so it is
 * differentiable and batchable like any composition of lax ops.
 */
function associativeScan(op: (a: JaxArray, b: JaxArray) => JaxArray, x: JaxArray, axis: number): JaxArray {
  const n = x.shape[axis]!;
  if (n < 2) return x;
  const sl = (e: JaxArray, start: number, stop: number, stride = 1) => lax.sliceInDim(e, start, stop, stride, axis);
  const m = x.shape[axis]!;
  const reduced = op(sl(x, 0, m - 1, 2), sl(x, 1, m, 2));
  const odd = associativeScan(op, reduced, axis);
  const evenTail = m % 2 === 0 ? op(sl(odd, 0, odd.shape[axis]! - 1), sl(x, 2, m, 2)) : op(odd, sl(x, 2, m, 2));
  const even = lax.concatenate([sl(x, 0, 1), evenTail], axis);
  return interleave(even, odd, axis);
}

/** Interleaves a (positions 0, 2, 4, ...) and b (1, 3, ...) along axis by interior padding. */
function interleave(a: JaxArray, b: JaxArray, axis: number): JaxArray {
  const same = a.shape[axis] === b.shape[axis];
  const cfgA = a.shape.map((): [number, number, number] => [0, 0, 0]);
  const cfgB = b.shape.map((): [number, number, number] => [0, 0, 0]);
  cfgA[axis] = [0, same ? 1 : 0, 1];
  cfgB[axis] = [1, same ? 0 : 1, 1];
  const zero = lax.scalar(0, a.dtype);
  const pa = lax.pad(a, zero, cfgA);
  const pb = lax.pad(b, zero, cfgB);
  return a.dtype === "bool" ? lax.bitwiseOr(pa, pb) : lax.add(pa, pb);
}

interface CumOptions {
  axis?: number | null;
  dtype?: DTypeLike | null;
}

function cumulative(scan: (x: JaxArray, axis: number) => JaxArray, promote: boolean) {
  return (x: ArrayLike, opts?: number | null | CumOptions): JaxArray => {
    const o: CumOptions = typeof opts === "number" || opts === null || opts === undefined ? { axis: opts } : opts;
    let a = asArr(x);
    if (o.axis === null || o.axis === undefined) a = lax.reshape(a, [a.size]);
    const axis = canonAxis(o.axis ?? 0, a.ndim);
    const d = o.dtype != null ? toDType(o.dtype) : promote ? promoteIntegerDtype(a.dtype) : a.dtype;
    if (a.dtype !== d) a = lax.convertElementType(a, d);
    return a.shape[axis]! < 2 ? a : scan(a, axis);
  };
}

/** jnp.cumsum(x, { axis, dtype }) or cumsum(x, axis): running sum; flattens without an axis. */
export const cumsum = cumulative((a, axis) => lax.cumsum(a, axis, false), true);
/** jnp.cumprod(x, { axis, dtype }): running product. */
export const cumprod = cumulative((a, axis) => associativeScan(lax.mul, a, axis), true);
/** Running maximum along an axis (lax.cummax; NumPy's np.maximum.accumulate). */
export const cummax = cumulative((a, axis) => associativeScan(isBool(a.dtype) ? lax.bitwiseOr : lax.max, a, axis), false);
/** Running minimum along an axis (lax.cummin; NumPy's np.minimum.accumulate). */
export const cummin = cumulative((a, axis) => associativeScan(isBool(a.dtype) ? lax.bitwiseAnd : lax.min, a, axis), false);

/** jnp.nancumsum: cumsum treating NaN as zero. */
export const nancumsum = (x: ArrayLike, opts?: number | null | CumOptions): JaxArray => cumsum(nanReplaced(x, () => 0), opts);
/** jnp.nancumprod: cumprod treating NaN as one. */
export const nancumprod = (x: ArrayLike, opts?: number | null | CumOptions): JaxArray => cumprod(nanReplaced(x, () => 1), opts);
