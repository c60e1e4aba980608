// jax.numpy products: dot, matmul (NumPy broadcasting of batch dims, 1-D promotion), vdot,
// vecdot, inner, outer, tensordot, kron, and the diagonal family (diagonal, diag, diagflat,
// trace). Contractions lower to one lax.dot_general; diagonals are strided slices of a
// flattened matrix, so everything composes with grad/jit/vmap.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { defaultInt } from "../core/dtypes.js";
import * as lax from "../lax/index.js";
import { ValueError, resultTypeOf, toDType, type DTypeLike } from "./core.js";
import { moveaxis, ravel } from "./manipulation.js";
import { sum } from "./reductions.js";
import { canonAxis, canonAxes, isOptions, npShape, npShapeCompact } from "./util.js";

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Promotes two operands to their common dtype (no broadcasting). */
function promotePair(a: ArrayLike, b: ArrayLike): [JaxArray, JaxArray] {
  const { dtype, weakType } = resultTypeOf(a, b);
  const conv = (x: ArrayLike): JaxArray => {
    const v = isArray(x) ? x : lax.scalar(x as number, dtype, weakType);
    return v.dtype === dtype ? v : lax.convertElementType(v, dtype, weakType && v.weakType);
  };
  return [conv(a), conv(b)];
}

/** Keyword options of the products, as in jnp: the accumulation/output dtype. */
export interface DotOptions {
  preferredElementType?: DTypeLike | null;
  /** Accepted for JAX's signature; the backends have one precision. */
  precision?: null;
}

/**
 * dot_general on promoted operands. Booleans contract in int32 and come back as "any true",
 * as NumPy's logical dot does (unless an output dtype is requested).
 */
function contract(x: JaxArray, y: JaxArray, lc: number[], rc: number[], lb: number[], rb: number[], opts: DotOptions): JaxArray {
  lc.forEach((l, i) => {
    if (x.shape[l] !== y.shape[rc[i]!]) {
      throw new TypeError(
        `dot_general requires contracting dimensions to have the same shape, got ${npShape(lc.map((d) => x.shape[d]!))} and ${npShape(rc.map((d) => y.shape[d]!))}.`,
      );
    }
  });
  const pet = opts.preferredElementType ?? null;
  if (x.dtype === "bool") {
    const toInt = (v: JaxArray) => lax.convertElementType(v, defaultInt());
    const r = lax.dotGeneral(toInt(x), toInt(y), [[lc, rc], [lb, rb]], { preferredElementType: pet });
    return pet === null ? lax.ne(r, lax.full(r.shape, 0, r.dtype)) : r;
  }
  return lax.dotGeneral(x, y, [[lc, rc], [lb, rb]], { preferredElementType: pet });
}

const mulBroadcast = (x: JaxArray, y: JaxArray, opts: DotOptions): JaxArray => {
  const shape = x.ndim >= y.ndim ? x.shape : y.shape;
  const bx = lax.broadcastInDim(x, shape, range(x.ndim).map((i) => shape.length - x.ndim + i));
  const by = lax.broadcastInDim(y, shape, range(y.ndim).map((i) => shape.length - y.ndim + i));
  const r = x.dtype === "bool" ? lax.bitwiseAnd(bx, by) : lax.mul(bx, by);
  return opts.preferredElementType == null ? r : lax.convertElementType(r, toDType(opts.preferredElementType));
};

/**
 * jnp.dot(a, b): scalars multiply; otherwise the last axis of a contracts with the
 * second-to-last axis of b (the only axis of a 1-D b). Result shape a[:-1] + b[:-2] + b[-1:].
 */
export function dot(a: ArrayLike, b: ArrayLike, opts: DotOptions = {}): JaxArray {
  const [x, y] = promotePair(a, b);
  if (x.ndim === 0 || y.ndim === 0) return mulBroadcast(x, y, opts);
  const xc = x.ndim - 1;
  const yc = y.ndim === 1 ? 0 : y.ndim - 2;
  if (x.shape[xc] !== y.shape[yc]) {
    throw new ValueError(
      `shapes ${npShapeCompact(x.shape)} and ${npShapeCompact(y.shape)} not aligned: ${x.shape[xc]} (dim ${xc}) != ${y.shape[yc]} (dim ${yc})`,
    );
  }
  return contract(x, y, [xc], [yc], [], [], opts);
}

const MATMUL_SIG = "with gufunc signature (n?,k),(k,m?)->(n?,m?)";

