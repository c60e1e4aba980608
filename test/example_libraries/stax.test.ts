// example_libraries.stax: output shapes and params from initFun, applyFun against hand-written
// jnp compositions of the same params, Dropout's mask against random.bernoulli with the same
// key, convolutions against lax's, pooling against loops over the windows, combinators, a
// Dense-Tanh-Dense regression whose loss, gradients and 3 Adam steps match
// NumPy's backpropagation (scripts/gen_nn_fixtures.py), and a small MLP trained with
// optimizers.adam whose loss falls.
import { describe, expect, it } from "vitest";
import { exampleLibraries, grad, jit, lax, nn, numpy as jnp, random, tree, valueAndGrad } from "../../src/index.js";
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

/** NHWC pooling by loops over the windows (pads: [lo, hi] per spatial axis): max, sum, or mean of the valid elements. */
function poolLoops(x: JaxArray, win: number[], str: number[], pads: number[][], op: "max" | "sum" | "avg"): JaxArray {
  const [B, H, W, C] = x.shape as [number, number, number, number];
  const d = x.dataSync();
  const outH = Math.floor((H + pads[0]![0]! + pads[0]![1]! - win[0]!) / str[0]!) + 1;
  const outW = Math.floor((W + pads[1]![0]! + pads[1]![1]! - win[1]!) / str[1]!) + 1;
  const out: number[] = [];
  for (let b = 0; b < B; b++)
    for (let i = 0; i < outH; i++)
      for (let j = 0; j < outW; j++)
        for (let c = 0; c < C; c++) {
          let acc = op === "max" ? -Infinity : 0;
          let n = 0;
          for (let di = 0; di < win[0]!; di++)
            for (let dj = 0; dj < win[1]!; dj++) {
              const r = i * str[0]! - pads[0]![0]! + di;
              const q = j * str[1]! - pads[1]![0]! + dj;
              if (r < 0 || r >= H || q < 0 || q >= W) continue;
              const v = d[((b * H + r) * W + q) * C + c]!;
              acc = op === "max" ? Math.max(acc, v) : acc + v;
              n++;
            }
          out.push(op === "avg" ? acc / n : acc);
        }
  return jnp.reshape(jnp.array(out), [B, outH, outW, C]);
}

