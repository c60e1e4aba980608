#!/usr/bin/python3
"""Oracle values for jax.scipy (special, stats, linalg).

Writes test/fixtures/scipy.json, read by test/scipy/*.test.ts. Inputs are float32 values (so
the TypeScript side sees the same numbers); outputs are SciPy's, computed in float64:

- "special": name -> {args: [list per argument], out: list}, each over a grid with extreme values
  (deep tails of ndtr/log_ndtr, p near 0 and 1 for ndtri, x = 0 for xlogy/xlog1py/entr, poles);
  "log_ndtr_grad" is log_ndtr's derivative exp(norm.logpdf(x) - log_ndtr(x)).
- "stats": list of {dist, fn, args, out}: scipy.stats.<dist>.<fn>(*args) elementwise, plus
  multivariate_normal and dirichlet on small batches.
- "linalg": random well-conditioned matrices and SciPy's cholesky, cho_solve, solve_triangular,
  lu_factor/lu_solve, solve, det, inv, qr (r), eigh (w) and expm on them.

Non-finite floats are written as the strings "nan", "inf", "-inf".
Run: /usr/bin/python3 scripts/gen_scipy_fixtures.py
"""
import json
import math
import os

import numpy as np
import scipy.linalg as sla
from scipy import special, stats

rng = np.random.default_rng(20261126)
f32 = np.float32


def enc(v):
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v


def rec(a):
    a = np.asarray(a, dtype=np.float64)
    return {"shape": list(a.shape), "data": [enc(v) for v in a.ravel()]}


def g32(xs):
    return np.asarray(xs, dtype=f32).astype(np.float64)


# ---- special -----------------------------------------------------------------------------------

def unary(f, xs):
    x = g32(xs)
    with np.errstate(all="ignore"):
        return {"args": [rec(x)], "out": rec(f(x))}


def binary(f, xs, ys):
    x, y = np.broadcast_arrays(g32(xs), g32(ys))
    with np.errstate(all="ignore"):
        return {"args": [rec(x), rec(y)], "out": rec(f(x, y))}


wide = [-30, -8, -3.5, -1, -0.3, -1e-5, 0, 1e-5, 0.3, 1, 2.5, 5, 9, 30, np.inf, -np.inf, np.nan]
probs = [0, 1e-30, 1e-10, 1e-5, 0.01, 0.1, 0.13, 0.3, 0.5, 0.7, 0.86, 0.9, 0.99, 0.99999, 1]
gam = [-3.5, -0.5, 1e-4, 0.1, 0.5, 1, 1.5, 2, 3.7, 10, 50, 1e3, 1e6]
pos = [1e-6, 0.01, 0.5, 1, 2, 7.5, 100]
special_fx = {
    "erf": unary(special.erf, wide),
    "erfc": unary(special.erfc, wide),
    "erfinv": unary(special.erfinv, [-1, -0.999, -0.7, -0.1, 0, 1e-4, 0.3, 0.9, 0.99999, 1]),
    "gammaln": unary(special.gammaln, gam),
    "digamma": unary(special.digamma, gam),
    "expit": unary(special.expit, wide),
    "logit": unary(special.logit, probs),
    "ndtr": unary(special.ndtr, [-40, -20, -12, -9, -5, -2, -0.7, -0.1, 0, 0.1, 0.7, 2, 5, 9, 40, np.inf, -np.inf]),
    "ndtri": unary(special.ndtri, probs),
    "log_ndtr": unary(special.log_ndtr, [-1e3, -60, -25, -19, -12, -10.5, -9, -4, -1, 0, 1, 4, 5.5, 7, 9, 20, np.inf]),
    "entr": unary(special.entr, [-1, 0, 1e-30, 1e-5, 0.3, 1, 2.5, 100, np.inf]),
    "xlogy": binary(special.xlogy, [[0], [1], [-2.5], [3]], [0, 1e-6, 0.5, 2, 100]),
    "xlog1py": binary(special.xlog1py, [[0], [1], [-2.5], [3]], [-0.999, 0, 1e-6, 0.5, 2, 100]),
    "betaln": binary(special.betaln, [[0.5], [1], [3.5], [20]], pos),
    "multigammaln3": unary(lambda a: special.multigammaln(a, 3), [1.01, 1.5, 2, 3.7, 10, 100]),
    "i0e": unary(special.i0e, [-50, -8.5, -8, -1, -1e-3, 0, 0.3, 2, 7.9, 8, 8.1, 30, 1e4]),
    "i1e": unary(special.i1e, [-50, -8.5, -8, -1, -1e-3, 0, 0.3, 2, 7.9, 8, 8.1, 30, 1e4]),
    "i0": unary(special.i0, [-20, -3, -0.5, 0, 0.5, 3, 9, 20]),
    "i1": unary(special.i1, [-20, -3, -0.5, 0, 0.5, 3, 9, 20]),
    "gammainc": binary(special.gammainc, [[1e-3], [0.5], [1], [3.5], [20], [500]], [0, 1e-4, 0.3, 1, 2.5, 4.5, 19, 30, 480, 600, np.inf]),
    "gammaincc": binary(special.gammaincc, [[1e-3], [0.5], [1], [3.5], [20], [500]], [0, 1e-4, 0.3, 1, 2.5, 4.5, 19, 30, 480, 600, np.inf]),
    "betainc": {"args": [rec(a) for a in np.broadcast_arrays(g32([[0.5], [1], [2.5], [30]]), g32([[[0.7]], [[4]]]), g32([-0.1, 0, 1e-4, 0.2, 0.5, 0.8, 0.999, 1]))],
                "out": rec(special.betainc(*np.broadcast_arrays(g32([[0.5], [1], [2.5], [30]]), g32([[[0.7]], [[4]]]), g32([-0.1, 0, 1e-4, 0.2, 0.5, 0.8, 0.999, 1]))))},
    # d/dx log Φ(x) = φ(x)/Φ(x), finite deep in the lower tail
    "log_ndtr_grad": unary(lambda x: np.exp(stats.norm.logpdf(x) - special.log_ndtr(x)), [-60, -30, -12, -3, 0, 8, 30]),
}

