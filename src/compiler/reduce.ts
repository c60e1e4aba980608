// Reduction accumulators: initial values, one accumulation step (scalar or SIMD), the
// horizontal combine of SIMD lanes, and the final rounding to the output dtype. float32 sums
// and products accumulate in float64, as the reference kernels do (so results differ from
// them only by the order of the additions). max/min keep the reference's compare-and-select
// (a NaN, once seen, wins; ties keep the earlier value); argmax/argmin keep the index of the
// first extreme value, or of the first NaN. In SIMD form each lane of an argmax runs that
// scan over its own elements (value, index and a NaN-seen mask per lane); lanes that scanned
// interleaved parts of one reduction are folded in index order before the scalar tail.
import type { Local, PlainOp } from "../backends/wasm/builder.js";
import { type Cls, Emit, clsOf } from "./emit_ops.js";
import { vconst, vnormalize, vsplat, vtype } from "./emit_simd.js";
import type { Evaluator } from "./eval.js";
import type { Expr, ReduceExpr } from "./ir.js";
import { reduceInit } from "./lower.js";

/** "scalar": scalar steps; "vector": SIMD steps; "inner": SIMD steps, then a scalar tail. */
export type AccMode = "scalar" | "vector" | "inner";

interface Acc {
  readonly r: ReduceExpr;
  /** Class of the body values and of the accumulator (float64 for float32 sums/products). */
  readonly vc: Cls;
  readonly ac: Cls;
  scalar?: Local;
  /**
   * Vector accumulators of each copy (two per copy for float64 accumulation of float32 lanes;
   * for argmax/argmin: the values, the int32 indices and the NaN-seen mask).
   */
  vec: Local[][];
  index?: Local;
  done?: Local;
}

const isArg = (a: Acc): boolean => a.r.op === "argmax" || a.r.op === "argmin";
const isFloatBody = (a: Acc): boolean => a.r.body.dtype === "float32" || a.r.body.dtype === "float64";

function i32Lanes(xs: number[]): number[] {
  const b = new Uint8Array(16);
  const dv = new DataView(b.buffer);
  xs.forEach((x, i) => dv.setInt32(i * 4, x, true));
  return Array.from(b);
}

export class Accumulators {
  private readonly accs: Acc[];

  constructor(
    private readonly e: Emit,
    private readonly ev: Evaluator,
    reduces: readonly ReduceExpr[],
    readonly mode: AccMode,
    /** Independent sets of vector accumulators (steps name theirs), combined at the end. */
    private readonly copies = 1,
  ) {
    this.accs = reduces.map((r) => {
      const vc = clsOf(r.body.dtype);
      const wide = (r.op === "sum" || r.op === "prod") && vc === "f32";
      return { r, vc, ac: wide ? "f64" : vc, vec: [] };
    });
  }

  private init0(a: Acc): number {
    const { op, body } = a.r;
    if (op === "argmax") return reduceInit("max", body.dtype);
    if (op === "argmin") return reduceInit("min", body.dtype);
    return reduceInit(op, a.r.dtype);
  }

  init(): void {
    const { e } = this;
    const f = e.f;
    for (const a of this.accs) {
      const v0 = this.init0(a);
      if (this.mode !== "vector") {
        a.scalar = e.tmp(a.ac);
        f.set(a.scalar, e.sconst(a.ac, v0));
        if (a.r.op === "argmax" || a.r.op === "argmin") {
          a.index = e.tmp("i32");
          a.done = e.tmp("i32");
          f.set(a.index, 0);
          f.set(a.done, 0);
        }
      }
      if (this.mode !== "scalar") {
        const arg = isArg(a);
        const n = arg ? 3 : a.ac !== a.vc && e.L === 4 ? 2 : 1;
        for (let c = 0; c < this.copies; c++) {
          const set: Local[] = [];
          for (let i = 0; i < n; i++) {
            const l = e.tmp("v128");
            // argmax/argmin: the value, then zero indices and an empty NaN mask.
            vconst(e, arg && i > 0 ? "i32" : a.ac, arg && i > 0 ? 0 : v0);
            f.set(l);
            set.push(l);
          }
          a.vec.push(set);
        }
      }
    }
  }

  /** Scalar combine: pushes op(acc, v) for values of the accumulator class. */
  private combine(a: Acc, acc: Local, v: Local): void {
    const f = this.e.f;
    const c = a.ac;
    const op = a.r.op;
    switch (op) {
      case "sum":
        f.op(`${c}.add` as PlainOp, acc, v);
        return;
      case "prod":
        f.op(`${c}.mul` as PlainOp, acc, v);
        return;
      case "and":
      case "or":
        f.op(`i32.${op}` as PlainOp, acc, v);
        return;
      default: {
        const better = this.better(a, v, acc, false);
        f.op("select", v, acc, better);
      }
    }
  }

