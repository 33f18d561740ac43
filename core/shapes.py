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

The ``outsize`` layer chain (parse_chain / summarise_chain) is here too,
because every row of its table is one application of the formula.
"""

from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral
import math

from nncalc.core.errors import InputError


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


def _arg(name):
    return "--" + name.lstrip("-").replace("_", "-")


def as_int(v, name, minimum=None):
    """Return ``v`` as an int; whole floats are accepted, anything else is an InputError."""
    if isinstance(v, bool):
        raise InputError(f"{name.lstrip('-')} must be a whole number, got {v!r}", arg=_arg(name))
    if isinstance(v, Integral):
        iv = int(v)
    elif isinstance(v, float) and v.is_integer():
        iv = int(v)
    else:
        raise InputError(f"{name.lstrip('-')} must be a whole number, got {v!r}", arg=_arg(name))
    if minimum is not None and iv < minimum:
        word = "positive" if minimum == 1 else f"at least {minimum}"
        if minimum == 0:
            word = "non-negative"
        raise InputError(f"{name.lstrip('-')} must be {word}, got {iv}", arg=_arg(name))
    return iv


def pair(v, name, minimum=None):
    """Normalise an int or a 2-sequence to a (h, w) pair of ints."""
    if isinstance(v, (list, tuple)) or (hasattr(v, "shape") and getattr(v, "ndim", 0) == 1):
        vals = list(v)
        if len(vals) != 2:
            raise InputError(
                f"{name.lstrip('-')} must be one number or two (h, w), got {len(vals)} values",
                arg=_arg(name))
        return tuple(as_int(a, name, minimum) for a in vals)
    iv = as_int(v, name, minimum)
    return (iv, iv)


def _side_padding(padding):
    if isinstance(padding, (tuple, list)):
        if len(padding) != 2:
            raise InputError("padding for one dimension is one number or (before, after)",
                             arg="--padding")
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
    if eff > padded:
        raise InputError(
            f"kernel {k} (dilated {eff}) does not fit the padded input {padded}", arg="--kernel")
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
    "kernel 5×5 (dilated 5×5) does not fit the padded input 3×3".
    """
    h, w = pair(hw, "input", 1)
    kh, kw = pair(khw, "kernel", 1)
    sh, sw = pair(stride, "stride", 1)
    dh, dw = pair(dilation, "dilation", 1)
    pt, pb, pl, pr = four_sides(padding)
    eh, ew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    ph, pw = h + pt + pb, w + pl + pr
    if eh > ph or ew > pw:
        raise InputError(
            f"kernel {kh}×{kw} (dilated {eh}×{ew}) does not fit the padded input {ph}×{pw}",
            arg="--kernel")
    return (out_size(h, kh, sh, (pt, pb), dh, ceil), out_size(w, kw, sw, (pl, pr), dw, ceil))


def four_sides(padding):
    """Padding per side (top, bottom, left, right) from an int, (ph, pw) or a 4-sequence."""
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        return tuple(as_int(p, "padding", 0) for p in padding)
    ph, pw = pair(padding, "padding", 0)
    return (ph, ph, pw, pw)


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
        raise InputError(
            f"output padding {op} must be smaller than the stride ({s}) or the dilation ({d})",
            arg="--output-padding")
    size = (i - 1) * s - 2 * p + d * (k - 1) + op + 1
    if size <= 0:
        raise InputError(f"transposed output size would be {size}; padding {p} is too large",
                         arg="--padding")
    return size


# ---------------------------------------------------------------- layer chains


_FIELDS = {
    "conv": ("out", "k", "s", "p", "d"),
    "pool": ("k", "s", "p"),
    "fc": ("out",),
    "flatten": (),
}
_ALIASES = {"conv2d": "conv", "maxpool": "pool", "avgpool": "pool", "pool2d": "pool",
            "linear": "fc", "dense": "fc", "fc": "fc", "conv": "conv", "pool": "pool",
            "flatten": "flatten"}
_EXPECTED = {
    "conv": "conv:OUT,K[,S,P,D] or conv:out=OUT,k=K,s=S,p=P,d=D",
    "pool": "pool:K[,S,P][,ceil] or pool:k=K,s=S,p=P[,ceil]",
    "fc": "fc:OUT or fc:out=OUT",
    "flatten": "flatten (no arguments)",
}


@dataclass(frozen=True)
class Layer:
    """One parsed chain token: kind is conv, pool, fc, flatten or activation."""

    token: str
    kind: str
    params: dict


@dataclass(frozen=True)
class LayerRow:
    """One row of the chain summary."""

    index: int
    layer: Layer
    input_shape: tuple
    output_shape: tuple
    params: int
    macs: int
    sizes: tuple  # (SizeRecord h, SizeRecord w) for conv/pool, else ()
    note: str


@dataclass(frozen=True)
class ChainSummary:
    input_shape: tuple
    rows: list
    output_shape: tuple
    total_params: int
    total_macs: int


def _known_activation(name):
    """Activation layers in a chain are the functions `activate` knows, nothing else."""
    from nncalc.core import activations
    return activations.canonical(name) is not None


def _token_value(raw, key, token, expected):
    text = raw.strip().replace("×", "x")
    parts = text.split("x") if key == "k" else [text]
    try:
        vals = [int(v) for v in parts]
    except ValueError:
        raise InputError(f"bad value {raw!r} for {key} in {token!r}; expected {expected}",
                         arg="--layers") from None
    if len(vals) > 2:
        raise InputError(f"bad value {raw!r} for {key} in {token!r}; expected {expected}",
                         arg="--layers")
    return vals[0] if len(vals) == 1 else tuple(vals)


