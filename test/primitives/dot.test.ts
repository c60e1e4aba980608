// Tests for dot_general (and lax.dot / batchMatmul): values against np.einsum fixtures
// (scripts/gen_dot_fixtures.py), numerical gradient checks for many dimension numbers,
// ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ per operand, vmap ≡ loop for every batching case, jit ≡ eager, and
// JAX's error messages.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, jit, jvp, makeJaxpr, vjp, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import type { DotDimensionNumbers } from "../../src/lax/reductions.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { fromFixture, randArray, take } from "../util/arrays.js";

interface FixArr {
  dtype: string;
  shape: number[];
  data: number[];
}
interface FixCase {
  name: string;
  einsum: string;
  dimensionNumbers: DotDimensionNumbers;
  lhs: FixArr;
  rhs: FixArr;
  expected: FixArr;
}
const CASES = (
  JSON.parse(readFileSync(new URL("../fixtures/dot.json", import.meta.url), "utf8")) as { cases: FixCase[] }
).cases;
const FLOAT_CASES = CASES.filter((c) => c.expected.dtype === "float32");

/** Host-side inner product of two same-shaped arrays. */
function inner(a: JaxArray, b: JaxArray): number {
  const x = a.dataSync();
  const y = b.dataSync();
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

describe("values against np.einsum", () => {
  for (const c of CASES) {
    it(`${c.name} (${c.einsum})`, () => {
      const lhs = fromFixture(c.lhs);
      const rhs = fromFixture(c.rhs);
      const out = lax.dotGeneral(lhs, rhs, c.dimensionNumbers);
      expect(out.shape).toEqual(c.expected.shape);
      expect(out.dtype).toBe(c.expected.dtype);
      const tol = c.expected.dtype === "float32" ? { atol: 1e-5, rtol: 1e-5 } : {};
      expectAllClose(out, Float64Array.from(c.expected.data), tol);
      const jitted = jit((a: JaxArray, b: JaxArray) => lax.dotGeneral(a, b, c.dimensionNumbers))(lhs, rhs) as JaxArray;
      expectAllClose(jitted, out, { atol: 0, rtol: 0 });
    });
  }

  it("lax.dot and batchMatmul agree with the fixtures", () => {
    for (const name of ["matmul", "matvec", "vecmat", "inner"]) {
      const c = CASES.find((k) => k.name === name)!;
      const out = lax.dot(fromFixture(c.lhs), fromFixture(c.rhs));
      expectAllClose(out, Float64Array.from(c.expected.data), { atol: 1e-5, rtol: 1e-5 });
    }
    const c = CASES.find((k) => k.name === "batch_leading")!;
    const out = lax.batchMatmul(fromFixture(c.lhs), fromFixture(c.rhs));
    expect(out.shape).toEqual(c.expected.shape);
    expectAllClose(out, Float64Array.from(c.expected.data), { atol: 1e-5, rtol: 1e-5 });
  });

  it("preferredElementType and mixed operand dtypes match converting first", () => {
    const li = lax.convertElementType(lax.mul(randArray([3, 4], 1, "float32"), 100), "int32");
    const ri = lax.convertElementType(lax.mul(randArray([4, 2], 2, "float32"), 100), "int32");
    const dn: DotDimensionNumbers = [[[1], [0]], [[], []]];
    const asF = (x: JaxArray) => lax.convertElementType(x, "float32");
    const pref = lax.dotGeneral(li, ri, dn, { preferredElementType: "float32" });
    expect(pref.dtype).toBe("float32");
    expectAllClose(pref, lax.dotGeneral(asF(li), asF(ri), dn), { atol: 0, rtol: 0 });
    const mixed = lax.dotGeneral(asF(li), ri, dn);
    expect(mixed.dtype).toBe("float32");
    expectAllClose(mixed, pref, { atol: 0, rtol: 0 });
  });

  it("prints dot_general with its dimension numbers", () => {
    const a = randArray([2, 3], 3, "float32");
    const b = randArray([3, 4], 4, "float32");
    const text = makeJaxpr((x: JaxArray, y: JaxArray) => lax.dot(x, y))(a, b).toString().replace(/\[\s+/g, "[").replace(/\s+/g, " ").replace(/ \]/g, "]");
    expect(text).toContain("c:f32[2,4] = dot_general[dimensionNumbers=(((1,), (0,)), ((), ()))");
  });
});

describe("derivatives (float64)", () => {
  let saved: boolean;
  beforeAll(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));

  for (const c of FLOAT_CASES) {
    it(`check_grads orders 1 and 2, fwd and rev: ${c.name}`, () => {
      const lhs = randArray(c.lhs.shape, 11);
      const rhs = randArray(c.rhs.shape, 12);
      const f = (a: JaxArray, b: JaxArray) => lax.dotGeneral(a, b, c.dimensionNumbers);
      checkGrads(f, [lhs, rhs], 2);
      // A nonlinear use so the second derivative is not trivially zero.
      checkGrads((a: JaxArray, b: JaxArray) => lax.tanh(f(lax.sin(a), b)), [lhs, rhs], 2);
    });
  }

  for (const c of FLOAT_CASES) {
    it(`⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ for each operand: ${c.name}`, () => {
      const lhs = randArray(c.lhs.shape, 21);
      const rhs = randArray(c.rhs.shape, 22);
      const outShape = c.expected.shape;
      const u = randArray(outShape, 23);
      for (const which of [0, 1] as const) {
        const v = randArray(which === 0 ? c.lhs.shape : c.rhs.shape, 24 + which);
        const f = (x: JaxArray) =>
          which === 0 ? lax.dotGeneral(x, rhs, c.dimensionNumbers) : lax.dotGeneral(lhs, x, c.dimensionNumbers);
        const primal = which === 0 ? lhs : rhs;
        const [, jv] = jvp(f, [primal], [v]) as [JaxArray, JaxArray];
        const [, pullback] = vjp(f, primal);
        const [jtu] = pullback(u) as JaxArray[];
        expect(jtu!.shape).toEqual(primal.shape);
        expectAllClose(inner(u, jv), inner(jtu!, v), { atol: 1e-12, rtol: 1e-12 });
      }
    });
  }

  it("float32 gradients pass JAX's float32 tolerances", () => {
    const a = randArray([3, 4], 31, "float32");
    const b = randArray([4, 5], 32, "float32");
    checkGrads((x: JaxArray, y: JaxArray) => lax.dot(x, y), [a, b], 1);
  });
});

