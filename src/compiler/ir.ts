// The kernel IR: scalar expressions over the index space of a kernel's output. Every leaf that
// depends on the position carries an affine map `off + Σ i_d·s_d` of the loop indices, which
// layout ops (broadcast, transpose, slice, rev, reshape, pad, concatenate) rewrite instead of
// moving data (as tinygrad's ShapeTracker does). Nodes are hash-consed by an ExprPool, so
// structurally equal expressions are one object: sharing is common-subexpression elimination,
// and a node's structural key is also the key of the compiled-kernel cache.
import { type DType, typedArrayFor } from "../core/dtypes.js";
import type { Var } from "../ir/jaxpr.js";

/** Inputs + outputs of one kernel (its call has two more arguments: start and end). */
export const MAX_BUFFERS = 14;

/** off + Σ_d i_d · s[d] over the loop indices i of the expression's index space. */
export interface Affine {
  readonly off: number;
  readonly s: readonly number[];
}

/** Elementwise ops of the IR; each acts on operands of the node's dtype unless noted. */
export type OpName =
  // arithmetic
  | "neg" | "abs" | "sign" | "floor" | "ceil" | "round" | "round_even" | "sqrt" | "rsqrt"
  | "add" | "sub" | "mul" | "div" | "rem" | "max" | "min" | "ipow" | "nextafter"
  // bitwise (integers and bool)
  | "not" | "and" | "or" | "xor" | "shl" | "shr_l" | "shr_a" | "popcnt" | "rotl"
  // comparisons (operands of args[0].dtype, result bool) and predicates
  | "eq" | "ne" | "lt" | "le" | "gt" | "ge" | "is_finite"
  // select(pred: bool, onTrue, onFalse)
  | "select"
  // conversions from args[0].dtype: value-preserving cast (C semantics) and same-width bitcast
  | "cvt" | "bitcast"
  // transcendental functions evaluated in float64 (JS Math.<fn>, or a composite of it)
  | "math";

export type ReduceOp = "sum" | "prod" | "max" | "min" | "and" | "or" | "argmax" | "argmin";

/** Facts about a node's whole expression, kept on the node so the planner never re-walks it. */
export interface Meta {
  /** The buffers it reads. */
  readonly loads: readonly Var[];
  /** The reduction shapes (comma-joined) of the reduce nodes in it. */
  readonly rkeys: readonly string[];
  /** Node count, counting shared subexpressions once per use (an upper bound), capped. */
  readonly size: number;
}

interface Base {
  /** Dense id within the pool; also the node's identity. */
  readonly id: number;
  readonly dtype: DType;
  readonly meta: Meta;
}
/**
 * A materialized buffer read at an affine element offset. A guarded load may be evaluated at
 * offsets outside the buffer (in the discarded branch of pad/concatenate selects), so its
 * address is clamped into the buffer.
 */
export interface LoadExpr extends Base {
  readonly kind: "load";
  readonly src: Var;
  readonly aff: Affine;
  readonly guard: boolean;
}
/**
 * A data-dependent load: buffer `src` at element offset aff(i) + dyn(i), where dyn is an int32
 * expression over the same index space (gather's and dynamic_slice's clamped start indices
 * times the operand's strides, so the address is inside the buffer by construction). Guarded
 * as a LoadExpr (dynamic_update_slice reads its update outside the window).
 */
