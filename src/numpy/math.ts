// Elementwise jax.numpy functions under NumPy's names: promotion with weak types, NumPy
// broadcasting, then one lax primitive (or a short composition).
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isBool, isFloat, isInt, isUnsignedInt } from "../core/dtypes.js";
import * as lax from "../lax/core.js";
import { broadcastArrays, dtypeInfo, promoteArgs, promoteArgsInexact, promoteArgsInexactScalar, promoteArgsScalar } from "./core.js";

type Bin = (x: ArrayLike, y: ArrayLike) => JaxArray;
type Un = (x: ArrayLike) => JaxArray;
type Op2 = (x: JaxArray, y: JaxArray) => JaxArray;
type Op1 = (x: JaxArray) => JaxArray;

type Promote = (name: string, ...xs: ArrayLike[]) => JaxArray[];
const binWith = (promote: Promote) => (name: string, op: Op2): Bin => (x, y) => {
  const [a, b] = promote(name, x, y);
  return op(a!, b!);
};
const bin = binWith(promoteArgs);
const binInexact = binWith(promoteArgsInexact);
/** One elementwise primitive: a rank-0 operand is passed to it unbroadcast, as JAX does. */
const binPrim = binWith(promoteArgsScalar);
const binPrimInexact = binWith(promoteArgsInexactScalar);
const unInexact = (name: string, op: Op1): Un => (x) => op(promoteArgsInexact(name, x)[0]!);
const un = (name: string, op: Op1): Un => (x) => op(promoteArgs(name, x)[0]!);

export const add = binPrim("add", lax.add);
export const subtract = binPrim("subtract", lax.sub);
export const multiply = binPrim("multiply", lax.mul);
export const divide = binPrimInexact("divide", lax.div);
export const trueDivide = divide;
export const maximum = binPrim("maximum", lax.max);
export const minimum = binPrim("minimum", lax.min);
export const arctan2 = binPrimInexact("arctan2", lax.atan2);

/** Floor division, as NumPy: rounds toward negative infinity. */
export const floorDivide = bin("floor_divide", (a, b) => {
  if (isFloat(a.dtype)) return lax.floor(lax.div(a, b));
  if (isUnsignedInt(a.dtype)) return lax.div(a, b);
  // Integer: truncating division corrected where signs differ and the remainder is non-zero.
  const q = lax.div(a, b);
  const r = lax.rem(a, b);
  const fix = lax.select(lax.ne(r, 0), lax.ne(lax.lt(r, 0), lax.lt(b, 0)), lax.full(r.shape, false, "bool"));
  return lax.select(fix, lax.sub(q, 1), q);
});

/** NumPy's remainder: the result has the sign of the divisor. */
export const remainder = bin("remainder", (a, b) => {
  const r = lax.rem(a, b);
  const fix = lax.select(lax.ne(r, 0), lax.ne(lax.lt(r, 0), lax.lt(b, 0)), lax.full(r.shape, false, "bool"));
  return lax.select(fix, lax.add(r, b), r);
});
export const mod = remainder;
export const fmod = bin("fmod", lax.rem);

/** x ** y: integer powers of integers stay integer, as in NumPy. */
export function power(x: ArrayLike, y: ArrayLike): JaxArray {
  if (typeof y === "number" && Number.isInteger(y) && y >= 0 && y <= 64) {
    const [a] = promoteArgs("power", x, y);
    return lax.integerPow(a!, y);
  }
  const info = dtypeInfo(x);
  const [a, b] = promoteArgs("power", x, y);
  if (isInt(a!.dtype) || isBool(info.dtype)) {
    throw new TypeError("power: integer base with a non-constant or negative exponent is not supported; cast to float first");
  }
  return lax.pow(a!, b!);
}
export const pow = power;

export const negative = un("negative", lax.neg);
export const positive = (x: ArrayLike): JaxArray => promoteArgs("positive", x)[0]!;
export const abs = un("abs", (a) => (isUnsignedInt(a.dtype) || isBool(a.dtype) ? a : lax.abs(a)));
export const absolute = abs;
export const sign = un("sign", lax.sign);
export const floor = un("floor", (a) => (isFloat(a.dtype) ? lax.floor(a) : a));
export const ceil = un("ceil", (a) => (isFloat(a.dtype) ? lax.ceil(a) : a));
export const square = un("square", (a) => lax.integerPow(a, 2));
export const reciprocal = unInexact("reciprocal", lax.reciprocal);

export const exp = unInexact("exp", lax.exp);
export const exp2 = unInexact("exp2", lax.exp2);
export const expm1 = unInexact("expm1", lax.expm1);
export const log = unInexact("log", lax.log);
export const log1p = unInexact("log1p", lax.log1p);
export const log2 = unInexact("log2", (a) => lax.div(lax.log(a), lax.log(lax.fullLike(a, 2))));
export const log10 = unInexact("log10", (a) => lax.div(lax.log(a), lax.log(lax.fullLike(a, 10))));
export const sqrt = unInexact("sqrt", lax.sqrt);
export const cbrt = unInexact("cbrt", lax.cbrt);
export const sin = unInexact("sin", lax.sin);
export const cos = unInexact("cos", lax.cos);
export const tan = unInexact("tan", lax.tan);
export const arcsin = unInexact("arcsin", lax.asin);
export const arccos = unInexact("arccos", lax.acos);
export const arctan = unInexact("arctan", lax.atan);
export const sinh = unInexact("sinh", lax.sinh);
export const cosh = unInexact("cosh", lax.cosh);
export const tanh = unInexact("tanh", lax.tanh);
export const arcsinh = unInexact("arcsinh", lax.asinh);
export const arccosh = unInexact("arccosh", lax.acosh);
export const arctanh = unInexact("arctanh", lax.atanh);

export const equal = bin("equal", lax.eq);
export const notEqual = bin("not_equal", lax.ne);
export const less = bin("less", lax.lt);
export const lessEqual = bin("less_equal", lax.le);
export const greater = bin("greater", lax.gt);
export const greaterEqual = bin("greater_equal", lax.ge);

/** jnp.where(cond, x, y). */
export function where(cond: ArrayLike, x: ArrayLike, y: ArrayLike): JaxArray {
  const [a, b] = promoteArgs("where", x, y);
  const c0 = lax.asArray(cond);
  const c = c0.dtype === "bool" ? c0 : lax.ne(c0, 0);
  const [cc, aa, bb] = broadcastArrays("where", c, a!, b!);
  return lax.select(cc!, aa!, bb!);
}

/** jnp.clip(x, min, max). */
export function clip(x: ArrayLike, min: ArrayLike | null = null, max: ArrayLike | null = null): JaxArray {
  let r = promoteArgs("clip", x)[0]!;
  if (min !== null) r = maximum(r, min);
  if (max !== null) r = minimum(r, max);
  return r;
}
