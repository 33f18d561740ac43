"""core/network.py (+ netio, optimizers): hand-worked values, finite differences, PyTorch as oracle."""
import json

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from nncalc.core import activations as acts
from nncalc.core import network
from nncalc.core.errors import InputError
from nncalc.core.netio import Layer, init_layers, load_net, make_layers, parse_activation, resolve_activations

SIGMA1 = 0.7310585786300049


def _one_one_one():
    return make_layers([[[1.0]], [[1.0]]], [0.0, 1.0], "sigmoid,identity")


# ------------------------------------------------------------------ the worked example

def test_worked_example_1_1_1():
    tr = network.trace_step(_one_one_one(), [1.0], [2.0], "half-sse")
    hidden, out = tr.forward
    assert hidden.net[0, 0] == 1.0
    assert hidden.out[0, 0] == SIGMA1
    assert out.out[0, 0] == pytest.approx(1.7310585786300049, abs=1e-15)
    b_out, b_hidden = tr.backward                   # output layer first
    assert (b_out.layer, b_hidden.layer) == (2, 1)
    assert b_out.dE_dout[0, 0] == pytest.approx(-0.2689414213699951, abs=1e-15)
    assert b_out.dout_dnet[0, 0] == 1.0
    assert b_hidden.dout_dnet[0, 0] == 0.19661193324148185
    assert b_hidden.derivative_formula == acts.get("sigmoid").derivative_formula
    assert b_hidden.delta[0, 0] == -0.05287709278426674
    # the Σ δ·w the hidden layer's ∂E/∂out came from
    assert b_hidden.downstream_delta[0, 0] == b_out.delta[0, 0]
    assert b_hidden.downstream_weights[0, 0] == 1.0
    assert b_hidden.grad_w[0, 0] == b_hidden.delta[0, 0] * 1.0
    assert b_out.grad_w[0, 0] == b_out.delta[0, 0] * SIGMA1
    assert np.ndim(b_out.grad_b) == 0 and b_out.grad_b == b_out.delta[0, 0]
    assert tr.loss.value == pytest.approx(0.5 * 0.2689414213699951 ** 2, rel=1e-15)
    # study notes round ŷ to 1.731 first, which gives a different δ
    assert (1.731 - 2.0) * acts.derivative("sigmoid", 1.0) == pytest.approx(-0.0528886100419586, abs=1e-16)


def test_worked_example_one_sgd_step():
    r = network.train(_one_one_one(), 1.0, 2.0, "half-sse", lr=0.5, steps=1)
    up_out, up_hidden = r.first_step.updates            # applied output layer first
    assert up_out.layer == 2 and up_hidden.layer == 1
    assert up_out.new_w[0, 0] == 1.0 + (-0.5 * ((SIGMA1 + 1.0 - 2.0) * SIGMA1))
    assert up_hidden.change_w[0, 0] == -0.5 * -0.05287709278426674
    assert up_hidden.new_b == 0.0 + 0.5 * 0.05287709278426674
    assert r.initial_loss == r.loss_history[0] and r.final_loss == r.loss_history[1] < r.initial_loss
    assert r.single and r.outputs.shape == (1,)
    assert r.first_step is r.last_step


def test_simultaneous_records_the_weights_the_gradient_used():
    # the hidden layer's Σ δ·w uses the output weights from before the step, and the record says so
    layers = make_layers([[[0.5]], [[2.0]]], [0.0, 0.0], "sigmoid,identity")
    r = network.train(layers, [1.0], [0.0], "half-sse", lr=0.1, steps=1, order="simultaneous")
    hidden = r.first_step.backward[1]
    assert hidden.downstream_weights[0, 0] == 2.0
    assert r.weights[1][0, 0] != 2.0                    # ... although the output layer has moved
    assert hidden.dE_dout[0, 0] == hidden.downstream_delta[0, 0] * hidden.downstream_weights[0, 0]
    for order in ("simultaneous", "sequential"):        # in both orders Σ δ·w is what the record holds
        rec = network.train(layers, [1.0], [0.0], "half-sse", lr=0.1, steps=1, order=order).first_step.backward[1]
        np.testing.assert_array_equal(rec.dE_dout, rec.downstream_delta @ rec.downstream_weights)


