"""Tests for nncalc.core.pool: hand cases, a nested-loop reference, PyTorch oracle."""

import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nncalc.core.errors import InputError
from nncalc.core.pool import backward, pool2d


def out_len(n, k, s, p, ceil):
    o = (math.ceil if ceil else math.floor)((n + 2 * p - k) / s) + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def reference_pool(x, mode, k, s, p, ceil, include_pad, dout):
    """Loops over C×H×W, PyTorch's CPU kernel rules; returns (out, argmax, grad)."""
    c, h, w = x.shape
    oh, ow = out_len(h, k[0], s[0], p[0], ceil), out_len(w, k[1], s[1], p[1], ceil)
    out = np.zeros((c, oh, ow))
    arg = np.zeros((c, oh, ow, 2), dtype=int)
    grad = np.zeros_like(x)
    for ci in range(c):
        for i in range(oh):
            for j in range(ow):
                h0, w0 = i * s[0] - p[0], j * s[1] - p[1]
                h1, w1 = min(h0 + k[0], h + p[0]), min(w0 + k[1], w + p[1])
                size = (h1 - h0) * (w1 - w0)
                h0c, w0c, h1c, w1c = max(h0, 0), max(w0, 0), min(h1, h), min(w1, w)
                if mode == "max":
                    best, at = -np.inf, (h0c, w0c)
                    for r in range(h0c, h1c):
                        for q in range(w0c, w1c):
                            if x[ci, r, q] > best:
                                best, at = x[ci, r, q], (r, q)
                    out[ci, i, j] = best
                    arg[ci, i, j] = at
                    grad[ci][at] += dout[ci, i, j]
                else:
                    div = size if include_pad else (h1c - h0c) * (w1c - w0c)
                    out[ci, i, j] = x[ci, h0c:h1c, w0c:w1c].sum() / div
                    grad[ci, h0c:h1c, w0c:w1c] += dout[ci, i, j] / div
    return out, arg, grad


def test_max_2x2_hand():
    x = np.array([[1.0, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 8, 3, 4]])
    r = pool2d(x, "max", 2)
    np.testing.assert_array_equal(r.result, [[6, 4], [8, 9]])
    assert r.argmax.tolist() == [[[1, 1], [0, 3]], [[3, 1], [2, 2]]]
    assert r.steps[0].winner == (1, 1) and r.steps[0].value == 6
    assert r.total_steps == 4 and r.output_shape == (2, 2)


def test_avg_2x2_hand():
    x = np.array([[1.0, 3, 2, 4], [5, 6, 1, 2], [7, 2, 9, 0], [1, 8, 3, 4]])
    r = pool2d(x, "avg", 2)
    np.testing.assert_array_equal(r.result, [[3.75, 2.25], [4.5, 4]])
    s = r.steps[0]
    assert (s.total, s.count, s.quotient) == (15, 4, 3.75)
    assert r.argmax is None


def test_ties_go_to_first_in_row_major_order():
    r = pool2d(np.array([[1.0, 5], [5, 1]]), "max", 2)
    assert r.argmax.tolist() == [[[0, 1]]]


def test_avg_padding_divisor_and_ceil():
    x = np.ones((3, 3))
    inc = pool2d(x, "avg", 2, 2, padding=1)
    # corner window holds 1 real cell, 3 padded zeros -> 1/4
    assert inc.result[0, 0] == 0.25 and inc.divisor[0, 0] == 4
    exc = pool2d(x, "avg", 2, 2, padding=1, count_include_pad=False)
    np.testing.assert_array_equal(exc.result, np.ones((2, 2)))
    # ceil: 5 wide, window 2 stride 2 -> 3 windows, the last one clipped to 1 column
    c = pool2d(np.ones((5, 5)), "avg", 2, ceil=True)
    assert c.output_shape == (3, 3) and c.divisor[2, 2] == 1 and c.result[2, 2] == 1


def test_global_pooling():
    x = np.arange(2 * 3 * 4.0).reshape(2, 3, 4)
    r = pool2d(x, "avg", global_=True)
    assert r.output_shape == (2, 1, 1)
    np.testing.assert_allclose(r.result[:, 0, 0], x.mean(axis=(1, 2)))
    assert pool2d(x, "max", global_=True).result[1, 0, 0] == 23


