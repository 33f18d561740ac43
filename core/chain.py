"""Layer chains for `outsize`: parse tokens such as ``conv:6,5`` or ``pool:k=2,ceil``
and follow a shape through them, with parameter counts and multiply-adds.

Every spatial row is one application of the size formula in nncalc.core.shapes.
"""

from dataclasses import dataclass
import math

from nncalc.core.errors import N_, InputError, Text, shape_text
from nncalc.core.shapes import as_int, out_size2d, padding_sides, pair

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
    "conv": Text("conv:OUT,K[,S,P,D] or conv:out=OUT,k=K,s=S,p=P,d=D (P may be same or valid)"),
    "pool": Text("pool:K[,S,P][,ceil] or pool:k=K,s=S,p=P[,ceil]"),
    "fc": Text("fc:OUT or fc:out=OUT"),
    "flatten": Text("flatten (no arguments)"),
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
    if key == "p" and text.lower() in ("same", "valid"):
        return text.lower()
    parts = text.split("x") if key == "k" else [text]
    try:
        vals = [int(v) for v in parts]
    except ValueError:
        vals = ()
    if not 1 <= len(vals) <= 2:
        raise InputError("bad value {raw!r} for {key} in {token!r}; expected {expected}", field="layers",
                         raw=raw, key=key, token=token, expected=expected)
    return vals[0] if len(vals) == 1 else tuple(vals)


def parse_layer(token):
    """Parse one chain token such as "conv:6,5", "pool:k=2,ceil", "fc:out=10", "relu"."""
    tok = token.strip()
    head, _, rest = tok.partition(":")
    name = head.strip().lower()
    if name not in _ALIASES:
        if not rest and _known_activation(name):
            return Layer(token=tok, kind="activation", params={"name": name})
        raise InputError("unknown layer {token!r}; expected conv:..., pool:..., fc:..., flatten or an "
                         "activation name", field="layers", token=tok)
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
                raise InputError("unknown field {key!r} in {token!r}; expected {expected}", field="layers",
                                 key=key, token=tok, expected=expected)
        else:
            if positional >= len(fields):
                raise InputError("too many values in {token!r}; expected {expected}", field="layers",
                                 token=tok, expected=expected)
            key, raw = fields[positional], item
            positional += 1
        params[key] = _token_value(raw, key, tok, expected)
    if params["ceil"] is None:
        del params["ceil"]
    required = {"conv": ("out", "k"), "pool": ("k",), "fc": ("out",), "flatten": ()}[kind]
    missing = [f for f in required if f not in params]
    if missing:
        raise InputError("{token!r} is missing {missing}; expected {expected}", field="layers", token=tok,
                         missing=", ".join(missing), expected=expected)
    return Layer(token=tok, kind=kind, params=params)


def parse_chain(chain):
    """Parse a chain given as one string (tokens separated by spaces, '->' or '|') or a list."""
    if isinstance(chain, str):
        chain = chain.replace("->", " ").replace("|", " ").split()
    layers = [parse_layer(t) for t in chain]
    if not layers:
        raise InputError("the layer chain is empty", field="layers")
    return layers


def _spatial_row(i, layer, shape):
    if len(shape) != 3:
        raise InputError("layer {token!r} needs a C×H×W input, but its input is {shape}", field="layers",
                         token=layer.token, shape=shape_text(shape))
    c, h, w = shape
    p = layer.params
    k = pair(p["k"], "kernel", 1)
    if layer.kind == "conv":
        stride, dilation = pair(p.get("s", 1), "stride", 1), pair(p.get("d", 1), "dilation", 1)
        pads = padding_sides(p.get("p", 0), (h, w), k, stride, dilation)    # 'same' as `conv --padding same`
        rh, rw = out_size2d((h, w), k, stride, pads, dilation)
        out = as_int(p["out"], "out", 1)
        params = out * (c * k[0] * k[1] + 1)
        macs = out * rh.size * rw.size * c * k[0] * k[1]
        return LayerRow(i, layer, shape, (out, rh.size, rw.size), params, macs, (rh, rw), "")
    if isinstance(p.get("p"), str):
        raise InputError("p={p}: pooling padding is a number (same/valid are for conv layers)",
                         field="layers", p=p["p"])
    pads = pair(p.get("p", 0), "padding", 0)
    if pads[0] > k[0] // 2 or pads[1] > k[1] // 2:
        raise InputError("pool padding {ph}×{pw} must be at most half the window {kh}×{kw} (as PyTorch "
                         "requires)", field="layers", ph=pads[0], pw=pads[1], kh=k[0], kw=k[1])
    rh, rw = out_size2d((h, w), k, p.get("s", p["k"]), pads, 1, p.get("ceil", False))
    return LayerRow(i, layer, shape, (c, rh.size, rw.size), 0, 0, (rh, rw), "")


FLATTEN_NOTE = N_("flattens {shape} → {features}")     # an fc row after a C×H×W shape


def _row(i, layer, shape):
    if layer.kind in ("conv", "pool"):
        return _spatial_row(i, layer, shape)
    if layer.kind == "fc":
        features = math.prod(shape)
        out = as_int(layer.params["out"], "out", 1)
        note = Text(FLATTEN_NOTE, shape=shape_text(shape), features=features) if len(shape) > 1 else ""
        return LayerRow(i, layer, shape, (out,), out * (features + 1), features * out, (), note)
    if layer.kind == "flatten":
        return LayerRow(i, layer, shape, (math.prod(shape),), 0, 0, (), "")
    return LayerRow(i, layer, shape, shape, 0, 0, (), "")


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
        raise InputError("input shape must be C×H×W or (features,), got {n} numbers",
                         field="input", n=len(shape))
    start, rows = shape, []
    for i, layer in enumerate(layers, 1):
        try:
            row = _row(i, layer, shape)
        except InputError as exc:   # the token is at fault, not an option chains don't take
            raise InputError("layer {i} {token!r}: {message_}",
                             field="layers", i=i, token=layer.token, message_=exc.text) from None
        rows.append(row)
        shape = row.output_shape
    return ChainSummary(input_shape=start, rows=rows, output_shape=shape,
                        total_params=sum(r.params for r in rows),
                        total_macs=sum(r.macs for r in rows))


@dataclass(frozen=True)
class ParamTerms:
    """Where a row's parameter count comes from: (product of factors + 1 bias)·outputs.

    conv: factors (kh, kw, in_channels); fc: (in_features,); a layer without
    weights has no factors and total 0.
    """

    factors: tuple
    outputs: int
    total: int


def param_terms(row):
    """The ParamTerms of one LayerRow (the same count as row.params, shown as its factors)."""
    if row.layer.kind == "conv":
        factors = (row.sizes[0].k, row.sizes[1].k, row.input_shape[0])
    elif row.layer.kind == "fc":
        factors = (math.prod(row.input_shape),)
    else:
        return ParamTerms((), 0, 0)
    out = row.output_shape[0]
    return ParamTerms(factors, out, (math.prod(factors) + 1) * out)
