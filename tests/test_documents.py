"""--format latex | markdown | html: every command's whole trace as a document.

Each representative invocation below is rendered in the three formats and checked
as a document of its kind: LaTeX is ASCII with balanced environments, braces and
math (and compiles when pdflatex is installed), Markdown tables have a header,
a separator and equal column counts, and the HTML parses with balanced tags and
loads nothing from the network.
"""
import html.parser
import json
import re
import shutil
import subprocess

import numpy as np
import pytest

from conftest import assert_user_error, invoke, ok

X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"
K = "2 0 1; 0 1 2; 1 0 2"
BIG = "; ".join(" ".join(str(i * 13 + j) for j in range(13)) for i in range(13))
WORKED = ["backprop", "--weights", "0.15 0.2; 0.25 0.3", "--bias", "0.35", "--weights",
          "0.4 0.45; 0.5 0.55", "--bias", "0.6", "--input", "0.05 0.1", "--target", "0.01 0.99",
          "--lr", "0.5"]
CONV = ["conv", X, K, "--padding", "1", "--stride", "2", "--bias", "1"]
CASES = {
    "activate-sigmoid": ["activate", "sigmoid", "-2", "0", "2"],
    "activate-softmax-jacobian": ["activate", "softmax", "1 2 3; 0 0 1", "--jacobian"],
    "activate-leaky-relu": ["activate", "leaky-relu", "--alpha", "0.1", "-3", "0", "3"],
    "activate-list": ["activate", "--list"],
    "activate-summarized": ["activate", "identity", BIG],
    "activate-full-width": ["activate", "identity", BIG, "--full"],
    "conv-padding-stride": CONV + ["--activation", "relu"],
    "conv-flip-channels": ["conv", "1 2;3 4 | 5 6;7 8", "1 0;0 1 | 0 1;1 0", "--flip", "--bias", "-1"],
    "conv-max-steps": ["conv", X, K, "--max-steps", "1", "--dilation", "1"],
    "conv-backward": ["conv", "1 2 3; 4 5 6; 7 8 9", "1 2; 3 4", "--stride", "2", "--padding", "1",
                      "--backward", "1 -1; 2 0"],
    "pool-avg-ceil-backward": ["pool", X, "--avg", "--size", "3", "--stride", "2", "--padding", "1",
                               "--ceil", "--backward", "1 2 3 4 5 6 7 8 9"],
    "pool-max-backward": ["pool", X, "--size", "2", "--backward", "1 2; 3 4"],
    "outsize-same": ["outsize", "32", "--kernel", "5", "--stride", "2", "--padding", "same"],
    "outsize-chain": ["outsize", "1x32x32", "conv:6,5", "pool:2", "conv:16,5", "pool:2", "flatten",
                      "fc:120", "fc:84", "fc:10"],
    "backprop-adam-check": WORKED + ["--steps", "3", "--optimizer", "adam", "--check"],
    "backprop-batch-cross-entropy": ["backprop", "--layers", "4,5,3", "--seed", "1", "--activation", "relu",
                                     "--loss", "cross-entropy", "--input", "1 2 3 4; 0 1 0 1",
                                     "--target", "2 0", "--steps", "3"],
    "loss-cross-entropy-logits": ["loss", "1 2 0.5; -3 0 3", "2 0", "--loss", "cross-entropy",
                                  "--from-logits", "--grad"],
    "loss-mse": ["loss", "0.9 0.2", "1 0", "--loss", "mse", "--grad"],
}
FORMATS = ("latex", "markdown", "html")
PREAMBLE = "\\documentclass{article}\n\\usepackage{amsmath}\n\\begin{document}\n"


def document(case, fmt, *extra):
    return ok(*CASES[case], "--format", fmt, *extra).stdout


# ------------------------------------------------------------------ LaTeX

