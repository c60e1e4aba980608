// Elementwise arithmetic and transcendental primitives. Each record owns its kernel, its jvp
// (the derivative written with lax ops) and, where linear, its transpose.
import type { JaxArray } from "../core/array.js";
import { type DType, iinfo, isFloat } from "../core/dtypes.js";
import { UndefinedPrimal, isZeroTangent as isZero } from "../core/primitive.js";
import * as lax from "../lax/core.js";
import { elementwise } from "./util.js";

const isUndef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;

// ---- linear ops ----

export const neg_p = elementwise({
  name: "neg",
  cls: "numeric",
  f: (x) => -x,
  jvp: (_p, [t]) => [lax.neg(t!)],
  transpose: ([ct]) => [lax.neg(ct!)],
});

export const add_p = elementwise({
  name: "add",
  cls: "any",
  f: (x, y) => x + y,
  fInt: (d) => (d === "bool" ? (x, y) => x | y : (x, y) => x + y),
  jvp: (_p, [tx, ty]) => [isZero(tx) ? ty! : isZero(ty) ? tx! : lax.add(tx!, ty!)],
  transpose: ([ct], [x, y]) => [isUndef(x) ? ct! : null, isUndef(y) ? ct! : null],
});

/** The linear addition that reverse mode uses to accumulate cotangents. */
export const add_any_p = elementwise({
  name: "add_any",
  cls: "any",
  f: (x, y) => x + y,
  jvp: (_p, [tx, ty]) => [isZero(tx) ? ty! : isZero(ty) ? tx! : lax.addAny(tx!, ty!)],
  transpose: ([ct]) => [ct!, ct!],
});

export const sub_p = elementwise({
  name: "sub",
  cls: "numeric",
  f: (x, y) => x - y,
  jvp: (_p, [tx, ty]) => [isZero(ty) ? tx! : isZero(tx) ? lax.neg(ty!) : lax.sub(tx!, ty!)],
  transpose: ([ct], [x, y]) => [isUndef(x) ? ct! : null, isUndef(y) ? lax.neg(ct!) : null],
});

function mulKernel(d: DType) {
  return d === "int32" || d === "uint32" ? (x: number, y: number) => Math.imul(x, y) : (x: number, y: number) => x * y;
}

export const mul_p = elementwise({
  name: "mul",
  cls: "any",
  f: (x, y) => x * y,
  fInt: (d) => (d === "bool" ? (x, y) => x & y : mulKernel(d)),
  // d(x·y) = dx·y + x·dy; a term whose tangent is an instantiated zero is dropped.
  jvp: ([x, y], [tx, ty]) => [
    isZero(tx) ? lax.mul(x!, ty!) : isZero(ty) ? lax.mul(tx!, y!) : lax.add(lax.mul(tx!, y!), lax.mul(x!, ty!)),
  ],
  transpose([ct], [x, y]) {
    if (isUndef(x) && isUndef(y)) throw new TypeError("mul transpose: both operands are linear (the function is not linear)");
    return [isUndef(x) ? lax.mul(ct!, y as JaxArray) : null, isUndef(y) ? lax.mul(x as JaxArray, ct!) : null];
  },
});

/** Integer division truncates toward zero (C semantics, as XLA); float division is IEEE. */
function intDiv(d: DType) {
  const { min } = iinfo(d);
  return (x: number, y: number) => (y === 0 ? (d.startsWith("u") ? iinfo(d).max : x < 0 ? min : -1) : Math.trunc(x / y));
}

export const div_p = elementwise({
  name: "div",
  cls: "numeric",
  f: (x, y) => x / y,
  fInt: intDiv,
  jvp: ([x, y], [tx, ty], [out]) => [lax.div(lax.sub(tx!, lax.mul(out!, ty!)), y!)],
  transpose([ct], [x, y]) {
    if (isUndef(y)) throw new TypeError("div transpose: the divisor is linear (the function is not linear)");
    return [isUndef(x) ? lax.div(ct!, y) : null, null];
  },
});

