// jax.numpy array creation: zeros/ones/full/empty (and their *Like forms), arange, linspace,
// logspace, eye, identity, tri/tril/triu and meshgrid. Everything is built from lax (full,
// iota, broadcasted_iota, comparisons, select), so these functions also work under jit/vmap/grad.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { isArray } from "../core/array.js";
import { type DType, defaultFloat, defaultInt, isFloat, isInt } from "../core/dtypes.js";
import * as lax from "../lax/index.js";
import { type DTypeLike, ValueError, array, broadcastTo, dtypeInfo, promoteArgsInexact } from "./core.js";
import { concatenate, moveaxis } from "./manipulation.js";
import { concreteNumber, dtypeOpt, isOptions, npShape, shapeArg } from "./util.js";

type DTypeArg = DTypeLike | { dtype?: DTypeLike | null } | null;
type ShapeArg = number | readonly number[];

/** jnp.zeros(shape, dtype?): dtype defaults to float32 (float64 with x64). */
export function zeros(shape: ShapeArg, dtype?: DTypeArg): JaxArray {
  return lax.full(shapeArg(shape, "zeros"), 0, dtypeOpt(dtype) ?? defaultFloat());
}

/** jnp.ones(shape, dtype?). */
export function ones(shape: ShapeArg, dtype?: DTypeArg): JaxArray {
  return lax.full(shapeArg(shape, "ones"), 1, dtypeOpt(dtype) ?? defaultFloat());
}

/** jnp.empty(shape, dtype?): JAX has no uninitialized memory, so this is zeros. */
export const empty = (shape: ShapeArg, dtype?: DTypeArg): JaxArray => zeros(shape, dtype);

/**
 * jnp.full(shape, fillValue, dtype?). An Array fill value broadcasts to `shape`; a JS number
 * gives a weakly typed float array (JS numbers are weak floats, like Python floats in JAX).
 */
export function full(shape: ShapeArg, fillValue: ArrayLike, dtype?: DTypeArg): JaxArray {
  const s = shapeArg(shape, "full");
  const d = dtypeOpt(dtype);
  if (isArray(fillValue)) {
    const v = d === undefined ? fillValue : lax.convertElementType(fillValue, d);
    return broadcastTo(v, s);
  }
  if (typeof fillValue === "boolean") return lax.full(s, fillValue, d ?? "bool");
  return lax.full(s, fillValue, d ?? defaultFloat(), d === undefined);
}

interface LikeOpts {
  dtype?: DTypeLike | null;
  shape?: ShapeArg | null;
}

function likeSpec(x: ArrayLike, opts: DTypeArg | LikeOpts | undefined): { shape: number[]; dtype: DType; weak: boolean } {
  const info = dtypeInfo(x);
  const d = dtypeOpt(opts as DTypeArg);
  const s = isOptions(opts) && (opts as LikeOpts).shape != null ? shapeArg((opts as LikeOpts).shape!, "like") : null;
  const shape = s ?? (isArray(x) ? x.shape : []);
  return { shape, dtype: d ?? info.dtype, weak: d === undefined && info.weakType };
}

/** jnp.zeros_like(x, { dtype, shape }). */
export function zerosLike(x: ArrayLike, opts?: DTypeArg | LikeOpts): JaxArray {
  const { shape, dtype, weak } = likeSpec(x, opts);
  return lax.full(shape, 0, dtype, weak);
}

/** jnp.ones_like(x, { dtype, shape }). */
export function onesLike(x: ArrayLike, opts?: DTypeArg | LikeOpts): JaxArray {
  const { shape, dtype, weak } = likeSpec(x, opts);
  return lax.full(shape, 1, dtype, weak);
}

/** jnp.empty_like: zeros_like. */
export const emptyLike = (x: ArrayLike, opts?: DTypeArg | LikeOpts): JaxArray => zerosLike(x, opts);

/** jnp.full_like(x, fillValue, { dtype, shape }). */
export function fullLike(x: ArrayLike, fillValue: ArrayLike, opts?: DTypeArg | LikeOpts): JaxArray {
  const { shape, dtype, weak } = likeSpec(x, opts);
  if (isArray(fillValue)) return broadcastTo(lax.convertElementType(fillValue, dtype, weak), shape);
  return lax.full(shape, fillValue, dtype, weak);
}

/**
 * jnp.arange(stop) / arange(start, stop, step?), with an options object `{ dtype }` last.
 * Arguments must be concrete. Without a dtype the result is int32 when every argument is an
 * integer and float32 otherwise (JS has one number type: `arange(0, 5)` is int32, as
 * `jnp.arange(0, 5)` in Python, while `jnp.arange(0.0, 5.0)` needs `{ dtype: "float32" }`).
 */
