// Forward mode: the JVP interpreter. A JVPTracer carries a primal and a tangent; a null tangent
// is a symbolic zero, so constants and integer values cost nothing.
import type { ArrayImpl, JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type Params, type Primitive, markZeroTangent } from "../core/primitive.js";
import { MainTrace, Trace, Tracer, bind, fullRaise, withNewMain } from "../core/trace.js";
import { zerosLike } from "../lax/core.js";

export class JVPTracer extends Tracer {
  constructor(
    trace: Trace,
    readonly primal: JaxArray,
    readonly tangent: JaxArray | null,
  ) {
    super(trace);
  }
  get aval(): ShapedArray {
    return this.primal.aval;
  }
  override canConcretize(): boolean {
    return this.primal.canConcretize();
  }
  override toConcrete(what?: string): ArrayImpl {
    return this.primal.toConcrete(what);
  }
}

export class JVPTrace extends Trace {
  pure(x: JaxArray): JaxArray {
    return new JVPTracer(this, x, null);
  }
  processPrimitive(prim: Primitive, tracers: JaxArray[], params: Params): JaxArray[] {
    const ts = tracers as JVPTracer[];
    const primals = ts.map((t) => t.primal);
    if (ts.every((t) => t.tangent === null)) {
      return bind(prim, primals, params).map((p) => new JVPTracer(this, p, null));
    }
    const tangents = ts.map((t) => t.tangent ?? markZeroTangent(zerosLike(t.primal)));
    const prev = ruleMain;
    ruleMain = this.main;
    let po: JaxArray[];
    let to: (JaxArray | null)[];
    try {
      [po, to] = prim.jvp(primals, tangents, params);
    } finally {
      ruleMain = prev;
    }
    return po.map((p, i) => new JVPTracer(this, p, to[i] ?? null));
  }
}

let ruleMain: MainTrace | null = null;

/**
 * The JVP interpreter whose primitive rule is running (null outside rules). Custom derivative
 * rules use it to tell a value closed over from the differentiated scope apart from outer ones.
 */
export function currentJvpRuleMain(): MainTrace | null {
  return ruleMain;
}

/**
 * jvp of a function of flat arrays. Tangents may be null (symbolic zero). Returns the primal
 * outputs and the tangent outputs (null where the output does not depend on the inputs).
 */
export function jvpFlat(
  f: (...xs: JaxArray[]) => JaxArray[],
  primals: JaxArray[],
  tangents: (JaxArray | null)[],
): [JaxArray[], (JaxArray | null)[]] {
  return withNewMain(JVPTrace, null, (main: MainTrace) => {
    const trace = new JVPTrace(main);
    const ins = primals.map((p, i) => new JVPTracer(trace, p, tangents[i] ?? null));
    const outs = f(...ins).map((o) => fullRaise(trace, o) as JVPTracer);
    return [outs.map((o) => o.primal), outs.map((o) => o.tangent)];
  });
}
