"""`nncalc backprop`: the worked example, the trace, JSON keys, options, errors and PyTorch as oracle."""
import json
import math

import numpy as np
import pytest

SIGMA1 = 0.7310585786300049
WORKED = ["--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
          "--activation", "sigmoid,identity", "--input", "1", "--target", "2"]


def as_json(run, *args):
    r = run("backprop", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


# ----------------------------------------------------------- the worked example

def test_worked_example_json(run):
    d = as_json(run, *WORKED)
    fwd, back = d["first_step"]["forward"], d["first_step"]["backward"]
    assert fwd[0]["net"] == [[1]] and fwd[0]["out"] == [[SIGMA1]]
    # ŷ = σ(1) + 1: 1.7310585786300049 in exact decimals, the nearest double below it in float64
    assert d["outputs"][0] == pytest.approx(1.7310585786300049, rel=1e-15)
    assert d["outputs"][0] == SIGMA1 + 1.0
    out_layer, hidden = back                                  # output layer first
    assert out_layer["layer"] == 2 and hidden["layer"] == 1
    assert out_layer["dE_dout"][0][0] == pytest.approx(-0.2689414213699951, abs=2e-16)
    assert hidden["dout_dnet"] == [[0.19661193324148185]]
    assert hidden["delta"] == [[-0.05287709278426674]]
    assert d["gradients"][0]["weights"] == [[-0.05287709278426674]]
    assert d["gradients"][0]["bias"] == [-0.05287709278426674]          # keyed like the layer's parameters
    assert d["initial_loss"] == pytest.approx(0.5 * 0.2689414213699951 ** 2, rel=1e-15)
    # one sgd step with η = 0.1
    assert d["weights"][0] == [[1 + 0.1 * 0.05287709278426674]]
    assert d["weights"][1][0][0] == pytest.approx(1 + 0.1 * 0.2689414213699951 * SIGMA1, rel=1e-15)
    assert d["result"] == d["weights"]
    assert d["loss_history"] == [d["initial_loss"], d["final_loss"]]
    assert d["final_loss"] < d["initial_loss"]


def test_worked_example_text_trace(run):
    r = run("backprop", *WORKED)
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    for piece in ("0.7311", "1.7311", "-0.2689", "0.1966", "-0.0529",
                  "1·1 + 0", "1·0.7311 + 1",            # net = Σ w·x + b written out
                  "-0.2689·1 ",                          # Σ δ·w with the weight used in the forward pass
                  "Forward, layer 1", "Backward, layer 2", "Gradients, layer 1", "Update, layer 1",
                  "E = ½ Σ_k (t_k − o_k)²", "σ'(x)", "Loss after step 1"):
        assert piece in text, piece
    assert text.index("Backward, layer 2") < text.index("Backward, layer 1")


def test_worked_example_digits_and_quiet(run):
    r = run("backprop", *WORKED, "--digits", "8")
    assert "0.73105858" in r.stdout and "-0.05287709" in r.stdout
    q = run("backprop", *WORKED, "-q")
    assert q.exit_code == 0, q.stderr
    # every layer's weights (here two 1×1 layers: a 2×1×1 stack, one block per layer), full precision
    first, last = q.stdout.split("\n\n")
    assert float(first) == 1 - 0.1 * -0.05287709278426674
    assert float(last) == 1 + 0.1 * 0.2689414213699952 * SIGMA1


def test_quiet_result_is_every_layer_and_reads_back(run):
    same = ["--layers", "2,2,2", "--seed", "1", "--input", "1 2", "--target", "0 1"]
    d = as_json(run, *same)
    stacked = json.loads(run("backprop", *same, "-q", "--format", "json").stdout)
    assert stacked == d["result"] == d["weights"]                       # 2×2×2: both layers
    text = run("backprop", *same, "-q").stdout
    back = run("activate", "identity", "-", "-q", "--format", "json", input=text)
    assert json.loads(back.stdout) == stacked                           # the text reads back exactly
    npy = run("backprop", *same, "-q", "--format", "npy")
    assert npy.exit_code == 0
    mixed = ["--layers", "4,5,3", "--seed", "1", "--input", "1 2 3 4", "--target", "0 1 0"]
    d = as_json(run, *mixed)
    assert json.loads(run("backprop", *mixed, "-q", "--format", "json").stdout) == d["weights"]
    blocks = run("backprop", *mixed, "-q").stdout.split("\n\n")       # one matrix per layer
    assert [len(b.splitlines()) for b in blocks] == [5, 3]
    for block, w in zip(blocks, d["weights"]):
        assert [[float(v) for v in line.split()] for line in block.splitlines()] == w
    csv_blocks = run("backprop", *mixed, "--format", "csv").stdout.split("\n\n")
    assert [len(b.splitlines()[0].split(",")) for b in csv_blocks] == [4, 5]
    refused = run("backprop", *mixed, "--format", "npy")
    assert refused.exit_code == 2 and refused.stdout == ""
    assert "Error: --format:" in refused.stderr and "5×4, 3×5" in refused.stderr


def test_steps_zero_is_forward_and_gradients_only(run):
    d = as_json(run, *WORKED, "--steps", "0")
    assert d["weights"] == [[[1]], [[1]]] and d["biases"] == [[0], [1]]
    assert d["loss_history"] == [d["initial_loss"]] == [d["final_loss"]]
    assert d["gradients"][0]["weights"] == [[-0.05287709278426674]]
    text = run("backprop", *WORKED, "--steps", "0").stdout
    assert "Step 0" in text and "Update, layer" not in text


def test_many_steps_first_last_and_history(run):
    args = ["--layers", "2,3,1", "--seed", "0", "--input", "0 0; 0 1; 1 0; 1 1",
            "--target", "0; 1; 1; 0", "--lr", "2", "--steps", "300"]
    r = run("backprop", *args)
    assert r.exit_code == 0, r.stderr
    assert "Step 1 (first)" in r.stdout and "Step 300 (last)" in r.stdout
    assert "Loss per step" in r.stdout and "sampled" in r.stdout
    d = as_json(run, *args)
    assert len(d["loss_history"]) == 301 and d["final_loss"] < d["initial_loss"]
    assert [np.shape(w) for w in d["weights"]] == [(3, 2), (1, 3)]
    assert d == as_json(run, *args)                 # --seed is reproducible


def test_worked_example_golden(run, golden):
    r = run("backprop", *WORKED)
    assert r.exit_code == 0, r.stderr
    golden("backprop_worked_example.txt", r.stdout)


def test_sum_of_delta_w_shows_the_weights_used(run):
    # simultaneous: the output weight before the step (1); sequential: the one just updated
    sim = run("backprop", *WORKED, "--lr", "0.5").stdout
    seq = run("backprop", *WORKED, "--lr", "0.5", "--order", "sequential").stdout
    row = lambda text: text.split("Backward, layer 1")[1].splitlines()[3]
    assert row(sim).split()[1] == "-0.2689·1"
    w2 = 1 + 0.5 * 0.2689414213699951 * SIGMA1
    assert row(seq).split()[1] == f"-0.2689·{w2:.4f}"
    assert "sequential: each layer is updated as soon as its δ is known" in seq


def test_history_is_sampled_with_first_and_last(run):
    r = run("backprop", *WORKED, "--steps", "1000")
    table = r.stdout.split("Loss per step")[1].split("\n\n")[0].splitlines()
    steps = [line.split()[0] for line in table[3:]]
    assert steps[0] == "0" and steps[-1] == "1000" and len(steps) == 20


def test_progress_bar_only_on_a_terminal(run, monkeypatch):
    from nncalc.cli import netprogress
    args = ["backprop", *WORKED, "--steps", "300", "-q"]
    quiet = run(*args)
    assert quiet.exit_code == 0 and quiet.stderr == ""          # stderr is not a terminal here
    monkeypatch.setattr(netprogress, "stderr_is_tty", lambda: True)
    monkeypatch.setattr(netprogress, "PROGRESS_DELAY", 0.0)
    shown = run(*args)
    assert shown.exit_code == 0 and "training" in shown.stderr
    assert shown.stdout == quiet.stdout                          # the bar never touches stdout


def test_gradient_check_has_its_own_progress_bar_on_a_terminal(run, monkeypatch):
    from nncalc.cli import netprogress
    args = ["backprop", "--layers", "3,4,2", "--seed", "0", "--input", "1 2 3", "--target", "0 1", "--check"]
    plain = run(*args)
    assert plain.exit_code == 0 and plain.stderr == ""
    monkeypatch.setattr(netprogress, "stderr_is_tty", lambda: True)
    monkeypatch.setattr(netprogress, "PROGRESS_DELAY", 0.0)
    shown = run(*args)
    assert shown.exit_code == 0 and "checking gradients" in shown.stderr and "training" not in shown.stderr
    assert shown.stdout == plain.stdout


def test_cross_entropy_activation_rules(run, user_error):
    base = ["--weights", "0.1 0.2; 0.3 -0.4; 0.5 0.6", "--weights", "0.1 0.2 0.3; 0.3 -0.4 0.1",
            "--input", "1 2", "--target", "1", "--loss", "cross-entropy"]
    d = as_json(run, *base, "--activation", "tanh")             # one name: the hidden layers
    assert [f["activation"] for f in d["first_step"]["forward"]] == ["tanh", "softmax"]
    user_error(run("backprop", *base, "--activation", "tanh,sigmoid"), "--activation", "softmax", "sigmoid")
    one = ["--weights", "1 2; 3 4", "--input", "1 1", "--target", "1", "--loss", "cross-entropy"]
    assert as_json(run, *one)["first_step"]["forward"][0]["activation"] == "softmax"
    user_error(run("backprop", *one, "--activation", "relu"), "--activation", "softmax", "no hidden layer")


def test_freeze_bias_and_sequential(run):
    d = as_json(run, *WORKED, "--freeze-bias", "--steps", "3")
    assert d["biases"] == [[0], [1]]
    sim = as_json(run, *WORKED, "--lr", "0.5")
    seq = as_json(run, *WORKED, "--lr", "0.5", "--order", "sequential")
    assert sim["weights"][1] == seq["weights"][1]           # the output layer moves first either way
    assert sim["weights"][0] != seq["weights"][0]           # the hidden layer sees the new w in sequential


@pytest.mark.parametrize("opt", ["momentum", "adam"])
def test_optimizers_reduce_the_loss(run, opt):
    d = as_json(run, *WORKED, "--optimizer", opt, "--steps", "20")
    assert d["optimizer"] == opt and d["final_loss"] < d["initial_loss"]


def test_batch_and_cross_entropy(run):
    d = as_json(run, "--weights", "0.1 0.2; 0.3 -0.4; 0.5 0.6", "--bias", "0.1",
                "--input", "1 2; -1 0.5", "--target", "2 0", "--loss", "cross-entropy",
                "--activation", "softmax")
    p = np.array(d["outputs"])
    assert p.shape == (2, 3) and np.allclose(p.sum(axis=1), 1)
    delta = d["first_step"]["backward"][0]["delta"]
    np.testing.assert_allclose(delta, (p - np.eye(3)[[2, 0]]) / 2, rtol=1e-12)


def test_class_indices_as_a_column(run):
    args = ["--weights", "0.1 0.2; 0.3 -0.4", "--input", "1 2; -1 0.5", "--loss", "cross-entropy"]
    column = as_json(run, *args, "--target", "1; 0")
    assert column.pop("class_indices") == [[1], [0]]
    assert column == as_json(run, *args, "--target", "0 1; 1 0")


def test_check_shows_numeric_gradient(run):
    args = ["--weights", "0.1 0.2; 0.3 0.4", "--bias", "0.25", "--weights", "0.5 0.6", "--bias", "0.1",
            "--activation", "tanh,sigmoid", "--input", "1 -1", "--target", "1", "--check"]
    r = run("backprop", *args)
    assert r.exit_code == 0, r.stderr
    assert "Gradient check" in r.stdout and "relative error" in r.stdout and "agree" in r.stdout
    d = as_json(run, *args)
    assert d["check"]["max_rel_error"] < 1e-6
    np.testing.assert_allclose(d["check"]["layers"][0]["numeric_weights"], d["gradients"][0]["weights"],
                               rtol=1e-6)


def test_plot(run):
    r = run("backprop", *WORKED, "--steps", "5", "--plot")
    assert r.exit_code == 0, r.stderr
    assert "loss per step" in r.stdout and "┌" in r.stdout
    assert "\x1b[" not in r.stdout                               # no colour into a pipe


def test_net_file_and_override(run, tmp_path):
    net = {"layers": [{"weights": [[1]], "bias": 0, "activation": "sigmoid"},
                      {"weights": [[1]], "bias": 1, "activation": "identity"}],
           "input": 1, "target": 2, "lr": 0.1}
    path = tmp_path / "net.json"
    path.write_text(json.dumps(net))
    a = as_json(run, "--net", str(path))
    b = as_json(run, *WORKED)
    assert a["weights"] == b["weights"] and a["initial_loss"] == b["initial_loss"]
    c = as_json(run, "--net", str(path), "--lr", "0.5", "--target", "3")
    assert c["lr"] == 0.5 and c["initial_loss"] == pytest.approx(0.5 * (3 - SIGMA1 - 1) ** 2)


def test_help(run):
    r = run("backprop", "--help")
    assert r.exit_code == 0
    assert "--weights 1 --bias 0 --weights 1 --bias 1" in r.stdout
    words = " ".join(r.stdout.split())
    assert "an image H×W or C×H×W, or a batch N×C×H×W" in words     # --input of a conv/pool network
    assert "'-' (standard input" in words                            # --net -: a saved run piped in


# ----------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, fragments", [
    (["--weights", "1 2; 3 4", "--weights", "1 2 3", "--input", "1 1", "--target", "1"],
     ["--weights", "layer 2", "1×3", "layer 1 outputs 2"]),
    (["--weights", "1 2", "--input", "1 1 1", "--target", "1"], ["--input", "layer 1's weights", "1×2", "3 values"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1 2"], ["--target", "shape 2"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "2", "--loss", "bce"], ["--target", "[0, 1]"]),
    (["--weights", "1 2; 3 4", "--input", "1 1", "--target", "0.5 1.5", "--loss", "cross-entropy"],
     ["--target", "[0, 1]"]),
    (["--weights", "1 2; 3 4", "--input", "1 1; 2 2", "--target", "1; 3", "--loss", "cross-entropy"],
     ["--target", "class index 3 is out of range"]),
    (["--weights", "1 2; 3 4", "--input", "1 1", "--target", "2", "--loss", "cross-entropy"],
     ["--target", "class index 2 is out of range"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--lr", "0"], ["--lr", "> 0"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--lr", "-0.5"], ["--lr", "> 0"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--steps", "-1"], ["--steps", "≥ 0"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--loss", "msee"],
     ["--loss", "unknown loss 'msee'", "did you mean 'mse'"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--optimizer", "adamm"],
     ["--optimizer", "unknown optimizer 'adamm'", "did you mean 'adam'"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--order", "backwards"], ["--order"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--momentum", "0.5"], ["--momentum"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--optimizer", "adam", "--beta1", "1"],
     ["--beta1"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--bias", "1 2 3"], ["--bias", "3 bias values"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--activation", "sigmoud"], ["--activation"]),
    (["--weights", "1 2", "--input", "1 1"], ["--target"]),
    (["--input", "1", "--target", "1"], ["--weights"]),
    (["--layers", "2,x", "--input", "1 1", "--target", "1"], ["--layers"]),
    (["--layers", "2,1", "--weights", "1 2", "--input", "1 1", "--target", "1"], ["--layers"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--format", "json", "--plot"], ["--plot"]),
    (["--net", "/nonexistent/net.json", "--target", "1"], ["--net", "cannot read"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "0.5 0.5"],
     ["--target", "the target has shape 2 but the network gives 1 value"]),
    (["--layers", "2,1", "--seed", "-1", "--input", "1 1", "--target", "1"], ["--seed", "≥ 0"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--biass", "1"], ["No such option", "--bias"]),
    (["--weights", "1 2", "--input", "1 1", "--target", "1", "--steps", "2.5"], ["--steps"]),
])
def test_bad_input(run, user_error, args, fragments):
    user_error(run("backprop", *args), *fragments)


@pytest.mark.parametrize("net, fragment", [
    ({"input": 1}, "'layers'"),
    ({"layers": [{"bias": 0, "activation": "sigmoid"}]}, "no 'weights'"),
    ({"layers": [{"weights": [[1]]}]}, "no 'activation'"),
    ({"layers": [{"weights": [[1, 2]], "activation": "sigmoid"},
                 {"weights": [[1, 2, 3]], "activation": "sigmoid"}]}, "layer 2"),
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}], "loss": "nope"}, "unknown loss"),
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}], "loss": None}, "unknown loss"),
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}], "lr": -1}, "learning rate"),
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}], "lr": float("inf")}, "learning rate"),
])
def test_bad_net_file(run, user_error, tmp_path, net, fragment):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(net))
    user_error(run("backprop", "--net", str(path), "--input", "1", "--target", "1"), "--net", fragment)


