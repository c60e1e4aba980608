// jax.nn activations and normalizers (jax/_src/nn/functions.py): elementwise activations,
// softmax / logSoftmax / logsumexp / standardize over axes with optional `where` masks, and
// oneHot. Each is the same composition of jnp/lax operations as JAX's, so values and
// derivatives (to any order) follow from the primitives' rules, and where JAX attaches a custom
// JVP (relu and relu6: derivative 0 at the kinks; softmax and logsumexp: the closed-form
// derivative of the normalized exponentials) the same rule is attached here with customJvp.
import type { ArrayLike, JaxArray } from "../core/array.js";
import { defaultFloat } from "../core/dtypes.js";
import { ValueError } from "../core/errors.js";
import { normalizeAxis } from "../core/shape.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import { stopGradient } from "../transforms/api.js";
import { customJvp } from "../transforms/custom_derivatives.js";

type Axis = number | readonly number[] | null;

/** x as an inexact (float) array: JS numbers are weak float32, integers promote as in jnp. */
const inexact = (name: string, x: ArrayLike): JaxArray => jnp.promoteArgsInexact(name, x)[0]!;

const asArr = (x: ArrayLike): JaxArray => jnp.asarray(x);

// ---- activations -------------------------------------------------------------------------------

// relu = max(x, 0) with the derivative select(x > 0, ẋ, 0): 0 at the kink, where max's own
// rule would split the tangent in halves (JAX's convention, see jax.nn.relu).
const reluCore = customJvp(function relu(x: JaxArray): JaxArray {
  return jnp.maximum(x, 0);
});
reluCore.defjvps((g: JaxArray, _ans: JaxArray, x: JaxArray) => lax.select(lax.gt(x, 0), g, lax.zerosLike(g)));

/** relu(x) = max(x, 0), with derivative 0 at 0 (JAX's convention); NaN propagates. */
export const relu = (x: ArrayLike): JaxArray => reluCore(asArr(x));

// relu6 = min(max(x, 0), 6) with the derivative select(0 < x < 6, ẋ, 0).
const relu6Core = customJvp(function relu6(x: JaxArray): JaxArray {
  return jnp.minimum(jnp.maximum(x, 0), 6.0);
});
relu6Core.defjvps((g: JaxArray, _ans: JaxArray, x: JaxArray) =>
  lax.select(jnp.logicalAnd(lax.gt(x, 0), lax.lt(x, 6)), g, lax.zerosLike(g)),
);

/** relu6(x) = min(max(x, 0), 6), with derivative 0 at 0 and at 6 (JAX's custom JVP). */
export const relu6 = (x: ArrayLike): JaxArray => relu6Core(asArr(x));

/** sigmoid(x) = 1 / (1 + e^−x) (lax.logistic). */
export const sigmoid = (x: ArrayLike): JaxArray => lax.logistic(inexact("sigmoid", x));

/** scipy's name for the sigmoid. */
export const expit = sigmoid;

/** softplus(x) = log(1 + e^x), as logaddexp(x, 0) (exact for large |x|). */
export const softplus = (x: ArrayLike): JaxArray => jnp.logaddexp(x, 0);

/** sparsePlus(x): 0 for x ≤ −1, (x + 1)²/4 on (−1, 1), x for x ≥ 1. */
export function sparsePlus(x: ArrayLike): JaxArray {
  const a = asArr(x);
  return jnp.where(lax.le(a, -1), 0, jnp.where(lax.ge(a, 1), a, jnp.divide(jnp.square(jnp.add(a, 1)), 4)));
}

/** sparseSigmoid(x) = clip(x + 1, 0, 2) / 2, the derivative of sparsePlus. */
export const sparseSigmoid = (x: ArrayLike): JaxArray => jnp.multiply(0.5, jnp.clip(jnp.add(x, 1), 0, 2));

/** softSign(x) = x / (|x| + 1). */
export function softSign(x: ArrayLike): JaxArray {
  const a = asArr(x);
  return jnp.divide(a, jnp.add(jnp.abs(a), 1));
}

/** silu(x) = x · sigmoid(x) (also `swish`). */
export function silu(x: ArrayLike): JaxArray {
  const a = asArr(x);
  return jnp.multiply(a, sigmoid(a));
}
export const swish = silu;

