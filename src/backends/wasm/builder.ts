// A small WebAssembly binary emitter: module sections (types, imports, functions, exports,
// code), LEB128, and a function-body assembler with named locals, structured control flow
// (block/loop/if with labels resolved to branch depths) and an opcode table covering the
// MVP numeric ops, bulk memory, atomics, 128-bit SIMD (0xFD prefix) and relaxed SIMD.
//
// The assembler is linear: every call appends instructions. Instruction helpers accept
// optional operands that are emitted first, so expressions nest naturally:
//   f.set(p, () => f.op("i32.add", p, 64));   // p = p + 64
// An operand is a Local (local.get), a plain number (i32.const), or a thunk that emits.
// Use f.f32c / f.f64c / f.i64c for constants of other types.

export type ValType = "i32" | "i64" | "f32" | "f64" | "v128";

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Growable byte sink with the encodings of the binary format. */
export class ByteWriter {
  private buf: Uint8Array<ArrayBuffer> = new Uint8Array(256);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.length + n) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  byte(x: number): this {
    this.reserve(1);
    this.buf[this.length++] = x & 0xff;
    return this;
  }

  bytes(xs: ArrayLike<number>): this {
    this.reserve(xs.length);
    for (let i = 0; i < xs.length; i++) this.buf[this.length++] = xs[i]! & 0xff;
    return this;
  }

  /** Unsigned LEB128 of a 32-bit value. */
  u32(x: number): this {
    if (!Number.isInteger(x) || x < 0 || x > 0xffffffff) throw new RangeError(`u32 out of range: ${x}`);
    do {
      let b = x & 0x7f;
      x = Math.floor(x / 128);
      if (x !== 0) b |= 0x80;
      this.byte(b);
    } while (x !== 0);
    return this;
  }

  /** Signed LEB128 of a 32-bit value (accepts -2^31 .. 2^32-1; the latter wraps). */
  s32(x: number): this {
    if (!Number.isInteger(x) || x < -0x80000000 || x > 0xffffffff) throw new RangeError(`i32 out of range: ${x}`);
    return this.s64(BigInt(x | 0));
  }

  /** Signed LEB128 of a 64-bit value. */
  s64(x: bigint): this {
    x = BigInt.asIntN(64, x);
    for (;;) {
      const b = Number(x & 0x7fn);
      x >>= 7n;
      const done = (x === 0n && (b & 0x40) === 0) || (x === -1n && (b & 0x40) !== 0);
      this.byte(done ? b : b | 0x80);
      if (done) return this;
    }
  }

  f32(x: number): this {
    const v = new DataView(new ArrayBuffer(4));
    v.setFloat32(0, x, true);
    return this.bytes(new Uint8Array(v.buffer));
  }

  f64(x: number): this {
    const v = new DataView(new ArrayBuffer(8));
    v.setFloat64(0, x, true);
    return this.bytes(new Uint8Array(v.buffer));
  }

  name(s: string): this {
    const enc = new TextEncoder().encode(s);
    return this.u32(enc.length).bytes(enc);
  }

  /** A length-prefixed nested payload (sections, function bodies). */
  sized(w: ByteWriter): this {
    return this.u32(w.length).bytes(w.finish());
  }

  finish(): Uint8Array<ArrayBuffer> {
    return this.buf.slice(0, this.length);
  }
}

// ---------------------------------------------------------------------------------------
// Opcode table. Plain ops take no immediates; memory ops take a memarg (see MEM_OPS);
// lane ops take a lane index byte.

function simd(code: number): number[] {
  const w = new ByteWriter().byte(0xfd).u32(code);
  return Array.from(w.finish());
}
function prefixed(prefix: number, code: number): number[] {
  return Array.from(new ByteWriter().byte(prefix).u32(code).finish());
}

