// Tests for the reduction primitives (reduce_max/min/prod/and/or, argmax/argmin, cumsum):
// values against NumPy fixtures (scripts/gen_reductions_fixtures.py), numerical gradient
// checks, vmap ≡ loop, jit ≡ eager, and JAX's error messages.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, makeJaxpr, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { take } from "../util/arrays.js";
import { randArray as lawsRandArray } from "../util/laws.js";

type Num = number | string;
interface FixArr {
  dtype: string;
  shape: number[];
  data: Num[];
}
interface FixCase {
  op: string;
  input: string;
  params: { axes?: number[]; axis?: number; indexDtype?: string; reverse?: boolean };
  expected: FixArr;
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/reductions.json", import.meta.url), "utf8")) as {
  inputs: Record<string, FixArr>;
  cases: FixCase[];
};

const decode = (v: Num): number => (typeof v === "number" ? v : Number(v));
const fromFixture = (a: FixArr): JaxArray =>
  lax.reshape(jnp.array(Float64Array.from(a.data, decode), { dtype: a.dtype as DType }), a.shape);

function runOp(c: FixCase, x: JaxArray): JaxArray {
  const p = c.params;
  switch (c.op) {
    case "reduceMax":
      return lax.reduceMax(x, p.axes!);
    case "reduceMin":
      return lax.reduceMin(x, p.axes!);
    case "reduceProd":
      return lax.reduceProd(x, p.axes!);
    case "reduceAnd":
      return lax.reduceAnd(x, p.axes!);
    case "reduceOr":
      return lax.reduceOr(x, p.axes!);
    case "argmax":
      return lax.argmax(x, p.axis!, p.indexDtype);
    case "argmin":
      return lax.argmin(x, p.axis!, p.indexDtype);
    case "cumsum":
      return lax.cumsum(x, p.axis!, p.reverse!);
  }
  throw new Error(`unknown op ${c.op}`);
}

/** Float tolerance: products of many float32 factors are rounded in a different order. */
const tolFor = (c: FixCase) => (c.op === "reduceProd" && c.expected.dtype === "float32" ? { rtol: 1e-5, atol: 1e-6 } : {});

describe("values against NumPy", () => {
  const ops = [...new Set(FIX.cases.map((c) => c.op))];
  for (const op of ops) {
    it(op, () => {
      for (const c of FIX.cases.filter((k) => k.op === op)) {
        const x = fromFixture(FIX.inputs[c.input]!);
        const out = runOp(c, x);
        const msg = `${c.op}(${c.input}, ${JSON.stringify(c.params)})`;
        expect(out.dtype, msg).toBe(c.expected.dtype);
        expect(out.shape, msg).toEqual(c.expected.shape);
        expectAllClose(out, Float64Array.from(c.expected.data, decode), { ...tolFor(c), msg });
      }
    });
  }

  it("jit(f) ≡ f on every fixture case", () => {
    for (const c of FIX.cases) {
      const x = fromFixture(FIX.inputs[c.input]!);
      const eager = runOp(c, x);
      const jitted = jit((a: JaxArray) => runOp(c, a))(x) as JaxArray;
      expect(jitted.dtype).toBe(eager.dtype);
      expectAllClose(jitted, eager, { atol: 0, rtol: 0, msg: `${c.op} ${JSON.stringify(c.params)}` });
    }
  });

  it("keeps weak types where JAX does", () => {
    const w = lax.full([3], 2, "float32", true);
    expect(lax.reduceMax(w, [0]).weakType).toBe(true);
    expect(lax.reduceProd(w, [0]).weakType).toBe(true);
    expect(lax.cumsum(w).weakType).toBe(true);
    expect(lax.argmax(w, 0).weakType).toBe(false);
  });

  it("prints JAX's primitive names in jaxprs", () => {
    const x = jnp.array([[1, 2], [3, 4]]);
    const text = makeJaxpr((a: JaxArray) => [lax.reduceMax(a, [1]), lax.argmin(a, 0), lax.cumsum(a, 1, true)])(x)
      .toString()
      .replace(/\[\s+/g, "[")
      .replace(/\s+/g, " ").replace(/ \]/g, "]");
    expect(text).toContain("reduce_max[axes=(1,)]");
    expect(text).toContain("argmin[axes=(0,) indexDtype=int32]");
    expect(text).toContain("cumsum[axis=1 reverse=True]");
  });
});

// ---- derivatives (float64) ----

/** A float64 array of `shape` with values in [lo, hi) from a seeded generator. */
const randArray = (shape: number[], seed: number, lo = -2, hi = 2, dtype: "float32" | "float64" = "float64"): JaxArray =>
  lawsRandArray(shape, seed, lo, hi, dtype);

