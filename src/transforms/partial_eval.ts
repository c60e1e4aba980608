// Partial evaluation, the half of reverse mode that splits a JVP into the part computable now
// (known: primal values) and the linear part to stage (unknown: tangents), as in autodidax.
// `partialEvalJaxpr` does the same split on a jaxpr (used for jit inside grad).
import type { ArrayImpl, JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { Params, Primitive } from "../core/primitive.js";
import { MainTrace, Trace, Tracer, bind, fullLower, fullRaise, withNewMain } from "../core/trace.js";
import { type Atom, Jaxpr, type JaxprEqn, Literal, Var } from "../ir/jaxpr.js";

export class PartialVal {
  constructor(
    readonly aval: ShapedArray,
    readonly known: JaxArray | null,
  ) {}
  static known(x: JaxArray): PartialVal {
    return new PartialVal(x.aval, x);
  }
  static unknown(aval: ShapedArray): PartialVal {
    return new PartialVal(aval, null);
  }
  get isKnown(): boolean {
    return this.known !== null;
  }
}

type Recipe =
  | { kind: "lambda" }
  | { kind: "const"; val: JaxArray }
  | { kind: "eqn"; eqn: EqnRecipe };

export interface EqnRecipe {
  prim: Primitive;
  tracersIn: PETracer[];
  params: Params;
  tracersOut: PETracer[];
}

export class PETracer extends Tracer {
  constructor(
    trace: Trace,
    readonly pval: PartialVal,
    public recipe: Recipe | null,
  ) {
    super(trace);
  }
  get aval(): ShapedArray {
    return this.pval.aval;
  }
  override fullLower(): JaxArray {
    return this.pval.known !== null ? fullLower(this.pval.known) : this;
  }
  override canConcretize(): boolean {
    return this.pval.known !== null && this.pval.known.canConcretize();
  }
  override toConcrete(what?: string): ArrayImpl {
    return this.pval.known !== null ? this.pval.known.toConcrete(what) : super.toConcrete(what);
  }
}

export type PartialEvalRule = (trace: PETrace, tracers: PETracer[], params: Params) => JaxArray[];
/** Primitives with their own partial evaluation (jit, control flow). */
export const partialEvalRules = new Map<Primitive, PartialEvalRule>();

export class PETrace extends Trace {
  newArg(pval: PartialVal): PETracer {
    return new PETracer(this, pval, pval.isKnown ? null : { kind: "lambda" });
  }
  pure(x: JaxArray): JaxArray {
    return new PETracer(this, PartialVal.known(x), null);
  }
  instantiateConst(t: PETracer): PETracer {
    if (!t.pval.isKnown) return t;
    return new PETracer(this, PartialVal.unknown(t.aval), { kind: "const", val: t.pval.known! });
  }
  processPrimitive(prim: Primitive, tracers: JaxArray[], params: Params): JaxArray[] {
    const ts = tracers as PETracer[];
    if (ts.every((t) => t.pval.isKnown)) return bind(prim, ts.map((t) => fullLower(t)), params);
    const rule = partialEvalRules.get(prim);
    if (rule) return rule(this, ts, params);
    const tracersIn = ts.map((t) => this.instantiateConst(t));
    const avalsOut = prim.abstractEval(tracersIn.map((t) => t.aval), params);
    return this.stage(prim, tracersIn, params, avalsOut);
  }
  /** Records an equation with unknown outputs. */
  stage(prim: Primitive, tracersIn: PETracer[], params: Params, avalsOut: ShapedArray[]): PETracer[] {
    const outs = avalsOut.map((a) => new PETracer(this, PartialVal.unknown(a), null));
    const eqn: EqnRecipe = { prim, tracersIn, params, tracersOut: outs };
    for (const o of outs) o.recipe = { kind: "eqn", eqn };
    return outs;
  }
}

/** Builds the jaxpr of the unknown part from input and output tracers (constvars = residuals). */
export function tracersToJaxpr(tracersIn: PETracer[], tracersOut: PETracer[]): [Jaxpr, JaxArray[]] {
  const vars = new Map<PETracer, Var>();
  const constvars: Var[] = [];
  const consts: JaxArray[] = [];
  const eqns: JaxprEqn[] = [];
  const invars = tracersIn.map((t) => {
    const v = new Var(t.aval);
    vars.set(t, v);
    return v;
  });
  const doneEqns = new Set<EqnRecipe>();
  // Iterative post-order DFS so deep programs do not overflow the stack.
  const visit = (root: PETracer) => {
    const stack: [PETracer, boolean][] = [[root, false]];
    while (stack.length) {
      const [t, expanded] = stack.pop()!;
      if (vars.has(t)) continue;
      const r = t.recipe;
      if (r === null) throw new Error("partial eval: known tracer reached the unknown jaxpr");
      if (r.kind === "lambda") throw new Error("partial eval: input tracer not among the jaxpr inputs");
      if (r.kind === "const") {
        const v = new Var(t.aval);
        vars.set(t, v);
        constvars.push(v);
        consts.push(r.val);
        continue;
      }
      const e = r.eqn;
      if (doneEqns.has(e)) continue;
      if (!expanded) {
        stack.push([t, true]);
        for (const i of e.tracersIn) if (!vars.has(i)) stack.push([i, false]);
        continue;
      }
      doneEqns.add(e);
      const outBinders = e.tracersOut.map((o) => {
        const v = new Var(o.aval);
        vars.set(o, v);
        return v;
      });
      eqns.push({ primitive: e.prim, inputs: e.tracersIn.map((i) => vars.get(i)!), params: e.params, outBinders });
    }
  };
  for (const t of tracersOut) visit(t);
  return [new Jaxpr(constvars, invars, eqns, tracersOut.map((t) => vars.get(t)!)), consts];
}

/**
 * Traces `f` with partially known inputs. Returns the jaxpr of the unknown outputs (its
 * constvars are the residuals, with values `consts`) and the output partial values.
 */
export function partialEvalFlat(
  f: (...xs: JaxArray[]) => JaxArray[],
  pvalsIn: PartialVal[],
  instantiate: (i: number, nOut: number) => boolean,
): { jaxpr: Jaxpr; consts: JaxArray[]; pvalsOut: PartialVal[] } {
  return withNewMain(PETrace, null, (main: MainTrace) => {
    const trace = new PETrace(main);
    const ins = pvalsIn.map((p) => trace.newArg(p));
    let outs = f(...ins).map((o) => fullRaise(trace, o) as PETracer);
    outs = outs.map((o, i) => (instantiate(i, outs.length) ? trace.instantiateConst(o) : o));
    const pvalsOut = outs.map((o) => o.pval);
    const unkIn = ins.filter((t) => !t.pval.isKnown);
    const unkOut = outs.filter((t) => !t.pval.isKnown);
    const [jaxpr, consts] = tracersToJaxpr(unkIn, unkOut);
    return { jaxpr, consts, pvalsOut };
  });
}

// ---- partial evaluation of a jaxpr -------------------------------------------------------------

export type JaxprPERule = (
  unksIn: boolean[],
  eqn: JaxprEqn,
) => { eqn1: JaxprEqn | null; eqn2: JaxprEqn | null; unksOut: boolean[]; residuals: Var[] };
export const partialEvalJaxprRules = new Map<Primitive, JaxprPERule>();

/**
 * Splits a (const-free) jaxpr into a known jaxpr, computing the known outputs and residuals,
 * and an unknown jaxpr taking [residuals, unknown inputs].
 */
export function partialEvalJaxpr(
  jaxpr: Jaxpr,
  inUnknowns: boolean[],
  instantiate: boolean[] | null = null,
): { jaxpr1: Jaxpr; jaxpr2: Jaxpr; outUnknowns: boolean[]; numRes: number } {
  if (jaxpr.constvars.length) throw new Error("partialEvalJaxpr expects a jaxpr without constvars");
  const unknown = new Set<Var>();
  const residuals: Var[] = [];
  const resSet = new Set<Var>();
  const isUnk = (a: Atom) => a instanceof Var && unknown.has(a);
  const newRes = (a: Atom) => {
    if (a instanceof Var && !resSet.has(a)) {
      resSet.add(a);
      residuals.push(a);
    }
  };
  jaxpr.invars.forEach((v, i) => inUnknowns[i] && unknown.add(v));
  const eqns1: JaxprEqn[] = [];
  const eqns2: JaxprEqn[] = [];
  for (const eqn of jaxpr.eqns) {
    const unksIn = eqn.inputs.map(isUnk);
    const rule = partialEvalJaxprRules.get(eqn.primitive);
    if (rule && unksIn.some((u) => u)) {
      const r = rule(unksIn, eqn);
      if (r.eqn1) eqns1.push(r.eqn1);
      if (r.eqn2) eqns2.push(r.eqn2);
      r.residuals.forEach(newRes);
      eqn.outBinders.forEach((v, i) => r.unksOut[i] && unknown.add(v));
      // Known inputs used by the unknown equation become residuals.
      if (r.eqn2) r.eqn2.inputs.forEach((a) => !isUnk(a) && !r.residuals.includes(a as Var) && newRes(a));
    } else if (unksIn.some((u) => u)) {
      eqn.inputs.forEach((a, i) => !unksIn[i] && newRes(a));
      eqns2.push(eqn);
      eqn.outBinders.forEach((v) => unknown.add(v));
    } else {
      eqns1.push(eqn);
    }
  }
  let outUnknowns = jaxpr.outvars.map(isUnk);
  if (instantiate) {
    jaxpr.outvars.forEach((v, i) => instantiate[i] && !outUnknowns[i] && newRes(v));
    outUnknowns = outUnknowns.map((u, i) => u || instantiate[i]!);
  }
  const ins1 = jaxpr.invars.filter((_, i) => !inUnknowns[i]);
  const ins2 = jaxpr.invars.filter((_, i) => inUnknowns[i]);
  const outs1 = jaxpr.outvars.filter((_, i) => !outUnknowns[i]);
  const outs2 = jaxpr.outvars.filter((_, i) => outUnknowns[i]);
  // In the unknown jaxpr, residuals that are known-side variables are rebound as inputs.
  const jaxpr1 = new Jaxpr([], ins1, eqns1, [...outs1, ...residuals]);
  const jaxpr2 = new Jaxpr([], [...residuals, ...ins2], eqns2, outs2);
  return { jaxpr1, jaxpr2, outUnknowns, numRes: residuals.length };
}

export { Literal };
