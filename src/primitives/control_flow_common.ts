// Machinery shared by the control-flow primitives (cond, while, scan): tracing functions to
// const-free jaxprs (captured constants become leading inputs, as JAX's closure conversion),
// the jaxpr-to-jaxpr transformations their rules are built from (JAX's ad.jvp_jaxpr and
// batching.batch_jaxpr, memoized per jaxpr), dead-code elimination, host-buffer slicing for the
// reference kernels, and the type checks with JAX's error wording.
import type { JaxArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type DType, isFloat, resultType, typedArrayFor, type TypedArray } from "../core/dtypes.js";
import type { HostBuf } from "../core/primitive.js";
import { prod } from "../core/shape.js";
import { fullRaise, type MainTrace } from "../core/trace.js";
import { type Atom, ClosedJaxpr, Jaxpr, type JaxprEqn, Literal, Var } from "../ir/jaxpr.js";
import { evalJaxpr } from "../ir/eval.js";
import { zerosLikeAval } from "../lax/core.js";
import { jvpFlat } from "../transforms/jvp.js";
import { BatchTrace, BatchTracer, currentBatchAxisName, withBatchMain } from "../transforms/vmap.js";
import { traceFlat } from "../transforms/jit.js";
import type { PyTreeDef } from "../tree/index.js";
import * as tree from "../tree/index.js";
import { moveBatchAxis } from "./util.js";
import { broadcast_in_dim_p } from "./shape.js";

export type FlatFn = (...xs: JaxArray[]) => JaxArray[];

// ---- interning -------------------------------------------------------------------------------
// Each call of lax.cond/whileLoop/scan traces fresh closures. Structurally identical jaxprs are
// shared, so that eager calls hit the dispatch cache (keyed by jaxpr identity) instead of
// compiling, and holding, one executable per call.

const INTERN_LIMIT = 2048;
const interned = new Map<string, Jaxpr>();

/**
 * What the printed form leaves out: literals' weak types and the sign of zero, and which rule a
 * custom derivative call carries (its `internKey`; it prints by name only), recursively.
 */
function literalSignature(j: Jaxpr, out: string[]): string[] {
  const lit = (a: Atom) => {
    if (a instanceof Literal) out.push(`${a.aval.key()}${Object.is(a.val, -0) ? "-0" : ""}`);
  };
  for (const e of j.eqns) {
    e.inputs.forEach(lit);
    for (const v of Object.values(e.params)) {
      for (const x of Array.isArray(v) ? v : [v]) {
        if (x instanceof ClosedJaxpr) literalSignature(x.jaxpr, out);
        else if (x instanceof Jaxpr) literalSignature(x, out);
        else if (typeof x === "object" && x !== null && typeof (x as { internKey?: unknown }).internKey === "string") {
          out.push((x as { internKey: string }).internKey);
        }
      }
    }
  }
  j.outvars.forEach(lit);
  return out;
}

function internKey(j: Jaxpr): string {
  const avals = (as: readonly Atom[]) => as.map((a) => a.aval.key()).join(",");
  return `${avals(j.invars)}|${avals(j.outvars)}|${literalSignature(j, []).join(",")}|${j.toString()}`;
}

/** The canonical jaxpr structurally identical to `j` (const-free jaxprs only). */
export function intern(j: Jaxpr): Jaxpr {
  if (j.constvars.length) return j;
  const k = internKey(j);
  const hit = interned.get(k);
  if (hit !== undefined) {
    interned.delete(k);
    interned.set(k, hit);
    return hit;
  }
  interned.set(k, j);
  if (interned.size > INTERN_LIMIT) interned.delete(interned.keys().next().value!);
  return j;
}

/**
 * Traces `f` to a const-free jaxpr: the values it captured (constants, or tracers of enclosing
 * transformations) become its leading inputs and are returned separately.
 */
export function traceConsts(f: FlatFn, avals: ShapedArray[]): { jaxpr: Jaxpr; consts: JaxArray[] } {
  const [j, consts] = traceFlat(f, avals);
  return { jaxpr: intern(j), consts };
}

export const closed = (j: Jaxpr): ClosedJaxpr => new ClosedJaxpr(j, []);

// ---- memoized jaxpr transformations ----------------------------------------------------------

function memo<V>(fn: (j: Jaxpr, key: string) => V): (j: Jaxpr, key: string) => V {
  const cache = new WeakMap<Jaxpr, Map<string, V>>();
  return (j, key) => {
    let m = cache.get(j);
    if (!m) cache.set(j, (m = new Map()));
    let v = m.get(key);
    if (v === undefined) m.set(key, (v = fn(j, key)));
    return v;
  };
}

export interface Derived {
  /** Const-free; its first `consts.length` inputs take `consts`. */
  jaxpr: Jaxpr;
  consts: JaxArray[];
}

