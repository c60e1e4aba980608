#!/usr/bin/python3
"""Writes test/fixtures/random.json: golden jax.random values from random_ref.py,
and test/fixtures/random_dist.json: the laws they follow (scipy.stats, mpmath).

Run: /usr/bin/python3 scripts/gen_random_fixtures.py
The reference checks itself against JAX's known answers first.

Schema (all keys are [uint32, uint32] pairs of key data):
  meta       generator, reference, notes on number encoding and tolerances.
  threefry   [{key: [k0, k1], x0: [...], x1: [...], y0: [...], y1: [...]}]
             raw threefry2x32 blocks (known-answer vectors and more).
  seeds      [{seed, key}]  random.key(seed) / PRNGKey(seed) with x64 off.
  long_permutation {n, seed, partitionable: [...], legacy: [...]}: permutation
             of n > 2**32 ** (1/3) items, which takes two shuffle rounds.
  schemes    {"partitionable": S, "legacy": S}, S = {"<seed>": {
               key: [..],
               split: {"2": [[..], ..], "3": [...], "2x3": [[[..], ..], ..]},
               fold_in: [{data, key}],
               bits: [{width, shape, values}],
               samples: [{sampler, args, kwargs, shape, dtype, values, tol}]}}
  - `args` are JAX's positional arguments after the key, `kwargs` its keyword
    arguments, with JAX's names (the TypeScript API takes them camelCased in
    an options object).
  - `values` is nested like the output shape. Floats are the exact float32
    values written as shortest-round-trip float64 numbers (Math.fround gives
    them back); NaN and infinities are the strings "NaN", "Infinity",
    "-Infinity"; uint64 values (64-bit bits) are decimal strings.
  - `tol` is "exact" where the reference is bit-exact with JAX by
    construction and "ulp" where a transcendental (XLA kernel vs correctly
    rounded) may move the last bits; see SAMPLER_OPS in random_ref.py.
  - `values_unfused`, present only where it differs from `values`: the same
    call evaluated without multiply-add contraction (random_ref.CONTRACT =
    False), for a backend that rounds every multiply and add separately.

random_dist.json:
  cases      [{name, kind: "continuous", probs, quantiles, mean?, var?} |
              {name, kind: "discrete", support, cdf, mean, var}]: each law a
             distribution test compares samples with (scipy.stats).
  gamma_grad {alphas, gamma, gamma_grad, loggamma, exp_loggamma_grad}: reference
             samples of gamma/loggamma(PRNGKey(0), alphas) and dx/da at each
             sample (mpmath), the implicit reparameterization gradient.
"""

from __future__ import annotations

import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_ref as R  # noqa: E402

SEEDS = [0, 1, 42]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "random.json")


def enc(x):
    """JSON-encodable nested lists; see the schema notes above."""
    a = np.asarray(x)
    if a.dtype == np.bool_:
        return a.tolist()
    if a.dtype == np.uint64:
        return np.vectorize(lambda v: str(int(v)), otypes=[object])(a).tolist() if a.ndim else str(int(a))
    if a.dtype.kind in "iu":
        return a.tolist()
    def f(v):
        v = float(v)
        if math.isnan(v):
            return "NaN"
        if math.isinf(v):
            return "Infinity" if v > 0 else "-Infinity"
        return v
    if a.ndim == 0:
        return f(a)
    return np.vectorize(f, otypes=[object])(a).tolist()


def lst(x):
    """Arguments as plain JSON (arrays become nested lists)."""
    if isinstance(x, np.ndarray):
        return enc(x)
    if isinstance(x, (list, tuple)):
        return [lst(v) for v in x]
    return x


