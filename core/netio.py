"""Building a network for `backprop`: layers from numbers, from a seed, or from --net JSON.

A Layer holds weights (out×in: one row per neuron, one column per input), a
bias (shape () when one number is shared by the layer's neurons, else one per
neuron), an activation name from core/activations.py and its parameters.
"""
import re
from dataclasses import dataclass, field

import numpy as np

from nncalc.core import activations as acts
from nncalc.core import losses
from nncalc.core.errors import InputError, shape_text, suggest


@dataclass
class Layer:
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


def parse_activation(text, arg="--activation"):
    """'sigmoid' -> ('sigmoid', {}); 'leaky-relu(0.2)' or 'leaky-relu(alpha=0.2)' -> ('leaky-relu', {'alpha': 0.2})."""
    m = _ACT_RE.match(str(text))
    if not m:
        raise InputError(f"'{text}' is not an activation such as relu or leaky-relu(0.2)", arg=arg)
    act = acts.get(m.group(1), arg=arg)
    name = act.name
    params = {}
    if m.group(2) is not None and m.group(2).strip():
        for i, part in enumerate(m.group(2).split(";")):
            key, _, val = part.rpartition("=")
            key = key.strip() or (list(act.params)[i] if i < len(act.params) else "")
            if key not in act.params:
                raise InputError(f"{name} takes no parameter '{key or part.strip()}'"
                                 f"{' (it has ' + ', '.join(act.params) + ')' if act.params else ''}", arg=arg)
            try:
                params[key] = float(val)
            except ValueError:
                raise InputError(f"{name}: {key} must be a number, got '{val.strip()}'", arg=arg) from None
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


def resolve_activations(spec, n_layers, loss=None, arg="--activation"):
    """Per-layer [(name, params)] from one name or a comma list (or a list of names).

    One name applies to every layer, except with cross-entropy, where it applies
    to the hidden layers and the output layer is softmax. A list names every
    layer (with cross-entropy it may leave out the output layer, which is then
    softmax); a cross-entropy list must end with softmax.
    """
    items = _split_top(spec) if isinstance(spec, str) else list(spec)
    items = [s for s in (str(i).strip() for i in items)]
    if not items or any(not s for s in items):
        raise InputError(f"empty activation name in '{spec}'", arg=arg)
    parsed = [parse_activation(s, arg) for s in items]
    ce = loss is not None and losses.get(loss).name == "cross-entropy"
    if ce and n_layers == 1 and len(parsed) == 1 and parsed[0][0] != "softmax":
        raise InputError(f"cross-entropy uses a softmax output layer (δ = p − t), not {parsed[0][0]}; "
                         "this network has no hidden layer for it (leave --activation out)", arg=arg)
    if len(parsed) == 1:
        parsed = parsed * (n_layers - 1) + [("softmax", {}) if ce else parsed[0]]
    elif ce and len(parsed) == n_layers - 1:
        parsed = parsed + [("softmax", {})]
    if len(parsed) != n_layers:
        raise InputError(f"{len(parsed)} activations for {n_layers} layer{'s' * (n_layers != 1)}; "
                         "give one name or one per layer",
                         arg=arg)
    if ce and parsed[-1][0] != "softmax":
        raise InputError(f"cross-entropy uses a softmax output layer (δ = p − t), not {parsed[-1][0]}; "
                         "give one activation for the hidden layers or end the list with softmax", arg=arg)
    return parsed


def _values(n):
    return f"{n} value{'s' * (n != 1)}"


def _as_weights(w, i, n_prev, arg):
    a = np.array(w, dtype=np.float64)
    if a.ndim == 0:
        a = a.reshape(1, 1)
    elif a.ndim == 1:
        # a plain list is one neuron's row, unless the layer before outputs one value
        a = a.reshape(-1, 1) if (n_prev == 1 and a.size != 1) else a.reshape(1, -1)
    if a.ndim != 2 or a.size == 0:
        raise InputError(f"layer {i}: weights must be a matrix (one row per neuron), got shape "
                         f"{shape_text(a.shape)}", arg=arg)
    if not np.all(np.isfinite(a)):
        raise InputError(f"layer {i}: weights must be finite numbers", arg=arg)
    return a


def _as_bias(b, i, n_out, arg):
    a = np.zeros(n_out) if b is None else np.array(b, dtype=np.float64)
    if a.ndim > 1 and a.size == n_out:
        a = a.reshape(n_out)
    if a.ndim == 1 and a.size == 1 and n_out != 1:
        a = a.reshape(())
    if not (a.ndim == 0 or a.shape == (n_out,)):
        raise InputError(f"layer {i}: {a.size} bias values but the layer has {n_out} neurons "
                         "(give one shared number or one per neuron)", arg=arg)
    if not np.all(np.isfinite(a)):
        raise InputError(f"layer {i}: biases must be finite numbers", arg=arg)
    return a


