// conv_general_dilated on the Wasm backend: im2col + the multithreaded GEMM.
//
// For each feature (or batch) group g the convolution is one matrix product
//   out[(n, p), o'] = Σ_{(k, c)} patches[(n, p), (k, c)] · W_g[o', (k, c)]
// with n the output batch, p the flattened output position, k the flattened kernel tap and c
// the group's input feature. Three heap temporaries make that a plain GEMM:
// - X: the lhs padded (negative pads crop) and lhs-dilated, channels-last [batch, spatial..., C],
//   so that every tap of every output position is in bounds and reads Cg contiguous values
//   (skipped when the lhs already is such an array: channels-last, no padding, no dilation);
// - W: the kernel packed as [G, Og, (k, c)] (small; read by the GEMM transposed);
// - A: the patch matrix [G, rows, (k, c)], rows = (n, p), built in chunks of rows so that it
//   stays under convTuning.chunkBytes; taps adjacent along the last spatial dim (no rhs
//   dilation, all features in the group) read one contiguous run of X, copied at once. A 1×1
//   unit-stride conv of a plain lhs needs no A: the GEMM reads the lhs itself.
// The GEMM writes straight into the output when its layout is [batch, spatial..., feature]
// (ldc = O, group stride Og); otherwise into a temporary, then a strided copy into the out layout.
import type { TypedArray } from "../../core/dtypes.js";
import { prod, stridesOf } from "../../core/shape.js";
import type { JaxprEqn, Literal } from "../../ir/jaxpr.js";
import { type ConvParams, dilateDim, spatialOffsets } from "../../primitives/conv.js";
import { stridedCopy } from "../../primitives/shape_ops.js";
import type { GemmKernel } from "./matmul.js";
import { WasmBuffer, type WasmHeap, viewOf } from "./memory.js";

/**
 * chunkBytes: upper bound on the bytes of one chunk of the patch matrix (tests lower it to force
 * chunks); enabled: false sends every convolution to the routine path (for benchmarks).
 */
export const convTuning = { chunkBytes: 64 * 2 ** 20, enabled: true };

/** Counts of convolutions run by the fast path (for tests to check that it was taken). */
export const convStats = { fast: 0 };

const take = (shape: readonly number[], idx: readonly number[]): number[] => idx.map((i) => shape[i]!);
const isIdentity = (xs: readonly number[]): boolean => xs.every((x, i) => x === i);


/**
 * Runs a float conv_general_dilated as im2col + GEMM on heap buffers; null when the equation
 * is not one it handles (non-float or mixed dtypes, literal operands), for the caller to fall
 * back to the reference kernel.
 */
