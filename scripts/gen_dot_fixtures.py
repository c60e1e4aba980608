#!/usr/bin/python3
"""Writes test/fixtures/dot.json: NumPy's answers for lax.dot_general.

Run: /usr/bin/python3 scripts/gen_dot_fixtures.py

Schema: {"cases": [CASE]}
  CASE = {"name": str, "einsum": str, "dimensionNumbers": [[lc, rc], [lb, rb]],
          "lhs": ARR, "rhs": ARR, "expected": ARR}
  ARR  = {"dtype": str, "shape": [int], "data": [number]} (flat, row-major)
The oracle is np.einsum in float64 (int64 for integers, then wrapped to int32) on
the same inputs; each einsum string spells out the contraction that the
dimension numbers describe, with the output ordered as XLA orders dot_general's:
batch dims (in lhs_batch order), then lhs free dims, then rhs free dims.
"""

from __future__ import annotations

import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "dot.json")

# name, lhs shape, rhs shape, dimension numbers, einsum
CASES = [
    ("matmul", (3, 4), (4, 5), [[[1], [0]], [[], []]], "ik,kj->ij"),
    ("matvec", (3, 4), (4,), [[[1], [0]], [[], []]], "ik,k->i"),
    ("vecmat", (4,), (4, 5), [[[0], [0]], [[], []]], "k,kj->j"),
    ("inner", (6,), (6,), [[[0], [0]], [[], []]], "k,k->"),
    ("outer", (3,), (4,), [[[], []], [[], []]], "i,j->ij"),
    ("transposed_both", (4, 3), (5, 4), [[[0], [1]], [[], []]], "ki,jk->ij"),
    ("batch_leading", (2, 3, 4), (2, 4, 5), [[[2], [1]], [[0], [0]]], "bik,bkj->bij"),
    ("batch_inner", (3, 2, 4), (4, 5, 2), [[[2], [0]], [[1], [2]]], "ibk,kjb->bij"),
    ("two_contracting_swapped", (2, 3, 4), (4, 3, 5), [[[1, 2], [1, 0]], [[], []]], "ijk,kjl->il"),
    ("two_batch_swapped", (2, 3, 4, 5), (3, 5, 2, 6), [[[3], [1]], [[0, 1], [2, 0]]], "abik,bkaj->abij"),
    ("batch_only", (2, 3), (2, 3), [[[], []], [[0, 1], [0, 1]]], "ab,ab->ab"),
    ("free_and_batch_mixed", (5, 2, 3), (3, 2, 4, 5), [[[2], [0]], [[0, 1], [3, 1]]], "abk,kbja->abj"),
]


def arr(a: np.ndarray) -> dict:
    a = np.asarray(a)
    data = [int(v) for v in a.reshape(-1)] if a.dtype.kind in "iu" else [float(v) for v in a.reshape(-1)]
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": data}


def main():
    rng = np.random.default_rng(7)
    cases = []
    for name, ls, rs, dn, spec in CASES:
        lhs = rng.standard_normal(ls).astype(np.float32)
        rhs = rng.standard_normal(rs).astype(np.float32)
        out = np.einsum(spec, lhs.astype(np.float64), rhs.astype(np.float64)).astype(np.float32)
        cases.append({"name": name, "einsum": spec, "dimensionNumbers": dn,
                      "lhs": arr(lhs), "rhs": arr(rhs), "expected": arr(out)})
    # Integer contraction with int32 wraparound.
    for name, ls, rs, dn, spec in [CASES[0], CASES[7]]:
        lhs = rng.integers(-70000, 70000, size=ls).astype(np.int32)
        rhs = rng.integers(-70000, 70000, size=rs).astype(np.int32)
        out = np.einsum(spec, lhs.astype(np.int64), rhs.astype(np.int64)).astype(np.int32)
        cases.append({"name": name + "_int32", "einsum": spec, "dimensionNumbers": dn,
                      "lhs": arr(lhs), "rhs": arr(rhs), "expected": arr(out)})
    doc = {"meta": {"generator": "scripts/gen_dot_fixtures.py", "numpy": np.__version__}, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
