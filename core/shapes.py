"""Feature-map size arithmetic: the one place the output-size formula lives.

For one spatial dimension of length ``n``, kernel ``k``, stride ``s``, padding
``p_before + p_after`` (``2p`` when symmetric) and dilation ``d`` (1 = none):

    q   = (n + p_before + p_after - d*(k-1) - 1) / s      (exact Fraction)
    out = floor(q) + 1                                      (default)
    out = ceil(q) + 1                                       (ceil mode)

Ceil mode follows PyTorch's pooling rule: when the last window would *start*
at or beyond ``n + p_before`` (entirely in the trailing padding or past it),
it is dropped, i.e. ``if (out-1)*s >= n + p_before: out -= 1`` (one window at
most, exactly as PyTorch; with pooling's padding <= k/2 that is all it takes).

The ``outsize`` layer chain (tokens, shapes, parameters, MACs) is in
nncalc.core.chain, which applies this formula once per layer.
"""

from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral
import math

from nncalc.core.errors import InputError, Text


@dataclass(frozen=True)
class SizeRecord:
    """One dimension's output-size computation, ready to be shown step by step.

    ``size`` is the integer result; ``quotient`` the exact unrounded
    (n + p_before + p_after - d*(k-1) - 1)/s; ``whole`` whether it was an
    integer; ``rounding`` is "floor" or "ceil"; ``dropped_last`` is True when
    PyTorch's ceil-mode rule removed a window starting in the padding.
    """

    n: int
    k: int
    stride: int
    padding: tuple  # (before, after)
    dilation: int
    ceil: bool
    effective_kernel: int  # d*(k-1) + 1
    quotient: Fraction
    whole: bool
    rounding: str
    dropped_last: bool
    size: int


MAX_INT = 2 ** 63 - 1


def as_int(v, name, minimum=None):
    """Return ``v`` as an int; whole floats are accepted, anything else is an InputError.

    NAME is the field (``"stride"``, ``"output_padding"``): the error names it.
    """
    if type(v) is not int and (isinstance(v, bool) or not (isinstance(v, Integral) or
                                                         (isinstance(v, float) and v.is_integer()))):
        raise InputError("{name} must be a whole number, got {value!r}",
                         field=name, name=name, value=v)
    iv = int(v)
    if abs(iv) > MAX_INT:           # NumPy's sizes are int64; a 401-digit size has no float either
        raise InputError("{name} is too large: a {n}-digit number; at most 2^63 − 1 = {most:,}", field=name,
                         name=name, n=len(str(abs(iv))), most=MAX_INT)
    if minimum is not None and iv < minimum:
        word = {0: Text("non-negative"), 1: Text("positive")}.get(minimum) or Text("at least {m}", m=minimum)
        raise InputError("{name} must be {word}, got {value}",
                         field=name, name=name, word=word, value=iv)
    return iv


def pair(v, name, minimum=None):
    """Normalise an int or a 2-sequence to a (h, w) pair of ints."""
    if isinstance(v, (list, tuple)) or (hasattr(v, "shape") and getattr(v, "ndim", 0) == 1):
        vals = list(v)
        if len(vals) != 2:
            raise InputError("{name} must be one number or two (h, w), got {count} values", field=name,
                             name=name, count=len(vals))
        return tuple(as_int(a, name, minimum) for a in vals)
    iv = as_int(v, name, minimum)
    return (iv, iv)


def _side_padding(padding):
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise InputError("padding for one dimension is one number or (before, after)",
                             field="padding")
        return tuple(as_int(p, "padding", 0) for p in padding)
    p = as_int(padding, "padding", 0)
    return (p, p)


def out_size(n, k, stride=1, padding=0, dilation=1, ceil=False):
    """Output length of one dimension: floor/ceil((n + 2p - d(k-1) - 1)/s) + 1.

    ``padding`` is an int (both sides) or (before, after).  Raises InputError
    for stride <= 0, negative padding, dilation <= 0, kernel <= 0, n <= 0, or a
    dilated kernel longer than the padded input.
    """
    n = as_int(n, "input", 1)
    k = as_int(k, "kernel", 1)
    s = as_int(stride, "stride", 1)
    d = as_int(dilation, "dilation", 1)
    before, after = _side_padding(padding)
    eff = d * (k - 1) + 1
    padded = n + before + after
    # ceil mode (pooling) keeps a window that starts inside and runs off the end, as PyTorch
    # does, so a window longer than the input still fits there while eff < padded + s
    if eff > padded and not (ceil and eff < padded + s):
        if d == 1:      # an undilated kernel is its own size: '(dilated 3)' would only puzzle
            raise InputError("kernel {k} does not fit the padded input {padded}", field="kernel", k=k, padded=padded)
        raise InputError("kernel {k} (dilated {eff}) does not fit the padded input {padded}", field="kernel",
                         k=k, eff=eff, padded=padded)
    q = Fraction(padded - eff, s)
    whole = q.denominator == 1
    size = (math.ceil(q) if ceil else math.floor(q)) + 1
    dropped = False
    if ceil and (size - 1) * s >= n + before:
        size -= 1
        dropped = True
    return SizeRecord(n=n, k=k, stride=s, padding=(before, after), dilation=d, ceil=bool(ceil),
                      effective_kernel=eff, quotient=q, whole=whole,
                      rounding="ceil" if ceil else "floor", dropped_last=dropped, size=size)


