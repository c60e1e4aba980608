// Samplers of jax.random built on the gamma sampler, each with JAX's algorithm
// (jax/_src/random/core.py): beta and dirichlet (normalized log-gamma draws), chisquare,
// t and f, the generalized normal, and uniform points in the unit Lp ball.
import type { JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { stopGradient } from "../transforms/api.js";
import { checkShape, unwrapSingle, type KeyArray } from "./keys.js";
import { lax } from "./ops.js";
import { gammaImpl, type FloatOptions } from "./gamma.js";
import { exponentialRaw, normalRaw, rademacher } from "./samplers.js";
import { bcast, checkBroadcast, checkValues, f32, floatDtype, shapeOr, splitPair, type Param } from "./util.js";

const positive = (v: number) => v > 0;
const asDtype = (x: JaxArray, opts: FloatOptions, name: string) => lax.convertElementType(x, floatDtype(opts.dtype, name));

/**
 * random.beta(key, a, b, shape?, {dtype}): Beta(a, b) as Ga / (Ga + Gb) for independent
 * Gamma draws, formed from log-gamma draws scaled by their maximum so small a, b keep
 * their precision.
 */
export function beta(key: KeyArray, a: Param, b: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "beta");
  const dt = floatDtype(opts.dtype, "beta");
  const aa = f32(a);
  const bb = f32(b);
  checkValues(aa, "beta", "a must be positive", positive);
  checkValues(bb, "beta", "b must be positive", positive);
  const s = shapeOr(shape, "beta", aa, bb);
  const [ka, kb] = splitPair(k);
  const lga = gammaImpl(ka, bcast(aa, s), s, "float32", true, "beta");
  const lgb = gammaImpl(kb, bcast(bb, s), s, "float32", true, "beta");
  const logMax = lax.max(lga, lgb);
  const ga = lax.exp(lax.sub(lga, logMax));
  const gb = lax.exp(lax.sub(lgb, logMax));
  return lax.convertElementType(lax.div(ga, lax.add(ga, gb)), dt);
}

/**
 * random.dirichlet(key, alpha, shape?, {dtype}): softmax of log-gamma draws along the last
 * axis. `shape` is the batch shape (the result is shape + [alpha.shape.at(-1)]); it
 * defaults to alpha.shape without its last axis.
 */
export function dirichlet(key: KeyArray, alpha: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "dirichlet");
  const dt = floatDtype(opts.dtype, "dirichlet");
  const al = f32(alpha);
  if (al.ndim < 1) throw new ValueError(`dirichlet requires alpha.ndim >= 1, got alpha.ndim == ${al.ndim}`);
  checkValues(al, "dirichlet", "alpha must be positive", positive);
  const batch = al.shape.slice(0, -1);
  let s: number[];
  if (shape === undefined || shape === null) {
    s = batch;
  } else {
    s = checkShape(shape, "dirichlet");
    checkBroadcast(s, "dirichlet", batch);
  }
  const full = [...s, al.shape[al.ndim - 1]!];
  const lg = gammaImpl(k, bcast(al, full), full, "float32", true, "dirichlet");
  // jax.nn.softmax: exp(x - max) / sum(exp(x - max)) along the last axis.
  const last = full.length - 1;
  const keep = (x: JaxArray) => lax.broadcastInDim(x, full, full.slice(0, -1).map((_, i) => i));
  const e = lax.exp(lax.sub(lg, stopGradient(keep(lax.reduceMax(lg, [last])))));
  return lax.convertElementType(lax.div(e, keep(lax.reduceSum(e, [last]))), dt);
}

/** random.chisquare(key, df, shape?, {dtype}): 2 * Gamma(df / 2), via log-gamma. */
export function chisquare(key: KeyArray, df: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "chisquare");
  const d = f32(df);
  checkValues(d, "chisquare", "df must be positive", positive);
  const s = shapeOr(shape, "chisquare", d);
  return asDtype(chisquareRaw(k, d, s), opts, "chisquare");
}

