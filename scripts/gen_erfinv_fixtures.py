#!/usr/bin/python3
"""Writes test/fixtures/erfinv.json: XLA's erf_inv (chlo.erf_inv) in float32 and float64,
and exactly rounded fused multiply-adds, for jaxts' lax.erf_inv reference kernel
(src/primitives/special.ts) and its Wasm SIMD version (src/backends/wasm/math_special.ts).

Oracles
- float32: random_ref.erf_inv32 (NumPy, fused Horner steps emulated by round-to-odd), checked
  here point for point against an independent scalar evaluation in exact rational arithmetic
  (`fractions`), each FMA rounded to float32 from the exact value.
- float64: XLA's ErfInv64 evaluated with every FMA rounded from the exact rational value
  (NumPy has no float64 FMA), log1p from Python's math module.
- fma32 / fma64 triples: exact rational a*b + c, rounded once; many chosen so that rounding
  the float64 sum (or the unfused a*b + c) would give a different answer.
The accuracy of both approximations against mpmath's erfinv is measured on the sweeps and
written to `accuracy` (it justifies the tolerances of the tests that compare erf_inv with
mpmath).

Schema (arrays of floats are base64 of little-endian float32/float64 data):
  f32      {segments: [[first_bits, step, count], ...], y: b64 f32}: the inputs are float32
           bit patterns first_bits + i*step (i < count), in order; y = erf_inv32(x).
  f64      {x, w, y: b64 f64}: w = -log1p(-x*x) as computed here (a test whose log1p rounds
           differently may see y differ), y = erf_inv64(x).
  fma32    {a, b, c, r: b64 f32}   fma64 {a, b, c, r: b64 f64}
  accuracy {f32: [{lo, hi, max_rel, max_ulp}], f64: [...]}: |x| bins of the sweeps.

Run: /usr/bin/python3 scripts/gen_erfinv_fixtures.py
"""

from __future__ import annotations

import base64
import json
import math
import os
import sys
from fractions import Fraction

import mpmath
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_ref as R  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "erfinv.json")
f32 = np.float32
rng = np.random.default_rng(20240917)


def b64(a, dtype):
    return base64.b64encode(np.asarray(a, dtype=np.dtype(dtype).newbyteorder("<")).tobytes()).decode()


# ---- exact rounding of rationals ----

def round_binary(q: Fraction, prec: int, emin: int) -> float:
    """q rounded to nearest-even in a binary format with `prec` significant bits whose
    smallest exponent of the last place is emin (subnormals included); overflow not handled."""
    if q == 0:
        return 0.0
    sign = -1 if q < 0 else 1
    a = abs(q)
    e = a.numerator.bit_length() - a.denominator.bit_length()  # 2^e <= a < 2^(e+2)
    while Fraction(2) ** e > a:
        e -= 1
    while Fraction(2) ** (e + 1) <= a:
        e += 1
    quantum = max(e - prec + 1, emin)
    n = round(a / Fraction(2) ** quantum)  # round() on a Fraction rounds half to even
    return sign * math.ldexp(n, quantum)


def rnd32(q: Fraction) -> float:
    return round_binary(q, 24, -149)


def rnd64(q: Fraction) -> float:
    return round_binary(q, 53, -1074)


def fma32_exact(a, b, c) -> float:
    return rnd32(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


def fma64_exact(a, b, c) -> float:
    return rnd64(Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c)))


# ---- float32: an independent scalar ErfInv32 ----

def erf_inv32_exact(x: float) -> float:
    """XLA's ErfInv32 on one float32 value, each operation rounded from its exact value."""
    if math.isnan(x) or abs(x) > 1:
        return math.nan
    if abs(x) == 1:
        return math.copysign(math.inf, x)
    m = rnd32(Fraction(x) * Fraction(-x))
    w = -float(np.float32(math.log1p(m)))  # log1p as the reference computes it
    if w < 5:
        t, coef = rnd32(Fraction(w) - Fraction(5, 2)), R._ERFINV_LT5
    else:
        t, coef = rnd32(Fraction(float(np.sqrt(f32(w)))) - 3), R._ERFINV_GE5
    p = float(f32(coef[0]))
    for c in coef[1:]:
        p = fma32_exact(p, t, float(f32(c)))
    return math.copysign(rnd32(Fraction(p) * Fraction(x)), p * math.copysign(1.0, x))


def bits_of(x) -> int:
    return int(np.asarray(x, f32).view(np.uint32))


