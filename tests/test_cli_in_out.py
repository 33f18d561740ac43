"""Weights in the in×out layout (Deep Learning from Scratch writes W as inputs × neurons and
computes x·W + b): the error says when the transpose would chain, and --in-out reads every W so.

The reference forward pass below is DLfS's own formula, y = σ(σ(x·W1 + b1)·W2 + b2), as
plain loops over the in×out matrices.
"""
import json
import math

import numpy as np
import pytest

from nncalc.core import netio

W1 = [[0.1, 0.3, 0.5], [0.2, 0.4, 0.6]]       # 2 inputs × 3 neurons
B1 = [0.1, 0.2, 0.3]
W2 = [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]]     # 3 inputs × 2 neurons
B2 = [0.1, 0.2]
X = [1.0, 0.5]


def text(m):
    return "; ".join(" ".join(repr(float(v)) for v in row) for row in m)


def sigmoid(v):
    return 1 / (1 + math.exp(-v))


def dlfs_forward(x, layers):
    for w, b in layers:      # x·W + b, one column of W per neuron
        x = [sigmoid(sum(x[i] * w[i][j] for i in range(len(x))) + b[j]) for j in range(len(w[0]))]
    return x


DENSE = ("backprop", "--weights", text(W1), "--bias", " ".join(map(str, B1)), "--weights", text(W2),
         "--bias", " ".join(map(str, B2)), "--input", " ".join(map(str, X)), "--target", "0 1")


def test_dlfs_weights_without_in_out_are_refused_with_the_hint(run, user_error):
    line = user_error(run(*DENSE, "--steps", "0"), "--bias")
    assert "with W transposed the layer would have as many" in line and "--in-out" in line
    r = run("backprop", "--weights", text(W1), "--weights", text(W2), "--input", "1 0.5",
            "--target", "0 1", "--steps", "0")
    line = user_error(r, "--input", "layer 1's weights are 2×3")
    assert "transposed, every layer's weights would chain" in line and "--in-out reads every W" in line


def test_in_out_reads_every_w_as_dlfs_writes_it(run):
    out = json.loads(run(*DENSE, "--steps", "0", "--in-out", "--format", "json").stdout)
    want = dlfs_forward(X, [(W1, B1), (W2, B2)])
    np.testing.assert_allclose(out["outputs"], want, rtol=1e-14)
    assert out["weights"][0] == np.transpose(W1).tolist()         # shown out×in, as the trace says
    assert "--in-out: every W was read in×out" in run(*DENSE, "--steps", "0", "--in-out").stdout


def test_in_out_trains_bit_for_bit_like_the_transposed_weights(run):
    transposed = ("backprop", "--weights", text(np.transpose(W1)), "--bias", " ".join(map(str, B1)),
                  "--weights", text(np.transpose(W2)), "--bias", " ".join(map(str, B2)),
                  "--input", "1.0 0.5", "--target", "0 1")
    for args in (("--steps", "3", "-q"), ("--steps", "0", "--select", "gradients.0.weights")):
        a, b = run(*DENSE, *args, "--in-out"), run(*transposed, *args)
        assert a.exit_code == b.exit_code == 0 and a.stdout == b.stdout


def test_in_out_reads_a_net_file_too(run, tmp_path):
    net = {"activation": "sigmoid", "layers": [{"weights": W1, "bias": B1}, {"weights": W2, "bias": B2}]}
    (tmp_path / "net.json").write_text(json.dumps(net))
    r = run("backprop", "--net", f"@{tmp_path / 'net.json'}", "--in-out", "--input", "1 0.5",
            "--target", "0 1", "--steps", "0", "--select", "outputs", "--format", "json")
    np.testing.assert_allclose(json.loads(r.stdout), dlfs_forward(X, [(W1, B1), (W2, B2)]), rtol=1e-14)


def test_a_layer_whose_transpose_alone_would_chain(run, user_error):
    r = run("backprop", "--weights", "1 2; 3 4; 5 6", "--weights", "1 2 3; 4 5 6", "--weights", "1 2 3",
            "--input", "1 2", "--target", "1", "--steps", "0")
    user_error(r, "--weights", "layer 3: weights are 1×3 but layer 2 outputs 2 values")
    r = run("backprop", "--weights", "1 2; 3 4; 5 6", "--weights", "1 2; 3 4", "--input", "1 2",
            "--target", "1 2", "--steps", "0")
    line = user_error(r, "--weights", "layer 2: weights are 2×2 but layer 1 outputs 3 values")
    assert "its transpose" not in line        # a 2×2 transposed still takes 2


def test_in_out_with_random_weights_is_refused(run, user_error):
    user_error(run("backprop", "--layers", "2,3,1", "--in-out", "--input", "1 2", "--target", "1"),
               "--in-out", "--layers")


@pytest.mark.parametrize("shapes, n_in, chains", [
    ([(2, 3), (3, 2)], 2, True), ([(2, 3), (3, 2)], 3, False), ([(2, 3), (2, 3)], None, False),
    ([(4, 1)], None, True), ([(2, 3), (3,)], 2, False),
])
def test_transposed_chains(shapes, n_in, chains):
    assert netio.transposed_chains([np.zeros(s) for s in shapes], n_in) is chains


def test_make_layers_in_out_transposes_and_never_mutates():
    w1 = np.array(W1)
    before = w1.copy()
    layers = netio.make_layers([w1, np.array(W2)], [B1, B2], "sigmoid", n_inputs=2, in_out=True)
    assert layers[0].weights.tolist() == np.transpose(W1).tolist()
    assert layers[0].weights.flags.c_contiguous
    assert np.array_equal(w1, before)
