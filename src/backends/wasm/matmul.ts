// Matrix multiply on the Wasm backend: C = op(A)·op(B) (+ C), f32 and f64, optionally
// batched, split across the threads of a WasmPool.
//
// Two levels:
// - GemmKernel: runs on buffers already in the pool's memory (byte addresses), for the
//   backend to call on its own arrays. It compiles the generated module once per
//   configuration (see gemm_codegen.ts) and splits a call across threads by batch, by
//   rows (M ≥ N) or by column panels; each thread runs the full blocked algorithm on its
//   slice with its own packing workspace.
// - matmulF32 / matmulF64: plain functions on typed arrays that copy the operands into a
//   lazily created default context (shared memory + pool) and the product back out.

import { wasmFeatures } from "./features.js";
import {
  buildGemmModule,
  defaultGemmConfig,
  gemmWorkspaceBytes,
  GEMM_ACCUMULATE,
  GEMM_MAX_PAGES,
  GEMM_TRANS_A,
  GEMM_TRANS_B,
  type GemmConfig,
  type GemmDtype,
} from "./gemm_codegen.js";
import { WasmPool, defaultNumThreads, type PoolCall, type PoolFunction } from "./pool.js";

export type { GemmConfig, GemmDtype } from "./gemm_codegen.js";

/** One (batched) gemm on buffers in the pool's memory. */
export interface GemmArgs {
  /** Byte address of A: m×k row-major, or k×m when transA. */
  a: number;
  /** Byte address of B: k×n row-major, or n×k when transB. */
  b: number;
  /** Byte address of C: m×n row-major. */
  c: number;
  m: number;
  n: number;
  k: number;
  /** Leading dimensions in elements (defaults: dense). */
  lda?: number;
  ldb?: number;
  ldc?: number;
  transA?: boolean;
  transB?: boolean;
  /** C += op(A)·op(B) instead of C = op(A)·op(B). */
  accumulate?: boolean;
  /** Number of independent products (default 1), operands advanced by the strides. */
  batch?: number;
  /** Element strides between batch entries (defaults: dense). */
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** Use at most this many threads of the pool. */
  maxThreads?: number;
}

export interface GemmKernelOptions {
  dtype: GemmDtype;
  /** Overrides of the tuned blocking (for experiments and tests). */
  config?: Partial<Omit<GemmConfig, "dtype" | "shared">>;
  /** Below this many flops a call runs on one thread (dispatch costs a few µs). */
  parallelMinFlops?: number;
}

const DEFAULT_PARALLEL_MIN_FLOPS = 4e6;

const compiled = new Map<string, WebAssembly.Module>();

