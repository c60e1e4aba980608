// Run-time probes for the WebAssembly features the Wasm backend can use: 128-bit SIMD,
// relaxed SIMD (fused multiply-add), and threads (SharedArrayBuffer + shared memory).
//
// Relaxed SIMD is off by default on Node 20 (V8 11.3) but V8 accepts
// `--experimental-wasm-relaxed-simd` set at run time through `v8.setFlagsFromString`, before
// the module that uses it is compiled. We try that once, only if validation fails first, and
// never require it: kernels fall back to separate multiply and add.

import { threadSupport } from "../../runtime/platform.js";
import { ModuleBuilder } from "./builder.js";

export interface WasmFeatures {
  /** 128-bit SIMD (v128, f32x4, ...). */
  simd: boolean;
  /** Relaxed SIMD (f32x4.relaxed_madd and friends). */
  relaxedSimd: boolean;
  /** SharedArrayBuffer, Atomics, shared memory, and worker threads this thread may wait on. */
  threads: boolean;
}

function validates(build: (m: ModuleBuilder) => void): boolean {
  try {
    const m = new ModuleBuilder();
    build(m);
    return WebAssembly.validate(m.toBytes());
  } catch {
    return false;
  }
}

function probeSimd(): boolean {
  return validates((m) =>
    m.function("f", { x: "f32" }, ["f32"], (f, { x }) => {
      f.lane("f32x4.extract_lane", 1, () => f.op("f32x4.add", () => f.op("f32x4.splat", x), () => f.op("f32x4.splat", x)));
    }),
  );
}

function probeRelaxed(): boolean {
  return validates((m) =>
    m.function("f", { x: "f32" }, ["f32"], (f, { x }) => {
      const s = () => f.op("f32x4.splat", x);
      f.lane("f32x4.extract_lane", 0, () => f.op("f32x4.relaxed_madd", s, s, s));
    }),
  );
}

interface V8Like {
  setFlagsFromString(flags: string): void;
}

/** node:v8 where the runtime offers a synchronous way to reach it (Node >= 20.16). */
function nodeV8(): V8Like | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  try {
    return proc?.getBuiltinModule?.("node:v8") as V8Like | undefined;
  } catch {
    return undefined;
  }
}

function probeThreads(): boolean {
  if (!threadSupport().ok) return false;
  try {
    const mem = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    if (!(mem.buffer instanceof SharedArrayBuffer)) return false;
    return validates((m) => {
      m.importMemory({ initial: 1, maximum: 1, shared: true });
      m.function("f", { p: "i32" }, ["i32"], (f, { p }) => f.load("i32.atomic.load", p));
    });
  } catch {
    return false;
  }
}

let cached: WasmFeatures | undefined;

/** Probes once (enabling relaxed SIMD through V8's flag on Node 20 if needed) and caches. */
export function wasmFeatures(): WasmFeatures {
  if (cached) return cached;
  const simd = probeSimd();
  let relaxedSimd = simd && probeRelaxed();
  if (simd && !relaxedSimd) {
    const v8 = nodeV8();
    if (v8) {
      try {
        v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
        relaxedSimd = probeRelaxed();
      } catch {
        relaxedSimd = false;
      }
    }
  }
  cached = { simd, relaxedSimd, threads: probeThreads() };
  return cached;
}
