"""`nncalc activate`: what the user sees for each function, option and output format."""
import json
import math
import sys

import numpy as np
import pytest

from nncalc.core import activations as A

ALL = A.names()


def quiet(run, *args):
    result = run("activate", *args, "-q")
    assert result.exit_code == 0, result.stderr
    return result.stdout


# ----------------------------------------------------------- results by hand

@pytest.mark.parametrize("args, expected", [
    (["relu", "-1", "0", "2"], "0 0 2\n"),
    (["relu", "-inf", "-1e-3"], "0 0\n"),
    (["relu", "1 -2; -3 4"], "1 0\n0 4\n"),
    (["step", "-1", "0", "1"], "0 0 1\n"),
    (["identity", "--slope", "2", "1.5", "-3"], "3 -6\n"),
    (["linear", "7"], "7\n"),
    (["leaky-relu", "-10", "0", "10"], "-0.1 0 10\n"),
    (["leaky-relu", "--alpha", "0.5", "-4"], "-2\n"),
    (["elu", "-inf", "0", "2"], "-1 0 2\n"),
    (["elu", "--alpha", "2", "-inf"], "-2\n"),
    (["sigmoid", "0"], "0.5\n"),
    (["sigmoid", "1"], "0.7310585786300049\n"),
    (["sigmoid", "1000", "-1000"], "1 0\n"),
    (["tanh", "1e6"], "1\n"),
    (["tanh", "-1.5e-3 -inf 2"], f"{math.tanh(-1.5e-3)!r} -1 {math.tanh(2)!r}\n"),
    (["softmax", "0 0; 5 5"], "0.5 0.5\n0.5 0.5\n"),
    (["softmax", "1000", "1001"], f"{1 / (1 + math.e)!r} {math.e / (1 + math.e)!r}\n"),
    (["swish", "0"], "0\n"),
    (["gelu", "0"], "0\n"),
    (["softplus", "0"], f"{math.log(2)!r}\n"),
    (["log-softmax", "0", "0"], f"{-math.log(2)!r} {-math.log(2)!r}\n"),
])
def test_quiet_results(run, args, expected):
    assert quiet(run, *args) == expected


def test_channels_in_channels_out(run):
    # 2×2×2: channels separated by a blank line, each read back by the grammar
    assert quiet(run, "relu", "1 -2;3 4 | -5 6;7 -8") == "1 0\n3 4\n\n0 6\n7 0\n"


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("text, shape", [("0.5", (1,)), ("1 -2 3", (3,)), ("1 2; 3 -4; 0 1", (3, 2)),
                                         ("1 2;3 4 | 5 6;7 8", (2, 2, 2)),
                                         ("[[[[1, 2]], [[3, 4]]]]", (1, 2, 1, 2))])
def test_any_shape_in_same_shape_out(run, name, text, shape):
    r = run("activate", name, text, "--format", "json")
    assert r.exit_code == 0, r.stderr
    data = json.loads(r.stdout)
    for key in ("input", "result", "derivative"):
        assert np.shape(data[key]) == shape, key


# ----------------------------------------------------------------- JSON

def test_json_object(run):
    r = run("activate", "sigmoid", "-1", "0", "1", "--format", "json")
    assert r.exit_code == 0
    data = json.loads(r.stdout)
    assert set(data) == {"function", "input", "result", "derivative"}
    assert data["function"] == "sigmoid"
    assert data["input"] == [-1, 0, 1]                       # integers stay integers
    assert data["result"][1] == 0.5 and data["result"][2] == 0.7310585786300049
    assert data["derivative"] == [0.19661193324148185, 0.25, 0.19661193324148185]
    assert r.stdout.count("\n") == 1


def test_json_with_params_and_jacobian(run):
    data = json.loads(run("activate", "softmax", "0", "0", "--jacobian", "--format", "json").stdout)
    assert data["jacobian"] == [[0.25, -0.25], [-0.25, 0.25]]
    assert data["result"] == [0.5, 0.5]
    data = json.loads(run("activate", "leaky-relu", "--alpha", "0.2", "-1", "--format", "json").stdout)
    assert data["params"] == {"alpha": 0.2}
    assert data["result"] == [-0.2] and data["derivative"] == [0.2]


def test_quiet_json_is_a_bare_array(run):
    assert quiet(run, "relu", "1 -2; -3 4", "--format", "json") == "[[1, 0], [0, 4]]\n"


def test_json_infinities(run):
    r = run("activate", "relu", "-inf", "inf", "--format", "json", "-q")
    assert r.stdout == "[0.0, Infinity]\n"


# -------------------------------------------------------- the step tables

