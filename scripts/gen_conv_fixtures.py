#!/usr/bin/python3
"""Writes test/fixtures/conv.json: answers for lax.conv_general_dilated, lax.conv_transpose and
lax.reduce_window.

Run: /usr/bin/python3 scripts/gen_conv_fixtures.py

Schema: {"conv": [CONV], "reduceWindow": [RW], "numpy": [NP]}
  CONV = {"name": str, "op": "conv" | "convTranspose", "lhs": ARR, "rhs": ARR,
          "strides": [int], "padding": str | [[lo, hi]], "lhsDilation": [int] | null,
          "rhsDilation": [int] | null, "dimensionNumbers": [str, str, str] | null,
          "featureGroupCount": int, "batchGroupCount": int, "transposeKernel": bool,
          "oracle": "torch" | "numpy", "expected": ARR}
  RW   = {"name": str, "operand": ARR, "init": number, "computation": "add" | "max" | "min",
          "windowDimensions": [int], "windowStrides": [int], "padding": str | [[lo, hi]],
          "baseDilation": [int], "windowDilation": [int], "expected": ARR}
  NP   = {"fn": "convolve" | "correlate", "mode": str, "a": ARR, "v": ARR, "expected": ARR}
         (np.convolve / np.correlate in float64; integer inputs give float32, NumPy's
         promotion to inexact under jax_enable_x64=False)
  ARR  = {"dtype": str, "shape": [int], "data": [number]} (flat, row-major; infinities and
         the init are written as the strings "inf" / "-inf")

Oracles: torch.nn.functional.conv1d/2d/3d (stride, dilation, groups; asymmetric padding
applied with F.pad) and conv_transpose2d where PyTorch has the operation; otherwise direct
NumPy loops over output positions and kernel taps, written from XLA's definition of Conv
(lhs dilation inserts holes, padding surrounds the dilated lhs, batch groups split the lhs
batch into contiguous blocks matched to contiguous blocks of output features). The NumPy
loops are cross-checked against torch on every torch case. reduce_window uses NumPy loops
over the padded, dilated operand, cross-checked against torch's max_pool2d / avg_pool2d.
"""

from __future__ import annotations

import itertools
import json
import math
import os

import numpy as np
import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "conv.json")
rng = np.random.default_rng(20261126)


def num(v):
    """JSON has no infinities: they are written as the strings "inf" and "-inf"."""
    return v if math.isfinite(v) else ("inf" if v > 0 else "-inf")


def arr(x: np.ndarray) -> dict:
    return {"dtype": str(x.dtype), "shape": list(x.shape), "data": [num(v) for v in x.ravel().tolist()]}


def dilate(x: np.ndarray, dil, axes) -> np.ndarray:
    """Inserts dil-1 zeros between elements along each of `axes`."""
    for d, a in zip(dil, axes):
        if d == 1 or x.shape[a] == 0:
            continue
        shape = list(x.shape)
        shape[a] = (x.shape[a] - 1) * d + 1
        y = np.zeros(shape, x.dtype)
        idx = [slice(None)] * x.ndim
        idx[a] = slice(None, None, d)
        y[tuple(idx)] = x
        x = y
    return x


def pad_crop(x: np.ndarray, pads, axes, value=0) -> np.ndarray:
    """(lo, hi) padding along axes; negative values crop."""
    for (lo, hi), a in zip(pads, axes):
        width = [(0, 0)] * x.ndim
        width[a] = (max(lo, 0), max(hi, 0))
        x = np.pad(x, width, constant_values=value)
        idx = [slice(None)] * x.ndim
        idx[a] = slice(max(-lo, 0), x.shape[a] - max(-hi, 0))
        x = x[tuple(idx)]
    return x


