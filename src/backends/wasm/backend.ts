// The Wasm backend: runs a jaxpr as a plan of steps over buffers in one WebAssembly.Memory.
//
// compile(jaxpr) asks the compiler for a plan (src/compiler: fused kernels generated as Wasm
// SIMD code, plus equations it leaves to us) and computes each intermediate's last use, so a
// buffer goes back to the heap right after its last reader (buffer reuse inside a jit'd call).
// run() executes the steps:
// - kernel: a compiled function kernel(in..., out..., start, end), its parallel range split
//   across the worker pool when the work is large enough to pay for a dispatch;
// - dot_general on floats: the generated GEMM (register-blocked, packed, multithreaded), with
//   operands laid out as [batch, rows, cols] (transposed operands need no copy);
// - anything else: the explicit routine path, the primitive's reference kernel run directly
//   on views of the Wasm memory (no copy in), its result copied into a fresh buffer.
// Storage is managed by WasmHeap (memory.ts): a cache that spills to GC-managed copies.

import { config } from "../../core/config.js";
import { type DType, type TypedArray, itemsize } from "../../core/dtypes.js";
import type { HostBuf } from "../../core/primitive.js";
import { prod, stridesOf } from "../../core/shape.js";
import { type Atom, type ClosedJaxpr, type Jaxpr, type JaxprEqn, Literal, Var } from "../../ir/jaxpr.js";
import { stridedCopy } from "../../primitives/shape_ops.js";
import type { Backend, Buffer, Executable } from "../backend.js";
import { type CompiledKernel, type Step, planJaxpr } from "../../compiler/index.js";
import { collectGarbage } from "../../runtime/gc.js";
import { threadSupport, totalMemory } from "../../runtime/platform.js";
import { wasmFeatures } from "./features.js";
import { convGemm } from "./conv.js";
import { GemmKernel } from "./matmul.js";
import { type HeapStats, type Slot, WasmBuffer, WasmHeap, viewOf } from "./memory.js";
import { WasmPool, defaultNumThreads, mathImports, type PoolFunction } from "./pool.js";

type DotDims = [[number[], number[]], [number[], number[]]];

/** Work (in the kernel's cost units) below which a kernel runs on the calling thread only. */
const PARALLEL_MIN_COST = 1 << 17;

/** A step with its operands resolved to environment slots (Literals stay inline). */
interface XStep {
  readonly step: Step;
  /** Slot of each input (kernel inputs are always variables). */
  readonly ins: (number | Literal)[];
  readonly outs: number[];
  /** Slots whose buffers die after this step. */
  readonly deaths: number[];
  /** Element counts and dtypes of kernel outputs. */
  readonly outSizes: number[];
  readonly outDtypes: DType[];
}

type OutSpec = { slot: number; copy: boolean } | Literal;

class WasmExecutable implements Executable {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly nSlots: number,
    readonly nIn: number,
    readonly steps: XStep[],
    readonly outs: OutSpec[],
  ) {}
}


/** Threads the backend uses: config jaxts_num_threads, else JAXTS_NUM_THREADS or the cores. */
export function configuredThreads(): number {
  const n = config.read("jaxts_num_threads");
  return n > 0 ? n : defaultNumThreads();
}

export class WasmBackend implements Backend {
  readonly name = "wasm";
  readonly heap: WasmHeap;
  private pool: WasmPool | null = null;
  private poolFns = new Map<WebAssembly.Module, PoolFunction>();
  private readonly localFns = new Map<WebAssembly.Module, (...args: number[]) => void>();
  private readonly gemms = new Map<DType, GemmKernel>();
  private readonly subExes = new WeakMap<Jaxpr, WasmExecutable>();
  private depth = 0;

  constructor(limitBytes = defaultHeapLimit()) {
    this.heap = new WasmHeap(wasmFeatures().threads, limitBytes);
    this.heap.reclaim = collectGarbage;
    // Web Workers start only when this thread's event loop turns: start them now, so that they
    // are up by the time a computation begins (kernels run on the caller until then).
    const support = threadSupport();
    if (this.heap.shared && support.ok && !support.startsAtOnce) this.threads();
  }

