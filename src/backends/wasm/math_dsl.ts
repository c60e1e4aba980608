// A small expression layer over FunctionBuilder for writing lane-wise math once for both
// float shapes: `Vec` knows whether it emits f32x4 or f64x2 code and offers float
// arithmetic, comparisons (lane masks), bit selects, integer views of the lanes (i32x4 for
// f32, i64x2 for f64) and Horner polynomials with optional fused multiply-add.
//
// Expressions are lazy thunks that emit when used; `let` evaluates one into a fresh v128
// local so that a shared subexpression is computed once. Algorithms are written as a
// straight sequence of `const t = v.let(...)` statements: no per-lane branches, special
// cases are blended in with `sel(mask, a, b)`.
//
// A few SIMD opcodes the shared builder's table lacks (i64x2 shifts and compares, the
// f64x2 <-> i32x4 conversions) are emitted here from their opcode numbers.

import type { FuncRef, FunctionBuilder, Local, PlainOp } from "./builder.js";

export type Ty = "f32" | "f64";
/** A v128 value: a local or a thunk that pushes it. */
export type X = Local | (() => void);

/** SIMD opcodes (0xFD prefix) absent from builder.ts's table. */
const RAW = {
  "i64x2.neg": 193,
  "i64x2.extend_low_i32x4_s": 199,
  "i64x2.shl": 203,
  "i64x2.shr_s": 204,
  "i64x2.shr_u": 205,
  "i64x2.eq": 214,
  "i64x2.gt_s": 217,
  "i32x4.trunc_sat_f64x2_s_zero": 252,
  "f64x2.convert_low_i32x4_s": 254,
} as const;
type RawOp = keyof typeof RAW;

function leb(x: number): number[] {
  const out: number[] = [];
  do {
    let b = x & 0x7f;
    x >>>= 7;
    if (x !== 0) b |= 0x80;
    out.push(b);
  } while (x !== 0);
  return out;
}

/** Byte patterns of splatted constants. */
function splatBytes(ty: "f32" | "f64" | "i32" | "i64", x: number | bigint): number[] {
  const dv = new DataView(new ArrayBuffer(16));
  for (let i = 0; i < (ty === "f32" || ty === "i32" ? 4 : 2); i++) {
    if (ty === "f32") dv.setFloat32(i * 4, x as number, true);
    else if (ty === "i32") dv.setInt32(i * 4, Number(x) | 0, true);
    else if (ty === "f64") dv.setFloat64(i * 8, x as number, true);
    else dv.setBigInt64(i * 8, BigInt.asIntN(64, BigInt(x)), true);
  }
  return Array.from(new Uint8Array(dv.buffer));
}

export class Vec {
  /** "f32x4" or "f64x2". */
  readonly s: "f32x4" | "f64x2";
  /** Integer view of a lane: "i32x4" or "i64x2". */
  readonly is: "i32x4" | "i64x2";
  /** Mantissa bits and exponent bias of the lane type. */
  readonly mant: number;
  readonly bias: number;
  private static counter = 0;

  constructor(
    readonly f: FunctionBuilder,
    readonly ty: Ty,
    readonly relaxed: boolean,
  ) {
    this.s = ty === "f32" ? "f32x4" : "f64x2";
    this.is = ty === "f32" ? "i32x4" : "i64x2";
    this.mant = ty === "f32" ? 23 : 52;
    this.bias = ty === "f32" ? 127 : 1023;
  }

  /** A Vec of the other float shape emitting into the same function. */
  other(ty: Ty): Vec {
    return ty === this.ty ? this : new Vec(this.f, ty, this.relaxed);
  }

  // ---- plumbing ----

  private p(name: string, ...xs: X[]): X {
    return () => void this.f.op(name as PlainOp, ...xs);
  }
  private raw(name: RawOp, ...xs: X[]): X {
    return () => {
      this.f.emit(...xs);
      this.f.code.byte(0xfd).bytes(leb(RAW[name]));
    };
  }
  private fl(op: string, ...xs: X[]): X {
    return this.p(`${this.s}.${op}`, ...xs);
  }

  /** Evaluates x once into a new local. */
  let(x: X): Local {
    const l = this.f.local(`m${Vec.counter++}`, "v128");
    this.f.set(l, x);
    return l;
  }
  /** Overwrites a local declared by let. */
  set(l: Local, x: X): void {
    this.f.set(l, x);
  }

  // ---- constants ----

