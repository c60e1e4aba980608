// jax.example_libraries.stax: a small neural-network specification library. A layer is a pair
// [initFun, applyFun]: initFun(rng, inputShape) returns [outputShape, params] and
// applyFun(params, inputs, { rng, ... }) applies the layer. Combinators (serial, parallel,
// shapeDependent) build layers from layers; params are pytrees (nested JS arrays), so grad, jit
// and the optimizers apply to them. Layer constructors keep JAX's capitalized names (Dense, Relu,
// Conv, MaxPool).
import type { JaxArray } from "../core/array.js";
import { ValueError } from "../core/errors.js";
import { ShapeDtypeStruct, evalShape } from "../transforms/api.js";
import { normalizeAxis } from "../core/shape.js";
import * as lax from "../lax/index.js";
import * as nn from "../nn/functions.js";
import { glorotNormal, normal, ones, zeros, type Initializer } from "../nn/initializers.js";
import * as jnp from "../numpy/index.js";
import * as random from "../random/index.js";
import type { KeyArray } from "../random/index.js";

/** An input or output shape (a batch dimension may be −1), or a list of them for multi-input layers. */
export type ShapeTree = number[] | ShapeTree[];

/** Options of applyFun: `rng` for layers that draw random numbers (Dropout); others pass through. */
export interface ApplyOptions {
  rng?: KeyArray | null;
  [key: string]: unknown;
}

// Params and inputs are arbitrary pytrees (and shapes, lists of shapes), hence `any`.
export type InitFun = (rng: KeyArray, inputShape: any) => [any, any];
export type ApplyFun = (params: any, inputs: any, opts?: ApplyOptions) => any;

/** A layer: [initFun, applyFun]. */
export type Layer = readonly [InitFun, ApplyFun];

// Aliases JAX's stax keeps for backwards compatibility.
export const glorot = glorotNormal;
export const randn = normal;
export const logsoftmax = nn.logSoftmax;

/** The `n` keys of random.split(rng, n), one by one (typed keys or raw uint32[2] key data). */
function splitKeys(rng: KeyArray, n: number): KeyArray[] {
  const keys = random.split(rng, n) as { get(i: number): KeyArray };
  return Array.from({ length: n }, (_, i) => keys.get(i));
}

/** Dense(outDim, WInit = glorotNormal(), bInit = normal()): inputs·W + b. */
export function Dense(outDim: number, WInit: Initializer = glorotNormal(), bInit: Initializer = normal()): Layer {
  const initFun: InitFun = (rng, inputShape: number[]) => {
    const outputShape = [...inputShape.slice(0, -1), outDim];
    const [k1, k2] = splitKeys(rng, 2);
    const W = WInit(k1!, [inputShape[inputShape.length - 1]!, outDim]);
    const b = bInit(k2!, [outDim]);
    return [outputShape, [W, b]];
  };
  const applyFun: ApplyFun = (params: [JaxArray, JaxArray], inputs: JaxArray) => {
    const [W, b] = params;
    return jnp.add(jnp.dot(inputs, W), b);
  };
  return [initFun, applyFun];
}

/** Dimension numbers as three layout strings, e.g. ["NHWC", "HWIO", "NHWC"]. */
export type ConvLayout = readonly [lhsSpec: string, rhsSpec: string, outSpec: string];

/**
 * The output shape of `apply` on inputs of `inputShape`, found by tracing it abstractly; a −1
 * (unknown batch size) traces as 1 and is put back at the output's batch axis.
 */
function tracedOutputShape(
  apply: (x: JaxArray) => JaxArray,
  inputShape: number[],
  batchIn: number,
  batchOut: number,
): number[] {
  const unknown = inputShape.some((n) => n === -1);
  const out = evalShape(apply, new ShapeDtypeStruct(inputShape.map((n) => (n === -1 ? 1 : n)), "float32")) as ShapeDtypeStruct;
  const shape = [...out.shape];
  if (unknown && inputShape[batchIn] === -1) shape[batchOut] = -1;
  return shape;
}

