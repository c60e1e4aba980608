// Feature probes: Node 20+ has SIMD and threads; relaxed SIMD is enabled through V8's flag
// where needed, and the answer is stable across calls.

import { describe, expect, it } from "vitest";
import { wasmFeatures } from "../../../src/backends/wasm/features.js";

describe("wasmFeatures", () => {
  it("finds SIMD and threads on Node", () => {
    const f = wasmFeatures();
    expect(f.simd).toBe(true);
    expect(f.threads).toBe(true);
    expect(typeof f.relaxedSimd).toBe("boolean");
  });

  it("caches its answer", () => {
    expect(wasmFeatures()).toBe(wasmFeatures());
  });
});
