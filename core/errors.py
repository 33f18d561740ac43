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


def shape_text(shape):
    """A shape as messages and traces write it: '3×4', or 'scalar' for ()."""
    return "×".join(str(int(s)) for s in shape) if len(shape) else "scalar"


def plural(n, word):
    """'1 value', '3 values'."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def suggest(word, choices, rename=None):
    """" (did you mean 'x'?)" for the closest of CHOICES, or "" (difflib loads only here).

    RENAME maps a matched choice (an alias) to the name to show.
    """
    import difflib
    close = difflib.get_close_matches(str(word).strip().lower(), list(choices), n=1, cutoff=0.5)
    if not close:
        return ""
    return " (did you mean '{name}'?)".format(name=(rename or {}).get(close[0], close[0]))


class InputError(ValueError):
    def __init__(self, message, field=None, code=None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code

    def __str__(self):
        return self.message
