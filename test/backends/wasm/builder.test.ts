// The Wasm emitter: encodings, control flow, and the semantics of the opcodes we rely on
// (a wrong opcode number either fails validation or computes the wrong thing here).

import { describe, expect, it } from "vitest";
import { ByteWriter, ModuleBuilder, type FunctionBuilder } from "../../../src/backends/wasm/builder.js";
import { wasmFeatures } from "../../../src/backends/wasm/features.js";

type Fn = (...args: number[]) => number;

function instantiate(build: (m: ModuleBuilder) => void, memory?: WebAssembly.Memory): Record<string, Fn> {
  const m = new ModuleBuilder();
  if (memory) m.importMemory({ initial: 1 });
  build(m);
  const inst = new WebAssembly.Instance(m.compile(), memory ? { env: { memory } } : {});
  return inst.exports as unknown as Record<string, Fn>;
}

describe("ByteWriter", () => {
  it("encodes unsigned LEB128", () => {
    const enc = (x: number) => Array.from(new ByteWriter().u32(x).finish());
    expect(enc(0)).toEqual([0]);
    expect(enc(127)).toEqual([0x7f]);
    expect(enc(128)).toEqual([0x80, 0x01]);
    expect(enc(0x105)).toEqual([0x85, 0x02]);
    expect(enc(0xffffffff)).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => enc(-1)).toThrow(RangeError);
  });

  it("encodes signed LEB128", () => {
    const enc = (x: number) => Array.from(new ByteWriter().s32(x).finish());
    expect(enc(0)).toEqual([0]);
    expect(enc(-1)).toEqual([0x7f]);
    expect(enc(63)).toEqual([0x3f]);
    expect(enc(64)).toEqual([0xc0, 0x00]);
    expect(enc(-64)).toEqual([0x40]);
    expect(enc(-65)).toEqual([0xbf, 0x7f]);
    expect(enc(-0x80000000)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
    expect(Array.from(new ByteWriter().s64(-(1n << 63n)).finish())).toEqual([
      0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f,
    ]);
  });
});

