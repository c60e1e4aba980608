// The jaxpr IR: variables, literals, equations and (closed) jaxprs, JAX's text format, a type
// checker and an evaluator that binds each equation through the current interpreters.
import { ShapedArray } from "../core/aval.js";
import type { Params, Primitive } from "../core/primitive.js";
import type { JaxArray } from "../core/array.js";
import { isFloat } from "../core/dtypes.js";
import * as pp from "./pretty.js";

let varCount = 0;
export class Var {
  readonly id = varCount++;
  constructor(readonly aval: ShapedArray) {}
}

export class Literal {
  constructor(
    readonly val: number,
    readonly aval: ShapedArray,
  ) {}
}

export type Atom = Var | Literal;

export interface JaxprEqn {
  readonly primitive: Primitive;
  readonly inputs: Atom[];
  readonly params: Params;
  readonly outBinders: Var[];
}

let jaxprCount = 0;
export class Jaxpr {
  /** A stable identity, used as a cache key by compilers. */
  readonly id = jaxprCount++;
  constructor(
    readonly constvars: Var[],
    readonly invars: Var[],
    readonly eqns: JaxprEqn[],
    readonly outvars: Atom[],
  ) {}
  get inAvals(): ShapedArray[] {
    return this.invars.map((v) => v.aval);
  }
  get outAvals(): ShapedArray[] {
    return this.outvars.map((v) => v.aval);
  }
  toString(): string {
    return printJaxpr(this);
  }
}

/** A jaxpr together with the values of its constvars. */
export class ClosedJaxpr {
  constructor(
    readonly jaxpr: Jaxpr,
    readonly consts: JaxArray[],
  ) {
    if (consts.length !== jaxpr.constvars.length) throw new Error("ClosedJaxpr: const count mismatch");
  }
  get inAvals(): ShapedArray[] {
    return this.jaxpr.inAvals;
  }
  get outAvals(): ShapedArray[] {
    return this.jaxpr.outAvals;
  }
  toString(): string {
    return this.jaxpr.toString();
  }
}

// ---- Printing (JAX's format) ------------------------------------------------------------------
// The same document structure as JAX's pp_jaxpr, laid out by a Wadler–Lindig printer in 80
// columns: a jaxpr fits on one line (equations separated by "; ") or breaks into one equation per
// line; parameters print sorted by name (with `name` first, as JAX prints pjit); variables are
// named a, b, ..., z, ba, ... in order of appearance, continuing into nested jaxprs.

class Namer {
  private names = new Map<Var, string>();
  private n = 0;
  name(v: Var): string {
    let s = this.names.get(v);
    if (s === undefined) {
      s = varName(this.n++);
      this.names.set(v, s);
    }
    return s;
  }
}

/** a, b, ..., z, ba, bb, ... as JAX names variables. */
function varName(i: number): string {
  let s = "";
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26);
  } while (i > 0);
  return s;
}

