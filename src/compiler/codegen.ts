// Wasm code generation for one kernel: output expressions over an index space O (and,
// for kernels with reductions, reduced axes R appended to it). Axes are collapsed where
// every leaf's strides allow (so an elementwise kernel over contiguous or broadcast-scalar
// operands is one flat loop), then one of these loop nests is emitted:
//
//   ew     units = (row, 16-column chunk); the last output axis runs as a SIMD loop with a
//          scalar tail; loads with stride 1 are vector loads, stride 0 splats, others gathers
//          (kernels that gather along the last axis run in tiles of 128 rows × 16 columns);
//   inner  a reduction over the last reduced axis: scalar over output elements, the reduced
//          axis as a SIMD loop into two independent sets of vector accumulators, combined
//          at the end;
//   outer  a reduction over outer axes: SIMD across 16 output columns (4 vectors of
//          accumulators), scalar loops over R.
//
// Nodes are evaluated at the outermost level where they vary: per row (invariant along the
// last output axis and R: broadcast scalars, constants), per output position, or per
// reduction step. kernel(in..., out..., start, end) runs units [start, end).
import { itemsize } from "../core/dtypes.js";
import type { ShapedArray } from "../core/aval.js";
import type { Var } from "../ir/jaxpr.js";
import type { FunctionBuilder, Local, ModuleBuilder, ValType } from "../backends/wasm/builder.js";
import { Emit, type MathImport, clsOf, mathImportsOf } from "./emit_ops.js";
import { Evaluator, type Leaf, type LeafInfo, type Region } from "./eval.js";
import { type Expr, type GatherExpr, type LoadExpr, type ReduceExpr, topoOrder } from "./ir.js";
import { Accumulators } from "./reduce.js";
import { emitFmod, kernelModule } from "./helpers.js";
import { type MathFn, WasmMath } from "../backends/wasm/math.js";

export interface KernelSpec {
  /** The output index space; every output has this shape. */
  readonly shape: readonly number[];
  /** Avals of the input buffers, in parameter order. */
  readonly inputs: readonly ShapedArray[];
  /** One expression per output. */
  readonly outputs: readonly Expr[];
  /** Parameter index of each loaded buffer. */
  readonly slotOf: ReadonlyMap<Var, number>;
}

export interface GeneratedKernel {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The JS Math functions the module imports from `math`. */
  readonly mathImports: readonly string[];
  readonly extent: number;
  readonly costPerItem: number;
}

/** Columns per parallel unit of a vectorized kernel (a multiple of every lane count). */
const CHUNK = 16;
/** Rows per tile (by CHUNK columns) of an elementwise kernel with a transposed operand (tall tiles measured fastest). */
const BAND = 128;
/** Vectors of accumulators per step of a reduction over the last axis (independent chains). */
const INNER_COPIES = 2;

type Mode = "ew" | "inner" | "outer";

interface Layout {
  O: number[];
  R: number[];
  leaves: Map<Expr, LeafInfo>;
  mode: Mode;
  L: 2 | 4;
  /** Rows per parallel unit (1, or BAND for tiled kernels). */
  band: number;
}

const isLoad = (n: Expr): n is LoadExpr | GatherExpr => n.kind === "load" || n.kind === "gather";
/** The operands of a node computed in the same loop nest (not a reduction's body). */
const operands = (n: Expr): readonly Expr[] => (n.kind === "op" ? n.args : n.kind === "gather" ? [n.dyn] : []);

/** Merges adjacent axes a, b where every stride vector has s[a] = s[b]·n[b]; drops size-1 axes. */
function collapse(sizes: readonly number[], strides: (readonly number[])[]): number[][] {
  const groups: number[][] = [];
  for (let a = 0; a < sizes.length; a++) {
    if (sizes[a] === 1) continue;
    const g = groups[groups.length - 1];
    const last = g?.[g.length - 1];
    if (g && strides.every((s) => s[last!] === s[a]! * sizes[a]!)) g.push(a);
    else groups.push([a]);
  }
  return groups;
}

