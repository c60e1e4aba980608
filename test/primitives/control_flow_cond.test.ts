// lax.cond and lax.switch: against JS branches on concrete values, jit ≡ eager, vmap ≡ a loop of
// single calls (a batched predicate selects between both branches), derivatives of orders 1 and
// 2 in both modes against finite differences, JAX's errors and the printed jaxpr.
import { describe, expect, it } from "vitest";
import { grad, jit, jvp, makeJaxpr, vjp, vmap, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { randArray, stack, take0 } from "../util/laws.js";

const i32 = (v: number | number[]) => jnp.array(v, { dtype: "int32" });

const f1 = (x: JArray, y: JArray) => jnp.add(jnp.sin(x), jnp.multiply(y, y));
const f0 = (x: JArray, y: JArray) => jnp.multiply(jnp.cos(y), x);
/** cond on the sign of sum(x), two operands. */
const byCond = (x: JArray, y: JArray) => lax.cond(jnp.greater(jnp.sum(x), 0), f1, f0, x, y);
const byJs = (x: JArray, y: JArray) => ((jnp.sum(x).item() as number) > 0 ? f1(x, y) : f0(x, y));

const branches = [
  (x: JArray) => jnp.sin(x),
  (x: JArray) => jnp.multiply(x, x),
  (x: JArray) => jnp.exp(jnp.multiply(x, 0.5)),
];
const bySwitch = (i: JArray, x: JArray) => lax.switch(i, branches, x);
const switchJs = (i: number, x: JArray) => branches[Math.min(Math.max(i, 0), 2)]!(x);

describe("cond", () => {
  it("matches JS branching on concrete values; pred may be bool, number or JS boolean", () => {
    for (const seed of [1, 2, 3, 4]) {
      const x = randArray([3], seed);
      const y = randArray([3], seed + 10);
      expectAllClose(byCond(x, y), byJs(x, y));
    }
    const x = jnp.array([1, 2]);
    expectAllClose(lax.cond(true, jnp.sin, jnp.cos, x), jnp.sin(x));
    expectAllClose(lax.cond(jnp.array(0), jnp.sin, jnp.cos, x), jnp.cos(x));
    expectAllClose(lax.cond(jnp.array(-2, { dtype: "int32" }), jnp.sin, jnp.cos, x), jnp.sin(x));
    // Pytree operands and outputs; branches with no operands.
    const out = lax.cond(false, (p: { a: JArray; b: JArray }) => ({ s: jnp.add(p.a, p.b) }), (p: { a: JArray; b: JArray }) => ({ s: jnp.subtract(p.a, p.b) }), { a: x, b: jnp.ones([2]) });
    expect(out.s.tolist()).toEqual([0, 1]);
    expect(lax.cond(true, () => jnp.array(1), () => jnp.array(2)).item()).toBe(1);
  });

  it("switch clamps its index into range, as JAX", () => {
    const x = randArray([2], 5);
    for (const i of [-3, 0, 1, 2, 7]) {
      expectAllClose(bySwitch(i32(i), x), switchJs(i, x));
      expectAllClose(jit(bySwitch)(i32(i), x), switchJs(i, x));
    }
    expectAllClose(lax.switch(1, [jnp.sin], x), jnp.sin(x));
  });

  it("jit ≡ eager, with closures over outer values and jit tracers", () => {
    const w = randArray([3], 6);
    const f = (x: JArray, y: JArray) => lax.cond(jnp.less(jnp.sum(y), 0), (a: JArray) => jnp.multiply(a, w), (a: JArray) => jnp.add(a, y), x);
    for (const seed of [7, 8, 9]) {
      const x = randArray([3], seed);
      const y = randArray([3], seed + 3);
      expectAllClose(jit(f)(x, y), f(x, y));
      expectAllClose(jit(byCond)(x, y), byJs(x, y));
    }
  });

  it("vmap ≡ loop: batched predicate (both branches, then select), unbatched predicate, batched index", () => {
    const xs = randArray([4, 3], 11);
    const ys = randArray([4, 3], 12);
    const out = vmap(byCond)(xs, ys);
    const outJ = jit(vmap(byCond))(xs, ys);
    const ref = stack([0, 1, 2, 3].map((b) => byJs(take0(xs, b), take0(ys, b))));
    expectAllClose(out, ref);
    expectAllClose(outJ, ref);
    // Predicate from an unbatched value: the cond stays a cond with batched operands.
    const y0 = take0(ys, 0);
    const unb = vmap((x: JArray) => lax.cond(jnp.greater(jnp.sum(y0), 0), f1, f0, x, y0))(xs);
    const branch = (jnp.sum(y0).item() as number) > 0 ? f1 : f0;
    expectAllClose(unb, stack([0, 1, 2, 3].map((b) => branch(take0(xs, b), y0))));
    expect(makeJaxpr(vmap((x: JArray) => lax.cond(jnp.greater(jnp.sum(y0), 0), f1, f0, x, y0)))(xs).jaxpr.eqns.map((e) => e.primitive.name)).toContain("cond");
    const idx = i32([-1, 0, 1, 2, 3]);
    const x5 = randArray([5, 2], 13);
    const sw = vmap(bySwitch)(idx, x5);
    expectAllClose(sw, stack([-1, 0, 1, 2, 3].map((i, b) => switchJs(i, take0(x5, b)))));
    const swI = vmap((i: JArray) => bySwitch(i, take0(x5, 0)))(idx);
    expectAllClose(swI, stack([-1, 0, 1, 2, 3].map((i) => switchJs(i, take0(x5, 0)))));
  });

  it("derivatives of orders 1 and 2, forward and reverse, on either branch", () => {
    for (const seed of [14, 15, 16]) {
      checkGrads(byCond, [randArray([3], seed), randArray([3], seed + 10)], 2);
    }
    for (const i of [0, 1, 2]) {
      checkGrads((x: JArray) => bySwitch(i32(i), x), [randArray([2], 20 + i)], 2);
    }
    // Closed-over differentiated values become operands of the cond.
    const g = (w: JArray, x: JArray) => lax.cond(jnp.greater(jnp.sum(x), 0), (a: JArray) => jnp.multiply(a, jnp.sin(w)), (a: JArray) => jnp.add(a, w), x);
    checkGrads(g, [randArray([3], 23), randArray([3], 24)], 2);
    checkGrads(jit(g), [randArray([3], 25), randArray([3], 26)], 1);
  });

  it("grad(jit) ≡ jit(grad) ≡ grad, vjp and vmap(grad) through cond", () => {
    const loss = (x: JArray, y: JArray) => jnp.sum(byCond(x, y));
    const x = randArray([3], 27);
    const y = randArray([3], 28);
    const g = grad(loss, { argnums: [0, 1] })(x, y) as JArray[];
    const gj = grad(jit(loss), { argnums: [0, 1] })(x, y) as JArray[];
    const jg = jit(grad(loss, { argnums: [0, 1] }))(x, y) as JArray[];
    [0, 1].forEach((k) => {
      expectAllClose(gj[k], g[k], { atol: 1e-6, rtol: 1e-6 });
      expectAllClose(jg[k], g[k], { atol: 1e-6, rtol: 1e-6 });
    });
    const [, pull] = vjp(byCond, x, y);
    const [, tj] = jvp(byCond, [x, y], [jnp.onesLike(x), jnp.zerosLike(y)]);
    const [ct] = pull(jnp.onesLike(x));
    expect(jnp.sum(tj).item() as number).toBeCloseTo(jnp.sum(ct as JArray).item() as number, 4);
    const xs = randArray([4, 3], 29);
    const gs = vmap(grad(loss), { inAxes: [0, null] })(xs, y);
    for (let b = 0; b < 4; b++) expectAllClose(take0(gs, b), grad(loss)(take0(xs, b), y), { atol: 1e-6, rtol: 1e-6 });
  });

  it("errors in JAX's wording", () => {
    const x = jnp.array([1, 2]);
    expect(() => lax.cond(true, (a: JArray) => a, (a: JArray) => a.astype("int32"), x)).toThrow(
      "true_fun and false_fun output must have identical types, got\nDIFFERENT f32[2] vs. i32[2].",
    );
    expect(() => lax.cond(true, (a: JArray) => [a, a], (a: JArray) => a, x)).toThrow(
      "true_fun and false_fun output must have same type structure",
    );
    expect(() => lax.switch(0, [(a: JArray) => a, (a: JArray) => jnp.sum(a)], x)).toThrow(
      "branch 0 and branch 1 output must have identical types, got\nDIFFERENT f32[2] vs. f32[].",
    );
    expect(() => lax.cond(jnp.array([true, false]), jnp.sin, jnp.cos, x)).toThrow("Pred must be a scalar, got");
    expect(() => lax.cond(true, jnp.sin, 3 as any, x)).toThrow("lax.cond: true_fun and false_fun arguments should be callable.");
    expect(() => lax.switch(jnp.array(1), branches, x)).toThrow("Index type must be an integer");
    expect(() => lax.switch(0, [], x)).toThrow("Empty branch sequence");
  });

  it("Python-style branching on a tracer points to lax.cond", () => {
    expect(() => jit((x: JArray) => (jnp.greater(x, 0) ? x : x))(1.0)).not.toThrow(); // an object is truthy
    expect(() => jit((x: JArray) => (Number(jnp.greater(x, 0)) ? x : x))(1.0)).toThrow("lax.cond");
  });

  it("prints as JAX prints a cond (branches = (false_fun, true_fun))", () => {
    const f = (x: JArray) => lax.cond(jnp.greater(x, 0), jnp.sin, jnp.cos, x);
    expect(String(makeJaxpr(f)(jnp.array(1, { dtype: "float32" })))).toBe(
      [
        "{ lambda ; a:f32[]. let",
        "    b:bool[] = gt a 0.0:f32[]",
        "    c:i32[] = convert_element_type[newDtype=int32 weakType=False] b",
        "    d:f32[] = cond[",
        "      branches=(",
        "        { lambda ; e:f32[]. let f:f32[] = cos e in (f,) }",
        "        { lambda ; g:f32[]. let h:f32[] = sin g in (h,) }",
        "      )",
        "    ] c a",
        "  in (d,) }",
      ].join("\n"),
    );
  });
});
