// Tests for the linear-algebra primitives (cholesky, triangular_solve, lu, qr, eigh) through
// lax.linalg: values against NumPy/SciPy fixtures (scripts/gen_linalg_fixtures.py) plus the
// invariants that pin down non-unique factors (Q orthogonal, R upper, QR = A, A v = λ v),
// numerical gradient checks of orders 1–2 in both modes, the transpose of triangular_solve,
// vmap ≡ loop, jit ≡ eager, printed jaxprs and shape errors.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, jit, linearize, makeJaxpr, vjp, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

type Num = number | string;
interface FixArr {
  dtype: string;
  shape: number[];
  data: Num[];
}
interface TriCase {
  a: FixArr;
  b: FixArr;
  leftSide: boolean;
  lower: boolean;
  transposeA: boolean;
  unitDiagonal: boolean;
  x: FixArr;
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/linalg.json", import.meta.url), "utf8")) as {
  cholesky: { a: FixArr; l: FixArr }[];
  triangular: TriCase[];
  lu: { a: FixArr; lu: FixArr; pivots: FixArr; permutation: FixArr }[];
  qr: { a: FixArr; fullMatrices: boolean; q: FixArr; r: FixArr }[];
  eigh: { a: FixArr; w: FixArr; v: FixArr }[];
};

const decode = (v: Num): number => (typeof v === "number" ? v : Number(v));
const fromFixture = (a: FixArr, dtype?: DType): JaxArray =>
  lax.reshape(jnp.array(Float64Array.from(a.data, decode), { dtype: dtype ?? (a.dtype as DType) }), a.shape);
const tol = (d: string) => (d === "float32" ? { atol: 2e-5, rtol: 2e-5 } : { atol: 1e-11, rtol: 1e-11 });
const mm = (a: JaxArray, b: JaxArray) => jnp.matmul(a, b);
const mT = (a: JaxArray) => jnp.matrixTranspose(a);
const triOpts = (c: TriCase) => ({ leftSide: c.leftSide, lower: c.lower, transposeA: c.transposeA, unitDiagonal: c.unitDiagonal });

/** Host-side matrix i of a batch [b, ...] (the loop side of vmap ≡ loop). */
const item = (x: JaxArray, i: number): JaxArray => jnp.index(x, i);

let saved: boolean;
beforeAll(() => {
  saved = config.read("jax_enable_x64");
  config.update("jax_enable_x64", true);
});
afterAll(() => config.update("jax_enable_x64", saved));

