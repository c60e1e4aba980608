// Distribution tests for the loop-, sort- and linear-algebra-based samplers of jax.random
// (gamma family, poisson, binomial, multinomial, ball, multivariateNormal, orthogonal,
// permutation, choice) against laws computed by scipy.stats (test/fixtures/random_dist.json):
// with N = 2000 draws, a Kolmogorov–Smirnov distance measured at 100 quantiles (continuous)
// or on the support (discrete) stays under 0.045 (the 1% critical value is 0.036), and
// sample means and variances match within 5 standard errors / 20%.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { numpy as jnp, random, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";

interface Law {
  name: string;
  kind: "continuous" | "discrete";
  probs?: number[];
  quantiles?: number[];
  support?: number[];
  cdf?: number[];
  mean?: number;
  var?: number;
}
const laws = JSON.parse(readFileSync(new URL("../fixtures/random_dist.json", import.meta.url), "utf8")).cases as Law[];
const law = (name: string) => {
  const l = laws.find((x) => x.name === name);
  if (!l) throw new Error(`no law ${name} in the fixture`);
  return l;
};

const N = 2000;
const key = random.key(2024);
const vals = (x: JaxArray) => Array.from(x.dataSync() as ArrayLike<number>, Number);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const variance = (xs: number[]) => {
  const m = mean(xs);
  return xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1);
};
/** Column j of an [N, k] array. */
const column = (x: JaxArray, j: number) => vals(x.get(":", j));

/** max |ECDF - F| at the law's quantiles (both one-sided limits) or support points. */
function ksDistance(xs: number[], l: Law): number {
  const s = [...xs].sort((a, b) => a - b);
  const below = (v: number, strict: boolean) => {
    let lo = 0;
    let hi = s.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? s[mid]! < v : s[mid]! <= v) lo = mid + 1;
      else hi = mid;
    }
    return lo / s.length;
  };
  let d = 0;
  if (l.kind === "continuous") {
    l.quantiles!.forEach((q, i) => {
      d = Math.max(d, Math.abs(below(q, false) - l.probs![i]!), Math.abs(below(q, true) - l.probs![i]!));
    });
  } else {
    l.support!.forEach((v, i) => (d = Math.max(d, Math.abs(below(v, false) - l.cdf![i]!))));
  }
  return d;
}

function expectLaw(xs: number[], l: Law): void {
  expect(xs.length).toBe(N);
  expect(xs.every(Number.isFinite), `${l.name}: finite draws`).toBe(true);
  expect(ksDistance(xs, l), `${l.name}: KS distance`).toBeLessThan(0.045);
  if (l.mean !== undefined) {
    const sd = Math.sqrt(l.var ?? variance(xs));
    expect(Math.abs(mean(xs) - l.mean), `${l.name}: mean`).toBeLessThan((5 * sd) / Math.sqrt(N));
  }
  if (l.var !== undefined) expect(Math.abs(variance(xs) / l.var - 1), `${l.name}: variance`).toBeLessThan(0.2);
}

const cases: [string, () => number[]][] = [
  ["gamma(0.5)", () => vals(random.gamma(key, 0.5, [N]))],
  ["gamma(2.5)", () => vals(random.gamma(key, 2.5, [N]))],
  ["gamma(20)", () => vals(random.gamma(key, 20, [N]))],
  ["loggamma(0.3)", () => vals(random.loggamma(key, 0.3, [N]))],
  ["beta(0.5, 2)", () => vals(random.beta(key, 0.5, 2, [N]))],
  ["beta(2, 3)", () => vals(random.beta(key, 2, 3, [N]))],
  ["chisquare(3)", () => vals(random.chisquare(key, 3, [N]))],
  ["chisquare(0.7)", () => vals(random.chisquare(key, 0.7, [N]))],
  ["t(4)", () => vals(random.t(key, 4, [N]))],
  ["t(30)", () => vals(random.t(key, 30, [N]))],
  ["f(3, 7)", () => vals(random.f(key, 3, 7, [N]))],
  ["f(10, 20)", () => vals(random.f(key, 10, 20, [N]))],
  ["generalizedNormal(1.5)", () => vals(random.generalizedNormal(key, 1.5, [N]))],
  ["generalizedNormal(0.7)", () => vals(random.generalizedNormal(key, 0.7, [N]))],
  ["poisson(3.5)", () => vals(random.poisson(key, 3.5, [N]))],
  ["poisson(9.9)", () => vals(random.poisson(key, 9.9, [N]))],
  ["poisson(25)", () => vals(random.poisson(key, 25, [N]))],
  ["binomial(10, 0.3)", () => vals(random.binomial(key, 10, 0.3, [N]))],
  ["binomial(100, 0.4)", () => vals(random.binomial(key, 100, 0.4, [N]))],
  ["binomial(20, 0.8)", () => vals(random.binomial(key, 20, 0.8, [N]))],
  ["binomial(200, 0.7)", () => vals(random.binomial(key, 200, 0.7, [N]))],
];