ONE = {"layers": [{"weights": [[1]], "bias": [0], "activation": "identity"}], "input": [[1]], "target": [[1]]}


@pytest.mark.parametrize("settings, fragment", [
    ({"lr": True}, "'lr' must be a number, not true or false"),         # float(True) was 1.0
    ({"steps": False}, "'steps' must be a number, not true or false"),
    ({"input": [True]}, "'input' must be a number or a list of numbers"),
    ({"target": [[False]]}, "'target' must be a number or a list of numbers"),
    ({"steps": -1}, "≥ 0, got -1"),
    ({"input": [[1, 2]]}, "2 values per sample"),
    ({"target": [[1, 2]]}, "the target has shape 1×2"),
])
def test_a_net_files_settings_are_blamed_on_net_not_on_options_never_typed(run, user_error, tmp_path,
                                                                            settings, fragment):
    path = tmp_path / "net.json"
    path.write_text(json.dumps({**ONE, **settings}))
    assert user_error(run("backprop", "--net", str(path)), fragment).startswith("Error: --net: ")


def test_an_option_given_is_still_the_one_blamed_over_the_file(run, user_error, tmp_path):
    path = tmp_path / "net.json"
    path.write_text(json.dumps(ONE))
    line = user_error(run("backprop", "--net", str(path), "--target", "1 2"), "the target has shape 2")
    assert line.startswith("Error: --target: ")