/**
 * jnp.matmul(a, b) (the @ operator): 1-D operands are promoted to matrices and the added axis
 * removed afterwards; leading batch dims broadcast. Batch dims present in both operands with
 * equal size become dot_general batch dims; a batch dim of size 1 (or missing) on one side is
 * treated as a free dim of the other side, so nothing is materialized by broadcasting.
 */
export function matmul(a: ArrayLike, b: ArrayLike, opts: DotOptions = {}): JaxArray {
  let [x, y] = promotePair(a, b);
  [x, y].forEach((v, i) => {
    if (v.ndim === 0) {
      throw new ValueError(`matmul: Input operand ${i} does not have enough dimensions (has 0, gufunc core ${MATMUL_SIG} requires 1)`);
    }
  });
  const xVec = x.ndim === 1;
  const yVec = y.ndim === 1;
  if (xVec) x = lax.reshape(x, [1, x.shape[0]!]);
  if (yVec) y = lax.reshape(y, [y.shape[0]!, 1]);
  const k1 = x.shape[x.ndim - 1]!;
  const k2 = y.shape[y.ndim - 2]!;
  if (k1 !== k2) {
    throw new ValueError(`matmul: Input operand 1 has a mismatch in its core dimension 0, ${MATMUL_SIG} (size ${k2} is different from ${k1})`);
  }
  const xb = x.shape.slice(0, -2);
  const yb = y.shape.slice(0, -2);
  const nb = Math.max(xb.length, yb.length);
  const outBatch: number[] = [];
  // Classification of each output batch position.
  const kind: ("batch" | "x" | "y")[] = [];
  const xSqueeze: number[] = [];
  const ySqueeze: number[] = [];
  for (let i = 0; i < nb; i++) {
    const xi = i - (nb - xb.length);
    const yi = i - (nb - yb.length);
    const dx = xi >= 0 ? xb[xi]! : null;
    const dy = yi >= 0 ? yb[yi]! : null;
    if (dx !== null && dy !== null) {
      if (dx === dy) kind.push("batch");
      else if (dx === 1) (kind.push("y"), xSqueeze.push(xi));
      else if (dy === 1) (kind.push("x"), ySqueeze.push(yi));
      else {
        throw new ValueError(
          `matmul: Input operand shapes ${npShape(x.shape)} and ${npShape(y.shape)} could not be broadcast together: batch dimension sizes ${dx} and ${dy} differ`,
        );
      }
      outBatch.push(Math.max(dx, dy));
    } else {
      kind.push(dx !== null ? "x" : "y");
      outBatch.push((dx ?? dy)!);
    }
  }
  const xs = xSqueeze.length ? lax.squeeze(x, xSqueeze) : x;
  const ys = ySqueeze.length ? lax.squeeze(y, ySqueeze) : y;
  // Positions (output batch index) of the dims each squeezed operand still has.
  const xPos = range(nb).filter((i) => i - (nb - xb.length) >= 0 && !xSqueeze.includes(i - (nb - xb.length)));
  const yPos = range(nb).filter((i) => i - (nb - yb.length) >= 0 && !ySqueeze.includes(i - (nb - yb.length)));
  const batchPos = range(nb).filter((i) => kind[i] === "batch");
  const lb = batchPos.map((i) => xPos.indexOf(i));
  const rb = batchPos.map((i) => yPos.indexOf(i));
  const r = contract(xs, ys, [xs.ndim - 1], [ys.ndim - 2], lb, rb, opts);
  // dot_general output order: batch, x free (x-only batch dims, n), y free (y-only batch dims, m).
  const labels: (number | "n" | "m")[] = [
    ...batchPos,
    ...xPos.filter((i) => kind[i] === "x"),
    "n",
    ...yPos.filter((i) => kind[i] === "y"),
    "m",
  ];
  const order: (number | "n" | "m")[] = [...range(nb), "n", "m"];
  const t = lax.transpose(r, order.map((l) => labels.indexOf(l)));
  const n = x.shape[x.ndim - 2]!;
  const m = y.shape[y.ndim - 1]!;
  const finalShape = [...outBatch, ...(xVec ? [] : [n]), ...(yVec ? [] : [m])];
  return lax.reshape(t, finalShape);
}

/** jnp.vdot(a, b): the dot product of the flattened operands. */
export function vdot(a: ArrayLike, b: ArrayLike, opts: DotOptions = {}): JaxArray {
  const [x, y] = promotePair(a, b);
  if (x.size !== y.size) throw new ValueError(`vdot: cannot take the dot product of arrays of sizes ${x.size} and ${y.size}`);
  return dot(ravel(x), ravel(y), opts);
}

