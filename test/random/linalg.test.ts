// Tests for random.multivariateNormal and random.orthogonal beyond the value fixture
// (test/random/samplers.test.ts) and the laws (test/random/laws.test.ts): batch shapes,
// the eigh factor against the Cholesky one (same covariance), jit ≡ eager, vmap over keys
// ≡ a loop, and JAX's error messages.
import { describe, expect, it } from "vitest";
import { jit, numpy as jnp, random, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

const key = random.key(5);
const cov = jnp.array([[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]]);

describe("multivariateNormal", () => {
  it("broadcasts batches of means and covariances", () => {
    const mean = jnp.zeros([4, 3]);
    expect(random.multivariateNormal(key, mean, cov).shape).toEqual([4, 3]);
    expect(random.multivariateNormal(key, [0, 0, 0], jnp.broadcastTo(cov, [2, 3, 3])).shape).toEqual([2, 3]);
    expect(random.multivariateNormal(key, mean, cov, [5, 4]).shape).toEqual([5, 4, 3]);
  });

  it("with the identity covariance is mean + the standard normal draw", () => {
    const mean = jnp.array([1, -2, 3]);
    const x = random.multivariateNormal(key, mean, jnp.eye(3), [4]);
    expectAllClose(x, jnp.add(mean, random.normal(key, [4, 3])), { atol: 1e-6 });
    const e = random.multivariateNormal(key, mean, jnp.eye(3), [4], { method: "eigh" });
    expect(e.shape).toEqual([4, 3]);
  });

  it("is mean + F z for z = normal(key, shape + [n]) and F F^T = cov (cholesky and eigh)", () => {
    const mean = jnp.array([1, 2, 3]);
    const z = random.normal(key, [6, 3]);
    const L = jnp.linalg.cholesky(cov);
    expectAllClose(random.multivariateNormal(key, mean, cov, [6]), jnp.add(mean, jnp.matmul(z, L.T)), { atol: 2e-6 });
    const [w, v] = jnp.linalg.eigh(cov);
    const F = jnp.multiply(v, jnp.sqrt(w));
    expectAllClose(jnp.matmul(F, F.T), cov, { atol: 2e-6 });
    expectAllClose(random.multivariateNormal(key, mean, cov, [6], { method: "eigh" }), jnp.add(mean, jnp.matmul(z, F.T)), { atol: 2e-6 });
  });

  it("jit ≡ eager and vmap over keys ≡ a loop", () => {
    const f = (k: random.KeyArray) => random.multivariateNormal(k, [1, 2, 3], cov, [2]);
    expect((jit(f)(key) as JaxArray).tolist()).toEqual(f(key).tolist());
    const keys = random.split(key, 3);
    expect((vmap(f)(keys) as JaxArray).tolist()).toEqual([...keys].map((k) => f(k).tolist()));
  });

  it("raises JAX's errors", () => {
    expect(() => random.multivariateNormal(key, 0, cov)).toThrow(/mean.ndim >= 1/);
    expect(() => random.multivariateNormal(key, [0, 0, 0], [1, 2, 3])).toThrow(/cov.ndim >= 2/);
    expect(() => random.multivariateNormal(key, [0, 0], cov)).toThrow(/cov.shape == \(..., n, n\) for n=2/);
    expect(() => random.multivariateNormal(key, [0, 0, 0], cov, [2], { method: "qr" as "eigh" })).toThrow(
      "method must be one of {'svd', 'eigh', 'cholesky'}",
    );
    expect(() => random.multivariateNormal(key, jnp.zeros([4, 3]), cov, [5])).toThrow(/broadcast/);
  });
});

describe("orthogonal", () => {
  it("gives batches of n×m (semi-)orthogonal matrices", () => {
    const q = random.orthogonal(key, 3, [2, 4]);
    expect(q.shape).toEqual([2, 4, 3, 3]);
    const qtq = jnp.matmul(jnp.swapaxes(q, -1, -2), q);
    expectAllClose(qtq, jnp.broadcastTo(jnp.eye(3), [2, 4, 3, 3]), { atol: 1e-5 });
    const tall = random.orthogonal(key, 5, [], { m: 2 });
    expect(tall.shape).toEqual([5, 2]);
    expectAllClose(jnp.matmul(tall.T, tall), jnp.eye(2), { atol: 1e-5 });
  });

  it("jit ≡ eager and vmap over keys ≡ a loop", () => {
    const f = (k: random.KeyArray) => random.orthogonal(k, 3);
    expect((jit(f)(key) as JaxArray).tolist()).toEqual(f(key).tolist());
    const keys = random.split(key, 3);
    expect((vmap(f)(keys) as JaxArray).tolist()).toEqual([...keys].map((k) => f(k).tolist()));
  });

  it("rejects non-integer sizes", () => {
    expect(() => random.orthogonal(key, 2.5)).toThrow(/n must be a non-negative integer/);
    expect(() => random.orthogonal(key, 3, [], { m: -1 })).toThrow(/m must be a non-negative integer/);
  });
});
