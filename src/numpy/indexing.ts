// NumPy indexing for jaxts: `jnp.index(x, ...idx)` / `x.get(...idx)` and the functional updates
// `x.at(...idx).set(v)`, `.add(v)`, `.multiply(v)`, `.min(v)`, `.max(v)`, `.get()`.
//
// Index forms (one argument per axis, as the entries of a Python index tuple):
//   2, -1                 an integer; negative counts from the end. JS numbers (alone or in JS
//                         arrays) are checked: out of range raises NumPy's IndexError ("index 5 is
//                         out of bounds for axis 0 with size 3"). Array indices are not (see below).
//   "1:5", "::2", ":"     a slice, written as Python writes it ("::-1" reverses); or an object:
//   s(1, 5, 2)            jnp.s(start, stop, step) (one argument is the stop, as Python's slice()),
//   {start, stop, step}   or a plain object with any of these keys; null/undefined mean "omitted".
//   null (jnp.newaxis)    inserts an axis of size 1.
//   "..." (jnp.ellipsis)  as many ":" as needed.
//   an integer Array, or a (nested) JS array / typed array of integers: advanced indexing. Index
//                         arrays broadcast together; their dims replace the indexed axes in place
//                         when the advanced indices are adjacent, else they go first (NumPy's rule;
//                         an integer next to an index array counts as an advanced index).
//   a boolean Array or a JS array of booleans: a mask, which must be concrete (not traced):
//                         it selects its true positions (NumPy's x[mask]). true/false alone add an
//                         axis of length 1/0.
//   A 0-d integer Array (also a traced one) is an integer index at a dynamic position.
//
// Lowering, as JAX does it: integers and slices become lax.slice (strided and reversed slices
// included: rev + slice, where JAX falls back to gather), squeeze and expand_dims; dynamic scalar
// indices become dynamic_slice; anything with an index array becomes one gather. Updates are one
// scatter (scatter, scatter-add, scatter-mul, scatter-min, scatter-max). Out-of-bounds Array
// indices follow JAX's defaults: a get clamps them, an update drops them; repeated indices
// accumulate in add/multiply/min/max (like np.add.at), and for set one of the updates wins.
import { type ArrayLike, JaxArray, isArray } from "../core/array.js";
import { ShapedArray } from "../core/aval.js";
import { type TypedArray, isBool, isFloat, isUnsignedInt } from "../core/dtypes.js";
import { prod, shapeStr } from "../core/shape.js";
import * as lax from "../lax/index.js";
import { arrayFromData } from "../runtime/dispatch.js";
import { ValueError, broadcastTo, resultTypeOf } from "./core.js";

// ---- public index types ----

/** Python's IndexError. */
export class IndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** JAX's error for a boolean mask that is not concrete (under jit or vmap). */
export class NonConcreteBooleanIndexError extends IndexError {
  constructor(what: string) {
    super(
      `Array boolean indices must be concrete; got ${what}\n` +
        "See https://docs.jax.dev/en/latest/errors.html#jax.errors.NonConcreteBooleanIndexError",
    );
  }
}

export type SliceBound = number | null | undefined | JaxArray;

/** A slice object: `jnp.s(start, stop, step)`; null parts are omitted, as in Python. */
export class Slice {
  constructor(
    readonly start: SliceBound = null,
    readonly stop: SliceBound = null,
    readonly step: SliceBound = null,
  ) {}
  toString(): string {
    const p = (v: SliceBound) =>
      v === null || v === undefined ? "" : isArray(v) && !v.canConcretize() ? `<${v.aval.longStr()}>` : String(Number(v));
    return `${p(this.start)}:${p(this.stop)}${this.step === null || this.step === undefined ? "" : `:${p(this.step)}`}`;
  }
}

/** jnp.s(stop) / jnp.s(start, stop, step?): a slice, with the arguments of Python's slice(). */
export function s(...args: SliceBound[]): Slice {
  if (args.length === 0 || args.length > 3) throw new TypeError(`s expected 1 to 3 arguments, got ${args.length}`);
  return args.length === 1 ? new Slice(null, args[0]) : new Slice(args[0], args[1], args[2] ?? null);
}

