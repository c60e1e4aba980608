// Every elementwise primitive the compiler lowers, on every dtype it accepts, against the
// reference interpreter on random inputs with special values: bit-exact (transcendental
// functions too, since kernels call the same Math functions in float64 and round once).
import { afterAll, beforeAll, describe, it } from "vitest";
import { config, primitives } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { bind } from "../../src/core/trace.js";
import type { Params } from "../../src/core/primitive.js";
import { type FnCheckOptions, type Spec, checkFn } from "./harness.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const FLOATS: DType[] = ["float32", "float64"];
const INTS: DType[] = ["int8", "int16", "int32", "uint8", "uint16", "uint32", "int64", "uint64"];
const NARROW_INTS: DType[] = ["int8", "int16", "int32", "uint8", "uint16", "uint32"];
// Sizes that exercise the SIMD loop and its scalar tail, a scalar and an empty array.
const SHAPES: number[][] = [[37], [3, 5], [], [0]];

function prim(name: string, params: Params = {}) {
  const p = (primitives as unknown as Record<string, (typeof primitives)["add"]>)[name]!;
  return (...xs: JaxArray[]) => bind(p, xs, params);
}

function check(name: string, dtypes: DType[], arity: number, params: Params = {}, opts: FnCheckOptions = {}) {
  for (const d of dtypes) {
    for (const shape of SHAPES) {
      const specs: Spec[] = Array.from({ length: arity }, () => [shape, d]);
      checkFn(prim(name, params), specs, { specials: true, ...opts });
    }
  }
}

describe("unary float ops", () => {
  for (const op of ["neg", "sign", "floor", "ceil", "round", "abs", "sqrt", "rsqrt", "is_finite"]) {
    it(op, () => check(op, FLOATS, 1));
  }
  // The SIMD math library (exp, log, tanh, sin, erf, ... ) is within a few ulps; the others
  // call JS Math per lane in float64 and round once, as the reference does.
  const transcendental = [
    "exp", "exp2", "log", "log1p", "expm1", "cbrt", "sin", "cos", "tan", "asin", "acos", "atan", "sinh", "cosh",
    "tanh", "asinh", "acosh", "atanh", "logistic",
  ];
  for (const op of transcendental) it(op, () => check(op, FLOATS, 1, {}, { ulps: 4, atol: 1e-300 }));
  it("erf, erfc, erf_inv (float32)", () => {
    check("erf", ["float32"], 1, {}, { ulps: 4 });
    check("erfc", ["float32"], 1, {}, { ulps: 4 });
    check("erf_inv", ["float32"], 1, {}, { ulps: 4, lo: -1, hi: 1 });
  });
});

describe("binary float ops", () => {
  for (const op of ["add", "sub", "mul", "div", "rem", "max", "min", "nextafter"]) {
    it(op, () => check(op, FLOATS, 2));
  }
  it("pow, atan2", () => {
    check("pow", FLOATS, 2, {}, { ulps: 4, atol: 1e-300 });
    check("atan2", FLOATS, 2, {}, { ulps: 4 });
  });
  it("rem with huge quotients", () => {
    for (const d of FLOATS) checkFn(prim("rem"), [[[64], d], [[64], d]], { lo: -1e30, hi: 1e30, seed: 3 });
  });
});

describe("integer ops", () => {
  for (const op of ["neg", "sign", "abs"]) it(op, () => check(op, INTS, 1));
  for (const op of ["add", "sub", "mul", "div", "rem", "max", "min"]) it(op, () => check(op, INTS, 2));
  for (const op of ["and", "or", "xor", "shift_left", "shift_right_logical", "shift_right_arithmetic"]) {
    it(op, () => check(op, NARROW_INTS, 2));
  }
  it("shifts by small amounts", () => {
    for (const op of ["shift_left", "shift_right_logical", "shift_right_arithmetic"]) {
      for (const d of NARROW_INTS) {
        const shift = (x: JaxArray, s: JaxArray) => prim(op)(x, s);
        checkFn(shift, [[[41], d], [[41], d]], { lo: 0, hi: 40 });
      }
    }
  });
  it("not, population_count", () => {
    check("not", [...NARROW_INTS, "bool"], 1);
    check("population_count", NARROW_INTS, 1);
  });
  it("integer_pow", () => {
    for (const y of [0, 1, 2, 3, 5]) check("integer_pow", [...NARROW_INTS, "int64"], 1, { y }, { lo: -6, hi: 6 });
    for (const y of [0, 1, 2, 3, 5]) check("integer_pow", FLOATS, 1, { y }, { lo: -6, hi: 6, ulps: 4 });
    for (const y of [-1, -2, -3]) check("integer_pow", FLOATS, 1, { y }, { ulps: 4, atol: 1e-300 });
  });
});