  // -- threads --------------------------------------------------------------------------------

  /** The worker pool with the configured number of threads (recreated when that changes). */
  private threads(): WasmPool {
    const want = this.heap.shared ? configuredThreads() : 1;
    if (this.pool === null || this.pool.numThreads !== want) {
      void this.pool?.close();
      this.pool = new WasmPool(this.heap.memory, { numThreads: want });
      this.poolFns = new Map();
      this.gemms.clear();
    }
    return this.pool;
  }

  /** The pool's size (threads including the caller) and the threads that can take work now. */
  threadInfo(): { numThreads: number; activeThreads: number; workerCalls: number } {
    const p = this.threads();
    return { numThreads: p.numThreads, activeThreads: p.activeThreads, workerCalls: p.workerCalls };
  }

  /** Resolves, with the active thread count, once the pool's workers have started. */
  threadsReady(timeoutMs?: number): Promise<number> {
    return this.threads().ready(timeoutMs);
  }

  private local(mod: WebAssembly.Module): (...args: number[]) => void {
    let f = this.localFns.get(mod);
    if (f === undefined) {
      const inst = new WebAssembly.Instance(mod, { env: { memory: this.heap.memory }, math: mathImports() });
      f = inst.exports.kernel as (...args: number[]) => void;
      this.localFns.set(mod, f);
    }
    return f;
  }

  private runKernel(k: CompiledKernel, addrs: number[]): void {
    const n = k.extent;
    if (n === 0) return;
    const T = n * k.costPerItem < PARALLEL_MIN_COST ? 1 : Math.min(this.heap.shared ? configuredThreads() : 1, n);
    if (T === 1) {
      this.local(k.module)(...addrs, 0, n);
      return;
    }
    const pool = this.threads();
    let fn = this.poolFns.get(k.module);
    if (fn === undefined) {
      fn = pool.load(k.module).fn("kernel");
      this.poolFns.set(k.module, fn);
    }
    let chunk = Math.ceil(n / T);
    if (chunk >= 64) chunk = Math.ceil(chunk / 16) * 16;
    const calls = [];
    for (let s = 0; s < n; s += chunk) calls.push({ fn, args: [...addrs, s, Math.min(n, s + chunk)] });
    pool.run(calls);
  }

  private gemm(dtype: "float32" | "float64"): GemmKernel {
    const pool = this.threads();
    let g = this.gemms.get(dtype);
    if (g === undefined) {
      g = new GemmKernel(pool, { dtype: dtype === "float32" ? "f32" : "f64" });
      this.gemms.set(dtype, g);
    }
    return g;
  }

  // -- Backend interface -----------------------------------------------------------------------

  allocate(dtype: DType, size: number): Buffer {
    return this.heap.allocate(dtype, size);
  }
  write(buf: Buffer, data: TypedArray): void {
    this.heap.write(buf as WasmBuffer, data);
  }
  read(buf: Buffer): TypedArray {
    return this.heap.read(buf as WasmBuffer);
  }
  free(buf: Buffer): void {
    this.heap.free(buf as WasmBuffer);
  }
  private checkFits(aval: { shape: readonly number[]; dtype: DType }): void {
    const bytes = prod(aval.shape) * itemsize(aval.dtype);
    if (bytes > this.heap.limit) {
      throw new RangeError(
        `Out of memory: an array of shape (${aval.shape.join(", ")}) and dtype ${aval.dtype} needs ${bytes} bytes, ` +
          `more than the Wasm heap limit of ${this.heap.limit} bytes (config "jaxts_wasm_heap_limit").`,
      );
    }
  }

  finalizerHandle(buf: Buffer): object {
    return (buf as WasmBuffer).slot;
  }
  releaseHandle(handle: object): void {
    this.heap.freeSlot(handle as Slot);
  }
  stats(): HeapStats {
    return this.heap.stats();
  }

