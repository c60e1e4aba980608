// `npm run bench`: jaxts beside @jax-js/jax, TensorFlow.js (Wasm), NumPy and PyTorch, each
// library in its own process, then one table of absolute figures and ratios, saved as JSON
// under bench/results/.
//
//   npm run bench -- [--only matmul,tiny,...] [--quick] [--backend NAME] [--libs jaxts,numpy,...]
//                    [--budget S] [--case-timeout S] [--lib-timeout S] [--markdown] [--no-save] [--verbose]
//
// --only takes groups (matmul, elementwise, first_call, mlp, perex, tiny, machine) or case ids
// (matmul/1024, tiny/jit, ...). --quick shortens every measurement. --backend selects jaxts's
// backend (config "jaxts_backend"); without it the library default runs. --budget is the seconds
// of timed repetitions per case. Every case runs under a time box (--case-timeout): a worker that
// overruns it is killed, the case is reported "timeout", and the worker restarts on the cases
// left; --lib-timeout caps one library's total time. --markdown prints the table as Markdown.
//
// Workers (one process per library, run one after another so they never share the CPU):
// bench/machine.ts (machine limits), bench/peers/py.py (NumPy, PyTorch and the float64 oracle,
// run with $BENCH_PYTHON, /usr/bin/python3 or python3), bench/peers/tfjs.ts, bench/peers/jaxjs.ts and
// bench/jaxts.ts. They speak the line protocol of bench/common.ts.

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";
import { CASES, MARK, caseById, type CaseSpec, type Event } from "./common.js";
import { LIB_NAMES, fmt, footnotes, header, markdownTable, textTable, valueOf, verify, type Entry, type Merged } from "./report.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);

const FLAGS = ["--quick", "--markdown", "--no-save", "--verbose"];
const VALUED = ["--only", "--backend", "--libs", "--budget", "--case-timeout", "--lib-timeout"];
const ALL_LIBS = ["machine", "numpy", "torch", "tfjs", "jaxjs", "jaxts"];

function fail(msg: string): never {
  process.stderr.write(`bench: ${msg}\n`);
  process.exit(2);
}

for (let i = 0; i < argv.length; i++) {
  if (VALUED.includes(argv[i]!)) {
    if (argv[i + 1] === undefined) fail(`${argv[i]} needs a value`);
    i++;
  } else if (!FLAGS.includes(argv[i]!)) fail(`unknown argument ${JSON.stringify(argv[i])}; flags: ${[...FLAGS, ...VALUED].join(" ")}`);
}
const value = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const seconds = (name: string, fallback: number): number => {
  const v = value(name);
  if (v === undefined) return fallback;
  const s = Number(v);
  if (!(s > 0)) fail(`${name} expects a positive number of seconds, got ${JSON.stringify(v)}`);
  return s;
};

const quick = argv.includes("--quick");
const verbose = argv.includes("--verbose");
const backend = value("--backend");
const budget = seconds("--budget", quick ? 0.3 : 1.5);
const caseTimeout = seconds("--case-timeout", quick ? 30 : 60);
const libTimeout = seconds("--lib-timeout", quick ? 120 : 240);

function selectCases(): CaseSpec[] {
  const only = value("--only");
  if (only === undefined) return CASES;
  const groups = new Set(CASES.map((c) => c.group));
  const picked = new Set<string>();
  for (const tok of only.split(",").filter(Boolean)) {
    const matched = CASES.filter((c) => c.group === tok || c.id === tok);
    if (!matched.length) fail(`--only: unknown benchmark ${JSON.stringify(tok)}; groups: ${[...groups].join(", ")}; cases: ${CASES.map((c) => c.id).join(", ")}`);
    matched.forEach((c) => picked.add(c.id));
  }
  return CASES.filter((c) => picked.has(c.id));
}

function selectLibs(): string[] {
  const libs = value("--libs")?.split(",").filter(Boolean) ?? ALL_LIBS;
  for (const l of libs) if (!ALL_LIBS.includes(l)) fail(`--libs: unknown library ${JSON.stringify(l)}; choose from ${ALL_LIBS.join(", ")}`);
  return libs;
}

const cases = selectCases();
const libs = selectLibs();

/** $BENCH_PYTHON, else Debian's /usr/bin/python3 (where python3-numpy lives), else python3. */
function findPython(): string | undefined {
  if (process.env.BENCH_PYTHON) return process.env.BENCH_PYTHON;
  if (existsSync("/usr/bin/python3")) return "/usr/bin/python3";
  return spawnSync("python3", ["--version"]).status === 0 ? "python3" : undefined;
}

interface WorkerSpec {
  name: string;
  cmd: string;
  args: string[];
  tasks: string[];
}

/** The tasks ("lib:case") a library gets: machine cases go to "machine" (and NumPy's copy). */
function tasksFor(lib: string): string[] {
  const applies = (c: CaseSpec) =>
    lib === "machine" ? c.machine : lib === "numpy" ? !c.machine || c.id === "machine/bandwidth" : !c.machine;
  return cases.filter(applies).map((c) => `${lib}:${c.id}`);
}

