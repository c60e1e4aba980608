// The jaxpr IR: variables, literals, equations and (closed) jaxprs, JAX's text format, a type
// checker and an evaluator that binds each equation through the current interpreters.
import { ShapedArray } from "../core/aval.js";
import type { Params, Primitive } from "../core/primitive.js";
import type { JaxArray } from "../core/array.js";
import { isFloat } from "../core/dtypes.js";

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
    return printJaxpr(this, new Namer(), 0);
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

export function formatLiteral(l: Literal): string {
  const v = l.val;
  let s: string;
  if (l.aval.dtype === "bool") s = v ? "True" : "False";
  else if (isFloat(l.aval.dtype)) {
    s = Number.isInteger(v) && Math.abs(v) < 1e16 ? v.toFixed(1) : Number.isNaN(v) ? "nan" : !Number.isFinite(v) ? (v > 0 ? "inf" : "-inf") : String(v);
  } else s = String(v);
  return `${s}:${l.aval.str()}`;
}

function formatParam(v: unknown, namer: Namer, indent: number): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return Number.isNaN(v) ? "nan" : String(v);
  if (typeof v === "string") return v;
  if (Array.isArray(v)) {
    const items = v.map((x) => formatParam(x, namer, indent));
    return `(${items.join(", ")}${items.length === 1 ? "," : ""})`;
  }
  if (v instanceof ClosedJaxpr) return printJaxpr(v.jaxpr, new Namer(), indent + 2);
  if (v instanceof Jaxpr) return printJaxpr(v, new Namer(), indent + 2);
  if (v instanceof ShapedArray) return v.str();
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (typeof o["toString"] === "function" && o["toString"] !== Object.prototype.toString) return String(v);
    return `{${Object.entries(o).map(([k, x]) => `${k}=${formatParam(x, namer, indent)}`).join(", ")}}`;
  }
  return String(v);
}

function printJaxpr(j: Jaxpr, namer: Namer, indent: number): string {
  const atom = (a: Atom) => (a instanceof Literal ? formatLiteral(a) : namer.name(a));
  const binder = (v: Var) => `${namer.name(v)}:${v.aval.str()}`;
  const consts = j.constvars.map(binder).join(" ");
  const ins = j.invars.map(binder).join(" ");
  const eqnLines = j.eqns.map((e) => {
    const outs = e.outBinders.map(binder).join(" ");
    const ps = Object.entries(e.params).filter(([, v]) => v !== undefined);
    const params = ps.length ? `[${ps.map(([k, v]) => `${k}=${formatParam(v, namer, indent + 4)}`).join(" ")}]` : "";
    return `${outs} = ${e.primitive.name}${params} ${e.inputs.map(atom).join(" ")}`.trimEnd();
  });
  const outs = j.outvars.map(atom);
  const outStr = `(${outs.join(", ")}${outs.length === 1 ? "," : ""})`;
  const head = `{ lambda ${consts}${consts ? "" : ""}; ${ins}. let`;
  const oneLine = `${head}${eqnLines.length ? " " + eqnLines.join(" ") : ""} in ${outStr} }`;
  if (oneLine.length + indent <= 80 && !oneLine.includes("\n") && eqnLines.length <= 1) return oneLine;
  const pad = " ".repeat(indent);
  return [head, ...eqnLines.map((l) => `${pad}    ${l}`), `${pad}  in ${outStr} }`].join("\n");
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
