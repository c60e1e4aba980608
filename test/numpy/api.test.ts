// jnp API behaviour beyond the NumPy fixtures: Array method forms agree with the functions,
// dtype rules with x64 enabled (JAX's documented canonical dtypes), weak types, error wording
// for JAX-specific restrictions, and the shape of the jaxprs the compositions produce.
import { afterEach, describe, expect, it } from "vitest";
import { ConcretizationTypeError, config, jit, makeJaxpr, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

const x = jnp.reshape(jnp.array([0.5, -1, 2, 3.5, -4, 1.25]), [2, 3]);
const y = jnp.reshape(jnp.array([1, 2, -1, 0.5, 3, -2]), [3, 2]);

describe("Array method forms equal the jnp functions", () => {
  const pairs: [string, () => JaxArray, () => JaxArray][] = [
    ["sum()", () => x.sum(), () => jnp.sum(x)],
    ["sum(0)", () => x.sum(0), () => jnp.sum(x, { axis: 0 })],
    ["mean({axis, keepdims})", () => x.mean({ axis: 1, keepdims: true }), () => jnp.mean(x, { axis: 1, keepdims: true })],
    ["max()", () => x.max(), () => jnp.max(x)],
    ["min(1)", () => x.min(1), () => jnp.min(x, 1)],
    ["matmul", () => x.matmul(y), () => jnp.matmul(x, y)],
    ["reshape(...dims) with -1", () => x.reshape(3, -1), () => jnp.reshape(x, [3, 2])],
    ["reshape([dims])", () => x.reshape([6]), () => jnp.ravel(x)],
    ["T", () => x.T, () => jnp.transpose(x)],
    ["transpose(axes)", () => x.transpose([1, 0]), () => jnp.swapaxes(x, 0, 1)],
    ["astype", () => x.astype("int32"), () => jnp.array(x, { dtype: "int32" })],
    ["sub/mul/div/pow/neg", () => x.sub(1).mul(2).div(4).pow(2).neg(), () => jnp.negative(jnp.power(jnp.divide(jnp.multiply(jnp.subtract(x, 1), 2), 4), 2))],
  ];
  for (const [name, m, f] of pairs) {
    it(name, () => {
      const a = m();
      const b = f();
      expect(a.dtype).toBe(b.dtype);
      expectAllClose(a, b, { atol: 0, rtol: 0 });
    });
  }
});

describe("dtypes", () => {
  afterEach(() => config.update("jax_enable_x64", false));

  it("default to 32 bits without x64", () => {
    expect(jnp.zeros([2]).dtype).toBe("float32");
    expect(jnp.arange(3).dtype).toBe("int32");
    expect(jnp.sum(jnp.array([1, 2], { dtype: "int8" })).dtype).toBe("int32");
    expect(jnp.sum(jnp.array([true, false])).dtype).toBe("int32");
    expect(jnp.mean(jnp.array([1, 2], { dtype: "int32" })).dtype).toBe("float32");
    expect(jnp.argmax(x).dtype).toBe("int32");
  });

  it("follow JAX's canonical 64-bit types with x64", () => {
    config.update("jax_enable_x64", true);
    expect(jnp.zeros([2]).dtype).toBe("float64");
    expect(jnp.eye(2).dtype).toBe("float64");
    expect(jnp.linspace(0, 1, 3).dtype).toBe("float64");
    expect(jnp.arange(3).dtype).toBe("int64");
    expect(jnp.sum(jnp.array([1, 2], { dtype: "int32" })).dtype).toBe("int64");
    expect(jnp.sum(jnp.array([1, 2], { dtype: "uint8" })).dtype).toBe("uint64");
    expect(jnp.mean(jnp.array([1, 2], { dtype: "int32" })).dtype).toBe("float64");
    expect(jnp.var(jnp.array([1, 2], { dtype: "float32" })).dtype).toBe("float32");
    expect(jnp.argmax(jnp.array([1, 3, 2])).dtype).toBe("int64");
    expect(jnp.cumsum(jnp.array([1, 2], { dtype: "int16" })).dtype).toBe("int64");
  });

  it("full with a JS number is weakly typed, as a Python scalar fill in JAX", () => {
    expect(jnp.full([2], 1.5).weakType).toBe(true);
    expect(jnp.full([2], 1.5, { dtype: "float32" }).weakType).toBe(false);
    expect(jnp.zeros([2]).weakType).toBe(false);
    // In promotion it behaves as the JS number itself would.
    const i8 = jnp.array([1, 2], { dtype: "int8" });
    const viaFull = jnp.add(jnp.full([2], 2.5), i8);
    const viaScalar = jnp.add(2.5, i8);
    expect([viaFull.dtype, viaFull.weakType]).toEqual([viaScalar.dtype, viaScalar.weakType]);
  });
});

describe("errors", () => {
  it("name the offending shapes", () => {
    expect(() => jnp.tril(jnp.ones([3]))).toThrow("Argument to jax.numpy.tril must be at least 2D, got shape (3,)");
    expect(() => jnp.matmul(jnp.ones([]), jnp.ones([3]))).toThrow("matmul: Input operand 0 does not have enough dimensions");
    expect(() => jnp.matmul(jnp.ones([2, 3, 4]), jnp.ones([3, 4, 5]))).toThrow("(2, 3, 4) and (3, 4, 5)");
    expect(() => jnp.stack([jnp.ones([2]), jnp.ones([3])])).toThrow("all input arrays must have the same shape, got (2,), (3,)");
    expect(() => jnp.squeeze(jnp.ones([2, 1]), 0)).toThrow("got shape=(2, 1) and dimensions=(0,)");
    expect(() => jnp.einsum("ij,jk->ik", jnp.ones([2, 3]))).toThrow("einsum(): fewer operands were provided");
    expect(() => jnp.einsum("ij,jk->ik", jnp.ones([2, 3]), jnp.ones([4, 5]))).toThrow("size of label 'j'");
    expect(() => jnp.tensordot(jnp.ones([2, 3]), jnp.ones([4, 5]), 1)).toThrow("shape-mismatch for sum");
    expect(() => jnp.concatenate([jnp.ones([]), jnp.ones([])])).toThrow("zero-dimensional arrays cannot be concatenated");
    expect(() => jnp.reshape(jnp.ones([6]), [-1, -1])).toThrow("can only specify one unknown dimension");
  });

  it("static arguments must be concrete under jit", () => {
    expect(() => jit((n: JaxArray) => jnp.arange(n))(jnp.array(3, { dtype: "int32" }))).toThrow(ConcretizationTypeError);
  });
});

describe("jaxprs", () => {
  const eqnCount = (s: string, prim: string) => s.split(new RegExp(`= ${prim}\\b`)).length - 1;

  it("einsum of two operands is one dot_general", () => {
    const s = makeJaxpr((a: JaxArray, b: JaxArray) => jnp.einsum("ij,jk->ik", a, b))(jnp.ones([2, 3]), jnp.ones([3, 4])).toString();
    expect(eqnCount(s, "dot_general")).toBe(1);
    expect(s).not.toContain("transpose");
  });

  it("matmul broadcasting an unbatched matrix materializes nothing", () => {
    const s = makeJaxpr((a: JaxArray, b: JaxArray) => jnp.matmul(a, b))(jnp.ones([5, 2, 3]), jnp.ones([3, 4])).toString();
    expect(eqnCount(s, "dot_general")).toBe(1);
    expect(s).not.toContain("broadcast_in_dim");
  });

  it("sum lowers to reduce_sum and argmax to argmax", () => {
    const s = makeJaxpr((a: JaxArray) => jnp.add(jnp.sum(a, 1), jnp.argmax(a, 1)))(jnp.ones([2, 3])).toString();
    expect(eqnCount(s, "reduce_sum")).toBe(1);
    expect(eqnCount(s, "argmax")).toBe(1);
  });
});
