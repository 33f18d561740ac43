"""--format latex in Chinese: a fragment for a ctex document, compiled with xelatex.

English LaTeX stays pure ASCII for pdflatex (tests/test_documents.py). In Chinese the
prose is Chinese and the fragment goes into ``\\documentclass{ctexart}`` + amsmath. Each
case of the English tests is checked here in Chinese as a document of that kind: every
character outside ASCII is one ctex sets as Chinese (ideographs, CJK punctuation,
full-width forms), none of them is read in math mode outside ``\\text{…}``, the
environments, braces and math are balanced — and, when xelatex and ctex are installed,
it compiles with no glyph missing from the font.
"""
import functools
import gettext
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from conftest import ok
from test_documents import CASES, CONV, latex_problems
from test_documents_text import opts

from nncalc.cli import documents, i18n
from nncalc.cli import mathtext as mt
from nncalc.cli.render import Report

ZH_PREAMBLE = "\\documentclass{ctexart}\n\\usepackage{amsmath}\n\\begin{document}\n"
MO = Path(__file__).resolve().parent.parent / "cli" / "locale" / "zh_CN" / "LC_MESSAGES" / "nncalc.mo"


@pytest.fixture(autouse=True)
def english_afterwards():
    """A --lang zh run leaves Chinese active in this process: later direct renders expect English."""
    yield
    i18n.activate("en")


def zh_document(case, *extra):
    return ok("--lang", "zh", *CASES[case], "--format", "latex", *extra).stdout


# ------------------------------------------------------------------ the checker (no TeX needed)

def chinese(c):
    """A character ctex sets as Chinese: an ideograph, CJK punctuation (。、《》), a full-width
    form (，：（）) or a Chinese quotation mark."""
    name = unicodedata.name(c, "")
    return (name.startswith(("CJK UNIFIED IDEOGRAPH", "CJK COMPATIBILITY IDEOGRAPH"))
            or 0x3000 <= ord(c) <= 0x303F or unicodedata.east_asian_width(c) == "F" or c in "“”")


def chinese_in_math(tex):
    """The Chinese characters TeX would read as math: inside $…$ or \\[…\\] but not in \\text{…}."""
    found, modes, depth, i = [], ["text"], 0, 0
    while i < len(tex):
        c = tex[i]
        if c == "\\":
            command = re.compile(r"\\([A-Za-z]+|.)").match(tex, i)
            name, i = command.group(1), command.end()
            if name == "[":
                modes.append("math")
            elif name == "]" and modes[-1] == "math":
                modes.pop()
            elif name == "text" and modes[-1] in ("math", "$") and tex[i:i + 1] == "{":
                modes.append(depth)         # a \text group: ends when the brace depth is back here
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if modes[-1] == depth:
                modes.pop()
        elif c == "$":
            if modes[-1] == "$":
                modes.pop()
            else:
                modes.append("$")
        elif not c.isascii() and modes[-1] in ("math", "$"):
            found.append(c)
        i += 1
    return found


def zh_latex_problems(tex):
    """What would keep xelatex with ctex from taking ``tex``: a character outside ASCII that is
    not Chinese, Chinese in math mode, or what latex_problems finds once Chinese reads as 'x'."""
    problems = [f"not for ctex: {c!r} ({unicodedata.name(c, '?')})" for c in sorted(set(tex))
                if not c.isascii() and not chinese(c)]
    problems += [f"Chinese in math mode: {c!r}" for c in chinese_in_math(tex)]
    ascii_form = "".join("x" if chinese(c) else c for c in tex)
    return problems + [p for p in latex_problems(ascii_form) if not p.startswith("non-ASCII")]


