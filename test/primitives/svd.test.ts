// Tests for the svd primitive and what is built on it (lax.linalg.svd, jnp.linalg.svd,
// svdvals, pinv, lstsq, matrixRank, cond, norm's 2/−2/"nuc" orders and
// random.multivariateNormal's method "svd"): values against NumPy fixtures
// (scripts/gen_svd_fixtures.py) through the invariants that pin down the non-unique factors
// (U diag(s) Vh = A, orthonormal U and V, s descending and equal to NumPy's, |U|, |Vh| equal to
// NumPy's for distinct singular values), numerical gradient checks of orders 1–2, vmap ≡ loop,
// jit ≡ eager, shape errors, and the sampler's covariance and exact reproduction.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, jit, makeJaxpr, random, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { randArray } from "../util/arrays.js";

interface FixArr {
  dtype: string;
  shape: number[];
  data: number[];
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/svd.json", import.meta.url), "utf8")) as {
  svd: { a: FixArr; u: FixArr; s: FixArr; vh: FixArr }[];
  pinv: { a: FixArr; rtol: number | null; x: FixArr }[];
  lstsq: { a: FixArr; b: FixArr; rcond: number | null; x: FixArr; residuals: FixArr; rank: number; s: FixArr }[];
  matrixRank: { a: FixArr; rtol: number | null; tol: number | null; rank: FixArr }[];
  cond: { a: FixArr; p: number | string | null; c: FixArr }[];
  mvn: { cov: FixArr; factor: FixArr }[];
};

const fromFixture = (a: FixArr, dtype?: DType): JaxArray =>
  lax.reshape(jnp.array(Float64Array.from(a.data), { dtype: dtype ?? (a.dtype as DType) }), a.shape);
const tol = (d: string) => (d === "float32" ? { atol: 3e-5, rtol: 3e-5 } : { atol: 1e-11, rtol: 1e-11 });
const mm = (a: JaxArray, b: JaxArray) => jnp.matmul(a, b);
const mT = (a: JaxArray) => jnp.matrixTranspose(a);
const eyeLike = (n: number, batch: number[], dtype: DType) => jnp.broadcastTo(jnp.eye(n, { dtype }), [...batch, n, n]);

/** Checks A = U diag(s) Vh, orthonormal U, V (columns, rows of Vh) and s descending. */
function checkFactors(a: JaxArray, u: JaxArray, s: JaxArray, vh: JaxArray, full: boolean, msg: string): void {
  const [m, n] = a.shape.slice(-2) as [number, number];
  const k = Math.min(m, n);
  const batch = a.shape.slice(0, -2);
  expect(u.shape, msg).toEqual([...batch, m, full ? m : k]);
  expect(vh.shape, msg).toEqual([...batch, full ? n : k, n]);
  expect(s.shape, msg).toEqual([...batch, k]);
  const t = { ...tol(a.dtype), atol: a.dtype === "float32" ? 1e-5 : 1e-12, msg };
  const uk = lax.sliceInDim(u, 0, k, 1, u.ndim - 1);
  const vk = lax.sliceInDim(vh, 0, k, 1, vh.ndim - 2);
  expectAllClose(mm(jnp.multiply(uk, jnp.expandDims(s, -2)), vk), a, t);
  expectAllClose(mm(mT(u), u), eyeLike(u.shape[u.ndim - 1]!, batch, a.dtype as DType), t);
  expectAllClose(mm(vh, mT(vh)), eyeLike(vh.shape[vh.ndim - 2]!, batch, a.dtype as DType), t);
  const sv = s.tolist() as unknown;
  const rows = (batch.length ? (sv as number[][]).flat(batch.length - 1) : [sv]) as number[][];
  for (const r of rows) for (let i = 1; i < r.length; i++) expect(r[i - 1]!, msg).toBeGreaterThanOrEqual(r[i]!);
}

let saved: boolean;
beforeAll(() => {
  saved = config.read("jax_enable_x64");
  config.update("jax_enable_x64", true);
});
afterAll(() => config.update("jax_enable_x64", saved));

