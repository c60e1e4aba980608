// jax.numpy.linalg: cholesky, qr, eigh, eigvalsh, svd, svdvals, pinv, lstsq, matrixRank, cond,
// solve, inv, det, slogdet, matrixPower and the norms (norm, vectorNorm, matrixNorm), composed from the lax.linalg primitives. Integer inputs
// are promoted to the default float dtype; batch dimensions lead, as in NumPy.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { defaultFloat, finfo, isFloat } from "../core/dtypes.js";
import { broadcastShapes } from "../core/shape.js";
import * as lax from "../lax/index.js";
import { bmm, diagOf, eyeOf, mT, permuteRows } from "../primitives/linalg.js";
import { customJvp } from "../transforms/custom_derivatives.js";
import { ValueError, asarray, broadcastTo, resultTypeOf } from "./core.js";
import { moveaxis } from "./manipulation.js";
import { max, min, sum } from "./reductions.js";
import { canonAxis, isOptions, npShape } from "./util.js";

/** An Array of a floating dtype (integers and bools become the default float). */
function asInexact(x: ArrayLike): JaxArray {
  const a = isArray(x) ? x : asarray(x);
  return isFloat(a.dtype) ? a : lax.convertElementType(a, defaultFloat());
}

function squareMatrix(name: string, x: ArrayLike): JaxArray {
  const a = asInexact(x);
  if (a.ndim < 2 || a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
    throw new ValueError(`Argument to ${name} must have shape [..., n, n], got ${npShape(a.shape)}.`);
  }
  return a;
}

/** jnp.linalg.cholesky(a, { upper, symmetrizeInput }): L with A = L Lᵀ (Lᵀ when `upper`). */
export function cholesky(a: ArrayLike, opts: { upper?: boolean; symmetrizeInput?: boolean } = {}): JaxArray {
  const l = lax.linalg.cholesky(squareMatrix("cholesky", a), { symmetrizeInput: opts.symmetrizeInput ?? true });
  return opts.upper ? mT(l) : l;
}

export type QrMode = "reduced" | "complete" | "r";

/** jnp.linalg.qr(a, mode = "reduced"): `[q, r]` ("reduced", "complete"), or r alone ("r"). */
export function qr(a: ArrayLike, mode?: "reduced" | "complete"): [JaxArray, JaxArray];
export function qr(a: ArrayLike, mode: "r"): JaxArray;
export function qr(a: ArrayLike, mode: QrMode = "reduced"): [JaxArray, JaxArray] | JaxArray {
  if (mode !== "reduced" && mode !== "complete" && mode !== "r") throw new ValueError(`Unsupported QR decomposition mode '${mode}'`);
  const x = asInexact(a);
  if (x.ndim < 2) throw new ValueError(`Argument to qr must have shape [..., m, n], got ${npShape(x.shape)}.`);
  const [q, r] = lax.linalg.qr(x, { fullMatrices: mode === "complete" });
  return mode === "r" ? r : [q, r];
}

type Uplo = "L" | "U";
export interface EighOpts {
  /** Which triangle to read when the input is not symmetrized: "L" (default) or "U". */
  UPLO?: Uplo | null;
  /** Replace A by (A + Aᵀ)/2 first (default true). */
  symmetrizeInput?: boolean;
}

function eighOpts(o: Uplo | null | EighOpts | undefined): EighOpts {
  if (o === undefined || o === null) return {};
  if (typeof o === "string") return { UPLO: o };
  return o;
}

/**
 * jnp.linalg.eigh(a, UPLO?): `[eigenvalues, eigenvectors]` of symmetric matrices, eigenvalues
 * ascending, eigenvectors in the columns (each signed so its largest-magnitude entry is positive).
 */
