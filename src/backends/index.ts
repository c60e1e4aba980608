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
