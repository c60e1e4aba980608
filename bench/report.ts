// The benchmark's report: checks every library's fingerprints against the float64 oracle,
// derives the machine limits, and renders the table (absolute figures, the machine limit, and
// jaxts's speed-up over each peer) as text or Markdown, with its notes. Pure functions over the
// merged events; bench/run.ts does the process work.

import { CASES, type CaseSpec, type Fingerprint, type Stats } from "./common.js";

export const LIBS = ["jaxts", "jaxjs", "tfjs", "numpy", "torch"] as const;
export const PEERS = LIBS.filter((l) => l !== "jaxts");
export const LIB_NAMES: Record<string, string> = {
  jaxts: "jaxts",
  jaxjs: "jax-js",
  tfjs: "tfjs-wasm",
  numpy: "NumPy",
  torch: "PyTorch",
  machine: "machine",
  oracle: "float64 oracle",
};

/** Largest accepted fingerprint error (relative to the oracle's scales). */
export const CHECK_TOL = 1e-4;

export interface CheckResult {
  key: string;
  against: string;
  err: number;
  ok: boolean;
}

export interface Entry {
  status: "ok" | "skip" | "timeout" | "error" | "wrong";
  value?: number;
  stats?: Stats;
  metrics?: Record<string, number | string>;
  note?: string;
  reason?: string;
  message?: string;
  checks?: CheckResult[];
}

export interface CheckRecord {
  lib: string;
  case: string;
  key: string;
  fp: Fingerprint;
}

export interface Merged {
  meta: Record<string, Record<string, unknown>>;
  /** case id → lib → entry */
  entries: Record<string, Record<string, Entry>>;
  checks: CheckRecord[];
  notes: string[];
}

/** The figure in the case's unit: GFLOP/s from flops, else the median time in ms or µs. */
export function valueOf(spec: CaseSpec, stats: Stats): number {
  if (spec.unit === "GFLOP/s") return spec.flops! / stats.median / 1e9;
  if (spec.unit === "µs") return stats.median * 1e6;
  return stats.median * 1e3;
}

/**
 * Error of a fingerprint against a reference: the largest of the relative differences of the
 * index-weighted sums (each over its scale Σ|v·c|), of the 2-norms and of the largest
 * magnitudes; Infinity when sizes or non-finite counts differ.
 */
export function fpError(a: Fingerprint, ref: Fingerprint): number {
  if (a.n !== ref.n || a.nonFinite !== ref.nonFinite) return Infinity;
  let err = Math.max(Math.abs(a.l2 - ref.l2) / Math.max(ref.l2, 1e-30), Math.abs(a.maxAbs - ref.maxAbs) / Math.max(ref.maxAbs, 1e-30));
  for (let k = 0; k < ref.w.length; k++) err = Math.max(err, Math.abs(a.w[k]! - ref.w[k]!) / Math.max(ref.s[k]!, 1e-30));
  return err;
}

/**
 * Attaches check results to the entries: each library's fingerprints are compared with the
 * oracle's, or, where no oracle ran, with the first library (in LIBS order) that reported the
 * same key. A failed check turns an "ok" entry into "wrong".
 */
export function verify(m: Merged): void {
  const refs = new Map<string, { lib: string; fp: Fingerprint }>();
  for (const c of m.checks) if (c.lib === "oracle") refs.set(c.key, c);
  for (const lib of LIBS) for (const c of m.checks) if (c.lib === lib && !refs.has(c.key)) refs.set(c.key, c);
  for (const c of m.checks) {
    if (c.lib === "oracle") continue;
    const ref = refs.get(c.key)!;
    const entry = (m.entries[c.case] ??= {})[c.lib] ??= { status: "error", message: "checked but never reported" };
    if (ref.lib === c.lib) {
      (entry.checks ??= []).push({ key: c.key, against: "nothing (no oracle or peer)", err: NaN, ok: true });
      continue;
    }
    const err = fpError(c.fp, ref.fp);
    const ok = err <= CHECK_TOL;
    (entry.checks ??= []).push({ key: c.key, against: ref.lib, err, ok });
    if (!ok && entry.status === "ok") entry.status = "wrong";
  }
}

export interface Limits {
  peak?: number;
  peakHow?: string;
  copy?: number;
  copyHow?: string;
  /** The time to read and write the 5000² float32 array once at `copy` GB/s. */
  elementwiseMs?: number;
}

const num = (x: unknown): number | undefined => (typeof x === "number" && Number.isFinite(x) ? x : undefined);

