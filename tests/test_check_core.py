"""core.check: each expected number matched to the digits it was written with.

The figures are worked by hand: σ(1) = 1/(1 + e^−1) = 0.7310585786…, so
0.731 (±0.0005) and 0.7311 (±0.00005) match it and 0.7310 (±0.00005) misses
by 0.0000586.
"""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from nncalc.core import check, parse
from nncalc.core.errors import InputError

SIGMA_1 = 1 / (1 + math.exp(-1))


def expected(text, key="result"):
    return check.expected_from_text(key, text, parse.parse_string(text))


def verdict(text, got, **tol):
    return check.compare(expected(text), np.asarray(got, dtype=float), **tol)


@pytest.mark.parametrize("token, half", [
    ("0.731", 0.0005), ("0.7311", 0.00005), ("0.7310", 0.00005), ("7.3e-1", 0.005),
    ("7.31E-1", 0.0005), ("2.0", 0.05), ("-1.5", 0.05), ("1e3", 500.0), ("2.5e+2", 5.0),
    (".5", 0.05), ("44", None), ("-3", None), ("2.", None), ("inf", None), ("-Infinity", None),
])
def test_half_a_unit_of_the_last_written_digit(token, half):
    got = check.half_unit(token)
    assert got == pytest.approx(half, rel=1e-12) if half is not None else got is None


@pytest.mark.parametrize("written, matches", [
    ("0.731", True), ("0.7311", True), ("0.7310", False), ("7.3e-1", True), ("7.31e-1", True),
    ("7.310e-1", False), ("0.73", True), ("0.7", True), ("0.8", False), ("1", False),
])
def test_sigma_of_one_against_what_a_student_wrote(written, matches):
    assert verdict(written, [SIGMA_1]).ok is matches


def test_an_integer_must_be_exact_to_relative_1e9():
    assert verdict("44", [44 + 44e-10]).ok
    assert not verdict("44", [44 + 44e-8]).ok
    assert not verdict("44", [43]).ok
    assert verdict("0", [1e-13]).ok            # a computed zero may carry float rounding
    assert not verdict("0", [1e-9]).ok


def test_each_number_keeps_its_own_precision():
    assert verdict("0.5 0.731; 2 0.12", [[0.5, SIGMA_1], [2.0, 0.1249]]).ok
    out = verdict("0.5 0.731; 2 0.12", [[0.5, SIGMA_1], [2.0, 0.1251]])
    assert [m.position for m in out.mismatches] == [(1, 1)]
    m = out.mismatches[0]
    assert (m.expected, m.got, m.written) == (0.12, 0.1251, "0.12")
    assert m.difference == pytest.approx(0.0051) and m.allowed == pytest.approx(0.005)


def test_tol_and_rtol_replace_the_written_digits_relative_to_the_expected_value():
    assert not verdict("0.7", [SIGMA_1], tol=0.01).ok          # 0.031 > 0.01
    assert verdict("0.7", [SIGMA_1], tol=0.04).ok
    # rtol is taken of |expected| = 100, not of got = 110 (pytest.approx's denominator)
    assert verdict("100", [110], rtol=0.1).ok
    assert not verdict("100", [111], rtol=0.1).ok
    assert verdict("100", [111], tol=1, rtol=0.1).ok           # numpy's atol + rtol·|desired|
    assert verdict("100.0", [100.0], tol=0).ok


def test_half_way_is_a_match_despite_float_rounding():
    assert verdict("0.5", [0.45]).ok and verdict("0.5", [0.55]).ok
    assert not verdict("0.5", [0.4499]).ok


def test_infinities_match_only_themselves_and_nan_never():
    assert verdict("inf -inf", [math.inf, -math.inf]).ok
    assert not verdict("inf", [1e308]).ok
    assert not verdict("1", [math.nan]).ok


@pytest.mark.parametrize("text, shape, ok", [
    ("1 2 3", (1, 3), True), ("1 2 3", (3,), True), ("1 2; 3 4", (1, 2, 2), True),
    ("44", (), True), ("44", (1, 1), True), ("1 2 3", (3, 1), False), ("1 2; 3 4", (4,), False),
    ("1 2 3; 4 5 6", (2, 2), False),
])
def test_shapes_agree_once_leading_ones_are_dropped(text, shape, ok):
    got = np.arange(1, 1 + math.prod(shape), dtype=float).reshape(shape)
    out = verdict(text, got)
    assert out.shape_ok is ok
    if not ok:
        assert out.checked == 0 and not out.ok


