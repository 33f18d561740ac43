"""English words a Chinese reader still met, one test per kind of leak (a QA pass as a student/TA).

tests/test_i18n_screens.py catches English *sentences*; these catch the single words and the
punctuation that slipped past it: formulas with 'if … else' and 'diagonal', parameter names in
a heading, table heads (RF, jump, (row, col)), 'or' built into an error, click's type names,
help defaults in mixed brackets and help lines starting with a closing mark. Each test reads
the Chinese output for the specific phrase and checks the English one is gone; where English
output must not change, it says so too.
"""
import re

import pytest

from conftest import invoke
from test_i18n_screens import nncalc


def zh(*args, **kw):
    return invoke("--lang", "zh", *args, **kw)


def en(*args, **kw):
    return invoke("--lang", "en", *args, **kw)


# ------------------------------------------------------------- activation formulas and headings

@pytest.mark.parametrize("function, phrase", [
    ("step", "h(x) = 1（x > 0 时），0（x ≤ 0 时）"),
    ("relu", "ReLU'(x) = 1（x > 0 时），0（x ≤ 0 时，所以 ReLU'(0) = 0）"),
    ("leaky-relu", "h'(x) = 1（x > 0 时），α（x ≤ 0 时，所以 h'(0) = α）"),
    ("elu", "h(x) = x（x > 0 时），α(e^x − 1)（x ≤ 0 时）"),
    ("softmax", "∂p_i/∂x_j = p_i(δ_ij − p_j)；对角线 p_i(1 − p_i)"),
    ("log-softmax", "∂log p_i/∂x_j = δ_ij − p_j；对角线 1 − p_i"),
], ids=lambda v: v if v.isascii() else "")
def test_piecewise_and_softmax_formulas_read_in_chinese(function, phrase):
    out = zh("activate", function, "-1", "0", "2").stdout
    assert phrase in out
    assert not re.search(r"\bif\b|\belse\b|diagonal", out), out
    assert re.search(r"\bif x > 0 else\b|diagonal", en("activate", function, "-1", "0", "2").stdout)


def test_activate_list_has_no_if_else_or_diagonal():
    out = zh("activate", "--list", "--format", "grid").stdout
    assert "对角线" in out and "x ≤ 0 时" in out
    assert not re.search(r"\bif\b|\belse\b|diagonal", out)


@pytest.mark.parametrize("args, heading, english", [
    (["identity", "--slope", "2", "1"], "identity（斜率 c = 2）：h(x) = c·x", "identity (slope = 2): h(x) = c·x"),
    (["leaky-relu", "1"], "leaky-relu（α = 0.01）：", "leaky-relu (alpha = 0.01): "),
    (["sigmoid", "1"], "sigmoid：σ(x) = 1 / (1 + e^(−x))", "sigmoid: σ(x) = 1 / (1 + e^(−x))"),
], ids=lambda v: v[0] if isinstance(v, list) else "")
def test_activate_heading_names_parameters_in_chinese(args, heading, english):
    assert zh("activate", *args).stdout.startswith(heading)
    assert en("activate", *args).stdout.startswith(english)


def test_cnn_trace_translates_activation_derivatives():
    out = zh("backprop", "--layers", "conv:1,2 relu flatten fc:1", "--seed", "0", "--input",
             "1 2 3; 4 5 6; 7 8 9", "--target", "1").stdout
    conv_back = [line for line in out.splitlines() if line.startswith("反向传播，第 1 层（卷积层）")]
    assert conv_back and all("∂out/∂net = ReLU'(x) = 1（x > 0 时）" in line for line in conv_back)


