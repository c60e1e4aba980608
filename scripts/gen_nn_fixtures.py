#!/usr/bin/python3
"""Oracle values for jax.nn, stax and the optimizers.

Writes test/fixtures/nn.json, read by test/nn/*.test.ts and test/example_libraries/*.test.ts.
Every value is computed here in float64 from float32 inputs with NumPy/SciPy, following the
definitions JAX documents (jax/_src/nn/functions.py, jax/example_libraries/optimizers.py):

- "activations": each activation (squareplus in float32 arithmetic, see there) over a grid of float32 inputs (large, small, negative, +-0,
  +-inf, NaN, random); "glu" on a [4, 6] matrix.
- "softmax", "logsumexp", "standardize", "one_hot": cases with axes, keepdims, masks, scale
  factors b, given mean/variance.
- "optimizers": the first 3 updates of every optimizer on a quadratic over a pytree of params
  {b: [2, 2], s: [], w: [3]}, gradient A*x + C.
- "schedules": learning-rate schedules at steps 0..8.
- "attention": dot_product_attention with grouped heads, bias, masks, causal and local-window
  masks and sequence lengths, computed per head with SciPy's softmax.
- "mlp": a Dense(8)-Tanh-Dense(1) regression with mean squared error: its loss and gradients by
  hand-written backpropagation, and 3 Adam steps.

Non-finite floats are written as the strings "nan", "inf", "-inf".
Run: /usr/bin/python3 scripts/gen_nn_fixtures.py
"""
import json
import math
import os

import numpy as np

from fixture_json import enc
import scipy
from scipy import special

rng = np.random.default_rng(20260301)
f32 = np.float32




def arr(a):
    """{shape, data} of an array, data flat and JSON-safe."""
    a = np.asarray(a)
    return {"shape": list(a.shape), "data": [enc(v) for v in a.reshape(-1).tolist()]}


