#!/usr/bin/python3
"""Writes test/fixtures/reductions.json: NumPy's answers for the reduction primitives.

Run: /usr/bin/python3 scripts/gen_reductions_fixtures.py

Schema: {"inputs": {name: ARR}, "cases": [CASE]}
  ARR  = {"dtype": str, "shape": [int], "data": [number | "NaN" | "Infinity" | "-Infinity"]}
         (data flat, row-major; bools as 0/1)
  CASE = {"op": str, "input": name, "params": {...}, "expected": ARR}
  op is a jaxts lax name: reduceMax reduceMin reduceProd reduceAnd reduceOr
  (params.axes), argmax argmin (params.axis, params.indexDtype), cumsum
  (params.axis, params.reverse).
NumPy oracles: np.max np.min np.prod(dtype=input dtype, so integers wrap) np.all
np.any np.bitwise_and.reduce np.bitwise_or.reduce np.argmax np.argmin (first NaN
wins, first occurrence on ties) np.cumsum (reverse = flip, cumsum, flip).
"""

from __future__ import annotations

import itertools
import json
import math
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "reductions.json")


def enc(v):
    v = float(v)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return int(v) if v == int(v) and abs(v) < 2**53 else v


def arr(a: np.ndarray) -> dict:
    a = np.asarray(a)
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": [enc(v) for v in a.reshape(-1)]}


def all_axes(ndim):
    out = []
    for k in range(ndim + 1):
        out.extend(itertools.combinations(range(ndim), k))
    return out


def main():
    rng = np.random.default_rng(20240611)
    inputs = {
        "f": rng.standard_normal((3, 4, 5)).astype(np.float32),
        # Small integers: many ties among float values.
        "ties": rng.integers(-2, 3, size=(4, 6)).astype(np.float32),
        "i": rng.integers(-50, 50, size=(3, 4, 5)).astype(np.int32),
        # Large factors so int32 products wrap.
        "ibig": rng.integers(-60000, 60000, size=(4, 3)).astype(np.int32),
        "u": rng.integers(0, 2**32, size=(3, 5), dtype=np.uint64).astype(np.uint32),
        "b": rng.random((3, 4, 2)) < 0.7,
        "prodf": rng.uniform(0.5, 1.5, size=(3, 4, 5)).astype(np.float32),
    }
    nanf = rng.standard_normal((4, 5)).astype(np.float32)
    nanf[1, 2] = np.nan
    nanf[1, 4] = np.nan
    nanf[3, 0] = np.nan
    nanf[2, :] = [1, -1, 1, -1, 1]
    inputs["nan"] = nanf
    inputs["inf"] = np.array([[np.inf, 1, -np.inf], [-np.inf, -np.inf, 2]], np.float32)

    cases = []

    def add(op, name, params, expected):
        cases.append({"op": op, "input": name, "params": params, "expected": arr(expected)})

    for name in ["f", "i", "ties", "nan", "inf", "b"]:
        x = inputs[name]
        for axes in all_axes(x.ndim):
            add("reduceMax", name, {"axes": list(axes)}, np.max(x, axis=axes) if axes else x)
            add("reduceMin", name, {"axes": list(axes)}, np.min(x, axis=axes) if axes else x)
    for name in ["prodf", "i", "ibig", "ties"]:
        x = inputs[name]
        for axes in all_axes(x.ndim):
            add("reduceProd", name, {"axes": list(axes)}, np.prod(x, axis=axes, dtype=x.dtype) if axes else x)
    for name in ["b", "i", "u"]:
        x = inputs[name]
        for axes in all_axes(x.ndim):
            if x.dtype == np.bool_:
                a, o = np.all(x, axis=axes), np.any(x, axis=axes)
            else:
                a = np.bitwise_and.reduce(x, axis=axes) if axes else x
                o = np.bitwise_or.reduce(x, axis=axes) if axes else x
            add("reduceAnd", name, {"axes": list(axes)}, a)
            add("reduceOr", name, {"axes": list(axes)}, o)
    for name in ["f", "ties", "nan", "inf", "i", "u", "b"]:
        x = inputs[name]
        for axis in range(x.ndim):
            for dt in ["int32", "uint8"]:
                if dt == "uint8" and x.shape[axis] > 255:
                    continue
                p = {"axis": axis, "indexDtype": dt}
                add("argmax", name, p, np.argmax(x, axis=axis).astype(dt))
                add("argmin", name, p, np.argmin(x, axis=axis).astype(dt))
    for name in ["f", "i", "ties", "inf"]:
        x = inputs[name]
        for axis in range(x.ndim):
            fwd = np.cumsum(x, axis=axis, dtype=x.dtype)
            rev = np.flip(np.cumsum(np.flip(x, axis), axis=axis, dtype=x.dtype), axis)
            add("cumsum", name, {"axis": axis, "reverse": False}, fwd)
            add("cumsum", name, {"axis": axis, "reverse": True}, rev)

    doc = {
        "meta": {"generator": "scripts/gen_reductions_fixtures.py", "numpy": np.__version__},
        "inputs": {k: arr(v) for k, v in inputs.items()},
        "cases": cases,
    }
    with open(OUT, "w") as f:
        json.dump(doc, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
