// The `cond` primitive (JAX's cond_p): inputs [index, ...operands]; params { branches } with
// const-free closed jaxprs of equal input and output types; it applies branches[index] (index
// clamped). Rules: abstract evaluation, the reference kernel, jvp (every branch's jvp), batching
// (a batched index evaluates every branch and selects per lane, as JAX turns cond into select),
// partial evaluation (a known cond that also returns the residuals of the taken branch, and an
// unknown cond consuming them) and transpose (a cond of the branches' transposes).
import type { JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { UndefinedPrimal, type PrimitiveRules } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { type ClosedJaxpr, Jaxpr, type JaxprEqn, Var } from "../ir/jaxpr.js";
import { evalJaxpr } from "../ir/eval.js";
import { interpretJaxpr } from "../backends/interpret/index.js";
import * as lax from "../lax/core.js";
import { backwardPass } from "../transforms/transpose.js";
import { type PETracer, partialEvalJaxpr, partialEvalJaxprRules, partialEvalRules } from "../transforms/partial_eval.js";
import {
  type Derived,
  batchJaxpr,
  closed,
  dce,
  floatMask,
  freshVars,
  joinWeak,
  jvpJaxpr,
  merge,
  traceConsts,
  zerosEqns,
} from "./control_flow_common.js";
import { moveBatchAxis } from "./util.js";

export type CondParams = {
  branches: ClosedJaxpr[];
};

/**
 * Gives derived branch jaxprs (each with its own leading constants) one common signature: every
 * branch takes all the constants of all branches, then the shared inputs.
 */
export function joinConsts(ds: Derived[]): { jaxprs: Jaxpr[]; consts: JaxArray[] } {
  const consts = ds.flatMap((d) => d.consts);
  const jaxprs = ds.map((d, b) => {
    const own = d.consts.length;
    const ins = d.jaxpr.invars;
    const before = ds.slice(0, b).flatMap((e) => e.consts.map((c) => c.aval));
    const after = ds.slice(b + 1).flatMap((e) => e.consts.map((c) => c.aval));
    if (before.length + after.length === 0) return d.jaxpr;
    return new Jaxpr([], [...freshVars(before), ...ins.slice(0, own), ...freshVars(after), ...ins.slice(own)], d.jaxpr.eqns, d.jaxpr.outvars);
  });
  return { jaxprs, consts };
}

const branchParams = (jaxprs: Jaxpr[]): CondParams => ({ branches: jaxprs.map(closed) });

export const cond_p: PrimitiveRules<CondParams> = {
  name: "cond",
  abstractEval([index, ...ops], { branches }) {
    if (branches.length === 0) throw new TypeError("cond requires at least one branch");
    if (index!.dtype !== "int32" || index!.ndim !== 0) {
      throw new TypeError(`cond index must be an int32 scalar, got ${index!.str()}`);
    }
    const str = (as: readonly ShapedArray[]) => `(${as.map((a) => a.str()).join(", ")})`;
    for (const b of branches) {
      const ins = b.inAvals;
      if (ins.length !== ops.length || !ins.every((a, i) => a.strongEquals(ops[i]!))) {
        throw new TypeError(`cond branches expect operands ${str(ins)} but got ${str(ops)}`);
      }
    }
    const outs = branches.map((b) => b.outAvals);
    for (const o of outs) {
      if (o.length !== outs[0]!.length || !o.every((a, i) => a.strongEquals(outs[0]![i]!))) {
        throw new TypeError(`cond branches must have equal output types, got ${str(outs[0]!)} and ${str(o)}`);
      }
    }
    return joinWeak(outs);
  },

  impl([index, ...ops], { branches }) {
    const i = Math.min(Math.max(index!.data[0]!, 0), branches.length - 1);
    return interpretJaxpr(branches[i]!.jaxpr, ops).map((b) => b.data);
  },

  // d cond(i, x) = cond(i, jvp of each branch): the tangent rides along with the operands.
  jvp([index, ...ops], [, ...tangents], { branches }) {
    const nz = floatMask(ops);
    const inst = floatMask(branches[0]!.outAvals);
    const js = joinConsts(branches.map((b) => jvpJaxpr(b.jaxpr, nz, inst)));
    const outs = bind(cond_p, [index!, ...js.consts, ...ops, ...tangents.filter((_, i) => nz[i])], branchParams(js.jaxprs));
    const n = inst.length;
    let k = n;
    return [outs.slice(0, n), inst.map((t) => (t ? outs[k++]! : null))];
  },

  // Linear in the operands given as UndefinedPrimal (the index and residuals are known): the
  // transpose is a cond, on the same index, of each branch's transpose.
  transpose(cts, [index, ...ops], { branches }) {
    if (index instanceof UndefinedPrimal) throw new TypeError("cond transpose: the index cannot be linear");
    const lin = ops.map((o) => o instanceof UndefinedPrimal);
    const res = ops.filter((_, i) => !lin[i]) as JaxArray[];
    const outAvals = branches[0]!.outAvals;
    const ds = branches.map((b) =>
      traceConsts(
        (...xs) => {
          let k = 0;
          const args = b.jaxpr.invars.map((v, i) => (lin[i] ? new UndefinedPrimal(v.aval) : xs[k++]!));
          const r = backwardPass(b.jaxpr, args, xs.slice(res.length));
          return b.jaxpr.invars.flatMap((v, i) => (lin[i] ? [r[i] ?? lax.zerosLikeAval(v.aval)] : []));
        },
        [...res.map((r) => r.aval), ...outAvals],
      ),
    );
    const js = joinConsts(ds);
    const outs = bind(cond_p, [index!, ...js.consts, ...res, ...cts], branchParams(js.jaxprs));
    let k = 0;
    return [null, ...lin.map((l) => (l ? outs[k++]! : null))];
  },

  batch([index, ...ops], [indexD, ...opsD], { branches }, size) {
    const opsB = opsD.map((d) => d !== null);
    const moved = ops.map((x, i) => (opsD[i] === null ? x : moveBatchAxis(x, opsD[i]!, 0, size)));
    const nOut = branches[0]!.outAvals.length;
    if (indexD !== null) {
      // A batched index: evaluate every branch on the batch and select each lane's result.
      const all = new Array<boolean>(nOut).fill(true);
      const outs = branches.map((b) => {
        const d = batchJaxpr(b.jaxpr, size, opsB, all);
        return evalJaxpr(d.jaxpr, [...d.consts, ...moved]);
      });
      const idx = moveBatchAxis(index!, indexD, 0, size);
      const res = outs[0]!.map((o, k) =>
        outs.length === 1 ? o : lax.selectN(lax.broadcastInDim(idx, o.shape, [0]), ...outs.map((bo) => bo[k]!)),
      );
      return [res, res.map(() => 0)];
    }
    const none = new Array<boolean>(nOut).fill(false);
    const outB = none.map((_, k) => branches.some((b) => batchJaxpr(b.jaxpr, size, opsB, none).outBatched[k]));
    const js = joinConsts(branches.map((b) => batchJaxpr(b.jaxpr, size, opsB, outB)));
    const outs = bind(cond_p, [index!, ...js.consts, ...moved], branchParams(js.jaxprs));
    return [outs, outB.map((b) => (b ? 0 : null))];
  },
};

// ---- partial evaluation ------------------------------------------------------------------------
// Each branch splits into a known part and an unknown part. The known cond returns the known
// outputs and the residuals of the branch taken, in one slot list shared by all branches (the
// others' slots hold zeros); the unknown cond, on the same index, reads its branch's slots.

interface CondSplit {
  outU: boolean[];
  known: Jaxpr[];
  unknown: Jaxpr[];
  resAvals: ShapedArray[];
}

function splitCond(branches: ClosedJaxpr[], unks: boolean[]): CondSplit {
  const first = branches.map((b) => partialEvalJaxpr(b.jaxpr, unks).outUnknowns);
  const outU = first[0]!.map((_, k) => first.some((u) => u[k]!));
  const pes = branches.map((b) => partialEvalJaxpr(b.jaxpr, unks, outU));
  const resVars = pes.map((pe) => pe.jaxpr2.invars.slice(0, pe.numRes));
  const resAvals = resVars.flatMap((rs) => rs.map((v) => v.aval));
  const offsets = resVars.map((_, b) => resVars.slice(0, b).reduce((n, rs) => n + rs.length, 0));
  const known = pes.map((pe, b) => {
    const j1 = pe.jaxpr1;
    const nOut = j1.outvars.length - pe.numRes;
    const eqns = [...j1.eqns];
    const slots = resAvals.map((a, k) => {
      const own = k - offsets[b]!;
      if (own >= 0 && own < pe.numRes) return j1.outvars[nOut + own]!;
      const z = zerosEqns(a);
      eqns.push(...z.eqns);
      return z.atom;
    });
    return dce(new Jaxpr([], j1.invars, eqns, [...j1.outvars.slice(0, nOut), ...slots]));
  });
  const unknown = pes.map((pe, b) => {
    const j2 = pe.jaxpr2;
    const ins = resAvals.map((a, k) => {
      const own = k - offsets[b]!;
      return own >= 0 && own < pe.numRes ? j2.invars[own]! : new Var(a);
    });
    return new Jaxpr([], [...ins, ...j2.invars.slice(pe.numRes)], j2.eqns, j2.outvars);
  });
  return { outU, known, unknown, resAvals };
}

partialEvalRules.set(cond_p, (trace, tracers, params) => {
  const p = params as CondParams;
  const [index, ...ops] = tracers;
  const stage = (ins: PETracer[], q: CondParams) => trace.stage(cond_p, ins, q, cond_p.abstractEval(ins.map((t) => t.aval), q));
  if (!index!.pval.isKnown) return stage(tracers.map((t) => trace.instantiateConst(t)), p);
  const unks = ops.map((t) => !t.pval.isKnown);
  const s = splitCond(p.branches, unks);
  const knownOps = ops.filter((_, i) => !unks[i]).map((t) => t.pval.known!);
  const knownOuts = bind(cond_p, [index!.pval.known!, ...knownOps], branchParams(s.known));
  const nK = s.outU.filter((u) => !u).length;
  if (!s.outU.some((u) => u)) return knownOuts.slice(0, nK);
  const res = knownOuts.slice(nK).map((r) => trace.instantiateConst(trace.pure(r) as PETracer));
  const staged = stage([trace.instantiateConst(index!), ...res, ...ops.filter((_, i) => unks[i])], branchParams(s.unknown));
  return merge(s.outU, knownOuts.slice(0, nK), staged);
});

partialEvalJaxprRules.set(cond_p, (unksIn, eqn: JaxprEqn) => {
  const p = eqn.params as CondParams;
  if (unksIn[0]) return { eqn1: null, eqn2: eqn, unksOut: eqn.outBinders.map(() => true), residuals: [] };
  const [index, ...ops] = eqn.inputs;
  const unks = unksIn.slice(1);
  const s = splitCond(p.branches, unks);
  const resVars = s.resAvals.map((a) => new Var(a));
  const eqn1: JaxprEqn = {
    primitive: cond_p,
    inputs: [index!, ...ops.filter((_, i) => !unks[i])],
    params: branchParams(s.known),
    outBinders: [...eqn.outBinders.filter((_, i) => !s.outU[i]), ...resVars],
  };
  const eqn2: JaxprEqn | null = s.outU.some((u) => u)
    ? {
        primitive: cond_p,
        inputs: [index!, ...resVars, ...ops.filter((_, i) => unks[i])],
        params: branchParams(s.unknown),
        outBinders: eqn.outBinders.filter((_, i) => s.outU[i]),
      }
    : null;
  return { eqn1, eqn2, unksOut: s.outU, residuals: resVars };
});
