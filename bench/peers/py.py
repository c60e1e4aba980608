"""Benchmark worker for NumPy and PyTorch (CPU), and the float64 oracle the checks compare with.

Spawned by bench/run.ts:  python3 bench/peers/py.py --tasks numpy:matmul/256,torch:...,oracle:...
Writes the protocol events of bench/common.ts to stdout. gen(), mlp_data(), fingerprint() and
measure() mirror bench/common.ts exactly (inputs are bit-identical across processes).

Libraries: "numpy" (eager only; no autodiff, so no gradient cases), "torch" (eager; autograd for
the MLP gradient, torch.func / functorch vmap(grad) for per-example gradients; it has no jit in
the JAX sense, so its jit rows are n/a), and "oracle": NumPy in float64 with hand-written
backpropagation, independent of every library under test. NumPy and PyTorch compute
synchronously on the CPU, so a returned array is already computed.
"""

import json
import math
import os
import platform
import sys
import time

MARK = "@@bench "
MATMUL_SIZES = (256, 1024, 2048)
ELEMENTWISE_SHAPE = (5000, 5000)
MLP_SIZES = (784, 512, 512, 10)
PEREX_SIZES = (784, 64, 10)
BATCH = 128
ODD = (67, 45, 31)
PRIMES = (17, 19, 23, 29)


def emit(ev):
    sys.stdout.write(MARK + json.dumps(ev) + "\n")
    sys.stdout.flush()


def arg(name, default=None):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


try:
    import numpy as np
except ImportError as e:  # the orchestrator marks every task of this worker skipped
    emit({"ev": "fatal", "lib": "numpy", "message": f"NumPy not importable by {sys.executable}: {e}"})
    sys.exit(0)


def gen(n, seed, scale):
    """v_i = ((i*7919 + seed*104729) mod 2003 / 2003 - 0.5) * scale, in float64, rounded to float32."""
    i = np.arange(n, dtype=np.int64)
    return ((((i * 7919 + seed * 104729) % 2003) / 2003 - 0.5) * scale).astype(np.float32)


def mlp_data(sizes, batch):
    params = []
    for l in range(len(sizes) - 1):
        i, o = sizes[l], sizes[l + 1]
        params.append(gen(i * o, 10 + 2 * l, 2 / math.sqrt(i)).reshape(i, o))
        params.append(gen(o, 11 + 2 * l, 0.2))
    x = gen(batch * sizes[0], 1, 2).reshape(batch, sizes[0])
    y = gen(batch * sizes[-1], 2, 2).reshape(batch, sizes[-1])
    return params, x, y


def fingerprint(parts):
    v = np.concatenate([np.asarray(p, dtype=np.float64).ravel() for p in parts])
    finite = np.isfinite(v)
    nonfinite = int(v.size - finite.sum())
    v = np.where(finite, v, 0.0)
    a = np.abs(v)
    w, s = [], []
    for p in PRIMES:
        # Σ_i v_i c(i mod p) = Σ_r c(r) Σ_{i ≡ r} v_i: fold v into rows of p (zero padded)
        c = np.arange(p) - (p - 1) / 2
        pad = -v.size % p
        w.append(float(np.pad(v, (0, pad)).reshape(-1, p).sum(0) @ c))
        s.append(float(np.pad(a, (0, pad)).reshape(-1, p).sum(0) @ np.abs(c)))
    return {"n": int(v.size), "l1": float(a.sum()), "l2": float(math.sqrt(float(v @ v))),
            "maxAbs": float(a.max()) if v.size else 0.0, "nonFinite": nonfinite, "w": w, "s": s}


def stats_of(samples, batch, first):
    s = sorted(samples)
    m = len(s) // 2
    median = s[m] if len(s) % 2 else (s[m - 1] + s[m]) / 2
    return {"median": median, "min": s[0], "max": s[-1], "reps": len(s), "batch": batch, "first": first}


