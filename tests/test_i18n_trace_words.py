"""More English a Chinese reader met, after tests/test_i18n_words.py: backprop's trace headings
(an activation's parameters, the update order, the --in-out note), --draw's help and refusal,
and the spacing around a JSON source's name. Each reads the Chinese phrase and, where English
output must not change, the English one too.
"""
import builtins
import json

import click
import pytest

from conftest import invoke
from test_i18n_screens import nncalc


def zh(*args, **kw):
    return invoke("--lang", "zh", *args, **kw)


def en(*args, **kw):
    return invoke("--lang", "en", *args, **kw)


def test_dense_and_conv_trace_headings_name_parameters_in_chinese():
    net = json.dumps({"layers": [
        {"type": "conv", "kernels": [[1, 0], [0, 1]], "bias": [0], "activation": "leaky-relu(0.2)"},
        {"type": "flatten"}, {"weights": [[1, 1, 1, 1]], "bias": [0], "activation": "identity"}]})
    args = ["backprop", "--net", "-", "--input", "1 2 3; 4 5 6; 7 8 9", "--target", "1"]
    out = zh(*args, input=net).stdout
    assert "膨胀率 1×1；leaky-relu，α = 0.2000）：" in out and "前向传播，第 3 层（identity，斜率 c = 1）：" in out
    english = en(*args, input=net).stdout
    assert "dilation 1×1; leaky-relu, alpha = 0.2000): " in english
    assert "Forward, layer 3 (identity, slope = 1): " in english


@pytest.mark.parametrize("order, chinese", [("simultaneous", "同时更新"), ("sequential", "逐层更新")],
                         ids=["simultaneous", "sequential"])
def test_backprop_heading_names_the_update_order_in_chinese(order, chinese):
    args = ["backprop", "--layers", "2,2", "--seed", "1", "--input", "1 2", "--target", "1 0", "--order", order]
    assert zh(*args).stdout.splitlines()[0].endswith(f"学习率 η = 0.1，1 步，{chinese}")
    assert en(*args).stdout.splitlines()[0].endswith(f"η = 0.1, 1 step, {order}")


def test_in_out_note_reads_in_chinese():
    args = ["backprop", "--weights", "1 2; 3 4", "--in-out", "--input", "1 1", "--target", "0 1"]
    assert zh(*args).stdout.splitlines()[1] == \
        "--in-out：每个 W 都按 in×out 读取（每个输入一行）并已转置；这里按 out×in 显示（每个神经元一行）"
    assert en(*args).stdout.splitlines()[1] == \
        "--in-out: every W was read in×out (one row per input) and transposed; shown here out×in (one row per " \
        "neuron)"


def test_draw_help_lists_picture_kinds_with_the_enumeration_comma():
    assert "画成 .svg、.png 或 .gif；" in " ".join(nncalc("--lang", "zh", "conv", "--help").stdout.split())
    assert ".svg, .png or .gif by its extension" in " ".join(nncalc("--lang", "en", "conv", "--help").stdout.split())


def test_a_broken_matplotlib_is_named_without_pythons_english(monkeypatch):
    from nncalc.cli import draw, i18n
    real = builtins.__import__

    def broken(name, *args, **kw):
        if name == "matplotlib":
            raise ImportError("libfoo.so: cannot open shared object file", name="matplotlib._path")
        return real(name, *args, **kw)
    monkeypatch.setattr(builtins, "__import__", broken)
    lines, saved = {}, i18n.state()
    try:
        for lang in ("zh", "en"):
            i18n.activate(lang)
            with pytest.raises(click.ClickException) as refused:
                draw.import_matplotlib()
            lines[lang] = refused.value.format_message()
    finally:
        i18n.restore(saved)
    assert lines["zh"] == "--draw 需要 matplotlib，但它加载失败（无法导入 matplotlib._path）"
    assert lines["en"] == ("--draw needs matplotlib, which did not load (matplotlib._path: libfoo.so: cannot open "
                           "shared object file)")


# ------------------------------------------------------------- a source's name before Chinese text

# 标准输入, 该文本 and 填充后的输入 are words and run into the sentence; a file's quoted name keeps a space
@pytest.mark.parametrize("args, stdin, line", [
    (["backprop", "--net", "-", "--input", "1"], "{x", "错误：--net：标准输入不是有效的 JSON：第 1 行第 2 列："),
    (["backprop", "--net", "{x", "--input", "1"], None, "错误：--net：该文本不是有效的 JSON：第 1 行第 2 列："),
    (["backprop", "--net", "-", "--input", "1"], "[" * 100_000, "错误：--net：标准输入的 JSON 嵌套太深，不可能是网络"),
    (["activate", "relu", "-", "--max-elements", "1"], "0 " * 600_000,
     "错误：VALUES：标准输入超过了 1 个元素对应的 1,048,576 字节上限（可用 --max-elements 调高）"),
    (["activate", "relu", "@/dev/zero", "--max-elements", "10"], None,
     "错误：VALUES：'/dev/zero' 超过了 10 个元素对应的 1,048,576 字节上限（可用 --max-elements 调高）"),
    (["conv", "1 2; 3 4", "1", "--padding", "2000", "--max-elements", "100"], None,
     "错误：--padding：填充后的输入将有 16,016,004 个元素（1 × 4,002×4,002），超过上限 100"),
], ids=["stdin", "text", "deep stdin", "big stdin", "big file", "padded input"])
def test_a_sources_name_runs_into_chinese_text_and_a_files_keeps_its_space(args, stdin, line):
    r = zh(*args, input=stdin)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(line), r.stderr


