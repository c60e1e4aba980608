// Indexing primitives: dynamic_slice, dynamic_update_slice, gather and the scatter family
// (scatter, scatter_add, scatter_mul, scatter_min, scatter_max) with XLA's dimension numbers
// (index_vector_dim is always the last dim of the indices, as in JAX). Batching uses XLA's
// operand/indices batching dims, so batched operands and batched indices both stay one op.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, iinfo, isBool, isFloat, isInt, isUnsignedInt, typedArrayFor } from "../core/dtypes.js";
import { type BDim, type HostBuf, type PrimitiveRules, UndefinedPrimal } from "../core/primitive.js";
import { prod, range, shapeStr, stridesOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import { arrayFromData } from "../runtime/dispatch.js";
import * as lax from "../lax/core.js";
import { concatenate_p, forEachIndex, stridedCopy } from "./shape_ops.js";
import { moveBatchAxis } from "./util.js";

const isUndef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;
const list = (xs: readonly number[]): string => `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;
const plus1 = (xs: readonly number[]): number[] => xs.map((x) => x + 1);
const isIndexDType = (d: DType): boolean => isInt(d);
const clampTo = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/** How out-of-bounds indices are handled (JAX's GatherScatterMode). */
export type GatherScatterMode = "clip" | "fill" | "promise_in_bounds";

export interface GatherDimensionNumbers {
  offsetDims: number[];
  collapsedSliceDims: number[];
  startIndexMap: number[];
  operandBatchingDims: number[];
  startIndicesBatchingDims: number[];
}

export interface ScatterDimensionNumbers {
  updateWindowDims: number[];
  insertedWindowDims: number[];
  scatterDimsToOperandDims: number[];
  operandBatchingDims: number[];
  scatterIndicesBatchingDims: number[];
}

export type GatherParams = {
  dimensionNumbers: GatherDimensionNumbers;
  sliceSizes: number[];
  mode: GatherScatterMode;
  /** The value of out-of-bounds windows in "fill" mode (null: JAX's default for the dtype). */
  fillValue: number | null;
};

export type ScatterParams = {
  dimensionNumbers: ScatterDimensionNumbers;
  mode: GatherScatterMode;
  uniqueIndices: boolean;
};

/** JAX's default gather fill value: NaN for floats, the minimum of signed ints, max of unsigned. */
export function defaultFillValue(d: DType): number {
  if (isFloat(d)) return NaN;
  if (isBool(d)) return 1;
  return isUnsignedInt(d) ? iinfo(d).max : iinfo(d).min;
}

// ---- dynamic_slice / dynamic_update_slice ----

function checkScalarIndices(name: string, idx: ShapedArray[], operand: ShapedArray): void {
  if (idx.length !== operand.ndim) {
    throw new TypeError(
      `Length of slice indices must match number of operand dimensions (${idx.length} vs ${shapeStr(operand.shape)})`,
    );
  }
  if (idx.some((i) => i.ndim !== 0)) {
    throw new TypeError(
      `start_indices arguments to ${name} must be scalars, got indices ${idx.map((i) => i.str()).join(", ")}`,
    );
  }
  if (idx.some((i) => i.dtype !== idx[0]!.dtype || !isIndexDType(i.dtype))) {
    throw new TypeError(
      `index arguments to ${name} must be integers of the same type, got: ${idx.map((i) => i.dtype).join(", ")}`,
    );
  }
}

/** Starts clamped so that a window of `sizes` fits in `shape`, as XLA does. */
const clampedStarts = (idx: HostBuf[], shape: readonly number[], sizes: readonly number[]): number[] =>
  idx.map((b, k) => clampTo(Number(b.data[0]), 0, shape[k]! - sizes[k]!));

/** Stacks batched scalar indices into one [size, n] int32 index array for gather/scatter. */
function stackIndices(idx: JaxArray[], dims: BDim[], size: number): JaxArray {
  const cols = idx.map((i, k) => lax.reshape(lax.convertElementType(moveBatchAxis(i, dims[k]!, 0, size), "int32"), [size, 1]));
  return bind1(concatenate_p, cols, { dimension: 1 });
}

export const dynamic_slice_p: PrimitiveRules<{ sliceSizes: number[] }> = {
  name: "dynamic_slice",
  abstractEval([x, ...idx], { sliceSizes }) {
    if (sliceSizes.length !== x!.ndim || sliceSizes.some((s, i) => s > x!.shape[i]!)) {
      throw new TypeError(
        `slice slice_sizes must be less than or equal to operand shape, got slice_sizes ${list(sliceSizes)} for operand shape ${shapeStr(x!.shape)}.`,
      );
    }
    if (sliceSizes.some((s) => s < 0)) {
      throw new TypeError(`slice slice_sizes must be greater than or equal to zero, got slice_sizes of ${list(sliceSizes)}.`);
    }
    checkScalarIndices("dynamic_slice", idx, x!);
    return [new ShapedArray(sliceSizes, x!.dtype, x!.weakType)];
  },
  jvp([x, ...idx], [t], params) {
    return [[bind1(dynamic_slice_p, [x!, ...idx], params)], [bind1(dynamic_slice_p, [t!, ...idx], params)]];
  },
  transpose([ct], [x, ...idx]) {
    const a = (x as UndefinedPrimal).aval;
    const zeros = lax.zerosLikeAval(a);
    return [bind1(dynamic_update_slice_p, [zeros, ct!, ...(idx as JaxArray[])]), ...idx.map(() => null)];
  },
  batch([x, ...idx], [dx, ...didx], { sliceSizes }, size) {
    if (didx.every((d) => d === null)) {
      // Only the operand is batched: take the whole batch dim, starting at 0.
      const d = dx!;
      const zero = lax.scalar(0, idx[0]!.dtype);
      const ins = [...idx.slice(0, d), zero, ...idx.slice(d)];
      const sizes = [...sliceSizes.slice(0, d), size, ...sliceSizes.slice(d)];
      return [[bind1(dynamic_slice_p, [x!, ...ins], { sliceSizes: sizes })], [d]];
    }
    // Batched indices: a clamped gather of one window per batch element.
    const r = x!.ndim - (dx === null ? 0 : 1);
    const params: GatherParams = {
      dimensionNumbers: {
        offsetDims: range(r),
        collapsedSliceDims: [],
        startIndexMap: range(r),
        operandBatchingDims: [],
        startIndicesBatchingDims: [],
      },
      sliceSizes,
      mode: "clip",
      fillValue: null,
    };
    return gather_p.batch([x!, stackIndices(idx, didx, size)], [dx!, 0], params, size);
  },
  impl([x, ...idx], { sliceSizes }, [out]) {
    const starts = clampedStarts(idx, x!.shape, sliceSizes);
    const istr = stridesOf(x!.shape);
    const base = starts.reduce((acc, s, k) => acc + s * istr[k]!, 0);
    const res = typedArrayFor(out!.dtype, out!.size);
    stridedCopy(x!.data, base, istr, res, 0, stridesOf(sliceSizes), sliceSizes);
    return [res];
  },
};

export const dynamic_update_slice_p: PrimitiveRules<Record<string, never>> = {
  name: "dynamic_update_slice",
  abstractEval([x, u, ...idx]) {
    if (x!.ndim !== u!.ndim) {
      throw new TypeError(
        `dynamic_update_slice update must have the same rank as operand, got update shape ${shapeStr(u!.shape)} for operand shape ${shapeStr(x!.shape)}.`,
      );
    }
    if (u!.shape.some((d, i) => d > x!.shape[i]!)) {
      throw new TypeError(
        `dynamic_update_slice update shape must be smaller than operand shape, got update shape ${shapeStr(u!.shape)} for operand shape ${shapeStr(x!.shape)}.`,
      );
    }
    if (x!.dtype !== u!.dtype) {
      throw new TypeError(`lax.dynamic_update_slice requires arguments to have the same dtypes, got ${x!.dtype}, ${u!.dtype}.`);
    }
    checkScalarIndices("dynamic_update_slice", idx, x!);
    return [new ShapedArray(x!.shape, x!.dtype, x!.weakType && u!.weakType)];
  },
  jvp([x, u, ...idx], [tx, tu]) {
    return [[bind1(dynamic_update_slice_p, [x!, u!, ...idx])], [bind1(dynamic_update_slice_p, [tx!, tu!, ...idx])]];
  },
  transpose([ct], [x, u, ...idx]) {
    // Operand: ct with the updated window zeroed. Update: the window of ct.
    const ix = idx as JaxArray[];
    const ua = u!.aval;
    const tx = isUndef(x) ? bind1(dynamic_update_slice_p, [ct!, lax.zerosLikeAval(ua.update({ dtype: ct!.dtype })), ...ix]) : null;
    const tu = isUndef(u) ? bind1(dynamic_slice_p, [ct!, ...ix], { sliceSizes: [...ua.shape] }) : null;
    return [tx, tu, ...idx.map(() => null)];
  },
  batch([x, u, ...idx], [dx, du, ...didx], _p, size) {
    if (didx.every((d) => d === null)) {
      const zero = lax.scalar(0, idx[0]!.dtype);
      const out = bind1(dynamic_update_slice_p, [moveBatchAxis(x!, dx!, 0, size), moveBatchAxis(u!, du!, 0, size), zero, ...idx]);
      return [[out], [0]];
    }
    // Batched indices: a clamped scatter of one window per batch element.
    const r = x!.ndim - (dx === null ? 0 : 1);
    const params: ScatterParams = {
      dimensionNumbers: {
        updateWindowDims: range(r),
        insertedWindowDims: [],
        scatterDimsToOperandDims: range(r),
        operandBatchingDims: [],
        scatterIndicesBatchingDims: [],
      },
      mode: "clip",
      uniqueIndices: true,
    };
    return scatter_p.batch([x!, stackIndices(idx, didx, size), u!], [dx!, 0, du!], params, size);
  },
  impl([x, u, ...idx], _p, [out]) {
    const starts = clampedStarts(idx, x!.shape, u!.shape);
    const res = x!.data.slice();
    const istr = stridesOf(x!.shape);
    const base = starts.reduce((acc, s, k) => acc + s * istr[k]!, 0);
    stridedCopy(u!.data, 0, stridesOf(u!.shape), res, base, istr, u!.shape);
    return [res];
  },
};

// ---- gather ----

function checkSorted(dims: readonly number[], op: string, name: string): void {
  for (let i = 1; i < dims.length; i++) {
    if (dims[i]! < dims[i - 1]!) throw new TypeError(`${name} in ${op} op must be sorted; got ${list(dims)}`);
  }
}
function checkInRange(dims: readonly number[], rank: number, op: string, name: string): void {
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0 || d >= rank) {
      throw new TypeError(`Invalid ${name} set in ${op} op; valid range is [0, ${rank}); got: ${d}.`);
    }
  }
}
function checkUnique(dims: readonly number[], op: string, name: string): void {
  if (new Set(dims).size !== dims.length) throw new TypeError(`${name} in ${op} op must not repeat; got: ${list(dims)}.`);
}
function checkDisjoint(a: readonly number[], b: readonly number[], op: string, na: string, nb: string): void {
  if (a.some((d) => b.includes(d))) {
    throw new TypeError(`${na} and ${nb} in ${op} op must be disjoint; got: ${list(a)} and ${list(b)}.`);
  }
}
function checkIndices(idx: ShapedArray): void {
  if (!isIndexDType(idx.dtype)) throw new TypeError("indices must have an integer type");
  if (idx.ndim < 1) {
    throw new TypeError(
      `Gather index leaf dimension must be within [0, rank(indices) + 1). rank(indices) is ${idx.ndim} and gather index leaf dimension is -1.`,
    );
  }
}

/** Operand dims that form the window (neither collapsed/inserted nor batching), in order. */
const windowDims = (rank: number, dropped: readonly number[], batching: readonly number[]): number[] =>
  range(rank).filter((d) => !dropped.includes(d) && !batching.includes(d));

export function gatherShape(x: ShapedArray, idx: ShapedArray, p: GatherParams): number[] {
  const { offsetDims, collapsedSliceDims: collapsed, startIndexMap: sim } = p.dimensionNumbers;
  const { operandBatchingDims: obd, startIndicesBatchingDims: sibd } = p.dimensionNumbers;
  const ss = p.sliceSizes;
  checkIndices(idx);
  const ivd = idx.ndim - 1;
  checkSorted(offsetDims, "gather", "offset_dims");
  checkUnique(offsetDims, "gather", "offset_dims");
  const outRank = offsetDims.length + idx.ndim - 1;
  offsetDims.forEach((d, i) => {
    if (d < 0 || d >= outRank) {
      throw new TypeError(`Offset dimension ${i} in gather op is out of bounds; got ${d}, but should have been in [0, ${outRank})`);
    }
  });
  if (sim.length !== idx.shape[ivd]) {
    throw new TypeError(
      `Gather op has ${sim.length} elements in start_index_map and the bound of dimension index_vector_dim=${ivd} of indices is ${idx.shape[ivd]}. These two numbers must be equal.`,
    );
  }
  sim.forEach((d, i) => {
    if (d < 0 || d >= x.ndim) throw new TypeError(`Invalid start_index_map; domain is [0, ${x.ndim}), got: ${i}->${d}.`);
  });
  checkUnique(sim, "gather", "start_index_map");
  checkSorted(collapsed, "gather", "collapsed_slice_dims");
  checkInRange(collapsed, x.ndim, "gather", "collapsed_slice_dims");
  checkUnique(collapsed, "gather", "collapsed_slice_dims");
  checkUnique(obd, "gather", "operand_batching_dims");
  checkSorted(obd, "gather", "operand_batching_dims");
  checkInRange(obd, x.ndim, "gather", "operand_batching_dims");
  checkDisjoint(collapsed, obd, "gather", "collapsed_slice_dims", "operand_batching_dims");
  checkDisjoint(sim, obd, "gather", "start_index_map", "operand_batching_dims");
  checkUnique(sibd, "gather", "start_indices_batching_dims");
  checkInRange(sibd, idx.ndim, "gather", "start_indices_batching_dims");
  if (sibd.includes(ivd)) {
    throw new TypeError(`Gather op cannot have the index vector dimension as a batching dimension; got ${list(sibd)}.`);
  }
  if (obd.length !== sibd.length) {
    throw new TypeError(
      `Gather op requires equal numbers of operand_batching_dims and start_indices_batching_dims, got ${list(obd)} and ${list(sibd)}.`,
    );
  }
  const ob = obd.map((d) => x.shape[d]!);
  const ib = sibd.map((d) => idx.shape[d]!);
  if (ob.some((d, i) => d !== ib[i])) {
    throw new TypeError(
      `Gather op requires operand batching dimensions and indices batching dimensions to have the same shape, got ${shapeStr(ob)} and ${shapeStr(ib)}.`,
    );
  }
  if (ss.length !== x.ndim) {
    throw new TypeError(
      `Gather op must have one slice size for every input dimension; got: len(slice_sizes)=${ss.length}, input_shape.rank=${x.ndim}`,
    );
  }
  if (ss.length !== offsetDims.length + collapsed.length + obd.length) {
    throw new TypeError(
      `All components of the offset index in a gather op must either be a offset dimension or explicitly collapsed/batching; got len(slice_sizes)=${ss.length}, output_slice_sizes=${list(offsetDims)}, collapsed_slice_dims=${list(collapsed)}, operand_batching_dims=${list(obd)}.`,
    );
  }
  ss.forEach((s, i) => {
    if (prod(idx.shape) !== 0 && !(s >= 0 && x.shape[i]! >= s)) {
      throw new TypeError(`Slice size at index ${i} in gather op is out of range, must be within [0, ${x.shape[i]} + 1), got ${s}.`);
    }
  });
  collapsed.forEach((d, i) => {
    if (ss[d] !== 1) {
      throw new TypeError(`Gather op can only collapse slice dims with bound 1, but bound is ${ss[d]} for index ${d} at position ${i}.`);
    }
  });
  obd.forEach((d, i) => {
    if (ss[d]! > 1) {
      throw new TypeError(`Gather op can only have operand batching dims with bound 0/1, but bound is ${ss[d]} for index ${d} at position ${i}.`);
    }
  });
  const win = windowDims(x.ndim, collapsed, obd).map((d) => ss[d]!);
  const batch = idx.shape.slice(0, -1);
  let wi = 0;
  let bi = 0;
  return range(outRank).map((i) => (offsetDims.includes(i) ? win[wi++]! : batch[bi++]!));
}

/**
 * The scatter that transposes a gather (and the gather that transposes a scatter): the window
 * dims of one are the offset dims of the other.
 */
const scatterDnumsOf = (g: GatherDimensionNumbers): ScatterDimensionNumbers => ({
  updateWindowDims: g.offsetDims,
  insertedWindowDims: g.collapsedSliceDims,
  scatterDimsToOperandDims: g.startIndexMap,
  operandBatchingDims: g.operandBatchingDims,
  scatterIndicesBatchingDims: g.startIndicesBatchingDims,
});
const gatherDnumsOf = (s: ScatterDimensionNumbers): GatherDimensionNumbers => ({
  offsetDims: s.updateWindowDims,
  collapsedSliceDims: s.insertedWindowDims,
  startIndexMap: s.scatterDimsToOperandDims,
  operandBatchingDims: s.operandBatchingDims,
  startIndicesBatchingDims: s.scatterIndicesBatchingDims,
});
/** Window size of a scatter along every operand dim (1 for inserted and batching dims). */
function scatterWindowSizes(rank: number, dn: ScatterDimensionNumbers, updatesShape: readonly number[]): number[] {
  let pos = 0;
  return range(rank).map((d) =>
    dn.insertedWindowDims.includes(d) || dn.operandBatchingDims.includes(d) ? 1 : updatesShape[dn.updateWindowDims[pos++]!]!,
  );
}

/** The gather reading back, for every update element, the operand element it scatters to. */
function inverseGather(x: JaxArray, idx: JaxArray, updatesShape: readonly number[], p: ScatterParams, fillValue: number | null): JaxArray {
  const dn = p.dimensionNumbers;
  const params: GatherParams = {
    dimensionNumbers: gatherDnumsOf(dn),
    sliceSizes: scatterWindowSizes(x.ndim, dn, updatesShape),
    mode: p.mode,
    fillValue: p.mode === "fill" ? fillValue : null,
  };
  return bind1(gather_p, [x, idx], params);
}

/**
 * The flat operand offset of the window of each index vector (called with its batch position
 * `g` and its number `b`): start_index_map entries come from the indices, batching dims from
 * the batch position; starts are clamped (clip) or checked (fill/drop: null when the window is
 * not wholly in bounds).
 */
function windowOffsets(
  shape: readonly number[],
  winSize: readonly number[],
  idx: HostBuf,
  indexMap: readonly number[],
  [obd, ibd]: [readonly number[], readonly number[]],
  clip: boolean,
): (g: readonly number[], b: number) => number | null {
  const istr = stridesOf(shape);
  const nIdx = idx.shape[idx.shape.length - 1]!;
  return (g, b) => {
    let off = 0;
    for (let k = 0; k < indexMap.length; k++) {
      const d = indexMap[k]!;
      const hi = shape[d]! - winSize[d]!;
      const v = Number(idx.data[b * nIdx + k]);
      if (!clip && (v < 0 || v > hi)) return null;
      off += clampTo(v, 0, hi) * istr[d]!;
    }
    for (let i = 0; i < obd.length; i++) off += g[ibd[i]!]! * istr[obd[i]!]!;
    return off;
  };
}

export const gather_p: PrimitiveRules<GatherParams> = {
  name: "gather",
  abstractEval([x, idx], params) {
    return [new ShapedArray(gatherShape(x!, idx!, params), x!.dtype, x!.weakType)];
  },
  jvp([x, idx], [t], params) {
    const tp = { ...params, fillValue: params.mode === "fill" ? 0 : null };
    const tangent = isFloat(x!.dtype) ? bind1(gather_p, [t!, idx!], tp) : null;
    return [[bind1(gather_p, [x!, idx!], params)], [tangent]];
  },
  transpose([ct], [x, idx], { dimensionNumbers, mode }) {
    if (isUndef(idx)) throw new TypeError("gather transpose: the indices cannot be linear");
    const zeros = lax.zerosLikeAval((x as UndefinedPrimal).aval);
    const p: ScatterParams = { dimensionNumbers: scatterDnumsOf(dimensionNumbers), mode, uniqueIndices: false };
    return [bind1(scatter_add_p, [zeros, idx!, ct!], p), null];
  },
  batch([x, idx], [dx, di], params, size) {
    const dn = params.dimensionNumbers;
    if (di === null) {
      // Batched operand only: its batch dim becomes a full-size leading window dim.
      const p: GatherParams = {
        ...params,
        sliceSizes: [size, ...params.sliceSizes],
        dimensionNumbers: {
          offsetDims: [0, ...plus1(dn.offsetDims)],
          collapsedSliceDims: plus1(dn.collapsedSliceDims),
          startIndexMap: plus1(dn.startIndexMap),
          operandBatchingDims: plus1(dn.operandBatchingDims),
          startIndicesBatchingDims: dn.startIndicesBatchingDims,
        },
      };
      return [[bind1(gather_p, [moveBatchAxis(x!, dx!, 0, size), idx!], p)], [0]];
    }
    const ib = moveBatchAxis(idx!, di, 0, size);
    if (dx === null) {
      // Batched indices only: one more leading batch dim of the output.
      const p: GatherParams = {
        ...params,
        dimensionNumbers: { ...dn, offsetDims: plus1(dn.offsetDims), startIndicesBatchingDims: plus1(dn.startIndicesBatchingDims) },
      };
      return [[bind1(gather_p, [x!, ib], p)], [0]];
    }
    // Both batched: the two batch dims are paired as operand/indices batching dims.
    const p: GatherParams = {
      ...params,
      sliceSizes: [size === 0 ? 0 : 1, ...params.sliceSizes],
      dimensionNumbers: {
        offsetDims: plus1(dn.offsetDims),
        collapsedSliceDims: plus1(dn.collapsedSliceDims),
        startIndexMap: plus1(dn.startIndexMap),
        operandBatchingDims: [0, ...plus1(dn.operandBatchingDims)],
        startIndicesBatchingDims: [0, ...plus1(dn.startIndicesBatchingDims)],
      },
    };
    return [[bind1(gather_p, [moveBatchAxis(x!, dx, 0, size), ib], p)], [0]];
  },
  impl([x, idx], { dimensionNumbers: dn, sliceSizes: ss, mode, fillValue }, [out]) {
    const shape = x!.shape;
    const res = typedArrayFor(out!.dtype, out!.size);
    const istr = stridesOf(shape);
    const ostr = stridesOf(out!.shape);
    const batchPos = range(out!.ndim).filter((i) => !dn.offsetDims.includes(i));
    const win = windowDims(shape.length, dn.collapsedSliceDims, dn.operandBatchingDims);
    const winShape = win.map((d) => ss[d]!);
    const srcSteps = win.map((d) => istr[d]!);
    const dstSteps = dn.offsetDims.map((p) => ostr[p]!);
    const zeroSteps = winShape.map(() => 0);
    const fill = [fillValue ?? defaultFillValue(x!.dtype)];
    const batching: [number[], number[]] = [dn.operandBatchingDims, dn.startIndicesBatchingDims];
    const offsetOf = windowOffsets(shape, ss, idx!, dn.startIndexMap, batching, mode !== "fill");
    forEachIndex(idx!.shape.slice(0, -1), (g, b) => {
      const off = offsetOf(g, b);
      let dBase = 0;
      for (let j = 0; j < batchPos.length; j++) dBase += g[j]! * ostr[batchPos[j]!]!;
      if (off === null) stridedCopy(fill, 0, zeroSteps, res, dBase, dstSteps, winShape);
      else stridedCopy(x!.data, off, srcSteps, res, dBase, dstSteps, winShape);
    });
    return [res];
  },
};

// ---- the scatter family ----

export function checkScatter(name: string, x: ShapedArray, idx: ShapedArray, u: ShapedArray, dn: ScatterDimensionNumbers): void {
  const { updateWindowDims: uwd, insertedWindowDims: iwd, scatterDimsToOperandDims: sdod } = dn;
  const { operandBatchingDims: obd, scatterIndicesBatchingDims: sibd } = dn;
  if (!isIndexDType(idx.dtype)) throw new TypeError("indices must have an integer type");
  if (x.dtype !== u.dtype) throw new TypeError(`lax.${name} requires arguments to have the same dtypes, got ${x.dtype}, ${u.dtype}.`);
  if (idx.ndim < 1) {
    throw new TypeError(
      `Scatter index leaf dimension must be within [0, rank(indices) + 1). rank(indices) is ${idx.ndim} and scatter index leaf dimension is -1.`,
    );
  }
  const ivd = idx.ndim - 1;
  const expectedRank = idx.ndim - 1 + uwd.length;
  if (u.ndim !== expectedRank) throw new TypeError(`Updates tensor must be of rank ${expectedRank}; got ${u.ndim}.`);
  checkSorted(uwd, "scatter", "update_window_dims");
  checkUnique(uwd, "scatter", "update_window_dims");
  checkInRange(uwd, u.ndim, "scatter", "update_window_dims");
  checkSorted(iwd, "scatter", "inserted_window_dims");
  checkUnique(iwd, "scatter", "inserted_window_dims");
  checkInRange(iwd, x.ndim, "scatter", "inserted_window_dims");
  checkSorted(obd, "scatter", "operand_batching_dims");
  checkUnique(obd, "scatter", "operand_batching_dims");
  checkInRange(obd, x.ndim, "scatter", "operand_batching_dims");
  checkDisjoint(iwd, obd, "scatter", "inserted_window_dims", "operand_batching_dims");
  checkDisjoint(sdod, obd, "scatter", "scatter_dims_to_operand_dims", "operand_batching_dims");
  checkUnique(sibd, "scatter", "scatter_indices_batching_dims");
  checkInRange(sibd, idx.ndim, "scatter", "scatter_indices_batching_dims");
  if (sibd.includes(ivd)) {
    throw new TypeError(`Scatter op cannot have the index vector dimension as a batching dimension; got ${list(sibd)}.`);
  }
  if (obd.length !== sibd.length) {
    throw new TypeError(
      `Scatter op requires equal numbers of operand_batching_dims and scatter_indices_batching_dims, got ${list(obd)} and ${list(sibd)}.`,
    );
  }
  const ob = obd.map((d) => x.shape[d]!);
  const ib = sibd.map((d) => idx.shape[d]!);
  if (ob.some((d, i) => d !== ib[i])) {
    throw new TypeError(
      `Scatter op requires operand batching dimensions and indices batching dimensions to have the same shape, got ${shapeStr(ob)} and ${shapeStr(ib)}.`,
    );
  }
  const updScatterDims = range(u.ndim).filter((d) => !uwd.includes(d));
  const ub = sibd.map((d) => u.shape[updScatterDims[d]!]!);
  if (ob.some((d, i) => d !== ub[i])) {
    throw new TypeError(
      `Scatter op requires operand batching dimensions and updates batching dimensions to have the same shape, got ${shapeStr(ob)} and ${shapeStr(ub)}.`,
    );
  }
  const windowSize = uwd.length + iwd.length + obd.length;
  if (x.ndim !== windowSize) throw new TypeError(`Scatter op has window of size ${windowSize}; doesn't match operand of rank ${x.ndim}.`);
  if (sdod.length !== idx.shape[ivd]) {
    throw new TypeError(
      `Scatter op has ${sdod.length} elements in scatter_dims_to_operand_dims and the bound of dimension index_vector_dim=${ivd} of indices is ${idx.shape[ivd]}. These two numbers must be equal`,
    );
  }
  sdod.forEach((d, i) => {
    if (d < 0 || d >= x.ndim) throw new TypeError(`Invalid scatter_dims_to_operand_dims mapping; domain is [0, ${x.ndim}), got: ${i}->${d}.`);
  });
  checkUnique(sdod, "scatter", "scatter_dims_to_operand_dims");
  const maxSizes = windowDims(x.ndim, iwd, obd).map((d) => x.shape[d]!);
  uwd.forEach((d, i) => {
    if (maxSizes[i]! < u.shape[d]!) {
      throw new TypeError(
        `Bounds of the window dimensions of updates must not exceed the bounds of the corresponding dimensions of operand. For dimension ${d}, updates bound is ${u.shape[d]}, operand bound is ${maxSizes[i]}.`,
      );
    }
  });
  updScatterDims.forEach((d, j) => {
    if (u.shape[d] !== idx.shape[j]) {
      throw new TypeError(
        `Bounds of the scatter dimensions of updates must be the same as the bounds of the corresponding dimensions of scatter indices. For scatter dimension ${d}, updates bound is ${u.shape[d]}, indices bound is ${idx.shape[j]}.`,
      );
    }
  });
}

