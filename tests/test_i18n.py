"""The Chinese interface: choosing the language, the catalog's completeness, and what must not change.
(What a person reads in Chinese — help, errors, traces, tables — is tests/test_i18n_screens.py.)

How user-facing strings are found (test_every_message_has_a_chinese_translation):
Babel extracts, with the keywords the README's extract step uses, every
message id marked in cli/ and core/ — `_()`, `ngettext()`, `N_()` (sentences
kept as data and translated where they are shown), `InputError()` and
`Text()` (core's messages, whose first argument is the English template).
test_no_user_string_escapes_the_catalog then reads the syntax trees for
user-facing strings that are *not* marked: a literal or f-string given to
UserError / click's exceptions / `help=`, or an InputError whose template is
an f-string or formatted before the raise (Babel would extract nothing, or a
template that never matches at run time).
"""
import ast
import gettext
import io
import json
import os
from pathlib import Path

import pytest

from conftest import invoke

babel = pytest.importorskip("babel", reason="Babel is a test dependency (pip install -e '.[test]')")
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.mofile import write_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "cli" / "locale"
PO = LOCALE / "zh_CN" / "LC_MESSAGES" / "nncalc.po"
MO = PO.with_suffix(".mo")
# the same keywords as the README's `pybabel extract` line (besides Babel's defaults)
KEYWORDS = {"_": None, "ngettext": (1, 2), "N_": None, "InputError": (1,), "Text": (1,), "Plural": (1, 2)}


def catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="zh_CN")


# Modules whose messages are not yet translated: issue 15 stays open while this lists any.
# Their messages are still marked (extractable); only the Chinese is missing.
NOT_YET_TRANSLATED = set()


def extracted():
    """msgid -> where it is first used, for every message used outside NOT_YET_TRANSLATED."""
    method_map = [("cli/**.py", "python"), ("core/**.py", "python")]
    found = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map=method_map, keywords=KEYWORDS):
        key = message[0] if isinstance(message, tuple) else message
        if key and filename.replace(os.sep, "/") not in NOT_YET_TRANSLATED:
            found.setdefault(key, f"{filename}:{lineno}")
    return found


def test_every_message_has_a_chinese_translation():
    cat = catalog()
    untranslated = []
    for msgid, where in sorted(extracted().items(), key=lambda kv: kv[1]):
        entry = cat.get(msgid)
        strings = () if entry is None else entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if entry is None or entry.fuzzy or not all(strings):
            untranslated.append(f"{where}: {msgid[:70]!r}")
    assert not untranslated, (f"{len(untranslated)} messages have no Chinese translation (run the "
                              "README's catalog steps):\n" + "\n".join(untranslated))


def test_translations_use_only_the_placeholders_they_are_given():
    import string
    fields = lambda s: sorted({f for _, f, _, _ in string.Formatter().parse(s) if f is not None})
    for entry in catalog():
        if not entry.id or not entry.string:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if "python-brace-format" in entry.flags:
            # a translation may drop a field (an English plural 's'), never invent one: .format would fail
            for text in strings:
                assert set(fields(text)) <= set(fields(ids[0])) | set(fields(ids[-1])), (entry.id, text)


def test_committed_mo_is_the_compiled_po():
    # git keeps no file times, so compile the .po here and compare the catalogs themselves
    compiled = io.BytesIO()
    write_mo(compiled, catalog())
    compiled.seek(0)
    with open(MO, "rb") as fh:
        committed = gettext.GNUTranslations(fh)._catalog
    assert gettext.GNUTranslations(compiled)._catalog == committed, \
        "cli/locale/zh_CN/LC_MESSAGES/nncalc.mo is stale: run pybabel compile (README, Translations)"


# ------------------------------------------------------------- choosing the language

@pytest.mark.parametrize("env, expected", [
    ({}, "en"),
    ({"LANG": "zh_CN.UTF-8"}, "zh"),
    ({"LANG": "zh_TW.UTF-8"}, "zh"),
    ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "zh_CN.UTF-8"}, "zh"),       # LC_MESSAGES before LANG
    ({"LC_ALL": "C", "LC_MESSAGES": "zh_CN.UTF-8"}, "en"),                # LC_ALL before LC_MESSAGES
    ({"LANGUAGE": "zh_CN:en", "LC_ALL": "en_US.UTF-8"}, "zh"),           # LANGUAGE first
    ({"LANGUAGE": "fr:zh", "LANG": "zh_CN.UTF-8"}, "en"),
    ({"NNCALC_LANG": "en", "LANGUAGE": "zh_CN"}, "en"),                  # NNCALC_LANG before the locale
    ({"NNCALC_LANG": "zh", "LANG": "C"}, "zh"),
])
def test_language_from_the_environment(monkeypatch, env, expected):
    from nncalc.cli import i18n
    for name in ("NNCALC_LANG", *i18n.LOCALE_VARS):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert i18n.from_environment() == expected


