// Custom derivative rules for JAX-transformable functions: customJvp and customVjp (JAX's
// jax.custom_jvp / jax.custom_vjp), with JAX's semantics.
//
// A call of a custom function is processed by the innermost interpreter among its operands (and
// the staging trace, if any). Eagerly, under jvp and under the partial evaluation of grad, the
// function and rules run as plain JS on the values at hand ("final style"), so they may branch on
// concrete values: with no transformation the function is called; under jvp the jvp rule (or fwd
// followed by a custom_lin whose transpose is bwd) replaces it; when linearizing with unknown
// operands the function is inlined. Under jit, vmap, or any other interpreter the function is
// traced to a jaxpr and bound as a custom_jvp_call / custom_vjp_call primitive ("initial style",
// custom_derivatives_rules.ts), whose rules batch, differentiate and transpose it.
//
// A function may close over tracers of transformations its arguments do not belong to. Such a
// call is detected by its outputs (they belong to a deeper interpreter than the arguments) and
// redone in initial style, where the closed-over values become explicit operands: vmap then
// batches them, and differentiating with respect to them raises JAX's error.
import { type JaxArray, isArray } from "../core/array.js";
import type { ShapedArray } from "../core/aval.js";
import { type DType, defaultFloat, isFloat, scalarDType } from "../core/dtypes.js";
import { UnexpectedTracerError } from "../core/errors.js";
import { isZeroTangent, markZeroTangent } from "../core/primitive.js";
import { type MainTrace, Tracer, currentLevel, fullRaise } from "../core/trace.js";
import * as lax from "../lax/core.js";
import * as tree from "../tree/index.js";
import type { PyTreeDef } from "../tree/index.js";
import { stopGradient } from "./api.js";
import { traceFlat } from "./jit.js";
import { JVPTrace, JVPTracer } from "./jvp.js";
import { PETrace, type PETracer } from "./partial_eval.js";
import { innermostStagingMain } from "./staging.js";
import {
  BwdRule,
  CustomVJPException,
  FwdThunk,
  JvpThunk,
  type TracedJvp,
  callLower,
  closedOverJvpError,
  custom_jvp_call_p,
  custom_vjp_call_p,
  isPerturbed,
  levelOf,
  linTangents,
  ruleClosureError,
  topMain,
} from "./custom_derivatives_rules.js";

export { CustomVJPException };

type Fn = (...args: any[]) => any;

/**
 * A zero tangent passed to a jvp rule defined with `symbolicZeros: true` (JAX's SymbolicZero):
 * the rule can skip work for arguments that are not differentiated. A rule may also return one
 * for a zero output tangent.
 */
export class SymbolicZero {
  constructor(readonly aval: ShapedArray) {}
  get shape(): readonly number[] {
    return this.aval.shape;
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  /** The zero as an array. */
  instantiate(): JaxArray {
    return lax.zerosLikeAval(this.aval);
  }
  toString(): string {
    return `SymbolicZero(${this.aval.longStr()})`;
  }
}

// ---- arguments, outputs and messages -----------------------------------------------------------

function describe(x: unknown): string {
  if (typeof x === "string") return `'${x}' of type string`;
  if (typeof x === "function") return "of type function";
  return `of type ${x === null ? "null" : typeof x === "object" ? (x.constructor?.name ?? "object") : typeof x}`;
}

/** A JS number argument is a weakly typed float scalar, as for every transformation. */
function argLeaf(x: unknown, name: string): JaxArray {
  if (isArray(x)) return x;
  if (typeof x === "number") return lax.scalar(x, defaultFloat(), true);
  if (typeof x === "boolean") {
    const { dtype, weakType } = scalarDType(x);
    return lax.scalar(x, dtype, weakType);
  }
  throw new TypeError(
    `Argument ${describe(x)} passed to the custom function ${name} is not a valid JAX type: arguments must be Arrays, ` +
      "numbers, booleans or pytrees of them (mark other arguments with nondiffArgnums).",
  );
}

function flattenOut(x: unknown, what: string, isLeaf?: tree.IsLeaf): [JaxArray[], PyTreeDef] {
  const [leaves, def] = tree.flatten(x, isLeaf);
  return [
    leaves.map((l) => {
      if (isArray(l)) return l;
      if (typeof l === "number" || typeof l === "boolean") return lax.asArray(l);
      throw new TypeError(`${what} must be Arrays or pytrees of Arrays, got a leaf ${describe(l)}`);
    }),
    def,
  ];
}

/** A pytree of strings printed as JAX prints one with the quotes removed: (a, b), {k: v}. */
function showTree(def: PyTreeDef, strs: string[]): string {
  const show = (t: unknown): string => {
    if (typeof t === "string") return t;
    if (t === null || t === undefined) return "None";
    if (Array.isArray(t)) return `(${t.map(show).join(", ")}${t.length === 1 ? "," : ""})`;
    if (typeof t === "object") return `{${Object.entries(t as object).map(([k, v]) => `${k}: ${show(v)}`).join(", ")}}`;
    return String(t);
  };
  return show(def.unflatten(strs));
}

/** Python's repr-like display of a rule's bad output. */
function repr(x: unknown): string {
  if (Array.isArray(x)) return `(${x.map(repr).join(", ")}${x.length === 1 ? "," : ""})`;
  if (x === null || x === undefined) return "None";
  return String(x);
}

const longStrs = (avals: readonly ShapedArray[]): string[] => avals.map((a) => a.longStr());

// ---- identities for caches ---------------------------------------------------------------------

const objectIds = new WeakMap<object, number>();
let nextId = 0;
function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = nextId++));
  return id;
}

