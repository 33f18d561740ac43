"""Input that is never misread (issue 12): spreadsheet files, pasted printouts, full-width forms.

Spreadsheet files are written byte for byte the way the programs write them:
Excel's "CSV UTF-8" starts with a UTF-8 BOM and ends lines with CRLF, and in
locales whose decimal mark is the comma (de-DE, fr-FR, …) it separates
columns with ';' (Windows' list separator) and writes 0.5 as 0,5; LibreOffice
writes LF line ends and quotes cells that hold the field separator or are
text-formatted; Excel's "Unicode Text" is UTF-16 with a BOM, tab-separated.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nncalc.core import parse
from nncalc.core.errors import InputError

from test_fuzz_parse import MAX_ELEMENTS, assert_round_trip, parsed_or_refused

BOM = b"\xef\xbb\xbf"


def sheet(data):
    return parse.parse_bytes(data, "sheet")


def refused(fn, *args):
    with pytest.raises(InputError) as exc:
        fn(*args)
    assert "\n" not in str(exc.value)
    return str(exc.value)


# ------------------------------------------------------------ spreadsheet files

@pytest.mark.parametrize("data, expected", [
    (BOM + b"1;2;3\r\n4;5;6\r\n", [[1, 2, 3], [4, 5, 6]]),                 # Excel de-DE, integers
    (BOM + b"0,5;0,25\r\n-1,5;2\r\n", [[0.5, 0.25], [-1.5, 2]]),            # decimal commas
    (BOM + b"1,5E-07;2\r\n3;4\r\n", [[1.5e-7, 2], [3, 4]]),                # Excel's scientific format
    (b'"1,5";"2,25"\n"3";"4"\n', [[1.5, 2.25], [3, 4]]),                   # LibreOffice de, quoted
    (b'"1","2"\r\n"3","4"\r\n', [[1, 2], [3, 4]]),                         # quoted, comma-separated
    (b'"0,5","1"\n', [0.5, 1]),                                            # a quoted decimal comma
    (b'"1"\t"2"\r\n"3"\t"4"\r\n', [[1, 2], [3, 4]]),                     # quoted, tab-separated
    (b'"1"\t2\n3\t"4"\n', [[1, 2], [3, 4]]),                               # some cells quoted
    (b"1;2\r\n3;4\r\n;\r\n;\r\n", [[1, 2], [3, 4]]),                       # trailing empty rows
    (b"sep=;\r\n0,5\r\n0,25\r\n", [[0.5], [0.25]]),                        # one column, declared
    (b"sep=\t\n0,5\t1\n", [0.5, 1]),
    (b'sep=\t\n"0,5"\t1\n', [0.5, 1]),                                   # declared, quoted
    ("1\t2\r\n3\t4\r\n".encode("utf-16"), [[1, 2], [3, 4]]),               # Excel "Unicode Text"
    (b"1;2\n3;4\n\n5;6\n7;8\n", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),     # blank line: channels
    (b" 1 ; 2 \r\n 3 ; 4 \r\n", [[1, 2], [3, 4]]),                         # spaces around cells
])
def test_spreadsheet_files(data, expected):
    np.testing.assert_array_equal(sheet(data), np.array(expected, dtype=np.float64))


@pytest.mark.parametrize("data, shape", [
    (b"1,2,3;\n", (1, 3)),         # nncalc's own csv output of a 1×3 matrix reads back
    (b"1 2 3;\n", (1, 3)),         # and its -q output
    (b"1;\n", (1, 1)),
    (b"1 2; 3 4\n", (2, 2)),       # the inline grammar saved in a file
    (b"1, 2; 3, 4\n", (2, 2)),     # a comma followed by a space separates values
    (b"1,2\r\n3,4\r\n", (2, 2)),   # an ordinary comma-separated file
    (b"1 2\n3 4\n\n5 6\n7 8\n", (2, 2, 2)),
])
def test_files_without_spreadsheet_marks_read_as_before(data, shape):
    assert sheet(data).shape == shape


@pytest.mark.parametrize("data, fragments", [
    (b"1;2\n3 4;5 6\n", ["ambiguous ';'", "line 1", "line 2"]),
    (b"0,5\t0,25\n", ["ambiguous line 1", "decimal commas", "sep="]),
    (b"1.234,5;2\n", ["thousands separator"]),
    (b"1,5;2.5\n", ["ambiguous decimal mark", "line 1, column 1", "line 1, column 2"]),
    (b'"1,234","2"\n', ["ambiguous", "thousands separator or a decimal comma"]),
    (BOM + b"x;y\r\n1;2\r\n", ["line 1, column 1", "'x' is not a number", "';'"]),
    (b"1;2;\r\n3;4;5\r\n", ["line 1, column 3 is an empty cell"]),
    (b"1;2;3\r\n4;5\r\n", ["row 2 has 2 values, row 1 has 3"]),
    (b"sep=|\n1|2\n", ["sep=|"]),
    (b'"1, 2",3\n', ["line 1, column 1: '1, 2' is not a number"]),     # the cell as written
    (b'"1,234"\t"2"\n', ["ambiguous line 1", "sep="]),      # quoted or not: 1.234, or a thousand?
])
def test_spreadsheet_refusals_say_why(data, fragments):
    message = refused(sheet, data)
    for f in fragments:
        assert f in message, (f, message)


def test_standard_input_and_inline_keep_semicolon_rows():
    assert parse.parse_string("1;2;3").shape == (3, 1)
    assert parse.parse_string("1,2;3,4").shape == (2, 2)
    assert parse.parse_bytes(b"1;2;3\n", None).shape == (3, 1)
    # several lines of ';'-separated single values would be misread as rows: refused instead
    message = refused(parse.parse_bytes, BOM + b"1;2;3\r\n4;5;6\r\n", None)
    assert "spreadsheet" in message and ".csv file" in message


# ------------------------------------------------------------ NumPy and PyTorch printouts

@pytest.mark.parametrize("text, expected", [
    ("array([[19., 25.], [37., 43.]])", [[19, 25], [37, 43]]),
    ("[[19., 25.], [37., 43.]]", [[19, 25], [37, 43]]),        # repr without array(: was a 4-vector
    ("[[19. 25.] [37. 43.]]", [[19, 25], [37, 43]]),          # print form on one line: was a 4-vector
    ("[[19. 25.]\n [37. 43.]]", [[19, 25], [37, 43]]),
    ("[[ 1.  2.  3.\n   4.]\n [ 5.  6.  7.\n   8.]]", [[1, 2, 3, 4], [5, 6, 7, 8]]),   # wrapped rows
    ("array([ 1,  2,\n        3])", [1, 2, 3]),
    ("[-3.  -2.5\n -2.  -1.5]", [-3, -2.5, -2, -1.5]),         # NumPy's print of a 1-D array, wrapped
    ("[1 2\n3 4]", [[1, 2], [3, 4]]),                          # unindented lines in one pair: rows
    ("array([[1., 2.]], dtype=float32)", [[1, 2]]),
    ("tensor([[1., 2.], [3., 4.]], dtype=torch.float64)", [[1, 2], [3, 4]]),
    ("tensor([[1., 2.],\n        [3., 4.]], dtype=torch.float64)", [[1, 2], [3, 4]]),
    ("tensor([0.2689, 0.7311], grad_fn=<SigmoidBackward0>)", [0.2689, 0.7311]),
    ("tensor([1., 2.], requires_grad=True)", [1, 2]),
    ("tensor([1., 2.], device='cuda:0')", [1, 2]),
    ("array(3.)", [3]),
    ("tensor(2.5000)", [2.5]),
    ("[[[1 2]\n  [3 4]]\n\n [[5 6]\n  [7 8]]]", [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),   # 3-D print
    ("tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])",
     [[[1, 2], [3, 4]], [[5, 6], [7, 8]]]),
    ("array([-inf,  1.e-07,  inf])", [-np.inf, 1e-7, np.inf]),
])
def test_printouts(text, expected):
    np.testing.assert_array_equal(parse.parse_string(text), np.array(expected, dtype=np.float64))


@pytest.mark.parametrize("shape", [(7,), (3, 11), (2, 3, 9), (2, 2, 2, 3)])
def test_numpy_prints_itself_wrapped(shape):
    a = np.arange(np.prod(shape), dtype=np.float64).reshape(shape) / 7 - 3
    for text in (str(a), repr(a)):                  # 8 decimals, rows wrapped at 75 columns
        np.testing.assert_allclose(parse.parse_string(text), a, rtol=0, atol=5e-9)
    exact = np.array2string(a, precision=17, floatmode="unique", max_line_width=30)
    np.testing.assert_array_equal(parse.parse_string(exact), a)


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(5,), (4, 9), (2, 3, 4)])
def test_torch_prints(shape):
    torch = pytest.importorskip("torch")
    t = torch.arange(float(np.prod(shape)), dtype=torch.float64).reshape(shape) / 4 - 2
    got = parse.parse_string(str(t))             # 4 decimals, exact here (multiples of 1/4)
    np.testing.assert_array_equal(got, t.numpy())
    assert parse.parse_string(str(t.requires_grad_())).shape == shape


@pytest.mark.parametrize("text, fragment", [
    ("[[   0    1    2 ...  997  998  999]]", "summarised"),
    ("array([   0,    1,    2, ..., 9997, 9998, 9999])", "summarised"),
    ("array([1.+2.j])", "'1.+2.j' is not a number"),
    ("tensor([[1., 2.],\n        [3.]])", "row 2 has 1 value, row 1 has 2"),
    ("[[1. 2.]\n [3. nan]]", "nan"),
    ("array([[1, 2]]", "'(' without ')'"),
    ("array([1, 2]) + 1", "after the values"),
    ("[[[[[1.]]]]]", "deeper than 4"),
    ("[[1. 2.]; [3. 4.]]", "';'"),
])
def test_printout_refusals(text, fragment):
    assert fragment in refused(parse.parse_string, text)


# ------------------------------------------------------------ full-width forms

@pytest.mark.parametrize("text, expected", [
    ("１，２；３，４", [[1, 2], [3, 4]]),
    ("［１　－２］", [1, -2]),
    ("１ ２ ｜ ３ ４", [[[1, 2]], [[3, 4]]]),
    ("array（［１．５，－２］）", [1.5, -2]),
    ("－０．２５", [-0.25]),
])
def test_full_width_forms_read_as_ascii(text, expected):
    np.testing.assert_array_equal(parse.parse_string(text), np.array(expected, dtype=np.float64))
    assert parse.is_number("－１．５")


@pytest.mark.parametrize("text", ["\u0661\u0662", "\u0967", "１。５", "\u22121", "2\u00b2"])
def test_other_unicode_is_still_refused(text):
    assert "not a plain ASCII number" in refused(parse.parse_string, text)


# ------------------------------------------------------------ a text trace piped in

def test_a_text_trace_is_named_as_such():
    trace = "relu: ReLU(x) = max(0, x)\nderivative: ReLU'(x) = 1 if x > 0 else 0\n\nResult h(x) (2×2):\n1  0\n"
    with pytest.raises(InputError) as exc:
        parse.parse_bytes(trace.encode(), None)
    assert exc.value.code == "trace" and "text trace" in exc.value.message
    with pytest.raises(InputError) as exc:
        parse.parse_string("relu 1 2")               # one line: an ordinary bad token
    assert exc.value.code is None


# ------------------------------------------------------------ bounded fuzz of the new paths

SHEET_TOKENS = ["1", "0,5", "-2", "1.5", "1,234", '"', '"1,5"', ";", ",", "\t", " ", "\n", "\r\n", "\n\n",
                "sep=;\n", "sep=\t\n", "#", "x", "[", "]", "array(", "tensor(", ")", ", dtype=float32",
                "...", "\ufeff", "１", "，", "；", "－", "nan", "inf", "1e5", "|"]
sheet_texts = st.lists(st.sampled_from(SHEET_TOKENS), max_size=30).map("".join)


@settings(max_examples=400, deadline=None)
@given(sheet_texts, st.sampled_from(["sheet", None]))
def test_files_and_printouts_parse_or_refuse_cleanly(text, kind):
    arr = parsed_or_refused(parse.parse_bytes, text.encode("utf-8"), kind, MAX_ELEMENTS)
    if arr is not None and arr.ndim <= 3:
        assert_round_trip(arr)
