// The `sort` primitive (JAX's sort_p): sorts several operands of one shape along `dimension`,
// ordered lexicographically by the first `numKeys` operands; the others ride along. Floats
// compare as JAX's comparator does after canonicalizing keys: -0.0 equals +0.0 (a stable sort
// keeps their input order, as NumPy's stable sort does) and every NaN sorts after +inf.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type TypedArray, isFloat, typedArrayFor } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { prod, range, shapeEq, shapeStr } from "../core/shape.js";
import { bind } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { gather } from "../lax/shape.js";
import { broadcastedIota } from "../lax/special.js";
import { moveBatchAxis } from "./util.js";

export type SortParams = { dimension: number; isStable: boolean; numKeys: number };

/** Three-way comparison of floats in JAX's sort order: NaNs last (all equal), -0 = +0. */
function cmpFloat(a: number, b: number): number {
  const na = a !== a;
  const nb = b !== b;
  if (na || nb) return na === nb ? 0 : na ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

const cmpPlain = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Gathers `t` along `dimension` by `perm` (same shape, int32): out[..., i, ...] =
 * t[..., perm[..., i, ...], ...]. A gather whose other dims are batching dims, i.e.
 * jnp.take_along_axis; linear in `t`, so it differentiates and transposes (to scatter-add).
 */
export function takeAlongDim(t: JaxArray, perm: JaxArray, dimension: number): JaxArray {
  const others = range(t.ndim).filter((d) => d !== dimension);
  const idx = lax.reshape(perm, [...perm.shape, 1]);
  return gather(
    t,
    idx,
    {
      offsetDims: [],
      collapsedSliceDims: [dimension],
      startIndexMap: [dimension],
      operandBatchingDims: others,
      startIndicesBatchingDims: others,
    },
    t.shape.map(() => 1),
  );
}

export const sort_p: PrimitiveRules<SortParams> = {
  name: "sort",
  abstractEval(avals, { dimension, numKeys }) {
    if (avals.length === 0) throw new TypeError("sort requires at least one operand");
    const a0 = avals[0]!;
    for (const a of avals) {
      if (!shapeEq(a.shape, a0.shape)) {
        throw new TypeError(`sort arrays must have equal shapes, got ${avals.map((x) => shapeStr(x.shape)).join(", ")}`);
      }
    }
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= a0.ndim) {
      throw new TypeError(`sort dimension ${dimension} is out of bounds for operand of shape ${shapeStr(a0.shape)}`);
    }
    if (!Number.isInteger(numKeys) || numKeys < 1 || numKeys > avals.length) {
      throw new TypeError(`num_keys=${numKeys} must be between 1 and the number of operands (${avals.length})`);
    }
    return avals.map((a) => new ShapedArray(a.shape, a.dtype, a.weakType));
  },
  /**
   * JAX's rule: sort an iota along `dimension` with the operands; the sorted iota is the
   * permutation, and each tangent is that permutation applied to the input tangent.
   */
  jvp(primals, tangents, params) {
    const shape = primals[0]!.shape;
    const iota = broadcastedIota("int32", shape, params.dimension);
    const outs = bind(sort_p, [...primals, iota], params);
    const perm = outs.pop()!;
    const touts = tangents.map((t, i) => (isFloat(primals[i]!.dtype) ? takeAlongDim(t, perm, params.dimension) : null));
    return [outs, touts];
  },
  transpose: null,
  batch(args, dims, params, size) {
    const moved = args.map((x, i) => moveBatchAxis(x, dims[i]!, 0, size));
    return [bind(sort_p, moved, { ...params, dimension: params.dimension + 1 }), moved.map(() => 0)];
  },
  impl(args, { dimension, numKeys }, outAvals) {
    const shape = args[0]!.shape;
    const n = shape[dimension]!;
    const inner = prod(shape.slice(dimension + 1));
    const outer = prod(shape.slice(0, dimension));
    const keys = args.slice(0, numKeys).map((a) => a.data);
    const cmps = args.slice(0, numKeys).map((a) => (isFloat(a.dtype) ? cmpFloat : cmpPlain));
    const outs: TypedArray[] = outAvals.map((a) => typedArrayFor(a.dtype, a.size));
    const order = new Array<number>(n);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * n * inner + i;
        for (let j = 0; j < n; j++) order[j] = j;
        // Array.prototype.sort is stable (ES2019), so ties keep their input order.
        order.sort((p, q) => {
          for (let k = 0; k < numKeys; k++) {
            const key = keys[k]!;
            const c = cmps[k]!(key[base + p * inner]!, key[base + q * inner]!);
            if (c !== 0) return c;
          }
          return 0;
        });
        args.forEach((a, ai) => {
          const src = a.data;
          const dst = outs[ai]!;
          for (let j = 0; j < n; j++) dst[base + j * inner] = src[base + order[j]! * inner]!;
        });
      }
    }
    return outs;
  },
};
