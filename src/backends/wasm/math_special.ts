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
// erf_inv must round exactly as the reference (the float64 Halley iteration of
// primitives/special.ts, rounded to f32; not XLA's float32 polynomial, so if the reference
// ever switches to that, this must follow), so it is evaluated in double precision to well
// under 1e-16 relative: with w = −log(1 − x²) (x² exact in f64, so log1p(−x²) is accurate),
// erf⁻¹(x) = x·P(w), P in three pieces (as in Giles's approximation): w ∈ [0, 2.5) and
// [2.5, 6.25) as polynomials in w − centre, [6.25, 16.7] (the f32 inputs reach w ≈ 15.95) in
// √w − centre; degree 19 Chebyshev interpolants (mpmath chebyfit, ≤ 6e-17 before rounding),
// the last Horner step and the product with x compensated. Checked exhaustively: all 2^30
// f32 values in [0, 1) round as the reference.

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

/**
 * erf⁻¹(x)/x pieces: centre, Chebyshev-interpolant coefficients in (w or √w) − centre (highest
 * first), and the rounding error of the constant coefficient.
 */
const ERFINV_W1 = { c: 1.25, lo: -4.556758248432602e-17, p: [8.70563901108034e-17, 1.5596048571540174e-16, -4.863214609614359e-15,
  2.9359932765062104e-15, 2.0673338513781348e-13, -6.640046807506939e-13, -7.336443454847759e-12, 4.8944141283266295e-11,
  1.943282837845773e-10, -2.7212663857161548e-9, -1.24384395654257e-9, 1.275697736860333e-7, -3.1259913864033825e-7,
  -5.045205667827121e-6, 3.115589701032817e-5, 1.4359068278554853e-4, -2.2537786154293834e-3, 2.5116852200251063e-3,
  0.24951963332550722, 1.1895615771387744] };
const ERFINV_W2 = { c: 4.375, lo: 1.0848649738774899e-16, p: [-1.283111086423148e-18, 2.4023462238175727e-17, -1.1479818886518367e-16,
  -6.695829491201415e-16, 1.3017927333726178e-14, -7.481575823502337e-14, -1.3172384784920302e-13, 5.886563680484135e-12,
  -4.5633523581126136e-11, 4.791886603008403e-11, 2.451551303945235e-9, -2.592093985254884e-8, 8.770586321387445e-8,
  8.293230320598186e-7, -1.3990673956593268e-5, 9.109592880512472e-5, -4.6851095100830865e-5, -7.358237753335539e-3,
  0.22287640619945182, 1.9433881388590748] };
const ERFINV_S = { c: 3.293281674170255, lo: -1.3018321027261065e-16, p: [-9.639721287272992e-9, -7.490163037092395e-9, 1.1344068888020126e-7,
  -1.8591514523674982e-7, -1.6799753976705217e-7, 1.4372516896272952e-6, -3.1022124993204015e-6, 9.305456247193823e-7,
  1.3448827408983197e-5, -4.110817320515188e-5, 4.913305469808311e-5, 4.681334267859535e-5, -3.425572835134537e-4,
  8.474145793164562e-4, -1.4545452111201335e-3, 2.1518717624879513e-3, -3.3499974078707753e-3, 4.910522364940436e-3,
  1.005703589838519, 3.1274046672867413] };

/**
 * f64 core of erf_inv for f32 values: x·P(w); ±1 → ±Inf, |x| > 1 → NaN. Emitted without fused
 * multiply-add whatever the library's option, since its rounding is part of the contract.
 */
function erfInvCore(_m: MathCtx, fused: Vec, [x]: readonly Local[]): X {
  const v = new Vec(fused.f, "f64", false);
  const mx2 = v.let(v.neg(v.mul(x!, x!)));
  const w = v.let(v.neg(log1pV(v, mx2)));
  const in1 = v.let(v.lt(w, v.c(2.5)));
  const in2 = v.let(v.lt(w, v.c(6.25)));
  const u = v.sel(in2, v.sub(w, v.sel(in1, v.c(ERFINV_W1.c), v.c(ERFINV_W2.c))), v.sub(v.sqrt(w), v.c(ERFINV_S.c)));
  const ul = v.let(u);
  const pieces = [ERFINV_W1, ERFINV_W2, ERFINV_S];
  const t = v.let(v.mul(ul, v.polyPiecewise(ul, [in1, in2], pieces.map((q) => q.p.slice(0, -1)))));
  const pick = (f: (q: (typeof pieces)[number]) => number) =>
    v.sel(in1, v.c(f(ERFINV_W1)), v.sel(in2, v.c(f(ERFINV_W2)), v.c(f(ERFINV_S))));
  // the last Horner step c0 + t as hi + lo (Fast2Sum, |c0| > |t|, plus c0's own rounding
  // error), and x·(hi + lo) with hi split in halves (Veltkamp) so that x·hi is exact: this
  // keeps the result within ~0.6 ulp of f64 instead of ~1.2
  const c0 = v.let(pick((q) => q.p[q.p.length - 1]!));
  const hi = v.let(v.add(c0, t));
  const lo = v.add(v.add(v.sub(c0, hi), t), pick((q) => q.lo));
  const g = v.let(v.mul(hi, v.c(2 ** 27 + 1)));
  const hh = v.let(v.sub(g, v.sub(g, hi)));
  const prod = v.add(v.mul(x!, hh), v.add(v.mul(x!, v.sub(hi, hh)), v.mul(x!, lo)));
  const a = v.let(v.abs(x!));
  const r = v.let(v.sel(v.lt(a, v.c(1)), v.sel(v.eq(x!, v.c(0)), x!, prod), v.c(NaN)));
  return v.sel(v.eq(a, v.c(1)), v.mul(x!, v.c(Infinity)), r);
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
