"""Parameter updates for `backprop`: sgd, momentum and adam.

Each optimizer keeps its own state per parameter (a key such as (layer, "w"))
and `update(key, p, g)` returns (new p, change), where new p = p + change.
Nothing is updated in place; the arrays given are never modified.

* sgd       w ← w − η·g                         (change = −η·g)
* momentum  v ← μ·v − η·g;  w ← w + v           (v starts at 0, default μ = 0.9)
            This is the "classical" form. torch.optim.SGD(momentum=μ) writes
            b ← μ·b + g;  w ← w − η·b  (b starts at g). With a constant η the two
            give the same weights (v = −η·b), so results agree with torch to
            rounding; only the stored velocity differs, by the factor −η.
* adam      m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  t ← t + 1
            m̂ = m/(1−β1^t);  v̂ = v/(1−β2^t);  w ← w − η·m̂/(√v̂ + ε)
            (β1 = 0.9, β2 = 0.999, ε = 1e-8), evaluated in the order
            torch.optim.Adam uses: w − (η/(1−β1^t))·m / (√v/√(1−β2^t) + ε).
"""
import math

import numpy as np

from nncalc.core.errors import InputError, suggest

NAMES = ("sgd", "momentum", "adam")


class SGD:
    name = "sgd"
    change_formula = "−η·∂E/∂w"

    def __init__(self, lr):
        self.lr = float(lr)
        self._neg_lr = -self.lr

    def update(self, key, p, g):
        change = self._neg_lr * g
        return p + change, change


class Momentum(SGD):
    name = "momentum"
    change_formula = "v = μ·v − η·∂E/∂w"

    def __init__(self, lr, momentum=0.9):
        super().__init__(lr)
        self.momentum = float(momentum)
        self.velocity = {}

    def update(self, key, p, g):
        v = self.velocity.get(key)
        v = self._neg_lr * g if v is None else self.momentum * v - self.lr * g
        self.velocity[key] = v
        return p + v, v


class Adam(SGD):
    name = "adam"
    change_formula = "−η·m̂/(√v̂ + ε)"

    def __init__(self, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.state = {}         # key -> (t, m, v)

    def update(self, key, p, g):
        t, m, v = self.state.get(key) or (0, 0.0 * g, 0.0 * g)
        t += 1
        m = m + (1.0 - self.beta1) * (g - m)            # torch: exp_avg.lerp_(g, 1 − β1)
        v = v * self.beta2 + (1.0 - self.beta2) * (g * g)
        self.state[key] = (t, m, v)
        step_size = self.lr / (1.0 - self.beta1 ** t)
        denom = np.sqrt(v) / math.sqrt(1.0 - self.beta2 ** t) + self.eps
        change = -step_size * m / denom
        return p + change, change


def canonical(name):
    key = str(name).strip().lower().replace("_", "-")
    return {"sgd": "sgd", "gd": "sgd", "momentum": "momentum", "sgd-momentum": "momentum",
            "adam": "adam"}.get(key)


def make(name, lr, momentum=0.9, betas=(0.9, 0.999), eps=1e-8):
    """The optimizer NAME; errors name the fields optimizer, momentum, betas."""
    key = canonical(name)
    if key is None:
        raise InputError("unknown optimizer '{name}'{name2}; choose from {NAMES}",
                         field="optimizer", code="unknown", name=name, name2=suggest(name, NAMES), NAMES=', '.join(NAMES))
    if key == "sgd":
        return SGD(lr)
    if key == "momentum":
        if not 0 <= momentum < 1:
            raise InputError("momentum must be in [0, 1), got {momentum}", field="momentum",
                             momentum=momentum)
        return Momentum(lr, momentum)
    if not all(0 <= b < 1 for b in betas):
        raise InputError("adam betas must be in [0, 1), got {betas}", field="betas", betas=tuple(betas))
    return Adam(lr, betas, eps)