describe("values against NumPy / SciPy", () => {
  it("cholesky ≡ np.linalg.cholesky (float32, float64, batched, 1×1)", () => {
    for (const c of FIX.cholesky) {
      const l = lax.linalg.cholesky(fromFixture(c.a));
      expect(l.dtype).toBe(c.a.dtype);
      expectAllClose(l, fromFixture(c.l), { ...tol(c.a.dtype), msg: `cholesky ${JSON.stringify(c.a.shape)}` });
    }
  });

  it("cholesky of a matrix that is not positive definite is all NaN, as in JAX", () => {
    const l = lax.linalg.cholesky(jnp.array([[1, 2], [2, 1]], { dtype: "float64" }));
    expect((l.tolist() as number[][]).flat().every(Number.isNaN)).toBe(true);
  });

  it("triangular_solve ≡ np.linalg.solve on the triangle, for every side/lower/transpose/unit-diagonal", () => {
    for (const c of FIX.triangular) {
      const x = lax.linalg.triangularSolve(fromFixture(c.a), fromFixture(c.b), triOpts(c));
      expectAllClose(x, fromFixture(c.x), { atol: 1e-10, rtol: 1e-10, msg: JSON.stringify(triOpts(c)) });
    }
  });

  it("triangular_solve accepts a vector b (JAX's singleton case)", () => {
    const c = FIX.triangular.find((k) => k.leftSide && k.lower && !k.transposeA && !k.unitDiagonal)!;
    const a = item(fromFixture(c.a), 0);
    const b = jnp.index(fromFixture(c.b), 0, jnp.s(null), 1);
    const x = lax.linalg.triangularSolve(a, b, triOpts(c));
    expectAllClose(x, jnp.index(fromFixture(c.x), 0, jnp.s(null), 1), { atol: 1e-10, rtol: 1e-10 });
  });

  it("lu ≡ scipy.linalg.lu_factor (square, wide, tall, batched), pivots and permutation exact", () => {
    for (const c of FIX.lu) {
      const [f, piv, perm] = lax.linalg.lu(fromFixture(c.a));
      const msg = `lu ${c.a.dtype}${JSON.stringify(c.a.shape)}`;
      expectAllClose(f, fromFixture(c.lu), { ...tol(c.a.dtype), msg });
      expect(piv.dtype).toBe("int32");
      expect(piv.tolist(), msg).toEqual(fromFixture(c.pivots).tolist());
      expect(perm.tolist(), msg).toEqual(fromFixture(c.permutation).tolist());
    }
  });

  it("lu: A[permutation] = L U", () => {
    for (const c of FIX.lu.filter((k) => k.a.dtype === "float64")) {
      const a = fromFixture(c.a);
      const [f, , perm] = lax.linalg.lu(a);
      const [m, n] = a.shape.slice(-2) as [number, number];
      const k = Math.min(m, n);
      const l = jnp.add(jnp.tril(jnp.index(f, "...", jnp.s(null), jnp.s(0, k)), -1), jnp.eye(m, k));
      const u = jnp.triu(jnp.index(f, "...", jnp.s(0, k), jnp.s(null)));
      const rows = a.ndim === 2 ? jnp.index(a, perm) : jnp.stack([0, 1].map((i) => jnp.index(item(a, i), item(perm, i))));
      expectAllClose(mm(l, u), rows, { atol: 1e-12, rtol: 1e-12 });
    }
  });

  it("qr ≡ np.linalg.qr (reduced and complete; LAPACK's signs) and its invariants", () => {
    for (const c of FIX.qr) {
      const a = fromFixture(c.a);
      const [q, r] = lax.linalg.qr(a, { fullMatrices: c.fullMatrices });
      const msg = `qr ${c.a.dtype}${JSON.stringify(c.a.shape)} full=${c.fullMatrices}`;
      const t = tol(c.a.dtype);
      expectAllClose(q, fromFixture(c.q), { ...t, msg });
      expectAllClose(r, fromFixture(c.r), { ...t, msg });
      const k = q.shape[q.ndim - 1]!;
      expectAllClose(mm(mT(q), q), jnp.broadcastTo(jnp.eye(k, { dtype: q.dtype }), [...q.shape.slice(0, -2), k, k]), { ...t, msg: `${msg} QᵀQ = I` });
      expectAllClose(jnp.triu(r), r, { atol: 0, rtol: 0, msg: `${msg} R upper` });
      expectAllClose(mm(q, r), a, { ...t, msg: `${msg} QR = A` });
    }
  });

  it("eigh ≡ np.linalg.eigh (eigenvalues ascending; eigenvectors up to sign) and A v = λ v, VᵀV = I", () => {
    for (const c of FIX.eigh) {
      const a = fromFixture(c.a);
      const [v, w] = lax.linalg.eigh(a);
      const msg = `eigh ${c.a.dtype}${JSON.stringify(c.a.shape)}`;
      const t = tol(c.a.dtype);
      expectAllClose(w, fromFixture(c.w), { ...t, msg });
      const vn = fromFixture(c.v);
      // Align each column's sign with NumPy's before comparing.
      const signs = jnp.sign(jnp.sum(jnp.multiply(v, vn), { axis: -2, keepdims: true }));
      expectAllClose(jnp.multiply(v, signs), vn, { ...t, msg });
      expectAllClose(mm(a, v), jnp.multiply(v, jnp.expandDims(w, -2)), { ...t, msg: `${msg} A v = λ v` });
      const n = a.shape[a.ndim - 1]!;
      expectAllClose(mm(mT(v), v), jnp.broadcastTo(jnp.eye(n, { dtype: v.dtype }), v.shape), { ...t, msg: `${msg} VᵀV = I` });
    }
  });

  it("eigh reads only one triangle without symmetrization", () => {
    const c = FIX.eigh[0]!;
    const a = fromFixture(c.a);
    const junkUpper = jnp.add(jnp.tril(a), jnp.triu(jnp.full(a.shape, 7, "float64"), 1));
    expectAllClose(lax.linalg.eigh(junkUpper, { symmetrizeInput: false, lower: true })[1], fromFixture(c.w), tol("float64"));
    const junkLower = jnp.add(jnp.triu(a), jnp.tril(jnp.full(a.shape, 7, "float64"), -1));
    expectAllClose(lax.linalg.eigh(junkLower, { symmetrizeInput: false, lower: false })[1], fromFixture(c.w), tol("float64"));
  });

  it("jit(f) ≡ f for every decomposition", () => {
    const a = fromFixture(FIX.cholesky[2]!.a);
    const fs: [string, (x: JaxArray) => JaxArray[]][] = [
      ["cholesky", (x) => [lax.linalg.cholesky(x)]],
      ["lu", (x) => lax.linalg.lu(x)],
      ["qr", (x) => lax.linalg.qr(x)],
      ["eigh", (x) => lax.linalg.eigh(x)],
      ["triangular_solve", (x) => [lax.linalg.triangularSolve(x, x, { leftSide: true, lower: true })]],
    ];
    for (const [name, f] of fs) {
      const eager = f(a);
      const jitted = jit(f)(a) as JaxArray[];
      eager.forEach((e, i) => expectAllClose(jitted[i], e, { atol: 0, rtol: 0, msg: name }));
    }
  });

  it("prints JAX's primitive names in jaxprs", () => {
    const a = fromFixture(FIX.cholesky[1]!.a);
    const text = makeJaxpr((x: JaxArray) => [
      lax.linalg.cholesky(x),
      lax.linalg.triangularSolve(x, x, { leftSide: true }),
      ...lax.linalg.lu(x),
      ...lax.linalg.qr(x),
      ...lax.linalg.eigh(x),
    ])(a).toString();
    for (const p of ["cholesky", "triangular_solve[", "lu", "qr[fullMatrices=True]", "eigh["]) expect(text).toContain(p);
  });
});

