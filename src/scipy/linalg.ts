// jax.scipy.linalg (jax/_src/scipy/linalg.py): SciPy's linear-algebra interface over the
// lax.linalg primitives: cholesky (upper by default, as SciPy), choFactor/choSolve,
// luFactor/luSolve (LAPACK-style pivots), solveTriangular with trans, solve with assume_a, qr
// with SciPy's modes, eigh returning [w, v], det, inv, and expm by Padé approximation with
// scaling and squaring (JAX's algorithm, after Higham 2005).
import type { ArrayLike, JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { npShape } from "../numpy/util.js";

/** The operands converted to their common float dtype, shapes unchanged. */
function promoteDTypes(name: string, ...xs: ArrayLike[]): JaxArray[] {
  const arrs = xs.map((x) => jnp.asarray(x));
  const d = jnp.promoteArgsInexact(name, ...arrs.map((x) => jnp.zeros([], { dtype: x.dtype })))[0]!.dtype;
  return arrs.map((x) => (x.dtype === d ? x : jnp.asarray(x, { dtype: d })));
}

const mT = (x: JaxArray): JaxArray => jnp.swapaxes(x, -1, -2);

/**
 * The Cholesky factor of a symmetric positive definite matrix: upper U with A = UᵀU (the
 * default, as SciPy) or lower L with A = LLᵀ. Only the triangle named is read (no symmetrizing).
 */
export function cholesky(a: ArrayLike, opts: { lower?: boolean } = {}): JaxArray {
  const [A] = promoteDTypes("cholesky", a);
  const lower = opts.lower ?? false;
  const l = lax.linalg.cholesky(lower ? A! : mT(A!), { symmetrizeInput: false });
  return lower ? l : mT(l);
}

/** [c, lower]: the Cholesky factor (upper unless `lower`) for choSolve. */
export function choFactor(a: ArrayLike, opts: { lower?: boolean } = {}): [JaxArray, boolean] {
  const lower = opts.lower ?? false;
  return [cholesky(a, { lower }), lower];
}

function checkSolveShapes(name: string, a: JaxArray, b: JaxArray): void {
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2] || b.ndim < 1) {
    throw new ValueError(`The arguments to ${name} must have shapes a=[..., m, m] and b=[..., m, k] or b=[..., m]; got a=${npShape(a.shape)} and b=${npShape(b.shape)}`);
  }
  const m = a.shape[a.ndim - 1]!;
  const bm = b.ndim === a.ndim - 1 || b.ndim === 1 ? b.shape[b.ndim - 1] : b.shape[b.ndim - 2];
  if (bm !== m) {
    throw new ValueError(`The arguments to ${name} must have shapes a=[..., m, m] and b=[..., m, k] or b=[..., m]; got a=${npShape(a.shape)} and b=${npShape(b.shape)}`);
  }
}

/** Runs f on b as a matrix [..., m, k]: a vector b (one dim less than a) gains and loses k = 1. */
function asMatrix(a: JaxArray, b: JaxArray, f: (b: JaxArray) => JaxArray): JaxArray {
  if (b.ndim === a.ndim - 1) return jnp.squeeze(f(jnp.expandDims(b, -1)), -1);
  return f(b);
}

/** Solves A x = b given [c, lower] from choFactor: two triangular solves with c and cᵀ. */
export function choSolve(cAndLower: [JaxArray, boolean], b: ArrayLike): JaxArray {
  const [c0, lower] = cAndLower;
  const [c, B] = promoteDTypes("cho_solve", c0, b);
  checkSolveShapes("cho_solve", c!, B!);
  return asMatrix(c!, B!, (bm) => {
    const y = lax.linalg.triangularSolve(c!, bm, { leftSide: true, lower, transposeA: !lower });
    return lax.linalg.triangularSolve(c!, y, { leftSide: true, lower, transposeA: lower });
  });
}

export interface SolveTriangularOptions {
  /** 0 / "N": a x = b; 1 / "T": aᵀ x = b; 2 / "C": aᴴ x = b. */
  trans?: 0 | 1 | 2 | "N" | "T" | "C";
  /** Read a's lower triangle (default: upper). */
  lower?: boolean;
  /** Take a's diagonal to be ones. */
  unitDiagonal?: boolean;
}

