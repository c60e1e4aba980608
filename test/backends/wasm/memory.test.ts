// The Wasm heap: allocator invariants, spilling under pressure (the heap is a cache of array
// storage), clear out-of-memory errors, and the test that a long synchronous loop
// with no dispose() anywhere keeps Wasm memory and process RSS bounded.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, memoryStats, numpy as jnp, random } from "../../../src/index.js";
import type { Array as JaxArray } from "../../../src/index.js";
import { WasmHeap } from "../../../src/backends/wasm/memory.js";
import { wasmBackend } from "../../../src/backends/wasm/backend.js";
import { canCollectGarbage, collectGarbage } from "../../../src/runtime/gc.js";

describe("WasmHeap allocator", () => {
  it("blocks never overlap, and freeing everything returns the heap to empty", () => {
    const heap = new WasmHeap(false, 1 << 24);
    let seed = 1;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const live: { addr: number; size: number }[] = [];
    for (let step = 0; step < 3000; step++) {
      if (live.length > 0 && rnd() < 0.45) {
        const [b] = live.splice(Math.floor(rnd() * live.length), 1);
        heap.freeBlock(b!.addr, Math.ceil(b!.size / 64) * 64);
      } else {
        const size = 1 + Math.floor(rnd() ** 3 * 100000);
        live.push({ addr: heap.allocBlock(size, "test"), size });
      }
      if (step % 500 === 0) {
        const sorted = [...live].sort((a, b) => a.addr - b.addr);
        for (let i = 1; i < sorted.length; i++) {
          expect(sorted[i]!.addr).toBeGreaterThanOrEqual(sorted[i - 1]!.addr + sorted[i - 1]!.size);
        }
        for (const b of live) expect(b.addr % 64).toBe(0);
      }
    }
    for (const b of live) heap.freeBlock(b.addr, Math.ceil(b.size / 64) * 64);
    heap.flushSmall();
    // With everything free the next block starts at the bottom again (all blocks merged).
    const again = heap.allocBlock(64, "test");
    expect(again).toBe(1024);
  });

  it("spills least recently used buffers to JS copies under pressure and pages them back in", () => {
    const heap = new WasmHeap(false, 1 << 20); // 1 MiB
    const bufs = [];
    for (let i = 0; i < 40; i++) {
      heap.epoch++;
      const b = heap.allocate("float32", 16384); // 64 KiB each: 40 of them need 2.5 MiB
      heap.write(b, new Float32Array(16384).fill(i));
      bufs.push(b);
    }
    const s = heap.stats();
    expect(s.spills).toBeGreaterThan(0);
    expect(s.residentBytes).toBeLessThanOrEqual(1 << 20);
    expect(bufs[0]!.addr).toBe(-1); // the oldest went out
    for (let i = 0; i < 40; i++) expect(heap.read(bufs[i]!)[100]).toBe(i);
    heap.epoch++;
    heap.use(bufs[0]!);
    expect(bufs[0]!.addr).toBeGreaterThan(0);
    expect(heap.read(bufs[0]!)[16383]).toBe(0);
  });

  it("a request larger than the limit, or pinned data filling the heap, is a clear RangeError", () => {
    const heap = new WasmHeap(false, 1 << 20);
    expect(() => heap.allocate("float64", 1 << 20)).toThrow(/Out of memory: an array of 1048576 float64 needs 8388608 bytes/);
    heap.epoch++;
    heap.allocate("float32", 200000); // pinned by the current computation
    expect(() => heap.allocate("float32", 200000)).toThrow(/full of arrays in use by this computation/);
  });

  it("freed buffers raise when used", () => {
    const heap = new WasmHeap(false, 1 << 20);
    const b = heap.allocate("int32", 10);
    heap.free(b);
    expect(() => heap.read(b)).toThrow(/deleted/);
  });
});

describe("synchronous reclamation (runtime/gc.ts)", () => {
  it("collectGarbage() runs the finalizers of dead arrays inside synchronous code", () => {
    if (!canCollectGarbage()) return; // not on this runtime: the heap spills instead
    const keep = jnp.ones([100]);
    collectGarbage();
    const base = memoryStats().liveArrays;
    for (let i = 0; i < 1000; i++) jnp.add(keep, i);
    expect(memoryStats().liveArrays).toBeGreaterThanOrEqual(base + 1000);
    expect(collectGarbage()).toBe(true);
    expect(memoryStats().liveArrays).toBeLessThanOrEqual(base);
    expect(keep.dataSync()[99]).toBe(1);
  });
});