const jvpMemo = memo((j: Jaxpr, key: string): Derived & { outNonzeros: boolean[] } => {
  const { nonzeros, instantiate } = JSON.parse(key) as { nonzeros: boolean[]; instantiate: boolean[] };
  const n = j.invars.length;
  let outNonzeros: boolean[] = [];
  const { jaxpr, consts } = traceConsts(
    (...xs) => {
      let k = n;
      const tangents = nonzeros.map((nz) => (nz ? xs[k++]! : null));
      const [outs, touts] = jvpFlat((...p) => evalJaxpr(j, p), xs.slice(0, n), tangents);
      outNonzeros = touts.map((t, i) => t !== null || instantiate[i]!);
      const ts = touts.flatMap((t, i) => (outNonzeros[i] ? [t ?? zerosLikeAval(j.outvars[i]!.aval)] : []));
      return [...outs, ...ts];
    },
    [...j.inAvals, ...j.inAvals.filter((_, i) => nonzeros[i])],
  );
  return { jaxpr, consts, outNonzeros };
});

/**
 * JAX's jvp_jaxpr: the jaxpr of (primals, tangents of the `nonzeros` inputs) → (outputs,
 * tangents of the nonzero outputs), where an output is nonzero if its tangent depends on an input
 * tangent or `instantiate` asks for it (as zeros).
 */
export function jvpJaxpr(j: Jaxpr, nonzeros: boolean[], instantiate: boolean[]): Derived & { outNonzeros: boolean[] } {
  return jvpMemo(j, JSON.stringify({ nonzeros, instantiate }));
}

/**
 * A function of flat arrays evaluating `j` batched: inputs flagged in `inBatched` carry a
 * leading batch axis of `size`; outputs are batched at axis 0 where they vary along the batch or
 * `instantiate` asks for it. `outBatched` receives which.
 */
export function batchedFn(j: Jaxpr, size: number, inBatched: boolean[], instantiate: boolean[], outBatched: boolean[] = []): FlatFn {
  return (...xs) =>
    withBatchMain(size, (main: MainTrace) => {
      const trace = new BatchTrace(main);
      const ins = xs.map((x, i) => new BatchTracer(trace, x, inBatched[i] ? 0 : null));
      const outs = evalJaxpr(j, ins).map((o) => fullRaise(trace, o) as BatchTracer);
      outBatched.length = 0;
      outs.forEach((o, i) => outBatched.push(o.bdim !== null || instantiate[i]!));
      return outs.map((o, i) => (outBatched[i] ? moveBatchAxis(o.val, o.bdim, 0, size) : o.val));
    });
}

export const batchAval = (a: ShapedArray, size: number): ShapedArray => a.update({ shape: [size, ...a.shape] });

const batchMemo = memo((j: Jaxpr, key: string): Derived & { outBatched: boolean[] } => {
  const { size, inBatched, instantiate } = JSON.parse(key) as { size: number; inBatched: boolean[]; instantiate: boolean[] };
  const outBatched: boolean[] = [];
  const avals = j.inAvals.map((a, i) => (inBatched[i] ? batchAval(a, size) : a));
  const { jaxpr, consts } = traceConsts(batchedFn(j, size, inBatched, instantiate, outBatched), avals);
  return { jaxpr, consts, outBatched: [...outBatched] };
});

/** JAX's batch_jaxpr: `j` vectorized over a leading axis of the `inBatched` inputs. */
export function batchJaxpr(j: Jaxpr, size: number, inBatched: boolean[], instantiate: boolean[]): Derived & { outBatched: boolean[] } {
  // The axis name is part of the key: collectives in `j` batch differently per named axis.
  return batchMemo(j, JSON.stringify({ size, inBatched, instantiate, axisName: currentBatchAxisName() ?? null }));
}

// ---- small jaxpr surgery -----------------------------------------------------------------------

/** Removes equations whose outputs are not needed by `j`'s outputs. */
export function dce(j: Jaxpr): Jaxpr {
  const live = new Set<Var>();
  for (const a of j.outvars) if (a instanceof Var) live.add(a);
  const kept: JaxprEqn[] = [];
  for (let k = j.eqns.length - 1; k >= 0; k--) {
    const e = j.eqns[k]!;
    if (!e.outBinders.some((v) => live.has(v))) continue;
    kept.push(e);
    for (const a of e.inputs) if (a instanceof Var) live.add(a);
  }
  if (kept.length === j.eqns.length) return j;
  return new Jaxpr(j.constvars, j.invars, kept.reverse(), j.outvars);
}

