// Tests of jnp indexing (x.get / jnp.index) and functional updates (x.at(...).set/add/...):
// NumPy fixtures (scripts/gen_indexing_fixtures.py) for every index form, jit ≡ eager, vmap ≡ a
// loop, numerical gradient checks, the lowering JAX prints, and the error messages.
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { grad, jit, lax, makeJaxpr, numpy as jnp, vmap } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

const fixtures = JSON.parse(readFileSync(new URL("../fixtures/indexing.json", import.meta.url), "utf8"));

type Arr = { shape: number[]; dtype: string; values: unknown };
type GetCase = { name: string; x: Arr; idx: unknown[]; out: Arr };
type UpdateCase = GetCase & { op: "set" | "add" | "multiply" | "min" | "max"; v: Arr };

const fromFixture = (a: Arr): JArray => lax.reshape(jnp.array(a.values as number[], { dtype: a.dtype }), a.shape);

/** Decodes the JSON form of an index entry (see the generator's docstring). */
function decode(i: unknown): unknown {
  if (i === null || typeof i !== "object") return i;
  const o = i as Record<string, any>;
  if ("s" in o) return jnp.s(...(o.s as (number | null)[]));
  if ("o" in o) return { ...o.o };
  if ("a" in o) return jnp.array(o.a, { dtype: o.dtype });
  if ("l" in o) return o.l;
  throw new Error(`bad fixture index ${JSON.stringify(i)}`);
}

function expectArray(actual: JArray, expected: Arr, msg: string): void {
  expect(actual.shape, msg).toEqual(expected.shape);
  expect(actual.dtype, msg).toBe(expected.dtype);
  expectAllClose(actual, fromFixture(expected), { atol: 0, rtol: 0, msg });
}

const get = fixtures.get as GetCase[];
const update = fixtures.update as UpdateCase[];
const int32 = (v: unknown) => jnp.array(v, { dtype: "int32" });
const f32 = (v: unknown) => jnp.array(v, { dtype: "float32" });
const iota = (...shape: number[]) =>
  lax.reshape(jnp.array(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => i * 0.5 - 3)), shape);
const total = (y: JArray) => lax.reduceSum(y, y.shape.map((_, i) => i));

describe("get matches NumPy", () => {
  for (const c of get) {
    it(c.name, () => {
      const x = fromFixture(c.x);
      const idx = c.idx.map(decode);
      expectArray(x.get(...idx), c.out, "x.get");
      expectArray(jnp.index(x, ...(idx as any[])), c.out, "jnp.index");
      expectArray(x.at(...idx).get(), c.out, "x.at().get()");
    });
  }
  it("jit ≡ eager for every case (x traced, indices static)", () => {
    for (const c of get) {
      const x = fromFixture(c.x);
      const idx = c.idx.map(decode);
      expectArray(jit((y: JArray) => y.get(...idx))(x), c.out, c.name);
    }
  });
  it("index Arrays may be traced jit arguments", () => {
    for (const c of get.filter((c) => c.idx.some((i) => i !== null && typeof i === "object" && "a" in i && (i as any).dtype !== "bool"))) {
      const x = fromFixture(c.x);
      const idx = c.idx.map(decode);
      const pos = idx.map((_, k) => k).filter((k) => (c.idx[k] as any)?.a !== undefined);
      const f = jit((y: JArray, ...arrays: JArray[]) => {
        const full = [...idx];
        pos.forEach((p, j) => (full[p] = arrays[j]));
        return y.get(...full);
      });
      expectArray(f(x, ...pos.map((p) => idx[p] as JArray)), c.out, c.name);
    }
  });
});

describe("updates match NumPy (np.add.at & co. for repeated indices)", () => {
  for (const c of update) {
    it(`${c.op}: ${c.name}`, () => {
      const x = fromFixture(c.x);
      const v = fromFixture(c.v);
      const idx = c.idx.map(decode);
      expectArray(x.at(...idx)[c.op](v), c.out, "eager");
      expectArray(jnp.indexUpdate(x, idx as any[], v, c.op), c.out, "jnp.indexUpdate");
      expectArray(jit((y: JArray, w: JArray) => y.at(...idx)[c.op](w))(x, v), c.out, "jit");
    });
  }
  it("the input is not modified", () => {
    const x = f32([1, 2, 3]);
    x.at(1).set(9);
    expect(x.tolist()).toEqual([1, 2, 3]);
  });
  it("JS number updates keep x's dtype (int32 stays int32)", () => {
    const x = int32([1, 2, 3]);
    const y = x.at(0).add(2);
    expect(y.dtype).toBe("int32");
    expect(y.tolist()).toEqual([3, 2, 3]);
  });
});

