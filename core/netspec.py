"""What a network is, layer by layer: the --net JSON layer types, their shapes, random starts.

Layer specs (dense is core/netio.py's ``Layer``, kept as it was):

    {"type": "dense", "weights": out×in, "bias": …, "activation": …}   (a layer without "type")
    {"type": "conv", "kernels": F×C×kh×kw or kh×kw, "bias": one per filter, "stride": 1,
     "padding": 0 | [ph, pw] | [top, bottom, left, right] | "same" | "valid", "dilation": 1,
     "activation": "identity"}
    {"type": "pool", "mode": "max" | "avg", "size": 2, "stride": size, "padding": 0}
    {"type": "flatten"}                            N×C×H×W → N×(C·H·W), row-major
    {"type": "activation", "function": "relu"}

Errors name fields ``layers[i].key`` with i counted from 1, as the messages count layers.
"""
from dataclasses import dataclass, field
import math

import numpy as np

from nncalc.core.errors import InputError, Plural, Text, shape_text, suggest

TYPES = ("dense", "conv", "pool", "flatten", "activation")
_TYPE_NAMES_ELSEWHERE = {"convolution": "conv", "conv2d": "conv", "linear": "dense", "fc": "dense",
                         "maxpool": "pool", "avgpool": "pool", "maxpool2d": "pool", "avgpool2d": "pool"}
SPATIAL = ("conv", "pool")


@dataclass
class ConvSpec:
    kernels: np.ndarray
    bias: np.ndarray
    stride: object = 1
    padding: object = 0
    dilation: object = 1
    activation: str = "identity"
    params: dict = field(default_factory=dict)
    type = "conv"


@dataclass
class PoolSpec:
    mode: str = "max"
    size: object = 2
    stride: object = None
    padding: object = 0
    type = "pool"


@dataclass
class FlattenSpec:
    type = "flatten"


@dataclass
class ActivationSpec:
    function: str
    params: dict = field(default_factory=dict)
    type = "activation"


def kind(spec):
    return getattr(spec, "type", "dense")


def _f(i, key):
    return f"layers[{i}].{key}" if key else f"layers[{i}]"


def _err(i, key, message, code=None):
    return InputError("layer {i}: {message_}", field=_f(i, key), code=code, i=i, message_=message)


