"""The language nncalc speaks: Chinese (``zh``) or English (``en``), chosen once per run.

The choice, first that applies: ``--lang zh|en`` on the group (zh_CN, en_US and the like too), the
``NNCALC_LANG`` variable, then gettext's locale variables in its order
(LANGUAGE, LC_ALL, LC_MESSAGES, LANG; the first one set decides). Any ``zh*``
value means Chinese, anything else English.

Help texts are translated when a command module runs, so main.py chooses
before it imports one (and runs the module again when a later run in the same
process speaks the other language). stdlib gettext only (no numpy, no tabulate): the
catalog is ``locale/zh_CN/LC_MESSAGES/nncalc.mo`` beside this file.

click translates its own words (Usage, Options, Error, …) through gettext's
*global* domain, which reads the language from the environment; so for
Chinese the domain is bound to this catalog and LANGUAGE is pointed at it,
and for English the global domain is one with no catalog at all.
"""
import gettext
import os
import sys

DOMAIN = "nncalc"
LOCALEDIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "locale")
CATALOG_LANGUAGE = "zh_CN"
LANGUAGES = ("zh", "en")
LOCALE_VARS = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")

_state = {"lang": "en", "translation": gettext.NullTranslations(), "environ": None, "catalog": None}


class Catalog(gettext.NullTranslations):
    """The compiled catalog, read without decoding it: start-up reads ~800 entries, a run
    looks up a few dozen. stdlib's GNUTranslations decodes every entry first (about 4 ms).

    Keys are the UTF-8 bytes of each msgid (a plural's is its singular); a lookup decodes
    only what it finds. Chinese has one plural form, so a plural's first form is its text.
    """
    def __init__(self, path):
        super().__init__()
        import struct
        with open(path, "rb") as fh:
            data = fh.read()
        order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
        _magic, _version, n, ids, strs = struct.unpack_from(order + "5I", data)
        id_table = struct.unpack_from(f"{order}{2 * n}I", data, ids)
        str_table = struct.unpack_from(f"{order}{2 * n}I", data, strs)
        self._entries = {data[o:o + length].split(b"\0", 1)[0]: (s, s + slength)
                         for length, o, slength, s in zip(id_table[::2], id_table[1::2],
                                                          str_table[::2], str_table[1::2])}
        self._data = data

    def _find(self, message):
        span = self._entries.get(message.encode("utf-8"))
        if span is None:
            return None
        return self._data[span[0]:span[1]].split(b"\0", 1)[0].decode("utf-8")

    def gettext(self, message):
        found = self._find(message)
        return message if not found else found

    def ngettext(self, singular, plural, n):
        found = self._find(singular)
        return (singular if n == 1 else plural) if not found else found


def _(message):
    """MESSAGE in the chosen language (itself when there is no translation)."""
    return _state["translation"].gettext(message)


def ngettext(singular, plural, n):
    return _state["translation"].ngettext(singular, plural, n)


def N_(message):
    """Marks a message for extraction where it is defined; translated later where it is shown."""
    return message


def language():
    return _state["lang"]


def state():
    """What a run changes: the language, and gettext's global domain (click's words)."""
    return _state["lang"], gettext.textdomain()


def restore(saved):
    """After an in-process run (tests, a program embedding nncalc): the language and gettext's
    domain as they were before it, and LANGUAGE as the user had it."""
    lang, domain = saved
    if lang != _state["lang"]:
        activate(lang)
    _restore_environ()
    gettext.textdomain(domain)


def _restore_environ():
    """Undo our own LANGUAGE setting so the user's environment is read, not ours (in-process runs)."""
    saved = _state["environ"]
    if saved is None:
        return
    _state["environ"] = None
    ours, theirs = saved
    if os.environ.get("LANGUAGE") == ours:
        if theirs is None:
            os.environ.pop("LANGUAGE", None)
        else:
            os.environ["LANGUAGE"] = theirs


