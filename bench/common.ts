// Shared pieces of the benchmark: the case list (ids, units, titles), the worker protocol,
// deterministic inputs, result fingerprints and the timing loop used by the TypeScript workers
// (bench/jaxts.ts, bench/peers/jaxjs.ts, bench/peers/tfjs.ts, bench/machine.ts).
// bench/peers/py.py mirrors gen(), mlpParams(), fingerprint() and measure() in Python: keep the
// two in step, since the checks compare fingerprints across processes.

import { readFileSync } from "node:fs";

/** Prefix of every protocol line a worker writes to stdout; any other output is just logged. */
export const MARK = "@@bench ";

export type Unit = "GFLOP/s" | "ms" | "µs" | "GB/s";

export interface CaseSpec {
  id: string;
  /** The name `--only` selects it by. */
  group: string;
  title: string;
  unit: Unit;
  /** Floating-point operations per call, for throughput units. */
  flops?: number;
  machine?: boolean;
}

export const MATMUL_SIZES = [256, 1024, 2048] as const;
export const ELEMENTWISE_SHAPE = [5000, 5000] as const;
export const MLP_SIZES = [784, 512, 512, 10] as const;
export const PEREX_SIZES = [784, 64, 10] as const;
export const BATCH = 128;

export const CASES: CaseSpec[] = [
  ...MATMUL_SIZES.map((n) => ({
    id: `matmul/${n}`,
    group: "matmul",
    title: `matmul f32 n=${n}`,
    unit: "GFLOP/s" as const,
    flops: 2 * n ** 3,
  })),
  { id: "elementwise/eager", group: "elementwise", title: "x*x + x*2.0 5000², eager", unit: "ms" },
  { id: "elementwise/jit", group: "elementwise", title: "x*x + x*2.0 5000², jit", unit: "ms" },
  { id: "first_call", group: "first_call", title: "MLP grad: first call (trace+compile)", unit: "ms" },
  { id: "mlp_grad", group: "mlp", title: "MLP 784-512-512-10 grad step, jit", unit: "ms" },
  { id: "perex/eager", group: "perex", title: "per-example grads 784-64-10, eager", unit: "ms" },
  { id: "perex/jit", group: "perex", title: "per-example grads 784-64-10, jit", unit: "ms" },
  { id: "tiny/eager", group: "tiny", title: "tiny op (4-element add), eager", unit: "µs" },
  { id: "tiny/jit", group: "tiny", title: "tiny op (4-element add), jit'd call", unit: "µs" },
  { id: "machine/bandwidth", group: "machine", title: "memory copy bandwidth", unit: "GB/s", machine: true },
  { id: "machine/fma", group: "machine", title: "fp32 FMA peak", unit: "GFLOP/s", machine: true },
];

export const caseById = new Map(CASES.map((c) => [c.id, c]));

// ---------------------------------------------------------------------------------------------
// Worker protocol. A worker gets `--tasks lib:case,lib:case,...` (and `--quick`, `--budget S`)
// and writes, for each task in order: a `start` event, any `result` / `check` / `skip` /
// `error` events, then a `done` event. The orchestrator kills a worker whose task overruns its
// time box and restarts it on the tasks that remain.

export interface Stats {
  /** Seconds per call: median, fastest and slowest repetition. */
  median: number;
  min: number;
  max: number;
  /** Timed repetitions, and calls per repetition (several for very short calls). */
  reps: number;
  batch: number;
  /** Seconds taken by the very first (untimed, warm-up) call. */
  first: number;
}

export interface Fingerprint {
  n: number;
  l1: number;
  l2: number;
  maxAbs: number;
  nonFinite: number;
  /** Σ v_i·c_k(i) with c_k(i) = (i mod p_k) − (p_k−1)/2, and the scales Σ |v_i·c_k(i)|. */
  w: number[];
  s: number[];
}

export type Event =
  | { ev: "meta"; lib: string; info: Record<string, unknown> }
  | { ev: "start"; lib: string; case: string }
  | { ev: "result"; lib: string; case: string; stats?: Stats; metrics?: Record<string, number | string>; note?: string }
  | { ev: "check"; lib: string; case: string; key: string; fp: Fingerprint }
  | { ev: "skip"; lib: string; case: string; reason: string }
  | { ev: "error"; lib: string; case: string; message: string }
  | { ev: "done"; lib: string; case: string }
  | { ev: "fatal"; lib: string; message: string };

