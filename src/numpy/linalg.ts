// jax.numpy.linalg: cholesky, qr, eigh, eigvalsh, solve, inv, det, slogdet, matrixPower and the
// norms (norm, vectorNorm, matrixNorm), composed from the lax.linalg primitives. Integer inputs
// are promoted to the default float dtype; batch dimensions lead, as in NumPy.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { defaultFloat, isFloat } from "../core/dtypes.js";
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

/** Singular values of the matrices in the last two axes: √ of the Gram matrix's eigenvalues. */
function singularValues(x: JaxArray): JaxArray {
  const m = x.shape[x.ndim - 2]!;
  const n = x.shape[x.ndim - 1]!;
  const gram = m <= n ? bmm(x, mT(x)) : bmm(mT(x), x);
  const w = lax.linalg.eigh(gram, { symmetrizeInput: true })[1];
  return lax.sqrt(lax.max(w, lax.zerosLike(w)));
}

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