// ---- derivatives ----

const spd = (i: number) => fromFixture(FIX.cholesky[i]!.a, "float64");

describe("derivatives: check_grads orders 1 and 2, fwd and rev", () => {
  it("cholesky (4×4 and batched 2×3×3×3)", () => {
    checkGrads((x: JaxArray) => lax.linalg.cholesky(x), [spd(0)], 2);
    checkGrads((x: JaxArray) => lax.linalg.cholesky(x), [spd(2)], 1);
  });

  it("triangular_solve in a and b for every option combination (order 2 for four of them)", () => {
    FIX.triangular.forEach((c, i) => {
      const a = item(fromFixture(c.a), 0);
      const b = item(fromFixture(c.b), 0);
      checkGrads((x: JaxArray, y: JaxArray) => lax.linalg.triangularSolve(x, y, triOpts(c)), [a, b], i % 4 === 0 ? 2 : 1);
    });
  });

  it("lu (square, wide, tall)", () => {
    for (const c of FIX.lu.filter((k) => k.a.dtype === "float64" && k.a.shape.length === 2)) {
      checkGrads((x: JaxArray) => lax.linalg.lu(x)[0], [fromFixture(c.a)], 2);
    }
  });

  it("qr (tall reduced, square full, batched)", () => {
    for (const c of FIX.qr.filter((k) => k.a.dtype === "float64")) {
      const [m, n] = c.a.shape.slice(-2) as [number, number];
      if (m < n || (c.fullMatrices && m !== n)) continue;
      checkGrads((x: JaxArray) => lax.linalg.qr(x, { fullMatrices: c.fullMatrices }), [fromFixture(c.a)], 2);
    }
    const sq = fromFixture(FIX.qr.find((k) => k.a.shape.join() === "4,4")!.a, "float64");
    checkGrads((x: JaxArray) => lax.linalg.qr(x, { fullMatrices: true }), [sq], 2);
  });

  it("eigh with distinct eigenvalues (eigenvalues and eigenvectors)", () => {
    for (const c of FIX.eigh.filter((k) => k.a.dtype === "float64")) {
      checkGrads((x: JaxArray) => lax.linalg.eigh(x), [fromFixture(c.a)], 2);
    }
  });

  it("float32 inputs pass JAX's float32 gradient tolerances", () => {
    const a = fromFixture(FIX.cholesky[0]!.a);
    expect(a.dtype).toBe("float32");
    checkGrads((x: JaxArray) => lax.linalg.cholesky(x), [a], 1);
    checkGrads((x: JaxArray) => lax.linalg.eigh(x)[1], [fromFixture(FIX.eigh[1]!.a)], 1);
  });

  it("QR of a wide matrix has no derivative rule, as in JAX", () => {
    const wide = fromFixture(FIX.qr.find((k) => k.a.shape.join() === "3,5")!.a);
    expect(() => vjp((x: JaxArray) => lax.linalg.qr(x)[1], wide)).toThrow("Unimplemented case of QR decomposition derivative");
  });
});

describe("triangular_solve is linear in b: its transpose", () => {
  it("⟨u, T(v)⟩ = ⟨Tᵀ(u), v⟩ for the linearized solve, every option combination", () => {
    for (const c of FIX.triangular) {
      const a = fromFixture(c.a);
      const b = fromFixture(c.b);
      const f = (y: JaxArray) => lax.linalg.triangularSolve(a, y, triOpts(c));
      const [, lin] = linearize(f, b);
      const [, pull] = vjp(f, b);
      const v = jnp.sin(jnp.add(b, 1));
      const u = jnp.cos(b);
      const lhs = jnp.sum(jnp.multiply(u, lin(v) as JaxArray)).item() as number;
      const rhs = jnp.sum(jnp.multiply((pull(u) as JaxArray[])[0]!, v)).item() as number;
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-10 * (1 + Math.abs(lhs)));
      // The solve is linear, so its linearization is the solve itself.
      expectAllClose(lin(v) as JaxArray, f(v), { atol: 1e-12, rtol: 1e-12 });
    }
  });
});

