// jax.scipy.special (jax/_src/scipy/special.py): special functions composed from jnp/lax ops,
// with JAX's definitions: ndtr through erf/erfc by region, ndtri by Cephes's piecewise rational
// approximations, log_ndtr with the asymptotic series in the lower tail, xlogy/xlog1py/entr with
// JAX's custom JVPs (0 · log 0 = 0 in value), i0e/i1e by Cephes's Chebyshev series, and the
// regularized incomplete gamma/beta functions by series and continued fractions in fixed-length
// fori loops (lax has no igamma/betainc primitives; derivatives come from the loops). The lax
// primitives (erf, lgamma, digamma, ...) appear under SciPy's names; logsumexp, softmax and
// logSoftmax are jax.nn's.
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

// ---- modified Bessel functions of orders 0 and 1 -------------------------------------------------

// Cephes's Chebyshev coefficients for i0e and i1e (as XLA's BesselI0e/BesselI1e): A on [0, 8] in
// the variable x/2 − 2, B on (8, ∞) in 32/x − 2 (divided by √x). float32 uses the last 18/17 (A)
// and 7 (B) terms, as XLA does.
const I0E_A = [
  -4.4153416464793393795e-18, 3.33079451882223809783e-17, -2.43127984654795469359e-16, 1.71539128555513303061e-15,
  -1.16853328779934516808e-14, 7.67618549860493561688e-14, -4.8564467831119294609e-13, 2.95505266312963983461e-12,
  -1.72682629144155570723e-11, 9.67580903537323691224e-11, -5.18979560163526290666e-10, 2.65982372468238665035e-9,
  -1.30002500998624804212e-8, 6.04699502254191894932e-8, -2.67079385394061173391e-7, 1.11738753912010371815e-6,
  -4.41673835845875056359e-6, 1.64484480707288970893e-5, -5.75419501008210370398e-5, 1.88502885095841655729e-4,
  -5.76375574538582365885e-4, 1.63947561694133579842e-3, -4.3243099950505759443e-3, 1.05464603945949983183e-2,
  -2.37374148058994688156e-2, 4.93052842396707084878e-2, -9.4901097048047644421e-2, 1.71620901522208775349e-1,
  -3.04682672343198398683e-1, 6.76795274409476084995e-1,
];
const I0E_B = [
  -7.23318048787475395456e-18, -4.83050448594418207126e-18, 4.46562142029675999901e-17, 3.4612228676974610931e-17,
  -2.82762398051658348494e-16, -3.42548561967721913462e-16, 1.7725601330565263836e-15, 3.81168066935262242075e-15,
  -9.5548466988283076487e-15, -4.15056934728722208663e-14, 1.54008621752140982691e-14, 3.85277838274214270114e-13,
  7.18012445138366623367e-13, -1.79417853150680611778e-12, -1.32158118404477131188e-11, -3.14991652796324136454e-11,
  1.18891471078464383424e-11, 4.9406023882249695891e-10, 3.39623202570838634515e-9, 2.26666899049817806459e-8,
  2.04891858946906374183e-7, 2.89137052083475648297e-6, 6.88975834691682398426e-5, 3.3691164782556940899e-3,
  8.04490411014108831608e-1,
];
const I1E_A = [
  2.77791411276104639959e-18, -2.11142121435816608115e-17, 1.55363195773620046921e-16, -1.10559694773538630805e-15,
  7.6006842947354069341e-15, -5.04218550472791168711e-14, 3.22379336594557470981e-13, -1.9839743977649437152e-12,
  1.17361862988909016308e-11, -6.66348972350202774223e-11, 3.62559028155211703701e-10, -1.8872497517228292879e-9,
  9.38153738649577178388e-9, -4.44505912879632808065e-8, 2.00329475355213526229e-7, -8.56872026469545474066e-7,
  3.47025130813767847674e-6, -1.32731636560394358279e-5, 4.78156510755005422638e-5, -1.61760815825896745588e-4,
  5.12285956168575772895e-4, -1.51357245063125314899e-3, 4.15642294431288815669e-3, -1.05640848946261981558e-2,
  2.47264490306265168283e-2, -5.29459812080949914269e-2, 1.02643658689847095384e-1, -1.76416518357834055153e-1,
  2.52587186443633654823e-1,
];
const I1E_B = [
  7.51729631084210481353e-18, 4.41434832307170791151e-18, -4.65030536848935832153e-17, -3.2095259219934239598e-17,
  2.96262899764595013876e-16, 3.30820231092092828324e-16, -1.88035477551078244854e-15, -3.81440307243700780478e-15,
  1.04202769841288027642e-14, 4.27244001671195135429e-14, -2.10154184277266431302e-14, -4.08355111109219731823e-13,
  -7.19855177624590851209e-13, 2.03562854414708950722e-12, 1.41258074366137813316e-11, 3.25260358301548823856e-11,
  -1.8974958123505412345e-11, -5.58974346219658380687e-10, -3.83538038596423702205e-9, -2.63146884688951950684e-8,
  -2.51223623787020892529e-7, -3.88256480887769039346e-6, -1.10588938762623716291e-4, -9.76109749136146840777e-3,
  7.78576235018280120474e-1,
];