function compileGemm(cfg: GemmConfig): WebAssembly.Module {
  const key = JSON.stringify(cfg);
  let mod = compiled.get(key);
  if (!mod) {
    mod = new WebAssembly.Module(buildGemmModule(cfg));
    compiled.set(key, mod);
  }
  return mod;
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

function checkDim(name: string, x: number): void {
  if (!Number.isInteger(x) || x < 0 || x > 0x7fffffff) throw new RangeError(`gemm: ${name} must be a non-negative integer, got ${x}`);
}

export class GemmKernel {
  readonly pool: WasmPool;
  readonly config: GemmConfig;
  /** Bytes of one element. */
  readonly itemsize: number;
  private readonly fn: PoolFunction;
  private readonly parallelMinFlops: number;

  constructor(pool: WasmPool, options: GemmKernelOptions) {
    const feats = wasmFeatures();
    if (!feats.simd) throw new Error("the Wasm backend needs WebAssembly SIMD, which this runtime lacks");
    const shared = typeof SharedArrayBuffer !== "undefined" && pool.memory.buffer instanceof SharedArrayBuffer;
    const base = defaultGemmConfig(options.dtype, options.config?.relaxed ?? feats.relaxedSimd, shared);
    this.config = { ...base, ...options.config, dtype: options.dtype, shared };
    if (this.config.relaxed && !feats.relaxedSimd) throw new Error("relaxed SIMD requested but not available");
    this.pool = pool;
    this.itemsize = options.dtype === "f32" ? 4 : 8;
    this.fn = pool.load(compileGemm(this.config)).fn("gemm_batch");
    this.parallelMinFlops = options.parallelMinFlops ?? DEFAULT_PARALLEL_MIN_FLOPS;
  }

  /** Workspace bytes one thread needs. */
  get workspaceBytesPerThread(): number {
    return roundUp(gemmWorkspaceBytes(this.config), 64);
  }

  /** Workspace bytes `run` needs (one slice per pool thread), to be 64-byte aligned. */
  workspaceBytes(): number {
    return this.workspaceBytesPerThread * this.pool.numThreads;
  }

  /** Runs C = op(A)·op(B) (+ C) with `work` pointing at workspaceBytes() of scratch. */
  run(g: GemmArgs, work: number): void {
    const E = this.itemsize;
    const { m, n, k, transA = false, transB = false, accumulate = false } = g;
    const batch = g.batch ?? 1;
    for (const [name, x] of [["m", m], ["n", n], ["k", k], ["batch", batch]] as const) checkDim(name, x);
    const lda = g.lda ?? (transA ? m : k);
    const ldb = g.ldb ?? (transB ? k : n);
    const ldc = g.ldc ?? n;
    const sa = g.strideA ?? m * k;
    const sb = g.strideB ?? k * n;
    const sc = g.strideC ?? m * n;
    if (lda < (transA ? m : k) || ldb < (transB ? k : n) || ldc < n) {
      throw new RangeError(`gemm: leading dimensions (${lda}, ${ldb}, ${ldc}) too small for m=${m} n=${n} k=${k}`);
    }
    if (m === 0 || n === 0 || batch === 0) return;
    const size = this.pool.memory.buffer.byteLength;
    const extent = (p: number, rows: number, ld: number, cols: number, stride: number) =>
      p + ((batch - 1) * stride + (rows - 1) * ld + cols) * E;
    const inBounds = (p: number, rows: number, ld: number, cols: number, stride: number) =>
      Number.isInteger(p) && p >= 0 && (rows === 0 || cols === 0 || extent(p, rows, ld, cols, stride) <= size);
    if (
      !inBounds(g.a, transA ? k : m, lda, transA ? m : k, sa) ||
      !inBounds(g.b, transB ? n : k, ldb, transB ? k : n, sb) ||
      !inBounds(g.c, m, ldc, n, sc) ||
      !inBounds(work, 1, 0, this.workspaceBytes() / E, 0)
    ) {
      throw new RangeError(`gemm: operands outside the ${size}-byte memory`);
    }
    if (k === 0) {
      if (!accumulate) this.zero(g.c, m, n, ldc, batch, sc);
      return;
    }

    const flags = (transA ? GEMM_TRANS_A : 0) | (transB ? GEMM_TRANS_B : 0) | (accumulate ? GEMM_ACCUMULATE : 0);
    let T = Math.min(this.pool.numThreads, g.maxThreads ?? Infinity);
    if (2 * m * n * k * batch < this.parallelMinFlops) T = 1;
    const ws = this.workspaceBytesPerThread;
    const calls: PoolCall[] = [];
    const call = (t: number, a: number, b: number, c: number, mt: number, nt: number, bt: number) =>
      calls.push({ fn: this.fn, args: [a, b, c, mt, nt, k, lda, ldb, ldc, flags, work + t * ws, bt, sa, sb, sc] });

    if (T > 1 && batch >= T && (batch % T === 0 || batch >= 4 * T)) {
      const per = Math.ceil(batch / T);
      for (let t = 0, b0 = 0; b0 < batch; t++, b0 += per) {
        call(t, g.a + b0 * sa * E, g.b + b0 * sb * E, g.c + b0 * sc * E, m, n, Math.min(per, batch - b0));
      }
    } else if (T > 1 && m >= n) {
      const chunk = roundUp(Math.ceil(m / T), this.config.mr);
      for (let t = 0, i0 = 0; i0 < m; t++, i0 += chunk) {
        const aOff = (transA ? i0 : i0 * lda) * E;
        call(t, g.a + aOff, g.b, g.c + i0 * ldc * E, Math.min(chunk, m - i0), n, batch);
      }
    } else if (T > 1) {
      const chunk = roundUp(Math.ceil(n / T), this.config.nr);
      for (let t = 0, j0 = 0; j0 < n; t++, j0 += chunk) {
        const bOff = (transB ? j0 * ldb : j0) * E;
        call(t, g.a, g.b + bOff, g.c + j0 * E, m, Math.min(chunk, n - j0), batch);
      }
    } else {
      call(0, g.a, g.b, g.c, m, n, batch);
    }
    this.pool.run(calls);
  }

  private zero(c: number, m: number, n: number, ldc: number, batch: number, sc: number): void {
    const view = this.itemsize === 4 ? new Float32Array(this.pool.memory.buffer) : new Float64Array(this.pool.memory.buffer);
    const base = c / this.itemsize;
    for (let q = 0; q < batch; q++) {
      for (let i = 0; i < m; i++) view.fill(0, base + q * sc + i * ldc, base + q * sc + i * ldc + n);
    }
  }
}

// ---------------------------------------------------------------------------------------
// Plain typed-array API over a default context.

export interface MatmulOptions {
  /** `a` holds A transposed (k×m row-major). */
  transA?: boolean;
  /** `b` holds B transposed (n×k row-major). */
  transB?: boolean;
  /** Use at most this many threads of the default pool. */
  numThreads?: number;
}

const PAGE = 65536;
const GUARD = 1024;

/** A shared memory, a pool over it, gemm kernels and a growable scratch region. */
export class MatmulContext {
  readonly memory: WebAssembly.Memory;
  readonly pool: WasmPool;
  private readonly kernels: Partial<Record<GemmDtype, GemmKernel>> = {};
  private readonly work: number;
  private readonly data: number;

  constructor(numThreads = defaultNumThreads()) {
    const shared = wasmFeatures().threads;
    const relaxed = wasmFeatures().relaxedSimd;
    const perThread = Math.max(
      gemmWorkspaceBytes(defaultGemmConfig("f32", relaxed, shared)),
      gemmWorkspaceBytes(defaultGemmConfig("f64", relaxed, shared)),
    );
    const threads = shared ? numThreads : 1;
    this.work = GUARD;
    this.data = roundUp(this.work + roundUp(perThread, 64) * threads, 64);
    const initial = Math.ceil(this.data / PAGE) + 1;
    this.memory = shared
      ? new WebAssembly.Memory({ initial, maximum: GEMM_MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial });
    this.pool = new WasmPool(this.memory, { numThreads: threads });
  }

  kernel(dtype: GemmDtype): GemmKernel {
    return (this.kernels[dtype] ??= new GemmKernel(this.pool, { dtype }));
  }

  /** Byte address of a scratch region of at least `bytes`, growing memory as needed. */
  scratch(bytes: number): number {
    const need = this.data + bytes;
    const have = this.memory.buffer.byteLength;
    if (need > have) {
      const pages = Math.ceil((need - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new RangeError(`matmul: cannot grow Wasm memory to ${need} bytes`);
      }
    }
    return this.data;
  }

  matmul<T extends Float32Array | Float64Array>(
    dtype: GemmDtype,
    a: T,
    b: T,
    m: number,
    k: number,
    n: number,
    opts: MatmulOptions = {},
  ): T {
    for (const [name, x] of [["m", m], ["k", k], ["n", n]] as const) checkDim(name, x);
    if (a.length !== m * k) throw new RangeError(`matmul: a has ${a.length} elements, expected ${m}×${k}`);
    if (b.length !== k * n) throw new RangeError(`matmul: b has ${b.length} elements, expected ${k}×${n}`);
    const kern = this.kernel(dtype);
    const E = kern.itemsize;
    const aBytes = roundUp(m * k * E, 64);
    const bBytes = roundUp(k * n * E, 64);
    const base = this.scratch(aBytes + bBytes + m * n * E);
    const Ctor = (dtype === "f32" ? Float32Array : Float64Array) as unknown as new (buf: ArrayBufferLike, off: number, len: number) => T;
    const buf = this.memory.buffer;
    new Ctor(buf, base, m * k).set(a);
    new Ctor(buf, base + aBytes, k * n).set(b);
    const c = base + aBytes + bBytes;
    kern.run(
      { a: base, b: base + aBytes, c, m, n, k, transA: opts.transA, transB: opts.transB, maxThreads: opts.numThreads },
      this.work,
    );
    return new Ctor(this.memory.buffer, c, m * n).slice() as T;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

let defaultContext: MatmulContext | undefined;

/** The lazily created context behind matmulF32/matmulF64. */
export function defaultMatmulContext(): MatmulContext {
  return (defaultContext ??= new MatmulContext());
}

/** Stops the default context's workers (a later call creates a fresh context). */
export async function closeDefaultMatmulContext(): Promise<void> {
  const ctx = defaultContext;
  defaultContext = undefined;
  await ctx?.close();
}

/** C = op(A)·op(B) for f32 row-major arrays; returns a new m×n array. */
export function matmulF32(a: Float32Array, b: Float32Array, m: number, k: number, n: number, opts?: MatmulOptions): Float32Array {
  return defaultMatmulContext().matmul("f32", a, b, m, k, n, opts);
}

/** C = op(A)·op(B) for f64 row-major arrays; returns a new m×n array. */
export function matmulF64(a: Float64Array, b: Float64Array, m: number, k: number, n: number, opts?: MatmulOptions): Float64Array {
  return defaultMatmulContext().matmul("f64", a, b, m, k, n, opts);
}
