// Scalar and SIMD code for the IR's elementwise ops, with the reference kernels' semantics
// (src/primitives/*.ts) bit for bit. Values live in three classes: f32 (float32), f64
// (float64, and int64/uint64, which are stored as doubles) and i32 (every integer of at most
// 32 bits and bool, kept normalized: sign- or zero-extended from their width, bool as 0/1).
// A vector holds L lanes (4, or 2 in kernels that touch 64-bit values, where 32-bit values
// use the low two lanes of a v128). Ops without a SIMD form run lane by lane through their
// scalar form.
import { type DType, iinfo, isSignedInt, isUnsignedInt } from "../core/dtypes.js";
import type { FunctionBuilder, FuncRef, Local, PlainOp, ValType } from "../backends/wasm/builder.js";
import type { OpExpr } from "./ir.js";
import type { MathFn, WasmMath } from "../backends/wasm/math.js";
import { MATH_IMPORT_NAMES } from "../backends/wasm/pool.js";

export type Cls = "f32" | "f64" | "i32";

export function clsOf(d: DType): Cls {
  if (d === "float32") return "f32";
  if (d === "float64" || d === "int64" || d === "uint64") return "f64";
  return "i32";
}

/** Lane-wise ops missing from builder.ts's table, by their 0xFD opcode. */
export const SIMD = {
  load16_splat: 8,
  store32_lane: 90,
  store64_lane: 91,
  i8x16_popcnt: 98,
  i16x8_extend_low_i8x16_s: 135,
  i16x8_extend_low_i8x16_u: 137,
  i16x8_extadd_pairwise_i8x16_u: 125,
  i32x4_extadd_pairwise_i16x8_u: 127,
  i32x4_extend_low_i16x8_s: 167,
  i32x4_extend_low_i16x8_u: 169,
  i64x2_extend_low_i32x4_s: 199,
  i64x2_all_true: 195,
  i32x4_trunc_sat_f64x2_s_zero: 252,
  f64x2_convert_low_i32x4_s: 254,
  f64x2_convert_low_i32x4_u: 255,
} as const;

/** Functions a kernel may import from `math` (JS Math.<name>): (f64) -> f64 or (f64, f64) -> f64. */
export const MATH_IMPORTS = MATH_IMPORT_NAMES;
export type MathImport = (typeof MATH_IMPORTS)[number];

/** The imports each IR math function needs (composites are built from Math functions). */
export function mathImportsOf(fn: string): MathImport[] {
  if (fn === "logistic") return ["exp"];
  if (fn === "exp2") return ["pow"];
  return [fn as MathImport];
}

const BIT = (bits: number) => (bits === 32 ? -1 : (1 << bits) - 1);

/** Emission context of one function: fresh locals, helpers, and the imported math functions. */
export class Emit {
  private n = 0;
  constructor(
    readonly f: FunctionBuilder,
    readonly L: 2 | 4,
    readonly math: ReadonlyMap<string, FuncRef>,
    readonly helpers: { fmod?: FuncRef },
    /** The SIMD math library, preferred over per-lane calls of JS Math where it offers a function. */
    readonly wm: WasmMath | null = null,
  ) {}

  tmp(type: ValType): Local {
    return this.f.local(`t${this.n++}`, type);
  }
  simd(code: number): void {
    this.f.code.byte(0xfd).u32(code);
  }
  simdMem(code: number, align: number, offset = 0): void {
    this.f.code.byte(0xfd).u32(code).u32(align).u32(offset);
  }
  /** Stores the value on the stack into a fresh local of `type`. */
  save(type: ValType): Local {
    const l = this.tmp(type);
    this.f.set(l);
    return l;
  }

  // ---- scalar helpers ----

  sconst(c: Cls, v: number): () => void {
    if (c === "f32") return this.f.f32c(v);
    if (c === "f64") return this.f.f64c(v);
    return this.f.i32c(v | 0);
  }
  /** Sign- or zero-extends the i32 on the stack from the dtype's width. */
  normalize(d: DType): void {
    const f = this.f;
    switch (d) {
      case "int8":
        f.op("i32.extend8_s");
        break;
      case "int16":
        f.op("i32.extend16_s");
        break;
      case "uint8":
        f.op("i32.and", 0xff);
        break;
      case "uint16":
        f.op("i32.and", 0xffff);
        break;
      default:
    }
  }

