// Tests for gather and the scatter family of src/primitives/indexing.ts (lax.gather,
// scatterAdd, scatter, scatterMul, scatterMin, scatterMax): values against NumPy fixtures
// (fancy indexing and np.<ufunc>.at, from scripts/gen_shape_ops_fixtures.py), numerical
// gradient checks of orders 1 and 2, the transpose law ⟨u, f(v)⟩ = ⟨fᵀ(u), v⟩, vmap ≡ loop
// over operands, indices and updates, jit ≡ eager, and JAX's shape errors.
import { describe, expect, it } from "vitest";
import { jit, vjp, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { assertClose, moveAxis, randArray, stack, take0, vdot } from "../util/laws.js";
import { FIX, type FixCase, fromFix } from "../util/shape_ops_fixtures.js";


const SCATTERS = { scatterAdd: lax.scatterAdd, scatter: lax.scatter, scatterMul: lax.scatterMul, scatterMin: lax.scatterMin, scatterMax: lax.scatterMax };
type ScatterName = keyof typeof SCATTERS;

function runIndexOp(c: FixCase, [x, idx, u]: JaxArray[]): JaxArray {
  const p = c.params;
  if (c.op === "gather") return lax.gather(x!, idx!, p.dimensionNumbers, p.sliceSizes, { mode: p.mode, fillValue: p.fillValue });
  return SCATTERS[c.op as ScatterName](x!, idx!, u!, p.dimensionNumbers, { mode: p.mode });
}

const ints = (shape: number[], values: number[]) => lax.reshape(jnp.array(new Int32Array(values)), shape);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("values against NumPy", () => {
  for (const c of FIX.cases.filter((c) => c.op === "gather" || c.op in SCATTERS)) {
    it(c.name, () => {
      const args = c.args.map(fromFix);
      const out = runIndexOp(c, args);
      expect(out.dtype).toBe(c.out.dtype);
      expectAllClose(out, fromFix(c.out), { atol: 0, rtol: 0 });
      expectAllClose(jit((...xs: JaxArray[]) => runIndexOp(c, xs))(...args), out, { atol: 0, rtol: 0 });
    });
  }
});

// ---- gather cases: operand shape, indices, dimension numbers, slice sizes, mode ----

interface GatherCase {
  name: string;
  xShape: number[];
  idx: JaxArray;
  dn: lax.GatherDimensionNumbers;
  sizes: number[];
  mode?: lax.GatherScatterMode;
}
const GATHERS: GatherCase[] = [
  { name: "rows", xShape: [5, 3], idx: ints([4, 1], [1, 4, 1, 0]), dn: { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] }, sizes: [1, 3] },
  { name: "points", xShape: [4, 5], idx: ints([3, 2], [0, 1, 3, 4, 0, 1]), dn: { offsetDims: [], collapsedSliceDims: [0, 1], startIndexMap: [0, 1] }, sizes: [1, 1] },
  {
    name: "windows, clip",
    xShape: [5, 6],
    idx: ints([2, 2, 2], [0, 0, 4, 5, -1, 2, 1, 1]),
    dn: { offsetDims: [2, 3], collapsedSliceDims: [], startIndexMap: [0, 1] },
    sizes: [2, 3],
    mode: "clip",
  },
  {
    name: "windows, fill",
    xShape: [5, 4],
    idx: ints([4, 1], [0, 4, 2, -1]),
    dn: { offsetDims: [1, 2], collapsedSliceDims: [], startIndexMap: [0] },
    sizes: [2, 4],
    mode: "fill",
  },
  {
    name: "batching dims",
    xShape: [2, 5, 3],
    idx: ints([2, 3, 1], [0, 4, 4, 2, 1, 2]),
    dn: { offsetDims: [2], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] },
    sizes: [1, 1, 3],
  },
];
const gatherFn = (c: GatherCase) => (x: JaxArray, idx: JaxArray = c.idx) => lax.gather(x, idx, c.dn, c.sizes, { mode: c.mode, fillValue: 0 });

// ---- scatter cases: operand shape, indices, updates shape, dimension numbers ----