/** NumPy's newaxis (None): inserts an axis of size 1. */
export const newaxis = null;
/** Python's Ellipsis: stands for as many full slices as needed. */
export const ellipsis = "...";

type Nested<T> = T | Nested<T>[];
export type SliceObject = { start?: SliceBound; stop?: SliceBound; step?: SliceBound };
/** One entry of an index: see the module header for the forms. */
export type Index = number | boolean | null | string | Slice | SliceObject | JaxArray | Nested<number>[] | Nested<boolean>[] | TypedArray;
export type UpdateMode = "set" | "add" | "multiply" | "min" | "max";

// ---- parsing ----

interface HostInts {
  shape: number[];
  data: number[];
}
/** A parsed index entry; `pos` is its position among the user's arguments (for messages). */
type Entry =
  | { k: "int"; v: number; pos: number } // a JS number
  | { k: "dyn"; v: JaxArray; pos: number } // a 0-d integer Array
  | { k: "slice"; sl: Slice; pos: number }
  | { k: "none"; pos: number }
  | { k: "ellipsis"; pos: number }
  | { k: "arr"; v: JaxArray | HostInts; pos: number } // an integer index array
  | { k: "mask"; shape: number[]; data: globalThis.ArrayLike<number>; pos: number }
  | { k: "bool"; v: boolean; pos: number };

const SLICE_RE = /^\s*([+-]?\d+)?\s*:\s*([+-]?\d+)?\s*(?::\s*([+-]?\d+)?\s*)?$/;
const SLICE_KEYS = new Set(["start", "stop", "step"]);

function repr(x: unknown): string {
  if (typeof x === "string") return JSON.stringify(x);
  if (isArray(x)) return x.canConcretize() ? x.toString() : x.aval.longStr();
  if (x === undefined) return "undefined";
  if (typeof x === "function") return "a function";
  try {
    return JSON.stringify(x) ?? String(x);
  } catch {
    return String(x);
  }
}

function floatIndexError(dtype: string, pos: number, v: unknown): TypeError {
  return new TypeError(`Indexer must have integer or boolean type, got indexer with type ${dtype} at position ${pos}, indexer value ${repr(v)}`);
}

const TYPED_INT = [Int8Array, Int16Array, Int32Array, Uint8Array, Uint8ClampedArray, Uint16Array, Uint32Array];
const isTyped = (x: unknown): x is TypedArray => ArrayBuffer.isView(x) && !(x instanceof DataView);

/** Flattens a nested JS array of numbers or booleans, checking that it is rectangular. */
function hostNested(v: unknown[], pos: number): { shape: number[]; data: number[]; bool: boolean } {
  const shape: number[] = [];
  const data: number[] = [];
  let kind: "num" | "bool" | null = null;
  const walk = (a: unknown, d: number): void => {
    if (Array.isArray(a)) {
      if (shape.length === d) shape.push(a.length);
      else if (shape.length < d || shape[d] !== a.length) throw new ValueError(`index at position ${pos} is a ragged nested array`);
      for (const e of a) walk(e, d + 1);
      return;
    }
    if (shape.length !== d) throw new ValueError(`index at position ${pos} is a ragged nested array`);
    const k = typeof a === "number" ? "num" : typeof a === "boolean" ? "bool" : null;
    if (k === null) {
      throw new TypeError(
        `Using a non-tuple sequence for multidimensional indexing is not allowed; pass the indices as separate ` +
          `arguments, x.get(...idx) instead of x.get(idx). (Index at position ${pos} contains ${repr(a)}.)`,
      );
    }
    if (kind !== null && kind !== k) throw new TypeError(`index at position ${pos} mixes booleans and numbers`);
    kind = k;
    data.push(Number(a));
  };
  walk(v, 0);
  const isBoolArr = (kind as string | null) === "bool";
  if (!isBoolArr && data.some((d) => !Number.isInteger(d))) throw floatIndexError("float32", pos, v);
  return { shape, data, bool: isBoolArr };
}

