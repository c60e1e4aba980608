// jax.numpy: the NumPy API on top of lax. Re-exports each family of functions.
export * from "./core.js";
export * from "./math.js";
export * from "./indexing.js";
export * from "./creation.js";
export * from "./reductions.js";
export * from "./manipulation.js";
export * from "./products.js";
export * from "./einsum.js";
export * from "./ufuncs.js";
export * from "./logic.js";
export * from "./sorting.js";
export * as linalg from "./linalg.js";
export { AxisError } from "./util.js";
// The public broadcastArrays(...xs) (core.ts has a variant taking an operation name for errors).
export { broadcastArrays } from "./manipulation.js";
export * from "./convolve.js";
export * as fft from "./fft.js";
