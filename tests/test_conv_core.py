"""Tests for nncalc.core.conv: hand-worked cases, a nested-loop reference, PyTorch oracle."""

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nncalc.core.conv import conv2d
from nncalc.core.errors import InputError


def reference_conv(x, k, b, stride, pads, dil):
    """Plain loops: x C×H×W, k F×C×kh×kw, pads (top, bottom, left, right)."""
    c, h, w = x.shape
    f, _, kh, kw = k.shape
    pt, pb, pl, pr = pads
    xp = np.zeros((c, h + pt + pb, w + pl + pr))
    xp[:, pt:pt + h, pl:pl + w] = x
    oh = (h + pt + pb - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w + pl + pr - dil[1] * (kw - 1) - 1) // stride[1] + 1
    out = np.zeros((f, oh, ow))
    for fi in range(f):
        for i in range(oh):
            for j in range(ow):
                acc = b[fi]
                for ci in range(c):
                    for a in range(kh):
                        for bb in range(kw):
                            acc += (xp[ci, i * stride[0] + a * dil[0], j * stride[1] + bb * dil[1]]
                                    * k[fi, ci, a, bb])
                out[fi, i, j] = acc
    return out


def test_classic_4x4_with_3x3():
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]])
    r = conv2d(x, k)
    # every window: left column minus right column = 3 * (-2) = -6
    assert r.result.shape == (2, 2) and r.output_shape == (2, 2)
    np.testing.assert_array_equal(r.result, [[-6, -6], [-6, -6]])
    assert r.size_h.size == 2 and r.size_h.quotient == 1
    assert r.total_steps == 4 and len(r.steps) == 4


def test_flip_is_true_convolution():
    x = np.arange(16.0).reshape(4, 4)
    k = np.array([[1.0, 0, -1], [1, 0, -1], [1, 0, -1]])
    assert (conv2d(x, k, flip=True).result == 6).all()
    assert conv2d(x, k, flip=True).flip


def test_steps_show_the_arithmetic():
    x = np.arange(9.0).reshape(3, 3)
    k = np.ones((2, 2))
    r = conv2d(x, k, bias=1.0, max_steps=2)
    assert r.total_steps == 4 and len(r.steps) == 2
    s = r.steps[1]
    assert s.position == (0, 0, 0, 1)
    np.testing.assert_array_equal(s.window, [[[1, 2], [4, 5]]])
    np.testing.assert_array_equal(s.products, [[[1, 2], [4, 5]]])
    assert list(s.channel_sums) == [12] and s.total == 12 and s.bias == 1
    assert s.pre_activation == 13 and s.activated == 13


def test_steps_order_filter_row_col_and_dilation():
    x = np.arange(25.0).reshape(1, 5, 5)
    k = np.ones((2, 1, 2, 2))
    r = conv2d(x, k, dilation=2, max_steps=100)
    assert r.output_shape == (2, 3, 3) and r.total_steps == 18
    assert [s.position for s in r.steps[:4]] == [(0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 0, 2),
                                                 (0, 0, 1, 0)]
    assert r.steps[9].position == (0, 1, 0, 0)
    np.testing.assert_array_equal(r.steps[0].window[0], [[0, 2], [10, 12]])


def test_same_and_valid_padding():
    x = np.ones((5, 5))
    r = conv2d(x, np.ones((4, 4)), padding="same")
    assert r.output_shape == (5, 5) and r.padding == (1, 2, 1, 2)
    assert r.padded_input.shape == (8, 8)
    assert conv2d(x, np.ones((3, 3)), padding="valid").output_shape == (3, 3)
    r = conv2d(x, np.ones((3, 3)), stride=2, padding="same")
    assert r.output_shape == (3, 3)


def test_shapes_multichannel_and_batch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, 6, 6))
    filters = [rng.standard_normal((3, 3, 3)) for _ in range(4)]
    r = conv2d(x, filters, bias=[1, 2, 3, 4])
    assert r.output_shape == (2, 4, 4, 4)
    assert r.steps[0].position == (0, 0, 0, 0) and r.steps[0].window.shape == (3, 3, 3)
    assert r.total_steps == 2 * 4 * 16
    two = conv2d(np.ones((4, 4)), [np.ones((2, 2)), np.ones((2, 2))])
    assert two.output_shape == (2, 3, 3)


def test_does_not_mutate_inputs():
    x = np.arange(16.0).reshape(4, 4)
    k = np.ones((3, 3))
    x0, k0 = x.copy(), k.copy()
    r = conv2d(x, k, padding=1, flip=True, bias=2)
    np.testing.assert_array_equal(x, x0)
    np.testing.assert_array_equal(k, k0)
    assert not r.padded_input.flags.writeable