F = np.float32
# (sampler, positional args after key, keyword args)
SAMPLES = [
    ("uniform", [], {"shape": [7]}),
    ("uniform", [], {"shape": [3, 4], "minval": -2.0, "maxval": 3.0}),
    ("normal", [], {"shape": [7]}),
    ("normal", [], {"shape": [3, 4]}),
    ("randint", [[7], 0, 10], {}),
    ("randint", [[3, 4], -5, 5], {}),
    ("randint", [[7], -2147483648, 2147483647], {}),
    ("randint", [[7], 0, 256], {"dtype": "uint8"}),
    ("randint", [[7], -100, 100], {"dtype": "int8"}),
    ("bernoulli", [], {"p": 0.3, "shape": [7]}),
    ("bernoulli", [], {"p": [0.1, 0.5, 0.9], "shape": [2, 3]}),
    ("bernoulli", [], {"p": 0.5, "shape": [7], "mode": "high"}),
    ("rademacher", [], {"shape": [7]}),
    ("categorical", [[[0.1, 1.0, -0.5, 2.0], [0.0, 0.0, 0.0, 0.0], [3.0, -1.0, 0.5, 0.0]]], {}),
    ("categorical", [[[0.1, 1.0, -0.5, 2.0], [0.0, 0.0, 0.0, 0.0], [3.0, -1.0, 0.5, 0.0]]], {"shape": [5, 3]}),
    ("categorical", [[0.2, 0.3, 1.5, -1.0, 0.7]], {"shape": [4], "replace": False}),
    ("categorical", [[[0.1, 1.0, -0.5], [0.0, 0.5, 0.0]]], {"axis": 0}),
    ("choice", [10], {"shape": [7]}),
    ("choice", [10], {"shape": [5], "replace": False}),
    ("choice", [[10, 20, 30, 40, 50]], {"shape": [7], "p": [0.1, 0.2, 0.3, 0.15, 0.25]}),
    ("choice", [5], {"shape": [3], "replace": False, "p": [0.1, 0.2, 0.3, 0.15, 0.25]}),
    ("choice", [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], {"shape": [2], "axis": 1}),
    ("permutation", [10], {}),
    ("permutation", [[1.5, 2.5, 3.5, 4.5, 5.5, 6.5]], {}),
    ("permutation", [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], {"axis": 1}),
    ("permutation", [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], {"axis": 1, "independent": True}),
    ("truncated_normal", [-1.0, 2.0], {"shape": [7]}),
    ("truncated_normal", [0.5, 3.0], {"shape": [3, 4]}),
    ("exponential", [], {"shape": [7]}),
    ("laplace", [], {"shape": [7]}),
    ("logistic", [], {"shape": [7]}),
    ("gumbel", [], {"shape": [7]}),
    ("gumbel", [], {"shape": [7], "mode": "high"}),
    ("cauchy", [], {"shape": [7]}),
    ("pareto", [2.5], {"shape": [7]}),
    ("gamma", [0.5], {"shape": [7]}),
    ("gamma", [2.5], {"shape": [7]}),
    ("gamma", [[0.3, 1.0, 4.0]], {"shape": [2, 3]}),
    ("loggamma", [0.2], {"shape": [7]}),
    ("loggamma", [3.0], {"shape": [7]}),
    ("beta", [0.5, 2.0], {"shape": [7]}),
    ("dirichlet", [[0.5, 1.0, 2.0]], {"shape": [3]}),
    ("poisson", [3.5], {"shape": [7]}),
    ("poisson", [25.0], {"shape": [7]}),
    ("poisson", [[0.0, 2.0, 15.0]], {"shape": [2, 3]}),
    ("binomial", [10.0, 0.3], {"shape": [7]}),
    ("binomial", [100.0, 0.4], {"shape": [7]}),
    ("binomial", [20.0, 0.8], {"shape": [7]}),
    ("multinomial", [20.0, [0.2, 0.3, 0.5]], {}),
    ("multinomial", [[10.0, 30.0], [[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]]], {}),
    ("chisquare", [3.0], {"shape": [7]}),
    ("t", [4.0], {"shape": [7]}),
    ("f", [3.0, 7.0], {"shape": [7]}),
    ("lognormal", [], {"sigma": 0.5, "shape": [7]}),
    ("weibull_min", [2.0, 1.5], {"shape": [7]}),
    ("multivariate_normal", [[1.0, -1.0, 0.5], [[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]]],
     {"shape": [4]}),
    ("orthogonal", [3], {}),
    ("orthogonal", [3], {"m": 4}),
    ("ball", [3], {"shape": [4]}),
    ("ball", [2], {"p": 1.0, "shape": [4]}),
    ("maxwell", [], {"shape": [7]}),
    ("double_sided_maxwell", [1.0, 2.0], {"shape": [7]}),
    ("rayleigh", [1.5], {"shape": [7]}),
    ("wald", [1.2], {"shape": [7]}),
    ("triangular", [-1.0, 0.5, 2.0], {"shape": [7]}),
    ("geometric", [0.3], {"shape": [7]}),
    ("generalized_normal", [1.5], {"shape": [7]}),
    # Broadcasting, batch shapes and the other branches of the loop samplers.
    ("gamma", [[[0.5], [3.0]]], {"shape": [2, 2]}),
    ("loggamma", [[0.05, 1.0, 7.5]], {}),
    ("beta", [[0.3, 2.0], 1.5], {}),
    ("dirichlet", [[[0.5, 1.0, 2.0], [3.0, 0.2, 1.0]]], {}),
    ("poisson", [9.5], {"shape": [5]}),
    ("poisson", [10.0], {"shape": [5]}),
    ("poisson", [[0.5, 40.0, 1000.0]], {}),
    ("binomial", [200.0, 0.7], {"shape": [5]}),
    ("binomial", [[5.0, 50.0, 7.5], [0.5, 0.05, 0.9]], {}),
    ("multinomial", [15.0, [0.0, 0.25, 0.5, 0.25]], {"shape": [2, 4]}),
    ("chisquare", [[0.5, 12.0]], {"shape": [2, 2]}),
    ("t", [[1.0, 30.0]], {"shape": [3, 2]}),
    ("f", [[2.0, 10.0], 4.0], {}),
    ("generalized_normal", [0.5], {"shape": [5]}),
    ("ball", [4], {"p": 3.0, "shape": [2]}),
    ("multivariate_normal", [[[0.0, 1.0], [2.0, 3.0]], [[1.0, 0.3], [0.3, 2.0]]], {}),
    ("orthogonal", [3], {"shape": [2], "m": 2}),
    ("permutation", [[[1, 2, 3], [4, 5, 6]]], {"axis": 0, "independent": True}),
    ("permutation", [[[1, 2, 3], [4, 5, 6]]], {}),
    ("choice", [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], {"shape": [2], "axis": 1, "replace": False}),
    ("choice", [[[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]], {"shape": [3], "axis": 1, "p": [0.1, 0.2, 0.3, 0.4]}),
    ("choice", [6], {"shape": [2, 2], "replace": False, "p": [0.3, 0.0, 0.1, 0.2, 0.25, 0.15]}),
]

BITS_SHAPES = [[], [7], [3, 4]]
LONG_PERMUTATION = 1700
FOLD_DATA = [0, 1, 7, 4294967295]


def sample_entry(k, name, args, kwargs):
    def conv(v):
        return np.asarray(v, dtype=F) if isinstance(v, list) and name not in (
            "randint", "choice", "permutation") else v
    a = list(args)
    kw = dict(kwargs)
    if name in ("randint",):
        a[0] = tuple(a[0])
    elif name in ("choice", "permutation"):
        a = [np.asarray(v) if isinstance(v, list) else v for v in a]
        if "p" in kw:
            kw["p"] = np.asarray(kw["p"], dtype=F)
    else:
        a = [conv(v) for v in a]
        kw = {key: (conv(v) if key != "shape" else v) for key, v in kw.items()}
    if "shape" in kw:
        kw["shape"] = tuple(kw["shape"])
    out = np.asarray(getattr(R, name)(k, *a, **kw))
    R.CONTRACT = False
    try:
        unfused = np.asarray(getattr(R, name)(k, *a, **kw))
    finally:
        R.CONTRACT = True
    entry = {
        "sampler": name,
        "args": lst(args),
        "kwargs": lst(kwargs),
        "shape": list(out.shape),
        "dtype": str(out.dtype),
        "values": enc(out),
        "tol": R.closeness(name, kwargs),
    }
    if not np.array_equal(out, unfused, equal_nan=True):
        entry["values_unfused"] = enc(unfused)
    return entry


def scheme_block(seed):
    k = R.key(seed)
    block = {
        "key": enc(k),
        "split": {"2": enc(R.split(k)), "3": enc(R.split(k, 3)), "2x3": enc(R.split(k, (2, 3)))},
        "fold_in": [{"data": d, "key": enc(R.fold_in(k, d))} for d in FOLD_DATA],
        "bits": [{"width": w, "shape": s, "values": enc(R.random_bits(k, w, tuple(s)))}
                 for w in (8, 16, 32, 64) for s in BITS_SHAPES],
        "samples": [sample_entry(k, *spec) for spec in SAMPLES],
    }
    return block


# ----------------------------------------------------------------------------
# test/fixtures/random_dist.json: the laws the samplers must follow (scipy.stats)
# and the gamma sampler's derivative (mpmath)
# ----------------------------------------------------------------------------

DIST_OUT = os.path.join(os.path.dirname(OUT), "random_dist.json")
QUANTILE_PROBS = [(i + 0.5) / 100 for i in range(100)]


def continuous(name, law, transform=None):
    """Quantiles of `law` at QUANTILE_PROBS (after a monotone `transform`), mean, variance."""
    q = law.ppf(QUANTILE_PROBS)
    if transform is not None:
        q = transform(q)
    mean, var = (float(v) for v in law.stats("mv"))
    out = {"name": name, "kind": "continuous", "probs": QUANTILE_PROBS, "quantiles": q.tolist()}
    if transform is None:
        if math.isfinite(mean):
            out["mean"] = mean
        # The sample variance is a stable check only with a finite fourth moment.
        if math.isfinite(var) and math.isfinite(float(law.stats("k"))):
            out["var"] = var
    return out


def discrete(name, law, hi):
    support = list(range(0, hi + 1))
    mean, var = (float(v) for v in law.stats("mv"))
    return {"name": name, "kind": "discrete", "support": support,
            "cdf": law.cdf(support).tolist(), "mean": mean, "var": var}


def power_law(name, d):
    """P(R <= r) = r**d on [0, 1]: the norm of a point uniform in a d-dimensional ball."""
    q = [p_ ** (1.0 / d) for p_ in QUANTILE_PROBS]
    return {"name": name, "kind": "continuous", "probs": QUANTILE_PROBS, "quantiles": q,
            "mean": d / (d + 1.0), "var": d / (d + 2.0) - (d / (d + 1.0)) ** 2}


def dist_cases():
    from scipy import stats
    return [
        continuous("gamma(0.5)", stats.gamma(0.5)),
        continuous("gamma(2.5)", stats.gamma(2.5)),
        continuous("gamma(20)", stats.gamma(20.0)),
        continuous("loggamma(0.3)", stats.gamma(0.3), np.log),
        continuous("beta(0.5, 2)", stats.beta(0.5, 2.0)),
        continuous("beta(2, 3)", stats.beta(2.0, 3.0)),
        continuous("dirichlet([0.5, 1, 2])[0]", stats.beta(0.5, 3.0)),
        continuous("dirichlet([0.5, 1, 2])[2]", stats.beta(2.0, 1.5)),
        continuous("chisquare(3)", stats.chi2(3.0)),
        continuous("chisquare(0.7)", stats.chi2(0.7)),
        continuous("t(4)", stats.t(4.0)),
        continuous("t(30)", stats.t(30.0)),
        continuous("f(3, 7)", stats.f(3.0, 7.0)),
        continuous("f(10, 20)", stats.f(10.0, 20.0)),
        continuous("generalizedNormal(1.5)", stats.gennorm(1.5)),
        continuous("generalizedNormal(0.7)", stats.gennorm(0.7)),
        power_law("ball(3, 2) L2 norm", 3),
        power_law("ball(2, 1) L1 norm", 2),
        continuous("multivariateNormal x0", stats.norm(1.0, math.sqrt(2.0))),
        continuous("multivariateNormal x2", stats.norm(0.5, math.sqrt(0.5))),
        discrete("poisson(3.5)", stats.poisson(3.5), 15),
        discrete("poisson(9.9)", stats.poisson(9.9), 30),
        discrete("poisson(25)", stats.poisson(25.0), 60),
        discrete("binomial(10, 0.3)", stats.binom(10, 0.3), 10),
        discrete("binomial(100, 0.4)", stats.binom(100, 0.4), 100),
        discrete("binomial(20, 0.8)", stats.binom(20, 0.8), 20),
        discrete("binomial(200, 0.7)", stats.binom(200, 0.7), 200),
        discrete("multinomial(20, [0.2, 0.3, 0.5])[0]", stats.binom(20, 0.2), 20),
        discrete("multinomial(20, [0.2, 0.3, 0.5])[2]", stats.binom(20, 0.5), 20),
    ]


GRAD_ALPHAS = [0.1, 0.5, 1.0, 3.0, 10.0, 100.0]


def gamma_sample_grad(a, x):
    """dx/da of a Gamma(a, 1) sample x at fixed CDF value: -(dP/da) / (dP/dx), P = P(a, x)."""
    import mpmath as mp
    mp.mp.dps = 40
    a, x = mp.mpf(float(a)), mp.mpf(float(x))
    if x == 0:
        return 0.0
    dpda = mp.diff(lambda s: mp.gammainc(s, 0, x, regularized=True), a)
    pdf = mp.exp((a - 1) * mp.log(x) - x - mp.loggamma(a))
    return float(-dpda / pdf)


def gamma_grad_block():
    """Samples of gamma(PRNGKey(0), a) and loggamma(PRNGKey(0), a) for a few alphas (each
    repeated 4 times), with dx/da of each (for loggamma: of exp(sample))."""
    a = np.repeat(np.array(GRAD_ALPHAS, np.float32), 4)
    k = R.PRNGKey(0)
    with R.scheme(True):
        g = R.gamma(k, a)
        lg = R.loggamma(k, a)
    ex = np.exp(lg.astype(np.float64))
    return {
        "key_seed": 0,
        "alphas": enc(a),
        "gamma": enc(g),
        "gamma_grad": [gamma_sample_grad(ai, xi) for ai, xi in zip(a, g)],
        "loggamma": enc(lg),
        "exp_loggamma_grad": [gamma_sample_grad(ai, xi) for ai, xi in zip(a, ex)],
    }


def write_dist():
    data = {
        "meta": {
            "generator": "scripts/gen_random_fixtures.py",
            "laws": "scipy.stats: quantiles at probs (continuous), cdf on the support (discrete), mean and variance",
            "gamma_grad": "mpmath: -(d/da P(a, x)) / pdf(a, x) at the reference samples (partitionable scheme)",
        },
        "cases": dist_cases(),
        "gamma_grad": gamma_grad_block(),
    }
    with open(DIST_OUT, "w") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {os.path.relpath(DIST_OUT)} ({os.path.getsize(DIST_OUT)} bytes)")


def main():
    R.self_check(verbose=True)
    write_dist()
    rng = np.random.default_rng(20240604)
    tf = []
    for kk, xx in [((0, 0), (0, 0)), ((0xFFFFFFFF,) * 2, (0xFFFFFFFF,) * 2),
                   ((0x13198A2E, 0x03707344), (0x243F6A88, 0x85A308D3))]:
        y0, y1 = R.threefry2x32(kk[0], kk[1], np.array([xx[0]]), np.array([xx[1]]))
        tf.append({"key": list(kk), "x0": [xx[0]], "x1": [xx[1]], "y0": enc(y0), "y1": enc(y1)})
    for _ in range(3):
        kk = rng.integers(0, 2**32, 2, dtype=np.uint64).astype(np.uint32)
        x0 = rng.integers(0, 2**32, 9, dtype=np.uint64).astype(np.uint32)
        x1 = rng.integers(0, 2**32, 9, dtype=np.uint64).astype(np.uint32)
        y0, y1 = R.threefry2x32(kk[0], kk[1], x0, x1)
        tf.append({"key": enc(kk), "x0": enc(x0), "x1": enc(x1), "y0": enc(y0), "y1": enc(y1)})

    seeds = [{"seed": s, "key": enc(R.seed_key(s))}
             for s in [0, 1, 42, -1, -2, 2**31 - 1 + 100, -2**31 - 100, 2**40 + 5, 0xFFFFFFFF]]
    schemes = {}
    for name, part in (("partitionable", True), ("legacy", False)):
        with R.scheme(part):
            schemes[name] = {str(s): scheme_block(s) for s in SEEDS}

    # A permutation long enough for two shuffle rounds (more than 2**32 ** (1/3) items).
    long_permutation = {}
    for name, part in (("partitionable", True), ("legacy", False)):
        with R.scheme(part):
            long_permutation[name] = enc(R.permutation(R.key(0), LONG_PERMUTATION))

    data = {
        "meta": {
            "generator": "scripts/gen_random_fixtures.py",
            "reference": "scripts/random_ref.py",
            "jax_source": "jax-ml/jax jax/_src/random/{core,prng,threefry2x32}.py",
            "x64": False,
            "float_encoding": "exact float32 values as float64 numbers; NaN/Infinity as strings; uint64 as decimal strings",
            "tol": "exact: bit-exact with JAX by construction; ulp: transcendentals may differ from XLA in the last ulp",
            "contract_fma": R.CONTRACT,
        },
        "threefry": tf,
        "seeds": seeds,
        "schemes": schemes,
        "long_permutation": {"n": LONG_PERMUTATION, "seed": 0, **long_permutation},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
