"""A bounded fuzz of the matrix parser (issue 6): it may return an array or refuse cleanly, nothing else.

Every input, however odd, must end in one of two ways: a float64 array with 1 to
4 dimensions, at least one element and no NaN, or InputError (which the CLI turns
into one ``Error:`` line and exit 2). Any other exception is a crash.

Inputs come from three strategies: arbitrary unicode text, arbitrary bytes, and
a grammar-aware mix of the parser's own tokens (digits, signs, exponents,
``inf``/``nan``, the separators ``, ; | [ ] {`` and newlines, JSON keywords,
full-width and other unicode digits) that reaches far deeper into the grammar
than random text does. Whatever parses must also survive a round trip through
the plain form that ``-q`` prints. A smaller sample goes through the CLI
(``read_matrix`` via ``-`` and as an inline argument).

Hypothesis is enough here: the issue also names atheris, but a coverage-guided
fuzzer needs a separate build and an unbounded run, while these examples are
bounded (well under 20 s in all) and run in the plain test command.
"""
import io
import json

import numpy as np
from hypothesis import HealthCheck, given, settings, strategies as st

from nncalc.cli import matrixtext
from nncalc.core import forms, parse
from nncalc.core.errors import InputError

from conftest import invoke

MAX_ELEMENTS = 10_000


def parsed_or_refused(fn, *args):
    """The array ``fn`` returns (checked against the contract), or None when it raised InputError."""
    try:
        arr = fn(*args)
    except InputError as exc:
        assert str(exc).strip(), "InputError without a message"
        return None
    assert isinstance(arr, np.ndarray), type(arr)
    assert arr.dtype == np.float64, arr.dtype
    assert 1 <= arr.ndim <= 4, arr.shape
    assert 1 <= arr.size <= MAX_ELEMENTS, arr.shape
    assert not np.isnan(arr).any(), arr
    return arr


def assert_round_trip(arr):
    """What -q prints (the plain text form) reads back to the same array (-0 prints as 0)."""
    text = matrixtext.plain(arr)
    back = parse.parse_string(text, MAX_ELEMENTS)
    assert back.shape == arr.shape, (text, arr.shape, back.shape)
    np.testing.assert_array_equal(back, arr + 0.0, err_msg=text)


# ----------------------------------------------------------------- strategies

TOKENS = [
    # numbers and pieces of numbers
    "0", "1", "7", "42", "-", "+", ".", "e", "E", "e-3", "1e308", "1e999", "-1e-400", "5e-324",
    "inf", "-inf", "Infinity", "-Infinity", "nan", "NaN", "-nan", "0x1", "1_0", "00", ".5", "5.",
    # separators and structure
    " ", "  ", ",", ", ", ";", "|", "\n", "\n\n", "\r\n", "\t", "[", "]", "{", "}", ":", "#",
    '"result"', '"result": ', '"x"', "true", "null",
    # unicode: digits of other scripts, full-width, minus sign, BOM, spaces
    "\uff11", "\uff0c", "\uff1b", "\u0661", "\u0967", "\u2212", "\u00b2", "\u2009", "\u00a0",
    "\ufeff", "\u00bd", "\u2153", "\U0001d7d9",
]
grammar = st.lists(st.sampled_from(TOKENS), max_size=40).map("".join)

# rectangular matrices written the ways a user would, so that the success path is exercised too
numbers = st.one_of(st.integers(-10 ** 6, 10 ** 6).map(str),
                    st.floats(allow_nan=False, width=64).map(repr),
                    st.sampled_from(["inf", "-inf", "-0", "1e-3", "+2.5E+2", ".5"]))


@st.composite
def matrices(draw):
    channels, rows, cols = (draw(st.integers(1, 3)) for _ in range(3))
    values = [[[draw(numbers) for _ in range(cols)] for _ in range(rows)] for _ in range(channels)]
    if draw(st.booleans()):                                    # JSON
        block = values if channels > 1 else values[0]
        return json.dumps(block).replace('"', "")
    sep = draw(st.sampled_from([" ", ",", ", ", "\t"]))
    row_sep = draw(st.sampled_from(["; ", ";", "\n"]))
    text = " | ".join(row_sep.join(sep.join(r) for r in chan) for chan in values)
    return draw(st.sampled_from(["{}", "[{}]", " {} ", "{}\n"])).format(text)


