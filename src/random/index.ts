// jax.random: keys (typed PRNGKeyArray or raw uint32[2] PRNGKey data), key
// derivation and bits (keys.ts), and samplers (samplers.ts, gamma.ts,
// gamma_family.ts, discrete.ts, permutation.ts, linalg.ts), bit-exact with JAX's
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
export { gamma, loggamma } from "./gamma.js";
export type { FloatOptions } from "./gamma.js";
export { beta, dirichlet, chisquare, t, f, generalizedNormal, ball } from "./gamma_family.js";
export { poisson, binomial, multinomial } from "./discrete.js";
export type { MultinomialOptions } from "./discrete.js";
export { permutation, choice } from "./permutation.js";
export type { PermutationOptions, ChoiceOptions } from "./permutation.js";
export { multivariateNormal, orthogonal } from "./linalg.js";
export type { MultivariateNormalOptions, OrthogonalOptions } from "./linalg.js";