const merged: Merged = { meta: {}, entries: {}, checks: [], notes: [] };

function workers(): WorkerSpec[] {
  const tsx = (file: string) => ({ cmd: process.execPath, args: ["--import", "tsx", file] });
  const has = (l: string) => libs.includes(l);
  const out: WorkerSpec[] = [];
  if (has("machine")) out.push({ name: "machine", ...tsx("bench/machine.ts"), tasks: tasksFor("machine") });
  const py = findPython();
  const pyTasks = [...(has("numpy") ? tasksFor("numpy") : []), ...(has("torch") ? tasksFor("torch") : []), ...tasksFor("oracle")];
  if (py === undefined) merged.notes.push("python3 not found: NumPy, PyTorch and the float64 oracle were skipped (checks compare the libraries with each other).");
  else out.push({ name: "python", cmd: py, args: ["bench/peers/py.py"], tasks: pyTasks });
  if (has("tfjs")) out.push({ name: "tfjs", ...tsx("bench/peers/tfjs.ts"), tasks: tasksFor("tfjs") });
  if (has("jaxjs")) out.push({ name: "jaxjs", ...tsx("bench/peers/jaxjs.ts"), tasks: tasksFor("jaxjs") });
  if (has("jaxts")) {
    const w = tsx("bench/jaxts.ts");
    if (backend !== undefined) w.args.push("--backend", backend);
    out.push({ name: "jaxts", ...w, tasks: tasksFor("jaxts") });
  }
  return out.filter((w) => w.tasks.length > 0);
}

// ---------------------------------------------------------------------------------------------
// Running one worker: spawn it on the tasks left, follow its events, kill it (its whole process
// group) when a task overruns its time box, and start it again on what remains.

const entry = (task: string, e: Entry) => {
  const [lib, id] = task.split(":") as [string, string];
  (merged.entries[id] ??= {})[lib] = e;
};

function progress(lib: string, id: string, text: string): void {
  process.stderr.write(`  ${(LIB_NAMES[lib] ?? lib).padEnd(14)} ${id.padEnd(18)} ${text}\n`);
}

function onEvent(e: Event): void {
  if (e.ev === "meta") merged.meta[e.lib] = { ...merged.meta[e.lib], ...e.info };
  else if (e.ev === "check") merged.checks.push({ lib: e.lib, case: e.case, key: e.key, fp: e.fp });
  else if (e.ev === "skip") {
    entry(`${e.lib}:${e.case}`, { status: "skip", reason: e.reason });
    if (verbose) progress(e.lib, e.case, `n/a (${e.reason})`);
  } else if (e.ev === "error") {
    entry(`${e.lib}:${e.case}`, { status: "error", message: e.message });
    progress(e.lib, e.case, `error: ${e.message}`);
  } else if (e.ev === "result") {
    const spec = caseById.get(e.case)!;
    const v = e.stats ? valueOf(spec, e.stats) : undefined;
    entry(`${e.lib}:${e.case}`, { status: "ok", value: v, stats: e.stats, metrics: e.metrics, note: e.note });
    const metrics = Object.entries(e.metrics ?? {}).map(([k, x]) => `${k} ${typeof x === "number" ? fmt(x) : x}`);
    const what = e.stats ? `${fmt(v!)} ${spec.unit}  (${e.stats.reps} reps × ${e.stats.batch})` : metrics.join(", ");
    if (e.lib !== "oracle") progress(e.lib, e.case, what);
  }
}

interface Attempt {
  done: Set<string>;
  started: boolean;
  current?: string;
  killedBy?: "case" | "lib";
  fatal?: string;
  exit: string;
  stderr: string;
}

let running: ChildProcess | undefined;
const killGroup = (c: ChildProcess) => {
  try {
    process.kill(-c.pid!, "SIGKILL");
  } catch {
    // already gone
  }
};
process.on("SIGINT", () => {
  if (running) killGroup(running);
  process.exit(130);
});

function attempt(w: WorkerSpec, tasks: string[], libDeadline: number): Promise<Attempt> {
  const args = [...w.args, "--tasks", tasks.join(","), "--budget", String(budget), ...(quick ? ["--quick"] : [])];
  const child = spawn(w.cmd, args, { cwd: root, detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, PYTHONUNBUFFERED: "1" } });
  running = child;
  const a: Attempt = { done: new Set(), started: false, exit: "", stderr: "" };
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    const left = libDeadline - Date.now();
    const byLib = left < caseTimeout * 1000;
    timer = setTimeout(() => {
      a.killedBy = byLib ? "lib" : "case";
      killGroup(child);
    }, Math.max(0, Math.min(left, caseTimeout * 1000)));
  };
  arm(); // start-up counts against the time box too
  readline.createInterface({ input: child.stdout! }).on("line", (line) => {
    if (!line.startsWith(MARK)) {
      if (verbose) process.stderr.write(`    [${w.name}] ${line}\n`);
      return;
    }
    let e: Event;
    try {
      e = JSON.parse(line.slice(MARK.length)) as Event;
    } catch {
      process.stderr.write(`    [${w.name}] malformed protocol line ignored: ${line.slice(0, 200)}\n`);
      return;
    }
    if (e.ev === "start") {
      a.started = true;
      a.current = `${e.lib}:${e.case}`;
      arm();
    } else if (e.ev === "done") {
      a.done.add(`${e.lib}:${e.case}`);
      a.current = undefined;
      arm();
    } else if (e.ev === "fatal") a.fatal = e.message;
    onEvent(e);
  });
  child.stderr!.on("data", (d: Buffer) => {
    a.stderr = (a.stderr + d.toString()).slice(-4000);
    if (verbose) process.stderr.write(d);
  });
  return new Promise((resolve) => {
    child.on("error", (err) => {
      a.fatal = `could not start ${w.cmd}: ${err.message}`;
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      running = undefined;
      a.exit = signal ? `killed by ${signal}` : `exit code ${code}`;
      resolve(a);
    });
  });
}

