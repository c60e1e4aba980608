// Samplers of jax.random built on random bits, each with JAX's algorithm
// (jax/_src/random.py) so the same key gives the same values. Positional
// arguments follow JAX; keyword arguments go in an options object; `shape`
// defaults to [] (or, where JAX allows None, to the parameters' broadcast shape).
// Affine maps x * a + b are evaluated unfused (two roundings): this matches the
// fixture's `values_unfused`, i.e. an XLA build without FMA contraction.
import { isArray, type JaxArray } from "../core/array.js";
import { type DType, finfo, iinfo, isInt } from "../core/dtypes.js";
import { broadcastShapes, prod } from "../core/shape.js";
import { ValueError } from "../core/errors.js";
import { asarray } from "../numpy/core.js";
import { checkShape, randomBits, unwrapSingle, type KeyArray } from "./keys.js";
import { argmax, bitcastConvertType, bitwiseOr, erf, erfInv, lax, nextafter, shiftRightLogical, slice } from "./ops.js";
import { bcast, concreteValues, f32, floatDtype, shapeOr, splitPair, type Param } from "./util.js";

/** Uniform floats in [0, 1): the top 23 bits as the mantissa of a float in [1, 2), minus 1. */
function unitFloats(k: JaxArray, shape: number[]): JaxArray {
  const b = randomBits(k, 32, shape);
  const m = bitwiseOr(shiftRightLogical(b, 9), 0x3f800000);
  return lax.sub(bitcastConvertType(m, "float32"), 1);
}

export interface UniformOptions { minval?: Param; maxval?: Param; dtype?: string }

/** random.uniform(key, shape = [], {minval = 0, maxval = 1, dtype}). */
export function uniform(key: KeyArray, shape: readonly number[] = [], opts: UniformOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "uniform");
  const dt = floatDtype(opts.dtype, "uniform");
  const s = checkShape(shape, "uniform");
  const lo = f32(opts.minval ?? 0, dt);
  const hi = f32(opts.maxval ?? 1, dt);
  shapeOr(s, "uniform", lo, hi);
  return uniformRaw(k, s, lo, hi);
}

export function uniformRaw(k: JaxArray, s: number[], lo: JaxArray, hi: JaxArray): JaxArray {
  const l = bcast(lo, s);
  const out = lax.add(lax.mul(unitFloats(k, s), bcast(lax.sub(hi, lo), s)), l);
  return lax.max(l, out);
}

const NEXT_AFTER_MINUS_ONE = Math.fround(-1 + 2 ** -24);
const SQRT2 = Math.fround(Math.SQRT2);

/** random.normal(key, shape = [], {dtype}): sqrt(2) * erf_inv(uniform(nextafter(-1, 0), 1)). */
export function normal(key: KeyArray, shape: readonly number[] = [], opts: { dtype?: string } = {}): JaxArray {
  const [k] = unwrapSingle(key, "normal");
  floatDtype(opts.dtype, "normal");
  const s = checkShape(shape, "normal");
  return normalRaw(k, s);
}

export function normalRaw(k: JaxArray, s: number[]): JaxArray {
  const u = uniformRaw(k, s, lax.scalar(NEXT_AFTER_MINUS_ONE, "float32"), lax.scalar(1, "float32"));
  return lax.mul(SQRT2, erfInv(u));
}

/** random.randint(key, shape, minval, maxval, {dtype = "int32"}): JAX's modular method over two words of bits. */
export function randint(key: KeyArray, shape: readonly number[], minval: Param, maxval: Param, opts: { dtype?: string } = {}): JaxArray {
  const [k] = unwrapSingle(key, "randint");
  const dtype = (opts.dtype ?? "int32") as DType;
  if (!isInt(dtype)) throw new TypeError(`dtype argument to \`randint\` must be an int dtype, got ${dtype}`);
  const s = checkShape(shape, "randint");
  const lo0 = isArray(minval) ? minval : asarray(minval, { dtype: "int32" });
  const hi0 = isArray(maxval) ? maxval : asarray(maxval, { dtype: "int32" });
  shapeOr(s, "randint", lo0, hi0);
  const lv = concreteValues(lo0);
  const hv = concreteValues(hi0);
  if (lv && hv && lv.length === 1 && hv.length === 1 && lv[0]! > hv[0]!) {
    throw new RangeError(`randint: minval (${lv[0]}) must not exceed maxval (${hv[0]})`);
  }
  const info = iinfo(dtype);
  if (info.bits < 32) {
    // Narrow types sample in int32 with bounds clipped to the type, then cast.
    const lo = lax.clamp(info.min, lax.convertElementType(lo0, "int32"), info.max);
    const hi = lax.clamp(info.min, lax.convertElementType(hi0, "int32"), info.max + 1);
    return lax.convertElementType(randint32(k, s, lo, hi, "int32"), dtype);
  }
  return randint32(k, s, lo0, hi0, dtype === "int64" ? "int32" : dtype === "uint64" ? "uint32" : dtype);
}