def _array(value, i, key):
    try:
        a = np.array(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise _err(i, key, Text("'{key}' must be numbers (a regular nested list)", key=key)) from None
    if a.size == 0 or not np.all(np.isfinite(a)):
        raise _err(i, key, Text("'{key}' must be finite numbers, not empty", key=key))
    return a


def _geometry_value(value, i, key, minimum):
    from nncalc.core import shapes
    try:
        if key == "padding" and isinstance(value, str):
            if value.strip().lower() not in ("same", "valid"):
                raise InputError("padding is a number, [ph, pw], 4 sides, 'same' or 'valid', got {value!r}",
                                 value=value)
            return value.strip().lower()
        if key == "padding" and isinstance(value, (list, tuple)) and len(value) == 4:
            return tuple(shapes.four_sides(value))
        return shapes.pair(value, key, minimum)
    except InputError as e:
        raise _err(i, key, e.text) from None


def _activation(i, key, text, parse_activation):
    try:
        return parse_activation(text, _f(i, key))
    except InputError as e:
        raise _err(i, key, e.text, e.code) from None


def conv_from_json(i, d, parse_activation):
    if "kernels" not in d:
        raise _err(i, "kernels", Text("a conv layer needs 'kernels' (F×C×kh×kw, or kh×kw for one filter)"),
                   code="missing")
    k = _array(d["kernels"], i, "kernels")
    if k.ndim not in (2, 4):
        raise _err(i, "kernels", Text("kernels must be F×C×kh×kw or kh×kw, got {shape}",
                                      shape=shape_text(k.shape)))
    filters = 1 if k.ndim == 2 else k.shape[0]
    b = np.zeros(filters) if d.get("bias") is None else _array(d["bias"], i, "bias")
    if b.size == 1 and filters > 1 and b.ndim == 0:
        b = np.full(filters, float(b))
    if b.size != filters:
        raise _err(i, "bias", Text("{size} bias values for {filters}", size=b.size,
                                   filters=Plural("{n} filter", "{n} filters", filters)))
    name, params = _activation(i, "activation", d.get("activation", "identity"), parse_activation)
    if name in ("softmax", "log-softmax"):
        raise _err(i, "activation", Text("{name} works along a sample's values; put it after flatten",
                                         name=name))
    return ConvSpec(k, b.reshape(filters) if k.ndim == 4 else b.reshape(()),
                    _geometry_value(d.get("stride", 1), i, "stride", 1),
                    _geometry_value(d.get("padding", 0), i, "padding", 0),
                    _geometry_value(d.get("dilation", 1), i, "dilation", 1), name, params)


def pool_from_json(i, d):
    mode = str(d.get("mode", "max")).strip().lower()
    if mode not in ("max", "avg"):
        raise _err(i, "mode", Text("pool mode is 'max' or 'avg', got {get!r}{mode}", get=d.get('mode'),
                                   mode=suggest(mode, ('max', 'avg'))))
    size = _geometry_value(d.get("size", 2), i, "size", 1)
    stride = None if d.get("stride") is None else _geometry_value(d["stride"], i, "stride", 1)
    return PoolSpec(mode, size, stride, _geometry_value(d.get("padding", 0), i, "padding", 0))


def typed_from_json(i, d, parse_activation):
    """The spec of layer I from its JSON object (dense layers are netio's business)."""
    t = str(d["type"]).strip().lower()
    if t == "conv":
        return conv_from_json(i, d, parse_activation)
    if t == "pool":
        return pool_from_json(i, d)
    if t == "flatten":
        return FlattenSpec()
    if t == "activation":
        if "function" not in d:
            raise _err(i, "function", Text("an activation layer needs 'function'"), code="missing")
        name, params = _activation(i, "function", d["function"], parse_activation)
        return ActivationSpec(name, params)
    hint = suggest(t, TYPES + tuple(_TYPE_NAMES_ELSEWHERE), rename=_TYPE_NAMES_ELSEWHERE)
    raise _err(i, "type", Text("unknown layer type {d!r}{hint}; choose from {TYPES}", d=d['type'], hint=hint,
                               TYPES=', '.join(TYPES)),
               code="unknown-type")


def to_json(spec):
    """The --net JSON object of a spec (arrays stay arrays; the renderer writes them)."""
    t = kind(spec)
    if t == "dense":
        d = {"type": "dense", "weights": spec.weights, "bias": spec.bias, "activation": spec.activation}
        return _with_params(d, "activation", spec.params)
    if t == "conv":
        d = {"type": "conv", "kernels": spec.kernels, "bias": spec.bias, "stride": list(spec.stride),
             "padding": spec.padding if isinstance(spec.padding, str) else list(spec.padding),
             "dilation": list(spec.dilation), "activation": spec.activation}
        return _with_params(d, "activation", spec.params)
    if t == "pool":
        return {"type": "pool", "mode": spec.mode, "size": list(spec.size),
                "stride": list(spec.stride or spec.size), "padding": list(spec.padding)}
    if t == "flatten":
        return {"type": "flatten"}
    return _with_params({"type": "activation", "function": spec.function}, "function", spec.params)


def _with_params(d, key, params):
    if params:
        d[key] = f"{d[key]}({';'.join(f'{k}={v!r}' for k, v in params.items())})"
    return d


# ------------------------------------------------------------------ shapes through the chain

def out_shapes(specs, in_shape):
    """Each layer's output shape (one sample: (features,) or (C, H, W)); refuses what does not chain."""
    shape, result = tuple(in_shape), []
    for i, s in enumerate(specs, 1):
        shape = _layer_out(i, s, shape)
        result.append(shape)
    return result


def _layer_out(i, s, shape):
    t = kind(s)
    if t in SPATIAL and len(shape) != 3:
        raise _err(i, None, Text("a {t} layer needs C×H×W maps, but its input is {shape} values", t=t,
                                 shape=shape_text(shape)),
                   code="needs-maps")
    if t == "dense":
        if len(shape) != 1:
            raise _err(i, "weights", Text("a dense layer after {shape} maps needs them flattened ({shape2} "
                                          "values): add a flatten layer before it", shape=shape_text(shape), shape2=math.prod(shape)), code="needs-flatten")
        if s.weights.shape[1] != shape[0]:
            w = s.weights.shape
            note = Text("; its transpose would chain") if w[0] == shape[0] else ""
            raise _err(i, "weights", Text("weights are {w}×{w2} (one column per input) but its input has "
                                          "{values}{note}", w=w[0], w2=w[1], note=note,
                                          values=Plural("{n} value", "{n} values",
                                                        shape[0])), code="mismatch")
        return (s.weights.shape[0],)
    if t in SPATIAL:        # imported here: a fully-connected run never loads the window machinery
        from nncalc.core import shapes, windows
    if t == "conv":
        k4 = s.kernels if s.kernels.ndim == 4 else s.kernels[None, None]
        if k4.shape[1] != shape[0]:
            raise _err(i, "kernels", Text("kernels are {shape} (F×C×kh×kw) but the input has {channels} "
                                          "({shape3})", shape=shape_text(k4.shape), channels=Plural("{n} channel", "{n} channels", shape[0]), shape3=shape_text(shape)), code="mismatch")
        try:
            sides = shapes.padding_sides(s.padding, shape[1:], k4.shape[2:], s.stride, s.dilation)
            g = windows.geometry(shape[1:], k4.shape[2:], s.stride, sides, s.dilation)
        except InputError as e:
            raise _err(i, "kernels", Text("{message_} ({shape} input)", message_=e.text,
                                          shape=shape_text(shape)), code="too-large") from None
        return (k4.shape[0],) + g.out_hw
    if t == "pool":
        size, pad = s.size, s.padding
        if any(p > k // 2 for p, k in zip(pad, size)):
            raise _err(i, "padding", Text("pool padding {pad} must be at most half the window {size}",
                                          pad=shape_text(pad), size=shape_text(size)))
        try:
            g = windows.geometry(shape[1:], size, s.stride or size, pad, 1)
        except InputError as e:
            raise _err(i, "size", Text("the pool window does not fit: {message_} ({shape} input)",
                                       message_=e.text, shape=shape_text(shape)),
                       code="too-large") from None
        return (shape[0],) + g.out_hw
    if t == "flatten":
        return (math.prod(shape),)
    if s.function in ("softmax", "log-softmax") and len(shape) != 1:
        raise _err(i, "function", Text("{function} works along a sample's values; flatten the {shape} maps "
                                       "first", function=s.function, shape=shape_text(shape)))
    return shape


def build(specs, in_shape, trace_steps=0):
    """The computing layers (core/layers.py, core/convlayers.py) for SPECS on one sample of IN_SHAPE."""
    from nncalc.core.layers import Activation, Dense, Flatten
    built, shape = [], tuple(in_shape)
    for i, s in enumerate(specs, 1):
        t = kind(s)
        if t in SPATIAL:
            from nncalc.core.convlayers import Conv, Pool
        if t == "dense":
            built.append(Dense(i, s.weights, s.bias, s.activation, s.params))
        elif t == "conv":
            built.append(Conv(i, s.kernels, s.bias, s.stride, s.padding, s.dilation, s.activation, s.params,
                              shape[1:], trace_steps))
        elif t == "pool":
            built.append(Pool(i, s.mode, s.size, s.stride, s.padding, trace_steps))
        elif t == "flatten":
            built.append(Flatten(i))
        else:
            built.append(Activation(i, s.function, s.params))
        shape = _layer_out(i, s, shape)
    return built


def output_activation(specs):
    """The function that makes the network's output (None for flatten/pool last)."""
    s = specs[-1]
    t = kind(s)
    return s.activation if t in ("dense", "conv") else s.function if t == "activation" else None

