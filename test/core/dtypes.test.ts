// Tests for src/core/dtypes: resultType/promoteTypes against JAX's binary promotion table, the
// x64-disabled behaviour, and weak-type handling.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { config } from "../../src/core/config.js";
import { type DType, type DTypeInfo, promoteTypes, resultType, scalarDType } from "../../src/core/dtypes.js";

// Transcribed from the table in docs/type_promotion.rst of github.com/jax-ml/jax (generated there
// with dtypes.lattice_result_type; entries with x64 enabled), keeping the rows and columns of the
// dtypes jaxts supports: b1 = bool, uN/iN/fN = N-byte unsigned/signed/float, i* = weak int (a JS
// integer), f* = weak float (a JS non-integer number).
const COLUMNS = "b1 u1 u2 u4 u8 i1 i2 i4 i8 f4 f8 i* f*".split(" ");
const TABLE = [
  " b1:  b1  u1  u2  u4  u8  i1  i2  i4  i8  f4  f8  i*  f*",
  " u1:  u1  u1  u2  u4  u8  i2  i2  i4  i8  f4  f8  u1  f*",
  " u2:  u2  u2  u2  u4  u8  i4  i4  i4  i8  f4  f8  u2  f*",
  " u4:  u4  u4  u4  u4  u8  i8  i8  i8  i8  f4  f8  u4  f*",
  " u8:  u8  u8  u8  u8  u8  f*  f*  f*  f*  f4  f8  u8  f*",
  " i1:  i1  i2  i4  i8  f*  i1  i2  i4  i8  f4  f8  i1  f*",
  " i2:  i2  i2  i4  i8  f*  i2  i2  i4  i8  f4  f8  i2  f*",
  " i4:  i4  i4  i4  i8  f*  i4  i4  i4  i8  f4  f8  i4  f*",
  " i8:  i8  i8  i8  i8  f*  i8  i8  i8  i8  f4  f8  i8  f*",
  " f4:  f4  f4  f4  f4  f4  f4  f4  f4  f4  f4  f8  f4  f4",
  " f8:  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8  f8",
  " i*:  i*  u1  u2  u4  u8  i1  i2  i4  i8  f4  f8  i*  f*",
  " f*:  f*  f*  f*  f*  f*  f*  f*  f*  f*  f4  f8  f*  f*",
];

// With x64 enabled, a JS integer is a weak int64 and a JS float a weak float64.
const X64: Record<string, DTypeInfo> = {
  b1: { dtype: "bool", weakType: false },
  u1: { dtype: "uint8", weakType: false },
  u2: { dtype: "uint16", weakType: false },
  u4: { dtype: "uint32", weakType: false },
  u8: { dtype: "uint64", weakType: false },
  i1: { dtype: "int8", weakType: false },
  i2: { dtype: "int16", weakType: false },
  i4: { dtype: "int32", weakType: false },
  i8: { dtype: "int64", weakType: false },
  f4: { dtype: "float32", weakType: false },
  f8: { dtype: "float64", weakType: false },
  "i*": { dtype: "int64", weakType: true },
  "f*": { dtype: "float64", weakType: true },
};

const strong = (dtype: DType): DTypeInfo => ({ dtype, weakType: false });
const weak = (dtype: DType): DTypeInfo => ({ dtype, weakType: true });

