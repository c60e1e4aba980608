// Linear-algebra primitives (JAX's names): cholesky, triangular_solve, lu, qr and eigh, each
// batched over leading dimensions, for float32 and float64. Every record owns its shape rule,
// its jvp (JAX's rules from jax/_src/lax/linalg.py, written with lax ops so they differentiate
// again), the transpose of triangular_solve (linear in b), a batching rule and a reference
// kernel over host arrays (float64 arithmetic, rounded to the dtype on output; kernels only
// read their inputs and return fresh arrays, so the Wasm backend can call them as routines).
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, typedArrayFor } from "../core/dtypes.js";
import { type BDim, type HostBuf, type PrimitiveRules, UndefinedPrimal } from "../core/primitive.js";
import { prod, range, shapeEq, shapeStr } from "../core/shape.js";
import { bind, bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { dotGeneral } from "../lax/reductions.js";
import { gather, pad, slice } from "../lax/shape.js";
import { broadcastedIota } from "../lax/special.js";
import { checkDTypeClass, moveBatchAxis } from "./util.js";

// ---- lax-level matrix helpers (used by the jvp rules and the wrappers) ----

/** Swaps the last two axes. */
export function mT(x: JaxArray): JaxArray {
  const p = range(x.ndim);
  p[x.ndim - 2] = x.ndim - 1;
  p[x.ndim - 1] = x.ndim - 2;
  return lax.transpose(x, p);
}

/** Matrix product over equal leading (batch) dims: [..., p, q] · [..., q, r]. */
export function bmm(a: JaxArray, b: JaxArray): JaxArray {
  const nd = a.ndim;
  const batch = range(nd - 2);
  return dotGeneral(a, b, [[[nd - 1], [nd - 2]], [batch, batch]]);
}

/** Mask of the entries (i, j) of the last two axes with j - i <= k (tril) or j - i >= k (triu). */
function triMask(shape: readonly number[], k: number, lower: boolean): JaxArray {
  const nd = shape.length;
  const rows = broadcastedIota("int32", shape, nd - 2);
  const cols = broadcastedIota("int32", shape, nd - 1);
  const diff = lax.sub(cols, rows);
  return lower ? lax.le(diff, lax.full(shape, k, "int32")) : lax.ge(diff, lax.full(shape, k, "int32"));
}

/** The lower triangle of the last two axes (entries with j <= i + k), zeros elsewhere. */
export const tril = (x: JaxArray, k = 0): JaxArray => lax.select(triMask(x.shape, k, true), x, lax.zerosLike(x));
/** The upper triangle of the last two axes (entries with j >= i + k), zeros elsewhere. */
export const triu = (x: JaxArray, k = 0): JaxArray => lax.select(triMask(x.shape, k, false), x, lax.zerosLike(x));

/** Identity matrices of `shape` [..., n, m] (ones where row = column). */
export function eyeOf(shape: readonly number[], dtype: DType): JaxArray {
  const nd = shape.length;
  const eq = lax.eq(broadcastedIota("int32", shape, nd - 2), broadcastedIota("int32", shape, nd - 1));
  return lax.convertElementType(eq, dtype);
}

/** The diagonal of the last two axes of a square [..., n, n] array, as [..., n]. */
export function diagOf(x: JaxArray): JaxArray {
  return lax.reduceSum(lax.mul(x, eyeOf(x.shape, x.dtype)), [x.ndim - 1]);
}

/** Rows of x [..., m, n] permuted by perm [..., m] (int32): out[..., i, :] = x[..., perm[i], :]. */
export function permuteRows(x: JaxArray, perm: JaxArray): JaxArray {
  const nd = x.ndim;
  const batch = range(nd - 2);
  return gather(
    x,
    lax.reshape(perm, [...perm.shape, 1]),
    {
      offsetDims: [nd - 1],
      collapsedSliceDims: [nd - 2],
      startIndexMap: [nd - 2],
      operandBatchingDims: batch,
      startIndicesBatchingDims: batch,
    },
    [...batch.map(() => 1), 1, x.shape[nd - 1]!],
  );
}

// ---- shared rule pieces ----

function checkMatrix(name: string, a: ShapedArray, square: boolean): void {
  if (a.ndim < 2 || (square && a.shape[a.ndim - 1] !== a.shape[a.ndim - 2])) {
    throw new TypeError(`The input to ${name} must have shape [..., ${square ? "n, n" : "m, n"}], got ${shapeStr(a.shape)}`);
  }
  checkDTypeClass(name, a.dtype, "float");
}

/** Batching for single-operand decompositions: the batch dim moves to 0, a leading dim. */
function batchLeading<P extends Record<string, unknown>>(prim: () => PrimitiveRules<P>) {
  return (args: JaxArray[], dims: BDim[], params: P, size: number): [JaxArray[], BDim[]] => {
    const outs = bind(prim(), [moveBatchAxis(args[0]!, dims[0]!, 0, size)], params);
    return [outs, outs.map(() => 0)];
  };
}

/** Runs `f` on each [m, n] matrix of a batch (as float64), collecting its outputs' data. */
function perMatrix(x: HostBuf, outAvals: ShapedArray[], f: (a: Float64Array, m: number, n: number) => (Float64Array | Int32Array)[]): TypedArray[] {
  const m = x.shape[x.shape.length - 2]!;
  const n = x.shape[x.shape.length - 1]!;
  const batch = prod(x.shape.slice(0, -2));
  const outs = outAvals.map((a) => typedArrayFor(a.dtype, a.size));
  const sizes = outAvals.map((a) => prod(a.shape.slice(x.shape.length - 2)));
  for (let b = 0; b < batch; b++) {
    const a = Float64Array.from(x.data.subarray(b * m * n, (b + 1) * m * n) as ArrayLike<number>, Number);
    f(a, m, n).forEach((r, i) => outs[i]!.set(r, b * sizes[i]!));
  }
  return outs;
}

// ---- cholesky ----

/** Lower Cholesky factor from the lower triangle of an n×n matrix; all NaN if not positive definite. */
function choleskyKernel(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= l[j * n + k]! * l[j * n + k]!;
    if (!(s > 0)) return l.fill(NaN);
    const d = Math.sqrt(s);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = t / d;
    }
  }
  return l;
}

