// Staging to a jaxpr (the tracer behind jit and makeJaxpr). Under a staging trace every
// primitive application becomes an equation; constants captured from outside become constvars
// (scalars are inlined as literals).
import { ArrayImpl, type JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { Params, Primitive } from "../core/primitive.js";
import { MainTrace, Trace, Tracer, fullRaise, withDynamic, withNewMain } from "../core/trace.js";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "../ir/jaxpr.js";

export class JaxprTracer extends Tracer {
  constructor(
    trace: Trace,
    readonly aval: ShapedArray,
  ) {
    super(trace);
  }
}

class JaxprBuilder {
  readonly eqns: JaxprEqn[] = [];
  readonly tracerToVar = new Map<JaxprTracer, Var>();
  readonly constTracers = new Map<JaxArray, JaxprTracer>();
  readonly constVals = new Map<Var, JaxArray>();

  addVar(t: JaxprTracer): Var {
    const v = new Var(t.aval);
    this.tracerToVar.set(t, v);
    return v;
  }
  getVar(t: JaxprTracer): Var {
    const v = this.tracerToVar.get(t);
    if (v === undefined) throw new Error("staging: tracer without a variable");
    return v;
  }

  build(inTracers: JaxprTracer[], outTracers: JaxprTracer[]): ClosedJaxpr {
    const constvars: Var[] = [];
    const consts: JaxArray[] = [];
    const literals = new Map<Var, Literal>();
    for (const [v, val] of this.constVals) {
      if (val instanceof ArrayImpl && val.ndim === 0 && !val.isDeleted()) {
        literals.set(v, new Literal(val.readData()[0]!, val.aval));
      } else {
        constvars.push(v);
        consts.push(val);
      }
    }
    const sub = (a: Var): Atom => literals.get(a) ?? a;
    const eqns = this.eqns.map((e) => ({ ...e, inputs: e.inputs.map((a) => (a instanceof Var ? sub(a) : a)) }));
    const jaxpr = new Jaxpr(
      constvars,
      inTracers.map((t) => this.getVar(t)),
      eqns,
      outTracers.map((t) => sub(this.getVar(t))),
    );
    return new ClosedJaxpr(jaxpr, consts);
  }
}

export class StagingTrace extends Trace {
  get builder(): JaxprBuilder {
    return this.main.globalData as JaxprBuilder;
  }
  newArg(aval: ShapedArray): JaxprTracer {
    const t = new JaxprTracer(this, aval);
    this.builder.addVar(t);
    return t;
  }
  pure(x: JaxArray): JaxArray {
    const b = this.builder;
    let t = b.constTracers.get(x);
    if (t === undefined) {
      t = new JaxprTracer(this, x.aval);
      b.constTracers.set(x, t);
      b.constVals.set(b.addVar(t), x);
    }
    return t;
  }
  processPrimitive(prim: Primitive, tracers: JaxArray[], params: Params): JaxArray[] {
    const avals = tracers.map((t) => t.aval);
    const outAvals = prim.abstractEval(avals, params);
    const outs = outAvals.map((a) => new JaxprTracer(this, a));
    const b = this.builder;
    b.eqns.push({
      primitive: prim,
      inputs: tracers.map((t) => b.getVar(t as JaxprTracer)),
      params,
      outBinders: outs.map((t) => b.addVar(t)),
    });
    return outs;
  }
}

/** The staging mains in effect, innermost last (each is the dynamic trace while it runs). */
const stagingMains: MainTrace[] = [];

/**
 * The innermost staging trace in effect (the dynamic trace every bind reaches), or null when
 * nothing is being staged. Custom derivative calls use it to decide how to process themselves.
 */
export function innermostStagingMain(): MainTrace | null {
  return stagingMains[stagingMains.length - 1] ?? null;
}

/**
 * Traces a function of flat arrays to a closed jaxpr with the given input avals. `fn` may return
 * values that are not tracers (constants); they become constvars or literals.
 */
export function traceToJaxpr(fn: (...args: JaxArray[]) => JaxArray[], inAvals: ShapedArray[]): ClosedJaxpr {
  return withNewMain(StagingTrace, new JaxprBuilder(), (main: MainTrace) =>
    withDynamic(main, () => {
      stagingMains.push(main);
      try {
        const trace = new StagingTrace(main);
        const ins = inAvals.map((a) => trace.newArg(a));
        const outs = fn(...ins).map((o) => fullRaise(trace, o) as JaxprTracer);
        return trace.builder.build(ins, outs);
      } finally {
        stagingMains.pop();
      }
    }),
  );
}

/** Moves a closed jaxpr's constants to leading inputs: returns the jaxpr and the const values. */
export function constsToInvars(cj: ClosedJaxpr): [Jaxpr, JaxArray[]] {
  const j = cj.jaxpr;
  return [new Jaxpr([], [...j.constvars, ...j.invars], j.eqns, j.outvars), cj.consts];
}
