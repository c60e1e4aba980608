// Small helpers shared by the jax.numpy families: axis normalization, option parsing (a bare
// axis or an options object), shape strings in NumPy's style and dtype classification.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { type DType, defaultInt, defaultUint, isSignedInt, isUnsignedInt, itemsize } from "../core/dtypes.js";
import { normalizeAxis } from "../core/shape.js";
import * as lax from "../lax/core.js";
import { ValueError, toDType, type DTypeLike } from "./core.js";

export type Axis = number | readonly number[] | null | undefined;

/** A shape as NumPy prints it: (2, 3), (3,), (). */
export const npShape = (s: readonly number[]): string => `(${s.join(", ")}${s.length === 1 ? "," : ""})`;

/** A shape as NumPy's error messages print it: (2,3), (3,), (). */
export const npShapeCompact = (s: readonly number[]): string => `(${s.join(",")}${s.length === 1 ? "," : ""})`;

/** Normalizes one axis (negative counts from the end) with NumPy's AxisError wording. */
export function canonAxis(axis: number, ndim: number): number {
  if (!Number.isInteger(axis) || axis < -ndim || axis >= ndim) {
    throw new AxisError(`axis ${axis} is out of bounds for array of dimension ${ndim}`);
  }
  return normalizeAxis(axis, ndim);
}

/** Normalizes a list of axes, rejecting repeats as NumPy does. */
export function canonAxes(axes: readonly number[], ndim: number): number[] {
  const out = axes.map((a) => canonAxis(a, ndim));
  if (new Set(out).size !== out.length) throw new ValueError("repeated axis");
  return out;
}

/** The axes a reduction covers: all of them for null/undefined. */
export function reductionAxes(axis: Axis, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const axes = (typeof axis === "number" ? [axis] : axis).map((a) => canonAxis(a, ndim));
  if (new Set(axes).size !== axes.length) throw new ValueError("duplicate value in 'axis'");
  return axes;
}

export class AxisError extends ValueError {
  constructor(msg: string) {
    super(msg);
    this.name = "AxisError";
  }
}

/** Whether a value is a plain options object (not an Array, JS array, number or null). */
export function isOptions(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !isArray(x) && !ArrayBuffer.isView(x);
}

/** Accepts `f(x, axis)`, `f(x, [a, b])` or `f(x, { axis, ... })`, returning the options object. */
export function axisOpts<T extends { axis?: Axis }>(o: Axis | T | undefined): T {
  if (o === undefined || o === null) return {} as T;
  if (typeof o === "number" || Array.isArray(o)) return { axis: o } as T;
  return o as T;
}

/** Accepts a dtype either as a string or inside an options object. */
export function dtypeOpt(o: DTypeLike | { dtype?: DTypeLike | null } | null | undefined): DType | undefined {
  if (o === undefined || o === null) return undefined;
  if (typeof o === "string") return toDType(o);
  return o.dtype === undefined || o.dtype === null ? undefined : toDType(o.dtype);
}

/** A shape given as one integer or a list, validated as NumPy does. */
export function shapeArg(shape: number | readonly number[], name: string): number[] {
  const s = typeof shape === "number" ? [shape] : [...shape];
  for (const d of s) {
    if (!Number.isInteger(d)) throw new TypeError(`${name}: shape must be integers, got ${npShape(s)}`);
    if (d < 0) throw new ValueError(`${name}: negative dimensions are not allowed, got shape ${npShape(s)}`);
  }
  return s;
}

/**
 * NumPy/JAX rule for sum-like reductions: bool and small integers accumulate in the default
 * integer of their signedness (int32 without x64), so `sum(bool)` counts.
 */
export function promoteIntegerDtype(d: DType): DType {
  if (d === "bool") return defaultInt();
  if (isSignedInt(d) && itemsize(d) < itemsize(defaultInt())) return defaultInt();
  if (isUnsignedInt(d) && itemsize(d) < itemsize(defaultUint())) return defaultUint();
  return d;
}

/** A concrete JS number from a number or a concrete 0-d/size-1 Array (for static arguments). */
export function concreteNumber(x: ArrayLike, what: string): number {
  if (typeof x === "number") return x;
  if (typeof x === "boolean") return x ? 1 : 0;
  if ((x as JaxArray).size !== 1) throw new TypeError(`${what}: expected a scalar, got shape ${npShape((x as JaxArray).shape)}`);
  return Number((x as JaxArray).item());
}

/** Inserts size-1 dims at the reduced axes (keepdims). */
export function keepDims(r: JaxArray, inShape: readonly number[], axes: readonly number[]): JaxArray {
  return lax.reshape(r, inShape.map((d, i) => (axes.includes(i) ? 1 : d)));
}
