// Helpers for the transformation tests (test/transforms): closeness of pytrees of arrays, seeded
// random arrays and shapes for fast-check, stacking/unstacking along axis 0 (the loop oracle for
// vmap), float64 inner products and central differences, and a library of small composite
// functions built from the available ops that every law is checked on.
import fc from "fast-check";
import { numpy as jnp, lax, tree, isArray, stopGradient } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";

export type Fn1 = (x: JArray) => JArray;

// ---- values and closeness ----------------------------------------------------------------------

/** The contents of an array (a JS number, or a typed array of host values) as float64 values. */
export function f64(x: unknown): Float64Array {
  if (typeof x === "number" || typeof x === "boolean") return Float64Array.of(Number(x));
  if (ArrayBuffer.isView(x)) return Float64Array.from(x as unknown as ArrayLike<number>);
  if (!isArray(x)) throw new TypeError(`expected an Array or number, got ${String(x)}`);
  return Float64Array.from(x.dataSync() as ArrayLike<number>);
}

function shapeOf(x: unknown): number[] {
  if (ArrayBuffer.isView(x)) return [(x as unknown as ArrayLike<number>).length];
  return isArray(x) ? x.shape : [];
}

export interface Tol {
  atol?: number;
  rtol?: number;
  /** Also require equal dtypes (arrays only). */
  dtype?: boolean;
}

/**
 * Throws unless two pytrees have the same structure and, leaf by leaf, the same shape and
 * |actual - expected| <= atol + rtol * |expected| elementwise (NaNs must match).
 */
export function assertClose(actual: unknown, expected: unknown, tol: Tol = {}, what = "value"): void {
  const atol = tol.atol ?? 1e-5;
  const rtol = tol.rtol ?? 1e-5;
  const [la, da] = tree.flatten(actual);
  const [le, de] = tree.flatten(expected);
  if (!da.equals(de)) throw new Error(`${what}: tree structure ${da} differs from expected ${de}`);
  la.forEach((a, k) => {
    const e = le[k];
    const sa = shapeOf(a).join(",");
    const se = shapeOf(e).join(",");
    if (sa !== se) throw new Error(`${what} (leaf ${k}): shape (${sa}) differs from expected (${se})`);
    if (tol.dtype && isArray(a) && isArray(e) && a.dtype !== e.dtype) {
      throw new Error(`${what} (leaf ${k}): dtype ${a.dtype} differs from expected ${e.dtype}`);
    }
    const va = f64(a);
    const ve = f64(e);
    for (let i = 0; i < va.length; i++) {
      const x = va[i]!;
      const y = ve[i]!;
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      if (!(Math.abs(x - y) <= atol + rtol * Math.abs(y))) {
        throw new Error(
          `${what} (leaf ${k}, shape (${sa})): element ${i} is ${x}, expected ${y} ` +
            `(atol ${atol}, rtol ${rtol})\nactual:   ${Array.from(va).join(", ")}\nexpected: ${Array.from(ve).join(", ")}`,
        );
      }
    }
  });
}

/** Σ a·b in float64. */
export function vdot(a: unknown, b: unknown): number {
  const x = f64(a);
  const y = f64(b);
  if (x.length !== y.length) throw new Error(`vdot: sizes ${x.length} and ${y.length} differ`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}

/** Σ |a|·|b| in float64: the scale against which the rounding error of vdot(a, b) is judged. */
export function absDot(a: unknown, b: unknown): number {
  const x = f64(a);
  const y = f64(b);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]! * y[i]!);
  return s;
}

// ---- random inputs -----------------------------------------------------------------------------

/** mulberry32: a small seeded generator, so that a fast-check seed determines the array contents. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A float32 array of `shape` with values uniform in [lo, hi) drawn from `seed`. */
export function randArray(shape: readonly number[], seed: number, lo = -1.5, hi = 1.5, dtype: "float32" | "float64" = "float32"): JArray {
  const r = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const data = dtype === "float32" ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = lo + (hi - lo) * r();
  return lax.reshape(jnp.array(data), [...shape]);
}

