// lax.whileLoop and lax.foriLoop: against the same loops written in JS on concrete values,
// jit ≡ eager, vmap ≡ a loop of single calls (batched predicates, batched bounds), forward-mode
// derivatives against finite differences, JAX's errors, and the printed jaxpr.
import { describe, expect, it } from "vitest";
import { grad, jit, jvp, linearize, makeJaxpr, vmap, numpy as jnp, lax, ValueError } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { randArray, stack, take0 } from "../util/laws.js";

const i32 = (v: number | number[]) => jnp.array(v, { dtype: "int32" });

/** Halves x until its sum is at most `limit`, counting the steps: a data-dependent trip count. */
function halveUntil(x: JArray, limit: JArray | number): [JArray, JArray] {
  return lax.whileLoop(
    ([, v]: [JArray, JArray]) => jnp.greater(jnp.sum(jnp.abs(v)), limit),
    ([n, v]: [JArray, JArray]) => [jnp.add(n, 1), jnp.multiply(v, 0.5)] as [JArray, JArray],
    [i32(0), x] as [JArray, JArray],
  );
}

function halveUntilJs(x: number[], limit: number): [number, number[]] {
  let n = 0;
  let v = Float32Array.from(x);
  while (v.reduce((s, a) => s + Math.abs(a), 0) > limit) {
    n++;
    v = v.map((a) => a * 0.5);
  }
  return [n, [...v]];
}

