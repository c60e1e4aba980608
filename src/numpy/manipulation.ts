// jax.numpy shape manipulation: reshape/ravel, transpose/swapaxes/moveaxis, squeeze/expandDims,
// concatenate/stack/hstack/vstack/dstack/columnStack, split/arraySplit/hsplit/vsplit,
// broadcastTo/broadcastArrays, flip/fliplr/flipud, roll, tile, repeat, pad (constant mode),
// atleast1d/2d/3d. All are compositions of lax shape primitives.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { broadcastShapes as broadcastShapesOf, prod } from "../core/shape.js";
import * as lax from "../lax/index.js";
import { ValueError, broadcastArrays as broadcastArraysNamed, resultTypeOf } from "./core.js";
import { type Axis, AxisError, canonAxes, canonAxis, isOptions, npShape, npShapeCompact } from "./util.js";

const asArr = (x: ArrayLike): JaxArray => lax.asArray(x);
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/**
 * jnp.reshape(x, shape): one dimension may be -1 and is inferred. The shape may also be a
 * single integer. Only C order is supported.
 */
export function reshape(x: ArrayLike, shape: number | readonly number[], opts: { order?: "C" } = {}): JaxArray {
  if (opts.order !== undefined && opts.order !== "C") throw new ValueError(`reshape: only order="C" is supported, got ${opts.order}`);
  const a = asArr(x);
  const s = typeof shape === "number" ? [shape] : [...shape];
  const neg = s.filter((d) => d === -1).length;
  if (neg > 1) throw new ValueError("can only specify one unknown dimension");
  if (s.some((d) => !Number.isInteger(d) || d < -1)) throw new ValueError(`reshape: invalid shape ${npShape(s)}`);
  if (neg === 1) {
    const known = prod(s.filter((d) => d !== -1));
    if (known === 0 || a.size % known !== 0) {
      throw new ValueError(`cannot reshape array of size ${a.size} into shape ${npShapeCompact(s)}`);
    }
    s[s.indexOf(-1)] = a.size / known;
  }
  if (prod(s) !== a.size) throw new ValueError(`cannot reshape array of size ${a.size} into shape ${npShapeCompact(s)}`);
  return lax.reshape(a, s);
}

/** jnp.ravel(x): the flattened array. */
export const ravel = (x: ArrayLike): JaxArray => reshape(x, [-1]);

/** jnp.transpose(x, axes?): reverses the axes by default. */
export function transpose(x: ArrayLike, axes?: readonly number[] | null): JaxArray {
  const a = asArr(x);
  if (axes === undefined || axes === null) return lax.transpose(a, range(a.ndim).reverse());
  if (axes.length !== a.ndim) throw new ValueError("axes don't match array");
  return lax.transpose(a, canonAxes(axes, a.ndim));
}

/** jnp.matrix_transpose(x): swaps the last two axes. */
export function matrixTranspose(x: ArrayLike): JaxArray {
  const a = asArr(x);
  if (a.ndim < 2) throw new ValueError(`x must be at least two-dimensional for matrix_transpose; got ndim=${a.ndim}`);
  return swapaxes(a, -1, -2);
}

/** jnp.swapaxes(x, axis1, axis2). */
export function swapaxes(x: ArrayLike, axis1: number, axis2: number): JaxArray {
  const a = asArr(x);
  const p = range(a.ndim);
  const i = canonAxis(axis1, a.ndim);
  const j = canonAxis(axis2, a.ndim);
  [p[i], p[j]] = [p[j]!, p[i]!];
  return lax.transpose(a, p);
}

/** jnp.moveaxis(x, source, destination): moves axes to new positions, keeping the others' order. */
export function moveaxis(x: ArrayLike, source: number | readonly number[], destination: number | readonly number[]): JaxArray {
  const a = asArr(x);
  const src = canonAxes(typeof source === "number" ? [source] : source, a.ndim);
  const dst = canonAxes(typeof destination === "number" ? [destination] : destination, a.ndim);
  if (src.length !== dst.length) {
    throw new ValueError("`source` and `destination` arguments must have the same number of elements");
  }
  const rest = range(a.ndim).filter((i) => !src.includes(i));
  const perm = new Array<number>(a.ndim).fill(-1);
  dst.forEach((d, i) => (perm[d] = src[i]!));
  let r = 0;
  for (let i = 0; i < a.ndim; i++) if (perm[i] === -1) perm[i] = rest[r++]!;
  return lax.transpose(a, perm);
}

