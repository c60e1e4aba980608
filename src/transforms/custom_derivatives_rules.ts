// The primitives behind custom derivatives, with JAX's names: custom_jvp_call and
// custom_vjp_call (a staged call of a function with a custom rule) and custom_lin (the linear,
// tangent half of a custom_vjp under differentiation, transposed by calling bwd).
//
// A staged call carries the jaxpr of the function (`callJaxpr`, const-free: the values the
// function closed over are its first `numConsts` operands) and its rule: for custom_jvp a thunk
// that traces the jvp rule for a pattern of zero tangents, for custom_vjp a thunk tracing fwd and
// the bwd function itself. The rules of these primitives make the staged form compose with every
// transformation: jvp applies the custom rule, batching batches the function and the rules,
// partial evaluation of custom_jvp_call inlines the function (linearization no longer needs the
// rule), transposing custom_jvp_call transposes the function, and custom_lin transposes by
// calling bwd. custom_lin cannot be evaluated, batched or differentiated: that would be forward
// mode through a custom_vjp, which raises JAX's error.
import { ArrayImpl, type JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { isFloat } from "../core/dtypes.js";
import { JaxError, UnexpectedTracerError } from "../core/errors.js";
import { type PrimitiveRules, UndefinedPrimal, isZeroTangent } from "../core/primitive.js";
import { type MainTrace, Tracer, bind, fullRaise, withNewMain } from "../core/trace.js";
import type { Jaxpr } from "../ir/jaxpr.js";
import { evalJaxpr } from "../ir/eval.js";
import { interpretJaxpr } from "../backends/interpret/index.js";
import { reduceSum } from "../lax/core.js";
import { batchJaxpr } from "../primitives/control_flow_common.js";
import { moveBatchAxis } from "../primitives/util.js";
import { JVPTracer, currentJvpRuleMain } from "./jvp.js";
import { BatchTrace, BatchTracer, currentBatchRuleMain } from "./vmap.js";
import { PETracer, partialEvalRules } from "./partial_eval.js";
import { backwardPass } from "./transpose.js";
import { innermostStagingMain } from "./staging.js";

// ---- errors ------------------------------------------------------------------------------------

export const JVP_OF_CUSTOM_VJP = "can't apply forward-mode autodiff (jvp) to a custom_vjp function.";

/** JAX's CustomVJPException: differentiation with respect to a value a custom_vjp closes over. */
export class CustomVJPException extends JaxError {
  constructor() {
    super(
      "Detected differentiation of a custom_vjp function with respect to a closed-over value. That isn't " +
        "supported because the custom VJP rule only specifies how to differentiate the custom_vjp function " +
        "with respect to explicit input parameters. Try passing the closed-over value into the custom_vjp " +
        "function as an argument, and adapting the custom_vjp fwd and bwd rules.",
    );
  }
}

function tracerError(message: string): UnexpectedTracerError {
  const e = new UnexpectedTracerError("");
  e.message = message;
  return e;
}

/** Differentiation with respect to a value a custom_jvp function closes over (JAX's error class). */
export function closedOverJvpError(): UnexpectedTracerError {
  return tracerError(
    "Detected differentiation of a custom_jvp function with respect to a closed-over value. That isn't " +
      "supported because the custom JVP rule only specifies how to differentiate the custom_jvp function " +
      "with respect to explicit input parameters. Try passing the closed-over value into the custom_jvp " +
      "function as an argument, and adapting the custom_jvp rule.",
  );
}

/** A custom_jvp rule that closed over a value of the very differentiation applying it. */
export function ruleClosureError(jvpName: string, name: string): UnexpectedTracerError {
  return tracerError(
    `Custom JVP rule ${jvpName} for function ${name} closed over a value that is being differentiated by ` +
      "the transformation applying the rule; a rule only sees the primal and tangent values it is given. " +
      "Pass the value into the custom_jvp function as an argument instead.",
  );
}

// ---- tracer levels -----------------------------------------------------------------------------

/** The interpreter a custom call must be processed by: the innermost among its operands and the staging trace. */
export function topMain(xs: readonly JaxArray[]): MainTrace | null {
  let top = innermostStagingMain();
  for (const x of xs) {
    if (x instanceof Tracer) {
      const m = x._trace.main;
      if (top === null || m.level > top.level) top = m;
    }
  }
  return top;
}

export const levelOf = (x: unknown): number => (x instanceof Tracer ? x._trace.main.level : 0);

/** The value one interpreter below a tracer (null for a staging tracer, which wraps nothing). */
function inner(t: Tracer): JaxArray | null {
  if (t instanceof JVPTracer) return t.primal;
  if (t instanceof BatchTracer) return t.val;
  if (t instanceof PETracer) return t.pval.known;
  return null;
}

/**
 * Whether `x` carries a nonzero tangent: a JVP tracer (of `main` only, if given) with a tangent,
 * or (with no `main`) an unknown value of partial evaluation, i.e. a function of the tangents.
 */
export function isPerturbed(x: JaxArray, main: MainTrace | null = null): boolean {
  let v: JaxArray | null = x;
  while (v instanceof Tracer) {
    if (v instanceof JVPTracer && v.tangent !== null && !isZeroTangent(v.tangent) && (main === null || v._trace.main === main)) return true;
    if (v instanceof PETracer && !v.pval.isKnown && main === null) return true;
    v = inner(v);
  }
  return false;
}

/** Whether `x` is, or wraps, a tracer of `main`. */
function involves(x: JaxArray, main: MainTrace): boolean {
  let v: JaxArray | null = x;
  while (v instanceof Tracer) {
    if (v._trace.main === main) return true;
    v = inner(v);
  }
  return false;
}

// ---- staged rules ------------------------------------------------------------------------------

/**
 * A rule carried by a staged call: printed by its function's name (as JAX prints `jvp=f_jvp`),
 * and keyed for caches by what determines its behaviour (the custom function, its static
 * arguments and argument structure, and the transformations applied since).
 */
abstract class StagedRule {
  constructor(
    readonly name: string,
    readonly internKey: string,
  ) {}
  toString(): string {
    return this.name;
  }
  toJSON(): string {
    return this.internKey;
  }
}

/** A jvp rule traced for one pattern of zero tangents: (consts, primals, nonzero tangents) → (outs, nonzero tangent outs). */
export interface TracedJvp {
  jaxpr: Jaxpr;
  consts: JaxArray[];
  outZeros: boolean[];
}

/** JAX's jvp_jaxpr_fun: traces the jvp rule on demand, once per pattern of zero tangents. */
export class JvpThunk extends StagedRule {
  private readonly memo = new Map<string, TracedJvp>();
  constructor(name: string, key: string, private readonly build: (zeros: boolean[]) => TracedJvp) {
    super(name, key);
  }
  get(zeros: boolean[]): TracedJvp {
    const k = zeros.map((z) => (z ? "1" : "0")).join("");
    const hit = this.memo.get(k);
    if (hit !== undefined) return hit;
    const r = this.build(zeros);
    // A trace that captured tracers is valid only while they live.
    if (r.consts.every((c) => c instanceof ArrayImpl)) this.memo.set(k, r);
    return r;
  }
}

/** fwd traced: (consts, primals) → (residuals, outs). */
export interface TracedFwd {
  jaxpr: Jaxpr;
  consts: JaxArray[];
  numRes: number;
}

/** JAX's fwd_jaxpr_thunk: traces the fwd rule on demand. */
export class FwdThunk extends StagedRule {
  private memo: TracedFwd | null = null;
  constructor(name: string, key: string, private readonly build: () => TracedFwd) {
    super(name, key);
  }
  get(): TracedFwd {
    if (this.memo !== null) return this.memo;
    const r = this.build();
    if (r.consts.every((c) => c instanceof ArrayImpl)) this.memo = r;
    return r;
  }
}

/** bwd of a custom_vjp on flat values: one cotangent per argument leaf, null for zero. */
export type FlatBwd = (res: JaxArray[], cts: JaxArray[]) => (JaxArray | null)[];

export class BwdRule extends StagedRule {
  constructor(name: string, key: string, readonly fn: FlatBwd) {
    super(name, key);
  }
}

/** The bwd of a custom_lin equation, with the avals of the tangents it outputs. */
export class LinBwd extends StagedRule {
  readonly fn: FlatBwd;
  constructor(bwd: BwdRule, readonly outAvals: ShapedArray[]) {
    super(bwd.name, `${bwd.internKey}->${outAvals.map((a) => a.key()).join(",")}`);
    this.fn = bwd.fn;
  }
}

// ---- parameters --------------------------------------------------------------------------------

export type CustomJvpParams = {
  name: string;
  callJaxpr: Jaxpr;
  jvp: JvpThunk;
  /** Leading operands that are values the function closed over (printed only when nonzero, as JAX). */
  numConsts: number | undefined;
  symbolicZeros: boolean;
};

export type CustomVjpParams = {
  name: string;
  bwd: BwdRule;
  callJaxpr: Jaxpr;
  fwd: FwdThunk;
  numConsts: number | undefined;
  symbolicZeros: boolean;
};

export type CustomLinParams = {
  bwd: LinBwd;
  /** Which arguments of the custom_vjp call had zero tangents (they are not operands). */
  inZeros: boolean[];
  numRes: number;
  symbolicZeros: boolean;
};

// ---- shared pieces -----------------------------------------------------------------------------

function callOutAvals(name: string, avals: ShapedArray[], callJaxpr: Jaxpr): ShapedArray[] {
  const want = callJaxpr.inAvals;
  if (avals.length !== want.length || avals.some((a, i) => !a.strongEquals(want[i]!))) {
    throw new TypeError(
      `${name} called with arguments ${avals.map((a) => a.str()).join(", ")} but its call_jaxpr expects ${want.map((a) => a.str()).join(", ")}`,
    );
  }
  return callJaxpr.outAvals;
}

/**
 * Applies a staged custom call one interpreter down: evaluated equation by equation when no
 * transformation is left, else bound again.
 */
export function callLower<P extends { callJaxpr: Jaxpr }>(prim: PrimitiveRules<P>, args: JaxArray[], params: P): JaxArray[] {
  return topMain(args) === null ? evalJaxpr(params.callJaxpr, args) : bind(prim, args, params);
}

const bits = (bs: readonly boolean[]): string => bs.map((b) => (b ? "1" : "0")).join("");
const allTrue = (n: number): boolean[] => new Array<boolean>(n).fill(true);

/**
 * Values a batched rule closed over: those that are tracers of the batching interpreter itself
 * are unwrapped to batched inputs (batch axis moved to 0), the rest are unbatched constants.
 */
function unbatchConsts(consts: JaxArray[], main: MainTrace | null, size: number): { vals: JaxArray[]; batched: boolean[] } {
  const vals: JaxArray[] = [];
  const batched: boolean[] = [];
  for (const c of consts) {
    if (main !== null && c instanceof BatchTracer && c._trace.main === main) {
      vals.push(c.bdim === null ? c.val : moveBatchAxis(c.val, c.bdim, 0, size));
      batched.push(c.bdim !== null);
    } else {
      vals.push(c);
      batched.push(false);
    }
  }
  return { vals, batched };
}

/** Operands with their batch axes at 0, and which are batched. */
function moveToZero(args: JaxArray[], dims: (number | null)[], size: number): { moved: JaxArray[]; inB: boolean[] } {
  return {
    moved: args.map((x, i) => (dims[i] === null ? x : moveBatchAxis(x, dims[i]!, 0, size))),
    inB: dims.map((d) => d !== null),
  };
}

// ---- custom_jvp_call ---------------------------------------------------------------------------

export const custom_jvp_call_p: PrimitiveRules<CustomJvpParams> = {
  name: "custom_jvp_call",
  abstractEval: (avals, p) => callOutAvals("custom_jvp_call", avals, p.callJaxpr),
  impl: (args, p) => interpretJaxpr(p.callJaxpr, args).map((b) => b.data),

  // The custom rule, traced for this pattern of zero tangents and evaluated on (primals, nonzero
  // tangents). Tangents of closed-over values are dropped, as JAX's lift_jvp does.
  jvp(primals, tangents, p) {
    const nc = p.numConsts ?? 0;
    const ps = primals.slice(nc);
    const ts = tangents.slice(nc);
    const zeros = ts.map((t) => isZeroTangent(t));
    if (zeros.every((z) => z)) {
      const outs = callLower(custom_jvp_call_p, primals, p);
      return [outs, outs.map(() => null)];
    }
    const r = p.jvp.get(zeros);
    const main = currentJvpRuleMain();
    if (main !== null && r.consts.some((c) => involves(c, main))) throw ruleClosureError(p.jvp.name, p.name);
    const outs = evalJaxpr(r.jaxpr, [...r.consts, ...ps, ...ts.filter((_, i) => !zeros[i])]);
    const n = r.outZeros.length;
    let k = n;
    return [outs.slice(0, n), r.outZeros.map((z) => (z ? null : outs[k++]!))];
  },

  // A custom_jvp function that is linear in some operands (applied to tangents inside another
  // rule) transposes as its function does; the rule is no longer needed.
  transpose: (cts, args, p) => backwardPass(p.callJaxpr, args, cts),

  // Batches the function and, lazily, the rule; every output is batched at axis 0 (so the
  // function's and the rule's outputs always agree).
  batch(args, dims, p, size) {
    const main = currentBatchRuleMain();
    const { moved, inB } = moveToZero(args, dims, size);
    const nc = p.numConsts ?? 0;
    const argB = inB.slice(nc);
    const nOut = p.callJaxpr.outvars.length;
    const call = batchJaxpr(p.callJaxpr, size, inB, allTrue(nOut));
    const jvp = new JvpThunk(p.jvp.name, `vmap(${p.jvp.internKey}|${size}|${bits(inB)})`, (zeros) => {
      const r = p.jvp.get(zeros);
      const c = unbatchConsts(r.consts, main, size);
      const nT = r.outZeros.filter((z) => !z).length;
      const inJ = [...c.batched, ...argB, ...argB.filter((_, i) => !zeros[i])];
      const b = batchJaxpr(r.jaxpr, size, inJ, allTrue(nOut + nT));
      return { jaxpr: b.jaxpr, consts: [...b.consts, ...c.vals], outZeros: r.outZeros };
    });
    const numConsts = call.consts.length + nc;
    const outs = callLower(custom_jvp_call_p, [...call.consts, ...moved], {
      ...p,
      callJaxpr: call.jaxpr,
      jvp,
      numConsts: numConsts || undefined,
    });
    return [outs, outs.map(() => 0)];
  },
};

// Partial evaluation with unknown operands happens only while linearizing, where the rule has
// already been applied: as JAX, the function is inlined.
partialEvalRules.set(custom_jvp_call_p, (_trace, tracers, params) => evalJaxpr((params as CustomJvpParams).callJaxpr, tracers));

// ---- custom_vjp_call ---------------------------------------------------------------------------

/**
 * The tangents of a custom_vjp's outputs: a custom_lin of the residuals and the nonzero input
 * tangents, whose transpose is bwd. Integer outputs have zero tangents.
 */
export function linTangents(
  bwd: BwdRule,
  res: JaxArray[],
  nonzeroTangents: JaxArray[],
  inZeros: boolean[],
  primalsOut: JaxArray[],
): (JaxArray | null)[] {
  const outAvals = primalsOut.map((o) => o.aval);
  const params: CustomLinParams = { bwd: new LinBwd(bwd, outAvals), inZeros, numRes: res.length, symbolicZeros: false };
  const touts = bind(custom_lin_p, [...res, ...nonzeroTangents], params);
  return touts.map((t, i) => (isFloat(outAvals[i]!.dtype) ? t : null));
}

/**
 * bwd under vmap: residuals and cotangents arrive batched at axis 0; a cotangent is returned
 * batched at 0 for a batched argument and summed over the batch otherwise. When the batching
 * interpreter of the call is still live below every operand, bwd runs under it, so that values
 * bwd closed over from that vmap keep their batch axis.
 */
function batchedBwd(fn: FlatBwd, size: number, argB: boolean[], main: MainTrace | null): FlatBwd {
  return (res, cts) => {
    const run = (m: MainTrace): (JaxArray | null)[] => {
      const trace = new BatchTrace(m);
      const wrap = (x: JaxArray) => new BatchTracer(trace, x, 0);
      return fn(res.map(wrap), cts.map(wrap)).map((o, i) => {
        if (o === null) return null;
        const t = fullRaise(trace, o) as BatchTracer;
        if (argB[i]) return moveBatchAxis(t.val, t.bdim, 0, size);
        return t.bdim === null ? t.val : reduceSum(t.val, [t.bdim]);
      });
    };
    const ins = [...res, ...cts];
    if (main !== null && main.active && ins.every((x) => levelOf(x) < main.level)) return run(main);
    return withNewMain(BatchTrace, { axisSize: size }, run);
  };
}

export const custom_vjp_call_p: PrimitiveRules<CustomVjpParams> = {
  name: "custom_vjp_call",
  abstractEval: (avals, p) => callOutAvals("custom_vjp_call", avals, p.callJaxpr),
  impl: (args, p) => interpretJaxpr(p.callJaxpr, args).map((b) => b.data),

  // fwd gives the outputs and residuals; the output tangents are custom_lin of the tangents.
  // Tangents of closed-over values are dropped (see the README's differences from JAX).
  jvp(primals, tangents, p) {
    const nc = p.numConsts ?? 0;
    const ps = primals.slice(nc);
    const ts = tangents.slice(nc);
    const inZeros = ts.map((t) => isZeroTangent(t));
    const f = p.fwd.get();
    const main = currentJvpRuleMain();
    if (main !== null && f.consts.some((c) => isPerturbed(c, main))) throw new CustomVJPException();
    const outs = evalJaxpr(f.jaxpr, [...f.consts, ...ps]);
    const res = outs.slice(0, f.numRes);
    const po = outs.slice(f.numRes);
    if (inZeros.every((z) => z)) return [po, po.map(() => null)];
    return [po, linTangents(p.bwd, res, ts.filter((_, i) => !inZeros[i]), inZeros, po)];
  },

  transpose: null,

  batch(args, dims, p, size) {
    const main = currentBatchRuleMain();
    const { moved, inB } = moveToZero(args, dims, size);
    const nc = p.numConsts ?? 0;
    const argB = inB.slice(nc);
    const nOut = p.callJaxpr.outvars.length;
    const call = batchJaxpr(p.callJaxpr, size, inB, allTrue(nOut));
    const key = `vmap(${p.fwd.internKey}|${size}|${bits(inB)})`;
    const fwd = new FwdThunk(p.fwd.name, key, () => {
      const f = p.fwd.get();
      const c = unbatchConsts(f.consts, main, size);
      const b = batchJaxpr(f.jaxpr, size, [...c.batched, ...argB], allTrue(f.numRes + nOut));
      return { jaxpr: b.jaxpr, consts: [...b.consts, ...c.vals], numRes: f.numRes };
    });
    const bwd = new BwdRule(p.bwd.name, key, batchedBwd(p.bwd.fn, size, argB, main));
    const numConsts = call.consts.length + nc;
    const outs = callLower(custom_vjp_call_p, [...call.consts, ...moved], {
      ...p,
      bwd,
      callJaxpr: call.jaxpr,
      fwd,
      numConsts: numConsts || undefined,
    });
    return [outs, outs.map(() => 0)];
  },
};

// ---- custom_lin --------------------------------------------------------------------------------

const forwardModeError = (): never => {
  throw new TypeError(JVP_OF_CUSTOM_VJP);
};

export const custom_lin_p: PrimitiveRules<CustomLinParams> = {
  name: "custom_lin",
  abstractEval: (_avals, p) => p.bwd.outAvals,
  jvp: forwardModeError,
  batch: forwardModeError,
  impl: forwardModeError,
  // Linear in the tangents (the residuals are known): bwd maps the output cotangents to one
  // cotangent per argument of the custom_vjp function, of which those with tangents are kept.
  transpose(cts, args, p) {
    const res = args.slice(0, p.numRes);
    if (res.some((r) => r instanceof UndefinedPrimal)) throw new TypeError("custom_lin: residuals must be known when transposing");
    const ctsIn = p.bwd.fn(res as JaxArray[], cts);
    return [...res.map(() => null), ...ctsIn.filter((_, i) => !p.inZeros[i])];
  },
};
