// Exponentials and logarithms for WasmMath: exp, exp2, expm1, log, log1p, tanh, logistic, pow,
// and the hyperbolic functions sinh, cosh, asinh, acosh, atanh.
// Each is written once over `Vec` and emitted as f32x4 or f64x2 code with per-type constants;
// the f64 versions also serve as the double-precision cores of the f32 functions that are
// evaluated in double precision (erf, pow, sinh, lgamma, ...).
//
// exp:  x = n·ln2 + r with n = round(x/ln2), |r| ≤ ln2/2 (Cody–Waite: ln2 = hi + lo with
//       n·hi exact, so r = (x − n·hi) − n·lo loses nothing), exp(x) = 2^n·exp(r).
// log:  x = 2^k·m with m ∈ [√2/2, √2), f = m − 1, s = f/(2 + f):
//       log(1 + f) = log(1 + s) − log(1 − s) = 2s + 2s³/3 + 2s⁵/5 + … = f − f²/2 + s·(f²/2 + R(s²)),
//       log(x) = k·ln2 + log(1 + f) (fdlibm's formulation, with ln2 = hi + lo again).

import type { Local } from "./builder.js";
import type { KernelTable } from "./math.js";
import { type MathCtx, type Ty, type Vec, type X, viaF64 } from "./math_dsl.js";

interface ExpConsts {
  /** ln2 = hi + lo, n·hi exact for the n that occur. */
  ln2Hi: number;
  ln2Lo: number;
  /** expm1(r) ≈ r + r²/2 + r³·Q(r) on |r| ≤ ln2/2. */
  expm1Q: readonly number[];
  /** exp's argument clamp: below → 0, above → +Inf, with n small enough for two-step scaling. */
  expLo: number;
  expHi: number;
  /** expm1 is −1 below this. */
  expm1Lo: number;
  /** log: ln2 split (hi with trailing zeros so that k·hi is exact). */
  logLn2Hi: number;
  logLn2Lo: number;
  /** R(s²) = z·Podd(w) + w·Peven(w), z = s², w = z² (fdlibm Lg1, Lg3, … and Lg2, Lg4, …). */
  logOdd: readonly number[];
  logEven: readonly number[];
  /** Smallest normal, and the power of two that makes a subnormal normal. */
  minNormal: number;
  subScaleLog2: number;
  /** Bit patterns: 1.0 − √2/2 offset, √2/2's exponent-and-high-mantissa, mantissa mask. */
  sqrtHalfBits: bigint;
  oneBits: bigint;
  mantMask: bigint;
}

const C: Record<Ty, ExpConsts> = {
  f32: {
    // Cephes: C1 = 0.693359375 has 9 significant bits, so n·C1 is exact for |n| < 2^15.
    ln2Hi: 0.693359375,
    ln2Lo: -2.12194440e-4,
    // near-minimax fit of (expm1(r) − r − r²/2)/r³ weighted by r² (mpmath; relative error 9e-10)
    expm1Q: [1.990966993616894e-4, 1.3933308655396104e-3, 8.333282545208931e-3, 4.1666481643915176e-2,
      0.1666666716337204],
    expLo: -104,
    expHi: 89,
    expm1Lo: -30,
    logLn2Hi: 6.9313812256e-1,
    logLn2Lo: 9.0580006145e-6,
    // fdlibm logf
    logOdd: [0.28498786688, 0.66666662693],
    logEven: [0.24279078841, 0.40000972152],
    minNormal: 2 ** -126,
    subScaleLog2: 23,
    sqrtHalfBits: 0x3f3504f3n,
    oneBits: 0x3f800000n,
    mantMask: 0x7fffffn,
  },
  f64: {
    // fdlibm: ln2HI has 32 significant bits, so n·ln2HI is exact for |n| < 2^21.
    ln2Hi: 6.93147180369123816490e-1,
    ln2Lo: 1.90821492927058770002e-10,
    // near-minimax fit as for f32, degree 9 (relative error 6e-19)
    expm1Q: [2.0922609890453157e-9, 2.5109008678138954e-8, 2.755724937379054e-7, 2.755724428968538e-6,
      2.480158735162212e-5, 1.9841269886045654e-4, 1.3888888888872375e-3, 8.333333333321664e-3,
      4.1666666666666685e-2, 0.16666666666666677],
    expLo: -746,
    expHi: 710,
    expm1Lo: -40,
    logLn2Hi: 6.93147180369123816490e-1,
    logLn2Lo: 1.90821492927058770002e-10,
    // fdlibm log: Lg7, Lg5, Lg3, Lg1 and Lg6, Lg4, Lg2
    logOdd: [1.479819860511658591e-1, 1.818357216161805012e-1, 2.857142874366239149e-1, 6.666666666666735130e-1],
    logEven: [1.531383769920937332e-1, 2.222219843214978396e-1, 3.999999999940941908e-1],
    minNormal: 2 ** -1022,
    subScaleLog2: 54,
    sqrtHalfBits: 0x3fe6a09e00000000n,
    oneBits: 0x3ff0000000000000n,
    mantMask: 0x000fffffffffffffn,
  },
};