/** JAX's _randint for a 32-bit dtype: (hi_bits * 2**32 + lo_bits) mod span, computed in uint32. */
function randint32(k: JaxArray, s: number[], minval: JaxArray, maxval: JaxArray, dtype: DType): JaxArray {
  const udt: DType = "uint32";
  const lo = lax.convertElementType(minval, dtype);
  const hi = lax.convertElementType(maxval, dtype);
  const [k1, k2] = splitPair(k);
  const higher = randomBits(k1, 32, s);
  const lower = randomBits(k2, 32, s);
  let span = lax.convertElementType(lax.sub(bcast(hi, s), bcast(lo, s)), udt);
  span = lax.select(lax.le(bcast(hi, s), bcast(lo, s)), lax.full(s, 1, udt), span);
  const rem = (a: JaxArray) => lax.rem(a, span);
  let mult = rem(lax.full(s, 2 ** 16, udt));
  mult = rem(lax.mul(mult, mult));
  const off = rem(lax.add(lax.mul(rem(higher), mult), rem(lower)));
  return lax.add(bcast(lo, s), lax.convertElementType(off, dtype));
}

/** random.bernoulli(key, p = 0.5, shape?): uniform < p. */
export function bernoulli(key: KeyArray, p: Param = 0.5, shape?: readonly number[] | null): JaxArray {
  const [k] = unwrapSingle(key, "bernoulli");
  const pa = f32(p);
  const pv = concreteValues(pa);
  if (pv && pv.some((v) => !(v >= 0 && v <= 1))) throw new RangeError(`bernoulli: p must be in [0, 1], got ${pv.join(", ")}`);
  const s = shapeOr(shape, "bernoulli", pa);
  return lax.lt(unitFloats(k, s), bcast(pa, s));
}

/** random.rademacher(key, shape = [], {dtype = "int32"}): -1 or +1 with equal probability. */
export function rademacher(key: KeyArray, shape: readonly number[] = [], opts: { dtype?: string } = {}): JaxArray {
  const dtype = (opts.dtype ?? "int32") as DType;
  const b = lax.convertElementType(bernoulli(key, 0.5, shape), dtype);
  return lax.sub(lax.mul(b, 2), 1);
}

const TINY = finfo("float32").tiny;
const EPS = finfo("float32").eps;
const EPSNEG = 2 ** -24;

function unif(key: KeyArray, name: string, s: number[], lo = 0, hi = 1): JaxArray {
  const [k] = unwrapSingle(key, name);
  return uniformRaw(k, s, lax.scalar(lo, "float32"), lax.scalar(hi, "float32"));
}

/** random.exponential(key, shape = []): -log1p(-u). */
export function exponential(key: KeyArray, shape: readonly number[] = []): JaxArray {
  const [k] = unwrapSingle(key, "exponential");
  return exponentialRaw(k, checkShape(shape, "exponential"));
}

export function exponentialRaw(k: JaxArray, s: number[]): JaxArray {
  return lax.neg(lax.log1p(lax.neg(uniformRaw(k, s, lax.scalar(0, "float32"), lax.scalar(1, "float32")))));
}

/** random.laplace(key, shape = []): sign(u) * log1p(-|u|), u ~ U(-1 + epsneg, 1). */
export function laplace(key: KeyArray, shape: readonly number[] = []): JaxArray {
  const u = unif(key, "laplace", checkShape(shape, "laplace"), Math.fround(-1 + EPSNEG), 1);
  return lax.mul(lax.sign(u), lax.log1p(lax.neg(lax.abs(u))));
}

/** random.logistic(key, shape = []): log(u) - log1p(-u), u ~ U(tiny, 1). */
export function logistic(key: KeyArray, shape: readonly number[] = []): JaxArray {
  const u = unif(key, "logistic", checkShape(shape, "logistic"), TINY, 1);
  return lax.sub(lax.log(u), lax.log1p(lax.neg(u)));
}

/** random.gumbel(key, shape = []): -log(-log(u)), u ~ U(tiny, 1). */
export function gumbel(key: KeyArray, shape: readonly number[] = []): JaxArray {
  const u = unif(key, "gumbel", checkShape(shape, "gumbel"), TINY, 1);
  return lax.neg(lax.log(lax.neg(lax.log(u))));
}

