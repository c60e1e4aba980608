// The `scan` primitive (JAX's scan_p): inputs [consts, initial carry, xs]; params { jaxpr,
// length, reverse, numConsts, numCarry, linear, unroll } with a const-free closed jaxpr
// [consts, carry, x] → [carry, y] applied along the leading axis of xs, stacking the ys.
// Rules: abstract evaluation, the reference loop, jvp (a scan of the body's jvp), batching (the
// body batched, xs batched at axis 1), partial evaluation (a known scan that also stacks the
// residuals, and an unknown scan consuming them) and transpose (a reverse scan of the body's
// transpose, accumulating the cotangents of the constants in its carry).
import type { JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { UndefinedPrimal, type PrimitiveRules } from "../core/primitive.js";
import { bind } from "../core/trace.js";
import { type ClosedJaxpr, Jaxpr, type JaxprEqn, Var } from "../ir/jaxpr.js";
import { interpretJaxpr } from "../backends/interpret/index.js";
import { addAny, zerosLikeAval } from "../lax/core.js";
import { backwardPass } from "../transforms/transpose.js";
import { type PETracer, partialEvalJaxpr, partialEvalJaxprRules, partialEvalRules } from "../transforms/partial_eval.js";
import {
  batchAval,
  batchJaxpr,
  closed,
  dce,
  floatMask,
  indexHost,
  jvpJaxpr,
  merge,
  splitList,
  stackedBuffer,
  traceConsts,
} from "./control_flow_common.js";
import { moveBatchAxis } from "./util.js";

export type ScanParams = {
  jaxpr: ClosedJaxpr;
  length: number;
  reverse: boolean;
  numConsts: number;
  numCarry: number;
  /** Which inputs the body is linear in (informational, as in JAX). */
  linear: boolean[];
  /** Unrolling hint (steps per loop iteration of compiled code). */
  unroll: number;
};

export function splitScan<T>(xs: readonly T[], p: { numConsts: number; numCarry: number }): [T[], T[], T[]] {
  const [c, k, x] = splitList(xs, [p.numConsts, p.numCarry]);
  return [c!, k!, x!];
}

/** The per-iteration aval of a scanned array (its leading axis dropped). */
export const sliceAval = (a: ShapedArray): ShapedArray => a.update({ shape: a.shape.slice(1) });

export const scan_p: PrimitiveRules<ScanParams> = {
  name: "scan",
  abstractEval(avals, p) {
    const j = p.jaxpr.jaxpr;
    const [consts, carry, xs] = splitScan(avals, p);
    const str = (as: readonly ShapedArray[]) => `(${as.map((a) => a.str()).join(", ")})`;
    if (p.linear.length !== avals.length) {
      throw new TypeError(`scan: linear has ${p.linear.length} entries for ${avals.length} arguments`);
    }
    for (const x of xs) {
      if (x.ndim === 0 || x.shape[0] !== p.length) {
        throw new TypeError(`scan: xs of type ${x.str()} does not have leading axis of the scan length ${p.length}`);
      }
    }
    const ins = [...consts, ...carry, ...xs.map(sliceAval)];
    if (j.invars.length !== ins.length || !j.inAvals.every((a, i) => a.strongEquals(ins[i]!))) {
      throw new TypeError(`scan: the body expects inputs ${str(j.inAvals)} but got ${str(ins)}`);
    }
    const outs = j.outAvals;
    const carryOut = outs.slice(0, carry.length);
    if (!carryOut.every((a, i) => a.strongEquals(carry[i]!))) {
      throw new TypeError(`scan carry output and input must have identical types, got ${str(carryOut)} and ${str(carry)}.`);
    }
    return [
      ...carry.map((a, i) => a.update({ weakType: a.weakType && carryOut[i]!.weakType })),
      ...outs.slice(carry.length).map((a) => batchAval(a, p.length)),
    ];
  },

  impl(args, p, outAvals) {
    const [consts, init, xs] = splitScan(args, p);
    const yAvals = outAvals.slice(p.numCarry);
    const ys = yAvals.map((a) => stackedBuffer(sliceAval(a), p.length));
    let carry = init;
    for (let t = 0; t < p.length; t++) {
      const i = p.reverse ? p.length - 1 - t : t;
      const outs = interpretJaxpr(p.jaxpr.jaxpr, [...consts, ...carry, ...xs.map((x) => indexHost(x, i))]);
      carry = outs.slice(0, p.numCarry);
      outs.slice(p.numCarry).forEach((y, k) => ys[k]!.set(y.data, i * y.data.length));
    }
    return [...carry.map((c) => c.data), ...ys];
  },

  // The jvp of a scan is a scan of the body's jvp: tangents of the constants join the
  // constants, tangent carries the carry, tangents of xs the xs (float values only).
  jvp(primals, tangents, p) {
    const [consts, carry, xs] = splitScan(primals, p);
    const [constsT, carryT, xsT] = splitScan(tangents, p);
    const nzC = floatMask(consts);
    const nzK = floatMask(carry);
    const nzX = floatMask(xs);
    const nY = p.jaxpr.jaxpr.outvars.length - p.numCarry;
    const ysAvals = p.jaxpr.jaxpr.outAvals.slice(p.numCarry);
    const jv = jvpJaxpr(p.jaxpr.jaxpr, [...nzC, ...nzK, ...nzX], [...nzK, ...floatMask(ysAvals)]);
    const count = (m: boolean[]) => m.filter(Boolean).length;
    const j = jv.jaxpr;
    const [ext, vc, vk, vx, vcT, vkT, vxT] = splitList(j.invars, [
      jv.consts.length, consts.length, carry.length, xs.length, count(nzC), count(nzK),
    ]);
    const nzY = jv.outNonzeros.slice(p.numCarry);
    const [ok, oy, okT, oyT] = splitList(j.outvars, [p.numCarry, nY, count(nzK)]);
    const body = new Jaxpr([], [...ext!, ...vc!, ...vcT!, ...vk!, ...vkT!, ...vx!, ...vxT!], j.eqns, [...ok!, ...okT!, ...oy!, ...oyT!]);
    const [lc, lk, lx] = splitScan(p.linear, p);
    const pick = <T>(xs: T[], m: boolean[]) => xs.filter((_, i) => m[i]);
    const tr = (m: boolean[]) => m.filter(Boolean).map(() => true);
    const args = [...jv.consts, ...consts, ...pick(constsT, nzC), ...carry, ...pick(carryT, nzK), ...xs, ...pick(xsT, nzX)];
    const outs = bind(scan_p, args, {
      ...p,
      jaxpr: closed(body),
      numConsts: jv.consts.length + consts.length + count(nzC),
      numCarry: carry.length + count(nzK),
      linear: [...jv.consts.map(() => false), ...lc, ...tr(nzC), ...lk, ...tr(nzK), ...lx, ...tr(nzX)],
    });
    const [k, kT, y, yT] = splitList(outs, [p.numCarry, count(nzK), nY]);
    let a = 0;
    let b = 0;
    return [
      [...k!, ...y!],
      [...nzK.map((nz) => (nz ? kT![a++]! : null)), ...nzY.map((nz) => (nz ? yT![b++]! : null))],
    ];
  },

  // A scan is linear in the inputs given as UndefinedPrimal (the tangent consts, carries and
  // xs): its transpose runs the body's transpose backwards over the sequence. The transposed
  // body maps (residual consts; accumulated const cotangents, carry cotangent; y cotangent,
  // residual x) to (accumulators + this step's const cotangents, cotangent of the incoming
  // carry; cotangent of x).
  transpose(cts, args, p) {
    const [consts, carry, xs] = splitScan(args, p);
    const linC = consts.map((c) => c instanceof UndefinedPrimal);
    const linX = xs.map((x) => x instanceof UndefinedPrimal);
    const resC = consts.filter((_, i) => !linC[i]) as JaxArray[];
    const resX = xs.filter((_, i) => !linX[i]) as JaxArray[];
    const j = p.jaxpr.jaxpr;
    const [cAvals, kAvals, xAvals] = splitScan(j.inAvals, p);
    const yAvals = j.outAvals.slice(p.numCarry);
    const linCAvals = cAvals.filter((_, i) => linC[i]);
    const nRes = resC.length;
    const nAcc = linCAvals.length;
    const nK = p.numCarry;
    const nY = yAvals.length;
    const tj = traceConsts(
      (...ins) => {
        const [rc, acc, ck, cy, rx] = splitList(ins, [nRes, nAcc, nK, nY]);
        let a = 0;
        let b = 0;
        const bodyArgs = [
          ...cAvals.map((av, i) => (linC[i] ? new UndefinedPrimal(av) : rc![a++]!)),
          ...kAvals.map((av) => new UndefinedPrimal(av)),
          ...xAvals.map((av, i) => (linX[i] ? new UndefinedPrimal(av) : rx![b++]!)),
        ];
        const res = backwardPass(j, bodyArgs, [...ck!, ...cy!]);
        const ctOf = (i: number) => res[i] ?? zerosLikeAval(j.invars[i]!.aval);
        const ctC = cAvals.map((_, i) => i).filter((i) => linC[i]).map(ctOf);
        const ctK = kAvals.map((_, i) => ctOf(p.numConsts + i));
        const ctX = xAvals.map((_, i) => i).filter((i) => linX[i]).map((i) => ctOf(p.numConsts + nK + i));
        return [...acc!.map((x, i) => addAny(x, ctC[i]!)), ...ctK, ...ctX];
      },
      [...cAvals.filter((_, i) => !linC[i]), ...linCAvals, ...kAvals, ...yAvals, ...xAvals.filter((_, i) => !linX[i])],
    );
    const [ctCarry, ctYs] = splitList(cts, [nK]);
    const outs = bind(
      scan_p,
      [...tj.consts, ...resC, ...linCAvals.map(zerosLikeAval), ...ctCarry!, ...ctYs!, ...resX],
      {
        jaxpr: closed(tj.jaxpr),
        length: p.length,
        reverse: !p.reverse,
        numConsts: tj.consts.length + nRes,
        numCarry: nAcc + nK,
        linear: [...tj.consts.map(() => false), ...resC.map(() => false), ...linCAvals.map(() => true),
          ...kAvals.map(() => true), ...yAvals.map(() => true), ...resX.map(() => false)],
        unroll: p.unroll,
      },
    );
    const [ctConsts, ctInit, ctXs] = splitList(outs, [nAcc, nK]);
    let a = 0;
    let b = 0;
    return [
      ...linC.map((l) => (l ? ctConsts![a++]! : null)),
      ...carry.map((c, i) => (c instanceof UndefinedPrimal ? ctInit![i]! : null)),
      ...linX.map((l) => (l ? ctXs![b++]! : null)),
    ];
  },

  batch(args, dims, p, size) {
    const [cD, kD, xD] = splitScan(dims, p);
    const cB = cD.map((d) => d !== null);
    const xB = xD.map((d) => d !== null);
    let kB = kD.map((d) => d !== null);
    const j = p.jaxpr.jaxpr;
    const nY = j.outvars.length - p.numCarry;
    const noY = new Array<boolean>(nY).fill(false);
    for (;;) {
      const { outBatched } = batchJaxpr(j, size, [...cB, ...kB, ...xB], [...kB, ...noY]);
      const next = kB.map((b, i) => b || outBatched[i]!);
      if (next.every((b, i) => b === kB[i])) break;
      kB = next;
    }
    const bj = batchJaxpr(j, size, [...cB, ...kB, ...xB], [...kB, ...noY]);
    const [consts, carry, xs] = splitScan(args, p);
    const mc = consts.map((c, i) => (cD[i] === null ? c : moveBatchAxis(c, cD[i]!, 0, size)));
    const mk = carry.map((c, i) => (kB[i] ? moveBatchAxis(c, kD[i]!, 0, size) : c));
    // Each x is sliced along axis 0 by the scan, so its batch axis goes to 1.
    const mx = xs.map((x, i) => (xD[i] === null ? x : moveBatchAxis(x, xD[i]!, 1, size)));
    const outs = bind(scan_p, [...bj.consts, ...mc, ...mk, ...mx], {
      ...p,
      jaxpr: closed(bj.jaxpr),
      numConsts: bj.consts.length + p.numConsts,
      linear: [...bj.consts.map(() => false), ...p.linear],
    });
    const yB = bj.outBatched.slice(p.numCarry);
    return [outs, [...kB.map((b) => (b ? 0 : null)), ...yB.map((b) => (b ? 1 : null))]];
  },
};

// ---- partial evaluation ------------------------------------------------------------------------
// The body splits into a known part, run now as a scan that also stacks the per-step residuals
// (values the unknown part needs), and an unknown part, staged as a scan consuming them. A
// residual that is a known constant or a known x of the body is passed through as such rather
// than restacked (JAX's loop-invariant residual forwarding, for the common case).

interface ScanSplit {
  constU: boolean[];
  /** Unknown carries: a fixpoint over the body (a carry fed by an unknown value is unknown). */
  carryU: boolean[];
  xsU: boolean[];
  ysU: boolean[];
  /** [known consts, known carry, known xs] → [known carry, known ys, stacked residuals]. */
  known: ScanParams;
  /** [residual consts, unknown consts, unknown carry, unknown xs, stacked residuals, residual xs]. */
  unknown: ScanParams;
  /** Positions (among the consts / xs) of known inputs forwarded to the unknown scan. */
  constRes: number[];
  xsRes: number[];
  stackedAvals: ShapedArray[];
}

function splitScanPE(p: ScanParams, unks: boolean[]): ScanSplit {
  const j = p.jaxpr.jaxpr;
  const [constU, initU, xsU] = splitScan(unks, p);
  const nY = j.outvars.length - p.numCarry;
  const noY = new Array<boolean>(nY).fill(false);
  let carryU = initU;
  for (;;) {
    const { outUnknowns } = partialEvalJaxpr(j, [...constU, ...carryU, ...xsU]);
    const next = carryU.map((u, i) => u || outUnknowns[i]!);
    if (next.every((u, i) => u === carryU[i])) break;
    carryU = next;
  }
  const inU = [...constU, ...carryU, ...xsU];
  const pe = partialEvalJaxpr(j, inU, [...carryU, ...noY]);
  const ysU = pe.outUnknowns.slice(p.numCarry);
  const j1 = pe.jaxpr1;
  const j2 = pe.jaxpr2;
  const nKnownOut = j1.outvars.length - pe.numRes;
  const residuals = j2.invars.slice(0, pe.numRes);
  const constRes: number[] = [];
  const xsRes: number[] = [];
  const constResVars: Var[] = [];
  const xsResVars: Var[] = [];
  const stackedVars: Var[] = [];
  for (const r of residuals) {
    const pos = j.invars.indexOf(r);
    if (pos >= 0 && pos < p.numConsts) {
      constRes.push(pos);
      constResVars.push(r);
    } else if (pos >= p.numConsts + p.numCarry) {
      xsRes.push(pos - p.numConsts - p.numCarry);
      xsResVars.push(r);
    } else stackedVars.push(r);
  }
  const knownJaxpr = dce(new Jaxpr([], j1.invars, j1.eqns, [...j1.outvars.slice(0, nKnownOut), ...stackedVars]));
  const [ins2C, ins2K, ins2X] = splitList(j2.invars.slice(pe.numRes), [count(constU), count(carryU)]);
  const unknownJaxpr = new Jaxpr(
    [],
    [...constResVars, ...ins2C!, ...ins2K!, ...ins2X!, ...stackedVars, ...xsResVars],
    j2.eqns,
    j2.outvars,
  );
  const [lc, lk, lx] = splitScan(p.linear, p);
  const pick = <T>(xs: T[], m: boolean[], want: boolean) => xs.filter((_, i) => m[i] === want);
  const never = (n: number) => new Array<boolean>(n).fill(false);
  return {
    constU,
    carryU,
    xsU,
    ysU,
    known: {
      ...p,
      jaxpr: closed(knownJaxpr),
      numConsts: count(constU, false),
      numCarry: count(carryU, false),
      linear: [...pick(lc, constU, false), ...pick(lk, carryU, false), ...pick(lx, xsU, false)],
    },
    unknown: {
      ...p,
      jaxpr: closed(unknownJaxpr),
      numConsts: constRes.length + count(constU),
      numCarry: count(carryU),
      linear: [...never(constRes.length), ...pick(lc, constU, true), ...pick(lk, carryU, true), ...pick(lx, xsU, true),
        ...never(stackedVars.length + xsRes.length)],
    },
    constRes,
    xsRes,
    stackedAvals: stackedVars.map((v) => batchAval(v.aval, p.length)),
  };
}

const count = (m: boolean[], want = true): number => m.filter((b) => b === want).length;
const anyUnknown = (s: ScanSplit): boolean => s.carryU.some((u) => u) || s.ysU.some((u) => u);

partialEvalRules.set(scan_p, (trace, tracers, params) => {
  const p = params as ScanParams;
  const s = splitScanPE(p, tracers.map((t) => !t.pval.isKnown));
  const [consts, init, xs] = splitScan(tracers, p);
  const knownIns = [
    ...consts.filter((_, i) => !s.constU[i]),
    ...init.filter((_, i) => !s.carryU[i]),
    ...xs.filter((_, i) => !s.xsU[i]),
  ];
  const knownOuts = bind(scan_p, knownIns.map((t) => t.pval.known!), s.known);
  const [carryK, ysK, stacked] = splitList(knownOuts, [count(s.carryU, false), count(s.ysU, false)]);
  if (!anyUnknown(s)) return [...carryK!, ...ysK!];
  const inst = (t: PETracer) => trace.instantiateConst(t);
  const ins = [
    ...s.constRes.map((i) => inst(consts[i]!)),
    ...consts.filter((_, i) => s.constU[i]),
    ...init.filter((_, i) => s.carryU[i]).map(inst),
    ...xs.filter((_, i) => s.xsU[i]),
    ...stacked!.map((r) => inst(trace.pure(r) as PETracer)),
    ...s.xsRes.map((i) => inst(xs[i]!)),
  ];
  const staged = trace.stage(scan_p, ins, s.unknown, scan_p.abstractEval(ins.map((t) => t.aval), s.unknown));
  const [carryU, ysU] = splitList(staged, [count(s.carryU)]);
  return [...merge(s.carryU, carryK!, carryU!), ...merge(s.ysU, ysK!, ysU!)];
});

partialEvalJaxprRules.set(scan_p, (unksIn, eqn: JaxprEqn) => {
  const p = eqn.params as ScanParams;
  const s = splitScanPE(p, unksIn);
  const [consts, init, xs] = splitScan(eqn.inputs, p);
  const [carryB, ysB] = splitList(eqn.outBinders, [p.numCarry]);
  const stackedVars = s.stackedAvals.map((a) => new Var(a));
  const eqn1: JaxprEqn = {
    primitive: scan_p,
    inputs: [...consts.filter((_, i) => !s.constU[i]), ...init.filter((_, i) => !s.carryU[i]), ...xs.filter((_, i) => !s.xsU[i])],
    params: s.known,
    outBinders: [...carryB!.filter((_, i) => !s.carryU[i]), ...ysB!.filter((_, i) => !s.ysU[i]), ...stackedVars],
  };
  const eqn2: JaxprEqn | null = anyUnknown(s)
    ? {
        primitive: scan_p,
        inputs: [
          ...s.constRes.map((i) => consts[i]!),
          ...consts.filter((_, i) => s.constU[i]),
          ...init.filter((_, i) => s.carryU[i]),
          ...xs.filter((_, i) => s.xsU[i]),
          ...stackedVars,
          ...s.xsRes.map((i) => xs[i]!),
        ],
        params: s.unknown,
        outBinders: [...carryB!.filter((_, i) => s.carryU[i]), ...ysB!.filter((_, i) => s.ysU[i])],
      }
    : null;
  return { eqn1, eqn2, unksOut: [...s.carryU, ...s.ysU], residuals: stackedVars };
});
