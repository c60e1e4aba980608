// The NumPy fixtures of scripts/gen_shape_ops_fixtures.py (shape ops, dynamic slices, gather
// and scatters), shared by test/primitives/shape_ops.test.ts and indexing.test.ts.
import { readFileSync } from "node:fs";
import { lax, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";

export interface FixArr {
  shape: number[];
  dtype: string;
  values: (number | string)[];
}
export interface FixCase {
  name: string;
  op: string;
  args: FixArr[];
  params: Record<string, any>;
  out: FixArr;
}
export const FIX = JSON.parse(readFileSync(new URL("../fixtures/shape_ops.json", import.meta.url), "utf8")) as {
  cases: FixCase[];
};
export const fromFix = (a: FixArr): JaxArray =>
  lax.reshape(jnp.array(Float64Array.from(a.values, Number), { dtype: a.dtype as DType }), a.shape);
