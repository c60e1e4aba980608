// Lowering of fusible primitives to the kernel IR. Each rule receives its operands as
// expressions over their own index spaces (their avals' shapes) and returns expressions over
// the result's index space: elementwise rules combine operands, layout rules rewrite the
// operands' affine maps, reductions wrap the operand in a reduce node whose reduced axes are
// moved last. A rule returns null when it cannot lower this instance (the planner then
// materializes the operands and retries, or leaves the equation to the backend).
import type { ShapedArray } from "../core/aval.js";
import { type DType, iinfo, isBool, isFloat } from "../core/dtypes.js";
import type { JaxprEqn } from "../ir/jaxpr.js";
import { type MathFn, WasmMath } from "../backends/wasm/math.js";
import {
  type Affine, type AxisMap, type Expr, type ExprPool, type OpName, type ReduceOp,
  mapAffine, remapExpr, reshapeAffine, storedValue,
} from "./ir.js";
import { INDEXING, type Rule, padInterior } from "./lower_indexing.js";

/**
 * How a rule reads its operands: at the result's own index (ew, reduce), remapped (layout), or
 * at data-dependent positions (gather: see lower_indexing.ts).
 */
export type EqnClass = "ew" | "layout" | "reduce" | "gather";


const avalIn = (eqn: JaxprEqn, i: number): ShapedArray => eqn.inputs[i]!.aval;
const avalOut = (eqn: JaxprEqn, i = 0): ShapedArray => eqn.outBinders[i]!.aval;


// ---- elementwise ----

const unary = (op: OpName): Rule => (pool, [x], eqn) => [pool.op(op, avalOut(eqn).dtype, [x!])];
const binary = (op: OpName): Rule => (pool, [x, y], eqn) => [pool.op(op, avalOut(eqn).dtype, [x!, y!])];
const math = (fn: string): Rule => (pool, args, eqn) => [pool.op("math", avalOut(eqn).dtype, args, 0, fn)];
/** Functions JS Math lacks: lowered only where the SIMD math library offers them. */
const libraryMath = (fn: MathFn): Rule => (pool, args, eqn) => {
  const d = avalOut(eqn).dtype;
  return WasmMath.offers(fn, d === "float32" ? "f32" : "f64") ? [pool.op("math", d, args, 0, fn)] : null;
};
/** Bitwise ops on int64/uint64 need 64-bit integer arithmetic: left to the backend. */
const bitwise = (op: OpName): Rule => (pool, args, eqn) =>
  isWide(avalOut(eqn).dtype) || isWide(avalIn(eqn, 0).dtype) ? null : [pool.op(op, avalOut(eqn).dtype, args)];
const isWide = (d: DType): boolean => d === "int64" || d === "uint64";

/** Broadcasts a rank-0 expression into an index space of rank n (every stride 0). */
function scalarTo(pool: ExprPool, e: Expr, n: number): Expr {
  return remapExpr(pool, e, (a) => ({ off: a.off, s: new Array<number>(n).fill(0) }))!;
}

/** x ** y for integer y, as the reference computes it (floats through Math.pow except y ∈ {0, 1, 2, −1}). */
const integerPow: Rule = (pool, [x], eqn) => {
  const d = avalOut(eqn).dtype;
  const y = eqn.params["y"] as number;
  if (!isFloat(d)) return [pool.op("ipow", d, [x!], y)];
  if (y === 0) return [pool.constant(1, d)];
  if (y === 1) return [x!];
  if (y === 2) return [pool.op("mul", d, [x!, x!])];
  if (y === -1) return [pool.op("div", d, [pool.constant(1, d), x!])];
  return [pool.op("math", d, [x!, pool.constant(y, d)], 0, "pow")];
};

const selectN: Rule = (pool, [which, ...cases], eqn) => {
  const d = avalOut(eqn).dtype;
  const w = which!;
  if (isBool(avalIn(eqn, 0).dtype)) return [cases.length === 1 ? cases[0]! : pool.op("select", d, [w, cases[1]!, cases[0]!])];
  let r = cases[0]!;
  for (let k = 1; k < cases.length; k++) {
    r = pool.op("select", d, [pool.op("eq", "bool", [w, pool.constant(k, "int32")]), cases[k]!, r]);
  }
  return [r];
};

const clamp: Rule = (pool, [lo, x, hi], eqn) => {
  const d = avalOut(eqn).dtype;
  return [pool.op("min", d, [pool.op("max", d, [x!, lo!]), hi!])];
};

const convert: Rule = (pool, [x], eqn) => {
  const from = avalIn(eqn, 0).dtype;
  const to = avalOut(eqn).dtype;
  return [from === to ? x! : pool.op("cvt", to, [x!])];
};

