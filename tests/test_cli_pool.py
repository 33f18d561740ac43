"""`nncalc pool` through the CLI: max/avg, window options, channels, backward routing, JSON and bad input."""
import json

import numpy as np
import pytest

from conftest import assert_user_error, full_json, invoke, ok, quiet_json

X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"
XA = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], float)


def result(*args, **kw):
    return quiet_json("pool", *args, **kw)


def full(*args):
    return full_json("pool", *args)


def mat(a):
    return json.dumps(np.asarray(a).tolist())


# ---------------------------------------------------------------- forward

def test_max_is_the_default_and_stride_defaults_to_size():
    d = full(X, "--size", "2")
    assert d["mode"] == "max"
    assert d["result"] == [[2, 3], [3, 2]]
    assert d["stride"] == [2, 2] == d["size"]
    d3 = full(X, "--size", "3")
    assert d3["stride"] == [3, 3] and d3["output_shape"] == [1, 1]


@pytest.mark.parametrize("flags", [["--mode", "max"], ["--max"], ["--mode", "MAX"]])
def test_max_spellings(flags):
    assert result(X, "--size", "2", *flags).tolist() == [[2, 3], [3, 2]]


@pytest.mark.parametrize("flags", [["--mode", "avg"], ["--avg"]])
def test_avg_spellings(flags):
    assert result(X, "--size", "2", *flags).tolist() == [[1, 2], [2, 1]]


def test_explicit_stride_overlapping_windows():
    got = result(X, "--size", "2", "--stride", "1")
    assert got.tolist() == [[2, 3, 3], [3, 2, 3], [3, 3, 2]]
    got = result(X, "--avg", "--size", "2", "--stride", "1")
    np.testing.assert_allclose(got, [[1, 2, 2], [1, 1, 2], [2, 1, 1]])


def test_rectangular_size_and_stride():
    assert result(X, "--size", "1,2", "--stride", "1,2").tolist() == [[2, 3], [1, 3], [3, 2], [3, 1]]


def test_max_padding_is_minus_infinity():
    x = -np.arange(1.0, 10).reshape(3, 3)                       # all negative: a 0 pad would win
    got = result(mat(x), "--size", "3", "--stride", "1", "--padding", "1")
    assert got.shape == (3, 3)
    assert got.max() < 0
    assert got[0, 0] == -1 and got[2, 2] == -5


def test_avg_count_include_pad_and_no_count_include_pad():
    ones = mat(np.ones((3, 3)))
    inc = result(ones, "--avg", "--size", "3", "--stride", "1", "--padding", "1")
    np.testing.assert_allclose(inc, [[4 / 9, 6 / 9, 4 / 9], [6 / 9, 1, 6 / 9], [4 / 9, 6 / 9, 4 / 9]])
    exc = result(ones, "--avg", "--size", "3", "--stride", "1", "--padding", "1", "--no-count-include-pad")
    np.testing.assert_allclose(exc, np.ones((3, 3)))
    d = full(ones, "--avg", "--size", "3", "--stride", "1", "--padding", "1", "--no-count-include-pad")
    assert d["count_include_pad"] is False
    assert d["steps"][0]["count"] == 4 and d["steps"][0]["sum"] == 4


def test_ceil_mode():
    x = mat(np.arange(25.0).reshape(5, 5))
    assert result(x, "--size", "2").shape == (2, 2)
    got = result(x, "--size", "2", "--ceil")
    assert got.tolist() == [[6, 8, 9], [16, 18, 19], [21, 23, 24]]


def test_ceil_drops_a_window_that_would_start_in_the_padding():
    # PyTorch: 5 with k=2, s=2, p=1, ceil -> ⌈5/2⌉ + 1 = 4, minus the window starting in the padding = 3
    x = mat(np.arange(25.0).reshape(5, 5))
    d = full(x, "--size", "2", "--padding", "1", "--ceil")
    assert d["output_shape"] == [3, 3]
    assert d["sizes"]["h"]["dropped_last"] is True
    out = ok("pool", x, "--size", "2", "--padding", "1", "--ceil").stdout
    assert "the last window would start in the padding, so it is dropped" in out
    assert full(x, "--size", "2", "--padding", "1")["output_shape"] == [3, 3]