/** Reference scatter: combines each update window into a copy of the operand, in row-major order. */
function scatterImpl(
  [x, idx, u]: HostBuf[],
  { dimensionNumbers: dn, mode }: ScatterParams,
  combine: ((old: number, v: number) => number) | undefined,
): TypedArray {
  const shape = x!.shape;
  const res = x!.data.slice();
  const istr = stridesOf(shape);
  const ustr = stridesOf(u!.shape);
  const updScatterDims = range(u!.shape.length).filter((d) => !dn.updateWindowDims.includes(d));
  const win = windowDims(shape.length, dn.insertedWindowDims, dn.operandBatchingDims);
  const winShape = dn.updateWindowDims.map((p) => u!.shape[p]!);
  const winSize = scatterWindowSizes(shape.length, dn, u!.shape);
  const srcSteps = dn.updateWindowDims.map((p) => ustr[p]!);
  const dstSteps = win.map((d) => istr[d]!);
  const batching: [number[], number[]] = [dn.operandBatchingDims, dn.scatterIndicesBatchingDims];
  const offsetOf = windowOffsets(shape, winSize, idx!, dn.scatterDimsToOperandDims, batching, mode === "clip");
  forEachIndex(idx!.shape.slice(0, -1), (g, b) => {
    const off = offsetOf(g, b);
    if (off === null) return;
    let sBase = 0;
    for (let j = 0; j < updScatterDims.length; j++) sBase += g[j]! * ustr[updScatterDims[j]!]!;
    stridedCopy(u!.data, sBase, srcSteps, res, off, dstSteps, winShape, combine);
  });
  return res;
}

