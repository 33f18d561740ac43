"""`nncalc conv … --backward DY` through the CLI: hand-worked numbers, the trace's two views of
∂E/∂X, JSON keys and shapes, channels-last, bad DY, and PyTorch autograd as oracle."""
import json

import numpy as np
import pytest

from conftest import assert_user_error, full_json, invoke, ok

X = "1 2 3; 4 5 6; 7 8 9"
K = "1 2; 3 4"
DY = "1 0; 0 2"


def mat(a):
    return json.dumps(np.asarray(a).tolist())


def grads(*args):
    d = full_json("conv", *args)
    return tuple(np.array(d[k], float) for k in ("grad_input", "grad_kernel", "grad_bias"))


# ------------------------------------------------------------------ hand-worked


def test_hand_worked_gradients():
    gx, gk, gb = grads(X, K, "--backward", DY)
    # DY[0,0] = 1 puts K on rows/cols 0-1, DY[1,1] = 2 puts 2K on rows/cols 1-2
    np.testing.assert_array_equal(gx, [[1, 2, 0], [3, 6, 4], [0, 6, 8]])
    # tap (a, b) sees x[a, b] in window (0,0) and x[a+1, b+1] in window (1,1): 1·x + 2·x'
    np.testing.assert_array_equal(gk, [[1 + 2 * 5, 2 + 2 * 6], [4 + 2 * 8, 5 + 2 * 9]])
    np.testing.assert_array_equal(gb, [3])


def test_trace_shows_sums_per_tap_and_per_position_and_the_full_convolution():
    text = ok("conv", X, K, "--backward", DY).stdout
    lines = text.splitlines()
    assert "(0, 0)    1 2; 4 5               1 0; 0 10           11" in lines
    assert ("(1, 1)        (0, 0)@(1, 1), (0, 1)@(1, 0), (1, 0)@(0, 1), (1, 1)@(0, 0)  "
            "1·4 + 0·3 + 0·2 + 2·1            6") in lines
    said = lines.index("The same ∂E/∂X as one convolution: the full convolution of the stride-dilated DY")
    assert lines[said + 1] == "with the 180°-rotated kernel, then the padding cropped."
    rotated = lines.index("Kernel as applied, rotated 180° (2×2):")
    assert lines[rotated + 1:rotated + 3] == ["4  3", "2  1"]
    padded_dy = lines.index("DY with 0,0 zeros between entries (stride − 1) and 1,1 around (k_eff − 1) (4×4):")
    assert lines[padded_dy + 1:padded_dy + 5] == ["0  0  0  0", "0  1  0  0", "0  0  2  0", "0  0  0  0"]
    tail = lines[lines.index("Gradient with respect to the input (∂E/∂X) (3×3):") + 1:]
    assert tail == ["1  2  0", "3  6  4", "0  6  8"]


def test_remainder_rows_get_zero_and_the_trace_says_so():
    x = np.arange(25.0).reshape(5, 5)
    args = (mat(x), K, "--stride", "2", "--backward", "1 1; 1 1")
    gx, _, _ = grads(*args)
    np.testing.assert_array_equal(gx[4], 0)
    np.testing.assert_array_equal(gx[:, 4], 0)
    np.testing.assert_array_equal(gx[:4, :4], np.tile([[1, 2], [3, 4]], (2, 2)))
    text = ok("conv", *args, "--max-steps", "25").stdout
    assert "the last 1 row(s) and 1 column(s) no window reaches are 0" in text
    assert "(4, 4)        none: no window reaches it" in text


def test_flip_gives_the_gradient_of_the_kernel_as_given():
    gx, gk, _ = grads(X, K, "--flip", "--backward", "1 0; 0 0")
    # --flip applies [[4,3],[2,1]] to window (0,0); tap (0,0) as given sits on x[1,1] = 5
    np.testing.assert_array_equal(gk, [[5, 4], [2, 1]])
    np.testing.assert_array_equal(gx, [[4, 3, 0], [2, 1, 0], [0, 0, 0]])


