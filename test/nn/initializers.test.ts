// jax.nn.initializers: JAX's documented outputs for PRNGKey(42) (the docstring examples, drawn
// with the legacy threefry scheme), the empirical mean/variance/range of each variance-scaling
// distribution against its formula, fan computations, orthogonality, determinism in the key,
// shapes, dtypes and errors.
import { afterEach, describe, expect, it } from "vitest";
import { config, nn, numpy as jnp, random } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";

const I = nn.initializers;
const partitionable = config.read("jax_threefry_partitionable");
afterEach(() => {
  config.update("jax_threefry_partitionable", partitionable);
  config.update("jax_enable_x64", false);
});

describe("initializers: JAX's docstring examples, initializer(PRNGKey(42), (2, 3), float32)", () => {
  // The numbers printed in jax/_src/nn/initializers.py. Uniform-based draws are exact; normal-based
  // ones pass through erf_inv (and QR), whose last bits may differ from XLA's.
  const cases: [string, () => nn.initializers.Initializer, number[][]][] = [
    ["uniform(10.0)", () => I.uniform(10.0), [[7.298188, 8.691938, 8.7230015], [2.0818567, 1.8662417, 5.5022564]]],
    ["normal(5.0)", () => I.normal(5.0), [[3.0613258, 5.6129413, 5.6866574], [-4.063663, -4.4520254, 0.63115686]]],
    ["truncated_normal(5.0)", () => I.truncatedNormal(5.0), [[2.9047365, 5.2338114, 5.29852], [-3.836303, -4.192359, 0.6022964]]],
    ["glorot_uniform()", () => I.glorotUniform(), [[0.50350785, 0.8088631, 0.81566876], [-0.6393332, -0.6865721, 0.11003882]]],
    ["glorot_normal()", () => I.glorotNormal(), [[0.41770416, 0.75262755, 0.7619329], [-0.5516644, -0.6028657, 0.08661086]]],
    ["lecun_uniform()", () => I.lecunUniform(), [[0.56293887, 0.90433645, 0.9119454], [-0.71479625, -0.7676109, 0.12302713]]],
    ["lecun_normal()", () => I.lecunNormal(), [[0.46700746, 0.8414632, 0.8518669], [-0.61677957, -0.67402434, 0.09683388]]],
    ["he_uniform()", () => I.heUniform(), [[0.79611576, 1.2789248, 1.2896855], [-1.0108745, -1.0855657, 0.17398663]]],
    ["he_normal()", () => I.heNormal(), [[0.6604483, 1.1900088, 1.2047218], [-0.87225807, -0.95321447, 0.1369438]]],
    ["orthogonal()", () => I.orthogonal(), [[3.9026976e-1, 7.2495741e-1, -5.6756169e-1], [8.8047469e-1, -4.7409311e-1, -1.3157725e-4]]],
  ];
  for (const [name, make, want] of cases) {
    it(name, () => {
      config.update("jax_threefry_partitionable", false);
      const out = make()(random.PRNGKey(42), [2, 3], "float32");
      expect(out.dtype).toBe("float32");
      expectAllClose(out, want, { atol: 2e-6, rtol: 1e-6 });
    });
  }

  it("zeros, ones, constant(-7); delta_orthogonal()", () => {
    config.update("jax_threefry_partitionable", false);
    const k = random.PRNGKey(42);
    expect(I.zeros(k, [2, 3], "float32").tolist()).toEqual(jnp.zeros([2, 3]).tolist());
    expect(I.ones(k, [3, 2], "float32").tolist()).toEqual(jnp.ones([3, 2]).tolist());
    expect(I.constant(-7)(k, [2, 3], "float32").tolist()).toEqual(jnp.full([2, 3], -7).tolist());
    const z = [0, 0, 0];
    const want = [
      [z, z, z],
      [[0.27858758, -0.7949833, -0.53887904], [0.9120717, 0.04322892, 0.40774566], [-0.30085585, -0.6050892, 0.73712474]],
      [z, z, z],
    ];
    expectAllClose(I.deltaOrthogonal()(k, [3, 3, 3], "float32"), want, { atol: 2e-6, rtol: 1e-6 });
  });
});