export const cholesky_p: PrimitiveRules<Record<string, never>> = {
  name: "cholesky",
  abstractEval([a]) {
    checkMatrix("cholesky", a!, true);
    return [new ShapedArray(a!.shape, a!.dtype, false)];
  },
  /**
   * Murray's forward rule (arXiv:1602.07527): with Σ = L Lᵀ, L̇ = L Φ(L⁻¹ Σ̇ L⁻ᵀ), where Φ takes
   * the lower triangle and halves the diagonal.
   */
  jvp([x], [sd]) {
    const l = bind1(cholesky_p, [x!]);
    const tmp = triangularSolve(l, sd!, { leftSide: false, lower: true, transposeA: true, conjugateA: true, unitDiagonal: false });
    const inner = triangularSolve(l, tmp, { leftSide: true, lower: true, transposeA: false, conjugateA: false, unitDiagonal: false });
    const halfDiag = lax.add(lax.fullLike(inner, 1), eyeOf(inner.shape, inner.dtype));
    const phi = lax.div(tril(inner), halfDiag);
    return [[l], [bmm(l, phi)]];
  },
  transpose: null,
  batch: batchLeading(() => cholesky_p),
  impl([x], _p, outAvals) {
    return perMatrix(x!, outAvals, (a, n) => [choleskyKernel(a, n)]);
  },
};

// ---- triangular_solve ----

export type TriangularSolveParams = {
  leftSide: boolean;
  lower: boolean;
  transposeA: boolean;
  conjugateA: boolean;
  unitDiagonal: boolean;
};

/** The solve as a lax-level function (used by the jvp rules). */
export function triangularSolve(a: JaxArray, b: JaxArray, params: TriangularSolveParams): JaxArray {
  return bind1(triangular_solve_p, [a, b], params);
}

/**
 * Solves T X = B in place (B is k×cols, row-major) for a triangular k×k T given by `t(i, j)`,
 * lower or upper, by forward or back substitution.
 */
function substitute(t: (i: number, j: number) => number, tLower: boolean, unit: boolean, k: number, b: Float64Array, cols: number): void {
  for (let step = 0; step < k; step++) {
    const i = tLower ? step : k - 1 - step;
    const d = unit ? 1 : t(i, i);
    for (let c = 0; c < cols; c++) {
      let s = b[i * cols + c]!;
      if (tLower) for (let j = 0; j < i; j++) s -= t(i, j) * b[j * cols + c]!;
      else for (let j = i + 1; j < k; j++) s -= t(i, j) * b[j * cols + c]!;
      b[i * cols + c] = s / d;
    }
  }
}