@pytest.mark.parametrize("layers", ["4,5,3", "conv:1,2 relu flatten fc:3 softmax"], ids=["dense", "cnn"])
@pytest.mark.parametrize("loss", ["cross-entropy", "mse"])
def test_softmax_backward_heading_reads_in_chinese(layers, loss):
    # the softmax output layer's ∂out/∂net (its Jacobian and diagonal), with and without cross-entropy
    target = "2" if loss == "cross-entropy" else "0 0 1"
    args = ["backprop", "--layers", layers, "--seed", "1", "--input", "1 2 3; 4 5 6; 7 8 9" if "conv" in layers
            else "1 2 3 4", "--target", target, "--loss", loss]
    if loss == "mse" and "conv" not in layers:
        args += ["--activation", "relu,softmax"]
    out = zh(*args).stdout
    heads = [line for line in out.splitlines() if line.startswith("反向传播") and "softmax" in line]
    assert heads and all("∂out/∂net = ∂p_i/∂x_j = p_i(δ_ij − p_j)；对角线 p_i(1 − p_i)" in h for h in heads), heads
    assert not re.search(r"\bdiagonal\b|\bif\b|\belse\b|\blayer\b|\bBackward\b", out), out
    assert "; diagonal p_i(1 − p_i)" in en(*args).stdout


# ------------------------------------------------------------- table heads and trace lines

def test_outsize_field_table_heads_are_the_legends_symbols():
    out = zh("outsize", "1x32x32", "conv:6,5", "pool:2", "flatten", "fc:10").stdout
    head = next(line for line in out.splitlines() if line.startswith("层 "))
    assert head.split() == ["层", "r", "S", "P", "参数个数", "乘加"]
    assert "r：感受野" in out and "S：等效步幅" in out and "P：等效填充" in out
    assert not re.search(r"\bRF\b|\bjump\b|\bpad\b|\bMACs\b", out)
    assert re.search(r"RF +jump +pad +params +MACs", en("outsize", "1x32x32", "conv:6,5").stdout)


def test_conv_backward_names_rows_and_columns_in_chinese():
    out = zh("conv", "1 2 3; 4 5 6; 7 8 9", "1 2; 3 4", "--backward", "1 0; 0 1").stdout
    assert "DY = ∂E/∂输出" in out and "(行, 列)" in out and "· DY[f, i, j]：" in out
    assert not re.search(r"\brow\b|\bcol\b|\boutput\b|\]:$", out, re.M), out


def test_tolerance_verdict_says_expected_value_in_chinese_and_json_keeps_english():
    args = ["check", "1 2 3", "1 2.5 3", "--rtol", "0.01", "--tol", "0.1"]
    assert "（误差在 ±0.1 + 0.01·|期望值| 以内）" in zh(*args).stdout
    assert '"tolerance": "within \\u00b10.1 + 0.01\\u00b7|expected|"' in zh(*args, "--format", "json").stdout


def test_expect_differences_beside_csv_read_in_chinese_and_q_lines_stay_english():
    args = ["activate", "sigmoid", "1", "2", "--expect", "0.75 0.9"]
    csv = zh(*args, "--format", "csv")
    assert csv.exit_code == 1 and csv.stderr == "result[0]：期望 0.75，实际为 0.7310585786300049\n"
    assert "：期望 1 个数，实际为 2 维向量" in zh("activate", "sigmoid", "1", "2", "--expect", "1", "--format",
                                                "tsv").stderr
    quiet = [run(*args, "-q").stdout for run in (zh, en)]
    assert quiet[0] == quiet[1] == "result[0]: expected 0.75, got 0.7310585786300049\n"


# ------------------------------------------------------------- error lines

