"""Golden fixtures for jax.numpy (jnp) functions, computed by NumPy.

Writes test/fixtures/numpy.json: a list of cases, each naming a jnp function (its TypeScript
name), the TypeScript call's arguments (arrays encoded as {"__array__": {shape, dtype, data}},
keyword arguments as a trailing options object with camelCase keys) and NumPy's result with
the dtype JAX gives (NumPy's 64-bit defaults canonicalized to 32 bits, as JAX without x64), or
the error NumPy raises. test/numpy/fixtures.test.ts replays every case.

Inputs are float32 (or small ints/bools for dtype rules) drawn from a fixed seed, so the file is
reproducible: `npm run fixtures` regenerates it.
"""

import json
import math
import os
import re
import warnings

import numpy as np

rng = np.random.default_rng(20240611)
OUT = os.path.join(os.path.dirname(__file__), "..", "test", "fixtures", "numpy.json")


# ---- inputs -------------------------------------------------------------------------------------

def normal(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def uniform(lo, hi, *shape):
    return rng.uniform(lo, hi, shape).astype(np.float32)


def ints(lo, hi, *shape, dtype=np.int32):
    return rng.integers(lo, hi, shape).astype(dtype)


def bools(*shape):
    return rng.random(shape) < 0.5


def special():
    """float32 values including NaN, +-inf and signed zeros."""
    return np.array([0.0, -0.0, 1.5, -2.5, np.nan, np.inf, -np.inf, 3.0], dtype=np.float32)


# ---- encoding -----------------------------------------------------------------------------------

CANON = {"float64": "float32", "int64": "int32", "uint64": "uint32"}


def enc_value(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    f = float(v)
    if math.isnan(f):
        return "nan"
    if math.isinf(f):
        return "inf" if f > 0 else "-inf"
    return f


def enc_array(a, dtype=None):
    a = np.asarray(a)
    return {"__array__": {
        "shape": list(a.shape),
        "dtype": dtype or CANON.get(str(a.dtype), str(a.dtype)),
        "data": [enc_value(v) for v in a.ravel().tolist()],
    }}


def enc_arg(x):
    if isinstance(x, (np.ndarray, np.generic)):
        return enc_array(x)
    if isinstance(x, (list, tuple)):
        return [enc_arg(v) for v in x]
    if isinstance(x, dict):
        return {k: enc_arg(v) for k, v in x.items()}
    if isinstance(x, float) and not math.isfinite(x):
        return enc_value(x)
    return x


def enc_out(r, dtype=None):
    if isinstance(r, (list, tuple)) and all(isinstance(v, (int, np.integer)) for v in r) and not isinstance(r, list):
        return {"__value__": [int(v) for v in r]}
    if isinstance(r, (list, tuple)):
        return {"__list__": [enc_out(v, dtype) for v in r]}
    return enc_array(r, dtype)


def snake(name):
    special_names = {"atleast1d": "atleast_1d", "atleast2d": "atleast_2d", "atleast3d": "atleast_3d"}
    if name in special_names:
        return special_names[name]
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


cases = []


def case(fn, *args, np_fn=None, ts=None, jax_dtype=None, rtol=None, atol=None, raises=None, exact_msg=False, **kwargs):
    """Records jnp.<fn>(*args, {**kwargs}) against np.<snake(fn)>(*args, **snake(kwargs)).

    ts: the TypeScript argument list when it differs from args + [kwargs];
    jax_dtype: the expected dtype when JAX's differs from canonicalized NumPy's;
    raises: expect NumPy (and jnp) to raise; exact_msg: jnp's message must contain NumPy's.
    """
    f = np_fn or getattr(np, snake(fn))
    np_kwargs = {snake(k): v for k, v in kwargs.items()}
    ts_args = ts if ts is not None else list(args) + ([kwargs] if kwargs else [])
    c = {"fn": fn, "args": enc_arg(ts_args)}
    if raises is not None:
        try:
            f(*args, **np_kwargs)
        except raises as e:
            c["error"] = {"type": type(e).__name__, "message": str(e) if exact_msg else None}
        else:
            raise AssertionError(f"{fn}{args} did not raise")
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f(*args, **np_kwargs)
        c["out"] = enc_out(r, jax_dtype)
    if rtol is not None:
        c["rtol"] = rtol
    if atol is not None:
        c["atol"] = atol
    cases.append(c)


# ---- creation -----------------------------------------------------------------------------------

def creation():
    case("zeros", [2, 3])
    case("zeros", [4], dtype="int32")
    case("ones", [3, 2])
    case("ones", [], ts=[[], "bool"], np_fn=lambda s: np.ones(s, bool))
    case("empty", [2, 2], np_fn=lambda s: np.zeros(s))
    case("full", [2, 3], 1.5)
    case("full", [3], 7, dtype="int32")
    case("full", [2, 3], normal(3))
    x = normal(2, 3)
    i = ints(-5, 5, 4)
    for fn in ("zerosLike", "onesLike", "emptyLike"):
        f = np.zeros_like if fn == "emptyLike" else None
        case(fn, x, np_fn=f)
        case(fn, i, np_fn=f)
    case("zerosLike", x, dtype="int32")
    case("fullLike", x, 2.5)
    case("fullLike", i, 3)
    case("arange", 5)
    case("arange", 2, 9, 3)
    case("arange", 0, 1, 0.125)
    case("arange", 5, 0, -1)
    case("arange", 3, 10, dtype="float32")
    case("linspace", 0, 1, 5)
    case("linspace", -2.5, 4, 7, endpoint=False)
    case("linspace", 0, 10, 4, dtype="int32")
    case("linspace", normal(3), normal(3), 4, axis=1)
    case("linspace", 1, 2, 1)
    case("linspace", 0, 3, 4, retstep=True)
    case("logspace", 0, 2, 5)
    case("logspace", 1, 3, 3, base=2)
    case("eye", 3)
    case("eye", 3, 4, k=1)
    case("eye", 4, 3, k=-2, dtype="int32")
    case("identity", 3)
    case("tri", 3)
    case("tri", 3, 5, k=1)
    case("tri", 4, 2, k=-1)
    m = normal(2, 3, 4)
    case("tril", m)
    case("tril", m, -1)
    case("triu", m)
    case("triu", m, 2)
    case("meshgrid", normal(3), normal(2))
    case("meshgrid", normal(3), normal(2), normal(4), indexing="ij")
    case("meshgrid", normal(3), normal(2), sparse=True)


# ---- reductions ---------------------------------------------------------------------------------

def reductions():
    x = normal(3, 4, 5)
    i8 = ints(-4, 5, 3, 4, dtype=np.int8)
    u8 = ints(0, 9, 6, dtype=np.uint8)
    b = bools(3, 4)
    for fn in ("sum", "prod", "max", "min", "mean"):
        case(fn, x)
        case(fn, x, ts=[x, 1], np_fn=lambda a, fn=fn: getattr(np, fn)(a, axis=1))
        case(fn, x, ts=[x, [0, 2]], np_fn=lambda a, fn=fn: getattr(np, fn)(a, axis=(0, 2)))
        case(fn, x, axis=-1, keepdims=True)
        case(fn, i8, axis=0)
        case(fn, b)
    case("sum", u8)
    case("sum", x, axis=1, dtype="int32", np_fn=lambda a, axis, dtype: np.sum(a.astype(np.int32), axis=axis))
    case("sum", x, axis=0, where=x > 0)
    case("sum", x, axis=2, initial=10.0)
    case("prod", i8, axis=1, dtype="float32")
    case("max", x, axis=1, initial=0.5)
    case("max", x, axis=1, where=x < 0, initial=-10.0)
    case("min", x, axis=(0, 1), where=x > 0, initial=10.0)
    case("max", np.zeros((0, 3), np.float32), axis=0, raises=ValueError, exact_msg=True)
    case("sum", x, axis=3, raises=np.AxisError, exact_msg=True)
    case("max", x, where=x > 0, raises=ValueError, exact_msg=True)
    case("mean", x, axis=(0, 0), raises=ValueError, exact_msg=True)
    case("mean", x, axis=0, where=x > 0)
    case("mean", x, axis=2, dtype="float32")
    for fn in ("amax", "amin"):
        case(fn, x, axis=2)
    for fn in ("all", "any"):
        case(fn, b)
        case(fn, b, axis=1)
        case(fn, x > 0, axis=(0, 2), keepdims=True)
        case(fn, ints(0, 2, 4, 3), axis=0)
        case(fn, x, axis=0)
    for fn in ("var", "std"):
        case(fn, x)
        case(fn, x, axis=1)
        case(fn, x, axis=(0, 2), ddof=1, keepdims=True)
        case(fn, i8, axis=0)
        case(fn, x, axis=2, where=x > -0.5)
    for fn in ("argmax", "argmin"):
        case(fn, x)
        case(fn, x, ts=[x, 1], np_fn=lambda a, fn=fn: getattr(np, fn)(a, axis=1))
        case(fn, x, axis=-1, keepdims=True)
        case(fn, i8, axis=0)
        case(fn, np.array([1.0, 3.0, 3.0, 0.0], np.float32))
        case(fn, np.zeros((0,), np.float32), raises=ValueError, exact_msg=True)
    case("ptp", x, axis=1)
    case("ptp", i8)
    case("countNonzero", ints(-1, 2, 4, 5))
    case("countNonzero", x > 0, axis=0)
    w = uniform(0.5, 2.0, 4)
    case("average", x, axis=1, weights=w)
    case("average", x, axis=(0, 2))
    case("average", x, axis=1, weights=w, returned=True)
    case("average", i8)
    case("average", x, weights=normal(4), raises=TypeError, exact_msg=True)
    case("average", x, axis=1, weights=normal(4, 1), raises=TypeError, exact_msg=True)
    case("average", x, axis=1, weights=normal(5), raises=ValueError, exact_msg=True)
    s = np.where(bools(4, 5), normal(4, 5), np.float32(np.nan)).astype(np.float32)
    s[0, :] = np.nan
    for fn in ("nansum", "nanprod", "nanmax", "nanmin", "nanmean"):
        case(fn, s)
        case(fn, s, axis=1)
        case(fn, s, axis=0, keepdims=True)
    c = normal(3, 4)
    for fn in ("cumsum", "cumprod"):
        case(fn, c)
        case(fn, c, axis=0)
        case(fn, c, ts=[c, 1], np_fn=lambda a, fn=fn: getattr(np, fn)(a, axis=1))
        case(fn, ints(-3, 4, 7, dtype=np.int8))
        case(fn, bools(5), axis=0)
        case(fn, normal(2, 9), axis=1)
    case("cumsum", c, axis=1, dtype="int32", np_fn=lambda a, axis, dtype: np.cumsum(a.astype(np.int32), axis=axis))
    for fn, uf in (("cummax", np.maximum), ("cummin", np.minimum)):
        case(fn, normal(11), np_fn=lambda a, uf=uf: uf.accumulate(a))
        case(fn, c, axis=1, np_fn=lambda a, axis, uf=uf: uf.accumulate(a, axis=axis))
        case(fn, ints(-9, 9, 3, 6), axis=0, np_fn=lambda a, axis, uf=uf: uf.accumulate(a, axis=axis))
    for fn in ("nancumsum", "nancumprod"):
        case(fn, s, axis=1)


# ---- manipulation -------------------------------------------------------------------------------

def manipulation():
    x = normal(2, 3, 4)
    case("reshape", x, [6, 4])
    case("reshape", x, [4, -1])
    case("reshape", x, 24)
    case("reshape", x, [5, -1], raises=ValueError)
    case("reshape", x, [5, 5], raises=ValueError, exact_msg=True)
    case("ravel", x)
    case("transpose", x)
    case("transpose", x, [1, 0, 2])
    case("transpose", x, [-1, 0, 1])
    # NumPy 2's matrix_transpose, as NumPy 1.24 spells it.
    case("matrixTranspose", x, np_fn=lambda a: np.swapaxes(a, -1, -2))
    case("swapaxes", x, 0, 2)
    case("swapaxes", x, -1, 1)
    case("moveaxis", x, 0, -1)
    case("moveaxis", x, [0, 1], [2, 0])
    y = normal(1, 3, 1, 2)
    case("squeeze", y)
    case("squeeze", y, axis=2)
    case("squeeze", y, ts=[y, [0, 2]], np_fn=lambda a: np.squeeze(a, axis=(0, 2)))
    case("squeeze", y, axis=1, raises=ValueError)
    case("expandDims", x, 1)
    case("expandDims", x, -1)
    case("expandDims", x, [0, 4])
    a, b2 = normal(2, 3), normal(4, 3)
    case("concatenate", [a, b2])
    case("concatenate", [a, normal(2, 5)], axis=1)
    case("concatenate", [a, normal(3)], axis=None)
    case("concatenate", [a, ints(0, 5, 1, 3)], 0)
    case("concatenate", [a, normal(2, 4)], 0, raises=ValueError, exact_msg=True)
    case("concatenate", [a, normal(2)], 0, raises=ValueError, exact_msg=True)
    p, q = normal(2, 3), normal(2, 3)
    case("stack", [p, q])
    case("stack", [p, q, p], axis=1)
    case("stack", [p, q], axis=-1)
    case("stack", [p, normal(3, 2)], raises=ValueError)
    case("vstack", [normal(3), normal(3)])
    case("vstack", [p, normal(1, 3)])
    case("rowStack", [normal(3), p])
    case("hstack", [normal(3), normal(2)])
    case("hstack", [p, normal(2, 1)])
    case("dstack", [p, q])
    case("dstack", [normal(3), normal(3)])
    case("columnStack", [normal(3), normal(3, 2)])
    z = normal(6, 4)
    case("split", z, 3)
    case("split", z, [1, 4])
    case("split", z, 2, axis=1)
    case("split", z, [-2, 10], axis=0)
    case("split", z, 4, raises=ValueError, exact_msg=True)
    case("arraySplit", z, 4)
    case("arraySplit", z, [3], axis=1)
    case("vsplit", z, 2)
    case("hsplit", z, 2)
    case("hsplit", normal(6), 3)
    case("broadcastTo", normal(3), [2, 3])
    case("broadcastTo", normal(2, 1), [4, 2, 5])
    case("broadcastArrays", normal(2, 1), normal(3), np.float32(2.0))
    case("broadcastShapes", [2, 1], [3], [4, 1, 1])
    case("flip", x)
    case("flip", x, axis=1)
    case("flip", x, ts=[x, [0, 2]], np_fn=lambda a: np.flip(a, axis=(0, 2)))
    case("fliplr", p)
    case("flipud", p)
    r = ints(0, 20, 5)
    case("roll", r, 2)
    case("roll", z, -1, axis=0)
    case("roll", z, [1, 3], axis=[0, 1])
    case("roll", z, 7)
    case("tile", normal(3), 2)
    case("tile", p, [2, 1, 3])
    case("tile", normal(2, 3, 2), [2, 2])
    case("repeat", p, 2)
    case("repeat", p, 3, axis=1)
    case("repeat", p, [1, 2], axis=0)
    case("repeat", normal(3), [0, 2, 1])
    case("pad", p, 1)
    case("pad", p, [[1, 0], [2, 3]], constantValues=-1.0)
    case("pad", ints(0, 5, 4), [2, 1])
    case("atleast1d", np.float32(3.0))
    case("atleast1d", normal(2, 2))
    case("atleast2d", normal(3))
    case("atleast3d", normal(3))
    case("atleast3d", p)
    case("atleast2d", np.float32(1.0), normal(2))


# ---- products -----------------------------------------------------------------------------------

def products():
    v, w = normal(4), normal(4)
    A, B = normal(3, 4), normal(4, 5)
    case("dot", v, w)
    case("dot", A, B)
    case("dot", A, v)
    case("dot", v, B)
    case("dot", np.float32(2.0), A)
    case("dot", normal(2, 3, 4), normal(5, 4, 2))
    case("dot", ints(-3, 3, 3, 4), ints(-3, 3, 4))
    case("dot", A, normal(3, 5), raises=ValueError, exact_msg=True)
    case("matmul", A, B)
    case("matmul", v, B)
    case("matmul", A, v)
    case("matmul", v, w)
    case("matmul", normal(2, 3, 4), normal(2, 4, 5))
    case("matmul", normal(2, 1, 3, 4), normal(5, 4, 2))
    case("matmul", normal(3, 4), normal(6, 4, 2))
    case("matmul", normal(6, 3, 4), v)
    case("matmul", normal(1, 3, 4), normal(2, 1, 4, 2))
    case("matmul", ints(-3, 3, 2, 3), ints(-3, 3, 3, 2, dtype=np.int8))
    # preferredElementType (JAX only): NumPy computes in that dtype.
    widen = lambda f: lambda a, b, preferred_element_type: f(a.astype(preferred_element_type), b.astype(preferred_element_type))
    i8a, i8b = ints(-100, 100, 3, 4, dtype=np.int8), ints(-100, 100, 4, 2, dtype=np.int8)
    case("dot", i8a, i8b, preferredElementType="int32", np_fn=widen(np.dot))
    case("matmul", i8a, i8b, preferredElementType="int32", np_fn=widen(np.matmul))
    case("matmul", A, B, preferredElementType="float32", np_fn=widen(np.matmul))
    case("tensordot", i8a, i8b, [[1], [0]], ts=[i8a, i8b, {"axes": [[1], [0]], "preferredElementType": "int32"}],
         np_fn=lambda a, b, ax: np.tensordot(a.astype(np.int32), b.astype(np.int32), ax))
    case("einsum", "ij,jk->ik", i8a, i8b, preferredElementType="int32",
         np_fn=lambda s, a, b, preferred_element_type: np.einsum(s, a.astype(np.int32), b.astype(np.int32)))
    case("matmul", A, normal(3, 5), raises=ValueError, exact_msg=True)
    case("matmul", normal(2, 3, 4), normal(3, 4, 5), raises=ValueError)
    case("vdot", A, normal(4, 3))
    # NumPy 2's vecdot (real inputs): sum(a * b, axis) with broadcasting.
    case("vecdot", normal(2, 3, 4), normal(3, 4), np_fn=lambda a, b: np.sum(a * b, axis=-1))
    case("vecdot", normal(2, 3), normal(4, 1, 3), axis=-1, np_fn=lambda a, b, axis: np.sum(a * b, axis=axis))
    case("vecdot", normal(3, 2), normal(3, 5, 1), axis=0, np_fn=lambda a, b, axis: np.sum(np.moveaxis(a, 0, -1) * np.moveaxis(b, 0, -1), axis=-1))
    case("inner", v, w)
    case("inner", A, normal(5, 4))
    case("inner", normal(2, 3, 4), v)
    case("outer", v, normal(3))
    case("outer", A, normal(2))
    case("tensordot", normal(3, 4, 5), normal(4, 5, 2))
    case("tensordot", normal(3, 4, 5), normal(5, 2), 1)
    case("tensordot", normal(3, 4, 5), normal(4, 3, 2), [[1, 0], [0, 1]])
    case("tensordot", A, normal(2), 0)
    case("kron", normal(2, 2), normal(3, 2))
    case("kron", normal(3), normal(2, 2))
    M = normal(4, 5)
    case("diagonal", M)
    case("diagonal", M, offset=2)
    case("diagonal", M, offset=-1)
    case("diagonal", normal(2, 3, 4), offset=1, axis1=1, axis2=2)
    case("diagonal", normal(3, 2, 4), axis1=2, axis2=0)
    case("trace", M)
    case("trace", normal(2, 3, 3), offset=-1, axis1=1, axis2=2)
    case("trace", ints(-5, 5, 3, 3))
    case("diag", normal(3))
    case("diag", normal(3), 1)
    case("diag", normal(2), -2)
    case("diag", M, 1)
    case("diagflat", normal(2, 2))
    case("einsum", "ij,jk->ik", A, B)
    case("einsum", "ij,jk", A, B)
    case("einsum", "ii", normal(3, 3))
    case("einsum", "ii->i", normal(3, 3))
    case("einsum", "ij->", A)
    case("einsum", "ij->ji", A)
    case("einsum", "bij,bjk->bik", normal(2, 3, 4), normal(2, 4, 5))
    case("einsum", "...ij,...jk->...ik", normal(2, 3, 4), normal(4, 5))
    case("einsum", "i,i", v, w)
    case("einsum", "i,j->ij", v, normal(3))
    case("einsum", "ij,jk,kl->il", normal(2, 3), normal(3, 4), normal(4, 2))
    case("einsum", "abc,cda->bd", normal(2, 3, 4), normal(4, 5, 2))
    case("einsum", "iij->j", normal(3, 3, 2))


# ---- elementwise (math.ts and ufuncs.ts) -----------------------------------------------------------

def elementwise():
    x, y = normal(3, 4), normal(3, 4)
    u = uniform(-0.9, 0.9, 7)
    p = uniform(0.2, 3.0, 7)
    i, j = ints(-9, 10, 8), ints(1, 6, 8)
    j = j * np.where(bools(8), 1, -1).astype(np.int32)
    for fn in ("add", "subtract", "multiply", "maximum", "minimum"):
        case(fn, x, y)
        case(fn, i, j)
    case("add", x, normal(4))
    case("add", x, 2.5)
    case("multiply", i, 3)
    case("add", ints(0, 9, 4, dtype=np.uint8), ints(-9, 9, 4, dtype=np.int8))
    for fn in ("divide", "trueDivide"):
        case(fn, x, uniform(0.5, 2, 4))
        case(fn, i, j)
    for fn in ("floorDivide", "remainder", "mod", "fmod"):
        case(fn, i, j)
        case(fn, x, uniform(0.5, 2, 4) * np.where(bools(4), 1, -1).astype(np.float32))
    case("power", p, normal(7))
    case("pow", p, 2.5, np_fn=np.power)
    case("power", i, 3)
    case("arctan2", x, y)
    for fn in ("negative", "positive", "abs", "absolute", "sign", "floor", "ceil", "square"):
        case(fn, x * 3)
        # JAX's floor/ceil return integer inputs unchanged; NumPy's give floats of equal value.
        case(fn, i, jax_dtype="int32" if fn in ("floor", "ceil") else None)
    case("reciprocal", p)
    for fn in ("exp", "exp2", "expm1", "sin", "cos", "tan", "arctan", "sinh", "cosh", "tanh", "arcsinh", "cbrt"):
        case(fn, x)
    case("exp", i)
    for fn in ("log", "log1p", "log2", "log10", "sqrt"):
        case(fn, p)
    for fn in ("arcsin", "arccos", "arctanh"):
        case(fn, u)
    case("arccosh", p + 1)
    for fn in ("equal", "notEqual", "less", "lessEqual", "greater", "greaterEqual"):
        case(fn, ints(0, 3, 6), ints(0, 3, 6))
        case(fn, x, 0.0)
    case("where", x > 0, x, y)
    case("where", bools(3, 1), x, 0.0)
    case("clip", x, -0.5, 0.5)
    case("clip", i, 0, None)
    sp = special()
    for fn in ("isnan", "isinf", "isposinf", "isneginf", "isfinite", "signbit"):
        case(fn, sp)
        case(fn, i)
    for fn in ("logicalAnd", "logicalOr", "logicalXor"):
        case(fn, bools(6), bools(6))
        case(fn, ints(0, 3, 6), normal(6))
    case("logicalNot", bools(6))
    case("logicalNot", ints(0, 3, 6))
    for fn in ("bitwiseAnd", "bitwiseOr", "bitwiseXor"):
        case(fn, ints(-50, 50, 6), ints(0, 64, 6))
        case(fn, bools(6), bools(6))
    for fn in ("bitwiseNot", "invert"):
        case(fn, ints(-50, 50, 6))
        case(fn, ints(0, 250, 6, dtype=np.uint8))
    case("leftShift", ints(-50, 50, 6), ints(0, 8, 6))
    case("rightShift", ints(-50, 50, 6), ints(0, 8, 6))
    case("rightShift", ints(0, 250, 6, dtype=np.uint8), ints(0, 8, 6, dtype=np.uint8))
    halves = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49, -3.7, 4.2], np.float32)
    for fn in ("rint", "round", "around", "trunc", "fix"):
        case(fn, halves)
        case(fn, x * 4)
    case("round", x * 100, 1)
    case("round", x * 100, -1)
    case("round", ints(-200, 200, 8), -1)
    case("round", ints(-200, 200, 8), 2)
    big = np.array([0.0, 1.0, -3.0, 80.0, 100.0, -100.0], np.float32)
    case("logaddexp", x, y)
    case("logaddexp", big, big[::-1].copy())
    case("logaddexp", np.array([np.inf, -np.inf, np.nan], np.float32), np.array([np.inf, -np.inf, 1.0], np.float32))
    case("logaddexp2", x, y)
    case("logaddexp2", big, big[::-1].copy())
    case("hypot", x, y)
    case("hypot", np.array([3e30, 0.0, np.inf, 3.0], np.float32), np.array([4e30, 0.0, 1.0, np.nan], np.float32))
    case("copysign", x, y)
    case("copysign", sp, np.float32(-1.0))
    case("fmax", sp, sp[::-1].copy())
    case("fmin", sp, sp[::-1].copy())
    case("fmax", i, j)
    case("heaviside", np.array([-1.5, 0.0, 2.0, 0.0], np.float32), 0.5)
    case("heaviside", x, y)
    case("sinc", x)
    case("sinc", np.array([0.0, 1.0, -0.5, 2.5], np.float32))
    case("nextafter", x, y)
    case("floatPower", p, normal(7))
    case("ldexp", x, ints(-3, 4, 3, 4))
    for fn in ("deg2rad", "radians", "rad2deg", "degrees"):
        case(fn, x * 90)
    case("divmod", i, j)
    case("divmod", x, uniform(0.5, 2, 4))
    case("nanToNum", sp)
    case("nanToNum", sp, nan=-1.0, posinf=9.0, neginf=-9.0)


