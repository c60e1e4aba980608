// Property tests: random small programs of elementwise, broadcast, layout, reduction and
// indexing ops (gathers, dynamic updates, scatters, cumsum; indices computed from the data,
// often out of bounds) (float32 within rounding, int32 exactly), planned and run on Wasm,
// equal the reference interpreter — whatever the fusion decides.
import { describe, it } from "vitest";
import fc from "fast-check";
import { lax, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { checkFn } from "./harness.js";

type Op =
  | { k: "unary"; f: number; a: number }
  | { k: "binary"; f: number; a: number; b: number }
  | { k: "bcast"; f: number; a: number; src: "row" | "col" | "scalar" }
  | { k: "reduce"; f: number; a: number; axis: number }
  | { k: "layout"; f: number; a: number }
  | { k: "select"; a: number; b: number; c: number }
  | { k: "index"; f: number; a: number; b: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("unary" as const), f: fc.nat(5), a: fc.nat() }),
  fc.record({ k: fc.constant("binary" as const), f: fc.nat(5), a: fc.nat(), b: fc.nat() }),
  fc.record({ k: fc.constant("bcast" as const), f: fc.nat(5), a: fc.nat(), src: fc.constantFrom("row" as const, "col" as const, "scalar" as const) }),
  fc.record({ k: fc.constant("reduce" as const), f: fc.nat(1), a: fc.nat(), axis: fc.nat(1) }),
  fc.record({ k: fc.constant("layout" as const), f: fc.nat(2), a: fc.nat() }),
  fc.record({ k: fc.constant("select" as const), a: fc.nat(), b: fc.nat(), c: fc.nat() }),
  fc.record({ k: fc.constant("index" as const), f: fc.nat(4), a: fc.nat(), b: fc.nat() }),
);

/** Builds the program over inputs x, y: [m, n], row: [n], col: [m], s: []. */
function program(ops: Op[], dtype: DType, m: number, n: number) {
  const float = dtype === "float32";
  return (x: JaxArray, y: JaxArray, row: JaxArray, col: JaxArray, s: JaxArray) => {
    const vals = [x, y];
    const pick = (i: number) => vals[i % vals.length]!;
    const bin = (f: number, a: JaxArray, b: JaxArray): JaxArray => {
      const fs = float
        ? [lax.add, lax.sub, lax.mul, lax.max, lax.min, (p: JaxArray, q: JaxArray) => lax.div(p, lax.add(lax.abs(q), lax.full(q.shape, 1, dtype)))]
        : [lax.add, lax.sub, lax.mul, lax.max, lax.min, (p: JaxArray, q: JaxArray) => lax.bitwiseXor(p, q)];
      return fs[f % fs.length]!(a, b);
    };
    for (const op of ops) {
      const a = pick(op.a);
      let v: JaxArray;
      switch (op.k) {
        case "unary": {
          const fs = float
            ? [lax.neg, lax.abs, lax.floor, lax.tanh, (t: JaxArray) => lax.sqrt(lax.abs(t)), lax.sin]
            : [lax.neg, lax.abs, lax.sign, (t: JaxArray) => lax.shiftRightArithmetic(t, lax.full(t.shape, 2, dtype)), lax.bitwiseNot, lax.neg];
          v = fs[op.f % fs.length]!(a);
          break;
        }
        case "binary":
          v = bin(op.f, a, pick(op.b));
          break;
        case "bcast": {
          const b = op.src === "row" ? lax.broadcastInDim(row, [m, n], [1]) : op.src === "col" ? lax.broadcastInDim(col, [m, n], [0]) : lax.broadcastInDim(s, [m, n], []);
          v = bin(op.f, a, b);
          break;
        }
        case "reduce": {
          const r = op.f === 0 ? lax.reduceSum(float ? lax.tanh(a) : a, [op.axis]) : lax.reduceMax(a, [op.axis]);
          v = lax.broadcastInDim(r, [m, n], [1 - op.axis]);
          break;
        }
        case "layout": {
          if (op.f === 0) v = lax.rev(a, [1]);
          else if (op.f === 1) v = lax.pad(lax.slice(a, [0, 1], [m, n]), lax.full([], 0, dtype), [[0, 0, 0], [1, 0, 0]]);
          else v = lax.reshape(lax.reshape(a, [m * n]), [m, n]);
          break;
        }
        case "select":
          v = lax.select(lax.gt(a, pick(op.b)), a, pick(op.c));
          break;
        case "index": {
          // Indices from the data: floor(3·v) for floats, v itself for integers.
          const ix = (t: JaxArray) => (float ? lax.convertElementType(lax.floor(lax.mul(t, lax.full(t.shape, 3, dtype))), "int32") : t);
          const b = pick(op.b);
          if (op.f === 0) v = jnp.index(a, ix(col));
          else if (op.f === 1) v = jnp.index(a, jnp.s(null), ix(row));
          else if (op.f === 2) v = lax.dynamicUpdateSlice(a, lax.slice(b, [0, 0], [1, n]), [ix(s), lax.full([], 0, "int32")]);
          else if (op.f === 3) v = jnp.indexUpdate(a, [ix(col)], b, "add");
          else v = lax.cumsum(a, 1, op.b % 2 === 1);
          break;
        }
      }
      vals.push(v);
    }
    return [vals[vals.length - 1]!, vals[Math.floor(vals.length / 2)]!];
  };
}

function property(dtype: DType, opts: { rtol?: number; atol?: number; lo: number; hi: number }) {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 11 }), fc.array(opArb, { minLength: 1, maxLength: 7 }), fc.nat(1000), (m, n, ops, seed) => {
      checkFn(program(ops, dtype, m, n), [[[m, n], dtype], [[m, n], dtype], [[n], dtype], [[m], dtype], [[], dtype]], { seed, ...opts });
    }),
    { numRuns: Number(process.env.COMPILER_RUNS ?? 60), seed: Number(process.env.COMPILER_SEED ?? 42) },
  );
}

describe("random programs equal the interpreter", () => {
  it("float32 (within rounding)", () => property("float32", { rtol: 1e-4, atol: 1e-4, lo: -2, hi: 2 }));
  it("int32 (exactly)", () => property("int32", { lo: -50, hi: 50 }));
});
