"""The --check feature: central differences for every weight and bias beside backprop's.

E is evaluated with exactly the network's loss (core/network.py); each
parameter θ moves by ±h·max(1, |θ|) and the numeric gradient is
(E(θ + step) − E(θ − step)) / (2·step). The relative error is
|backprop − numeric| / max(|backprop|, |numeric|), 0 where both are 0.
"""
from dataclasses import dataclass

import numpy as np

from nncalc.core import network
from nncalc.core.errors import InputError


@dataclass
class LayerCheck:
    layer: int
    backprop_w: np.ndarray
    numeric_w: np.ndarray
    rel_error_w: np.ndarray     # |backprop − numeric| / max(|backprop|, |numeric|); 0 where both are 0
    backprop_b: np.ndarray
    numeric_b: np.ndarray
    rel_error_b: np.ndarray


@dataclass
class GradientCheck:
    h: float
    loss_value: float
    layers: list                # LayerCheck per layer, input layer first
    max_rel_error: float


def _rel_error(a, n):
    den = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den == 0, 0.0, np.abs(a - n) / den)


def parameter_count(layers):
    """Weights and biases --check perturbs (a shared bias counts once): two forward passes each."""
    return sum(int(np.size(layer.weights)) + int(np.size(layer.bias)) for layer in layers)


def numeric_gradient(layers, X, T, loss, h=1e-6, progress=None):
    """Central differences (E(θ + h) − E(θ − h)) / 2h for every weight and bias, beside backprop's.

    The step is h·max(1, |θ|) for each parameter θ. ``progress(n)``, when
    given, is called as parameters are done (n at a time, summing to the
    parameter count): two forward passes per parameter add up on a big
    network, and the CLI draws a bar with it.
    """
    if not h > 0:
        raise InputError(f"the finite-difference step must be > 0, got {h}", arg="--h")
    name, _, _, x, t, _ = network._setup(layers, X, T, loss)
    eng = network._Engine(layers, name)

    def energy():
        _, nets, outs = eng.forward(x)
        return eng.loss_value_grad(outs[-1], t, nets[-1])[0]

    with np.errstate(all="ignore"):
        value, _, tr = eng.step(x, t, trace=True, update=False)
        grads = {r.layer - 1: (r.grad_w, r.grad_b) for r in tr.backward}
        checks = []
        for i in range(len(layers)):
            numeric = []
            for params in (eng.W, eng.b):
                base = params[i]
                num = np.zeros(base.shape)
                for idx in np.ndindex(base.shape):
                    step = h * max(1.0, abs(base[idx]))
                    plus, minus = base.copy(), base.copy()
                    plus[idx] += step
                    minus[idx] -= step
                    params[i] = plus
                    e_plus = energy()
                    params[i] = minus
                    e_minus = energy()
                    num[idx] = (e_plus - e_minus) / (plus[idx] - minus[idx])
                    if progress is not None:
                        progress(1)
                params[i] = base
                numeric.append(num)
            gw, gb = grads[i]
            checks.append(LayerCheck(i + 1, gw, numeric[0], _rel_error(gw, numeric[0]),
                                     np.asarray(gb), numeric[1], _rel_error(gb, numeric[1])))
    worst = max(float(np.max(c.rel_error_w, initial=0)) for c in checks)
    worst = max([worst] + [float(np.max(c.rel_error_b, initial=0)) for c in checks])
    return GradientCheck(float(h), float(value), checks, worst)
