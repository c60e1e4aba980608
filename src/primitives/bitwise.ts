// Bitwise primitives: and, or, xor, not (bool and integer dtypes), population_count, the three
// shifts with XLA's semantics for out-of-range amounts, and bitcast_convert_type. Integer
// results have no derivative (a symbolic zero tangent). Kernels work on the two's-complement
// bits of each dtype's width; 64-bit integers (stored as doubles, exact to 2^53) go through
// BigInt.
import { ShapedArray } from "../core/aval.js";
import { type DType, type TypedArray, iinfo, isBool, isSignedInt, itemsize, typedArrayFor } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { type Kernel, elementwise, moveBatchAxis } from "./util.js";

const is64 = (d: DType): boolean => d === "int64" || d === "uint64";
const bitsOf = (d: DType): number => iinfo(d).bits;

/** Wraps a BigInt result back to the dtype's range as a JS number. */
function fromBig(d: DType, v: bigint): number {
  return Number(isSignedInt(d) ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v));
}

function bigKernel2(d: DType, f: (x: bigint, y: bigint) => bigint): Kernel {
  return (x, y) => fromBig(d, f(BigInt(x), BigInt(y)));
}

/**
 * A bitwise primitive on bool and integer dtypes. Kernels on 0/1 (bool) and on ≤32-bit values use
 * JS's 32-bit operators: storing into the output typed array wraps to the dtype's width.
 */
function logical(name: string, f: Kernel, fBig: (x: bigint, y: bigint) => bigint) {
  return elementwise({
    name,
    cls: "intOrBool",
    f,
    fInt: (d) => (is64(d) ? bigKernel2(d, fBig) : f),
    jvp: () => [null],
  });
}

export const and_p = logical("and", (x, y) => x & y, (x, y) => x & y);
export const or_p = logical("or", (x, y) => x | y, (x, y) => x | y);
export const xor_p = logical("xor", (x, y) => x ^ y, (x, y) => x ^ y);

/** not: logical negation of bools, bitwise complement (~x) of integers. */
export const not_p = elementwise({
  name: "not",
  cls: "intOrBool",
  f: (x) => ~x,
  fInt: (d) => (d === "bool" ? (x) => (x ? 0 : 1) : is64(d) ? (x) => fromBig(d, ~BigInt(x)) : (x) => ~x),
  jvp: () => [null],
});

/** The bits of x as an unsigned value of the dtype's width (≤ 32 bits). */
function unsignedBits(x: number, bits: number): number {
  return bits === 32 ? x >>> 0 : x & ((1 << bits) - 1);
}