def latex_problems(tex):
    """What would keep pdflatex from taking ``tex``: non-ASCII, unbalanced environments,
    braces, $…$ or \\[…\\]."""
    problems = [f"non-ASCII {c!r}" for c in sorted(set(tex)) if not c.isascii()]
    stack = []
    for kind, name in re.findall(r"\\(begin|end)\{(\w+\*?)\}", tex):
        if kind == "begin":
            stack.append(name)
        elif not stack or stack.pop() != name:
            problems.append(f"\\end{{{name}}} closes nothing open")
    problems += [f"\\begin{{{name}}} never closed" for name in stack]
    plain = re.sub(r"\\[{}$]", "", tex)         # escaped braces and dollars are text
    depth = 0
    for c in plain:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            problems.append("a '}' closes nothing")
            depth = 0
    if depth:
        problems.append(f"{depth} '{{' never closed")
    for paragraph in plain.split("\n\n"):
        if paragraph.count("$") % 2:
            problems.append(f"odd number of $ in: {paragraph[:60]!r}")
    if tex.count("\\[") != tex.count("\\]"):
        problems.append("unbalanced \\[ \\]")
    return problems


@pytest.mark.parametrize("case", CASES)
def test_latex_is_ascii_and_balanced(case):
    assert latex_problems(document(case, "latex")) == []


@pytest.mark.parametrize("case", ["conv-padding-stride", "activate-full-width", "backprop-adam-check"])
def test_latex_quiet_is_balanced_too(case):
    tex = document(case, "latex", "-q")
    assert latex_problems(tex) == [] and tex.rstrip().endswith("\\]") and "bmatrix" in tex


def test_the_balance_checker_catches_what_pdflatex_rejects():
    assert latex_problems("\\begin{bmatrix} 1 \\end{tabular}")
    assert latex_problems("$\\sigma$ and $x")
    assert latex_problems("\\text{a") and latex_problems("σ")
    assert latex_problems("\\{ 100\\% \\$ $x_{i}$") == []


def compile_latex(body, tmp_path):
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        pytest.skip("pdflatex is not installed (apt-get install texlive-latex-base "
                    "texlive-latex-recommended to run this check)")
    (tmp_path / "doc.tex").write_text(PREAMBLE + body + "\\end{document}\n", encoding="ascii")
    proc = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert (tmp_path / "doc.pdf").exists()


@pytest.mark.parametrize("case", CASES)
def test_latex_compiles_with_pdflatex(case, tmp_path):
    compile_latex(document(case, "latex"), tmp_path)


def test_latex_quiet_compiles_with_pdflatex(tmp_path):
    compile_latex(document("conv-flip-channels", "latex", "-q")
                  + document("activate-full-width", "latex", "-q"), tmp_path)


# ------------------------------------------------------------------ Markdown

def cells(row):
    """The cells of a pipe-table row, split at '|' not escaped as '\\|'."""
    assert row.startswith("|") and row.endswith("|"), row
    return [c.strip() for c in re.split(r"(?<!\\)\|", row[1:-1])]


def markdown_tables(md):
    """Every pipe table as (header, separator, rows); asserts the GFM rules on the way."""
    tables, lines = [], md.split("\n")
    i = 0
    while i < len(lines):
        if not lines[i].startswith("|"):
            i += 1
            continue
        j = i
        while j < len(lines) and lines[j].startswith("|"):
            j += 1
        block = [cells(line) for line in lines[i:j]]
        assert len(block) >= 2, lines[i:j]
        header, separator, rows = block[0], block[1], block[2:]
        assert all(re.fullmatch(r":?-{3,}:?", c) for c in separator), lines[i + 1]
        assert {len(r) for r in block} == {len(header)}, lines[i:j]
        assert i == 0 or lines[i - 1] == "", "a table needs a blank line before it"
        tables.append((header, separator, rows))
        i = j
    return tables


def inline_math(md):
    """Every $…$ formula outside $$ blocks; each must open and close on its line."""
    found = []
    for line in re.sub(r"\$\$\n.*?\n\$\$", "", md, flags=re.S).split("\n"):
        parts = re.split(r"(?<!\\)\$", line)
        assert len(parts) % 2 == 1, f"unpaired $ in {line!r}"
        found += parts[1::2]
    return found