def f32_segments():
    """[first_bits, step, count]: a stride over all of [0, 1], every value next to ±1, around
    the switch at w = 5 (|x| ≈ 0.99662) and tiny values, mirrored to negative x, and specials."""
    one = bits_of(1.0)
    switch = bits_of(np.sqrt(-np.expm1(np.float64(-5))))
    pos = [
        [0, 43049, one // 43049 + 1],
        [one - 4096, 1, 4097],
        [switch - 1024, 1, 2048],
        [bits_of(0.9999), 7, 1500],
        [bits_of(1e-30), 1_000_003, 900],
        [1, 1, 64],
    ]
    neg = [[b | 0x80000000, s, n] for b, s, n in pos[1:4]] + [[0x80000000, 43049 * 7, one // (43049 * 7) + 1]]
    specials = [[bits_of(v), 1, 1] for v in (np.nan, np.inf, -np.inf, 1.5, -1.5, 1.0000001, -0.0)]
    return pos + neg + specials


def seg_values(segments):
    bits = np.concatenate([np.uint32(b) + np.arange(n, dtype=np.uint32) * np.uint32(s) for b, s, n in segments])
    return bits.view(f32)


def accuracy(x, y, exact, eps, tiny, bins):
    """Max relative error and max error in ulps (of the exact value in the output format,
    whose smallest quantum is `tiny`), per |x| bin."""
    out = []
    ax = np.abs(x)
    for lo, hi in bins:
        m = (ax >= lo) & (ax < hi) & (x != 0)
        if not m.any():
            continue
        t = exact[m]
        err = np.abs(y[m].astype(np.float64) - t)
        ulp = np.maximum(np.array([math.ldexp(eps, math.frexp(v)[1] - 1) for v in t]), tiny)
        out.append({"lo": lo, "hi": hi, "max_rel": float((err / np.abs(t)).max()), "max_ulp": float((err / ulp).max())})
    return out


def mp_erfinv(xs):
    mpmath.mp.dps = 40
    return np.array([float(mpmath.erfinv(mpmath.mpf(float(v)))) for v in xs])


def main():
    # float32
    segs = f32_segments()
    x32 = seg_values(segs)
    y32 = R.erf_inv32(x32)
    for xv, yv in zip(x32.tolist(), y32.tolist()):
        ye = erf_inv32_exact(xv)
        assert (math.isnan(ye) and math.isnan(yv)) or (ye == yv and math.copysign(1, ye) == math.copysign(1, yv)), \
            f"erf_inv32({xv!r}): NumPy {yv!r}, exact {ye!r}"
    finite = np.abs(x32) < 1
    bins32 = [(0.0, 1e-30), (1e-30, 0.5), (0.5, 0.9), (0.9, 0.99), (0.99, 0.999), (0.999, 0.9999), (0.9999, 1.0)]
    acc32 = accuracy(x32[finite], y32[finite], mp_erfinv(x32[finite]), 2.0 ** -23, 2.0 ** -149, bins32)

    # float64: a uniform spread, every decade toward ±1, and the switches at w = 6.25 and 16
    u = rng.uniform(-1, 1, 1500)
    tails = 1 - np.logspace(-16, -0.3, 600)
    around = np.concatenate([np.sqrt(-np.expm1(-w)) * (1 + rng.uniform(-2e-9, 2e-9, 150)) for w in (6.25, 16.0)])
    edge = np.array([0.0, -0.0, 1e-300, 5e-324, 0.5, 1 - 2.0 ** -53, -(1 - 2.0 ** -53), 1 - 2.0 ** -52, 1.0, -1.0,
                     1.5, np.inf, np.nan])
    x64 = np.concatenate([u, tails, -tails[::3], around, edge])
    x64 = x64[(np.abs(x64) <= 1) | ~np.isfinite(x64) | (np.abs(x64) == 1.5)]
    w64, y64 = [], []
    for xv in x64.tolist():
        w = -math.log1p(-xv * xv) if abs(xv) < 1 else math.nan
        w64.append(w)
        y64.append(erf_inv64_exact(xv, w))
    w64, y64 = np.array(w64), np.array(y64)
    fin64 = np.abs(x64) < 1
    bins64 = [(0.0, 0.5), (0.5, 0.9), (0.9, 0.999), (0.999, 0.99999999), (0.99999999, 1.0)]
    acc64 = accuracy(x64[fin64], y64[fin64], mp_erfinv(x64[fin64]), 2.0 ** -52, 2.0 ** -1074, bins64)

    fa, fb, fc, fr = fma_cases(24, -149, fma32_exact, 400)
    da, db, dc, dr = fma_cases(53, -1074, fma64_exact, 400)

    data = {
        "meta": {
            "generator": "scripts/gen_erfinv_fixtures.py",
            "reference": "XLA ChloLegalizeToStablehlo.cpp erfInv32 / erfInv64; scripts/random_ref.py erf_inv32",
        },
        "f32": {"segments": [[int(b), int(s), int(n)] for b, s, n in segs], "y": b64(y32, f32)},
        "f64": {"x": b64(x64, np.float64), "w": b64(w64, np.float64), "y": b64(y64, np.float64)},
        "fma32": {"a": b64(fa, f32), "b": b64(fb, f32), "c": b64(fc, f32), "r": b64(fr, f32)},
        "fma64": {"a": b64(da, np.float64), "b": b64(db, np.float64), "c": b64(dc, np.float64), "r": b64(dr, np.float64)},
        "accuracy": {"f32": acc32, "f64": acc64},
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"wrote {OUT}: {len(x32)} float32 and {len(x64)} float64 points, {len(fa)} + {len(da)} FMA triples")
    for name, acc in (("f32", acc32), ("f64", acc64)):
        for row in acc:
            print(f"  {name} |x| in [{row['lo']}, {row['hi']}): max rel {row['max_rel']:.3g}, max {row['max_ulp']:.2f} ulp")


def erf_inv64_exact(x: float, w: float) -> float:
    """XLA's ErfInv64 on one float64 value with w = -log1p(-x*x) given; FMAs exactly rounded."""
    if math.isnan(x) or abs(x) > 1:
        return math.nan
    if abs(x) == 1:
        return math.copysign(math.inf, x)
    lt625, lt16, ge16 = _erfinv64_coefficients()
    if w < 6.25:
        coef, t = lt625, w - 3.125
    elif w < 16:
        coef, t = lt16, math.sqrt(w) - 3.25
    else:
        coef, t = ge16, math.sqrt(w) - 5.0
    p = coef[0]
    for c in coef[1:]:
        p = fma64_exact(p, t, c)
    return p * x


def _erfinv64_coefficients():
    """XLA's ErfInv64 coefficients, highest degree first (from its source, as decimal literals)."""
    lt625 = [-3.6444120640178196996e-21, -1.685059138182016589e-19, 1.2858480715256400167e-18,
             1.115787767802518096e-17, -1.333171662854620906e-16, 2.0972767875968561637e-17,
             6.6376381343583238325e-15, -4.0545662729752068639e-14, -8.1519341976054721522e-14,
             2.6335093153082322977e-12, -1.2975133253453532498e-11, -5.4154120542946279317e-11,
             1.051212273321532285e-09, -4.1126339803469836976e-09, -2.9070369957882005086e-08,
             4.2347877827932403518e-07, -1.3654692000834678645e-06, -1.3882523362786468719e-05,
             0.0001867342080340571352, -0.00074070253416626697512, -0.0060336708714301490533,
             0.24015818242558961693, 1.6536545626831027356]
    lt16 = [2.2137376921775787049e-09, 9.0756561938885390979e-08, -2.7517406297064545428e-07,
            1.8239629214389227755e-08, 1.5027403968909827627e-06, -4.013867526981545969e-06,
            2.9234449089955446044e-06, 1.2475304481671778723e-05, -4.7318229009055733981e-05,
            6.8284851459573175448e-05, 2.4031110387097893999e-05, -0.0003550375203628474796,
            0.00095328937973738049703, -0.0016882755560235047313, 0.0024914420961078508066,
            -0.0037512085075692412107, 0.005370914553590063617, 1.0052589676941592334,
            3.0838856104922207635]
    ge16 = [-2.7109920616438573243e-11, -2.5556418169965252055e-10, 1.5076572693500548083e-09,
            -3.7894654401267369937e-09, 7.6157012080783393804e-09, -1.4960026627149240478e-08,
            2.9147953450901080826e-08, -6.7711997758452339498e-08, 2.2900482228026654717e-07,
            -9.9298272942317002539e-07, 4.5260625972231537039e-06, -1.9681778105531670567e-05,
            7.5995277030017761139e-05, -0.00021503011930044477347, -0.00013871931833623122026,
            1.0103004648645343977, 4.8499064014085844221]
    return lt625, lt16, ge16


def fma_cases(prec, emin, exact, n):
    """n (a, b, c, fma) triples: half random, half built so that a*b + c lies within one unit
    of the float64 (or, for float32, float64-sum) rounding of a midpoint of the target format:
    there one rounding differs from two. Returned only where the exact result is finite."""
    dtype = f32 if prec == 24 else np.float64
    rnd = rnd32 if prec == 24 else rnd64
    out = []
    while len(out) < n // 2:
        a, b, c = (dtype(v) for v in rng.standard_normal(3) * np.exp2(rng.integers(-6, 6, 3)))
        out.append((a, b, c))
    hard = 0
    while hard < n - n // 2:
        # c = ±2^k, a*b near half an ulp of c (the midpoint), with low bits beyond any double sum
        k = int(rng.integers(-4, 5))
        c = dtype(math.copysign(2.0 ** k, rng.standard_normal()))
        a = dtype(rng.uniform(1, 2))
        half = 2.0 ** (k - prec)
        b = dtype(float(half) / float(a) * (1 + rng.integers(-3, 4) * 2.0 ** -prec))
        if rng.integers(0, 2):
            a, b = dtype(-a), dtype(-b)
        q = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
        two = float(dtype(float(a) * float(b) + float(c))) if prec == 24 else float(a) * float(b) + float(c)
        if rnd(q) != two or rng.integers(0, 4) == 0:
            out.append((a, b, c))
            hard += 1
    a, b, c = (np.array(v, dtype=dtype) for v in zip(*out))
    r = np.array([exact(x, y, z) for x, y, z in out], dtype=dtype)
    return a, b, c, r


if __name__ == "__main__":
    main()
