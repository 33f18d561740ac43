"""Activation functions h(x), their derivatives h'(x), and a trace of both.

Every function is element-wise except softmax and log-softmax, which work
along the last axis. Conventions (stated again in `nncalc activate --help`):

* ReLU'(0) = 0, step'(x) = 0 everywhere, leaky-ReLU'(0) = alpha, ELU'(0) = alpha.
* step(0) = 0 (the unit step is 1 only for x > 0).
* gelu is the exact form x * Phi(x) with Phi the standard normal CDF (erf).
* The "derivative" of softmax is the diagonal of its Jacobian, p_i (1 - p_i);
  of log-softmax, 1 - p_i. `jacobian()` gives the full matrices.

All routines are written to stay finite where the math is finite: sigmoid
never evaluates exp of a positive number, softplus uses log1p, tanh' uses
exp(-2|x|), softmax subtracts the row maximum. Limits at +-inf are returned
where they exist (gelu(-inf) = 0, silu(-inf) = 0).
"""
import math
from typing import NamedTuple

import numpy as np

from nncalc.core import names as name_table
from nncalc.core.errors import InputError, Text, suggest
from nncalc.core.softmax import (log_softmax, log_softmax_diag, log_softmax_jacobian, softmax,
                                 softmax_diag, softmax_jacobian, softmax_parts)


class Activation(NamedTuple):
    # A NamedTuple, not a dataclass: `activate -q` start-up is measured against
    # bare numpy + click, and building a dataclass costs a few milliseconds.
    name: str
    formula: str
    derivative_formula: str
    output_range: str
    zero_centred: str
    strengths: str
    weaknesses: str
    forward: object
    derivative: object
    aliases: tuple = ()
    params: dict = {}        # parameter name -> default; never mutated
    elementwise: bool = True
    derivative_given_output: object = None  # h'(x) from (x, h(x)) where that saves a second h(x); same bits


# ---------------------------------------------------------------- element-wise

def sigmoid(x):
    """sigma(x) = 1 / (1 + e^-x), evaluated without exp of a positive number."""
    return sigmoid_keep(np.asarray(x, dtype=np.float64))[0]


def sigmoid_keep(x):
    """(sigma(x), kept) for a float64 array; ``sigmoid_grad_kept`` takes KEPT.

    sigma(x) picks 1/(1 + z) where x >= 0 and z/(1 + z) elsewhere, z = e^-|x|;
    sigma(-x) has the same z and picks the other quotient, so the derivative
    needs no second exp and has the bits of sigma(x) * sigma(-x)."""
    z = np.exp(np.copysign(x, -1.0))            # e^-|x| in (0, 1], never overflows (-|x| in one call)
    d = 1.0 + z
    big, small = 1.0 / d, z / d
    right = x >= 0
    return np.where(right, big, small), (x, right, big, small)


def sigmoid_grad_kept(x, y, kept):
    """sigma'(x) = sigma(x) * sigma(-x) from Y = sigma(x) and sigmoid_keep's KEPT for this X.

    sigma(-x) picks big where -x >= 0, i.e. x <= 0: the complement of x >= 0 except at
    x = ±0, where both quotients are exactly 0.5, and at NaN, where both are that NaN."""
    return y * np.where(kept[1], kept[3], kept[2])


def _sigmoid_grad(x):
    # sigma(x) * (1 - sigma(x)) with 1 - sigma(x) taken as sigma(-x): no cancellation.
    return _sigmoid_grad_given(x, sigmoid(x))


def _sigmoid_grad_given(x, y):
    return y * sigmoid(-x)


def _identity(x, slope=1.0):
    x = np.asarray(x, dtype=np.float64)
    if slope == 0:
        return np.zeros_like(x)                 # 0 * inf is 0 in the limit
    return slope * x


def _identity_grad(x, slope=1.0):
    return np.full(np.shape(x), float(slope))