const bitcast: Rule = (pool, [x], eqn) => {
  const from = avalIn(eqn, 0).dtype;
  const to = avalOut(eqn).dtype;
  const width = (d: DType) => (d === "float32" ? 32 : iinfo(d).bits);
  if (isWide(from) || isWide(to) || from === "float64" || to === "float64" || width(from) !== width(to)) return null;
  return [from === to ? x! : pool.op("bitcast", to, [x!])];
};

/**
 * Threefry-2x32 (20 rounds) as a uint32 expression graph, as src/random/threefry.ts computes
 * it: ks = [k0, k1, k0 ^ k1 ^ 0x1BD11BDA]; x += ks[0..1]; five groups of four MIX rounds
 * (a += b; b = rotl(b, r) ^ a) each followed by a key injection.
 */
const threefry: Rule = (pool, [k0, k1, x0, x1]) => {
  const u = "uint32";
  const add = (a: Expr, b: Expr) => pool.op("add", u, [a, b]);
  const c = (v: number) => pool.constant(v >>> 0, u);
  const ks = [k0!, k1!, pool.op("xor", u, [pool.op("xor", u, [k0!, k1!]), c(0x1bd11bda)])];
  const rotations = [
    [13, 15, 26, 6],
    [17, 29, 16, 24],
  ];
  let a = add(x0!, ks[0]!);
  let b = add(x1!, ks[1]!);
  for (let i = 0; i < 5; i++) {
    for (const r of rotations[i & 1]!) {
      a = add(a, b);
      b = pool.op("xor", u, [pool.op("rotl", u, [b], r), a]);
    }
    a = add(a, ks[(i + 1) % 3]!);
    b = add(add(b, ks[(i + 2) % 3]!), c(i + 1));
  }
  return [a, b];
};

const iota: Rule = (pool, _args, eqn) => {
  const { shape, dimension, dtype } = eqn.params as { shape: number[]; dimension: number; dtype: DType };
  const s = shape.map((n, i) => (i === dimension && n !== 1 ? 1 : 0));
  return [pool.index({ off: 0, s }, dtype)];
};

// ---- layout ----

function remapWith(pool: ExprPool, x: Expr, maps: AxisMap[], rank: number): Expr | null {
  return remapExpr(pool, x, (a) => mapAffine(a, maps, rank));
}

const id = (from: number): AxisMap => ({ from, scale: 1, add: 0 });
const constant0: AxisMap = { from: -1, scale: 0, add: 0 };

const broadcastInDim: Rule = (pool, [x], eqn) => {
  const bd = eqn.params["broadcastDimensions"] as number[];
  const xs = avalIn(eqn, 0).shape;
  const maps = xs.map((n, d) => (n === 1 ? constant0 : id(bd[d]!)));
  const r = remapWith(pool, x!, maps, avalOut(eqn).ndim);
  return r && [r];
};

const transpose: Rule = (pool, [x], eqn) => {
  const perm = eqn.params["permutation"] as number[];
  const maps = new Array<AxisMap>(perm.length);
  perm.forEach((old, i) => (maps[old] = id(i)));
  const r = remapWith(pool, x!, maps, perm.length);
  return r && [r];
};

const reshape: Rule = (pool, [x], eqn) => {
  const from = avalIn(eqn, 0).shape;
  const to = avalOut(eqn).shape;
  const r = remapExpr(pool, x!, (a) => reshapeAffine(a, from, to));
  return r && [r];
};

const squeeze: Rule = (pool, [x], eqn) => {
  const dims = eqn.params["dimensions"] as number[];
  let k = 0;
  const maps = avalIn(eqn, 0).shape.map((_, d) => (dims.includes(d) ? constant0 : id(k++)));
  const r = remapWith(pool, x!, maps, avalOut(eqn).ndim);
  return r && [r];
};

const expandDims: Rule = (pool, [x], eqn) => {
  const dims = eqn.params["dimensions"] as number[];
  const rank = avalOut(eqn).ndim;
  const kept = Array.from({ length: rank }, (_, i) => i).filter((i) => !dims.includes(i));
  const r = remapWith(pool, x!, kept.map(id), rank);
  return r && [r];
};

const rev: Rule = (pool, [x], eqn) => {
  const dims = eqn.params["dimensions"] as number[];
  const xs = avalIn(eqn, 0).shape;
  const maps = xs.map((n, d) => (dims.includes(d) ? { from: d, scale: -1, add: n - 1 } : id(d)));
  const r = remapWith(pool, x!, maps, xs.length);
  return r && [r];
};