export function emit(e: Event): void {
  process.stdout.write(MARK + JSON.stringify(e) + "\n");
}

export function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface CaseContext {
  lib: string;
  caseId: string;
  quick: boolean;
  /** Seconds of timed repetitions this case may spend (after its warm-up). */
  budget: number;
  result(stats: Stats, note?: string): void;
  metrics(m: Record<string, number | string>, note?: string): void;
  check(key: string, parts: ArrayLike<number>[]): void;
}

/** What a worker implements: case id → function; a case it lacks is reported "n/a". */
export type CaseImpl = (ctx: CaseContext) => Promise<void> | void;
export type Impls = Partial<Record<string, CaseImpl | string>>;

/**
 * Runs the tasks named on the command line against `impls` (a string value is the reason a case
 * does not apply to this library). Exceptions are reported per case; the worker carries on.
 */
export async function runWorker(lib: string, info: Record<string, unknown>, impls: Impls): Promise<void> {
  const quick = process.argv.includes("--quick");
  const budget = Number(argValue("--budget") ?? (quick ? 0.3 : 1.5));
  const tasks = (argValue("--tasks") ?? "").split(",").filter(Boolean);
  emit({ ev: "meta", lib, info });
  for (const task of tasks) {
    const [tlib, caseId] = task.split(":") as [string, string];
    if (tlib !== lib) continue;
    emit({ ev: "start", lib, case: caseId });
    const impl = impls[caseId];
    if (impl === undefined || typeof impl === "string") {
      emit({ ev: "skip", lib, case: caseId, reason: impl ?? "n/a" });
    } else {
      const ctx: CaseContext = {
        lib,
        caseId,
        quick,
        budget,
        result: (stats, note) => emit({ ev: "result", lib, case: caseId, stats, ...(note ? { note } : {}) }),
        metrics: (m, note) => emit({ ev: "result", lib, case: caseId, metrics: m, ...(note ? { note } : {}) }),
        check: (key, parts) => emit({ ev: "check", lib, case: caseId, key, fp: fingerprint(parts) }),
      };
      try {
        await impl(ctx);
      } catch (e) {
        const err = e as Error;
        emit({ ev: "error", lib, case: caseId, message: String(err?.stack ?? err).split("\n").slice(0, 4).join(" | ") });
      }
    }
    emit({ ev: "done", lib, case: caseId });
  }
}

// ---------------------------------------------------------------------------------------------
// Deterministic inputs, identical bit for bit in every process: v_i = ((i·7919 + seed·104729)
// mod 2003 / 2003 − 0.5) · scale, computed in float64 and rounded once to float32 (every step is
// exact or correctly rounded, so JavaScript and NumPy agree exactly).

export function gen(n: number, seed: number, scale: number): Float32Array {
  const out = new Float32Array(n);
  const off = seed * 104729;
  for (let i = 0; i < n; i++) out[i] = (((i * 7919 + off) % 2003) / 2003 - 0.5) * scale;
  return out;
}

export interface HostArray {
  data: Float32Array;
  shape: number[];
}

/**
 * The MLP's parameters [W1, b1, W2, b2, ...] (W_l: in×out, uniform in ±1/√in; b_l in ±0.1),
 * a batch of inputs x (in ±1) and targets y (in ±1). loss = Σ (mlp(x) − y)², with tanh
 * between layers and none after the last.
 */
export function mlpData(sizes: readonly number[], batch: number): { params: HostArray[]; x: HostArray; y: HostArray } {
  const params: HostArray[] = [];
  for (let l = 0; l + 1 < sizes.length; l++) {
    const [i, o] = [sizes[l]!, sizes[l + 1]!];
    params.push({ data: gen(i * o, 10 + 2 * l, 2 / Math.sqrt(i)), shape: [i, o] });
    params.push({ data: gen(o, 11 + 2 * l, 0.2), shape: [o] });
  }
  const nIn = sizes[0]!;
  const nOut = sizes[sizes.length - 1]!;
  return {
    params,
    x: { data: gen(batch * nIn, 1, 2), shape: [batch, nIn] },
    y: { data: gen(batch * nOut, 2, 2), shape: [batch, nOut] },
  };
}

