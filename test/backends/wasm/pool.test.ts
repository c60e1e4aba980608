// The worker pool: jobs run on every thread against one shared memory, errors come back,
// modules can be added to a running pool, the thread count follows JAXTS_NUM_THREADS, an
// idle pool does not keep the process alive, and close() ends the workers.

import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { ModuleBuilder } from "../../../src/backends/wasm/builder.js";
import { WasmPool, defaultNumThreads } from "../../../src/backends/wasm/pool.js";

function sharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
}

function storeModule(shared: boolean): WebAssembly.Module {
  const m = new ModuleBuilder();
  m.importMemory(shared ? { initial: 1, maximum: 65536, shared: true } : { initial: 1 });
  m.function("put", { p: "i32", v: "i32" }, [], (f, { p, v }) => f.store("i32.store", p, v), true);
  m.function("trap", {}, [], (f) => f.op("unreachable"), true);
  return m.compile();
}

describe("WasmPool", () => {
  const memory = sharedMemory();
  const pool = new WasmPool(memory, { numThreads: 3 });
  afterAll(() => pool.close());

  it("runs one call per thread on the shared memory", () => {
    const put = pool.load(storeModule(true)).fn("put");
    const view = new Int32Array(memory.buffer);
    for (let round = 1; round <= 50; round++) {
      pool.run([0, 1, 2].map((t) => ({ fn: put, args: [4 * t, round * 10 + t] })));
      expect(Array.from(view.subarray(0, 3))).toEqual([round * 10, round * 10 + 1, round * 10 + 2]);
    }
    pool.run([{ fn: put, args: [64, 7] }]);
    expect(view[16]).toBe(7);
  });

  it("loads modules into a running pool", () => {
    const m = new ModuleBuilder();
    m.importMemory({ initial: 1, maximum: 65536, shared: true });
    m.function("inc", { p: "i32" }, [], (f, { p }) => f.store("i32.store", p, () => f.op("i32.add", () => f.load("i32.load", p), 1)), true);
    const inc = pool.load(m.compile()).fn("inc");
    pool.run([0, 1, 2].map((t) => ({ fn: inc, args: [128 + 4 * t] })));
    expect(Array.from(new Int32Array(memory.buffer, 128, 3))).toEqual([1, 1, 1]);
    expect(() => pool.load(m.compile()).fn("nope")).toThrow(/no exported function nope/);
  });

  it("rethrows a worker's trap and stays usable", () => {
    const mod = pool.load(storeModule(true));
    expect(() => pool.run([{ fn: mod.fn("put"), args: [0, 1] }, { fn: mod.fn("trap"), args: [] }])).toThrow(
      /worker thread 1 failed: RuntimeError: unreachable/,
    );
    expect(() => pool.run([{ fn: mod.fn("trap"), args: [] }])).toThrow(/unreachable/);
    pool.run([0, 1, 2].map((t) => ({ fn: mod.fn("put"), args: [4 * t, 5] })));
    expect(Array.from(new Int32Array(memory.buffer, 0, 3))).toEqual([5, 5, 5]);
    expect(() => pool.run([0, 1, 2, 3].map(() => ({ fn: mod.fn("put"), args: [0, 0] })))).toThrow(/4 calls for a pool of 3/);
  });

  it("runs inline on one thread over a non-shared memory", async () => {
    const plain = new WebAssembly.Memory({ initial: 1 });
    const p = new WasmPool(plain, { numThreads: 4 });
    expect(p.numThreads).toBe(1);
    p.run([{ fn: p.load(storeModule(false)).fn("put"), args: [0, 42] }]);
    expect(new Int32Array(plain.buffer)[0]).toBe(42);
    await p.close();
    expect(() => p.run([])).toThrow(/closed/);
  });

  it("reads JAXTS_NUM_THREADS", () => {
    const saved = process.env.JAXTS_NUM_THREADS;
    try {
      process.env.JAXTS_NUM_THREADS = "3";
      expect(defaultNumThreads()).toBe(3);
      process.env.JAXTS_NUM_THREADS = "zero";
      expect(() => defaultNumThreads()).toThrow(/JAXTS_NUM_THREADS must be a positive integer/);
      delete process.env.JAXTS_NUM_THREADS;
      expect(defaultNumThreads()).toBeGreaterThanOrEqual(1);
    } finally {
      if (saved === undefined) delete process.env.JAXTS_NUM_THREADS;
      else process.env.JAXTS_NUM_THREADS = saved;
    }
    expect(() => new WasmPool(sharedMemory(), { numThreads: 0 })).toThrow(/positive integer/);
  });

  it("does not keep an idle process alive", () => {
    const poolPath = fileURLToPath(new URL("../../../src/backends/wasm/pool.ts", import.meta.url));
    const builderPath = fileURLToPath(new URL("../../../src/backends/wasm/builder.ts", import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), "jaxts-pool-"));
    const script = join(dir, "idle.mts");
    writeFileSync(
      script,
      `import { WasmPool } from ${JSON.stringify(poolPath)};
import { ModuleBuilder } from ${JSON.stringify(builderPath)};
const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
const pool = new WasmPool(memory, { numThreads: 2 });
const m = new ModuleBuilder();
m.importMemory({ initial: 1, maximum: 65536, shared: true });
m.function("put", { p: "i32", v: "i32" }, [], (f, { p, v }) => f.store("i32.store", p, v), true);
const put = pool.load(m.compile()).fn("put");
pool.run([{ fn: put, args: [0, 1] }, { fn: put, args: [4, 2] }]);
console.log(new Int32Array(memory.buffer, 0, 2).join(","));
`,
    );
    const t0 = Date.now();
    const r = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 20_000 });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim()).toBe("1,2");
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
