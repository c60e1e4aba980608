// lax.scan and lax.map: against the same loops written in JS, jit ≡ eager, vmap ≡ a loop of
// single calls, derivatives of orders 1 and 2 in both modes against finite differences (and an
// RNN's gradient against float64 central differences), JAX's errors and the printed jaxpr.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, jit, jvp, linearize, makeJaxpr, vjp, vmap, numpy as jnp, lax, ValueError } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { randArray, stack, take0 } from "../util/laws.js";

type Pair = [JArray, JArray];

describe("scan", () => {
  it("matches a JS loop: running sums and products, reverse, a pytree carry, ys, and xs = null", () => {
    const xs = randArray([5, 3], 1);
    const rows = xs.tolist() as number[][];
    const f = (c: { s: JArray; p: JArray }, x: JArray) =>
      [{ s: jnp.add(c.s, x), p: jnp.multiply(c.p, x) }, [c.s, jnp.sum(x)]] as [{ s: JArray; p: JArray }, Pair];
    for (const reverse of [false, true]) {
      const [c, [ys0, ys1]] = lax.scan(f, { s: jnp.zeros([3]), p: jnp.ones([3]) }, xs, { reverse });
      let s = [0, 0, 0];
      let pr = [1, 1, 1];
      const y0: number[][] = [];
      const y1: number[] = [];
      const order = reverse ? [4, 3, 2, 1, 0] : [0, 1, 2, 3, 4];
      for (const i of order) {
        y0[i] = [...s];
        y1[i] = rows[i]!.reduce((a, b) => a + b, 0);
        s = s.map((v, k) => Math.fround(v + rows[i]![k]!));
        pr = pr.map((v, k) => Math.fround(v * rows[i]![k]!));
      }
      expectAllClose(c.s, s);
      expectAllClose(c.p, pr);
      expectAllClose(ys0, y0);
      expectAllClose(ys1, y1, { atol: 1e-6, rtol: 1e-6 });
    }
    // No xs: `length` steps; no ys: null.
    const [n, none] = lax.scan((c: JArray) => [jnp.multiply(c, 2), null] as [JArray, null], jnp.array(1), null, { length: 6 });
    expect(n.item()).toBe(64);
    expect(none).toBe(null);
    // Zero-length scans return the initial carry and empty ys.
    const [c0, y0] = lax.scan((c: JArray, x: JArray) => [jnp.add(c, jnp.sum(x)), x] as Pair, jnp.array(3), jnp.zeros([0, 2]));
    expect(c0.item()).toBe(3);
    expect(y0.shape).toEqual([0, 2]);
  });

  it("lax.map ≡ stacking f over the leading axis", () => {
    const xs = randArray([4, 2, 3], 2);
    const f = (x: JArray) => jnp.sum(jnp.sin(x), { axis: 1 });
    expectAllClose(lax.map(f, xs), stack([0, 1, 2, 3].map((i) => f(take0(xs, i)))));
    expectAllClose(jit((a: JArray) => lax.map(f, a))(xs), lax.map(f, xs));
  });

  it("jit ≡ eager; closures over outer values and jit tracers become consts", () => {
    const w = randArray([3, 3], 3);
    const f = (h0: JArray, xs: JArray, b: JArray) =>
      lax.scan((h: JArray, x: JArray) => {
        const hn = jnp.tanh(jnp.add(jnp.add(jnp.dot(w, h), x), b));
        return [hn, jnp.sum(hn)] as Pair;
      }, h0, xs);
    const args = [randArray([3], 4), randArray([4, 3], 5), randArray([3], 6)] as const;
    const [c1, y1] = f(...args);
    const [c2, y2] = jit(f)(...args);
    expectAllClose(c2, c1);
    expectAllClose(y2, y1);
  });

  it("vmap ≡ loop: batched xs, batched init, batched closed-over consts, and combinations", () => {
    const step = (w: JArray) => (c: JArray, x: JArray) => [jnp.add(jnp.multiply(c, w), x), jnp.multiply(c, x)] as Pair;
    const f = (w: JArray, c0: JArray, xs: JArray) => lax.scan(step(w), c0, xs);
    const W = randArray([3, 2], 7);
    const C = randArray([3, 2], 8);
    const X = randArray([3, 4, 2], 9);
    const cases: [(JArray | null)[], (number | null)[]][] = [
      [[W, C, X], [0, 0, 0]],
      [[W, take0(C, 0), take0(X, 0)], [0, null, null]],
      [[take0(W, 0), C, take0(X, 0)], [null, 0, null]],
      [[take0(W, 0), take0(C, 0), X], [null, null, 0]],
      [[take0(W, 0), take0(C, 0), jnp.moveaxis(X, 0, 2)], [null, null, 2]],
    ];
    for (const [args, inAxes] of cases) {
      const [c, ys] = vmap(f, { inAxes })(...(args as JArray[]));
      const [cj, ysj] = jit(vmap(f, { inAxes }))(...(args as JArray[]));
      for (let b = 0; b < 3; b++) {
        const sl = args.map((a, k) => (inAxes[k] === null ? a! : take0(jnp.moveaxis(a!, inAxes[k]!, 0), b)));
        const [c1, y1] = f(...(sl as [JArray, JArray, JArray]));
        expectAllClose(take0(c, b), c1);
        expectAllClose(take0(ys, b), y1);
        expectAllClose(take0(cj, b), c1);
        expectAllClose(take0(ysj, b), y1);
      }
    }
  });

  it("derivatives of orders 1 and 2, forward and reverse, through consts, carry and xs", () => {
    const f = (w: JArray, c0: JArray, xs: JArray) => {
      const [c, ys] = lax.scan(
        (c: JArray, x: JArray) => [jnp.sin(jnp.add(jnp.multiply(c, w), x)), jnp.multiply(jnp.cos(c), x)] as Pair,
        c0,
        xs,
      );
      return jnp.add(jnp.sum(c), jnp.sum(jnp.multiply(ys, ys)));
    };
    checkGrads(f, [randArray([2], 10), randArray([2], 11), randArray([3, 2], 12)], 2);
    checkGrads(jit(f), [randArray([2], 13), randArray([2], 14), randArray([3, 2], 15)], 1);
    // Reverse scans, ys only, and grad(jit) / jit(grad) agree.
    const g = (xs: JArray) => jnp.sum(lax.scan((c: JArray, x: JArray) => [jnp.multiply(c, x), c] as Pair, jnp.array(1), xs, { reverse: true })[1]);
    const xs = randArray([4], 16);
    checkGrads(g, [xs], 2);
    expectAllClose(grad(jit(g))(xs), grad(g)(xs), { atol: 1e-6, rtol: 1e-6 });
    expectAllClose(jit(grad(g))(xs), grad(g)(xs), { atol: 1e-6, rtol: 1e-6 });
  });

  it("vjp, linearize and vmap of grad through a scan agree with jvp", () => {
    const f = (x: JArray) => lax.scan((c: JArray, xi: JArray) => [jnp.add(jnp.multiply(c, xi), 1), jnp.exp(jnp.multiply(c, 0.1))] as Pair, jnp.array(0.5), x)[1];
    const x = randArray([5], 17);
    const v = randArray([5], 18);
    const u = randArray([5], 19);
    const [, jv] = jvp(f, [x], [v]);
    const [, lin] = linearize(f, x);
    expectAllClose(lin(v), jv, { atol: 1e-6, rtol: 1e-6 });
    const [, pull] = vjp(f, x);
    const [ju] = pull(u);
    // ⟨u, J v⟩ = ⟨Jᵀ u, v⟩
    expect(jnp.vdot(u, jv).item() as number).toBeCloseTo(jnp.vdot(ju, v).item() as number, 4);
    const gs = vmap(grad((a: JArray) => jnp.sum(f(a))))(stack([x, v]));
    expectAllClose(take0(gs, 1), grad((a: JArray) => jnp.sum(f(a)))(v), { atol: 1e-6, rtol: 1e-6 });
  });

  it("errors in JAX's wording", () => {
    expect(() => lax.scan((c: JArray, x: JArray) => [x, x] as Pair, jnp.array(0), jnp.zeros([3, 2]))).toThrow(
      "scan carry output and input must have identical types, got\nDIFFERENT f32[2] vs. f32[].",
    );
    expect(() => lax.scan(((c: JArray) => c) as any, jnp.array(0), jnp.zeros([3]))).toThrow("scan body output must be a pair, got f32[].");
    expect(() => lax.scan((c: JArray, x: JArray[]) => [c, x] as any, jnp.array(0), [jnp.zeros([3]), jnp.zeros([4])])).toThrow(
      new ValueError("scan got values with different leading axis sizes: 3, 4."),
    );
    expect(() => lax.scan((c: JArray, x: JArray) => [c, x] as Pair, jnp.array(0), jnp.zeros([3]), { length: 4 })).toThrow(
      "scan got `length` argument of 4 which disagrees with leading axis sizes [3].",
    );
    expect(() => lax.scan((c: JArray) => [c, c] as Pair, jnp.array(0), null)).toThrow(
      "scan got no values to scan over and `length` not provided.",
    );
    expect(() => lax.scan((c: JArray, x: JArray) => [c, x] as Pair, jnp.array(0), jnp.array(1))).toThrow(
      "scan got value with no leading axis to scan over: f32[].",
    );
    expect(() => lax.scan((c: JArray, x: JArray) => [c, x] as Pair, jnp.array(0), jnp.zeros([2]), { unroll: -1 })).toThrow(
      "`unroll` must be a `bool` or a non-negative `int`.",
    );
  });

  it("prints as JAX prints a scan", () => {
    const f = (xs: JArray) => lax.scan((c: JArray, x: JArray) => [jnp.add(c, x), jnp.sin(c)] as Pair, jnp.array(0, { dtype: "float32" }), xs);
    expect(String(makeJaxpr(f)(jnp.zeros([3])))).toBe(
      [
        "{ lambda ; a:f32[3]. let",
        "    b:f32[] c:f32[3] = scan[",
        "      jaxpr={ lambda ; d:f32[] e:f32[]. let",
        "          f:f32[] = add d e",
        "          g:f32[] = sin d",
        "        in (f, g) }",
        "      length=3",
        "      linear=(False, False)",
        "      numCarry=1",
        "      numConsts=0",
        "      reverse=False",
        "      unroll=1",
        "    ] 0.0:f32[] a",
        "  in (b, c) }",
      ].join("\n"),
    );
  });
});

