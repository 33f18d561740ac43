"""`nncalc loss`: values by hand, the trace, JSON keys, errors, and PyTorch as oracle."""
import json
import math

import numpy as np
import pytest


def as_json(run, *args):
    r = run("loss", *args, "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)


def test_half_sse_worked_example(run):
    d = as_json(run, "1.7310585786300049", "2", "--grad")
    assert d["result"] == pytest.approx(0.5 * 0.2689414213699951 ** 2, rel=1e-15)
    assert d["grad"] == [pytest.approx(-0.2689414213699951, abs=1e-15)]
    assert d["terms"] == [d["result"]]
    assert d["loss"] == "half-sse"


def test_quiet_prints_the_loss_only(run):
    r = run("loss", "1 2; 3 4", "0 0; 1 1", "--loss", "sse", "-q")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "9\n"               # (1 + 4 + 4 + 9) / 2 samples, integers without .0


def test_mse_and_text_trace(run):
    r = run("loss", "1 2; 3 4", "0 0; 1 1", "--loss", "mse", "--grad")
    assert r.exit_code == 0, r.stderr
    text = r.stdout
    assert "mse" in text and "E = 4.5000" in text and "∂E/∂PRED" in text
    assert "(1, 1)" in text                     # one row per element, positioned
    assert "mean over all 4 elements" in text


def test_cross_entropy_class_indices_eps_and_exact(run):
    d = as_json(run, "0.2 0.7 0.1", "1", "--loss", "cross-entropy")
    assert d["result"] == -math.log(0.7 + 1e-7)
    assert d["target"] == [0, 1, 0] and d["class_indices"] == [1]
    assert "grad" not in d
    exact = as_json(run, "0.2 0.7 0.1", "0 1 0", "--loss", "ce", "--eps", "0")
    assert exact["result"] == -math.log(0.7)


def test_cross_entropy_from_logits(run):
    z = np.array([[1.0, 2.0, 0.5], [-3.0, 0.0, 3.0]])
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    d = as_json(run, "1 2 0.5; -3 0 3", "2 0", "--loss", "cross-entropy", "--from-logits", "--grad")
    want = -(math.log(p[0, 2]) + math.log(p[1, 0])) / 2
    assert d["result"] == pytest.approx(want, rel=1e-14)
    np.testing.assert_allclose(d["grad"], (p - np.eye(3)[[2, 0]]) / 2, rtol=1e-13, atol=1e-16)
    np.testing.assert_allclose(d["probabilities"], p, rtol=1e-15)


def test_bce(run):
    d = as_json(run, "0.9 0.2 0.6", "1 0 1", "--loss", "bce")
    want = -(math.log(0.9) + math.log(0.8) + math.log(0.6)) / 3
    assert d["result"] == pytest.approx(want, rel=1e-15)


def test_help_lists_examples(run):
    r = run("loss", "--help")
    assert r.exit_code == 0
    assert "nncalc loss 1.7310585786300049 2" in r.stdout


@pytest.mark.parametrize("args, fragments", [
    (["1 2", "1 2 3"], ["TARGET", "does not match"]),
    (["0.2 1.7", "0 1", "--loss", "bce"], ["PRED", "[0, 1]"]),
    (["0.2 0.8", "0 1.5", "--loss", "bce"], ["TARGET", "[0, 1]"]),
    (["0.2 0.8", "0 1", "--loss", "ce", "--eps", "-1"], ["--eps"]),
    (["-0.2 1.2", "0 1", "--loss", "cross-entropy"], ["PRED", "probabilities"]),
    (["0.2 0.7 0.1", "3", "--loss", "cross-entropy"], ["TARGET", "class index 3 is out of range"]),
    (["0.2 0.7 0.1; 0.3 0.3 0.4", "0 -1", "--loss", "cross-entropy"], ["TARGET", "class index -1"]),
    (["1", "2", "--loss", "hsee"], ["--loss", "unknown loss 'hsee'", "did you mean 'half-sse'"]),
    (["1", "2", "--from-logits"], ["--from-logits", "cross-entropy only"]),
    (["1 x", "2"], ["PRED"]),
])
def test_bad_input(run, user_error, args, fragments):
    user_error(run("loss", *args), *fragments)


@pytest.mark.oracle
def test_oracle_torch_cross_entropy_and_mse(run):
    torch = pytest.importorskip("torch")
    z = torch.tensor([[1.0, 2.0, 0.5], [-3.0, 0.0, 3.0]], dtype=torch.float64, requires_grad=True)
    want = torch.nn.functional.cross_entropy(z, torch.tensor([2, 0]))
    want.backward()
    d = as_json(run, "1 2 0.5; -3 0 3", "2 0", "--loss", "cross-entropy", "--from-logits", "--grad")
    assert d["result"] == pytest.approx(want.item(), rel=1e-13)
    np.testing.assert_allclose(d["grad"], z.grad.numpy(), rtol=1e-12, atol=1e-15)
    o = torch.tensor([[0.9, 0.2], [0.6, 0.3]], dtype=torch.float64, requires_grad=True)
    t = torch.tensor([[1.0, 0.0], [1.0, 1.0]], dtype=torch.float64)
    for name, fn in (("mse", torch.nn.functional.mse_loss),
                     ("bce", torch.nn.functional.binary_cross_entropy)):
        o.grad = None
        v = fn(o, t)
        v.backward()
        d = as_json(run, "0.9 0.2; 0.6 0.3", "1 0; 1 1", "--loss", name, "--grad")
        assert d["result"] == pytest.approx(v.item(), rel=1e-13), name
        np.testing.assert_allclose(d["grad"], o.grad.numpy(), rtol=1e-12, atol=1e-15)
