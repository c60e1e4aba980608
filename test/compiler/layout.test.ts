// Layout primitives (broadcast_in_dim, transpose, reshape, squeeze, expand_dims, rev, slice,
// pad, concatenate) fused with elementwise consumers, against the reference interpreter.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, lax, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkFn, census } from "./harness.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const DTYPES: DType[] = ["float32", "int32", "uint8", "bool", "int16"];

describe("layout ops fused into elementwise kernels", () => {
  it("broadcast_in_dim of scalars, rows and columns", () => {
    for (const d of DTYPES) {
      const f = (x: JaxArray, r: JaxArray, c: JaxArray, s: JaxArray) =>
        lax.convertElementType(
          lax.add(
            lax.add(lax.convertElementType(x, "float32"), lax.broadcastInDim(lax.convertElementType(r, "float32"), [6, 7], [1])),
            lax.add(lax.broadcastInDim(lax.convertElementType(c, "float32"), [6, 7], [0]), lax.broadcastInDim(lax.convertElementType(s, "float32"), [6, 7], [])),
          ),
          d,
        );
      const p = checkFn(f, [[[6, 7], d], [[7], d], [[6], d], [[], d]]);
      expect(census(p).kernels).toBe(1);
    }
  });
  it("transpose (2-D and 3-D) of expressions", () => {
    checkFn((x: JaxArray) => lax.transpose(lax.mul(x, x), [1, 0]), [[[9, 13], "float32"]]);
    checkFn((x: JaxArray, y: JaxArray) => lax.add(lax.transpose(x, [2, 0, 1]), y), [[[3, 4, 5], "float32"], [[5, 3, 4], "float32"]]);
    checkFn((x: JaxArray) => lax.transpose(x, [1, 0]), [[[33, 2], "float64"]]);
    // Several tiles of rows and columns, split across calls.
    checkFn((x: JaxArray) => lax.transpose(x, [1, 0]), [[[50, 300], "float32"]], { splits: 7 });
    checkFn((x: JaxArray) => lax.transpose(x, [2, 0, 1]), [[[7, 40, 33], "int16"]], { splits: 5 });
  });
  it("reshape that merges and splits axes, and after a transpose", () => {
    checkFn((x: JaxArray) => lax.reshape(lax.neg(x), [4, 15]), [[[3, 4, 5], "float32"]]);
    checkFn((x: JaxArray) => lax.reshape(x, [2, 2, 3]), [[[4, 3], "int32"]]);
    // Not affine on a transposed view: the transpose is materialized first.
    const p = checkFn((x: JaxArray) => lax.reshape(lax.transpose(lax.neg(x), [1, 0]), [15]), [[[3, 5], "float32"]]);
    expect(census(p).kernels).toBe(2);
    checkFn((x: JaxArray) => lax.reshape(lax.transpose(x, [1, 0]), [15]), [[[3, 5], "float32"]]);
  });
  it("squeeze, expand_dims and rev", () => {
    checkFn((x: JaxArray) => jnp.squeeze(lax.neg(x), 1), [[[5, 1, 3], "float32"]]);
    checkFn((x: JaxArray) => jnp.expandDims(lax.abs(x), 1), [[[5, 3], "int8"]]);
    checkFn((x: JaxArray) => lax.rev(lax.sqrt(x), [0, 2]), [[[3, 4, 5], "float32"]], { lo: 0, hi: 4 });
    checkFn((x: JaxArray) => lax.rev(x, [0]), [[[41], "float32"]]);
  });
  it("slices with starts and strides", () => {
    checkFn((x: JaxArray) => lax.slice(x, [1, 2], [7, 9], [2, 3]), [[[8, 10], "float32"]]);
    checkFn((x: JaxArray) => lax.mul(lax.slice(x, [3], [40]), lax.slice(x, [0], [37])), [[[40], "float32"]]);
    checkFn((x: JaxArray) => lax.slice(x, [0, 0], [0, 4]), [[[3, 4], "float32"]]);
  });
  it("pad with low, high and negative padding", () => {
    const cfgs: [number, number, number][][] = [
      [[1, 2, 0], [0, 3, 0]],
      [[-1, 2, 0], [2, -2, 0]],
      [[0, 0, 0], [5, 5, 0]],
    ];
    for (const cfg of cfgs) {
      for (const d of ["float32", "int32", "uint8", "float64"] as DType[]) {
        checkFn((x: JaxArray, v: JaxArray) => lax.pad(lax.add(x, x), v, cfg), [[[4, 6], d], [[], d]]);
      }
    }
    checkFn((x: JaxArray) => lax.pad(x, 0, [[2, 1, 1]]), [[[5], "float32"]]);
  });
  it("pad with interior padding (a gather of the operand), and the transposes of strided slices", () => {
    const cfgs: [number, number, number][][] = [
      [[1, 2, 1], [0, 3, 2]],
      [[-1, -2, 3], [2, -4, 1]],
      [[-3, 0, 1], [0, 0, 7]],
      [[0, 0, 4], [1, 1, 0]],
    ];
    for (const cfg of cfgs) {
      for (const d of ["float32", "int32", "uint8", "float64", "bool"] as DType[]) {
        const p = checkFn((x: JaxArray, v: JaxArray) => lax.pad(x, v, cfg), [[[4, 6], d], [[], d]]);
        expect(census(p).eqns).toEqual([]);
      }
    }
    checkFn((x: JaxArray) => lax.pad(x, 0, [[2, 1, 3], [1, 0, 2]]), [[[1, 5], "float32"]]);
    checkFn((x: JaxArray) => lax.pad(x, 0, [[2, 1, 3]]), [[[0], "float32"]]);
    const p = checkFn((x: JaxArray) => lax.pad(lax.exp(x), 1.5, [[1, 1, 1]]), [[[9], "float32"]], { ulps: 4 });
    expect(census(p)).toEqual({ kernels: 2, eqns: [] });
    const g = grad((x: JaxArray) => jnp.sum(jnp.sin(lax.slice(x, [1, 0], [9, 10], [3, 2]))));
    expect(census(checkFn(g, [[[9, 10], "float32"]], { ulps: 4, atol: 1e-7 })).eqns).toEqual([]);
  });
  it("concatenate along each axis", () => {
    for (const axis of [0, 1]) {
      checkFn((a: JaxArray, b: JaxArray, c: JaxArray) => lax.mul(jnp.concatenate([a, b, c], axis), 2), [
        [[3, 4], "float32"], axis === 0 ? [[1, 4], "float32"] : [[3, 1], "float32"], [[3, 4], "float32"],
      ]);
    }
    checkFn((a: JaxArray, b: JaxArray) => jnp.concatenate([a, b], 0), [[[0], "int32"], [[5], "int32"]]);
  });
  it("a chain of layout ops becomes one kernel", () => {
    const f = (x: JaxArray, y: JaxArray) => {
      const t = lax.transpose(lax.reshape(x, [4, 6]), [1, 0]);
      return lax.add(lax.slice(lax.rev(t, [0]), [1, 0], [5, 4]), lax.broadcastInDim(y, [4, 4], [1]));
    };
    const p = checkFn(f, [[[24], "float32"], [[4], "float32"]]);
    expect(census(p).kernels).toBe(1);
  });
});
