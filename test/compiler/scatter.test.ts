// The scatter family as compiled kernels: the transposes of the gather forms (take, points,
// clamped windows, batching dims, ...), every combine, mode and dtype, with duplicate and
// out-of-bounds indices and split ranges, bit-exact against the reference kernel (updates
// are applied in the same order); and reverse mode of gathers running without the backend.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ShapedArray, config, grad, jit, lax, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import type { ScatterDimensionNumbers } from "../../src/lax/shape.js";
import { gatherShape } from "../../src/primitives/indexing.js";
import { type Spec, checkFn, census } from "./harness.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const ALL: DType[] = ["bool", "int8", "int16", "int32", "uint8", "uint16", "uint32", "int64", "uint64", "float32", "float64"];
const INDEX: DType[] = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"];
const OPS = {
  scatter: lax.scatter, scatter_add: lax.scatterAdd, scatter_mul: lax.scatterMul, scatter_min: lax.scatterMin, scatter_max: lax.scatterMax,
};

interface ScatterCase {
  name: string;
  x: number[];
  idx: number[];
  dn: ScatterDimensionNumbers;
  u: number[];
}

/** The scatter transposing a gather of slice sizes `ss` (its updates have the gather's shape). */
function fromGather(name: string, x: number[], idx: number[], g: { offsetDims: number[]; collapsed: number[]; sim: number[]; obd?: number[]; sibd?: number[] }, ss: number[]): ScatterCase {
  const dimensionNumbers = {
    offsetDims: g.offsetDims, collapsedSliceDims: g.collapsed, startIndexMap: g.sim,
    operandBatchingDims: g.obd ?? [], startIndicesBatchingDims: g.sibd ?? [],
  };
  const u = gatherShape(new ShapedArray(x, "float32"), new ShapedArray(idx, "int32"), { dimensionNumbers, sliceSizes: ss, mode: "clip", fillValue: null });
  const dn = {
    updateWindowDims: g.offsetDims, insertedWindowDims: g.collapsed, scatterDimsToOperandDims: g.sim,
    operandBatchingDims: g.obd ?? [], scatterIndicesBatchingDims: g.sibd ?? [],
  };
  return { name, x, idx, dn, u };
}

const CASES: ScatterCase[] = [
  fromGather("rows (embedding gradient)", [10, 37], [25, 1], { offsetDims: [1], collapsed: [0], sim: [0] }, [1, 37]),
  fromGather("rows of a 1-D operand", [37], [40, 1], { offsetDims: [], collapsed: [0], sim: [0] }, [1]),
  fromGather("rows, 2-D indices", [10, 37], [3, 4, 1], { offsetDims: [2], collapsed: [0], sim: [0] }, [1, 37]),
  fromGather("columns", [10, 37], [6, 1], { offsetDims: [0], collapsed: [1], sim: [1] }, [10, 1]),
  fromGather("points", [10, 37], [30, 2], { offsetDims: [], collapsed: [0, 1], sim: [0, 1] }, [1, 1]),
  fromGather("clamped windows", [10, 37], [4, 3, 2], { offsetDims: [2, 3], collapsed: [], sim: [0, 1] }, [3, 5]),
  fromGather("partial window along a free dim", [10, 37], [5, 1], { offsetDims: [1], collapsed: [0], sim: [0] }, [1, 20]),
  fromGather("middle axis of rank 3", [3, 10, 5], [4, 1], { offsetDims: [0, 2], collapsed: [1], sim: [1] }, [3, 1, 5]),
  fromGather("batching dims", [6, 37], [6, 5, 1], { offsetDims: [], collapsed: [1], sim: [1], obd: [0], sibd: [0] }, [1, 1]),
  fromGather("no index vectors", [10, 37], [0, 1], { offsetDims: [1], collapsed: [0], sim: [0] }, [1, 37]),
  fromGather("empty window", [10, 37], [5, 1], { offsetDims: [1], collapsed: [0], sim: [0] }, [1, 0]),
  fromGather("empty operand", [0, 37], [0, 1], { offsetDims: [1], collapsed: [0], sim: [0] }, [1, 37]),
];

