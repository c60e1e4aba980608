// random_gamma_grad (jax/_src/lax/special.py, random_gamma_grad_impl): the derivative of a
// Gamma(a, 1) sample x with respect to a at fixed CDF value, dx/da = -(dP/da) / (dP/dx),
// where P(a, x) is the regularized lower incomplete gamma function. Like JAX it runs the
// power series of P for x <= max(1, a) and the continued fraction of Q = 1 - P otherwise,
// carrying the derivative in a alongside, each as a while loop over the whole array in
// which converged elements stop updating (so every element gets its own iteration count).
import type { JaxArray } from "../core/array.js";
import { finfo } from "../core/dtypes.js";
import { lax } from "./ops.js";

const EPS = finfo("float32").eps;
const LOG_MAX = Math.fround(Math.log(finfo("float32").max));

const anyTrue = (p: JaxArray): JaxArray => (p.ndim === 0 ? p : lax.reduceOr(p, p.shape.map((_, i) => i)));
const sel = (on: JaxArray, a: JaxArray, b: JaxArray) => lax.select(on, a, b);

/**
 * The series P(a, x) = x**a e**-x / Gamma(a + 1) * sum_n x**n / ((a+1)...(a+n)), run as
 * c_n = c_{n-1} x / r (r = a + n) with dc/da by the quotient rule, until each enabled
 * element's |dc/da / d(ans)/da| <= eps. Returns -dP/da / (dP/dx) (the sample derivative):
 * -(d(ans)/da + ans * dlog(ax)/da) * x / a with dlog(ax)/da = log x - digamma(a + 1).
 */
function seriesSampleDerivative(x: JaxArray, a: JaxArray, enabled: JaxArray): JaxArray {
  type S = [JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray];
  const one = lax.fullLike(a, 1);
  const zero = lax.fullLike(a, 0);
  const out = lax.whileLoop(
    (v: S) => anyTrue(v[0]),
    ([on, r0, c0, ans0, xv, dc0, dans0]: S): S => {
      const r = lax.add(r0, 1);
      const dc = lax.sub(lax.mul(dc0, lax.div(xv, r)), lax.div(lax.mul(c0, xv), lax.mul(r, r)));
      const dans = lax.add(dans0, dc);
      const c = lax.mul(c0, lax.div(xv, r));
      const ans = lax.add(ans0, c);
      const more = lax.bitwiseAnd(on, lax.gt(lax.abs(lax.div(dc, dans)), EPS));
      return [more, sel(on, r, r0), sel(on, c, c0), sel(on, ans, ans0), xv, sel(on, dc, dc0), sel(on, dans, dans0)];
    },
    [enabled, a, one, one, x, zero, zero] as S,
  ) as S;
  const [, , , ans, , , dans] = out;
  const dlogaxDa = lax.sub(lax.log(x), lax.digamma(lax.add(a, 1)));
  return lax.div(lax.mul(lax.neg(lax.add(dans, lax.mul(ans, dlogaxDa))), x), a);
}

/**
 * The continued fraction of Q(a, x) (Cephes igamc) as convergents pk/qk with their
 * derivatives in a, rescaled by eps when they grow past 1/eps, for at most 2000 steps or
 * until each enabled element's derivative changes by <= eps. Returns the sample derivative
 * -(d(ans)/da + ans * dlog(ax)/da) * x with dlog(ax)/da = log x - digamma(a); the caller
 * negates it (dQ/da = -dP/da).
 */