/** A jaxpr computing zeros of `aval`: its equations and the atom holding the result. */
export function zerosEqns(aval: ShapedArray): { eqns: JaxprEqn[]; atom: Atom } {
  const lit = new Literal(0, aval.update({ shape: [] }));
  if (aval.ndim === 0) return { eqns: [], atom: lit };
  const v = new Var(aval);
  return {
    eqns: [{ primitive: broadcast_in_dim_p, inputs: [lit], params: { shape: [...aval.shape], broadcastDimensions: [] }, outBinders: [v] }],
    atom: v,
  };
}

/** Fresh, unused input variables of the given avals. */
export const freshVars = (avals: readonly ShapedArray[]): Var[] => avals.map((a) => new Var(a));

/** Splits `xs` into consecutive pieces of the given sizes. */
export function splitList<T>(xs: readonly T[], sizes: number[]): T[][] {
  const out: T[][] = [];
  let k = 0;
  for (const n of sizes) {
    out.push(xs.slice(k, k + n));
    k += n;
  }
  out.push(xs.slice(k));
  return out;
}

/** Interleaves two lists back by a mask (false positions from `a`, true from `b`). */
export function merge<T>(mask: readonly boolean[], a: readonly T[], b: readonly T[]): T[] {
  let i = 0;
  let k = 0;
  return mask.map((m) => (m ? b[k++]! : a[i++]!));
}

export const floatMask = (avals: readonly { dtype: DType }[]): boolean[] => avals.map((a) => isFloat(a.dtype));

/** Whether two avals have the same shape and dtype (JAX's core.typematch: weak types aside). */
export const typematch = (a: ShapedArray, b: ShapedArray): boolean => a.strongEquals(b);

/** Output avals joined over several jaxprs of equal types: weak only where all are weak. */
export function joinWeak(avalLists: ShapedArray[][]): ShapedArray[] {
  return avalLists[0]!.map((a, i) => a.update({ weakType: avalLists.every((l) => l[i]!.weakType) }));
}

// ---- host buffers (reference kernels) --------------------------------------------------------

/** Element `i` along the leading axis of a host buffer (a view; host buffers are immutable). */
export function indexHost(x: HostBuf, i: number): HostBuf {
  const shape = x.shape.slice(1);
  const n = prod(shape);
  return { data: x.data.subarray(i * n, (i + 1) * n), shape, dtype: x.dtype };
}

/** A fresh typed array for `length` stacked elements of `aval`. */
export function stackedBuffer(aval: ShapedArray, length: number): TypedArray {
  return typedArrayFor(aval.dtype, length * aval.size);
}

// ---- type checks with JAX's wording ----------------------------------------------------------

/** A pytree of strings printed the way Python prints tuples/lists/dicts of them. */
function showTree(def: PyTreeDef, leaves: string[]): string {
  const show = (t: unknown): string => {
    if (typeof t === "string") return t;
    if (t === null || t === undefined) return "None";
    if (Array.isArray(t)) return `(${t.map(show).join(", ")}${t.length === 1 ? "," : ""})`;
    if (typeof t === "object") return `{${Object.entries(t as object).map(([k, v]) => `'${k}': ${show(v)}`).join(", ")}}`;
    return String(t);
  };
  return show(tree.unflatten(def, leaves));
}

/**
 * JAX's _check_tree_and_avals: raises TypeError unless (def1, avals1) and (def2, avals2) have
 * the same structure and types (weak types aside).
 */
export function checkTreeAndAvals(
  what: string,
  def1: PyTreeDef,
  avals1: ShapedArray[],
  def2: PyTreeDef,
  avals2: ShapedArray[],
): void {
  if (!def1.equals(def2)) {
    throw new TypeError(`${what} must have same type structure, got ${def1} and ${def2}.`);
  }
  if (!avals1.every((a, i) => typematch(a, avals2[i]!))) {
    const diff = avals1.map((a, i) => (typematch(a, avals2[i]!) ? a.str() : `DIFFERENT ${a.str()} vs. ${avals2[i]!.str()}`));
    throw new TypeError(`${what} must have identical types, got\n${showTree(def1, diff)}.`);
  }
}

/**
 * JAX's _promote_weak_typed_input: a weakly typed initial carry whose loop body returns a
 * (compatible) different type is converted to that type, so that the carry type is preserved.
 * Returns the target avals, or null when nothing needs converting.
 */
export function weakPromotions(inAvals: ShapedArray[], outAvals: ShapedArray[]): (ShapedArray | null)[] | null {
  let any = false;
  const res = inAvals.map((a, i) => {
    const o = outAvals[i];
    if (o === undefined || !a.weakType || (typematch(a, o) && o.weakType) || a.shape.join() !== o.shape.join()) return null;
    const r = resultType({ dtype: a.dtype, weakType: true }, { dtype: o.dtype, weakType: o.weakType });
    if (r.dtype !== o.dtype) return null;
    any = true;
    return o;
  });
  return any ? res : null;
}