/** The batching rule shared by the scatter family (JAX's _scatter_batching_rule). */
function batchScatter(prim: PrimitiveRules<ScatterParams>) {
  return ([x, idx, u]: JaxArray[], [dx, di, du]: BDim[], params: ScatterParams, size: number): [JaxArray[], BDim[]] => {
    const dn = params.dimensionNumbers;
    const xb = moveBatchAxis(x!, dx!, 0, size);
    const ub = moveBatchAxis(u!, du!, 0, size);
    if (di === null) {
      // Unbatched indices: the batch dim is a full leading window dim of every update.
      const p: ScatterParams = {
        ...params,
        dimensionNumbers: {
          updateWindowDims: [0, ...plus1(dn.updateWindowDims)],
          insertedWindowDims: plus1(dn.insertedWindowDims),
          scatterDimsToOperandDims: plus1(dn.scatterDimsToOperandDims),
          operandBatchingDims: plus1(dn.operandBatchingDims),
          scatterIndicesBatchingDims: dn.scatterIndicesBatchingDims,
        },
      };
      return [[bind1(prim, [xb, idx!, ub], p)], [0]];
    }
    const p: ScatterParams = {
      ...params,
      dimensionNumbers: {
        updateWindowDims: plus1(dn.updateWindowDims),
        insertedWindowDims: plus1(dn.insertedWindowDims),
        scatterDimsToOperandDims: plus1(dn.scatterDimsToOperandDims),
        operandBatchingDims: [0, ...plus1(dn.operandBatchingDims)],
        scatterIndicesBatchingDims: [0, ...plus1(dn.scatterIndicesBatchingDims)],
      },
    };
    return [[bind1(prim, [xb, moveBatchAxis(idx!, di, 0, size), ub], p)], [0]];
  };
}

