// jax.scipy.stats (jax/_src/scipy/stats/*.py): log-densities, densities and distribution
// functions of the common distributions, each the same composition of jnp ops as JAX's (loc and
// scale are positional arguments with defaults 0 and 1, as in JAX). Every distribution is an
// object of functions: `stats.norm.logpdf(x, loc, scale)`.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { npShape } from "../numpy/util.js";
import { betainc, betaln, expit, gammainc, gammaincc, gammaln, logit, logNdtr, ndtr, ndtri, xlog1py, xlogy } from "./special.js";

const prom = (name: string, ...xs: ArrayLike[]): JaxArray[] => jnp.promoteArgsInexact(name, ...xs);
const NEG_INF = -Infinity;
const LOG_2PI = Math.log(2 * Math.PI);
/** −∞ where `bad`, else v. */
const orNegInf = (bad: JaxArray, v: JaxArray): JaxArray => jnp.where(bad, jnp.fullLike(v, NEG_INF), v);
/** NaN where q is outside [0, 1], else v. */
const nanOutside01 = (q: JaxArray, v: JaxArray): JaxArray =>
  jnp.where(jnp.logicalOr(jnp.less(q, 0), jnp.greater(q, 1)), jnp.fullLike(v, NaN), v);

// ---- norm -------------------------------------------------------------------------------------

/** The normal distribution N(loc, scale²). */
export const norm = {
  /** −((x − loc)²/scale² + log(2π scale²)) / 2. */
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.logpdf", x, loc, scale);
    const s2 = jnp.square(s!);
    const logNormalizer = jnp.log(jnp.multiply(s2, 2 * Math.PI));
    const quadratic = jnp.divide(jnp.square(jnp.subtract(a!, l!)), s2);
    return jnp.divide(jnp.add(logNormalizer, quadratic), -2);
  },
  pdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(norm.logpdf(x, loc, scale)),
  /** Φ((x − loc)/scale). */
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.cdf", x, loc, scale);
    return ndtr(jnp.divide(jnp.subtract(a!, l!), s!));
  },
  logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.logcdf", x, loc, scale);
    return logNdtr(jnp.divide(jnp.subtract(a!, l!), s!));
  },
  /** loc + scale Φ⁻¹(q). */
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.ppf", q, loc, scale);
    return jnp.add(jnp.multiply(ndtri(a!), s!), l!);
  },
  /** 1 − cdf, as cdf(−x, −loc, scale). */
  sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.sf", x, loc, scale);
    return norm.cdf(jnp.negative(a!), jnp.negative(l!), s!);
  },
  logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.logsf", x, loc, scale);
    return norm.logcdf(jnp.negative(a!), jnp.negative(l!), s!);
  },
  /** The inverse of sf: −ppf(q, −loc, scale). */
  isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("norm.isf", q, loc, scale);
    return jnp.negative(norm.ppf(a!, jnp.negative(l!), s!));
  },
};

// ---- expon ------------------------------------------------------------------------------------

/** The standardized argument (x − loc)/scale of a location–scale family. */
function standardize(name: string, x: ArrayLike, loc: ArrayLike, scale: ArrayLike): [JaxArray, JaxArray, JaxArray] {
  const [a, l, s] = prom(name, x, loc, scale);
  return [jnp.divide(jnp.subtract(a!, l!), s!), l!, s!];
}

/** The exponential distribution with density e^(−(x − loc)/scale)/scale on x ≥ loc. */
export const expon = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y, , s] = standardize("expon.logpdf", x, loc, scale);
    return orNegInf(jnp.less(y, 0), jnp.negative(jnp.add(y, jnp.log(s))));
  },
  pdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(expon.logpdf(x, loc, scale)),
  /** 1 − e^(−y) as −expm1(−y), 0 below loc. */
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("expon.cdf", x, loc, scale);
    return jnp.where(jnp.less(y, 0), jnp.zerosLike(y), jnp.negative(jnp.expm1(jnp.negative(y))));
  },
  logcdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("expon.logcdf", x, loc, scale);
    return orNegInf(jnp.less(y, 0), jnp.log(jnp.negative(jnp.expm1(jnp.negative(y)))));
  },
  sf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("expon.sf", x, loc, scale);
    return jnp.where(jnp.less(y, 0), jnp.onesLike(y), jnp.exp(jnp.negative(y)));
  },
  logsf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("expon.logsf", x, loc, scale);
    return jnp.where(jnp.less(y, 0), jnp.zerosLike(y), jnp.negative(y));
  },
  /** loc − scale · log1p(−q); NaN outside [0, 1]. */
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("expon.ppf", q, loc, scale);
    return nanOutside01(a!, jnp.add(jnp.multiply(jnp.negative(jnp.log1p(jnp.negative(a!))), s!), l!));
  },
};

