// Control flow composed: nested constructs under nested transformations (scan inside cond inside
// jit inside vmap, and the other ways round) against eager loops and finite differences; staged
// jaxprs (with their nested jaxprs) type-check; identical traces share one jaxpr; the README's
// control-flow examples.
import { describe, expect, it } from "vitest";
import { grad, hessian, jacfwd, jacrev, jit, jvp, makeJaxpr, vmap, numpy as jnp, lax, ClosedJaxpr, Jaxpr } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { typecheckJaxpr } from "../../src/ir/jaxpr.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { randArray, stack, take0 } from "../util/laws.js";

type Pair = [JArray, JArray];
const i32 = (v: number | number[]) => jnp.array(v, { dtype: "int32" });

/** A scan inside a cond: positive inputs run a small recurrence, others a closed form. */
function nested(x: JArray, w: JArray): JArray {
  return lax.cond(
    jnp.greater(jnp.sum(x), 0),
    (a: JArray) => lax.scan((c: JArray, xi: JArray) => [jnp.tanh(jnp.add(jnp.multiply(c, w), xi)), c] as Pair, jnp.zeros([2]), a)[0],
    (a: JArray) => jnp.multiply(jnp.sum(a, { axis: 0 }), w),
    x,
  );
}

/** The same computation with JS control flow on concrete values. */
function nestedJs(x: JArray, w: JArray): JArray {
  if ((jnp.sum(x).item() as number) > 0) {
    let c = jnp.zeros([2]);
    for (let i = 0; i < x.shape[0]!; i++) c = jnp.tanh(jnp.add(jnp.multiply(c, w), take0(x, i)));
    return c;
  }
  return jnp.multiply(jnp.sum(x, { axis: 0 }), w);
}

/** Every jaxpr nested in `j`'s equations (branches, bodies, conds), recursively. */
function allJaxprs(j: Jaxpr): Jaxpr[] {
  const out = [j];
  for (const e of j.eqns) {
    for (const v of Object.values(e.params)) {
      const items = Array.isArray(v) ? v : [v];
      for (const it of items) {
        if (it instanceof ClosedJaxpr) out.push(...allJaxprs(it.jaxpr));
        else if (it instanceof Jaxpr) out.push(...allJaxprs(it));
      }
    }
  }
  return out;
}

