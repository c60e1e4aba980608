#!/usr/bin/python3
"""Writes test/fixtures/shape_ops.json: NumPy's answers for the lax shape and indexing
primitives (src/primitives/shape_ops.ts and src/primitives/indexing.ts).

Run: /usr/bin/python3 scripts/gen_shape_ops_fixtures.py

Schema: {"cases": [{name, op, args: [A, ...], params: {...}, out: A}]} where an array A is
{shape, dtype, values} with values flat in row-major order (float32 values exactly as float64
numbers; NaN written as the string "NaN"). `op` names the lax wrapper the test calls and
`params` its static arguments in the TypeScript (camelCase) form. Index arguments of
dynamicSlice / dynamicUpdateSlice are plain integers in params.startIndices.

The oracles: basic slicing (x[a:b:c]), np.flip, np.pad (lax.pad = interior dilation, then
np.pad for positive lo/hi and cropping for negative ones), np.concatenate, np.squeeze,
np.expand_dims, clamped start indices for the dynamic slices, NumPy fancy indexing for gather,
and np.add.at / np.multiply.at / np.minimum.at / np.maximum.at for the scatters.
"""

from __future__ import annotations

import json
import os

import numpy as np

RNG = np.random.default_rng(0)
CASES: list[dict] = []


def enc(a) -> dict:
    a = np.asarray(a)
    vals = []
    for v in a.reshape(-1).tolist():
        if isinstance(v, float) and v != v:
            vals.append("NaN")
        else:
            vals.append(v)
    return {"shape": list(a.shape), "dtype": str(a.dtype), "values": vals}


def case(name, op, args, params, out):
    CASES.append({"name": name, "op": op, "args": [enc(a) for a in args], "params": params, "out": enc(out)})


def randf(*shape):
    return RNG.standard_normal(shape).astype(np.float32)


def randi(lo, hi, *shape):
    return RNG.integers(lo, hi, size=shape).astype(np.int32)


# ---- squeeze / expand_dims / rev ----

x = randf(1, 3, 1, 2)
case("squeeze 0,2", "squeeze", [x], {"dimensions": [0, 2]}, np.squeeze(x, (0, 2)))
y = randf(3, 1)
case("squeeze -1", "squeeze", [y], {"dimensions": [-1]}, np.squeeze(y, -1))
x = randf(2, 3)
case("expand_dims 0,3", "expandDims", [x], {"dimensions": [0, 3]}, np.expand_dims(x, (0, 3)))
case("expand_dims -1", "expandDims", [x], {"dimensions": [-1]}, np.expand_dims(x, -1))
x = randf(2, 3, 4)
case("rev 0,2", "rev", [x], {"dimensions": [0, 2]}, np.flip(x, (0, 2)))
case("rev 1", "rev", [x], {"dimensions": [1]}, np.flip(x, 1))
xi = randi(-5, 5, 4, 3)
case("rev int32", "rev", [xi], {"dimensions": [0]}, np.flip(xi, 0))

# ---- slice ----

x = randf(5, 6, 7)
for start, limit, strides in [
    ([0, 0, 0], [5, 6, 7], None),
    ([1, 2, 3], [4, 6, 5], None),
    ([0, 1, 2], [5, 6, 7], [2, 3, 4]),
    ([4, 0, 6], [5, 6, 7], [1, 5, 3]),
    ([2, 2, 2], [2, 5, 7], [1, 2, 2]),
]:
    sl = tuple(slice(s, l, 1 if strides is None else st) for s, l, st in zip(start, limit, strides or [1] * 3))
    case(f"slice {start} {limit} {strides}", "slice", [x],
         {"startIndices": start, "limitIndices": limit, "strides": strides}, x[sl])
case("sliceInDim axis 1", "sliceInDim", [x], {"start": 1, "limit": -1, "stride": 2, "axis": 1}, x[:, 1:-1:2])


# ---- pad ----

def lax_pad(x, pv, config):
    dil = [d + (d - 1) * i if d > 0 else 0 for d, (_, _, i) in zip(x.shape, config)]
    y = np.full(dil, pv, x.dtype)
    y[tuple(slice(None, None, i + 1) for _, _, i in config)] = x
    y = np.pad(y, [(max(lo, 0), max(hi, 0)) for lo, hi, _ in config], constant_values=pv)
    crop = tuple(slice(-min(lo, 0), y.shape[k] + min(hi, 0)) for k, (lo, hi, _) in enumerate(config))
    return y[crop]


x = randf(3, 4)
for config in [
    [[1, 2, 0], [0, 3, 0]],
    [[0, 0, 1], [2, 1, 2]],
    [[-1, 0, 0], [1, -2, 1]],
    [[-2, -1, 2], [-3, 2, 0]],
]:
    case(f"pad {config}", "pad", [x, np.float32(-7.5)], {"config": config}, lax_pad(x, np.float32(-7.5), config))
