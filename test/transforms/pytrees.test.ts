// Pytrees through every transformation, each against an oracle computed another way: grad of
// object/array parameters against argnums over the flattened leaves and against jvp; hasAux and
// valueAndGrad; vmap with inAxes prefix trees and outAxes trees against loops; jacfwd ≡ jacrev on
// pytrees in and out (JAX's nesting: output structure outside, input structure inside); hessian
// of an object; jvp/vjp/linearize on pytrees (⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ summed over leaves); a
// registered class and null leaves.
import { describe, expect, it } from "vitest";
import {
  grad,
  hessian,
  jacfwd,
  jacrev,
  jit,
  jvp,
  lax,
  linearize,
  valueAndGrad,
  vjp,
  vmap,
  numpy as jnp,
  tree,
} from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { assertClose, moveAxis, randArray, stack, stackTrees, sumAll, take0, vdot } from "../util/laws.js";

interface Params {
  w: JArray;
  b: [JArray, JArray];
}
const TOL = { atol: 1e-5, rtol: 1e-4 };

const loss = (p: Params, x: JArray) => {
  const h = jnp.tanh(jnp.add(jnp.multiply(p.w, x), p.b[0]));
  return sumAll(jnp.multiply(jnp.sin(h), p.b[1]));
};
const params = (): Params => ({ w: randArray([3], 1), b: [randArray([3], 2), randArray([3], 3)] });

/** Σ over leaves of ⟨a, b⟩. */
const treeDot = (a: unknown, b: unknown) => tree.leaves(a).reduce((s: number, l: unknown, i: number) => s + vdot(l, tree.leaves(b)[i]), 0);

describe("grad over pytrees", () => {
  it("grad of an object of arrays ≡ grad with argnums over its leaves ≡ jvp along random directions", () => {
    const p = params();
    const x = randArray([3], 4);
    const g = grad(loss)(p, x) as Params;
    expect(tree.structure(g).equals(tree.structure(p))).toBe(true);
    const flat = (w: JArray, b0: JArray, b1: JArray) => loss({ w, b: [b0, b1] }, x);
    const [gw, gb0, gb1] = grad(flat, { argnums: [0, 1, 2] })(p.w, p.b[0], p.b[1]) as JArray[];
    assertClose(g, { w: gw, b: [gb0, gb1] }, { atol: 0, rtol: 0 });
    const v: Params = { w: randArray([3], 5), b: [randArray([3], 6), randArray([3], 7)] };
    const [, t] = jvp((q: Params) => loss(q, x), [p], [v]);
    assertClose(treeDot(g, v), t, TOL);
  });

  it("argnums as an array returns gradients in that order, each with its argument's structure", () => {
    const f = (a: { x: JArray }, b: JArray[], c: JArray) => jnp.multiply(jnp.multiply(a.x, b[0]!), jnp.sin(c));
    const args = [{ x: jnp.array(2.0) }, [jnp.array(3.0)], jnp.array(0.5)] as const;
    const [gc, ga] = grad(f, { argnums: [2, 0] })(...args) as [JArray, { x: JArray }];
    assertClose(ga.x, jnp.multiply(3.0, jnp.sin(0.5)), TOL);
    assertClose(gc, jnp.multiply(6.0, jnp.cos(0.5)), TOL);
    const [gb] = grad(f, { argnums: [1] })(...args) as [JArray[]];
    expect(Array.isArray(gb)).toBe(true);
    assertClose(gb[0], jnp.multiply(2.0, jnp.sin(0.5)), TOL);
  });

  it("hasAux: aux comes back as computed, the gradient ignores it; valueAndGrad returns [[value, aux], grad]", () => {
    const p = params();
    const x = randArray([3], 8);
    const withAux = (q: Params) => [loss(q, x), { pred: jnp.tanh(q.w), n: [q.b[0]] }];
    const [g, aux] = grad(withAux, { hasAux: true })(p) as [Params, { pred: JArray; n: JArray[] }];
    assertClose(g, grad(loss)(p, x), { atol: 0, rtol: 0 });
    assertClose(aux, { pred: jnp.tanh(p.w), n: [p.b[0]] }, { atol: 0, rtol: 0 });
    const [[value, aux2], g2] = valueAndGrad(withAux, { hasAux: true })(p) as [[JArray, unknown], Params];
    assertClose(value, loss(p, x), { atol: 0, rtol: 0 });
    assertClose(aux2, aux, { atol: 0, rtol: 0 });
    assertClose(g2, g, { atol: 0, rtol: 0 });
    // The same through jit.
    const [g3, aux3] = jit(grad(withAux, { hasAux: true }))(p) as [Params, unknown];
    assertClose(g3, g, TOL);
    assertClose(aux3, aux, TOL);
  });

  it("null leaves are empty subtrees: they come back as null", () => {
    const g = grad((q: { w: JArray; skip: null }) => sumAll(jnp.sin(q.w)))({ w: randArray([2], 1), skip: null }) as {
      w: JArray;
      skip: null;
    };
    expect(g.skip).toBeNull();
    assertClose(g.w, jnp.cos(randArray([2], 1)), TOL);
  });
});

