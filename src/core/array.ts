// The Array type every user sees. `JaxArray` is the abstract base of concrete arrays
// (`ArrayImpl`, holding a backend buffer) and of tracers, like `jax.Array` in JAX.
// Method forms (`x.add(y)`, `x.sum()`, ...) delegate to jax.numpy through `arrayOps`, which the
// numpy layer fills in, so this file stays below the library layer.
import { ShapedArray } from "./aval.js";
import { type DType, type TypedArray, itemsize } from "./dtypes.js";
import { formatContents } from "./format.js";
import { type Backend, type Buffer, availableBackends, getBackend } from "../backends/backend.js";
import { makeRegistry } from "../runtime/gc.js";
import { ConcretizationTypeError, TracerBoolConversionError } from "./errors.js";

export type ArrayLike = JaxArray | number | boolean;
type Axis = number | number[] | null;
type ReduceOpts = { axis?: Axis; keepdims?: boolean };

/** Operations behind the method forms; installed by the numpy layer. */
export interface ArrayOps {
  add(x: ArrayLike, y: ArrayLike): JaxArray;
  subtract(x: ArrayLike, y: ArrayLike): JaxArray;
  multiply(x: ArrayLike, y: ArrayLike): JaxArray;
  divide(x: ArrayLike, y: ArrayLike): JaxArray;
  power(x: ArrayLike, y: ArrayLike): JaxArray;
  negative(x: ArrayLike): JaxArray;
  matmul(x: ArrayLike, y: ArrayLike): JaxArray;
  sum(x: ArrayLike, opts?: Axis | ReduceOpts): JaxArray;
  mean(x: ArrayLike, opts?: Axis | ReduceOpts): JaxArray;
  max(x: ArrayLike, opts?: Axis | ReduceOpts): JaxArray;
  min(x: ArrayLike, opts?: Axis | ReduceOpts): JaxArray;
  reshape(x: ArrayLike, shape: number[]): JaxArray;
  transpose(x: ArrayLike, axes?: number[]): JaxArray;
  astype(x: ArrayLike, dtype: DType): JaxArray;
  index(x: JaxArray, idx: unknown): JaxArray;
  indexUpdate(x: JaxArray, idx: unknown, v: ArrayLike, mode: "set" | "add" | "multiply" | "min" | "max"): JaxArray;
}
export const arrayOps = {} as ArrayOps;

/** Functional index updates, as `x.at[idx].set(v)` in JAX: `x.at(idx).set(v)`. */
export class IndexUpdateRef {
  constructor(
    private readonly x: JaxArray,
    private readonly idx: unknown,
  ) {}
  get(): JaxArray {
    return arrayOps.index(this.x, this.idx);
  }
  set(v: ArrayLike): JaxArray {
    return arrayOps.indexUpdate(this.x, this.idx, v, "set");
  }
  add(v: ArrayLike): JaxArray {
    return arrayOps.indexUpdate(this.x, this.idx, v, "add");
  }
  multiply(v: ArrayLike): JaxArray {
    return arrayOps.indexUpdate(this.x, this.idx, v, "multiply");
  }
  min(v: ArrayLike): JaxArray {
    return arrayOps.indexUpdate(this.x, this.idx, v, "min");
  }
  max(v: ArrayLike): JaxArray {
    return arrayOps.indexUpdate(this.x, this.idx, v, "max");
  }
}

export abstract class JaxArray {
  abstract get aval(): ShapedArray;
  /** The concrete array behind this value, or a ConcretizationTypeError under tracing. */
  abstract toConcrete(what?: string): ArrayImpl;

  get shape(): number[] {
    return [...this.aval.shape];
  }
  get dtype(): DType {
    return this.aval.dtype;
  }
  get ndim(): number {
    return this.aval.ndim;
  }
  get size(): number {
    return this.aval.size;
  }
  get weakType(): boolean {
    return this.aval.weakType;
  }

