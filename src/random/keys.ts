// Keys and bits of jax.random (threefry2x32 implementation): seeding, typed
// keys, split, fold_in and random_bits, in both of JAX's key-derivation schemes
// (config "jax_threefry_partitionable": true, the default, or false, legacy).
// Everything is composed from lax ops and the threefry2x32 primitive, so it
// works eagerly, under jit and under vmap (JAX: jax/_src/prng.py).
import { isArray, type JaxArray } from "../core/array.js";
import { config } from "../core/config.js";
import { type DType, isInt, isUnsignedInt } from "../core/dtypes.js";
import { prod } from "../core/shape.js";
import { registerPytreeNode } from "../tree/index.js";
import { threefry2x32 } from "../primitives/random_bits.js";
import { array } from "../numpy/core.js";
import { IndexError } from "../numpy/indexing.js";
import { bitwiseAnd, bitwiseXor, concatenate, iotaShape, lax, shiftRightLogical, slice, stackLast, takeLast } from "./ops.js";

/**
 * A typed key array (JAX's `key<fry>` dtype): wraps raw uint32 key data of
 * shape [...shape, 2]. Registered as a pytree node whose one leaf is the data,
 * so typed keys flow through jit, vmap and the other transformations.
 */
export class PRNGKeyArray {
  /** Wraps data as is: pytree machinery rebuilds keys around non-array leaves (axis specs). */
  constructor(readonly data: JaxArray) {}
  get shape(): number[] {
    return this.data.shape.slice(0, -1);
  }
  get ndim(): number {
    return this.data.ndim - 1;
  }
  get dtype(): string {
    return "key<fry>";
  }
  get size(): number {
    return prod(this.shape);
  }
  /**
   * Indexing, as `keys[idx]` in JAX: the index forms of `Array.get` apply to the key
   * dimensions (the trailing uint32[2] of the data is kept whole); the result is a key array.
   */
  get(...idx: unknown[]): PRNGKeyArray {
    if (this.ndim === 0) throw new IndexError("Too many indices: 0-dimensional key array cannot be indexed");
    const full = idx.some((i) => i === "...") ? [...idx, ":"] : idx;
    return new PRNGKeyArray(this.data.get(...full));
  }
  /** Iterates over the leading axis, as iterating a JAX key array: `const [k1, k2] = split(key)`. */
  *[Symbol.iterator](): Iterator<PRNGKeyArray> {
    if (this.ndim === 0) throw new TypeError("iteration over a 0-d key array");
    for (let i = 0; i < this.shape[0]!; i++) yield this.get(i);
  }
  /** The same keys in a new shape (one dimension may be -1). */
  reshape(shape: readonly number[]): PRNGKeyArray {
    return new PRNGKeyArray(this.data.reshape([...shape, 2]));
  }
  toString(): string {
    return `Array(${this.shape.length ? JSON.stringify(this.shape) : "()"}, dtype=key<fry>) overlaying:\n${this.data.toString()}`;
  }
}
registerPytreeNode(
  PRNGKeyArray,
  (k) => [[k.data], null],
  (_aux, [d]) => new PRNGKeyArray(d as JaxArray),
);

export type KeyArray = JaxArray | PRNGKeyArray;

/** Raw key data and whether the key was typed; raises for anything that is not a key. */
export function unwrap(key: unknown, name: string): [JaxArray, boolean] {
  if (key instanceof PRNGKeyArray) return [key.data, true];
  if (isArray(key)) {
    if (key.dtype === "uint32" && key.ndim >= 1 && key.shape[key.ndim - 1] === 2) return [key, false];
    throw new TypeError(
      `${name}: expected a PRNG key (a typed key from random.key, or a uint32 array of shape (..., 2) from random.PRNGKey), got an array of dtype ${key.dtype} and shape ${JSON.stringify(key.shape)}`,
    );
  }
  throw new TypeError(`${name}: expected a PRNG key array, got ${key === null ? "null" : typeof key}`);
}