/** op(A) X = B (left) or X op(A) = B (right), reading only A's `lower`/upper triangle. */
function triangularSolveKernel(a: Float64Array, b: Float64Array, k: number, m: number, n: number, p: TriangularSolveParams): Float64Array {
  // op(A)(i, j); op(A) is lower when A's triangle is lower and not transposed (or upper and transposed).
  const opA = p.transposeA ? (i: number, j: number) => a[j * k + i]! : (i: number, j: number) => a[i * k + j]!;
  const opLower = p.lower !== p.transposeA;
  if (p.leftSide) {
    const x = Float64Array.from(b);
    substitute(opA, opLower, p.unitDiagonal, k, x, n);
    return x;
  }
  // X op(A) = B  ⇔  op(A)ᵀ Xᵀ = Bᵀ.
  const xt = new Float64Array(n * m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) xt[j * m + i] = b[i * n + j]!;
  substitute((i, j) => opA(j, i), !opLower, p.unitDiagonal, k, xt, m);
  const x = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) x[i * n + j] = xt[j * m + i]!;
  return x;
}

export const triangular_solve_p: PrimitiveRules<TriangularSolveParams> = {
  name: "triangular_solve",
  abstractEval([a, b], { leftSide }) {
    if (a!.ndim < 2) throw new TypeError(`triangular_solve requires a.ndim to be at least 2, got ${a!.ndim}.`);
    if (b!.ndim < 2) throw new TypeError(`triangular_solve requires b.ndim to be at least 2, got ${b!.ndim}.`);
    if (a!.shape[a!.ndim - 1] !== a!.shape[a!.ndim - 2]) {
      throw new TypeError(`triangular_solve requires the last two dimensions of a to be equal in size, got a.shape of ${shapeStr(a!.shape)}.`);
    }
    if (!shapeEq(a!.shape.slice(0, -2), b!.shape.slice(0, -2))) {
      throw new TypeError(
        `triangular_solve requires both arguments to have the same number of dimensions and equal batch dimensions, got ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}.`,
      );
    }
    if (a!.shape[a!.ndim - 1] !== b!.shape[b!.ndim - (leftSide ? 2 : 1)]) {
      throw new TypeError(`Incompatible shapes for arguments to triangular_solve: ${shapeStr(a!.shape)} and ${shapeStr(b!.shape)}.`);
    }
    checkDTypeClass("triangular_solve", a!.dtype, "float");
    if (a!.dtype !== b!.dtype) {
      throw new TypeError(`triangular_solve requires arguments to have the same dtypes, got ${a!.dtype}, ${b!.dtype}.`);
    }
    return [new ShapedArray(b!.shape, b!.dtype, false)];
  },
  /**
   * Linear in b; in A, d(op(A)⁻¹ B) = −op(A)⁻¹ op(Ȧ) X for the left solve and −X op(Ȧ) op(A)⁻¹
   * for the right one, with Ȧ restricted to the referenced triangle (strictly, for a unit
   * diagonal). The products are ordered to keep the intermediate small, as JAX does.
   */
  jvp([a, b], [ta, tb], params) {
    const x = triangularSolve(a!, b!, params);
    const { leftSide, lower, transposeA, unitDiagonal } = params;
    const k = unitDiagonal ? 1 : 0;
    let ga = lax.neg(lower ? tril(ta!, -k) : triu(ta!, k));
    if (transposeA) ga = mT(ga);
    const inv = (rhs: JaxArray) => triangularSolve(a!, rhs, params);
    const m = b!.shape[b!.ndim - 2]!;
    const n = b!.shape[b!.ndim - 1]!;
    let da: JaxArray;
    if (leftSide) da = m > n ? inv(bmm(ga, x)) : bmm(inv(ga), x);
    else da = m < n ? inv(bmm(x, ga)) : bmm(x, inv(ga));
    return [[x], [lax.add(da, inv(tb!))]];
  },
  /** The cotangent of b is the solve with the transposed matrix: op(A)⁻ᵀ applied to ct. */
  transpose([ct], [a, b], params) {
    if (a instanceof UndefinedPrimal) throw new TypeError("triangular_solve transpose: a must not be linear (the function is not linear in a)");
    if (!(b instanceof UndefinedPrimal)) return [null, null];
    return [null, triangularSolve(a!, ct!, { ...params, transposeA: !params.transposeA })];
  },
  batch([a, b], [da, db], params, size) {
    const out = triangularSolve(moveBatchAxis(a!, da!, 0, size), moveBatchAxis(b!, db!, 0, size), params);
    return [[out], [0]];
  },
  impl([a, b], params, [out]) {
    const k = a!.shape[a!.shape.length - 1]!;
    const m = b!.shape[b!.shape.length - 2]!;
    const n = b!.shape[b!.shape.length - 1]!;
    const batch = prod(b!.shape.slice(0, -2));
    const res = typedArrayFor(out!.dtype, out!.size);
    for (let i = 0; i < batch; i++) {
      const am = Float64Array.from(a!.data.subarray(i * k * k, (i + 1) * k * k) as ArrayLike<number>, Number);
      const bm = Float64Array.from(b!.data.subarray(i * m * n, (i + 1) * m * n) as ArrayLike<number>, Number);
      res.set(triangularSolveKernel(am, bm, k, m, n, params), i * m * n);
    }
    return [res];
  },
};