/** C-style remainder: the result has the sign of the dividend (like XLA's rem / fmod). */
export const rem_p = elementwise({
  name: "rem",
  cls: "numeric",
  f: (x, y) => x % y,
  fInt: () => (x, y) => (y === 0 ? x : x % y),
  // d/dx rem(x, y) = 1, d/dy = -trunc(x / y)
  jvp: ([x, y], [tx, ty]) => [lax.sub(tx!, lax.mul(ty!, lax.round(lax.div(lax.sub(x!, lax.rem(x!, y!)), y!))))],
});

export const max_p = elementwise({
  name: "max",
  cls: "any",
  f: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.max(x, y)),
  // Ties split the tangent evenly, as JAX does.
  jvp: ([x, y], [tx, ty]) => [balancedMinMaxJvp(x!, y!, tx!, ty!, "max")],
});

export const min_p = elementwise({
  name: "min",
  cls: "any",
  f: (x, y) => (Number.isNaN(x) || Number.isNaN(y) ? NaN : Math.min(x, y)),
  jvp: ([x, y], [tx, ty]) => [balancedMinMaxJvp(x!, y!, tx!, ty!, "min")],
});

function balancedMinMaxJvp(x: JaxArray, y: JaxArray, tx: JaxArray, ty: JaxArray, which: "max" | "min"): JaxArray {
  const pick = which === "max" ? lax.gt(x, y) : lax.lt(x, y);
  const eq = lax.eq(x, y);
  const half = lax.mul(lax.add(tx, ty), lax.fullLike(tx, 0.5));
  return lax.select(eq, half, lax.select(pick, tx, ty));
}

// ---- unary float functions: y = f(x), dy = t * f'(x) ----

type Unary = (x: JaxArray, y: JaxArray) => JaxArray;
function unary(name: string, f: (x: number) => number, deriv: Unary) {
  return elementwise({ name, cls: "float", f, jvp: ([x], [t], [y]) => [lax.mul(t!, deriv(x!, y!))] });
}

export const exp_p = unary("exp", Math.exp, (_x, y) => y);
export const exp2_p = unary("exp2", (x) => 2 ** x, (_x, y) => lax.mul(y, lax.fullLike(y, Math.LN2)));
export const log_p = unary("log", Math.log, (x) => lax.reciprocal(x));
export const log1p_p = unary("log1p", Math.log1p, (x) => lax.reciprocal(lax.add(x, lax.fullLike(x, 1))));
export const expm1_p = unary("expm1", Math.expm1, (_x, y) => lax.add(y, lax.fullLike(y, 1)));
export const sqrt_p = unary("sqrt", Math.sqrt, (_x, y) => lax.div(lax.fullLike(y, 0.5), y));
export const rsqrt_p = unary("rsqrt", (x) => 1 / Math.sqrt(x), (x, y) => lax.mul(lax.fullLike(y, -0.5), lax.div(y, x)));
export const cbrt_p = unary("cbrt", Math.cbrt, (_x, y) => lax.div(lax.fullLike(y, 1 / 3), lax.mul(y, y)));
export const sin_p = unary("sin", Math.sin, (x) => lax.cos(x));
export const cos_p = unary("cos", Math.cos, (x) => lax.neg(lax.sin(x)));
export const tan_p = unary("tan", Math.tan, (_x, y) => lax.add(lax.fullLike(y, 1), lax.mul(y, y)));
export const asin_p = unary("asin", Math.asin, (x) => lax.rsqrt(lax.sub(lax.fullLike(x, 1), lax.mul(x, x))));
export const acos_p = unary("acos", Math.acos, (x) => lax.neg(lax.rsqrt(lax.sub(lax.fullLike(x, 1), lax.mul(x, x)))));
export const atan_p = unary("atan", Math.atan, (x) => lax.reciprocal(lax.add(lax.fullLike(x, 1), lax.mul(x, x))));
export const sinh_p = unary("sinh", Math.sinh, (x) => lax.cosh(x));
export const cosh_p = unary("cosh", Math.cosh, (x) => lax.sinh(x));
export const tanh_p = unary("tanh", Math.tanh, (_x, y) => lax.sub(lax.fullLike(y, 1), lax.mul(y, y)));
export const asinh_p = unary("asinh", Math.asinh, (x) => lax.rsqrt(lax.add(lax.mul(x, x), lax.fullLike(x, 1))));
export const acosh_p = unary("acosh", Math.acosh, (x) =>
  lax.rsqrt(lax.mul(lax.sub(x, lax.fullLike(x, 1)), lax.add(x, lax.fullLike(x, 1)))),
);
export const atanh_p = unary("atanh", Math.atanh, (x) => lax.reciprocal(lax.sub(lax.fullLike(x, 1), lax.mul(x, x))));
export const logistic_p = unary(
  "logistic",
  (x) => 1 / (1 + Math.exp(-x)),
  (_x, y) => lax.mul(y, lax.sub(lax.fullLike(y, 1), y)),
);

