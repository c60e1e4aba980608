// Special functions and miscellaneous elementwise primitives: erf, erfc, erf_inv, lgamma,
// digamma, is_finite, nextafter, clamp, iota. The reference kernels of erf, erfc, lgamma and
// digamma compute in float64 with accurate algorithms (a positive-term series and a continued
// fraction for erf/erfc, the Lanczos approximation for lgamma, recurrence plus the asymptotic
// series for digamma) and round to the output dtype when they store; erf_inv follows XLA's
// float32 and float64 approximations operation for operation, so that jax.random.normal's
// bits are JAX's.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, isFloat, isInt, typedArrayFor } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { shapeStr } from "../core/shape.js";
import { bind, bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { and_p } from "./bitwise.js";
import { elementwise, mapKernel, moveBatchAxis } from "./util.js";

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

// ---- scalar kernels (float64) ----

/**
 * e^(−x²) without the rounding error of x² (which e^ would amplify by x²): with h = x rounded
 * to float32, h² is exact in float64 and x² − h² = (x − h)(x + h) is small.
 */
function expNegSq(x: number): number {
  const h = Math.fround(x);
  return Math.exp(-h * h) * Math.exp(-(x - h) * (x + h));
}

/** erf(x) for 0 ≤ x < 1.5: 2/√π·e^(−x²)·Σ (2x²)ⁿ x / (1·3·…·(2n+1)), a series of positive terms. */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (2 * x2) / (2 * n + 1);
    sum += term;
    if (term <= 1e-17 * sum) break;
  }
  return TWO_OVER_SQRT_PI * expNegSq(x) * sum;
}

/**
 * erfc(x) for x ≥ 1 by the continued fraction erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x +
 * (3/2)/(x + …)))), evaluated with the modified Lentz method (under 200 terms for x ≥ 1).
 */
function erfcContinuedFraction(x: number): number {
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 1000; n++) {
    const a = n / 2;
    d = 1 / (x + a * d);
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return expNegSq(x) / (Math.sqrt(Math.PI) * f);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const r = a < 1.5 ? erfSeries(a) : a > 6 ? 1 : 1 - erfcContinuedFraction(a);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  const r = a < 1 ? 1 - erfSeries(a) : a > 27 ? 0 : erfcContinuedFraction(a);
  return x < 0 ? 2 - r : r;
}

// ---- erf_inv: XLA's approximations (chlo.erf_inv), rounded as XLA:CPU rounds them ----
//
// JAX lowers lax.erf_inv to chlo.erf_inv, which XLA expands into Giles' approximations
// ("Approximating the erfinv function", GPU Computing Gems, 2011): with w = −log1p(−x·x),
// erf⁻¹(x) = x·P(t), P a polynomial in t = w − c or t = √w − c chosen per element by w, its
// coefficients selected per element and evaluated as one Horner chain p ← p·t + cᵢ, which
// XLA:CPU compiles with floating-point contraction, i.e. each step as one fused multiply-add
// (a single rounding). erf⁻¹(±1) = ±∞; |x| > 1 and NaN give NaN (log1p of < −1).
// The kernels below repeat every operation in the operand's precision with IEEE rounding, and
// each Horner step as an exactly rounded FMA, so that they reproduce XLA's bits; only log1p
// is Math.log1p (in float32, the float64 value rounded once, as scripts/random_ref.py
// computes it; XLA's own float32 log1p may differ from that in the last place).

const f64View = new Float64Array(1);
const u32View = new Uint32Array(f64View.buffer);
/** Index of the low 32-bit word of a float64 in u32View (platform byte order). */
const LOW = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 0 : 1;

/** The rounding error of s = fl(a + b): a + b = s + err exactly (Knuth's TwoSum). */
function twoSumErr(a: number, b: number, s: number): number {
  const bv = s - a;
  return a - (s - bv) + (b - bv);
}

