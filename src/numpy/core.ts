// jax.numpy foundations: array creation from JS data, dtype/weak-type promotion and NumPy
// broadcasting of operands. Everything here composes lax; nothing touches a buffer directly
// except `array`, which builds a concrete array from host data.
import { ShapedArray } from "../core/aval.js";
import { type ArrayLike, JaxArray, isArray } from "../core/array.js";
import {
  type DType,
  type DTypeInfo,
  type TypedArray,
  canonicalizeDType,
  castScalar,
  defaultFloat,
  isFloat,
  parseDType,
  resultType,
  scalarDType,
  typedArrayFor,
} from "../core/dtypes.js";
import { broadcastShapes, shapeEq } from "../core/shape.js";
import { ValueError } from "../core/errors.js";
import { arrayFromData } from "../runtime/dispatch.js";
import * as lax from "../lax/core.js";

export type DTypeLike = DType | string;

const TYPED: [new (...a: any[]) => TypedArray, DType][] = [
  [Float32Array, "float32"],
  [Float64Array, "float64"],
  [Int8Array, "int8"],
  [Int16Array, "int16"],
  [Int32Array, "int32"],
  [Uint8Array, "uint8"],
  [Uint8ClampedArray as any, "uint8"],
  [Uint16Array, "uint16"],
  [Uint32Array, "uint32"],
];

function typedDType(x: unknown): DType | null {
  for (const [c, d] of TYPED) if (x instanceof c) return d;
  return null;
}

/** Infers shape and a flat list of values from nested JS arrays, raising on ragged input. */
function nestedShape(data: unknown, shape: number[], flat: (number | boolean)[], kinds: Set<string>, depth: number): void {
  if (Array.isArray(data) || typedDType(data)) {
    const arr = data as globalThis.ArrayLike<unknown>;
    if (shape.length === depth) shape.push(arr.length);
    else if (shape[depth] !== arr.length) {
      throw new ValueError(`setting an array element with a sequence. The requested array has an inhomogeneous shape after ${depth} dimensions.`);
    }
    const td = typedDType(data);
    if (td) kinds.add(td);
    for (let i = 0; i < arr.length; i++) nestedShape(arr[i], shape, flat, kinds, depth + 1);
    return;
  }
  if (shape.length > depth) {
    throw new ValueError(`setting an array element with a sequence. The requested array has an inhomogeneous shape after ${depth} dimensions.`);
  }
  if (typeof data === "boolean") {
    kinds.add("bool");
    flat.push(data);
  } else if (typeof data === "number") {
    kinds.add(Number.isInteger(data) ? "int" : "float");
    flat.push(data);
  } else if (isArray(data)) {
    const c = data.toConcrete("jnp.array");
    kinds.add(c.dtype);
    const d = c.readData();
    for (let i = 0; i < d.length; i++) flat.push(d[i]!);
    shape.push(...c.shape);
  } else {
    throw new TypeError(`jnp.array: cannot convert ${data === null ? "null" : typeof data} to an array element`);
  }
}

export { ValueError };

function inferDType(kinds: Set<string>): DType {
  const ks = [...kinds];
  if (ks.length === 0) return defaultFloat();
  if (ks.every((k) => k === "bool")) return "bool";
  const infos: DTypeInfo[] = ks.map((k) =>
    k === "int" || k === "float" ? { dtype: defaultFloat(), weakType: true } : { dtype: k as DType, weakType: false },
  );
  return canonicalizeDType(resultType(...infos).dtype, false);
}

/**
 * jnp.array(data, { dtype }): from numbers, booleans, nested JS arrays, typed arrays or Arrays.
 * JS numbers are doubles with no int/float distinction, so number data defaults to float32
 * (float64 with x64) unless `dtype` is given; typed arrays keep their element type
 * (Int32Array → int32). A bare JS number gives a weakly typed scalar, like a Python scalar.
 */
export function array(data: unknown, opts: { dtype?: DTypeLike } = {}): JaxArray {
  const requested = opts.dtype === undefined ? undefined : canonicalizeDType(parseDType(opts.dtype));
  if (isArray(data)) {
    return requested === undefined ? data : lax.convertElementType(data, requested);
  }
  if (typeof data === "number" || typeof data === "boolean") {
    const info = typeof data === "boolean" ? scalarDType(data) : { dtype: defaultFloat(), weakType: true };
    const d = requested ?? info.dtype;
    return lax.scalar(data, d, requested === undefined && info.weakType);
  }
  const td = typedDType(data);
  if (td) {
    const src = data as TypedArray;
    const d = requested ?? canonicalizeDType(td, false);
    const out = typedArrayFor(d, src.length);
    if (d === td || (isFloat(d) && isFloat(td))) out.set(src);
    else for (let i = 0; i < src.length; i++) out[i] = castScalar(src[i]!, d);
    return arrayFromData(out, new ShapedArray([src.length], d));
  }
  const shape: number[] = [];
  const flat: (number | boolean)[] = [];
  const kinds = new Set<string>();
  nestedShape(data, shape, flat, kinds, 0);
  const d = requested ?? inferDType(kinds);
  const out = typedArrayFor(d, flat.length);
  for (let i = 0; i < flat.length; i++) out[i] = castScalar(Number(flat[i]), d);
  return arrayFromData(out, new ShapedArray(shape, d));
}

