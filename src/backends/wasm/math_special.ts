// Special functions for WasmMath (f32): erf, erfc, erf_inv, cbrt, lgamma, digamma.
//
// erf and erfc are evaluated in double precision (math_dsl.ts viaF64), where e^(−x²) of an
// f32 x is accurate (x² is exact in f64), and rounded to f32 once:
//   |x| < 1:  erf(x) = x·E(x²), erfc = 1 − erf (no cancellation worse than 1 − 0.843);
//   |x| ≥ 1:  erfc(a) = e^(−a²)·G(a), a = |x|, with G = erfcx (smooth, ≈ 1/(a√π)) fitted in
//             three pieces: a ∈ [1, 2.25) and [2.25, 4.5) as polynomials in a − centre,
//             a ∈ [4.5, 10.5] in t = 1/a (erfc(10.5) is far below the f32 subnormals);
//             erf = 1 − erfc; negative x by erf(−x) = −erf(x), erfc(−x) = 2 − erfc(x).
// The coefficients are near-minimax fits (mpmath, relative error ≤ 7e-10 per piece).
//
// erf_inv must round exactly as the reference (primitives/special.ts erfInv32, XLA's float32
// ErfInv, which JAX's random.normal goes through): every operation of XLA's algorithm is
// repeated in f64 lanes holding f32 values and rounded to f32 where XLA rounds (a
// demote/promote pair): w = −log1p(−x·x), t = w − 2.5 or √w − 3, nine Horner steps, p·x.
// Each Horner step is XLA:CPU's fused multiply-add, emulated exactly: p·t is exact in f64,
// the f64 sum is rounded to odd (TwoSum gives its error; an inexact sum with an even last bit
// steps one ulp toward the exact value), and that rounds to f32 as the exact sum would.
// relaxed_madd is never used here (it may or may not fuse). log1p is log1pV in f64, which
// rounds to the same f32 as Math.log1p for every f32 input of (−1, 0]; the whole function was
// checked exhaustively against the reference on all 2^31 f32 values of [−1, 1].

import type { Local } from "./builder.js";
import type { KernelTable } from "./math.js";
import { type MathCtx, Vec, type X, viaF64 } from "./math_dsl.js";
import { expV, log1pV, logV } from "./math_exp.js";
import { cosKernel, sinKernel } from "./math_trig.js";

/** erf(x)/x as a polynomial in z = x² on [0, 1] (relative error 8e-13). */
const ERF_E = [1.060115539371365e-6, -1.3914052707924926e-5, 1.1957328903224931e-4, -8.542702892659598e-4,
  5.2237865220515715e-3, -2.686613401103585e-2, 0.11283791318317422, -0.3761263889009864, 1.128379167094713];

/** erfcx pieces: [centre, coefficients of the polynomial in (a or 1/a) − centre, highest first]. */
const ERFC_A1 = { c: 1.625, p: [1.6389365780606767e-5, -5.43741008990959e-5, 1.5522856774110973e-4,
  -4.726287161666708e-4, 1.3938410210983974e-3, -3.926544788962169e-3, 1.0561487258245622e-2, -2.6977885984782644e-2,
  6.496207449335989e-2, -0.14603023713187377, 0.3022612093667842] };
const ERFC_A2 = { c: 3.375, p: [1.3448003907523043e-7, -6.224162087461438e-7, 2.3337779945930243e-6,
  -1.0198502379226164e-5, 4.4274707066812154e-5, -1.8559195274828305e-4, 7.589292452325791e-4, -3.0251808427068016e-3,
  1.1727899844112679e-2, -4.4119458237850115e-2, 0.16063106813413988] };
const ERFC_T = { c: 0.15873015873015872, p: [0.7633310122446714, -1.7117695198422307, 0.5900812778916541,
  0.3469834165297015, -0.4379515094209496, 7.088380005407491e-2, 0.22400567804318977, -0.19490819069741197,
  -0.11935753055864684, 0.5441036710556734, 8.846589935285235e-2] };