// ---- lu ----

/** LAPACK getrf: partial pivoting (first maximal |pivot|), unit-lower L and U packed in one matrix. */
function luKernel(a: Float64Array, m: number, n: number): [Float64Array, Int32Array, Int32Array] {
  const k = Math.min(m, n);
  const piv = new Int32Array(k);
  for (let j = 0; j < k; j++) {
    let p = j;
    let best = Math.abs(a[j * n + j]!);
    for (let i = j + 1; i < m; i++) {
      const v = Math.abs(a[i * n + j]!);
      if (v > best) {
        best = v;
        p = i;
      }
    }
    piv[j] = p;
    if (p !== j) {
      for (let c = 0; c < n; c++) {
        const t = a[j * n + c]!;
        a[j * n + c] = a[p * n + c]!;
        a[p * n + c] = t;
      }
    }
    const d = a[j * n + j]!;
    if (d === 0) continue;
    for (let i = j + 1; i < m; i++) {
      const f = (a[i * n + j] = a[i * n + j]! / d);
      for (let c = j + 1; c < n; c++) a[i * n + c] = a[i * n + c]! - f * a[j * n + c]!;
    }
  }
  const perm = Int32Array.from(range(m));
  for (let j = 0; j < k; j++) {
    const t = perm[j]!;
    perm[j] = perm[piv[j]!]!;
    perm[piv[j]!] = t;
  }
  return [a, piv, perm];
}

export const lu_p: PrimitiveRules<Record<string, never>> = {
  name: "lu",
  abstractEval([a]) {
    checkMatrix("lu", a!, false);
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    return [
      new ShapedArray(a!.shape, a!.dtype, false),
      new ShapedArray([...batch, Math.min(m, n)], "int32", false),
      new ShapedArray([...batch, m], "int32", false),
    ];
  },
  /**
   * De Hoog, Anderssen & Lukas: with P A = L U, L⁻¹ P Ȧ U⁻¹ = L⁻¹L̇ + U̇U⁻¹ splits into a strictly
   * lower part (L̇ = L · tril(·, −1)) and an upper part (U̇ = triu(·) · U). L is padded to m×m
   * and U to n×n with identity blocks for rectangular inputs.
   */
  jvp([a], [ad]) {
    const [lu, pivots, perm] = bind(lu_p, [a!]);
    const nd = a!.ndim;
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const zeros = batch.map(() => [0, 0, 0] as [number, number, number]);
    const x = permuteRows(ad!, perm!);
    const luCols = slice(lu!, range(nd).map(() => 0), [...batch, m, k]);
    const l = lax.add(pad(tril(luCols, -1), 0, [...zeros, [0, 0, 0], [0, m - k, 0]]), eyeOf([...batch, m, m], a!.dtype));
    const luRows = slice(lu!, range(nd).map(() => 0), [...batch, k, n]);
    const uEye = pad(eyeOf([...batch, n - k, n - k], a!.dtype), 0, [...zeros, [k, 0, 0], [k, 0, 0]]);
    const u = lax.add(pad(triu(luRows), 0, [...zeros, [0, n - k, 0], [0, 0, 0]]), uEye);
    const la = triangularSolve(l, x, { leftSide: true, lower: true, transposeA: false, conjugateA: false, unitDiagonal: true });
    const lau = triangularSolve(u, la, { leftSide: false, lower: false, transposeA: false, conjugateA: false, unitDiagonal: false });
    const luDot = lax.add(bmm(l, tril(lau, -1)), bmm(triu(lau), u));
    return [[lu!, pivots!, perm!], [luDot, null, null]];
  },
  transpose: null,
  batch: batchLeading(() => lu_p),
  impl([x], _p, outAvals) {
    return perMatrix(x!, outAvals, (a, m, n) => luKernel(a, m, n));
  },
};