  compile(jaxpr: Jaxpr): Executable {
    // An array that can never fit is a clear error now, not a failure deep in code generation.
    const walk = (j: Jaxpr): void => {
      for (const eqn of j.eqns) {
        for (const v of eqn.outBinders) this.checkFits(v.aval);
        if (eqn.primitive.name === "pjit") walk(eqn.params.jaxpr as Jaxpr);
      }
    };
    walk(jaxpr);
    const plan = planJaxpr(jaxpr, { relaxedSimd: wasmFeatures().relaxedSimd });
    const slot = new Map<Var, number>();
    plan.invars.forEach((v) => slot.set(v, slot.size));
    const nIn = slot.size;
    const keep = new Set<Var>(plan.invars);
    for (const o of plan.outvars) if (o instanceof Var) keep.add(o);
    const last = new Map<Var, number>();
    const resolved = plan.steps.map((step, i) => {
      const inAtoms: Atom[] = step.kind === "kernel" ? step.inputs : step.eqn.inputs;
      const outVars = step.kind === "kernel" ? step.outputs : step.eqn.outBinders;
      const ins = inAtoms.map((a) => {
        if (a instanceof Literal) return a;
        const k = slot.get(a);
        if (k === undefined) throw new Error("internal: wasm plan reads a variable before it is written");
        last.set(a, i);
        return k;
      });
      const outs = outVars.map((v) => {
        slot.set(v, slot.size);
        last.set(v, i); // dead on arrival unless read later
        return slot.get(v)!;
      });
      return { step, ins, outs, outVars };
    });
    const deaths: number[][] = plan.steps.map(() => []);
    for (const [v, i] of last) if (!keep.has(v)) deaths[i]!.push(slot.get(v)!);
    const steps: XStep[] = resolved.map((r, i) => ({
      step: r.step,
      ins: r.ins,
      outs: r.outs,
      deaths: deaths[i]!,
      outSizes: r.outVars.map((v) => prod(v.aval.shape)),
      outDtypes: r.outVars.map((v) => v.aval.dtype),
    }));
    // Each output owns its storage: an input returned as is, or a value returned twice, is copied.
    const seen = new Set<Var>();
    const outs: OutSpec[] = plan.outvars.map((o) => {
      if (o instanceof Literal) return o;
      const k = slot.get(o);
      if (k === undefined) throw new Error("internal: wasm plan output is never written");
      const copy = k < nIn || seen.has(o);
      seen.add(o);
      return { slot: k, copy };
    });
    return new WasmExecutable(jaxpr, slot.size, nIn, steps, outs);
  }

  run(exe: Executable, inputs: Buffer[]): Buffer[] {
    // Nested runs (bodies of loops) keep the outer computation's buffers pinned.
    if (this.depth === 0) this.heap.epoch++;
    this.depth++;
    try {
      return this.runPlan(exe as WasmExecutable, inputs as WasmBuffer[]);
    } finally {
      this.depth--;
    }
  }

  private runPlan(exe: WasmExecutable, inputs: WasmBuffer[]): WasmBuffer[] {
    const heap = this.heap;
    const env: (WasmBuffer | undefined)[] = new Array(exe.nSlots);
    for (let i = 0; i < exe.nIn; i++) {
      const b = inputs[i]!;
      heap.use(b);
      env[i] = b;
    }
    const steps = exe.steps;
    for (let i = 0; i < steps.length; i++) {
      const x = steps[i]!;
      const step = x.step;
      if (step.kind === "kernel") {
        const addrs: number[] = [];
        for (const k of x.ins) addrs.push(heap.use(env[k as number]!));
        for (let j = 0; j < x.outs.length; j++) {
          const b = heap.allocate(x.outDtypes[j]!, x.outSizes[j]!);
          env[x.outs[j]!] = b;
          addrs.push(b.addr);
        }
        this.runKernel(step.kernel, addrs);
      } else {
        const outs = this.runEqn(step.eqn, x.ins.map((k) => (k instanceof Literal ? k : env[k]!)));
        for (let j = 0; j < x.outs.length; j++) env[x.outs[j]!] = outs[j]!;
      }
      for (const k of x.deaths) {
        heap.free(env[k]!);
        env[k] = undefined;
      }
    }
    return exe.outs.map((o) => {
      if (o instanceof Literal) return this.literal(o);
      const b = env[o.slot]!;
      return o.copy ? this.copy(b) : b;
    });
  }