/** erfc(a) for a = |x| ≥ 1 in f64 lanes (a clamped to 10.5). */
function erfcTail(v: Vec, a: X): X {
  const ac = v.let(v.min(a, v.c(10.5)));
  const in1 = v.let(v.lt(ac, v.c(2.25)));
  const in2 = v.let(v.lt(ac, v.c(4.5)));
  const u = v.sel(in2, v.sub(ac, v.sel(in1, v.c(ERFC_A1.c), v.c(ERFC_A2.c))), v.sub(v.div(v.c(1), ac), v.c(ERFC_T.c)));
  const g = v.polyPiecewise(v.let(u), [in1, in2], [ERFC_A1.p, ERFC_A2.p, ERFC_T.p]);
  return v.mul(expV(v, v.neg(v.mul(ac, ac))), g);
}

/** f64 core: erf (which = "erf") or erfc of f32 values, accurate to ~1e-9 relative. */
function erfCore(which: "erf" | "erfc") {
  return (_m: MathCtx, v: Vec, [x]: readonly Local[]): X => {
    const a = v.let(v.abs(x!));
    const small = v.let(v.lt(a, v.c(1)));
    const erfSmall = v.let(v.mul(a, v.poly(v.mul(a, a), ERF_E)));
    const tail = v.let(erfcTail(v, a));
    // erf(−0) is +0, as the reference computes it
    if (which === "erf") return v.sel(v.eq(x!, v.c(0)), v.c(0), v.copysign(v.sel(small, erfSmall, v.sub(v.c(1), tail)), x!));
    const r = v.let(v.sel(small, v.sub(v.c(1), erfSmall), tail));
    return v.sel(v.lt(x!, v.c(0)), v.sub(v.c(2), r), r);
  };
}

/** XLA's ErfInv32 coefficients (highest degree first): w < 5 in w − 2.5, w ≥ 5 in √w − 3. */
const ERFINV_LT5 = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
  -0.00417768164, 0.246640727, 1.50140941].map(Math.fround);
const ERFINV_GE5 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
  0.00943887047, 1.00167406, 2.83297682].map(Math.fround);

/** f64 lanes rounded to f32 (and widened back). */
function round32(v: Vec, a: X): X {
  return () => void v.f.op("f64x2.promote_low_f32x4", () => void v.f.op("f32x4.demote_f64x2_zero", a));
}

/**
 * fma(a, b, c) of f32 values in f64 lanes, rounded once to f32: s = a·b + c with a·b exact,
 * its rounding error from TwoSum, s rounded to odd by stepping its bits ±1 (toward the exact
 * value: +1 in magnitude where error and sum share a sign) where inexact and even.
 */
function fma32(v: Vec, a: Local, b: Local, c: X): X {
  const cl = v.let(c);
  const p = v.let(v.mul(a, b));
  const s = v.let(v.add(p, cl));
  const bv = v.let(v.sub(s, p));
  const err = v.let(v.add(v.sub(p, v.sub(s, bv)), v.sub(cl, bv)));
  const fix = v.and(v.ne(err, v.c(0)), v.ieq(v.and(s, v.ci(1)), v.ci(0)));
  const step = v.or(v.shrS(v.xor(s, err), 63), v.ci(1));
  return round32(v, v.iadd(s, v.and(fix, step)));
}

/**
 * f64 core of erf_inv for f32 values, XLA's ErfInv32 step for step (the final p·x is exact in
 * f64 and rounded once by the caller); ±1 → ±Inf, |x| > 1 and NaN → NaN. Emitted without
 * relaxed multiply-add whatever the library's option.
 */
