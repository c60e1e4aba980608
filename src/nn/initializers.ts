// jax.nn.initializers (jax/_src/nn/initializers.py): functions (key, shape, dtype?) => Array that
// make a layer's starting weights. `zeros` and `ones` are initializers themselves; the others are
// builders returning one (`glorotNormal()(key, [3, 4])`), as in JAX. The random ones draw with
// jax.random's samplers and apply JAX's scale in the same float operations, so a key gives the
// same numbers as JAX (random draws are float32; a float64 dtype converts them).
import type { JaxArray } from "../core/array.js";
import { type DType, defaultFloat, isFloat } from "../core/dtypes.js";
import { ValueError } from "../core/errors.js";
import { normalizeAxis } from "../core/shape.js";
import * as lax from "../lax/index.js";
import * as jnp from "../numpy/index.js";
import * as random from "../random/index.js";
import type { KeyArray } from "../random/index.js";

/** An initializer: (key, shape, dtype?) => a new array of that shape and dtype. */
export type Initializer = (key: KeyArray, shape: readonly number[], dtype?: string) => JaxArray;

/** Standard deviation of a standard normal truncated to (−2, 2): divides it back out. */
const TRUNCATED_NORMAL_STDDEV = 0.87962566103423978;

/** The requested dtype, canonicalized (default: float32, or float64 with x64), which must be a float. */
function floatDType(dtype: string | undefined, name: string): DType {
  const d = dtype === undefined ? defaultFloat() : jnp.toDType(dtype);
  if (!isFloat(d)) throw new TypeError(`${name} initializer: dtype must be a float dtype, got ${d}`);
  return d;
}

/** `a` (float32 draws) in the requested dtype. */
const inDType = (a: JaxArray, d: DType): JaxArray => (a.dtype === d ? a : lax.convertElementType(a, d));

const shapeOf = (shape: readonly number[], name: string): number[] => {
  if (!Array.isArray(shape) || shape.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new TypeError(`${name} initializer: shape must be a list of non-negative integers, got ${String(shape)}`);
  }
  return [...shape];
};

/** zeros(key, shape, dtype?): all zeros; the key is ignored. */
export const zeros: Initializer = (_key, shape, dtype) => jnp.zeros(shapeOf(shape, "zeros"), floatDType(dtype, "zeros"));

/** ones(key, shape, dtype?): all ones; the key is ignored. */
export const ones: Initializer = (_key, shape, dtype) => jnp.ones(shapeOf(shape, "ones"), floatDType(dtype, "ones"));

/** constant(value, dtype?): an initializer filling with `value`. */
export function constant(value: number | JaxArray, dtype?: string): Initializer {
  return (_key, shape, d = dtype) => jnp.full(shapeOf(shape, "constant"), value, floatDType(d, "constant"));
}

/** uniform(scale = 1e-2, dtype?): values uniform in [0, scale). */
export function uniform(scale = 1e-2, dtype?: string): Initializer {
  return (key, shape, d = dtype) => {
    const dt = floatDType(d, "uniform");
    return jnp.multiply(inDType(random.uniform(key, shapeOf(shape, "uniform")), dt), jnp.array(scale, { dtype: dt }));
  };
}

/** normal(stddev = 1e-2, dtype?): normal values with mean 0 and standard deviation `stddev`. */
export function normal(stddev = 1e-2, dtype?: string): Initializer {
  return (key, shape, d = dtype) => {
    const dt = floatDType(d, "normal");
    return jnp.multiply(inDType(random.normal(key, shapeOf(shape, "normal")), dt), jnp.array(stddev, { dtype: dt }));
  };
}

export interface TruncatedNormalOptions {
  dtype?: string;
  /** Lower bound of the standard normal before scaling (default −2). */
  lower?: number;
  /** Upper bound of the standard normal before scaling (default 2). */
  upper?: number;
}

/**
 * truncatedNormal(stddev = 1e-2, dtype? | { dtype, lower = -2, upper = 2 }): a standard normal
 * truncated to (lower, upper), times stddev. As in JAX, no variance correction is applied.
 */
