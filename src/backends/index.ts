// Backend selection: registers the reference interpreter and (where WebAssembly SIMD exists)
// the Wasm backend, and keeps the default in step with config "jaxts_backend" (or the
// JAXTS_BACKEND environment variable at start-up). The empty name means "the best available".
import { config } from "../core/config.js";
import { availableBackends, registerBackend, setDefaultBackend } from "./backend.js";
import { interpretBackend } from "./interpret/index.js";
import { wasmBackend } from "./wasm/backend.js";
import { wasmFeatures } from "./wasm/features.js";

const hasWasm = wasmFeatures().simd;
registerBackend(interpretBackend);
if (hasWasm) registerBackend(wasmBackend());

function resolve(name: string): string {
  if (name !== "") return name;
  return hasWasm ? "wasm" : "interpret";
}

config.validate("jaxts_backend", (name) => {
  const n = resolve(name);
  if (!availableBackends().includes(n)) {
    throw new Error(`Unknown backend ${JSON.stringify(name)}; available: ${availableBackends().join(", ")}`);
  }
});
config.onChange((name, value) => {
  if (name === "jaxts_backend") setDefaultBackend(resolve(value as string));
});

const fromEnv = typeof process !== "undefined" ? process.env.JAXTS_BACKEND : undefined;
config.update("jaxts_backend", fromEnv ?? "");
setDefaultBackend(resolve(config.read("jaxts_backend")));

/**
 * The Wasm backend's worker pool: threads including the caller, threads that can take work
 * now (in browsers, workers start only after the creating thread's event loop turns), and how
 * many kernel calls ran on workers so far. Null where the Wasm backend is unavailable.
 */
export function threadInfo(): { numThreads: number; activeThreads: number; workerCalls: number } | null {
  return hasWasm ? wasmBackend().threadInfo() : null;
}

/** Resolves with the number of active threads once the pool's workers have started. */
export function threadsReady(timeoutMs?: number): Promise<number> {
  return hasWasm ? wasmBackend().threadsReady(timeoutMs) : Promise.resolve(1);
}