describe("stax convolutions and pooling", () => {
  const img = jnp.reshape(jnp.sin(jnp.arange(2 * 5 * 5 * 3)), [2, 5, 5, 3]);
  const nhwc = ["NHWC", "HWIO", "NHWC"] as const;

  it("Conv: kernel and bias shapes, glorotNormal over the kernel's I/O axes, apply = conv + b, output shapes", () => {
    const rng = random.key(0);
    for (const [strides, padding] of [[[1, 1], "VALID"], [[2, 2], "SAME"], [[2, 1], "VALID"]] as const) {
      const [init, apply] = stax.Conv(4, [3, 2], { strides, padding });
      const [outShape, [W, b]] = init(rng, [-1, 5, 5, 3]);
      expect([W.shape, b.shape]).toEqual([[3, 2, 3, 4], [1, 1, 1, 4]]);
      // JAX's rules: SAME gives ⌈n / s⌉, VALID ⌊(n − k) / s⌋ + 1.
      const size = (n: number, k: number, s: number) => (padding === "SAME" ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1);
      expect(outShape).toEqual([-1, size(5, 3, strides[0]), size(5, 2, strides[1]), 4]);
      const y = apply([W, b], img);
      expect(y.shape).toEqual([2, ...outShape.slice(1)]);
      expectAllClose(y, jnp.add(lax.convGeneralDilated(img, W, strides, padding, { dimensionNumbers: nhwc }), b));
    }
    const [k1] = random.split(rng);
    const [, [W]] = stax.Conv(4, [3, 3])[0](rng, [2, 5, 5, 3]);
    expect(W.tolist()).toEqual(nn.initializers.glorotNormal({ inAxis: 2, outAxis: 3 })(k1!, [3, 3, 3, 4]).tolist());
  });

  it("GeneralConv in NCHW/OIHW layout", () => {
    const [init, apply] = stax.GeneralConv(["NCHW", "OIHW", "NCHW"], 6, [2, 2], { padding: "SAME" });
    const [outShape, [W, b]] = init(random.key(1), [-1, 3, 5, 5]);
    expect([outShape, W.shape, b.shape]).toEqual([[-1, 6, 5, 5], [6, 3, 2, 2], [1, 6, 1, 1]]);
    const x = jnp.transpose(img, [0, 3, 1, 2]);
    expectAllClose(apply([W, b], x), jnp.add(lax.convGeneralDilated(x, W, [1, 1], "SAME"), b));
  });

  it("ConvTranspose and Conv1DTranspose: Keras's output sizes, apply = convTranspose + b", () => {
    const [init, apply] = stax.ConvTranspose(2, [3, 3], { strides: [2, 2], padding: "SAME" });
    const [outShape, [W, b]] = init(random.key(2), [-1, 5, 5, 3]);
    expect(outShape).toEqual([-1, 10, 10, 2]);
    expectAllClose(apply([W, b], img), jnp.add(lax.convTranspose(img, W, [2, 2], "SAME", { dimensionNumbers: nhwc }), b));
    const [init1, apply1] = stax.Conv1DTranspose(4, [3], { strides: [2] });
    const [outShape1, p1] = init1(random.key(3), [2, 5, 3]);
    // VALID: n·s + max(k − s, 0).
    expect(outShape1).toEqual([2, 5 * 2 + 1, 4]);
    expect(apply1(p1, img.get(":", 0)).shape).toEqual(outShape1);
  });

  for (const [name, layer, op] of [["MaxPool", stax.MaxPool, "max"], ["SumPool", stax.SumPool, "sum"], ["AvgPool", stax.AvgPool, "avg"]] as const) {
    it(`${name} over the spatial axes equals loops over the windows (VALID and SAME)`, () => {
      const [init, apply] = layer([2, 2], { strides: [2, 2] });
      expect(init(random.key(0), [-1, 5, 5, 3])[0]).toEqual([-1, 2, 2, 3]);
      expectAllClose(apply([], img), poolLoops(img, [2, 2], [2, 2], [[0, 0], [0, 0]], op), { atol: 1e-6 });
      const [initS, applyS] = layer([3, 2], { strides: [2, 2], padding: "SAME" });
      const pads = lax.padtypeToPads([5, 5], [3, 2], [2, 2], "SAME");
      expect(initS(random.key(0), [2, 5, 5, 3])[0]).toEqual([2, 3, 3, 3]);
      expectAllClose(applyS([], img), poolLoops(img, [3, 2], [2, 2], pads, op), { atol: 1e-6 });
    });
  }

  it("pooling with a spec: NCHW", () => {
    const [init, apply] = stax.MaxPool([2, 2], { strides: [1, 2], spec: "NCHW" });
    const x = jnp.transpose(img, [0, 3, 1, 2]);
    expect(init(random.key(0), [2, 3, 5, 5])[0]).toEqual([2, 3, 4, 2]);
    expectAllClose(apply([], x), jnp.transpose(poolLoops(img, [2, 2], [1, 2], [[0, 0], [0, 0]], "max"), [0, 3, 1, 2]));
  });

  it("a small convolutional classifier: serial(Conv, Relu, MaxPool, Flatten, Dense, LogSoftmax) is differentiable", () => {
    const [init, apply] = stax.serial(
      stax.Conv(4, [3, 3], { padding: "SAME" }), stax.Relu, stax.MaxPool([2, 2], { strides: [2, 2] }),
      stax.Flatten, stax.Dense(3), stax.LogSoftmax,
    );
    const [outShape, params] = init(random.key(5), [-1, 5, 5, 3]);
    expect(outShape).toEqual([-1, 3]);
    const loss = (p: unknown) => jnp.negative(jnp.mean(apply(p, img).get(":", 0)));
    const g = grad(loss)(params);
    expect(shapes(g)).toEqual(shapes(params));
    expect(tree.leaves<JaxArray>(g).every((l) => jnp.all(jnp.isfinite(l)).item())).toBe(true);
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