/**
 * s = fl(a + b) rounded to odd instead of to nearest, given err = a + b − s: where the sum is
 * inexact and s's last bit is even, s steps one ulp toward the exact sum (whose neighbour it
 * then is, with an odd last bit). A sum rounded to odd with k ≥ 2 more bits than the target
 * precision rounds to nearest in that precision exactly as the exact sum would.
 */
function roundToOdd(s: number, err: number): number {
  if (err === 0 || !Number.isFinite(s)) return s;
  f64View[0] = s;
  const lo = u32View[LOW]!;
  if ((lo & 1) === 1) return s;
  if (err > 0 === s > 0) {
    u32View[LOW] = lo + 1; // away from zero (the last bit is 0: no carry)
  } else if (lo !== 0) {
    u32View[LOW] = lo - 1; // toward zero
  } else {
    u32View[LOW] = 0xffffffff;
    u32View[1 - LOW] = u32View[1 - LOW]! - 1;
  }
  return f64View[0]!;
}

/**
 * fma(a, b, c) for float32 a, b, c, rounded once to float32: a·b is exact in float64 (24 + 24
 * bits), the float64 sum rounded to odd carries 29 extra bits, so rounding it to float32
 * gives the correctly rounded fused result.
 */
export function fma32(a: number, b: number, c: number): number {
  const p = a * b;
  const s = p + c;
  return Math.fround(roundToOdd(s, twoSumErr(p, c, s)));
}

const SPLIT = 134217729; // 2^27 + 1 (Veltkamp)

/**
 * fma(a, b, c) in float64 with one rounding (Boldo & Melquiond, "Emulation of FMA and
 * correctly rounded sums: proved algorithms using rounding to odd", 2008): a·b = uh + ul
 * exactly (Dekker's product), c + uh = th + tl exactly (TwoSum), v = tl + ul rounded to odd,
 * then th + v rounded to nearest. Valid while a·b and c stay clear of overflow (|a|, |b| <
 * 2^995) and the partial products of underflow, as in erf_inv's Horner steps.
 */
export function fma64(a: number, b: number, c: number): number {
  const uh = a * b;
  const th = c + uh;
  if (!Number.isFinite(th)) return th;
  let t = SPLIT * a;
  const ah = t - (t - a);
  const al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b);
  const bl = b - bh;
  const ul = ah * bh - uh + ah * bl + al * bh + al * bl;
  const tl = twoSumErr(c, uh, th);
  const s = tl + ul;
  return th + roundToOdd(s, twoSumErr(tl, ul, s));
}

/** XLA's float32 coefficients (highest degree first) for w < 5 (in w − 2.5) and w ≥ 5 (in √w − 3). */
const ERFINV32_LT5 = [2.81022636e-8, 3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503,
  -0.00417768164, 0.246640727, 1.50140941].map(Math.fround);
const ERFINV32_GE5 = [-0.000200214257, 0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613,
  0.00943887047, 1.00167406, 2.83297682].map(Math.fround);

/**
 * erf⁻¹ in float32, as XLA's ErfInv32: w = −log1p(−x·x) (x·x rounded to float32, log1p
 * rounded once), t = w − 2.5 for w < 5 else √w − 3, p = P(t) by fused Horner steps, p·x.
 */
export function erfInv32(x: number): number {
  const w = -Math.fround(Math.log1p(Math.fround(x * -x)));
  const small = w < 5;
  const t = small ? Math.fround(w - 2.5) : Math.fround(Math.fround(Math.sqrt(w)) - 3);
  const c = small ? ERFINV32_LT5 : ERFINV32_GE5;
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = fma32(p, t, c[i]!);
  return Math.abs(x) === 1 ? x * Infinity : Math.fround(p * x);
}