@pytest.mark.parametrize("args, phrase, english", [
    (["conv", "1 2; 3 4", "1", "--padding", "sam"], "'sam' 不是整数或 H,W 数对，也不是 'same' 或 'valid'", " or "),
    (["outsize", "5", "conv:2"], "conv:OUT,K[,S,P,D] 或 conv:out=OUT,k=K,s=S,p=P,d=D（P 可以是 same 或 valid）",
     " or "),
    (["loss", "0.5 1.5", "0 1", "--loss", "bce"], "bce 的预测值必须是 [0, 1] 内的概率", "predictions"),
    (["activate", "relu", "1", "--digits", "x"], "--digits：'x' 不是整数", "integer"),
    (["backprop", "--steps", "x"], "--steps：'x' 不是整数", "integer"),
    (["activate", "relu", "1 2; 3"], "VALUES：第 2 行有 1 个值，第 1 行有 2 个", "row"),
    (["loss", "1", "1", "--eps", "0.1", "--loss", "mse"], "--eps：只用于对概率计算的交叉熵，不用于 mse", "applies"),
    (["outsize", "1x5x5", "conv:0,2"], "out 必须是正整数，实际为 0", "positive"),
    (["pool", "inf -inf; 1 1", "--avg", "--size", "2"], "输出在 (n, c, i, j) = (0, 0, 0, 0) 没有定义（nan）", "=（"),
], ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else "")
def test_error_lines_leave_no_english_word(args, phrase, english):
    r = zh(*args)
    assert r.exit_code == 2 and r.stdout == ""
    assert phrase in r.stderr and english not in r.stderr


def test_click_number_errors_only_meet_whole_numbers():
    """The catalog says '不是整数' for click's '{value!r} is not a valid {number_type}.': right only
    while every click number type nncalc uses is an integer one (floats go through FiniteFloat)."""
    import importlib
    import click
    from nncalc.cli.main import COMMANDS
    for module in COMMANDS.values():
        for param in importlib.import_module(f"nncalc.cli.{module}").command.params:
            assert not isinstance(param.type, click.types.FloatParamType), (module, param.name)


# ------------------------------------------------------------- help screens and narrow terminals

@pytest.mark.parametrize("columns", ["40", "60", "80"])
def test_chinese_help_lines_keep_their_punctuation_together(columns):
    for command in ("activate", "backprop", "check", "conv", "loss", "outsize", "pool"):
        out = _help(command, columns)
        assert not re.search(r"^\s+[，。、；：？！）》」』】]", out, re.M), (command, columns, out)
        assert not re.search(r"[（《「『【]$|\S\[$", out, re.M), (command, columns, out)


def _help(command, columns):
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k not in ("NNCALC_LANG", "LANGUAGE", "LC_ALL", "LANG")}
    env.update(NO_COLOR="1", COLUMNS=columns)
    return subprocess.run([sys.executable, "-m", "nncalc", "--lang", "zh", command, "--help"],
                          capture_output=True, text=True, env=env, timeout=60).stdout


def test_chinese_help_defaults_read_like_clicks_own():
    out = nncalc("--lang", "zh", "backprop", "--help").stdout + nncalc("--lang", "zh", "activate", "--help").stdout
    assert "学习率 η > 0 [默认：0.1]" in out and "[默认：4]" in out
    assert "［" not in out and "］" not in out
    assert not re.search(r" \[(0\.1|sigmoid|sgd|half-sse|1e-8|0\.9)\]", out)
    loss = nncalc("--lang", "zh", "loss", "--help").stdout
    assert "可选：half-sse、sse、mse、bce、cross-entropy。" in " ".join(loss.split())


def test_left_out_columns_are_listed_with_the_chinese_enumeration_comma():
    from nncalc.cli import i18n, terminal
    i18n.activate("zh")
    try:
        _text, note = terminal.table([["a" * 20] * 5], ["函数", "值域", "优点", "缺点", "备注"],
                                     ["left"] * 5, _draw, 50, full=False)
    finally:
        i18n.activate("en")
    assert "'、'" in note and "', '" not in note


def _draw(rows, headers, colalign, maxcolwidths=None):
    from tabulate import tabulate
    return tabulate(rows, headers, colalign=colalign, maxcolwidths=maxcolwidths)


