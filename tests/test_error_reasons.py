"""A Chinese error line has no English reason in it (issue 15): what the operating system, the
JSON decoder or NumPy said is turned into nncalc's own sentence, translated like any other.

The checker (``english_runs``) reads an error line as a person would: after the
quoted text (a path, a token the user typed), the flag names and the ASCII
punctuation at a word's edges are set aside, two English words in a row are a
sentence left untranslated. Names in a comma list (``identity, step, sigmoid``)
are names, not a sentence, so a comma ends a run.

Every case of the bad-input campaign is run in Chinese (the JSON decoder and .npy headers:
tests/test_decode_reasons.py); every errno of the table
in cli/oserrors.py is raised where a file is read (monkeypatched: the suite runs
as root, which may read anything) and where the output is written; real files
give ENOENT, ENOTDIR, ELOOP and ENAMETOOLONG, /dev/full gives ENOSPC and
RLIMIT_FSIZE EFBIG. Exit status and an empty stdout are the same in both
languages, and the English wording is the one the table (and the C library) uses.
"""
import errno
import os
import re

import pytest

from conftest import invoke
from test_bad_input_campaign import CASES, NNCALC, RUNNERS
from nncalc.cli import oserrors

QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
FLAG = re.compile(r"(?<![\w-])--?[A-Za-z][\w-]*")
NOT_ASCII = re.compile(r"[^\x00-\x7f]+")
WORD = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]+)*")


def english_runs(line):
    """Runs of two or more English words in LINE, quoted text and flag names aside.

    Chinese characters and punctuation separate words and end a run; so does ASCII
    punctuation after a word (a comma list of names is names, not a sentence).
    """
    text = NOT_ASCII.sub(" | ", FLAG.sub(" ", QUOTED.sub(" ", line)))
    runs, run = [], []
    for token in text.split():
        if token.startswith("("):
            run = _close(run, runs)
        word = token.lstrip("(").rstrip(",.;:!?)")
        if WORD.fullmatch(word):
            run.append(word)
        if not WORD.fullmatch(word) or word != token.lstrip("("):
            run = _close(run, runs)
    _close(run, runs)
    return runs


def _close(run, runs):
    if len(run) >= 2:
        runs.append(" ".join(run))
    return []


@pytest.mark.parametrize("line, found", [
    ("错误：VALUES：无法读取 '/tmp/a b/c.csv'：No such file or directory", ["No such file or directory"]),
    ("错误：VALUES：不是有效的 JSON（Expecting value: line 1 column 7 (char 6)）", ["Expecting value"]),
    ("错误：--eps：applies to cross-entropy only, not mse", ["applies to cross-entropy only", "not mse"]),
    ("错误：PRED：bce predictions 必须是 [0, 1] 内的概率", ["bce predictions"]),
    ("错误：VALUES：无法读取 '/tmp/no such file'：文件或目录不存在", []),
    ("错误：FUNCTION：未知函数 'sigmod'；可选：identity, step, sigmoid, tanh, leaky-relu", []),
    ("错误：--max-elements：超过上限（可用 --max-elements N 调高）", []),
    ("错误：VALUES：不是有效的 .npy 文件（这是 Python 的 pickle 数据，nncalc 从不对它反序列化）", []),
    ("错误：内部错误：ValueError（请加 --debug 重新运行）", []),
])
def test_the_checker_finds_english_sentences_and_only_those(line, found):
    assert english_runs(line) == found


# ------------------------------------------------------------ the campaign, in Chinese

def _run_case(case, folder, lang, monkeypatch):
    for name, content in case.files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(content)
    args = [a.replace("{d}", str(folder)) for a in case.args]
    if case.how == "inproc":
        r = invoke("--lang", lang, *args, input=case.stdin if case.stdin is not None else b"")
        return r.exit_code, r.stdout_bytes, r.stderr
    if NNCALC is None:
        pytest.skip("the nncalc console script is not installed")
    monkeypatch.setenv("NNCALC_LANG", lang)
    code, out, err = RUNNERS[case.how](args)
    return code, out, err


