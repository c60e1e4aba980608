// Tests for the `sort` primitive and its wrappers (lax.sort, lax.sortKeyVal, lax.topK,
// jnp.sort, jnp.argsort, jnp.searchsorted): values against NumPy fixtures
// (scripts/gen_linalg_fixtures.py) including NaN, ±0, ±inf and ties, numerical gradient
// checks, vmap ≡ loop, jit ≡ eager, the printed jaxpr and error messages.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, makeJaxpr, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

type Num = number | string;
interface FixArr {
  dtype: string;
  shape: number[];
  data: Num[];
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/linalg.json", import.meta.url), "utf8")) as {
  sort: { input: FixArr; axis: number; sorted: FixArr; argsort: FixArr; argsortDesc: FixArr }[];
  lexsort: { keys: FixArr[]; values: FixArr; axis: number; expected: FixArr[] }[];
  topk: { input: FixArr; k: number; values: FixArr; indices: FixArr }[];
  searchsorted: { a: FixArr; v: FixArr; side: "left" | "right"; sorter: FixArr | null; expected: FixArr }[];
};

const decode = (v: Num): number => (typeof v === "number" ? v : Number(v));
const fromFixture = (a: FixArr): JaxArray =>
  lax.reshape(jnp.array(Float64Array.from(a.data, decode), { dtype: a.dtype as DType }), a.shape);

/** Exact equality that tells -0 from +0 and accepts NaN = NaN. */
function expectIdentical(actual: JaxArray, expected: FixArr, msg: string): void {
  expect(actual.shape, msg).toEqual(expected.shape);
  expect(actual.dtype, msg).toBe(expected.dtype);
  const got = Array.from(actual.dataSync(), Number);
  const want = expected.data.map(decode);
  got.forEach((g, i) => expect(Object.is(g, want[i]) || g === want[i], `${msg} [${i}]: ${g} vs ${want[i]}`).toBe(true));
}

/** Host-side take_along_axis (values of `x` at the positions given by `idx` along `axis`). */
function takeAlong(x: JaxArray, idx: JaxArray, axis: number): Float64Array {
  const xs = x.dataSync();
  const is = idx.dataSync();
  const n = x.shape[axis]!;
  const inner = x.shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float64Array(xs.length);
  for (let p = 0; p < xs.length; p++) {
    const i = Math.floor(p / inner) % n;
    out[p] = Number(xs[p + (Number(is[p]) - i) * inner]);
  }
  return out;
}