/** exp(r) ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes expf); f32 only. */
const EXPF_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** 2^r ≈ 1 + r·Q(r) on |r| ≤ 1/2 (near-minimax fit of (2^r − 1)/r, relative error 2e-8); f32 only. */
const EXP2F_Q = [1.5353357593994588e-4, 1.3398876180872321e-3, 9.618437848985195e-3, 5.5503323674201965e-2,
  0.24022647738456726, 0.6931471824645996];

/** tanh(x) ≈ x + x·z·P(z), z = x², on |x| < 0.625 (near-minimax fit of (tanh(x) − x)/x³ weighted by x²); f32 only. */
const TANHF_P = [2.1475276444107294e-3, -8.182662539184093e-3, 2.17029619961977e-2, -5.394720286130905e-2,
  0.13333210349082947, -0.3333333134651184];

/**
 * x = n·ln2 + r + c: n = round(x/ln2) as an integer-valued float, r = (x − n·hi) − n·lo, and
 * in f64 c = the rounding error of that last subtraction (fdlibm's expm1 correction).
 */
function reduceLn2(v: Vec, x: X): { n: Local; r: Local; c?: Local } {
  const k = C[v.ty];
  const n = v.let(v.nearest(v.mul(x, v.c(Math.LOG2E))));
  if (v.ty === "f32") return { n, r: v.let(v.fnma(n, v.c(k.ln2Lo), v.fnma(n, v.c(k.ln2Hi), x))) };
  const hi = v.let(v.sub(x, v.mul(n, v.c(k.ln2Hi))));
  const lo = v.let(v.mul(n, v.c(k.ln2Lo)));
  const r = v.let(v.sub(hi, lo));
  return { n, r, c: v.let(v.sub(v.sub(hi, r), lo)) };
}

/** expm1(r + c) ≈ em + c·(1 + em), em = r + r²/2 + r³·Q(r). */
function expm1Reduced(v: Vec, r: Local, c?: Local): Local {
  const em = v.let(v.fma(v.mul(r, r), v.fma(r, v.poly(r, C[v.ty].expm1Q), v.c(0.5)), r));
  return c ? v.let(v.fma(c, v.add(em, v.c(1)), em)) : em;
}

/** exp(x); the clamp keeps 2^n within two-step scaling while still overflowing to +Inf and rounding to 0. */
export function expV(v: Vec, x: X): X {
  const k = C[v.ty];
  const xc = v.let(v.min(v.max(x, v.c(k.expLo)), v.c(k.expHi)));
  const { n, r, c } = reduceLn2(v, xc);
  const p = v.ty === "f32"
    ? v.add(v.fma(v.mul(r, r), v.poly(r, EXPF_P), r), v.c(1))
    : v.add(expm1Reduced(v, r, c), v.c(1));
  return v.scale(p, n);
}

