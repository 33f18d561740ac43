"""cli/symbols.py, cli/formulas.py and cli/mathtext.py: the symbol table, the split of a
line into prose and formulas, and the escaping of each. Every non-ASCII character in cli/ and core/ string data must have an
ASCII LaTeX form, so no trace can put a raw Unicode byte into --format latex."""
import io
import tokenize
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from conftest import ok
from test_documents import compile_latex, latex_problems

from nncalc.cli import documents
from nncalc.cli import mathtext as mt
from nncalc.cli.formulas import split
from nncalc.cli.options import Output
from nncalc.cli.render import Report

ROOT = Path(__file__).resolve().parent.parent


def string_characters():
    """Every non-ASCII character in the string literals (docstrings too) of cli/ and core/."""
    found = {}
    for path in sorted((ROOT / "cli").glob("*.py")) + sorted((ROOT / "core").glob("*.py")):
        if path.name in ("helptext.py", "helpwrap.py"):   # click's help, never a trace
            continue
        tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
        for tok in tokens:
            if tok.type in (tokenize.STRING, getattr(tokenize, "FSTRING_MIDDLE", -1)):
                for c in tok.string:
                    if not c.isascii():
                        found.setdefault(c, f"{path.name}:{tok.start[0]}")
    return found


def test_the_scan_finds_the_symbols_the_traces_use():
    assert {"σ", "⌊", "⊙", "∂", "·", "η", "Σ", "δ", "×", "→"} <= set(string_characters())


@pytest.mark.parametrize("char, where", sorted(string_characters().items()))
def test_every_character_in_the_code_has_an_ascii_latex_form(char, where):
    """A symbol new in some trace must be added to cli/symbols.py (or be a compatibility
    form such as a full-width digit, which reads as its ASCII twin)."""
    for text in (char, f"x{char}", f"a {char} b"):
        tex = mt.latex(text)
        assert tex.isascii() and "[U+" not in tex, (unicodedata.name(char, "?"), where, tex)
        assert mt.to_html(text).isascii()


@pytest.mark.parametrize("text, parts", [
    ("sigmoid: σ(x) = 1 / (1 + e^(−x))", [("text", "sigmoid: "), ("math", "σ(x) = 1 / (1 + e^(−x))")]),
    ("input 4×4, 1 filter of 1×3×3, stride 2,2",
     [("text", "input "), ("math", "4×4"), ("text", ", 1 filter of "), ("math", "1×3×3"),
      ("text", ", stride 2,2")]),
    ("Jacobian J[i, j] = ∂y_i/∂x_j, row 0",
     [("text", "Jacobian "), ("math", "J[i, j] = ∂y_i/∂x_j"), ("text", ", row 0")]),
    ("h(x) = 1 if x > 0 else 0", [("math", "h(x) = 1"), ("text", " if "), ("math", "x > 0"),
                                  ("text", " else 0")]),
    ("δ_j = ∂E/∂net_j;  E = 1", [("math", "δ_j = ∂E/∂net_j"), ("text", ";"), ("gap", ""),
                                 ("math", "E = 1")]),
    ("Kernels as applied (rotated 180°)", [("text", "Kernels as applied (rotated "), ("math", "180°"),
                                           ("text", ")")]),
    ("zeros left out (count_include_pad)", [("text", "zeros left out ("), ("code", "count_include_pad"),
                                            ("text", ")")]),
    ("… 3 more rows (raise --max-steps)", [("text", "… 3 more rows (raise --max-steps)")]),
    ("an odd extra zero goes bottom/right", [("text", "an odd extra zero goes bottom/right")]),
    # a formula grows to its closing bracket only when there is one in reach
    ("one layer (c³x is still linear)", [("text", "one layer ("), ("math", "c³x"),
                                         ("text", " is still linear)")]),
    ("E = −Σ_k t_k·ln p_k,  ln p_k = z_k", [("math", "E = −Σ_k t_k·ln p_k"), ("text", ","), ("gap", ""),
                                            ("math", "ln p_k = z_k")]),
    ("max pooling, window 2×2", [("text", "max pooling, window "), ("math", "2×2")]),
    # a compound word's hyphen is not a minus: LaTeX set '$180^{\circ}-\mathrm{rotated}$'
    ("with the 180°-rotated kernel, then", [("text", "with the "), ("math", "180°"),
                                            ("text", "-rotated kernel, then")]),
    # Chinese has no spaces: a run of Chinese or full-width punctuation is a word of its own
    ("结果 h(x)（3）：", [("text", "结果 "), ("math", "h(x)"), ("text", "（3）：")]),
    ("导数：σ'(x) = σ(x)(1 − σ(x))", [("text", "导数："), ("math", "σ'(x) = σ(x)(1 − σ(x))")]),
    ("输入 4×4，1 个 1×3×3 的滤波器", [("text", "输入 "), ("math", "4×4"), ("text", "，1 个 "),
                                  ("math", "1×3×3"), ("text", " 的滤波器")]),
    ("窗口 ⊙ 卷积核", [("math", "窗口 ⊙ 卷积核")]),      # an operator's operands, as 'window ⊙ kernel'
    ("第 1 层：新值 = 旧值 + 变化量，变化量 = −η·g", [("text", "第 1 层："), ("math", "新值 = 旧值 + 变化量"),
                                           ("text", "，"), ("math", "变化量 = −η·g")]),
    ("完整卷积 = ∂E/∂(填充后的输入)；为 0", [("math", "完整卷积 = ∂E/∂(填充后的输入)"), ("text", "；为 0")]),
    ("输出明确的是/否，补在下方/右侧", [("text", "输出明确的是/否，补在下方/右侧")]),    # as 'bottom/right'
    ("输出 = ⌈输入/步幅⌉，需要", [("math", "输出 = ⌈输入/步幅⌉"), ("text", "，需要")]),
])
def test_split_finds_the_formulas(text, parts):
    assert split(text) == parts