function erfInvCore(_m: MathCtx, fused: Vec, [x]: readonly Local[]): X {
  const v = new Vec(fused.f, "f64", false);
  const m = v.let(round32(v, v.mul(x!, v.neg(x!))));
  const w = v.let(v.neg(round32(v, log1pV(v, m))));
  const small = v.let(v.lt(w, v.c(5)));
  const t = v.let(v.sel(small, round32(v, v.sub(w, v.c(2.5))), round32(v, v.sub(round32(v, v.sqrt(w)), v.c(3)))));
  let p = v.let(v.sel(small, v.c(ERFINV_LT5[0]!), v.c(ERFINV_GE5[0]!)));
  for (let i = 1; i < ERFINV_LT5.length; i++) p = v.let(fma32(v, p, t, v.sel(small, v.c(ERFINV_LT5[i]!), v.c(ERFINV_GE5[i]!))));
  return v.sel(v.eq(v.abs(x!), v.c(1)), v.mul(x!, v.c(Infinity)), v.mul(p, x!));
}

// ---- cbrt ----

/** cbrt on [1, 8): Chebyshev interpolant of degree 3 (absolute error 0.009), the first guess. */
const CBRT_GUESS = [1.6274953380330931e-3, -3.402605365290486e-2, 0.3288364544631474, 0.7167346418604423];

/**
 * cbrt (f32 values in f64 lanes): |x| = m·2^(3k) with m ∈ [1, 8) (from the exponent e = 3k + j,
 * m = mantissa·2^j), a polynomial first guess y ≈ ∛m, two Halley steps
 * y ← y·(y³ + 2m)/(2y³ + m) (cubic convergence: 1e-2 → 1e-6 → 1e-18), then 2^k and the sign.
 */
function cbrtCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const a = v.let(v.abs(x!));
  const e = v.let(v.toFloat(v.isub(v.shrU(a, 52), v.ci(1023))));
  const k = v.let(v.floor(v.div(e, v.c(3))));
  const m = v.let(v.mul(a, v.pow2(v.neg(v.mul(k, v.c(3))))));
  let y = v.let(v.poly(m, CBRT_GUESS));
  for (let i = 0; i < 2; i++) {
    const y3 = v.let(v.mul(v.mul(y, y), y));
    y = v.let(v.div(v.mul(y, v.add(y3, v.add(m, m))), v.add(v.add(y3, y3), m)));
  }
  const res = v.copysign(v.mul(y, v.pow2(k)), x!);
  return v.sel(v.or(v.eq(a, v.c(0)), v.eq(a, v.c(Infinity))), x!, res);
}

// ---- lgamma and digamma: the reference's float64 algorithms, step for step ----

/** The reference's Lanczos approximation (g = 7, 9 terms) and its ½·log(2π). */
const LANCZOS_G = 7;
const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * sin and cos of t = π·r for |r| ≤ 1/2, as the reference forms them (π·r rounded, then sin):
 * the kernels directly for |t| ≤ π/4, else through u = π/2 − |t| (π/2 in two parts).
 */
function sinCosPi(v: Vec, r: X): { s: X; c: X } {
  const t = v.let(v.mul(v.c(Math.PI), r));
  const ta = v.let(v.abs(t));
  const u = v.let(v.add(v.sub(v.c(1.57079632673412561417), ta), v.c(6.07710050650619224932e-11)));
  const big = v.let(v.gt(ta, v.c(Math.PI / 4)));
  const zt = v.let(v.mul(t, t));
  const zu = v.let(v.mul(u, u));
  const s = v.sel(big, v.copysign(cosKernel(v, zu), t), sinKernel(v, t, zt));
  const c = v.sel(big, sinKernel(v, u, zu), cosKernel(v, zt));
  return { s, c };
}

