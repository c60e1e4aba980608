// jax.random's permutation and choice, with JAX's algorithms (jax/_src/random/core.py):
// shuffling sorts by fresh random uint32 keys in rounds; choice draws indices by randint,
// a shuffle, inverse-CDF search (with p and replacement) or the Gumbel top-k trick
// (with p, without replacement).
import { isArray, type JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { normalizeAxis } from "../core/shape.js";
import { isInt, isUnsignedInt } from "../core/dtypes.js";
import { asarray } from "../numpy/core.js";
import { index } from "../numpy/indexing.js";
import { searchsorted } from "../numpy/sorting.js";
import { checkShape, randomBits, unwrapSingle, type KeyArray } from "./keys.js";
import { lax } from "./ops.js";
import { gumbel, randint, uniform } from "./samplers.js";
import { checkValues, concreteValues, f32, prod, splitPair, type Param } from "./util.js";

const UINT32_MAX = 4294967295;

/**
 * JAX's _shuffle: `rounds` times, sort x along `axis` by fresh random uint32 keys of x's
 * shape (a stable sort). Repeating with independent keys makes ties between keys (which a
 * stable sort resolves by position) vanishingly rare: rounds = ceil(3 ln(size) / ln(2**32 - 1)).
 */
function shuffle(k: JaxArray, x: JaxArray, axis: number): JaxArray {
  const rounds = Math.ceil((3 * Math.log(Math.max(1, x.size))) / Math.log(UINT32_MAX));
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = splitPair(k);
    k = next;
    const sortKeys = randomBits(sub, 32, x.shape);
    x = lax.sortKeyVal(sortKeys, x, axis)[1];
  }
  return x;
}

/** x[:, ..., :, ind] with `ind` in position `axis` (jnp.take along an axis). */
function take(x: JaxArray, ind: JaxArray, axis: number): JaxArray {
  return index(x, ...Array.from({ length: axis }, () => ":"), ind);
}

const arange = (n: number): JaxArray => lax.iota("int32", n);

/** An integer count given as a JS number or a concrete integer scalar, else null. */
function concreteInt(x: Param): number | null {
  if (typeof x === "number") return x;
  if (isArray(x) && x.ndim === 0) {
    if (!(isInt(x.dtype) || isUnsignedInt(x.dtype))) return null;
    const v = concreteValues(x);
    if (v === null) throw new TypeError("permutation/choice: an integer argument `x` must be concrete (it sets the output shape), got a traced value");
    return v[0]!;
  }
  return null;
}

export interface PermutationOptions {
  /** Shuffle each slice along `axis` independently (JAX's `independent=True`). */
  independent?: boolean;
}

/**
 * random.permutation(key, x, axis = 0, {independent = false}): a shuffled copy of the array x
 * along `axis` (the same reordering for every slice, unless `independent`), or a random
 * permutation of 0..x-1 (int32) when x is an integer.
 */
export function permutation(key: KeyArray, x: Param, axis = 0, opts: PermutationOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "permutation");
  const n = concreteInt(x);
  if (n !== null || (!isArray(x) && !Array.isArray(x))) {
    if (n === null || !Number.isInteger(n)) throw new TypeError("x must be an integer or at least 1-dimensional");
    normalizeAxis(axis, 1);
    return shuffle(k, arange(Math.max(0, n)), 0);
  }
  const arr = isArray(x) ? x : asarray(x as number[]);
  if (arr.ndim === 0) throw new TypeError("x must be an integer or at least 1-dimensional");
  const ax = normalizeAxis(axis, arr.ndim);
  if (opts.independent || arr.ndim === 1) return shuffle(k, arr, ax);
  const ind = shuffle(k, arange(arr.shape[ax]!), 0);
  return take(arr, ind, ax);
}

