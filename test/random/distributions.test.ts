// Distribution tests for jax.random samplers: with n = 2000 draws from a fixed
// key, the Kolmogorov–Smirnov statistic against the theoretical CDF stays under
// 0.045 (the 1% critical value is 1.63 / sqrt(n) ≈ 0.036), and sample means
// (and variances where finite) match theory within generous bounds.
import { describe, expect, it } from "vitest";
import { random, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";

const N = 2000;
const key = random.PRNGKey(2024);
const vals = (x: JaxArray) => Array.from(x.dataSync() as Float32Array, Number);

/** erf by Abramowitz–Stegun 7.1.26 (|error| < 1.5e-7), enough for a KS oracle. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-x * x);
  return x < 0 ? -y : y;
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

function ks(xs: number[], cdf: (x: number) => number): number {
  const s = [...xs].sort((a, b) => a - b);
  let d = 0;
  s.forEach((x, i) => {
    const f = cdf(x);
    d = Math.max(d, Math.abs(f - i / s.length), Math.abs((i + 1) / s.length - f));
  });
  return d;
}
/** KS distance for an integer law: max over support points v of |ECDF(v) - F(v)|. */
function ksDiscrete(xs: number[], cdf: (v: number) => number, lo: number, hi: number): number {
  let d = 0;
  for (let v = lo; v <= hi; v++) d = Math.max(d, Math.abs(xs.filter((x) => x <= v).length / xs.length - cdf(v)));
  return d;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};

interface Case { name: string; draw: () => JaxArray; cdf: (x: number) => number; m?: number; v?: number }
const cases: Case[] = [
  { name: "uniform(-2, 3)", draw: () => random.uniform(key, [N], { minval: -2, maxval: 3 }), cdf: (x) => (x + 2) / 5, m: 0.5, v: 25 / 12 },
  { name: "normal", draw: () => random.normal(key, [N]), cdf: Phi, m: 0, v: 1 },
  { name: "exponential", draw: () => random.exponential(key, [N]), cdf: (x) => 1 - Math.exp(-x), m: 1, v: 1 },
  { name: "laplace", draw: () => random.laplace(key, [N]), cdf: (x) => (x < 0 ? 0.5 * Math.exp(x) : 1 - 0.5 * Math.exp(-x)), m: 0, v: 2 },
  { name: "logistic", draw: () => random.logistic(key, [N]), cdf: (x) => 1 / (1 + Math.exp(-x)), m: 0, v: Math.PI ** 2 / 3 },
  { name: "gumbel", draw: () => random.gumbel(key, [N]), cdf: (x) => Math.exp(-Math.exp(-x)), m: 0.5772156649, v: Math.PI ** 2 / 6 },
  { name: "cauchy", draw: () => random.cauchy(key, [N]), cdf: (x) => 0.5 + Math.atan(x) / Math.PI },
  { name: "pareto(2.5)", draw: () => random.pareto(key, 2.5, [N]), cdf: (x) => (x < 1 ? 0 : 1 - x ** -2.5), m: 2.5 / 1.5 },
  { name: "weibullMin(2, 1.5)", draw: () => random.weibullMin(key, 2, 1.5, [N]), cdf: (x) => 1 - Math.exp(-((x / 2) ** 1.5)) },
  { name: "rayleigh(1.5)", draw: () => random.rayleigh(key, 1.5, [N]), cdf: (x) => 1 - Math.exp(-(x * x) / (2 * 2.25)), m: 1.5 * Math.sqrt(Math.PI / 2) },
  { name: "lognormal(0.5)", draw: () => random.lognormal(key, 0.5, [N]), cdf: (x) => Phi(Math.log(x) / 0.5), m: Math.exp(0.125) },
  {
    name: "truncatedNormal(-1, 2)",
    draw: () => random.truncatedNormal(key, -1, 2, [N]),
    cdf: (x) => (Phi(x) - Phi(-1)) / (Phi(2) - Phi(-1)),
  },
  {
    name: "triangular(-1, 0.5, 2)",
    draw: () => random.triangular(key, -1, 0.5, 2, [N]),
    cdf: (x) => (x <= 0.5 ? (x + 1) ** 2 / (3 * 1.5) : 1 - (2 - x) ** 2 / (3 * 1.5)),
    m: 0.5,
  },
  {
    name: "maxwell",
    draw: () => random.maxwell(key, [N]),
    cdf: (x) => erf(x / Math.SQRT2) - Math.sqrt(2 / Math.PI) * x * Math.exp(-(x * x) / 2),
    m: 2 * Math.sqrt(2 / Math.PI),
    v: 3 - 8 / Math.PI,
  },
  {
    name: "wald(1.2)",
    draw: () => random.wald(key, 1.2, [N]),
    cdf: (x) => {
      const r = Math.sqrt(1 / x);
      return Phi(r * (x / 1.2 - 1)) + Math.exp(2 / 1.2) * Phi(-r * (x / 1.2 + 1));
    },
    m: 1.2,
    v: 1.2 ** 3,
  },
];

describe("continuous samplers follow their laws (KS, moments)", () => {
  for (const c of cases) {
    it(c.name, () => {
      const xs = vals(c.draw());
      expect(xs.length).toBe(N);
      expect(ks(xs, c.cdf)).toBeLessThan(0.045);
      if (c.m !== undefined) {
        const sd = Math.sqrt(c.v ?? variance(xs));
        expect(Math.abs(mean(xs) - c.m)).toBeLessThan((5 * sd) / Math.sqrt(N));
      }
      if (c.v !== undefined) expect(Math.abs(variance(xs) / c.v - 1)).toBeLessThan(0.2);
    });
  }
});

describe("discrete samplers follow their laws", () => {
  it("randint is uniform on [minval, maxval)", () => {
    const xs = vals(random.randint(key, [N], -3, 7));
    expect(Math.min(...xs)).toBe(-3);
    expect(Math.max(...xs)).toBe(6);
    expect(ksDiscrete(xs, (v) => (v + 4) / 10, -3, 6)).toBeLessThan(0.045);
    expect(Math.abs(variance(xs) / 8.25 - 1)).toBeLessThan(0.1);
  });
  it("bernoulli, rademacher and geometric means", () => {
    const b = vals(random.bernoulli(key, 0.3, [N]));
    expect(Math.abs(mean(b) - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / N));
    const r = vals(random.rademacher(key, [N]));
    expect(new Set(r)).toEqual(new Set([-1, 1]));
    expect(Math.abs(mean(r))).toBeLessThan(5 / Math.sqrt(N));
    const g = vals(random.geometric(key, 0.3, [N]));
    expect(ksDiscrete(g, (v) => 1 - 0.7 ** v, 1, 30)).toBeLessThan(0.045);
    expect(Math.abs(mean(g) - 1 / 0.3)).toBeLessThan((5 * Math.sqrt(0.7 / 0.09)) / Math.sqrt(N));
  });
  it("categorical frequencies follow softmax(logits)", () => {
    const logits = [0.5, -1, 1.5, 0];
    const xs = vals(random.categorical(key, jnp.array(logits), { shape: [N] }));
    const z = logits.reduce((a, l) => a + Math.exp(l), 0);
    logits.forEach((l, i) => {
      const p = Math.exp(l) / z;
      const f = xs.filter((x) => x === i).length / N;
      expect(Math.abs(f - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / N));
    });
  });
  it("doubleSidedMaxwell is symmetric about loc with maxwell magnitudes", () => {
    const xs = vals(random.doubleSidedMaxwell(key, 1, 2, [N]));
    const mags = xs.map((x) => Math.abs(x - 1) / 2);
    expect(ks(mags, (x) => erf(x / Math.SQRT2) - Math.sqrt(2 / Math.PI) * x * Math.exp(-(x * x) / 2))).toBeLessThan(0.045);
    expect(Math.abs(mean(xs) - 1)).toBeLessThan((5 * 2 * Math.sqrt(3)) / Math.sqrt(N));
  });
});
