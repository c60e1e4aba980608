// The lax functions that primitive rules and transformations use: thin wrappers over bind.
// JS numbers are accepted and take the dtype of the other operand (weakly), and scalar
// operands broadcast to the other operand's shape.
import { ShapedArray } from "../core/aval.js";
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { type DType, scalarDType, typedArrayFor, castScalar, isInt } from "../core/dtypes.js";
import { bind1 } from "../core/trace.js";
import { arrayFromData } from "../runtime/dispatch.js";
import * as ew from "../primitives/elementwise.js";
import * as cmp from "../primitives/compare.js";
import * as sh from "../primitives/shape.js";
import type { Primitive } from "../core/primitive.js";

/** A rank-0 concrete array. */
export function scalar(v: number | boolean, dtype: DType, weakType = false): JaxArray {
  const d = typedArrayFor(dtype, 1);
  d[0] = castScalar(Number(v), dtype);
  return arrayFromData(d, new ShapedArray([], dtype, weakType));
}

/** Converts a JS number/boolean to a weakly typed scalar array; arrays pass through. */
export function asArray(x: ArrayLike): JaxArray {
  if (isArray(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") {
    const { dtype, weakType } = scalarDType(x);
    return scalar(x, dtype, weakType);
  }
  throw new TypeError(`Expected an Array, number or boolean, got ${typeof x === "object" ? Object.prototype.toString.call(x) : typeof x}`);
}

export function full(shape: readonly number[], v: number | boolean, dtype: DType, weakType = false): JaxArray {
  const s = scalar(v, dtype, weakType);
  return shape.length === 0 ? s : broadcastInDim(s, [...shape], []);
}
export const fullLike = (x: JaxArray, v: number): JaxArray => full(x.shape, v, x.dtype, x.weakType);
export const zerosLike = (x: JaxArray): JaxArray => fullLike(x, 0);
export const zerosLikeAval = (a: ShapedArray): JaxArray => full(a.shape, 0, a.dtype, a.weakType);

/** A JS number as a weak scalar of `dtype`; a fractional number never silently truncates. */
function scalarFor(v: number | boolean, dtype: DType): JaxArray {
  if (typeof v === "number" && !Number.isInteger(v) && !Number.isNaN(v) && (isInt(dtype) || dtype === "bool")) {
    throw new TypeError(`lax operation requires arguments to have the same dtypes: the JS number ${v} cannot be represented as ${dtype} without truncation (use jnp functions for type promotion)`);
  }
  return scalar(v, dtype, true);
}

/**
 * Makes two operands the same dtype the way lax does for JS scalars; a rank-0 operand is left
 * rank-0 (elementwise primitives broadcast scalars, as XLA does).
 */
function coerce(x: ArrayLike, y: ArrayLike): [JaxArray, JaxArray] {
  let a = isArray(x) ? x : null;
  let b = isArray(y) ? y : null;
  if (a === null && b === null) return [asArray(x), asArray(y)];
  if (a === null) a = scalarFor(x as number, b!.dtype);
  if (b === null) b = scalarFor(y as number, a.dtype);
  return [a, b];
}

const binary = (p: Primitive) => (x: ArrayLike, y: ArrayLike) => bind1(p, coerce(x, y));
const unary = (p: Primitive) => (x: ArrayLike) => bind1(p, [asArray(x)]);

export const neg = unary(ew.neg_p);
export const add = binary(ew.add_p);
export const addAny = binary(ew.add_any_p);
export const sub = binary(ew.sub_p);
export const mul = binary(ew.mul_p);
export const div = binary(ew.div_p);
export const rem = binary(ew.rem_p);
export const pow = binary(ew.pow_p);
export const max = binary(ew.max_p);
export const min = binary(ew.min_p);
export const atan2 = binary(ew.atan2_p);
export const exp = unary(ew.exp_p);
export const exp2 = unary(ew.exp2_p);
export const log = unary(ew.log_p);
export const log1p = unary(ew.log1p_p);
export const expm1 = unary(ew.expm1_p);
export const sqrt = unary(ew.sqrt_p);
export const rsqrt = unary(ew.rsqrt_p);
export const cbrt = unary(ew.cbrt_p);
export const sin = unary(ew.sin_p);
export const cos = unary(ew.cos_p);
export const tan = unary(ew.tan_p);
export const asin = unary(ew.asin_p);
export const acos = unary(ew.acos_p);
export const atan = unary(ew.atan_p);
export const sinh = unary(ew.sinh_p);
export const cosh = unary(ew.cosh_p);
export const tanh = unary(ew.tanh_p);
export const asinh = unary(ew.asinh_p);
export const acosh = unary(ew.acosh_p);
export const atanh = unary(ew.atanh_p);
export const logistic = unary(ew.logistic_p);
export const floor = unary(ew.floor_p);
export const ceil = unary(ew.ceil_p);
export const round = unary(ew.round_p);
export const sign = unary(ew.sign_p);
export const abs = unary(ew.abs_p);
export const integerPow = (x: ArrayLike, y: number): JaxArray => {
  if (!Number.isInteger(y)) throw new TypeError(`integer_pow requires an integer exponent, got ${y}`);
  return bind1(ew.integer_pow_p, [asArray(x)], { y });
};
export const reciprocal = (x: ArrayLike): JaxArray => div(1, x);
export const square = (x: ArrayLike): JaxArray => integerPow(x, 2);

export const eq = binary(cmp.eq_p);
export const ne = binary(cmp.ne_p);
export const lt = binary(cmp.lt_p);
export const le = binary(cmp.le_p);
export const gt = binary(cmp.gt_p);
export const ge = binary(cmp.ge_p);

/** select_n(which, ...cases): cases[which] elementwise. */
export function selectN(which: ArrayLike, ...cases: ArrayLike[]): JaxArray {
  let cs = cases.map(asArray);
  const shape = cs.find((c) => c.ndim > 0)?.shape ?? asArray(which).shape;
  cs = cs.map((c) => (c.ndim === 0 && shape.length > 0 ? broadcastInDim(c, shape, []) : c));
  return bind1(cmp.select_n_p, [asArray(which), ...cs]);
}
/** select(pred, onTrue, onFalse), as lax.select. */
export const select = (pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): JaxArray => {
  const [t, f] = coerce(onTrue, onFalse);
  return selectN(pred, f, t);
};

export function convertElementType(x: ArrayLike, newDtype: DType, weakType = false): JaxArray {
  const a = asArray(x);
  if (a.dtype === newDtype && a.weakType === weakType) return a;
  return bind1(cmp.convert_element_type_p, [a], { newDtype, weakType });
}

export function broadcastInDim(x: ArrayLike, shape: readonly number[], broadcastDimensions: readonly number[]): JaxArray {
  const a = asArray(x);
  if (a.ndim === shape.length && a.shape.every((d, i) => d === shape[i]) && broadcastDimensions.every((d, i) => d === i)) {
    return a;
  }
  return bind1(sh.broadcast_in_dim_p, [a], { shape: [...shape], broadcastDimensions: [...broadcastDimensions] });
}

export function reshape(x: ArrayLike, newSizes: readonly number[]): JaxArray {
  const a = asArray(x);
  if (a.shape.length === newSizes.length && a.shape.every((d, i) => d === newSizes[i])) return a;
  return bind1(sh.reshape_p, [a], { newSizes: [...newSizes], dimensions: null });
}

export function transpose(x: ArrayLike, permutation: readonly number[]): JaxArray {
  const a = asArray(x);
  if (permutation.every((p, i) => p === i) && permutation.length === a.ndim) return a;
  return bind1(sh.transpose_p, [a], { permutation: [...permutation] });
}

export function reduceSum(x: ArrayLike, axes: readonly number[]): JaxArray {
  const a = asArray(x);
  return bind1(sh.reduce_sum_p, [a], { axes: [...axes] });
}
