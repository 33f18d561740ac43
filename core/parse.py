"""The one matrix grammar every nncalc argument accepts, turned into float64 arrays.

Text form
    numbers separated by spaces and/or commas; rows by ``;`` or newlines;
    channels by ``|`` or a blank line; optional brackets around it all;
    ``#`` starts a comment.  One row gives a vector, several rows a matrix,
    several channels C×H×W.
Printouts
    nested brackets as NumPy and PyTorch print them (``[[1. 2.]\n [3. 4.]]``,
    ``array([[1., 2.], [3., 4.]])``, ``tensor([...], dtype=torch.float64)``)
    read by their nesting (see nncalc.core.pasted).
JSON form
    nested lists up to 4 levels, or an object whose ``"result"`` is one
    (what ``nncalc … --format json`` prints, so JSON pipes too).
NPY form
    the bytes of a ``.npy`` file, read with ``allow_pickle=False``
    (JSON and NPY live in nncalc.core.forms).
Spreadsheet files
    the text of a .csv/.tsv/.txt file also follows the rules in
    nncalc.core.spreadsheet (``;`` columns, decimal commas, quoted cells).

Numbers are ASCII decimal literals: ``12``, ``-1.5e-3``, ``inf``, ``-Infinity``;
full-width forms from Chinese input methods (``１，２；３，４``, ``（）［］｜－．``
and the ideographic space) are read as their ASCII forms first.  NaN, other
unicode digits, ``1_000`` and hex are refused.  Every problem raises
InputError with a message fit for the user; the CLI adds the argument's name.
"""
import math
import re

import numpy as np

from nncalc.core import pasted, spreadsheet
from nncalc.core.errors import InputError, Text, plural, shape_text
from nncalc.core.forms import (MAX_DIMS, NPY_MAGIC, JSONSyntaxError, check_size, check_values,
                               parse_json, parse_npy)


_NUMBER = re.compile(r"[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?)", re.ASCII | re.IGNORECASE)
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n\s*", re.ASCII)
# full-width digits, point, signs, comma, semicolon, brackets, bar; ideographic space
_FULL_WIDTH = str.maketrans("０１２３４５６７８９．＋－，；（）［］｜\u3000", "0123456789.+-,;()[]| ")
_NUMPY_NUMBER = re.compile(r"\d\.(?!\d)|(?<!\d)\.\d", re.ASCII)
# what marks nncalc's own text trace, in either language: a heading 'relu:' / 'relu：' / 'loss mse (…'
# or '损失函数 …：', a table's dashed rule under its header, a step's '———' rule
_TRACE_HEAD = re.compile(r"[a-z][a-z0-9-]*(?::|：| [a-z(])|[\u4e00-\u9fff][^:：]*：", re.ASCII)
_TABLE_RULE = re.compile(r"-{2,}(?: +-{2,})*|\+[-=]+(?:\+[-=]+)*\+", re.ASCII)
_STEP_RULE = re.compile(r".*\S —{3,}")
_FIELD_SEP = re.compile(r"[ \t\r\f\v]*,[ \t\r\f\v]*|[ \t\r\f\v]+", re.ASCII)


# ------------------------------------------------------------------ text form

def fold_full_width(text):
    """Full-width forms an input method types (``１，２；３``) as their ASCII forms."""
    return text.translate(_FULL_WIDTH) if not text.isascii() else text


def describe_token(token):
    t = fold_full_width(token.strip())
    if t.lower() in ("nan", "+nan", "-nan"):
        return Text("nan is not allowed (not a number)")
    if not t.isascii():
        return Text("'{t}' is not a plain ASCII number (full-width forms are read, "
                    "other unicode characters are not)", t=t)
    return Text("'{t}' is not a number", t=t)


def _tokens(row, where):
    fields = _FIELD_SEP.split(row.strip())
    for i, f in enumerate(fields, 1):
        at = Text("{where}, value {i}", where=where, i=i) if where else Text("value {i}", i=i)
        if f == "":
            raise InputError("{at}: empty (two commas in a row, or a comma at an end)", at=at)
        if not _NUMBER.fullmatch(f):
            raise InputError("{at}: {f}", at=at, f=describe_token(f))
    return fields