function scatterAval(name: string) {
  return ([x, idx, u]: ShapedArray[], { dimensionNumbers }: ScatterParams): ShapedArray[] => {
    checkScatter(name, x!, idx!, u!, dimensionNumbers);
    return [x!];
  };
}

export const scatter_add_p: PrimitiveRules<ScatterParams> = {
  name: "scatter_add",
  abstractEval: scatterAval("scatter_add"),
  jvp([x, idx, u], [tx, , tu], params) {
    const out = bind1(scatter_add_p, [x!, idx!, u!], params);
    return [[out], [isFloat(x!.dtype) ? bind1(scatter_add_p, [tx!, idx!, tu!], params) : null]];
  },
  transpose([ct], [x, idx, u], params) {
    // Linear in operand (identity) and updates (the inverse gather of ct, zero where dropped).
    if (isUndef(idx)) throw new TypeError("scatter_add transpose: the indices cannot be linear");
    const uShape = u!.aval.shape;
    return [isUndef(x) ? ct! : null, null, isUndef(u) ? inverseGather(ct!, idx!, uShape, params, 0) : null];
  },
  batch: (args, dims, params, size) => batchScatter(scatter_add_p)(args, dims, params, size),
  impl(ins, params, [out]) {
    return [scatterImpl(ins, params, out!.dtype === "bool" ? (a, v) => (a || v ? 1 : 0) : (a, v) => a + v)];
  },
};