def test_the_zh_checker_catches_what_xelatex_would_set_wrongly():
    assert zh_latex_problems(r"$\mathrm{窗口} \odot x$") == ["Chinese in math mode: '窗'",
                                                            "Chinese in math mode: '口'"]
    assert zh_latex_problems("\\[\n\\begin{bmatrix} 中 \\end{bmatrix}\n\\]")
    assert zh_latex_problems(r"\text{通道 0}\ \begin{bmatrix} 1 \end{bmatrix}") == []   # text mode
    assert zh_latex_problems("naïve 输入") == ["not for ctex: 'ï' (LATIN SMALL LETTER I WITH DIAERESIS)"]
    assert zh_latex_problems("输入（$x$") == [] and zh_latex_problems("输入 $x") != []
    assert zh_latex_problems(r"\begin{tabular}{l} 窗口 \\ \end{tabular}}")
    ok_cases = [r"$\text{窗口} \odot \text{卷积核}$：100\%", r"$\text{通过 $\surd$ 了} + 1$",
                r"\$ 中 \$ 文", r"\[ \text{通道 0}\ x \]"]
    assert [zh_latex_problems(t) for t in ok_cases] == [[]] * len(ok_cases)


# ------------------------------------------------------------------ every case, in Chinese

@pytest.mark.parametrize("case", CASES)
def test_zh_latex_is_for_ctex_and_balanced(case):
    tex = zh_document(case)
    assert zh_latex_problems(tex) == []
    assert re.search(r"[\u4e00-\u9fff]{2}", tex), "the prose should be Chinese"
    assert "[U+" not in tex


@pytest.mark.parametrize("case", ["conv-padding-stride", "conv-flip-channels", "activate-full-width",
                                  "backprop-adam-check"])
def test_zh_latex_quiet_is_the_same_matrix(case):
    """-q gives the result's bmatrix; only a channel's label (\\text{通道 0}) is in Chinese."""
    zh, en = zh_document(case, "-q"), ok("--lang", "en", *CASES[case], "--format", "latex", "-q").stdout
    assert zh_latex_problems(zh) == [] and zh.rstrip().endswith("\\]")
    assert re.sub(r"\\text\{[^}]*\}", "", zh) == re.sub(r"\\text\{[^}]*\}", "", en)


def test_the_chinese_words_of_a_formula_are_text():
    tex = zh_document("conv-padding-stride")
    assert r"$\text{窗口} \odot \text{卷积核}$ & $\Sigma$ & $+ \text{偏置}$" in tex
    assert "\\noindent 输入 $4\\times 4$，1 个 $1\\times 3\\times 3$ 的滤波器，步幅 2,2，" in tex


def test_chinese_markdown_sets_chinese_in_formulas_as_text():
    md = ok("--lang", "zh", "conv", "1 2; 3 4", "1 0; 0 1", "--format", "markdown").stdout
    assert r"| $\text{窗口} \odot \text{卷积核}$ |" in md and "[U+" not in md


def test_english_latex_is_the_same_on_a_chinese_system():
    """--lang en is plain ASCII LaTeX whatever the locale: the bytes pdflatex was given before."""
    args = [*CONV, "--format", "latex"]
    on_zh_system = ok("--lang", "en", *args, env={"LANG": "zh_CN.UTF-8", "NNCALC_LANG": None}).stdout
    assert on_zh_system == ok("--lang", "en", *args).stdout and on_zh_system.isascii()
    assert ok(*args, env={"NNCALC_LANG": "zh"}).stdout == ok("--lang", "zh", *args).stdout != on_zh_system


def chinese_report():
    """A Report with Chinese and what TeX must have escaped in every kind of block."""
    report = Report(np.array([[[1.5, -2e-7]], [[np.inf, 0.0]]]))
    report.heading("特殊字符：# $ % & _ { } ~ ^ \\ < > | -- ——")
    report.line("   缩进的一行：x_1_2 = σ(z)²ᵀ，100% 的 {a}，“引号”、《书名》。")
    report.line("窗口 ⊙ 卷积核 + 偏置 = z；步幅 ≥ 1（见 count_include_pad）")
    report.table(["表头|甲", "$x$ 的值", "σ"], [["一|二", "`三`"], ["s_t 四", "#五"], [1.5, -2.0]],
                 numeric=[False, False, True])
    report.matrix("矩阵 M_{ij} & 其他", np.array([[1.0, -1.0]]))
    return report


