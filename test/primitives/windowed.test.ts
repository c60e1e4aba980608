// Tests for reduce_window_{sum,max,min} and lax.reduceWindow: values against NumPy loops over
// the padded, dilated operand (scripts/gen_conv_fixtures.py, cross-checked there against torch's
// max_pool2d / avg_pool2d), non-identity init values (XLA's semantics), numerical gradient
// checks (orders 1 and 2, forward and reverse), vmap ≡ loop, jit ≡ eager and error messages.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { fromFixture, randArray, take } from "../util/arrays.js";

const num = (v: Num): number => (v === "inf" ? Infinity : v === "-inf" ? -Infinity : v);

type Num = number | "inf" | "-inf";
interface FixArr {
  dtype: string;
  shape: number[];
  data: Num[];
}
interface RWCase {
  name: string;
  operand: FixArr;
  init: Num;
  computation: "add" | "max" | "min";
  windowDimensions: number[];
  windowStrides: number[];
  padding: string | [number, number][];
  baseDilation: number[];
  windowDilation: number[];
  expected: FixArr;
}
const CASES = (
  JSON.parse(readFileSync(new URL("../fixtures/conv.json", import.meta.url), "utf8")) as { reduceWindow: RWCase[] }
).reduceWindow;

const run = (c: RWCase, x: JaxArray, init: number) =>
  lax.reduceWindow(x, init, c.computation, c.windowDimensions, c.windowStrides, c.padding, c.baseDilation, c.windowDilation);

