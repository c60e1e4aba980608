// The singular value decomposition primitive `svd` (JAX's svd_p): A = U diag(s) Vh for
// [..., m, n] float32/float64 matrices, batched over leading dimensions. Outputs are
// [s, u, vh] (computeUv) or [s] alone, with s descending; u is [..., m, m] and vh [..., n, n]
// with fullMatrices, else [..., m, k] and [..., k, n] for k = min(m, n). The reference kernel is
// one-sided (Hestenes) Jacobi in float64. Sign convention: singular vectors are unique only up
// to sign (LAPACK promises no particular choice); here, for m ≥ n, each column of u that
// belongs to a nonzero singular value is signed so that its largest-magnitude entry is
// positive (for m < n, each such row of vh), and the matching vector follows from A v = s u.
import { ShapedArray } from "../core/aval.js";
import { typedArrayFor } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { prod, range, shapeStr } from "../core/shape.js";
import { bind } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { bmm, diagOf, eyeOf, mT } from "./linalg.js";
import { checkDTypeClass, moveBatchAxis } from "./util.js";

export type SvdParams = { fullMatrices: boolean; computeUv: boolean; subsetByIndex: null };

/**
 * Thin SVD of a tall matrix a (rows × cols, rows ≥ cols, row-major) by one-sided Jacobi:
 * plane rotations applied on the right orthogonalize a's columns (A V = W), accumulating V;
 * then s_j = ‖w_j‖ and u_j = w_j / s_j. Returns columns-as-rows arrays: wt[j] = u_j
 * (cols × rows), vt[j] = v_j (cols × cols), and s (cols), unsorted.
 */
function jacobiTall(a: Float64Array, rows: number, cols: number): { ut: Float64Array; vt: Float64Array; s: Float64Array } {
  const w = new Float64Array(cols * rows);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[j * rows + i] = a[i * cols + j]!;
  const v = new Float64Array(cols * cols);
  for (let j = 0; j < cols; j++) v[j * cols + j] = 1;
  const dot = (x: Float64Array, p: number, q: number, len: number) => {
    let t = 0;
    for (let i = 0; i < len; i++) t += x[p * len + i]! * x[q * len + i]!;
    return t;
  };
  const rotate = (x: Float64Array, p: number, q: number, len: number, c: number, sn: number) => {
    for (let i = 0; i < len; i++) {
      const xp = x[p * len + i]!;
      const xq = x[q * len + i]!;
      x[p * len + i] = c * xp - sn * xq;
      x[q * len + i] = sn * xp + c * xq;
    }
  };
  for (let sweep = 0; sweep < 80; sweep++) {
    let rotated = false;
    for (let p = 0; p < cols; p++) {
      for (let q = p + 1; q < cols; q++) {
        const alpha = dot(w, p, p, rows);
        const beta = dot(w, q, q, rows);
        const gamma = dot(w, p, q, rows);
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        // The rotation zeroing the (p, q) entry of the Gram matrix WᵀW: ζ = (β − α)/(2γ),
        // t = tan θ the smaller root of t² + 2ζt − 1 = 0.
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const sn = c * t;
        rotate(w, p, q, rows, c, sn);
        rotate(v, p, q, cols, c, sn);
      }
    }
    if (!rotated) break;
  }
  const s = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let nrm = 0;
    for (let i = 0; i < rows; i++) nrm = Math.hypot(nrm, w[j * rows + i]!);
    s[j] = nrm;
    if (nrm > 0) for (let i = 0; i < rows; i++) w[j * rows + i] = w[j * rows + i]! / nrm;
  }
  return { ut: w, vt: v, s };
}

/**
 * Fills the vectors (rows of x, each of length len) whose `done` flag is false with unit
 * vectors orthogonal to all others: Gram–Schmidt (twice) on the standard basis vector with the
 * largest residual.
 */
