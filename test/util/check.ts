// Test oracles shared by the test suite: `checkGrads` (numerical gradient checks like
// jax.test_util.check_grads: central differences along random directions, forward mode through
// jvp and reverse mode through vjp, orders above 1 by recursion on jvp/vjp) and
// `expectAllClose` (elementwise closeness with JAX's default tolerances per dtype).
import { jvp, vjp, numpy as jnp, lax, tree, isArray } from "../../src/index.js";
import type { Array as JaxArray, DType } from "../../src/index.js";
import { rng } from "./laws.js";

export type Mode = "fwd" | "rev";

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

export interface CheckGradsOptions extends Tolerance {
  modes?: Mode[];
  /**
   * Step of the central differences. Default: JAX's EPS (1e-4) when an argument is float64, and
   * 1e-3 for float32 arguments, where a step of 1e-4 leaves rounding noise of order
   * 2⁻²⁴/1e-4 ≈ 6e-4 (relative) in every difference, too close to the 2e-3 tolerance at order 2.
   */
  eps?: number;
  /** Seed of the random directions. */
  seed?: number;
}

// JAX's default tolerances (jax._src.public_test_util): values and gradients, per dtype.
const VALUE_TOL: Partial<Record<DType, number>> = { float32: 1e-6, float64: 1e-15 };
const GRAD_TOL: Partial<Record<DType, number>> = { float32: 2e-3, float64: 1e-5 };

const isFloatDType = (d: DType): boolean => d === "float32" || d === "float64";

// ---- host views of pytrees of arrays ----

interface HostLeaf {
  shape: number[];
  dtype: DType;
  data: Float64Array;
}

function toLeafArray(x: unknown): JaxArray {
  if (isArray(x)) return x;
  if (typeof x === "number" || typeof x === "boolean") return jnp.array(x);
  throw new TypeError(`checkGrads: leaves must be Arrays or numbers, got ${typeof x}`);
}

function hostLeaves(t: unknown): HostLeaf[] {
  return tree.leaves(t).map((l) => {
    const a = toLeafArray(l);
    return { shape: a.shape, dtype: a.dtype, data: Float64Array.from(a.dataSync(), Number) };
  });
}

/** Builds an array of `like`'s shape and dtype from float64 values (rounded to the dtype). */
function arrayLike(like: JaxArray, values: Float64Array): JaxArray {
  return lax.reshape(jnp.array(values, { dtype: like.dtype }), like.shape);
}

// ---- a seeded normal generator (mulberry32 + Box–Muller) ----