/** The odd-shaped matmul every library also checks (catches tails and transposed operands). */
export const ODD_MATMUL = { m: 67, k: 45, n: 31 } as const;

// ---------------------------------------------------------------------------------------------
// Fingerprints: a handful of float64 sums over the flattened result (parts concatenated in
// order) that any mistake in values, order or shape changes — compared against a float64 oracle
// by the orchestrator instead of shipping whole arrays between processes.

const PRIMES = [17, 19, 23, 29];

export function fingerprint(parts: ArrayLike<number>[]): Fingerprint {
  let n = 0;
  let l1 = 0;
  let l2 = 0;
  let maxAbs = 0;
  let nonFinite = 0;
  const w = PRIMES.map(() => 0);
  const s = PRIMES.map(() => 0);
  for (const p of parts) {
    for (let j = 0; j < p.length; j++, n++) {
      const v = p[j]!;
      if (!Number.isFinite(v)) {
        nonFinite++;
        continue;
      }
      const a = Math.abs(v);
      l1 += a;
      l2 += v * v;
      if (a > maxAbs) maxAbs = a;
      for (let k = 0; k < PRIMES.length; k++) {
        const p = PRIMES[k]!;
        const c = (n % p) - (p - 1) / 2;
        w[k]! += v * c;
        s[k]! += a * Math.abs(c);
      }
    }
  }
  return { n, l1, l2: Math.sqrt(l2), maxAbs, nonFinite, w, s };
}

// ---------------------------------------------------------------------------------------------
// Timing. One untimed first call, a warm-up of about 15% of the budget, then repetitions until
// the budget is spent (at least 3 when three fit in twice the budget, else 1). Calls shorter than
// 2 ms are timed in batches. `fn` must force its result (it may return a promise to await).

const now = () => performance.now() / 1000;

export async function measure(fn: () => unknown, budget: number, maxReps = 1000): Promise<Stats> {
  const call = async (): Promise<void> => {
    const r = fn();
    if (r instanceof Promise) await r;
  };
  let t = now();
  await call();
  const first = now() - t;
  let warmCalls = 0;
  t = now();
  while (first < 0.5 * budget && now() - t < 0.15 * budget && warmCalls < 10000) {
    await call();
    warmCalls++;
  }
  const per = warmCalls > 0 ? (now() - t) / warmCalls : first;
  const batch = per >= 2e-3 ? 1 : Math.min(100000, Math.ceil(2e-3 / Math.max(per, 1e-8)));
  const minReps = 3 * per * batch <= 2 * budget ? 3 : 1;
  const samples: number[] = [];
  const start = now();
  while (samples.length < minReps || (now() - start < budget && samples.length < maxReps)) {
    t = now();
    for (let i = 0; i < batch; i++) await call();
    samples.push((now() - t) / batch);
  }
  return statsOf(samples, batch, first);
}

export function statsOf(samples: number[], batch: number, first: number): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, reps: s.length, batch, first };
}

/** A one-shot timing (the first call of something), reported in the same shape. */
export async function once(fn: () => unknown): Promise<Stats> {
  const t = now();
  const r = fn();
  if (r instanceof Promise) await r;
  const dt = now() - t;
  return { median: dt, min: dt, max: dt, reps: 1, batch: 1, first: dt };
}

/** The installed version of an npm package (read from node_modules, next to this directory). */
export function pkgVersion(name: string): string {
  const url = new URL(`../node_modules/${name}/package.json`, import.meta.url);
  return (JSON.parse(readFileSync(url, "utf8")) as { version: string }).version;
}

/** Leaves of a nested JS-array pytree. */
export function leaves<T>(x: unknown, isLeaf: (v: unknown) => v is T): T[] {
  if (isLeaf(x)) return [x];
  if (Array.isArray(x)) return x.flatMap((v) => leaves(v, isLeaf));
  return [];
}