/** random.cauchy(key, shape = []): tan(pi * (u - 0.5)), u ~ U(eps, 1). */
export function cauchy(key: KeyArray, shape: readonly number[] = []): JaxArray {
  const u = unif(key, "cauchy", checkShape(shape, "cauchy"), EPS, 1);
  return lax.tan(lax.mul(Math.fround(Math.PI), lax.sub(u, 0.5)));
}

/** random.pareto(key, b, shape?): exp(exponential / b). */
export function pareto(key: KeyArray, b: Param, shape?: readonly number[] | null): JaxArray {
  const ba = f32(b);
  const s = shapeOr(shape, "pareto", ba);
  return lax.exp(lax.div(exponential(key, s), bcast(ba, s)));
}

/** random.weibull_min(key, scale, concentration, shape = []): (-log1p(-u)) ** (1 / c) * scale. */
export function weibullMin(key: KeyArray, scale: Param, concentration: Param, shape: readonly number[] = []): JaxArray {
  const s = checkShape(shape, "weibull_min");
  const u = unif(key, "weibull_min", s);
  const c = bcast(lax.div(1, f32(concentration)), s);
  return lax.mul(lax.pow(lax.neg(lax.log1p(lax.neg(u))), c), bcast(f32(scale), s));
}

/** random.rayleigh(key, scale, shape?): scale * sqrt(-2 log u). */
export function rayleigh(key: KeyArray, scale: Param, shape?: readonly number[] | null): JaxArray {
  const sc = f32(scale);
  const s = shapeOr(shape, "rayleigh", sc);
  const u = unif(key, "rayleigh", s);
  return lax.mul(bcast(sc, s), lax.sqrt(lax.mul(lax.log(u), -2)));
}

/** random.lognormal(key, sigma = 1, shape?): exp(sigma * normal). */
export function lognormal(key: KeyArray, sigma: Param = 1, shape?: readonly number[] | null): JaxArray {
  const sg = f32(sigma);
  const s = shapeOr(shape, "lognormal", sg);
  return lax.exp(lax.mul(normal(key, s), bcast(sg, s)));
}

/** random.truncated_normal(key, lower, upper, shape?): inverse-CDF sampling clipped inside (lower, upper). */
export function truncatedNormal(key: KeyArray, lower: Param, upper: Param, shape?: readonly number[] | null): JaxArray {
  const [k] = unwrapSingle(key, "truncated_normal");
  const lo = f32(lower);
  const up = f32(upper);
  const s = shapeOr(shape, "truncated_normal", lo, up);
  const a = erf(lax.div(lo, SQRT2));
  const b = erf(lax.div(up, SQRT2));
  const u = uniformRaw(k, s, a, b);
  const out = lax.mul(SQRT2, erfInv(u));
  const l = nextafter(bcast(lo, s), lax.full(s, Infinity, "float32"));
  const h = nextafter(bcast(up, s), lax.full(s, -Infinity, "float32"));
  return lax.min(lax.max(out, l), h);
}

/** random.triangular(key, left, mode, right, shape?): inverse CDF of the triangular law. */
export function triangular(key: KeyArray, left: Param, mode: Param, right: Param, shape?: readonly number[] | null): JaxArray {
  const l0 = f32(left);
  const m0 = f32(mode);
  const r0 = f32(right);
  const s = shapeOr(shape, "triangular", l0, m0, r0);
  const [l, m, r] = [l0, m0, r0].map((x) => bcast(x, s)) as [JaxArray, JaxArray, JaxArray];
  const fc = lax.div(lax.sub(m, l), lax.sub(r, l));
  const u = unif(key, "triangular", s);
  const out1 = lax.add(l, lax.sqrt(lax.mul(lax.mul(u, lax.sub(r, l)), lax.sub(m, l))));
  const out2 = lax.sub(r, lax.sqrt(lax.mul(lax.mul(lax.sub(1, u), lax.sub(r, l)), lax.sub(r, m))));
  return lax.select(lax.lt(u, fc), out1, out2);
}

/** random.geometric(key, p, shape?, {dtype = "int32"}): floor(log u / log1p(-p)) + 1. */
export function geometric(key: KeyArray, p: Param, shape?: readonly number[] | null, opts: { dtype?: string } = {}): JaxArray {
  const pa = f32(p);
  const pv = concreteValues(pa);
  if (pv && pv.some((v) => !(v >= 0 && v <= 1))) throw new RangeError(`geometric: p must be in [0, 1], got ${pv.join(", ")}`);
  const s = shapeOr(shape, "geometric", pa);
  let u = unif(key, "geometric", s);
  u = lax.select(lax.eq(u, 0), lax.fullLike(u, 1), u);
  const g = lax.add(lax.floor(lax.div(lax.log(u), bcast(lax.log1p(lax.neg(pa)), s))), 1);
  return lax.convertElementType(g, (opts.dtype ?? "int32") as DType);
}

