// Benchmark worker for @jax-js/jax on its Wasm backend (one thread on Node). Spawned by
// bench/run.ts; writes protocol events (bench/common.ts) to stdout.
//
// jax-js arrays are reference counted and every operation consumes its arguments, so inputs
// that are used again are passed as `.ref` (tree.ref for parameter lists) and outputs are
// disposed. jax-js is lazy: each timed call ends with blockUntilReady() on every output, which
// dispatches the pending kernels and waits for them.

import { blockUntilReady, defaultDevice, grad, init, jit, numpy as np, tree, vmap } from "@jax-js/jax";
import type { Array as JArray } from "@jax-js/jax";
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

const devices = await init("wasm");
defaultDevice("wasm");

const arr = (data: Float32Array, shape: number[]): JArray => np.array(data, { shape });
const put = (h: HostArray): JArray => arr(h.data, h.shape);

/** Forces every output, then releases it. */
async function finish(out: JArray | JArray[]): Promise<void> {
  await blockUntilReady(out);
  tree.dispose(out);
}

/** Reads every output back (consuming it, as jax-js's dataSync does). */
const host = (out: JArray | JArray[]): Float32Array[] => (Array.isArray(out) ? out : [out]).map((a) => a.dataSync() as Float32Array);

function mlp(params: JArray[], x: JArray): JArray {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = np.add(np.matmul(h, params[i]!), params[i + 1]!);
    if (i + 2 < params.length) h = np.tanh(h);
  }
  return h;
}

const loss = (params: JArray[], x: JArray, y: JArray): JArray => np.sum(np.square(np.subtract(mlp(params, x), y)));

function mlpInputs(sizes: readonly number[]): { params: JArray[]; x: JArray; y: JArray } {
  const d = mlpData(sizes, BATCH);
  return { params: d.params.map(put), x: put(d.x), y: put(d.y) };
}

const bigX = () => arr(gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2), [...ELEMENTWISE_SHAPE]);
const tinyArgs = () => [arr(gen(4, 7, 2), [4]), arr(gen(4, 8, 2), [4])] as const;

const impls: Impls = {
  "elementwise/eager": async (ctx) => {
    const x = bigX();
    const f = (x: JArray) => np.add(np.multiply(x.ref, x.ref), np.multiply(x.ref, 2.0));
    ctx.check("elementwise", host(f(x)));
    ctx.result(await measure(() => finish(f(x)), ctx.budget));
  },
  "elementwise/jit": async (ctx) => {
    const x = bigX();
    const f = jit((x: JArray) => np.add(np.multiply(x.ref, x.ref), np.multiply(x, 2.0)));
    ctx.check("elementwise", host(f(x.ref)));
    ctx.result(await measure(() => finish(f(x.ref)), ctx.budget));
  },
  first_call: async (ctx) => {
    const { params, x, y } = mlpInputs(MLP_SIZES);
    await blockUntilReady([params, x, y]);
    const g = jit(grad((p: JArray[], x: JArray, y: JArray) => loss(p, x, y)));
    let out: JArray[] = [];
    ctx.result(
      await once(async () => {
        out = g(tree.ref(params), x.ref, y.ref);
        await blockUntilReady(out);
      }),
      "one sample: trace + compile + first run",
    );
    ctx.check("mlp_grad", host(out));
  },
  mlp_grad: async (ctx) => {
    const { params, x, y } = mlpInputs(MLP_SIZES);
    const g = jit(grad(loss));
    ctx.check("mlp_grad", host(g(tree.ref(params), x.ref, y.ref)));
    ctx.result(await measure(() => finish(g(tree.ref(params), x.ref, y.ref)), ctx.budget));
  },
  "perex/eager": async (ctx) => {
    const { params, x, y } = mlpInputs(PEREX_SIZES);
    const g = vmap(grad(loss), [null, 0, 0]);
    ctx.check("perex", host(g(tree.ref(params), x.ref, y.ref)));
    ctx.result(await measure(() => finish(g(tree.ref(params), x.ref, y.ref)), ctx.budget));
  },
  "perex/jit": async (ctx) => {
    const { params, x, y } = mlpInputs(PEREX_SIZES);
    const g = jit(vmap(grad(loss), [null, 0, 0]));
    ctx.check("perex", host(g(tree.ref(params), x.ref, y.ref)));
    ctx.result(await measure(() => finish(g(tree.ref(params), x.ref, y.ref)), ctx.budget));
  },
  "tiny/eager": async (ctx) => {
    const [a, b] = tinyArgs();
    ctx.check("tiny", host(np.add(a.ref, b.ref)));
    ctx.result(await measure(() => finish(np.add(a.ref, b.ref)), ctx.budget));
  },
  "tiny/jit": async (ctx) => {
    const [a, b] = tinyArgs();
    const f = jit((a: JArray, b: JArray) => np.add(a, b));
    ctx.check("tiny", host(f(a.ref, b.ref)));
    ctx.result(await measure(() => finish(f(a.ref, b.ref)), ctx.budget));
  },
};

for (const n of MATMUL_SIZES) {
  impls[`matmul/${n}`] = async (ctx) => {
    const { m, k, n: nn } = ODD_MATMUL;
    ctx.check("matmul/odd", host(np.matmul(arr(gen(m * k, 3, 1), [m, k]), arr(gen(k * nn, 4, 1), [k, nn]))));
    const [a, b] = [arr(gen(n * n, 1, 1), [n, n]), arr(gen(n * n, 2, 1), [n, n])];
    ctx.check(`matmul/${n}`, host(np.matmul(a.ref, b.ref)));
    ctx.result(await measure(() => finish(np.matmul(a.ref, b.ref)), ctx.budget));
  };
}

await runWorker("jaxjs", { version: pkgVersion("@jax-js/jax"), devices, device: "wasm", node: process.version }, impls);
