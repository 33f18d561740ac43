"""Reading matrix arguments: inline text, JSON, ``@FILE`` or ``-`` for standard input.

The grammar itself lives in nncalc.core.parse; this module only fetches the
bytes (never writing to a file) and names the argument in every error.
"""
import contextlib
import os
import re
import stat
import sys

import click

from nncalc.cli import oserrors
from nncalc.cli.options import UserError
from nncalc.cli.i18n import N_, _, tr
from nncalc.core.errors import InputError

# .csv/.tsv/.txt files get the spreadsheet rules (';' columns, decimal commas, quotes);
# inline text and standard input never do, so '1 2; 3 4' and -q output read as always
TEXT_SUFFIXES = {".csv": "sheet", ".tsv": "sheet", ".txt": "sheet", ".json": "json", ".npy": "npy"}
BYTES_PER_ELEMENT = 64      # generous: a long float in text with its separator
FAST_READ_MIN = 1 << 20     # smaller text files read quickly enough the careful way


# What a command line adds to a core message with this code: core knows no options.
CODE_HINTS = {"over_limit": N_(" (raise it with --max-elements)"),
              "logits": N_("; these look like scores (logits): add --from-logits"),
              "not_distribution": N_("; for one independent probability per output (sigmoid) use --loss bce"),
              "trace": N_("; pipe a result with -q (or --format json), not the text trace"),
              "over_work": N_(" (allow it with --max-work N)"),
              "layout": N_("; --in-out reads every W the other way round, inputs × neurons, "
                           "as Deep Learning from Scratch writes it")}


def argument_for(exc, fields=None, default=None):
    """The argument or option a core InputError is about, as this command line spells it.

    FIELDS maps core's field names (``"stride"``, ``"dout"``) to the command's
    own (``"--stride"``, ``"--backward"``); an indexed field such as
    ``"layers[2].weights"`` is looked up whole, then by its first name.
    Without a mapped field: DEFAULT.
    """
    fields = fields or {}
    if exc.field is not None:
        for key in (exc.field, re.split(r"[\[.]", exc.field, maxsplit=1)[0]):
            if key in fields:
                return fields[key]
    return default


def user_error(exc, fields=None, default=None):
    """The UserError for core's InputError: the message, its code's hint, the argument's name."""
    hint = CODE_HINTS.get(exc.code)
    return UserError(tr(exc.text) + (_(hint) if hint else ""), argument_for(exc, fields, default))


@contextlib.contextmanager
def naming(default=None, fields=None):
    """Turn core's InputError into a UserError naming the argument (see argument_for)."""
    try:
        yield
    except InputError as exc:
        raise user_error(exc, fields, default) from None


def _byte_limit(max_elements):
    return max(1 << 20, max_elements * BYTES_PER_ELEMENT)


CHUNK = 1 << 20


def read_bounded(fh, limit):
    """FH's bytes, or None as soon as more than LIMIT have arrived.

    Counted while reading, in chunks: a FIFO, a device or a pipe reports no
    size (os.path.getsize gives 0), and /dev/zero never ends.
    """
    buf = bytearray()
    while True:
        part = fh.read(min(CHUNK, limit + 1 - len(buf)))
        if not part:
            return bytes(buf)
        buf += part
        if len(buf) > limit:
            return None


class _Prefixed:
    """A binary stream with HEAD, already read from FH, put back in front of it."""

    def __init__(self, head, fh):
        self.head, self.fh = head, fh

    def read(self, n=-1):
        if not self.head:
            return self.fh.read(n)
        if n is None or n < 0:
            part, self.head = self.head + self.fh.read(), b""
        else:
            part, self.head = self.head[:n], self.head[n:]
        return part

    def readinto(self, buffer):
        if not self.head:
            return self.fh.readinto(buffer)
        n = min(len(buffer), len(self.head))
        buffer[:n], self.head = self.head[:n], self.head[n:]
        return n


def _read_stream(fh, kind, name, max_elements, path):
    """The array in FH (file PATH, or None: standard input): a .npy read as its header says (kind
    'npy', or None and the magic bytes), anything else up to the byte bound for MAX_ELEMENTS."""
    from nncalc.core import forms, parse
    head = b""
    if kind in (None, "npy"):
        head = bytes(forms.read_exactly(fh, len(forms.NPY_MAGIC)))
        if kind == "npy" or head == forms.NPY_MAGIC:
            return forms.read_npy(_Prefixed(head, fh), max_elements)
    rest = read_bounded(fh, _byte_limit(max_elements) - len(head))
    if rest is None:
        _too_big(path, name, max_elements)
    return parse.parse_bytes(head + rest, kind, max_elements)


def _too_big(path, name, max_elements):
    """PATH None: standard input. A file's quoted name and a word take different spacing in Chinese."""
    if path is None:
        text = _("standard input is over the limit of {limit:,} bytes for {max_elements:,} elements (raise "
                 "--max-elements)")
    else:
        text = _("'{path}' is over the limit of {limit:,} bytes for {max_elements:,} elements (raise "
                 "--max-elements)")
    raise UserError(text.format(path=path, limit=_byte_limit(max_elements), max_elements=max_elements), name)


