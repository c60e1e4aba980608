// The suite runs once per backend (vitest projects set JAXTS_BACKEND): check that the
// selection took effect, and that config "jaxts_backend" switches and validates.
import { describe, expect, it } from "vitest";
import { config, numpy as jnp } from "../../src/index.js";
import { availableBackends, getBackend } from "../../src/backends/backend.js";
import { ArrayImpl } from "../../src/core/array.js";

describe("backend selection", () => {
  it("JAXTS_BACKEND selects the default backend", () => {
    const want = process.env.JAXTS_BACKEND;
    if (want) expect(getBackend().name).toBe(want);
    expect(availableBackends()).toContain("interpret");
  });

  it("switching backends moves arrays and gives equal results", () => {
    const before = config.read("jaxts_backend");
    const x = jnp.arange(10, { dtype: "float32" });
    const y = jnp.sin(x);
    try {
      for (const name of availableBackends()) {
        config.update("jaxts_backend", name);
        const z = jnp.sin(x);
        expect((z as ArrayImpl).backend.name).toBe(name);
        expect(Array.from(z.dataSync())).toEqual(Array.from(y.dataSync()));
      }
    } finally {
      config.update("jaxts_backend", before);
    }
  });

  it("an unknown backend name is rejected and leaves the setting unchanged", () => {
    const before = config.read("jaxts_backend");
    expect(() => config.update("jaxts_backend", "tpu")).toThrow(/Unknown backend "tpu"; available: /);
    expect(config.read("jaxts_backend")).toBe(before);
  });
});