@pytest.mark.parametrize("formula, tex", [
    ("net_j = Σ_i w_ji·x_i + b_j", r"\mathrm{net}_{j} = \Sigma_{i} w_{ji}\cdot x_{i} + b_{j}"),
    ("E = ½ Σ_k (t_k − o_k)²", r"E = \tfrac{1}{2} \Sigma_{k} (t_{k} - o_{k})^{2}"),
    ("p_i = e^(x_i) / Σ_j e^(x_j)", r"p_{i} = e^{x_{i}} / \Sigma_{j} e^{x_{j}}"),
    ("⌈input/stride⌉", r"\lceil \mathrm{input}/\mathrm{stride}\rceil"),
    ("−η·m̂/(√v̂ + ε)", r"-\eta \cdot \hat{m}/(\sqrt{\hat{v}} + \varepsilon)"),
    ("tanh'(x) = 1 − tanh²(x)", r"\tanh'(x) = 1 - \tanh^{2}(x)"),
    ("J = I − 1pᵀ", r"J = I - 1p^{T}"),
    ("x_i_j + y^2²", r"x_{i}{}_{j} + y^{2}{}^{2}"),        # TeX refuses a double sub/superscript
    ("|x| ≤ 1e-07", r"\vert x\vert \le 1\times 10^{-7}"),
    ("window ⊙ kernel", r"\mathrm{window} \odot \mathrm{kernel}"),
])
def test_formulas_become_latex_commands(formula, tex):
    assert mt.latex_math(formula) == tex


@pytest.mark.parametrize("text, tex", [
    ("100% of #1 & $2", r"100\% of \#1 \& \$2"),
    ("a_b {c} ~d ^e \\f", r"a\_b \{c\} \textasciitilde{}d \textasciicircum{}e \textbackslash{}f"),
    ("--max-steps — ok…", r"-{}-max-steps --- ok\dots{}"),
    ("one | two < three > four", r"one \textbar{} two \textless{} three \textgreater{} four"),
    ("１２ ｜ ３", r"12 \textbar{} 3"),           # full-width forms read as their ASCII twins
    ("中", "[U+4E2D]"),                # anything else: its code point, never a raw byte
])
def test_prose_is_escaped_for_latex(text, tex):
    assert mt.latex_text(text) == tex


