// Loads test/fixtures/nn.json (scripts/gen_nn_fixtures.py: NumPy/SciPy oracles for jax.nn, stax
// and the optimizers) and turns its {shape, data} records into jaxts arrays.
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose, type Tolerance } from "../util/check.js";

export type Enc = number | string | boolean;
export interface Rec {
  shape: number[];
  data: Enc[];
}

/** A JSON scalar back to a number ("nan", "inf", "-inf" are strings in the fixture). */
export const dec = (v: Enc): number =>
  v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : typeof v === "boolean" ? Number(v) : (v as number);

/** The float64 values of a record (for expectAllClose's expected side). */
export const values = (r: Rec): number[] => r.data.map(dec);

/** A record as an Array (float32 unless a dtype is given; booleans stay bool). */
export function toArray(r: Rec, dtype?: string): JaxArray {
  if (typeof r.data[0] === "boolean") return jnp.reshape(jnp.array(r.data as boolean[]), r.shape);
  return jnp.reshape(jnp.array(values(r), { dtype: dtype ?? "float32" }), r.shape);
}

// The fixture is untyped JSON.
export const fixture: any = JSON.parse(readFileSync(new URL("../fixtures/nn.json", import.meta.url), "utf8"));

/** Asserts `actual` has the record's shape and is close to its values. */
export function expectRec(actual: JaxArray, r: Rec, tol: Tolerance & { msg?: string } = {}): void {
  expect(actual.shape, tol.msg).toEqual(r.shape);
  expectAllClose(actual.dataSync(), values(r), tol);
}
