"""Matrix arguments through the CLI (inline, files, stdin), output round trips and the error policy."""
import io
import json
import os
import pickle

import click.testing
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from hypothesis.extra import numpy as hnp

from conftest import assert_user_error, file_hash, invoke


def npy_bytes(arr, **kwargs):
    buf = io.BytesIO()
    np.save(buf, arr, **kwargs)
    return buf.getvalue()


def result_of(run, *args, input=None):
    """The -q --format json result of `activate identity ARGS`, as an array."""
    r = run("activate", "identity", *args, "-q", "--format", "json", input=input)
    assert r.exit_code == 0, r.stderr
    return np.array(json.loads(r.stdout), dtype=np.float64)


# ------------------------------------------------------- negative numbers

@pytest.mark.parametrize("args, expected", [
    (["relu", "-1", "0", "2"], "0 0 2\n"),
    (["tanh", "-1.5e-3 -inf 2"], None),
    (["relu", "-inf", "-1e-3"], "0 0\n"),
    (["relu", "-1"], "0\n"),
    (["identity", "-.5", "-5.", "-1E3", "-Infinity"], "-0.5 -5 -1000 -inf\n"),
    (["leaky-relu", "--alpha", "0.1", "--", "-3", "0", "3"], "-0.30000000000000004 0 3\n"),
])
def test_negative_numbers_need_no_double_dash(run, args, expected):
    r = run("activate", "-q", *args)
    assert r.exit_code == 0, r.stderr
    if expected is not None:
        assert r.stdout == expected
    else:
        assert r.stdout.split()[1] == "-1"


def test_options_after_negative_values(run):
    assert run("activate", "relu", "-1", "2", "-q").stdout == "0 2\n"
    assert run("activate", "relu", "-q", "-1", "2").stdout == "0 2\n"


# ------------------------------------------------------------ inline forms

@pytest.mark.parametrize("text, expected", [
    ("1 2; 3 4", [[1, 2], [3, 4]]),
    ("1,2;3,4", [[1, 2], [3, 4]]),
    ("[-1 2; 3 -4]", [[-1, 2], [3, -4]]),
    ("1 2;3 4 | 5 6;7 8", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ('{"result": [1, -2]}', [1, -2]),
])
def test_inline_forms(run, text, expected):
    np.testing.assert_array_equal(result_of(run, text), expected)


# ----------------------------------------------------------------- files

@pytest.mark.parametrize("name, content, expected", [
    ("m.csv", "1,2\n3,4\n", [[1, 2], [3, 4]]),
    ("m.tsv", "1\t2\n3\t4\n", [[1, 2], [3, 4]]),
    ("m.txt", "1 2\n3 4\n\n5 6\n7 8\n", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("m.txt", "  1   -2  \n", [1, -2]),
    ("m.json", "[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("m.json", '{"function": "relu", "result": [[1.5]]}', [[1.5]]),
    ("M.CSV", "1,2\r\n3,4\r\n", [[1, 2], [3, 4]]),
])
def test_text_files(run, tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_text(content)
    before = file_hash(path)
    np.testing.assert_array_equal(result_of(run, f"@{path}"), expected)
    assert file_hash(path) == before                 # input files are never changed


def test_npy_file(run, tmp_path):
    arr = np.arange(12, dtype=np.float32).reshape(3, 4) - 5.5
    path = tmp_path / "m.npy"
    np.save(path, arr)
    before = file_hash(path)
    np.testing.assert_array_equal(result_of(run, f"@{path}"), arr.astype(np.float64))
    assert file_hash(path) == before


# ----------------------------------------------------------------- stdin

@pytest.mark.parametrize("data, expected", [
    ("1 2\n3 4\n", [[1, 2], [3, 4]]),
    ("1,2\n3,4\n", [[1, 2], [3, 4]]),
    ("1\t2\n", [1, 2]),
    ("[[1, 2], [3, 4]]\n", [[1, 2], [3, 4]]),
    ('{"function": "relu", "input": [1], "result": [7, 8]}\n', [7, 8]),
    (npy_bytes(np.array([[1.5, -2.0]])), [[1.5, -2.0]]),
])
def test_stdin_forms(run, data, expected):
    np.testing.assert_array_equal(result_of(run, "-", input=data), expected)


class TerminalStdin(io.BytesIO):
    def isatty(self):
        return True


def test_stdin_terminal_is_a_usage_error(run, user_error):
    user_error(run("activate", "relu", "-", input=TerminalStdin(b"")), "VALUES", "terminal")


def test_stdin_read_once(run):
    # one '-' per command; a second one (as a bare value) is not a number
    r = run("activate", "relu", "-", "-", input="1\n")
    assert_user_error(r, "VALUES", "'-' is not a number")


def test_pipe_of_json_output(run):
    out = run("activate", "relu", "1 -2; -3 4", "--format", "json").stdout
    r = run("activate", "softmax", "-", "-q", input=out)
    assert r.exit_code == 0
    # relu → [[1, 0], [0, 4]];  softmax of (1, 0) is (e, 1)/(e + 1), of (0, 4) is (1, e⁴)/(1 + e⁴)
    e = np.e
    np.testing.assert_allclose(np.array(r.stdout.split(), dtype=float).reshape(2, 2),
                               [[e / (e + 1), 1 / (e + 1)], [1 / (1 + e ** 4), e ** 4 / (1 + e ** 4)]],
                               rtol=1e-15)


# ------------------------------------------------------------ round trip

floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=True, width=64),
    st.sampled_from([0.0, -0.0, 5e-324, -5e-324, 1e308, -1.7976931348623157e308, 0.1, 1 / 3]),
)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4),
                    elements=floats)