function parseSliceString(str: string, pos: number): Slice {
  const m = SLICE_RE.exec(str);
  if (!m) {
    throw new TypeError(
      `Invalid index string ${JSON.stringify(str)} at position ${pos}: expected a slice such as "1:5", "::2", ":" or "::-1", ` +
        'or "..." for the ellipsis',
    );
  }
  const num = (g: string | undefined) => (g === undefined ? null : Number(g));
  return new Slice(num(m[1]), num(m[2]), num(m[3]));
}

function parseEntry(i: unknown, pos: number): Entry {
  if (i === null) return { k: "none", pos };
  if (typeof i === "number") {
    if (!Number.isInteger(i)) throw floatIndexError("float32", pos, i);
    return { k: "int", v: i, pos };
  }
  if (typeof i === "boolean") return { k: "bool", v: i, pos };
  if (typeof i === "string") return i.trim() === "..." ? { k: "ellipsis", pos } : { k: "slice", sl: parseSliceString(i, pos), pos };
  if (i instanceof Slice) return { k: "slice", sl: i, pos };
  if (isArray(i)) {
    if (isFloat(i.dtype)) throw floatIndexError(i.dtype, pos, i);
    if (isBool(i.dtype)) {
      if (!i.canConcretize()) throw new NonConcreteBooleanIndexError(`ShapedArray(${i.aval.longStr()})`);
      const c = i.toConcrete("a boolean index");
      if (c.ndim === 0) return { k: "bool", v: c.readData()[0] !== 0, pos };
      return { k: "mask", shape: c.shape, data: c.readData(), pos };
    }
    return i.ndim === 0 ? { k: "dyn", v: i, pos } : { k: "arr", v: i, pos };
  }
  if (Array.isArray(i)) {
    const h = hostNested(i, pos);
    return h.bool ? { k: "mask", shape: h.shape, data: h.data, pos } : { k: "arr", v: { shape: h.shape, data: h.data }, pos };
  }
  if (isTyped(i)) {
    if (!TYPED_INT.some((c) => i instanceof c)) throw floatIndexError(i instanceof Float64Array ? "float64" : "float32", pos, Array.from(i));
    return { k: "arr", v: { shape: [i.length], data: Array.from(i, Number) }, pos };
  }
  if (typeof i === "object" && i !== undefined && Object.keys(i).every((key) => SLICE_KEYS.has(key))) {
    const o = i as SliceObject;
    return { k: "slice", sl: new Slice(o.start, o.stop, o.step), pos };
  }
  throw new IndexError(
    `Indexing mode not yet supported. Got unsupported indexer at position ${pos}: ${repr(i)}. Valid indices are ` +
      'integers, slices ("1:5" or jnp.s(1, 5)), null (newaxis), "..." (ellipsis), integer arrays and boolean masks.',
  );
}

// ---- canonicalization ----

/** Python's slice.indices, as (start, step, size) over an axis of size n. */
function canonicalizeSlice(sl: Slice, n: number): { start: number; step: number; size: number } {
  const bound = (v: SliceBound, what: string): number | null => {
    if (v === null || v === undefined) return null;
    let b: number;
    if (isArray(v)) {
      if (!v.canConcretize()) {
        throw new IndexError(
          "Array slice indices must have static start/stop/step to be used with NumPy indexing syntax. " +
            `Found slice(${repr(sl.start)}, ${repr(sl.stop)}, ${repr(sl.step)}). To index a statically sized array at a ` +
            "dynamic position, try lax.dynamic_slice/dynamic_update_slice (JAX does not support dynamically sized " +
            "arrays within JIT compiled functions).",
        );
      }
      b = Number(v);
    } else b = v;
    if (typeof b !== "number" || !Number.isInteger(b)) {
      throw new TypeError(`slice indices must be integers or None, got ${what}=${repr(v)}`);
    }
    return b;
  };
  const step = bound(sl.step, "step") ?? 1;
  if (step === 0) throw new ValueError("slice step cannot be zero");
  const [lo, hi] = step > 0 ? [0, n] : [-1, n - 1];
  const clampB = (v: number | null, dflt: number): number => (v === null ? dflt : v < 0 ? Math.max(v + n, lo) : Math.min(v, hi));
  const start = clampB(bound(sl.start, "start"), step > 0 ? 0 : n - 1);
  const stop = clampB(bound(sl.stop, "stop"), step > 0 ? n : -1);
  const size = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((start - stop) / -step));
  return { start, step, size };
}