describe("scan: an RNN's gradient against float64 central differences", () => {
  beforeAll(() => config.update("jax_enable_x64", true));
  afterAll(() => config.update("jax_enable_x64", false));

  it("grad of the loss equals (L(θ + εe) − L(θ − εe)) / 2ε per coordinate", () => {
    const f64 = (x: JArray) => x.astype("float64");
    const params = { W: f64(randArray([3, 3], 20)), U: f64(randArray([3, 2], 21)), b: f64(randArray([3], 22)) };
    const xs = f64(randArray([6, 2], 23));
    const target = f64(randArray([6, 3], 24));
    type P = typeof params;
    const loss = (p: P) => {
      const [, hs] = lax.scan(
        (h: JArray, x: JArray) => {
          const hn = jnp.tanh(jnp.add(jnp.add(jnp.dot(p.W, h), jnp.dot(p.U, x)), p.b));
          return [hn, hn] as Pair;
        },
        jnp.zeros([3], "float64"),
        xs,
      );
      return jnp.sum(jnp.square(jnp.subtract(hs, target)));
    };
    const g = grad(loss)(params) as P;
    const eps = 1e-6;
    for (const key of ["W", "U", "b"] as const) {
      const flat = params[key].dataSync() as Float64Array;
      const num = Array.from(flat, (_, k) => {
        const bump = (s: number) => {
          const d = Float64Array.from(flat);
          d[k]! += s * eps;
          return { ...params, [key]: jnp.reshape(jnp.array(d, { dtype: "float64" }), params[key].shape) };
        };
        return ((loss(bump(1)).item() as number) - (loss(bump(-1)).item() as number)) / (2 * eps);
      });
      expectAllClose(g[key].dataSync(), num, { atol: 1e-7, rtol: 1e-6 });
    }
  });
});
