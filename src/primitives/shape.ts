// Shape primitives that the transformations themselves rely on: broadcast_in_dim, reshape,
// transpose and reduce_sum. (More shape ops live in shape_ops.ts.)
import { ShapedArray } from "../core/aval.js";
import { typedArrayFor } from "../core/dtypes.js";
import { UndefinedPrimal, type PrimitiveRules } from "../core/primitive.js";
import { prod, shapeStr, stridesOf } from "../core/shape.js";
import { bind } from "../core/trace.js";
import * as lax from "../lax/core.js";
import { stridedCopy } from "./shape_ops.js";

type BroadcastParams = { shape: number[]; broadcastDimensions: number[] };

/**
 * broadcast_in_dim(x, shape, broadcast_dimensions): operand dim i maps to output dim
 * broadcast_dimensions[i], which must have the same size or the operand dim must be 1.
 */
export const broadcast_in_dim_p: PrimitiveRules<BroadcastParams> = {
  name: "broadcast_in_dim",
  abstractEval([x], { shape, broadcastDimensions: bd }) {
    const ok =
      bd.length === x!.ndim &&
      bd.every((d, i) => d >= 0 && d < shape.length && (i === 0 || d > bd[i - 1]!)) &&
      bd.every((d, i) => x!.shape[i] === 1 || x!.shape[i] === shape[d]);
    if (!ok) {
      throw new TypeError(
        `broadcast_in_dim operand shape ${shapeStr(x!.shape)} is incompatible with shape ${shapeStr(shape)} ` +
          `and broadcast_dimensions ${shapeStr(bd)}`,
      );
    }
    return [new ShapedArray(shape, x!.dtype, x!.weakType)];
  },
  jvp([x], [t], params) {
    return [bind(broadcast_in_dim_p, [x!], params), [bind(broadcast_in_dim_p, [t!], params)[0]!]];
  },
  transpose([ct], [x], { shape, broadcastDimensions: bd }) {
    // Sum over the new dims and over dims broadcast from size 1, then reshape to the operand.
    const a = (x as UndefinedPrimal).aval;
    const sumDims = shape.map((_, i) => i).filter((i) => !bd.includes(i) || a.shape[bd.indexOf(i)] !== shape[i]);
    let r = sumDims.length ? lax.reduceSum(ct!, sumDims) : ct!;
    if (r.ndim !== a.ndim || r.shape.some((d, i) => d !== a.shape[i])) r = lax.reshape(r, [...a.shape]);
    return [r];
  },
  batch([x], [d], { shape, broadcastDimensions: bd }, size) {
    const xb = d === 0 ? x! : lax.transpose(x!, [d!, ...x!.shape.map((_, i) => i).filter((i) => i !== d)]);
    const out = bind(broadcast_in_dim_p, [xb], {
      shape: [size, ...shape],
      broadcastDimensions: [0, ...bd.map((b) => b + 1)],
    });
    return [out, [0]];
  },
  impl([x], { shape, broadcastDimensions: bd }, [out]) {
    const n = prod(shape);
    const res = typedArrayFor(out!.dtype, n);
    const src = x!.data;
    if (src.length === 1) {
      res.fill(src[0]!);
      return [res];
    }
    const istr = stridesOf(x!.shape);
    // For each output dim, the stride into the operand (0 when broadcast).
    const step = shape.map(() => 0);
    bd.forEach((od, i) => {
      if (x!.shape[i] !== 1) step[od] = istr[i]!;
    });
    stridedCopy(src, 0, step, res, 0, stridesOf(shape), shape);
    return [res];
  },
};

export const reshape_p: PrimitiveRules<{ newSizes: number[]; dimensions: null }> = {
  name: "reshape",
  abstractEval([x], { newSizes }) {
    if (prod(newSizes) !== x!.size || newSizes.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new TypeError(`cannot reshape array of shape ${shapeStr(x!.shape)} (size ${x!.size}) into shape ${shapeStr(newSizes)}`);
    }
    return [new ShapedArray(newSizes, x!.dtype, x!.weakType)];
  },
  jvp([x], [t], params) {
    return [bind(reshape_p, [x!], params), [bind(reshape_p, [t!], params)[0]!]];
  },
  transpose([ct], [x]) {
    return [lax.reshape(ct!, [...(x as UndefinedPrimal).aval.shape])];
  },
  batch([x], [d], { newSizes }, size) {
    const xb = d === 0 ? x! : lax.transpose(x!, [d!, ...x!.shape.map((_, i) => i).filter((i) => i !== d)]);
    return [[lax.reshape(xb, [size, ...newSizes])], [0]];
  },
  impl([x]) {
    return [x!.data];
  },
};