@pytest.mark.parametrize("case", CASES)
def test_markdown_tables_parse_and_formulas_close(case):
    md = document(case, "markdown")
    tables = markdown_tables(md)
    formulas = inline_math(md)
    assert all(f == f.strip() and f for f in formulas), formulas    # '$ x$' is not math on GitHub
    if case != "activate-list":
        assert formulas, "the trace's formulas should be set as math"
    assert bool(tables) == (case != "outsize-same"), "each step table should be a pipe table"


def test_the_table_checker_catches_a_broken_table():
    with pytest.raises(AssertionError):
        markdown_tables("| a | b |\n| --- | --- |\n| 1 | 2 | 3 |\n")
    with pytest.raises(AssertionError):
        markdown_tables("| a | b |\n| 1 | 2 |\n")
    assert markdown_tables("| a | b |\n| :--- | ---: |\n| x \\| y | 2 |\n")[0][2] == [["x \\| y", "2"]]


# ------------------------------------------------------------------ HTML

class TagChecker(html.parser.HTMLParser):
    VOID = {"meta", "br", "hr", "img", "link", "input"}

    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.stack, self.problems, self.seen = [], [], []

    def handle_starttag(self, tag, attrs):
        self.seen.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack.pop() != tag:
            self.problems.append(f"</{tag}> does not close the open tag")


def check_html(text):
    parser = TagChecker()
    parser.feed(text)
    parser.close()
    assert parser.problems == [] and parser.stack == [], (parser.problems, parser.stack)
    return parser.seen


@pytest.mark.parametrize("case", CASES)
def test_html_is_one_balanced_self_contained_page(case):
    page = document(case, "html")
    tags = check_html(page)
    assert page.startswith("<!DOCTYPE html>") and page.isascii()
    assert ("meta", {"charset": "utf-8"}) in tags
    assert [t for t, _ in tags].count("html") == 1 and [t for t, _ in tags].count("body") == 1
    assert not re.search(r"https?:|//|src=|<link|<script|@import|url\(", page)


def test_the_tag_checker_catches_unbalanced_tags():
    with pytest.raises(AssertionError):
        check_html("<p><b>x</p></b>")
    with pytest.raises(AssertionError):
        check_html("<table><tr><td>1</td></tr>")


def test_html_quiet_is_just_the_result_table():
    out = ok("activate", "relu", "1 -2; -3 4", "-q", "--format", "html").stdout
    tags = check_html(out)
    assert [t for t, _ in tags] == ["table", "tr", "td", "td", "tr", "td", "td"]
    assert re.findall(r"<td>(.*?)</td>", out) == ["1", "0", "0", "4"]


# ------------------------------------------------------------------ what the documents say

def bmatrices(tex):
    """The bmatrix bodies of a LaTeX document that hold only numbers, as float arrays."""
    out = []
    for body in re.findall(r"\\begin\{bmatrix\}\n(.*?)\n\\end\{bmatrix\}", tex, re.S):
        rows = [[c.replace("\\times 10^{", "e").rstrip("}") for c in row.split(" & ")]
                for row in body.split(" \\\\\n")]
        if all(re.fullmatch(r"-?[\d.]+(e-?\d+)?", c) for row in rows for c in row):
            out.append(np.array(rows, dtype=float))
    return out


def test_latex_matrices_carry_the_json_numbers_and_no_index_row():
    tex = document("conv-padding-stride", "latex")
    result = np.array(json.loads(ok(*CASES["conv-padding-stride"], "-q", "--format", "json").stdout))
    assert np.array_equal(bmatrices(tex)[-1], result)          # integers: exact
    q = ok("activate", "sigmoid", "-1 0; 1 20", "-q", "--format", "latex").stdout
    assert q == "\\[\n\\begin{bmatrix}\n0.2689 & 0.5000 \\\\\n0.7311 & 1.0000\n\\end{bmatrix}\n\\]\n"


def test_markdown_quiet_is_the_matrix_in_display_math():
    q = ok("activate", "relu", "1 -2; -3 4", "-q", "--format", "markdown").stdout
    assert q == "$$\n\\begin{bmatrix}\n1 & 0 \\\\\n0 & 4\n\\end{bmatrix}\n$$\n"