xi = randi(0, 9, 2, 3)
case("pad int32", "pad", [xi, np.int32(-1)], {"config": [[1, 0, 1], [0, 2, 1]]}, lax_pad(xi, -1, [[1, 0, 1], [0, 2, 1]]))

# ---- concatenate ----

a, b, c = randf(2, 3), randf(2, 1), randf(2, 4)
case("concatenate dim 1", "concatenate", [a, b, c], {"dimension": 1}, np.concatenate([a, b, c], 1))
a, b = randf(1, 3, 2), randf(4, 3, 2)
case("concatenate dim 0", "concatenate", [a, b], {"dimension": 0}, np.concatenate([a, b], 0))


# ---- dynamic_slice / dynamic_update_slice (negative starts wrap once, then clamp) ----

def clamp_starts(shape, starts, sizes):
    out = []
    for d, s, z in zip(shape, starts, sizes):
        s = s + d if s < 0 else s
        out.append(int(np.clip(s, 0, d - z)))
    return out


x = randf(5, 6)
for starts, sizes in [([1, 2], [3, 3]), ([4, 5], [3, 2]), ([-2, -10], [2, 4]), ([0, 0], [5, 6])]:
    s = clamp_starts(x.shape, starts, sizes)
    case(f"dynamic_slice {starts} {sizes}", "dynamicSlice", [x], {"startIndices": starts, "sliceSizes": sizes},
         x[s[0]:s[0] + sizes[0], s[1]:s[1] + sizes[1]])
for starts, ushape in [([1, 2], [2, 3]), ([4, 5], [3, 2]), ([-1, -3], [2, 2])]:
    u = randf(*ushape)
    s = clamp_starts(x.shape, starts, ushape)
    y = x.copy()
    y[s[0]:s[0] + ushape[0], s[1]:s[1] + ushape[1]] = u
    case(f"dynamic_update_slice {starts} {ushape}", "dynamicUpdateSlice", [x, u], {"startIndices": starts}, y)


# ---- gather (NumPy fancy indexing) ----

def gdn(offset, collapsed, sim, obd=(), sibd=()):
    return {"offsetDims": list(offset), "collapsedSliceDims": list(collapsed), "startIndexMap": list(sim),
            "operandBatchingDims": list(obd), "startIndicesBatchingDims": list(sibd)}


x = randf(5, 4)
idx = randi(0, 5, 3, 1)
case("gather rows x[i]", "gather", [x, idx], {"dimensionNumbers": gdn([1], [0], [0]), "sliceSizes": [1, 4]},
     x[idx[:, 0]])
x = randf(4, 5)
idx = np.stack([randi(0, 4, 6), randi(0, 5, 6)], -1)
case("gather points x[i, j]", "gather", [x, idx], {"dimensionNumbers": gdn([], [0, 1], [0, 1]), "sliceSizes": [1, 1]},
     x[idx[:, 0], idx[:, 1]])
x = randf(3, 5)
idx = randi(0, 5, 4, 1)
case("gather columns x[:, i]", "gather", [x, idx], {"dimensionNumbers": gdn([0], [1], [1]), "sliceSizes": [3, 1]},
     x[:, idx[:, 0]])
# 2-d batch of index vectors and 2-d windows; out-of-range starts are clamped (mode clip).
x = randf(6, 7)
idx = np.stack([randi(-2, 8, 2, 3), randi(-2, 9, 2, 3)], -1)
out = np.zeros((2, 3, 2, 3), np.float32)
for b0 in range(2):
    for b1 in range(3):
        i = int(np.clip(idx[b0, b1, 0], 0, 6 - 2))
        j = int(np.clip(idx[b0, b1, 1], 0, 7 - 3))
        out[b0, b1] = x[i:i + 2, j:j + 3]
case("gather windows clip", "gather", [x, idx],
     {"dimensionNumbers": gdn([2, 3], [], [0, 1]), "sliceSizes": [2, 3], "mode": "clip"}, out)
# fill mode: a window that is partly out of bounds becomes NaN.
x = randf(6, 4)
idx = np.array([[0], [4], [5], [-1], [2], [7]], np.int32)
out = np.full((6, 2, 4), np.nan, np.float32)
for k, (i,) in enumerate(idx):
    if 0 <= i <= 6 - 2:
        out[k] = x[i:i + 2]
case("gather fill NaN", "gather", [x, idx],
     {"dimensionNumbers": gdn([1, 2], [], [0]), "sliceSizes": [2, 4], "mode": "fill"}, out)
case("gather fill value", "gather", [x, idx],
     {"dimensionNumbers": gdn([1, 2], [], [0]), "sliceSizes": [2, 4], "mode": "fill", "fillValue": 3.5},
     np.where(np.isnan(out), np.float32(3.5), out))
# batching dims: x[b, idx[b, k], :]
x = randf(2, 5, 3)
idx = randi(0, 5, 2, 4, 1)
case("gather batching dims", "gather", [x, idx],
     {"dimensionNumbers": gdn([2], [1], [1], [0], [0]), "sliceSizes": [1, 1, 3]},
     x[np.arange(2)[:, None], idx[..., 0]])
