// SIMD forms of the IR's elementwise ops (see emit_ops.ts for the value classes). Each
// returns false when the op has no lane-parallel form, and the caller then runs the scalar
// form lane by lane. Booleans are 0/1 per 32-bit lane; comparisons produce all-ones masks,
// which become booleans with a negation.
import { iinfo, isSignedInt, isUnsignedInt, type DType } from "../core/dtypes.js";
import type { Local, PlainOp, LaneOp } from "../backends/wasm/builder.js";
import { type Cls, Emit, SIMD, clsOf, splatBytes } from "./emit_ops.js";
import type { OpExpr } from "./ir.js";
import type { MathFn } from "../backends/wasm/math.js";

const VT: Record<Cls, string> = { f32: "f32x4", f64: "f64x2", i32: "i32x4" };

export const vtype = (c: Cls): string => VT[c];

/** Pushes a v128 with every lane equal to v (class c). */
export function vconst(e: Emit, c: Cls, v: number): void {
  e.f.emit(e.f.v128c(splatBytes(c, v)));
}

export function vsplat(e: Emit, c: Cls, x: Local | (() => void)): void {
  e.f.op(`${VT[c]}.splat` as PlainOp, x);
}

export function extractLane(e: Emit, c: Cls, v: Local, lane: number): void {
  e.f.lane(`${VT[c]}.extract_lane` as LaneOp, lane, v);
}

export function replaceLane(e: Emit, c: Cls, lane: number): void {
  e.f.lane(`${VT[c]}.replace_lane` as LaneOp, lane);
}

/** Re-normalizes i32 lanes to the dtype's width (see Emit.normalize). */
export function vnormalize(e: Emit, d: DType): void {
  const f = e.f;
  if (d === "int8" || d === "int16") {
    const k = d === "int8" ? 24 : 16;
    f.op("i32x4.shl", k);
    f.op("i32x4.shr_s", k);
  } else if (d === "uint8" || d === "uint16") {
    vconst(e, "i32", d === "uint8" ? 0xff : 0xffff);
    f.op("v128.and");
  }
}

/** A mask of class c (all ones per lane of that width) into a bool vector (0/1 per i32 lane). */
export function maskToBool(e: Emit, c: Cls): void {
  if (c === "f64") e.f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11], undefined, () => e.f.emit(e.f.v128c(new Array(16).fill(0))));
  e.f.op("i32x4.neg");
}

/** A bool vector into a mask for selecting values of class c. */
export function boolToMask(e: Emit, c: Cls, b: Local): void {
  e.f.op("i32x4.neg", b);
  if (c === "f64") e.simd(SIMD.i64x2_extend_low_i32x4_s);
}

function compare(e: Emit, op: string, ad: DType, x: Local, y: Local): void {
  const c = clsOf(ad);
  if (c !== "i32") e.f.op(`${VT[c]}.${op}` as PlainOp, x, y);
  else {
    const suffix = op === "eq" || op === "ne" ? "" : ad === "uint32" ? "_u" : "_s";
    e.f.op(`i32x4.${op}${suffix}` as PlainOp, x, y);
  }
  maskToBool(e, c);
}

/**
 * Pushes the vector result of `node`, or returns false (nothing emitted) when it has no SIMD
 * form. `lanes` emits the lane-by-lane form (pushing its result), for ops whose SIMD form
 * covers only the common case and branches to it otherwise.
 */