/** jnp.asarray: like array, but returns Arrays unchanged. */
export const asarray = (x: unknown, opts: { dtype?: DTypeLike } = {}): JaxArray => array(x, opts);

export function dtypeInfo(x: ArrayLike): DTypeInfo {
  if (isArray(x)) return { dtype: x.dtype, weakType: x.weakType };
  if (typeof x === "number" || typeof x === "boolean") return scalarDType(x);
  throw new TypeError(`Expected an Array, number or boolean, got ${typeof x}`);
}

/** jnp.result_type of operands (JS numbers are weak). */
export function resultTypeOf(...xs: ArrayLike[]): DTypeInfo {
  return resultType(...xs.map(dtypeInfo));
}

/** Converts operands to their promoted dtype (keeping the weak flag) and broadcasts shapes. */
export function promoteArgs(name: string, ...xs: ArrayLike[]): JaxArray[] {
  return broadcastArrays(name, ...promoteDTypes(xs));
}

/** promoteArgs for one elementwise primitive: rank-0 operands are left to broadcast in lax. */
export function promoteArgsScalar(name: string, ...xs: ArrayLike[]): JaxArray[] {
  return broadcastKeepScalars(name, ...promoteDTypes(xs));
}

function promoteDTypes(xs: ArrayLike[]): JaxArray[] {
  const { dtype, weakType } = resultTypeOf(...xs);
  const arrs = xs.map((x) => (isArray(x) ? x : lax.scalar(x as number, dtype, weakType)));
  return arrs.map((a) => (a.dtype === dtype ? a : lax.convertElementType(a, dtype, weakType && a.weakType)));
}

/** Promotes operands to a floating dtype (as NumPy's true division and transcendental functions do). */
export function promoteArgsInexact(name: string, ...xs: ArrayLike[]): JaxArray[] {
  return broadcastArrays(name, ...promoteInexactDTypes(xs));
}

/** promoteArgsInexact for one elementwise primitive: rank-0 operands stay rank-0. */
export function promoteArgsInexactScalar(name: string, ...xs: ArrayLike[]): JaxArray[] {
  return broadcastKeepScalars(name, ...promoteInexactDTypes(xs));
}

function promoteInexactDTypes(xs: ArrayLike[]): JaxArray[] {
  const { dtype, weakType } = resultTypeOf(...xs);
  const target = isFloat(dtype) ? dtype : defaultFloat();
  const arrs = xs.map((x) => (isArray(x) ? x : lax.scalar(x as number, target, true)));
  return arrs.map((a) => (a.dtype === target ? a : lax.convertElementType(a, target, weakType && a.weakType)));
}

/**
 * Like broadcastArrays, but rank-0 operands stay rank-0 when the others share one shape (JAX's
 * _promote_shapes relies on lax's scalar broadcasting: `x * 2.0` is `mul a 2.0:f32[]`).
 */
export function broadcastKeepScalars(name: string, ...xs: JaxArray[]): JaxArray[] {
  const ranked = xs.filter((x) => x.ndim > 0);
  if (ranked.length > 0 && ranked.length < xs.length && ranked.every((x) => shapeEq(x.shape, ranked[0]!.shape))) return xs;
  return broadcastArrays(name, ...xs);
}

export function broadcastArrays(name: string, ...xs: JaxArray[]): JaxArray[] {
  let shape: number[];
  try {
    shape = broadcastShapes(...xs.map((x) => x.shape));
  } catch {
    throw new ValueError(`Incompatible shapes for broadcasting: shapes=[${xs.map((x) => `(${x.shape.join(", ")}${x.ndim === 1 ? "," : ""})`).join(", ")}]`);
  }
  return xs.map((x) => broadcastTo(x, shape));
}

export function broadcastTo(x: ArrayLike, shape: readonly number[]): JaxArray {
  const a = lax.asArray(x);
  if (a.ndim === shape.length && a.shape.every((d, i) => d === shape[i])) return a;
  const nd = shape.length;
  if (a.ndim > nd) throw new ValueError(`Incompatible shapes for broadcasting: (${a.shape}) and requested shape (${shape})`);
  for (let i = 0; i < a.ndim; i++) {
    const d = a.shape[i]!;
    const t = shape[nd - a.ndim + i]!;
    if (d !== 1 && d !== t) throw new ValueError(`Incompatible shapes for broadcasting: (${a.shape}) and requested shape (${shape})`);
  }
  // Squeeze size-1 dims that broadcast, then broadcast_in_dim, as jnp.broadcast_to does.
  const dims = a.shape.map((_, i) => nd - a.ndim + i);
  return lax.broadcastInDim(a, shape, dims);
}

export function toDType(d: DTypeLike): DType {
  return canonicalizeDType(parseDType(d));
}
