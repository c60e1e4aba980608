// The lax operations jax.random composes, gathered in one place: aliases of
// src/lax plus small compositions (iota reshaped, last-axis take and stack).
import type { JaxArray } from "../core/array.js";
import type { DType } from "../core/dtypes.js";
import { prod } from "../core/shape.js";
import * as lax from "../lax/index.js";

export { lax };

/** 0, 1, ..., n-1 of an integer dtype, reshaped to `shape` (a constant array). */
export function iotaShape(dtype: DType, shape: readonly number[]): JaxArray {
  return lax.reshape(lax.iota(dtype, prod(shape)), shape);
}

export const shiftRightLogical = lax.shiftRightLogical;
export const shiftLeft = lax.shiftLeft;
export const bitwiseOr = lax.bitwiseOr;
export const bitwiseXor = lax.bitwiseXor;
export const bitwiseAnd = lax.bitwiseAnd;
export const bitcastConvertType = lax.bitcastConvertType;
export const erfInv = lax.erfInv;
export const erf = lax.erf;
export const nextafter = lax.nextafter;
export const concatenate = (xs: JaxArray[], dimension: number): JaxArray =>
  xs.length === 1 ? xs[0]! : lax.concatenate(xs, dimension);
export const slice = (x: JaxArray, start: number[], limit: number[]): JaxArray =>
  start.every((s) => s === 0) && limit.every((l, i) => l === x.shape[i]) ? x : lax.slice(x, start, limit);
export const argmax = lax.argmax;

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
