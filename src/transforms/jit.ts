// jit: a primitive (`pjit`, as JAX prints it) that carries a traced jaxpr. Its rules re-trace
// the jaxpr under each transformation (jvp, vmap, transpose, partial evaluation), so
// compilation composes with differentiation and batching to any depth.
import type { JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type BDim, type PrimitiveRules, UndefinedPrimal } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { Jaxpr, type JaxprEqn, Var } from "../ir/jaxpr.js";
import { evalJaxpr } from "../ir/eval.js";
import { interpretJaxpr } from "../backends/interpret/index.js";
import { zerosLikeAval } from "../lax/core.js";
import { jvpFlat } from "./jvp.js";
import { vmapFlat } from "./vmap.js";
import { backwardPass } from "./transpose.js";
import { constsToInvars, traceToJaxpr } from "./staging.js";
import {
  PETracer,
  PartialVal,
  partialEvalJaxpr,
  partialEvalJaxprRules,
  partialEvalRules,
} from "./partial_eval.js";

export type PjitParams = { jaxpr: Jaxpr; name: string };

/** Traces `f` to a const-free jaxpr; its captured constants are returned separately. */
export function traceFlat(f: (...xs: JaxArray[]) => JaxArray[], avals: ShapedArray[]): [Jaxpr, JaxArray[]] {
  return constsToInvars(traceToJaxpr(f, avals));
}

function memo<K extends object, V>(fn: (k: K, extra: string) => V): (k: K, extra: string) => V {
  const cache = new WeakMap<K, Map<string, V>>();
  return (k, extra) => {
    let m = cache.get(k);
    if (!m) cache.set(k, (m = new Map()));
    let v = m.get(extra);
    if (v === undefined) m.set(extra, (v = fn(k, extra)));
    return v;
  };
}

/** The jaxpr of (primals, tangents) -> (outs, tangent outs), tangents instantiated. */
const jvpJaxpr = memo((jaxpr: Jaxpr): [Jaxpr, JaxArray[]] => {
  const n = jaxpr.invars.length;
  return traceFlat(
    (...xs) => {
      const [outs, touts] = jvpFlat((...p) => evalJaxpr(jaxpr, p), xs.slice(0, n), xs.slice(n));
      return [...outs, ...touts.map((t, i) => t ?? zerosLikeAval(jaxpr.outAvals[i]!))];
    },
    [...jaxpr.inAvals, ...jaxpr.inAvals],
  );
});

/** The jaxpr of the batched function, all outputs batched at axis 0. */
const vmapJaxpr = memo((jaxpr: Jaxpr, key: string): [Jaxpr, JaxArray[]] => {
  const { size, dims } = JSON.parse(key) as { size: number; dims: BDim[] };
  const avals = jaxpr.inAvals.map((a, i) => {
    const d = dims[i];
    if (d === null || d === undefined) return a;
    const s = [...a.shape];
    s.splice(d, 0, size);
    return a.update({ shape: s });
  });
  return traceFlat(
    (...xs) => vmapFlat((...ys) => evalJaxpr(jaxpr, ys), size, dims, (n) => new Array<BDim>(n).fill(0), xs),
    avals,
  );
});

/** The jaxpr of the transpose: (non-linear inputs, output cotangents) -> linear input cotangents. */
const transposeJaxpr = memo((jaxpr: Jaxpr, key: string): [Jaxpr, JaxArray[]] => {
  const undef = JSON.parse(key) as boolean[];
  const nonlinAvals = jaxpr.inAvals.filter((_, i) => !undef[i]);
  const nNon = nonlinAvals.length;
  return traceFlat(
    (...xs) => {
      let k = 0;
      const args = jaxpr.invars.map((v, i) => (undef[i] ? new UndefinedPrimal(v.aval) : xs[k++]!));
      const cts = backwardPass(jaxpr, args, xs.slice(nNon));
      return cts
        .map((c, i) => (undef[i] ? (c ?? zerosLikeAval(jaxpr.invars[i]!.aval)) : null))
        .filter((c): c is JaxArray => c !== null);
    },
    [...nonlinAvals, ...jaxpr.outAvals],
  );
});

function callJaxpr(jaxpr: Jaxpr, consts: JaxArray[], args: JaxArray[], name: string): JaxArray[] {
  return bind(pjit_p, [...consts, ...args], { jaxpr, name });
}

