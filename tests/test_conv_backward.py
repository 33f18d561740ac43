"""Convolution backward (nncalc.core.convgrad, conv.conv2d_backward): hand-worked cases,
a plain-loop reference written here, finite differences, and PyTorch autograd as oracle."""

import numpy as np
import pytest

from nncalc.core import activations, convgrad, windows
from nncalc.core.conv import conv2d, conv2d_backward
from nncalc.core.errors import InputError


def reference_backward(x, k, g, stride, pads, dil):
    """Plain loops (cs231n's conv_backward_naive, generalised): x N×C×H×W, k F×C×kh×kw,
    g N×F×OH×OW, pads (top, bottom, left, right) -> (dx, dk, db)."""
    n, c, h, w = x.shape
    f, _, kh, kw = k.shape
    pt, pb, pl, pr = pads
    xp = np.zeros((n, c, h + pt + pb, w + pl + pr))
    xp[:, :, pt:pt + h, pl:pl + w] = x
    dxp, dk, db = np.zeros_like(xp), np.zeros_like(k), np.zeros(f)
    for ni in range(n):
        for fi in range(f):
            for i in range(g.shape[2]):
                for j in range(g.shape[3]):
                    db[fi] += g[ni, fi, i, j]
                    for ci in range(c):
                        for a in range(kh):
                            for b in range(kw):
                                r, q = i * stride[0] + a * dil[0], j * stride[1] + b * dil[1]
                                dk[fi, ci, a, b] += xp[ni, ci, r, q] * g[ni, fi, i, j]
                                dxp[ni, ci, r, q] += k[fi, ci, a, b] * g[ni, fi, i, j]
    return dxp[:, :, pt:pt + h, pl:pl + w], dk, db


def random_case(rng):
    n, c, f = (int(v) for v in rng.integers(1, 4, 3))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    stride = tuple(int(v) for v in rng.integers(1, 4, 2))
    dil = tuple(int(v) for v in rng.integers(1, 3, 2))
    pads = tuple(int(v) for v in rng.integers(0, 3, 4))
    h = dil[0] * (kh - 1) + 1 + int(rng.integers(0, 6))
    w = dil[1] * (kw - 1) + 1 + int(rng.integers(0, 6))
    x, k = rng.normal(size=(n, c, h, w)), rng.normal(size=(f, c, kh, kw))
    return x, k, rng.normal(size=f), stride, pads, dil


# ------------------------------------------------------------------ hand-worked