def test_shape_phrases():
    assert check.shape_phrase((2, 3)) == "2×3"
    assert check.shape_phrase((3,)) == "a vector of 3"
    assert check.shape_phrase(()) == "a single number"
    assert check.shape_phrase((1, 1)) == "a single number"


@pytest.mark.parametrize("text", [
    "[[0.731, 0.88]]", "[[0.731 0.88]]", "array([[0.731, 0.88]])", "0.731,0.88",
    "0.731 0.88 # σ(1), σ(2)", "０.７３１ ０.８８",
])
def test_digits_are_found_in_every_text_form(text):
    values = np.array([0.731, 0.88])
    allowed, tokens = check.written_allowed(text, values)
    assert tokens == ["0.731", "0.88"]
    assert allowed.tolist() == pytest.approx([0.0005, 0.005])


def test_digits_of_a_decimal_comma_sheet():
    allowed, tokens = check.written_allowed("0,5;0,25\n1;2", np.array([[0.5, 0.25], [1, 2]]))
    assert tokens == ["0.5", "0.25", "1", "2"]
    assert allowed.ravel().tolist() == pytest.approx([0.05, 0.005, 1e-9, 2e-9])


def test_text_whose_numbers_do_not_line_up_falls_back_to_the_exact_rule():
    assert check.written_allowed('{"result": [0.5], "steps": 3}', np.array([0.5])) == (None, None)
    assert check.written_allowed("1 2", np.array([1.0, 3.0])) == (None, None)
    exp = check.Expected("result", np.array([0.731]))
    assert not check.compare(exp, np.array([SIGMA_1])).ok


def test_a_number_inside_a_word_is_not_a_written_number():
    # float64 holds '64', torch holds none: neither is a value of the matrix
    allowed, tokens = check.written_allowed("tensor([0.5, 1.25], dtype=torch.float64)",
                                            np.array([0.5, 1.25]))
    assert tokens == ["0.5", "1.25"]


@pytest.mark.parametrize("spec, key, value", [
    ("1 2; 3 4", "result", "1 2; 3 4"), ("grad_input=1 2", "grad_input", "1 2"),
    ("gradients.weights.0=[[1]]", "gradients.weights.0", "[[1]]"), ("@a=b.csv", "result", "@a=b.csv"),
    ("-1", "result", "-1"), ("grad-input=1", "grad-input", "1"),
])
def test_split_key(spec, key, value):
    assert check.split_key(spec) == (key, value)


def test_lookup_follows_dotted_keys_and_list_indices():
    data = {"result": np.eye(2), "gradients": [{"weights": [[1, 2]], "biases": [3]}], "total": 156}
    assert check.lookup(data, "gradients.0.weights").tolist() == [[1, 2]]
    assert check.lookup(data, "total").tolist() == 156
    with pytest.raises(InputError, match="unknown key 'nope'; the keys are: result, gradients, total"):
        check.lookup(data, "nope")
    with pytest.raises(InputError, match="a list of 1; follow it with an index 0 to 0"):
        check.lookup(data, "gradients.weights")
    with pytest.raises(InputError, match="list of 1 objects; add an index and a key: gradients.0.weights"):
        check.lookup(data, "gradients")
    with pytest.raises(InputError, match="'total' is a single value"):
        check.lookup(data, "total.x")
    with pytest.raises(InputError, match="the text 'relu', not numbers"):
        check.lookup({"function": "relu"}, "function")


def test_compare_never_mutates_its_inputs():
    exp = expected("1 2; 3 4")
    got = np.array([[1.0, 2.0], [3.0, 5.0]])
    before = (exp.values.copy(), got.copy())
    check.compare(exp, got)
    assert np.array_equal(exp.values, before[0]) and np.array_equal(got, before[1])


@given(st.floats(-1e6, 1e6, allow_nan=False), st.integers(0, 6))
def test_a_value_rounded_to_d_decimals_matches_itself_written_with_d_decimals(x, d):
    text = f"{x:.{d}f}" if d else f"{x:.1f}"
    assert verdict(text, [x]).ok