@pytest.mark.parametrize("content, chinese, english", [
    ("{x", "'{path}' 不是有效的 JSON：第 1 行第 2 列：", "'{path}' is not valid JSON: "),
    ("[" * 100_000, "'{path}' 的 JSON 嵌套太深，不可能是网络", "'{path}' nests JSON too deeply to be a network"),
], ids=["bad", "deep"])
def test_a_net_files_quoted_name_keeps_its_space(tmp_path, content, chinese, english):
    path = tmp_path / "net.json"
    path.write_text(content)
    args = ["backprop", "--net", str(path), "--input", "1"]
    assert zh(*args).stderr.startswith("错误：--net：" + chinese.format(path=path))
    assert en(*args).stderr.startswith("Error: --net: " + english.format(path=path))


def test_english_names_stdin_as_before():
    line = en("activate", "relu", "-", "--max-elements", "10", input="0 " * 600_000).stderr
    assert line == ("Error: VALUES: standard input is over the limit of 1,048,576 bytes for 10 elements (raise "
                    "--max-elements)\n")


def test_a_picture_too_big_names_the_padded_input_as_a_word(tmp_path):
    pytest.importorskip("matplotlib", reason="--draw needs the 'draw' extra (matplotlib)")
    r = zh("conv", "1 2; 3 4", "1", "--padding", "20", "--draw", tmp_path / "x.svg")
    assert r.stderr == "错误：--draw：填充后的输入为 42×42；图片最多显示 32 行 32 列数字\n"


@pytest.mark.parametrize("call, zh, en", [
    (lambda conv, pool: conv.conv2d([[1, 2], [3, 4]], [[1, 2], [3]]), "卷积核必须是规则的数组", "the kernels must"),
    (lambda conv, pool: conv.conv2d([[1, 2], [3]], [[1]]), "输入必须是规则的数组", "the input must"),
    (lambda conv, pool: conv.conv2d([[1, 2]], [[1]], bias=[[1], [1, 2]]), "偏置必须是规则的数组", "the bias must"),
    (lambda conv, pool: pool.backward(pool.pool2d([[1, 2], [3, 4]], size=1), [[1], [1, 2]]),
     "上游梯度必须是规则的数组", "the upstream gradient must"),
], ids=["kernels", "input", "bias", "dout"])
def test_a_ragged_array_is_named_in_the_readers_language(call, zh, en):
    """Not reachable from the command line today (the readers refuse ragged text first), but core
    names the array in a sentence the CLI translates whole, never an English noun in Chinese."""
    from nncalc.cli import i18n
    from nncalc.core import conv, pool
    from nncalc.core.errors import InputError
    for lang, want in (("zh", zh), ("en", en)):
        i18n.activate(lang)
        try:
            with pytest.raises(InputError) as caught:
                call(conv, pool)
            assert i18n.tr(caught.value.text).startswith(want)
        finally:
            i18n.activate("en")


@pytest.mark.parametrize("value, message", [
    ("[[[1],[2]],[[3],4]]", "第 [1][1] 项的形状为 []，第 [1][0] 项为 [1]"),
    ("[[1,2],[3]]", "第 2 行有 1 个值，第 1 行有 2 个"),
    ("[[[1],[2]],[[3],[4, 5]]]", "第 [1][1] 项有 2 个值，第 [1][0] 项有 1 个"),
], ids=["shape", "row", "item"])
def test_ragged_input_names_its_items_without_stray_spaces(value, message):
    # '第 [1][1] 项' is a name: what follows it joins it as in any Chinese sentence
    assert zh("conv", value, "1").stderr == f"错误：INPUT：{message}\n"


def test_an_empty_cell_reads_without_a_stray_space(tmp_path):
    f = tmp_path / "gap.csv"
    f.write_text("1;;3\n")
    assert zh("conv", f"@{f}", "1").stderr == "错误：INPUT：第 1 行第 2 列是空单元格\n"


@pytest.mark.parametrize("extra, chinese, english", [
    ([], "卷积核 3×3 放不进填充后的输入 2×2", "kernel 3×3 does not fit the padded input 2×2"),
    (["--dilation", "2"], "卷积核 3×3（膨胀后 5×5）放不进填充后的输入 2×2",
     "kernel 3×3 (dilated 5×5) does not fit the padded input 2×2"),
], ids=["undilated", "dilated"])
def test_kernel_fit_error_shows_the_dilated_size_only_for_a_dilation(extra, chinese, english):
    args = ["conv", "1 2; 3 4", "1 2 3; 4 5 6; 7 8 9", *extra]
    assert zh(*args).stderr == f"错误：KERNEL：{chinese}\n"
    assert en(*args).stderr == f"Error: KERNEL: {english}\n"