def test_column_wrapper_moves_punctuation_with_its_neighbour():
    from nncalc.cli.helpwrap import ColumnWrapper
    for width in range(12, 40):     # narrower than a word plus its bracket, the bracket stands alone
        for line in ColumnWrapper(width=width).wrap("填充：在每一侧补的 0 的个数（每侧 P 个），或（PyTorch 的默认做法）。"):
            assert line[:1] not in "，。、；：）" and line[-1:] not in "（[", (width, line)


def test_uneven_padding_formula_names_its_sides_in_chinese():
    out = zh("outsize", "32", "--kernel", "3", "--stride", "2", "--padding", "same").stdout
    assert "OH = ⌊(H + P_前 + P_后 − D·(K−1) − 1) / S⌋ + 1" in out and "before" not in out


# ------------------------------------------------------------- every word, over many screens

# Names a Chinese reader types or reads as names: commands, functions, losses, optimizers, formats,
# formula symbols and functions, JSON keys, metavars, libraries and the people a method is named after.
NAMES = set("""activate backprop check conv loss outsize pool nncalc flatten fc avgpool
identity step sigmoid tanh relu leaky-relu elu softplus gelu silu softmax log-softmax ReLU GELU SiLU
Sigmoid Transformer swish linear leakyrelu lrelu logsoftmax half-sse sse mse bce cross-entropy sgd
momentum adam max avg ceil same valid one-hot argmax count_include_pad
net out out_i out_j net_j w_ji b_j b_f p_i p_j p_k x_i x_j y_i t_k o_k z_j z_k k_eff Xpad dout exp
log erf inf nan PRED TARGET SIZE INPUT KERNEL VALUES LAYER EXPECTED ACTUAL FUNCTION result
PyTorch TensorFlow NumPy Xavier Python JSON""".split())

SCREENS = [
    ["activate", "--list"], ["activate", "identity", "--slope", "2", "1"], ["activate", "elu", "-1", "2"],
    ["activate", "softmax", "1 2 3", "--jacobian"], ["activate", "sigmoid", "1", "--expect", "0.75"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 2; 3 4", "--backward", "1 0; 0 1", "--padding", "same",
     "--stride", "2"],
    ["conv", "1 2;3 4 | 5 6;7 8", "1 0;0 1 | 0 1;1 0", "--bias", "1", "--activation", "relu",
     "--backward", "1"],
    ["pool", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "--avg", "--size", "3", "--padding", "1",
     "--backward", "1 1; 1 1"],
    ["pool", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "--size", "3", "--stride", "2", "--ceil"],
    ["outsize", "32x32x3", "conv:8,3,1,same", "relu", "pool:2,2,0,ceil", "fc:10", "--channels-last"],
    ["outsize", "4", "--kernel", "3", "--stride", "2", "--transposed", "--output-padding", "1"],
    ["backprop", "--layers", "2,2", "--seed", "1", "--activation", "identity", "--input", "1 2",
     "--target", "1 0", "--optimizer", "momentum", "--steps", "2", "--loss", "mse", "--check"],
    ["backprop", "--layers", "2,2", "--seed", "1", "--activation", "relu", "--input", "1 2", "--target", "1 0",
     "--order", "sequential"],
    ["backprop", "--layers", "conv:1,2 relu avgpool:2 flatten fc:2 softmax", "--seed", "0", "--input",
     "1 2 3; 4 5 6; 7 8 9", "--target", "1", "--loss", "cross-entropy", "--optimizer", "adam"],
    ["loss", "0.9 0.2; 0.6 0.1", "1 0; 0 1", "--loss", "bce", "--grad"],
    ["check", "1 2 3", "1 2.5 3", "--rtol", "0.01"],
]


@pytest.mark.parametrize("args", SCREENS, ids=lambda a: " ".join(a[:2]))
def test_no_english_word_outside_names_and_formulas(args):
    r = zh(*args, env={"COLUMNS": "80"})
    assert r.exit_code in (0, 1), r.stderr
    text = re.sub(r"(?<!\w)'[^']*'", "", r.stdout + r.stderr)     # quotes, not primes as in h'(x)
    words = set(re.findall(r"(?<![\w\\-])[A-Za-z][A-Za-z_]*(?:-[a-z]+)*", text))
    english = {w for w in words if len(w) >= 3 and w not in NAMES}
    assert not english, english


