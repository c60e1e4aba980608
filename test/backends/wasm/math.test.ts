// WasmMath against the oracle: the reference kernel (`impl`) of each primitive, which
// computes in float64 and rounds to the output dtype. Every function is evaluated inside a
// module over dense sweeps of float32 bit patterns (every 997th pattern of all 2^32, plus
// targeted ranges: near 0 and ±1, overflow/underflow thresholds, subnormals, large
// arguments) and compared in ulps; special values must match exactly (NaN, ±Inf, the sign
// of zero); the scalar wrappers must agree with the vector functions bit for bit. erf_inv
// (XLA's ErfInv32, which random.normal goes through) must equal its reference bit for bit on
// a dense sweep of its whole domain.

import { afterAll, describe, expect, it } from "vitest";
import { ShapedArray } from "../../../src/core/aval.js";
import type { PrimitiveRules } from "../../../src/core/primitive.js";
import { ModuleBuilder } from "../../../src/backends/wasm/builder.js";
import { wasmFeatures } from "../../../src/backends/wasm/features.js";
import { MATH_FNS, type MathFn, WasmMath } from "../../../src/backends/wasm/math.js";
import { primitives } from "../../../src/primitives/index.js";

type Ty = "f32" | "f64";
const BINARY = new Set<MathFn>(["atan2", "pow"]);
const CHUNK = 1 << 18; // elements per call

interface Harness {
  run(fn: MathFn, ty: Ty, mode: "vector" | "scalar", x: Float32Array | Float64Array, y?: Float32Array | Float64Array): Float32Array | Float64Array;
  offered(fn: MathFn, ty: Ty): boolean;
}

/** One module with a loop `<mode>_<fn>_<ty>(a, b, out, bytes)` per function, over an imported non-shared memory. */
function harness(relaxed: boolean): Harness {
  const mb = new ModuleBuilder();
  mb.importMemory({ initial: (3 * CHUNK * 8) / 65536 });
  const math = new WasmMath(mb, { relaxed });
  const offered = new Set<string>();
  for (const ty of ["f32", "f64"] as const) {
    const vt = ty === "f32" ? "f32x4" : "f64x2";
    const E = ty === "f32" ? 4 : 8;
    for (const fn of MATH_FNS) {
      const vec = math.vector(fn, vt);
      const sc = math.scalar(fn, ty);
      expect(vec === undefined).toBe(sc === undefined);
      if (!vec || !sc) continue;
      offered.add(`${fn}_${ty}`);
      for (const [mode, ref, step, load, store] of [
        ["vector", vec, 16, "v128.load", "v128.store"],
        ["scalar", sc, E, `${ty}.load`, `${ty}.store`],
      ] as const) {
        mb.function(`${mode}_${fn}_${ty}`, { a: "i32", b: "i32", o: "i32", n: "i32" }, [], (f, { a, b, o, n }) => {
          const i = f.local("i", "i32");
          const at = (p: typeof a) => () => f.load(load, () => f.op("i32.add", p, i));
          f.forRange(i, 0, n, step, () => {
            const args = BINARY.has(fn) ? [at(a), at(b)] : [at(a)];
            f.store(store, () => f.op("i32.add", o, i), () => f.call(ref, ...args));
          });
        }, true);
      }
    }
  }
  const memory = new WebAssembly.Memory({ initial: (3 * CHUNK * 8) / 65536 });
  const exports = new WebAssembly.Instance(mb.compile(), { env: { memory } }).exports as Record<string, (...a: number[]) => void>;
  return {
    offered: (fn, ty) => offered.has(`${fn}_${ty}`),
    run(fn, ty, mode, x, y) {
      const Arr = ty === "f32" ? Float32Array : Float64Array;
      const E = Arr.BYTES_PER_ELEMENT;
      const out = new Arr(x.length);
      const buf = memory.buffer;
      const A = new Arr(buf, 0, CHUNK);
      const B = new Arr(buf, CHUNK * E, CHUNK);
      const O = new Arr(buf, 2 * CHUNK * E, CHUNK);
      for (let s = 0; s < x.length; s += CHUNK) {
        const len = Math.min(CHUNK, x.length - s);
        A.fill(0).set(x.subarray(s, s + len));
        B.fill(0);
        if (y) B.set(y.subarray(s, s + len));
        const padded = mode === "vector" ? Math.ceil(len / (16 / E)) * 16 : len * E;
        exports[`${mode}_${fn}_${ty}`]!(0, CHUNK * E, 2 * CHUNK * E, padded);
        out.set(O.subarray(0, len), s);
      }
      return out;
    },
  };
}