def _step(x):
    return (np.asarray(x) > 0).astype(np.float64)


def _step_grad(x):
    return np.zeros(np.shape(x))


def _tanh_grad(x):
    # 1 - tanh^2(x) = 4 z / (1 + z)^2 with z = e^(-2|x|): exact for large |x| too.
    z = np.exp(-2.0 * np.abs(np.asarray(x, dtype=np.float64)))
    return 4.0 * z / (1.0 + z) ** 2


def _relu(x):
    return np.maximum(np.asarray(x, dtype=np.float64), 0.0)


def _relu_grad(x):
    return (np.asarray(x) > 0).astype(np.float64)


def _leaky_relu(x, alpha=0.01):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        neg = np.where(np.isinf(x) & (alpha == 0), 0.0, alpha * x)
    return np.where(x > 0, x, neg)


def _leaky_relu_grad(x, alpha=0.01):
    return np.where(np.asarray(x) > 0, 1.0, float(alpha))


def _elu(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        neg = alpha * np.expm1(np.minimum(x, 0.0))
    return np.where(x > 0, x, neg)


def _elu_grad(x, alpha=1.0):
    x = np.asarray(x, dtype=np.float64)
    return np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0.0)))


def _softplus(x):
    x = np.asarray(x, dtype=np.float64)
    return np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))


_erf = np.frompyfunc(math.erf, 1, 1)
_erfc = np.frompyfunc(math.erfc, 1, 1)


def _phi_cdf(x):
    # Phi(x) = erfc(-x / sqrt 2) / 2: erfc keeps precision in the left tail.
    # np.asarray: on a 0-d input the object ufunc returns a bare Python float (no .astype)
    return 0.5 * np.asarray(_erfc(-np.asarray(x, dtype=np.float64) / math.sqrt(2.0)), dtype=np.float64)


def _phi_pdf(x):
    return np.exp(-0.5 * np.square(x)) / math.sqrt(2.0 * math.pi)


