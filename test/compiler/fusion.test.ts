// Fusion decisions (how many kernels a jaxpr becomes, which equations the backend runs) on
// real functions — an MLP layer, softmax, logsumexp, layer norm, nested jit, random bits —
// each also checked numerically against the reference interpreter.
import { describe, expect, it } from "vitest";
import { jit, lax, numpy as jnp, primitives, random, stopGradient } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { bind } from "../../src/core/trace.js";
import { checkFn, census } from "./harness.js";
import { WasmMath } from "../../src/backends/wasm/math.js";

const TOL = { rtol: 1e-5, atol: 1e-6 };

function softmax(x: JaxArray): JaxArray {
  const m = jnp.max(x, { axis: -1, keepdims: true });
  const e = jnp.exp(jnp.subtract(x, stopGradient(m)));
  return jnp.divide(e, jnp.sum(e, { axis: -1, keepdims: true }));
}

function logsumexp(x: JaxArray): JaxArray {
  const m = jnp.max(x, { axis: -1 });
  const s = jnp.sum(jnp.exp(jnp.subtract(x, jnp.expandDims(m, -1))), { axis: -1 });
  return jnp.add(jnp.log(s), m);
}

function layerNorm(x: JaxArray, g: JaxArray, b: JaxArray): JaxArray {
  const mean = jnp.mean(x, { axis: -1, keepdims: true });
  const xc = jnp.subtract(x, mean);
  const v = jnp.mean(jnp.multiply(xc, xc), { axis: -1, keepdims: true });
  return jnp.add(jnp.multiply(jnp.multiply(xc, lax.rsqrt(jnp.add(v, 1e-5))), g), b);
}

