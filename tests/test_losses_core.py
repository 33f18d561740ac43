"""core/losses.py: hand values, finite differences, PyTorch as oracle, and input errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st
from hypothesis.extra.numpy import arrays

from nncalc.core import losses
from nncalc.core.errors import InputError


def test_half_sse_hand_value():
    r = losses.compute("half-sse", [1.7310585786300049], [2.0])
    assert r.value == pytest.approx(0.5 * 0.2689414213699951 ** 2, rel=1e-15)
    assert r.grad[0] == pytest.approx(-0.2689414213699951, abs=1e-15)
    assert r.terms.shape == (1,) and r.samples == 1


def test_sse_and_half_sse_average_over_samples():
    o = np.array([[1.0, 2.0], [3.0, 4.0]])
    t = np.array([[0.0, 0.0], [1.0, 1.0]])
    half = losses.compute("half-sse", o, t)
    assert half.value == (0.5 * (1 + 4) + 0.5 * (4 + 9)) / 2
    np.testing.assert_array_equal(half.grad, (o - t) / 2)
    full = losses.compute("sse", o, t)
    assert full.value == 2 * half.value
    np.testing.assert_array_equal(full.grad, 2 * (o - t) / 2)
    mse = losses.compute("mse", o, t)
    assert mse.value == (1 + 4 + 4 + 9) / 4
    assert "averaged over 2 samples" in half.reduction and "4 elements" in mse.reduction


def test_cross_entropy_eps_and_exact():
    p = np.array([0.2, 0.7, 0.1])
    r = losses.compute("cross-entropy", p, 1)
    assert r.value == -math.log(0.7 + 1e-7)
    np.testing.assert_array_equal(r.target, [0, 1, 0])
    assert losses.compute("ce", p, [0, 1, 0], eps=0).value == -math.log(0.7)
    np.testing.assert_array_equal(losses.compute("ce", p, 1, eps=0).grad, [0, -1 / 0.7, 0])


def test_cross_entropy_from_logits_matches_probabilities():
    z = np.array([[1.0, 2.0, 0.5], [-3.0, 0.0, 3.0]])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    a = losses.compute("cross-entropy", z, [2, 0], from_logits=True)
    b = losses.compute("cross-entropy", p, [2, 0], eps=0)
    assert a.value == pytest.approx(b.value, rel=1e-14)
    np.testing.assert_allclose(a.grad, (p - a.target) / 2, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(a.probs, p, rtol=1e-15)
    assert a.eps == 0.0 and a.from_logits
    # stable for huge scores
    big = losses.compute("ce", [[1000.0, 0.0]], [1], from_logits=True)
    assert big.value == 1000.0


def test_bce_clamps_like_torch_and_zero_log_zero():
    r = losses.compute("bce", [0.0, 1.0, 0.0], [0.0, 1.0, 1.0])
    np.testing.assert_array_equal(r.terms, [0.0, 0.0, 100.0])
    assert r.value == 100.0 / 3


def test_inputs_not_mutated():
    o = np.array([[0.2, 0.8]])
    t = np.array([[0.0, 1.0]])
    o0, t0 = o.copy(), t.copy()
    for name in losses.names():
        losses.compute(name, o, t)
    np.testing.assert_array_equal(o, o0)
    np.testing.assert_array_equal(t, t0)


@pytest.mark.parametrize("name,pred,target,field,code,needle", [
    ("nope", [0.5], [1.0], "loss", None, "unknown loss"),
    ("mse", [[1.0, 2.0]], [[1.0, 2.0, 3.0]], "target", "target_shape", "1×3"),
    ("mse", [[1.0, 2.0]], [[1.0], [2.0]], "target", "target_shape", "1×2"),
    ("cross-entropy", [[0.5, 0.5]], [2], "target", "class_index", "out of range"),
    ("cross-entropy", [[0.5, 0.5]], [0.5], "target", "class_index", "whole numbers"),
    ("cross-entropy", [[0.5, 0.5]], [-1], "target", "class_index", "out of range"),
    ("bce", [1.5], [1.0], "pred", None, "[0, 1]"),
    ("cross-entropy", [-0.1, 1.1], [0, 1], "pred", "logits", "[0, 1]"),          # scores? (issue 12)
    ("cross-entropy", [0.5, 0.6, 0.1], [0], "pred", "not_distribution", "sums to 1.2, not 1"),
    ("cross-entropy", [[0.5, 0.5], [0.5, 0.4]], [0, 1], "pred", "not_distribution", "row 2"),
    ("bce", [0.5], [2.0], "target", None, "[0, 1]"),
])
def test_errors_name_the_field_and_code(name, pred, target, field, code, needle):
    with pytest.raises(InputError) as e:
        losses.compute(name, pred, target)
    assert (e.value.field, e.value.code) == (field, code) and not hasattr(e.value, "arg")
    assert needle in e.value.message and "--" not in e.value.message


@pytest.mark.parametrize("name,pred,target,kw,field", [
    ("mse", [0.5], [1.0], dict(from_logits=True), "from_logits"),
    ("ce", [0.5, 0.5], [0.0, 1.0], dict(eps=-1.0), "eps"),
    ("ce", [np.inf, 0.5], [0.0, 1.0], dict(from_logits=True), "pred"),
])
def test_option_errors_name_the_field(name, pred, target, kw, field):
    with pytest.raises(InputError) as e:
        losses.compute(name, pred, target, **kw)
    assert e.value.field == field and "--" not in e.value.message


@pytest.mark.parametrize("pred,target,sentence", [
    ([1.0], [2.0], "summed over each sample's 1 output, averaged over 1 sample"),
    ([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [[0.0, 0.0]] * 3,
     "summed over each sample's 2 outputs, averaged over 3 samples"),
])
def test_reduction_sentence_counts_samples_and_outputs(pred, target, sentence):
    assert losses.compute("half-sse", pred, target).reduction == sentence
    assert losses.compute("mse", pred, target).reduction == \
        "mean over all {} element{}".format(np.size(pred), "s" * (np.size(pred) != 1))
    logits = losses.compute("ce", pred, np.eye(np.shape(pred)[-1])[[0] * len(np.atleast_2d(pred))]
                            .reshape(np.shape(pred)), from_logits=True)
    assert logits.reduction == "log-softmax of the scores, then " + sentence


def test_unknown_loss_suggests():
    with pytest.raises(InputError, match="did you mean 'cross-entropy'"):
        losses.compute("cross-entropi", [0.5], [1.0])
    with pytest.raises(InputError, match="did you mean 'mse'"):
        losses.get("msee")


def test_aliases():
    assert losses.canonical("Cross_Entropy") == "cross-entropy"
    assert losses.canonical("CE") == "cross-entropy"
    assert losses.canonical("half_sse") == "half-sse"


def _fd(name, o, t, h=1e-6, **kw):
    g = np.zeros_like(o)
    for idx in np.ndindex(o.shape):
        a, b = o.copy(), o.copy()
        a[idx] += h
        b[idx] -= h
        # evaluate, not compute: a nudged probability row no longer sums to 1, which compute refuses
        g[idx] = (losses.evaluate(name, a, t, **kw).value - losses.evaluate(name, b, t, **kw).value) / (2 * h)
    return g


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(losses.names()), st.integers(1, 3), st.integers(1, 4), st.data())
def test_gradient_matches_finite_differences(name, n, k, data):
    probs = losses.get(name).probabilities
    elems = st.floats(0.05, 0.95) if probs else st.floats(-3, 3)
    o = data.draw(arrays(np.float64, (n, k), elements=elems))
    if name == "cross-entropy":
        o = o / o.sum(axis=1, keepdims=True)         # a distribution per row
        t = np.eye(k)[data.draw(arrays(np.int64, (n,), elements=st.integers(0, k - 1)))]
    else:
        t = data.draw(arrays(np.float64, (n, k), elements=st.floats(0, 1) if probs else st.floats(-3, 3)))
    r = losses.compute(name, o, t)
    np.testing.assert_allclose(r.grad, _fd(name, o, t), rtol=1e-5, atol=1e-7)
    assert r.value == pytest.approx(r.terms.sum() / (o.size if name in ("mse", "bce") else n), rel=1e-12)
    if name == "cross-entropy":
        z = o * 4 - 2
        rl = losses.compute(name, z, t, from_logits=True)
        np.testing.assert_allclose(rl.grad, _fd(name, z, t, from_logits=True), rtol=1e-5, atol=1e-7)


# ------------------------------------------------------------------ PyTorch oracle

@pytest.mark.oracle
@pytest.mark.parametrize("name", losses.names())
@pytest.mark.parametrize("shape", [(3,), (4, 3)])
def test_against_torch(name, shape):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(7)
    if name in ("bce", "cross-entropy"):
        o = rng.uniform(0.05, 0.95, shape)
        if name == "cross-entropy":
            o = o / o.sum(axis=-1, keepdims=True)
    else:
        o = rng.normal(size=shape)
    idx = rng.integers(0, 3, size=shape[:-1])
    t = np.eye(3)[idx] if name == "cross-entropy" else rng.uniform(0, 1, shape)
    ot = torch.tensor(o, requires_grad=True)
    tt = torch.tensor(t)
    n = 1 if len(shape) == 1 else shape[0]
    expected = {
        "half-sse": lambda: 0.5 * ((ot - tt) ** 2).sum() / n,
        "sse": lambda: ((ot - tt) ** 2).sum() / n,
        "mse": lambda: F.mse_loss(ot, tt),
        "bce": lambda: F.binary_cross_entropy(ot, tt),
        "cross-entropy": lambda: F.nll_loss(torch.log(ot).reshape(-1, 3), torch.tensor(idx).reshape(-1)),
    }[name]()
    expected.backward()
    r = losses.compute(name, o, t, eps=0)
    assert r.value == pytest.approx(expected.item(), rel=1e-10)
    np.testing.assert_allclose(r.grad, ot.grad.numpy(), rtol=1e-10, atol=1e-15)


@pytest.mark.oracle
def test_cross_entropy_logits_against_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    z = rng.normal(size=(5, 4)) * 3
    idx = rng.integers(0, 4, size=5)
    zt = torch.tensor(z, requires_grad=True)
    v = torch.nn.functional.cross_entropy(zt, torch.tensor(idx))
    v.backward()
    r = losses.compute("cross-entropy", z, idx, from_logits=True)
    assert r.value == pytest.approx(v.item(), rel=1e-12)
    np.testing.assert_allclose(r.grad, zt.grad.numpy(), rtol=1e-10, atol=1e-16)
    np.testing.assert_array_equal(r.class_indices, idx)


def test_inf_minus_inf_between_prediction_and_target_is_refused():
    with pytest.raises(InputError, match=r"\(1\) is undefined") as info:
        losses.compute("mse", [1.0, np.inf], [1.0, np.inf])
    assert info.value.field == "pred"
    assert losses.compute("mse", [1.0, np.inf], [1.0, 0.0]).value == np.inf
