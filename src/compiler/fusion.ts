// Fusion: decides which values of a jaxpr are materialized (kernel outputs) and which are
// inlined into their consumers' expressions, and groups the materialized values into
// kernels. pjit calls are inlined first, so fusion crosses jit boundaries.
//
// A value is materialized when it is a jaxpr output, feeds or comes from an equation the
// compiler does not lower, contains a reduction and is read by another reduction, is
// expensive and would be recomputed at many points (read through a broadcast, pad or
// concatenate, or from several kernels or index mappings; a reduction always counts as
// expensive), or when a layout op cannot express its read (a reshape that is not affine).
// An operand that gather / dynamic_slice / dynamic_update_slice read at data-dependent
// positions is materialized unless it is a load, or a cheap expression of loads; their index
// operands stay fused unless they contain a reduction or cost more than INDEX_COST. The
// operand and updates of a scatter that are constants (the zeros that reverse mode scatters
// into) are not materialized: the scatter kernel fills them in.
// Relabeling layout ops (reshape, transpose, squeeze, slice, ...) of a reduction's result
// stay in the reduction's kernel. Roots with the same
// index space (and reduction shape) merge into multi-output kernels when their inputs are
// ready at the kernel's position and the kernel stays within MAX_BUFFERS buffers. Large
// reductions into a few outputs run in two stages (split.ts) so that threads can share them.
import { type Atom, type Jaxpr, type JaxprEqn, Literal, Var } from "../ir/jaxpr.js";
import { type Expr, ExprPool, MAX_BUFFERS, children, denseAffine, loadedVars, storedValue } from "./ir.js";
import { type EqnClass, eqnClass, lowerEqn, replicates } from "./lower.js";
import { bufferOperands, readableAt } from "./lower_indexing.js";
import { constantOperands } from "./scatter.js";
import { splitReductions } from "./split.js";

/** An expression at most this costly may be recomputed rather than materialized. */
const CHEAP = 2;

export interface FlatJaxpr {
  readonly invars: Var[];
  readonly eqns: JaxprEqn[];
  readonly outvars: Atom[];
}

/** The jaxpr a call primitive applies: pjit's, and custom_jvp_call's / custom_vjp_call's function. */
const CALL_JAXPR: Record<string, string> = { pjit: "jaxpr", custom_jvp_call: "callJaxpr", custom_vjp_call: "callJaxpr" };

/** Inlines calls (pjit, custom derivative calls; recursively, with fresh variables) and drops stop_gradient. */
export function inlineJaxpr(jaxpr: Jaxpr): FlatJaxpr {
  const eqns: JaxprEqn[] = [];
  const sub = new Map<Var, Atom>();
  const read = (a: Atom): Atom => (a instanceof Var ? (sub.get(a) ?? a) : a);
  const walk = (j: Jaxpr, fresh: boolean): void => {
    for (const e of j.eqns) {
      const inputs = e.inputs.map(read);
      const param = CALL_JAXPR[e.primitive.name];
      const inner = param === undefined ? undefined : e.params[param];
      if (inner instanceof Object && "eqns" in inner && (inner as Jaxpr).constvars.length === 0) {
        const ij = inner as Jaxpr;
        ij.invars.forEach((v, i) => sub.set(v, inputs[i]!));
        walk(ij, true);
        e.outBinders.forEach((v, i) => sub.set(v, read(ij.outvars[i]!)));
      } else if (e.primitive.name === "stop_gradient") {
        sub.set(e.outBinders[0]!, inputs[0]!);
      } else {
        const outBinders = fresh
          ? e.outBinders.map((v) => {
              const nv = new Var(v.aval);
              sub.set(v, nv);
              return nv;
            })
          : e.outBinders;
        eqns.push({ primitive: e.primitive, inputs, params: e.params, outBinders });
      }
    }
  };
  walk(jaxpr, false);
  return { invars: [...jaxpr.constvars, ...jaxpr.invars], eqns, outvars: jaxpr.outvars.map(read) };
}