// ---- qr ----

export type QrParams = { fullMatrices: boolean };

/**
 * Householder QR as LAPACK's geqrf/orgqr: reflector j maps column j below the diagonal onto
 * β e₁ with β = −sign(α)‖x‖ (LAPACK's dlarfg convention, so R's diagonal signs match NumPy's).
 */
function qrKernel(a: Float64Array, m: number, n: number, full: boolean): [Float64Array, Float64Array] {
  const k = Math.min(m, n);
  const tau = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    const alpha = a[j * n + j]!;
    let xnorm = 0;
    for (let i = j + 1; i < m; i++) xnorm = Math.hypot(xnorm, a[i * n + j]!);
    if (xnorm === 0) continue;
    const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
    tau[j] = (beta - alpha) / beta;
    const scale = 1 / (alpha - beta);
    for (let i = j + 1; i < m; i++) a[i * n + j] = a[i * n + j]! * scale;
    a[j * n + j] = beta;
    // Apply H = I − τ v vᵀ (v₀ = 1, vᵢ stored below the diagonal) to the trailing columns.
    for (let c = j + 1; c < n; c++) {
      let s = a[j * n + c]!;
      for (let i = j + 1; i < m; i++) s += a[i * n + j]! * a[i * n + c]!;
      s *= tau[j]!;
      a[j * n + c] = a[j * n + c]! - s;
      for (let i = j + 1; i < m; i++) a[i * n + c] = a[i * n + c]! - s * a[i * n + j]!;
    }
  }
  const qc = full ? m : k;
  const rr = full ? m : k;
  const r = new Float64Array(rr * n);
  for (let i = 0; i < Math.min(rr, k); i++) for (let c = i; c < n; c++) r[i * n + c] = a[i * n + c]!;
  // Q = H₀ H₁ … H_{k−1} applied to the first qc columns of the identity, innermost first.
  const q = new Float64Array(m * qc);
  for (let i = 0; i < Math.min(m, qc); i++) q[i * qc + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    if (tau[j] === 0) continue;
    for (let c = 0; c < qc; c++) {
      let s = q[j * qc + c]!;
      for (let i = j + 1; i < m; i++) s += a[i * n + j]! * q[i * qc + c]!;
      s *= tau[j]!;
      q[j * qc + c] = q[j * qc + c]! - s;
      for (let i = j + 1; i < m; i++) q[i * qc + c] = q[i * qc + c]! - s * a[i * n + j]!;
    }
  }
  return [q, r];
}

export const qr_p: PrimitiveRules<QrParams> = {
  name: "qr",
  abstractEval([a], { fullMatrices }) {
    checkMatrix("qr", a!, false);
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = fullMatrices ? m : Math.min(m, n);
    return [new ShapedArray([...batch, m, k], a!.dtype, false), new ShapedArray([...batch, k, n], a!.dtype, false)];
  },
  /**
   * Townsend's rule (j-towns.github.io/papers/qr-derivative.pdf), for m ≥ n: with
   * C = Qᵀ Ȧ R⁻¹ and Ω = tril(C, −1) − tril(C, −1)ᵀ (skew-symmetric),
   * Q̇ = Q (Ω − C) + Ȧ R⁻¹ and Ṙ = (C − Ω) R.
   */
  jvp([x], [dx], params) {
    const [m, n] = x!.shape.slice(-2) as [number, number];
    if (m < n || (params.fullMatrices && m !== n)) {
      throw new Error("NotImplementedError: Unimplemented case of QR decomposition derivative");
    }
    const [q, r] = bind(qr_p, [x!], params);
    const dxRinv = triangularSolve(r!, dx!, { leftSide: false, lower: false, transposeA: false, conjugateA: false, unitDiagonal: false });
    const c = bmm(mT(q!), dxRinv);
    const low = tril(c, -1);
    const omega = lax.sub(low, mT(low));
    const dq = lax.add(bmm(q!, lax.sub(omega, c)), dxRinv);
    const dr = bmm(lax.sub(c, omega), r!);
    return [[q!, r!], [dq, dr]];
  },
  transpose: null,
  batch: batchLeading(() => qr_p),
  impl([x], { fullMatrices }, outAvals) {
    return perMatrix(x!, outAvals, (a, m, n) => qrKernel(a, m, n, fullMatrices));
  },
};