export const transpose_p: PrimitiveRules<{ permutation: number[] }> = {
  name: "transpose",
  abstractEval([x], { permutation: p }) {
    const sorted = [...p].sort((a, b) => a - b);
    if (p.length !== x!.ndim || sorted.some((v, i) => v !== i)) {
      throw new TypeError(`transpose permutation isn't a permutation of operand dimensions, got permutation ${shapeStr(p)} for operand shape ${shapeStr(x!.shape)}.`);
    }
    return [new ShapedArray(p.map((i) => x!.shape[i]!), x!.dtype, x!.weakType)];
  },
  jvp([x], [t], params) {
    return [bind(transpose_p, [x!], params), [bind(transpose_p, [t!], params)[0]!]];
  },
  transpose([ct], _x, { permutation: p }) {
    const inv = new Array<number>(p.length);
    p.forEach((v, i) => (inv[v] = i));
    return [lax.transpose(ct!, inv)];
  },
  batch([x], [d], { permutation: p }) {
    // Keep the batch dim in front: output dim 0 is the batch, then the permuted others.
    const others = x!.shape.map((_, i) => i).filter((i) => i !== d);
    return [[lax.transpose(x!, [d!, ...p.map((i) => others[i]!)])], [0]];
  },
  impl([x], { permutation: p }, [out]) {
    const shape = out!.shape;
    const n = prod(shape);
    const res = typedArrayFor(out!.dtype, n);
    const istr = stridesOf(x!.shape);
    const step = p.map((i) => istr[i]!);
    stridedCopy(x!.data, 0, step, res, 0, stridesOf(shape), shape);
    return [res];
  },
};

/** Shared reduction machinery: reduce `axes` of x with a binary op starting from `init`. */
export function reduceImpl(
  x: { data: ArrayLike<number>; shape: readonly number[] },
  axes: number[],
  out: ShapedArray,
  init: number,
  op: (acc: number, v: number) => number,
) {
  const shape = x.shape;
  const res = typedArrayFor(out.dtype, out.size);
  const acc = new Float64Array(out.size).fill(init);
  const keep = shape.map((_, i) => !axes.includes(i));
  const ostrFull = shape.map(() => 0);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (keep[i]) {
      ostrFull[i] = s;
      s *= shape[i]!;
    }
  }
  const istr = stridesOf(shape);
  const n = x.data.length;
  for (let i = 0; i < n; i++) {
    let rem = i;
    let o = 0;
    for (let k = 0; k < shape.length; k++) {
      const q = Math.floor(rem / istr[k]!);
      rem -= q * istr[k]!;
      o += q * ostrFull[k]!;
    }
    acc[o] = op(acc[o]!, x.data[i]!);
  }
  for (let i = 0; i < acc.length; i++) res[i] = acc[i]!;
  return res;
}

export function reduceAval(name: string, x: ShapedArray, axes: number[]): ShapedArray {
  if (axes.some((a) => !Number.isInteger(a) || a < 0 || a >= x.ndim) || new Set(axes).size !== axes.length) {
    throw new TypeError(`${name}: invalid axes ${shapeStr(axes)} for operand of shape ${shapeStr(x.shape)}`);
  }
  return new ShapedArray(x.shape.filter((_, i) => !axes.includes(i)), x.dtype, x.weakType);
}

/** Batching for reductions over `axes`: shift the axes past the batch dim moved to 0. */
export function batchReduce(prim: PrimitiveRules<{ axes: number[] }>) {
  return (args: import("../core/array.js").JaxArray[], dims: (number | null)[], params: { axes: number[] }) => {
    const x = args[0]!;
    const d = dims[0]!;
    const xb = d === 0 ? x : lax.transpose(x, [d, ...x.shape.map((_, i) => i).filter((i) => i !== d)]);
    return [bind(prim, [xb], { ...params, axes: params.axes.map((a) => a + 1) }), [0]] as [
      import("../core/array.js").JaxArray[],
      number[],
    ];
  };
}

export const reduce_sum_p: PrimitiveRules<{ axes: number[] }> = {
  name: "reduce_sum",
  abstractEval: ([x], { axes }) => [reduceAval("reduce_sum", x!, axes)],
  jvp([x], [t], params) {
    return [bind(reduce_sum_p, [x!], params), [bind(reduce_sum_p, [t!], params)[0]!]];
  },
  transpose([ct], [x], { axes }) {
    const a = (x as UndefinedPrimal).aval;
    const kept = a.shape.map((_, i) => i).filter((i) => !axes.includes(i));
    return [lax.broadcastInDim(ct!, [...a.shape], kept)];
  },
  batch: (args, dims, params) => batchReduce(reduce_sum_p)(args, dims, params),
  impl([x], { axes }, [out]) {
    return [reduceImpl(x!, axes, out!, 0, out!.dtype === "bool" ? (a, v) => a || v ? 1 : 0 : (a, v) => a + v)];
  },
};