export function truncatedNormal(stddev = 1e-2, opts: string | TruncatedNormalOptions = {}): Initializer {
  const o: TruncatedNormalOptions = typeof opts === "string" ? { dtype: opts } : opts;
  return (key, shape, d = o.dtype) => {
    const dt = floatDType(d, "truncated_normal");
    const z = random.truncatedNormal(key, o.lower ?? -2.0, o.upper ?? 2.0, shapeOf(shape, "truncated_normal"));
    return jnp.multiply(inDType(z, dt), jnp.array(stddev, { dtype: dt }));
  };
}

/** One axis or several (their sizes multiply). */
export type AxisSpec = number | readonly number[];

const sizeOf = (shape: readonly number[], axes: AxisSpec): number =>
  (typeof axes === "number" ? [axes] : axes).reduce((p, ax) => p * shape[normalizeAxis(ax, shape.length)]!, 1);

/**
 * The effective fan-in and fan-out of a weights tensor: the sizes of its input and output axes,
 * each times the receptive field (the product of the axes that are none of in, out, batch).
 */
export function computeFans(
  shape: readonly number[],
  inAxis: AxisSpec = -2,
  outAxis: AxisSpec = -1,
  batchAxis: AxisSpec = [],
): [number, number] {
  if (shape.length <= 1) {
    throw new ValueError(
      `Can't compute input and output sizes of a ${shape.length}-dimensional weights tensor. Must be at least 2D.`,
    );
  }
  const inSize = sizeOf(shape, inAxis);
  const outSize = sizeOf(shape, outAxis);
  const batchSize = sizeOf(shape, batchAxis);
  const total = shape.reduce((p, n) => p * n, 1);
  const receptiveFieldSize = total / inSize / outSize / batchSize;
  return [inSize * receptiveFieldSize, outSize * receptiveFieldSize];
}

export type FanMode = "fan_in" | "fan_out" | "fan_avg";
export type Distribution = "truncated_normal" | "normal" | "uniform";

export interface FanAxesOptions {
  /** The input axis or axes of the weights (default −2). */
  inAxis?: AxisSpec;
  /** The output axis or axes (default −1). */
  outAxis?: AxisSpec;
  /** Axes ignored in the fan computation (default none). */
  batchAxis?: AxisSpec;
  dtype?: string;
}

/**
 * varianceScaling(scale, mode, distribution, { inAxis, outAxis, batchAxis, dtype }): samples with
 * variance scale / n, n = fan-in, fan-out or their mean. "truncated_normal" truncates a standard
 * normal at ±2 and divides by its standard deviation 0.8796…; "uniform" draws from [−√(3v), √(3v)).
 */
export function varianceScaling(scale: number, mode: FanMode, distribution: Distribution, opts: FanAxesOptions = {}): Initializer {
  if (mode !== "fan_in" && mode !== "fan_out" && mode !== "fan_avg") {
    throw new ValueError(`invalid mode for variance scaling initializer: ${String(mode)}`);
  }
  if (distribution !== "truncated_normal" && distribution !== "normal" && distribution !== "uniform") {
    throw new ValueError(`invalid distribution for variance scaling initializer: ${String(distribution)}`);
  }
  return (key, shape, d = opts.dtype) => {
    const dt = floatDType(d, "variance_scaling");
    const s = shapeOf(shape, "variance_scaling");
    const [fanIn, fanOut] = computeFans(s, opts.inAxis ?? -2, opts.outAxis ?? -1, opts.batchAxis ?? []);
    const denominator = mode === "fan_in" ? fanIn : mode === "fan_out" ? fanOut : (fanIn + fanOut) / 2;
    // Rounded to the dtype first, then every step in that dtype, as JAX's jnp.array(scale / n, dtype).
    const variance = jnp.array(scale / denominator, { dtype: dt });
    if (distribution === "truncated_normal") {
      const stddev = jnp.divide(jnp.sqrt(variance), jnp.array(TRUNCATED_NORMAL_STDDEV, { dtype: dt }));
      return jnp.multiply(inDType(random.truncatedNormal(key, -2, 2, s), dt), stddev);
    }
    if (distribution === "normal") return jnp.multiply(inDType(random.normal(key, s), dt), jnp.sqrt(variance));
    const u = random.uniform(key, s, { minval: -1 });
    return jnp.multiply(inDType(u, dt), jnp.sqrt(jnp.multiply(3, variance)));
  };
}

