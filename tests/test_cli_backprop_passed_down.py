"""backprop's "∂E/∂x passed down by layer L" table: ∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ) of a dense layer.

Shown where the layer below does not already write it out as its Σ δ·w column:
above a flatten or an activation layer, and for the first layer. Every number
in it is read back from the text trace and checked: each term against the δ
and W that PyTorch's autograd (float64) gives, each row's sum against a plain
loop over those terms, and each value against autograd's gradient of the dense
layer's input.
"""
import json
import re

import numpy as np
import pytest

DIGITS = 12
TOL = 2e-11         # cells are rounded to 12 decimals

CNN = {"layers": [
    {"type": "conv", "kernels": [[[[0.5, -0.2], [0.3, 0.8]]], [[[-0.4, 0.6], [0.7, -0.1]]]], "bias": [0.1, -0.2],
     "activation": "tanh"},
    {"type": "pool", "mode": "max", "size": 2, "stride": 1},
    {"type": "flatten"},
    {"weights": [[0.2, -0.5, 0.3, 0.1, -0.2, 0.4, 0.6, -0.3], [-0.1, 0.2, 0.5, -0.4, 0.3, 0.2, -0.6, 0.1],
                 [0.4, 0.1, -0.2, 0.3, 0.5, -0.1, 0.2, 0.2]], "bias": [0.05, -0.1, 0.2], "activation": "tanh"},
    {"weights": [[0.3, -0.6, 0.2], [-0.2, 0.4, 0.7]], "bias": [0, 0.1], "activation": "softmax"}],
    "input": [[[[1, 2, 0, 1], [0, 1, 3, -1], [3, 0, 1, 2], [-2, 1, 0, 1]]],
              [[[0.5, -1, 2, 0], [1, 1, 0, 2], [0, 2, -1, 1], [1, 0, 1, -1]]]],
    "target": [1, 0], "loss": "cross-entropy", "lr": 0.1}

FC_ACT = {"layers": [
    {"weights": [[0.5, -1.0], [0.8, 0.3], [-0.6, 0.9]], "bias": [0.1, -0.2, 0.3], "activation": "identity"},
    {"type": "activation", "function": "sigmoid"},
    {"weights": [[0.7, -0.4, 0.25], [0.1, 0.9, -0.5]], "bias": 0.2, "activation": "tanh"}],
    "input": [[1.0, 2.0], [-0.5, 0.25], [0.3, -1.2]], "target": [[0.2, -0.3], [0.5, 0.1], [-0.4, 0.6]],
    "loss": "half-sse", "lr": 0.5}


# ------------------------------------------------------------------ reading the trace

def _trace(run, net, *args):
    r = run("backprop", "--net", json.dumps(net), "--digits", str(DIGITS), *args)
    assert r.exit_code == 0, r.stderr
    return r.stdout


def _tables(text):
    """{layer: (heading, [(label, terms, value)])} of every passed-down table in the trace's first step."""
    found = {}
    lines = text.split("\n")
    for k, line in enumerate(lines):
        m = re.match(r"∂E/∂x passed down by layer (\d+): ", line)
        if not m or int(m.group(1)) in found:
            continue
        rows = []
        for row in lines[k + 3:]:
            if not row.strip() or row.startswith("…"):
                break
            label, expr, value = re.split(r"\s{2,}", row.strip())
            rows.append((label, _terms(expr), float(value)))
        found[int(m.group(1))] = (line, rows)
    return found


def _terms(expr):
    """'a·b - c·(-d) + …' as [(a, b), (-c, -d), …]: the operator's sign goes with the first factor."""
    terms = []
    for sign, a, b in re.findall(r"(^-?|[+-] )([\d.]+)·\(?(-?[\d.]+)\)?", expr):
        terms.append(((-1 if sign.strip() == "-" else 1) * float(a), float(b)))
    return terms


def _index(label, samples):
    n, i = (0, label) if samples == 1 else label.split(":")
    return (int(n) - 1 if samples > 1 else 0), int(i) - 1


# ------------------------------------------------------------------ the oracle

def _autograd(net):
    """(per dense layer: (δ = ∂E/∂net, ∂E/∂x, W)), from torch, float64."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    acts = {"tanh": torch.tanh, "sigmoid": torch.sigmoid, "identity": lambda z: z, "relu": F.relu,
            "softmax": lambda z: F.softmax(z, dim=1)}
    a = torch.tensor(np.array(net["input"], dtype=np.float64), requires_grad=True)
    kept = {}
    for i, spec in enumerate(net["layers"], 1):
        kind = spec.get("type", "dense")
        if kind == "conv":
            a = acts[spec["activation"]](F.conv2d(a, torch.tensor(spec["kernels"], dtype=torch.float64),
                                                  torch.tensor(spec["bias"], dtype=torch.float64)))
        elif kind == "pool":
            a = F.max_pool2d(a, spec["size"], spec.get("stride", spec["size"]))
        elif kind == "flatten":
            a = a.flatten(1)
        elif kind == "activation":
            a = acts[spec["function"]](a)
        else:
            a.retain_grad()
            w = torch.tensor(spec["weights"], dtype=torch.float64)
            z = a @ w.T + torch.tensor(spec["bias"], dtype=torch.float64)
            z.retain_grad()
            kept[i] = (a, z, w)
            a = acts[spec["activation"]](z)
    n = a.shape[0]
    if net["loss"] == "cross-entropy":
        t = torch.eye(a.shape[1], dtype=torch.float64)[net["target"]]
        E = -(t * torch.log(a)).sum() / n
    else:
        E = 0.5 * ((a - torch.tensor(net["target"], dtype=torch.float64)) ** 2).sum() / n
    E.backward()
    return {i: (z.grad.numpy(), x.grad.numpy(), w.numpy()) for i, (x, z, w) in kept.items()}


def _check_table(rows, delta, dx, w):
    """Each term is δ_nj·w_ji, j = 1…out in order; the row's value is their sum (a plain loop)
    and autograd's ∂E/∂x_ni."""
    samples = delta.shape[0]
    assert len(rows) == dx.size
    for label, terms, value in rows:
        n, i = _index(label, samples)
        assert len(terms) == w.shape[0]
        for j, (d, wji) in enumerate(terms):
            assert d == pytest.approx(delta[n, j], abs=TOL) and wji == pytest.approx(w[j, i], abs=TOL)
        total = 0.0
        for d, wji in terms:
            total += d * wji
        assert value == pytest.approx(total, abs=TOL)
        assert value == pytest.approx(dx[n, i], abs=TOL)


