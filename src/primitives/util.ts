// Shared machinery for primitive records: elementwise primitive construction (abstract eval,
// reference kernels, batching) and small helpers used by many rules.
import { ShapedArray } from "../core/aval.js";
import type { JaxArray } from "../core/array.js";
import { type DType, type TypedArray, isBool, isFloat, isInt, typedArrayFor } from "../core/dtypes.js";
import type { BDim, HostBuf, Params, Primitive, PrimitiveRules, UndefinedPrimal } from "../core/primitive.js";
import { shapeEq, shapeStr } from "../core/shape.js";
import { bind } from "../core/trace.js";
import * as lax from "../lax/core.js";

export type DTypeClass = "float" | "numeric" | "int" | "intOrBool" | "any";

export function checkDTypeClass(name: string, d: DType, cls: DTypeClass): void {
  const ok =
    cls === "any" ||
    (cls === "float" && isFloat(d)) ||
    (cls === "numeric" && !isBool(d)) ||
    (cls === "int" && isInt(d)) ||
    (cls === "intOrBool" && (isInt(d) || isBool(d)));
  if (!ok) {
    const want = { float: "floating", numeric: "numeric", int: "integer", intOrBool: "integer or boolean", any: "" }[cls];
    throw new TypeError(`${name} does not accept dtype ${d}. Accepted dtypes are subtypes of ${want}.`);
  }
}

/**
 * Abstract evaluation shared by elementwise primitives: equal dtypes, and equal shapes except
 * that rank-0 operands broadcast (XLA's implicit scalar broadcasting: JAX prints
 * `mul a 2.0:f32[]`), unless `scalars` is false.
 */
export function elementwiseAval(
  name: string,
  avals: ShapedArray[],
  cls: DTypeClass,
  outDType?: (d: DType) => DType,
  scalars = true,
): ShapedArray {
  const a0 = avals[0]!;
  const ranked = (scalars ? avals.find((a) => a.ndim > 0) : undefined) ?? a0;
  for (const a of avals) {
    if (!shapeEq(a.shape, ranked.shape) && !(scalars && a.ndim === 0)) {
      throw new TypeError(`${name} got incompatible shapes for broadcasting: ${avals.map((x) => shapeStr(x.shape)).join(", ")}.`);
    }
    if (a.dtype !== a0.dtype) {
      throw new TypeError(`lax.${name} requires arguments to have the same dtypes, got ${avals.map((x) => x.dtype).join(", ")}.`);
    }
  }
  checkDTypeClass(name, a0.dtype, cls);
  const weak = avals.every((a) => a.weakType);
  const d = outDType ? outDType(a0.dtype) : a0.dtype;
  return new ShapedArray(ranked.shape, d, d === "bool" ? false : weak);
}

export type Kernel = (...xs: number[]) => number;

/**
 * Runs a scalar kernel over equal-shaped inputs into a fresh typed array of `outDtype`; rank-0
 * inputs broadcast.
 */
export function mapKernel(k: Kernel, ins: HostBuf[], outDtype: DType): TypedArray {
  if (ins.some((x) => x.shape.length === 0) && ins.some((x) => x.shape.length > 0)) {
    const n = ins.find((x) => x.shape.length > 0)!.data.length;
    ins = ins.map((x) => (x.shape.length > 0 ? x : { ...x, data: typedArrayFor(x.dtype, n).fill(x.data[0] as never) }));
  }
  const n = ins.length ? ins[0]!.data.length : 0;
  const out = typedArrayFor(outDtype, n);
  if (ins.length === 1) {
    const a = ins[0]!.data;
    for (let i = 0; i < n; i++) out[i] = k(a[i]!);
  } else if (ins.length === 2) {
    const a = ins[0]!.data;
    const b = ins[1]!.data;
    for (let i = 0; i < n; i++) out[i] = k(a[i]!, b[i]!);
  } else {
    const ds = ins.map((x) => x.data);
    const args = new Array<number>(ds.length);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < ds.length; j++) args[j] = ds[j]![i]!;
      out[i] = k(...args);
    }
  }
  return out;
}

