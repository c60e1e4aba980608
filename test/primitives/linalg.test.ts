// Linear-algebra primitives: derivative checks (first pass; the full suite follows).
import { describe, it } from "vitest";
import { config, numpy as jnp, lax } from "../../src/index.js";
import type { Array as JaxArray } from "../../src/index.js";
import { checkGrads } from "../util/check.js";
config.update("jax_enable_x64", true);
const a = jnp.array([[4, 2, 0.5], [2, 3, 1], [0.5, 1, 2]], { dtype: "float64" });
const b = jnp.array([[1, 2], [3, 4], [5, 7]], { dtype: "float64" });
describe("smoke", () => {
  it("cholesky", () => checkGrads((x: JaxArray) => lax.linalg.cholesky(x), [a], 2));
  it("tri", () => checkGrads((x: JaxArray, y: JaxArray) => lax.linalg.triangularSolve(x, y, { leftSide: true, lower: true }), [a, b], 2));
  it("lu", () => checkGrads((x: JaxArray) => lax.linalg.lu(x)[0], [b], 2));
  it("qr", () => checkGrads((x: JaxArray) => lax.linalg.qr(x, { fullMatrices: false }), [b], 2));
  it("eigh", () => checkGrads((x: JaxArray) => lax.linalg.eigh(x), [a], 2));
  it("det", () => checkGrads((x: JaxArray) => [jnp.linalg.det(x), jnp.linalg.slogdet(x)[1], jnp.linalg.inv(x)], [a], 2));
});