export interface ConvLayerOptions {
  /** Window strides (default all 1). */
  strides?: readonly number[] | null;
  /** "VALID" (default), "SAME", "SAME_LOWER", or explicit [lo, hi] pairs per spatial axis. */
  padding?: lax.PaddingLike;
  /** Default: glorotNormal with the kernel's I and O axes as in and out axes. */
  WInit?: Initializer | null;
  /** Default: normal(1e-6). */
  bInit?: Initializer;
}

/** The kernel shape: O and I from outChan and the input's C, spatial sizes from filterShape in order. */
function kernelShape(dn: ConvLayout, outChan: number, filterShape: readonly number[], inputShape: number[]): number[] {
  let f = 0;
  return [...dn[1]].map((c) => (c === "O" ? outChan : c === "I" ? inputShape[dn[0].indexOf("C")]! : filterShape[f++]!));
}

function convLayer(
  dn: ConvLayout,
  outChan: number,
  filterShape: readonly number[],
  opts: ConvLayerOptions,
  transpose: boolean,
): Layer {
  const [lhsSpec, rhsSpec, outSpec] = dn;
  const strides = opts.strides ?? filterShape.map(() => 1);
  const padding = opts.padding ?? "VALID";
  const WInit = opts.WInit ?? glorotNormal({ inAxis: rhsSpec.indexOf("I"), outAxis: rhsSpec.indexOf("O") });
  const bInit = opts.bInit ?? normal(1e-6);
  const op = (x: JaxArray, W: JaxArray): JaxArray =>
    transpose
      ? lax.convTranspose(x, W, strides, padding, { dimensionNumbers: dn })
      : lax.convGeneralDilated(x, W, strides, padding, { dimensionNumbers: dn });
  const initFun: InitFun = (rng, inputShape: number[]) => {
    const kShape = kernelShape(dn, outChan, filterShape, inputShape);
    const zerosKernel = jnp.zeros(kShape);
    const outputShape = tracedOutputShape((x) => op(x, zerosKernel), inputShape, lhsSpec.indexOf("N"), outSpec.indexOf("N"));
    const biasShape = [...outSpec].map((c) => (c === "C" ? outChan : 1));
    const [k1, k2] = splitKeys(rng, 2);
    return [outputShape, [WInit(k1!, kShape), bInit(k2!, biasShape)]];
  };
  const applyFun: ApplyFun = (params: [JaxArray, JaxArray], inputs: JaxArray) => {
    const [W, b] = params;
    return jnp.add(op(inputs, W), b);
  };
  return [initFun, applyFun];
}

/**
 * GeneralConv(dimensionNumbers, outChan, filterShape, { strides, padding, WInit, bInit }): a
 * convolution (lax.convGeneralDilated) plus a bias; params [W, b], W laid out as the rhs spec.
 */
export const GeneralConv = (dn: ConvLayout, outChan: number, filterShape: readonly number[], opts: ConvLayerOptions = {}): Layer =>
  convLayer(dn, outChan, filterShape, opts, false);

/** Conv(outChan, filterShape, opts): GeneralConv with NHWC inputs and HWIO kernels. */
export const Conv = (outChan: number, filterShape: readonly number[], opts: ConvLayerOptions = {}): Layer =>
  GeneralConv(["NHWC", "HWIO", "NHWC"], outChan, filterShape, opts);

/** GeneralConvTranspose(dimensionNumbers, outChan, filterShape, opts): lax.convTranspose plus a bias. */
export const GeneralConvTranspose = (dn: ConvLayout, outChan: number, filterShape: readonly number[], opts: ConvLayerOptions = {}): Layer =>
  convLayer(dn, outChan, filterShape, opts, true);

/** Conv1DTranspose(outChan, filterShape, opts): NHC inputs, HIO kernels. */
export const Conv1DTranspose = (outChan: number, filterShape: readonly number[], opts: ConvLayerOptions = {}): Layer =>
  GeneralConvTranspose(["NHC", "HIO", "NHC"], outChan, filterShape, opts);

