// Computations the browser test runs twice: in Node (the oracle, through the sources) and in
// Chromium (through the esbuild bundle), on the main thread and inside a Worker. Each takes the
// library's namespace as an argument, so the very same code runs on both sides; inputs come
// from a seeded generator, and results are plain number arrays that survive postMessage.

import type * as Jaxts from "../../src/index.js";

type Lib = typeof Jaxts;
export type Results = Record<string, number[]>;

/** Deterministic inputs in [-1, 1): a 32-bit LCG (Numerical Recipes' constants). */
export function lcg(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

const flat = (a: Jaxts.Array): number[] => Array.from(a.dataSync() as ArrayLike<number>);

/** Small jit / grad / vmap / random programs: they check the library works, not its speed. */
export function smallCases(jax: Lib): Results {
  const { numpy: jnp, jit, grad, vmap, random } = jax;
  const x = jnp.array(lcg(12, 1)).reshape([3, 4]);
  const w1 = jnp.array(lcg(4 * 5, 2)).reshape([4, 5]);
  const w2 = jnp.array(lcg(5 * 2, 3)).reshape([5, 2]);
  const y = jnp.array(lcg(3 * 2, 4)).reshape([3, 2]);

  const mlp = (p: [Jaxts.Array, Jaxts.Array], xs: Jaxts.Array) => jnp.matmul(jnp.tanh(jnp.matmul(xs, p[0])), p[1]);
  const loss = (p: [Jaxts.Array, Jaxts.Array], xs: Jaxts.Array, ys: Jaxts.Array) => jnp.sum(jnp.square(jnp.subtract(mlp(p, xs), ys)));
  const [g1, g2] = jit(grad(loss))([w1, w2], x, y) as [Jaxts.Array, Jaxts.Array];
  const perExample = vmap(grad((p: [Jaxts.Array, Jaxts.Array], xi: Jaxts.Array, yi: Jaxts.Array) => loss(p, xi.reshape([1, 4]), yi.reshape([1, 2]))), {
    inAxes: [null, 0, 0],
  })([w1, w2], x, y) as [Jaxts.Array, Jaxts.Array];

  const smooth = jit((v: Jaxts.Array) => jnp.add(jnp.sum(jnp.multiply(jnp.exp(jnp.multiply(v, -0.5)), jnp.sin(v)), { axis: 1 }), jnp.max(jnp.log1p(jnp.abs(v)))));
  const normal = random.normal(random.key(42), [6]);
  return {
    mlp: flat(jit(mlp)([w1, w2], x)),
    grad_w1: flat(g1),
    grad_w2: flat(g2),
    per_example_w1: flat(perExample[0]),
    smooth: flat(smooth(x)),
    vmap_outer: flat(vmap((a: Jaxts.Array) => jnp.multiply(a, jnp.arange(4)))(x)),
    normal: flat(normal),
  };
}

/** Rows and columns of the large matmul; big enough that the GEMM splits across threads. */
export const MATMUL_N = 384;
/** Elements of the large elementwise program; far above the parallel threshold. */
export const ELEMENTWISE_N = 1 << 20;
/** Every SAMPLE-th element of a large result is compared (the whole of it is summed). */
const SAMPLE = 997;

function summarize(a: Jaxts.Array): number[] {
  const d = a.dataSync() as ArrayLike<number>;
  let sum = 0;
  const out: number[] = [];
  for (let i = 0; i < d.length; i++) {
    sum += d[i]!;
    if (i % SAMPLE === 0) out.push(d[i]!);
  }
  out.push(sum);
  return out;
}

/** The large inputs, for an oracle that recomputes sampled entries in float64. */
export function largeInputs(): { a: number[]; b: number[]; x: number[] } {
  return { a: lcg(MATMUL_N * MATMUL_N, 5), b: lcg(MATMUL_N * MATMUL_N, 6), x: lcg(ELEMENTWISE_N, 7) };
}

/** A large matmul and a large fused elementwise program (eager and jit'd), summarized. */
export function largeCases(jax: Lib): Results {
  const { numpy: jnp, jit } = jax;
  const { a, b, x } = largeInputs();
  const A = jnp.array(a).reshape([MATMUL_N, MATMUL_N]);
  const B = jnp.array(b).reshape([MATMUL_N, MATMUL_N]);
  const X = jnp.array(x);
  const f = (v: Jaxts.Array) => jnp.add(jnp.multiply(v, v), jnp.multiply(v, 2));
  return {
    matmul: summarize(jnp.matmul(A, B)),
    matmul_tb: summarize(jit((p: Jaxts.Array, q: Jaxts.Array) => jnp.matmul(p, jnp.transpose(q)))(A, B)),
    elementwise: summarize(f(X)),
    elementwise_jit: summarize(jit(f)(X)),
    tanh_jit: summarize(jit((v: Jaxts.Array) => jnp.tanh(jnp.multiply(v, 3)))(X)),
  };
}

/** Positions summarize() keeps, for the float64 oracle. */
export function sampledIndices(n: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i += SAMPLE) out.push(i);
  return out;
}
