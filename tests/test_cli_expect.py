"""--expect on every command: verdicts, exit status 0/1/2, -q like cmp, JSON's check object,
and the trace rows of differing positions shown past --max-steps.

Hand-worked answers: σ(1) = 0.7310585…; the 4×4 ⋆ 3×3 cross-correlation of
Deep Learning from Scratch fig. 7-4 is [[15, 16], [6, 15]] (recomputed below
by a plain loop); 2×2 max pooling of the same input is [[2, 3], [3, 2]];
28 with a 5-kernel gives 24; half-sse of (0.7, 0.2, 0.1) against (1, 0, 0)
is ½(0.09 + 0.04 + 0.01) = 0.07 with gradient (−0.3, 0.2, 0.1).
"""
import json
import math

import pytest

X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"
K = "2 0 1; 0 1 2; 1 0 2"
CONV = ("conv", X, K)
POOL = ("pool", X, "--size", "2")
SIGMOID = ("activate", "sigmoid", "0", "1")
LOSS = ("loss", "0.7 0.2 0.1", "1 0 0", "--grad")
OUTSIZE = ("outsize", "28", "--kernel", "5")
BACKPROP = ("backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
            "--activation", "sigmoid,identity", "--input", "1", "--target", "2", "--steps", "0")
SIGMA_1 = 1 / (1 + math.exp(-1))


def plain_correlation(x, k):
    out = []
    for i in range(len(x) - len(k) + 1):
        out.append([sum(x[i + a][j + b] * k[a][b] for a in range(len(k)) for b in range(len(k)))
                    for j in range(len(x[0]) - len(k[0]) + 1)])
    return out


def rows(text):
    return [[float(v) for v in r.split()] for r in text.split(";")]


def test_the_conv_answer_used_below_is_the_plain_loop_one():
    assert plain_correlation(rows(X), rows(K)) == [[15, 16], [6, 15]]


# every command: (its arguments, a right answer, the same with one value wrong,
# a wrongly shaped answer, a keyed right answer)
CASES = {
    "activate": (SIGMOID, "0.5 0.7311", "0.5 0.7310", "0.5 0.731 1", "derivative=0.25 0.197"),
    "conv": (CONV, "15 16; 6 15", "15 16; 6 14", "15 16 1; 6 15 1", "output_shape=2 2"),
    "pool": (POOL, "2 3; 3 2", "2 3; 3 1", "2 3 3", "output_shape=2 2"),
    "outsize": (OUTSIZE, "24 24", "24 23", "24", "exact=23 23"),
    "loss": (LOSS, "0.07", "0.08", "0.07 0.1", "grad=-0.3 0.2 0.1"),
    "backprop": (BACKPROP, "1 | 1", "1 | 2", "1 1 1", "outputs=1.731"),
}


@pytest.mark.parametrize("name", CASES)
def test_every_command_exits_0_when_the_answer_matches(run, name):
    args, right, _, _, keyed = CASES[name]
    r = run(*args, "--expect", right, "--expect", keyed)
    assert r.exit_code == 0, (r.stdout, r.stderr)
    assert r.stdout.rstrip().splitlines()[-1].startswith("✓ all ")
    assert run(*args, "--expect", right, "--expect", keyed, "-q").stdout == ""


@pytest.mark.parametrize("name", CASES)
def test_every_command_exits_1_and_names_the_value_that_differs(run, name):
    args, _, wrong, _, _ = CASES[name]
    r = run(*args, "--expect", wrong)
    assert r.exit_code == 1, (r.stdout, r.stderr)
    assert r.stderr == ""
    assert "✗ 1 of " in r.stdout and " differs" in r.stdout
    q = run(*args, "--expect", wrong, "-q")
    assert q.exit_code == 1 and len(q.stdout.splitlines()) == 1
    assert q.stdout.startswith("result")


@pytest.mark.parametrize("name", CASES)
def test_every_command_exits_1_on_a_wrong_shape_and_says_both_shapes(run, name):
    args, _, _, shaped, _ = CASES[name]
    r = run(*args, "--expect", shaped)
    assert r.exit_code == 1
    assert "✗ result: expected " in r.stdout and ", got " in r.stdout


