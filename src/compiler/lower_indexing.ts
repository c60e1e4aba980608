// Lowering of the primitives that read at data-dependent positions: gather, dynamic_slice,
// dynamic_update_slice (and pad with interior padding) become gather nodes (loads at an
// affine offset plus an int32 expression of the index operands), with the reference
// kernels' semantics:
//
//   start_k = clamp(idx_k, 0, n_d − size_d)           (gather "clip"/"promise_in_bounds",
//                                                        dynamic_slice, dynamic_update_slice)
//   out     = 0 ≤ idx_k ≤ n_d − size_d for all k ? x[...] : fill     (gather "fill")
//
// The operand read at dynamic positions is an expression of loads (Starts.read turns each
// load into a gather node): a gather of a transpose, slice, broadcast or cheap elementwise
// function of buffers reads those buffers directly; the planner materializes other operands
// (bufferOperands, readableAt). Index operands are ordinary expressions, fused into the kernel.
import type { ShapedArray } from "../core/aval.js";
import { iinfo, isFloat, isSignedInt } from "../core/dtypes.js";
import type { JaxprEqn } from "../ir/jaxpr.js";
import { type GatherParams, defaultFillValue } from "../primitives/indexing.js";
import { type Affine, type AxisMap, type Expr, type ExprPool, mapAffine, remapExpr, storedValue, topoOrder } from "./ir.js";

export type Rule = (pool: ExprPool, args: Expr[], eqn: JaxprEqn) => Expr[] | null;

const avalIn = (eqn: JaxprEqn, i: number): ShapedArray => eqn.inputs[i]!.aval;
const avalOut = (eqn: JaxprEqn): ShapedArray => eqn.outBinders[0]!.aval;
const id = (from: number): AxisMap => ({ from, scale: 1, add: 0 });
const constant = (add: number): AxisMap => ({ from: -1, scale: 0, add });
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** The operands read at data-dependent positions (buffers, or expressions readableAt). */
export function bufferOperands(eqn: JaxprEqn): number[] {
  switch (eqn.primitive.name) {
    case "gather":
    case "dynamic_slice":
      return [0];
    case "dynamic_update_slice":
      return [1];
    default:
      return [];
  }
}


/**
 * One start index: clamped into [0, hi] (hi = n − size ≥ 0) in the index dtype (bounds the
 * dtype cannot exceed are left out), converted to int32. `valid` is 0 ≤ v ≤ hi (fill mode).
 */
interface Start {
  /** The clamped start as an int32 expression, or its value when the index is a constant. */
  readonly clamped: Expr | number;
  /** Whether the unclamped index is in [0, hi]: an expression, or known. */
  readonly valid: Expr | boolean;
}

function startIndex(pool: ExprPool, v: Expr, hi: number): Start {
  const d = v.dtype;
  if (v.kind === "const") {
    const x = v.value;
    return { clamped: Math.min(Math.max(x, 0), hi), valid: x >= 0 && x <= hi };
  }
  // Only 32-bit-class unsigned values are known to be ≥ 0 (uint64 is stored as a double).
  const signed = isSignedInt(d) || isFloat(d) || d === "uint64";
  const fitsHi = hi < iinfo(d).max;
  let c = v;
  let valid: Expr | boolean = true;
  if (signed) {
    c = pool.op("max", d, [c, pool.constant(0, d)]);
    valid = pool.op("ge", "bool", [v, pool.constant(0, d)]);
  }
  if (fitsHi) {
    c = pool.op("min", d, [c, pool.constant(hi, d)]);
    const le = pool.op("le", "bool", [v, pool.constant(hi, d)]);
    valid = valid === true ? le : pool.op("and", "bool", [valid, le]);
  }
  return { clamped: d === "int32" ? c : pool.op("cvt", "int32", [c]), valid };
}

/**
 * Reads an operand expression at data-dependent positions: operand dim d at its static map
 * (an AxisMap of the result index) plus a start (a clamped int32 expression or a number).
 * Every load of the expression becomes a gather node with offset Σ_d start_d · s_d (its own
 * strides s), so a gather of a transpose, slice, broadcast or cheap elementwise function of
 * buffers reads those buffers directly.
 */
class Starts {
  private readonly starts: [number, Expr | number][] = [];
  constructor(private readonly pool: ExprPool) {}

  add(d: number, start: Expr | number): void {
    this.starts.push([d, start]);
  }

