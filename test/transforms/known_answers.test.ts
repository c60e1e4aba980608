// Known answers from the JAX README, checked as a new user would write them: grad(tanh)(1.0),
// its third derivative, abs_val's gradient ±1, jit(jacfwd(jacrev(f))) as a Hessian (against
// hessian(f) and second-order finite differences in float64), and the README/issue-2 MLP with
// jit(grad) and jit(vmap(grad, inAxes [null, 0, 0])) per-example gradients against a loop of grad
// and against float64 finite differences.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { config, grad, hessian, jacfwd, jacrev, jit, lax, vmap, numpy as jnp } from "../../src/index.js";
import type { Array as JArray } from "../../src/index.js";
import { assertClose, f64, randArray, stack, sumAll, take0 } from "../util/laws.js";

// The JAX README's tanh, written with exp.
const readmeTanh = (x: JArray | number) => {
  const y = jnp.exp(jnp.multiply(-2.0, x));
  return jnp.divide(jnp.subtract(1.0, y), jnp.add(1.0, y));
};
const absVal = (x: JArray) => (Number(x) > 0 ? x : jnp.negative(x));

describe("JAX README: grad", () => {
  it("grad(tanh)(1.0) prints 0.4199743", () => {
    for (const f of [readmeTanh, jnp.tanh]) {
      const g = grad(f)(1.0) as JArray;
      expect(g.dtype).toBe("float32");
      assertClose(g, 0.4199743, { atol: 2e-7, rtol: 0 });
    }
  });

  it("grad(grad(grad(tanh)))(1.0) prints 0.62162673", () => {
    for (const f of [readmeTanh, jnp.tanh]) {
      assertClose(grad(grad(grad(f)))(1.0), 0.62162673, { atol: 2e-6, rtol: 0 });
      assertClose(jit(grad(jit(grad(grad(f)))))(1.0), 0.62162673, { atol: 2e-6, rtol: 0 });
    }
  });

  it("gradients of weakly typed inputs stay weakly typed (JAX: grad(lambda x: x)(1.0) is weak_type=True)", () => {
    // JAX PR #8661 "Make autodiff respect weak types"; printed in JAX issue #4386.
    const g = grad((x: JArray) => x)(1.0) as JArray;
    expect(String(g)).toBe("Array(1., dtype=float32, weak_type=True)");
    expect((grad(jnp.sin)(0.0) as JArray).weakType).toBe(true);
    expect((grad(jnp.sin)(lax.full([], 0, "float32")) as JArray).weakType).toBe(false);
  });

  it("abs_val differentiates through a branch on a concrete value: +1 and -1", () => {
    const absValGrad = grad(absVal);
    assertClose(absValGrad(2.0), 1.0, { atol: 0, rtol: 0 });
    assertClose(absValGrad(-2.0), -1.0, { atol: 0, rtol: 0 });
    // And the second derivative is 0 on both sides.
    assertClose(grad(absValGrad)(3.0), 0.0, { atol: 0, rtol: 0 });
    assertClose(grad(absValGrad)(-3.0), 0.0, { atol: 0, rtol: 0 });
  });
});

