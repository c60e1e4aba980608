// Two-stage reductions: a kernel that reduces a large space into a few outputs has almost no
// parallel units, so it becomes two kernels: the first reduces P slices of the first reduced
// axis into partial results (O × P units of work, run across threads), the second combines
// the P partials and applies the epilogue. Sums and products then add in a different order
// (within rounding); max, min, and, or are unchanged.
import { ShapedArray } from "../core/aval.js";
import { Var } from "../ir/jaxpr.js";
import {
  type Expr, type ExprPool, MAX_BUFFERS, type ReduceExpr, type ReduceOp, denseAffine, loadedVars, remapExpr, topoOrder,
} from "./ir.js";
import type { KernelGroup, PlannedStep } from "./fusion.js";

/** Reductions into at most this many outputs are split... */
const MAX_OUTPUTS = 16;
/** ...when they reduce at least this many elements each. */
const MIN_REDUCED = 1 << 16;
const SPLITTABLE = new Set<ReduceOp>(["sum", "prod", "max", "min", "and", "or"]);

/** The number of slices: the largest divisor of n in [8, 64], or 0 when there is none. */
function slices(n: number): number {
  for (let p = 64; p >= 8; p--) if (n % p === 0) return p;
  return 0;
}

/** Rebuilds e with some nodes replaced. */
function substitute(pool: ExprPool, e: Expr, repl: Map<Expr, Expr>): Expr {
  const out = new Map<Expr, Expr>();
  for (const n of topoOrder([e], (x) => repl.has(x))) {
    const r = repl.get(n);
    if (r) out.set(n, r);
    else if (n.kind === "op") out.set(n, pool.op(n.op, n.dtype, n.args.map((a) => out.get(a)!), n.imm, n.fn));
    else if (n.kind === "gather") out.set(n, pool.gather(n.src, n.aff, out.get(n.dyn)!, n.guard));
    else out.set(n, n);
  }
  return out.get(e)!;
}

function splitGroup(pool: ExprPool, g: KernelGroup): PlannedStep[] | null {
  const size = g.shape.reduce((a, n) => a * n, 1);
  const reduces = topoOrder(g.exprs).filter((n): n is ReduceExpr => n.kind === "reduce");
  if (reduces.length === 0 || size > MAX_OUTPUTS || size === 0) return null;
  const R = reduces[0]!.rshape;
  const total = R.reduce((a, n) => a * n, 1);
  if (total < MIN_REDUCED || reduces.some((r) => !SPLITTABLE.has(r.op))) return null;
  const P = slices(R[0]!);
  if (P === 0) return null;
  const o = g.shape.length;
  const inner = R[0]! / P;
  // Stage 1 over [O..., P] reducing [R0/P, R1, ...]: the reduced index r0 = p·(R0/P) + t.
  const split = (a: { off: number; s: readonly number[] }) => ({
    off: a.off,
    s: [...a.s.slice(0, o), a.s[o]! * inner, a.s[o]!, ...a.s.slice(o + 1)],
  });
  const partials: Var[] = [];
  const partialExprs: Expr[] = [];
  const repl = new Map<Expr, Expr>();
  const shape1 = [...g.shape, P];
  for (const r of reduces) {
    const body = remapExpr(pool, r.body, split)!;
    const v = new Var(new ShapedArray(shape1, r.dtype));
    partials.push(v);
    partialExprs.push(pool.reduce(r.op, r.dtype, body, [inner, ...R.slice(1)]));
    // Stage 2 combines the P partials with the same operation.
    repl.set(r, pool.reduce(r.op, r.dtype, pool.load(v, denseAffine(shape1)), [P]));
  }
  const stage1: KernelGroup = {
    shape: shape1, key: "", roots: partials, exprs: partialExprs, loads: new Set(loadedVars(partialExprs)), pos: -1,
  };
  const exprs2 = g.exprs.map((e) => substitute(pool, e, repl));
  const stage2: KernelGroup = { shape: g.shape, key: "", roots: g.roots, exprs: exprs2, loads: new Set(loadedVars(exprs2)), pos: -1 };
  if ([stage1, stage2].some((k) => k.loads.size + k.roots.length > MAX_BUFFERS)) return null;
  return [{ kind: "kernel", group: stage1 }, { kind: "kernel", group: stage2 }];
}

/** Replaces kernels of large reductions into few outputs by two-stage kernels. */
export function splitReductions(pool: ExprPool, steps: PlannedStep[]): PlannedStep[] {
  return steps.flatMap((s) => (s.kind === "kernel" ? (splitGroup(pool, s.group) ?? [s]) : [s]));
}
