"""The Chinese interface as a person reads it: help screens, error lines, traces and tables.

Each test reads real output in Chinese and looks for what gives a translation
away: English sentences left in a help screen, a trace or an error line (outside
quoted input, formulas and names), help running wider than the terminal, or a
table whose columns do not line up by display width. The catalog itself, the
choice of language and the unchanged machine output are in tests/test_i18n.py.
"""
import os
import subprocess
import sys

import pytest

from conftest import invoke


# ------------------------------------------------------------- help screens (fresh interpreters)

def nncalc(*args, **env):
    full = {k: v for k, v in os.environ.items() if k not in ("NNCALC_LANG", "LANGUAGE", "LC_ALL",
                                                              "LC_MESSAGES", "LANG", "NNCALC_DEBUG")}
    full.update(env, NO_COLOR="1", COLUMNS="80")
    return subprocess.run([sys.executable, "-m", "nncalc", *args], capture_output=True, text=True,
                          env=full, timeout=60)


def test_nncalc_lang_zh_gives_chinese_command_help():
    out = nncalc("conv", "--help", NNCALC_LANG="zh").stdout
    assert out.startswith("用法: nncalc conv [OPTIONS]")
    assert "选项:" in out and "显示本帮助并退出。" in out
    assert "卷积核" in out and "步幅" in out and "填充" in out


@pytest.mark.parametrize("args, env", [(["--lang", "zh", "--help"], {}), (["--help"], {"LANG": "zh_CN.UTF-8"}),
                                       (["--lang", "zh", "activate", "--help"], {})])
def test_chinese_help(args, env):
    out = nncalc(*args, **env).stdout
    assert out.startswith("用法: nncalc") and "选项:" in out


def test_english_help_is_unchanged_on_a_chinese_system():
    zh_system = nncalc("--lang", "en", "conv", "--help", LANG="zh_CN.UTF-8").stdout
    assert zh_system == nncalc("conv", "--help").stdout
    assert zh_system.startswith("Usage: nncalc conv [OPTIONS]")


def test_chinese_help_fits_the_terminal_by_columns():
    from nncalc.cli.helpwrap import columns
    for command in ("--help", "conv", "activate", "backprop"):
        args = ["--help"] if command == "--help" else [command, "--help"]
        out = nncalc("--lang", "zh", *args).stdout
        # lines with Chinese in them (examples are literal command lines, long in English too)
        wide = [line for line in out.splitlines() if columns(line) > 80 and columns(line) > len(line)]
        assert not wide, wide


def test_chinese_help_imports_no_numpy_or_tabulate():
    from test_startup import NOTHING_HEAVY, loaded_modules
    out, loaded = loaded_modules(["--lang", "zh", "conv", "--help"])
    assert out.startswith("用法:") and loaded == NOTHING_HEAVY
    out, loaded = loaded_modules(["--help"], NNCALC_LANG="zh")
    assert out.startswith("用法:") and loaded == NOTHING_HEAVY


@pytest.mark.parametrize("args", [
    ["activate", "relu", "1 2; 3"], ["activate", "nosuch", "1"], ["conv", "1 2", "1 2 3"],
    ["pool", "1 2; 3 4", "--size", "3"], ["loss", "1 2", "1 2 3"], ["outsize", "5", "--kernel", "7"],
    ["conv", "1 2", "1", "--stride", "0"], ["activate", "relu"], ["nosuch"], ["conv", "--nope"],
    ["backprop", "--layers", "2,1"], ["loss", "0.5 0.5", "7", "--loss", "cross-entropy"],
])
def test_errors_change_words_not_status(args):
    en, zh = invoke("--lang", "en", *args), invoke("--lang", "zh", *args)
    assert en.exit_code == zh.exit_code == 2
    assert en.stdout == zh.stdout == ""
    assert en.stderr.startswith("Error: ") and zh.stderr.startswith("错误：")
    assert len(zh.stderr.splitlines()) == 1


def _at_column(line, column, wcswidth):
    """The character that a terminal shows at display COLUMN of LINE."""
    for i, ch in enumerate(line):
        if wcswidth(line[:i]) == column:
            return ch
    return None


