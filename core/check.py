"""Checking an answer: expected numbers against computed ones, each to the precision it was written with.

Tolerance rule (``allowed`` for one expected value e):

    written with a decimal point or an exponent   half a unit of its last written digit:
                                                  0.731 -> 0.0005, 7.3e-1 -> 0.005, 2.0 -> 0.05
    written as an integer (or '2.' as NumPy       exact up to float rounding: 1e-9·|e|
    prints 2.0), or read from .npy /
    JSON objects (no digits to go by)             (1e-12 when e is 0)
    tol / rtol given                              tol + rtol·|e|   (numpy's assert_allclose form)

The relative part is taken of the EXPECTED value (as numpy's ``desired``;
pytest's approx divides by the obtained one).  A value matches when
|got − e| ≤ allowed (within float rounding of the bound itself); infinities
match only the same infinity.  Shapes must agree once leading axes of length
1 are dropped on both sides (``1 2 3`` is a 1×3 row; ``44`` one number).
"""
from dataclasses import dataclass, field
import re

import numpy as np

from nncalc.core.errors import InputError, Text, shape_text
from nncalc.core.parse import _NUMBER, fold_full_width     # the grammar's own number literal

EXACT_RTOL = 1e-9
ZERO_ATOL = 1e-12                   # a computed zero may carry float rounding
_KEY = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)=(.*)", re.S)     # a mistyped key is still a key
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
# a number inside a word (float64, x2) is not one the parser reads
_WRITTEN = re.compile(r"(?<![\w.])(?:" + _NUMBER.pattern + r")(?![\w.])", _NUMBER.flags)


@dataclass(frozen=True)
class Expected:
    """What one expectation asks: ``values`` at ``key``, each within its own ``allowed``
    (None: to be decided by tol/rtol or the exact rule); ``written`` keeps the user's text."""

    key: str
    values: np.ndarray
    allowed: np.ndarray = None
    written: list = None

    @property
    def rule(self):
        return "digits" if self.allowed is not None else "exact"


@dataclass(frozen=True)
class Mismatch:
    key: str
    position: tuple          # index into the computed value (its own shape)
    expected: float
    got: float
    difference: float        # got − expected
    allowed: float
    written: str = None      # the expected number as the user wrote it
    single: bool = False     # the value is one number: no index needed to name it


@dataclass(frozen=True)
class Outcome:
    """The check of one key: how many values, the shapes, and what differs."""

    key: str
    checked: int
    expected_shape: tuple
    got_shape: tuple
    shape_ok: bool
    rule: str                # "digits", "exact" or "given" (None: the shapes differ)
    mismatches: list = field(default_factory=list)

    @property
    def ok(self):
        return self.shape_ok and not self.mismatches


# --------------------------------------------------------------- the written digits

def split_key(spec):
    """'grad_input=1 2; 3 4' -> ('grad_input', '1 2; 3 4'); no KEY= -> ('result', spec)."""
    m = _KEY.fullmatch(spec.strip()) if "=" in spec else None
    return (m.group(1), m.group(2)) if m else ("result", spec)


def half_unit(token):
    """Half a unit of the last written digit of a decimal literal, or None for an integer or inf."""
    t = token.strip().lstrip("+-").lower()
    mantissa, _, exponent = t.partition("e")
    if not exponent and (mantissa.endswith(".") or "." not in mantissa):
        return None          # an integer, NumPy's '2.' for 2.0, or inf: the exact rule
    decimals = len(mantissa.partition(".")[2])
    return 0.5 * 10.0 ** (int(exponent or 0) - decimals)


def written_allowed(text, values):
    """Per-value allowed differences from the digits in TEXT, or None when the numbers in
    TEXT cannot be matched one to one, in order, with the parsed ``values``."""
    flat = np.asarray(values, dtype=np.float64).ravel()
    if text.lstrip().startswith("{"):                   # a JSON object: other numbers beside "result"
        return None, None
    text = fold_full_width(text)
    text = "\n".join(line.split("#", 1)[0] for line in text.split("\n"))
    for candidate in (text, _DECIMAL_COMMA.sub(".", text)):      # decimal commas: a sheet
        tokens = _WRITTEN.findall(candidate)
        if len(tokens) == flat.size and all(float(t) == v for t, v in zip(tokens, flat.tolist())):
            allowed = [half_unit(t) for t in tokens]
            exact = [_exact_allowed(v) for v in flat.tolist()]
            arr = np.array([a if a is not None else e for a, e in zip(allowed, exact)])
            return arr.reshape(np.shape(values)), tokens
    return None, None


def _exact_allowed(v):
    return EXACT_RTOL * abs(v) if v != 0 else ZERO_ATOL


