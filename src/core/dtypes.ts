// dtypes: JAX's names as strings, their storage, and JAX's type-promotion lattice with weak
// types (docs/type_promotion.rst). A JS number is weakly typed, like a Python scalar.
import { config } from "./config.js";

export type DType =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float32"
  | "float64";

export const DTYPES: readonly DType[] = [
  "bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float32", "float64",
];

export type TypedArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array;

/**
 * Storage of each dtype. int64/uint64 (only with x64 enabled) are stored in Float64Array and are
 * exact up to 2**53 in magnitude; this is a documented limit of jaxts.
 */
const CTORS: Record<DType, { new (n: number | ArrayBufferLike): TypedArray; BYTES_PER_ELEMENT: number }> = {
  bool: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: Float64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: Float64Array,
  float32: Float32Array,
  float64: Float64Array,
};

/** A typed view of `length` elements of `dtype` at byte `offset` of `buffer`. */
export function typedView(dtype: DType, buffer: ArrayBufferLike, offset: number, length: number): TypedArray {
  return new (CTORS[dtype] as unknown as new (b: ArrayBufferLike, o: number, n: number) => TypedArray)(buffer, offset, length);
}

export function typedArrayFor(dtype: DType, n: number): TypedArray {
  return new CTORS[dtype](n);
}

export function itemsize(dtype: DType): number {
  return dtype === "bool" ? 1 : dtype.endsWith("64") ? 8 : CTORS[dtype].BYTES_PER_ELEMENT;
}

export const isFloat = (d: DType): boolean => d === "float32" || d === "float64";
export const isSignedInt = (d: DType): boolean => d === "int8" || d === "int16" || d === "int32" || d === "int64";
export const isUnsignedInt = (d: DType): boolean =>
  d === "uint8" || d === "uint16" || d === "uint32" || d === "uint64";
export const isInt = (d: DType): boolean => isSignedInt(d) || isUnsignedInt(d);
export const isBool = (d: DType): boolean => d === "bool";

/** Short names used in printed jaxprs (`f32[3]`, `i32[]`, `bool[2]`). */
export function shortName(d: DType): string {
  if (d === "bool") return "bool";
  const m = /^(u?int|float)(\d+)$/.exec(d)!;
  const k = m[1] === "float" ? "f" : m[1] === "int" ? "i" : "u";
  return k + m[2];
}

const ALIASES: Record<string, DType> = {
  float: "float32",
  int: "int32",
  bool_: "bool",
  boolean: "bool",
  f32: "float32",
  f64: "float64",
  i32: "int32",
  i64: "int64",
  u8: "uint8",
  u32: "uint32",
};

/** Parses a dtype name (also accepts a few aliases) and raises on unknown names. */
export function parseDType(name: string): DType {
  if ((DTYPES as readonly string[]).includes(name)) return name as DType;
  if (name in ALIASES) return ALIASES[name]!;
  throw new TypeError(`Unknown dtype: ${JSON.stringify(name)}. Known dtypes: ${DTYPES.join(", ")}`);
}

const warned = new Set<string>();
/**
 * Maps a requested dtype to the one actually used: without x64, 64-bit types become 32-bit with a
 * warning, as in JAX (`jax.dtypes.canonicalize_dtype`).
 */
export function canonicalizeDType(d: DType, warn = true): DType {
  if (config.x64) return d;
  const to: DType | undefined =
    d === "float64" ? "float32" : d === "int64" ? "int32" : d === "uint64" ? "uint32" : undefined;
  if (to === undefined) return d;
  if (warn && !warned.has(d)) {
    warned.add(d);
    console.warn(
      `UserWarning: Explicitly requested dtype ${d} requested in array is not available, and will be ` +
        `truncated to dtype ${to}. To enable more dtypes, set the jax_enable_x64 configuration option. ` +
        `See https://github.com/jax-ml/jax#current-gotchas for more.`,
    );
  }
  return to;
}

export const defaultFloat = (): DType => (config.x64 ? "float64" : "float32");
export const defaultInt = (): DType => (config.x64 ? "int64" : "int32");
export const defaultUint = (): DType => (config.x64 ? "uint64" : "uint32");

// ---- Promotion lattice ------------------------------------------------------------------------
// Nodes are dtypes plus the weak categories "i*" (JS integer) and "f*" (JS float). Edges point
// to the immediate supertypes; the promoted type is the least upper bound.
type Node = DType | "i*" | "f*";
const EDGES: Record<Node, Node[]> = {
  bool: ["i*"],
  "i*": ["uint8", "int8"],
  uint8: ["int16", "uint16"],
  uint16: ["int32", "uint32"],
  uint32: ["int64", "uint64"],
  uint64: ["f*"],
  int8: ["int16"],
  int16: ["int32"],
  int32: ["int64"],
  int64: ["f*"],
  "f*": ["float32"],
  float32: ["float64"],
  float64: [],
};
const NODES = Object.keys(EDGES) as Node[];