describe("memory that manages itself (wasm backend)", () => {
  const saved = { backend: "", limit: 0 };
  beforeAll(() => {
    saved.backend = config.read("jaxts_backend");
    saved.limit = config.read("jaxts_wasm_heap_limit");
    config.update("jaxts_backend", "wasm");
    config.update("jaxts_wasm_heap_limit", 32 << 20);
  });
  afterAll(() => {
    config.update("jaxts_wasm_heap_limit", saved.limit);
    config.update("jaxts_backend", saved.backend);
  });

  function mlp(params: { w1: JaxArray; w2: JaxArray }, x: JaxArray, y: JaxArray): JaxArray {
    const h = jnp.tanh(jnp.dot(x, params.w1));
    return jnp.sum(jnp.square(jnp.subtract(jnp.dot(h, params.w2), y)));
  }

  it("a 10,000-step synchronous training loop, eager and jit'd, with no dispose(), stays bounded", () => {
    const [k1, k2, k3] = random.split(random.key(0), 3);
    const x = random.normal(k1!, [32, 64]);
    const y = random.normal(k2!, [32, 8]);
    const init = () => ({ w1: jnp.multiply(random.normal(k3!, [64, 64]), 0.05), w2: jnp.zeros([64, 8]) });
    const g = grad(mlp);
    const step = (p: { w1: JaxArray; w2: JaxArray }) => {
      const d = g(p, x, y) as { w1: JaxArray; w2: JaxArray };
      return { w1: jnp.subtract(p.w1, jnp.multiply(d.w1, 1e-3)), w2: jnp.subtract(p.w2, jnp.multiply(d.w2, 1e-3)) };
    };
    const jstep = jit(step);
    const heap = wasmBackend().heap;
    const rss0 = process.memoryUsage().rss;
    const before = heap.stats();
    let maxHeap = 0;
    const loss0 = Number(mlp(init(), x, y).item());
    // Eager, with synchronous reclamation switched off: the heap must spill (the path taken
    // where the runtime cannot force a GC, as in browsers).
    const reclaim = heap.reclaim;
    heap.reclaim = null;
    let p = init();
    try {
      for (let i = 0; i < 10000; i++) {
        p = step(p);
        maxHeap = Math.max(maxHeap, heap.stats().heapBytes);
      }
    } finally {
      heap.reclaim = reclaim;
    }
    const mid = heap.stats();
    // jit'd, with reclamation as configured (on Node: forced GC + pending finalizers).
    let q = init();
    for (let i = 0; i < 10000; i++) {
      q = jstep(q);
      maxHeap = Math.max(maxHeap, heap.stats().heapBytes);
    }
    const after = heap.stats();
    const rss1 = process.memoryUsage().rss;
    // It trained (so the loop really ran on live data) ...
    expect(Number(mlp(q, x, y).item())).toBeLessThan(loss0);
    expect(Number(mlp(p, x, y).item())).toBeLessThan(loss0);
    // ... allocated far more than the heap limit in total, and reclaimed instead of growing.
    expect(mid.spills).toBeGreaterThan(before.spills);
    if (reclaim !== null) expect(after.reclaims).toBeGreaterThan(mid.reclaims);
    else expect(after.spills).toBeGreaterThan(mid.spills);
    expect(maxHeap).toBeLessThanOrEqual((32 << 20) + (1 << 20));
    expect(rss1 - rss0).toBeLessThan(400 << 20);
    expect(memoryStats().backends.wasm).toBeDefined();
  });
});

describe("arrays too large for any backend", () => {
  it("raise a RangeError naming the shape, dtype and limit, eagerly and under jit", () => {
    const saved = config.read("jaxts_backend");
    try {
      for (const name of ["wasm", "interpret"]) {
        config.update("jaxts_backend", name);
        expect(() => jnp.zeros([100000, 100000])).toThrow(/Out of memory: an array of shape \(100000, 100000\) and dtype float32/);
        const f = jit((x: JaxArray) => jnp.sum(jnp.broadcastTo(x, [100000, 100000])));
        expect(() => f(jnp.ones([100000]))).toThrow(RangeError);
      }
    } finally {
      config.update("jaxts_backend", saved);
    }
  });
});