def chinese_latex(quiet=False):
    i18n.activate("zh")
    try:
        return documents.render(chinese_report(), opts("latex", quiet))
    finally:
        i18n.activate("en")


def test_any_chinese_report_is_for_ctex():
    tex, quiet = chinese_latex(), chinese_latex(quiet=True)
    assert zh_latex_problems(tex) == [] and zh_latex_problems(quiet) == []
    assert tex.startswith(r"\subsection*{特殊字符：\# \$ \% \& $\_$ \{ \} \textasciitilde{} $\wedge$ ")
    assert r"，100\% 的 \{a\}，“引号”、《书名》。" in tex
    assert r"\text{通道 0}\ \begin{bmatrix}" in quiet


# ------------------------------------------------------------------ the catalog

def test_every_chinese_message_has_a_ctex_form():
    """Each character of the catalog's Chinese is kept (Chinese) or has a LaTeX form: never a [U+…]."""
    with open(MO, "rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    texts = [v for v in catalog._catalog.values() if v]
    assert len(texts) > 100
    characters = sorted({c for t in texts for c in t if not c.isascii()})
    for c in characters:
        tex = mt.latex(f"中 {c} x", cjk=True)
        assert "[U+" not in tex and zh_latex_problems(tex) == [], (c, unicodedata.name(c, "?"), tex)


def test_english_keeps_its_ascii_forms():
    assert mt.latex_text("100% 中，x") == r"100\% [U+4E2D],x"
    assert mt.latex_text("100% 中，x", cjk=True) == r"100\% 中，x"
    assert mt.latex_math("窗口 ⊙ k") == r"\text{[U+7A97]}\text{[U+53E3]} \odot k"
    assert mt.latex_math("窗口 ⊙ k", cjk=True) == r"\text{窗口} \odot k"


# ------------------------------------------------------------------ xelatex + ctex

@functools.cache
def ctex_engine():
    xelatex = shutil.which("xelatex")
    kpsewhich = shutil.which("kpsewhich")
    if xelatex is None or kpsewhich is None:
        return None
    found = subprocess.run([kpsewhich, "ctexart.cls"], capture_output=True, text=True, timeout=60)
    return xelatex if found.stdout.strip() else None


def compile_zh(body, tmp_path):
    xelatex = ctex_engine()
    if xelatex is None:
        pytest.skip("xelatex with ctex is not installed (apt-get install texlive-xetex "
                    "texlive-lang-chinese to run this check)")
    (tmp_path / "doc.tex").write_text(ZH_PREAMBLE + body + "\\end{document}\n", encoding="utf-8")
    proc = subprocess.run([xelatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").exists()
    log = (tmp_path / "doc.log").read_text(encoding="utf-8", errors="replace")
    assert "Missing character" not in log, re.findall(r"Missing character.*", log)


@pytest.mark.parametrize("case", CASES)
def test_zh_latex_compiles_with_xelatex_and_ctex(case, tmp_path):
    compile_zh(zh_document(case), tmp_path)


def test_zh_quiet_and_any_chinese_report_compile(tmp_path):
    compile_zh(zh_document("conv-flip-channels", "-q") + zh_document("activate-full-width", "-q")
               + chinese_latex() + chinese_latex(quiet=True), tmp_path)


# ------------------------------------------------------------------ golden

def test_golden_conv_in_chinese(golden):
    golden("conv_padding_stride.zh.tex", ok("--lang", "zh", *CONV, "--format", "latex").stdout)


@pytest.mark.parametrize("lang, tag", [("zh", '<html lang="zh-CN">'), ("en", '<html lang="en">')])
def test_html_page_declares_its_language(lang, tag):
    # a Chinese page marked lang="en" is read aloud as English and set in Latin fonts
    page = ok("--lang", lang, "activate", "relu", "-1", "2", "--format", "html").stdout
    assert page.splitlines()[1] == tag
