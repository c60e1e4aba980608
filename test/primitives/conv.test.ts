// Tests for conv_general_dilated and its lax wrappers: values against PyTorch and NumPy-loop
// fixtures (scripts/gen_conv_fixtures.py) for 1-, 2- and 3-D convolutions with strides, padding
// (explicit, negative, "SAME", "SAME_LOWER", "VALID"), lhs and rhs dilation, feature and batch
// groups and arbitrary layouts; convTranspose against torch's conv_transpose2d; numerical
// gradient checks (orders 1 and 2, forward and reverse, in both operands); vmap ≡ loop for
// every batching case; jit ≡ eager; JAX's error messages; jnp.convolve / jnp.correlate against
// np.convolve / np.correlate.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, makeJaxpr, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { fromFixture, randArray, take } from "../util/arrays.js";

interface FixArr {
  dtype: string;
  shape: number[];
  data: number[];
}
interface ConvCase {
  name: string;
  op: "conv" | "convTranspose";
  lhs: FixArr;
  rhs: FixArr;
  strides: number[];
  padding: string | [number, number][];
  lhsDilation: number[] | null;
  rhsDilation: number[] | null;
  dimensionNumbers: [string, string, string] | null;
  featureGroupCount: number;
  batchGroupCount: number;
  transposeKernel: boolean;
  oracle: string;
  expected: FixArr;
}
interface NpCase {
  fn: "convolve" | "correlate";
  mode: "full" | "same" | "valid";
  a: FixArr;
  v: FixArr;
  expected: FixArr;
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/conv.json", import.meta.url), "utf8")) as { conv: ConvCase[]; numpy: NpCase[] };

function runCase(c: ConvCase, lhs: JaxArray, rhs: JaxArray): JaxArray {
  if (c.op === "convTranspose") {
    return lax.convTranspose(lhs, rhs, c.strides, c.padding, {
      dimensionNumbers: c.dimensionNumbers,
      transposeKernel: c.transposeKernel,
    });
  }
  return lax.convGeneralDilated(lhs, rhs, c.strides, c.padding, {
    lhsDilation: c.lhsDilation,
    rhsDilation: c.rhsDilation,
    dimensionNumbers: c.dimensionNumbers,
    featureGroupCount: c.featureGroupCount,
    batchGroupCount: c.batchGroupCount,
  });
}

describe("values against PyTorch and NumPy loops", () => {
  for (const c of FIX.conv) {
    it(`${c.name} (${c.oracle})`, () => {
      const saved = config.read("jax_enable_x64");
      if (c.expected.dtype === "float64") config.update("jax_enable_x64", true);
      try {
        checkCase(c);
      } finally {
        config.update("jax_enable_x64", saved);
      }
    });
  }

  function checkCase(c: ConvCase): void {
    const lhs = fromFixture(c.lhs);
    const rhs = fromFixture(c.rhs);
    const out = runCase(c, lhs, rhs);
    expect(out.shape).toEqual(c.expected.shape);
    expect(out.dtype).toBe(c.expected.dtype);
    const tol = c.expected.dtype === "float32" ? { atol: 1e-5, rtol: 1e-5 } : {};
    expectAllClose(out, Float64Array.from(c.expected.data), tol);
    const jitted = jit((a: JaxArray, b: JaxArray) => runCase(c, a, b))(lhs, rhs) as JaxArray;
    expectAllClose(jitted, out, { atol: 0, rtol: 0 });
  }

  it("convTranspose output sizes follow Keras's Conv2DTranspose: in·s (SAME), in·s + max(k - s, 0) (VALID)", () => {
    const x = randArray([1, 5, 4, 2], 1, "float32");
    const w = randArray([3, 2, 2, 3], 2, "float32");
    expect(lax.convTranspose(x, w, [2, 3], "SAME").shape).toEqual([1, 10, 12, 3]);
    expect(lax.convTranspose(x, w, [2, 3], "VALID").shape).toEqual([1, 11, 12, 3]);
  });

  it("convTranspose with useConsistentPadding reads (lo, hi) as the forward conv's padding (PyTorch's convention)", () => {
    for (const c of FIX.conv.filter((k) => k.op === "convTranspose" && k.oracle === "torch")) {
      const ks = c.rhs.shape.slice(2);
      // The fixture's transposed-conv pads are k - 1 - p (lo) and k - 1 - p + output_padding (hi).
      const forward = (c.padding as [number, number][]).map(([lo, hi], i): [number, number] => [ks[i]! - 1 - lo, ks[i]! - 1 - hi]);
      const out = lax.convTranspose(fromFixture(c.lhs), fromFixture(c.rhs), c.strides, forward, {
        dimensionNumbers: c.dimensionNumbers,
        transposeKernel: true,
        useConsistentPadding: true,
      });
      expectAllClose(out, Float64Array.from(c.expected.data), { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it("conv and convWithGeneralPadding are convGeneralDilated with the default layout", () => {
    const x = randArray([2, 3, 6, 5], 3, "float32");
    const w = randArray([4, 3, 3, 2], 4, "float32");
    const ref = lax.convGeneralDilated(x, w, [1, 2], "SAME");
    expectAllClose(lax.conv(x, w, [1, 2], "SAME"), ref, { atol: 0, rtol: 0 });
    const ref2 = lax.convGeneralDilated(x, w, [1, 1], [[1, 0], [2, 1]], { lhsDilation: [2, 1], rhsDilation: [1, 2] });
    expectAllClose(lax.convWithGeneralPadding(x, w, [1, 1], [[1, 0], [2, 1]], [2, 1], [1, 2]), ref2, { atol: 0, rtol: 0 });
  });

  it("preferredElementType: int32 operands accumulate to float32 exactly", () => {
    const c = FIX.conv.find((k) => k.name === "conv2d_int32")!;
    const out = lax.convGeneralDilated(fromFixture(c.lhs), fromFixture(c.rhs), c.strides, c.padding, { preferredElementType: "float32" });
    expect(out.dtype).toBe("float32");
    expectAllClose(out, Float64Array.from(c.expected.data), { atol: 0, rtol: 0 });
  });

  it("convDimensionNumbers gives JAX's documented specs", () => {
    // JAX docs: ('NHWC', 'HWIO', 'NHWC') is lhs (0, 3, 1, 2), rhs (3, 2, 0, 1), out (0, 3, 1, 2).
    expect(lax.convDimensionNumbers([1, 5, 5, 3], [3, 3, 3, 8], ["NHWC", "HWIO", "NHWC"])).toEqual({
      lhsSpec: [0, 3, 1, 2],
      rhsSpec: [3, 2, 0, 1],
      outSpec: [0, 3, 1, 2],
    });
    expect(lax.convDimensionNumbers([1, 3, 5, 5], [8, 3, 3, 3])).toEqual({
      lhsSpec: [0, 1, 2, 3],
      rhsSpec: [0, 1, 2, 3],
      outSpec: [0, 1, 2, 3],
    });
  });

  it("padtypeToPads splits SAME padding with the extra element last (first for SAME_LOWER)", () => {
    // ⌈7/2⌉ = 4 outputs need (4-1)·2 + 4 - 7 = 3 padding elements.
    expect(lax.padtypeToPads([7], [4], [2], "SAME")).toEqual([[1, 2]]);
    expect(lax.padtypeToPads([7], [4], [2], "SAME_LOWER")).toEqual([[2, 1]]);
    expect(lax.padtypeToPads([7], [4], [2], "VALID")).toEqual([[0, 0]]);
  });

  it("prints conv_general_dilated in the jaxpr", () => {
    const x = randArray([1, 2, 4], 5, "float32");
    const w = randArray([3, 2, 2], 6, "float32");
    const text = makeJaxpr((a: JaxArray, b: JaxArray) => lax.conv(a, b, [1], "VALID"))(x, w).toString();
    expect(text).toContain("c:f32[1,3,3] = conv_general_dilated");
  });
});

interface GradCase {
  name: string;
  lhs: number[];
  rhs: number[];
  strides: number[];
  padding: string | [number, number][];
  opts: Parameters<typeof lax.convGeneralDilated>[4];
}

const GRAD_CASES: GradCase[] = [
  { name: "1-D strided, padded, rhs-dilated", lhs: [2, 2, 7], rhs: [3, 2, 2], strides: [2], padding: [[1, 2]], opts: { rhsDilation: [2] } },
  { name: "1-D lhs-dilated with negative padding", lhs: [1, 2, 4], rhs: [2, 2, 3], strides: [2], padding: [[-1, 2]], opts: { lhsDilation: [3] } },
  { name: "2-D SAME stride 2", lhs: [1, 2, 5, 4], rhs: [2, 2, 3, 2], strides: [2, 2], padding: "SAME", opts: {} },
  { name: "2-D feature groups, NHWC", lhs: [1, 4, 3, 4], rhs: [2, 2, 2, 4], strides: [1, 1], padding: [[1, 0], [0, 1]], opts: { featureGroupCount: 2, dimensionNumbers: ["NHWC", "HWIO", "NHWC"] } },
  { name: "2-D batch groups", lhs: [4, 2, 3, 3], rhs: [4, 2, 2, 2], strides: [1, 1], padding: "VALID", opts: { batchGroupCount: 2 } },
  { name: "3-D", lhs: [1, 1, 3, 3, 3], rhs: [2, 1, 2, 2, 2], strides: [1, 2, 1], padding: [[1, 0], [0, 0], [0, 1]], opts: {} },
];

describe("derivatives (float64)", () => {
  let saved: boolean;
  beforeAll(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));

  for (const c of GRAD_CASES) {
    it(`check_grads orders 1 and 2, fwd and rev, both operands: ${c.name}`, () => {
      const lhs = randArray(c.lhs, 11);
      const rhs = randArray(c.rhs, 12);
      const f = (a: JaxArray, b: JaxArray) => lax.convGeneralDilated(a, b, c.strides, c.padding, c.opts);
      checkGrads(f, [lhs, rhs], 2, { modes: ["fwd", "rev"] });
    });
  }

  it("convTranspose is differentiable (transposeKernel, strides)", () => {
    const x = randArray([1, 2, 3, 3], 13);
    const w = randArray([2, 3, 2, 2], 14);
    const f = (a: JaxArray, b: JaxArray) =>
      lax.convTranspose(a, b, [2, 2], [[1, 1], [1, 0]], { dimensionNumbers: ["NCHW", "OIHW", "NCHW"], transposeKernel: true });
    checkGrads(f, [x, w], 1, { modes: ["fwd", "rev"] });
  });
});

describe("vmap ≡ loop", () => {
  interface VCase {
    name: string;
    lhs: number[];
    rhs: number[];
    opts: Parameters<typeof lax.convGeneralDilated>[4];
  }
  const cases: VCase[] = [
    { name: "plain", lhs: [2, 4, 5, 4], rhs: [3, 4, 2, 2], opts: {} },
    { name: "feature groups", lhs: [2, 4, 5, 4], rhs: [6, 2, 2, 2], opts: { featureGroupCount: 2 } },
    { name: "batch groups", lhs: [4, 2, 5, 4], rhs: [6, 2, 2, 2], opts: { batchGroupCount: 2 } },
    { name: "NHWC layout", lhs: [2, 5, 4, 3], rhs: [2, 2, 3, 4], opts: { dimensionNumbers: ["NHWC", "HWIO", "NHWC"] } },
  ];
  const B = 3;
  for (const c of cases) {
    for (const [la, ra] of [[0, null], [null, 2], [1, 0], [3, 4]] as [number | null, number | null][]) {
      it(`${c.name}, inAxes [${la}, ${ra}]`, () => {
        const withB = (shape: number[], ax: number | null) => (ax === null ? shape : [...shape.slice(0, ax), B, ...shape.slice(ax)]);
        const lhs = randArray(withB(c.lhs, la), 21, "float32");
        const rhs = randArray(withB(c.rhs, ra), 22, "float32");
        const f = (a: JaxArray, b: JaxArray) => lax.convGeneralDilated(a, b, [1, 2], [[1, 0], [0, 1]], c.opts);
        const out = vmap(f, { inAxes: [la, ra] })(lhs, rhs) as JaxArray;
        const loop = Array.from({ length: B }, (_, i) => f(la === null ? lhs : take(lhs, la, i), ra === null ? rhs : take(rhs, ra, i)));
        expectAllClose(out, jnp.stack(loop), { atol: 1e-5, rtol: 1e-5 });
      });
    }
  }
});

describe("vmap of gradients ≡ loop (per-example gradients through the transpose rules)", () => {
  const B = 3;
  const cases: [string, number[], number[], Parameters<typeof lax.convGeneralDilated>[4]][] = [
    ["feature groups", [2, 4, 5, 4], [6, 2, 2, 3], { featureGroupCount: 2 }],
    ["batch groups", [4, 2, 5, 4], [6, 2, 2, 3], { batchGroupCount: 2 }],
    ["dilations, NHWC", [2, 5, 4, 4], [2, 3, 2, 4], { lhsDilation: [2, 1], rhsDilation: [1, 2], featureGroupCount: 2, dimensionNumbers: ["NHWC", "HWIO", "NHWC"] }],
  ];
  for (const [name, lshape, rshape, opts] of cases) {
    for (const batched of ["lhs", "rhs"] as const) {
      it(`${name}, ${batched} batched`, () => {
        const lhs = randArray(batched === "lhs" ? [B, ...lshape] : lshape, 61, "float32");
        const rhs = randArray(batched === "rhs" ? [B, ...rshape] : rshape, 62, "float32");
        const loss = (a: JaxArray, b: JaxArray) => jnp.sum(jnp.square(lax.convGeneralDilated(a, b, [1, 2], [[1, 1], [0, 1]], opts)));
        const g = grad(loss, { argnums: [0, 1] }) as (a: JaxArray, b: JaxArray) => [JaxArray, JaxArray];
        const inAxes = batched === "lhs" ? [0, null] : [null, 0];
        const [gl, gr] = vmap(g, { inAxes })(lhs, rhs) as [JaxArray, JaxArray];
        const loop = Array.from({ length: B }, (_, i) => (batched === "lhs" ? g(take(lhs, 0, i), rhs) : g(lhs, take(rhs, 0, i))));
        expectAllClose(gl, jnp.stack(loop.map((r) => r[0])), { atol: 1e-4, rtol: 1e-4 });
        expectAllClose(gr, jnp.stack(loop.map((r) => r[1])), { atol: 1e-4, rtol: 1e-4 });
      });
    }
  }
});

describe("errors (JAX's wording)", () => {
  const x = jnp.zeros([1, 4, 5, 5]);
  const w = jnp.zeros([6, 2, 3, 3]);
  it("rejects bad groups, ranks, strides, dtypes and padding strings", () => {
    expect(() => lax.conv(x, jnp.zeros([6, 2, 3]), [1, 1], "SAME")).toThrow(/convolution requires lhs and rhs ndim to be equal, got 4 and 3/);
    expect(() => lax.convGeneralDilated(x, w, [1, 1], "SAME", { featureGroupCount: 3 })).toThrow(
      "conv_general_dilated feature_group_count must divide lhs feature dimension size, but 3 does not divide 4.",
    );
    expect(() => lax.conv(x, w, [1, 1], "SAME")).toThrow(
      "conv_general_dilated lhs feature dimension size divided by feature_group_count must equal the rhs input feature dimension size, but 4 // 1 != 2.",
    );
    expect(() => lax.convGeneralDilated(x, jnp.zeros([5, 2, 3, 3]), [1, 1], "SAME", { featureGroupCount: 2 })).toThrow(
      "conv_general_dilated rhs output feature dimension size must be a multiple of feature_group_count, but 5 is not a multiple of 2.",
    );
    expect(() => lax.convGeneralDilated(jnp.zeros([3, 2, 5, 5]), w, [1, 1], "SAME", { batchGroupCount: 2 })).toThrow(
      "conv_general_dilated batch_group_count must divide lhs batch dimension size, but 2 does not divide 3.",
    );
    expect(() => lax.convGeneralDilated(jnp.zeros([2, 4, 5, 5]), w, [1, 1], "SAME", { featureGroupCount: 2, batchGroupCount: 2 })).toThrow(
      /At most one of batch_group_count and feature_group_count may be > 1/,
    );
    expect(() => lax.conv(x, jnp.zeros([6, 4, 3, 3], { dtype: "int32" }), [1, 1], "SAME")).toThrow(
      "lax.conv_general_dilated requires arguments to have the same dtypes, got float32, int32.",
    );
    expect(() => lax.conv(x, jnp.zeros([6, 4, 3, 3]), [1, 1], "FULL")).toThrow("Unknown padding type: FULL.");
    expect(() => lax.convGeneralDilated(x, jnp.zeros([6, 4, 3, 3]), [1, 1], "SAME", { lhsDilation: [2, 2] })).toThrow(
      /String padding is not implemented for transposed convolution/,
    );
    expect(() => lax.conv(x, jnp.zeros([6, 4, 3, 3]), [1, 1], [[-7, 0], [0, 0]])).toThrow(
      /Negative padding is larger than the size of the corresponding dimension/,
    );
    expect(() => lax.convGeneralDilated(x, w, [1, 1], "SAME", { dimensionNumbers: ["NCHW", "OIHW", "NCHX"] })).toThrow(
      /convolution dimension_numbers elements must each have the same set of spatial characters/,
    );
    expect(() => lax.convGeneralDilated(x, w, [1, 1], "SAME", { dimensionNumbers: ["NCHW", "OOHW", "NCHW"] })).toThrow(
      "convolution dimension_numbers[1] must contain the characters 'O' and 'I' exactly once, got OOHW.",
    );
  });
});

describe("jnp.convolve and jnp.correlate against NumPy", () => {
  for (const c of FIX.numpy) {
    it(`${c.fn}(a[${c.a.shape}], v[${c.v.shape}], "${c.mode}") ${c.a.dtype}`, () => {
      const out = jnp[c.fn](fromFixture(c.a), fromFixture(c.v), c.mode);
      expect(out.dtype).toBe(c.expected.dtype);
      expectAllClose(out, Float64Array.from(c.expected.data), { atol: 1e-5, rtol: 1e-5 });
    });
  }

  it("is differentiable in both operands (float64)", () => {
    const saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
    try {
      checkGrads((a: JaxArray, v: JaxArray) => jnp.convolve(a, v, "same"), [randArray([6], 1), randArray([3], 2)], 2, { modes: ["fwd", "rev"] });
      checkGrads((a: JaxArray, v: JaxArray) => jnp.correlate(a, v, "full"), [randArray([3], 3), randArray([5], 4)], 1, { modes: ["fwd", "rev"] });
    } finally {
      config.update("jax_enable_x64", saved);
    }
  });

  it("keeps integers with preferredElementType, and rejects bad input with JAX's messages", () => {
    const a = jnp.array([1, 2, 3], { dtype: "int32" });
    const v = jnp.array([0, 1], { dtype: "int32" });
    const out = jnp.convolve(a, v, "full", { preferredElementType: "int32" });
    expect(out.dtype).toBe("int32");
    expectAllClose(out, jnp.convolve(a, v), { atol: 0, rtol: 0 });
    expect(() => jnp.convolve(jnp.zeros([2, 2]), v)).toThrow("convolve() only support 1-dimensional inputs.");
    expect(() => jnp.correlate(jnp.zeros([0]), v)).toThrow("correlate: inputs cannot be empty, got shapes (0,) and (2,).");
    expect(() => jnp.convolve(a, v, "wide" as "full")).toThrow("mode must be one of ['full', 'same', 'valid']");
  });
});