export function arange(...args: (ArrayLike | null | { dtype?: DTypeLike | null })[]): JaxArray {
  const last = args[args.length - 1];
  const opts = isOptions(last) ? (args.pop() as { dtype?: DTypeLike | null }) : {};
  const nums = args.map((a) => (a === null || a === undefined ? null : concreteNumber(a as ArrayLike, "arange")));
  if (nums.length === 0 || nums.length > 3 || nums[0] === null) throw new TypeError("arange() requires stop to be specified.");
  let [start, stop, step] = nums.length === 1 ? [0, nums[0]!, 1] : [nums[0]!, nums[1], nums[2] ?? 1];
  if (stop === null || stop === undefined) [start, stop] = [0, start];
  if (step === 0) throw new ValueError("arange: step cannot be zero");
  const argDtypes = args.filter((a) => isArray(a)).map((a) => (a as JaxArray).dtype);
  const allInt = nums.every((v) => v === null || Number.isInteger(v)) && argDtypes.every((d) => !isFloat(d));
  const d = dtypeOpt(opts) ?? (allInt ? defaultInt() : defaultFloat());
  const n = Math.max(0, Math.ceil((stop - start) / step!));
  if (start === 0 && step === 1 && !isFloat(d)) return lax.iota(d, n);
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step!;
  return array(vals, { dtype: d });
}

interface LinspaceOpts {
  num?: number;
  endpoint?: boolean;
  retstep?: boolean;
  dtype?: DTypeLike | null;
  axis?: number;
}

/**
 * jnp.linspace(start, stop, num = 50, { endpoint, retstep, dtype, axis }). start/stop may be
 * Arrays (the samples run along a new `axis`); the result is differentiable in them. With
 * `retstep` the result is `[samples, step]`.
 */
export function linspace(start: ArrayLike, stop: ArrayLike, num: number | undefined, opts: LinspaceOpts & { retstep: true }): [JaxArray, JaxArray];
export function linspace(start: ArrayLike, stop: ArrayLike, opts: LinspaceOpts & { retstep: true }): [JaxArray, JaxArray];
export function linspace(start: ArrayLike, stop: ArrayLike, num?: number | LinspaceOpts, opts?: LinspaceOpts): JaxArray;
export function linspace(start: ArrayLike, stop: ArrayLike, num?: number | LinspaceOpts, opts: LinspaceOpts = {}): JaxArray | [JaxArray, JaxArray] {
  if (isOptions(num)) [num, opts] = [undefined, num];
  const n = (num as number | undefined) ?? opts.num ?? 50;
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`Number of samples, ${n}, must be non-negative.`);
  const endpoint = opts.endpoint ?? true;
  const [a, b] = promoteArgsInexact("linspace", start, stop);
  const ct = a!.dtype;
  const bshape = a!.shape;
  const div = endpoint ? n - 1 : n;
  const delta = lax.sub(b!, a!);
  const stepArr = lax.div(delta, lax.full(bshape, div, ct));
  const expand = (v: JaxArray, len: number) => lax.broadcastInDim(v, [len, ...bshape], bshape.map((_, i) => i + 1));
  let out: JaxArray;
  if (n === 0) out = lax.full([0, ...bshape], 0, ct);
  else if (n === 1) out = expand(a!, 1);
  else {
    const m = endpoint ? n - 1 : n;
    const iota = lax.broadcastInDim(lax.iota(ct, m), [m, ...bshape], [0]);
    // start + i * (stop - start) / div, with the endpoint set exactly to stop.
    const body = lax.add(expand(a!, m), lax.div(lax.mul(iota, expand(delta, m)), lax.full([m, ...bshape], div, ct)));
    out = endpoint ? concatenate([body, expand(b!, 1)], 0) : body;
  }
  const axis = opts.axis ?? 0;
  out = moveaxis(out, 0, axis);
  const d = dtypeOpt(opts) ?? ct;
  if (d !== ct) out = lax.convertElementType(isInt(d) ? lax.floor(out) : out, d);
  return opts.retstep ? [out, stepArr] : out;
}

/** jnp.logspace(start, stop, num = 50, { endpoint, base = 10, dtype, axis }): base ** linspace. */
export function logspace(
  start: ArrayLike,
  stop: ArrayLike,
  num?: number | (LinspaceOpts & { base?: number }),
  opts: LinspaceOpts & { base?: number } = {},
): JaxArray {
  if (isOptions(num)) [num, opts] = [undefined, num];
  const lin = linspace(start, stop, num as number | undefined, { ...opts, dtype: undefined, retstep: false });
  const out = lax.pow(lax.full(lin.shape, opts.base ?? 10, lin.dtype), lin);
  const d = dtypeOpt(opts);
  return d === undefined || d === out.dtype ? out : lax.convertElementType(isInt(d) ? lax.floor(out) : out, d);
}