def test_sigmoid_table(run, golden):
    r = run("activate", "sigmoid", "-2", "-1", "0", "1", "2")
    assert r.exit_code == 0 and r.stderr == ""
    assert "0.7311" in r.stdout and "0.1966" in r.stdout
    golden("activate_sigmoid_vector.txt", r.stdout)


def test_softmax_jacobian_table(run, golden):
    r = run("activate", "softmax", "1 2 3; 0 0 0", "--jacobian")
    assert r.exit_code == 0 and r.stderr == ""
    assert "Jacobian" in r.stdout and "row 1" in r.stdout
    golden("activate_softmax_2x3_jacobian.txt", r.stdout)


def test_relu_matrix_table(run, golden):
    r = run("activate", "relu", "1 -2.5; -3 4; 0 0.25")
    assert r.exit_code == 0 and r.stderr == ""
    assert "(0, 1)" in r.stdout                     # matrix positions label the rows
    golden("activate_relu_matrix.txt", r.stdout)


def test_list_table(run, golden):
    r = run("activate", "--list")
    assert r.exit_code == 0
    for name in ALL:
        assert name in r.stdout
    golden("activate_list.txt", r.stdout)


def test_list_json_and_quiet(run):
    data = json.loads(run("activate", "--list", "--format", "json").stdout)
    assert [f["name"] for f in data["functions"]] == ALL
    by_name = {f["name"]: f for f in data["functions"]}
    assert by_name["leaky-relu"]["params"] == {"alpha": 0.01}
    assert by_name["elu"]["params"] == {"alpha": 1.0}
    assert "linear" in by_name["identity"]["aliases"] and "swish" in by_name["silu"]["aliases"]
    assert run("activate", "--list", "-q").stdout.split() == ALL


def test_integers_print_as_integers(run):
    out = run("activate", "relu", "19", "-3").stdout
    assert "19" in out and "19.0000" not in out


def test_minus_zero_prints_as_zero(run):
    assert quiet(run, "identity", "-0.0") == "0\n"
    assert quiet(run, "identity", "--slope", "-1", "0") == "0\n"
    assert quiet(run, "relu", "-0.0", "--format", "json") == "[0]\n"
    for args in (["identity", "--slope", "-1", "0", "2"], ["relu", "-0.0", "-1"], ["tanh", "-0.0"]):
        out = run("activate", *args).stdout
        assert " -0 " not in out and not any(line.split()[-1:] == ["-0"] for line in out.splitlines())


@pytest.mark.parametrize("digits, expected", [("0", "1"), ("2", "0.73"), ("6", "0.731059")])
def test_digits(run, digits, expected):
    out = run("activate", "sigmoid", "1", "--digits", digits).stdout
    assert expected in out.splitlines()[-1]


def test_digits_round_quiet_output(run):
    assert quiet(run, "sigmoid", "1", "--digits", "3") == "0.731\n"


def test_max_steps(run):
    r = run("activate", "relu", *map(str, range(10)), "--max-steps", "3")
    assert "7 more rows not shown (showing 3 of 10" in r.stdout
    r = run("activate", "relu", *map(str, range(10)))
    assert "not shown" not in r.stdout


def test_big_matrix_is_summarized_unless_full(run):
    text = ";".join(" ".join(str(20 * i + j) for j in range(20)) for i in range(20))
    out = run("activate", "relu", text, "--max-steps", "0").stdout
    assert "…" in out and "⋮" in out and "212" not in out.split("Result")[1]
    full = run("activate", "relu", text, "--max-steps", "0", "--full").stdout
    assert "…" not in full.split("Result")[1] and "212" in full
    q = quiet(run, "relu", text)
    assert "…" not in q and len(q.split()) == 400


@pytest.mark.parametrize("fmt", ["csv", "json", "tsv"])
def test_machine_formats_carry_every_value(run, fmt):
    values = [str(v) for v in range(30)]
    r = run("activate", "identity", " ".join(values) + ";" + " ".join(values), "--format", fmt, "-q")
    assert r.stdout.count("29") == 2 and "…" not in r.stdout


@pytest.mark.parametrize("fmt, header_row", [
    ("github", "| i   |   x |   h(x) |   h'(x) |\n|-----|-----|--------|---------|\n"),
    ("grid", "| i   |   x |   h(x) |   h'(x) |\n+=====+=====+========+=========+\n"),
    ("pipe", "| i   |   x |   h(x) |   h'(x) |\n|:----|----:|-------:|--------:|\n"),
    ("psql", "| i   |   x |   h(x) |   h'(x) |\n|-----+-----+--------+---------|\n"),
    ("simple", "i      x    h(x)    h'(x)\n---  ---  ------  -------\n"),
])
def test_tabulate_styles(run, fmt, header_row):
    r = run("activate", "relu", "1", "-2", "--format", fmt)
    assert r.exit_code == 0, r.stderr
    assert header_row in r.stdout                     # the step table in that style, not a fallback


