// Synchronous reclamation of unreachable arrays, where the runtime allows it.
//
// FinalizationRegistry callbacks run only when the event loop turns, so inside a long
// synchronous loop nothing tells us which arrays died. On Node (V8) we can do better: with
// `--expose-gc` and `--harmony-weak-refs-with-cleanup-some` set at run time, a fresh vm
// context has a `gc()` function and a FinalizationRegistry with `cleanupSome()`, which runs the
// pending finalizers synchronously. When the Wasm heap runs out of room, collectGarbage() runs
// a full GC and then every registry's pending callbacks, which free the heap blocks of dead
// arrays — no copying. Elsewhere (browsers, other engines, V8 versions where these flags are
// unverified, or with JAXTS_FORCED_GC=0) it returns false and the heap falls back to spilling
// (see backends/wasm/memory.ts).

import { env, nodeRequire } from "./platform.js";

type Registry<T> = FinalizationRegistry<T> & { cleanupSome?: (cb?: (held: T) => void) => void };

interface Hooks {
  gc: () => void;
  Registry: typeof FinalizationRegistry;
}

let hooks: Hooks | null | undefined;

function load(): Hooks | null {
  if (hooks !== undefined) return hooks;
  hooks = null;
  try {
    const v8 = nodeRequire<typeof import("node:v8")>("node:v8");
    const vm = nodeRequire<typeof import("node:vm")>("node:vm");
    if (!v8 || !vm) return hooks;
    // V8 prints "unrecognized flag" for a flag it lacks: only set them where they are known to
    // exist (V8 11-12: Node 20 and 22), and never when the user opts out.
    const major = Number((globalThis as { process?: { versions?: { v8?: string } } }).process?.versions?.v8?.split(".")[0]);
    if (!(major >= 11 && major <= 12) || env("JAXTS_FORCED_GC") === "0") return hooks;
    v8.setFlagsFromString("--expose-gc");
    v8.setFlagsFromString("--harmony-weak-refs-with-cleanup-some");
    const ctx = vm.createContext({});
    const gc = vm.runInContext("typeof gc === 'function' ? gc : undefined", ctx) as (() => void) | undefined;
    const Registry = vm.runInContext("FinalizationRegistry", ctx) as typeof FinalizationRegistry;
    if (typeof gc === "function" && typeof (Registry.prototype as Registry<unknown>).cleanupSome === "function") {
      hooks = { gc, Registry };
    }
  } catch {
    hooks = null;
  }
  return hooks;
}

const registries: Registry<never>[] = [];

/** A FinalizationRegistry whose pending callbacks collectGarbage() can run synchronously. */
export function makeRegistry<T>(callback: (held: T) => void): FinalizationRegistry<T> | undefined {
  if (typeof FinalizationRegistry === "undefined") return undefined;
  const h = load();
  const R = h ? h.Registry : FinalizationRegistry;
  const reg = new R<T>(callback) as Registry<T>;
  registries.push(reg as Registry<never>);
  return reg;
}

/** Whether collectGarbage() can reclaim synchronously here. */
export function canCollectGarbage(): boolean {
  return load() !== null;
}

/**
 * Runs a full garbage collection and then the finalizers of every array it found dead.
 * Returns false (doing nothing) where the runtime does not allow it.
 */
export function collectGarbage(): boolean {
  const h = load();
  if (!h) return false;
  h.gc();
  for (const r of registries) r.cleanupSome?.();
  return true;
}