def _expected(arr):
    return arr + 0.0            # -0 prints as 0; every other value must come back bit for bit


@pytest.mark.parametrize("fmt", ["text", "csv", "tsv", "json", "npy"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(arr=arrays)
def test_quiet_output_reads_back(fmt, arr):
    first = invoke("activate", "identity", "-", "-q", "--format", fmt, input=npy_bytes(arr))
    assert first.exit_code == 0, first.stderr
    data = first.stdout_bytes
    back = invoke("activate", "identity", "-", "-q", "--format", "npy", input=data)
    assert back.exit_code == 0, (fmt, data, back.stderr)
    got = np.load(io.BytesIO(back.stdout_bytes), allow_pickle=False)
    want = _expected(arr)
    assert got.shape == want.shape, (fmt, data)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fmt", ["text", "csv"])
def test_one_row_matrix_keeps_its_shape(run, fmt):
    out = run("activate", "identity", "[[1, 2, 3]]", "-q", "--format", fmt).stdout
    assert result_of(run, "-", input=out).shape == (1, 3)


# ------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, fragments", [
    (["relu", "1 2; 3 4 5"], ["VALUES: row 2 has 3 values, row 1 has 2"]),
    (["relu", "1", "abc"], ["VALUES", "'abc' is not a number"]),
    (["relu", "1 2 x"], ["VALUES", "'x' is not a number"]),
    (["relu", ""], ["VALUES", "empty"]),
    (["relu", "  "], ["VALUES", "empty"]),
    (["relu", "nan"], ["VALUES", "nan"]),
    (["relu", "1", "-nan"], ["VALUES", "nan"]),
    (["relu", "[1, NaN]"], ["VALUES", "nan"]),
    (["sigmod", "1"], ["FUNCTION", "did you mean 'sigmoid'"]),
    (["relu", "\u0967\u0968"], ["VALUES", "ASCII"]),     # Devanagari digits (full-width ones are read)
    (["relu", "1 \u0968"], ["VALUES", "ASCII"]),
    (["relu", "1_000"], ["VALUES", "1_000"]),
    (["relu", "[1 2; 3 4"], ["VALUES", "unbalanced"]),
    (["relu", "1 2]"], ["VALUES", "unbalanced"]),
    (["relu", "[[[[[1]]]]]"], ["VALUES", "deeper than 4"]),
    (["relu", "--max-elements", "5", "1", "2", "3", "4", "5", "6"], ["VALUES", "over the limit of 5"]),
    (["relu", "--max-elements", "5", "1 2 3 4 5 6"], ["VALUES", "over the limit of 5"]),
    (["relu", "--alpha", "0.1", "1"], ["--alpha"]),
    (["sigmoid", "--jacobian", "1"], ["--jacobian"]),
    (["relu", "--digits", "99", "1"], ["--digits"]),
    (["relu", "--digits", "-1", "1"], ["--digits"]),
    (["relu", "--strid", "2", "1"], ["--strid"]),
    (["relu", "1", "--formt", "json"], ["--formt"]),
    (["relu", "--format", "fancy", "1"], ["--format", "'fancy'"]),
    (["relu", "--format", "jsn", "1"], ["--format", "did you mean 'json'"]),
    (["relu", "--max-steps", "-1", "1"], ["--max-steps"]),
    (["relu", "1", "2 3"], ["VALUES", "not a single number"]),
    (["relu", "@"], ["VALUES", "'@'"]),
    (["relu", "@nope.csv"], ["VALUES", "nope.csv"]),
    (["relu", "@x.npz"], ["VALUES", ".npz"]),
    (["relu", "{\"values\": [1]}"], ["VALUES", "result"]),
])
def test_bad_input(run, user_error, args, fragments):
    user_error(run("activate", *args), *fragments)


def test_unknown_format_is_never_replaced(run, user_error):
    line = user_error(run("activate", "relu", "1", "--format", "gird"), "--format")
    assert "did you mean 'grid'" in line