def f32arr(shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(f32).astype(np.float64)


# ---- activations --------------------------------------------------------------------------------

SPECIAL = [-1e4, -100.0, -30.0, -10.0, -6.0, -3.0, -2.0, -1.0, -0.5, -1e-3, -1e-30, -0.0, 0.0, 1e-30,
           1e-3, 0.5, 1.0, 2.0, 3.0, 6.0, 10.0, 30.0, 100.0, 1e4, math.inf, -math.inf, math.nan]
grid = np.concatenate([np.array(SPECIAL, dtype=f32), (rng.standard_normal(24) * 4).astype(f32)]).astype(np.float64)

with np.errstate(all="ignore"):
    def softplus(x):
        return np.logaddexp(x, 0.0)

    def relu6(x):
        return np.minimum(np.maximum(x, 0.0), 6.0)

    def elu(x, alpha=1.0):
        return np.where(x > 0, x, alpha * np.expm1(np.where(x > 0, 0.0, x)))

    def gelu(x, approximate):
        if approximate:
            return x * 0.5 * (1.0 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
        return 0.5 * x * special.erfc(-x / np.sqrt(2.0))

    SELU_ALPHA = 1.6732632423543772848170429916717
    SELU_SCALE = 1.0507009873554804934193349852946
    ACT = {
        "relu": lambda x: np.maximum(x, 0.0),
        "relu6": relu6,
        "sigmoid": special.expit,
        "softplus": softplus,
        "sparsePlus": lambda x: np.where(x <= -1, 0.0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
        "sparseSigmoid": lambda x: 0.5 * np.clip(x + 1.0, 0.0, 2.0),
        "softSign": lambda x: x / (np.abs(x) + 1),
        "silu": lambda x: x * special.expit(x),
        "mish": lambda x: x * np.tanh(softplus(x)),
        "logSigmoid": special.log_expit,
        "elu": elu,
        "elu_alpha0.5": lambda x: elu(x, 0.5),
        "leakyRelu": lambda x: np.where(x >= 0, x, 0.01 * x),
        "leakyRelu_0.2": lambda x: np.where(x >= 0, x, 0.2 * x),
        "hardTanh": lambda x: np.where(x > 1, 1.0, np.where(x < -1, -1.0, x)),
        "celu": lambda x: np.maximum(x, 0.0) + np.expm1(np.minimum(x, 0.0)),
        "celu_alpha2": lambda x: np.maximum(x, 0.0) + 2.0 * np.expm1(np.minimum(x, 0.0) / 2.0),
        "selu": lambda x: SELU_SCALE * elu(x, SELU_ALPHA),
        "gelu": lambda x: gelu(x, True),
        "gelu_exact": lambda x: gelu(x, False),
        # JAX's formula cancels for large negative x in float32 (squareplus(-1e4) is 0 there):
        # evaluate it in float32 arithmetic, which is what the formula means at that precision.
        "squareplus": lambda x: ((x.astype(f32) + np.sqrt(x.astype(f32) ** 2 + f32(4))) / f32(2)).astype(np.float64),
        "hardSigmoid": lambda x: relu6(x + 3.0) / 6.0,
        "hardSilu": lambda x: x * relu6(x + 3.0) / 6.0,
    }
    activations = {"x": [enc(v) for v in grid], "values": {k: [enc(v) for v in f(grid)] for k, f in ACT.items()}}

glu_x = f32arr((4, 6), 2.0)
glu = {
    "x": arr(glu_x),
    "axis-1": arr(glu_x[:, :3] * special.expit(glu_x[:, 3:])),
    "axis0": arr(glu_x[:2] * special.expit(glu_x[2:])),
}

# ---- softmax / logSoftmax -----------------------------------------------------------------------

sm_cases = []
m_rand = f32arr((3, 5), 3.0)
m_big = np.array([[1000.0, 1000.5, 999.0, -1000.0, 1000.25], [-1e4, -1e4 + 1, -1e4 + 3, -1e4, -1e4],
                  [0.0, -math.inf, 1.0, -math.inf, 2.0]], dtype=f32).astype(np.float64)
mask = rng.random((3, 5)) < 0.7
mask[:, 0] = True
with np.errstate(all="ignore"):
    for name, x in [("random", m_rand), ("large", m_big)]:
        for axis in [-1, 0, None, (0, 1)]:
            sm_cases.append({"name": f"{name} axis={axis}", "x": arr(x), "axis": axis if not isinstance(axis, tuple) else list(axis),
                             "softmax": arr(special.softmax(x, axis=axis)),
                             "log_softmax": arr(special.log_softmax(x, axis=axis))})
    # where: masked entries are excluded; softmax gives 0 there, log_softmax -inf.
    xm = np.where(mask, m_rand, -np.inf)
    sm_cases.append({"name": "random where axis=-1", "x": arr(m_rand), "axis": -1, "where": arr(mask),
                     "softmax": arr(np.where(mask, special.softmax(xm, axis=-1), 0.0)),
                     "log_softmax": arr(np.where(mask, special.log_softmax(xm, axis=-1), -np.inf))})

# ---- logsumexp ----------------------------------------------------------------------------------

lse_cases = []
a3 = f32arr((2, 3, 4), 3.0)
a_big = np.array([[1e4, 1e4, 1e4 - 1], [-1e4, -1e4 - 2, -1e4], [-math.inf, 0.0, 1.0], [-math.inf] * 3], dtype=f32).astype(np.float64)
b_pos = rng.random((2, 3, 4)).astype(f32).astype(np.float64) + 0.1
b_mixed = np.array([[1.0, -2.0, 0.5], [0.0, 1.0, 1.0], [2.0, 0.0, -3.0], [1.0, 1.0, 1.0]], dtype=f32).astype(np.float64)
lmask = rng.random((2, 3, 4)) < 0.7
lmask[..., 0] = True
with np.errstate(all="ignore"):
    for axis in [None, 0, -1, (0, 2)]:
        for keepdims in [False, True]:
            lse_cases.append({"name": f"random axis={axis} keepdims={keepdims}", "a": arr(a3),
                              "axis": list(axis) if isinstance(axis, tuple) else axis, "keepdims": keepdims,
                              "out": arr(special.logsumexp(a3, axis=axis, keepdims=keepdims))})
    for axis in [None, 1]:
        lse_cases.append({"name": f"large/-inf axis={axis}", "a": arr(a_big), "axis": axis, "keepdims": False,
                          "out": arr(special.logsumexp(a_big, axis=axis))})
    lse_cases.append({"name": "b positive axis=-1", "a": arr(a3), "axis": -1, "keepdims": False, "b": arr(b_pos),
                      "out": arr(special.logsumexp(a3, axis=-1, b=b_pos))})
    # b with negative entries: the sum may be negative -> NaN, or [log|sum|, sign] with return_sign.
    out_s, sign_s = special.logsumexp(a_big, axis=1, b=b_mixed, return_sign=True)
    with np.errstate(invalid="ignore"):
        plain = np.where(sign_s < 0, np.nan, out_s)
    lse_cases.append({"name": "b mixed signs axis=1", "a": arr(a_big), "axis": 1, "keepdims": False, "b": arr(b_mixed),
                      "out": arr(plain), "out_abs": arr(out_s), "sign": arr(sign_s)})
    am = np.where(lmask, a3, -np.inf)
    lse_cases.append({"name": "where axis=-1", "a": arr(a3), "axis": -1, "keepdims": False, "where": arr(lmask),
                      "out": arr(special.logsumexp(am, axis=-1))})

# ---- standardize --------------------------------------------------------------------------------

std_cases = []
s_x = f32arr((4, 5), 2.0) + 1.0
for axis in [-1, 0, None]:
    mean = np.mean(s_x, axis=axis, keepdims=True)
    var = np.mean(s_x ** 2, axis=axis, keepdims=True) - mean ** 2
    std_cases.append({"name": f"axis={axis}", "x": arr(s_x), "axis": axis, "out": arr((s_x - mean) / np.sqrt(var + 1e-5))})
g_mean = f32arr((4, 1))
g_var = np.abs(f32arr((4, 1))) + 0.5
std_cases.append({"name": "given mean, variance, epsilon", "x": arr(s_x), "axis": -1, "mean": arr(g_mean),
                  "variance": arr(g_var), "epsilon": 0.1, "out": arr((s_x - g_mean) / np.sqrt(g_var + 0.1))})

# ---- one_hot ------------------------------------------------------------------------------------

idx = np.array([[0, 2, -1], [3, 1, 5]], dtype=np.int32)
oh_cases = []
for axis in [-1, 0, 1]:
    eye = (idx[..., None] == np.arange(4)).astype(np.float64)
    oh_cases.append({"x": arr(idx), "num_classes": 4, "axis": axis, "out": arr(np.moveaxis(eye, -1, axis))})

# ---- optimizers on a quadratic ------------------------------------------------------------------

P_SHAPES = {"b": (2, 2), "s": (), "w": (3,)}
A = {k: np.abs(f32arr(s)) + 0.5 for k, s in P_SHAPES.items()}
C = {k: f32arr(s) for k, s in P_SHAPES.items()}
X0 = {k: f32arr(s) for k, s in P_SHAPES.items()}


def sched_exp(step_size, decay_steps, decay_rate):
    return lambda i: step_size * decay_rate ** (i / decay_steps)


def make_opt(name, args):
    """Per-array (init, update, get) in float64, JAX's formulas."""
    lr_arg = args[0]
    lr = (lambda i: lr_arg) if not isinstance(lr_arg, dict) else sched_exp(*lr_arg["exponential_decay"])
    zeros = np.zeros_like
    if name == "sgd":
        return (lambda x: x, lambda i, g, x: x - lr(i) * g, lambda x: x)
    if name in ("momentum", "nesterov"):
        mass = args[1]

        def upd(i, g, st):
            x, v = st
            v = mass * v + g
            step = v if name == "momentum" else mass * v + g
            return (x - lr(i) * step, v)
        return (lambda x: (x, zeros(x)), upd, lambda st: st[0])
    if name == "adagrad":
        mom = args[1] if len(args) > 1 else 0.9

        def upd(i, g, st):
            x, gsq, m = st
            gsq = gsq + g * g
            inv = np.where(gsq > 0, 1.0 / np.sqrt(gsq), 0.0)
            m = (1.0 - mom) * (g * inv) + mom * m
            return (x - lr(i) * m, gsq, m)
        return (lambda x: (x, zeros(x), zeros(x)), upd, lambda st: st[0])
    if name == "rmsprop":
        gamma, eps = (args[1:] + [0.9, 1e-8][len(args) - 1:])[:2]

        def upd(i, g, st):
            x, a = st
            a = a * gamma + g * g * (1.0 - gamma)
            return (x - lr(i) * g / np.sqrt(a + eps), a)
        return (lambda x: (x, zeros(x)), upd, lambda st: st[0])
    if name == "rmspropMomentum":
        gamma, eps, mom = 0.9, 1e-8, 0.9

        def upd(i, g, st):
            x, a, m = st
            a = a * gamma + g * g * (1.0 - gamma)
            m = mom * m + lr(i) * g / np.sqrt(a + eps)
            return (x - m, a, m)
        return (lambda x: (x, zeros(x), zeros(x)), upd, lambda st: st[0])
    if name in ("adam", "adamax"):
        b1, b2, eps = (args[1:] + [0.9, 0.999, 1e-8][len(args) - 1:])[:3]

        def upd(i, g, st):
            x, m, v = st
            m = (1 - b1) * g + b1 * m
            if name == "adam":
                v = (1 - b2) * g * g + b2 * v
                mhat = m / (1 - b1 ** (i + 1))
                vhat = v / (1 - b2 ** (i + 1))
                return (x - lr(i) * mhat / (np.sqrt(vhat) + eps), m, v)
            v = np.maximum(b2 * v, np.abs(g))
            return (x - (lr(i) / (1 - b1 ** (i + 1))) * m / (v + eps), m, v)
        return (lambda x: (x, zeros(x), zeros(x)), upd, lambda st: st[0])
    if name == "sm3":
        mom = 0.9

        def init(x):
            x1 = np.atleast_1d(x)
            return (x1, zeros(x1), [np.zeros(n) for n in x1.shape], x.shape)

        def upd(i, g, st):
            x, m, vs, shape = st
            g = np.atleast_1d(g)
            vb = [v.reshape([n if k == j else 1 for k, n in enumerate(g.shape)]) for j, v in enumerate(vs)]
            acc = vb[0]
            for v in vb[1:]:
                acc = np.minimum(acc, v)
            acc = acc + g * g
            inv = np.where(acc > 0, 1.0 / np.sqrt(acc), 0.0)
            m = (1.0 - mom) * (g * inv) + mom * m
            x = x - lr(i) * m
            vs = [acc.max(axis=tuple(k for k in range(x.ndim) if k != j)) for j in range(x.ndim)]
            return (x, m, vs, shape)
        return (init, upd, lambda st: st[0].reshape(st[3]))
    raise ValueError(name)


OPTS = [("sgd", [0.1]), ("sgd", [{"exponential_decay": [0.1, 2, 0.5]}]), ("momentum", [0.1, 0.9]),
        ("nesterov", [0.1, 0.9]), ("adagrad", [0.1]), ("adagrad", [0.1, 0.5]), ("rmsprop", [0.05]),
        ("rmsprop", [0.05, 0.8, 1e-6]), ("rmspropMomentum", [0.05]), ("adam", [0.1]), ("adam", [0.1, 0.8, 0.9, 1e-6]),
        ("adamax", [0.1]), ("sm3", [0.1])]
opt_cases = []
for name, args in OPTS:
    init, upd, get = make_opt(name, args)
    states = {k: init(X0[k]) for k in P_SHAPES}
    traj = []
    for i in range(3):
        for k in P_SHAPES:
            g = A[k] * get(states[k]) + C[k]
            states[k] = upd(i, np.atleast_1d(g) if name == "sm3" else g, states[k])
        traj.append({k: arr(get(states[k])) for k in P_SHAPES})
    opt_cases.append({"name": name, "args": args, "trajectory": traj})
optimizers = {"A": {k: arr(v) for k, v in A.items()}, "C": {k: arr(v) for k, v in C.items()},
              "x0": {k: arr(v) for k, v in X0.items()}, "cases": opt_cases}

# ---- schedules ----------------------------------------------------------------------------------

steps = list(range(9))
schedules = [
    {"name": "constant", "args": [0.3], "values": [0.3] * len(steps)},
    {"name": "exponentialDecay", "args": [1.0, 3, 0.5], "values": [1.0 * 0.5 ** (i / 3) for i in steps]},
    {"name": "inverseTimeDecay", "args": [1.0, 2, 0.5, False], "values": [1.0 / (1 + 0.5 * i / 2) for i in steps]},
    {"name": "inverseTimeDecay", "args": [1.0, 2, 0.5, True], "values": [1.0 / (1 + 0.5 * math.floor(i / 2)) for i in steps]},
    {"name": "polynomialDecay", "args": [1.0, 5, 0.1, 2.0],
     "values": [(1 - min(i, 5) / 5) ** 2.0 * (1.0 - 0.1) + 0.1 for i in steps]},
    {"name": "piecewiseConstant", "args": [[2, 5], [1.0, 0.5, 0.1]],
     "values": [[1.0, 0.5, 0.1][sum(i > b for b in [2, 5])] for i in steps]},
]

# ---- a tiny MLP: loss, gradients, 3 Adam steps --------------------------------------------------

N, D, H = 16, 3, 8
mx = f32arr((N, D))
my = np.sin(mx @ np.array([1.0, -2.0, 0.5]))[:, None].astype(f32).astype(np.float64)
params = [f32arr((D, H), 0.5), f32arr((H,), 0.1), f32arr((H, 1), 0.5), f32arr((1,), 0.1)]


def loss_and_grads(p):
    W1, b1, W2, b2 = p
    h = mx @ W1 + b1
    a = np.tanh(h)
    pred = a @ W2 + b2
    r = pred - my
    loss = np.mean(r ** 2)
    dp = 2 * r / r.size
    dW2 = a.T @ dp
    db2 = dp.sum(0)
    dh = (dp @ W2.T) * (1 - a ** 2)
    return loss, [mx.T @ dh, dh.sum(0), dW2, db2]


loss0, grads0 = loss_and_grads(params)
_, adam_upd, _ = make_opt("adam", [0.01])
st = [(p, np.zeros_like(p), np.zeros_like(p)) for p in params]
adam_traj = []
for i in range(3):
    _, gs = loss_and_grads([s[0] for s in st])
    st = [adam_upd(i, g, s) for g, s in zip(gs, st)]
    adam_traj.append([arr(s[0]) for s in st])
mlp = {"x": arr(mx), "y": arr(my), "params": [arr(p) for p in params], "loss": loss0,
       "grads": [arr(g) for g in grads0], "adam_lr": 0.01, "adam_trajectory": adam_traj}

# ---- dot_product_attention ----------------------------------------------------------------------


def attention(q, k, v, bias=None, mask=None, scale=None, causal=False, qlen=None, kvlen=None, window=None):
    """softmax(q·kᵀ·scale + bias, masked)·v per head; query head n reads key head n // (N / K)."""
    B, T, N, H = q.shape
    S, K = k.shape[1], k.shape[2]
    krep, vrep = np.repeat(k, N // K, axis=2), np.repeat(v, N // K, axis=2)
    scale = 1 / np.sqrt(H) if scale is None else scale
    logits = np.einsum("btnh,bsnh->bnts", q, krep) * scale
    if bias is not None:
        logits = logits + bias
    t = np.arange(T)[:, None]
    s = np.arange(S)[None, :]
    m = np.ones((B, N, T, S), dtype=bool)
    if mask is not None:
        m = m & mask
    if causal:
        m = m & (s <= t)
    if window is not None:
        m = m & (s >= t - window[0]) & (s <= t + window[1])
    if qlen is not None:
        m = m & (np.arange(T)[None, None, :, None] < qlen[:, None, None, None])
    if kvlen is not None:
        m = m & (np.arange(S)[None, None, None, :] < kvlen[:, None, None, None])
    logits = np.where(m, logits, -0.7 * np.finfo(np.float32).max)
    out = np.einsum("bnts,bsnh->btnh", special.softmax(logits, axis=-1), vrep)
    if qlen is not None and kvlen is not None:
        out = out * (np.arange(T)[None, :, None, None] < qlen[:, None, None, None])
    return out


B_, T_, S_, N_, K_, H_ = 2, 3, 4, 4, 2, 3
aq, ak, av = f32arr((B_, T_, N_, H_)), f32arr((B_, S_, K_, H_)), f32arr((B_, S_, K_, H_))
a_bias = f32arr((1, N_, T_, S_))
a_mask = rng.random((B_, 1, T_, S_)) < 0.7
qlen = np.array([2, 3], dtype=np.int32)
kvlen = np.array([4, 1], dtype=np.int32)
attn_cases = [
    {"name": "grouped heads", "opts": {}, "out": arr(attention(aq, ak, av))},
    {"name": "bias and scale", "opts": {"bias": True, "scale": 0.3}, "out": arr(attention(aq, ak, av, bias=a_bias, scale=0.3))},
    {"name": "mask", "opts": {"mask": True}, "out": arr(attention(aq, ak, av, mask=a_mask))},
    {"name": "causal", "opts": {"isCausal": True}, "out": arr(attention(aq, ak, av, causal=True))},
    {"name": "local window (1, 0)", "opts": {"localWindowSize": [1, 0]}, "out": arr(attention(aq, ak, av, window=(1, 0)))},
    {"name": "sequence lengths, causal", "opts": {"querySeqLengths": True, "keyValueSeqLengths": True, "isCausal": True},
     "out": arr(attention(aq, ak, av, qlen=qlen, kvlen=kvlen, causal=True))},
]
attn = {"q": arr(aq), "k": arr(ak), "v": arr(av), "bias": arr(a_bias), "mask": arr(a_mask),
        "query_seq_lengths": arr(qlen), "key_value_seq_lengths": arr(kvlen), "cases": attn_cases}

out = {
    "numpy_version": np.__version__,
    "scipy_version": scipy.__version__,
    "activations": activations,
    "glu": glu,
    "softmax": sm_cases,
    "logsumexp": lse_cases,
    "standardize": std_cases,
    "one_hot": oh_cases,
    "optimizers": optimizers,
    "schedules": schedules,
    "mlp": mlp,
    "attention": attn,
}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "nn.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print(f"wrote {os.path.normpath(path)}")
