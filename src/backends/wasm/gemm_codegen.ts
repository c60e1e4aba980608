// Generates the Wasm module for dense matrix multiply C = op(A)·op(B) (+ C), f32 or f64,
// in the style of BLIS/GotoBLAS:
//
//   for jc in N by NC:                    B block  kc×nc  packed once per (jc, pc)
//     for pc in K by KC:
//       pack B[pc:pc+kc, jc:jc+nc] into NR-wide panels (k-major, zero padded)
//       for ic in M by MC:                A block  mc×kc  packed into MR-tall panels (L2)
//         pack A[ic:ic+mc, pc:pc+kc]
//         for jr in nc by NR:             one B micro-panel (kc×NR) stays in L1
//           for ir in mc by MR:           micro-kernel: MR×NR tile of C in registers
//
// The micro-kernel keeps MR × (NR/lanes) v128 accumulators; per k it loads NR/lanes
// vectors of B and broadcasts MR scalars of A (v128.loadN_splat), then multiply-adds
// (relaxed_madd where the runtime has it, else mul + add). Edge tiles (M or N not a
// multiple of the tile) run the same kernel into a scratch tile, then copy the valid part.
//
// Operands are described by byte strides, so a transposed operand (as reverse mode
// produces) costs only a different packing loop: op(A)(i,k) = A + i*si + k*sk.
//
// Exported functions (all i32):
//   gemm(a, b, c, m, n, k, lda, ldb, ldc, flags, work)
//   gemm_batch(a, b, c, m, n, k, lda, ldb, ldc, flags, work, batch, strideA, strideB, strideC)
//     flags: 1 = A transposed (A stored k×m), 2 = B transposed (B stored n×k),
//            4 = accumulate (C += A·B instead of C = A·B)
//     work:  per-call scratch of gemmWorkspaceBytes(config) bytes, 64-byte aligned.
// Leading dimensions and strides are in elements; pointers are byte addresses in the
// imported memory. K = 0 leaves C untouched (the caller zeroes it if it wants A·B).

import { ModuleBuilder, type FunctionBuilder, type Local, type MemOp, type PlainOp } from "./builder.js";

export type GemmDtype = "f32" | "f64";

export interface GemmConfig {
  dtype: GemmDtype;
  /** Micro-tile rows. */
  mr: number;
  /** Micro-tile columns (a multiple of the SIMD lane count). */
  nr: number;
  /** Depth of a packed block. */
  kc: number;
  /** Rows of a packed A block (rounded up to a multiple of mr). */
  mc: number;
  /** Columns of a packed B block (rounded up to a multiple of nr). */
  nc: number;
  /** Unroll factor of the micro-kernel's k loop (a power of two). */
  unroll: number;
  /** Use relaxed-SIMD fused multiply-add (caller must have probed it). */
  relaxed: boolean;
  /** Import the memory as shared (for the worker pool). */
  shared: boolean;
}

export const GEMM_TRANS_A = 1;
export const GEMM_TRANS_B = 2;
export const GEMM_ACCUMULATE = 4;

/** Pages a gemm module's memory import accepts at most (4 GiB, the wasm32 limit). */
export const GEMM_MAX_PAGES = 65536;

/**
 * Tuned on a Zen3 core under Node 20 (V8 11.3). The tile is as large as the 15 usable xmm
 * registers allow: with fused multiply-add, 6×8 f32 (12 accumulators + 2 B vectors + the
 * broadcast A); without it a product temporary is live too, and 4×8 wins. Unrolling the k
 * loop makes TurboFan hoist the next step's loads and spill, so it is off (measured 25 vs
 * 53 GFLOP/s for 6×8). Cache blocking barely matters at this speed (kc 128..512 and
 * mc 48..288 all within noise).
 */
export function defaultGemmConfig(dtype: GemmDtype, relaxed: boolean, shared: boolean): GemmConfig {
  const mr = relaxed ? 6 : 4;
  return dtype === "f32"
    ? { dtype, mr, nr: 8, kc: 256, mc: 96, nc: 2048, unroll: 1, relaxed, shared }
    : { dtype, mr, nr: 4, kc: 256, mc: 96, nc: 1024, unroll: 1, relaxed, shared };
}