function complete(x: Float64Array, count: number, len: number, done: boolean[]): void {
  for (let j = 0; j < count; j++) {
    if (done[j]) continue;
    let best: Float64Array | null = null;
    let bestNorm = -1;
    for (let e = 0; e < len; e++) {
      const r = new Float64Array(len);
      r[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let k = 0; k < count; k++) {
          if (!done[k]) continue;
          let d = 0;
          for (let i = 0; i < len; i++) d += x[k * len + i]! * r[i]!;
          for (let i = 0; i < len; i++) r[i] = r[i]! - d * x[k * len + i]!;
        }
      }
      let nrm = 0;
      for (let i = 0; i < len; i++) nrm = Math.hypot(nrm, r[i]!);
      if (nrm > bestNorm) {
        bestNorm = nrm;
        best = r.map((t) => t / nrm);
      }
    }
    x.set(best!, j * len);
    done[j] = true;
  }
}

/**
 * SVD of one m×n matrix: [s (k), u (m × uc), vh (vr × n)] with k = min(m, n), uc = vr = k
 * (thin) or m and n (full). A wide matrix is handled through its transpose: Aᵀ = U' S V'ᵀ
 * gives A = V' S U'ᵀ.
 */
export function svdKernel(a: Float64Array, m: number, n: number, full: boolean): [Float64Array, Float64Array, Float64Array] {
  const tall = m >= n;
  const rows = tall ? m : n;
  const cols = tall ? n : m;
  let src = a;
  if (!tall) {
    src = new Float64Array(m * n);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) src[j * m + i] = a[i * n + j]!;
  }
  const { ut, vt, s } = jacobiTall(src, rows, cols);
  const order = range(cols).sort((i, j) => s[j]! - s[i]!);
  // Sorted singular vectors as rows: left (length rows, `rows` of them when full) and right.
  const lc = full ? rows : cols;
  const left = new Float64Array(lc * rows);
  const right = new Float64Array(cols * cols);
  const sv = new Float64Array(cols);
  const done = range(lc).map(() => false);
  order.forEach((src, dst) => {
    sv[dst] = s[src]!;
    let sign = 1;
    if (s[src]! > 0) {
      done[dst] = true;
      let big = 0;
      for (let i = 1; i < rows; i++) if (Math.abs(ut[src * rows + i]!) > Math.abs(ut[src * rows + big]!)) big = i;
      sign = ut[src * rows + big]! < 0 ? -1 : 1;
    }
    for (let i = 0; i < rows; i++) left[dst * rows + i] = sign * ut[src * rows + i]!;
    for (let i = 0; i < cols; i++) right[dst * cols + i] = sign * vt[src * cols + i]!;
  });
  complete(left, lc, rows, done);
  // left holds the columns of the tall factor's U (rows × lc); right the columns of V (cols × cols).
  const uTall = new Float64Array(rows * lc);
  for (let j = 0; j < lc; j++) for (let i = 0; i < rows; i++) uTall[i * lc + j] = left[j * rows + i]!;
  if (tall) return [sv, uTall, right];
  // A = V' S U'ᵀ: u = V' (m × m, m = cols here) and vh = U'ᵀ (lc × n), which is `left` as is.
  const u = new Float64Array(cols * cols);
  for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) u[i * cols + j] = right[j * cols + i]!;
  return [sv, u, left];
}

