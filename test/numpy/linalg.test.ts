// Tests for jnp.linalg: solve, inv, det, slogdet, eigvalsh and norm against NumPy fixtures
// (scripts/gen_linalg_fixtures.py); cholesky/qr/eigh modes and matrixPower against algebraic
// identities; numerical gradient checks (orders 1–2, fwd and rev) of det, slogdet, inv, solve,
// eigvalsh and norms; vmap ≡ loop; jit ≡ eager; errors in JAX's wording.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

type Num = number | string;
interface FixArr {
  dtype: string;
  shape: number[];
  data: Num[];
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/linalg.json", import.meta.url), "utf8")) as {
  solve: { a: FixArr; b: FixArr; x: FixArr }[];
  inv: { a: FixArr; inv: FixArr }[];
  det: { a: FixArr; det: FixArr; sign: FixArr; logabsdet: FixArr }[];
  eigvalsh: { a: FixArr; w: FixArr }[];
  norm: { x: FixArr; ord: Num | null; axis: number | number[] | null; keepdims: boolean; expected: FixArr }[];
  cholesky: { a: FixArr; l: FixArr }[];
  qr: { a: FixArr; fullMatrices: boolean; q: FixArr; r: FixArr }[];
};

const decode = (v: Num): number => (typeof v === "number" ? v : Number(v));
const fromFixture = (a: FixArr): JaxArray =>
  jnp.reshape(jnp.array(Float64Array.from(a.data, decode), { dtype: a.dtype as DType }), a.shape);
const tol = (d: string) => (d === "float32" ? { atol: 1e-4, rtol: 1e-4 } : { atol: 1e-10, rtol: 1e-10 });
const decodeOrd = (o: Num | null): number | "fro" | "nuc" | null =>
  o === null ? null : o === "fro" || o === "nuc" ? o : decode(o);

let saved: boolean;
beforeAll(() => {
  saved = config.read("jax_enable_x64");
  config.update("jax_enable_x64", true);
});
afterAll(() => config.update("jax_enable_x64", saved));

describe("values against NumPy", () => {
  it("solve (vector and matrix right-hand sides, batched, broadcast batch dims)", () => {
    for (const c of FIX.solve) {
      const x = jnp.linalg.solve(fromFixture(c.a), fromFixture(c.b));
      expect(x.dtype).toBe(c.a.dtype);
      expectAllClose(x, fromFixture(c.x), { ...tol(c.a.dtype), msg: `solve ${JSON.stringify([c.a.shape, c.b.shape])}` });
    }
  });

  it("inv, det and slogdet (including a singular matrix)", () => {
    for (const c of FIX.inv) expectAllClose(jnp.linalg.inv(fromFixture(c.a)), fromFixture(c.inv), tol(c.a.dtype));
    for (const c of FIX.det) {
      const a = fromFixture(c.a);
      const msg = `det ${c.a.dtype}${JSON.stringify(c.a.shape)}`;
      expectAllClose(jnp.linalg.det(a), fromFixture(c.det), { ...tol(c.a.dtype), msg });
      const [s, l] = jnp.linalg.slogdet(a);
      expectAllClose(s, fromFixture(c.sign), { atol: 0, rtol: 0, msg });
      expectAllClose(l, fromFixture(c.logabsdet), { ...tol(c.a.dtype), msg });
    }
  });

  it("eigvalsh and eigh's eigenvalues", () => {
    for (const c of FIX.eigvalsh) {
      expectAllClose(jnp.linalg.eigvalsh(fromFixture(c.a)), fromFixture(c.w), tol(c.a.dtype));
      expectAllClose(jnp.linalg.eigh(fromFixture(c.a))[0], fromFixture(c.w), tol(c.a.dtype));
    }
  });

  it("norm: vector ords over each axis, matrix ords over axis pairs, keepdims, axis=null", () => {
    for (const c of FIX.norm) {
      const axis = c.axis;
      const out = jnp.linalg.norm(fromFixture(c.x), decodeOrd(c.ord), { axis, keepdims: c.keepdims });
      const msg = `norm ord=${c.ord} axis=${JSON.stringify(axis)} keepdims=${c.keepdims}`;
      expect(out.shape, msg).toEqual(c.expected.shape);
      expectAllClose(out, fromFixture(c.expected), { atol: 1e-10, rtol: 1e-10, msg });
    }
  });

  it("vectorNorm and matrixNorm agree with norm", () => {
    const c = FIX.norm.find((k) => k.x.shape.length === 3)!;
    const m = fromFixture(c.x);
    expectAllClose(jnp.linalg.matrixNorm(m, { ord: "nuc" }), jnp.linalg.norm(m, "nuc", { axis: [1, 2] }));
    expectAllClose(jnp.linalg.vectorNorm(m, { ord: 3, axis: 1 }), jnp.linalg.norm(m, 3, { axis: 1 }));
    expectAllClose(jnp.linalg.vectorNorm(m), jnp.linalg.norm(jnp.ravel(m)));
  });

  it("jit(f) ≡ f", () => {
    const c = FIX.solve[2]!;
    const f = (a: JaxArray, b: JaxArray) => [jnp.linalg.solve(a, b), jnp.linalg.det(a), ...jnp.linalg.slogdet(a), jnp.linalg.norm(a, 2, { axis: [1, 2] })];
    const eager = f(fromFixture(c.a), fromFixture(c.b));
    const jitted = jit(f)(fromFixture(c.a), fromFixture(c.b)) as JaxArray[];
    eager.forEach((e, i) => expectAllClose(jitted[i], e, { atol: 0, rtol: 0 }));
  });
});

