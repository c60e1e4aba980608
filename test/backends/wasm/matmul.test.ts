// The generated gemm against a naive JS matmul: odd sizes that exercise every tail,
// transposed operands, accumulation, padded leading dimensions, batches, f32 and f64,
// on one thread and split across a pool.

import { afterAll, describe, expect, it } from "vitest";
import {
  GemmKernel,
  MatmulContext,
  closeDefaultMatmulContext,
  matmulF32,
  matmulF64,
} from "../../../src/backends/wasm/matmul.js";
import { WasmPool } from "../../../src/backends/wasm/pool.js";

// Small deterministic generator so failures reproduce.
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
}

/** C = op(A)·op(B) (+ C0) in f64, op given by the transposition flags. */
function naive(a: ArrayLike<number>, b: ArrayLike<number>, m: number, k: number, n: number, tA: boolean, tB: boolean): Float64Array {
  const c = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const av = tA ? a[p * m + i]! : a[i * k + p]!;
      for (let j = 0; j < n; j++) c[i * n + j]! += av * (tB ? b[j * k + p]! : b[p * n + j]!);
    }
  }
  return c;
}

function maxRelErr(got: ArrayLike<number>, want: ArrayLike<number>, k: number): number {
  let e = 0;
  for (let i = 0; i < want.length; i++) e = Math.max(e, Math.abs(got[i]! - want[i]!) / Math.sqrt(Math.max(k, 1)));
  return e;
}

const SIZES: [number, number, number][] = [
  [1, 1, 1], [7, 13, 5], [65, 33, 17], [128, 128, 128], [3, 300, 2], [37, 1, 29], [13, 517, 9], [6, 8, 8],
];
const TRANS: [boolean, boolean][] = [[false, false], [true, false], [false, true], [true, true]];

for (const threads of [1, 2]) {
  describe(`GemmKernel on ${threads} thread(s)`, () => {
    const memory = threads > 1
      ? new WebAssembly.Memory({ initial: 256, maximum: 65536, shared: true })
      : new WebAssembly.Memory({ initial: 256 });
    const pool = new WasmPool(memory, { numThreads: threads });
    afterAll(() => pool.close());
    const kernels = {
      f32: new GemmKernel(pool, { dtype: "f32", parallelMinFlops: 0 }),
      f64: new GemmKernel(pool, { dtype: "f64", parallelMinFlops: 0 }),
    };
    const work = 1024;
    const dataBase = work + Math.max(kernels.f32.workspaceBytes(), kernels.f64.workspaceBytes());

    for (const dtype of ["f32", "f64"] as const) {
      type Arr = Float32Array | Float64Array;
      const Arr = {
        /** A view of `len` elements at byte offset `off` of the pool's memory. */
        at: (off: number, len: number): Arr =>
          dtype === "f32" ? new Float32Array(memory.buffer, off, len) : new Float64Array(memory.buffer, off, len),
        random: (len: number, next: () => number): Arr =>
          dtype === "f32" ? Float32Array.from({ length: len }, next) : Float64Array.from({ length: len }, next),
      };
      const tol = dtype === "f32" ? 1e-5 : 1e-13;
      const kern = kernels[dtype];
      const E = kern.itemsize;

      it(`${dtype}: matches a naive matmul on odd sizes, all transpositions`, () => {
        const next = rng(1);
        for (const [m, k, n] of SIZES) {
          for (const [tA, tB] of TRANS) {
            const a = Arr.random(m * k, next);
            const b = Arr.random(k * n, next);
            const aP = dataBase, bP = aP + m * k * E + 64, cP = bP + k * n * E + 64;
            Arr.at(aP, m * k).set(a);
            Arr.at(bP, k * n).set(b);
            Arr.at(cP, m * n).fill(NaN); // must be overwritten, not added to
            kern.run({ a: aP, b: bP, c: cP, m, n, k, transA: tA, transB: tB }, work);
            const got = Arr.at(cP, m * n);
            const err = maxRelErr(got, naive(a, b, m, k, n, tA, tB), k);
            expect(err, `${m}x${k}x${n} transA=${tA} transB=${tB}`).toBeLessThan(tol);
          }
        }
      });

      it(`${dtype}: accumulates into strided C, batched, with K = 0`, () => {
        const next = rng(2);
        const [m, k, n, batch, ldc] = [19, 23, 11, 3, 16];
        const a = Arr.random(batch * m * k, next);
        const b = Arr.random(k * n, next); // shared by every batch entry (stride 0)
        const c0 = Arr.random(batch * m * ldc, next);
        const aP = dataBase, bP = aP + a.length * E + 64, cP = bP + b.length * E + 64;
        Arr.at(aP, a.length).set(a);
        Arr.at(bP, b.length).set(b);
        Arr.at(cP, c0.length).set(c0);
        kern.run({ a: aP, b: bP, c: cP, m, n, k, ldc, accumulate: true, batch, strideB: 0, strideC: m * ldc }, work);
        const got = Arr.at(cP, c0.length);
        for (let q = 0; q < batch; q++) {
          const want = naive(a.subarray(q * m * k, (q + 1) * m * k), b, m, k, n, false, false);
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < ldc; j++) {
              const at = q * m * ldc + i * ldc + j;
              const expected = j < n ? c0[at]! + want[i * n + j]! : c0[at]!; // padding untouched
              expect(Math.abs(got[at]! - expected)).toBeLessThan(tol * 10);
            }
          }
        }
        kern.run({ a: aP, b: bP, c: cP, m, n, k: 0 }, work);
        expect(Array.from(Arr.at(cP, m * n)).every((x) => x === 0)).toBe(true);
      });
    }

    it("splits batches across threads", () => {
      const next = rng(3);
      const [m, k, n, batch] = [9, 17, 10, 6];
      const a = Float32Array.from({ length: batch * m * k }, next);
      const b = Float32Array.from({ length: batch * k * n }, next);
      const aP = dataBase, bP = aP + a.length * 4 + 64, cP = bP + b.length * 4 + 64;
      new Float32Array(memory.buffer, aP, a.length).set(a);
      new Float32Array(memory.buffer, bP, b.length).set(b);
      kernels.f32.run({ a: aP, b: bP, c: cP, m, n, k, batch, transB: true }, work);
      const got = new Float32Array(memory.buffer, cP, batch * m * n);
      for (let q = 0; q < batch; q++) {
        const want = naive(a.subarray(q * m * k), b.subarray(q * k * n), m, k, n, false, true);
        expect(maxRelErr(got.subarray(q * m * n, (q + 1) * m * n), want, k)).toBeLessThan(1e-5);
      }
    });

    it("is right with tiny blocking, other tiles and an unrolled k loop", () => {
      // kc, mc and nc far below the sizes, so every blocking loop runs several times
      const configs = [
        { mr: 3, nr: 12, kc: 16, mc: 7, nc: 20, unroll: 4 },
        { mr: 1, nr: 4, kc: 5, mc: 1, nc: 4, unroll: 2, relaxed: false },
      ];
      const next = rng(5);
      for (const config of configs) {
        const kern = new GemmKernel(pool, { dtype: "f32", config, parallelMinFlops: 0 });
        const w = dataBase; // this kernel's workspace is small; operands go after it
        const data = w + kern.workspaceBytes() + 64;
        for (const [m, k, n] of [[37, 41, 43], [5, 3, 50]] as const) {
          for (const [tA, tB] of TRANS) {
            const a = Float32Array.from({ length: m * k }, next);
            const b = Float32Array.from({ length: k * n }, next);
            const aP = data, bP = aP + m * k * 4 + 64, cP = bP + k * n * 4 + 64;
            new Float32Array(memory.buffer, aP, m * k).set(a);
            new Float32Array(memory.buffer, bP, k * n).set(b);
            kern.run({ a: aP, b: bP, c: cP, m, n, k, transA: tA, transB: tB }, w);
            const err = maxRelErr(new Float32Array(memory.buffer, cP, m * n), naive(a, b, m, k, n, tA, tB), k);
            expect(err, `${JSON.stringify(config)} ${m}x${k}x${n} ${tA} ${tB}`).toBeLessThan(1e-5);
          }
        }
      }
    });

    it("rejects out-of-bounds operands and bad sizes", () => {
      const size = memory.buffer.byteLength;
      expect(() => kernels.f32.run({ a: size - 16, b: 0, c: 0, m: 4, n: 4, k: 4 }, work)).toThrow(/outside/);
      expect(() => kernels.f32.run({ a: 0, b: 0, c: 0, m: -1, n: 4, k: 4 }, work)).toThrow(/non-negative integer/);
      expect(() => kernels.f32.run({ a: 0, b: 0, c: 0, m: 4, n: 4, k: 4, lda: 2 }, work)).toThrow(/leading dimensions/);
    });
  });
}

