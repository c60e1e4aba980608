// Structured control flow (jax.lax.cond, switch, while_loop, fori_loop, scan, map): the user
// functions are traced to jaxprs (values they close over become operands) and bound as the
// `cond`, `while` and `scan` primitives, which every transformation understands.
import { type ArrayLike, type JaxArray, isArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { ConcretizationTypeError, ValueError } from "../core/errors.js";
import { defaultFloat, defaultInt, isBool, isInt } from "../core/dtypes.js";
import { bind } from "../core/trace.js";
import { Tracer } from "../core/trace.js";
import * as tree from "../tree/index.js";
import type { PyTreeDef } from "../tree/index.js";
import { asArray, add, convertElementType, lt, ne, scalar } from "./core.js";
import { clamp } from "./special.js";
import { while_p } from "../primitives/control_flow_while.js";
import { scan_p } from "../primitives/control_flow_scan.js";
import { cond_p, joinConsts } from "../primitives/control_flow_cond.js";
import { checkTreeAndAvals, closed, traceConsts, weakPromotions } from "../primitives/control_flow_common.js";

type Fn = (...args: any[]) => any;

/**
 * A leaf of a carry or operand pytree as an array. A JS number is a weakly typed float scalar,
 * as for the arguments of transformations (JS cannot tell 1 from 1.0); booleans are bool.
 */
function leafArray(x: unknown, what: string): JaxArray {
  if (isArray(x)) return x;
  if (typeof x === "number") return scalar(x, defaultFloat(), true);
  if (typeof x === "boolean") return asArray(x);
  throw new TypeError(`${what}: pytree leaves must be Arrays, numbers or booleans, got ${x === null ? "null" : typeof x}`);
}

function flattenArrays(t: unknown, what: string): [JaxArray[], PyTreeDef] {
  const [leaves, def] = tree.flatten(t);
  return [leaves.map((l) => leafArray(l, what)), def];
}

/** The outputs of a traced user function as flat arrays, recording their structure. */
function outputLeaves(out: unknown, what: string): [JaxArray[], PyTreeDef] {
  return flattenArrays(out, `${what} output`);
}

const avalsOf = (xs: readonly JaxArray[]): ShapedArray[] => xs.map((x) => x.aval);

// ---- while_loop / fori_loop ------------------------------------------------------------------

/**
 * while_loop(condFun, bodyFun, initVal): `let v = initVal; while (condFun(v)) v = bodyFun(v);
 * return v`, as one `while` primitive. condFun returns a boolean scalar; bodyFun must return a
 * value of the same pytree structure and types as initVal. Differentiable in forward mode;
 * reverse mode raises (use scan, or foriLoop with JS-number bounds).
 */
export function whileLoop<T>(condFun: (val: T) => unknown, bodyFun: (val: T) => T, initVal: T): T {
  if (typeof condFun !== "function" || typeof bodyFun !== "function") {
    throw new TypeError("lax.while_loop: body_fun and cond_fun arguments should be callable.");
  }
  let [init, inDef] = flattenArrays(initVal, "while_loop init_val");
  const traceBody = () => {
    let outDef: PyTreeDef | null = null;
    const r = traceConsts((...c) => {
      const [o, d] = outputLeaves(bodyFun(tree.unflatten(inDef, c)), "body_fun");
      outDef = d;
      return o;
    }, avalsOf(init));
    return { ...r, outDef: outDef! };
  };
  let body = traceBody();
  const promo = weakPromotions(avalsOf(init), body.jaxpr.outAvals);
  if (promo && body.outDef.equals(inDef)) {
    init = init.map((x, i) => (promo[i] ? convertElementType(x, promo[i]!.dtype, promo[i]!.weakType) : x));
    body = traceBody();
  }
  checkTreeAndAvals("body_fun output and input", body.outDef, body.jaxpr.outAvals, inDef, avalsOf(init));
  let condDef: PyTreeDef | null = null;
  const cond = traceConsts((...c) => {
    const [o, d] = outputLeaves(condFun(tree.unflatten(inDef, c)), "cond_fun");
    condDef = d;
    return o;
  }, avalsOf(init));
  if (condDef!.numLeaves !== 1) throw new TypeError(`cond_fun must return a boolean scalar, but got pytree ${condDef}.`);
  const pa = cond.jaxpr.outAvals[0]!;
  if (pa.dtype !== "bool" || pa.ndim !== 0) {
    throw new TypeError(`cond_fun must return a boolean scalar, but got output type(s) [${pa.str()}].`);
  }
  const outs = bind(while_p, [...cond.consts, ...body.consts, ...init], {
    condJaxpr: closed(cond.jaxpr),
    bodyJaxpr: closed(body.jaxpr),
    condNconsts: cond.consts.length,
    bodyNconsts: body.consts.length,
  });
  return tree.unflatten(inDef, outs) as T;
}

export interface ForiOptions {
  /** Loop unrolling hint of the underlying scan (JS-number bounds only). */
  unroll?: number | boolean;
}

/** A bound's concrete integer value, or null when it is only known at run time. */
function staticBound(x: ArrayLike): number | null {
  if (typeof x === "number") {
    if (!Number.isInteger(x)) throw new TypeError(`fori_loop bounds must be integers, got ${x}`);
    return x;
  }
  if (typeof x === "boolean") return Number(x);
  if (isArray(x) && x.ndim === 0 && x.canConcretize()) {
    if (!isInt(x.dtype)) throw new TypeError(`fori_loop bounds must have an integer dtype, got ${x.dtype}`);
    return Number(x.toConcrete("fori_loop bound").readData()[0]);
  }
  return null;
}

/**
 * fori_loop(lower, upper, bodyFun, initVal): `let v = initVal; for (let i = lower; i < upper;
 * i++) v = bodyFun(i, v); return v`. With concrete bounds (JS numbers) it is a scan of
 * upper - lower steps (so reverse mode works); with traced bounds a while loop.
 */
export function foriLoop<T>(lower: ArrayLike, upper: ArrayLike, bodyFun: (i: JaxArray, val: T) => T, initVal: T, opts: ForiOptions = {}): T {
  if (typeof bodyFun !== "function") throw new TypeError("lax.fori_loop: body_fun argument should be callable.");
  const lo = staticBound(lower);
  const hi = staticBound(upper);
  if (lo !== null && hi !== null) {
    const weak = typeof lower === "number" && typeof upper === "number";
    if (isArray(lower) && isArray(upper) && lower.dtype !== upper.dtype) {
      throw new TypeError(`lower and upper arguments to fori_loop must have equal types, got ${lower.dtype} and ${upper.dtype}`);
    }
    const dtype = isArray(lower) ? lower.dtype : isArray(upper) ? upper.dtype : defaultInt();
    const i0 = scalar(lo, dtype, weak);
    const [[, v]] = scan(
      ([i, v]: [JaxArray, T]) => [[add(i, 1), bodyFun(i, v)], null],
      [i0, initVal],
      null,
      { length: Math.max(hi - lo, 0), unroll: opts.unroll ?? 1 },
    ) as [[JaxArray, T], null];
    return v;
  }
  if (opts.unroll !== undefined && opts.unroll !== 1 && opts.unroll !== false) {
    throw new ValueError("Can only use `unroll` in `fori_loop` if the loop bounds are statically known.");
  }
  let lo_ = isArray(lower) ? lower : null;
  let hi_ = isArray(upper) ? upper : null;
  if (lo_ === null) lo_ = scalar(lower as number, hi_!.dtype, false);
  if (hi_ === null) hi_ = scalar(upper as number, lo_.dtype, false);
  if (lo_.dtype !== hi_.dtype) {
    throw new TypeError(`lower and upper arguments to fori_loop must have equal types, got ${lo_.dtype} and ${hi_.dtype}`);
  }
  if (!isInt(lo_.dtype)) throw new TypeError(`fori_loop bounds must have an integer dtype, got ${lo_.dtype}`);
  const [, , v] = whileLoop(
    ([i, u]: [JaxArray, JaxArray, T]) => lt(i, u),
    ([i, u, x]: [JaxArray, JaxArray, T]) => [add(i, 1), u, bodyFun(i, x)] as [JaxArray, JaxArray, T],
    [lo_, hi_, initVal] as [JaxArray, JaxArray, T],
  );
  return v;
}

// ---- scan / map ------------------------------------------------------------------------------

export interface ScanOptions {
  /** The number of steps; required when xs is null (no arrays to scan over). */
  length?: number;
  /** Scan from the end of xs to its start (ys are still stored in index order). */
  reverse?: boolean;
  /** Unrolling hint: a positive number of steps per iteration, true for all, false for 1. */
  unroll?: number | boolean;
}

function scanLength(xs: JaxArray[], length: number | undefined): number {
  for (const x of xs) {
    if (x.ndim === 0) throw new ValueError(`scan got value with no leading axis to scan over: ${x.aval.str()}.`);
  }
  const lengths = xs.map((x) => x.shape[0]!);
  if (length !== undefined && length !== null) {
    const l: unknown = length;
    if (isArray(l)) {
      if (l instanceof Tracer) {
        throw new ConcretizationTypeError(
          String(l),
          "The `length` argument to `scan` expects a concrete `int` value. For scan-like iteration with a dynamic length, use `whileLoop` or `foriLoop`.",
        );
      }
      length = Number(l);
    }
    if (!Number.isInteger(length) || length < 0) throw new ValueError(`scan length must be a non-negative integer, got ${length}`);
    if (!lengths.every((l) => l === length)) {
      throw new ValueError(`scan got \`length\` argument of ${length} which disagrees with leading axis sizes [${lengths.join(", ")}].`);
    }
    return length;
  }
  const unique = [...new Set(lengths)];
  if (unique.length > 1) throw new ValueError(`scan got values with different leading axis sizes: ${lengths.join(", ")}.`);
  if (unique.length === 0) throw new ValueError("scan got no values to scan over and `length` not provided.");
  return unique[0]!;
}

function unrollValue(unroll: number | boolean | undefined, length: number): number {
  if (unroll === undefined || unroll === false) return 1;
  if (unroll === true) return Math.max(length, 1);
  if (!Number.isInteger(unroll) || unroll < 0) throw new ValueError("`unroll` must be a `bool` or a non-negative `int`.");
  return unroll;
}

/**
 * scan(f, init, xs, { length, reverse, unroll }) → [carry, ys]: `f(carry, x) → [carry, y]`
 * applied along the leading axis of xs (a pytree, or null with `length`), threading the carry
 * and stacking the ys, as one `scan` primitive. The carry must keep its structure and types.
 */
export function scan<C, X, Y>(f: (carry: C, x: X) => [C, Y], init: C, xs: X, opts: ScanOptions = {}): [C, Y] {
  if (typeof f !== "function") throw new TypeError("lax.scan: f argument should be a callable.");
  let [initLeaves, initDef] = flattenArrays(init, "scan init");
  const [xsLeaves, xsDef] = flattenArrays(xs, "scan xs");
  const length = scanLength(xsLeaves, opts.length);
  const xAvals = xsLeaves.map((x) => x.aval.update({ shape: x.shape.slice(1) }));
  const nC = initLeaves.length;
  const traceBody = () => {
    let carryDef: PyTreeDef | null = null;
    let yDef: PyTreeDef | null = null;
    let nCarryOut = 0;
    const r = traceConsts(
      (...ins) => {
        const out = f(tree.unflatten(initDef, ins.slice(0, nC)) as C, tree.unflatten(xsDef, ins.slice(nC)) as X);
        if (!Array.isArray(out) || out.length !== 2) {
          throw new TypeError(`scan body output must be a pair, got ${describeOut(out)}.`);
        }
        const [c, cd] = outputLeaves(out[0], "scan body carry");
        const [y, yd] = outputLeaves(out[1], "scan body y");
        carryDef = cd;
        yDef = yd;
        nCarryOut = c.length;
        return [...c, ...y];
      },
      [...avalsOf(initLeaves), ...xAvals],
    );
    return { ...r, carryDef: carryDef!, yDef: yDef!, nCarryOut };
  };
  let body = traceBody();
  const carryOut = () => body.jaxpr.outAvals.slice(0, body.nCarryOut);
  const promo = weakPromotions(avalsOf(initLeaves), carryOut());
  if (promo && body.carryDef.equals(initDef)) {
    initLeaves = initLeaves.map((x, i) => (promo[i] ? convertElementType(x, promo[i]!.dtype, promo[i]!.weakType) : x));
    body = traceBody();
  }
  checkTreeAndAvals("scan carry output and input", body.carryDef, carryOut(), initDef, avalsOf(initLeaves));
  const args = [...body.consts, ...initLeaves, ...xsLeaves];
  const outs = bind(scan_p, args, {
    jaxpr: closed(body.jaxpr),
    length,
    reverse: opts.reverse ?? false,
    numConsts: body.consts.length,
    numCarry: nC,
    linear: args.map(() => false),
    unroll: unrollValue(opts.unroll, length),
  });
  return [tree.unflatten(initDef, outs.slice(0, nC)) as C, tree.unflatten(body.yDef, outs.slice(nC)) as Y];
}

function describeOut(x: unknown): string {
  if (isArray(x)) return x.aval.str();
  if (Array.isArray(x)) return `a list of length ${x.length}`;
  return x === null ? "None" : typeof x;
}

/** map(f, xs): f applied to each slice of xs along its leading axis, results stacked (a scan). */
export function map<X, Y>(f: (x: X) => Y, xs: X): Y {
  if (typeof f !== "function") throw new TypeError("lax.map: f argument should be a callable.");
  return scan((_: null, x: X) => [null, f(x)] as [null, Y], null, xs)[1];
}

// ---- cond / switch ---------------------------------------------------------------------------

/** Traces branch functions on the operands to jaxprs with one common signature. */
function traceBranches(branches: Fn[], operands: unknown[], names: string[]) {
  const [ops, opsDef] = flattenArrays(operands, "cond operands");
  const defs: PyTreeDef[] = [];
  const traced = branches.map((fn, b) =>
    traceConsts((...xs) => {
      const [o, d] = outputLeaves(fn(...(tree.unflatten(opsDef, xs) as unknown[])), names[b]!);
      defs[b] = d;
      return o;
    }, avalsOf(ops)),
  );
  for (let b = 1; b < traced.length; b++) {
    checkTreeAndAvals(`${names[0]} and ${names[b]} output`, defs[0]!, traced[0]!.jaxpr.outAvals, defs[b]!, traced[b]!.jaxpr.outAvals);
  }
  const { jaxprs, consts } = joinConsts(traced);
  return { jaxprs, consts, ops, outDef: defs[0]! };
}

/**
 * cond(pred, trueFun, falseFun, ...operands): trueFun(...operands) if pred else
 * falseFun(...operands), as one `cond` primitive (both branches are traced; under vmap with a
 * batched pred both run and the results are selected). pred is a scalar bool or number.
 */
export function cond(pred: ArrayLike, trueFun: Fn, falseFun: Fn, ...operands: unknown[]): any {
  if (typeof trueFun !== "function" || typeof falseFun !== "function") {
    throw new TypeError("lax.cond: true_fun and false_fun arguments should be callable.");
  }
  if (pred === null || pred === undefined) throw new TypeError("cond predicate is None");
  if (Array.isArray(pred)) throw new TypeError(`Pred must be a scalar, got ${JSON.stringify(pred)} of type list`);
  let p = asArray(pred);
  if (p.ndim !== 0) throw new TypeError(`Pred must be a scalar, got ${p} of shape (${p.shape.join(", ")}${p.ndim === 1 ? "," : ""}).`);
  if (!isBool(p.dtype)) p = ne(p, 0);
  const index = convertElementType(p, "int32");
  const t = traceBranches([trueFun, falseFun], operands, ["true_fun", "false_fun"]);
  // As JAX's cond_p: branches = (false, true), indexed by the predicate.
  const outs = bind(cond_p, [index, ...t.consts, ...t.ops], { branches: [...t.jaxprs].reverse().map(closed) });
  return tree.unflatten(t.outDef, outs);
}

/**
 * switch(index, branches, ...operands): branches[clamp(index, 0, n - 1)](...operands), as one
 * `cond` primitive. index is an integer scalar.
 */
function switch_(index: ArrayLike, branches: Fn[], ...operands: unknown[]): any {
  if (!Array.isArray(branches) || !branches.every((b) => typeof b === "function")) {
    throw new TypeError("lax.switch: branches argument should be a sequence of callables.");
  }
  const idx = asArray(index);
  if (idx.ndim !== 0) throw new TypeError(`Branch index must be scalar, got ${idx} of shape (${idx.shape.join(", ")}${idx.ndim === 1 ? "," : ""}).`);
  if (!isInt(idx.dtype)) throw new TypeError(`Index type must be an integer, got ${idx} as ${idx.dtype}`);
  if (branches.length === 0) throw new ValueError("Empty branch sequence");
  if (branches.length === 1) return branches[0]!(...operands);
  const i = clamp(0, convertElementType(idx, "int32"), branches.length - 1);
  const t = traceBranches(branches, operands, branches.map((_, b) => `branch ${b}`));
  const outs = bind(cond_p, [i, ...t.consts, ...t.ops], { branches: t.jaxprs.map(closed) });
  return tree.unflatten(t.outDef, outs);
}
export { switch_ as switch };