/** mish(x) = x · tanh(softplus(x)). */
export function mish(x: ArrayLike): JaxArray {
  const a = asArr(x);
  return jnp.multiply(a, jnp.tanh(softplus(a)));
}

/** logSigmoid(x) = log(sigmoid(x)) = −softplus(−x). */
export const logSigmoid = (x: ArrayLike): JaxArray => jnp.negative(softplus(jnp.negative(x)));

/** elu(x, alpha = 1) = x for x > 0, alpha·(e^x − 1) otherwise (the inner where keeps e^x finite). */
export function elu(x: ArrayLike, alpha: ArrayLike = 1.0): JaxArray {
  const a = asArr(x);
  const pos = lax.gt(a, 0);
  return jnp.where(pos, a, jnp.multiply(alpha, jnp.expm1(jnp.where(pos, 0, a))));
}

/** leakyRelu(x, negativeSlope = 0.01) = x for x ≥ 0, negativeSlope·x otherwise. */
export function leakyRelu(x: ArrayLike, negativeSlope: ArrayLike = 1e-2): JaxArray {
  const a = asArr(x);
  return jnp.where(lax.ge(a, 0), a, jnp.multiply(negativeSlope, a));
}

/** hardTanh(x) = −1 below −1, 1 above 1, x between. */
export function hardTanh(x: ArrayLike): JaxArray {
  const a = asArr(x);
  return jnp.where(lax.gt(a, 1), 1, jnp.where(lax.lt(a, -1), -1, a));
}

/** celu(x, alpha = 1) = max(x, 0) + alpha·(exp(min(x, 0) / alpha) − 1). */
export function celu(x: ArrayLike, alpha: ArrayLike = 1.0): JaxArray {
  return jnp.add(jnp.maximum(x, 0.0), jnp.multiply(alpha, jnp.expm1(jnp.divide(jnp.minimum(x, 0.0), alpha))));
}

// SELU's constants (Klambauer et al. 2017), as JAX writes them.
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** selu(x) = λ·elu(x, α) with λ ≈ 1.0507, α ≈ 1.6733. */
export const selu = (x: ArrayLike): JaxArray => jnp.multiply(SELU_SCALE, elu(x, SELU_ALPHA));

/**
 * gelu(x, approximate = true). Exact: x/2 · erfc(−x/√2). Approximate (tanh form):
 * x/2 · (1 + tanh(√(2/π)·(x + 0.044715·x³))). `approximate` may be given as `{ approximate }`.
 */
export function gelu(x: ArrayLike, approximate: boolean | { approximate?: boolean } = true): JaxArray {
  const approx = typeof approximate === "boolean" ? approximate : (approximate.approximate ?? true);
  const a = inexact("gelu", x);
  if (approx) {
    const inner = jnp.multiply(Math.sqrt(2 / Math.PI), jnp.add(a, jnp.multiply(0.044715, lax.integerPow(a, 3))));
    const cdf = jnp.multiply(0.5, jnp.add(1.0, jnp.tanh(inner)));
    return jnp.multiply(a, cdf);
  }
  return jnp.multiply(jnp.multiply(0.5, a), lax.erfc(jnp.multiply(jnp.negative(a), Math.SQRT1_2)));
}

/** glu(x, axis = -1) = first half · sigmoid(second half), halves split along `axis`. */
export function glu(x: ArrayLike, axis: number | { axis?: number } = -1): JaxArray {
  const ax = typeof axis === "number" ? axis : (axis.axis ?? -1);
  const a = asArr(x);
  const size = a.shape[normalizeAxis(ax, a.ndim)]!;
  if (size % 2 !== 0) throw new ValueError(`axis size must be divisible by 2, got ${size} (glu, axis ${ax})`);
  const [x1, x2] = jnp.split(a, 2, ax);
  return jnp.multiply(x1!, sigmoid(x2!));
}

/** squareplus(x, b = 4) = (x + √(x² + b)) / 2. */
export function squareplus(x: ArrayLike, b: ArrayLike = 4): JaxArray {
  const a = asArr(x);
  return jnp.divide(jnp.add(a, jnp.sqrt(jnp.add(jnp.square(a), b))), 2);
}