def test_backward_max_routes_and_sums_overlaps():
    x = np.array([[1.0, 2, 1], [0, 9, 0], [1, 2, 1]])
    r = pool2d(x, "max", 2, stride=1, dout=np.array([[1.0, 2], [3, 4]]))
    # every window's winner is the centre
    np.testing.assert_array_equal(r.grad_input, [[0, 0, 0], [0, 10, 0], [0, 0, 0]])
    assert r.routing[3].targets == (((1, 1), 4.0),)


def test_backward_avg_spreads_evenly():
    r = pool2d(np.zeros((2, 2)), "avg", 2, dout=np.array([[8.0]]))
    np.testing.assert_array_equal(r.grad_input, [[2, 2], [2, 2]])
    assert r.routing[0].divisor == 4 and len(r.routing[0].targets) == 4


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_backward_after_the_forward_pass_of_a_padded_batch(mode):
    # backward() works from what pool2d kept (padded N×C×H×W input, geometry): per sample
    # it must give the nested-loop reference's gradient, the forward result untouched
    rng = np.random.default_rng(7)
    x = rng.integers(-3, 4, (2, 3, 5, 6)).astype(float)
    r = pool2d(x, mode, 3, 2, 1, ceil=True, count_include_pad=False)
    before = r.result.copy()
    dout = rng.standard_normal(r.output_shape)
    assert backward(r, dout) is r
    for n in range(2):
        _, _, grad = reference_pool(x[n], mode, (3, 3), (2, 2), (1, 1), True, False, dout[n])
        np.testing.assert_allclose(r.grad_input[n], grad, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(r.result, before)
    assert r.grad_input.shape == x.shape and len(r.routing) == min(100, dout.size)


def test_does_not_mutate_input():
    x = np.arange(16.0).reshape(4, 4)
    x0 = x.copy()
    pool2d(x, "max", 3, 1, 1, ceil=True, dout=np.ones((4, 4)))
    pool2d(x, "avg", 2, dout=np.ones((2, 2)))
    np.testing.assert_array_equal(x, x0)


@pytest.mark.parametrize("kwargs,needle,field", [
    (dict(size=2, stride=0), "stride", "stride"),
    (dict(size=2, padding=2), "at most half", "padding"),
    (dict(size=5), "does not fit", "kernel"),
    (dict(size=2, mode="min"), "'max' or 'avg'", "mode"),
    (dict(size=2, dout=np.ones(3)), "does not match the output shape 1×1", "dout"),
])
def test_errors_name_the_field_not_a_flag(kwargs, needle, field):
    with pytest.raises(InputError) as e:
        pool2d(np.ones((3, 3)), **kwargs)
    assert needle in e.value.message and e.value.field == field
    assert "--" not in e.value.message and not hasattr(e.value, "arg")


def test_dout_shape_error_names_both():
    with pytest.raises(InputError) as e:
        pool2d(np.ones((4, 4)), "max", 2, dout=np.ones((3, 3)))
    assert "3×3" in str(e.value) and "2×2" in str(e.value)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
def test_matches_nested_loop_reference(data):
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    s = (data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3)))
    p = (data.draw(st.integers(0, kh // 2)), data.draw(st.integers(0, kw // 2)))
    h = data.draw(st.integers(max(1, kh - 2 * p[0]), 9))
    w = data.draw(st.integers(max(1, kw - 2 * p[1]), 9))
    c = data.draw(st.integers(1, 3))
    mode = data.draw(st.sampled_from(["max", "avg"]))
    ceil, inc = data.draw(st.booleans()), data.draw(st.booleans())
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1)))
    x = rng.integers(-3, 4, (c, h, w)).astype(float)  # small integers force ties
    oh, ow = out_len(h, kh, s[0], p[0], ceil), out_len(w, kw, s[1], p[1], ceil)
    dout = rng.standard_normal((c, oh, ow))
    r = pool2d(x, mode, (kh, kw), s, p, ceil, count_include_pad=inc, dout=dout)
    out, arg, grad = reference_pool(x, mode, (kh, kw), s, p, ceil, inc, dout)
    np.testing.assert_allclose(r.result, out, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(r.grad_input, grad, rtol=1e-12, atol=1e-12)
    if mode == "max":
        np.testing.assert_array_equal(r.argmax, arg)
        for step in r.steps:
            _, ci, i, j = step.position
            assert step.winner == tuple(arg[ci, i, j])


def _torch_pool(torch, x, mode, k, s, p, ceil, inc):
    F = torch.nn.functional
    if mode == "max":
        return F.max_pool2d(x, k, s, p, ceil_mode=ceil, return_indices=True)
    return F.avg_pool2d(x, k, s, p, ceil_mode=ceil, count_include_pad=inc), None


@pytest.mark.oracle
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("k,s,p,ceil,inc", [
    (2, 2, 0, False, True), (3, 2, 1, True, True), (3, 2, 1, True, False),
    ((2, 3), (1, 2), (1, 1), True, False), (4, 3, 2, True, True), (3, 1, 0, False, True),
])
def test_torch_oracle_forward_and_backward(mode, k, s, p, ceil, inc):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, 11, 10))
    xt = torch.tensor(x, requires_grad=True)
    out_t, idx = _torch_pool(torch, xt, mode, k, s, p, ceil, inc)
    dout = rng.standard_normal(tuple(out_t.shape))
    (grad_t,) = torch.autograd.grad(out_t, xt, torch.tensor(dout))
    r = pool2d(x, mode, k, s, p, ceil, count_include_pad=inc, dout=dout)
    np.testing.assert_allclose(r.result, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(r.grad_input, grad_t.numpy(), rtol=1e-10, atol=1e-12)
    if mode == "max":
        flat = r.argmax[..., 0] * x.shape[3] + r.argmax[..., 1]
        np.testing.assert_array_equal(flat, idx.numpy())


@pytest.mark.oracle
def test_torch_oracle_nan_and_ties():
    torch = pytest.importorskip("torch")
    x = np.array([[[[1.0, 1, np.nan, 0], [1, 1, 2, np.nan], [3, 3, 3, 3], [3, 3, 3, 3]]]])
    out_t, idx = torch.nn.functional.max_pool2d(torch.tensor(x), 2, return_indices=True)
    r = pool2d(x, "max", 2)
    np.testing.assert_array_equal(r.result, out_t.numpy())
    np.testing.assert_array_equal(r.argmax[..., 0] * 4 + r.argmax[..., 1], idx.numpy())


def test_inf_minus_inf_in_a_window_is_refused_with_its_position():
    with pytest.raises(InputError, match=r"\(0, 0, 0, 1\) is undefined"):
        pool2d(np.array([[1.0, 1, np.inf, -np.inf], [1, 1, 1, 1]]), "avg", 2)
    assert pool2d(np.array([[np.inf, -np.inf], [1, 1]]), "max", 2).result.tolist() == [[np.inf]]


def test_ceil_mode_keeps_a_window_longer_than_the_input_that_starts_inside():
    x = np.arange(1.0, 17.0).reshape(4, 4)
    assert pool2d(x, "max", 5, 2, ceil=True).result.tolist() == [[16.0]]
    assert pool2d(x, "avg", 5, 2, ceil=True).result.tolist() == [[8.5]]      # 136 / 16 cells inside
    with pytest.raises(InputError, match="does not fit"):
        pool2d(x, "max", 5, 2)                                                # floor mode: no window
    with pytest.raises(InputError, match="does not fit"):
        pool2d(x, "max", 6, 2, ceil=True)                                     # 6 ≥ 4 + 2: starts outside


@pytest.mark.oracle
def test_torch_oracle_every_small_geometry_floor_and_ceil():
    """Every H ≤ 6, K ≤ 7, S ≤ 4, P ≤ K/2, both modes, both divisors: same result or both refuse."""
    import itertools
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(0)
    for ceil, h, k, s, p in itertools.product((False, True), range(1, 7), range(1, 8), range(1, 5), range(4)):
        if p > k // 2:
            continue
        x = rng.standard_normal((1, 1, h, h))
        for mode, include in (("max", True), ("avg", True), ("avg", False)):
            try:
                want = (F.max_pool2d(torch.tensor(x), k, s, p, ceil_mode=ceil) if mode == "max" else
                        F.avg_pool2d(torch.tensor(x), k, s, p, ceil_mode=ceil, count_include_pad=include)).numpy()
            except RuntimeError:
                want = None
            try:
                got = pool2d(x, mode, k, s, p, ceil=ceil, count_include_pad=include).result
            except InputError:
                got = None
            case = (ceil, h, k, s, p, mode, include)
            assert (want is None) == (got is None), case
            if want is not None:
                np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=str(case))
