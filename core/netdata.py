"""The data and settings of a `backprop` run, checked against the network before any step.

X is one sample or a batch. A network whose first layer is conv or pool takes
H×W (one channel), C×H×W (one image) or N×C×H×W (a batch); any other takes a
vector (one sample) or one sample per row. T has the outputs' shape (N×K, or K
for one sample) or gives one class index per sample. Errors name fields:
``input``, ``target``, ``lr``, ``steps``, ``order``, ``loss`` and
``layers[i].key`` (layers counted from 1).
"""
from dataclasses import dataclass

import numpy as np

from nncalc.core import losses, netio, netspec
from nncalc.core.errors import InputError, Plural, Text, shape_text, suggest

ORDERS = ("simultaneous", "sequential")


@dataclass
class Data:
    x: np.ndarray           # N×features, or N×C×H×W
    t: np.ndarray           # N×K targets as used (one-hot for class indices), or None
    single: bool            # one sample was given (not a batch)
    in_shape: tuple         # one sample's shape
    given_shape: tuple      # X's shape as given
    class_indices: np.ndarray = None

    def shape_out(self, o):
        """Outputs in X's layout: a vector for one sample, else N×K."""
        return o.reshape(-1) if self.single else o

    def shape_in(self, g):
        """∂E/∂input in X's shape as given."""
        return g.reshape(self.given_shape)


def _values(n):
    return Plural("{n} value", "{n} values", n)


def _input(layers, X):
    x = np.array(X, dtype=np.float64)
    if not np.all(np.isfinite(x)):
        raise InputError("the input must be finite numbers", field="input")
    if netspec.kind(layers[0]) in netspec.SPATIAL:
        if x.ndim not in (2, 3, 4) or x.size == 0:
            raise InputError("layer 1 is {kind}: the input must be H×W, C×H×W or N×C×H×W, got shape {shape}",
                             field="input", code="shape", kind=netspec.kind(layers[0]), shape=shape_text(x.shape))
        x4 = x.reshape((1,) * (4 - x.ndim) + x.shape)
        return x4, x.ndim < 4, x4.shape[1:]
    single = x.ndim <= 1
    x = x.reshape(1, -1) if single else x
    if x.ndim != 2:
        raise InputError("the input must be a vector or one sample per row, got {ndim} dimensions",
                         field="input", code="shape", ndim=x.ndim)
    first = layers[0]
    if netspec.kind(first) == "dense" and x.shape[1] != first.weights.shape[1]:
        w = first.weights.shape
        kinds = {netspec.kind(s) for s in layers}
        dense = [s.weights for s in layers if netspec.kind(s) == "dense"] \
            if kinds <= {"dense", "activation"} else [first.weights]
        note, code = netio.layout_note(dense, x.shape[1], 1, x.shape[1])
        raise InputError("{values} per sample, but layer 1's weights are {w}×{w2} (one column per input, "
                         "so it takes {w2}){note}", field="input", code=code or "shape",
                         values=_values(x.shape[1]), w=w[0], w2=w[1], note=note)
    return x, single, x.shape[1:]


def prepare(layers, X, T=None, loss=None):
    """X and T checked against the network (see the module docstring)."""
    if not layers:
        raise InputError("the network has no layers", field="layers")
    x, single, in_shape = _input(layers, X)
    out_shape = netspec.out_shapes(layers, in_shape)[-1]
    d = Data(x, None, single, tuple(in_shape), np.shape(X))
    if T is None:
        return d
    k = int(np.prod(out_shape))
    shape = (k,) if single else (x.shape[0], k)
    t = np.array(T, dtype=np.float64)
    n = x.shape[0]
    if len(out_shape) > 1 and ((single and t.ndim >= 2 and t.size == k)
                               or (t.ndim >= 3 and t.shape[0] == n and t.size == n * k)):
        t = t.reshape(shape)            # maps out (a network without flatten): flattened like the outputs
    try:
        t, d.class_indices = losses.prepare_target(np.zeros(shape), t)
    except InputError as e:
        if e.code == "class_index":     # an index out of range or not whole: that message is better
            raise InputError(e.text, field="target", code="class_index") from None
        want = _values(k) if single else Text("{n}×{k} values", n=x.shape[0], k=k)
        raise InputError("the target has shape {shape_text} but the network gives {want} (one class index "
                         "per sample also works)", field="target", code="shape", shape_text=shape_text(np.shape(T)), want=want) from None
    t = t.reshape(x.shape[0], k)
    if not np.all(np.isfinite(t)):
        raise InputError("the target must be finite numbers", field="target")
    if loss is not None and losses.get(loss).probabilities:
        losses.check_probabilities(t, Text("{name} targets", name=loss), "target")
    d.t = t
    return d


def class_indices(layers, X, T):
    """The class indices (0-based) TARGET stands for, or None when it gives the outputs' values."""
    return prepare(layers, X, T).class_indices


def check_settings(layers, loss, lr=1.0, steps=0, order="simultaneous", forward_only=False):
    """(loss name, order, steps) once the loss fits the output layer and lr, steps, order are valid."""
    try:
        name = losses.get(loss).name
    except InputError as e:
        raise InputError(e.text, field="loss", code="unknown") from None
    out_act = netspec.output_activation(layers)
    n = len(layers)
    if name == "cross-entropy" and out_act != "softmax" and not forward_only:
        hint = Text("name one activation for the hidden layers or end the list with softmax") if \
            all(netspec.kind(s) == "dense" for s in layers) else Text("end the network with a softmax layer")
        raise InputError("cross-entropy needs a softmax output layer, but layer {n} is {v}; {hint}",
                         field=f"layers[{n}].activation", code="needs-softmax", n=n, v=out_act or netspec.kind(layers[-1]), hint=hint)
    if name == "bce" and out_act not in ("sigmoid", "softmax") and not forward_only:
        raise InputError("bce needs outputs in [0, 1] (a sigmoid output layer), but layer {n} is {v}",
                         field=f"layers[{n}].activation",
                         code="needs-sigmoid", n=n, v=out_act or netspec.kind(layers[-1]))
    if not np.isfinite(lr) or lr <= 0:
        raise InputError("the learning rate must be a number > 0, got {lr}", field="lr", lr=lr)
    if int(steps) != steps or steps < 0:
        raise InputError("steps must be a whole number ≥ 0, got {steps}", field="steps", steps=steps)
    key = str(order).strip().lower()
    if key not in ORDERS:
        raise InputError("unknown order '{order}'{key}; choose from {ORDERS}",
                         field="order", order=order, key=suggest(key, ORDERS), ORDERS=', '.join(ORDERS))
    return name, key, int(steps)