export function limits(m: Merged): Limits {
  const fma = m.entries["machine/fma"]?.machine?.metrics ?? {};
  const bw = m.entries["machine/bandwidth"]?.machine?.metrics ?? {};
  const npbw = num(m.entries["machine/bandwidth"]?.numpy?.metrics?.copy_GBps_1t);
  const out: Limits = {};
  if (num(fma.fma_GFLOPs_all) !== undefined) [out.peak, out.peakHow] = [num(fma.fma_GFLOPs_all), "C++ FMA, all threads"];
  else if (num(fma.wasm_GFLOPs_all) !== undefined) [out.peak, out.peakHow] = [num(fma.wasm_GFLOPs_all), "Wasm SIMD mul+add, all threads"];
  const copies: [number | undefined, string][] = [
    [num(bw.copy_GBps_all), "C++ memcpy, all threads"],
    [num(bw.copy_GBps_1t), "memcpy, 1 thread"],
    [npbw, "np.copyto"],
  ];
  for (const [v, how] of copies) if (v !== undefined && (out.copy === undefined || v > out.copy)) [out.copy, out.copyHow] = [v, how];
  if (out.copy !== undefined) out.elementwiseMs = ((2 * 4 * 5000 * 5000) / (out.copy * 1e9)) * 1e3;
  return out;
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}

const ratio = (r: number) => (r >= 10 ? `${r.toFixed(0)}×` : `${r.toFixed(2)}×`);

function cell(e: Entry | undefined): string {
  if (e === undefined) return "";
  switch (e.status) {
    case "ok":
      return fmt(e.value!) + (e.note ? "*" : "");
    case "skip":
      return "n/a";
    case "wrong":
      return "WRONG";
    default:
      return e.status;
  }
}

/** jaxts's speed-up over a peer on one row (> 1: jaxts is faster), or "" when either is missing. */
function speedup(spec: CaseSpec, a: Entry | undefined, b: Entry | undefined): string {
  if (a?.status !== "ok" || b?.status !== "ok") return "";
  return ratio(spec.unit === "GFLOP/s" ? a.value! / b.value! : b.value! / a.value!);
}

function limitCells(spec: CaseSpec, lim: Limits, jaxts: Entry | undefined): [string, string] {
  const v = jaxts?.status === "ok" ? jaxts.value! : undefined;
  if (spec.group === "matmul" && lim.peak !== undefined) {
    return [fmt(lim.peak), v === undefined ? "" : `${((100 * v) / lim.peak).toFixed(0)}% of peak`];
  }
  if (spec.group === "elementwise" && lim.elementwiseMs !== undefined) {
    return [fmt(lim.elementwiseMs), v === undefined ? "" : `${ratio(v / lim.elementwiseMs)} bound`];
  }
  return ["", ""];
}

/** The rows that ran (machine cases are summarised in the header instead). */
function rows(m: Merged): string[][] {
  const lim = limits(m);
  const out: string[][] = [];
  for (const spec of CASES) {
    const es = m.entries[spec.id];
    if (spec.machine || !es || !LIBS.some((l) => es[l] !== undefined)) continue;
    const unit = spec.unit === "GFLOP/s" ? "GFLOP/s ↑" : `${spec.unit} ↓`;
    out.push([
      spec.title,
      unit,
      ...LIBS.map((l) => cell(es[l])),
      ...limitCells(spec, lim, es.jaxts),
      ...PEERS.map((p) => speedup(spec, es.jaxts, es[p])),
    ]);
  }
  return out;
}

const HEADER = ["benchmark", "unit", ...LIBS.map((l) => LIB_NAMES[l]!), "limit", "jaxts vs limit", ...PEERS.map((p) => `×${LIB_NAMES[p]}`)];

export function textTable(m: Merged): string {
  const all = [HEADER, ...rows(m)];
  const widths = HEADER.map((_, j) => Math.max(...all.map((r) => r[j]!.length)));
  const line = (r: string[]) => r.map((c, j) => (j === 0 ? c.padEnd(widths[j]!) : c.padStart(widths[j]!))).join("  ").trimEnd();
  const rule = "-".repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [line(HEADER), rule, ...all.slice(1).map(line)].join("\n");
}

export function markdownTable(m: Merged): string {
  const r = rows(m);
  const esc = (c: string) => c.replace(/\*/g, "\\*").replace(/\|/g, "\\|");
  return [
    `| ${HEADER.join(" | ")} |`,
    `|${HEADER.map((_, j) => (j === 0 ? "---" : "---:")).join("|")}|`,
    ...r.map((row) => `| ${row.map(esc).join(" | ")} |`),
  ].join("\n");
}