/** jnp.squeeze(x, axis?): removes the given size-1 axes, or all of them. */
export function squeeze(x: ArrayLike, axis?: Axis | { axis?: Axis }): JaxArray {
  const a = asArr(x);
  const ax = isOptions(axis) ? (axis as { axis?: Axis }).axis : (axis as Axis);
  let dims: number[];
  if (ax === null || ax === undefined) dims = range(a.ndim).filter((i) => a.shape[i] === 1);
  else {
    dims = canonAxes(typeof ax === "number" ? [ax] : ax, a.ndim);
    const bad = dims.filter((d) => a.shape[d] !== 1);
    if (bad.length) {
      throw new ValueError(
        `cannot select an axis to squeeze out which has size not equal to one, got shape=${npShape(a.shape)} and dimensions=${npShape(dims)}`,
      );
    }
  }
  return dims.length ? lax.squeeze(a, dims) : a;
}

/** jnp.expand_dims(x, axis): inserts size-1 axes at positions of the result. */
export function expandDims(x: ArrayLike, axis: number | readonly number[] | { axis: number | readonly number[] }): JaxArray {
  const a = asArr(x);
  const ax = isOptions(axis) ? (axis as { axis: number | readonly number[] }).axis : (axis as number | readonly number[]);
  const list = typeof ax === "number" ? [ax] : ax;
  const dims = canonAxes(list, a.ndim + list.length);
  return lax.expandDims(a, dims);
}

/** Promotes arrays to their common dtype (jnp.result_type) without broadcasting. */
function promoteList(name: string, xs: readonly ArrayLike[]): JaxArray[] {
  if (xs.length === 0) throw new ValueError(`Need at least one array to ${name}.`);
  const { dtype, weakType } = resultTypeOf(...xs);
  return xs.map((x) => {
    const a = isArray(x) ? x : lax.scalar(x as number, dtype, weakType);
    return a.dtype === dtype ? a : lax.convertElementType(a, dtype, weakType && a.weakType);
  });
}

type AxisArg = number | null | { axis?: number | null };
function axisOf(a: AxisArg | undefined, dflt: number | null): number | null {
  if (a === undefined) return dflt;
  if (isOptions(a)) return a.axis === undefined ? dflt : a.axis;
  return a;
}

/** jnp.concatenate(xs, axis = 0); `axis: null` flattens the inputs first. */
export function concatenate(xs: readonly ArrayLike[], axis?: AxisArg): JaxArray {
  const ax = axisOf(axis, 0);
  let arrs = promoteList("concatenate", xs);
  if (ax === null) arrs = arrs.map(ravel);
  const a0 = arrs[0]!;
  if (a0.ndim === 0) throw new ValueError("zero-dimensional arrays cannot be concatenated");
  const d = canonAxis(ax ?? 0, a0.ndim);
  arrs.forEach((a, i) => {
    if (a.ndim !== a0.ndim) {
      throw new ValueError(
        `all the input arrays must have same number of dimensions, but the array at index 0 has ${a0.ndim} dimension(s) and the array at index ${i} has ${a.ndim} dimension(s)`,
      );
    }
    const bad = a.shape.findIndex((s, k) => k !== d && s !== a0.shape[k]);
    if (bad >= 0) {
      throw new ValueError(
        `all the input array dimensions except for the concatenation axis must match exactly, but along dimension ${bad}, the array at index 0 has size ${a0.shape[bad]} and the array at index ${i} has size ${a.shape[bad]}`,
      );
    }
  });
  return arrs.length === 1 ? arrs[0]! : lax.concatenate(arrs, d);
}

/** jnp.stack(xs, axis = 0): joins equal-shaped arrays along a new axis. */
export function stack(xs: readonly ArrayLike[], axis?: AxisArg): JaxArray {
  const arrs = promoteList("stack", xs);
  const s0 = arrs[0]!.shape;
  if (arrs.some((a) => a.ndim !== s0.length || a.shape.some((d, i) => d !== s0[i]))) {
    throw new ValueError(`all input arrays must have the same shape, got ${arrs.map((a) => npShape(a.shape)).join(", ")}`);
  }
  const d = canonAxis(axisOf(axis, 0) ?? 0, s0.length + 1);
  return concatenate(arrs.map((a) => lax.expandDims(a, [d])), d);
}

