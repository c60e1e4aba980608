// jax.numpy: the NumPy API on top of lax. Re-exports each family of functions.
export * from "./core.js";
export * from "./math.js";
export * from "./indexing.js";