describe("svd against NumPy", () => {
  it("factors satisfy the invariants, s ≡ NumPy's, |u|, |vh| ≡ NumPy's where s is distinct (full and thin)", () => {
    for (const c of FIX.svd) {
      const a = fromFixture(c.a);
      const msg = `${c.a.dtype} ${JSON.stringify(c.a.shape)}`;
      for (const full of [true, false]) {
        const [u, s, vh] = jnp.linalg.svd(a, { fullMatrices: full });
        expect(u.dtype).toBe(c.a.dtype);
        checkFactors(a, u, s, vh, full, `${msg} full=${full}`);
        expectAllClose(s, fromFixture(c.s), { ...tol(c.a.dtype), atol: c.a.dtype === "float32" ? 1e-5 : 1e-12, msg });
      }
      expectAllClose(jnp.linalg.svdvals(a), fromFixture(c.s), { ...tol(c.a.dtype), atol: c.a.dtype === "float32" ? 1e-5 : 1e-12, msg });
      // Singular vectors are determined up to sign when the singular values are distinct and nonzero.
      const sv = c.s.data;
      const distinct = sv.every((x, i) => x > 1e-6 && (i === 0 || sv[i - 1]! - x > 1e-6));
      if (distinct && c.a.shape.length === 2) {
        const [u, , vh] = jnp.linalg.svd(a, { fullMatrices: false });
        const [m, n] = c.a.shape as [number, number];
        const k = Math.min(m, n);
        const nu = lax.sliceInDim(fromFixture(c.u), 0, k, 1, 1);
        const nv = lax.sliceInDim(fromFixture(c.vh), 0, k, 1, 0);
        expectAllClose(jnp.abs(u), jnp.abs(nu), { ...tol(c.a.dtype), atol: c.a.dtype === "float32" ? 1e-4 : 1e-10, msg });
        expectAllClose(jnp.abs(vh), jnp.abs(nv), { ...tol(c.a.dtype), atol: c.a.dtype === "float32" ? 1e-4 : 1e-10, msg });
      }
    }
  });

  it("signs each column of u by its largest-magnitude entry (rows of vh for wide matrices)", () => {
    for (const c of FIX.svd.filter((c) => c.a.dtype === "float64" && c.a.shape.length === 2)) {
      const [m, n] = c.a.shape as [number, number];
      const [u, s, vh] = lax.linalg.svd(fromFixture(c.a), { fullMatrices: false });
      const vecs = (m >= n ? mT(u) : vh).tolist() as number[][];
      const sv = s.tolist() as number[];
      vecs.forEach((v, j) => {
        if (sv[j]! === 0) return;
        const big = v.reduce((b, x, i) => (Math.abs(x) > Math.abs(v[b]!) ? i : b), 0);
        expect(v[big]!).toBeGreaterThan(0);
      });
    }
  });

  it("computeUv: false gives s alone; the primitive's outputs are [s, u, vh]", () => {
    const a = fromFixture(FIX.svd[0]!.a);
    const s = lax.linalg.svd(a, { computeUv: false });
    expectAllClose(s, jnp.linalg.svd(a)[1]);
    const jaxpr = makeJaxpr((x: JaxArray) => lax.linalg.svd(x, { fullMatrices: false }))(a).toString();
    expect(jaxpr).toMatch(/svd\[/);
  });

  it("pinv ≡ np.linalg.pinv", () => {
    for (const c of FIX.pinv) {
      const x = jnp.linalg.pinv(fromFixture(c.a), { rtol: c.rtol });
      expectAllClose(x, fromFixture(c.x), { atol: 1e-9, rtol: 1e-9, msg: JSON.stringify(c.a.shape) });
    }
  });

  it("lstsq ≡ np.linalg.lstsq (x, residuals, rank, s)", () => {
    for (const c of FIX.lstsq) {
      const [x, res, rank, s] = jnp.linalg.lstsq(fromFixture(c.a), fromFixture(c.b), { rcond: c.rcond });
      const msg = `${JSON.stringify(c.a.shape)} ${JSON.stringify(c.b.shape)}`;
      expectAllClose(x, fromFixture(c.x), { atol: 1e-9, rtol: 1e-9, msg });
      expectAllClose(res, fromFixture(c.residuals), { atol: 1e-9, rtol: 1e-9, msg });
      expect(rank.dtype).toBe("int32");
      expect(rank.item(), msg).toBe(c.rank);
      expectAllClose(s, fromFixture(c.s), { atol: 1e-12, rtol: 1e-12, msg });
    }
    const [, empty] = jnp.linalg.lstsq(fromFixture(FIX.lstsq[2]!.a), fromFixture(FIX.lstsq[2]!.b), { numpyResid: true });
    expect(empty.shape).toEqual([0]);
  });

  it("matrixRank ≡ np.linalg.matrix_rank", () => {
    for (const c of FIX.matrixRank) {
      const r = jnp.linalg.matrixRank(fromFixture(c.a), { rtol: c.rtol, tol: c.tol });
      expect(r.dtype).toBe("int32");
      expect(r.tolist()).toEqual(fromFixture(c.rank).tolist());
    }
    expect(jnp.linalg.matrixRank(jnp.array([0, 2])).item()).toBe(1);
    expect(jnp.linalg.matrixRank(jnp.array([0, 0])).item()).toBe(0);
  });

  it("cond ≡ np.linalg.cond for every p; a singular matrix gives Infinity", () => {
    for (const c of FIX.cond) {
      const p = c.p === "Infinity" ? Infinity : c.p === "-Infinity" ? -Infinity : c.p;
      const got = jnp.linalg.cond(fromFixture(c.a), p as number | "fro" | "nuc" | null);
      expectAllClose(got, fromFixture(c.c), { atol: 1e-9, rtol: 1e-9, msg: String(c.p) });
    }
    expect(jnp.linalg.cond(jnp.array([[1, 1], [1, 1]], { dtype: "float64" }), 1).item()).toBe(Infinity);
  });

  it("norm's 2, −2 and 'nuc' orders are the largest, smallest and summed singular values", () => {
    const a = fromFixture(FIX.svd[2]!.a);
    const s = fromFixture(FIX.svd[2]!.s);
    expectAllClose(jnp.linalg.norm(a, 2), jnp.max(s), { atol: 1e-12 });
    expectAllClose(jnp.linalg.norm(a, -2), jnp.min(s), { atol: 1e-12 });
    expectAllClose(jnp.linalg.norm(a, "nuc"), jnp.sum(s), { atol: 1e-12 });
  });
});

describe("derivatives", () => {
  // Built lazily: x64 is switched on in beforeAll, after the describe blocks are collected.
  let square: JaxArray, tall: JaxArray, wide: JaxArray;
  beforeAll(() => {
    square = randArray([3, 3], 11);
    tall = randArray([4, 2], 12);
    wide = randArray([2, 4], 13);
  });

  it("of s: orders 1–2, both modes, square, tall and wide", () => {
    for (const a of [square, tall, wide]) checkGrads((x: JaxArray) => jnp.linalg.svdvals(x), [a], 2);
  });

  it("of u, s, vh through sign-invariant functions: orders 1–2", () => {
    const f = (x: JaxArray) => {
      const [u, s, vh] = jnp.linalg.svd(x, { fullMatrices: false });
      // u·vh (the polar factor), u ⊙ u and vh ⊙ vh do not depend on the vectors' signs.
      return jnp.add(jnp.sum(jnp.multiply(mm(u, vh), jnp.sin(x))), jnp.add(jnp.sum(jnp.multiply(jnp.multiply(u, u), jnp.arange(u.shape[1]!, { dtype: "float64" }))), jnp.sum(jnp.multiply(jnp.multiply(vh, vh), jnp.expandDims(s, -1)))));
    };
    for (const a of [square, tall, wide]) checkGrads(f, [a], 2, { atol: 1e-5, rtol: 1e-5 });
    checkGrads((x: JaxArray) => jnp.abs(jnp.linalg.svd(x)[0]), [square], 1);
  });

  it("full matrices of a non-square input have no jvp (JAX's NotImplementedError)", () => {
    expect(() => checkGrads((x: JaxArray) => jnp.linalg.svd(x)[0], [tall], 1)).toThrow(/not implemented for full matrices/);
  });

  it("of pinv (JAX's rule), lstsq, cond and the nuclear norm", () => {
    for (const a of [square, tall, wide]) checkGrads((x: JaxArray) => jnp.linalg.pinv(x), [a], 2);
    const b = randArray([4], 14);
    checkGrads((x: JaxArray, y: JaxArray) => jnp.linalg.lstsq(x, y)[0], [tall, b], 1);
    checkGrads((x: JaxArray) => jnp.linalg.cond(x), [square], 1);
    checkGrads((x: JaxArray) => jnp.linalg.norm(x, "nuc"), [wide], 2);
  });
});

describe("transformations and errors", () => {
  let batch: JaxArray;
  beforeAll(() => {
    batch = randArray([3, 4, 3], 21);
  });

  it("vmap ≡ loop (batch dim 0 and 1), jit ≡ eager", () => {
    const f = (x: JaxArray) => lax.linalg.svd(x, { fullMatrices: true });
    for (const axis of [0, 1]) {
      const xs = jnp.moveaxis(batch, 0, axis);
      const outs = vmap(f, { inAxes: axis })(xs) as JaxArray[];
      for (let i = 0; i < 3; i++) {
        const one = f(jnp.index(batch, i));
        one.forEach((o, j) => expectAllClose(jnp.index(outs[j]!, i), o, { atol: 0, rtol: 0 }));
      }
    }
    const eager = f(batch);
    (jit(f)(batch) as JaxArray[]).forEach((o, j) => expectAllClose(o, eager[j]!, { atol: 0, rtol: 0 }));
    const g = (x: JaxArray) => jnp.linalg.pinv(x);
    expectAllClose(jit(g)(batch) as JaxArray, g(batch), { atol: 1e-12 });
  });

  it("rejects bad shapes and dtypes", () => {
    expect(() => lax.linalg.svd(jnp.array([1, 2]))).toThrow(/at least 2 dimensions/);
    expect(() => jnp.linalg.svd(jnp.array([1, 2]))).toThrow(/must have shape \[\.\.\., m, n\]/);
    expect(() => lax.linalg.svd(jnp.array([[1, 2]], { dtype: "int32" }))).toThrow(/svd/);
    expect(() => jnp.linalg.lstsq(jnp.ones([3, 2]), jnp.ones([4]))).toThrow("Leading dimensions of input arrays must match");
    expect(() => jnp.linalg.lstsq(jnp.ones([2, 3, 2]), jnp.ones([2]))).toThrow(/Array must be two-dimensional/);
    expect(() => jnp.linalg.cond(jnp.ones([3]))).toThrow(/at least 2D/);
    expect(() => jnp.linalg.cond(jnp.ones([2, 3]), 1)).toThrow(/must be square/);
  });
});

describe("random.multivariateNormal with method 'svd'", () => {
  it("is mean + F z with F = U·sqrt(s) as in a NumPy reimplementation", () => {
    const key = random.key(7);
    for (const c of FIX.mvn) {
      const cov = fromFixture(c.cov, "float32");
      const n = c.cov.shape[0]!;
      const mean = jnp.arange(n);
      const z = random.normal(key, [5, n]);
      const x = random.multivariateNormal(key, mean, cov, [5], { method: "svd" });
      expectAllClose(x, jnp.add(mean, mm(z, mT(fromFixture(c.factor, "float32")))), { atol: 2e-5, rtol: 2e-5 });
    }
  });

  it("has the requested covariance (within 5 standard errors of the sample covariance)", () => {
    const c = FIX.mvn[0]!;
    const cov = fromFixture(c.cov, "float32");
    const x = random.multivariateNormal(random.key(3), jnp.zeros([3]), cov, [20000], { method: "svd", dtype: "float64" });
    const emp = jnp.divide(mm(mT(x), x), 20000);
    // The sample second moment of N draws has standard error √((Σ_ii Σ_jj + Σ_ij²)/N) ≤ 0.02 here.
    expectAllClose(emp, cov, { atol: 0.1, rtol: 0 });
  });
});
