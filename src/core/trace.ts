// The trace stack and `bind`: every operation ends in bind(prim, args, params), which finds the
// innermost active interpreter among the arguments (and the dynamic, staging one) and lets it
// process the primitive. Interpreters are Trace subclasses; their values are Tracers.
import { ArrayImpl, JaxArray } from "./array.js";
import type { ShapedArray } from "./aval.js";
import { ConcretizationTypeError, UnexpectedTracerError } from "./errors.js";
import type { Params, Primitive } from "./primitive.js";
import { applyPrimitive } from "../runtime/dispatch.js";

export type TraceCtor = new (main: MainTrace) => Trace;

export class MainTrace {
  active = true;
  constructor(
    readonly level: number,
    readonly traceType: TraceCtor,
    public globalData: any = null,
  ) {}
}

export abstract class Trace {
  constructor(readonly main: MainTrace) {}
  /** Wraps a value from the base (eval) level. */
  abstract pure(x: JaxArray): JaxArray;
  /** Wraps a tracer from a lower level. */
  lift(x: JaxArray): JaxArray {
    return this.pure(x);
  }
  abstract processPrimitive(prim: Primitive, tracers: JaxArray[], params: Params): JaxArray[];
}

export abstract class Tracer extends JaxArray {
  constructor(readonly _trace: Trace) {
    super();
  }
  /** The simplest value equal to this tracer (drops wrappers that carry no information). */
  fullLower(): JaxArray {
    return this;
  }
  override canConcretize(): boolean {
    return false;
  }
  toConcrete(what = "a concrete value"): ArrayImpl {
    throw new ConcretizationTypeError(
      `${this.describe()}.`,
      `The problem arose with ${what}. If trying to convert the data type of a value, try using ` +
        "`x.astype(dtype)` or `jnp.array(x, { dtype })` instead.",
    );
  }
  override toString(): string {
    return `Traced<${this.aval.str()}>with<${this._trace.constructor.name}>`;
  }
}

class EvalTrace extends Trace {
  pure(x: JaxArray): JaxArray {
    return x;
  }
  processPrimitive(prim: Primitive, args: JaxArray[], params: Params): JaxArray[] {
    return applyPrimitive(prim, args as ArrayImpl[], params);
  }
}

const traceStack: MainTrace[] = [new MainTrace(0, EvalTrace)];
let dynamicTrace: MainTrace = traceStack[0]!;

/** Runs `fn` with a new interpreter pushed on the trace stack. */
export function withNewMain<T>(traceType: TraceCtor, globalData: any, fn: (main: MainTrace) => T): T {
  const main = new MainTrace(traceStack.length, traceType, globalData);
  traceStack.push(main);
  try {
    return fn(main);
  } finally {
    traceStack.pop();
    main.active = false;
  }
}

/** Runs `fn` with `main` as the dynamic trace: every bind goes to it or above (omnistaging). */
export function withDynamic<T>(main: MainTrace, fn: () => T): T {
  const prev = dynamicTrace;
  dynamicTrace = main;
  try {
    return fn();
  } finally {
    dynamicTrace = prev;
  }
}

export function currentLevel(): number {
  return traceStack.length - 1;
}

function checkLive(t: Tracer): void {
  const m = t._trace.main;
  if (!m.active || traceStack[m.level] !== m) {
    throw new UnexpectedTracerError(`${t.aval.longStr()} (${t._trace.constructor.name})`);
  }
}

function findTopTrace(xs: JaxArray[]): Trace {
  let top = dynamicTrace;
  for (const x of xs) {
    if (x instanceof Tracer) {
      checkLive(x);
      if (x._trace.main.level > top.level) top = x._trace.main;
    }
  }
  return new top.traceType(top);
}

export function fullRaise(trace: Trace, x: JaxArray): JaxArray {
  if (!(x instanceof Tracer)) return trace.pure(x);
  checkLive(x);
  const m = x._trace.main;
  if (m === trace.main) return x;
  if (m.level < trace.main.level) return trace.lift(x);
  throw new UnexpectedTracerError(`${x.aval.longStr()} (a tracer from a deeper transformation)`);
}

export function fullLower(x: JaxArray): JaxArray {
  return x instanceof Tracer ? x.fullLower() : x;
}

/** Applies a primitive under the current interpreters. */
export function bind(prim: Primitive, args: JaxArray[], params: Params = {}): JaxArray[] {
  const trace = findTopTrace(args);
  const tracers = args.map((a) => fullRaise(trace, a));
  const outs = trace.processPrimitive(prim, tracers, params);
  return outs.map(fullLower);
}

export function bind1(prim: Primitive, args: JaxArray[], params: Params = {}): JaxArray {
  return bind(prim, args, params)[0]!;
}

/** The abstract value of anything bind accepts. */
export function getAval(x: JaxArray): ShapedArray {
  return x.aval;
}
