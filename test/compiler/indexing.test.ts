// Data-dependent loads: gather (the forms jnp indexing, take-along-axis, embedding lookups and
// vmap produce; clip and fill modes), dynamic_slice and dynamic_update_slice, on every operand
// and index dtype, with indices out of bounds on both sides, empty shapes and kernels run on
// split ranges, bit-exact against the reference interpreter; plus the fusion decisions
// around them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, lax, numpy as jnp, vmap } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import type { GatherDimensionNumbers, GatherOptions } from "../../src/lax/shape.js";
import { type Spec, checkFn, census } from "./harness.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const ALL: DType[] = ["bool", "int8", "int16", "int32", "uint8", "uint16", "uint32", "int64", "uint64", "float32", "float64"];
const INDEX: DType[] = ["int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"];

interface GatherCase {
  name: string;
  x: number[];
  idx: number[];
  dn: GatherDimensionNumbers;
  ss: number[];
}

const take0 = (x: number[], n: number[]): GatherCase => ({
  name: `take axis 0 ${x}[${n}]`,
  x,
  idx: [...n, 1],
  dn: { offsetDims: x.slice(1).map((_, i) => n.length + i), collapsedSliceDims: [0], startIndexMap: [0] },
  ss: [1, ...x.slice(1)],
});

const CASES: GatherCase[] = [
  take0([10, 37], [5]),
  take0([37], [9]),
  take0([10, 37], [3, 4]),
  take0([10, 3, 5], [6]),
  { name: "take axis 1", x: [10, 37], idx: [6, 1], dn: { offsetDims: [0], collapsedSliceDims: [1], startIndexMap: [1] }, ss: [10, 1] },
  { name: "points x[i, j]", x: [10, 37], idx: [7, 2], dn: { offsetDims: [], collapsedSliceDims: [0, 1], startIndexMap: [0, 1] }, ss: [1, 1] },
  { name: "clamped windows", x: [10, 37], idx: [4, 3, 2], dn: { offsetDims: [2, 3], collapsedSliceDims: [], startIndexMap: [0, 1] }, ss: [3, 5] },
  { name: "index map reversed", x: [10, 37], idx: [5, 2], dn: { offsetDims: [1], collapsedSliceDims: [1], startIndexMap: [1, 0] }, ss: [3, 1] },
  { name: "middle axis of rank 3", x: [3, 10, 5], idx: [4, 1], dn: { offsetDims: [0, 2], collapsedSliceDims: [1], startIndexMap: [1] }, ss: [3, 1, 5] },
  {
    name: "take along axis (batching dims)",
    x: [6, 37],
    idx: [6, 5, 1],
    dn: { offsetDims: [], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] },
    ss: [1, 1],
  },
  { name: "no indices", x: [10, 37], idx: [4, 0], dn: { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [] }, ss: [2, 37] },
  take0([10, 37], [0]),
  { name: "empty operand", x: [0, 37], idx: [0, 1], dn: { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, ss: [1, 37] },
  { name: "empty window", x: [10, 37], idx: [5, 1], dn: { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, ss: [1, 0] },
];

const gatherOf = (c: GatherCase, opts: GatherOptions) => (x: JaxArray, i: JaxArray) => lax.gather(x, i, c.dn, c.ss, opts);
// Indices spread over [-45, 45): out of bounds on both sides of every dim above.
const WIDE = { lo: -45, hi: 45 };

describe("gather", () => {
  for (const c of CASES) {
    it(c.name, () => {
      for (const mode of ["clip", "promise_in_bounds", "fill"] as const) {
        const p = checkFn(gatherOf(c, { mode }), [[c.x, "float32"], [c.idx, "int32"]], { ...WIDE, specials: true });
        expect(census(p).eqns).toEqual([]);
      }
    });
  }
  it("every operand dtype, every index dtype", () => {
    for (const c of [CASES[0]!, CASES[5]!]) {
      for (const xd of ALL) {
        for (const id of INDEX) {
          for (const mode of ["clip", "fill"] as const) {
            const specs: Spec[] = [[c.x, xd], [c.idx, id]];
            expect(census(checkFn(gatherOf(c, { mode }), specs, { ...WIDE, seed: 3 })).eqns).toEqual([]);
          }
        }
      }
    }
  });
  it("explicit fill values, stored as the dtype stores them", () => {
    for (const [xd, fillValue] of [["float32", 2.5], ["int8", 300], ["uint16", -1], ["int32", 2.7], ["bool", 0]] as const) {
      checkFn(gatherOf(CASES[5]!, { mode: "fill", fillValue }), [[[10, 37], xd], [[7, 2], "int32"]], WIDE);
    }
  });
  it("a 64-lane float64 operand with int64 indices, and wide index dtypes near their limits", () => {
    checkFn(gatherOf(take0([300, 3], [64]), { mode: "fill" }), [[[300, 3], "float64"], [[64, 1], "int64"]], { lo: -400, hi: 400 });
    // int8 indices into a dim longer than int8's range: the upper clamp cannot bind.
    checkFn(gatherOf(take0([300, 3], [64]), { mode: "clip" }), [[[300, 3], "float32"], [[64, 1], "int8"]]);
  });
});

describe("jnp indexing forms", () => {
  const specs = (x: number[], i: number[], d: DType = "float32"): Spec[] => [[x, d], [i, "int32"]];
  it("x[i], x[:, i], x[i, j], x[i] with a 2-D index", () => {
    checkFn((x: JaxArray, i: JaxArray) => jnp.index(x, i), specs([10, 37], [9]), { lo: -15, hi: 15 });
    checkFn((x: JaxArray, i: JaxArray) => jnp.index(x, jnp.s(null), i), specs([10, 37], [9]), WIDE);
    checkFn((x: JaxArray, i: JaxArray) => jnp.index(x, i, jnp.negative(i)), specs([10, 37], [9]), { lo: -10, hi: 10 });
    checkFn((x: JaxArray, i: JaxArray) => jnp.index(x, i), specs([10, 37], [3, 4]), { lo: -15, hi: 15 });
  });
  it("nested lookups x[y[i]] and gradients of dynamic slices", () => {
    const nested = (x: JaxArray, y: JaxArray, i: JaxArray) => jnp.index(x, jnp.index(y, i));
    // The inner lookup with both normalizations costs more than INDEX_COST: materialized.
    const p = checkFn(nested, [[[10, 37], "float32"], [[12], "int32"], [[9], "int32"]], { lo: -12, hi: 12 });
    expect(census(p)).toEqual({ kernels: 2, eqns: [] });
    const raw = (x: JaxArray, y: JaxArray, i: JaxArray) =>
      lax.gather(x, jnp.expandDims(lax.gather(y, jnp.expandDims(i, 1), { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] }, [1]), 1),
        { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, [1, 37]);
    expect(census(checkFn(raw, [[[10, 37], "float32"], [[12], "int32"], [[9], "int32"]], { lo: -12, hi: 12 }))).toEqual({ kernels: 1, eqns: [] });
    const g = grad((x: JaxArray, s: JaxArray) => jnp.sum(jnp.sin(lax.dynamicSlice(x, [s, 2], [4, 5]))));
    expect(census(checkFn(g, [[[10, 37], "float32"], [[], "int32"]], { lo: -12, hi: 12, ulps: 4, atol: 1e-7 })).eqns).toEqual([]);
    const vs = vmap((x: JaxArray, s: JaxArray) => lax.dynamicSlice(x, [s, 2], [4, 5]));
    expect(census(checkFn(vs, [[[3, 10, 37], "float32"], [[3], "int32"]], WIDE)).eqns).toEqual([]);
  });
  it("vmap of a lookup (take along axis) and of a dynamic index", () => {
    const p = checkFn(vmap((x: JaxArray, i: JaxArray) => jnp.index(x, i)), specs([6, 37], [6, 5]), WIDE);
    expect(census(p)).toEqual({ kernels: 1, eqns: [] });
    checkFn(vmap((x: JaxArray, i: JaxArray) => jnp.index(x, i)), specs([6, 37], [6]), WIDE);
  });
});

describe("dynamic_slice", () => {
  const ds = (sizes: number[]) => (x: JaxArray, ...i: JaxArray[]) => lax.dynamicSlice(x, i, sizes);
  it("every operand dtype and index dtype, clamped starts", () => {
    for (const xd of ALL) checkFn(ds([4, 5]), [[[10, 37], xd], [[], "int32"], [[], "int32"]], WIDE);
    for (const id of INDEX) checkFn(ds([4, 5]), [[[10, 37], "float32"], [[], id], [[], id]], WIDE);
  });
  it("full and empty windows, rank 1 and 3, literal starts", () => {
    checkFn(ds([10, 37]), [[[10, 37], "float32"], [[], "int32"], [[], "int32"]], WIDE);
    checkFn(ds([0, 5]), [[[10, 37], "float32"], [[], "int32"], [[], "int32"]], WIDE);
    checkFn(ds([7]), [[[37], "float64"], [[], "int64"]], WIDE);
    checkFn(ds([2, 4, 3]), [[[3, 10, 5], "int16"], [[], "int32"], [[], "uint8"], [[], "int32"]], WIDE);
    for (const starts of [[3, -2], [-5, 40], [8, 33]]) {
      const p = checkFn((x: JaxArray) => lax.dynamicSlice(x, starts, [4, 5]), [[[10, 37], "float32"]]);
      expect(census(p)).toEqual({ kernels: 1, eqns: [] });
    }
  });
});

describe("dynamic_update_slice", () => {
  const dus = (x: JaxArray, u: JaxArray, ...i: JaxArray[]) => lax.dynamicUpdateSlice(x, u, i);
  const specs = (d: DType, u: number[], id: DType = "int32"): Spec[] => [[[10, 37], d], [u, d], [[], id], [[], id]];
  it("every dtype and index dtype, clamped starts", () => {
    for (const d of ALL) checkFn(dus, specs(d, [4, 5]), WIDE);
    for (const id of INDEX) checkFn(dus, specs("float32", [4, 5], id), WIDE);
  });
  it("full, empty and one-row updates; literal starts; rank 1", () => {
    checkFn(dus, specs("float32", [10, 37]), WIDE);
    checkFn(dus, specs("float32", [0, 5]), WIDE);
    checkFn(dus, specs("uint8", [1, 37]), WIDE);
    checkFn(dus, [[[37], "float64"], [[6], "float64"], [[], "int64"]], WIDE);
    for (const starts of [[3, -2], [-5, 40], [8, 33]]) {
      checkFn((x: JaxArray, u: JaxArray) => lax.dynamicUpdateSlice(x, u, starts), [[[10, 37], "int32"], [[4, 5], "int32"]]);
    }
  });
  it("the operand is fused: an update into zeros is one kernel", () => {
    const f = (u: JaxArray, i: JaxArray) => lax.dynamicUpdateSlice(lax.full([10, 37], 0, "float32"), jnp.exp(u), [i, 3]);
    const p = checkFn(f, [[[4, 5], "float32"], [[], "int32"]], { ...WIDE, ulps: 4 });
    expect(census(p).kernels).toBe(2);
    const g = (x: JaxArray, u: JaxArray, i: JaxArray) => lax.dynamicUpdateSlice(jnp.multiply(x, 2), u, [i, 3]);
    expect(census(checkFn(g, [[[10, 37], "float32"], [[4, 5], "float32"], [[], "int32"]], WIDE))).toEqual({ kernels: 1, eqns: [] });
  });
});

describe("fusion around gathers", () => {
  const emb: Spec[] = [[[50, 24], "float32"], [[17], "int32"]];
  it("an embedding lookup with negative-index normalization is one kernel", () => {
    const p = checkFn((t: JaxArray, i: JaxArray) => jnp.index(t, i), emb, { lo: -50, hi: 50 });
    expect(census(p)).toEqual({ kernels: 1, eqns: [] });
  });
  it("elementwise consumers and producers of the index fuse", () => {
    const f = (t: JaxArray, i: JaxArray) => jnp.multiply(jnp.tanh(jnp.index(t, jnp.subtract(jnp.multiply(i, 3), 1))), 2);
    const p = checkFn(f, emb, { lo: -50, hi: 50, ulps: 4 });
    expect(census(p)).toEqual({ kernels: 1, eqns: [] });
  });
  it("an expensive operand is materialized; cheap functions of buffers are read in place", () => {
    const ex = checkFn((t: JaxArray, i: JaxArray) => jnp.index(jnp.exp(t), i), emb, { lo: -50, hi: 50, ulps: 4 });
    expect(census(ex).kernels).toBe(2);
    const cheap = (t: JaxArray, i: JaxArray) => jnp.index(jnp.add(jnp.multiply(t, 2), jnp.transpose(jnp.index(t, jnp.s(null, 24)))), i);
    expect(census(checkFn(cheap, [[[24, 24], "float32"], [[17], "int32"]], { lo: -30, hi: 30 }))).toEqual({ kernels: 1, eqns: [] });
    const ds = (x: JaxArray, s: JaxArray) => lax.dynamicSlice(jnp.negative(x), [s, s], [4, 5]);
    expect(census(checkFn(ds, [[[10, 37], "float32"], [[], "int32"]], WIDE))).toEqual({ kernels: 1, eqns: [] });
    const dus = (x: JaxArray, u: JaxArray, s: JaxArray) => lax.dynamicUpdateSlice(x, jnp.multiply(u, u), [s, 3]);
    expect(census(checkFn(dus, [[[10, 37], "float32"], [[4, 5], "float32"], [[], "int32"]], WIDE))).toEqual({ kernels: 1, eqns: [] });
    const konst = (i: JaxArray) => jnp.index(lax.full([50, 24], 2.5, "float32"), i);
    expect(census(checkFn(konst, [[[17], "int32"]], WIDE))).toEqual({ kernels: 1, eqns: [] });
    // A gather of a gather (unclamped uint8 indices into 300 elements: one cheap node).
    const inner = (y: JaxArray, j: JaxArray) => lax.gather(y, jnp.expandDims(j, 1), { offsetDims: [], collapsedSliceDims: [0], startIndexMap: [0] }, [1]);
    const twice = (y: JaxArray, j: JaxArray, i: JaxArray) => jnp.index(inner(y, j), i);
    const p = checkFn(twice, [[[300], "float32"], [[20], "uint8"], [[9], "int32"]], { lo: -25, hi: 25 });
    expect(census(p)).toEqual({ kernels: 1, eqns: [] });
    const tr = checkFn((t: JaxArray, i: JaxArray) => jnp.index(jnp.transpose(t), i), emb, { lo: -30, hi: 30 });
    expect(census(tr).kernels).toBe(1);
    const sl = checkFn((t: JaxArray, i: JaxArray) => jnp.index(jnp.index(t, jnp.s(3, 40, 2)), i), emb, { lo: -30, hi: 30 });
    expect(census(sl).kernels).toBe(1);
  });
  it("an index computed by a reduction is materialized first", () => {
    const f = (x: JaxArray, y: JaxArray) => jnp.index(x, jnp.argmax(y));
    const p = checkFn(f, [[[10, 37], "float32"], [[10], "float32"]]);
    expect(census(p)).toEqual({ kernels: 2, eqns: [] });
  });
  it("gathers inside reductions (over window and batch axes) and a two-stage reduction", () => {
    const byRow = (t: JaxArray, i: JaxArray) => jnp.sum(jnp.index(t, i), { axis: -1 });
    expect(census(checkFn(byRow, emb, { lo: -50, hi: 50, rtol: 1e-6 })).kernels).toBe(1);
    const byCol = (t: JaxArray, i: JaxArray) => jnp.max(jnp.index(t, i), { axis: 0 });
    expect(census(checkFn(byCol, emb, { lo: -50, hi: 50 })).kernels).toBe(1);
    const cols = (t: JaxArray, i: JaxArray) => jnp.sum(jnp.index(t, jnp.s(null), i), { axis: 0 });
    checkFn(cols, emb, { lo: -24, hi: 24, rtol: 1e-6 });
    const total = (t: JaxArray, i: JaxArray) => jnp.sum(jnp.index(t, i));
    const p = checkFn(total, [[[300, 300], "float32"], [[256], "int32"]], { lo: -300, hi: 300, rtol: 1e-5 });
    expect(census(p).kernels).toBe(2);
  });
  it("gathers under pad and concatenate", () => {
    // A clamped gather costs more than a recomputation under pad is worth: materialized first.
    const take = gatherOf(take0([50, 24], [17]), { mode: "clip" });
    const f = (t: JaxArray, i: JaxArray) => lax.pad(take(t, jnp.expandDims(i, 1)), 0, [[2, 3, 0], [-1, 4, 0]]);
    expect(census(checkFn(f, emb, { lo: -50, hi: 50 })).kernels).toBe(2);
    const g = (t: JaxArray, i: JaxArray) => jnp.concatenate([take(t, jnp.expandDims(i, 1)), t], 0);
    checkFn(g, emb, { lo: -50, hi: 50 });
  });
});
