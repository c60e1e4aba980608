// lax shape and indexing functions (jax.lax names in camelCase): squeeze, expandDims, rev,
// slice, sliceInDim, dynamicSlice, dynamicUpdateSlice, dynamicIndexInDim, pad, concatenate,
// gather and the scatter family. Thin wrappers over bind that normalize arguments.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { isUnsignedInt } from "../core/dtypes.js";
import { normalizeAxis } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import * as sh from "../primitives/shape_ops.js";
import * as ix from "../primitives/indexing.js";
import type { GatherParams, GatherScatterMode, ScatterParams } from "../primitives/indexing.js";
import { asArray, add, convertElementType, lt, scalar, select } from "./core.js";

export type { GatherScatterMode };

/** XLA's gather dimension numbers; the batching dims default to none. */
export interface GatherDimensionNumbers {
  offsetDims: readonly number[];
  collapsedSliceDims: readonly number[];
  startIndexMap: readonly number[];
  operandBatchingDims?: readonly number[];
  startIndicesBatchingDims?: readonly number[];
}

/** XLA's scatter dimension numbers; the batching dims default to none. */
export interface ScatterDimensionNumbers {
  updateWindowDims: readonly number[];
  insertedWindowDims: readonly number[];
  scatterDimsToOperandDims: readonly number[];
  operandBatchingDims?: readonly number[];
  scatterIndicesBatchingDims?: readonly number[];
}

export interface GatherOptions {
  /** Out-of-bounds handling: "promise_in_bounds" (default, clamps), "clip" or "fill". */
  mode?: GatherScatterMode;
  /** The value of out-of-bounds windows in "fill" mode (default NaN, or the dtype's extreme). */
  fillValue?: number | boolean | null;
}

export interface ScatterOptions {
  /** Out-of-bounds handling: "fill" (default: out-of-bounds windows are dropped), "clip" or "promise_in_bounds". */
  mode?: GatherScatterMode;
  /** Promise that no two indices hit the same position (enables cheaper derivatives). */
  uniqueIndices?: boolean;
}

const MODES: readonly string[] = ["clip", "fill", "promise_in_bounds"];
function parseMode(mode: string): GatherScatterMode {
  const m = mode === "drop" ? "fill" : mode;
  if (!MODES.includes(m)) throw new TypeError(`Unknown gather mode "${mode}"`);
  return m as GatherScatterMode;
}

const sortedAxes = (dims: readonly number[], ndim: number): number[] =>
  dims.map((d) => normalizeAxis(d, ndim)).sort((a, b) => a - b);

/** Removes the given size-1 dimensions (negative dims count from the end). */
export function squeeze(x: ArrayLike, dimensions: readonly number[]): JaxArray {
  const a = asArray(x);
  if (dimensions.length === 0) return a;
  return bind1(sh.squeeze_p, [a], { dimensions: sortedAxes(dimensions, a.ndim) });
}

/** Inserts size-1 dimensions at the given positions of the output (like lax.expand_dims). */
export function expandDims(x: ArrayLike, dimensions: readonly number[]): JaxArray {
  const a = asArray(x);
  if (new Set(dimensions).size !== dimensions.length) {
    throw new TypeError(`repeated axis in lax.expand_dims: (${dimensions.join(", ")})`);
  }
  if (dimensions.length === 0) return a;
  const nOut = a.ndim + dimensions.length;
  return bind1(sh.expand_dims_p, [a], { dimensions: sortedAxes(dimensions, nOut) });
}

/** Reverses the order of elements along the given dimensions. */
export function rev(x: ArrayLike, dimensions: readonly number[]): JaxArray {
  const a = asArray(x);
  if (dimensions.length === 0) return a;
  return bind1(sh.rev_p, [a], { dimensions: [...dimensions] });
}

/** A static slice x[start:limit:stride] in every dimension. */
export function slice(
  x: ArrayLike,
  startIndices: readonly number[],
  limitIndices: readonly number[],
  strides: readonly number[] | null = null,
): JaxArray {
  const a = asArray(x);
  const s = strides === null || strides.every((v) => v === 1) ? null : [...strides];
  return bind1(sh.slice_p, [a], { startIndices: [...startIndices], limitIndices: [...limitIndices], strides: s });
}