/** ConvTranspose(outChan, filterShape, opts): NHWC inputs, HWIO kernels. */
export const ConvTranspose = (outChan: number, filterShape: readonly number[], opts: ConvLayerOptions = {}): Layer =>
  GeneralConvTranspose(["NHWC", "HWIO", "NHWC"], outChan, filterShape, opts);

export interface PoolOptions {
  /** Window strides over the spatial axes (default all 1). */
  strides?: readonly number[] | null;
  /** "VALID" (default), "SAME" or explicit pairs (over every axis). */
  padding?: lax.PaddingLike;
  /** The input layout, e.g. "NHWC" (default: batch first, channels last). */
  spec?: string | null;
}

/**
 * A pooling layer over the spatial axes: windows of size 1 and stride 1 on the batch (N) and
 * channel (C) axes, `reduce` over each window, then `rescale` (average pooling).
 */
function poolingLayer(
  computation: "max" | "add",
  initValue: number,
  averaged: boolean,
): (windowShape: readonly number[], opts?: PoolOptions) => Layer {
  return (windowShape0, opts = {}) => {
    const strides0 = opts.strides ?? windowShape0.map(() => 1);
    const padding = opts.padding ?? "VALID";
    const spec = opts.spec ?? null;
    const nonSpatial = spec === null ? [0, windowShape0.length + 1] : [spec.indexOf("N"), spec.indexOf("C")];
    const windowShape = [...windowShape0];
    const strides = [...strides0];
    for (const i of [...nonSpatial].sort((a, b) => a - b)) {
      windowShape.splice(i, 0, 1);
      strides.splice(i, 0, 1);
    }
    const initFun: InitFun = (_rng, inputShape: number[]) => {
      const pads =
        typeof padding === "string" ? lax.padtypeToPads(inputShape, windowShape, strides, padding) : padding.map(([lo, hi]) => [lo, hi]);
      // reduce_window's shape rule: ⌊(in + lo + hi − window) / stride⌋ + 1 (a −1 batch stays −1).
      const outShape = inputShape.map((n, i) => Math.floor((n + pads[i]![0]! + pads[i]![1]! - windowShape[i]!) / strides[i]!) + 1);
      return [outShape, []];
    };
    const applyFun: ApplyFun = (_params, inputs: JaxArray) => {
      const out = lax.reduceWindow(inputs, initValue, computation, windowShape, strides, padding);
      if (!averaged) return out;
      // Divide by the number of input elements in each window (padding excluded).
      const ns = spec === null ? [0, inputs.ndim - 1] : nonSpatial;
      const spatialShape = inputs.shape.filter((_, i) => !ns.includes(i));
      const ones = jnp.ones(spatialShape, inputs.dtype);
      const windowSizes = lax.reduceWindow(ones, 0, "add", windowShape0, strides0, padding);
      return jnp.divide(out, lax.expandDims(windowSizes, [...ns].sort((a, b) => a - b)));
    };
    return [initFun, applyFun];
  };
}

/** MaxPool(windowShape, { strides, padding, spec }): the maximum over each window. */
export const MaxPool = poolingLayer("max", -Infinity, false);
/** SumPool(windowShape, { strides, padding, spec }): the sum over each window. */
export const SumPool = poolingLayer("add", 0, false);
/** AvgPool(windowShape, { strides, padding, spec }): the mean over each window's input elements. */
export const AvgPool = poolingLayer("add", 0, true);

