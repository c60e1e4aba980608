// Evaluates a jaxpr by binding each equation under the current interpreters; this is how
// transformations re-trace a jaxpr (jvp of jit, vmap of jit, ...).
import type { JaxArray } from "../core/array.js";
import { bind } from "../core/trace.js";
import { arrayFromData } from "../runtime/dispatch.js";
import { typedArrayFor } from "../core/dtypes.js";
import { type Atom, type Jaxpr, Literal, type Var } from "./jaxpr.js";

export function literalArray(l: Literal): JaxArray {
  const d = typedArrayFor(l.aval.dtype, 1);
  d[0] = l.val;
  return arrayFromData(d, l.aval);
}

/** Evaluates `jaxpr` on `[...consts, ...args]`. */
export function evalJaxpr(jaxpr: Jaxpr, args: JaxArray[]): JaxArray[] {
  const env = new Map<Var, JaxArray>();
  const read = (a: Atom): JaxArray => (a instanceof Literal ? literalArray(a) : env.get(a)!);
  const binders = [...jaxpr.constvars, ...jaxpr.invars];
  if (binders.length !== args.length) throw new Error(`evalJaxpr: expected ${binders.length} args, got ${args.length}`);
  binders.forEach((v, i) => env.set(v, args[i]!));
  for (const eqn of jaxpr.eqns) {
    const outs = bind(eqn.primitive, eqn.inputs.map(read), eqn.params);
    eqn.outBinders.forEach((v, i) => env.set(v, outs[i]!));
  }
  return jaxpr.outvars.map(read);
}