def test_activation_uses_delta():
    gx, gk, gb = grads("-1 2; 3 -4", "1;", "--bias", "0.5", "--activation", "relu", "--backward", "1 1; 1 1")
    np.testing.assert_array_equal(gx, [[0, 1], [1, 0]])
    np.testing.assert_array_equal(gk, [[5]])          # 2·1 + 3·1 where relu passes
    np.testing.assert_array_equal(gb, [2])


# ------------------------------------------------------------------ shapes and output forms


@pytest.mark.parametrize("x, kernels, kernel_shape", [
    (X, [K], [2, 2]),                                              # one 2-D kernel: kh×kw
    (X, [K, "0 1; 1 0"], [2, 1, 2, 2]),                            # several: F×C×kh×kw
    ("1 2;3 4 | 5 6;7 8", ["1 0;0 1 | 0 1;1 0"], [1, 2, 2, 2]),    # one C×kh×kw filter
    ("1 2;3 4 | 5 6;7 8", [mat(np.ones((3, 2, 1, 1)))], [3, 2, 1, 1]),
])
def test_json_shapes(x, kernels, kernel_shape):
    forward = full_json("conv", x, *kernels)
    d = full_json("conv", x, *kernels, "--backward", mat(np.ones(forward["output_shape"])))
    assert np.shape(d["grad_kernel"]) == tuple(kernel_shape)
    assert np.shape(d["grad_input"]) == tuple(d["input_shape"])
    assert len(d["grad_bias"]) == (kernel_shape[0] if len(kernel_shape) == 4 else 1)
    assert d["result"] == forward["result"]


def test_quiet_prints_the_forward_result():
    assert ok("conv", X, K, "--backward", DY, "-q").stdout == "37 47\n67 77\n"
    assert json.loads(ok("conv", X, K, "--backward", DY, "-q", "--format", "json").stdout) == \
        [[37, 47], [67, 77]]


def test_json_kernel_steps_say_where_each_tap_reads():
    d = full_json("conv", X, K, "--stride", "2", "--padding", "1", "--backward", "1 -1; 2 0")
    xp = np.array(d["padded_input"])
    for step in d["backward_steps"]["kernel"]:
        a, b = step["tap"][2:]
        rows, cols = slice(*step["rows"]), slice(*step["cols"])
        assert (rows.start, cols.start) == (a, b)
        assert step["sum"] == (xp[rows, cols] * [[1, -1], [2, 0]]).sum() == d["grad_kernel"][a][b]
    assert d["backward_steps"]["kernel_total"] == 4 and d["backward_steps"]["input_total"] == 9


def test_quiet_still_checks_the_shape_of_dy():
    assert_user_error(invoke("conv", X, K, "--backward", "1 2 3", "-q"), "--backward", "2×2")


def test_flat_dy_is_reshaped():
    np.testing.assert_array_equal(grads(X, K, "--backward", "1 0 0 2")[0], grads(X, K, "--backward", DY)[0])


def test_channels_last_reads_dy_and_writes_grad_input_channels_last():
    rng = np.random.default_rng(2)
    x, k = rng.integers(-3, 4, (4, 3, 2)).astype(float), rng.integers(-2, 3, (2, 2, 2, 2)).astype(float)
    dy = rng.integers(-2, 3, (3, 2, 2)).astype(float)        # OH×OW×F
    gx_last, gk_last, gb_last = grads(mat(x), mat(k), "--channels-last", "--backward", mat(dy))
    gx, gk, gb = grads(mat(np.moveaxis(x, -1, 0)), mat(k), "--backward", mat(np.moveaxis(dy, -1, 0)))
    np.testing.assert_array_equal(gx_last, np.moveaxis(gx, 0, -1))
    np.testing.assert_array_equal(gk_last, gk)
    np.testing.assert_array_equal(gb_last, gb)


def test_max_steps_caps_the_backward_tables():
    text = ok("conv", X, K, "--backward", DY, "--max-steps", "2").stdout
    assert "… 2 more rows not shown (showing 2 of 4; raise --max-steps to see more)" in text
    assert "… 7 more rows not shown (showing 2 of 9; raise --max-steps to see more)" in text


# ------------------------------------------------------------------ bad input


