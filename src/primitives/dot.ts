// dot_general: tensor contraction with batch and contracting dimensions (XLA's DotGeneral).
// Output dims are ordered as XLA orders them: batch dims, then the lhs free dims, then the rhs
// free dims. The record owns JAX's shape/dtype rules and wording, the bilinear jvp, both
// transpose rules, the batching rule and a reference kernel that lays the operands out as
// [batch, free, contract] so the innermost loop is a dot product over contiguous memory.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, isBool, isFloat, isUnsignedInt, itemsize, typedArrayFor } from "../core/dtypes.js";
import { type BDim, type HostBuf, type PrimitiveRules, UndefinedPrimal, isZeroTangent } from "../core/primitive.js";
import { prod, shapeStr, stridesOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";

/** ((lhs_contracting, rhs_contracting), (lhs_batch, rhs_batch)), as in JAX. */
export type DotDimensionNumbers = [[number[], number[]], [number[], number[]]];

export type DotGeneralParams = {
  dimensionNumbers: DotDimensionNumbers;
  precision: null;
  preferredElementType: DType | null;
};

const tuple = (xs: readonly number[]): string => shapeStr(xs);

/** The dims of 0..ndim-1 that are in none of `exclude`, in order. */
function remaining(ndim: number, ...exclude: (readonly number[])[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < ndim; i++) if (!exclude.some((e) => e.includes(i))) out.push(i);
  return out;
}

function argsort(xs: readonly number[]): number[] {
  return xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
}

/** JAX's _dot_general_shape_rule: checks in JAX's order, with its wording. */
function dotShape(lhs: ShapedArray, rhs: ShapedArray, dn: DotDimensionNumbers): number[] {
  const [[lc, rc], [lb, rb]] = dn;
  const inRange = (ds: number[], nd: number) => ds.every((d) => Number.isInteger(d) && d >= 0 && d < nd);
  if (!inRange(lc, lhs.ndim) || !inRange(lb, lhs.ndim)) {
    throw new TypeError(
      "dot_general requires lhs dimension numbers to be nonnegative and less than the number of axes of the lhs " +
        `value, got lhs_batch of ${tuple(lb)} and lhs_contracting of ${tuple(lc)} for lhs of rank ${lhs.ndim}`,
    );
  }
  if (!inRange(rc, rhs.ndim) || !inRange(rb, rhs.ndim)) {
    throw new TypeError(
      "dot_general requires rhs dimension numbers to be nonnegative and less than the number of axes of the rhs " +
        `value, got rhs_batch of ${tuple(rb)} and rhs_contracting of ${tuple(rc)} for rhs of rank ${rhs.ndim}`,
    );
  }
  if (lb.length !== rb.length) {
    throw new TypeError(
      `dot_general requires equal numbers of lhs_batch and rhs_batch dimensions, got lhs_batch ${tuple(lb)} and rhs_batch ${tuple(rb)}.`,
    );
  }
  const distinct = (ds: number[]) => new Set(ds).size === ds.length;
  if (!distinct(lb)) throw new TypeError(`dot_general requires lhs batch dimensions to be distinct, got lhs_batch ${tuple(lb)}.`);
  if (!distinct(rb)) throw new TypeError(`dot_general requires rhs batch dimensions to be distinct, got rhs_batch ${tuple(rb)}.`);
  if (!distinct(lc)) {
    throw new TypeError(`dot_general requires lhs contracting dimensions to be distinct, got lhs_contracting ${tuple(lc)}.`);
  }
  if (!distinct(rc)) {
    throw new TypeError(`dot_general requires rhs contracting dimensions to be distinct, got rhs_contracting ${tuple(rc)}.`);
  }
  if (lc.some((d) => lb.includes(d))) {
    throw new TypeError(
      `dot_general requires lhs batch dimensions to be disjoint from contracting dimensions, got lhs_batch ${tuple(lb)} and lhs_contracting ${tuple(lc)}.`,
    );
  }
  if (rc.some((d) => rb.includes(d))) {
    throw new TypeError(
      `dot_general requires rhs batch dimensions to be disjoint from contracting dimensions, got rhs_batch ${tuple(rb)} and rhs_contracting ${tuple(rc)}.`,
    );
  }
  const lbs = lb.map((i) => lhs.shape[i]!);
  const rbs = rb.map((i) => rhs.shape[i]!);
  if (lbs.some((d, i) => d !== rbs[i])) {
    throw new TypeError(
      `dot_general requires lhs batch dimensions and rhs batch dimensions to have the same shape, got ${tuple(lbs)} and ${tuple(rbs)}.`,
    );
  }
  const lcs = lc.map((i) => lhs.shape[i]!);
  const rcs = rc.map((i) => rhs.shape[i]!);
  if (lc.length !== rc.length || lcs.some((d, i) => d !== rcs[i])) {
    throw new TypeError(
      `dot_general requires contracting dimensions to have the same shape, got ${tuple(lcs)} and ${tuple(rcs)}.`,
    );
  }
  return [
    ...lbs,
    ...remaining(lhs.ndim, lc, lb).map((i) => lhs.shape[i]!),
    ...remaining(rhs.ndim, rc, rb).map((i) => rhs.shape[i]!),
  ];
}

const bitWidth = (d: DType): number => (isBool(d) ? 1 : itemsize(d) * 8);

/**
 * JAX's _dot_general_dtype_rule (after XLA's HigherPrecisionType): mixed operand dtypes give the
 * one with more exponent, then mantissa, then bits, then signedness; `preferredElementType`
 * overrides it but may not narrow an integer result.
 */
function dotDType(l: DType, r: DType, preferred: DType | null): DType {
  const props = (d: DType): number[] => [
    d === "float64" ? 1024 : d === "float32" ? 128 : -1,
    d === "float64" ? 52 : d === "float32" ? 23 : -1,
    bitWidth(d),
    isUnsignedInt(d) ? 0 : 1,
  ];
  const a = props(l);
  const b = props(r);
  const cmp = a.map((v, i) => v - b[i]!).find((v) => v !== 0) ?? 0;
  if (cmp === 0 && l !== r) throw new TypeError(`lax.dot_general argument type error: ${l}, ${r}`);
  const result = cmp >= 0 ? l : r;
  if (preferred === null || preferred === result) return result;
  if (!isFloat(result) && bitWidth(preferred) < bitWidth(result)) {
    throw new TypeError(
      "`preferred_element_type` must not be narrower than the original type, got preferred_element_type of " +
        `${preferred} for result type of ${result}.`,
    );
  }
  return preferred;
}

// ---- transpose rules ----

/** Consecutive index ranges with the given lengths: ranges_like([a,b],[c]) = [[0,1],[2]]. */
function rangesLike(...xs: (readonly number[])[]): number[][] {
  let start = 0;
  return xs.map((x) => {
    const r = x.map((_, i) => start + i);
    start += x.length;
    return r;
  });
}

/**
 * JAX's _dot_general_transpose_lhs: the cotangent of x in dot_general(x, y) is g contracted with
 * y over y's free dims (batching over the batch dims), which leaves x's batch dims, x's free
 * dims and then x's contracting dims in the order of y's sorted contracting dims; a transpose
 * puts them back into x's order. `swapAns` says x was the rhs (its free dims come last in g).
 */
function transposeLhs(
  g: JaxArray,
  x: ShapedArray,
  y: JaxArray,
  dn: DotDimensionNumbers,
  preferredElementType: DType | null,
  swapAns: boolean,
): JaxArray {
  const [[xc, yc], [xb, yb]] = dn;
  const xKept = remaining(x.ndim, xc, xb);
  const yKept = remaining(y.ndim, yc, yb);
  // Where g keeps the batch dims and y's free dims.
  let ansBatch: number[];
  let ansY: number[];
  if (swapAns) [ansBatch, ansY] = rangesLike(xb, yKept, xKept) as [number[], number[]];
  else [ansBatch, , ansY] = rangesLike(xb, xKept, yKept) as [number[], number[], number[]];
  const dims: DotDimensionNumbers = [[ansY, yKept], [ansBatch, [...yb]]];
  const xcSortedByY = argsort(yc).map((i) => xc[i]!);
  const outAxes = argsort([...xb, ...xKept, ...xcSortedByY]);
  const out = bind1(dot_general_p, [g, y], { dimensionNumbers: dims, precision: null, preferredElementType });
  const xBar = lax.transpose(out, outAxes);
  return xBar.dtype === x.dtype ? xBar : lax.convertElementType(xBar, x.dtype, x.weakType);
}

// ---- batching ----

/**
 * JAX's _dot_general_batch_dim_nums: when both operands are batched the vmapped dims become a
 * new leading dot_general batch dim; when only one is, its vmapped dim becomes one more free
 * dim of that side. Returns the new dimension numbers and the output's batch dim.
 */
function batchDimNums(lhsNdim: number, rhsNdim: number, lbd: BDim, rbd: BDim, dn: DotDimensionNumbers): [DotDimensionNumbers, number] {
  let [[lc, rc], [lb, rb]] = dn;
  const bump = (ds: number[], b: number) => ds.map((d) => (d >= b ? d + 1 : d));
  let outDim: number;
  if (lbd !== null && rbd !== null) {
    lb = [lbd, ...bump(lb, lbd)];
    rb = [rbd, ...bump(rb, rbd)];
    lc = bump(lc, lbd);
    rc = bump(rc, rbd);
    outDim = 0;
  } else if (lbd !== null) {
    // Free dims of the unbatched lhs that come before the vmapped dim keep their order.
    const lhsFree = remaining(lhsNdim - 1, lb, lc);
    outDim = lb.length + lhsFree.filter((d) => d < lbd).length;
    lb = bump(lb, lbd);
    lc = bump(lc, lbd);
  } else {
    const rhsFree = remaining(rhsNdim - 1, rb, rc);
    outDim = lhsNdim - lc.length + rhsFree.filter((d) => d < rbd!).length;
    rb = bump(rb, rbd!);
    rc = bump(rc, rbd!);
  }
  return [[[lc, rc], [lb, rb]], outDim];
}

// ---- reference kernel ----

/** Copies `data` of `shape` into the layout of transpose(x, perm) (no copy for the identity). */
function permuted(data: TypedArray, shape: readonly number[], perm: readonly number[]): TypedArray {
  if (perm.every((p, i) => p === i) || data.length === 0) return data;
  const nd = perm.length;
  const istr = stridesOf(shape);
  const oshape = perm.map((p) => shape[p]!);
  const step = perm.map((p) => istr[p]!);
  const out = new (data.constructor as new (n: number) => TypedArray)(data.length);
  const idx = new Array<number>(nd).fill(0);
  const lastN = oshape[nd - 1]!;
  const lastStep = step[nd - 1]!;
  let off = 0;
  let o = 0;
  for (;;) {
    for (let j = 0, s = off; j < lastN; j++, s += lastStep) out[o++] = data[s]!;
    let k = nd - 2;
    for (; k >= 0; k--) {
      off += step[k]!;
      if (++idx[k]! < oshape[k]!) break;
      off -= step[k]! * oshape[k]!;
      idx[k] = 0;
    }
    if (k < 0) return out;
  }
}

function dotImpl(lhs: HostBuf, rhs: HostBuf, dn: DotDimensionNumbers, out: ShapedArray): TypedArray {
  const [[lc, rc], [lb, rb]] = dn;
  const lf = remaining(lhs.shape.length, lc, lb);
  const rf = remaining(rhs.shape.length, rc, rb);
  const L = permuted(lhs.data, lhs.shape, [...lb, ...lf, ...lc]);
  const R = permuted(rhs.data, rhs.shape, [...rb, ...rf, ...rc]);
  const B = prod(lb.map((i) => lhs.shape[i]!));
  const M = prod(lf.map((i) => lhs.shape[i]!));
  const N = prod(rf.map((i) => rhs.shape[i]!));
  const K = prod(lc.map((i) => lhs.shape[i]!));
  const res = typedArrayFor(out.dtype, out.size);
  const d = out.dtype;
  if (d === "int32" || d === "uint32") {
    // 32-bit integer products and sums wrap, as in XLA.
    for (let b = 0; b < B; b++) {
      for (let m = 0; m < M; m++) {
        const lo = (b * M + m) * K;
        const oo = (b * M + m) * N;
        for (let n = 0; n < N; n++) {
          const ro = (b * N + n) * K;
          let s = 0;
          for (let k = 0; k < K; k++) s = (s + Math.imul(L[lo + k]!, R[ro + k]!)) | 0;
          res[oo + n] = s;
        }
      }
    }
    return res;
  }
  if (d === "bool") {
    for (let b = 0; b < B; b++) {
      for (let m = 0; m < M; m++) {
        const lo = (b * M + m) * K;
        for (let n = 0; n < N; n++) {
          const ro = (b * N + n) * K;
          let s = 0;
          for (let k = 0; k < K && !s; k++) s = L[lo + k]! && R[ro + k]! ? 1 : 0;
          res[(b * M + m) * N + n] = s;
        }
      }
    }
    return res;
  }
  for (let b = 0; b < B; b++) gemmNT(L, b * M * K, R, b * N * K, res, b * M * N, M, N, K);
  return res;
}

/**
 * res[o + m·ldo + n] = Σ_k L[l + m·K + k] · R[r + n·K + k] for floats (and narrow ints, exact in
 * doubles), accumulating in doubles. A 2×4 register block reads each loaded element of L four
 * times and each of R twice, which roughly triples the speed of the plain dot-product loop.
 * (Also the inner product of the convolution's reference kernel.)
 */
export function gemmNT(
  L: ArrayLike<number>, l: number, R: ArrayLike<number>, r: number, res: TypedArray, o: number,
  M: number, N: number, K: number, ldo = N,
): void {
  let m = 0;
  for (; m + 1 < M; m += 2) {
    const a0 = l + m * K;
    const a1 = a0 + K;
    const o0 = o + m * ldo;
    const o1 = o0 + ldo;
    let n = 0;
    for (; n + 3 < N; n += 4) {
      const r0 = r + n * K;
      const r1 = r0 + K;
      const r2 = r1 + K;
      const r3 = r2 + K;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      for (let k = 0; k < K; k++) {
        const x0 = L[a0 + k]!;
        const x1 = L[a1 + k]!;
        const y0 = R[r0 + k]!;
        const y1 = R[r1 + k]!;
        const y2 = R[r2 + k]!;
        const y3 = R[r3 + k]!;
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      res[o0 + n] = s00;
      res[o0 + n + 1] = s01;
      res[o0 + n + 2] = s02;
      res[o0 + n + 3] = s03;
      res[o1 + n] = s10;
      res[o1 + n + 1] = s11;
      res[o1 + n + 2] = s12;
      res[o1 + n + 3] = s13;
    }
    for (; n < N; n++) {
      const rn = r + n * K;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < K; k++) {
        const y = R[rn + k]!;
        s0 += L[a0 + k]! * y;
        s1 += L[a1 + k]! * y;
      }
      res[o0 + n] = s0;
      res[o1 + n] = s1;
    }
  }
  for (; m < M; m++) {
    const am = l + m * K;
    for (let n = 0; n < N; n++) {
      const rn = r + n * K;
      let s = 0;
      for (let k = 0; k < K; k++) s += L[am + k]! * R[rn + k]!;
      res[o + m * ldo + n] = s;
    }
  }
}

// ---- the record ----

export const dot_general_p: PrimitiveRules<DotGeneralParams> = {
  name: "dot_general",
  abstractEval([lhs, rhs], { dimensionNumbers, preferredElementType }) {
    const shape = dotShape(lhs!, rhs!, dimensionNumbers);
    const dtype = dotDType(lhs!.dtype, rhs!.dtype, preferredElementType);
    const weak = lhs!.weakType && rhs!.weakType && preferredElementType === null;
    return [new ShapedArray(shape, dtype, weak)];
  },
  // Bilinear: d(x·y) = dx·y + x·dy.
  jvp([lhs, rhs], [tl, tr], params) {
    const out = bind1(dot_general_p, [lhs!, rhs!], params);
    if (!isFloat(out.dtype)) return [[out], [null]];
    // A term whose tangent is an instantiated zero (an input not being differentiated) is dropped.
    const a = isZeroTangent(tl) ? null : bind1(dot_general_p, [tl!, rhs!], params);
    const b = isZeroTangent(tr) ? null : bind1(dot_general_p, [lhs!, tr!], params);
    return [[out], [a && b ? lax.add(a, b) : (a ?? b)]];
  },
  transpose([ct], [x, y], { dimensionNumbers: dn, preferredElementType: pet }) {
    const xu = x instanceof UndefinedPrimal;
    const yu = y instanceof UndefinedPrimal;
    if (xu && yu) throw new TypeError("dot_general transpose: both operands are linear (the function is not linear)");
    const [[xc, yc], [xb, yb]] = dn;
    return [
      xu ? transposeLhs(ct!, x.aval, y as JaxArray, dn, pet, false) : null,
      yu ? transposeLhs(ct!, y.aval, x as JaxArray, [[yc, xc], [yb, xb]], pet, true) : null,
    ];
  },
  batch([lhs, rhs], [lbd, rbd], params) {
    const [dimensionNumbers, outDim] = batchDimNums(lhs!.ndim, rhs!.ndim, lbd!, rbd!, params.dimensionNumbers);
    return [[bind1(dot_general_p, [lhs!, rhs!], { ...params, dimensionNumbers })], [outDim]];
  },
  impl: ([lhs, rhs], { dimensionNumbers }, [out]) => [dotImpl(lhs!, rhs!, dimensionNumbers, out!)],
};