function contFracSampleDerivative(x: JaxArray, a: JaxArray, enabled: JaxArray): JaxArray {
  type S = JaxArray[];
  const y0 = lax.sub(1, a);
  const z0 = lax.add(lax.add(x, y0), 1);
  const pkm1 = lax.add(x, 1);
  const qkm1 = lax.mul(z0, x);
  const ans0 = lax.div(pkm1, qkm1);
  const zero = lax.fullLike(x, 0);
  const dqkm1 = lax.neg(x);
  const dans0 = lax.div(lax.sub(zero, lax.mul(ans0, dqkm1)), qkm1);
  const init: S = [enabled, ans0, lax.fullLike(x, 1), y0, z0, lax.scalar(0, "float32"), pkm1, qkm1, lax.fullLike(x, 1), x, zero, zero, zero, dqkm1, dans0];
  const out = lax.whileLoop(
    (v: S) => lax.bitwiseAnd(lax.lt(v[5]!, 2000), anyTrue(v[0]!)),
    (v: S): S => {
      const [on, ansO, tO, yO, zO, cO, pkm1O, qkm1O, pkm2O, qkm2O, dpkm2O, dqkm2O, dpkm1O, dqkm1O, dansO] = v as [
        JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray,
        JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray, JaxArray,
      ];
      const c = lax.add(cO, 1);
      const y = lax.add(yO, 1);
      const z = lax.add(zO, 2);
      const yc = lax.mul(y, c);
      const pk = lax.sub(lax.mul(pkm1O, z), lax.mul(pkm2O, yc));
      const qk = lax.sub(lax.mul(qkm1O, z), lax.mul(qkm2O, yc));
      const nz = lax.ne(qk, 0);
      const r = lax.div(pk, qk);
      const t = sel(nz, lax.abs(lax.div(lax.sub(ansO, r), r)), lax.fullLike(r, 1));
      const ans = sel(nz, r, ansO);
      const dpk = lax.add(lax.sub(lax.sub(lax.mul(dpkm1O, z), pkm1O), lax.mul(dpkm2O, yc)), lax.mul(pkm2O, c));
      const dqk = lax.add(lax.sub(lax.sub(lax.mul(dqkm1O, z), qkm1O), lax.mul(dqkm2O, yc)), lax.mul(qkm2O, c));
      const dansNew = sel(nz, lax.div(lax.sub(dpk, lax.mul(ans, dqk)), qk), dansO);
      const gradCond = sel(nz, lax.abs(lax.sub(dansNew, dansO)), lax.fullLike(dansO, 1));
      // Shift the recurrence, rescaling every term by eps when |pk| > 1/eps.
      const rescale = lax.gt(lax.abs(pk), 1 / EPS);
      const sc = (w: JaxArray) => sel(rescale, lax.mul(w, EPS), w);
      const [pkm2, pkm1, qkm2, qkm1] = [pkm1O, pk, qkm1O, qk].map(sc) as [JaxArray, JaxArray, JaxArray, JaxArray];
      const [dpkm2, dqkm2, dpkm1, dqkm1] = [dpkm1O, dqkm1O, dpk, dqk].map(sc) as [JaxArray, JaxArray, JaxArray, JaxArray];
      const more = lax.bitwiseAnd(on, lax.gt(gradCond, EPS));
      return [
        more, sel(on, ans, ansO), sel(on, t, tO), sel(on, y, yO), sel(on, z, zO), c,
        sel(on, pkm1, pkm1O), sel(on, qkm1, qkm1O), sel(on, pkm2, pkm2O), sel(on, qkm2, qkm2O),
        sel(on, dpkm2, dpkm2O), sel(on, dqkm2, dqkm2O), sel(on, dpkm1, dpkm1O), sel(on, dqkm1, dqkm1O),
        sel(on, dansNew, dansO),
      ];
    },
    init,
  ) as S;
  const ans = out[1]!;
  const dans = out[14]!;
  const dlogaxDa = lax.sub(lax.log(x), lax.digamma(a));
  return lax.mul(lax.neg(lax.add(dans, lax.mul(ans, dlogaxDa))), x);
}

/**
 * random_gamma_grad(a, x) for float32 arrays of one shape: dx/da of a Gamma(a, 1) sample x.
 * 0 at x = 0, NaN for x < 0, a <= 0 or NaN inputs, 0 where x**a e**-x / Gamma(a) underflows.
 */
export function gammaSampleGrad(a: JaxArray, x: JaxArray): JaxArray {
  const isNan = lax.bitwiseOr(lax.ne(a, a), lax.ne(x, x));
  const xIsZero = lax.eq(x, 0);
  const domainError = lax.bitwiseOr(lax.lt(x, 0), lax.le(a, 0));
  const useCf = lax.bitwiseAnd(lax.gt(x, 1), lax.gt(x, a));
  const logAx = lax.sub(lax.sub(lax.mul(a, lax.log(x)), x), lax.lgamma(a));
  const underflow = lax.lt(logAx, -LOG_MAX);
  const enabled = lax.bitwiseNot(lax.bitwiseOr(lax.bitwiseOr(lax.bitwiseOr(xIsZero, domainError), underflow), isNan));
  const cf = contFracSampleDerivative(x, a, lax.bitwiseAnd(enabled, useCf));
  const series = seriesSampleDerivative(x, a, lax.bitwiseAnd(enabled, lax.bitwiseNot(useCf)));
  let out = lax.select(useCf, lax.neg(cf), series);
  out = lax.select(xIsZero, lax.zerosLike(out), out);
  return lax.select(lax.bitwiseOr(domainError, isNan), lax.fullLike(out, NaN), out);
}
