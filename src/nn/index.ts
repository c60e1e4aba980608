// jax.nn: activation functions, softmax-style normalizers, oneHot (functions.ts) and the
// `initializers` namespace of weight initializers (initializers.ts).
export * from "./functions.js";
export * as initializers from "./initializers.js";