describe("values against NumPy", () => {
  let saved: boolean;
  beforeAll(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));

  it("jnp.sort, jnp.argsort (stable) and lax.sort along every axis, with NaN, ±0, ±inf and ties", () => {
    for (const c of FIX.sort) {
      const x = fromFixture(c.input);
      const msg = `${c.input.dtype}${JSON.stringify(c.input.shape)} axis=${c.axis}`;
      expectIdentical(jnp.sort(x, c.axis), c.sorted, `sort ${msg}`);
      expectIdentical(lax.sort(x, { dimension: c.axis }), c.sorted, `lax.sort ${msg}`);
      // argsort returns the default integer: int64 under x64, as in JAX.
      expectIdentical(jnp.argsort(x, c.axis), { ...c.argsort, dtype: "int64" }, `argsort ${msg}`);
      expectIdentical(jnp.argsort(x, { axis: c.axis, descending: true }), { ...c.argsortDesc, dtype: "int64" }, `argsort desc ${msg}`);
      // Descending values are the input at NumPy's stable descending order.
      const desc = jnp.sort(x, { axis: c.axis, descending: true });
      const want = takeAlong(x, fromFixture(c.argsortDesc), c.axis);
      expectIdentical(desc, { ...c.sorted, data: Array.from(want) }, `sort desc ${msg}`);
    }
  });

  it("jnp.sort(axis=null) sorts the flattened array", () => {
    const c = FIX.sort.find((k) => k.input.shape.length === 1)!;
    const x = lax.reshape(fromFixture(c.input), [3, 4]);
    expectIdentical(jnp.sort(x, null), c.sorted, "sort axis=null");
  });

  it("multi-operand lax.sort with two keys ≡ np.lexsort", () => {
    for (const c of FIX.lexsort) {
      const outs = lax.sort([...c.keys.map(fromFixture), fromFixture(c.values)], { dimension: c.axis, numKeys: 2 });
      outs.forEach((o, i) => expectIdentical(o, c.expected[i]!, `lexsort operand ${i}`));
    }
  });

  it("lax.sortKeyVal permutes values like the keys", () => {
    const c = FIX.sort.find((k) => k.input.dtype === "float64" && k.input.shape.length === 2 && k.axis === 1)!;
    const x = fromFixture(c.input);
    const [k, v] = lax.sortKeyVal(x, lax.broadcastedIota("int32", x.shape, 1), 1);
    expectIdentical(k, c.sorted, "keys");
    expectIdentical(v, c.argsort, "values");
  });

  it("lax.topK: descending, ties in index order, NaN largest", () => {
    for (const c of FIX.topk) {
      const [vals, idx] = lax.topK(fromFixture(c.input), c.k);
      expectIdentical(vals, c.values, `topK values k=${c.k}`);
      expectIdentical(idx, c.indices, `topK indices k=${c.k}`);
    }
  });

  it("jnp.searchsorted: sides, sorter, NaN and integer inputs", () => {
    for (const c of FIX.searchsorted) {
      const out = jnp.searchsorted(fromFixture(c.a), fromFixture(c.v), {
        side: c.side,
        sorter: c.sorter === null ? null : fromFixture(c.sorter),
      });
      expectIdentical(out, c.expected, `searchsorted ${c.side} sorter=${c.sorter !== null} ${c.a.dtype}`);
    }
  });

  it("jit(f) ≡ f and the jaxpr shows JAX's sort primitive", () => {
    for (const c of FIX.sort) {
      const x = fromFixture(c.input);
      const f = (a: JaxArray) => [jnp.sort(a, c.axis), jnp.argsort(a, { axis: c.axis, descending: true })];
      const [s, i] = jit(f)(x) as JaxArray[];
      expectIdentical(s!, c.sorted, "jit sort");
      expectIdentical(i!, { ...c.argsortDesc, dtype: "int64" }, "jit argsort");
    }
    const text = makeJaxpr((a: JaxArray) => lax.sort(a, { dimension: 0 }))(jnp.array([2, 1])).toString();
    expect(text).toMatch(/= sort\[dimension=0 isStable=True numKeys=1\] a/);
  });
});

// ---- derivatives (float64) ----

function randArray(shape: number[], seed: number, dtype: DType = "float64"): JaxArray {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float64Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 4 - 2;
  });
  return lax.reshape(jnp.array(v, { dtype }), shape);
}

describe("derivatives", () => {
  let saved: boolean;
  beforeAll(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));

  it("sort: check_grads orders 1 and 2, fwd and rev, along each axis", () => {
    const x = randArray([3, 4], 1);
    for (const axis of [0, 1]) checkGrads((a: JaxArray) => jnp.sort(a, axis), [x], 2);
    checkGrads((a: JaxArray) => jnp.sort(a, { axis: 0, descending: true }), [x], 2);
  });

  it("multi-operand sort: the carried operand's gradient follows the permutation", () => {
    const k = randArray([2, 5], 2);
    const v = randArray([2, 5], 3);
    checkGrads((a: JaxArray, b: JaxArray) => lax.sort([a, b], { dimension: 1 }), [k, v], 2);
    // grad of sum(w * sorted values) wrt the values is w scattered back through the permutation.
    const w = randArray([2, 5], 4);
    const g = grad((b: JaxArray) => jnp.sum(jnp.multiply(w, lax.sortKeyVal(k, b, 1)[1])))(v);
    const perm = jnp.argsort(k, 1);
    const back = jnp.argsort(perm, 1);
    expectAllClose(g, takeAlong(w, back, 1));
  });

  it("topK: check_grads orders 1 and 2", () => {
    checkGrads((a: JaxArray) => lax.topK(a, 3)[0], [randArray([2, 6], 5)], 2);
  });

  it("float32 gradients pass JAX's float32 tolerances", () => {
    checkGrads((a: JaxArray) => jnp.sort(a, 1), [randArray([3, 5], 6, "float32")], 2);
  });

  it("argsort and searchsorted have zero derivatives", () => {
    const g = grad((a: JaxArray) => jnp.sum(jnp.multiply(a, jnp.argsort(a).astype("float64"))))(randArray([5], 7));
    expectAllClose(g, jnp.argsort(randArray([5], 7)).astype("float64"));
  });
});

