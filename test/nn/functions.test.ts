// jax.nn functions against NumPy/SciPy fixtures (scripts/gen_nn_fixtures.py) over a grid that
// includes huge, tiny, signed-zero, infinite and NaN inputs; derivatives against central
// differences (checkGrads, orders 1 and 2); JAX's documented answers (relu's derivative at 0,
// the docstring examples of relu and one_hot); and laws (softmax sums to 1, jit ≡ eager).
import { describe, expect, it } from "vitest";
import { grad, jacfwd, jacrev, jit, makeJaxpr, nn, numpy as jnp, vmap } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads, expectAllClose } from "../util/check.js";
import { expectRec, fixture, toArray, values, type Rec } from "./fixture.js";

type F = (x: JaxArray) => JaxArray;
const ACT: Record<string, F> = {
  relu: nn.relu,
  relu6: nn.relu6,
  sigmoid: nn.sigmoid,
  softplus: nn.softplus,
  sparsePlus: nn.sparsePlus,
  sparseSigmoid: nn.sparseSigmoid,
  softSign: nn.softSign,
  silu: nn.silu,
  mish: nn.mish,
  logSigmoid: nn.logSigmoid,
  elu: (x) => nn.elu(x),
  "elu_alpha0.5": (x) => nn.elu(x, 0.5),
  leakyRelu: (x) => nn.leakyRelu(x),
  "leakyRelu_0.2": (x) => nn.leakyRelu(x, 0.2),
  hardTanh: nn.hardTanh,
  celu: (x) => nn.celu(x),
  celu_alpha2: (x) => nn.celu(x, 2),
  selu: nn.selu,
  gelu: (x) => nn.gelu(x),
  gelu_exact: (x) => nn.gelu(x, { approximate: false }),
  squareplus: (x) => nn.squareplus(x),
  hardSigmoid: nn.hardSigmoid,
  hardSilu: nn.hardSilu,
};

const grid = jnp.array(values({ shape: [], data: fixture.activations.x }));
// float32 results against float64 truth: a few ulps of the result, or of 1 near zero.
const TOL = { atol: 1e-6, rtol: 4e-6 };

describe("nn activations against SciPy/NumPy", () => {
  it("the fixture covers every activation", () => {
    expect(Object.keys(fixture.activations.values).sort()).toEqual(Object.keys(ACT).sort());
  });
  for (const [name, f] of Object.entries(ACT)) {
    it(name, () => {
      const want = values({ shape: [], data: fixture.activations.values[name] });
      expectAllClose(f(grid).dataSync(), want, { ...TOL, msg: name });
      expectAllClose(jit(f)(grid), f(grid), { ...TOL, msg: `jit(${name})` });
    });
  }

  it("aliases: swish = silu, hardSwish = hardSilu, expit = sigmoid; identity and tanh", () => {
    expect(nn.swish).toBe(nn.silu);
    expect(nn.hardSwish).toBe(nn.hardSilu);
    expect(nn.expit).toBe(nn.sigmoid);
    expectAllClose(nn.identity(grid), grid);
    expectAllClose(nn.tanh(grid), jnp.tanh(grid));
  });

  it("glu splits along the axis and gates with the sigmoid", () => {
    const x = toArray(fixture.glu.x);
    expectRec(nn.glu(x), fixture.glu["axis-1"], TOL);
    expectRec(nn.glu(x, 0), fixture.glu.axis0, TOL);
    expect(() => nn.glu(jnp.ones([2, 3]))).toThrow("axis size must be divisible by 2");
  });

  it("dtypes: integer inputs of relu stay integers; float-only functions promote", () => {
    const i = jnp.array([-2, 0, 3], { dtype: "int32" });
    expect(nn.relu(i).dtype).toBe("int32");
    expect(nn.relu(i).tolist()).toEqual([0, 0, 3]);
    expect(nn.sigmoid(i).dtype).toBe("float32");
    expect(nn.gelu(i).dtype).toBe("float32");
    expect(nn.softmax(i).dtype).toBe("float32");
    expect(nn.relu(2).weakType).toBe(true);
  });
});

