"""Writes test/fixtures/fft.json: NumPy's np.fft results for jaxts's jnp.fft tests.

Complex arrays are stored packed, as jaxts represents them: a trailing (re, im) axis of size 2.
Inputs are float32-representable (drawn in float32) so jaxts float32 runs see the same values.
Each case names the jnp.fft function, its input (packed when "complex" is true), its options in
jaxts's spelling, and NumPy's result computed in float64.
"""

import json
import os

import numpy as np

rng = np.random.default_rng(20261126)


def real(*shape):
    return rng.standard_normal(shape).astype(np.float32).astype(np.float64)


def cplx(*shape):
    return real(*shape) + 1j * real(*shape)


def pack(z):
    z = np.asarray(z)
    if np.iscomplexobj(z):
        return np.stack([z.real, z.imag], axis=-1)
    return z


cases = []


def add(fn, x, opts, out, complex_in=False):
    cases.append({
        "fn": fn,
        "x": pack(x).tolist(),
        "shape": list(pack(x).shape),
        "complex": complex_in,
        "opts": opts,
        "out": pack(out).tolist(),
        "outShape": list(pack(out).shape),
    })


NORMS = [None, "ortho", "forward"]

# 1-D complex transforms: powers of two and not (radix-2 and Bluestein), padding and truncation.
for n in [1, 2, 3, 5, 7, 8, 12, 16, 17]:
    x = real(n)
    for norm in NORMS:
        add("fft", x, {"norm": norm}, np.fft.fft(x, norm=norm))
    z = cplx(n)
    for norm in NORMS:
        add("ifft", z, {"norm": norm}, np.fft.ifft(z, norm=norm), True)
        add("fft", z, {"norm": norm}, np.fft.fft(z, norm=norm), True)
x = real(3, 7)
add("fft", x, {"n": 10}, np.fft.fft(x, n=10))
add("fft", x, {"n": 4}, np.fft.fft(x, n=4))
add("fft", x, {"axis": 0}, np.fft.fft(x, axis=0))
add("fft", x, {"n": 5, "axis": -2, "norm": "ortho"}, np.fft.fft(x, n=5, axis=-2, norm="ortho"))
z = cplx(4, 6)
add("ifft", z, {"n": 9, "axis": 0, "norm": "forward"}, np.fft.ifft(z, n=9, axis=0, norm="forward"), True)

# Real transforms.
for n in [1, 2, 5, 8, 9, 12]:
    x = real(2, n)
    for norm in NORMS:
        add("rfft", x, {"norm": norm}, np.fft.rfft(x, norm=norm))
for m in [2, 3, 5]:
    z = cplx(3, m)
    for norm in NORMS:
        add("irfft", z, {"norm": norm}, np.fft.irfft(z, norm=norm), True)
    for n in [1, 4, 7, 9]:
        add("irfft", z, {"n": n}, np.fft.irfft(z, n=n), True)
x = real(6, 4)
add("rfft", x, {"n": 7, "axis": 0}, np.fft.rfft(x, n=7, axis=0))
add("irfft", x, {"axis": 0, "complex": False}, np.fft.irfft(x, axis=0))

# Hermitian transforms (JAX's definitions agree with NumPy's).
for m in [3, 4]:
    z = cplx(2, m)
    x = real(2, m + 1)
    for norm in NORMS:
        add("hfft", z, {"norm": norm}, np.fft.hfft(z, norm=norm), True)
        add("ihfft", x, {"norm": norm}, np.fft.ihfft(x, norm=norm))
    add("hfft", z, {"n": 5}, np.fft.hfft(z, n=5), True)
    add("ihfft", x, {"n": 4, "axis": 0}, np.fft.ihfft(x, n=4, axis=0))

# n-D transforms.
x = real(3, 4, 5)
for norm in NORMS:
    add("fftn", x, {"norm": norm}, np.fft.fftn(x, norm=norm))
    add("rfftn", x, {"norm": norm}, np.fft.rfftn(x, norm=norm))
add("fftn", x, {"s": [3, 6]}, np.fft.fftn(x, s=[3, 6]))
add("fftn", x, {"axes": [0, 2]}, np.fft.fftn(x, axes=[0, 2]))
add("fftn", x, {"s": [2, 7], "axes": [2, 0]}, np.fft.fftn(x, s=[2, 7], axes=[2, 0]))
add("rfftn", x, {"axes": [2, 0]}, np.fft.rfftn(x, axes=[2, 0]))
add("rfftn", x, {"s": [5, 4], "axes": [0, 1]}, np.fft.rfftn(x, s=[5, 4], axes=[0, 1]))
add("fft2", x, {}, np.fft.fft2(x))
add("rfft2", x, {"norm": "ortho"}, np.fft.rfft2(x, norm="ortho"))
z = cplx(3, 4, 5)
for norm in NORMS:
    add("ifftn", z, {"norm": norm}, np.fft.ifftn(z, norm=norm), True)
    add("irfftn", z, {"norm": norm}, np.fft.irfftn(z, norm=norm), True)
add("ifft2", z, {"s": [5, 3]}, np.fft.ifft2(z, s=[5, 3]), True)
add("irfft2", z, {}, np.fft.irfft2(z), True)
add("irfftn", z, {"s": [4, 7], "axes": [2, 0]}, np.fft.irfftn(z, s=[4, 7], axes=[2, 0]), True)
add("irfftn", z, {"s": [3, 3, 6], "axes": [0, 1, 2]}, np.fft.irfftn(z, s=[3, 3, 6], axes=[0, 1, 2]), True)
z = cplx(2, 3, 2, 4)
add("fftn", z, {}, np.fft.fftn(z), True)

# Frequencies and shifts.
freqs = []
for n, d in [(1, 1.0), (8, 1.0), (7, 0.5), (10, 0.1)]:
    freqs.append({"n": n, "d": d, "fftfreq": np.fft.fftfreq(n, d).tolist(), "rfftfreq": np.fft.rfftfreq(n, d).tolist()})
shifts = []
x = real(5, 4)
for axes in [None, 0, [1], [1, 0]]:
    shifts.append({"x": x.tolist(), "axes": axes, "complex": False,
                   "fftshift": np.fft.fftshift(x, axes).tolist(), "ifftshift": np.fft.ifftshift(x, axes).tolist()})
z = cplx(3, 4)
shifts.append({"x": pack(z).tolist(), "axes": None, "complex": True,
               "fftshift": pack(np.fft.fftshift(z)).tolist(), "ifftshift": pack(np.fft.ifftshift(z)).tolist()})

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "fft.json")
with open(out, "w") as f:
    json.dump({"cases": cases, "freqs": freqs, "shifts": shifts}, f)
print(f"wrote {len(cases)} fft cases to {out}")