export const svd_p: PrimitiveRules<SvdParams> = {
  name: "svd",
  abstractEval([a], { fullMatrices, computeUv, subsetByIndex }) {
    if (a!.ndim < 2) throw new TypeError(`The input to svd must have shape [..., m, n], got ${shapeStr(a!.shape)}`);
    checkDTypeClass("svd", a!.dtype, "float");
    if (subsetByIndex !== null) throw new Error("NotImplementedError: svd: subsetByIndex is not supported");
    const batch = a!.shape.slice(0, -2);
    const [m, n] = a!.shape.slice(-2) as [number, number];
    const k = Math.min(m, n);
    const s = new ShapedArray([...batch, k], a!.dtype, false);
    if (!computeUv) return [s];
    return [
      s,
      new ShapedArray([...batch, m, fullMatrices ? m : k], a!.dtype, false),
      new ShapedArray([...batch, fullMatrices ? n : k, n], a!.dtype, false),
    ];
  },
  /**
   * JAX's _svd_jvp_rule (thin factors A = U S Vᵀ): with dS = Uᵀ Ȧ V, ṡ = diag(dS). For the
   * vectors, F_ij = 1/(s_j² − s_i²) off the degenerate pairs (0 where s_i² = s_j²),
   * U̇ = U (F ∘ (dS S + S dSᵀ) + ½ (dS − dSᵀ) ∘ diag(1/s)), V̇ = V (F ∘ (S dS + dSᵀ S)), plus the
   * components outside the span: (I − U Uᵀ) Ȧ V S⁻¹ for m > n, (I − V Vᵀ) Ȧᵀ U S⁻¹ for n > m.
   * Full matrices have no such rule except when square (then they equal the thin ones).
   */
  jvp([a], [da], params) {
    const [m, n] = a!.shape.slice(-2) as [number, number];
    if (params.computeUv && params.fullMatrices && m !== n) {
      throw new Error("NotImplementedError: Singular value decomposition JVP not implemented for full matrices");
    }
    const [s, u, vt] = bind(svd_p, [a!], { ...params, fullMatrices: false, computeUv: true });
    const v = mT(vt!);
    const ds = bmm(bmm(mT(u!), da!), v);
    const sDot = diagOf(ds);
    if (!params.computeUv) return [[s!], [sDot]];
    const nd = ds.ndim;
    const sq = ds.shape;
    const sRow = lax.broadcastInDim(s!, sq, [...range(nd - 2), nd - 1]); // s_j at (i, j)
    const sCol = lax.broadcastInDim(s!, sq, range(nd - 1)); // s_i at (i, j)
    const diffs = lax.mul(lax.add(sRow, sCol), lax.sub(sRow, sCol));
    const isZero = lax.convertElementType(lax.eq(diffs, lax.zerosLike(diffs)), a!.dtype);
    const f = lax.sub(lax.div(lax.fullLike(diffs, 1), lax.add(diffs, isZero)), isZero);
    const dss = lax.mul(sRow, ds);
    const sds = lax.mul(sCol, ds);
    const sZero = lax.convertElementType(lax.eq(s!, lax.zerosLike(s!)), a!.dtype);
    const sInv = lax.sub(lax.div(lax.fullLike(s!, 1), lax.add(s!, sZero)), sZero);
    const sInvMat = lax.mul(eyeOf(sq, a!.dtype), lax.broadcastInDim(sInv, sq, [...range(nd - 2), nd - 1]));
    const half = lax.mul(lax.sub(ds, mT(ds)), lax.mul(sInvMat, lax.fullLike(sInvMat, 0.5)));
    let du = bmm(u!, lax.add(lax.mul(f, lax.add(dss, mT(dss))), half));
    let dv = bmm(v, lax.mul(f, lax.add(sds, mT(sds))));
    if (m > n) {
      const dav = bmm(da!, v);
      const perp = lax.sub(dav, bmm(u!, bmm(mT(u!), dav)));
      du = lax.add(du, lax.div(perp, lax.broadcastInDim(s!, perp.shape, [...range(nd - 2), nd - 1])));
    }
    if (n > m) {
      const dau = bmm(mT(da!), u!);
      const perp = lax.sub(dau, bmm(v, bmm(vt!, dau)));
      dv = lax.add(dv, lax.div(perp, lax.broadcastInDim(s!, perp.shape, [...range(nd - 2), nd - 1])));
    }
    return [
      [s!, u!, vt!],
      [sDot, du, mT(dv)],
    ];
  },
  transpose: null,
  batch([a], [d], params, size) {
    const outs = bind(svd_p, [moveBatchAxis(a!, d!, 0, size)], params);
    return [outs, outs.map(() => 0)];
  },
  impl([x], { fullMatrices, computeUv }, outAvals) {
    const m = x!.shape[x!.shape.length - 2]!;
    const n = x!.shape[x!.shape.length - 1]!;
    const batch = prod(x!.shape.slice(0, -2));
    const outs = outAvals.map((o) => typedArrayFor(o.dtype, o.size));
    const sizes = outAvals.map((o) => prod(o.shape.slice(x!.shape.length - 2)));
    for (let b = 0; b < batch; b++) {
      const a = Float64Array.from(x!.data.subarray(b * m * n, (b + 1) * m * n) as ArrayLike<number>, Number);
      const res = svdKernel(a, m, n, fullMatrices);
      (computeUv ? res : res.slice(0, 1)).forEach((r, i) => outs[i]!.set(r, b * sizes[i]!));
    }
    return outs;
  },
};

