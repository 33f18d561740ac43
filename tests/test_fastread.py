"""The vectorised reader for large plain files (core/fastread.py) against the careful parser.

Its contract: the very array the careful parser gives (bit for bit, same
shape), or None so the careful parser reads the file and words any error.
"""
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nncalc.core import fastread, parse
from nncalc.core.errors import InputError

BIG = 1 << 40


def careful(data, kind="sheet"):
    try:
        return parse.parse_bytes(data, kind)
    except InputError as exc:
        return exc


def fast(data, max_elements=None):
    return fastread.read(io.BytesIO(data), BIG, max_elements)


def same_array(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@pytest.mark.parametrize("data", [
    b"1 2\n3 4\n", b"1,2\n3,4", b"1 ,2\n 3,  4  \n", b"1\t2\n3\t4\n", b"5", b"-0", b"1 2 3 \n",
    b"+.5e-3,-0,1.,7E+2\n", b"1e999 -1e999 1e-400 4.9e-324", b"1\r\n2\r\n", b"1\n2\n\n\n  \n",
    b"0.1000000000000000055511151231257827021181583404541015625 2.2250738585072011e-308",
])
def test_plain_files_read_as_the_careful_parser_reads_them(data):
    for kind in ("sheet", None):
        assert same_array(fast(data), careful(data, kind)), data


@pytest.mark.parametrize("data", [
    b"1,2,\n", b"1,,2\n", b",1\n", b"1,2\n3\n", b"1e\n", b".\n", b"--1\n",    # errors the careful parser words
    b"1 2\n\n3 4\n", b"\n1 2\n",                                              # blank line: channels
    b"1 2,3\n", b"1,2\t3\n",                                                  # separators the careful rules sort out
    b"1\r2", b"1 2; 3 4", b"1 | 2", b"[1, 2]", b"inf 1", b"1 # note", b'"1","2"', b"sep=,\n1,2",
    b"\xef\xbb\xbf1 2", b"1,5;2,5\n", b"", b"\n\n",
])
def test_anything_else_goes_the_careful_way(data):
    assert fast(data) is None


def test_over_the_limit_is_the_careful_parsers_error():
    data = b"1 2 3\n4 5 6\n"
    with pytest.raises(InputError) as fast_exc:
        fast(data, max_elements=5)
    with pytest.raises(InputError) as careful_exc:
        parse.parse_bytes(data, "sheet", 5)
    assert (str(fast_exc.value), fast_exc.value.code) == (str(careful_exc.value), careful_exc.value.code)


def test_past_the_byte_bound_it_stops_reading():
    stream = io.BytesIO(b"1 2\n" * 1000)
    assert fastread.read(stream, 100) is None
    assert stream.tell() <= 100 + fastread.CHUNK


def test_random_doubles_bit_for_bit():
    x = np.random.default_rng(0).standard_normal((50, 7)) * 10.0 ** np.arange(-300, 300, 12)[:50, None]
    data = "\n".join(",".join(map(repr, row)) for row in x.tolist()).encode()
    assert same_array(fast(data), x)


TOKENS = st.sampled_from(["0", "1", "-2", "+3.5", ".5", "5.", "1e3", "-1E-3", "1e", "e1", ".", "-", "1.2.3",
                          "00", "1e999", "+-1"])
SEPS = st.sampled_from([" ", ",", ", ", " ,", "  ", "\t", ",,", "\n", "\r\n", "\n\n", " \n", "\n "])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(TOKENS, SEPS), min_size=1, max_size=30), st.integers(1, 16))
def test_fuzz_fast_is_careful_or_declines(parts, chunk):
    data = "".join(t + s for t, s in parts).encode()
    fastread.CHUNK, saved = chunk, fastread.CHUNK         # cuts inside lines and CRLF pairs
    try:
        got = fast(data)
    finally:
        fastread.CHUNK = saved
    if got is not None:
        expected = careful(data)
        assert isinstance(expected, np.ndarray) and same_array(got, expected), (data, got, expected)


def test_cli_big_file_same_result_and_same_errors(run, tmp_path, monkeypatch):
    from nncalc.cli.inputs import FAST_READ_MIN
    answers = []
    real = fastread.read
    monkeypatch.setattr(fastread, "read", lambda *a: answers.append(real(*a)) or answers[-1])
    rows = FAST_READ_MIN // 30
    x = np.random.default_rng(1).standard_normal((rows, 2))
    path = tmp_path / "big.csv"
    text = "\n".join(f"{a!r},{b!r}" for a, b in x.tolist()) + "\n"
    path.write_text(text)
    assert path.stat().st_size >= FAST_READ_MIN
    got = run("activate", "identity", f"@{path}", "-q", "--format", "npy").stdout_bytes
    assert same_array(np.load(io.BytesIO(got)), x) and answers[-1] is not None   # read the fast way
    path.write_text(text + "1,2,3\n")                      # ragged at the end: the careful message
    result = run("activate", "identity", f"@{path}", "-q")
    assert result.exit_code == 2 and result.stdout == "" and answers[-1] is None
    assert result.stderr == f"Error: VALUES: row {rows + 1} has 3 values, row 1 has 2\n"
