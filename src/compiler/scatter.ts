// The scatter family (scatter, scatter_add, scatter_mul, scatter_min, scatter_max) as Wasm
// kernels, with the reference kernel's semantics (src/primitives/indexing.ts scatterImpl):
//
//   out = x;  for each index vector b, in row-major order:
//     start_k = idx[b, k] clamped into [0, n_d − w_d] ("clip"), or the whole window dropped
//               when some start is outside that range (any other mode);
//     for each window position w (row-major): out[start + w (+ batch position)] ⊕= u[b, w].
//
// Every output element sees its updates in the order of b, so sums and products round as the
// reference's do (bit-exact), and the last write wins for scatter. The parallel units
// partition a "free" operand dim F: a window dim whose start is always 0 (not indexed), so
// that a window position along F is the operand position. A call on units [start, end) owns
// the operand positions [lo, hi) along F: it copies x there, then applies every update's
// window restricted to [lo, hi). Without a free dim the kernel is one unit. The innermost
// window loop runs as SIMD when it is contiguous in both out and u and the combine has a
// lane-parallel form; otherwise scalar. An operand or updates that are constants (reverse
// mode scatters ones into zeros) are no buffers: the kernel fills and splats them.
import type { ShapedArray } from "../core/aval.js";
import { type DType, isUnsignedInt, itemsize, typedArrayFor } from "../core/dtypes.js";
import type { JaxprEqn } from "../ir/jaxpr.js";
import type { FunctionBuilder, Label, Local, PlainOp } from "../backends/wasm/builder.js";
import type { ScatterParams } from "../primitives/indexing.js";
import type { GeneratedKernel } from "./codegen.js";
import { type Cls, Emit, clsOf } from "./emit_ops.js";
import { vconst, vnormalize, vtype } from "./emit_simd.js";
import { Evaluator, SCALAR_LOAD, align } from "./eval.js";
import { kernelModule } from "./helpers.js";

export type ScatterOp = "set" | "add" | "mul" | "min" | "max";

export const SCATTER_OPS: Record<string, ScatterOp> = {
  scatter: "set", scatter_add: "add", scatter_mul: "mul", scatter_min: "min", scatter_max: "max",
};

/** Positions of the free dim per unit when it is the operand's last dim (whole cache lines). */
const CHUNK = 16;

/** The operands of an equation that may be constants rather than buffers: a scatter's operand and updates. */
export function constantOperands(eqn: JaxprEqn): number[] {
  return eqn.primitive.name in SCATTER_OPS ? [0, 2] : [];
}

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);
const strides = (shape: readonly number[]): number[] => shape.map((_, i) => prod(shape.slice(i + 1)));

/** The static layout of one scatter. */
interface Geometry {
  readonly op: ScatterOp;
  readonly dtype: DType;
  readonly cls: Cls;
  readonly size: number;
  readonly shape: readonly number[];
  readonly istr: readonly number[];
  readonly idxType: DType;
  /** Index vectors: their count, batch shape, and length. */
  readonly nB: number;
  readonly batch: readonly number[];
  readonly nIdx: number;
  /** Indexed operand dims with the largest valid start of each. */
  readonly sdod: readonly number[];
  readonly hiStart: readonly number[];
  readonly clip: boolean;
  /** Batching: operand dim and the index batch dim giving its position. */
  readonly batching: readonly [number, number][];
  /** u's element offset per index batch position. */
  readonly uBatchStr: readonly number[];
  /** Window dims in order: operand dim, extent, out and u element strides. */
  readonly win: readonly { d: number; n: number; so: number; su: number }[];
  /** The free dim (-1: none), its extent and the positions per unit. */
  readonly F: number;
  readonly nF: number;
  readonly cw: number;
  /** The operand's and the updates' values where they are constants. */
  readonly init: number | null;
  readonly update: number | null;
}

