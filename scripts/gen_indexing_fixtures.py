#!/usr/bin/python3
"""Writes test/fixtures/indexing.json: NumPy's answers for jnp indexing and .at[] updates.

Run: /usr/bin/python3 scripts/gen_indexing_fixtures.py

Each index is written in the TypeScript form the test passes to `x.get(...)`:
  number            an integer index
  "1:5", "::-1"     a slice string; "..." the ellipsis
  null              newaxis
  true / false      a scalar boolean index
  {"s": [a, b, c]}  jnp.s(a, b, c)                  (null for None)
  {"o": {...}}      a plain {start, stop, step} object
  {"a": v, "dtype"} jnp.array(v, {dtype})           (an index Array)
  {"l": v}          a nested JS array (numbers: integer index; booleans: a mask)

Schema:
  get      [{name, x: {shape, dtype, values}, idx: [...], out: {shape, dtype, values}}]
  update   [{name, op, x, idx, v, out}]   op in set/add/multiply/min/max
  oob_get  like get, for out-of-bounds Array indices (JAX clamps: the oracle clips)
  oob_update  like update, for out-of-bounds Array indices (JAX drops them)
Values are nested lists (float32 values exactly as float64 numbers).
"""

from __future__ import annotations

import json
import os

import numpy as np

RNG = np.random.default_rng(0)


class S:
    """jnp.s(start, stop, step)."""

    def __init__(self, *args):
        self.sl = slice(*args)

    def np(self):
        return self.sl

    def js(self):
        return {"s": [self.sl.start, self.sl.stop, self.sl.step]}


class O:
    """A plain {start, stop, step} object (omitted keys are None)."""

    def __init__(self, **kw):
        self.kw = kw

    def np(self):
        return slice(self.kw.get("start"), self.kw.get("stop"), self.kw.get("step"))

    def js(self):
        return {"o": self.kw}


class A:
    """An index Array with an explicit dtype."""

    def __init__(self, v, dtype="int32"):
        self.v, self.dtype = v, dtype

    def np(self):
        return np.array(self.v, dtype=self.dtype)

    def js(self):
        return {"a": self.v, "dtype": self.dtype}


class L:
    """A nested JS array."""

    def __init__(self, v):
        self.v = v

    def np(self):
        a = np.array(self.v)
        return a.astype(np.intp) if a.dtype != np.bool_ else a

    def js(self):
        return {"l": self.v}


def parse_slice(s: str) -> slice:
    parts = [int(p) if p.strip() else None for p in s.split(":")]
    return slice(*parts)


def np_item(i):
    if isinstance(i, (S, O, A, L)):
        return i.np()
    if isinstance(i, str):
        return Ellipsis if i == "..." else parse_slice(i)
    return i  # int, None, bool


def js_item(i):
    if isinstance(i, (S, O, A, L)):
        return i.js()
    return i


def arr(a: np.ndarray) -> dict:
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": a.tolist()}


def xs(shape, dtype="float32"):
    """Distinct values so that every index mistake shows."""
    n = int(np.prod(shape))
    return (np.arange(n) * 1.5 - 7).astype(dtype).reshape(shape) if dtype == "float32" else (
        np.arange(n) - 5).astype(dtype).reshape(shape)


