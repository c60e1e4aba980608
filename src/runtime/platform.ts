// The host the library runs on, and the few services it needs from it: environment variables,
// the core count, the machine's memory, Node's built-in modules (reached synchronously, with no
// static `node:` import, so the same code bundles for browsers), whether this thread may block
// in Atomics.wait, and a factory for worker threads running a script given as source text.
//
// Node: built-ins come from process.getBuiltinModule (Node >= 20.16), or from a CommonJS
// `require` where one is in scope; workers are node:worker_threads, which start on their own
// thread at once, so a caller may block until they are up.
// Browsers (and Deno): workers are Web Workers made from a Blob URL; a new Worker only starts
// after the creating thread returns to its event loop, so a caller must never block waiting for
// one to start. Atomics.wait is refused on a browser's main thread, so threads are offered only
// inside a Worker of a cross-origin isolated page (the only place SharedArrayBuffer exists).

interface NodeProcess {
  versions?: { node?: string };
  env?: Record<string, string | undefined>;
  getBuiltinModule?: (id: string) => unknown;
}

function nodeProcess(): NodeProcess | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  return typeof p?.versions?.node === "string" ? p : undefined;
}

/** True on Node.js (and runtimes that present themselves as Node, such as Bun). */
export const isNode: boolean = nodeProcess() !== undefined;

/**
 * A Node built-in module, loaded synchronously ("node:os", "node:v8", ...); undefined outside
 * Node or where the runtime offers no synchronous way to reach it.
 */
export function nodeRequire<T = unknown>(id: string): T | undefined {
  const proc = nodeProcess();
  if (proc === undefined) return undefined;
  try {
    if (typeof proc.getBuiltinModule === "function") return proc.getBuiltinModule(id) as T | undefined;
    const req = (globalThis as { require?: (id: string) => unknown }).require;
    return typeof req === "function" ? (req(id) as T) : undefined;
  } catch {
    return undefined;
  }
}

/** An environment variable (Node's process.env); undefined elsewhere. */
export function env(name: string): string | undefined {
  return nodeProcess()?.env?.[name];
}

interface NavigatorLike {
  hardwareConcurrency?: number;
  deviceMemory?: number;
}

function nav(): NavigatorLike | undefined {
  return (globalThis as { navigator?: NavigatorLike }).navigator;
}

/** Logical cores available to this process (1 when the host does not say). */
export function cpuCount(): number {
  const os = nodeRequire<{ availableParallelism?: () => number; cpus: () => unknown[] }>("node:os");
  const n = os ? (os.availableParallelism?.() ?? os.cpus().length) : nav()?.hardwareConcurrency;
  return typeof n === "number" && Number.isFinite(n) && n >= 1 ? Math.floor(n) : 1;
}

/**
 * The machine's memory in bytes. Browsers reveal at most a coarse figure
 * (navigator.deviceMemory, in GiB, Chromium only); without one we assume 4 GiB.
 */
export function totalMemory(): number {
  const os = nodeRequire<{ totalmem: () => number }>("node:os");
  if (os) return os.totalmem();
  const gib = nav()?.deviceMemory;
  return (typeof gib === "number" && gib > 0 ? gib : 4) * 2 ** 30;
}

let blockable: boolean | undefined;

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
export function canBlock(): boolean {
  if (blockable !== undefined) return blockable;
  blockable = false;
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") return blockable;
  try {
    // A zero timeout with a value that does not match returns at once where waiting is
    // allowed; where it is not, the agent check throws before the value is compared.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    blockable = true;
  } catch {
    blockable = false;
  }
  return blockable;
}

/** A worker thread running a script, as the pool sees it. */
export interface HostWorker {
  postMessage(message: unknown): void;
  /** Ends the thread. */
  terminate(): Promise<void>;
  /** Set when the worker failed to start or died with an uncaught error. */
  readonly failure: string | undefined;
}

/**
 * What the host offers for a pool of worker threads over shared memory, or why it cannot have
 * one. `startsAtOnce`: a new worker runs without the creating thread returning to its event
 * loop (Node), so the creator may block until it is up.
 */