/** The error line of a worker's stderr (Node and Python print it after the stack), else its tail. */
function errorSummary(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter(Boolean);
  const err = lines.find((l) => /^[\w.]*(Error|Exception)\b.*:/.test(l));
  return (err ?? lines.slice(-3).join(" | ")).slice(0, 600);
}

async function runWorker(w: WorkerSpec): Promise<void> {
  process.stderr.write(`${w.name}:\n`);
  const start = Date.now();
  const libDeadline = start + libTimeout * 1000;
  let remaining = [...w.tasks];
  while (remaining.length) {
    const a = await attempt(w, remaining, libDeadline);
    remaining = remaining.filter((t) => !a.done.has(t) && t !== a.current);
    const [lib, id] = (a.current ?? ":").split(":") as [string, string];
    // a worker killed just after reporting its result keeps that result
    if (a.current !== undefined && merged.entries[id]?.[lib]?.status !== "ok") {
      if (a.killedBy !== undefined) {
        const why = a.killedBy === "case" ? `no result within the ${caseTimeout} s time box` : `the library's ${libTimeout} s budget ran out`;
        entry(a.current, { status: "timeout", message: `${why}; process killed` });
        progress(lib, id, `timeout (${why})`);
      } else {
        const summary = errorSummary(a.stderr);
        entry(a.current, { status: "error", message: `worker died (${a.exit})${summary ? `: ${summary}` : ""}` });
        progress(lib, id, `error: worker died (${a.exit})`);
      }
    }
    const stop = (e: Entry) => {
      for (const t of remaining) entry(t, e);
      remaining = [];
    };
    if (a.fatal !== undefined) {
      stop({ status: "skip", reason: a.fatal });
      merged.notes.push(`${w.name}: ${a.fatal}`);
    } else if (a.killedBy === "lib" || Date.now() >= libDeadline) {
      stop({ status: "timeout", message: `not run: the library's ${libTimeout} s budget ran out` });
    } else if (!a.started && remaining.length) {
      const msg = `worker failed before its first case (${a.exit}): ${errorSummary(a.stderr)}`;
      stop({ status: "error", message: "the worker failed to start (see the notes)" });
      merged.notes.push(`${w.name}: ${msg}`);
      process.stderr.write(`  ${msg}\n`);
    }
  }
  process.stderr.write(`  (${w.name}: ${((Date.now() - start) / 1000).toFixed(1)} s)\n`);
}

// ---------------------------------------------------------------------------------------------

function save(text: string, markdown: string, elapsed: number): string {
  const dir = path.join(root, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const host = os.hostname().replace(/[^A-Za-z0-9._-]/g, "_");
  const date = new Date().toISOString().slice(0, 10);
  let file = path.join(dir, `${date}-${host}.json`);
  for (let i = 2; existsSync(file); i++) file = path.join(dir, `${date}-${host}-${i}.json`);
  const doc = {
    date: new Date().toISOString(),
    host: os.hostname(),
    command: `npm run bench${argv.length ? ` -- ${argv.join(" ")}` : ""}`,
    options: { quick, budget, caseTimeout, libTimeout, backend: backend ?? null, libs, cases: cases.map((c) => c.id) },
    elapsedSeconds: Math.round(elapsed),
    meta: merged.meta,
    results: merged.entries,
    checks: merged.checks,
    notes: merged.notes,
    table: text,
    markdown,
  };
  writeFileSync(file, JSON.stringify(doc, null, 1) + "\n");
  return path.relative(root, file);
}

const t0 = Date.now();
for (const w of workers()) await runWorker(w);
verify(merged);
const text = textTable(merged);
const markdown = markdownTable(merged);
const out = [...header(merged), "", argv.includes("--markdown") ? markdown : text, "", ...footnotes(merged)];
process.stdout.write(out.join("\n") + "\n");
const elapsed = (Date.now() - t0) / 1000;
if (!argv.includes("--no-save")) process.stdout.write(`\nSaved ${save(text, markdown, elapsed)} (${elapsed.toFixed(0)} s)\n`);
