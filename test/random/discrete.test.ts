// Tests for random.poisson, binomial and multinomial beyond the value fixture
// (test/random/samplers.test.ts): JAX's documented corner cases (tests/random_lax_test.py),
// shapes and dtypes, counts that sum to n, vmap over keys ≡ a loop, and argument errors.
import { describe, expect, it } from "vitest";
import { jit, numpy as jnp, random, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";

const key = random.key(0);
const list = (x: JaxArray) => x.tolist() as number[];

describe("poisson", () => {
  it("gives JAX's corner-case values for traced lam = [-1, 0, NaN] (testPoissonCornerCases)", () => {
    const out = jit((l: JaxArray) => random.poisson(key, l, [3]))(jnp.array([-1, 0, NaN])) as JaxArray;
    expect(list(out)).toEqual([-1, 0, -1]);
  });

  it("is zero where lam is zero (testPoissonZeros), shapes and dtypes", () => {
    const lam = jnp.concatenate([jnp.zeros([10]), jnp.full([10], 20)]);
    const x = random.poisson(key, lam, [2, 20]);
    expect(x.shape).toEqual([2, 20]);
    expect(x.dtype).toBe("int32");
    expect((x.tolist() as number[][]).every((row) => row.slice(0, 10).every((v) => v === 0))).toBe(true);
    expect(random.poisson(key, jnp.array([2, 20]), [3, 2]).shape).toEqual([3, 2]);
    expect(random.poisson(key, jnp.array([2, 20])).shape).toEqual([2]);
    expect(random.poisson(key, 4, [3], { dtype: "int16" }).dtype).toBe("int16");
  });

  it("vmap over keys ≡ a loop (testPoissonBatched)", () => {
    const keys = random.split(key, 3);
    const out = vmap((k: random.KeyArray) => random.poisson(k, jnp.array([3, 50]), [2]))(keys) as JaxArray;
    expect(out.tolist()).toEqual([...keys].map((k) => list(random.poisson(k, jnp.array([3, 50]), [2]))));
  });
});

describe("binomial", () => {
  it("gives JAX's corner-case values for traced n and p (testBinomialCornerCases)", () => {
    const f = jit((n: JaxArray, p: JaxArray) => random.binomial(key, n, p, [n.shape[0]!]));
    expect(list(f(jnp.array([-1, 0, NaN, Infinity]), jnp.full([4], 0.5)) as JaxArray)).toEqual([NaN, 0, NaN, Infinity]);
    expect(list(f(jnp.full([4], 5), jnp.array([NaN, 0, -0.1, 1.1])) as JaxArray)).toEqual([NaN, 0, NaN, NaN]);
    expect(list(f(jnp.array([Infinity, -1, Infinity]), jnp.array([NaN, NaN, -0.1])) as JaxArray)).toEqual([NaN, NaN, NaN]);
  });

  it("counts lie in [0, n], p = 0 and p = 1 are deterministic, n is floored", () => {
    const x = list(random.binomial(key, jnp.array([3, 40, 1000, 7.9]), jnp.array([0.6, 0.1, 0.5, 0.5]), [50, 4]).reshape([-1]));
    const ns = [3, 40, 1000, 7];
    x.forEach((v, i) => {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(ns[i % 4]!);
    });
    expect(list(random.binomial(key, 12, jnp.array([0, 1])))).toEqual([0, 12]);
    expect(random.binomial(key, 5, 0.5, [2], { dtype: "float32" }).dtype).toBe("float32");
  });
});

describe("multinomial", () => {
  it("counts sum to n over the outcome axis, with batch shapes and zero probabilities", () => {
    const p = jnp.array([[0.1, 0.6, 0.3], [0.5, 0, 0.5]]);
    const x = random.multinomial(key, jnp.array([10, 30]), p);
    expect(x.shape).toEqual([2, 3]);
    expect(list(jnp.sum(x, -1))).toEqual([10, 30]);
    expect((x.tolist() as number[][])[1]![1]).toBe(0);
    const y = random.multinomial(key, 7, [0.25, 0.25, 0.5], { shape: [5, 3] });
    expect(y.shape).toEqual([5, 3]);
    expect(list(jnp.sum(y, -1))).toEqual([7, 7, 7, 7, 7]);
  });

  it("vmap over keys ≡ a loop; jit ≡ eager", () => {
    const keys = random.split(key, 3);
    const f = (k: random.KeyArray) => random.multinomial(k, 12, [0.2, 0.3, 0.5]);
    expect((vmap(f)(keys) as JaxArray).tolist()).toEqual([...keys].map((k) => list(f(k))));
    expect(list(jit(f)(key) as JaxArray)).toEqual(list(f(key)));
  });
});

describe("argument errors", () => {
  it("rejects invalid parameters with clear messages", () => {
    expect(() => random.poisson(key, -1)).toThrow(/lam must be finite and non-negative, got -1/);
    expect(() => random.poisson(key, NaN)).toThrow(/lam must be/);
    expect(() => random.poisson(key, 2, [3], { dtype: "float32" })).toThrow(/int dtype/);
    expect(() => random.poisson(key, jnp.array([1, 2]), [3])).toThrow(/broadcast/);
    expect(() => random.binomial(key, 5, 1.5)).toThrow(/p must be in \[0, 1\], got 1.5/);
    expect(() => random.binomial(key, -2, 0.5)).toThrow(/n must be non-negative/);
    expect(() => random.binomial(key, 5, 0.5, [2], { dtype: "int32" })).toThrow(/float dtype/);
    expect(() => random.multinomial(key, 5, [0.5, -0.5])).toThrow(/p must be in \[0, 1\]/);
    expect(() => random.multinomial(key, 5, 0.5)).toThrow(/at least one dimension/);
    expect(() => random.poisson(jnp.array([0, 1]), 2)).toThrow(/PRNG key/);
  });
});
