// Keeps README.md honest: executes the claims of its jnp / indexing / lax / random sections and
// checks them against independent oracles (plain-JS loops, other jaxts APIs, algebraic identities,
// the NumPy-generated random fixture), so the README cannot silently rot.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { config, grad, jit, numpy as jnp, lax, random, vmap } from "../src/index.js";

const i32 = (d: unknown) => jnp.array(d, { dtype: "int32" });
const v = jnp.array([1, 2, 3]);
const x = jnp.array([[1, 2], [3, 4]]);
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");

describe("README: jax.numpy", () => {
  it("matmul, einsum, tensordot and dot agree with a JS triple loop", () => {
    const X = [[1, 2], [3, 4]];
    const want = X.map((r, i) => r.map((_, k) => X[i]!.reduce((s, _, j) => s + X[i]![j]! * X[j]![k]!, 0)));
    for (const y of [jnp.matmul(x, x), jnp.einsum("ij,jk->ik", x, x), jnp.tensordot(x, x, 1), jnp.dot(x, x)]) {
      expect(y.tolist()).toEqual(want);
    }
    expect(jnp.einsum("ii", x).item()).toBe(jnp.trace(x).item());
    expect(jnp.vecdot(x, x).tolist()).toEqual(X.map((r) => r.reduce((s, a) => s + a * a, 0)));
  });

  it("var/std/average/cumulative reductions match JS formulas", () => {
    const d = [1, 2, 3];
    const m = d.reduce((a, b) => a + b) / d.length;
    const ss = d.reduce((a, b) => a + (b - m) ** 2, 0);
    expect(jnp.var(v, { ddof: 1 }).item()).toBeCloseTo(ss / (d.length - 1), 6);
    expect(jnp.std(v).item()).toBeCloseTo(Math.sqrt(ss / d.length), 6);
    expect(jnp.average(v, { weights: jnp.array([1, 0, 1]) }).item()).toBeCloseTo((1 + 3) / 2, 6);
    let p = 1;
    expect(jnp.cumprod(v).tolist()).toEqual(d.map((a) => (p *= a)));
    expect(jnp.cumsum(v).tolist()).toEqual(lax.cumsum(v, 0, false).tolist());
    expect(jnp.sum(x, { axis: 1, keepdims: true }).tolist()).toEqual([[1 + 2], [3 + 4]]);
  });

  it("remainder follows the divisor's sign, fmod the dividend's (JS %), rint rounds half to even", () => {
    const a = [-7, 7];
    expect(jnp.remainder(jnp.array(a), 3).tolist()).toEqual(a.map((t) => ((t % 3) + 3) % 3));
    expect(jnp.fmod(jnp.array(a), 3).tolist()).toEqual(a.map((t) => t % 3));
    const halfEven = (t: number) => (Math.abs(t % 1) === 0.5 ? 2 * Math.round(t / 2) : Math.round(t));
    expect(jnp.rint(jnp.array([0.5, 1.5, 2.5])).tolist()).toEqual([0.5, 1.5, 2.5].map(halfEven));
  });

  it("split, pad, roll and repeat match slicing identities", () => {
    const parts = jnp.split(jnp.arange(6), [1, 4]).map((t) => t.tolist());
    expect(parts).toEqual([[0], [1, 2, 3], [4, 5]].map((r) => r.map((t) => jnp.arange(6).get(t).item())));
    expect(jnp.concatenate(jnp.split(jnp.arange(6), 3)).tolist()).toEqual(jnp.arange(6).tolist());
    expect(jnp.pad(jnp.array([1, 2]), [[2, 1]], { constantValues: 9 }).tolist()).toEqual([9, 9, 1, 2, 9]);
    expect(jnp.roll(v, 1).tolist()).toEqual(jnp.concatenate([v.get("-1:"), v.get(":-1")]).tolist());
  });
});

describe("README: indexing", () => {
  const a = jnp.arange(12).reshape([3, 4]);
  const A = [0, 1, 2].map((i) => [0, 1, 2, 3].map((j) => 4 * i + j));

  it("index forms select what Python's indexing selects", () => {
    expect(a.get(-1, "1:3").tolist()).toEqual(A[2]!.slice(1, 3));
    expect(a.get("::-1", 0).tolist()).toEqual(A.map((r) => r[0]).reverse());
    expect(a.get([0, 2], [1, 3]).tolist()).toEqual([A[0]![1], A[2]![3]]);
    expect(a.get(jnp.greater(a, 8)).tolist()).toEqual(A.flat().filter((t) => t > 8));
    expect(a.get({ start: 1 }, jnp.s(null, null, 2)).tolist()).toEqual(A.slice(1).map((r) => r.filter((_, j) => j % 2 === 0)));
    expect(jit((k: any) => a.get(k))(i32(2)).tolist()).toEqual(A[2]);
  });

  it("updates accumulate repeated indices; out-of-bounds gets clamp, updates drop; grad is scatter-add", () => {
    const idx = [0, 0, 2];
    const acc = [0, 0, 0];
    for (const i of idx) acc[i]! += 1;
    expect(jnp.zeros([3]).at(idx).add(1).tolist()).toEqual(acc);
    expect(grad((y: any) => jnp.sum(y.get(idx)))(v).tolist()).toEqual(acc);
    expect(v.at(i32([7])).set(0).tolist()).toEqual(v.tolist());
    expect(v.get(i32(7)).item()).toBe(v.get(-1).item());
    expect(() => v.get(7)).toThrow("index 7 is out of bounds for axis 0 with size 3");
  });
});