/** XLA's float64 coefficients (highest degree first) for w < 6.25 (in w − 3.125), w < 16 (√w − 3.25), w ≥ 16 (√w − 5). */
const ERFINV64_LT625 = [-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
  1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17, 6.6376381343583238325e-15,
  -4.0545662729752068639e-14, -8.1519341976054721522e-14, 2.6335093153082322977e-12, -1.2975133253453532498e-11,
  -5.4154120542946279317e-11, 1.051212273321532285e-9, -4.1126339803469836976e-9, -2.9070369957882005086e-8,
  4.2347877827932403518e-7, -1.3654692000834678645e-6, -1.3882523362786468719e-5, 0.0001867342080340571352,
  -0.00074070253416626697512, -0.0060336708714301490533, 0.24015818242558961693, 1.6536545626831027356];
const ERFINV64_LT16 = [2.2137376921775787049e-9, 9.0756561938885390979e-8, -2.7517406297064545428e-7,
  1.8239629214389227755e-8, 1.5027403968909827627e-6, -4.013867526981545969e-6, 2.9234449089955446044e-6,
  1.2475304481671778723e-5, -4.7318229009055733981e-5, 6.8284851459573175448e-5, 2.4031110387097893999e-5,
  -0.0003550375203628474796, 0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
  -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334, 3.0838856104922207635];
const ERFINV64_GE16 = [-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-9,
  -3.7894654401267369937e-9, 7.6157012080783393804e-9, -1.4960026627149240478e-8, 2.9147953450901080826e-8,
  -6.7711997758452339498e-8, 2.2900482228026654717e-7, -9.9298272942317002539e-7, 4.5260625972231537039e-6,
  -1.9681778105531670567e-5, 7.5995277030017761139e-5, -0.00021503011930044477347, -0.00013871931833623122026,
  1.0103004648645343977, 4.8499064014085844221];

/**
 * erf⁻¹ in float64, as XLA's ErfInv64: w = −log1p(−x·x); for w < 6.25 a degree-22 polynomial
 * in w − 3.125, for w < 16 degree 18 in √w − 3.25, else degree 16 in √w − 5. XLA runs one
 * Horner chain over the per-element coefficients, the shorter polynomials dropping out of its
 * last steps; each step is a fused multiply-add.
 */
export function erfInv64(x: number): number {
  const w = -Math.log1p(x * -x);
  const c = w < 6.25 ? ERFINV64_LT625 : w < 16 ? ERFINV64_LT16 : ERFINV64_GE16;
  const t = w < 6.25 ? w - 3.125 : Math.sqrt(w) - (w < 16 ? 3.25 : 5);
  let p = c[0]!;
  for (let i = 1; i < c.length; i++) p = fma64(p, t, c[i]!);
  return Math.abs(x) === 1 ? x * Infinity : p * x;
}

// Lanczos approximation with g = 7 and 9 terms (relative error ~1e-15 for x ≥ 1/2).
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/**
 * log|Γ(x)|. For x ≥ 1/2: ½log(2π) + (x − ½)·log(t) − t + log(A(x)) with t = x + g − ½; below
 * that the reflection Γ(x)Γ(1 − x) = π / sin(πx), with sin evaluated on x − round(x) for accuracy.
 * Poles (non-positive integers) give +∞.
 */
export function lgamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x === Infinity) return Infinity;
  if (x < 0.5) {
    if (x === Math.floor(x)) return Infinity;
    const s = Math.abs(Math.sin(Math.PI * (x - Math.round(x))));
    return Math.log(Math.PI / s) - lgamma(1 - x);
  }
  const z = x - 1;
  let a = LANCZOS[0]!;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return LOG_SQRT_2PI + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/**
 * ψ(x) = d/dx log Γ(x). For x < 1/2 the reflection ψ(x) = ψ(1 − x) − π·cot(πx) (cot evaluated
 * on x − round(x)); then the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10 and the asymptotic
 * series log x − 1/(2x) − Σ B₂ₖ/(2k·x²ᵏ). Poles (non-positive integers) give NaN, as in XLA.
 */
