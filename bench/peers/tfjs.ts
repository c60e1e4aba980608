// Benchmark worker for TensorFlow.js (@tensorflow/tfjs-core with @tensorflow/tfjs-backend-wasm,
// XNNPACK kernels). Spawned by bench/run.ts; writes protocol events (bench/common.ts) to stdout.
//
// tfjs has neither jit nor vmap: its "mlp_grad" is eager tf.grads, "first_call" the first such
// call, and "perex/eager" a loop over the batch (tf.grads per example, results stacked). The
// Wasm backend runs each kernel synchronously when the op is called, so a returned tensor is
// already computed; outputs are disposed after each call (tf.tidy for intermediates).

import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { register } from "node:module";
import {
  BATCH,
  ELEMENTWISE_SHAPE,
  MATMUL_SIZES,
  MLP_SIZES,
  ODD_MATMUL,
  PEREX_SIZES,
  gen,
  measure,
  mlpData,
  once,
  pkgVersion,
  runWorker,
  type HostArray,
  type Impls,
} from "../common.js";

register("./tfjs_resolve.mjs", import.meta.url);
await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
await tf.ready();

const put = (h: HostArray): tf.Tensor => tf.tensor(h.data, h.shape, "float32");
const host = (out: tf.Tensor | tf.Tensor[]): Float32Array[] =>
  (Array.isArray(out) ? out : [out]).map((t) => {
    const d = t.dataSync() as Float32Array;
    t.dispose();
    return d;
  });

function mlp(params: tf.Tensor[], x: tf.Tensor): tf.Tensor {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = tf.add(tf.matMul(h, params[i]!), params[i + 1]!);
    if (i + 2 < params.length) h = tf.tanh(h);
  }
  return h;
}

const loss = (params: tf.Tensor[], x: tf.Tensor, y: tf.Tensor): tf.Scalar => tf.sum(tf.square(tf.sub(mlp(params, x), y)));

/** Gradients of the loss with respect to every parameter, as tf.grads computes them. */
const gradsOf = (params: tf.Tensor[], x: tf.Tensor, y: tf.Tensor): tf.Tensor[] =>
  tf.grads((...ps: tf.Tensor[]) => loss(ps, x, y))(params);

function mlpInputs(sizes: readonly number[]): { params: tf.Tensor[]; x: tf.Tensor; y: tf.Tensor } {
  const d = mlpData(sizes, BATCH);
  return { params: d.params.map(put), x: put(d.x), y: put(d.y) };
}

/** Per-example gradients by a loop: example i is the 1-row slice of x and y. */
function perExample(params: tf.Tensor[], x: tf.Tensor, y: tf.Tensor): tf.Tensor[] {
  return tf.tidy(() => {
    const cols = params.map(() => [] as tf.Tensor[]);
    for (let i = 0; i < BATCH; i++) {
      const xi = tf.slice(x, [i, 0], [1, x.shape[1]!]);
      const yi = tf.slice(y, [i, 0], [1, y.shape[1]!]);
      gradsOf(params, xi, yi).forEach((g, j) => cols[j]!.push(g));
    }
    return cols.map((c) => tf.stack(c));
  });
}

const dispose = (ts: tf.Tensor | tf.Tensor[]) => tf.dispose(ts);
const bigX = () => put({ data: gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2), shape: [...ELEMENTWISE_SHAPE] });
const elementwise = (x: tf.Tensor) => tf.tidy(() => tf.add(tf.mul(x, x), tf.mul(x, 2.0)));

const impls: Impls = {
  "elementwise/eager": async (ctx) => {
    const x = bigX();
    ctx.check("elementwise", host(elementwise(x)));
    ctx.result(await measure(() => dispose(elementwise(x)), ctx.budget));
  },
  "elementwise/jit": "tfjs has no jit",
  first_call: async (ctx) => {
    const { params, x, y } = mlpInputs(MLP_SIZES);
    let out: tf.Tensor[] = [];
    ctx.result(await once(() => (out = gradsOf(params, x, y))), "one sample: first eager tf.grads call (no compile step)");
    ctx.check("mlp_grad", host(out));
  },
  mlp_grad: async (ctx) => {
    const { params, x, y } = mlpInputs(MLP_SIZES);
    ctx.check("mlp_grad", host(gradsOf(params, x, y)));
    ctx.result(await measure(() => dispose(gradsOf(params, x, y)), ctx.budget), "eager tf.grads (tfjs has no jit)");
  },
  "perex/eager": async (ctx) => {
    const { params, x, y } = mlpInputs(PEREX_SIZES);
    ctx.check("perex", host(perExample(params, x, y)));
    ctx.result(await measure(() => dispose(perExample(params, x, y)), ctx.budget), "loop of 128 tf.grads calls (tfjs has no vmap)");
  },
  "perex/jit": "tfjs has no jit or vmap",
  "tiny/eager": async (ctx) => {
    const [a, b] = [tf.tensor(gen(4, 7, 2)), tf.tensor(gen(4, 8, 2))];
    ctx.check("tiny", host(tf.add(a, b)));
    ctx.result(await measure(() => tf.add(a, b).dispose(), ctx.budget));
  },
  "tiny/jit": "tfjs has no jit",
};

for (const n of MATMUL_SIZES) {
  impls[`matmul/${n}`] = async (ctx) => {
    const { m, k, n: nn } = ODD_MATMUL;
    const [p, q] = [tf.tensor(gen(m * k, 3, 1), [m, k]), tf.tensor(gen(k * nn, 4, 1), [k, nn])];
    ctx.check("matmul/odd", host(tf.matMul(p, q)));
    const [a, b] = [tf.tensor(gen(n * n, 1, 1), [n, n]), tf.tensor(gen(n * n, 2, 1), [n, n])];
    ctx.check(`matmul/${n}`, host(tf.matMul(a, b)));
    ctx.result(await measure(() => tf.matMul(a, b).dispose(), ctx.budget));
  };
}

const env = tf.env();
await runWorker(
  "tfjs",
  {
    version: pkgVersion("@tensorflow/tfjs-backend-wasm"),
    backend: tf.getBackend(),
    simd: await env.getAsync("WASM_HAS_SIMD_SUPPORT"),
    threads: await env.getAsync("WASM_HAS_MULTITHREAD_SUPPORT"),
    node: process.version,
  },
  impls,
);
