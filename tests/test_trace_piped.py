"""A text trace piped where a matrix belongs is named as a trace with the -q hint, whichever language
wrote it and whichever language reads it: a Chinese trace starts 'relu：' or '损失函数 …：' (full-width
colon), its tables have Chinese headers over dashed rules, its steps '第 1 步 ——————'."""
import pytest

from conftest import invoke, ok

TRACES = {
    "activate": ["activate", "relu", "1 -2; 3 -4"],
    "softmax": ["activate", "softmax", "1 2 3"],
    "conv": ["conv", "1 2; 3 4", "1 0; 0 1"],
    "pool": ["pool", "1 2; 3 4", "--size", "2"],
    "loss": ["loss", "0.2 0.7 0.1", "1", "--loss", "cross-entropy"],
    "backprop": ["backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
                 "--activation", "sigmoid,identity", "--input", "1", "--target", "2"],
    "outsize": ["outsize", "28", "--kernel", "5"],
    "outsize-chain": ["outsize", "1x32x32", "conv:6,5", "pool:2", "flatten", "fc:10"],
    "check": ["check", "1 2", "1 2"],
}
READERS = {"conv": (["conv", "-", "1 0; 0 1"], "INPUT"), "activate": (["activate", "relu", "-"], "VALUES"),
           "check": (["check", "1 2", "-"], "ACTUAL")}
HINT = {"en": ("Error: ", "text trace", "pipe a result with -q"), "zh": ("错误：", "文本追踪", "请用 -q")}


def trace(lang, name):
    return ok("--lang", lang, *TRACES[name]).stdout


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("name", sorted(TRACES))
@pytest.mark.parametrize("written, read", [("zh", "zh"), ("zh", "en"), ("en", "zh"), ("en", "en")])
def test_a_trace_in_either_language_gets_the_q_hint(written, read, name, reader):
    args, field = READERS[reader]
    r = invoke("--lang", read, *args, input=trace(written, name))
    assert r.exit_code == 2 and r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    start, named, hint = HINT[read]
    assert lines[0].startswith(start + field) and named in lines[0] and hint in lines[0], lines[0]


def test_a_trace_cut_above_its_heading_is_still_a_trace():
    # piped through tail or sed, the heading gone: a Chinese table header over its rule remains
    lines = trace("zh", "activate").splitlines()
    assert lines[3].startswith("位置") and set(lines[4]) == {"-", " "}
    r = invoke("--lang", "zh", "conv", "-", "1", input="\n".join(lines[3:]))
    assert r.exit_code == 2 and "文本追踪" in r.stderr, r.stderr
    # or only a step's rule and its first heading
    lines = trace("zh", "backprop").splitlines()
    step = next(i for i, line in enumerate(lines) if line.startswith("第 1 步 ——"))
    r = invoke("--lang", "zh", "conv", "-", "1", input="\n".join(lines[step:step + 2]))
    assert r.exit_code == 2 and "文本追踪" in r.stderr, r.stderr


def test_the_activate_list_grid_is_a_trace_not_unbalanced_brackets():
    r = invoke("--lang", "zh", "conv", "-", "1", input=ok("--lang", "zh", "activate", "--list", "--format", "grid").stdout)
    assert r.exit_code == 2 and "文本追踪" in r.stderr and "括号" not in r.stderr, r.stderr


@pytest.mark.parametrize("text, want", [
    ("1 2\n3 4\n", "1 2\n3 4\n"),
    ("１　２\n３　４\n", "1 2\n3 4\n"),              # full-width digits and ideographic space
    ("１，２；３，４", "1 2\n3 4\n"),
    ("0.5 -1\n-2 1e3\n", "0.5 -1\n-2 1000\n"),
])
def test_numbers_still_read(text, want):
    assert ok("--lang", "zh", "activate", "identity", "-", "-q", input=text).stdout == want


@pytest.mark.parametrize("text, reason", [
    ("1 2\n3 x\n", "'x'"),                          # a bad number two lines down is not a trace
    ("数据 1 2\n3 4\n", "'数据'"),                    # a Chinese word without a heading's colon either
    ("1 2\n-- --\n3 4\n", "'--'"),                  # a dashed line under numbers is not a table rule
])
def test_bad_numbers_are_not_called_a_trace(text, reason):
    r = invoke("--lang", "en", "activate", "identity", "-", input=text)
    assert r.exit_code == 2 and "text trace" not in r.stderr and reason in r.stderr, r.stderr
