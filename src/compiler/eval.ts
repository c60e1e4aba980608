// Emission of expression values inside a loop region: leaves (loads, iota values, range
// predicates) from their current position locals, and elementwise ops in scalar or vector
// form (lane-by-lane through the scalar form where an op has no SIMD form). Values are
// memoized per region in an environment, so shared subexpressions are computed once.
// A gather node is a load at its position plus its offset expression: where the offset is
// the same in every lane (the region's scalars have it) it reads like a plain load from the
// moved position (contiguous vector loads for an embedding lookup), otherwise lane by lane.
import { type DType, itemsize } from "../core/dtypes.js";
import type { Local, MemOp, ValType } from "../backends/wasm/builder.js";
import { type Cls, Emit, SIMD, clsOf } from "./emit_ops.js";
import { extractLane, maskToBool, replaceLane, vectorOp, vsplat } from "./emit_simd.js";
import { type Expr, type GatherExpr, type IndexExpr, type InRangeExpr, type LoadExpr, type OpExpr, topoOrder } from "./ir.js";

export type Leaf = LoadExpr | GatherExpr | IndexExpr | InRangeExpr;

/** A leaf's layout after axis collapsing, and where its buffer is. */
export interface LeafInfo {
  readonly node: Leaf;
  /** Element offset and strides over the collapsed output axes and reduction axes. */
  readonly off: number;
  readonly sO: readonly number[];
  readonly sR: readonly number[];
  /** Loads: the buffer parameter, its element size and element count. */
  readonly base?: Local;
  readonly size: number;
  readonly count: number;
}

export const SCALAR_LOAD: Record<DType, MemOp> = {
  bool: "i32.load8_u", int8: "i32.load8_s", uint8: "i32.load8_u", int16: "i32.load16_s", uint16: "i32.load16_u",
  int32: "i32.load", uint32: "i32.load", float32: "f32.load", float64: "f64.load", int64: "f64.load", uint64: "f64.load",
};
export const SCALAR_STORE: Record<DType, MemOp> = {
  bool: "i32.store8", int8: "i32.store8", uint8: "i32.store8", int16: "i32.store16", uint16: "i32.store16",
  int32: "i32.store", uint32: "i32.store", float32: "f32.store", float64: "f64.store", int64: "f64.store", uint64: "f64.store",
};
export const align = (d: DType): number => Math.log2(itemsize(d));
const signedNarrow = (d: DType): boolean => d === "int8" || d === "int16";

/** Where the vector lanes of a region run: along which stride of a leaf. */
export interface Region {
  readonly vector: boolean;
  /** The element stride of a leaf along the vectorized axis (vector regions). */
  readonly stride: (leaf: LeafInfo) => number;
  /** The local holding a leaf's current position (byte address for loads, else element index). */
  readonly pos: (leaf: LeafInfo) => Local;
  /** Lanes by which this copy of an unrolled vector body is ahead of the position (default 0). */
  readonly shift?: number;
  /** Scalar values that are the same in every lane of a vector region (row- or position-level). */
  readonly scalars?: ReadonlyMap<Expr, Local>;
}

export class Evaluator {
  constructor(
    readonly e: Emit,
    readonly leaves: ReadonlyMap<Expr, LeafInfo>,
  ) {}

  /** Computes `n` in the region (memoized in env) and returns the local holding it. */
  value(n: Expr, r: Region, env: Map<Expr, Local>): Local {
    const hit = env.get(n);
    if (hit) return hit;
    // Children first, in topological order, stopping at values the region already has.
    for (const m of topoOrder([n], (x) => env.has(x) || x.kind === "reduce")) if (!env.has(m)) this.compute(m, r, env);
    return env.get(n)!;
  }

  private compute(n: Expr, r: Region, env: Map<Expr, Local>): void {
    const e = this.e;
    const c = clsOf(n.dtype);
    let out: Local;
    switch (n.kind) {
      case "const":
        out = e.tmp(r.vector ? "v128" : c);
        if (r.vector) vsplat(e, c, e.sconst(c, n.value));
        else e.f.emit(e.sconst(c, n.value));
        e.f.set(out);
        break;
      case "load":
      case "index":
      case "inrange":
        out = this.leaf(this.leaves.get(n)!, r);
        break;
      case "gather":
        out = this.gatherLeaf(this.leaves.get(n)!, n, r, env);
        break;
      case "op": {
        const args = n.args.map((a) => env.get(a)!);
        out = r.vector ? this.vectorOp(n, args) : this.scalarOp(n, args);
        break;
      }
      case "reduce":
        throw new Error("reduce values are computed by the loop nest");
    }
    env.set(n, out);
  }

  private scalarOp(n: OpExpr, args: Local[]): Local {
    this.e.scalar(n, args);
    return this.e.save(clsOf(n.dtype));
  }

  private vectorOp(n: OpExpr, args: Local[]): Local {
    const e = this.e;
    if (vectorOp(e, n, args, () => e.f.get(this.lanes(n, args)))) return e.save("v128");
    return this.lanes(n, args);
  }