const consumes = (e: Entry): number =>
  e.k === "int" || e.k === "dyn" || e.k === "slice" || e.k === "arr" ? 1 : e.k === "mask" ? e.shape.length : 0;

/** Host nonzero: one coordinate list per mask dim. */
function nonzero(shape: number[], data: globalThis.ArrayLike<number>): HostInts[] {
  const coords: number[][] = shape.map(() => []);
  const n = prod(shape);
  for (let f = 0; f < n; f++) {
    if (!data[f]) continue;
    let r = f;
    for (let d = shape.length - 1; d >= 0; d--) {
      coords[d]!.push(r % shape[d]!);
      r = Math.floor(r / shape[d]!);
    }
  }
  return coords.map((c) => ({ shape: [c.length], data: c }));
}

interface Canonical {
  /** Entries after mask expansion and ellipsis removal, padded with trailing full slices. */
  entries: Entry[];
  /** Whether NumPy's advanced indexing applies (some index array or scalar boolean). */
  advanced: boolean;
  /** Whether the advanced indices are adjacent (then their dims stay in place). */
  contiguous: boolean;
}

function canonicalize(shape: readonly number[], raw: Entry[]): Canonical {
  const ndim = shape.length;
  if (raw.filter((e) => e.k === "ellipsis").length > 1) throw new IndexError("an index can only have a single ellipsis ('...')");
  // Masks: check their shape against the axes they cover, then replace them by nonzero().
  const total = raw.reduce((a, e) => a + consumes(e), 0);
  const expanded: Entry[] = [];
  let axis = 0;
  for (const e of raw) {
    if (e.k === "ellipsis") axis += Math.max(0, ndim - total);
    if (e.k === "mask") {
      const expected = shape.slice(axis, axis + e.shape.length);
      if (expected.length !== e.shape.length) {
        throw new IndexError(
          `too many boolean indices at index ${e.pos}: got mask of shape ${shapeStr(e.shape)}, but only ${expected.length} dimensions remain.`,
        );
      }
      if (e.shape.some((d, i) => d !== expected[i])) {
        throw new IndexError(
          `boolean index did not match shape of indexed array in index ${e.pos}: got ${shapeStr(e.shape)}, expected ${shapeStr(expected)}`,
        );
      }
      for (const c of nonzero(e.shape, e.data)) expanded.push({ k: "arr", v: c, pos: e.pos });
    } else expanded.push(e);
    axis += consumes(e);
  }
  if (total > ndim) {
    throw new IndexError(`Too many indices: ${ndim}-dimensional array indexed with ${total} regular ${total === 1 ? "index" : "indices"}.`);
  }
  const advanced = expanded.some((e) => e.k === "arr" || e.k === "bool");
  // NumPy: advanced indices separated by a slice, newaxis or ellipsis (even an empty one) move first.
  const advPos = expanded.flatMap((e, i) => (e.k === "arr" || e.k === "bool" || e.k === "int" || e.k === "dyn" ? [i] : []));
  const contiguous = advPos.every((p, i) => i === 0 || p === advPos[i - 1]! + 1);
  const full = (pos: number): Entry => ({ k: "slice", sl: new Slice(), pos });
  const entries: Entry[] = [];
  const missing = ndim - expanded.reduce((a, e) => a + consumes(e), 0);
  let sawEllipsis = false;
  for (const e of expanded) {
    if (e.k === "ellipsis") {
      sawEllipsis = true;
      for (let j = 0; j < missing; j++) entries.push(full(e.pos));
    } else entries.push(e);
  }
  if (!sawEllipsis) for (let j = 0; j < missing; j++) entries.push(full(-1));
  return { entries, advanced, contiguous };
}