function geometry(x: ShapedArray, idx: ShapedArray, u: ShapedArray, params: ScatterParams, op: ScatterOp, consts: readonly (number | null)[]): Geometry {
  const dn = params.dimensionNumbers;
  const r = x.ndim;
  const istr = strides(x.shape);
  const ustr = strides(u.shape);
  const usd = u.shape.map((_, i) => i).filter((i) => !dn.updateWindowDims.includes(i));
  const winDims = x.shape.map((_, d) => d).filter((d) => !dn.insertedWindowDims.includes(d) && !dn.operandBatchingDims.includes(d));
  const win = winDims.map((d, i) => ({ d, n: u.shape[dn.updateWindowDims[i]!]!, so: istr[d]!, su: ustr[dn.updateWindowDims[i]!]! }));
  const winSize = x.shape.map((_, d) => win.find((w) => w.d === d)?.n ?? 1);
  const free = win.filter((w) => !dn.scatterDimsToOperandDims.includes(w.d) && x.shape[w.d]! > 1);
  const F = free.length > 0 ? free[free.length - 1]!.d : -1;
  return {
    op,
    dtype: x.dtype,
    cls: clsOf(x.dtype),
    size: itemsize(x.dtype),
    shape: x.shape,
    istr,
    idxType: idx.dtype,
    nB: prod(idx.shape.slice(0, -1)),
    batch: idx.shape.slice(0, -1),
    nIdx: idx.shape[idx.ndim - 1]!,
    sdod: dn.scatterDimsToOperandDims,
    hiStart: dn.scatterDimsToOperandDims.map((d) => x.shape[d]! - winSize[d]!),
    clip: params.mode === "clip",
    batching: dn.operandBatchingDims.map((d, i) => [d, dn.scatterIndicesBatchingDims[i]!] as [number, number]),
    uBatchStr: usd.map((i) => ustr[i]!),
    win,
    F,
    nF: F < 0 ? 1 : x.shape[F]!,
    cw: F === r - 1 ? CHUNK : 1,
    init: consts[0] ?? null,
    update: consts[2] ?? null,
  };
}

/**
 * The kernel of a scatter: kernel(x, idx, u, out, start, end), without the x or u parameter
 * where `consts` (per input) gives its value.
 */
export function generateScatter(
  x: ShapedArray, idx: ShapedArray, u: ShapedArray, params: ScatterParams, op: ScatterOp, consts: readonly (number | null)[] = [],
): GeneratedKernel {
  const g = geometry(x, idx, u, params, op, consts);
  const extent = x.size === 0 ? 0 : Math.ceil(g.nF / g.cw);
  const m = kernelModule();
  const inputs = ["x", "idx", "u"].filter((_, i) => (consts[i] ?? null) === null);
  const ps: Record<string, "i32"> = {};
  inputs.forEach((_, i) => (ps[`in${i}`] = "i32"));
  m.function("kernel", { ...ps, out0: "i32", start: "i32", end: "i32" }, [], (f) => {
    const param = (name: string) => (inputs.includes(name) ? f.named(`in${inputs.indexOf(name)}`) : null);
    const bufs = { x: param("x"), idx: param("idx")!, u: param("u") };
    if (extent > 0) new ScatterEmitter(f, new Emit(f, g.cls === "f64" ? 2 : 4, new Map(), {}), g, bufs).emit();
  }, true);
  const perUnit = (x.size / extent) * 2 * g.size + (u.size / extent) * (g.size + 4);
  return { bytes: m.toBytes(), mathImports: [], extent, costPerItem: Math.max(1, Math.ceil(perUnit)) };
}

class ScatterEmitter {
  private readonly ev: Evaluator;

  constructor(
    private readonly f: FunctionBuilder,
    private readonly e: Emit,
    private readonly g: Geometry,
    private readonly bufs: { x: Local | null; idx: Local; u: Local | null },
  ) {
    this.ev = new Evaluator(e, new Map());
  }

  emit(): void {
    const { f, e, g } = this;
    // An empty range owns nothing (without a free dim, the one unit applies every update).
    f.if(() => f.op("i32.ge_u", f.named("start"), f.named("end")), () => f.op("return"));
    // The positions [lo, hi) along the free dim this call owns.
    const lo = e.tmp("i32");
    const hi = e.tmp("i32");
    f.set(lo, () => f.op("i32.mul", f.named("start"), g.cw));
    f.set(hi, () => f.op("i32.mul", f.named("end"), g.cw));
    f.set(hi, () => f.op("select", hi, g.nF, () => f.op("i32.lt_u", hi, g.nF)));
    this.copy(lo, hi);
    const windowEmpty = g.win.some((w) => w.n === 0);
    if (g.nB > 0 && !windowEmpty) this.updates(lo, hi);
  }

  /** out = x on the owned positions: one memory.copy (or fill) per row of the dims before F. */
  private copy(lo: Local, hi: Local): void {
    const { f, e, g } = this;
    const F = g.F;
    const A = F < 0 ? 1 : prod(g.shape.slice(0, F));
    const row = (F < 0 ? prod(g.shape) : prod(g.shape.slice(F + 1))) * g.size;
    const a = e.tmp("i32");
    const off = e.tmp("i32");
    const bytes = e.tmp("i32");
    f.set(bytes, () => f.op("i32.mul", () => f.op("i32.sub", hi, lo), row));
    f.forRange(a, 0, A, 1, () => {
      f.set(off, () => f.op("i32.mul", () => f.op("i32.add", () => f.op("i32.mul", a, g.nF), lo), row));
      const dst = () => f.op("i32.add", f.named("out0"), off);
      const x = this.bufs.x;
      if (x) f.op("memory.copy", dst, () => f.op("i32.add", x, off), bytes);
      else this.fill(dst, bytes);
    });
  }