/** The single key (shape ()) a sampler needs; batched keys go through vmap. */
export function unwrapSingle(key: unknown, name: string): [JaxArray, boolean] {
  const [d, typed] = unwrap(key, name);
  if (d.ndim !== 1) {
    throw new TypeError(`${name} accepts a single key, but was given a key array of shape ${JSON.stringify(d.shape.slice(0, -1))} != (). Use jax.vmap for batching.`);
  }
  return [d, typed];
}

const rewrap = (d: JaxArray, typed: boolean): KeyArray => (typed ? new PRNGKeyArray(d) : d);

export const partitionable = (): boolean => config.read("jax_threefry_partitionable");

/** Key data [0, seed mod 2**32] for an integer seed (x64 disabled, as JAX). */
function seedData(seed: number | JaxArray): JaxArray {
  if (typeof seed === "number") {
    if (!Number.isInteger(seed)) throw new TypeError(`PRNG seed must be an integer, got ${seed}`);
    const lo = Number(BigInt.asUintN(32, BigInt(seed)));
    return array(Uint32Array.from([0, lo]), { dtype: "uint32" });
  }
  if (!isArray(seed) || seed.ndim !== 0 || !(isInt(seed.dtype) || isUnsignedInt(seed.dtype))) {
    throw new TypeError(`PRNG seed must be an integer scalar, got ${isArray(seed) ? `${seed.dtype}${JSON.stringify(seed.shape)}` : typeof seed}`);
  }
  // A 32-bit seed: the high word is seed >> 32 = 0; the low word is seed as uint32.
  const lo = lax.convertElementType(lax.convertElementType(seed, "int32"), "uint32");
  return stackLast([lax.fullLike(lo, 0), lo]);
}

/** random.key(seed): a typed key. */
export const key = (seed: number | JaxArray): PRNGKeyArray => new PRNGKeyArray(seedData(seed));
/** random.PRNGKey(seed): raw uint32[2] key data. */
export const PRNGKey = (seed: number | JaxArray): JaxArray => seedData(seed);
/** random.key_data: the raw uint32 data of a key array. */
export const keyData = (keys: KeyArray): JaxArray => unwrap(keys, "key_data")[0];
/** random.wrap_key_data: a typed key array over raw uint32 data of shape (..., 2). */
export const wrapKeyData = (data: JaxArray): PRNGKeyArray => new PRNGKeyArray(unwrap(data, "wrap_key_data")[0]);

/** Hash under one key (words k0, k1 of shape ()) counter arrays of any shape. */
function hash(k: JaxArray, x0: JaxArray, x1: JaxArray): [JaxArray, JaxArray] {
  return threefry2x32(takeLast(k, 0), takeLast(k, 1), x0, x1);
}

/** JAX's threefry_2x32(key, count): hashes a flat count as two halves (padded to even). */
function hashCount(k: JaxArray, count: JaxArray): JaxArray {
  const m = count.size;
  let flat = lax.reshape(count, [m]);
  const odd = m % 2 === 1;
  if (odd) flat = concatenate([flat, lax.full([1], 0, "uint32")], 0);
  const h = (m + (odd ? 1 : 0)) / 2;
  const [y0, y1] = hash(k, slice(flat, [0], [h]), slice(flat, [h], [2 * h]));
  let out = concatenate([y0, y1], 0);
  if (odd) out = slice(out, [0], [m]);
  return lax.reshape(out, count.shape);
}

/** Key data of shape [...shape, 2] split from one key. */
function splitData(k: JaxArray, shape: number[]): JaxArray {
  if (partitionable()) {
    // Counters are the (hi, lo) words of a uint64 iota; hi is 0 below 2**32 keys.
    const lo = iotaShape("uint32", shape);
    const [b1, b2] = hash(k, lax.fullLike(lo, 0), lo);
    return stackLast([b1, b2]);
  }
  return lax.reshape(hashCount(k, iotaShape("uint32", [2 * prod(shape)])), [...shape, 2]);
}

