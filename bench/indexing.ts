// Indexing micro-benchmarks (gathers, dynamic slices, scatters, cumsum, argmax, interior pads)
// on the backend JAXTS_BACKEND selects: the median of 15 calls per case, each including the
// read of its result (dataSync). To compare with an earlier commit, run this file from a
// checkout of that commit in the same session (git archive <commit> | tar -x -C /tmp/old).
//   JAXTS_BACKEND=wasm npx tsx bench/indexing.ts
import { grad, jit, lax, numpy as jnp, random } from "../src/index.js";
import type { Array as JArray } from "../src/index.js";

function time(name: string, f: () => JArray, reps = 15): void {
  f().dataSync();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f().dataSync();
    ts.push(performance.now() - t0);
  }
  ts.sort((a, b) => a - b);
  console.log(`${name.padEnd(46)} ${ts[ts.length >> 1]!.toFixed(2).padStart(9)} ms`);
}

const table = random.normal(random.key(1), [50000, 256]);
const ids = random.randint(random.key(2), [8192], -50000, 50000);
const x1 = random.normal(random.key(3), [4_000_000]);
const i1 = random.randint(random.key(4), [1_000_000], 0, 4_000_000);
const m = random.normal(random.key(5), [2000, 2000]);
const along = random.randint(random.key(6), [2000, 200, 1], 0, 2000);
const start = jnp.array(700, { dtype: "int32" });
const takeAlong = { offsetDims: [], collapsedSliceDims: [1], startIndexMap: [1], operandBatchingDims: [0], startIndicesBatchingDims: [0] };

const lookup = (t: JArray, i: JArray) => jnp.index(t, i);
const lookupJit = jit(lookup);
const tanhLookup = jit((t: JArray, i: JArray) => jnp.tanh(jnp.index(t, i)));
const gatherAlong = jit((x: JArray, i: JArray) => lax.gather(x, i, takeAlong, [1, 1]));
const embeddingGrad = jit(grad((t: JArray, i: JArray) => jnp.sum(jnp.index(t, i))) as (t: JArray, i: JArray) => JArray);
const slice = jit((x: JArray, s: JArray) => lax.dynamicSlice(x, [s, 0], [1000, 2000]));
const update = jit((x: JArray, s: JArray) => lax.dynamicUpdateSlice(x, jnp.ones([1000, 2000]), [s, 0]));
const argmax = jit((x: JArray) => jnp.argmax(x, { axis: 1 }));
const interior = jit((x: JArray) => lax.pad(x, 0, [[0, 0, 1], [0, 0, 0]]));

time("embedding x[idx] 50000x256[8192], eager", () => lookup(table, ids));
time("embedding x[idx] 50000x256[8192], jit", () => lookupJit(table, ids));
time("tanh(x[idx]) 50000x256[8192], jit", () => tanhLookup(table, ids));
time("x[idx] 4e6[1e6], eager", () => jnp.index(x1, i1));
time("take along axis 2000x2000 -> 2000x200, jit", () => gatherAlong(m, along));
time("grad of embedding (scatter_add), jit", () => embeddingGrad(table, ids));
time("dynamic_slice 2000x2000 -> 1000x2000, jit", () => slice(m, start));
time("dynamic_update_slice 2000x2000, jit", () => update(m, start));
time("cumsum 2000x2000 axis 0, eager", () => jnp.cumsum(m, { axis: 0 }));
time("cumsum 2000x2000 axis 1, eager", () => jnp.cumsum(m, { axis: 1 }));
time("argmax 2000x2000 axis 1, jit", () => argmax(m));
time("pad interior 2000x2000 -> 3999x2000, jit", () => interior(m));
