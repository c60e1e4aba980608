// jaxts public entry point.
export { threadInfo, threadsReady } from "./backends/index.js";
import { installArrayMethods } from "./numpy/methods.js";
import "./primitives/index.js";

installArrayMethods();

export * as numpy from "./numpy/index.js";
export * as lax from "./lax/index.js";
export * as tree from "./tree/index.js";
export * as random from "./random/index.js";
export * as nn from "./nn/index.js";
export * as scipy from "./scipy/index.js";
export * as exampleLibraries from "./example_libraries/index.js";
export { config } from "./core/config.js";
export { JaxArray as Array, ArrayImpl, memoryStats, isArray } from "./core/array.js";
export type { ArrayLike } from "./core/array.js";
export { ShapedArray } from "./core/aval.js";
export type { DType } from "./core/dtypes.js";
export { promoteTypes, resultType, finfo, iinfo } from "./core/dtypes.js";
export {
  ConcretizationTypeError,
  TracerBoolConversionError,
  TracerIntegerConversionError,
  UnexpectedTracerError,
  FloatingPointError,
} from "./core/errors.js";
export {
  grad,
  valueAndGrad,
  jvp,
  vjp,
  vjpWithAux,
  linearize,
  jacfwd,
  jacrev,
  hessian,
  vmap,
  jit,
  makeJaxpr,
  evalShape,
  stopGradient,
  ShapeDtypeStruct,
} from "./transforms/api.js";
export type { GradOptions, JacOptions, VmapOptions, JitOptions, JittedFunction } from "./transforms/api.js";
export { pmap, devices, deviceCount, localDeviceCount } from "./transforms/pmap.js";
export type { PmapOptions, Device } from "./transforms/pmap.js";
export { customJvp, customVjp, SymbolicZero, CustomVJPException } from "./transforms/custom_derivatives.js";
export type {
  CustomJvpFunction,
  CustomJvpOptions,
  CustomVjpFunction,
  CustomVjpOptions,
  DefJvpOptions,
  JvpRule,
  JvpTerm,
} from "./transforms/custom_derivatives.js";
export { ClosedJaxpr, Jaxpr } from "./ir/jaxpr.js";
export { primitives } from "./primitives/index.js";
export type { PrimitiveName } from "./primitives/index.js";
export { ValueError } from "./core/errors.js";