describe("values against NumPy loops", () => {
  for (const c of CASES) {
    it(c.name, () => {
      const x = fromFixture(c.operand);
      const out = run(c, x, num(c.init));
      expect(out.shape).toEqual(c.expected.shape);
      expect(out.dtype).toBe(c.expected.dtype);
      expectAllClose(out, Float64Array.from(c.expected.data, num), { atol: 1e-5, rtol: 1e-5 });
      const jitted = jit((a: JaxArray) => run(c, a, num(c.init)))(x) as JaxArray;
      expectAllClose(jitted, out, { atol: 0, rtol: 0 });
    });
  }

  it("a traced init value takes XLA's general path and agrees with a concrete one", () => {
    for (const name of ["sum_init_one", "max_init_zero"]) {
      const c = CASES.find((k) => k.name === name)!;
      const x = fromFixture(c.operand);
      const f = jit((a: JaxArray, i: JaxArray) =>
        lax.reduceWindow(a, i, c.computation, c.windowDimensions, c.windowStrides, c.padding, c.baseDilation, c.windowDilation),
      );
      const out = f(x, jnp.array(num(c.init), { dtype: "float32" })) as JaxArray;
      expectAllClose(out, Float64Array.from(c.expected.data, num), { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it("lax.add / lax.max / lax.min name the monoids, and reduceWindowSum/Max/Min are the identity-init forms", () => {
    const x = randArray([4, 5], 1, "float32");
    const pads: [number, number][] = [[1, 0], [0, 2]];
    expectAllClose(lax.reduceWindow(x, 0, lax.add, [2, 3], [1, 2], pads), lax.reduceWindowSum(x, [2, 3], [1, 2], pads), { atol: 0, rtol: 0 });
    expectAllClose(lax.reduceWindow(x, -Infinity, lax.max, [2, 3], [1, 2], pads), lax.reduceWindowMax(x, [2, 3], [1, 2], pads), {
      atol: 0,
      rtol: 0,
    });
    expectAllClose(lax.reduceWindow(x, Infinity, lax.min, [2, 3], [1, 2], pads), lax.reduceWindowMin(x, [2, 3], [1, 2], pads), {
      atol: 0,
      rtol: 0,
    });
  });
});

interface GradCase {
  name: string;
  shape: number[];
  wd: number[];
  ws: number[];
  padding: string | [number, number][];
  bd?: number[];
  wdil?: number[];
}
const GRAD_CASES: GradCase[] = [
  { name: "2×2 pooling, stride 2", shape: [2, 4, 5], wd: [1, 2, 2], ws: [1, 2, 2], padding: "VALID" },
  { name: "SAME, overlapping windows", shape: [5, 4], wd: [3, 2], ws: [2, 1], padding: "SAME" },
  { name: "padding, base and window dilation", shape: [4, 3], wd: [2, 2], ws: [1, 2], padding: [[1, 1], [0, 1]], bd: [2, 1], wdil: [1, 2] },
];

describe("derivatives (float64)", () => {
  let saved: boolean;
  beforeAll(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterAll(() => config.update("jax_enable_x64", saved));

  for (const c of GRAD_CASES) {
    for (const fn of [lax.reduceWindowSum, lax.reduceWindowMax, lax.reduceWindowMin]) {
      it(`check_grads orders 1 and 2, fwd and rev: ${fn === lax.reduceWindowSum ? "sum" : fn === lax.reduceWindowMax ? "max" : "min"}, ${c.name}`, () => {
        const x = randArray(c.shape, 31);
        const f = (a: JaxArray) => fn(a, c.wd, c.ws, c.padding, c.bd, c.wdil);
        checkGrads(f, [x], 2, { modes: ["fwd", "rev"] });
      });
    }
  }

  it("reduceWindow is differentiable in a non-identity init value too (XLA's general path)", () => {
    const x = randArray([5], 33);
    const sum = (i: JaxArray, a: JaxArray) => lax.reduceWindow(a, i, "add", [2], [1], [[1, 1]], [2]);
    checkGrads(sum, [jnp.array(0.7), x], 2, { modes: ["fwd", "rev"] });
    const mx = (i: JaxArray, a: JaxArray) => lax.reduceWindow(a, i, "max", [3], [1], [[1, 1]]);
    checkGrads(mx, [jnp.array(0.3), x], 1, { modes: ["fwd", "rev"] });
  });

  it("max pooling's gradient is one-hot at each window's maximum (host argmax)", () => {
    const x = randArray([6, 6], 32);
    const g = grad((a: JaxArray) => lax.reduceSum(lax.reduceWindowMax(a, [2, 2], [2, 2]), [0, 1]))(x) as JaxArray;
    const xs = x.dataSync();
    const expected = new Float64Array(36);
    for (let i = 0; i < 6; i += 2) {
      for (let j = 0; j < 6; j += 2) {
        const cells = [i * 6 + j, i * 6 + j + 1, (i + 1) * 6 + j, (i + 1) * 6 + j + 1];
        expected[cells.reduce((m, c) => (xs[c]! > xs[m]! ? c : m))] = 1;
      }
    }
    expectAllClose(g, expected, { atol: 0, rtol: 0 });
  });
});

describe("vmap ≡ loop", () => {
  const B = 3;
  for (const fn of [lax.reduceWindowSum, lax.reduceWindowMax, lax.reduceWindowMin]) {
    for (const axis of [0, 1, 2]) {
      it(`${fn === lax.reduceWindowSum ? "sum" : fn === lax.reduceWindowMax ? "max" : "min"}, batch axis ${axis}`, () => {
        const shape = [5, 4];
        shape.splice(axis, 0, B);
        const x = randArray(shape, 40 + axis, "float32");
        const f = (a: JaxArray) => fn(a, [2, 3], [2, 1], [[1, 0], [1, 1]], [1, 2], [2, 1]);
        const out = vmap(f, { inAxes: axis })(x) as JaxArray;
        const loop = Array.from({ length: B }, (_, i) => f(take(x, axis, i)));
        expectAllClose(out, jnp.stack(loop), { atol: 1e-6, rtol: 1e-6 });
      });
    }
  }

  it("vmap of the max-pool gradient ≡ loop", () => {
    const x = randArray([B, 4, 4], 50, "float32");
    const g = (a: JaxArray) => lax.reduceWindowMax(a, [2, 2], [1, 1], "SAME");
    const out = vmap((a: JaxArray) => jit(g)(a))(x) as JaxArray;
    expectAllClose(out, jnp.stack(Array.from({ length: B }, (_, i) => g(take(x, 0, i)))), { atol: 0, rtol: 0 });
  });
});

describe("edge cases and errors", () => {
  it("windows that fit nowhere give empty outputs; empty operands give empty outputs", () => {
    expect(lax.reduceWindowMax(jnp.zeros([4, 5]), [5, 2], [1, 1]).shape).toEqual([0, 4]);
    expect(lax.reduceWindowSum(jnp.zeros([0, 3]), [1, 2], [1, 1]).shape).toEqual([0, 2]);
  });

  const x = jnp.zeros([4, 5]);
  it("reports JAX's shape-rule messages", () => {
    expect(() => lax.reduceWindowSum(x, [2], [1])).toThrow(
      "reduce_window got the wrong number of window_dimensions for operand array with 2 dimensions; got window_dimensions (2,).",
    );
    expect(() => lax.reduceWindowSum(x, [2, 2], [1])).toThrow(
      "reduce_window got inconsistent window_strides and window_dimensions; got window_strides (1,) and window_dimensions (2, 2).",
    );
    expect(() => lax.reduceWindowMax(x, [0, 2], [1, 1])).toThrow("reduce_window_max window_dimensions must have every element be positive, got (0, 2).");
    expect(() => lax.reduceWindow(x, 0, "mul" as "add", [2, 2], [1, 1])).toThrow(/computation must be "add", "max" or "min"/);
    expect(() => lax.reduceWindow(x, jnp.array(0, { dtype: "int32" }), "add", [2, 2], [1, 1])).toThrow(
      "reduce_window: operand and init_value must have the same dtype, got float32 and int32.",
    );
  });
});