const WIDE = { lo: -12, hi: 45 };
const scatterOf = (name: keyof typeof OPS, c: ScatterCase, mode: "clip" | "fill" | "promise_in_bounds") =>
  (x: JaxArray, i: JaxArray, u: JaxArray) => OPS[name](x, i, u, c.dn, { mode });

describe("scatter family", () => {
  for (const c of CASES) {
    it(c.name, () => {
      for (const name of Object.keys(OPS) as (keyof typeof OPS)[]) {
        for (const mode of ["clip", "fill", "promise_in_bounds"] as const) {
          const specs: Spec[] = [[c.x, "float32"], [c.idx, "int32"], [c.u, "float32"]];
          const p = checkFn(scatterOf(name, c, mode), specs, { ...WIDE, specials: true });
          expect(census(p)).toEqual({ kernels: 1, eqns: [] });
        }
      }
    });
  }
  it("every dtype and index dtype", () => {
    for (const c of [CASES[0]!, CASES[4]!]) {
      for (const name of Object.keys(OPS) as (keyof typeof OPS)[]) {
        for (const d of ALL) checkFn(scatterOf(name, c, "fill"), [[c.x, d], [c.idx, "int32"], [c.u, d]], { ...WIDE, seed: 5 });
      }
      for (const id of INDEX) checkFn(scatterOf("scatter_add", c, "clip"), [[c.x, "float32"], [c.idx, id], [c.u, "float32"]], WIDE);
    }
  });
  it("32-bit integer products round through doubles as the reference's do", () => {
    for (const d of ["int32", "uint32"] as DType[]) {
      const c = CASES[0]!;
      checkFn(scatterOf("scatter_mul", c, "clip"), [[c.x, d], [c.idx, "int32"], [c.u, d]], { seed: 9 });
    }
  });
});

describe("constant operands and updates are filled in by the kernel", () => {
  const c = CASES[0]!;
  it("every dtype, values with and without a repeating byte pattern", () => {
    for (const d of ALL) {
      for (const [x0, u0] of [[0, 1], [-1, 3], [1.5, -2.25], [7, 0]]) {
        const f = (i: JaxArray) => lax.scatterAdd(lax.full(c.x, x0!, d), i, lax.full(c.u, u0!, d), c.dn, { mode: "clip" });
        const p = checkFn(f, [[c.idx, "int32"]], WIDE);
        expect(census(p)).toEqual({ kernels: 1, eqns: [] });
      }
    }
  });
  it("only constants: an expression operand is materialized", () => {
    const f = (x: JaxArray, i: JaxArray) => lax.scatterMax(jnp.multiply(x, 2), i, lax.full(c.u, 0.5, "float32"), c.dn);
    expect(census(checkFn(f, [[c.x, "float32"], [c.idx, "int32"]], WIDE))).toEqual({ kernels: 2, eqns: [] });
  });
  it("a rank-0 operand", () => {
    const dn = { updateWindowDims: [], insertedWindowDims: [], scatterDimsToOperandDims: [] };
    const f = (i: JaxArray, u: JaxArray) => lax.scatterAdd(lax.full([], 2.5, "float32"), i, u, dn);
    checkFn(f, [[[3, 0], "int32"], [[3], "float32"]]);
  });
});

describe("reverse mode of indexing runs as kernels", () => {
  it("the gradient of an embedding lookup: the lookup, the index, the scatter into zeros", () => {
    const loss = (t: JaxArray, i: JaxArray) => jnp.sum(jnp.tanh(jnp.index(t, i)));
    const g = jit(grad(loss) as (t: JaxArray, i: JaxArray) => JaxArray);
    const p = checkFn(g, [[[50, 24], "float32"], [[70], "int32"]], { lo: -50, hi: 50, ulps: 8, atol: 1e-6 });
    expect(census(p)).toEqual({ kernels: 3, eqns: [] });
  });
  it("x.at[i].add(v), set, min, max with duplicate indices", () => {
    for (const mode of ["add", "set", "min", "max", "multiply"] as const) {
      const f = (x: JaxArray, i: JaxArray, v: JaxArray) => jnp.indexUpdate(x, [i], v, mode);
      const p = checkFn(f, [[[9, 5], "float32"], [[30], "int32"], [[30, 5], "float32"]], { lo: -12, hi: 12 });
      expect(census(p).eqns).toEqual([]);
    }
  });
});
