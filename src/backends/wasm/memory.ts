// The Wasm backend's memory: one WebAssembly.Memory (shared when the runtime allows threads)
// managed as a *cache* of array storage, so that memory manages itself.
//
// Why a cache. Kernels can only touch their linear memory, but nothing tells us when an array
// becomes unreachable inside a long synchronous loop: FinalizationRegistry callbacks run only
// when the event loop turns, and a WeakRef created in a job keeps its target alive until the job
// ends. So each buffer's bytes live in the heap while it is *resident*; when an allocation would
// push the heap past its limit, the least recently used resident buffers (not pinned by the
// running computation) are *spilled*: their bytes are copied into a plain JS typed array owned
// by the buffer object, and their heap block is freed. An unreachable array then holds only
// GC-managed memory, which V8 reclaims on its own schedule, synchronous loop or not; a live one
// is copied back (paged in) the next time a kernel reads it. dispose() and the finalizer free
// the block (or drop the spilled copy) directly.
//
// The allocator: 64-byte aligned blocks; free blocks kept in power-of-two size bins and two
// maps (by start and by end) so a freed block merges with its free neighbours in O(1); a
// bump pointer `top` above the highest used block; memory grows in pages up to the limit.

import { type DType, type TypedArray, itemsize, typedView } from "../../core/dtypes.js";

const PAGE = 65536;
const ALIGN = 64;
/** Largest memory a wasm32 module can address (and what the kernels declare as maximum). */
export const MAX_PAGES = 65536;
/** Bytes reserved at address 0 so that no buffer has address 0. */
const RESERVED = 1024;

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
/** Blocks up to this size are recycled through per-size stacks. */
const SMALL_MAX = 4096;
const SMALL_CACHE_BYTES = 1 << 22;
/** Arrays of at most this many elements spill to a JS array rather than a typed array. */
const SMALL_SPILL = 64;

interface Block {
  start: number;
  size: number;
}

/**
 * A buffer's heap block. It is what the FinalizationRegistry holds for an array, so it must
 * not reference the buffer (whose spilled copy would then stay alive until the finalizer runs,
 * which in a synchronous loop is never).
 */
export class Slot {
  /** Byte address in the heap, or -1 when not resident. */
  addr = -1;
  constructor(readonly reserved: number) {}
}

/** Storage of one array: resident in the heap at `addr`, or spilled to `host`. */
export class WasmBuffer {
  readonly slot: Slot;
  /** The spilled copy when not resident. */
  host: TypedArray | number[] | null = null;
  /** Pinned by the running computation while pin === heap.epoch. */
  pin = 0;
  /** When it was last used (the heap's clock), for least-recently-used spilling. */
  lastUse = 0;
  freed = false;
  constructor(
    readonly dtype: DType,
    readonly size: number,
  ) {
    this.slot = new Slot(align(Math.max(1, size * itemsize(dtype))));
  }
  /** Byte address in the heap, or -1 when not resident. */
  get addr(): number {
    return this.slot.addr;
  }
  set addr(a: number) {
    this.slot.addr = a;
  }
  /** Bytes reserved in the heap (aligned). */
  get reserved(): number {
    return this.slot.reserved;
  }
  get bytes(): number {
    return this.size * itemsize(this.dtype);
  }
}

function binOf(size: number): number {
  return 31 - Math.clz32(size);
}

export interface HeapStats {
  /** Bytes of the WebAssembly.Memory (it never shrinks). */
  heapBytes: number;
  /** Bytes in resident buffers. */
  residentBytes: number;
  residentBuffers: number;
  /** Buffers copied out of the heap under pressure, since start. */
  spills: number;
  /** Forced garbage collections that freed dead arrays' blocks without copying. */
  reclaims: number;
  spilledBytes: number;
  limitBytes: number;
}

