// Trigonometric functions for WasmMath: sin, cos, tan, atan, atan2, asin, acos (f32), all
// evaluated in double precision and rounded to f32 once (as musl's sinf does).
//
// Range reduction x = q·π/2 + r, |r| ≤ π/4, q mod 4 picking ±sin r or ±cos r:
// - Cody–Waite for |x| < 2^19: n = round(x·2/π), r = ((x − n·P1) − n·P2) − n·P3 with π/2 split
//   into P1 + P2 + P3 (33, 32 and 28 significant bits, fdlibm's pio2_1, pio2_2, pio2_3), so
//   every product is exact for n < 2^20; x − n·P1 is exact, and the next subtraction either
//   cancels exactly (Sterbenz) or rounds relative to its result, so r keeps ~2^-52 relative
//   accuracy even when x lies close to a multiple of π/2.
// - Payne–Hanek above (taken only when some lane needs it): with x = M·2^E (M a 24-bit
//   integer) and 2/π = Σ d_k·2^(−24k) (24-bit digits d_k), x·2/π = Σ M·d_k·2^(E−24k); the
//   digits whose terms are multiples of 4 are skipped (k < k0), the next four give four exact
//   f64 products A, B, C, D. Their sum mod 4 is formed exactly in integer and fraction parts,
//   q = its nearest integer and r = (sum − q)·π/2.
// Kernels on |r| ≤ π/4: fdlibm's sin r = r + r³·S(r²), cos r = 1 − r²/2 + r⁴·C(r²); tan as
// their quotient.

import type { Local } from "./builder.js";
import type { KernelTable } from "./math.js";
import { type MathCtx, type Vec, type X, viaF64 } from "./math_dsl.js";

const PIO2_1 = 1.57079632673412561417e0;
const PIO2_2 = 6.07710050630396597660e-11;
const PIO2_3 = 2.02226624871116645580e-21;

/** 24-bit digits of 2/π: d_1, d_2, … (2/π = Σ d_k·2^(−24k)). */
const TWO_OVER_PI_DIGITS = [0xa2f983, 0x6e4e44, 0x1529fc, 0x2757d1, 0xf534dd, 0xc0db62, 0x95993c, 0x439041];

/** fdlibm __kernel_sin S6..S1 and __kernel_cos C6..C1. */
const SIN_S = [1.58969099521155010221e-10, -2.50507602534068634195e-8, 2.75573137070700676789e-6,
  -1.98412698298579493134e-4, 8.33333333332248946124e-3, -1.66666666666666324348e-1];
const COS_C = [-1.13596475577881948265e-11, 2.08757232129817482790e-9, -2.75573143513906633035e-7,
  2.48015872894767294178e-5, -1.38888888888741095749e-3, 4.16666666666666019037e-2];

/** x mod 4 for integer-valued lanes. */
function mod4(v: Vec, n: X): X {
  const l = v.let(n);
  return v.sub(l, v.mul(v.c(4), v.floor(v.mul(l, v.c(0.25)))));
}

/**
 * Payne–Hanek for f64 lanes holding f32 values with 2^19 ≤ |x| < Inf: q (0..3) and r in
 * radians with x ≡ q·π/2 + r.
 */
function reduceLarge(v: Vec, x: Local): { q: X; r: X } {
  const a = v.let(v.abs(x));
  const ex = v.let(v.toFloat(v.isub(v.shrU(a, 52), v.ci(1023))));
  const M = v.let(v.mul(a, v.pow2(v.sub(v.c(23), ex)))); // a = M·2^E, M ∈ [2^23, 2^24)
  const E = v.let(v.sub(ex, v.c(23)));
  // first digit whose term M·d_k·2^(E−24k) is not a multiple of 4: E − 24k ≤ 2
  const k0 = v.let(v.max(v.c(1), v.ceil(v.div(v.sub(E, v.c(2)), v.c(24)))));
  const is = [2, 3, 4, 5].map((k) => v.let(v.eq(k0, v.c(k))));
  const digit = (i: number): X => {
    let d = v.c(TWO_OVER_PI_DIGITS[i]!);
    for (let k = 4; k >= 1; k--) d = v.sel(is[k - 1]!, v.c(TWO_OVER_PI_DIGITS[i + k]!), d);
    return d;
  };
  const e = v.let(v.sub(E, v.mul(k0, v.c(24)))); // in [−21, 2]
  const term = (i: number) => v.let(v.mul(v.mul(M, digit(i)), v.pow2(v.sub(e, v.c(24 * i)))));
  const A = term(0);
  const B = term(1);
  const C = term(2);
  const D = term(3);
  const Bi = v.let(v.floor(B));
  const Ci = v.let(v.floor(C));
  // integer-and-high part mod 4 (exact: multiples of 2^e below 2^27), then its fraction
  const I = v.let(mod4(v, v.add(v.add(mod4(v, A), Bi), Ci)));
  const Ii = v.let(v.floor(I));
  const F = v.let(v.add(v.sub(I, Ii), v.sub(B, Bi))); // exact: multiples of 2^(e−24) below 2
  const Cf = v.let(v.sub(C, Ci));
  const qf = v.let(v.nearest(v.add(F, Cf)));
  const turns = v.add(v.add(v.sub(F, qf), Cf), D);
  const q = v.let(mod4(v, v.add(Ii, qf)));
  const r = v.let(v.mul(turns, v.c(Math.PI / 2)));
  // x < 0: x = (−q)·π/2 + (−r)
  const neg = v.let(v.lt(x, v.c(0)));
  return { q: v.sel(neg, mod4(v, v.sub(v.c(4), q)), q), r: v.sel(neg, v.neg(r), r) };
}