/** jnp.vstack(xs): concatenates along axis 0 after promoting to at least 2-D. */
export const vstack = (xs: readonly ArrayLike[]): JaxArray => concatenate(xs.map((x) => atleast(2, x)), 0);
/** jnp.row_stack: alias of vstack. */
export const rowStack = vstack;

/** jnp.hstack(xs): concatenates along axis 1 (axis 0 for 1-D inputs). */
export function hstack(xs: readonly ArrayLike[]): JaxArray {
  const arrs = xs.map((x) => atleast(1, x));
  return concatenate(arrs, arrs[0]?.ndim === 1 ? 0 : 1);
}

/** jnp.dstack(xs): concatenates along axis 2 after promoting to at least 3-D. */
export const dstack = (xs: readonly ArrayLike[]): JaxArray => concatenate(xs.map((x) => atleast(3, x)), 2);

/** jnp.column_stack(xs): 1-D inputs become columns, then hstack. */
export function columnStack(xs: readonly ArrayLike[]): JaxArray {
  return concatenate(
    xs.map((x) => {
      const a = asArr(x);
      return a.ndim < 2 ? lax.reshape(a, [a.size, 1]) : a;
    }),
    1,
  );
}

function splitImpl(x: ArrayLike, ios: number | readonly number[], axis: AxisArg | undefined, strict: boolean): JaxArray[] {
  const a = asArr(x);
  const d = canonAxis(axisOf(axis, 0) ?? 0, a.ndim);
  const n = a.shape[d]!;
  let bounds: number[];
  if (typeof ios === "number") {
    if (!Number.isInteger(ios) || ios <= 0) throw new ValueError("number sections must be larger than 0.");
    if (strict && n % ios !== 0) throw new ValueError("array split does not result in an equal division");
    // NumPy's array_split: the first n % k sections get one extra element.
    const base = Math.floor(n / ios);
    const extra = n % ios;
    bounds = [0];
    for (let i = 0; i < ios; i++) bounds.push(bounds[i]! + base + (i < extra ? 1 : 0));
  } else {
    bounds = [0, ...ios.map((i) => (i < 0 ? Math.max(0, i + n) : Math.min(i, n))), n];
  }
  const out: JaxArray[] = [];
  for (let i = 0; i + 1 < bounds.length; i++) {
    const lo = bounds[i]!;
    const hi = Math.max(lo, bounds[i + 1]!);
    out.push(lax.sliceInDim(a, lo, hi, 1, d));
  }
  return out;
}

/** jnp.split(x, indicesOrSections, axis = 0): equal sections (must divide) or split points. */
export const split = (x: ArrayLike, indicesOrSections: number | readonly number[], axis?: AxisArg): JaxArray[] =>
  splitImpl(x, indicesOrSections, axis, true);

/** jnp.array_split: like split, but sections need not divide the axis evenly. */
export const arraySplit = (x: ArrayLike, indicesOrSections: number | readonly number[], axis?: AxisArg): JaxArray[] =>
  splitImpl(x, indicesOrSections, axis, false);

/** jnp.vsplit: split along axis 0. */
export const vsplit = (x: ArrayLike, ios: number | readonly number[]): JaxArray[] => splitImpl(x, ios, 0, true);

/** jnp.hsplit: split along axis 1 (axis 0 for 1-D arrays). */
export const hsplit = (x: ArrayLike, ios: number | readonly number[]): JaxArray[] =>
  splitImpl(x, ios, asArr(x).ndim === 1 ? 0 : 1, true);

/** jnp.broadcast_arrays(...xs): broadcasts every operand to their common shape. */
export function broadcastArrays(...xs: ArrayLike[]): JaxArray[] {
  return broadcastArraysNamed("broadcast_arrays", ...xs.map(asArr));
}

/** jnp.broadcast_shapes(...shapes). */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  return broadcastShapesOf(...shapes);
}

/** jnp.flip(x, axis?): reverses the order of elements along the given axes (all by default). */
export function flip(x: ArrayLike, axis?: Axis | { axis?: Axis }): JaxArray {
  const a = asArr(x);
  const ax = isOptions(axis) ? (axis as { axis?: Axis }).axis : (axis as Axis);
  const dims = ax === null || ax === undefined ? range(a.ndim) : canonAxes(typeof ax === "number" ? [ax] : ax, a.ndim);
  return dims.length ? lax.rev(a, dims) : a;
}

