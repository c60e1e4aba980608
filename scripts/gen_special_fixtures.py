#!/usr/bin/python3
"""Oracle values for the elementwise, special-function and bitwise primitives.

Writes test/fixtures/special.json, read by test/primitives/elementwise.test.ts and
test/primitives/bitwise.test.ts. Float32 values come from NumPy's float32 ufuncs where NumPy has
the function; erf/erfc/lgamma from Python's math module and erf_inv/digamma from mpmath (computed
in high precision, then rounded to float32). The "special64" section holds float64 inputs with
mpmath values at 40 digits for the x64 tests. Integer sections use NumPy's fixed-width integer
arithmetic (wrapping, C-style fmod) and Python integers for population counts.

Non-finite floats are written as the strings "nan", "inf", "-inf" (JSON has no such numbers).
Run: /usr/bin/python3 scripts/gen_special_fixtures.py
"""
import json
import math
import os

import mpmath
import numpy as np

from fixture_json import enc

rng = np.random.default_rng(20240611)
N = 12  # elements per case; the tests reshape to [3, 4] for vmap
f32 = np.float32




def enc_list(a):
    return [enc(v) for v in np.asarray(a).reshape(-1).tolist()]


def uniform(lo, hi, away=None, n=N):
    """float32 samples in [lo, hi), optionally at least `away` from 0."""
    out = []
    while len(out) < n:
        v = f32(rng.uniform(lo, hi))
        if away is not None and abs(v) < away:
            continue
        out.append(v)
    return np.array(out, dtype=f32)


def via64(fn):
    """Applies a float64 scalar oracle to float32 inputs and rounds to float32."""
    return lambda x: np.array([fn(float(v)) for v in x], dtype=np.float64).astype(f32)


def mp_erfinv(x):
    return float(mpmath.erfinv(x))


def mp_digamma(x):
    return float(mpmath.digamma(x))


def mp_lgamma(x):
    return float(mpmath.log(abs(mpmath.gamma(x))))


def round_half_away(x):
    x64 = x.astype(np.float64)
    return (np.sign(x64) * np.floor(np.abs(x64) + 0.5)).astype(f32)


cases = []


def case(name, args, out, params=None, grad=True):
    cases.append({
        "name": name,
        "args": [enc_list(a) for a in args],
        "out": enc_list(out),
        "params": params or {},
        "grad": grad,
    })


def unary(name, fn, lo, hi, away=None, edge=None):
    x = uniform(lo, hi, away)
    with np.errstate(all="ignore"):
        case(name, [x], fn(x))
        if edge is not None:
            e = np.array(edge, dtype=f32)
            case(name, [e], fn(e), grad=False)