// ---- eigh ----

export type EighParams = { lower: boolean; sortEigenvalues: boolean };

/**
 * Cyclic Jacobi eigenvalue iteration on the symmetric matrix given by one triangle of `a`.
 * Returns eigenvectors (columns, each signed so that its largest-magnitude entry is positive)
 * and eigenvalues, ascending when `sort`.
 */
function eighKernel(a: Float64Array, n: number, lower: boolean, sort: boolean): [Float64Array, Float64Array] {
  const s = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const v = lower ? a[i * n + j]! : a[j * n + i]!;
      s[i * n + j] = v;
      s[j * n + i] = v;
    }
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += s[i]! * s[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += s[p * n + q]! * s[p * n + q]!;
    if (!(off > 1e-32 * total)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = s[p * n + q]!;
        if (apq === 0) continue;
        // The rotation (c, s) zeroes s[p][q]: t = tan θ, the smaller root of t² + 2θ' t − 1 = 0.
        const theta = (s[q * n + q]! - s[p * n + p]!) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const sn = t * c;
        for (let k = 0; k < n; k++) {
          const akp = s[k * n + p]!;
          const akq = s[k * n + q]!;
          s[k * n + p] = c * akp - sn * akq;
          s[k * n + q] = sn * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = s[p * n + k]!;
          const aqk = s[q * n + k]!;
          s[p * n + k] = c * apk - sn * aqk;
          s[q * n + k] = sn * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - sn * vkq;
          v[k * n + q] = sn * vkp + c * vkq;
        }
      }
    }
  }
  const w = Float64Array.from(range(n), (i) => s[i * n + i]!);
  const order = range(n);
  if (sort) order.sort((i, j) => w[i]! - w[j]!);
  const vs = new Float64Array(n * n);
  const ws = new Float64Array(n);
  order.forEach((src, dst) => {
    ws[dst] = w[src]!;
    let big = 0;
    for (let k = 1; k < n; k++) if (Math.abs(v[k * n + src]!) > Math.abs(v[big * n + src]!)) big = k;
    const sign = v[big * n + src]! < 0 ? -1 : 1;
    for (let k = 0; k < n; k++) vs[k * n + dst] = sign * v[k * n + src]!;
  });
  return [vs, ws];
}

export const eigh_p: PrimitiveRules<EighParams> = {
  name: "eigh",
  abstractEval([a]) {
    checkMatrix("eigh", a!, true);
    return [new ShapedArray(a!.shape, a!.dtype, false), new ShapedArray(a!.shape.slice(0, -1), a!.dtype, false)];
  },
  /**
   * With A = V diag(w) Vᵀ: ẇ = diag(Vᵀ Ȧ V) and V̇ = V (F ∘ Vᵀ Ȧ V), where F_ij = 1/(w_j − w_i)
   * off the diagonal and 0 on it (built as 1/(I + w_j − w_i) − I to avoid dividing by zero).
   */
  jvp([a], [ad], params) {
    const [v, w] = bind(eigh_p, [a!], params);
    const shape = a!.shape;
    const nd = shape.length;
    const eye = eyeOf(shape, a!.dtype);
    const wj = lax.broadcastInDim(w!, shape, [...range(nd - 2), nd - 1]);
    const wi = lax.broadcastInDim(w!, shape, range(nd - 1));
    const f = lax.sub(lax.integerPow(lax.add(eye, lax.sub(wj, wi)), -1), eye);
    const vtav = bmm(bmm(mT(v!), ad!), v!);
    const dv = bmm(v!, lax.mul(f, vtav));
    const dw = diagOf(vtav);
    return [[v!, w!], [dv, dw]];
  },
  transpose: null,
  batch: batchLeading(() => eigh_p),
  impl([x], { lower, sortEigenvalues }, outAvals) {
    return perMatrix(x!, outAvals, (a, n) => eighKernel(a, n, lower, sortEigenvalues));
  },
};
