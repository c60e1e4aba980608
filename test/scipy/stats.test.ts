// jax.scipy.stats against SciPy fixtures (scripts/gen_scipy_fixtures.py): every distribution
// function over broadcast grids of x, shape parameters, loc and scale, including points outside
// the support; multivariate_normal and dirichlet on batches; derivatives of the log-densities
// against central differences (orders 1 and 2); jit ≡ eager; JAX's errors.
import { describe, expect, it } from "vitest";
import { jit, numpy as jnp, scipy } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { fixture, toArray, values } from "./fixture.js";

const st = scipy.stats as unknown as Record<string, Record<string, (...xs: JaxArray[]) => JaxArray>>;

describe("scipy.stats against SciPy", () => {
  for (const c of fixture.stats) {
    const fn = String(c.fn).replace(/_std$/, "");
    it(`${c.dist}.${c.fn}`, () => {
      const f = st[c.dist]![fn]!;
      const args = c.args.map((r: any) => toArray(r));
      const tol = { atol: 2e-6, rtol: 5e-5 };
      expectAllClose(jnp.ravel(f(...args)), values(c.out), { ...tol, msg: `${c.dist}.${c.fn}` });
      expectAllClose(jnp.ravel(jit(f)(...args)), values(c.out), { ...tol, msg: `jit ${c.dist}.${c.fn}` });
    });
  }

  it("multivariate_normal.logpdf (Cholesky) on a batch of points", () => {
    const m = fixture.mvn;
    const [x, mean, cov] = [toArray(m.x), toArray(m.mean), toArray(m.cov)];
    expectAllClose(scipy.stats.multivariate_normal.logpdf(x, mean, cov), values(m.logpdf), { rtol: 2e-5, atol: 2e-5 });
    expectAllClose(scipy.stats.multivariate_normal.pdf(x, mean, cov), values(m.logpdf).map(Math.exp), { rtol: 5e-5, atol: 1e-7 });
  });

  it("multivariate_normal: scalar mean is the univariate normal, scalar cov is cov·I (JAX's forms)", () => {
    const mvn = scipy.stats.multivariate_normal;
    const x = jnp.array([[0.3, -1.2, 2.0], [1.0, 0.0, -0.5]]);
    const mean = jnp.array([0.1, 0.2, -0.3]);
    expectAllClose(mvn.logpdf(x, 0.5, 2.0), scipy.stats.norm.logpdf(x, 0.5, Math.sqrt(2)), { rtol: 1e-6 });
    expectAllClose(mvn.logpdf(x, mean, 1.5), mvn.logpdf(x, mean, jnp.multiply(jnp.eye(3), 1.5)), { rtol: 1e-6 });
    expect(() => mvn.logpdf(x, mean, jnp.ones([2, 2]))).toThrow("multivariate_normal.logpdf got incompatible shapes");
  });

  it("dirichlet.logpdf with all k rows and with k − 1 rows; −∞ off the simplex", () => {
    const d = fixture.dirichlet;
    const x = toArray(d.x);
    const alpha = toArray(d.alpha);
    expectAllClose(scipy.stats.dirichlet.logpdf(x, alpha), values(d.logpdf), { rtol: 5e-5, atol: 5e-5 });
    expectAllClose(scipy.stats.dirichlet.logpdf(x.get(":2"), alpha), values(d.logpdf), { rtol: 5e-5, atol: 5e-5 });
    const off = jnp.array([0.5, 0.6, -0.1]);
    expect(scipy.stats.dirichlet.logpdf(off, alpha).item()).toBe(-Infinity);
  });
});

describe("scipy.stats derivatives and errors", () => {
  const x = jnp.array([-1.3, 0.2, 0.9, 2.4]);
  const tol = { atol: 5e-3, rtol: 5e-3 };
  it("log-densities in x, loc and scale, orders 1 and 2", () => {
    const s = scipy.stats;
    checkGrads((a: JaxArray, l: JaxArray, sc: JaxArray) => s.norm.logpdf(a, l, sc), [x, jnp.array(0.3), jnp.array(1.7)], 2, tol);
    checkGrads((a: JaxArray) => s.norm.logcdf(a, 0.5, 2), [x], 2, tol);
    checkGrads((a: JaxArray, sc: JaxArray) => s.logistic.logpdf(a, 0, sc), [x, jnp.array(1.5)], 2, tol);
    checkGrads((a: JaxArray, df: JaxArray) => s.t.logpdf(a, df, 0.1, 2), [x, jnp.array(3.5)], 2, tol);
    checkGrads((a: JaxArray, k: JaxArray) => s.gamma.logpdf(a, k), [jnp.array([0.4, 1.1, 2.9]), jnp.array(2.5)], 2, tol);
    checkGrads((a: JaxArray, b: JaxArray) => s.beta.logpdf(jnp.array([0.2, 0.5, 0.8]), a, b), [jnp.array(1.5), jnp.array(2.5)], 2, tol);
    checkGrads((mu: JaxArray) => s.poisson.logpmf(jnp.array([0, 1, 4]), mu), [jnp.array(2.2)], 2, tol);
    const cov = jnp.array([[2, 0.3], [0.3, 1]]);
    checkGrads(
      (a: JaxArray, c: JaxArray) => s.multivariate_normal.logpdf(a, jnp.array([0.1, -0.2]), jnp.add(c, jnp.swapaxes(c, -1, -2))),
      [jnp.array([[0.5, 1.0], [-1, 0.3]]), jnp.multiply(cov, 0.5)],
      2,
      tol,
    );
  });
  it("dirichlet's shape errors (JAX's wording)", () => {
    expect(() => scipy.stats.dirichlet.logpdf(jnp.ones([3]), jnp.ones([3, 1]))).toThrow("`alpha` must be one-dimensional; got alpha.shape=(3, 1)");
    expect(() => scipy.stats.dirichlet.logpdf(jnp.ones([5]), jnp.ones([3]))).toThrow(
      "`x` must have either the same number of entries as `alpha` or one entry fewer; got x.shape=(5,), alpha.shape=(3,)",
    );
  });
});
