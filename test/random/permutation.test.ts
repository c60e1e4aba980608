// Tests for random.permutation and random.choice beyond the value fixture
// (test/random/samplers.test.ts): the outputs are permutations / subsets of the input
// (JAX's testPermutation and testChoice checks), `independent`, axis handling, empty
// draws, jit ≡ eager, vmap over keys ≡ a loop, and JAX's error messages.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { config, jit, numpy as jnp, random, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";

const long = JSON.parse(readFileSync(new URL("../fixtures/random.json", import.meta.url), "utf8")).long_permutation as {
  n: number;
  seed: number;
  partitionable: number[];
  legacy: number[];
};
const key = random.key(11);
const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("permutation", () => {
  it("permutes integers and 1-D arrays (every element once)", () => {
    const p = random.permutation(key, 50);
    expect(p.dtype).toBe("int32");
    expect(sorted(p.tolist() as number[])).toEqual(range(50));
    const x = jnp.array([5, 1, 4, 1, 3], { dtype: "int32" });
    expect(sorted(random.permutation(key, x).tolist() as number[])).toEqual([1, 1, 3, 4, 5]);
    expect(random.permutation(key, 1).tolist()).toEqual([0]);
    expect(random.permutation(key, 0).tolist()).toEqual([]);
  });

  it("moves whole slices along axis, or shuffles each slice with independent", () => {
    const x = jnp.reshape(jnp.arange(12, { dtype: "int32" }), [3, 4]);
    const rows = random.permutation(key, x).tolist() as number[][];
    expect(sorted(rows.map((r) => r[0]!))).toEqual([0, 4, 8]);
    rows.forEach((r) => expect(r).toEqual(range(4).map((j) => r[0]! + j)));
    const cols = random.permutation(key, x, 1).tolist() as number[][];
    const order = cols[0]!;
    cols.forEach((r, i) => expect(r).toEqual(order.map((j) => j + 4 * i)));
    const ind = random.permutation(key, x, -1, { independent: true }).tolist() as number[][];
    ind.forEach((r, i) => expect(sorted(r)).toEqual(range(4).map((j) => j + 4 * i)));
  });

  it("uses two sort rounds above 2**32 ** (1/3) ≈ 1626 elements, as the reference does", () => {
    for (const scheme of ["partitionable", "legacy"] as const) {
      config.update("jax_threefry_partitionable", scheme === "partitionable");
      try {
        const p = random.permutation(random.key(long.seed), long.n).tolist() as number[];
        expect(p).toEqual(long[scheme]);
        expect(sorted(p)).toEqual(range(long.n));
      } finally {
        config.update("jax_threefry_partitionable", true);
      }
    }
  });

  it("jit ≡ eager and vmap over keys ≡ a loop", () => {
    const x = jnp.array([1.5, 2.5, 3.5, 4.5]);
    const f = (k: random.KeyArray) => random.permutation(k, x);
    expect((jit(f)(key) as JaxArray).tolist()).toEqual(f(key).tolist());
    const keys = random.split(key, 5);
    expect((vmap(f)(keys) as JaxArray).tolist()).toEqual([...keys].map((k) => f(k).tolist()));
  });

  it("rejects non-integer scalars and bad axes", () => {
    expect(() => random.permutation(key, 2.5)).toThrow(/x must be an integer or at least 1-dimensional/);
    expect(() => random.permutation(key, jnp.array(3.0))).toThrow(/x must be an integer or at least 1-dimensional/);
    expect(() => random.permutation(key, jnp.zeros([2, 2]), 2)).toThrow(/axis/);
  });
});

describe("choice", () => {
  it("draws from 0..a-1 or from the entries of a along axis", () => {
    const x = random.choice(key, 7, [3, 4]);
    expect(x.shape).toEqual([3, 4]);
    expect((x.reshape([-1]).tolist() as number[]).every((v) => Number.isInteger(v) && v >= 0 && v < 7)).toBe(true);
    const a = jnp.array([[1, 2, 3, 4], [5, 6, 7, 8]], { dtype: "int32" });
    const cols = random.choice(key, a, [5], { axis: 1 });
    expect(cols.shape).toEqual([2, 5]);
    const [top, bottom] = cols.tolist() as number[][];
    top!.forEach((v, i) => expect(bottom![i]).toBe(v + 4));
    expect(random.choice(key, a, [3]).shape).toEqual([3, 4]);
  });

  it("without replacement draws distinct entries (with and without p)", () => {
    const x = random.choice(key, 10, [10], { replace: false }).tolist() as number[];
    expect(sorted(x)).toEqual(range(10));
    const p = [0.05, 0.3, 0, 0.25, 0.1, 0.3];
    const y = random.choice(key, 6, [5], { replace: false, p }).tolist() as number[];
    expect(new Set(y).size).toBe(5);
    expect(y).not.toContain(2);
    const z = random.choice(key, jnp.array([10, 20, 30, 40]), [2, 2], { replace: false }).tolist() as number[][];
    expect(new Set(z.flat()).size).toBe(4);
  });

  it("never draws entries of zero probability", () => {
    const x = random.choice(key, 4, [500], { p: [0.5, 0, 0.5, 0] }).tolist() as number[];
    expect(new Set(x)).toEqual(new Set([0, 2]));
  });

  it("empty draws give zeros of `shape` and a's dtype, as JAX", () => {
    expect(random.choice(key, 5, [0]).shape).toEqual([0]);
    const e = random.choice(key, jnp.array([[1, 2], [3, 4]], { dtype: "int32" }), [2, 0], { axis: 1 });
    expect(e.shape).toEqual([2, 0]);
    expect(e.dtype).toBe("int32");
  });

  it("jit ≡ eager and vmap over keys ≡ a loop", () => {
    const f = (k: random.KeyArray) => random.choice(k, 8, [3], { p: [0.1, 0.1, 0.2, 0.1, 0.1, 0.2, 0.1, 0.1] });
    expect((jit(f)(key) as JaxArray).tolist()).toEqual(f(key).tolist());
    const keys = random.split(key, 4);
    expect((vmap(f)(keys) as JaxArray).tolist()).toEqual([...keys].map((k) => f(k).tolist()));
  });

  it("raises JAX's errors", () => {
    expect(() => random.choice(key, 3, [4], { replace: false })).toThrow(
      "Cannot take a larger sample (size 4) than population (size 3) when 'replace=False'",
    );
    expect(() => random.choice(key, 0, [2])).toThrow("a must be greater than 0 unless no samples are taken");
    expect(() => random.choice(key, 3, [2], { p: [0.5, 0.5] })).toThrow(/p must be None or a 1D vector with the same size as a.shape\[axis\]/);
    expect(() => random.choice(key, 3, [2], { p: [0.5, -0.1, 0.6] })).toThrow(/p must hold probabilities/);
    expect(() => random.choice(key, 3, 2 as unknown as number[])).toThrow(/shape argument of jax.random.choice must be a sequence/);
    expect(() => random.choice(key, 3, [-1])).toThrow(/non-negative/);
  });
});
