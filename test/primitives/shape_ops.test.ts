// Tests for the shape primitives of src/primitives/shape_ops.ts and the dynamic slices of
// src/primitives/indexing.ts (lax.squeeze, expandDims, rev, slice, pad, concatenate,
// dynamicSlice, dynamicUpdateSlice): values against NumPy fixtures
// (scripts/gen_shape_ops_fixtures.py), numerical gradient checks of orders 1 and 2, the
// transpose law ⟨u, f(v)⟩ = ⟨fᵀ(u), v⟩, vmap ≡ loop, jit ≡ eager, and JAX's shape errors.
import { describe, expect, it } from "vitest";
import { jit, makeJaxpr, vjp, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { assertClose, moveAxis, randArray, stack, take0, vdot } from "../util/laws.js";
import { FIX, type FixCase, fromFix } from "../util/shape_ops_fixtures.js";


function runShapeOp(c: FixCase, args: JaxArray[]): JaxArray {
  const p = c.params;
  switch (c.op) {
    case "squeeze":
      return lax.squeeze(args[0]!, p.dimensions);
    case "expandDims":
      return lax.expandDims(args[0]!, p.dimensions);
    case "rev":
      return lax.rev(args[0]!, p.dimensions);
    case "slice":
      return lax.slice(args[0]!, p.startIndices, p.limitIndices, p.strides);
    case "sliceInDim":
      return lax.sliceInDim(args[0]!, p.start, p.limit, p.stride, p.axis);
    case "pad":
      return lax.pad(args[0]!, args[1]!, p.config);
    case "concatenate":
      return lax.concatenate(args, p.dimension);
    case "dynamicSlice":
      return lax.dynamicSlice(args[0]!, p.startIndices.map((i: number) => jnp.array(i, { dtype: "int32" })), p.sliceSizes);
    case "dynamicUpdateSlice":
      return lax.dynamicUpdateSlice(args[0]!, args[1]!, p.startIndices);
  }
  throw new Error(`not a shape op: ${c.op}`);
}

const SHAPE_OPS = ["squeeze", "expandDims", "rev", "slice", "sliceInDim", "pad", "concatenate", "dynamicSlice", "dynamicUpdateSlice"];

describe("values against NumPy", () => {
  for (const c of FIX.cases.filter((c) => SHAPE_OPS.includes(c.op))) {
    it(c.name, () => {
      const args = c.args.map(fromFix);
      const out = runShapeOp(c, args);
      expect(out.dtype).toBe(c.out.dtype);
      expectAllClose(out, fromFix(c.out), { atol: 0, rtol: 0 });
      // The same op staged by jit gives the same answer.
      expectAllClose(jit((...xs: JaxArray[]) => runShapeOp(c, xs))(...args), out, { atol: 0, rtol: 0 });
    });
  }
});

// ---- the linear functions under test (each of its float arguments) ----

const i32 = (v: number) => jnp.array(v, { dtype: "int32" });

interface Linear {
  name: string;
  f: (...xs: JaxArray[]) => JaxArray;
  shapes: number[][];
}
const LINEAR: Linear[] = [
  { name: "squeeze", f: (x) => lax.squeeze(x, [0, 2]), shapes: [[1, 3, 1, 2]] },
  { name: "expandDims", f: (x) => lax.expandDims(x, [0, -1]), shapes: [[2, 3]] },
  { name: "rev", f: (x) => lax.rev(x, [0, 2]), shapes: [[2, 3, 2]] },
  { name: "slice", f: (x) => lax.slice(x, [1, 0], [4, 5], [2, 2]), shapes: [[5, 5]] },
  { name: "pad", f: (x, v) => lax.pad(x, v, [[1, -1, 1], [-2, 2, 0]]), shapes: [[3, 4], []] },
  { name: "pad interior only", f: (x, v) => lax.pad(x, v, [[0, 0, 2]]), shapes: [[3], []] },
  { name: "concatenate", f: (a, b, c) => lax.concatenate([a, b, c], 1), shapes: [[2, 1], [2, 3], [2, 2]] },
  { name: "dynamicSlice", f: (x) => lax.dynamicSlice(x, [i32(3), i32(-1)], [2, 2]), shapes: [[4, 5]] },
  { name: "dynamicUpdateSlice", f: (x, u) => lax.dynamicUpdateSlice(x, u, [i32(1), i32(4)]), shapes: [[4, 5], [2, 3]] },
];

describe("gradients (orders 1 and 2, fwd and rev)", () => {
  for (const { name, f, shapes } of LINEAR) {
    it(name, () => {
      const args = shapes.map((s, k) => randArray(s, 11 + k));
      checkGrads(f, args, 1);
      // A nonlinear composite so that the second derivatives are not all zero.
      const g = (...xs: JaxArray[]) => {
        const y = f(...xs.map((x) => lax.sin(x)));
        return lax.mul(y, y);
      };
      checkGrads(g, args, 2);
    });
  }
});

describe("transpose law ⟨u, f(v)⟩ = ⟨fᵀ(u), v⟩", () => {
  for (const { name, f, shapes } of LINEAR) {
    it(name, () => {
      const vs = shapes.map((s, k) => randArray(s, 21 + k));
      const [out, pullback] = vjp(f, ...vs);
      const u = randArray(out.shape, 31);
      const cts = pullback(u) as JaxArray[];
      const lhs = vdot(u, out);
      const rhs = cts.reduce((s, ct, k) => s + vdot(ct, vs[k]), 0);
      expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
      cts.forEach((ct, k) => expect(ct.shape).toEqual(vs[k]!.shape));
    });
  }
});

describe("vmap ≡ loop", () => {
  const B = 3;
  for (const { name, f, shapes } of LINEAR) {
    it(`${name}: every argument batched on axis 0`, () => {
      const xs = shapes.map((s, k) => randArray([B, ...s], 41 + k));
      const want = stack(range(B).map((b) => f(...xs.map((x) => take0(x, b)))));
      assertClose(vmap(f)(...xs), want, { atol: 0, rtol: 0 });
      assertClose(jit(vmap(f))(...xs), want, { atol: 0, rtol: 0 });
    });
    it(`${name}: one argument batched on its last axis, the others unbatched`, () => {
      const k = shapes.length - 1;
      const s = shapes[k]!;
      const xb = randArray([...s, B], 51);
      const rest = shapes.slice(0, k).map((sh, j) => randArray(sh, 61 + j));
      const inAxes = [...rest.map(() => null), s.length];
      const want = stack(range(B).map((b) => f(...rest, take0(moveAxis(xb, s.length, 0), b))));
      assertClose(vmap(f, { inAxes })(...rest, xb), want, { atol: 0, rtol: 0 });
    });
  }

  it("dynamicSlice and dynamicUpdateSlice with batched indices (gather / scatter)", () => {
    const x = randArray([B, 4, 5], 71);
    const u = randArray([B, 2, 3], 72);
    const i = jnp.array(new Int32Array([0, 3, -1]));
    const j = jnp.array(new Int32Array([4, 1, 2]));
    const ds = (x: JaxArray, i: JaxArray, j: JaxArray) => lax.dynamicSlice(x, [i, j], [2, 3]);
    const dus = (x: JaxArray, u: JaxArray, i: JaxArray, j: JaxArray) => lax.dynamicUpdateSlice(x, u, [i, j]);
    const at = (a: JaxArray, b: number) => take0(a, b);
    assertClose(vmap(ds)(x, i, j), stack(range(B).map((b) => ds(at(x, b), at(i, b), at(j, b)))), { atol: 0, rtol: 0 });
    const x0 = take0(x, 0);
    assertClose(vmap(ds, { inAxes: [null, 0, null] })(x0, i, i32(2)), stack(range(B).map((b) => ds(x0, at(i, b), i32(2)))), { atol: 0, rtol: 0 });
    assertClose(vmap(dus)(x, u, i, j), stack(range(B).map((b) => dus(at(x, b), at(u, b), at(i, b), at(j, b)))), { atol: 0, rtol: 0 });
    const u0 = take0(u, 0);
    assertClose(
      vmap(dus, { inAxes: [null, null, 0, 0] })(x0, u0, i, j),
      stack(range(B).map((b) => dus(x0, u0, at(i, b), at(j, b)))),
      { atol: 0, rtol: 0 },
    );
  });

  it("pad with a batched padding value", () => {
    const x = randArray([3, 2], 81);
    const v = randArray([B], 82);
    const f = (x: JaxArray, v: JaxArray) => lax.pad(x, v, [[1, -1, 1], [0, 2, 1]]);
    assertClose(vmap(f, { inAxes: [null, 0] })(x, v), stack(range(B).map((b) => f(x, take0(v, b)))), { atol: 0, rtol: 0 });
  });
});

describe("jaxprs", () => {
  it("prints the primitives with their params", () => {
    const f = (x: JaxArray) => lax.pad(lax.rev(lax.slice(x, [1], [4]), [0]), 0, [[1, 0, 0]]);
    const s = makeJaxpr(f)(randArray([5], 1)).toString();
    expect(s).toContain("slice[limitIndices=(4,) startIndices=(1,) strides=None]");
    expect(s).toContain("rev[dimensions=(0,)]");
    expect(s).toContain("pad[paddingConfig=((1, 0, 0),)]");
  });
});

describe("shape errors (JAX's wording)", () => {
  const x = randArray([2, 3], 1);
  const cases: [string, () => unknown, string][] = [
    ["squeeze a dim of size 3", () => lax.squeeze(x, [1]), "cannot select an axis to squeeze out which has size not equal to one, got shape=(2, 3) and dimensions=(1,)"],
    ["expandDims repeated", () => lax.expandDims(x, [0, 0]), "repeated axis in lax.expand_dims"],
    ["rev out of range", () => lax.rev(x, [2]), "rev dimensions must all be less than operand ndim, got dimensions (2,) for operand ndim 2."],
    ["slice past the end", () => lax.slice(x, [0, 0], [2, 4]), "slice limit_indices must be less than or equal to operand shape, got limit_indices (2, 4) for operand shape (2, 3)."],
    ["slice wrong rank", () => lax.slice(x, [0], [1]), "slice start_indices must have length equal to the number of dimensions of the operand, got indices (0,) for operand shape (2, 3)."],
    ["slice limit < start", () => lax.slice(x, [1, 0], [0, 3]), "slice limit_indices must be greater than or equal to start_indices"],
    ["pad config rank", () => lax.pad(x, 0, [[0, 0, 0]]), "length of padding_config must equal the number of axes of operand, got padding_config ((0, 0, 0)) for operand shape (2, 3)"],
    ["pad negative interior", () => lax.pad(x, 0, [[0, 0, -1], [0, 0, 0]]), "interior padding in padding_config must be nonnegative"],
    ["pad below zero", () => lax.pad(x, 0, [[-3, 0, 0], [0, 0, 0]]), "Dimension size after padding is not at least 0, got result shape (-1, 3)"],
    ["concatenate mismatch", () => lax.concatenate([x, randArray([3, 3], 2)], 1), "Cannot concatenate arrays with shapes that differ in dimensions other than the one being concatenated: concatenating along dimension 1 for shapes (2, 3), (3, 3)."],
    ["concatenate rank", () => lax.concatenate([x, randArray([3], 2)], 0), "Cannot concatenate arrays with different numbers of dimensions: got (2, 3), (3,)."],
    ["concatenate dimension", () => lax.concatenate([x, x], 2), "concatenate dimension out of bounds: dimension 2 for shapes (2, 3), (2, 3)."],
    ["dynamicSlice too big", () => lax.dynamicSlice(x, [0, 0], [3, 1]), "slice slice_sizes must be less than or equal to operand shape, got slice_sizes (3, 1) for operand shape (2, 3)."],
    ["dynamicSlice index count", () => lax.dynamicSlice(x, [0], [1, 1]), "Length of slice indices must match number of operand dimensions (1 vs (2, 3))"],
    ["dynamicUpdateSlice too big", () => lax.dynamicUpdateSlice(x, randArray([3, 1], 3), [0, 0]), "dynamic_update_slice update shape must be smaller than operand shape, got update shape (3, 1) for operand shape (2, 3)."],
    ["dynamicUpdateSlice rank", () => lax.dynamicUpdateSlice(x, randArray([3], 3), [0, 0]), "dynamic_update_slice update must have the same rank as operand, got update shape (3,) for operand shape (2, 3)."],
  ];
  for (const [name, f, msg] of cases) {
    it(name, () => {
      expect(f).toThrow(TypeError);
      expect(f).toThrow(msg);
    });
  }
});

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