  private literal(l: Literal): WasmBuffer {
    const b = this.heap.allocate(l.aval.dtype, 1);
    this.heap.view(b)[0] = l.val;
    return b;
  }

  /**
   * Runs an equation the compiler did not lower: GEMM for float dot_general, compiled bodies
   * for control flow, else the routine path.
   */
  private runEqn(eqn: JaxprEqn, args: (WasmBuffer | Literal)[]): WasmBuffer[] {
    switch (eqn.primitive.name) {
      case "dot_general": {
        const out = this.tryDot(eqn, args);
        if (out) return [out];
        break;
      }
      case "conv_general_dilated": {
        const out = convGemm(this.heap, (dt) => this.gemm(dt), eqn, args);
        if (out) return [out];
        break;
      }
      case "while":
        return this.runWhile(eqn, args.map((a) => this.materialize(a)));
      case "cond":
        return this.runCond(eqn, args.map((a) => this.materialize(a)));
      case "scan":
        return this.runScan(eqn, args.map((a) => this.materialize(a)));
    }
    return this.routine(eqn, args);
  }

  private materialize(b: WasmBuffer | Literal): WasmBuffer {
    return b instanceof Literal ? this.literal(b) : b;
  }

  private sub(j: ClosedJaxpr): WasmExecutable {
    let e = this.subExes.get(j.jaxpr);
    if (e === undefined) {
      if (j.consts.length > 0) throw new Error("internal: control-flow jaxprs carry their constants as operands");
      e = this.compile(j.jaxpr) as WasmExecutable;
      this.subExes.set(j.jaxpr, e);
    }
    return e;
  }

  private scalar(b: WasmBuffer): number {
    this.heap.use(b);
    return this.heap.view(b)[0]!;
  }

  /** Frees buffers of `olds` not in `keep` and not caller-owned. */
  private dropAll(olds: WasmBuffer[], keep: WasmBuffer[], owned: Set<WasmBuffer>): void {
    for (const b of olds) if (!keep.includes(b) && !owned.has(b)) this.heap.free(b);
  }

  // while: cond and body are compiled once; the carry's buffers are replaced each iteration
  // and the previous ones freed (the initial values belong to the caller).
  private runWhile(eqn: JaxprEqn, args: WasmBuffer[]): WasmBuffer[] {
    const p = eqn.params as { condJaxpr: ClosedJaxpr; bodyJaxpr: ClosedJaxpr; condNconsts: number; bodyNconsts: number };
    const cc = args.slice(0, p.condNconsts);
    const bc = args.slice(p.condNconsts, p.condNconsts + p.bodyNconsts);
    const owned = new Set(args);
    let carry = args.slice(p.condNconsts + p.bodyNconsts);
    const condExe = this.sub(p.condJaxpr);
    const bodyExe = this.sub(p.bodyJaxpr);
    for (;;) {
      const [pred] = this.runPlan(condExe, [...cc, ...carry]);
      const go = this.scalar(pred!);
      this.heap.free(pred!);
      if (!go) break;
      const next = this.runPlan(bodyExe, [...bc, ...carry]);
      this.dropAll(carry, next, owned);
      carry = next;
    }
    return carry.map((b) => (owned.has(b) ? this.copy(b) : b));
  }

  private runCond(eqn: JaxprEqn, args: WasmBuffer[]): WasmBuffer[] {
    const { branches } = eqn.params as { branches: ClosedJaxpr[] };
    const i = Math.min(Math.max(Math.trunc(this.scalar(args[0]!)), 0), branches.length - 1);
    const ops = args.slice(1);
    const owned = new Set(ops);
    return this.runPlan(this.sub(branches[i]!), ops).map((b) => (owned.has(b) ? this.copy(b) : b));
  }

