// A pool of node:worker_threads sharing one WebAssembly.Memory({ shared: true }). Every
// worker instantiates the same compiled modules against that memory, so a kernel can be
// split across threads by handing each one a different slice of the same buffers.
//
// Dispatch never posts a message per job. Each worker owns a 128-byte slot in a control
// SharedArrayBuffer: the caller writes the job (module, function, up to 16 i32 arguments),
// bumps the slot's sequence number and Atomics.notify()s it; the worker, parked in
// Atomics.wait() on that number, runs the job, publishes the sequence number as done and
// notifies back. The calling thread is thread 0 and runs its own share meanwhile.
// New modules reach the workers through a MessagePort read synchronously with
// receiveMessageOnPort when the worker picks up a LOAD job, so kernels compiled at run
// time can be added to a running pool.
//
// Workers are unref()'d: an idle pool never keeps the process alive. close() ends them.
// Without SharedArrayBuffer, or with a non-shared memory, the pool has one thread (the
// caller) and runs everything inline.

import { Worker, MessageChannel, receiveMessageOnPort, type MessagePort } from "node:worker_threads";
import { availableParallelism } from "node:os";

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
const ARGS = 8;
const KIND_CALL = 1;
const KIND_LOAD = 2;
const KIND_EXIT = 3;

/**
 * JS Math functions every module may import as `math.<name>` ((f64) -> f64, or two f64 for
 * atan2/pow): compiled kernels call them per lane for functions without a Wasm version.
 */
export const MATH_IMPORT_NAMES = [
  "exp", "expm1", "log", "log1p", "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh",
  "tanh", "asinh", "acosh", "atanh", "cbrt", "pow",
] as const;