with np.errstate(all="ignore"):
    # ---- unary float functions: in-domain samples (gradient-checked) and edge values ----
    unary("neg", np.negative, -2, 2, edge=[0.0, -0.0, np.inf, np.nan])
    unary("abs", np.abs, -2, 2, away=0.1, edge=[0.0, -np.inf, np.nan])
    unary("sign", np.sign, -2, 2, away=0.1, edge=[0.0, np.inf, -np.inf])
    unary("floor", np.floor, -3, 3, edge=[-0.5, 0.5, 2.0])
    unary("ceil", np.ceil, -3, 3, edge=[-0.5, 0.5, 2.0])
    unary("round", round_half_away, -3, 3, edge=[-2.5, -0.5, 0.5, 1.5, 2.5])
    unary("exp", np.exp, -2, 2, edge=[0.0, -np.inf, np.inf, 89.0])
    unary("exp2", np.exp2, -2, 2, edge=[0.0, 10.0, -np.inf])
    unary("log", np.log, 0.2, 3, edge=[0.0, 1.0, np.inf, -1.0])
    unary("log1p", np.log1p, -0.5, 3, edge=[1e-10, -1.0, np.inf])
    unary("expm1", np.expm1, -2, 2, edge=[1e-10, -np.inf, 0.0])
    unary("sqrt", np.sqrt, 0.2, 3, edge=[0.0, 4.0, np.inf, -1.0])
    unary("rsqrt", lambda x: (1 / np.sqrt(x.astype(np.float64))).astype(f32), 0.2, 3, edge=[0.0, 4.0, np.inf])
    unary("cbrt", np.cbrt, -3, 3, away=0.2, edge=[0.0, -8.0, 27.0])
    unary("sin", np.sin, -3, 3, edge=[0.0, np.pi])
    unary("cos", np.cos, -3, 3, edge=[0.0, np.pi])
    unary("tan", np.tan, -1.2, 1.2, edge=[0.0])
    unary("asin", np.arcsin, -0.9, 0.9, edge=[1.0, -1.0, 2.0])
    unary("acos", np.arccos, -0.9, 0.9, edge=[1.0, -1.0, 2.0])
    unary("atan", np.arctan, -2, 2, edge=[np.inf, -np.inf])
    unary("sinh", np.sinh, -2, 2, edge=[0.0])
    unary("cosh", np.cosh, -2, 2, edge=[0.0])
    unary("tanh", np.tanh, -2, 2, edge=[20.0, -20.0, np.inf])
    unary("asinh", np.arcsinh, -2, 2, edge=[0.0])
    unary("acosh", np.arccosh, 1.2, 4, edge=[1.0, 0.5])
    unary("atanh", np.arctanh, -0.9, 0.9, edge=[1.0, -1.0, 2.0])
    unary("logistic", via64(lambda v: 1 / (1 + math.exp(-v))), -3, 3, edge=[0.0, 50.0])
    unary("erf", via64(math.erf), -2.5, 2.5, edge=[0.0, 4.0, -np.inf, np.inf])
    unary("erfc", via64(math.erfc), -2.5, 2.5, edge=[0.0, 5.0, 9.0, -np.inf, np.inf])
    unary("erf_inv", via64(mp_erfinv), -0.9, 0.9, edge=[0.0, 0.999, -0.9999])
    unary("lgamma", via64(math.lgamma), 0.2, 5, edge=[1.0, 2.0, 0.5, 30.0, 1e-3])
    # negative non-integers, at least 0.2 from the poles
    neg = (-rng.integers(1, 4, N) + uniform(0.2, 0.8)).astype(f32)
    case("lgamma", [neg], via64(mp_lgamma)(neg))
    unary("digamma", via64(mp_digamma), 0.2, 5, edge=[1.0, 0.5, 30.0, 1e-3])
    case("digamma", [neg], via64(mp_digamma)(neg))
    for y in (3, -2, 0):
        x = uniform(-2, 2, away=0.3)
        case("integer_pow", [x], (x.astype(np.float64) ** y).astype(f32), {"y": y})

    x = np.array([0.5, -1.0, np.inf, np.nan, 0.0, -np.inf, 3.4e38, 1e-45, -2.5, np.nan, 7.0, -0.0], dtype=f32)
    case("is_finite", [x], np.isfinite(x), grad=False)

    # ---- binary float functions ----
    def binary(name, fn, ax, ay):
        x, y = ax(), ay()
        case(name, [x, y], fn(x, y))

    binary("add", np.add, lambda: uniform(-2, 2), lambda: uniform(-2, 2))
    binary("sub", np.subtract, lambda: uniform(-2, 2), lambda: uniform(-2, 2))
    binary("mul", np.multiply, lambda: uniform(-2, 2), lambda: uniform(-2, 2))
    binary("div", np.divide, lambda: uniform(-2, 2), lambda: uniform(-2, 2, away=0.5))
    binary("max", np.maximum, lambda: uniform(-2, 2), lambda: uniform(-2, 2))
    binary("min", np.minimum, lambda: uniform(-2, 2), lambda: uniform(-2, 2))
    binary("atan2", np.arctan2, lambda: uniform(-2, 2, away=0.3), lambda: uniform(-2, 2, away=0.3))
    binary("pow", np.power, lambda: uniform(0.5, 2), lambda: uniform(-2, 2))

    # rem: C fmod; keep x/y away from integers, where rem jumps.
    xs, ys = [], []
    while len(xs) < N:
        x, y = f32(rng.uniform(-5, 5)), f32(rng.uniform(0.7, 2) * rng.choice([-1, 1]))
        q = abs(float(x) / float(y))
        if 0.1 < q - math.floor(q) < 0.9:
            xs.append(x)
            ys.append(y)
    x, y = np.array(xs, dtype=f32), np.array(ys, dtype=f32)
    case("rem", [x, y], np.fmod(x, y))

    e = np.array([0.0, 1.0, -1.0, 1.0, np.inf, 2.0, 0.0, np.nan, 1e-45, -0.0, 3.4028235e38, -1.5], dtype=f32)
    t = np.array([1.0, 2.0, -2.0, 0.0, 0.0, 2.0, -1.0, 1.0, 0.0, 1.0, np.inf, -1.5], dtype=f32)
    case("nextafter", [e, t], np.nextafter(e, t), grad=False)

    # ---- clamp(min, x, max): some x below min, some above max; min < max everywhere ----
    lo = uniform(-1, 0)
    hi = (lo + uniform(0.5, 1.5)).astype(f32)
    xs = []
    for i in range(N):
        while True:
            v = f32(rng.uniform(-2.5, 2.5))
            if min(abs(v - lo[i]), abs(v - hi[i])) > 0.05:
                break
        xs.append(v)
    x = np.array(xs, dtype=f32)
    case("clamp", [lo, x, hi], np.clip(x, lo, hi))

    # select_n(which, case0, case1)
    which = rng.integers(0, 2, N).astype(bool)
    c0, c1 = uniform(-2, 2), uniform(-2, 2)
    case("select_n", [which, c0, c1], np.where(which, c1, c0))