  /** The f64 value of a scalar of class c (promoting f32). */
  toF64(c: Cls, x: Local): () => void {
    return c === "f32" ? () => this.f.op("f64.promote_f32", x) : () => this.f.get(x);
  }

  /**
   * f64 → i32 the way a typed-array store converts a double: non-finite → 0, otherwise
   * truncate and wrap modulo 2^32 (floor division by 2^32 is exact, and so is the remainder).
   */
  f64ToI32Wrapping(x: Local): void {
    const f = this.f;
    const t = this.tmp("f64");
    f.set(t, () => f.op("f64.trunc", () => f.op("select", x, f.f64c(0), () => f.op("f64.lt", () => f.op("f64.abs", x), f.f64c(Infinity)))));
    f.op("i32.wrap_i64", () =>
      f.op("i64.trunc_f64_s", () =>
        f.op("f64.sub", t, () => f.op("f64.mul", () => f.op("f64.floor", () => f.op("f64.mul", t, f.f64c(2 ** -32))), f.f64c(2 ** 32))),
      ),
    );
  }

  /** Pushes the scalar result of `node` computed from argument locals. */
  scalar(node: OpExpr, args: Local[]): void {
    const f = this.f;
    const d = node.dtype;
    const ad = node.args[0]?.dtype ?? d;
    const c = clsOf(d);
    const ac = clsOf(ad);
    const [x, y, z] = args;
    const fop = (name: string, ...ops: (Local | (() => void) | number)[]) => f.op(`${c}.${name}` as PlainOp, ...ops);
    switch (node.op) {
      case "neg":
        if (c === "i32") {
          f.op("i32.sub", 0, x!);
          this.normalize(d);
        } else fop("neg", x!);
        return;
      case "abs":
        if (c !== "i32") fop("abs", x!);
        else if (isUnsignedInt(d)) f.get(x!);
        else {
          f.op("select", () => f.op("i32.sub", 0, x!), x!, () => f.op("i32.lt_s", x!, 0));
          this.normalize(d);
        }
        return;
      case "sign":
        if (c === "i32") {
          if (isUnsignedInt(d)) f.op("i32.ne", x!, 0);
          else f.op("i32.sub", () => f.op("i32.gt_s", x!, 0), () => f.op("i32.lt_s", x!, 0));
        } else {
          // (x > 0) − (x < 0), NaN stays NaN; sign(±0) = +0.
          const k = c as "f32" | "f64";
          const one = this.sconst(k, 1);
          const zero = this.sconst(k, 0);
          f.op("select", x!, () =>
            f.op(`${k}.sub`, () => f.op("select", one, zero, () => f.op(`${k}.gt`, x!, zero)), () =>
              f.op("select", one, zero, () => f.op(`${k}.lt`, x!, zero)),
            ), () => f.op(`${k}.ne`, x!, x!));
        }
        return;
      case "floor":
      case "ceil":
      case "sqrt":
        fop(node.op, x!);
        return;
      case "round_even":
        fop("nearest", x!);
        return;
      case "round": {
        // Half away from zero: t = trunc(|x|), +1 when |x| − t ≥ 1/2 (exact), sign of x.
        const k = c as "f32" | "f64";
        const a = this.tmp(k);
        f.set(a, () => f.op(`${k}.abs`, x!));
        const t = this.tmp(k);
        f.set(t, () => f.op(`${k}.trunc`, a));
        f.op(`${k}.copysign`, () =>
          f.op(`${k}.add`, t, () => f.op("select", this.sconst(k, 1), this.sconst(k, 0), () => f.op(`${k}.ge`, () => f.op(`${k}.sub`, a, t), this.sconst(k, 0.5)))),
          x!,
        );
        return;
      }
      case "rsqrt":
        // 1/√x in float64, rounded once (the reference computes it in doubles).
        if (c === "f32") f.op("f32.demote_f64", () => f.op("f64.div", f.f64c(1), () => f.op("f64.sqrt", () => f.op("f64.promote_f32", x!))));
        else f.op("f64.div", f.f64c(1), () => f.op("f64.sqrt", x!));
        return;
      case "add":
      case "sub":
      case "mul":
        fop(node.op, x!, y!);
        if (c === "i32") this.normalize(d);
        return;
      case "div":
        return this.div(d, x!, y!);
      case "rem":
        return this.rem(d, x!, y!);
      case "max":
      case "min":
        if (c !== "i32") fop(node.op, x!, y!);
        else {
          const cmp = `i32.${node.op === "max" ? "gt" : "lt"}_${d === "uint32" ? "u" : "s"}` as PlainOp;
          f.op("select", x!, y!, () => f.op(cmp, x!, y!));
        }
        return;
      case "ipow":
        return this.ipow(c, d, x!, node.imm);
      case "nextafter":
        return this.nextafter(c as "f32" | "f64", x!, y!);
      case "not":
        f.op("i32.xor", x!, -1);
        this.normalize(d);
        return;
      case "and":
      case "or":
      case "xor":
        f.op(`i32.${node.op}` as PlainOp, x!, y!);
        return;
      case "shl":
      case "shr_l":
      case "shr_a":
        return this.shift(node.op, d, x!, y!);
      case "popcnt":
        f.op("i32.popcnt", () => f.op("i32.and", x!, BIT(iinfo(d).bits)));
        return;
      case "rotl":
        f.op("i32.rotl", x!, node.imm);
        return;
      case "eq":
      case "ne":
      case "lt":
      case "le":
      case "gt":
      case "ge":
        return this.compare(node.op, ad, x!, y!);
      case "is_finite":
        f.op(`${ac}.lt` as PlainOp, () => f.op(`${ac}.abs` as PlainOp, x!), this.sconst(ac, Infinity));
        return;
      case "select":
        f.op("select", y!, z!, x!);
        return;
      case "cvt":
        return this.convert(ad, d, x!);
      case "bitcast":
        if (c === "f32") f.op("f32.reinterpret_i32", x!);
        else if (ac === "f32") f.op("i32.reinterpret_f32", x!);
        else {
          f.get(x!);
          this.normalize(d);
        }
        return;
      case "math":
        return this.mathOp(node.fn, c, args);
    }
  }

