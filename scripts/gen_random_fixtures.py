#!/usr/bin/python3
"""Writes test/fixtures/random.json: golden jax.random values from random_ref.py.

Run: /usr/bin/python3 scripts/gen_random_fixtures.py
The reference checks itself against JAX's known answers first.

Schema (all keys are [uint32, uint32] pairs of key data):
  meta       generator, reference, notes on number encoding and tolerances.
  threefry   [{key: [k0, k1], x0: [...], x1: [...], y0: [...], y1: [...]}]
             raw threefry2x32 blocks (known-answer vectors and more).
  seeds      [{seed, key}]  random.key(seed) / PRNGKey(seed) with x64 off.
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
]

BITS_SHAPES = [[], [7], [3, 4]]
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


def main():
    R.self_check(verbose=True)
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
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(data, fh, separators=(",", ":"))
        fh.write("\n")
    print(f"wrote {os.path.relpath(OUT)} ({os.path.getsize(OUT)} bytes)")


if __name__ == "__main__":
    main()
