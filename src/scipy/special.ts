// jax.scipy.special (jax/_src/scipy/special.py): special functions composed from jnp/lax ops,
// with JAX's definitions: ndtr through erf/erfc by region, ndtri by Cephes's piecewise rational
// approximations, log_ndtr with the asymptotic series in the lower tail, xlogy/xlog1py/entr with
// JAX's custom JVPs (0 · log 0 = 0 in value). The lax primitives (erf, lgamma, digamma, ...) are
// re-exported under SciPy's names; logsumexp, softmax and logSoftmax are jax.nn's.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { customJvp } from "../transforms/custom_derivatives.js";

export { logsumexp, softmax, logSoftmax } from "../nn/functions.js";

/** x as a float array (integers promote, JS numbers are weak float32). */
const inexact = (name: string, x: ArrayLike): JaxArray => jnp.promoteArgsInexact(name, x)[0]!;
/** A constant of x's dtype, weakly typed. */
const c = (x: JaxArray, v: number): JaxArray => lax.fullLike(x, v);

/** The error function erf(x). */
export const erf = (x: ArrayLike): JaxArray => lax.erf(inexact("erf", x));
/** The complementary error function 1 − erf(x). */
export const erfc = (x: ArrayLike): JaxArray => lax.erfc(inexact("erfc", x));
/** The inverse of erf. */
export const erfinv = (x: ArrayLike): JaxArray => lax.erfInv(inexact("erfinv", x));
/** log|Γ(x)|. */
export const gammaln = (x: ArrayLike): JaxArray => lax.lgamma(inexact("gammaln", x));
/** ψ(x) = d/dx log Γ(x). */
export const digamma = (x: ArrayLike): JaxArray => lax.digamma(inexact("digamma", x));
/** The logistic sigmoid 1 / (1 + e^(−x)). */
export const expit = (x: ArrayLike): JaxArray => lax.logistic(inexact("expit", x));

// log(x / (1 − x)) with JAX's jvp ẋ / (x (1 − x)).
const logitCore = customJvp(function logit(x: JaxArray): JaxArray {
  return jnp.log(jnp.divide(x, jnp.subtract(1, x)));
});
logitCore.defjvps((g: JaxArray, _ans: JaxArray, x: JaxArray) => jnp.divide(g, jnp.multiply(x, jnp.subtract(1, x))));

/** The logit log(x / (1 − x)), the inverse of expit. */
export const logit = (x: ArrayLike): JaxArray => logitCore(inexact("logit", x));

/** log B(a, b) = log Γ(a) + log Γ(b) − log Γ(a + b). */
export function betaln(a: ArrayLike, b: ArrayLike): JaxArray {
  const [x, y] = jnp.promoteArgsInexact("betaln", a, b);
  return jnp.subtract(jnp.add(lax.lgamma(x!), lax.lgamma(y!)), lax.lgamma(jnp.add(x!, y!)));
}

/**
 * The log of the multivariate gamma function of dimension d:
 * log Γ_d(a) = d(d − 1)/4 · log π + Σ_{j<d} log Γ(a − j/2).
 */
export function multigammaln(a: ArrayLike, d: number): JaxArray {
  if (!Number.isInteger(d)) throw new TypeError(`d should be a positive integer, got ${d}`);
  if (d < 1) throw new ValueError(`d should be a positive integer, got ${d}`);
  const x = inexact("multigammaln", a);
  let s = jnp.multiply(jnp.zerosLike(x), 0);
  for (let j = 0; j < d; j++) s = jnp.add(s, lax.lgamma(jnp.subtract(x, j / 2)));
  return jnp.add(s, (d * (d - 1)) / 4 * Math.log(Math.PI));
}

// ---- xlogy, xlog1py, entr: 0 · log 0 = 0 -------------------------------------------------------

// x·log(y) with 0 where x = 0 (safe operands keep NaN out of the unselected branch). JAX's jvp
// is the plain product rule ẋ·log y + ẏ·x/y, so derivatives at x = 0 follow the formula.
const xlogyCore = customJvp(function xlogy(x: JaxArray, y: JaxArray): JaxArray {
  const ok = jnp.notEqual(x, 0);
  const safeY = jnp.where(ok, y, jnp.onesLike(y));
  return jnp.where(ok, jnp.multiply(x, jnp.log(safeY)), jnp.zerosLike(x));
});
xlogyCore.defjvp(function xlogyJvp([x, y]: JaxArray[], [xd, yd]: JaxArray[]) {
  const out = xlogyCore(x!, y!);
  return [out, jnp.add(jnp.multiply(xd!, jnp.log(y!)), jnp.divide(jnp.multiply(yd!, x!), y!))];
});

/** x · log(y), 0 where x = 0. */
export function xlogy(x: ArrayLike, y: ArrayLike): JaxArray {
  const [a, b] = jnp.promoteArgsInexact("xlogy", x, y);
  return xlogyCore(a!, b!);
}