@pytest.mark.parametrize("text, tex", [
    ("100% 的 #1，a_b {c}：中", r"100\% 的 \#1，a\_b \{c\}：中"),   # Chinese and full-width kept, TeX's specials not
    ("１２ ｜ ３", "１２ ｜ ３"),              # ctex sets full-width forms as they are
    ("naïve – x", "na[U+00EF]ve -- x"),       # the rest as in English
])
def test_prose_is_escaped_for_ctex(text, tex):
    assert mt.latex_text(text, cjk=True) == tex


def test_prose_is_escaped_for_markdown_and_html():
    assert mt.markdown_text("a*b_c | <d> `e` $f") == r"a\*b\_c \| \<d\> \`e\` \$f"
    assert mt.html_text('<a href="x">σ & ∂</a>') == "&lt;a href=&quot;x&quot;&gt;&sigma; &amp; &part;&lt;/a&gt;"
    assert mt.markdown("x < y") == r"$x \lt y$"        # a bare '<' could open an HTML tag


def opts(fmt, quiet=False):
    return Output(fmt, quiet, None, False, 50, 10_000_000)


def hostile_report():
    """A Report whose every block holds what must be escaped, for any future command."""
    report = Report(np.array([[1.5, -2e-7], [np.inf, 0.0]]))
    report.heading("Specials: # $ % & _ { } ~ ^ \\ < > | -- ——")
    report.line("   an indented line: x_1_2 = σ(z)²ᵀ, 50% of {a} | b")
    report.table(["a|b", "$x$", "σ"], [["p|q", "`r`"], ["s_t", "#"], [1.5, -2.0]],
                 numeric=[False, False, True])
    report.matrix("M_{ij} & co", np.array([[1.0, -1.0]]))
    return report


def test_any_report_compiles(tmp_path):
    tex = documents.render(hostile_report(), opts("latex"))
    assert latex_problems(tex) == []
    compile_latex(tex + documents.render(hostile_report(), opts("latex", quiet=True)), tmp_path)


def test_any_report_makes_a_valid_markdown_table_and_page():
    from test_documents import check_html, markdown_tables
    md = documents.render(hostile_report(), opts("markdown"))
    [(header, _, rows)] = markdown_tables(md)
    assert len(header) == 3 and rows == [[r"$p\vert q$", "$s_{t}$", "1.5000"], ["\\`r\\`", "#", "-2.0000"]]
    page = documents.render(hostile_report(), opts("html"))
    check_html(page)
    assert page.isascii() and "&lt;" in page


def test_an_unknown_block_is_an_error_not_a_silent_gap():
    report = Report([1.0])
    report.blocks.append(("chart", "x"))
    with pytest.raises(ValueError, match="chart"):
        documents.render(report, opts("html"))


def test_activate_list_is_one_table_in_markdown_and_one_list_in_latex():
    from test_documents import markdown_tables
    [(header, _, rows)] = markdown_tables(ok("activate", "--list", "--format", "markdown").stdout)
    assert header[0] == "function" and len(rows) == 12
    tex = ok("activate", "--list", "--format", "latex").stdout
    # LaTeX: a description list, one item per function and one line per column; as a tabular
    # its seven prose columns were narrower than their formulas, and it ran off the page
    assert "\\begin{tabular}" not in tex and tex.count("\\item[") == 12
    first = tex.split("\\item[")[1]
    assert first.startswith("identity (linear)] \\textit{$h(x)$}: $h(x) = c\\cdot x$ \\newline")
    assert first.count("\\newline") == len(header) - 2


@pytest.mark.parametrize("fmt, empty", [("latex", "\\noindent (empty)\\par"), ("markdown", "(empty)"),
                                        ("html", "<p>(empty)</p>")])
def test_an_empty_matrix_is_said_in_the_format_s_own_markup(fmt, empty):
    report = Report(np.array([1.0]))
    report.matrix("Nothing", np.zeros((0, 3)))
    doc = documents.render(report, opts(fmt))
    assert empty in doc.split("\n")
    assert ("\\par" in doc) == (fmt == "latex")      # Markdown wrote LaTeX's \noindent (empty)\par
