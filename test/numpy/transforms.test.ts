// jnp functions under transformations: gradients checked against central differences
// (checkGrads, forward and reverse, orders 1 and 2), vmap against a loop of single calls, and
// jit against eager evaluation. Every jnp function only composes lax, so these hold by
// construction; the tests guard the compositions (masks, safe denominators, scans).
import { describe, expect, it } from "vitest";
import { grad, jit, numpy as jnp, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

// A deterministic pseudo-random float32 array (mulberry32) of the given shape.
function randn(shape: number[], seed: number, lo = -1, hi = 1): JaxArray {
  let s = seed >>> 0;
  const n = shape.reduce((a, b) => a * b, 1);
  const vals = Array.from({ length: n }, () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    return lo + (hi - lo) * u;
  });
  return jnp.reshape(jnp.array(vals), shape);
}

const stackLoop = (f: (...a: JaxArray[]) => JaxArray, xs: JaxArray[], n: number): JaxArray =>
  jnp.stack(Array.from({ length: n }, (_, i) => f(...xs.map((x) => jnp.squeeze(jnp.split(x, n, 0)[i]!, 0)))));

describe("gradients of jnp compositions (checkGrads)", () => {
  const x = randn([3, 4], 1);
  const cases: [string, (a: JaxArray) => JaxArray][] = [
    ["mean", (a) => jnp.mean(a)],
    ["mean axis keepdims", (a) => jnp.mean(a, { axis: 1, keepdims: true })],
    ["var", (a) => jnp.var(a)],
    ["var ddof axis", (a) => jnp.var(a, { axis: 0, ddof: 1 })],
    ["std", (a) => jnp.std(a, 1)],
    ["sum where", (a) => jnp.sum(a, { axis: 0, where: jnp.greater(a, 0) })],
    ["prod", (a) => jnp.prod(a, 1)],
    ["max", (a) => jnp.max(a, 0)],
    ["cumsum", (a) => jnp.cumsum(a, 1)],
    ["cumprod", (a) => jnp.cumprod(a, 1)],
    ["cummax", (a) => jnp.cummax(a, 0)],
    ["average weights", (a) => jnp.average(a, { axis: 1, weights: jnp.array([1, 2, 3, 4]) })],
    ["logaddexp", (a) => jnp.logaddexp(a, jnp.flip(a, 0))],
    ["hypot", (a) => jnp.hypot(a, 0.5)],
    ["sinc", (a) => jnp.sinc(a)],
    ["matmul", (a) => jnp.matmul(a, jnp.transpose(a))],
    ["einsum", (a) => jnp.einsum("ij,kj->ik", a, jnp.sin(a))],
    ["tensordot", (a) => jnp.tensordot(a, jnp.cos(a), [[0], [0]])],
    ["outer/kron", (a) => jnp.kron(jnp.outer(jnp.ravel(a), jnp.array([1, -2])), jnp.eye(2))],
    ["concatenate/split", (a) => jnp.concatenate(jnp.split(a, 2, 1).reverse(), 0)],
    ["stack/moveaxis", (a) => jnp.moveaxis(jnp.stack([a, jnp.square(a)], 2), 2, 0)],
    ["tril/diagonal/trace", (a) => jnp.add(jnp.diagonal(jnp.tril(a, 1), 1), jnp.trace(a))],
    ["roll/tile/repeat", (a) => jnp.repeat(jnp.tile(jnp.roll(a, 1, 1), [1, 2]), 2, 0)],
    ["pad/flip", (a) => jnp.pad(jnp.flip(a), [[1, 0], [0, 2]])],
    ["dot with vector", (a) => jnp.dot(a, jnp.array([1, 2, 3, 4]))],
  ];
  for (const [name, f] of cases) {
    it(name, () => checkGrads(f, [x], 2));
  }

  it("linspace is differentiable in start and stop", () => {
    checkGrads((a: JaxArray, b: JaxArray) => jnp.linspace(a, b, 5, { axis: 1 }), [randn([3], 2), randn([3], 3)], 1);
  });

  it("grad of std matches the closed form (x - mean) / (n std)", () => {
    const v = randn([6], 4);
    const g = grad((a: JaxArray) => jnp.std(a))(v);
    const n = 6;
    const expected = jnp.divide(jnp.subtract(v, jnp.mean(v)), jnp.multiply(n, jnp.std(v)));
    expectAllClose(g, expected, { atol: 1e-6, rtol: 1e-5 });
  });

  it("sinc's gradient at 0 is finite (safe denominator)", () => {
    const g = grad((a: JaxArray) => jnp.sum(jnp.sinc(a)))(jnp.array([0, 0.5]));
    expect(Array.from(g.dataSync()).every(Number.isFinite)).toBe(true);
    expect(g.dataSync()[0]).toBe(0);
  });
});

describe("vmap of jnp functions equals a loop", () => {
  it("matmul with broadcasting batch dims", () => {
    const a = randn([5, 2, 3, 4], 10);
    const b = randn([5, 4, 2], 11);
    const mm = (p: JaxArray, q: JaxArray) => jnp.matmul(p, q);
    expectAllClose(vmap(mm)(a, b), stackLoop(mm, [a, b], 5));
  });

  it("matmul with an unbatched operand and 1-D promotion", () => {
    const a = randn([4, 3], 12);
    const v = randn([6, 3], 13);
    const f = (u: JaxArray) => jnp.matmul(a, u);
    expectAllClose(vmap(f)(v), stackLoop(f, [v], 6));
  });

  const xs = randn([4, 3, 5], 14);
  const fns: [string, (a: JaxArray) => JaxArray][] = [
    ["sum axis", (a) => jnp.sum(a, 1)],
    ["var keepdims", (a) => jnp.var(a, { axis: 0, keepdims: true })],
    ["argmax", (a) => jnp.argmax(a, 1)],
    ["cumprod", (a) => jnp.cumprod(a, 1)],
    ["einsum trace", (a) => jnp.einsum("ij,kj->ik", a, a)],
    ["diagonal", (a) => jnp.diagonal(a, 1)],
    ["split/concatenate", (a) => jnp.concatenate(jnp.split(a, [1, 2], 0).reverse(), 0)],
    ["tril", (a) => jnp.tril(a)],
    ["isclose", (a) => jnp.isclose(a, jnp.round(a, 1), { atol: 0.03 })],
  ];
  for (const [name, f] of fns) {
    it(name, () => expectAllClose(vmap(f)(xs), stackLoop(f, [xs], 4)));
  }
});

describe("jit of jnp functions equals eager", () => {
  it("a composite numerical function", () => {
    const f = (a: JaxArray, b: JaxArray) =>
      jnp.add(
        jnp.std(jnp.matmul(a, b), { axis: 0 }),
        jnp.sum(jnp.logaddexp(jnp.cumsum(jnp.ravel(a)), 0.5)),
      );
    const a = randn([3, 4], 20);
    const b = randn([4, 2], 21);
    expectAllClose(jit(f)(a, b), f(a, b));
  });

  it("creation functions inside jit", () => {
    const f = (a: JaxArray) => jnp.add(jnp.multiply(a, jnp.eye(3, 4, { k: 1 })), jnp.linspace(0, 1, 4));
    const a = randn([3, 4], 22);
    expectAllClose(jit(f)(a), f(a));
  });

  it("jit(grad(var)) equals grad(var)", () => {
    const g = grad((a: JaxArray) => jnp.var(a, { ddof: 1 }));
    const a = randn([7], 23);
    expectAllClose(jit(g)(a), g(a));
  });
});