/**
 * expm1(x) = 2^n·expm1(r) + (2^n − 1), which cancels nothing for n ≠ 0 (expm1(r) and 2^n − 1
 * have the sign of n, or the sum is far from 0) and is expm1(r) itself for n = 0. For n > 60
 * the −1 is far below an ulp and the result is 2^n·(expm1(r) + 1), scaled in two steps so that
 * it overflows cleanly. The sign of a zero argument is the caller's.
 */
export function expm1V(v: Vec, x: X): X {
  const k = C[v.ty];
  const xc = v.let(v.min(v.max(x, v.c(k.expm1Lo)), v.c(k.expHi)));
  const { n, r, c } = reduceLn2(v, xc);
  const em = expm1Reduced(v, r, c);
  const t = v.let(v.pow2(v.min(n, v.c(60))));
  const small = v.fma(t, em, v.sub(t, v.c(1)));
  return v.sel(v.gt(n, v.c(60)), v.scale(v.add(em, v.c(1)), n), small);
}

/**
 * log(u) + corr/u for positive lanes u (normal or subnormal), where corr is a small
 * correction (log1p passes the rounding error of 1 + x). Special values are the caller's.
 */
export function logCore(v: Vec, u: X, corr?: X): X {
  const k = C[v.ty];
  const sub = v.let(v.lt(u, v.c(k.minNormal)));
  const us = v.let(v.sel(sub, v.mul(u, v.c(2 ** k.subScaleLog2)), u));
  // bits + (bits(1) − bits(√2/2)): the exponent field then steps at m = √2/2, not at m = 1
  const ix = v.let(v.iadd(us, v.ci(k.oneBits - k.sqrtHalfBits)));
  const e = v.let(v.sub(v.toFloat(v.isub(v.shrS(ix, v.mant), v.ci(v.bias))), v.and(sub, v.c(k.subScaleLog2))));
  const m = v.iadd(v.and(ix, v.ci(k.mantMask)), v.ci(k.sqrtHalfBits));
  const f = v.let(v.sub(m, v.c(1)));
  const s = v.let(v.div(f, v.add(v.c(2), f)));
  const z = v.let(v.mul(s, s));
  const w = v.let(v.mul(z, z));
  const R = v.add(v.mul(z, v.poly(w, k.logOdd)), v.mul(w, v.poly(w, k.logEven)));
  const hfsq = v.let(v.mul(v.mul(f, f), v.c(0.5)));
  let lo: X = v.mul(e, v.c(k.logLn2Lo));
  if (corr) lo = v.add(lo, v.div(corr, u));
  // k·ln2_hi − ((hfsq − (s·(hfsq + R) + k·ln2_lo + c)) − f)
  const t = v.sub(v.sub(hfsq, v.fma(s, v.add(hfsq, R), lo)), f);
  return v.sub(v.mul(e, v.c(k.logLn2Hi)), t);
}

export function logV(v: Vec, x: Local): X {
  let res = v.let(logCore(v, x));
  res = v.let(v.sel(v.ge(x, v.c(0)), res, v.c(NaN)));
  res = v.let(v.sel(v.eq(x, v.c(0)), v.c(-Infinity), res));
  return v.sel(v.eq(x, v.c(Infinity)), x, res);
}

/**
 * log1p(x) = log(u) + log(1 + c/u) ≈ log(u) + c/u, where u = fl(1 + x) and c = (1 + x) − u
 * is the exact rounding error (Fast2Sum with the larger of 1 and |x| first).
 */
export function log1pV(v: Vec, x: Local): X {
  const u = v.let(v.add(x, v.c(1)));
  const c = v.sel(v.lt(v.abs(x), v.c(1)), v.sub(x, v.sub(u, v.c(1))), v.sub(v.c(1), v.sub(u, x)));
  let res = v.let(logCore(v, u, c));
  res = v.let(v.sel(v.ge(x, v.c(-1)), res, v.c(NaN)));
  res = v.let(v.sel(v.eq(x, v.c(-1)), v.c(-Infinity), res));
  res = v.let(v.sel(v.eq(x, v.c(Infinity)), x, res));
  return v.sel(v.eq(x, v.c(0)), x, res);
}