/** The reference kernel of the primitive named fn, on float32 or float64 data. */
function reference(fn: MathFn, ty: Ty, x: Float32Array | Float64Array, y?: Float32Array | Float64Array) {
  const prim = (primitives as unknown as Record<string, PrimitiveRules>)[fn]!;
  const dtype = ty === "f32" ? "float32" : "float64";
  const ins = (y ? [x, y] : [x]).map((data) => ({ data, shape: [data.length], dtype }) as const);
  return prim.impl(ins, {}, [new ShapedArray([x.length], dtype)])[0] as Float32Array | Float64Array;
}

// ---- ulp distances ----

const f32b = new Float32Array(2);
const i32b = new Int32Array(f32b.buffer);
/** Distance in float32 ulps (±0 coincide; NaN vs NaN is 0, NaN vs number is Infinity). */
function ulp32(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  f32b[0] = a;
  f32b[1] = b;
  const o = (i: number) => (i < 0 ? -2147483648 - i : i);
  return Math.abs(o(i32b[0]!) - o(i32b[1]!));
}
const f64b = new Float64Array(2);
const i64b = new BigInt64Array(f64b.buffer);
function ulp64(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  f64b[0] = a;
  f64b[1] = b;
  const o = (i: bigint) => (i < 0n ? -(1n << 63n) - i : i);
  const d = o(i64b[0]!) - o(i64b[1]!);
  return Number(d < 0n ? -d : d);
}

interface Worst {
  ulps: number;
  at: number[];
  got: number;
  want: number;
}

/** Largest ulp error of out against ref, and that zeros carry the reference's sign. */
function compare(ty: Ty, out: ArrayLike<number>, ref: ArrayLike<number>, args: ArrayLike<number>[]): Worst {
  const dist = ty === "f32" ? ulp32 : ulp64;
  let worst: Worst = { ulps: 0, at: [], got: 0, want: 0 };
  for (let i = 0; i < out.length; i++) {
    const got = out[i]!;
    const want = ref[i]!;
    let d = dist(got, want);
    if (got === 0 && want === 0 && Object.is(got, -0) !== Object.is(want, -0)) d = Infinity;
    if (d > worst.ulps) worst = { ulps: d, at: args.map((a) => a[i]!), got, want };
  }
  return worst;
}

// ---- sweeps ----

/** Every `stride`th float32 bit pattern of all 2^32. */
function strideSweep(stride: number): Float32Array {
  const n = Math.floor(2 ** 32 / stride);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = i * stride;
  return new Float32Array(bits.buffer);
}

/** Every float32 between a and b (same sign) stepping `step` ulps. */
function ulpRange(a: number, b: number, step = 1): number[] {
  f32b[0] = a;
  f32b[1] = b;
  const [lo, hi] = [Math.min(i32b[0]!, i32b[1]!), Math.max(i32b[0]!, i32b[1]!)];
  const out: number[] = [];
  for (let i = lo; i <= hi; i += step) {
    i32b[0] = i;
    out.push(f32b[0]!);
  }
  return out;
}

/** n log-spaced magnitudes in [a, b], both signs. */
function logSpaced(a: number, b: number, n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = a * (b / a) ** (i / (n - 1));
    out.push(v, -v);
  }
  return out;
}

