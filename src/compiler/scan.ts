// cumsum as a Wasm kernel: running sums along one axis of x viewed as [outer, n, inner].
// Every step adds in the dtype (float32 in float32, integers wrapping), as the reference
// kernel accumulates through its output array, so results are bit-exact. The parallel units
// are (outer row, chunk of 16 inner columns): each runs its columns' scans side by side as
// SIMD vectors (several vectors at a time, so each step reads whole cache lines), then
// single vectors, then a scalar tail. When inner is narrower than a vector the units are
// (outer row, inner column) pairs, each one scalar scan.
import type { ShapedArray } from "../core/aval.js";
import { type DType, itemsize } from "../core/dtypes.js";
import type { FunctionBuilder, Local, PlainOp } from "../backends/wasm/builder.js";
import type { GeneratedKernel } from "./codegen.js";
import { type Cls, Emit, clsOf } from "./emit_ops.js";
import { vconst, vnormalize, vtype } from "./emit_simd.js";
import { Evaluator, SCALAR_LOAD, align } from "./eval.js";
import { kernelModule } from "./helpers.js";

/** Inner columns per parallel unit of a vectorized scan. */
const CHUNK = 16;

const prod = (xs: readonly number[]): number => xs.reduce((a, b) => a * b, 1);

/** The kernel of cumsum(x, axis, reverse): kernel(in0, out0, start, end) over units [start, end). */
export function generateCumsum(x: ShapedArray, axis: number, reverse: boolean): GeneratedKernel {
  const n = x.shape[axis]!;
  const outer = prod(x.shape.slice(0, axis));
  const inner = prod(x.shape.slice(axis + 1));
  const c = clsOf(x.dtype);
  const L: 2 | 4 = c === "f64" ? 2 : 4;
  const vector = inner >= L;
  const perRow = vector ? Math.ceil(inner / CHUNK) : inner;
  const extent = x.size === 0 ? 0 : outer * perRow;
  const m = kernelModule();
  m.function("kernel", { in0: "i32", out0: "i32", start: "i32", end: "i32" }, [], (f) => {
    if (extent === 0) return;
    const geom: Geometry = { n, inner, perRow, vector, reverse, dtype: x.dtype, cls: c };
    new ScanEmitter(f, new Emit(f, L, new Map(), {}), geom).emit();
  }, true);
  const columns = vector ? Math.min(CHUNK, inner) : 1;
  return { bytes: m.toBytes(), mathImports: [], extent, costPerItem: Math.max(1, n * columns * (2 * itemsize(x.dtype) + 1)) };
}

interface Geometry {
  readonly n: number;
  readonly inner: number;
  readonly perRow: number;
  readonly vector: boolean;
  readonly reverse: boolean;
  readonly dtype: DType;
  readonly cls: Cls;
}

class ScanEmitter {
  private readonly ev: Evaluator;

  constructor(
    private readonly f: FunctionBuilder,
    private readonly e: Emit,
    private readonly g: Geometry,
  ) {
    this.ev = new Evaluator(e, new Map());
  }

  emit(): void {
    const { f, e, g } = this;
    const u = e.tmp("i32");
    const o = e.tmp("i32");
    const j = e.tmp("i32");
    const col = e.tmp("i32");
    const j1 = e.tmp("i32");
    const end = f.named("end");
    f.set(u, f.named("start"));
    f.block((exit) => {
      f.loop((top) => {
        f.brIf(exit, () => f.op("i32.ge_u", u, end));
        f.set(o, () => f.op("i32.div_u", u, g.perRow));
        f.set(j, () => f.op("i32.sub", u, () => f.op("i32.mul", o, g.perRow)));
        if (!g.vector) this.scan(o, j, 1, false);
        else {
          // Columns [j·CHUNK, min(j·CHUNK + CHUNK, inner)): groups of vectors, single vectors, scalars.
          f.set(col, () => f.op("i32.mul", j, CHUNK));
          f.set(j1, () => f.op("i32.add", col, CHUNK));
          f.set(j1, () => f.op("select", j1, g.inner, () => f.op("i32.lt_u", j1, g.inner)));
          for (const [copies, vec] of [[CHUNK / e.L, true], [1, true], [1, false]] as const) {
            const width = vec ? copies * e.L : 1;
            f.block((done) => {
              f.loop((next) => {
                f.brIf(done, () => f.op("i32.gt_u", () => f.op("i32.add", col, width), j1));
                this.scan(o, col, copies, vec);
                f.set(col, () => f.op("i32.add", col, width));
                f.br(next);
              });
            });
          }
        }
        f.set(u, () => f.op("i32.add", u, 1));
        f.br(top);
      });
    });
  }

  /** The scans of `copies` vectors (or one scalar) of columns starting at column `col` of row o. */
  private scan(o: Local, col: Local, copies: number, vec: boolean): void {
    const { f, e, g } = this;
    const size = itemsize(g.dtype);
    const first = g.reverse ? g.n - 1 : 0;
    const step = (g.reverse ? -g.inner : g.inner) * size;
    // Byte offset of element (o, first, col).
    const off = e.tmp("i32");
    f.set(off, () =>
      f.op("i32.mul", () => f.op("i32.add", () => f.op("i32.mul", () => f.op("i32.add", () => f.op("i32.mul", o, g.n), first), g.inner), col), size),
    );
    const pin = e.tmp("i32");
    const pout = e.tmp("i32");
    f.set(pin, () => f.op("i32.add", f.named("in0"), off));
    f.set(pout, () => f.op("i32.add", f.named("out0"), off));
    // −0 + x = x for every float x (the reference's first partial sum is the first element).
    const zero = g.cls === "i32" ? 0 : -0;
    const accs = Array.from({ length: copies }, () => {
      const a = e.tmp(vec ? "v128" : g.cls);
      if (vec) vconst(e, g.cls, zero);
      else f.emit(e.sconst(g.cls, zero));
      f.set(a);
      return a;
    });
    const t = e.tmp("i32");
    f.forRange(t, 0, g.n, 1, () => {
      accs.forEach((acc, k) => {
        const bytes = k * e.L * size;
        const addr = () => (bytes === 0 ? f.get(pin) : f.op("i32.add", pin, bytes));
        if (vec) {
          f.op(`${vtype(g.cls)}.add` as PlainOp, acc, () => this.ev.contiguousLoad(g.dtype, addr));
          if (g.cls === "i32") vnormalize(e, g.dtype);
          f.set(acc);
          this.ev.contiguousStore(g.dtype, pout, acc, bytes);
        } else {
          f.op(`${g.cls}.add` as PlainOp, acc, () => f.load(SCALAR_LOAD[g.dtype], addr, 0, align(g.dtype)));
          if (g.cls === "i32") e.normalize(g.dtype);
          f.set(acc);
          this.ev.scalarStore(g.dtype, pout, acc);
        }
      });
      f.set(pin, () => f.op("i32.add", pin, step));
      f.set(pout, () => f.op("i32.add", pout, step));
    });
  }
}