def test_channel_mismatch_names_both_shapes():
    with pytest.raises(InputError) as e:
        conv2d(np.ones((3, 5, 5)), [np.ones((2, 3, 3))])
    assert "2×3×3" in str(e.value) and "3" in str(e.value) and e.value.field == "kernel"
    assert e.value.code == "kernel_channels"


@pytest.mark.parametrize("kwargs,needle", [
    (dict(stride=0), "stride"), (dict(padding=-1), "padding"), (dict(dilation=0), "dilation"),
    (dict(padding="full"), "same"), (dict(bias=[1, 2]), "one number per filter"),
])
def test_bad_arguments(kwargs, needle):
    with pytest.raises(InputError, match=needle):
        conv2d(np.ones((4, 4)), np.ones((3, 3)), **kwargs)


def test_kernel_too_big():
    with pytest.raises(InputError, match="does not fit the padded input 3×3"):
        conv2d(np.ones((3, 3)), np.ones((5, 5)))


def test_ragged_filters():
    with pytest.raises(InputError, match="same size"):
        conv2d(np.ones((4, 4)), [np.ones((2, 2)), np.ones((3, 3))])


def test_activation_applied_after_bias(monkeypatch):
    from nncalc.core import activations
    seen = {}

    def fake_forward(name, z, **params):
        seen["name"] = name
        return np.maximum(z, 0)

    monkeypatch.setattr(activations, "forward", fake_forward)
    r = conv2d(np.eye(3), np.array([[1.0, -1], [-1, 1]]), bias=-1, activation="relu")
    assert seen["name"] == "relu"
    np.testing.assert_array_equal(r.result, [[1, 0], [0, 1]])
    assert r.steps[1].pre_activation == -2 and r.steps[1].activated == 0


def test_real_relu_activation():
    r = conv2d(np.eye(3), np.array([[1.0, -1], [-1, 1]]), bias=-1, activation="relu")
    np.testing.assert_array_equal(r.result, [[1, 0], [0, 1]])


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_matches_nested_loop_reference(data):
    c = data.draw(st.integers(1, 3))
    f = data.draw(st.integers(1, 3))
    kh, kw = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    sh, sw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    dh, dw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    pads = tuple(data.draw(st.integers(0, 3)) for _ in range(4))
    lo_h = max(1, dh * (kh - 1) + 1 - pads[0] - pads[1])   # the dilated kernel must fit
    lo_w = max(1, dw * (kw - 1) + 1 - pads[2] - pads[3])
    h = data.draw(st.integers(lo_h, max(lo_h, 9)))
    w = data.draw(st.integers(lo_w, max(lo_w, 9)))
    seed = data.draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((c, h, w))
    k = rng.standard_normal((f, c, kh, kw))
    b = rng.standard_normal(f)
    r = conv2d(x, k, b, (sh, sw), pads, (dh, dw))
    np.testing.assert_allclose(r.result, reference_conv(x, k, b, (sh, sw), pads, (dh, dw)),
                               rtol=1e-12, atol=1e-12)
    for step in r.steps:
        _, fi, i, j = step.position
        assert step.total + step.bias == pytest.approx(r.result[fi, i, j], abs=1e-12)


@pytest.mark.oracle
@pytest.mark.parametrize("stride,padding,dilation", [
    (1, 0, 1), (2, 1, 1), ((1, 2), (2, 0), (2, 1)), (3, 2, 2),
])
def test_torch_oracle(stride, padding, dilation):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 3, 13, 11))
    k = rng.standard_normal((5, 3, 3, 4))
    b = rng.standard_normal(5)
    ours = conv2d(x, k, b, stride, padding, dilation).result
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(k), torch.tensor(b),
                                        stride, padding, dilation).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


@pytest.mark.oracle
def test_torch_oracle_same_padding():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(8)
    x = rng.standard_normal((1, 2, 9, 9))
    k = rng.standard_normal((3, 2, 3, 3))
    ours = conv2d(x, k, padding="same").result
    theirs = torch.nn.functional.conv2d(torch.tensor(x), torch.tensor(k), padding="same").numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_largest_allowed_stride_and_dilation_still_compute():
    from nncalc.core.windows import MAX_STEP
    x = np.arange(1.0, 5.0).reshape(2, 2)
    assert conv2d(x, [np.ones((2, 2))], stride=MAX_STEP).result.tolist() == [[10.0]]
    assert conv2d(x, [np.ones((1, 1))], dilation=MAX_STEP).result.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with pytest.raises(InputError, match="too large"):
        conv2d(x, [np.ones((2, 2))], stride=MAX_STEP + 1)
    with pytest.raises(InputError, match="too large"):
        conv2d(x, [np.ones((2, 2))], stride=[1, MAX_STEP + 1])
    assert conv2d(x, [np.ones((1, 1))], stride=[1, 2], dilation=[1, 1]).result.tolist() == [[1.0], [3.0]]