GET_CASES = [
    # integers
    ("int", (5,), [2]),
    ("neg int", (5,), [-1]),
    ("int 2d", (3, 4), [1]),
    ("two ints", (3, 4), [1, -2]),
    ("int to scalar 3d", (2, 3, 4), [1, 2, 3]),
    ("int int32", (3, 4), [2], "int32"),
    # slices
    ("slice", (6,), ["1:5"]),
    ("slice open", (6,), ["2:"]),
    ("slice neg", (6,), ["-4:-1"]),
    ("slice step", (7,), ["::2"]),
    ("slice step start", (7,), ["1:6:3"]),
    ("slice rev", (5,), ["::-1"]),
    ("slice rev step", (7,), ["5:0:-2"]),
    ("slice rev neg", (7,), ["-2::-3"]),
    ("slice empty", (5,), ["3:1"]),
    ("slice beyond", (5,), ["2:100"]),
    ("slice 2d", (4, 5), [":", "1:4"]),
    ("slice 2d both", (4, 5), ["1:3", "::-2"]),
    ("slice obj", (8,), [S(1, 7, 2)]),
    ("slice obj stop only", (8,), [S(3)]),
    ("slice obj rev", (8,), [S(None, None, -3)]),
    ("plain object", (8,), [O(start=2, step=3)]),
    ("plain object stop", (4, 5), [O(stop=-1), O(start=-2)]),
    ("int and slice", (4, 5), [2, "1:4"]),
    ("slice and int", (4, 5), ["::-1", -1]),
    # newaxis / ellipsis
    ("newaxis", (3,), [None]),
    ("newaxis mid", (3, 4), [":", None]),
    ("newaxis int", (3, 4), [None, 1, None]),
    ("ellipsis", (2, 3, 4), ["..."]),
    ("ellipsis int", (2, 3, 4), ["...", 1]),
    ("ellipsis mid", (2, 3, 4), [0, "...", "1:3"]),
    ("ellipsis newaxis", (2, 3), ["...", None]),
    ("ellipsis empty", (2, 3), [1, "...", 2]),
    # integer arrays
    ("array 1d", (5,), [A([0, 3, 3, -1])]),
    ("array 2d idx", (5,), [A([[0, 1], [4, -2]])]),
    ("array rows", (4, 3), [A([2, 0])]),
    ("array cols", (4, 3), [":", A([2, 0, 1, 2])]),
    ("js list", (5,), [L([4, 0, -5])]),
    ("js nested list", (3, 4), [L([[0, 2], [1, 1]])]),
    ("empty list", (3, 4), [L([])]),
    ("two arrays", (3, 4), [A([0, 2, 1]), A([3, 0, 1])]),
    ("two arrays broadcast", (3, 4), [A([[0], [2]]), A([1, 3, 0])]),
    ("array and int", (3, 4, 5), [1, A([0, 2]), ":"]),
    ("int array int", (3, 4, 5), [1, A([0, 2]), -1]),
    ("arrays separated", (3, 4, 5), [A([0, 2]), ":", A([1, 4])]),
    ("int slice array separated", (3, 4, 5), [0, ":", A([1, 4, 2])]),
    ("arrays adjacent mid", (2, 3, 4, 5), [":", A([0, 2]), A([1, 3]), ":"]),
    ("array newaxis", (3, 4), [A([2, 0]), None]),
    ("array separated by newaxis", (3, 4), [A([2, 0]), None, A([1, 1])]),
    ("array ellipsis array", (3, 4), [A([1, 0]), "...", A([3, 2])]),
    ("array and strided", (4, 6), [A([3, 1]), "::-2"]),
    ("uint8 array", (5,), [A([4, 1], "uint8")]),
    ("int16 array", (5,), [A([-1, 1], "int16")]),
    # boolean masks
    ("mask 1d", (5,), [A([True, False, True, True, False], "bool")]),
    ("mask js", (5,), [L([False, True, False, False, True])]),
    ("mask 2d", (2, 3), [A([[True, False, True], [False, True, True]], "bool")]),
    ("mask rows", (3, 4), [A([True, False, True], "bool")]),
    ("mask cols", (3, 4), [":", L([True, False, False, True])]),
    ("mask after ellipsis", (2, 3, 4), ["...", L([False, True, True, False])]),
    ("mask and array", (3, 4), [L([True, False, True]), A([0, 3])]),
    ("scalar true", (3,), [True]),
    ("scalar false", (3,), [False]),
    ("scalar true 2d", (2, 3), [":", True]),
    ("mask and slice", (3, 4), [L([True, True, False]), "::-3"]),
    ("scalar x newaxis", (), [None]),
    ("scalar x ellipsis", (), ["..."]),
    ("bool int array", (2, 3), [True, A([1, 0])]),
    ("false int array", (2, 3), [A([[1], [0]]), False]),
    # mixed dtypes of x
    ("int x array", (4, 3), [A([1, 3]), "::2"], "int32"),
]