/** Moves the batch dim of x to `to` (or broadcasts an unbatched x to have one). */
export function moveBatchAxis(x: JaxArray, from: BDim, to: number, size: number): JaxArray {
  if (from === null) {
    const shape = [...x.shape];
    shape.splice(to, 0, size);
    const dims = x.shape.map((_, i) => (i < to ? i : i + 1));
    return lax.broadcastInDim(x, shape, dims);
  }
  if (from === to) return x;
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(x, perm);
}

/**
 * Batching rule for elementwise primitives: every operand gets its batch dim at 0. An unbatched
 * rank-0 operand stays a scalar; a batched one (now [size]) is broadcast to the full shape.
 */
export function batchElementwise(prim: Primitive, scalars = false) {
  return (args: JaxArray[], dims: BDim[], params: Params, size: number): [JaxArray[], BDim[]] => {
    const moved = args.map((x, i) => (scalars && dims[i] === null && x.ndim === 0 ? x : moveBatchAxis(x, dims[i]!, 0, size)));
    const full = moved.reduce<JaxArray | null>((m, x) => (m === null || x.ndim > m.ndim ? x : m), null)!;
    const ops = moved.map((x, i) => (x.ndim > 0 && x.ndim < full.ndim ? lax.broadcastInDim(x, full.shape, dims[i] === null ? [] : [0]) : x));
    const outs = bind(prim, ops, params);
    return [outs, outs.map(() => 0)];
  };
}

export interface ElementwiseSpec<P extends Params = Params> {
  name: string;
  cls: DTypeClass;
  /** Scalar kernel for floating (and default) dtypes. */
  f: Kernel;
  /** Kernel for integer and bool dtypes, if it differs (e.g. truncating division, bool add = or). */
  fInt?: (d: DType) => Kernel;
  outDType?: (d: DType) => DType;
  jvp: (primals: JaxArray[], tangents: JaxArray[], outs: JaxArray[], params: P) => (JaxArray | null)[];
  transpose?: (cts: JaxArray[], args: (JaxArray | UndefinedPrimal)[], params: P) => (JaxArray | null)[];
}

/** Builds a complete elementwise primitive record from its kernel and jvp. */
export function elementwise<P extends Params = Params>(spec: ElementwiseSpec<P>): PrimitiveRules<P> {
  const prim: PrimitiveRules<P> = {
    name: spec.name,
    abstractEval: (avals) => [elementwiseAval(spec.name, avals, spec.cls, spec.outDType)],
    jvp(primals, tangents, params) {
      const outs = bind(prim, primals, params);
      // A rule may return a scalar operand's tangent as is: give it the output's shape.
      const ts = spec.jvp(primals, tangents, outs, params).map((t, i) =>
        t !== null && t.ndim < outs[i]!.ndim ? lax.broadcastInDim(t, outs[i]!.shape, []) : t,
      );
      return [outs, ts];
    },
    // A rank-0 linear operand that was broadcast gets the sum of its cotangent.
    transpose: spec.transpose
      ? (cts, args, params) =>
          spec.transpose!(cts, args, params).map((c, i) =>
            c !== null && args[i]!.aval.ndim === 0 && c.ndim > 0 ? lax.reduceSum(c, c.shape.map((_, k) => k)) : c,
          )
      : null,
    batch: (args, dims, params, size) => batchElementwise(prim, true)(args, dims, params, size),
    impl(ins, _params, outAvals) {
      const d = ins[0]!.dtype;
      const k = spec.fInt && (isInt(d) || isBool(d)) ? spec.fInt(d) : spec.f;
      return [mapKernel(k, ins, outAvals[0]!.dtype)];
    },
  };
  return prim;
}
