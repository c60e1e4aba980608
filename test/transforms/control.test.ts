// Differentiating JS-level control flow, against float64 central differences: loops, branches on
// concrete values, data-dependent while loops (Newton's method), early exits, recursion and
// closures (including a closure over the tracer of an outer grad), to third order and under
// jit/vmap where the control flow only depends on static information.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConcretizationTypeError, config, grad, jit, jvp, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { assertClose, f64, stack } from "../util/laws.js";

type F = (x: JArray) => JArray;

beforeAll(() => config.update("jax_enable_x64", true));
afterAll(() => config.update("jax_enable_x64", false));

const x64 = (v: number) => jnp.array(v, { dtype: "float64" });
const val = (y: unknown) => f64(y)[0]!;

/** (f(x+h) - f(x-h)) / 2h in float64. */
function fd(f: F, x: number, h = 1e-5): number {
  return (val(f(x64(x + h))) - val(f(x64(x - h)))) / (2 * h);
}

/** Checks grad, grad∘grad and grad∘grad∘grad of f at each point against central differences of the order below. */
function checkDerivatives(f: F, points: number[], order = 3): void {
  let g: F = f;
  for (let k = 1; k <= order; k++) {
    const prev = g;
    g = grad(prev);
    for (const x of points) {
      const want = fd(prev, x);
      const got = val(g(x64(x)));
      const tol = 1e-6 * (1 + Math.abs(want));
      if (!(Math.abs(got - want) <= tol)) throw new Error(`order ${k} at x=${x}: grad gives ${got}, finite differences ${want}`);
    }
  }
}

describe("loops", () => {
  const loop: F = (x) => {
    let y = x;
    for (let i = 0; i < 5; i++) y = jnp.add(jnp.multiply(y, jnp.sin(y)), 0.1);
    return y;
  };

  it("a fixed JS loop, to third order", () => {
    checkDerivatives(loop, [-1.2, 0.3, 0.9]);
  });

  it("a loop whose trip count depends on a concrete value, with an early break", () => {
    // Adds terms of exp's series until they are below 1e-12 (more terms for larger |x|).
    const expSeries: F = (x) => {
      let term: JArray = jnp.multiply(x, 0).add(1);
      let sum = term;
      for (let n = 1; n < 100; n++) {
        term = jnp.divide(jnp.multiply(term, x), n);
        sum = jnp.add(sum, term);
        if (Math.abs(Number(term)) < 1e-12) break;
      }
      return sum;
    };
    for (const x of [-2, 0.5, 3]) assertClose(grad(expSeries)(x64(x)), Math.exp(x), { atol: 1e-10, rtol: 1e-10 });
    checkDerivatives(expSeries, [0.7], 2);
  });

  it("Newton's method for √a: a data-dependent while loop differentiated through its iterations", () => {
    const sqrtNewton: F = (a) => {
      let y = jnp.add(jnp.multiply(a, 0), 1);
      for (;;) {
        const next = jnp.multiply(0.5, jnp.add(y, jnp.divide(a, y)));
        const done = Math.abs(Number(next) - Number(y)) < 1e-15;
        y = next;
        if (done) return y;
      }
    };
    for (const a of [0.25, 2, 9]) {
      assertClose(sqrtNewton(x64(a)), Math.sqrt(a), { atol: 1e-14, rtol: 1e-14 });
      assertClose(grad(sqrtNewton)(x64(a)), fd(sqrtNewton, a), { atol: 1e-8, rtol: 1e-6 });
      assertClose(jvp(sqrtNewton, [x64(a)], [x64(1)])[1], fd(sqrtNewton, a), { atol: 1e-8, rtol: 1e-6 });
    }
    // Under jit the loop condition is abstract.
    expect(() => jit(sqrtNewton)(2.0)).toThrow(ConcretizationTypeError);
  });
});

describe("branches on concrete values", () => {
  const piecewise: F = (x) => {
    const v = Number(x);
    if (v < 0) return jnp.multiply(x, x);
    if (v < 1) return jnp.sin(x);
    return jnp.exp(jnp.multiply(x, 0.5));
  };

  it("each side of each branch, to third order", () => {
    checkDerivatives(piecewise, [-0.8, 0.4, 2.5]);
  });

  it("vmap of grad needs a traced branch: jnp.where agrees with the JS branch pointwise", () => {
    const traced: F = (x) =>
      jnp.where(jnp.less(x, 0), jnp.multiply(x, x), jnp.where(jnp.less(x, 1), jnp.sin(x), jnp.exp(jnp.multiply(x, 0.5))));
    const xs = [-0.8, 0.4, 2.5];
    const got = vmap(grad(traced))(jnp.array(xs, { dtype: "float64" }));
    assertClose(got, stack(xs.map((x) => grad(piecewise)(x64(x)) as JArray)), { atol: 1e-12, rtol: 1e-12 });
  });
});

