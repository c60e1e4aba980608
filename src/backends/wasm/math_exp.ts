// Exponentials and logarithms for WasmMath: exp, exp2, expm1, log, log1p, tanh, logistic
// in f32x4 arithmetic, and the float64 cores (exp, expm1, log, log1p) that the f64x2
// functions and the harder f32 functions (evaluated in double precision) share.
//
// exp:  x = n·ln2 + r with n = round(x/ln2), |r| ≤ ln2/2 (Cody–Waite: ln2 = hi + lo with
//       n·hi exact, so r = (x − n·hi) − n·lo loses nothing), exp(x) = 2^n·exp(r).
// log:  x = 2^k·m with m ∈ [√2/2, √2), f = m − 1, s = f/(2 + f):
//       log(1 + f) = log(1 + s) − log(1 − s) = 2s + 2s³/3 + 2s⁵/5 + … = f − f²/2 + s·(f²/2 + R(s²)),
//       log(x) = k·ln2 + log(1 + f) (fdlibm's formulation, with ln2 = hi + lo again).

import type { Local } from "./builder.js";
import type { KernelTable } from "./math.js";
import type { Vec, X } from "./math_dsl.js";

const LOG2E = Math.LOG2E;

// ---- float32 ----

/** ln2 = C1 + C2 with C1 = 0.693359375 (9 bits: n·C1 is exact for |n| < 2^15) (Cephes). */
const LN2_C1_F32 = 0.693359375;
const LN2_C2_F32 = -2.12194440e-4;

/** exp(r) ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2 (Cephes expf, relative error ~1e-7 in f32). */
const EXPF_P = [1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1];

/** 2^r ≈ 1 + r·Q(r) on |r| ≤ 1/2 (near-minimax fit of (2^r − 1)/r, relative error 2e-8). */
const EXP2F_Q = [1.5353357593994588e-4, 1.3398876180872321e-3, 9.618437848985195e-3, 5.5503323674201965e-2,
  0.24022647738456726, 0.6931471824645996];

/** expm1(r) ≈ r + r²/2 + r³·Q(r) on |r| ≤ ln2/2 (near-minimax fit of (expm1(r) − r − r²/2)/r³ weighted by r²). */
const EXPM1F_Q = [1.990966993616894e-4, 1.3933308655396104e-3, 8.333282545208931e-3, 4.1666481643915176e-2,
  0.1666666716337204];

/** R(z) = Lg1·z + Lg2·z² + Lg3·z³ + Lg4·z⁴ ≈ log1p(f) − 2s, z = s² (fdlibm logf). */
const LGF = [0.66666662693, 0.40000972152, 0.28498786688, 0.24279078841];
const LN2_HI_F32 = 6.9313812256e-1;
const LN2_LO_F32 = 9.0580006145e-6;

/** Cody–Waite reduction x = n·ln2 + r (f32); n is returned as an integer-valued float. */
function reduceLn2F32(v: Vec, x: X): { n: Local; r: Local } {
  const n = v.let(v.nearest(v.mul(x, v.c(LOG2E))));
  const r = v.let(v.fnma(n, v.c(LN2_C2_F32), v.fnma(n, v.c(LN2_C1_F32), x)));
  return { n, r };
}

/** exp(x) for f32 lanes; clamping to [−104, 89] keeps 2^n representable in two steps while
 *  still overflowing to +Inf above ln(FLT_MAX) and rounding to 0 below ln(2^-150). */
export function expF32(v: Vec, x: X): X {
  const xc = v.let(v.min(v.max(x, v.c(-104)), v.c(89)));
  const { n, r } = reduceLn2F32(v, xc);
  const p = v.add(v.fma(v.mul(r, r), v.poly(r, EXPF_P), r), v.c(1));
  return v.scale(p, n);
}

/**
 * expm1(x) for f32 lanes: with x = n·ln2 + r, expm1(x) = 2^n·expm1(r) + (2^n − 1), which
 * cancels nothing for n ≠ 0 (expm1(r) and 2^n − 1 have the sign of n, or the sum is far from
 * 0), and is expm1(r) itself for n = 0. For n > 60 the −1 is far below an ulp and the result
 * is 2^n·(expm1(r) + 1), scaled in two steps so that it overflows cleanly.
 */
export function expm1F32(v: Vec, x: X): X {
  const xc = v.let(v.min(v.max(x, v.c(-30)), v.c(89)));
  const { n, r } = reduceLn2F32(v, xc);
  const r2 = v.let(v.mul(r, r));
  const em = v.let(v.fma(r2, v.fma(r, v.poly(r, EXPM1F_Q), v.c(0.5)), r));
  const big = v.let(v.gt(n, v.c(60)));
  const t = v.let(v.pow2(v.min(n, v.c(60))));
  const small = v.fma(t, em, v.sub(t, v.c(1)));
  return v.sel(big, v.scale(v.add(em, v.c(1)), n), small);
}

/**
 * log(u) + c/u for positive normal-or-subnormal f32 lanes u, where c is a small correction
 * (log1p passes the rounding error of 1 + x, log passes 0). Special values are the caller's.
 */