/** Cephes's chbevl: Clenshaw's recurrence b₀ = t·b₁ − b₂ + cᵢ, result (b₀ − b₂)/2. */
function chebyshev(coeffs: readonly number[], t: JaxArray): JaxArray {
  let b0 = c(t, coeffs[0]!);
  let b1 = jnp.zerosLike(t);
  let b2 = b1;
  for (const k of coeffs.slice(1)) {
    b2 = b1;
    b1 = b0;
    b0 = jnp.add(jnp.subtract(jnp.multiply(t, b1), b2), k);
  }
  return jnp.multiply(jnp.subtract(b0, b2), 0.5);
}

/**
 * The two Chebyshev branches in z = |x|: A(z/2 − 2) for z ≤ 8, B(32/z − 2)/√z above. The large
 * branch reads a z clamped to ≥ 8 so that its (unselected) value and derivative stay finite at 0.
 */
function besselE(x: JaxArray, a: readonly number[], b: readonly number[], nA: number): [JaxArray, JaxArray, JaxArray] {
  const f32 = x.dtype !== "float64";
  const A = f32 ? a.slice(a.length - nA) : a;
  const B = f32 ? b.slice(b.length - 7) : b;
  const z = jnp.abs(x);
  const small = jnp.lessEqual(z, 8);
  const zBig = jnp.where(small, jnp.fullLike(z, 8), z);
  const lo = chebyshev(A, jnp.subtract(jnp.multiply(z, 0.5), 2));
  const hi = jnp.divide(chebyshev(B, jnp.subtract(jnp.divide(32, zBig), 2)), jnp.sqrt(zBig));
  return [small, lo, hi];
}

/** The exponentially scaled modified Bessel function of order 0, e^(−|x|) I₀(x). */
export function i0e(x: ArrayLike): JaxArray {
  const a = inexact("i0e", x);
  const [small, lo, hi] = besselE(a, I0E_A, I0E_B, 18);
  return jnp.where(small, lo, hi);
}

/** The exponentially scaled modified Bessel function of order 1, e^(−|x|) I₁(x) (odd in x). */
export function i1e(x: ArrayLike): JaxArray {
  const a = inexact("i1e", x);
  const [small, lo, hi] = besselE(a, I1E_A, I1E_B, 17);
  return jnp.multiply(jnp.sign(a), jnp.where(small, jnp.multiply(jnp.abs(a), lo), hi));
}

/** I₀(x) = e^|x| · i0e(x). */
export const i0 = (x: ArrayLike): JaxArray => {
  const a = inexact("i0", x);
  return jnp.multiply(jnp.exp(jnp.abs(a)), i0e(a));
};

/** I₁(x) = e^|x| · i1e(x). */
export const i1 = (x: ArrayLike): JaxArray => {
  const a = inexact("i1", x);
  return jnp.multiply(jnp.exp(jnp.abs(a)), i1e(a));
};

// ---- regularized incomplete gamma functions ------------------------------------------------------

/** Fixed iteration counts: enough for a up to ~1e4 in float32 and float64 (√a-many terms plus slack). */
const igammaSteps = (x: JaxArray): number => (x.dtype === "float64" ? 600 : 300);

/**
 * P(a, x) by its power series e^(−x) x^a / Γ(a + 1) · Σₙ xⁿ / ((a + 1)…(a + n)), valid and fast
 * for x < a + 1 (the terms shrink by x/(a + n) < 1).
 */
function igammaSeries(a: JaxArray, x: JaxArray): JaxArray {
  const [, , sum] = lax.foriLoop(
    0,
    igammaSteps(x),
    (_i, [ap, term, s]: JaxArray[]) => {
      const ap1 = jnp.add(ap!, 1);
      const t = jnp.multiply(term!, jnp.divide(x, ap1));
      return [ap1, t, jnp.add(s!, t)];
    },
    [a, jnp.onesLike(x), jnp.onesLike(x)],
  );
  const logPre = jnp.subtract(jnp.subtract(jnp.multiply(a, jnp.log(x)), x), lax.lgamma(jnp.add(a, 1)));
  return jnp.multiply(jnp.exp(logPre), sum!);
}