def make_layers(weights, biases=None, activations="sigmoid", loss=None, n_inputs=None,
                weights_arg="--weights", bias_arg="--bias", activation_arg="--activation"):
    """Layers from a list of weight matrices (out×in), biases and activations; checks that they chain."""
    if weights is None or len(weights) == 0:
        raise InputError("give at least one layer of weights", arg=weights_arg)
    if biases is None:
        biases = [None] * len(weights)
    if len(biases) != len(weights):
        raise InputError(f"{len(biases)} biases for {len(weights)} layers", arg=bias_arg)
    if isinstance(activations, (list, tuple)) and activations and isinstance(activations[0], tuple):
        resolved = list(activations)
    else:
        resolved = resolve_activations(activations, len(weights), loss, activation_arg)
    layers, n_prev = [], n_inputs
    for i, (w, b, (name, params)) in enumerate(zip(weights, biases, resolved), start=1):
        W = _as_weights(w, i, n_prev, weights_arg)
        if n_prev is not None and W.shape[1] != n_prev:
            src = "the input has" if i == 1 else f"layer {i - 1} outputs"
            raise InputError(f"layer {i}: weights are {W.shape[0]}×{W.shape[1]} but {src} {_values(n_prev)}",
                             arg=weights_arg)
        layers.append(Layer(W, _as_bias(b, i, W.shape[0], bias_arg), name, dict(params)))
        n_prev = W.shape[0]
    return layers


INIT_SCHEMES = ("xavier-uniform", "he-uniform", "uniform")


def init_layers(sizes, seed=None, activations="sigmoid", loss=None, scheme="xavier-uniform",
                shared_bias=False, arg="--sizes"):
    """Random layers for SIZES = [inputs, hidden..., outputs], reproducible from SEED.

    Weights: xavier-uniform (default) U(−√(6/(in+out)), +√(6/(in+out)));
    he-uniform U(−√(6/in), +√(6/in)); uniform U(−1/√in, +1/√in).
    Biases are 0 (one per neuron, or one shared 0). Drawn layer by layer, row
    by row from numpy.random.default_rng(SEED).
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise InputError(f"sizes must be at least two positive numbers (inputs, ..., outputs), got {sizes}",
                         arg=arg)
    scheme = str(scheme).lower().replace("_", "-")
    if scheme not in INIT_SCHEMES:
        raise InputError(f"unknown init scheme '{scheme}'{suggest(scheme, INIT_SCHEMES)}", arg="--init")
    if seed is not None and (int(seed) != seed or seed < 0):
        raise InputError(f"the seed must be a whole number ≥ 0, got {seed}", arg="--seed")
    rng = np.random.default_rng(seed)
    weights = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        limit = {"xavier-uniform": np.sqrt(6.0 / (n_in + n_out)), "he-uniform": np.sqrt(6.0 / n_in),
                 "uniform": 1.0 / np.sqrt(n_in)}[scheme]
        weights.append(rng.uniform(-limit, limit, size=(n_out, n_in)))
    biases = [np.zeros(()) if shared_bias else np.zeros(n) for n in sizes[1:]]
    return make_layers(weights, biases, activations, loss, n_inputs=sizes[0])


def load_net(data, arg="--net"):
    """Layers and settings from an already-parsed --net JSON dict.

    {"layers": [{"weights": [[..]], "bias": 0.5 or [..], "activation": "sigmoid"}, ...],
     "loss": "half-sse", "lr": 0.5}  ("bias" defaults to zeros; "activation" to a
    top-level "activation"; "loss", "lr" and any other top-level keys such as
    "input", "target", "steps", "optimizer" are passed back in the dict).
    Returns (layers, settings dict without "layers").
    """
    if not isinstance(data, dict):
        raise InputError("the network must be a JSON object with a 'layers' list", arg=arg)
    raw = data.get("layers")
    if not isinstance(raw, list) or not raw:
        raise InputError("the network has no 'layers' list", arg=arg)
    loss = data.get("loss")
    if loss is not None:
        loss = losses.get(loss, arg=arg).name
    weights, biases, names = [], [], []
    for i, layer in enumerate(raw, start=1):
        if not isinstance(layer, dict):
            raise InputError(f"layer {i} must be an object with 'weights', 'bias' and 'activation'", arg=arg)
        if "weights" not in layer:
            raise InputError(f"layer {i} has no 'weights'", arg=arg)
        act = layer.get("activation", data.get("activation"))
        if act is None:
            raise InputError(f"layer {i} has no 'activation'", arg=arg)
        weights.append(layer["weights"])
        biases.append(layer.get("bias"))
        names.append(parse_activation(act, arg))
    if loss == "cross-entropy" and names[-1][0] != "softmax":
        raise InputError(f"cross-entropy uses a softmax output layer (δ = p − t), but layer {len(names)} "
                         f"is {names[-1][0]}", arg=arg)
    try:
        layers = make_layers(weights, biases, names, loss)
    except InputError as e:
        raise InputError(e.message, arg=arg) from None
    settings = {k: v for k, v in data.items() if k != "layers"}
    if loss is not None:
        settings["loss"] = loss
    if "lr" in settings:
        try:
            settings["lr"] = float(settings["lr"])
        except (TypeError, ValueError):
            raise InputError(f"'lr' must be a number, got {settings['lr']!r}", arg=arg) from None
    return layers, settings


def _target_shape(layers, x, single):
    """The outputs' shape for X as prepare_data reads it (x: samples × values)."""
    n_out = layers[-1].weights.shape[0]
    return (n_out,) if single else (x.shape[0], n_out)