  // scan: each step reads slice i of every xs (copied into a fresh buffer) and writes slice i
  // of every stacked ys output.
  private runScan(eqn: JaxprEqn, args: WasmBuffer[]): WasmBuffer[] {
    const p = eqn.params as { jaxpr: ClosedJaxpr; length: number; reverse: boolean; numConsts: number; numCarry: number };
    const heap = this.heap;
    const consts = args.slice(0, p.numConsts);
    const owned = new Set(args);
    let carry = args.slice(p.numConsts, p.numConsts + p.numCarry);
    const xs = args.slice(p.numConsts + p.numCarry);
    const body = this.sub(p.jaxpr);
    const yAvals = eqn.outBinders.slice(p.numCarry).map((v) => v.aval);
    const ys = yAvals.map((a) => heap.allocate(a.dtype, prod(a.shape)));
    for (let t = 0; t < p.length; t++) {
      const i = p.reverse ? p.length - 1 - t : t;
      const xi = xs.map((x) => {
        const n = x.size / p.length;
        const b = heap.allocate(x.dtype, n);
        const src = heap.use(x) + i * n * (x.bytes / Math.max(1, x.size));
        heap.u8().copyWithin(b.addr, src, src + b.bytes);
        return b;
      });
      const outs = this.runPlan(body, [...consts, ...carry, ...xi]);
      for (const b of xi) if (!outs.includes(b)) heap.free(b);
      const next = outs.slice(0, p.numCarry);
      outs.slice(p.numCarry).forEach((y, k) => {
        const dst = heap.use(ys[k]!) + i * y.bytes;
        const src = heap.use(y);
        heap.u8().copyWithin(dst, src, src + y.bytes);
        if (!next.includes(y)) heap.free(y);
      });
      this.dropAll(carry, next, owned);
      carry = next;
    }
    return [...carry.map((b) => (owned.has(b) ? this.copy(b) : b)), ...ys];
  }

  private copy(b: WasmBuffer): WasmBuffer {
    const heap = this.heap;
    const c = heap.allocate(b.dtype, b.size);
    const src = heap.use(b);
    heap.u8().copyWithin(c.addr, src, src + b.bytes);
    return c;
  }

  /** The explicit routine path: the reference kernel on views of the heap. */
  private routine(eqn: JaxprEqn, bufs: (WasmBuffer | Literal)[]): WasmBuffer[] {
    const heap = this.heap;
    for (const b of bufs) if (b instanceof WasmBuffer) heap.use(b);
    const mem = heap.memory.buffer;
    const ins: HostBuf[] = bufs.map((b, i) => {
      const aval = eqn.inputs[i]!.aval;
      if (b instanceof Literal) {
        const data = viewOf(new ArrayBuffer(8), aval.dtype, 0, 1);
        data[0] = b.val;
        return { data, shape: [], dtype: aval.dtype };
      }
      return { data: viewOf(mem, b.dtype, b.addr, b.size), shape: aval.shape, dtype: aval.dtype };
    });
    const outAvals = eqn.outBinders.map((v) => v.aval);
    const results = eqn.primitive.impl(ins, eqn.params, outAvals);
    return results.map((data, j) => {
      const aval = outAvals[j]!;
      const b = heap.allocate(aval.dtype, prod(aval.shape));
      heap.write(b, data);
      return b;
    });
  }