/** Shapes of rank 0 to `maxRank` with dimensions 1 to `maxDim`. */
export const shapeArb = (maxRank = 3, maxDim = 4): fc.Arbitrary<number[]> =>
  fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 0, maxLength: maxRank });

export const seedArb = fc.integer({ min: 1, max: 2 ** 31 - 1 });

// ---- stacking (the loop oracle of vmap) ----------------------------------------------------------

/** Stacks arrays of equal shape and dtype along a new leading axis (on the host). */
export function stack(xs: JArray[]): JArray {
  const first = xs[0]!;
  const parts = xs.map((x) => x.dataSync());
  const n = first.size;
  const out = new (parts[0]!.constructor as new (n: number) => Float32Array)(n * xs.length);
  parts.forEach((p, i) => out.set(p as Float32Array, i * n));
  return lax.reshape(jnp.array(out, { dtype: first.dtype }), [xs.length, ...first.shape]);
}

/** Stacks pytrees leaf by leaf. */
export function stackTrees(ts: unknown[]): unknown {
  const [leaves0, def] = tree.flatten(ts[0]);
  const cols = leaves0.map((_, k) => ts.map((t) => tree.leaves(t)[k] as JArray));
  return tree.unflatten(def, cols.map(stack));
}

/** The i-th slice along axis 0 (on the host). */
export function take0(x: JArray, i: number): JArray {
  const [n, ...rest] = x.shape;
  if (i < 0 || i >= n!) throw new RangeError(`take0: index ${i} out of range for axis of size ${n}`);
  const size = rest.reduce((a, b) => a * b, 1);
  const d = x.dataSync();
  const part = d.slice(i * size, (i + 1) * size);
  return lax.reshape(jnp.array(part, { dtype: x.dtype }), rest);
}

/** Moves axis `from` of x to position `to` (as jnp.moveaxis, via lax.transpose). */
export function moveAxis(x: JArray, from: number, to: number): JArray {
  const perm = x.shape.map((_, i) => i).filter((i) => i !== from);
  perm.splice(to, 0, from);
  return lax.transpose(x, perm);
}

// ---- numerical derivatives -------------------------------------------------------------------

/**
 * Central difference (f(x + eps·v) - f(x - eps·v)) / 2eps computed on float64 copies of x and v,
 * with f evaluated at float64 (call under jax_enable_x64 for a float64 oracle).
 */
export function numericalJvp(f: Fn1, x: JArray, v: JArray, eps = 1e-6): Float64Array {
  const xd = f64(x);
  const vd = f64(v);
  const at = (s: number) => {
    const d = new Float64Array(xd.length);
    for (let i = 0; i < d.length; i++) d[i] = xd[i]! + s * eps * vd[i]!;
    return f64(f(lax.reshape(jnp.array(d, { dtype: "float64" }), x.shape)));
  };
  const p = at(1);
  const m = at(-1);
  return p.map((pi, i) => (pi - m[i]!) / (2 * eps));
}

// ---- a library of composite functions ---------------------------------------------------------

const allAxes = (x: JArray) => x.shape.map((_, i) => i);

/** Σ over every axis. */
export const sumAll: Fn1 = (x) => lax.reduceSum(x, allAxes(x));

/** A deterministic constant array of x's shape, built while tracing (a closure constant). */
export function constFor(shape: readonly number[], seed = 7): JArray {
  return randArray(shape, seed + shape.reduce((a, b) => a * 31 + b, 17), 0.5, 1.5);
}

export interface LibFn {
  name: string;
  f: Fn1;
}

/**
 * Functions of one float array of any rank, made from elementwise ops, broadcasting, reductions,
 * reshape, transpose, closure constants, JS scalars and stop_gradient. Each is smooth on the
 * test domain [-1.5, 1.5] (max/where only kink on a null set).
 */