export function convGemm(
  heap: WasmHeap,
  gemmFor: (dt: "float32" | "float64") => GemmKernel,
  eqn: JaxprEqn,
  args: readonly (WasmBuffer | Literal)[],
): WasmBuffer | null {
  const outAval = eqn.outBinders[0]!.aval;
  const dt = outAval.dtype;
  const [la, ra] = eqn.inputs;
  if (!convTuning.enabled || (dt !== "float32" && dt !== "float64") || la!.aval.dtype !== dt || ra!.aval.dtype !== dt) return null;
  const [lb, rb] = args;
  if (!(lb instanceof WasmBuffer) || !(rb instanceof WasmBuffer)) return null;
  const p = eqn.params as ConvParams;
  const { lhsSpec, rhsSpec, outSpec } = p.dimensionNumbers;
  const ls = la!.aval.shape;
  const rs = ra!.aval.shape;
  const os = outAval.shape;
  const nd = lhsSpec.length - 2;
  const fgc = p.featureGroupCount;
  const bgc = p.batchGroupCount;
  const G = fgc * bgc;
  const Nl = ls[lhsSpec[0]!]!;
  const C = ls[lhsSpec[1]!]!;
  const O = rs[rhsSpec[0]!]!;
  const Cg = rs[rhsSpec[1]!]!;
  const Og = O / G;
  const Nout = os[outSpec[0]!]!;
  const inSp = take(ls, lhsSpec.slice(2));
  const winSp = take(rs, rhsSpec.slice(2));
  const outSp = take(os, outSpec.slice(2));
  const P = prod(outSp);
  const KS = prod(winSp);
  const K = KS * Cg;
  const E = dt === "float32" ? 4 : 8;

  const gemm = gemmFor(dt);
  const wsBytes = gemm.workspaceBytes();
  heap.use(lb);
  heap.use(rb);
  const out = heap.allocate(dt, prod(os));
  if (out.size === 0) return out;
  const temps: WasmBuffer[] = [];
  const temp = (n: number): WasmBuffer => {
    const b = heap.allocate(dt, Math.max(1, n));
    temps.push(b);
    return b;
  };
  let ws = -1;
  try {
    // X: padded, dilated, channels-last lhs.
    const xSp = inSp.map((d, i) => dilateDim(d, p.lhsDilation[i]!) + p.padding[i]![0] + p.padding[i]![1]);
    const lStr = stridesOf(ls);
    const plain =
      isIdentity([lhsSpec[0]!, ...lhsSpec.slice(2), lhsSpec[1]!]) &&
      p.padding.every(([lo, hi]) => lo === 0 && hi === 0) &&
      p.lhsDilation.every((d) => d === 1);
    const xb = plain ? lb : temp(Nl * prod(xSp) * C);
    // W: [G, Og, (k, c)]; A: one chunk of patches; Ct: the GEMM's result when not written in place.
    const wb = temp(G * Og * K);
    const direct = isIdentity([outSpec[0]!, ...outSpec.slice(2), outSpec[1]!]);
    const M = Nout * P;
    // A 1×1, unit-stride convolution of a plain lhs is a matmul of the lhs itself: no patches.
    const patchFree = plain && G === 1 && KS === 1 && p.windowStrides.every((s) => s === 1);
    const chunk = patchFree ? M : Math.max(1, Math.min(M, Math.floor(convTuning.chunkBytes / Math.max(1, G * K * E))));
    const ab = patchFree ? null : temp(G * chunk * K);
    const cb = direct ? null : temp(G * chunk * Og);
    ws = heap.allocBlock(wsBytes, "the convolution's matmul workspace");
    // Every allocation is done: views of the (possibly grown) memory stay valid from here on.
    const mem = viewOf(heap.memory.buffer, dt, 0, heap.memory.buffer.byteLength / E);
    const at = (b: WasmBuffer): number => b.addr / E;
    const xStr = stridesOf([Nl, ...xSp, C]);
    if (!plain) fillPadded(mem, at(lb), lStr, at(xb), xStr, ls, lhsSpec, inSp, xSp, p);
    // Pack W[g, o', k, c] = rhs[o = g·Og + o', c, k].
    const rStr = stridesOf(rs);
    const rO = rStr[rhsSpec[0]!]!;
    stridedCopy(
      mem,
      at(rb),
      [Og * rO, rO, ...take(rStr, rhsSpec.slice(2)), rStr[rhsSpec[1]!]!],
      mem,
      at(wb),
      stridesOf([G, Og, ...winSp, Cg]),
      [G, Og, ...winSp, Cg],
    );
    // X offsets of each output position's window origin and of each kernel tap.
    const xSpStr = xStr.slice(1, 1 + nd);
    const baseP = spatialOffsets(outSp, xSpStr.map((s, i) => s * p.windowStrides[i]!));
    const offK = spatialOffsets(winSp, xSpStr.map((s, i) => s * p.rhsDilation[i]!));
    // Taps along the last spatial dim read one contiguous run of X when undilated and the
    // group spans all features.
    const run = nd > 0 && p.rhsDilation[nd - 1] === 1 && Cg === C ? Math.max(1, winSp[nd - 1]!) : 1;
    const runLen = run * Cg;
    const oStr = stridesOf(os);
    const outOff = spatialOffsets(outSp, take(oStr, outSpec.slice(2)));
    const oB = oStr[outSpec[0]!]!;
    const oF = oStr[outSpec[1]!]!;
    const a0 = ab ? at(ab) : 0;
    for (let r0 = 0; r0 < M; r0 += chunk) {
      const rows = Math.min(chunk, M - r0);
      for (let g = 0; g < (ab ? G : 0); g++) {
        let d = a0 + g * rows * K;
        for (let row = r0; row < r0 + rows; row++) {
          const n = Math.floor(row / P);
          const bIn = bgc > 1 ? g * Nout + n : n;
          const s = at(xb) + bIn * xStr[0]! + (fgc > 1 ? g * Cg : 0) + baseP[row - n * P]!;
          for (let kf = 0; kf < KS; kf += run, d += runLen) {
            const s2 = s + offK[kf]!;
            if (runLen >= 16) mem.copyWithin(d, s2, s2 + runLen);
            else for (let i = 0; i < runLen; i++) mem[d + i] = mem[s2 + i]!;
          }
        }
      }
      gemm.run(
        {
          a: ab ? ab.addr : lb.addr,
          b: wb.addr,
          c: cb ? cb.addr : out.addr + r0 * O * E,
          m: rows,
          n: Og,
          k: K,
          transB: true,
          batch: G,
          strideA: rows * K,
          strideB: Og * K,
          ...(cb ? { strideC: rows * Og } : { ldc: O, strideC: Og }),
        },
        ws,
      );
      if (cb) {
        // out[n, g·Og + o', p] = Ct[g, row = n·P + p, o'].
        let src = at(cb);
        for (let g = 0; g < G; g++) {
          for (let row = r0; row < r0 + rows; row++) {
            const n = Math.floor(row / P);
            const dst = at(out) + n * oB + outOff[row - n * P]! + g * Og * oF;
            for (let o = 0; o < Og; o++) mem[dst + o * oF] = mem[src++]!;
          }
        }
      }
    }
    convStats.fast++;
    return out;
  } catch (e) {
    heap.free(out);
    throw e;
  } finally {
    if (ws >= 0) heap.freeBlock(ws, Math.ceil(Math.max(1, wsBytes) / 64) * 64);
    for (const b of temps) heap.free(b);
  }
}

