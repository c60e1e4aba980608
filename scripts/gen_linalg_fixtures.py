#!/usr/bin/python3
"""Writes test/fixtures/linalg.json: NumPy/SciPy answers for sorting and linear algebra.

Run: /usr/bin/python3 scripts/gen_linalg_fixtures.py

Schema (ARR = {"dtype", "shape", "data"}: flat row-major data; "NaN", "Infinity",
"-Infinity" and "-0" encode the special floats):
  sort:         [{input: ARR, axis, sorted: ARR, argsort: ARR, argsortDesc: ARR}]
                np.sort / np.argsort with kind="stable"; the stable descending order is
                the ascending stable argsort of the reversed array, reversed back.
  lexsort:      [{keys: [ARR], values: ARR, axis, expected: [ARR]}]  np.lexsort (stable)
  topk:         [{input: ARR, k, values: ARR, indices: ARR}]
  searchsorted: [{a: ARR, v: ARR, side, sorter: ARR | null, expected: ARR}]
  cholesky:     [{a: ARR, l: ARR}]                        np.linalg.cholesky
  triangular:   [{a: ARR, b: ARR, leftSide, lower, transposeA, unitDiagonal, x: ARR}]
                x solves op(A) x = b (left) or x op(A) = b (right) where A is the
                lower/upper triangle of a (unit diagonal if asked), by np.linalg.solve.
  lu:           [{a: ARR, lu: ARR, pivots: ARR, permutation: ARR}]  scipy.linalg.lu_factor
  qr:           [{a: ARR, fullMatrices, q: ARR, r: ARR}]             np.linalg.qr
  eigh:         [{a: ARR, w: ARR, v: ARR}]                           np.linalg.eigh
  solve, inv, det, slogdet, norm: jnp.linalg-level cases, see below.
"""

from __future__ import annotations

import json
import math
import os

import numpy as np
import scipy.linalg as sla

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "linalg.json")