const PLAIN_OPS = {
  unreachable: [0x00], nop: [0x01], return: [0x0f], drop: [0x1a], select: [0x1b],
  "i32.eqz": [0x45], "i32.eq": [0x46], "i32.ne": [0x47], "i32.lt_s": [0x48], "i32.lt_u": [0x49],
  "i32.gt_s": [0x4a], "i32.gt_u": [0x4b], "i32.le_s": [0x4c], "i32.le_u": [0x4d], "i32.ge_s": [0x4e],
  "i32.ge_u": [0x4f],
  "i64.eqz": [0x50], "i64.eq": [0x51], "i64.ne": [0x52], "i64.lt_s": [0x53], "i64.lt_u": [0x54],
  "i64.gt_s": [0x55], "i64.gt_u": [0x56], "i64.le_s": [0x57], "i64.le_u": [0x58], "i64.ge_s": [0x59],
  "i64.ge_u": [0x5a],
  "f32.eq": [0x5b], "f32.ne": [0x5c], "f32.lt": [0x5d], "f32.gt": [0x5e], "f32.le": [0x5f], "f32.ge": [0x60],
  "f64.eq": [0x61], "f64.ne": [0x62], "f64.lt": [0x63], "f64.gt": [0x64], "f64.le": [0x65], "f64.ge": [0x66],
  "i32.clz": [0x67], "i32.ctz": [0x68], "i32.popcnt": [0x69], "i32.add": [0x6a], "i32.sub": [0x6b],
  "i32.mul": [0x6c], "i32.div_s": [0x6d], "i32.div_u": [0x6e], "i32.rem_s": [0x6f], "i32.rem_u": [0x70],
  "i32.and": [0x71], "i32.or": [0x72], "i32.xor": [0x73], "i32.shl": [0x74], "i32.shr_s": [0x75],
  "i32.shr_u": [0x76], "i32.rotl": [0x77], "i32.rotr": [0x78],
  "i64.clz": [0x79], "i64.ctz": [0x7a], "i64.popcnt": [0x7b], "i64.add": [0x7c], "i64.sub": [0x7d],
  "i64.mul": [0x7e], "i64.div_s": [0x7f], "i64.div_u": [0x80], "i64.rem_s": [0x81], "i64.rem_u": [0x82],
  "i64.and": [0x83], "i64.or": [0x84], "i64.xor": [0x85], "i64.shl": [0x86], "i64.shr_s": [0x87],
  "i64.shr_u": [0x88], "i64.rotl": [0x89], "i64.rotr": [0x8a],
  "f32.abs": [0x8b], "f32.neg": [0x8c], "f32.ceil": [0x8d], "f32.floor": [0x8e], "f32.trunc": [0x8f],
  "f32.nearest": [0x90], "f32.sqrt": [0x91], "f32.add": [0x92], "f32.sub": [0x93], "f32.mul": [0x94],
  "f32.div": [0x95], "f32.min": [0x96], "f32.max": [0x97], "f32.copysign": [0x98],
  "f64.abs": [0x99], "f64.neg": [0x9a], "f64.ceil": [0x9b], "f64.floor": [0x9c], "f64.trunc": [0x9d],
  "f64.nearest": [0x9e], "f64.sqrt": [0x9f], "f64.add": [0xa0], "f64.sub": [0xa1], "f64.mul": [0xa2],
  "f64.div": [0xa3], "f64.min": [0xa4], "f64.max": [0xa5], "f64.copysign": [0xa6],
  "i32.wrap_i64": [0xa7], "i32.trunc_f32_s": [0xa8], "i32.trunc_f32_u": [0xa9], "i32.trunc_f64_s": [0xaa],
  "i32.trunc_f64_u": [0xab], "i64.extend_i32_s": [0xac], "i64.extend_i32_u": [0xad],
  "i64.trunc_f32_s": [0xae], "i64.trunc_f32_u": [0xaf], "i64.trunc_f64_s": [0xb0], "i64.trunc_f64_u": [0xb1],
  "f32.convert_i32_s": [0xb2], "f32.convert_i32_u": [0xb3], "f32.convert_i64_s": [0xb4],
  "f32.convert_i64_u": [0xb5], "f32.demote_f64": [0xb6], "f64.convert_i32_s": [0xb7],
  "f64.convert_i32_u": [0xb8], "f64.convert_i64_s": [0xb9], "f64.convert_i64_u": [0xba],
  "f64.promote_f32": [0xbb], "i32.reinterpret_f32": [0xbc], "i64.reinterpret_f64": [0xbd],
  "f32.reinterpret_i32": [0xbe], "f64.reinterpret_i64": [0xbf],
  "i32.extend8_s": [0xc0], "i32.extend16_s": [0xc1], "i64.extend8_s": [0xc2], "i64.extend16_s": [0xc3],
  "i64.extend32_s": [0xc4],
  "i32.trunc_sat_f32_s": prefixed(0xfc, 0), "i32.trunc_sat_f32_u": prefixed(0xfc, 1),
  "i32.trunc_sat_f64_s": prefixed(0xfc, 2), "i32.trunc_sat_f64_u": prefixed(0xfc, 3),
  "memory.size": [0x3f, 0x00], "memory.grow": [0x40, 0x00],
  "memory.copy": [0xfc, 0x0a, 0x00, 0x00], "memory.fill": [0xfc, 0x0b, 0x00],
  "atomic.fence": [0xfe, 0x03, 0x00],
  // SIMD: constructors and lane-free ops
  "i8x16.swizzle": simd(14), "i8x16.splat": simd(15), "i16x8.splat": simd(16), "i32x4.splat": simd(17),
  "i64x2.splat": simd(18), "f32x4.splat": simd(19), "f64x2.splat": simd(20),
  "i32x4.eq": simd(55), "i32x4.ne": simd(56), "i32x4.lt_s": simd(57), "i32x4.lt_u": simd(58),
  "i32x4.gt_s": simd(59), "i32x4.gt_u": simd(60), "i32x4.le_s": simd(61), "i32x4.le_u": simd(62),
  "i32x4.ge_s": simd(63), "i32x4.ge_u": simd(64),
  "f32x4.eq": simd(65), "f32x4.ne": simd(66), "f32x4.lt": simd(67), "f32x4.gt": simd(68),
  "f32x4.le": simd(69), "f32x4.ge": simd(70),
  "f64x2.eq": simd(71), "f64x2.ne": simd(72), "f64x2.lt": simd(73), "f64x2.gt": simd(74),
  "f64x2.le": simd(75), "f64x2.ge": simd(76),
  "v128.not": simd(77), "v128.and": simd(78), "v128.andnot": simd(79), "v128.or": simd(80),
  "v128.xor": simd(81), "v128.bitselect": simd(82), "v128.any_true": simd(83),
  "f32x4.demote_f64x2_zero": simd(94), "f64x2.promote_low_f32x4": simd(95),
  "f32x4.ceil": simd(103), "f32x4.floor": simd(104), "f32x4.trunc": simd(105), "f32x4.nearest": simd(106),
  "f64x2.ceil": simd(116), "f64x2.floor": simd(117), "f64x2.trunc": simd(122), "f64x2.nearest": simd(148),
  "i32x4.abs": simd(160), "i32x4.neg": simd(161), "i32x4.all_true": simd(163), "i32x4.bitmask": simd(164),
  "i32x4.shl": simd(171), "i32x4.shr_s": simd(172), "i32x4.shr_u": simd(173), "i32x4.add": simd(174),
  "i32x4.sub": simd(177), "i32x4.mul": simd(181), "i32x4.min_s": simd(182), "i32x4.min_u": simd(183),
  "i32x4.max_s": simd(184), "i32x4.max_u": simd(185),
  "i64x2.add": simd(206), "i64x2.sub": simd(209), "i64x2.mul": simd(213),
  "f32x4.abs": simd(224), "f32x4.neg": simd(225), "f32x4.sqrt": simd(227), "f32x4.add": simd(228),
  "f32x4.sub": simd(229), "f32x4.mul": simd(230), "f32x4.div": simd(231), "f32x4.min": simd(232),
  "f32x4.max": simd(233), "f32x4.pmin": simd(234), "f32x4.pmax": simd(235),
  "f64x2.abs": simd(236), "f64x2.neg": simd(237), "f64x2.sqrt": simd(239), "f64x2.add": simd(240),
  "f64x2.sub": simd(241), "f64x2.mul": simd(242), "f64x2.div": simd(243), "f64x2.min": simd(244),
  "f64x2.max": simd(245), "f64x2.pmin": simd(246), "f64x2.pmax": simd(247),
  "i32x4.trunc_sat_f32x4_s": simd(248), "i32x4.trunc_sat_f32x4_u": simd(249),
  "f32x4.convert_i32x4_s": simd(250), "f32x4.convert_i32x4_u": simd(251),
  // Relaxed SIMD (validate only where the runtime offers it; see features.ts)
  "f32x4.relaxed_madd": simd(0x105), "f32x4.relaxed_nmadd": simd(0x106),
  "f64x2.relaxed_madd": simd(0x107), "f64x2.relaxed_nmadd": simd(0x108),
  "f32x4.relaxed_min": simd(0x10d), "f32x4.relaxed_max": simd(0x10e),
  "f64x2.relaxed_min": simd(0x10f), "f64x2.relaxed_max": simd(0x110),
} satisfies Record<string, number[]>;

