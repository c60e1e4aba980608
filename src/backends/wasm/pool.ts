// A pool of worker threads sharing one WebAssembly.Memory({ shared: true }): node:worker_threads
// on Node, Web Workers in browsers (src/runtime/platform.ts makes them). Every worker
// instantiates the same compiled modules against that memory, so a kernel can be split across
// threads by handing each one a different slice of the same buffers.
//
// Dispatch never posts a message per job. Each worker owns a 128-byte slot in a control
// SharedArrayBuffer: the caller writes the job (module, function, up to 16 i32 arguments),
// bumps the slot's sequence number and Atomics.notify()s it; the worker, parked in
// Atomics.wait() on that number, runs the job, publishes the sequence number as done and
// notifies back. The calling thread is thread 0 and runs its own share meanwhile. A worker's
// error comes back as text in a second shared buffer, so the caller never reads a message.
//
// Modules reach the workers by postMessage, which a worker only receives from its event loop,
// and browsers have no synchronous receive. So load() just posts the module to every worker;
// before a worker's first call into module m the caller posts a LOAD job ("have m loaded"): a
// worker missing m leaves its wait loop, takes the queued module messages from its event loop,
// acknowledges through the control slot and parks again, while the caller Atomics.waits for
// that acknowledgement. A parked worker never holds up a module message the caller waits on.
//
// Starting: a worker raises READY in its slot once it has its init message. Node workers
// start on their own, so the caller blocks for READY on first use. A Web Worker starts only
// after its creator returns to the event loop, so in browsers a call meant for a worker that
// is not up yet runs on the caller instead (same result, fewer threads); ready() resolves
// when all are up. Threads need SharedArrayBuffer, a shared memory and a thread allowed to
// block (not a browser's main thread); otherwise the pool has one thread and runs inline.

import { canBlock, cpuCount, env, spawnWorker, threadSupport, type HostWorker } from "../../runtime/platform.js";

/** Most i32 arguments a pooled call takes. */
export const POOL_MAX_ARGS = 16;

// Slot layout (i32 indices). 32 i32 = 128 bytes keeps slots on separate cache lines.
const SLOT = 32;
const SEQ = 0;
const DONE = 1;
const KIND = 2;
const MOD = 3;
const FN = 4;
const STATUS = 5;
const READY = 6;
const LOADED = 7;
const ARGS = 8;
const KIND_CALL = 1;
const KIND_LOAD = 2;
const KIND_EXIT = 3;
/** i32 cells per slot in the error buffer: a length, then UTF-16 code units. */
const ERR = 512;
/** Longest a caller blocks for a Node worker to start. */
const START_TIMEOUT_MS = 30_000;

/**
 * JS Math functions every module may import as `math.<name>` ((f64) -> f64, or two f64 for
 * atan2/pow): compiled kernels call them per lane for functions without a Wasm version.
 */
export const MATH_IMPORT_NAMES = [
  "exp", "expm1", "log", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
  "tanh", "asinh", "acosh", "atanh", "cbrt", "pow",
] as const;

/** The `math` import object (JS Math functions by name) for instantiating a module. */
export function mathImports(): Record<string, (...xs: number[]) => number> {
  const m: Record<string, (...xs: number[]) => number> = {};
  for (const n of MATH_IMPORT_NAMES) m[n] = Math[n] as (...xs: number[]) => number;
  return m;
}

/**
 * Spin iterations before parking in Atomics.wait: keeps back-to-back jobs at a few µs.
 * With more threads than cores spinning steals the CPU from the thread being waited for
 * (measured 200 µs a job for 3 threads on 2 cores), so then we park at once.
 */
const SPIN = 20000;