  /** Computes a vector op lane by lane through its scalar form. */
  private lanes(n: OpExpr, args: Local[]): Local {
    const e = this.e;
    const out = e.tmp("v128");
    const c = clsOf(n.dtype);
    for (let lane = 0; lane < e.L; lane++) {
      const scal = n.args.map((a, i) => {
        const ac = clsOf(a.dtype);
        extractLane(e, ac, args[i]!, lane);
        return e.save(ac);
      });
      e.scalar(n, scal);
      const s = e.save(c);
      e.f.get(out);
      e.f.get(s);
      replaceLane(e, c, lane);
      e.f.set(out);
    }
    return out;
  }

  /** The address of a leaf's element `elems` elements ahead, clamped into the buffer for guarded loads. */
  private address(leaf: LeafInfo, p: Local, elems: number): () => void {
    const f = this.e.f;
    const node = leaf.node as LoadExpr | GatherExpr;
    const delta = elems * leaf.size;
    const raw = () => (delta === 0 ? f.get(p) : f.op("i32.add", p, delta));
    if (!node.guard) return raw;
    return () => {
      const a = this.e.tmp("i32");
      f.set(a, raw);
      const hi = () => f.op("i32.add", leaf.base!, (leaf.count - 1) * leaf.size);
      f.op("select", leaf.base!, () => f.op("select", hi, a, () => f.op("i32.gt_u", a, hi)), () => f.op("i32.lt_u", a, leaf.base!));
    };
  }

  private scalarLoad(leaf: LeafInfo, p: Local, elems: number): void {
    const d = leaf.node.dtype;
    this.e.f.load(SCALAR_LOAD[d], this.address(leaf, p, elems), 0, align(d));
  }

  private leaf(leaf: LeafInfo, r: Region): Local {
    const e = this.e;
    const f = e.f;
    const node = leaf.node as LoadExpr | IndexExpr | InRangeExpr;
    const p = r.pos(leaf);
    const c = clsOf(node.dtype);
    if (!r.vector) {
      if (node.kind === "load") this.scalarLoad(leaf, p, 0);
      else if (node.kind === "index") {
        e.convert("int32", node.dtype, p);
      } else f.op("i32.and", () => f.op("i32.ge_s", p, node.lo), () => f.op("i32.lt_s", p, node.hi));
      return e.save(c);
    }
    const s = r.stride(leaf);
    const sh = (r.shift ?? 0) * s;
    if (node.kind !== "load") {
      // [p, p + s, p + 2s, p + 3s] (+ the copy's shift) as i32 lanes.
      const lanes = e.tmp("v128");
      f.set(lanes, () => f.op("i32x4.add", () => f.op("i32x4.splat", p), () => f.emit(f.v128c(i32Bytes([sh, sh + s, sh + 2 * s, sh + 3 * s])))));
      if (node.kind === "index") {
        return this.vectorOp(indexCast(node.dtype), [lanes]);
      }
      f.op("v128.and", () => f.op("i32x4.ge_s", lanes, () => f.op("i32x4.splat", node.lo)), () => f.op("i32x4.lt_s", lanes, () => f.op("i32x4.splat", node.hi)));
      maskToBool(e, "i32");
      return e.save("v128");
    }
    return this.vectorLoad(leaf, p, s, sh);
  }

  /**
   * A gather node: with an offset the same in every lane, a load from the position moved by
   * it; otherwise each lane loads from the position plus its own offset.
   */
  private gatherLeaf(leaf: LeafInfo, node: GatherExpr, r: Region, env: Map<Expr, Local>): Local {
    const e = this.e;
    const f = e.f;
    const p = r.pos(leaf);
    const moved = (dyn: () => void): Local => {
      const q = e.tmp("i32");
      f.set(q, () => f.op("i32.add", p, () => f.op("i32.shl", dyn, Math.log2(leaf.size))));
      return q;
    };
    if (!r.vector) {
      this.scalarLoad(leaf, moved(() => f.get(env.get(node.dyn)!)), 0);
      return e.save(clsOf(node.dtype));
    }
    const s = r.stride(leaf);
    const sh = (r.shift ?? 0) * s;
    const uniform = r.scalars?.get(node.dyn);
    if (uniform !== undefined) return this.vectorLoad(leaf, moved(() => f.get(uniform)), s, sh);
    const dyn = env.get(node.dyn)!;
    const c = clsOf(node.dtype);
    for (let lane = 0; lane < e.L; lane++) {
      const q = moved(() => f.lane("i32x4.extract_lane", lane, dyn));
      if (lane === 0) vsplat(e, c, () => this.scalarLoad(leaf, q, sh));
      else {
        this.scalarLoad(leaf, q, sh + lane * s);
        replaceLane(e, c, lane);
      }
    }
    return e.save("v128");
  }

