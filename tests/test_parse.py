"""The matrix grammar (nncalc.core.parse): text, JSON and .npy forms into float64 arrays."""
import io
import math

import numpy as np
import pytest

from nncalc.core import forms, parse
from nncalc.core.errors import InputError

INF = math.inf


def npy_bytes(arr, **kwargs):
    buf = io.BytesIO()
    np.save(buf, arr, **kwargs)
    return buf.getvalue()


# ----------------------------------------------------------------- text form

@pytest.mark.parametrize("text, expected", [
    ("7", [7.0]),
    ("1 2 3", [1, 2, 3]),
    ("1,2,3", [1, 2, 3]),
    ("1, 2 ,3", [1, 2, 3]),
    ("1 2; 3 4", [[1, 2], [3, 4]]),
    ("1,2;3,4", [[1, 2], [3, 4]]),
    ("1 2\n3 4", [[1, 2], [3, 4]]),
    ("1 2\r\n3 4\r\n", [[1, 2], [3, 4]]),
    ("[-1 2; 3 -4]", [[-1, 2], [3, -4]]),
    ("[[1. 2.]\n [3. 4.]]", [[1, 2], [3, 4]]),                # NumPy's own printout
    ("1 2;3 4 | 5 6;7 8", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("1 2\n3 4\n\n5 6\n7 8\n", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("1 | 2 | 3", [[[1]], [[2]], [[3]]]),
    ("-1.5e-3 +2 .5 5. 1E3", [-0.0015, 2, 0.5, 5, 1000]),
    ("inf -inf +Infinity -INF", [INF, -INF, INF, -INF]),
    ("1 2 # a comment\n3 4", [[1, 2], [3, 4]]),
    ("  \n 1 2 \n\t", [1, 2]),
])
def test_text_form(text, expected):
    arr = parse.parse_string(text)
    assert arr.dtype == np.float64
    np.testing.assert_array_equal(arr, np.array(expected, dtype=np.float64))


def test_text_shapes():
    assert parse.parse_string("1 2 3").shape == (3,)
    assert parse.parse_string("1 2 3;4 5 6").shape == (2, 3)
    assert parse.parse_string("1;2;3").shape == (3, 1)
    assert parse.parse_string("1 2;3 4 | 5 6;7 8").shape == (2, 2, 2)


def test_full_precision_reads_back():
    x = 0.1 + 0.2                                     # 0.30000000000000004
    assert parse.parse_string(repr(x))[0] == x
    assert parse.parse_string("5e-324")[0] == 5e-324
    assert parse.parse_string("1.7976931348623157e308")[0] == 1.7976931348623157e308


@pytest.mark.parametrize("text, message", [
    ("1 2; 3 4 5", "row 2 has 3 values, row 1 has 2"),
    ("1 2; 3", "row 2 has 1 value, row 1 has 2"),
    ("1 2;3 4 | 5 6", "channel 2 is 1×2, channel 1 is 2×2"),
    ("1 x 3", "'x' is not a number"),
    ("1 2; 3 abc", "row 2, value 2: 'abc' is not a number"),
    ("", "empty input"),
    ("   \n ; ", "empty input"),
    ("[]", "empty"),
    ("1,,2", "empty"),
    ("1 nan", "nan"),
    ("NaN", "nan"),
    ("\u0967\u0968", "not a plain ASCII number"),     # Devanagari digits (full-width ones are read)
    ("\U0001d7d9", "not a plain ASCII number"),       # mathematical double-struck 1
    ("١٢", "not a plain ASCII number"),             # Arabic-Indic digits
    ("1_000", "'1_000' is not a number"),
    ("0x10", "'0x10' is not a number"),
    ("[1 2; 3 4", "unbalanced brackets"),
    ("1 2]", "unbalanced brackets"),
    ("1 2 | | 3 4", "channel 2 is empty"),
])
def test_text_errors(text, message):
    with pytest.raises(InputError) as exc:
        parse.parse_string(text)
    assert message in str(exc.value)
    assert "\n" not in str(exc.value)


def test_element_limit():
    assert parse.parse_string("1 2 3 4 5", max_elements=5).size == 5
    with pytest.raises(InputError, match="6 elements is over the limit of 5"):
        parse.parse_string("1 2 3 4 5 6", max_elements=5)
    with pytest.raises(InputError, match="over the limit"):
        parse.parse_string("[1, 2, 3, 4, 5, 6]", max_elements=5)
    with pytest.raises(InputError, match="over the limit"):
        parse.parse_bytes(npy_bytes(np.zeros(6)), None, max_elements=5)


@pytest.mark.parametrize("text", ["1", "-2.5e-7", "inf", "-Infinity", " 3 ", "+4."])
def test_is_number(text):
    assert parse.is_number(text)


@pytest.mark.parametrize("text", ["nan", "1 2", "1_0", "\u0967", "e", "-", "--x", ""])
def test_is_not_number(text):
    assert not parse.is_number(text)


# ----------------------------------------------------------------- JSON form

@pytest.mark.parametrize("text, expected", [
    ("[1, 2, 3]", [1, 2, 3]),
    ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
    ("[[[1, 2]], [[3, 4]]]", [[[1, 2]], [[3, 4]]]),
    ("[[[[1, 2]]]]", [[[[1, 2]]]]),                            # 4 dimensions: the most allowed
    ('{"result": [[1, 2], [3, 4]]}', [[1, 2], [3, 4]]),
    ('{"function": "relu", "input": [1], "result": [0.5, -1e300]}', [0.5, -1e300]),
    ("[Infinity, -Infinity, 1e-320]", [INF, -INF, 1e-320]),
    ("[.5, 1]", [0.5, 1]),                                      # not JSON, fine as text
])
def test_json_form(text, expected):
    np.testing.assert_array_equal(parse.parse_string(text), np.array(expected, dtype=np.float64))


@pytest.mark.parametrize("text, message", [
    ("[[[[[1]]]]]", "deeper than 4"),
    ("[[1, 2], [3]]", "row 2 has 1 value, row 1 has 2"),
    ('[1, "2"]', "is not a number"),
    ("[1, null]", "is not a number"),
    ("[true, 1]", "is not a number"),
    ("[NaN, 1]", "nan"),
    ('{"values": [1]}', '"result"'),
    ('{"result": [1, 2}', "not valid JSON"),
    ("[]", "empty"),
])
def test_json_errors(text, message):
    with pytest.raises(InputError) as exc:
        parse.parse_string(text)
    assert message in str(exc.value)


@pytest.mark.parametrize("text", ["[[[1, 2], [3, 4]], [[1, 2], [3]]]",          # JSON
                                  "[[[1 2]\n  [3 4]]\n\n [[1 2]\n  [3]]]"])    # NumPy's print
def test_json_and_printouts_say_the_same_about_a_ragged_row(text):
    with pytest.raises(InputError) as exc:
        parse.parse_string(text)
    assert exc.value.message == "item [1][1] has 1 value, item [1][0] has 2"


def test_json_depth_bomb_is_refused_quickly():
    with pytest.raises(InputError, match="deeper than 4"):
        forms.parse_json("[" * 100_000 + "]" * 100_000)


# ------------------------------------------------------------------ NPY form

@pytest.mark.parametrize("arr", [
    np.array([1.5, -2.0, INF]),
    np.arange(6, dtype=np.int32).reshape(2, 3),
    np.arange(24, dtype=np.float32).reshape(2, 3, 4),
    np.ones((1, 2, 1, 2), dtype=np.uint8),
    np.array([True, False]),
    np.asfortranarray(np.arange(6.0).reshape(2, 3)),
])
def test_npy_form(arr):
    got = parse.parse_bytes(npy_bytes(arr))
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, arr.astype(np.float64))


def test_npy_scalar_becomes_vector():
    np.testing.assert_array_equal(parse.parse_bytes(npy_bytes(np.float64(3.0))), [3.0])


@pytest.mark.parametrize("arr, message", [
    (np.array([1, "x"], dtype=object), "Python objects"),
    (np.array([1 + 2j]), "complex"),
    (np.array(["a", "b"]), "real numbers"),
    (np.zeros((1, 1, 1, 1, 2)), "5 dimensions"),
    (np.zeros((0, 3)), "empty"),
    (np.array([1.0, np.nan]), "nan"),
])
def test_npy_errors(arr, message):
    data = npy_bytes(arr, allow_pickle=True)
    with pytest.raises(InputError) as exc:
        parse.parse_bytes(data, "npy")
    assert message in str(exc.value)


def test_npy_truncated_or_garbage():
    with pytest.raises(InputError, match="npy"):
        parse.parse_bytes(npy_bytes(np.arange(10.0))[:-8], "npy")
    with pytest.raises(InputError, match="not a valid .npy"):
        parse.parse_bytes(b"\x93NUMPY garbage", None)


@pytest.mark.parametrize("data, message", [
    (b"\x00\x01\x02\xff", "binary"),
    (b"\xff\xfe\xfa 1 2", "binary"),
])
def test_binary_garbage(data, message):
    with pytest.raises(InputError, match=message):
        parse.parse_bytes(data)


def test_bytes_utf8_bom_and_kind():
    np.testing.assert_array_equal(parse.parse_bytes(b"\xef\xbb\xbf1,2\n3,4\n"), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(parse.parse_bytes(b"[1, 2]", "json"), [1, 2])
    with pytest.raises(InputError):
        parse.parse_bytes(b"1 2", "json")           # a .json file must hold JSON


@pytest.mark.parametrize("text, shape", [
    ("1 2 3", (3,)),            # one row is a vector...
    ("1 2 3;", (1, 3)),         # ...unless a trailing ';' says it is a 1×n matrix
    ("1 2; 3 4 |", (1, 2, 2)),  # a trailing '|' keeps a single channel
    ("1 2 3 |", (1, 1, 3)),
])
def test_trailing_separators_keep_the_shape(text, shape):
    assert parse.parse_string(text).shape == shape