# ---- logic --------------------------------------------------------------------------------------

def logic():
    x = normal(5)
    close = (x + np.float32(1e-6)).astype(np.float32)
    far = (x + np.float32(1e-2)).astype(np.float32)
    sp = special()
    case("isclose", x, close)
    case("isclose", x, far)
    case("isclose", x, far, atol=0.1)
    case("isclose", x, far, rtol=0.0, atol=1e-3)
    case("isclose", sp, sp)
    case("isclose", sp, sp, equalNan=True)
    case("isclose", ints(0, 5, 6), ints(0, 5, 6))
    case("allclose", x, close)
    case("allclose", x, far)
    case("allclose", sp, sp, equalNan=True)
    case("allclose", normal(2, 3), np.float32(0.5), atol=3.0)
    case("arrayEqual", x, x.copy())
    case("arrayEqual", x, far)
    case("arrayEqual", x, x[:4].copy())
    case("arrayEqual", sp, sp)
    case("arrayEqual", sp, sp, equalNan=True)
    case("arrayEquiv", np.ones((2, 3), np.float32), np.ones(3, np.float32))
    case("arrayEquiv", np.ones((2, 3), np.float32), np.ones(2, np.float32))
    case("arrayEquiv", x, far)


def main():
    creation()
    reductions()
    manipulation()
    products()
    elementwise()
    logic()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"numpy_version": np.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