/** Solves a x = b (or aᵀ x = b) for triangular a [..., m, m] and b [..., m, k] or [..., m]. */
export function solveTriangular(a: ArrayLike, b: ArrayLike, opts: SolveTriangularOptions = {}): JaxArray {
  const trans = opts.trans ?? 0;
  let transposeA: boolean;
  let conjugateA: boolean;
  if (trans === 0 || trans === "N") [transposeA, conjugateA] = [false, false];
  else if (trans === 1 || trans === "T") [transposeA, conjugateA] = [true, false];
  else if (trans === 2 || trans === "C") [transposeA, conjugateA] = [true, true];
  else throw new ValueError(`Invalid 'trans' value ${String(trans)}`);
  const [A, B] = promoteDTypes("solve_triangular", a, b);
  return asMatrix(A!, B!, (bm) =>
    lax.linalg.triangularSolve(A!, bm, { leftSide: true, lower: opts.lower ?? false, transposeA, conjugateA, unitDiagonal: opts.unitDiagonal ?? false }),
  );
}

/** [lu, piv]: the packed LU factors (unit-lower L below the diagonal, U on and above) and LAPACK pivots. */
export function luFactor(a: ArrayLike): [JaxArray, JaxArray] {
  const [A] = promoteDTypes("lu_factor", a);
  const [lu, piv] = lax.linalg.lu(A!);
  return [lu, piv];
}

/**
 * The row permutation of m rows produced by the pivots (row i swapped with row piv[i], in order):
 * perm starts as 0…m−1 and each swap exchanges two entries, selected by comparison with iota so
 * that traced pivots work.
 */
function pivotsToPermutation(piv: JaxArray, m: number): JaxArray {
  const k = piv.shape[piv.ndim - 1]!;
  const batch = piv.shape.slice(0, -1);
  const iota = lax.broadcastedIota("int32", [...batch, m], batch.length);
  let perm = iota;
  for (let i = 0; i < k; i++) {
    const j = jnp.expandDims(jnp.index(piv, "...", i), -1);
    const pi = jnp.index(perm, "...", jnp.s(i, i + 1));
    const pj = jnp.sum(jnp.where(jnp.equal(iota, j), perm, 0), { axis: -1, keepdims: true });
    perm = jnp.where(jnp.equal(iota, i), pj, jnp.where(jnp.equal(iota, j), pi, perm));
  }
  return perm;
}

/** The permutation matrix P with (P x)[i] = x[perm[i]]. */
const permMatrix = (perm: JaxArray, m: number, dtype: string): JaxArray =>
  jnp.asarray(jnp.equal(jnp.expandDims(perm, -1), lax.broadcastedIota("int32", [...perm.shape, m], perm.ndim)), { dtype });

/**
 * Solves A x = b (trans 0) or Aᵀ x = b (trans 1 or 2) from luFactor's [lu, piv]: with P A = L U,
 * x = U⁻¹ L⁻¹ P b, or Pᵀ L⁻ᵀ U⁻ᵀ b for the transpose.
 */
export function luSolve(luAndPiv: [JaxArray, JaxArray], b: ArrayLike, trans: 0 | 1 | 2 = 0): JaxArray {
  const [lu0, piv] = luAndPiv;
  const [lu, B] = promoteDTypes("lu_solve", lu0, b);
  if (trans !== 0 && trans !== 1 && trans !== 2) throw new ValueError(`'trans' value must be 0, 1, or 2, got ${String(trans)}`);
  checkSolveShapes("lu_solve", lu!, B!);
  const m = lu!.shape[lu!.ndim - 1]!;
  const P = permMatrix(pivotsToPermutation(piv, m), m, lu!.dtype);
  return asMatrix(lu!, B!, (bm) => {
    if (trans === 0) {
      const y = lax.linalg.triangularSolve(lu!, jnp.matmul(P, bm), { leftSide: true, lower: true, unitDiagonal: true });
      return lax.linalg.triangularSolve(lu!, y, { leftSide: true, lower: false });
    }
    const y = lax.linalg.triangularSolve(lu!, bm, { leftSide: true, lower: false, transposeA: true });
    const z = lax.linalg.triangularSolve(lu!, y, { leftSide: true, lower: true, transposeA: true, unitDiagonal: true });
    return jnp.matmul(mT(P), z);
  });
}