  /** Pushes (scalar or mask) v beats acc: v > acc (max) or v < acc (min), or v is NaN. */
  private better(a: Acc, v: Local, acc: Local, vector: boolean): () => void {
    const f = this.e.f;
    const c = a.vc;
    const max = a.r.op === "max" || a.r.op === "argmax";
    const float = a.r.body.dtype === "float32" || a.r.body.dtype === "float64";
    const sfx = c === "i32" ? (a.r.body.dtype === "uint32" ? "_u" : "_s") : "";
    const t = vector ? vtype(c) : c;
    const cmp = `${t}.${max ? "gt" : "lt"}${sfx}` as PlainOp;
    if (!float) return () => f.op(cmp, v, acc);
    const or = vector ? "v128.or" : "i32.or";
    return () => f.op(or, () => f.op(cmp, v, acc), () => f.op(`${t}.ne` as PlainOp, v, v));
  }

  /** One step with the body values (one per reduction, in the region's form); r is the reduced index. */
  step(values: Local[], r: Local, vector: boolean, copy = 0): void {
    const f = this.e.f;
    this.accs.forEach((a, i) => {
      const v = values[i]!;
      if (vector) return isArg(a) ? this.vstepArg(a.vec[copy]!, a, v, r, copy) : this.vstep(a.vec[copy]!, a, v);
      if (a.r.op === "argmax" || a.r.op === "argmin") {
        // upd = !done & (better | isnan); the value moves only on `better`; a NaN ends the search.
        const better = this.better(a, v, a.scalar!, false);
        const isNaN = () => (isFloatBody(a) ? f.op(`${a.vc}.ne` as PlainOp, v, v) : f.emit(f.i32c(0)));
        const bt = this.e.tmp("i32");
        f.set(bt, better);
        const nan = this.e.tmp("i32");
        f.set(nan, isNaN);
        f.set(a.index!, () => f.op("select", r, a.index!, () => f.op("i32.and", () => f.op("i32.eqz", a.done!), bt)));
        f.set(a.scalar!, () => f.op("select", v, a.scalar!, () => f.op("i32.and", () => f.op("i32.eqz", a.done!), bt)));
        f.set(a.done!, () => f.op("i32.or", a.done!, nan));
        return;
      }
      let x = v;
      if (a.ac !== a.vc) {
        x = this.e.tmp("f64");
        f.set(x, () => f.op("f64.promote_f32", v));
      }
      this.combine(a, a.scalar!, x);
      f.set(a.scalar!);
    });
  }

  /**
   * One SIMD step of argmax/argmin: upd = better & ¬seenNaN per lane; value and index move on
   * upd; a NaN marks its lane done. Lane indices are r + copy·L + lane (lanes along the reduced
   * axis) or r (lanes across outputs).
   */
  private vstepArg(set: Local[], a: Acc, v: Local, r: Local, copy: number): void {
    const { e } = this;
    const f = e.f;
    const [val, idx, done] = set as [Local, Local, Local];
    const upd = e.tmp("v128");
    f.set(upd, () => f.op("v128.andnot", this.better(a, v, val, true), done));
    f.set(val, () => f.op("v128.bitselect", v, val, upd));
    const lanes = () => {
      if (this.mode !== "inner") return vsplat(e, "i32", r);
      const k = copy * e.L;
      f.op("i32x4.add", () => vsplat(e, "i32", r), () => f.emit(f.v128c(i32Lanes([k, k + 1, k + 2, k + 3]))));
    };
    f.set(idx, () => f.op("v128.bitselect", lanes, idx, () => this.narrow(a.vc, upd)));
    if (isFloatBody(a)) f.set(done, () => f.op("v128.or", done, () => f.op(`${vtype(a.vc)}.ne` as PlainOp, v, v)));
  }

  /** A lane mask of class c as 32-bit lanes (float64's two 64-bit lanes become i32 lanes 0 and 1). */
  private narrow(c: Cls, m: Local): void {
    const f = this.e.f;
    if (c !== "f64") f.get(m);
    else f.shuffle([0, 1, 2, 3, 8, 9, 10, 11, 0, 1, 2, 3, 8, 9, 10, 11], m, m);
  }