/** jnp.fliplr(x): flip along axis 1. */
export function fliplr(x: ArrayLike): JaxArray {
  const a = asArr(x);
  if (a.ndim < 2) throw new ValueError(`fliplr requires an array with at least 2 dimensions, got shape ${npShape(a.shape)}`);
  return lax.rev(a, [1]);
}

/** jnp.flipud(x): flip along axis 0. */
export function flipud(x: ArrayLike): JaxArray {
  const a = asArr(x);
  if (a.ndim < 1) throw new ValueError("flipud requires an array with at least 1 dimension, got shape ()");
  return lax.rev(a, [0]);
}

/** jnp.roll(x, shift, axis?): elements shifted off one end come back at the other. */
export function roll(x: ArrayLike, shift: number | readonly number[], axis?: Axis | { axis?: Axis }): JaxArray {
  let a = asArr(x);
  const ax = isOptions(axis) ? (axis as { axis?: Axis }).axis : (axis as Axis);
  if (ax === null || ax === undefined) {
    if (typeof shift !== "number") throw new ValueError("roll: shift must be an integer when axis is None");
    return reshape(roll(ravel(a), shift, 0), a.shape);
  }
  const axes = typeof ax === "number" ? [ax] : [...ax];
  const shifts = typeof shift === "number" ? axes.map(() => shift) : [...shift];
  if (shifts.length !== axes.length) throw new ValueError("'shift' and 'axis' should be scalars or 1D sequences of the same length");
  axes.forEach((ax1, i) => {
    const d = canonAxis(ax1, a.ndim);
    const n = a.shape[d]!;
    if (n === 0) return;
    const s = ((shifts[i]! % n) + n) % n;
    if (s === 0) return;
    a = lax.concatenate([lax.sliceInDim(a, n - s, n, 1, d), lax.sliceInDim(a, 0, n - s, 1, d)], d);
  });
  return a;
}

/** jnp.tile(x, reps): repeats the whole array `reps` times along each axis. */
export function tile(x: ArrayLike, reps: number | readonly number[]): JaxArray {
  let a = asArr(x);
  const r = typeof reps === "number" ? [reps] : [...reps];
  if (r.some((v) => !Number.isInteger(v) || v < 0)) throw new ValueError(`tile: reps must be non-negative integers, got ${npShape(r)}`);
  const nd = Math.max(a.ndim, r.length);
  while (r.length < nd) r.unshift(1);
  a = lax.reshape(a, [...new Array<number>(nd - a.ndim).fill(1), ...a.shape]);
  // Broadcast to [r0, s0, r1, s1, ...] and merge each pair.
  const inter = a.shape.flatMap((s, i) => [r[i]!, s]);
  const b = lax.broadcastInDim(a, inter, range(nd).map((i) => 2 * i + 1));
  return lax.reshape(b, a.shape.map((s, i) => s * r[i]!));
}

/**
 * jnp.repeat(x, repeats, axis?): repeats each element. `repeats` is an integer or a JS list of
 * per-element counts (concrete, so the output shape is known); without an axis, x is flattened.
 */
export function repeat(x: ArrayLike, repeats: number | readonly number[], axis?: number | null | { axis?: number | null; totalRepeatLength?: number }): JaxArray {
  let a = asArr(x);
  const ax = isOptions(axis) ? ((axis as { axis?: number | null }).axis ?? null) : ((axis as number | null | undefined) ?? null);
  if (ax === null) a = ravel(a);
  const d = canonAxis(ax ?? 0, a.ndim);
  const n = a.shape[d]!;
  if (typeof repeats === "number") {
    if (!Number.isInteger(repeats) || repeats < 0) throw new ValueError(`repeat: repeats must be a non-negative integer, got ${repeats}`);
    // Insert an axis after d, broadcast it to `repeats`, then merge it with d.
    const shp = [...a.shape.slice(0, d + 1), repeats, ...a.shape.slice(d + 1)];
    const dims = range(a.ndim).map((i) => (i <= d ? i : i + 1));
    const b = lax.broadcastInDim(a, shp, dims);
    return lax.reshape(b, a.shape.map((s, i) => (i === d ? s * repeats : s)));
  }
  if (repeats.length === 1) return repeat(a, repeats[0]!, d);
  if (repeats.length !== n) throw new ValueError(`repeat: operands could not be broadcast together with shape (${n},) (${repeats.length},)`);
  const parts: JaxArray[] = [];
  repeats.forEach((r, i) => {
    if (r > 0) parts.push(repeat(lax.sliceInDim(a, i, i + 1, 1, d), r, d));
  });
  if (parts.length === 0) return lax.full(a.shape.map((s, i) => (i === d ? 0 : s)), 0, a.dtype, a.weakType);
  return parts.length === 1 ? parts[0]! : lax.concatenate(parts, d);
}

