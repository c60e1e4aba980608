// lax windowed reductions: reduceWindow (JAX's lax.reduce_window with the add / max / min
// monoids, named by string or by lax.add / lax.max / lax.min) and reduceWindowSum / Max / Min,
// binding reduce_window_{sum,max,min}. A non-identity init value is honoured as XLA does: the
// operand is padded (and base-dilated) with it, and it joins every window once.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { type DType, iinfo, isFloat } from "../core/dtypes.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { bind1 } from "../core/trace.js";
import { type ReduceWindowParams, reduce_window_max_p, reduce_window_min_p, reduce_window_sum_p } from "../primitives/windowed.js";
import { add, asArray, max, min, scalar } from "./core.js";
import { padtypeToPads, type PaddingLike } from "./conv.js";
import { pad } from "./shape.js";

export type WindowComputation = "add" | "max" | "min" | typeof add | typeof max | typeof min;

function params(
  x: JaxArray,
  windowDimensions: readonly number[],
  windowStrides: readonly number[] | null | undefined,
  padding: PaddingLike,
  baseDilation: readonly number[] | null | undefined,
  windowDilation: readonly number[] | null | undefined,
): ReduceWindowParams {
  const ones = x.shape.map(() => 1);
  const strides = windowStrides ? [...windowStrides] : ones;
  const pads: [number, number][] =
    typeof padding === "string" ? padtypeToPads(x.shape, windowDimensions, strides, padding) : padding.map(([lo, hi]) => [lo, hi]);
  return {
    windowDimensions: [...windowDimensions],
    windowStrides: strides,
    padding: pads,
    baseDilation: baseDilation ? [...baseDilation] : [...ones],
    windowDilation: windowDilation ? [...windowDilation] : [...ones],
  };
}

const windowed =
  (prim: PrimitiveRules<ReduceWindowParams>) =>
  (
    operand: ArrayLike,
    windowDimensions: readonly number[],
    windowStrides?: readonly number[] | null,
    padding: PaddingLike = "VALID",
    baseDilation?: readonly number[] | null,
    windowDilation?: readonly number[] | null,
  ): JaxArray => {
    const x = asArray(operand);
    return bind1(prim, [x], params(x, windowDimensions, windowStrides, padding, baseDilation, windowDilation));
  };

/** Sum over each window (padding counts as 0). */
export const reduceWindowSum = windowed(reduce_window_sum_p);
/** Maximum over each window (padding counts as -inf / the dtype's minimum). */
export const reduceWindowMax = windowed(reduce_window_max_p);
/** Minimum over each window (padding counts as +inf / the dtype's maximum). */
export const reduceWindowMin = windowed(reduce_window_min_p);

const monoids = {
  add: { prim: reduce_window_sum_p, op: add, identity: (_d: DType) => 0 },
  max: { prim: reduce_window_max_p, op: max, identity: (d: DType) => (isFloat(d) ? -Infinity : d === "bool" ? 0 : iinfo(d).min) },
  min: { prim: reduce_window_min_p, op: min, identity: (d: DType) => (isFloat(d) ? Infinity : d === "bool" ? 1 : iinfo(d).max) },
};

/** The value of a concrete scalar, or NaN for a tracer (which takes the general path). */
function concreteValue(x: JaxArray): number {
  try {
    return Number(x.dataSync()[0]);
  } catch {
    return NaN;
  }
}

/**
 * lax.reduce_window: reduces each window of `operand` with `computation` starting from
 * `initValue`. Padding and the holes of base dilation hold `initValue`.
 */
export function reduceWindow(
  operand: ArrayLike,
  initValue: ArrayLike,
  computation: WindowComputation,
  windowDimensions: readonly number[],
  windowStrides: readonly number[] | null = null,
  padding: PaddingLike = "VALID",
  baseDilation: readonly number[] | null = null,
  windowDilation: readonly number[] | null = null,
): JaxArray {
  const x = asArray(operand);
  const name = computation === add ? "add" : computation === max ? "max" : computation === min ? "min" : computation;
  if (name !== "add" && name !== "max" && name !== "min") {
    throw new TypeError(`reduce_window: computation must be "add", "max" or "min" (or lax.add / lax.max / lax.min), got ${String(computation)}.`);
  }
  const m = monoids[name];
  const init = typeof initValue === "number" || typeof initValue === "boolean" ? scalar(Number(initValue), x.dtype, true) : asArray(initValue);
  if (init.ndim !== 0) throw new TypeError(`reduce_window: init_value must be a scalar, got shape ${JSON.stringify(init.shape)}.`);
  if (init.dtype !== x.dtype) {
    throw new TypeError(`reduce_window: operand and init_value must have the same dtype, got ${x.dtype} and ${init.dtype}.`);
  }
  const p = params(x, windowDimensions, windowStrides, padding, baseDilation, windowDilation);
  const id = m.identity(x.dtype);
  const initConcrete = typeof initValue === "number" || typeof initValue === "boolean" ? Number(initValue) : concreteValue(init);
  if (initConcrete === id) return bind1(m.prim, [x], p);
  // XLA's semantics for another init: padding and holes hold it, and it starts every window.
  const padded = pad(x, init, p.padding.map(([lo, hi], i) => [lo, hi, p.baseDilation[i]! - 1] as const));
  const ones = x.shape.map(() => 1);
  const reduced = bind1(m.prim, [padded], {
    ...p,
    padding: x.shape.map(() => [0, 0] as [number, number]),
    baseDilation: ones,
  });
  return m.op(reduced, init);
}