@pytest.mark.parametrize("name", CASES)
def test_every_command_adds_a_check_object_to_json(run, name):
    args, _, wrong, _, keyed = CASES[name]
    r = run(*args, "--expect", wrong, "--expect", keyed, "--format", "json")
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert data["check"]["ok"] is False and data["check"]["differ"] == 1
    assert [k["key"] for k in data["check"]["keys"]] == ["result", keyed.split("=")[0]]
    assert "result" in data


def test_the_mismatch_table_for_conv_uses_the_trace_position_and_shows_its_row(run):
    r = run(*CONV, "--expect", "15 16; 6 14", "--max-steps", "1")
    assert r.exit_code == 1
    lines = r.stdout.splitlines()
    # the trace shows step (0, 0, 0), a gap, then the row of (0, 1, 1) that --max-steps hid
    trace = [ln for ln in lines if ln.startswith("(0, ")]
    assert [ln.split()[:3] for ln in trace][:2] == [["(0,", "0,", "0)"], ["(0,", "1,", "1)"]]
    assert any(ln.split() and set(ln.split()) == {"…"} for ln in lines)
    assert "(showing the first 1 and 1 that differs; raise --max-steps to see more)" in r.stdout
    verdict = lines[lines.index("✗ 1 of 4 values differs (to the digits you wrote)"):]
    assert verdict[1].split() == ["position", "expected", "got", "difference", "allowed"]
    assert verdict[3].split() == ["(0,", "1,", "1)", "14", "15", "+1", "exact"]


def test_activate_shows_the_hidden_row_of_a_wrong_value(run):
    values = [str(v) for v in range(10)]
    r = run("activate", "sigmoid", *values, "--max-steps", "2", "--expect",
            "0.5 0.731 0.881 0.953 0.982 0.993 0.998 0.99 1.000 1.000")
    assert r.exit_code == 1
    table = r.stdout.split("\n\n")[1].splitlines()
    assert [ln.split()[0] for ln in table[2:]] == ["0", "1", "…", "7", "…"]
    assert "7                 0.99  0.9990889488055994      +0.00909     ±0.005" in r.stdout


def test_pool_shows_the_hidden_window_of_a_wrong_value(run):
    r = run(*POOL, "--expect", "2 3; 3 1", "--max-steps", "0")
    assert r.exit_code == 1
    assert "(1, 1)    1 2; 0 1      2  (2, 3)" in r.stdout
    assert "(showing 1 that differs; raise --max-steps to see more)" in r.stdout


def test_conv_channels_last_points_at_the_row_of_the_right_filter(run):
    x = "1 2; 3 4"
    # two 1×1 filters (1 and 2) over a 2×2×1 input; channels last the result is 2×2×2
    args = ("conv", "1; 2 | 3; 4", "1;", "2;", "--channels-last")
    wrong = "1 2; 2 5 | 3 6; 4 8"        # at (i, j, f) = (0, 1, 1): 2·2 = 4, not 5
    assert run(*args, "-q", "--expect", wrong).stdout == "result[0,1,1]: expected 5, got 4\n"
    r = run(*args, "--max-steps", "0", "--expect", wrong)
    assert r.exit_code == 1
    # the trace counts (f, i, j): the row of filter 1, row 0, column 1, named so in the verdict too
    shown = [ln.split()[:3] for ln in r.stdout.splitlines() if ln.startswith("(")]
    assert shown == [["(f,", "i,", "j)"], ["(1,", "0,", "1)"], ["(1,", "0,", "1)"]]


def test_a_wrong_shape_repeats_the_size_formula_with_the_numbers(run):
    r = run(*CONV, "--expect", "15 16 1; 6 15 1")
    assert "✗ result: expected 2×3, got 2×2" in r.stdout
    tail = r.stdout[r.stdout.index("✗ result"):]
    assert "Size formula:" in tail and "⌊(4 + 2·0 − 1·(3−1) − 1) / 1⌋ + 1" in tail
    r = run(*OUTSIZE, "--expect", "24 23")
    assert "= ⌊(28 + 2·0 − 1·(5−1) − 1) / 1⌋ + 1" in r.stdout[r.stdout.index("✗"):]
    r = run(*POOL, "--expect", "output_shape=3 3")
    assert "Size formula:" in r.stdout[r.stdout.index("✗"):]


