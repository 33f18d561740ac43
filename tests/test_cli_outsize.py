"""`nncalc outsize` through the CLI: single layers, same/transposed, chains, JSON and bad input."""
import json

import pytest

from conftest import assert_user_error, invoke

LENET = ["1x32x32", "conv:6,5", "pool:2", "conv:16,5", "pool:2", "flatten", "fc:120", "fc:84", "fc:10"]


def ok(*args, **kw):
    r = invoke("outsize", *args, **kw)
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr)
    assert r.stderr == ""
    return r


def js(*args):
    return json.loads(ok(*args, "--format", "json").stdout)


# ------------------------------------------------------------ single layer

def test_mnist_5x5_kernel():
    out = ok("28", "--kernel", "5").stdout
    assert "OH = ⌊(H + 2P − D·(K−1) − 1) / S⌋ + 1" in out
    assert "   = ⌊(28 + 2·0 − 1·(5−1) − 1) / 1⌋ + 1" in out
    assert "   = 23 + 1 = 24" in out
    assert out.rstrip().endswith("Output size: 24×24")
    assert ok("28", "--kernel", "5", "-q").stdout == "24 24\n"


def test_stride_and_padding():
    assert ok("7x7", "--kernel", "3", "--stride", "2", "--padding", "1", "-q").stdout == "4 4\n"
    assert ok("7x9", "--kernel", "3,1", "--stride", "2,3", "-q").stdout == "3 3\n"
    assert ok("3x7x9", "--kernel", "3", "--dilation", "2", "-q").stdout == "3 5\n"


def test_non_whole_quotient_floors_and_ceil_rounds_up():
    out = ok("6", "--kernel", "3", "--stride", "2").stdout
    assert "⌊3/2 = 1.5⌋ + 1: not a whole number, so floor" in out
    assert "gives 1 + 1 = 2" in out
    assert ok("6", "--kernel", "3", "--stride", "2", "-q").stdout == "2 2\n"
    out = ok("6", "--kernel", "3", "--stride", "2", "--ceil").stdout
    assert "⌈3/2 = 1.5⌉ + 1: not a whole number, so ceil" in out
    assert out.rstrip().endswith("Output size: 3×3")


def test_padding_same_prints_per_side_padding():
    out = ok("32", "--kernel", "3", "--stride", "2", "--padding", "same").stdout
    assert "padding 'same'" in out
    assert "top 0, bottom 1, left 0, right 1" in out
    assert out.rstrip().endswith("Output size: 16×16")
    d = js("32", "--kernel", "3", "--stride", "2", "--padding", "same")
    assert d["padding"] == [0, 1, 0, 1] and d["result"] == [16, 16]
    d = js("5", "--kernel", "3", "--padding", "same")
    assert d["padding"] == [1, 1, 1, 1] and d["result"] == [5, 5]
    assert js("5", "--kernel", "3", "--padding", "valid")["result"] == [3, 3]


def test_transposed_with_output_padding():
    out = ok("4", "--kernel", "3", "--stride", "2", "--padding", "1", "--transposed",
             "--output-padding", "1").stdout
    assert "OH = (I − 1)·S − 2P + D·(K − 1) + A + 1" in out
    assert "   = (4 − 1)·2 − 2·1 + 1·(3 − 1) + 1 + 1 = 8" in out
    assert ok("4", "--kernel", "3", "--stride", "2", "--padding", "1", "--transposed", "-q").stdout == "7 7\n"
    d = js("4", "--kernel", "3", "--stride", "2", "--padding", "1", "--transposed", "--output-padding", "1")
    assert d["transposed"] is True and d["result"] == [8, 8]


def test_single_layer_json():
    d = js("28", "--kernel", "5")
    assert d["result"] == [24, 24]
    assert d["exact"] == [23, 23]            # README: the unrounded quotient (H + 2P − D(K−1) − 1)/S
    assert d["size"]["h"]["size"] == 24 and d["size"]["h"]["whole"] is True
    d = js("6", "--kernel", "3", "--stride", "2")
    assert d["result"] == [2, 2] and d["exact"] == [1.5, 1.5]
    assert d["size"]["w"]["quotient"] == "3/2" and d["size"]["w"]["rounding"] == "floor"


# -------------------------------------------------------------------- chains

def test_lenet5_chain():
    out = ok(*LENET).stdout
    assert "Total: 61,706 parameters" in out
    assert "output 10" in out
    assert "⌊(32 + 2·0 − 1·(5−1) − 1) / 1⌋ + 1 = 28" in out
    assert ok(*LENET, "-q").stdout == "10\n"


def test_lenet5_chain_json():
    d = js(*LENET)
    assert d["total_params"] == 61706
    assert d["result"] == [10]
    assert [layer["name"] for layer in d["layers"]] == LENET[1:]
    assert [layer["output_shape"] for layer in d["layers"]] == [
        [6, 28, 28], [6, 14, 14], [16, 10, 10], [16, 5, 5], [400], [120], [84], [10]]
    assert [layer["params"] for layer in d["layers"]] == [156, 0, 2416, 0, 0, 48120, 10164, 850]
    assert d["layers"][0]["macs"] == 6 * 28 * 28 * 25
    assert all(set(layer) >= {"name", "output_shape", "params", "macs"} for layer in d["layers"])
    assert d["total_macs"] == sum(layer["macs"] for layer in d["layers"])