function layoutOf(spec: KernelSpec, nodes: Expr[]): Layout {
  const reduces = nodes.filter((n): n is ReduceExpr => n.kind === "reduce");
  const rshape = reduces[0]?.rshape ?? [];
  const p0 = spec.shape.length;
  const leafNodes = nodes.filter((n): n is Leaf => n.kind === "load" || n.kind === "gather" || n.kind === "index" || n.kind === "inrange");
  const isBody = (n: Leaf) => reduces.length > 0 && n.aff.s.length === p0 + rshape.length && rshape.length > 0;
  const oGroups = collapse(spec.shape, leafNodes.map((n) => n.aff.s.slice(0, p0)));
  const rGroups = collapse(rshape, leafNodes.filter(isBody).map((n) => n.aff.s.slice(p0)));
  const O = oGroups.map((g) => g.reduce((p, a) => p * spec.shape[a]!, 1));
  const R = rGroups.map((g) => g.reduce((p, a) => p * rshape[a]!, 1));
  const pick = (s: readonly number[], groups: number[][]) => groups.map((g) => s[g[g.length - 1]!]!);
  if (O.length === 0) {
    O.push(1);
    oGroups.push([]);
  }
  if (reduces.length > 0 && R.length === 0) {
    R.push(1);
    rGroups.push([]);
  }
  const pickO = (s: readonly number[]) => (oGroups[0]!.length === 0 ? [0] : pick(s, oGroups));
  const pickR = (s: readonly number[]) => (rGroups[0]?.length === 0 ? [0] : pick(s, rGroups));
  const leaves = new Map<Expr, LeafInfo>();
  for (const n of leafNodes) {
    const body = isBody(n);
    const size = isLoad(n) ? itemsize(n.dtype) : 1;
    const count = isLoad(n) ? n.src.aval.size : 0;
    leaves.set(n, {
      node: n,
      off: n.aff.off,
      sO: pickO(n.aff.s.slice(0, p0)),
      sR: body ? pickR(n.aff.s.slice(p0)) : R.map(() => 0),
      size,
      count,
    });
  }
  const L: 2 | 4 = nodes.some((n) => clsOf(n.dtype) === "f64") ? 2 : 4;
  let mode: Mode = "ew";
  if (reduces.length > 0) {
    const infos = [...leaves.values()];
    const loads = infos.filter((l) => isLoad(l.node));
    const unit = (s: number) => s === 0 || s === 1;
    const innerOK = loads.every((l) => unit(l.sR[R.length - 1]!));
    const outerOK = loads.every((l) => unit(l.sO[O.length - 1]!)) && O[O.length - 1]! >= L;
    if (innerOK && (R[R.length - 1]! >= 4 * L || !outerOK)) mode = "inner";
    else if (outerOK) mode = "outer";
    else mode = "inner";
  }
  // Elementwise kernels that gather along the last axis (a transposed operand) run in tiles
  // of BAND rows × CHUNK columns, so that the operand rows a tile gathers from stay in cache
  // (a 4096² transpose: 140 ms untiled, 14 ms in 128×16 tiles).
  const gathers = [...leaves.values()].some((l) => isLoad(l.node) && Math.abs(l.sO[O.length - 1]!) > 1);
  const band = mode === "ew" && O.length >= 2 && gathers ? BAND : 1;
  return { O, R, leaves, mode, L, band };
}