const slice: Rule = (pool, [x], eqn) => {
  const start = eqn.params["startIndices"] as number[];
  const strides = eqn.params["strides"] as number[] | null;
  const maps = start.map((s, d) => ({ from: d, scale: strides?.[d] ?? 1, add: s }));
  const r = remapWith(pool, x!, maps, start.length);
  return r && [r];
};

/** Marks every load of `e` as possibly outside its buffer (the code clamps such addresses). */
function guarded(pool: ExprPool, e: Expr): Expr {
  return remapExpr(pool, e, (a) => a, true)!;
}

function axisRange(rank: number, axis: number): Affine {
  return { off: 0, s: Array.from({ length: rank }, (_, i) => (i === axis ? 1 : 0)) };
}

/** pad without interior padding: select(lo_d ≤ i_d < lo_d + n_d for all d, x[i − lo], value); with it, see padInterior. */
const pad: Rule = (pool, [x, pv], eqn) => {
  const config = eqn.params["paddingConfig"] as [number, number, number][];
  const out = avalOut(eqn);
  const xs = avalIn(eqn, 0).shape;
  const value = scalarTo(pool, pv!, out.ndim);
  if (config.some(([, , interior]) => interior !== 0)) return padInterior(pool, [x!, pv!], eqn);
  if (avalIn(eqn, 0).size === 0 || out.size === 0) return [value];
  const moved = remapWith(pool, x!, config.map(([lo], d) => ({ from: d, scale: 1, add: -lo })), out.ndim);
  if (moved === null) return null;
  let cond: Expr | null = null;
  config.forEach(([lo], d) => {
    if (lo <= 0 && lo + xs[d]! >= out.shape[d]!) return;
    const c = pool.inRange(axisRange(out.ndim, d), lo, lo + xs[d]!);
    cond = cond === null ? c : pool.op("and", "bool", [cond, c]);
  });
  return [cond === null ? moved : pool.op("select", out.dtype, [cond, guarded(pool, moved), value])];
};

const concatenate: Rule = (pool, args, eqn) => {
  const dim = eqn.params["dimension"] as number;
  const out = avalOut(eqn);
  const parts: [Expr, number, number][] = [];
  let off = 0;
  for (let k = 0; k < args.length; k++) {
    const n = avalIn(eqn, k).shape[dim]!;
    if (n > 0) {
      const maps = out.shape.map((_, d) => (d === dim ? { from: d, scale: 1, add: -off } : id(d)));
      const m = remapWith(pool, args[k]!, maps, out.ndim);
      if (m === null) return null;
      parts.push([m, off, off + n]);
    }
    off += n;
  }
  if (parts.length === 0) return [pool.constant(0, out.dtype)];
  let r = parts[parts.length - 1]![0];
  if (parts.length > 1) r = guarded(pool, r);
  for (let k = parts.length - 2; k >= 0; k--) {
    const [e, lo, hi] = parts[k]!;
    r = pool.op("select", out.dtype, [pool.inRange(axisRange(out.ndim, dim), lo, hi), guarded(pool, e), r]);
  }
  return [r];
};

// ---- reductions ----

function lowest(d: DType): number {
  return isFloat(d) ? -Infinity : isBool(d) ? 0 : iinfo(d).min;
}
function highest(d: DType): number {
  return isFloat(d) ? Infinity : isBool(d) ? 1 : iinfo(d).max;
}

/** The identity element of a reduction (the reference's initial accumulator). */
export function reduceInit(op: ReduceOp, d: DType): number {
  switch (op) {
    case "sum":
    case "or":
      return 0;
    case "prod":
      return 1;
    case "max":
      return storedValue(lowest(d), d);
    case "min":
      return storedValue(highest(d), d);
    case "and":
      return storedValue(isBool(d) ? 1 : -1, d);
    default:
      return 0;
  }
}

const reduce = (op: ReduceOp): Rule => (pool, [x], eqn) => {
  const axes = [...(eqn.params["axes"] as number[])].sort((a, b) => a - b);
  const xa = avalIn(eqn, 0);
  const d = avalOut(eqn).dtype;
  if ((op === "and" || op === "or") && isWide(xa.dtype)) return null;
  const realOp: ReduceOp = op === "sum" && isBool(d) ? "or" : op;
  const kept = xa.shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const rshape = axes.map((a) => xa.shape[a]!);
  if (rshape.some((n) => n === 0)) return [pool.constant(reduceInit(realOp, d), d)];
  if (axes.length === 0 && realOp !== "argmax" && realOp !== "argmin") return [x!];
  const maps = xa.shape.map((_, i) => (kept.includes(i) ? id(kept.indexOf(i)) : id(kept.length + axes.indexOf(i))));
  const body = remapWith(pool, x!, maps, xa.ndim);
  return body && [pool.reduce(realOp, d, body, rshape)];
};