export function eigh(a: ArrayLike, UPLO?: Uplo | null | EighOpts): [JaxArray, JaxArray] {
  const o = eighOpts(UPLO);
  if (o.UPLO && o.UPLO !== "L" && o.UPLO !== "U") throw new ValueError(`UPLO must be 'L' or 'U', got ${JSON.stringify(o.UPLO)}`);
  const [v, w] = lax.linalg.eigh(squareMatrix("eigh", a), { lower: (o.UPLO ?? "L") === "L", symmetrizeInput: o.symmetrizeInput ?? true });
  return [w, v];
}

/** jnp.linalg.eigvalsh(a, UPLO?): the eigenvalues of symmetric matrices, ascending. */
export const eigvalsh = (a: ArrayLike, UPLO?: Uplo | null | EighOpts): JaxArray => eigh(a, UPLO)[0];

// ---- the singular value decomposition and what is built on it ----

/** An inexact array of at least two dimensions. */
function matrices(name: string, x: ArrayLike): JaxArray {
  const a = asInexact(x);
  if (a.ndim < 2) throw new ValueError(`Argument to ${name} must have shape [..., m, n], got ${npShape(a.shape)}.`);
  return a;
}

export interface SvdOpts {
  /** u [..., m, m] and vh [..., n, n] (true, the default) or the thin [..., m, k], [..., k, n]. */
  fullMatrices?: boolean;
  /** Return [u, s, vh] (true, the default) or s alone. */
  computeUv?: boolean;
}

/**
 * jnp.linalg.svd(a, { fullMatrices = true, computeUv = true }): `[u, s, vh]` with
 * a = u · diag(s) · vh and s descending, or s alone when computeUv is false.
 */
export function svd(a: ArrayLike, opts?: { fullMatrices?: boolean; computeUv?: true }): [JaxArray, JaxArray, JaxArray];
export function svd(a: ArrayLike, opts: { fullMatrices?: boolean; computeUv: false }): JaxArray;
export function svd(a: ArrayLike, opts: SvdOpts): [JaxArray, JaxArray, JaxArray] | JaxArray;
export function svd(a: ArrayLike, opts: SvdOpts = {}): [JaxArray, JaxArray, JaxArray] | JaxArray {
  const x = matrices("svd", a);
  const fullMatrices = opts.fullMatrices ?? true;
  return opts.computeUv ?? true ? lax.linalg.svd(x, { fullMatrices }) : lax.linalg.svd(x, { fullMatrices, computeUv: false });
}

/** jnp.linalg.svdvals(a): the singular values of each matrix, descending. */
export const svdvals = (a: ArrayLike): JaxArray => singularValues(matrices("svdvals", a));

/** Broadcasts v [...] over the last axis of `like` [..., k]. */
const overLast = (v: JaxArray, like: JaxArray) => lax.broadcastInDim(v, like.shape, range(v.ndim));
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

/**
 * The pseudo-inverse V diag(1/s) Uᵀ, with singular values s ≤ rtol·s_max dropped (rtol null:
 * 10·max(m, n)·eps, JAX's default).
 */
const pinvImpl = customJvp(
  function pinv(a: JaxArray, rtol: number | null): JaxArray {
    const [m, n] = a.shape.slice(-2) as [number, number];
    const r = rtol ?? 10 * Math.max(m, n) * finfo(a.dtype).eps;
    const [u, s, vh] = lax.linalg.svd(a, { fullMatrices: false });
    const sMax = lax.sliceInDim(s, 0, 1, 1, s.ndim - 1);
    const cutoff = lax.mul(sMax, lax.fullLike(sMax, r));
    const kept = lax.select(lax.gt(s, lax.broadcastInDim(cutoff, s.shape, range(s.ndim))), s, lax.fullLike(s, Infinity));
    const ut = mT(u);
    return bmm(mT(vh), lax.div(ut, lax.broadcastInDim(kept, ut.shape, [...range(s.ndim - 1), ut.ndim - 2])));
  },
  { nondiffArgnums: [1] },
);
/**
 * Golub & Pereyra (1973) via JAX's _pinv_jvp: with P = A⁺,
 * Ṗ = −P Ȧ P + P Pᵀ Ȧᵀ (I − A P) + (I − P A) Ȧᵀ Pᵀ P, products ordered by the shape.
 */
