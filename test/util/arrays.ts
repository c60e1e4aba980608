// Test helpers for building arrays: random arrays in [-1, 1), fixture arrays and a host-side
// slice (the loop side of vmap ≡ loop checks). Shared by the primitive tests.
import { lax, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { randArray as lawsRandArray } from "./laws.js";

/** Uniform values in [-1, 1) of the given shape and dtype, from a seed (laws.ts's generator). */
export function randArray(shape: readonly number[], seed: number, dtype: "float32" | "float64" = "float64"): JaxArray {
  return lawsRandArray(shape, seed, -1, 1, dtype);
}

/** A fixture array ({ data, shape, dtype }); "inf"/"-inf"/"nan" strings become numbers. */
export interface FixtureArray {
  data: (number | string)[];
  shape: number[];
  dtype: string;
}
const num = (v: number | string): number =>
  typeof v === "number" ? v : v === "inf" ? Infinity : v === "-inf" ? -Infinity : NaN;
export const fromFixture = (a: FixtureArray): JaxArray =>
  lax.reshape(jnp.array(Float64Array.from(a.data, num), { dtype: a.dtype as DType }), a.shape);

/** Host-side slice i along `axis`. */
export function take(x: JaxArray, axis: number, i: number): JaxArray {
  const data = x.dataSync();
  const shape = x.shape;
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) for (let k = 0; k < inner; k++) out[o * inner + k] = data[(o * n + i) * inner + k]!;
  return lax.reshape(jnp.array(out, { dtype: x.dtype }), shape.filter((_, j) => j !== axis));
}