function chisquareRaw(k: JaxArray, df: JaxArray, s: number[]): JaxArray {
  const lg = gammaImpl(k, bcast(lax.div(df, 2), s), s, "float32", true, "chisquare");
  return lax.mul(lax.exp(lg), 2);
}

/** random.t(key, df, shape?, {dtype}): Student's t as normal * sqrt((df/2) / Gamma(df/2)). */
export function t(key: KeyArray, df: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "t");
  const d = f32(df);
  checkValues(d, "t", "df must be positive", positive);
  const s = shapeOr(shape, "t", d);
  const [kn, kg] = splitPair(k);
  const n = normalRaw(kn, s);
  const half = lax.div(d, 2);
  const g = gammaImpl(kg, bcast(half, s), s, "float32", false, "t");
  return asDtype(lax.mul(n, lax.sqrt(lax.div(bcast(half, s), g))), opts, "t");
}

/** random.f(key, dfnum, dfden, shape?, {dtype}): (chi2(dfnum) / dfnum) / (chi2(dfden) / dfden). */
export function f(key: KeyArray, dfnum: Param, dfden: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "f");
  const dn = f32(dfnum);
  const dd = f32(dfden);
  checkValues(dn, "f", "dfnum must be positive", positive);
  checkValues(dd, "f", "dfden must be positive", positive);
  const s = shapeOr(shape, "f", dn, dd);
  const [kDen, kNum] = splitPair(k);
  const num = lax.div(chisquareRaw(kNum, dn, s), bcast(dn, s));
  const den = lax.div(chisquareRaw(kDen, dd, s), bcast(dd, s));
  return asDtype(lax.div(num, den), opts, "f");
}

/**
 * random.generalized_normal(key, p, shape = [], {dtype}): density ∝ exp(-|x|**p), drawn as
 * a random sign times Gamma(1/p) ** (1/p).
 */
export function generalizedNormal(key: KeyArray, p: Param, shape: readonly number[] = [], opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "generalized_normal");
  const pp = f32(p);
  checkValues(pp, "generalized_normal", "p must be positive", positive);
  const s = checkShape(shape, "generalized_normal");
  return asDtype(generalizedNormalRaw(k, pp, s), opts, "generalized_normal");
}

function generalizedNormalRaw(k: JaxArray, p: JaxArray, s: number[]): JaxArray {
  const [k0, k1] = splitPair(k);
  const inv = lax.div(1, p);
  const g = gammaImpl(k0, inv, s, "float32", false, "generalized_normal");
  const r = rademacher(k1, s, { dtype: "float32" });
  return lax.mul(r, lax.pow(g, bcast(inv, s)));
}

/**
 * random.ball(key, d, p = 2, shape = [], {dtype}): points uniform in the unit Lp ball of
 * dimension d (shape [...shape, d]): g / (sum |g|**p + e)**(1/p) for g generalized-normal
 * and e exponential (Barthe, Guédon, Mendelson, Naor 2005).
 */
export function ball(key: KeyArray, d: number, p: Param = 2, shape: readonly number[] = [], opts: FloatOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "ball");
  if (!Number.isInteger(d) || d < 0) throw new TypeError(`ball: d must be a non-negative integer, got ${d}`);
  const pp = f32(p);
  checkValues(pp, "ball", "p must be positive", positive);
  if (pp.ndim !== 0) throw new TypeError(`ball: p must be a scalar, got shape ${JSON.stringify(pp.shape)}`);
  const s = checkShape(shape, "ball");
  const [k1, k2] = splitPair(k);
  const full = [...s, d];
  const g = generalizedNormalRaw(k1, pp, full);
  const e = exponentialRaw(k2, s);
  const norm = lax.reduceSum(lax.pow(lax.abs(g), bcast(pp, full)), [s.length]);
  const r = lax.pow(lax.add(norm, e), bcast(lax.div(1, pp), s));
  return asDtype(lax.div(g, lax.broadcastInDim(r, full, s.map((_, i) => i))), opts, "ball");
}