export interface BatchNormOptions {
  /** The axes normalized over (default [0, 1, 2], the batch and spatial axes of NHWC images). */
  axis?: number | readonly number[];
  epsilon?: number;
  /** Learn a shift beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  betaInit?: Initializer;
  gammaInit?: Initializer;
}

/**
 * BatchNorm({ axis, epsilon, center, scale, betaInit, gammaInit }): standardizes over `axis` with
 * the batch's own statistics (as JAX's stax does: no running averages), then gamma·z + beta. The
 * params are [beta, gamma], each with the shape of the remaining axes ([] when not learned).
 */
export function BatchNorm(opts: BatchNormOptions = {}): Layer {
  const axis0 = opts.axis ?? [0, 1, 2];
  const axes0 = typeof axis0 === "number" ? [axis0] : [...axis0];
  const epsilon = opts.epsilon ?? 1e-5;
  const center = opts.center ?? true;
  const scale = opts.scale ?? true;
  const betaInit = opts.betaInit ?? zeros;
  const gammaInit = opts.gammaInit ?? ones;
  const axesFor = (ndim: number): number[] => axes0.map((a) => normalizeAxis(a, ndim)).sort((p, q) => p - q);
  const initFun: InitFun = (rng, inputShape: number[]) => {
    const axes = axesFor(inputShape.length);
    const shape = inputShape.filter((_, i) => !axes.includes(i));
    const [k1, k2] = splitKeys(rng, 2);
    const beta = center ? betaInit(k1!, shape) : [];
    const gamma = scale ? gammaInit(k2!, shape) : [];
    return [inputShape, [beta, gamma]];
  };
  const applyFun: ApplyFun = (params: [JaxArray, JaxArray], x: JaxArray) => {
    const [beta, gamma] = params;
    const axes = axesFor(x.ndim);
    // beta and gamma lack the normalized axes: put size-1 axes back in their places.
    const ed = (p: JaxArray): JaxArray => lax.expandDims(p, axes);
    const z = nn.standardize(x, { axis: axes, epsilon });
    if (center && scale) return jnp.add(jnp.multiply(ed(gamma), z), ed(beta));
    if (center) return jnp.add(z, ed(beta));
    if (scale) return jnp.multiply(ed(gamma), z);
    return z;
  };
  return [initFun, applyFun];
}

/** elementwise(fun, ...args): a layer without params applying fun(inputs, ...args). */
export function elementwise<A extends unknown[]>(fun: (x: JaxArray, ...args: A) => JaxArray, ...args: A): Layer {
  const initFun: InitFun = (_rng, inputShape) => [inputShape, []];
  const applyFun: ApplyFun = (_params, inputs: JaxArray) => fun(inputs, ...args);
  return [initFun, applyFun];
}

export const Tanh = elementwise(jnp.tanh);
export const Relu = elementwise(nn.relu);
export const Exp = elementwise(jnp.exp);
export const LogSoftmax = elementwise(nn.logSoftmax, { axis: -1 });
export const Softmax = elementwise(nn.softmax, { axis: -1 });
export const Softplus = elementwise(nn.softplus);
export const Sigmoid = elementwise(nn.sigmoid);
export const Elu = elementwise(nn.elu);
export const LeakyRelu = elementwise(nn.leakyRelu);
export const Selu = elementwise(nn.selu);
export const Gelu = elementwise(nn.gelu);

/** Flatten: reshapes to [batch, everything else]. */
export const Flatten: Layer = [
  (_rng, inputShape: number[]) => [[inputShape[0]!, inputShape.slice(1).reduce((p, n) => p * n, 1)], []],
  (_params, inputs: JaxArray) => jnp.reshape(inputs, [inputs.shape[0]!, -1]),
];

/** Identity: returns its inputs. */
export const Identity: Layer = [(_rng, inputShape) => [inputShape, []], (_params, inputs) => inputs];

/** FanOut(num): one input becomes a list of `num` copies. */
export function FanOut(num: number): Layer {
  return [
    (_rng, inputShape) => [Array.from({ length: num }, () => inputShape), []],
    (_params, inputs) => Array.from({ length: num }, () => inputs),
  ];
}

/** FanInSum: a list of inputs becomes their sum. */
export const FanInSum: Layer = [
  (_rng, inputShape: ShapeTree[]) => [inputShape[0], []],
  (_params, inputs: JaxArray[]) => inputs.reduce((s, x) => jnp.add(s, x)),
];

/** FanInConcat(axis = -1): a list of inputs becomes their concatenation along `axis`. */
export function FanInConcat(axis = -1): Layer {
  const initFun: InitFun = (_rng, inputShape: number[][]) => {
    const first = inputShape[0]!;
    const ax = ((axis % first.length) + first.length) % first.length;
    const concatSize = inputShape.reduce((s, shape) => s + shape[ax]!, 0);
    return [[...first.slice(0, ax), concatSize, ...first.slice(ax + 1)], []];
  };
  return [initFun, (_params, inputs: JaxArray[]) => jnp.concatenate(inputs, axis)];
}

/**
 * Dropout(rate, mode = "train"). As in JAX's stax, `rate` is the probability of KEEPING a unit:
 * in "train" mode each unit is kept with probability `rate` and scaled by 1/rate (needs
 * `{ rng }`); in "test" mode the layer is the identity.
 */
export function Dropout(rate: number, mode: "train" | "test" = "train"): Layer {
  const initFun: InitFun = (_rng, inputShape) => [inputShape, []];
  const applyFun: ApplyFun = (_params, inputs: JaxArray, opts = {}) => {
    if (mode === "train") {
      const rng = opts.rng ?? null;
      if (rng === null) {
        throw new ValueError(
          "Dropout layer requires apply_fun to be called with a PRNG key argument. That is, instead of " +
            "`applyFun(params, inputs)`, call it like `applyFun(params, inputs, { rng })` where `rng` is a " +
            "PRNG key (e.g. from `random.key`).",
        );
      }
      const keep = random.bernoulli(rng, rate, inputs.shape);
      return jnp.where(keep, jnp.divide(inputs, rate), 0);
    }
    if (mode === "test") return inputs;
    throw new ValueError("Dropout layer requires `mode` argument to be either `'train'` or `'test'`");
  };
  return [initFun, applyFun];
}

/** The per-layer keys of a combinator's apply: rng split in n, or nulls. */
const applyKeys = (rng: KeyArray | null | undefined, n: number): (KeyArray | null)[] =>
  rng === null || rng === undefined ? Array.from({ length: n }, () => null) : splitKeys(rng, n);

/**
 * serial(...layers): their composition. init threads the shape through the layers, splitting the
 * key once per layer; apply splits `rng` (if given) into one key per layer.
 */
export function serial(...layers: Layer[]): Layer {
  const n = layers.length;
  const initFun: InitFun = (rng, inputShape) => {
    const params: unknown[] = [];
    let shape = inputShape;
    let key = rng;
    for (const [init] of layers) {
      const [next, layerRng] = splitKeys(key, 2);
      key = next!;
      const [outShape, p] = init(layerRng!, shape);
      shape = outShape;
      params.push(p);
    }
    return [shape, params];
  };
  const applyFun: ApplyFun = (params: unknown[], inputs, opts = {}) => {
    const { rng, ...rest } = opts;
    const rngs = applyKeys(rng, n);
    let x = inputs;
    layers.forEach(([, apply], i) => {
      x = apply(params[i], x, { ...rest, rng: rngs[i] });
    });
    return x;
  };
  return [initFun, applyFun];
}

/**
 * parallel(...layers): applies layer i to input i of a list (often between FanOut and FanInSum);
 * init returns [outputShapes, params], each a list with one entry per layer.
 */
export function parallel(...layers: Layer[]): Layer {
  const n = layers.length;
  const initFun: InitFun = (rng, inputShape: ShapeTree[]) => {
    const rngs = splitKeys(rng, n);
    const results = layers.map(([init], i) => init(rngs[i]!, inputShape[i]));
    return [results.map((r) => r[0]), results.map((r) => r[1])];
  };
  const applyFun: ApplyFun = (params: unknown[], inputs: unknown[], opts = {}) => {
    const { rng, ...rest } = opts;
    const rngs = applyKeys(rng, n);
    return layers.map(([, apply], i) => apply(params[i], inputs[i], { ...rest, rng: rngs[i] }));
  };
  return [initFun, applyFun];
}

/**
 * shapeDependent(makeLayer): a layer built only once the input shape is known; makeLayer(shape)
 * returns the layer (called again at apply time with the inputs' shape).
 */
export function shapeDependent(makeLayer: (inputShape: number[]) => Layer): Layer {
  return [
    (rng, inputShape: number[]) => makeLayer(inputShape)[0](rng, inputShape),
    (params, inputs: JaxArray, opts) => makeLayer(inputs.shape)[1](params, inputs, opts),
  ];
}