export function digamma(x: number): number {
  if (Number.isNaN(x) || (x <= 0 && x === Math.floor(x))) return NaN;
  if (x === Infinity) return Infinity;
  let acc = 0;
  if (x < 0.5) {
    acc = -Math.PI / Math.tan(Math.PI * (x - Math.round(x)));
    x = 1 - x;
  }
  while (x < 10) {
    acc -= 1 / x;
    x += 1;
  }
  const r2 = 1 / (x * x);
  const series =
    r2 * (1 / 12 - r2 * (1 / 120 - r2 * (1 / 252 - r2 * (1 / 240 - r2 * (1 / 132 - r2 * (691 / 32760 - r2 / 12))))));
  return acc + Math.log(x) - 0.5 / x - series;
}

const f32Scratch = new Float32Array(1);
const i32Scratch = new Int32Array(f32Scratch.buffer);
const f64Scratch = new Float64Array(1);
const i64Scratch = new BigInt64Array(f64Scratch.buffer);

/** The next representable value of `dtype` after x in the direction of y (C's nextafter). */
export function nextafter(x: number, y: number, dtype: DType): number {
  if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
  if (x === y) return y;
  const f32 = dtype === "float32";
  if (x === 0) {
    const tiny = f32 ? 2 ** -149 : Number.MIN_VALUE;
    return y > 0 ? tiny : -tiny;
  }
  // Moving away from zero increments the magnitude bits, toward zero decrements them.
  const up = y > x === x > 0;
  if (f32) {
    f32Scratch[0] = x;
    i32Scratch[0] += up ? 1 : -1;
    return f32Scratch[0]!;
  }
  f64Scratch[0] = x;
  i64Scratch[0] = i64Scratch[0]! + (up ? 1n : -1n);
  return f64Scratch[0]!;
}

// ---- trigamma as lax ops (digamma's derivative; differentiable to any order) ----

const TRIGAMMA_SHIFT = 6;

/**
 * ψ₁(x) built from lax ops: for x < 1/2 the reflection ψ₁(x) = π²/sin²(πx) − ψ₁(1 − x); then
 * ψ₁(z) = Σₖ<₆ 1/(z + k)² + ψ₁(z + 6) with the asymptotic series 1/z + 1/(2z²) + Σ B₂ₖ/z²ᵏ⁺¹
 * (relative error below 1e-11). The reflection branch gets a safe input where it is not taken,
 * so that its derivatives stay finite under select.
 */
export function trigamma(x: JaxArray): JaxArray {
  const c = (v: number) => lax.fullLike(x, v);
  const reflect = lax.lt(x, c(0.5));
  let z = lax.select(reflect, lax.sub(c(1), x), x);
  let acc = lax.zerosLike(x);
  for (let k = 0; k < TRIGAMMA_SHIFT; k++) {
    acc = lax.add(acc, lax.reciprocal(lax.mul(z, z)));
    z = lax.add(z, c(1));
  }
  const r = lax.reciprocal(z);
  const r2 = lax.mul(r, r);
  const nest = (coef: number, inner: JaxArray) => lax.sub(c(coef), lax.mul(r2, inner));
  const tail = nest(1 / 6, nest(1 / 30, nest(1 / 42, nest(1 / 30, nest(5 / 66, c(691 / 2730))))));
  const asym = lax.add(lax.add(r, lax.mul(c(0.5), r2)), lax.mul(lax.mul(r, r2), tail));
  const psi1 = lax.add(acc, asym);
  const xr = lax.select(reflect, lax.sub(x, lax.round(x)), c(0.25));
  const s = lax.sin(lax.mul(c(Math.PI), xr));
  const reflected = lax.sub(lax.div(c(Math.PI * Math.PI), lax.mul(s, s)), psi1);
  return lax.select(reflect, reflected, psi1);
}

// ---- elementwise primitives ----

const expNegSquare = (x: JaxArray) => lax.exp(lax.neg(lax.mul(x, x)));

