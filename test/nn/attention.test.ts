// nn.dotProductAttention against a NumPy per-head implementation (scripts/gen_nn_fixtures.py):
// grouped-query heads, bias, boolean / causal / local-window masks and sequence lengths; the
// rank-3 form; derivatives against central differences; JAX's argument errors.
import { describe, expect, it } from "vitest";
import { jit, nn, numpy as jnp } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { expectRec, fixture, toArray } from "./fixture.js";

const fx = fixture.attention;
const q = toArray(fx.q);
const k = toArray(fx.k);
const v = toArray(fx.v);
const given: Record<string, JaxArray> = {
  bias: toArray(fx.bias),
  mask: toArray(fx.mask),
  querySeqLengths: toArray(fx.query_seq_lengths, "int32"),
  keyValueSeqLengths: toArray(fx.key_value_seq_lengths, "int32"),
};

/** The fixture's options: `true` stands for the fixture's array of that name. */
const optsOf = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).map(([name, val]) => [name, val === true && name in given ? given[name] : val]));

describe("dotProductAttention against NumPy", () => {
  for (const c of fx.cases) {
    it(c.name, () => {
      const opts = optsOf(c.opts);
      expectRec(nn.dotProductAttention(q, k, v, opts), c.out, { atol: 2e-6, rtol: 1e-5 });
      expectRec(jit((a: JaxArray, b: JaxArray, c2: JaxArray) => nn.dotProductAttention(a, b, c2, opts))(q, k, v), c.out, {
        atol: 2e-6,
        rtol: 1e-5,
      });
    });
  }

  it("rank-3 inputs [T, N, H] are one batch", () => {
    const out = nn.dotProductAttention(q.get(0), k.get(0), v.get(0), { isCausal: true });
    expect(out.shape).toEqual([3, 4, 3]);
    expectAllClose(out, nn.dotProductAttention(q, k, v, { isCausal: true }).get(0), { atol: 1e-6 });
  });

  it("derivatives in query, key, value and bias (orders 1 and 2)", () => {
    const f = (a: JaxArray, b: JaxArray, c: JaxArray, bias: JaxArray) =>
      nn.dotProductAttention(a, b, c, { bias, mask: given.mask, isCausal: true });
    checkGrads(f, [q, k, v, given.bias!], 2, { atol: 5e-3, rtol: 5e-3 });
  });

  it("JAX's argument errors", () => {
    expect(() => nn.dotProductAttention(q, k, v.get(":", ":3"))).toThrow("value shape should be (2, 4, 2, 3)");
    expect(() => nn.dotProductAttention(q.get("...", ":2"), k, v)).toThrow("query shape should be (2, -1, -1, 3): but got (2, 3, 4, 2)");
    expect(() => nn.dotProductAttention(jnp.ones([2, 3, 3, 3]), k, v)).toThrow(
      "The number of query heads must be a multiple of key/value heads, but got 3 vs 2",
    );
    expect(() => nn.dotProductAttention(q, k, v, { mask: jnp.ones([1, 1, 3, 4]) })).toThrow("mask dtype should be bool");
    expect(() => nn.dotProductAttention(q, k, v, { implementation: "cudnn" })).toThrow("Unsupported implementation option: cudnn");
  });
});