def _gelu(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        y = x * _phi_cdf(x)
    return np.where(np.isneginf(x), 0.0, y)


def _gelu_grad(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        g = _phi_cdf(x) + x * _phi_pdf(x)
    return np.where(np.isinf(x), np.where(x > 0, 1.0, 0.0), g)


def _silu(x):
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        y = x * sigmoid(x)
    return np.where(np.isneginf(x), 0.0, y)


def _silu_grad(x):
    # d/dx x sigma(x) = sigma(x) + x sigma(x) sigma(-x)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        g = sigmoid(x) + x * sigmoid(x) * sigmoid(-x)
    return np.where(np.isinf(x), np.where(x > 0, 1.0, 0.0), g)


def jacobian(name, x):
    """Full Jacobian along the last axis, shape (..., n, n): softmax and log-softmax only."""
    act = get(name)
    if act.name == "softmax":
        return softmax_jacobian(x)
    if act.name == "log-softmax":
        return log_softmax_jacobian(x)
    raise InputError("the full Jacobian applies to softmax and log-softmax, not {name}", field="activation",
                     name=act.name)


# ------------------------------------------------------------------- registry

_TABLE = (
    Activation(
        "identity", "h(x) = c·x", "h'(x) = c", "(−∞, ∞)", Text("yes"),
        Text("keeps the value; the usual output for regression"),
        Text("stacking linear layers collapses to one linear layer (c³x is still linear)"),
        _identity, _identity_grad, params={"slope": 1.0}),
    Activation(
        "step", Text("h(x) = 1 if x > 0 else 0"), "h'(x) = 0", "{0, 1}", Text("no"),
        Text("the original perceptron threshold; a clear yes/no"),
        Text("gradient is zero everywhere, so gradient descent cannot learn through it"),
        _step, _step_grad),
    Activation(
        "sigmoid", "σ(x) = 1 / (1 + e^(−x))", "σ'(x) = σ(x)(1 − σ(x))", "(0, 1)", Text("no"),
        Text("simple; turns a score into a probability, suited to a binary-classification output"),
        Text("vanishing gradient (σ' ≤ 0.25), output not zero-centred, zig-zag updates slow training"),
        sigmoid, _sigmoid_grad, derivative_given_output=_sigmoid_grad_given),
    Activation(
        "tanh", "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))", "tanh'(x) = 1 − tanh²(x)",
        "(−1, 1)", Text("yes"),
        Text("zero-centred output; usually converges faster than sigmoid"),
        Text("still saturates: vanishing gradient for large |x|"),
        np.tanh, _tanh_grad),
    Activation(
        "relu", "ReLU(x) = max(0, x)", Text("ReLU'(x) = 1 if x > 0 else 0  (ReLU'(0) = 0)"),
        "[0, ∞)", Text("no"),
        Text("no vanishing gradient for x > 0; cheap (no exponential)"),
        Text("dying ReLU: a neuron stuck at x ≤ 0 gets zero gradient and stops learning"),
        _relu, _relu_grad),
    Activation(
        "leaky-relu", Text("h(x) = x if x > 0 else α·x"), Text("h'(x) = 1 if x > 0 else α  (h'(0) = α)"),
        "(−∞, ∞)", Text("roughly"),
        Text("small slope α for x ≤ 0 keeps neurons alive"),
        Text("two different linear pieces, so predictions are not consistent across the two sides"),
        _leaky_relu, _leaky_relu_grad, params={"alpha": 0.01}),
    Activation(
        "elu", Text("h(x) = x if x > 0 else α(e^x − 1)"), Text("h'(x) = 1 if x > 0 else α·e^x  (h'(0) = α)"),
        "(−α, ∞)", Text("roughly"),
        Text("smooth negative part pushes mean activations toward zero; no dying neurons"),
        Text("needs an exponential for x ≤ 0; saturates at −α"),
        _elu, _elu_grad, params={"alpha": 1.0}),
    Activation(
        "softplus", "h(x) = ln(1 + e^x)", "h'(x) = σ(x)", "(0, ∞)", Text("no"),
        Text("a smooth ReLU with a gradient everywhere"),
        Text("not zero-centred; costlier than ReLU"),
        _softplus, sigmoid),
    Activation(
        "gelu", "GELU(x) = x·Φ(x),  Φ(x) = ½(1 + erf(x/√2))", "GELU'(x) = Φ(x) + x·φ(x)",
        "[≈−0.17, ∞)", Text("roughly"),
        Text("smooth, used in Transformers; weights inputs by their probability"),
        Text("costlier (erf); exact and tanh-approximate forms differ slightly"),
        _gelu, _gelu_grad),
    Activation(
        "silu", "SiLU(x) = x·σ(x)", "SiLU'(x) = σ(x)(1 + x(1 − σ(x)))", "[≈−0.28, ∞)", Text("roughly"),
        Text("smooth and non-monotonic; often beats ReLU in deep networks"),
        Text("needs an exponential; unbounded above"),
        _silu, _silu_grad),
    Activation(
        "softmax", Text("p_i = e^(x_i) / Σ_j e^(x_j)  (along the last axis)"),
        Text("∂p_i/∂x_j = p_i(δ_ij − p_j); diagonal p_i(1 − p_i)"), Text("(0, 1), rows sum to 1"), Text("no"),
        Text("turns scores into a probability distribution for multi-class output"),
        Text("saturates when one score dominates; needs the max subtracted to avoid overflow"),
        softmax, softmax_diag, elementwise=False),
    Activation(
        "log-softmax", Text("log p_i = x_i − log Σ_j e^(x_j)  (along the last axis)"),
        Text("∂log p_i/∂x_j = δ_ij − p_j; diagonal 1 − p_i"), "(−∞, 0]", Text("no"),
        Text("numerically stable log-probabilities for cross-entropy"),
        Text("outputs are logs, not probabilities"),
        log_softmax, log_softmax_diag, elementwise=False),
)

# a new activation's name and aliases go in core/names.py too (shell completion reads them there)
_TABLE = tuple(a._replace(aliases=name_table.ACTIVATIONS.get(a.name, ())) for a in _TABLE)
name_table.check_registry(name_table.ACTIVATIONS, (a.name for a in _TABLE))
BY_NAME = {a.name: a for a in _TABLE}
_ALIASES = {alias: a.name for a in _TABLE for alias in (a.name, *a.aliases)}


def names():
    return [a.name for a in _TABLE]


def all_activations():
    return list(_TABLE)


def canonical(name):
    """The registry name for NAME (case, '_' and aliases tolerated), or None."""
    key = str(name).strip().lower().replace("_", "-")
    return _ALIASES.get(key) or _ALIASES.get(key.replace("-", ""))


def get(name):
    """The Activation called NAME; an unknown name is an InputError (field "activation")
    with the closest match."""
    key = canonical(name)
    if key is None:
        raise InputError("unknown function '{name}'{hint}; choose from {names}",
            field="activation", name=name, hint=suggest(name, _ALIASES, _ALIASES), names=", ".join(names()))
    return BY_NAME[key]


def params_for(act, params):
    """ACT's parameters with PARAMS applied over its defaults, as floats (None keeps a default).

    A parameter ACT does not take is an InputError whose field is that parameter's name.
    """
    extra = sorted(set(params) - set(act.params))
    if extra:
        raise InputError("{name} takes no parameter {extra}",
                         field=extra[0], name=act.name, extra=", ".join(extra))
    merged = dict(act.params)
    merged.update({k: float(v) for k, v in params.items() if v is not None})
    return merged


def forward(name, x, **params):
    """h(x) for the activation called NAME."""
    act = get(name)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.asarray(act.forward(x, **params_for(act, params)), dtype=np.float64)


def derivative(name, x, **params):
    """h'(x) for the activation called NAME (softmax: the Jacobian's diagonal)."""
    act = get(name)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        return np.asarray(act.derivative(x, **params_for(act, params)), dtype=np.float64)


class ActivationTrace(NamedTuple):
    """What `activate` shows: the input, h(x), h'(x) and the named middle steps.

    ``columns`` lists (header, array) pairs shaped like the input; ``row_sums``
    holds the softmax denominators (one per row) when there are any.
    """
    activation: Activation
    params: dict
    input: np.ndarray
    result: np.ndarray
    derivative: np.ndarray
    columns: list
    row_sums: np.ndarray = None


def trace(name, x, **params):
    act = get(name)
    p = params_for(act, params)
    x = np.asarray(x, dtype=np.float64)
    with np.errstate(all="ignore"):
        y = np.asarray(act.forward(x, **p), dtype=np.float64)
        dy = np.asarray(act.derivative(x, **p), dtype=np.float64)
        columns = [("x", x)]
        row_sums = None
        if act.name == "sigmoid":
            columns += [("σ(x)", y), ("1−σ(x)", sigmoid(-x)), ("σ(x)(1−σ(x))", dy)]
        elif act.name in ("softmax", "log-softmax"):
            shifted, exps, total, prob = softmax_parts(x)
            row_sums = total[..., 0]
            columns += [("x−max", shifted), ("exp(x−max)", exps), ("Σ exp", np.broadcast_to(total, x.shape))]
            if act.name == "softmax":
                columns += [("p = exp/Σ", y), ("p(1−p)", dy)]
            else:
                columns += [("p", prob), ("log p", y), ("1−p", dy)]
        else:
            columns += [("h(x)", y), ("h'(x)", dy)]
    if np.isnan(y).any() or np.isnan(dy).any():
        raise InputError("{name} is not defined for some of these values",
                         field="input", name=act.name)
    return ActivationTrace(act, p, x, y + 0.0, dy + 0.0, columns, row_sums)