const roundUp = (x: number, m: number) => Math.ceil(x / m) * m;

interface Layout {
  packA: number;
  packB: number;
  tile: number;
  total: number;
}

function layout(cfg: GemmConfig): Layout {
  const E = cfg.dtype === "f32" ? 4 : 8;
  const packABytes = roundUp(roundUp(cfg.mc, cfg.mr) * cfg.kc * E, 64);
  const packBBytes = roundUp(roundUp(cfg.nc, cfg.nr) * cfg.kc * E, 64);
  const tileBytes = roundUp(cfg.mr * cfg.nr * E, 64);
  return { packA: 0, packB: packABytes, tile: packABytes + packBBytes, total: packABytes + packBBytes + tileBytes };
}

/** Bytes of scratch one gemm call (one thread) needs. */
export function gemmWorkspaceBytes(cfg: GemmConfig): number {
  return layout(cfg).total;
}

function checkConfig(cfg: GemmConfig): void {
  const lanes = cfg.dtype === "f32" ? 4 : 2;
  const ok =
    Number.isInteger(cfg.mr) && cfg.mr >= 1 &&
    Number.isInteger(cfg.nr) && cfg.nr >= lanes && cfg.nr % lanes === 0 &&
    Number.isInteger(cfg.kc) && cfg.kc >= 1 &&
    Number.isInteger(cfg.mc) && cfg.mc >= 1 &&
    Number.isInteger(cfg.nc) && cfg.nc >= 1 &&
    Number.isInteger(cfg.unroll) && cfg.unroll >= 1 && (cfg.unroll & (cfg.unroll - 1)) === 0;
  if (!ok) throw new Error(`invalid gemm config ${JSON.stringify(cfg)}`);
}

/** Emits a copy of `bytes` bytes from [src+srcOff] to [dst+dstOff] in 16/8/4-byte moves. */
function copyBytes(f: FunctionBuilder, dst: Local, dstOff: number, src: Local, srcOff: number, bytes: number): void {
  let o = 0;
  for (const [size, load, store] of [
    [16, "v128.load", "v128.store"],
    [8, "i64.load", "i64.store"],
    [4, "i32.load", "i32.store"],
  ] as [number, MemOp, MemOp][]) {
    while (bytes - o >= size) {
      f.store(store, dst, () => f.load(load, src, srcOff + o, 0), dstOff + o, 0);
      o += size;
    }
  }
}