/** A deterministic uniform stream in [a, b). */
function uniform(a: number, b: number, n: number, seed = 1): number[] {
  let s = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out.push(a + ((b - a) * s) / 2 ** 32);
  }
  return out;
}

const SPECIALS = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2, -2, 0.5, -0.5, 3.4028234663852886e38, -3.4028234663852886e38,
  1.1754943508222875e-38, -1.1754943508222875e-38, 1.401298464324817e-45, -1.401298464324817e-45, 1e-30, -1e-30];

/** Targeted inputs per function, beyond the common ones. */
const TARGETED: Partial<Record<MathFn, number[]>> = {
  exp: [...ulpRange(88.7, 88.75, 7), ...ulpRange(-87.5, -87.2, 97), ...ulpRange(-104, -103, 97), ...uniform(-110, 90, 20000)],
  exp2: [...ulpRange(127.9, 128.1, 31), ...ulpRange(-150.1, -148.9, 31), ...uniform(-160, 130, 20000)],
  expm1: [...ulpRange(88.7, 88.75, 7), ...ulpRange(88.3, 88.45, 31), ...uniform(-20, 90, 20000), ...logSpaced(1e-9, 1, 20000)],
  log: [...ulpRange(0.99, 1.01, 3), ...uniform(0, 10, 20000)],
  log1p: [...ulpRange(-1, -0.99, 3), ...uniform(-1, 10, 20000), ...logSpaced(1e-9, 1, 20000)],
  tanh: [...uniform(-10, 10, 20000), ...logSpaced(1e-9, 10, 20000)],
  logistic: [...uniform(-110, 110, 20000), ...ulpRange(-104, -87, 997), ...logSpaced(1e-9, 20, 20000)],
  erf: [...uniform(-5, 5, 50000), ...logSpaced(1e-9, 5, 20000)],
  erfc: [...uniform(-5, 11, 50000), ...ulpRange(9.5, 10.5, 997), ...logSpaced(1e-9, 11, 20000)],
  erf_inv: [...uniform(-1, 1, 100000), ...logSpaced(1e-30, 1, 20000)],
  ...Object.fromEntries((["sin", "cos", "tan"] as const).map((fn) => [fn, [...uniform(-1e5, 1e5, 50000), ...uniform(-10, 10, 20000),
    ...nearMultiples(Math.PI / 2, 200000), ...logSpaced(2 ** 18, 3e38, 20000), ...logSpaced(1e-9, 1, 5000)]])),
};

TARGETED.atan = [...uniform(-5, 5, 50000), ...logSpaced(1e-9, 1e30, 20000)];
TARGETED.asin = [...uniform(-1, 1, 50000), ...ulpRange(0.999, 1, 1), ...logSpaced(1e-9, 1, 10000)];
TARGETED.acos = TARGETED.asin;
TARGETED.sinh = [...uniform(-95, 95, 50000), ...ulpRange(89.3, 89.5, 7), ...logSpaced(1e-9, 2, 20000)];
TARGETED.cosh = TARGETED.sinh;
TARGETED.asinh = [...uniform(-10, 10, 50000), ...logSpaced(1e-9, 3e38, 20000)];
TARGETED.acosh = [...uniform(0, 10, 50000), ...ulpRange(1, 1.01, 3), ...logSpaced(1, 3e38, 20000)];
TARGETED.atanh = [...uniform(-1, 1, 50000), ...ulpRange(0.999, 1, 1), ...logSpaced(1e-9, 1, 10000)];
TARGETED.cbrt = [...uniform(-10, 10, 50000), ...logSpaced(1e-45, 3e38, 20000)];
TARGETED.lgamma = [...uniform(-20, 20, 100000), ...uniform(0.9, 2.1, 50000), ...ulpRange(-2.46, -2.45, 7), ...logSpaced(1e-9, 4.1e36, 20000)];
TARGETED.digamma = [...uniform(-20, 20, 100000), ...uniform(1.4, 1.5, 20000), ...ulpRange(-0.51, -0.5, 7), ...logSpaced(1e-9, 1e30, 20000)];