/** Memory ops: opcode bytes and natural alignment (log2 bytes). */
const MEM_OPS = {
  "i32.load": [[0x28], 2], "i64.load": [[0x29], 3], "f32.load": [[0x2a], 2], "f64.load": [[0x2b], 3],
  "i32.load8_s": [[0x2c], 0], "i32.load8_u": [[0x2d], 0], "i32.load16_s": [[0x2e], 1],
  "i32.load16_u": [[0x2f], 1], "i64.load32_u": [[0x35], 2],
  "i32.store": [[0x36], 2], "i64.store": [[0x37], 3], "f32.store": [[0x38], 2], "f64.store": [[0x39], 3],
  "i32.store8": [[0x3a], 0], "i32.store16": [[0x3b], 1],
  "v128.load": [simd(0), 4], "v128.load32_splat": [simd(9), 2], "v128.load64_splat": [simd(10), 3],
  "v128.store": [simd(11), 4], "v128.load32_zero": [simd(92), 2], "v128.load64_zero": [simd(93), 3],
  "memory.atomic.notify": [prefixed(0xfe, 0x00), 2], "memory.atomic.wait32": [prefixed(0xfe, 0x01), 2],
  "i32.atomic.load": [prefixed(0xfe, 0x10), 2], "i32.atomic.store": [prefixed(0xfe, 0x17), 2],
  "i32.atomic.rmw.add": [prefixed(0xfe, 0x1e), 2], "i32.atomic.rmw.cmpxchg": [prefixed(0xfe, 0x48), 2],
} satisfies Record<string, [number[], number]>;