describe("vmap with axis trees", () => {
  it("an inAxes prefix tree (null = broadcast) ≡ a loop over the mapped leaves", () => {
    const p = params();
    const xs = randArray([4, 3], 9);
    const ws = randArray([3, 4], 10); // mapped along axis 1
    const f = (q: Params, x: JArray) => loss(q, x);
    const got = vmap(f, { inAxes: [{ w: 1, b: null }, 0] })({ ...p, w: ws }, xs);
    const want = stack(Array.from({ length: 4 }, (_, i) => f({ ...p, w: take0(moveAxis(ws, 1, 0), i) }, take0(xs, i))));
    assertClose(got, want, TOL);
  });

  it("per-example gradients: vmap(grad, inAxes [null, 0]) ≡ a loop of grad", () => {
    const p = params();
    const xs = randArray([5, 3], 11);
    const got = jit(vmap(grad(loss), { inAxes: [null, 0] }))(p, xs);
    const want = stackTrees(Array.from({ length: 5 }, (_, i) => grad(loss)(p, take0(xs, i))));
    assertClose(got, want, TOL);
  });

  it("an outAxes tree places each output's batch axis (a leaf axis applies to a whole subtree)", () => {
    const c = randArray([3], 12);
    const f = (x: JArray) => ({ a: jnp.multiply(x, c), b: [jnp.sin(x), jnp.multiply(c, 2)] });
    const xs = randArray([2], 13);
    const got = vmap(f, { outAxes: { a: 1, b: 0 } })(xs) as { a: JArray; b: JArray[] };
    const rows = Array.from({ length: 2 }, (_, i) => f(take0(xs, i)));
    assertClose(got.a, moveAxis(stack(rows.map((r) => r.a)), 0, 1), { atol: 0, rtol: 0 });
    assertClose(got.b[0], stack(rows.map((r) => r.b[0]!)), { atol: 0, rtol: 0 });
    assertClose(got.b[1], stack(rows.map((r) => r.b[1]!)), { atol: 0, rtol: 0 });
    // null out_axes for an unmapped output returns it once.
    const once = vmap(f, { outAxes: { a: 0, b: [0, null] } })(xs) as { a: JArray; b: JArray[] };
    assertClose(once.b[1], jnp.multiply(c, 2), { atol: 0, rtol: 0 });
  });

  it("a single inAxes number applies to every leaf of a tree argument", () => {
    const t = { u: randArray([2, 3], 14), v: [randArray([2], 15)] };
    const f = (q: typeof t) => jnp.add(q.u, q.v[0]!);
    const got = vmap(f)(t);
    const want = stack([0, 1].map((i) => f({ u: take0(t.u, i), v: [take0(t.v[0]!, i)] })));
    assertClose(got, want, { atol: 0, rtol: 0 });
  });

  it("an inAxes tree that is not a prefix is JAX's error", () => {
    expect(() => vmap((q: JArray[]) => q[0], { inAxes: [[0, 0, 0]] })([jnp.array([1, 2])])).toThrow(
      "vmap in_axes specification must be a tree prefix of the corresponding value, got specification [[0,0,0]] for value tree",
    );
  });
});