  /** A float constant in every lane (rounded to the lane type). */
  c(x: number): X {
    return this.f.v128c(splatBytes(this.ty, x));
  }
  /** An integer constant in every integer lane (i32 for f32, i64 for f64). */
  ci(x: number | bigint): X {
    return this.f.v128c(splatBytes(this.ty === "f32" ? "i32" : "i64", x));
  }
  /** The bit pattern with only the sign bit set in every lane. */
  get signMask(): X {
    return this.ty === "f32" ? this.ci(-0x80000000) : this.ci(-(1n << 63n));
  }

  // ---- float arithmetic ----

  add(a: X, b: X): X { return this.fl("add", a, b); }
  sub(a: X, b: X): X { return this.fl("sub", a, b); }
  mul(a: X, b: X): X { return this.fl("mul", a, b); }
  div(a: X, b: X): X { return this.fl("div", a, b); }
  neg(a: X): X { return this.fl("neg", a); }
  abs(a: X): X { return this.fl("abs", a); }
  sqrt(a: X): X { return this.fl("sqrt", a); }
  /** IEEE min/max (NaN if either operand is NaN). */
  min(a: X, b: X): X { return this.fl("min", a, b); }
  max(a: X, b: X): X { return this.fl("max", a, b); }
  floor(a: X): X { return this.fl("floor", a); }
  ceil(a: X): X { return this.fl("ceil", a); }
  trunc(a: X): X { return this.fl("trunc", a); }
  /** Round to nearest, ties to even. */
  nearest(a: X): X { return this.fl("nearest", a); }

  /** a·b + c, fused where relaxed SIMD is enabled (one rounding or two). */
  fma(a: X, b: X, c: X): X {
    return this.relaxed ? this.p(`${this.s}.relaxed_madd`, a, b, c) : this.add(this.mul(a, b), c);
  }
  /** c − a·b, fused where relaxed SIMD is enabled. */
  fnma(a: X, b: X, c: X): X {
    return this.relaxed ? this.p(`${this.s}.relaxed_nmadd`, a, b, c) : this.sub(c, this.mul(a, b));
  }

  /** Horner: coefficients from the highest degree down, c[0]·x^(n-1) + … + c[n-1]. */
  poly(x: X, coeffs: readonly number[]): X {
    let acc: X = this.c(coeffs[0]!);
    for (let i = 1; i < coeffs.length; i++) acc = this.fma(acc, x, this.c(coeffs[i]!));
    return acc;
  }

  /**
   * Horner with coefficients chosen per lane: pieces[i] where masks[i] is set (the first set
   * mask wins), the last piece where none is. All pieces have the same length.
   */
  polyPiecewise(x: X, masks: readonly Local[], pieces: readonly (readonly number[])[]): X {
    const coeff = (i: number): X => {
      let c = this.c(pieces[pieces.length - 1]![i]!);
      for (let p = masks.length - 1; p >= 0; p--) c = this.sel(masks[p]!, this.c(pieces[p]![i]!), c);
      return c;
    };
    let acc = coeff(0);
    for (let i = 1; i < pieces[0]!.length; i++) acc = this.fma(acc, x, coeff(i));
    return acc;
  }

  // ---- comparisons (all-ones lanes where true) and bit operations ----

  eq(a: X, b: X): X { return this.fl("eq", a, b); }
  ne(a: X, b: X): X { return this.fl("ne", a, b); }
  lt(a: X, b: X): X { return this.fl("lt", a, b); }
  le(a: X, b: X): X { return this.fl("le", a, b); }
  gt(a: X, b: X): X { return this.fl("gt", a, b); }
  ge(a: X, b: X): X { return this.fl("ge", a, b); }
  isNan(a: X): X { return this.ne(a, a); }

  and(a: X, b: X): X { return this.p("v128.and", a, b); }
  or(a: X, b: X): X { return this.p("v128.or", a, b); }
  xor(a: X, b: X): X { return this.p("v128.xor", a, b); }
  /** a & ~b */
  andnot(a: X, b: X): X { return this.p("v128.andnot", a, b); }
  not(a: X): X { return this.p("v128.not", a); }
  /** Lane-wise mask ? a : b. */
  sel(mask: X, a: X, b: X): X { return this.p("v128.bitselect", a, b, mask); }
  /** A call of a module function on v128 arguments. */
  call(fn: FuncRef, ...xs: X[]): X {
    return () => void this.f.call(fn, ...xs);
  }

  /** Whether any lane of a mask is set (an i32). */
  any(mask: X): () => void { return () => void this.f.op("v128.any_true", mask); }

  /** The sign bit of s applied to |m|. */
  copysign(m: X, s: X): X {
    return this.or(this.andnot(m, this.signMask), this.and(s, this.signMask));
  }
  /** x with its sign flipped where s has its sign bit set (x·sign(s) for the sign bit). */
  mulsign(x: X, s: X): X {
    return this.xor(x, this.and(s, this.signMask));
  }