export function vectorOp(e: Emit, node: OpExpr, args: Local[], lanes: () => void): boolean {
  const f = e.f;
  const d = node.dtype;
  const c = clsOf(d);
  const ad = node.args[0]?.dtype ?? d;
  const ac = clsOf(ad);
  const V = VT[c];
  const [x, y, z] = args;
  const float = c !== "i32" && (d === "float32" || d === "float64");
  const vop = (name: string, ...ops: Local[]) => f.op(`${V}.${name}` as PlainOp, ...ops);
  switch (node.op) {
    case "neg":
    case "abs":
      if (c !== "i32") vop(node.op, x!);
      else if (node.op === "abs" && isUnsignedInt(d)) f.get(x!);
      else {
        vop(node.op, x!);
        vnormalize(e, d);
      }
      return true;
    case "sqrt":
    case "floor":
    case "ceil":
      if (!float) return false;
      vop(node.op, x!);
      return true;
    case "round_even":
      vop("nearest", x!);
      return true;
    case "round": {
      // t = trunc(|x|) + (|x| − trunc(|x|) ≥ ½), with x's sign bit.
      const a = e.tmp("v128");
      f.set(a, () => vop("abs", x!));
      const t = e.tmp("v128");
      f.set(t, () => vop("trunc", a));
      f.op("v128.or", () =>
        f.op(`${V}.add` as PlainOp, t, () =>
          f.op("v128.and", () => f.op(`${V}.ge` as PlainOp, () => f.op(`${V}.sub` as PlainOp, a, t), () => vconst(e, c, 0.5)), () => vconst(e, c, 1)),
        ), () => f.op("v128.and", x!, () => vconst(e, c, -0)));
      return true;
    }
    case "sign":
      if (c === "i32") {
        if (isUnsignedInt(d)) {
          f.op("i32x4.ne", x!, () => vconst(e, "i32", 0));
          f.op("i32x4.neg");
        } else f.op("i32x4.sub", () => f.op("i32x4.lt_s", x!, () => vconst(e, "i32", 0)), () => f.op("i32x4.gt_s", x!, () => vconst(e, "i32", 0)));
        return true;
      }
      if (!float) return false;
      // (x > 0) − (x < 0) as 1.0/0.0 masks; NaN lanes keep x.
      f.op("v128.bitselect",
        x!,
        () =>
          f.op(`${V}.sub` as PlainOp,
            () => f.op("v128.and", () => f.op(`${V}.gt` as PlainOp, x!, () => vconst(e, c, 0)), () => vconst(e, c, 1)),
            () => f.op("v128.and", () => f.op(`${V}.lt` as PlainOp, x!, () => vconst(e, c, 0)), () => vconst(e, c, 1))),
        () => f.op(`${V}.ne` as PlainOp, x!, x!));
      return true;
    case "add":
    case "sub":
    case "mul":
      vop(node.op, x!, y!);
      if (c === "i32") vnormalize(e, d);
      return true;
    case "div":
      if (!float) return false;
      vop("div", x!, y!);
      return true;
    case "max":
    case "min":
      if (c === "i32") f.op(`i32x4.${node.op}_${d === "uint32" ? "u" : "s"}` as PlainOp, x!, y!);
      else vop(node.op, x!, y!);
      return true;
    case "ipow":
      if (c === "i32" && d !== "int32" && d !== "uint32") return false;
      if (node.imm <= 0) vconst(e, c, 1);
      else {
        f.get(x!);
        for (let k = 1; k < node.imm; k++) {
          f.get(x!);
          f.op(`${V}.mul` as PlainOp);
          if (c === "i32") vnormalize(e, d);
        }
      }
      return true;
    case "not":
      f.op("v128.not", x!);
      vnormalize(e, d);
      return true;
    case "and":
    case "or":
    case "xor":
      f.op(`v128.${node.op}` as PlainOp, x!, y!);
      return true;
    case "rotl":
      f.op("v128.or", () => f.op("i32x4.shl", x!, node.imm), () => f.op("i32x4.shr_u", x!, 32 - node.imm));
      return true;
    case "shl":
    case "shr_l":
    case "shr_a":
      return constShift(e, node, x!);
    case "eq":
    case "ne":
    case "lt":
    case "le":
    case "gt":
    case "ge":
      compare(e, node.op, ad, x!, y!);
      return true;
    case "is_finite":
      f.op(`${VT[ac]}.lt` as PlainOp, () => f.op(`${VT[ac]}.abs` as PlainOp, x!), () => vconst(e, ac, Infinity));
      maskToBool(e, ac);
      return true;
    case "select":
      f.op("v128.bitselect", y!, z!, () => boolToMask(e, c, x!));
      return true;
    case "bitcast":
      f.get(x!);
      if (c === "i32" && ac === "i32") vnormalize(e, d);
      return true;
    case "cvt":
      return convert(e, ad, d, x!, lanes);
    case "math": {
      const lib = e.wm?.vector(node.fn as MathFn, c === "f32" ? "f32x4" : "f64x2");
      if (!lib) return false;
      f.call(lib, ...args);
      return true;
    }
    default:
      return false;
  }
}