describe("nn known answers from JAX", () => {
  it("relu docstring example", () => {
    const x = [-2, -1, -0.5, 0, 0.5, 1, 2];
    expect(nn.relu(jnp.array(x)).tolist()).toEqual(x.map((v) => Math.max(v, 0)));
  });

  it("relu's derivative at 0 is 0 (JAX's test_relu_grad_at_zero), relu6's at 0 and 6", () => {
    expect(grad(nn.relu)(0.0).item()).toBe(0);
    expect(grad(nn.relu)(1.0).item()).toBe(1);
    expect(grad(nn.relu)(-1.0).item()).toBe(0);
    expect(grad(nn.relu6)(0.0).item()).toBe(0);
    expect(grad(nn.relu6)(6.0).item()).toBe(0);
    expect(grad(nn.relu6)(3.0).item()).toBe(1);
    const g = jit(vmap(grad(nn.relu)))(jnp.array([-1, 0, 2]));
    expect(g.tolist()).toEqual([0, 0, 1]);
    expect(grad(grad(nn.relu))(0.0).item()).toBe(0);
  });

  it("relu, relu6, softmax and logsumexp carry JAX's custom JVP rules (custom_jvp_call in the jaxpr)", () => {
    const x = jnp.array([[0.5, -1, 2], [1, 1, -Infinity]]);
    expect(String(makeJaxpr(nn.relu)(x))).toContain("custom_jvp_call[\n      name=relu");
    expect(String(makeJaxpr(nn.relu6)(x))).toContain("name=relu6");
    expect(String(makeJaxpr((a: JaxArray) => nn.softmax(a))(x))).toContain("name=_softmax");
    expect(String(makeJaxpr((a: JaxArray) => nn.logsumexp(a, 1))(x))).toContain("name=logsumexp");
    // The softmax Jacobian is diag(y) − y·yᵀ per row; a −∞ logit has output and derivative 0.
    const row = x.get(1);
    const y = nn.softmax(row);
    const want = jnp.subtract(jnp.diag(y), jnp.outer(y, y));
    expectAllClose(jacrev((a: JaxArray) => nn.softmax(a))(row), want, { atol: 1e-7 });
    expectAllClose(jacfwd((a: JaxArray) => nn.softmax(a))(row), want, { atol: 1e-7 });
    expectAllClose(grad((a: JaxArray) => nn.logsumexp(a))(row), y, { atol: 1e-7 });
  });

  it("vmap ≡ a loop and jit ≡ eager, for values and gradients, through the custom rules", () => {
    const xs = jnp.reshape(jnp.sin(jnp.arange(24)), [2, 3, 4]);
    const where = jnp.greater(jnp.cos(jnp.arange(12)), -0.6).reshape([3, 4]);
    const fs: ((a: JaxArray) => JaxArray)[] = [
      (a) => nn.softmax(a, 0),
      (a) => nn.logsumexp(a, { axis: 1, where }),
      (a) => nn.logSoftmax(a, { where }),
      (a) => jnp.sum(nn.relu6(jnp.multiply(a, 8))),
      (a) => nn.standardize(a),
    ];
    for (const f of fs) {
      const loop = jnp.stack([0, 1].map((i) => f(xs.get(i))));
      expectAllClose(vmap(f)(xs), loop, { atol: 1e-6 });
      expectAllClose(jit(vmap(f))(xs), loop, { atol: 1e-6 });
      const g = (a: JaxArray) => jnp.sum(jnp.where(jnp.isfinite(f(a)), f(a), 0));
      const gLoop = jnp.stack([0, 1].map((i) => grad(g)(xs.get(i))));
      expectAllClose(jit(vmap(grad(g)))(xs), gLoop, { atol: 1e-6 });
    }
  });

  it("relu and relu6 propagate NaN as max does", () => {
    expect(Number.isNaN(nn.relu(NaN).item())).toBe(true);
    expect(Number.isNaN(nn.relu6(NaN).item())).toBe(true);
  });

  it("gelu: the tanh approximation differs from the exact erf form, by less than 1e-3", () => {
    const x = jnp.linspace(-5, 5, 101);
    const d = jnp.abs(jnp.subtract(nn.gelu(x, true), nn.gelu(x, false)));
    expect(jnp.max(d).item()).toBeGreaterThan(1e-5);
    expect(jnp.max(d).item()).toBeLessThan(1e-3);
    expect(nn.gelu(x).tolist()).toEqual(nn.gelu(x, true).tolist());
  });

  it("one_hot docstring examples", () => {
    const i32 = (d: number[]) => jnp.array(d, { dtype: "int32" });
    expect(nn.oneHot(i32([0, 1, 2]), 3).tolist()).toEqual(jnp.eye(3).tolist());
    expect(nn.oneHot(i32([-1, 3]), 3).tolist()).toEqual(jnp.zeros([2, 3]).tolist());
    expect(nn.oneHot(i32([0, 1, 2]), 3).dtype).toBe("float32");
  });

  it("softmax and logSoftmax of +inf give NaN (JAX's note)", () => {
    expect([...nn.softmax(jnp.array([1, Infinity])).dataSync()].every(Number.isNaN)).toBe(true);
    expect([...nn.logSoftmax(jnp.array([1, Infinity])).dataSync()].every(Number.isNaN)).toBe(true);
  });
});

