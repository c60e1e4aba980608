// cumsum as a compiled kernel: every numeric dtype, every axis, both directions, vectorized
// (inner ≥ one vector) and scalar (inner < one vector) forms, empty shapes and split ranges,
// bit-exact against the reference kernel (which rounds or wraps every partial sum as these
// kernels do).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, numpy as jnp, primitives } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { bind } from "../../src/core/trace.js";
import { checkFn, census } from "./harness.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const NUMERIC: DType[] = ["int8", "int16", "int32", "uint8", "uint16", "uint32", "int64", "uint64", "float32", "float64"];
const cumsum = (axis: number, reverse: boolean) => (x: JaxArray) => bind(primitives.cumsum, [x], { axis, reverse })[0]!;

describe("cumsum", () => {
  it("every dtype, every axis of a rank-3 array, both directions", () => {
    for (const d of NUMERIC) {
      for (let axis = 0; axis < 3; axis++) {
        for (const reverse of [false, true]) {
          const p = checkFn(cumsum(axis, reverse), [[[3, 11, 37], d]], { specials: true });
          expect(census(p)).toEqual({ kernels: 1, eqns: [] });
        }
      }
    }
  });
  it("narrow and wide inner extents, rank 1, empty shapes", () => {
    for (const shape of [[40, 2], [40, 3], [40, 4], [7, 5], [6, 9, 16], [6, 5, 33], [100], [1], [0], [4, 0], [0, 5]]) {
      for (const d of ["float32", "float64", "int8"] as DType[]) {
        for (let axis = 0; axis < Math.min(shape.length, 2); axis++) checkFn(cumsum(axis, axis === 1), [[shape, d]]);
      }
    }
  });
  it("fuses with nothing: operand and result are buffers", () => {
    const f = (x: JaxArray) => jnp.multiply(jnp.cumsum(jnp.abs(x)), 3);
    expect(census(checkFn(f, [[[17], "float32"]]))).toEqual({ kernels: 3, eqns: [] });
  });
});