  /** The expression `x` (over the operand's index space) read at the result's positions, or null. */
  read(x: Expr, maps: readonly AxisMap[], rank: number, guard = false): Expr | null {
    const pool = this.pool;
    const at = (a: Affine): [Affine, Expr | null] => {
      const m = mapAffine(a, maps, rank);
      let off = m.off;
      let dyn: Expr | null = null;
      for (const [d, start] of this.starts) {
        const s = a.s[d]!;
        if (s === 0) continue;
        if (typeof start === "number") off += start * s;
        else {
          const term = s === 1 ? start : pool.op("mul", "int32", [start, pool.constant(s, "int32")]);
          dyn = dyn === null ? term : pool.op("add", "int32", [dyn, term]);
        }
      }
      return [{ off, s: m.s }, dyn];
    };
    const out = new Map<Expr, Expr>();
    for (const n of topoOrder([x])) {
      let r: Expr;
      switch (n.kind) {
        case "const":
          r = n;
          break;
        case "load": {
          const [a, dyn] = at(n.aff);
          r = dyn === null ? pool.load(n.src, a, guard || n.guard) : pool.gather(n.src, a, dyn, guard || n.guard);
          break;
        }
        case "gather": {
          // Its own offset, read at the same positions, plus the starts.
          const [a, dyn] = at(n.aff);
          const inner = out.get(n.dyn)!;
          r = pool.gather(n.src, a, dyn === null ? inner : pool.op("add", "int32", [inner, dyn]), guard || n.guard);
          break;
        }
        case "op":
          r = pool.op(n.op, n.dtype, n.args.map((c) => out.get(c)!), n.imm, n.fn);
          break;
        default:
          return null;
      }
      out.set(n, r);
    }
    return out.get(x)!;
  }
}

/**
 * Whether an expression can be read at data-dependent positions (Starts.read): loads,
 * gathers, constants and elementwise ops, but no iota, range predicate or reduction.
 */
export function readableAt(e: Expr): boolean {
  return topoOrder([e]).every((n) => n.kind === "const" || n.kind === "load" || n.kind === "gather" || n.kind === "op");
}

const and = (pool: ExprPool, a: Expr | boolean, b: Expr | boolean): Expr | boolean => {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return pool.op("and", "bool", [a, b]);
};

/** Broadcasts a rank-0 expression into an index space of rank n. */
function scalarTo(pool: ExprPool, e: Expr, n: number): Expr {
  return remapExpr(pool, e, (a) => ({ off: a.off, s: new Array<number>(n).fill(0) }))!;
}

/**
 * gather: output dims are batch dims (the index vectors' positions, in order) and offset dims
 * (the window dims of the operand, in order). Operand dim d is read at
 *   start_d (d in start_index_map) + w (d a window dim) + g_b (d the b-th batching dim).
 */
const gather: Rule = (pool, [x, idx], eqn) => {
  const { dimensionNumbers: dn, sliceSizes: ss, mode, fillValue } = eqn.params as GatherParams;
  const xa = avalIn(eqn, 0);
  const ia = avalIn(eqn, 1);
  const out = avalOut(eqn);
  if (out.size === 0) return [pool.constant(0, out.dtype)];
  const rank = out.ndim;
  const batchPos = range(rank).filter((i) => !dn.offsetDims.includes(i));
  const win = range(xa.ndim).filter((d) => !dn.collapsedSliceDims.includes(d) && !dn.operandBatchingDims.includes(d));
  const maps = xa.shape.map((_, d): AxisMap => {
    const w = win.indexOf(d);
    if (w >= 0) return id(dn.offsetDims[w]!);
    const b = dn.operandBatchingDims.indexOf(d);
    return b >= 0 ? id(batchPos[dn.startIndicesBatchingDims[b]!]!) : constant(0);
  });
  const ivd = ia.ndim - 1;
  const starts = new Starts(pool);
  let valid: Expr | boolean = true;
  for (let k = 0; k < dn.startIndexMap.length; k++) {
    const d = dn.startIndexMap[k]!;
    // idx[g..., k] over the output space.
    const imaps = ia.shape.map((_, j) => (j === ivd ? constant(k) : id(batchPos[j]!)));
    const v = remapExpr(pool, idx!, (a) => mapAffine(a, imaps, rank))!;
    const s = startIndex(pool, v, xa.shape[d]! - ss[d]!);
    starts.add(d, s.clamped);
    valid = and(pool, valid, s.valid);
  }
  const read = starts.read(x!, maps, rank);
  if (read === null) return null;
  if (mode !== "fill" || valid === true) return [read];
  const fill = pool.constant(storedValue(fillValue ?? defaultFillValue(out.dtype), out.dtype), out.dtype);
  return [valid === false ? fill : pool.op("select", out.dtype, [valid, read, fill])];
};

