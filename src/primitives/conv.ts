// conv_general_dilated: XLA's Conv — an N-d convolution (really a cross-correlation) with window
// strides, explicit (lo, hi) padding, lhs dilation (transposed convolution), rhs dilation
// (atrous convolution), feature groups and batch groups, over operands laid out as the
// dimension numbers say. The record owns JAX's shape/dtype rules and wording, the bilinear jvp,
// both transpose rules (themselves convolutions, so grad composes to any order), the batching
// rule (folding the vmapped dim into the batch or feature dims, or into groups) and a reference
// kernel: im2col per (batch, group) and a register-blocked inner product.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, isBool, isFloat, itemsize, typedArrayFor } from "../core/dtypes.js";
import { type BDim, type HostBuf, type PrimitiveRules, UndefinedPrimal, isZeroTangent } from "../core/primitive.js";
import { prod, shapeStr, stridesOf } from "../core/shape.js";
import { ValueError } from "../core/errors.js";
import { bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import * as laxShape from "../lax/shape.js";
import { gemmNT } from "./dot.js";

/**
 * Which dims are which: lhsSpec = (batch, feature, spatial...), rhsSpec = (out feature, in
 * feature, spatial...), outSpec = (batch, feature, spatial...), as JAX's ConvDimensionNumbers.
 * Spatial dims correspond by position in the three specs.
 */
export interface ConvDimensionNumbers {
  lhsSpec: number[];
  rhsSpec: number[];
  outSpec: number[];
}

export type ConvParams = {
  windowStrides: number[];
  padding: [number, number][];
  lhsDilation: number[];
  rhsDilation: number[];
  dimensionNumbers: ConvDimensionNumbers;
  featureGroupCount: number;
  batchGroupCount: number;
  precision: null;
  preferredElementType: DType | null;
};

const tuple = (xs: readonly number[]): string => shapeStr(xs);
const take = (shape: readonly number[], idx: readonly number[]): number[] => idx.map((i) => shape[i]!);
/** The size of a dim of size d dilated by r (r - 1 holes between elements). */
export const dilateDim = (d: number, r: number): number => (d === 0 ? 0 : 1 + r * (d - 1));

/** JAX's _conv_general_dilated_shape_rule, checks in its order with its wording. */
function convShape(lhs: ShapedArray, rhs: ShapedArray, p: ConvParams): number[] {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const fgc = p.featureGroupCount;
  const bgc = p.batchGroupCount;
  if (lhs.ndim !== rhs.ndim) {
    throw new ValueError(
      `conv_general_dilated lhs and rhs must have the same number of dimensions, but got ${tuple(lhs.shape)} and ${tuple(rhs.shape)}.`,
    );
  }
  if (!(fgc > 0) || !Number.isInteger(fgc)) {
    throw new ValueError(`conv_general_dilated feature_group_count must be a positive integer, got ${fgc}.`);
  }
  const lhsFeatures = lhs.shape[lhsSpec[1]!]!;
  if (lhsFeatures % fgc) {
    throw new ValueError(
      `conv_general_dilated feature_group_count must divide lhs feature dimension size, but ${fgc} does not divide ${lhsFeatures}.`,
    );
  }
  const rhsIn = rhs.shape[rhsSpec[1]!]!;
  if (lhsFeatures / fgc !== rhsIn) {
    throw new ValueError(
      "conv_general_dilated lhs feature dimension size divided by feature_group_count must equal the rhs input " +
        `feature dimension size, but ${lhsFeatures} // ${fgc} != ${rhsIn}.`,
    );
  }
  const rhsOut = rhs.shape[rhsSpec[0]!]!;
  if (rhsOut % fgc) {
    throw new ValueError(
      `conv_general_dilated rhs output feature dimension size must be a multiple of feature_group_count, but ${rhsOut} is not a multiple of ${fgc}.`,
    );
  }
  if (!(bgc > 0) || !Number.isInteger(bgc)) {
    throw new ValueError(`conv_general_dilated batch_group_count must be a positive integer, got ${bgc}.`);
  }
  const lhsBatch = lhs.shape[lhsSpec[0]!]!;
  if (bgc > 1 && lhsBatch % bgc) {
    throw new ValueError(
      `conv_general_dilated batch_group_count must divide lhs batch dimension size, but ${bgc} does not divide ${lhsBatch}.`,
    );
  }
  if (rhsOut % bgc) {
    throw new ValueError(
      `conv_general_dilated rhs output feature dimension size must be a multiple of batch_group_count, but ${rhsOut} is not a multiple of ${bgc}.`,
    );
  }
  if (bgc > 1 && fgc > 1) {
    throw new ValueError(
      `At most one of batch_group_count and feature_group_count may be > 1, got batch_group_count=${bgc} and feature_group_count=${fgc}`,
    );
  }
  const nsp = rhsSpec.length - 2;
  if (nsp !== p.windowStrides.length) {
    throw new ValueError(
      `conv_general_dilated window and window_strides must have the same number of dimensions, but got ${nsp} and ${p.windowStrides.length}`,
    );
  }
  if (p.padding.length !== nsp) {
    throw new ValueError(`Wrong number of explicit pads for convolution: expected ${nsp}, got ${p.padding.length}.`);
  }
  const lhsSp = take(lhs.shape, lhsSpec.slice(2)).map((d, i) => dilateDim(d, p.lhsDilation[i]!));
  const rhsSp = take(rhs.shape, rhsSpec.slice(2)).map((d, i) => dilateDim(d, p.rhsDilation[i]!));
  const padded = lhsSp.map((d, i) => d + p.padding[i]![0] + p.padding[i]![1]);
  if (padded.some((d) => d < 0)) {
    throw new ValueError(
      `Negative padding is larger than the size of the corresponding dimension: got padding=${JSON.stringify(p.padding)} for lhs_shape[2:]=${tuple(lhsSp)}`,
    );
  }
  const outSpace = padded.map((d, i) => Math.max(0, Math.floor((d - rhsSp[i]!) / p.windowStrides[i]!) + 1));
  const outTrans = [bgc > 1 ? lhsBatch / bgc : lhsBatch, rhsOut, ...outSpace];
  // outTrans is in outSpec's order; put each size at its dim.
  const shape = new Array<number>(outSpec.length);
  outSpec.forEach((d, i) => (shape[d] = outTrans[i]!));
  return shape;
}

const bitWidth = (d: DType): number => (isBool(d) ? 1 : itemsize(d) * 8);

/** JAX's dtype rule: equal operand dtypes; preferredElementType may not narrow an integer result. */
function convDType(l: DType, r: DType, preferred: DType | null): DType {
  if (l !== r) throw new TypeError(`lax.conv_general_dilated requires arguments to have the same dtypes, got ${l}, ${r}.`);
  if (preferred === null || preferred === l) return l;
  if (!isFloat(l) && bitWidth(preferred) < bitWidth(l)) {
    throw new TypeError(
      "`preferred_element_type` must not be narrower than the original type, got preferred_element_type of " +
        `${preferred} for result type of ${l}.`,
    );
  }
  return preferred;
}

// ---- reshape helpers (JAX's _reshape_axis_out_of / _reshape_axis_into) ----

/** Splits axis `src` of x into (size1, rest), size1 major. */
export function reshapeAxisOutOf(src: number, size1: number, x: JaxArray): JaxArray {
  const shape = [...x.shape];
  shape.splice(src, 1, size1, shape[src]! / size1);
  return lax.reshape(x, shape);
}

/**
 * Merges axis `src` of x into axis `dst` (an index among the other axes), src major: the result
 * has x's rank minus one.
 */
export function reshapeAxisInto(src: number, dst: number, x: JaxArray): JaxArray {
  const perm = x.shape.map((_, i) => i).filter((i) => i !== src);
  perm.splice(dst, 0, src);
  const shape = x.shape.filter((_, i) => i !== src);
  shape[dst] = shape[dst]! * x.shape[src]!;
  return lax.reshape(lax.transpose(x, perm), shape);
}

const specTranspose = (s: readonly number[]): number[] => [s[1]!, s[0]!, ...s.slice(2)];

// ---- transpose rules ----

/** The geometry both vjp paddings start from: per spatial dim, the dilated lhs, window and output sizes. */
type PadGeometry = [
  inShape: readonly number[],
  window: readonly number[],
  strides: readonly number[],
  outShape: readonly number[],
  padding: readonly (readonly [number, number])[],
  lhsDilation: readonly number[],
  rhsDilation: readonly number[],
];

function vjpPadding(
  [inShape, window, strides, outShape, padding, lhsDilation, rhsDilation]: PadGeometry,
  pad: (lhsD: number, rhsD: number, outD: number, lo: number) => [number, number],
): [number, number][] {
  return inShape.map((d, i) =>
    pad(dilateDim(d, lhsDilation[i]!), dilateDim(window[i]!, rhsDilation[i]!), dilateDim(outShape[i]!, strides[i]!), padding[i]![0]),
  );
}

/**
 * JAX's _conv_general_vjp_lhs_padding: the padding that makes the transposed convolution (g
 * dilated by the strides, against the reversed kernel) produce exactly the lhs's dilated shape.
 */
export function vjpLhsPadding(...g: PadGeometry): [number, number][] {
  return vjpPadding(g, (lhsD, rhsD, outD, lo) => {
    const before = rhsD - lo - 1;
    return [before, lhsD + rhsD - 1 - outD - before];
  });
}

/** JAX's _conv_general_vjp_rhs_padding: lo pads are kept, hi pads make the window sizes come out. */
function vjpRhsPadding(...g: PadGeometry): [number, number][] {
  return vjpPadding(g, (lhsD, rhsD, outD, lo) => [lo, outD - lhsD + (rhsD - lo - 1)]);
}

const conv = (lhs: JaxArray, rhs: JaxArray, params: ConvParams): JaxArray => bind1(conv_general_dilated_p, [lhs, rhs], params);

/**
 * Cotangent of the lhs: g convolved with the spatially reversed kernel whose in/out feature dims
 * are swapped, with the roles of window strides and lhs dilation exchanged. Feature groups move
 * from the kernel's output features into its input features; batch groups become feature groups
 * whose result is folded back into the batch dim.
 */
function transposeLhs(g: JaxArray, lhs: ShapedArray, rhs: JaxArray, p: ConvParams): JaxArray {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const rhsShape = rhs.shape;
  let fgc = p.featureGroupCount;
  const bgc = p.batchGroupCount;
  let kernel = rhs;
  if (fgc > 1 || bgc > 1) {
    const groups = fgc > 1 ? fgc : bgc;
    kernel = reshapeAxisOutOf(rhsSpec[0]!, groups, kernel);
    kernel = reshapeAxisInto(rhsSpec[0]!, rhsSpec[1]!, kernel);
    fgc = groups;
  }
  const padding = vjpLhsPadding(
    take(lhs.shape, lhsSpec.slice(2)),
    take(rhsShape, rhsSpec.slice(2)),
    p.windowStrides,
    take(g.shape, outSpec.slice(2)),
    p.padding,
    p.lhsDilation,
    p.rhsDilation,
  );
  let revd = laxShape.rev(kernel, rhsSpec.slice(2));
  if (revd.dtype !== g.dtype) revd = lax.convertElementType(revd, g.dtype);
  let out = conv(g, revd, {
    ...p,
    windowStrides: [...p.lhsDilation],
    padding,
    lhsDilation: [...p.windowStrides],
    dimensionNumbers: { lhsSpec: [...outSpec], rhsSpec: specTranspose(rhsSpec), outSpec: [...lhsSpec] },
    featureGroupCount: fgc,
    batchGroupCount: 1,
  });
  if (out.dtype !== lhs.dtype) out = lax.convertElementType(out, lhs.dtype, lhs.weakType);
  if (bgc > 1) {
    out = reshapeAxisOutOf(lhsSpec[1]!, bgc, out);
    out = reshapeAxisInto(lhsSpec[1]!, lhsSpec[0]!, out);
  }
  return out;
}

/**
 * Cotangent of the rhs: the lhs (batch and feature dims swapped) convolved with g as the kernel,
 * with window strides and rhs dilation exchanged; feature groups become batch groups and back.
 */
function transposeRhs(g: JaxArray, lhs: JaxArray, rhs: ShapedArray, p: ConvParams): JaxArray {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  if (g.size === 0) return lax.zerosLikeAval(rhs);
  let fgc = p.featureGroupCount;
  let bgc = p.batchGroupCount;
  if (bgc > 1) [fgc, bgc] = [bgc, 1];
  else if (fgc > 1) [fgc, bgc] = [1, fgc];
  const padding = vjpRhsPadding(
    take(lhs.shape, lhsSpec.slice(2)),
    take(rhs.shape, rhsSpec.slice(2)),
    p.windowStrides,
    take(g.shape, outSpec.slice(2)),
    p.padding,
    p.lhsDilation,
    p.rhsDilation,
  );
  const l = lhs.dtype === g.dtype ? lhs : lax.convertElementType(lhs, g.dtype);
  let out = conv(l, g, {
    ...p,
    windowStrides: [...p.rhsDilation],
    padding,
    rhsDilation: [...p.windowStrides],
    dimensionNumbers: { lhsSpec: specTranspose(lhsSpec), rhsSpec: specTranspose(outSpec), outSpec: specTranspose(rhsSpec) },
    featureGroupCount: fgc,
    batchGroupCount: bgc,
  });
  if (out.dtype !== rhs.dtype) out = lax.convertElementType(out, rhs.dtype, rhs.weakType);
  return out;
}

// ---- batching ----

/**
 * JAX's _conv_general_dilated_batch_rule. Both batched: the vmapped dim joins the feature dim
 * (one more factor of feature groups; the kernels' out features grow alike), or the batch dim
 * when batch groups are in use. Only lhs batched: it joins the batch dim (inside each batch
 * group). Only rhs batched: it joins the out-feature dim (inside each group).
 */
function convBatch(lhs: JaxArray, rhs: JaxArray, lbd: BDim, rbd: BDim, p: ConvParams): [JaxArray, number] {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const fgc = p.featureGroupCount;
  const bgc = p.batchGroupCount;
  if ((lbd !== null && lhs.shape[lbd] === 0) || (rbd !== null && rhs.shape[rbd] === 0)) {
    const drop = (x: JaxArray, bd: BDim) => (bd === null ? x.shape : x.shape.filter((_, i) => i !== bd));
    const [out] = conv_general_dilated_p.abstractEval(
      [new ShapedArray(drop(lhs, lbd), lhs.dtype), new ShapedArray(drop(rhs, rbd), rhs.dtype)],
      p,
    );
    return [lax.full([0, ...out!.shape], 0, out!.dtype), 0];
  }
  if (lbd !== null && rbd !== null) {
    const size = lhs.shape[lbd]!;
    let newLhs: JaxArray;
    const q = { ...p };
    if (bgc > 1) {
      newLhs = reshapeAxisInto(lbd, lhsSpec[0]!, lhs);
      q.batchGroupCount = bgc * size;
    } else {
      newLhs = reshapeAxisInto(lbd, lhsSpec[1]!, lhs);
      q.featureGroupCount = fgc * size;
    }
    const newRhs = reshapeAxisInto(rbd, rhsSpec[0]!, rhs);
    return [reshapeAxisOutOf(outSpec[1]!, size, conv(newLhs, newRhs, q)), outSpec[1]!];
  }
  if (lbd !== null) {
    const size = lhs.shape[lbd]!;
    let newLhs: JaxArray;
    if (bgc === 1) {
      newLhs = reshapeAxisInto(lbd, lhsSpec[0]!, lhs);
    } else {
      // Batch groups must stay outermost in the batch dim: split them out, fold the vmapped dim
      // in under them, and merge back.
      newLhs = reshapeAxisOutOf(lhsSpec[0]! + (lbd <= lhsSpec[0]! ? 1 : 0), bgc, lhs);
      newLhs = reshapeAxisInto(lbd + (lhsSpec[0]! < lbd ? 1 : 0), lhsSpec[0]! + 1, newLhs);
      newLhs = reshapeAxisInto(lhsSpec[0]!, lhsSpec[0]!, newLhs);
    }
    return [reshapeAxisOutOf(outSpec[0]!, size, conv(newLhs, rhs, p)), outSpec[0]!];
  }
  const size = rhs.shape[rbd!]!;
  if (fgc === 1 && bgc === 1) {
    const newRhs = reshapeAxisInto(rbd!, rhsSpec[0]!, rhs);
    return [reshapeAxisOutOf(outSpec[1]!, size, conv(lhs, newRhs, p)), outSpec[1]!];
  }
  // Groups must stay outermost in the out-feature dim: factor them out, fold the vmapped dim
  // into the rest, put them back; the output is unscrambled the same way.
  const groups = fgc > 1 ? fgc : bgc;
  let newRhs = reshapeAxisOutOf(rhsSpec[0]! + (rbd! <= rhsSpec[0]! ? 1 : 0), groups, rhs);
  newRhs = reshapeAxisInto(rbd! + (rhsSpec[0]! < rbd! ? 1 : 0), rhsSpec[0]! + 1, newRhs);
  newRhs = reshapeAxisInto(rhsSpec[0]!, rhsSpec[0]!, newRhs);
  let out = conv(lhs, newRhs, p);
  out = reshapeAxisOutOf(outSpec[1]!, groups, out);
  out = reshapeAxisOutOf(outSpec[1]! + 1, size, out);
  out = reshapeAxisInto(outSpec[1]!, outSpec[1]! + 1, out);
  return [out, outSpec[1]!];
}

// ---- reference kernel ----

/**
 * For one spatial dim: the lhs index read by output position o and kernel tap k, or -1 where
 * that tap falls on padding or on a hole of the lhs dilation. In the padded, dilated lhs the tap
 * sits at o·stride + k·rhsDilation - padLo.
 */
function tapTable(outSize: number, win: number, inSize: number, stride: number, pad: number, lhsDil: number, rhsDil: number): Int32Array {
  const t = new Int32Array(outSize * win);
  for (let o = 0; o < outSize; o++) {
    for (let k = 0; k < win; k++) {
      const pos = o * stride + k * rhsDil - pad;
      const i = pos / lhsDil;
      t[o * win + k] = pos >= 0 && pos % lhsDil === 0 && i < inSize ? i : -1;
    }
  }
  return t;
}

/** Offsets of every spatial multi-index (row-major over `sizes`) given per-dim strides. */
export function spatialOffsets(sizes: readonly number[], strides: readonly number[]): Int32Array {
  const n = prod(sizes);
  const out = new Int32Array(n);
  const inner = stridesOf(sizes);
  for (let f = 0; f < n; f++) {
    let off = 0;
    for (let d = 0; d < sizes.length; d++) off += (Math.floor(f / inner[d]!) % sizes[d]!) * strides[d]!;
    out[f] = off;
  }
  return out;
}

/**
 * For each (output position p, kernel tap kf), the lhs spatial offset it reads (strides of the
 * lhs layout), or -1 for a zero. Independent of batch and channel, so built once.
 */
function im2colTable(outSp: number[], winSp: number[], inSp: number[], inStr: number[], p: ConvParams): Int32Array {
  const nd = outSp.length;
  const tabs = outSp.map((o, d) =>
    tapTable(o, winSp[d]!, inSp[d]!, p.windowStrides[d]!, p.padding[d]![0], p.lhsDilation[d]!, p.rhsDilation[d]!),
  );
  const P = prod(outSp);
  const KS = prod(winSp);
  const table = new Int32Array(P * KS);
  const oStr = stridesOf(outSp);
  const kStr = stridesOf(winSp);
  const oi = new Array<number>(nd);
  for (let pf = 0; pf < P; pf++) {
    for (let d = 0; d < nd; d++) oi[d] = Math.floor(pf / oStr[d]!) % outSp[d]!;
    for (let kf = 0; kf < KS; kf++) {
      let off = 0;
      for (let d = 0; d < nd; d++) {
        const i = tabs[d]![oi[d]! * winSp[d]! + (Math.floor(kf / kStr[d]!) % winSp[d]!)]!;
        if (i < 0) {
          off = -1;
          break;
        }
        off += i * inStr[d]!;
      }
      table[pf * KS + kf] = off;
    }
  }
  return table;
}

/** Rows of X per tile of the product: a tile (TILE·K doubles) stays in cache across all of W. */
const TILE = 32;

/**
 * res[o·P + p] = Σ_k W[w + o·K + k] · X[p·K + k]: the rows of X are taken in tiles that stay in
 * cache while every row of W passes over them (the register-blocked product is dot's gemmNT).
 */
function gemmTiled(W: Float64Array, w: number, X: Float64Array, res: Float64Array, M: number, P: number, K: number): void {
  for (let p0 = 0; p0 < P; p0 += TILE) {
    const p1 = Math.min(P, p0 + TILE);
    gemmNT(W, w, X, p0 * K, res, p0, M, p1 - p0, K, P);
  }
}

/**
 * The convolution over host buffers. Per output batch n and group g: gather the patches of the
 * lhs into X[p, (c, tap)] (im2col), then out[o, p] = Σ W[o, (c, tap)]·X[p, (c, tap)] for the
 * group's output features, written straight into the output layout.
 */
function convImpl(lhs: HostBuf, rhs: HostBuf, p: ConvParams, outAval: ShapedArray): TypedArray {
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const res = typedArrayFor(outAval.dtype, outAval.size);
  if (outAval.size === 0) return res;
  const lStr = stridesOf(lhs.shape);
  const rStr = stridesOf(rhs.shape);
  const oStr = stridesOf(outAval.shape);
  const inSp = take(lhs.shape, lhsSpec.slice(2));
  const winSp = take(rhs.shape, rhsSpec.slice(2));
  const outSp = take(outAval.shape, outSpec.slice(2));
  const G = Math.max(p.featureGroupCount, p.batchGroupCount);
  const C = lhs.shape[lhsSpec[1]!]!;
  const Cg = C / p.featureGroupCount;
  const O = rhs.shape[rhsSpec[0]!]!;
  const Og = O / G;
  const Nout = outAval.shape[outSpec[0]!]!;
  const KS = prod(winSp);
  const K = Cg * KS;
  const P = prod(outSp);
  // Kernel as W[o, (c, tap)].
  const W = new Float64Array(O * K);
  const kOff = spatialOffsets(winSp, take(rStr, rhsSpec.slice(2)));
  const rd = rhs.data;
  for (let o = 0; o < O; o++) {
    for (let c = 0; c < Cg; c++) {
      const base = o * rStr[rhsSpec[0]!]! + c * rStr[rhsSpec[1]!]!;
      const w = o * K + c * KS;
      for (let kf = 0; kf < KS; kf++) W[w + kf] = Number(rd[base + kOff[kf]!]!);
    }
  }
  const table = im2colTable(outSp, winSp, inSp, take(lStr, lhsSpec.slice(2)), p);
  const outOff = spatialOffsets(outSp, take(oStr, outSpec.slice(2)));
  const X = new Float64Array(P * K);
  const acc = new Float64Array(Og * P);
  const ld = lhs.data;
  const lN = lStr[lhsSpec[0]!]!;
  const lC = lStr[lhsSpec[1]!]!;
  const asBool = isBool(outAval.dtype);
  for (let n = 0; n < Nout; n++) {
    for (let g = 0; g < G; g++) {
      const nIn = p.batchGroupCount > 1 ? g * Nout + n : n;
      const c0 = p.featureGroupCount > 1 ? g * Cg : 0;
      for (let pf = 0; pf < P; pf++) {
        const t = pf * KS;
        for (let c = 0; c < Cg; c++) {
          const base = nIn * lN + (c0 + c) * lC;
          const x = pf * K + c * KS;
          for (let kf = 0; kf < KS; kf++) {
            const off = table[t + kf]!;
            X[x + kf] = off < 0 ? 0 : Number(ld[base + off]!);
          }
        }
      }
      gemmTiled(W, g * Og * K, X, acc, Og, P, K);
      for (let o = 0; o < Og; o++) {
        const ob = n * oStr[outSpec[0]!]! + (g * Og + o) * oStr[outSpec[1]!]!;
        for (let pf = 0; pf < P; pf++) {
          const v = acc[o * P + pf]!;
          res[ob + outOff[pf]!] = (asBool ? (v !== 0 ? 1 : 0) : v) as never;
        }
      }
    }
  }
  return res;
}

// ---- the record ----

export const conv_general_dilated_p: PrimitiveRules<ConvParams> = {
  name: "conv_general_dilated",
  abstractEval([lhs, rhs], params) {
    const shape = convShape(lhs!, rhs!, params);
    const dtype = convDType(lhs!.dtype, rhs!.dtype, params.preferredElementType);
    return [new ShapedArray(shape, dtype, lhs!.weakType && rhs!.weakType && params.preferredElementType === null)];
  },
  // Bilinear: d conv(x, w) = conv(dx, w) + conv(x, dw).
  jvp([lhs, rhs], [tl, tr], params) {
    const out = conv(lhs!, rhs!, params);
    if (!isFloat(out.dtype)) return [[out], [null]];
    const a = isZeroTangent(tl) ? null : conv(tl!, rhs!, params);
    const b = isZeroTangent(tr) ? null : conv(lhs!, tr!, params);
    return [[out], [a && b ? lax.add(a, b) : (a ?? b)]];
  },
  transpose([ct], [x, y], params) {
    const xu = x instanceof UndefinedPrimal;
    const yu = y instanceof UndefinedPrimal;
    if (xu && yu) throw new TypeError("conv_general_dilated transpose: both operands are linear (the function is not linear)");
    return [
      xu ? transposeLhs(ct!, x.aval, y as JaxArray, params) : null,
      yu ? transposeRhs(ct!, x as JaxArray, y.aval, params) : null,
    ];
  },
  batch([lhs, rhs], [lbd, rbd], params) {
    const [out, d] = convBatch(lhs!, rhs!, lbd!, rbd!, params);
    return [[out], [d]];
  },
  impl: ([lhs, rhs], params, [out]) => [convImpl(lhs!, rhs!, params, out!)],
};
