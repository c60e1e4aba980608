"""Fixtures for test/transforms/custom_derivatives.test.ts (writes
test/fixtures/custom_derivatives.json).

gamma_second: second derivatives in `a` of Gamma(a, 1) samples at fixed CDF value, the
derivative of the implicit reparameterization gradient that jaxts attaches to random.gamma /
random.loggamma with customJvp (JAX's random_gamma_p jvp rule, differentiated once more).

  key_seed, alphas   the draws are gamma(PRNGKey(key_seed), alphas) (reference sampler,
                     partitionable scheme, as scripts/gen_random_fixtures.py)
  gamma              the float32 samples x
  gamma_d2           d^2 x / da^2 at fixed u = P(a, x)
  loggamma           the float32 samples y = log x of loggamma(PRNGKey(key_seed), alphas)
  loggamma_d2        d^2 y / da^2 at fixed u = P(a, exp(y))

With P the regularized lower incomplete gamma function and x(a) defined by P(a, x(a)) = u:
x' = -P_a / P_x and x'' = -(P_aa + 2 P_ax x' + P_xx x'^2) / P_x; for y = log x,
y'' = x'' / x - (x' / x)^2. The partial derivatives are mpmath's numerical derivatives at 40
digits.
"""

from __future__ import annotations

import json
import os
import sys

import mpmath as mp
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import random_ref as R  # noqa: E402

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "custom_derivatives.json")
ALPHAS = [0.5, 1.5, 3.0, 10.0]


def second_derivative(a: float, x: float) -> tuple[float, float]:
    """(x'', x') of the Gamma(a) quantile at fixed CDF value, at the sample x."""
    mp.mp.dps = 40
    a, x = mp.mpf(a), mp.mpf(x)

    def P(s, t):
        return mp.gammainc(s, 0, t, regularized=True)

    pa = mp.diff(P, (a, x), (1, 0))
    px = mp.diff(P, (a, x), (0, 1))
    paa = mp.diff(P, (a, x), (2, 0))
    pax = mp.diff(P, (a, x), (1, 1))
    pxx = mp.diff(P, (a, x), (0, 2))
    d1 = -pa / px
    d2 = -(paa + 2 * pax * d1 + pxx * d1 * d1) / px
    return float(d2), float(d1)


def main() -> None:
    a = np.repeat(np.array(ALPHAS, np.float32), 2)
    k = R.PRNGKey(0)
    with R.scheme(True):
        g = R.gamma(k, a)
        lg = R.loggamma(k, a)
    gamma_d2 = [second_derivative(float(ai), float(xi))[0] for ai, xi in zip(a, g)]
    loggamma_d2 = []
    for ai, yi in zip(a, lg):
        x = float(np.exp(np.float64(yi)))
        d2, d1 = second_derivative(float(ai), x)
        loggamma_d2.append(d2 / x - (d1 / x) ** 2)
    data = {
        "meta": {"generator": "scripts/gen_custom_derivatives_fixtures.py"},
        "gamma_second": {
            "key_seed": 0,
            "alphas": [float(v) for v in a],
            "gamma": [float(v) for v in g],
            "gamma_d2": gamma_d2,
            "loggamma": [float(v) for v in lg],
            "loggamma_d2": loggamma_d2,
        },
    }
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1)
        fh.write("\n")
    print(f"wrote {os.path.relpath(OUT)}")


if __name__ == "__main__":
    main()
