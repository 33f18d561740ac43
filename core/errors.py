"""The one exception core raises for bad user input.

core never knows which command-line argument a number came from, so it raises
InputError naming the *field* that is wrong (``"kernel"``, ``"stride"``,
``"layers[2].weights"``) and, where a caller must tell cases apart, a short
``code``; each command maps fields to its own argument names (a ``FIELDS``
dict given to nncalc.cli.inputs.naming) and turns the error into exit status 2.

Codes in use: ``over_limit`` (more elements than max_elements allows),
``kernel_channels`` (filters and input disagree on channels), ``class_index``
(a class index not whole or out of range), ``target_shape`` (a target that is
neither the prediction's shape nor class indices).
"""


class Text(str):
    """An English sentence that keeps its template and parameters, so a caller can translate it.

    ``Text("{n} filters", n=3)`` is the string "3 filters"; ``.template`` and
    ``.params`` let the command line look the template up in its catalog and
    fill it again (nncalc.cli.i18n.tr). core itself never imports gettext.
    """
    def __new__(cls, template, **params):
        text = super().__new__(cls, template.format(**params) if params else template)
        text.template = template
        text.params = params
        return text


class Plural(Text):
    """A count in English, singular or plural by N; the caller translates it with ngettext.

    ``Plural("{n} value", "{n} values", n)``: str() is "1 value" or "3 values".
    """
    def __new__(cls, singular, plural, n, **params):
        params = {"n": n, **params}
        text = Text.__new__(cls, singular if n == 1 else plural, **params)
        text.template, text.plural, text.count = singular, plural, n
        return text


def N_(message):
    """Marks an English sentence kept as data (for extraction); the command line translates it."""
    return message


def shape_text(shape):
    """A shape as messages and traces write it: '3×4', or 'scalar' for ()."""
    return "×".join(str(int(s)) for s in shape) if len(shape) else Text("scalar")


def plural(n, word):
    """'1 value', '3 values': a Plural, which the command line translates with ngettext."""
    if word != "value":
        raise ValueError(f"no catalog entry for counting {word!r}: add its Plural here")
    return Plural("{n} value", "{n} values", n)


def suggest(word, choices, rename=None):
    """" (did you mean 'x'?)" for the closest of CHOICES, or "" (difflib loads only here).

    RENAME maps a matched choice (an alias) to the name to show.
    """
    import difflib
    close = difflib.get_close_matches(str(word).strip().lower(), list(choices), n=1, cutoff=0.5)
    if not close:
        return ""
    return Text(" (did you mean '{name}'?)", name=(rename or {}).get(close[0], close[0]))


class InputError(ValueError):
    """Bad input. MESSAGE is an English template; PARAMS fill its ``{names}``.

    ``InputError("{n} is not a size", field="stride", n=n)``: str() is the
    filled English sentence, ``.text`` a Text the command line translates.
    Keep the template a plain literal (no f-string, no .format before raise):
    it is the catalog's message id.
    """
    def __init__(self, message, field=None, code=None, **params):
        text = message if hasattr(message, "template") else Text(message, **params)
        super().__init__(str(text))
        self.text = text
        self.message = str(text)
        self.field = field
        self.code = code

    def __str__(self):
        return self.message