describe("fusion decisions", () => {
  it("x*x + x*2 is one flat kernel", () => {
    const p = checkFn((x: JaxArray) => x.mul(x).add(x.mul(2)), [[[1000], "float32"]]);
    expect(census(p)).toEqual({ kernels: 1, eqns: [] });
  });
  it("an MLP layer: the matmul is the backend's, bias + tanh one kernel", () => {
    const layer = (x: JaxArray, w: JaxArray, b: JaxArray) => jnp.tanh(jnp.add(jnp.dot(x, w), b));
    const p = checkFn(layer, [[[8, 16], "float32"], [[16, 5], "float32"], [[5], "float32"]], { ulps: 4, ...TOL });
    expect(census(p)).toEqual({ kernels: 1, eqns: ["dot_general"] });
  });
  it("softmax: max, exp (read by two consumers, so materialized), sum, divide", () => {
    const p = checkFn(softmax, [[[6, 37], "float32"]], TOL);
    expect(census(p).kernels).toBe(4);
    expect(census(p).eqns).toEqual([]);
  });
  it("logsumexp: a max kernel and a sum kernel with exp prologue and log epilogue", () => {
    const p = checkFn(logsumexp, [[[6, 37], "float32"]], TOL);
    expect(census(p).kernels).toBe(2);
  });
  it("layer norm: mean, variance (recomputing the cheap centering), normalize", () => {
    const p = checkFn(layerNorm, [[[5, 24], "float32"], [[24], "float32"], [[24], "float32"]], { rtol: 1e-5, atol: 1e-5 });
    expect(census(p).kernels).toBe(3);
  });
  it("nested jit fuses across the boundary", () => {
    const inner = jit((x: JaxArray) => jnp.multiply(jnp.sin(x), 2));
    const outer = (x: JaxArray) => jnp.add(inner(x), inner(jnp.negative(x)));
    const p = checkFn(outer, [[[33], "float32"]], { ulps: 4, atol: 1e-7 });
    expect(census(p).kernels).toBe(1);
  });
  it("several outputs of one shape share a kernel", () => {
    const f = (x: JaxArray, y: JaxArray) => [jnp.sin(x), jnp.multiply(x, y), jnp.negative(y)];
    const p = checkFn(f, [[[21], "float32"], [[21], "float32"]], { ulps: 4, atol: 1e-7 });
    expect(census(p).kernels).toBe(1);
  });
  it("an expensive value read through a broadcast is materialized first", () => {
    const f = (x: JaxArray, y: JaxArray) => jnp.add(y, jnp.expandDims(jnp.exp(x), 0));
    const p = checkFn(f, [[[9], "float32"], [[4, 9], "float32"]], { ulps: 4 });
    expect(census(p).kernels).toBe(2);
    const g = (x: JaxArray, y: JaxArray) => jnp.add(y, jnp.expandDims(jnp.negative(x), 0));
    expect(census(checkFn(g, [[[9], "float32"], [[4, 9], "float32"]])).kernels).toBe(1);
  });
  it("equations the compiler does not lower split the fusion", () => {
    const f = (x: JaxArray) => jnp.multiply(jnp.sort(jnp.abs(x)), 3);
    const p = checkFn(f, [[[17], "float32"]], TOL);
    expect(census(p)).toEqual({ kernels: 2, eqns: ["sort"] });
  });
  it("a sum of many arrays stays within the buffer limit per kernel", () => {
    const n = 20;
    const f = (...xs: JaxArray[]) => xs.reduce((a, b) => jnp.add(a, b));
    const p = checkFn(f, Array.from({ length: n }, () => [[13], "float32"] as [number[], "float32"]), TOL);
    for (const s of p.steps) if (s.kind === "kernel") expect(s.inputs.length + s.outputs.length).toBeLessThanOrEqual(14);
    expect(census(p).kernels).toBeGreaterThan(1);
  });
  it("a long unrolled chain is one kernel (no recursion limits)", () => {
    const f = (x: JaxArray) => {
      let y = x;
      for (let i = 0; i < 3000; i++) y = jnp.add(jnp.multiply(y, 0.5), x);
      return y;
    };
    const p = checkFn(f, [[[21], "float32"]]);
    expect(census(p).kernels).toBe(1);
  });
  it("special functions the SIMD math library lacks are the backend's", () => {
    for (const d of ["float32", "float64"] as const) {
      for (const fn of ["erf", "lgamma", "digamma"] as const) {
        const p = checkFn((x: JaxArray) => jnp.multiply(bind(primitives[fn], [x])[0]!, 2), [[[9], d]], { ulps: 4, lo: 0.1, hi: 5 });
        const offered = WasmMath.offers(fn, d === "float32" ? "f32" : "f64");
        expect(census(p)).toEqual(offered ? { kernels: 1, eqns: [] } : { kernels: 1, eqns: [fn] });
      }
    }
  });
  it("constants and iota need no inputs", () => {
    const p = checkFn(() => [lax.full([5, 7], 3.5, "float32"), lax.iota("int32", 11)], []);
    expect(census(p).kernels).toBe(2);
  });
  it("jaxpr outputs that are inputs or literals need no kernel", () => {
    const p = checkFn((x: JaxArray) => [x, stopGradient(x)], [[[3], "float32"]]);
    expect(census(p).kernels).toBe(0);
  });
});

describe("threefry2x32", () => {
  const tf = (...xs: JaxArray[]) => bind(primitives.threefry2x32, xs);
  it("matches the reference bit for bit", () => {
    const p = checkFn(tf, [[[37], "uint32"], [[37], "uint32"], [[37], "uint32"], [[37], "uint32"]]);
    expect(census(p).kernels).toBe(1);
    checkFn(tf, [[[], "uint32"], [[], "uint32"], [[], "uint32"], [[], "uint32"]]);
  });
  it("random.uniform and random.normal fuse their bit manipulation", () => {
    const u = (k: JaxArray) => random.uniform(k, [5, 7]);
    checkFn(u, [[[2], "uint32"]]);
    const n = (k: JaxArray) => random.normal(k, [33]);
    checkFn(n, [[[2], "uint32"]], { ulps: 8, atol: 1e-6 });
  });
});
