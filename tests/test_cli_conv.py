"""`nncalc conv` through the CLI: results, options, JSON keys, the text trace, pipes and bad input."""
import json

import numpy as np
import pytest

from conftest import assert_user_error, full_json, invoke, ok, quiet_json

X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"
K = "2 0 1; 0 1 2; 1 0 2"
XA = np.array([[1, 2, 3, 0], [0, 1, 2, 3], [3, 0, 1, 2], [2, 3, 0, 1]], float)
KA = np.array([[2, 0, 1], [0, 1, 2], [1, 0, 2]], float)


def ref_corr(x, k, stride=(1, 1), dilation=(1, 1)):
    """Plain-loop cross-correlation of an already padded C×H×W (or H×W) with F×C×kh×kw (or kh×kw)."""
    x = np.asarray(x, float)
    k = np.asarray(k, float)
    x3 = x[None] if x.ndim == 2 else x
    k4 = k[None, None] if k.ndim == 2 else k
    f, c, kh, kw = k4.shape
    (sh, sw), (dh, dw) = stride, dilation
    oh = (x3.shape[1] - dh * (kh - 1) - 1) // sh + 1
    ow = (x3.shape[2] - dw * (kw - 1) - 1) // sw + 1
    out = np.zeros((f, oh, ow))
    for fi in range(f):
        for i in range(oh):
            for j in range(ow):
                win = x3[:, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
                out[fi, i, j] = (win * k4[fi]).sum()
    return out[0] if k.ndim == 2 else out


def result(*args, **kw):
    return quiet_json("conv", *args, **kw)


def full(*args):
    return full_json("conv", *args)


# ------------------------------------------------------------------ results

def test_classic_example():
    assert result(X, K).tolist() == [[15, 16], [6, 15]]


def test_classic_example_quiet_text_reads_back():
    assert ok("conv", X, K, "-q").stdout == "15 16\n6 15\n"


def test_padding_and_bias():
    expected = ref_corr(np.pad(XA, 1), KA) + 3
    got = result(X, K, "--padding", "1", "--bias", "3")
    assert got.shape == (4, 4)
    np.testing.assert_array_equal(got, expected)
    assert got[0].tolist() == [10, 15, 13, 5]


def test_stride():
    x = np.arange(25.0).reshape(5, 5)
    xs = "; ".join(" ".join(str(int(v)) for v in row) for row in x)
    got = result(xs, K, "--stride", "2")
    np.testing.assert_array_equal(got, ref_corr(x, KA, stride=(2, 2)))
    assert got.shape == (2, 2)


def test_stride_pair():
    x = np.arange(30.0).reshape(5, 6)
    xs = json.dumps(x.tolist())
    got = result(xs, "1 -1; 2 0", "--stride", "1,2")
    np.testing.assert_array_equal(got, ref_corr(x, [[1, -1], [2, 0]], stride=(1, 2)))


def test_dilation():
    x = np.arange(25.0).reshape(5, 5)
    got = result(json.dumps(x.tolist()), "1 2; 3 4", "--dilation", "2")
    assert got.shape == (3, 3)
    np.testing.assert_array_equal(got, ref_corr(x, [[1, 2], [3, 4]], dilation=(2, 2)))


@pytest.mark.parametrize("stride, h, w", [(1, 4, 4), (2, 4, 4), (2, 5, 5), (3, 5, 4)])
def test_padding_same_is_ceil_h_over_stride_with_extra_zero_bottom_right(stride, h, w):
    x = np.arange(1.0, h * w + 1).reshape(h, w)
    d = full(json.dumps(x.tolist()), "1 0; 2 -1", "--padding", "same", "--stride", str(stride))
    oh, ow = -(-h // stride), -(-w // stride)
    assert d["output_shape"] == [oh, ow]
    pt, pb, pl, pr = d["padding"]
    total_h, total_w = (oh - 1) * stride + 2 - h, (ow - 1) * stride + 2 - w     # 2×2 kernel
    assert (pt, pb, pl, pr) == (total_h // 2, total_h - total_h // 2, total_w // 2, total_w - total_w // 2)
    xp = np.pad(x, ((pt, pb), (pl, pr)))
    np.testing.assert_array_equal(np.array(d["result"], float),
                                  ref_corr(xp, [[1, 0], [2, -1]], stride=(stride, stride)))


def test_padding_same_odd_total_goes_bottom_right():
    d = full(X, K, "--padding", "same", "--stride", "2")
    assert d["padding"] == [0, 1, 0, 1]
    assert d["result"] == [[15, 10], [10, 3]]


def test_padding_valid_is_no_padding():
    assert result(X, K, "--padding", "valid").tolist() == result(X, K).tolist()
    assert full(X, K, "--padding", "valid")["padding"] == [0, 0, 0, 0]


def test_flip_is_correlation_with_rotated_kernel():
    flipped = ok("conv", X, K, "--flip", "--format", "json")
    d = json.loads(flipped.stdout)
    rot = np.rot90(KA, 2)
    rot_text = "; ".join(" ".join(str(int(v)) for v in row) for row in rot)
    assert d["result"] == result(X, rot_text).tolist()
    assert d["result"] == [[11, 12], [10, 11]]
    assert d["operation"] == "convolution"
    assert full(X, K)["operation"] == "cross-correlation"
    text = ok("conv", X, K, "--flip").stdout
    assert text.splitlines()[0].startswith("conv: convolution")
    assert "rotated 180°" in text


def test_multichannel_several_kernels_bias_and_relu():
    x = "1 2; 3 4 | 5 6; 7 8"
    d = full(x, "1 0; 0 1 | 0 1; 1 0", "1 1; 1 1 | -1 -1; -1 -1",
                  "--bias", "1 -100", "--activation", "relu")
    # filter 0: 1+4 + 6+7 = 18 (+1); filter 1: 10 - 26 = -16 (-100) -> relu 0
    assert d["result"] == [[[19]], [[0]]]
    assert d["output_shape"] == [2, 1, 1]
    assert d["kernel_shape"] == [2, 2, 2, 2]
    assert d["activation"] == "relu"
    step = d["steps"][0]
    assert step["channel_sums"] == [5, 13] and step["sum"] == 18 and step["z"] == 19


def test_four_d_json_kernel_equals_separate_kernel_args():
    x = "1 2 3; 4 5 6; 7 8 9"
    k4 = json.dumps([[[[1, 0], [0, 1]]], [[[0, -1], [1, 0]]]])
    got = result(x, k4)
    assert got.shape == (2, 2, 2)
    np.testing.assert_array_equal(got, result(x, "1 0; 0 1", "0 -1; 1 0"))
    np.testing.assert_array_equal(got[0], [[6, 8], [12, 14]])


def test_channels_last():
    rng = np.random.default_rng(3)
    x_chw = rng.integers(-3, 4, size=(2, 4, 5)).astype(float)
    k = rng.integers(-2, 3, size=(3, 2, 2, 2)).astype(float)
    first = result(json.dumps(x_chw.tolist()), json.dumps(k.tolist()))          # F×OH×OW
    last = result(json.dumps(np.moveaxis(x_chw, 0, -1).tolist()), json.dumps(k.tolist()),
                  "--channels-last")
    assert last.shape == (3, 4, 3)                                               # OH×OW×F
    np.testing.assert_array_equal(last, np.moveaxis(first, 0, -1))


def test_channels_last_text_shows_each_output_channel_as_its_own_map():
    x_hwc = "[[[0,1],[2,3],[4,5]],[[6,7],[8,9],[10,11]],[[12,13],[14,15],[16,17]]]"
    args = ["conv", x_hwc, "1 0; 0 0 | 0 0; 0 0", "0 0; 0 0 | 1 0; 0 0", "--channels-last"]
    text = ok(*args, "--max-steps", "0").stdout
    maps = text.split("Output feature maps")[1]
    assert "channels last, OH×OW×F" in maps
    # filter 0 reads input channel 0 (the even numbers), filter 1 channel 1 (the odd ones)
    assert maps.split("channel 0\n")[1].split("channel 1")[0].split() == ["0", "2", "6", "8"]
    assert maps.split("channel 1\n")[1].split() == ["1", "3", "7", "9"]
    assert quiet_json(*args).tolist() == [[[0, 1], [2, 3]], [[6, 7], [8, 9]]]


def test_negative_kernel_values_positionally_without_double_dash():
    x = "1 2 3; 4 5 6; 7 9 8"
    got = result(x, "-1 0; 0 1")
    np.testing.assert_array_equal(got, [[4, 4], [5, 3]])
    got2 = result(x, "-1 0; 0 1", "-2 1; 1 0", "--bias", "-2 -1")           # two negative-led KERNELs
    np.testing.assert_array_equal(got2, [[[2, 2], [3, 1]], [[3, 3], [3, 4]]])


# ------------------------------------------------------------------- JSON

def test_json_keys_and_steps_cap():
    d = full(X, K, "--padding", "1", "--max-steps", "3")
    for key in ("result", "output_shape", "padded_input", "steps", "steps_total"):
        assert key in d
    assert d["output_shape"] == [4, 4]
    assert d["steps_total"] == 16
    assert len(d["steps"]) == 3
    assert np.array(d["padded_input"]).shape[-2:] == (6, 6)
    np.testing.assert_array_equal(np.array(d["padded_input"]).reshape(6, 6), np.pad(XA, 1))
    s0 = d["steps"][0]
    assert s0["position"][-2:] == [0, 0]
    assert s0["sum"] == 7 and s0["bias"] == 0 and s0["value"] == 7
    assert "z" not in s0                                    # z only with an activation


def test_json_all_steps_by_default_for_small_input():
    d = full(X, K)
    assert len(d["steps"]) == d["steps_total"] == 4
    assert [s["value"] for s in d["steps"]] == [15, 16, 6, 15]


# --------------------------------------------------------------- the trace

def test_text_trace_formula_padding_and_more_steps_line():
    out = ok("conv", X, K, "--padding", "1", "--max-steps", "3").stdout
    assert "OH = ⌊(H + 2P − D·(K−1) − 1) / S⌋ + 1" in out
    assert "   = ⌊(4 + 2·1 − 1·(3−1) − 1) / 1⌋ + 1" in out
    assert "   = 3 + 1 = 4" in out
    assert "Padded input (· = zero padding) (6×6):" in out
    padded = out.split("Padded input")[1].splitlines()[1:7]
    assert padded[0].split() == ["·"] * 6
    assert padded[1].split() == ["·", "1", "2", "3", "0", "·"]
    assert "… 13 more rows not shown (showing 3 of 16; raise --max-steps to see more)" in out


def test_no_padded_input_section_without_padding():
    out = ok("conv", X, K).stdout
    assert "Padded input" not in out and "more rows not shown" not in out
    assert "   = 1 + 1 = 2" in out


def test_golden_small_conv_with_padding(golden):
    golden("conv_padding_bias.txt", ok("conv", X, K, "--padding", "1", "--bias", "3",
                                         "--max-steps", "5").stdout)


# ------------------------------------------------------------------- pipes

def test_quiet_output_pipes_into_pool():
    conv = ok("conv", X, K, "--padding", "1", "-q")
    r = ok("pool", "-", "--size", "2", "-q", input=conv.stdout)
    assert r.stdout == "15 16\n10 15\n"


def test_npy_output_pipes_into_pool():
    conv = ok("conv", X, K, "--padding", "1", "-q", "--format", "npy")
    assert conv.stdout_bytes.startswith(b"\x93NUMPY")
    r = ok("pool", "-", "--size", "2", "-q", "--format", "json", input=conv.stdout_bytes)
    assert json.loads(r.stdout) == [[15, 16], [10, 15]]


def test_json_object_with_result_reads_back():
    r = ok("pool", "-", "--size", "2", "-q", input=json.dumps({"result": [[1, 5], [3, 2]]}))
    assert r.stdout == "5;\n"          # a 1×1 matrix: the trailing ';' keeps it 2-D


def test_full_json_object_output_pipes_into_pool():
    conv = ok("conv", X, K, "--padding", "1", "--format", "json")
    r = ok("pool", "-", "--size", "2", "-q", input=conv.stdout)
    assert r.stdout == "15 16\n10 15\n"


# --------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, fragments", [
    ([X, K, "--stride", "0"], ["--stride"]),
    ([X, K, "--stride", "-1"], ["--stride"]),
    ([X, K, "--padding", "-1"], ["--padding"]),
    ([X, K, "--padding", "2.5"], ["--padding", "2.5"]),
    ([X, K, "--dilation", "0"], ["--dilation"]),
    (["1 2; 3 4", K], ["KERNEL", "does not fit"]),
    ([X, K, "--dilation", "2"], ["KERNEL", "dilated 5×5"]),
    (["1 2; 3 4 | 5 6; 7 8", "1 0; 0 1 | 0 1; 1 0 | 1 1; 1 1"], ["KERNEL", "channel"]),
    ([X, "1 0; 0 1", K], ["KERNEL 2", "3×3", "2×2"]),
    ([X, K, "--activation", "rleu"], ["--activation", "rleu", "did you mean 'relu'"]),
    ([X], ["KERNEL"]),
    ([X, K, K, "--bias", "1 2 3"], ["--bias"]),
    (["1 2 3 4", "1 0; 0 1"], ["INPUT"]),
    ([X, K, "--channels-last"], ["INPUT", "--channels-last"]),
    (["1 2; 3", K], ["INPUT"]),
    ([X, "1 x; 0 1"], ["KERNEL"]),
    ([X, K, "--strid", "2"], ["--strid"]),
])
def test_bad_input(args, fragments):
    assert_user_error(invoke("conv", *args), *fragments)


# ------------------------------------------------------------ torch oracle

def _oracle_case(data):
    from hypothesis import strategies as st
    c = data.draw(st.integers(1, 3), "C")
    f = data.draw(st.integers(1, 3), "F")
    kh, kw = data.draw(st.integers(1, 3), "kh"), data.draw(st.integers(1, 3), "kw")
    sh, sw = data.draw(st.integers(1, 3), "sh"), data.draw(st.integers(1, 3), "sw")
    dh, dw = data.draw(st.integers(1, 2), "dh"), data.draw(st.integers(1, 2), "dw")
    ph, pw = data.draw(st.integers(0, 2), "ph"), data.draw(st.integers(0, 2), "pw")
    h = data.draw(st.integers(max(1, dh * (kh - 1) + 1 - 2 * ph), 7), "H")
    w = data.draw(st.integers(max(1, dw * (kw - 1) + 1 - 2 * pw), 7), "W")
    seed = data.draw(st.integers(0, 2 ** 32 - 1), "seed")
    return c, f, (kh, kw), (sh, sw), (dh, dw), (ph, pw), (h, w), seed


@pytest.mark.oracle
def test_matches_torch_conv2d():
    torch = pytest.importorskip("torch")
    from hypothesis import given, settings, strategies as st

    @settings(max_examples=10, deadline=None, derandomize=True)
    @given(st.data())
    def check(data):
        c, f, (kh, kw), (sh, sw), (dh, dw), (ph, pw), (h, w), seed = _oracle_case(data)
        rng = np.random.default_rng(seed)
        x = rng.normal(size=(c, h, w))
        k = rng.normal(size=(f, c, kh, kw))
        b = rng.normal(size=f)
        got = result(json.dumps(x.tolist()), json.dumps(k.tolist()), "--bias", json.dumps(b.tolist()),
                     "--stride", f"{sh},{sw}", "--padding", f"{ph},{pw}", "--dilation", f"{dh},{dw}")
        want = torch.nn.functional.conv2d(torch.from_numpy(x)[None], torch.from_numpy(k),
                                          torch.from_numpy(b), stride=(sh, sw), padding=(ph, pw),
                                          dilation=(dh, dw))[0].numpy()
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)

    check()