def test_net_file_not_json(run, user_error, tmp_path):
    path = tmp_path / "net.json"
    path.write_text("{layers: nope")
    user_error(run("backprop", "--net", str(path)), "--net", "not valid JSON")


# ------------------------------------------------------------------ oracle

def _torch_train(torch, weights, biases, acts, x, t, lr, steps, loss, opt="sgd"):
    W = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in weights]
    B = [torch.tensor(b, dtype=torch.float64, requires_grad=True) for b in biases]
    X = torch.tensor(x, dtype=torch.float64)
    T = torch.tensor(t, dtype=torch.float64)
    o = {"sgd": torch.optim.SGD(W + B, lr=lr),
         "adam": torch.optim.Adam(W + B, lr=lr)}[opt]
    grads = None
    for k in range(steps):
        o.zero_grad()
        a = X
        for w, b, f in zip(W, B, acts):
            a = f(a @ w.T + b)
        E = loss(a, T)
        E.backward()
        if k == 0:
            grads = [w.grad.clone().numpy() for w in W]
        o.step()
    return [w.detach().numpy() for w in W], [b.detach().numpy() for b in B], grads


@pytest.mark.oracle
@pytest.mark.parametrize("opt, steps", [("sgd", 1), ("sgd", 5), ("adam", 4)])
def test_oracle_torch_two_layer_mse(run, opt, steps):
    torch = pytest.importorskip("torch")
    w1 = [[0.15, 0.2], [0.25, 0.3]]
    w2 = [[0.4, 0.45], [0.5, 0.55]]
    b1, b2 = [0.35, 0.35], [0.6, 0.6]
    x = [[0.05, 0.1], [0.2, -0.3]]
    t = [[0.01, 0.99], [0.5, 0.5]]
    d = as_json(run, "--weights", json.dumps(w1), "--bias", json.dumps(b1), "--weights", json.dumps(w2),
                "--bias", json.dumps(b2), "--activation", "sigmoid,tanh", "--input", json.dumps(x),
                "--target", json.dumps(t), "--loss", "mse", "--lr", "0.5", "--steps", str(steps),
                "--optimizer", opt)
    W, B, G = _torch_train(torch, [w1, w2], [b1, b2], [torch.sigmoid, torch.tanh], x, t, 0.5, steps,
                           torch.nn.functional.mse_loss, opt)
    for mine, theirs in zip(d["weights"], W):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
    for mine, theirs in zip(d["biases"], B):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)
    for mine, theirs in zip(d["gradients"], G):
        np.testing.assert_allclose(mine["weights"], theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.oracle
def test_oracle_torch_cross_entropy(run):
    torch = pytest.importorskip("torch")
    w1 = [[0.1, -0.2], [0.3, 0.4], [-0.5, 0.2]]
    w2 = [[0.5, 0.6, -0.1], [-0.7, 0.8, 0.3], [0.2, 0.1, 0.05]]
    b1, b2 = [0.1, 0.0, -0.1], [0.0, 0.1, 0.2]
    x = [[1.0, 2.0], [-1.0, 0.5]]
    d = as_json(run, "--weights", json.dumps(w1), "--bias", json.dumps(b1), "--weights", json.dumps(w2),
                "--bias", json.dumps(b2), "--activation", "relu", "--input", json.dumps(x),
                "--target", "2 0", "--loss", "cross-entropy", "--lr", "0.3", "--steps", "3")

    def ce(z, t):        # the network's last layer is softmax; torch's cross_entropy takes the scores
        return -(t * torch.log(z)).sum(dim=1).mean()

    W, B, _ = _torch_train(torch, [w1, w2], [b1, b2], [torch.relu, lambda z: torch.softmax(z, dim=1)],
                           x, np.eye(3)[[2, 0]].tolist(), 0.3, 3, ce)
    for mine, theirs in zip(d["weights"], W):
        np.testing.assert_allclose(mine, theirs, rtol=1e-10, atol=1e-13)
    assert math.isfinite(d["final_loss"]) and d["final_loss"] < d["initial_loss"]


def test_layers_without_seed_prints_the_seed_that_repeats_the_run(run):
    args = ["--layers", "2,3,1", "--input", "1 2", "--target", "1"]
    first = as_json(run, *args)
    seed = first["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2 ** 32
    again = as_json(run, *args, "--seed", str(seed))
    assert again["weights"] == first["weights"] and again["seed"] == seed
    text = run("backprop", *args, "--seed", "7").stdout
    assert "seed 7 (--seed 7 repeats them)" in text
    assert "seed" not in as_json(run, *WORKED)                     # given weights: no seed to report


def test_class_index_targets_are_announced_as_in_loss(run):
    args = ["--layers", "2,3", "--seed", "0", "--input", "1 2; 3 4", "--target", "2 0"]
    text = run("backprop", *args).stdout
    assert "--target given as class indices 2 0 (0-based), used as one-hot rows" in text
    d = as_json(run, *args)
    assert d["class_indices"] == [2, 0]
    one_hot = as_json(run, *args[:-1], "0 0 1; 1 0 0")             # the same targets written out
    assert "class_indices" not in one_hot and one_hot["weights"] == d["weights"]


def test_npy_for_layers_of_different_shapes_is_refused_before_training(run, monkeypatch):
    from nncalc.core import network

    def no_training(*args, **kwargs):
        raise AssertionError("trained before refusing --format npy")
    monkeypatch.setattr(network, "train", no_training)
    r = run("backprop", "--layers", "4,5,3", "--seed", "1", "--input", "1 2 3 4", "--target", "0 1 0",
            "--steps", "1000000000", "--format", "npy")
    assert r.exit_code == 2 and r.stdout == "" and "--format" in r.stderr


def test_softmax_cross_entropy_backward_row_shows_p_t_and_delta(run):
    """δ at a softmax output with cross-entropy is (p − t)/N: the row shows p and t, whose
    difference is δ, not ∂E/∂out and a Jacobian diagonal that do not multiply to it."""
    r = run("backprop", "--weights", "0.2 -0.1; -0.1 0.2", "--bias", "0", "--activation", "softmax",
            "--input", "5 3", "--target", "1", "--loss", "cross-entropy")
    lines = r.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("Backward, layer 1"))
    assert lines[at + 1].split() == ["neuron", "p", "=", "out", "t", "δ", "=", "(p", "−", "t)/1"]
    assert lines[at + 3].split() == ["1", "0.6457", "0", "0.6457"]
    assert lines[at + 4].split() == ["2", "0.3543", "1", "-0.6457"]