export function buildGemmModule(cfg: GemmConfig): Uint8Array<ArrayBuffer> {
  checkConfig(cfg);
  const { mr: MR, nr: NR, unroll: U } = cfg;
  const f32 = cfg.dtype === "f32";
  const E = f32 ? 4 : 8;
  const L = 16 / E;
  const NV = NR / L;
  const MC = roundUp(cfg.mc, MR);
  const NC = roundUp(cfg.nc, NR);
  const KC = cfg.kc;
  const lay = layout(cfg);
  const vadd: PlainOp = f32 ? "f32x4.add" : "f64x2.add";
  const vmul: PlainOp = f32 ? "f32x4.mul" : "f64x2.mul";
  const vmadd: PlainOp = f32 ? "f32x4.relaxed_madd" : "f64x2.relaxed_madd";
  const splat: MemOp = f32 ? "v128.load32_splat" : "v128.load64_splat";
  const sload: MemOp = f32 ? "f32.load" : "f64.load";
  const sstore: MemOp = f32 ? "f32.store" : "f64.store";
  const sadd: PlainOp = f32 ? "f32.add" : "f64.add";
  const iload: MemOp = f32 ? "i32.load" : "i64.load";
  const istore: MemOp = f32 ? "i32.store" : "i64.store";

  const m = new ModuleBuilder();
  m.importMemory(cfg.shared ? { initial: 1, maximum: GEMM_MAX_PAGES, shared: true } : { initial: 1 });

  // micro(a, b, c, ldcBytes, kc, mode): C[0:MR, 0:NR] (= | +=) Apanel · Bpanel.
  const micro = m.function(
    "micro",
    { a: "i32", b: "i32", c: "i32", ldc: "i32", kc: "i32", mode: "i32" },
    [],
    (f, { a, b, c, ldc, kc, mode }) => {
      const acc = Array.from({ length: MR }, (_, r) => Array.from({ length: NV }, (_, v) => f.local(`acc${r}_${v}`, "v128")));
      const bv = Array.from({ length: NV }, (_, v) => f.local(`b${v}`, "v128"));
      const av = f.local("av", "v128");
      const kk = f.local("kk", "i32");
      const step = (u: number) => {
        for (let v = 0; v < NV; v++) f.set(bv[v]!, () => f.load("v128.load", b, (u * NR + v * L) * E));
        for (let r = 0; r < MR; r++) {
          f.set(av, () => f.load(splat, a, (u * MR + r) * E));
          for (let v = 0; v < NV; v++) {
            const x = acc[r]![v]!;
            if (cfg.relaxed) f.set(x, () => f.op(vmadd, av, bv[v]!, x));
            else f.set(x, () => f.op(vadd, () => f.op(vmul, av, bv[v]!), x));
          }
        }
      };
      const kloop = (unroll: number) =>
        f.loop((top) => {
          for (let u = 0; u < unroll; u++) step(u);
          f.set(a, () => f.op("i32.add", a, unroll * MR * E));
          f.set(b, () => f.op("i32.add", b, unroll * NR * E));
          f.brIf(top, () => f.tee(kk, () => f.op("i32.sub", kk, 1)));
        });
      if (U > 1) {
        f.set(kk, () => f.op("i32.shr_u", kc, Math.log2(U)));
        f.if(kk, () => kloop(U));
        f.set(kk, () => f.op("i32.and", kc, U - 1));
      } else {
        f.set(kk, kc);
      }
      f.if(kk, () => kloop(1));
      const storeRows = (accumulate: boolean) => {
        for (let r = 0; r < MR; r++) {
          for (let v = 0; v < NV; v++) {
            const x = acc[r]![v]!;
            f.store("v128.store", c, accumulate ? () => f.op(vadd, () => f.load("v128.load", c, v * 16, 0), x) : x, v * 16, 0);
          }
          if (r + 1 < MR) f.set(c, () => f.op("i32.add", c, ldc));
        }
      };
      f.if(mode, () => storeRows(true), () => storeRows(false));
    },
  );

  // edge(tile, c, ldcBytes, mr, nr, mode): copies the valid mr×nr corner of a scratch tile.
  const edge = m.function(
    "edge",
    { t: "i32", c: "i32", ldc: "i32", mr: "i32", nr: "i32", mode: "i32" },
    [],
    (f, { t, c, ldc, mr, nr, mode }) => {
      const r = f.local("r", "i32");
      const j = f.local("j", "i32");
      const p = f.local("p", "i32");
      f.forRange(r, 0, mr, 1, () => {
        f.forRange(j, 0, nr, 1, () => {
          f.set(p, () => f.op("i32.add", c, () => f.op("i32.mul", j, E)));
          const val = () => f.load(sload, () => f.op("i32.add", t, () => f.op("i32.mul", j, E)));
          f.store(sstore, p, () => f.if(mode, () => f.op(sadd, () => f.load(sload, p), val), val, cfg.dtype));
        });
        f.set(c, () => f.op("i32.add", c, ldc));
        f.set(t, () => f.op("i32.add", t, NR * E));
      });
    },
  );

  // pack_W(src, sk, sw, kc, n, dst): panels of W along the "w" dimension, k-major inside a
  // panel: dst[p][k][w] = X(k, p*W + w), zero beyond n. X(k, w) = src + k*sk + w*sw.
  const genPack = (name: string, W: number) =>
    m.function(
      name,
      { src: "i32", sk: "i32", sw: "i32", kc: "i32", n: "i32", dst: "i32" },
      [],
      (f, { src, sk, sw, kc, n, dst }) => {
        const j = f.local("j", "i32");
        const k = f.local("k", "i32");
        const w = f.local("w", "i32");
        const cnt = f.local("cnt", "i32");
        const p = f.local("p", "i32");
        const q = f.local("q", "i32");
        const d = f.local("d", "i32");
        f.forRange(j, 0, n, W, () => {
          f.set(cnt, () => f.op("i32.sub", n, j));
          // p = start of this panel in the source
          f.set(p, () => f.op("i32.add", src, () => f.op("i32.mul", j, sw)));
          f.if(
            () => f.op("i32.and", () => f.op("i32.ge_s", cnt, W), () => f.op("i32.eq", sw, E)),
            () => {
              // contiguous along w: copy W elements per k
              f.forRange(k, 0, kc, 1, () => {
                copyBytes(f, dst, 0, p, 0, W * E);
                f.set(p, () => f.op("i32.add", p, sk));
                f.set(dst, () => f.op("i32.add", dst, W * E));
              });
            },
            () =>
              f.if(
                () => f.op("i32.and", () => f.op("i32.ge_s", cnt, W), () => f.op("i32.eq", sk, E)),
                () => {
                  // contiguous along k: each w is a contiguous source run, strided store
                  f.forRange(w, 0, W, 1, () => {
                    f.set(q, () => f.op("i32.add", p, () => f.op("i32.mul", w, sw)));
                    f.set(d, () => f.op("i32.add", dst, () => f.op("i32.mul", w, E)));
                    f.forRange(k, 0, kc, 1, () => {
                      f.store(istore, d, () => f.load(iload, q));
                      f.set(q, () => f.op("i32.add", q, E));
                      f.set(d, () => f.op("i32.add", d, W * E));
                    });
                  });
                  f.set(dst, () => f.op("i32.add", dst, () => f.op("i32.mul", kc, W * E)));
                },
                () => {
                  // general or partial panel: element by element. The padding only feeds
                  // tile rows/columns that edge() discards; zeroing it keeps stale bytes
                  // (denormals, NaN) from slowing the multiply-adds down.
                  f.set(cnt, () => f.op("select", cnt, W, () => f.op("i32.lt_s", cnt, W)));
                  f.forRange(k, 0, kc, 1, () => {
                    f.set(q, p);
                    f.forRange(w, 0, cnt, 1, () => {
                      f.store(istore, () => f.op("i32.add", dst, () => f.op("i32.mul", w, E)), () => f.load(iload, q));
                      f.set(q, () => f.op("i32.add", q, sw));
                    });
                    f.forRange(w, cnt, W, 1, () => {
                      f.store(istore, () => f.op("i32.add", dst, () => f.op("i32.mul", w, E)), f32 ? 0 : f.i64c(0n));
                    });
                    f.set(p, () => f.op("i32.add", p, sk));
                    f.set(dst, () => f.op("i32.add", dst, W * E));
                  });
                },
              ),
          );
        });
      },
    );
  const packA = genPack("pack_a", MR);
  const packB = genPack("pack_b", NR);

  const gemm = m.function(
    "gemm",
    {
      a: "i32", b: "i32", c: "i32", M: "i32", N: "i32", K: "i32",
      lda: "i32", ldb: "i32", ldc: "i32", flags: "i32", work: "i32",
    },
    [],
    (f, { a, b, c, M, N, K, lda, ldb, ldc, flags, work }) => {
      const I32 = (name: string) => f.local(name, "i32");
      const [siA, skA, skB, sjB, ldcB] = ["siA", "skA", "skB", "sjB", "ldcB"].map(I32) as [Local, Local, Local, Local, Local];
      const [jc, nc, pc, kc, ic, mc, jr, nr, ir, mr] = ["jc", "nc", "pc", "kc", "ic", "mc", "jr", "nr", "ir", "mr"].map(I32) as Local[] as [
        Local, Local, Local, Local, Local, Local, Local, Local, Local, Local,
      ];
      const [mode, pa, pb, tile, ap, bp, cp] = ["mode", "pa", "pb", "tile", "ap", "bp", "cp"].map(I32) as [
        Local, Local, Local, Local, Local, Local, Local,
      ];
      const bit = (x: number) => () => f.op("i32.and", flags, x);
      const scaled = (x: Local) => () => f.op("i32.mul", x, E);
      const min = (x: () => void, cap: number) => () => f.op("select", x, cap, () => f.op("i32.lt_s", x, cap));

      // byte strides of op(A)(i,k) and op(B)(k,j)
      f.if(bit(GEMM_TRANS_A), () => { f.set(siA, E); f.set(skA, scaled(lda)); }, () => { f.set(siA, scaled(lda)); f.set(skA, E); });
      f.if(bit(GEMM_TRANS_B), () => { f.set(skB, E); f.set(sjB, scaled(ldb)); }, () => { f.set(skB, scaled(ldb)); f.set(sjB, E); });
      f.set(ldcB, scaled(ldc));
      f.set(pa, () => f.op("i32.add", work, lay.packA));
      f.set(pb, () => f.op("i32.add", work, lay.packB));
      f.set(tile, () => f.op("i32.add", work, lay.tile));

      f.forRange(jc, 0, N, NC, () => {
        f.set(nc, min(() => f.op("i32.sub", N, jc), NC));
        f.forRange(pc, 0, K, KC, () => {
          f.set(kc, min(() => f.op("i32.sub", K, pc), KC));
          f.call(
            packB,
            () => f.op("i32.add", b, () => f.op("i32.add", () => f.op("i32.mul", pc, skB), () => f.op("i32.mul", jc, sjB))),
            skB, sjB, kc, nc, pb,
          );
          f.set(mode, () => f.op("i32.or", () => f.op("i32.gt_s", pc, 0), () => f.op("i32.ne", bit(GEMM_ACCUMULATE), 0)));
          f.forRange(ic, 0, M, MC, () => {
            f.set(mc, min(() => f.op("i32.sub", M, ic), MC));
            f.call(
              packA,
              () => f.op("i32.add", a, () => f.op("i32.add", () => f.op("i32.mul", ic, siA), () => f.op("i32.mul", pc, skA))),
              skA, siA, kc, mc, pa,
            );
            f.forRange(jr, 0, nc, NR, () => {
              f.set(nr, min(() => f.op("i32.sub", nc, jr), NR));
              f.set(bp, () => f.op("i32.add", pb, () => f.op("i32.mul", jr, scaled(kc))));
              f.forRange(ir, 0, mc, MR, () => {
                f.set(mr, min(() => f.op("i32.sub", mc, ir), MR));
                f.set(ap, () => f.op("i32.add", pa, () => f.op("i32.mul", ir, scaled(kc))));
                // cp = c + ((ic + ir) * ldc + jc + jr) * E
                f.set(cp, () =>
                  f.op("i32.add", c, () =>
                    f.op("i32.mul", () =>
                      f.op("i32.add", () => f.op("i32.mul", () => f.op("i32.add", ic, ir), ldc), () => f.op("i32.add", jc, jr)),
                    E),
                  ),
                );
                f.if(
                  () => f.op("i32.and", () => f.op("i32.eq", mr, MR), () => f.op("i32.eq", nr, NR)),
                  () => f.call(micro, ap, bp, cp, ldcB, kc, mode),
                  () => {
                    f.call(micro, ap, bp, tile, NR * E, kc, 0);
                    f.call(edge, tile, cp, ldcB, mr, nr, mode);
                  },
                );
              });
            });
          });
        });
      });
    },
    true,
  );

  // gemm_batch(..., batch, sa, sb, sc): `batch` gemms, operands advanced by element strides.
  m.function(
    "gemm_batch",
    {
      a: "i32", b: "i32", c: "i32", M: "i32", N: "i32", K: "i32", lda: "i32", ldb: "i32",
      ldc: "i32", flags: "i32", work: "i32", batch: "i32", sa: "i32", sb: "i32", sc: "i32",
    },
    [],
    (f, { a, b, c, M, N, K, lda, ldb, ldc, flags, work, batch, sa, sb, sc }) => {
      const i = f.local("i", "i32");
      const advance = (p: Local, stride: Local) => f.set(p, () => f.op("i32.add", p, () => f.op("i32.mul", stride, E)));
      f.forRange(i, 0, batch, 1, () => {
        f.call(gemm, a, b, c, M, N, K, lda, ldb, ldc, flags, work);
        advance(a, sa);
        advance(b, sb);
        advance(c, sc);
      });
    },
    true,
  );
  return m.toBytes();
}
