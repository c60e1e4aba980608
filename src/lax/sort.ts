// lax sorting: sort (one or several operands, lexicographic on the first numKeys), sortKeyVal
// and topK, thin wrappers over the `sort` primitive (topK is a descending stable sort sliced
// to k, so its jaxpr shows `sort` and it inherits sort's derivative and batching rules).
import type { ArrayLike, JaxArray } from "../core/array.js";
import { normalizeAxis, shapeStr } from "../core/shape.js";
import { bind } from "../core/trace.js";
import { sort_p } from "../primitives/sort.js";
import { asArray } from "./core.js";
import { rev, sliceInDim } from "./shape.js";
import { broadcastedIota } from "./special.js";

export interface SortOptions {
  /** The dimension to sort along (negative counts from the end). Default -1. */
  dimension?: number;
  /** Keep the input order of equal keys (always true here; kept for JAX's signature). */
  isStable?: boolean;
  /** How many leading operands are keys (lexicographic order). Default 1. */
  numKeys?: number;
}

function sortParams(x: JaxArray, opts: SortOptions) {
  const dim = opts.dimension ?? -1;
  if (x.ndim === 0) throw new TypeError("sort requires an operand of rank at least 1, got a scalar");
  if (!Number.isInteger(dim) || dim < -x.ndim || dim >= x.ndim) {
    throw new TypeError(`sort dimension ${dim} is out of bounds for operand of shape ${shapeStr(x.shape)}`);
  }
  return { dimension: normalizeAxis(dim, x.ndim), isStable: opts.isStable ?? true, numKeys: opts.numKeys ?? 1 };
}

/**
 * lax.sort: sorts `operand` along `dimension`, or several operands of one shape ordered by the
 * first `numKeys` of them (returning all of them, permuted alike).
 */
export function sort(operand: ArrayLike, opts?: SortOptions): JaxArray;
export function sort(operand: readonly ArrayLike[], opts?: SortOptions): JaxArray[];
export function sort(operand: ArrayLike | readonly ArrayLike[], opts: SortOptions = {}): JaxArray | JaxArray[] {
  if (Array.isArray(operand)) {
    const xs = (operand as readonly ArrayLike[]).map(asArray);
    if (xs.length === 0) throw new TypeError("sort requires at least one operand");
    return bind(sort_p, xs, sortParams(xs[0]!, opts));
  }
  const x = asArray(operand as ArrayLike);
  return bind(sort_p, [x], sortParams(x, { ...opts, numKeys: 1 }))[0]!;
}

/** lax.sort_key_val: sorts `keys` along `dimension` and permutes `values` alike. */
export function sortKeyVal(keys: ArrayLike, values: ArrayLike, dimension = -1, isStable = true): [JaxArray, JaxArray] {
  const [k, v] = sort([keys, values], { dimension, isStable, numKeys: 1 });
  return [k!, v!];
}

/**
 * lax.top_k: the k largest entries along the last axis, in descending order, and their int32
 * indices (equal values in index order; NaN counts as the largest, as XLA's TopK).
 */
export function topK(operand: ArrayLike, k: number): [JaxArray, JaxArray] {
  const x = asArray(operand);
  if (x.ndim === 0) throw new TypeError("top_k operand must have >= 1 dimension, got ()");
  const d = x.ndim - 1;
  const n = x.shape[d]!;
  if (!Number.isInteger(k) || k < 0) throw new TypeError(`k argument to top_k must be nonnegative, got ${k}`);
  if (k > n) throw new TypeError(`k argument to top_k must be no larger than minor dimension; ${k} vs ${shapeStr(x.shape)}`);
  // Reversing before a stable ascending sort and again after gives a descending order in
  // which equal values keep their input order.
  const iota = broadcastedIota("int32", x.shape, d);
  const [sv, si] = bind(sort_p, [rev(x, [d]), rev(iota, [d])], { dimension: d, isStable: true, numKeys: 1 });
  const take = (a: JaxArray) => sliceInDim(rev(a, [d]), 0, k, 1, d);
  return [take(sv!), take(si!)];
}