describe("vmap ≡ loop", () => {
  // Six SPD 3×3 float64 matrices (built lazily: x64 is enabled in beforeAll).
  const spdBatch = () => fromFixture(FIX.cholesky[2]!.a).reshape([6, 3, 3]);
  const fs: [string, (x: JaxArray) => JaxArray[]][] = [
    ["cholesky", (x) => [lax.linalg.cholesky(x)]],
    ["lu", (x) => lax.linalg.lu(x)],
    ["qr", (x) => lax.linalg.qr(x, { fullMatrices: false })],
    ["eigh", (x) => lax.linalg.eigh(x)],
  ];
  for (const [name, f] of fs) {
    it(`${name} over in-axes 0, 1 and 2`, () => {
      const batch = spdBatch();
      for (const inAxis of [0, 1, 2]) {
        const moved = jnp.moveaxis(batch, 0, inAxis);
        const outs = vmap(f, { inAxes: inAxis })(moved) as JaxArray[];
        for (let i = 0; i < 6; i++) {
          f(item(batch, i)).forEach((want, j) => expectAllClose(item(outs[j]!, i), want, { atol: 1e-13, rtol: 1e-13, msg: `${name} ${inAxis}` }));
        }
      }
    });
  }

  it("triangular_solve with a, b or both batched", () => {
    const c = FIX.triangular[0]!;
    const a = fromFixture(c.a);
    const b = fromFixture(c.b);
    const f = (x: JaxArray, y: JaxArray) => lax.linalg.triangularSolve(x, y, triOpts(c));
    const both = vmap(f)(a, b) as JaxArray;
    const aOnly = vmap(f, { inAxes: [0, null] })(a, item(b, 0)) as JaxArray;
    const bOnly = vmap(f, { inAxes: [null, 2] })(item(a, 0), jnp.moveaxis(b, 0, 2)) as JaxArray;
    for (let i = 0; i < 2; i++) {
      expectAllClose(item(both, i), f(item(a, i), item(b, i)), { atol: 0, rtol: 0 });
      expectAllClose(item(aOnly, i), f(item(a, i), item(b, 0)), { atol: 0, rtol: 0 });
      expectAllClose(item(bOnly, i), f(item(a, 0), item(b, i)), { atol: 0, rtol: 0 });
    }
  });

  it("vmap of the gradient ≡ a loop of gradients (cholesky, eigh)", () => {
    const loss = (x: JaxArray) => jnp.sum(jnp.multiply(lax.linalg.cholesky(x), lax.linalg.eigh(x)[0]));
    const g = (x: JaxArray) => (vjp(loss, x)[1](jnp.array(1, { dtype: "float64" })) as JaxArray[])[0]!;
    const batch = spdBatch();
    const out = vmap(g)(batch) as JaxArray;
    for (let i = 0; i < 6; i++) expectAllClose(item(out, i), g(item(batch, i)), { atol: 1e-12, rtol: 1e-12 });
  });
});

describe("errors with JAX's wording", () => {
  const z = (...s: number[]) => jnp.zeros(s, "float64");
  it("shapes and dtypes", () => {
    expect(() => lax.linalg.cholesky(z(2, 3))).toThrow("The input to cholesky must have shape [..., n, n], got (2, 3)");
    expect(() => lax.linalg.eigh(z(3, 2), { symmetrizeInput: false })).toThrow("The input to eigh must have shape [..., n, n], got (3, 2)");
    expect(() => lax.linalg.cholesky(z(3))).toThrow("at least 2 dimensions");
    expect(() => lax.linalg.lu(jnp.zeros([2, 2], "int32"))).toThrow("lu does not accept dtype int32");
    expect(() => lax.linalg.triangularSolve(z(3, 2), z(3, 3))).toThrow(
      "triangular_solve requires the last two dimensions of a to be equal in size, got a.shape of (3, 2).",
    );
    expect(() => lax.linalg.triangularSolve(z(3, 3), z(2, 4), { leftSide: true })).toThrow(
      "Incompatible shapes for arguments to triangular_solve: (3, 3) and (2, 4).",
    );
    expect(() => lax.linalg.triangularSolve(z(2, 3, 3), z(4, 3, 3))).toThrow(
      "triangular_solve requires both arguments to have the same number of dimensions and equal batch dimensions, got (2, 3, 3) and (4, 3, 3).",
    );
    expect(() => lax.linalg.triangularSolve(z(3, 3), jnp.zeros([3, 3], "float32"))).toThrow("same dtypes");
  });
});