function logCoreF32(v: Vec, u: X, corr?: X): X {
  const sub = v.let(v.lt(u, v.c(2 ** -126)));
  const us = v.let(v.sel(sub, v.mul(u, v.c(2 ** 23)), u));
  // bits + (1.0 − √2/2 in bits): the exponent field then steps at m = √2/2, not at m = 1
  const ix = v.let(v.iadd(us, v.ci(0x3f800000 - 0x3f3504f3)));
  const k = v.let(v.sub(v.toFloat(v.isub(v.shrS(ix, 23), v.ci(127))), v.and(sub, v.c(23))));
  const m = v.iadd(v.and(ix, v.ci(0x7fffff)), v.ci(0x3f3504f3));
  const f = v.let(v.sub(m, v.c(1)));
  const s = v.let(v.div(f, v.add(v.c(2), f)));
  const z = v.let(v.mul(s, s));
  const w = v.let(v.mul(z, z));
  const t1 = v.mul(w, v.fma(w, v.c(LGF[3]!), v.c(LGF[1]!)));
  const t2 = v.mul(z, v.fma(w, v.c(LGF[2]!), v.c(LGF[0]!)));
  const hfsq = v.let(v.mul(v.mul(f, f), v.c(0.5)));
  let lo: X = v.mul(k, v.c(LN2_LO_F32));
  if (corr) lo = v.add(lo, v.div(corr, u));
  // s·(hfsq + R) + (k·ln2_lo + c) − hfsq + f + k·ln2_hi, summed from the smallest term
  const sum = v.add(v.sub(v.add(v.mul(s, v.add(hfsq, v.add(t2, t1))), lo), hfsq), f);
  return v.fma(k, v.c(LN2_HI_F32), sum);
}

function logF32(v: Vec, x: Local): X {
  let res = v.let(logCoreF32(v, x));
  res = v.let(v.sel(v.ge(x, v.c(0)), res, v.c(NaN)));
  res = v.let(v.sel(v.eq(x, v.c(0)), v.c(-Infinity), res));
  return v.sel(v.eq(x, v.c(Infinity)), x, res);
}

/**
 * log1p(x) = log(u) + log(1 + c/u) ≈ log(u) + c/u, where u = fl(1 + x) and c = (1 + x) − u
 * is the exact rounding error (Fast2Sum with the larger of 1 and |x| first).
 */
function log1pF32(v: Vec, x: Local): X {
  const u = v.let(v.add(x, v.c(1)));
  const c = v.sel(v.lt(v.abs(x), v.c(1)), v.sub(x, v.sub(u, v.c(1))), v.sub(v.c(1), v.sub(u, x)));
  let res = v.let(logCoreF32(v, u, c));
  res = v.let(v.sel(v.ge(x, v.c(-1)), res, v.c(NaN)));
  res = v.let(v.sel(v.eq(x, v.c(-1)), v.c(-Infinity), res));
  res = v.let(v.sel(v.eq(x, v.c(Infinity)), x, res));
  return v.sel(v.eq(x, v.c(0)), x, res);
}

/** tanh(x) ≈ x + x·z·P(z), z = x², on |x| < 0.625 (near-minimax fit of (tanh(x) − x)/x³ weighted by x²). */
const TANHF_P = [2.1475276444107294e-3, -8.182662539184093e-3, 2.17029619961977e-2, -5.394720286130905e-2,
  0.13333210349082947, -0.3333333134651184];

/**
 * tanh: the odd polynomial for |x| < 0.625; above, tanh|x| = e/(e + 2) with e = expm1(2|x|)
 * (relative errors only, no cancellation); |x| ≥ 9.5 gives 1.
 */
function tanhF32(v: Vec, x: Local): X {
  const a = v.let(v.abs(x));
  const e = v.let(expm1F32(v, v.mul(v.min(a, v.c(9.5)), v.c(2))));
  const z = v.let(v.mul(a, a));
  const small = v.fma(a, v.mul(z, v.poly(z, TANHF_P)), a);
  return v.copysign(v.sel(v.lt(a, v.c(0.625)), small, v.div(e, v.add(e, v.c(2)))), x);
}

/**
 * logistic(x) = 1/(1 + e^−x): with e = e^−|x| (never overflows), a/(1 + e) with a = 1 for
 * x ≥ 0 and a = e for x < 0. The denominator is kept exactly as s + t (Fast2Sum: s = 1 + e,
 * t = (1 − s) + e), and a/(s + t) ≈ q − q·t/s with q = a/s, which saves the half ulp that
 * rounding 1 + e would cost.
 */
function logisticF32(v: Vec, x: Local): X {
  const e = v.let(expF32(v, v.neg(v.abs(x))));
  const s = v.let(v.add(e, v.c(1)));
  const t = v.add(v.sub(v.c(1), s), e);
  const q = v.let(v.div(v.sel(v.lt(x, v.c(0)), e, v.c(1)), s));
  return v.fnma(q, v.div(t, s), q);
}

/** exp2(x) = 2^n·2^r with n = round(x), r = x − n exact. */
function exp2F32(v: Vec, x: Local): X {
  const xc = v.let(v.min(v.max(x, v.c(-151)), v.c(129)));
  const n = v.let(v.nearest(xc));
  const r = v.let(v.sub(xc, n));
  return v.scale(v.fma(r, v.poly(r, EXP2F_Q), v.c(1)), n);
}

export const EXP_F32: KernelTable = {
  exp: (_m, v, [x]) => expF32(v, x!),
  exp2: (_m, v, [x]) => exp2F32(v, x!),
  expm1: (_m, v, [x]) => v.sel(v.eq(x!, v.c(0)), x!, expm1F32(v, x!)),
  log: (_m, v, [x]) => logF32(v, x!),
  log1p: (_m, v, [x]) => log1pF32(v, x!),
  tanh: (_m, v, [x]) => tanhF32(v, x!),
  logistic: (_m, v, [x]) => logisticF32(v, x!),
};

export const EXP_F64: KernelTable = {};