/** slice along one axis (negative start/limit count from the end, as in Python). */
export function sliceInDim(x: ArrayLike, start: number | null, limit: number | null, stride = 1, axis = 0): JaxArray {
  const a = asArray(x);
  const ax = normalizeAxis(axis, a.ndim);
  const d = a.shape[ax]!;
  const norm = (v: number | null, dflt: number) => (v === null ? dflt : v < 0 ? v + d : v);
  const starts = a.shape.map(() => 0);
  const limits = [...a.shape];
  const strides = a.shape.map(() => 1);
  starts[ax] = norm(start, 0);
  limits[ax] = norm(limit, d);
  strides[ax] = stride;
  return slice(a, starts, limits, strides);
}

/** Scalar start indices as one integer dtype, negative ones wrapped once (as JAX does). */
function startIndices(x: JaxArray, idx: readonly ArrayLike[]): JaxArray[] {
  if (idx.length !== x.ndim) {
    throw new TypeError(`Length of slice indices must match number of operand dimensions (${idx.length} vs (${x.shape.join(", ")}${x.ndim === 1 ? "," : ""}))`);
  }
  const arrays = idx.filter(isArray);
  const dtype = arrays.length && arrays.every((i) => i.dtype === arrays[0]!.dtype) ? arrays[0]!.dtype : "int32";
  return idx.map((i, k) => {
    const d = x.shape[k]!;
    if (!isArray(i)) {
      const v = Number(i);
      if (!Number.isInteger(v)) throw new TypeError(`index arguments to dynamic_slice must be integers, got ${v}`);
      return scalar(v < 0 ? v + d : v, dtype);
    }
    const a = convertElementType(i, dtype);
    if (isUnsignedInt(dtype)) return a;
    return select(lt(a, 0), add(a, d), a);
  });
}

/** x[start : start + size] in every dimension; starts are clamped so the window fits. */
export function dynamicSlice(x: ArrayLike, startIndices_: readonly ArrayLike[], sliceSizes: readonly number[]): JaxArray {
  const a = asArray(x);
  return bind1(ix.dynamic_slice_p, [a, ...startIndices(a, startIndices_)], { sliceSizes: [...sliceSizes] });
}

/** x with `update` written at the (clamped) start indices. */
export function dynamicUpdateSlice(x: ArrayLike, update: ArrayLike, startIndices_: readonly ArrayLike[]): JaxArray {
  const a = asArray(x);
  let u = isArray(update) ? update : scalar(Number(update), a.dtype, true);
  if (u.dtype !== a.dtype && u.weakType) u = convertElementType(u, a.dtype);
  return bind1(ix.dynamic_update_slice_p, [a, u, ...startIndices(a, startIndices_)], {});
}

/** dynamicSlice along one axis. */
export function dynamicSliceInDim(x: ArrayLike, start: ArrayLike, size: number, axis = 0): JaxArray {
  const a = asArray(x);
  const ax = normalizeAxis(axis, a.ndim);
  const starts: ArrayLike[] = a.shape.map(() => 0);
  starts[ax] = start;
  return dynamicSlice(a, starts, a.shape.map((d, i) => (i === ax ? size : d)));
}

/** x[..., index, ...] along `axis`, keeping the dimension when keepdims. */
export function dynamicIndexInDim(x: ArrayLike, index: ArrayLike, axis = 0, keepdims = true): JaxArray {
  const a = asArray(x);
  const ax = normalizeAxis(axis, a.ndim);
  const s = dynamicSliceInDim(a, index, 1, ax);
  return keepdims ? s : squeeze(s, [ax]);
}

/** dynamicUpdateSlice along one axis. */
export function dynamicUpdateSliceInDim(x: ArrayLike, update: ArrayLike, start: ArrayLike, axis = 0): JaxArray {
  const a = asArray(x);
  const ax = normalizeAxis(axis, a.ndim);
  const starts: ArrayLike[] = a.shape.map(() => 0);
  starts[ax] = start;
  return dynamicUpdateSlice(a, update, starts);
}