export const LIBRARY: LibFn[] = [
  { name: "sin*exp", f: (x) => jnp.multiply(jnp.sin(x), jnp.exp(x)) },
  { name: "tanh+x^2", f: (x) => jnp.add(jnp.tanh(x), jnp.multiply(x, x)) },
  { name: "x*sum(x)", f: (x) => jnp.multiply(x, sumAll(jnp.cos(x))) },
  {
    name: "x+bcast(sum0(sin x))",
    f: (x) => {
      if (x.ndim === 0) return jnp.sin(x);
      const s = lax.reduceSum(jnp.sin(x), [0]);
      return jnp.add(x, lax.broadcastInDim(s, x.shape, x.shape.slice(1).map((_, i) => i + 1)));
    },
  },
  {
    name: "reverse-transpose",
    f: (x) => {
      const t = lax.transpose(x, allAxes(x).reverse());
      return jnp.multiply(t, jnp.cos(t));
    },
  },
  {
    name: "reshape-flat",
    f: (x) => lax.reshape(jnp.add(jnp.multiply(jnp.sin(lax.reshape(x, [x.size])), 2), 1), x.shape),
  },
  { name: "rational", f: (x) => jnp.divide(x, jnp.add(1, jnp.multiply(x, x))) },
  { name: "softplus", f: (x) => jnp.log(jnp.add(1, jnp.exp(x))) },
  { name: "cube", f: (x) => jnp.subtract(jnp.power(x, 3), jnp.multiply(0.5, x)) },
  {
    name: "closure-const",
    f: (x) => {
      const c = constFor(x.shape);
      return jnp.add(jnp.multiply(x, c), jnp.sin(jnp.multiply(c, x)));
    },
  },
  { name: "stop-gradient", f: (x) => jnp.add(jnp.multiply(x, stopGradient(jnp.sin(x))), x) },
  { name: "maximum", f: (x) => jnp.maximum(jnp.sin(x), jnp.multiply(0.3, x)) },
  { name: "where", f: (x) => jnp.where(jnp.greater(x, 0.1), jnp.exp(x), jnp.tanh(x)) },
  { name: "float-pow", f: (x) => jnp.power(jnp.exp(x), 1.5) },
  {
    name: "outer-bcast",
    f: (x) => {
      // y[..., i, j] = x[..., i] * sin(x[..., j]) over the flattened input.
      const v = lax.reshape(x, [x.size]);
      const a = lax.broadcastInDim(v, [x.size, x.size], [0]);
      const b = lax.broadcastInDim(jnp.sin(v), [x.size, x.size], [1]);
      return jnp.multiply(a, b);
    },
  },
  {
    name: "js-loop",
    f: (x) => {
      let y = x;
      for (let i = 0; i < 3; i++) y = jnp.add(jnp.multiply(jnp.sin(y), 0.9), jnp.multiply(x, 0.1));
      return y;
    },
  },
  // Library-level compositions (dot_general, reduce_max, concatenate, rev, cumsum, reduce_prod).
  {
    name: "matmul-outer",
    f: (x) => {
      const v = jnp.ravel(x);
      return jnp.reshape(jnp.matmul(jnp.outer(jnp.sin(v), v), jnp.cos(v)), x.shape);
    },
  },
  { name: "dot-scale", f: (x) => jnp.multiply(x, jnp.dot(jnp.sin(jnp.ravel(x)), jnp.ravel(x))) },
  {
    name: "softmax",
    f: (x) => {
      const e = jnp.exp(jnp.subtract(x, jnp.max(x)));
      return jnp.divide(e, jnp.sum(e));
    },
  },
  { name: "concat-flip", f: (x) => jnp.concatenate([jnp.sin(jnp.ravel(x)), jnp.flip(jnp.ravel(x))]) },
  { name: "cumsum", f: (x) => jnp.multiply(jnp.cumsum(jnp.ravel(x)), jnp.cos(jnp.ravel(x))) },
  { name: "prod-var", f: (x) => jnp.add(jnp.multiply(x, jnp.prod(jnp.add(1, jnp.multiply(0.2, x)))), jnp.var(x)) },
];

export const libArb = fc.constantFrom(...LIBRARY);

/** f made scalar: Σ w ⊙ f(x), with fixed weights w of f's output shape (a closure constant). */
export function scalarize(f: Fn1): Fn1 {
  return (x) => {
    const y = f(x);
    return sumAll(jnp.multiply(y, constFor(y.shape, 3)));
  };
}
