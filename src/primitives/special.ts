// Special functions and miscellaneous elementwise primitives: erf, erfc, erf_inv, lgamma,
// digamma, is_finite, nextafter, clamp, iota. The reference kernels compute in float64 with
// accurate algorithms (a positive-term series and a continued fraction for erf/erfc, Halley
// iterations for erf_inv, the Lanczos approximation for lgamma, recurrence plus the asymptotic
// series for digamma) and round to the output dtype when they store.
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

/**
 * erf⁻¹(y): Winitzki's closed-form guess (relative error ~2e-3), then Halley steps on
 * f(x) = erf(x) − |y|, whose residual is taken as (1 − |y|) − erfc(x) when |y| > 1/2 so that
 * it stays accurate near ±1. With f″ = −2x·f′, Halley's step is (f/f′) / (1 + x·f/f′).
 */
export function erfInv(y: number): number {
  if (Number.isNaN(y) || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  const a = Math.abs(y);
  const A = 0.147;
  const l = Math.log((1 - a) * (1 + a));
  const b = 2 / (Math.PI * A) + l / 2;
  let x = Math.sqrt(Math.max(0, Math.sqrt(b * b - l / A) - b));
  for (let i = 0; i < 8; i++) {
    const f = a <= 0.5 ? erf(x) - a : 1 - a - erfc(x);
    const step = f / (TWO_OVER_SQRT_PI * Math.exp(-x * x));
    const dx = step / (1 + x * step);
    x -= dx;
    if (Math.abs(dx) <= 1e-16 * x) break;
  }
  return y < 0 ? -x : x;
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
  f: erfInv,
  jvp: (_p, [t], [y]) => [lax.mul(t!, lax.mul(lax.fullLike(y!, Math.sqrt(Math.PI) / 2), lax.exp(lax.mul(y!, y!))))],
});

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
