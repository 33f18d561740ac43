"""What the JSON decoder and NumPy refuse, said in nncalc's own words (see tests/test_error_reasons.py).

Python's JSON decoder has a small closed set of messages: each real one must map to one of
nncalc's phrases (core/decoding.py), with its line and column. A .npy header is checked by
nncalc (core/npyheader.py): each way a header can be wrong has its own sentence, and valid
files of every format version still read.
"""
import json
import re

import pytest

from conftest import invoke
from test_error_reasons import english_runs
from nncalc.core import decoding, forms
from nncalc.core.errors import InputError


# ------------------------------------------------------------ JSON: the decoder's closed set

BAD_JSON = ["[1,", "[1 2]", "{1: 2}", '{"a" 1}', '"abc', '"a\x01"', '"\\q"', '"\\u12"', "[1] x", "",
            "[1,]", '{"a": 1,}', "tru", "[1, 2,"]


def test_every_message_of_the_decoder_is_one_of_nncalcs_phrases():
    seen = set()
    for text in BAD_JSON:
        with pytest.raises(json.JSONDecodeError) as info:
            json.loads(text)
        reason = decoding.json_reason(info.value)
        assert reason.params["problem"].template != decoding.JSON_FALLBACK, info.value.msg
        assert (reason.params["line"], reason.params["column"]) == (info.value.lineno, info.value.colno)
        seen.add(info.value.msg)
    assert len(seen) >= 8


def test_an_unknown_decoder_message_gets_the_generic_phrase():
    exc = json.JSONDecodeError("Something new in a later Python", "[1", 2)
    assert str(decoding.json_reason(exc)) == "a syntax error at line 1, column 3"


