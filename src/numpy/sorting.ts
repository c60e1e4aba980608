// jax.numpy sorting and searching: sort, argsort (stable, optionally descending) and
// searchsorted, composed from the `sort` primitive and comparisons. NaNs sort last (first when
// descending), -0.0 and +0.0 are equal keys, and equal keys keep their input order.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { defaultInt, isFloat } from "../core/dtypes.js";
import * as lax from "../lax/index.js";
import { ValueError, asarray, resultTypeOf } from "./core.js";
import { canonAxis, isOptions } from "./util.js";

export interface SortOpts {
  /** The axis to sort along (default -1); null sorts the flattened array. */
  axis?: number | null;
  /** Keep equal elements in input order (default true; the sort here is always stable). */
  stable?: boolean;
  /** Sort in descending order. */
  descending?: boolean;
  /** NumPy's algorithm choice; accepted and ignored as in JAX. */
  kind?: string | null;
}

function sortOpts(axis: number | null | SortOpts | undefined): SortOpts {
  if (axis === undefined) return {};
  if (axis === null || typeof axis === "number") return { axis };
  if (!isOptions(axis)) throw new TypeError("sort: axis must be an integer, null or an options object");
  return axis;
}

/** The operand and the axis to sort along (flattening for axis null). */
function prepare(name: string, a: ArrayLike, o: SortOpts): [JaxArray, number] {
  let x = isArray(a) ? a : asarray(a);
  if (o.axis === null) x = lax.reshape(x, [x.size]);
  if (x.ndim === 0) throw new ValueError(`${name}: axis ${o.axis ?? -1} is out of bounds for array of dimension 0`);
  return [x, canonAxis(o.axis ?? -1, x.ndim)];
}

/** jnp.sort(a, axis = -1, { stable, descending }): a sorted copy of `a` along `axis`. */
export function sort(a: ArrayLike, axis?: number | null | SortOpts, opts: SortOpts = {}): JaxArray {
  const o = { ...sortOpts(axis), ...opts };
  const [x, d] = prepare("sort", a, o);
  const s = lax.sort(x, { dimension: d, isStable: o.stable ?? true });
  return o.descending ? lax.rev(s, [d]) : s;
}

/**
 * jnp.argsort(a, axis = -1, { stable, descending }): the indices that sort `a` along `axis`
 * (int32, int64 with x64). A stable descending order keeps equal elements in input order: the
 * array and its indices are reversed before the ascending sort and the result reversed back.
 */
export function argsort(a: ArrayLike, axis?: number | null | SortOpts, opts: SortOpts = {}): JaxArray {
  const o = { ...sortOpts(axis), ...opts };
  const [x0, d] = prepare("argsort", a, o);
  let x = x0;
  let iota = lax.broadcastedIota(defaultInt(), x.shape, d);
  if (o.descending) {
    x = lax.rev(x, [d]);
    iota = lax.rev(iota, [d]);
  }
  const [, idx] = lax.sortKeyVal(x, iota, d);
  return o.descending ? lax.rev(idx!, [d]) : idx!;
}

export interface SearchsortedOpts {
  /** "left": the first index i with v <= a[i]; "right": the first with v < a[i]. */
  side?: "left" | "right";
  /** Indices that sort `a` (as from argsort), when `a` itself is not sorted. */
  sorter?: ArrayLike | null;
  /** JAX's algorithm choice; every method gives the same result here. */
  method?: "scan" | "scan_unrolled" | "sort" | "compare_all";
}

/** x < y in sort order: NaN is larger than every number. */
function sortLess(x: JaxArray, y: JaxArray): JaxArray {
  if (!isFloat(x.dtype)) return lax.lt(x, y);
  return lax.bitwiseOr(lax.lt(x, y), lax.bitwiseAnd(lax.ne(y, y), lax.eq(x, x)));
}

/**
 * jnp.searchsorted(a, v, { side, sorter }): for each element of `v`, the index at which it
 * would be inserted into the sorted 1-D `a` to keep it sorted (NaN sorts last). Computed by
 * comparing every query with every element of `a` and counting (JAX's "compare_all").
 */
export function searchsorted(a: ArrayLike, v: ArrayLike, opts: SearchsortedOpts = {}): JaxArray {
  const side = opts.side ?? "left";
  if (side !== "left" && side !== "right") throw new ValueError(`side=${JSON.stringify(side)} not supported: expected "left" or "right"`);
  const methods = ["scan", "scan_unrolled", "sort", "compare_all"];
  if (opts.method !== undefined && !methods.includes(opts.method)) {
    throw new ValueError(`method=${JSON.stringify(opts.method)} not recognized; expected one of ${methods.join(", ")}`);
  }
  let arr = isArray(a) ? a : asarray(a);
  let q = isArray(v) ? v : asarray(v);
  if (arr.ndim !== 1) throw new ValueError("a should be 1-dimensional");
  if (opts.sorter !== undefined && opts.sorter !== null) {
    const s = isArray(opts.sorter) ? opts.sorter : asarray(opts.sorter, { dtype: "int32" });
    if (s.ndim !== 1 || s.shape[0] !== arr.shape[0]) throw new ValueError("sorter must be a 1-D array of the same length as a");
    arr = lax.gather(arr, lax.reshape(lax.convertElementType(s, "int32"), [s.size, 1]), {
      offsetDims: [],
      collapsedSliceDims: [0],
      startIndexMap: [0],
    }, [1]);
  }
  const { dtype } = resultTypeOf(arr, q);
  arr = lax.convertElementType(arr, dtype);
  q = lax.convertElementType(q, dtype);
  const n = arr.shape[0]!;
  const shape = [n, ...q.shape];
  const ab = lax.broadcastInDim(arr, shape, [0]);
  const qb = lax.broadcastInDim(q, shape, q.shape.map((_, i) => i + 1));
  // left: count a[i] < v; right: count a[i] <= v, i.e. not (v < a[i]).
  const hit = side === "left" ? sortLess(ab, qb) : lax.bitwiseNot(sortLess(qb, ab));
  return lax.reduceSum(lax.convertElementType(hit, "int32"), [0]);
}