interface ScatterCase {
  name: string;
  xShape: number[];
  idx: JaxArray;
  uShape: number[];
  dn: lax.ScatterDimensionNumbers;
  mode?: lax.GatherScatterMode;
}
const SCATTER_CASES: ScatterCase[] = [
  { name: "rows with duplicates", xShape: [4, 3], idx: ints([4, 1], [1, 3, 1, 1]), uShape: [4, 3], dn: { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] } },
  {
    name: "points, duplicates and out of bounds",
    xShape: [3, 4],
    idx: ints([4, 2], [0, 1, 2, 3, 0, 1, 3, 0]),
    uShape: [4],
    dn: { updateWindowDims: [], insertedWindowDims: [0, 1], scatterDimsToOperandDims: [0, 1] },
  },
  {
    name: "windows, clip",
    xShape: [4, 5],
    idx: ints([3, 2], [0, 0, 3, 4, 1, 1]),
    uShape: [3, 2, 2],
    dn: { updateWindowDims: [1, 2], insertedWindowDims: [], scatterDimsToOperandDims: [0, 1] },
    mode: "clip",
  },
  {
    name: "batching dims",
    xShape: [2, 4, 3],
    idx: ints([2, 3, 1], [0, 3, 0, 2, 2, 1]),
    uShape: [2, 3, 3],
    dn: { updateWindowDims: [2], insertedWindowDims: [1], scatterDimsToOperandDims: [1], operandBatchingDims: [0], scatterIndicesBatchingDims: [0] },
  },
];
const scatterFn = (op: ScatterName, c: ScatterCase) => (x: JaxArray, u: JaxArray, idx: JaxArray = c.idx) =>
  SCATTERS[op](x, idx, u, c.dn, { mode: c.mode });

describe("gradients (orders 1 and 2, fwd and rev)", () => {
  for (const c of GATHERS) {
    it(`gather ${c.name}`, () => {
      const f = gatherFn(c);
      const x = randArray(c.xShape, 3);
      checkGrads((x: JaxArray) => f(x), [x], 1);
      checkGrads((x: JaxArray) => lax.sin(f(lax.mul(x, x))), [x], 2);
    });
  }
  for (const op of ["scatterAdd", "scatter", "scatterMul", "scatterMin", "scatterMax"] as ScatterName[]) {
    for (const c of SCATTER_CASES) {
      it(`${op} ${c.name}`, () => {
        const f = scatterFn(op, c);
        const x = randArray(c.xShape, 5);
        const u = randArray(c.uShape, 6);
        checkGrads((x: JaxArray, u: JaxArray) => f(x, u), [x, u], 1);
        checkGrads((x: JaxArray, u: JaxArray) => lax.sin(f(lax.mul(x, x), lax.sin(u))), [x, u], 2);
      });
    }
  }
  it("scatterMul with zero updates hitting the same position", () => {
    const idx = ints([5, 1], [0, 0, 1, 1, 1]);
    const dn = { updateWindowDims: [], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
    const f = (x: JaxArray, u: JaxArray) => lax.scatterMul(x, idx, u, dn);
    // One, two and three zeros at a position (the second derivatives are exact in each case).
    for (const [k, u] of [[0, 1.5, 0, -0.5, 2], [0, 1.5, 0.7, 0, 0], [1.2, -0.7, 0, 0, 0], [0, 0, 0, 0, 0]].entries()) {
      checkGrads(f, [randArray([3], 7 + k), jnp.array(u)], 2);
    }
  });
});

describe("transpose law ⟨u, f(v)⟩ = ⟨fᵀ(u), v⟩", () => {
  const law = (f: (...xs: JaxArray[]) => JaxArray, vs: JaxArray[]) => {
    const [out, pullback] = vjp(f, ...vs);
    const u = randArray(out.shape, 31);
    const cts = pullback(u) as JaxArray[];
    const lhs = vdot(u, out);
    const rhs = cts.reduce((s, ct, k) => s + vdot(ct, vs[k]), 0);
    expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-4 * (1 + Math.abs(lhs)));
  };
  for (const c of GATHERS) it(`gather ${c.name}`, () => law((x) => gatherFn(c)(x), [randArray(c.xShape, 9)]));
  for (const op of ["scatterAdd", "scatter"] as ScatterName[]) {
    for (const c of SCATTER_CASES) {
      it(`${op} ${c.name}`, () => law(scatterFn(op, c), [randArray(c.xShape, 10), randArray(c.uShape, 11)]));
    }
  }
});