/** Ids 1..n of the update windows (one per scatter index, broadcast over the window dims). */
function updateIds(shape: readonly number[], dn: ScatterDimensionNumbers): JaxArray {
  const idsShape = shape.map((d, i) => (dn.updateWindowDims.includes(i) ? 1 : d));
  const n = prod(idsShape);
  const ids = new Int32Array(n);
  for (let i = 0; i < n; i++) ids[i] = i + 1;
  return lax.broadcastInDim(arrayFromData(ids, new ShapedArray(idsShape, "int32")), shape, range(shape.length));
}

/** Mask of the updates that won their position in a scatter (the last one written, as in impl). */
function winningUpdates(xa: ShapedArray, idx: JaxArray, uShape: readonly number[], params: ScatterParams): JaxArray {
  const ids = updateIds(uShape, params.dimensionNumbers);
  const scattered = bind1(scatter_p, [lax.full(xa.shape, 0, "int32"), idx, ids], params);
  return lax.eq(inverseGather(scattered, idx, uShape, params, 0), ids);
}

export const scatter_p: PrimitiveRules<ScatterParams> = {
  name: "scatter",
  abstractEval: scatterAval("scatter"),
  jvp([x, idx, u], [tx, , tu], params) {
    // The tangent follows the primal: positions overwritten take the (winning) update tangents.
    const out = bind1(scatter_p, [x!, idx!, u!], params);
    return [[out], [isFloat(x!.dtype) ? bind1(scatter_p, [tx!, idx!, tu!], params) : null]];
  },
  transpose([ct], [x, idx, u], params) {
    // Operand: ct with the updated positions zeroed. Updates: ct gathered back, but only for the
    // update that won its position (found by scattering update ids, as JAX's scatter jvp does).
    if (isUndef(idx)) throw new TypeError("scatter transpose: the indices cannot be linear");
    const ua = u!.aval;
    const tx = isUndef(x) ? bind1(scatter_p, [ct!, idx!, lax.zerosLikeAval(ua.update({ weakType: ct!.weakType }))], params) : null;
    let tu: JaxArray | null = null;
    if (isUndef(u)) {
      tu = inverseGather(ct!, idx!, ua.shape, params, 0);
      if (!params.uniqueIndices) {
        const won = winningUpdates(x!.aval, idx!, ua.shape, params);
        tu = lax.select(won, tu, lax.zerosLike(tu));
      }
    }
    return [tx, null, tu];
  },
  batch: (args, dims, params, size) => batchScatter(scatter_p)(args, dims, params, size),
  impl: (ins, params) => [scatterImpl(ins, params, undefined)],
};