/** Mean and variance of an array's entries, in float64. */
function moments(a: JaxArray): { mean: number; variance: number; absMax: number } {
  const d = a.dataSync();
  let s = 0;
  let absMax = 0;
  for (const v of d) {
    s += v;
    absMax = Math.max(absMax, Math.abs(v));
  }
  const mean = s / d.length;
  let ss = 0;
  for (const v of d) ss += (v - mean) ** 2;
  return { mean, variance: ss / d.length, absMax };
}

describe("varianceScaling: samples have variance scale / n", () => {
  const shape = [200, 300];
  const N = 200 * 300;
  const key = random.key(7);
  const fans = { fan_in: 200, fan_out: 300, fan_avg: 250 } as const;
  for (const dist of ["truncated_normal", "normal", "uniform"] as const) {
    for (const mode of ["fan_in", "fan_out", "fan_avg"] as const) {
      it(`${dist}, ${mode}`, () => {
        const scale = 2.5;
        const v = scale / fans[mode];
        const m = moments(I.varianceScaling(scale, mode, dist)(key, shape));
        // The sample variance of N draws has relative standard error about sqrt(2/N) ≈ 0.6%.
        expect(Math.abs(m.variance / v - 1)).toBeLessThan(0.03);
        expect(Math.abs(m.mean)).toBeLessThan(5 * Math.sqrt(v / N));
        if (dist === "uniform") expect(m.absMax).toBeLessThanOrEqual(Math.sqrt(3 * v) * (1 + 1e-6));
        if (dist === "truncated_normal") expect(m.absMax).toBeLessThan((2 * Math.sqrt(v)) / 0.87962566103423978);
      });
    }
  }

  it("named specializations: glorot (fan_avg, 1), lecun (fan_in, 1), he (fan_in, 2)", () => {
    const k = random.key(3);
    const same = (a: JaxArray, b: JaxArray) => expect(a.tolist()).toEqual(b.tolist());
    same(I.glorotUniform()(k, [4, 6]), I.varianceScaling(1, "fan_avg", "uniform")(k, [4, 6]));
    same(I.glorotNormal()(k, [4, 6]), I.varianceScaling(1, "fan_avg", "truncated_normal")(k, [4, 6]));
    same(I.lecunUniform()(k, [4, 6]), I.varianceScaling(1, "fan_in", "uniform")(k, [4, 6]));
    same(I.lecunNormal()(k, [4, 6]), I.varianceScaling(1, "fan_in", "truncated_normal")(k, [4, 6]));
    same(I.heUniform()(k, [4, 6]), I.varianceScaling(2, "fan_in", "uniform")(k, [4, 6]));
    same(I.heNormal()(k, [4, 6]), I.varianceScaling(2, "fan_in", "truncated_normal")(k, [4, 6]));
    expect(I.xavierUniform).toBe(I.glorotUniform);
    expect(I.xavierNormal).toBe(I.glorotNormal);
    expect(I.kaimingUniform).toBe(I.heUniform);
    expect(I.kaimingNormal).toBe(I.heNormal);
  });

  it("uniform(scale), normal(stddev), truncatedNormal(stddev, {lower, upper}) have their moments and ranges", () => {
    const k = random.key(11);
    const u = moments(I.uniform(3)(k, [N]));
    expect(Math.abs(u.mean / 1.5 - 1)).toBeLessThan(0.02);
    expect(u.absMax).toBeLessThan(3);
    const n = moments(I.normal(0.5)(k, [N]));
    expect(Math.abs(n.variance / 0.25 - 1)).toBeLessThan(0.03);
    const t = I.truncatedNormal(2, { lower: -1, upper: 0.5 })(k, [N]);
    expect(jnp.min(t).item()).toBeGreaterThan(-2);
    expect(jnp.max(t).item()).toBeLessThan(1);
  });
});