describe("vmap ≡ loop", () => {
  const B = 3;
  const exact = { atol: 0, rtol: 0 };
  /** Random in-range index arrays like `idx` (values below the matching operand dims). */
  const randIdx = (idx: JaxArray, bound: number, seed: number) =>
    lax.convertElementType(lax.floor(randArray([B, ...idx.shape], seed, -1, bound + 1)), "int32");

  for (const c of GATHERS) {
    const f = gatherFn(c);
    it(`gather ${c.name}: batched operand (axis 1)`, () => {
      const xs = randArray([c.xShape[0]!, B, ...c.xShape.slice(1)], 12);
      const want = stack(range(B).map((b) => f(take0(moveAxis(xs, 1, 0), b))));
      assertClose(vmap((x: JaxArray) => f(x), { inAxes: 1 })(xs), want, exact);
    });
    it(`gather ${c.name}: batched indices`, () => {
      const x = randArray(c.xShape, 13);
      const ids = randIdx(c.idx, Math.min(...c.xShape), 14);
      const want = stack(range(B).map((b) => f(x, take0(ids, b))));
      assertClose(vmap(f, { inAxes: [null, 0] })(x, ids), want, exact);
    });
    it(`gather ${c.name}: both batched (indices on their last-but-one axis)`, () => {
      const xs = randArray([B, ...c.xShape], 15);
      const ids = randIdx(c.idx, Math.min(...c.xShape), 16);
      const idsMoved = moveAxis(ids, 0, ids.ndim - 2);
      const want = stack(range(B).map((b) => f(take0(xs, b), take0(ids, b))));
      assertClose(vmap(f, { inAxes: [0, ids.ndim - 2] })(xs, idsMoved), want, exact);
      assertClose(jit(vmap(f, { inAxes: [0, ids.ndim - 2] }))(xs, idsMoved), want, exact);
    });
  }

  for (const op of ["scatterAdd", "scatter", "scatterMul", "scatterMin", "scatterMax"] as ScatterName[]) {
    for (const c of SCATTER_CASES) {
      const f = scatterFn(op, c);
      it(`${op} ${c.name}: every combination of batched operand / updates / indices`, () => {
        const xs = randArray([B, ...c.xShape], 17);
        const us = randArray([B, ...c.uShape], 18);
        const ids = randIdx(c.idx, Math.min(...c.xShape), 19);
        const args = [xs, us, ids];
        const unb = [take0(xs, 0), take0(us, 0), c.idx];
        for (let mask = 1; mask < 8; mask++) {
          const batched = [0, 1, 2].map((k) => (mask >> k) & 1);
          const ins = batched.map((on, k) => (on ? args[k]! : unb[k]!));
          const want = stack(range(B).map((b) => f(...(ins.map((a, k) => (batched[k] ? take0(a, b) : a)) as [JaxArray, JaxArray, JaxArray]))));
          const got = vmap(f, { inAxes: batched.map((on) => (on ? 0 : null)) })(...ins);
          assertClose(got, want, exact, `batched ${batched}`);
        }
      });
    }
  }

  it("jit and vmap of the vjp of scatter with duplicate indices", () => {
    const c = SCATTER_CASES[0]!;
    const f = scatterFn("scatter", c);
    const pull = (x: JaxArray, u: JaxArray, ct: JaxArray) => vjp(f, x, u)[1](ct) as JaxArray[];
    const x = randArray([B, ...c.xShape], 22);
    const u = randArray([B, ...c.uShape], 23);
    const ct = randArray([B, ...c.xShape], 24);
    const want = range(B).map((b) => pull(take0(x, b), take0(u, b), take0(ct, b)));
    assertClose(jit(pull)(take0(x, 0), take0(u, 0), take0(ct, 0)), want[0], exact);
    assertClose(vmap(pull)(x, u, ct), [stack(want.map((w) => w[0]!)), stack(want.map((w) => w[1]!))], exact);
  });

  it("vmap of grad through gather and scatterAdd ≡ loop", () => {
    const c = GATHERS[0]!;
    const xs = randArray([B, ...c.xShape], 20);
    const ids = randIdx(c.idx, c.xShape[0]!, 21);
    const loss = (x: JaxArray, idx: JaxArray) => lax.reduceSum(lax.sin(gatherFn(c)(x, idx)), [0, 1]);
    const g = (x: JaxArray, idx: JaxArray) => vjp((x: JaxArray) => loss(x, idx), x)[1](jnp.array(1))[0] as JaxArray;
    const want = stack(range(B).map((b) => g(take0(xs, b), take0(ids, b))));
    assertClose(vmap(g)(xs, ids), want, { atol: 1e-6, rtol: 1e-6 });
  });
});