@pytest.mark.parametrize("columns", [20, 30, 40, 60])
def test_chinese_prose_wraps_between_characters_in_a_narrow_terminal(columns):
    """A trace line in Chinese fills the terminal's width (it used to break only at spaces, leaving
    half-empty lines), never starts a line with closing punctuation and loses no character."""
    from nncalc.cli.terminal import display_width, wrap
    text = ("同一个 ∂E/∂X 也可以用一次卷积算出：按步幅插零后的 DY 与旋转 180° 的卷积核做完整卷积，"
            "再裁去填充（上 1、下 1、左 1、右 1）；步幅 2,2，填充 P，膨胀率 1,1。")
    lines = wrap(text, columns).split("\n")
    assert all(display_width(line) <= columns for line in lines)
    assert not [line for line in lines[1:] if line.lstrip()[:1] in "，。、；：）"]
    assert not [line for line in lines[:-1] if line[-1:] in "（"]
    assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", "")
    assert all(display_width(line) >= columns - 6 for line in lines[:-1]), lines


def test_the_catalog_addresses_the_reader_one_way():
    """'您是不是想输入…' in hints and '按你写出的位数' in verdicts mixed two registers: 您 throughout."""
    from babel.messages.pofile import read_po
    from test_i18n import PO
    with open(PO, "rb") as fh:
        strings = "".join(m.string if isinstance(m.string, str) else "".join(m.string) for m in read_po(fh))
    assert "您" in strings and "你" not in strings


def test_unknown_format_lists_each_choice_once():
    """Found on the way: latex, html and tsv were listed twice (nncalc's and tabulate's)."""
    line = zh("activate", "relu", "1", "--format", "jsn").stderr
    choices = line.split("可选：")[1].strip().split(", ")
    assert len(choices) == len(set(choices)) and {"latex", "html", "tsv", "github"} <= set(choices)


@pytest.mark.parametrize("lang, args, line", [
    ("en", ["check", "1 2"], "Error: Missing argument 'ACTUAL'"),
    ("zh", ["check", "1 2"], "错误：缺少参数 'ACTUAL'"),
    ("zh", ["activate", "relu"], "错误：缺少参数 'VALUES'"),
], ids=["en check", "zh check", "zh activate"])
def test_a_missing_argument_says_what_is_missing_without_a_stray_period(lang, args, line):
    r = invoke("--lang", lang, *args)
    assert r.stdout == ""
    assert r.exit_code == 2 and r.stderr == line + "\n"


def test_an_unknown_option_reads_like_nncalcs_own_hints():
    """'没有选项 '--stide'。 您是不是想输入…' had a full stop inside the line; the hint now sits in
    brackets as in 未知函数 'sigmod'（您是不是想输入 'sigmoid'？）, and no line ends in 。."""
    hinted = zh("conv", "1", "1", "--stide", "2").stderr
    assert hinted.startswith("错误：没有选项 '--stide'") and "（您是不是想输入 '--stride'？）" in hinted
    assert "。" not in hinted
    assert zh("activate", "relu", "1", "--zzzzzz").stderr == "错误：没有选项 '--zzzzzz'\n"


@pytest.mark.parametrize("args", [["--lang", "zh", "-V"], ["--lang", "zh", "--version"]])
def test_the_version_line_is_chinese_too(args):
    """click's version_option fixes its sentence when the group is built, before the language is chosen."""
    from importlib.metadata import version
    r = invoke(*args)
    assert (r.exit_code, r.stderr) == (0, "")
    assert r.stdout == f"nncalc，版本 {version('nncalc')}\n"
