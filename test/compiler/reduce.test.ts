// Reductions (sum, prod, max, min, and, or, argmax, argmin) over each axis, several axes and
// all axes, with elementwise prologues and epilogues, against the reference interpreter:
// exact for integers, max/min and argmax; float sums and products within rounding of a
// different summation order.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, lax, primitives } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { bind1 } from "../../src/core/trace.js";
import { checkFn, census } from "./harness.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const P = primitives as unknown as Record<string, (typeof primitives)["reduce_sum"]>;
const red = (name: string, axes: number[], extra: Record<string, unknown> = {}) => (x: JaxArray) =>
  bind1(P[name]!, [x], { axes, ...extra });

const SHAPES: [number[], number[][]][] = [
  [[37], [[0]]],
  [[5, 13], [[0], [1], [0, 1]]],
  [[3, 4, 9], [[0], [1], [2], [0, 2], [1, 2], [0, 1, 2]]],
  [[2, 0, 3], [[1], [0, 2]]],
  [[6, 1, 8], [[1], [2]]],
];

const FLOAT_TOL = { rtol: 1e-6, atol: 1e-6 };

describe("reductions", () => {
  for (const op of ["reduce_sum", "reduce_prod", "reduce_max", "reduce_min"]) {
    it(`${op} over every axis set and dtype`, () => {
      for (const d of ["float32", "float64", "int32", "int8", "uint16", "uint32", "int64"] as DType[]) {
        for (const [shape, axesList] of SHAPES) {
          for (const axes of axesList) {
            const float = d.startsWith("float");
            // int64 products stay below 2^53, where doubles are exact in any order.
            const lohi = op !== "reduce_prod" ? {} : float ? { lo: 0.5, hi: 1.5 } : d === "int64" ? { lo: -3, hi: 4 } : {};
            checkFn(red(op, axes), [[shape, d]], float ? { ...FLOAT_TOL, ...lohi } : lohi);
          }
        }
      }
    });
  }
  it("reduce_max/min propagate NaN; bool reductions", () => {
    checkFn(red("reduce_max", [1]), [[[6, 33], "float32"]], { specials: true });
    checkFn(red("reduce_min", [0]), [[[33, 6], "float32"]], { specials: true });
    for (const op of ["reduce_sum", "reduce_max", "reduce_min", "reduce_and", "reduce_or"]) {
      checkFn(red(op, [1]), [[[5, 19], "bool"]]);
      checkFn(red(op, [0]), [[[19, 5], "bool"]]);
    }
  });
  it("reduce_and / reduce_or on integers", () => {
    for (const d of ["int32", "uint8", "uint32", "int16"] as DType[]) {
      for (const op of ["reduce_and", "reduce_or"]) {
        checkFn(red(op, [1]), [[[4, 9], d]]);
        checkFn(red(op, [0]), [[[9, 4], d]]);
      }
    }
  });
  it("argmax / argmin (first index, NaN wins) over each axis", () => {
    for (const d of ["float32", "float64", "int32", "uint8", "bool"] as DType[]) {
      for (const name of ["argmax", "argmin"]) {
        for (const [shape, axis] of [[[31], 0], [[4, 7], 0], [[4, 7], 1], [[3, 5, 6], 1]] as [number[], number][]) {
          checkFn(red(name, [axis], { indexDtype: "int32" }), [[shape, d]], { specials: true, lo: -3, hi: 3 });
        }
      }
    }
    checkFn(red("argmax", [1], { indexDtype: "int64" }), [[[4, 7], "float32"]]);
  });
  it("argmax / argmin in SIMD form: lanes along the axis (folded in index order) and across outputs", () => {
    const cases: [number[], number][] = [[[3, 67], 1], [[2, 9], 1], [[67, 9], 0], [[40, 3, 17], 1], [[5, 300], 1], [[300, 2], 0]];
    for (const d of ["float32", "float64", "int8", "int16", "uint32", "int64", "bool"] as DType[]) {
      for (const name of ["argmax", "argmin"]) {
        for (const [shape, axis] of cases) {
          for (const opts of [{ specials: true }, { lo: -2, hi: 2 }, {}]) {
            checkFn(red(name, [axis], { indexDtype: d === "int64" ? "int64" : "int32" }), [[shape, d]], { ...opts, seed: shape[0]! });
          }
        }
      }
    }
  });
  it("a reduction absorbs its prologue and epilogue", () => {
    const f = (x: JaxArray, y: JaxArray) => lax.sqrt(lax.reduceSum(lax.mul(lax.sub(x, y), lax.sub(x, y)), [1]));
    const p = checkFn(f, [[[7, 50], "float32"], [[7, 50], "float32"]], FLOAT_TOL);
    expect(census(p).kernels).toBe(1);
    const g = (x: JaxArray) => lax.mul(lax.reduceMax(lax.exp(x), [0]), 2);
    const q = checkFn(g, [[[50, 7], "float32"]], FLOAT_TOL);
    expect(census(q).kernels).toBe(1);
  });
  it("several reductions over the same axes share one kernel", () => {
    const f = (x: JaxArray) => [lax.reduceSum(x, [1]), lax.reduceSum(lax.mul(x, x), [1]), lax.reduceMax(x, [1])];
    const p = checkFn(f, [[[9, 21], "float32"]], FLOAT_TOL);
    expect(census(p).kernels).toBe(1);
  });
  it("large reductions into few outputs run in two stages", () => {
    const mean = (x: JaxArray) => lax.div(lax.reduceSum(lax.mul(x, x), [0, 1]), lax.full([], 512 * 300, "float32"));
    const p = checkFn(mean, [[[512, 300], "float32"]], { rtol: 1e-6 });
    expect(census(p).kernels).toBe(2);
    for (const op of ["reduce_max", "reduce_min", "reduce_sum"]) {
      checkFn(red(op, [1, 2]), [[[2, 640, 130], "int32"]], { splits: 5 });
      checkFn(red(op, [0]), [[[70000], "float64"]], { specials: true, rtol: 1e-12 });
    }
    checkFn(red("reduce_or", [0]), [[[65536], "bool"]]);
    // argmax keeps one stage; so do prime-length axes.
    expect(census(checkFn(red("argmax", [0], { indexDtype: "int32" }), [[[70000], "float32"]])).kernels).toBe(1);
    expect(census(checkFn(red("reduce_sum", [0]), [[[65537], "float32"]], { rtol: 1e-6 })).kernels).toBe(1);
  });
  it("float32 sums accumulate in float64 like the reference", () => {
    checkFn(red("reduce_sum", [0]), [[[100000], "float32"]], { rtol: 1e-7, atol: 1e-7 });
  });
});
