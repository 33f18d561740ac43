"""Building a network for `backprop`: layers from numbers, from a seed, or from --net JSON.

A Layer is a dense layer: weights (out×in: one row per neuron, one column per
input), a bias (shape () when one number is shared by the layer's neurons,
else one per neuron), an activation name from core/activations.py and its
parameters. The other layer types are in core/netspec.py. Errors name fields:
``layers[i].weights`` (layers counted from 1), ``activation``, ``sizes``,
``seed``, ``init``.
"""
import re
from dataclasses import dataclass, field

import numpy as np

from nncalc.core import activations as acts
from nncalc.core import losses, netspec
from nncalc.core.errors import InputError, Plural, Text, shape_text, suggest


@dataclass
class Layer:
    type = "dense"          # a class attribute, not a field: the other types are in core/netspec.py
    weights: np.ndarray
    bias: np.ndarray
    activation: str = "sigmoid"
    params: dict = field(default_factory=dict)

    @property
    def n_in(self):
        return self.weights.shape[1]

    @property
    def n_out(self):
        return self.weights.shape[0]

    @property
    def shared_bias(self):
        return np.ndim(self.bias) == 0


_ACT_RE = re.compile(r"^\s*([A-Za-z][\w\-]*)\s*(?:\((.*)\))?\s*$")


def parse_activation(text, field="activation"):
    """'sigmoid' -> ('sigmoid', {}); 'leaky-relu(0.2)' or 'leaky-relu(alpha=0.2)' -> ('leaky-relu', {'alpha': 0.2})."""
    m = _ACT_RE.match(str(text))
    if not m:
        raise InputError("'{text}' is not an activation such as relu or leaky-relu(0.2)", field=field,
                         text=text)
    try:
        act = acts.get(m.group(1))
    except InputError as e:
        raise InputError(e.text, field=field, code="unknown") from None
    name = act.name
    params = {}
    if m.group(2) is not None and m.group(2).strip():
        for i, part in enumerate(m.group(2).split(";")):
            key, _, val = part.rpartition("=")
            key = key.strip() or (list(act.params)[i] if i < len(act.params) else "")
            if key not in act.params:
                raise InputError("{name} takes no parameter '{v}'{v2}", field=field, name=name,
                                 v=key or part.strip(),
                                 v2=Text(" (it has {names})", names=", ".join(act.params)) if act.params else "")
            try:
                params[key] = float(val)
            except ValueError:
                raise InputError("{name}: {key} must be a number, got '{strip}'", field=field, name=name,
                                 key=key, strip=val.strip()) from None
    return name, params


def _split_top(text):
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "(") - (ch == ")")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return parts + [cur]


def resolve_activations(spec, n_layers, loss=None, field="activation"):
    """Per-layer [(name, params)] from one name or a comma list (or a list of names).

    One name applies to every layer, except with cross-entropy, where it applies
    to the hidden layers and the output layer is softmax. A list names every
    layer (with cross-entropy it may leave out the output layer, which is then
    softmax); a cross-entropy list must end with softmax.
    """
    items = _split_top(spec) if isinstance(spec, str) else list(spec)
    items = [s for s in (str(i).strip() for i in items)]
    if not items or any(not s for s in items):
        raise InputError("empty activation name in '{spec}'", field=field, spec=spec)
    parsed = [parse_activation(s, field) for s in items]
    ce = loss is not None and losses.get(loss).name == "cross-entropy"
    if ce and n_layers == 1 and len(parsed) == 1 and parsed[0][0] != "softmax":
        raise InputError("cross-entropy uses a softmax output layer (δ = p − t), not {v}; this network has "
                         "no hidden layer for it (name no activation, or softmax)", field=field, v=parsed[0][0])
    if len(parsed) == 1:
        parsed = parsed * (n_layers - 1) + [("softmax", {}) if ce else parsed[0]]
    elif ce and len(parsed) == n_layers - 1:
        parsed = parsed + [("softmax", {})]
    if len(parsed) != n_layers:
        raise InputError("{parsed} activations for {layers}; give one name or one per layer",
                         field=field, parsed=len(parsed), layers=Plural("{n} layer", "{n} layers", n_layers))
    if ce and parsed[-1][0] != "softmax":
        raise InputError("cross-entropy uses a softmax output layer (δ = p − t), not {v}; give one "
                         "activation for the hidden layers or end the list with softmax", field=field, v=parsed[-1][0])
    return parsed


def transposed_chains(weights, n_inputs=None):
    """Whether the 2-D matrices WEIGHTS chain (from N_INPUTS values) once each is transposed."""
    n_prev = n_inputs
    for w in weights:
        if np.ndim(w) != 2 or (n_prev is not None and np.shape(w)[0] != n_prev):
            return False
        n_prev = np.shape(w)[1]
    return True