# ---- float64 inputs with 40-digit mpmath values (x64 tests) ----
mpmath.mp.dps = 40
special64 = {}


def sp64(name, fn, xs):
    special64[name] = {"x": [float(v) for v in xs], "out": [enc(float(fn(mpmath.mpf(float(v))))) for v in xs]}


r64 = np.random.default_rng(7)
sp64("erf", mpmath.erf, list(r64.uniform(-6, 6, 40)) + [1e-300, 0.5, 1.0, 1.5, 2.0, 5.9])
sp64("erfc", mpmath.erfc, list(r64.uniform(-3, 26, 40)) + [0.5, 1.0, 1.5, 2.0, 27.0])
sp64("erf_inv", mpmath.erfinv, list(r64.uniform(-1, 1, 40)) + [1e-300, 1 - 2**-53, -(1 - 2**-52), 0.5, -0.99999])
sp64(
    "lgamma",
    lambda v: mpmath.log(abs(mpmath.gamma(v))),
    list(r64.uniform(0.01, 40, 30)) + list(r64.uniform(-10, 0, 10)) + [0.5, 3.0, 100.5, 1e5, 1e-8],
)
sp64("digamma", mpmath.digamma, list(r64.uniform(0.01, 40, 30)) + list(r64.uniform(-10, 0, 10)) + [1.0, 0.5, 1e5, 1e-8])

# ---- integer semantics ----
INT_DTYPES = ["int8", "int16", "int32", "uint8", "uint16", "uint32"]
integer = {}
for name in INT_DTYPES:
    dt = np.dtype(name)
    info = np.iinfo(dt)
    bits = dt.itemsize * 8
    udt = np.dtype("uint%d" % bits)
    sdt = np.dtype("int%d" % bits)
    x = rng.integers(info.min, int(info.max) + 1, 24, dtype=np.int64).astype(dt)
    x[:4] = np.array([info.min, info.max, 0, 1 if info.min == 0 else -1], dtype=np.int64).astype(dt)
    y = rng.integers(info.min, int(info.max) + 1, 24, dtype=np.int64).astype(dt)
    y[y == 0] = 3
    y[:3] = np.array([7, 3, 5], dtype=dt)
    if info.min < 0:
        y[3:6] = np.array([-7, -3, -1], dtype=np.int64).astype(dt)
    # small divisors exercise truncation on non-exact quotients
    ys = (rng.integers(1, 9, 24) * np.where(rng.integers(0, 2, 24) == 1, 1, -1 if info.min < 0 else 1)).astype(dt)
    with np.errstate(all="ignore"):
        fm = np.fmod(x, ys)
        q = (x - fm) // ys  # exact: x - fmod(x, y) is a multiple of y, so this is trunc(x / y)
        # shift amounts: in range, then out of range (>= bits, and negative for signed)
        s_in = rng.integers(0, bits, 24).astype(dt)
        s_out = np.array([bits, bits + 1, 2 * bits - 1] + ([-1, -bits] if info.min < 0 else [bits + 7, 255 if bits == 8 else 1000]), dtype=np.int64).astype(dt)
        xo = x[: len(s_out)]
        sar_in = np.right_shift(x.view(sdt), s_in.astype(sdt)).view(dt)
        integer[name] = {
            "x": enc_list(x),
            "y": enc_list(y),
            "ys": enc_list(ys),
            "add": enc_list(np.add(x, y)),
            "sub": enc_list(np.subtract(x, y)),
            "mul": enc_list(np.multiply(x, y)),
            "neg": enc_list(np.negative(x)),
            "div": enc_list(q),
            "rem": enc_list(fm),
            "max": enc_list(np.maximum(x, y)),
            "min": enc_list(np.minimum(x, y)),
            "and": enc_list(np.bitwise_and(x, y)),
            "or": enc_list(np.bitwise_or(x, y)),
            "xor": enc_list(np.bitwise_xor(x, y)),
            "not": enc_list(np.invert(x)),
            "population_count": [bin(int(v) & ((1 << bits) - 1)).count("1") for v in x.tolist()],
            "s_in": enc_list(s_in),
            "shift_left_in": enc_list(np.left_shift(x, s_in)),
            "shift_right_logical_in": enc_list(np.right_shift(x.view(udt), s_in.astype(udt)).view(dt)),
            "shift_right_arithmetic_in": enc_list(sar_in),
            "s_out": enc_list(s_out),
            "xo": enc_list(xo),
            # XLA: amounts outside [0, bits) shift every bit out: 0, or all sign bits.
            "shift_left_out": [0] * len(s_out),
            "shift_right_logical_out": [0] * len(s_out),
            "shift_right_arithmetic_out": enc_list(np.right_shift(xo.view(sdt), bits - 1).view(dt)),
        }