export interface GatherExpr extends Base {
  readonly kind: "gather";
  readonly src: Var;
  readonly aff: Affine;
  readonly dyn: Expr;
  readonly guard: boolean;
}
export interface ConstExpr extends Base {
  readonly kind: "const";
  /** The value as the dtype stores it (already rounded or wrapped). */
  readonly value: number;
}
/** The integer value of an affine map (iota), converted to the dtype. */
export interface IndexExpr extends Base {
  readonly kind: "index";
  readonly aff: Affine;
}
/** bool: lo <= aff < hi (the valid region of pad and concatenate operands). */
export interface InRangeExpr extends Base {
  readonly kind: "inrange";
  readonly aff: Affine;
  readonly lo: number;
  readonly hi: number;
}
export interface OpExpr extends Base {
  readonly kind: "op";
  readonly op: OpName;
  readonly args: readonly Expr[];
  /** Integer immediate (integer_pow's exponent, rotl's amount). */
  readonly imm: number;
  /** Function name of a "math" op. */
  readonly fn: string;
}
/**
 * A reduction over trailing axes `rshape` appended to the node's own index space: the body
 * lives in the space [own axes..., rshape...]. argmax/argmin yield the index along the single
 * reduced axis (the node's dtype is the index dtype).
 */
export interface ReduceExpr extends Base {
  readonly kind: "reduce";
  readonly op: ReduceOp;
  readonly body: Expr;
  readonly rshape: readonly number[];
}

export type Expr = LoadExpr | GatherExpr | ConstExpr | IndexExpr | InRangeExpr | OpExpr | ReduceExpr;

/** A value as a buffer of the dtype stores it (floats rounded, integers wrapped). */
export function storedValue(v: number, d: DType): number {
  const t = typedArrayFor(d, 1);
  t[0] = v;
  return t[0]!;
}

const affKey = (a: Affine): string => `${a.off}:${a.s.join(",")}`;

const LEAF_META: Meta = { loads: [], rkeys: [], size: 1 };
const MAX_SIZE = 1e9;

/** The union of the children's metas (reusing a child's arrays when it already has everything). */
function joinMeta(args: readonly Expr[]): Meta {
  let loads = args[0]?.meta.loads ?? [];
  let rkeys = args[0]?.meta.rkeys ?? [];
  let size = 1;
  for (const a of args) {
    const m = a.meta;
    if (m.loads !== loads && m.loads.some((v) => !loads.includes(v))) loads = [...new Set([...loads, ...m.loads])];
    if (m.rkeys !== rkeys && m.rkeys.some((k) => !rkeys.includes(k))) rkeys = [...new Set([...rkeys, ...m.rkeys])];
    size = Math.min(MAX_SIZE, size + m.size);
  }
  return { loads, rkeys, size };
}

/** Hash-conses expressions: building a node equal to an existing one returns the existing one. */
export class ExprPool {
  private readonly table = new Map<string, Expr>();
  private readonly varIds = new Map<Var, number>();
  private next = 0;

  private intern<E extends Expr>(key: string, make: (id: number) => E): E {
    let e = this.table.get(key);
    if (e === undefined) {
      e = make(this.next++);
      this.table.set(key, e);
    }
    return e as E;
  }

  private varId(v: Var): number {
    let id = this.varIds.get(v);
    if (id === undefined) this.varIds.set(v, (id = this.varIds.size));
    return id;
  }