@pytest.mark.parametrize("args, fragments", [
    ((X, K, "--backward", "1 0 0; 0 2 0"), ("--backward", "2×3", "2×2")),
    ((X, K, "--backward", "1 2 3"), ("--backward", "3", "2×2")),
    ((X, K, "--backward", "1 2; 3 x"), ("--backward",)),
    (("0 0 0; 0 0 0; 0 0 0", K, "--backward", "inf 0; 0 0"), ("--backward", "nan")),
    (("1 0; 0 -1", "1;", "--backward", "inf 0; 0 -inf"), ("--backward", "bias gradient")),
    ((mat(np.ones((3, 3, 2))), mat(np.ones((1, 2, 2, 2))), "--channels-last", "--backward", "1 1; 1 1"),
     ("--backward", "2×2", "2×2×1")),
])
def test_bad_dy(args, fragments):
    assert_user_error(invoke("conv", *args), *fragments)


# ------------------------------------------------------------------ PyTorch oracle


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(24))
def test_torch_autograd(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(100 + seed)
    n, c, f = int(rng.integers(1, 3)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    kh, kw = (int(v) for v in rng.integers(1, 4, 2))
    s, dil = [int(v) for v in rng.integers(1, 4, 2)], [int(v) for v in rng.integers(1, 3, 2)]
    h, w = dil[0] * (kh - 1) + 1 + int(rng.integers(0, 5)), dil[1] * (kw - 1) + 1 + int(rng.integers(0, 5))
    same, flip, last = seed % 4 in (0, 3), seed % 3 == 0, seed % 2 == 1     # same also channels-last
    p = [int(v) for v in rng.integers(0, 3, 2)]
    x = rng.normal(size=(n, c, h, w) if n > 1 else (c, h, w))
    k, b = rng.normal(size=(f, c, kh, kw)), rng.normal(size=f)
    xt, kt, bt = (torch.tensor(a, requires_grad=True) for a in (x, k, b))
    args = ["--stride", f"{s[0]},{s[1]}", "--dilation", f"{dil[0]},{dil[1]}", "--bias", mat(b)]
    if same:        # TensorFlow's rule, strides and dilations included: ceil(size/s) outputs
        sides = []
        for size, kk, st, d in ((h, kh, s[0], dil[0]), (w, kw, s[1], dil[1])):
            total = max((-(-size // st) - 1) * st + d * (kk - 1) + 1 - size, 0)
            sides += [total // 2, total - total // 2]
        xpad = torch.nn.functional.pad(xt, (sides[2], sides[3], sides[0], sides[1]))
        args += ["--padding", "same"]
    else:
        xpad = torch.nn.functional.pad(xt, (p[1], p[1], p[0], p[0]))
        args += ["--padding", f"{p[0]},{p[1]}"]
    y = torch.nn.functional.conv2d(xpad if n > 1 else xpad[None], kt.flip(2, 3) if flip else kt, bt,
                                   stride=s, dilation=dil)
    y = y if n > 1 else y[0]
    dy = rng.normal(size=tuple(y.shape))
    y.backward(torch.tensor(dy))
    if flip:
        args.append("--flip")
    to_last = (lambda a: np.moveaxis(a, -3, -1)) if last else (lambda a: a)
    if last:
        args.append("--channels-last")
    d = full_json("conv", mat(to_last(x)), mat(k), "--backward", mat(to_last(dy)), *args)
    np.testing.assert_allclose(np.array(d["result"]), to_last(y.detach().numpy()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.array(d["grad_input"]), to_last(xt.grad.numpy()), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.array(d["grad_kernel"]), kt.grad.numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.array(d["grad_bias"]), bt.grad.numpy(), rtol=1e-12, atol=1e-12)


def test_the_backward_tables_show_digits_decimals():
    """The ∂E/∂K products and the ∂E/∂X terms were written with four decimals whatever --digits said."""
    from conftest import ok
    out = ok("conv", "1 2 3; 4 5 6; 7 8 9", "0.5 0.25; 0.125 1", "--backward", "0.123456 0.1; 0.2 0.3",
             "--digits", "2").stdout
    assert "0.12 0.20; 0.80 1.50" in out                  # input under tap (0, 0) ⊙ DY
    assert "0.12·0.25 + 0.10·0.50" in out                 # DY · K for ∂E/∂X[0, 1]
    assert "0.1235" not in out