/** A float as Python's repr of a NumPy scalar of its dtype prints it (shortest round trip). */
function pyFloat(v: number, dtype: string): string {
  if (Number.isNaN(v)) return "nan";
  if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
  let x = v;
  if (dtype === "float32" || dtype === "float16" || dtype === "bfloat16") {
    for (let p = 1; p <= 17; p++) {
      const t = Number(v.toPrecision(p));
      if (Math.fround(t) === Math.fround(v)) {
        x = t;
        break;
      }
    }
  }
  const a = Math.abs(x);
  if (a !== 0 && (a >= 1e16 || a < 1e-4)) {
    const [m, e] = x.toExponential().split("e");
    const exp = Number(e);
    return `${m}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = String(x);
  return Number.isInteger(x) ? `${s}.0` : s;
}

export function formatLiteral(l: Literal): string {
  const v = l.val;
  const d = l.aval.dtype;
  const s = d === "bool" ? (v ? "True" : "False") : isFloat(d) ? pyFloat(v, d) : String(v);
  return `${s}:${l.aval.str()}`;
}

function formatParam(v: unknown, namer: Namer): pp.Doc {
  if (v instanceof ClosedJaxpr) return ppJaxpr(v.jaxpr, namer);
  if (v instanceof Jaxpr) return ppJaxpr(v, namer);
  if (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof Jaxpr || x instanceof ClosedJaxpr)) {
    // A tuple of jaxprs (cond's branches), one per line when they do not fit.
    const items = v.map((x) => ppJaxpr(x instanceof ClosedJaxpr ? x.jaxpr : (x as Jaxpr), namer));
    return pp.group(pp.concat(pp.nest(2, pp.concat(pp.text("("), pp.brk(""), pp.join(pp.brk(), items))), pp.brk(""), pp.text(")")));
  }
  return pp.text(formatValue(v));
}

/** A param as JAX prints it: a bare top-level string (`name=f`), quoted inside tuples (`('i',)`). */
function formatValue(v: unknown, nested = false): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isNaN(v) ? "nan" : String(v);
  if (typeof v === "string") return nested ? `'${v}'` : v;
  if (Array.isArray(v)) {
    const items = v.map((x) => formatValue(x, true));
    return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
  }
  if (v instanceof ShapedArray) return v.str();
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o["toString"] === "function" && o["toString"] !== Object.prototype.toString) return String(v);
    return `{${Object.entries(o).map(([k, x]) => `${k}=${formatValue(x)}`).join(", ")}}`;
  }
  return String(v);
}

/** A list of variables (with types for binders), breaking only where the line is full. */
function ppVars(atoms: readonly Atom[], namer: Namer, binders: boolean, sep = ""): pp.Doc {
  const docs = atoms.map((a) =>
    pp.text(a instanceof Literal ? formatLiteral(a) : binders ? `${namer.name(a)}:${a.aval.str()}` : namer.name(a)),
  );
  return pp.nest(2, pp.group(pp.join(pp.concat(pp.text(sep), pp.group(pp.brk())), docs)));
}

function ppEqn(e: JaxprEqn, namer: Namer): pp.Doc {
  const lhs = ppVars(e.outBinders, namer, true);
  const keys = Object.keys(e.params)
    .filter((k) => e.params[k] !== undefined)
    .sort((a, b) => (a === "name" ? -1 : b === "name" ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const kvs = keys.map((k) => pp.concat(pp.text(`${k}=`), formatParam(e.params[k], namer)));
  const params = kvs.length
    ? pp.group(pp.concat(pp.nest(2, pp.concat(pp.text("["), pp.brk(""), pp.join(pp.brk(), kvs))), pp.brk(""), pp.text("]")))
    : pp.nil;
  const rhs = [pp.text(e.primitive.name), params, pp.concat(pp.text(" "), ppVars(e.inputs, namer, false))];
  return e.outBinders.length ? pp.concat(lhs, pp.text(" = "), ...rhs) : pp.concat(...rhs);
}

function ppJaxpr(j: Jaxpr, namer: Namer): pp.Doc {
  const constvars = ppVars(j.constvars, namer, true);
  const invars = ppVars(j.invars, namer, true);
  const eqns = pp.join(pp.brk("; "), j.eqns.map((e) => ppEqn(e, namer)));
  const outs = pp.concat(pp.text("("), ppVars(j.outvars, namer, false, ","), pp.text(j.outvars.length === 1 ? ",)" : ")"));
  return pp.concat(
    pp.group(
      pp.nest(
        2,
        pp.concat(
          pp.text("{ lambda "), constvars, pp.text("; "), invars, pp.text(". let"),
          pp.nest(2, pp.concat(pp.brk(), eqns)), pp.brk(), pp.text("in "), outs,
        ),
      ),
    ),
    pp.text(" }"),
  );
}

function printJaxpr(j: Jaxpr): string {
  return pp.format(ppJaxpr(j, new Namer()), 80);
}

// ---- Type checking ----------------------------------------------------------------------------

/** Checks that every equation's output avals agree with its primitive's abstract evaluation. */
export function typecheckJaxpr(j: Jaxpr): void {
  const env = new Set<Var>();
  for (const v of [...j.constvars, ...j.invars]) {
    if (env.has(v)) throw new TypeError("jaxpr binds a variable twice");
    env.add(v);
  }
  for (const e of j.eqns) {
    for (const a of e.inputs) if (a instanceof Var && !env.has(a)) throw new TypeError("jaxpr uses an unbound variable");
    const outs = e.primitive.abstractEval(e.inputs.map((a) => a.aval), e.params);
    if (outs.length !== e.outBinders.length || outs.some((o, i) => !o.strongEquals(e.outBinders[i]!.aval))) {
      throw new TypeError(
        `jaxpr type error in ${e.primitive.name}: expected ${outs.map((o) => o.str())}, ` +
          `got ${e.outBinders.map((o) => o.aval.str())}`,
      );
    }
    for (const v of e.outBinders) env.add(v);
  }
  for (const a of j.outvars) if (a instanceof Var && !env.has(a)) throw new TypeError("jaxpr output is unbound");
}