  private compare(op: string, ad: DType, x: Local, y: Local): void {
    const c = clsOf(ad);
    if (c !== "i32") {
      this.f.op(`${c}.${op}` as PlainOp, x, y);
      return;
    }
    const suffix = op === "eq" || op === "ne" ? "" : ad === "uint32" ? "_u" : "_s";
    this.f.op(`i32.${op}${suffix}` as PlainOp, x, y);
  }

  /** Integer division truncating toward zero; x/0 is −1 (x ≥ 0), the minimum (x < 0) or the unsigned maximum. */
  private div(d: DType, x: Local, y: Local): void {
    const f = this.f;
    const c = clsOf(d);
    if (d === "float32" || d === "float64") {
      f.op(`${c}.div` as PlainOp, x, y);
      return;
    }
    const unsigned = isUnsignedInt(d);
    const { min, max } = iinfo(d);
    if (c === "f64") {
      const byZero = unsigned ? f.f64c(max) : () => f.op("select", f.f64c(min), f.f64c(-1), () => f.op("f64.lt", x, f.f64c(0)));
      f.op("select", byZero, () => f.op("f64.trunc", () => f.op("f64.div", x, y)), () => f.op("f64.eq", y, f.f64c(0)));
      return;
    }
    if (unsigned) {
      f.op("select", f.i32c(max | 0), () => f.op("i32.div_u", x, () => f.op("select", f.i32c(1), y, () => f.op("i32.eqz", y))), () => f.op("i32.eqz", y));
      return;
    }
    // A safe divisor (1) where y = 0 or x / y overflows (INT32_MIN / −1, which wraps to x).
    const overflow = () => f.op("i32.and", () => f.op("i32.eq", x, f.i32c(-0x80000000)), () => f.op("i32.eq", y, -1));
    const safe = this.tmp("i32");
    f.set(safe, () => f.op("select", f.i32c(1), y, () => f.op("i32.or", () => f.op("i32.eqz", y), overflow)));
    f.op("select",
      () => f.op("select", f.i32c(min), f.i32c(-1), () => f.op("i32.lt_s", x, 0)),
      () => f.op("select", x, () => f.op("i32.div_s", x, safe), overflow),
      () => f.op("i32.eqz", y));
    this.normalize(d);
  }