@pytest.mark.parametrize("args, expected", [
    (["--lang", "zh", "conv"], "zh"), (["--lang=en", "conv"], "en"), (["--debug", "--lang", "zh"], "zh"),
    (["conv", "--lang", "zh"], None),          # after the command name it is not the group's
    (["--lang", "fr"], None), ([], None),
    (["--lang", "zh_CN", "conv"], "zh"), (["--lang", "ZH", "conv"], "zh"), (["--lang=zh-TW", "conv"], "zh"),
    (["--lang", "en_US", "conv"], "en"),      # as NNCALC_LANG reads them
])
def test_language_from_the_arguments(args, expected):
    from nncalc.cli import i18n
    assert i18n.from_arguments(args) == expected


def test_lang_option_beats_the_environment():
    zh = invoke("--lang", "zh", "activate", "relu", "1", "x", env={"NNCALC_LANG": "en"})
    en = invoke("--lang", "en", "activate", "relu", "1", "x", env={"NNCALC_LANG": "zh", "LANG": "zh_CN.UTF-8"})
    assert zh.stderr.startswith("错误：VALUES：")
    assert en.stderr.startswith("Error: VALUES: ")
    assert zh.exit_code == en.exit_code == 2 and zh.stdout == en.stdout == ""


def test_a_chinese_run_leaves_the_next_run_english():
    assert invoke("--lang", "zh", "nosuch").stderr.startswith("错误：")
    assert invoke("nosuch").stderr.startswith("Error: unknown command 'nosuch'")


def test_unknown_language_is_a_usage_error():
    r = invoke("--lang", "fr", "activate", "relu", "1")
    assert r.exit_code == 2 and "--lang" in r.stderr and r.stdout == ""


# ------------------------------------------------------------- what never changes with the language

