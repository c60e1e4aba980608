// jax.random.gamma and loggamma: JAX's Marsaglia–Tsang rejection sampler, one scalar
// sampler per element (each with its own key from split(key, size)) vmapped over the
// elements, so its while loops run with a batched predicate exactly as JAX's do. Their
// derivative with respect to `a` is JAX's implicit reparameterization (random_gamma_grad),
// attached as a custom jvp rule.
import type { JaxArray } from "../core/array.js";
import { type DType, finfo } from "../core/dtypes.js";
import { vmap } from "../transforms/api.js";
import { customJvp } from "../transforms/custom_derivatives.js";
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
 * d(sample)/da for Gamma(a) samples: random_gamma_grad(a, sample), divided by the sample in
 * log space (d log x = dx / x, with x = exp(log sample) raised to the smallest normal float
 * where it underflows), as JAX's _gamma_grad.
 */
function gammaGrad(samples: JaxArray, a: JaxArray, logSpace: boolean): JaxArray {
  if (!logSpace) return gammaSampleGrad(a, samples);
  let x = lax.exp(samples);
  x = lax.select(lax.eq(x, 0), lax.fullLike(x, finfo("float32").tiny), x);
  return lax.div(gammaSampleGrad(a, x), x);
}

/**
 * The samples with JAX's derivative in `a` (random_gamma_p's jvp rule): tangent ·
 * random_gamma_grad(a, sample), the implicit reparameterization gradient -(dF/da) / (dF/dx) of
 * the Gamma CDF F. The rule is written in lax ops of a and the sample, so derivatives of higher
 * order differentiate it in turn (through the sample too), as in JAX: forward mode through its
 * while loops works, reverse mode through them raises JAX's while_loop error.
 */
const gammaWithGrad = customJvp(
  function gamma(k: JaxArray, a: JaxArray, logSpace: boolean): JaxArray {
    return gammaDraws(k, a, logSpace);
  },
  { nondiffArgnums: [2] },
);
gammaWithGrad.defjvp(function gammaJvp(logSpace: boolean, [k, a]: JaxArray[], [, aDot]: JaxArray[]) {
  const samples = gammaWithGrad(k!, a!, logSpace);
  return [samples, lax.mul(aDot!, gammaGrad(samples, a!, logSpace))];
});

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
  return lax.convertElementType(gammaWithGrad(k, bcast(al, s), logSpace), dtype);
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