/**
 * tanh (f32): an odd polynomial for |x| < 0.625; above, tanh|x| = e/(e + 2) with e =
 * expm1(2|x|) (relative errors only, no cancellation); 1 from 9.5 on.
 */
function tanhF32(v: Vec, x: Local): X {
  const a = v.let(v.abs(x));
  const e = v.let(expm1V(v, v.mul(v.min(a, v.c(9.5)), v.c(2))));
  const z = v.let(v.mul(a, a));
  const t = v.sel(v.lt(a, v.c(0.625)), v.fma(a, v.mul(z, v.poly(z, TANHF_P)), a), v.div(e, v.add(e, v.c(2))));
  return v.copysign(t, x);
}

/**
 * tanh (f64), in the reference's (fdlibm's) formulation so that the two round alike: for
 * |x| < 1, −t/(t + 2) with t = expm1(−2|x|); for 1 ≤ |x| < 22, 1 − 2/(t + 2) with
 * t = expm1(2|x|); 1 beyond.
 */
function tanhF64(v: Vec, x: Local): X {
  const a = v.let(v.abs(x));
  const lt1 = v.let(v.lt(a, v.c(1)));
  const t = v.let(expm1V(v, v.mul(v.sel(lt1, v.neg(a), v.min(a, v.c(22))), v.c(2))));
  const d = v.let(v.add(t, v.c(2)));
  const z = v.sel(lt1, v.div(v.neg(t), d), v.sub(v.c(1), v.div(v.c(2), d)));
  return v.copysign(v.sel(v.eq(a, v.c(0)), a, z), x);
}

/** logistic (f64) = 1/(1 + e^−x) as the reference computes it (e^−x overflowing to +Inf gives 0). */
function logisticF64(v: Vec, x: Local): X {
  return v.div(v.c(1), v.add(v.c(1), expV(v, v.neg(x))));
}

/**
 * logistic (f32) = 1/(1 + e^−x): with e = e^−|x| (never overflows), a/(1 + e) with a = 1 for
 * x ≥ 0 and a = e for x < 0. The denominator is kept exactly as s + t (Fast2Sum: s = 1 + e,
 * t = (1 − s) + e), and a/(s + t) ≈ q − q·t/s with q = a/s, which saves the half ulp that
 * rounding 1 + e would cost.
 */
function logisticF32(v: Vec, x: Local): X {
  const e = v.let(expV(v, v.neg(v.abs(x))));
  const s = v.let(v.add(e, v.c(1)));
  const t = v.add(v.sub(v.c(1), s), e);
  const q = v.let(v.div(v.sel(v.lt(x, v.c(0)), e, v.c(1)), s));
  return v.fnma(q, v.div(t, s), q);
}

/** exp2(x) = 2^n·2^r with n = round(x), r = x − n exact (f32). */
function exp2F32(v: Vec, x: Local): X {
  const xc = v.let(v.min(v.max(x, v.c(-151)), v.c(129)));
  const n = v.let(v.nearest(xc));
  const r = v.let(v.sub(xc, n));
  return v.scale(v.fma(r, v.poly(r, EXP2F_Q), v.c(1)), n);
}

/**
 * pow (f32 values in f64 lanes) with JavaScript's `x ** y` semantics, as the reference:
 * |x|^y = exp(y·log|x|) in double precision (y·log|x| is within 2e-14 of exact wherever the
 * f32 result is finite and nonzero), then the sign and the special cases:
 * y = ±0 → 1 (even for NaN x); finite x < 0 with non-integer y → NaN; x < 0 (with −0, −Inf)
 * and odd integer y → negative; |x| = 1 with y = ±Inf → NaN (0·Inf in the exponent does it).
 */
