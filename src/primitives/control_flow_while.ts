// The `while` primitive (JAX's while_p): inputs [cond consts, body consts, initial carry];
// params { condJaxpr, bodyJaxpr, condNconsts, bodyNconsts } with const-free closed jaxprs
// (cond: [cond consts, carry] → bool[]; body: [body consts, carry] → carry). Rules: abstract
// evaluation, the reference loop, jvp (the body's jvp carried alongside), batching (a batched
// predicate runs while any lane is true, holding finished lanes with select), partial evaluation
// (known carries by a known loop; unknown ones by the whole loop, staged), and a transpose that
// raises JAX's reverse-mode error.
import type { JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { ValueError } from "../core/errors.js";
import type { PrimitiveRules } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { type ClosedJaxpr, Jaxpr, type JaxprEqn, Var } from "../ir/jaxpr.js";
import { interpretJaxpr } from "../backends/interpret/index.js";
import * as lax from "../lax/core.js";
import { reduce_or_p } from "./reductions.js";
import { type PETracer, partialEvalJaxpr, partialEvalJaxprRules, partialEvalRules } from "../transforms/partial_eval.js";
import {
  batchedFn,
  batchJaxpr,
  closed,
  dce,
  floatMask,
  freshVars,
  jvpJaxpr,
  merge,
  splitList,
  traceConsts,
} from "./control_flow_common.js";
import { moveBatchAxis } from "./util.js";

export type WhileParams = {
  condJaxpr: ClosedJaxpr;
  bodyJaxpr: ClosedJaxpr;
  condNconsts: number;
  bodyNconsts: number;
};

export const REVERSE_WHILE_ERROR =
  "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. " +
  "Try using lax.scan, or using fori_loop with static start/stop.";

function split<T>(xs: readonly T[], p: WhileParams): [T[], T[], T[]] {
  const [cc, bc, carry] = splitList(xs, [p.condNconsts, p.bodyNconsts]);
  return [cc!, bc!, carry!];
}

const mkParams = (cond: Jaxpr, body: Jaxpr, condNconsts: number, bodyNconsts: number): WhileParams => ({
  condJaxpr: closed(cond),
  bodyJaxpr: closed(body),
  condNconsts,
  bodyNconsts,
});

export const while_p: PrimitiveRules<WhileParams> = {
  name: "while",
  abstractEval(avals, p) {
    const [cc, bc, carry] = split(avals, p);
    const cond = p.condJaxpr.jaxpr;
    const body = p.bodyJaxpr.jaxpr;
    const str = (as: readonly ShapedArray[]) => `(${as.map((a) => a.str()).join(", ")})`;
    const want = (j: Jaxpr, got: ShapedArray[], what: string) => {
      if (j.invars.length !== got.length || !j.inAvals.every((a, i) => a.strongEquals(got[i]!))) {
        throw new TypeError(`while: ${what} expects inputs ${str(j.inAvals)} but got ${str(got)}`);
      }
    };
    want(cond, [...cc, ...carry], "cond_jaxpr");
    want(body, [...bc, ...carry], "body_jaxpr");
    const pred = cond.outAvals;
    if (pred.length !== 1 || pred[0]!.dtype !== "bool" || pred[0]!.ndim !== 0) {
      throw new TypeError(`cond_fun must return a boolean scalar, but got output type(s) ${str(pred)}.`);
    }
    const out = body.outAvals;
    if (out.length !== carry.length || !out.every((a, i) => a.strongEquals(carry[i]!))) {
      throw new TypeError(`body_fun output and input must have identical types, got ${str(out)} and ${str(carry)}.`);
    }
    return carry.map((a, i) => a.update({ weakType: a.weakType && out[i]!.weakType }));
  },

  impl(args, p) {
    const [cc, bc, init] = split(args, p);
    let carry = init;
    while (interpretJaxpr(p.condJaxpr.jaxpr, [...cc, ...carry])[0]!.data[0]) {
      carry = interpretJaxpr(p.bodyJaxpr.jaxpr, [...bc, ...carry]);
    }
    return carry.map((c) => c.data);
  },

  // d/dε of the loop: the tangent carry advances with the body's jvp; the predicate reads only
  // primals. Tangents of integer and boolean values are symbolically zero and not carried.
  jvp(primals, tangents, p) {
    const [cc, bc, carry] = split(primals, p);
    const [, bcT, carryT] = split(tangents, p);
    const nzB = floatMask(bc);
    const nzC = floatMask(carry);
    const jv = jvpJaxpr(p.bodyJaxpr.jaxpr, [...nzB, ...nzC], nzC);
    // jv's inputs are [extra consts, bc, carry, bc tangents, carry tangents]: regroup as
    // [extra, bc, bc tangents | carry, carry tangents].
    const [ext, vbc, vc, vbcT, vcT] = splitList(jv.jaxpr.invars, [jv.consts.length, bc.length, carry.length, nzB.filter(Boolean).length]);
    const body = new Jaxpr([], [...ext!, ...vbc!, ...vbcT!, ...vc!, ...vcT!], jv.jaxpr.eqns, jv.jaxpr.outvars);
    const tAvals = carry.filter((_, i) => nzC[i]).map((c) => c.aval);
    const c0 = p.condJaxpr.jaxpr;
    const cond = new Jaxpr([], [...c0.invars, ...freshVars(tAvals)], c0.eqns, c0.outvars);
    const bcTs = bcT.filter((_, i) => nzB[i]);
    const carryTs = carryT.filter((_, i) => nzC[i]);
    const outs = bind(
      while_p,
      [...cc, ...jv.consts, ...bc, ...bcTs, ...carry, ...carryTs],
      mkParams(cond, body, cc.length, jv.consts.length + bc.length + bcTs.length),
    );
    const tOuts = outs.slice(carry.length);
    let k = 0;
    return [outs.slice(0, carry.length), nzC.map((nz) => (nz ? tOuts[k++]! : null))];
  },

  transpose() {
    throw new ValueError(REVERSE_WHILE_ERROR);
  },

  batch(args, dims, p, size) {
    const [ccD, bcD, carryD] = split(dims, p);
    const ccB = ccD.map((d) => d !== null);
    const bcB = bcD.map((d) => d !== null);
    let carryB = carryD.map((d) => d !== null);
    // Fixpoint: a carry is batched if its initial value is, or the body makes it so.
    for (;;) {
      const { outBatched } = batchJaxpr(p.bodyJaxpr.jaxpr, size, [...bcB, ...carryB], carryB);
      const next = carryB.map((b, i) => b || outBatched[i]!);
      if (next.every((b, i) => b === carryB[i])) break;
      carryB = next;
    }
    const predB = batchJaxpr(p.condJaxpr.jaxpr, size, [...ccB, ...carryB], [false]).outBatched[0]!;
    if (predB) carryB = carryB.map(() => true);
    const moved = args.map((x, i) => (dims[i] === null ? x : moveBatchAxis(x, dims[i]!, 0, size)));
    const [cc, bc, carry0] = split(moved, p);
    const carry = carry0.map((x, i) => (carryB[i] && carryD[i] === null ? moveBatchAxis(x, null, 0, size) : x));
    const cAvals = [...cc, ...carry].map((x) => x.aval);
    const bAvals = [...bc, ...carry].map((x) => x.aval);
    let outs: JaxArray[];
    if (!predB) {
      const cj = batchJaxpr(p.condJaxpr.jaxpr, size, [...ccB, ...carryB], [false]);
      const bj = batchJaxpr(p.bodyJaxpr.jaxpr, size, [...bcB, ...carryB], carryB);
      outs = bind(
        while_p,
        [...cj.consts, ...cc, ...bj.consts, ...bc, ...carry],
        mkParams(cj.jaxpr, bj.jaxpr, cj.consts.length + cc.length, bj.consts.length + bc.length),
      );
    } else {
      // Every lane steps together while any lane's predicate holds; a lane whose predicate is
      // false keeps its carry: carry' = select(pred, body(carry), carry).
      const nc = cc.length;
      const predOf = (ccs: JaxArray[], cs: JaxArray[]) =>
        batchedFn(p.condJaxpr.jaxpr, size, [...ccB, ...carryB], [true])(...ccs, ...cs)[0]!;
      const cj = traceConsts((...xs) => {
        const pr = predOf(xs.slice(0, nc), xs.slice(nc));
        return [bind(reduce_or_p, [pr], { axes: [0] })[0]!];
      }, cAvals);
      const nb = bc.length;
      const bj = traceConsts(
        (...xs) => {
          const [ccs, bcs, cs] = splitList(xs, [nc, nb]);
          const pr = predOf(ccs!, cs!);
          const stepped = batchedFn(p.bodyJaxpr.jaxpr, size, [...bcB, ...carryB], carryB)(...bcs!, ...cs!);
          return stepped.map((s, i) => lax.select(lax.broadcastInDim(pr, s.shape, [0]), s, cs![i]!));
        },
        [...cc.map((x) => x.aval), ...bAvals],
      );
      outs = bind(
        while_p,
        [...cj.consts, ...cc, ...bj.consts, ...cc, ...bc, ...carry],
        mkParams(cj.jaxpr, bj.jaxpr, cj.consts.length + nc, bj.consts.length + nc + nb),
      );
    }
    return [outs, carryB.map((b) => (b ? 0 : null))];
  },
};

// ---- partial evaluation ------------------------------------------------------------------------

interface WhileSplit {
  /** Which carries are unknown (a fixpoint over the body). */
  carryU: boolean[];
  /** The loop over the known carries alone (inputs: cond consts, known body consts, known carry). */
  known: WhileParams;
}

/**
 * Splits a while loop with some unknown inputs: null when the predicate depends on an unknown
 * value (then everything is unknown), otherwise the unknown carries and the known loop.
 */
function splitWhile(p: WhileParams, unks: boolean[]): WhileSplit | null {
  const [ccU, bcU, initU] = split(unks, p);
  if (ccU.some((u) => u)) return null;
  let carryU = initU;
  for (;;) {
    const { outUnknowns } = partialEvalJaxpr(p.bodyJaxpr.jaxpr, [...bcU, ...carryU]);
    const next = carryU.map((u, i) => u || outUnknowns[i]!);
    if (next.every((u, i) => u === carryU[i])) break;
    carryU = next;
  }
  const pc = partialEvalJaxpr(p.condJaxpr.jaxpr, [...ccU, ...carryU]);
  if (pc.outUnknowns[0]) return null;
  const pb = partialEvalJaxpr(p.bodyJaxpr.jaxpr, [...bcU, ...carryU], carryU);
  const nKnown = carryU.filter((u) => !u).length;
  const j1 = pb.jaxpr1;
  const body = dce(new Jaxpr([], j1.invars, j1.eqns, j1.outvars.slice(0, nKnown)));
  const c1 = pc.jaxpr1;
  const cond = dce(new Jaxpr([], c1.invars, c1.eqns, c1.outvars.slice(0, 1)));
  const nbKnown = bcU.filter((u) => !u).length;
  return { carryU, known: mkParams(cond, body, p.condNconsts, nbKnown) };
}

partialEvalRules.set(while_p, (trace, tracers, params) => {
  const p = params as WhileParams;
  const unks = tracers.map((t) => !t.pval.isKnown);
  const s = splitWhile(p, unks);
  const stageAll = () => {
    const ins = tracers.map((t) => trace.instantiateConst(t));
    return trace.stage(while_p, ins, p, while_p.abstractEval(ins.map((t) => t.aval), p));
  };
  if (s === null) return stageAll();
  const [cc, bc, carry] = split(tracers, p);
  const [, bcU] = split(unks, p);
  const knownIns = [...cc, ...bc.filter((_, i) => !bcU[i]), ...carry.filter((_, i) => !s.carryU[i])];
  const knownOuts = bind(while_p, knownIns.map((t) => t.pval.known!), s.known);
  if (!s.carryU.some((u) => u)) return knownOuts;
  // The unknown carries come from the whole loop, staged (recomputing the known part).
  const staged: PETracer[] = stageAll();
  return merge(s.carryU, knownOuts, staged.filter((_, i) => s.carryU[i]));
});

partialEvalJaxprRules.set(while_p, (unksIn, eqn: JaxprEqn) => {
  const p = eqn.params as WhileParams;
  const s = splitWhile(p, unksIn);
  if (s === null) return { eqn1: null, eqn2: eqn, unksOut: eqn.outBinders.map(() => true), residuals: [] };
  const [cc, bc, carry] = split(eqn.inputs, p);
  const [, bcU] = split(unksIn, p);
  const eqn1: JaxprEqn = {
    primitive: while_p,
    inputs: [...cc, ...bc.filter((_, i) => !bcU[i]), ...carry.filter((_, i) => !s.carryU[i])],
    params: s.known,
    outBinders: eqn.outBinders.filter((_, i) => !s.carryU[i]),
  };
  const eqn2: JaxprEqn | null = s.carryU.some((u) => u)
    ? { ...eqn, outBinders: eqn.outBinders.map((v, i) => (s.carryU[i] ? v : new Var(v.aval))) }
    : null;
  return { eqn1, eqn2, unksOut: s.carryU, residuals: [] };
});
