"""`nncalc check EXPECTED ACTUAL`, and --select KEY read back through '-' like any -q output.

Hand-worked values: 2×2 max pooling of [[1, 2], [3, 4]] routes an upstream
gradient of 1 to the 4 (grad_input [[0, 0], [0, 1]]); a 2×2 kernel K on a 2×2 X
has one output, so with DY = 1 ∂E/∂X = K and ∂E/∂K = X; σ'(0) = 1/4 and
σ'(1) = σ(1)(1 − σ(1)) = 0.1966119…; the half-sse gradient of (0.7, 0.2, 0.1)
against (1, 0, 0) is o − t = (−0.3, 0.2, 0.1); LeNet's first conv 6@5×5 on 1×32×32
has (5·5·1 + 1)·6 = 156 parameters and pooling none.
"""
import io
import json
import math

import numpy as np
import pytest

SIGMA_1 = 1 / (1 + math.exp(-1))


# ------------------------------------------------------------------ check

def test_check_matches_to_the_digits_of_expected(run):
    r = run("check", "0.731 0.8808", f"{SIGMA_1!r} {1 / (1 + math.exp(-2))!r}")
    assert r.exit_code == 0
    assert r.stdout.splitlines()[-1] == "✓ all 2 values match (to the digits you wrote)"


def test_check_reports_the_differing_value(run):
    r = run("check", "1 2; 3 5", "1 2; 3 4")
    assert r.exit_code == 1
    assert r.stdout.splitlines()[2] == "✗ 1 of 4 values differs (to the digits you wrote)"
    assert r.stdout.splitlines()[-1].split() == ["(1,", "1)", "5", "4", "-1", "exact"]
    assert run("check", "1 2; 3 5", "1 2; 3 4", "-q").stdout == "result[1,1]: expected 5, got 4\n"


def test_check_reads_files_of_every_kind(run, tmp_path):
    (tmp_path / "student.txt").write_text("0.5 0.731\n")
    (tmp_path / "excel.csv").write_bytes(b"\xef\xbb\xbf0.5,0.73\r\n")
    (tmp_path / "ref.json").write_text(json.dumps([0.5, SIGMA_1]))
    np.save(tmp_path / "ref.npy", np.array([0.5, SIGMA_1]))
    for expected in ("student.txt", "excel.csv"):
        for actual in ("ref.json", "ref.npy"):
            r = run("check", f"@{tmp_path / expected}", f"@{tmp_path / actual}", "-q")
            assert (r.exit_code, r.stdout, r.stderr) == (0, "", "")
    # npy on the expected side has no written digits: relative 1e-9
    r = run("check", f"@{tmp_path / 'ref.npy'}", "0.5 0.731", "-q")
    assert r.exit_code == 1 and r.stdout == f"result[1]: expected {SIGMA_1!r}, got 0.731\n"


def test_check_reads_either_side_from_stdin(run):
    assert run("check", "15 16; 6 15", "-", "-q", input="15 16\n6 15\n").exit_code == 0
    r = run("check", "-", "15 16; 6 15", "-q", input="15 16\n6 14\n")
    assert (r.exit_code, r.stdout) == (1, "result[1,1]: expected 14, got 15\n")


def test_check_takes_the_output_of_another_command(run):
    q = run("conv", "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1", "2 0 1; 0 1 2; 1 0 2", "-q").stdout
    assert run("check", "15 16; 6 15", "-", input=q).exit_code == 0
    full = run("conv", "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1", "2 0 1; 0 1 2; 1 0 2",
               "--format", "json").stdout
    assert run("check", "15 16; 6 15", "-", input=full).exit_code == 0


def test_check_shape_tolerance_and_json(run):
    r = run("check", "1 2 3", "1 2; 3 4")
    assert r.exit_code == 1 and "✗ result: expected a vector of 3, got 2×2" in r.stdout
    assert run("check", "0.7", "0.73", "--tol", "0.05", "-q").exit_code == 0
    assert run("check", "100", "109", "--rtol", "0.1", "-q").exit_code == 0
    out = json.loads(run("check", "1 2", "1 3", "--format", "json").stdout)
    assert out["check"]["mismatches"][0]["position"] == [1] and out["expected"] == [1, 2]


@pytest.mark.parametrize("args, fragments", [
    (("check", "-", "-"), ("ACTUAL", "only once")),
    (("check", "1 2", "x"), ("ACTUAL", "'x' is not a number")),
    (("check", "1 y", "1 2"), ("EXPECTED", "'y' is not a number")),
    (("check", "1 2", "1 2", "--tol", "-0.1"), ("--tol", "0 or more")),
    (("check", "1 2", "1 2", "--expect", "1"), ("--expect",)),
])
def test_check_bad_input_exits_2(run, user_error, args, fragments):
    user_error(run(*args, input="1 2\n"), *fragments)


