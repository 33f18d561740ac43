"""Fitting text output to the terminal's width; pipes and files keep the full layout.

``width()`` decides: the terminal's columns when standard output is a terminal
(COLUMNS wins, as shutil reads it), None otherwise, and None means "change
nothing". When a width is given:

* prose wraps at word boundaries, continuation lines indented under the first;
* a table that is too wide first shows matrix cells (``1 2; 3 4``, the inline
  form) as small matrices over several lines; then wraps its prose columns;
  then, unless --full, leaves out its widest middle columns with a note;
* a matrix that is too wide shows fewer columns around its '…' (see render).

Widths are display widths: East Asian wide characters take two columns,
combining marks none, colour codes none.
"""
import re
import shutil
import sys
from nncalc.cli.helpwrap import NO_LINE_START, ColumnWrapper, columns
from nncalc.cli.i18n import _, ngettext

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
MIN_PROSE = 14          # a wrapped prose column is never narrower than this
_SHORT_GROUP = re.compile(r"[(（][^()（）\u3000-\u9fff\uff00-\uffef]{1,12}[)）]")


def width():
    """Columns to fit, or None to keep today's layout (not a terminal)."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):
        return None
    return max(shutil.get_terminal_size().columns, 20)


def display_width(text):
    text = _ANSI.sub("", text)
    return len(text) if text.isascii() else columns(text)


def widest(text):
    return max((display_width(line) for line in text.split("\n")), default=0)


def fits(text, columns):
    return columns is None or widest(text) <= columns


# ------------------------------------------------------------------- prose

def wrap(text, columns):
    """Each line of TEXT wrapped to COLUMNS at spaces; a word longer than a line is cut."""
    if fits(text, columns):
        return text
    return "\n".join(_wrap_line(line, columns) for line in text.split("\n"))


def _wrap_line(line, columns):
    if display_width(line) <= columns:
        return line
    if not line.isascii():
        return _wrap_wide(line, columns)
    indent = line[:len(line) - len(line.lstrip(" "))]
    follow = indent + "  " if display_width(indent) + 2 < columns // 2 else ""
    out, cur, start = [], indent, True
    for word in line[len(indent):].split(" "):
        piece = word if start else " " + word
        if not start and display_width(cur + piece) > columns:
            out.append(cur.rstrip())
            cur, piece = follow, word
        cur += piece
        start = False
        while display_width(cur) > columns:                 # one word wider than the line
            cut = _cut(cur, columns)
            out.append(cur[:cut])
            cur = follow + cur[cut:]
    out.append(cur)
    return "\n".join(out)


def _wrap_wide(line, columns, follow=None):
    """A line with Chinese wraps as Chinese help does (cli/helpwrap.py): it may also break between
    two wide characters, and closing punctuation stays with what comes before it."""
    indent = line[:len(line) - len(line.lstrip(" "))]
    if follow is None:
        follow = indent + "  " if display_width(indent) + 2 < columns // 2 else ""
    wrapper = ColumnWrapper(width=columns, initial_indent=indent, subsequent_indent=follow)
    wrapper.hang = 0                                # a trace fills the terminal to its last column
    return "\n".join(wrapper.wrap(line[len(indent):]))


def wrap_cell(text, limit):
    """A table cell wrapped to LIMIT columns the way Chinese prose wraps, if it holds wide
    characters: tabulate's own wrapping breaks only at spaces and may count characters, not
    columns, so it left a lone '0' under Chinese words and split a full-width bracket from its
    word. Other cells are left to it."""
    if (not isinstance(text, str) or text.isascii() or not limit or widest(text) <= limit
            or not any(columns(ch) == 2 for ch in text)):
        return text                                 # English cells, '−' and 'σ' included, stay tabulate's
    # a short bracketed formula, '(0, 1)' or 'σ' ≤ 0.25' in brackets, is one word: its spaces hold
    # (NUL, as wide as a space, stands in for them while wrapping) unless, in a narrow column, that
    # word would push the punctuation after it to the start of a line
    held = _SHORT_GROUP.sub(lambda m: m.group().replace(" ", "\0"), text)
    wrapped = _wrap_cell_lines(held, limit).replace("\0", " ")
    if held == text or not any(line[:1] in NO_LINE_START for line in wrapped.split("\n")[1:]):
        return wrapped
    return _wrap_cell_lines(text, limit)


def _wrap_cell_lines(text, limit):
    return "\n".join(_wrap_wide(line, limit, follow="") if line else "" for line in text.split("\n"))


def _cut(text, columns):
    used = 0
    for i, ch in enumerate(text):
        used += display_width(ch)
        if used > columns:
            return max(i, 1)
    return len(text)


# ------------------------------------------------------------------ tables

def matrix_cell(text):
    """An inline matrix cell ('c0: 1 2; 3 4', channels joined by ' | ') as aligned lines."""
    label, body = "", text
    m = re.match(r"(c\d+: )", text)
    if m:
        label, body = m.group(1), text[m.end():]
    blocks = []
    for block in body.split(" | "):
        rows = [row.split() for row in block.split("; ")]
        if len({len(r) for r in rows}) != 1:
            return text
        widths = [max(display_width(r[c]) for r in rows) for c in range(len(rows[0]))]
        blocks.append([" ".join(" " * (w - display_width(v)) + v for v, w in zip(r, widths)) for r in rows])
    lines = [line for block in blocks for line in block + [""]][:-1]
    pad = " " * len(label)
    return "\n".join((label if i == 0 else pad) + line for i, line in enumerate(lines))


def _is_matrix_column(cells):
    texts = [c for c in cells if isinstance(c, str) and c]
    return bool(texts) and all(";" in c and "\n" not in c for c in texts)


def _is_prose_column(cells):
    return any(isinstance(c, str) and " " in c.strip() for c in cells)


def table(rows, headers, colalign, draw, columns, full, maxcolwidths=None, least=None):
    """Draw a table that fits COLUMNS (see the module docstring); ``draw(rows, headers, colalign,
    maxcolwidths)`` renders it. Columns are left out in the order LEAST gives (indices), by
    default the widest between the first and the last. Returns the text and a note, which is
    '' when nothing was left out."""
    text = draw(rows, headers, colalign, maxcolwidths)
    if fits(text, columns) or not rows:
        return text, ""
    n = len(rows[0])
    cols = [[r[i] for r in rows] for i in range(n)]
    matrices = {i for i in range(n) if _is_matrix_column(cols[i])}
    cols = [[matrix_cell(c) if isinstance(c, str) else c for c in col] if i in matrices else col
            for i, col in enumerate(cols)]
    start = list(maxcolwidths) if maxcolwidths else [None] * n
    limits = list(start)
    keep = list(range(n))
    while True:
        text = _draw_kept(cols, headers, colalign, limits, keep, draw)
        if fits(text, columns):
            break
        if _narrow_prose(cols, limits, [i for i in keep if i not in matrices], widest(text) - columns):
            continue
        middle = [i for i in least if i in keep] if least else keep[1:-1]
        if full or not middle:
            break
        keep.remove(middle[0] if least else max(middle, key=lambda i: _content_width(cols[i], headers, i)))
        limits = list(start)
    left = [headers[i] if headers else _("column {i}").format(i=i + 1) for i in range(n) if i not in keep]
    if not left:
        return text, ""
    names = _(", ").join(f"'{h}'" for h in left)
    return text, ngettext("(column {names} left out to fit {columns} columns; --full shows every column)",
                          "(columns {names} left out to fit {columns} columns; --full shows every column)",
                          len(left)).format(names=names, columns=columns)


def _content_width(col, headers, i):
    return max(widest(str(c)) for c in col + [headers[i] if headers else ""])


def _draw_kept(cols, headers, colalign, limits, keep, draw):
    rows = [list(r) for r in zip(*(cols[i] for i in keep))]
    pick = (lambda seq: [seq[i] for i in keep] if seq else seq)
    widths = pick(limits) if any(limits[i] for i in keep) else None
    return draw(rows, pick(headers), pick(colalign), widths)


def _narrow_prose(cols, limits, candidates, excess):
    """Narrow the widest prose column by EXCESS (not below MIN_PROSE); False when none can shrink."""
    sizes = {i: limits[i] or max(widest(str(c)) for c in cols[i]) for i in candidates
             if _is_prose_column(cols[i])}
    sizes = {i: w for i, w in sizes.items() if w > MIN_PROSE}
    if not sizes:
        return False
    i = max(sizes, key=sizes.get)
    limits[i] = max(MIN_PROSE, sizes[i] - max(excess, 1))
    return True
