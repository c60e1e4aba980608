// The narrow backend interface: allocate, read, write, compile, run (and free).
// The reference `interpret` backend implements it over typed arrays; the Wasm backend plugs in
// behind the same interface.
import type { DType, TypedArray } from "../core/dtypes.js";
import type { Jaxpr } from "../ir/jaxpr.js";

/** An opaque handle to device storage owned by a backend. */
export interface Buffer {
  readonly dtype: DType;
  readonly size: number;
}

export interface Executable {
  readonly jaxpr: Jaxpr;
}

export interface Backend {
  readonly name: string;
  /** A buffer of `size` elements of `dtype`, contents unspecified. */
  allocate(dtype: DType, size: number): Buffer;
  /** Copies `data` (of the buffer's storage type and size) into the buffer. */
  write(buf: Buffer, data: TypedArray): void;
  /** A copy of the buffer's contents as a typed array. */
  read(buf: Buffer): TypedArray;
  /** Releases the storage now (optional: storage is otherwise reclaimed when unreachable). */
  free(buf: Buffer): void;
  /** Compiles a closed-over-nothing jaxpr (constants become leading inputs). */
  compile(jaxpr: Jaxpr): Executable;
  /** Runs a compiled jaxpr on input buffers, returning output buffers. */
  run(exe: Executable, inputs: Buffer[]): Buffer[];
  /**
   * What a finalizer needs to free `buf` once its array is unreachable, passed later to
   * releaseHandle. It must not reference the buffer's data (a FinalizationRegistry keeps it
   * alive until the callback runs). Without it, storage is left to the garbage collector.
   */
  finalizerHandle?(buf: Buffer): object;
  releaseHandle?(handle: object): void;
  /** Storage figures for memoryStats() (optional). */
  stats?(): object;
}

const backends = new Map<string, Backend>();
let current: Backend | undefined;

export function registerBackend(b: Backend): void {
  backends.set(b.name, b);
  current ??= b;
}

export function getBackend(name?: string): Backend {
  if (name === undefined) {
    if (!current) throw new Error("no backend registered");
    return current;
  }
  const b = backends.get(name);
  if (!b) throw new Error(`Unknown backend ${JSON.stringify(name)}; available: ${[...backends.keys()].join(", ")}`);
  return b;
}

export function setDefaultBackend(name: string): void {
  current = getBackend(name);
}

export function availableBackends(): string[] {
  return [...backends.keys()];
}