def out_size2d(hw, khw, stride=1, padding=0, dilation=1, ceil=False):
    """Both spatial dimensions at once; returns (record_h, record_w).

    ``padding`` may be an int, (ph, pw) (symmetric per dimension) or
    (top, bottom, left, right).  The fit check names both dimensions:
    "kernel 5×5 does not fit the padded input 3×3", with "(dilated 9×9)" after the kernel
    when a dilation above 1 was given.
    """
    h, w = pair(hw, "input", 1)
    kh, kw = pair(khw, "kernel", 1)
    sh, sw = pair(stride, "stride", 1)
    dh, dw = pair(dilation, "dilation", 1)
    pt, pb, pl, pr = four_sides(padding)
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = h + pt + pb, w + pl + pr
    fits = [e <= p or (ceil and e < p + st) for e, p, st in ((eh, ph, sh), (ew, pw, sw))]
    if not all(fits):
        if dh == dw == 1:
            raise InputError("kernel {kh}×{kw} does not fit the padded input {ph}×{pw}",
                             field="kernel", kh=kh, kw=kw, ph=ph, pw=pw)
        raise InputError("kernel {kh}×{kw} (dilated {eh}×{ew}) does not fit the padded input {ph}×{pw}",
                         field="kernel", kh=kh, kw=kw, eh=eh, ew=ew, ph=ph, pw=pw)
    return (out_size(h, kh, sh, (pt, pb), dh, ceil), out_size(w, kw, sw, (pl, pr), dw, ceil))


def four_sides(padding):
    """Padding per side (top, bottom, left, right) from an int, (ph, pw) or a 4-sequence."""
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return tuple(as_int(p, "padding", 0) for p in padding)
    ph, pw = pair(padding, "padding", 0)
    return (ph, ph, pw, pw)


def padding_sides(padding, hw, kernel, stride=1, dilation=1):
    """Padding per side (top, bottom, left, right) from an int, (ph, pw), a 4-tuple,
    "valid" (none) or "same" (out = ceil(in/stride), odd extra on bottom/right)."""
    if isinstance(padding, str):
        mode = padding.strip().lower()
        if mode == "valid":
            return (0, 0, 0, 0)
        if mode == "same":
            (sh, sw), (dh, dw) = pair(stride, "stride", 1), pair(dilation, "dilation", 1)
            kh, kw = pair(kernel, "kernel", 1)
            return same_padding(hw[0], kh, sh, dh) + same_padding(hw[1], kw, sw, dw)
        raise InputError("padding must be a number, (ph, pw), 'same' or 'valid', got {padding!r}",
                         field="padding", padding=padding)
    return four_sides(padding)


def same_padding(n, k, stride=1, dilation=1):
    """(before, after) padding so that out = ceil(n / stride) (TensorFlow/Keras "same").

    total = max((out-1)*s + d*(k-1) + 1 - n, 0); before = total // 2, the odd
    extra zero goes after (bottom/right).
    """
    n = as_int(n, "input", 1)
    k = as_int(k, "kernel", 1)
    s = as_int(stride, "stride", 1)
    d = as_int(dilation, "dilation", 1)
    out = -(-n // s)
    total = max((out - 1) * s + d * (k - 1) + 1 - n, 0)
    return (total // 2, total - total // 2)


def transposed_size(i, k, s=1, p=0, d=1, output_padding=0):
    """Transposed-convolution output: (i-1)*s - 2p + d*(k-1) + output_padding + 1.

    As in PyTorch, output_padding must be smaller than the stride or the dilation.
    """
    i = as_int(i, "input", 1)
    k = as_int(k, "kernel", 1)
    s = as_int(s, "stride", 1)
    p = as_int(p, "padding", 0)
    d = as_int(d, "dilation", 1)
    op = as_int(output_padding, "output_padding", 0)
    if op >= max(s, d):
        raise InputError("output padding {op} must be smaller than the stride ({s}) or the dilation ({d})",
                         field="output_padding", op=op, s=s, d=d)
    size = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
    if size <= 0:
        raise InputError("transposed output size would be {size}; padding {p} is too large", field="padding",
                         size=size, p=p)
    return size
