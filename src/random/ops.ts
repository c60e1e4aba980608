// The lax operations jax.random composes, gathered in one place. Most are thin
// aliases of src/lax; a few have local compositions from core lax ops (iota as a
// constant, since random only needs static index ranges). Ops that another
// module provides are looked up at call time with a clear error while missing.
import type { ArrayLike, JaxArray } from "../core/array.js";
import type { DType } from "../core/dtypes.js";
import { typedArrayFor } from "../core/dtypes.js";
import { prod } from "../core/shape.js";
import * as lax from "../lax/index.js";
import { array } from "../numpy/core.js";

export { lax };

type AnyFn = (...args: any[]) => JaxArray;

function need(name: string): AnyFn {
  const f = (lax as unknown as Record<string, AnyFn | undefined>)[name];
  if (typeof f !== "function") throw new Error(`jax.random needs lax.${name}, which is not available in this build`);
  return f;
}

/** 0, 1, ..., n-1 of an integer dtype, reshaped to `shape` (a constant array). */
export function iotaShape(dtype: DType, shape: readonly number[]): JaxArray {
  const n = prod(shape);
  const have = (lax as unknown as Record<string, unknown>)["iota"];
  if (typeof have === "function") return lax.reshape((have as AnyFn)(dtype, n), shape);
  const d = typedArrayFor(dtype, n);
  for (let i = 0; i < n; i++) d[i] = i;
  return lax.reshape(array(d, { dtype }), shape);
}

export const shiftRightLogical = (x: ArrayLike, y: ArrayLike): JaxArray => need("shiftRightLogical")(x, y);
export const shiftLeft = (x: ArrayLike, y: ArrayLike): JaxArray => need("shiftLeft")(x, y);
export const bitwiseOr = (x: ArrayLike, y: ArrayLike): JaxArray => need("bitwiseOr")(x, y);
export const bitwiseXor = (x: ArrayLike, y: ArrayLike): JaxArray => need("bitwiseXor")(x, y);
export const bitwiseAnd = (x: ArrayLike, y: ArrayLike): JaxArray => need("bitwiseAnd")(x, y);
export const bitcastConvertType = (x: ArrayLike, d: DType): JaxArray => need("bitcastConvertType")(x, d);
export const erfInv = (x: ArrayLike): JaxArray => need("erfInv")(x);
export const erf = (x: ArrayLike): JaxArray => need("erf")(x);
export const nextafter = (x: ArrayLike, y: ArrayLike): JaxArray => need("nextafter")(x, y);
export const concatenate = (xs: JaxArray[], dimension: number): JaxArray =>
  xs.length === 1 ? xs[0]! : need("concatenate")(xs, dimension);
export const slice = (x: JaxArray, start: number[], limit: number[]): JaxArray =>
  start.every((s) => s === 0) && limit.every((l, i) => l === x.shape[i]) ? x : need("slice")(x, start, limit);
export const argmax = (x: JaxArray, axis: number, indexDtype: DType): JaxArray => need("argmax")(x, axis, indexDtype);

/** x[..., i] along the last axis (a slice and a reshape). */
export function takeLast(x: JaxArray, i: number): JaxArray {
  const nd = x.ndim;
  const start = x.shape.map((_, j) => (j === nd - 1 ? i : 0));
  const limit = x.shape.map((d, j) => (j === nd - 1 ? i + 1 : d));
  return lax.reshape(slice(x, start, limit), x.shape.slice(0, -1));
}

/** Stacks equal-shaped arrays along a new last axis. */
export function stackLast(xs: JaxArray[]): JaxArray {
  const s = xs[0]!.shape;
  return concatenate(
    xs.map((x) => lax.reshape(x, [...s, 1])),
    s.length,
  );
}