@pytest.mark.parametrize("case", [c.param() for c in CASES if c.how != "epipe"])
def test_every_campaign_line_reads_in_chinese(case, tmp_path, monkeypatch):
    (tmp_path / "en").mkdir(), (tmp_path / "zh").mkdir()
    en = _run_case(case, tmp_path / "en", "en", monkeypatch)
    zh = _run_case(case, tmp_path / "zh", "zh", monkeypatch)
    assert zh[0] == en[0] == case.code and zh[1] == en[1] == b""
    line, = zh[2].splitlines()
    assert line.startswith("错误："), line
    assert not english_runs(line), line


# ------------------------------------------------------------ every errno of the table

def _refusing(code):
    def fake_open(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    return fake_open


@pytest.mark.parametrize("name", sorted(oserrors.REASONS))
def test_each_errno_reads_in_both_languages(name, tmp_path, monkeypatch):
    from nncalc.cli import inputs
    path = tmp_path / "m.csv"
    path.write_bytes(b"1,2\n")
    monkeypatch.setattr(inputs, "open", _refusing(getattr(errno, name)), raising=False)
    en, zh = (invoke("--lang", lang, "activate", "relu", f"@{path}") for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 2 and en.stdout == zh.stdout == ""
    assert en.stderr == f"Error: VALUES: cannot read '{path}': {oserrors.REASONS[name]}\n"
    line, = zh.stderr.splitlines()
    assert line.startswith(f"错误：VALUES：无法读取 '{path}'：") and not english_runs(line), line


def test_an_errno_not_in_the_table_names_itself(monkeypatch, tmp_path):
    from nncalc.cli import inputs
    code = errno.ENOTSUP
    assert errno.errorcode[code] not in oserrors.REASONS
    monkeypatch.setattr(inputs, "open", _refusing(code), raising=False)
    en, zh = (invoke("--lang", lang, "activate", "relu", f"@{tmp_path}/x.csv").stderr for lang in ("en", "zh"))
    assert en.endswith(f": {os.strerror(code)} ({errno.errorcode[code]})\n")
    assert zh.endswith(f"：系统错误 {errno.errorcode[code]}\n") and not english_runs(zh)


def test_an_oserror_without_errno_says_so_in_chinese():
    from nncalc.cli import i18n
    i18n.activate("zh")
    try:
        assert oserrors.reason(OSError("some English text")) == "操作系统报告了错误"
        assert oserrors.reason(OSError(errno.ENOTSUP, "")) == "系统错误 ENOTSUP"
    finally:
        i18n.activate("en")
    assert oserrors.reason(OSError(errno.ENOTSUP, "")) == "system error ENOTSUP"


def _real_path(d, name):
    """A path that really fails to open with errno NAME (as root: no permission errors)."""
    if name == "ENOTDIR":
        (d / "f").write_bytes(b"1")
        return d / "f" / "x.csv"                 # a path through a file
    if name == "ELOOP":
        os.symlink(d / "b", d / "a")
        os.symlink(d / "a", d / "b")
        return d / "a"
    if name == "ENAMETOOLONG":
        return d / ("n" * 300 + ".csv")
    return d / "missing.csv"


@pytest.mark.parametrize("name", ["ENOENT", "ENOTDIR", "ELOOP", "ENAMETOOLONG"])
def test_real_files(name, tmp_path):
    path = _real_path(tmp_path, name)
    en, zh = (invoke("--lang", lang, "activate", "relu", f"@{path}") for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 2 and en.stdout == zh.stdout == ""
    assert en.stderr.endswith(f"': {oserrors.REASONS[name]}\n"), en.stderr
    assert not english_runs(zh.stderr), zh.stderr


@pytest.mark.parametrize("name", ["ENOSPC", "EDQUOT", "EFBIG", "EIO", "EBADF"])
def test_an_output_that_cannot_be_written(name, monkeypatch):
    from nncalc.cli import render
    code = getattr(errno, name)

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))
    monkeypatch.setattr(render, "emit", refuse)
    en, zh = (invoke("--lang", lang, "activate", "relu", "1") for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 1 and en.stdout == zh.stdout == ""
    assert en.stderr == f"Error: cannot write the output: {oserrors.REASONS[name]}\n"
    assert zh.stderr.startswith("错误：无法写出结果：") and not english_runs(zh.stderr), zh.stderr


def test_a_picture_that_cannot_be_written(monkeypatch, tmp_path):
    pytest.importorskip("matplotlib")
    from nncalc.cli import draw
    monkeypatch.setattr(draw, "open", _refusing(errno.ENOSPC), raising=False)
    target = tmp_path / "relu.svg"
    en, zh = (invoke("--lang", lang, "activate", "relu", "1", "--draw", target) for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 1
    assert en.stderr == f"Error: cannot write '{target}' (--draw): No space left on device\n"
    assert zh.stderr == f"错误：无法写入 '{target}'（--draw）：设备上没有剩余空间\n"


def test_an_internal_error_keeps_its_english_detail_out_of_chinese(monkeypatch):
    from nncalc.cli import render

    def bug(*args, **kwargs):
        raise ValueError("operands could not be broadcast together")
    monkeypatch.setattr(render, "emit", bug)
    en, zh = (invoke("--lang", lang, "activate", "relu", "1") for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 1
    assert "ValueError: operands could not be broadcast together" in en.stderr
    assert zh.stderr.startswith("错误：内部错误：ValueError（") and not english_runs(zh.stderr), zh.stderr


@pytest.mark.parametrize("args, en_type", [
    (["backprop", "--weights", "1", "--input", "1", "--target", "1", "--steps", "1e10"], "integer"),
    (["activate", "relu", "1", "--max-elements", "abc"], "integer"),
    (["activate", "relu", "1", "--digits", "abc"], "integer"),
    (["backprop", "--weights", "1", "--input", "1", "--target", "1", "--check-limit", "x"], "integer"),
])
def test_clicks_number_words(args, en_type):
    """click names the type in its own message by an English attribute gettext never sees; every
    such option takes a whole number (test_i18n_words guards that), so the catalog says 不是整数."""
    en, zh = invoke("--lang", "en", *args), invoke("--lang", "zh", *args)
    assert en.exit_code == zh.exit_code == 2
    assert en.stderr.endswith(f"is not a valid {en_type}\n")
    assert zh.stderr.endswith("不是整数\n") and not english_runs(zh.stderr)
    assert invoke("--lang", "en", *args).stderr == en.stderr       # and English again afterwards


class FailingStdin(__import__("io").RawIOBase):
    """Standard input whose every read fails, as a terminal that hung up (EIO)."""

    def readable(self):
        return True

    def readinto(self, buffer):
        if not len(buffer):                     # click's probe for a binary stream reads 0 bytes
            return 0
        raise OSError(errno.EIO, os.strerror(errno.EIO))


@pytest.mark.parametrize("args", [["activate", "relu", "-"], ["backprop", "--net", "-"]])
def test_standard_input_that_cannot_be_read(args):
    en, zh = (invoke("--lang", lang, *args, input=FailingStdin()) for lang in ("en", "zh"))
    assert en.exit_code == zh.exit_code == 2 and en.stdout == zh.stdout == ""
    assert en.stderr.endswith(": cannot read standard input: Input/output error\n"), en.stderr
    assert zh.stderr.endswith("：无法读取标准输入：输入/输出错误\n") and not english_runs(zh.stderr), zh.stderr


@pytest.mark.filterwarnings("ignore")
def test_hostile_inputs_get_chinese_reasons():
    """The campaign's generated family of hostile inputs, in Chinese: every refusal reads in Chinese."""
    from hypothesis import HealthCheck, given, settings, strategies as st
    from test_bad_input_campaign import COMMAND_LINES, HOSTILE_PIECES

    value = st.lists(st.sampled_from(HOSTILE_PIECES), max_size=10).map("".join)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(value, st.sampled_from(range(len(COMMAND_LINES))), st.sampled_from(["10", "1000000"]))
    def check(v, i, max_elements):
        args = COMMAND_LINES[i](v) + ["--max-elements", max_elements]
        r = invoke("--lang", "zh", *args, input=v.encode("utf-8", "surrogatepass") if args[-3] == "-" else b"")
        if r.exit_code == 2:
            assert r.stderr.startswith("错误：") and not english_runs(r.stderr), (args, r.stderr)

    check()
