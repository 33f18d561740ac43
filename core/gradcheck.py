"""The --check feature: central differences for every weight, kernel and bias beside backprop's.

E is evaluated with exactly the network's loss (core/network.py's Network); each
parameter θ moves by ±h·max(1, |θ|) and the numeric gradient is
(E(θ + step) − E(θ − step)) / (2·step). The relative error is
|backprop − numeric| / max(|backprop|, |numeric|), 0 where both are 0.
"""
from dataclasses import dataclass

import numpy as np

from nncalc.core.netdata import check_settings, prepare
from nncalc.core.network import Network
from nncalc.core.errors import InputError


@dataclass
class LayerCheck:
    layer: int
    backprop_w: np.ndarray      # weights, or a conv layer's kernels (F×C×kh×kw)
    numeric_w: np.ndarray
    rel_error_w: np.ndarray     # |backprop − numeric| / max(|backprop|, |numeric|); 0 where both are 0
    backprop_b: np.ndarray
    numeric_b: np.ndarray
    rel_error_b: np.ndarray
    main: str = "weights"       # or "kernels"


@dataclass
class GradientCheck:
    h: float
    loss_value: float
    layers: list                # LayerCheck per layer with parameters, input layer first
    max_rel_error: float


def _rel_error(a, n):
    den = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, 0.0, np.abs(a - n) / den)


def parameter_count(layers):
    """Weights, kernels and biases --check perturbs (a shared bias counts once): two forward passes each."""
    total = 0
    for s in layers:
        for key in ("weights", "kernels", "bias"):
            total += int(np.size(getattr(s, key, ())))
    return total


def numeric_gradient(layers, X, T, loss, h=1e-6, progress=None):
    """Central differences (E(θ + h) − E(θ − h)) / 2h for every parameter, beside backprop's.

    The step is h·max(1, |θ|) for each parameter θ. ``progress(n)``, when
    given, is called as parameters are done (n at a time, summing to the
    parameter count): two forward passes per parameter add up on a big
    network, and the CLI draws a bar with it.
    """
    if not h > 0:
        raise InputError("the finite-difference step must be > 0, got {h}", field="h", h=h)
    name, _, _ = check_settings(layers, loss)
    d = prepare(layers, X, T, name)
    net = Network(layers, name, d.in_shape)
    with np.errstate(all="ignore"):
        value, _, tr = net.step(d.x, d.t, trace=True, update=False)
        grads = {r.layer: r for r in tr.backward}
        checks = []
        for layer in net.layers:
            if not layer.params:
                continue
            numeric = [_numeric(net, layer.params, key, d, h, progress) for key in (layer.main, "bias")]
            rec = grads[layer.index]
            gm = rec.grad_kernels if layer.main == "kernels" else rec.grad_w
            gb = np.asarray(rec.grad_bias if layer.main == "kernels" else rec.grad_b)
            checks.append(LayerCheck(layer.index, gm, numeric[0], _rel_error(gm, numeric[0]),
                                     gb, numeric[1], _rel_error(gb, numeric[1]), layer.main))
    worst = max([0.0] + [float(np.max(c.rel_error_w, initial=0)) for c in checks]
                + [float(np.max(c.rel_error_b, initial=0)) for c in checks])
    return GradientCheck(float(h), float(value), checks, worst)


def _numeric(net, params, key, d, h, progress):
    base = params[key]
    num = np.zeros(base.shape)
    for idx in np.ndindex(base.shape):
        step = h * max(1.0, abs(base[idx]))
        plus, minus = base.copy(), base.copy()
        plus[idx] += step
        minus[idx] -= step
        params[key] = plus
        e_plus = net.value(d.x, d.t)
        params[key] = minus
        e_minus = net.value(d.x, d.t)
        num[idx] = (e_plus - e_minus) / (plus[idx] - minus[idx])
        if progress is not None:
            progress(1)
    params[key] = base
    return num