describe("JAX README: jit(jacfwd(jacrev(f))) is the Hessian", () => {
  // Not separable: every pair of inputs interacts through s = Σx.
  const f = (x: JArray) => {
    const s = sumAll(x);
    return jnp.add(sumAll(jnp.multiply(jnp.tanh(x), jnp.sin(jnp.multiply(x, s)))), jnp.power(s, 3));
  };
  const hessianReadme = (fun: (x: JArray) => JArray) => jit(jacfwd(jacrev(fun)));

  beforeAll(() => config.update("jax_enable_x64", true));
  afterAll(() => config.update("jax_enable_x64", false));

  /** H_ij ≈ [f(x+hei+hej) - f(x+hei-hej) - f(x-hei+hej) + f(x-hei-hej)] / 4h², in float64. */
  function fdHessian(fun: (x: JArray) => JArray, x0: Float64Array, h = 1e-4): Float64Array {
    const n = x0.length;
    const at = (i: number, si: number, j: number, sj: number) => {
      const d = Float64Array.from(x0);
      d[i]! += si * h;
      d[j]! += sj * h;
      return f64(fun(jnp.array(d, { dtype: "float64" })))[0]!;
    };
    const out = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        out[i * n + j] = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
      }
    }
    return out;
  }

  it("matches hessian(f) and second-order finite differences (float32 and float64)", () => {
    const x0 = Float64Array.of(0.3, -0.7, 1.1, 0.5);
    const oracle = fdHessian(f, x0);
    for (const dtype of ["float32", "float64"] as const) {
      const x = jnp.array(x0, { dtype });
      const h1 = hessianReadme(f)(x) as JArray;
      const h2 = hessian(f)(x) as JArray;
      expect(h1.shape).toEqual([4, 4]);
      expect(h1.dtype).toBe(dtype);
      assertClose(h1, h2, { atol: 1e-6, rtol: 1e-5 });
      const tol = dtype === "float32" ? { atol: 2e-5, rtol: 2e-4 } : { atol: 1e-6, rtol: 1e-6 };
      assertClose(f64(h1), oracle, tol, `hessian ${dtype}`);
      // A Hessian is symmetric.
      assertClose(f64(h1), f64(lax.transpose(h1, [1, 0])), { atol: 1e-6, rtol: 1e-5 });
    }
  });

  it("of a vector-valued function has shape out + in + in", () => {
    const g = (x: JArray) => jnp.multiply(jnp.sin(x), jnp.exp(x));
    const x = jnp.array([0.5, 1.0, -0.25]);
    const h = hessianReadme(g)(x) as JArray;
    expect(h.shape).toEqual([3, 3, 3]);
    // g is elementwise: H[i,j,k] = g_i''(x_i) when i = j = k, else 0; g'' = 2 cos x e^x.
    const xs = f64(x);
    const want = new Float64Array(27);
    for (let i = 0; i < 3; i++) want[i * 9 + i * 3 + i] = 2 * Math.cos(xs[i]!) * Math.exp(xs[i]!);
    assertClose(f64(h), want, { atol: 1e-5, rtol: 1e-5 });
  });
});

// ---- the README / issue-2 MLP --------------------------------------------------------------------

type Params = [JArray, JArray][];

/** Vector·matrix or matrix·matrix product from broadcasting and reduce_sum (no dot_general). */
function dotByBroadcast(a: JArray, w: JArray): JArray {
  const [k, m] = w.shape as [number, number];
  if (a.ndim === 1) {
    const ab = lax.broadcastInDim(a, [k, m], [0]);
    return lax.reduceSum(jnp.multiply(ab, w), [0]);
  }
  const n = a.shape[0]!;
  const ab = lax.broadcastInDim(a, [n, k, m], [0, 1]);
  const wb = lax.broadcastInDim(w, [n, k, m], [1, 2]);
  return lax.reduceSum(jnp.multiply(ab, wb), [1]);
}

function makeMlp(dot: (a: JArray, b: JArray) => JArray, sum: (a: JArray) => JArray) {
  const predict = (params: Params, inputs: JArray) => {
    let outputs: JArray | undefined;
    for (const [W, b] of params) {
      outputs = jnp.add(dot(inputs, W), b);
      inputs = jnp.tanh(outputs);
    }
    return outputs!;
  };
  const logprobFun = (params: Params, inputs: JArray, targets: JArray) =>
    sum(jnp.power(jnp.subtract(predict(params, inputs), targets), 2));
  return { predict, logprobFun };
}

function initParams(sizes: number[], seed: number, dtype: "float32" | "float64" = "float32"): Params {
  return sizes.slice(1).map((m, i) => {
    const k = sizes[i]!;
    return [randArray([k, m], seed + 2 * i, -0.8, 0.8, dtype), randArray([m], seed + 2 * i + 1, -0.3, 0.3, dtype)];
  });
}