@pytest.mark.oracle
def test_padding_same_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 6, 5))
    k = rng.normal(size=(3, 2, 3, 2))
    got = result(json.dumps(x.tolist()), json.dumps(k.tolist()), "--padding", "same")
    want = torch.nn.functional.conv2d(torch.from_numpy(x)[None], torch.from_numpy(k),
                                      padding="same")[0].numpy()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_quiet_runs_compute_no_trace(monkeypatch):
    # -q, csv, tsv and npy never show steps, so none are built (they cost time on small inputs)
    from nncalc.core import conv
    seen = []
    real = conv.conv2d

    def spy(*args, **kwargs):
        seen.append(args[8] if len(args) > 8 else kwargs.get("max_steps"))
        return real(*args, **kwargs)
    monkeypatch.setattr(conv, "conv2d", spy)
    ok("conv", X, K, "-q")
    ok("conv", X, K, "--format", "csv")
    ok("conv", X, K, "--format", "json")
    assert seen == [0, 0, 50]


@pytest.mark.filterwarnings("error")        # a NumPy RuntimeWarning would become an internal error
@pytest.mark.parametrize("command, want", [
    (["conv", "inf 1; 1 1", "1 1; 1 1"], "inf;\n"),                   # inf·1 + 1 + 1 + 1 has a value
    (["conv", "1e308 1e308; 1 1", "10 1; 1 1"], "inf;\n"),            # overflow rounds to inf, as IEEE
    (["conv", "-inf 1; 1 1", "1 1; 1 1", "--activation", "sigmoid"], "0;\n"),
    (["pool", "inf -inf; 1 1", "--max"], "inf;\n"),
])
def test_infinite_inputs_with_a_defined_result_print_it_without_warnings(command, want):
    r = ok(*command, "-q")
    assert r.stdout == want and r.stderr == ""