const upperSets = new Map<Node, Set<Node>>();
for (const n of NODES) {
  const seen = new Set<Node>();
  const stack: Node[] = [n];
  while (stack.length) {
    const m = stack.pop()!;
    if (seen.has(m)) continue;
    seen.add(m);
    stack.push(...EDGES[m]);
  }
  upperSets.set(n, seen);
}

function join(a: Node, b: Node): Node {
  const ua = upperSets.get(a)!;
  const ub = upperSets.get(b)!;
  const common = NODES.filter((n) => ua.has(n) && ub.has(n));
  // The least upper bound is the common upper bound whose upper set contains all the others.
  const lub = common.find((c) => common.every((d) => upperSets.get(c)!.has(d)));
  if (lub === undefined) throw new TypeError(`No promotion path for ${a} and ${b}`);
  return lub;
}

export interface DTypeInfo {
  dtype: DType;
  weakType: boolean;
}

/** Promotion of two dtypes, both strongly typed (jnp.promote_types). */
export function promoteTypes(a: DType, b: DType): DType {
  return resultType({ dtype: a, weakType: false }, { dtype: b, weakType: false }).dtype;
}

function toNode(x: DTypeInfo): Node {
  if (!x.weakType || x.dtype === "bool") return x.dtype;
  return isFloat(x.dtype) ? "f*" : "i*";
}

/** The default dtype of a kind, which a weak result takes (JAX's `dtypes.default_types`). */
function weakDefault(n: Node): DType {
  if (n === "i*" || isSignedInt(n as DType)) return defaultInt();
  return isUnsignedInt(n as DType) ? defaultUint() : defaultFloat();
}

/**
 * jnp.result_type over dtypes with weak flags, as jax.dtypes.result_type: weak inputs join as
 * the categories i* and f*, and the result is weak when the join is one of them. When every input
 * is weak, JAX joins the inputs' own dtypes instead, so weak uint8 + weak uint8 is a weak uint.
 * A weak result takes the default dtype of its kind; the result is canonicalized for x64.
 */
export function resultType(...xs: DTypeInfo[]): DTypeInfo {
  if (xs.length === 0) throw new TypeError("at least one array or dtype is required");
  if (xs.every((x) => x.weakType && x.dtype !== "bool")) {
    let strong: Node = xs[0]!.dtype;
    for (let i = 1; i < xs.length; i++) strong = join(strong, xs[i]!.dtype);
    return { dtype: weakDefault(strong), weakType: true };
  }
  let node = toNode(xs[0]!);
  for (let i = 1; i < xs.length; i++) node = join(node, toNode(xs[i]!));
  if (node === "i*" || node === "f*") return { dtype: weakDefault(node), weakType: true };
  return { dtype: canonicalizeDType(node, false), weakType: false };
}

/** The dtype a JS scalar gets: bool → bool, integer → int, otherwise float (all weak except bool). */
export function scalarDType(x: number | boolean): DTypeInfo {
  if (typeof x === "boolean") return { dtype: "bool", weakType: false };
  return Number.isInteger(x) ? { dtype: defaultInt(), weakType: true } : { dtype: defaultFloat(), weakType: true };
}

/** Converts a JS number to the value a dtype stores (wraps integers like C casts, truncates floats). */
export function castScalar(x: number, d: DType): number {
  switch (d) {
    case "bool":
      return x !== 0 ? 1 : 0;
    case "float32":
      return Math.fround(x);
    case "float64":
      return x;
    default: {
      const t = typedArrayFor(d, 1);
      t[0] = Number.isFinite(x) ? Math.trunc(x) : 0;
      return t[0]!;
    }
  }
}

export function finfo(d: DType): { eps: number; max: number; min: number; tiny: number } {
  if (d === "float64") {
    return { eps: Number.EPSILON, max: Number.MAX_VALUE, min: -Number.MAX_VALUE, tiny: 2.2250738585072014e-308 };
  }
  if (d === "float32") return { eps: 2 ** -23, max: 3.4028234663852886e38, min: -3.4028234663852886e38, tiny: 2 ** -126 };
  throw new TypeError(`finfo requires a floating dtype, got ${d}`);
}

export function iinfo(d: DType): { min: number; max: number; bits: number } {
  const bits = itemsize(d) * 8;
  if (isUnsignedInt(d)) return { min: 0, max: 2 ** bits - 1, bits };
  if (isSignedInt(d)) return { min: -(2 ** (bits - 1)), max: 2 ** (bits - 1) - 1, bits };
  if (d === "bool") return { min: 0, max: 1, bits: 8 };
  throw new TypeError(`iinfo requires an integer dtype, got ${d}`);
}