function checkMlp(dot: (a: JArray, b: JArray) => JArray, sum: (a: JArray) => JArray) {
  const { logprobFun } = makeMlp(dot, sum);
  const params = initParams([3, 4, 2], 11);
  const inputs = randArray([5, 3], 21);
  const targets = randArray([5, 2], 31);

  const gradFun = jit(grad(logprobFun));
  const perexGrads = jit(vmap(gradFun, { inAxes: [null, 0, 0] }));

  // jit(grad) ≡ grad on the whole batch.
  assertClose(gradFun(params, inputs, targets), grad(logprobFun)(params, inputs, targets), { atol: 1e-5, rtol: 1e-4 });
  gradFun(params, inputs, targets);
  expect(gradFun.traceCount).toBe(1);

  // Per-example gradients ≡ a loop of grad over the examples.
  const got = perexGrads(params, inputs, targets) as Params;
  const loop = Array.from({ length: 5 }, (_, i) => grad(logprobFun)(params, take0(inputs, i), take0(targets, i)) as Params);
  const want = params.map((_, l) => [0, 1].map((p) => stack(loop.map((g) => g[l]![p]!))));
  assertClose(got, want, { atol: 1e-5, rtol: 1e-4 });
  // Under vmap, gradFun sees per-example shapes: one more signature, traced once.
  expect(gradFun.traceCount).toBe(2);
  perexGrads(params, inputs, targets);
  expect(perexGrads.traceCount).toBe(1);
  expect(gradFun.traceCount).toBe(2);

  // The per-example gradients sum to the batch gradient (the loss is a sum over examples).
  const total = grad(logprobFun)(params, inputs, targets) as Params;
  got.forEach((layer, l) =>
    layer.forEach((g, p) => assertClose(lax.reduceSum(g, [0]), total[l]![p]!, { atol: 1e-5, rtol: 1e-4 })),
  );

  // The gradient matches float64 central differences of the loss along a random direction.
  config.update("jax_enable_x64", true);
  try {
    const p64 = params.map(([W, b]) => [jnp.array(W, { dtype: "float64" }), jnp.array(b, { dtype: "float64" })] as [JArray, JArray]);
    const in64 = jnp.array(inputs, { dtype: "float64" });
    const t64 = jnp.array(targets, { dtype: "float64" });
    const dirs = initParams([3, 4, 2], 99, "float64");
    const eps = 1e-6;
    const shifted = (s: number) =>
      p64.map(([W, b], l) => [jnp.add(W, jnp.multiply(s * eps, dirs[l]![0])), jnp.add(b, jnp.multiply(s * eps, dirs[l]![1]))] as [JArray, JArray]);
    const fd = (f64(logprobFun(shifted(1), in64, t64))[0]! - f64(logprobFun(shifted(-1), in64, t64))[0]!) / (2 * eps);
    const g64 = gradFun(p64, in64, t64) as Params;
    let dir = 0;
    g64.forEach((layer, l) => layer.forEach((g, p) => (dir += f64(g).reduce((s, v, i) => s + v * f64(dirs[l]![p]!)[i]!, 0))));
    expect(Math.abs(dir - fd)).toBeLessThan(1e-7 * (1 + Math.abs(fd)));
    expect(gradFun.traceCount).toBe(3); // float64 inputs are a new signature
  } finally {
    config.update("jax_enable_x64", false);
  }
}

describe("JAX README / issue 2: MLP with jit(grad) and per-example gradients", () => {
  it("with dot written from broadcasting and reduce_sum", () => {
    checkMlp(dotByBroadcast, sumAll);
  });

  it("with jnp.dot and jnp.sum, as in the README", () => {
    checkMlp(
      (a, b) => jnp.dot(a, b),
      (a) => jnp.sum(a),
    );
  });
});