/** Compiles a kernel to a Wasm module exporting `kernel(in..., out..., start, end)`. */
export function generateKernel(spec: KernelSpec, relaxed = false): GeneratedKernel {
  const nodes = topoOrder(spec.outputs);
  const size = spec.shape.reduce((p, n) => p * n, 1);
  const lay = layoutOf(spec, nodes);
  const { O, R, mode } = lay;
  const nLast = O[O.length - 1]!;
  const rows = O.slice(0, -1).reduce((p, n) => p * n, 1);
  const ch = mode === "ew" || mode === "outer" ? CHUNK : 1;
  const nch = Math.ceil(nLast / ch);
  const extent = size === 0 ? 0 : Math.ceil(rows / lay.band) * nch;

  const m = kernelModule();
  const mathRefs = new Map<string, ReturnType<ModuleBuilder["importFunction"]>>();
  for (const n of nodes) {
    if (n.kind !== "op" || n.op !== "math" || WasmMath.offers(n.fn as MathFn, clsOf(n.dtype) as "f32" | "f64")) continue;
    for (const name of mathImportsOf(n.fn)) {
      if (!mathRefs.has(name)) {
        const params: ValType[] = name === "pow" || name === "atan2" ? ["f64", "f64"] : ["f64"];
        mathRefs.set(name, m.importFunction("math", name as MathImport, params, ["f64"]));
      }
    }
  }
  const needsFmod = nodes.some((n) => n.kind === "op" && n.op === "rem" && clsOf(n.dtype) !== "i32");
  const fmod = needsFmod ? emitFmod(m) : undefined;
  const params: Record<string, ValType> = {};
  spec.inputs.forEach((_, i) => (params[`in${i}`] = "i32"));
  spec.outputs.forEach((_, i) => (params[`out${i}`] = "i32"));
  params["start"] = "i32";
  params["end"] = "i32";
  m.function("kernel", params, [], (f) => {
    const wm = new WasmMath(m, { relaxed });
    if (extent > 0) new KernelEmitter(f, spec, lay, nodes, new Emit(f, lay.L, mathRefs, { fmod }, wm)).emit(nch, ch);
  }, true);

  const loadBytes = [...lay.leaves.values()].reduce((s, l) => s + (isLoad(l.node) ? l.size : 0), 0);
  const storeBytes = spec.outputs.reduce((s, o) => s + itemsize(o.dtype), 0);
  const flops = nodes.filter((n) => n.kind === "op").length + nodes.filter((n) => n.kind === "op" && n.op === "math").length * 20;
  const perElement = mode === "ew" ? loadBytes + storeBytes + flops : (loadBytes + flops) * R.reduce((p, n) => p * n, 1) + storeBytes;
  return { bytes: m.toBytes(), mathImports: [...mathRefs.keys()], extent, costPerItem: Math.max(1, perElement * (extent > 0 ? size / extent : 1)) };
}

/** Levels at which a node varies: 0 per row, 1 per output position, 2 per reduction step. */
type Level = 0 | 1 | 2;

class KernelEmitter {
  private readonly ev: Evaluator;
  private readonly level = new Map<Expr, Level>();
  private readonly bodyNodes = new Set<Expr>();
  private readonly reduces: ReduceExpr[];
  private readonly posLeaves: LeafInfo[];

  constructor(
    private readonly f: FunctionBuilder,
    private readonly spec: KernelSpec,
    private readonly lay: Layout,
    private readonly nodes: Expr[],
    private readonly e: Emit,
  ) {
    // Attach buffer parameters to load leaves.
    for (const [n, info] of lay.leaves) {
      if (isLoad(n)) {
        const base = f.named(`in${spec.slotOf.get(n.src)!}`);
        lay.leaves.set(n, { ...info, base });
      }
    }
    this.ev = new Evaluator(e, lay.leaves);
    this.reduces = nodes.filter((n): n is ReduceExpr => n.kind === "reduce");
    for (const r of this.reduces) for (const b of topoOrder([r.body])) this.bodyNodes.add(b);
    const infos = [...lay.leaves.values()];
    this.posLeaves = infos;
    const last = lay.O.length - 1;
    for (const n of nodes) {
      let lv: Level = 0;
      if (n.kind === "reduce") lv = 1;
      else if (n.kind === "op") lv = Math.max(0, ...n.args.map((a) => this.level.get(a)!)) as Level;
      else if (n.kind !== "const") {
        const info = lay.leaves.get(n)!;
        lv = info.sR.some((s) => s !== 0) ? 2 : info.sO[last] !== 0 ? 1 : 0;
        // A gather varies wherever its offset does.
        if (n.kind === "gather") lv = Math.max(lv, this.level.get(n.dyn)!) as Level;
      }
      this.level.set(n, lv);
    }
  }

  private lv(n: Expr): Level {
    return this.level.get(n)!;
  }