describe("errors (JAX's wording)", () => {
  const x = randArray([4, 3], 1);
  const idx = ints([2, 1], [0, 1]);
  const gdn = { offsetDims: [1], collapsedSliceDims: [0], startIndexMap: [0] };
  const sdn = { updateWindowDims: [1], insertedWindowDims: [0], scatterDimsToOperandDims: [0] };
  const cases: [string, () => unknown, string][] = [
    ["float indices", () => lax.gather(x, jnp.array([[0], [1]]), gdn, [1, 3]), "indices must have an integer type"],
    ["slice sizes rank", () => lax.gather(x, idx, gdn, [1]), "Gather op must have one slice size for every input dimension; got: len(slice_sizes)=1, input_shape.rank=2"],
    ["collapse a wide dim", () => lax.gather(x, idx, gdn, [2, 3]), "Gather op can only collapse slice dims with bound 1, but bound is 2 for index 0 at position 0."],
    ["start_index_map length", () => lax.gather(x, ints([2, 2], [0, 0, 1, 1]), gdn, [1, 3]), "Gather op has 1 elements in start_index_map and the bound of dimension index_vector_dim=1 of indices is 2. These two numbers must be equal."],
    ["slice too big", () => lax.gather(x, idx, { ...gdn, collapsedSliceDims: [], offsetDims: [1, 2] }, [1, 4]), "Slice size at index 1 in gather op is out of range, must be within [0, 3 + 1), got 4."],
    ["unsorted offset_dims", () => lax.gather(x, idx, { offsetDims: [2, 1], collapsedSliceDims: [], startIndexMap: [0] }, [1, 3]), "offset_dims in gather op must be sorted; got (2, 1)"],
    ["scatter dtype", () => lax.scatterAdd(x, idx, ints([2, 3], [1, 2, 3, 4, 5, 6]), sdn), "lax.scatter_add requires arguments to have the same dtypes, got float32, int32."],
    ["scatter updates rank", () => lax.scatterAdd(x, idx, randArray([2], 2), sdn), "Updates tensor must be of rank 2; got 1."],
    ["scatter window too big", () => lax.scatterAdd(x, idx, randArray([2, 4], 2), sdn), "Bounds of the window dimensions of updates must not exceed the bounds of the corresponding dimensions of operand. For dimension 1, updates bound is 4, operand bound is 3."],
    ["scatter dims mismatch", () => lax.scatter(x, idx, randArray([3, 3], 2), sdn), "Bounds of the scatter dimensions of updates must be the same as the bounds of the corresponding dimensions of scatter indices. For scatter dimension 0, updates bound is 3, indices bound is 2."],
    ["unknown mode", () => lax.gather(x, idx, gdn, [1, 3], { mode: "wrap" as lax.GatherScatterMode }), 'Unknown gather mode "wrap"'],
  ];
  for (const [name, f, msg] of cases) {
    it(name, () => {
      expect(f).toThrow(TypeError);
      expect(f).toThrow(msg);
    });
  }
});
