// Tests for the bitwise primitives (src/primitives/bitwise.ts): and/or/xor/not on bools and every
// integer dtype, population_count, the shifts (including XLA's out-of-range amounts) and
// bitcast_convert_type, against NumPy fixtures (scripts/gen_special_fixtures.py); vmap ≡ loop;
// 64-bit integers under x64; dtype errors.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, jvp, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

type Num = number | string | boolean;
interface Fixture {
  integer: Record<string, Record<string, Num[]>>;
  bool: Record<string, boolean[]>;
  int64: Record<string, Record<string, Num[]>>;
  bitcast: Record<string, Num[]>;
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/special.json", import.meta.url), "utf8")) as Fixture;

const decode = (v: Num): number => (typeof v === "number" ? v : typeof v === "boolean" ? Number(v) : Number(v.replace("inf", "Infinity")));
const flat = (v: Num[]) => Float64Array.from(v, decode);
const exact = { atol: 0, rtol: 0 };

type Bin = (x: JaxArray, y: JaxArray) => JaxArray;
const BINARY: Record<string, Bin> = { and: lax.bitwiseAnd, or: lax.bitwiseOr, xor: lax.bitwiseXor };
const SHIFTS: Record<string, Bin> = {
  shift_left: lax.shiftLeft,
  shift_right_logical: lax.shiftRightLogical,
  shift_right_arithmetic: lax.shiftRightArithmetic,
};

describe("integer dtypes against NumPy", () => {
  for (const [dtype, d] of Object.entries(FIX.integer)) {
    const arr = (v: Num[]) => jnp.array(v.map(decode), { dtype: dtype as DType });
    it(`${dtype}: and or xor not population_count`, () => {
      const x = arr(d.x!);
      const y = arr(d.y!);
      for (const [name, f] of Object.entries(BINARY)) {
        const out = f(x, y);
        expect(out.dtype).toBe(dtype);
        expectAllClose(out, flat(d[name]!), { ...exact, msg: name });
      }
      expectAllClose(lax.bitwiseNot(x), flat(d.not!), { ...exact, msg: "not" });
      const pc = lax.populationCount(x);
      expect(pc.dtype).toBe(dtype);
      expectAllClose(pc, flat(d.population_count!), { ...exact, msg: "population_count" });
    });
    it(`${dtype}: shifts by amounts in [0, bits) and outside it (XLA semantics)`, () => {
      for (const [name, f] of Object.entries(SHIFTS)) {
        expectAllClose(f(arr(d.x!), arr(d.s_in!)), flat(d[`${name}_in`]!), { ...exact, msg: `${name} in range` });
        expectAllClose(f(arr(d.xo!), arr(d.s_out!)), flat(d[`${name}_out`]!), { ...exact, msg: `${name} out of range` });
      }
    });
  }
  it("JS numbers take the array's dtype (weakly)", () => {
    const x = jnp.array([-3, 5, 100], { dtype: "int8" });
    const out = lax.bitwiseAnd(x, 6);
    expect(out.dtype).toBe("int8");
    expectAllClose(out, lax.bitwiseAnd(x, jnp.array([6, 6, 6], { dtype: "int8" })), exact);
    expectAllClose(lax.shiftLeft(x, 1), lax.mul(x, 2), exact); // both wrap modulo 2^8
  });
});

describe("bools", () => {
  it("and or xor not are the logical operations", () => {
    const b = FIX.bool;
    const x = jnp.array(b.x!);
    const y = jnp.array(b.y!);
    for (const [name, f] of Object.entries(BINARY)) {
      const out = f(x, y);
      expect(out.dtype).toBe("bool");
      expect(out.tolist()).toEqual(b[name]);
    }
    expect(lax.bitwiseNot(x).tolist()).toEqual(b.not);
  });
  it("shifts and population_count reject bools and floats; bitwise ops reject floats", () => {
    const b = jnp.array([true, false]);
    const f = jnp.array([1.5, 2]);
    expect(() => lax.shiftLeft(b, b)).toThrow(/shift_left does not accept dtype bool/);
    expect(() => lax.populationCount(f)).toThrow(/population_count does not accept dtype float32/);
    expect(() => lax.bitwiseAnd(f, f)).toThrow(/and does not accept dtype float32/);
    expect(() => lax.bitwiseNot(f)).toThrow(/not does not accept dtype float32/);
  });
});

describe("64-bit integers under x64", () => {
  beforeAll(() => config.update("jax_enable_x64", true));
  afterAll(() => config.update("jax_enable_x64", false));
  for (const [dtype, d] of Object.entries(FIX.int64)) {
    it(dtype, () => {
      const arr = (v: Num[]) => jnp.array(v.map(decode), { dtype: dtype as DType });
      const x = arr(d.x!);
      const y = arr(d.y!);
      const s = arr(d.s!);
      for (const [name, f] of Object.entries(BINARY)) expectAllClose(f(x, y), flat(d[name]!), { ...exact, msg: name });
      expectAllClose(lax.populationCount(x), flat(d.population_count!), exact);
      expectAllClose(lax.shiftRightLogical(x, s), flat(d.shift_right_logical!), { ...exact, msg: "srl" });
      expectAllClose(lax.shiftRightArithmetic(x, s), flat(d.shift_right_arithmetic!), { ...exact, msg: "sra" });
      // x xor x = 0; not twice is the identity (int64 only: uint64's ~x ≥ 2^64 − 2^52 is not
      // exact in the float64 storage of 64-bit integers, a documented limit)
      if (dtype === "int64") expectAllClose(lax.bitwiseNot(lax.bitwiseNot(x)), x, exact);
      expectAllClose(lax.bitwiseXor(x, x), lax.fullLike(x, 0), exact);
    });
  }
});

describe("bitcast_convert_type against NumPy's view", () => {
  const b = FIX.bitcast;
  const f32 = () => jnp.array(Float32Array.from(b.f32!, decode));
  it("same width: float32 ↔ int32 / uint32", () => {
    const i = lax.bitcastConvertType(f32(), "int32");
    expect(i.dtype).toBe("int32");
    expect(i.shape).toEqual([8]);
    expectAllClose(i, flat(b.f32_as_i32!), exact);
    expectAllClose(lax.bitcastConvertType(f32(), "uint32"), flat(b.f32_as_u32!), exact);
    const back = lax.bitcastConvertType(jnp.array(Int32Array.from(b.i32!, decode)), "float32");
    expectAllClose(back, flat(b.i32_as_f32!), exact);
  });
  it("narrowing adds a trailing axis; widening removes it (round trip)", () => {
    const u8 = lax.bitcastConvertType(f32(), "uint8");
    expect(u8.shape).toEqual([8, 4]);
    expectAllClose(u8, flat(b.f32_as_u8!), exact);
    const i16 = lax.bitcastConvertType(f32(), "int16");
    expect(i16.shape).toEqual([8, 2]);
    expectAllClose(i16, flat(b.f32_as_i16!), exact);
    const back = lax.bitcastConvertType(u8, "float32");
    expect(back.shape).toEqual([8]);
    expectAllClose(back, f32(), exact);
    expect(() => lax.bitcastConvertType(jnp.array([1, 2, 3], { dtype: "uint8" }), "float32")).toThrow(/last dimension must be 4/);
  });
  it("float64 ↔ int64 and float64 → float32 pairs under x64", () => {
    config.update("jax_enable_x64", true);
    try {
      const x = jnp.array(Float64Array.from(b.f64!, decode), { dtype: "float64" });
      expectAllClose(lax.bitcastConvertType(x, "int64"), flat(b.f64_as_i64!), exact);
      const pairs = lax.bitcastConvertType(x, "float32");
      expect(pairs.shape).toEqual([4, 2]);
      expectAllClose(pairs, flat(b.f64_as_f32!), exact);
      expectAllClose(lax.bitcastConvertType(pairs, "float64"), x, exact);
    } finally {
      config.update("jax_enable_x64", false);
    }
  });
  it("has a zero derivative, as in JAX", () => {
    const x = jnp.array([1.5, -2]);
    const [out, t] = jvp((v: JaxArray) => lax.bitcastConvertType(lax.bitcastConvertType(v, "int32"), "float32"), [x], [x]);
    expectAllClose(out, x, exact);
    expectAllClose(t, Float64Array.of(0, 0), exact);
  });
});

describe("vmap ≡ loop", () => {
  const d = FIX.integer.int16!;
  const arr = (v: Num[], shape: number[]) => lax.reshape(jnp.array(v.slice(0, 24).map(decode), { dtype: "int16" }), shape);
  const rows = (op: (...a: JaxArray[]) => JaxArray, xs: Num[][], unbatched: boolean[] = []) =>
    Float64Array.from(
      [0, 1, 2, 3].flatMap((r) =>
        Array.from(op(...xs.map((v, k) => arr(unbatched[k] ? v.slice(0, 6) : v.slice(6 * r, 6 * r + 6), [6]))).dataSync(), Number),
      ),
    );
  const ops: Record<string, [(...a: JaxArray[]) => JaxArray, string[]]> = {
    and: [lax.bitwiseAnd, ["x", "y"]],
    or: [lax.bitwiseOr, ["x", "y"]],
    xor: [lax.bitwiseXor, ["x", "y"]],
    not: [lax.bitwiseNot, ["x"]],
    population_count: [lax.populationCount, ["x"]],
    shift_left: [lax.shiftLeft, ["x", "s_in"]],
    shift_right_logical: [lax.shiftRightLogical, ["x", "s_in"]],
    shift_right_arithmetic: [lax.shiftRightArithmetic, ["x", "s_in"]],
  };
  for (const [name, [op, keys]] of Object.entries(ops)) {
    it(name, () => {
      const xs = keys.map((k) => d[k]!);
      expectAllClose(vmap(op)(...xs.map((v) => arr(v, [4, 6]))), rows(op, xs), exact);
      const tr = xs.map((v) => lax.transpose(arr(v, [4, 6]), [1, 0]));
      expectAllClose(vmap(op, { inAxes: 1 })(...tr), rows(op, xs), exact);
      if (keys.length === 2) {
        const unb = [false, true];
        const out = vmap(op, { inAxes: [0, null] })(arr(xs[0]!, [4, 6]), arr(xs[1]!.slice(0, 6), [6]));
        expectAllClose(out, rows(op, xs, unb), exact);
      }
    });
  }
  it("bitcast_convert_type, including widening with the batch axis last", () => {
    const host = Float32Array.from(FIX.bitcast.f32!, decode).slice(0, 6);
    const m = lax.reshape(jnp.array(host), [2, 3]);
    const row = (r: number) => lax.bitcastConvertType(jnp.array(host.slice(3 * r, 3 * r + 3)), "uint8");
    const loop = Float64Array.from([0, 1].flatMap((r) => Array.from(row(r).dataSync(), Number)));
    expectAllClose(vmap((v: JaxArray) => lax.bitcastConvertType(v, "uint8"))(m), loop, exact);
    const u8 = lax.bitcastConvertType(m, "uint8"); // [2, 3, 4]
    const widen = (v: JaxArray) => lax.bitcastConvertType(v, "float32");
    // batch over the last axis of the [3, 4, 2] transpose: each entry is a [3, 4] byte array
    const t = lax.transpose(u8, [1, 2, 0]);
    expectAllClose(vmap(widen, { inAxes: 2 })(t), m, exact);
  });
});