function normalRng(seed: number): () => number {
  const uniform = rng(seed);
  return () => {
    const u = 1 - uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

/** A pytree like `t` with standard normal entries in its float leaves and zeros elsewhere. */
function randLike(rng: () => number, t: unknown): unknown {
  return tree.map((l: unknown) => {
    const a = toLeafArray(l);
    const v = new Float64Array(a.size);
    if (isFloatDType(a.dtype)) for (let i = 0; i < v.length; i++) v[i] = rng();
    return arrayLike(a, v);
  }, t);
}

/** x + s·y leafwise on float leaves (other leaves pass through). */
function axpy(s: number, y: unknown, x: unknown): unknown {
  return tree.map((xl: unknown, yl: unknown) => {
    const a = toLeafArray(xl);
    if (!isFloatDType(a.dtype)) return a;
    const xa = Float64Array.from(a.dataSync(), Number);
    const ya = toLeafArray(yl).dataSync();
    for (let i = 0; i < xa.length; i++) xa[i] = xa[i]! + s * Number(ya[i]);
    return arrayLike(a, xa);
  }, x, y);
}

function innerProd(a: unknown, b: unknown): number {
  const la = hostLeaves(a);
  const lb = hostLeaves(b);
  if (la.length !== lb.length) throw new Error(`innerProd: ${la.length} leaves vs ${lb.length}`);
  let s = 0;
  la.forEach((x, i) => {
    if (!isFloatDType(x.dtype)) return;
    const y = lb[i]!.data;
    for (let j = 0; j < x.data.length; j++) s += x.data[j]! * y[j]!;
  });
  return s;
}

/** The directional derivative of f at args along `tangent` by central differences. */
function numericalJvp(f: (...a: any[]) => unknown, args: unknown[], tangent: unknown[], eps: number): unknown {
  const fPos = f(...(axpy(eps, tangent, args) as unknown[]));
  const fNeg = f(...(axpy(-eps, tangent, args) as unknown[]));
  return tree.map((p: unknown, n: unknown) => {
    const pa = toLeafArray(p);
    const pv = pa.dataSync();
    const nv = toLeafArray(n).dataSync();
    const d = new Float64Array(pv.length);
    for (let i = 0; i < d.length; i++) d[i] = (Number(pv[i]) - Number(nv[i])) * (0.5 / eps);
    return arrayLike(pa, d);
  }, fPos, fNeg);
}

// ---- closeness ----

type Shaped = { shape: number[] | null; data: ArrayLike<number>; dtype: DType | null };

function nestedShape(x: unknown): number[] {
  const shape: number[] = [];
  let cur = x;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
}

function toShaped(x: unknown): Shaped {
  if (isArray(x)) return { shape: x.shape, data: x.dataSync(), dtype: x.dtype };
  if (typeof x === "number" || typeof x === "boolean") return { shape: [], data: [Number(x)], dtype: null };
  if (ArrayBuffer.isView(x)) return { shape: null, data: x as unknown as ArrayLike<number>, dtype: null };
  if (Array.isArray(x)) {
    const flat = (x as unknown[]).flat(Infinity).map((v) => (isArray(v) ? Number(v.item()) : Number(v)));
    return { shape: nestedShape(x), data: flat, dtype: null };
  }
  throw new TypeError(`expectAllClose: cannot compare a value of type ${typeof x}`);
}

function defaultTol(table: Partial<Record<DType, number>>, ...ds: (DType | null)[]): number {
  return Math.max(0, ...ds.map((d) => (d === null ? 0 : (table[d] ?? 0))));
}

/**
 * Asserts |actual − expected| ≤ atol + rtol·|expected| elementwise (NaNs and infinities must
 * match exactly), and equal shapes where both sides have one (a typed array is flat and only its
 * size is compared). Default tolerances are JAX's for the dtypes involved (exact for ints/bools).
 */
export function expectAllClose(actual: unknown, expected: unknown, opts: Tolerance & { msg?: string } = {}): void {
  const a = toShaped(actual);
  const e = toShaped(expected);
  const where = opts.msg ? `${opts.msg}: ` : "";
  if (a.shape !== null && e.shape !== null && a.shape.join() !== e.shape.join()) {
    throw new Error(`${where}shape mismatch: actual [${a.shape}] vs expected [${e.shape}]`);
  }
  if (a.data.length !== e.data.length) {
    throw new Error(`${where}size mismatch: actual ${a.data.length} vs expected ${e.data.length}`);
  }
  const atol = opts.atol ?? defaultTol(VALUE_TOL, a.dtype, e.dtype);
  const rtol = opts.rtol ?? defaultTol(VALUE_TOL, a.dtype, e.dtype);
  const bad: string[] = [];
  for (let i = 0; i < a.data.length; i++) {
    const x = Number(a.data[i]);
    const y = Number(e.data[i]);
    const ok =
      Number.isNaN(y) ? Number.isNaN(x) : !Number.isFinite(y) ? x === y : Math.abs(x - y) <= atol + rtol * Math.abs(y);
    if (!ok && bad.length < 8) bad.push(`[${i}] actual ${x} expected ${y} (diff ${Math.abs(x - y)})`);
    if (!ok && bad.length === 8) bad.push("...");
  }
  if (bad.length) throw new Error(`${where}not close (atol=${atol}, rtol=${rtol}):\n  ${bad.join("\n  ")}`);
}

/** Leafwise closeness of two pytrees with JAX's check_close scaling (tolerance × leaf size). */
function checkClose(xs: unknown, ys: unknown, tol: Tolerance, table: Partial<Record<DType, number>>, what: string): void {
  const a = hostLeaves(xs);
  const b = hostLeaves(ys);
  if (a.length !== b.length) throw new Error(`${what}: ${a.length} leaves vs ${b.length} leaves`);
  a.forEach((x, i) => {
    const y = b[i]!;
    const atol = tol.atol ?? defaultTol(table, x.dtype, y.dtype);
    const rtol = tol.rtol ?? defaultTol(table, x.dtype, y.dtype);
    const n = Math.max(1, x.data.length);
    expectAllClose(x.data, y.data, { atol: atol * n, rtol: rtol * n, msg: `${what} (leaf ${i})` });
  });
}

// ---- the checks ----

type Fn = (...args: any[]) => unknown;

function checkJvp(f: Fn, args: unknown[], opts: CheckGradsOptions, eps: number, what: string): void {
  const rng = normalRng(opts.seed ?? 0);
  const tangent = randLike(rng, args) as unknown[];
  const [vOut, tOut] = jvp(f, args, tangent);
  checkClose(vOut, f(...args), opts, GRAD_TOL, `${what}: jvp primal output`);
  checkClose(tOut, numericalJvp(f, args, tangent, eps), opts, GRAD_TOL, `${what}: jvp tangent vs central differences`);
}

function checkVjp(f: Fn, args: unknown[], opts: CheckGradsOptions, eps: number, what: string): void {
  const rng = normalRng((opts.seed ?? 0) + 1);
  const [vOut, vjpFun] = vjp(f, ...args);
  checkClose(vOut, f(...args), opts, GRAD_TOL, `${what}: vjp primal output`);
  const tangent = randLike(rng, args) as unknown[];
  const tangentOut = numericalJvp(f, args, tangent, eps);
  const cotangent = randLike(rng, vOut);
  const cotangentOut = vjpFun(cotangent);
  // ⟨t, Jᵀc⟩ must equal ⟨J t, c⟩ with J t from central differences.
  const ip = innerProd(tangent, cotangentOut);
  const ipExpected = innerProd(tangentOut, cotangent);
  const dtype = hostLeaves(vOut).find((l) => isFloatDType(l.dtype))?.dtype ?? "float32";
  const atol = opts.atol ?? GRAD_TOL[dtype]!;
  const rtol = opts.rtol ?? GRAD_TOL[dtype]!;
  expectAllClose(ip, ipExpected, { atol, rtol, msg: `${what}: vjp inner product ⟨t, Jᵀc⟩ vs ⟨J t, c⟩` });
}

/**
 * Checks the derivatives of `f` at `args` (a list of pytrees of arrays) against central
 * differences, in forward mode (jvp) and reverse mode (vjp), up to `order`. Order 2 checks the
 * jvp of `(primals, tangents) => jvp(f, primals, tangents)` and of `(...args) => vjpFun(out)`,
 * as jax.test_util.check_grads does. Tolerances default to JAX's gradient tolerances
 * (float32 2e-3, float64 1e-5), scaled by each leaf's size; see `eps` for the default step.
 */
export function checkGrads(f: Fn, args: unknown[], order: number, opts: CheckGradsOptions = {}): void {
  const modes = opts.modes ?? ["fwd", "rev"];
  const eps = opts.eps ?? (hostLeaves(args).some((l) => l.dtype === "float64") ? 1e-4 : 1e-3);
  const rec = (g: Fn, gArgs: unknown[], k: number, what: string): void => {
    if (modes.includes("fwd")) {
      const w = `${what} fwd`;
      checkJvp(g, gArgs, opts, eps, w);
      if (k > 1) rec((ps: unknown[], ts: unknown[]) => jvp(g, ps, ts), [gArgs, gArgs], k - 1, `${w}∘`);
    }
    if (modes.includes("rev")) {
      const w = `${what} rev`;
      checkVjp(g, gArgs, opts, eps, w);
      if (k > 1) {
        const gVjp = (...xs: unknown[]) => {
          const [out, pullback] = vjp(g, ...xs);
          return pullback(out);
        };
        rec(gVjp, gArgs, k - 1, `${w}∘`);
      }
    }
  };
  rec(f, args, order, `order ${order}`);
}