xi = randi(-9, 9, 5, 2)
idx = randi(0, 5, 3, 1)
case("gather int32 rows", "gather", [xi, idx], {"dimensionNumbers": gdn([1], [0], [0]), "sliceSizes": [1, 2]},
     xi[idx[:, 0]])


# ---- scatters (np.<ufunc>.at; out-of-bounds index vectors dropped in fill mode) ----

def sdn(uwd, iwd, sdod, obd=(), sibd=()):
    return {"updateWindowDims": list(uwd), "insertedWindowDims": list(iwd), "scatterDimsToOperandDims": list(sdod),
            "operandBatchingDims": list(obd), "scatterIndicesBatchingDims": list(sibd)}


UFUNC = {"scatterAdd": np.add, "scatterMul": np.multiply, "scatterMin": np.minimum, "scatterMax": np.maximum}

for op, ufunc in UFUNC.items():
    # rows with duplicates: x[i] op= u
    x = randf(5, 3)
    idx = np.array([[1], [3], [1], [0], [1]], np.int32)
    u = randf(5, 3)
    y = x.copy()
    ufunc.at(y, idx[:, 0], u)
    case(f"{op} rows dup", op, [x, idx, u], {"dimensionNumbers": sdn([1], [0], [0])}, y)
    # points with duplicates and out-of-bounds (dropped)
    x = randf(4, 5)
    idx = np.array([[0, 1], [3, 4], [0, 1], [4, 0], [-1, 2], [2, 2]], np.int32)
    u = randf(6)
    y = x.copy()
    keep = (idx[:, 0] >= 0) & (idx[:, 0] < 4) & (idx[:, 1] >= 0) & (idx[:, 1] < 5)
    ufunc.at(y, (idx[keep, 0], idx[keep, 1]), u[keep])
    case(f"{op} points dup + oob dropped", op, [x, idx, u], {"dimensionNumbers": sdn([], [0, 1], [0, 1])}, y)

# columns, clip mode: x[:, clip(i)] += u
x = randf(3, 5)
idx = np.array([[4], [7], [-3], [2]], np.int32)
u = randf(3, 4)
y = x.copy()
np.add.at(y, (slice(None), np.clip(idx[:, 0], 0, 4)), u)
case("scatterAdd columns clip", "scatterAdd", [x, idx, u], {"dimensionNumbers": sdn([0], [1], [1]), "mode": "clip"}, y)
# 2-d windows: x[i:i+2, j:j+2] += u[k]; windows partly out of bounds are dropped.
x = randf(5, 6)
idx = np.array([[0, 0], [3, 4], [4, 1], [1, 1], [3, 4]], np.int32)
u = randf(5, 2, 2)
y = x.copy()
for k, (i, j) in enumerate(idx):
    if 0 <= i <= 3 and 0 <= j <= 4:
        y[i:i + 2, j:j + 2] += u[k]
case("scatterAdd windows", "scatterAdd", [x, idx, u], {"dimensionNumbers": sdn([1, 2], [], [0, 1])}, y)
# batching dims: x[b, idx[b, k]] += u[b, k, :]
x = randf(2, 5, 3)
idx = randi(0, 5, 2, 4, 1)
u = randf(2, 4, 3)
y = x.copy()
np.add.at(y, (np.repeat(np.arange(2), 4), idx[..., 0].reshape(-1)), u.reshape(8, 3))
case("scatterAdd batching dims", "scatterAdd", [x, idx, u], {"dimensionNumbers": sdn([2], [1], [1], [0], [0])}, y)
# int32 scatter-add
xi = randi(-9, 9, 4)
idx = np.array([[1], [1], [3]], np.int32)
ui = randi(-9, 9, 3)
y = xi.copy()
np.add.at(y, idx[:, 0], ui)
case("scatterAdd int32", "scatterAdd", [xi, idx, ui], {"dimensionNumbers": sdn([], [0], [0])}, y)
# scatter (set) with unique indices: x[i] = u
x = randf(6, 2)
idx = np.array([[4], [0], [2]], np.int32)
u = randf(3, 2)
y = x.copy()
y[idx[:, 0]] = u
case("scatter rows", "scatter", [x, idx, u], {"dimensionNumbers": sdn([1], [0], [0])}, y)
x = randf(4, 5)
idx = np.array([[0, 1], [3, 4], [2, 2], [5, 0]], np.int32)
u = randf(4)
y = x.copy()
y[idx[:3, 0], idx[:3, 1]] = u[:3]
case("scatter points oob dropped", "scatter", [x, idx, u], {"dimensionNumbers": sdn([], [0, 1], [0, 1])}, y)

path = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "shape_ops.json")
with open(path, "w") as f:
    json.dump({"cases": CASES}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(CASES)} cases to {os.path.normpath(path)}")