// The worker's program, a plain script (it runs from TypeScript sources, compiled JavaScript
// and browser bundles alike). The platform's prelude defines listen(handler) and closeSelf().
const WORKER_SOURCE = `
"use strict";
const math = {};
for (const n of ${JSON.stringify(MATH_IMPORT_NAMES)}) math[n] = Math[n];
const modules = [];
let ctl, errs, base, ebase, memory, spin;
let seen = 0, loaded = 0, pending = false, pendingSeq = 0, pendingTarget = 0;
function report(e) {
  const s = String((e && e.stack) || e);
  const n = Math.min(s.length, ${ERR - 1});
  for (let i = 0; i < n; i++) errs[ebase + 1 + i] = s.charCodeAt(i);
  errs[ebase] = n;
  return 1;
}
function finish(seq, status) {
  ctl[base + ${STATUS}] = status;
  Atomics.store(ctl, base + ${DONE}, seq);
  Atomics.notify(ctl, base + ${DONE});
}
function park() {
  if (pending && loaded < pendingTarget) return;
  for (;;) {
    let seq = Atomics.load(ctl, base + ${SEQ});
    for (let i = 0; seq === seen && i < spin; i++) seq = Atomics.load(ctl, base + ${SEQ});
    if (seq === seen) {
      Atomics.wait(ctl, base + ${SEQ}, seen);
      continue;
    }
    seen = seq;
    const kind = ctl[base + ${KIND}];
    if (kind === ${KIND_LOAD}) {
      const target = ctl[base + ${MOD}];
      if (loaded >= target) {
        finish(seq, 0);
        continue;
      }
      pending = true;
      pendingSeq = seq;
      pendingTarget = target;
      return;
    }
    if (kind === ${KIND_EXIT}) {
      finish(seq, 0);
      closeSelf();
      return;
    }
    let status = 0;
    try {
      const m = modules[ctl[base + ${MOD}]];
      if (!m.fns) throw m.error;
      const a = base + ${ARGS};
      m.fns[ctl[base + ${FN}]](
        ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7],
        ctl[a + 8], ctl[a + 9], ctl[a + 10], ctl[a + 11], ctl[a + 12], ctl[a + 13], ctl[a + 14], ctl[a + 15]);
    } catch (e) {
      status = report(e);
    }
    finish(seq, status);
  }
}
listen((msg) => {
  if (msg.type === "init") {
    memory = msg.memory;
    spin = msg.spin;
    ctl = new Int32Array(msg.control);
    errs = new Int32Array(msg.errors);
    base = msg.slot * ${SLOT};
    ebase = msg.slot * ${ERR};
    Atomics.store(ctl, base + ${READY}, 1);
  } else if (msg.type === "load") {
    try {
      const inst = new WebAssembly.Instance(msg.module, { env: { memory }, math });
      modules[msg.id] = { fns: msg.names.map((n) => inst.exports[n]) };
    } catch (e) {
      modules[msg.id] = { error: e };
    }
    loaded = msg.id + 1;
    Atomics.store(ctl, base + ${LOADED}, loaded);
    if (pending && loaded >= pendingTarget) {
      pending = false;
      finish(pendingSeq, 0);
    }
  }
  park();
});
`;

/**
 * Threads to use by default: JAXTS_NUM_THREADS if set (Node), else the available cores
 * (os.availableParallelism() on Node, navigator.hardwareConcurrency in browsers).
 * A malformed JAXTS_NUM_THREADS is an error rather than silently ignored.
 */