def measure(fn, budget, max_reps=1000):
    """One untimed first call, ~15% of the budget of warm-up, then repetitions for the budget."""
    now = time.perf_counter
    t = now()
    fn()
    first = now() - t
    warm = 0
    t = now()
    while first < 0.5 * budget and now() - t < 0.15 * budget and warm < 10000:
        fn()
        warm += 1
    per = (now() - t) / warm if warm else first
    batch = 1 if per >= 2e-3 else min(100000, math.ceil(2e-3 / max(per, 1e-8)))
    min_reps = 3 if 3 * per * batch <= 2 * budget else 1
    samples = []
    start = now()
    while len(samples) < min_reps or (now() - start < budget and len(samples) < max_reps):
        t = now()
        for _ in range(batch):
            fn()
        samples.append((now() - t) / batch)
    return stats_of(samples, batch, first)


def once(fn):
    t = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t
    return {"median": dt, "min": dt, "max": dt, "reps": 1, "batch": 1, "first": dt}, out


class Ctx:
    def __init__(self, lib, case, budget):
        self.lib, self.case, self.budget = lib, case, budget

    def result(self, stats, note=None):
        emit({"ev": "result", "lib": self.lib, "case": self.case, "stats": stats, **({"note": note} if note else {})})

    def metrics(self, m, note=None):
        emit({"ev": "result", "lib": self.lib, "case": self.case, "metrics": m, **({"note": note} if note else {})})

    def check(self, key, parts):
        emit({"ev": "check", "lib": self.lib, "case": self.case, "key": key, "fp": fingerprint(parts)})


def blas_name():
    """Which BLAS NumPy loaded, read from the process's memory map after a matmul."""
    np.ones((64, 64), np.float32) @ np.ones((64, 64), np.float32)
    try:
        with open("/proc/self/maps") as f:
            libs = {os.path.realpath(line.split()[-1]) for line in f if "blas" in line.lower() and "/" in line}
        return ", ".join(sorted(libs)) or "unknown"
    except OSError:
        return "unknown"


# ---------------------------------------------------------------------------------------------
# NumPy

def numpy_impls():
    impls = {}

    def matmul(n):
        def run(ctx):
            m, k, nn = ODD
            ctx.check("matmul/odd", [gen(m * k, 3, 1).reshape(m, k) @ gen(k * nn, 4, 1).reshape(k, nn)])
            a, b = gen(n * n, 1, 1).reshape(n, n), gen(n * n, 2, 1).reshape(n, n)
            ctx.check(f"matmul/{n}", [a @ b])
            ctx.result(measure(lambda: a @ b, ctx.budget))
        return run

    for n in MATMUL_SIZES:
        impls[f"matmul/{n}"] = matmul(n)

    def elementwise(ctx):
        x = gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2).reshape(ELEMENTWISE_SHAPE)
        f = lambda: x * x + x * 2.0
        ctx.check("elementwise", [f()])
        ctx.result(measure(f, ctx.budget))

    def tiny(ctx):
        a, b = gen(4, 7, 2), gen(4, 8, 2)
        ctx.check("tiny", [a + b])
        ctx.result(measure(lambda: a + b, ctx.budget))

    def bandwidth(ctx):
        n = 32 * 2**20  # 128 MiB of float32 per buffer, far beyond any cache
        src = gen(n, 9, 1)
        dst = np.zeros_like(src)
        np.copyto(dst, src)
        st = measure(lambda: np.copyto(dst, src), max(ctx.budget, 0.5))
        ctx.metrics({"copy_GBps_1t": 2 * src.nbytes / st["min"] / 1e9, "buffer_MiB": src.nbytes / 2**20},
                    "np.copyto into a preallocated buffer, one thread, best repetition; bytes read + bytes written")

    impls.update({"elementwise/eager": elementwise, "tiny/eager": tiny, "machine/bandwidth": bandwidth})
    for c in ("elementwise/jit", "tiny/jit", "first_call", "mlp_grad", "perex/eager", "perex/jit"):
        impls[c] = "NumPy has no jit or autodiff"
    return impls


# ---------------------------------------------------------------------------------------------
# PyTorch