// x·log1p(y) with 0 where x = 0; jvp ẋ·log1p(y) + ẏ·x/(1 + y).
const xlog1pyCore = customJvp(function xlog1py(x: JaxArray, y: JaxArray): JaxArray {
  const ok = jnp.notEqual(x, 0);
  const safeY = jnp.where(ok, y, jnp.zerosLike(y));
  return jnp.where(ok, jnp.multiply(x, jnp.log1p(safeY)), jnp.zerosLike(x));
});
xlog1pyCore.defjvp(function xlog1pyJvp([x, y]: JaxArray[], [xd, yd]: JaxArray[]) {
  const out = xlog1pyCore(x!, y!);
  return [out, jnp.add(jnp.multiply(xd!, jnp.log1p(y!)), jnp.divide(jnp.multiply(yd!, x!), jnp.add(y!, 1)))];
});

/** x · log(1 + y), 0 where x = 0. */
export function xlog1py(x: ArrayLike, y: ArrayLike): JaxArray {
  const [a, b] = jnp.promoteArgsInexact("xlog1py", x, y);
  return xlog1pyCore(a!, b!);
}

// x·log x with jvp ẋ·(log x + 1) (JAX's _xlogx).
const xlogx = customJvp(function xlogx(x: JaxArray): JaxArray {
  return xlogyCore(x, x);
});
xlogx.defjvps((g: JaxArray, _ans: JaxArray, x: JaxArray) => jnp.multiply(g, jnp.add(jnp.log(x), 1)));

/** The elementwise entropy −x log x for x > 0, 0 at 0, −∞ for x < 0. */
export function entr(x: ArrayLike): JaxArray {
  const a = inexact("entr", x);
  return jnp.where(jnp.less(a, 0), jnp.fullLike(a, -Infinity), jnp.negative(xlogx(a)));
}

// ---- the normal distribution function -----------------------------------------------------------

/**
 * ndtr(x) = Φ(x) = ½ erfc(−x/√2): with z = |x|/√2, 1 + erf(x/√2) near 0 and 2 − erfc(z) or
 * erfc(z) in the tails (JAX's regions, which keep the lower tail's relative accuracy).
 */
export function ndtr(x: ArrayLike): JaxArray {
  const a = inexact("ndtr", x);
  const h = Math.SQRT1_2;
  const w = jnp.multiply(a, h);
  const z = jnp.abs(w);
  const tail = jnp.where(jnp.greater(w, 0), jnp.subtract(2, lax.erfc(z)), lax.erfc(z));
  return jnp.multiply(jnp.where(jnp.less(z, h), jnp.add(1, lax.erf(w)), tail), 0.5);
}

// Cephes's ndtri coefficients (as in JAX): P0/Q0 for the centre |p − ½| ≤ ½ − e⁻², P1/Q1 and
// P2/Q2 for the tails with z = √(−2 log p) below and above 8. Constant term first.
const P0 = [-1.23916583867381258016, 13.9312609387279679503, -56.6762857469070293439, 98.0010754185999661536, -59.9633501014107895267];
const Q0 = [
  -1.18331621121330003142, 15.9056225126211695515, -82.0372256168333339912, 200.260212380060660359, -225.462687854119370527,
  86.3602421390890590575, 4.67627912898881538453, 1.95448858338141759834, 1.0,
];
const P1 = [
  -8.57456785154685413611e-4, -3.50424626827848203418e-2, -1.40256079171354495875e-1, 2.18663306850790267539,
  14.6849561928858024014, 44.08050738932008347, 57.1628192246421288162, 31.5251094599893866154, 4.05544892305962419923,
];
const Q1 = [
  -9.33259480895457427372e-4, -3.80806407691578277194e-2, -1.42182922854787788574e-1, 2.50464946208309415979,
  15.0425385692907503408, 41.317203825467203044, 45.3907635128879210584, 15.7799883256466749731, 1.0,
];
const P2 = [
  6.2397453918498329373e-9, 2.65806974686737550832e-6, 3.01581553508235416007e-4, 1.23716634817820021358e-2,
  2.01485389549179081538e-1, 1.33303460815807542389, 3.93881025292474443415, 6.91522889068984211695, 3.2377489177694603597,
];
const Q2 = [
  6.79019408009981274425e-9, 2.89247864745380683936e-6, 3.28014464682127739104e-4, 1.34204006088543189037e-2,
  2.1623699359449663589e-1, 1.37702099489081330271, 3.67983563856160859403, 6.02427039364742014255, 1.0,
];

/** Σ coeffs[i] · vⁱ by Horner's rule. */
function polyval(coeffs: readonly number[], v: JaxArray): JaxArray {
  let acc = c(v, coeffs[coeffs.length - 1]!);
  for (let i = coeffs.length - 2; i >= 0; i--) acc = jnp.add(jnp.multiply(acc, v), coeffs[i]!);
  return acc;
}