describe("samplers follow their laws (scipy.stats quantiles and cdfs)", () => {
  for (const [name, draw] of cases) it(name, () => expectLaw(draw(), law(name)));

  it("dirichlet: rows sum to 1 and components are Beta(alpha_i, sum - alpha_i)", () => {
    const x = random.dirichlet(key, [0.5, 1, 2], [N]);
    expect(x.shape).toEqual([N, 3]);
    const sums = vals(jnp.sum(x, -1));
    expect(Math.max(...sums.map((s) => Math.abs(s - 1)))).toBeLessThan(1e-5);
    expectLaw(column(x, 0), law("dirichlet([0.5, 1, 2])[0]"));
    expectLaw(column(x, 2), law("dirichlet([0.5, 1, 2])[2]"));
  });

  it("multinomial: counts sum to n and each is Binomial(n, p_i)", () => {
    const x = random.multinomial(key, 20, jnp.broadcastTo(jnp.array([0.2, 0.3, 0.5]), [N, 3]));
    expect(x.shape).toEqual([N, 3]);
    expect(vals(jnp.sum(x, -1)).every((s) => s === 20)).toBe(true);
    expectLaw(column(x, 0), law("multinomial(20, [0.2, 0.3, 0.5])[0]"));
    expectLaw(column(x, 2), law("multinomial(20, [0.2, 0.3, 0.5])[2]"));
  });

  it("ball: points lie in the unit ball and their norm R has P(R <= r) = r**d", () => {
    const l2 = random.ball(key, 3, 2, [N]);
    expect(l2.shape).toEqual([N, 3]);
    expectLaw(vals(jnp.sqrt(jnp.sum(jnp.square(l2), -1))), law("ball(3, 2) L2 norm"));
    const l1 = random.ball(key, 2, 1, [N]);
    expectLaw(vals(jnp.sum(jnp.abs(l1), -1)), law("ball(2, 1) L1 norm"));
  });

  for (const method of ["cholesky", "eigh"] as const) {
    it(`multivariateNormal (${method}): normal marginals, sample covariance ≈ cov`, () => {
      const mu = [1, -1, 0.5];
      const cov = [[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 0.5]];
      const x = random.multivariateNormal(key, mu, cov, [N], { method });
      expect(x.shape).toEqual([N, 3]);
      expectLaw(column(x, 0), law("multivariateNormal x0"));
      expectLaw(column(x, 2), law("multivariateNormal x2"));
      const cols = [0, 1, 2].map((j) => column(x, j));
      const ms = cols.map(mean);
      for (let i = 0; i < 3; i++) {
        for (let j = 0; j < 3; j++) {
          const c = cols[i]!.reduce((a, v, n) => a + (v - ms[i]!) * (cols[j]![n]! - ms[j]!), 0) / (N - 1);
          // The standard error of a sample covariance is sqrt((s_ii s_jj + s_ij²) / N).
          const se = Math.sqrt((cov[i]![i]! * cov[j]![j]! + cov[i]![j]! ** 2) / N);
          expect(Math.abs(c - cov[i]![j]!), `cov[${i}][${j}]`).toBeLessThan(5 * se);
        }
      }
    });
  }

  it("orthogonal: Q^T Q = I, and tr Q has the Haar moments E = 0, E[tr²] = 1", () => {
    const q = random.orthogonal(key, 4, [500]);
    const qtq = jnp.matmul(jnp.swapaxes(q, -1, -2), q);
    expect(Math.max(...vals(jnp.abs(jnp.subtract(qtq, jnp.eye(4)))))).toBeLessThan(1e-5);
    const tr = vals(jnp.trace(q, { axis1: -2, axis2: -1 }));
    expect(Math.abs(mean(tr))).toBeLessThan(5 / Math.sqrt(500));
    expect(Math.abs(mean(tr.map((v) => v * v)) - 1)).toBeLessThan(5 * Math.sqrt(2 / 500));
    const wide = random.orthogonal(key, 2, [], { m: 5 });
    expect(wide.shape).toEqual([2, 5]);
    expect(Math.max(...vals(jnp.abs(jnp.subtract(jnp.matmul(wide, wide.T), jnp.eye(2)))))).toBeLessThan(1e-5);
  });

  it("permutation: each position is uniform over the items", () => {
    const perms = vmap((k: random.KeyArray) => random.permutation(k, 5))(random.split(key, 600)).tolist() as number[][];
    const counts = Array.from({ length: 5 }, () => new Array(5).fill(0));
    for (const p of perms) p.forEach((v, pos) => counts[pos]![v]++);
    for (const row of counts) for (const c of row) expect(Math.abs(c / 600 - 0.2)).toBeLessThan(5 * Math.sqrt(0.16 / 600));
  });

  it("choice with p (with and without replacement) follows p", () => {
    const p = [0.1, 0.2, 0.3, 0.15, 0.25];
    const xs = vals(random.choice(key, 5, [N], { p }));
    p.forEach((pi, i) => {
      const fr = xs.filter((x) => x === i).length / N;
      expect(Math.abs(fr - pi)).toBeLessThan(5 * Math.sqrt((pi * (1 - pi)) / N));
    });
    // Without replacement the first draw is distributed as p.
    const draw = (k: random.KeyArray) => random.choice(k, 5, [2], { p, replace: false });
    const first = vmap(draw)(random.split(key, 1500)).tolist() as number[][];
    expect(first.every(([a, b]) => a !== b)).toBe(true);
    p.forEach((pi, i) => {
      const fr = first.filter(([a]) => a === i).length / 1500;
      expect(Math.abs(fr - pi)).toBeLessThan(5 * Math.sqrt((pi * (1 - pi)) / 1500));
    });
  });
});