/** The machine and library summary printed above the table. */
export function header(m: Merged): string[] {
  const mi = m.meta.machine ?? {};
  const fma = m.entries["machine/fma"]?.machine?.metrics ?? {};
  const bw = m.entries["machine/bandwidth"]?.machine?.metrics ?? {};
  const npbw = num(m.entries["machine/bandwidth"]?.numpy?.metrics?.copy_GBps_1t);
  const lim = limits(m);
  const f = (x: unknown) => (num(x) === undefined ? "?" : fmt(num(x)!));
  const lines: string[] = [];
  if (mi.cpu !== undefined) lines.push(`Machine: ${mi.cpu}, nproc ${mi.nproc}, ${mi.memGiB} GiB, ${mi.os}, Node ${mi.node}`);
  if (Object.keys(fma).length) {
    const cpp = num(fma.fma_GFLOPs_1t) !== undefined ? `C++ ${fma.vector_bits}-bit FMA ${f(fma.fma_GFLOPs_1t)} (1 thread) / ${f(fma.fma_GFLOPs_all)} (all); ` : "";
    lines.push(`  fp32 peak GFLOP/s: ${cpp}Wasm SIMD128 mul+add ${f(fma.wasm_GFLOPs_1t)} / ${f(fma.wasm_GFLOPs_all)}`);
  }
  if (Object.keys(bw).length || npbw !== undefined) {
    const parts = [];
    if (num(bw.copy_GBps_all) !== undefined) parts.push(`C++ memcpy ${f(bw.copy_GBps_1t)} (1 thread) / ${f(bw.copy_GBps_all)} (all)`);
    else if (num(bw.copy_GBps_1t) !== undefined) parts.push(`TypedArray.set ${f(bw.copy_GBps_1t)} (1 thread)`);
    if (npbw !== undefined) parts.push(`np.copyto ${fmt(npbw)} (1 thread)`);
    lines.push(`  copy bandwidth GB/s (read + write): ${parts.join("; ")}`);
  }
  if (lim.elementwiseMs !== undefined) {
    lines.push(`  elementwise bound: 200 MB (read x, write out) at ${fmt(lim.copy!)} GB/s (${lim.copyHow}) = ${fmt(lim.elementwiseMs)} ms`);
  }
  const libs: string[] = [];
  const meta = (l: string) => m.meta[l] ?? {};
  if (m.meta.jaxts) libs.push(`jaxts (backend: ${meta("jaxts").backend || "library default"})`);
  if (m.meta.jaxjs) libs.push(`jax-js ${meta("jaxjs").version} (wasm)`);
  if (m.meta.tfjs) libs.push(`tfjs-wasm ${meta("tfjs").version} (SIMD ${meta("tfjs").simd ? "on" : "off"}, threads ${meta("tfjs").threads ? "on" : "off"})`);
  if (m.meta.numpy) libs.push(`NumPy ${meta("numpy").version} (BLAS: ${String(meta("numpy").blas).split(",")[0]!.split("/").slice(-2).join("/")})`);
  if (m.meta.torch?.version) libs.push(`PyTorch ${meta("torch").version} (${meta("torch").threads} threads)`);
  if (libs.length) lines.push(`Libraries: ${libs.join("; ")}`);
  return lines;
}

/** Footnotes: per-cell notes (the "*"), failures, checks that failed or could not run. */
export function footnotes(m: Merged): string[] {
  const out: string[] = [
    "↑ higher is better, ↓ lower is better; ×peer = jaxts's speed-up over that peer (> 1: jaxts is faster).",
    `Every figure is a median over repetitions after a warm-up; results are checked against a float64 oracle (tolerance ${CHECK_TOL}).`,
  ];
  for (const spec of CASES) {
    for (const [lib, e] of Object.entries(m.entries[spec.id] ?? {})) {
      const who = `${LIB_NAMES[lib] ?? lib} ${spec.id}`;
      if (e.status === "ok" && e.note && !spec.machine) out.push(`* ${who}: ${e.note}`);
      if (e.status === "timeout") out.push(`${who}: timeout — ${e.message}`);
      if (e.status === "error") out.push(`${who}: error — ${e.message}`);
      for (const c of e.checks ?? []) {
        if (!c.ok) out.push(`${who}: WRONG — ${c.key} differs from the ${LIB_NAMES[c.against] ?? c.against} by ${c.err.toExponential(2)}`);
        else if (Number.isNaN(c.err)) out.push(`${who}: ${c.key} unverified (no oracle or peer to compare with)`);
      }
    }
  }
  return [...out, ...m.notes];
}