def test_dense_records_the_dx_it_passes_down_and_the_weights_it_used():
    # ∂E/∂x = δ·W with W before the step's update (simultaneous) or after it (sequential);
    # the first layer's is the network's ∂E/∂x
    layers = make_layers([[[0.5, -1.0]], [[2.0]]], [0.0, 0.0], "sigmoid,identity")
    for order in ("simultaneous", "sequential"):
        r = network.train(layers, [1.0, 3.0], [0.0], "half-sse", lr=0.1, steps=1, order=order)
        out, hidden = r.first_step.backward
        up = {u.layer: u for u in r.first_step.updates}
        for rec in (out, hidden):
            w = up[rec.layer].old_w if order == "simultaneous" else up[rec.layer].new_w
            assert rec.input_weights is w
            d = rec.delta[0, 0]
            np.testing.assert_array_equal(rec.grad_input, [[d * v for v in w[0]]])
        assert out.grad_input[0, 0] == hidden.dE_dout[0, 0]
        np.testing.assert_array_equal(hidden.grad_input, r.first_step.grad_input)


def test_gradient_check_reports_progress_once_per_parameter():
    from nncalc.core.gradcheck import parameter_count
    layers = [Layer(np.ones((3, 2)), 0.0, "sigmoid"), Layer(np.ones((1, 3)), np.zeros(1), "identity")]
    calls = []
    network.numeric_gradient(layers, [1.0, 2.0], [0.5], "half-sse", progress=calls.append)
    assert parameter_count(layers) == 6 + 1 + 3 + 1 == sum(calls) and set(calls) == {1}


def test_progress_callback_counts_every_step():
    calls = []
    network.train(_one_one_one(), 1.0, 2.0, "half-sse", steps=250, record="none", progress=calls.append)
    assert calls == [1] * 250           # after every step: the CLI redraws its bar on time


def test_sequential_uses_updated_weights():
    layers = make_layers([[[0.5]], [[2.0]]], [0.0, 0.0], "sigmoid,identity")
    sim = network.train(layers, [1.0], [0.0], "half-sse", lr=0.1, steps=1, order="simultaneous")
    seq = network.train(layers, [1.0], [0.0], "half-sse", lr=0.1, steps=1, order="sequential")
    d_out = sim.first_step.backward[0].delta[0, 0]
    w2_new = 2.0 - 0.1 * d_out * acts.forward("sigmoid", 0.5)
    assert seq.weights[1][0, 0] == sim.weights[1][0, 0] == w2_new
    h1 = acts.derivative("sigmoid", 0.5)
    assert sim.first_step.backward[1].delta[0, 0] == d_out * 2.0 * h1
    assert seq.first_step.backward[1].delta[0, 0] == d_out * w2_new * h1
    assert seq.first_step.backward[1].downstream_weights[0, 0] == w2_new
    assert seq.weights[0][0, 0] != sim.weights[0][0, 0]


@pytest.mark.parametrize("loss", ["mse", "half-sse", "sse", "bce", "cross-entropy"])
def test_traced_and_untraced_runs_agree_and_inputs_untouched(loss):
    spec = "tanh" if loss == "cross-entropy" else "tanh,sigmoid"
    layers = init_layers([2, 3, 2], seed=1, activations=spec, loss=loss)
    before = [l.weights.copy() for l in layers]
    X = np.array([[0.1, 0.2], [0.3, -0.4], [1.0, 0.5]])
    T = np.array([[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]])
    X0, T0 = X.copy(), T.copy()
    for opt, order in (("sgd", "simultaneous"), ("momentum", "sequential"), ("adam", "simultaneous")):
        kw = dict(lr=0.3, steps=25, optimizer=opt, order=order)
        a = network.train(layers, X, T, loss, record="none", **kw)
        b = network.train(layers, X, T, loss, record="all", **kw)
        for wa, wb in zip(a.weights + a.biases, b.weights + b.biases):
            np.testing.assert_array_equal(wa, wb)
        np.testing.assert_array_equal(a.loss_history, b.loss_history)
        assert a.first_step is None and len(b.traces) == 25
        assert b.last_step.loss.value == b.loss_history[24]
        assert b.first_step.loss.value == b.initial_loss
        # the update table of the last step ends at the final weights
        for u in b.last_step.updates:
            np.testing.assert_array_equal(u.new_w, b.weights[u.layer - 1])
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(T, T0)
    for l, w in zip(layers, before):
        np.testing.assert_array_equal(l.weights, w)