/** Rough cost of computing a node once (loads and constants are free). */
function nodeCost(n: Expr): number {
  if (n.kind === "reduce") return 1000;
  if (n.kind === "inrange" || n.kind === "gather") return 1;
  if (n.kind !== "op") return 0;
  return n.op === "math" ? 20 : n.op === "div" || n.op === "rem" ? 4 : 1;
}

/** Whether computing an expression once costs more than CHEAP (stops searching once it does). */
export function expensive(e: Expr, limit = CHEAP): boolean {
  let c = 0;
  const seen = new Set<Expr>();
  const stack = [e];
  while (stack.length > 0) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    c += nodeCost(n);
    if (c > limit) return true;
    stack.push(...children(n));
  }
  return false;
}

const reduceShapes = (e: Expr): readonly string[] => e.meta.rkeys;
/**
 * Index operands of gathers cost at most this to stay fused: they are recomputed at every
 * element of the window they select, but are cheap next to the random access they feed (the
 * normalization of negative indices, lt + add + select, must not cost a kernel of its own).
 */
const INDEX_COST = 8;
/** Expressions larger than this are materialized before a layout op rewrites them. */
const MAX_REMAP = 4096;

export interface KernelGroup {
  readonly shape: readonly number[];
  readonly key: string;
  readonly roots: Var[];
  readonly exprs: Expr[];
  readonly loads: Set<Var>;
  readonly pos: number;
}

/**
 * An equation left unfused; `consts` holds, per input, the value of an input that is a
 * constant and was not materialized (only where constantOperands allows it), else null.
 */
export type PlannedStep = { kind: "kernel"; group: KernelGroup } | { kind: "eqn"; eqn: JaxprEqn; consts?: (number | null)[] };

export interface Partition {
  readonly flat: FlatJaxpr;
  readonly steps: PlannedStep[];
}

interface Forward {
  exprOf: Map<Var, Expr>;
  rootExpr: Map<Var, Expr>;
  consts: Map<JaxprEqn, (number | null)[]>;
}

class Planner {
  readonly mat = new Set<Var>();
  readonly opaque = new Set<JaxprEqn>();
  private pool = new ExprPool();

  constructor(readonly flat: FlatJaxpr) {
    for (const v of flat.invars) this.mat.add(v);
    for (const a of flat.outvars) if (a instanceof Var) this.mat.add(a);
    for (const e of flat.eqns) if (eqnClass(e) === null) this.setOpaque(e, constantOperands(e));
  }

  /** Marks an equation as left unfused; its inputs are buffers, except those that may be constants. */
  private setOpaque(e: JaxprEqn, except: readonly number[] = []): void {
    this.opaque.add(e);
    e.inputs.forEach((a, i) => {
      if (a instanceof Var && !except.includes(i)) this.mat.add(a);
    });
    for (const v of e.outBinders) this.mat.add(v);
  }

  /**
   * Materializations decided by the forward rules; recomputed whenever deduplication adds to
   * `mat`, since a new materialized producer can make them unnecessary.
   */
  private ruleMat = new Set<Var>();

  private isMat(v: Var): boolean {
    return this.mat.has(v) || this.ruleMat.has(v);
  }

  run(): PlannedStep[] {
    for (;;) {
      this.ruleMat = new Set();
      let fwd: Forward | null = null;
      while (fwd === null) {
        this.pool = new ExprPool();
        fwd = this.forward();
      }
      const steps = this.group(fwd);
      if (this.deduplicate(fwd, steps)) continue;
      return splitReductions(this.pool, steps);
    }
  }