/** The Lanczos sum for y ≥ 1/2: ½log(2π) + (z + ½)·log(t) − t + log(A(z)), z = y − 1, t = z + g + ½. */
function lanczos(v: Vec, y: X): X {
  const z = v.let(v.sub(y, v.c(1)));
  let a: X = v.c(LANCZOS[0]!);
  for (let i = 1; i < LANCZOS.length; i++) a = v.add(a, v.div(v.c(LANCZOS[i]!), v.add(z, v.c(i))));
  const t = v.let(v.add(v.add(z, v.c(LANCZOS_G)), v.c(0.5)));
  return v.add(v.sub(v.add(v.c(LOG_SQRT_2PI), v.mul(v.add(z, v.c(0.5)), logV(v, t))), t), logV(v, v.let(a)));
}

/**
 * lgamma: Lanczos for x ≥ 1/2, else the reflection log|Γ(x)| = log(π/|sin(πx)|) − log|Γ(1 − x)|
 * with sin evaluated on x − round(x); poles and ±Inf give +Inf.
 */
function lgammaCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const refl = v.let(v.lt(x!, v.c(0.5)));
  const L = v.let(lanczos(v, v.sel(refl, v.sub(v.c(1), x!), x!)));
  const { s } = sinCosPi(v, v.sub(x!, v.nearest(x!)));
  const reflected = v.sub(logV(v, v.let(v.div(v.c(Math.PI), v.abs(s)))), L);
  const res = v.let(v.sel(refl, reflected, L));
  const inf = v.or(v.and(refl, v.eq(v.floor(x!), x!)), v.eq(x!, v.c(Infinity)));
  return v.sel(inf, v.c(Infinity), res);
}

/**
 * digamma: for x < 1/2 the reflection ψ(x) = ψ(1 − x) − π/tan(πx); then ψ(x) = ψ(x + 1) − 1/x
 * until every lane is ≥ 10 (a loop while any lane is below, the others masked), then
 * log x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ). Non-positive integers give NaN, +Inf gives +Inf.
 */
function digammaCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  const f = v.f;
  const refl = v.let(v.lt(x!, v.c(0.5)));
  const { s, c } = sinCosPi(v, v.sub(x!, v.nearest(x!)));
  const acc = v.let(v.and(refl, v.div(v.c(-Math.PI), v.div(s, c))));
  const y = v.let(v.sel(refl, v.sub(v.c(1), x!), x!));
  f.block((exit) =>
    f.loop((top) => {
      const below = v.let(v.lt(y, v.c(10)));
      f.brIf(exit, () => f.op("i32.eqz", v.any(below)));
      v.set(acc, v.sub(acc, v.and(below, v.div(v.c(1), y))));
      v.set(y, v.add(y, v.and(below, v.c(1))));
      f.br(top);
    }),
  );
  const r2 = v.let(v.div(v.c(1), v.mul(y, y)));
  const nest = (k: number, inner: X): X => v.sub(v.c(k), v.mul(r2, inner));
  const series = v.mul(r2, nest(1 / 12, nest(1 / 120, nest(1 / 252, nest(1 / 240, nest(1 / 132,
    nest(691 / 32760, v.div(r2, v.c(12)))))))));
  const res = v.let(v.sub(v.sub(v.add(acc, logV(v, y)), v.div(v.c(0.5), y)), series));
  const pole = v.and(v.le(x!, v.c(0)), v.eq(v.floor(x!), x!));
  return v.sel(v.eq(x!, v.c(Infinity)), x!, v.sel(pole, v.c(NaN), res));
}

export const SPECIAL_F32: KernelTable = {
  cbrt: (m, v, args) => viaF64(m, v, "cbrt_core", cbrtCore, args),
  lgamma: (m, v, args) => viaF64(m, v, "lgamma_core", lgammaCore, args),
  digamma: (m, v, args) => viaF64(m, v, "digamma_core", digammaCore, args),
  erf: (m, v, args) => viaF64(m, v, "erf_core", erfCore("erf"), args),
  erfc: (m, v, args) => viaF64(m, v, "erfc_core", erfCore("erfc"), args),
  erf_inv: (m, v, args) => viaF64(m, v, "erf_inv_core", erfInvCore, args),
};