/**
 * Q(a, x) by the continued fraction e^(−x) x^a / Γ(a) · 1/(x + 1 − a − 1·(1 − a)/(x + 3 − a − …)),
 * evaluated by the modified Lentz method (tiny values stand in for zero denominators); for
 * x ≥ a + 1.
 */
function igammacFraction(a: JaxArray, x: JaxArray): JaxArray {
  const tiny = x.dtype === "float64" ? 1e-300 : 1e-30;
  const guard = (v: JaxArray) => jnp.where(jnp.less(jnp.abs(v), tiny), jnp.fullLike(v, tiny), v);
  const b0 = jnp.subtract(jnp.add(x, 1), a);
  const d0 = jnp.reciprocal(guard(b0));
  const [, , , h] = lax.foriLoop(
    1,
    igammaSteps(x) + 1,
    (i, [b, cc, d, hh]: JaxArray[]) => {
      const n = jnp.asarray(i, { dtype: x.dtype });
      const an = jnp.negative(jnp.multiply(n, jnp.subtract(n, a)));
      const b2 = jnp.add(b!, 2);
      const dd = jnp.reciprocal(guard(jnp.add(jnp.multiply(an, d!), b2)));
      const c2 = guard(jnp.add(b2, jnp.divide(an, cc!)));
      return [b2, c2, dd, jnp.multiply(hh!, jnp.multiply(dd, c2))];
    },
    [b0, jnp.fullLike(x, 1 / tiny), d0, d0],
  );
  const logPre = jnp.subtract(jnp.subtract(jnp.multiply(a, jnp.log(x)), x), lax.lgamma(a));
  return jnp.multiply(jnp.exp(logPre), h!);
}

/**
 * [P, Q] with each branch fed operands inside its own region (the other region's values are
 * replaced by safe ones, so neither branch produces NaN that a derivative could pick up).
 */
function igammaPQ(name: string, a: ArrayLike, x: ArrayLike): [JaxArray, JaxArray, JaxArray] {
  const [aa, xx] = jnp.promoteArgsInexact(name, a, x);
  const useSeries = jnp.less(xx!, jnp.add(aa!, 1));
  const safeA = jnp.where(jnp.greater(aa!, 0), aa!, jnp.onesLike(aa!));
  const safeX = jnp.where(jnp.greater(xx!, 0), xx!, jnp.onesLike(xx!));
  const p = igammaSeries(safeA, jnp.where(useSeries, safeX, jnp.multiply(safeA, 0.5)));
  const q = igammacFraction(safeA, jnp.where(useSeries, jnp.add(safeA, 1), safeX));
  const bad = jnp.logicalOr(jnp.logicalOr(jnp.lessEqual(aa!, 0), jnp.less(xx!, 0)), jnp.logicalOr(jnp.isnan(aa!), jnp.isnan(xx!)));
  const region = jnp.where(bad, jnp.full(useSeries.shape, 2, { dtype: "int32" }), jnp.where(useSeries, 0, 1));
  return [jnp.where(jnp.equal(region, 0), p, jnp.subtract(1, q)), jnp.where(jnp.equal(region, 0), jnp.subtract(1, p), q), region];
}

/** The regularized lower incomplete gamma function P(a, x) = γ(a, x)/Γ(a); NaN for a ≤ 0 or x < 0. */
export function gammainc(a: ArrayLike, x: ArrayLike): JaxArray {
  const [p, , region] = igammaPQ("gammainc", a, x);
  const xx = jnp.promoteArgsInexact("gammainc", a, x)[1]!;
  const out = jnp.where(jnp.equal(xx, 0), jnp.zerosLike(p), jnp.where(jnp.isinf(xx), jnp.onesLike(p), p));
  return jnp.where(jnp.equal(region, 2), jnp.fullLike(p, NaN), out);
}

/** The regularized upper incomplete gamma function Q(a, x) = 1 − P(a, x); NaN for a ≤ 0 or x < 0. */
export function gammaincc(a: ArrayLike, x: ArrayLike): JaxArray {
  const [, q, region] = igammaPQ("gammaincc", a, x);
  const xx = jnp.promoteArgsInexact("gammaincc", a, x)[1]!;
  const out = jnp.where(jnp.equal(xx, 0), jnp.onesLike(q), jnp.where(jnp.isinf(xx), jnp.zerosLike(q), q));
  return jnp.where(jnp.equal(region, 2), jnp.fullLike(q, NaN), out);
}

