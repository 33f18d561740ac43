"""backprop's time and memory bounds (issue 13): step counts, the loss history, the
progress bar, --check and --plot are all checked or bounded before training.

Refusals that must come before training are run with --steps 10^9: were they
checked after it, the test would not end.
"""
import json
import sys
import time

import numpy as np
import pytest

from conftest import assert_user_error, invoke
from nncalc.core import network
from nncalc.core.netrecords import LossSample

NET = ["--weights", "0.5 -0.5", "--input", "1 2", "--target", "1"]
BILLION = str(10 ** 9)


@pytest.mark.parametrize("steps, fragment", [("10000000000", "10,000,000,000 steps is over the limit"),
                                             ("1e10", "'1e10' is not a valid integer")])
def test_too_many_steps_is_a_user_error(steps, fragment):
    assert_user_error(invoke("backprop", *NET, "--steps", steps), "--steps", fragment)


@pytest.mark.parametrize("steps, fragment", [("1e300", "'steps' is 1e+300, over the limit"),
                                             ("Infinity", "'steps' must be a whole number, got inf"),
                                             ("2.5", "'steps' must be a whole number")])
def test_steps_in_net_are_checked(tmp_path, steps, fragment):
    net = tmp_path / "net.json"
    net.write_text('{"layers": [{"weights": [[1]], "bias": 0, "activation": "relu"}], '
                   f'"input": [1], "target": [1], "steps": {steps}}}')
    assert_user_error(invoke("backprop", "--net", str(net)), "--net", fragment)


def test_loss_sample_keeps_a_bounded_thinned_history():
    sample = LossSample(pinned={1, 7})
    n = 3 * LossSample.CAP + 5
    for k in range(n):
        sample.add(k, float(k))
    sample.last(n, float(n))
    values, steps, accuracies = sample.arrays()
    assert accuracies is None
    assert len(values) <= LossSample.CAP + 2 + 1
    assert np.array_equal(values, steps)                     # each value sits at its own step
    assert steps[0] == 0 and steps[-1] == n and {1, 7} <= set(steps.tolist())
    stride = sample.stride
    assert stride == 4 and all(k % stride == 0 for k in steps[:-1] if k not in (1, 7))


def test_short_runs_keep_every_loss():
    layers = [network.Layer(np.array([[0.5, -0.5]]), 0.0, "sigmoid")]
    r = network.train(layers, [1.0, 2.0], [1.0], "half-sse", steps=300)
    assert r.loss_history.shape == (301,) and r.loss_steps is None


def test_a_long_run_samples_its_history_and_the_samples_are_the_losses():
    layers = [network.Layer(np.array([[0.5, -0.5]]), 0.0, "sigmoid")]
    steps = 2 * LossSample.CAP + 10
    r = network.train(layers, [1.0, 2.0], [1.0], "half-sse", steps=steps)
    assert len(r.loss_history) <= LossSample.CAP + 3 and r.loss_steps[-1] == steps
    assert r.loss_history[0] == r.initial_loss and r.loss_history[-1] == r.final_loss
    k = int(r.loss_steps[len(r.loss_steps) // 2])
    assert r.loss_after(k) == network.train(layers, [1.0, 2.0], [1.0], "half-sse", steps=k).final_loss
    d = json.loads(invoke("backprop", *NET, "--steps", str(steps), "--format", "json").stdout)
    assert len(d["loss_history"]) == len(d["loss_history_steps"]) == len(r.loss_history)


def test_progress_redraws_on_time_not_on_step_count(monkeypatch):
    from nncalc.cli import netprogress
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(netprogress, "stderr_is_tty", lambda: True)
    bar = netprogress.Progress(10 ** 9)
    shown = []
    for t in (100.1, 100.6, 100.65, 100.69, 100.71, 100.75, 100.82):
        clock[0] = t
        bar(1)
        shown.append(bar.shown)
    bar.close()
    # nothing before PROGRESS_DELAY (0.5 s); then a redraw at most every 0.1 s, each showing all done
    assert shown == [0, 2, 2, 2, 5, 5, 7]


def test_check_states_and_refuses_its_forward_passes_before_training():
    args = ["backprop", "--layers", "3,4,2", "--seed", "0", "--input", "1 2 3", "--target", "0 1", "--check"]
    start = time.monotonic()
    line = assert_user_error(invoke(*args, "--steps", BILLION, "--check-limit", "51"), "--check")
    assert time.monotonic() - start < 30
    # 3·4 + 4 + 4·2 + 2 = 26 parameters, two forward passes each
    assert "needs 52 forward passes (two per parameter), over the limit of 51 (allow it with " \
           "--check-limit N)" in line
    r = invoke(*args, "--check-limit", "52")
    assert r.exit_code == 0 and "central differences (52 forward passes, two per parameter)" in r.stdout


def test_plot_library_is_checked_before_training(monkeypatch):
    monkeypatch.setitem(sys.modules, "uniplot", None)
    line = assert_user_error(invoke("backprop", *NET, "--steps", BILLION, "--plot"), "--plot")
    assert line == "Error: --plot: needs the uniplot package: pip install uniplot"


def test_accuracy_is_sampled_with_the_loss():
    sample = LossSample()
    for k in range(LossSample.CAP + 3):
        sample.add(k, float(k), k / 10)
    values, steps, accuracies = sample.arrays()
    assert len(accuracies) == len(values) and np.array_equal(accuracies * 10, steps)