function mathImports(): Record<string, (...xs: number[]) => number> {
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

// The worker's program, evaluated as a CommonJS script so it runs the same from TypeScript
// sources (tsx, vitest) and from compiled JavaScript.
const WORKER_SOURCE = `
"use strict";
const { workerData, receiveMessageOnPort } = require("node:worker_threads");
const { control, slot, memory, port, spin } = workerData;
const ctl = new Int32Array(control);
const base = slot * ${SLOT};
const modules = [];
const math = {};
for (const n of ${JSON.stringify(MATH_IMPORT_NAMES)}) math[n] = Math[n];
let seen = 0;
for (;;) {
  let seq = Atomics.load(ctl, base + ${SEQ});
  for (let i = 0; seq === seen && i < spin; i++) seq = Atomics.load(ctl, base + ${SEQ});
  if (seq === seen) {
    Atomics.wait(ctl, base + ${SEQ}, seen);
    continue;
  }
  seen = seq;
  const kind = ctl[base + ${KIND}];
  let status = 0;
  try {
    if (kind === ${KIND_CALL}) {
      const a = base + ${ARGS};
      modules[ctl[base + ${MOD}]][ctl[base + ${FN}]](
        ctl[a], ctl[a + 1], ctl[a + 2], ctl[a + 3], ctl[a + 4], ctl[a + 5], ctl[a + 6], ctl[a + 7],
        ctl[a + 8], ctl[a + 9], ctl[a + 10], ctl[a + 11], ctl[a + 12], ctl[a + 13], ctl[a + 14], ctl[a + 15]);
    } else if (kind === ${KIND_LOAD}) {
      const msg = receiveMessageOnPort(port).message;
      const inst = new WebAssembly.Instance(msg.module, { env: { memory }, math });
      modules[msg.id] = msg.names.map((n) => inst.exports[n]);
    }
  } catch (e) {
    status = 1;
    port.postMessage(String((e && e.stack) || e));
  }
  ctl[base + ${STATUS}] = status;
  Atomics.store(ctl, base + ${DONE}, seq);
  Atomics.notify(ctl, base + ${DONE});
  if (kind === ${KIND_EXIT}) break;
}
port.close();
`;

/**
 * Threads to use by default: JAXTS_NUM_THREADS if set, else os.availableParallelism().
 * A malformed JAXTS_NUM_THREADS is an error rather than silently ignored.
 */
export function defaultNumThreads(): number {
  const env = typeof process !== "undefined" ? process.env.JAXTS_NUM_THREADS : undefined;
  if (env !== undefined && env.trim() !== "") {
    const n = Number(env);
    if (!Number.isInteger(n) || n < 1) {
      throw new Error(`JAXTS_NUM_THREADS must be a positive integer, got ${JSON.stringify(env)}`);
    }
    return n;
  }
  return Math.max(1, availableParallelism());
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
  readonly worker: Worker;
  readonly slot: number;
  seq: number;
}

export interface PoolOptions {
  /** Threads including the caller; defaults to defaultNumThreads(). */
  numThreads?: number;
}

export class WasmPool {
  readonly memory: WebAssembly.Memory;
  /** Threads including the calling one; 1 means everything runs inline. */
  readonly numThreads: number;
  private readonly ctl: Int32Array | undefined;
  private readonly workers: WorkerHandle[] = [];
  /** Our end of each worker's channel (modules out, error messages back). */
  private readonly channels: MessagePort[] = [];
  private readonly modules: PoolModule[] = [];
  private readonly spin: number;
  private closed = false;

  constructor(memory: WebAssembly.Memory, options: PoolOptions = {}) {
    this.memory = memory;
    const requested = options.numThreads ?? defaultNumThreads();
    if (!Number.isInteger(requested) || requested < 1) {
      throw new Error(`numThreads must be a positive integer, got ${requested}`);
    }
    const canShare = typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
    this.numThreads = canShare ? requested : 1;
    this.spin = this.numThreads <= availableParallelism() ? SPIN : 0;
    if (this.numThreads === 1) return;

    const control = new SharedArrayBuffer(this.numThreads * SLOT * 4);
    this.ctl = new Int32Array(control);
    for (let t = 1; t < this.numThreads; t++) {
      const ch = new MessageChannel();
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { control, slot: t, memory, port: ch.port2, spin: this.spin },
        transferList: [ch.port2],
      });
      worker.unref();
      ch.port1.unref();
      this.workers.push({ worker, slot: t, seq: 0 });
      this.channels.push(ch.port1);
    }
  }

  private check(): void {
    if (this.closed) throw new Error("WasmPool is closed");
  }

  /** Instantiates a module (importing env.memory and math.*) on this thread and every worker. */
  load(module: WebAssembly.Module): PoolModule {
    this.check();
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory }, math: mathImports() });
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === "function")
      .map((e) => e.name);
    const id = this.modules.length;
    for (const w of this.workers) {
      this.waitDone(w);
      this.channels[w.slot - 1]!.postMessage({ id, module, names });
      this.post(w, KIND_LOAD);
    }
    const fns = new Map<string, PoolFunction>();
    names.forEach((name, index) => {
      fns.set(name, { module: id, index, name, local: instance.exports[name] as (...args: number[]) => unknown });
    });
    const mod: PoolModule = {
      id,
      instance,
      fn(name: string): PoolFunction {
        const f = fns.get(name);
        if (!f) throw new Error(`module has no exported function ${name}`);
        return f;
      },
    };
    this.modules.push(mod);
    return mod;
  }

  private post(w: WorkerHandle, kind: number, call?: PoolCall): void {
    const ctl = this.ctl!;
    const base = w.slot * SLOT;
    ctl[base + KIND] = kind;
    if (call) {
      ctl[base + MOD] = call.fn.module;
      ctl[base + FN] = call.fn.index;
      for (let i = 0; i < POOL_MAX_ARGS; i++) ctl[base + ARGS + i] = call.args[i] ?? 0;
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
      const msg = receiveMessageOnPort(this.channels[w.slot - 1]!);
      throw new Error(`worker thread ${w.slot} failed: ${msg ? String(msg.message) : "unknown error"}`);
    }
  }

  /**
   * Runs calls[t] on thread t (0 = the caller) and returns when all have finished.
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
    const used = this.workers.slice(0, Math.max(0, calls.length - 1));
    used.forEach((w, i) => {
      this.waitDone(w);
      this.post(w, KIND_CALL, calls[i + 1]);
    });
    let error: unknown;
    if (calls.length > 0) {
      try {
        calls[0]!.fn.local(...calls[0]!.args);
      } catch (e) {
        error = e;
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
      try {
        this.waitDone(w);
      } catch {
        // the pool is going away; a failure of the last job no longer matters
      }
      this.post(w, KIND_EXIT);
    }
    await Promise.all(this.workers.map((w) => w.worker.terminate()));
    for (const p of this.channels) p.close();
  }
}