export class WasmHeap {
  readonly memory: WebAssembly.Memory;
  readonly shared: boolean;
  private top = RESERVED;
  private readonly bins: Set<Block>[] = Array.from({ length: 33 }, () => new Set<Block>());
  private readonly byStart = new Map<number, Block>();
  private readonly byEnd = new Map<number, Block>();
  private small: number[][] = Array.from({ length: SMALL_MAX / ALIGN + 1 }, () => []);
  private smallBytes = 0;
  /** Resident buffers (by their slot, which finalizers hold). */
  private readonly resident = new Map<Slot, WasmBuffer>();
  private clock = 0;
  /**
   * Reclaims dead arrays synchronously (a forced GC that runs pending finalizers; see
   * runtime/gc.ts), returning false where impossible. Tried before spilling, at most once per
   * quarter of the limit (or eighth of maxResident buffers) allocated since the last try.
   */
  reclaim: (() => boolean) | null = null;
  private bytesSinceReclaim = 0;
  private countSinceReclaim = 0;
  reclaims = 0;
  private residentBytes = 0;
  private spills = 0;
  private spilledBytes = 0;
  /** Current computation; buffers with pin === epoch are not spilled. */
  epoch = 1;
  private views: { buffer: ArrayBufferLike; u8: Uint8Array } | null = null;