/** Ops with a lane-index immediate. */
const LANE_OPS = {
  "i32x4.extract_lane": simd(27), "i32x4.replace_lane": simd(28),
  "i64x2.extract_lane": simd(29), "i64x2.replace_lane": simd(30),
  "f32x4.extract_lane": simd(31), "f32x4.replace_lane": simd(32),
  "f64x2.extract_lane": simd(33), "f64x2.replace_lane": simd(34),
} satisfies Record<string, number[]>;

export type PlainOp = keyof typeof PLAIN_OPS;
export type MemOp = keyof typeof MEM_OPS;
export type LaneOp = keyof typeof LANE_OPS;

// ---------------------------------------------------------------------------------------
// Function bodies

export interface Local {
  readonly kind: "local";
  readonly index: number;
  readonly type: ValType;
  readonly name: string;
}

export interface Label {
  readonly kind: "label";
  /** Nesting depth inside the construct the label names. */
  readonly depth: number;
}

export interface FuncRef {
  readonly index: number;
  readonly name: string;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

export type Operand = Local | number | (() => void);

type Params<P extends Record<string, ValType>> = { readonly [K in keyof P]: Local };

export class FunctionBuilder {
  readonly code = new ByteWriter();
  private readonly locals: Local[] = [];
  private readonly names = new Map<string, Local>();
  private depth = 0;

  constructor(paramTypes: readonly [string, ValType][]) {
    for (const [name, type] of paramTypes) this.addLocal(name, type);
  }