# ------------------------------------------------------------------ tests

@pytest.mark.oracle
def test_dense_above_a_flatten_matches_autograd(run):
    text = _trace(run, CNN)
    tables = _tables(text)
    assert sorted(tables) == [4]            # layer 5's ∂E/∂x is layer 4's Σ δ·w column already
    heading, rows = tables[4]
    assert heading.endswith("with the weights before this step's update")
    assert [r[0] for r in rows] == [f"{n}:{i}" for n in (1, 2) for i in range(1, 9)]
    _check_table(rows, *_autograd(CNN)[4])
    # read top to bottom: after layer 4's gradients, before the flatten that reshapes it
    assert text.index("Gradients, layer 4") < text.index(heading) < text.index("Backward, layer 3 (flatten)")


@pytest.mark.oracle
def test_dense_above_an_activation_layer_and_the_first_layer_match_autograd(run):
    text = _trace(run, FC_ACT)
    tables = _tables(text)
    assert sorted(tables) == [1, 3]
    oracle = _autograd(FC_ACT)
    for layer in (1, 3):
        _check_table(tables[layer][1], *oracle[layer])
    assert text.index(tables[3][0]) < text.index("Backward, layer 2 (activation)")
    # layer 1's table is the network's ∂E/∂x, which JSON gives as grad_input
    d = json.loads(run("backprop", "--net", json.dumps(FC_ACT), "--format", "json").stdout)
    np.testing.assert_allclose(d["grad_input"], oracle[1][1], rtol=1e-12, atol=1e-15)


def test_one_sample_rows_are_the_inputs(run):
    """The notes' 1-1-1 example: ∂E/∂x = δ·w = −0.0529·1 (δ of the hidden neuron, w = 1)."""
    text = run("backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1", "--activation",
               "sigmoid,identity", "--input", "1", "--target", "2").stdout
    assert ("∂E/∂x passed down by layer 1: ∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ), with the weights before this "
            "step's update\n"
            "input    Σ_j δ_j·w_ji      ∂E/∂x\n"
            "-------  --------------  -------\n"
            "1        -0.0529·1       -0.0529\n") in text
    assert "passed down by layer 2" not in text


def test_sequential_order_uses_the_new_weights_and_says_so(run):
    net = dict(FC_ACT, layers=FC_ACT["layers"][2:], input=[[0.4, -0.3, 0.9]], target=[[0.2, -0.3]])
    d = json.loads(run("backprop", "--net", json.dumps(net), "--order", "sequential", "--format",
                       "json").stdout)
    text = _trace(run, net, "--order", "sequential")
    heading, rows = _tables(text)[1]
    assert heading.endswith("with the layer's new weights (sequential order: updated first, as in its "
                            "update below)")
    new_w = np.array(d["weights"][0])
    delta = np.array(d["first_step"]["backward"][0]["delta"])
    for label, terms, value in rows:
        _, i = _index(label, 1)
        assert [b for _, b in terms] == pytest.approx(new_w[:, i], abs=TOL)
        assert [a for a, _ in terms] == pytest.approx(delta[0], abs=TOL)
    np.testing.assert_allclose([v for *_, v in rows], delta[0] @ new_w, atol=TOL)
    np.testing.assert_allclose(d["grad_input"], [delta[0] @ new_w], rtol=1e-12)


def test_without_an_update_no_weights_are_named(run):
    text = _trace(run, FC_ACT, "--steps", "0")
    assert "∂E/∂x passed down by layer 3: ∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ)\n" in text


def test_rows_are_capped_by_max_steps(run):
    text = _trace(run, CNN, "--max-steps", "3")
    heading, rows = _tables(text)[4]
    assert [r[0] for r in rows] == ["1:1", "1:2", "1:3"]
    after = text.split(heading, 1)[1]
    assert "… 13 more rows not shown (showing 3 of 16; raise --max-steps to see more)" in after.split("\n\n")[0]


def test_in_chinese(run):
    r = run("--lang", "zh", "backprop", "--net", json.dumps(CNN))
    assert r.exit_code == 0, r.stderr
    assert "第 4 层向下传递的 ∂E/∂x：∂E/∂x_i = Σ_j δ_j·w_ji（Wᵀδ），用本步更新之前的权重\n样本:输入" in r.stdout