texts = st.one_of(st.text(max_size=60), grammar, matrices())


# ---------------------------------------------------------------------- core

@settings(max_examples=400, deadline=None)
@given(st.text(max_size=80))
def test_parse_string_arbitrary_text(text):
    arr = parsed_or_refused(parse.parse_string, text, MAX_ELEMENTS)
    if arr is not None:
        assert_round_trip(arr)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=120), st.sampled_from([None, "text", "json", "npy"]))
def test_parse_bytes_arbitrary_bytes(data, kind):
    parsed_or_refused(parse.parse_bytes, data, kind, MAX_ELEMENTS)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60))
def test_parse_bytes_behind_an_npy_magic(tail):
    # past the magic string every byte is the .npy header parser's problem
    parsed_or_refused(parse.parse_bytes, forms.NPY_MAGIC + tail, None, MAX_ELEMENTS)


@settings(max_examples=800, deadline=None)
@given(grammar)
def test_parse_string_grammar_tokens(text):
    arr = parsed_or_refused(parse.parse_string, text, MAX_ELEMENTS)
    if arr is not None:
        assert_round_trip(arr)


@settings(max_examples=300, deadline=None)
@given(matrices())
def test_parse_string_well_formed_matrices(text):
    arr = parsed_or_refused(parse.parse_string, text, MAX_ELEMENTS)
    assert arr is not None, text                 # these are all valid: none may be refused
    assert_round_trip(arr)


@settings(max_examples=200, deadline=None)
@given(st.one_of(grammar, matrices()), st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
def test_parse_bytes_of_encoded_text(text, encoding):
    parsed_or_refused(parse.parse_bytes, text.encode(encoding), None, MAX_ELEMENTS)


# ----------------------------------------------------------------------- CLI

def _cli_outcome(result):
    """The CLI either prints an .npy result (exit 0) or one Error line with exit 2."""
    if result.exit_code == 0:
        assert result.stderr == "", result.stderr
        return np.load(io.BytesIO(result.stdout_bytes), allow_pickle=False)
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    assert result.stdout_bytes == b""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    return None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, st.binary(max_size=80)))
def test_read_matrix_from_stdin(data):
    data = data.encode("utf-8") if isinstance(data, str) else data
    got = _cli_outcome(invoke("activate", "identity", "-", "-q", "--format", "npy",
                              "--max-elements", MAX_ELEMENTS, input=data))
    want = parsed_or_refused(parse.parse_bytes, data, None, MAX_ELEMENTS)
    if want is None:
        assert got is None
    else:
        assert got is not None and got.shape == want.shape
        np.testing.assert_array_equal(got, want + 0.0)


def _plain_argument(text):
    """Not a file (@…), stdin (-) or an option such as -h: a negative number is fine."""
    t = text.lstrip()
    return bool(t) and not t.startswith("@") and (not t.startswith("-") or t[1:2] in tuple("0123456789.iI"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts.filter(_plain_argument))
def test_read_matrix_inline_and_quiet_text_round_trip(text):
    first = invoke("activate", "identity", text, "-q", "--max-elements", MAX_ELEMENTS)
    if first.exit_code != 0:                # refused: then the parser refuses it too
        assert _cli_outcome(first) is None
        assert parsed_or_refused(parse.parse_string, text, MAX_ELEMENTS) is None, text
        return
    # the -q text goes back in through '-' and comes out as the same array
    back = _cli_outcome(invoke("activate", "identity", "-", "-q", "--format", "npy", input=first.stdout))
    want = parse.parse_string(text, MAX_ELEMENTS)
    assert back is not None and back.shape == want.shape, (text, first.stdout)
    np.testing.assert_array_equal(back, want + 0.0)