  private addLocal(name: string, type: ValType): Local {
    if (this.names.has(name)) throw new Error(`duplicate local name: ${name}`);
    const l: Local = { kind: "local", index: this.locals.length, type, name };
    this.locals.push(l);
    this.names.set(name, l);
    return l;
  }

  /** Declares a new local (zero-initialised, as wasm locals are). */
  local(name: string, type: ValType): Local {
    return this.addLocal(name, type);
  }

  /** Looks a local up by name. */
  named(name: string): Local {
    const l = this.names.get(name);
    if (!l) throw new Error(`unknown local: ${name}`);
    return l;
  }

  localTypes(paramCount: number): ValType[] {
    return this.locals.slice(paramCount).map((l) => l.type);
  }

  /** Emits operands in order: a Local reads it, a number is an i32 constant, a thunk emits. */
  emit(...operands: Operand[]): this {
    for (const o of operands) {
      if (typeof o === "number") this.i32c(o)();
      else if (typeof o === "function") o();
      else this.code.byte(0x20).u32(o.index);
    }
    return this;
  }

  i32c(x: number): () => void {
    return () => void this.code.byte(0x41).s32(x);
  }
  i64c(x: bigint): () => void {
    return () => void this.code.byte(0x42).s64(x);
  }
  f32c(x: number): () => void {
    return () => void this.code.byte(0x43).f32(x);
  }
  f64c(x: number): () => void {
    return () => void this.code.byte(0x44).f64(x);
  }
  /** A v128 constant from 16 bytes. */
  v128c(bytes: ArrayLike<number>): () => void {
    if (bytes.length !== 16) throw new Error("v128.const needs 16 bytes");
    return () => void this.code.bytes(simd(12)).bytes(bytes);
  }

  get(l: Local): this {
    return this.emit(l);
  }
  set(l: Local, value?: Operand): this {
    if (value !== undefined) this.emit(value);
    this.code.byte(0x21).u32(l.index);
    return this;
  }
  tee(l: Local, value?: Operand): this {
    if (value !== undefined) this.emit(value);
    this.code.byte(0x22).u32(l.index);
    return this;
  }

  /** An instruction without immediates, its operands emitted first. */
  op(name: PlainOp, ...operands: Operand[]): this {
    this.emit(...operands);
    this.code.bytes(PLAIN_OPS[name]);
    return this;
  }

  /** A load (or wait/notify): operands are [addr, ...]; offset is a constant byte offset. */
  load(name: MemOp, addr?: Operand, offset = 0, alignLog2?: number): this {
    if (addr !== undefined) this.emit(addr);
    return this.memarg(name, offset, alignLog2);
  }

  /** A store: operands are addr then value. */
  store(name: MemOp, addr?: Operand, value?: Operand, offset = 0, alignLog2?: number): this {
    if (addr !== undefined) this.emit(addr);
    if (value !== undefined) this.emit(value);
    return this.memarg(name, offset, alignLog2);
  }

  /** A memory op whose operands (if any) were emitted separately. */
  memarg(name: MemOp, offset = 0, alignLog2?: number): this {
    const [bytes, natural] = MEM_OPS[name];
    const align = alignLog2 ?? natural;
    if (align > natural) throw new Error(`${name}: alignment 2^${align} exceeds natural 2^${natural}`);
    this.code.bytes(bytes).u32(align).u32(offset);
    return this;
  }

  lane(name: LaneOp, lane: number, ...operands: Operand[]): this {
    this.emit(...operands);
    this.code.bytes(LANE_OPS[name]).byte(lane);
    return this;
  }

  /** i8x16.shuffle with 16 lane indices into the concatenation of a and b. */
  shuffle(lanes: ArrayLike<number>, a?: Operand, b?: Operand): this {
    if (lanes.length !== 16) throw new Error("i8x16.shuffle needs 16 lane indices");
    if (a !== undefined) this.emit(a);
    if (b !== undefined) this.emit(b);
    this.code.bytes(simd(13)).bytes(lanes);
    return this;
  }

