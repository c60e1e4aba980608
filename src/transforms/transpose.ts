// Transposition of linear jaxprs (the other half of reverse mode): walks the equations
// backwards, applying each primitive's transpose rule and accumulating cotangents.
import type { JaxArray } from "../core/array.js";
import { UndefinedPrimal } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { type Atom, type Jaxpr, Literal, Var } from "../ir/jaxpr.js";
import { literalArray } from "../ir/eval.js";
import { addAny, zerosLikeAval } from "../lax/core.js";

/**
 * Given values for the jaxpr's constvars and invars (UndefinedPrimal for the linear ones) and
 * cotangents for its outputs (null = zero), returns cotangents for the inputs (constvars then
 * invars; null where zero or not linear).
 */
export function backwardPass(
  jaxpr: Jaxpr,
  args: (JaxArray | UndefinedPrimal)[],
  cts: (JaxArray | null)[],
): (JaxArray | null)[] {
  const primal = new Map<Var, JaxArray>();
  const linear = new Set<Var>();
  const ctEnv = new Map<Var, JaxArray>();
  const binders = [...jaxpr.constvars, ...jaxpr.invars];
  binders.forEach((v, i) => {
    const a = args[i]!;
    if (a instanceof UndefinedPrimal) linear.add(v);
    else primal.set(v, a);
  });
  const isLin = (a: Atom) => a instanceof Var && linear.has(a);
  const readPrimal = (a: Atom): JaxArray | UndefinedPrimal =>
    a instanceof Literal ? literalArray(a) : linear.has(a) ? new UndefinedPrimal(a.aval) : primal.get(a)!;
  const writeCt = (a: Atom, ct: JaxArray | null) => {
    if (ct === null || !(a instanceof Var) || !linear.has(a)) return;
    const prev = ctEnv.get(a);
    ctEnv.set(a, prev === undefined ? ct : addAny(prev, ct));
  };

  // Forward: evaluate the non-linear equations (those not touching a linear input).
  const linEqns = [];
  for (const eqn of jaxpr.eqns) {
    if (eqn.inputs.some(isLin)) {
      eqn.outBinders.forEach((v) => linear.add(v));
      linEqns.push(eqn);
    } else {
      const outs = bind(eqn.primitive, eqn.inputs.map((a) => readPrimal(a) as JaxArray), eqn.params);
      eqn.outBinders.forEach((v, i) => primal.set(v, outs[i]!));
    }
  }
  jaxpr.outvars.forEach((v, i) => writeCt(v, cts[i] ?? null));
  for (let k = linEqns.length - 1; k >= 0; k--) {
    const eqn = linEqns[k]!;
    const ctsIn = eqn.outBinders.map((v) => ctEnv.get(v) ?? null);
    eqn.outBinders.forEach((v) => ctEnv.delete(v));
    if (ctsIn.every((c) => c === null)) continue;
    const rule = eqn.primitive.transpose;
    if (rule === null) {
      throw new TypeError(
        `Transpose rule (for reverse-mode differentiation) for '${eqn.primitive.name}' not implemented`,
      );
    }
    const ctsOut = rule(
      ctsIn.map((c, i) => c ?? zerosLikeAval(eqn.outBinders[i]!.aval)),
      eqn.inputs.map(readPrimal),
      eqn.params,
    );
    eqn.inputs.forEach((a, i) => writeCt(a, ctsOut[i] ?? null));
  }
  return binders.map((v) => (linear.has(v) ? (ctEnv.get(v) ?? null) : null));
}