bools = {"x": [False, False, True, True], "y": [False, True, False, True]}
bx, by = np.array(bools["x"]), np.array(bools["y"])
bools.update({
    "and": enc_list(bx & by), "or": enc_list(bx | by), "xor": enc_list(bx ^ by), "not": enc_list(~bx),
})

# 64-bit integers (x64 tests): values within ±2^53 so they are exact as doubles.
int64 = {}
for name in ["int64", "uint64"]:
    dt = np.dtype(name)
    lo = 0 if name == "uint64" else -(2**52)
    x = rng.integers(lo, 2**52, 12, dtype=np.int64).astype(dt)
    y = rng.integers(lo, 2**52, 12, dtype=np.int64).astype(dt)
    s = rng.integers(0, 12, 12).astype(dt)  # small shifts keep results exact
    int64[name] = {
        "x": enc_list(x), "y": enc_list(y), "s": enc_list(s),
        "and": enc_list(x & y), "or": enc_list(x | y), "xor": enc_list(x ^ y),
        "population_count": [bin(int(v) & (2**64 - 1)).count("1") for v in x.tolist()],
        "shift_right_logical": enc_list(np.right_shift(x.view(np.uint64), s.astype(np.uint64)).view(dt)),
        "shift_right_arithmetic": enc_list(np.right_shift(x.view(np.int64), s.astype(np.int64)).view(dt)),
    }

# ---- bitcast_convert_type ----
fb = np.array([1.5, -2.0, 0.0, -0.0, np.inf, 3.4e38, 1e-45, np.nan], dtype=f32)
ib = rng.integers(-(2**31), 2**31, 8, dtype=np.int64).astype(np.int32)
ib[0] = 0x7F800000  # +inf bits
bitcast = {
    "f32": enc_list(fb),
    "f32_as_i32": enc_list(fb.view(np.int32)),
    "f32_as_u32": enc_list(fb.view(np.uint32)),
    "f32_as_u8": enc_list(fb.view(np.uint8)),
    "f32_as_i16": enc_list(fb.view(np.int16)),
    "i32": enc_list(ib),
    "i32_as_f32": enc_list(ib.view(f32)),
}
f64b = np.array([1.5, -2.0, 0.1, np.pi], dtype=np.float64)
bitcast["f64"] = enc_list(f64b)
bitcast["f64_as_i64"] = [int(v) for v in f64b.view(np.int64).tolist()]
bitcast["f64_as_f32"] = enc_list(f64b.view(f32))

# ---- broadcasted_iota: np.arange along one axis, broadcast to the shape ----
iota = []
for shape, dim, dt in [((5,), 0, "int32"), ((2, 3, 4), 1, "float32"), ((2, 3, 4), 2, "uint8"), ((3, 2), 0, "int16")]:
    view = [1] * len(shape)
    view[dim] = shape[dim]
    vals = np.broadcast_to(np.arange(shape[dim], dtype=dt).reshape(view), shape)
    iota.append({"shape": list(shape), "dimension": dim, "dtype": dt, "out": enc_list(vals)})

out = {
    "elementwise": cases,
    "iota": iota,
    "special64": special64,
    "integer": integer,
    "bool": bools,
    "int64": int64,
    "bitcast": bitcast,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "special.json")
with open(path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
    fh.write("\n")
print("wrote", os.path.normpath(path), len(cases), "elementwise cases")
