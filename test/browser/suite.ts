// The browser side of the browser test, bundled by esbuild into one ES module. On a page it is
// imported and runMain() called; loaded as a module Worker it answers one message by running the
// small and large cases and posting back what it computed and how many threads it used.

import * as jaxts from "../../src/index.js";
import { getBackend } from "../../src/backends/backend.js";
import { wasmBackend } from "../../src/backends/wasm/backend.js";
import { wasmFeatures } from "../../src/backends/wasm/features.js";
import { threadSupport } from "../../src/runtime/platform.js";
import { type Results, largeCases, smallCases } from "./cases.js";

export interface ThreadInfo {
  numThreads: number;
  activeThreads: number;
  workerCalls: number;
}

export interface Report {
  crossOriginIsolated: boolean;
  backend: string;
  simd: boolean;
  /** Why this thread has no worker pool, if it has none. */
  noThreads?: string;
  threads: ThreadInfo;
  small: Results;
  large?: Results;
  /** The large cases run at once after the pool was made, before its workers were up. */
  largeBeforeReady?: Results;
  threadsBeforeReady?: ThreadInfo;
}

function base(): Omit<Report, "small"> {
  const s = threadSupport();
  return {
    crossOriginIsolated: (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
    backend: getBackend().name,
    simd: wasmFeatures().simd,
    noThreads: s.ok ? undefined : s.reason,
    threads: wasmBackend().threadInfo(),
  };
}

/** The page's main thread: small cases only (it has one thread whatever the headers say). */
export function runMain(): Report {
  const small = smallCases(jaxts);
  return { ...base(), small, threads: wasmBackend().threadInfo() };
}

/** Inside a Worker: large cases at once (workers still starting), then with all threads up. */
async function runWorker(numThreads: number): Promise<Report> {
  jaxts.config.update("jaxts_num_threads", numThreads);
  const largeBeforeReady = largeCases(jaxts);
  const threadsBeforeReady = wasmBackend().threadInfo();
  await wasmBackend().threadsReady(20_000);
  const before = wasmBackend().threadInfo().workerCalls;
  const large = largeCases(jaxts);
  const after = wasmBackend().threadInfo();
  const small = smallCases(jaxts);
  return { ...base(), small, large, largeBeforeReady, threadsBeforeReady, threads: { ...after, workerCalls: after.workerCalls - before } };
}

interface WorkerScope {
  onmessage: ((e: MessageEvent<{ threads: number }>) => void) | null;
  postMessage(m: unknown): void;
}

if (typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== "undefined") {
  const scope = globalThis as unknown as WorkerScope;
  scope.onmessage = (e) => {
    runWorker(e.data.threads).then(
      (report) => scope.postMessage({ report }),
      (err: unknown) => scope.postMessage({ error: String((err as Error)?.stack ?? err) }),
    );
  };
}