def conv_ref(lhs, rhs, strides, pads, lhs_dil, rhs_dil, fgc, bgc):
    """XLA Conv on NC<spatial> lhs and OI<spatial> rhs by loops over kernel taps."""
    nsp = lhs.ndim - 2
    sp = list(range(2, 2 + nsp))
    x = pad_crop(dilate(lhs, lhs_dil, sp), pads, sp)
    w = dilate(rhs, rhs_dil, sp)
    N, C = lhs.shape[:2]
    O = rhs.shape[0]
    win = w.shape[2:]
    out_sp = [max(0, (x.shape[2 + i] - win[i]) // strides[i] + 1) for i in range(nsp)]
    G = max(fgc, bgc)
    Nout = N // bgc
    Cg = C // fgc
    Og = O // G
    acc = np.int64 if np.issubdtype(lhs.dtype, np.integer) else np.float64
    out = np.zeros([Nout, O] + out_sp, acc)
    for g in range(G):
        xs = x[g * Nout:(g + 1) * Nout] if bgc > 1 else x
        xs = xs[:, g * Cg:(g + 1) * Cg] if fgc > 1 else xs
        ws = w[g * Og:(g + 1) * Og].astype(acc)
        for tap in itertools.product(*[range(k) for k in win]):
            sl = tuple(slice(tap[i], tap[i] + (out_sp[i] - 1) * strides[i] + 1, strides[i]) for i in range(nsp))
            patch = xs[(slice(None), slice(None)) + sl].astype(acc)  # [N, Cg, out...]
            out[:, g * Og:(g + 1) * Og] += np.einsum("nc...,oc->no...", patch, ws[(slice(None), slice(None)) + tap])
    return out


def spec_perm(spec: str, pair: str, rhs_spec: str) -> list[int]:
    """Axes of `spec` in (pair[0], pair[1], spatial in rhs order) order."""
    sp = [c for c in rhs_spec if c not in "OI"]
    return [spec.index(pair[0]), spec.index(pair[1])] + [spec.index(c) for c in sp]


def same_pads(ins, ks, strides, lower=False):
    out = []
    for i, k, s in zip(ins, ks, strides):
        o = -(-i // s)
        total = max((o - 1) * s + k - i, 0)
        half = total // 2
        out.append((total - half, half) if lower else (half, total - half))
    return out


def torch_conv(lhs, rhs, strides, pads, rhs_dil, groups):
    nsp = lhs.ndim - 2
    x = torch.from_numpy(lhs.astype(np.float64))
    flat = []
    for lo, hi in reversed(pads):
        flat += [lo, hi]
    x = F.pad(x, flat)
    fn = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[nsp]
    return fn(x, torch.from_numpy(rhs.astype(np.float64)), stride=tuple(strides), dilation=tuple(rhs_dil), groups=groups).numpy()


conv_cases = []


def add_conv(name, lhs_shape, rhs_shape, strides, padding, lhs_dil=None, rhs_dil=None, dn=None, fgc=1, bgc=1, dtype="float32"):
    """Shapes are given in NC<sp> / OI<sp> order; dn (strings) lays them out for the fixture."""
    nsp = len(lhs_shape) - 2
    if dtype == "int32":
        lhs = rng.integers(-5, 6, lhs_shape).astype(np.int32)
        rhs = rng.integers(-5, 6, rhs_shape).astype(np.int32)
    else:
        lhs = rng.standard_normal(lhs_shape).astype(dtype)
        rhs = rng.standard_normal(rhs_shape).astype(dtype)
    ld = lhs_dil or [1] * nsp
    rd = rhs_dil or [1] * nsp
    if isinstance(padding, str):
        ks = [(k - 1) * r + 1 for k, r in zip(rhs_shape[2:], rd)]
        pads = same_pads(lhs_shape[2:], ks, strides, padding == "SAME_LOWER") if padding != "VALID" else [(0, 0)] * nsp
    else:
        pads = padding
    ref = conv_ref(lhs, rhs, strides, pads, ld, rd, fgc, bgc)
    oracle = "numpy"
    expected = ref
    if all(d == 1 for d in ld) and bgc == 1 and dtype != "int32":
        t = torch_conv(lhs, rhs, strides, pads, rd, fgc)
        assert np.allclose(t, ref, atol=1e-9), name
        expected, oracle = t, "torch"
    expected = expected.astype(dtype)
    if dn is not None:
        # Lay operands and answer out as the dimension-number strings say.
        lp = spec_perm(dn[0], "NC", dn[1])
        rp = spec_perm(dn[1], "OI", dn[1])
        op = spec_perm(dn[2], "NC", dn[1])
        lhs = np.transpose(lhs, np.argsort(lp))
        rhs = np.transpose(rhs, np.argsort(rp))
        expected = np.transpose(expected, np.argsort(op))
    conv_cases.append({
        "name": name, "op": "conv", "lhs": arr(lhs), "rhs": arr(rhs), "strides": list(strides),
        "padding": padding if isinstance(padding, str) else [list(p) for p in padding],
        "lhsDilation": lhs_dil, "rhsDilation": rhs_dil, "dimensionNumbers": dn,
        "featureGroupCount": fgc, "batchGroupCount": bgc, "transposeKernel": False,
        "oracle": oracle, "expected": arr(expected),
    })


add_conv("conv1d_stride_pad_dilation", (2, 3, 11), (4, 3, 3), [2], [(1, 2)], rhs_dil=[2])
add_conv("conv1d_negative_pad", (1, 2, 9), (3, 2, 2), [1], [(-1, 2)])
add_conv("conv2d_valid", (2, 3, 6, 5), (4, 3, 3, 2), [1, 1], "VALID")
add_conv("conv2d_same_stride2", (2, 3, 7, 6), (5, 3, 3, 3), [2, 2], "SAME")
add_conv("conv2d_same_lower", (1, 2, 6, 7), (3, 2, 2, 4), [1, 2], "SAME_LOWER")
add_conv("conv2d_groups_dilated", (2, 4, 8, 7), (6, 2, 3, 2), [1, 2], [(2, 1), (0, 3)], rhs_dil=[2, 1], fgc=2)
add_conv("conv2d_depthwise", (2, 3, 5, 5), (6, 1, 3, 3), [1, 1], [(1, 1), (1, 1)], fgc=3)
add_conv("conv2d_nhwc_hwio", (2, 3, 6, 5), (4, 3, 3, 3), [1, 1], "SAME", dn=("NHWC", "HWIO", "NHWC"))
add_conv("conv2d_odd_layout", (2, 3, 5, 6), (4, 3, 2, 3), [2, 1], [(1, 0), (2, 2)], dn=("HNCW", "WIHO", "CWNH"))
add_conv("conv3d", (1, 2, 5, 4, 6), (3, 2, 2, 3, 2), [1, 2, 2], [(1, 1), (0, 1), (1, 0)], rhs_dil=[1, 1, 2])
add_conv("conv2d_lhs_dilation", (2, 2, 4, 3), (3, 2, 3, 2), [1, 2], [(2, 1), (1, 1)], lhs_dil=[2, 3], rhs_dil=[1, 2])
add_conv("conv1d_lhs_dilation_stride", (1, 2, 5), (2, 2, 3), [2], [(0, 2)], lhs_dil=[3])
add_conv("conv2d_batch_groups", (4, 3, 5, 5), (6, 3, 2, 2), [1, 1], [(0, 1), (1, 0)], bgc=2)
add_conv("conv1d_batch_groups_layout", (6, 2, 7), (3, 2, 3), [2], [(1, 1)], bgc=3, dn=("NWC", "WIO", "NWC"))
add_conv("conv2d_int32", (1, 2, 4, 4), (2, 2, 2, 2), [1, 1], "VALID", dtype="int32")
add_conv("conv2d_float64", (1, 2, 5, 4), (2, 2, 3, 3), [1, 1], "SAME", dtype="float64")


def add_conv_transpose(name, lhs_shape, w_shape, strides, k_pad, out_pad):
    """torch.conv_transpose2d (weight [Cin, Cout, kh, kw]) as JAX's conv_transpose with explicit
    pads (k-1-p, k-1-p+output_padding), transposeKernel and ("NCHW", "OIHW", "NCHW")."""
    lhs = rng.standard_normal(lhs_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    t = F.conv_transpose2d(torch.from_numpy(lhs.astype(np.float64)), torch.from_numpy(w.astype(np.float64)),
                           stride=tuple(strides), padding=tuple(k_pad), output_padding=tuple(out_pad)).numpy()
    ks = w_shape[2:]
    pads = [[k - 1 - p, k - 1 - p + o] for k, p, o in zip(ks, k_pad, out_pad)]
    conv_cases.append({
        "name": name, "op": "convTranspose", "lhs": arr(lhs), "rhs": arr(w), "strides": list(strides),
        "padding": pads, "lhsDilation": None, "rhsDilation": None, "dimensionNumbers": ["NCHW", "OIHW", "NCHW"],
        "featureGroupCount": 1, "batchGroupCount": 1, "transposeKernel": True, "oracle": "torch",
        "expected": arr(t.astype(np.float32)),
    })


def add_conv_transpose_str(name, lhs_shape, rhs_shape, strides, padding):
    """JAX's conv_transpose with string padding (default NHWC / HWIO layout, no kernel flip): the
    lhs dilated by the strides, padded as Keras's Conv2DTranspose, by the NumPy loops."""
    lhs = rng.standard_normal(lhs_shape).astype(np.float32)  # NHWC
    rhs = rng.standard_normal(rhs_shape).astype(np.float32)  # HWIO
    pads = []
    for k, s in zip(rhs_shape[:2], strides):
        if padding == "SAME":
            pad_len = k + s - 2
            pad_a = k - 1 if s > k - 1 else math.ceil(pad_len / 2)
        else:
            pad_len = k + s - 2 + max(k - s, 0)
            pad_a = k - 1
        pads.append((pad_a, pad_len - pad_a))
    ref = conv_ref(lhs.transpose(0, 3, 1, 2), rhs.transpose(3, 2, 0, 1), [1, 1], pads, strides, [1, 1], 1, 1)
    conv_cases.append({
        "name": name, "op": "convTranspose", "lhs": arr(lhs), "rhs": arr(rhs), "strides": list(strides),
        "padding": padding, "lhsDilation": None, "rhsDilation": None, "dimensionNumbers": None,
        "featureGroupCount": 1, "batchGroupCount": 1, "transposeKernel": False, "oracle": "numpy",
        "expected": arr(ref.transpose(0, 2, 3, 1).astype(np.float32)),
    })


add_conv_transpose("conv_transpose2d_torch", (2, 3, 4, 5), (3, 2, 3, 3), [2, 2], [1, 1], [1, 0])
add_conv_transpose("conv_transpose2d_torch_stride3", (1, 2, 3, 3), (2, 4, 4, 2), [3, 1], [0, 1], [2, 0])
add_conv_transpose_str("conv_transpose_same", (1, 4, 5, 2), (3, 3, 2, 3), [2, 2], "SAME")
add_conv_transpose_str("conv_transpose_valid", (2, 3, 4, 2), (3, 2, 2, 2), [2, 3], "VALID")


def reduce_window_ref(x, init, comp, wd, ws, pads, bd, wdil):
    """XLA ReduceWindow: holes and padding hold init; each window starts from init."""
    axes = list(range(x.ndim))
    xp = x.astype(np.float64)
    # base dilation's holes hold init
    for d, a in zip(bd, axes):
        if d == 1:
            continue
        shape = list(xp.shape)
        shape[a] = (xp.shape[a] - 1) * d + 1
        y = np.full(shape, init, np.float64)
        idx = [slice(None)] * xp.ndim
        idx[a] = slice(None, None, d)
        y[tuple(idx)] = xp
        xp = y
    xp = pad_crop(xp, pads, axes, value=init)
    win = [(w - 1) * d + 1 for w, d in zip(wd, wdil)]
    out_shape = [(xp.shape[i] - win[i]) // ws[i] + 1 for i in axes]
    f = {"add": np.add, "max": np.maximum, "min": np.minimum}[comp]
    out = np.full(out_shape, init, np.float64)
    for tap in itertools.product(*[range(w) for w in wd]):
        sl = tuple(slice(tap[i] * wdil[i], tap[i] * wdil[i] + (out_shape[i] - 1) * ws[i] + 1, ws[i]) for i in axes)
        out = f(out, xp[sl])
    return out


rw_cases = []


def add_rw(name, shape, init, comp, wd, ws, padding, bd=None, wdil=None, dtype="float32", check_torch=None):
    nd = len(shape)
    bd = bd or [1] * nd
    wdil = wdil or [1] * nd
    if dtype == "int32":
        x = rng.integers(-20, 21, shape).astype(np.int32)
    else:
        x = rng.standard_normal(shape).astype(dtype)
    if isinstance(padding, str):
        pads = same_pads(shape, wd, ws, padding == "SAME_LOWER") if padding != "VALID" else [(0, 0)] * nd
    else:
        pads = padding
    ref = reduce_window_ref(x, init, comp, wd, ws, pads, bd, wdil)
    if check_torch == "max_pool2d":
        t = F.max_pool2d(torch.from_numpy(x.astype(np.float64)), kernel_size=tuple(wd[2:]), stride=tuple(ws[2:]),
                         dilation=tuple(wdil[2:])).numpy()
        assert np.allclose(t, ref), name
    if check_torch == "avg_pool2d":
        t = F.avg_pool2d(torch.from_numpy(x.astype(np.float64)), kernel_size=tuple(wd[2:]), stride=tuple(ws[2:])).numpy()
        assert np.allclose(t * wd[2] * wd[3], ref), name
    rw_cases.append({
        "name": name, "operand": arr(x), "init": num(init),
        "computation": comp, "windowDimensions": wd, "windowStrides": ws,
        "padding": padding if isinstance(padding, str) else [list(p) for p in padding],
        "baseDilation": bd, "windowDilation": wdil, "expected": arr(ref.astype(dtype)),
    })


add_rw("max_pool_2x2", [2, 3, 6, 7], -math.inf, "max", [1, 1, 2, 2], [1, 1, 2, 2], "VALID", check_torch="max_pool2d")
add_rw("max_pool_dilated", [1, 2, 9, 8], -math.inf, "max", [1, 1, 3, 2], [1, 1, 2, 1], "VALID", wdil=[1, 1, 2, 3], check_torch="max_pool2d")
add_rw("sum_pool_3x3", [2, 2, 6, 6], 0, "add", [1, 1, 3, 3], [1, 1, 3, 3], "VALID", check_torch="avg_pool2d")
add_rw("max_same", [5, 6], -math.inf, "max", [3, 2], [2, 2], "SAME")
add_rw("min_padded", [7, 4], math.inf, "min", [2, 3], [1, 2], [(1, 2), (2, 0)])
add_rw("sum_all_features", [3, 5, 4], 0, "add", [2, 3, 2], [1, 2, 1], [(1, 0), (0, 1), (1, 1)], bd=[2, 1, 3], wdil=[1, 2, 1])
add_rw("max_base_dilation", [4, 5], -math.inf, "max", [2, 2], [1, 1], [(0, 1), (1, 1)], bd=[2, 2])
add_rw("sum_init_one", [5, 4], 1.0, "add", [2, 2], [1, 1], [(1, 0), (0, 1)])
add_rw("max_init_zero", [6], 0.0, "max", [3], [2], [(1, 1)])
add_rw("max_int32", [4, 6], float(np.iinfo(np.int32).min), "max", [2, 3], [2, 1], "SAME", dtype="int32")
add_rw("sum_int32", [5, 5], 0, "add", [3, 2], [1, 2], [(1, 1), (0, 1)], dtype="int32")
add_rw("cumulative_1d", [8], 0, "add", [8], [1], [(7, 0)])

np_cases = []
for fn in ("convolve", "correlate"):
    for na, nv in ((7, 3), (4, 6), (5, 5), (1, 4)):
        a = rng.standard_normal(na).astype(np.float32)
        v = rng.standard_normal(nv).astype(np.float32)
        for mode in ("full", "same", "valid"):
            ref = getattr(np, fn)(a.astype(np.float64), v.astype(np.float64), mode)
            np_cases.append({"fn": fn, "mode": mode, "a": arr(a), "v": arr(v), "expected": arr(ref.astype(np.float32))})
ai = rng.integers(-4, 5, 6).astype(np.int32)
vi = rng.integers(-4, 5, 3).astype(np.int32)
np_cases.append({"fn": "convolve", "mode": "full", "a": arr(ai), "v": arr(vi),
                 "expected": arr(np.convolve(ai.astype(np.int64), vi.astype(np.int64)).astype(np.float32))})

with open(OUT, "w") as f:
    json.dump({"conv": conv_cases, "reduceWindow": rw_cases, "numpy": np_cases}, f, separators=(",", ":"))
    f.write("\n")
print(f"wrote {len(conv_cases)} conv and {len(rw_cases)} reduce_window cases to {os.path.normpath(OUT)}")