describe("comparisons and selection", () => {
  const all: DType[] = [...FLOATS, ...INTS, "bool"];
  for (const op of ["eq", "ne", "lt", "le", "gt", "ge"]) it(op, () => check(op, all, 2));
  it("bool arithmetic", () => {
    for (const op of ["add", "mul", "max", "min", "and", "or", "xor"]) check(op, ["bool"], 2);
  });
  it("select_n with a bool and an int32 predicate", () => {
    for (const d of all) {
      checkFn((p: JaxArray, a: JaxArray, b: JaxArray) => prim("select_n")(p, a, b), [[[19], "bool"], [[19], d], [[19], d]]);
      checkFn((p: JaxArray, a: JaxArray, b: JaxArray, c: JaxArray) => prim("select_n")(p, a, b, c), [[[19], "int32"], [[19], d], [[19], d], [[19], d]], { lo: 0, hi: 3 });
      checkFn((p: JaxArray, a: JaxArray, b: JaxArray) => prim("select_n")(p, a, b), [[[], "bool"], [[7], d], [[7], d]]);
    }
  });
  it("clamp with scalar and full bounds", () => {
    for (const d of [...FLOATS, ...INTS]) {
      checkFn(prim("clamp"), [[[], d], [[23], d], [[], d]], { specials: true });
      checkFn(prim("clamp"), [[[23], d], [[23], d], [[23], d]], { specials: true });
    }
  });
});

describe("rank-0 operands broadcast", () => {
  it("binary ops with a scalar on either side", () => {
    for (const op of ["add", "sub", "mul", "div", "max", "min", "lt", "eq", "atan2", "pow", "and", "shift_left"]) {
      const dtypes: DType[] = ["atan2", "pow"].includes(op) ? FLOATS : ["and", "shift_left"].includes(op) ? ["int32", "uint8"] : ["float32", "int32", "float64", "int16"];
      for (const d of dtypes) {
        const tol = ["atan2", "pow"].includes(op) ? { ulps: 4, atol: 1e-300 } : {};
        checkFn(prim(op), [[[3, 13], d], [[], d]], { specials: true, ...tol });
        checkFn(prim(op), [[[], d], [[3, 13], d]], { specials: true, ...tol });
      }
    }
  });
});

describe("conversions", () => {
  const all: DType[] = [...FLOATS, ...INTS, "bool"];
  it("convert_element_type between every pair of dtypes", () => {
    for (const from of all) {
      for (const to of all) {
        checkFn(prim("convert_element_type", { newDtype: to, weakType: false }), [[[29], from]], { specials: true });
      }
    }
  });
  it("floats out of the int32 range wrap like the reference", () => {
    for (const from of FLOATS) {
      for (const to of NARROW_INTS) {
        checkFn(prim("convert_element_type", { newDtype: to, weakType: false }), [[[64], from]], { lo: -1e12, hi: 1e12 });
      }
    }
  });
  it("bitcast_convert_type between equal widths", () => {
    const pairs: [DType, DType][] = [
      ["float32", "int32"], ["float32", "uint32"], ["int32", "float32"], ["uint32", "float32"], ["int32", "uint32"],
      ["uint8", "int8"], ["int16", "uint16"],
    ];
    for (const [from, to] of pairs) checkFn(prim("bitcast_convert_type", { newDtype: to }), [[[17], from]], { specials: true });
  });
  it("iota of every numeric dtype", () => {
    for (const dtype of [...FLOATS, ...NARROW_INTS, "int64"] as DType[]) {
      for (const [shape, dimension] of [[[300], 0], [[3, 4, 5], 1], [[3, 4, 5], 2], [[2, 1], 1]] as [number[], number][]) {
        checkFn(prim("iota", { dtype, shape, dimension }), []);
      }
    }
  });
});