def test_unknown_command(run, user_error):
    user_error(run("activte", "relu", "1"), "did you mean 'activate'")


def test_bad_stdin(run, user_error):
    user_error(run("activate", "relu", "-", input="1 2\n3\n"), "VALUES", "row 2 has 1 value")
    user_error(run("activate", "relu", "-", input=""), "VALUES", "empty")
    user_error(run("activate", "relu", "-", input=b"\x00\x01\xfe\xff garbage"), "VALUES", "binary")


@pytest.mark.parametrize("make, fragment", [
    (lambda p: p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), "not a valid .npy"),
    (lambda p: p.write_bytes(npy_bytes(np.array([1, "a"], dtype=object), allow_pickle=True)), "objects"),
    (lambda p: p.write_bytes(npy_bytes(np.array([1 + 1j, 2]))), "complex"),
    (lambda p: p.write_bytes(pickle.dumps([1.0, 2.0])), ".npy"),
    (lambda p: p.write_bytes(b""), ".npy"),
    (lambda p: p.write_bytes(npy_bytes(np.arange(10.0))[:-3]), ".npy"),
    (lambda p: p.write_bytes(npy_bytes(np.zeros((1, 1, 1, 1, 1)))), "5 dimensions"),
])
def test_bad_npy_files(run, user_error, tmp_path, make, fragment):
    path = tmp_path / "bad.npy"
    make(path)
    before = file_hash(path)
    user_error(run("activate", "relu", f"@{path}"), "VALUES", fragment)
    assert file_hash(path) == before


@pytest.mark.parametrize("name, content, fragment", [
    ("bad.csv", "1,2\n3\n", "row 2 has 1 value"),
    ("bad.txt", "", "empty"),
    ("bad.json", "[[1, 2], [3]]", "row 2 has 1 value"),
    ("bad.json", "1 2", "JSON"),
    ("bad.txt", b"\xff\xfe\x00\x01", "binary"),
    ("deep.json", "[[[[[1]]]]]", "deeper than 4"),
])
def test_bad_text_files(run, user_error, tmp_path, name, content, fragment):
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    before = file_hash(path)
    user_error(run("activate", "relu", f"@{path}"), "VALUES", fragment)
    assert file_hash(path) == before


def test_directory_and_missing_file(run, user_error, tmp_path):
    user_error(run("activate", "relu", f"@{tmp_path}"), "VALUES", "directory")
    user_error(run("activate", "relu", f"@{tmp_path / 'missing.csv'}"), "VALUES", "cannot read")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads files whatever their mode")
def test_unreadable_file(run, user_error, tmp_path):
    path = tmp_path / "secret.csv"
    path.write_text("1,2\n")
    path.chmod(0)
    try:
        user_error(run("activate", "relu", f"@{path}"), "VALUES", "cannot read")
    finally:
        path.chmod(0o600)


def test_npy_to_a_terminal_is_refused(run, user_error, monkeypatch):
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)
    user_error(run("activate", "relu", "1", "--format", "npy"), "--format", "binary")


def test_npy_to_a_pipe(run):
    r = run("activate", "relu", "1 -2; -3 4", "--format", "npy")
    assert r.exit_code == 0
    np.testing.assert_array_equal(np.load(io.BytesIO(r.stdout_bytes)), [[1, 0], [0, 4]])


def test_four_dims_to_csv_is_refused(run, user_error):
    user_error(run("activate", "relu", "[[[[1, 2]]]]", "--format", "csv"), "csv")


# ----------------------------------------------------------- internal errors

def _boom(*args, **kwargs):
    raise RuntimeError("kaboom")


def test_internal_error_is_one_line(run, monkeypatch):
    monkeypatch.setattr("nncalc.core.activations.trace", _boom)
    r = run("activate", "relu", "1")
    assert r.exit_code == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: internal error: RuntimeError: kaboom")
    assert "--debug" in lines[0] and "Traceback" not in r.stderr


@pytest.mark.parametrize("how", ["flag", "env", "group-flag"])
def test_debug_shows_the_traceback(run, monkeypatch, how):
    monkeypatch.setattr("nncalc.core.activations.trace", _boom)
    if how == "flag":
        r = run("activate", "relu", "1", "--debug")
    elif how == "group-flag":
        r = run("--debug", "activate", "relu", "1")
    else:
        r = run("activate", "relu", "1", env={"NNCALC_DEBUG": "1"})
    assert isinstance(r.exception, RuntimeError)        # re-raised, so Python prints the traceback
    assert "Error: internal error" not in r.stderr


def test_digits_does_not_add_decimals_to_integer_results(run):
    assert run("activate", "relu", "-1", "2", "-q", "--digits", "2").stdout == "0 2\n"
    assert run("activate", "relu", "0.123456", "-q", "--digits", "2").stdout == "0.12\n"
