// jax.random.gamma and loggamma: JAX's Marsaglia–Tsang rejection sampler, one scalar
// sampler per element (each with its own key from split(key, size)) vmapped over the
// elements, so its while loops run with a batched predicate exactly as JAX's do. Their
// derivative with respect to `a` is JAX's implicit reparameterization (random_gamma_grad).
import type { JaxArray } from "../core/array.js";
import { type DType, finfo } from "../core/dtypes.js";
import { Tracer } from "../core/trace.js";
import { stopGradient, vmap } from "../transforms/api.js";
import { checkShape, split, unwrapSingle, type KeyArray } from "./keys.js";
import { lax } from "./ops.js";
import { exponentialRaw, normalRaw, uniformRaw } from "./samplers.js";
import { gammaSampleGrad } from "./gamma_grad.js";
import { bcast, checkBroadcast, checkValues, f32, floatDtype, jitSampler, splitKeys, type Param } from "./util.js";

const THIRD = Math.fround(1 / 3);
const SQUEEZE = Math.fround(0.0331);
const zeroF = () => lax.scalar(0, "float32");
const unit = (k: JaxArray) => uniformRaw(k, [], zeroF(), lax.scalar(1, "float32"));

/**
 * One Gamma(alpha) draw from one key (JAX's _gamma_one). For alpha < 1 it samples
 * Gamma(alpha + 1) and multiplies by U**(1/alpha) (in log space: adds log(U)/alpha, with
 * log U = -Exponential). Marsaglia–Tsang with d = alpha - 1/3, c = 1/(3 sqrt d): draw a
 * normal x with v = (1 + c x)**3 > 0 (an inner loop), and U uniform; accept d v when
 * U < 1 - 0.0331 x**4 or log U < x**2/2 + d (1 - v + log v). The loop starts in a state
 * that the acceptance test rejects.
 */
function gammaOne(key: JaxArray, alpha: JaxArray, logSpace: boolean): JaxArray {
  const boostMask = lax.ge(alpha, 1);
  const alphaOrig = alpha;
  const a = lax.select(boostMask, alpha, lax.add(alpha, 1));
  const d = lax.sub(a, THIRD);
  const c = lax.div(THIRD, lax.sqrt(d));

  type State = [JaxArray, JaxArray, JaxArray, JaxArray];
  const rejected = ([, X, V, U]: State): JaxArray =>
    lax.bitwiseAnd(
      lax.ge(U, lax.sub(1, lax.mul(SQUEEZE, lax.mul(X, X)))),
      lax.ge(lax.log(U), lax.add(lax.mul(X, 0.5), lax.mul(d, lax.add(lax.sub(1, V), lax.log(V))))),
    );
  const propose = ([k]: State): State => {
    const [next, xKey, uKey] = splitKeys(k, 3) as [JaxArray, JaxArray, JaxArray];
    type Inner = [JaxArray, JaxArray, JaxArray];
    const [, x, v] = lax.whileLoop(
      ([, , vv]: Inner) => lax.le(vv, 0),
      ([kk]: Inner): Inner => {
        const [kn, sub] = splitKeys(kk, 2) as [JaxArray, JaxArray];
        const xn = normalRaw(sub, []);
        return [kn, xn, lax.add(1, lax.mul(xn, c))];
      },
      [xKey, zeroF(), lax.scalar(-1, "float32")] as Inner,
    ) as Inner;
    return [next, lax.mul(x, x), lax.mul(lax.mul(v, v), v), unit(uKey)];
  };
  const [k0, sub] = splitKeys(key, 2) as [JaxArray, JaxArray];
  const init: State = [k0, zeroF(), lax.scalar(1, "float32"), lax.scalar(2, "float32")];
  const V = (lax.whileLoop(rejected, propose, init) as State)[2];
  if (logSpace) {
    const logSamples = lax.neg(exponentialRaw(sub, []));
    const logBoost = lax.select(
      lax.bitwiseOr(boostMask, lax.eq(logSamples, 0)),
      zeroF(),
      lax.mul(logSamples, lax.div(1, alphaOrig)),
    );
    return lax.add(lax.add(lax.log(d), lax.log(V)), logBoost);
  }
  const samples = lax.sub(1, unit(sub));
  const boost = lax.select(boostMask, lax.scalar(1, "float32"), lax.pow(samples, lax.div(1, alphaOrig)));
  return lax.mul(lax.mul(d, V), boost);
}