describe("nested control flow", () => {
  it("scan inside cond inside jit inside vmap ≡ JS control flow, per example", () => {
    const xs = jnp.stack([randArray([3, 2], 1), jnp.negative(jnp.abs(randArray([3, 2], 2))), jnp.abs(randArray([3, 2], 3))]);
    const w = randArray([2], 4);
    const out = vmap(jit(nested), { inAxes: [0, null] })(xs, w);
    expectAllClose(out, stack([0, 1, 2].map((b) => nestedJs(take0(xs, b), w))));
    const outW = vmap(jit(nested), { inAxes: [null, 0] })(take0(xs, 0), stack([w, jnp.negative(w)]));
    expectAllClose(outW, stack([nestedJs(take0(xs, 0), w), nestedJs(take0(xs, 0), jnp.negative(w))]));
  });

  it("differentiates through the nesting: checkGrads, and vmap(grad) ≡ a loop of grad", () => {
    const loss = (x: JArray, w: JArray) => jnp.sum(jnp.square(nested(x, w)));
    checkGrads(loss, [jnp.abs(randArray([3, 2], 5)), randArray([2], 6)], 2);
    checkGrads(loss, [jnp.negative(jnp.abs(randArray([3, 2], 7))), randArray([2], 8)], 1);
    const xs = jnp.stack([jnp.abs(randArray([3, 2], 9)), jnp.negative(jnp.abs(randArray([3, 2], 10)))]);
    const w = randArray([2], 11);
    const gs = vmap(jit(grad(loss, { argnums: 1 })), { inAxes: [0, null] })(xs, w);
    for (let b = 0; b < 2; b++) expectAllClose(take0(gs, b), grad(loss, { argnums: 1 })(take0(xs, b), w), { atol: 1e-6, rtol: 1e-6 });
  });

  it("cond and a while inside a scan; a scan inside a scan; fori inside cond", () => {
    // Piecewise dynamics: each step picks a branch on the carry.
    const piecewise = (x0: JArray, xs: JArray) =>
      lax.scan((c: JArray, x: JArray) => {
        const n = lax.cond(jnp.greater(c, 0), (a: JArray) => jnp.subtract(a, x), (a: JArray) => jnp.add(jnp.multiply(a, 0.5), x), c);
        return [n, n] as Pair;
      }, x0, xs);
    const x0 = jnp.array(0.3);
    const xs = randArray([6], 12);
    const [c, ys] = piecewise(x0, xs);
    let cj = 0.3;
    const yj: number[] = [];
    for (const x of xs.tolist() as number[]) {
      cj = cj > 0 ? Math.fround(cj - x) : Math.fround(Math.fround(cj * 0.5) + x);
      yj.push(cj);
    }
    expectAllClose(c, cj, { atol: 1e-6, rtol: 1e-6 });
    expectAllClose(ys, yj, { atol: 1e-6, rtol: 1e-6 });
    checkGrads(piecewise, [x0, xs], 2);
    // A while loop per step (forward mode only).
    const halvings = (xs: JArray) =>
      lax.scan((s: JArray, x: JArray) => {
        const v = lax.whileLoop((v: JArray) => jnp.greater(jnp.abs(v), 0.25), (v: JArray) => jnp.multiply(v, 0.5), x);
        return [jnp.add(s, v), v] as Pair;
      }, jnp.array(0), xs);
    const hx = randArray([5], 13);
    const [, hv] = halvings(hx);
    expectAllClose(hv, (hx.tolist() as number[]).map((v) => { while (Math.abs(v) > 0.25) v *= 0.5; return v; }));
    checkGrads(halvings, [hx], 2, { modes: ["fwd"] });
    // scan of scan (an outer product of running sums), and fori inside cond.
    const outer = (a: JArray) =>
      lax.scan((c: JArray, ai: JArray) => [c, lax.scan((d: JArray, b: JArray) => [jnp.add(d, jnp.multiply(ai, b)), d] as Pair, jnp.array(0), a)[1]] as Pair, jnp.array(0), a)[1];
    const a = randArray([4], 14);
    const av = a.tolist() as number[];
    expectAllClose(outer(a), av.map((ai) => { let d = 0; return av.map((b) => { const r = d; d = Math.fround(d + Math.fround(ai * b)); return r; }); }), { atol: 1e-6, rtol: 1e-6 });
    checkGrads(outer, [a], 2);
    const fc = (x: JArray) => lax.cond(jnp.greater(x, 0), (v: JArray) => lax.foriLoop(0, 3, (_i, u: JArray) => jnp.sin(u), v), jnp.negative, x);
    checkGrads(fc, [jnp.array(0.7)], 2);
    checkGrads(fc, [jnp.array(-0.7)], 2);
  });

  it("hessian, jacfwd and jacrev through scan and cond agree", () => {
    const f = (x: JArray) => jnp.sum(lax.scan((c: JArray, xi: JArray) => [jnp.add(jnp.multiply(c, xi), jnp.sin(xi)), c] as Pair, jnp.array(1), x)[1]);
    const x = randArray([3], 15);
    expectAllClose(jacfwd(grad(f))(x), jacrev(grad(f))(x), { atol: 1e-5, rtol: 1e-5 });
    expectAllClose(hessian(f)(x), jacrev(jacfwd(f))(x), { atol: 1e-5, rtol: 1e-5 });
    const g = (x: JArray) => lax.cond(jnp.greater(x.get(0), 0), (v: JArray) => jnp.prod(v), (v: JArray) => jnp.sum(jnp.exp(v)), x);
    expectAllClose(hessian(g)(x), jacfwd(jacrev(g))(x), { atol: 1e-5, rtol: 1e-5 });
  });

  it("edge cases of differentiation: constant branches, per-branch consts, integer carries and ys, a while in a branch", () => {
    // A branch ignoring its operand has a zero tangent (instantiated to match the other branch).
    const c1 = (x: JArray) => lax.cond(jnp.greater(jnp.sum(x), 0), jnp.sin, () => jnp.ones([3]), x);
    checkGrads(c1, [jnp.abs(randArray([3], 18))], 2);
    checkGrads(c1, [jnp.negative(jnp.abs(randArray([3], 18)))], 2);
    // Branches closing over different values (one of them differentiated).
    const w1 = randArray([3], 19);
    const c2 = (w: JArray, x: JArray) =>
      lax.cond(jnp.greater(jnp.sum(x), 0), (a: JArray) => jnp.multiply(a, w), (a: JArray) => jnp.multiply(jnp.add(a, w1), jnp.sum(w)), x);
    checkGrads(c2, [randArray([3], 20), jnp.negative(jnp.abs(randArray([3], 21)))], 2);
    checkGrads(jit(c2), [randArray([3], 22), jnp.abs(randArray([3], 23))], 1);
    // Integer carries and ys ride along without tangents.
    const s1 = (x: JArray) => {
      const [c, [ys, ks]] = lax.scan(
        (c: Pair, xi: JArray) => [[jnp.add(c[0], 1), jnp.multiply(c[1], xi)], [c[1], c[0]]] as [Pair, Pair],
        [i32(0), jnp.array(1)] as Pair,
        x,
      );
      return jnp.add(jnp.sum(ys), jnp.multiply(c[1], jnp.sum(ks.astype("float32"))));
    };
    checkGrads(s1, [randArray([4], 24)], 2);
    // A while loop in a branch: reverse mode works when the loop does not depend on the input
    // (d/dx x·8 = 8) and raises JAX's error when it does; forward mode works either way.
    const doubling = (v: JArray) => lax.whileLoop((u: JArray) => jnp.less(u, 5), (u: JArray) => jnp.multiply(u, 2), v);
    const w2 = (x: JArray) => lax.cond(jnp.greater(x, 0), (a: JArray) => jnp.multiply(a, doubling(jnp.array(1))), (a: JArray) => a, x);
    expect(grad(w2)(1.0).item()).toBe(8);
    expect(grad(jit(w2))(1.0).item()).toBe(8);
    const w3 = (x: JArray) => lax.cond(jnp.greater(x, 0), doubling, (a: JArray) => a, x);
    expect(() => grad(w3)(1.0)).toThrow("Reverse-mode differentiation does not work for lax.while_loop");
    expect(jacfwd(w3)(1.0).item()).toBe(8);
    // vmap(grad) through switch with a batched index.
    const br = [jnp.sin, jnp.cos, (a: JArray) => jnp.multiply(a, a)];
    const gi = vmap(grad((i: JArray, x: JArray) => lax.switch(i, br, x), { argnums: 1 }))(i32([0, 1, 2]), jnp.array([0.3, 0.4, 0.5]));
    expectAllClose(gi, [Math.cos(0.3), -Math.sin(0.4), 1.0], { atol: 1e-6, rtol: 1e-6 });
  });

  it("staged jaxprs and all their nested jaxprs type-check, under every transformation", () => {
    const loss = (x: JArray, w: JArray) => jnp.sum(jnp.square(nested(x, w)));
    const x = randArray([3, 2], 16);
    const w = randArray([2], 17);
    const loopy = (v: JArray, n: JArray) => lax.foriLoop(i32(0), n, (_i, u: JArray) => jnp.sin(u), v);
    const traced = [
      makeJaxpr(loss)(x, w),
      makeJaxpr(grad(loss))(x, w),
      makeJaxpr(vmap(grad(loss), { inAxes: [0, null] }))(jnp.stack([x, x]), w),
      makeJaxpr((a: JArray, b: JArray) => jvp(loss, [a, b], [a, b]))(x, w),
      makeJaxpr(vmap(loopy))(jnp.stack([w, w]), i32([2, 3])),
      makeJaxpr(jacfwd((v: JArray) => loopy(v, i32(3))))(w),
    ];
    for (const cj of traced) for (const j of allJaxprs(cj.jaxpr)) expect(() => typecheckJaxpr(j)).not.toThrow();
  });

  it("structurally identical traces share one jaxpr (eager calls reuse compiled code)", () => {
    const branchesOf = (x: JArray) => {
      const cj = makeJaxpr((v: JArray) => lax.cond(jnp.greater(v, 0), (a: JArray) => jnp.sin(a), (a: JArray) => jnp.cos(a), v))(x);
      return (cj.jaxpr.eqns.find((e) => e.primitive.name === "cond")!.params as { branches: ClosedJaxpr[] }).branches;
    };
    const b1 = branchesOf(jnp.array(1));
    const b2 = branchesOf(jnp.array(2));
    expect(b1[0]!.jaxpr).toBe(b2[0]!.jaxpr);
    expect(b1[1]!.jaxpr).toBe(b2[1]!.jaxpr);
    // Traces that print alike but differ (the sign of a zero literal) stay distinct.
    const recip = (z: number) => lax.cond(true, (a: JArray) => jnp.divide(1, jnp.multiply(a, z)), (a: JArray) => a, jnp.array(2));
    expect(recip(0).item()).toBe(Infinity);
    expect(recip(-0).item()).toBe(-Infinity);
  });
});

describe("README: control flow examples", () => {
  it("each example computes what the README says", () => {
    const x = jnp.array([[1, 2], [3, 4]]);
    const v = jnp.array([1, 2, 3]);
    const s = jnp.array(0.5);
    expectAllClose(lax.cond(jnp.greater(s, 0), jnp.sin, jnp.cos, s), jnp.sin(s));
    const [f, g, h] = [jnp.sin, jnp.cos, jnp.exp];
    expectAllClose(lax.switch(i32(5), [f, g, h], s), h(s));
    expect(lax.whileLoop((u: JArray) => jnp.less(u, 10), (u: JArray) => jnp.multiply(u, 2), 1 as unknown as JArray).item()).toBe(16);
    expect(lax.foriLoop(0, 4, (i, u: JArray) => jnp.add(u, i), i32(0)).item()).toBe(6);
    const [c, ys] = lax.scan((c: JArray, xi: JArray) => [jnp.add(c, xi), c] as Pair, 0 as unknown as JArray, v);
    expect(c.item()).toBe(6);
    expect(ys.tolist()).toEqual([0, 1, 3]);
    expect(lax.map(jnp.sum, x).tolist()).toEqual([3, 7]);
  });
});
