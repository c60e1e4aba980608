// Vectorization: the batching interpreter. A BatchTracer carries a value and the index of its
// batch dimension (null when the value is the same for every batch element). An interpreter
// may bind an axis name (vmap's axisName, pmap); collectives over that name run its batch rule.
import type { JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import type { BDim, Params, Primitive } from "../core/primitive.js";
import { MainTrace, Trace, Tracer, bind, fullLower, fullRaise, withNewMain } from "../core/trace.js";
import { moveBatchAxis } from "../primitives/util.js";

export class BatchTracer extends Tracer {
  constructor(
    trace: Trace,
    readonly val: JaxArray,
    readonly bdim: BDim,
  ) {
    super(trace);
  }
  get aval(): ShapedArray {
    const a = this.val.aval;
    if (this.bdim === null) return a;
    return a.update({ shape: a.shape.filter((_, i) => i !== this.bdim) });
  }
  override fullLower(): JaxArray {
    return this.bdim === null ? fullLower(this.val) : this;
  }
}

export class BatchTrace extends Trace {
  get axisSize(): number {
    return (this.main.globalData as { axisSize: number }).axisSize;
  }
  /** The axis name this interpreter binds (vmap's axisName, pmap's axis), if any. */
  get axisName(): string | undefined {
    return (this.main.globalData as { axisName?: string }).axisName;
  }
  pure(x: JaxArray): JaxArray {
    return new BatchTracer(this, x, null);
  }
  processPrimitive(prim: Primitive, tracers: JaxArray[], params: Params): JaxArray[] {
    const ts = tracers as BatchTracer[];
    const vals = ts.map((t) => t.val);
    const dims = ts.map((t) => t.bdim);
    // A collective over this interpreter's axis runs its rule even on unbatched values
    // (psum of a value equal on every axis element is axisSize times it).
    const named = this.axisName !== undefined && COLLECTIVES.has(prim.name) && (params.axes as string[]).includes(this.axisName);
    if (!named && dims.every((d) => d === null)) return bind(prim, vals, params).map((v) => new BatchTracer(this, v, null));
    const prev = ruleMain;
    ruleMain = this.main;
    let outs: JaxArray[];
    let outDims: BDim[];
    try {
      [outs, outDims] = prim.batch(vals, dims, params, this.axisSize);
    } finally {
      ruleMain = prev;
    }
    return outs.map((o, i) => new BatchTracer(this, o, outDims[i]!));
  }
}

let ruleMain: MainTrace | null = null;

/** Primitives whose `axes` param names the mapped axes they communicate over. */
const COLLECTIVES = new Set(["psum", "pmax", "pmin", "all_gather", "ppermute"]);

/** A named mapped axis in scope: its name, size and the batching interpreter that binds it. */
export interface AxisFrame {
  readonly name: string;
  readonly size: number;
  readonly main: MainTrace;
}
const axisEnv: AxisFrame[] = [];

/** The innermost frame binding `name`, or undefined. */
export function lookupAxis(name: string): AxisFrame | undefined {
  for (let i = axisEnv.length - 1; i >= 0; i--) if (axisEnv[i]!.name === name) return axisEnv[i];
  return undefined;
}

/** The names of every bound axis, outermost first (for the unbound-name error). */
export function boundAxisNames(): string[] {
  return axisEnv.map((f) => f.name);
}

/** The axis name of the batching interpreter whose rule is running (undefined if unnamed). */
export function currentBatchAxisName(): string | undefined {
  return (ruleMain?.globalData as { axisName?: string } | undefined)?.axisName;
}

/**
 * The batching interpreter whose primitive rule is running (null outside rules). Custom
 * derivative rules batch functions that may close over this interpreter's own tracers.
 */
export function currentBatchRuleMain(): MainTrace | null {
  return ruleMain;
}

/** vmap of a function of flat arrays with per-input axes (null = not mapped). */
export function vmapFlat(
  f: (...xs: JaxArray[]) => JaxArray[],
  axisSize: number,
  inDims: BDim[],
  outDims: BDim[] | ((nOut: number) => BDim[]),
  args: JaxArray[],
  axisName?: string,
): JaxArray[] {
  return withBatchMain(axisSize, (main) => vmapBody(main, f, axisSize, inDims, outDims, args), axisName);
}

/**
 * Runs `fn` with a new batching interpreter of `axisSize`, binding `axisName` for collectives.
 * Inside a batching rule (a jaxpr re-batched by pjit, cond, scan, ...) the axis is the rule's
 * own, so the name defaults to that rule's.
 */
export function withBatchMain<T>(axisSize: number, fn: (main: MainTrace) => T, axisName = currentBatchAxisName()): T {
  return withNewMain(BatchTrace, { axisSize, axisName }, (main: MainTrace) => {
    if (axisName !== undefined) axisEnv.push({ name: axisName, size: axisSize, main });
    try {
      return fn(main);
    } finally {
      if (axisName !== undefined) axisEnv.pop();
    }
  });
}

function vmapBody(
  main: MainTrace,
  f: (...xs: JaxArray[]) => JaxArray[],
  axisSize: number,
  inDims: BDim[],
  outDims: BDim[] | ((nOut: number) => BDim[]),
  args: JaxArray[],
): JaxArray[] {
  const trace = new BatchTrace(main);
  const ins = args.map((a, i) => new BatchTracer(trace, a, inDims[i]!));
  const outs = f(...ins).map((o) => fullRaise(trace, o) as BatchTracer);
  const od = typeof outDims === "function" ? outDims(outs.length) : outDims;
  return outs.map((o, i) => {
    const want = od[i]!;
    if (want === null) {
      if (o.bdim !== null) {
        throw new Error(
          "vmap has mapped output but out_axes is None (an output that varies along the mapped axis cannot be unmapped)",
        );
      }
      return o.val;
    }
    const target = want < 0 ? want + o.aval.ndim + 1 : want;
    return moveBatchAxis(o.val, o.bdim, target, axisSize);
  });
}
