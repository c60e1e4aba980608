// Tests for the threefry2x32 primitive (src/primitives/random_bits.ts): the
// fixture's raw threefry blocks (oracle: scripts/random_ref.py) eagerly, under
// jit and under vmap, broadcasting of key words, and symbolic-zero tangents.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { jit, jvp, lax, makeJaxpr, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { threefry2x32 } from "../../src/primitives/random_bits.js";
import { threefry2x32 as hashTs } from "../../src/random/threefry.js";

interface Block { key: [number, number]; x0: number[]; x1: number[]; y0: number[]; y1: number[] }
const fixture = JSON.parse(readFileSync(new URL("../fixtures/random.json", import.meta.url), "utf8")) as {
  threefry: Block[];
};

const u32 = (xs: number[] | number) => jnp.array(Uint32Array.from(typeof xs === "number" ? [xs] : xs), { dtype: "uint32" });
const sc = (x: number) => jnp.array(x >>> 0, { dtype: "uint32" });

function run(f: (k0: JaxArray, k1: JaxArray, x0: JaxArray, x1: JaxArray) => [JaxArray, JaxArray], t: Block) {
  const [y0, y1] = f(sc(t.key[0]), sc(t.key[1]), u32(t.x0), u32(t.x1));
  return [y0.tolist(), y1.tolist()];
}

describe("threefry2x32 primitive", () => {
  it("matches the fixture eagerly and under jit", () => {
    const jf = jit((k0: JaxArray, k1: JaxArray, x0: JaxArray, x1: JaxArray) => threefry2x32(k0, k1, x0, x1));
    for (const t of fixture.threefry) {
      expect(run(threefry2x32, t)).toEqual([t.y0, t.y1]);
      expect(run(jf as any, t)).toEqual([t.y0, t.y1]);
    }
  });

  it("batches over keys and counters like a loop", () => {
    const ks = [[1, 2], [3, 0xffffffff], [0x13198a2e, 0x03707344]] as const;
    const k0 = u32(ks.map((k) => k[0]));
    const k1 = u32(ks.map((k) => k[1]));
    const x0 = u32([0, 0, 0, 0]);
    const x1 = u32([0, 1, 2, 3]);
    const f = (a: JaxArray, b: JaxArray) => threefry2x32(a, b, x0, x1);
    const [y0, y1] = vmap(f)(k0, k1) as [JaxArray, JaxArray];
    expect(y0.shape).toEqual([3, 4]);
    const [z0, z1] = vmap(f, { inAxes: [0, null] })(k0, sc(9)) as [JaxArray, JaxArray];
    ks.forEach((k, i) => {
      const [e0, e1] = hashTs(k[0], k[1], Uint32Array.from([0, 0, 0, 0]), Uint32Array.from([0, 1, 2, 3]));
      expect((y0.tolist() as number[][])[i]).toEqual(Array.from(e0));
      expect((y1.tolist() as number[][])[i]).toEqual(Array.from(e1));
      const [g0] = hashTs(k[0], 9, Uint32Array.from([0, 0, 0, 0]), Uint32Array.from([0, 1, 2, 3]));
      expect((z0.tolist() as number[][])[i]).toEqual(Array.from(g0));
      expect(z1.shape).toEqual([3, 4]);
    });
    const [w0] = vmap((c: JaxArray) => threefry2x32(sc(5), sc(6), c, c), { inAxes: 1 })(lax.reshape(u32([1, 2, 3, 4]), [2, 2])) as [JaxArray];
    const [e0] = hashTs(5, 6, Uint32Array.from([1, 2, 3, 4]), Uint32Array.from([1, 2, 3, 4]));
    expect(w0.tolist()).toEqual([[e0[0], e0[2]], [e0[1], e0[3]]]);
  });

  it("prints as one equation, rejects non-uint32 and has zero tangents", () => {
    const text = makeJaxpr((a: JaxArray) => threefry2x32(a, a, a, a)[0])(u32([1, 2])).toString();
    expect(text).toContain("threefry2x32");
    expect(() => threefry2x32(jnp.array([1, 2]), u32([1, 2]), u32([1, 2]), u32([1, 2]))).toThrow(/uint32/);
    const [outs] = jvp((a: JaxArray) => threefry2x32(a, a, a, a)[1], [u32([1, 2])], [u32([0, 0])]) as [JaxArray, JaxArray];
    expect(outs.dtype).toBe("uint32");
  });
});