def test_github_style_is_a_valid_markdown_table(run):
    out = run("activate", "relu", "1 2; 3 4", "--format", "github", "-q").stdout
    lines = out.strip().splitlines()
    assert lines[0].startswith("|") and set(lines[1]) <= set("|-: ")


def test_no_colour_with_no_color(run):
    r = run("activate", "sigmoid", "1", env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout
    r = run("activate", "sigmoid", "1", "--plot", env={"NO_COLOR": "1"})
    assert "\x1b[" not in r.stdout


# ---------------------------------------------------------------- --plot

def plot_of(stdout):
    """The plot's lines (title to legend): everything after the result's blank line."""
    return stdout.split("\n\n")[-1].rstrip("\n").splitlines()


def test_plot(run):
    pytest.importorskip("uniplot")
    r = run("activate", "tanh", "-1", "0.5", "--plot")
    assert r.exit_code == 0, r.stderr
    title, top, *body, bottom, axis, legend = plot_of(r.stdout)
    assert title.strip() == "tanh" and top == "┌" + "─" * 60 + "┐" and bottom == "└" + "─" * 60 + "┘"
    assert axis.split() == ["-5", "0", "5"]                         # the default --range -5:5
    assert legend.split() == ["..", "h(x)", "::", "h'(x)", "OO", "given", "x"]
    assert sum(line.count("O") for line in body) == 2                # the two given points


def test_plot_softmax(run):
    pytest.importorskip("uniplot")
    r = run("activate", "softmax", "1", "2", "--plot", "--range", "-3:3")
    assert r.exit_code == 0, r.stderr
    title, top, *body, bottom, axis, legend = plot_of(r.stdout)
    assert title.strip() == "softmax of (x, 0), first component"     # not a curve of x alone
    assert axis.split() == ["-3", "-2", "-1", "0", "1", "2", "3"]
    assert legend.split() == ["..", "h(x)", "::", "h'(x)"]           # no "given x": not elementwise
    assert not any("O" in line for line in body)


@pytest.mark.parametrize("args", [
    ["activate", "tanh", "1", "--plot"],
    ["backprop", "--weights", "1", "--input", "1", "--target", "2", "--steps", "2", "--plot"],
])
def test_plot_without_uniplot_is_one_clean_line(run, user_error, monkeypatch, args):
    # render.plot is the one import of uniplot, for every command that draws
    monkeypatch.setitem(sys.modules, "uniplot", None)      # `import uniplot` now raises ImportError
    line = user_error(run(*args), "--plot")
    assert line == "Error: --plot: needs the uniplot package: pip install uniplot"


@pytest.mark.parametrize("extra", [["-q"], ["--format", "json"], ["--format", "csv"]])
def test_plot_refused_without_text(run, user_error, extra):
    user_error(run("activate", "tanh", "1", "--plot", *extra), "--plot")


@pytest.mark.parametrize("rng", ["5:-5", "a:b", "1", "-inf:0", "0:nan"])
def test_plot_bad_range(run, user_error, rng):
    pytest.importorskip("uniplot")
    user_error(run("activate", "tanh", "1", "--plot", "--range", rng), "--range")


# ------------------------------------------------------- options refused

@pytest.mark.parametrize("args, names", [
    (["relu", "--alpha", "0.1", "1"], ["--alpha", "relu"]),
    (["sigmoid", "--alpha", "0.1", "1"], ["--alpha"]),
    (["relu", "--slope", "2", "1"], ["--slope"]),
    (["sigmoid", "--jacobian", "1"], ["--jacobian", "element-wise"]),
    (["leaky-relu", "--alpha", "nan", "1"], ["--alpha", "nan"]),
    (["leaky-relu", "--alpha", "inf", "1"], ["--alpha"]),
    (["sigmod", "1"], ["FUNCTION", "did you mean 'sigmoid'"]),
    (["relux", "1"], ["FUNCTION", "did you mean 'relu'"]),
    (["sigmoid"], ["VALUES"]),
    (["--list", "relu"], ["--list"]),
    (["softmax", "inf", "0"], ["VALUES", "+inf"]),
    (["softmax", "-inf", "-inf"], ["VALUES", "all -inf"]),
])
def test_refused(run, user_error, args, names):
    user_error(run("activate", *args), *names)


def test_missing_function(run, user_error):
    user_error(run("activate"), "FUNCTION")