pinvImpl.defjvp(function pinvJvp(rtol: number | null, [a]: JaxArray[], [ad]: JaxArray[]) {
  const p = pinvImpl(a!, rtol);
  const [m, n] = a!.shape.slice(-2) as [number, number];
  const adT = mT(ad!);
  const pT = mT(p);
  let out: JaxArray;
  if (m >= n) {
    const s = bmm(bmm(p, pT), adT);
    const t = bmm(bmm(adT, pT), p);
    out = lax.sub(lax.sub(s, bmm(bmm(p, ad!), p)), bmm(bmm(s, a!), p));
    out = lax.add(out, lax.sub(t, bmm(bmm(p, a!), t)));
  } else {
    const s = bmm(p, bmm(pT, adT));
    const t = bmm(adT, bmm(pT, p));
    out = lax.sub(lax.sub(s, bmm(p, bmm(ad!, p))), bmm(s, bmm(a!, p)));
    out = lax.add(out, lax.sub(t, bmm(p, bmm(a!, t))));
  }
  return [p, out];
});

/**
 * jnp.linalg.pinv(a, { rtol }): the Moore–Penrose pseudo-inverse [..., n, m] through the SVD,
 * singular values at most rtol·s_max treated as zero (default rtol 10·max(m, n)·eps), with
 * JAX's derivative rule.
 */
export function pinv(a: ArrayLike, opts: { rtol?: number | null } = {}): JaxArray {
  return pinvImpl(matrices("pinv", a), opts.rtol ?? null);
}

/**
 * jnp.linalg.lstsq(a, b, { rcond, numpyResid }): `[x, residuals, rank, s]` minimizing
 * ‖a x − b‖₂ for a [m, n] and b [m] or [m, k], through the SVD: singular values below
 * rcond·s_max (default eps·max(m, n); negative: eps) are dropped. Residuals are the squared
 * column norms of b − a x, always returned ([k], or [1] for a vector b) unless numpyResid,
 * which returns an empty array where NumPy does (rank < n or m ≤ n). rank is int32.
 */
export function lstsq(
  a: ArrayLike,
  b: ArrayLike,
  opts: { rcond?: number | null; numpyResid?: boolean } = {},
): [JaxArray, JaxArray, JaxArray, JaxArray] {
  const [A, B0] = promoteFloat(a, b);
  if (A.shape[0] !== B0.shape[0]) throw new ValueError("Leading dimensions of input arrays must match");
  if (A.ndim !== 2) throw new TypeError(`${A.ndim}-dimensional array given. Array must be two-dimensional`);
  if (B0.ndim !== 1 && B0.ndim !== 2) throw new TypeError(`${B0.ndim}-dimensional array given. Array must be one or two-dimensional`);
  const B = B0.ndim === 1 ? lax.reshape(B0, [B0.shape[0]!, 1]) : B0;
  const [m, n] = A.shape as [number, number];
  const eps = finfo(A.dtype).eps;
  const rcond = opts.rcond === null || opts.rcond === undefined ? eps * Math.max(m, n) : opts.rcond < 0 ? eps : opts.rcond;
  const [u, s, vh] = lax.linalg.svd(A, { fullMatrices: false });
  const sMax = lax.sliceInDim(s, 0, 1, 1, 0);
  const mask = lax.ge(s, lax.broadcastInDim(lax.mul(sMax, lax.fullLike(sMax, rcond)), s.shape, [0]));
  const rank = lax.reduceSum(lax.convertElementType(mask, "int32"), [0]);
  const safe = lax.select(mask, s, lax.fullLike(s, 1));
  const sInv = lax.select(mask, lax.div(lax.fullLike(s, 1), safe), lax.zerosLike(s));
  const utb = bmm(mT(u), B);
  const x = bmm(mT(vh), lax.mul(lax.broadcastInDim(sInv, utb.shape, [0]), utb));
  const r = lax.sub(B, bmm(A, x));
  let resid = lax.reduceSum(lax.mul(r, r), [0]);
  if (opts.numpyResid) {
    // NumPy's empty residuals depend on the computed rank, so this branch reads it.
    const rk = Number(rank.item());
    if (rk < n || m <= n) resid = lax.full([0], 0, A.dtype);
  }
  return [B0.ndim === 1 ? lax.reshape(x, [n]) : x, resid, rank, s];
}