describe("out-of-bounds Array indices (JAX's defaults)", () => {
  for (const c of fixtures.oob_get as GetCase[]) {
    it(`get clamps: ${c.name}`, () => {
      const x = fromFixture(c.x);
      expectArray(x.get(...c.idx.map(decode)), c.out, "get");
    });
  }
  for (const c of fixtures.oob_update as UpdateCase[]) {
    it(`update drops: ${c.name}`, () => {
      const x = fromFixture(c.x);
      expectArray(x.at(...c.idx.map(decode))[c.op](fromFixture(c.v)), c.out, c.op);
    });
  }
});

describe("dynamic scalar indices", () => {
  const x = iota(4, 5);
  it("a traced 0-d index equals the static index (negative ones count from the end)", () => {
    const f = jit((y: JArray, i: JArray) => y.get(i, "1:4"));
    for (const i of [0, 3, -1, -4]) {
      expectAllClose(f(x, int32(i)), x.get(i, "1:4"), { atol: 0, rtol: 0 });
      expectAllClose(jit((y: JArray, j: JArray) => y.get(":", j))(x, int32(i)), x.get(":", i), { atol: 0, rtol: 0 });
    }
  });
  it("a traced 0-d index can be updated", () => {
    const f = jit((y: JArray, i: JArray) => y.at(i).add(1));
    expectAllClose(f(x, int32(-2)), x.at(2).add(1), { atol: 0, rtol: 0 });
  });
  it("with a strided slice", () => {
    const f = jit((y: JArray, i: JArray) => y.get("::-2", i));
    expectAllClose(f(x, int32(2)), x.get("::-2", 2), { atol: 0, rtol: 0 });
  });
});