describe("matmulF32 / matmulF64", () => {
  afterAll(() => closeDefaultMatmulContext());

  it("multiply typed arrays, single and multi-threaded, transposed or not", () => {
    const next = rng(4);
    for (const [m, k, n] of [[65, 33, 17], [128, 128, 128], [130, 70, 200]] as const) {
      for (const [tA, tB] of TRANS) {
        const a32 = Float32Array.from({ length: m * k }, next);
        const b32 = Float32Array.from({ length: k * n }, next);
        const want = naive(a32, b32, m, k, n, tA, tB);
        for (const numThreads of [1, 2]) {
          const c = matmulF32(a32, b32, m, k, n, { transA: tA, transB: tB, numThreads });
          expect(c).toBeInstanceOf(Float32Array);
          expect(maxRelErr(c, want, k)).toBeLessThan(1e-5);
        }
        const c64 = matmulF64(Float64Array.from(a32), Float64Array.from(b32), m, k, n, { transA: tA, transB: tB });
        expect(maxRelErr(c64, want, k)).toBeLessThan(1e-13);
      }
    }
  });

  it("checks operand lengths", () => {
    expect(() => matmulF32(new Float32Array(5), new Float32Array(6), 2, 3, 2)).toThrow(/a has 5 elements, expected 2×3/);
  });

  it("grows its memory for large operands", async () => {
    const ctx = new MatmulContext(1);
    const n = 700; // three 700×700 f64 operands need more than the initial memory
    const before = ctx.memory.buffer.byteLength;
    const a = new Float64Array(n * n).fill(1);
    const c = ctx.matmul("f64", a, a, n, n, n);
    expect(ctx.memory.buffer.byteLength).toBeGreaterThan(before);
    expect(c[0]).toBe(n);
    expect(c[n * n - 1]).toBe(n);
    await ctx.close();
  });
});
