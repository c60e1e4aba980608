// More elementwise jax.numpy functions (beyond math.ts): floating-point classification
// (isnan isinf isfinite isposinf isneginf signbit), logical and bitwise ops, rounding to
// nearest-even (rint round/around trunc fix), and numerically careful compositions (logaddexp,
// logaddexp2, hypot, sinc, copysign, fmax/fmin, heaviside, nanToNum, deg2rad, ...).
import type { ArrayLike, JaxArray } from "../core/array.js";
import { defaultFloat, finfo, isBool, isFloat, isInt, isUnsignedInt } from "../core/dtypes.js";
import * as lax from "../lax/index.js";
import { customJvp } from "../transforms/custom_derivatives.js";
import { ValueError, promoteArgs, promoteArgsInexact } from "./core.js";
import { floorDivide, remainder } from "./math.js";

type Op2 = (x: JaxArray, y: JaxArray) => JaxArray;
type Op1 = (x: JaxArray) => JaxArray;

const bin = (name: string, op: Op2) => (x: ArrayLike, y: ArrayLike): JaxArray => {
  const [a, b] = promoteArgs(name, x, y);
  return op(a!, b!);
};
const binInexact = (name: string, op: Op2) => (x: ArrayLike, y: ArrayLike): JaxArray => {
  const [a, b] = promoteArgsInexact(name, x, y);
  return op(a!, b!);
};
const un = (name: string, op: Op1) => (x: ArrayLike): JaxArray => op(promoteArgs(name, x)[0]!);
const unInexact = (name: string, op: Op1) => (x: ArrayLike): JaxArray => op(promoteArgsInexact(name, x)[0]!);

const full = (like: JaxArray, v: number | boolean): JaxArray => lax.full(like.shape, v, typeof v === "boolean" ? "bool" : like.dtype);
const where = (c: JaxArray, a: JaxArray, b: JaxArray): JaxArray => lax.select(c, a, b);
const toBool = (a: JaxArray): JaxArray => (a.dtype === "bool" ? a : lax.ne(a, full(a, 0)));

// ---- classification -----------------------------------------------------------------------------

/** jnp.isnan: true where x is NaN (never for integers). */
export const isnan = un("isnan", (a) => (isFloat(a.dtype) ? lax.ne(a, a) : full(a, false)));
/** jnp.isinf: true where x is ±inf. */
export const isinf = un("isinf", (a) => (isFloat(a.dtype) ? lax.eq(lax.abs(a), full(a, Infinity)) : full(a, false)));
/** jnp.isposinf. */
export const isposinf = un("isposinf", (a) => (isFloat(a.dtype) ? lax.eq(a, full(a, Infinity)) : full(a, false)));
/** jnp.isneginf. */
export const isneginf = un("isneginf", (a) => (isFloat(a.dtype) ? lax.eq(a, full(a, -Infinity)) : full(a, false)));
/** jnp.isfinite: neither infinite nor NaN. */
export const isfinite = un("isfinite", (a) => (isFloat(a.dtype) ? lax.isFinite(a) : full(a, true)));

/** jnp.signbit: true where the sign bit is set (negative numbers and -0.0). */
export const signbit = un("signbit", (a) => {
  if (isUnsignedInt(a.dtype) || isBool(a.dtype)) return full(a, false);
  if (isInt(a.dtype)) return lax.lt(a, full(a, 0));
  // -0.0 is told apart from +0.0 by the sign of 1/x.
  const negZero = lax.bitwiseAnd(lax.eq(a, full(a, 0)), lax.lt(lax.div(full(a, 1), a), full(a, 0)));
  return lax.bitwiseOr(lax.lt(a, full(a, 0)), negZero);
});

// ---- logical and bitwise --------------------------------------------------------------------------

const logical = (name: string, op: Op2) => (x: ArrayLike, y: ArrayLike): JaxArray => {
  const [a, b] = promoteArgs(name, x, y);
  return op(toBool(a!), toBool(b!));
};
/** jnp.logical_and: non-zero is true; a bool result. */
export const logicalAnd = logical("logical_and", lax.bitwiseAnd);
/** jnp.logical_or. */
export const logicalOr = logical("logical_or", lax.bitwiseOr);
/** jnp.logical_xor. */
export const logicalXor = logical("logical_xor", lax.bitwiseXor);
/** jnp.logical_not. */
export const logicalNot = (x: ArrayLike): JaxArray => lax.bitwiseNot(toBool(promoteArgs("logical_not", x)[0]!));

