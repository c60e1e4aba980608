// Benchmark worker "machine": what this machine can do at best, for the table's limit column.
//
//   machine/fma        fp32 FMA peak, 1 thread and all threads: bench/machine/peak.cpp compiled
//                      now with g++ -O3 -march=native (when g++ exists); and always a Wasm SIMD128
//                      loop (f32x4 mul + add: baseline Wasm SIMD has no fused multiply-add), the
//                      ceiling for code generated as Wasm, on 1 thread and on all (worker_threads).
//   machine/bandwidth  memcpy into a preallocated, pre-touched buffer (C++, 1 and all threads);
//                      without g++, TypedArray.prototype.set on one thread. GB/s counts bytes
//                      read + bytes written.
// Each figure is the best of a few runs: these are upper bounds, and a busy machine only lowers
// them.
//
// Spawned by bench/run.ts; writes protocol events (bench/common.ts) to stdout.

import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { runWorker, type CaseContext, type Impls } from "./common.js";

const nproc = os.availableParallelism();
const cppSource = fileURLToPath(new URL("./machine/peak.cpp", import.meta.url));

function gxxVersion(): string | undefined {
  const r = spawnSync("g++", ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.split("\n")[0] : undefined;
}

let exe: string | undefined;
/** The compiled probe, built once per process; undefined when g++ is missing or fails. */
function peakExe(ctx: CaseContext): string | undefined {
  if (exe !== undefined || gxxVersion() === undefined) return exe;
  const out = path.join(mkdtempSync(path.join(os.tmpdir(), "jaxts-bench-")), "peak");
  const r = spawnSync("g++", ["-O3", "-march=native", "-pthread", "-o", out, cppSource], { encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(`[${ctx.caseId}] g++ failed: ${r.stderr}\n`);
    return undefined;
  }
  return (exe = out);
}

const runPeak = (bin: string, args: string[]): Record<string, number> =>
  JSON.parse(execFileSync(bin, args, { encoding: "utf8", timeout: 60_000 })) as Record<string, number>;

// ---------------------------------------------------------------------------------------------
// A Wasm module, assembled by hand, exporting run(iters: i32) -> f32: `chains` independent
// f32x4 chains a = a*m + c (mul then add), iterated `iters` times.

const CHAINS = 12;

function wasmPeakModule(): Uint8Array {
  const f32 = (v: number) => [...new Uint8Array(new Float32Array([v]).buffer)];
  const splatTo = (v: number, local: number) => [0x43, ...f32(v), 0xfd, 0x13, 0x21, local];
  const [m, c] = [CHAINS + 1, CHAINS + 2]; // local 0 is the i32 parameter
  const code: number[] = [0x01, CHAINS + 2, 0x7b]; // locals: CHAINS + 2 of type v128
  for (let j = 0; j < CHAINS; j++) code.push(...splatTo(1 + 0.01 * j, 1 + j));
  code.push(...splatTo(0.999999, m), ...splatTo(1e-7, c));
  code.push(0x03, 0x40); // loop
  for (let j = 0; j < CHAINS; j++) {
    code.push(0x20, 1 + j, 0x20, m, 0xfd, 0xe6, 0x01, 0x20, c, 0xfd, 0xe4, 0x01, 0x21, 1 + j); // a = a*m + c
  }
  code.push(0x20, 0x00, 0x41, 0x01, 0x6b, 0x22, 0x00, 0x0d, 0x00, 0x0b); // while (--iters)
  code.push(0x20, 1);
  for (let j = 1; j < CHAINS; j++) code.push(0x20, 1 + j, 0xfd, 0xe4, 0x01);
  code.push(0xfd, 0x1f, 0x00, 0x0b); // f32x4.extract_lane 0; end
  const section = (id: number, bytes: number[]) => [id, ...leb(bytes.length), ...bytes];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, [0x01, 0x60, 0x01, 0x7f, 0x01, 0x7d]), // type (i32) -> f32
    ...section(3, [0x01, 0x00]),
    ...section(7, [0x01, 0x03, 0x72, 0x75, 0x6e, 0x00, 0x00]), // export "run"
    ...section(10, [0x01, ...leb(code.length), ...code]),
  ]);
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

// Each worker warms up (so V8 tiers the function up from Liftoff to TurboFan), waits at a
// barrier, runs `iters` iterations and reports its time; threads run concurrently.
const WORKER_SRC = `
const { parentPort, workerData } = require("node:worker_threads");
const { bytes, iters, flag, warmSeconds } = workerData;
const run = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.run;
const t0 = performance.now();
while (performance.now() - t0 < warmSeconds * 1000) run(Math.max(1, iters >> 4));
const sync = new Int32Array(flag);
Atomics.add(sync, 1, 1);
Atomics.wait(sync, 0, 0);
const t = performance.now();
const r = run(iters);
parentPort.postMessage({ seconds: (performance.now() - t) / 1000, r });
`;

