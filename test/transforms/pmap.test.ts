// pmap: SPMD mapping over the leading axis with a named axis for collectives. Oracles: the same
// computation without collectives (explicit sums over the leading axis), vmap with the axis
// name (pmap's specification), finite differences (checkGrads), and JAX's documented examples
// (normalizing with x / psum(x, 'i')) with the expected values computed by formula.
import { describe, expect, it } from "vitest";
import { deviceCount, devices, grad, jit, lax, localDeviceCount, pmap, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";

// The mapped axis must fit the devices (the Wasm pool's threads); at least 1.
const n = Math.min(deviceCount(), 4);
const xs = jnp.add(jnp.arange(n), 1.5);
const mat = jnp.reshape(jnp.sin(jnp.arange(n * 3)), [n, 3]);
const tile = (v: JArray) => jnp.broadcastTo(v, [n, ...v.shape]);

describe("devices", () => {
  it("one cpu device per thread of the Wasm pool, ids 0..count-1", () => {
    const ds = devices();
    expect(ds.length).toBe(deviceCount());
    expect(localDeviceCount()).toBe(deviceCount());
    expect(ds.map((d) => d.id)).toEqual(Array.from({ length: ds.length }, (_, i) => i));
    for (const d of ds) {
      expect(d.platform).toBe("cpu");
      expect(d.deviceKind).toBe("wasm-thread");
    }
  });
});

describe("pmap semantics", () => {
  it("without collectives it is the map of f over the leading axis", () => {
    expectAllClose(pmap((x: JArray) => jnp.sin(jnp.square(x)))(mat), jnp.sin(jnp.square(mat)));
  });

  it("JAX's docs example: normalizing with x / psum(x, 'i')", () => {
    const normalize = pmap((x: JArray) => jnp.divide(x, lax.psum(x, "i")), { axisName: "i" });
    expectAllClose(normalize(xs), jnp.divide(xs, jnp.sum(xs)));
  });

  it("collectives agree with their explicit reductions, and with vmap given the same name", () => {
    const f = (x: JArray) => [lax.pmean(x, "i"), lax.pmax(x, "i"), lax.allGather(x, "i"), jnp.add(x, lax.axisIndex("i"))];
    const [mean, mx, all, shifted] = pmap(f, { axisName: "i" })(mat);
    expectAllClose(mean, tile(jnp.mean(mat, 0)));
    expectAllClose(mx, tile(jnp.max(mat, 0)));
    expectAllClose(all, tile(mat));
    expectAllClose(shifted, jnp.add(mat, jnp.expandDims(jnp.arange(n), 1)));
    const v = vmap(f, { axisName: "i" })(mat);
    [mean, mx, all, shifted].forEach((o, k) => expectAllClose(o, v[k]));
  });

  it("inAxes, outAxes, and a static broadcasted argument", () => {
    const f = pmap((x: JArray, c: JArray, k: number) => jnp.multiply(lax.psum(x, "i"), jnp.add(c, k)), {
      axisName: "i",
      inAxes: [1, null, null],
      outAxes: 1,
      staticBroadcastedArgnums: 2,
    });
    const c = jnp.array([1, 2, 3]);
    const out = f(jnp.transpose(mat), c, 2);
    expectAllClose(out, jnp.transpose(tile(jnp.multiply(jnp.sum(mat, 0), jnp.add(c, 2)))));
  });

  it("more devices than available: JAX's error", () => {
    const big = jnp.zeros([deviceCount() + 1]);
    const m = deviceCount() + 1;
    expect(() => pmap((x: JArray) => x)(big)).toThrow(
      `compiling computation that requires ${m} logical devices, but only ${deviceCount()} XLA devices are available`,
    );
    expect(() => pmap((x: JArray) => x, { devices: devices().slice(0, 1) })(jnp.zeros([2]))).toThrow(
      "Leading axis size of input to pmapped function must equal the number of local devices passed to pmap",
    );
  });

  it("errors inside f are f's errors; collectives over another name are unbound", () => {
    expect(() => pmap((x: JArray) => lax.psum(x, "j"), { axisName: "i" })(xs)).toThrow(
      "unbound axis name: j. The following axis names (e.g. defined by pmap) are available to collective operations: ['i']",
    );
  });
});

describe("composition", () => {
  const f = (x: JArray) => jnp.multiply(jnp.sin(x), lax.psum(jnp.square(x), "i"));
  // The sum over devices of f, without collectives.
  const total = (v: JArray) => jnp.multiply(jnp.sum(jnp.sin(v)), jnp.sum(jnp.square(v)));
  const pf = pmap(f, { axisName: "i" });

  it("grad of pmap matches finite differences and the non-collective total", () => {
    const loss = (v: JArray) => jnp.sum(pf(v));
    expectAllClose(loss(xs), total(xs), { rtol: 1e-5 });
    expectAllClose(grad(loss)(xs), grad(total)(xs), { rtol: 1e-4 });
    checkGrads(loss, [xs], 2, { modes: ["fwd", "rev"], eps: 1e-2, rtol: 2e-2, atol: 2e-2 });
  });

  it("pmap of grad: each device's gradient of the sum over devices (psum transposes to psum)", () => {
    expectAllClose(pmap(grad(f), { axisName: "i" })(xs), grad(total)(xs), { rtol: 1e-4 });
  });

  it("jit of pmap and pmap of jit", () => {
    const expected = pf(xs);
    expectAllClose(jit(pf)(xs), expected);
    expectAllClose(pmap(jit(f), { axisName: "i" })(xs), expected);
  });

  it("nested pmap/vmap with distinct names", () => {
    const g = pmap(
      vmap((x: JArray) => [lax.psum(x, "i"), lax.psum(x, "j"), lax.psum(x, ["i", "j"])], { axisName: "j" }),
      { axisName: "i" },
    );
    const [si, sj, both] = g(mat);
    expectAllClose(si, tile(jnp.sum(mat, 0)));
    expectAllClose(sj, jnp.broadcastTo(jnp.expandDims(jnp.sum(mat, 1), 1), [n, 3]));
    expectAllClose(both, jnp.broadcastTo(jnp.sum(mat), [n, 3]));
    const h = vmap(pmap((x: JArray) => jnp.divide(x, lax.psum(x, "i")), { axisName: "i" }), { axisName: "b" });
    const m2 = jnp.transpose(mat);
    expectAllClose(h(jnp.abs(m2)), jnp.divide(jnp.abs(m2), jnp.expandDims(jnp.sum(jnp.abs(m2), 1), 1)));
  });
});

describe("README examples", () => {
  it.skipIf(deviceCount() < 2)("normalize, two named axes, and pmap of grad (values by formula)", () => {
    const v = jnp.array([1, 3]);
    const normalize = pmap((x: JArray) => jnp.divide(x, lax.psum(x, "i")), { axisName: "i" });
    expectAllClose(normalize(v), jnp.divide(v, jnp.sum(v)));
    const g = vmap(vmap((x: JArray) => lax.psum(x, ["i", "j"]), { axisName: "j" }), { axisName: "i" });
    expectAllClose(g(jnp.ones([2, 3])), jnp.full([2, 3], 2 * 3));
    // The sum over elements of x_k * psum(x) is S^2, whose gradient is 2S on every element.
    const w = jnp.array([1, 2]);
    const pg = pmap(grad((x: JArray) => jnp.multiply(x, lax.psum(x, "i"))), { axisName: "i" });
    expectAllClose(pg(w), jnp.full([2], 2 * Number(jnp.sum(w))));
  });
});
