// The pool's module-delivery and start-up protocol (the one browsers need: no synchronous
// message receive, workers that take messages only from their event loop), exercised on Node:
// modules queued before a worker's first use are caught up in order, calls land on worker
// threads (counted), ready() reports the threads that are up, and a failed call leaves the
// pool usable for modules loaded afterwards.

import { afterAll, describe, expect, it } from "vitest";
import { ModuleBuilder } from "../../../src/backends/wasm/builder.js";
import { WasmPool } from "../../../src/backends/wasm/pool.js";

/** A module whose `put(p)` stores its constant `k` at byte address p. */
function putConstant(k: number): WebAssembly.Module {
  const m = new ModuleBuilder();
  m.importMemory({ initial: 1, maximum: 65536, shared: true });
  m.function("put", { p: "i32" }, [], (f, { p }) => f.store("i32.store", p, k), true);
  m.function("trap", {}, [], (f) => f.op("unreachable"), true);
  return m.compile();
}

describe("WasmPool protocol", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
  const pool = new WasmPool(memory, { numThreads: 3 });
  afterAll(() => pool.close());
  const view = new Int32Array(memory.buffer);

  it("reports its threads once the workers are up", async () => {
    expect(await pool.ready()).toBe(3);
    expect(pool.activeThreads).toBe(3);
  });

  it("catches workers up on modules loaded before their first use, in any order of use", () => {
    const ks = [11, 22, 33, 44, 55, 66];
    const mods = ks.map((k) => pool.load(putConstant(k)));
    const before = pool.workerCalls;
    // Last module first: each worker takes all queued modules, then the earlier ones need no wait.
    for (const i of [5, 0, 3, 1, 4, 2]) {
      const put = mods[i]!.fn("put");
      pool.run([0, 1, 2].map((t) => ({ fn: put, args: [4 * t] })));
      expect(Array.from(view.subarray(0, 3))).toEqual([ks[i], ks[i], ks[i]]);
    }
    expect(pool.workerCalls - before).toBe(6 * 2);
  });

  it("stays usable after a worker's trap, for old and new modules", () => {
    const a = pool.load(putConstant(7));
    expect(() => pool.run([{ fn: a.fn("put"), args: [0] }, { fn: a.fn("put"), args: [4] }, { fn: a.fn("trap"), args: [] }])).toThrow(
      /worker thread 2 failed: RuntimeError: unreachable/,
    );
    const b = pool.load(putConstant(8));
    pool.run([{ fn: b.fn("put"), args: [0] }, { fn: a.fn("put"), args: [4] }, { fn: b.fn("put"), args: [8] }]);
    expect(Array.from(view.subarray(0, 3))).toEqual([8, 7, 8]);
  });
});