/**
 * Draws for `a` already broadcast to the output shape (JAX's random_gamma_p impl): one key
 * per element from split(key, size), the scalar sampler vmapped over (keys, alphas).
 */
const gammaDraws = jitSampler(
  "_gamma",
  (k: JaxArray, a: JaxArray, logSpace: boolean): JaxArray => {
    const n = a.size;
    if (n === 0) return lax.full(a.shape, 0, "float32");
    const keys = split(k, n);
    const alphas = lax.reshape(a, [n]);
    const out = vmap((kk: JaxArray, al: JaxArray) => gammaOne(kk, al, logSpace))(keys, alphas) as JaxArray;
    return lax.reshape(out, a.shape);
  },
  [2],
);

/**
 * The samples with JAX's derivative in `a`: d(sample)/da = random_gamma_grad(a, sample)
 * (divided by the sample in log space), the implicit reparameterization gradient
 * -(dF/da) / (dF/dx) of the Gamma CDF F. The value is the sample itself: it is written as
 * sample + (a - stop_gradient(a)) * stop_gradient(grad), whose second term is exactly zero
 * and whose derivative is the rule. Only a traced `a` can carry a derivative, so concrete
 * parameters skip the gradient computation. Higher derivatives in `a` are not modelled
 * (the rule's own derivative is dropped).
 */
function withGammaGrad(k: JaxArray, a: JaxArray, logSpace: boolean): JaxArray {
  if (!(a instanceof Tracer)) return gammaDraws(k, a, logSpace);
  const aS = stopGradient(a);
  const samples = gammaDraws(k, aS, logSpace);
  let g: JaxArray;
  if (logSpace) {
    // d log(x) = dx / x, with x = exp(log sample) (the smallest normal float when it underflows).
    let x = lax.exp(samples);
    x = lax.select(lax.eq(x, 0), lax.fullLike(x, finfo("float32").tiny), x);
    g = lax.div(gammaSampleGrad(aS, x), x);
  } else {
    g = gammaSampleGrad(aS, samples);
  }
  g = stopGradient(lax.select(lax.isFinite(g), g, lax.zerosLike(g)));
  const delta = lax.select(lax.isFinite(a), lax.sub(a, aS), lax.zerosLike(a));
  return lax.add(samples, lax.mul(delta, g));
}

export interface FloatOptions {
  /** A float dtype (float32; float64 gives float32, as JAX without x64). */
  dtype?: string;
}

/** Shared front end of gamma and loggamma: checks, broadcasting, dtype. */
export function gammaImpl(key: KeyArray | JaxArray, a: Param, shape: readonly number[] | null | undefined, dtype: DType, logSpace: boolean, name: string): JaxArray {
  const [k] = unwrapSingle(key, name);
  const al = f32(a);
  checkValues(al, name, "a must be positive", (v) => v > 0);
  let s: number[];
  if (shape === undefined || shape === null) {
    s = al.shape;
  } else {
    s = checkShape(shape, name);
    checkBroadcast(s, name, al.shape);
  }
  return lax.convertElementType(withGammaGrad(k, bcast(al, s), logSpace), dtype);
}

/**
 * random.gamma(key, a, shape?, {dtype}): Gamma(a, 1) draws (shape defaults to a's shape);
 * differentiable in `a` (JAX's implicit reparameterization gradient).
 */
export function gamma(key: KeyArray, a: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  return gammaImpl(key, a, shape, floatDtype(opts.dtype, "gamma"), false, "gamma");
}

/**
 * random.loggamma(key, a, shape?, {dtype}): log of Gamma(a, 1) draws, computed in log space
 * so tiny draws (a << 1) keep their precision; exp(loggamma(k, a)) ≈ gamma(k, a).
 */
export function loggamma(key: KeyArray, a: Param, shape?: readonly number[] | null, opts: FloatOptions = {}): JaxArray {
  return gammaImpl(key, a, shape, floatDtype(opts.dtype, "loggamma"), true, "loggamma");
}