  load(src: Var, aff: Affine, guard = false): LoadExpr {
    const dtype = src.aval.dtype;
    const meta: Meta = { loads: [src], rkeys: [], size: 1 };
    return this.intern(`L${this.varId(src)}|${guard ? "g" : ""}|${affKey(aff)}`, (id) => ({ kind: "load", id, dtype, meta, src, aff, guard }));
  }
  gather(src: Var, aff: Affine, dyn: Expr, guard = false): GatherExpr {
    const dtype = src.aval.dtype;
    const m = dyn.meta;
    const meta: Meta = { loads: m.loads.includes(src) ? m.loads : [...m.loads, src], rkeys: m.rkeys, size: Math.min(MAX_SIZE, m.size + 1) };
    const key = `G${this.varId(src)}|${guard ? "g" : ""}|${affKey(aff)}|${dyn.id}`;
    return this.intern(key, (id) => ({ kind: "gather", id, dtype, meta, src, aff, dyn, guard }));
  }
  constant(value: number, dtype: DType): ConstExpr {
    // Object.is keeps -0 and 0 apart; NaN has one key.
    const v = Object.is(value, -0) ? "-0" : String(value);
    return this.intern(`C${v}|${dtype}`, (id) => ({ kind: "const", id, dtype, meta: LEAF_META, value }));
  }
  index(aff: Affine, dtype: DType): IndexExpr {
    return this.intern(`I${dtype}|${affKey(aff)}`, (id) => ({ kind: "index", id, dtype, meta: LEAF_META, aff }));
  }
  inRange(aff: Affine, lo: number, hi: number): InRangeExpr {
    return this.intern(`R${lo}|${hi}|${affKey(aff)}`, (id) => ({ kind: "inrange", id, dtype: "bool", meta: LEAF_META, aff, lo, hi }));
  }
  op(op: OpName, dtype: DType, args: readonly Expr[], imm = 0, fn = ""): OpExpr {
    const key = `O${op}|${dtype}|${imm}|${fn}|${args.map((a) => a.id).join(",")}`;
    return this.intern(key, (id) => ({ kind: "op", id, dtype, meta: joinMeta(args), op, args, imm, fn }));
  }
  reduce(op: ReduceOp, dtype: DType, body: Expr, rshape: readonly number[]): ReduceExpr {
    const k = rshape.join(",");
    const m = body.meta;
    const meta: Meta = { loads: m.loads, rkeys: m.rkeys.includes(k) ? m.rkeys : [...m.rkeys, k], size: m.size + 1 };
    return this.intern(`D${op}|${dtype}|${body.id}|${k}`, (id) => ({ kind: "reduce", id, dtype, meta, op, body, rshape }));
  }
}

/** Children of a node (a reduce's body and a gather's offset count as children). */
export function children(e: Expr): readonly Expr[] {
  return e.kind === "op" ? e.args : e.kind === "reduce" ? [e.body] : e.kind === "gather" ? [e.dyn] : [];
}

/**
 * Every node reachable from `roots`, children before parents, each once; the search does not
 * descend below nodes for which `stop` holds (they are included). Iterative, so arbitrarily
 * deep expressions (long unrolled chains) do not exhaust the stack.
 */
export function topoOrder(roots: readonly Expr[], stop?: (e: Expr) => boolean): Expr[] {
  const seen = new Set<Expr>();
  const out: Expr[] = [];
  const stack: [Expr, number][] = [];
  for (const root of roots) {
    if (seen.has(root)) continue;
    seen.add(root);
    stack.push([root, 0]);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      const [e, i] = top;
      const cs = stop?.(e) ? [] : children(e);
      if (i < cs.length) {
        top[1] = i + 1;
        const c = cs[i]!;
        if (!seen.has(c)) {
          seen.add(c);
          stack.push([c, 0]);
        }
      } else {
        stack.pop();
        out.push(e);
      }
    }
  }
  return out;
}


// ---- affine maps --------------------------------------------------------------------------

/** Row-major strides of a shape (the identity map of a dense buffer). */
export function denseAffine(shape: readonly number[]): Affine {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = shape[i] === 1 ? 0 : acc;
    acc *= shape[i]!;
  }
  return { off: 0, s };
}

/**
 * How an old (operand) axis d is computed from the new (result) index: i_old[d] =
 * scale · i_new[from] + add, or the constant `add` when from = -1.
 */
export interface AxisMap {
  readonly from: number;
  readonly scale: number;
  readonly add: number;
}

/** Substitutes per-axis maps into an affine map of the old index space. */
export function mapAffine(a: Affine, maps: readonly AxisMap[], newRank: number): Affine {
  const s = new Array<number>(newRank).fill(0);
  let off = a.off;
  maps.forEach((m, d) => {
    const sd = a.s[d]!;
    if (sd === 0) return;
    off += sd * m.add;
    if (m.from >= 0) s[m.from] += sd * m.scale;
  });
  return { off, s };
}

