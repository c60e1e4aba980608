// Thread configuration of the Wasm backend: jaxts_num_threads sizes the pool, large kernels
// run on workers, small ones on the caller, and results do not depend on the thread count.
import { afterAll, describe, expect, it } from "vitest";
import { config, jit, numpy as jnp, random, threadInfo, threadsReady } from "../../../src/index.js";

describe("threads", () => {
  const saved = { backend: config.read("jaxts_backend"), threads: config.read("jaxts_num_threads") };
  afterAll(() => {
    config.update("jaxts_num_threads", saved.threads);
    config.update("jaxts_backend", saved.backend);
  });

  it("jaxts_num_threads sizes the pool; big kernels use workers; results agree across thread counts", async () => {
    config.update("jaxts_backend", "wasm");
    const x = random.normal(random.key(1), [700, 300]);
    const y = random.normal(random.key(2), [300, 500]);
    const f = jit((a: ReturnType<typeof jnp.array>, b: ReturnType<typeof jnp.array>) => jnp.tanh(jnp.dot(a, b)).sum(0));
    const results: number[][] = [];
    for (const n of [1, 2, 3]) {
      config.update("jaxts_num_threads", n);
      expect(await threadsReady(30000)).toBe(n);
      const info0 = threadInfo()!;
      expect(info0.numThreads).toBe(n);
      results.push(Array.from(f(x, y).dataSync()));
      jnp.add(jnp.ones([4]), 1).dataSync(); // a tiny op runs on the caller
      const info1 = threadInfo()!;
      if (n > 1) expect(info1.workerCalls).toBeGreaterThan(info0.workerCalls);
      else expect(info1.workerCalls).toBe(info0.workerCalls);
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
  });

  it("rejects a negative or fractional thread count", () => {
    expect(() => config.update("jaxts_num_threads", -1)).toThrow(/non-negative integer/);
    expect(() => config.update("jaxts_num_threads", 1.5)).toThrow(/non-negative integer/);
  });
});
