// JAX's examples/mnist_classifier.py in TypeScript: an MLP classifier built with stax, trained
// with optimizers.momentum under jit. Reads MNIST from IDX files (train-images-idx3-ubyte,
// train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, optionally .gz) in the
// directory given as the first argument or $MNIST_DIR; without one it trains on a synthetic
// 10-class problem of the same shape (noisy copies of 10 random 28×28 prototypes), so it runs
// offline. Run: npx tsx examples/mnist_stax.ts [mnist_dir] [--epochs N] [--hidden N]
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { exampleLibraries, grad, jit, nn, numpy as jnp, random, type Array as JaxArray } from "../src/index.js";

const { stax, optimizers } = exampleLibraries;

const args = process.argv.slice(2);
const flag = (name: string, dflt: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const dataDir = args.find((a, i) => !a.startsWith("--") && (i === 0 || !args[i - 1]!.startsWith("--"))) ?? process.env.MNIST_DIR;
const numEpochs = flag("--epochs", 3);
const hidden = flag("--hidden", 256);
const batchSize = 128;

interface Split {
  images: JaxArray; // [n, 784] in [0, 1]
  labels: JaxArray; // [n, 10] one-hot
}

/** One IDX file (big-endian header: magic, dims), gzipped or not. */
function readIdx(dir: string, name: string): { dims: number[]; data: Uint8Array } {
  const path = [join(dir, name), join(dir, `${name}.gz`)].find(existsSync);
  if (path === undefined) throw new Error(`missing ${name}(.gz) in ${dir}`);
  const raw = path.endsWith(".gz") ? gunzipSync(readFileSync(path)) : readFileSync(path);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const ndim = view.getUint8(3);
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  const header = 4 + 4 * ndim;
  return { dims, data: new Uint8Array(raw.buffer, raw.byteOffset + header, raw.byteLength - header) };
}

function mnistSplit(dir: string, prefix: string): Split {
  const img = readIdx(dir, `${prefix}-images-idx3-ubyte`);
  const lab = readIdx(dir, `${prefix}-labels-idx1-ubyte`);
  const n = img.dims[0]!;
  const images = jnp.divide(jnp.reshape(jnp.array(Float32Array.from(img.data)), [n, 784]), 255);
  return { images, labels: nn.oneHot(jnp.array(Int32Array.from(lab.data)), 10) };
}

/** 10 random prototypes; each example is one of them plus noise. */
function syntheticSplit(key: random.PRNGKeyArray, n: number, prototypes: JaxArray): Split {
  const [kLabel, kNoise] = random.split(key);
  const labels = random.randint(kLabel!, [n], 0, 10);
  const noise = jnp.multiply(0.6, random.normal(kNoise!, [n, 784]));
  return { images: jnp.add(prototypes.get(labels), noise), labels: nn.oneHot(labels, 10) };
}

const [train, test] = (() => {
  if (dataDir !== undefined) return [mnistSplit(dataDir, "train"), mnistSplit(dataDir, "t10k")];
  console.log("no MNIST directory given: training on a synthetic 10-class problem of MNIST's shape");
  const [kp, ktr, kte] = random.split(random.key(0), 3);
  const prototypes = random.uniform(kp!, [10, 784]);
  return [syntheticSplit(ktr!, 6000, prototypes), syntheticSplit(kte!, 1000, prototypes)];
})();

const [initRandomParams, predict] = stax.serial(
  stax.Dense(hidden), stax.Relu,
  stax.Dense(hidden), stax.Relu,
  stax.Dense(10), stax.LogSoftmax,
);

const loss = (params: unknown, [inputs, targets]: [JaxArray, JaxArray]): JaxArray =>
  jnp.negative(jnp.mean(jnp.sum(jnp.multiply(predict(params, inputs), targets), { axis: 1 })));

const accuracy = (params: unknown, { images, labels }: Split): number =>
  Number(jnp.mean(jnp.equal(jnp.argmax(labels, 1), jnp.argmax(predict(params, images), 1))).item());

const [optInit, optUpdate, getParams] = optimizers.momentum(0.001, 0.9);
const update = jit((i: JaxArray, state: exampleLibraries.optimizers.OptimizerState, batch: [JaxArray, JaxArray]) =>
  optUpdate(i, grad(loss)(getParams(state), batch), state),
);

const [, initParams] = initRandomParams(random.key(0), [-1, 784]);
let optState = optInit(initParams);
const numTrain = train.images.shape[0]!;
const numBatches = Math.floor(numTrain / batchSize);
let rng = random.key(1);
let step = 0;

console.log("\nStarting training...");
for (let epoch = 0; epoch < numEpochs; epoch++) {
  const start = performance.now();
  const [next, kPerm] = random.split(rng);
  rng = next!;
  const perm = random.permutation(kPerm!, numTrain);
  for (let b = 0; b < numBatches; b++) {
    const idx = perm.get(`${b * batchSize}:${(b + 1) * batchSize}`);
    optState = update(jnp.array(step++), optState, [train.images.get(idx), train.labels.get(idx)]);
  }
  const params = getParams(optState);
  console.log(`Epoch ${epoch} in ${((performance.now() - start) / 1000).toFixed(2)} sec`);
  console.log(`Training set accuracy ${accuracy(params, train).toFixed(4)}`);
  console.log(`Test set accuracy ${accuracy(params, test).toFixed(4)}`);
}
