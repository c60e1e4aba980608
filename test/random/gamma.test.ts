// Tests for random.gamma / loggamma beyond the value fixture (test/random/samplers.test.ts):
// JAX's implicit-reparameterization derivative in `a` against mpmath's
// -(dP/da)/(dP/dx) at the reference samples (test/fixtures/random_dist.json), in reverse
// and forward mode and under jit; jit ≡ eager; vmap over keys and over `a` ≡ a loop;
// exp(loggamma) ≈ gamma; JAX's known corner case; argument errors.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { config, grad, jit, jvp, numpy as jnp, random, vjp, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

const g = JSON.parse(readFileSync(new URL("../fixtures/random_dist.json", import.meta.url), "utf8")).gamma_grad as {
  alphas: number[];
  gamma: number[];
  gamma_grad: number[];
  loggamma: number[];
  exp_loggamma_grad: number[];
};
const key = random.PRNGKey(0);
const alphas = jnp.array(g.alphas);
const list = (x: JaxArray) => x.tolist() as number[];

describe("gamma's derivative in a (JAX's random_gamma_grad)", () => {
  it("the draws are the fixture's", () => {
    expectAllClose(random.gamma(key, alphas), g.gamma, { rtol: 2e-6, atol: 0 });
    expectAllClose(random.loggamma(key, alphas), g.loggamma, { rtol: 2e-6, atol: 1e-6 });
  });

  it("grad of gamma matches mpmath's implicit derivative", () => {
    const dg = grad((a: JaxArray) => jnp.sum(random.gamma(key, a)))(alphas) as JaxArray;
    expectAllClose(dg, g.gamma_grad, { rtol: 2e-4, atol: 1e-12 });
  });

  it("grad of exp(loggamma) matches mpmath's implicit derivative", () => {
    const dl = grad((a: JaxArray) => jnp.sum(jnp.exp(random.loggamma(key, a))))(alphas) as JaxArray;
    expectAllClose(dl, g.exp_loggamma_grad, { rtol: 2e-4, atol: 1e-12 });
  });

  it("forward mode, jit(grad) and a broadcast scalar a agree with reverse mode", () => {
    const f = (a: JaxArray) => random.gamma(key, a);
    const [out, tangent] = jvp(f, [alphas], [jnp.onesLike(alphas)]);
    expectAllClose(out, g.gamma, { rtol: 2e-6, atol: 0 });
    expectAllClose(tangent, g.gamma_grad, { rtol: 2e-4, atol: 1e-12 });
    const jg = jit(grad((a: JaxArray) => jnp.sum(random.gamma(key, a))))(alphas) as JaxArray;
    expectAllClose(jg, g.gamma_grad, { rtol: 2e-4, atol: 1e-12 });
    // A scalar a broadcast to a shape: the derivative sums over the draws.
    const a0 = jnp.array(3, { dtype: "float32" });
    const draws = random.gamma(key, 3, [5]);
    const perDraw = grad((a: JaxArray) => jnp.sum(random.gamma(key, jnp.broadcastTo(a, [5]))))(jnp.full([5], 3)) as JaxArray;
    const total = grad((a: JaxArray) => jnp.sum(random.gamma(key, a, [5])))(a0) as JaxArray;
    expect(list(random.gamma(key, a0, [5]))).toEqual(list(draws));
    expectAllClose(total, list(perDraw).reduce((x, y) => x + y, 0), { rtol: 1e-5 });
  });

  it("flows through the samplers built on loggamma: d chisquare(k, 2a)/d df = d exp(loggamma(k, a))/da", () => {
    // chisquare(k, df) = 2 exp(loggamma(k, df / 2)), so its derivative in df is that of exp(loggamma) at a = df / 2.
    const df = jnp.multiply(alphas, 2);
    const dc = grad((d: JaxArray) => jnp.sum(random.chisquare(key, d)))(df) as JaxArray;
    expectAllClose(dc, g.exp_loggamma_grad, { rtol: 2e-4, atol: 1e-12 });
    const db = grad((a: JaxArray) => jnp.sum(random.beta(key, a, 2, [4])))(jnp.array(1.5)) as JaxArray;
    expect(Number.isFinite(db.item())).toBe(true);
  });

  it("vjp with a second argument (JAX's testGammaGradType)", () => {
    const [out, pullback] = vjp((a: JaxArray, b: JaxArray) => jnp.divide(random.gamma(key, a), b), jnp.array(1), jnp.array(3));
    const [da, db] = pullback(jnp.onesLike(out));
    expect(Number.isFinite(da.item())).toBe(true);
    expect(Number.isFinite(db.item())).toBe(true);
  });
});