  /**
   * dot_general on float32/float64 through the GEMM kernel. Operands are viewed as
   * [batch, M, K] and [batch, K, N] (or transposed within each batch entry); an operand whose
   * dims are not in such an order is first copied into that order.
   */
  private tryDot(eqn: JaxprEqn, args: (WasmBuffer | Literal)[]): WasmBuffer | null {
    const [la, ra] = eqn.inputs as [Atom, Atom];
    const outAval = eqn.outBinders[0]!.aval;
    const dt = outAval.dtype;
    if ((dt !== "float32" && dt !== "float64") || la.aval.dtype !== dt || ra.aval.dtype !== dt) return null;
    const [lb0, rb0] = args;
    if (!(lb0 instanceof WasmBuffer) || !(rb0 instanceof WasmBuffer)) return null;
    const [[lc0, rc0], [lbd, rbd]] = eqn.params.dimensionNumbers as DotDims;
    // Pair contracting dims in the lhs's memory order.
    const order = lc0.map((_, i) => i).sort((a, b) => lc0[a]! - lc0[b]!);
    const lc = order.map((i) => lc0[i]!);
    const rc = order.map((i) => rc0[i]!);
    const ls = la.aval.shape;
    const rs = ra.aval.shape;
    const lf = ls.map((_, i) => i).filter((i) => !lc.includes(i) && !lbd.includes(i));
    const rf = rs.map((_, i) => i).filter((i) => !rc.includes(i) && !rbd.includes(i));
    const batch = prod(lbd.map((d) => ls[d]!));
    const M = prod(lf.map((d) => ls[d]!));
    const N = prod(rf.map((d) => rs[d]!));
    const K = prod(lc.map((d) => ls[d]!));
    const heap = this.heap;
    const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
    // Lay an operand out as `perm` unless it already is; returns [buffer, temporary?].
    const layout = (b: WasmBuffer, shape: readonly number[], perm: number[]): [WasmBuffer, boolean] => {
      if (same(perm, perm.map((_, i) => i))) return [b, false];
      const t = heap.allocate(dt, b.size);
      heap.use(b);
      const src = heap.view(b);
      const strides = stridesOf(shape);
      stridedCopy(src, 0, perm.map((p) => strides[p]!), heap.view(t), 0, stridesOf(perm.map((p) => shape[p]!)), perm.map((p) => shape[p]!));
      return [t, true];
    };
    heap.use(lb0);
    heap.use(rb0);
    // An operand is used in place when its dims are in the plain or the transposed order
    // (lhs: [batch, lf, lc] or [batch, lc, lf]; rhs: [batch, rc, rf] or [batch, rf, rc]).
    const identity = (p: number[]) => same(p, p.map((_, i) => i));
    const choose = (plain: number[], transposed: number[]): [number[], boolean] =>
      !identity(plain) && identity(transposed) ? [transposed, true] : [plain, false];
    const [lperm, transA] = choose([...lbd, ...lf, ...lc], [...lbd, ...lc, ...lf]);
    const [rperm, transB] = choose([...rbd, ...rc, ...rf], [...rbd, ...rf, ...rc]);
    const [lb, lt] = layout(lb0, ls, lperm);
    const [rb, rt] = layout(rb0, rs, rperm);
    const out = heap.allocate(dt, prod(outAval.shape));
    const g = this.gemm(dt);
    const wsBytes = g.workspaceBytes();
    const ws = heap.allocBlock(wsBytes, "the matmul workspace");
    try {
      g.run(
        { a: heap.use(lb), b: heap.use(rb), c: out.addr, m: M, n: N, k: K, transA, transB, batch, strideA: M * K, strideB: K * N, strideC: M * N },
        ws,
      );
    } finally {
      heap.freeBlock(ws, Math.ceil(Math.max(1, wsBytes) / 64) * 64);
      if (lt) heap.free(lb);
      if (rt) heap.free(rb);
    }
    return out;
  }
}

/** Default heap limit: a quarter of the machine's memory, between 256 MiB and 2 GiB. */
function defaultHeapLimit(): number {
  const fromConfig = config.read("jaxts_wasm_heap_limit");
  if (fromConfig > 0) return fromConfig;
  const total = totalMemory();
  return Math.min(2 ** 31, Math.max(2 ** 28, Math.floor(total / 4)));
}

let theBackend: WasmBackend | null = null;

/** The process-wide Wasm backend (created on first use). */
export function wasmBackend(): WasmBackend {
  return (theBackend ??= new WasmBackend());
}

config.onChange((name, value) => {
  if (name === "jaxts_wasm_heap_limit" && theBackend) theBackend.heap.limit = (value as number) > 0 ? (value as number) : defaultHeapLimit();
});
