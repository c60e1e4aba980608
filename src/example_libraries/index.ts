// jax.example_libraries: stax (a small neural-network layer library) and optimizers (first-order
// optimizers over pytrees of parameters), both examples of building on jaxts's transformations.
export * as stax from "./stax.js";
export * as optimizers from "./optimizers.js";