def test_loss_history_and_convergence():
    layers = init_layers([2, 2, 1], seed=0)
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    T = np.array([0, 1, 1, 0], dtype=float)
    r = network.train(layers, X, T, "half-sse", lr=2.0, steps=500)
    assert r.loss_history.shape == (501,) and r.final_loss < r.initial_loss
    assert r.last_step.step == 500 and r.first_step.step == 1
    assert r.outputs.shape == (4, 1)


def test_steps_zero_and_record_choice():
    layers = _one_one_one()
    r = network.train(layers, 1.0, 2.0, "half-sse", steps=0)
    assert r.first_step is r.last_step and r.first_step.step == 0 and r.first_step.updates is None
    assert r.loss_history.shape == (1,) and r.final_loss == r.initial_loss
    np.testing.assert_array_equal(r.weights[0], layers[0].weights)
    r = network.train(layers, 1.0, 2.0, "half-sse", steps=5, record=[3])
    assert set(r.traces) == {3} and r.first_step is None and r.last_step is None
    r = network.train(layers, 1.0, 2.0, "half-sse", steps=4, optimizer="momentum")
    assert r.first_step.updates[0].change_formula.startswith("v = μ·v")
    assert r.last_step.step == 4 and set(r.traces) == {1, 4}


def test_freeze_bias():
    layers = init_layers([2, 2, 1], seed=0, activations="sigmoid")
    layers[0].bias = np.array([0.3, -0.2])
    r = network.train(layers, [1.0, 2.0], [1.0], "half-sse", lr=0.5, steps=3, freeze_bias=True)
    np.testing.assert_array_equal(r.biases[0], [0.3, -0.2])
    assert r.first_step.updates[0].bias_frozen
    assert np.any(r.first_step.updates[0].grad_b != 0)


def test_shared_bias_gradient_is_sum_of_deltas():
    layers = make_layers([[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]], [0.25, [0.1]], "sigmoid,identity")
    assert layers[0].shared_bias and not layers[1].shared_bias
    tr = network.trace_step(layers, [1.0, -1.0], [1.0], "half-sse")
    hidden = tr.backward[1]
    assert np.ndim(hidden.grad_b) == 0 and hidden.grad_b == pytest.approx(hidden.delta.sum(), rel=1e-15)
    check = network.numeric_gradient(layers, [1.0, -1.0], [1.0], "half-sse")
    assert check.max_rel_error < 1e-7


def test_cross_entropy_delta_is_p_minus_t():
    layers = make_layers([[[0.1, -0.2], [0.3, 0.4]], [[0.5, 0.6], [-0.7, 0.8], [0.2, 0.1]]], None,
                         "tanh", loss="cross-entropy")
    assert [l.activation for l in layers] == ["tanh", "softmax"]
    X = np.array([[1.0, 2.0], [0.5, -1.0]])
    tr = network.trace_step(layers, X, [2, 0], "cross-entropy")
    column = network.trace_step(layers, X, [[2], [0]], "cross-entropy")    # a column of indices
    np.testing.assert_array_equal(column.backward[0].delta, tr.backward[0].delta)
    out = tr.backward[0]
    p = tr.forward[-1].out
    np.testing.assert_array_equal(out.delta, (p - np.eye(3)[[2, 0]]) / 2)
    assert "p − t" in out.rule
    assert tr.loss.value == pytest.approx(-np.log(p[[0, 1], [2, 0]]).mean(), rel=1e-14)


def test_init_layers_reproducible():
    a = init_layers([2, 3, 1], seed=42)
    b = init_layers([2, 3, 1], seed=42)
    c = init_layers([2, 3, 1], seed=43)
    assert [l.weights.shape for l in a] == [(3, 2), (1, 3)]
    np.testing.assert_array_equal(a[0].weights, b[0].weights)
    assert not np.array_equal(a[0].weights, c[0].weights)
    limit = np.sqrt(6 / 5)
    assert np.all(np.abs(a[0].weights) <= limit)
    np.testing.assert_array_equal(a[0].bias, 0)
    rng = np.random.default_rng(42)
    np.testing.assert_array_equal(a[0].weights, rng.uniform(-limit, limit, (3, 2)))


def test_resolve_activations():
    assert resolve_activations("relu", 3) == [("relu", {})] * 3
    assert resolve_activations("relu", 3, "cross-entropy") == [("relu", {}), ("relu", {}), ("softmax", {})]
    assert resolve_activations("relu, tanh", 3, "ce")[-1] == ("softmax", {})
    assert resolve_activations("leaky-relu(0.2),sigmoid", 2) == [("leaky-relu", {"alpha": 0.2}), ("sigmoid", {})]
    assert parse_activation("ELU(alpha=0.5)") == ("elu", {"alpha": 0.5})
    assert parse_activation("linear") == ("identity", {})


