"""How nncalc writes one number: exactly (shortest round-trip text, integers
without '.0', never '-0') or to N decimals, and arrays as JSON-ready lists.

No table or output logic here; nncalc.cli.matrixtext and nncalc.cli.render build on these.
"""
import math

import numpy as np

INT_LIMIT = 2.0 ** 53   # beyond this a float may not be an exact integer
DEFAULT_DIGITS = 4      # decimals in text when --digits is not given



def _no_minus_zero(s):
    if s.startswith("-") and not any(c in "123456789" for c in s.split("e")[0]):
        return s[1:]
    return s


def as_numbers(values):
    """VALUES as a float64 array, or as exact integers when all are integers (int64, or
    Python ints beyond it): a size such as 2**53 + 1 must not print as 9007199254740992."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu" or (arr.dtype == object and arr.size and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in arr.flat)):
        big = arr.size and max(abs(int(v)) for v in arr.flat) > np.iinfo(np.int64).max
        return arr.astype(object if big else np.int64)
    return np.asarray(values, dtype=np.float64)


def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def exact(v):
    """Shortest text that reads back to the same float; integers without '.0' (exact)."""
    if _is_int(v):
        return str(int(v))
    v = float(v) + 0.0
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if v.is_integer() and abs(v) < INT_LIMIT:
        return str(int(v))
    return repr(v)


def rounded(v, digits):
    """``digits`` decimals; scientific notation where fixed would hide the value."""
    v = float(v)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    a = abs(v)
    if a >= 1e10 or (0 < a < 0.5 * 10.0 ** -digits):
        return _no_minus_zero(f"{v:.{digits}e}")
    return _no_minus_zero(f"{v:.{digits}f}")


def integral(arr):
    if arr.dtype.kind in "iuO":
        return True
    finite = arr[np.isfinite(arr)]
    return bool(np.all(finite == np.round(finite)) and np.all(np.abs(finite) < INT_LIMIT))


def column(values, digits=None):
    """Format one column of numbers: integers if all are, else ``digits`` decimals."""
    arr = as_numbers(values).ravel()
    if integral(arr):
        return [exact(v) for v in arr.tolist()]
    if digits is None:
        return [exact(v) for v in arr.tolist()]
    return [rounded(v, digits) for v in arr.tolist()]


def cells(values, digits):
    """Format a numeric column; None cells (blanks in grouped rows) stay empty."""
    if not any(v is None for v in values):
        return column(values, digits)
    idx = [i for i, v in enumerate(values) if v is not None]
    formatted = column([values[i] for i in idx], digits) if idx else []
    cells = [""] * len(values)
    for i, text in zip(idx, formatted):
        cells[i] = text
    return cells



def to_json(obj):
    """Arrays to nested lists (integers where exact), recursively through dicts and lists."""
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind in "iuO" and as_numbers(obj).dtype != np.float64:
            return [to_json(v) for v in obj] if obj.ndim > 1 else [int(v) for v in obj.flat]
        arr = obj.astype(np.float64) + 0.0
        if arr.size and integral(arr) and np.isfinite(arr).all():
            return arr.astype(np.int64).tolist()
        return arr.tolist()
    if isinstance(obj, dict):
        return {k: to_json(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [to_json(v) for v in obj]
    if isinstance(obj, (np.floating, float)):
        v = float(obj) + 0.0
        return int(v) if v.is_integer() and abs(v) < INT_LIMIT else v
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def dumps(obj, **kwargs):
    import json
    return json.dumps(to_json(obj), **kwargs)
