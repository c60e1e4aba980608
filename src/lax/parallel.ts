// Collectives over named axes (jax.lax.psum, pmean, pmax, pmin, allGather, ppermute,
// psumScatter, axisIndex). The axis names are bound by vmap({ axisName }) or pmap; each
// collective takes one name or a list of names and (except axisIndex) a pytree of arrays.
import type { ArrayLike, JaxArray } from "../core/array.js";
import * as tree from "../tree/index.js";
import { asArray, div, mul, reshape } from "./core.js";
import { dynamicSliceInDim } from "./shape.js";
import {
  all_gather_p,
  axisIndexValue,
  axisSize,
  bindCollective,
  pmax_p,
  pmin_p,
  ppermute_p,
  psum_p,
} from "../primitives/collectives.js";
import type { Primitive } from "../core/primitive.js";

export type AxisName = string | readonly string[];

/** The names as a list, each checked to be bound (JAX's NameError otherwise). */
function names(axisName: AxisName): string[] {
  const ns = typeof axisName === "string" ? [axisName] : [...axisName];
  for (const n of ns) axisSize(n);
  return ns;
}

function collective(prim: Primitive) {
  return <T>(x: T, axisName: AxisName): T => {
    const axes = names(axisName);
    return tree.map((l: ArrayLike) => bindCollective(prim, asArray(l), { axes }), x) as T;
  };
}

/** Sum of x over every element of the named axes (the result is the same on each). */
export const psum: <T>(x: T, axisName: AxisName) => T = collective(psum_p);
/** Maximum of x over the named axes. */
export const pmax: <T>(x: T, axisName: AxisName) => T = collective(pmax_p);
/** Minimum of x over the named axes. */
export const pmin: <T>(x: T, axisName: AxisName) => T = collective(pmin_p);

/** Mean of x over the named axes: psum(x) divided by the product of their sizes. */
export function pmean<T>(x: T, axisName: AxisName): T {
  const n = names(axisName).reduce((p, a) => p * axisSize(a), 1);
  return tree.map((l: JaxArray) => div(l, n), psum(x, axisName)) as T;
}

/** The position of this element along the named axis (an int32 scalar). */
export function axisIndex(axisName: string): JaxArray {
  return axisIndexValue(axisName);
}

/** One axis name, checked bound (allGather, ppermute and psumScatter take exactly one). */
function single(what: string, axisName: AxisName): string {
  const ns = names(axisName);
  if (ns.length !== 1) throw new TypeError(`${what} takes a single axis name, got ${JSON.stringify(ns)}`);
  return ns[0]!;
}

export interface AllGatherOptions {
  /** Where the gathered axis goes in the result (default 0). */
  axis?: number;
  /** Concatenate along `axis` instead of stacking into a new axis. */
  tiled?: boolean;
}

/** Gathers x from every element of the named axis: stacked at `axis` (concatenated when tiled). */
export function allGather<T>(x: T, axisName: AxisName, opts: AllGatherOptions = {}): T {
  const name = single("all_gather", axisName);
  const size = axisSize(name);
  const tiled = opts.tiled ?? false;
  return tree.map((l: ArrayLike) => {
    const a = asArray(l);
    const bound = tiled ? a.ndim : a.ndim + 1;
    let axis = opts.axis ?? 0;
    if (axis < 0) axis += bound;
    if (!Number.isInteger(axis) || axis < 0 || axis >= Math.max(bound, 1)) {
      throw new RangeError(`all_gather: axis ${opts.axis} is out of bounds for an operand of rank ${a.ndim}`);
    }
    if (tiled && a.ndim === 0) throw new TypeError("all_gather with tiled=True requires an operand of rank at least 1");
    return bindCollective(all_gather_p, a, { axes: [name], axis, tiled, axisSize: size });
  }, x) as T;
}

/**
 * Sends x along the named axis: for each [src, dst] pair the element dst receives src's x;
 * elements that receive nothing get zeros.
 */
export function ppermute<T>(x: T, axisName: AxisName, perm: readonly (readonly [number, number])[]): T {
  const name = single("ppermute", axisName);
  const size = axisSize(name);
  const srcs = new Set(perm.map((p) => p[0]));
  const dsts = new Set(perm.map((p) => p[1]));
  if (srcs.size !== perm.length || dsts.size !== perm.length) {
    throw new Error(`ppermute sources and destinations must be unique, got ${JSON.stringify(perm)}.`);
  }
  for (const [s, d] of perm) {
    for (const i of [s, d]) {
      if (!Number.isInteger(i) || i < 0 || i >= size) {
        throw new RangeError(`ppermute permutation index ${i} is out of range for axis '${name}' of size ${size}`);
      }
    }
  }
  const p = perm.map(([s, d]) => [s, d] as [number, number]);
  return tree.map((l: ArrayLike) => bindCollective(ppermute_p, asArray(l), { axes: [name], perm: p }), x) as T;
}

export interface PsumScatterOptions {
  /** The dimension of x split across the axis (default 0). */
  scatterDimension?: number;
  /** Keep the split dimension (of size x.shape[d] / axis size) instead of removing it. */
  tiled?: boolean;
}

/**
 * psum followed by each element keeping its own block of `scatterDimension`: element k gets
 * block k of the sum (its size must equal the axis size unless tiled).
 */
export function psumScatter<T>(x: T, axisName: AxisName, opts: PsumScatterOptions = {}): T {
  const name = single("psum_scatter", axisName);
  const size = axisSize(name);
  const tiled = opts.tiled ?? false;
  return tree.map((l: ArrayLike) => {
    const a = asArray(l);
    let d = opts.scatterDimension ?? 0;
    if (d < 0) d += a.ndim;
    const len = a.shape[d];
    if (len === undefined || d < 0) throw new RangeError(`psum_scatter: scatter_dimension ${opts.scatterDimension} is out of bounds for rank ${a.ndim}`);
    if (tiled ? len % size !== 0 : len !== size) {
      throw new Error(
        tiled
          ? `psum_scatter: the scattered dimension (size ${len}) must be divisible by the axis size ${size}`
          : `psum_scatter: the scattered dimension (size ${len}) must equal the axis size ${size}`,
      );
    }
    const block = len / size;
    const mine = dynamicSliceInDim(psum(a, name), mul(axisIndex(name), block), block, d);
    return tiled ? mine : reshape(mine, a.shape.filter((_, i) => i !== d));
  }, x) as T;
}