export const pjit_p: PrimitiveRules<PjitParams> = {
  name: "pjit",
  abstractEval(avals, { jaxpr }) {
    const want = jaxpr.inAvals;
    if (avals.length !== want.length || avals.some((a, i) => !a.strongEquals(want[i]!))) {
      throw new TypeError(
        `pjit called with arguments ${avals.map((a) => a.str()).join(", ")} but its jaxpr expects ${want.map((a) => a.str()).join(", ")}`,
      );
    }
    return jaxpr.outAvals;
  },
  jvp(primals, tangents, { jaxpr, name }) {
    const [j, consts] = jvpJaxpr(jaxpr, "");
    const outs = callJaxpr(j, consts, [...primals, ...tangents], `jvp(${name})`);
    const n = jaxpr.outvars.length;
    return [outs.slice(0, n), outs.slice(n)];
  },
  transpose(cts, args, { jaxpr, name }) {
    const undef = args.map((a) => a instanceof UndefinedPrimal);
    const [j, consts] = transposeJaxpr(jaxpr, JSON.stringify(undef));
    const outs = callJaxpr(j, consts, [...args.filter((a): a is JaxArray => !(a instanceof UndefinedPrimal)), ...cts], `transpose(${name})`);
    let k = 0;
    return undef.map((u) => (u ? outs[k++]! : null));
  },
  batch(args, dims, { jaxpr, name }, size) {
    const [j, consts] = vmapJaxpr(jaxpr, JSON.stringify({ size, dims }));
    const outs = callJaxpr(j, consts, args, `vmap(${name})`);
    return [outs, outs.map(() => 0)];
  },
  impl(args, { jaxpr }) {
    return interpretJaxpr(jaxpr, args).map((b) => b.data);
  },
};

// Partial evaluation of a jit call: split its jaxpr into a known call and an unknown call.
partialEvalRules.set(pjit_p, (trace, tracers, params) => {
  const { jaxpr, name } = params as PjitParams;
  const unks = tracers.map((t) => !t.pval.isKnown);
  const { jaxpr1, jaxpr2, outUnknowns, numRes } = partialEvalJaxpr(jaxpr, unks);
  const knownVals = tracers.filter((_, i) => !unks[i]).map((t) => t.pval.known!);
  const outs1Res = bind(pjit_p, knownVals, { jaxpr: jaxpr1, name });
  const nKnownOut = outs1Res.length - numRes;
  const outs1 = outs1Res.slice(0, nKnownOut);
  const res = outs1Res.slice(nKnownOut).map((r) => trace.instantiateConst(trace.pure(r) as PETracer));
  const unknownIns = tracers.filter((_, i) => unks[i]);
  const outs2 = trace.stage(pjit_p, [...res, ...unknownIns], { jaxpr: jaxpr2, name }, jaxpr2.outAvals);
  let i1 = 0;
  let i2 = 0;
  return outUnknowns.map((u) => (u ? outs2[i2++]! : outs1[i1++]!));
});

partialEvalJaxprRules.set(pjit_p, (unksIn, eqn: JaxprEqn) => {
  const { jaxpr, name } = eqn.params as PjitParams;
  const { jaxpr1, jaxpr2, outUnknowns, numRes } = partialEvalJaxpr(jaxpr, unksIn);
  const resVars = jaxpr1.outvars.slice(jaxpr1.outvars.length - numRes).map((v) => new Var(v.aval));
  const outsKnown = eqn.outBinders.filter((_, i) => !outUnknowns[i]);
  const outsUnknown = eqn.outBinders.filter((_, i) => outUnknowns[i]);
  const eqn1: JaxprEqn = {
    primitive: pjit_p,
    inputs: eqn.inputs.filter((_, i) => !unksIn[i]),
    params: { jaxpr: jaxpr1, name },
    outBinders: [...outsKnown, ...resVars],
  };
  const eqn2: JaxprEqn = {
    primitive: pjit_p,
    inputs: [...resVars, ...eqn.inputs.filter((_, i) => unksIn[i])],
    params: { jaxpr: jaxpr2, name },
    outBinders: outsUnknown,
  };
  return { eqn1, eqn2, unksOut: outUnknowns, residuals: resVars };
});

export { PartialVal };