/** erf: d erf(x) = 2/√π · e^(−x²) dx. */
export const erf_p = elementwise({
  name: "erf",
  cls: "float",
  f: erf,
  jvp: ([x], [t]) => [lax.mul(t!, lax.mul(lax.fullLike(x!, TWO_OVER_SQRT_PI), expNegSquare(x!)))],
});

/** erfc = 1 − erf: d erfc(x) = −2/√π · e^(−x²) dx. */
export const erfc_p = elementwise({
  name: "erfc",
  cls: "float",
  f: erfc,
  jvp: ([x], [t]) => [lax.mul(t!, lax.mul(lax.fullLike(x!, -TWO_OVER_SQRT_PI), expNegSquare(x!)))],
});

/** erf_inv: with y = erf⁻¹(x), dy = √π/2 · e^(y²) dx. */
export const erf_inv_p = elementwise({
  name: "erf_inv",
  cls: "float",
  f: erfInv64,
  jvp: (_p, [t], [y]) => [lax.mul(t!, lax.mul(lax.fullLike(y!, Math.sqrt(Math.PI) / 2), lax.exp(lax.mul(y!, y!))))],
});
// XLA's float32 and float64 approximations differ: the kernel follows the dtype.
erf_inv_p.impl = ([x], _params, [out]) => [mapKernel(out!.dtype === "float32" ? erfInv32 : erfInv64, [x!], out!.dtype)];

/** digamma: dψ(x) = ψ₁(x) dx. */
export const digamma_p = elementwise({
  name: "digamma",
  cls: "float",
  f: digamma,
  jvp: ([x], [t]) => [lax.mul(t!, trigamma(x!))],
});

/** lgamma: d log|Γ(x)| = ψ(x) dx. */
export const lgamma_p = elementwise({
  name: "lgamma",
  cls: "float",
  f: lgamma,
  jvp: ([x], [t]) => [lax.mul(t!, bind1(digamma_p, [x!]))],
});

/** is_finite: a boolean, so its derivative is a symbolic zero. */
export const is_finite_p = elementwise({
  name: "is_finite",
  cls: "float",
  f: (x) => (Number.isFinite(x) ? 1 : 0),
  outDType: () => "bool",
  jvp: () => [null],
});

/** nextafter(x, y): JAX defines no derivative for it, and neither do we. */
export const nextafter_p = elementwise({
  name: "nextafter",
  cls: "float",
  f: (x, y) => nextafter(x, y, "float64"),
  jvp: () => {
    throw new Error("Differentiation rule for 'nextafter' not implemented");
  },
});
// The kernel depends on the dtype (float32 steps are 2^-23 ulps, not float64 ones).
nextafter_p.impl = (ins, _params, [out]) => {
  const d = out!.dtype;
  return [mapKernel((x, y) => nextafter(x, y, d), ins, d)];
};

// ---- clamp ----

/**
 * clamp(min, x, max) = min(max(x, min), max), as XLA. `min` and `max` are scalars or have x's
 * shape; all three share a dtype. The output is x's shape and weak type.
 */
