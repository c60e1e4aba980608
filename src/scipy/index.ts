// jax.scipy: special functions, probability distributions and SciPy's linear-algebra interface,
// all composed from jnp/lax operations.
export * as special from "./special.js";
export * as stats from "./stats.js";
export * as linalg from "./linalg.js";