def test_load_net():
    data = json.loads('{"layers": [{"weights": [[1]], "bias": 0, "activation": "sigmoid"},'
                      ' {"weights": [[1]], "bias": 1, "activation": "identity"}], "loss": "half-sse", "lr": 0.5}')
    layers, settings_ = load_net(data)
    assert settings_ == {"loss": "half-sse", "lr": 0.5}
    tr = network.trace_step(layers, [1.0], [2.0], settings_["loss"])
    assert tr.backward[1].delta[0, 0] == -0.05287709278426674


@pytest.mark.parametrize("data,field,needle", [
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}, {"bias": 1, "activation": "identity"}]},
     "layers[2].weights", "layer 2 has no 'weights'"),
    ({"layers": [{"weights": [[1]]}]}, "layers[1].activation", "layer 1 has no 'activation'"),
    ({"layer": []}, "layers", "no 'layers'"),
    ({"layers": [{"weights": [[1, 2]], "activation": "relu"}, {"weights": [[1, 2]], "activation": "relu"}]},
     "layers[2].weights", "layer 2: weights are 1×2 but layer 1 outputs 1 value"),
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}], "loss": "cross-entropy"}, "layers[1].activation",
     "softmax"),
    ({"layers": [{"weights": [[1]], "activation": "sigmoid"}], "lr": "fast"}, "lr", "'lr'"),
])
def test_load_net_errors(data, field, needle):
    with pytest.raises(InputError) as e:
        load_net(data)
    assert e.value.field == field and needle in e.value.message
    assert not hasattr(e.value, "arg") and "--" not in e.value.message      # core names fields, never flags


def _error(fn, *a, **kw):
    with pytest.raises(InputError) as e:
        fn(*a, **kw)
    return e.value


def test_errors():
    l2 = make_layers([[[1.0, 2.0], [3.0, 4.0]], [[1.0, 1.0]]], None, "sigmoid")
    e = _error(make_layers, [[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0, 3.0]]], None, "sigmoid")
    assert e.field == "layers[2].weights" and e.message == "layer 2: weights are 1×3 but layer 1 outputs 2 values"
    e = _error(network.train, l2, [1.0, 2.0, 3.0], [1.0], "half-sse")
    assert e.field == "input" and "3 values per sample, but layer 1's weights are 2×2" in e.message
    e = _error(network.train, l2, [1.0, 2.0], [1.0, 0.0], "half-sse")
    assert e.field == "target" and "shape 2" in e.message
    e = _error(network.train, l2, [[1.0, 2.0]] * 3, [1.0, 0.0], "half-sse")
    assert e.field == "target"
    assert _error(network.train, l2, [1.0, 2.0], [1.0], "half-sse", lr=0).field == "lr"
    assert _error(network.train, l2, [1.0, 2.0], [1.0], "half-sse", lr=-1).field == "lr"
    assert _error(network.train, l2, [1.0, 2.0], [1.0], "half-sse", steps=-1).field == "steps"
    e = _error(network.train, l2, [1.0, 2.0], [1.0], "half-sse", optimizer="adamm")
    assert e.field == "optimizer" and "did you mean 'adam'" in e.message
    e = _error(network.train, l2, [1.0, 2.0], [1.0], "half-sse", order="sequentail")
    assert e.field == "order" and "sequential" in e.message
    e = _error(network.train, l2, [1.0, 2.0], [1.0], "cross-entropy")
    assert e.field == "layers[2].activation" and e.code == "needs-softmax" and "softmax" in e.message
    e = _error(resolve_activations, "relu,tanh", 2, "cross-entropy")
    assert e.field == "activation" and "softmax" in e.message
    e = _error(make_layers, [[[1.0]]], None, "sigmoi")
    assert e.field == "activation" and "did you mean 'sigmoid'" in e.message
    e = _error(make_layers, [[[1.0, 2.0], [3.0, 4.0]]], [[1.0, 2.0, 3.0]], "sigmoid")
    assert e.field == "layers[1].bias" and "layer 1" in e.message
    e = _error(resolve_activations, "sigmoid,relu,tanh", 2)
    assert e.field == "activation"
    e = _error(network.train, l2, [1.0, 2.0], [1.0], "losss")
    assert e.field == "loss"
    assert _error(network.train, l2, [1.0, np.nan], [1.0], "half-sse").field == "input"
    assert _error(network.train, l2, [1.0, 2.0], [np.inf], "half-sse").field == "target"
    two = make_layers([[[1.0, 2.0], [3.0, 4.0]]], None, "sigmoid")
    e = _error(network.train, two, [[1.0, 2.0]] * 2, [[3], [0]], "half-sse")
    assert e.field == "target" and "out of range" in e.message
    l_id = make_layers([[[1.0]]], None, "identity")
    assert _error(network.train, l_id, [1.0], [1.0], "bce").code == "needs-sigmoid"
    e = _error(network.train, two, [1.0, 2.0], [0.5, 0.5, 0.5], "half-sse")
    assert e.field == "target" and "the target has shape 3 but the network gives 2 values" in e.message
    e = _error(resolve_activations, "relu", 1, "cross-entropy")
    assert e.field == "activation" and "softmax" in e.message and "no hidden layer" in e.message
    assert resolve_activations("softmax", 1, "cross-entropy") == [("softmax", {})]
    assert _error(init_layers, [2, 1], seed=-1).field == "seed"
    assert _error(network.train, make_layers([[[1.0], [1.0]]], None, "softmax"), [1.0], [5], "ce").field \
        == "target"