// ---- scatter_mul, scatter_min, scatter_max ----

const ones = (a: JaxArray): JaxArray => lax.fullLike(a, 1);
const zeros = (a: JaxArray): JaxArray => lax.zerosLike(a);
const asFloat = (b: JaxArray, like: JaxArray): JaxArray => lax.select(b, ones(like), zeros(like));

export const scatter_mul_p: PrimitiveRules<ScatterParams> = {
  name: "scatter_mul",
  abstractEval: scatterAval("scatter_mul"),
  jvp([x, idx, u], [tx, , tu], params) {
    const out = bind1(scatter_mul_p, [x!, idx!, u!], params);
    if (!isFloat(x!.dtype)) return [[out], [null]];
    // out_j = x_j·P_j with P_j = Π_{i→j} u_i, so dP_j = Σ_i tu_i·c_i with c_i = Π_{k→j, k≠i} u_k,
    // the product of the other updates at i's position. Without dividing by zero: c_i = P_j/u_i
    // for u_i ≠ 0; for u_i = 0, with Z_j zero updates at j and P'_j the product of the nonzero
    // ones, c_i = P'_j (Z_j = 1), P'_j·u_a for the other zero u_a (Z_j = 2; S_j − u_i, where S_j
    // sums the zero updates, has u_a's tangent), 0 (Z_j ≥ 3). These are exact to all orders
    // except third and higher derivatives where three or more zero updates meet.
    const sadd = (v: JaxArray) => bind1(scatter_add_p, [zeros(x!), idx!, v], params);
    let c = ones(u!);
    if (!params.uniqueIndices) {
      const back = (v: JaxArray) => inverseGather(v, idx!, u!.shape, params, 0);
      const smul = (v: JaxArray) => back(bind1(scatter_mul_p, [ones(x!), idx!, v], params));
      const isZero = lax.eq(u!, zeros(u!));
      const safeU = lax.select(isZero, ones(u!), u!);
      const nZero = back(sadd(asFloat(isZero, u!)));
      const other = lax.sub(back(sadd(lax.select(isZero, u!, zeros(u!)))), u!);
      const nz = (k: number) => lax.eq(nZero, lax.fullLike(nZero, k));
      const cZero = lax.mul(smul(safeU), lax.select(nz(1), ones(u!), lax.select(nz(2), other, zeros(u!))));
      c = lax.select(isZero, cZero, lax.div(smul(u!), safeU));
    }
    const dP = sadd(lax.mul(tu!, c));
    return [[out], [lax.add(bind1(scatter_mul_p, [tx!, idx!, u!], params), lax.mul(x!, dP))]];
  },
  transpose([ct], [x, idx, u], params) {
    // Linear in the operand only: x ↦ x ⊙ P has transpose ct ↦ ct ⊙ P.
    if (isUndef(idx) || isUndef(u)) throw new TypeError("scatter_mul is only linear in its operand");
    return [isUndef(x) ? bind1(scatter_mul_p, [ct!, idx!, u!], params) : null, null, null];
  },
  batch: (args, dims, params, size) => batchScatter(scatter_mul_p)(args, dims, params, size),
  impl(ins, params, [out]) {
    return [scatterImpl(ins, params, out!.dtype === "bool" ? (a, v) => a & v : (a, v) => a * v)];
  },
};