@pytest.mark.parametrize("text", BAD_JSON[:10])
def test_bad_json_files_in_chinese(text, tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(text, encoding="utf-8")
    en, zh = (invoke("--lang", lang, "activate", "relu", f"@{path}") for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 2 and zh.stdout == ""
    assert "not valid JSON (" in en.stderr and re.search(r"at line \d+, column \d+\)$", en.stderr.strip())
    assert re.search(r"第 \d+ 行第 \d+ 列：", zh.stderr) and not english_runs(zh.stderr), zh.stderr


def test_a_net_file_that_is_not_utf8(tmp_path):
    path = tmp_path / "net.json"
    path.write_bytes(b'{"layers": [\xe9]}')
    en, zh = (invoke("--lang", lang, "backprop", "--net", path).stderr for lang in ("en", "zh"))
    assert en.endswith("is not valid JSON: byte 0xe9 at offset 12 is not UTF-8 text\n")
    assert zh.endswith("不是有效的 JSON：偏移 12 处的字节 0xe9 不是 UTF-8 文本\n")


# ------------------------------------------------------------ .npy: nncalc's own reasons

def _header(text, version=b"\x01\x00"):
    body = text.encode("latin-1")
    size = len(body).to_bytes(2 if version == b"\x01\x00" else 4, "little")
    return forms.NPY_MAGIC + version + size + body


GOOD = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"
NPY_CASES = [
    (b"", "it is empty"),
    (b"\x80\x04\x95 pickle", "it is a Python pickle, which nncalc never unpickles; save the array with np.save"),
    (b"PK\x03\x04 zip", "it does not begin with the .npy signature \\x93NUMPY"),
    (forms.NPY_MAGIC[:4], "the file ends inside its header"),
    (forms.NPY_MAGIC + b"\x01", "the file ends inside its header"),
    (forms.NPY_MAGIC + b"\x09\x00", "format version {major}.{minor} is not one NumPy writes (1.0, 2.0 or 3.0)"),
    (forms.NPY_MAGIC + b"\x02\x00" + (10 ** 9).to_bytes(4, "little"),
     "its header claims {length:,} bytes, more than the {limit:,} NumPy reads safely"),
    (_header(GOOD)[:-5], "the file ends inside its header"),
    (_header("not a dict"), "its header is not a Python dictionary"),
    (_header("[1, 2]"), "its header is not a Python dictionary"),
    (_header("{'descr': '<f8', 'shape': (2,)}"),
     "its header must hold exactly the keys 'descr', 'fortran_order' and 'shape'"),
    (_header(GOOD.replace("(2,)", "'two'")), "its header's shape {shape} is not a tuple of whole numbers"),
    (_header(GOOD.replace("(2,)", "(-2,)")), "its header's shape {shape} has a negative size"),
    (_header(GOOD.replace("False", "'no'")), "its header's fortran_order is not True or False"),
    (_header(GOOD.replace("<f8", "<x9")), "its header's descr {descr} is not a NumPy data type"),
]


@pytest.mark.parametrize("data, reason", NPY_CASES)
def test_npy_refusals_are_nncalcs_own(data, reason):
    with pytest.raises(InputError) as info:
        forms.parse_npy(data)
    assert info.value.text.template == "not a valid .npy file ({reason})"
    assert info.value.text.params["reason"].template == reason


@pytest.mark.parametrize("data, reason", NPY_CASES[1:], ids=[r[:30] for _, r in NPY_CASES[1:]])
def test_npy_refusals_in_chinese(data, reason, tmp_path):
    path = tmp_path / "x.npy"
    path.write_bytes(data)
    en, zh = (invoke("--lang", lang, "activate", "relu", f"@{path}") for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 2 and en.stdout == zh.stdout == ""
    assert "not a valid .npy file (" in en.stderr
    assert zh.stderr.startswith("错误：VALUES：不是有效的 .npy 文件（") and not english_runs(zh.stderr), zh.stderr


@pytest.mark.parametrize("version", [(1, 0), (2, 0), (3, 0)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_valid_npy_files_still_read(version, order):
    import io
    import numpy as np
    a = np.asarray(np.arange(6.0).reshape(2, 3), order=order)
    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, version=version)
    assert np.array_equal(forms.parse_npy(buf.getvalue()), a)


def test_a_python_2_header_still_reads_and_warns_nothing(recwarn):
    import numpy as np
    data = _header("{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }") + np.array([1.0, 2.0]).tobytes()
    assert forms.parse_npy(data).tolist() == [1.0, 2.0]
    assert not recwarn.list


@pytest.mark.parametrize("shape", ["(True, 2)", "(2, False)"])
def test_a_shape_of_true_or_false_is_not_a_shape(shape):
    # Python counts True as the int 1, so NumPy's header check lets it through; np.load then fails
    with pytest.raises(InputError) as info:
        forms.parse_npy(_header(GOOD.replace("(2,)", shape)) + bytes(16))
    assert info.value.text.params["reason"].template == "its header's shape {shape} is not a tuple of whole numbers"


@pytest.mark.parametrize("shape", [f"({2 ** 63}, 0)", f"({2 ** 64}, 0)", f"(0, {2 ** 40}, {2 ** 40})"])
def test_an_empty_shape_with_sizes_no_array_can_have_is_just_empty(shape, run, user_error, tmp_path):
    path = tmp_path / "x.npy"
    path.write_bytes(_header(GOOD.replace("(2,)", shape)))
    user_error(run("activate", "relu", f"@{path}"), "empty array")


def test_a_long_double_beyond_float64_reads_as_inf_without_a_warning(recwarn):
    import numpy as np
    if np.finfo(np.longdouble).max <= np.finfo(np.float64).max:
        pytest.skip("long double is float64 on this machine")
    big = np.array([np.finfo(np.longdouble).max, 2.0], dtype=np.longdouble)
    header = GOOD.replace("<f8", big.dtype.str)
    assert forms.parse_npy(_header(header) + big.tobytes()).tolist() == [np.inf, 2.0]
    assert not recwarn.list, [str(w.message) for w in recwarn.list]


def _npy_3_0(dict_text):
    """A .npy of format 3.0 (2.0 with a UTF-8 header), built by hand: 8 bytes of float data."""
    header = dict_text.encode("utf-8")
    header += b" " * (-(len(header) + 13) % 64) + b"\n"
    return b"\x93NUMPY\x03\x00" + len(header).to_bytes(4, "little") + header + bytes(8)


def test_a_version_3_header_is_utf8_so_its_field_names_read_as_written(run, user_error, tmp_path):
    path = tmp_path / "x.npy"
    path.write_bytes(_npy_3_0("{'descr': [('é', '<f8')], 'fortran_order': False, 'shape': (1,), }"))
    error = user_error(run("activate", "relu", f"@{path}"), "needs real numbers")
    assert "holds [('é', '<f8')] values" in error


def test_a_version_3_header_that_is_not_utf8_is_refused():
    data = _npy_3_0("{'descr': [('X', '<f8')], 'fortran_order': False, 'shape': (1,), }").replace(
        b"'X'", b"'\xe9'")                 # the latin-1 byte of é alone: not UTF-8
    with pytest.raises(InputError) as info:
        forms.parse_npy(data)
    assert info.value.text.params["reason"].template == "its header is not a Python dictionary"
