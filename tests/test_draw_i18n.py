"""`--draw` in Chinese: every word in the picture is Chinese, and every machine has its glyphs.

Chinese pictures fall back, glyph by glyph, from DejaVu Sans (matplotlib's own font) to the
subset of Noto Sans CJK SC shipped in cli/fonts/ (tools/subset_draw_font.py). The subset
holds only the characters of the drawing modules' messages, so the first test here is the
one that fails when a Chinese picture word gains a character the subset lacks.
"""
import ast
import gettext
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("matplotlib", reason="--draw needs the 'draw' extra (matplotlib)")
from fontTools.ttLib import TTFont  # noqa: E402  (matplotlib depends on fontTools)

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "cli" / "fonts"
MO = ROOT / "cli" / "locale" / "zh_CN" / "LC_MESSAGES" / "nncalc.mo"
SVG_NS = "{http://www.w3.org/2000/svg}"
X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"


def marked_messages():
    """Every string given to _(), N_() or ngettext() in the modules that draw (cli/draw_*.py)."""
    found = set()
    for path in sorted((ROOT / "cli").glob("draw_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("_", "N_", "ngettext"):
                found |= {a.value for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return found


def cmap(path):
    return set(TTFont(path).getBestCmap())


def test_every_character_of_every_chinese_picture_word_has_a_glyph():
    import matplotlib
    with open(MO, "rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    messages = marked_messages()
    assert {"output map", "kernel", "loss", "accuracy", "input (padded)"} <= messages
    dejavu = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for weight in ("Regular", "Bold"):                # titles are bold
        dejavu_has = cmap(dejavu / ("DejaVuSans.ttf" if weight == "Regular" else "DejaVuSans-Bold.ttf"))
        subset_has = cmap(FONTS / f"nncalc-draw-cjk-{weight}.otf")
        missing = {(m, c) for m in messages for c in catalog.gettext(m)
                   if ord(c) not in dejavu_has and ord(c) not in subset_has}
        assert not missing, ("characters of Chinese picture words that no picture font has; rebuild the "
                             f"subset with tools/subset_draw_font.py: {sorted(missing)[:10]}")
    assert "卷积核" == catalog.gettext("kernel")            # the catalog does hold the Chinese


def test_the_drawing_modules_raise_nothing_so_all_their_messages_are_drawn_words():
    """Refusals live in draw.py: a message in a draw_*.py module is drawn, and so is in the subset."""
    for path in sorted((ROOT / "cli").glob("draw_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        raised = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Raise)]
        assert not raised, f"{path.name} raises on lines {raised}: move the refusal to draw.py"


def test_the_subset_is_renamed_and_carries_its_licence():
    for weight in ("Regular", "Bold"):
        names = TTFont(FONTS / f"nncalc-draw-cjk-{weight}.otf")["name"]
        assert (names.getDebugName(1), names.getDebugName(2)) == ("nncalc Draw CJK", weight)
        assert "Source" not in names.getDebugName(4) and "Noto" not in names.getDebugName(4)
        assert "SIL Open Font License" in names.getDebugName(13)
        assert names.getDebugName(0).startswith("© 2014-2021 Adobe")


# ------------------------------------------------------------- pictures drawn in Chinese

PICTURES = {
    "conv": ("conv", "1 2 0;3 4 1;0 1 2 | 5 6 1;7 8 0;1 0 1", "1 0;0 1 | 0 1;1 0", "1 1;0 0 | 0 0;1 1",
             "--bias", "1 -20", "--activation", "relu", "--padding", "1", "--flip"),
    "pool": ("pool", X, "--avg", "--size", "2", "--padding", "1"),
    "max pool": ("pool", "1 2; 3 4 | 5 6; 7 8", "--size", "2"),
    "activate": ("activate", "softmax", "1", "2", "3", "--range", "-3:3"),
    "given points": ("activate", "sigmoid", "-2", "9", "--range", "-3:3"),
    "backprop": ("backprop", "--layers", "2,3,2", "--seed", "0", "--input", "0 0; 0 1; 1 0; 1 1",
                 "--target", "0; 1; 1; 0", "--loss", "cross-entropy", "--lr", "0.5", "--steps", "5", "-q"),
    "diverged": ("backprop", "--weights", "1", "--input", "1", "--target", "2", "--activation", "identity",
                 "--lr", "1e200", "--steps", "3", "-q"),
}
# names that stay English in Chinese: commands, functions, losses, optimizers, inf and nan
NAMES = {"conv", "pool", "max", "avg", "relu", "softmax", "sigmoid", "backprop", "sgd", "cross", "entropy",
         "half", "sse", "inf", "nan"}


def draw(run, tmp_path, name, ext):
    """Draw PICTURES[name] in Chinese to a file: (its path, the warnings matplotlib gave)."""
    path = tmp_path / f"{name.replace(' ', '-')}{ext}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = run("--lang", "zh", *PICTURES[name], "--draw", path)
    assert r.exit_code == 0, r.stderr
    return path, [str(w.message) for w in caught]


def texts(path):
    return ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(f"{SVG_NS}text")]


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_a_chinese_picture_has_chinese_words_and_every_glyph(run, tmp_path, name):
    for ext in (".png", ".svg"):
        path, said = draw(run, tmp_path, name, ext)
        assert not [w for w in said if "missing from font" in w], said
    shown = " ".join(texts(path))
    english = set(re.findall(r"[A-Za-z]{3,}", shown)) - NAMES
    assert not english, f"English words in a Chinese picture: {sorted(english)}"
    assert re.search(r"[\u4e00-\u9fff]", shown)
    # SVG text stays text; a viewer without the subset falls back to its own CJK font
    svg = path.read_text(encoding="utf-8")
    assert "font-family: 'DejaVu Sans', 'nncalc Draw CJK'" in svg
    assert "font-family: 'DejaVu Sans';" not in svg


def test_conv_and_pool_labels_read_as_the_notes_write_them(run, tmp_path):
    shown = texts(draw(run, tmp_path, "conv", ".svg")[0])
    # step 0: the window (0, 0) of each padded channel meets the kernels' 1 at its bottom right only
    for words in ("填充后的输入（通道 0）", "卷积核 0，通道 1（旋转 180°）", "窗口 ⊙ 卷积核",
                  "输出特征图，滤波器 0（relu）", "Σ 各通道：1 + 0 = 1", "+ 偏置 1 = 2"):
        assert words in shown, (words, shown)
    assert "conv：第 0 步（从 0 开始），共 32 步；输出 (f, i, j) = (0, 0, 0)" in shown, shown
    assert any(t.startswith("卷积（卷积核旋转 180°）；步幅 1,1；填充 1,1,1,1（上、下、左、右）") for t in shown)
    shown = texts(draw(run, tmp_path, "pool", ".svg")[0])
    assert {"填充后的输入", "输出特征图", "和 = 1", "÷ 个数 4", "= 0.2500"} <= set(shown), shown
    shown = texts(draw(run, tmp_path, "backprop", ".svg")[0])
    assert {"准确率", "cross-entropy 损失", "损失", "backprop：sgd，η = 0.5，5 步"} <= set(shown), shown


def test_a_chinese_gif_has_every_glyph(run, tmp_path):
    path = tmp_path / "c.gif"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r = run("--lang", "zh", "conv", X, "2 0 1; 0 1 2; 1 0 2", "--padding", "1", "--draw", path)
    assert r.exit_code == 0, r.stderr
    assert not [w for w in caught if "missing from font" in str(w.message)]
    assert path.read_bytes()[:6] == b"GIF89a"


def test_chinese_pictures_are_reproducible(run, tmp_path):
    for ext in (".svg", ".png", ".gif"):
        args = ("--lang", "zh", "pool", X, "--size", "2", "--stride", "1")
        a, b = tmp_path / f"a{ext}", tmp_path / f"b{ext}"
        assert run(*args, "--draw", a).exit_code == 0 and run(*args, "--draw", b).exit_code == 0
        assert a.read_bytes() == b.read_bytes()


def test_english_pictures_use_dejavu_sans_alone(run, tmp_path):
    draw(run, tmp_path, "pool", ".svg")             # a Chinese picture first: the subset is registered
    path = tmp_path / "en.svg"
    assert run("--lang", "en", *PICTURES["pool"], "--draw", path).exit_code == 0
    families = set(re.findall(r"font-family: ([^;\"]*)", path.read_text(encoding="utf-8")))
    assert families == {"'DejaVu Sans'"}
    assert "input (padded)" in texts(path)