/** Checks a JS-number index against its axis (NumPy's IndexError) and wraps negatives. */
function staticIndex(v: number, axis: number, size: number): number {
  if (v < -size || v >= size) throw new IndexError(`index ${v} is out of bounds for axis ${axis} with size ${size}`);
  return v < 0 ? v + size : v;
}

/** i + n where i < 0 (not for unsigned indices), then int32: the index of a traced position. */
function normalizeDynamic(i: JaxArray, size: number): JaxArray {
  const wrapped = isUnsignedInt(i.dtype) ? i : lax.select(lax.lt(i, 0), lax.add(i, size), i);
  return lax.convertElementType(wrapped, "int32");
}

function hostInt32(h: HostInts): JaxArray {
  const a = arrayFromData(Int32Array.from(h.data), new ShapedArray([h.data.length], "int32"));
  return h.shape.length === 1 ? a : lax.reshape(a, h.shape);
}

const int32Scalar = (v: number): JaxArray => lax.scalar(v, "int32");

// ---- basic indexing: slices, integers, newaxis ----

/** x[idx] for integers, slices and newaxis only: rev + slice / dynamic_slice + squeeze + expand_dims. */
function basicGet(x: JaxArray, entries: Entry[]): JaxArray {
  const shape = x.shape;
  const rev: number[] = [];
  const starts: number[] = [];
  const limits: number[] = [];
  const strides: number[] = [];
  const dyn: (JaxArray | null)[] = []; // dynamic_slice wraps negative indices itself
  const squeeze: number[] = [];
  const newaxes: number[] = [];
  let axis = 0;
  let out = 0;
  for (const e of entries) {
    if (e.k === "none") {
      newaxes.push(out++);
      continue;
    }
    const n = shape[axis]!;
    dyn.push(null);
    if (e.k === "int") {
      const i = staticIndex(e.v, axis, n);
      starts.push(i), limits.push(i + 1), strides.push(1), squeeze.push(axis);
    } else if (e.k === "dyn") {
      if (n === 0) throw new IndexError(`index is out of bounds for axis ${axis} with size 0`);
      starts.push(0), limits.push(n), strides.push(1), squeeze.push(axis);
      dyn[axis] = e.v;
    } else if (e.k === "slice") {
      let { start, step, size } = canonicalizeSlice(e.sl, n);
      if (step < 0) {
        // On the reversed axis element j of the slice sits at n-1-(start+step*j): a forward slice.
        rev.push(axis);
        start = n - 1 - start;
        step = -step;
      }
      if (size === 0) start = 0;
      starts.push(start), limits.push(size === 0 ? 0 : start + (size - 1) * step + 1), strides.push(step);
      out++;
    } else throw new Error(`basicGet: unexpected ${e.k} index`);
    axis++;
  }
  let y = rev.length ? lax.rev(x, rev) : x;
  const dynamic = dyn.some((d) => d !== null);
  const unitStrides = strides.every((st) => st === 1);
  if (dynamic && unitStrides) {
    // One dynamic_slice covers the static windows too (as JAX emits it).
    const sizes = shape.map((n, a) => (dyn[a] ? 1 : limits[a]! - starts[a]!));
    y = lax.dynamicSlice(y, dyn.map((d, a) => d ?? starts[a]!), sizes);
  } else {
    const identity = starts.every((st, a) => st === 0 && limits[a] === shape[a] && strides[a] === 1);
    if (!identity) y = lax.slice(y, starts, limits, unitStrides ? null : strides);
    if (dynamic) {
      const sizes = y.shape.map((n, a) => (dyn[a] ? 1 : n));
      y = lax.dynamicSlice(y, dyn.map((d) => d ?? 0), sizes);
    }
  }
  if (squeeze.length) y = lax.squeeze(y, squeeze);
  if (newaxes.length) y = lax.expandDims(y, newaxes);
  return y;
}

// ---- advanced indexing: JAX's index_to_gather ----