describe("derivatives", () => {
  let saved: boolean;
  beforeAll(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));

  const AXES: number[][] = [[0], [1], [2], [0, 2], [0, 1, 2], []];

  it("reduce_max / reduce_min / reduce_sum: check_grads orders 1 and 2, fwd and rev", () => {
    const x = randArray([2, 3, 4], 1);
    for (const axes of AXES) {
      checkGrads((a: JaxArray) => lax.reduceMax(a, axes), [x], 2);
      checkGrads((a: JaxArray) => lax.reduceMin(a, axes), [x], 2);
      checkGrads((a: JaxArray) => lax.reduceSum(a, axes), [x], 2);
    }
  });

  it("reduce_prod: check_grads orders 1 and 2 without zeros", () => {
    const x = randArray([2, 3, 4], 2, 0.5, 1.5);
    for (const axes of AXES) checkGrads((a: JaxArray) => lax.reduceProd(a, axes), [x], 2);
    const s = randArray([5], 3, -2, 2);
    checkGrads((a: JaxArray) => lax.reduceProd(a, [0]), [s], 2);
  });

  it("reduce_prod: exact at zeros to second order (one, two and three zeros; odd and even lengths)", () => {
    const one = jnp.array([[0.5, 0, 1.5, -2], [3, 1.25, 0, 0.75]], { dtype: "float64" });
    checkGrads((a: JaxArray) => lax.reduceProd(a, [1]), [one], 2);
    const two = jnp.array([[0.5, 0, 1.5, 0, 2], [0, 0, 1.5, 0.75, -1]], { dtype: "float64" });
    checkGrads((a: JaxArray) => lax.reduceProd(a, [1]), [two], 2);
    checkGrads((a: JaxArray) => lax.reduceProd(a, [0]), [two], 2);
    const three = jnp.array([0, 2, 0, 3, 0, 1.5, 0.5], { dtype: "float64" });
    checkGrads((a: JaxArray) => lax.reduceProd(a, [0]), [three], 2);
    const cube = jnp.array([[[0, 1.5], [2, 0]], [[0.5, 0], [1.25, 3]]], { dtype: "float64" });
    checkGrads((a: JaxArray) => lax.reduceProd(a, [0, 2]), [cube], 2);
  });

  it("reduce_prod: gradient is the product of the other entries (brute force)", () => {
    const rows = [
      [1.5, -2, 0.5, 3],
      [1.5, 0, 0.5, 3],
      [0, 2, 0, 3],
      [0, 0, 0, 0],
    ];
    for (const r of rows) {
      const g = grad((a: JaxArray) => lax.reduceProd(a, [0]))(jnp.array(r, { dtype: "float64" })) as JaxArray;
      const expected = r.map((_, i) => r.reduce((p, v, j) => (j === i ? p : p * v), 1));
      expectAllClose(g, expected, { atol: 1e-12, rtol: 1e-12 });
    }
  });

  it("reduce_max: ties share the tangent equally (JAX's chooser rule)", () => {
    const vals = [2, 7, 7, -1, 7, 3];
    const x = jnp.array(vals, { dtype: "float64" });
    const g = grad((a: JaxArray) => lax.reduceMax(a, [0]))(x) as JaxArray;
    const m = Math.max(...vals);
    const count = vals.filter((v) => v === m).length;
    expectAllClose(g, vals.map((v) => (v === m ? 1 / count : 0)), { atol: 1e-15, rtol: 0 });
    const gmin = grad((a: JaxArray) => lax.reduceMin(lax.neg(a), [0]))(x) as JaxArray;
    expectAllClose(gmin, vals.map((v) => (v === m ? -1 / count : 0)), { atol: 1e-15, rtol: 0 });
  });

  it("cumsum: check_grads orders 1 and 2 along each axis, both directions", () => {
    const x = randArray([3, 4, 2], 4);
    for (let axis = 0; axis < 3; axis++) {
      for (const reverse of [false, true]) checkGrads((a: JaxArray) => lax.cumsum(a, axis, reverse), [x], 2);
    }
  });

  it("vmap(grad f) and jit(grad f) ≡ a loop of grad f", () => {
    const xs = randArray([4, 3, 5], 9, -1.5, 1.5);
    const fs: ((a: JaxArray) => JaxArray)[] = [
      (a) => lax.reduceSum(lax.sin(lax.reduceMax(a, [1])), [0]),
      (a) => lax.reduceMin(lax.reduceProd(a, [0]), [0]),
      (a) => lax.reduceSum(lax.mul(lax.cumsum(a, 1, true), lax.cumsum(a, 0)), [0, 1]),
    ];
    for (const f of fs) {
      const g = grad(f);
      const batched = vmap(g, { inAxes: 1 })(xs) as JaxArray;
      const jitted = jit(g);
      for (let i = 0; i < 3; i++) {
        const want = g(take(xs, 1, i)) as JaxArray;
        expectAllClose(take(batched, 0, i), want, { atol: 1e-12, rtol: 1e-12 });
        expectAllClose(jitted(take(xs, 1, i)), want, { atol: 1e-12, rtol: 1e-12 });
      }
    }
  });

  it("float32 gradients pass JAX's float32 tolerances", () => {
    const x = randArray([3, 4], 5, 0.5, 1.5, "float32");
    checkGrads((a: JaxArray) => lax.reduceProd(a, [1]), [x], 1);
    checkGrads((a: JaxArray) => lax.reduceMax(a, [0]), [x], 1);
    checkGrads((a: JaxArray) => lax.cumsum(a, 1), [x], 1);
  });

  it("argmax/argmin and logical reductions have zero derivatives", () => {
    const x = randArray([3, 4], 6);
    const idxOf = (a: JaxArray) => lax.broadcastInDim(lax.convertElementType(lax.argmax(a, 1), "float64"), [3, 4], [0]);
    const anyOf = (a: JaxArray) => lax.convertElementType(lax.reduceOr(lax.gt(a, 0), [1]), "float64");
    const f = (a: JaxArray) =>
      lax.add(lax.reduceSum(lax.mul(a, idxOf(a)), [0, 1]), lax.reduceSum(lax.mul(anyOf(a), lax.reduceSum(a, [1])), [0]));
    const g = grad(f)(x) as JaxArray;
    expectAllClose(g, lax.add(idxOf(x), lax.broadcastInDim(anyOf(x), [3, 4], [0])), { atol: 0, rtol: 0 });
  });
});