/** Shifts by a literal amount: one SIMD shift (out-of-range amounts shift everything out). */
function constShift(e: Emit, node: OpExpr, x: Local): boolean {
  const amount = node.args[1]!;
  if (amount.kind !== "const") return false;
  const f = e.f;
  const d = node.dtype;
  const bits = iinfo(d).bits;
  const s = amount.value >>> 0;
  const inRange = s < bits;
  if (node.op === "shl") {
    if (!inRange) vconst(e, "i32", 0);
    else f.op("i32x4.shl", x, s);
  } else if (node.op === "shr_l") {
    if (!inRange) vconst(e, "i32", 0);
    else f.op("i32x4.shr_u", () => (bits === 32 ? f.get(x) : f.op("v128.and", x, () => vconst(e, "i32", (1 << bits) - 1))), s);
  } else {
    const signed = () => {
      if (bits === 32 || isSignedInt(d)) f.get(x);
      else f.op("i32x4.shr_s", () => f.op("i32x4.shl", x, 32 - bits), 32 - bits);
    };
    f.op("i32x4.shr_s", signed, inRange ? s : bits - 1);
  }
  vnormalize(e, d);
  return true;
}

/**
 * float → ≤32-bit integer: where every lane is NaN or inside (−2^31, 2^31) the saturating
 * SIMD truncation is exact (NaN → 0 as the reference); otherwise (±inf, wrapping) per lane.
 */
function floatToInt(e: Emit, fc: Cls, to: DType, x: Local, lanes: () => void): void {
  const f = e.f;
  const V = VT[fc];
  const valid = () => f.op("v128.or", () => f.op(`${V}.lt` as PlainOp, () => f.op(`${V}.abs` as PlainOp, x), () => vconst(e, fc, 2 ** 31)), () => f.op(`${V}.ne` as PlainOp, x, x));
  const allValid = () => {
    valid();
    if (fc === "f32") f.op("i32x4.all_true");
    else e.simd(SIMD.i64x2_all_true);
  };
  f.if(allValid, () => {
    if (fc === "f32") f.op("i32x4.trunc_sat_f32x4_s", x);
    else {
      f.get(x);
      e.simd(SIMD.i32x4_trunc_sat_f64x2_s_zero);
    }
    vnormalize(e, to);
  }, lanes, "v128");
}

function convert(e: Emit, from: DType, to: DType, x: Local, lanes: () => void): boolean {
  const f = e.f;
  const fc = clsOf(from);
  const tc = clsOf(to);
  if (from === to) {
    f.get(x);
    return true;
  }
  if (to === "bool") {
    f.op(`${VT[fc]}.ne` as PlainOp, x, () => vconst(e, fc, 0));
    maskToBool(e, fc);
    return true;
  }
  const unsignedSrc = from === "uint32";
  if (tc === "i32") {
    if (fc !== "i32") {
      floatToInt(e, fc, to, x, lanes);
      return true;
    }
    f.get(x);
    vnormalize(e, to);
    return true;
  }
  if (tc === "f32") {
    if (fc === "f64") f.op("f32x4.demote_f64x2_zero", x);
    else f.op(unsignedSrc ? "f32x4.convert_i32x4_u" : "f32x4.convert_i32x4_s", x);
    return true;
  }
  // to the f64 class
  if (fc === "i32") {
    f.get(x);
    e.simd(unsignedSrc ? SIMD.f64x2_convert_low_i32x4_u : SIMD.f64x2_convert_low_i32x4_s);
    return true;
  }
  const v = fc === "f32" ? () => f.op("f64x2.promote_low_f32x4", x) : () => f.get(x);
  if (to === "float64" || (fc === "f64" && from !== "float64")) {
    v();
    return true;
  }
  // float → int64/uint64: truncate, non-finite → 0
  const t = e.tmp("v128");
  f.set(t, v);
  f.op("v128.and", () => f.op("f64x2.trunc", t), () => f.op("f64x2.lt", () => f.op("f64x2.abs", t), () => vconst(e, "f64", Infinity)));
  return true;
}
