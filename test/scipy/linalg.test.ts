// jax.scipy.linalg against SciPy fixtures (scripts/gen_scipy_fixtures.py) on random
// well-conditioned matrices: cholesky (upper and lower), choFactor/choSolve, solveTriangular
// (trans, lower, unit diagonal, vector b), luFactor/luSolve (trans, vector b, batched), solve
// with assume_a, det, inv, qr, eigh; derivatives against central differences; jit ≡ eager;
// JAX's errors.
import { describe, expect, it } from "vitest";
import { jit, numpy as jnp, scipy, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { fixture, toArray, values } from "./fixture.js";

const la = scipy.linalg;
const fx = fixture.linalg;
const [A, S, b, bv, T] = [toArray(fx.A), toArray(fx.S), toArray(fx.b), toArray(fx.bv), toArray(fx.T)];
const tol = { atol: 2e-5, rtol: 2e-5 };
const close = (x: JaxArray, key: string) => {
  expect(x.shape).toEqual(fx[key].shape);
  expectAllClose(jnp.ravel(x), values(fx[key]), { ...tol, msg: key });
};

describe("scipy.linalg against SciPy", () => {
  it("cholesky: upper by default, lower on request", () => {
    close(la.cholesky(S), "chol_upper");
    close(la.cholesky(S, { lower: true }), "chol_lower");
  });
  it("choFactor / choSolve, both triangles", () => {
    close(la.choSolve(la.choFactor(S), b), "cho_solve");
    close(la.choSolve(la.choFactor(S, { lower: true }), b), "cho_solve");
    close(jit((s: JaxArray, r: JaxArray) => la.choSolve(la.choFactor(s), r))(S, b), "cho_solve");
  });
  it("solveTriangular: lower, transposed, upper with unit diagonal and a vector b", () => {
    close(la.solveTriangular(T, b, { lower: true }), "solve_tri_lower");
    close(la.solveTriangular(T, b, { lower: true, trans: "T" }), "solve_tri_lower_T");
    close(la.solveTriangular(T, b, { lower: true, trans: 1 }), "solve_tri_lower_T");
    close(la.solveTriangular(jnp.swapaxes(T, 0, 1), bv, { unitDiagonal: true }), "solve_tri_upper_unit_vec");
  });
  it("luFactor matches LAPACK's packed factors and pivots; luSolve with trans and vectors", () => {
    const [lu, piv] = la.luFactor(A);
    close(lu, "lu");
    expect(Array.from(piv.dataSync(), Number)).toEqual(values(fx.piv));
    close(la.luSolve([lu, piv], b), "lu_solve");
    close(la.luSolve([lu, piv], b, 1), "lu_solve_T");
    close(la.luSolve([lu, piv], bv), "lu_solve_vec");
    close(jit((l: JaxArray, p: JaxArray, r: JaxArray) => la.luSolve([l, p], r))(lu, piv, b), "lu_solve");
  });
  it("luSolve under vmap equals the per-matrix solves", () => {
    const As = jnp.stack([A, jnp.add(A, jnp.eye(4))]);
    const solveOne = (a: JaxArray, r: JaxArray) => la.luSolve(la.luFactor(a), r);
    const bs = jnp.stack([b, jnp.negative(b)]);
    expectAllClose(vmap(solveOne)(As, bs), jnp.stack([solveOne(As.get(0), bs.get(0)), solveOne(As.get(1), bs.get(1))]), tol);
    expectAllClose(solveOne(As, bs), vmap(solveOne)(As, bs), tol);
  });
  it("solve (gen and pos), det, inv", () => {
    close(la.solve(A, b), "solve_gen");
    close(la.solve(S, b, { assumeA: "pos" }), "solve_pos");
    close(la.solve(S, b, { assumeA: "sym" }), "solve_pos");
    expectAllClose(la.det(A), values(fx.det)[0]!, { rtol: 1e-5 });
    close(la.inv(A), "inv");
  });
  it("qr: q r = a with |r| as SciPy's; economic and r modes", () => {
    const [q, r] = la.qr(A);
    expectAllClose(jnp.matmul(q, r), A, tol);
    close(jnp.abs(r), "qr_r_abs");
    const [r2] = la.qr(A, "r");
    close(jnp.abs(r2), "qr_r_abs");
    expect(la.qr(jnp.ones([5, 3]), "economic")[0].shape).toEqual([5, 3]);
    expect(la.qr(jnp.ones([5, 3]))[0].shape).toEqual([5, 5]);
  });
  it("eigh returns [w, v] with A v = v diag(w)", () => {
    const [w, v] = la.eigh(S);
    close(w, "eigh_w");
    expectAllClose(jnp.matmul(S, v), jnp.multiply(v, w), { atol: 1e-4, rtol: 1e-5 });
    close(la.eigh(S, { eigvalsOnly: true }), "eigh_w");
  });
  it("expm: small norm (Padé without squaring) and large norm (scaled and squared), batched", () => {
    const [E, Eb] = [toArray(fx.E), toArray(fx.E_big)];
    expectAllClose(jnp.ravel(la.expm(E)), values(fx.expm), { atol: 2e-5, rtol: 2e-5 });
    expectAllClose(jnp.ravel(la.expm(Eb)), values(fx.expm_big), { atol: 1e-4, rtol: 1e-4 });
    expectAllClose(jnp.ravel(jit((m: JaxArray) => la.expm(m))(Eb)), values(fx.expm_big), { atol: 1e-4, rtol: 1e-4 });
    const both = la.expm(jnp.stack([E, Eb]));
    expectAllClose(both.get(0), la.expm(E), tol);
    expectAllClose(both.get(1), la.expm(Eb), { atol: 1e-4, rtol: 1e-5 });
    expect(Number.isNaN(la.expm(jnp.multiply(jnp.eye(2), 1e9), { maxSquarings: 4 }).get(0, 0).item() as number)).toBe(true);
  });
});

describe("scipy.linalg derivatives and errors", () => {
  const gtol = { atol: 5e-3, rtol: 5e-3 };
  it("solves and factorizations, orders 1 and 2", () => {
    const spd = (m: JaxArray) => jnp.add(jnp.matmul(m, jnp.swapaxes(m, 0, 1)), jnp.multiply(jnp.eye(4), 4));
    const m0 = jnp.multiply(A, 0.3);
    checkGrads((m: JaxArray, r: JaxArray) => la.choSolve(la.choFactor(spd(m)), r), [m0, b], 2, gtol);
    checkGrads((m: JaxArray) => la.cholesky(spd(m)), [m0], 1, gtol);
    checkGrads((a: JaxArray, r: JaxArray) => la.solveTriangular(a, r, { lower: true, trans: 1 }), [T, b], 2, gtol);
    checkGrads((a: JaxArray, r: JaxArray) => la.luSolve(la.luFactor(a), r), [A, b], 2, gtol);
    checkGrads((m: JaxArray) => la.expm(m), [toArray(fx.E_big)], 1, gtol);
  });
  it("JAX's argument errors", () => {
    expect(() => la.solveTriangular(T, b, { trans: 3 as 0 })).toThrow("Invalid 'trans' value 3");
    expect(() => la.solve(A, b, { assumeA: "tri" as "gen" })).toThrow(
      "Expected assume_a to be one of {'gen', 'sym', 'her', 'pos'}; got 'tri'",
    );
    expect(() => la.expm(jnp.ones([2, 3]))).toThrow("Expected A to be a (batched) square matrix, got A.shape=(2, 3).");
  });
});