/** glorotUniform({ inAxis, outAxis, batchAxis, dtype }): varianceScaling(1, "fan_avg", "uniform"). */
export const glorotUniform = (opts: FanAxesOptions = {}): Initializer => varianceScaling(1.0, "fan_avg", "uniform", opts);
/** glorotNormal(...): varianceScaling(1, "fan_avg", "truncated_normal"). */
export const glorotNormal = (opts: FanAxesOptions = {}): Initializer => varianceScaling(1.0, "fan_avg", "truncated_normal", opts);
/** lecunUniform(...): varianceScaling(1, "fan_in", "uniform"). */
export const lecunUniform = (opts: FanAxesOptions = {}): Initializer => varianceScaling(1.0, "fan_in", "uniform", opts);
/** lecunNormal(...): varianceScaling(1, "fan_in", "truncated_normal"). */
export const lecunNormal = (opts: FanAxesOptions = {}): Initializer => varianceScaling(1.0, "fan_in", "truncated_normal", opts);
/** heUniform(...): varianceScaling(2, "fan_in", "uniform"). */
export const heUniform = (opts: FanAxesOptions = {}): Initializer => varianceScaling(2.0, "fan_in", "uniform", opts);
/** heNormal(...): varianceScaling(2, "fan_in", "truncated_normal"). */
export const heNormal = (opts: FanAxesOptions = {}): Initializer => varianceScaling(2.0, "fan_in", "truncated_normal", opts);
export const xavierUniform = glorotUniform;
export const xavierNormal = glorotNormal;
export const kaimingUniform = heUniform;
export const kaimingNormal = heNormal;

export interface OrthogonalOptions {
  /** The axis holding the columns that are made orthonormal (default −1). */
  columnAxis?: number;
  dtype?: string;
}

/**
 * orthogonal(scale = 1, { columnAxis = -1, dtype }): Haar-distributed matrices with orthonormal
 * columns (or rows, whichever are fewer): Q of the QR factorization of a normal matrix with its
 * columns signed by sign(diag R), reshaped so `columnAxis` holds the columns, times scale.
 */
export function orthogonal(scale = 1.0, opts: OrthogonalOptions = {}): Initializer {
  const columnAxis = opts.columnAxis ?? -1;
  return (key, shape, d = opts.dtype) => {
    const dt = floatDType(d, "orthogonal");
    const s = shapeOf(shape, "orthogonal");
    if (s.length < 2) throw new ValueError("orthogonal initializer requires at least a 2D shape");
    const col = normalizeAxis(columnAxis, s.length);
    const nCols = s[col]!;
    const nRows = s.reduce((p, n) => p * n, 1) / nCols;
    const matrixShape = nRows < nCols ? [nCols, nRows] : [nRows, nCols];
    const a = random.normal(key, matrixShape);
    const [q0, r] = jnp.linalg.qr(a);
    let q = jnp.multiply(q0, jnp.expandDims(jnp.sign(jnp.diagonal(r)), 0));
    if (nRows < nCols) q = jnp.transpose(q);
    const rest = s.filter((_, i) => i !== col);
    q = jnp.moveaxis(jnp.reshape(q, [...rest, nCols]), -1, col);
    return jnp.multiply(jnp.array(scale, { dtype: dt }), inDType(q, dt));
  };
}

/**
 * deltaOrthogonal(scale = 1, { columnAxis, dtype }): for a 3-, 4- or 5-D convolution kernel, zeros
 * except an orthogonal matrix (of the last two axes) at the spatial centre.
 */
export function deltaOrthogonal(scale = 1.0, opts: OrthogonalOptions = {}): Initializer {
  return (key, shape, d = opts.dtype) => {
    const dt = floatDType(d, "delta_orthogonal");
    const s = shapeOf(shape, "delta_orthogonal");
    if (s.length < 3 || s.length > 5) throw new ValueError("Delta orthogonal initializer requires a 3D, 4D or 5D shape.");
    if (s[s.length - 1]! < s[s.length - 2]!) throw new ValueError("`fan_in` must be less or equal than `fan_out`. ");
    const ortho = orthogonal(scale, { columnAxis: opts.columnAxis, dtype: opts.dtype })(key, s.slice(-2));
    const centre = s.slice(0, -2).map((k) => Math.floor((k - 1) / 2));
    return jnp.zeros(s, dt).at(...centre, "...").set(inDType(ortho, dt));
  };
}