describe("gamma under transformations", () => {
  it("jit ≡ eager for gamma, loggamma and the samplers built on them", () => {
    const f = (k: JaxArray) => [
      random.gamma(k, jnp.array([0.3, 1, 4]), [2, 3]),
      random.loggamma(k, 0.2, [4]),
      random.beta(k, 0.5, 2, [3]),
      random.dirichlet(k, [0.5, 1, 2]),
      random.t(k, 4, [3]),
      random.poisson(k, jnp.array([2, 30]), [2]),
      random.binomial(k, 50, 0.4, [3]),
      random.multinomial(k, 10, [0.2, 0.8]),
    ];
    const eager = f(key);
    const jitted = jit(f)(key) as JaxArray[];
    eager.forEach((x, i) => expect(list(jitted[i]!), `output ${i}`).toEqual(list(x)));
  });

  it("vmap over keys and over a ≡ a loop", () => {
    const keys = random.split(random.key(3), 4);
    const byKey = vmap((k: random.KeyArray) => random.gamma(k, 2.5, [3]))(keys) as JaxArray;
    expect(byKey.tolist()).toEqual([...keys].map((k) => list(random.gamma(k, 2.5, [3]))));
    const as = jnp.array([0.2, 0.9, 5, 40]);
    const byA = vmap((a: JaxArray) => random.gamma(key, a))(as) as JaxArray;
    expect(list(byA)).toEqual([0.2, 0.9, 5, 40].map((a) => random.gamma(key, a).item()));
    const both = vmap((k: random.KeyArray, a: JaxArray) => random.loggamma(k, a, [2]))(keys, as) as JaxArray;
    expect(both.tolist()).toEqual([...keys].map((k, i) => list(random.loggamma(k, as.get(i), [2]))));
  });

  it("exp(loggamma) ≈ gamma for the same key (JAX's testGammaVsLogGamma)", () => {
    const a = jnp.array([0.1, 0.7, 2, 9]);
    expectAllClose(jnp.exp(random.loggamma(key, a, [3, 4])), random.gamma(key, a, [3, 4]), { rtol: 1e-5, atol: 1e-30 });
  });

  it("gives JAX's value in test_loggamma_nan_corner_case (a = 0, traced)", () => {
    // JAX's tests/random_test.py expects -4.595436 (legacy scheme; random_ref.py asserts it too).
    config.update("jax_threefry_partitionable", false);
    try {
      const k = random.wrapKeyData(jnp.array([3200590325, 713258242], { dtype: "uint32" }));
      const out = jit((a: JaxArray) => random.loggamma(k, a))(jnp.array(0)) as JaxArray;
      expectAllClose(out, -4.595436, { rtol: 1e-6 });
    } finally {
      config.update("jax_threefry_partitionable", true);
    }
  });
});

describe("gamma family argument errors", () => {
  it("rejects bad a, shapes, dtypes and keys", () => {
    expect(() => random.gamma(key, 0)).toThrow(/a must be positive/);
    expect(() => random.gamma(key, jnp.array([1, -2]))).toThrow(/a must be positive, got -2/);
    expect(() => random.gamma(key, NaN)).toThrow(/a must be positive/);
    expect(() => random.loggamma(key, -1)).toThrow(/a must be positive/);
    expect(() => random.gamma(key, jnp.array([1, 2, 3]), [2])).toThrow(/broadcast/);
    expect(() => random.gamma(key, 1, [-1])).toThrow(/non-negative/);
    expect(() => random.gamma(key, 1, [2], { dtype: "int32" })).toThrow(/float dtype/);
    expect(() => random.gamma(jnp.array([1, 2]), 1)).toThrow(/PRNG key/);
    expect(() => random.beta(key, 1, 0)).toThrow(/b must be positive/);
    expect(() => random.dirichlet(key, 1)).toThrow(/alpha.ndim >= 1/);
    expect(() => random.dirichlet(key, [1, -1])).toThrow(/alpha must be positive/);
    expect(() => random.chisquare(key, 0)).toThrow(/df must be positive/);
    expect(() => random.t(key, -3)).toThrow(/df must be positive/);
    expect(() => random.f(key, 1, 0)).toThrow(/dfden must be positive/);
    expect(() => random.generalizedNormal(key, 0)).toThrow(/p must be positive/);
    expect(() => random.ball(key, 2.5)).toThrow(/non-negative integer/);
    expect(() => random.ball(key, 2, -1)).toThrow(/p must be positive/);
  });

  it("gives empty arrays for empty shapes", () => {
    expect(random.gamma(key, 2, [0, 3]).shape).toEqual([0, 3]);
    expect(random.beta(key, 2, 3, [0]).shape).toEqual([0]);
  });
});
