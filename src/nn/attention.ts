// jax.nn.dot_product_attention, JAX's "xla" implementation: softmax(Q·Kᵀ·scale + bias, masked)·V
// over [batch, length, heads, head_dim] arrays, with grouped-query attention (fewer key/value
// heads than query heads), boolean masks, causal and local-window masks and per-batch sequence
// lengths. Masked logits are replaced by −0.7·finfo.max (not −∞), so a fully masked row is a
// uniform average rather than NaN, as in JAX.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { finfo, promoteTypes } from "../core/dtypes.js";
import { ValueError } from "../core/errors.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { softmax } from "./functions.js";

export interface DotProductAttentionOptions {
  /** Added to the logits; broadcastable to [B, N, T, S] (4-D, or fewer dims padded in front). */
  bias?: ArrayLike | null;
  /** Boolean; true where a query may attend to a key. Broadcastable to [B, N, T, S]. */
  mask?: ArrayLike | null;
  /** Multiplies the logits (default 1/√H). */
  scale?: number | null;
  /** Query t attends only to keys s ≤ t. */
  isCausal?: boolean;
  /** int32 [B]: query positions at or past the length are masked (and zeroed in the output). */
  querySeqLengths?: ArrayLike | null;
  /** int32 [B]: key positions at or past the length are masked. */
  keyValueSeqLengths?: ArrayLike | null;
  /** [left, right] (or one number for both): query t attends to keys in [t − left, t + right]. */
  localWindowSize?: number | readonly [number, number] | null;
  /** "xla" (the only one here) or null. */
  implementation?: "xla" | "cudnn" | null;
}

/** Leading size-1 axes up to rank 4. */
function ensure4d(t: ArrayLike): JaxArray {
  const a = jnp.asarray(t);
  return a.ndim < 4 ? jnp.expandDims(a, Array.from({ length: 4 - a.ndim }, (_, i) => i)) : a;
}

/** JAX's shape/dtype check: `shape` entries of −1 match any size. */
function checkShapeAndDtype(t: JaxArray | null, shape: number[], dtype: string | null, name: string): void {
  if (t === null) return;
  if (t.ndim !== shape.length) throw new ValueError(`${name} ndim should be ${shape.length}, but got ${t.ndim}`);
  if (dtype !== null && t.dtype !== dtype) throw new ValueError(`${name} dtype should be ${dtype}, but got ${t.dtype}`);
  if (shape.some((n, i) => n !== -1 && t.shape[i] !== n)) {
    throw new ValueError(`${name} shape should be (${shape.join(", ")}): but got (${t.shape.join(", ")})`);
  }
}

/** pos[i] as an int32 array of shape `shape` varying along `dim`. */
const positions = (shape: number[], dim: number): JaxArray => lax.broadcastedIota("int32", shape, dim);

/**
 * dotProductAttention(query, key, value, { bias, mask, scale, isCausal, querySeqLengths,
 * keyValueSeqLengths, localWindowSize, implementation }): query [B, T, N, H] (or [T, N, H]),
 * key and value [B, S, K, H] with N a multiple of K; returns [B, T, N, H] (query's shape).
 */
export function dotProductAttention(
  query: ArrayLike,
  key: ArrayLike,
  value: ArrayLike,
  opts: DotProductAttentionOptions = {},
): JaxArray {
  const outputShape = jnp.asarray(query).shape;
  const q = ensure4d(query);
  const k = ensure4d(key);
  const v = ensure4d(value);
  const bias = opts.bias === undefined || opts.bias === null ? null : ensure4d(opts.bias);
  const mask = opts.mask === undefined || opts.mask === null ? null : ensure4d(opts.mask);
  const qLen = opts.querySeqLengths == null ? null : jnp.asarray(opts.querySeqLengths);
  const kvLen = opts.keyValueSeqLengths == null ? null : jnp.asarray(opts.keyValueSeqLengths);
  const lw = opts.localWindowSize;
  const window = lw === undefined || lw === null ? null : typeof lw === "number" ? [lw, lw] : lw;

  const [B, S, K, H] = k.shape as [number, number, number, number];
  checkShapeAndDtype(v, [B, S, K, H], k.dtype, "value");
  checkShapeAndDtype(q, [B, -1, -1, H], k.dtype, "query");
  checkShapeAndDtype(mask, [-1, -1, -1, -1], "bool", "mask");
  checkShapeAndDtype(bias, [-1, -1, -1, -1], null, "bias");
  checkShapeAndDtype(qLen, [B], "int32", "query_seq_lengths");
  checkShapeAndDtype(kvLen, [B], "int32", "key_value_seq_lengths");
  const [, T, N] = q.shape as [number, number, number, number];
  if (N % K !== 0) {
    throw new ValueError(`The number of query heads must be a multiple of key/value heads, but got ${N} vs ${K}`);
  }
  const impl = opts.implementation ?? null;
  if (impl !== null && impl !== "xla") throw new ValueError(`Unsupported implementation option: ${impl} (jaxts has "xla" only)`);
  const scale = opts.scale ?? 1.0 / Math.sqrt(H);

  // Query head n reads key/value head ⌊n / G⌋ (G = N / K): JAX's grouping of heads as (K, G).
  const G = N / K;
  const kRep = G === 1 ? k : jnp.repeat(k, G, 2);
  const vRep = G === 1 ? v : jnp.repeat(v, G, 2);
  const logitsDtype = promoteTypes(q.dtype, "float32");
  let logits = jnp.einsum("BTNH,BSNH->BNTS", q, kRep, { preferredElementType: logitsDtype });
  logits = jnp.multiply(logits, jnp.array(scale, { dtype: logitsDtype }));
  if (bias !== null) logits = lax.convertElementType(jnp.add(logits, bias), logitsDtype);

  // Every mask broadcasts against the logits [B, N, T, S].
  const masks: JaxArray[] = [];
  if (mask !== null) masks.push(mask);
  if (opts.isCausal) masks.push(jnp.greaterEqual(positions([1, 1, T, S], 2), positions([1, 1, T, S], 3)));
  if (window !== null) {
    const [left, right] = window as readonly [number, number];
    const tq = positions([1, 1, T, S], 2);
    const sk = positions([1, 1, T, S], 3);
    masks.push(jnp.logicalAnd(jnp.greaterEqual(tq, jnp.subtract(sk, right)), jnp.lessEqual(tq, jnp.add(sk, left))));
  }
  if (qLen !== null) masks.push(jnp.less(positions([B, 1, T, 1], 2), jnp.reshape(qLen, [B, 1, 1, 1])));
  if (kvLen !== null) masks.push(jnp.less(positions([B, 1, 1, S], 3), jnp.reshape(kvLen, [B, 1, 1, 1])));
  if (masks.length > 0) {
    const combined = masks.reduce((a, b) => jnp.logicalAnd(a, b));
    logits = jnp.where(combined, logits, jnp.array(-0.7 * finfo(logitsDtype).max, { dtype: logitsDtype }));
  }

  // The softmax is always taken in float32 (or wider), then cast back to the values' dtype.
  const probs = lax.convertElementType(softmax(lax.convertElementType(logits, promoteTypes(logitsDtype, "float32")), -1), v.dtype);
  let encoded = jnp.einsum("BNTS,BSNH->BTNH", probs, vRep);
  if (qLen !== null && kvLen !== null) {
    const valid = jnp.less(positions([B, T, 1, 1], 1), jnp.reshape(qLen, [B, 1, 1, 1]));
    encoded = jnp.multiply(encoded, lax.convertElementType(valid, encoded.dtype));
  }
  return jnp.reshape(encoded, outputShape);
}
