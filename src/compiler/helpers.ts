// The module every kernel lives in, and helper functions added to a kernel module when its
// code needs them: fmod (C's remainder of doubles, exact, which Wasm lacks).
import { type FuncRef, ModuleBuilder } from "../backends/wasm/builder.js";
import { wasmFeatures } from "../backends/wasm/features.js";

/** A module importing `env.memory`: shared exactly when threads are usable here (see wasmFeatures). */
export function kernelModule(): ModuleBuilder {
  const m = new ModuleBuilder();
  m.importMemory(wasmFeatures().threads ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
  return m;
}

/**
 * fmod(x, y) = x − trunc(x/y)·y computed exactly by long division on the magnitudes: t = |y|
 * doubled up to just above |x|/2, then halved back, subtracting t whenever r ≥ t (each
 * subtraction is exact since t ≤ r < 2t). The result takes x's sign; fmod(±inf, y),
 * fmod(x, 0) and NaN operands give NaN, fmod(x, ±inf) = x, as JS's %.
 */
export function emitFmod(m: ModuleBuilder): FuncRef {
  return m.function("fmod", { x: "f64", y: "f64" }, ["f64"], (f, { x, y }) => {
    const r = f.local("r", "f64");
    const t = f.local("t", "f64");
    const ay = f.local("ay", "f64");
    f.set(r, () => f.op("f64.abs", x));
    f.set(ay, () => f.op("f64.abs", y));
    // NaN for non-finite x, zero or NaN y.
    f.if(() => f.op("i32.or", () => f.op("f64.ge", r, f.f64c(Infinity)), () => f.op("i32.or", () => f.op("f64.ne", y, y), () => f.op("f64.eq", y, f.f64c(0)))), () => {
      f.emit(f.f64c(NaN));
      f.op("return");
    });
    f.if(() => f.op("i32.or", () => f.op("f64.ne", r, r), () => f.op("f64.lt", r, ay)), () => {
      f.get(x);
      f.op("return");
    });
    f.set(t, ay);
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("f64.gt", () => f.op("f64.mul", t, f.f64c(2)), r));
        f.set(t, () => f.op("f64.mul", t, f.f64c(2)));
        f.br(top);
      });
    });
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("f64.lt", t, ay));
        f.if(() => f.op("f64.ge", r, t), () => f.set(r, () => f.op("f64.sub", r, t)));
        f.set(t, () => f.op("f64.mul", t, f.f64c(0.5)));
        f.br(top);
      });
    });
    f.op("f64.copysign", r, x);
  });
}