/**
 * jnp.linalg.matrix_rank(M, { rtol, tol }): the number of singular values above the threshold
 * tol (absolute) or rtol·s_max (default rtol max(m, n)·eps, NumPy's and JAX's default), as
 * int32 over the batch dims; a vector or scalar has rank 1 unless all zero.
 */
export function matrixRank(M: ArrayLike, opts: { rtol?: number | null; tol?: number | null } = {}): JaxArray {
  const a = asInexact(M);
  if (a.ndim < 2) {
    const nz = lax.ne(a, lax.zerosLike(a));
    return lax.convertElementType(lax.reduceOr(nz, range(a.ndim)), "int32");
  }
  const s = singularValues(a);
  const last = s.ndim - 1;
  let thr: JaxArray;
  if (opts.tol !== null && opts.tol !== undefined) thr = lax.full(s.shape.slice(0, -1), opts.tol, s.dtype);
  else {
    const rtol = opts.rtol ?? Math.max(...a.shape.slice(-2)) * finfo(s.dtype).eps;
    const sMax = lax.reduceMax(s, [last]);
    thr = lax.mul(sMax, lax.fullLike(sMax, rtol));
  }
  const above = lax.gt(s, overLast(thr, s));
  return lax.reduceSum(lax.convertElementType(above, "int32"), [last]);
}

/**
 * jnp.linalg.cond(x, p = null): the condition number, s_max/s_min for p null or 2 (s_min/s_max
 * for −2), else ‖x‖_p·‖x⁻¹‖_p for square x and p in "fro", "nuc", ±1, ±Infinity. NaNs from
 * singular matrices become Infinity unless x itself holds a NaN, as in JAX.
 */
export function cond(x: ArrayLike, p: NormOrd = null): JaxArray {
  const a = asInexact(x);
  if (a.ndim < 2) throw new ValueError(`jnp.linalg.cond: input array must be at least 2D; got ${npShape(a.shape)}`);
  let r: JaxArray;
  if (p === null || p === 2 || p === -2) {
    const s = singularValues(a);
    const k = s.shape[s.ndim - 1]!;
    const first = lax.squeeze(lax.sliceInDim(s, 0, 1, 1, s.ndim - 1), [s.ndim - 1]);
    const lastV = lax.squeeze(lax.sliceInDim(s, k - 1, k, 1, s.ndim - 1), [s.ndim - 1]);
    r = p === -2 ? lax.div(lastV, first) : lax.div(first, lastV);
  } else {
    if (a.shape[a.ndim - 1] !== a.shape[a.ndim - 2]) {
      throw new ValueError(`jnp.linalg.cond: for p=${String(p)}, array must be square; got ${npShape(a.shape)}`);
    }
    const ax = [a.ndim - 2, a.ndim - 1];
    r = lax.mul(norm(a, p, { axis: ax }), norm(inv(a), p, { axis: ax }));
  }
  const xNan = lax.reduceOr(lax.ne(a, a), [a.ndim - 2, a.ndim - 1]);
  const fix = lax.bitwiseAnd(lax.ne(r, r), lax.bitwiseNot(xNan));
  return lax.select(fix, lax.fullLike(r, Infinity), r);
}

/** A and B promoted to a common float dtype. */
function promoteFloat(a: ArrayLike, b: ArrayLike): [JaxArray, JaxArray] {
  const A = isArray(a) ? a : asarray(a);
  const B = isArray(b) ? b : asarray(b);
  const d0 = resultTypeOf(A, B).dtype;
  const d = isFloat(d0) ? d0 : defaultFloat();
  return [lax.convertElementType(A, d), lax.convertElementType(B, d)];
}