def layout_note(weights, n_inputs, i, n_prev):
    """(what to add to a message about layer I's weights not taking N_PREV values, its code):
    whether W read the other way round (in×out for out×in) would chain, for every layer
    (code 'layout') or for this one."""
    if transposed_chains(weights, n_inputs):
        return Text("; transposed, every layer's weights would chain"), "layout"
    if np.ndim(weights[i - 1]) == 2 and np.shape(weights[i - 1])[0] == n_prev:
        return Text("; its transpose would chain"), None
    return "", None


def _layer_bias(b, i, w):
    """_as_bias for weights W, saying so when the count fits W's transpose (W given in×out)."""
    try:
        return _as_bias(b, i, w.shape[0])
    except InputError as e:
        if b is None or np.size(b) != w.shape[1]:
            raise
        raise InputError("{reason}; with W transposed the layer would have as many",
                         field=e.field, code="layout", reason=e.text) from None


def _values(n):
    return Plural("{n} value", "{n} values", n)


def _as_weights(w, i, n_prev):
    a = np.array(w, dtype=np.float64)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        # a plain list is one neuron's row, unless the layer before outputs one value
        a = a.reshape(-1, 1) if (n_prev == 1 and a.size != 1) else a.reshape(1, -1)
    if a.ndim != 2 or a.size == 0:
        raise InputError("layer {i}: weights must be a matrix (one row per neuron), got shape {shape}",
                         field=f"layers[{i}].weights", i=i, shape=shape_text(a.shape))
    if not np.all(np.isfinite(a)):
        raise InputError("layer {i}: weights must be finite numbers", field=f"layers[{i}].weights", i=i)
    return a


def _as_bias(b, i, n_out):
    a = np.zeros(n_out) if b is None else np.array(b, dtype=np.float64)
    if a.ndim > 1 and a.size == n_out:
        a = a.reshape(n_out)
    if a.ndim == 1 and a.size == 1 and n_out != 1:
        a = a.reshape(())
    if not (a.ndim == 0 or a.shape == (n_out,)):
        raise InputError("layer {i}: {size} bias values but the layer has {n_out} neurons (give one shared "
                         "number or one per neuron)", field=f"layers[{i}].bias", i=i, size=a.size, n_out=n_out)
    if not np.all(np.isfinite(a)):
        raise InputError("layer {i}: biases must be finite numbers", field=f"layers[{i}].bias", i=i)
    return a


def make_layers(weights, biases=None, activations="sigmoid", loss=None, n_inputs=None, in_out=False):
    """Layers from a list of weight matrices (out×in), biases and activations; checks that they chain.

    ``in_out``: each matrix is given in×out (one row per input, as Deep Learning from Scratch
    writes W = inputs × neurons) and is transposed first."""
    if weights is None or len(weights) == 0:
        raise InputError("give at least one layer of weights", field="weights", code="missing")
    if biases is None:
        biases = [None] * len(weights)
    if len(biases) != len(weights):
        raise InputError("{biases} biases for {weights} layers", field="bias", code="count",
                         biases=len(biases), weights=len(weights))
    if isinstance(activations, (list, tuple)) and activations and isinstance(activations[0], tuple):
        resolved = list(activations)
    else:
        resolved = resolve_activations(activations, len(weights), loss)
    if in_out:
        # contiguous, so every product sums in the same order as for the same W given out×in
        weights = [np.ascontiguousarray(np.transpose(w)) if np.ndim(w) == 2 else w for w in weights]
    layers, n_prev = [], n_inputs
    for i, (w, b, (name, params)) in enumerate(zip(weights, biases, resolved), start=1):
        W = _as_weights(w, i, n_prev)
        if n_prev is not None and W.shape[1] != n_prev:
            src = "the input has" if i == 1 else f"layer {i - 1} outputs"
            note, code = layout_note(weights, n_inputs, i, n_prev)
            raise InputError("layer {i}: weights are {rows}×{cols} but {src} {values}{note}",
                             field=f"layers[{i}].weights", code=code or "mismatch", i=i, rows=W.shape[0],
                             cols=W.shape[1], src=src, values=_values(n_prev), note=note)
        layers.append(Layer(W, _layer_bias(b, i, W), name, dict(params)))
        n_prev = W.shape[0]
    return layers


INIT_SCHEMES = ("xavier-uniform", "he-uniform", "uniform")