export type AssumeA = "gen" | "sym" | "her" | "pos";

/** Solves a x = b; assume_a "pos" solves through Cholesky (reading the `lower` triangle), others by LU. */
export function solve(a: ArrayLike, b: ArrayLike, opts: { assumeA?: AssumeA; lower?: boolean } = {}): JaxArray {
  const assumeA = opts.assumeA ?? "gen";
  if (!["gen", "sym", "her", "pos"].includes(assumeA)) {
    throw new ValueError(`Expected assume_a to be one of {'gen', 'sym', 'her', 'pos'}; got '${assumeA}'`);
  }
  if (assumeA !== "pos") return jnp.linalg.solve(a, b);
  return choSolve(choFactor(a, { lower: opts.lower ?? false }), b);
}

/** The determinant (jnp.linalg.det). */
export const det = (a: ArrayLike): JaxArray => jnp.linalg.det(a);
/** The inverse (jnp.linalg.inv). */
export const inv = (a: ArrayLike): JaxArray => jnp.linalg.inv(a);

export type QrMode = "full" | "economic" | "r";

/** QR decomposition: [q, r] with full (m×m) or economic (m×k) q; mode "r" gives [r] (SciPy's 1-tuple). */
export function qr(a: ArrayLike, mode?: "full" | "economic"): [JaxArray, JaxArray];
export function qr(a: ArrayLike, mode: "r"): [JaxArray];
export function qr(a: ArrayLike, mode: QrMode = "full"): [JaxArray, JaxArray] | [JaxArray] {
  if (mode !== "full" && mode !== "economic" && mode !== "r") throw new ValueError(`Unsupported QR decomposition mode '${String(mode)}'`);
  const [A] = promoteDTypes("qr", a);
  const [q, r] = lax.linalg.qr(A!, { fullMatrices: mode !== "economic" });
  return mode === "r" ? [r] : [q, r];
}

/**
 * Eigenvalues w (ascending) and eigenvectors v (columns) of a symmetric matrix (symmetrized
 * first, as lax.linalg.eigh does by default in JAX); `eigvalsOnly` returns w alone.
 */
export function eigh(a: ArrayLike, opts?: { lower?: boolean; eigvalsOnly?: false }): [JaxArray, JaxArray];
export function eigh(a: ArrayLike, opts: { lower?: boolean; eigvalsOnly: true }): JaxArray;
export function eigh(a: ArrayLike, opts: { lower?: boolean; eigvalsOnly?: boolean } = {}): [JaxArray, JaxArray] | JaxArray {
  const [A] = promoteDTypes("eigh", a);
  const [v, w] = lax.linalg.eigh(A!, { lower: opts.lower ?? true });
  return opts.eigvalsOnly ? w : [w, v];
}

// ---- expm: Padé approximation with scaling and squaring -----------------------------------------

// Coefficients b_k of the [m/m] Padé approximant of eˣ: U = A Σ_{k odd} b_k A^(k−1),
// V = Σ_{k even} b_k A^k, exp(A) ≈ (V − U)⁻¹ (V + U).
const PADE: Record<number, number[]> = {
  3: [120, 60, 12, 1],
  5: [30240, 15120, 3360, 420, 30, 1],
  7: [17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1],
  9: [17643225600, 8821612800, 2075673600, 302702400, 30270240, 2162160, 110880, 3960, 90, 1],
  13: [
    64764752532480000, 32382376266240000, 7771770303897600, 1187353796428800, 129060195264000, 10559470521600, 670442572800,
    33522128640, 1323241920, 40840800, 960960, 16380, 182, 1,
  ],
};

