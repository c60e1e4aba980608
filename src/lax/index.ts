// jax.lax: the primitive-level API.
export * from "./core.js";
export * from "./shape.js";