def init_layers(sizes, seed=None, activations="sigmoid", loss=None, scheme="xavier-uniform",
                shared_bias=False):
    """Random layers for SIZES = [inputs, hidden..., outputs], reproducible from SEED.

    Weights: xavier-uniform (default) U(−√(6/(in+out)), +√(6/(in+out)));
    he-uniform U(−√(6/in), +√(6/in)); uniform U(−1/√in, +1/√in).
    Biases are 0 (one per neuron, or one shared 0). Drawn layer by layer, row
    by row from numpy.random.default_rng(SEED).
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise InputError("sizes must be at least two positive numbers (inputs, ..., outputs), got {sizes}",
                         field="sizes", sizes=sizes)
    scheme = str(scheme).lower().replace("_", "-")
    if scheme not in INIT_SCHEMES:
        raise InputError("unknown init scheme '{scheme}'{scheme2}", field="init", scheme=scheme,
                         scheme2=suggest(scheme, INIT_SCHEMES))
    if seed is not None and (int(seed) != seed or seed < 0):
        raise InputError("the seed must be a whole number ≥ 0, got {seed}", field="seed", seed=seed)
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = {"xavier-uniform": np.sqrt(6.0 / (n_in + n_out)), "he-uniform": np.sqrt(6.0 / n_in),
                 "uniform": 1.0 / np.sqrt(n_in)}[scheme]
        weights.append(rng.uniform(-limit, limit, size=(n_out, n_in)))
    biases = [np.zeros(()) if shared_bias else np.zeros(n) for n in sizes[1:]]
    return make_layers(weights, biases, activations, loss, n_inputs=sizes[0])


def load_net(data, in_out=False):
    """Layers and settings from an already-parsed --net JSON dict (``in_out``: dense weights
    are written in×out, see make_layers).

    {"layers": [{"weights": [[..]], "bias": 0.5 or [..], "activation": "sigmoid"}, ...],
     "loss": "half-sse", "lr": 0.5}: a layer without "type" is dense ("bias"
    defaults to zeros, "activation" to a top-level "activation"); the other
    types are described in core/netspec.py. "loss", "lr" and any other
    top-level keys ("input", "target", "steps", "optimizer", and whatever a
    saved run holds) are passed back in the dict. Returns (layers, settings).
    """
    if not isinstance(data, dict):
        raise InputError("the network must be a JSON object with a 'layers' list", field="layers",
                         code="missing")
    raw = data.get("layers")
    if not isinstance(raw, list) or not raw:
        raise InputError("the network has no 'layers' list", field="layers", code="missing")
    loss = data.get("loss")
    if loss is not None:
        try:
            loss = losses.get(loss).name
        except InputError as e:
            raise InputError(e.text, field="loss", code="unknown") from None
    specs = []
    for i, layer in enumerate(raw, start=1):
        if not isinstance(layer, dict):
            raise InputError("layer {i} must be an object with 'weights', 'bias' and 'activation'",
                             field=f"layers[{i}]", i=i)
        if layer.get("type", "dense") == "dense":
            specs.append(_dense_from_json(i, layer, data.get("activation"), in_out))
        else:
            specs.append(netspec.typed_from_json(i, layer, parse_activation))
    if all(netspec.kind(s) == "dense" for s in specs):    # chain them now: the messages say which layer
        specs = make_layers([s.weights for s in specs], [s.bias for s in specs],
                            [(s.activation, s.params) for s in specs])
    out_act = netspec.output_activation(specs)
    if loss == "cross-entropy" and out_act != "softmax":
        raise InputError("cross-entropy uses a softmax output layer (δ = p − t), but layer {specs} is {v}",
                         field=f"layers[{len(specs)}].activation",
                         code="needs-softmax", specs=len(specs), v=out_act or netspec.kind(specs[-1]))
    settings = {k: v for k, v in data.items() if k != "layers"}
    if loss is not None:
        settings["loss"] = loss
    for key in ("lr", "steps"):         # float(True) is 1.0: JSON's true is no number
        if isinstance(settings.get(key), bool):
            raise InputError("'{key}' must be a number, not true or false", field=key, key=key)
    if "lr" in settings:
        try:
            settings["lr"] = float(settings["lr"])
        except (TypeError, ValueError):
            raise InputError("'lr' must be a number, got {settings!r}", field="lr",
                             settings=settings['lr']) from None
    return specs, settings


def _dense_from_json(i, layer, default_act, in_out=False):
    if "weights" not in layer:
        raise InputError("layer {i} has no 'weights'", field=f"layers[{i}].weights", code="missing", i=i)
    act = layer.get("activation", default_act)
    if act is None:
        raise InputError("layer {i} has no 'activation'", field=f"layers[{i}].activation", code="missing",
                         i=i)
    try:
        name, params = parse_activation(act, f"layers[{i}].activation")
    except InputError as e:
        raise InputError("layer {i}: {message_}", field=e.field, code=e.code, i=i, message_=e.text) from None
    try:
        w = np.array(layer["weights"], dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError("layer {i}: 'weights' must be a matrix of numbers", field=f"layers[{i}].weights",
                         i=i) from None
    w = _as_weights(np.ascontiguousarray(w.T) if in_out and w.ndim == 2 else w, i, None)
    return Layer(w, _layer_bias(layer.get("bias"), i, w), name, params)