/** hardSigmoid(x) = relu6(x + 3) / 6. */
export const hardSigmoid = (x: ArrayLike): JaxArray => jnp.divide(relu6(jnp.add(x, 3.0)), 6.0);

/** hardSilu(x) = x · hardSigmoid(x) (also `hardSwish`). */
export function hardSilu(x: ArrayLike): JaxArray {
  const a = asArr(x);
  return jnp.multiply(a, hardSigmoid(a));
}
export const hardSwish = hardSilu;

/** identity(x) = x. */
export const identity = (x: ArrayLike): JaxArray => asArr(x);

/** tanh, re-exported as jax.nn does. */
export const tanh = (x: ArrayLike): JaxArray => jnp.tanh(x);

// ---- normalizers over axes ---------------------------------------------------------------------

export interface SoftmaxOptions {
  /** The axis or axes normalized over (default −1; null: all). */
  axis?: Axis;
  /** Only these elements take part; the others come out as 0 (softmax) or −∞ (logSoftmax). */
  where?: ArrayLike;
}

const softmaxOpts = (o: Axis | SoftmaxOptions | undefined): { axis: Axis; where?: ArrayLike } => {
  if (o === undefined) return { axis: -1 };
  if (o === null || typeof o === "number" || Array.isArray(o)) return { axis: o as Axis };
  const s = o as SoftmaxOptions;
  return { axis: s.axis === undefined ? -1 : s.axis, where: s.where };
};

/**
 * logSoftmax(x, axis = -1 | { axis, where }) = x − max − log Σ exp(x − max), with the max held
 * constant under differentiation (it cancels mathematically). An input of +∞ gives NaN, as in JAX.
 */
export function logSoftmax(x: ArrayLike, opts?: Axis | SoftmaxOptions): JaxArray {
  const { axis, where } = softmaxOpts(opts);
  const a = inexact("log_softmax", x);
  const xMax = jnp.max(a, { axis, where, initial: -Infinity, keepdims: true });
  const xSafe = where === undefined ? a : jnp.where(where, a, -Infinity);
  const shifted = jnp.subtract(xSafe, stopGradient(xMax));
  const shiftedLse = jnp.log(jnp.sum(jnp.exp(shifted), { axis, where, keepdims: true }));
  const result = jnp.subtract(shifted, shiftedLse);
  return where === undefined ? result : jnp.where(where, result, -Infinity);
}

// softmax's core, JAX's _softmax: exp(x − max) / Σ exp(x − max), with the custom JVP
// y·(ẋ − Σ y·ẋ) (the derivative of the normalized exponentials, in which the max cancels).
// `where` is an argument whose tangent is ignored; `axis` is static.
const softmaxCore = customJvp(
  function _softmax(x: JaxArray, where: JaxArray | undefined, axis: Axis): JaxArray {
    const xMax = jnp.max(x, { axis, where, initial: -Infinity, keepdims: true });
    const xSafe = where === undefined ? x : jnp.where(where, x, -Infinity);
    const unnormalized = jnp.exp(jnp.subtract(xSafe, xMax));
    const result = jnp.divide(unnormalized, jnp.sum(unnormalized, { axis, where, keepdims: true }));
    return where === undefined ? result : jnp.where(where, result, 0);
  },
  { nondiffArgnums: [2] },
);
softmaxCore.defjvp(function _softmax_jvp(axis: Axis, [x, where]: [JaxArray, JaxArray | undefined], [xDot]: [JaxArray]) {
  const y = softmaxCore(x, where, axis);
  return [y, jnp.multiply(y, jnp.subtract(xDot, jnp.sum(jnp.multiply(y, xDot), { axis, where, keepdims: true })))];
});

/**
 * softmax(x, axis = -1 | { axis, where }) = exp(x − max) / Σ exp(x − max), with JAX's custom
 * derivative y·(ẋ − Σ y·ẋ). Masked-out elements come out as 0.
 */
export function softmax(x: ArrayLike, opts?: Axis | SoftmaxOptions): JaxArray {
  const { axis, where } = softmaxOpts(opts);
  return softmaxCore(inexact("softmax", x), where === undefined ? undefined : asArr(where), axis);
}