  emit(nch: number, ch: number): void {
    const { f, e, lay } = this;
    const { O } = lay;
    const p = O.length;
    const nLast = O[p - 1]!;
    const start = f.named("start");
    const end = f.named("end");
    const u = e.tmp("i32");
    const row = e.tmp("i32");
    const cs = e.tmp("i32");
    const take = e.tmp("i32");
    const j0 = e.tmp("i32");
    const j1 = e.tmp("i32");
    const rowEnd = e.tmp("i32");
    const band = lay.band;
    const rows = O.slice(0, -1).reduce((a, n) => a * n, 1);
    const idx = O.slice(0, -1).map(() => e.tmp("i32"));
    const rowPos = new Map<LeafInfo, Local>(this.posLeaves.map((l) => [l, e.tmp("i32")]));
    const outPtr = this.spec.outputs.map(() => e.tmp("i32"));
    f.set(u, start);
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("i32.ge_u", u, end));
        if (nch === 1) {
          f.set(row, u);
          f.set(cs, 0);
        } else {
          f.set(row, () => f.op("i32.div_u", u, nch));
          f.set(cs, () => f.op("i32.sub", u, () => f.op("i32.mul", row, nch)));
        }
        if (band > 1) {
          // A tile: rows [row·band, min(row·band + band, rows)) of one column chunk.
          f.set(take, 1);
          f.set(row, () => f.op("i32.mul", row, band));
          f.set(rowEnd, () => f.op("i32.add", row, band));
          f.set(rowEnd, () => f.op("select", rowEnd, rows, () => f.op("i32.lt_u", rowEnd, rows)));
        } else {
          // take = min(nch − cs, end − u) chunks of this row.
          f.set(take, () => f.op("i32.sub", nch, cs));
          f.set(take, () => f.op("select", take, () => f.op("i32.sub", end, u), () => f.op("i32.lt_u", take, () => f.op("i32.sub", end, u))));
          f.set(rowEnd, () => f.op("i32.add", row, 1));
        }
        // The columns [j0, j1).
        f.set(j0, () => f.op("i32.mul", cs, ch));
        f.set(j1, () => f.op("i32.mul", () => f.op("i32.add", cs, take), ch));
        f.set(j1, () => f.op("select", j1, nLast, () => f.op("i32.lt_u", j1, nLast)));
        f.loop((nextRow) => {
          this.row(row, j0, j1, idx, rowPos, outPtr);
          f.set(row, () => f.op("i32.add", row, 1));
          f.brIf(nextRow, () => f.op("i32.lt_u", row, rowEnd));
        });
        f.set(u, () => f.op("i32.add", u, take));
        f.br(top);
      });
    });
  }

  /** One row's setup (indices, leaf positions, row-level values) and its columns [j0, j1). */
  private row(row: Local, j0: Local, j1: Local, idx: Local[], rowPos: Map<LeafInfo, Local>, outPtr: Local[]): void {
    const { f, e, lay } = this;
    const { O } = lay;
    const p = O.length;
    const nLast = O[p - 1]!;
    // Row indices (row-major over the outer axes) and each leaf's position at (row, j0).
    if (idx.length > 0) {
      const rem = e.tmp("i32");
      f.set(rem, row);
      for (let d = p - 2; d >= 0; d--) {
        f.set(idx[d]!, () => f.op("i32.rem_u", rem, O[d]!));
        if (d > 0) f.set(rem, () => f.op("i32.div_u", rem, O[d]!));
      }
    }
    for (const [leaf, local] of rowPos) {
      let acc: () => void = () => f.emit(f.i32c(leaf.off));
      for (let d = 0; d < p - 1; d++) {
        const s = leaf.sO[d]!;
        if (s === 0) continue;
        const prev = acc;
        acc = () => f.op("i32.add", prev, () => f.op("i32.mul", idx[d]!, s));
      }
      const sl = leaf.sO[p - 1]!;
      const elems = sl === 0 ? acc : () => f.op("i32.add", acc, () => f.op("i32.mul", j0, sl));
      if (leaf.base) f.set(local, () => f.op("i32.add", leaf.base!, () => f.op("i32.mul", elems, leaf.size)));
      else f.set(local, elems);
    }
    this.spec.outputs.forEach((o, k) => {
      const flat = () => f.op("i32.add", () => f.op("i32.mul", row, nLast), j0);
      f.set(outPtr[k]!, () => f.op("i32.add", f.named(`out${k}`), () => f.op("i32.mul", flat, itemsize(o.dtype))));
    });
    // Row-level values.
    const rowEnv = new Map<Expr, Local>();
    const rowRegion: Region = { vector: false, stride: () => 0, pos: (l) => rowPos.get(l)! };
    for (const n of this.nodes) if (this.lv(n) === 0 && n.kind !== "reduce") this.ev.value(n, rowRegion, rowEnv);
    this.columns(j0, j1, rowPos, rowEnv, outPtr);
  }

  /**
   * A SIMD loop of `copies` vectors per step, then one of single vectors: `body(copies)`
   * runs at counter c; `advance(n)` moves every position n lanes on.
   */
  private vectorLoops(c: Local, end: Local | number, widest: number, body: (copies: number) => void, advance: (n: number) => void): void {
    const { f, e } = this;
    for (const copies of widest > 1 ? [widest, 1] : [1]) {
      const vend = e.tmp("i32");
      f.set(vend, () => f.op("i32.sub", end, copies * e.L - 1));
      f.block((exit) => {
        f.loop((top) => {
          f.brIf(exit, () => f.op("i32.ge_s", c, vend));
          body(copies);
          advance(copies * e.L);
          f.br(top);
        });
      });
    }
  }

  /** The loop over output columns [j0, j1) of one row. */
  private columns(j0: Local, j1: Local, rowPos: Map<LeafInfo, Local>, rowEnv: Map<Expr, Local>, outPtr: Local[]): void {
    const { f, e, lay } = this;
    const last = lay.O.length - 1;
    const j = e.tmp("i32");
    const pos = new Map<LeafInfo, Local>();
    for (const [leaf, local] of rowPos) {
      if (leaf.sO[last] === 0) pos.set(leaf, local);
      else {
        const l = e.tmp("i32");
        f.set(l, local);
        pos.set(leaf, l);
      }
    }
    const outs = outPtr.map((o) => {
      const l = e.tmp("i32");
      f.set(l, o);
      return l;
    });
    const advance = (step: number) => {
      for (const [leaf, l] of pos) {
        const s = leaf.sO[last]!;
        if (s !== 0) f.set(l, () => f.op("i32.add", l, s * step * leaf.size));
      }
      this.spec.outputs.forEach((o, k) => f.set(outs[k]!, () => f.op("i32.add", outs[k]!, step * itemsize(o.dtype))));
      f.set(j, () => f.op("i32.add", j, step));
    };
    f.set(j, j0);
    if (lay.mode === "ew" || lay.mode === "outer") {
      // Splats of the row-level values the vector body reads, hoisted out of the loop.
      const vEnv = new Map<Expr, Local>();
      for (const n of this.nodes) {
        if (this.lv(n) !== 0 || n.kind === "reduce") continue;
        if (this.usedAbove(n)) vEnv.set(n, this.ev.splat(clsOf(n.dtype), rowEnv.get(n)!));
      }
      const region = (k: number): Region => ({ vector: true, stride: (l) => l.sO[last]!, pos: (l) => pos.get(l)!, shift: k * e.L, scalars: rowEnv });
      // Column reductions keep several vectors of accumulators live, so that each step over
      // the reduced axes reads whole cache lines.
      const widest = lay.mode === "outer" ? Math.min(4, CHUNK / e.L) : 1;
      this.vectorLoops(j, j1, widest, (copies) => this.position(copies, region, vEnv, outs, true), advance);
    }
    const scalar: Region = { vector: false, stride: () => 0, pos: (l) => pos.get(l)! };
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("i32.ge_s", j, j1));
        this.position(1, () => scalar, rowEnv, outs, false);
        advance(1);
        f.br(top);
      });
    });
  }

  /** Whether a row-level node feeds a node that is computed per position or per step. */
  private usedAbove(n: Expr): boolean {
    return this.nodes.some((m) => this.lv(m) > 0 && operands(m).includes(n));
  }

  /**
   * `copies` output positions (vectors of columns shifted by k·L, or one column): the
   * reductions, the epilogue and the stores.
   */
  private position(copies: number, regionOf: (k: number) => Region, baseEnv: Map<Expr, Local>, outs: Local[], vector: boolean): void {
    const { e } = this;
    const ks = Array.from({ length: copies }, (_, k) => k);
    const regions = ks.map(regionOf);
    const envs = ks.map(() => new Map(baseEnv));
    if (this.reduces.length > 0) {
      // Position-level values the reduction bodies read come first.
      for (const k of ks) {
        for (const n of this.nodes) {
          if (this.lv(n) === 1 && n.kind !== "reduce" && this.bodyNodes.has(n)) this.ev.value(n, regions[k]!, envs[k]!);
        }
      }
      const inner = this.lay.mode === "inner";
      const accs = ks.map(() => new Accumulators(e, this.ev, this.reduces, inner ? "inner" : vector ? "vector" : "scalar", inner ? INNER_COPIES : 1));
      for (const a of accs) a.init();
      this.reductionNest(regions, envs, accs);
      accs.forEach((a, k) => a.finish(envs[k]!));
    }
    for (const k of ks) {
      this.spec.outputs.forEach((o, i) => {
        const v = this.ev.value(o, regions[k]!, envs[k]!);
        const offset = k * e.L * itemsize(o.dtype);
        if (vector) this.ev.contiguousStore(o.dtype, outs[i]!, v, offset);
        else this.ev.scalarStore(o.dtype, outs[i]!, v);
      });
    }
  }

  /**
   * The loops over the reduced axes. In "inner" mode the last one runs as SIMD loops (of
   * INNER_COPIES vectors, then single vectors) plus a scalar tail; otherwise every step
   * computes the bodies of each copy in its region's form.
   */
  private reductionNest(regions: Region[], envs: Map<Expr, Local>[], accs: Accumulators[]): void {
    const { f, e, lay } = this;
    const R = lay.R;
    const q = R.length;
    const level = (k: number, parent: (l: LeafInfo) => Local): void => {
      const cur = new Map<LeafInfo, Local>();
      for (const leaf of this.posLeaves) {
        if (leaf.sR[k] === 0) continue;
        const nl = e.tmp("i32");
        f.set(nl, parent(leaf));
        cur.set(leaf, nl);
      }
      const at = (l: LeafInfo) => cur.get(l) ?? parent(l);
      const r = e.tmp("i32");
      const step = (by: number) => {
        for (const [leaf, l] of cur) f.set(l, () => f.op("i32.add", l, leaf.sR[k]! * by * leaf.size));
        f.set(r, () => f.op("i32.add", r, by));
      };
      f.set(r, 0);
      const steps = (bodies: () => void) => (k < q - 1 ? level(k + 1, at) : bodies());
      if (k === q - 1 && lay.mode === "inner") {
        // SIMD along the last reduced axis: splats of the outer values the bodies read.
        const venv = new Map<Expr, Local>();
        for (const [n, l] of envs[0]!) if (this.feedsBody(n)) venv.set(n, this.ev.splat(clsOf(n.dtype), l));
        const vreg = (c: number): Region => ({ vector: true, stride: (l) => l.sR[k]!, pos: at, shift: c * e.L, scalars: envs[0]! });
        this.vectorLoops(r, R[k]!, INNER_COPIES, (copies) => {
          for (let c = 0; c < copies; c++) accs[0]!.step(this.bodyValues(vreg(c), new Map(venv)), r, true, c);
        }, step);
        // argmax/argmin lanes hold interleaved parts of one scan: folded before the tail goes on.
        if (q === 1) accs[0]!.foldLanes();
      }
      f.block((exit) => {
        f.loop((top) => {
          f.brIf(exit, () => f.op("i32.ge_s", r, R[k]!));
          steps(() => regions.forEach((reg, c) => accs[c]!.step(this.bodyValues({ ...reg, pos: at }, new Map(envs[c]!)), r, reg.vector, 0)));
          step(1);
          f.br(top);
        });
      });
    };
    level(0, (l) => regions[0]!.pos(l));
  }

  private feedsBody(n: Expr): boolean {
    return this.nodes.some((m) => this.lv(m) === 2 && operands(m).includes(n));
  }

  private bodyValues(region: Region, env: Map<Expr, Local>): Local[] {
    return this.reduces.map((r) => this.ev.value(r.body, region, env));
  }
}