  call(fn: FuncRef, ...operands: Operand[]): this {
    this.emit(...operands);
    this.code.byte(0x10).u32(fn.index);
    return this;
  }

  private structured(opcode: number, result: ValType | undefined, body: (l: Label) => void): void {
    this.code.byte(opcode).byte(result ? VALTYPE[result] : 0x40);
    this.depth++;
    body({ kind: "label", depth: this.depth });
    this.depth--;
    this.code.byte(0x0b);
  }

  /** block ... end; branching to the label exits the block. */
  block(body: (exit: Label) => void, result?: ValType): this {
    this.structured(0x02, result, body);
    return this;
  }

  /** loop ... end; branching to the label continues at the top. */
  loop(body: (top: Label) => void, result?: ValType): this {
    this.structured(0x03, result, body);
    return this;
  }

  /** if cond then ... [else ...] end. */
  if(cond: Operand | undefined, then: () => void, otherwise?: () => void, result?: ValType): this {
    if (cond !== undefined) this.emit(cond);
    this.code.byte(0x04).byte(result ? VALTYPE[result] : 0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.code.byte(0x05);
      otherwise();
    }
    this.depth--;
    this.code.byte(0x0b);
    return this;
  }

  private relative(l: Label): number {
    const d = this.depth - l.depth;
    if (d < 0) throw new Error("branch to a label that is not in scope");
    return d;
  }

  br(l: Label): this {
    this.code.byte(0x0c).u32(this.relative(l));
    return this;
  }

  brIf(l: Label, cond?: Operand): this {
    if (cond !== undefined) this.emit(cond);
    this.code.byte(0x0d).u32(this.relative(l));
    return this;
  }

  /**
   * for (i = start; i < end; i += step) body — signed compare; the test runs before the
   * first iteration, so an empty range runs nothing. `end` is re-evaluated each iteration.
   */
  forRange(i: Local, start: Operand, end: Operand, step: number, body: (exit: Label) => void): this {
    this.set(i, start);
    return this.block((exit) => {
      this.brIf(exit, () => this.op("i32.ge_s", i, end));
      this.loop((top) => {
        body(exit);
        this.set(i, () => this.op("i32.add", i, step));
        this.brIf(top, () => this.op("i32.lt_s", i, end));
      });
    });
  }

  /** Finishes the body: local declarations (run-length encoded) followed by the code. */
  encode(paramCount: number): ByteWriter {
    const types = this.localTypes(paramCount);
    const runs: [number, ValType][] = [];
    for (const t of types) {
      const last = runs[runs.length - 1];
      if (last && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const w = new ByteWriter().u32(runs.length);
    for (const [n, t] of runs) w.u32(n).byte(VALTYPE[t]);
    w.bytes(this.code.finish()).byte(0x0b);
    return w;
  }
}

// ---------------------------------------------------------------------------------------
// Modules

export interface MemoryImport {
  module?: string;
  name?: string;
  initial: number;
  maximum?: number;
  shared?: boolean;
}

interface FuncDef {
  ref: FuncRef;
  typeIndex: number;
  body?: ByteWriter;
}

export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: Uint8Array[] = [];
  private readonly imports: ByteWriter[] = [];
  private importedFuncs = 0;
  private readonly funcs: FuncDef[] = [];
  private readonly exports = new Map<string, [kind: number, index: number]>();
  private hasMemory = false;

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const w = new ByteWriter().byte(0x60).u32(params.length);
    for (const p of params) w.byte(VALTYPE[p]);
    w.u32(results.length);
    for (const r of results) w.byte(VALTYPE[r]);
    const bytes = w.finish();
    const key = bytes.join(",");
    let idx = this.types.indexOf(key);
    if (idx < 0) {
      idx = this.types.length;
      this.types.push(key);
      this.typeBytes.push(bytes);
    }
    return idx;
  }

