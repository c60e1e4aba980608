// The laws of the transformations as fast-check properties over random shapes and values and a
// library of composite functions (test/util/laws.ts): jit(f) ≡ f, vmap(f) ≡ a loop of f,
// ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ (jvp against vjp), jacfwd ≡ jacrev, grad ≡ jvp on scalar functions,
// linearize ≡ jvp, and nested compositions (grad∘jit, jit∘grad, vmap∘jit, jit∘vmap∘grad,
// vmap∘vmap, grad³ against forward mode³).
import fc from "fast-check";
import { describe, it } from "vitest";
import { grad, jacfwd, jacrev, jit, jvp, linearize, vjp, vmap, valueAndGrad } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import {
  type LibFn,
  absDot,
  assertClose,
  libArb,
  moveAxis,
  randArray,
  scalarize,
  seedArb,
  shapeArb,
  stack,
  take0,
  vdot,
} from "../util/laws.js";

// LAWS_RUNS=n scales the number of cases (for a longer search than CI's).
const SCALE = Number(process.env["LAWS_RUNS"] ?? 40) / 40;
const RUNS = { numRuns: Math.round(40 * SCALE) };
const SMALL = { numRuns: Math.round(25 * SCALE) };
// float32 rounding differs between evaluation orders (jvp vs vjp, fused vs not): compare loosely.
const F32 = { atol: 1e-5, rtol: 2e-4 };

/**
 * Two float32 computations of one inner product agree to rounding: relative to the sum of the
 * magnitudes of its terms, plus an absolute floor for cancellation in each of the n terms.
 */
function scalarClose(a: number, b: number, scale: number, n: number): boolean {
  return Math.abs(a - b) <= 1e-5 * scale + 1e-6 * n;
}

const caseArb = fc.record({ lib: libArb, shape: shapeArb(), seed: seedArb });
const name = (lib: LibFn) => lib.name;

describe("jit(f) ≡ f", () => {
  it("on the function library", () => {
    fc.assert(
      fc.property(caseArb, ({ lib, shape, seed }) => {
        const x = randArray(shape, seed);
        assertClose(jit(lib.f)(x), lib.f(x), { atol: 1e-6, rtol: 1e-6, dtype: true }, name(lib));
      }),
      RUNS,
    );
  });
});

describe("vmap(f)(xs) ≡ stack(f(x) for x in xs)", () => {
  it("with the mapped axis anywhere in the input", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 }), fc.nat(), ({ lib, shape, seed }, b, axisPick) => {
        const xs = randArray([b, ...shape], seed);
        const axis = axisPick % (shape.length + 1);
        const moved = moveAxis(xs, 0, axis);
        const expected = stack(Array.from({ length: b }, (_, i) => lib.f(take0(xs, i))));
        assertClose(vmap(lib.f, { inAxes: axis })(moved), expected, { atol: 1e-6, rtol: 1e-5 }, name(lib));
      }),
      RUNS,
    );
  });

  it("with the batch put at any output axis (outAxes, including negative)", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 }), fc.nat(), fc.boolean(), ({ lib, shape, seed }, b, pick, neg) => {
        const xs = randArray([b, ...shape], seed);
        const outs = Array.from({ length: b }, (_, i) => lib.f(take0(xs, i)));
        const outRank = outs[0]!.ndim + 1;
        const axis = pick % outRank;
        const expected = moveAxis(stack(outs), 0, axis);
        const got = vmap(lib.f, { outAxes: neg ? axis - outRank : axis })(xs);
        assertClose(got, expected, { atol: 1e-6, rtol: 1e-5 }, name(lib));
      }),
      SMALL,
    );
  });

  it("vmap(vmap(f)) ≡ a double loop", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), ({ lib, shape, seed }, a, b) => {
        const xs = randArray([a, b, ...shape.slice(0, 2)], seed);
        const rows = Array.from({ length: a }, (_, i) => {
          const xi = take0(xs, i);
          return stack(Array.from({ length: b }, (_, j) => lib.f(take0(xi, j))));
        });
        assertClose(vmap(vmap(lib.f))(xs), stack(rows), { atol: 1e-6, rtol: 1e-5 }, name(lib));
      }),
      SMALL,
    );
  });
});