// ---- logistic, laplace, cauchy ----------------------------------------------------------------

/** The logistic distribution: density e^(−y)/(scale (1 + e^(−y))²), y = (x − loc)/scale. */
export const logistic = {
  /** −2 logaddexp(y/2, −y/2) − log scale (symmetric, no overflow). */
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y, , s] = standardize("logistic.logpdf", x, loc, scale);
    const h = jnp.multiply(y, 0.5);
    return jnp.subtract(jnp.multiply(jnp.logaddexp(h, jnp.negative(h)), -2), jnp.log(s));
  },
  pdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(logistic.logpdf(x, loc, scale)),
  cdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => expit(standardize("logistic.cdf", x, loc, scale)[0]),
  sf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray =>
    expit(jnp.negative(standardize("logistic.sf", x, loc, scale)[0])),
  /** loc + scale · logit(q). */
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("logistic.ppf", q, loc, scale);
    return jnp.add(jnp.multiply(logit(a!), s!), l!);
  },
  /** loc − scale · logit(q). */
  isf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("logistic.isf", q, loc, scale);
    return jnp.add(jnp.multiply(jnp.negative(logit(a!)), s!), l!);
  },
};

/** The Laplace distribution: density e^(−|x − loc|/scale) / (2 scale). */
export const laplace = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y, , s] = standardize("laplace.logpdf", x, loc, scale);
    return jnp.negative(jnp.add(jnp.abs(y), jnp.log(jnp.multiply(s, 2))));
  },
  pdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(laplace.logpdf(x, loc, scale)),
  /** e^y/2 below loc, 1 − e^(−y)/2 above. */
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("laplace.cdf", x, loc, scale);
    return jnp.where(jnp.less(y, 0), jnp.multiply(jnp.exp(y), 0.5), jnp.subtract(1, jnp.multiply(jnp.exp(jnp.negative(y)), 0.5)));
  },
};

/** The Cauchy distribution: density 1 / (π scale (1 + y²)). */
export const cauchy = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y, , s] = standardize("cauchy.logpdf", x, loc, scale);
    return jnp.negative(jnp.add(jnp.log(jnp.multiply(s, Math.PI)), jnp.log1p(jnp.square(y))));
  },
  pdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(cauchy.logpdf(x, loc, scale)),
  /** ½ + arctan(y)/π. */
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("cauchy.cdf", x, loc, scale);
    return jnp.add(jnp.divide(jnp.arctan(y), Math.PI), 0.5);
  },
  /** loc + scale · tan(π(q − ½)). */
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("cauchy.ppf", q, loc, scale);
    return nanOutside01(a!, jnp.add(jnp.multiply(jnp.tan(jnp.multiply(jnp.subtract(a!, 0.5), Math.PI)), s!), l!));
  },
};

// ---- t, gamma, beta, uniform ------------------------------------------------------------------