/** LU factors of each matrix of A: the packed factors, the permutation and its parity sign. */
function luParts(a: JaxArray): { lu: JaxArray; perm: JaxArray; parity: JaxArray } {
  const [lu, pivots, perm] = lax.linalg.lu(a);
  const swaps = lax.ne(pivots, lax.broadcastedIota("int32", pivots.shape, pivots.ndim - 1));
  const count = lax.reduceSum(lax.convertElementType(swaps, "int32"), [pivots.ndim - 1]);
  // (−1)^count as 1 − 2·(count mod 2).
  const odd = lax.convertElementType(lax.rem(count, 2), a.dtype);
  return { lu, perm, parity: lax.sub(lax.fullLike(odd, 1), lax.mul(odd, lax.fullLike(odd, 2))) };
}

/**
 * jnp.linalg.solve(a, b): x with a x = b, for a [..., m, m] and b [..., m, n] or a vector b [m]
 * (batch dims broadcast), by LU with partial pivoting and two triangular solves.
 */
export function solve(a: ArrayLike, b: ArrayLike): JaxArray {
  const [A, B0] = promoteFloat(a, b);
  const vector = B0.ndim === 1;
  const m = A.shape[A.ndim - 1];
  if (A.ndim < 2 || A.shape[A.ndim - 2] !== m || B0.ndim < 1 || B0.shape[vector ? 0 : B0.ndim - 2] !== m || (!vector && B0.ndim < 2)) {
    throw new ValueError(
      `The arguments to solve must have shapes a=[..., m, m] and b=[..., m, k] or b=[..., m]; got a=${npShape(A.shape)} and b=${npShape(B0.shape)}`,
    );
  }
  let B = vector ? lax.reshape(B0, [m!, 1]) : B0;
  let batch: number[];
  try {
    batch = broadcastShapes(A.shape.slice(0, -2), B.shape.slice(0, -2));
  } catch {
    throw new ValueError(`Incompatible batch shapes for solve: a=${npShape(A.shape)} and b=${npShape(B0.shape)}`);
  }
  const { lu, perm } = luParts(A);
  const luB = broadcastTo(lu, [...batch, m!, m!]);
  const permB = broadcastTo(perm, [...batch, m!]);
  B = broadcastTo(B, [...batch, ...B.shape.slice(-2)]);
  const opts = { leftSide: true, transposeA: false } as const;
  const y = lax.linalg.triangularSolve(luB, permuteRows(B, permB), { ...opts, lower: true, unitDiagonal: true });
  const x = lax.linalg.triangularSolve(luB, y, { ...opts, lower: false });
  return vector ? lax.reshape(x, [...batch, m!]) : x;
}

/** jnp.linalg.inv(a): the inverse of each [..., n, n] matrix (solve with the identity). */
export function inv(a: ArrayLike): JaxArray {
  const A = squareMatrix("inv", a);
  return solve(A, eyeOf(A.shape, A.dtype));
}

/** Entry (i, j) of each matrix of A [..., n, n], as [...]. */
function entry(A: JaxArray, i: number, j: number): JaxArray {
  const nd = A.ndim;
  const start = A.shape.map((_, k) => (k === nd - 2 ? i : k === nd - 1 ? j : 0));
  const limit = A.shape.map((d, k) => (k === nd - 2 ? i + 1 : k === nd - 1 ? j + 1 : d));
  return lax.squeeze(lax.slice(A, start, limit), [nd - 2, nd - 1]);
}

/** A sum of signed products of entries of A (the explicit small determinants). */
function polynomial(A: JaxArray, terms: [number, [number, number][]][]): JaxArray {
  const prods = terms.map(([sign, es]) => {
    const p = es.map(([i, j]) => entry(A, i, j)).reduce((x, y) => lax.mul(x, y));
    return sign > 0 ? p : lax.neg(p);
  });
  return prods.reduce((x, y) => lax.add(x, y));
}

