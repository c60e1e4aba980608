"""JSON encoding shared by the fixture scripts that write non-finite floats as strings.

enc(v): a JSON-safe scalar: bools and integers as themselves, floats as numbers except NaN and
the infinities, written as the strings "nan", "inf" and "-inf" (the tests decode them).
"""
import math

import numpy as np


def enc(v):
    """JSON-safe scalar."""
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    v = float(v)
    if math.isnan(v):
        return "nan"
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    return v