describe("fans, orthogonality, keys, dtypes, errors", () => {
  it("computeFans: in/out sizes times the receptive field; batch axes ignored", () => {
    expect(I.computeFans([3, 4])).toEqual([3, 4]);
    // An HWIO convolution kernel: receptive field 3·3.
    expect(I.computeFans([3, 3, 16, 32])).toEqual([16 * 9, 32 * 9]);
    expect(I.computeFans([5, 3, 16, 32], 2, 3, [0])).toEqual([16 * 3, 32 * 3]);
    expect(I.computeFans([2, 3, 4, 5], [0, 1], -1)).toEqual([6 * 4, 5 * 4]);
    expect(() => I.computeFans([5])).toThrow("Can't compute input and output sizes of a 1-dimensional weights tensor. Must be at least 2D.");
    expect(() => I.glorotNormal()(random.key(0), [5])).toThrow("Must be at least 2D");
  });

  it("orthogonal: orthonormal columns (or rows), along columnAxis, times scale", () => {
    const k = random.key(5);
    const eye = (n: number) => jnp.eye(n);
    const q = I.orthogonal()(k, [6, 3]);
    expectAllClose(jnp.matmul(q.T, q), eye(3), { atol: 1e-5 });
    const r = I.orthogonal(2)(k, [3, 6]);
    expectAllClose(jnp.matmul(r, r.T), jnp.multiply(4, eye(3)), { atol: 1e-5 });
    // A [4, 2, 3] kernel with columnAxis 0: the 6 vectors of length 4 along axis 0 are rows of an
    // orthonormal 4×6 matrix, i.e. the 4 columns of its transpose are orthonormal.
    const c = I.orthogonal(1, { columnAxis: 0 })(k, [4, 2, 3]);
    expect(c.shape).toEqual([4, 2, 3]);
    const m = jnp.reshape(c, [4, 6]);
    expectAllClose(jnp.matmul(m, m.T), eye(4), { atol: 1e-5 });
    expect(() => I.orthogonal()(k, [4])).toThrow("orthogonal initializer requires at least a 2D shape");
  });

  it("deltaOrthogonal: zeros except an orthogonal matrix at the spatial centre", () => {
    const k = random.key(9);
    const w = I.deltaOrthogonal()(k, [3, 5, 4, 4]);
    const centre = w.get(1, 2);
    expectAllClose(jnp.matmul(centre.T, centre), jnp.eye(4), { atol: 1e-5 });
    expectAllClose(jnp.sum(jnp.abs(w)), jnp.sum(jnp.abs(centre)));
    expect(() => I.deltaOrthogonal()(k, [4, 4])).toThrow("Delta orthogonal initializer requires a 3D, 4D or 5D shape.");
    expect(() => I.deltaOrthogonal()(k, [3, 4, 2])).toThrow("`fan_in` must be less or equal than `fan_out`.");
  });

  it("the same key gives the same numbers, another key others", () => {
    for (const make of [() => I.glorotNormal(), () => I.heUniform(), () => I.normal(), () => I.orthogonal()]) {
      const a = make()(random.key(1), [5, 4]);
      expect(make()(random.key(1), [5, 4]).tolist()).toEqual(a.tolist());
      expect(make()(random.key(2), [5, 4]).tolist()).not.toEqual(a.tolist());
      expect(make()(random.PRNGKey(1), [5, 4]).tolist()).toEqual(a.tolist());
    }
  });

  it("shapes and dtypes: float32 by default, float64 (the default) with x64, the initializer's own default", () => {
    const k = random.key(0);
    const all: nn.initializers.Initializer[] = [
      I.zeros, I.ones, I.constant(2), I.uniform(), I.normal(), I.truncatedNormal(), I.glorotUniform(),
      I.glorotNormal(), I.lecunUniform(), I.lecunNormal(), I.heUniform(), I.heNormal(), I.orthogonal(),
    ];
    for (const init of all) {
      const a = init(k, [3, 4, 5]);
      expect(a.shape).toEqual([3, 4, 5]);
      expect(a.dtype).toBe("float32");
    }
    expect(I.glorotNormal({ dtype: "float32" })(k, [2, 2]).dtype).toBe("float32");
    config.update("jax_enable_x64", true);
    expect(I.zeros(k, [2]).dtype).toBe("float64");
    expect(I.heNormal()(k, [2, 2]).dtype).toBe("float64");
    expect(I.uniform()(k, [2], "float32").dtype).toBe("float32");
    expect(() => I.normal()(k, [2], "int32")).toThrow("dtype must be a float dtype");
  });

  it("bad modes and distributions raise JAX's errors", () => {
    expect(() => I.varianceScaling(1, "fan_x" as never, "normal")).toThrow("invalid mode for variance scaling initializer: fan_x");
    expect(() => I.varianceScaling(1, "fan_in", "cauchy" as never)).toThrow(
      "invalid distribution for variance scaling initializer: cauchy",
    );
  });
});
