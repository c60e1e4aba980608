// jax.numpy whole-array comparisons: isclose, allclose, arrayEqual, arrayEquiv. Results are
// bool Arrays (0-d for the all-reducing ones), so they work under jit and vmap; use
// `.item()` or `Number()` on concrete results.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isFloat } from "../core/dtypes.js";
import { broadcastShapes } from "../core/shape.js";
import * as lax from "../lax/index.js";
import { promoteArgs } from "./core.js";
import { all } from "./reductions.js";

interface CloseOpts {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/**
 * jnp.isclose(a, b, { rtol = 1e-5, atol = 1e-8, equalNan = false }):
 * |a - b| <= atol + rtol·|b| elementwise; infinities are close only to the same infinity and
 * NaN to nothing (to NaN with equalNan). Integer operands compare exactly, as in JAX.
 */
export function isclose(a: ArrayLike, b: ArrayLike, opts: CloseOpts = {}): JaxArray {
  const [x, y] = promoteArgs("isclose", a, b) as [JaxArray, JaxArray];
  if (!isFloat(x.dtype)) return lax.eq(x, y);
  const f = (v: number) => lax.full(x.shape, v, x.dtype);
  const tol = lax.add(f(opts.atol ?? 1e-8), lax.mul(f(opts.rtol ?? 1e-5), lax.abs(y)));
  let out = lax.le(lax.abs(lax.sub(x, y)), tol);
  const inf = f(Infinity);
  const xInf = lax.eq(lax.abs(x), inf);
  const yInf = lax.eq(lax.abs(y), inf);
  // Where either is infinite, only an identical infinity counts.
  out = lax.select(lax.bitwiseOr(xInf, yInf), lax.bitwiseAnd(lax.bitwiseAnd(xInf, yInf), lax.eq(x, y)), out);
  const xNan = lax.ne(x, x);
  const yNan = lax.ne(y, y);
  out = lax.bitwiseAnd(out, lax.bitwiseNot(lax.bitwiseOr(xNan, yNan)));
  return opts.equalNan ? lax.bitwiseOr(out, lax.bitwiseAnd(xNan, yNan)) : out;
}

/** jnp.allclose(a, b, { rtol, atol, equalNan }): every element isclose (a 0-d bool Array). */
export const allclose = (a: ArrayLike, b: ArrayLike, opts: CloseOpts = {}): JaxArray => all(isclose(a, b, opts));

const shapeOf = (x: ArrayLike): number[] => lax.asArray(x).shape;

/** jnp.array_equal(a, b, { equalNan }): same shape and equal elements (false for other shapes). */
export function arrayEqual(a: ArrayLike, b: ArrayLike, opts: { equalNan?: boolean } = {}): JaxArray {
  const sa = shapeOf(a);
  const sb = shapeOf(b);
  if (sa.length !== sb.length || sa.some((d, i) => d !== sb[i])) return lax.full([], false, "bool");
  const [x, y] = promoteArgs("array_equal", a, b) as [JaxArray, JaxArray];
  let eq = lax.eq(x, y);
  if (opts.equalNan && isFloat(x.dtype)) eq = lax.bitwiseOr(eq, lax.bitwiseAnd(lax.ne(x, x), lax.ne(y, y)));
  return all(eq);
}

/** jnp.array_equiv(a, b): broadcastable and equal elementwise after broadcasting. */
export function arrayEquiv(a: ArrayLike, b: ArrayLike): JaxArray {
  try {
    broadcastShapes(shapeOf(a), shapeOf(b));
  } catch {
    return lax.full([], false, "bool");
  }
  const [x, y] = promoteArgs("array_equiv", a, b) as [JaxArray, JaxArray];
  return all(lax.eq(x, y));
}