def torch_impls(torch):
    try:
        from torch.func import grad as fgrad, vmap as fvmap
        vmap_name = "torch.func"
    except ImportError:
        from functorch import grad as fgrad, vmap as fvmap
        vmap_name = "functorch"
    t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
    npy = lambda ts: [x.detach().numpy() for x in ts]

    def mlp(params, x):
        h = x
        for i in range(0, len(params), 2):
            h = h @ params[i] + params[i + 1]
            if i + 2 < len(params):
                h = torch.tanh(h)
        return h

    def loss(params, x, y):
        return torch.sum(torch.square(mlp(params, x) - y))

    def mlp_inputs(sizes):
        p, x, y = mlp_data(sizes, BATCH)
        return [t(a).requires_grad_(True) for a in p], t(x), t(y)

    impls = {}

    def matmul(n):
        def run(ctx):
            m, k, nn = ODD
            ctx.check("matmul/odd", npy([t(gen(m * k, 3, 1).reshape(m, k)) @ t(gen(k * nn, 4, 1).reshape(k, nn))]))
            a, b = t(gen(n * n, 1, 1).reshape(n, n)), t(gen(n * n, 2, 1).reshape(n, n))
            ctx.check(f"matmul/{n}", npy([a @ b]))
            ctx.result(measure(lambda: a @ b, ctx.budget))
        return run

    for n in MATMUL_SIZES:
        impls[f"matmul/{n}"] = matmul(n)

    def elementwise(ctx):
        x = t(gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2).reshape(ELEMENTWISE_SHAPE))
        f = lambda: x * x + x * 2.0
        ctx.check("elementwise", npy([f()]))
        ctx.result(measure(f, ctx.budget))

    def first_call(ctx):
        params, x, y = mlp_inputs(MLP_SIZES)
        st, out = once(lambda: torch.autograd.grad(loss(params, x, y), params))
        ctx.result(st, "one sample: first eager autograd call (no compile step)")
        ctx.check("mlp_grad", npy(out))

    def mlp_grad(ctx):
        params, x, y = mlp_inputs(MLP_SIZES)
        g = lambda: torch.autograd.grad(loss(params, x, y), params)
        ctx.check("mlp_grad", npy(g()))
        ctx.result(measure(g, ctx.budget), "eager autograd (PyTorch has no jit here)")

    def perex(ctx):
        params, x, y = mlp_inputs(PEREX_SIZES)
        params = tuple(p.detach() for p in params)
        g = fvmap(fgrad(loss), in_dims=(None, 0, 0))
        ctx.check("perex", npy(g(params, x, y)))
        ctx.result(measure(lambda: g(params, x, y), ctx.budget), f"{vmap_name} vmap(grad), eager")

    def tiny(ctx):
        a, b = t(gen(4, 7, 2)), t(gen(4, 8, 2))
        ctx.check("tiny", npy([a + b]))
        ctx.result(measure(lambda: a + b, ctx.budget))

    impls.update({"elementwise/eager": elementwise, "first_call": first_call, "mlp_grad": mlp_grad,
                  "perex/eager": perex, "tiny/eager": tiny})
    for c in ("elementwise/jit", "perex/jit", "tiny/jit"):
        impls[c] = "no jit in PyTorch's eager mode"
    return impls, vmap_name


# ---------------------------------------------------------------------------------------------
# The float64 oracle: the same math in NumPy float64, gradients by hand-written backpropagation.
# Forward: h_0 = x, z_l = h_{l-1} W_l + b_l, h_l = tanh(z_l) (all but the last layer), out = z_L.
# Backward of L = Σ (out - y)²: d_L = 2 (out - y); dW_l = h_{l-1}ᵀ d_l; db_l = Σ_rows d_l;
# d_{l-1} = (d_l W_lᵀ) ⊙ (1 - h_{l-1}²). Per example, dW_l[e] = h_{l-1}[e] ⊗ d_l[e], db_l[e] = d_l[e].