describe("promotion table with x64 enabled (docs/type_promotion.rst)", () => {
  let saved: boolean;
  beforeEach(() => {
    saved = config.read("jax_enable_x64");
    config.update("jax_enable_x64", true);
  });
  afterEach(() => config.update("jax_enable_x64", saved));

  it("the transcription is square", () => {
    expect(TABLE.length).toBe(COLUMNS.length);
    for (const row of TABLE) expect(row.trim().split(/\s+/).length).toBe(COLUMNS.length + 1);
  });

  for (const row of TABLE) {
    const [head, ...cells] = row.trim().split(/\s+/);
    const r = head!.replace(":", "");
    cells.forEach((cell, j) => {
      const c = COLUMNS[j]!;
      it(`${r} + ${c} -> ${cell}`, () => {
        const expected = X64[cell]!;
        expect(resultType(X64[r]!, X64[c]!)).toEqual(expected);
        // Promotion is symmetric, and promote_types on strong types gives the same dtype.
        expect(resultType(X64[c]!, X64[r]!)).toEqual(expected);
        if (!X64[r]!.weakType && !X64[c]!.weakType) expect(promoteTypes(X64[r]!.dtype, X64[c]!.dtype)).toBe(expected.dtype);
      });
    });
  }

  it("JS scalars are weak int64 / float64", () => {
    expect(scalarDType(2)).toEqual(weak("int64"));
    expect(scalarDType(1.5)).toEqual(weak("float64"));
    expect(scalarDType(true)).toEqual(strong("bool"));
  });
});

describe("promotion with x64 disabled (the default)", () => {
  it("is the default", () => {
    expect(config.read("jax_enable_x64")).toBe(false);
  });

  it("int32 + 1.5 -> float32 (weak, as the float came from a JS number)", () => {
    expect(resultType(strong("int32"), scalarDType(1.5))).toEqual(weak("float32"));
  });

  it("int32 * 2 -> int32", () => {
    expect(resultType(strong("int32"), scalarDType(2))).toEqual(strong("int32"));
    expect(resultType(strong("int8"), scalarDType(2))).toEqual(strong("int8"));
    expect(resultType(strong("uint8"), scalarDType(2))).toEqual(strong("uint8"));
  });

  it("uint32 + int32 -> int32, not int64", () => {
    expect(promoteTypes("uint32", "int32")).toBe("int32");
    expect(resultType(strong("uint32"), strong("int32"))).toEqual(strong("int32"));
  });

  it("int8 + uint8 -> int16", () => {
    expect(promoteTypes("int8", "uint8")).toBe("int16");
  });

  it("float32 with anything integer stays float32", () => {
    expect(promoteTypes("float32", "int32")).toBe("float32");
    expect(resultType(strong("float32"), scalarDType(3))).toEqual(strong("float32"));
    expect(resultType(strong("float32"), scalarDType(0.5))).toEqual(strong("float32"));
  });

  it("weak + weak stays weak", () => {
    expect(resultType(scalarDType(1), scalarDType(2))).toEqual(weak("int32"));
    expect(resultType(scalarDType(1), scalarDType(2.5))).toEqual(weak("float32"));
    expect(resultType(scalarDType(1.5), scalarDType(2.5))).toEqual(weak("float32"));
    expect(resultType(scalarDType(1))).toEqual(weak("int32"));
  });

  it("bool with a JS number is weak", () => {
    expect(resultType(strong("bool"), scalarDType(1))).toEqual(weak("int32"));
    expect(resultType(strong("bool"), scalarDType(1.5))).toEqual(weak("float32"));
    expect(resultType(strong("bool"), strong("bool"))).toEqual(strong("bool"));
  });

  it("64-bit inputs canonicalize to 32 bits", () => {
    expect(resultType(strong("float64"), strong("float32"))).toEqual(strong("float32"));
    expect(resultType(strong("uint64"), strong("int8"))).toEqual(weak("float32"));
  });

  it("all-weak inputs join their own dtypes and take the default of that kind (JAX's result_type)", () => {
    // jax.dtypes.lattice_result_type: all weak -> least upper bound of the strong dtypes, weak;
    // result_type then maps a weak result to the default dtype of its kind.
    expect(resultType(weak("uint8"), weak("uint8"))).toEqual(weak("uint32"));
    expect(resultType(weak("uint8"))).toEqual(weak("uint32"));
    expect(resultType(weak("uint8"), weak("int8"))).toEqual(weak("int32"));
    expect(resultType(weak("int16"), weak("float32"))).toEqual(weak("float32"));
    // A weak uint joins with a strong type as a JS integer would.
    expect(resultType(weak("uint32"), strong("int8"))).toEqual(strong("int8"));
  });

  it("requires at least one input", () => {
    expect(() => resultType()).toThrow(/at least one/);
  });
});