UPDATE_CASES = [
    # (name, op, shape, idx, v-shape or None for the full slice shape)
    ("set int", "set", (5,), [2], ()),
    ("set slice scalar", "set", (6,), ["1:4"], ()),
    ("set slice", "set", (6,), ["::2"], None),
    ("set rev", "set", (5,), ["::-1"], None),
    ("set row", "set", (3, 4), [1], (4,)),
    ("set col broadcast", "set", (3, 4), [":", 2], ()),
    ("set block", "set", (4, 5), ["1:3", "2:"], (1, 3)),
    ("set newaxis", "set", (3, 4), [None, 1], None),
    ("set ellipsis", "set", (2, 3, 4), ["...", 0], (3,)),
    ("set array", "set", (6,), [A([0, 4, -1])], None),
    ("set two arrays", "set", (3, 4), [A([0, 2]), A([3, 1])], None),
    ("set arrays separated", "set", (3, 4, 5), [A([0, 2]), ":", A([1, 4])], None),
    ("set mask", "set", (2, 3), [A([[True, False, True], [False, True, False]], "bool")], None),
    ("set mask scalar", "set", (5,), [L([True, False, True, False, True])], ()),
    ("set all", "set", (2, 3), ["..."], (3,)),
    ("set scalar true", "set", (3,), [True], None),
    ("set newaxis array", "set", (3, 4), [None, A([0, 2]), "1:"], (2, 1)),
    ("set strided 2d", "set", (4, 5), ["::-2", "1::3"], None),
    ("set int dtype", "set", (4,), [A([1, 3])], None, "int32"),
    ("add int", "add", (5,), [-2], ()),
    ("add slice", "add", (4, 5), [":", "1::2"], None),
    ("add repeated", "add", (5,), [A([0, 1, 1, 3, 0, 1])], None),
    ("add repeated 2d", "add", (3, 4), [A([2, 0, 2]), ":"], None),
    ("add repeated pairs", "add", (3, 4), [A([1, 1, 2]), A([0, 0, 3])], None),
    ("add repeated broadcast v", "add", (3, 4), [A([0, 0, 2])], (4,)),
    ("add separated", "add", (3, 4, 5), [A([0, 0]), ":", A([2, 2])], None),
    ("add mask", "add", (3, 4), [L([True, False, True])], None),
    ("add all", "add", (2, 3), [], None),
    ("multiply repeated", "multiply", (5,), [A([1, 3, 1, 1])], None),
    ("multiply slice", "multiply", (3, 4), ["1:", "::-1"], None),
    ("min repeated", "min", (6,), [A([2, 2, 5, 0, 2])], None),
    ("min slice", "min", (3, 4), [1, ":"], None),
    ("max repeated", "max", (6,), [A([4, 1, 4, 4])], None),
    ("max 2d", "max", (3, 4), [A([0, 2, 0]), A([1, 1, 1])], None),
    ("add int x", "add", (5,), [A([0, 0, 4])], None, "int32"),
]

UFUNC = {"add": np.add, "multiply": np.multiply, "min": np.minimum, "max": np.maximum}


def values_for(shape, dtype):
    if dtype == "int32":
        return RNG.integers(-9, 10, size=shape).astype(dtype)
    return RNG.normal(size=shape).round(3).astype(dtype)


def gen_get():
    out = []
    for case in GET_CASES:
        name, shape, idx = case[:3]
        dtype = case[3] if len(case) > 3 else "float32"
        x = xs(shape, dtype)
        y = x[tuple(np_item(i) for i in idx)]
        out.append({"name": name, "x": arr(x), "idx": [js_item(i) for i in idx], "out": arr(np.asarray(y))})
    return out


def gen_update():
    out = []
    for case in UPDATE_CASES:
        name, op, shape, idx, vshape = case[:5]
        dtype = case[5] if len(case) > 5 else "float32"
        x = values_for(shape, dtype)
        key = tuple(np_item(i) for i in idx)
        if vshape is None:
            vshape = x[key].shape
        v = values_for(vshape, dtype)
        y = x.copy()
        if op == "set":
            y[key] = v
        else:
            UFUNC[op].at(y, key, v)
        out.append({"name": name, "op": op, "x": arr(x), "idx": [js_item(i) for i in idx], "v": arr(v), "out": arr(y)})
    return out


def gen_oob():
    """Out-of-bounds Array indices: gets clamp (after negative wrapping), updates are dropped."""
    gets, updates = [], []
    for name, shape, ind in [
        ("oob high", (4,), [1, 7, -2]),
        ("oob low", (4,), [-9, 0]),
    ]:
        x = xs(shape)
        i = np.array(ind)
        clipped = np.clip(np.where(i < 0, i + shape[0], i), 0, shape[0] - 1)
        gets.append({"name": name, "x": arr(x), "idx": [A(ind).js()], "out": arr(x[clipped])})
    for name, op, shape, ind in [
        ("oob set dropped", "set", (5,), [0, 9, -8, 3]),
        ("oob add dropped", "add", (5,), [5, 1, 1, -6]),
    ]:
        x = values_for(shape, "float32")
        v = values_for((len(ind),), "float32")
        i = np.array(ind)
        wrapped = np.where(i < 0, i + shape[0], i)
        keep = (wrapped >= 0) & (wrapped < shape[0])
        y = x.copy()
        if op == "set":
            y[wrapped[keep]] = v[keep]
        else:
            np.add.at(y, wrapped[keep], v[keep])
        updates.append({"name": name, "op": op, "x": arr(x), "idx": [A(ind).js()], "v": arr(v), "out": arr(y)})
    return gets, updates


def main():
    oob_get, oob_update = gen_oob()
    data = {
        "meta": {"generator": "scripts/gen_indexing_fixtures.py", "numpy": np.__version__},
        "get": gen_get(),
        "update": gen_update(),
        "oob_get": oob_get,
        "oob_update": oob_update,
    }
    path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "indexing.json")
    with open(path, "w") as f:
        json.dump(data, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {path}: {len(data['get'])} get, {len(data['update'])} update cases")


if __name__ == "__main__":
    main()