/**
 * JAX's _cofactor_solve: [det(a), adj(a)·b] for square a and b of the same shape, well defined
 * for singular a. With P a = L U (partial pivoting) and x = L⁻¹ (P b), det(a)·a⁻¹ b =
 * det(a)·U⁻¹ x. Replacing u_nn by 1/p, p = sign(P)·∏_{i<n} u_ii, and scaling x_i by det(a) for
 * i < n makes back substitution give det(a)·x_n/u_nn = p·x_n for the last entry, and the same
 * recursion above it, without dividing by u_nn: finite when rank(a) = n − 1 (where adj(a) has
 * rank 1). When rank(a) < n − 1 (adj(a) = 0) the modified U is still singular; a solve with it
 * then gives inf/nan, and those matrices get 0.
 */
function cofactorSolve(a: JaxArray, b: JaxArray): [JaxArray, JaxArray] {
  const nd = a.ndim;
  const n = a.shape[nd - 1]!;
  if (n === 1) return [entry(a, 0, 0), b];
  const { lu, perm, parity } = luParts(a);
  const d = diagOf(lu);
  const partial = lax.mul(parity, lax.reduceProd(lax.sliceInDim(d, 0, n - 1, 1, nd - 2), [nd - 2]));
  const full = lax.mul(partial, entry(lu, n - 1, n - 1));
  const corner = lax.bitwiseAnd(
    lax.eq(lax.broadcastedIota("int32", lu.shape, nd - 2), n - 1),
    lax.eq(lax.broadcastedIota("int32", lu.shape, nd - 1), n - 1),
  );
  const batchDims = a.shape.slice(0, -2).map((_, k) => k);
  const bcast = (v: JaxArray) => lax.broadcastInDim(v, a.shape, batchDims);
  const u = lax.select(corner, bcast(lax.div(lax.fullLike(partial, 1), partial)), lu);
  const probe = lax.linalg.triangularSolve(u, lax.fullLike(lax.sliceInDim(a, 0, 1, 1, nd - 1), 1), { leftSide: true, lower: false });
  const bad = bcast(lax.reduceOr(lax.bitwiseNot(lax.isFinite(probe)), [nd - 2, nd - 1]));
  const zeros = lax.fullLike(b, 0);
  let x = lax.select(bad, zeros, b);
  x = lax.linalg.triangularSolve(u, permuteRows(x, perm), { leftSide: true, lower: true, unitDiagonal: true });
  const top = lax.sliceInDim(x, 0, n - 1, 1, nd - 2);
  x = lax.concatenate([lax.mul(top, lax.broadcastInDim(full, top.shape, batchDims)), lax.sliceInDim(x, n - 1, n, 1, nd - 2)], nd - 2);
  x = lax.linalg.triangularSolve(u, x, { leftSide: true, lower: false });
  return [full, lax.select(bad, zeros, x)];
}

/**
 * det through the LU factors, sign(P)·∏ diag(U), with JAX's rule d det(A) = tr(adj(A)·dA)
 * (cofactorSolve), which stays finite at singular matrices where autodiff of the LU form
 * does not.
 */
const detLU = customJvp(function det(A: JaxArray): JaxArray {
  const { lu, parity } = luParts(A);
  return lax.mul(parity, lax.reduceProd(diagOf(lu), [A.ndim - 2]));
});
detLU.defjvp(function detJvp([x]: JaxArray[], [g]: JaxArray[]) {
  const [y, z] = cofactorSolve(x!, g!);
  return [y, lax.reduceSum(diagOf(z), [z.ndim - 2])];
});

/**
 * jnp.linalg.det(a): JAX's explicit formulas for 2×2 and 3×3 matrices (polynomials, so every
 * derivative is exact), else the LU determinant with JAX's cofactor derivative rule.
 */