interface Indexer {
  /** The shape of x[idx]. */
  sliceShape: number[];
  /** slice_sizes of the gather (one per axis of x). */
  gatherSliceShape: number[];
  /** The gather/scatter indices (index vector last), or null when every axis is a full slice. */
  indices: JaxArray | null;
  offsetDims: number[];
  collapsedSliceDims: number[];
  startIndexMap: number[];
  /** Output dims of negative-step slices, reversed after the gather. */
  reversedYDims: number[];
  /** Output dims added by newaxis. */
  newaxisDims: number[];
  /** No index arrays: the indices cannot repeat. */
  unique: boolean;
  /** Axes of size 1 inserted into x for scalar boolean indices. */
  boolAxes: number[];
}

function toGather(shape0: readonly number[], c: Canonical): Indexer {
  // Scalar booleans index a new axis of size 1 with [0] (true) or [] (false).
  const boolAxes: number[] = [];
  let ax = 0;
  const entries: Entry[] = c.entries.map((e) => {
    if (e.k === "bool") {
      boolAxes.push(ax++);
      return { k: "arr", v: { shape: [e.v ? 1 : 0], data: e.v ? [0] : [] }, pos: e.pos };
    }
    ax += consumes(e);
    return e;
  });
  const shape = [...shape0];
  for (const a of boolAxes) shape.splice(a, 0, 1);

  // The advanced indices (index arrays, and integers beside them), normalized and broadcast.
  type Adv = { arr: JaxArray; axis: number; idxPos: number };
  const adv: Adv[] = [];
  if (c.advanced) {
    let axis = 0;
    entries.forEach((e, idxPos) => {
      const n = shape[axis]!;
      if (e.k === "arr") {
        const a = isArray(e.v)
          ? normalizeDynamic(e.v, n)
          : hostInt32({ shape: e.v.shape, data: e.v.data.map((v) => staticIndex(v, axis, n)) });
        adv.push({ arr: a, axis, idxPos });
      } else if (e.k === "int") adv.push({ arr: int32Scalar(staticIndex(e.v, axis, n)), axis, idxPos });
      else if (e.k === "dyn") adv.push({ arr: normalizeDynamic(e.v, n), axis, idxPos });
      axis += consumes(e);
    });
  }
  let advShape: number[] = [];
  if (adv.length) {
    const shapes = adv.map((a) => a.arr.shape);
    const nd = Math.max(...shapes.map((s) => s.length));
    advShape = new Array<number>(nd).fill(1);
    for (const s of shapes) {
      s.forEach((d, i) => {
        const j = nd - s.length + i;
        if (advShape[j] === 1) advShape[j] = d;
        else if (d !== 1 && d !== advShape[j]) {
          throw new IndexError(`shape mismatch: indexing arrays could not be broadcast together with shapes ${shapes.map(shapeStr).join(" ")}`);
        }
      });
    }
  }
  const advIdxPos = new Set(adv.map((a) => a.idxPos));
  const insertAt = adv.length ? (c.contiguous ? adv[0]!.idxPos : 0) : -1;

  const gatherIdx: { g: JaxArray; start: number }[] = [];
  const gatherIdxShape: number[] = [];
  const offsetDims: number[] = [];
  const collapsed: number[] = [];
  const startIndexMap: number[] = [];
  const sliceShape: number[] = [];
  const newaxisDims: number[] = [];
  const reversedYDims: number[] = [];
  const gatherSliceShape: number[] = [];
  let xAxis = 0;
  let yAxis = 0;
  let collapsedY = 0;
  entries.forEach((e, idxPos) => {
    if (idxPos === insertAt) {
      const start = gatherIdxShape.length;
      for (const a of adv) gatherIdx.push({ g: broadcastTo(a.arr, advShape), start });
      gatherIdxShape.push(...advShape);
      startIndexMap.push(...adv.map((a) => a.axis));
      collapsed.push(...adv.map((a) => a.axis));
      sliceShape.push(...advShape);
      yAxis += advShape.length;
      collapsedY += advShape.length;
    }
    if (advIdxPos.has(idxPos)) {
      xAxis++;
      gatherSliceShape.push(1);
      return;
    }
    const n = shape[xAxis]!;
    if (e.k === "int" || e.k === "dyn") {
      if (n === 0 && e.k === "dyn") throw new IndexError(`index is out of bounds for axis ${xAxis} with size 0`);
      const g = e.k === "int" ? int32Scalar(staticIndex(e.v, xAxis, n)) : normalizeDynamic(e.v, n);
      gatherIdx.push({ g, start: gatherIdxShape.length });
      collapsed.push(xAxis);
      gatherSliceShape.push(1);
      startIndexMap.push(xAxis);
      xAxis++;
    } else if (e.k === "none") {
      sliceShape.push(1);
      newaxisDims.push(yAxis++);
    } else if (e.k === "slice") {
      const { start, step, size } = canonicalizeSlice(e.sl, n);
      sliceShape.push(size);
      if (step === 1) {
        if (size !== n) {
          gatherIdx.push({ g: int32Scalar(start), start: gatherIdxShape.length });
          startIndexMap.push(xAxis);
        }
        gatherSliceShape.push(size);
        offsetDims.push(collapsedY);
      } else {
        // A strided slice is an index array start + step*iota (ascending; reversed back after).
        const ids = Array.from({ length: size }, (_, j) => start + step * j);
        if (step < 0) {
          reversedYDims.push(collapsedY);
          ids.reverse();
        }
        gatherSliceShape.push(1);
        gatherIdx.push({ g: hostInt32({ shape: [size], data: ids }), start: gatherIdxShape.length });
        startIndexMap.push(xAxis);
        gatherIdxShape.push(size);
        collapsed.push(xAxis);
      }
      collapsedY++;
      yAxis++;
      xAxis++;
    } else throw new Error(`toGather: unexpected ${e.k} index`);
  });

  let indices: JaxArray | null = null;
  if (gatherIdx.length === 1) {
    const g = gatherIdx[0]!.g;
    indices = lax.reshape(g, [...g.shape, 1]);
  } else if (gatherIdx.length > 1) {
    const full = [...gatherIdxShape, 1];
    const parts = gatherIdx.map(({ g, start }) => lax.broadcastInDim(g, full, g.shape.map((_, i) => start + i)));
    indices = lax.concatenate(parts, gatherIdxShape.length);
  }
  return {
    sliceShape,
    gatherSliceShape,
    indices,
    offsetDims,
    collapsedSliceDims: [...collapsed].sort((a, b) => a - b),
    startIndexMap,
    reversedYDims,
    newaxisDims,
    unique: adv.length === 0,
    boolAxes,
  };
}

