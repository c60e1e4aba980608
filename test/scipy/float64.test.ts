// jax.scipy in float64 (jax_enable_x64): the float64 branches — log_ndtr's thresholds −20 / 8,
// ndtri and ndtr to float64 accuracy, i0e/i1e's full Chebyshev series, expm's Padé degrees 9 and 13 — against the same SciPy
// fixtures (scripts/gen_scipy_fixtures.py) with float64 tolerances.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, jit, numpy as jnp, scipy } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";
import { fixture, toArray, values } from "./fixture.js";

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const sp = scipy.special;
const f64 = (r: any): JaxArray => toArray(r, "float64");

describe("scipy in float64", () => {
  // log_ndtr: the 3-term series leaves ~1e-12 relative error at x = −25, and log(ndtr(x)) just
  // below the upper threshold 8 loses to the rounding of ndtr near 1 (absolute ~1e-16), as in JAX.
  const cases: [string, (x: JaxArray) => JaxArray, number, number][] = [
    ["ndtr", sp.ndtr, 1e-13, 1e-300],
    ["ndtri", sp.ndtri, 1e-13, 1e-300],
    ["log_ndtr", (x) => sp.logNdtr(x), 1e-11, 3e-16],
    ["logit", sp.logit, 1e-13, 1e-300],
    ["entr", sp.entr, 1e-13, 1e-300],
    ["i0e", sp.i0e, 1e-13, 1e-300],
    ["i1e", sp.i1e, 1e-13, 1e-300],
  ];
  for (const [name, f, rtol, atol] of cases) {
    it(name, () => {
      const c = fixture.special[name];
      const out = f(f64(c.args[0]));
      expect(out.dtype).toBe("float64");
      expectAllClose(jnp.ravel(out), values(c.out), { rtol, atol });
    });
  }
  it("betainc", () => {
    const c = fixture.special.betainc;
    expectAllClose(jnp.ravel(sp.betainc(f64(c.args[0]), f64(c.args[1]), f64(c.args[2]))), values(c.out), { rtol: 1e-11, atol: 1e-14 });
  });
  it("xlogy, xlog1py, betaln, gammainc, gammaincc", () => {
    const fns = [["xlogy", sp.xlogy], ["xlog1py", sp.xlog1py], ["betaln", sp.betaln], ["gammainc", sp.gammainc], ["gammaincc", sp.gammaincc]] as const;
    for (const [name, f] of fns) {
      const c = fixture.special[name];
      expectAllClose(jnp.ravel(f(f64(c.args[0]), f64(c.args[1]))), values(c.out), { rtol: 1e-12, atol: 1e-14, msg: name });
    }
  });
  it("expm: degrees 9/13 and squaring", () => {
    const fx = fixture.linalg;
    expectAllClose(jnp.ravel(scipy.linalg.expm(f64(fx.E))), values(fx.expm), { rtol: 1e-12, atol: 1e-13 });
    expectAllClose(jnp.ravel(jit((m: JaxArray) => scipy.linalg.expm(m))(f64(fx.E_big))), values(fx.expm_big), { rtol: 1e-11, atol: 1e-11 });
  });
  it("norm and multivariate_normal", () => {
    const m = fixture.mvn;
    expectAllClose(scipy.stats.multivariate_normal.logpdf(f64(m.x), f64(m.mean), f64(m.cov)), values(m.logpdf), { rtol: 1e-12 });
    for (const c of fixture.stats.filter((s: any) => s.dist === "norm")) {
      const fn = String(c.fn).replace(/_std$/, "");
      const f = (scipy.stats.norm as Record<string, (...xs: JaxArray[]) => JaxArray>)[fn]!;
      expectAllClose(jnp.ravel(f(...c.args.map(f64))), values(c.out), { rtol: 1e-12, atol: 1e-300, msg: `norm.${c.fn}` });
    }
  });
});