def test_q_prints_one_line_per_differing_value_like_cmp(run):
    r = run(*CONV, "--expect", "15 17; 6 14", "-q")
    assert (r.exit_code, r.stdout) == (1, "result[0,1]: expected 17, got 16\n"
                                          "result[1,1]: expected 14, got 15\n")
    r = run(*SIGMOID, "--expect", "derivative=0.25 0.196", "-q")
    assert r.stdout == "derivative[1]: expected 0.196, got 0.19661193324148185\n"
    r = run(*CONV, "--expect", "15 16", "-q")
    assert r.stdout == "result: expected a vector of 2, got 2×2\n"
    r = run(*LOSS, "--expect", "0.08", "-q")
    assert r.stdout == "result: expected 0.08, got 0.07000000000000002\n"


def test_quiet_json_prints_only_the_check(run):
    r = run(*CONV, "--expect", "15 16; 6 14", "-q", "--format", "json")
    assert r.exit_code == 1
    check = json.loads(r.stdout)
    assert (check["ok"], check["checked"], check["differ"]) == (False, 4, 1)
    assert check["mismatches"] == [{"key": "result", "position": [1, 1], "expected": 14, "written": "14",
                                    "got": 15, "difference": 1, "allowed": pytest.approx(14e-9)}]


def test_csv_and_npy_keep_their_data_and_say_what_differs_on_stderr(run, tmp_path):
    r = run(*CONV, "--expect", "15 16; 6 14", "--format", "csv")
    assert (r.exit_code, r.stdout, r.stderr) == (1, "15,16\n6,15\n", "result[1,1]: expected 14, got 15\n")
    r = run(*CONV, "--expect", "15 16; 6 15", "--format", "npy")
    assert (r.exit_code, r.stderr) == (0, "")


@pytest.mark.parametrize("written, status", [
    ("0.7311", 0), ("0.731", 0), ("0.7310", 1), ("7.3e-1", 0), ("7.31e-1", 0), ("7.310e-1", 1),
])
def test_the_sigma_of_one_examples(run, written, status):
    assert run("activate", "sigmoid", "1", "--expect", written, "-q").exit_code == status


def test_the_verdict_says_which_rule_was_used(run):
    assert "✓ all 2 values match (to the digits you wrote)" in run(*SIGMOID, "--expect", "0.5 0.73").stdout
    r = run(*SIGMOID, "--expect", "0.5 0.7", "--tol", "0.05")
    assert "✓ all 2 values match (within ±0.05)" in r.stdout
    r = run(*SIGMOID, "--expect", "0.5 0.7", "--rtol", "0.01")
    assert r.exit_code == 1 and "(within 0.01·|expected|)" in r.stdout
    assert r.stdout.splitlines()[-1].split() == ["1", "0.7", "0.7310585786300049", "+0.0311", "±0.007"]


def test_expected_values_from_files_and_stdin(run, tmp_path):
    (tmp_path / "a.txt").write_text("15 16\n6 15\n")
    (tmp_path / "a.json").write_text("[[15, 16], [6, 14]]")
    assert run(*CONV, "--expect", f"@{tmp_path / 'a.txt'}", "-q").exit_code == 0
    assert run(*CONV, "--expect", f"@{tmp_path / 'a.json'}", "-q").stdout == \
        "result[1,1]: expected 14, got 15\n"
    assert run(*CONV, "--expect", "-", "-q", input="15 16\n6 15\n").exit_code == 0


def test_npy_values_compare_to_relative_1e9(run, tmp_path):
    import numpy as np
    np.save(tmp_path / "s.npy", np.array([0.5, 0.7310585786]))
    r = run(*SIGMOID, "--expect", f"@{tmp_path / 's.npy'}")
    assert r.exit_code == 0          # 0.7310585786 is 3e-11 off, within 1e-9 · 0.73
    np.save(tmp_path / "s.npy", np.array([0.5, 0.7310585]))
    r = run(*SIGMOID, "--expect", f"@{tmp_path / 's.npy'}")
    assert r.exit_code == 1 and "(to relative 1e-9: no written digits to go by)" in r.stdout