def _stdin(name):
    ctx = click.get_current_context()
    if ctx.meta.get("nncalc.stdin_read"):
        raise UserError(_("'-' (standard input) can be read only once per command"), name)
    ctx.meta["nncalc.stdin_read"] = True
    if sys.stdin is None:               # `nncalc … <&-`
        raise UserError(_("'-' reads standard input, but it is closed"), name)
    stdin = getattr(sys.stdin, "buffer", sys.stdin)
    if stdin.isatty():
        raise click.UsageError(_("{name}: '-' reads standard input, but it is a terminal; pipe or redirect "
                                 "a matrix into it").format(name=name))
    return stdin


@contextlib.contextmanager
def _reading_stdin(name):
    """A failed read of standard input (EIO from a hung-up terminal, say) is the input's fault."""
    try:
        yield
    except OSError as exc:
        raise UserError(_("cannot read standard input: {reason}").format(reason=oserrors.reason(exc)),
                        name) from None


def read_stdin(name, max_elements):
    """Standard input's bytes (read once per command), bounded by --max-elements."""
    with _reading_stdin(name):
        data = read_bounded(_stdin(name), _byte_limit(max_elements))
    if data is None:
        _too_big(None, name, max_elements)
    return data


def _opened(path, name):
    path = os.path.expanduser(path)
    if os.path.isdir(path):
        raise UserError(_("'{path}' is a directory, not a file").format(path=path), name)
    return path, open(path, "rb")


def read_file(path, name, max_elements):
    """A file's bytes (any file: regular, FIFO, device), bounded by --max-elements."""
    try:
        path, fh = _opened(path, name)
        with fh:
            data = read_bounded(fh, _byte_limit(max_elements))
    except OSError as exc:
        raise UserError(_("cannot read '{path}': {reason}").format(path=path, reason=oserrors.reason(exc)),
                        name) from None
    if data is None:
        _too_big(path, name, max_elements)
    return data


def _read_file_matrix(path, kind, name, max_elements):
    try:
        path, fh = _opened(path, name)
        with fh:
            return _read_stream(fh, kind, name, max_elements, path)
    except OSError as exc:
        raise UserError(_("cannot read '{path}': {reason}").format(path=path, reason=oserrors.reason(exc)),
                        name) from None


def read_plain_file(path, kind, max_elements):
    """A large text file of plain numbers through the vectorised reader (nncalc.core.fastread);
    None for anything else, which then goes the careful way and gets its messages."""
    if kind not in (None, "sheet"):
        return None
    from nncalc.core import fastread
    try:
        path = os.path.expanduser(path)
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode) or info.st_size < FAST_READ_MIN:
            return None
        with open(path, "rb") as fh:
            return fastread.read(fh, _byte_limit(max_elements), max_elements)
    except OSError:
        return None


def read_matrix(value, name, max_elements):
    """The array an argument stands for (see nncalc.core.parse for the grammar)."""
    from nncalc.core import parse
    with naming(name):
        if value == "-":
            with _reading_stdin(name):
                return _read_stream(_stdin(name), None, name, max_elements, None)
        if value.startswith("@"):
            path = value[1:]
            if not path:
                raise UserError(_("'@' must be followed by a file name"), name)
            kind = TEXT_SUFFIXES.get(os.path.splitext(path)[1].lower())
            if path.lower().endswith(".npz"):
                raise UserError(_("'.npz' archives are not read; save one array with np.save (.npy)"), name)
            fast = read_plain_file(path, kind, max_elements)
            if fast is not None:
                return fast
            return _read_file_matrix(path, kind, name, max_elements)
        return parse.parse_string(value, max_elements)


def reject_unknown_options(values, ctx=None):
    """With ignore_unknown_options, a mistyped ``--option`` arrives as a value: say so."""
    ctx = ctx or click.get_current_context()
    for v in values:
        if v.startswith("--") and len(v) > 2 and not v[2].isdigit() and v[2] != ".":
            opt = v.split("=", 1)[0]
            names = [o for p in ctx.command.params for o in getattr(p, "opts", []) if o.startswith("--")]
            import difflib
            raise click.NoSuchOption(opt, possibilities=difflib.get_close_matches(opt, names))


def read_values(values, name, max_elements):
    """Positional VALUES…: one matrix argument, or several bare numbers forming a vector."""
    from nncalc.core import parse
    reject_unknown_options(values)
    if not values:
        raise click.MissingParameter(param_hint=f"'{name}'", param_type="argument")
    if len(values) == 1:
        return read_matrix(values[0], name, max_elements)
    for i, v in enumerate(values, 1):
        if not parse.is_number(v):
            if any(sep in v.strip() for sep in " ,;|[\n\t"):
                raise UserError(_("value {i} ('{v}') is not a single number; give several numbers, or one "
                                  "quoted matrix such as '1 2; 3 4'").format(i=i, v=v), name)
            raise UserError(_("value {i}: {v}").format(i=i, v=tr(parse.describe_token(v))), name)
    with naming(name):
        return parse.parse_string(" ".join(values), max_elements)