def test_kernel_gradient_is_the_input_under_each_tap_summed():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    g = conv2d_backward(x, np.ones((2, 2)), np.ones((2, 2)))
    # tap (0,0) sees 1,2,4,5; tap (0,1) sees 2,3,5,6; tap (1,0) 4,5,7,8; tap (1,1) 5,6,8,9
    np.testing.assert_array_equal(g.grad_kernel, [[[[12, 16], [24, 28]]]])
    np.testing.assert_array_equal(g.grad_bias, [4])
    # the centre is in all four windows, corners in one, edges in two
    np.testing.assert_array_equal(g.grad_input, [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


# d2l "Transposed Convolution" (d2l.ai/chapter_computer-vision/transposed-conv.html): the
# transposed convolution of X = K = [[0,1],[2,3]] gives these (stride 1, stride 2, padding 1).
# A transposed convolution is the backward of a convolution, so each is ∂E/∂X of a conv with
# kernel K and upstream gradient X (stride 2: a 4×4 input; padding 1: a 1×1 one).
D2L = np.array([[0.0, 1], [2, 3]])


@pytest.mark.parametrize("hw, stride, padding, expected", [
    ((3, 3), 1, 0, [[0, 0, 1], [0, 4, 6], [4, 12, 9]]),
    ((4, 4), 2, 0, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]),
    ((1, 1), 1, 1, [[4]]),
])
def test_input_gradient_is_d2l_transposed_convolution(hw, stride, padding, expected):
    g = conv2d_backward(np.zeros(hw), D2L, D2L, stride=stride, padding=padding)
    np.testing.assert_array_equal(g.grad_input, expected)


def test_remainder_rows_and_columns_get_zero():
    # 5×5, 2×2 kernel, stride 2: windows start at 0 and 2, so row/column 4 is never read
    x = np.arange(25.0).reshape(5, 5)
    g = conv2d_backward(x, [[1.0, 2], [3, 4]], np.ones((2, 2)), stride=2)
    np.testing.assert_array_equal(g.grad_input[4], 0)
    np.testing.assert_array_equal(g.grad_input[:, 4], 0)
    np.testing.assert_array_equal(g.grad_input[:4, :4], np.tile([[1, 2], [3, 4]], (2, 2)))
    view = convgrad.full_view(windows.geometry((5, 5), (2, 2), 2), np.array([[[[1.0, 2], [3, 4]]]]),
                              np.ones((1, 1, 2, 2)))
    assert view.remainder == (1, 1) and view.full.shape == (1, 1, 4, 4)


def test_flip_differentiates_the_kernel_as_given():
    x = np.arange(1.0, 10.0).reshape(3, 3)
    k = np.array([[1.0, 2], [3, 4]])
    dy = np.array([[1.0, 0], [0, 0]])                  # only window (0, 0)
    plain = conv2d_backward(x, k, dy)
    flipped = conv2d_backward(x, k, dy, flip=True)
    # flip applies [[4,3],[2,1]]: tap (0,0) of the kernel as given meets x[1,1] = 5
    np.testing.assert_array_equal(plain.grad_kernel[0, 0], [[1, 2], [4, 5]])
    np.testing.assert_array_equal(flipped.grad_kernel[0, 0], [[5, 4], [2, 1]])
    np.testing.assert_array_equal(flipped.grad_input, [[4, 3, 0], [2, 1, 0], [0, 0, 0]])


def test_activation_multiplies_by_its_derivative():
    x = np.array([[1.0, -2], [3, -4]])
    k = np.array([[1.0]])                              # 1×1: z = x + bias
    g = conv2d_backward(x, k, np.full((2, 2), 5.0), bias=0.5, activation="relu")
    np.testing.assert_array_equal(g.delta[0, 0], [[5, 0], [5, 0]])
    np.testing.assert_array_equal(g.grad_input, [[5, 0], [5, 0]])
    np.testing.assert_array_equal(g.grad_bias, [10])


def test_activation_derivative_is_taken_at_the_forward_pass_z():
    # a batch whose z the two im2col layouts (per sample, all samples) round differently
    rng = np.random.default_rng(1)
    x, k, b = rng.normal(size=(2, 4, 15, 15)), rng.normal(size=(1, 4, 1, 1)), rng.normal(size=1)
    dy = rng.normal(size=(2, 1, 15, 15))
    z = conv2d(x, k, b, max_steps=0).result            # what the trace shows as z
    g = conv2d_backward(x, k, dy, b, activation="sigmoid")
    np.testing.assert_array_equal(g.delta, dy * activations.derivative("sigmoid", z))


# ------------------------------------------------------------------ shapes and errors


@pytest.mark.parametrize("x, kernels, out, k4", [
    (np.ones((4, 4)), np.ones((2, 2)), (3, 3), (1, 1, 2, 2)),
    (np.ones((4, 4)), [np.ones((2, 2)), np.ones((2, 2))], (2, 3, 3), (2, 1, 2, 2)),
    (np.ones((2, 4, 4)), np.ones((3, 2, 2, 2)), (3, 3, 3), (3, 2, 2, 2)),
    (np.ones((5, 2, 4, 4)), np.ones((3, 2, 2, 2)), (5, 3, 3, 3), (3, 2, 2, 2)),
])
def test_shapes_follow_conv2d(x, kernels, out, k4):
    assert conv2d(x, kernels).output_shape == out
    g = conv2d_backward(x, kernels, np.ones(out))
    assert g.grad_input.shape == x.shape
    assert g.grad_kernel.shape == k4 and g.grad_bias.shape == (k4[0],)


def test_wrong_dout_shape_names_both_shapes():
    with pytest.raises(InputError) as e:
        conv2d_backward(np.ones((4, 4)), np.ones((2, 2)), np.ones((2, 2)))
    assert e.value.field == "dout" and e.value.code == "shape"
    assert "2×2" in e.value.message and "3×3" in e.value.message


def test_inputs_are_not_modified():
    rng = np.random.default_rng(3)
    x, k, dy = rng.normal(size=(2, 5, 5)), rng.normal(size=(2, 2, 3, 3)), rng.normal(size=(2, 3, 3))
    copies = [a.copy() for a in (x, k, dy)]
    conv2d_backward(x, k, dy, padding=1, stride=2, flip=True, max_steps=10)
    for a, c in zip((x, k, dy), copies):
        np.testing.assert_array_equal(a, c)


def test_padding_words_same_and_valid():
    rng = np.random.default_rng(4)
    x, k = rng.normal(size=(1, 2, 5, 6)), rng.normal(size=(3, 2, 3, 2))
    for mode, pads in (("same", (1, 1, 0, 1)), ("valid", (0, 0, 0, 0))):
        out = conv2d(x, k, padding=mode).output_shape
        dy = rng.normal(size=out)
        g = conv2d_backward(x, k, dy, padding=mode, max_steps=0)
        dx, dk, db = reference_backward(x, k, dy, (1, 1), pads, (1, 1))
        np.testing.assert_allclose(g.grad_input, dx, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(g.grad_kernel, dk, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ references


@pytest.mark.parametrize("seed", range(40))
def test_matches_plain_loops(seed):
    x, k, b, stride, pads, dil = random_case(np.random.default_rng(seed))
    dy = np.random.default_rng(seed + 1000).normal(size=conv2d(x, k, b, stride, pads, dil).output_shape)
    g = conv2d_backward(x, k, dy, b, stride, pads, dil)
    dx, dk, db = reference_backward(x, k, dy, stride, pads, dil)
    np.testing.assert_allclose(g.grad_input, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.grad_kernel, dk, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.grad_bias, db, rtol=1e-12, atol=1e-12)


def test_finite_differences():
    rng = np.random.default_rng(7)
    x, k, b = rng.normal(size=(2, 4, 5)), rng.normal(size=(2, 2, 2, 3)), rng.normal(size=2)
    geo = dict(stride=(2, 1), padding=(1, 0, 2, 1), dilation=(1, 2))
    dy = rng.normal(size=conv2d(x, k, b, **geo).output_shape)

    def energy(x_, k_, b_):
        return float((conv2d(x_, k_, b_, **geo, max_steps=0).result * dy).sum())

    g = conv2d_backward(x, k, dy, b, **geo)
    h = 1e-6
    for arr, grad in ((x, g.grad_input), (k, g.grad_kernel), (b, g.grad_bias)):
        numeric = np.zeros_like(arr)
        for idx in np.ndindex(arr.shape):
            up, down = arr.copy(), arr.copy()
            up[idx] += h
            down[idx] -= h
            args = [up if a is arr else a for a in (x, k, b)], [down if a is arr else a for a in (x, k, b)]
            numeric[idx] = (energy(*args[0]) - energy(*args[1])) / (2 * h)
        np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("seed", range(10))
def test_blocked_path_equals_kept_columns(seed, monkeypatch):
    x, k, b, stride, pads, dil = random_case(np.random.default_rng(seed))
    dy = np.random.default_rng(seed).normal(size=conv2d(x, k, b, stride, pads, dil).output_shape)
    kept = conv2d_backward(x, k, dy, b, stride, pads, dil)
    monkeypatch.setattr(convgrad, "KEEP_BYTES", 0)
    monkeypatch.setattr(convgrad, "BLOCK_BYTES", 1)     # one output row per block
    blocked = conv2d_backward(x, k, dy, b, stride, pads, dil)
    for a, c in ((kept.grad_input, blocked.grad_input), (kept.grad_kernel, blocked.grad_kernel)):
        np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------ layer protocol


def test_forward_keeps_what_backward_needs():
    rng = np.random.default_rng(11)
    x, k, b = rng.normal(size=(3, 2, 6, 5)), rng.normal(size=(4, 2, 3, 2)), rng.normal(size=4)
    geom = windows.geometry((6, 5), (3, 2), 2, 1, 1)
    y, saved = convgrad.forward(x, k, b, geom)
    np.testing.assert_allclose(y, conv2d(x, k, b, 2, 1).result, rtol=1e-12, atol=1e-12)
    assert saved.cols is not None and not saved.padded.flags.writeable
    dy = rng.normal(size=y.shape)
    g = convgrad.backward(dy, saved)
    dx, dk, db = reference_backward(x, k, dy, (2, 2), (1, 1, 1, 1), (1, 1))
    np.testing.assert_allclose(g.grad_input, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.grad_kernel, dk, rtol=1e-12, atol=1e-12)
    assert g.tap_steps == () and g.input_steps == () and g.full_view is None
    # the pieces a layer may call on their own (the first layer needs no ∂E/∂X)
    gk, gb = convgrad.kernel_grad(dy, saved)
    np.testing.assert_array_equal(gk, g.grad_kernel)
    np.testing.assert_array_equal(gb, g.grad_bias)
    np.testing.assert_array_equal(convgrad.crop(convgrad.input_grad(dy, saved), geom), g.grad_input)


# ------------------------------------------------------------------ step records


def test_steps_show_both_views_and_agree():
    rng = np.random.default_rng(5)
    x, k = rng.normal(size=(2, 5, 5)), rng.normal(size=(2, 2, 2, 2))
    dy = rng.normal(size=(2, 2, 2))
    g = conv2d_backward(x, k, dy, stride=2, flip=True, max_steps=1000)
    assert g.total_taps == 16 and len(g.tap_steps) == 16
    assert g.total_positions == 50 and len(g.input_steps) == 50
    xp = conv2d(x, k, stride=2, flip=True).padded_input
    for s in g.tap_steps:
        f, c = s.tap[:2]
        np.testing.assert_array_equal(s.inputs[0], xp[c, slice(*s.rows), slice(*s.cols)])
        np.testing.assert_array_equal(s.dout[0], dy[f])
        assert s.total == pytest.approx(float((s.inputs * s.dout).sum()), abs=1e-12)
        assert s.total == g.grad_kernel[s.tap]
    kernel_given = k
    for s in g.input_steps:
        assert s.total == pytest.approx(sum(d * kv for _, _, d, kv in s.terms), abs=1e-12)
        for (f, i, j), (a, b), d, kv in s.terms:
            assert d == dy[f, i, j] and kv == kernel_given[f, s.position[1], a, b]
        if s.position[2] == 4 or s.position[3] == 4:      # the remainder
            assert s.terms == () and s.total == 0
    v = g.full_view
    np.testing.assert_allclose(v.full, g.grad_padded[..., :4, :4], rtol=1e-12, atol=1e-12)
    assert v.dilated_dout.shape == (1, 2, 3, 3) and v.padded_dout.shape == (1, 2, 5, 5)
    np.testing.assert_array_equal(v.dilated_dout[0, :, ::2, ::2], dy)


def test_max_steps_caps_the_records():
    g = conv2d_backward(np.ones((4, 4)), np.ones((2, 2)), np.ones((3, 3)), max_steps=3)
    assert len(g.tap_steps) == 3 and len(g.input_steps) == 3
    assert [s.position for s in g.input_steps] == [(0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 0, 2)]


# ------------------------------------------------------------------ PyTorch oracle


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(60))
def test_torch_autograd(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    x, k, b, stride, pads, dil = random_case(rng)
    flip = bool(seed % 2)
    pads = pads[::2] if seed % 3 else pads           # symmetric (ph, pw) or per side
    sides = pads if len(pads) == 4 else (pads[0], pads[0], pads[1], pads[1])
    dy = rng.normal(size=conv2d(x, k, b, stride, pads, dil).output_shape)
    g = conv2d_backward(x, k, dy, b, stride, pads, dil, flip=flip)
    xt, kt, bt = (torch.tensor(a, requires_grad=True) for a in (x, k, b))
    xpad = torch.nn.functional.pad(xt, (sides[2], sides[3], sides[0], sides[1]))
    y = torch.nn.functional.conv2d(xpad, kt.flip(2, 3) if flip else kt, bt, stride=stride, dilation=dil)
    y.backward(torch.tensor(dy))
    np.testing.assert_allclose(g.grad_input, xt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.grad_kernel, kt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(g.grad_bias, bt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_torch_autograd_through_activation(name):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(21)
    x, k, b = rng.normal(size=(2, 6, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    dy = rng.normal(size=(3, 4, 4))
    g = conv2d_backward(x, k, dy, b, activation=name)
    xt, kt, bt = (torch.tensor(a, requires_grad=True) for a in (x, k, b))
    getattr(torch, name)(torch.nn.functional.conv2d(xt[None], kt, bt))[0].backward(torch.tensor(dy))
    for mine, theirs in ((g.grad_input, xt), (g.grad_kernel, kt), (g.grad_bias, bt)):
        np.testing.assert_allclose(mine, theirs.grad.numpy(), rtol=1e-12, atol=1e-12)