  /**
   * Folds the lanes of argmax/argmin accumulators (of every copy, in index order) into the
   * scalar state, before the scalar tail continues it. A lane T replaces the state S when
   * T saw a NaN first (T.done and (¬S.done or T.idx < S.idx)), or neither did and T's value is
   * better, or equal at a smaller index.
   */
  foldLanes(): void {
    const { e } = this;
    const f = e.f;
    for (const a of this.accs) {
      if (!isArg(a)) continue;
      const c = a.vc;
      const max = a.r.op === "argmax";
      const sfx = c === "i32" ? (a.r.body.dtype === "uint32" ? "_u" : "_s") : "";
      for (const [val, idx, done] of a.vec as [Local, Local, Local][]) {
        for (let k = 0; k < e.L; k++) {
          const tv = this.ev.lane(c, val, k);
          const ti = this.ev.lane("i32", idx, k);
          const td = e.tmp("i32");
          f.set(td, () => f.lane("i32x4.extract_lane", c === "f64" ? 2 * k : k, done));
          const earlier = () => f.op("i32.lt_s", ti, a.index!);
          const beats = () =>
            f.op("i32.or", () => f.op(`${c}.${max ? "gt" : "lt"}${sfx}` as PlainOp, tv, a.scalar!), () =>
              f.op("i32.and", () => f.op(`${c}.eq` as PlainOp, tv, a.scalar!), earlier),
            );
          const take = e.tmp("i32");
          f.set(take, () =>
            f.op("select",
              () => f.op("i32.or", () => f.op("i32.eqz", a.done!), earlier),
              () => f.op("i32.and", () => f.op("i32.eqz", a.done!), beats),
              td),
          );
          f.set(a.scalar!, () => f.op("select", tv, a.scalar!, take));
          f.set(a.index!, () => f.op("select", ti, a.index!, take));
          f.set(a.done!, () => f.op("i32.or", a.done!, () => f.op("i32.ne", td, 0)));
        }
      }
    }
  }

  private vstep(set: Local[], a: Acc, v: Local): void {
    const { e } = this;
    const f = e.f;
    const V = vtype(a.ac);
    const parts: (() => void)[] =
      a.ac === a.vc
        ? [() => f.get(v)]
        : [
            () => f.op("f64x2.promote_low_f32x4", v),
            () => f.op("f64x2.promote_low_f32x4", () => f.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15], v, v)),
          ];
    set.forEach((acc, i) => {
      const x = e.tmp("v128");
      f.set(x, parts[i]!);
      switch (a.r.op) {
        case "sum":
          f.op(`${V}.add` as PlainOp, acc, x);
          break;
        case "prod":
          f.op(`${V}.mul` as PlainOp, acc, x);
          break;
        case "and":
        case "or":
          f.op(`v128.${a.r.op}` as PlainOp, acc, x);
          break;
        default:
          f.op("v128.bitselect", x, acc, this.better(a, x, acc, true));
      }
      f.set(acc);
    });
  }

  /** Final values of the reductions into env (scalar, or vector in "vector" mode). */
  finish(env: Map<Expr, Local>): void {
    const { e } = this;
    const f = e.f;
    for (const a of this.accs) {
      const d = a.r.dtype;
      if (this.mode === "vector" && isArg(a)) {
        env.set(a.r, this.ev.castIndex(d, a.vec[0]![1]!));
        continue;
      }
      if (this.mode === "vector") {
        const [lo, hi] = a.vec[0]!;
        if (a.ac !== a.vc) {
          if (hi) f.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23], () => f.op("f32x4.demote_f64x2_zero", lo!), () => f.op("f32x4.demote_f64x2_zero", hi));
          else f.op("f32x4.demote_f64x2_zero", lo!);
        } else {
          f.get(lo!);
          if (a.ac === "i32") vnormalize(e, d);
        }
        env.set(a.r, e.save("v128"));
        continue;
      }
      if (this.mode === "inner" && !isArg(a)) {
        // Fold the lanes in order, then the scalar tail.
        const lanes: Local[] = [];
        const perVec = a.ac === "f64" ? 2 : e.L;
        for (const set of a.vec) for (const v of set) for (let k = 0; k < perVec; k++) lanes.push(this.ev.lane(a.ac, v, k));
        let t = lanes[0]!;
        for (const l of [...lanes.slice(1), a.scalar!]) {
          this.combine(a, t, l);
          t = e.save(a.ac);
        }
        f.set(a.scalar!, t);
      }
      if (a.r.op === "argmax" || a.r.op === "argmin") e.convert("int32", d, a.index!);
      else if (a.ac !== a.vc) f.op("f32.demote_f64", a.scalar!);
      else {
        f.get(a.scalar!);
        if (a.ac === "i32") e.normalize(d);
      }
      env.set(a.r, e.save(clsOf(d)));
    }
  }
}
