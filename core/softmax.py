"""Softmax and log-softmax along the last axis, kept exact in float64.

p_i = e^(x_i − max) / Σ_j e^(x_j − max). Subtracting the row maximum keeps
every exponential ≤ 1; the largest term is exactly 1, so Σ = 1 + rest and
log Σ = log1p(rest), 1 − p_max = rest / (1 + rest) keep full precision even
when one entry dominates. +inf is refused (the limit depends on how the
values grow); -inf entries get p = 0.
"""
import numpy as np

from nncalc.core.errors import InputError


def _check_rows(x):
    x = np.asarray(x, dtype=np.float64)
    if np.isposinf(x).any():
        raise InputError("softmax is not defined for +inf (the limit depends on how the values grow)",
                         field="input")
    if x.size and np.isneginf(x).all(axis=-1).any():
        raise InputError("softmax of a row that is all -inf is undefined", field="input")
    return x


def softmax_parts(x):
    """The steps of a stable softmax: x - max, exp(x - max), their sum, p."""
    x = _check_rows(x)
    shifted = x - x.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    total = exps.sum(axis=-1, keepdims=True)
    return shifted, exps, total, exps / total


def _rest(exps):
    """Σ exp(x − max) without the largest term (which is exactly 1), summed apart
    so that log Σ = log1p(rest) and 1 − p_max = rest / (1 + rest) keep their
    precision when one entry dominates."""
    top = np.argmax(exps, axis=-1)[..., None]
    others = exps.copy()
    np.put_along_axis(others, top, 0.0, axis=-1)
    return others.sum(axis=-1, keepdims=True), top


def _one_minus_p(x):
    _, exps, total, p = softmax_parts(x)
    rest, top = _rest(exps)
    q = 1.0 - p
    np.put_along_axis(q, top, rest / (1.0 + rest), axis=-1)
    return p, q


def softmax(x):
    return softmax_parts(x)[3]


def log_softmax(x):
    shifted, exps, _, _ = softmax_parts(x)
    return shifted - np.log1p(_rest(exps)[0])


def softmax_diag(x):
    p, q = _one_minus_p(x)
    return p * q


def log_softmax_diag(x):
    return _one_minus_p(x)[1]


def softmax_jacobian(x):
    """J[..., i, j] = ∂p_i/∂x_j = p_i(δ_ij − p_j), i.e. diag(p) − p pᵀ per row."""
    p = softmax(x)
    return p[..., :, None] * np.eye(p.shape[-1]) - p[..., :, None] * p[..., None, :]


def log_softmax_jacobian(x):
    """J[..., i, j] = ∂log p_i/∂x_j = δ_ij − p_j, i.e. I − 1 pᵀ per row."""
    p = softmax(x)
    return np.eye(p.shape[-1]) - np.ones_like(p)[..., :, None] * p[..., None, :]
