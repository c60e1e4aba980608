// jax.lax: the primitive-level API.
export * from "./core.js";
export * from "./reductions.js";
export * from "./special.js";
export * from "./shape.js";
export * from "./sort.js";
export * as linalg from "./linalg.js";
export * from "./control_flow.js";
export * from "./conv.js";
export * from "./windowed.js";
export * from "./parallel.js";
export * from "./fft.js";