/** float32 neighbours of the first n multiples of c (where range reduction cancels most). */
function nearMultiples(c: number, n: number): number[] {
  const out: number[] = [];
  for (let k = 1; k <= n; k += 1 + Math.floor(k / 1000)) {
    const m = Math.fround(k * c);
    out.push(...ulpRange(m, m, 1), Math.fround(m * (1 + 2 ** -23)), Math.fround(m * (1 - 2 ** -23)));
  }
  return out;
}

/**
 * The f32 sweep of fn: every `stride`th bit pattern plus the common and targeted inputs. The
 * relaxed-SIMD pass (which only fuses multiply-adds) uses a sparser stride to keep the test fast.
 */
function sweepInputs(fn: MathFn, stride = 997): Float32Array {
  const common = [...SPECIALS, ...logSpaced(1e-12, 1e-3, 2000), ...ulpRange(0.999, 1.001, 3), ...ulpRange(-1.001, -0.999, 3),
    ...ulpRange(1.401298464324817e-45, 2e-38, 4099)];
  const extra = TARGETED[fn] ?? [];
  const s = strideSweep(stride);
  const out = new Float32Array(s.length + common.length + extra.length);
  out.set(s);
  out.set(common, s.length);
  out.set(extra, s.length + common.length);
  return out;
}

const UNARY_F32 = MATH_FNS.filter((fn) => !BINARY.has(fn) && fn !== "erf_inv");

/**
 * erf_inv's sweep: every `stride`th float32 of [0, 1] and of [−1, −0], every float32 within
 * 4096 ulps of ±1 and 2048 of the switch between its two polynomials (w = 5, |x| ≈ 0.99662),
 * the common inputs and the all-patterns sweep (out of the domain: NaN).
 */
function erfInvSweep(stride: number): Float32Array {
  const one = 0x3f800000;
  const bits: number[] = [];
  for (const sign of [0, 0x80000000]) for (let b = 0; b <= one; b += stride) bits.push((b | sign) >>> 0);
  const xs = Array.from(new Float32Array(Uint32Array.from(bits).buffer));
  const s = Math.fround(Math.sqrt(-Math.expm1(-5)));
  for (const m of [1, -1]) {
    xs.push(...ulpRange(m * (1 - 4096 * 2 ** -24), m, 1));
    xs.push(...ulpRange(m * s * (1 - 2048 * 2 ** -24), m * s * (1 + 2048 * 2 ** -24), 1));
  }
  const all = sweepInputs("erf_inv", stride * 4);
  const out = new Float32Array(xs.length + all.length);
  out.set(xs);
  out.set(all, xs.length);
  return out;
}

/** Pairs for the two-argument functions: every special value against every other, and random pairs. */
function pairInputs(): [Float32Array, Float32Array] {
  const xs: number[] = [];
  const ys: number[] = [];
  const specials = [...SPECIALS, 3, -3, 0.25, 1e10, -1e10, 1e-10, 7.5, -7.5, 1.0000001, 0.9999999];
  for (const a of specials) for (const b of specials) (xs.push(a), ys.push(b));
  const s = strideSweep(997 * 7);
  const pools = [uniform(-30, 30, s.length, 3), uniform(-200, 200, s.length, 4), uniform(-3, 3, s.length, 5).map(Math.round)];
  for (let i = 0; i < s.length; i++) {
    xs.push(s[i]!);
    ys.push(pools[i % 3]![i]!);
    ys.push(s[(i * 7919) % s.length]!);
    xs.push(uniform(0, 4, 1, i + 9)[0]!);
  }
  const near1 = uniform(0.9, 1.1, 50000, 11);
  const big = uniform(-2000, 2000, 50000, 12);
  return [new Float32Array([...xs, ...near1]), new Float32Array([...ys, ...big])];
}