export const atan2_p = elementwise({
  name: "atan2",
  cls: "float",
  f: Math.atan2,
  // d atan2(x, y) = (y dx - x dy) / (x² + y²)
  jvp: ([x, y], [tx, ty]) => [
    lax.div(lax.sub(lax.mul(y!, tx!), lax.mul(x!, ty!)), lax.add(lax.mul(x!, x!), lax.mul(y!, y!))),
  ],
});

export const pow_p = elementwise({
  name: "pow",
  cls: "float",
  f: (x, y) => x ** y,
  // d(x^y) = y x^(y-1) dx + log(x) x^y dy, with the dy term zero where x == 0 (as JAX).
  jvp: ([x, y], [tx, ty], [out]) => {
    const one = lax.fullLike(y!, 1);
    const dx = lax.mul(tx!, lax.mul(y!, lax.pow(x!, lax.sub(y!, one))));
    const zero = lax.fullLike(x!, 0);
    const safeLog = lax.select(lax.eq(x!, zero), zero, lax.log(x!));
    return [lax.add(dx, lax.mul(ty!, lax.mul(out!, safeLog)))];
  },
});

// ---- rounding and sign: zero derivative almost everywhere ----

function piecewiseConstant(name: string, f: (x: number) => number, cls: "float" | "numeric" = "float") {
  return elementwise({ name, cls, f, jvp: ([x]) => [lax.zerosLike(x!)] });
}
export const floor_p = piecewiseConstant("floor", Math.floor);
export const ceil_p = piecewiseConstant("ceil", Math.ceil);
/** Rounds half away from zero (lax.round's default, rounding_method=0). */
export const round_p = piecewiseConstant("round", (x) => Math.sign(x) * Math.round(Math.abs(x)));
export const sign_p = piecewiseConstant("sign", (x) => (Number.isNaN(x) ? NaN : Math.sign(x) + 0), "numeric");

export const abs_p = elementwise({
  name: "abs",
  cls: "numeric",
  f: Math.abs,
  jvp: ([x], [t]) => [lax.mul(t!, lax.sign(x!))],
});

export const integer_pow_p = elementwise<{ y: number }>({
  name: "integer_pow",
  cls: "numeric",
  f: (x) => x,
  jvp: ([x], [t], _o, { y }) =>
    [y === 0 ? lax.zerosLike(t!) : lax.mul(t!, lax.mul(lax.fullLike(x!, y), lax.integerPow(x!, y - 1)))],
});
// integer_pow's kernel depends on the exponent, so its impl is specialized here.
integer_pow_p.impl = (ins, { y }, outAvals) => {
  const a = ins[0]!.data;
  const d = outAvals[0]!.dtype;
  const out = a.slice();
  const int32 = d === "int32" || d === "uint32";
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (isFloat(d)) out[i] = x ** y;
    else {
      let r = 1;
      for (let k = 0; k < y; k++) r = int32 ? Math.imul(r, x) : r * x;
      out[i] = r;
    }
  }
  return [out];
};