describe("identities", () => {
  it("cholesky(upper) = Lᵀ and reconstructs A; integer input promotes to float", () => {
    const a = fromFixture(FIX.cholesky[1]!.a);
    const l = jnp.linalg.cholesky(a);
    expectAllClose(jnp.linalg.cholesky(a, { upper: true }), jnp.matrixTranspose(l), { atol: 0, rtol: 0 });
    expectAllClose(jnp.matmul(l, jnp.matrixTranspose(l)), a, { atol: 1e-12, rtol: 1e-12 });
    expect(jnp.linalg.cholesky(jnp.array([[4, 2], [2, 2]], { dtype: "int32" })).dtype).toBe("float64");
  });

  it("qr modes: reduced, complete, r", () => {
    for (const c of FIX.qr.filter((k) => k.a.dtype === "float64")) {
      const a = fromFixture(c.a);
      const [q, r] = jnp.linalg.qr(a, c.fullMatrices ? "complete" : "reduced");
      expectAllClose(q, fromFixture(c.q), tol("float64"));
      expectAllClose(r, fromFixture(c.r), tol("float64"));
      if (!c.fullMatrices) expectAllClose(jnp.linalg.qr(a, "r"), r, { atol: 0, rtol: 0 });
    }
  });

  it("matrixPower ≡ repeated matmul, inverse powers, power 0 is the identity", () => {
    const a = fromFixture(FIX.inv[0]!.a);
    let p = a;
    for (let k = 2; k <= 5; k++) {
      p = jnp.matmul(p, a);
      expectAllClose(jnp.linalg.matrixPower(a, k), p, { atol: 1e-10, rtol: 1e-10 });
    }
    expectAllClose(jnp.linalg.matrixPower(a, -2), jnp.matmul(jnp.linalg.inv(a), jnp.linalg.inv(a)), { atol: 1e-10, rtol: 1e-10 });
    expectAllClose(jnp.linalg.matrixPower(a, 0), jnp.eye(4, { dtype: "float64" }), { atol: 0, rtol: 0 });
  });

  it("inv(a) · a = I and solve(a, a·x) = x in float32", () => {
    const c = FIX.inv.find((k) => k.a.dtype === "float32")!;
    const a = fromFixture(c.a);
    expectAllClose(jnp.matmul(jnp.linalg.inv(a), a), jnp.eye(3), { atol: 1e-4, rtol: 1e-4 });
  });
});