function checkIntegral(name: string, a: JaxArray): JaxArray {
  if (!isInt(a.dtype) && !isBool(a.dtype)) {
    throw new TypeError(`${name} requires integer or boolean arguments, got ${a.dtype}`);
  }
  return a;
}
const bitwise = (name: string, op: Op2) =>
  bin(name, (a, b) => op(checkIntegral(name, a), checkIntegral(name, b)));

/** jnp.bitwise_and (integers and bools). */
export const bitwiseAnd = bitwise("bitwise_and", lax.bitwiseAnd);
/** jnp.bitwise_or. */
export const bitwiseOr = bitwise("bitwise_or", lax.bitwiseOr);
/** jnp.bitwise_xor. */
export const bitwiseXor = bitwise("bitwise_xor", lax.bitwiseXor);
/** jnp.bitwise_not / jnp.invert: ~x. */
export const bitwiseNot = un("bitwise_not", (a) => lax.bitwiseNot(checkIntegral("bitwise_not", a)));
export const invert = bitwiseNot;
/** jnp.left_shift. */
export const leftShift = bitwise("left_shift", lax.shiftLeft);
/** jnp.right_shift: arithmetic for signed integers, logical for unsigned. */
export const rightShift = bitwise("right_shift", (a, b) =>
  isUnsignedInt(a.dtype) ? lax.shiftRightLogical(a, b) : lax.shiftRightArithmetic(a, b),
);

// ---- rounding ------------------------------------------------------------------------------------

/** Rounds half to even, as NumPy's rint/round: floor, then fix up exact halves with odd floors. */
function roundHalfEven(a: JaxArray): JaxArray {
  const f = lax.floor(a);
  const diff = lax.sub(a, f);
  const up = lax.add(f, full(a, 1));
  const fIsEven = lax.eq(lax.rem(f, full(a, 2)), full(a, 0));
  const half = where(fIsEven, f, up);
  return where(lax.gt(diff, full(a, 0.5)), up, where(lax.lt(diff, full(a, 0.5)), f, half));
}

/** jnp.rint: round to the nearest integer, halves to even. */
export const rint = unInexact("rint", roundHalfEven);

/** jnp.round(x, decimals = 0) (also `around`): round half to even at the given decimal. */
export function round(x: ArrayLike, decimals: number | { decimals?: number } = 0): JaxArray {
  const dec = typeof decimals === "number" ? decimals : (decimals.decimals ?? 0);
  if (!Number.isInteger(dec)) throw new ValueError(`round: decimals must be an integer, got ${dec}`);
  const a = promoteArgs("round", x)[0]!;
  if (!isFloat(a.dtype)) {
    if (dec >= 0) return a;
    return lax.convertElementType(round(lax.convertElementType(a, defaultFloat()), dec), a.dtype);
  }
  if (dec === 0) return roundHalfEven(a);
  // Scale by an exact power of ten (multiply for decimals > 0, divide for < 0), round, undo.
  const f = full(a, 10 ** Math.abs(dec));
  return dec > 0 ? lax.div(roundHalfEven(lax.mul(a, f)), f) : lax.mul(roundHalfEven(lax.div(a, f)), f);
}
export const around = round;

/** jnp.trunc: round toward zero. */
export const trunc = un("trunc", (a) => (isFloat(a.dtype) ? where(lax.lt(a, full(a, 0)), lax.ceil(a), lax.floor(a)) : a));
/** jnp.fix: alias of trunc. */
export const fix = trunc;

// ---- compositions -------------------------------------------------------------------------------

/** +inf replaced by 0 (JAX's _replace_inf), so that the jvp rules below give 1 at +inf. */
const replaceInf = (x: JaxArray): JaxArray => where(lax.eq(x, full(x, Infinity)), full(x, 0), x);