  /** Builds every value's expression; null when a materialization invalidated earlier inlining. */
  private forward(): Forward | null {
    const pool = this.pool;
    const exprOf = new Map<Var, Expr>();
    const rootExpr = new Map<Var, Expr>();
    const consts = new Map<JaxprEqn, (number | null)[]>();
    const inlined = new Set<Var>();
    const load = (v: Var) => pool.load(v, denseAffine(v.aval.shape));
    const atom = (a: Atom): Expr =>
      a instanceof Literal ? pool.constant(storedValue(a.val, a.aval.dtype), a.aval.dtype) : exprOf.get(a)!;
    let restart = false;
    const materialize = (v: Var): void => {
      if (this.isMat(v)) return;
      this.ruleMat.add(v);
      if (inlined.has(v)) restart = true;
      rootExpr.set(v, exprOf.get(v)!);
      exprOf.set(v, load(v));
    };
    for (const v of this.flat.invars) exprOf.set(v, load(v));
    for (const eqn of this.flat.eqns) {
      if (this.opaque.has(eqn)) {
        // Inputs that may be constants are, when their expression is one; else buffers.
        const cs = constantOperands(eqn);
        if (cs.length > 0) {
          consts.set(eqn, eqn.inputs.map((a, i) => {
            if (!cs.includes(i) || (a instanceof Var && this.isMat(a))) return null;
            const e = atom(a);
            if (e.kind === "const") return e.value;
            materialize(a as Var);
            return null;
          }));
          if (restart) return null;
        }
        for (const v of eqn.outBinders) exprOf.set(v, load(v));
        continue;
      }
      const cls = eqnClass(eqn) as EqnClass;
      const vars = eqn.inputs.filter((a): a is Var => a instanceof Var && !this.isMat(a));
      for (const v of vars) {
        const e = exprOf.get(v)!;
        if (cls === "reduce" && reduceShapes(e).length > 0) materialize(v);
        else if (cls === "layout" && ((replicates(eqn) && expensive(e)) || e.meta.size > MAX_REMAP)) materialize(v);
      }
      if (cls === "gather") {
        const buffers = bufferOperands(eqn);
        eqn.inputs.forEach((a, i) => {
          if (!(a instanceof Var) || this.isMat(a)) return;
          const e = exprOf.get(a)!;
          if (buffers.includes(i)) {
            // Read at data-dependent (possibly repeated) positions: a load, or cheap and readable.
            if (!readableAt(e) || (e.kind !== "load" && (expensive(e) || e.meta.size > MAX_REMAP))) materialize(a);
          } else if (eqn.primitive.name !== "dynamic_update_slice" || i > 1) {
            if (reduceShapes(e).length > 0 || expensive(e, INDEX_COST) || e.meta.size > MAX_REMAP) materialize(a);
          }
        });
      }
      if (cls === "ew") {
        const first = eqn.inputs.map((a) => (a instanceof Var ? reduceShapes(exprOf.get(a)!) : [])).find((s) => s.length > 0)?.[0];
        for (const v of vars) {
          const shapes = reduceShapes(exprOf.get(v)!);
          if (shapes.some((s) => s !== first)) materialize(v);
        }
      }
      if (restart) return null;
      let outs = lowerEqn(pool, eqn, eqn.inputs.map(atom));
      const pending = () => eqn.inputs.filter((a): a is Var => a instanceof Var && !this.isMat(a));
      if (outs !== null && loadedVars(outs).length > MAX_BUFFERS - eqn.outBinders.length) {
        pending().forEach(materialize);
        outs = lowerEqn(pool, eqn, eqn.inputs.map(atom));
      }
      if (outs === null && pending().length > 0) {
        pending().forEach(materialize);
        outs = lowerEqn(pool, eqn, eqn.inputs.map(atom));
      }
      if (restart) return null;
      if (outs === null || loadedVars(outs).length > MAX_BUFFERS - eqn.outBinders.length) {
        this.setOpaque(eqn);
        for (const v of eqn.outBinders) exprOf.set(v, load(v));
        continue;
      }
      for (const a of eqn.inputs) if (a instanceof Var && !this.isMat(a)) inlined.add(a);
      eqn.outBinders.forEach((v, i) => {
        if (this.isMat(v)) {
          rootExpr.set(v, outs![i]!);
          exprOf.set(v, load(v));
        } else exprOf.set(v, outs![i]!);
      });
    }
    return { exprOf, rootExpr, consts };
  }