type PadWidth = number | readonly number[] | readonly (readonly number[])[];

/**
 * jnp.pad(x, padWidth, { mode: "constant", constantValues }): padWidth is an integer, a
 * [before, after] pair, or one pair per axis. Only constant mode is supported.
 */
export function pad(x: ArrayLike, padWidth: PadWidth, opts: { mode?: "constant"; constantValues?: number } = {}): JaxArray {
  const a = asArr(x);
  if ((opts.mode ?? "constant") !== "constant") throw new ValueError(`pad: only mode="constant" is supported, got ${opts.mode}`);
  let pairs: number[][];
  if (typeof padWidth === "number") pairs = a.shape.map(() => [padWidth, padWidth]);
  else if (padWidth.every((p) => typeof p === "number")) {
    const p = padWidth as readonly number[];
    const pr = p.length === 1 ? [p[0]!, p[0]!] : [p[0]!, p[1]!];
    pairs = a.shape.map(() => pr);
  } else {
    const pw = padWidth as readonly (readonly number[])[];
    if (pw.length === 1) pairs = a.shape.map(() => [pw[0]![0]!, pw[0]![1] ?? pw[0]![0]!]);
    else if (pw.length === a.ndim) pairs = pw.map((p) => [p[0]!, p[1] ?? p[0]!]);
    else throw new ValueError(`pad: padWidth has ${pw.length} entries for an array with ${a.ndim} dimensions`);
  }
  if (pairs.some((p) => p.some((v) => !Number.isInteger(v) || v < 0))) throw new ValueError("index can't contain negative values");
  return lax.pad(a, lax.scalar(opts.constantValues ?? 0, a.dtype), pairs.map(([lo, hi]) => [lo!, hi!, 0]));
}

function atleast(nd: number, x: ArrayLike): JaxArray {
  const a = asArr(x);
  if (a.ndim >= nd) return a;
  // NumPy's placements: 0-d → (1,), (1,1), (1,1,1); 1-d (N,) → (1,N), (1,N,1); 2-d → (M,N,1).
  if (nd === 1) return lax.reshape(a, [1]);
  if (nd === 2) return lax.reshape(a, a.ndim === 0 ? [1, 1] : [1, ...a.shape]);
  if (a.ndim === 0) return lax.reshape(a, [1, 1, 1]);
  if (a.ndim === 1) return lax.reshape(a, [1, a.shape[0]!, 1]);
  return lax.reshape(a, [...a.shape, 1]);
}

/** jnp.atleast_1d(...xs): one array in, one out; several in, a list out. */
export function atleast1d(x: ArrayLike): JaxArray;
export function atleast1d(...xs: ArrayLike[]): JaxArray[];
export function atleast1d(...xs: ArrayLike[]): JaxArray | JaxArray[] {
  return xs.length === 1 ? atleast(1, xs[0]!) : xs.map((x) => atleast(1, x));
}
/** jnp.atleast_2d(...xs). */
export function atleast2d(x: ArrayLike): JaxArray;
export function atleast2d(...xs: ArrayLike[]): JaxArray[];
export function atleast2d(...xs: ArrayLike[]): JaxArray | JaxArray[] {
  return xs.length === 1 ? atleast(2, xs[0]!) : xs.map((x) => atleast(2, x));
}
/** jnp.atleast_3d(...xs). */
export function atleast3d(x: ArrayLike): JaxArray;
export function atleast3d(...xs: ArrayLike[]): JaxArray[];
export function atleast3d(...xs: ArrayLike[]): JaxArray | JaxArray[] {
  return xs.length === 1 ? atleast(3, xs[0]!) : xs.map((x) => atleast(3, x));
}

export { AxisError };