/** x = q·π/2 + r for f64 lanes holding f32 values; q ∈ {0, 1, 2, 3} as floats. */
function reduce(v: Vec, x: Local): { q: Local; r: Local } {
  const n = v.let(v.nearest(v.mul(x, v.c(2 / Math.PI))));
  const r = v.let(v.sub(v.sub(v.sub(x, v.mul(n, v.c(PIO2_1))), v.mul(n, v.c(PIO2_2))), v.mul(n, v.c(PIO2_3))));
  const q = v.let(mod4(v, n));
  const a = v.abs(x);
  const big = v.let(v.and(v.ge(a, v.c(2 ** 19)), v.lt(a, v.c(Infinity))));
  v.f.if(v.any(big), () => {
    const large = reduceLarge(v, x);
    v.set(r, v.sel(big, large.r, r));
    v.set(q, v.sel(big, large.q, q));
  });
  return { q, r };
}

export function sinKernel(v: Vec, r: Local, z: Local): X {
  return v.fma(v.mul(r, z), v.poly(z, SIN_S), r);
}

/** cos r = w + (((1 − w) − z/2) + z²·C(z)) with w = 1 − z/2 (fdlibm's compensated form). */
export function cosKernel(v: Vec, z: Local): X {
  const hz = v.let(v.mul(z, v.c(0.5)));
  const w = v.let(v.sub(v.c(1), hz));
  return v.add(w, v.fma(v.mul(z, z), v.poly(z, COS_C), v.sub(v.sub(v.c(1), w), hz)));
}

/** f64 core of sin, cos or tan for f32 values. */
function trigCore(which: "sin" | "cos" | "tan") {
  return (_m: MathCtx, v: Vec, [x]: readonly Local[]): X => {
    const { q, r } = reduce(v, x!);
    const z = v.let(v.mul(r, r));
    const s = v.let(sinKernel(v, r, z));
    const c = v.let(cosKernel(v, z));
    const odd = v.let(v.eq(v.sub(q, v.mul(v.c(2), v.floor(v.mul(q, v.c(0.5))))), v.c(1)));
    let res: X;
    if (which === "tan") {
      res = v.sel(odd, v.div(v.neg(c), s), v.div(s, c));
    } else if (which === "sin") {
      // sin: q = 0 → s, 1 → c, 2 → −s, 3 → −c
      res = v.mulsign(v.sel(odd, c, s), v.sub(v.c(1.5), q));
    } else {
      // cos: q = 0 → c, 1 → −s, 2 → −c, 3 → s
      const flip = v.or(v.eq(q, v.c(1)), v.eq(q, v.c(2)));
      res = v.xor(v.sel(odd, s, c), v.and(flip, v.signMask));
    }
    // sin and tan keep the sign of a zero argument
    return which === "cos" ? res : v.sel(v.eq(x!, v.c(0)), x!, res);
  };
}

// ---- inverse functions ----

/** fdlibm atan: atan(k/2) = hi + lo for k = 1, 2, 3 and atan(∞) = π/2 (hi, lo), and aT0..aT10. */
const ATAN_HI = [4.63647609000806093515e-1, 7.85398163397448278999e-1, 9.82793723247329054082e-1, 1.57079632679489655800e0];
const ATAN_LO = [2.26987774529616870924e-17, 3.06161699786838301793e-17, 1.39033110312309984516e-17, 6.12323399573676603587e-17];
const AT_ODD = [1.62858201153657823623e-2, 4.97687799461593236017e-2, 6.66107313738753120669e-2, 9.09088713343650656196e-2,
  1.42857142725034663711e-1, 3.33333333333329318027e-1];
const AT_EVEN = [-3.65315727442169155270e-2, -5.83357013379057348645e-2, -7.69187620504482999495e-2,
  -1.11111104054623557880e-1, -1.99999999998764832476e-1];