  /** C remainder (sign of the dividend); x rem 0 is x for integers, NaN for floats. */
  private rem(d: DType, x: Local, y: Local): void {
    const f = this.f;
    const c = clsOf(d);
    if (c === "f32") {
      f.op("f32.demote_f64", () => f.call(this.helpers.fmod!, () => f.op("f64.promote_f32", x), () => f.op("f64.promote_f32", y)));
      return;
    }
    if (c === "f64") {
      if (d === "float64") f.call(this.helpers.fmod!, x, y);
      else f.op("select", x, () => f.call(this.helpers.fmod!, x, y), () => f.op("f64.eq", y, f.f64c(0)));
      return;
    }
    const op = d === "uint32" ? "i32.rem_u" : "i32.rem_s";
    f.op("select", x, () => f.op(op, x, () => f.op("select", f.i32c(1), y, () => f.op("i32.eqz", y))), () => f.op("i32.eqz", y));
  }

  private ipow(c: Cls, d: DType, x: Local, y: number): void {
    const f = this.f;
    if (y <= 0) {
      f.emit(this.sconst(c, 1));
      return;
    }
    if (d === "int8" || d === "int16" || d === "uint8" || d === "uint16") {
      // The reference multiplies in doubles (inexact beyond 2^53) and wraps once when storing.
      const x64 = this.tmp("f64");
      f.set(x64, () => f.op("f64.convert_i32_s", x));
      const p = this.tmp("f64");
      f.set(p, x64);
      for (let k = 1; k < y; k++) f.set(p, () => f.op("f64.mul", p, x64));
      this.f64ToI32Wrapping(p);
      this.normalize(d);
      return;
    }
    f.get(x);
    for (let k = 1; k < y; k++) {
      f.get(x);
      f.op(c === "i32" ? "i32.mul" : `${c}.mul` as PlainOp);
      if (c === "i32") this.normalize(d);
    }
  }

  /** The neighbouring float toward y: ±1 on the magnitude bits, the smallest subnormal from 0. */
  private nextafter(c: "f32" | "f64", x: Local, y: Local): void {
    const f = this.f;
    const it = c === "f32" ? "i32" : "i64";
    const one = c === "f32" ? f.i32c(1) : f.i64c(1n);
    const tiny = c === "f32" ? 2 ** -149 : Number.MIN_VALUE;
    const up = () => f.op("i32.eq", () => f.op(`${c}.gt`, y, x), () => f.op(`${c}.gt`, x, this.sconst(c, 0)));
    const bits = () => f.op(c === "f32" ? "i32.reinterpret_f32" : "i64.reinterpret_f64", x);
    const stepped = () =>
      f.op(c === "f32" ? "f32.reinterpret_i32" : "f64.reinterpret_i64", () =>
        f.op("select", () => f.op(`${it}.add`, bits, one), () => f.op(`${it}.sub`, bits, one), up),
      );
    const fromZero = () => f.op(`${c}.copysign`, this.sconst(c, tiny), () => f.op(`${c}.sub`, y, x));
    const nonNaN = () => f.op("select", y, () => f.op("select", fromZero, stepped, () => f.op(`${c}.eq`, x, this.sconst(c, 0))), () => f.op(`${c}.eq`, x, y));
    f.op("select", nonNaN, this.sconst(c, NaN), () => f.op("i32.and", () => f.op(`${c}.eq`, x, x), () => f.op(`${c}.eq`, y, y)));
  }