@pytest.mark.parametrize("args", [["activate", "--list"],
                                  ["activate", "relu", "1 -2; 3 4", "--format", "grid"]])
def test_chinese_tables_align_by_display_width(args):
    wcwidth = pytest.importorskip("wcwidth")
    out = invoke("--lang", "zh", *args).stdout
    tables, current = [], []
    for line in out.splitlines() + [""]:
        if line[:1] in ("|", "+"):
            current.append(line)
        elif current:
            tables, current = tables + [current], []
    assert any(wcwidth.wcswidth(line) > len(line) for t in tables for line in t), "no Chinese in a table"
    for table in tables:
        border = table[0]
        joints = [wcwidth.wcswidth(border[:i]) for i, ch in enumerate(border) if ch == "+"]
        for line in table:
            # every row ends at the border's width and has its bars where the border has joints
            assert wcwidth.wcswidth(line) == wcwidth.wcswidth(border), line
            bars = [_at_column(line, c, wcwidth.wcswidth) for c in joints]
            assert bars == [line[0]] * len(joints), line


@pytest.mark.parametrize("command", ["activate", "backprop", "check", "conv", "loss", "outsize", "pool"])
def test_every_command_help_reads_in_chinese(command):
    import re
    out = nncalc("--lang", "zh", command, "--help").stdout
    assert out.startswith(f"用法: nncalc {command}")
    prose = [line for line in out.splitlines() if not line.strip().startswith("nncalc ")]
    english = [line for line in prose if re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}", line)]
    assert not english, english


def test_the_bad_input_campaign_reads_in_chinese(tmp_path):
    """Every in-process case of tests/test_bad_input_campaign.py, in Chinese: the same status,
    one line, '错误：', and no English sentence outside quoted input (what the system, the JSON
    decoder or NumPy said included: tests/test_error_reasons.py reads every line more strictly)."""
    import re
    from test_bad_input_campaign import CASES
    english = []
    for case in CASES:
        if case.how != "inproc" or case.xfail:
            continue
        folder = tmp_path / case.id
        for name, content in case.files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(content)
        args = [a.replace("{d}", str(folder)) for a in case.args]
        r = invoke("--lang", "zh", *args, input=case.stdin)
        assert r.exit_code == case.code and r.stdout == "", (case.id, r.exit_code, r.stderr)
        line, = r.stderr.splitlines()
        assert line.startswith("错误："), (case.id, line)
        words = re.sub(r"'[^']*'|\"[^\"]*\"", "", line)
        if re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{2,}", words):
            english.append(f"{case.id}: {line}")
    assert not english, "\n".join(english)