export function det(a: ArrayLike): JaxArray {
  const A = squareMatrix("det", a);
  const n = A.shape[A.ndim - 1];
  if (n === 2) return polynomial(A, [[1, [[0, 0], [1, 1]]], [-1, [[0, 1], [1, 0]]]]);
  if (n === 3) {
    return polynomial(A, [
      [1, [[0, 0], [1, 1], [2, 2]]],
      [1, [[0, 1], [1, 2], [2, 0]]],
      [1, [[0, 2], [1, 0], [2, 1]]],
      [-1, [[0, 2], [1, 1], [2, 0]]],
      [-1, [[0, 0], [1, 2], [2, 1]]],
      [-1, [[0, 1], [1, 0], [2, 2]]],
    ]);
  }
  return detLU(A);
}

/**
 * jnp.linalg.slogdet(a): `[sign, logabsdet]` with det = sign·exp(logabsdet), from the LU
 * factors (sign 0 and logabsdet −inf for a singular matrix).
 */
export function slogdet(a: ArrayLike): [JaxArray, JaxArray] {
  const A = squareMatrix("slogdet", a);
  const { lu, parity } = luParts(A);
  const d = diagOf(lu);
  const sign = lax.mul(parity, lax.reduceProd(lax.sign(d), [A.ndim - 2]));
  return [sign, lax.reduceSum(lax.log(lax.abs(d)), [A.ndim - 2])];
}

/** jnp.linalg.matrix_power(a, n): a to an integer power by repeated squaring (inverse for n < 0). */
export function matrixPower(a: ArrayLike, n: number): JaxArray {
  if (!Number.isInteger(n)) throw new TypeError(`exponent must be an integer, got ${n}`);
  const A0 = isArray(a) ? a : asarray(a);
  if (A0.ndim < 2 || A0.shape[A0.ndim - 1] !== A0.shape[A0.ndim - 2]) {
    throw new ValueError(`Argument to matrix_power must have shape [..., n, n], got ${npShape(A0.shape)}.`);
  }
  if (n === 0) return eyeOf(A0.shape, A0.dtype);
  let base = n < 0 ? inv(A0) : A0;
  let k = Math.abs(n);
  let acc: JaxArray | null = null;
  while (k > 0) {
    if (k & 1) acc = acc === null ? base : bmm(acc, base);
    k >>= 1;
    if (k > 0) base = bmm(base, base);
  }
  return acc!;
}

// ---- norms ----

export type NormOrd = number | "fro" | "nuc" | null;
export interface NormOpts {
  ord?: NormOrd;
  axis?: number | readonly number[] | null;
  keepdims?: boolean;
}

/** Singular values of the matrices in the last two axes, descending. */
const singularValues = (x: JaxArray): JaxArray => lax.linalg.svd(x, { computeUv: false });

function vectorNormImpl(x: JaxArray, axis: number, ord: NormOrd, keepdims: boolean): JaxArray {
  const o = { axis, keepdims };
  const ax = lax.abs(x);
  if (ord === null || ord === 2) return lax.sqrt(sum(lax.mul(x, x), o));
  if (typeof ord === "string") throw new ValueError(`Invalid order '${ord}' for vector norm.`);
  if (ord === Infinity) return max(ax, o);
  if (ord === -Infinity) return min(ax, o);
  if (ord === 0) return sum(lax.convertElementType(lax.ne(x, lax.zerosLike(x)), x.dtype), o);
  if (ord === 1) return sum(ax, o);
  return lax.pow(sum(lax.pow(ax, lax.fullLike(ax, ord)), o), 1 / ord);
}

