"""Rebuild cli/fonts/: the CJK font subset that Chinese --draw pictures are drawn with.

A development step, like the catalog's (README, "Translations"); run it after the
Chinese of a picture's words changes (tests/test_draw_i18n.py fails until then):

    apt-get install fonts-noto-cjk        # Noto Sans CJK, once (Debian, Ubuntu)
    .venv/bin/python tools/subset_draw_font.py [--source DIR]

The characters: every message marked (_, N_, ngettext) in cli/draw_*.py, the modules
that draw, translated through the compiled catalog; of those, the ones DejaVu Sans
(matplotlib's own font, which the pictures use first) lacks in its regular or bold
face. The glyphs: Noto Sans CJK SC Regular and Bold, SIL Open Font License 1.1
(cli/fonts/OFL.txt). The subset is renamed "nncalc Draw CJK": a modified font should
not carry the original's name (OFL condition 3; neither "Source" nor "Noto" is used).
fontTools comes with matplotlib: nothing new to install. The output is reproducible
(the source's timestamps are kept), so an unchanged catalog rebuilds the same bytes.
"""
import argparse
import ast
import gettext
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "cli" / "fonts"
MO = ROOT / "cli" / "locale" / "zh_CN" / "LC_MESSAGES" / "nncalc.mo"
SOURCE = Path("/usr/share/fonts/opentype/noto")
SOURCE_FAMILY = "Noto Sans CJK SC"
FAMILY = "nncalc Draw CJK"
STYLES = ("Regular", "Bold")
MARKERS = {"_": 1, "N_": 1, "ngettext": 2}


def drawn_messages(root=ROOT):
    """The message ids marked in cli/draw_*.py (a plural's singular and plural)."""
    found = set()
    for path in sorted((root / "cli").glob("draw_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in MARKERS:
                args = node.args[:MARKERS[node.func.id]]
                found.update(a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str))
    return found


def chinese(messages, mo=MO):
    """Each message's Chinese from the compiled catalog (a plural: its one Chinese form)."""
    with open(mo, "rb") as fh:
        catalog = gettext.GNUTranslations(fh)
    return {m: catalog.gettext(m) for m in messages}


def dejavu_cmaps():
    import matplotlib
    ttf = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    return [set(TTFont(ttf / name).getBestCmap()) for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")]


def needed_characters(texts):
    """The characters of TEXTS that DejaVu Sans lacks in its regular or its bold face."""
    regular, bold = dejavu_cmaps()
    return sorted({c for t in texts for c in t if not (ord(c) in regular and ord(c) in bold)})


def source_font(source, style):
    """The SC face of Noto Sans CJK STYLE from a collection (.ttc) or a single .otf."""
    for path in (source / f"NotoSansCJK-{style}.ttc", source / f"NotoSansCJKsc-{style}.otf"):
        if path.suffix == ".ttc" and path.exists():
            for index, font in enumerate(TTCollection(path).fonts):
                if font["name"].getDebugName(1) == SOURCE_FAMILY:
                    return TTFont(path, fontNumber=index, recalcTimestamp=False)
        elif path.exists():
            return TTFont(path, recalcTimestamp=False)
    sys.exit(f"no {SOURCE_FAMILY} {style} in {source} (apt-get install fonts-noto-cjk, or --source DIR)")


def rename(font, style):
    """Name the subset FAMILY (OFL condition 3); the copyright, trademark and licence records stay."""
    version = font["name"].getDebugName(5) or ""
    postscript = f"{FAMILY.replace(' ', '')}-{style}"
    names = {1: FAMILY, 2: style, 3: f"{postscript}; subset of {SOURCE_FAMILY} {style} {version}",
             4: f"{FAMILY} {style}", 6: postscript,
             10: f"A subset of {SOURCE_FAMILY}: the characters of nncalc's Chinese pictures."}
    table = font["name"]
    table.names = [n for n in table.names if n.nameID not in (16, 17, 18, 21, 22)]
    for name_id, text in names.items():
        table.removeNames(nameID=name_id)
        table.setName(text, name_id, 3, 1, 0x409)
    cff = font["CFF "].cff
    cff.fontNames = [postscript]
    top = cff.topDictIndex[0]
    top.FullName, top.FamilyName = f"{FAMILY} {style}", FAMILY


def build(characters, source, out=FONTS):
    out.mkdir(exist_ok=True)
    options = subset.Options()
    options.name_IDs = ["*"]            # the copyright, trademark and licence records travel with it
    options.name_languages = [0x409]
    options.notdef_outline = True
    sizes = {}
    for style in STYLES:
        font = source_font(source, style)
        subsetter = subset.Subsetter(options)
        subsetter.populate(text="".join(characters))
        subsetter.subset(font)
        rename(font, style)
        path = out / f"nncalc-draw-cjk-{style}.otf"
        font.save(path)
        sizes[path.name] = path.stat().st_size
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=SOURCE, help=f"folder of Noto Sans CJK [{SOURCE}]")
    args = parser.parse_args()
    characters = needed_characters(chinese(drawn_messages()).values())
    sizes = build(characters, args.source)
    print(f"{len(characters)} characters: {''.join(characters)}")
    for name, size in sizes.items():
        print(f"cli/fonts/{name}: {size:,} bytes")


if __name__ == "__main__":
    main()