def test_global_pooling():
    x = "1 2; 3 4 | -1 -5; 0 2"
    assert result(x, "--global").tolist() == [[[4]], [[2]]]
    np.testing.assert_allclose(result(x, "--global", "--avg"), [[[2.5]], [[-1]]])


def test_channels_pooled_separately():
    x = np.stack([XA, -XA, XA * 10])
    got = result(mat(x), "--size", "2")
    assert got.shape == (3, 2, 2)
    np.testing.assert_array_equal(got[0], [[2, 3], [3, 2]])
    np.testing.assert_array_equal(got[1], [[0, 0], [0, 0]])
    np.testing.assert_array_equal(got[2], [[20, 30], [30, 20]])
    d = full(mat(x), "--size", "2")
    assert d["input_shape"] == [3, 4, 4] and d["output_shape"] == [3, 2, 2]


# --------------------------------------------------------------- backward

def test_max_backward_routes_to_winner_and_overlaps_add_up():
    d = full(X, "--size", "3", "--stride", "1", "--backward", "1 2; 3 4")
    assert d["result"] == [[3, 3], [3, 3]]
    assert d["argmax"] == [[[0, 2], [0, 2]], [[2, 0], [1, 3]]]
    grad = np.zeros((4, 4))
    grad[0, 2], grad[2, 0], grad[1, 3] = 1 + 2, 3, 4
    np.testing.assert_array_equal(np.array(d["grad_input"], float), grad)


def test_avg_backward_spreads_evenly():
    d = full(X, "--avg", "--size", "2", "--backward", "4 8; 12 16")
    g = np.array(d["grad_input"], float)
    np.testing.assert_array_equal(g, np.kron([[1, 2], [3, 4]], np.ones((2, 2))))
    text = ok("pool", X, "--avg", "--size", "2", "--backward", "4 8; 12 16").stdout
    assert "Backward pass — avg: each input cell of the window gets dout / count" in text
    assert "Gradient with respect to the input (∂E/∂x)" in text


def test_backward_flat_gradient_is_reshaped():
    d = full(X, "--size", "2", "--backward", "1 2 3 4")
    assert np.array(d["grad_input"]).shape == (4, 4)
    assert sum(map(sum, d["grad_input"])) == 10


def test_json_keys():
    d = full(X, "--size", "2")
    for key in ("result", "output_shape", "steps", "steps_total", "argmax"):
        assert key in d
    assert "grad_input" not in d
    assert d["steps_total"] == 4 and len(d["steps"]) == 4
    assert d["steps"][0] == {"position": [0, 0, 0, 0], "window": [[1, 2], [0, 1]], "value": 2,
                             "winner": [0, 1]}
    avg = full(X, "--avg", "--size", "2", "--max-steps", "1")
    assert "argmax" not in avg and len(avg["steps"]) == 1 and avg["steps_total"] == 4
    assert "grad_input" in full(X, "--size", "2", "--backward", "1 1; 1 1")


def test_text_trace_and_more_steps_line():
    out = ok("pool", X, "--size", "2", "--max-steps", "2").stdout
    assert out.startswith("pool: max pooling, window 2×2, stride 2,2")
    assert "   = ⌊(4 + 2·0 − 1·(2−1) − 1) / 2⌋ + 1" in out
    assert "… 2 more rows not shown (showing 2 of 4; raise --max-steps to see more)" in out
    assert "Pooled map (max) (2×2):" in out


def test_golden_avg_pool_ceil(golden):
    golden("pool_avg_ceil.txt", ok("pool", X, "--avg", "--size", "3", "--stride", "2", "--ceil").stdout)


# -------------------------------------------------------------------- pipes

def test_pool_output_pipes_into_pool():
    first = ok("pool", mat(np.arange(64.0).reshape(8, 8)), "--size", "2", "-q")
    assert ok("pool", "-", "--size", "2", "-q", input=first.stdout).stdout == "27 31\n59 63\n"