/**
 * log(exp(x1) + exp(x2)) = max + log1p(exp(-|x1 - x2|)), exact for large arguments; where
 * x1 - x2 is NaN (both +inf or both -inf, or a NaN input) it is x1 + x2. Its derivative is JAX's
 * custom rule d/dx1 = exp(x1 - out) (softmax weights; with +inf replaced by 0): the max/abs
 * decomposition has kinks at x1 = x2 that autodiff would turn into a wrong second derivative.
 */
const logaddexpImpl = customJvp(function logaddexp(a: JaxArray, b: JaxArray): JaxArray {
  const m = lax.max(a, b);
  const d = lax.sub(a, b);
  const r = lax.add(m, lax.log1p(lax.exp(lax.neg(lax.abs(d)))));
  return where(lax.ne(d, d), lax.add(a, b), r);
});
logaddexpImpl.defjvp(function logaddexpJvp([a, b]: JaxArray[], [ta, tb]: JaxArray[]) {
  const out = logaddexpImpl(a!, b!);
  const w = (x: JaxArray) => lax.exp(lax.sub(replaceInf(x), replaceInf(out)));
  return [out, lax.add(lax.mul(ta!, w(a!)), lax.mul(tb!, w(b!)))];
});

/** jnp.logaddexp: log(exp(x1) + exp(x2)) without overflow, with JAX's derivative rule. */
export const logaddexp = binInexact("logaddexp", (a, b) => logaddexpImpl(a, b));

/** log2(2**x1 + 2**x2), as logaddexp in base 2 (rule d/dx1 = 2**(x1 - out)). */
const logaddexp2Impl = customJvp(function logaddexp2(a: JaxArray, b: JaxArray): JaxArray {
  const m = lax.max(a, b);
  const d = lax.sub(a, b);
  const r = lax.add(m, lax.div(lax.log1p(lax.exp2(lax.neg(lax.abs(d)))), full(a, Math.LN2)));
  return where(lax.ne(d, d), lax.add(a, b), r);
});
logaddexp2Impl.defjvp(function logaddexp2Jvp([a, b]: JaxArray[], [ta, tb]: JaxArray[]) {
  const out = logaddexp2Impl(a!, b!);
  const w = (x: JaxArray) => lax.exp2(lax.sub(replaceInf(x), replaceInf(out)));
  return [out, lax.add(lax.mul(ta!, w(a!)), lax.mul(tb!, w(b!)))];
});

/** jnp.logaddexp2: log2(2**x1 + 2**x2), with JAX's derivative rule. */
export const logaddexp2 = binInexact("logaddexp2", (a, b) => logaddexp2Impl(a, b));

/** jnp.hypot: sqrt(x² + y²) without overflow: big · sqrt(1 + (small/big)²). */
export const hypot = binInexact("hypot", (a0, b0) => {
  const a = lax.abs(a0);
  const b = lax.abs(b0);
  const anyInf = lax.bitwiseOr(lax.eq(a, full(a, Infinity)), lax.eq(b, full(b, Infinity)));
  const big = lax.max(a, b);
  const small = lax.min(a, b);
  const zero = lax.eq(big, full(a, 0));
  const safeBig = where(zero, full(a, 1), big);
  const q = lax.div(small, safeBig);
  const r = where(zero, big, lax.mul(big, lax.sqrt(lax.add(full(a, 1), lax.mul(q, q)))));
  return where(anyInf, full(a, Infinity), r);
});

/** jnp.copysign: |x1| with the sign of x2. */
export const copysign = binInexact("copysign", (a, b) => where(signbit(b), lax.neg(lax.abs(a)), lax.abs(a)));

/** jnp.fmax: elementwise maximum ignoring NaN (NaN only when both are NaN). */
export const fmax = bin("fmax", (a, b) => {
  if (!isFloat(a.dtype)) return lax.max(a, b);
  return where(lax.ne(a, a), b, where(lax.ne(b, b), a, lax.max(a, b)));
});
/** jnp.fmin: elementwise minimum ignoring NaN. */
export const fmin = bin("fmin", (a, b) => {
  if (!isFloat(a.dtype)) return lax.min(a, b);
  return where(lax.ne(a, a), b, where(lax.ne(b, b), a, lax.min(a, b)));
});

