// Helpers shared by the samplers of jax.random: parameter conversion, JAX's
// shape=None rule, argument checks on concrete values, and splitting raw key
// data into a few keys.
import { isArray, type ArrayLike, type JaxArray } from "../core/array.js";
import { type DType, isFloat } from "../core/dtypes.js";
import { broadcastShapes, prod } from "../core/shape.js";
import { Tracer } from "../core/trace.js";
import { asarray, broadcastTo } from "../numpy/core.js";
import { jit } from "../transforms/api.js";
import { checkShape, partitionable, split } from "./keys.js";
import { lax, slice } from "./ops.js";

/** A sampler parameter: an Array, a JS number, or nested JS arrays of numbers. */
export type Param = ArrayLike | number[] | number[][] | number[][][];

/** A parameter as an Array of `dtype` (float32 by default). */
export function f32(x: Param, dtype: DType = "float32"): JaxArray {
  return lax.convertElementType(isArray(x) ? x : asarray(x as number[], { dtype }), dtype);
}

/** The float dtype a sampler computes in: float32 (float64 requests give float32 without x64). */
export function floatDtype(d: string | undefined, name: string): DType {
  const dt = (d ?? "float32") as DType;
  if (dt === "float64") return "float32";
  if (!isFloat(dt)) throw new TypeError(`dtype argument to \`${name}\` must be a float dtype, got ${dt}`);
  return dt;
}

/** `shape` if given, else the broadcast shape of the parameters (JAX's shape=None). */
export function shapeOr(shape: readonly number[] | undefined | null, name: string, ...params: JaxArray[]): number[] {
  if (shape === undefined || shape === null) return broadcastShapes(...params.map((p) => p.shape));
  const s = checkShape(shape, name);
  checkBroadcast(s, name, ...params.map((p) => p.shape));
  return s;
}

/** JAX's _check_shape: every parameter shape broadcasts to `shape` without growing it. */
export function checkBroadcast(s: readonly number[], name: string, ...shapes: (readonly number[])[]): void {
  let b: number[];
  try {
    b = broadcastShapes(s, ...shapes);
  } catch {
    throw new TypeError(`${name}: parameter shapes ${shapes.map((p) => JSON.stringify(p)).join(", ")} are not broadcast-compatible with shape argument ${JSON.stringify(s)}`);
  }
  if (b.length !== s.length || b.some((d, i) => d !== s[i])) {
    throw new TypeError(`${name} parameter shapes must be broadcast-compatible with shape argument, and the result of broadcasting the shapes must equal the shape argument, but got result ${JSON.stringify(b)} for shape argument ${JSON.stringify(s)}.`);
  }
}

export const bcast = (x: JaxArray, shape: readonly number[]): JaxArray => broadcastTo(x, [...shape]);

/** Concrete values of a parameter for argument checks, or null when traced. */
export function concreteValues(x: JaxArray): number[] | null {
  if (x instanceof Tracer) return null;
  return Array.from(x.dataSync() as globalThis.ArrayLike<number>);
}

/**
 * Raises a RangeError naming `what` when a concrete parameter has a value failing `ok`
 * (NaN included). Traced parameters are not checked: under jit the samplers return what
 * JAX returns for such values (NaN, or JAX's documented corner-case results).
 */
export function checkValues(x: JaxArray, name: string, what: string, ok: (v: number) => boolean): void {
  const vs = concreteValues(x);
  if (vs === null) return;
  const bad = vs.find((v) => !ok(v));
  if (bad !== undefined) throw new RangeError(`${name}: ${what}, got ${bad}`);
}

/** split(k, n) as n key data arrays of shape [2]. */
export function splitKeys(k: JaxArray, n: number): JaxArray[] {
  const ks = split(k, n);
  return Array.from({ length: n }, (_, i) => lax.reshape(slice(ks, [i, 0], [i + 1, 2]), [2]));
}

/** split(k) as two key data arrays of shape [2]. */
export function splitPair(k: JaxArray): [JaxArray, JaxArray] {
  const [a, b] = splitKeys(k, 2);
  return [a!, b!];
}

/**
 * f as a jitted function (as JAX jits its samplers), traced once per input signature, per
 * value of the arguments at `statics`, and per key-derivation scheme (a static argument too,
 * since the scheme changes the trace).
 */
export function jitSampler<A extends unknown[], R>(name: string, f: (...args: A) => R, statics: number[] = []): (...args: A) => R {
  const j = jit((...args: unknown[]) => f(...(args.slice(0, -1) as A)), { staticArgnums: [...statics, -1], name });
  return (...args: A) => j(...args, partitionable()) as R;
}

export { prod };