const axisOf = (a: number | number[] | null) => a;

describe("softmax, logSoftmax against SciPy", () => {
  for (const c of fixture.softmax) {
    it(c.name, () => {
      const x = toArray(c.x);
      const opts = { axis: axisOf(c.axis), where: c.where ? toArray(c.where) : undefined };
      expectRec(nn.softmax(x, opts), c.softmax, TOL);
      expectRec(nn.logSoftmax(x, opts), c.log_softmax, { atol: 2e-5, rtol: 4e-6 });
    });
  }

  it("softmax sums to 1 over its axes, also with a mask", () => {
    const x = jnp.reshape(jnp.sin(jnp.arange(24)), [2, 3, 4]);
    for (const axis of [-1, 0, [0, 2]]) {
      expectAllClose(jnp.sum(nn.softmax(x, axis), { axis }), jnp.ones(axis === -1 ? [2, 3] : axis === 0 ? [3, 4] : [3]), { atol: 1e-6 });
    }
    const where = jnp.greater(x, -0.5);
    expectAllClose(jnp.sum(nn.softmax(x, { where }), { axis: -1 }), jnp.ones([2, 3]), { atol: 1e-6 });
    expectAllClose(jnp.exp(nn.logSoftmax(x, 1)), nn.softmax(x, 1), { atol: 1e-6 });
  });

  it("derivatives (orders 1 and 2), with and without a mask", () => {
    const x = jnp.reshape(jnp.cos(jnp.arange(12)), [3, 4]);
    const where = jnp.array([[true, true, false, true], [true, false, true, true], [true, true, true, true]]);
    checkGrads((a: JaxArray) => nn.softmax(a), [x], 2);
    checkGrads((a: JaxArray) => nn.softmax(a, { axis: 0, where }), [x], 2);
    checkGrads((a: JaxArray) => nn.logSoftmax(a, [0, 1]), [x], 2);
    checkGrads((a: JaxArray) => jnp.where(where, nn.logSoftmax(a, { where }), 0), [x], 2);
  });
});