export const clamp_p: PrimitiveRules = {
  name: "clamp",
  abstractEval([lo, x, hi]) {
    for (const [what, b] of [["min", lo!], ["max", hi!]] as const) {
      if (b.ndim !== 0 && shapeStr(b.shape) !== shapeStr(x!.shape)) {
        throw new TypeError(
          `Clamp with non-scalar ${what} must have the same shape as operand: got ${what} ${b.str()} and operand ${x!.str()}`,
        );
      }
      if (b.dtype !== x!.dtype) {
        throw new TypeError(`lax.clamp requires arguments to have the same dtypes, got ${lo!.dtype}, ${x!.dtype}, ${hi!.dtype}.`);
      }
    }
    if (x!.dtype === "bool") throw new TypeError("clamp does not accept dtype bool. Accepted dtypes are subtypes of numeric.");
    return [new ShapedArray(x!.shape, x!.dtype, x!.weakType)];
  },
  // As JAX: the operand's tangent passes where min < x < max; min's where min > x (and
  // min < max); max's where max < x. Elsewhere each contributes zero.
  jvp([lo, x, hi], [tlo, tx, thi]) {
    const out = bind1(clamp_p, [lo!, x!, hi!]);
    if (!isFloat(x!.dtype)) return [[out], [null]];
    const full = (a: JaxArray) => (a.ndim === x!.ndim ? a : lax.broadcastInDim(a, x!.shape, []));
    const [l, h] = [full(lo!), full(hi!)];
    const and = (a: JaxArray, b: JaxArray) => bind1(and_p, [a, b]);
    const zero = lax.zerosLike(x!);
    const dlo = lax.select(and(lax.gt(l, x!), lax.lt(l, h)), full(tlo!), zero);
    const dx = lax.select(and(lax.gt(x!, l), lax.lt(x!, h)), tx!, zero);
    const dhi = lax.select(lax.lt(h, x!), full(thi!), zero);
    return [[out], [lax.add(lax.add(dlo, dx), dhi)]];
  },
  transpose: null,
  batch(args, dims, _params, size) {
    const [lo, x, hi] = args;
    const [dlo, dx, dhi] = dims;
    // Scalar unbatched bounds apply as they are.
    if (dlo === null && dhi === null && lo!.ndim === 0 && hi!.ndim === 0) return [bind(clamp_p, args), [dx!]];
    // Otherwise every operand becomes full-shaped with its batch dim first.
    const opShape = dx === null ? x!.shape : x!.shape.filter((_, i) => i !== dx);
    const target = [size, ...opShape];
    const toFull = (a: JaxArray, d: number | null): JaxArray => {
      if (d === null) {
        return lax.broadcastInDim(a, target, a.ndim === 0 ? [] : opShape.map((_, i) => i + 1));
      }
      const m = moveBatchAxis(a, d, 0, size);
      return m.ndim === target.length ? m : lax.broadcastInDim(m, target, [0]);
    };
    return [bind(clamp_p, [toFull(lo!, dlo!), toFull(x!, dx!), toFull(hi!, dhi!)]), [0]];
  },
  impl([lo, x, hi], _params, [out]) {
    const n = x!.data.length;
    const res = typedArrayFor(out!.dtype, n);
    const [l, xs, h] = [lo!.data, x!.data, hi!.data];
    const ls = lo!.shape.length === 0;
    const hs = hi!.shape.length === 0;
    for (let i = 0; i < n; i++) res[i] = Math.min(Math.max(xs[i]!, l[ls ? 0 : i]!), h[hs ? 0 : i]!);
    return [res];
  },
};

// ---- iota ----

export type IotaParams = {
  dtype: DType;
  shape: number[];
  dimension: number;
};

/** iota: an array of `shape` whose entries count 0, 1, … along `dimension`. No inputs. */
export const iota_p: PrimitiveRules<IotaParams> = {
  name: "iota",
  abstractEval(_avals, { dtype, shape, dimension }) {
    if (!isFloat(dtype) && !isInt(dtype)) throw new TypeError(`iota does not accept dtype ${dtype}`);
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= shape.length) {
      throw new TypeError(`iota dimension must be between 0 and len(shape)=${shape.length}, got dimension=${dimension}`);
    }
    if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new TypeError(`iota shape must be non-negative integers, got ${shapeStr(shape)}`);
    return [new ShapedArray(shape, dtype)];
  },
  jvp: (_primals, _tangents, params) => [bind(iota_p, [], params), [null]],
  transpose: null,
  batch() {
    throw new Error("iota has no operands, so it is never batched");
  },
  impl(_ins, { shape, dimension }, [out]) {
    const res = typedArrayFor(out!.dtype, out!.size);
    let stride = 1;
    for (let i = dimension + 1; i < shape.length; i++) stride *= shape[i]!;
    const len = shape[dimension]!;
    for (let i = 0; i < res.length; i++) res[i] = Math.floor(i / stride) % len;
    return [res];
  },
};