  /** A flat copy of the contents as a typed array (blocks on the computation). */
  dataSync(): TypedArray {
    return this.toConcrete("dataSync()").readData();
  }
  /** Resolves to a flat copy of the contents. */
  async data(): Promise<TypedArray> {
    return this.dataSync();
  }
  /** The single element as a JS number (boolean for bool arrays). */
  item(): number | boolean {
    const c = this.toConcrete("item()");
    if (c.size !== 1) throw new TypeError(`item() can only be called on arrays of size 1, got shape ${c.aval.longStr()}`);
    const v = c.readData()[0]!;
    return c.dtype === "bool" ? v !== 0 : v;
  }
  /** Nested JS arrays of numbers (booleans for bool arrays); a scalar for 0-d arrays. */
  tolist(): unknown {
    const c = this.toConcrete("tolist()");
    const data = c.readData();
    const conv = c.dtype === "bool" ? (v: number) => v !== 0 : (v: number) => v;
    const shape = c.shape;
    let pos = 0;
    const rec = (d: number): unknown => {
      if (d === shape.length) return conv(data[pos++]!);
      return Array.from({ length: shape[d]! }, () => rec(d + 1));
    };
    return rec(0);
  }
  [Symbol.toPrimitive](hint: string): number | string {
    if (hint === "string") return this.toString();
    if (this instanceof ArrayImpl) {
      if (this.size !== 1) {
        throw new TypeError(`only size-1 arrays can be converted to JS scalars (got shape ${this.aval.longStr()})`);
      }
      return Number(this.readData()[0]);
    }
    if (this.dtype === "bool" && !this.canConcretize()) throw new TracerBoolConversionError(this.describe());
    const c = this.toConcrete("Number()");
    return Number(c[Symbol.toPrimitive]("number"));
  }
  valueOf(): number {
    return this[Symbol.toPrimitive]("number") as number;
  }
  /** Whether a concrete value is available (false under jit or vmap tracing). */
  canConcretize(): boolean {
    return true;
  }
  describe(): string {
    return `traced array with shape ${this.aval.longStr()}`;
  }

  // ---- method forms ----
  add(y: ArrayLike): JaxArray {
    return arrayOps.add(this, y);
  }
  sub(y: ArrayLike): JaxArray {
    return arrayOps.subtract(this, y);
  }
  mul(y: ArrayLike): JaxArray {
    return arrayOps.multiply(this, y);
  }
  div(y: ArrayLike): JaxArray {
    return arrayOps.divide(this, y);
  }
  pow(y: ArrayLike): JaxArray {
    return arrayOps.power(this, y);
  }
  neg(): JaxArray {
    return arrayOps.negative(this);
  }
  matmul(y: ArrayLike): JaxArray {
    return arrayOps.matmul(this, y);
  }
  sum(opts?: Axis | ReduceOpts): JaxArray {
    return arrayOps.sum(this, opts);
  }
  mean(opts?: Axis | ReduceOpts): JaxArray {
    return arrayOps.mean(this, opts);
  }
  max(opts?: Axis | ReduceOpts): JaxArray {
    return arrayOps.max(this, opts);
  }
  min(opts?: Axis | ReduceOpts): JaxArray {
    return arrayOps.min(this, opts);
  }
  reshape(...shape: number[] | [number[]]): JaxArray {
    const s = Array.isArray(shape[0]) ? shape[0] : (shape as number[]);
    return arrayOps.reshape(this, s);
  }
  transpose(axes?: number[]): JaxArray {
    return arrayOps.transpose(this, axes);
  }
  get T(): JaxArray {
    return arrayOps.transpose(this);
  }
  astype(dtype: DType): JaxArray {
    return arrayOps.astype(this, dtype);
  }
  /** Indexing, as `x[idx]` in JAX; see `numpy.index` for the index forms. */
  get(...idx: unknown[]): JaxArray {
    return arrayOps.index(this, idx);
  }
  /** Functional updates: `x.at(idx).set(v)`, `.add(v)`, `.multiply(v)`, `.min(v)`, `.max(v)`, `.get()`. */
  at(...idx: unknown[]): IndexUpdateRef {
    return new IndexUpdateRef(this, idx);
  }
}