# ------------------------------------------------------------------ finite differences

SMOOTH = {"sigmoid", "tanh", "softplus", "gelu", "silu", "identity", "softmax", "log-softmax"}
KINKED = {"relu", "leaky-relu", "elu", "step"}


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(1, 3), min_size=2, max_size=4),
       st.sampled_from(["half-sse", "sse", "mse", "bce", "cross-entropy"]), st.data())
def test_backprop_matches_finite_differences(n, sizes, loss, data):
    names = acts.names()
    hidden = [data.draw(st.sampled_from(names)) for _ in sizes[1:-1]]
    if loss == "cross-entropy":
        out = "softmax"
    elif loss == "bce":
        out = "sigmoid"
    else:
        out = data.draw(st.sampled_from(names))
    spec = ",".join(hidden + [out])
    if "leaky-relu" in spec:
        spec = spec.replace("leaky-relu", "leaky-relu(0.1)")
    seed = data.draw(st.integers(0, 2 ** 16))
    layers = init_layers(sizes, seed=seed, activations=spec, scheme="uniform")
    rng = np.random.default_rng(seed + 1)
    for l in layers:
        l.bias = rng.uniform(-0.5, 0.5, l.bias.shape)
    X = rng.uniform(-2, 2, (n, sizes[0]))
    k = sizes[-1]
    if loss == "cross-entropy":
        T = rng.integers(0, k, n)
    elif loss == "bce":
        T = rng.uniform(0, 1, (n, k))
    else:
        T = rng.normal(size=(n, k))
    if any(a in spec for a in KINKED):
        nets = [r.net for r in network.forward(layers, X)]
        assume(min(np.abs(z).min() for z in nets) > 1e-3)
    check = network.numeric_gradient(layers, X, T, loss, h=1e-6)
    for c in check.layers:
        np.testing.assert_allclose(c.backprop_w, c.numeric_w, rtol=1e-5, atol=1e-8)
        np.testing.assert_allclose(c.backprop_b, c.numeric_b, rtol=1e-5, atol=1e-8)


def test_numeric_gradient_record():
    check = network.numeric_gradient(_one_one_one(), [1.0], [2.0], "half-sse")
    assert [c.layer for c in check.layers] == [1, 2]
    assert check.layers[0].backprop_w[0, 0] == -0.05287709278426674
    assert check.layers[0].numeric_w[0, 0] == pytest.approx(-0.05287709278426674, rel=1e-8)
    assert check.max_rel_error < 1e-8 and check.h == 1e-6


# ------------------------------------------------------------------ PyTorch oracle

