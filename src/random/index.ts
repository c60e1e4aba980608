// jax.random: keys (typed PRNGKeyArray or raw uint32[2] PRNGKey data), key
// derivation and bits (keys.ts), and samplers (samplers.ts), bit-exact with JAX's
// threefry2x32 PRNG in both key-derivation schemes.
export { PRNGKeyArray, key, PRNGKey, keyData, wrapKeyData, split, foldIn, bits } from "./keys.js";
export type { KeyArray } from "./keys.js";
export {
  uniform,
  normal,
  randint,
  bernoulli,
  rademacher,
  exponential,
  laplace,
  logistic,
  gumbel,
  cauchy,
  pareto,
  weibullMin,
  rayleigh,
  lognormal,
  truncatedNormal,
  triangular,
  geometric,
  wald,
  maxwell,
  doubleSidedMaxwell,
  categorical,
} from "./samplers.js";
export type { UniformOptions } from "./samplers.js";
