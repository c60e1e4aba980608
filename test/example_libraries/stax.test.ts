// example_libraries.stax: output shapes and params from initFun, applyFun against hand-written
// jnp compositions of the same params, Dropout's mask against random.bernoulli with the same
// key, combinators, a Dense-Tanh-Dense regression whose loss, gradients and 3 Adam steps match
// NumPy's backpropagation (scripts/gen_nn_fixtures.py), and a small MLP trained with
// optimizers.adam whose loss falls.
import { describe, expect, it } from "vitest";
import { exampleLibraries, grad, jit, nn, numpy as jnp, random, tree, valueAndGrad } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { expectAllClose } from "../util/check.js";
import { fixture, toArray, type Rec } from "../nn/fixture.js";

const { stax, optimizers } = exampleLibraries;
const shapes = (t: unknown) => tree.leaves<JaxArray>(t).map((l) => l.shape);
const x = jnp.reshape(jnp.sin(jnp.arange(24)), [4, 6]);

describe("stax layers", () => {
  it("Dense: shapes, params drawn from the split key, apply = x·W + b", () => {
    const rng = random.key(0);
    const [init, apply] = stax.Dense(5);
    const [outShape, [W, b]] = init(rng, [-1, 6]);
    expect(outShape).toEqual([-1, 5]);
    expect([W.shape, b.shape]).toEqual([[6, 5], [5]]);
    const [k1, k2] = random.split(rng);
    expect(W.tolist()).toEqual(nn.initializers.glorotNormal()(k1!, [6, 5]).tolist());
    expect(b.tolist()).toEqual(nn.initializers.normal()(k2!, [5]).tolist());
    expectAllClose(apply([W, b], x), jnp.add(jnp.matmul(x, W), b));
    const [, [W2]] = stax.Dense(2, nn.initializers.zeros)[0](rng, [3, 4]);
    expect(W2.tolist()).toEqual(jnp.zeros([4, 2]).tolist());
  });

  const elementwise: [string, exampleLibraries.stax.Layer, (a: JaxArray) => JaxArray][] = [
    ["Tanh", stax.Tanh, jnp.tanh],
    ["Relu", stax.Relu, nn.relu],
    ["Exp", stax.Exp, jnp.exp],
    ["LogSoftmax", stax.LogSoftmax, (a) => nn.logSoftmax(a, -1)],
    ["Softmax", stax.Softmax, (a) => nn.softmax(a, -1)],
    ["Softplus", stax.Softplus, nn.softplus],
    ["Sigmoid", stax.Sigmoid, nn.sigmoid],
    ["Elu", stax.Elu, (a) => nn.elu(a)],
    ["LeakyRelu", stax.LeakyRelu, (a) => nn.leakyRelu(a)],
    ["Selu", stax.Selu, nn.selu],
    ["Gelu", stax.Gelu, (a) => nn.gelu(a)],
    ["Identity", stax.Identity, (a) => a],
  ];
  for (const [name, [init, apply], f] of elementwise) {
    it(`${name}: no params, same shape, applies the function`, () => {
      const [outShape, params] = init(random.key(0), [4, 6]);
      expect(outShape).toEqual([4, 6]);
      expect(params).toEqual([]);
      expectAllClose(apply(params, x), f(x));
    });
  }

  it("elementwise(fun, ...args) passes its arguments", () => {
    const [, apply] = stax.elementwise(nn.leakyRelu, 0.3);
    expectAllClose(apply([], x), nn.leakyRelu(x, 0.3));
  });

  it("Flatten keeps the batch axis", () => {
    const [init, apply] = stax.Flatten;
    expect(init(random.key(0), [-1, 2, 3, 4])[0]).toEqual([-1, 24]);
    expect(apply([], jnp.zeros([5, 2, 3, 4])).shape).toEqual([5, 24]);
  });

  it("BatchNorm: batch statistics, gamma·z + beta; center/scale switches; NHWC default axes", () => {
    const [init, apply] = stax.BatchNorm({ axis: 0 });
    const [outShape, params] = init(random.key(0), [4, 6]);
    expect(outShape).toEqual([4, 6]);
    expect(shapes(params)).toEqual([[6], [6]]);
    const beta = jnp.linspace(-1, 1, 6);
    const gamma = jnp.linspace(0.5, 2, 6);
    const mean = jnp.mean(x, { axis: 0, keepdims: true });
    const variance = jnp.var(x, { axis: 0, keepdims: true });
    const z = jnp.divide(jnp.subtract(x, mean), jnp.sqrt(jnp.add(variance, 1e-5)));
    expectAllClose(apply([beta, gamma], x), jnp.add(jnp.multiply(gamma, z), beta), { atol: 2e-5, rtol: 2e-5 });

    const [initNc, applyNc] = stax.BatchNorm({ axis: 0, center: false, scale: false, epsilon: 0.1 });
    expect(initNc(random.key(0), [4, 6])[1]).toEqual([[], []]);
    expectAllClose(applyNc([[], []], x), nn.standardize(x, { axis: 0, epsilon: 0.1 }));

    const img = jnp.reshape(jnp.cos(jnp.arange(2 * 3 * 3 * 4)), [2, 3, 3, 4]);
    const [init4, apply4] = stax.BatchNorm();
    const [, p4] = init4(random.key(0), [2, 3, 3, 4]);
    expect(shapes(p4)).toEqual([[4], [4]]);
    expectAllClose(apply4(p4, img), nn.standardize(img, { axis: [0, 1, 2] }), { atol: 1e-6 });
  });

  it("Dropout: keeps units where bernoulli(rng, rate) is true, scaled by 1/rate; test mode is identity", () => {
    const rng = random.key(3);
    const [init, apply] = stax.Dropout(0.75);
    expect(init(rng, [4, 6])).toEqual([[4, 6], []]);
    const keep = random.bernoulli(rng, 0.75, [4, 6]);
    expectAllClose(apply([], x, { rng }), jnp.where(keep, jnp.divide(x, 0.75), 0));
    expect(() => apply([], x)).toThrow("Dropout layer requires apply_fun to be called with a PRNG key argument");
    expect(stax.Dropout(0.5, "test")[1]([], x)).toBe(x);
    expect(() => stax.Dropout(0.5, "eval" as never)[1]([], x, { rng })).toThrow("Dropout layer requires `mode` argument to be either");
  });
});

