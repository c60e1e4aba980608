// The Wasm backend's im2col + GEMM convolution (src/backends/wasm/conv.ts) against the
// reference kernel on the interpret backend: random configurations (layouts, strides, padding
// incl. negative, both dilations, feature and batch groups, 1-D/2-D/3-D, tiny and zero-size
// dims, float32 and float64), and the gradient of a small CNN (whose transposed convolutions
// have lhs dilation and swapped dimension numbers) on both backends.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, lax, numpy as jnp } from "../../../src/index.js";
import type { Array as JaxArray } from "../../../src/index.js";
import { convStats, convTuning } from "../../../src/backends/wasm/conv.js";
import { expectAllClose } from "../../util/check.js";

const before = config.read("jaxts_backend");
beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => {
  config.update("jaxts_backend", before);
  config.update("jax_enable_x64", false);
});

/** Deterministic uniform values in [-1, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(((r() + 1) / 2) * (hi - lo + 1));

function perm(r: () => number, n: number): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = int(r, 0, i);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** Places sizes given in spec order (batch/out, feature/in, spatial...) at the spec's dims. */
function place(spec: number[], sizes: number[]): number[] {
  const shape = new Array<number>(spec.length);
  spec.forEach((d, i) => (shape[d] = sizes[i]!));
  return shape;
}

interface Case {
  dtype: "float32" | "float64";
  lhsShape: number[];
  rhsShape: number[];
  lhs: number[];
  rhs: number[];
  strides: number[];
  padding: [number, number][];
  lhsDilation: number[];
  rhsDilation: number[];
  dn: { lhsSpec: number[]; rhsSpec: number[]; outSpec: number[] };
  fgc: number;
  bgc: number;
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const nd = int(r, 1, 3);
  const kind = int(r, 0, 2); // 0: no groups, 1: feature groups, 2: batch groups
  const G = kind === 0 ? 1 : int(r, 2, 3);
  const Cg = int(r, seed % 11 === 0 ? 0 : 1, 4);
  const Og = int(r, 1, 3);
  const Nout = int(r, seed % 13 === 0 ? 0 : 1, 3);
  const N = kind === 2 ? Nout * G : Nout;
  const C = kind === 1 ? Cg * G : Cg;
  const maxIn = nd === 3 ? 4 : 7;
  const inSp: number[] = [];
  const win: number[] = [];
  const strides: number[] = [];
  const padding: [number, number][] = [];
  const lhsDilation: number[] = [];
  const rhsDilation: number[] = [];
  for (let i = 0; i < nd; i++) {
    inSp.push(int(r, 1, maxIn));
    win.push(int(r, 1, 3));
    strides.push(int(r, 1, 2));
    lhsDilation.push(int(r, 1, 2));
    rhsDilation.push(int(r, 1, 2));
    const lo = int(r, -1, 2);
    const hi = int(r, -1, 2);
    const dil = 1 + lhsDilation[i]! * (inSp[i]! - 1);
    padding.push(dil + lo + hi >= 0 ? [lo, hi] : [0, 0]);
  }
  const dn =
    seed % 5 === 0
      ? { lhsSpec: [0, nd + 1, ...inSp.map((_, i) => i + 1)], rhsSpec: [nd + 1, nd, ...win.map((_, i) => i)], outSpec: [0, nd + 1, ...inSp.map((_, i) => i + 1)] }
      : { lhsSpec: perm(r, nd + 2), rhsSpec: perm(r, nd + 2), outSpec: perm(r, nd + 2) };
  const lhsShape = place(dn.lhsSpec, [N, C, ...inSp]);
  const rhsShape = place(dn.rhsSpec, [Og * G, Cg, ...win]);
  const fill = (n: number) => Array.from({ length: n }, r);
  return {
    dtype: seed % 2 ? "float32" : "float64",
    lhsShape,
    rhsShape,
    lhs: fill(lhsShape.reduce((a, b) => a * b, 1)),
    rhs: fill(rhsShape.reduce((a, b) => a * b, 1)),
    strides,
    padding,
    lhsDilation,
    rhsDilation,
    dn,
    fgc: kind === 1 ? G : 1,
    bgc: kind === 2 ? G : 1,
  };
}

function runCase(c: Case, backend: string): JaxArray {
  config.update("jaxts_backend", backend);
  const lhs = jnp.reshape(jnp.array(c.lhs, { dtype: c.dtype }), c.lhsShape);
  const rhs = jnp.reshape(jnp.array(c.rhs, { dtype: c.dtype }), c.rhsShape);
  return lax.convGeneralDilated(lhs, rhs, c.strides, c.padding, {
    lhsDilation: c.lhsDilation,
    rhsDilation: c.rhsDilation,
    dimensionNumbers: c.dn,
    featureGroupCount: c.fgc,
    batchGroupCount: c.bgc,
  });
}

const tol = (dtype: string) => (dtype === "float32" ? { atol: 1e-5, rtol: 1e-5 } : { atol: 1e-12, rtol: 1e-12 });