/** Student's t distribution with `df` degrees of freedom. */
export const t = {
  /**
   * −(log Γ(df/2) + ½ log(π df scale²) − log Γ((df + 1)/2) + (df + 1)/2 · log1p(y²/df)).
   */
  logpdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, d, l, s] = prom("t.logpdf", x, df, loc, scale);
    const y = jnp.divide(jnp.subtract(a!, l!), s!);
    const half = jnp.multiply(d!, 0.5);
    const halfPlus = jnp.add(half, 0.5);
    const normTmp = jnp.multiply(jnp.log(jnp.multiply(jnp.square(s!), jnp.multiply(d!, Math.PI))), 0.5);
    const normalize = jnp.subtract(jnp.add(lax.lgamma(half), normTmp), lax.lgamma(halfPlus));
    return jnp.negative(jnp.add(normalize, jnp.multiply(halfPlus, jnp.log1p(jnp.divide(jnp.square(y), d!)))));
  },
  pdf: (x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(t.logpdf(x, df, loc, scale)),
  /** With w = df/(df + y²): I_w(df/2, ½)/2 for y < 0, 1 − I_w(df/2, ½)/2 otherwise. */
  cdf(x: ArrayLike, df: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, d, l, s] = prom("t.cdf", x, df, loc, scale);
    const y = jnp.divide(jnp.subtract(a!, l!), s!);
    const half = jnp.multiply(betainc(jnp.multiply(d!, 0.5), 0.5, jnp.divide(d!, jnp.add(d!, jnp.square(y)))), 0.5);
    return jnp.where(jnp.less(y, 0), half, jnp.subtract(1, half));
  },
};

/** The gamma distribution with shape a: density y^(a−1) e^(−y) / (Γ(a) scale). */
export const gamma = {
  logpdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [xx, aa, l, s] = prom("gamma.logpdf", x, a, loc, scale);
    const y = jnp.divide(jnp.subtract(xx!, l!), s!);
    const linear = jnp.subtract(xlogy(jnp.subtract(aa!, 1), y), y);
    const shape = jnp.add(gammaln(aa!), jnp.log(s!));
    return orNegInf(jnp.less(xx!, l!), jnp.subtract(linear, shape));
  },
  pdf: (x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(gamma.logpdf(x, a, loc, scale)),
  /** P(a, max(y, 0)), the regularized lower incomplete gamma function. */
  cdf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [xx, aa, l, s] = prom("gamma.cdf", x, a, loc, scale);
    return gammainc(aa!, jnp.maximum(jnp.divide(jnp.subtract(xx!, l!), s!), 0));
  },
  logcdf: (x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.log(gamma.cdf(x, a, loc, scale)),
  /** Q(a, max(y, 0)). */
  sf(x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [xx, aa, l, s] = prom("gamma.sf", x, a, loc, scale);
    return gammaincc(aa!, jnp.maximum(jnp.divide(jnp.subtract(xx!, l!), s!), 0));
  },
  logsf: (x: ArrayLike, a: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.log(gamma.sf(x, a, loc, scale)),
};

/** The beta distribution: density y^(a−1)(1 − y)^(b−1) / (B(a, b) scale) on [loc, loc + scale]. */
export const beta = {
  logpdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [xx, aa, bb, l, s] = prom("beta.logpdf", x, a, b, loc, scale);
    const y = jnp.divide(jnp.subtract(xx!, l!), s!);
    const linear = jnp.add(xlogy(jnp.subtract(aa!, 1), y), xlog1py(jnp.subtract(bb!, 1), jnp.negative(y)));
    const logp = jnp.subtract(jnp.subtract(linear, betaln(aa!, bb!)), jnp.log(s!));
    return orNegInf(jnp.logicalOr(jnp.greater(xx!, jnp.add(l!, s!)), jnp.less(xx!, l!)), logp);
  },
  pdf: (x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray =>
    jnp.exp(beta.logpdf(x, a, b, loc, scale)),
  /** I_y(a, b) with y = (x − loc)/scale clipped to [0, 1]. */
  cdf(x: ArrayLike, a: ArrayLike, b: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [xx, aa, bb, l, s] = prom("beta.cdf", x, a, b, loc, scale);
    return betainc(aa!, bb!, jnp.clip(jnp.divide(jnp.subtract(xx!, l!), s!), 0, 1));
  },
};

/** The uniform distribution on [loc, loc + scale]. */
export const uniform = {
  logpdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("uniform.logpdf", x, loc, scale);
    const outside = jnp.logicalOr(jnp.greater(a!, jnp.add(l!, s!)), jnp.less(a!, l!));
    return orNegInf(outside, jnp.broadcastTo(jnp.negative(jnp.log(s!)), a!.shape));
  },
  pdf: (x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray => jnp.exp(uniform.logpdf(x, loc, scale)),
  cdf(x: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [y] = standardize("uniform.cdf", x, loc, scale);
    return jnp.clip(y, 0, 1);
  },
  /** loc + q · scale; NaN outside [0, 1]. */
  ppf(q: ArrayLike, loc: ArrayLike = 0, scale: ArrayLike = 1): JaxArray {
    const [a, l, s] = prom("uniform.ppf", q, loc, scale);
    return nanOutside01(a!, jnp.add(l!, jnp.multiply(a!, s!)));
  },
};

// ---- discrete: poisson, bernoulli -------------------------------------------------------------

/** The Poisson distribution with mean mu, shifted by loc. */
export const poisson = {
  /** k log mu − log Γ(k + 1) − mu for integer k ≥ 0 (k − loc), −∞ elsewhere. */
  logpmf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0): JaxArray {
    const [kk, m, l] = prom("poisson.logpmf", k, mu, loc);
    const x = jnp.subtract(kk!, l!);
    const logp = jnp.subtract(jnp.subtract(xlogy(x, m!), gammaln(jnp.add(x, 1))), m!);
    return orNegInf(jnp.logicalOr(jnp.less(x, 0), jnp.notEqual(x, jnp.round(x))), logp);
  },
  pmf: (k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0): JaxArray => jnp.exp(poisson.logpmf(k, mu, loc)),
  /** Q(⌊k − loc⌋ + 1, mu), 0 below loc. */
  cdf(k: ArrayLike, mu: ArrayLike, loc: ArrayLike = 0): JaxArray {
    const [kk, m, l] = prom("poisson.cdf", k, mu, loc);
    const x = jnp.subtract(kk!, l!);
    return jnp.where(jnp.less(x, 0), jnp.zerosLike(x), gammaincc(jnp.floor(jnp.add(x, 1)), m!));
  },
};

