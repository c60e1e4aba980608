// Structural shape primitives: squeeze, expand_dims, rev, slice, pad and concatenate. Each
// record owns its shape rule (JAX's error wording), jvp, transpose (all of them are linear),
// batching rule and reference kernel. Also the strided-copy loops shared with indexing.ts.
import { ShapedArray } from "../core/aval.js";
import { type TypedArray, typedArrayFor } from "../core/dtypes.js";
import type { JaxArray } from "../core/array.js";
import { UndefinedPrimal, type PrimitiveRules } from "../core/primitive.js";
import { prod, range, shapeStr, stridesOf } from "../core/shape.js";
import { bind1 } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { moveBatchAxis } from "./util.js";

const isUndef = (x: unknown): x is UndefinedPrimal => x instanceof UndefinedPrimal;
const list = (xs: readonly number[]): string => `(${xs.join(", ")}${xs.length === 1 ? "," : ""})`;

// ---- strided loops (odometers over a box, with affine source and destination offsets) ----

/**
 * dst[dBase + Σ i_k·dSteps_k] = src[sBase + Σ i_k·sSteps_k] for every i in the box `shape`.
 * A plain copy whose innermost dim is contiguous on both sides moves whole runs (src and dst may
 * be one array, over disjoint regions).
 */
export function stridedCopy(
  src: ArrayLike<number>,
  sBase: number,
  sSteps: readonly number[],
  dst: TypedArray,
  dBase: number,
  dSteps: readonly number[],
  shape: readonly number[],
  combine?: (old: number, v: number) => number,
): void {
  const n = prod(shape);
  if (n === 0) return;
  const r = shape.length;
  const run = r > 0 ? shape[r - 1]! : 0;
  if (!combine && run >= 16 && sSteps[r - 1] === 1 && dSteps[r - 1] === 1 && ArrayBuffer.isView(src)) {
    copyRuns(src as TypedArray, sBase, sSteps, dst, dBase, dSteps, shape, run);
    return;
  }
  const idx = new Array<number>(r).fill(0);
  let s = sBase;
  let d = dBase;
  for (let c = 0; c < n; c++) {
    dst[d] = combine ? combine(dst[d]!, src[s]!) : src[s]!;
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      s += sSteps[k]!;
      d += dSteps[k]!;
      if (idx[k]! < shape[k]!) break;
      s -= sSteps[k]! * shape[k]!;
      d -= dSteps[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
}

/** stridedCopy's fast path: one contiguous run of `run` elements per outer index. */
function copyRuns(
  src: TypedArray, s: number, sSteps: readonly number[], dst: TypedArray, d: number, dSteps: readonly number[],
  shape: readonly number[], run: number,
): void {
  const r = shape.length - 1;
  const outer = prod(shape.slice(0, r));
  const idx = new Array<number>(r).fill(0);
  for (let o = 0; o < outer; o++) {
    if (src === dst) dst.copyWithin(d, s, s + run);
    else dst.set(src.subarray(s, s + run), d);
    for (let k = r - 1; k >= 0; k--) {
      idx[k]!++;
      s += sSteps[k]!;
      d += dSteps[k]!;
      if (idx[k]! < shape[k]!) break;
      s -= sSteps[k]! * shape[k]!;
      d -= dSteps[k]! * shape[k]!;
      idx[k] = 0;
    }
  }
}

/** Calls fn(idx) for every multi-index of `shape` in row-major order (idx is reused). */
export function forEachIndex(shape: readonly number[], fn: (idx: number[], flat: number) => void): void {
  const n = prod(shape);
  const idx = new Array<number>(shape.length).fill(0);
  for (let c = 0; c < n; c++) {
    fn(idx, c);
    for (let k = shape.length - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
}

/** Moves the batch dim to 0 (broadcasting an unbatched value). */
const front = (x: JaxArray, d: number | null, size: number): JaxArray => moveBatchAxis(x, d, 0, size);
/** Position of an operand dim once a batch dim is inserted at `d`. */
const shiftPast = (k: number, d: number): number => (k < d ? k : k + 1);

// ---- squeeze ----

export const squeeze_p: PrimitiveRules<{ dimensions: number[] }> = {
  name: "squeeze",
  abstractEval([x], { dimensions }) {
    if (new Set(dimensions).size !== dimensions.length) {
      throw new TypeError(`dimensions are not unique: ${list(dimensions)}`);
    }
    if (!dimensions.every((d) => Number.isInteger(d) && d >= 0 && d < x!.ndim)) {
      throw new TypeError(`dimensions outside range [0, ndim): ${list(dimensions)}`);
    }
    if (dimensions.some((d) => x!.shape[d] !== 1)) {
      throw new TypeError(
        "cannot select an axis to squeeze out which has size not equal to one, " +
          `got shape=${shapeStr(x!.shape)} and dimensions=${list(dimensions)}`,
      );
    }
    return [new ShapedArray(x!.shape.filter((_, i) => !dimensions.includes(i)), x!.dtype, x!.weakType)];
  },
  jvp([x], [t], params) {
    return [[bind1(squeeze_p, [x!], params)], [bind1(squeeze_p, [t!], params)]];
  },
  transpose([ct], _args, { dimensions }) {
    return [bind1(expand_dims_p, [ct!], { dimensions: [...dimensions].sort((a, b) => a - b) })];
  },
  batch([x], [d], { dimensions }) {
    const dims = dimensions.map((k) => shiftPast(k, d!));
    const out = d! - dimensions.filter((k) => k < d!).length;
    return [[bind1(squeeze_p, [x!], { dimensions: dims })], [out]];
  },
  impl: ([x]) => [x!.data],
};

// ---- expand_dims (dimensions are positions in the output) ----

export const expand_dims_p: PrimitiveRules<{ dimensions: number[] }> = {
  name: "expand_dims",
  abstractEval([x], { dimensions }) {
    const nOut = x!.ndim + dimensions.length;
    if (new Set(dimensions).size !== dimensions.length) {
      throw new TypeError(`repeated axis in lax.expand_dims: ${list(dimensions)}`);
    }
    for (const d of dimensions) {
      if (!Number.isInteger(d) || d < 0 || d >= nOut) {
        throw new TypeError(`axis ${d} is out of bounds for array of dimension ${nOut}`);
      }
    }
    const shape = [...x!.shape];
    for (const d of [...dimensions].sort((a, b) => a - b)) shape.splice(d, 0, 1);
    return [new ShapedArray(shape, x!.dtype, x!.weakType)];
  },
  jvp([x], [t], params) {
    return [[bind1(expand_dims_p, [x!], params)], [bind1(expand_dims_p, [t!], params)]];
  },
  transpose([ct], _args, { dimensions }) {
    return [bind1(squeeze_p, [ct!], { dimensions: [...dimensions].sort((a, b) => a - b) })];
  },
  batch([x], [d], { dimensions }, size) {
    return [[bind1(expand_dims_p, [front(x!, d!, size)], { dimensions: dimensions.map((k) => k + 1) })], [0]];
  },
  impl: ([x]) => [x!.data],
};

// ---- rev ----

export const rev_p: PrimitiveRules<{ dimensions: number[] }> = {
  name: "rev",
  abstractEval([x], { dimensions }) {
    if (new Set(dimensions).size !== dimensions.length) {
      throw new TypeError(`rev dimensions must be unique, got ${list(dimensions)}.`);
    }
    if (dimensions.some((d) => !Number.isInteger(d) || d < 0 || d >= x!.ndim)) {
      throw new TypeError(
        `rev dimensions must all be less than operand ndim, got dimensions ${list(dimensions)} for operand ndim ${x!.ndim}.`,
      );
    }
    return [x!];
  },
  jvp([x], [t], params) {
    return [[bind1(rev_p, [x!], params)], [bind1(rev_p, [t!], params)]];
  },
  transpose: ([ct], _args, params) => [bind1(rev_p, [ct!], params)],
  batch([x], [d], { dimensions }) {
    return [[bind1(rev_p, [x!], { dimensions: dimensions.map((k) => shiftPast(k, d!)) })], [d!]];
  },
  impl([x], { dimensions }, [out]) {
    // Reversed dims start at their last element and step backwards.
    const istr = stridesOf(x!.shape);
    let base = 0;
    const steps = istr.map((s, k) => {
      if (!dimensions.includes(k)) return s;
      base += (x!.shape[k]! - 1) * s;
      return -s;
    });
    const res = typedArrayFor(out!.dtype, out!.size);
    stridedCopy(x!.data, base, steps, res, 0, stridesOf(out!.shape), out!.shape);
    return [res];
  },
};

// ---- slice ----

type SliceParams = { startIndices: number[]; limitIndices: number[]; strides: number[] | null };

export const slice_p: PrimitiveRules<SliceParams> = {
  name: "slice",
  abstractEval([x], { startIndices: start, limitIndices: limit, strides }) {
    const shape = x!.shape;
    if (shape.length !== start.length) {
      throw new TypeError(
        `slice start_indices must have length equal to the number of dimensions of the operand, got indices ${list(start)} for operand shape ${shapeStr(shape)}.`,
      );
    }
    if (start.length !== limit.length) {
      throw new TypeError(
        `slice limit_indices must have the same length as start_indices, got start_indices ${list(start)} and limit_indices ${list(limit)}.`,
      );
    }
    if (limit.some((l, i) => l > shape[i]!)) {
      throw new TypeError(
        `slice limit_indices must be less than or equal to operand shape, got limit_indices ${list(limit)} for operand shape ${shapeStr(shape)}.`,
      );
    }
    if (start.some((s) => s < 0)) {
      throw new TypeError(`slice start_indices must be greater than or equal to zero, got start_indices of ${list(start)}.`);
    }
    if (limit.some((l, i) => l < start[i]!)) {
      throw new TypeError(
        `slice limit_indices must be greater than or equal to start_indices, got start_indices ${list(start)} and limit_indices ${list(limit)}.`,
      );
    }
    if (strides !== null) {
      if (strides.length !== shape.length) {
        throw new TypeError(
          `slice strides must have length equal to the number of dimensions of the operand, got strides ${list(strides)} for operand shape ${shapeStr(shape)}.`,
        );
      }
      if (strides.some((s) => !(s > 0))) throw new TypeError(`slice strides must be positive, got ${list(strides)}`);
    }
    const out = limit.map((l, i) => {
      const diff = l - start[i]!;
      const s = strides?.[i] ?? 1;
      return diff === 0 ? 0 : Math.floor((diff - 1) / s) + 1;
    });
    return [new ShapedArray(out, x!.dtype, x!.weakType)];
  },
  jvp([x], [t], params) {
    return [[bind1(slice_p, [x!], params)], [bind1(slice_p, [t!], params)]];
  },
  transpose([ct], [x], { startIndices: start, strides }) {
    // Pad the cotangent back into place: lo = start, interior = stride − 1, hi = the rest.
    const a = (x as UndefinedPrimal).aval;
    const config = a.shape.map((d, i): [number, number, number] => {
      const s = strides?.[i] ?? 1;
      const n = ct!.shape[i]!;
      const realLimit = start[i]! + (n === 0 ? 0 : 1 + (n - 1) * s);
      return [start[i]!, d - realLimit, s - 1];
    });
    return [bind1(pad_p, [ct!, lax.scalar(0, ct!.dtype)], { paddingConfig: config })];
  },
  batch([x], [d], { startIndices, limitIndices, strides }) {
    const ins = <T>(xs: T[], v: T) => [...xs.slice(0, d!), v, ...xs.slice(d!)];
    const params = {
      startIndices: ins(startIndices, 0),
      limitIndices: ins(limitIndices, x!.shape[d!]!),
      strides: strides === null ? null : ins(strides, 1),
    };
    return [[bind1(slice_p, [x!], params)], [d!]];
  },
  impl([x], { startIndices: start, strides }, [out]) {
    const istr = stridesOf(x!.shape);
    const base = start.reduce((acc, s, k) => acc + s * istr[k]!, 0);
    const steps = istr.map((s, k) => s * (strides?.[k] ?? 1));
    const res = typedArrayFor(out!.dtype, out!.size);
    stridedCopy(x!.data, base, steps, res, 0, stridesOf(out!.shape), out!.shape);
    return [res];
  },
};

// ---- pad ----

export type PaddingConfig = [number, number, number][];

export const pad_p: PrimitiveRules<{ paddingConfig: PaddingConfig }> = {
  name: "pad",
  abstractEval([x, pv], { paddingConfig: config }) {
    const fmt = `(${config.map((c) => `(${c.join(", ")})`).join(", ")})`;
    if (pv!.ndim !== 0) throw new TypeError(`padding_value must be a scalar; got np.shape(padding_value)=${shapeStr(pv!.shape)}`);
    if (x!.dtype !== pv!.dtype) {
      throw new TypeError(`lax.pad requires arguments to have the same dtypes, got ${x!.dtype}, ${pv!.dtype}.`);
    }
    if (config.length !== x!.ndim) {
      throw new TypeError(
        `length of padding_config must equal the number of axes of operand, got padding_config ${fmt} for operand shape ${shapeStr(x!.shape)}`,
      );
    }
    if (config.some(([, , i]) => i < 0)) {
      throw new TypeError(`interior padding in padding_config must be nonnegative, got padding_config ${fmt}`);
    }
    const shape = config.map(([lo, hi, int], k) => {
      const d = x!.shape[k]!;
      return lo + hi + (d === 0 ? 0 : d + (d - 1) * int);
    });
    if (shape.some((d) => d < 0)) {
      throw new TypeError(
        `Dimension size after padding is not at least 0, got result shape ${shapeStr(shape)}, for padding_config ${fmt} and operand shape ${shapeStr(x!.shape)}`,
      );
    }
    return [new ShapedArray(shape, x!.dtype, x!.weakType && pv!.weakType)];
  },
  jvp([x, pv], [tx, tpv], params) {
    return [[bind1(pad_p, [x!, pv!], params)], [bind1(pad_p, [tx!, tpv!], params)]];
  },
  transpose([ct], [x, pv], { paddingConfig: config }) {
    // Operand: undo lo/hi by padding with their negatives, then drop the interior by striding.
    // Padding value: every output element that did not come from the operand.
    const unpadded = bind1(pad_p, [ct!, lax.scalar(0, ct!.dtype)], {
      paddingConfig: config.map(([lo, hi]): [number, number, number] => [-lo, -hi, 0]),
    });
    const tOp = bind1(slice_p, [unpadded], {
      startIndices: config.map(() => 0),
      limitIndices: [...unpadded.shape],
      strides: config.map(([, , i]) => i + 1),
    });
    const all = (v: JaxArray) => lax.reduceSum(v, range(v.ndim));
    return [isUndef(x) ? tOp : null, isUndef(pv) ? lax.sub(all(ct!), all(tOp)) : null];
  },
  batch([x, pv], [dx, dpv], { paddingConfig }, size) {
    const xb = dx === null ? front(x!, null, size) : x!;
    const d = dx ?? 0;
    const config = [...paddingConfig.slice(0, d), [0, 0, 0] as [number, number, number], ...paddingConfig.slice(d)];
    if (dpv === null) return [[bind1(pad_p, [xb, pv!], { paddingConfig: config })], [d]];
    // A batched padding value: pad with zeros, then select the padding value where the mask
    // (the operand's positions padded with false) is false.
    const padded = bind1(pad_p, [xb, lax.scalar(0, xb.dtype)], { paddingConfig: config });
    const mask = bind1(pad_p, [lax.full(xb.shape, true, "bool"), lax.scalar(false, "bool")], { paddingConfig: config });
    const pvb = lax.broadcastInDim(pv!, padded.shape, [d]);
    return [[lax.select(mask, padded, pvb)], [d]];
  },
  impl([x, pv], { paddingConfig: config }, [out]) {
    const res = typedArrayFor(out!.dtype, out!.size);
    res.fill(pv!.data[0]!);
    const ostr = stridesOf(out!.shape);
    const oshape = out!.shape;
    const src = x!.data;
    forEachIndex(x!.shape, (idx, flat) => {
      let o = 0;
      for (let k = 0; k < idx.length; k++) {
        const [lo, , int] = config[k]!;
        const p = lo + idx[k]! * (int + 1);
        if (p < 0 || p >= oshape[k]!) return;
        o += p * ostr[k]!;
      }
      res[o] = src[flat]!;
    });
    return [res];
  },
};

// ---- concatenate ----

export const concatenate_p: PrimitiveRules<{ dimension: number }> = {
  name: "concatenate",
  abstractEval(xs, { dimension }) {
    const shapes = () => xs.map((x) => shapeStr(x.shape)).join(", ");
    if (xs.length === 0) throw new TypeError("concatenate expects at least one operand, got 0.");
    if (new Set(xs.map((x) => x.ndim)).size !== 1) {
      throw new TypeError(`Cannot concatenate arrays with different numbers of dimensions: got ${shapes()}.`);
    }
    if (!Number.isInteger(dimension) || dimension < 0 || dimension >= xs[0]!.ndim) {
      throw new TypeError(`concatenate dimension out of bounds: dimension ${dimension} for shapes ${shapes()}.`);
    }
    const x0 = xs[0]!;
    if (xs.some((x) => x.shape.some((d, i) => i !== dimension && d !== x0.shape[i]))) {
      throw new TypeError(
        "Cannot concatenate arrays with shapes that differ in dimensions other than the one being " +
          `concatenated: concatenating along dimension ${dimension} for shapes ${shapes()}.`,
      );
    }
    if (xs.some((x) => x.dtype !== x0.dtype)) {
      throw new TypeError(`lax.concatenate requires arguments to have the same dtypes, got ${xs.map((x) => x.dtype).join(", ")}.`);
    }
    const shape = [...x0.shape];
    shape[dimension] = xs.reduce((s, x) => s + x.shape[dimension]!, 0);
    return [new ShapedArray(shape, x0.dtype, xs.every((x) => x.weakType))];
  },
  jvp(xs, ts, params) {
    return [[bind1(concatenate_p, xs, params)], [bind1(concatenate_p, ts, params)]];
  },
  transpose([ct], xs, { dimension }) {
    // Each linear operand's cotangent is its block of ct along `dimension`.
    let off = 0;
    return xs.map((x) => {
      const shape = x.aval.shape;
      const start = shape.map((_, i) => (i === dimension ? off : 0));
      const limit = ct!.shape.map((d, i) => (i === dimension ? off + shape[i]! : d));
      off += shape[dimension]!;
      return isUndef(x) ? bind1(slice_p, [ct!], { startIndices: start, limitIndices: limit, strides: null }) : null;
    });
  },
  batch(xs, dims, { dimension }, size) {
    const moved = xs.map((x, i) => front(x, dims[i]!, size));
    return [[bind1(concatenate_p, moved, { dimension: dimension + 1 })], [0]];
  },
  impl(xs, { dimension }, [out]) {
    const res = typedArrayFor(out!.dtype, out!.size);
    const outer = prod(out!.shape.slice(0, dimension));
    const inner = prod(out!.shape.slice(dimension + 1));
    const rowOut = out!.shape[dimension]! * inner;
    let off = 0;
    for (const x of xs) {
      const row = x.shape[dimension]! * inner;
      for (let o = 0; o < outer; o++) res.set(x.data.subarray(o * row, (o + 1) * row), o * rowOut + off);
      off += row;
    }
    return [res];
  },
};
