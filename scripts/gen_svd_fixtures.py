#!/usr/bin/python3
"""Writes test/fixtures/svd.json: NumPy's answers for the singular value decomposition and
the jnp.linalg functions built on it.

Run: /usr/bin/python3 scripts/gen_svd_fixtures.py

Schema (ARR = {"dtype", "shape", "data"}: flat row-major data):
  svd:         [{a: ARR, u: ARR, s: ARR, vh: ARR}]   np.linalg.svd(a, full_matrices=True)
               (computed in float64; u and vh are unique only up to sign, so tests compare
               them through invariants and |u|, |vh| where the singular values are distinct)
  pinv:        [{a: ARR, rtol: number | null, x: ARR}]      np.linalg.pinv(a, rcond=rtol)
               (rtol null: JAX's default 10·max(m, n)·eps of a's dtype, passed explicitly)
  lstsq:       [{a: ARR, b: ARR, rcond: number | null, x: ARR, residuals: ARR, rank, s: ARR}]
               np.linalg.lstsq; residuals are the squared column norms of b − a x (what
               jnp.linalg.lstsq returns in every case), rcond null: eps·max(m, n)
  matrixRank:  [{a: ARR, rtol: number | null, tol: number | null, rank: ARR}]  np.linalg.matrix_rank
  cond:        [{a: ARR, p: number | string | null, c: ARR}]   np.linalg.cond
  mvn:         [{cov: ARR, factor: ARR}]  the factor U·sqrt(s) of random.multivariate_normal's
               method "svd", with U's columns signed as jaxts signs them (largest-magnitude
               entry positive), so the samples can be reproduced exactly
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "svd.json")


def arr(a) -> dict:
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": [float(v) if a.dtype.kind == "f" else int(v) for v in a.reshape(-1)]}


def rank_deficient(rng, m, n, r):
    return rng.standard_normal((m, r)) @ rng.standard_normal((r, n))


def main():
    rng = np.random.default_rng(20261126)
    mats = [
        rng.standard_normal((3, 3)),
        rng.standard_normal((5, 3)),
        rng.standard_normal((3, 5)),
        rng.standard_normal((2, 4, 3)),
        rng.standard_normal((1, 1)),
        rng.standard_normal((6, 1)),
        rank_deficient(rng, 5, 4, 2),
        rank_deficient(rng, 3, 6, 1),
        np.zeros((2, 3)),
        np.diag([3.0, -2.0, 1.0]),
    ]
    svd = []
    for a in mats:
        u, s, vh = np.linalg.svd(a, full_matrices=True)
        svd.append({"a": arr(a), "u": arr(u), "s": arr(s), "vh": arr(vh)})
        a32 = a.astype(np.float32)
        u, s, vh = np.linalg.svd(a32.astype(np.float64), full_matrices=True)
        svd.append({"a": arr(a32), "u": arr(u.astype(np.float32)), "s": arr(s.astype(np.float32)), "vh": arr(vh.astype(np.float32))})

    pinv = []
    for a, rtol in [
        (rng.standard_normal((4, 3)), None),
        (rng.standard_normal((3, 5)), None),
        (rng.standard_normal((2, 3, 3)), None),
        (rank_deficient(rng, 5, 4, 2), None),
        (np.diag([1.0, 1e-3, 1e-9]), 1e-6),
    ]:
        r = 10 * max(a.shape[-2:]) * np.finfo(np.float64).eps if rtol is None else rtol
        pinv.append({"a": arr(a), "rtol": rtol, "x": arr(np.linalg.pinv(a, rcond=r))})

    lstsq = []
    for a, b, rcond in [
        (rng.standard_normal((6, 3)), rng.standard_normal(6), None),
        (rng.standard_normal((6, 3)), rng.standard_normal((6, 2)), None),
        (rng.standard_normal((3, 5)), rng.standard_normal(3), None),
        (rank_deficient(rng, 6, 4, 2), rng.standard_normal((6, 2)), None),
        (np.diag([1.0, 1e-3, 1e-9]), np.ones(3), 1e-6),
    ]:
        rc = np.finfo(np.float64).eps * max(a.shape) if rcond is None else rcond
        x, _, rank, s = np.linalg.lstsq(a, b, rcond=rc)
        resid = np.sum((b - a @ x) ** 2, axis=0)
        lstsq.append({"a": arr(a), "b": arr(b), "rcond": rcond, "x": arr(x), "residuals": arr(np.atleast_1d(resid)), "rank": int(rank), "s": arr(s)})

    matrix_rank = []
    for a, rtol, tol in [
        (rng.standard_normal((4, 4)), None, None),
        (rank_deficient(rng, 5, 4, 2), None, None),
        (np.stack([rank_deficient(rng, 4, 3, r) for r in (1, 2, 3)]), None, None),
        (np.diag([1.0, 1e-3, 1e-9]), 1e-6, None),
        (np.diag([1.0, 1e-3, 1e-9]), None, 1e-2),
        (np.zeros((3, 2)), None, None),
    ]:
        # NumPy ≥ 2 spells the relative threshold rtol; with older NumPy it is tol = rtol·s_max.
        if rtol is not None:
            tol_abs = rtol * np.linalg.svd(a, compute_uv=False).max(axis=-1)
        else:
            tol_abs = tol
        rank = np.linalg.matrix_rank(a, tol=tol_abs)
        matrix_rank.append({"a": arr(a), "rtol": rtol, "tol": tol, "rank": arr(np.asarray(rank, np.int32))})

    cond = []
    sq = rng.standard_normal((2, 3, 3))
    for a, p in [
        (sq, None), (sq, 2), (sq, -2), (sq, "fro"), (sq, "nuc"), (sq, 1), (sq, -1), (sq, np.inf), (sq, -np.inf),
        (rng.standard_normal((4, 2)), None), (rng.standard_normal((2, 5)), -2),
    ]:
        cond.append({"a": arr(a), "p": ("Infinity" if p > 0 else "-Infinity") if isinstance(p, float) and np.isinf(p) else p, "c": arr(np.linalg.cond(a, p))})

    mvn = []
    for cov in [np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.5]]), np.array([[1.0, 0.9], [0.9, 1.0]])]:
        u, s, _ = np.linalg.svd(cov)
        big = np.argmax(np.abs(u), axis=0)
        u = u * np.sign(u[big, np.arange(u.shape[1])])
        mvn.append({"cov": arr(cov), "factor": arr(u * np.sqrt(s))})

    doc = {"svd": svd, "pinv": pinv, "lstsq": lstsq, "matrixRank": matrix_rank, "cond": cond, "mvn": mvn}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