/** The Bernoulli distribution with success probability p, shifted by loc. */
export const bernoulli = {
  /** k log p + (1 − k) log(1 − p) for k − loc ∈ [0, 1], −∞ elsewhere. */
  logpmf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): JaxArray {
    const [kk, pp, l] = prom("bernoulli.logpmf", k, p, loc);
    const x = jnp.subtract(kk!, l!);
    const logp = jnp.add(xlogy(x, pp!), xlog1py(jnp.subtract(1, x), jnp.negative(pp!)));
    return orNegInf(jnp.logicalOr(jnp.less(x, 0), jnp.greater(x, 1)), logp);
  },
  pmf: (k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): JaxArray => jnp.exp(bernoulli.logpmf(k, p, loc)),
  /** 0 below 0, 1 − p on [0, 1), 1 from 1 on (in k − loc). */
  cdf(k: ArrayLike, p: ArrayLike, loc: ArrayLike = 0): JaxArray {
    const [kk, pp, l] = prom("bernoulli.cdf", k, p, loc);
    const x = jnp.subtract(kk!, l!);
    return jnp.where(jnp.less(x, 0), jnp.zerosLike(x), jnp.where(jnp.less(x, 1), jnp.subtract(1, pp!), jnp.onesLike(x)));
  },
};

// ---- multivariate_normal, dirichlet ------------------------------------------------------------

/** The operands converted to their common float dtype, shapes unchanged. */
function promoteDTypes(name: string, ...xs: ArrayLike[]): [JaxArray, JaxArray, JaxArray] {
  const arrs = xs.map((x) => jnp.asarray(x));
  const first = prom(name, ...arrs.map((x) => jnp.zeros([], { dtype: x.dtype })))[0]!;
  return arrs.map((x) => (x.dtype === first.dtype ? x : jnp.asarray(x, { dtype: first.dtype }))) as [JaxArray, JaxArray, JaxArray];
}