def parse_layer(token):
    """Parse one chain token such as "conv:6,5", "pool:k=2,ceil", "fc:out=10", "relu"."""
    tok = token.strip()
    head, _, rest = tok.partition(":")
    name = head.strip().lower()
    if name not in _ALIASES:
        if not rest and _known_activation(name):
            return Layer(token=tok, kind="activation", params={"name": name})
        raise InputError(
            f"unknown layer {tok!r}; expected conv:..., pool:..., fc:..., flatten "
            "or an activation name", arg="--layers")
    kind = _ALIASES[name]
    expected = _EXPECTED[kind]
    fields = _FIELDS[kind]
    params = {"mode": "avg" if name == "avgpool" else "max"} if kind == "pool" else {}
    params["ceil"] = False if kind == "pool" else None
    positional = 0
    for item in [i for i in rest.split(",") if i.strip()] if rest else []:
        item = item.strip()
        if kind == "pool" and item.lower() == "ceil":
            params["ceil"] = True
            continue
        if "=" in item:
            key, _, raw = item.partition("=")
            key = key.strip().lower()
            if key not in fields:
                raise InputError(f"unknown field {key!r} in {tok!r}; expected {expected}",
                                 arg="--layers")
        else:
            if positional >= len(fields):
                raise InputError(f"too many values in {tok!r}; expected {expected}",
                                 arg="--layers")
            key, raw = fields[positional], item
            positional += 1
        params[key] = _token_value(raw, key, tok, expected)
    if params["ceil"] is None:
        del params["ceil"]
    required = {"conv": ("out", "k"), "pool": ("k",), "fc": ("out",), "flatten": ()}[kind]
    missing = [f for f in required if f not in params]
    if missing:
        raise InputError(f"{tok!r} is missing {', '.join(missing)}; expected {expected}",
                         arg="--layers")
    return Layer(token=tok, kind=kind, params=params)


def parse_chain(chain):
    """Parse a chain given as one string (tokens separated by spaces, '->' or '|') or a list."""
    if isinstance(chain, str):
        chain = chain.replace("->", " ").replace("|", " ").split()
    layers = [parse_layer(t) for t in chain]
    if not layers:
        raise InputError("the layer chain is empty", arg="--layers")
    return layers


def _spatial_row(i, layer, shape):
    if len(shape) != 3:
        raise InputError(f"layer {layer.token!r} needs a C×H×W input, but its input is "
                         f"{'×'.join(map(str, shape))}", arg="--layers")
    c, h, w = shape
    p = layer.params
    k = pair(p["k"], "kernel", 1)
    if layer.kind == "conv":
        rh, rw = out_size2d((h, w), k, p.get("s", 1), p.get("p", 0), p.get("d", 1))
        out = as_int(p["out"], "out", 1)
        params = out * (c * k[0] * k[1] + 1)
        macs = out * rh.size * rw.size * c * k[0] * k[1]
        return LayerRow(i, layer, shape, (out, rh.size, rw.size), params, macs, (rh, rw), "")
    pads = pair(p.get("p", 0), "padding", 0)
    if pads[0] > k[0] // 2 or pads[1] > k[1] // 2:
        raise InputError(f"pool padding {pads[0]}×{pads[1]} must be at most half the window "
                         f"{k[0]}×{k[1]} (as PyTorch requires)", arg="--layers")
    rh, rw = out_size2d((h, w), k, p.get("s", p["k"]), pads, 1, p.get("ceil", False))
    return LayerRow(i, layer, shape, (c, rh.size, rw.size), 0, 0, (rh, rw), "")


def summarise_chain(input_shape, layers):
    """Shapes, parameter counts and multiply-adds through a chain of layers.

    conv: params out*(in*kh*kw + 1), MACs out*OH*OW*in*kh*kw; fc: params
    out*(in + 1), MACs in*out; pool, flatten and activations: 0.  An fc layer
    after a C×H×W shape flattens it implicitly (noted in the row).
    """
    if isinstance(layers, (str,)) or (layers and not isinstance(layers[0], Layer)):
        layers = parse_chain(layers)
    shape = tuple(as_int(v, "input", 1) for v in input_shape)
    if len(shape) not in (1, 3):
        raise InputError("input shape must be C×H×W or (features,), got "
                         f"{len(shape)} numbers", arg="--input")
    start, rows = shape, []
    for i, layer in enumerate(layers, 1):
        if layer.kind in ("conv", "pool"):
            try:
                row = _spatial_row(i, layer, shape)
            except InputError as exc:   # name the token, not an option chains don't take
                raise InputError(f"layer {i} {layer.token!r}: {exc.message}", arg="--layers") from None
        elif layer.kind == "fc":
            features = math.prod(shape)
            out = as_int(layer.params["out"], "out", 1)
            note = f"flattens {'×'.join(map(str, shape))} → {features}" if len(shape) > 1 else ""
            row = LayerRow(i, layer, shape, (out,), out * (features + 1), features * out, (), note)
        elif layer.kind == "flatten":
            row = LayerRow(i, layer, shape, (math.prod(shape),), 0, 0, (), "")
        else:
            row = LayerRow(i, layer, shape, shape, 0, 0, (), "")
        rows.append(row)
        shape = row.output_shape
    return ChainSummary(input_shape=start, rows=rows, output_shape=shape,
                        total_params=sum(r.params for r in rows),
                        total_macs=sum(r.macs for r in rows))