def class_indices(layers, X, T):
    """The class indices (0-based) TARGET stands for, or None when it gives the outputs' values.

    Call after prepare_data has accepted X and T."""
    x, _, single = prepare_data(layers, X)
    return losses.prepare_target(np.zeros(_target_shape(layers, x, single)), T)[1]


def prepare_data(layers, X, T=None, loss=None):
    """X and T as float64 2-D arrays (samples × values), plus whether X was a vector."""
    if not layers:
        raise InputError("the network has no layers", arg="--weights")
    x = np.array(X, dtype=np.float64)
    single = x.ndim <= 1
    x = x.reshape(1, -1) if single else x
    if x.ndim != 2:
        raise InputError(f"the input must be a vector or one sample per row, got {x.ndim} dimensions",
                         arg="--input")
    if not np.all(np.isfinite(x)):
        raise InputError("the input must be finite numbers", arg="--input")
    n_in = layers[0].weights.shape[1]
    if x.shape[1] != n_in:
        w = layers[0].weights.shape
        raise InputError(f"{_values(x.shape[1])} per sample, but layer 1's --weights are {w[0]}×{w[1]} "
                         f"(one column per input, so it takes {w[1]})", arg="--input")
    for i in range(1, len(layers)):
        w, prev = layers[i].weights.shape, layers[i - 1].weights.shape[0]
        if w[1] != prev:
            raise InputError(f"layer {i + 1}: weights are {w[0]}×{w[1]} but layer {i} outputs {_values(prev)}",
                             arg="--weights")
    if T is None:
        return x, None, single
    n_out = layers[-1].weights.shape[0]
    t = np.array(T, dtype=np.float64)
    shape = _target_shape(layers, x, single)
    try:
        t, _ = losses.prepare_target(np.zeros(shape), t)
    except InputError as e:
        if e.code == "class_index":   # an index out of range or not whole: that message is better
            raise InputError(e.message, arg="--target", code=e.code) from None
        want = f"{n_out} value{'s' * (n_out != 1)}" if single else f"{x.shape[0]}×{n_out} values"
        raise InputError(f"the target has shape {shape_text(np.shape(T))} but the network gives "
                         f"{want} (one class index per sample also works)", arg="--target") from None
    t = t.reshape(x.shape[0], n_out)
    if not np.all(np.isfinite(t)):
        raise InputError("the target must be finite numbers", arg="--target")
    if loss is not None:
        info = losses.get(loss)
        if info.probabilities:
            losses._check_probabilities(t, f"{info.name} targets", "--target")
    return x, t, single


def _check_network_loss(layers, loss):
    info = losses.get(loss, arg="--loss")
    out_act = layers[-1].activation
    if info.name == "cross-entropy" and out_act != "softmax":
        raise InputError(f"cross-entropy needs a softmax output layer, but the output layer is {out_act}; "
                         "name one activation for the hidden layers or end the list with softmax",
                         arg="--activation")
    if info.name == "bce" and out_act not in ("sigmoid", "softmax"):
        raise InputError(f"bce needs outputs in [0, 1] (a sigmoid output layer), "
                         f"but the output layer is {out_act}", arg="--activation")
    return info.name
