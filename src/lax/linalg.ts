// jax.lax.linalg: cholesky, triangularSolve, lu, qr, eigh, svd and symmetrize, thin wrappers over
// the linear-algebra primitives with JAX's defaults (inputs symmetrized before cholesky and
// eigh; qr returns full matrices unless asked otherwise; eigh returns [v, w] as JAX does).
import type { ArrayLike, JaxArray } from "../core/array.js";
import { shapeStr } from "../core/shape.js";
import { bind, bind1 } from "../core/trace.js";
import * as la from "../primitives/linalg.js";
import { svd_p } from "../primitives/svd.js";
import { add, asArray, fullLike, mul } from "./core.js";
import { expandDims, squeeze } from "./shape.js";

function atLeast2d(name: string, x: JaxArray): void {
  if (x.ndim < 2) throw new TypeError(`${name}: argument must have at least 2 dimensions, got shape ${shapeStr(x.shape)}`);
}

/** The primitives' square-matrix check, made before symmetrizing (which needs a square input). */
function checkSquare(name: string, x: JaxArray): void {
  atLeast2d(name, x);
  if (x.shape[x.ndim - 1] !== x.shape[x.ndim - 2]) {
    throw new TypeError(`The input to ${name} must have shape [..., n, n], got ${shapeStr(x.shape)}`);
  }
}

/** (x + xᵀ) / 2 over the last two axes. */
export function symmetrize(x: ArrayLike): JaxArray {
  const a = asArray(x);
  checkSquare("symmetrize", a);
  return mul(add(a, la.mT(a)), fullLike(a, 0.5));
}

/**
 * Lower Cholesky factor L (A = L Lᵀ) of each [..., n, n] matrix. With `symmetrizeInput`
 * (default) A is first replaced by (A + Aᵀ)/2; otherwise only its lower triangle is read. A
 * matrix that is not positive definite gives NaNs, as in JAX.
 */
export function cholesky(x: ArrayLike, opts: { symmetrizeInput?: boolean } = {}): JaxArray {
  const a = asArray(x);
  checkSquare("cholesky", a);
  return bind1(la.cholesky_p, [opts.symmetrizeInput ?? true ? symmetrize(a) : a]);
}

export interface TriangularSolveOptions {
  /** Solve op(a) x = b (true) or x op(a) = b (false, the default). */
  leftSide?: boolean;
  /** Use a's lower triangle (true) or upper triangle (false, the default). */
  lower?: boolean;
  /** op(a) = aᵀ. */
  transposeA?: boolean;
  /** Conjugate a (a no-op for real dtypes). */
  conjugateA?: boolean;
  /** Take a's diagonal to be ones without reading it. */
  unitDiagonal?: boolean;
}

/**
 * Solves op(a) x = b (leftSide) or x op(a) = b for triangular a [..., m, m]; b is
 * [..., m, n] (left) or [..., n, m] (right), or a vector [..., m] with the batch dims of a.
 */
export function triangularSolve(a: ArrayLike, b: ArrayLike, opts: TriangularSolveOptions = {}): JaxArray {
  const A = asArray(a);
  let B = asArray(b);
  const leftSide = opts.leftSide ?? false;
  const singleton = B.ndim === A.ndim - 1;
  if (singleton) B = expandDims(B, [leftSide ? -1 : -2]);
  const params: la.TriangularSolveParams = {
    leftSide,
    lower: opts.lower ?? false,
    transposeA: opts.transposeA ?? false,
    conjugateA: opts.conjugateA ?? false,
    unitDiagonal: opts.unitDiagonal ?? false,
  };
  const out = bind1(la.triangular_solve_p, [A, B], params);
  return singleton ? squeeze(out, [leftSide ? -1 : -2]) : out;
}

/**
 * LU decomposition with partial pivoting of [..., m, n] matrices: `[lu, pivots, permutation]`
 * where lu packs unit-lower L (below the diagonal) and U, pivots[i] is the row swapped with row
 * i (int32), and permutation is the resulting row order, so A[permutation] = L U.
 */
export function lu(x: ArrayLike): [JaxArray, JaxArray, JaxArray] {
  const a = asArray(x);
  atLeast2d("lu", a);
  const [f, p, perm] = bind(la.lu_p, [a]);
  return [f!, p!, perm!];
}

/**
 * QR decomposition by Householder reflections of [..., m, n] matrices: `[q, r]` with q
 * [..., m, m] and r [..., m, n] (`fullMatrices`, the default), or q [..., m, k] and r
 * [..., k, n] with k = min(m, n).
 */
export function qr(x: ArrayLike, opts: { fullMatrices?: boolean } = {}): [JaxArray, JaxArray] {
  const a = asArray(x);
  atLeast2d("qr", a);
  const [q, r] = bind(la.qr_p, [a], { fullMatrices: opts.fullMatrices ?? true });
  return [q!, r!];
}

export interface EighOptions {
  /** Read the lower (default) or upper triangle when the input is not symmetrized. */
  lower?: boolean;
  /** Replace A by (A + Aᵀ)/2 first (default true). */
  symmetrizeInput?: boolean;
  /** Eigenvalues in ascending order (default true). */
  sortEigenvalues?: boolean;
}

/**
 * Eigendecomposition of symmetric [..., n, n] matrices: `[v, w]` with A = V diag(w) Vᵀ, the
 * eigenvectors in the columns of v. Each eigenvector is signed so that its largest-magnitude
 * entry is positive.
 */
export function eigh(x: ArrayLike, opts: EighOptions = {}): [JaxArray, JaxArray] {
  const a0 = asArray(x);
  checkSquare("eigh", a0);
  const a = opts.symmetrizeInput ?? true ? symmetrize(a0) : a0;
  const [v, w] = bind(la.eigh_p, [a], { lower: opts.lower ?? true, sortEigenvalues: opts.sortEigenvalues ?? true });
  return [v!, w!];
}

/**
 * Singular value decomposition of [..., m, n] matrices: `[u, s, vh]` with A = U diag(s) Vh and
 * s descending (u [..., m, m] and vh [..., n, n] with `fullMatrices`, the default, else
 * [..., m, k] and [..., k, n], k = min(m, n)), or s alone when `computeUv` is false.
 */
export function svd(x: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: true }): [JaxArray, JaxArray, JaxArray];
export function svd(x: ArrayLike, opts: { fullMatrices?: boolean; computeUv: false }): JaxArray;
export function svd(x: ArrayLike, opts: { fullMatrices?: boolean; computeUv?: boolean } = {}): [JaxArray, JaxArray, JaxArray] | JaxArray {
  const a = asArray(x);
  atLeast2d("svd", a);
  const computeUv = opts.computeUv ?? true;
  const outs = bind(svd_p, [a], { fullMatrices: opts.fullMatrices ?? true, computeUv, subsetByIndex: null });
  return computeUv ? [outs[1]!, outs[0]!, outs[2]!] : outs[0]!;
}