describe("vmap ≡ loop", () => {
  const x = randArray([3, 4, 5], 7, -3, 3, "float32");
  const xi = lax.convertElementType(randArray([3, 4, 5], 8, -20, 20, "float32"), "int32");
  const fns: [string, (a: JaxArray) => JaxArray, JaxArray][] = [
    ["reduceMax [0]", (a) => lax.reduceMax(a, [0]), x],
    ["reduceMin [1]", (a) => lax.reduceMin(a, [1]), x],
    ["reduceProd [0,1]", (a) => lax.reduceProd(a, [0, 1]), x],
    ["reduceAnd [1]", (a) => lax.reduceAnd(a, [1]), xi],
    ["reduceOr [0]", (a) => lax.reduceOr(a, [0]), xi],
    ["argmax 1", (a) => lax.argmax(a, 1), x],
    ["argmin 0", (a) => lax.argmin(a, 0), x],
    ["cumsum 0", (a) => lax.cumsum(a, 0), x],
    ["cumsum 1 reverse", (a) => lax.cumsum(a, 1, true), x],
  ];
  for (const [name, f, input] of fns) {
    it(name, () => {
      for (let inAxis = 0; inAxis < 3; inAxis++) {
        for (const outAxis of [0, -1]) {
          const out = vmap(f, { inAxes: inAxis, outAxes: outAxis })(input) as JaxArray;
          const oa = outAxis < 0 ? out.ndim + outAxis : outAxis;
          for (let i = 0; i < input.shape[inAxis]!; i++) {
            const want = f(take(input, inAxis, i));
            expectAllClose(take(out, oa, i), want, { atol: 0, rtol: 0, msg: `${name} inAxis=${inAxis} i=${i}` });
          }
        }
      }
    });
  }

  it("bool reductions under vmap", () => {
    const b = lax.gt(x, 0);
    const out = vmap((a: JaxArray) => lax.reduceAnd(a, [0]), { inAxes: 2 })(b) as JaxArray;
    expect(out.dtype).toBe("bool");
    for (let i = 0; i < 5; i++) {
      const want = lax.reduceAnd(lax.convertElementType(take(b, 2, i), "bool"), [0]);
      expectAllClose(take(out, 0, i), want, { atol: 0, rtol: 0 });
    }
  });
});

describe("errors with JAX's wording", () => {
  const x = jnp.array([[1, 2, 3], [4, 5, 6]]);
  it("reduction axes", () => {
    expect(() => lax.reduceMax(x, [1, 1])).toThrow("duplicate value in 'axes' of reduction: (1, 1)");
    expect(() => lax.reduceMin(x, [2])).toThrow("reduction axes (2,) contains out-of-bounds indices for f32[2,3].");
    expect(() => lax.reduceProd(x, [-1])).toThrow("reduction axes (-1,) contains out-of-bounds indices");
  });
  it("dtypes", () => {
    expect(() => lax.reduceAnd(x, [0])).toThrow("logical reduction requires operand dtype bool or int, got float32.");
    const b = lax.gt(x, 2);
    expect(() => lax.reduceProd(b, [0])).toThrow("reduce_prod does not accept dtype bool. Accepted dtypes are subtypes of number.");
    expect(() => lax.cumsum(b, 0)).toThrow("cumsum does not accept dtype bool. Accepted dtypes are subtypes of number.");
    expect(() => lax.argmax(x, 0, "float32")).toThrow("index_dtype must be an integer type, but got float32");
  });
  it("argmax / argmin axes", () => {
    expect(() => lax.argmax(x, 2)).toThrow("Invalid axis 2 for operand shape (2, 3)");
    const empty = lax.reshape(jnp.array([]), [2, 0]);
    expect(() => lax.argmin(empty, 1)).toThrow(
      "argmin and argmax require non-empty reduced dimension. operand.shape=(2, 0) axis=1",
    );
  });
  it("cumsum axes", () => {
    expect(() => lax.cumsum(x, -1)).toThrow("XLA operations do not allow negative axes");
    expect(() => lax.cumsum(x, 2)).toThrow("axis 2 is out of bounds for array of shape (2, 3)");
  });
});