# ---- stats -------------------------------------------------------------------------------------

xs = g32([-5, -1.5, -0.2, 0, 0.3, 1, 2.5, 7])
q = g32([0, 1e-6, 0.05, 0.3, 0.5, 0.8, 0.999, 1])
stats_fx = []


def case(dist, fn, args, oracle):
    args = [g32(a) for a in args]
    b = np.broadcast_arrays(*args)
    with np.errstate(all="ignore"):
        out = oracle(*b)
    stats_fx.append({"dist": dist, "fn": fn, "args": [rec(a) for a in b], "out": rec(out)})


for fn in ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]:
    case("norm", fn, [xs, 0.5, 2.0], getattr(stats.norm, fn))
    case("norm", fn + "_std", [g32([-40, -12, -3, 0, 3, 12, 40])], getattr(stats.norm, fn))
for fn in ["ppf", "isf"]:
    case("norm", fn, [q, 0.5, 2.0], getattr(stats.norm, fn))
for fn in ["logpdf", "pdf", "cdf", "logcdf", "sf", "logsf"]:
    case("expon", fn, [xs, -0.5, 1.5], getattr(stats.expon, fn))
case("expon", "ppf", [q, -0.5, 1.5], stats.expon.ppf)
for fn in ["logpdf", "pdf", "cdf", "sf"]:
    case("logistic", fn, [g32([-100, -5, -1, 0, 0.3, 2, 50]), 0.5, 2.0], getattr(stats.logistic, fn))
for fn in ["ppf", "isf"]:
    case("logistic", fn, [q[1:-1], 0.5, 2.0], getattr(stats.logistic, fn))
for fn in ["logpdf", "pdf", "cdf"]:
    case("laplace", fn, [xs, 0.5, 2.0], getattr(stats.laplace, fn))
    case("cauchy", fn, [xs, 0.5, 2.0], getattr(stats.cauchy, fn))
# q = 1e-6 is left out: tan(π(q − ½)) is ill-conditioned there in float32 (as in JAX)
case("cauchy", "ppf", [q[2:-1], 0.5, 2.0], stats.cauchy.ppf)
for fn in ["logpdf", "pdf"]:
    case("t", fn, [xs, [[0.7], [3], [30]], 0.5, 2.0], getattr(stats.t, fn))
    case("gamma", fn, [g32([-1, 0.01, 0.5, 1, 3, 20]), [[0.5], [1], [4.5]], 0.0, 1.5], getattr(stats.gamma, fn))
    case("beta", fn, [g32([-0.1, 0.01, 0.3, 0.5, 0.99, 1.2]), [[0.5], [2]], [[1.5], [3]], 0, 1], getattr(stats.beta, fn))
    case("uniform", fn, [xs, -1.0, 3.0], getattr(stats.uniform, fn))
