// Matmul throughput of the Wasm backend's generated gemm, in GFLOP/s (2·m·n·k / time).
//
//   npx tsx bench/matmul.ts [--sizes 256,1024,2048] [--threads 1,2] [--dtype f32,f64] [--seconds 2] [--json]
//
// "kernel" runs on operands already in Wasm memory (what the backend does with its own
// buffers); "typed-array" is matmulF32/matmulF64, which also copies A and B in and C out.
// Each figure is the median over repeated runs after a warm-up (V8 compiles Wasm with
// Liftoff first and tiers hot functions up to TurboFan), with the best run beside it.

import { wasmFeatures } from "../src/backends/wasm/features.js";
import { MatmulContext, type GemmDtype } from "../src/backends/wasm/matmul.js";
import { defaultNumThreads } from "../src/backends/wasm/pool.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const maxThreads = defaultNumThreads();
const sizes = arg("sizes", "256,1024,2048").split(",").map(Number);
const threadCounts = arg("threads", [...new Set([1, maxThreads])].join(",")).split(",").map(Number);
const dtypes = arg("dtype", "f32").split(",") as GemmDtype[];
const seconds = Number(arg("seconds", "2"));
const json = process.argv.includes("--json");

interface Row {
  dtype: GemmDtype;
  n: number;
  threads: number;
  mode: "kernel" | "typed-array";
  median: number;
  best: number;
  runs: number;
}

function measure(run: () => void, flops: number): { median: number; best: number; runs: number } {
  const rates: number[] = [];
  const t0 = performance.now();
  while (rates.length < 3 || (performance.now() - t0 < seconds * 1000 && rates.length < 1000)) {
    const t = performance.now();
    run();
    rates.push(flops / ((performance.now() - t) * 1e6));
  }
  rates.sort((a, b) => a - b);
  return { median: rates[rates.length >> 1]!, best: rates[rates.length - 1]!, runs: rates.length };
}

const ctx = new MatmulContext(Math.max(...threadCounts));
const rows: Row[] = [];
for (const dtype of dtypes) {
  const kern = ctx.kernel(dtype);
  const E = kern.itemsize;
  const work = 1024;
  for (const n of sizes) {
    const flops = 2 * n ** 3;
    const a = dtype === "f32" ? new Float32Array(n * n) : new Float64Array(n * n);
    for (let i = 0; i < a.length; i++) a[i] = Math.sin(i);
    // the typed-array path places its operands at the start of the scratch region; the
    // kernel rows use a region after it so the two never overlap
    const base = ctx.scratch(6 * n * n * E + 256) + 3 * n * n * E + 128;
    const view = dtype === "f32" ? new Float32Array(ctx.memory.buffer, base, 2 * n * n) : new Float64Array(ctx.memory.buffer, base, 2 * n * n);
    view.set(a);
    view.set(a, n * n);
    const g = { a: base, b: base + n * n * E, c: base + 2 * n * n * E, m: n, n, k: n };
    for (let w = 0; w < 3; w++) kern.run({ ...g, m: Math.min(n, 256), n: Math.min(n, 256), k: Math.min(n, 256), ldb: n, ldc: n, lda: n }, work);
    for (const threads of threadCounts) {
      const k = measure(() => kern.run({ ...g, maxThreads: threads }, work), flops);
      rows.push({ dtype, n, threads, mode: "kernel", ...k });
      const t = measure(() => ctx.matmul(dtype, a, a, n, n, n, { numThreads: threads }), flops);
      rows.push({ dtype, n, threads, mode: "typed-array", ...t });
    }
  }
}
await ctx.close();

const f = wasmFeatures();
if (json) {
  console.log(JSON.stringify({ features: f, threadsAvailable: maxThreads, rows }));
} else {
  console.log(`Wasm gemm — relaxed SIMD: ${f.relaxedSimd}, threads available: ${maxThreads}, Node ${process.version}`);
  console.log("dtype      n  threads  mode           GFLOP/s (median)   best    runs");
  for (const r of rows) {
    console.log(
      `${r.dtype.padEnd(5)} ${String(r.n).padStart(6)}  ${String(r.threads).padStart(7)}  ${r.mode.padEnd(13)}  ${r.median.toFixed(1).padStart(16)}  ${r.best.toFixed(1).padStart(6)}  ${String(r.runs).padStart(6)}`,
    );
  }
}
