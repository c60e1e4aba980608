// The primitive record: one object owns every rule of a primitive (abstract evaluation, jvp,
// transpose, batching, reference implementation). The table of all primitives is typed so
// that a missing rule fails type-checking (see primitives/index.ts).
import type { ShapedArray } from "./aval.js";
import type { DType, TypedArray } from "./dtypes.js";
import type { JaxArray } from "./array.js";

export type Params = Record<string, unknown>;

/** A host buffer seen by the reference interpreter. */
export interface HostBuf {
  readonly data: TypedArray;
  readonly shape: readonly number[];
  readonly dtype: DType;
}

const zeroTangents = new WeakSet<object>();

/**
 * Marks a tangent the JVP interpreter instantiated from a symbolic zero (rules receive
 * instantiated tangents). Linear and bilinear rules check `isZeroTangent` to drop the terms it
 * would feed, as JAX's rules do with its symbolic `Zero`, so no work is staged for them.
 */
export function markZeroTangent<T extends object>(t: T): T {
  zeroTangents.add(t);
  return t;
}
export function isZeroTangent(t: object | null | undefined): boolean {
  return t != null && zeroTangents.has(t);
}

/** Marks an input of a linear function that is being transposed (its value is unknown). */
export class UndefinedPrimal {
  constructor(readonly aval: ShapedArray) {}
}

/** A batch dimension: an axis index, or null when the value is not batched. */
export type BDim = number | null;

export interface PrimitiveRules<P extends Params = any> {
  readonly name: string;
  /** Output avals from input avals; raises on shape/dtype errors with JAX's wording. */
  abstractEval(avals: ShapedArray[], params: P): ShapedArray[];
  /**
   * Forward-mode rule. Tangents arrive instantiated (never null); a null output tangent means a
   * symbolic zero (for example for integer or boolean outputs).
   */
  jvp(primals: JaxArray[], tangents: JaxArray[], params: P): [JaxArray[], (JaxArray | null)[]];
  /**
   * Transpose rule of a primitive that is linear in the inputs given as UndefinedPrimal.
   * `cts` are the output cotangents (instantiated); returns one cotangent per input, null for
   * inputs that are not linear (or whose cotangent is zero). `null` here means not linear.
   */
  transpose: ((cts: JaxArray[], args: (JaxArray | UndefinedPrimal)[], params: P) => (JaxArray | null)[]) | null;
  /** Batching rule: at least one dim is non-null. Returns outputs and their batch dims. */
  batch(args: JaxArray[], dims: BDim[], params: P, axisSize: number): [JaxArray[], BDim[]];
  /** Reference implementation over host buffers (the interpret backend's kernel). */
  impl(args: HostBuf[], params: P, outAvals: ShapedArray[]): TypedArray[];
}

export type Primitive = PrimitiveRules<any>;