/** jnp.heaviside(x1, x2): 0 for x1 < 0, x2 for x1 == 0, 1 for x1 > 0. */
export const heaviside = binInexact("heaviside", (a, b) =>
  where(lax.lt(a, full(a, 0)), full(a, 0), where(lax.gt(a, full(a, 0)), full(a, 1), b)),
);

/**
 * The k-th derivative at 0 of g(y) = sin(y)/y as a function of y whose derivative is the
 * (k+1)-th (JAX's _sinc_maclaurin): g(y) = Σ (-1)^j y^(2j) / (2j+1)!, so g^(k)(0) is
 * (-1)^(k/2) / (k+1) for even k and 0 for odd k. Evaluated at y = 0 it gives sinc's value and,
 * through the rule, every derivative there.
 */
const sincMaclaurin = customJvp(
  function sincMaclaurin(k: number, y: JaxArray): JaxArray {
    const zero = lax.mul(y, 0);
    return k % 2 === 1 ? zero : lax.add(zero, (-1) ** (k / 2) / (k + 1));
  },
  { nondiffArgnums: [0] },
);
sincMaclaurin.defjvp(function sincMaclaurinJvp(k: number, [y]: JaxArray[], [t]: JaxArray[]) {
  return [sincMaclaurin(k, y!), lax.mul(sincMaclaurin(k + 1, y!), t!)];
});

/**
 * jnp.sinc: sin(πx)/(πx); 1 at 0, with every derivative there from the Maclaurin series (the
 * second is -π²/3), and 0 at ±inf, as JAX. Safe denominators keep the unused branch finite.
 */
export const sinc = unInexact("sinc", (a) => {
  const zero = lax.eq(a, full(a, 0));
  const inf = lax.eq(lax.abs(a), full(a, Infinity));
  const px = lax.mul(a, full(a, Math.PI));
  const safe = where(lax.bitwiseOr(zero, inf), full(a, 1), px);
  const r = where(zero, sincMaclaurin(0, px), lax.div(lax.sin(safe), safe));
  return where(inf, full(a, 0), r);
});

/** jnp.nextafter: the next representable float after x1 toward x2. */
export const nextafter = binInexact("nextafter", lax.nextafter);

/** jnp.float_power: power computed in floating point. */
export const floatPower = binInexact("float_power", lax.pow);

/** jnp.ldexp(x1, x2): x1 * 2**x2. */
export const ldexp = (x1: ArrayLike, x2: ArrayLike): JaxArray => {
  const [a, b] = promoteArgsInexact("ldexp", x1, x2);
  return lax.mul(a!, lax.exp2(b!));
};

const RAD = Math.PI / 180;
/** jnp.deg2rad (also `radians`). */
export const deg2rad = unInexact("deg2rad", (a) => lax.mul(a, full(a, RAD)));
export const radians = deg2rad;
/** jnp.rad2deg (also `degrees`). */
export const rad2deg = unInexact("rad2deg", (a) => lax.mul(a, full(a, 180 / Math.PI)));
export const degrees = rad2deg;

/** jnp.divmod(x1, x2) = [floor_divide(x1, x2), remainder(x1, x2)]. */
export const divmod = (x1: ArrayLike, x2: ArrayLike): [JaxArray, JaxArray] => [floorDivide(x1, x2), remainder(x1, x2)];

/**
 * jnp.nan_to_num(x, { nan = 0, posinf, neginf }): NaN → nan, +inf → posinf (default: the
 * largest finite value), -inf → neginf (default: the most negative finite value).
 */
export function nanToNum(x: ArrayLike, opts: { nan?: number; posinf?: number | null; neginf?: number | null } = {}): JaxArray {
  const a = promoteArgs("nan_to_num", x)[0]!;
  if (!isFloat(a.dtype)) return a;
  const fi = finfo(a.dtype);
  let r = where(lax.ne(a, a), full(a, opts.nan ?? 0), a);
  r = where(lax.eq(a, full(a, Infinity)), full(a, opts.posinf ?? fi.max), r);
  return where(lax.eq(a, full(a, -Infinity)), full(a, opts.neginf ?? fi.min), r);
}