describe("whileLoop", () => {
  it("matches a JS while loop on concrete values (data-dependent trip count, pytree carry)", () => {
    for (const data of [[3, -4, 9], [0.1, 0.2, 0.3], [100, 200, -300]]) {
      const [n, v] = halveUntil(jnp.array(data), 1);
      const [nJs, vJs] = halveUntilJs(data, 1);
      expect(n.item()).toBe(nJs);
      expect(n.dtype).toBe("int32");
      expectAllClose(v, vJs);
    }
    // Object carries keep their keys; zero iterations return the initial value.
    const out = lax.whileLoop((c: { a: JArray; b: JArray }) => jnp.less(c.a, 0), (c) => c, { a: jnp.array(1), b: jnp.array([2, 3]) });
    expect(out.a.item()).toBe(1);
    expect(out.b.tolist()).toEqual([2, 3]);
  });

  it("jit ≡ eager, and the loop stays one primitive under jit", () => {
    const f = (x: JArray) => halveUntil(x, 2);
    const x = jnp.array([5, -7, 1.5]);
    const [n1, v1] = f(x);
    const [n2, v2] = jit(f)(x);
    expect(n2.item()).toBe(n1.item());
    expectAllClose(v2, v1);
    const eqns = makeJaxpr(f)(x).jaxpr.eqns.map((e) => e.primitive.name);
    expect(eqns).toContain("while");
  });

  it("closes over outer values, including tracers of enclosing transformations", () => {
    const scale = jnp.array([1, 2, 3]);
    const f = (x: JArray) =>
      lax.whileLoop(
        ([i]: [JArray, JArray]) => jnp.less(i, 3),
        ([i, v]: [JArray, JArray]) => [jnp.add(i, 1), jnp.add(jnp.multiply(v, scale), x)] as [JArray, JArray],
        [i32(0), jnp.zerosLike(scale)] as [JArray, JArray],
      )[1];
    // v ← v·s + x three times from 0: x(1 + s + s²).
    const expected = (x: number) => [1, 2, 3].map((s) => x * (1 + s + s * s));
    expectAllClose(f(jnp.array(2)), expected(2));
    expectAllClose(jit(f)(jnp.array(2)), expected(2));
    const [, t] = jvp(f, [jnp.array(2)], [jnp.array(1)]);
    expectAllClose(t, expected(1));
  });

  it("vmap ≡ loop: batched predicate (lanes finish at different steps) and batched consts", () => {
    const xs = jnp.array([[3, -4, 9], [0.1, 0.2, 0.3], [100, 200, -300], [1, 1, 1]]);
    const limits = jnp.array([1, 0.5, 10, 2]);
    const [n, v] = vmap(halveUntil)(xs, limits);
    const [nu, vu] = vmap((x: JArray) => halveUntil(x, 1))(xs);
    for (let b = 0; b < 4; b++) {
      const [n1, v1] = halveUntil(take0(xs, b), take0(limits, b));
      expect(take0(n, b).item()).toBe(n1.item());
      expectAllClose(take0(v, b), v1);
      const [n2, v2] = halveUntil(take0(xs, b), 1);
      expect(take0(nu, b).item()).toBe(n2.item());
      expectAllClose(take0(vu, b), v2);
    }
    // Only the limit batched: the initial carry is unbatched but the predicate is not.
    const [nl] = vmap((l: JArray) => halveUntil(jnp.array([8, 8]), l))(limits);
    expect(nl.tolist()).toEqual([0, 1, 2, 3].map((b) => halveUntilJs([8, 8], [1, 0.5, 10, 2][b]!)[0]));
  });

  it("vmap with an unbatched predicate keeps unbatched carries unbatched; nested vmap and jit(vmap)", () => {
    const f = (x: JArray) =>
      lax.whileLoop(
        ([i]: [JArray, JArray]) => jnp.less(i, 4),
        ([i, v]: [JArray, JArray]) => [jnp.add(i, 1), jnp.sin(v)] as [JArray, JArray],
        [i32(0), x] as [JArray, JArray],
      );
    const xs = randArray([2, 3], 5);
    const [i, v] = vmap(vmap(f))(xs);
    const [iJ, vJ] = jit(vmap(vmap(f)))(xs);
    let ref = xs;
    for (let k = 0; k < 4; k++) ref = jnp.sin(ref);
    expectAllClose(v, ref);
    expectAllClose(vJ, ref);
    expect(i.tolist()).toEqual([[4, 4, 4], [4, 4, 4]]);
    expect(iJ.tolist()).toEqual(i.tolist());
  });

  it("forward-mode derivatives of orders 1 and 2 match finite differences", () => {
    const f = (x: JArray, y: JArray) =>
      lax.whileLoop(
        ([i]: [JArray, JArray]) => jnp.less(i, 3),
        ([i, v]: [JArray, JArray]) => [jnp.add(i, 1), jnp.add(jnp.sin(jnp.multiply(v, y)), v)] as [JArray, JArray],
        [i32(0), x] as [JArray, JArray],
      )[1];
    checkGrads(f, [randArray([3], 1), randArray([3], 2)], 2, { modes: ["fwd"] });
    checkGrads(jit(f), [randArray([3], 3), randArray([3], 4)], 1, { modes: ["fwd"] });
    // linearize (jvp + partial evaluation) works; only transposition is refused.
    const x = randArray([3], 6);
    const [, lin] = linearize((a: JArray) => f(a, x), x);
    const [, t] = jvp((a: JArray) => f(a, x), [x], [jnp.onesLike(x)]);
    expectAllClose(lin(jnp.onesLike(x)), t, { atol: 1e-6, rtol: 1e-6 });
  });

  it("reverse mode raises JAX's error", () => {
    const f = (x: JArray) =>
      lax.whileLoop((v: JArray) => jnp.less(v, 10), (v: JArray) => jnp.multiply(v, 2), x);
    const msg =
      "Reverse-mode differentiation does not work for lax.while_loop or lax.fori_loop with dynamic start/stop values. " +
      "Try using lax.scan, or using fori_loop with static start/stop.";
    expect(() => grad(f)(1.5)).toThrow(ValueError);
    expect(() => grad(f)(1.5)).toThrow(msg);
    const g = (x: JArray, n: JArray) => lax.foriLoop(i32(0), n, (_i, v: JArray) => jnp.sin(v), x);
    // Traced bounds (under jit) make fori_loop a while loop.
    expect(() => grad(jit(g))(1.0, i32(3))).toThrow(msg);
  });

  it("errors: carry types must be preserved, cond_fun must return a boolean scalar", () => {
    expect(() => lax.whileLoop((v: JArray) => jnp.less(v, 3), (v: JArray) => v.astype("int32"), jnp.array(1))).toThrow(
      "body_fun output and input must have identical types, got\nDIFFERENT i32[] vs. f32[].",
    );
    expect(() =>
      lax.whileLoop(
        (c: JArray[]) => jnp.less(c[0]!, 3),
        (c: JArray[]) => [c[0]!, jnp.stack([c[1]!, c[1]!])],
        [jnp.array(1), jnp.array(2)],
      ),
    ).toThrow("body_fun output and input must have identical types, got\n(f32[], DIFFERENT f32[2] vs. f32[]).");
    expect(() => lax.whileLoop((v: JArray) => jnp.less(v, 3), ((v: JArray) => [v, v]) as any, jnp.array(1))).toThrow(
      "body_fun output and input must have same type structure",
    );
    expect(() => lax.whileLoop((v: JArray) => jnp.less(v, jnp.array([1, 2])), (v: JArray) => v, jnp.array(1))).toThrow(
      "cond_fun must return a boolean scalar, but got output type(s) [bool[2]].",
    );
    expect(() => lax.whileLoop((v: JArray) => v, (v: JArray) => v, jnp.array(1))).toThrow(
      "cond_fun must return a boolean scalar, but got output type(s) [f32[]].",
    );
  });

  it("a weakly typed initial carry takes the body's type (JAX's weak-type promotion)", () => {
    const out = lax.whileLoop((v: JArray) => jnp.less(v, 5), (v: JArray) => jnp.add(v, jnp.array(1.5, { dtype: "float32" })), 0 as unknown as JArray);
    expect(out.dtype).toBe("float32");
    expect(out.weakType).toBe(false);
    expect(out.item()).toBe(6);
  });

  it("prints as JAX prints a while loop", () => {
    const f = (x: JArray) => halveUntil(x, 1)[1];
    expect(String(makeJaxpr(f)(jnp.zeros([2])))).toBe(
      [
        "{ lambda ; a:f32[2]. let",
        "    b:i32[] c:f32[2] = while[",
        "      bodyJaxpr={ lambda ; d:i32[] e:f32[2]. let",
        "          f:i32[] = add d 1:i32[]",
        "          g:f32[2] = mul e 0.5:f32[]",
        "        in (f, g) }",
        "      bodyNconsts=0",
        "      condJaxpr={ lambda ; h:i32[] i:f32[2]. let",
        "          j:f32[2] = abs i",
        "          k:f32[] = reduce_sum[axes=(0,)] j",
        "          l:bool[] = gt k 1.0:f32[]",
        "        in (l,) }",
        "      condNconsts=0",
        "    ] 0:i32[] a",
        "  in (c,) }",
      ].join("\n"),
    );
  });
});