interface EyeOpts {
  k?: number;
  dtype?: DTypeLike | null;
}

function checkDim(n: number, what: string, name: string): void {
  if (!Number.isInteger(n) || n < 0) throw new ValueError(`${name}: ${what} must be a non-negative integer, got ${n}`);
}

/** A bool [N, M] mask of `cmp(j, i + k)` over row i and column j. */
function diagMask(N: number, M: number, k: number, cmp: (col: JaxArray, rowk: JaxArray) => JaxArray): JaxArray {
  const i = lax.broadcastedIota("int32", [N, M], 0);
  const j = lax.broadcastedIota("int32", [N, M], 1);
  return cmp(j, lax.add(i, lax.full([N, M], k, "int32")));
}

function parseEye(M: number | null | undefined | EyeOpts, opts: EyeOpts): [number | null, EyeOpts] {
  return isOptions(M) ? [null, M as EyeOpts] : [(M as number | null | undefined) ?? null, opts];
}

/** jnp.eye(N, M?, { k, dtype }): ones on the k-th diagonal. */
export function eye(N: number, M?: number | null | EyeOpts, opts: EyeOpts = {}): JaxArray {
  const [m0, o] = parseEye(M, opts);
  const m = m0 ?? N;
  checkDim(N, "N", "eye");
  checkDim(m, "M", "eye");
  return lax.convertElementType(diagMask(N, m, o.k ?? 0, lax.eq), dtypeOpt(o) ?? defaultFloat());
}

/** jnp.identity(n, dtype?). */
export const identity = (n: number, dtype?: DTypeArg): JaxArray => eye(n, null, { dtype: dtypeOpt(dtype) ?? null });

/** jnp.tri(N, M?, { k, dtype }): ones at and below the k-th diagonal. */
export function tri(N: number, M?: number | null | EyeOpts, opts: EyeOpts = {}): JaxArray {
  const [m0, o] = parseEye(M, opts);
  const m = m0 ?? N;
  checkDim(N, "N", "tri");
  checkDim(m, "M", "tri");
  return lax.convertElementType(diagMask(N, m, o.k ?? 0, lax.le), dtypeOpt(o) ?? defaultFloat());
}

function triMasked(name: string, m: ArrayLike, k: number, keepLower: boolean): JaxArray {
  const x = lax.asArray(m);
  if (x.ndim < 2) throw new ValueError(`Argument to jax.numpy.${name} must be at least 2D, got shape ${npShape(x.shape)}`);
  const [N, M] = x.shape.slice(-2) as [number, number];
  // tril keeps j <= i + k; triu keeps j >= i + k.
  const mask = keepLower ? diagMask(N, M, k, lax.le) : diagMask(N, M, k, lax.ge);
  const bmask = lax.broadcastInDim(mask, x.shape, [x.ndim - 2, x.ndim - 1]);
  return lax.select(bmask, x, lax.zerosLike(x));
}

/** jnp.tril(m, k = 0): zeroes entries above the k-th diagonal of the last two axes. */
export const tril = (m: ArrayLike, k: number | { k?: number } = 0): JaxArray =>
  triMasked("tril", m, typeof k === "number" ? k : (k.k ?? 0), true);

/** jnp.triu(m, k = 0): zeroes entries below the k-th diagonal of the last two axes. */
export const triu = (m: ArrayLike, k: number | { k?: number } = 0): JaxArray =>
  triMasked("triu", m, typeof k === "number" ? k : (k.k ?? 0), false);

/**
 * jnp.meshgrid(...xs, { indexing = "xy", sparse = false }): coordinate arrays. With "xy" the
 * first two output axes are swapped (Cartesian indexing), as in NumPy.
 */
export function meshgrid(...args: (ArrayLike | { indexing?: "xy" | "ij"; sparse?: boolean })[]): JaxArray[] {
  const opts = isOptions(args[args.length - 1]) ? (args.pop() as { indexing?: "xy" | "ij"; sparse?: boolean }) : {};
  const indexing = opts.indexing ?? "xy";
  if (indexing !== "xy" && indexing !== "ij") throw new ValueError(`Valid values for indexing are 'xy' and 'ij', got ${indexing}`);
  const xs = (args as ArrayLike[]).map((a) => {
    const x = lax.asArray(a);
    return lax.reshape(x, [x.size]);
  });
  const n = xs.length;
  const swap = indexing === "xy" && n >= 2;
  const pos = (i: number) => (swap && i < 2 ? 1 - i : i);
  const shape = new Array<number>(n);
  xs.forEach((x, i) => (shape[pos(i)] = x.size));
  return xs.map((x, i) => {
    if (opts.sparse) return lax.reshape(x, shape.map((d, j) => (j === pos(i) ? d : 1)));
    return lax.broadcastInDim(x, shape, [pos(i)]);
  });
}