describe("Jacobians of pytrees", () => {
  const f = (p: { a: JArray; s: JArray }, k: JArray) => ({
    y: jnp.multiply(jnp.sin(p.a), p.s),
    z: [jnp.multiply(sumAll(jnp.sin(p.a)), sumAll(k)), jnp.multiply(k, p.s)],
  });
  const args = () => [{ a: randArray([3], 21), s: randArray([], 22) }, randArray([2], 23)] as const;

  it("jacfwd ≡ jacrev, nested as output structure outside, input structure inside, shapes out + in", () => {
    const [p, k] = args();
    const jf = jacfwd(f, { argnums: [0, 1] })(p, k);
    const jr = jacrev(f, { argnums: [0, 1] })(p, k);
    assertClose(jf, jr, TOL);
    const J = jf as { y: [{ a: JArray; s: JArray }, JArray]; z: [[{ a: JArray; s: JArray }, JArray], unknown] };
    expect(J.y[0].a.shape).toEqual([3, 3]);
    expect(J.y[0].s.shape).toEqual([3]);
    expect(J.y[1].shape).toEqual([3, 2]);
    expect(J.z[0][0].a.shape).toEqual([3]);
    expect(J.z[0][1].shape).toEqual([2]);
  });

  it("each Jacobian block times a direction equals jvp along that direction", () => {
    const [p, k] = args();
    const J = jacrev((q: { a: JArray; s: JArray }) => f(q, k).y)(p) as { a: JArray; s: JArray };
    const v = { a: randArray([3], 31), s: randArray([], 32) };
    const [, t] = jvp((q: { a: JArray; s: JArray }) => f(q, k).y, [p], [v]);
    const Jv = jnp.add(lax.reduceSum(jnp.multiply(J.a, lax.broadcastInDim(v.a, [3, 3], [1])), [1]), jnp.multiply(J.s, v.s));
    assertClose(Jv, t, TOL);
  });

  it("hasAux through jacfwd, jacrev and hessian returns the aux value, not a tracer", () => {
    const g = (x: JArray) => [sumAll(jnp.multiply(jnp.sin(x), x)), { x2: jnp.multiply(x, 2) }];
    const x = randArray([3], 41);
    for (const jac of [jacfwd, jacrev, hessian]) {
      const [, aux] = jac(g, { hasAux: true })(x) as [JArray, { x2: JArray }];
      expect(aux.x2.constructor.name).toBe("ArrayImpl");
      assertClose(aux.x2, jnp.multiply(x, 2), { atol: 0, rtol: 0 });
    }
    const [h] = hessian(g, { hasAux: true })(x) as [JArray];
    assertClose(h, hessian((y: JArray) => g(y)[0] as JArray)(x), TOL);
  });

  it("hessian of a function of an object: {a: {a, b}, b: {a, b}}, symmetric, ≡ jacrev(jacrev)", () => {
    const h = (q: { a: JArray; b: JArray }) => sumAll(jnp.multiply(jnp.multiply(q.a, q.a), jnp.sin(q.b)));
    const q = { a: randArray([2], 51), b: randArray([2], 52) };
    const H = hessian(h)(q) as { a: { a: JArray; b: JArray }; b: { a: JArray; b: JArray } };
    assertClose(H, jacrev(jacrev(h))(q), TOL);
    assertClose(H.a.b, lax.transpose(H.b.a, [1, 0]), TOL);
    expect(H.a.b.shape).toEqual([2, 2]);
  });
});

describe("jvp, vjp and linearize on pytrees", () => {
  const f = (p: { x: JArray; y: JArray[] }) => [jnp.multiply(p.x, p.y[0]!), { s: sumAll(jnp.sin(p.y[1]!)) }];
  const p = { x: randArray([3], 61), y: [randArray([3], 62), randArray([4], 63)] };
  const v = { x: randArray([3], 64), y: [randArray([3], 65), randArray([4], 66)] };

  it("⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩ summed over leaves", () => {
    const [out, t] = jvp(f, [p], [v]);
    const [out2, pull] = vjp(f, p);
    assertClose(out2, out, { atol: 0, rtol: 0 });
    const u = [randArray([3], 67), { s: randArray([], 68) }];
    const [ct] = pull(u);
    assertClose(treeDot(u, t), treeDot(ct, v), TOL);
  });

  it("linearize's function ≡ jvp on trees", () => {
    const [y, fl] = linearize(f, p);
    const [y2, t] = jvp(f, [p], [v]);
    assertClose(y, y2, { atol: 0, rtol: 0 });
    assertClose(fl(v), t, TOL);
  });
});

describe("a registered pytree class", () => {
  class Pair {
    constructor(
      readonly first: unknown,
      readonly second: unknown,
    ) {}
  }
  tree.registerPytreeNode(
    Pair,
    (p) => [[p.first, p.second], null],
    (_aux, [a, b]) => new Pair(a, b),
  );
  const f = (p: Pair) => jnp.multiply(jnp.sin(p.first as JArray), p.second as JArray);

  it("through grad, jit and vmap, against the same function of plain arguments", () => {
    const a = randArray([3], 71);
    const b = randArray([3], 72);
    const g = grad((p: Pair) => sumAll(f(p)))(new Pair(a, b)) as Pair;
    expect(g).toBeInstanceOf(Pair);
    const [ga, gb] = grad((x: JArray, y: JArray) => sumAll(f(new Pair(x, y))), { argnums: [0, 1] })(a, b) as JArray[];
    assertClose(g.first, ga, { atol: 0, rtol: 0 });
    assertClose(g.second, gb, { atol: 0, rtol: 0 });
    const swapped = jit((p: Pair) => new Pair(p.second, p.first))(new Pair(a, b)) as Pair;
    expect(swapped).toBeInstanceOf(Pair);
    assertClose(swapped.first, b, { atol: 0, rtol: 0 });
    const bs = randArray([2, 3], 73);
    const got = vmap(f, { inAxes: [new Pair(null, 0)] })(new Pair(a, bs));
    assertClose(got, stack([0, 1].map((i) => f(new Pair(a, take0(bs, i))))), { atol: 0, rtol: 0 });
  });
});