/**
 * The affine map of a reshape of the index space from `oldShape` to `newShape`, or null when
 * the map is not affine in the new index. Axes are grouped into blocks of equal size
 * products; inside a block the old axes must be contiguous (s[k] = s[k+1]·n[k+1]) so that the
 * block is one linear counter, which the new axes of the block then split.
 */
export function reshapeAffine(a: Affine, oldShape: readonly number[], newShape: readonly number[]): Affine | null {
  const s = new Array<number>(newShape.length).fill(0);
  if (oldShape.some((d) => d === 0)) return { off: a.off, s };
  const old = oldShape.map((_, i) => i).filter((i) => oldShape[i] !== 1);
  let i = 0;
  let j = 0;
  const nextNew = (): number => {
    while (j < newShape.length && newShape[j] === 1) j++;
    return j < newShape.length ? j++ : -1;
  };
  while (i < old.length) {
    const blockOld = [old[i++]!];
    const first = nextNew();
    if (first < 0) return null;
    const blockNew = [first];
    let po = oldShape[blockOld[0]!]!;
    let pn = newShape[first]!;
    while (po !== pn) {
      if (po < pn) {
        if (i >= old.length) return null;
        blockOld.push(old[i]!);
        po *= oldShape[old[i++]!]!;
      } else {
        const n = nextNew();
        if (n < 0) return null;
        blockNew.push(n);
        pn *= newShape[n]!;
      }
    }
    for (let k = 0; k + 1 < blockOld.length; k++) {
      const [p, q] = [blockOld[k]!, blockOld[k + 1]!];
      if (a.s[p] !== a.s[q]! * oldShape[q]!) return null;
    }
    let st = a.s[blockOld[blockOld.length - 1]!]!;
    for (let k = blockNew.length - 1; k >= 0; k--) {
      s[blockNew[k]!] = st;
      st *= newShape[blockNew[k]!]!;
    }
  }
  return { off: a.off, s };
}

/**
 * Rewrites the leaves of `e` through `f` (a change of index space); `guard` marks the loads as
 * guarded. Returns null when some leaf cannot be rewritten (a reshape that is not affine for
 * it). A reduce node's body is rewritten on its leading (non-reduced) axes.
 */
export function remapExpr(pool: ExprPool, e: Expr, f: (a: Affine) => Affine | null, guard = false): Expr | null {
  const out = new Map<Expr, Expr>();
  for (const x of topoOrder([e])) {
    let r: Expr | null;
    switch (x.kind) {
      case "const":
        r = x;
        break;
      case "load": {
        const a = f(x.aff);
        r = a && pool.load(x.src, a, guard || x.guard);
        break;
      }
      case "gather": {
        const a = f(x.aff);
        r = a && pool.gather(x.src, a, out.get(x.dyn)!, guard || x.guard);
        break;
      }
      case "index": {
        const a = f(x.aff);
        r = a && pool.index(a, x.dtype);
        break;
      }
      case "inrange": {
        const a = f(x.aff);
        r = a && pool.inRange(a, x.lo, x.hi);
        break;
      }
      case "op":
        r = pool.op(x.op, x.dtype, x.args.map((c) => out.get(c)!), x.imm, x.fn);
        break;
      case "reduce": {
        // The body's index space has the reduced axes last: rewrite the leading axes only.
        const q = x.rshape.length;
        const fb = (a: Affine): Affine | null => {
          const n = a.s.length - q;
          const m = f({ off: a.off, s: a.s.slice(0, n) });
          return m && { off: m.off, s: [...m.s, ...a.s.slice(n)] };
        };
        const body = remapExpr(pool, x.body, fb, guard);
        r = body && pool.reduce(x.op, x.dtype, body, x.rshape);
      }
    }
    if (r === null) return null;
    out.set(x, r);
  }
  return out.get(e)!;
}

/** The distinct buffers expressions read. */
export function loadedVars(roots: readonly Expr[]): Var[] {
  const vs = new Set<Var>();
  for (const r of roots) for (const v of r.meta.loads) vs.add(v);
  return [...vs];
}
