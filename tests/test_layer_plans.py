"""The per-step plans of the pool and conv layers give pool.py's and convgrad.py's numbers bit for bit.

Inputs are drawn on a coarse grid so that windows hold ties (max pooling must
route δ to the same first maximum) and zeros of both signs.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nncalc.core import convgrad, pool, windows
from nncalc.core.convplan import ConvPlan
from nncalc.core.poolplan import PoolPlan


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and a.tobytes() == b.tobytes()


def grid(rng, shape, nan=False):
    x = rng.integers(-3, 4, shape) / 2.0
    x[rng.random(shape) < 0.1] = -0.0
    if nan:
        x[rng.random(shape) < 0.05] = np.nan
    return x


@settings(max_examples=150, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.sampled_from(["max", "avg"]), st.integers(1, 4), st.integers(1, 4),
       st.integers(1, 4), st.integers(1, 4), st.integers(0, 2), st.booleans())
def test_pool_plan_equals_pool2d_and_backward(seed, mode, kh, kw, sh, sw, pad, nan):
    rng = np.random.default_rng(seed)
    pads = (min(pad, kh // 2), min(pad, kw // 2))
    x = grid(rng, (int(rng.integers(1, 3)), 2, int(rng.integers(kh, 9)), int(rng.integers(kw, 9))), nan)
    res = pool.pool2d(x, mode, (kh, kw), (sh, sw), pads, max_steps=0)
    dout = grid(rng, res.result.shape)
    want = pool.backward(res, dout, 0).grad_input
    plan = PoolPlan(x.shape, mode, (kh, kw), (sh, sw), pads)
    out, xp = plan.forward(x)
    assert same_bits(out, res.result)
    assert same_bits(plan.backward(xp, out, dout), want)


def test_max_pool_plan_routes_to_the_first_maximum():
    x = np.array([[[[1.0, 3.0, -0.0, 0.0],
                    [3.0, 2.0, 0.0, 0.0]]]])
    plan = PoolPlan(x.shape, "max", 2)
    out, xp = plan.forward(x)
    g = plan.backward(xp, out, np.array([[[[10.0, 20.0]]]]))
    # the 3 at (0, 1) comes before the 3 at (1, 0); -0.0 and 0.0 tie, and the first, (0, 2), wins
    assert g.tolist() == [[[[0.0, 10.0, 20.0, 0.0],
                            [0.0, 0.0, 0.0, 0.0]]]]


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2 ** 32 - 1), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 2),
       st.integers(0, 2), st.integers(1, 2), st.integers(1, 3))
def test_conv_plan_equals_convgrad(seed, c, f, k, s, p, d, n):
    rng = np.random.default_rng(seed)
    h, w = int(rng.integers(d * (k - 1) + 1, 9)), int(rng.integers(d * (k - 1) + 1, 9))
    x = rng.standard_normal((n, c, h, w))
    kernels, bias = rng.standard_normal((f, c, k, k)), rng.standard_normal(f)
    geom = windows.geometry((h, w), (k, k), s, p, d)
    z, saved = convgrad.forward(x, kernels, bias, geom)
    plan = ConvPlan(x.shape, kernels.shape, geom)
    z2, cols = plan.forward(x, kernels, bias)
    assert same_bits(z2, z)
    dz = rng.standard_normal(z.shape)
    gk, gb = convgrad.kernel_grad(dz, saved)
    g = plan.gmat(dz)
    gk2, gb2 = plan.kernel_grad(g, dz, cols, kernels.shape)
    assert same_bits(gk2, gk) and same_bits(gb2, gb)
    assert same_bits(plan.input_grad(g, kernels), convgrad.crop(convgrad.input_grad(dz, saved), geom))


@pytest.mark.parametrize("x", [0.0, -0.0, 3.5, -3.5, 40.0, -800.0, np.inf, -np.inf, np.nan])
def test_sigmoid_kept_derivative_has_the_bits_of_sigma_x_times_sigma_minus_x(x):
    from nncalc.core import activations as acts
    xs = np.array([x])
    y, kept = acts.sigmoid_keep(xs)
    assert same_bits(y, acts.sigmoid(xs))
    assert same_bits(acts.sigmoid_grad_kept(xs, y, kept), acts.sigmoid(xs) * acts.sigmoid(-xs))


def test_conv_plan_keeps_the_im2col_of_a_read_only_input_only():
    rng = np.random.default_rng(1)
    x, kernels, bias = rng.standard_normal((2, 1, 6, 6)), rng.standard_normal((3, 1, 3, 3)), np.zeros(3)
    plan = ConvPlan(x.shape, kernels.shape, windows.geometry((6, 6), (3, 3)))
    z1, cols1 = plan.forward(x, kernels, bias)
    x += 1.0                                    # a writable input may change between calls: never kept
    z2, cols2 = plan.forward(x, kernels, bias)
    assert cols2 is not cols1 and not same_bits(z2, z1)
    x.flags.writeable = False
    z3, cols3 = plan.forward(x, kernels, bias)
    z4, cols4 = plan.forward(x, kernels, bias)
    assert cols4 is cols3 and same_bits(z4, z3) and same_bits(z3, z2)
