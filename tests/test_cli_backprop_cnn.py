"""`nncalc backprop` over conv, pool, flatten and dense layers: the tiny worked example, JSON,
resuming a saved run, chain tokens, forward-only runs, accuracy, --check and bad input."""
import json
import math

import numpy as np
import pytest

from nncalc.core import network
from nncalc.core.netio import Layer
from nncalc.core.netspec import ConvSpec, FlattenSpec, PoolSpec

IMAGE = [[1, 2, 0], [0, 1, 3], [3, 0, 1]]
TINY = {"layers": [
    {"type": "conv", "kernels": [[[[1, 0], [0, 1]]], [[[0, 1], [1, 0]]]], "bias": [0, -1], "activation": "relu"},
    {"type": "pool", "mode": "max", "size": 2},
    {"type": "flatten"},
    {"type": "dense", "weights": [[0.2, -0.1], [-0.1, 0.2]], "bias": [0, 0], "activation": "softmax"}],
    "input": IMAGE, "target": 1, "loss": "cross-entropy", "lr": 0.1}


def _write(tmp_path, data, name="net.json"):
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return str(path)


def as_json(run, *args):
    r = run("backprop", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


# ----------------------------------------------------------- the tiny example, by hand

def test_tiny_cnn_by_hand(run, tmp_path):
    d = as_json(run, "--net", _write(tmp_path, TINY))
    # conv: K1 sums the diagonal, K2 the anti-diagonal minus 1; both maps pass ReLU unchanged
    maps = [[[2, 5], [0, 2]], [[1, 0], [3, 2]]]
    assert d["first_step"]["forward"][0]["out"] == [maps]
    assert d["first_step"]["forward"][1]["out"] == [[[[5]], [[3]]]]           # max of each map
    z = [0.2 * 5 - 0.1 * 3, -0.1 * 5 + 0.2 * 3]                             # 0.7, 0.1
    p1 = 1 / (1 + math.exp(z[0] - z[1]))
    np.testing.assert_allclose(d["outputs"], [1 - p1, p1], rtol=1e-15)
    assert d["initial_loss"] == pytest.approx(-math.log(p1), rel=1e-15)
    delta = [1 - p1, p1 - 1]                                                 # (p − t)/N
    np.testing.assert_allclose(d["gradients"][3]["weights"], [[delta[0] * 5, delta[0] * 3],
                                                              [delta[1] * 5, delta[1] * 3]], rtol=1e-14)
    assert d["gradients"][1] == d["gradients"][2] == {}                      # pool and flatten: no parameters
    # back through flatten and max pool: each map's δ goes to its winner, (0,1) in map 1, (1,0) in map 2
    g = [0.2 * delta[0] - 0.1 * delta[1], -0.1 * delta[0] + 0.2 * delta[1]]
    k1 = d["gradients"][0]["kernels"]
    # ∂E/∂K1[a,b] = x[0+a, 1+b]·g1 (the winner's window), ∂E/∂K2[a,b] = x[1+a, 0+b]·g2
    np.testing.assert_allclose(k1[0][0], [[2 * g[0], 0], [1 * g[0], 3 * g[0]]], rtol=1e-14)
    np.testing.assert_allclose(k1[1][0], [[0, 1 * g[1]], [3 * g[1], 0]], rtol=1e-14)
    np.testing.assert_allclose(d["gradients"][0]["bias"], g, rtol=1e-14)
    # ∂E/∂X: the winners' windows get g·K back
    want = np.zeros((3, 3))
    want[0:2, 1:3] += g[0] * np.array([[1, 0], [0, 1]])
    want[1:3, 0:2] += g[1] * np.array([[0, 1], [1, 0]])
    np.testing.assert_allclose(d["grad_input"], want, rtol=1e-14)
    np.testing.assert_allclose(d["layers"][0]["kernels"], np.array(TINY["layers"][0]["kernels"]) - 0.1 * np.array(k1),
                               rtol=1e-15)
    assert d["accuracy"] == {"initial": 0.0, "final": d["accuracy"]["final"]}


def test_tiny_cnn_trace_shows_each_layer(run, tmp_path):
    text = run("backprop", "--net", _write(tmp_path, TINY)).stdout
    for piece in ("Forward, layer 1 (conv, 2 filters 1×2×2", "1·1 + 2·0 + 0·0 + 1·1 + 0", "1·0 + 2·1 + 0·1 + 1·0 - 1",
                  "Forward, layer 2 (max pool 2×2", "winner (row, col)",
                  "Forward, layer 3 (flatten): 1×2×1×1 → 1×2", "Backward, layer 3 (flatten)",
                  "Backward, layer 2 (max pool): ∂E/∂out routed to the window's winner",
                  "Gradients, layer 1 (conv): ∂E/∂K[f,c,a,b]", "K[1,0,1,0]", "∂E/∂X passed down by layer 1",
                  "Update, layer 1", "Accuracy: 0 before training"):
        assert piece in text, piece
    assert text.index("Backward, layer 4") < text.index("Backward, layer 1")


def test_each_layer_gradients_follow_its_backward_step(run):
    """Read top to bottom, a layer's ∂E/∂out must already be on the page: conv layer 2's ∂E/∂X passed
    down comes before layer 1's backward step, and each layer's gradients sit right after its δ."""
    text = run("backprop", "--layers", "conv:2,2 relu conv:1,2 flatten fc:2 softmax", "--seed", "0",
               "--input", "1 2 0 1; 0 1 3 1; 3 0 1 2; 1 1 1 1", "--target", "1", "--loss", "cross-entropy").stdout
    order = ["Backward, layer 4", "Gradients, layer 4", "Backward, layer 3", "Backward, layer 2",
             "Gradients, layer 2", "∂E/∂X passed down by layer 2", "Backward, layer 1", "Gradients, layer 1",
             "∂E/∂X passed down by layer 1", "Update, layer 1"]
    at = [text.index(piece) for piece in order]
    assert at == sorted(at), [order[i] for i in np.argsort(at)]


def test_avg_pool_layer_counts_padding_in_the_divisor(run):
    """avgpool:2,1,1 on a 2×2 image: the corner window holds one pixel and three padding zeros, ÷ 4
    (PyTorch's count_include_pad=True), not ÷ 1."""
    d = as_json(run, "--layers", "avgpool:2,1,1", "--seed", "0", "--input", "4 8; 12 16", "--steps", "0")
    pooled = d["first_step"]["forward"][0]["out"][0][0]
    assert pooled == [[4 / 4, (4 + 8) / 4, 8 / 4], [(4 + 12) / 4, 40 / 4, (8 + 16) / 4], [12 / 4, (12 + 16) / 4, 16 / 4]]


# ----------------------------------------------------------- JSON and resuming

def test_saved_run_continues(run, tmp_path):
    one = as_json(run, "--net", _write(tmp_path, TINY))
    path = _write(tmp_path, one, "run.json")
    resumed = as_json(run, "--net", path, "--steps", "2")
    straight = as_json(run, "--net", _write(tmp_path, TINY), "--steps", "3")
    assert resumed["layers"] == straight["layers"]           # sgd keeps no state: the same bits
    assert resumed["initial_loss"] == one["final_loss"]
    assert resumed["final_loss"] == straight["final_loss"]


@pytest.mark.parametrize("name", ["-", "@-"])
def test_saved_run_continues_from_a_pipe(run, tmp_path, name):
    """`nncalc backprop … --format json | nncalc backprop --net - --steps 2`: '-' is standard input,
    as for every matrix argument (it was looked up as a file named '-')."""
    one = run("backprop", "--net", _write(tmp_path, TINY), "--format", "json").stdout
    r = run("backprop", "--net", name, "--steps", "2", "--format", "json", input=one)
    assert r.exit_code == 0, r.stderr
    piped = json.loads(r.stdout)
    straight = as_json(run, "--net", _write(tmp_path, TINY), "--steps", "3")
    assert piped["layers"] == straight["layers"]


@pytest.mark.parametrize("text", ["[1, 2]", '  [{"weights": [[1]], "activation": "relu"}]'])
def test_net_text_that_is_a_json_list_says_what_a_network_is(run, user_error, text):
    """JSON text given to --net that is not an object: the message says what a network is, it does not
    look the text up as a file name ('cannot read '[1, 2]': No such file or directory')."""
    user_error(run("backprop", "--net", text, "--input", "1", "--steps", "0"), "--net", "JSON object", "'layers'")


def test_net_that_is_not_json_names_where_it_came_from(run, user_error, tmp_path):
    bad = '{"layers": [1'
    line = user_error(run("backprop", "--net", bad, "--input", "1", "--steps", "0"), "--net")
    assert line.startswith("Error: --net: the text is not valid JSON: "), line
    line = user_error(run("backprop", "--net", "-", "--input", "1", "--steps", "0", input=bad), "--net")
    assert line.startswith("Error: --net: standard input is not valid JSON: "), line
    path = _write(tmp_path, {}, "net.json")
    (tmp_path / "net.json").write_text(bad)
    line = user_error(run("backprop", "--net", path, "--input", "1", "--steps", "0"), "--net")
    assert line.startswith(f"Error: --net: '{path}' is not valid JSON: "), line


def test_net_from_standard_input_is_read_once(run, user_error, tmp_path):
    user_error(run("backprop", "--net", "-", "--input", "-", input=json.dumps(TINY)), "--input", "once")


def test_first_step_keys_per_layer_type_as_readme_lists_them(run, tmp_path):
    fs = as_json(run, "--net", _write(tmp_path, TINY))["first_step"]
    assert [sorted(f) for f in fs["forward"]] == [["activation", "layer", "net", "out", "type"],   # conv
                                                  ["layer", "out", "type"],                          # pool
                                                  ["layer", "out_shape", "type"],                    # flatten
                                                  ["activation", "layer", "net", "out", "type"]]   # dense
    assert [sorted(b) for b in fs["backward"]] == [["dE_dout", "delta", "dout_dnet", "layer", "type"],
                                                   ["dE_dout", "grad_input", "layer", "type"],
                                                   ["dE_dout", "grad_input", "layer", "type"],
                                                   ["dE_dout", "delta", "dout_dnet", "layer", "type"]]


def test_fully_connected_json_has_grad_input_and_the_net_format(run):
    d = as_json(run, "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
                "--activation", "sigmoid,identity", "--input", "1", "--target", "2")
    assert d["grad_input"] == [-0.05287709278426674 * 1.0]           # δ_hidden·w_hidden
    assert d["layers"][0] == {"type": "dense", "weights": d["weights"][0], "bias": d["biases"][0],
                              "activation": "sigmoid"}


def test_batch_input_and_chain_tokens(run, tmp_path):
    x = np.random.default_rng(3).normal(size=(4, 2, 5, 5)).round(3)
    path = tmp_path / "x.json"
    path.write_text(json.dumps(x.tolist()))
    args = ["--layers", "conv:3,2,1,1 tanh avgpool:2 flatten fc:2 sigmoid", "--seed", "4",
            "--input", f"@{path}", "--target", "1 0; 0 1; 1 1; 0 0", "--loss", "bce", "--steps", "5"]
    d = as_json(run, *args)
    assert [l["type"] for l in d["layers"]] == ["conv", "pool", "flatten", "dense"]
    assert np.shape(d["layers"][0]["kernels"]) == (3, 2, 2, 2) and d["layers"][0]["padding"] == [1, 1]
    assert np.shape(d["grad_input"]) == (4, 2, 5, 5) and np.shape(d["outputs"]) == (4, 2)
    assert len(d["accuracy_history"]) == 6 and d == as_json(run, *args)      # the seed repeats the run
    limit = math.sqrt(6 / (2 * 4 + 3 * 4))                                    # Xavier, conv fans C·kh·kw, F·kh·kw
    first = np.random.default_rng(4).uniform(-limit, limit, (3, 2, 2, 2))
    np.testing.assert_array_equal(as_json(run, *args[:-2], "--steps", "0")["layers"][0]["kernels"], first)


def test_fc_chain_draws_the_weights_of_layer_sizes(run):
    sizes = as_json(run, "--layers", "2,3,1", "--seed", "0", "--input", "1 2", "--target", "1")
    chain = as_json(run, "--layers", "fc:3 sigmoid fc:1 sigmoid", "--seed", "0", "--input", "1 2",
                    "--target", "1")
    assert chain["weights"] == sizes["weights"] and chain["final_loss"] == sizes["final_loss"]


def test_forward_only_without_target(run, tmp_path):
    net = {k: v for k, v in TINY.items() if k != "target"}
    r = run("backprop", "--net", _write(tmp_path, net), "--steps", "0")
    assert r.exit_code == 0, r.stderr
    assert "forward pass only" in r.stdout and "Loss" not in r.stdout and "Backward" not in r.stdout
    d = as_json(run, "--net", _write(tmp_path, net), "--steps", "0")
    assert "initial_loss" not in d and "gradients" not in d
    assert d["result"] == d["outputs"] == as_json(run, "--net", _write(tmp_path, TINY), "--steps", "0")["outputs"]


def test_history_has_an_accuracy_column(run, tmp_path):
    text = run("backprop", "--net", _write(tmp_path, TINY), "--steps", "30").stdout
    table = text.split("Loss per step")[1].splitlines()
    assert table[1].split() == ["step", "E", "accuracy"]
    d = as_json(run, "--net", _write(tmp_path, TINY), "--steps", "30")
    assert d["accuracy_history"][0] == 0 and d["accuracy_history"][-1] == d["accuracy"]["final"] == 1


def test_check_covers_kernels_and_conv_biases(run, tmp_path):
    net = dict(TINY, layers=[dict(TINY["layers"][0], activation="tanh")] + TINY["layers"][1:])
    d = as_json(run, "--net", _write(tmp_path, net), "--check")
    conv = d["check"]["layers"][0]
    assert conv["layer"] == 1 and np.shape(conv["numeric_kernels"]) == (2, 1, 2, 2)
    np.testing.assert_allclose(conv["numeric_kernels"], d["gradients"][0]["kernels"], rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(conv["numeric_bias"], d["gradients"][0]["bias"], rtol=1e-5, atol=1e-9)
    assert d["check"]["max_rel_error"] < 1e-5


def test_quiet_prints_every_layer_kernels_then_weights(run, tmp_path):
    d = as_json(run, "--net", _write(tmp_path, TINY))
    blocks = run("backprop", "--net", _write(tmp_path, TINY), "-q", "--format", "json").stdout
    assert json.loads(blocks) == d["result"] == [d["layers"][0]["kernels"], d["layers"][3]["weights"]]


# ----------------------------------------------------------- a plain-loop reference (never core's code)

def _loop_conv(x, k, b, s, p, dil):
    n, c, h, w = x.shape
    f, _, kh, kw = k.shape
    xp = np.zeros((n, c, h + 2 * p, w + 2 * p))
    xp[:, :, p:p + h, p:p + w] = x
    oh, ow = (h + 2 * p - dil * (kh - 1) - 1) // s + 1, (w + 2 * p - dil * (kw - 1) - 1) // s + 1
    y = np.zeros((n, f, oh, ow))
    for q in np.ndindex(n, f, oh, ow):
        for cc, a, bb in np.ndindex(c, kh, kw):
            y[q] += xp[q[0], cc, q[2] * s + a * dil, q[3] * s + bb * dil] * k[q[1], cc, a, bb]
        y[q] += b[q[1]]
    return xp, y


def _loop_conv_backward(xp, k, g, s, p, dil):
    gk, gxp = np.zeros(k.shape), np.zeros(xp.shape)
    f, c, kh, kw = k.shape
    for n, ff, i, j in np.ndindex(*g.shape):
        for cc, a, b in np.ndindex(c, kh, kw):
            gk[ff, cc, a, b] += xp[n, cc, i * s + a * dil, j * s + b * dil] * g[n, ff, i, j]
            gxp[n, cc, i * s + a * dil, j * s + b * dil] += k[ff, cc, a, b] * g[n, ff, i, j]
    h, w = xp.shape[2] - 2 * p, xp.shape[3] - 2 * p
    return gk, g.sum(axis=(0, 2, 3)), gxp[:, :, p:p + h, p:p + w]


@pytest.mark.parametrize("s, p, dil", [(1, 0, 1), (2, 1, 1), (2, 0, 2), (3, 2, 1)])
def test_conv_layer_against_loops(s, p, dil):
    rng = np.random.default_rng(s * 10 + p + dil)
    x, k, b = rng.normal(size=(2, 2, 7, 6)), rng.normal(size=(3, 2, 3, 2)), rng.normal(size=3)
    xp, y = _loop_conv(x, k, b, s, p, dil)
    t = rng.normal(size=(2, y[0].size))
    specs = [ConvSpec(k, b, (s, s), (p, p), (dil, dil), "identity"), FlattenSpec()]
    r = network.train(specs, x, t, "half-sse", lr=0.1, steps=1)
    np.testing.assert_allclose(r.outputs, y.reshape(2, -1), rtol=1e-12)
    g = (y.reshape(2, -1) - t).reshape(y.shape) / 2                        # half-sse: (o − t)/N
    gk, gb, gx = _loop_conv_backward(xp, k, g, s, p, dil)
    back = r.first_step.backward[-1]
    np.testing.assert_allclose(back.grad_kernels, gk, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(back.grad_bias, gb, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(r.grad_input, gx, rtol=1e-12, atol=1e-14)


def test_sequential_order_passes_down_with_the_new_kernels():
    x = np.arange(16.0).reshape(1, 1, 4, 4) / 10
    specs = [ConvSpec(np.ones((1, 1, 2, 2)), np.zeros(1), (1, 1), (0, 0), (1, 1), "identity"),
             PoolSpec("avg", (3, 3), (3, 3), (0, 0)), FlattenSpec(), Layer(np.ones((1, 1)), np.zeros(1), "identity")]
    sim = network.train(specs, x, [0.0], "half-sse", lr=0.5, steps=1)
    seq = network.train(specs, x, [0.0], "half-sse", lr=0.5, steps=1, order="sequential")
    assert not np.array_equal(sim.grad_input, seq.grad_input)       # the kernel moved before ∂E/∂X


# ----------------------------------------------------------- bad input: one line, exit 2, the layer named

CONV = {"type": "conv", "kernels": [[1, 0], [0, 1]], "activation": "relu"}


@pytest.mark.parametrize("layers, fragments, loss", [
    ([CONV, {"weights": [[1, 2, 3, 4]], "activation": "relu"}],
     ["--net", "layer 2", "1×2×2 maps", "add a flatten layer"], "half-sse"),
    ([{"type": "conv", "kernels": [[[[1, 0], [0, 1]], [[1, 0], [0, 1]]]]}, {"type": "flatten"}],
     ["layer 1", "kernels are 1×2×2×2", "input has 1 channel"], "half-sse"),
    ([{"type": "pool", "size": 4}, {"type": "flatten"}], ["layer 1", "pool window", "4×4", "3×3"], "half-sse"),
    ([{"type": "convv", "kernels": [[1]]}], ["layer 1", "unknown layer type 'convv'", "did you mean 'conv'"], "half-sse"),
    # other frameworks' names point to nncalc's (difflib alone offered 'activation' for 'convolution')
    ([{"type": "convolution", "kernels": [[1]]}], ["unknown layer type 'convolution'", "did you mean 'conv'"],
     "half-sse"),
    ([{"type": "Linear", "weights": [[1]]}], ["unknown layer type 'Linear'", "did you mean 'dense'"], "half-sse"),
    ([{"type": "maxpool"}], ["unknown layer type 'maxpool'", "did you mean 'pool'"], "half-sse"),
    ([{"type": "conv"}], ["layer 1", "'kernels'"], "half-sse"),
    ([CONV, {"type": "flatten"}, {"bias": 1, "activation": "relu"}], ["layer 3", "'weights'"], "half-sse"),
    ([CONV, {"type": "flatten"}, {"weights": [[1, 1, 1, 1]], "activation": "sigmoid"}],
     ["layer 3", "cross-entropy", "softmax"], "cross-entropy"),
    ([{"type": "conv", "kernels": [[1]], "activation": "softmax"}], ["layer 1", "softmax", "flatten"], "half-sse"),
    ([{"type": "pool", "mode": "median"}], ["layer 1", "'max' or 'avg'"], "half-sse"),
])
def test_bad_cnn_network(run, user_error, tmp_path, layers, fragments, loss):
    path = _write(tmp_path, {"layers": layers, "loss": loss})
    user_error(run("backprop", "--net", path, "--input", json.dumps(IMAGE), "--target", "0"), "--net", *fragments)


@pytest.mark.parametrize("args, fragments", [
    (["--layers", "conv:2,2 relu fc:3 softmax"], ["--layers", "'fc:3'", "2×2×2 maps", "flatten"]),
    (["--layers", "conv:2,4"], ["--layers", "'conv:2,4'", "does not fit"]),
    (["--layers", "conv:2,2 flatten fc:2 sigmoid", "--loss", "cross-entropy"], ["--layers", "softmax"]),
    (["--layers", "conv:2,2 sigmoid flatten", "--activation", "relu"], ["--activation", "chain"]),
    (["--layers", "conv:2,2 flatten fc:2", "--input", "1 2 3"], ["--input", "H×W"]),
    (["--layers", "conv:2,2 flatten fc:2", "--steps", "3", "--target", None], ["--target", "forward pass"]),
    # a number out of range inside a token names --layers and the token, as outsize does
    (["--layers", "conv:0,2 flatten fc:2"], ["--layers", "layer 1 'conv:0,2'", "out must be positive"]),
    (["--layers", "conv:2,0 flatten fc:2"], ["--layers", "layer 1 'conv:2,0'", "kernel must be positive"]),
    (["--layers", "conv:2,2,0 flatten fc:2"], ["--layers", "layer 1 'conv:2,2,0'", "stride must be positive"]),
    (["--layers", "pool:2,0 flatten fc:2"], ["--layers", "layer 1 'pool:2,0'", "stride must be positive"]),
    (["--layers", "conv:2,2 flatten fc:0"], ["--layers", "layer 3 'fc:0'", "out must be positive"]),
])
def test_bad_chain(run, user_error, args, fragments):
    base = {"--input": json.dumps(IMAGE), "--target": "0"}
    for flag, value in zip(args[::2], args[1::2]):
        base[flag] = value
    flat = [a for flag, value in base.items() if value is not None for a in (flag, value)]
    user_error(run("backprop", *flat), *fragments)


def test_weights_option_refused_for_a_cnn_file(run, user_error, tmp_path):
    user_error(run("backprop", "--net", _write(tmp_path, TINY), "--weights", "1 2"), "--weights", "conv")


def test_a_network_ending_in_maps_takes_a_map_target(run, tmp_path):
    net = {"layers": [{"type": "conv", "kernels": [[1, 0], [0, 1]]}], "input": IMAGE, "target": [[1, 0], [0, 1]]}
    d = as_json(run, "--net", _write(tmp_path, net))
    assert d["outputs"] == [2, 5, 0, 2]                         # flattened per sample, as the loss sees them
    # half-sse, one sample: G = o − t = [[1, 5], [0, 1]]; ∂E/∂K[a,b] = Σ x[i+a, j+b]·G[i,j]
    assert d["gradients"][0] == {"kernels": [[12, 5], [5, 17]], "bias": [7]}
    assert d["grad_input"] == [[1, 5, 0], [0, 2, 5], [0, 0, 1]]


def test_a_saved_fully_connected_run_continues_to_the_same_bits(run, tmp_path):
    args = ["--layers", "2,3,1", "--seed", "0", "--input", "0 0; 0 1; 1 0; 1 1", "--target", "0; 1; 1; 0",
            "--lr", "2"]
    first = as_json(run, *args, "--steps", "40")
    resumed = as_json(run, "--net", _write(tmp_path, first), "--steps", "60")
    straight = as_json(run, *args, "--steps", "100")
    assert resumed["weights"] == straight["weights"] and resumed["biases"] == straight["biases"]
    assert resumed["loss_history"] == straight["loss_history"][40:]


def test_forward_only_for_a_fully_connected_net(run):
    d = as_json(run, "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
                "--activation", "sigmoid,identity", "--input", "1", "--steps", "0")
    assert d["outputs"] == d["result"] == [0.7310585786300049 + 1.0]
    assert [f["out"] for f in d["first_step"]["forward"]] == [[[0.7310585786300049]], [[0.7310585786300049 + 1.0]]]


def test_an_image_that_looks_channels_last_is_read_channels_first_and_said_so(run, tmp_path):
    """The notes write images 28×28×1; backprop reads C×H×W and must say so, not train silently."""
    import numpy as np
    path = tmp_path / "hwc.npy"
    np.save(path, np.arange(8 * 8 * 3, dtype=float).reshape(8, 8, 3) / 100)
    r = run("backprop", "--layers", "conv:2,3 relu flatten fc:2 softmax", "--seed", "0",
            "--input", f"@{path}", "--target", "1", "--loss", "cross-entropy", "--steps", "0", "-q")
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ("note: --input 8×8×3 was read as C×H×W (8 channels of 8×3); if its channels "
                        "come last (H×W×C), give it channels first (NumPy: x.transpose(2, 0, 1))\n")
    # channels first: no note
    np.save(path, np.arange(3 * 8 * 8, dtype=float).reshape(3, 8, 8) / 100)
    r = run("backprop", "--layers", "conv:2,3 relu flatten fc:2 softmax", "--seed", "0",
            "--input", f"@{path}", "--target", "1", "--loss", "cross-entropy", "--steps", "0", "-q")
    assert (r.exit_code, r.stderr) == (0, "")


def test_the_channels_note_rides_in_the_one_error_line(run, user_error, tmp_path):
    import numpy as np
    path = tmp_path / "hwc.npy"
    np.save(path, np.ones((6, 6, 1)))
    r = run("backprop", "--layers", "conv:2,3 relu flatten fc:2 softmax", "--seed", "0",
            "--input", f"@{path}", "--target", "1", "--loss", "cross-entropy")
    user_error(r, "--layers", "does not fit", "(--input 6×6×1 was read as C×H×W (6 channels of 6×1)")