describe("vmap ≡ loop", () => {
  // [lhs unbatched shape, rhs unbatched shape, dimension numbers]
  const SETUPS: [string, number[], number[], DotDimensionNumbers][] = [
    ["matmul", [3, 4], [4, 2], [[[1], [0]], [[], []]]],
    ["transposed", [4, 3], [2, 4], [[[0], [1]], [[], []]]],
    ["batched", [2, 3, 4], [4, 2, 5], [[[2], [0]], [[0], [1]]]],
    ["outer", [3], [2], [[[], []], [[], []]]],
  ];
  const B = 3;
  for (const [name, ls, rs, dn] of SETUPS) {
    it(name, () => {
      const f = (a: JaxArray, b: JaxArray) => lax.dotGeneral(a, b, dn);
      for (const [la, ra] of [
        [0, null],
        [ls.length, null],
        [1, null],
        [null, 0],
        [null, rs.length],
        [null, 1],
        [0, 0],
        [ls.length, 0],
        [1, rs.length],
      ] as [number | null, number | null][]) {
        const withAxis = (s: number[], ax: number | null) => (ax === null ? s : [...s.slice(0, ax), B, ...s.slice(ax)]);
        const lhs = randArray(withAxis(ls, la), 41, "float32");
        const rhs = randArray(withAxis(rs, ra), 42, "float32");
        for (const outAxes of [0, -1]) {
          const out = vmap(f, { inAxes: [la, ra], outAxes })(lhs, rhs) as JaxArray;
          const oa = outAxes < 0 ? out.ndim + outAxes : outAxes;
          for (let i = 0; i < B; i++) {
            const want = f(la === null ? lhs : take(lhs, la, i), ra === null ? rhs : take(rhs, ra, i));
            expectAllClose(take(out, oa, i), want, { atol: 1e-6, rtol: 1e-6, msg: `${name} inAxes=[${la}, ${ra}] i=${i}` });
          }
        }
      }
    });
  }

  it("per-example gradients of an MLP layer equal a loop", () => {
    const W = randArray([4, 3], 51, "float32");
    const xs = randArray([5, 4], 52, "float32");
    const loss = (w: JaxArray, x: JaxArray) => lax.reduceSum(lax.tanh(lax.dot(x, w)), [0]);
    const g = vmap((x: JaxArray) => vjp((w: JaxArray) => loss(w, x), W)[1](lax.full([], 1, "float32"))[0], {
      inAxes: 0,
    })(xs) as JaxArray;
    for (let i = 0; i < 5; i++) {
      const gi = vjp((w: JaxArray) => loss(w, take(xs, 0, i)), W)[1](lax.full([], 1, "float32"))[0] as JaxArray;
      expectAllClose(take(g, 0, i), gi, { atol: 1e-6, rtol: 1e-6 });
    }
  });
});