let liveArrays = 0;
let liveBytes = 0;
/** What the finalizer of an array holds: never the buffer itself (see Backend.finalizerHandle). */
interface Held {
  backend: Backend;
  handle: object | undefined;
  bytes: number;
}
const registry = makeRegistry<Held>((h) => {
  liveArrays--;
  liveBytes -= h.bytes;
  if (h.handle !== undefined) h.backend.releaseHandle?.(h.handle);
});

function held(backend: Backend, buf: Buffer): Held {
  return { backend, handle: backend.finalizerHandle?.(buf), bytes: buf.size * itemsize(buf.dtype) };
}

/** A concrete array: an abstract value plus a buffer on a backend. */
export class ArrayImpl extends JaxArray {
  private buf: Buffer | null;
  private _backend: Backend;
  private token = {};
  constructor(
    private readonly _aval: ShapedArray,
    buf: Buffer,
    backend: Backend,
  ) {
    super();
    this.buf = buf;
    this._backend = backend;
    const bytes = buf.size * itemsize(buf.dtype);
    liveArrays++;
    liveBytes += bytes;
    registry?.register(this, held(backend, buf), this.token);
  }
  /** The backend holding this array's storage. */
  get backend(): Backend {
    return this._backend;
  }
  /** Moves the storage to another backend (used when the default backend changes). */
  moveTo(backend: Backend): void {
    if (backend === this._backend) return;
    const old = this.buffer;
    const buf = backend.allocate(old.dtype, old.size);
    backend.write(buf, this._backend.read(old));
    registry?.unregister(this.token);
    this._backend.free(old);
    this.token = {};
    this.buf = buf;
    this._backend = backend;
    registry?.register(this, held(backend, buf), this.token);
  }
  get aval(): ShapedArray {
    return this._aval;
  }
  toConcrete(): ArrayImpl {
    return this;
  }
  /** The backend buffer; raises if the array was disposed. */
  get buffer(): Buffer {
    if (this.buf === null) throw new ReferenceError("Array has been deleted (disposed) and cannot be used.");
    return this.buf;
  }
  readData(): TypedArray {
    return this.backend.read(this.buffer);
  }
  /** Frees the storage now; any later use raises. */
  dispose(): void {
    if (this.buf === null) return;
    registry?.unregister(this.token);
    liveArrays--;
    liveBytes -= this.buf.size * itemsize(this.buf.dtype);
    this.backend.free(this.buf);
    this.buf = null;
  }
  /** Alias of dispose(), as `jax.Array.delete()`. */
  delete(): void {
    this.dispose();
  }
  isDeleted(): boolean {
    return this.buf === null;
  }
  [Symbol.dispose](): void {
    this.dispose();
  }
  override toString(): string {
    if (this.buf === null) return "Array(<deleted>)";
    const body = formatContents(this.readData(), this.shape, this.dtype, 6);
    return `Array(${body}, dtype=${this.dtype}${this.weakType ? ", weak_type=True" : ""})`;
  }
}

export interface MemoryStats {
  /** Arrays created and not yet disposed or reclaimed by the garbage collector. */
  liveArrays: number;
  /** Bytes of those arrays. */
  liveBytes: number;
  /** Per-backend storage figures (the Wasm backend: heap size, resident bytes, spills). */
  backends: Record<string, object>;
}

/** Live arrays and bytes, and what each backend holds. */
export function memoryStats(): MemoryStats {
  const backends: Record<string, object> = {};
  for (const name of availableBackends()) {
    const b = getBackend(name);
    if (b.stats) backends[name] = b.stats();
  }
  return { liveArrays, liveBytes, backends };
}

export function isArray(x: unknown): x is JaxArray {
  return x instanceof JaxArray;
}

export { ConcretizationTypeError };
