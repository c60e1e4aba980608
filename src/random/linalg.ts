// Samplers of jax.random that need linear algebra, with JAX's algorithms
// (jax/_src/random/core.py): multivariate normals through a factor of the covariance
// (Cholesky, eigh's V·sqrt(w), or svd's U·sqrt(s)) and Haar-random orthogonal matrices from the QR
// decomposition of a Gaussian matrix.
import type { JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { broadcastShapes } from "../core/shape.js";
import { einsum } from "../numpy/einsum.js";
import { diagonal } from "../numpy/products.js";
import * as linalg from "../lax/linalg.js";
import { checkShape, unwrapSingle, type KeyArray } from "./keys.js";
import { lax } from "./ops.js";
import { normalRaw } from "./samplers.js";
import { bcast, checkBroadcast, f32, floatDtype, type Param } from "./util.js";

export interface MultivariateNormalOptions {
  /** A float dtype for the result. */
  dtype?: string;
  /** How to factor cov: "cholesky" (default; cov must be positive definite), "eigh" or "svd". */
  method?: "cholesky" | "eigh" | "svd";
}

/** A with its last two axes swapped. */
const mT = (a: JaxArray) => lax.transpose(a, [...a.shape.slice(0, -2).map((_, i) => i), a.ndim - 1, a.ndim - 2]);

/**
 * random.multivariate_normal(key, mean, cov, shape?, {dtype, method = "cholesky"}): draws
 * mean + F z with z standard normal of shape shape + [n] and F F^T = cov. mean is [..., n]
 * and cov [..., n, n]; shape defaults to the broadcast of their batch shapes.
 */
export function multivariateNormal(key: KeyArray, mean: Param, cov: Param, shape?: readonly number[] | null, opts: MultivariateNormalOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "multivariate_normal");
  const method = opts.method ?? "cholesky";
  if (!["svd", "eigh", "cholesky"].includes(method)) throw new ValueError("method must be one of {'svd', 'eigh', 'cholesky'}");
  const dt = floatDtype(opts.dtype, "multivariate_normal");
  const mu = f32(mean);
  const c = f32(cov);
  if (mu.ndim < 1) throw new ValueError(`multivariate_normal requires mean.ndim >= 1, got mean.ndim == ${mu.ndim}`);
  if (c.ndim < 2) throw new ValueError(`multivariate_normal requires cov.ndim >= 2, got cov.ndim == ${c.ndim}`);
  const n = mu.shape[mu.ndim - 1]!;
  const cs = c.shape.slice(-2);
  if (cs[0] !== n || cs[1] !== n) {
    throw new ValueError(`multivariate_normal requires cov.shape == (..., n, n) for n=${n}, but got cov.shape == ${JSON.stringify(c.shape)}.`);
  }
  let s: number[];
  if (shape === undefined || shape === null) {
    s = broadcastShapes(mu.shape.slice(0, -1), c.shape.slice(0, -2));
  } else {
    s = checkShape(shape, "multivariate_normal");
    checkBroadcast(s, "multivariate_normal", mu.shape.slice(0, -1), c.shape.slice(0, -2));
  }
  let factor: JaxArray;
  if (method === "eigh") {
    // cov = V diag(w) V^T, so F = V diag(sqrt(w)) (columns scaled).
    const [v, w] = linalg.eigh(c);
    factor = lax.mul(v, lax.broadcastInDim(lax.sqrt(w), v.shape, [...w.shape.slice(0, -1).map((_, i) => i), v.ndim - 1]));
  } else if (method === "svd") {
    // cov = U diag(s) Vᵀ (= U diag(s) Uᵀ for a symmetric PSD cov), so F = U diag(sqrt(s)).
    const [u, sv] = linalg.svd(c);
    factor = lax.mul(u, lax.broadcastInDim(lax.sqrt(sv), u.shape, [...sv.shape.slice(0, -1).map((_, i) => i), u.ndim - 1]));
  } else {
    factor = linalg.cholesky(c);
  }
  const z = normalRaw(k, [...s, n]);
  const fz = einsum("...ij,...j->...i", factor, z);
  const outShape = broadcastShapes(mu.shape, fz.shape);
  const result = lax.add(bcast(mu, outShape), bcast(fz, outShape));
  return lax.convertElementType(result, dt);
}

export interface OrthogonalOptions {
  /** A float dtype for the result. */
  dtype?: string;
  /** Number of columns (default n): an n×m matrix with orthonormal rows (n <= m) or columns. */
  m?: number;
}

/**
 * random.orthogonal(key, n, shape = [], {dtype, m}): Haar-distributed orthogonal n×n
 * matrices (semi-orthogonal n×m with m given), of shape [...shape, n, m]. Computes
 * Q diag(sign(diag R)) for Z = QR with Z a max(n,m)×min(n,m) standard normal matrix (the
 * sign fix makes the factorization unique, hence the law Haar), transposed when n < m.
 */
export function orthogonal(key: KeyArray, n: number, shape: readonly number[] = [], opts: OrthogonalOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "orthogonal");
  const dt = floatDtype(opts.dtype, "orthogonal");
  const m = opts.m ?? n;
  for (const [name, v] of [["n", n], ["m", m]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new TypeError(`orthogonal: ${name} must be a non-negative integer, got ${v}`);
  }
  const s = checkShape(shape, "orthogonal");
  const z = normalRaw(k, [...s, Math.max(n, m), Math.min(n, m)]);
  const [q, r] = linalg.qr(z, { fullMatrices: false });
  const d = lax.sign(diagonal(r, { axis1: -2, axis2: -1 }));
  const x = lax.mul(q, lax.broadcastInDim(d, q.shape, [...d.shape.slice(0, -1).map((_, i) => i), q.ndim - 1]));
  return lax.convertElementType(n < m ? mT(x) : x, dt);
}