describe("foriLoop", () => {
  const bodyJs = (i: number, v: number) => Math.fround(Math.fround(v * 0.9) + Math.fround(Math.sin(i)));
  const body = (i: JArray, v: JArray) => jnp.add(jnp.multiply(v, 0.9), jnp.sin(i.astype("float32")));

  it("matches a JS for loop, with static and traced bounds, eager and under jit", () => {
    for (const [lo, hi] of [[0, 5], [2, 7], [4, 1], [3, 3]] as const) {
      let ref = 1.5;
      for (let i = lo; i < hi; i++) ref = bodyJs(i, ref);
      expectAllClose(lax.foriLoop(lo, hi, body, jnp.array(1.5)), ref);
      expectAllClose(jit((x: JArray) => lax.foriLoop(lo, hi, body, x))(jnp.array(1.5)), ref);
      const dyn = jit((l: JArray, h: JArray, x: JArray) => lax.foriLoop(l, h, body, x));
      expectAllClose(dyn(i32(lo), i32(hi), jnp.array(1.5)), ref);
    }
  });

  it("lowers to scan with static bounds and to while with traced bounds", () => {
    const prims = (f: (...a: JArray[]) => JArray, ...args: JArray[]) => makeJaxpr(f)(...args).jaxpr.eqns.map((e) => e.primitive.name);
    expect(prims((x) => lax.foriLoop(0, 3, body, x), jnp.array(1))).toContain("scan");
    expect(prims((x, n) => lax.foriLoop(0, n!, body, x), jnp.array(1), i32(3))).toContain("while");
    // Concrete array bounds are static too (they give i their dtype).
    expectAllClose(lax.foriLoop(i32(1), 4, (i, v: JArray) => jnp.add(v, i), i32(0)), 6);
  });

  it("vmap ≡ loop with batched bounds (per-lane trip counts) and batched carries", () => {
    const f = (n: JArray, x: JArray) => lax.foriLoop(i32(1), n, body, x);
    const ns = i32([0, 3, 6, 2]);
    const xs = jnp.array([0.5, -1, 2, 3]);
    const out = vmap(f)(ns, xs);
    const outN = vmap((n: JArray) => f(n, jnp.array(1)))(ns);
    expectAllClose(out, stack([0, 1, 2, 3].map((b) => f(take0(ns, b), take0(xs, b)))));
    expectAllClose(outN, stack([0, 1, 2, 3].map((b) => f(take0(ns, b), jnp.array(1)))));
    expectAllClose(jit(vmap(f))(ns, xs), out);
  });

  it("differentiates in both modes with static bounds, forward mode with traced bounds", () => {
    const f = (x: JArray, w: JArray) => lax.foriLoop(0, 4, (_i, v: JArray) => jnp.tanh(jnp.multiply(v, w)), x);
    checkGrads(f, [randArray([3], 11), randArray([3], 12)], 2);
    const g = (x: JArray) => lax.foriLoop(i32(0), i32(4), (_i, v: JArray) => jnp.tanh(jnp.multiply(v, 1.3)), x);
    checkGrads(g, [randArray([3], 13)], 2, { modes: ["fwd"] });
  });

  it("errors: non-integer bounds, mismatched bound types, unroll with traced bounds", () => {
    expect(() => lax.foriLoop(0, 2.5, body, jnp.array(1))).toThrow("fori_loop bounds must be integers, got 2.5");
    expect(() => jit((n: JArray) => lax.foriLoop(i32(0), n, body, jnp.array(1)))(jnp.array(3, { dtype: "int16" }))).toThrow(
      "lower and upper arguments to fori_loop must have equal types, got int32 and int16",
    );
    expect(() => jit((n: JArray) => lax.foriLoop(0, n, body, jnp.array(1), { unroll: 2 }))(i32(3))).toThrow(
      "Can only use `unroll` in `fori_loop` if the loop bounds are statically known.",
    );
  });
});