  /** Fills `bytes` bytes at dst with the constant operand (a whole number of elements). */
  private fill(dst: () => void, bytes: Local): void {
    const { f, e, g } = this;
    const t = typedArrayFor(g.dtype, 1);
    t[0] = g.init!;
    const pattern = Array.from(new Uint8Array(t.buffer));
    if (pattern.every((b) => b === pattern[0])) {
      f.op("memory.fill", dst, pattern[0]!, bytes);
      return;
    }
    const p = e.tmp("i32");
    const end = e.tmp("i32");
    f.set(p, dst);
    f.set(end, () => f.op("i32.add", p, bytes));
    const v = e.tmp("v128");
    f.set(v, f.v128c(Array.from({ length: 16 }, (_, i) => pattern[i % g.size]!)));
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("i32.gt_u", () => f.op("i32.add", p, 16), end));
        f.store("v128.store", p, v, 0, 0);
        f.set(p, () => f.op("i32.add", p, 16));
        f.br(top);
      });
    });
    const s = e.tmp(g.cls);
    f.set(s, e.sconst(g.cls, g.init!));
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("i32.ge_u", p, end));
        this.ev.scalarStore(g.dtype, p, s);
        f.set(p, () => f.op("i32.add", p, g.size));
        f.br(top);
      });
    });
  }

  /** Every index vector in order: its window offsets, then its window. */
  private updates(lo: Local, hi: Local): void {
    const { f, e, g } = this;
    const b = e.tmp("i32");
    const off = e.tmp("i32");
    const uoff = e.tmp("i32");
    const v = e.tmp("f64");
    const gj = e.tmp("i32");
    f.forRange(b, 0, g.nB, 1, () => {
      f.block((skip) => {
        f.set(off, 0);
        f.set(uoff, 0);
        // Starts from the index vector (read as doubles: exact for every index dtype).
        g.sdod.forEach((d, k) => {
          const addr = () => f.op("i32.add", this.bufs.idx, () => f.op("i32.mul", () => f.op("i32.add", () => f.op("i32.mul", b, g.nIdx), k), itemsize(g.idxType)));
          f.load(SCALAR_LOAD[g.idxType], addr, 0, align(g.idxType));
          if (clsOf(g.idxType) === "i32") f.op(g.idxType === "uint32" ? "f64.convert_i32_u" : "f64.convert_i32_s");
          f.set(v);
          const hiK = g.hiStart[k]!;
          if (g.clip) f.set(v, () => f.op("f64.min", () => f.op("f64.max", v, f.f64c(0)), f.f64c(hiK)));
          else f.brIf(skip, () => f.op("i32.or", () => f.op("f64.lt", v, f.f64c(0)), () => f.op("f64.gt", v, f.f64c(hiK))));
          f.set(off, () => f.op("i32.add", off, () => f.op("i32.mul", () => f.op("i32.trunc_f64_s", v), g.istr[d]!)));
        });
        // The index batch position: operand batching dims and u's offset.
        g.batch.forEach((n, j) => {
          const inner = prod(g.batch.slice(j + 1));
          f.set(gj, () => f.op("i32.rem_u", () => f.op("i32.div_u", b, inner), n));
          for (const [d, ib] of g.batching) if (ib === j) f.set(off, () => f.op("i32.add", off, () => f.op("i32.mul", gj, g.istr[d]!)));
          f.set(uoff, () => f.op("i32.add", uoff, () => f.op("i32.mul", gj, g.uBatchStr[j]!)));
        });
        const po = e.tmp("i32");
        const pu = e.tmp("i32");
        f.set(po, () => f.op("i32.add", f.named("out0"), () => f.op("i32.mul", off, g.size)));
        const u = this.bufs.u;
        if (u) f.set(pu, () => f.op("i32.add", u, () => f.op("i32.mul", uoff, g.size)));
        this.window(0, po, pu, lo, hi, skip);
      });
    });
  }

  /** The loop over window dim i (positions along F restricted to [lo, hi)), then the inner dims. */
  private window(i: number, po: Local, pu: Local, lo: Local, hi: Local, skip: Label): void {
    const { f, e, g } = this;
    if (i === g.win.length) {
      this.combine(po, pu, false);
      return;
    }
    const w = g.win[i]!;
    const first = e.tmp("i32");
    const last = e.tmp("i32");
    if (w.d === g.F) {
      f.set(first, lo);
      f.set(last, () => f.op("select", hi, w.n, () => f.op("i32.lt_u", hi, w.n)));
      f.brIf(skip, () => f.op("i32.ge_s", first, last));
    } else {
      f.set(first, 0);
      f.set(last, w.n);
    }
    const qo = e.tmp("i32");
    const qu = e.tmp("i32");
    f.set(qo, () => f.op("i32.add", po, () => f.op("i32.mul", first, w.so * g.size)));
    f.set(qu, () => f.op("i32.add", pu, () => f.op("i32.mul", first, w.su * g.size)));
    const t = e.tmp("i32");
    const step = (n: number) => {
      f.set(qo, () => f.op("i32.add", qo, n * w.so * g.size));
      f.set(qu, () => f.op("i32.add", qu, n * w.su * g.size));
      f.set(t, () => f.op("i32.add", t, n));
    };
    f.set(t, first);
    if (i === g.win.length - 1 && w.so === 1 && (w.su === 1 || g.update !== null) && this.vectorizable()) {
      const vend = e.tmp("i32");
      f.set(vend, () => f.op("i32.sub", last, e.L - 1));
      f.block((exit) => {
        f.loop((top) => {
          f.brIf(exit, () => f.op("i32.ge_s", t, vend));
          this.combine(qo, qu, true);
          step(e.L);
          f.br(top);
        });
      });
    }
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("i32.ge_s", t, last));
        this.window(i + 1, qo, qu, lo, hi, skip);
        step(1);
        f.br(top);
      });
    });
  }

  /** Whether the combine has a SIMD form for this dtype (32-bit integer products do not: see combine). */
  private vectorizable(): boolean {
    const { op, dtype, cls } = this.g;
    return !(op === "mul" && cls === "i32" && (dtype === "int32" || dtype === "uint32"));
  }

  /** out[po] ⊕= u[pu], for one element or L lanes. */
  private combine(po: Local, pu: Local, vec: boolean): void {
    const { f, e, g } = this;
    const d = g.dtype;
    const c = g.cls;
    const upd = e.tmp(vec ? "v128" : c);
    const old = e.tmp(vec ? "v128" : c);
    if (g.update !== null) {
      if (vec) vconst(e, c, g.update);
      else f.emit(e.sconst(c, g.update));
      f.set(upd);
    } else if (vec) f.set(upd, () => this.ev.contiguousLoad(d, () => f.get(pu)));
    else f.set(upd, () => f.load(SCALAR_LOAD[d], pu, 0, align(d)));
    if (vec) {
      if (g.op !== "set") {
        this.ev.contiguousLoad(d, () => f.get(po));
        f.set(old);
      }
    } else if (g.op !== "set") f.set(old, () => f.load(SCALAR_LOAD[d], po, 0, align(d)));
    const res = g.op === "set" ? upd : e.tmp(vec ? "v128" : c);
    if (g.op !== "set") {
      if (vec) this.vectorOp(old, upd);
      else this.scalarOp(old, upd);
      f.set(res);
    }
    if (vec) this.ev.contiguousStore(d, po, res);
    else this.ev.scalarStore(d, po, res);
  }

  private scalarOp(a: Local, v: Local): void {
    const { f, e, g } = this;
    const d = g.dtype;
    const c = g.cls;
    const op = g.op;
    if (d === "bool" && (op === "add" || op === "mul")) {
      f.op(op === "add" ? "i32.or" : "i32.and", a, v);
      return;
    }
    if (op === "min" || op === "max") {
      if (c !== "i32") f.op(`${c}.${op}` as PlainOp, a, v);
      else {
        const cmp = `i32.${op === "min" ? "lt" : "gt"}_${d === "uint32" ? "u" : "s"}` as PlainOp;
        f.op("select", a, v, () => f.op(cmp, a, v));
      }
      return;
    }
    if (op === "mul" && (d === "int32" || d === "uint32")) {
      // The reference multiplies in doubles (rounding products beyond 2^53) and wraps on store.
      const cvt = isUnsignedInt(d) ? "f64.convert_i32_u" : "f64.convert_i32_s";
      const p = e.tmp("f64");
      f.set(p, () => f.op("f64.mul", () => f.op(cvt, a), () => f.op(cvt, v)));
      e.f64ToI32Wrapping(p);
      return;
    }
    f.op(`${c}.${op}` as PlainOp, a, v);
    if (c === "i32") e.normalize(d);
  }

  private vectorOp(a: Local, v: Local): void {
    const { f, e, g } = this;
    const d = g.dtype;
    const c = g.cls;
    const op = g.op;
    if (d === "bool" && (op === "add" || op === "mul")) {
      f.op(op === "add" ? "v128.or" : "v128.and", a, v);
      return;
    }
    if (c === "i32" && (op === "min" || op === "max")) {
      f.op(`i32x4.${op}_${d === "uint32" ? "u" : "s"}` as PlainOp, a, v);
      return;
    }
    f.op(`${vtype(c)}.${op}` as PlainOp, a, v);
    if (c === "i32") vnormalize(e, d);
  }
}