describe("wasm conv_general_dilated (im2col + GEMM)", () => {
  it("agrees with the reference kernel on random configurations", () => {
    for (let seed = 1; seed <= 300; seed++) {
      const c = randomCase(seed);
      const want = runCase(c, "interpret");
      const fast0 = convStats.fast;
      const got = runCase(c, "wasm");
      expect(got.shape, `seed ${seed}`).toEqual(want.shape);
      if (want.size > 0) expect(convStats.fast, `seed ${seed} took the fast path`).toBe(fast0 + 1);
      expectAllClose(got, want, { ...tol(c.dtype), msg: `seed ${seed} ${JSON.stringify({ ...c, lhs: undefined, rhs: undefined })}` });
    }
  });

  it("builds the patch matrix in chunks of rows when it is large", () => {
    const saved = convTuning.chunkBytes;
    try {
      // 1 byte: one row per chunk; a few hundred bytes: chunks that straddle batch entries.
      for (const bytes of [1, 200, 1000]) {
        convTuning.chunkBytes = bytes;
        for (let seed = 1000; seed < 1030; seed++) {
          const c = randomCase(seed);
          expectAllClose(runCase(c, "wasm"), runCase(c, "interpret"), { ...tol(c.dtype), msg: `seed ${seed} chunk ${bytes}` });
        }
      }
    } finally {
      convTuning.chunkBytes = saved;
    }
  });

  it("runs a 1×1 channels-last conv as a matmul of the lhs itself", () => {
    for (const [seed, fgc] of [[21, 1], [22, 2]] as const) {
      const r = rng(seed);
      const c: Case = {
        dtype: "float32",
        lhsShape: [2, 5, 3, 4, 6],
        rhsShape: [1, 1, 1, 6 / fgc, 10],
        lhs: Array.from({ length: 2 * 5 * 3 * 4 * 6 }, r),
        rhs: Array.from({ length: (6 / fgc) * 10 }, r),
        strides: [1, 1, 1],
        padding: [[0, 0], [0, 0], [0, 0]],
        lhsDilation: [1, 1, 1],
        rhsDilation: [1, 1, 1],
        dn: { lhsSpec: [0, 4, 1, 2, 3], rhsSpec: [4, 3, 0, 1, 2], outSpec: [0, 4, 1, 2, 3] },
        fgc,
        bgc: 1,
      };
      expectAllClose(runCase(c, "wasm"), runCase(c, "interpret"), { atol: 1e-5, rtol: 1e-5 });
    }
  });

  it("handles a larger NHWC/HWIO conv (strided, padded, rhs-dilated)", () => {
    const r = rng(7);
    const c: Case = {
      dtype: "float32",
      lhsShape: [3, 20, 17, 24],
      rhsShape: [3, 3, 24, 40],
      lhs: Array.from({ length: 3 * 20 * 17 * 24 }, r),
      rhs: Array.from({ length: 3 * 3 * 24 * 40 }, r),
      strides: [2, 1],
      padding: [[1, 1], [0, 2]],
      lhsDilation: [1, 1],
      rhsDilation: [1, 2],
      dn: { lhsSpec: [0, 3, 1, 2], rhsSpec: [3, 2, 0, 1], outSpec: [0, 3, 1, 2] },
      fgc: 1,
      bgc: 1,
    };
    expectAllClose(runCase(c, "wasm"), runCase(c, "interpret"), { atol: 1e-4, rtol: 1e-5 });
  });

  it("gives the gradient of a small CNN equal to the reference backend's", () => {
    const r = rng(3);
    const host = {
      x: Array.from({ length: 2 * 9 * 9 * 3 }, r),
      w1: Array.from({ length: 3 * 3 * 3 * 8 }, r),
      w2: Array.from({ length: 3 * 3 * 2 * 8 }, r),
      w3: Array.from({ length: 2 * 2 * 8 * 4 }, r),
    };
    const loss = (ws: JaxArray[], x: JaxArray): JaxArray => {
      const nhwc = ["NHWC", "HWIO", "NHWC"] as const;
      let h = lax.convGeneralDilated(x, ws[0]!, [2, 2], "SAME", { dimensionNumbers: nhwc });
      h = jnp.tanh(h);
      // Grouped (4 groups of 2 features) with rhs dilation.
      h = lax.convGeneralDilated(h, ws[1]!, [1, 1], [[1, 1], [1, 1]], { dimensionNumbers: nhwc, featureGroupCount: 4, rhsDilation: [2, 1] });
      h = jnp.tanh(h);
      // Channels-first output layout.
      h = lax.convGeneralDilated(h, ws[2]!, [1, 1], "VALID", { dimensionNumbers: ["NHWC", "HWIO", "NCHW"] });
      return jnp.sum(jnp.multiply(h, h));
    };
    const grads = (backend: string): JaxArray[] => {
      config.update("jaxts_backend", backend);
      const mk = (d: number[], s: number[]) => jnp.reshape(jnp.array(d, { dtype: "float64" }), s);
      const ws = [mk(host.w1, [3, 3, 3, 8]), mk(host.w2, [3, 3, 2, 8]), mk(host.w3, [2, 2, 8, 4])];
      const x = mk(host.x, [2, 9, 9, 3]);
      return grad((w: JaxArray[]) => loss(w, x))(ws) as JaxArray[];
    };
    const want = grads("interpret");
    const fast0 = convStats.fast;
    const got = grads("wasm");
    // 3 forward convs, 3 kernel cotangents, 2 input cotangents: all on the fast path.
    expect(convStats.fast - fast0).toBe(8);
    got.forEach((g, i) => expectAllClose(g, want[i], { atol: 1e-10, rtol: 1e-10, msg: `w${i + 1}` }));
  });
});