describe("stax combinators", () => {
  it("serial: shapes thread through; apply equals the hand-written composition", () => {
    const [init, apply] = stax.serial(stax.Dense(8), stax.Relu, stax.Dense(3), stax.LogSoftmax);
    const [outShape, params] = init(random.key(1), [-1, 6]);
    expect(outShape).toEqual([-1, 3]);
    expect(shapes(params)).toEqual([[6, 8], [8], [8, 3], [3]]);
    const [[W1, b1], , [W2, b2]] = params;
    const want = nn.logSoftmax(jnp.add(jnp.matmul(nn.relu(jnp.add(jnp.matmul(x, W1), b1)), W2), b2));
    expectAllClose(apply(params, x), want);
    expectAllClose(jit(apply)(params, x), want);
  });

  it("serial splits the apply key once per layer", () => {
    const [init, apply] = stax.serial(stax.Dropout(0.5), stax.Dropout(0.5));
    const [, params] = init(random.key(0), [4, 6]);
    const rng = random.key(4);
    const [k1, k2] = random.split(rng, 2);
    const one = stax.Dropout(0.5)[1];
    expectAllClose(apply(params, x, { rng }), one([], one([], x, { rng: k1 }), { rng: k2 }));
  });

  it("FanOut, parallel, FanInSum: a residual block", () => {
    const [init, apply] = stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(6), stax.Identity), stax.FanInSum);
    const [outShape, params] = init(random.key(2), [-1, 6]);
    expect(outShape).toEqual([-1, 6]);
    const [[W, b]] = params[1];
    expectAllClose(apply(params, x), jnp.add(jnp.add(jnp.matmul(x, W), b), x));
  });

  it("parallel's init returns the output shapes and params, one per layer; FanInConcat", () => {
    const [pinit] = stax.parallel(stax.Dense(2), stax.Tanh);
    const [outShapes, params] = pinit(random.key(0), [[5, 3], [5, 4]]);
    expect(outShapes).toEqual([[5, 2], [5, 4]]);
    expect(shapes(params)).toEqual([[3, 2], [2]]);
    const [init, apply] = stax.serial(stax.FanOut(2), stax.parallel(stax.Dense(2), stax.Tanh), stax.FanInConcat());
    const [outShape, ps] = init(random.key(0), [-1, 6]);
    expect(outShape).toEqual([-1, 8]);
    const [[W, b]] = ps[1];
    expectAllClose(apply(ps, x), jnp.concatenate([jnp.add(jnp.matmul(x, W), b), jnp.tanh(x)], -1));
    expect(stax.FanInConcat(0)[0](random.key(0), [[2, 3], [4, 3]])[0]).toEqual([6, 3]);
  });

  it("shapeDependent builds the layer from the input shape", () => {
    const [init, apply] = stax.shapeDependent((shape) => stax.Dense(shape[shape.length - 1]! * 2));
    const [outShape, params] = init(random.key(0), [4, 6]);
    expect(outShape).toEqual([4, 12]);
    expect(apply(params, x).shape).toEqual([4, 12]);
  });
});