  /** Imports a linear memory (default `env.memory`); `shared` requires `maximum`. */
  importMemory(m: MemoryImport): this {
    if (this.hasMemory) throw new Error("module already has a memory");
    if (m.shared && m.maximum === undefined) throw new Error("a shared memory needs a maximum");
    const w = new ByteWriter().name(m.module ?? "env").name(m.name ?? "memory").byte(0x02);
    const flags = (m.maximum !== undefined ? 1 : 0) | (m.shared ? 2 : 0);
    w.byte(flags).u32(m.initial);
    if (m.maximum !== undefined) w.u32(m.maximum);
    this.imports.push(w);
    this.hasMemory = true;
    return this;
  }

  importFunction(module: string, name: string, params: readonly ValType[], results: readonly ValType[]): FuncRef {
    if (this.funcs.length > 0) throw new Error("import functions before declaring any function");
    const t = this.typeIndex(params, results);
    this.imports.push(new ByteWriter().name(module).name(name).byte(0x00).u32(t));
    return { index: this.importedFuncs++, name, params, results };
  }

  /** Declares a function so that others can call it before its body is defined. */
  declare(name: string, params: readonly ValType[], results: readonly ValType[]): FuncRef {
    const ref: FuncRef = { index: this.importedFuncs + this.funcs.length, name, params, results };
    this.funcs.push({ ref, typeIndex: this.typeIndex(params, results) });
    return ref;
  }

  /** Defines the body of a declared function; params are named locals in declaration order. */
  define<P extends Record<string, ValType>>(
    ref: FuncRef,
    paramNames: P,
    body: (f: FunctionBuilder, params: Params<P>) => void,
  ): FuncRef {
    const def = this.funcs.find((d) => d.ref === ref);
    if (!def) throw new Error(`unknown function ${ref.name}`);
    if (def.body) throw new Error(`function ${ref.name} already defined`);
    const entries = Object.entries(paramNames) as [string, ValType][];
    if (entries.length !== ref.params.length || entries.some(([, t], i) => t !== ref.params[i])) {
      throw new Error(`parameters of ${ref.name} do not match its declaration`);
    }
    const f = new FunctionBuilder(entries);
    const params = Object.fromEntries(entries.map(([n]) => [n, f.named(n)])) as Params<P>;
    body(f, params);
    def.body = f.encode(entries.length);
    return ref;
  }

  /** Declares and defines a function in one step; `exported` also exports it by name. */
  function<P extends Record<string, ValType>>(
    name: string,
    params: P,
    results: readonly ValType[],
    body: (f: FunctionBuilder, params: Params<P>) => void,
    exported = false,
  ): FuncRef {
    const ref = this.declare(name, Object.values(params), results);
    this.define(ref, params, body);
    if (exported) this.exportFunction(name, ref);
    return ref;
  }

  exportFunction(name: string, ref: FuncRef): this {
    if (this.exports.has(name)) throw new Error(`duplicate export ${name}`);
    this.exports.set(name, [0x00, ref.index]);
    return this;
  }

  toBytes(): Uint8Array<ArrayBuffer> {
    const out = new ByteWriter().bytes([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    const section = (id: number, w: ByteWriter) => out.byte(id).sized(w);

    const types = new ByteWriter().u32(this.typeBytes.length);
    for (const t of this.typeBytes) types.bytes(t);
    section(1, types);

    if (this.imports.length) {
      const imps = new ByteWriter().u32(this.imports.length);
      for (const i of this.imports) imps.bytes(i.finish());
      section(2, imps);
    }

    const fns = new ByteWriter().u32(this.funcs.length);
    for (const d of this.funcs) fns.u32(d.typeIndex);
    section(3, fns);

    const exps = new ByteWriter().u32(this.exports.size);
    for (const [name, [kind, idx]] of this.exports) exps.name(name).byte(kind).u32(idx);
    section(7, exps);

    const code = new ByteWriter().u32(this.funcs.length);
    for (const d of this.funcs) {
      if (!d.body) throw new Error(`function ${d.ref.name} declared but never defined`);
      code.sized(d.body);
    }
    section(10, code);
    return out.finish();
  }

  /** Compiles synchronously (fine for the small modules we generate). */
  compile(): WebAssembly.Module {
    return new WebAssembly.Module(this.toBytes());
  }
}
