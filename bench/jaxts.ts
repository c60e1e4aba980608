// Benchmark worker for jaxts itself, through its public API only (src/index.ts). Spawned by
// bench/run.ts; writes protocol events (bench/common.ts) to stdout.
//
//   node --import tsx bench/jaxts.ts --tasks jaxts:matmul/256,... [--quick] [--budget S] [--backend NAME]
//
// `--backend NAME` selects the backend with config.update("jaxts_backend", NAME); without it the
// library default runs. Results are synchronised with `blockUntilReady()` when the array type has
// one; otherwise jaxts computes synchronously, so a returned array is already computed. Arrays
// are never disposed: jaxts manages their memory, and the benchmark includes that cost.

import { config, grad, isArray, jit, numpy as jnp, vmap } from "../src/index.js";
import type { Array as JArray } from "../src/index.js";
import {
  BATCH,
  ELEMENTWISE_SHAPE,
  MATMUL_SIZES,
  MLP_SIZES,
  ODD_MATMUL,
  PEREX_SIZES,
  argValue,
  gen,
  leaves,
  measure,
  mlpData,
  once,
  runWorker,
  type HostArray,
  type Impls,
} from "./common.js";

const backend = argValue("--backend");
if (backend !== undefined) config.update("jaxts_backend", backend);

const put = (h: HostArray): JArray => jnp.array(h.data).reshape(h.shape);
const arr = (data: Float32Array, shape: number[]): JArray => jnp.array(data).reshape(shape);
const arrays = (x: unknown): JArray[] => leaves(x, (v): v is JArray => isArray(v));

/** Waits for every array in `out` when the library offers a way to; returns nothing. */
async function sync(out: unknown): Promise<void> {
  for (const a of arrays(out)) {
    const b = (a as unknown as { blockUntilReady?: () => unknown }).blockUntilReady;
    if (typeof b === "function") {
      const r = b.call(a);
      if (r instanceof Promise) await r;
    }
  }
}

const host = (out: unknown): Float32Array[] => arrays(out).map((a) => a.dataSync() as Float32Array);

function mlp(params: JArray[], x: JArray): JArray {
  let h = x;
  for (let i = 0; i < params.length; i += 2) {
    h = jnp.add(jnp.matmul(h, params[i]!), params[i + 1]!);
    if (i + 2 < params.length) h = jnp.tanh(h);
  }
  return h;
}

const loss = (params: JArray[], x: JArray, y: JArray): JArray => jnp.sum(jnp.square(jnp.subtract(mlp(params, x), y)));

const impls: Impls = {
  "elementwise/eager": async (ctx) => {
    const x = arr(gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2), [...ELEMENTWISE_SHAPE]);
    const f = (x: JArray) => jnp.add(jnp.multiply(x, x), jnp.multiply(x, 2.0));
    ctx.check("elementwise", host(f(x)));
    ctx.result(await measure(() => sync(f(x)), ctx.budget));
  },
  "elementwise/jit": async (ctx) => {
    const x = arr(gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2), [...ELEMENTWISE_SHAPE]);
    const f = jit((x: JArray) => jnp.add(jnp.multiply(x, x), jnp.multiply(x, 2.0)));
    ctx.check("elementwise", host(f(x)));
    ctx.result(await measure(() => sync(f(x)), ctx.budget));
  },
  first_call: async (ctx) => {
    const d = mlpData(MLP_SIZES, BATCH);
    const [params, x, y] = [d.params.map(put), put(d.x), put(d.y)];
    await sync([params, x, y]);
    const g = jit(grad((p: JArray[], x: JArray, y: JArray) => loss(p, x, y)));
    let out: unknown;
    ctx.result(await once(async () => sync((out = g(params, x, y)))), "one sample: trace + compile + first run");
    ctx.check("mlp_grad", host(out));
  },
  mlp_grad: async (ctx) => {
    const d = mlpData(MLP_SIZES, BATCH);
    const [params, x, y] = [d.params.map(put), put(d.x), put(d.y)];
    const g = jit(grad(loss));
    ctx.check("mlp_grad", host(g(params, x, y)));
    ctx.result(await measure(() => sync(g(params, x, y)), ctx.budget));
  },
  "perex/eager": async (ctx) => {
    const d = mlpData(PEREX_SIZES, BATCH);
    const [params, x, y] = [d.params.map(put), put(d.x), put(d.y)];
    const g = vmap(grad(loss), { inAxes: [null, 0, 0] });
    ctx.check("perex", host(g(params, x, y)));
    ctx.result(await measure(() => sync(g(params, x, y)), ctx.budget));
  },
  "perex/jit": async (ctx) => {
    const d = mlpData(PEREX_SIZES, BATCH);
    const [params, x, y] = [d.params.map(put), put(d.x), put(d.y)];
    const g = jit(vmap(grad(loss), { inAxes: [null, 0, 0] }));
    ctx.check("perex", host(g(params, x, y)));
    ctx.result(await measure(() => sync(g(params, x, y)), ctx.budget));
  },
  "tiny/eager": async (ctx) => {
    const [a, b] = [arr(gen(4, 7, 2), [4]), arr(gen(4, 8, 2), [4])];
    ctx.check("tiny", host(jnp.add(a, b)));
    ctx.result(await measure(() => sync(jnp.add(a, b)), ctx.budget));
  },
  "tiny/jit": async (ctx) => {
    const [a, b] = [arr(gen(4, 7, 2), [4]), arr(gen(4, 8, 2), [4])];
    const f = jit((a: JArray, b: JArray) => jnp.add(a, b));
    ctx.check("tiny", host(f(a, b)));
    ctx.result(await measure(() => sync(f(a, b)), ctx.budget));
  },
};

for (const n of MATMUL_SIZES) {
  impls[`matmul/${n}`] = async (ctx) => {
    const { m, k, n: nn } = ODD_MATMUL;
    ctx.check("matmul/odd", host(jnp.matmul(arr(gen(m * k, 3, 1), [m, k]), arr(gen(k * nn, 4, 1), [k, nn]))));
    const [a, b] = [arr(gen(n * n, 1, 1), [n, n]), arr(gen(n * n, 2, 1), [n, n])];
    ctx.check(`matmul/${n}`, host(jnp.matmul(a, b)));
    ctx.result(await measure(() => sync(jnp.matmul(a, b)), ctx.budget));
  };
}

await runWorker(
  "jaxts",
  { backend: config.read("jaxts_backend"), threads: config.read("jaxts_num_threads") || "default", node: process.version },
  impls,
);