describe("training with stax and optimizers", () => {
  const mlp = fixture.mlp;
  const [, predict] = stax.serial(stax.Dense(8), stax.Tanh, stax.Dense(1));
  const mx = toArray(mlp.x);
  const my = toArray(mlp.y);
  const mse = (params: unknown, xs: JaxArray, ys: JaxArray) => jnp.mean(jnp.square(jnp.subtract(predict(params, xs), ys)));
  const fromRecs = (r: Rec[]) => [[toArray(r[0]!), toArray(r[1]!)], [], [toArray(r[2]!), toArray(r[3]!)]];

  it("a Dense-Tanh-Dense regression: loss, gradients and 3 Adam steps match NumPy's backpropagation", () => {
    const params = fromRecs(mlp.params);
    const [loss, g] = valueAndGrad(mse)(params, mx, my);
    expectAllClose(loss, mlp.loss, { rtol: 1e-5 });
    tree.leaves<JaxArray>(g).forEach((leaf, i) => expectAllClose(leaf, toArray(mlp.grads[i]), { atol: 1e-6, rtol: 1e-4 }));

    const [init, update, getParams] = optimizers.adam(mlp.adam_lr);
    let state = init(params);
    (mlp.adam_trajectory as Rec[][]).forEach((want, i) => {
      state = update(i, grad(mse)(getParams(state), mx, my), state);
      tree.leaves<JaxArray>(getParams(state)).forEach((leaf, j) =>
        expectAllClose(leaf, toArray(want[j]!), { atol: 1e-6, rtol: 1e-5, msg: `step ${i} leaf ${j}` }),
      );
    });
  });

  it("a small MLP fit with optimizers.adam under jit: the loss falls", () => {
    const [init, apply] = stax.serial(stax.Dense(16), stax.Relu, stax.Dense(16), stax.Tanh, stax.Dense(1));
    const keys = random.split(random.key(0), 2);
    const xs = random.uniform(keys.get(0), [64, 2], { minval: -1, maxval: 1 });
    const ys = jnp.sin(jnp.multiply(2, jnp.sum(xs, { axis: 1, keepdims: true })));
    const loss = (p: unknown) => jnp.mean(jnp.square(jnp.subtract(apply(p, xs), ys)));
    const [, params] = init(keys.get(1), [-1, 2]);
    const [optInit, optUpdate, getParams] = optimizers.adam(0.02);
    const step = jit((i: JaxArray, s: exampleLibraries.optimizers.OptimizerState) => {
      const [l, g] = valueAndGrad(loss)(getParams(s));
      return [l, optUpdate(i, g, s)] as const;
    });
    let state = optInit(params);
    const first = Number(loss(params).item());
    let last = first;
    for (let i = 0; i < 150; i++) {
      const [l, s] = step(jnp.array(i), state);
      state = s;
      last = Number(l.item());
    }
    expect(step.traceCount).toBe(1);
    expect(last).toBeLessThan(0.1 * first);
  });
});