describe("lowering (as JAX prints it)", () => {
  const x = iota(3, 4);
  const text = (f: (y: JArray) => JArray) => makeJaxpr(f)(x).toString();
  it("static ints and slices are slice + squeeze, with no gather", () => {
    const t = text((y) => y.get(1, "1:3"));
    expect(t).toContain("slice[");
    expect(t).toContain("squeeze[");
    expect(t).not.toContain("gather");
  });
  it("reversed and strided slices are rev + slice", () => {
    const t = text((y) => y.get("::-1", "::2"));
    expect(t).toContain("rev[");
    expect(t).toContain("strides=(1, 2)");
    expect(t).not.toContain("gather");
  });
  it("newaxis is expand_dims; a full slice is no op at all", () => {
    expect(text((y) => y.get(null))).toContain("expand_dims[");
    expect(text((y) => y.get(":", "..."))).toMatch(/let\s+in \(a,\)/);
  });
  it("a traced scalar is dynamic_slice", () => {
    const t = makeJaxpr((y: JArray, i: JArray) => y.get(i))(x, int32(1)).toString();
    expect(t).toContain("dynamic_slice[");
    expect(t).not.toContain("gather");
  });
  it("index arrays are gather; updates are scatter / scatter-add", () => {
    expect(text((y) => y.get([0, 2]))).toContain("gather[");
    expect(text((y) => y.at([0, 2]).add(1))).toMatch(/scatter[-_]add\[/);
    expect(text((y) => y.at(1).set(0))).toContain("scatter[");
  });
});

describe("gradients", () => {
  const x = iota(3, 4);
  // Every function here is piecewise polynomial of degree ≤ 2 in its inputs, so central differences
  // are exact up to rounding and a larger step keeps float32 rounding out of the comparison.
  const opts = { modes: ["fwd", "rev"] as ("fwd" | "rev")[], eps: 1e-2 };
  it("of get (basic, strided, reversed, newaxis, ellipsis)", () => {
    for (const idx of [[1], ["::-1", "1:3"], [":", "::2"], [null, -1, "..."], ["...", 2]] as unknown[][]) {
      checkGrads((y: JArray) => y.get(...idx), [x], 2, opts);
    }
  });
  it("of get with index arrays (repeats accumulate) and masks", () => {
    checkGrads((y: JArray) => y.get([2, 0, 2]), [x], 2, opts);
    checkGrads((y: JArray) => y.get(int32([0, 0, 1]), ":", ), [x], 1, opts);
    checkGrads((y: JArray) => y.get([0, 2], "...", [3, 3]), [x], 1, opts);
    checkGrads((y: JArray) => y.get(jnp.greater(x, 0)), [x], 1, opts);
  });
  it("the gradient of an index array get is scatter-add (np.add.at)", () => {
    const g = grad((y: JArray) => total(jnp.multiply(y.get([2, 0, 2], 1), f32([1, 2, 3]))))(x);
    const expected = new Float32Array(12);
    [[2, 1], [0, 2], [2, 3]].forEach(([r, w]) => (expected[r! * 4 + 1] += w!));
    expectAllClose(g, lax.reshape(jnp.array(expected), [3, 4]));
    expect(makeJaxpr(grad((y: JArray) => total(y.get([2, 0]))))(x).toString()).toMatch(/scatter[-_]add\[/);
  });
  it("of a traced scalar index get", () => {
    checkGrads((y: JArray) => jit((z: JArray, i: JArray) => z.get(i))(y, int32(-1)), [x], 2, opts);
  });
  it("of set with respect to x and to the update (a gather)", () => {
    const v = f32([[5, 6]]);
    checkGrads((y: JArray, w: JArray) => y.at("1:", [0, 3]).set(w), [x, v], 2, opts);
    checkGrads((y: JArray, w: JArray) => y.at(0).set(w), [x, f32(2)], 2, opts);
    expect(makeJaxpr(grad((w: JArray) => total(x.at([0, 2], 1).set(w))))(f32([1, 2])).toString()).toContain("gather[");
  });
  it("of add, multiply, min, max", () => {
    const idx = [int32([0, 2, 0]), "1:3"];
    const v = f32([[0.3, -0.2], [1.1, 0.7], [-0.9, 0.4]]);
    checkGrads((y: JArray, w: JArray) => y.at(...idx).add(w), [x, v], 2, opts);
    checkGrads((y: JArray, w: JArray) => y.at(...idx).multiply(w), [x, v], 2, opts);
    // min/max: values apart from each other so that no tie sits within the difference step.
    checkGrads((y: JArray, w: JArray) => y.at(...idx).min(w), [x, v], 1, opts);
    checkGrads((y: JArray, w: JArray) => y.at(...idx).max(w), [x, v], 1, opts);
  });
});

describe("vmap ≡ a loop", () => {
  const xs = iota(3, 4, 5);
  const stackOf = (ys: JArray[]) => jnp.array(ys.map((y) => y.tolist()) as number[][]);
  const close = (a: JArray, b: JArray) => expectAllClose(a, b, { atol: 0, rtol: 0 });
  it("batched x, static index", () => {
    for (const idx of [[1, "::-2"], [[2, 0], null], ["...", [4, 4, 1]], [jnp.greater(xs.get(0), 0)]] as unknown[][]) {
      close(vmap((x: JArray) => x.get(...idx))(xs), stackOf([0, 1, 2].map((b) => xs.get(b).get(...idx))));
    }
  });
  it("batched index arrays, unbatched x", () => {
    const x = xs.get(0);
    const is = int32([[0, 3], [2, 2], [-1, 1]]);
    close(vmap((i: JArray) => x.get(i, "1:"), { inAxes: 0 })(is), stackOf([0, 1, 2].map((b) => x.get(is.get(b), "1:"))));
    close(vmap((i: JArray) => x.get(":", i))(is), stackOf([0, 1, 2].map((b) => x.get(":", is.get(b)))));
  });
  it("batched x and batched indices (array and scalar)", () => {
    const is = int32([[0, 3], [2, 2], [-1, 1]]);
    close(vmap((x: JArray, i: JArray) => x.get(i, 2))(xs, is), stackOf([0, 1, 2].map((b) => xs.get(b).get(is.get(b), 2))));
    const ks = int32([3, 0, -1]);
    close(vmap((x: JArray, k: JArray) => x.get(k))(xs, ks), stackOf([0, 1, 2].map((b) => xs.get(b).get(ks.get(b)))));
    close(vmap((x: JArray, k: JArray) => x.get(1, k))(xs, ks), stackOf([0, 1, 2].map((b) => xs.get(b).get(1, ks.get(b)))));
    close(vmap((x: JArray, k: JArray) => x.at(k, "1:3").add(1))(xs, ks), stackOf([0, 1, 2].map((b) => xs.get(b).at(ks.get(b), "1:3").add(1))));
  });
  it("updates with batched x, indices and values", () => {
    const is = int32([[0, 0], [2, 1], [3, 3]]);
    const vs = iota(3, 2, 5);
    for (const op of ["set", "add", "multiply", "min", "max"] as const) {
      const ref = (b: number) => xs.get(b).at(is.get(b))[op](vs.get(b));
      if (op !== "set") close(vmap((x: JArray, i: JArray, v: JArray) => x.at(i)[op](v))(xs, is, vs), stackOf([0, 1, 2].map(ref)));
      close(vmap((x: JArray, v: JArray) => x.at(1, "::2")[op](v))(xs, vs.get(":", 0, "1:4")), stackOf([0, 1, 2].map((b) => xs.get(b).at(1, "::2")[op](vs.get(b, 0, "1:4")))));
      close(vmap((v: JArray) => xs.get(0).at([1, 2])[op](v))(vs), stackOf([0, 1, 2].map((b) => xs.get(0).at([1, 2])[op](vs.get(b)))));
    }
    // set with unique indices per example.
    const js = int32([[0, 1], [2, 3], [3, 1]]);
    close(vmap((x: JArray, i: JArray, v: JArray) => x.at(i).set(v))(xs, js, vs), stackOf([0, 1, 2].map((b) => xs.get(b).at(js.get(b)).set(vs.get(b)))));
  });
});

describe("errors", () => {
  const x = iota(3, 4);
  it("out-of-bounds JS numbers raise NumPy's IndexError", () => {
    expect(() => iota(3).get(5)).toThrow("index 5 is out of bounds for axis 0 with size 3");
    expect(() => x.get(0, -5)).toThrow("index -5 is out of bounds for axis 1 with size 4");
    expect(() => x.get([0, 3])).toThrow("index 3 is out of bounds for axis 0 with size 3");
    expect(() => x.at(3).set(1)).toThrow(jnp.IndexError);
  });
  it("too many indices", () => {
    expect(() => x.get(0, 1, 2)).toThrow("Too many indices: 2-dimensional array indexed with 3 regular indices.");
    expect(() => iota(2).get(0, null, 1)).toThrow("Too many indices: 1-dimensional array indexed with 2 regular indices.");
    expect(() => x.get("...", "...")).toThrow("an index can only have a single ellipsis ('...')");
  });
  it("bad index types", () => {
    expect(() => x.get(1.5)).toThrow("Indexer must have integer or boolean type, got indexer with type float32 at position 0, indexer value 1.5");
    expect(() => x.get(":", f32([1]))).toThrow("Indexer must have integer or boolean type, got indexer with type float32 at position 1");
    expect(() => x.get("a:b")).toThrow(TypeError);
    expect(() => x.get({ begin: 1 } as any)).toThrow("Indexing mode not yet supported. Got unsupported indexer at position 0");
    expect(() => x.get(undefined as any)).toThrow(jnp.IndexError);
    expect(() => x.get([0, ":"] as any)).toThrow("Using a non-tuple sequence for multidimensional indexing is not allowed");
    expect(() => x.get("::0")).toThrow("slice step cannot be zero");
  });
  it("boolean masks must be concrete and match the shape", () => {
    const f = jit((y: JArray) => y.get(jnp.greater(y, 0)));
    expect(() => f(x)).toThrow(jnp.NonConcreteBooleanIndexError);
    expect(() => f(x)).toThrow("Array boolean indices must be concrete; got ShapedArray(bool[3,4])");
    expect(() => vmap((m: JArray) => x.get(m))(jnp.greater(iota(2, 3, 4), 0))).toThrow(jnp.NonConcreteBooleanIndexError);
    expect(() => x.get([true, false])).toThrow("boolean index did not match shape of indexed array in index 0: got (2,), expected (3,)");
  });
  it("traced slice bounds", () => {
    expect(() => jit((y: JArray, i: JArray) => y.get(jnp.s(i, null)))(x, int32(1))).toThrow(
      "Array slice indices must have static start/stop/step to be used with NumPy indexing syntax.",
    );
  });
  it("update values that do not broadcast", () => {
    expect(() => x.at(0).set(f32([1, 2]))).toThrow("shape mismatch: value array of shape (2,) could not be broadcast to indexing result of shape (4,)");
  });
});