async function wasmPeak(threads: number, iters: number, warmSeconds: number): Promise<number> {
  const bytes = wasmPeakModule();
  const flag = new SharedArrayBuffer(8);
  const sync = new Int32Array(flag);
  const workers = Array.from({ length: threads }, () => new Worker(WORKER_SRC, { eval: true, workerData: { bytes, iters, flag, warmSeconds } }));
  const done = workers.map(
    (w) =>
      new Promise<number>((resolve, reject) => {
        w.once("message", (m: { seconds: number }) => resolve(m.seconds));
        w.once("error", reject);
      }),
  );
  while (Atomics.load(sync, 1) < threads) await new Promise((r) => setTimeout(r, 5));
  Atomics.store(sync, 0, 1);
  Atomics.notify(sync, 0);
  const seconds = Math.max(...(await Promise.all(done)));
  await Promise.all(workers.map((w) => w.terminate()));
  return (threads * iters * CHAINS * 4 * 2) / seconds / 1e9;
}

/** Best of three runs on 1 thread and on all: a peak is an upper bound, so noise only lowers it. */
async function wasmPeakCalibrated(budget: number): Promise<{ one: number; all: number }> {
  const probe = await wasmPeak(1, 1 << 20, 0.05);
  const iters = Math.max(1, Math.round((probe * 1e9 * Math.min(0.5, Math.max(0.1, budget / 3))) / (CHAINS * 8)));
  const warm = Math.min(0.2, budget);
  const best = async (threads: number) => {
    let r = 0;
    for (let i = 0; i < 3; i++) r = Math.max(r, await wasmPeak(threads, iters, warm));
    return r;
  };
  return { one: await best(1), all: nproc > 1 ? await best(nproc) : probe };
}

// ---------------------------------------------------------------------------------------------

const impls: Impls = {
  "machine/fma": async (ctx) => {
    const wasm = await wasmPeakCalibrated(ctx.budget);
    const bin = peakExe(ctx);
    const m: Record<string, number | string> = { wasm_GFLOPs_1t: wasm.one, wasm_GFLOPs_all: wasm.all, threads: nproc };
    let note = "Wasm SIMD128 f32x4 mul+add loop (no g++)";
    if (bin !== undefined) {
      const seconds = String(Math.min(0.5, Math.max(0.1, ctx.budget / 3)));
      const one = runPeak(bin, ["fma", "1", seconds]);
      const all = runPeak(bin, ["fma", String(nproc), seconds]);
      Object.assign(m, { fma_GFLOPs_1t: one.best!, fma_GFLOPs_all: all.best!, vector_bits: one.vector_bits! });
      note = `C++ ${one.vector_bits}-bit FMA loop (g++ -O3 -march=native), ${one.chains} chains; also a Wasm SIMD128 mul+add loop`;
    }
    ctx.metrics(m, note);
  },
  "machine/bandwidth": async (ctx) => {
    const mib = 128;
    const bin = peakExe(ctx);
    if (bin !== undefined) {
      const reps = String(ctx.quick ? 3 : 8);
      const one = runPeak(bin, ["copy", "1", String(mib), reps]);
      const all = runPeak(bin, ["copy", String(nproc), String(mib), reps]);
      ctx.metrics(
        { copy_GBps_1t: one.best!, copy_GBps_all: all.best!, buffer_MiB: mib, threads: nproc },
        "C++ memcpy into a preallocated buffer (g++ -O3 -march=native); bytes read + bytes written",
      );
      return;
    }
    const src = new Float32Array((mib << 20) / 4).fill(1);
    const dst = new Float32Array(src.length).fill(2);
    const rates: number[] = [];
    for (let r = 0; r < (ctx.quick ? 4 : 9); r++) {
      const t = performance.now();
      dst.set(src);
      rates.push((2 * src.byteLength) / ((performance.now() - t) / 1000) / 1e9);
    }
    rates.sort((a, b) => a - b);
    ctx.metrics(
      { copy_GBps_1t: rates[rates.length - 1]!, buffer_MiB: mib, threads: 1 },
      "TypedArray.prototype.set into a preallocated buffer, one thread (no g++); bytes read + bytes written",
    );
  },
};

await runWorker(
  "machine",
  {
    cpu: os.cpus()[0]?.model ?? "unknown",
    nproc,
    memGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    gxx: gxxVersion() ?? "not found",
  },
  impls,
);