/** The multivariate normal distribution N(mean, cov) over the last axis. */
export const multivariate_normal = {
  /**
   * With cov = L Lᵀ (Cholesky) and y = L⁻¹(x − mean): −½|y|² − (n/2) log 2π − Σ log Lᵢᵢ. As in
   * JAX, a scalar mean makes it the univariate normal elementwise, and a scalar cov with a
   * vector mean is the isotropic covariance cov·I.
   */
  logpdf(x: ArrayLike, mean: ArrayLike, cov: ArrayLike): JaxArray {
    const [a, mu, S] = promoteDTypes("multivariate_normal.logpdf", x, mean, cov);
    const d = jnp.subtract(a, mu);
    if (mu.ndim === 0) {
      return jnp.subtract(jnp.multiply(jnp.divide(jnp.square(d), S), -0.5), jnp.multiply(jnp.add(jnp.log(S), LOG_2PI), 0.5));
    }
    const n = mu.shape[mu.ndim - 1]!;
    if (S.ndim === 0) {
      const quad = jnp.divide(jnp.sum(jnp.square(d), -1), S);
      return jnp.subtract(jnp.multiply(quad, -0.5), jnp.multiply(jnp.add(jnp.log(S), LOG_2PI), n / 2));
    }
    if (S.ndim < 2 || S.shape[S.ndim - 1] !== n || S.shape[S.ndim - 2] !== n) {
      throw new ValueError("multivariate_normal.logpdf got incompatible shapes");
    }
    const L = lax.linalg.cholesky(S);
    const batch = jnp.broadcastShapes(d.shape.slice(0, -1), L.shape.slice(0, -2));
    const Lb = jnp.broadcastTo(L, [...batch, n, n]);
    const db = jnp.broadcastTo(d, [...batch, n]);
    const y = lax.linalg.triangularSolve(Lb, db, { leftSide: true, lower: true });
    const logDet = jnp.sum(jnp.log(jnp.diagonal(L, { axis1: -2, axis2: -1 })), -1);
    return jnp.subtract(jnp.subtract(jnp.multiply(jnp.sum(jnp.square(y), -1), -0.5), (n / 2) * LOG_2PI), logDet);
  },
  pdf: (x: ArrayLike, mean: ArrayLike, cov: ArrayLike): JaxArray => jnp.exp(multivariate_normal.logpdf(x, mean, cov)),
};

/** JAX's simplex test: all entries > 0 and |Σx − 1| < 1e-6 along axis 0. */
const isSimplex = (x: JaxArray): JaxArray =>
  jnp.logicalAnd(jnp.all(jnp.greater(x, 0), 0), jnp.less(jnp.abs(jnp.subtract(jnp.sum(x, 0), 1)), 1e-6));

/** The Dirichlet distribution with concentrations alpha (a vector); x's axis 0 runs over categories. */
export const dirichlet = {
  /**
   * Σ (αᵢ − 1) log xᵢ − (Σ log Γ(αᵢ) − log Γ(Σ αᵢ)), −∞ off the simplex. x may omit the last
   * category (then xₖ = 1 − Σ the others).
   */
  logpdf(x: ArrayLike, alpha: ArrayLike): JaxArray {
    let [xx, al] = promoteDTypes("dirichlet.logpdf", x, alpha, 0);
    if (al.ndim !== 1) throw new ValueError(`\`alpha\` must be one-dimensional; got alpha.shape=${npShape(al.shape)}`);
    const k = al.shape[0]!;
    if (xx.shape[0] !== k && xx.shape[0] !== k - 1) {
      throw new ValueError(
        "`x` must have either the same number of entries as `alpha` or one entry fewer; " +
          `got x.shape=${npShape(xx.shape)}, alpha.shape=${npShape(al.shape)}`,
      );
    }
    if (xx.shape[0] !== k) xx = jnp.concatenate([xx, jnp.subtract(1, jnp.sum(xx, { axis: 0, keepdims: true }))], 0);
    const normalize = jnp.subtract(jnp.sum(gammaln(al)), gammaln(jnp.sum(al)));
    if (xx.ndim > 1) al = jnp.reshape(al, [k, ...Array(xx.ndim - 1).fill(1)]);
    const logp = jnp.subtract(jnp.sum(xlogy(jnp.subtract(al, 1), xx), 0), normalize);
    return orNegInf(jnp.logicalNot(isSimplex(xx)), logp);
  },
  pdf: (x: ArrayLike, alpha: ArrayLike): JaxArray => jnp.exp(dirichlet.logpdf(x, alpha)),
};