  // ---- integer views of the lanes ----

  iadd(a: X, b: X): X { return this.p(`${this.is}.add`, a, b); }
  isub(a: X, b: X): X { return this.p(`${this.is}.sub`, a, b); }
  ieq(a: X, b: X): X { return this.ty === "f32" ? this.p("i32x4.eq", a, b) : this.raw("i64x2.eq", a, b); }
  /** Signed a > b. */
  igt(a: X, b: X): X { return this.ty === "f32" ? this.p("i32x4.gt_s", a, b) : this.raw("i64x2.gt_s", a, b); }
  shl(a: X, k: number): X {
    return this.ty === "f32" ? this.p("i32x4.shl", a, this.f.i32c(k)) : this.raw("i64x2.shl", a, this.f.i32c(k));
  }
  shrS(a: X, k: number): X {
    return this.ty === "f32" ? this.p("i32x4.shr_s", a, this.f.i32c(k)) : this.raw("i64x2.shr_s", a, this.f.i32c(k));
  }
  shrU(a: X, k: number): X {
    return this.ty === "f32" ? this.p("i32x4.shr_u", a, this.f.i32c(k)) : this.raw("i64x2.shr_u", a, this.f.i32c(k));
  }

  /** Integer lanes of an integer-valued float (|n| < 2^31; truncates). */
  toInt(a: X): X {
    return this.ty === "f32"
      ? this.p("i32x4.trunc_sat_f32x4_s", a)
      : this.raw("i64x2.extend_low_i32x4_s", this.raw("i32x4.trunc_sat_f64x2_s_zero", a));
  }
  /** Float lanes of small integer lanes (|n| < 2^31). */
  toFloat(a: X): X {
    if (this.ty === "f32") return this.p("f32x4.convert_i32x4_s", a);
    // the low 32-bit halves of the two i64 lanes, moved to i32 lanes 0 and 1
    const lo = () => void this.f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11], a, a);
    return this.raw("f64x2.convert_low_i32x4_s", lo);
  }

  /** 2^n for integer-valued float lanes n within the normal exponent range. */
  pow2(n: X): X {
    return this.shl(this.iadd(this.toInt(n), this.ci(this.bias)), this.mant);
  }
  /**
   * x·2^n for integer-valued n with |n| up to about twice the exponent bias, in two exact
   * power-of-two steps (so that overflow gives ±Inf and a subnormal result rounds once).
   */
  scale(x: X, n: X): X {
    const n1 = this.let(this.trunc(this.mul(n, this.c(0.5))));
    return this.mul(this.mul(x, this.pow2(n1)), this.pow2(this.sub(n, n1)));
  }

  // ---- shape conversions (f32x4 <-> two f64x2) ----

  /** Lanes 0,1 (hi: 2,3) of an f32x4 as f64x2. */
  promote(a: X, hi: boolean): X {
    const src: X = hi ? () => void this.f.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15], a, a) : a;
    return this.p("f64x2.promote_low_f32x4", src);
  }
  /** Two f64x2 rounded to f32 and packed into one f32x4 (lo in lanes 0,1). */
  demote2(lo: X, hi: X): X {
    const dl = this.p("f32x4.demote_f64x2_zero", lo);
    const dh = this.p("f32x4.demote_f64x2_zero", hi);
    return () => void this.f.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23], dl, dh);
  }
}

/**
 * An f32x4 function evaluated in double precision: the lanes are promoted in two f64x2
 * halves, each passed to the f64 helper `name` (defined once from `body`), and the results
 * are rounded back to f32 once.
 */
export function viaF64(ctx: MathCtx, v: Vec, name: string, body: Kernel, args: readonly Local[]): X {
  const ref = ctx.helper(name, "f64", args.length, body);
  const lo = v.call(ref, ...args.map((a) => v.promote(a, false)));
  const hi = v.call(ref, ...args.map((a) => v.promote(a, true)));
  return v.demote2(lo, hi);
}

/** Emits the body of a math function on v128 arguments and returns its result expression. */
export type Kernel = (ctx: MathCtx, v: Vec, args: readonly Local[]) => X;

/** What a kernel may ask of the library while it is emitted. */
export interface MathCtx {
  /**
   * A module function (v128 × arity) -> v128 of lane type ty, defined from `body` the first
   * time `name` is asked for; the kernel calls it with `v.call(ref, ...)`.
   */
  helper(name: string, ty: Ty, arity: number, body: Kernel): FuncRef;
}