case("uniform", "cdf", [xs, -1.0, 3.0], stats.uniform.cdf)
case("uniform", "ppf", [g32([-0.5, 0, 0.3, 1, 1.5]), -1.0, 3.0], stats.uniform.ppf)
for fn in ["logpmf", "pmf"]:
    case("poisson", fn, [g32([-1, 0, 1, 2.5, 3, 10, 40]), [[0.5], [4], [30]], 0], getattr(stats.poisson, fn))
    case("bernoulli", fn, [g32([-1, 0, 1, 2]), [[0.1], [0.5], [0.9]], 0], getattr(stats.bernoulli, fn))
for fn in ["cdf", "logcdf", "sf", "logsf"]:
    case("gamma", fn, [g32([-1, 0, 0.01, 0.5, 1, 3, 20]), [[0.5], [1], [4.5]], 0.0, 1.5], getattr(stats.gamma, fn))
case("t", "cdf", [xs, [[0.7], [3], [30]], 0.5, 2.0], stats.t.cdf)
case("beta", "cdf", [g32([-0.1, 0.01, 0.3, 0.5, 0.99, 1.2]), [[0.5], [2]], [[1.5], [3]], 0, 1], stats.beta.cdf)
case("poisson", "cdf", [g32([-1, 0, 1, 2.5, 3, 10, 40]), [[0.5], [4], [30]], 0], stats.poisson.cdf)
case("bernoulli", "cdf", [g32([-1, 0, 0.5, 1, 2]), [[0.1], [0.5], [0.9]], 0], stats.bernoulli.cdf)

B = rng.normal(size=(3, 3)).astype(f32)
cov = (B @ B.T + 0.5 * np.eye(3)).astype(f32).astype(np.float64)
mean = g32(rng.normal(size=3))
mx = g32(rng.normal(size=(5, 3)))
mvn = {"x": rec(mx), "mean": rec(mean), "cov": rec(cov), "logpdf": rec(stats.multivariate_normal(mean, cov).logpdf(mx))}
alpha = g32([0.5, 2.0, 3.5])
dx = g32(rng.dirichlet([1, 1, 1], size=4).T[:2])
dx = np.concatenate([dx, 1 - dx.sum(0, keepdims=True)])  # the last row completes the simplex in float64
dirichlet = {"x": rec(dx), "alpha": rec(alpha), "logpdf": rec([stats.dirichlet.logpdf(dx[:, i], alpha) for i in range(4)])}

# ---- linalg ------------------------------------------------------------------------------------

n = 4
M = g32(rng.normal(size=(n, n)))
A = g32(rng.normal(size=(n, n)) + 3 * np.eye(n))
S = g32(M @ M.T + n * np.eye(n))
b = g32(rng.normal(size=(n, 2)))
bv = g32(rng.normal(size=n))
T = g32(np.tril(rng.normal(size=(n, n))) + 2 * np.eye(n))
lu, piv = sla.lu_factor(A)
E = g32(rng.normal(size=(n, n)) * 0.4)
E_big = g32(rng.normal(size=(n, n)) * 2.0)
linalg_fx = {
    "A": rec(A), "S": rec(S), "b": rec(b), "bv": rec(bv), "T": rec(T), "E": rec(E), "E_big": rec(E_big),
    "chol_upper": rec(sla.cholesky(S)),
    "chol_lower": rec(sla.cholesky(S, lower=True)),
    "cho_solve": rec(sla.cho_solve(sla.cho_factor(S), b)),
    "solve_tri_lower": rec(sla.solve_triangular(T, b, lower=True)),
    "solve_tri_lower_T": rec(sla.solve_triangular(T, b, lower=True, trans=1)),
    "solve_tri_upper_unit_vec": rec(sla.solve_triangular(T.T, bv, lower=False, unit_diagonal=True)),
    "lu": rec(lu), "piv": rec(piv),
    "lu_solve": rec(sla.lu_solve((lu, piv), b)),
    "lu_solve_T": rec(sla.lu_solve((lu, piv), b, trans=1)),
    "lu_solve_vec": rec(sla.lu_solve((lu, piv), bv)),
    "solve_gen": rec(sla.solve(A, b)),
    "solve_pos": rec(sla.solve(S, b, assume_a="pos")),
    "det": rec(sla.det(A)),
    "inv": rec(sla.inv(A)),
    "qr_r_abs": rec(np.abs(sla.qr(A)[1])),
    "eigh_w": rec(sla.eigh(S)[0]),
    "expm": rec(sla.expm(E)),
    "expm_big": rec(sla.expm(E_big)),
}

out = {"special": special_fx, "stats": stats_fx, "mvn": mvn, "dirichlet": dirichlet, "linalg": linalg_fx}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "scipy.json")
with open(path, "w") as fh:
    json.dump(out, fh, separators=(",", ":"))
    fh.write("\n")
print(f"wrote {path}")
