// Tests for jax.random keys and bits (src/random/keys.ts) against the NumPy
// reference fixture (scripts/random_ref.py) in both key-derivation schemes,
// JAX's published known answers, typed keys, jit ≡ eager, vmap over keys, errors.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { config, jit, vmap, random, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";

type Key = [number, number];
interface SchemeBlock {
  key: Key;
  split: Record<string, unknown>;
  fold_in: { data: number; key: Key }[];
  bits: { width: number; shape: number[]; values: unknown }[];
}
const fixture = JSON.parse(readFileSync(new URL("../fixtures/random.json", import.meta.url), "utf8")) as {
  seeds: { seed: number; key: Key }[];
  schemes: Record<"partitionable" | "legacy", Record<string, SchemeBlock>>;
};

const setScheme = (p: boolean) => config.update("jax_threefry_partitionable", p);
afterEach(() => setScheme(true));
const data = (k: random.KeyArray) => random.keyData(k).tolist();

describe("keys", () => {
  it("seeds keys as [0, seed mod 2**32]; key and PRNGKey share data", () => {
    for (const s of fixture.seeds) {
      if (!Number.isSafeInteger(s.seed)) continue;
      expect(random.PRNGKey(s.seed).tolist()).toEqual(s.key);
      expect(data(random.key(s.seed))).toEqual(s.key);
    }
    const k = random.key(3);
    expect(k).toBeInstanceOf(random.PRNGKeyArray);
    expect(k.shape).toEqual([]);
    expect(data(random.wrapKeyData(random.PRNGKey(3)))).toEqual([0, 3]);
  });

  it("gives JAX's known legacy split and fold_in of PRNGKey(0)", () => {
    setScheme(false);
    expect(random.split(random.PRNGKey(0), 4)).toBeDefined();
    expect((random.split(random.PRNGKey(0), 4) as JaxArray).tolist()).toEqual([
      [2285895361, 1501764800],
      [1518642379, 4090693311],
      [433833334, 4221794875],
      [839183663, 3740430601],
    ]);
    expect((random.foldIn(random.PRNGKey(0), 4) as JaxArray).tolist()).toEqual([2285895361, 433833334]);
  });

  for (const scheme of ["partitionable", "legacy"] as const) {
    for (const [seed, block] of Object.entries(fixture.schemes[scheme])) {
      it(`${scheme}, seed ${seed}: split, fold_in and bits match the fixture`, () => {
        setScheme(scheme === "partitionable");
        const k = random.PRNGKey(Number(seed));
        expect((random.split(k) as JaxArray).tolist()).toEqual(block.split["2"]);
        expect((random.split(k, 3) as JaxArray).tolist()).toEqual(block.split["3"]);
        expect((random.split(k, [2, 3]) as JaxArray).tolist()).toEqual(block.split["2x3"]);
        for (const f of block.fold_in) expect((random.foldIn(k, f.data) as JaxArray).tolist()).toEqual(f.key);
        for (const b of block.bits) {
          if (b.width === 64) continue;
          const out = random.bits(k, b.shape, `uint${b.width}`);
          expect(out.dtype).toBe(`uint${b.width}`);
          expect(out.tolist()).toEqual(b.values);
        }
        // Typed keys give the same data, and stay typed.
        const t = random.key(Number(seed));
        expect(data(random.split(t))).toEqual(block.split["2"]);
        expect(random.split(t, [2, 3])).toBeInstanceOf(random.PRNGKeyArray);
      });
    }
  }

  it("jit ≡ eager and vmap over keys ≡ a loop, in both schemes", () => {
    for (const p of [true, false]) {
      setScheme(p);
      const k = random.PRNGKey(42);
      const g = (key: JaxArray) => random.bits(random.foldIn(key, 7), [5]);
      expect((jit(g)(k) as JaxArray).tolist()).toEqual(g(k).tolist());
      const keys = random.split(k, 4) as JaxArray;
      const vm = vmap(g)(keys) as JaxArray;
      const rows = (keys.tolist() as Key[]).map((kk) => g(rawKey(kk)).tolist());
      expect(vm.tolist()).toEqual(rows);
    }
  });

  it("vmaps over typed keys", () => {
    const keys = random.split(random.key(1), 3);
    const out = vmap((kk: random.KeyArray) => random.bits(kk, [2]))(keys) as JaxArray;
    expect(out.shape).toEqual([3, 2]);
    const split = vmap((kk: random.KeyArray) => random.split(kk))(keys);
    expect(split).toBeInstanceOf(random.PRNGKeyArray);
    expect((split as random.PRNGKeyArray).shape).toEqual([3, 2]);
  });

  it("indexes and iterates typed key arrays like JAX's (keys[i], unpacking, slices, masks)", () => {
    const key = random.key(0);
    const keys = random.split(key, 3);
    const raw = random.keyData(keys);
    // Unpacking iterates over the leading axis; each item is a typed key of shape [].
    const [a, b, c] = keys;
    for (const [i, k] of [a, b, c].entries()) {
      expect(k).toBeInstanceOf(random.PRNGKeyArray);
      expect(k!.shape).toEqual([]);
      expect(data(k!)).toEqual(raw.get(i).tolist());
    }
    expect([...keys].length).toBe(3);
    // The index forms of Array.get apply to the key dimensions.
    const grid = random.split(key, [2, 3]);
    const gd = random.keyData(grid);
    expect(data(grid.get(1, 2))).toEqual(gd.get(1, 2).tolist());
    expect(data(grid.get(-1))).toEqual(gd.get(-1).tolist());
    expect(data(grid.get(":", "1:"))).toEqual(gd.get(":", "1:").tolist());
    expect(grid.get("...", 0).shape).toEqual([2]);
    expect(data(grid.get("...", 0))).toEqual(gd.get(":", 0).tolist());
    expect(data(grid.get([1, 0]))).toEqual(gd.get([1, 0]).tolist());
    expect(grid.get(null).shape).toEqual([1, 2, 3]);
    expect(grid.size).toBe(6);
    expect(data(grid.reshape([-1]).get(4))).toEqual(gd.get(1, 1).tolist());
    // Sampling from an indexed key equals sampling from the same key data.
    expect(random.normal(keys.get(1), [3]).tolist()).toEqual(random.normal(random.wrapKeyData(raw.get(1)), [3]).tolist());
    // The JAX idiom: split, then draw from the subkey.
    const [, sub] = random.split(key);
    expect(random.uniform(sub).tolist()).toEqual(random.uniform(random.split(key).get(1)).tolist());
    expect(() => key.get(0)).toThrow(/0-dimensional/);
    expect(() => [...key]).toThrow(/0-d key array/);
  });

  it("vmap((k) => random.normal(k, [5]))(random.split(key, 8)) ≡ one draw per key", () => {
    for (const p of [true, false]) {
      setScheme(p);
      const keys = random.split(random.key(7), 8);
      const out = vmap((k: random.KeyArray) => random.normal(k, [5]))(keys) as JaxArray;
      expect(out.shape).toEqual([8, 5]);
      expect(out.tolist()).toEqual([...keys].map((k) => random.normal(k, [5]).tolist()));
      const jitted = jit(vmap((k: random.KeyArray) => random.normal(k, [5])))(keys) as JaxArray;
      expect(jitted.tolist()).toEqual(out.tolist());
      // Indexing a traced key array inside jit.
      const second = jit((ks: random.PRNGKeyArray) => random.normal(ks.get(1), [5]))(keys) as JaxArray;
      expect(second.tolist()).toEqual(random.normal(keys.get(1), [5]).tolist());
    }
  });

  it("rejects non-keys, batched keys and bad shapes", () => {
    expect(() => random.split(random.PRNGKey(0).astype("int32") as JaxArray)).toThrow(/PRNG key/);
    expect(() => random.bits(random.split(random.PRNGKey(0)) as JaxArray, [2])).toThrow(/single key/);
    expect(() => random.bits(random.PRNGKey(0), [-1])).toThrow(/non-negative/);
    expect(() => random.split(random.PRNGKey(0), [2.5])).toThrow(/non-negative/);
    expect(() => random.bits(random.PRNGKey(0), [2], "int32")).toThrow(/unsigned/);
    expect(() => random.PRNGKey(1.5)).toThrow(/integer/);
  });
});

const rawKey = (k: Key): JaxArray => jnp.array(Uint32Array.from(k), { dtype: "uint32" });
