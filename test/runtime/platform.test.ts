// runtime/platform on Node: built-ins are reached without a static import, the host figures
// agree with node:os (the oracle), this thread may block, threads are supported with workers
// that start on their own, and a worker made from source text runs and talks through
// listen()/closeSelf() and shared memory.

import { availableParallelism, totalmem } from "node:os";
import { describe, expect, it } from "vitest";
import {
  canBlock,
  cpuCount,
  env,
  isNode,
  nodeRequire,
  spawnWorker,
  threadSupport,
  totalMemory,
} from "../../src/runtime/platform.js";

describe("platform (Node)", () => {
  it("detects Node and loads built-ins synchronously", () => {
    expect(isNode).toBe(true);
    expect(nodeRequire<typeof import("node:os")>("node:os")?.totalmem).toBe(totalmem);
    expect(nodeRequire("node:no-such-module")).toBeUndefined();
  });

  it("reports the host like node:os and process.env", () => {
    expect(cpuCount()).toBe(availableParallelism());
    expect(totalMemory()).toBe(totalmem());
    expect(env("PATH")).toBe(process.env.PATH);
    expect(env("JAXTS_SURELY_UNSET_VARIABLE")).toBeUndefined();
  });

  it("allows blocking and threads whose workers start on their own", () => {
    expect(canBlock()).toBe(true);
    expect(threadSupport()).toEqual({ ok: true, startsAtOnce: true });
  });

  it("spawns a worker from source that answers through shared memory and can be ended", async () => {
    const w = spawnWorker(`
listen((m) => {
  const v = new Int32Array(m.sab);
  Atomics.store(v, 1, m.value * 2);
  Atomics.store(v, 0, 1);
  Atomics.notify(v, 0);
  closeSelf();
});`)!;
    const sab = new SharedArrayBuffer(8);
    const v = new Int32Array(sab);
    w.postMessage({ sab, value: 21 });
    expect(Atomics.wait(v, 0, 0, 20_000)).not.toBe("timed-out");
    expect(v[1]).toBe(42);
    await w.terminate();
    expect(w.failure).toBeDefined();
  });
});