function checkShape(shape: readonly number[], name: string): number[] {
  if (!Array.isArray(shape)) throw new TypeError(`${name}: shape must be an array of non-negative integers, got ${String(shape)}`);
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) {
      throw new TypeError(`${name}: shape must contain non-negative integers, got ${JSON.stringify(shape)}`);
    }
  }
  return [...shape];
}
export { checkShape };

/** random.split(key, num = 2): `num` (an integer or a shape) new keys, typed if `key` is. */
export function split(key: PRNGKeyArray, num?: number | readonly number[]): PRNGKeyArray;
export function split(key: JaxArray, num?: number | readonly number[]): JaxArray;
export function split(key: KeyArray, num?: number | readonly number[]): KeyArray;
export function split(key: KeyArray, num: number | readonly number[] = 2): KeyArray {
  const [k, typed] = unwrapSingle(key, "split");
  const shape = checkShape(typeof num === "number" ? [num] : num, "split");
  return rewrap(splitData(k, shape), typed);
}

/** random.fold_in(key, data): a new key from a key and a 32-bit integer. */
export function foldIn(key: PRNGKeyArray, data: number | JaxArray): PRNGKeyArray;
export function foldIn(key: JaxArray, data: number | JaxArray): JaxArray;
export function foldIn(key: KeyArray, data: number | JaxArray): KeyArray;
export function foldIn(key: KeyArray, data: number | JaxArray): KeyArray {
  const [k, typed] = unwrapSingle(key, "fold_in");
  let d: JaxArray;
  if (typeof data === "number") {
    if (!Number.isInteger(data)) throw new TypeError(`fold_in data must be an integer, got ${data}`);
    d = array(Uint32Array.from([Number(BigInt.asUintN(32, BigInt(data)))]), { dtype: "uint32" });
  } else {
    d = lax.reshape(lax.convertElementType(lax.convertElementType(data, "int32"), "uint32"), [1]);
  }
  const count = concatenate([lax.full([1], 0, "uint32"), d], 0);
  return rewrap(hashCount(k, count), typed);
}

const UINT: Record<number, DType> = { 8: "uint8", 16: "uint16", 32: "uint32" };

/** The threefry PRNG's random_bits: unsigned words of width 8, 16 or 32 and the given shape. */
export function randomBits(k: JaxArray, bitWidth: 8 | 16 | 32, shape: number[]): JaxArray {
  const dtype = UINT[bitWidth]!;
  if (partitionable()) {
    const lo = iotaShape("uint32", shape);
    const [b1, b2] = hash(k, lax.fullLike(lo, 0), lo);
    return lax.convertElementType(bitwiseXor(b1, b2), dtype);
  }
  const size = prod(shape);
  const maxCount = Math.ceil((bitWidth * size) / 32);
  let bits = hashCount(k, iotaShape("uint32", [maxCount]));
  if (bitWidth < 32) {
    // Each 32-bit word yields 32 / bitWidth values, low bits first.
    const per = 32 / bitWidth;
    const shifts = lax.mul(iotaShape("uint32", [per]), bitWidth);
    const parts = bitwiseAnd(
      shiftRightLogical(lax.broadcastInDim(bits, [maxCount, per], [0]), lax.broadcastInDim(shifts, [maxCount, per], [1])),
      (1 << bitWidth) - 1,
    );
    bits = slice(lax.reshape(lax.convertElementType(parts, dtype), [maxCount * per]), [0], [size]);
  }
  return lax.reshape(bits, shape);
}

/** random.bits(key, shape = [], dtype = "uint32"): raw random bits (64-bit requests give 32 bits without x64). */
export function bits(key: KeyArray, shape: readonly number[] = [], dtype: string = "uint32"): JaxArray {
  const [k] = unwrapSingle(key, "bits");
  const s = checkShape(shape, "bits");
  const widths: Record<string, 8 | 16 | 32> = { uint8: 8, uint16: 16, uint32: 32, uint64: 32 };
  const w = widths[dtype];
  if (w === undefined) throw new TypeError(`dtype argument to \`bits\` must be an unsigned int dtype, got ${dtype}`);
  return randomBits(k, w, s);
}