/** [U, V] of the degree-m Padé approximant, from the even powers A², A⁴, … of A. */
function pade(m: number, A: JaxArray): [JaxArray, JaxArray] {
  const b = PADE[m]!;
  const n = A.shape[A.ndim - 1]!;
  const I = jnp.eye(n, { dtype: A.dtype });
  const A2 = jnp.matmul(A, A);
  if (m === 13) {
    // Higham's grouping: only A², A⁴, A⁶ and three more products.
    const A4 = jnp.matmul(A2, A2);
    const A6 = jnp.matmul(A4, A2);
    const lin = (cs: number[], ms: JaxArray[]) => cs.map((k, i) => jnp.multiply(ms[i]!, k)).reduce((x, y) => jnp.add(x, y));
    const U = jnp.matmul(
      A,
      jnp.add(jnp.matmul(A6, lin([b[13]!, b[11]!, b[9]!], [A6, A4, A2])), lin([b[7]!, b[5]!, b[3]!, b[1]!], [A6, A4, A2, I])),
    );
    const V = jnp.add(jnp.matmul(A6, lin([b[12]!, b[10]!, b[8]!], [A6, A4, A2])), lin([b[6]!, b[4]!, b[2]!, b[0]!], [A6, A4, A2, I]));
    return [U, V];
  }
  const evens = [I, A2];
  while (evens.length <= (m - 1) / 2) evens.push(jnp.matmul(evens[evens.length - 1]!, A2));
  let u = jnp.zerosLike(A);
  let v = jnp.zerosLike(A);
  evens.forEach((P, j) => {
    u = jnp.add(u, jnp.multiply(P, b[2 * j + 1]!));
    v = jnp.add(v, jnp.multiply(P, b[2 * j]!));
  });
  return [jnp.matmul(A, u), v];
}

/**
 * The matrix exponential by JAX's algorithm (Higham 2005): with ‖A‖₁ above the degree's bound
 * θ (3.93 in float32, 5.37 in float64) A is scaled by 2⁻ˢ, s = ⌊log₂(‖A‖₁/θ)⌋; the Padé degree
 * (3/5/7 in float32, 3/5/7/9/13 in float64) is chosen by ‖A‖₁; R = (V − U)⁻¹(V + U) is squared
 * s times. NaN when s exceeds `maxSquarings` (default 16).
 */
export function expm(a: ArrayLike, opts: { maxSquarings?: number } = {}): JaxArray {
  const [A0] = promoteDTypes("expm", a);
  const A = A0!;
  if (A.ndim < 2 || A.shape[A.ndim - 1] !== A.shape[A.ndim - 2]) {
    throw new ValueError(`Expected A to be a (batched) square matrix, got A.shape=${npShape(A.shape)}.`);
  }
  const maxSquarings = opts.maxSquarings ?? 16;
  if (A.ndim > 2) return lax.map((m: JaxArray) => expm(m, opts), jnp.reshape(A, [-1, ...A.shape.slice(-2)])).reshape(A.shape);
  const f64 = A.dtype === "float64";
  const maxnorm = f64 ? 5.371920351148152 : 3.92572478313866;
  const conds = f64 ? [1.495585217958292e-2, 2.53939833006323e-1, 9.504178996162932e-1, 2.097847961257068] : [4.258730016922831e-1, 1.880152677804762];
  const degrees = f64 ? [3, 5, 7, 9, 13] : [3, 5, 7];
  const l1 = jnp.max(jnp.sum(jnp.abs(A), { axis: 0 }));
  const s = jnp.maximum(0, jnp.floor(jnp.log2(jnp.divide(l1, maxnorm))));
  const scaled = jnp.divide(A, jnp.power(2, s));
  // digitize: the number of bounds at or below ‖A‖₁ picks the degree.
  const idx = conds.map((c) => jnp.asarray(jnp.greaterEqual(l1, c), { dtype: "int32" })).reduce((x, y) => jnp.add(x, y));
  const [U, V] = lax.switch(idx, degrees.map((m) => (x: JaxArray) => pade(m, x)), scaled) as [JaxArray, JaxArray];
  const R = jnp.linalg.solve(jnp.subtract(V, U), jnp.add(V, U));
  const nSq = jnp.asarray(s, { dtype: "int32" });
  const [out] = lax.scan(
    (r: JaxArray, i: JaxArray) => [lax.cond(jnp.less(i, nSq), (x: JaxArray) => jnp.matmul(x, x), (x: JaxArray) => x, r), null],
    R,
    jnp.arange(maxSquarings, { dtype: "int32" }),
  );
  return jnp.where(jnp.greater(nSq, maxSquarings), jnp.fullLike(out, NaN), out);
}