def expected_from_text(key, text, values):
    allowed, tokens = written_allowed(text, values)
    return Expected(key, np.asarray(values, dtype=np.float64), allowed, tokens)


# --------------------------------------------------------------- finding a key

def lookup(data, path):
    """The value at a dotted PATH of a JSON-like dict ('gradients.weights.0')."""
    node, done = data, []
    for part in path.split("."):
        if isinstance(node, dict):
            if part not in node:
                where = f" in '{'.'.join(done)}'" if done else ""
                raise InputError("unknown key '{key}'{where}; the keys are: {keys}", code="unknown_key",
                                 key=path, where=where, keys=", ".join(node))
            node = node[part]
        elif isinstance(node, (list, tuple)):
            if not node:
                raise InputError("'{at}' is an empty list", code="unknown_key", at=".".join(done))
            if not part.isdigit() or int(part) >= len(node):
                raise InputError("'{at}' is a list of {n}; follow it with an index 0 to {last}",
                                 code="unknown_key", at=".".join(done), n=len(node), last=len(node) - 1)
            node = node[int(part)]
        else:
            raise InputError("'{at}' is a single value; it has no key '{part}'", code="unknown_key",
                             at=".".join(done), part=part)
        done.append(part)
    return numeric(node, path)


def numeric(value, path):
    """VALUE as a float array, or InputError saying what it is instead."""
    if isinstance(value, dict):
        raise InputError("'{path}' holds several values; add one of its keys: {keys}", code="not_numeric",
                         path=path, keys=", ".join(f"{path}.{k}" for k in value))
    if isinstance(value, str) or value is None:
        raise InputError("'{path}' is {what}, not numbers",
            code="not_numeric", path=path, what=Text("the text '{value}'", value=value) if isinstance(value, str) else "null")
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], dict):
        raise InputError("'{path}' is a list of {n} objects; add an index and a key: {keys}",
            code="not_numeric", path=path, n=len(value), keys=", ".join(f"{path}.0.{k}" for k in value[0]))
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        n = len(value)
        raise InputError("'{path}' is a list of {n} values of different shapes; add an index: {path}.0 … "
                         "{path}.{last}",
                         code="not_numeric", path=path, n=n, last=n - 1) from None
    return arr


# --------------------------------------------------------------- comparing

def _core_shape(shape):
    shape = tuple(int(s) for s in shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def compare(expected, got, tol=None, rtol=None):
    """Compare an Expected with the computed array GOT; returns an Outcome (never raises)."""
    got = np.asarray(got, dtype=np.float64)
    exp = expected.values
    if _core_shape(exp.shape) != _core_shape(got.shape):
        return Outcome(expected.key, 0, exp.shape, got.shape, False, None)
    e = exp.reshape(got.shape)
    if tol is not None or rtol is not None:
        allowed, rule = (tol or 0.0) + (rtol or 0.0) * np.abs(e), "given"
    elif expected.allowed is not None:
        allowed, rule = expected.allowed.reshape(got.shape), "digits"
    else:
        allowed, rule = np.where(e == 0, ZERO_ATOL, EXACT_RTOL * np.abs(e)), "exact"
    with np.errstate(invalid="ignore"):
        allowed = np.where(np.isfinite(e), allowed, 0.0)     # an infinity matches only itself
        diff = got - e
        same = (got == e) | (np.abs(diff) <= allowed * (1 + 1e-9))   # inf == inf; nan never
    written = (np.array(expected.written, dtype=object).reshape(got.shape)
               if expected.written is not None else None)
    bad = []
    for pos in np.argwhere(~same):             # rows of indices; () for a 0-d value
        pos = tuple(int(p) for p in pos)
        bad.append(Mismatch(expected.key, pos, float(e[pos]), float(got[pos]),
                            float(diff[pos]), float(np.broadcast_to(allowed, got.shape)[pos]),
                            None if written is None else str(written[pos]).strip(), got.size == 1))
    return Outcome(expected.key, int(got.size), exp.shape, got.shape, True, rule, bad)


def shape_phrase(shape):
    """'2×3', 'a vector of 3', 'a single number' for messages about a shape."""
    shape = tuple(shape)
    if _core_shape(shape) == ():
        return Text("a single number")
    if len(shape) == 1:
        return Text("a vector of {n}", n=shape[0])
    return shape_text(shape)


def position_text(mismatch):
    """'result[1,1]' as cmp-style lines name a value; a single number is just its key."""
    if mismatch.single or not mismatch.position:
        return mismatch.key
    return f"{mismatch.key}[{','.join(map(str, mismatch.position))}]"


__all__ = ["Expected", "Mismatch", "Outcome", "split_key", "half_unit", "written_allowed",
           "expected_from_text", "lookup", "numeric", "compare", "shape_phrase", "position_text"]