/**
 * atan (f64 lanes), fdlibm's method without branches: a = |x| is reduced by the interval it
 * falls in to t = (α·a − β)/(γ + δ·a), i.e. a itself on [0, 7/16), (2a − 1)/(2 + a) on
 * [7/16, 11/16), (a − 1)/(a + 1) on [11/16, 19/16), (a − 1.5)/(1 + 1.5a) on [19/16, 39/16) and
 * −1/a beyond, so that atan(a) = atan(c) + atan(t) with c = 0, 1/2, 1, 3/2, ∞ and |t| ≤ 7/16;
 * atan(t) = t − t·(z·Podd(z²) + z²·Peven(z²)), z = t².
 */
export function atanV(v: Vec, x: X): X {
  const xl = v.let(x);
  const a = v.let(v.abs(xl));
  const m = [7 / 16, 11 / 16, 19 / 16, 39 / 16].map((b) => v.let(v.lt(a, v.c(b))));
  // per interval: [α, β, γ, δ, atan(c) hi, lo]
  const rows = [[1, 0, 1, 0, 0, 0], [2, 1, 2, 1, ATAN_HI[0]!, ATAN_LO[0]!], [1, 1, 1, 1, ATAN_HI[1]!, ATAN_LO[1]!],
    [1, 1.5, 1, 1.5, ATAN_HI[2]!, ATAN_LO[2]!], [0, -1, 0, 1, ATAN_HI[3]!, ATAN_LO[3]!]];
  const pick = (j: number): X => {
    let c = v.c(rows[4]![j]!);
    for (let i = 3; i >= 0; i--) c = v.sel(m[i]!, v.c(rows[i]![j]!), c);
    return c;
  };
  // (the last interval takes −1/a apart, as 0·a would be NaN at a = Inf)
  const t = v.let(v.div(v.sel(m[3]!, v.sub(v.mul(a, pick(0)), pick(1)), v.c(-1)), v.sel(m[3]!, v.fma(a, pick(3), pick(2)), a)));
  const z = v.let(v.mul(t, t));
  const w = v.let(v.mul(z, z));
  const ts = v.mul(t, v.add(v.mul(z, v.poly(w, AT_ODD)), v.mul(w, v.poly(w, AT_EVEN))));
  // atan(c)_hi − ((t·(s1 + s2) − atan(c)_lo) − t)
  return v.copysign(v.sub(pick(4), v.sub(v.sub(ts, pick(5)), t)), xl);
}

/**
 * atan2(y, x) as JavaScript's Math.atan2 (the reference), for f32 values in f64 lanes:
 * θ = atan(|y|/|x|) (the quotient cannot overflow for f32 operands; two infinities count as
 * a unit diagonal; y = ±0 gives θ = 0 even over x = ±0), π − θ where x has its sign bit set,
 * and the sign of y.
 */
function atan2Core(_m: MathCtx, v: Vec, [y, x]: readonly Local[]): X {
  const bothInf = v.let(v.and(v.eq(v.abs(y!), v.c(Infinity)), v.eq(v.abs(x!), v.c(Infinity))));
  const ay = v.sel(bothInf, v.c(1), v.abs(y!));
  const ax = v.sel(bothInf, v.c(1), v.abs(x!));
  const theta = v.let(v.sel(v.eq(y!, v.c(0)), v.c(0), atanV(v, v.div(ay, ax))));
  const negX = v.lt(v.copysign(v.c(1), x!), v.c(0));
  const res = v.copysign(v.sel(negX, v.sub(v.c(Math.PI), theta), theta), y!);
  return v.sel(v.or(v.isNan(x!), v.isNan(y!)), v.c(NaN), res);
}

/** asin x = atan(x/√(1 − x²)): x² and 1 − x² are exact in f64 for f32 x; ±1 → ±π/2, |x| > 1 → NaN. */
function asinCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  return atanV(v, v.div(x!, v.sqrt(v.sub(v.c(1), v.mul(x!, x!)))));
}

/** acos x = 2·atan(√((1 − x)/(1 + x))): −1 → π, 1 → 0, |x| > 1 → NaN. */
function acosCore(_m: MathCtx, v: Vec, [x]: readonly Local[]): X {
  return v.mul(v.c(2), atanV(v, v.sqrt(v.div(v.sub(v.c(1), x!), v.add(v.c(1), x!)))));
}

export const TRIG_F32: KernelTable = {
  atan: (m, v, args) => viaF64(m, v, "atan_core", (_c, w, [x]) => atanV(w, x!), args),
  atan2: (m, v, args) => viaF64(m, v, "atan2_core", atan2Core, args),
  asin: (m, v, args) => viaF64(m, v, "asin_core", asinCore, args),
  acos: (m, v, args) => viaF64(m, v, "acos_core", acosCore, args),
  sin: (m, v, args) => viaF64(m, v, "sin_core", trigCore("sin"), args),
  cos: (m, v, args) => viaF64(m, v, "cos_core", trigCore("cos"), args),
  tan: (m, v, args) => viaF64(m, v, "tan_core", trigCore("tan"), args),
};