def test_infinity_and_negative_values(run):
    assert run("activate", "relu", "-1", "inf", "--expect", "0 inf", "-q").exit_code == 0
    assert run("activate", "identity", "-1", "-2", "--expect", "-1 -2", "-q").exit_code == 0
    assert run("activate", "identity", "-1", "-2", "--expect=-1,-3", "-q").stdout == \
        "result[1]: expected -3, got -2\n"


@pytest.mark.parametrize("args, fragments", [
    (CONV + ("--expect", "nope=1"), ("--expect", "unknown key 'nope'", "output_shape", "result")),
    (CONV + ("--expect", "output-shape=2 2"), ("--expect", "unknown key 'output-shape'", "output_shape")),
    (CONV + ("--expect", "steps=1"), ("--expect", "'steps' is a list")),
    (CONV + ("--expect", "operation=1"), ("--expect", "the text 'cross-correlation'")),
    (CONV + ("--expect", "1 x"), ("--expect", "'x' is not a number")),
    (CONV + ("--expect", "result="), ("--expect", "no value after '='")),
    (CONV + ("--tol", "0.1"), ("--tol", "add --expect")),
    (CONV + ("--expect", "1", "--tol", "-1"), ("--tol", "0 or more")),
    (CONV + ("--expect", "@/nonexistent/a.txt"), ("--expect", "cannot read")),
    (("activate", "--list", "--expect", "1"), ("--expect",)),
])
def test_bad_input_is_one_line_and_exit_2(run, user_error, args, fragments):
    user_error(run(*args), *fragments)


def test_a_position_past_the_traced_steps_is_still_reported(run):
    from nncalc.cli.options import EXPECT_TRACE_STEPS
    n = 101                                    # 101×101 = 10,201 outputs of a 1×1 kernel
    assert n * n > EXPECT_TRACE_STEPS
    x = "; ".join(" ".join("1" for _ in range(n)) for _ in range(n))
    want = [["1"] * n for _ in range(n)]
    want[0][1] = want[n - 1][n - 1] = "2"
    r = run("conv", x, "1;", "--expect", "; ".join(" ".join(row) for row in want))
    assert r.exit_code == 1
    table = r.stdout[r.stdout.index("✗ 2 of 10,201 values differ"):].splitlines()
    assert table[3].split() == ["(0,", "0,", "1)", "2", "1", "-1", "exact"]
    assert table[4].split() == ["(100,", "100)", "*", "2", "1", "-1", "exact"]
    assert table[5:] == ["", "* past the first 10,000 steps a check traces: no trace row to show"]


def test_the_verdict_table_takes_the_table_style(run):
    r = run(*CONV, "--expect", "15 16; 6 14", "--format", "github")
    assert r.exit_code == 1
    assert "| (0, 1, 1)  |         14 |    15 |           +1 |     exact |" in r.stdout


def test_json_check_names_both_shapes(run):
    r = run(*CONV, "--expect", "15 16 1; 6 15 1", "--expect", "output_shape=2 2", "--format", "json")
    keys = json.loads(r.stdout)["check"]["keys"]
    assert keys == [
        {"key": "result", "checked": 0, "expected_shape": [2, 3], "got_shape": [2, 2], "shape_ok": False,
         "rule": None},
        {"key": "output_shape", "checked": 2, "expected_shape": [2], "got_shape": [2], "shape_ok": True,
         "rule": "digits"}]
    r = run(*CONV, "--expect", "15 16 1; 6 15 1", "--expect", "output_shape=2 2")
    assert "✓ the other 2 values match (to the digits you wrote)" in r.stdout


def test_backprop_json_keeps_every_layer_as_its_result_when_checked(run):
    args = ("backprop", "--weights", "0.1 0.2; 0.3 0.4; 0.5 0.6", "--weights", "1 2 3", "--input", "1 2",
            "--target", "1", "--steps", "1", "--format", "json")
    plain = json.loads(run(*args).stdout)
    r = run(*args, "--expect", "initial_loss=0.1")
    checked = json.loads(r.stdout)
    assert checked["result"] == plain["result"] and len(plain["result"]) == 2
    assert checked["check"]["ok"] is (r.exit_code == 0)
    user_line = run(*args, "--expect", "result=1").stderr
    assert "'result' is a list of 2 values of different shapes; add an index: result.0 … result.1" in user_line