def _torch_model(torch, layers):
    F = torch.nn.functional
    mods = []
    table = {"sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": F.relu, "softplus": F.softplus,
             "gelu": F.gelu, "silu": F.silu, "identity": lambda x: x,
             "softmax": lambda x: F.softmax(x, dim=-1), "log-softmax": lambda x: F.log_softmax(x, dim=-1),
             "leaky-relu": lambda x, alpha=0.01: F.leaky_relu(x, alpha), "elu": lambda x, alpha=1.0: F.elu(x, alpha)}
    params = []
    for l in layers:
        W = torch.tensor(l.weights, requires_grad=True)
        b = torch.tensor(l.bias, requires_grad=True)
        params += [W, b]
        mods.append((W, b, l.activation, l.params))

    def run(x, logits=False):
        a = x
        for i, (W, b, name, p) in enumerate(mods):
            z = a @ W.T + b
            a = z if (logits and i == len(mods) - 1) else table[name](z, **p)
        return a
    return run, params


def _torch_loss(torch, loss, run, x, t):
    F = torch.nn.functional
    n = x.shape[0]
    if loss == "cross-entropy":
        return F.cross_entropy(run(x, logits=True), t)
    o = run(x)
    return {"half-sse": lambda: 0.5 * ((o - t) ** 2).sum() / n, "sse": lambda: ((o - t) ** 2).sum() / n,
            "mse": lambda: F.mse_loss(o, t), "bce": lambda: F.binary_cross_entropy(o, t)}[loss]()


ORACLE_CASES = [
    ("half-sse", "sigmoid", [2, 2, 2]),
    ("sse", "tanh,relu,identity", [3, 4, 3, 2]),
    ("mse", "leaky-relu(0.2),elu(0.7),softplus", [2, 3, 3, 2]),
    ("bce", "gelu,silu,sigmoid", [2, 3, 2, 3]),
    ("cross-entropy", "tanh", [3, 4, 3]),
    ("mse", "sigmoid,softmax", [2, 3, 3]),
    ("half-sse", "tanh,log-softmax", [2, 3, 3]),
]


@pytest.mark.oracle
@pytest.mark.parametrize("loss,spec,sizes", ORACLE_CASES)
def test_gradients_against_torch(loss, spec, sizes):
    torch = pytest.importorskip("torch")
    layers = init_layers(sizes, seed=5, activations=spec, loss=loss)
    rng = np.random.default_rng(9)
    for l in layers:
        l.bias = rng.uniform(-0.5, 0.5, l.bias.shape)
    X = rng.uniform(-1, 1, (4, sizes[0]))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 4)] if loss in ("bce", "cross-entropy") \
        else rng.normal(size=(4, sizes[-1]))
    run, params = _torch_model(torch, layers)
    v = _torch_loss(torch, loss, run, torch.tensor(X), torch.tensor(T))
    v.backward()
    tr = network.trace_step(layers, X, T, loss)
    assert tr.loss.value == pytest.approx(v.item(), rel=1e-10)
    for rec in tr.backward:
        i = rec.layer - 1
        np.testing.assert_allclose(rec.grad_w, params[2 * i].grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(rec.grad_b, params[2 * i + 1].grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.oracle
@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("loss,spec,sizes", [ORACLE_CASES[0], ORACLE_CASES[4], ORACLE_CASES[3]])
def test_optimizer_steps_against_torch(optimizer, loss, spec, sizes):
    torch = pytest.importorskip("torch")
    layers = init_layers(sizes, seed=11, activations=spec, loss=loss)
    rng = np.random.default_rng(2)
    X = rng.uniform(-1, 1, (3, sizes[0]))
    T = np.eye(sizes[-1])[rng.integers(0, sizes[-1], 3)]
    run, params = _torch_model(torch, layers)
    lr = 0.1
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=lr),
           # torch: b ← μb + g, w ← w − ηb; ours: v ← μv − ηg, w ← w + v — the same weights for constant η
           "momentum": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
           "adam": lambda: torch.optim.Adam(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, foreach=False)}[optimizer]()
    steps = 5
    for _ in range(steps):
        opt.zero_grad()
        _torch_loss(torch, loss, run, torch.tensor(X), torch.tensor(T)).backward()
        opt.step()
    r = network.train(layers, X, T, loss, lr=lr, steps=steps, optimizer=optimizer)
    for i in range(len(layers)):
        np.testing.assert_allclose(r.weights[i], params[2 * i].detach().numpy(), rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(r.biases[i], params[2 * i + 1].detach().numpy(), rtol=1e-10, atol=1e-13)
    # one step: the update table's change column
    one = network.train(layers, X, T, loss, lr=lr, steps=1, optimizer=optimizer)
    for u in one.first_step.updates:
        np.testing.assert_allclose(u.new_w - u.old_w, u.change_w, rtol=1e-12, atol=1e-17)