/** jnp.vecdot(a, b, { axis = -1 }): dot products of vectors along an axis, broadcasting the rest. */
export function vecdot(a: ArrayLike, b: ArrayLike, opts: { axis?: number } = {}): JaxArray {
  const [x, y] = promotePair(a, b);
  const ax = opts.axis ?? -1;
  const cx = canonAxis(ax, x.ndim);
  const cy = canonAxis(ax, y.ndim);
  if (x.shape[cx] !== y.shape[cy]) {
    throw new ValueError(`vecdot: axis ${ax} has size ${x.shape[cx]} in the first operand and ${y.shape[cy]} in the second`);
  }
  const xm = moveaxis(x, cx, -1);
  const ym = moveaxis(y, cy, -1);
  // (..., 1, k) @ (..., k, 1) → (..., 1, 1), with matmul's batch broadcasting.
  const r = matmul(lax.expandDims(xm, [xm.ndim - 1]), lax.expandDims(ym, [ym.ndim]));
  return lax.reshape(r, r.shape.slice(0, -2));
}

/** jnp.inner(a, b): contracts the last axes; result shape a[:-1] + b[:-1]. */
export function inner(a: ArrayLike, b: ArrayLike, opts: DotOptions = {}): JaxArray {
  const [x, y] = promotePair(a, b);
  if (x.ndim === 0 || y.ndim === 0) return mulBroadcast(x, y, opts);
  if (x.shape[x.ndim - 1] !== y.shape[y.ndim - 1]) {
    throw new ValueError(
      `shapes ${npShapeCompact(x.shape)} and ${npShapeCompact(y.shape)} not aligned: ${x.shape[x.ndim - 1]} (dim ${x.ndim - 1}) != ${y.shape[y.ndim - 1]} (dim ${y.ndim - 1})`,
    );
  }
  return contract(x, y, [x.ndim - 1], [y.ndim - 1], [], [], opts);
}

/** jnp.outer(a, b): ravel(a)[:, None] * ravel(b)[None, :]. */
export function outer(a: ArrayLike, b: ArrayLike): JaxArray {
  const [x, y] = promotePair(a, b);
  const fx = ravel(x);
  const fy = ravel(y);
  const shape = [fx.size, fy.size];
  const bx = lax.broadcastInDim(fx, shape, [0]);
  const by = lax.broadcastInDim(fy, shape, [1]);
  return x.dtype === "bool" ? lax.bitwiseAnd(bx, by) : lax.mul(bx, by);
}

type TensordotAxes = number | readonly [number | readonly number[], number | readonly number[]];

/**
 * jnp.tensordot(a, b, axes = 2): an integer N contracts the last N axes of a with the first N
 * of b; a pair [axesA, axesB] names the axes to contract. Result: a's free axes then b's.
 */
export function tensordot(
  a: ArrayLike,
  b: ArrayLike,
  axes: TensordotAxes | (DotOptions & { axes?: TensordotAxes }) = 2,
  opts: DotOptions = {},
): JaxArray {
  const [x, y] = promotePair(a, b);
  if (isOptions(axes)) opts = axes as DotOptions;
  const ax = isOptions(axes) ? ((axes as { axes?: TensordotAxes }).axes ?? 2) : (axes as TensordotAxes);
  let lc: number[];
  let rc: number[];
  if (typeof ax === "number") {
    if (!Number.isInteger(ax) || ax < 0 || ax > x.ndim || ax > y.ndim) {
      throw new TypeError(`Number of tensordot axes (axes=${ax}) exceeds input ranks (${x.ndim} and ${y.ndim})`);
    }
    lc = range(ax).map((i) => x.ndim - ax + i);
    rc = range(ax);
  } else {
    const [pa, pb] = ax;
    lc = canonAxes(typeof pa === "number" ? [pa] : pa, x.ndim);
    rc = canonAxes(typeof pb === "number" ? [pb] : pb, y.ndim);
    if (lc.length !== rc.length) {
      throw new TypeError(`tensordot requires axes lists to have equal length, got ${npShape(lc)} and ${npShape(rc)}.`);
    }
  }
  lc.forEach((l, i) => {
    if (x.shape[l] !== y.shape[rc[i]!]) {
      throw new ValueError(`tensordot: shape-mismatch for sum: a.shape[${l}] = ${x.shape[l]} but b.shape[${rc[i]}] = ${y.shape[rc[i]!]}`);
    }
  });
  return contract(x, y, lc, rc, [], [], opts);
}