MACHINE_READABLE = [
    ["activate", "sigmoid", "-2", "0", "1", "-q"],
    ["activate", "softmax", "1 2 3; 0 0 1", "--format", "json"],
    ["activate", "--list", "--format", "json"],
    ["activate", "--list", "-q"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--format", "json"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--backward", "1 0; 0 1", "--format", "json"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1", "--format", "csv"],
    ["pool", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "--size", "2", "--format", "tsv"],
    ["pool", "1 2 3 4; 5 6 7 8; 9 10 11 12; 13 14 15 16", "--size", "2", "--format", "json"],
    ["loss", "0.2 0.8", "0 1", "--loss", "mse", "--format", "json"],
    ["loss", "0.2 0.8", "1", "--loss", "cross-entropy", "-q"],
    ["outsize", "28", "--kernel", "5", "--stride", "1", "--format", "json"],
    ["backprop", "--layers", "2,2,1", "--seed", "0", "--input", "0 1; 1 0", "--target", "1; 0",
     "--steps", "3", "--format", "json"],
    ["backprop", "--layers", "2,2,1", "--seed", "0", "--input", "0 1", "--target", "1", "-q"],
    ["pool", "1 2; 3 4", "--size", "2", "-q", "--format", "npy"],
]


@pytest.mark.parametrize("args", MACHINE_READABLE, ids=lambda a: " ".join(a[:2]))
def test_machine_readable_output_is_the_same_bytes_in_both_languages(args):
    en, zh = invoke("--lang", "en", *args), invoke("--lang", "zh", *args)
    assert en.exit_code == zh.exit_code == 0, (en.stderr, zh.stderr)
    assert en.stdout_bytes == zh.stdout_bytes
    if "json" in args:
        json.loads(en.stdout)


# ------------------------------------------------------------- strings that bypass the catalog

CLI_MESSAGE_CALLS = {"UserError", "UsageError", "ClickException", "BadParameter", "fail"}


# Report methods whose first argument a person reads (render.Report, and click.echo for notes)
TRACE_CALLS = {"heading", "line", "matrix", "echo", "secho", "label", "progressbar"}
# names in formulas, and the symbols the outsize legend defines (jump, pad)
MATH_WORDS = {"max", "avg", "net", "out", "exp", "log", "dout", "jump", "pad"}


def _has_words(node):
    """A literal (or f-string) with an English word of three letters or more outside {…}."""
    import re
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(v.value for v in node.values if isinstance(v, ast.Constant))
    else:
        return False
    if "=" in text or "∂" in text:          # a formula: stays in mathematical notation
        return False
    words = re.findall(r"(?<![\\\w])[A-Za-z]*[a-z]{3}[A-Za-z]*", text)
    return any(w not in MATH_WORDS for w in words)


def _literal_in_sum(node):
    """A message glued together with '+' from an English literal ('not ' + name)."""
    if not isinstance(node, ast.BinOp):
        return False
    parts = [n for n in ast.walk(node) if isinstance(n, (ast.Constant, ast.JoinedStr))]
    return any(_has_words(p) for p in parts if not isinstance(p, ast.Constant) or isinstance(p.value, str))


def _hand_built_block(call):
    """report.blocks.insert(i, ("line", text)) or .append(…): a block that skips Report.line()."""
    f = call.func
    if not (isinstance(f, ast.Attribute) and f.attr in ("insert", "append") and
            isinstance(f.value, ast.Attribute) and f.value.attr == "blocks"):
        return False
    return any(isinstance(a, ast.Tuple) and len(a.elts) == 2 and isinstance(a.elts[0], ast.Constant) and
               a.elts[0].value in TRACE_CALLS and _has_words(a.elts[1]) for a in call.args)


def _call_name(node):
    f = node.func
    return f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None


def _unmarked(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        first = node.args[0] if node.args else None
        if path.parent.name == "core" and name in ("InputError", "Text") and first is not None:
            formatted = isinstance(first, ast.Call) and _call_name(first) == "format"
            if isinstance(first, ast.JoinedStr) or formatted or isinstance(first, ast.BinOp):
                yield node.lineno, f"{name} template built before the raise"
        if path.parent.name == "cli":
            if name in CLI_MESSAGE_CALLS and (isinstance(first, (ast.Constant, ast.JoinedStr)) or
                                              _literal_in_sum(first)):
                yield node.lineno, f"{name} message not passed through _()"
            if name in TRACE_CALLS and _has_words(first):
                yield node.lineno, f"{name}() text not passed through _()"
            if _hand_built_block(node):
                yield node.lineno, "report block text not passed through _()"
            if name == "table" and isinstance(first, ast.List):
                if any(_has_words(h) for h in first.elts):
                    yield node.lineno, "table header not passed through _()"
            for kw in node.keywords:
                if kw.arg in ("help", "short_help") and isinstance(kw.value, (ast.Constant, ast.JoinedStr,
                                                                              ast.BinOp)):
                    if not isinstance(kw.value, ast.Constant) or kw.value.value:
                        yield node.lineno, f"{kw.arg}= not passed through _()"


def test_no_user_string_escapes_the_catalog():
    found = []
    for folder in ("cli", "core"):
        for path in sorted((ROOT / folder).glob("*.py")):
            found += [f"{folder}/{path.name}:{line}: {what}" for line, what in _unmarked(path)]
    assert not found, "\n".join(found)


def test_english_plurals_go_through_ngettext():
    inline = [f"{p.relative_to(ROOT)}" for folder in ("cli", "core") for p in (ROOT / folder).glob("*.py")
              if "'s' * (" in p.read_text(encoding="utf-8") or '"s" * (' in p.read_text(encoding="utf-8")]
    assert not inline, inline


def test_the_fast_catalog_reads_what_gettext_reads():
    from nncalc.cli.i18n import Catalog
    fast = Catalog(str(MO))
    with open(MO, "rb") as fh:
        stdlib = gettext.GNUTranslations(fh)
    for entry in catalog():
        if not entry.id:
            continue
        if isinstance(entry.id, tuple):
            for n in (1, 2, 5):
                assert fast.ngettext(*entry.id, n) == stdlib.ngettext(*entry.id, n), entry.id
        else:
            assert fast.gettext(entry.id) == stdlib.gettext(entry.id), entry.id
    assert fast.gettext("no such message") == "no such message"
    assert fast.ngettext("one apple", "{n} apples", 3) == "{n} apples"


def test_a_regular_wheel_ships_the_compiled_catalog(wheel):
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    assert "nncalc/cli/locale/zh_CN/LC_MESSAGES/nncalc.mo" in names
    assert "nncalc/cli/locale/GLOSSARY.md" in names
    assert not any(name.startswith(("tests/", "nncalc/tests/")) for name in names)


@pytest.mark.parametrize("value, lang", [("zh_CN", "zh"), ("ZH", "zh"), ("zh-TW", "zh"), ("en_US", "en"), ("EN", "en")])
def test_lang_takes_a_locale_name_as_nncalc_lang_does(value, lang):
    r = invoke("--lang", value, "activate", "relu", "1", "x", env={"NNCALC_LANG": None, "LANGUAGE": None,
                                                                  "LC_ALL": None, "LANG": None})
    assert r.stderr.startswith({"zh": "错误：VALUES：", "en": "Error: VALUES: "}[lang]), r.stderr


def test_lang_refuses_other_languages_naming_the_choices():
    r = invoke("--lang", "fr", "activate", "relu", "1")
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", "Error: --lang: 'fr' is not one of 'zh', 'en'\n")


@pytest.mark.parametrize("args, line", [
    (["activate", "relu", "1", "--lang", "zh"], "Error: --lang: goes before the command: nncalc --lang zh activate …"),
    (["--lang", "zh", "conv", "1", "1", "--lang=en_US"],
     "错误：--lang：应写在命令之前：nncalc --lang en_US conv …"),
    (["outsize", "--lang=fr", "5", "conv:1,2"], "Error: --lang: goes before the command: nncalc --lang zh outsize …"),
])
def test_lang_after_the_command_says_where_it_goes(args, line):
    r = invoke(*args, env={"NNCALC_LANG": "en"})
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", line + "\n")