/**
 * f64 functions and their ulp budgets against the reference (JS Math in float64, itself up to
 * about 1 ulp from exact): tanh and logistic follow the reference's formulas, whose
 * cancellation (t + 2 with t = expm1(−2|x|) near −0.86; 1 + e^−x rounding) amplifies a 1-ulp
 * difference of expm1 or exp into up to 4.
 */
const UNARY_F64: [MathFn, number][] = [["exp", 2], ["expm1", 2], ["log", 2], ["log1p", 2], ["tanh", 4], ["logistic", 4]];

/** Float64 inputs: a stride over the high 32 bits of all patterns (pseudo-random low bits) plus uniform ranges. */
function sweepInputs64(ranges: [number, number][]): Float64Array {
  const stride = 4999;
  const n = Math.floor(2 ** 32 / stride);
  const bits = new Uint32Array(2 * n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    bits[2 * i] = s;
    bits[2 * i + 1] = i * stride;
  }
  const extra = [...SPECIALS, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308,
    ...ranges.flatMap(([a, b]) => uniform(a, b, 100000, 7))];
  const out = new Float64Array(n + extra.length);
  out.set(new Float64Array(bits.buffer));
  out.set(extra, n);
  return out;
}

const RANGES_F64: Partial<Record<MathFn, [number, number][]>> = {
  exp: [[-750, 720], [-1, 1]],
  expm1: [[-40, 710], [-1, 1], [-1e-6, 1e-6]],
  log: [[0, 10], [0.9, 1.1]],
  log1p: [[-1, 2], [-1e-6, 1e-6]],
  tanh: [[-25, 25], [-1.2, 1.2], [-1e-6, 1e-6]],
  logistic: [[-750, 750], [-40, 40]],
};
/** The largest error measured per function, printed at the end. */
const results: Record<string, number> = {};
afterAll(() => console.log(Object.entries(results).map(([k, u]) => `${k}: ${u} ulp`).join("\n")));

const features = wasmFeatures();
const modes = features.relaxedSimd ? [false, true] : [false];