  constructor(
    shared: boolean,
    /** Most bytes the heap may hold before it spills. */
    public limit: number,
    /** Most resident buffers before the oldest are spilled. */
    public maxResident = 1 << 16,
  ) {
    this.shared = shared;
    this.memory = shared
      ? new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES, shared: true })
      : new WebAssembly.Memory({ initial: 256, maximum: MAX_PAGES });
  }

  /** A Uint8Array over the whole current memory (refreshed after growth). */
  u8(): Uint8Array {
    const buf = this.memory.buffer;
    if (this.views === null || this.views.buffer !== buf || this.views.u8.byteLength !== buf.byteLength) {
      this.views = { buffer: buf, u8: new Uint8Array(buf) };
    }
    return this.views.u8;
  }

  /** A typed view of a resident buffer's elements (valid until the memory grows). */
  view(b: WasmBuffer): TypedArray {
    if (b.addr < 0) throw new Error("internal: view of a buffer that is not resident");
    return viewOf(this.memory.buffer, b.dtype, b.addr, b.size);
  }

  stats(): HeapStats {
    return {
      heapBytes: this.memory.buffer.byteLength,
      residentBytes: this.residentBytes,
      residentBuffers: this.resident.size,
      spills: this.spills,
      reclaims: this.reclaims,
      spilledBytes: this.spilledBytes,
      limitBytes: this.limit,
    };
  }

  // -- raw blocks -------------------------------------------------------------------------

  private addFree(b: Block): void {
    if (b.start + b.size === this.top) {
      this.top = b.start; // give the tail back to the bump region
      const below = this.byEnd.get(b.start);
      if (below) {
        this.removeFree(below);
        this.top = below.start;
      }
      return;
    }
    this.bins[binOf(b.size)]!.add(b);
    this.byStart.set(b.start, b);
    this.byEnd.set(b.start + b.size, b);
  }

  private removeFree(b: Block): void {
    this.bins[binOf(b.size)]!.delete(b);
    this.byStart.delete(b.start);
    this.byEnd.delete(b.start + b.size);
  }

  /**
   * Frees a block. Small blocks go to a per-size stack (no merging, O(1) reuse) until those
   * stacks hold more than SMALL_CACHE_BYTES; then they are all merged back.
   */
  freeBlock(start: number, size: number): void {
    if (size <= SMALL_MAX) {
      this.small[size / ALIGN]!.push(start);
      this.smallBytes += size;
      if (this.smallBytes > SMALL_CACHE_BYTES) this.flushSmall();
      return;
    }
    this.mergeFree(start, size);
  }

  /** Merges the per-size stacks of small free blocks back into the general free lists. */
  flushSmall(): void {
    for (let c = 1; c < this.small.length; c++) {
      for (const a of this.small[c]!) this.mergeFree(a, c * ALIGN);
      this.small[c] = [];
    }
    this.smallBytes = 0;
  }

  /** Frees a block, merging it with free neighbours. */
  private mergeFree(start: number, size: number): void {
    let b: Block = { start, size };
    const prev = this.byEnd.get(start);
    if (prev) {
      this.removeFree(prev);
      b = { start: prev.start, size: prev.size + b.size };
    }
    const next = this.byStart.get(b.start + b.size);
    if (next) {
      this.removeFree(next);
      b = { start: b.start, size: b.size + next.size };
    }
    this.addFree(b);
  }

  /** A block of `size` (aligned) bytes from the free lists or the bump region, or -1. */
  private tryAlloc(size: number, grow = true): number {
    if (size <= SMALL_MAX) {
      const a = this.small[size / ALIGN]!.pop();
      if (a !== undefined) {
        this.smallBytes -= size;
        return a;
      }
    }
    for (let bin = binOf(size); bin < this.bins.length; bin++) {
      for (const b of this.bins[bin]!) {
        if (b.size < size) continue;
        this.removeFree(b);
        if (b.size > size) this.addFree({ start: b.start + size, size: b.size - size });
        return b.start;
      }
    }
    const end = this.top + size;
    if (end > this.limit + RESERVED) return -1;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      if (!grow) return -1;
      const pages = Math.ceil((end - have) / PAGE);
      // Grow at least by a quarter of the current size, so growth is amortised.
      const want = Math.max(pages, Math.ceil(have / PAGE / 4));
      const cap = Math.min(MAX_PAGES, Math.ceil((this.limit + RESERVED) / PAGE)) - have / PAGE;
      try {
        this.memory.grow(Math.min(Math.max(want, pages), cap));
      } catch {
        try {
          this.memory.grow(pages);
        } catch {
          return -1;
        }
      }
    }
    const start = this.top;
    this.top = end;
    return start;
  }

  /** A block of `bytes`, spilling least recently used buffers when the heap is full. */
  allocBlock(bytes: number, what: string): number {
    const size = align(Math.max(1, bytes));
    if (size > this.limit) {
      throw new RangeError(
        `Out of memory: ${what} needs ${bytes} bytes, more than the Wasm heap limit of ${this.limit} bytes ` +
          `(config "jaxts_wasm_heap_limit").`,
      );
    }
    let addr = this.tryAlloc(size, false);
    if (addr >= 0) return addr;
    // Past half the limit, reclaim dead arrays before growing the memory (if enough was
    // allocated since the last time): that keeps the heap compact. Below it, growing is
    // cheaper than a forced full GC (tens of ms on a busy heap).
    if (this.memory.buffer.byteLength >= this.limit / 2 && this.tryReclaim()) {
      addr = this.tryAlloc(size, false);
      if (addr >= 0) return addr;
    }
    addr = this.tryAlloc(size);
    if (addr >= 0) return addr;
    if (this.tryReclaim()) {
      addr = this.tryAlloc(size);
      if (addr < 0) {
        this.flushSmall();
        addr = this.tryAlloc(size);
      }
      if (addr >= 0) return addr;
    }
    // Spill in LRU order until the block fits. Spill at least an eighth of the limit at a
    // time, so a loop that allocates steadily spills in batches rather than on every call.
    let goal = Math.max(size, this.limit / 8);
    for (const b of this.lru()) {
      goal -= b.reserved;
      this.spill(b);
      if (goal <= 0) {
        addr = this.tryAlloc(size);
        if (addr >= 0) return addr;
        goal = size;
      }
    }
    this.flushSmall();
    addr = this.tryAlloc(size);
    if (addr >= 0) return addr;
    throw new RangeError(
      `Out of memory: ${what} needs ${bytes} bytes and the Wasm heap (limit ${this.limit} bytes, ` +
        `config "jaxts_wasm_heap_limit") is full of arrays in use by this computation.`,
    );
  }

  private tryReclaim(): boolean {
    if (this.reclaim === null) return false;
    if (this.bytesSinceReclaim < this.limit / 4 && this.countSinceReclaim < this.maxResident / 8) return false;
    this.bytesSinceReclaim = 0;
    this.countSinceReclaim = 0;
    if (!this.reclaim()) {
      this.reclaim = null;
      return false;
    }
    this.reclaims++;
    return true;
  }

  /** Unpinned resident buffers, least recently used first. */
  private lru(): WasmBuffer[] {
    const out: WasmBuffer[] = [];
    for (const b of this.resident.values()) if (b.pin !== this.epoch) out.push(b);
    return out.sort((a, b) => a.lastUse - b.lastUse);
  }

  /**
   * Unreachable small arrays cost little heap but one JS object each: past maxResident
   * buffers, roughly the oldest eighth is spilled (the cut is estimated from a sample of
   * last-use times, so no sort), so their bookkeeping stays bounded too.
   */
  private trimCount(): void {
    if (this.resident.size < this.maxResident) return;
    if (this.tryReclaim() && this.resident.size < this.maxResident * 0.75) return;
    const sample: number[] = [];
    const every = Math.max(1, Math.floor(this.resident.size / 256));
    let i = 0;
    for (const b of this.resident.values()) if (i++ % every === 0) sample.push(b.lastUse);
    sample.sort((a, b) => a - b);
    const cut = sample[Math.floor(sample.length / 8)]!;
    for (const b of [...this.resident.values()]) if (b.lastUse <= cut && b.pin !== this.epoch) this.spill(b);
  }

  // -- buffers ------------------------------------------------------------------------------

  /** A new resident buffer (contents unspecified), pinned for the current computation. */
  allocate(dtype: DType, size: number): WasmBuffer {
    this.trimCount();
    const b = new WasmBuffer(dtype, size);
    this.bytesSinceReclaim += b.reserved;
    this.countSinceReclaim++;
    b.pin = this.epoch;
    b.lastUse = ++this.clock;
    b.addr = this.allocBlock(b.reserved, `an array of ${size} ${dtype}`);
    this.resident.set(b.slot, b);
    this.residentBytes += b.reserved;
    return b;
  }

  /** Makes `b` resident (copying a spilled copy back in), pins it and marks it recently used. */
  use(b: WasmBuffer): number {
    if (b.freed) throw new ReferenceError("Array has been deleted (disposed) and cannot be used.");
    b.pin = this.epoch;
    b.lastUse = ++this.clock;
    if (b.addr >= 0) return b.addr;
    const addr = this.allocBlock(b.reserved, `an array of ${b.size} ${b.dtype}`);
    const host = b.host!;
    if (Array.isArray(host)) viewOf(this.memory.buffer, b.dtype, addr, b.size).set(host);
    else this.u8().set(new Uint8Array(host.buffer, host.byteOffset, host.byteLength), addr);
    b.addr = addr;
    b.host = null;
    this.resident.set(b.slot, b);
    this.residentBytes += b.reserved;
    return addr;
  }

  /** Copies a resident buffer out to a JS typed array and frees its block. */
  private spill(b: WasmBuffer): void {
    const data = viewOf(this.memory.buffer, b.dtype, b.addr, b.size);
    // A tiny array spills to a plain JS array: far cheaper for the GC than an ArrayBuffer.
    b.host = b.size <= SMALL_SPILL ? Array.from(data) : data.slice();
    this.release(b);
    this.spills++;
    this.spilledBytes += b.bytes;
  }

  private release(b: WasmBuffer): void {
    this.freeSlot(b.slot);
  }

  /** Frees a slot's block if it is resident (the finalizer's path: the buffer is gone). */
  freeSlot(slot: Slot): void {
    if (slot.addr < 0) return;
    this.freeBlock(slot.addr, slot.reserved);
    this.resident.delete(slot);
    this.residentBytes -= slot.reserved;
    slot.addr = -1;
  }

  /** Frees a buffer's storage (block or spilled copy). Idempotent. */
  free(b: WasmBuffer): void {
    if (b.freed) return;
    b.freed = true;
    if (b.addr >= 0) this.release(b);
    b.host = null;
  }

  write(b: WasmBuffer, data: TypedArray): void {
    if (b.addr >= 0) viewOf(this.memory.buffer, b.dtype, b.addr, b.size).set(data);
    else if (Array.isArray(b.host)) b.host = Array.from(data);
    else b.host!.set(data);
  }

  read(b: WasmBuffer): TypedArray {
    if (b.freed) throw new ReferenceError("Array has been deleted (disposed) and cannot be used.");
    if (b.addr >= 0) return viewOf(this.memory.buffer, b.dtype, b.addr, b.size).slice();
    const host = b.host!;
    if (Array.isArray(host)) {
      const out = viewOf(new ArrayBuffer(b.size * itemsize(b.dtype)), b.dtype, 0, b.size);
      out.set(host);
      return out;
    }
    return host.slice();
  }
}

/** A typed view of `size` elements of `dtype` at byte address `addr`. */
export function viewOf(buf: ArrayBufferLike, dtype: DType, addr: number, size: number): TypedArray {
  return typedView(dtype, buf, addr, size);
}