export interface ChoiceOptions {
  /** Draw with replacement (default true). */
  replace?: boolean;
  /** Probabilities (non-negative weights) of the entries along `axis`; uniform when omitted. */
  p?: Param | null;
  /** The axis of `a` to choose along (default 0). */
  axis?: number;
}

/**
 * random.choice(key, a, shape = [], {replace = true, p, axis = 0}): samples of the entries
 * of `a` along `axis` (of 0..a-1 when `a` is an integer), with or without replacement,
 * uniformly or with probabilities `p`. The result has shape `shape` for an integer `a`, else
 * a.shape with `axis` replaced by `shape`.
 */
export function choice(key: KeyArray, a: Param, shape: readonly number[] = [], opts: ChoiceOptions = {}): JaxArray {
  const [k] = unwrapSingle(key, "choice");
  if (!Array.isArray(shape)) throw new TypeError(`shape argument of jax.random.choice must be a sequence, got ${String(shape)}`);
  const s = checkShape(shape, "choice");
  const replace = opts.replace ?? true;
  const scalar = concreteInt(a);
  let arr: JaxArray | null = null;
  let nInputs: number;
  let axis = 0;
  if (scalar !== null) {
    if (!Number.isInteger(scalar)) throw new TypeError(`choice: a must be an integer or an array, got ${scalar}`);
    nInputs = scalar;
  } else {
    arr = isArray(a) ? a : asarray(a as number[]);
    if (arr.ndim === 0) throw new TypeError(`choice: a must be an integer or an array of at least one dimension, got a ${arr.dtype} scalar`);
    axis = normalizeAxis(opts.axis ?? 0, arr.ndim);
    nInputs = arr.shape[axis]!;
  }
  const outShape = arr === null ? s : [...arr.shape.slice(0, axis), ...s, ...arr.shape.slice(axis + 1)];
  const nDraws = prod(s);
  // As JAX: no draws give zeros of `shape` itself (not a's shape with `axis` replaced).
  if (nDraws === 0) return lax.full(s, 0, arr?.dtype ?? "int32");
  if (nInputs <= 0) throw new ValueError("a must be greater than 0 unless no samples are taken");
  if (!replace && nDraws > nInputs) {
    throw new ValueError(`Cannot take a larger sample (size ${nDraws}) than population (size ${nInputs}) when 'replace=False'`);
  }
  let ind: JaxArray;
  if (opts.p === undefined || opts.p === null) {
    if (replace) {
      ind = randint(k, s, 0, nInputs);
    } else {
      // The first nDraws entries of a permutation (of the array itself when it is 1-D, as JAX).
      const perm = permutation(k, arr ?? nInputs, axis);
      const first = lax.sliceInDim(perm, 0, nDraws, 1, arr === null ? 0 : axis);
      return lax.reshape(first, outShape);
    }
  } else {
    const p = f32(opts.p);
    if (p.ndim !== 1 || p.shape[0] !== nInputs) {
      throw new ValueError(`p must be None or a 1D vector with the same size as a.shape[axis]. p has shape ${JSON.stringify(p.shape)} and a.shape[axis] is ${nInputs}.`);
    }
    checkValues(p, "choice", "p must hold probabilities (finite and non-negative)", (v) => v >= 0 && v < Infinity);
    if (replace) {
      // Inverse CDF: the first index whose running total reaches total * (1 - u), u in [0, 1).
      const cuml = lax.cumsum(p, 0, false);
      const total = lax.reshape(lax.sliceInDim(cuml, nInputs - 1, nInputs, 1, 0), []);
      const r = lax.mul(total, lax.sub(1, uniform(k, s)));
      ind = searchsorted(cuml, r);
    } else {
      // Gumbel top-k: the indices of the nDraws largest log p + Gumbel noise.
      const g = lax.add(gumbel(k, [nInputs]), lax.log(p));
      ind = lax.topK(g, nDraws)[1];
    }
  }
  const result = arr === null ? ind : take(arr, ind, axis);
  return lax.reshape(result, outShape);
}