export interface LogsumexpOptions {
  /** The axis or axes reduced (default: all). */
  axis?: Axis;
  /** Scale factors: log Σ b·exp(a). Broadcastable to a's shape. */
  b?: ArrayLike;
  keepdims?: boolean;
  /** Return [log |Σ|, sign(Σ)] instead of NaN for a negative sum. */
  returnSign?: boolean;
  /** Only these elements take part. */
  where?: ArrayLike;
}

/** Axes of a reduction, normalized and sorted. */
function reductionDims(axis: Axis, ndim: number): number[] {
  if (axis === null || axis === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const axes = typeof axis === "number" ? [axis] : [...axis];
  const out = axes.map((ax) => {
    if (!Number.isInteger(ax) || ax < -ndim || ax >= ndim) {
      throw new jnp.AxisError(`axis ${ax} is out of bounds for array of dimension ${ndim}`);
    }
    return normalizeAxis(ax, ndim);
  });
  if (new Set(out).size !== out.length) throw new ValueError("duplicate value in 'axis'");
  return out.sort((p, q) => p - q);
}

/** log Σ b·exp(a) over `dims`, JAX's formulation; a and b (if any) already promoted together. */
function logsumexpImpl(
  a: JaxArray,
  b: JaxArray | undefined,
  where: JaxArray | undefined,
  dims: number[],
  keepdims: boolean,
  returnSign: boolean,
): JaxArray | [JaxArray, JaxArray] {
  const arr = b === undefined ? a : jnp.where(jnp.notEqual(b, 0), a, -Infinity);
  // The max, or 0 where it is infinite, shifts the exponentials into range.
  const amax0 = jnp.max(arr, { axis: dims, keepdims, where, initial: -Infinity });
  const amax = stopGradient(jnp.where(lax.isFinite(amax0), amax0, 0));
  const amaxWithDims = keepdims ? amax : lax.expandDims(amax, dims);
  let expA = jnp.exp(jnp.subtract(arr, amaxWithDims));
  if (b !== undefined) expA = jnp.multiply(expA, b);
  const sumexp = jnp.sum(expA, { axis: dims, keepdims, where });
  const sign = lax.sign(sumexp);
  const out = jnp.add(jnp.log(jnp.abs(sumexp)), amax);
  if (returnSign) return [out, sign];
  return b === undefined ? out : jnp.where(lax.lt(sign, 0), NaN, out);
}

// logsumexp with JAX's custom JVP: d out = Σ (b·ȧ + ḃ)·exp(a − out) over the reduced axes (b = 1
// when absent). `where`'s tangent is ignored; dims, keepdims and returnSign are static.
const logsumexpCore = customJvp(
  function logsumexp(a: JaxArray, b: JaxArray | undefined, where: JaxArray | undefined, dims: number[], keepdims: boolean, returnSign: boolean) {
    return logsumexpImpl(a, b, where, dims, keepdims, returnSign);
  },
  { nondiffArgnums: [3, 4, 5] },
);
logsumexpCore.defjvp(function _logsumexp_jvp(
  dims: number[],
  keepdims: boolean,
  returnSign: boolean,
  [a, b, where]: [JaxArray, JaxArray | undefined, JaxArray | undefined],
  [aDot, bDot]: [JaxArray, JaxArray | undefined],
) {
  const res = logsumexpCore(a, b, where, dims, keepdims, returnSign);
  const out = returnSign ? (res as [JaxArray, JaxArray])[0] : (res as JaxArray);
  const outWithDims = keepdims ? out : lax.expandDims(out, dims);
  const weight = jnp.exp(jnp.subtract(a, outWithDims));
  const scaled = b === undefined ? aDot : jnp.add(jnp.multiply(b, aDot), bDot!);
  const outDot = jnp.sum(jnp.multiply(scaled, weight), { axis: dims, keepdims, where });
  if (returnSign) {
    const sign = (res as [JaxArray, JaxArray])[1];
    return [res, [outDot, jnp.zerosLike(sign)]];
  }
  return [res, outDot];
});

/**
 * logsumexp(a, { axis, b, keepdims, returnSign, where }) = log Σ b·exp(a), computed as
 * m + log Σ b·exp(a − m) with m the (finite part of the) max, so large values do not overflow,
 * and differentiated by JAX's custom rule. A negative sum gives NaN, or with `returnSign` the pair
 * [log |Σ|, sign]. A number second argument is the axis: `logsumexp(a, 1)`. (JAX also has it as
 * jax.scipy.special.logsumexp.)
 */
export function logsumexp(a: ArrayLike, opts: LogsumexpOptions & { returnSign: true }): [JaxArray, JaxArray];
export function logsumexp(a: ArrayLike, opts?: Axis | LogsumexpOptions): JaxArray;
export function logsumexp(a: ArrayLike, opts?: Axis | LogsumexpOptions): JaxArray | [JaxArray, JaxArray] {
  const o: LogsumexpOptions =
    opts === undefined || opts === null || typeof opts === "number" || Array.isArray(opts)
      ? { axis: (opts ?? null) as Axis }
      : (opts as LogsumexpOptions);
  const [arr, b] = o.b === undefined ? [inexact("logsumexp", a), undefined] : jnp.promoteArgsInexact("logsumexp", a, o.b);
  const dims = reductionDims(o.axis ?? null, arr!.ndim);
  const where = o.where === undefined ? undefined : asArr(o.where);
  return logsumexpCore(arr!, b, where, dims, o.keepdims ?? false, o.returnSign ?? false) as JaxArray | [JaxArray, JaxArray];
}

export interface StandardizeOptions {
  /** The axis or axes normalized over (default −1; null: all). */
  axis?: Axis;
  /** The mean to subtract (default: the mean over `axis`). */
  mean?: ArrayLike;
  /** The variance to divide by the root of (default: E[x²] − E[x]² over `axis`). */
  variance?: ArrayLike;
  /** Added to the variance (default 1e-5). */
  epsilon?: ArrayLike;
  where?: ArrayLike;
}

/**
 * standardize(x, axis = -1 | { axis, mean, variance, epsilon, where }) =
 * (x − mean) · rsqrt(variance + epsilon), with JAX's variance E[x²] − E[x]².
 */
export function standardize(x: ArrayLike, opts?: Axis | StandardizeOptions): JaxArray {
  const o: StandardizeOptions =
    opts === undefined || opts === null || typeof opts === "number" || Array.isArray(opts)
      ? { axis: opts === undefined ? -1 : (opts as Axis) }
      : (opts as StandardizeOptions);
  const axis = o.axis === undefined ? -1 : o.axis;
  const a = asArr(x);
  const mean = o.mean ?? jnp.mean(a, { axis, keepdims: true, where: o.where });
  const variance =
    o.variance ??
    jnp.subtract(jnp.mean(jnp.square(a), { axis, keepdims: true, where: o.where }), jnp.square(mean));
  return jnp.multiply(jnp.subtract(a, mean), lax.rsqrt(jnp.add(variance, o.epsilon ?? 1e-5)));
}

export interface OneHotOptions {
  /** The output dtype (default: the default float dtype). */
  dtype?: string;
  /** Where the new axis of size numClasses goes (default −1: last). */
  axis?: number;
}

/**
 * oneHot(x, numClasses, { dtype, axis = -1 }): 1 where the index equals the position along the new
 * axis, 0 elsewhere (indices outside [0, numClasses) give all zeros).
 */
export function oneHot(x: ArrayLike, numClasses: number, opts: OneHotOptions = {}): JaxArray {
  if (!Number.isInteger(numClasses) || numClasses < 0) {
    throw new TypeError(
      `num_classes must be a non-negative integer, got ${String(numClasses)}. ` +
        "The error arose in jax.nn.one_hot argument `num_classes`.",
    );
  }
  const a = asArr(x);
  const dtype = opts.dtype === undefined ? defaultFloat() : jnp.toDType(opts.dtype);
  const axis = opts.axis ?? -1;
  const outNdim = a.ndim + 1;
  if (!Number.isInteger(axis) || axis < -outNdim || axis >= outNdim) {
    throw new jnp.AxisError(`axis ${axis} is out of bounds for array of dimension ${outNdim}`);
  }
  const pos = normalizeAxis(axis, outNdim);
  const lhs = lax.expandDims(a, [pos]);
  const rhsShape = Array.from({ length: outNdim }, (_, i) => (i === pos ? numClasses : 1));
  const rhs = lax.broadcastedIota(a.dtype, rhsShape, pos);
  return lax.convertElementType(jnp.equal(lhs, rhs), dtype);
}
