// lax wrappers for the special-function, bitwise and misc primitives (jax.lax names in
// camelCase): erf, erfc, erfInv, lgamma, digamma, isFinite, nextafter, clamp, iota,
// broadcastedIota, populationCount, bitwiseAnd/Or/Xor/Not, the shifts, bitcastConvertType.
// JS numbers and booleans take the dtype of the array operand (weakly); rank-0 operands
// broadcast to the other operand's shape, as in lax/core.ts.
import { type ArrayLike, type JaxArray, isArray } from "../core/array.js";
import { type DType, canonicalizeDType, parseDType } from "../core/dtypes.js";
import type { Primitive } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import * as bw from "../primitives/bitwise.js";
import * as sp from "../primitives/special.js";
import { asArray, broadcastInDim, scalar } from "./core.js";

function coerce2(x: ArrayLike, y: ArrayLike): [JaxArray, JaxArray] {
  if (!isArray(x) && !isArray(y)) return [asArray(x), asArray(y)];
  let a = isArray(x) ? x : scalar(Number(x), (y as JaxArray).dtype, true);
  let b = isArray(y) ? y : scalar(Number(y), a.dtype, true);
  if (a.ndim === 0 && b.ndim > 0) a = broadcastInDim(a, b.shape, []);
  else if (b.ndim === 0 && a.ndim > 0) b = broadcastInDim(b, a.shape, []);
  return [a, b];
}

const unary = (p: Primitive) => (x: ArrayLike): JaxArray => bind1(p, [asArray(x)]);
const binary = (p: Primitive) => (x: ArrayLike, y: ArrayLike): JaxArray => bind1(p, coerce2(x, y));
const dtypeOf = (d: DType | string): DType => canonicalizeDType(parseDType(d));

/** The error function, 2/√π ∫₀ˣ e^(−t²) dt. */
export const erf = unary(sp.erf_p);
/** The complementary error function 1 − erf(x), accurate where erf(x) is close to 1. */
export const erfc = unary(sp.erfc_p);
/** The inverse of erf on (−1, 1); ±∞ at ±1. */
export const erfInv = unary(sp.erf_inv_p);
/** log|Γ(x)|. */
export const lgamma = unary(sp.lgamma_p);
/** ψ(x) = d/dx log Γ(x); NaN at the poles 0, −1, −2, … */
export const digamma = unary(sp.digamma_p);
/** Elementwise: neither infinite nor NaN (a bool array). */
export const isFinite = unary(sp.is_finite_p);
/** The next representable number after x1 in the direction of x2. */
export const nextafter = binary(sp.nextafter_p);

/**
 * clamp(min, x, max) = min(max(x, min), max). `min` and `max` are scalars (JS numbers take x's
 * dtype) or arrays of x's shape and dtype.
 */
export function clamp(min: ArrayLike, x: ArrayLike, max: ArrayLike): JaxArray {
  const a = asArray(x);
  const bound = (b: ArrayLike) => (isArray(b) ? b : scalar(Number(b), a.dtype, true));
  return bind1(sp.clamp_p, [bound(min), a, bound(max)]);
}

/** broadcastedIota(dtype, shape, dimension): counts 0, 1, … along `dimension`. */
export function broadcastedIota(dtype: DType | string, shape: readonly number[], dimension: number): JaxArray {
  const d = dtypeOf(dtype);
  const dim = dimension < 0 ? dimension + shape.length : dimension;
  return bind1(sp.iota_p, [], { dtype: d, shape: [...shape], dimension: dim });
}

/** iota(dtype, size) = [0, 1, …, size − 1]. */
export const iota = (dtype: DType | string, size: number): JaxArray => broadcastedIota(dtype, [size], 0);

/** The number of set bits of each element (integer dtypes). */
export const populationCount = unary(bw.population_count_p);
/** Elementwise and: logical for bools, bitwise for integers. */
export const bitwiseAnd = binary(bw.and_p);
/** Elementwise or: logical for bools, bitwise for integers. */
export const bitwiseOr = binary(bw.or_p);
/** Elementwise exclusive or: logical for bools, bitwise for integers. */
export const bitwiseXor = binary(bw.xor_p);
/** Elementwise not: logical for bools, bitwise complement (~x) for integers. */
export const bitwiseNot = unary(bw.not_p);
/** x << y; amounts outside [0, bits) give 0. */
export const shiftLeft = binary(bw.shift_left_p);
/** x >> y filling with zeros; amounts outside [0, bits) give 0. */
export const shiftRightLogical = binary(bw.shift_right_logical_p);
/** x >> y filling with the sign bit; amounts outside [0, bits) give 0 or −1 (all sign bits). */
export const shiftRightArithmetic = binary(bw.shift_right_arithmetic_p);

/** Reinterprets the bits of x as `newDtype` (see bitcast_convert_type for the shape rules). */
export function bitcastConvertType(x: ArrayLike, newDtype: DType | string): JaxArray {
  return bind1(bw.bitcast_convert_type_p, [asArray(x)], { newDtype: dtypeOf(newDtype) });
}