// ---- public functions ----

function prepare(x: JaxArray, idx: readonly unknown[]): Canonical {
  return canonicalize(x.shape, idx.map(parseEntry));
}

/**
 * jnp.index(x, ...idx): NumPy indexing, `x[idx]` in Python; also `x.get(...idx)` and
 * `x.at(...idx).get()`. One argument per index entry:
 *
 *   x.get(0)                  first row             x.get(-1, "::2")      last row, every 2nd column
 *   x.get("1:3")              rows 1 and 2          x.get(":", jnp.s(1, null, -1))
 *   x.get(null, "...")        newaxis first         x.get("...", 0)       first of the last axis
 *   x.get([2, 0])             rows 2 and 0          x.get(idx0, idx1)     pairs (idx0[k], idx1[k])
 *   x.get(jnp.greater(x, 0))  masked elements (the mask must be concrete)
 *
 * Slices are strings ("start:stop:step", each part optional, "::-1" reverses) or objects
 * (`jnp.s(start, stop, step)`, `{start, stop, step}`); `null` is newaxis; `"..."` is the
 * ellipsis; integer Arrays and JS integer arrays are advanced indices (broadcast together,
 * NumPy's placement of their dims); boolean Arrays and JS boolean arrays are masks (concrete only).
 * JS numbers out of range raise IndexError; out-of-range Array indices are clamped (JAX's behavior).
 */
