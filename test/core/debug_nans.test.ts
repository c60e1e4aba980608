// config jax_debug_nans: a primitive producing NaN raises JAX's FloatingPointError.
import { afterEach, describe, expect, it } from "vitest";
import { FloatingPointError, config, jit, numpy as jnp } from "../../src/index.js";

describe("jax_debug_nans", () => {
  afterEach(() => config.update("jax_debug_nans", false));

  it("is off by default: NaN flows through", () => {
    expect(Number.isNaN(jnp.log(jnp.array([-1])).dataSync()[0])).toBe(true);
  });

  it("names the primitive that produced the NaN, eagerly and under jit", () => {
    config.update("jax_debug_nans", true);
    expect(() => jnp.log(jnp.array([-1]))).toThrow(FloatingPointError);
    expect(() => jnp.log(jnp.array([-1]))).toThrow("invalid value (nan) encountered in log");
    const f = jit(function g(x: ReturnType<typeof jnp.array>) {
      return jnp.sqrt(x);
    });
    expect(() => f(jnp.array([-4]))).toThrow(/invalid value \(nan\) encountered in jit\(g\)/);
    expect(jnp.log(jnp.array([2])).dataSync()[0]).toBeCloseTo(Math.log(2), 6);
  });
});