/**
 * X[b, t..., c] = lhs[b, c, s...] where t = s·lhsDilation + padLo lies in [0, xSp); zero
 * elsewhere. Only the sub-box of lhs indices landing inside X is copied (negative pads crop).
 */
function fillPadded(
  mem: TypedArray,
  lAt: number,
  lStr: readonly number[],
  xAt: number,
  xStr: readonly number[],
  ls: readonly number[],
  lhsSpec: readonly number[],
  inSp: readonly number[],
  xSp: readonly number[],
  p: ConvParams,
): void {
  const nd = inSp.length;
  mem.fill(0, xAt, xAt + xStr[0]! * ls[lhsSpec[0]!]!);
  let sBase = lAt;
  let dBase = xAt;
  const sizes: number[] = [];
  for (let i = 0; i < nd; i++) {
    const r = p.lhsDilation[i]!;
    const lo = p.padding[i]![0];
    // First and last source index s with 0 ≤ s·r + lo ≤ xSp - 1.
    const first = Math.max(0, Math.ceil(-lo / r));
    const last = Math.min(inSp[i]! - 1, Math.floor((xSp[i]! - 1 - lo) / r));
    sizes.push(Math.max(0, last - first + 1));
    sBase += first * lStr[lhsSpec[2 + i]!]!;
    dBase += (first * r + lo) * xStr[1 + i]!;
  }
  stridedCopy(
    mem,
    sBase,
    [lStr[lhsSpec[0]!]!, ...lhsSpec.slice(2).map((d) => lStr[d]!), lStr[lhsSpec[1]!]!],
    mem,
    dBase,
    [xStr[0]!, ...xStr.slice(1, 1 + nd).map((s, i) => s * p.lhsDilation[i]!), 1],
    [ls[lhsSpec[0]!]!, ...sizes, ls[lhsSpec[1]!]!],
  );
}
