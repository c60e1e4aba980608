// lax reductions and contractions: reduceMax/Min/Prod/And/Or, argmax/argmin, cumsum and
// dotGeneral/dot/batchMatmul, thin wrappers over the primitives' bind (as jax.lax's functions).
import type { ArrayLike, JaxArray } from "../core/array.js";
import { type DType, canonicalizeDType, isInt, parseDType } from "../core/dtypes.js";
import { shapeStr } from "../core/shape.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as red from "../primitives/reductions.js";
import { type DotDimensionNumbers, dot_general_p } from "../primitives/dot.js";
import { asArray } from "./core.js";

export type { DotDimensionNumbers } from "../primitives/dot.js";

const reducer = (p: PrimitiveRules<{ axes: number[] }>) => (x: ArrayLike, axes: readonly number[]): JaxArray =>
  bind1(p, [asArray(x)], { axes: [...axes] });

/** Maximum over `axes` (NaN propagates; -inf / the dtype's minimum for empty reductions). */
export const reduceMax = reducer(red.reduce_max_p);
/** Minimum over `axes`. */
export const reduceMin = reducer(red.reduce_min_p);
/** Product over `axes`. */
export const reduceProd = reducer(red.reduce_prod_p);
/** Logical (bool) or bitwise (integer) AND over `axes`. */
export const reduceAnd = reducer(red.reduce_and_p);
/** Logical (bool) or bitwise (integer) OR over `axes`. */
export const reduceOr = reducer(red.reduce_or_p);

function indexDType(d: DType | string): DType {
  const dt = canonicalizeDType(parseDType(d));
  if (!isInt(dt)) throw new TypeError(`index_dtype must be an integer type, but got ${dt}`);
  return dt;
}

/** Index of the maximum along `axis` (first occurrence; a NaN counts as the maximum). */
export function argmax(x: ArrayLike, axis: number, indexDtype: DType | string = "int32"): JaxArray {
  return bind1(red.argmax_p, [asArray(x)], { axes: [axis], indexDtype: indexDType(indexDtype) });
}

/** Index of the minimum along `axis` (first occurrence; a NaN counts as the minimum). */
export function argmin(x: ArrayLike, axis: number, indexDtype: DType | string = "int32"): JaxArray {
  return bind1(red.argmin_p, [asArray(x)], { axes: [axis], indexDtype: indexDType(indexDtype) });
}

/** Cumulative sum along `axis`, from the end when `reverse`. */
export function cumsum(x: ArrayLike, axis = 0, reverse = false): JaxArray {
  return bind1(red.cumsum_p, [asArray(x)], { axis, reverse });
}

export interface DotOptions {
  /** Only the backend's default precision exists; kept for JAX's signature. */
  precision?: null;
  /** The output (and accumulation) dtype. */
  preferredElementType?: DType | string | null;
}

/**
 * General contraction: `dimensionNumbers` is [[lhsContracting, rhsContracting], [lhsBatch,
 * rhsBatch]]. The output has the batch dims, then lhs's free dims, then rhs's free dims.
 */
export function dotGeneral(
  lhs: ArrayLike,
  rhs: ArrayLike,
  dimensionNumbers: DotDimensionNumbers,
  opts: DotOptions = {},
): JaxArray {
  const l = asArray(lhs);
  const r = asArray(rhs);
  const [[lc, rc], [lb, rb]] = dimensionNumbers;
  let pet: DType | null = null;
  if (opts.preferredElementType != null) {
    pet = canonicalizeDType(parseDType(opts.preferredElementType));
  }
  return bind1(dot_general_p, [l, r], {
    dimensionNumbers: [[[...lc], [...rc]], [[...lb], [...rb]]],
    precision: null,
    preferredElementType: pet,
  });
}

/**
 * lax.dot: vector·vector, matrix·vector, vector·matrix or matrix·matrix, contracting the last
 * dim of lhs with the first dim of rhs.
 */
export function dot(lhs: ArrayLike, rhs: ArrayLike, opts: DotOptions = {}): JaxArray {
  const l = asArray(lhs);
  const r = asArray(rhs);
  if (l.ndim >= 1 && l.ndim <= 2 && r.ndim >= 1 && r.ndim <= 2 && l.shape[l.ndim - 1] === r.shape[0]) {
    return dotGeneral(l, r, [[[l.ndim - 1], [0]], [[], []]], opts);
  }
  throw new TypeError(
    "jax.lax.dot: dimension_numbers must be specified when not performing simple un-batched matrix-matrix, " +
      `matrix-vector, or vector-vector products; got lhs_shape=${shapeStr(l.shape)} rhs_shape=${shapeStr(r.shape)}`,
  );
}

/** Batched matrix product over the leading dims of two arrays of equal rank ≥ 2. */
export function batchMatmul(lhs: ArrayLike, rhs: ArrayLike, opts: DotOptions = {}): JaxArray {
  const l = asArray(lhs);
  const r = asArray(rhs);
  if (Math.min(l.ndim, r.ndim) < 2) {
    throw new TypeError(`Arguments to batch_matmul must be at least 2D, got ${l.ndim}, ${r.ndim}`);
  }
  if (l.ndim !== r.ndim) throw new TypeError(`Arguments to batch_matmul must have same ndim, got ${l.ndim}, ${r.ndim}`);
  const batch = Array.from({ length: l.ndim - 2 }, (_, i) => i);
  return dotGeneral(l, r, [[[l.ndim - 1], [r.ndim - 2]], [batch, batch]], opts);
}