/** dynamic_slice: out[i] = x[clamp(start) + i]. */
const dynamicSlice: Rule = (pool, [x, ...idx], eqn) => {
  const sizes = eqn.params["sliceSizes"] as number[];
  const xa = avalIn(eqn, 0);
  const out = avalOut(eqn);
  if (out.size === 0) return [pool.constant(0, out.dtype)];
  const rank = out.ndim;
  const starts = new Starts(pool);
  idx.forEach((v, d) => starts.add(d, startIndex(pool, scalarTo(pool, v, rank), xa.shape[d]! - sizes[d]!).clamped));
  const read = starts.read(x!, range(rank).map(id), rank);
  return read && [read];
};

/**
 * dynamic_update_slice: out[i] = u[i − start] where start ≤ i < start + size (every dim),
 * else x[i]. The window test is (i_d − start_d) <ᵤ size_d on uint32 (one compare); the read of
 * u is guarded, since the select evaluates it outside the window too.
 */
const dynamicUpdateSlice: Rule = (pool, [x, u, ...idx], eqn) => {
  const xa = avalIn(eqn, 0);
  const ua = avalIn(eqn, 1);
  const out = avalOut(eqn);
  if (ua.size === 0 || out.size === 0) return [x!];
  const rank = out.ndim;
  const starts = new Starts(pool);
  let inside: Expr | boolean = true;
  for (let d = 0; d < idx.length; d++) {
    const n = ua.shape[d]!;
    const s = startIndex(pool, scalarTo(pool, idx[d]!, rank), xa.shape[d]! - n).clamped;
    starts.add(d, typeof s === "number" ? -s : pool.op("neg", "int32", [s]));
    if (n === xa.shape[d]) continue;
    const axis: Affine = { off: 0, s: range(rank).map((i) => (i === d ? 1 : 0)) };
    let c: Expr;
    if (typeof s === "number") c = pool.inRange(axis, s, s + n);
    else {
      const rel = pool.op("sub", "int32", [pool.index(axis, "int32"), s]);
      c = pool.op("lt", "bool", [pool.op("bitcast", "uint32", [rel]), pool.constant(n, "uint32")]);
    }
    inside = and(pool, inside, c);
  }
  const read = starts.read(u!, range(rank).map(id), rank, inside !== true);
  if (read === null) return null;
  return [inside === true ? read : pool.op("select", out.dtype, [inside as Expr, read, x!])];
};

/**
 * pad with interior padding: along a dim with k − 1 interior zeros, output position i holds
 * x[r / k] where r = i − lo is in [0, (n − 1)·k] and divisible by k, else the padding value.
 * The operand index r / k is not affine in i, so x is read through a gather node (guarded: it
 * is evaluated at padding positions too). Powers of two divide by shifts and masks.
 */
export const padInterior: Rule = (pool, [x, pv], eqn) => {
  const config = eqn.params["paddingConfig"] as [number, number, number][];
  const out = avalOut(eqn);
  const xs = avalIn(eqn, 0).shape;
  const rank = out.ndim;
  const value = scalarTo(pool, pv!, rank);
  if (avalIn(eqn, 0).size === 0 || out.size === 0) return [value];
  const maps = config.map(([lo, , interior], d): AxisMap => (interior === 0 ? { from: d, scale: 1, add: -lo } : constant(0)));
  const starts = new Starts(pool);
  let cond: Expr | boolean = true;
  const i32 = (v: number) => pool.constant(v, "int32");
  config.forEach(([lo, , interior], d) => {
    const n = xs[d]!;
    const k = interior + 1;
    const axis: Affine = { off: 0, s: range(rank).map((i) => (i === d ? 1 : 0)) };
    const span = (n - 1) * k + 1;
    if (lo > 0 || lo + span < out.shape[d]!) cond = and(pool, cond, pool.inRange(axis, lo, lo + span));
    if (interior === 0 || n === 1) return;
    const rel = pool.op("sub", "int32", [pool.index(axis, "int32"), i32(lo)]);
    const pow2 = (k & (k - 1)) === 0;
    const rem = pow2 ? pool.op("and", "int32", [rel, i32(k - 1)]) : pool.op("rem", "int32", [rel, i32(k)]);
    cond = and(pool, cond, pool.op("eq", "bool", [rem, i32(0)]));
    starts.add(d, pow2 ? pool.op("shr_a", "int32", [rel, i32(Math.log2(k))]) : pool.op("div", "int32", [rel, i32(k)]));
  });
  const read = starts.read(x!, maps, rank, true);
  if (read === null) return null;
  return [cond === true ? read : pool.op("select", out.dtype, [cond as Expr, read, value])];
};

export const INDEXING: Record<string, Rule> = {
  gather,
  dynamic_slice: dynamicSlice,
  dynamic_update_slice: dynamicUpdateSlice,
};