// ---- the table ----

const EW: Record<string, Rule> = {
  neg: unary("neg"), sign: unary("sign"), floor: unary("floor"), ceil: unary("ceil"), round: unary("round"),
  abs: unary("abs"), sqrt: unary("sqrt"), rsqrt: unary("rsqrt"), is_finite: unary("is_finite"),
  sub: binary("sub"), div: binary("div"), rem: binary("rem"), max: binary("max"), min: binary("min"),
  nextafter: binary("nextafter"),
  add: (pool, args, eqn) => [pool.op(isBool(avalOut(eqn).dtype) ? "or" : "add", avalOut(eqn).dtype, args)],
  add_any: (pool, args, eqn) => [pool.op(isBool(avalOut(eqn).dtype) ? "or" : "add", avalOut(eqn).dtype, args)],
  mul: (pool, args, eqn) => [pool.op(isBool(avalOut(eqn).dtype) ? "and" : "mul", avalOut(eqn).dtype, args)],
  integer_pow: integerPow,
  exp: math("exp"), exp2: math("exp2"), log: math("log"), log1p: math("log1p"), expm1: math("expm1"),
  cbrt: math("cbrt"), sin: math("sin"), cos: math("cos"), tan: math("tan"), asin: math("asin"),
  acos: math("acos"), atan: math("atan"), atan2: math("atan2"), sinh: math("sinh"), cosh: math("cosh"),
  tanh: math("tanh"), asinh: math("asinh"), acosh: math("acosh"), atanh: math("atanh"),
  logistic: math("logistic"), pow: math("pow"),
  erf: libraryMath("erf"), erfc: libraryMath("erfc"), erf_inv: libraryMath("erf_inv"), lgamma: libraryMath("lgamma"),
  digamma: libraryMath("digamma"),
  and: bitwise("and"), or: bitwise("or"), xor: bitwise("xor"),
  not: (pool, [x], eqn) => {
    const d = avalOut(eqn).dtype;
    if (isWide(d)) return null;
    return [isBool(d) ? pool.op("xor", d, [x!, pool.constant(1, d)]) : pool.op("not", d, [x!])];
  },
  shift_left: bitwise("shl"), shift_right_logical: bitwise("shr_l"), shift_right_arithmetic: bitwise("shr_a"),
  population_count: bitwise("popcnt"),
  eq: binary("eq"), ne: binary("ne"), lt: binary("lt"), le: binary("le"), gt: binary("gt"), ge: binary("ge"),
  select_n: selectN, clamp, convert_element_type: convert, bitcast_convert_type: bitcast,
  stop_gradient: (_pool, [x]) => [x!],
  threefry2x32: threefry,
};

const LAYOUT: Record<string, Rule> = {
  iota, broadcast_in_dim: broadcastInDim, transpose, reshape, squeeze, expand_dims: expandDims, rev, slice, pad,
  concatenate,
};

const REDUCE: Record<string, Rule> = {
  reduce_sum: reduce("sum"), reduce_max: reduce("max"), reduce_min: reduce("min"), reduce_prod: reduce("prod"),
  reduce_and: reduce("and"), reduce_or: reduce("or"), argmax: reduce("argmax"), argmin: reduce("argmin"),
};

/** The class of a primitive the compiler can fuse, or null for one the backend runs. */
export function eqnClass(eqn: JaxprEqn): EqnClass | null {
  const n = eqn.primitive.name;
  if (n in EW) return "ew";
  if (n in LAYOUT) return "layout";
  if (n in REDUCE) return "reduce";
  if (n in INDEXING) return "gather";
  return null;
}

/** Lowers one equation, or returns null (see the header). */
export function lowerEqn(pool: ExprPool, eqn: JaxprEqn, args: Expr[]): Expr[] | null {
  const n = eqn.primitive.name;
  const ew = EW[n];
  if (ew) {
    // Rank-0 operands of elementwise ops broadcast (XLA's implicit scalar broadcasting).
    const rank = avalOut(eqn).ndim;
    return ew(pool, args.map((a, i) => (avalIn(eqn, i).ndim < rank ? scalarTo(pool, a, rank) : a)), eqn);
  }
  const rule = LAYOUT[n] ?? REDUCE[n] ?? INDEXING[n];
  return rule ? rule(pool, args, eqn) : null;
}

/** True when layout op `eqn` reads some operand element more than once (broadcast, pad, concatenate). */
export function replicates(eqn: JaxprEqn): boolean {
  const n = eqn.primitive.name;
  if (n === "broadcast_in_dim") return avalOut(eqn).size > avalIn(eqn, 0).size;
  return n === "pad" || n === "concatenate";
}
