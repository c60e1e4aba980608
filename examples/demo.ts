// The JAX README's example in TypeScript: an MLP trained by SGD with a compiled gradient,
// then per-example gradients with jit(vmap(grad)) checked against a loop of grad.
import { grad, jit, vmap, numpy as jnp, tree, type Array } from "../src/index.js";

type Params = [Array, Array][];

function predict(params: Params, inputs: Array): Array {
  let outputs = inputs;
  for (const [W, b] of params) {
    outputs = jnp.add(jnp.dot(inputs, W), b);
    inputs = jnp.tanh(outputs);
  }
  return outputs;
}

const logprobFun = (params: Params, inputs: Array, targets: Array): Array =>
  jnp.sum(jnp.power(jnp.subtract(predict(params, inputs), targets), 2));

const gradFun = jit(grad(logprobFun)); // compiled gradient
const perexGrads = jit(vmap(gradFun, { inAxes: [null, 0, 0] })); // fast per-example gradients

// Deterministic pseudo-random data (a small LCG keeps the demo free of other APIs).
let seed = 42;
const rand = (shape: number[], scale = 1): Array => {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    data[i] = ((seed / 2 ** 32) * 2 - 1) * scale;
  }
  return jnp.reshape(jnp.array(data), shape);
};

const sizes = [4, 16, 16, 2];
let params: Params = [];
for (let i = 0; i < sizes.length - 1; i++) {
  params.push([rand([sizes[i]!, sizes[i + 1]!], 1 / Math.sqrt(sizes[i]!)), rand([sizes[i + 1]!], 0.1)]);
}
const inputs = rand([32, 4]);
const targets = jnp.sin(jnp.matmul(inputs, rand([4, 2])));

const lr = 0.01;
console.log("step  loss");
for (let step = 0; step <= 50; step++) {
  if (step % 10 === 0) console.log(String(step).padStart(4), Number(logprobFun(params, inputs, targets)).toFixed(5));
  const g = gradFun(params, inputs, targets) as Params;
  params = tree.map((p: Array, gp: Array) => jnp.subtract(p, jnp.multiply(lr, gp)), params, g) as Params;
}

// Per-example gradients: one vmapped, compiled call versus a loop of grad.
const batch = 8;
const xs = inputs.get("0:8");
const ys = targets.get("0:8");
const fast = perexGrads(params, xs, ys) as Params;
let maxErr = 0;
for (let i = 0; i < batch; i++) {
  const gi = gradFun(params, xs.get(i), ys.get(i)) as Params;
  tree.leaves(gi).forEach((leaf, k) => {
    const f = tree.leaves(fast)[k] as Array;
    const row = f.get(i);
    const err = Number(jnp.max(jnp.abs(jnp.subtract(row, leaf as Array))));
    maxErr = Math.max(maxErr, err);
  });
}
console.log(`per-example gradients (batch ${batch}) match a loop of grad: max |difference| = ${maxErr.toExponential(2)}`);
if (!(maxErr < 1e-5)) {
  console.error("per-example gradients differ from the loop of grad");
  process.exit(1);
}