/** jnp.kron(a, b): the Kronecker product; block (i, j) is a[i, j] * b. */
export function kron(a: ArrayLike, b: ArrayLike): JaxArray {
  let [x, y] = promotePair(a, b);
  const nd = Math.max(x.ndim, y.ndim);
  x = lax.reshape(x, [...new Array<number>(nd - x.ndim).fill(1), ...x.shape]);
  y = lax.reshape(y, [...new Array<number>(nd - y.ndim).fill(1), ...y.shape]);
  // Interleave axes: x → (a0, 1, a1, 1, ...), y → (1, b0, 1, b1, ...), multiply, merge pairs.
  const inter = range(nd).flatMap((i) => [x.shape[i]!, y.shape[i]!]);
  const bx = lax.broadcastInDim(x, inter, range(nd).map((i) => 2 * i));
  const by = lax.broadcastInDim(y, inter, range(nd).map((i) => 2 * i + 1));
  const p = x.dtype === "bool" ? lax.bitwiseAnd(bx, by) : lax.mul(bx, by);
  return lax.reshape(p, range(nd).map((i) => x.shape[i]! * y.shape[i]!));
}

interface DiagOpts {
  offset?: number;
  axis1?: number;
  axis2?: number;
}

/**
 * jnp.diagonal(a, { offset, axis1, axis2 }): the diagonal of the (axis1, axis2) planes, as the
 * last axis of the result. Computed as a strided slice of the flattened plane: element
 * (i, i + offset) of an n×m plane sits at flat index i·(m + 1) + offset.
 */
export function diagonal(a: ArrayLike, opts: DiagOpts | number = {}): JaxArray {
  const o = typeof opts === "number" ? { offset: opts } : opts;
  const x0 = lax.asArray(a);
  if (x0.ndim < 2) throw new ValueError("diag requires an array of at least two dimensions");
  const a1 = canonAxis(o.axis1 ?? 0, x0.ndim);
  const a2 = canonAxis(o.axis2 ?? 1, x0.ndim);
  if (a1 === a2) throw new ValueError("axis1 and axis2 cannot be the same");
  const x = moveaxis(x0, [a1, a2], [-2, -1]);
  const lead = x.shape.slice(0, -2);
  const [n, m] = x.shape.slice(-2) as [number, number];
  const k = o.offset ?? 0;
  const len = Math.max(0, k >= 0 ? Math.min(n, m - k) : Math.min(n + k, m));
  if (len === 0) return lax.full([...lead, 0], 0, x.dtype, x.weakType);
  const flat = lax.reshape(x, [...lead, n * m]);
  const start = k >= 0 ? k : -k * m;
  return lax.sliceInDim(flat, start, start + (len - 1) * (m + 1) + 1, m + 1, lead.length);
}

/** jnp.trace(a, { offset, axis1, axis2, dtype }): sum along a diagonal. */
export function trace(a: ArrayLike, opts: DiagOpts & { dtype?: DTypeLike | null } = {}): JaxArray {
  const d = diagonal(a, opts);
  return sum(d, { axis: -1, dtype: opts.dtype ?? null });
}

/**
 * jnp.diag(v, k = 0): a 1-D v gives the square matrix with v on its k-th diagonal; a 2-D v
 * gives its k-th diagonal.
 */
export function diag(v: ArrayLike, k: number | { k?: number } = 0): JaxArray {
  const x = lax.asArray(v);
  const off = typeof k === "number" ? k : (k.k ?? 0);
  if (x.ndim === 2) return diagonal(x, { offset: off });
  if (x.ndim !== 1) throw new ValueError("diag input must be 1d or 2d");
  const n = x.shape[0]! + Math.abs(off);
  const padded = lax.pad(x, lax.scalar(0, x.dtype), [[0, Math.abs(off), 0]]);
  // Row i holds v[i] when off >= 0 (at column i + off); column j holds v[j] when off < 0.
  const b = lax.broadcastInDim(padded, [n, n], [off >= 0 ? 0 : 1]);
  const i = lax.broadcastedIota("int32", [n, n], 0);
  const j = lax.broadcastedIota("int32", [n, n], 1);
  const mask = lax.eq(j, lax.add(i, lax.full([n, n], off, "int32")));
  return lax.select(mask, b, lax.full([n, n], 0, x.dtype, x.weakType));
}

/** jnp.diagflat(v, k = 0): the flattened input on the k-th diagonal of a square matrix. */
export const diagflat = (v: ArrayLike, k: number | { k?: number } = 0): JaxArray => diag(ravel(v), k);