export type ThreadSupport =
  | { readonly ok: true; readonly startsAtOnce: boolean }
  | { readonly ok: false; readonly reason: string };

let support: ThreadSupport | undefined;

function probeThreadSupport(): ThreadSupport {
  if (typeof SharedArrayBuffer === "undefined" || typeof Atomics === "undefined") {
    const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated;
    return {
      ok: false,
      reason:
        isolated === false
          ? "SharedArrayBuffer is unavailable: the page is not cross-origin isolated (serve it with COOP/COEP headers)"
          : "SharedArrayBuffer is unavailable",
    };
  }
  if (!canBlock()) {
    return { ok: false, reason: "Atomics.wait is not allowed on this thread (a browser's main thread): run jaxts in a Worker" };
  }
  if (isNode) {
    return nodeRequire("node:worker_threads") ? { ok: true, startsAtOnce: true } : { ok: false, reason: "node:worker_threads cannot be loaded synchronously (Node >= 20.16 needed)" };
  }
  if (typeof Worker !== "function" || typeof Blob !== "function" || typeof URL?.createObjectURL !== "function") {
    return { ok: false, reason: "this thread cannot create Web Workers" };
  }
  return { ok: true, startsAtOnce: false };
}

/** Whether (and how) this thread can run a pool of worker threads; probed once. */
export function threadSupport(): ThreadSupport {
  return (support ??= probeThreadSupport());
}

interface NodeWorker {
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
  unref(): void;
  on(event: "error", listener: (e: unknown) => void): void;
  on(event: "exit", listener: (code: number) => void): void;
}

interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true }) => NodeWorker;
}

/**
 * Starts a worker running `source`, a script that talks to its creator through two functions
 * it finds in scope: `post(message)` and `listen(handler)`. Node workers are unref()'d, so an
 * idle one never keeps the process alive. Returns undefined where threads are unsupported.
 */
export function spawnWorker(source: string): HostWorker | undefined {
  if (!threadSupport().ok) return undefined;
  let failure: string | undefined;
  const describe = (e: unknown): string => {
    const err = e as { message?: unknown; stack?: unknown } | null;
    return String(err?.stack ?? err?.message ?? e);
  };
  if (isNode) {
    const wt = nodeRequire<NodeWorkerThreads>("node:worker_threads")!;
    const prelude =
      `const { parentPort } = require("node:worker_threads");\n` +
      `const post = (m) => parentPort.postMessage(m);\n` +
      `const listen = (h) => parentPort.on("message", h);\n` +
      `const closeSelf = () => parentPort.close();\n`;
    const w = new wt.Worker(prelude + source, { eval: true });
    w.unref();
    w.on("error", (e) => (failure ??= describe(e)));
    w.on("exit", (code) => (failure ??= `worker exited with code ${code}`));
    return {
      postMessage: (m) => w.postMessage(m),
      terminate: async () => {
        failure ??= "terminated";
        await w.terminate();
      },
      get failure() {
        return failure;
      },
    };
  }
  const prelude =
    `const post = (m) => self.postMessage(m);\n` +
    `const listen = (h) => { self.onmessage = (e) => h(e.data); };\n` +
    `const closeSelf = () => self.close();\n`;
  const url = URL.createObjectURL(new Blob([prelude + source], { type: "text/javascript" }));
  // Deno runs module workers only; browsers take the classic kind everywhere.
  const type: WorkerType = (globalThis as { Deno?: unknown }).Deno !== undefined ? "module" : "classic";
  const w = new Worker(url, { type });
  w.onerror = (e) => {
    failure ??= `worker error: ${e.message || "the script failed to load"}`;
  };
  return {
    postMessage: (m) => w.postMessage(m),
    terminate: async () => {
      failure ??= "terminated";
      w.terminate();
      URL.revokeObjectURL(url);
    },
    get failure() {
      return failure;
    },
  };
}