describe("errors with JAX's wording", () => {
  const a = lax.full([2, 3], 0, "float32");
  const b = lax.full([4, 5], 0, "float32");
  const dg = (x: JaxArray, y: JaxArray, dn: DotDimensionNumbers) => () => lax.dotGeneral(x, y, dn);
  it("shapes", () => {
    expect(dg(a, b, [[[1], [0]], [[], []]])).toThrow(
      "dot_general requires contracting dimensions to have the same shape, got (3,) and (4,).",
    );
    expect(dg(lax.full([2, 3, 4], 0, "float32"), lax.full([5, 4, 6], 0, "float32"), [[[2], [1]], [[0], [0]]])).toThrow(
      "dot_general requires lhs batch dimensions and rhs batch dimensions to have the same shape, got (2,) and (5,).",
    );
    expect(dg(a, b, [[[], []], [[0], []]])).toThrow(
      "dot_general requires equal numbers of lhs_batch and rhs_batch dimensions, got lhs_batch (0,) and rhs_batch ().",
    );
  });
  it("dimension numbers", () => {
    expect(dg(a, b, [[[2], [0]], [[], []]])).toThrow(
      "dot_general requires lhs dimension numbers to be nonnegative and less than the number of axes of the lhs value, " +
        "got lhs_batch of () and lhs_contracting of (2,) for lhs of rank 2",
    );
    expect(dg(a, b, [[[0], [-1]], [[], []]])).toThrow(
      "dot_general requires rhs dimension numbers to be nonnegative and less than the number of axes of the rhs value, " +
        "got rhs_batch of () and rhs_contracting of (-1,) for rhs of rank 2",
    );
    expect(dg(a, a, [[[], []], [[0, 0], [0, 1]]])).toThrow(
      "dot_general requires lhs batch dimensions to be distinct, got lhs_batch (0, 0).",
    );
    expect(dg(a, a, [[[0], [0]], [[0], [1]]])).toThrow(
      "dot_general requires lhs batch dimensions to be disjoint from contracting dimensions, got lhs_batch (0,) and lhs_contracting (0,).",
    );
  });
  it("lax.dot, batchMatmul and preferredElementType", () => {
    expect(() => lax.dot(lax.full([2, 3, 4], 0, "float32"), a)).toThrow(
      "jax.lax.dot: dimension_numbers must be specified when not performing simple un-batched matrix-matrix, " +
        "matrix-vector, or vector-vector products; got lhs_shape=(2, 3, 4) rhs_shape=(2, 3)",
    );
    expect(() => lax.batchMatmul(a, lax.full([3], 0, "float32"))).toThrow("Arguments to batch_matmul must be at least 2D, got 2, 1");
    const ints = lax.convertElementType(a, "int32");
    expect(() => lax.dotGeneral(ints, lax.transpose(ints, [1, 0]), [[[1], [0]], [[], []]], { preferredElementType: "int16" })).toThrow(
      "`preferred_element_type` must not be narrower than the original type, got preferred_element_type of int16 for result type of int32.",
    );
  });
});