def _split_channels(text):
    parts = []
    for piece in text.split("|"):
        parts.extend(_BLANK_LINE.split(piece.strip("\n")))
    return parts


def _check_balance(text):
    depth = 0
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise InputError("unbalanced brackets: ']' without '['")
    if depth:
        raise InputError("unbalanced brackets: '[' without ']'")


def _drop_comments(text):
    if "#" not in text:
        return text
    return "\n".join(line.split("#", 1)[0] for line in text.split("\n"))


def _refuse_trace(text):
    """A whole text trace piped in: say so rather than 'relu:' is not a number."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    if len(lines) >= 2 and (_TRACE_HEAD.match(lines[0]) and not _NUMBER.match(lines[0])
                            or any(_STEP_RULE.fullmatch(line) for line in lines)
                            or any(_TABLE_RULE.fullmatch(line) and not _all_numbers(above)
                                   for above, line in zip(lines, lines[1:]))):
        raise InputError("this is an nncalc text trace ('{v}'), not a matrix", code="trace", v=lines[0][:40])


def _all_numbers(line):
    return all(is_number(t) for t in _FIELD_SEP.split(line) if t)


def parse_text(text, max_elements=None):
    """Parse the text form or a printout (see module docstring) into a 1- to 4-D array."""
    text = _drop_comments(fold_full_width(text.replace("\r\n", "\n").replace("\r", "\n")))   # old Mac: lone CR
    try:
        return _text_or_printout(text, max_elements)
    except InputError as exc:
        if exc.code is None:
            _refuse_trace(text)
        raise


def _text_or_printout(text, max_elements):
    body, wrapper = pasted.unwrap(text)
    if wrapper or "[" in body or "]" in body:
        pasted.refuse_summary(body)
        _check_balance(body)
        levels = pasted.depth(body)
        if levels > MAX_DIMS:
            raise InputError("nested deeper than {MAX_DIMS} levels", MAX_DIMS=MAX_DIMS)
        if wrapper and levels or levels > 1 or pasted.wrapped_vector(body):   # the nesting gives the shape
            return _nested(body, max_elements)
        text = body.replace("[", "").replace("]", "")   # [1 2; 3 4]: brackets around the text form
    if not text.strip():
        raise InputError("empty input: no numbers given")
    return _plain(text, max_elements)


def _nested(body, max_elements):
    tree, shape = pasted.parse_nested(body, is_number, describe_token)
    check_size(math.prod(shape), max_elements)
    return np.array(pasted.flatten(tree), dtype=np.float64).reshape(shape)


def _plain(text, max_elements):
    # A trailing ';' keeps a one-row matrix 1×n, a trailing '|' keeps a single
    # channel 1×h×w: that is how -q writes those shapes so they read back.
    body = text.rstrip()
    stack = body.endswith("|")
    body = body[:-1].rstrip() if stack else body
    matrix = body.endswith(";")
    channels = _split_channels(body)
    several = len(channels) > 1 or stack
    rows_of, count = [], 0
    for ci, chan in enumerate(channels, 1):
        rows = [r for r in re.split(r"[;\n]", chan) if r.strip()]
        if not rows:
            if several:
                raise InputError("channel {ci} is empty", ci=ci)
            raise InputError("empty input: no numbers given")
        rows_of.append([_tokens(row, _where(ci, ri, several) if several or len(rows) > 1 else "")
                        for ri, row in enumerate(rows, 1)])
        count += sum(len(r) for r in rows_of[-1])
        check_size(count, max_elements)
    return assemble(rows_of, matrix, stack)


def _where(ci, ri, several):
    return Text("channel {ci}, row {ri}", ci=ci, ri=ri) if several else Text("row {ri}", ri=ri)


def assemble(channels, matrix=False, stack=False):
    """Channels of rows of number strings as an array: checked rectangular, no NaN."""
    several = len(channels) > 1 or stack
    shapes, data = [], []
    for ci, rows in enumerate(channels, 1):
        width = len(rows[0])
        for ri, row in enumerate(rows, 1):
            if len(row) != width:
                raise InputError("{ci} has {plural}, row 1 has {width}", ci=_where(ci, ri, several),
                                 plural=plural(len(row), 'value'), width=width)
            data.extend(row)
        shapes.append((len(rows), width))
        if shapes[0] != shapes[-1]:
            raise InputError("channel {ci} is {shape_text}, channel 1 is {shape_text2}", ci=ci,
                             shape_text=shape_text(shapes[-1]), shape_text2=shape_text(shapes[0]))
    arr = check_values(np.array(data, dtype=np.float64))
    n_rows, n_cols = shapes[0]
    if several:
        return arr.reshape(len(channels), n_rows, n_cols)
    return arr if n_rows == 1 and not matrix else arr.reshape(n_rows, n_cols)


# ---------------------------------------------------------------- dispatching

def looks_like_json(text):
    s = text.lstrip()
    if s.startswith("{"):
        return True
    if not s.startswith("["):
        return False
    # JSON has commas between items and no ';' or '|'; NumPy printouts don't
    return ";" not in s and "|" not in s and not re.search(r"\d[ \t]+[-+.\d]", s)


def _decode(data):
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):    # Excel's "Unicode Text" is UTF-16
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            text = "\x00"
        if not all(c.isascii() or "\u3000" <= c <= "\uffef" for c in text) or "\x00" in text:
            raise InputError("binary data, not UTF-16 text of numbers (it starts with a UTF-16 mark)")
        return text
    if b"\x00" in data:
        raise InputError("binary data, not text (use a .npy file for binary input)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError("binary data, not UTF-8 text") from None


def parse_bytes(data, kind=None, max_elements=None):
    """Parse raw bytes: ``kind`` is 'npy', 'json', 'sheet' (the text of a .csv, .tsv or
    .txt file: spreadsheet rules apply), 'text' or None to decide by content."""
    if kind == "npy" or (kind is None and data.startswith(NPY_MAGIC)):
        return parse_npy(data, max_elements)
    text = _decode(data)
    if kind == "json":
        return parse_json(text, max_elements)
    if kind == "sheet":
        return parse_sheet(text, max_elements)
    if kind is None and ";" in text and "[" not in text and not looks_like_json(text):
        spreadsheet.refuse_outside_files(_drop_comments(text.replace("\r\n", "\n")))
    return parse_string(text, max_elements)


def parse_sheet(text, max_elements=None):
    """A file's text: JSON or a printout as anywhere, else spreadsheet rules, else the text form."""
    text = fold_full_width(text.replace("\r\n", "\n").replace("\r", "\n"))
    if looks_like_json(text) or "[" in text or pasted.unwrap(text)[1]:
        return parse_string(text, max_elements)
    channels = spreadsheet.read(_drop_comments(text), is_number, describe_token)
    if channels is None:
        return parse_string(text, max_elements)
    if not channels:
        raise InputError("empty input: no numbers given")
    check_size(sum(len(r) for c in channels for r in c), max_elements)
    return assemble(channels)


def parse_string(text, max_elements=None):
    """Parse an inline argument: JSON if it is JSON, else a printout or the text form."""
    text = fold_full_width(text)
    if looks_like_json(text):
        try:
            return parse_json(text, max_elements)
        except JSONSyntaxError as exc:
            if text.lstrip().startswith("{"):
                raise
            try:                            # e.g. "[.5, 1]" or "[[1., 2.]]": not JSON, fine as text
                return parse_text(text, max_elements)
            except InputError:
                if _NUMPY_NUMBER.search(text):
                    raise                   # NumPy's "1." says it is a printout, not broken JSON
                raise exc from None
    return parse_text(text, max_elements)


def is_number(text):
    return bool(_NUMBER.fullmatch(fold_full_width(text.strip())))