  /** Shifts by an amount outside [0, bits) shift every bit out (an arithmetic shift keeps the sign). */
  private shift(op: "shl" | "shr_l" | "shr_a", d: DType, x: Local, s: Local): void {
    const f = this.f;
    const bits = iinfo(d).bits;
    const inRange = () => f.op("i32.lt_u", s, bits);
    if (op === "shl") f.op("select", () => f.op("i32.shl", x, s), 0, inRange);
    else if (op === "shr_l") f.op("select", () => f.op("i32.shr_u", () => f.op("i32.and", x, BIT(bits)), s), 0, inRange);
    else {
      // Sign-extend unsigned operands from their width first.
      const signed = () => {
        if (bits === 32 || isSignedInt(d)) f.get(x);
        else f.op("i32.shr_s", () => f.op("i32.shl", x, 32 - bits), 32 - bits);
      };
      f.op("i32.shr_s", signed, () => f.op("select", s, bits - 1, inRange));
    }
    this.normalize(d);
  }

  /** convert_element_type with the reference's semantics (C casts; ints wrap; NaN/inf → 0). */
  convert(from: DType, to: DType, x: Local): void {
    const f = this.f;
    const fc = clsOf(from);
    const tc = clsOf(to);
    if (from === to) {
      f.get(x);
      return;
    }
    if (to === "bool") {
      f.op(`${fc}.ne` as PlainOp, x, this.sconst(fc, 0));
      return;
    }
    const unsignedSrc = from === "uint32";
    if (tc === "f32") {
      if (fc === "f64") f.op("f32.demote_f64", x);
      else if (fc === "i32") f.op(unsignedSrc ? "f32.convert_i32_u" : "f32.convert_i32_s", x);
      else f.get(x);
      return;
    }
    if (tc === "f64") {
      if (fc === "i32") {
        f.op(unsignedSrc ? "f64.convert_i32_u" : "f64.convert_i32_s", x);
        return;
      }
      const v = fc === "f32" ? () => f.op("f64.promote_f32", x) : () => f.get(x);
      if (to === "float64" || (fc === "f64" && from !== "float64")) {
        v();
        return;
      }
      // float → int64/uint64: truncate, non-finite → 0.
      const t = this.tmp("f64");
      f.set(t, v);
      f.op("select", () => f.op("f64.trunc", t), f.f64c(0), () => f.op("f64.lt", () => f.op("f64.abs", t), f.f64c(Infinity)));
      return;
    }
    // to a ≤32-bit integer
    if (fc === "i32") {
      f.get(x);
      this.normalize(to);
      return;
    }
    let v = x;
    if (fc === "f32") {
      v = this.tmp("f64");
      f.set(v, () => f.op("f64.promote_f32", x));
    }
    this.f64ToI32Wrapping(v);
    this.normalize(to);
  }

  /** Math functions in float64 (f32 operands are promoted and the result rounded once). */
  private mathOp(fn: string, c: Cls, args: Local[]): void {
    const f = this.f;
    const lib = this.wm?.scalar(fn as MathFn, c as "f32" | "f64");
    if (lib) {
      f.call(lib, ...args);
      return;
    }
    const a = args.map((l) => this.toF64(c, l));
    const call = (name: string, ...ops: (() => void)[]) => f.call(this.math.get(name)!, ...ops);
    const body = () => {
      if (fn === "logistic") f.op("f64.div", f.f64c(1), () => f.op("f64.add", f.f64c(1), () => call("exp", () => f.op("f64.neg", a[0]!))));
      else if (fn === "exp2") call("pow", f.f64c(2), a[0]!);
      else call(fn, ...a);
    };
    if (c === "f32") f.op("f32.demote_f64", body);
    else body();
  }
}

/** Bytes of a v128.const with every lane of class c equal to v. */
export function splatBytes(c: Cls, v: number): number[] {
  const b = new ArrayBuffer(16);
  const dv = new DataView(b);
  for (let i = 0; i < 4; i++) {
    if (c === "f32") dv.setFloat32(i * 4, v, true);
    else if (c === "i32") dv.setInt32(i * 4, v | 0, true);
  }
  if (c === "f64") for (let i = 0; i < 2; i++) dv.setFloat64(i * 8, v, true);
  return Array.from(new Uint8Array(b));
}