def enc(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    if v == 0 and math.copysign(1.0, v) < 0:
        return "-0"
    return int(v) if v == int(v) and abs(v) < 2**53 else v


def arr(a) -> dict:
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": [enc(v) for v in a.reshape(-1)]}


def stable_desc_argsort(x, axis):
    n = x.shape[axis]
    r = np.argsort(np.flip(x, axis), axis=axis, kind="stable")
    return np.flip(n - 1 - r, axis)


def sort_cases(rng):
    specials = np.array([3, np.nan, -0.0, 0.0, 1, -np.inf, 2, 1, np.inf, -0.0, np.nan, -2], np.float32)
    ties = rng.integers(-2, 3, size=(3, 4, 5)).astype(np.float32)
    ties[0, 1, 2] = -0.0
    ties[2, 0, 0] = np.nan
    inputs = [
        specials,
        specials.astype(np.float64).reshape(3, 4),
        ties,
        rng.standard_normal((4, 6)),
        rng.integers(-5, 5, size=(4, 7)).astype(np.int32),
        rng.integers(0, 255, size=(2, 9)).astype(np.uint8),
        rng.random((3, 5)) < 0.5,
    ]
    cases = []
    for x in inputs:
        for axis in range(x.ndim):
            cases.append({
                "input": arr(x),
                "axis": axis,
                "sorted": arr(np.sort(x, axis=axis, kind="stable")),
                "argsort": arr(np.argsort(x, axis=axis, kind="stable").astype(np.int32)),
                "argsortDesc": arr(stable_desc_argsort(x, axis).astype(np.int32)),
            })
    lex = []
    k1 = rng.integers(0, 3, size=(3, 8)).astype(np.float32)
    k1[1, 3] = np.nan
    k2 = rng.integers(0, 3, size=(3, 8)).astype(np.int32)
    vals = rng.standard_normal((3, 8)).astype(np.float32)
    order = np.stack([np.lexsort((k2[i], k1[i])) for i in range(3)])
    take = lambda a: np.take_along_axis(a, order, axis=1)
    lex.append({"keys": [arr(k1), arr(k2)], "values": arr(vals), "axis": 1,
                "expected": [arr(take(k1)), arr(take(k2)), arr(take(vals))]})
    topk = []
    for x, k in [(specials, 5), (ties, 3), (rng.integers(-3, 3, size=(2, 6)).astype(np.int32), 6)]:
        idx = stable_desc_argsort(x, x.ndim - 1)[..., :k]
        topk.append({"input": arr(x), "k": k, "values": arr(np.take_along_axis(x, idx, -1)),
                     "indices": arr(idx.astype(np.int32))})
    ss = []
    a = np.array([-1, 0, 0, 1.5, 2, 2, 2, 7, np.nan], np.float32)
    v = np.array([[2, -5, 0, 1.5], [7.5, np.nan, -0.0, 2.5]], np.float32)
    perm = rng.permutation(a.size)
    for side in ["left", "right"]:
        ss.append({"a": arr(a), "v": arr(v), "side": side, "sorter": None,
                   "expected": arr(np.searchsorted(a, v, side=side).astype(np.int32))})
        shuffled = a[perm]
        sorter = np.argsort(shuffled, kind="stable")
        ss.append({"a": arr(shuffled), "v": arr(v), "side": side, "sorter": arr(sorter.astype(np.int32)),
                   "expected": arr(np.searchsorted(shuffled, v, side=side, sorter=sorter).astype(np.int32))})
        ai = np.array([1, 3, 3, 8], np.int32)
        vi = np.array([0, 3, 4, 9], np.int32)
        ss.append({"a": arr(ai), "v": arr(vi), "side": side, "sorter": None,
                   "expected": arr(np.searchsorted(ai, vi, side=side).astype(np.int32))})
    return {"sort": cases, "lexsort": lex, "topk": topk, "searchsorted": ss}


def spd(rng, shape, dtype):
    n = shape[-1]
    g = rng.standard_normal(shape)
    return (g @ np.swapaxes(g, -1, -2) / n + np.eye(n)).astype(dtype)


def sym_distinct(rng, shape, dtype):
    """Symmetric matrices with well-separated eigenvalues."""
    n = shape[-1]
    q, _ = np.linalg.qr(rng.standard_normal(shape))
    w = np.sort(rng.standard_normal(shape[:-1]), axis=-1) + np.arange(n) * 1.5
    return (q @ (w[..., :, None] * np.swapaxes(q, -1, -2))).astype(dtype)


def linalg_cases(rng):
    chol = []
    for shape, dt in [((4, 4), np.float32), ((5, 5), np.float64), ((2, 3, 3, 3), np.float64), ((1, 1), np.float32)]:
        a = spd(rng, shape, dt)
        chol.append({"a": arr(a), "l": arr(np.linalg.cholesky(a.astype(np.float64)).astype(dt))})

    tri = []
    for left in [True, False]:
        for lower in [True, False]:
            for trans in [False, True]:
                for unit in [False, True]:
                    m, n = 4, 3
                    k = m if left else n
                    a = rng.standard_normal((2, k, k)) + 3 * np.eye(k)
                    b = rng.standard_normal((2, m, n))
                    t = np.tril(a) if lower else np.triu(a)
                    if unit:
                        t = t * (1 - np.eye(k)) + np.eye(k)
                    op = np.swapaxes(t, -1, -2) if trans else t
                    x = np.linalg.solve(op, b) if left else np.swapaxes(
                        np.linalg.solve(np.swapaxes(op, -1, -2), np.swapaxes(b, -1, -2)), -1, -2)
                    tri.append({"a": arr(a), "b": arr(b), "leftSide": left, "lower": lower,
                                "transposeA": trans, "unitDiagonal": unit, "x": arr(x)})

    lu = []
    for shape, dt in [((4, 4), np.float64), ((5, 5), np.float32), ((3, 5), np.float64), ((5, 3), np.float64),
                      ((2, 4, 4), np.float64)]:
        a = rng.standard_normal(shape).astype(dt)
        flat = a.reshape(-1, *shape[-2:])
        lus, pivs, perms = [], [], []
        for mat in flat:
            l, p = sla.lu_factor(mat.astype(np.float64))
            perm = np.arange(mat.shape[0])
            for i, j in enumerate(p):
                perm[[i, j]] = perm[[j, i]]
            lus.append(l)
            pivs.append(p)
            perms.append(perm)
        lu.append({"a": arr(a), "lu": arr(np.array(lus).reshape(*shape[:-2], *lus[0].shape).astype(dt)),
                   "pivots": arr(np.array(pivs).reshape(*shape[:-2], -1).astype(np.int32)),
                   "permutation": arr(np.array(perms).reshape(*shape[:-2], -1).astype(np.int32))})

    qr = []
    for shape, dt in [((5, 3), np.float64), ((4, 4), np.float32), ((3, 5), np.float64), ((2, 4, 3), np.float64)]:
        a = rng.standard_normal(shape).astype(dt)
        for full in [False, True]:
            q, r = np.linalg.qr(a.astype(np.float64), mode="complete" if full else "reduced")
            qr.append({"a": arr(a), "fullMatrices": full, "q": arr(q.astype(dt)), "r": arr(r.astype(dt))})

    eigh = []
    for shape, dt in [((4, 4), np.float64), ((5, 5), np.float32), ((2, 3, 3), np.float64), ((1, 1), np.float64)]:
        a = sym_distinct(rng, shape, dt)
        w, v = np.linalg.eigh(a.astype(np.float64))
        eigh.append({"a": arr(a), "w": arr(w.astype(dt)), "v": arr(v.astype(dt))})

    solve = []
    for ashape, bshape, dt in [((4, 4), (4,), np.float64), ((3, 3), (3, 2), np.float32),
                               ((2, 3, 3), (2, 3, 2), np.float64), ((2, 3, 3), (3, 2), np.float64)]:
        a = (rng.standard_normal(ashape) + 2 * np.eye(ashape[-1])).astype(dt)
        b = rng.standard_normal(bshape).astype(dt)
        if len(bshape) == 2 and len(ashape) == 3:
            x = np.linalg.solve(a.astype(np.float64), np.broadcast_to(b, (ashape[0], *bshape)))
        else:
            x = np.linalg.solve(a.astype(np.float64), b.astype(np.float64))
        solve.append({"a": arr(a), "b": arr(b), "x": arr(x.astype(dt))})

    inv, det = [], []
    for shape, dt in [((4, 4), np.float64), ((3, 3), np.float32), ((2, 5, 5), np.float64), ((2, 2), np.float64)]:
        a = rng.standard_normal(shape).astype(dt)
        inv.append({"a": arr(a), "inv": arr(np.linalg.inv(a.astype(np.float64)).astype(dt))})
        s, l = np.linalg.slogdet(a.astype(np.float64))
        det.append({"a": arr(a), "det": arr(np.linalg.det(a.astype(np.float64)).astype(dt)),
                    "sign": arr(s.astype(dt)), "logabsdet": arr(l.astype(dt))})
    sing = np.array([[1.0, 2.0], [2.0, 4.0]])
    det.append({"a": arr(sing), "det": arr(np.linalg.det(sing)), "sign": arr(np.linalg.slogdet(sing)[0]),
                "logabsdet": arr(np.linalg.slogdet(sing)[1])})

    norm = []
    # ord < 0 over a vector holding a zero divides by zero inside NumPy (the norm is then 0).
    np.seterr(divide="ignore")
    v = rng.standard_normal((3, 4))
    v[0, 1] = 0.0
    for ordv in [None, np.inf, -np.inf, 0, 1, -1, 2, 3, 0.5]:
        for axis in [None, 0, 1, -1] if ordv is None else [1, 0]:
            for keep in [False, True]:
                x = v.reshape(-1) if axis is None and ordv is not None else v
                if axis is None and ordv is None:
                    e = np.linalg.norm(v, keepdims=keep)
                else:
                    e = np.linalg.norm(v, ord=ordv, axis=axis, keepdims=keep)
                norm.append({"x": arr(x), "ord": None if ordv is None else enc(ordv), "axis": axis,
                             "keepdims": keep, "expected": arr(e)})
    m = rng.standard_normal((2, 3, 4))
    for ordm in ["fro", "nuc", np.inf, -np.inf, 1, -1, 2, -2]:
        for axis in [(1, 2), (2, 1), (0, 2)]:
            e = np.linalg.norm(m, ord=ordm, axis=axis)
            norm.append({"x": arr(m), "ord": ordm if isinstance(ordm, str) else enc(ordm), "axis": list(axis),
                         "keepdims": False, "expected": arr(e)})
    e = np.linalg.norm(m[0], ord=2, keepdims=True)
    norm.append({"x": arr(m[0]), "ord": 2, "axis": None, "keepdims": True, "expected": arr(e)})

    eigvalsh = [{"a": c["a"], "w": c["w"]} for c in eigh]
    return {"cholesky": chol, "triangular": tri, "lu": lu, "qr": qr, "eigh": eigh, "eigvalsh": eigvalsh,
            "solve": solve, "inv": inv, "det": det, "norm": norm}


def main():
    rng = np.random.default_rng(20240901)
    doc = {"meta": {"generator": "scripts/gen_linalg_fixtures.py", "numpy": np.__version__}}
    doc.update(sort_cases(rng))
    doc.update(linalg_cases(rng))
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.normpath(OUT)}: " + ", ".join(f"{k} {len(v)}" for k, v in doc.items() if k != "meta"))


if __name__ == "__main__":
    main()
