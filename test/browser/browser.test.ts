// jaxts in a browser (Debian's Chromium, headless, driven by playwright-core): the esbuild bundle
// loads and computes on a page's main thread and inside a Worker, with and without cross-origin
// isolation. The oracle is this process: the same cases (test/browser/cases.ts) computed in Node,
// themselves checked against float64 recomputations of sampled entries. Inside a Worker of an
// isolated page the pool must have its nested Web Workers up and hand them calls. Skipped, with
// the reason printed, where Chromium or playwright-core is missing.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as jaxts from "../../src/index.js";
import { expectAllClose } from "../util/check.js";
import {
  ELEMENTWISE_N,
  MATMUL_N,
  type Results,
  largeCases,
  largeInputs,
  sampledIndices,
  smallCases,
} from "./cases.js";
import { CHROMIUM_ARGS, bundleSuite, deadline, findChromium, serve, tempProfile } from "./harness.js";
import type { Report } from "./suite.js";

type Playwright = typeof import("playwright-core");
type Context = Awaited<ReturnType<Playwright["chromium"]["launchPersistentContext"]>>;

const chromiumPath = findChromium();
const playwright: Playwright | undefined = await import("playwright-core").catch(() => undefined);
const skipReason = !chromiumPath
  ? "no Chromium (install Debian's chromium or set JAXTS_CHROMIUM)"
  : !playwright
    ? "playwright-core is not installed"
    : undefined;
if (skipReason) console.log(`browser tests skipped: ${skipReason}`);

/** Worker threads asked for inside the Worker: more than this machine's cores, on purpose. */
const WORKER_THREADS = 3;
const STEP_MS = 45_000;

function expectResultsClose(actual: Results | undefined, expected: Results, where: string, atol: number, rtol: number): void {
  expect(actual, where).toBeDefined();
  expect(Object.keys(actual!).sort(), where).toEqual(Object.keys(expected).sort());
  for (const k of Object.keys(expected)) {
    expectAllClose(new Float64Array(actual![k]!), new Float64Array(expected[k]!), { atol, rtol, msg: `${where}: ${k}` });
  }
}