describe("vmap ≡ loop", () => {
  const x = randArray([3, 4, 5], 8, "float32");
  const y = randArray([3, 4, 5], 9, "float32");

  /** Host-side slice i along `axis`. */
  function take(a: JaxArray, axis: number, i: number): JaxArray {
    const idx = Array.from({ length: a.ndim }, (_, d) => (d === axis ? i : jnp.s(null)));
    return jnp.index(a, ...idx);
  }

  it("sort, argsort, topK and searchsorted over every in-axis", () => {
    const fns: [string, (a: JaxArray) => JaxArray][] = [
      ["sort 0", (a) => jnp.sort(a, 0)],
      ["sort -1", (a) => jnp.sort(a, -1)],
      ["argsort desc", (a) => jnp.argsort(a, { axis: 0, descending: true })],
      ["topK", (a) => lax.topK(a, 2)[1]],
      ["searchsorted", (a) => jnp.searchsorted(jnp.sort(jnp.ravel(a)), jnp.array([0, -0.5, 1]))],
    ];
    for (const [name, f] of fns) {
      for (let inAxis = 0; inAxis < 3; inAxis++) {
        const out = vmap(f, { inAxes: inAxis })(x) as JaxArray;
        for (let i = 0; i < x.shape[inAxis]!; i++) {
          expectAllClose(take(out, 0, i), f(take(x, inAxis, i)), { atol: 0, rtol: 0, msg: `${name} inAxis=${inAxis}` });
        }
      }
    }
  });

  it("multi-operand sort with one operand unbatched", () => {
    const f = (a: JaxArray, b: JaxArray) => lax.sort([a, b], { dimension: 0, numKeys: 1 })[1]!;
    const out = vmap(f, { inAxes: [2, null] })(x, take(y, 2, 0)) as JaxArray;
    for (let i = 0; i < 5; i++) expectAllClose(take(out, 0, i), f(take(x, 2, i), take(y, 2, 0)), { atol: 0, rtol: 0 });
    const out2 = vmap(f, { inAxes: [null, 1] })(take(x, 1, 0), y) as JaxArray;
    for (let i = 0; i < 4; i++) expectAllClose(take(out2, 0, i), f(take(x, 1, 0), take(y, 1, i)), { atol: 0, rtol: 0 });
  });

  it("vmap(grad(f)) ≡ a loop of grad(f)", () => {
    const f = (a: JaxArray) => jnp.sum(jnp.multiply(jnp.sort(a), jnp.arange(5)));
    const out = vmap(grad(f))(take(x, 0, 0)) as JaxArray;
    for (let i = 0; i < 4; i++) expectAllClose(take(out, 0, i), grad(f)(take(take(x, 0, 0), 0, i)));
  });
});

describe("errors", () => {
  it("bad shapes, dimensions, key counts and k", () => {
    expect(() => lax.sort([jnp.zeros([3]), jnp.zeros([4])])).toThrow("sort arrays must have equal shapes, got (3,), (4,)");
    expect(() => lax.sort(jnp.zeros([3]), { dimension: 1 })).toThrow("sort dimension 1 is out of bounds for operand of shape (3,)");
    expect(() => lax.sort(jnp.array(1))).toThrow("rank at least 1");
    expect(() => lax.sort([jnp.zeros([3])], { numKeys: 2 })).toThrow("num_keys=2 must be between 1 and the number of operands (1)");
    expect(() => lax.topK(jnp.zeros([3]), 4)).toThrow("k argument to top_k must be no larger than minor dimension");
    expect(() => lax.topK(jnp.zeros([3]), -1)).toThrow("k argument to top_k must be nonnegative, got -1");
    expect(() => jnp.sort(jnp.zeros([2, 3]), 2)).toThrow("axis 2 is out of bounds for array of dimension 2");
    expect(() => jnp.searchsorted(jnp.zeros([2, 2]), 1)).toThrow("a should be 1-dimensional");
  });
});