# ------------------------------------------------------------------ --select

def read_back(run, text):
    """What '-' makes of a -q output: run it through identity and take the JSON result."""
    r = run("activate", "identity", "-", "-q", "--format", "json", input=text)
    assert r.exit_code == 0, r.stderr
    return np.array(json.loads(r.stdout), dtype=float)


@pytest.mark.parametrize("args, key, hand", [
    (("pool", "1 2; 3 4", "--size", "2", "--backward", "1"), "grad_input", [[0, 0], [0, 1]]),
    (("conv", "1 2; 3 4", "1 0; 0 1", "--backward", "1"), "grad_input", [[1, 0], [0, 1]]),
    (("conv", "1 2; 3 4", "1 0; 0 1", "--backward", "1"), "grad_kernel", [[1, 2], [3, 4]]),
    (("activate", "sigmoid", "0", "1"), "derivative", [0.25, SIGMA_1 * (1 - SIGMA_1)]),
    (("loss", "0.7 0.2 0.1", "1 0 0", "--grad"), "grad", [-0.3, 0.2, 0.1]),
    (("backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
      "--activation", "sigmoid,identity", "--input", "1", "--target", "2", "--steps", "0"),
     "outputs", [SIGMA_1 + 1]),
    (("outsize", "1x32x32", "conv:6,5", "pool:2"), "total_params", [156]),
    (("outsize", "1x32x32", "conv:6,5", "pool:2"), "layers.1.params", [0]),
])
def test_a_selected_value_reads_back_through_stdin(run, args, key, hand):
    full = json.loads(run(*args, "--format", "json").stdout)
    q = run(*args, "-q", "--select", key)
    assert q.exit_code == 0 and q.stderr == ""
    back = read_back(run, q.stdout)
    node = full
    for part in key.split("."):
        node = node[int(part)] if isinstance(node, list) else node[part]
    assert back.ravel().tolist() == np.ravel(node).tolist()           # bit for bit
    np.testing.assert_allclose(back.ravel(), np.ravel(hand), rtol=1e-12, atol=1e-15)


def test_select_without_q_prints_the_value_alone(run):
    assert run("outsize", "1x32x32", "conv:6,5", "pool:2", "--select", "total_params").stdout == "156\n"
    r = run("pool", "1 2; 3 4", "--size", "2", "--backward", "1", "--select", "grad_input")
    assert r.stdout == "0 0\n0 1\n"


def test_select_in_every_machine_format(run, tmp_path):
    args = ("pool", "1 2; 3 4", "--size", "2", "--backward", "1", "--select", "grad_input")
    assert run(*args, "--format", "csv").stdout == "0,0\n0,1\n"
    assert run(*args, "--format", "tsv").stdout == "0\t0\n0\t1\n"
    assert json.loads(run(*args, "--format", "json").stdout) == [[0, 0], [0, 1]]
    data = run(*args, "--format", "npy").stdout_bytes
    assert np.load(io.BytesIO(data), allow_pickle=False).tolist() == [[0, 0], [0, 1]]


def test_select_and_expect_together(run):
    args = ("pool", "1 2; 3 4", "--size", "2", "--backward", "1")
    r = run(*args, "--select", "grad_input", "--expect", "grad_input=0 0; 0 2")
    assert (r.exit_code, r.stdout) == (1, "grad_input[1,1]: expected 2, got 1\n")


@pytest.mark.parametrize("key, fragments", [
    ("nope", ("--select", "unknown key 'nope'", "grad_input", "steps_total", "result")),
    ("mode", ("--select", "the text 'max'")),
    ("sizes", ("--select", "holds several values", "sizes.h")),
    ("sizes.h.nope", ("--select", "unknown key 'sizes.h.nope' in 'sizes.h'")),
    ("steps.9", ("--select", "follow it with an index 0 to 0")),
    ("steps", ("--select", "'steps' is a list of 1 objects", "steps.0.window")),
    ("steps.0.x", ("--select", "in 'steps.0'; the keys are: position, window, value, winner")),
    ("", ("--select", "needs a key")),
])
def test_select_of_an_unknown_key_lists_the_keys(run, user_error, key, fragments):
    user_error(run("pool", "1 2; 3 4", "--size", "2", "--backward", "1", "--select", key), *fragments)