function powCore(_m: MathCtx, v: Vec, [x, y]: readonly Local[]): X {
  const mag = v.let(expV(v, v.mul(y!, logV(v, v.let(v.abs(x!))))));
  const isInt = v.let(v.eq(v.floor(y!), y!));
  const half = v.let(v.mul(y!, v.c(0.5)));
  const odd = v.andnot(isInt, v.eq(v.floor(half), half));
  const neg = v.let(v.lt(v.copysign(v.c(1), x!), v.c(0)));
  let res = v.let(v.sel(v.and(neg, odd), v.neg(mag), mag));
  const finiteNeg = v.and(v.lt(x!, v.c(0)), v.gt(x!, v.c(-Infinity)));
  res = v.let(v.sel(v.andnot(finiteNeg, isInt), v.c(NaN), res));
  return v.sel(v.eq(y!, v.c(0)), v.c(1), res);
}

// ---- hyperbolic functions (f32 values in f64 lanes; every f32 overflow threshold lies far
// inside the f64 range, so the f64 results round to ±Inf exactly where the reference's do) ----

/** sinh x = (e + e/(e + 1))/2 with e = expm1|x| (no cancellation near 0), with the sign of x. */
function sinhCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const e = v.let(expm1V(v, v.min(v.abs(x!), v.c(90))));
  return v.copysign(v.mul(v.c(0.5), v.add(e, v.div(e, v.add(e, v.c(1))))), x!);
}

/** cosh x = (e + 1/e)/2 with e = exp|x|. */
function coshCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const e = v.let(expV(v, v.min(v.abs(x!), v.c(90))));
  return v.mul(v.c(0.5), v.add(e, v.div(v.c(1), e)));
}

/** asinh x = log1p(a + a²/(1 + √(1 + a²))), a = |x| (a² is exact for f32 a), with the sign of x. */
function asinhCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const a = v.let(v.abs(x!));
  const a2 = v.let(v.mul(a, a));
  const u = v.let(v.add(a, v.div(a2, v.add(v.c(1), v.sqrt(v.add(v.c(1), a2))))));
  return v.copysign(v.sel(v.eq(a, v.c(Infinity)), a, log1pV(v, u)), x!);
}

/** acosh x = log1p(t + √(t·(t + 2))), t = x − 1 (exact); NaN below 1. */
function acoshCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const t = v.let(v.sub(x!, v.c(1)));
  const u = v.let(v.add(t, v.sqrt(v.mul(t, v.add(t, v.c(2))))));
  return v.sel(v.ge(x!, v.c(1)), log1pV(v, u), v.c(NaN));
}

/** atanh x = log1p(2a/(1 − a))/2, a = |x| (1 − a exact), with the sign of x: ±1 → ±Inf, |x| > 1 → NaN. */
function atanhCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const a = v.let(v.abs(x!));
  const u = v.let(v.div(v.add(a, a), v.sub(v.c(1), a)));
  return v.copysign(v.mul(v.c(0.5), log1pV(v, u)), x!);
}

const SHARED: KernelTable = {
  exp: (_m, v, [x]) => expV(v, x!),
  expm1: (_m, v, [x]) => v.sel(v.eq(x!, v.c(0)), x!, expm1V(v, x!)),
  log: (_m, v, [x]) => logV(v, x!),
  log1p: (_m, v, [x]) => log1pV(v, x!),
};

export const EXP_F32: KernelTable = {
  ...SHARED,
  exp2: (_m, v, [x]) => exp2F32(v, x!),
  tanh: (_m, v, [x]) => tanhF32(v, x!),
  logistic: (_m, v, [x]) => logisticF32(v, x!),
  pow: (m, v, args) => viaF64(m, v, "pow_core", powCore, args),
  sinh: (m, v, args) => viaF64(m, v, "sinh_core", sinhCore, args),
  cosh: (m, v, args) => viaF64(m, v, "cosh_core", coshCore, args),
  asinh: (m, v, args) => viaF64(m, v, "asinh_core", asinhCore, args),
  acosh: (m, v, args) => viaF64(m, v, "acosh_core", acoshCore, args),
  atanh: (m, v, args) => viaF64(m, v, "atanh_core", atanhCore, args),
};
export const EXP_F64: KernelTable = {
  ...SHARED,
  tanh: (_m, v, [x]) => tanhF64(v, x!),
  logistic: (_m, v, [x]) => logisticF64(v, x!),
};