/**
 * JAX's jvp of scatter_min/max: the winner's tangent, split evenly among ties (the operand's
 * own value counting as one contender), like reduce_max's jvp.
 */
function extremalJvp(prim: PrimitiveRules<ScatterParams>) {
  return ([x, idx, u]: JaxArray[], [tx, , tu]: JaxArray[], params: ScatterParams): [JaxArray[], (JaxArray | null)[]] => {
    const out = bind1(prim, [x!, idx!, u!], params);
    if (!isFloat(x!.dtype)) return [[out], [null]];
    const back = (v: JaxArray) => inverseGather(v, idx!, u!.shape, params, 0);
    const sadd = (v: JaxArray) => bind1(scatter_add_p, [zeros(x!), idx!, v], params);
    const target = back(out);
    const won = lax.eq(u!, target);
    const retained = lax.eq(back(x!), target);
    const nUpdates = back(sadd(asFloat(won, u!)));
    const nRefs = back(sadd(ones(u!)));
    const inv = (v: JaxArray) => lax.div(ones(v), v);
    const updNorm = lax.select(retained, inv(lax.add(nUpdates, ones(nUpdates))), inv(nUpdates));
    const updCoef = lax.select(won, updNorm, zeros(u!));
    const opNorm = lax.select(retained, inv(lax.add(nUpdates, ones(nUpdates))), zeros(u!));
    const opCoef = lax.div(lax.sub(opNorm, ones(opNorm)), nRefs);
    const tUpd = lax.add(lax.mul(back(tx!), opCoef), lax.mul(tu!, updCoef));
    return [[out], [bind1(scatter_add_p, [tx!, idx!, tUpd], params)]];
  };
}

const nanMin = (a: number, v: number): number => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.min(a, v));
const nanMax = (a: number, v: number): number => (Number.isNaN(a) || Number.isNaN(v) ? NaN : Math.max(a, v));

export const scatter_min_p: PrimitiveRules<ScatterParams> = {
  name: "scatter_min",
  abstractEval: scatterAval("scatter_min"),
  jvp: (primals, tangents, params) => extremalJvp(scatter_min_p)(primals, tangents, params),
  transpose: null,
  batch: (args, dims, params, size) => batchScatter(scatter_min_p)(args, dims, params, size),
  impl: (ins, params) => [scatterImpl(ins, params, nanMin)],
};

export const scatter_max_p: PrimitiveRules<ScatterParams> = {
  name: "scatter_max",
  abstractEval: scatterAval("scatter_max"),
  jvp: (primals, tangents, params) => extremalJvp(scatter_max_p)(primals, tangents, params),
  transpose: null,
  batch: (args, dims, params, size) => batchScatter(scatter_max_p)(args, dims, params, size),
  impl: (ins, params) => [scatterImpl(ins, params, nanMax)],
};