def from_environment():
    """'zh' or 'en' from NNCALC_LANG, else from the first locale variable that is set."""
    _restore_environ()
    explicit = os.environ.get("NNCALC_LANG", "").strip().lower()
    if explicit:
        return "zh" if explicit.startswith("zh") else "en"
    for name in LOCALE_VARS:
        value = os.environ.get(name, "")
        if value:
            # LANGUAGE is a list (zh_CN:en); its first entry is the language asked for
            return "zh" if value.split(":")[0].strip().lower().startswith("zh") else "en"
    return "en"


def language_of(value):
    """'zh' or 'en' for a --lang value, as NNCALC_LANG reads it (zh_CN, ZH, zh-TW, en_US), or None."""
    value = value.strip().lower()
    return next((lang for lang in LANGUAGES if value.startswith(lang)), None)


def from_arguments(args):
    """The --lang value typed before the command name in ARGS, or None (click checks the value later)."""
    it = iter(args)
    for word in it:
        if word == "--lang":
            return language_of(next(it, ""))
        if word.startswith("--lang="):
            return language_of(word.split("=", 1)[1])
        if not word.startswith("-") or word == "--":
            return None                 # the command name: options after it are the command's
    return None


def choose(args=()):
    """The language for this run (see the module docstring), made current."""
    activate(from_arguments(args) or from_environment())
    return _state["lang"]


def activate(lang):
    """Make LANG ('zh' or 'en') current for nncalc's messages and click's."""
    _restore_environ()
    if lang == "zh":
        if _state["catalog"] is None:
            path = os.path.join(LOCALEDIR, CATALOG_LANGUAGE, "LC_MESSAGES", DOMAIN + ".mo")
            _state["catalog"] = Catalog(path)
            # gettext's own lookup (click's words) finds this copy in its cache instead of
            # parsing the file again; a private cache, so only where it exists as expected
            cache = getattr(gettext, "_translations", None)
            if isinstance(cache, dict):
                cache.setdefault((gettext.GNUTranslations, os.path.abspath(path)), _state["catalog"])
        _state["translation"] = _state["catalog"]
        gettext.bindtextdomain(DOMAIN, LOCALEDIR)
        gettext.textdomain(DOMAIN)
        if os.environ.get("LANGUAGE") != CATALOG_LANGUAGE:
            _state["environ"] = (CATALOG_LANGUAGE, os.environ.get("LANGUAGE"))
            os.environ["LANGUAGE"] = CATALOG_LANGUAGE
    else:
        lang = "en"
        _state["translation"] = gettext.NullTranslations()
        # a domain with no catalog anywhere: click's words stay English whatever the locale
        gettext.bindtextdomain(DOMAIN + "-en", LOCALEDIR)
        gettext.textdomain(DOMAIN + "-en")
    _state["lang"] = lang
    if "nncalc.cli.helpwrap" in sys.modules:   # installed for a help screen (see help_layout)
        sys.modules["nncalc.cli.helpwrap"].install(lang == "zh")


def help_layout():
    """Before click lays out a help screen: Chinese needs wrapping by columns (cli/helpwrap.py),
    loaded only then, as it costs milliseconds a run that prints no help does not need."""
    if _state["lang"] == "zh":
        from nncalc.cli import helpwrap
        helpwrap.install(True)


def tr(text):
    """A sentence from core in the chosen language.

    core knows no language: its messages (nncalc.core.errors.Text, InputError)
    keep their English template and parameters; here the template is
    translated and filled, parameters that are themselves such sentences too.
    Plain strings are looked up as they are.
    """
    template = getattr(text, "template", None)
    if template is None:
        return _(text) if isinstance(text, str) and text else text
    params = {k: tr(v) if hasattr(v, "template") else v for k, v in text.params.items()}
    plural = getattr(text, "plural", None)
    if plural is not None:
        return ngettext(template, plural, text.count).format(**params)
    return _(template).format(**params) if params else _(template)
