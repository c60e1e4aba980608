// Collectives over named vmap axes. Oracles: the same computation written without collectives
// (explicit sums/max/stack over the mapped axis), finite differences (checkGrads), and for
// differentiation inside the map the gradient of the non-collective total (JAX's pmap rule: the
// transpose of psum is psum, so each element's gradient is that of the sum of all f_k).
import { describe, expect, it } from "vitest";
import { customJvp, grad, jit, lax, makeJaxpr, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

const xs = jnp.array([1.5, -0.5, 2.0, 0.25]);
const mat = jnp.array([
  [1, 2, 3],
  [-4, 5, 0.5],
  [2, -1, 7],
  [0, 3, -2],
]);
const n = 4;
const tile = (v: JArray) => jnp.broadcastTo(v, [n, ...v.shape]);
const named = (f: (...a: any[]) => any, opts: Record<string, unknown> = {}) => vmap(f, { axisName: "i", ...opts });

describe("reductions over a named vmap axis", () => {
  it("psum / pmean / pmax / pmin equal the explicit reduction, on every element", () => {
    expectAllClose(named((x: JArray) => lax.psum(x, "i"))(mat), tile(jnp.sum(mat, 0)));
    expectAllClose(named((x: JArray) => lax.pmean(x, "i"))(mat), tile(jnp.mean(mat, 0)));
    expectAllClose(named((x: JArray) => lax.pmax(x, "i"))(mat), tile(jnp.max(mat, 0)));
    expectAllClose(named((x: JArray) => lax.pmin(x, "i"))(mat), tile(jnp.min(mat, 0)));
  });

  it("JAX's pmap docs example: normalizing with x / psum(x, 'i')", () => {
    expectAllClose(named((x: JArray) => jnp.divide(x, lax.psum(x, "i")))(xs), jnp.divide(xs, jnp.sum(xs)));
  });

  it("mapped along another axis, and over a pytree", () => {
    const f = named((x: JArray) => lax.psum(x, "i"), { inAxes: 1, outAxes: 1 });
    expectAllClose(f(jnp.transpose(mat)), jnp.transpose(tile(jnp.sum(mat, 0))));
    const g = named((t: { a: JArray; b: JArray[] }) => lax.psum(t, "i"));
    const out = g({ a: xs, b: [mat] });
    expectAllClose(out.a, tile(jnp.sum(xs)));
    expectAllClose(out.b[0], tile(jnp.sum(mat, 0)));
  });

  it("an unmapped value: psum multiplies by the axis size, pmax keeps it", () => {
    const y = jnp.array([2, 3]);
    const f = named((x: JArray, c: JArray) => [lax.psum(c, "i"), lax.pmax(c, "i"), jnp.add(x, lax.psum(c, "i"))], {
      inAxes: [0, null],
    });
    const [s, m, z] = f(xs, y);
    expectAllClose(s, tile(jnp.multiply(y, n)));
    expectAllClose(m, tile(y));
    expectAllClose(z, jnp.add(jnp.expandDims(xs, 1), jnp.multiply(y, n)));
  });

  it("nested axes: a tuple of names reduces over both; one name over that axis only", () => {
    const f = vmap(
      vmap((x: JArray) => [lax.psum(x, ["i", "j"]), lax.psum(x, "i"), lax.psum(x, "j")], { axisName: "j" }),
      { axisName: "i" },
    );
    const [both, overI, overJ] = f(mat);
    expectAllClose(both, jnp.broadcastTo(jnp.sum(mat), [4, 3]));
    expectAllClose(overI, tile(jnp.sum(mat, 0)));
    expectAllClose(overJ, jnp.broadcastTo(jnp.expandDims(jnp.sum(mat, 1), 1), [4, 3]));
  });

  it("unbound axis names raise JAX's NameError", () => {
    expect(() => lax.psum(xs, "i")).toThrow("unbound axis name: i. The following axis names (e.g. defined by pmap) are available to collective operations: []");
    expect(() => named((x: JArray) => lax.psum(x, "k"))(xs)).toThrow("unbound axis name: k. The following axis names (e.g. defined by pmap) are available to collective operations: ['i']");
    expect(() => lax.axisIndex("i")).toThrow("unbound axis name: i");
    expect(() => jit((x: JArray) => lax.pmax(x, "i"))(xs)).toThrow("unbound axis name: i");
  });
});

describe("axisIndex, allGather, ppermute, psumScatter", () => {
  it("axisIndex is the position along the axis (int32)", () => {
    const ix = named(() => lax.axisIndex("i"), { axisSize: n })();
    expect(ix.dtype).toBe("int32");
    expect(ix.tolist()).toEqual(jnp.arange(n, { dtype: "int32" }).tolist());
    const sh = named((x: JArray) => jnp.add(x, lax.axisIndex("i")))(xs);
    expectAllClose(sh, jnp.add(xs, jnp.arange(n)));
  });

  it("allGather stacks (or concatenates when tiled) every element's value", () => {
    expectAllClose(named((x: JArray) => lax.allGather(x, "i"))(mat), tile(mat));
    expectAllClose(named((x: JArray) => lax.allGather(x, "i", { axis: 1 }))(mat), tile(jnp.transpose(mat)));
    expectAllClose(named((x: JArray) => lax.allGather(x, "i", { tiled: true }))(mat), tile(jnp.reshape(mat, [12])));
    const y = jnp.array([2, 3]);
    expectAllClose(named((_x: JArray, c: JArray) => lax.allGather(c, "i"), { inAxes: [0, null] })(xs, y), tile(jnp.broadcastTo(y, [n, 2])));
  });

  it("ppermute: a ring shift, and zeros for elements that receive nothing", () => {
    const ring = Array.from({ length: n }, (_, k) => [k, (k + 1) % n] as [number, number]);
    expectAllClose(named((x: JArray) => lax.ppermute(x, "i", ring))(mat), jnp.roll(mat, 1, 0));
    const partial = named((x: JArray) => lax.ppermute(x, "i", [[0, 2]]))(xs);
    expectAllClose(partial, jnp.multiply(jnp.array([0, 0, 1, 0]), xs.get(0)));
    expect(() => named((x: JArray) => lax.ppermute(x, "i", [[0, 1], [2, 1]]))(xs)).toThrow("ppermute sources and destinations must be unique");
  });

  it("psumScatter: element k gets block k of the sum", () => {
    const m4 = jnp.reshape(jnp.arange(n * n * 2), [n, n, 2]);
    const out = named((x: JArray) => lax.psumScatter(x, "i"))(m4);
    expectAllClose(out, jnp.sum(m4, 0));
    const t = named((x: JArray) => lax.psumScatter(x, "i", { scatterDimension: 1, tiled: true }), {})(jnp.reshape(jnp.arange(n * 8), [n, 1, 8]));
    expectAllClose(t, jnp.reshape(jnp.sum(jnp.reshape(jnp.arange(n * 8), [n, 1, 8]), 0), [1, n, 2]).transpose([1, 0, 2]));
  });
});

describe("differentiation", () => {
  const fs: [string, (x: JArray) => JArray, (x: JArray) => JArray][] = [
    // [name, per-element f with collectives, the same total without collectives]
    ["psum", (x) => jnp.multiply(jnp.sin(x), lax.psum(x, "i")), (v) => jnp.multiply(jnp.sum(jnp.sin(v)), jnp.sum(v))],
    ["pmean", (x) => jnp.divide(x, lax.pmean(jnp.exp(x), "i")), (v) => jnp.divide(jnp.sum(v), jnp.mean(jnp.exp(v)))],
    ["pmax", (x) => jnp.multiply(x, lax.pmax(jnp.square(x), "i")), (v) => jnp.multiply(jnp.sum(v), jnp.max(jnp.square(v)))],
    ["pmin", (x) => jnp.multiply(x, lax.pmin(x, "i")), (v) => jnp.multiply(jnp.sum(v), jnp.min(v))],
    ["allGather", (x) => jnp.multiply(x, jnp.sum(jnp.cos(lax.allGather(x, "i")))), (v) => jnp.multiply(jnp.sum(v), jnp.sum(jnp.cos(v)))],
    [
      "ppermute",
      (x) => jnp.multiply(jnp.sin(x), lax.ppermute(x, "i", [[0, 1], [1, 2], [2, 3], [3, 0]])),
      (v) => jnp.sum(jnp.multiply(jnp.sin(v), jnp.roll(v, 1))),
    ],
  ];

  for (const [name, f, total] of fs) {
    it(`${name}: grad of the mapped sum matches finite differences and the non-collective total`, () => {
      const mapped = (v: JArray) => jnp.sum(named(f)(v));
      expectAllClose(mapped(xs), total(xs), { rtol: 1e-5 });
      expectAllClose(grad(mapped)(xs), grad(total)(xs), { rtol: 1e-4, atol: 1e-5 });
      checkGrads(mapped, [xs], 2, { modes: ["fwd", "rev"], eps: 1e-2, rtol: 2e-2, atol: 2e-2 });
    });

    it(`${name}: grad inside the map is the gradient of the sum of every element's f`, () => {
      expectAllClose(named(grad(f))(xs), grad(total)(xs), { rtol: 1e-4, atol: 1e-5 });
    });
  }

  it("grad of sum(psum(x)) under vmap: inside the map each element gets the axis size", () => {
    const f = (x: JArray) => jnp.sum(lax.psum(x, "i"));
    expectAllClose(named(grad(f))(xs), jnp.full([n], n));
    expectAllClose(grad((v: JArray) => jnp.sum(named(f)(v)))(xs), jnp.full([n], n));
  });

  it("psumScatter and axisIndex differentiate as their definitions", () => {
    const m = jnp.reshape(jnp.sin(jnp.arange(n * n)), [n, n]);
    const f = (v: JArray) => jnp.sum(jnp.multiply(named((x: JArray) => lax.psumScatter(jnp.square(x), "i"))(v), jnp.arange(n)));
    const g = (v: JArray) => jnp.sum(jnp.multiply(jnp.sum(jnp.square(v), 0), jnp.arange(n)));
    expectAllClose(grad(f)(m), grad(g)(m), { rtol: 1e-5 });
  });
});

describe("under jit and in jaxprs", () => {
  it("jit inside the named vmap, and jit of the named vmap", () => {
    const inner = jit((x: JArray) => jnp.add(jnp.divide(x, lax.psum(x, "i")), lax.axisIndex("i")));
    const expected = jnp.add(jnp.divide(xs, jnp.sum(xs)), jnp.arange(n));
    expectAllClose(named(inner)(xs), expected);
    expectAllClose(named(inner)(xs), expected);
    expectAllClose(jit(named((x: JArray) => jnp.add(jnp.divide(x, lax.psum(x, "i")), lax.axisIndex("i"))))(xs), expected);
  });

  it("collectives inside scan, cond and customJvp bodies under the named vmap (and their grads)", () => {
    // scan: c <- c + psum(c * x_t) over 3 steps; oracle: the same recurrence on the full array.
    const steps = jnp.array([0.5, -1, 0.25]);
    const viaScan = (v: JArray) =>
      named((x: JArray) => lax.scan((c: JArray, s: JArray) => [jnp.add(c, lax.psum(jnp.multiply(c, jnp.multiply(x, s)), "i")), c], x, steps)[0])(v);
    const direct = (v: JArray) => {
      let c = v;
      for (const s of [0.5, -1, 0.25]) c = jnp.add(c, jnp.sum(jnp.multiply(c, jnp.multiply(v, s))));
      return c;
    };
    expectAllClose(viaScan(xs), direct(xs), { rtol: 1e-5 });
    expectAllClose(grad((v: JArray) => jnp.sum(viaScan(v)))(xs), grad((v: JArray) => jnp.sum(direct(v)))(xs), { rtol: 1e-4 });
    const viaCond = named((x: JArray) => lax.cond(jnp.greater(x, 0), (y: JArray) => lax.psum(y, "i"), (y: JArray) => lax.pmax(y, "i"), x));
    const s = jnp.sum(xs);
    const m = jnp.max(xs);
    expectAllClose(viaCond(xs), jnp.where(jnp.greater(xs, 0), s, m));
    const viaWhile = named((x: JArray) => lax.foriLoop(0, 3, (_i: JArray, c: JArray) => jnp.add(c, jnp.multiply(0.1, lax.psum(c, "i"))), x));
    let c = xs;
    for (let k = 0; k < 3; k++) c = jnp.add(c, jnp.multiply(0.1, jnp.sum(c)));
    expectAllClose(viaWhile(xs), c, { rtol: 1e-5 });
    // customJvp whose primal and rule both use psum: h(x) = x * psum(x).
    const h = customJvp((x: JArray) => jnp.multiply(x, lax.psum(x, "i")));
    h.defjvp(([x]: JArray[], [t]: JArray[]) => [h(x), jnp.add(jnp.multiply(t, lax.psum(x, "i")), jnp.multiply(x, lax.psum(t, "i")))]);
    const total = (v: JArray) => jnp.square(jnp.sum(v));
    expectAllClose(grad((v: JArray) => jnp.sum(named(h)(v)))(xs), grad(total)(xs), { rtol: 1e-5 });
    expectAllClose(named(grad(h))(xs), grad(total)(xs), { rtol: 1e-5 });
  });

  it("makeJaxpr of the per-element function prints psum[axes=('i',)] as JAX does", () => {
    let text = "";
    named((x: JArray) => {
      text = makeJaxpr((y: JArray) => lax.psum(y, "i"))(x).toString();
      return x;
    })(xs);
    expect(text).toBe("{ lambda ; a:f32[]. let b:f32[] = psum[axes=('i',)] a in (b,) }");
  });
});