/**
 * ndtri(p) = Φ⁻¹(p): for p in the centre x = √(2π)(w + w³P0(w²)/Q0(w²)), w = p − ½; in the
 * tails x = z − log(z)/z − P(1/z)/(Q(1/z) z), z = √(−2 log p') with p' = min(p, 1 − p); −∞ for
 * p ≤ 0 and +∞ for p ≥ 1 (JAX's convention; SciPy gives NaN outside [0, 1]).
 */
export function ndtri(p: ArrayLike): JaxArray {
  const a = inexact("ndtri", p);
  const e2 = Math.exp(-2);
  const mcp = jnp.where(jnp.greater(a, -Math.expm1(-2)), jnp.subtract(1, a), a);
  const safe = jnp.where(jnp.lessEqual(mcp, 0), jnp.fullLike(a, 0.5), mcp);
  const w = jnp.subtract(safe, 0.5);
  const ww = jnp.square(w);
  const big = jnp.multiply(
    jnp.add(w, jnp.multiply(jnp.multiply(w, ww), jnp.divide(polyval(P0, ww), polyval(Q0, ww)))),
    -Math.sqrt(2 * Math.PI),
  );
  const z = jnp.sqrt(jnp.multiply(jnp.log(safe), -2));
  const first = jnp.subtract(z, jnp.divide(jnp.log(z), z));
  const iz = jnp.reciprocal(z);
  const small = jnp.subtract(first, jnp.divide(jnp.divide(polyval(P2, iz), polyval(Q2, iz)), z));
  const other = jnp.subtract(first, jnp.divide(jnp.divide(polyval(P1, iz), polyval(Q1, iz)), z));
  let x = jnp.where(jnp.greater(safe, e2), big, jnp.where(jnp.greaterEqual(z, 8), small, other));
  x = jnp.where(jnp.greater(a, 1 - e2), x, jnp.negative(x));
  return jnp.where(jnp.lessEqual(a, 0), jnp.fullLike(a, -Infinity), jnp.where(jnp.greaterEqual(a, 1), jnp.fullLike(a, Infinity), x));
}

/** (2n − 1)!! */
const doubleFactorial = (n: number): number => (n <= 1 ? 1 : n * doubleFactorial(n - 2));

/** log Φ(x) for x ≪ −1: −x²/2 − log(−x) − ½ log 2π + log(1 + Σ (−1)ⁿ (2n−1)!!/x²ⁿ). */
function logNdtrLower(x: JaxArray, seriesOrder: number): JaxArray {
  const x2 = jnp.square(x);
  const logScale = jnp.subtract(jnp.subtract(jnp.multiply(x2, -0.5), jnp.log(jnp.negative(x))), 0.5 * Math.log(2 * Math.PI));
  let series = jnp.onesLike(x);
  let x2n = x2;
  for (let n = 1; n <= seriesOrder; n++) {
    const y = jnp.divide(doubleFactorial(2 * n - 1), x2n);
    series = n % 2 === 1 ? jnp.subtract(series, y) : jnp.add(series, y);
    x2n = jnp.multiply(x2n, x2);
  }
  return jnp.add(logScale, jnp.log(series));
}

/** log of the standard normal density. */
const normLogpdf = (x: JaxArray): JaxArray => jnp.subtract(jnp.multiply(jnp.square(x), -0.5), 0.5 * Math.log(2 * Math.PI));

// log Φ(x) by region (JAX's thresholds: upper 5 / lower −10 in float32, 8 / −20 in float64):
// −Φ(−x) above, log Φ(x) between, the asymptotic series below. The clamps keep the unselected
// branches finite. Its jvp is ẋ·φ(x)/Φ(x) = ẋ·exp(log φ(x) − log Φ(x)).
const logNdtrCore = customJvp(
  function logNdtr(x: JaxArray, seriesOrder: number): JaxArray {
    const [lower, upper] = x.dtype === "float64" ? [-20, 8] : [-10, 5];
    return jnp.where(
      jnp.greater(x, upper),
      jnp.negative(ndtr(jnp.negative(x))),
      jnp.where(jnp.greater(x, lower), jnp.log(ndtr(jnp.maximum(x, lower))), logNdtrLower(jnp.minimum(x, lower), seriesOrder)),
    );
  },
  { nondiffArgnums: [1] },
);
logNdtrCore.defjvp(function logNdtrJvp(seriesOrder: number, [x]: JaxArray[], [t]: JaxArray[]) {
  const ans = logNdtrCore(x!, seriesOrder);
  return [ans, jnp.multiply(t!, jnp.exp(jnp.subtract(normLogpdf(x!), ans)))];
});

/** log Φ(x), accurate in both tails; `seriesOrder` (0–30, default 3) terms of the lower-tail series. */
export function logNdtr(x: ArrayLike, seriesOrder = 3): JaxArray {
  if (!Number.isInteger(seriesOrder)) throw new TypeError("series_order must be a Python integer.");
  if (seriesOrder < 0) throw new ValueError("series_order must be non-negative.");
  if (seriesOrder > 30) throw new ValueError("series_order must be <= 30.");
  return logNdtrCore(inexact("log_ndtr", x), seriesOrder);
}