describe("ModuleBuilder", () => {
  it("runs loops, blocks, branches and if/else", () => {
    const { sum, collatz, sign } = instantiate((m) => {
      m.function("sum", { n: "i32" }, ["i32"], (f, { n }) => {
        const i = f.local("i", "i32");
        const s = f.local("s", "i32");
        f.forRange(i, 0, n, 1, () => f.set(s, () => f.op("i32.add", s, i)));
        f.get(s);
      }, true);
      // steps of the Collatz map until 1, with a block/loop/br_if written out by hand
      m.function("collatz", { x: "i32" }, ["i32"], (f, { x }) => {
        const steps = f.local("steps", "i32");
        f.block((done) => {
          f.loop((top) => {
            f.brIf(done, () => f.op("i32.le_s", x, 1));
            f.if(
              () => f.op("i32.and", x, 1),
              () => f.set(x, () => f.op("i32.add", () => f.op("i32.mul", x, 3), 1)),
              () => f.set(x, () => f.op("i32.shr_u", x, 1)),
            );
            f.set(steps, () => f.op("i32.add", steps, 1));
            f.br(top);
          });
        });
        f.get(steps);
      }, true);
      m.function("sign", { x: "f64" }, ["f64"], (f, { x }) => {
        f.if(() => f.op("f64.lt", x, f.f64c(0)), f.f64c(-1), f.f64c(1), "f64");
      }, true);
    });
    expect(sum(0)).toBe(0);
    expect(sum(10)).toBe(45);
    expect(collatz(27)).toBe(111);
    expect(sign(-2.5)).toBe(-1);
    expect(sign(3)).toBe(1);
  });

  it("calls declared functions and i64/f32 constants", () => {
    const { twice, big, half } = instantiate((m) => {
      const sq = m.declare("sq", ["i32"], ["i32"]);
      m.function("twice", { x: "i32" }, ["i32"], (f, { x }) => f.call(sq, () => f.call(sq, x)), true);
      m.define(sq, { x: "i32" }, (f, { x }) => f.op("i32.mul", x, x));
      m.function("big", {}, ["i32"], (f) => f.op("i32.wrap_i64", () => f.op("i64.shr_u", f.i64c(0x1234_5678_9abcn), f.i64c(16n))), true);
      m.function("half", { x: "f32" }, ["f32"], (f, { x }) => f.op("f32.mul", x, f.f32c(0.5)), true);
    });
    expect(twice(3)).toBe(81);
    expect(big()).toBe(0x12345678);
    expect(half(3)).toBe(1.5);
  });

  it("loads and stores with offsets, v128 and splat loads", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const f32 = new Float32Array(memory.buffer);
    const { vadd, bcast } = instantiate((m) => {
      // dst[0:4] = a[0:4] + b[0:4] (f32x4)
      m.function("vadd", { a: "i32", b: "i32", d: "i32" }, [], (f, { a, b, d }) => {
        f.store("v128.store", d, () => f.op("f32x4.add", () => f.load("v128.load", a), () => f.load("v128.load", b)), 0);
      }, true);
      // d[0:4] = splat(p[1]) * 2, via v128.load32_splat with a constant offset
      m.function("bcast", { p: "i32", d: "i32" }, [], (f, { p, d }) => {
        f.store("v128.store", d, () => f.op("f32x4.mul", () => f.load("v128.load32_splat", p, 4), () => f.op("f32x4.splat", f.f32c(2))), 16, 0);
      }, true);
    }, memory);
    f32.set([1, 2, 3, 4], 0);
    f32.set([10, 20, 30, 40], 4);
    vadd(0, 16, 32);
    expect(Array.from(f32.subarray(8, 12))).toEqual([11, 22, 33, 44]);
    bcast(0, 64);
    expect(Array.from(f32.subarray(20, 24))).toEqual([4, 4, 4, 4]);
  });

  it("computes SIMD arithmetic, lanes and shuffles", () => {
    const { f32ops, f64ops, i32ops, shuf } = instantiate((m) => {
      // ((splat x + splat y) * splat y - splat x) / splat y, lane 2 replaced by min, then sum of lanes
      m.function("f32ops", { x: "f32", y: "f32" }, ["f32"], (f, { x, y }) => {
        const v = f.local("v", "v128");
        const X = () => f.op("f32x4.splat", x);
        const Y = () => f.op("f32x4.splat", y);
        f.set(v, () => f.op("f32x4.div", () => f.op("f32x4.sub", () => f.op("f32x4.mul", () => f.op("f32x4.add", X, Y), Y), X), Y));
        f.set(v, () => f.lane("f32x4.replace_lane", 2, v, () => f.lane("f32x4.extract_lane", 0, () => f.op("f32x4.min", X, Y))));
        f.set(v, () => f.lane("f32x4.replace_lane", 3, v, () => f.lane("f32x4.extract_lane", 0, () => f.op("f32x4.max", X, Y))));
        const lane = (i: number) => () => f.lane("f32x4.extract_lane", i, v);
        f.op("f32.add", () => f.op("f32.add", lane(0), lane(1)), () => f.op("f32.add", lane(2), lane(3)));
      }, true);
      m.function("f64ops", { x: "f64" }, ["f64"], (f, { x }) => {
        const X = () => f.op("f64x2.splat", x);
        f.lane("f64x2.extract_lane", 1, () => f.op("f64x2.sqrt", () => f.op("f64x2.mul", X, X)));
      }, true);
      m.function("i32ops", { x: "i32" }, ["i32"], (f, { x }) => {
        const X = () => f.op("i32x4.splat", x);
        f.lane("i32x4.extract_lane", 3, () => f.op("i32x4.sub", () => f.op("i32x4.mul", X, X), () => f.op("i32x4.add", X, X)));
      }, true);
      // lanes 0..3 of a = [0,1,2,3] (bytes), b = [4,...]: pick i32 lanes b1, a0, b3, a2
      m.function("shuf", {}, ["i32"], (f) => {
        const cst = (base: number) => f.v128c(new Uint8Array(new Int32Array([base, base + 1, base + 2, base + 3]).buffer));
        const lanes = [16 + 4, 0, 16 + 12, 8].flatMap((b) => [b, b + 1, b + 2, b + 3]);
        const s = f.local("s", "v128");
        f.set(s, () => f.shuffle(lanes, cst(0), cst(4)));
        const lane = (i: number) => () => f.lane("i32x4.extract_lane", i, s);
        // encode the four lanes as digits
        f.op("i32.add", () => f.op("i32.add", () => f.op("i32.mul", lane(0), 1000), () => f.op("i32.mul", lane(1), 100)),
          () => f.op("i32.add", () => f.op("i32.mul", lane(2), 10), lane(3)));
      }, true);
    });
    // x=1, y=2: ((3*2)-1)/2 = 2.5 twice, min 1, max 2
    expect(f32ops(1, 2)).toBe(2.5 + 2.5 + 1 + 2);
    expect(f64ops(-3)).toBe(3);
    expect(i32ops(7)).toBe(35);
    expect(shuf()).toBe(5 * 1000 + 0 * 100 + 7 * 10 + 2);
  });

  it("emits relaxed madd that validates exactly when the probe says so", () => {
    const relaxed = wasmFeatures().relaxedSimd; // probing first may switch V8's flag on
    const m = new ModuleBuilder();
    m.function("fma", { x: "f32" }, ["f32"], (f, { x }) => {
      const X = () => f.op("f32x4.splat", x);
      f.lane("f32x4.extract_lane", 0, () => f.op("f32x4.relaxed_madd", X, X, () => f.op("f32x4.splat", f.f32c(1))));
    }, true);
    const ok = WebAssembly.validate(m.toBytes());
    expect(ok).toBe(relaxed);
    if (ok) {
      const fma = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes())).exports.fma as Fn;
      expect(fma(3)).toBe(10);
    }
  });

  it("imports a shared memory with a maximum", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 4, shared: true });
    const m = new ModuleBuilder();
    m.importMemory({ initial: 1, maximum: 8, shared: true });
    m.function("add", { p: "i32", v: "i32" }, ["i32"], (f, { p, v }) => {
      f.emit(p, v).memarg("i32.atomic.rmw.add").op("drop");
      f.load("i32.atomic.load", p);
    }, true);
    const add = new WebAssembly.Instance(m.compile(), { env: { memory } }).exports.add as Fn;
    expect(add(8, 5)).toBe(5);
    expect(add(8, 5)).toBe(10);
    expect(new Int32Array(memory.buffer)[2]).toBe(10);
  });

  it("rejects misuse with clear errors", () => {
    const m = new ModuleBuilder();
    expect(() => m.importMemory({ initial: 1, shared: true })).toThrow(/maximum/);
    expect(() =>
      m.function("dup", { x: "i32" }, [], (f: FunctionBuilder) => void f.local("x", "i32")),
    ).toThrow(/duplicate local/);
    expect(() => m.function("al", { p: "i32" }, [], (f, { p }) => void f.load("f32.load", p, 0, 3))).toThrow(/alignment/);
    expect(() =>
      m.function("lbl", {}, [], (f) => {
        let outer: Parameters<FunctionBuilder["br"]>[0] | undefined;
        f.block((l) => (outer = l));
        f.br(outer!);
      }),
    ).toThrow(/not in scope/);
  });
});