describe("logsumexp against scipy.special.logsumexp", () => {
  for (const c of fixture.logsumexp) {
    it(c.name, () => {
      const a = toArray(c.a);
      const opts = {
        axis: c.axis as number | number[] | null,
        keepdims: c.keepdims as boolean,
        b: c.b ? toArray(c.b) : undefined,
        where: c.where ? toArray(c.where) : undefined,
      };
      // float32 of values near ±1e4: an ulp there is ~1e-3.
      const tol = { atol: 1e-5, rtol: 4e-6 };
      expectRec(nn.logsumexp(a, opts), c.out, tol);
      if (c.sign) {
        const [out, sign] = nn.logsumexp(a, { ...opts, returnSign: true });
        expectRec(out, c.out_abs, tol);
        expectRec(sign, c.sign);
      }
    });
  }

  it("is stable for large values: logsumexp([x, x]) = x + log 2", () => {
    for (const x of [1e4, -1e4, 80, 0]) {
      expectAllClose(nn.logsumexp(jnp.array([x, x])), Math.fround(x) + Math.log(2), { rtol: 1e-6, atol: 1e-6 });
    }
    expect(nn.logsumexp(jnp.array([-Infinity, -Infinity])).item()).toBe(-Infinity);
    expect(nn.logsumexp(jnp.array([Infinity, 1])).item()).toBe(Infinity);
  });

  it("a bare axis argument; axis errors", () => {
    const a = jnp.reshape(jnp.arange(6), [2, 3]);
    expectAllClose(nn.logsumexp(a, 1), nn.logsumexp(a, { axis: 1 }));
    expect(() => nn.logsumexp(a, 2)).toThrow("axis 2 is out of bounds for array of dimension 2");
  });

  it("derivatives (orders 1 and 2), with b, keepdims and a mask; the gradient is softmax", () => {
    const a = jnp.reshape(jnp.sin(jnp.arange(12)), [3, 4]);
    const b = jnp.reshape(jnp.add(jnp.cos(jnp.arange(12)), 1.5), [3, 4]);
    const where = jnp.array([[true, false, true, true], [true, true, true, false], [false, true, true, true]]);
    checkGrads((x: JaxArray) => nn.logsumexp(x), [a], 2);
    checkGrads((x: JaxArray, y: JaxArray) => nn.logsumexp(x, { axis: 1, b: y, keepdims: true }), [a, b], 2);
    checkGrads((x: JaxArray) => nn.logsumexp(x, { axis: 0, where }), [a], 2);
    expectAllClose(grad((x: JaxArray) => nn.logsumexp(x))(a), nn.softmax(a, null), { atol: 1e-6 });
  });
});

describe("standardize and oneHot", () => {
  for (const c of fixture.standardize) {
    it(`standardize ${c.name}`, () => {
      const x = toArray(c.x);
      const opts = {
        axis: c.axis as number | null,
        mean: c.mean ? toArray(c.mean) : undefined,
        variance: c.variance ? toArray(c.variance) : undefined,
        epsilon: c.epsilon,
      };
      expectRec(nn.standardize(x, opts), c.out, { atol: 2e-5, rtol: 2e-5 });
    });
  }

  it("standardize: derivatives, and a bare axis", () => {
    const x = jnp.reshape(jnp.sin(jnp.arange(12)), [3, 4]);
    checkGrads((a: JaxArray) => nn.standardize(a), [x], 2, { atol: 5e-3, rtol: 5e-3 });
    expectAllClose(nn.standardize(x, 0), nn.standardize(x, { axis: 0 }));
  });

  for (const c of fixture.one_hot as { x: Rec; num_classes: number; axis: number; out: Rec }[]) {
    it(`oneHot axis=${c.axis}`, () => {
      const out = nn.oneHot(toArray(c.x, "int32"), c.num_classes, { axis: c.axis });
      expect(out.shape).toEqual(c.out.shape);
      expectRec(out, c.out);
    });
  }

  it("oneHot: dtype option, under vmap, and bad num_classes", () => {
    const i = jnp.array([2, 0], { dtype: "int32" });
    expect(nn.oneHot(i, 3, { dtype: "int32" }).dtype).toBe("int32");
    expectAllClose(vmap((k: JaxArray) => nn.oneHot(k, 3))(i), nn.oneHot(i, 3));
    expect(() => nn.oneHot(i, 2.5)).toThrow("num_classes");
  });
});

describe("activation derivatives against central differences (orders 1 and 2)", () => {
  // Points away from every kink (0, ±1, ±3, 6).
  const x = jnp.array([-4.2, -2.3, -0.7, 0.4, 1.6, 4.2]);
  for (const [name, f] of Object.entries(ACT)) {
    it(name, () => checkGrads(f, [x], 2));
  }
  it("glu", () => checkGrads((a: JaxArray) => nn.glu(a), [jnp.reshape(jnp.sin(jnp.arange(8)), [2, 4])], 2));
});