/** random.wald(key, mean, shape?): Michael-Schucany-Haas transform of a normal and a uniform. */
export function wald(key: KeyArray, mean: Param, shape?: readonly number[] | null): JaxArray {
  const mu0 = f32(mean);
  const s = shapeOr(shape, "wald", mu0);
  const [k1, k2] = splitPair(unwrapSingle(key, "wald")[0]);
  const mu = bcast(mu0, s);
  const v = normalRaw(k1, s);
  const z = uniformRaw(k2, s, lax.scalar(0, "float32"), lax.scalar(1, "float32"));
  const y = lax.mul(v, v);
  const ySq = lax.mul(y, y);
  const muSq = lax.mul(mu, mu);
  const sqrtTerm = lax.sqrt(lax.add(lax.mul(lax.mul(4, mu), y), lax.mul(muSq, ySq)));
  const x = lax.add(lax.add(mu, lax.div(lax.mul(muSq, y), 2)), lax.mul(lax.neg(lax.div(mu, 2)), sqrtTerm));
  return lax.select(lax.le(z, lax.div(mu, lax.add(mu, x))), x, lax.div(muSq, x));
}

/** random.maxwell(key, shape = []): the norm of three standard normals. */
export function maxwell(key: KeyArray, shape: readonly number[] = []): JaxArray {
  const s = checkShape(shape, "maxwell");
  const x = normal(key, [...s, 3]);
  const sq = lax.mul(x, x);
  const part = (i: number) =>
    lax.reshape(slice(sq, [...s.map(() => 0), i], [...s, i + 1]), s);
  return lax.sqrt(lax.add(lax.add(part(0), part(1)), part(2)));
}

/** random.double_sided_maxwell(key, loc, scale, shape = []): sign * maxwell * scale + loc. */
export function doubleSidedMaxwell(key: KeyArray, loc: Param, scale: Param, shape: readonly number[] = []): JaxArray {
  const lo = f32(loc);
  const sc = f32(scale);
  const ps = broadcastShapes(lo.shape, sc.shape);
  const s = [...checkShape(shape, "double_sided_maxwell"), ...ps];
  const [mk, rk] = splitPair(unwrapSingle(key, "double_sided_maxwell")[0]);
  const m = maxwell(mk, s);
  const sign = rademacher(rk, s, { dtype: "float32" });
  return lax.add(lax.mul(lax.mul(sign, m), bcast(sc, s)), bcast(lo, s));
}

/**
 * random.categorical(key, logits, {axis = -1, shape, replace = true}): argmax(logits + gumbel)
 * with replacement; without, the top-k of one perturbed copy of the logits (the Gumbel top-k
 * trick), k = the number of draws per batch entry.
 */
export function categorical(key: KeyArray, logits: Param, opts: { axis?: number; shape?: readonly number[]; replace?: boolean } = {}): JaxArray {
  const lg = f32(logits);
  if (lg.ndim === 0) throw new TypeError("categorical: logits must have at least one dimension");
  const axis = ((opts.axis ?? -1) % lg.ndim + lg.ndim) % lg.ndim;
  const batch = lg.shape.filter((_, i) => i !== axis);
  const s = opts.shape === undefined ? batch : checkShape(opts.shape, "categorical");
  const tail = s.slice(s.length - batch.length);
  if (s.length < batch.length || tail.some((d, i) => d !== batch[i])) {
    throw new TypeError(`categorical: shape ${JSON.stringify(s)} must end with the logits' batch shape ${JSON.stringify(batch)}`);
  }
  const prefix = s.slice(0, s.length - batch.length);
  if (opts.replace === false) {
    const k = prod(prefix);
    const n = lg.shape[axis]!;
    if (k > n) throw new ValueError(`Number of samples without replacement (${k}) cannot exceed number of categories (${n}).`);
    const perturbed = lax.add(lg, gumbel(key, lg.shape));
    const last = [...lg.shape.keys()].filter((i) => i !== axis);
    const idx = lax.topK(lax.transpose(perturbed, [...last, axis]), k)[1];
    // indices [...batch, k] → [k, ...batch] → shape.
    return lax.reshape(lax.transpose(idx, [batch.length, ...batch.map((_, i) => i)]), s);
  }
  const ls = [...tail];
  ls.splice(axis, 0, lg.shape[axis]!);
  const full = [...prefix, ...ls];
  const g = gumbel(key, full);
  const b = lax.broadcastInDim(lg, full, lg.shape.map((_, i) => i + prefix.length));
  return argmax(lax.add(g, b), prefix.length + axis, "int32");
}