describe.skipIf(skipReason !== undefined)("jaxts in Chromium", () => {
  let context: Context | undefined;
  let server: Awaited<ReturnType<typeof serve>> | undefined;
  const profile = tempProfile();
  const errors: string[] = [];
  let nodeSmall: Results;
  let nodeLarge: Results;

  beforeAll(async () => {
    nodeSmall = smallCases(jaxts);
    nodeLarge = largeCases(jaxts);
    server = await serve(await bundleSuite());
    context = await playwright!.chromium.launchPersistentContext(profile.dir, {
      executablePath: chromiumPath!,
      headless: true,
      args: CHROMIUM_ARGS,
      timeout: 30_000,
    });
  }, 90_000);

  afterAll(async () => {
    await deadline(context?.close() ?? Promise.resolve(), 15_000, "closing Chromium").catch((e: unknown) => console.log(String(e)));
    await server?.close();
    profile.remove();
  }, 30_000);

  async function openPage(isolated: boolean) {
    const page = await context!.newPage();
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(`console: ${m.text()}`);
    });
    await page.goto(`${server!.url}${isolated ? "/" : "/plain/"}`, { timeout: 15_000 });
    return page;
  }

  async function onMainThread(isolated: boolean): Promise<Report> {
    const page = await openPage(isolated);
    try {
      return await deadline(
        // A string, not a function: Vitest would rewrite a function's import() for Node.
        page.evaluate(`import(new URL("suite.js", location.href).href).then((m) => m.runMain())`) as Promise<Report>,
        STEP_MS,
        "the main-thread cases",
      );
    } finally {
      await page.close();
    }
  }

  async function inWorker(isolated: boolean): Promise<Report> {
    const page = await openPage(isolated);
    try {
      const answer = await deadline(
        page.evaluate(
          (threads) =>
            new Promise<{ report?: Report; error?: string }>((resolve) => {
              const w = new Worker(new URL("suite.js", location.href), { type: "module" });
              w.onmessage = (e: MessageEvent<{ report?: Report; error?: string }>) => {
                w.terminate();
                resolve(e.data);
              };
              w.onerror = (e) => resolve({ error: `worker error: ${e.message}` });
              w.postMessage({ threads });
            }),
          WORKER_THREADS,
        ),
        STEP_MS,
        "the Worker cases",
      );
      if (answer.error !== undefined) throw new Error(answer.error);
      return answer.report!;
    } finally {
      await page.close();
    }
  }

  it("Node's large results (the oracle) agree with float64 recomputations", () => {
    const { a, b, x } = largeInputs();
    const n = MATMUL_N;
    const f32 = (v: number) => Math.fround(v);
    const at = sampledIndices(n * n);
    const mm = at.map((idx) => {
      const i = Math.floor(idx / n);
      const j = idx % n;
      let s = 0;
      for (let k = 0; k < n; k++) s += f32(a[i * n + k]!) * f32(b[k * n + j]!);
      return s;
    });
    const mmT = at.map((idx) => {
      const i = Math.floor(idx / n);
      const j = idx % n;
      let s = 0;
      for (let k = 0; k < n; k++) s += f32(a[i * n + k]!) * f32(b[j * n + k]!);
      return s;
    });
    const ew = sampledIndices(ELEMENTWISE_N).map((i) => f32(x[i]!) * f32(x[i]!) + 2 * f32(x[i]!));
    const th = sampledIndices(ELEMENTWISE_N).map((i) => Math.tanh(3 * f32(x[i]!)));
    const drop = (v: number[]) => new Float64Array(v.slice(0, -1));
    expectAllClose(drop(nodeLarge.matmul!), new Float64Array(mm), { atol: 1e-4, rtol: 1e-5 });
    expectAllClose(drop(nodeLarge.matmul_tb!), new Float64Array(mmT), { atol: 1e-4, rtol: 1e-5 });
    expectAllClose(drop(nodeLarge.elementwise!), new Float64Array(ew), { atol: 1e-6, rtol: 1e-6 });
    expectAllClose(drop(nodeLarge.elementwise_jit!), new Float64Array(ew), { atol: 1e-6, rtol: 1e-6 });
    expectAllClose(drop(nodeLarge.tanh_jit!), new Float64Array(th), { atol: 2e-6, rtol: 2e-6 });
  });

  it("loads on an isolated page's main thread, runs on one thread, matches Node", async () => {
    const r = await onMainThread(true);
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.backend).toBe("wasm");
    expect(r.simd).toBe(true);
    expect(r.noThreads).toMatch(/Atomics\.wait is not allowed/);
    expect(r.threads.numThreads).toBe(1);
    expectResultsClose(r.small, nodeSmall, "main thread", 1e-6, 1e-5);
    expect(errors).toEqual([]);
  });

  it("loads on a page without cross-origin isolation, matches Node", async () => {
    const r = await onMainThread(false);
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.backend).toBe("wasm");
    expect(r.noThreads).toMatch(/not cross-origin isolated/);
    expectResultsClose(r.small, nodeSmall, "plain page", 1e-6, 1e-5);
    expect(errors).toEqual([]);
  });

  it("inside a Worker of an isolated page, runs large kernels on nested Web Workers, matches Node", async () => {
    const r = await inWorker(true);
    expect(r.crossOriginIsolated).toBe(true);
    expect(r.noThreads).toBeUndefined();
    expect(r.threads.numThreads).toBe(WORKER_THREADS);
    expect(r.threads.activeThreads).toBe(WORKER_THREADS);
    expect(r.threads.workerCalls).toBeGreaterThan(0);
    expectResultsClose(r.large, nodeLarge, "worker, all threads up", 1e-4, 1e-5);
    expectResultsClose(r.largeBeforeReady, nodeLarge, "worker, threads starting", 1e-4, 1e-5);
    expectResultsClose(r.small, nodeSmall, "worker", 1e-6, 1e-5);
    expect(errors).toEqual([]);
  });

  it("inside a Worker of a page without isolation, runs on one thread, matches Node", async () => {
    const r = await inWorker(false);
    expect(r.crossOriginIsolated).toBe(false);
    expect(r.noThreads).toMatch(/SharedArrayBuffer is unavailable/);
    expect(r.threads.numThreads).toBe(1);
    expectResultsClose(r.large, nodeLarge, "worker without isolation", 1e-4, 1e-5);
    expect(errors).toEqual([]);
  });
});