export function defaultNumThreads(): number {
  const value = env("JAXTS_NUM_THREADS");
  if (value !== undefined && value.trim() !== "") {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`JAXTS_NUM_THREADS must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return n;
  }
  return cpuCount();
}

/** A function of a module loaded into the pool, callable on any thread. */
export interface PoolFunction {
  readonly module: number;
  readonly index: number;
  readonly name: string;
  /** The instance's export on the calling thread. */
  readonly local: (...args: number[]) => unknown;
}

export interface PoolModule {
  readonly id: number;
  readonly instance: WebAssembly.Instance;
  /** Looks an exported function up by name. */
  fn(name: string): PoolFunction;
}

/** One call for one thread: function and its i32 arguments. */
export interface PoolCall {
  readonly fn: PoolFunction;
  readonly args: readonly number[];
}

interface WorkerHandle {
  readonly host: HostWorker;
  readonly slot: number;
  seq: number;
  /** READY seen in the slot. */
  up: boolean;
  /** Modules the worker has acknowledged (a lower bound of its LOADED cell). */
  loaded: number;
}

export interface PoolOptions {
  /** Threads including the caller; defaults to defaultNumThreads(). */
  numThreads?: number;
}

export class WasmPool {
  readonly memory: WebAssembly.Memory;
  /** Threads including the calling one; 1 means everything runs inline. */
  readonly numThreads: number;
  /** Calls run on worker threads so far (not on the caller). */
  workerCalls = 0;
  private readonly ctl: Int32Array | undefined;
  private readonly errs: Int32Array | undefined;
  private readonly workers: WorkerHandle[] = [];
  private readonly spin: number;
  /** Workers start without our event loop (Node): we may block until they are up. */
  private readonly blockForStart: boolean;
  private nModules = 0;
  private closed = false;

  constructor(memory: WebAssembly.Memory, options: PoolOptions = {}) {
    this.memory = memory;
    const requested = options.numThreads ?? defaultNumThreads();
    if (!Number.isInteger(requested) || requested < 1) {
      throw new Error(`numThreads must be a positive integer, got ${requested}`);
    }
    const canShare = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    const support = threadSupport();
    this.numThreads = canShare && support.ok ? requested : 1;
    this.blockForStart = support.ok && support.startsAtOnce;
    this.spin = this.numThreads <= cpuCount() ? SPIN : 0;
    if (this.numThreads === 1) return;

    const control = new SharedArrayBuffer(this.numThreads * SLOT * 4);
    const errors = new SharedArrayBuffer(this.numThreads * ERR * 4);
    this.ctl = new Int32Array(control);
    this.errs = new Int32Array(errors);
    for (let t = 1; t < this.numThreads; t++) {
      const host = spawnWorker(WORKER_SOURCE)!;
      host.postMessage({ type: "init", control, errors, slot: t, memory, spin: this.spin });
      this.workers.push({ host, slot: t, seq: 0, up: false, loaded: 0 });
    }
  }

  private check(): void {
    if (this.closed) throw new Error("WasmPool is closed");
  }

  /** Threads that can take work right now: the caller plus the workers that are up. */
  get activeThreads(): number {
    return 1 + this.workers.filter((w) => this.isUp(w, false)).length;
  }

  /**
   * Resolves once every worker is up (or has failed, or timeoutMs passed) with activeThreads.
   * In browsers workers start only while the creating thread's event loop runs: await this
   * before a long synchronous computation to have it use all threads.
   */
  async ready(timeoutMs = 10_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < until && this.workers.some((w) => !this.isUp(w, false) && w.host.failure === undefined)) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    return this.activeThreads;
  }

  /** Instantiates a module (importing env.memory and math.*) here; workers get it by message. */
  load(module: WebAssembly.Module): PoolModule {
    this.check();
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory }, math: mathImports() });
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === "function")
      .map((e) => e.name);
    const id = this.nModules++;
    for (const w of this.workers) w.host.postMessage({ type: "load", id, module, names });
    const fns = new Map<string, PoolFunction>();
    names.forEach((name, index) => {
      fns.set(name, { module: id, index, name, local: instance.exports[name] as (...args: number[]) => unknown });
    });
    return {
      id,
      instance,
      fn(name: string): PoolFunction {
        const f = fns.get(name);
        if (!f) throw new Error(`module has no exported function ${name}`);
        return f;
      },
    };
  }

  /**
   * Whether the worker has started. With `block` (only where workers start on their own) waits
   * for it, failing after START_TIMEOUT_MS rather than hanging.
   */
  private isUp(w: WorkerHandle, block: boolean): boolean {
    if (w.up) return true;
    const ctl = this.ctl!;
    const at = w.slot * SLOT + READY;
    if (block && this.blockForStart && canBlock()) {
      const until = Date.now() + START_TIMEOUT_MS;
      while (Atomics.load(ctl, at) === 0 && Date.now() < until) Atomics.wait(ctl, at, 0, 50);
      if (Atomics.load(ctl, at) === 0) {
        throw new Error(`worker thread ${w.slot} did not start within ${START_TIMEOUT_MS / 1000} s${w.host.failure ? `: ${w.host.failure}` : ""}`);
      }
    }
    w.up = Atomics.load(ctl, at) === 1;
    return w.up;
  }

  private post(w: WorkerHandle, kind: number, call?: PoolCall, target = 0): void {
    const ctl = this.ctl!;
    const base = w.slot * SLOT;
    ctl[base + KIND] = kind;
    if (call) {
      ctl[base + MOD] = call.fn.module;
      ctl[base + FN] = call.fn.index;
      for (let i = 0; i < POOL_MAX_ARGS; i++) ctl[base + ARGS + i] = call.args[i] ?? 0;
    } else {
      ctl[base + MOD] = target;
    }
    w.seq = (w.seq + 1) | 0;
    Atomics.store(ctl, base + SEQ, w.seq);
    Atomics.notify(ctl, base + SEQ);
  }

  /** Blocks until the worker finished its last job; rethrows an error it reported. */
  private waitDone(w: WorkerHandle): void {
    const ctl = this.ctl!;
    const at = w.slot * SLOT + DONE;
    let done = Atomics.load(ctl, at);
    for (let i = 0; done !== w.seq && i < this.spin; i++) done = Atomics.load(ctl, at);
    while (done !== w.seq) {
      Atomics.wait(ctl, at, done);
      done = Atomics.load(ctl, at);
    }
    if (ctl[w.slot * SLOT + STATUS] !== 0) {
      ctl[w.slot * SLOT + STATUS] = 0;
      const errs = this.errs!;
      const e = w.slot * ERR;
      let text = "";
      for (let i = 0; i < errs[e]!; i++) text += String.fromCharCode(errs[e + 1 + i]!);
      throw new Error(`worker thread ${w.slot} failed: ${text || "unknown error"}`);
    }
  }

  /** Makes sure the worker has instantiated module `id`, waiting for its acknowledgement. */
  private ensureLoaded(w: WorkerHandle, id: number): void {
    if (w.loaded > id) return;
    w.loaded = Atomics.load(this.ctl!, w.slot * SLOT + LOADED);
    if (w.loaded > id) return;
    this.post(w, KIND_LOAD, undefined, id + 1);
    this.waitDone(w);
    w.loaded = Atomics.load(this.ctl!, w.slot * SLOT + LOADED);
  }

  /**
   * Runs calls[t] on thread t (0 = the caller) and returns when all have finished. A call
   * meant for a worker that has not started (browsers) runs on the caller.
   * At most numThreads calls; a failure on any thread is rethrown after all finish.
   */
  run(calls: readonly PoolCall[]): void {
    this.check();
    if (calls.length > this.numThreads) {
      throw new Error(`${calls.length} calls for a pool of ${this.numThreads} threads`);
    }
    for (const c of calls) {
      if (c.args.length > POOL_MAX_ARGS) throw new Error(`pooled calls take at most ${POOL_MAX_ARGS} arguments`);
    }
    let error: unknown;
    const used: WorkerHandle[] = [];
    const inline: PoolCall[] = calls.slice(0, 1);
    for (let i = 1; i < calls.length; i++) {
      const w = this.workers[i - 1]!;
      const call = calls[i]!;
      try {
        if (!this.isUp(w, true)) {
          inline.push(call);
          continue;
        }
        this.ensureLoaded(w, call.fn.module);
      } catch (e) {
        error ??= e;
        continue;
      }
      this.post(w, KIND_CALL, call);
      used.push(w);
    }
    this.workerCalls += used.length;
    for (const c of inline) {
      try {
        c.fn.local(...c.args);
      } catch (e) {
        error ??= e;
      }
    }
    for (const w of used) {
      try {
        this.waitDone(w);
      } catch (e) {
        error ??= e;
      }
    }
    if (error !== undefined) throw error;
  }

  /** Stops the workers; the pool cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.workers) {
      if (!this.isUp(w, false)) continue;
      try {
        this.waitDone(w);
      } catch {
        // the pool is going away; a failure of the last job no longer matters
      }
      this.post(w, KIND_EXIT);
    }
    await Promise.all(this.workers.map((w) => w.host.terminate()));
  }
}