  /** Orders the steps and merges roots into multi-output kernels. */
  private group(fwd: Forward): PlannedStep[] {
    const steps: PlannedStep[] = [];
    const producedAt = new Map<Var, number>();
    for (const eqn of this.flat.eqns) {
      if (this.opaque.has(eqn)) {
        const consts = fwd.consts.get(eqn);
        steps.push(consts ? { kind: "eqn", eqn, consts } : { kind: "eqn", eqn });
        for (const v of eqn.outBinders) producedAt.set(v, steps.length - 1);
        continue;
      }
      for (const v of eqn.outBinders) {
        const e = fwd.rootExpr.get(v);
        if (e === undefined) continue;
        const key = `${v.aval.shape.join(",")}|${reduceShapes(e).join(";")}`;
        const loads = loadedVars([e]);
        const ready = Math.max(-1, ...loads.map((w) => producedAt.get(w) ?? -1));
        let target: KernelGroup | undefined;
        for (let i = steps.length - 1; i > ready; i--) {
          const s = steps[i]!;
          if (s.kind !== "kernel" || s.group.key !== key) continue;
          const union = new Set([...s.group.loads, ...loads]);
          if (union.size + s.group.roots.length + 1 <= MAX_BUFFERS) {
            target = s.group;
            break;
          }
        }
        if (!target) {
          target = { shape: v.aval.shape, key, roots: [], exprs: [], loads: new Set(), pos: steps.length };
          steps.push({ kind: "kernel", group: target });
        }
        target.roots.push(v);
        target.exprs.push(e);
        for (const w of loads) target.loads.add(w);
        producedAt.set(v, target.pos);
      }
    }
    return steps;
  }

  /**
   * Materializes expensive values that would be computed in several kernels or at several
   * index mappings. The contexts of a value are (kernel, chain of layout ops) pairs, found
   * from the roots back to the producers.
   */
  private deduplicate(fwd: Forward, steps: PlannedStep[]): boolean {
    // Contexts are interned: a context id extended by a layout marker gets a new small id.
    const ids = new Map<string, number>();
    const intern = (k: string): number => {
      let id = ids.get(k);
      if (id === undefined) ids.set(k, (id = ids.size));
      return id;
    };
    const ctx = new Map<Var, Set<number>>();
    steps.forEach((s, i) => {
      if (s.kind === "kernel") for (const v of s.group.roots) ctx.set(v, new Set([intern(`K${i}`)]));
    });
    const eqns = this.flat.eqns;
    for (let k = eqns.length - 1; k >= 0; k--) {
      const eqn = eqns[k]!;
      if (this.opaque.has(eqn)) continue;
      const outCtx = new Set<number>();
      for (const v of eqn.outBinders) for (const c of ctx.get(v) ?? []) outCtx.add(c);
      if (outCtx.size === 0) continue;
      const cls = eqnClass(eqn);
      const rank = eqn.outBinders[0]!.aval.ndim;
      for (const a of eqn.inputs) {
        if (!(a instanceof Var) || this.isMat(a)) continue;
        const marker = cls === "ew" ? (a.aval.ndim === rank ? "" : "/s") : `/${eqn.primitive.name}${paramKey(eqn)}`;
        let set = ctx.get(a);
        if (!set) ctx.set(a, (set = new Set()));
        for (const c of outCtx) set.add(marker === "" ? c : intern(`${c}${marker}`));
      }
    }
    let changed = false;
    for (const [v, set] of ctx) {
      if (set.size > 1 && !this.isMat(v) && expensive(fwd.exprOf.get(v)!)) {
        this.mat.add(v);
        changed = true;
      }
    }
    return changed;
  }
}

function paramKey(eqn: JaxprEqn): string {
  const shapes = eqn.inputs.map((a) => a.aval.shape.join(",")).join(";");
  return `${JSON.stringify(eqn.params)}${shapes}`;
}

/** Partitions a jaxpr into kernel groups and backend-run equations, in execution order. */
export function partition(jaxpr: Jaxpr): Partition {
  const flat = inlineJaxpr(jaxpr);
  return { flat, steps: new Planner(flat).run() };
}