@pytest.mark.parametrize("case, fmt, expected", [
    ("activate-sigmoid", "latex", r"$\sigma(x) = 1 / (1 + e^{-x})$"),
    ("activate-sigmoid", "latex", r"$\sigma'(x) = \sigma(x)(1 - \sigma(x))$"),
    ("conv-padding-stride", "latex", r"$\mathrm{window} \odot \mathrm{kernel}$"),
    ("conv-padding-stride", "latex", r"$= \lfloor 3/2 = 1.5\rfloor + 1$: not a whole number"),
    ("backprop-adam-check", "latex", r"$\partial E/\partial w_{ji} = \delta_{j}\cdot \mathrm{out}_{i}$"),
    ("backprop-adam-check", "latex", r"-\eta \cdot \hat{m}/(\sqrt{\hat{v}} + \varepsilon)"),
    ("backprop-adam-check", "latex", r"\vert \theta \vert),\ h = 1.0000\times 10^{-6}$}"),
    ("loss-cross-entropy-logits", "latex", r"$E = -\Sigma_{k} t_{k}\cdot \ln p_{k}$"),
    ("outsize-same", "latex", r"$\mathrm{output} = \lceil \mathrm{input}/\mathrm{stride}\rceil$"),
    ("backprop-adam-check", "markdown", r"$\eta = 0.5$"),
    ("pool-max-backward", "markdown", r"input $(\partial E/\partial x) (4\times 4)$:"),
    ("conv-backward", "latex", r"$\partial E/\partial b_{f} = \Sigma_{i,j} \mathrm{DY}[f,\ i,\ j]$"),
    ("conv-backward", "latex", r"$\partial E/\partial K[f,\ c,\ a,\ b] = \Sigma_{i,j} \mathrm{Xpad}[c,\ "
                               r"i\cdot S + a\cdot D,\ j\cdot S + b\cdot D] \cdot \mathrm{DY}[f,\ i,\ j]$:"),
    ("activate-sigmoid", "html", '<span class="math">&sigma;(<i>x</i>) = 1 / (1 + <i>e</i><sup>'
                                 "&minus;<i>x</i></sup>)</span>"),
    ("backprop-adam-check", "html", "<i>w</i><sub>ji</sub>"),
])
def test_formulas_are_set_as_math(case, fmt, expected):
    assert expected in document(case, fmt)


def test_text_is_escaped_in_every_format():
    tex = document("conv-max-steps", "latex")
    assert "raise -{}-max-steps to see more" in tex         # not an en dash
    assert "\\dots{} 3 more rows not shown (showing 1 of 4;" in tex
    md = document("pool-avg-ceil-backward", "markdown")
    assert "(`count_include_pad`)" in md
    page = document("pool-avg-ceil-backward", "html")
    assert "(<code>count_include_pad</code>)" in page


def test_the_heading_rule_of_the_text_trace_is_left_out():
    md = document("backprop-adam-check", "markdown")
    assert "### Step 1 (first)\n" in md and "—" not in md


def test_other_styles_keep_their_tables():
    """github, latex_booktabs and the rest stay tabulate's tables; only the three names are documents."""
    assert ok("activate", "relu", "1 2", "-q", "--format", "github").stdout.startswith("|   0 |")
    assert "\\toprule" in ok("activate", "relu", "1 2", "--format", "latex_booktabs").stdout


def test_format_names_are_checked(run):
    assert ok("activate", "relu", "1", "--format", "Markdown").stdout.startswith("### relu")
    line = assert_user_error(invoke("activate", "relu", "1", "--format", "markdwn"), "--format")
    assert "did you mean 'markdown'" in line and "latex" in line and "html" in line


# ------------------------------------------------------------------ golden documents

@pytest.mark.parametrize("fmt, ext", [("latex", "tex"), ("markdown", "md"), ("html", "html")])
def test_golden_conv_and_backprop(golden, fmt, ext):
    golden(f"conv_padding_stride.{ext}", ok(*CONV, "--format", fmt).stdout)
    golden(f"backprop_worked_example.{ext}", ok(*WORKED, "--format", fmt).stdout)
