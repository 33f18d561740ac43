"""A vectorised reader for large plain text files of numbers, or None to say "not plain".

The careful grammar (nncalc.core.parse) looks at every token in Python, which
for ten million values costs seconds and gigabytes. Most large files are the
plainest case of that grammar: lines of ASCII decimal numbers separated by
commas or by blanks, no blank lines. For those this module hands the lines to
NumPy's C text reader (np.loadtxt) in chunks, checking each chunk as it goes.

The contract: ``read`` returns exactly the array the careful parser would
(same values bit for bit, same shape), or None as soon as it sees anything
else: another character, a blank line (a channel break), a lone CR, commas
and tabs together (a spreadsheet question), an empty field or ragged rows
(an error the careful parser words). The caller then reads the same bytes the
careful way, so every message stays the careful parser's. On this character
set NumPy's float reader accepts exactly the careful grammar's numbers.
"""
import itertools
import re
import warnings

import numpy as np

from nncalc.core.forms import check_size

CHUNK = 1 << 20                                   # bytes read at a time
_PLAIN = b"0123456789.+-eE, \t\n"                 # every byte a plain file may hold
_BLANK_LINE = re.compile(rb"\n[ \t]*\n")
_LEADING_BLANK = re.compile(rb"[ \t]*\n")


class _NotPlain(Exception):
    """Raised inside the line stream to stop np.loadtxt: the careful parser must read this."""


def read(stream, max_bytes, max_elements=None):
    """The array in binary STREAM if it is a plain file of numbers, else None (see the module
    docstring). Reads at most MAX_BYTES + 1 bytes: past that, None, and the caller's
    bounded read reports the size."""
    try:
        lines = _Lines(stream, max_bytes)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")     # "input contained no data": None says it
            arr = np.loadtxt(itertools.chain.from_iterable(lines), dtype=np.float64,
                             delimiter=lines.delimiter(), comments=None, ndmin=2)
    except (_NotPlain, ValueError):
        return None
    if arr.size == 0 or lines.rows != arr.shape[0]:
        return None
    check_size(arr.size, max_elements)
    return arr.reshape(-1) if arr.shape[0] == 1 else arr


class _Lines:
    """Chunks of complete lines from a binary stream, each checked plain, as lists of str."""

    def __init__(self, stream, max_bytes):
        self.stream, self.max_bytes = stream, max_bytes
        self.seen = 0
        self.rows = 0
        self.marks = set()              # which of b",", b"\t" the text uses
        self.carry = b""
        self.first = self._next_piece()

    def delimiter(self):
        return "," if b"," in self.marks else None

    def __iter__(self):
        piece = self.first
        while piece is not None:
            yield piece
            piece = self._next_piece()

    def _next_piece(self):
        """The next run of complete lines, ending just before the last line holding numbers
        (so blank lines are always seen between two content lines, never at a cut)."""
        while True:
            data = self.stream.read(CHUNK) if self.carry is not None else b""
            if not data:
                return self._last()
            self.seen += len(data)
            if self.seen > self.max_bytes:
                raise _NotPlain
            buf = self.carry + data
            cut = buf.rfind(b"\n", 0, len(buf.rstrip())) + 1
            self.carry = buf[cut:]
            if cut:
                return self._check(buf[:cut])

    def _last(self):
        if self.carry is None:
            return None
        tail, self.carry = self.carry.rstrip(), None
        return self._check(tail + b"\n") if tail else None

    def _check(self, piece):
        if b"\r" in piece:
            if piece.count(b"\r") != piece.count(b"\r\n"):
                raise _NotPlain             # a lone CR: old Mac line ends, for the careful reader
            piece = piece.replace(b"\r\n", b"\n")
        if piece.translate(None, _PLAIN) or _BLANK_LINE.search(piece):
            raise _NotPlain
        if self.rows == 0 and _LEADING_BLANK.match(piece):
            raise _NotPlain
        self.marks.update(m for m in (b",", b"\t") if m in piece)
        if len(self.marks) == 2:
            raise _NotPlain                 # tabs and commas: the spreadsheet rules decide
        lines = piece.decode("ascii").split("\n")[:-1]
        self.rows += len(lines)
        return lines