@pytest.mark.parametrize("args", [
    ["activate", "softmax", "1 2 3; 0 0 1", "--jacobian"],
    ["activate", "leaky-relu", "--alpha", "0.1", "-3", "0", "3", "--expect", "-0.3 0 2"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 2; 3 4", "--backward", "1 0 0 0; 0 2 0 0; 0 0 1 0; 0 0 0 1",
     "--padding", "1"],
    ["pool", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "--avg", "--size", "3", "--stride", "1",
     "--padding", "1", "--backward", "1 1 1 1; 1 1 1 1; 1 1 1 1; 1 1 1 1"],
    ["outsize", "1x32x32", "conv:6,5", "pool:2", "conv:16,5", "pool:2", "flatten", "fc:120", "fc:10"],
    ["outsize", "5", "--kernel", "2", "--stride", "2", "--ceil"],
    ["backprop", "--layers", "conv:2,2 relu pool:2 flatten fc:3 softmax", "--seed", "0", "--input",
     "1 2 3 4 5; 5 4 3 2 1; 1 1 1 1 1; 0 1 0 1 0; 2 2 2 2 2", "--target", "1", "--loss", "cross-entropy",
     "--check"],
    ["backprop", "--layers", "2,3,1", "--seed", "0", "--input", "0 0; 0 1; 1 0; 1 1", "--target",
     "0; 1; 1; 0", "--steps", "30", "--order", "sequential"],
    ["loss", "1 2 0.5; -3 0 3", "2 0", "--loss", "cross-entropy", "--from-logits", "--grad"],
    ["check", "0.73 0.9 1", "0.7310585786300049 0.8807970779778823 1"],
    ["activate", "relu", " ".join(str(i) for i in range(100)), "--max-steps", "3"],
], ids=lambda a: " ".join(a[:2]))
def test_traces_read_in_chinese(args):
    """A trace in Chinese has no English sentence left: formulas, names and quoted input aside."""
    import re
    r = invoke("--lang", "zh", *args, env={"COLUMNS": "80"})
    assert r.exit_code in (0, 1), r.stderr
    text = re.sub(r"'[^']*'", "", r.stdout + r.stderr)
    english = [line for line in text.splitlines() if re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{2,}", line)]
    assert not english, english


def test_latex_is_chinese_for_ctex_and_english_stays_ascii():
    """Chinese LaTeX is for a ctex document (xelatex); English stays pure ASCII for pdflatex.
    The documents themselves are checked in tests/test_documents_zh.py."""
    args = ["pool", "1 2; 3 4", "--size", "2", "--format", "latex"]
    zh, en = invoke("--lang", "zh", *args), invoke("--lang", "en", *args)
    assert zh.exit_code == en.exit_code == 0 and en.stdout.isascii()
    assert zh.stdout.startswith("\\subsection*{pool：最大池化，窗口 $2\\times 2$，")
    assert en.stdout.startswith("\\subsection*{pool: max pooling, window $2\\times 2$,")
    md = invoke("--lang", "zh", "pool", "1 2; 3 4", "--size", "2", "--format", "markdown").stdout
    assert "最大池化" in md and "[U+" not in md


SWITCHING = """
import json, sys
from click.testing import CliRunner
from nncalc.cli.main import COMMANDS, cli
runner = CliRunner()
screens = []
for lang in sys.argv[1:]:
    screens.append({name: runner.invoke(cli, ["--lang", lang, *([name] if name else []), "--help"],
                                        prog_name="nncalc").output for name in ["", *sorted(COMMANDS)]})
print(json.dumps(screens))
"""


def help_screens(*langs):
    proc = subprocess.run([sys.executable, "-c", SWITCHING, *langs], capture_output=True, text=True,
                          env={**os.environ, "NNCALC_LANG": "", "COLUMNS": "80"}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    import json
    return json.loads(proc.stdout)


def test_a_process_that_switches_language_gets_each_help_whole_in_that_language():
    """Help texts are translated when a command module runs: a second run in the same process in
    the other language (a test, a program embedding nncalc) runs the module again."""
    zh, en, zh_again = help_screens("zh", "en", "zh")
    en_first, zh_second, en_again = help_screens("en", "zh", "en")
    assert zh == zh_again == zh_second
    assert en == en_first == en_again
    for name in zh:
        assert "用法" in zh[name] and "Usage" in en[name]
        assert zh[name] != en[name]


def test_a_run_leaves_the_language_as_it_found_it():
    from nncalc.cli import i18n
    before = i18n.state()
    assert invoke("--lang", "zh", "activate", "relu", "1").stdout.startswith("relu")
    assert i18n.state() == before


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_an_output_that_cannot_show_chinese_gets_english_and_says_so(encoding):
    """Through ascii or latin-1 every Chinese character came out as '?': the words of the trace
    were silently lost. Such a run is in English, with a note on stderr; gbk or UTF-8 keep Chinese."""
    env = {**os.environ, "PYTHONIOENCODING": encoding, "NNCALC_LANG": "zh"}
    proc = subprocess.run([sys.executable, "-m", "nncalc", "activate", "relu", "1", "-1"],
                          capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.decode("ascii").startswith("relu: ReLU(x) = max(0, x)\n")
    assert proc.stderr.decode("utf-8") == (f"note: standard output's encoding ({encoding}) has no Chinese "
                                           "characters, so this run is in English\n").replace(
        "(latin-1)", "(iso8859-1)")
    chinese = subprocess.run([sys.executable, "-m", "nncalc", "activate", "relu", "1"], capture_output=True,
                             env={**env, "PYTHONIOENCODING": "gbk"}, timeout=60)
    assert chinese.stdout.decode("gbk").startswith("relu：ReLU(x)") and chinese.stderr == b""