def backprop(sizes, per_example):
    params, x, y = mlp_data(sizes, BATCH)
    p = [a.astype(np.float64) for a in params]
    hs = [x.astype(np.float64)]
    for l in range(0, len(p), 2):
        z = hs[-1] @ p[l] + p[l + 1]
        hs.append(np.tanh(z) if l + 2 < len(p) else z)
    d = 2 * (hs[-1] - y.astype(np.float64))
    grads = [None] * len(p)
    for l in reversed(range(len(p) // 2)):
        h = hs[l]
        grads[2 * l] = np.einsum("ei,ej->eij", h, d) if per_example else h.T @ d
        grads[2 * l + 1] = d if per_example else d.sum(0)
        if l > 0:
            d = (d @ p[2 * l].T) * (1 - h * h)
    return grads


def oracle_impls():
    f64 = lambda a: a.astype(np.float64)
    memo = {}

    def check(ctx, key, compute):
        """Emits the oracle's fingerprint for `key`, computing it once per process."""
        if key not in memo:
            memo[key] = fingerprint(compute())
        emit({"ev": "check", "lib": ctx.lib, "case": ctx.case, "key": key, "fp": memo[key]})

    def matmul_of(m, k, n, s1, s2):
        return lambda: [f64(gen(m * k, s1, 1)).reshape(m, k) @ f64(gen(k * n, s2, 1)).reshape(k, n)]

    def matmul(n):
        def run(ctx):
            check(ctx, "matmul/odd", matmul_of(*ODD, 3, 4))
            check(ctx, f"matmul/{n}", matmul_of(n, n, n, 1, 2))
        return run

    def elementwise(ctx):
        def compute():
            x = f64(gen(ELEMENTWISE_SHAPE[0] * ELEMENTWISE_SHAPE[1], 5, 2))
            return [x * x + x * 2.0]
        check(ctx, "elementwise", compute)

    mlp = lambda ctx: check(ctx, "mlp_grad", lambda: backprop(MLP_SIZES, False))
    perex = lambda ctx: check(ctx, "perex", lambda: backprop(PEREX_SIZES, True))
    tiny = lambda ctx: check(ctx, "tiny", lambda: [f64(gen(4, 7, 2)) + f64(gen(4, 8, 2))])
    impls = {f"matmul/{n}": matmul(n) for n in MATMUL_SIZES}
    impls.update({"elementwise/eager": elementwise, "elementwise/jit": elementwise, "first_call": mlp,
                  "mlp_grad": mlp, "perex/eager": perex, "perex/jit": perex, "tiny/eager": tiny, "tiny/jit": tiny})
    return impls


# ---------------------------------------------------------------------------------------------

def main():
    quick = "--quick" in sys.argv
    budget = float(arg("--budget", "0.3" if quick else "1.5"))
    tasks = [t.split(":", 1) for t in arg("--tasks", "").split(",") if t]
    libs = {lib for lib, _ in tasks}
    impls = {"numpy": numpy_impls(), "oracle": oracle_impls()}
    missing = {}
    emit({"ev": "meta", "lib": "numpy", "info": {"version": np.__version__, "blas": blas_name(),
          "python": platform.python_version(), "executable": sys.executable}})
    if "torch" in libs:
        try:
            import torch
            torch.set_num_threads(os.cpu_count() or 1)
            impls["torch"], vmap_name = torch_impls(torch)
            emit({"ev": "meta", "lib": "torch", "info": {"version": torch.__version__,
                  "threads": torch.get_num_threads(), "vmap": vmap_name}})
        except ImportError as e:
            missing["torch"] = f"PyTorch not importable by {sys.executable}: {e}"
    for lib, case in tasks:
        emit({"ev": "start", "lib": lib, "case": case})
        impl = impls.get(lib, {}).get(case, missing.get(lib, "n/a"))
        if isinstance(impl, str):
            emit({"ev": "skip", "lib": lib, "case": case, "reason": impl})
        else:
            try:
                impl(Ctx(lib, case, budget))
            except Exception as e:  # reported per case; the worker carries on
                emit({"ev": "error", "lib": lib, "case": case, "message": f"{type(e).__name__}: {e}"})
        emit({"ev": "done", "lib": lib, "case": case})


if __name__ == "__main__":
    main()