def field_table(out):
    """The receptive-field table and its legend: from its header line to the total."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.split()[:2] == ["layer", "RF"])
    return "\n".join(lines[start:next(i for i, line in enumerate(lines) if line.startswith("Total:"))])


def test_lenet5_chain_params_formula_and_fields_in_text():
    out = ok(*LENET).stdout
    assert "(5·5·1 + 1)·6 = 156" in out and "(5·5·6 + 1)·16 = 2416" in out
    assert "(400 + 1)·120 = 48120" in out and "(84 + 1)·10 = 850" in out
    table = field_table(out).splitlines()
    assert table[0].split() == ["layer", "RF", "jump", "pad", "params", "MACs"]
    # conv 5 → r 5; pool 2 → 5 + 1·1 = 6, jump 2; conv 5 → 6 + 4·2 = 14
    assert table[2].split()[:4] == ["conv:6,5", "5", "1", "0"]
    assert table[3].split()[:4] == ["pool:2", "6", "2", "0"]
    assert table[4].split()[:4] == ["conv:16,5", "14", "2", "0"]
    assert table[6].split() == ["flatten", "0", "0"]    # no field once flattened


def test_lenet5_chain_json_fields_and_params_formula():
    layers = js(*LENET)["layers"]
    assert [layer["receptive_field"] for layer in layers] == [5, 6, 14, 16, None, None, None, None]
    assert [layer["effective_stride"] for layer in layers] == [1, 2, 2, 4, None, None, None, None]
    assert [layer["effective_padding"] for layer in layers] == [0, 0, 0, 0, None, None, None, None]
    assert [layer["params_formula"] for layer in layers] == [
        "(5·5·1 + 1)·6 = 156", "0", "(5·5·6 + 1)·16 = 2416", "0", "0",
        "(400 + 1)·120 = 48120", "(120 + 1)·84 = 10164", "(84 + 1)·10 = 850"]


def test_fields_differing_in_h_and_w_are_pairs():
    # conv 3×5 dilation 2 'same' on 32×24: k_eff 5 | 9, zeros before 2 | 4; then pool 3, s 2, p 1
    d = js("3x32x24", "conv:4,3x5,1,same,2", "pool:3,2,1,ceil", "flatten")
    assert [layer["receptive_field"] for layer in d["layers"]] == [[5, 9], [7, 11], None]
    assert [layer["effective_stride"] for layer in d["layers"]] == [1, 2, None]
    assert [layer["effective_padding"] for layer in d["layers"]] == [[2, 4], [3, 5], None]
    out = ok("3x32x24", "conv:4,3x5,1,same,2", "pool:3,2,1,ceil", "flatten").stdout
    assert field_table(out).splitlines()[2].split()[:4] == ["conv:4,3x5,1,same,2", "5×9", "1", "2×4"]


def test_vgg16_chain_at_224_ends_with_the_published_field():
    vgg = ["3x224x224"] + (["conv:64,3,1,1"] * 2 + ["pool:2"] + ["conv:128,3,1,1"] * 2 + ["pool:2"]
                           + ["conv:256,3,1,1"] * 3 + ["pool:2"] + ["conv:512,3,1,1"] * 3 + ["pool:2"]
                           + ["conv:512,3,1,1"] * 3 + ["pool:2", "flatten", "fc:4096", "fc:4096", "fc:1000"])
    layers = js(*vgg)["layers"]
    pool5 = layers[17]
    assert (pool5["receptive_field"], pool5["effective_stride"], pool5["effective_padding"]) == (212, 32, 90)
    out = ok(*vgg).stdout
    assert max(len(line) for line in field_table(out).splitlines()) <= 80    # an 80-column terminal


def test_help_states_the_receptive_field_conventions():
    text = " ".join(ok("--help").stdout.split())
    assert "effective padding counts the zeros before (top/left)" in text
    assert "flatten and fc end the spatial part" in text


def test_golden_lenet_chain(golden):
    golden("outsize_lenet.txt", ok(*LENET).stdout)


def test_key_value_tokens_and_activation_noop():
    d = js("1x28x28", "conv:out=6,k=5,s=1,p=2,d=1", "relu", "pool:k=2,s=2,p=0,ceil", "flatten", "fc:out=10")
    shapes = [layer["output_shape"] for layer in d["layers"]]
    assert shapes == [[6, 28, 28], [6, 28, 28], [6, 14, 14], [1176], [10]]
    relu = d["layers"][1]
    assert relu["params"] == 0 and relu["macs"] == 0 and relu["input_shape"] == relu["output_shape"]
    assert d["total_params"] == 156 + 11770 and d["result"] == [10]


def test_key_value_equals_positional():
    a = js("3x32x32", "conv:out=8,k=3,s=2,p=1,d=1", "pool:k=3,s=2,p=1,ceil")
    b = js("3x32x32", "conv:8,3,2,1,1", "pool:3,2,1,ceil")
    assert a["result"] == b["result"] == [8, 9, 9]        # 32 → 16 → ⌈15/2⌉ + 1 = 9
    assert a["total_params"] == b["total_params"] == 8 * (27 + 1)


def test_fc_on_spatial_input_flattens_implicitly():
    d = js("2x3x3", "fc:4")
    assert d["result"] == [4] and d["total_params"] == 4 * (18 + 1)


# ------------------------------------------------------------------ bad input

@pytest.mark.parametrize("args, fragments", [
    (["28", "--kernel", "5", "--stride", "0"], ["--stride"]),
    (["28", "--kernel", "5", "--stride", "-1"], ["--stride"]),
    (["28", "--kernel", "5", "--padding", "-1"], ["--padding"]),
    (["28", "--kernel", "5", "--dilation", "0"], ["--dilation"]),
    (["28", "--kernel", "0"], ["--kernel"]),
    (["3", "--kernel", "5"], ["--kernel", "does not fit"]),
    (["5", "--kernel", "3", "--dilation", "3"], ["--kernel", "dilated 7×7"]),
    (["2.5x3", "--kernel", "2"], ["SIZE", "2.5x3"]),
    (["0x3", "--kernel", "1"], ["SIZE"]),
    (["1x2x3x4", "--kernel", "1"], ["SIZE"]),
    (["28"], ["--kernel"]),
    (["28", "--kernel", "3", "--transposed", "--padding", "same"], ["--padding"]),
    (["1x28x28", "blah"], ["LAYER", "'blah'", "expected"]),
    (["1x28x28", "conv:6,5", "convv:6,5"], ["LAYER", "'convv:6,5'", "expected"]),
    (["1x28x28", "conv:6"], ["LAYER", "'conv:6'", "missing k", "expected"]),
    (["1x28x28", "conv:out=6,k=5,q=3"], ["LAYER", "'q'", "expected"]),
    (["1x28x28", "conv:6,5,1,0,1,9"], ["LAYER", "too many"]),
    (["1x28x28", "pool:two"], ["LAYER", "'two'"]),
    (["1x28x28", "fc:10", "conv:6,5"], ["LAYER", "'conv:6,5'", "C×H×W"]),
    (["1x28x28", "conv:6,5", "--kernel", "3"], ["--kernel"]),
    (["1x28x28", "conv:6,5", "--ceil"], ["--ceil"]),
    (["1x28x28", "conv:6,5", "--stride", "2"], ["--stride"]),
    (["1x28x28", "conv:6,5", "--padding", "same"], ["--padding"]),
    (["1x28x28", "conv:6,5,0"], ["stride"]),
    (["1x28x28", "conv:6,5,1,-1"], ["padding"]),
    (["1x28x28", "conv:6,5,1,0,0"], ["dilation"]),
    (["28", "--kernal", "3"], ["--kernal"]),
])
def test_bad_input(args, fragments):
    assert_user_error(invoke("outsize", *args), *fragments)


def test_chain_pool_padding_over_half_window_is_refused():
    assert_user_error(invoke("outsize", "1x8x8", "pool:2,2,3"), "LAYER", "half")


def test_chain_value_errors_name_the_token():
    assert_user_error(invoke("outsize", "1x28x28", "conv:6,30"), "LAYER", "conv:6,30")


def test_chain_fc_without_outputs_names_the_token_not_an_option():
    line = assert_user_error(invoke("outsize", "1x28x28", "conv:6,5", "fc:0"))
    assert line == "Error: LAYER: layer 2 'fc:0': out must be positive, got 0"


def test_ceil_mode_window_longer_than_the_input_as_pytorch():
    # torch.nn.functional.max_pool2d(8×8, kernel 5, stride 2, dilation 2, ceil_mode=True) is 1×1
    r = ok("8", "--kernel", "5", "--stride", "2", "--dilation", "2", "--ceil", "-q")
    assert r.stdout.split() == ["1", "1"]
    bad = invoke("outsize", "8", "--kernel", "5", "--stride", "2", "--dilation", "2")
    assert bad.exit_code == 2 and "does not fit" in bad.stderr


def test_chain_conv_padding_same_and_valid_follow_the_single_layer_rule():
    chain = js("1x28x28", "conv:out=6,k=5,p=same,s=2", "conv:4,3,1,valid")
    single = js("28", "--kernel", "5", "--stride", "2", "--padding", "same")
    assert chain["result"] == [4, 12, 12]
    assert single["result"][-2:] == [14, 14]                       # ceil(28 / 2), as TensorFlow
    bad = invoke("outsize", "28", "pool:k=2,p=same")
    assert bad.exit_code == 2 and "pooling padding is a number" in bad.stderr
