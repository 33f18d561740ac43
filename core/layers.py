"""The layers `backprop` chains: forward keeps what backward needs, backward returns ∂E/∂in.

Every layer has the same small protocol (conv and pool are in core/convlayers.py):

* ``forward(x, trace)`` returns the output and keeps its input (and the
  pre-activation ``net``) for the backward pass; with ``trace`` it also keeps
  ``self.record``, the numbers of the step for the trace.
* ``deltas(g, trace, skip_activation)`` takes G = ∂E/∂out and returns
  (δ = ∂E/∂net, {parameter name: ∂E/∂parameter}, record or None).
* ``grad_input(delta)`` returns ∂E/∂in with the parameters as they are *now*
  (so the engine decides whether an update came first: the sequential order).
* ``params`` maps names (``weights``/``kernels``, ``bias``) to arrays; the
  engine replaces them after an update, never modifies them in place.

Batches go along axis 0: dense layers see N×features, conv and pool N×C×H×W.

The activation part of a dense or conv layer, and the stand-alone activation
layer, share one rule: δ = ∂E/∂out ⊙ h'(net) element-wise; softmax and
log-softmax use their full Jacobian along a sample's values,
δ = p ⊙ (g − Σ_k g_k·p_k) and δ = g − p·Σ_k g_k. With cross-entropy the
output layer's δ comes from the loss directly, (p − t)/N
(``skip_activation``).
"""
from dataclasses import dataclass

import numpy as np

from nncalc.core import activations as acts
from nncalc.core.netrecords import BackwardRecord, ForwardRecord
from nncalc.core.errors import Text

RULES = {       # how δ was obtained: shown in the trace
    "ce": Text("δ = (p − t)/N  (softmax output with cross-entropy)"),
    "softmax": Text("δ = p ⊙ (∂E/∂out − Σ_k ∂E/∂out_k·p_k)  (full softmax Jacobian)"),
    "log-softmax": Text("δ = ∂E/∂out − p·Σ_k ∂E/∂out_k  (full log-softmax Jacobian)"),
    "elementwise": "δ = ∂E/∂out · ∂out/∂net",
}


class Act:
    """h with its parameters: the activation of a dense, conv or activation layer."""

    def __init__(self, name, params=None):
        a = acts.get(name)
        self.name, self.info = a.name, a
        self.params = acts.params_for(a, params or {})
        self.coupled = None if a.elementwise else a.name     # softmax / log-softmax
        self.given_output = a.derivative_given_output
        self.kept = None

    def forward(self, z):
        if self.name == "sigmoid":      # keeps what σ' needs (activations.sigmoid_keep)
            out, self.kept = acts.sigmoid_keep(z)
            return out
        return self.info.forward(z, **self.params)

    def derivative(self, z, out):
        if self.kept is not None and self.kept[0] is z:
            return acts.sigmoid_grad_kept(z, out, self.kept)
        if self.given_output is not None:
            return self.given_output(z, out, **self.params)
        return self.info.derivative(z, **self.params)

    def delta(self, g, z, out, trace, skip):
        """(δ, h'(net) or None, rule key) for G = ∂E/∂out."""
        if self.name == "relu" and not (trace or skip):
            return g * (z > 0), None, "elementwise"     # g·ReLU'(z): NumPy multiplies by True/False as 1.0/0.0
        deriv = self.derivative(z, out) if (trace or self.coupled is None) else None
        if skip:
            return g, deriv, "ce"
        if self.coupled is None:
            return g * deriv, deriv, "elementwise"
        if self.coupled == "softmax":
            return out * (g - (g * out).sum(axis=1, keepdims=True)), deriv, "softmax"
        return g - np.exp(out) * g.sum(axis=1, keepdims=True), deriv, "log-softmax"


class Dense:
    """net = x·Wᵀ + b (W out×in: one row per neuron), out = h(net)."""

    type = "dense"
    main = "weights"

    def __init__(self, index, weights, bias, activation="sigmoid", params=None):
        self.index = index              # 1-based, for records
        self.params = {"weights": np.array(weights, dtype=np.float64),
                       "bias": np.array(bias, dtype=np.float64)}
        self.act = Act(activation, params)

    def forward(self, x, trace=False):
        p = self.params
        self.x = x
        self.net = z = x @ p["weights"].T + p["bias"]
        self.out = a = self.act.forward(z)
        if trace:
            self.record = ForwardRecord(self.index, self.act.name, dict(self.act.params),
                                        self.act.info.formula,
                                        x, p["weights"], p["bias"], z, a)
        return a

    def deltas(self, g, trace=False, skip_activation=False):
        delta, deriv, rule = self.act.delta(g, self.net, self.out, trace, skip_activation)
        b = self.params["bias"]
        grads = {"weights": delta.T @ self.x, "bias": np.add.reduce(delta, axis=0 if b.ndim else None)}
        rec = None
        if trace:
            rec = BackwardRecord(self.index, RULES[rule], g, deriv, self.act.info.derivative_formula, delta,
                                 grads["weights"], grads["bias"], self.x)
        return delta, grads, rec

    def grad_input(self, delta):
        return delta @ self.params["weights"]


class Activation:
    """out = h(x) element-wise (softmax and log-softmax: along each sample's values)."""

    type = "activation"
    main = None

    def __init__(self, index, function, params=None):
        self.index = index
        self.params = {}
        self.act = Act(function, params)

    def forward(self, x, trace=False):
        self.net = x
        self.out = a = self.act.forward(x)
        if trace:
            self.record = ActivationRecord(self.index, self.act.name, dict(self.act.params),
                                           self.act.info.formula, x, a)
        return a

    def deltas(self, g, trace=False, skip_activation=False):
        delta, deriv, rule = self.act.delta(g, self.net, self.out, trace, skip_activation)
        rec = None
        if trace:
            rec = ActivationBackward(self.index, RULES[rule], g, deriv, self.act.info.derivative_formula,
                                     delta)
        return delta, {}, rec

    def grad_input(self, delta):
        return delta


class Flatten:
    """N×C×H×W → N×(C·H·W), row-major over C, H, W (as PyTorch's flatten(1))."""

    type = "flatten"
    main = None

    def __init__(self, index):
        self.index = index
        self.params = {}
        self.act = None

    def forward(self, x, trace=False):
        self.shape = x.shape
        out = x.reshape(x.shape[0], -1)
        if trace:
            self.record = FlattenRecord(self.index, x.shape, out.shape)
        return out

    def deltas(self, g, trace=False, skip_activation=False):
        rec = FlattenRecord(self.index, self.shape, g.shape, g, g.reshape(self.shape)) if trace else None
        return g, {}, rec

    def grad_input(self, delta):
        return delta.reshape(self.shape)


# ------------------------------------------------------------------ records of the layers above

@dataclass
class ActivationRecord:
    layer: int
    activation: str
    params: dict
    formula: str
    inputs: np.ndarray      # net, the values h is applied to
    out: np.ndarray

    @property
    def net(self):
        return self.inputs


@dataclass
class ActivationBackward:
    layer: int
    rule: str
    dE_dout: np.ndarray
    dout_dnet: np.ndarray   # h'(x) (softmax: the Jacobian's diagonal)
    derivative_formula: str
    delta: np.ndarray       # ∂E/∂x, passed down


@dataclass
class FlattenRecord:
    layer: int
    in_shape: tuple
    out_shape: tuple
    dE_dout: np.ndarray = None      # backward: N×features
    delta: np.ndarray = None        # ... reshaped back into N×C×H×W maps
