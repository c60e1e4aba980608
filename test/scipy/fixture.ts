// Loads test/fixtures/scipy.json (scripts/gen_scipy_fixtures.py: SciPy oracles for jax.scipy)
// and turns its {shape, data} records into jaxts arrays.
import { readFileSync } from "node:fs";
import { numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";

export interface Rec {
  shape: number[];
  data: (number | string)[];
}

/** A JSON scalar back to a number ("nan", "inf", "-inf" are strings in the fixture). */
const dec = (v: number | string): number => (v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : (v as number));

/** The float64 values of a record. */
export const values = (r: Rec): number[] => r.data.map(dec);

/** A record as an Array (float32 unless a dtype is given). */
export const toArray = (r: Rec, dtype = "float32"): JaxArray => jnp.reshape(jnp.array(values(r), { dtype }), r.shape);

// The fixture is untyped JSON.
export const fixture: any = JSON.parse(readFileSync(new URL("../fixtures/scipy.json", import.meta.url), "utf8"));
