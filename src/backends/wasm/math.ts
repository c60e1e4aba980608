// WebAssembly SIMD implementations of the transcendental functions that Wasm lacks (exp,
// log, tanh, sin, erf, pow, lgamma, ...), for the compiler's fused kernels. `WasmMath` adds
// each requested function to a ModuleBuilder on first use: a lane-wise (v128) -> v128
// function for f32x4 or f64x2, and a scalar (f32) -> f32 / (f64) -> f64 wrapper that splats
// its argument, calls the vector function and takes lane 0, so the two always agree bit
// for bit.
//
// Accuracy is measured against the reference kernels of the primitives (float64 JS Math
// rounded to float32): f32 functions stay within 2 ulp and reproduce the special values
// (NaN, ±Inf, ±0, overflow and underflow thresholds); erf_inv (XLA's ErfInv32, under
// random.normal) equals its reference bit for bit. The algorithms (range reduction plus
// minimax polynomials) are in math_exp.ts, math_trig.ts and math_special.ts; math_dsl.ts
// holds the lane-type-generic expression layer they are written in.

import type { FuncRef, Local, ModuleBuilder, ValType } from "./builder.js";
import { EXP_F32, EXP_F64 } from "./math_exp.js";
import { type Kernel, type MathCtx, type Ty, Vec } from "./math_dsl.js";
import { SPECIAL_F32 } from "./math_special.js";
import { TRIG_F32 } from "./math_trig.js";

export type MathFn =
  | "exp" | "exp2" | "expm1" | "log" | "log1p" | "tanh" | "logistic" | "sin" | "cos" | "tan" | "atan" | "atan2"
  | "asin" | "acos" | "sinh" | "cosh" | "asinh" | "acosh" | "atanh" | "erf" | "erfc" | "erf_inv" | "pow" | "cbrt"
  | "lgamma" | "digamma";

const BINARY = new Set<MathFn>(["atan2", "pow"]);

/** Every function this library knows of, in the order of its interface. */
export const MATH_FNS: readonly MathFn[] = [
  "exp", "exp2", "expm1", "log", "log1p", "tanh", "logistic", "sin", "cos", "tan", "atan", "atan2", "asin", "acos",
  "sinh", "cosh", "asinh", "acosh", "atanh", "erf", "erfc", "erf_inv", "pow", "cbrt", "lgamma", "digamma",
];

export type KernelTable = Partial<Record<MathFn, Kernel>>;

const KERNELS: Record<Ty, KernelTable> = {
  f32: { ...EXP_F32, ...TRIG_F32, ...SPECIAL_F32 },
  f64: { ...EXP_F64 },
};

export interface WasmMathOptions {
  /** Use relaxed-SIMD fused multiply-add where it never changes a bit-exact contract (the caller must have probed it). */
  relaxed?: boolean;
}

export class WasmMath {
  private readonly relaxed: boolean;
  private readonly funcs = new Map<string, FuncRef>();
  private readonly ctx: MathCtx;

  constructor(
    private readonly mb: ModuleBuilder,
    options: WasmMathOptions = {},
  ) {
    this.relaxed = options.relaxed ?? false;
    this.ctx = { helper: (name, ty, arity, body) => this.define(`math_${name}_${ty}`, ty, arity, body) };
  }

  /** Whether fn is offered for the lane type. */
  static offers(fn: MathFn, type: "f32" | "f64" | "f32x4" | "f64x2"): boolean {
    return KERNELS[type.startsWith("f32") ? "f32" : "f64"][fn] !== undefined;
  }

  /** A function of mb computing fn lane-wise: (v128) -> v128, or (v128, v128) -> v128 for atan2 and pow; undefined when not offered. Added to the module lazily on first request (and its helpers only once). */
  vector(fn: MathFn, type: "f32x4" | "f64x2"): FuncRef | undefined {
    const ty: Ty = type === "f32x4" ? "f32" : "f64";
    const kernel = KERNELS[ty][fn];
    if (!kernel) return undefined;
    return this.define(`math_${fn}_${type}`, ty, BINARY.has(fn) ? 2 : 1, kernel);
  }

  /** The same on one scalar: (f32) -> f32 or (f64) -> f64 (two params for atan2/pow). */
  scalar(fn: MathFn, type: "f32" | "f64"): FuncRef | undefined {
    const vec = this.vector(fn, type === "f32" ? "f32x4" : "f64x2");
    if (!vec) return undefined;
    const name = `math_${fn}_${type}`;
    const known = this.funcs.get(name);
    if (known) return known;
    const arity = vec.params.length;
    const params: Record<string, ValType> = arity === 2 ? { x: type, y: type } : { x: type };
    const splat = type === "f32" ? "f32x4.splat" : "f64x2.splat";
    const ref = this.mb.function(name, params, [type], (f, p) => {
      const args = Object.values(p).map((l: Local) => () => void f.op(splat, l));
      f.lane(type === "f32" ? "f32x4.extract_lane" : "f64x2.extract_lane", 0, () => f.call(vec, ...args));
    });
    this.funcs.set(name, ref);
    return ref;
  }

  private define(name: string, ty: Ty, arity: number, body: Kernel): FuncRef {
    const known = this.funcs.get(name);
    if (known) return known;
    const params: Record<string, ValType> = arity === 2 ? { x: "v128", y: "v128" } : { x: "v128" };
    const ref = this.mb.declare(name, Object.values(params), ["v128"]);
    this.funcs.set(name, ref);
    this.mb.define(ref, params, (f, p) => {
      const v = new Vec(f, ty, this.relaxed);
      f.emit(body(this.ctx, v, Object.values(p)));
    });
    return ref;
  }
}
