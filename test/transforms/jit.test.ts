// jit: traces once per (abstract signature, static arguments) — checked with traceCount — and
// agrees with the un-jitted function (the oracle); static arguments hash like Python's (by value
// for numbers/strings/containers, by identity for functions and objects, arrays refused); pytrees
// in and out; closure constants baked into the trace; jit under grad/vmap capturing the outer
// transformation's tracers; recursion through a jitted function.
import { describe, expect, it } from "vitest";
import { config, grad, jit, jvp, lax, makeJaxpr, random, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { assertClose, randArray } from "../util/laws.js";

const sq = (x: JArray) => jnp.multiply(x, x);

describe("tracing once per abstract signature", () => {
  it("new values of the same shape and dtype reuse the trace", () => {
    let sideEffects = 0;
    const f = jit((x: JArray) => {
      sideEffects++;
      return jnp.sin(sq(x));
    });
    for (let i = 0; i < 4; i++) {
      const x = randArray([3], i + 1);
      assertClose(f(x), jnp.sin(sq(x)), { atol: 0, rtol: 0 });
    }
    expect(f.traceCount).toBe(1);
    expect(sideEffects).toBe(1); // the JS body ran once: later calls run the compiled jaxpr
  });

  it("a new shape, dtype, weak type or tree structure is a new signature", () => {
    const f = jit((x: unknown) => tree0(x));
    const tree0 = (x: unknown): JArray => (Array.isArray(x) ? jnp.add(tree0(x[0]), tree0(x[1])) : jnp.multiply(x as JArray, 2));
    f(jnp.array([1, 2]));
    f(jnp.array([3, 4]));
    expect(f.traceCount).toBe(1);
    f(jnp.array([1, 2, 3])); // shape
    expect(f.traceCount).toBe(2);
    f(jnp.array([1, 2], { dtype: "int32" })); // dtype
    expect(f.traceCount).toBe(3);
    f(2.0); // weakly typed f32[] (a JS number)
    f(3.0);
    expect(f.traceCount).toBe(4);
    f(lax.full([], 2, "float32")); // strongly typed f32[]
    expect(f.traceCount).toBe(5);
    f([jnp.array([1, 2]), jnp.array([1, 2])]); // structure
    f([jnp.array([5, 6]), jnp.array([7, 8])]);
    expect(f.traceCount).toBe(6);
  });

  it("clearCache forces a retrace; lower returns the jaxpr without running", () => {
    const f = jit(sq);
    f(1.0);
    f.clearCache();
    f(1.0);
    expect(f.traceCount).toBe(2);
    expect(String(f.lower(1.0))).toBe(String(makeJaxpr(sq)(1.0)));
  });

  it("the same jitted function reused inside grad and vmap traces per new signature only", () => {
    const f = jit((x: JArray) => jnp.sin(sq(x)));
    const g = (x: JArray) => lax.reduceSum(f(x), [0]);
    const x = randArray([3], 5);
    grad(g)(x);
    grad(g)(randArray([3], 6));
    expect(f.traceCount).toBe(1);
    vmap(f)(randArray([2, 3], 7)); // per-example shape [3]: the same signature
    expect(f.traceCount).toBe(1);
    vmap(f)(randArray([2, 4], 7));
    expect(f.traceCount).toBe(2);
  });
});

describe("staticArgnums", () => {
  it("static values select the trace; equal values (even new objects) hit the cache", () => {
    const power = jit(
      (x: JArray, n: number, opts: { scale: number }) => {
        let r = x;
        for (let i = 1; i < n; i++) r = jnp.multiply(r, x);
        return jnp.multiply(r, opts.scale);
      },
      { staticArgnums: [1, 2] },
    );
    const x = randArray([2], 3);
    assertClose(power(x, 3, { scale: 2 }), jnp.multiply(jnp.multiply(jnp.multiply(x, x), x), 2), { atol: 0, rtol: 0 });
    power(randArray([2], 4), 3, { scale: 2 });
    expect(power.traceCount).toBe(1);
    assertClose(power(x, 2, { scale: 2 }), jnp.multiply(jnp.multiply(x, x), 2), { atol: 0, rtol: 0 });
    assertClose(power(x, 2, { scale: 3 }), jnp.multiply(jnp.multiply(x, x), 3), { atol: 0, rtol: 0 });
    expect(power.traceCount).toBe(3);
  });

  it("negative indices, strings, NaN/Infinity and null/undefined are distinct static values", () => {
    const f = jit((x: JArray, s: unknown) => (typeof s === "number" ? jnp.multiply(x, s) : s === "cos" ? jnp.cos(x) : x), {
      staticArgnums: -1,
    });
    assertClose(f(1.0, "cos"), jnp.cos(1.0), { atol: 0, rtol: 0 });
    assertClose(f(1.0, "sin"), 1.0, { atol: 0, rtol: 0 });
    expect(Number.isNaN(Number(f(1.0, NaN)))).toBe(true);
    expect(Number(f(1.0, Infinity))).toBe(Infinity);
    expect(Number(f(1.0, -Infinity))).toBe(-Infinity);
    f(1.0, null);
    f(1.0, undefined);
    expect(f.traceCount).toBe(7);
  });

  it("functions and class instances are static by identity (two anonymous arrows differ)", () => {
    const apply = jit((f: (x: JArray) => JArray, x: JArray) => f(x), { staticArgnums: 0 });
    assertClose(apply((x: JArray) => jnp.sin(x), 1.0), jnp.sin(1.0), { atol: 0, rtol: 0 });
    assertClose(apply((x: JArray) => jnp.cos(x), 1.0), jnp.cos(1.0), { atol: 0, rtol: 0 });
    expect(apply.traceCount).toBe(2);
    const fixed = (x: JArray) => jnp.tanh(x);
    apply(fixed, 1.0);
    apply(fixed, 2.0);
    expect(apply.traceCount).toBe(3);
    class Cfg {
      constructor(readonly k: number) {}
    }
    const scaled = jit((x: JArray, c: Cfg) => jnp.multiply(x, c.k), { staticArgnums: 1 });
    assertClose(scaled(1.0, new Cfg(2)), 2.0, { atol: 0, rtol: 0 });
    assertClose(scaled(1.0, new Cfg(3)), 3.0, { atol: 0, rtol: 0 });
  });

  it("an Array as a static argument is refused (not hashable, as in JAX)", () => {
    const f = jit((x: JArray, s: JArray) => jnp.multiply(x, s), { staticArgnums: 1 });
    expect(() => f(1.0, jnp.array([2]))).toThrow(/^Non-hashable static arguments are not supported/);
  });

  it("makeJaxpr takes staticArgnums too (negative included)", () => {
    const f = (x: JArray, n: number) => jnp.multiply(x, n);
    expect(String(makeJaxpr(f, { staticArgnums: -1 })(1.0, 3))).toBe(String(makeJaxpr(f, { staticArgnums: 1 })(1.0, 3)));
  });
});

describe("pytrees in and out", () => {
  it("objects and arrays of arrays and numbers, outputs of any structure", () => {
    const f = (p: { w: JArray; b: [JArray, number] }, x: JArray) => ({
      y: jnp.add(jnp.multiply(p.w, x), p.b[0]),
      parts: [jnp.sin(x), p.b[1]],
      none: null,
    });
    const p = { w: randArray([3], 1), b: [randArray([3], 2), 0.5] as [JArray, number] };
    const x = randArray([3], 3);
    const got = jit(f)(p, x) as { y: JArray; parts: JArray[]; none: null };
    const want = f(p, x);
    assertClose(got.y, want.y, { atol: 0, rtol: 0 });
    assertClose(got.parts[0], want.parts[0], { atol: 0, rtol: 0 });
    assertClose(got.parts[1], 0.5, { atol: 0, rtol: 0 });
    expect(got.none).toBeNull();
  });

  it("returning inputs, constants and the same value twice", () => {
    const c = randArray([2], 9);
    const f = jit((x: JArray) => {
      const y = jnp.sin(x);
      return [x, y, y, c, 3.5];
    });
    const x = randArray([2], 4);
    const [a, b, b2, cc, k] = f(x) as JArray[];
    assertClose(a, x, { atol: 0, rtol: 0 });
    assertClose(b, jnp.sin(x), { atol: 0, rtol: 0 });
    assertClose(b2, b, { atol: 0, rtol: 0 });
    assertClose(cc, c, { atol: 0, rtol: 0 });
    assertClose(k, 3.5, { atol: 0, rtol: 0 });
    expect(jit(() => c)().shape).toEqual([2]);
  });
});

describe("closures", () => {
  it("captured arrays become constants of the trace (and stay baked in, as in JAX)", () => {
    let c = jnp.array([1, 2, 3]);
    const f = jit((x: JArray) => jnp.multiply(x, c));
    assertClose(f(jnp.array([2, 2, 2])), jnp.array([2, 4, 6]), { atol: 0, rtol: 0 });
    expect(makeJaxpr((x: JArray) => jnp.multiply(x, c))(jnp.array([2, 2, 2])).jaxpr.constvars.length).toBe(1);
    c = jnp.array([10, 10, 10]);
    // The cached trace still holds the old constant: JAX documents the same caching semantics.
    assertClose(f(jnp.array([2, 2, 2])), jnp.array([2, 4, 6]), { atol: 0, rtol: 0 });
    f.clearCache();
    assertClose(f(jnp.array([2, 2, 2])), jnp.array([20, 20, 20]), { atol: 0, rtol: 0 });
  });

  it("jit under grad capturing the outer tracer differentiates through the capture", () => {
    // h(x) = g(x) + g(2) with g(y) = y·x: h = x² + 2x, h' = 2x + 2.
    const h = (x: JArray) => {
      const g = jit((y: JArray) => jnp.multiply(y, x));
      return jnp.add(g(x), g(2.0));
    };
    for (const x0 of [3.0, -1.25]) {
      assertClose(grad(h)(x0), 2 * x0 + 2, { atol: 1e-6, rtol: 1e-6 });
      assertClose(jit(grad(h))(x0), 2 * x0 + 2, { atol: 1e-6, rtol: 1e-6 });
      assertClose(grad(grad(h))(x0), 2, { atol: 1e-6, rtol: 1e-6 });
    }
    // Against the same function without jit, through jvp as well.
    const hNoJit = (x: JArray) => jnp.add(jnp.multiply(x, x), jnp.multiply(2.0, x));
    assertClose(jvp(h, [1.5], [1.0]), jvp(hNoJit, [1.5], [1.0]), { atol: 1e-6, rtol: 1e-6 });
  });

  it("jit under vmap capturing the batched value", () => {
    const xs = randArray([4], 8);
    const got = vmap((x: JArray) => jit((y: JArray) => jnp.multiply(jnp.sin(y), x))(2.0))(xs);
    assertClose(got, jnp.multiply(jnp.sin(2.0), xs), { atol: 1e-7, rtol: 1e-6 });
  });

  it("a jitted function defined once, closing over a jitted helper", () => {
    const helper = jit((y: JArray) => jnp.tanh(y));
    const outer = jit((x: JArray) => jnp.add(helper(x), helper(jnp.multiply(x, 2))));
    const x = randArray([3], 2);
    assertClose(outer(x), jnp.add(jnp.tanh(x), jnp.tanh(jnp.multiply(x, 2))), { atol: 1e-7, rtol: 1e-6 });
    expect(helper.traceCount).toBe(1);
  });
});

describe("recursion", () => {
  // r(x, n) = x + r(sin x, n - 1), r(x, 0) = x; the jitted function calls itself.
  const rec: (x: JArray | number, n: number) => JArray = jit(
    (x: JArray, n: number): JArray => (n === 0 ? x : jnp.add(rec(jnp.sin(x), n - 1), x)),
    { staticArgnums: 1 },
  );
  const plain = (x: JArray | number, n: number): JArray => (n === 0 ? jnp.asarray(x) : jnp.add(plain(jnp.sin(x), n - 1), x));

  it("values and gradients equal the un-jitted recursion", () => {
    assertClose(rec(0.7, 4), plain(0.7, 4), { atol: 1e-6, rtol: 1e-6 });
    assertClose(grad((x: JArray) => rec(x, 4))(0.7), grad((x: JArray) => plain(x, 4))(0.7), { atol: 1e-6, rtol: 1e-6 });
    assertClose(
      vmap(grad((x: JArray) => rec(x, 3)))(jnp.array([0.1, 0.5, -1])),
      vmap(grad((x: JArray) => plain(x, 3)))(jnp.array([0.1, 0.5, -1])),
      { atol: 1e-6, rtol: 1e-6 },
    );
  });
});

describe("config in the cache key", () => {
  it("changing jax_threefry_partitionable retraces a jitted sampler (as JAX does)", () => {
    const before = config.read("jax_threefry_partitionable");
    const f = jit((k: random.KeyArray) => random.uniform(k, [3]));
    const key = random.key(0);
    try {
      config.update("jax_threefry_partitionable", true);
      const a = f(key) as JArray;
      expect(a.tolist()).toEqual(random.uniform(key, [3]).tolist());
      config.update("jax_threefry_partitionable", false);
      const b = f(key) as JArray;
      expect(b.tolist()).toEqual(random.uniform(key, [3]).tolist());
      expect(b.tolist()).not.toEqual(a.tolist());
      expect(f.traceCount).toBe(2);
    } finally {
      config.update("jax_threefry_partitionable", before);
    }
  });
});