export function index(x: ArrayLike, ...idx: Index[]): JaxArray {
  const a = lax.asArray(x);
  const c = prepare(a, idx);
  if (!c.advanced) return basicGet(a, c.entries);
  const ix = toGather(a.shape, c);
  let y = ix.boolAxes.length ? lax.expandDims(a, ix.boolAxes) : a;
  if (prod(ix.sliceShape) === 0) return lax.full(ix.sliceShape, 0, a.dtype, a.weakType);
  if (ix.indices !== null) {
    y = lax.gather(
      y,
      ix.indices,
      {
        offsetDims: ix.offsetDims,
        collapsedSliceDims: ix.collapsedSliceDims,
        startIndexMap: ix.startIndexMap,
        operandBatchingDims: [],
        startIndicesBatchingDims: [],
      },
      ix.gatherSliceShape,
      { mode: "clip" },
    );
  }
  if (ix.reversedYDims.length) y = lax.rev(y, ix.reversedYDims);
  return ix.newaxisDims.length ? lax.expandDims(y, ix.newaxisDims) : y;
}

const COMBINE: Record<Exclude<UpdateMode, "set">, (a: JaxArray, b: JaxArray) => JaxArray> = {
  add: lax.add,
  multiply: lax.mul,
  min: lax.min,
  max: lax.max,
};

function scatterOp(mode: UpdateMode) {
  switch (mode) {
    case "set":
      return lax.scatter;
    case "add":
      return lax.scatterAdd;
    case "multiply":
      return lax.scatterMul;
    case "min":
      return lax.scatterMin;
    case "max":
      return lax.scatterMax;
  }
}

/**
 * jnp.indexUpdate(x, idx, v, mode): `x.at(...idx).set(v)` (mode "set"), `.add(v)`,
 * `.multiply(v)`, `.min(v)`, `.max(v)`: a new array equal to x except at x[idx], where v (broadcast
 * to the shape of x[idx]) is written or combined. Repeated indices all apply for add, multiply,
 * min and max (as np.add.at); for set one of them wins. Out-of-bounds Array indices are dropped.
 * The computation runs in the promoted dtype of x and v and is cast back to x's dtype.
 */
export function indexUpdate(x: ArrayLike, idx: readonly Index[], v: ArrayLike, mode: UpdateMode): JaxArray {
  const a = lax.asArray(x);
  if (!(mode in COMBINE) && mode !== "set") throw new ValueError(`Unknown index update mode ${JSON.stringify(mode)}`);
  const ix = toGather(a.shape, prepare(a, idx));
  if (prod(ix.sliceShape) === 0) return a;
  const { dtype, weakType } = resultTypeOf(a, v);
  const conv = (t: JaxArray): JaxArray => (t.dtype === dtype ? t : lax.convertElementType(t, dtype, weakType && t.weakType));
  let xp = conv(a);
  let u = conv(isArray(v) ? v : lax.scalar(v as number, dtype, true));
  try {
    u = broadcastTo(u, ix.sliceShape);
  } catch {
    throw new ValueError(
      `shape mismatch: value array of shape ${shapeStr(u.shape)} could not be broadcast to indexing result of shape ${shapeStr(ix.sliceShape)}`,
    );
  }
  if (ix.newaxisDims.length) u = lax.squeeze(u, ix.newaxisDims);
  if (ix.reversedYDims.length) u = lax.rev(u, ix.reversedYDims);
  if (ix.boolAxes.length) xp = lax.expandDims(xp, ix.boolAxes);
  let out: JaxArray;
  if (ix.indices === null) {
    // Every axis is a full slice: the update covers x elementwise.
    out = mode === "set" ? u : COMBINE[mode](xp, u);
  } else {
    const dnums = {
      updateWindowDims: ix.offsetDims,
      insertedWindowDims: ix.collapsedSliceDims,
      scatterDimsToOperandDims: ix.startIndexMap,
      operandBatchingDims: [],
      scatterIndicesBatchingDims: [],
    };
    out = scatterOp(mode)(xp, ix.indices, u, dnums, { mode: "fill", uniqueIndices: ix.unique });
  }
  if (ix.boolAxes.length) out = lax.squeeze(out, ix.boolAxes);
  return out.dtype === a.dtype && out.weakType === a.weakType ? out : lax.convertElementType(out, a.dtype, a.weakType);
}