/** Pads with `paddingValue`: (lo, hi, interior) per dimension; negative lo/hi crop. */
export function pad(x: ArrayLike, paddingValue: ArrayLike, config: readonly (readonly [number, number, number])[]): JaxArray {
  const a = asArray(x);
  let pv = isArray(paddingValue) ? paddingValue : scalar(Number(paddingValue), a.dtype, true);
  if (pv.dtype !== a.dtype && pv.weakType) pv = convertElementType(pv, a.dtype);
  const paddingConfig = config.map(([lo, hi, int]): [number, number, number] => [lo, hi, int]);
  return bind1(sh.pad_p, [a, pv], { paddingConfig });
}

/** Joins arrays of equal dtype and rank along `dimension`. */
export function concatenate(xs: readonly ArrayLike[], dimension: number): JaxArray {
  const arrays = xs.map(asArray);
  if (arrays.length === 1) return arrays[0]!;
  return bind1(sh.concatenate_p, arrays, { dimension });
}

const fullGatherDnums = (d: GatherDimensionNumbers): ix.GatherDimensionNumbers => ({
  offsetDims: [...d.offsetDims],
  collapsedSliceDims: [...d.collapsedSliceDims],
  startIndexMap: [...d.startIndexMap],
  operandBatchingDims: [...(d.operandBatchingDims ?? [])],
  startIndicesBatchingDims: [...(d.startIndicesBatchingDims ?? [])],
});

const fullScatterDnums = (d: ScatterDimensionNumbers): ix.ScatterDimensionNumbers => ({
  updateWindowDims: [...d.updateWindowDims],
  insertedWindowDims: [...d.insertedWindowDims],
  scatterDimsToOperandDims: [...d.scatterDimsToOperandDims],
  operandBatchingDims: [...(d.operandBatchingDims ?? [])],
  scatterIndicesBatchingDims: [...(d.scatterIndicesBatchingDims ?? [])],
});

/** XLA's gather: one slice of `sliceSizes` per index vector (the last dim of `indices`). */
export function gather(
  operand: ArrayLike,
  indices: ArrayLike,
  dimensionNumbers: GatherDimensionNumbers,
  sliceSizes: readonly number[],
  opts: GatherOptions = {},
): JaxArray {
  const x = asArray(operand);
  const mode = parseMode(opts.mode ?? "promise_in_bounds");
  const fv = opts.fillValue;
  const params: GatherParams = {
    dimensionNumbers: fullGatherDnums(dimensionNumbers),
    sliceSizes: [...sliceSizes],
    mode,
    fillValue: mode === "fill" ? (fv === null || fv === undefined ? ix.defaultFillValue(x.dtype) : Number(fv)) : null,
  };
  return bind1(ix.gather_p, [x, asArray(indices)], params);
}

function scatterWith(prim: typeof ix.scatter_add_p) {
  return (
    operand: ArrayLike,
    indices: ArrayLike,
    updates: ArrayLike,
    dimensionNumbers: ScatterDimensionNumbers,
    opts: ScatterOptions = {},
  ): JaxArray => {
    const x = asArray(operand);
    let u = isArray(updates) ? updates : scalar(Number(updates), x.dtype, true);
    if (u.dtype !== x.dtype && u.weakType) u = convertElementType(u, x.dtype);
    const params: ScatterParams = {
      dimensionNumbers: fullScatterDnums(dimensionNumbers),
      mode: parseMode(opts.mode ?? "fill"),
      uniqueIndices: opts.uniqueIndices ?? false,
    };
    return bind1(prim, [x, asArray(indices), u], params);
  };
}

/** XLA's scatter with addition: updates summed into the operand at the indexed windows. */
export const scatterAdd = scatterWith(ix.scatter_add_p);
/** XLA's scatter overwriting the indexed windows (the last update wins on duplicates). */
export const scatter = scatterWith(ix.scatter_p);
/** Scatter with multiplication. */
export const scatterMul = scatterWith(ix.scatter_mul_p);
/** Scatter keeping the minimum. */
export const scatterMin = scatterWith(ix.scatter_min_p);
/** Scatter keeping the maximum. */
export const scatterMax = scatterWith(ix.scatter_max_p);