function matrixNormImpl(x: JaxArray, r: number, c: number, ord: NormOrd, keepdims: boolean): JaxArray {
  if (r === c) throw new ValueError("Duplicate axes given.");
  const keep = (v: JaxArray, dropped: number[]) =>
    keepdims ? lax.reshape(v, x.shape.map((d, i) => (dropped.includes(i) ? 1 : d))) : v;
  const ax = lax.abs(x);
  const lineSums = (sumAxis: number, otherAxis: number, pick: typeof max) => {
    const s = lax.reduceSum(ax, [sumAxis]);
    return keep(pick(s, { axis: otherAxis > sumAxis ? otherAxis - 1 : otherAxis }), [r, c]);
  };
  switch (ord) {
    case null:
    case "fro":
      return keep(lax.sqrt(lax.reduceSum(lax.mul(x, x), [r, c])), [r, c]);
    case 1:
      return lineSums(r, c, max);
    case -1:
      return lineSums(r, c, min);
    case Infinity:
      return lineSums(c, r, max);
    case -Infinity:
      return lineSums(c, r, min);
    case 2:
    case -2:
    case "nuc": {
      const sv = singularValues(moveaxis(x, [r, c], [-2, -1]));
      const last = [sv.ndim - 1];
      const v = ord === 2 ? lax.reduceMax(sv, last) : ord === -2 ? lax.reduceMin(sv, last) : lax.reduceSum(sv, last);
      return keep(v, [r, c]);
    }
  }
  throw new ValueError("Invalid norm order for matrices.");
}

/**
 * jnp.linalg.norm(x, ord = null, { axis, keepdims }): vector norms over one axis (ord: 2
 * (default), ±Infinity, 0, 1, any p), matrix norms over two axes (ord: "fro" (default), "nuc",
 * ±1, ±2, ±Infinity), or with axis null the 2-norm of the flattened array (the vector or matrix
 * norm of a 1-D or 2-D x when ord is given), as NumPy.
 */
export function norm(x: ArrayLike, ord?: NormOrd | NormOpts, opts: NormOpts = {}): JaxArray {
  const o: NormOpts = isOptions(ord) ? (ord as NormOpts) : { ...opts, ord: (ord as NormOrd | undefined) ?? opts.ord ?? null };
  const a = asInexact(x);
  const keepdims = o.keepdims ?? false;
  const ordv = o.ord ?? null;
  let axes: number[];
  if (o.axis === null || o.axis === undefined) {
    if (ordv === null) {
      const all = Array.from({ length: a.ndim }, (_, i) => i);
      const r = lax.sqrt(lax.reduceSum(lax.mul(a, a), all));
      return keepdims ? lax.reshape(r, a.shape.map(() => 1)) : r;
    }
    if (a.ndim !== 1 && a.ndim !== 2) throw new ValueError("Improper number of dimensions to norm.");
    axes = a.ndim === 1 ? [0] : [0, 1];
  } else {
    axes = (typeof o.axis === "number" ? [o.axis] : [...o.axis]).map((v) => canonAxis(v, a.ndim));
  }
  if (axes.length === 1) return vectorNormImpl(a, axes[0]!, ordv, keepdims);
  if (axes.length === 2) return matrixNormImpl(a, axes[0]!, axes[1]!, ordv, keepdims);
  throw new ValueError("Improper number of dimensions to norm.");
}

/** jnp.linalg.vector_norm(x, { axis, keepdims, ord = 2 }): axis null flattens x. */
export function vectorNorm(x: ArrayLike, opts: { axis?: number | null; keepdims?: boolean; ord?: number } = {}): JaxArray {
  const a = asInexact(x);
  if (opts.axis === null || opts.axis === undefined) {
    const r = vectorNormImpl(lax.reshape(a, [a.size]), 0, opts.ord ?? 2, false);
    return opts.keepdims ? lax.reshape(r, a.shape.map(() => 1)) : r;
  }
  return vectorNormImpl(a, canonAxis(opts.axis, a.ndim), opts.ord ?? 2, opts.keepdims ?? false);
}

/** jnp.linalg.matrix_norm(x, { keepdims, ord = "fro" }): over the last two axes. */
export function matrixNorm(x: ArrayLike, opts: { keepdims?: boolean; ord?: NormOrd } = {}): JaxArray {
  const a = asInexact(x);
  if (a.ndim < 2) throw new ValueError(`matrix_norm requires at least 2 dimensions, got ${npShape(a.shape)}`);
  return matrixNormImpl(a, a.ndim - 2, a.ndim - 1, opts.ord ?? "fro", opts.keepdims ?? false);
}
