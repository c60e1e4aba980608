// Tests for src/random/threefry: Random123's known-answer vectors (as in JAX's
// tests/random_test.py testThreefry2x32) and the golden values of
// test/fixtures/random.json written by scripts/gen_random_fixtures.py. Key
// derivation (split, fold_in) and 32-bit random bits are rebuilt here from the
// hash alone, for both of JAX's schemes, and compared with the fixture.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { threefry2x32 } from "../../src/random/threefry.js";

type Key = [number, number];
interface SchemeBlock {
  key: Key;
  split: Record<string, unknown>;
  fold_in: { data: number; key: Key }[];
  bits: { width: number; shape: number[]; values: unknown }[];
  samples: { sampler: string; kwargs: Record<string, unknown>; values: unknown }[];
}
interface Fixture {
  threefry: { key: Key; x0: number[]; x1: number[]; y0: number[]; y1: number[] }[];
  seeds: { seed: number; key: Key }[];
  schemes: Record<"partitionable" | "legacy", Record<string, SchemeBlock>>;
}

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/random.json", import.meta.url), "utf8"),
) as Fixture;

const u32 = (xs: number[]) => Uint32Array.from(xs);

function hash(key: Key, x0: number[], x1: number[]): [number[], number[]] {
  const [y0, y1] = threefry2x32(key[0], key[1], u32(x0), u32(x1));
  return [Array.from(y0), Array.from(y1)];
}

/** JAX's threefry_2x32(key, count): hash a flat count array as two halves. */
function hashCounts(key: Key, count: number[]): number[] {
  const padded = count.length % 2 ? [...count, 0] : count;
  const half = padded.length / 2;
  const [y0, y1] = hash(key, padded.slice(0, half), padded.slice(half));
  return [...y0, ...y1].slice(0, count.length);
}

const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

function splitKeys(key: Key, n: number, partitionable: boolean): Key[] {
  if (partitionable) {
    const [a, b] = hash(key, new Array<number>(n).fill(0), iota(n));
    return iota(n).map((i) => [a[i]!, b[i]!]);
  }
  const out = hashCounts(key, iota(2 * n));
  return iota(n).map((i) => [out[2 * i]!, out[2 * i + 1]!]);
}

function foldIn(key: Key, data: number): Key {
  const [a, b] = hash(key, [0], [data >>> 0]);
  return [a[0]!, b[0]!];
}

function bits32(key: Key, size: number, partitionable: boolean): number[] {
  if (partitionable) {
    const [a, b] = hash(key, new Array<number>(size).fill(0), iota(size));
    return a.map((v, i) => (v ^ b[i]!) >>> 0);
  }
  return hashCounts(key, iota(size));
}

/** uniform in [0, 1): the top 23 bits as the mantissa of a float in [1, 2), minus 1. */
function uniform01(bits: number[]): number[] {
  const f = new Float32Array(1);
  const w = new Uint32Array(f.buffer);
  return bits.map((b) => {
    w[0] = ((b >>> 9) | 0x3f800000) >>> 0;
    return Math.fround(f[0]! - 1);
  });
}

const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

describe("threefry2x32", () => {
  it("matches Random123's known-answer vectors", () => {
    const cases: [Key, [number, number], [number, number]][] = [
      [[0, 0], [0, 0], [0x6b200159, 0x99ba4efe]],
      [[0xffffffff, 0xffffffff], [0xffffffff, 0xffffffff], [0x1cb996fc, 0xbb002be7]],
      [[0x13198a2e, 0x03707344], [0x243f6a88, 0x85a308d3], [0xc4923a9c, 0x483df7a0]],
    ];
    for (const [key, [x0, x1], [e0, e1]] of cases) {
      const [y0, y1] = threefry2x32(key[0], key[1], u32([x0]), u32([x1]));
      expect([y0[0], y1[0]]).toEqual([e0, e1]);
    }
  });

  it("hashes every counter independently and rejects mismatched lengths", () => {
    const [a0, a1] = threefry2x32(0x13198a2e, 0x03707344, u32([0x243f6a88, 0, 1]), u32([0x85a308d3, 0, 2]));
    expect([a0[0], a1[0]]).toEqual([0xc4923a9c, 0x483df7a0]);
    const [b0, b1] = threefry2x32(0x13198a2e, 0x03707344, u32([0, 1]), u32([0, 2]));
    expect(Array.from(a0.slice(1))).toEqual(Array.from(b0));
    expect(Array.from(a1.slice(1))).toEqual(Array.from(b1));
    expect(threefry2x32(0, 0, new Uint32Array(0), new Uint32Array(0))[0].length).toBe(0);
    expect(() => threefry2x32(0, 0, new Uint32Array(2), new Uint32Array(3))).toThrow(/length/);
  });

  it("matches the fixture's raw threefry blocks", () => {
    for (const t of fixture.threefry) {
      expect(hash(t.key, t.x0, t.x1)).toEqual([t.y0, t.y1]);
    }
  });
});

describe("key derivation rebuilt on threefry2x32 matches the fixture", () => {
  it("gives JAX's known legacy split and fold_in of PRNGKey(0)", () => {
    expect(splitKeys([0, 0], 4, false)).toEqual([
      [2285895361, 1501764800],
      [1518642379, 4090693311],
      [433833334, 4221794875],
      [839183663, 3740430601],
    ]);
    expect(foldIn([0, 0], 4)).toEqual([2285895361, 433833334]);
  });

  it("gives JAX's known default-scheme uniforms of key(0)", () => {
    const [u] = uniform01(bits32([0, 0], 1, true));
    expect(u).toBeCloseTo(0.947667, 6);
    const sub = splitKeys([0, 0], 2, true)[1]!;
    expect(uniform01(bits32(sub, 1, true))[0]).toBeCloseTo(0.00729382, 8);
  });

  for (const scheme of ["partitionable", "legacy"] as const) {
    const partitionable = scheme === "partitionable";
    for (const [seed, block] of Object.entries(fixture.schemes[scheme])) {
      it(`${scheme}, seed ${seed}: split, fold_in, 32-bit bits and uniform`, () => {
        expect(block.key).toEqual([0, Number(seed)]);
        expect(splitKeys(block.key, 2, partitionable)).toEqual(block.split["2"]);
        expect(splitKeys(block.key, 3, partitionable)).toEqual(block.split["3"]);
        const grid = splitKeys(block.key, 6, partitionable);
        expect([grid.slice(0, 3), grid.slice(3)]).toEqual(block.split["2x3"]);
        for (const f of block.fold_in) expect(foldIn(block.key, f.data)).toEqual(f.key);
        for (const b of block.bits.filter((e) => e.width === 32)) {
          const size = b.shape.reduce((p, d) => p * d, 1);
          expect(bits32(block.key, size, partitionable)).toEqual(flat(b.values));
        }
        const uni = block.samples.find((s) => s.sampler === "uniform" && !("minval" in s.kwargs))!;
        const size = flat(uni.values).length;
        expect(uniform01(bits32(block.key, size, partitionable))).toEqual(flat(uni.values));
      });
    }
  }

  it("derives seed keys as [0, seed mod 2**32] (x64 disabled)", () => {
    for (const s of fixture.seeds) {
      expect(s.key).toEqual([0, Number(BigInt.asUintN(32, BigInt(s.seed)))]);
    }
  });
});