def test_pool_reads_npy_from_stdin():
    first = ok("pool", mat(np.arange(64.0).reshape(2, 4, 8)), "--size", "2", "-q", "--format", "npy")
    got = json.loads(ok("pool", "-", "--global", "-q", "--format", "json", input=first.stdout_bytes).stdout)
    assert got == [[[31]], [[63]]]


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("args, fragments", [
    ([X, "--stride", "0"], ["--stride"]),
    ([X, "--stride", "-1"], ["--stride"]),
    ([X, "--padding", "-1"], ["--padding"]),
    ([X, "--size", "0"], ["--size"]),
    ([X, "--size", "2.5"], ["--size", "2.5"]),
    ([X, "--size", "2.5x3"], ["--size"]),
    ([X, "--size", "5"], ["--size", "does not fit"]),
    ([X, "--size", "2", "--padding", "2"], ["--padding", "half"]),
    ([X, "--size", "3", "--padding", "2"], ["--padding", "half"]),
    ([X, "--size", "2", "--backward", "1 2 3"], ["--backward", "2×2"]),
    ([X, "--size", "2", "--backward", "1 2; 3 4; 5 6"], ["--backward"]),
    ([X, "--global", "--padding", "1"], ["--global", "--padding"]),
    ([X, "--global", "--ceil"], ["--global", "--ceil"]),
    ([X, "--max", "--avg"], ["--mode"]),
    ([X, "--mode", "min"], ["--mode"]),
    (["1 2 3"], ["INPUT"]),
    (["1 2; 3"], ["INPUT"]),
    ([X, "--sise", "2"], ["--sise"]),
])
def test_bad_input(args, fragments):
    assert_user_error(invoke("pool", *args), *fragments)


def test_missing_input():
    assert_user_error(invoke("pool"), "INPUT")


# -------------------------------------------------------------- torch oracle

def _case(data):
    from hypothesis import strategies as st
    kh, kw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    sh, sw = data.draw(st.integers(1, 3)), data.draw(st.integers(1, 3))
    ph, pw = data.draw(st.integers(0, kh // 2)), data.draw(st.integers(0, kw // 2))
    h, w = data.draw(st.integers(kh, 7)), data.draw(st.integers(kw, 7))
    c = data.draw(st.integers(1, 2))
    ceil = data.draw(st.booleans())
    seed = data.draw(st.integers(0, 2 ** 32 - 1))
    return (kh, kw), (sh, sw), (ph, pw), (c, h, w), ceil, seed


def _run_oracle(mode, include_pad=True, examples=12):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=examples, deadline=None, derandomize=True)
    @given(st.data())
    def check(data):
        k, s, p, shape, ceil, seed = _case(data)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=shape)                   # continuous values: no ties for max
        xt = torch.from_numpy(x)[None].requires_grad_(True)
        if mode == "max":
            y = F.max_pool2d(xt, k, s, p, ceil_mode=ceil)
        else:
            y = F.avg_pool2d(xt, k, s, p, ceil_mode=ceil, count_include_pad=include_pad)
        dout = rng.normal(size=tuple(y.shape[1:]))
        y.backward(torch.from_numpy(dout)[None])
        args = [mat(x), "--mode", mode, "--size", f"{k[0]},{k[1]}", "--stride", f"{s[0]},{s[1]}",
                "--padding", f"{p[0]},{p[1]}", "--backward", mat(dout)]
        if ceil:
            args.append("--ceil")
        if not include_pad:
            args.append("--no-count-include-pad")
        d = full(*args)
        np.testing.assert_allclose(np.array(d["result"], float), y.detach()[0].numpy(), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(np.array(d["grad_input"], float), xt.grad[0].numpy(),
                                   rtol=1e-12, atol=1e-12)

    check()


@pytest.mark.oracle
def test_max_pool_matches_torch_forward_and_backward():
    _run_oracle("max")


@pytest.mark.oracle
def test_avg_pool_matches_torch_forward_and_backward():
    _run_oracle("avg")


@pytest.mark.oracle
def test_avg_pool_no_count_include_pad_matches_torch():
    _run_oracle("avg", include_pad=False, examples=8)