describe("derivatives agree with each other", () => {
  it("⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ (jvp against vjp)", () => {
    fc.assert(
      fc.property(caseArb, seedArb, ({ lib, shape, seed }, seed2) => {
        const x = randArray(shape, seed);
        const v = randArray(shape, seed2);
        const [y, t] = jvp(lib.f, [x], [v]);
        const [y2, pull] = vjp(lib.f, x);
        assertClose(y2, y, { atol: 1e-6, rtol: 1e-6 }, `${name(lib)} primal`);
        const u = randArray((y as JArray).shape, seed2 + 1);
        const [ct] = pull(u);
        const lhs = vdot(u, t);
        const rhs = vdot(ct, v);
        if (!scalarClose(lhs, rhs, absDot(u, t) + absDot(ct, v), v.size + u.size)) {
          throw new Error(`${name(lib)}: <u, Jv> = ${lhs} but <J^T u, v> = ${rhs}`);
        }
      }),
      RUNS,
    );
  });

  it("jacfwd ≡ jacrev", () => {
    fc.assert(
      fc.property(fc.record({ lib: libArb, shape: shapeArb(2, 3), seed: seedArb }), ({ lib, shape, seed }) => {
        const x = randArray(shape, seed);
        assertClose(jacfwd(lib.f)(x), jacrev(lib.f)(x), F32, name(lib));
      }),
      RUNS,
    );
  });

  it("grad ≡ jvp on scalar functions, and valueAndGrad's value is f(x)", () => {
    fc.assert(
      fc.property(caseArb, seedArb, ({ lib, shape, seed }, seed2) => {
        const s = scalarize(lib.f);
        const x = randArray(shape, seed);
        const v = randArray(shape, seed2);
        const g = grad(s)(x);
        const [val, g2] = valueAndGrad(s)(x);
        assertClose(g2, g, { atol: 0, rtol: 0 }, `${name(lib)} valueAndGrad`);
        const [y, t] = jvp(s, [x], [v]);
        assertClose(val, y, { atol: 1e-6, rtol: 1e-6 }, `${name(lib)} value`);
        const dir = vdot(g, v);
        const tan = vdot(t, 1);
        if (!scalarClose(dir, tan, absDot(g, v), v.size)) {
          throw new Error(`${name(lib)}: <grad, v> = ${dir} but jvp = ${tan}`);
        }
      }),
      RUNS,
    );
  });

  it("linearize's function ≡ jvp", () => {
    fc.assert(
      fc.property(caseArb, seedArb, ({ lib, shape, seed }, seed2) => {
        const x = randArray(shape, seed);
        const v = randArray(shape, seed2);
        const [y, fl] = linearize(lib.f, x);
        const [y2, t] = jvp(lib.f, [x], [v]);
        assertClose(y, y2, { atol: 1e-6, rtol: 1e-6 }, `${name(lib)} primal`);
        assertClose(fl(v), t, F32, `${name(lib)} tangent`);
        // The linearized function is linear: f_lin(2v) = 2 f_lin(v).
        const v2 = randArray(shape, seed2).mul(2);
        assertClose(fl(v2), (fl(v) as JArray).mul(2), F32, `${name(lib)} linearity`);
      }),
      SMALL,
    );
  });
});

describe("nested compositions", () => {
  it("grad(jit(f)) ≡ jit(grad(f)) ≡ grad(f)", () => {
    fc.assert(
      fc.property(caseArb, ({ lib, shape, seed }) => {
        const s = scalarize(lib.f);
        const x = randArray(shape, seed);
        const g = grad(s)(x);
        assertClose(grad(jit(s))(x), g, F32, `grad(jit(${name(lib)}))`);
        assertClose(jit(grad(s))(x), g, F32, `jit(grad(${name(lib)}))`);
        assertClose(jit(grad(jit(s)))(x), g, F32, `jit(grad(jit(${name(lib)})))`);
      }),
      RUNS,
    );
  });

  it("vmap(jit(f)) ≡ jit(vmap(f)) ≡ a loop", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 }), ({ lib, shape, seed }, b) => {
        const xs = randArray([b, ...shape], seed);
        const expected = stack(Array.from({ length: b }, (_, i) => lib.f(take0(xs, i))));
        assertClose(vmap(jit(lib.f))(xs), expected, { atol: 1e-6, rtol: 1e-5 }, `vmap(jit(${name(lib)}))`);
        assertClose(jit(vmap(lib.f))(xs), expected, { atol: 1e-6, rtol: 1e-5 }, `jit(vmap(${name(lib)}))`);
      }),
      SMALL,
    );
  });

  it("jit(vmap(grad(f))) ≡ a loop of grad, and vmap(grad) ≡ grad of the sum", () => {
    fc.assert(
      fc.property(caseArb, fc.integer({ min: 1, max: 3 }), ({ lib, shape, seed }, b) => {
        const s = scalarize(lib.f);
        const xs = randArray([b, ...shape], seed);
        const expected = stack(Array.from({ length: b }, (_, i) => grad(s)(take0(xs, i)) as JArray));
        assertClose(jit(vmap(grad(s)))(xs), expected, F32, `jit(vmap(grad(${name(lib)})))`);
        assertClose(vmap(grad(jit(s)))(xs), expected, F32, `vmap(grad(jit(${name(lib)})))`);
      }),
      SMALL,
    );
  });

  it("grad(grad(grad(f))) ≡ forward mode to third order on scalar inputs", () => {
    fc.assert(
      fc.property(libArb, fc.double({ min: -1.4, max: 1.4, noNaN: true }), (lib, x0) => {
        const s = scalarize(lib.f);
        const x = randArray([], 1).mul(0).add(Math.fround(x0));
        const d1 = (f: (x: JArray) => JArray) => (y: JArray) => jvp(f, [y], [1.0])[1] as JArray;
        const rev = grad(grad(grad(s)))(x);
        const fwd = d1(d1(d1(s)))(x);
        const mixed = grad(d1(grad(s)))(x);
        assertClose(rev, fwd, { atol: 1e-4, rtol: 1e-3 }, `${name(lib)} rev³ vs fwd³`);
        assertClose(mixed, fwd, { atol: 1e-4, rtol: 1e-3 }, `${name(lib)} rev∘fwd∘rev vs fwd³`);
        assertClose(jit(grad(jit(grad(grad(s)))))(x), rev, { atol: 1e-4, rtol: 1e-3 }, `${name(lib)} jit nest`);
      }),
      SMALL,
    );
  });
});