describe.each(modes)("WasmMath (relaxed = %s)", (relaxed) => {
  const h = harness(relaxed);

  it.each(UNARY_F32)("f32 %s is within 2 ulp of the reference over the sweeps", (fn) => {
    expect(h.offered(fn, "f32")).toBe(true);
    const x = sweepInputs(fn, relaxed ? 99991 : 997);
    const out = h.run(fn, "f32", "vector", x);
    const worst = compare("f32", out, reference(fn, "f32", x), [x]);
    results[`${fn} f32${relaxed ? " fma" : ""}`] = worst.ulps;
    expect(worst.ulps, `${fn}(${worst.at}) = ${worst.got}, reference ${worst.want}`).toBeLessThanOrEqual(2);
    // the scalar wrapper computes the same bits
    const sx = x.subarray(0, 50000);
    expect(Array.from(h.run(fn, "f32", "scalar", sx))).toEqual(Array.from(out.subarray(0, 50000)));
  });

  it("special values (NaN, ±Inf, ±0) give exactly the reference's results, in every lane position", () => {
    const specials = [NaN, Infinity, -Infinity, 0, -0, 1.5];
    for (const fn of MATH_FNS) {
      const [x, y] = BINARY.has(fn)
        ? [specials.flatMap((a) => specials.map(() => a)), specials.flatMap(() => specials)]
        : [specials, undefined];
      const xs = new Float32Array(x);
      const ys = y && new Float32Array(y);
      const want = Array.from(reference(fn, "f32", xs, ys));
      // 1.5 is an ordinary lane beside the special ones: within 2 ulp; every other result exact
      const exact = x.map((a, i) => a !== 1.5 || (y !== undefined && y[i] !== 1.5));
      for (const mode of ["vector", "scalar"] as const) {
        const got = Array.from(h.run(fn, "f32", mode, xs, ys));
        const show = (v: number[]) => v.map((g, i) => (exact[i] ? (Object.is(g, -0) ? "-0" : String(g)) : ulp32(g, want[i]!) <= 2));
        expect(show(got), `${fn} ${mode} on ${x}${y ? ` / ${y}` : ""}`).toEqual(show(want));
      }
    }
  });

  it("f32 erf_inv equals the reference bit for bit on a dense sweep of [−1, 1]", () => {
    const x = erfInvSweep(relaxed ? 9973 : 1009);
    const out = h.run("erf_inv", "f32", "vector", x);
    const worst = compare("f32", out, reference("erf_inv", "f32", x), [x]);
    results[`erf_inv f32${relaxed ? " fma" : ""}`] = worst.ulps;
    expect(worst.ulps, `erf_inv(${worst.at}) = ${worst.got}, reference ${worst.want}`).toBe(0);
    const sx = x.subarray(0, 50000);
    expect(Array.from(h.run("erf_inv", "f32", "scalar", sx))).toEqual(Array.from(out.subarray(0, 50000)));
  });

  it.each(["pow", "atan2"] as MathFn[])("f32 %s is within 2 ulp of the reference over pairs", (fn) => {
    const [x, y] = pairInputs();
    const out = h.run(fn, "f32", "vector", x, y);
    const worst = compare("f32", out, reference(fn, "f32", x, y), [x, y]);
    results[`${fn} f32${relaxed ? " fma" : ""}`] = worst.ulps;
    expect(worst.ulps, `${fn}(${worst.at}) = ${worst.got}, reference ${worst.want}`).toBeLessThanOrEqual(2);
    const [sx, sy] = [x.subarray(0, 20000), y.subarray(0, 20000)];
    expect(Array.from(h.run(fn, "f32", "scalar", sx, sy))).toEqual(Array.from(out.subarray(0, 20000)));
  });

  it.each(UNARY_F64)("f64 %s is within %i ulp of the reference", (fn, budget) => {
    expect(h.offered(fn, "f64")).toBe(true);
    const x = sweepInputs64(RANGES_F64[fn] ?? []);
    const out = h.run(fn, "f64", "vector", x);
    const worst = compare("f64", out, reference(fn, "f64", x), [x]);
    results[`${fn} f64${relaxed ? " fma" : ""}`] = worst.ulps;
    expect(worst.ulps, `${fn}(${worst.at}) = ${worst.got}, reference ${worst.want}`).toBeLessThanOrEqual(budget);
    const sx = x.subarray(0, 20000);
    expect(Array.from(h.run(fn, "f64", "scalar", sx))).toEqual(Array.from(out.subarray(0, 20000)));
  });
});

describe("WasmMath module building", () => {
  it("adds each function and its helpers once, lazily", () => {
    const mb = new ModuleBuilder();
    const math = new WasmMath(mb);
    const a = math.vector("exp", "f32x4");
    expect(math.vector("exp", "f32x4")).toBe(a);
    expect(math.scalar("exp", "f32")).toBe(math.scalar("exp", "f32"));
    expect(a!.params).toEqual(["v128"]);
    expect(() => mb.compile()).not.toThrow();
  });

  it("offers every function in f32 and exactly the f64 ones whose vector() is defined", () => {
    const math = new WasmMath(new ModuleBuilder());
    for (const fn of MATH_FNS) {
      expect(WasmMath.offers(fn, "f32x4")).toBe(true);
      expect(math.vector(fn, "f64x2") !== undefined).toBe(WasmMath.offers(fn, "f64"));
      expect(math.scalar(fn, "f32")!.params).toEqual(BINARY.has(fn) ? ["f32", "f32"] : ["f32"]);
    }
    expect(MATH_FNS.filter((fn) => WasmMath.offers(fn, "f64x2"))).toEqual(["exp", "expm1", "log", "log1p", "tanh", "logistic"]);
  });

});
