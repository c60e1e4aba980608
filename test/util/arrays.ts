// Test helpers for building arrays: a seeded generator, random arrays, fixture arrays and a
// host-side slice (the loop side of vmap ≡ loop checks). Shared by the primitive tests.
import { lax, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";

/** A small seeded generator of uniform numbers in [0, 1) (mulberry32). */
export function makeRng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), s | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform values in [-1, 1) of the given shape and dtype, from a seed. */
export function randArray(shape: readonly number[], seed: number, dtype: DType = "float64"): JaxArray {
  const rng = makeRng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  return lax.reshape(jnp.array(Float64Array.from({ length: n }, () => 2 * rng() - 1), { dtype }), shape);
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