/** A key for static (nondiff) arguments: plain data by value, anything else by identity. */
function staticKey(v: unknown): string {
  if (v === null || v === undefined || typeof v === "number" || typeof v === "boolean") return String(v);
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return `${v}n`;
  if (Array.isArray(v)) return `[${v.map(staticKey).join(",")}]`;
  if (typeof v === "object" && !isArray(v) && Object.getPrototypeOf(v) === Object.prototype) {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${staticKey((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return typeof v === "object" || typeof v === "function" ? `#${idOf(v)}` : String(v);
}

// ---- a call site: one application of a custom function to particular arguments ---------------

function normNondiff(nums: readonly number[] | undefined, nArgs: number, what: string): number[] {
  const out = (nums ?? []).map((i) => {
    if (!Number.isInteger(i) || i >= nArgs || i < -nArgs) {
      throw new RangeError(`${what}: nondiffArgnums ${JSON.stringify(nums)} out of bounds for a call with ${nArgs} positional arguments`);
    }
    return i < 0 ? i + nArgs : i;
  });
  return [...new Set(out)].sort((a, b) => a - b);
}

interface OutType {
  def: PyTreeDef;
  avals: ShapedArray[];
}

/**
 * The differentiable arguments of a call, flattened, and the static (nondiff) ones; `rebuild`
 * puts flat leaves back into a full argument list. The output type is recorded by whichever of
 * the function and its rules ran.
 */
class CallSite {
  readonly xs: JaxArray[];
  readonly inDef: PyTreeDef;
  readonly inAvals: ShapedArray[];
  readonly nondiff: number[];
  readonly staticArgs: unknown[];
  private readonly nArgs: number;
  /** The function's output type, once it ran (rules are checked against it). */
  funOut: OutType | null = null;
  /** The output structure of whichever ran last. */
  outDef: PyTreeDef | null = null;

  constructor(args: unknown[], nondiff: number[], staticArgs: unknown[], readonly name: string) {
    this.nArgs = args.length;
    this.nondiff = nondiff;
    this.staticArgs = staticArgs;
    const dyn = args.filter((_, i) => !nondiff.includes(i));
    const [leaves, def] = tree.flatten(dyn);
    this.xs = leaves.map((l) => argLeaf(l, name));
    this.inDef = def;
    this.inAvals = this.xs.map((x) => x.aval);
  }

  /** The diff arguments (a list, one entry per argument) from flat leaves. */
  dynArgs(leaves: readonly unknown[]): unknown[] {
    return this.inDef.unflatten(leaves) as unknown[];
  }

  rebuild(leaves: readonly JaxArray[]): unknown[] {
    const dyn = this.dynArgs(leaves);
    const full: unknown[] = [];
    let d = 0;
    let s = 0;
    for (let i = 0; i < this.nArgs; i++) full.push(this.nondiff.includes(i) ? this.staticArgs[s++] : dyn[d++]);
    return full;
  }

  /** Runs the function on flat leaves, recording its output type. */
  callFun(fun: Fn, leaves: JaxArray[]): JaxArray[] {
    const [outs, def] = flattenOut(fun(...this.rebuild(leaves)), `The outputs of the custom function ${this.name}`);
    this.funOut = { def, avals: outs.map((o) => o.aval) };
    this.outDef = def;
    return outs;
  }

  finish(outs: JaxArray[]): unknown {
    return this.outDef!.unflatten(outs);
  }
}

/** What determines a call's rules: the custom function (and rule version), argument structure, static arguments. */
function keyOf(base: string, site: CallSite): string {
  return `${base}|${site.inDef}|${site.staticArgs.map(staticKey).join(",")}`;
}

// ---- customJvp: the flat specification -----------------------------------------------------------

/** A custom_jvp function applied at one call site, as functions of flat arrays. */
interface JvpSpec {
  readonly site: CallSite;
  readonly name: string;
  readonly jvpName: string;
  readonly internKey: string;
  readonly symbolicZeros: boolean;
  fun(...xs: JaxArray[]): JaxArray[];
  /** The rule on flat values: null tangents are zero; a null output tangent is zero. */
  rule(primals: JaxArray[], tangents: (JaxArray | null)[]): [JaxArray[], (JaxArray | null)[]];
}

const isSymbolicZero = (x: unknown): boolean => x instanceof SymbolicZero;

/** Checks a jvp rule's output with JAX's messages and flattens it. */
function ruleOutputs(s: JvpSpec, pair: unknown): [JaxArray[], (JaxArray | null)[]] {
  const { name, jvpName, site } = s;
  if (!Array.isArray(pair) || pair.length !== 2) {
    throw new TypeError(
      `Custom JVP rule ${jvpName} for function ${name} must produce a pair (list or tuple of length two) ` +
        `representing primal and tangent outputs, but got ${repr(pair)}.`,
    );
  }
  const [ps, pdef] = flattenOut(pair[0], `The primal outputs of custom JVP rule ${jvpName}`);
  const [tleaves, tdef] = tree.flatten(pair[1], isSymbolicZero);
  if (!pdef.equals(tdef)) {
    throw new TypeError(
      `Custom JVP rule ${jvpName} for function ${name} must produce primal and tangent outputs with equal ` +
        `container (pytree) structures, but got ${pdef} and ${tdef} respectively.`,
    );
  }
  const avals = ps.map((p) => p.aval);
  const fo = site.funOut;
  if (fo !== null) {
    const head =
      `Custom JVP rule ${jvpName} for function ${name} must produce a pair (list or tuple of length two) where the ` +
      `first element represents the primal output (equal in value to the output of the custom_jvp-decorated function ${name}, `;
    if (!fo.def.equals(pdef)) {
      throw new TypeError(
        `${head}and in particular of the same container/pytree structure), but instead the JVP rule output's first ` +
          `element had container/pytree structure:\n    ${showTree(pdef, longStrs(avals))}\nwhile the custom_jvp-decorated ` +
          `function ${name} had output container/pytree structure:\n    ${showTree(fo.def, longStrs(fo.avals))}.`,
      );
    }
    if (avals.some((a, i) => !a.strongEquals(fo.avals[i]!))) {
      throw new TypeError(
        `${head}and in particular with leaves of the same shape/dtype), but instead the JVP rule output's first element ` +
          `had shapes/dtypes of:\n    ${showTree(pdef, longStrs(avals))}\nwhile the custom_jvp-decorated function ${name} ` +
          `had output shapes/dtypes of:\n    ${showTree(fo.def, longStrs(fo.avals))}`,
      );
    }
  }
  site.outDef = pdef;
  // Tangents: same shape and dtype as their primals (weak types aside); integer outputs have
  // zero tangents whatever the rule says.
  const bad: [ShapedArray, ShapedArray][] = [];
  const ts = tleaves.map((t, i) => {
    const pa = avals[i]!;
    if (t instanceof SymbolicZero) {
      if (!t.aval.strongEquals(pa) && isFloat(pa.dtype)) bad.push([pa, t.aval]);
      return null;
    }
    if (!isFloat(pa.dtype)) return null;
    // A JS number is a weak scalar of the primal's dtype.
    const ta = isArray(t) ? t : lax.scalar(Number(t), pa.dtype, true);
    if (!ta.aval.strongEquals(pa)) bad.push([pa, ta.aval]);
    return ta;
  });
  if (bad.length > 0) {
    const strong = (a: ShapedArray) => a.longStr();
    if (avals.length === 1) {
      const [p, t] = bad[0]!;
      throw new TypeError(
        "Custom JVP rule must produce primal and tangent outputs with corresponding shapes and dtypes. " +
          `Expected ${strong(p)} (tangent type of ${strong(p)}) but got ${strong(t)}.`,
      );
    }
    throw new TypeError(
      "Custom JVP rule must produce primal and tangent outputs with corresponding shapes and dtypes, but got:\n" +
        bad.map(([p, t]) => `  primal ${strong(p)} with tangent ${strong(t)}, expecting tangent ${strong(p)}`).join("\n"),
    );
  }
  return [ps, ts];
}

// ---- customJvp: processing a call --------------------------------------------------------------

/** Interpreters whose custom jvp rule is running (a rule reaching its own interpreter closed over one of its values). */
const activeRules = new Set<MainTrace>();

function applyJvp(xs: JaxArray[], s: JvpSpec): JaxArray[] {
  const top = topMain(xs);
  if (top === null) {
    const outs = s.fun(...xs);
    return outs.some((o) => o instanceof Tracer) ? stageJvp(xs, s) : outs;
  }
  if (innermostStagingMain() === null) {
    if (top.traceType === JVPTrace) return jvpFinal(top, xs, s);
    if (top.traceType === PETrace) return peFinalJvp(top, xs, s);
  }
  return stageJvp(xs, s);
}

/** Forward mode on concrete (or linearization) values: the rule runs as JS. */
function jvpFinal(main: MainTrace, xs: JaxArray[], s: JvpSpec): JaxArray[] {
  const trace = new JVPTrace(main);
  const ts = xs.map((x) => fullRaise(trace, x) as JVPTracer);
  const primals = ts.map((t) => t.primal);
  const tangents = ts.map((t) => t.tangent);
  const deep = (o: JaxArray | null) => o !== null && levelOf(o) >= main.level;
  if (tangents.every((t) => t === null)) {
    const outs = applyJvp(primals, s);
    return outs.some(deep) ? stageJvp(xs, s) : outs;
  }
  if (activeRules.has(main)) throw ruleClosureError(s.jvpName, s.name);
  activeRules.add(main);
  let po: JaxArray[];
  let to: (JaxArray | null)[];
  try {
    [po, to] = s.rule(primals, tangents);
  } finally {
    activeRules.delete(main);
  }
  if (po.some(deep) || to.some(deep)) return stageJvp(xs, s);
  return po.map((p, i) => (to[i] === null ? p : new JVPTracer(trace, p, to[i]!)));
}

/** Partial evaluation (linearizing): known operands go one interpreter down, unknown ones inline the function. */
function peFinalJvp(main: MainTrace, xs: JaxArray[], s: JvpSpec): JaxArray[] {
  const trace = new PETrace(main);
  const ts = xs.map((x) => fullRaise(trace, x) as PETracer);
  if (ts.every((t) => t.pval.isKnown)) {
    const outs = applyJvp(ts.map((t) => t.pval.known!), s);
    return outs.some((o) => levelOf(o) >= main.level) ? stageJvp(xs, s) : outs;
  }
  return s.fun(...ts);
}

/** Initial style: the function traced to a jaxpr (closed-over values as operands), the rule traced on demand. */
function stageJvp(xs: JaxArray[], s: JvpSpec): JaxArray[] {
  const inAvals = xs.map((x) => x.aval);
  const [callJaxpr, consts] = traceFlat((...ys) => s.fun(...ys), inAvals);
  if (consts.some((c) => isPerturbed(c))) throw closedOverJvpError();
  const jvp = new JvpThunk(s.jvpName, s.internKey, (zeros) => traceJvpRule(s, inAvals, zeros));
  return callLower(custom_jvp_call_p, [...consts, ...xs], {
    name: s.name,
    callJaxpr,
    jvp,
    numConsts: consts.length || undefined,
    symbolicZeros: s.symbolicZeros,
  });
}

/** The rule as a jaxpr of (primals, nonzero tangents) → (primal outs, nonzero tangent outs). */
function traceJvpRule(s: JvpSpec, inAvals: ShapedArray[], zeros: boolean[]): TracedJvp {
  let outZeros: boolean[] = [];
  const n = inAvals.length;
  const [jaxpr, consts] = traceFlat(
    (...ys) => {
      let k = n;
      const [po, to] = s.rule(ys.slice(0, n), zeros.map((z) => (z ? null : ys[k++]!)));
      outZeros = to.map((t) => t === null);
      return [...po, ...to.filter((t): t is JaxArray => t !== null)];
    },
    [...inAvals, ...inAvals.filter((_, i) => !zeros[i])],
  );
  return { jaxpr, consts, outZeros };
}

// ---- customJvp: the public function --------------------------------------------------------------

export interface CustomJvpOptions {
  /** Arguments that are not differentiated (functions, shapes, strings, ...), passed first to the rule. */
  nondiffArgnums?: number[];
}

export interface DefJvpOptions {
  /** Pass zero tangents to the rule as SymbolicZero objects (instead of arrays of zeros). */
  symbolicZeros?: boolean;
}

/** A jvp rule: `(primals, tangents) => [primalOut, tangentOut]`, after any nondiff arguments. */
export type JvpRule = (...args: any[]) => [any, any] | any[];
/** One argument's term of a jvp (defjvps): `(tangent, primalOut, ...primals) => tangentOut`. */
export type JvpTerm = (tangent: any, primalOut: any, ...primals: any[]) => any;

export interface CustomJvpFunction<F extends Fn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** The undecorated function. */
  readonly fun: F;
  readonly nondiffArgnums: readonly number[];
  /** The rule defined with defjvp (null before). */
  readonly jvp: JvpRule | null;
  /** Defines the jvp rule; returns it. */
  defjvp<R extends JvpRule>(rule: R, opts?: DefJvpOptions): R;
  /** Defines the rule by one term per argument (null: that argument does not contribute). */
  defjvps(...terms: (JvpTerm | null)[]): void;
}

let nextCustomId = 0;

/**
 * customJvp(fun, { nondiffArgnums }) (jax.custom_jvp): a function that evaluates `fun`, and
 * whose derivatives come from the rule given to `defjvp` (or `defjvps`). Under grad the rule's
 * tangent output must be linear in the tangents, as in JAX.
 */
export function customJvp<F extends Fn>(fun: F, opts: CustomJvpOptions = {}): CustomJvpFunction<F> {
  const name = fun.name || "fun";
  const id = nextCustomId++;
  let rule: JvpRule | null = null;
  let symbolicZeros = false;
  let version = 0;

  const call = (args: unknown[]): unknown => {
    if (rule === null) throw new TypeError(`No JVP defined for custom_jvp function ${name} using defjvp.`);
    if (currentLevel() === 0) return fun(...args);
    const nondiff = normNondiff(opts.nondiffArgnums, args.length, name);
    // Nondiff arguments carry no derivative (JAX stops their gradients).
    const staticArgs = nondiff.map((i) => tree.map((l: unknown) => (isArray(l) ? stopGradient(l) : l), args[i]));
    const site = new CallSite(args, nondiff, staticArgs, name);
    const r = rule;
    const jvpName = r.name || "jvp";
    const spec: JvpSpec = {
      site,
      name,
      jvpName,
      internKey: keyOf(`custom_jvp#${id}.${version}`, site),
      symbolicZeros,
      fun: (...xs) => site.callFun(fun, xs),
      rule: (primals, tangents) => {
        const ts = tangents.map((t, i) => {
          if (t !== null) return t;
          const a = primals[i]!.aval;
          return symbolicZeros ? new SymbolicZero(a) : markZeroTangent(lax.zerosLikeAval(a));
        });
        const pair = r(...site.staticArgs, site.dynArgs(primals), site.dynArgs(ts));
        return ruleOutputs(spec, pair);
      },
    };
    return site.finish(applyJvp(site.xs, spec));
  };

  const f = ((...args: unknown[]) => call(args)) as unknown as CustomJvpFunction<F>;
  Object.defineProperty(f, "name", { value: name });
  Object.defineProperty(f, "fun", { value: fun });
  Object.defineProperty(f, "nondiffArgnums", { value: Object.freeze([...(opts.nondiffArgnums ?? [])]) });
  Object.defineProperty(f, "jvp", { get: () => rule });
  f.defjvp = <R extends JvpRule>(r: R, o: DefJvpOptions = {}): R => {
    if (typeof r !== "function") throw new TypeError(`defjvp expects a function, got ${describe(r)}`);
    rule = r;
    symbolicZeros = o.symbolicZeros ?? false;
    version++;
    return r;
  };
  f.defjvps = (...terms: (JvpTerm | null)[]): void => {
    if ((opts.nondiffArgnums ?? []).length > 0) throw new TypeError("Can't use ``defjvps`` with ``nondiff_argnums``.");
    const jvp = (primals: unknown[], tangents: unknown[]): [unknown, unknown] => {
      const primalOut = f(...(primals as Parameters<F>));
      // Arguments whose tangents are all zero contribute nothing.
      const parts = terms.flatMap((t, i) => {
        if (t === null || t === undefined) return [];
        const leaves = tree.leaves(tangents[i]);
        if (leaves.every((l) => isZeroTangent(l as object))) return [];
        return [t(tangents[i], primalOut, ...primals)];
      });
      if (parts.length === 0) return [primalOut, tree.map((o: JaxArray) => lax.zerosLike(lax.asArray(o)), primalOut)];
      const sum = tree.map((...xs: JaxArray[]) => xs.reduce((a, b) => lax.add(a, b)), parts[0], ...parts.slice(1));
      return [primalOut, sum];
    };
    Object.defineProperty(jvp, "name", { value: `${name}_jvp` });
    f.defjvp(jvp);
  };
  return f;
}

// ---- customVjp ---------------------------------------------------------------------------------------

/** A custom_vjp function applied at one call site, as functions of flat arrays. */
interface VjpSpec {
  readonly site: CallSite;
  readonly name: string;
  readonly fwdName: string;
  readonly bwdName: string;
  readonly internKey: string;
  fun(...xs: JaxArray[]): JaxArray[];
  /** fwd on flat values: [outputs, residuals]. */
  fwd(xs: JaxArray[]): [JaxArray[], JaxArray[]];
  bwd: BwdRule;
}

function applyVjp(xs: JaxArray[], s: VjpSpec): JaxArray[] {
  const top = topMain(xs);
  if (top === null) {
    const outs = s.fun(...xs);
    return outs.some((o) => o instanceof Tracer) ? stageVjp(xs, s) : outs;
  }
  if (innermostStagingMain() === null) {
    if (top.traceType === JVPTrace) return vjpFinal(top, xs, s);
    if (top.traceType === PETrace) {
      const trace = new PETrace(top);
      const ts = xs.map((x) => fullRaise(trace, x) as PETracer);
      if (ts.every((t) => t.pval.isKnown)) {
        const outs = applyVjp(ts.map((t) => t.pval.known!), s);
        return outs.some((o) => levelOf(o) >= top.level) ? stageVjp(xs, s) : outs;
      }
    }
  }
  return stageVjp(xs, s);
}

/** Forward mode on concrete (or linearization) values: fwd runs as JS, the tangents are a custom_lin. */
function vjpFinal(main: MainTrace, xs: JaxArray[], s: VjpSpec): JaxArray[] {
  const trace = new JVPTrace(main);
  const ts = xs.map((x) => fullRaise(trace, x) as JVPTracer);
  const primals = ts.map((t) => t.primal);
  const tangents = ts.map((t) => t.tangent);
  const deep = (o: JaxArray) => levelOf(o) >= main.level;
  if (tangents.every((t) => t === null)) {
    const outs = applyVjp(primals, s);
    return outs.some(deep) ? stageVjp(xs, s) : outs;
  }
  const [po, res] = s.fwd(primals);
  if (po.some(deep) || res.some(deep)) {
    if ([...po, ...res].some((o) => isPerturbed(o, main))) throw new CustomVJPException();
    return stageVjp(xs, s);
  }
  const inZeros = tangents.map((t) => t === null);
  const touts = linTangents(s.bwd, res, tangents.filter((t): t is JaxArray => t !== null), inZeros, po);
  return po.map((p, i) => (touts[i] === null ? p : new JVPTracer(trace, p, touts[i]!)));
}

function stageVjp(xs: JaxArray[], s: VjpSpec): JaxArray[] {
  const inAvals = xs.map((x) => x.aval);
  const [callJaxpr, consts] = traceFlat((...ys) => s.fun(...ys), inAvals);
  if (consts.some((c) => isPerturbed(c))) throw new CustomVJPException();
  const fwd = new FwdThunk(s.fwdName, s.internKey, () => {
    let numRes = 0;
    const [jaxpr, fconsts] = traceFlat((...ys) => {
      const [o, r] = s.fwd(ys);
      numRes = r.length;
      return [...r, ...o];
    }, inAvals);
    return { jaxpr, consts: fconsts, numRes };
  });
  return callLower(custom_vjp_call_p, [...consts, ...xs], {
    name: s.name,
    bwd: s.bwd,
    callJaxpr,
    fwd,
    numConsts: consts.length || undefined,
    symbolicZeros: false,
  });
}

/** Key paths as JAX's keystr: [0]['a'][1]. */
function keyPaths(def: PyTreeDef, prefix: string, out: string[]): void {
  switch (def.kind) {
    case "leaf":
      out.push(prefix);
      return;
    case "array":
      def.children.forEach((c, i) => keyPaths(c, `${prefix}[${i}]`, out));
      return;
    case "object":
      def.children.forEach((c, i) => keyPaths(c, `${prefix}['${def.keys[i]}']`, out));
      return;
    case "custom":
      def.children.forEach((c, i) => keyPaths(c, `${prefix}[${i}]`, out));
      return;
    default:
      return;
  }
}

/**
 * Flattens bwd's output against the structure of the (diff) arguments: a null (or undefined)
 * anywhere stands for zero cotangents of that whole subtree, as JAX's None. Returns null when
 * the structures disagree.
 */
function matchCotangents(def: PyTreeDef, ct: unknown, out: (unknown | null)[]): boolean {
  if (ct === null || ct === undefined) {
    for (let i = 0; i < def.numLeaves; i++) out.push(null);
    return true;
  }
  switch (def.kind) {
    case "leaf":
      if (isArray(ct) || typeof ct === "number" || typeof ct === "boolean" || tree.structure(ct).isLeaf) {
        out.push(ct);
        return true;
      }
      return false;
    case "null":
    case "undefined":
      return true;
    case "array":
      if (!Array.isArray(ct) || ct.length !== def.children.length) return false;
      return def.children.every((c, i) => matchCotangents(c, ct[i], out));
    case "object": {
      if (typeof ct !== "object" || Array.isArray(ct) || isArray(ct)) return false;
      const o = ct as Record<string, unknown>;
      const keys = Object.keys(o).sort();
      if (keys.length !== def.keys.length || keys.some((k, i) => k !== def.keys[i])) return false;
      return def.children.every((c, i) => matchCotangents(c, o[def.keys[i]!], out));
    }
    case "custom": {
      const [leaves, d] = tree.flatten(ct);
      if (!d.equals(def)) return false;
      out.push(...leaves);
      return true;
    }
  }
}

export interface CustomVjpOptions {
  /** Arguments that are not differentiated (functions, shapes, ...; never arrays being transformed), passed first to bwd. */
  nondiffArgnums?: number[];
}

export interface CustomVjpFunction<F extends Fn> {
  (...args: Parameters<F>): ReturnType<F>;
  /** The undecorated function. */
  readonly fun: F;
  readonly nondiffArgnums: readonly number[];
  readonly fwd: Fn | null;
  readonly bwd: Fn | null;
  /**
   * Defines the rule: `fwd(...args)` returns `[out, residuals]`; `bwd(...nondiffArgs, residuals,
   * cotangent)` returns one cotangent per (diff) argument, each a pytree like the argument, or
   * null for zero.
   */
  defvjp(fwd: Fn, bwd: Fn): void;
}

function checkNoTracers(x: unknown): void {
  for (const l of tree.leaves(x)) {
    if (l instanceof Tracer) {
      const e = new UnexpectedTracerError("");
      e.message =
        "Found a JAX Tracer object passed as an argument to a custom_vjp function in a position indicated by " +
        "nondiff_argnums as non-differentiable. Tracers cannot be passed as non-differentiable arguments to " +
        "custom_vjp functions; instead, nondiff_argnums should only be used for arguments that can't be or " +
        "contain JAX tracers, e.g. function-valued arguments. In particular, array-valued arguments should " +
        "typically not be indicated as nondiff_argnums.";
      throw e;
    }
  }
}

/**
 * customVjp(fun, { nondiffArgnums }) (jax.custom_vjp): a function that evaluates `fun`, and whose
 * reverse-mode derivatives come from the fwd/bwd pair given to `defvjp`. Forward mode through it
 * raises JAX's error.
 */
export function customVjp<F extends Fn>(fun: F, opts: CustomVjpOptions = {}): CustomVjpFunction<F> {
  const name = fun.name || "fun";
  const id = nextCustomId++;
  let fwdFn: Fn | null = null;
  let bwdFn: Fn | null = null;
  let version = 0;

  const call = (args: unknown[]): unknown => {
    if (fwdFn === null || bwdFn === null) throw new TypeError(`No VJP defined for custom_vjp function ${name} using defvjp.`);
    if (currentLevel() === 0) return fun(...args);
    const nondiff = normNondiff(opts.nondiffArgnums, args.length, name);
    const staticArgs = nondiff.map((i) => args[i]);
    staticArgs.forEach(checkNoTracers);
    const site = new CallSite(args, nondiff, staticArgs, name);
    const fwd = fwdFn;
    const bwd = bwdFn;
    const fwdName = fwd.name || "fwd";
    const bwdName = bwd.name || "bwd";
    let resDef: PyTreeDef | null = null;
    const internKey = keyOf(`custom_vjp#${id}.${version}`, site);

    const flatBwd = (res: JaxArray[], cts: JaxArray[]): (JaxArray | null)[] => {
      const out = bwd(...site.staticArgs, resDef!.unflatten(res), site.outDef!.unflatten(cts));
      const nDyn = site.inDef.children.length;
      const flat: unknown[] = [];
      const asTuple = Array.isArray(out) && out.length === nDyn ? out : null;
      if (asTuple === null || !matchCotangents(site.inDef, asTuple, flat)) {
        throw new TypeError(
          "Custom VJP bwd rule must produce an output with the same container (pytree) structure as the args " +
            "tuple of the primal function, and in particular must produce a tuple of length equal to the number " +
            `of arguments to the primal function, but got bwd output structure ${tree.structure(out)} for primal ` +
            `input structure ${site.inDef}.`,
        );
      }
      const paths: string[] = [];
      keyPaths(site.inDef, "", paths);
      return flat.map((c, i) => {
        const a = site.inAvals[i]!;
        if (c === null || !isFloat(a.dtype)) return null;
        const ct = isArray(c) ? c : lax.asArray(c as number);
        if (ct.shape.length !== a.shape.length || ct.shape.some((d, k) => d !== a.shape[k])) {
          throw new TypeError(
            `Custom VJP bwd rule attached to ${name} must produce an output with the same type as the args tuple ` +
              `of the primal function, but at output${paths[i]} the bwd rule produced an output of type ` +
              `${ct.aval.longStr()} corresponding to an input of type ${a.longStr()}`,
          );
        }
        return ct.dtype === a.dtype ? ct : lax.convertElementType(ct, a.dtype);
      });
    };

    const spec: VjpSpec = {
      site,
      name,
      fwdName,
      bwdName,
      internKey,
      fun: (...xs) => site.callFun(fun, xs),
      fwd: (xs) => {
        const pair = fwd(...site.rebuild(xs));
        const head = `Custom VJP fwd rule ${fwdName} for function ${name} must produce a pair (list or tuple of length two) where the first element represents the primal output `;
        const tail =
          `and the second element represents residuals (i.e. values stored from the forward pass for use on the ` +
          "backward pass), but ";
        if (!Array.isArray(pair) || pair.length !== 2) {
          throw new TypeError(
            `${head}(equal to those of the custom_vjp-decorated function ${name}) ${tail}instead of a pair the fwd rule ${fwdName} produced ${repr(pair)}.`,
          );
        }
        const [outs, def] = flattenOut(pair[0], `The outputs of custom VJP fwd rule ${fwdName}`);
        const [res, rdef] = flattenOut(pair[1], `The residuals of custom VJP fwd rule ${fwdName}`);
        const fo = site.funOut;
        if (fo !== null) {
          const avals = outs.map((o) => o.aval);
          const mid = `(equal to the output of the custom_vjp-decorated function ${name}) ${tail}instead the fwd rule output's first element had `;
          if (!fo.def.equals(def)) {
            throw new TypeError(
              `${head}${mid}container/pytree structure:\n    ${showTree(def, longStrs(avals))}\nwhile the custom_vjp-decorated ` +
                `function ${name} had output container/pytree structure:\n    ${showTree(fo.def, longStrs(fo.avals))}.`,
            );
          }
          if (avals.some((a, i) => !a.strongEquals(fo.avals[i]!))) {
            throw new TypeError(
              `${head}${mid}shapes/dtypes of:\n    ${showTree(def, longStrs(avals))}\nwhile the custom_vjp-decorated ` +
                `function ${name} had output shapes/dtypes of:\n    ${showTree(fo.def, longStrs(fo.avals))}`,
            );
          }
        }
        site.outDef = def;
        resDef = rdef;
        return [outs, res];
      },
      bwd: new BwdRule(bwdName, internKey, flatBwd),
    };
    return site.finish(applyVjp(site.xs, spec));
  };

  const f = ((...args: unknown[]) => call(args)) as unknown as CustomVjpFunction<F>;
  Object.defineProperty(f, "name", { value: name });
  Object.defineProperty(f, "fun", { value: fun });
  Object.defineProperty(f, "nondiffArgnums", { value: Object.freeze([...(opts.nondiffArgnums ?? [])]) });
  Object.defineProperty(f, "fwd", { get: () => fwdFn });
  Object.defineProperty(f, "bwd", { get: () => bwdFn });
  f.defvjp = (fwd: Fn, bwd: Fn): void => {
    if (typeof fwd !== "function" || typeof bwd !== "function") {
      throw new TypeError(`defvjp expects two functions (fwd, bwd), got ${describe(fwd)} and ${describe(bwd)}`);
    }
    fwdFn = fwd;
    bwdFn = bwd;
    version++;
  };
  return f;
}