  /** L elements of a (plain or gather) load from position p, s elements apart, shifted by sh. */
  private vectorLoad(leaf: LeafInfo, p: Local, s: number, sh: number): Local {
    const e = this.e;
    const f = e.f;
    const node = leaf.node as LoadExpr | GatherExpr;
    const c = clsOf(node.dtype);
    if (s === 0) {
      vsplat(e, c, () => this.scalarLoad(leaf, p, 0));
      return e.save("v128");
    }
    if (s !== 1 || (node.guard && leaf.count < e.L)) return this.laneLoads(leaf, p, s, sh);
    const at = this.address({ ...leaf, node: { ...node, guard: false } }, p, sh);
    if (!node.guard) {
      this.contiguousLoad(node.dtype, at);
      return e.save("v128");
    }
    // A guarded load reads the vector directly when all its lanes are inside the buffer.
    const out = e.tmp("v128");
    const limit = (leaf.count - e.L) * leaf.size;
    const a = e.tmp("i32");
    f.set(a, at);
    const inside = () =>
      f.op("i32.and", () => f.op("i32.ge_u", a, leaf.base!), () => f.op("i32.le_u", a, () => f.op("i32.add", leaf.base!, limit)));
    f.if(inside, () => {
      this.contiguousLoad(node.dtype, () => f.get(a));
      f.set(out);
    }, () => f.set(out, this.laneLoads(leaf, p, s, sh)));
    return out;
  }

  /** L elements s apart, loaded one by one. */
  private laneLoads(leaf: LeafInfo, p: Local, s: number, sh: number): Local {
    const e = this.e;
    const c = clsOf(leaf.node.dtype);
    vsplat(e, c, () => this.scalarLoad(leaf, p, sh));
    for (let lane = 1; lane < e.L; lane++) {
      this.scalarLoad(leaf, p, sh + lane * s);
      replaceLane(e, c, lane);
    }
    return e.save("v128");
  }

  /** Pushes L consecutive elements of dtype d at the address, widened to the value class. */
  contiguousLoad(d: DType, addr: () => void): void {
    const e = this.e;
    const f = e.f;
    const size = itemsize(d);
    const four = e.L === 4;
    if (size === 8 || (size === 4 && four)) f.load("v128.load", addr, 0, align(d));
    else if (size === 4) f.load("v128.load64_zero", addr, 0, 2);
    else if (size === 2) {
      f.load(four ? "v128.load64_zero" : "v128.load32_zero", addr, 0, 1);
      e.simd(signedNarrow(d) ? SIMD.i32x4_extend_low_i16x8_s : SIMD.i32x4_extend_low_i16x8_u);
    } else {
      if (four) f.load("v128.load32_zero", addr, 0, 0);
      else {
        f.emit(addr);
        e.simdMem(SIMD.load16_splat, 0);
      }
      const s = signedNarrow(d);
      e.simd(s ? SIMD.i16x8_extend_low_i8x16_s : SIMD.i16x8_extend_low_i8x16_u);
      e.simd(s ? SIMD.i32x4_extend_low_i16x8_s : SIMD.i32x4_extend_low_i16x8_u);
    }
  }

  /** Stores L consecutive elements of dtype d from the vector local v at addr + offset bytes. */
  contiguousStore(d: DType, addr: Local, v: Local, offset = 0): void {
    const e = this.e;
    const f = e.f;
    const size = itemsize(d);
    const four = e.L === 4;
    if (size === 8 || (size === 4 && four)) {
      f.store("v128.store", addr, v, offset, align(d));
      return;
    }
    if (size === 4) {
      f.store("i64.store", addr, () => f.lane("i64x2.extract_lane", 0, v), offset, 2);
      return;
    }
    const bytes = size === 2 ? [0, 1, 4, 5, 8, 9, 12, 13] : [0, 4, 8, 12];
    const packed = () => f.shuffle([...bytes, ...new Array<number>(16 - bytes.length).fill(0)], v, v);
    const width = (four ? 4 : 2) * size;
    if (width === 8) f.store("i64.store", addr, () => f.lane("i64x2.extract_lane", 0, packed), offset, 0);
    else f.store(width === 4 ? "i32.store" : "i32.store16", addr, () => f.lane("i32x4.extract_lane", 0, packed), offset, 0);
  }

  scalarStore(d: DType, addr: Local, v: Local): void {
    this.e.f.store(SCALAR_STORE[d], addr, v, 0, align(d));
  }

  /** int32 lanes converted to dtype d (a fresh vector local). */
  castIndex(d: DType, lanes: Local): Local {
    return this.vectorOp(indexCast(d), [lanes]);
  }

  /** Splats a scalar value of class c into a fresh vector local. */
  splat(c: Cls, v: Local): Local {
    vsplat(this.e, c, v);
    return this.e.save("v128");
  }

  /** Extracts lane `lane` of a vector of class c into a fresh scalar local. */
  lane(c: Cls, v: Local, lane: number): Local {
    extractLane(this.e, c, v, lane);
    return this.e.save(c as ValType);
  }
}

/** A conversion node from int32 (the index lanes) to dtype d, for the op emitters. */
function indexCast(d: DType): OpExpr {
  const meta = { loads: [], rkeys: [], size: 1 };
  return { kind: "op", id: -1, dtype: d, meta, op: "cvt", args: [{ kind: "const", id: -1, dtype: "int32", meta, value: 0 }], imm: 0, fn: "" };
}

function i32Bytes(xs: number[]): number[] {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setInt32(i * 4, x | 0, true));
  return Array.from(b);
}

