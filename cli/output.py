"""Writing to standard output so that nothing is lost without a word.

Two ways output could vanish or crash, both handled here once:

* Short writes. Under ``PYTHONUNBUFFERED=1`` (``python -u``) Python's stdout
  has no buffered layer, and its text layer ignores how many bytes a write
  really took: on a nearly full disk the rest is dropped and the command
  exits 0. ``guard_stdout`` puts a buffered layer back (it retries partial
  writes and raises when the disk refuses), and ``write_bytes`` loops on the
  count itself, so a write is complete or an OSError reaches the error
  policy in nncalc.cli.main ("Error: cannot write the output: …", exit 1).
* Encodings without nncalc's symbols (``PYTHONIOENCODING=cp1252``, latin-1,
  ascii). We spell the missing symbols in ASCII (σ → sigma, ⌊x⌋ → floor(x),
  × → x) rather than write UTF-8 regardless: whoever chose that encoding
  reads the output through it, where UTF-8 bytes show as mojibake (σ as two
  wrong Latin-1 letters). Numbers are ASCII in every format, so results are
  unchanged and still read back. Symbols the encoding has (× in cp1252) are
  kept. (click itself writes UTF-8 to an ASCII stream, so `--help` there is
  UTF-8.)

Only the standard library is imported at the top: the help path loads it.
"""
import codecs
import io
import sys
import unicodedata

ERRORS = "nncalc-ascii"

# Symbols nncalc prints, in ASCII; anything else falls back to its NFKC form
# (full-width digits), a Greek letter's name, or '?'.
SPELLINGS = {
    "×": "x", "−": "-", "∂": "d", "·": "*", "Σ": "sum ", "…": "...", "√": "sqrt", "∞": "inf",
    "←": "<-", "→": "->", "²": "^2", "³": "^3", "≥": ">=", "≤": "<=", "≈": "~=", "—": "--",
    "½": "1/2", "°": " deg", "±": "+/-", "⊙": "(*)", "ᵀ": "^T", "÷": "/", "⌊": "floor(", "⌋": ")",
    "⌈": "ceil(", "⌉": ")", "⋮": ":", "⋱": "\\", "\u0302": "^", "ε": "eps", "–": "-", "’": "'",
    "≠": "!=",
}


def ascii_spelling(char):
    if char in SPELLINGS:
        return SPELLINGS[char]
    name = unicodedata.name(char, "")
    if name.startswith("GREEK "):
        word = name.split()[-1].lower()
        return word.capitalize() if " CAPITAL " in name else word
    plain = unicodedata.normalize("NFKC", char)
    return plain if plain.isascii() else "?"


def _spell(exc):
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    return "".join(ascii_spelling(c) for c in exc.object[exc.start:exc.end]), exc.end


codecs.register_error(ERRORS, _spell)
_REPLACED = []


def guard_stdout():
    """Make sys.stdout buffered (complete writes) and able to spell every symbol; idempotent."""
    out = sys.stdout
    if not isinstance(out, io.TextIOWrapper):
        return                          # a test runner's capture, or no stdout at all
    raw = getattr(out, "buffer", None)
    if isinstance(raw, io.RawIOBase):   # -u / PYTHONUNBUFFERED: put the buffered layer back
        out.flush()
        _REPLACED.append(out)           # kept alive: collecting it would close the shared raw stream
        sys.stdout = io.TextIOWrapper(io.BufferedWriter(raw), encoding=out.encoding, errors=ERRORS,
                                      line_buffering=out.line_buffering)
    elif out.errors == "strict":
        out.reconfigure(errors=ERRORS)


def write_bytes(data, stream=None):
    """Write all of DATA to STREAM (sys.stdout's binary layer) and flush it, or raise OSError."""
    text = stream is None
    stream = stream or getattr(sys.stdout, "buffer", sys.stdout)
    if text:
        sys.stdout.flush()              # whatever the text layer holds goes first
    view = memoryview(data).cast("B")
    while view:
        written = stream.write(view)
        if not written:                 # 0, or None from a non-blocking stream that would block
            import errno
            raise OSError(errno.EIO, "the output accepted no more bytes")
        view = view[written:]
    stream.flush()


def write_npy(arr):
    """np.save's bytes, written straight from the array (no copy of a large result), each
    write complete or an OSError (BrokenPipeError, ENOSPC) for the error policy."""
    import numpy as np
    from numpy.lib import format as npy_format
    arr = np.ascontiguousarray(arr)
    head = io.BytesIO()
    npy_format.write_array_header_1_0(head, npy_format.header_data_from_array_1_0(arr))
    write_bytes(head.getvalue())
    write_bytes(arr.data.cast("B") if arr.size else b"")


def encode(text, stream=None):
    """TEXT in STREAM's encoding (sys.stdout's), missing symbols spelled in ASCII."""
    stream = stream or sys.stdout
    return text.encode(getattr(stream, "encoding", None) or "utf-8", ERRORS)
