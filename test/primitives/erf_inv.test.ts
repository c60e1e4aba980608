// erf_inv reproduces XLA's approximations bit for bit (src/primitives/special.ts): the float32
// kernel equals scripts/random_ref.py's erf_inv32 (checked there against an exact rational
// evaluation) on a dense sweep of [−1, 1] plus its edges, through lax.erfInv (so on the
// backend under test: the reference interpreter or the compiled Wasm kernel) and through the
// scalar kernel; the float64 kernel equals XLA's ErfInv64 evaluated with exactly rounded
// FMAs wherever Math.log1p rounds as Python's does; the FMA emulations equal the exact
// rational result on triples where one rounding and two differ.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, lax, numpy as jnp } from "../../src/index.js";
import { erfInv32, erfInv64, fma32, fma64 } from "../../src/primitives/special.js";

interface Fixture {
  f32: { segments: [number, number, number][]; y: string };
  f64: { x: string; w: string; y: string };
  fma32: Record<"a" | "b" | "c" | "r", string>;
  fma64: Record<"a" | "b" | "c" | "r", string>;
}
const FIX = JSON.parse(readFileSync(new URL("../fixtures/erfinv.json", import.meta.url), "utf8")) as Fixture;

function decode<T extends Float32ArrayConstructor | Float64ArrayConstructor>(b64: string, T: T): InstanceType<T> {
  const bytes = Buffer.from(b64, "base64");
  const copy = new Uint8Array(bytes); // aligned
  return new T(copy.buffer, 0, copy.length / T.BYTES_PER_ELEMENT) as InstanceType<T>;
}

/** The sweep's float32 inputs: bit patterns first + i·step of each segment. */
function sweep32(): Float32Array {
  const bits: number[] = [];
  for (const [first, step, count] of FIX.f32.segments) for (let i = 0; i < count; i++) bits.push((first + i * step) >>> 0);
  return new Float32Array(Uint32Array.from(bits).buffer);
}

/** Indices where got and want differ in any bit (NaNs of any payload are equal). */
function mismatches(got: ArrayLike<number>, want: ArrayLike<number>): number[] {
  const bad: number[] = [];
  for (let i = 0; i < want.length; i++) {
    const [g, w] = [got[i]!, want[i]!];
    if (!(Object.is(g, w) || (Number.isNaN(g) && Number.isNaN(w)))) bad.push(i);
  }
  return bad;
}

describe("float32 erf_inv is XLA's ErfInv32, bit for bit", () => {
  const x = sweep32();
  const want = decode(FIX.f32.y, Float32Array);

  it("covers [−1, 1] densely, both signs, the w = 5 switch, ±1 and the specials", () => {
    expect(x.length).toBe(want.length);
    expect(x.length).toBeGreaterThan(40000);
    const has = (p: (v: number) => boolean) => expect(x.some(p)).toBe(true);
    for (const v of [1, -1, 0, -0, Infinity, -Infinity, 1.5]) has((a) => Object.is(a, v));
    has(Number.isNaN);
    has((a) => a > 0.99661 && a < 0.99663);
  });

  it("the scalar kernel", () => {
    const got = Float32Array.from(x, erfInv32);
    const bad = mismatches(got, want);
    expect(bad.slice(0, 5).map((i) => `erf_inv(${x[i]}) = ${got[i]}, reference ${want[i]}`)).toEqual([]);
  });

  it("lax.erfInv on the backend under test", () => {
    const got = lax.erfInv(jnp.array(x)).dataSync();
    const bad = mismatches(got, want);
    expect(bad.slice(0, 5).map((i) => `erf_inv(${x[i]}) = ${got[i]}, reference ${want[i]}`)).toEqual([]);
    expect(bad.length).toBe(0);
  });

  it("fma32 rounds once", () => {
    const [a, b, c, r] = (["a", "b", "c", "r"] as const).map((k) => decode(FIX.fma32[k], Float32Array));
    const got = Float32Array.from(a!, (ai, i) => fma32(ai, b![i]!, c![i]!));
    expect(mismatches(got, r!)).toEqual([]);
  });
});

describe("float64 erf_inv is XLA's ErfInv64, bit for bit", () => {
  beforeAll(() => config.update("jax_enable_x64", true));
  afterAll(() => config.update("jax_enable_x64", false));
  const x = decode(FIX.f64.x, Float64Array);
  const w = decode(FIX.f64.w, Float64Array);
  const want = decode(FIX.f64.y, Float64Array);

  it("wherever Math.log1p rounds as the oracle's log1p did", () => {
    const got = lax.erfInv(jnp.array(x, { dtype: "float64" })).dataSync();
    let sameLog = 0;
    const bad: string[] = [];
    for (let i = 0; i < x.length; i++) {
      const wi = -Math.log1p(x[i]! * -x[i]!);
      if (!(Object.is(wi, w[i]) || (Number.isNaN(wi) && Number.isNaN(w[i]!)))) continue;
      sameLog++;
      if (mismatches([got[i]!, erfInv64(x[i]!)], [want[i]!, want[i]!]).length) bad.push(`erf_inv(${x[i]}) = ${got[i]}, reference ${want[i]}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    // log1p implementations (V8's fdlibm, the oracle's C library) may differ in the last place
    expect(sameLog).toBeGreaterThan(0.99 * x.length);
  });

  it("fma64 rounds once (Boldo–Melquiond emulation)", () => {
    const [a, b, c, r] = (["a", "b", "c", "r"] as const).map((k) => decode(FIX.fma64[k], Float64Array));
    const got = Float64Array.from(a!, (ai, i) => fma64(ai, b![i]!, c![i]!));
    expect(mismatches(got, r!)).toEqual([]);
    // the triples are hard: unfused a·b + c differs from the fused result on many of them
    const unfused = Float64Array.from(a!, (ai, i) => ai * b![i]! + c![i]!);
    expect(mismatches(unfused, r!).length).toBeGreaterThan(50);
  });
});