function popcount32(v: number): number {
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** population_count: the number of set bits in the two's-complement representation. */
export const population_count_p = elementwise({
  name: "population_count",
  cls: "int",
  f: (x) => x,
  fInt: (d) => {
    if (is64(d)) {
      return (x) => {
        let v = BigInt.asUintN(64, BigInt(x));
        let n = 0;
        for (; v; v >>= 1n) n += Number(v & 1n);
        return n;
      };
    }
    const bits = bitsOf(d);
    return (x) => popcount32(unsignedBits(x, bits));
  },
  jvp: () => [null],
});

// ---- shifts: an amount outside [0, bits) (as an unsigned number) shifts every bit out ----

function shift(name: string, small: (bits: number) => Kernel, big: (d: DType) => Kernel) {
  return elementwise({
    name,
    cls: "int",
    f: (x) => x,
    fInt: (d) => (is64(d) ? big(d) : small(bitsOf(d))),
    jvp: () => [null],
  });
}

const outOfRange = (s: number, bits: number): boolean => s < 0 || s >= bits;

export const shift_left_p = shift(
  "shift_left",
  (bits) => (x, s) => (outOfRange(s, bits) ? 0 : x << s),
  (d) => (x, s) => (outOfRange(s, 64) ? 0 : fromBig(d, BigInt(x) << BigInt(s))),
);

export const shift_right_logical_p = shift(
  "shift_right_logical",
  (bits) => (x, s) => (outOfRange(s, bits) ? 0 : unsignedBits(x, bits) >>> s),
  (d) => (x, s) => (outOfRange(s, 64) ? 0 : fromBig(d, BigInt.asUintN(64, BigInt(x)) >> BigInt(s))),
);

/** Arithmetic right shift copies the sign bit; shifting by ≥ bits leaves only copies of it. */
export const shift_right_arithmetic_p = shift(
  "shift_right_arithmetic",
  (bits) => (x, s) => {
    const signed = bits === 32 ? x | 0 : (x << (32 - bits)) >> (32 - bits);
    return signed >> (outOfRange(s, bits) ? bits - 1 : s);
  },
  (d) => (x, s) => fromBig(d, BigInt.asIntN(64, BigInt(x)) >> BigInt(outOfRange(s, 64) ? 63 : s)),
);

// ---- bitcast_convert_type ----

/** The raw little-endian bytes of a host buffer of `dtype`. */
function toBytes(data: TypedArray, dtype: DType): Uint8Array {
  if (is64(dtype)) {
    const big = dtype === "int64" ? BigInt64Array.from(data, (v) => BigInt(v)) : BigUint64Array.from(data, (v) => BigInt(v));
    return new Uint8Array(big.buffer);
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function fromBytes(bytes: Uint8Array, dtype: DType): TypedArray {
  const copy = bytes.slice();
  const n = copy.byteLength / itemsize(dtype);
  if (is64(dtype)) {
    const big = dtype === "int64" ? new BigInt64Array(copy.buffer) : new BigUint64Array(copy.buffer);
    return Float64Array.from(big, (v) => Number(v));
  }
  const out = typedArrayFor(dtype, 0);
  const Ctor = out.constructor as new (b: ArrayBuffer, o: number, n: number) => TypedArray;
  return new Ctor(copy.buffer, 0, n);
}

/**
 * bitcast_convert_type: reinterprets the bits of each element as `newDtype`. Equal widths keep
 * the shape; a narrower target adds a trailing dimension of size width ratio; a wider target
 * requires (and removes) a trailing dimension of that size, as in XLA.
 */
export const bitcast_convert_type_p: PrimitiveRules<{ newDtype: DType }> = {
  name: "bitcast_convert_type",
  abstractEval([x], { newDtype }) {
    if (isBool(x!.dtype) || isBool(newDtype)) {
      throw new TypeError(`bitcast_convert_type does not support bool (got ${x!.dtype} to ${newDtype})`);
    }
    const a = itemsize(x!.dtype);
    const b = itemsize(newDtype);
    if (a === b) return [new ShapedArray(x!.shape, newDtype)];
    if (a > b) return [new ShapedArray([...x!.shape, a / b], newDtype)];
    const last = x!.shape[x!.ndim - 1];
    if (last !== b / a) {
      throw new TypeError(
        `Attempting to convert array of shape ${x!.longStr()} from ${x!.dtype} to ${newDtype}; the last dimension must be ${b / a}.`,
      );
    }
    return [new ShapedArray(x!.shape.slice(0, -1), newDtype)];
  },
  jvp: ([x], _t, params) => [bind(bitcast_convert_type_p, [x!], params), [null]],
  transpose: null,
  batch([x], [d], params, size) {
    // Widening removes the last axis, so a batch dim there moves to the front first.
    const widening = itemsize(params.newDtype) > itemsize(x!.dtype);
    const [a, bd] = widening && d === x!.ndim - 1 ? [moveBatchAxis(x!, d, 0, size), 0] : [x!, d!];
    return [bind(bitcast_convert_type_p, [a], params), [bd]];
  },
  impl([x], { newDtype }) {
    return [fromBytes(toBytes(x!.data, x!.dtype), newDtype)];
  },
};