// ---- regularized incomplete beta function -------------------------------------------------------

/**
 * The continued fraction of I_x(a, b) (for x < (a + 1)/(a + b + 2)), by the modified Lentz
 * method: 1/(1 + d₁/(1 + d₂/(1 + …))) with d₂ₘ = m(b − m)x/((a + 2m − 1)(a + 2m)) and
 * d₂ₘ₊₁ = −(a + m)(a + b + m)x/((a + 2m)(a + 2m + 1)).
 */
function betaFraction(a: JaxArray, b: JaxArray, x: JaxArray): JaxArray {
  const tiny = x.dtype === "float64" ? 1e-300 : 1e-30;
  const guard = (v: JaxArray) => jnp.where(jnp.less(jnp.abs(v), tiny), jnp.fullLike(v, tiny), v);
  const ab = jnp.add(a, b);
  // One Lentz step with coefficient dk: d ← 1/(1 + dk·d), c ← 1 + dk/c, h ← h·d·c.
  const step = (dk: JaxArray, c: JaxArray, d: JaxArray, h: JaxArray): JaxArray[] => {
    const d2 = jnp.reciprocal(guard(jnp.add(jnp.multiply(dk, d), 1)));
    const c2 = guard(jnp.add(jnp.divide(dk, c), 1));
    return [c2, d2, jnp.multiply(h, jnp.multiply(d2, c2))];
  };
  const d0 = jnp.reciprocal(guard(jnp.subtract(1, jnp.divide(jnp.multiply(ab, x), jnp.add(a, 1)))));
  const [, , h] = lax.foriLoop(
    1,
    igammaSteps(x) + 1,
    (i, [c, d, hh]: JaxArray[]) => {
      const m = jnp.asarray(i, { dtype: x.dtype });
      const a2m = jnp.add(a, jnp.multiply(m, 2));
      const even = jnp.divide(jnp.multiply(jnp.multiply(m, jnp.subtract(b, m)), x), jnp.multiply(jnp.subtract(a2m, 1), a2m));
      const [c1, d1, h1] = step(even, c!, d!, hh!);
      const odd = jnp.negative(jnp.divide(jnp.multiply(jnp.multiply(jnp.add(a, m), jnp.add(ab, m)), x), jnp.multiply(a2m, jnp.add(a2m, 1))));
      return step(odd, c1!, d1!, h1!);
    },
    [jnp.onesLike(x), d0, d0],
  );
  const logPre = jnp.subtract(jnp.add(jnp.multiply(a, jnp.log(x)), jnp.multiply(b, jnp.log1p(jnp.negative(x)))), betaln(a, b));
  return jnp.divide(jnp.multiply(jnp.exp(logPre), h!), a);
}

/**
 * The regularized incomplete beta function I_x(a, b): the continued fraction where
 * x < (a + 1)/(a + b + 2), else 1 − I_{1−x}(b, a); 0 at x = 0, 1 at x = 1, NaN for a ≤ 0, b ≤ 0
 * or x outside [0, 1].
 */
export function betainc(a: ArrayLike, b: ArrayLike, x: ArrayLike): JaxArray {
  const [aa, bb, xx] = jnp.promoteArgsInexact("betainc", a, b, x);
  const bad = jnp.logicalOr(
    jnp.logicalOr(jnp.lessEqual(aa!, 0), jnp.lessEqual(bb!, 0)),
    jnp.logicalOr(jnp.logicalOr(jnp.less(xx!, 0), jnp.greater(xx!, 1)), jnp.isnan(xx!)),
  );
  const interior = jnp.logicalAnd(jnp.greater(xx!, 0), jnp.less(xx!, 1));
  const sa = jnp.where(bad, jnp.onesLike(aa!), aa!);
  const sb = jnp.where(bad, jnp.onesLike(bb!), bb!);
  const sx = jnp.where(interior, xx!, jnp.fullLike(xx!, 0.5));
  const direct = jnp.less(sx, jnp.divide(jnp.add(sa, 1), jnp.add(jnp.add(sa, sb), 2)));
  // Both branches read a point of (0, 1), so the unselected one stays finite (and so do derivatives).
  const lo = betaFraction(sa, sb, sx);
  const hi = jnp.subtract(1, betaFraction(sb, sa, jnp.subtract(1, sx)));
  const val = jnp.where(interior, jnp.where(direct, lo, hi), jnp.where(jnp.lessEqual(xx!, 0), jnp.zerosLike(sx), jnp.onesLike(sx)));
  return jnp.where(bad, jnp.fullLike(val, NaN), val);
}
