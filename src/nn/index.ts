// jax.nn: activation functions, softmax-style normalizers, oneHot (functions.ts),
// dotProductAttention (attention.ts) and the `initializers` namespace of weight initializers
// (initializers.ts).
export * from "./functions.js";
export { dotProductAttention } from "./attention.js";
export type { DotProductAttentionOptions } from "./attention.js";
export * as initializers from "./initializers.js";