describe("recursion", () => {
  // Horner: p(x) = c0 + x (c1 + x (c2 + ...)), written recursively.
  const coeffs = [0.5, -1.25, 2, 0.75, -0.3];
  const horner = (x: JArray, cs: number[]): JArray =>
    cs.length === 1 ? jnp.add(jnp.multiply(x, 0), cs[0]!) : jnp.add(jnp.multiply(x, horner(x, cs.slice(1))), cs[0]!);

  it("a recursive polynomial, to third order, ≡ the derivative polynomial", () => {
    checkDerivatives((x) => horner(x, coeffs), [-1.1, 0.2, 1.7]);
    // p'(x) has coefficients k·c_k.
    const dcoeffs = coeffs.slice(1).map((c, k) => (k + 1) * c);
    for (const x of [-1.1, 0.2]) assertClose(grad((y: JArray) => horner(y, coeffs))(x64(x)), horner(x64(x), dcoeffs), { atol: 1e-12, rtol: 1e-12 });
  });

  it("recursion depth chosen by a concrete value", () => {
    // f(x) = x if |x| < 0.1 else 2·f(sin(x) / 2)
    const f = (x: JArray): JArray => (Math.abs(Number(x)) < 0.1 ? x : jnp.multiply(2, f(jnp.divide(jnp.sin(x), 2))));
    checkDerivatives(f, [1.3, -0.7], 2);
  });
});

describe("closures", () => {
  it("functions built from closures (a composed pipeline), to third order", () => {
    const affine = (a: number, b: number) => (x: JArray) => jnp.add(jnp.multiply(x, a), b);
    const compose = (...fs: F[]) => (x: JArray) => fs.reduce((y, f) => f(y), x);
    const pipeline = compose(affine(0.5, 0.1), jnp.tanh, affine(-2, 1), jnp.sin);
    checkDerivatives(pipeline, [-0.6, 0.8]);
  });

  it("a closure over the tracer of an outer grad (mixed partials)", () => {
    // ∂/∂y ∂/∂x (x² y³) = 6 x y²
    const mixed = (x0: number) => (y: JArray) => grad((x: JArray) => jnp.multiply(jnp.multiply(x, x), jnp.power(y, 3)))(x64(x0));
    for (const [x, y] of [[0.5, 1.5], [-1, 0.3]] as const) {
      assertClose(grad(mixed(x))(x64(y)), 6 * x * y * y, { atol: 1e-12, rtol: 1e-12 });
      assertClose(grad(mixed(x))(x64(y)), fd(mixed(x), y), { atol: 1e-8, rtol: 1e-7 });
    }
  });

  it("no perturbation confusion: D(x ↦ x · D(y ↦ x + y)(1))(1) = 1 in every combination of modes", () => {
    // Siskind & Pearlmutter's example: the inner derivative is 1 whatever x is, so the outer is 1
    // (a confused implementation gives 2).
    const fwd = (f: F) => (x: JArray) => jvp(f, [x], [x64(1)])[1] as JArray;
    const modes: [string, (f: F) => F][] = [
      ["grad", grad as (f: F) => F],
      ["jvp", fwd],
      ["jit∘grad", (f: F) => jit(grad(f)) as F],
    ];
    for (const [outerName, outer] of modes) {
      for (const [innerName, inner] of modes) {
        const h = outer((x: JArray) => jnp.multiply(x, inner((y: JArray) => jnp.add(x, y))(x64(1))));
        assertClose(h(x64(1)), 1, { atol: 0, rtol: 0 }, `${outerName} of ${innerName}`);
      }
    }
  });

  it("a closure with state, counting calls: grad calls the function once, jit traces once", () => {
    let calls = 0;
    const counted: F = (x) => {
      calls++;
      return jnp.sin(x);
    };
    grad(counted)(x64(0.3));
    expect(calls).toBe(1);
    const j = jit(counted);
    j(x64(0.3));
    j(x64(0.4));
    expect(calls).toBe(2);
  });

  it("static loop bounds under jit and vmap ≡ eager", () => {
    const poly = (x: JArray, n: number) => {
      let y = x;
      for (let i = 0; i < n; i++) y = jnp.add(jnp.multiply(y, x), i);
      return y;
    };
    const jp = jit(poly, { staticArgnums: 1 });
    const xs = jnp.array([0.3, -0.5, 1.2], { dtype: "float64" });
    for (const n of [1, 3]) {
      assertClose(jp(xs, n), poly(xs, n), { atol: 0, rtol: 0 });
      assertClose(vmap(grad((x: JArray) => jp(x, n)))(xs), stack([0.3, -0.5, 1.2].map((x) => grad((y: JArray) => poly(y, n))(x64(x)) as JArray)), {
        atol: 1e-12,
        rtol: 1e-12,
      });
    }
  });
});