describe("derivatives: check_grads orders 1 and 2, fwd and rev", () => {
  // Well-conditioned matrices (random + 2I, from the solve fixtures): near-singular ones have
  // derivatives so large that central differences need a much smaller step.
  const mat = (i: number) => fromFixture(FIX.solve[i]!.a);
  it("det, slogdet, inv", () => {
    for (const i of [0, 2]) {
      checkGrads((a: JaxArray) => jnp.linalg.det(a), [mat(i)], 2);
      checkGrads((a: JaxArray) => jnp.linalg.slogdet(a)[1], [mat(i)], 2);
      checkGrads((a: JaxArray) => jnp.linalg.inv(a), [mat(i)], 2);
    }
  });

  it("grad of log|det| is inv(a)ᵀ", () => {
    const a = mat(0);
    const g = grad((x: JaxArray) => jnp.linalg.slogdet(x)[1])(a);
    expectAllClose(g, jnp.matrixTranspose(jnp.linalg.inv(a)), { atol: 1e-12, rtol: 1e-12 });
    // Jacobi's formula: d det / dA = det(A) · A⁻ᵀ.
    const gd = grad((x: JaxArray) => jnp.linalg.det(x))(a);
    expectAllClose(gd, jnp.multiply(jnp.linalg.det(a), jnp.matrixTranspose(jnp.linalg.inv(a))), { atol: 1e-11, rtol: 1e-11 });
  });

  it("solve in a and b (vector and batched)", () => {
    for (const c of FIX.solve.filter((k) => k.a.dtype === "float64")) {
      checkGrads((a: JaxArray, b: JaxArray) => jnp.linalg.solve(a, b), [fromFixture(c.a), fromFixture(c.b)], 2);
    }
  });

  it("eigvalsh and norms (2, nuc, fro, vector p)", () => {
    checkGrads((a: JaxArray) => jnp.linalg.eigvalsh(a), [fromFixture(FIX.eigvalsh[0]!.a)], 2);
    const m = fromFixture(FIX.norm.find((k) => k.x.shape.length === 3)!.x);
    for (const ord of [2, -2, "nuc", "fro", 1, Infinity] as const) {
      checkGrads((x: JaxArray) => jnp.linalg.norm(x, ord, { axis: [1, 2] }), [m], 2);
    }
    checkGrads((x: JaxArray) => jnp.linalg.norm(x, 3, { axis: 0 }), [m], 2);
  });
});

describe("vmap ≡ loop", () => {
  it("solve, det, slogdet, inv, eigvalsh, norm over a batch axis", () => {
    const a = fromFixture(FIX.inv.find((k) => k.a.shape.length === 3)!.a);
    const b = jnp.sin(jnp.index(a, jnp.s(null), jnp.s(null), 0));
    const f = (x: JaxArray, y: JaxArray) => [
      jnp.linalg.solve(x, y),
      jnp.linalg.det(x),
      ...jnp.linalg.slogdet(x),
      jnp.linalg.inv(x),
      jnp.linalg.eigvalsh(jnp.add(x, jnp.matrixTranspose(x))),
      jnp.linalg.norm(x, 2),
    ];
    const outs = vmap(f)(a, b) as JaxArray[];
    for (let i = 0; i < 2; i++) {
      f(jnp.index(a, i), jnp.index(b, i)).forEach((want, j) => expectAllClose(jnp.index(outs[j]!, i), want, { atol: 1e-12, rtol: 1e-12 }));
    }
  });
});

describe("errors with JAX's wording", () => {
  const z = (...s: number[]) => jnp.zeros(s, "float64");
  it("non-square and mismatched inputs, bad orders", () => {
    expect(() => jnp.linalg.det(z(2, 3))).toThrow("Argument to det must have shape [..., n, n], got (2, 3).");
    expect(() => jnp.linalg.inv(z(3))).toThrow("Argument to inv must have shape [..., n, n], got (3,).");
    expect(() => jnp.linalg.slogdet(z(1, 2))).toThrow("Argument to slogdet must have shape [..., n, n], got (1, 2).");
    expect(() => jnp.linalg.solve(z(3, 3), z(2))).toThrow(
      "The arguments to solve must have shapes a=[..., m, m] and b=[..., m, k] or b=[..., m]; got a=(3, 3) and b=(2,)",
    );
    expect(() => jnp.linalg.solve(z(2, 3, 3), z(4, 3, 1))).toThrow("Incompatible batch shapes for solve");
    expect(() => jnp.linalg.norm(z(2, 2, 2), 2)).toThrow("Improper number of dimensions to norm.");
    expect(() => jnp.linalg.norm(z(2, 2), 3)).toThrow("Invalid norm order for matrices.");
    expect(() => jnp.linalg.norm(z(3), "fro")).toThrow("Invalid order 'fro' for vector norm.");
    expect(() => jnp.linalg.qr(z(2, 2), "raw" as "r")).toThrow("Unsupported QR decomposition mode 'raw'");
  });
});