describe("README: jax.lax", () => {
  it("slice, pad, dynamic slices and scatter-add match JS loops", () => {
    const r = Array.from({ length: 10 }, (_, i) => i);
    expect(lax.slice(jnp.arange(10), [1], [8], [3]).tolist()).toEqual(r.slice(1, 8).filter((_, i) => i % 3 === 0));
    expect(lax.dynamicSlice(jnp.arange(10), [9], [2]).tolist()).toEqual(r.slice(8, 10)); // start clamped
    expect(lax.pad(jnp.array([1, 2]), 0, [[1, 2, 1]]).tolist()).toEqual([0, 1, 0, 2, 0, 0]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    expect(lax.scatterAdd(jnp.zeros([3]), i32([[0], [0]]), jnp.ones([2]), dn).tolist()).toEqual(jnp.zeros([3]).at([0, 0]).add(1).tolist());
    const gdn = { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] };
    expect(lax.gather(jnp.arange(5), i32([[3], [1]]), gdn, [1]).tolist()).toEqual(jnp.arange(5).get([3, 1]).tolist());
  });

  it("dotGeneral with a batch dim equals batchMatmul and a vmap of matmul", () => {
    const A = jnp.arange(30).reshape([5, 2, 3]).astype("float32");
    const B = jnp.arange(60).reshape([5, 3, 4]).astype("float32");
    const g = lax.dotGeneral(A, B, [[[2], [1]], [[0], [0]]]);
    expect(g.shape).toEqual([5, 2, 4]);
    expect(g.tolist()).toEqual(lax.batchMatmul(A, B).tolist());
    expect(g.tolist()).toEqual(vmap(jnp.matmul)(A, B).tolist());
    expect(lax.round(jnp.array([0.5, 1.5, -0.5])).tolist()).toEqual([0.5, 1.5, -0.5].map((t) => Math.sign(t) * Math.round(Math.abs(t))));
    expect(lax.digamma(jnp.array(1)).item()).toBeCloseTo(-0.5772156649, 6); // −γ, Euler–Mascheroni
  });
});

describe("README: random", () => {
  const fx = JSON.parse(readFileSync(new URL("./fixtures/random.json", import.meta.url), "utf8"));
  const claimed = (scheme: string) => fx.schemes[scheme]["0"].split["2"] as number[][];

  it("the split values quoted in the README are the reference values in both schemes", () => {
    const prev = config.read("jax_threefry_partitionable");
    try {
      for (const [scheme, flag] of [["partitionable", true], ["legacy", false]] as const) {
        config.update("jax_threefry_partitionable", flag);
        const want = claimed(scheme);
        expect(random.keyData(random.split(random.key(0))).tolist()).toEqual(want);
        expect(random.keyData(random.split(random.PRNGKey(0))).tolist()).toEqual(want);
        expect(readme).toContain(JSON.stringify(want).replace(/,/g, ", "));
      }
    } finally {
      config.update("jax_threefry_partitionable", prev);
    }
  });

  it("keys are reproducible, wrap/unwrap round-trips, and samplers batch over keys with vmap", () => {
    const key = random.key(0);
    expect(random.uniform(key, [3]).tolist()).toEqual(random.uniform(random.key(0), [3]).tolist());
    const raw = random.keyData(random.split(key));
    const k1 = random.wrapKeyData(raw.get(0));
    expect(random.keyData(k1).tolist()).toEqual(raw.get(0).tolist());
    const keys = random.split(key, 4);
    const batched = vmap((k: any) => random.uniform(k))(keys).tolist() as number[];
    const data = random.keyData(keys);
    expect(batched).toEqual([0, 1, 2, 3].map((i) => random.uniform(random.wrapKeyData(data.get(i))).item()));
    const ints = random.randint(key, [50], 0, 10).tolist() as number[];
    expect(ints.every((t) => Number.isInteger(t) && t >= 0 && t < 10)).toBe(true);
  });

  it("every exported random name appears in the README table", () => {
    for (const name of Object.keys(random)) expect(readme, name).toContain(`\`${name}\``);
  });
});

describe("README: every exported jnp and lax name is documented", () => {
  it("jnp", () => {
    for (const name of Object.keys(jnp)) expect(readme, name).toMatch(new RegExp("`" + name + "[`(]"));
  });
  it("lax", () => {
    for (const name of Object.keys(lax)) expect(readme, name).toContain(`\`${name}\``);
  });
});
