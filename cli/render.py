"""Turning a command's Report into what the user asked for: tables, JSON, CSV or .npy.

A command builds a Report (headings, lines, tables of raw numbers, matrices)
plus a JSON dict and a result array; ``emit`` renders it once, completely,
before anything is written, so a pipe never receives half an answer.
Numbers: text tables show ``--digits`` decimals (default 4); ``-q``, CSV and
JSON carry the shortest form that reads back to the same float.
"""
import io
import sys

import click
import numpy as np

from nncalc.cli import numbers
from nncalc.cli.numbers import column, dumps, exact, rounded
from nncalc.cli.options import UserError
from nncalc.cli.i18n import _, ngettext, tr
from nncalc.core.errors import shape_text

DEFAULT_DIGITS = 4
SUMMARY_LIMIT = 12      # show at most this many rows/columns of a matrix in text...
SUMMARY_EDGE = 5        # ...as the first and last five, unless --full


# --------------------------------------------------------- matrices as text

def _channels(arr):
    """Split an array into (label, 2-D block) pairs: a vector is one row."""
    arr = np.asarray(arr)
    if arr.ndim <= 1:
        return [("", arr.reshape(1, -1))]
    if arr.ndim == 2:
        return [("", arr)]
    blocks = []
    for idx in np.ndindex(*arr.shape[:-2]):
        label = _("channel {i}").format(i=", ".join(str(i) for i in idx)) if arr.ndim == 3 else \
            "[" + ", ".join(str(i) for i in idx) + "]"
        blocks.append((label, arr[idx]))
    return blocks


def plain(arr, digits=None):
    """The plain matrix form that reads back as input: rows of numbers, blank line between channels."""
    arr = numbers.as_numbers(arr)
    if arr.ndim > 3:
        return dumps(arr) + "\n"
    return _rows(arr, " ", digits)


def delimited(arr, sep, digits=None):
    arr = numbers.as_numbers(arr)
    if arr.ndim > 3:
        raise click.UsageError(_("csv/tsv cannot hold a 4-D result; use --format json or npy"))
    return _rows(arr, sep, digits)


def _rows(arr, sep, digits):
    """Rows of numbers, a blank line between channels; a trailing ';' marks a 1×n
    matrix and a trailing ' |' a single channel, so the shape reads back."""
    fmt = exact if digits is None or numbers.integral(arr) else (lambda v: rounded(v, digits))
    blocks = ["\n".join(sep.join(map(fmt, row)) for row in b.tolist()) for _, b in _channels(arr)]
    text = "\n\n".join(blocks)
    if arr.ndim == 2 and arr.shape[0] == 1:
        text += ";"
    if arr.ndim == 3 and arr.shape[0] == 1:
        text += " |"
    return text + "\n"


def _summarize(block, full, edge=SUMMARY_EDGE):
    """Cells of a 2-D block as strings, with '…' rows/columns cut out of big ones
    (EDGE columns each side: fewer to fit a narrow terminal)."""
    rows, cols = block.shape
    r_idx = list(range(rows))
    c_idx = list(range(cols))
    if not full and rows > SUMMARY_LIMIT:
        r_idx = r_idx[:SUMMARY_EDGE] + [None] + r_idx[-SUMMARY_EDGE:]
    if not full and cols > (SUMMARY_LIMIT if edge == SUMMARY_EDGE else 2 * edge + 1):
        c_idx = c_idx[:edge] + [None] + c_idx[-edge:]
    return r_idx, c_idx


def matrix_cells(block, digits, full, mask=None, mask_text="·", edge=SUMMARY_EDGE):
    r_idx, c_idx = _summarize(block, full, edge)
    keep_r = [r for r in r_idx if r is not None]
    keep_c = [c for c in c_idx if c is not None]
    sub = block[np.ix_(keep_r, keep_c)]
    real = sub if mask is None else sub[~mask[np.ix_(keep_r, keep_c)]]
    strs = np.empty(sub.shape, dtype=object)
    if mask is None:
        strs[...] = np.array(column(sub, digits), dtype=object).reshape(sub.shape)
    else:
        m = mask[np.ix_(keep_r, keep_c)]
        strs[m] = mask_text
        strs[~m] = column(real, digits)
    cells, ri = [], 0
    for r in r_idx:
        if r is None:
            cells.append(["⋮" if c is not None else "⋱" for c in c_idx])
            continue
        row, ci = [], 0
        for c in c_idx:
            if c is None:
                row.append("…")
            else:
                row.append(strs[ri, ci])
                ci += 1
        cells.append(row)
        ri += 1
    return cells


def inline(arr, digits=DEFAULT_DIGITS):
    """A small matrix on one line, in the input grammar: '1 2; 3 4', channels joined by ' | '."""
    arr = np.asarray(arr, dtype=np.float64)
    strs = np.array(column(arr, digits), dtype=object).reshape(arr.shape)
    blocks = [strs.reshape(1, -1)] if arr.ndim <= 1 else strs.reshape(-1, *arr.shape[-2:])
    return " | ".join("; ".join(" ".join(row) for row in b) for b in blocks)




# ------------------------------------------------------------------ plots

def need_plot():
    """uniplot's ``plot_to_string``, or one line naming --plot and what to install.

    uniplot is a regular dependency; an install without it gets that line,
    never an internal error (a command checks before its long work).
    """
    try:
        from uniplot import plot_to_string
    except ImportError:
        raise UserError(_("needs the uniplot package: pip install uniplot"), "--plot") from None
    return plot_to_string


def plot(**kwargs):
    """uniplot's ``plot_to_string(**kwargs)``: the one place nncalc imports the plotting library."""
    return need_plot()(**kwargs)


# ------------------------------------------------------------------ Report

class Report:
    """What a command wants to show, in order; rendered by ``emit``."""

    def __init__(self, result, data=None):
        self.result = _without_negative_zero(numbers.as_numbers(result))    # integers stay exact
        self.data = data if data is not None else {}
        self.blocks = []
        self.explanations = []      # (lines, keys whose shape they explain, keys whose values)
        self.quiet_output = None    # what -q prints instead of the result (a check's verdict)

    def heading(self, text):
        self.blocks.append(("heading", text))

    def line(self, text):
        self.blocks.append(("line", text))

    def table(self, headers, columns, total=None, numeric=None, per=1, wrap=None, locate=None,
              every_row=False):
        """A step table given column by column; cells are numbers, strings or None (blank).

        ``per`` rows make one step (e.g. one row per input channel); the table
        shows at most --max-steps steps (all with ``every_row``) and says how
        many of ``total`` (all steps, when the columns hold only the first few)
        it left out. A numeric column of strings is preformatted, right-aligned.
        ``wrap``: the widest each column may be in text, for cells of prose.
        ``locate(key, position)``: the step that computed ``position`` of the
        JSON value ``key``, or None; a check (cli/checking.py) then shows the
        steps of differing values even past --max-steps.
        """
        rows = {"locate": locate, "force": set(), "every": every_row}
        self.blocks.append(("table", headers, columns, total, numeric, per, wrap, rows))

    def matrix(self, title, arr, mask=None, mask_text="·"):
        """A matrix (any dims); cells where ``mask`` is true show ``mask_text`` (e.g. padding)."""
        self.blocks.append(("matrix", title, np.asarray(arr, dtype=np.float64), mask, mask_text))

    def explain(self, lines, shape_of=("result",), values_of=()):
        """Lines (a size formula) a check repeats when the shape of a key in ``shape_of``, or
        a value of a key in ``values_of``, differs from the expected one."""
        self.explanations.append((list(lines), tuple(shape_of), tuple(values_of)))

def _without_negative_zero(arr):
    """ARR with every −0.0 made 0.0, copied only when it holds one (a large result rarely does,
    and a copy of it costs as much as computing it)."""
    if arr.dtype.kind != "f":              # exact integers have no −0
        return arr
    zero = arr == 0
    if zero.any() and np.signbit(arr[zero]).any():
        return arr + 0.0
    return arr



def in_order(shape, keys=("result",)):
    """A ``locate`` for tables whose step k computed element k (row-major) of each of KEYS."""
    shape = tuple(shape)

    def locate(key, position):
        if key not in keys:
            return None
        return int(np.ravel_multi_index(position, shape)) if position else 0
    return locate


def table_rows(headers, columns, total, numeric, per, opts, marks=None):
    """The rows a table shows (cells as text), whether each column is numeric, and the
    note on the rows left out ('' when none are). MARKS (the block's last item) may force
    steps past --max-steps to be shown (a check's differing values), after a '…' row."""
    n = len(columns[0]) if columns else 0
    steps = -(-n // per)
    budget = _trace_budget(opts)
    limit = min(opts.max_steps, budget // max(1, len(columns) * per))
    shown_steps = min(steps, limit if not (marks and marks["every"]) else budget // max(1, len(columns) * per))
    forced = sorted(k for k in marks["force"] if shown_steps <= k < steps) if marks else []
    chunks = [(0, min(n, shown_steps * per))] + [(k * per, min(n, (k + 1) * per)) for k in forced]
    cols, is_numeric = [], []
    for i, col in enumerate(columns):
        part = [v for a, b in chunks for v in (col[a:b] if not isinstance(col, np.ndarray)
                                               else col.ravel()[a:b].tolist())]
        is_num = numeric[i] if numeric else not any(isinstance(v, str) for v in part)
        preformatted = all(isinstance(v, str) for v in part)
        cols.append(numbers.cells(part, _digits(opts)) if is_num and not preformatted
                    else [str(v) for v in part])
        is_numeric.append(is_num)
    flat = [list(r) for r in zip(*cols)] if cols else []
    rows, at = [], 0
    for j, (a, b) in enumerate(chunks):
        if j and a != chunks[j - 1][1]:
            rows.append(["…"] * len(cols))          # rows were left out here
        rows += flat[at:at + b - a]
        at += b - a
    total = steps if total is None else total
    note = ""
    if total > shown_steps + len(forced):
        left = total - shown_steps - len(forced)
        differ = ngettext("{n:,} that differs", "{n:,} that differ", len(forced)).format(n=len(forced))
        shown_text = (_("{shown:,} of {total:,}").format(shown=shown_steps, total=total) if not forced else
                      _("the first {shown:,} and {differ}").format(shown=shown_steps, differ=differ)
                      if shown_steps else differ)
        why = _("raise --max-steps to see more") if shown_steps >= min(total, opts.max_steps) else \
            _("a trace holds at most {budget:,} numbers; raise --max-elements to see more").format(budget=budget)
        note = (ngettext("… {n:,} more row not shown (showing {shown}; {why})",
                         "… {n:,} more rows not shown (showing {shown}; {why})", left) if per == 1 else
                ngettext("… {n:,} more step not shown (showing {shown}; {why})",
                         "… {n:,} more steps not shown (showing {shown}; {why})", left)).format(
            n=left, shown=shown_text, why=why)
    return rows, is_numeric, note


def _render_table(headers, columns, total, numeric, per, wrap, marks, opts, tablefmt, width=None):
    from nncalc.cli import terminal
    rows, is_numeric, note = table_rows(headers, columns, total, numeric, per, opts, marks)
    align = ["right" if num else "left" for num in is_numeric]
    def draw(rows, headers, align, widths):
        return _tabulate(rows, headers, tablefmt, align, widths)

    # a table of prose (wrap) reads left to right by importance: its last columns go first
    text, left_out = terminal.table(rows, headers, align, draw, width, opts.full, wrap,
                                    range(len(align) - 1, 0, -1) if wrap else None)
    notes = [terminal.wrap(n, width) for n in (note, left_out) if n]
    return "\n".join([text] + notes)


def _trace_budget(opts):
    """How many numbers a trace may show (core.windows.trace_budget of --max-elements)."""
    from nncalc.core.windows import trace_budget
    return trace_budget(opts.max_elements)


def _tabulate(rows, headers, tablefmt, colalign, wrap=None):
    from tabulate import tabulate
    if not rows:
        return _("(empty)")
    return tabulate(rows, headers=headers or (), tablefmt=tablefmt, disable_numparse=True,
                    colalign=colalign or None, maxcolwidths=wrap)


def matrix_blocks(arr, opts, mask=None, mask_text="·", edge=SUMMARY_EDGE):
    """[(channel label, rows of cell text, columns in the block)]: the 2-D blocks of a matrix
    as shown, big ones cut."""
    masks = _channels(np.broadcast_to(mask, arr.shape)) if mask is not None else None
    full = _shows_all(arr, opts)
    return [(label, matrix_cells(block, _digits(opts), full, masks[n][1] if masks else None,
                                 mask_text, edge), block.shape[1])
            for n, (label, block) in enumerate(_channels(arr))]


def _shows_all(arr, opts):
    """--full, unless one 2-D block of ARR holds more numbers than a trace may."""
    block = arr.shape[-1] * (arr.shape[-2] if arr.ndim > 1 else 1) if arr.ndim else 1
    return opts.full and block <= _trace_budget(opts)


def _render_matrix(arr, opts, tablefmt, title=None, mask=None, mask_text="·", width=None):
    """The matrix as a table; in a terminal of WIDTH columns, fewer columns around the '…' if need be."""
    from nncalc.cli import terminal
    for edge in range(SUMMARY_EDGE, 0, -1):
        text = _matrix_text(arr, opts, tablefmt, title, mask, mask_text, edge, width)
        first = text if edge == SUMMARY_EDGE else first
        if _shows_all(arr, opts) or terminal.fits(text, width):
            break
    if text == first:               # too few columns to leave any out
        return text
    note = _("(columns left out to fit {width} columns; --full shows every column)").format(width=width)
    return f"{text}\n{terminal.wrap(note, width)}"


def _matrix_text(arr, opts, tablefmt, title, mask, mask_text, edge, width):
    from nncalc.cli import terminal
    parts = []
    if title:
        parts.append(terminal.wrap(_("{title} ({shape}):").format(title=title,
                                                                  shape=tr(shape_text(arr.shape))),
                                   width))
    full = _shows_all(arr, opts)
    if opts.full and not full:
        parts.append(terminal.wrap(_("(summarized: --full shows matrices of up to {n:,} numbers; raise "
                                     "--max-elements to see more)").format(n=_trace_budget(opts)), width))
    for label, cells, columns in matrix_blocks(arr, opts, mask, mask_text, edge):
        if label:
            parts.append(label)
        # markup formats (github, html, latex, …) need a header row: the column indices
        headers = None if tablefmt == "plain" else _column_labels(columns, full, edge)
        parts.append(_tabulate(cells, headers, tablefmt, ["right"] * len(cells[0])))
    return "\n".join(parts)


def _column_labels(n, full, edge=SUMMARY_EDGE):
    _, c_idx = _summarize(np.empty((1, n)), full, edge)
    return ["…" if c is None else str(c) for c in c_idx]


def _digits(opts):
    return DEFAULT_DIGITS if opts.digits is None else opts.digits


def _text(report, opts):
    from nncalc.cli import terminal
    tablefmt = "plain" if opts.format == "text" else opts.format
    styled = opts.format == "text"
    width = terminal.width() if styled else None      # None: a pipe or a file, the full layout
    parts = []
    for block in report.blocks:
        kind = block[0]
        if kind == "heading":
            text = terminal.wrap(block[1], width)
            parts.append(click.style(text, bold=True) if styled else text)
        elif kind == "line":
            parts.append(terminal.wrap(block[1], width))
        elif kind == "table":
            # wrapped cells need rules between rows to be read as one cell
            fmt = opts.format if opts.format != "text" else "grid" if block[6] else "simple"
            parts.append(_render_table(*block[1:], opts, fmt, width))
            parts.append("")
        elif kind == "matrix":
            parts.append(_render_matrix(block[2], opts, tablefmt, block[1], *block[3:], width=width))
            parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


# -------------------------------------------------------------------- emit

DOCUMENTS = ("latex", "markdown", "html")      # the whole trace as a document: cli/documents.py


def _npy_array(result):
    if result.dtype == object:          # exact integers past int64 (outsize with huge padding)
        raise UserError(_("these integers are beyond int64; use --format json, csv or text"), "--format")
    return result


def render(report, opts):
    """The whole output as str or bytes, before anything is written."""
    fmt = opts.format
    if fmt == "npy":
        buf = io.BytesIO()
        np.save(buf, _npy_array(report.result), allow_pickle=False)
        return buf.getvalue()
    if opts.quiet and report.quiet_output is not None and fmt not in ("csv", "tsv"):
        return report.quiet_output
    if fmt == "json":
        # a command may give JSON a result of its own (backprop: every layer's weights)
        whole = {**report.data, "result": report.data.get("result", report.result)}
        return dumps(report.result if opts.quiet else whole) + "\n"
    if fmt in ("csv", "tsv"):
        return delimited(report.result, "," if fmt == "csv" else "\t", opts.digits)
    if fmt in DOCUMENTS:
        from nncalc.cli import documents
        return documents.render(report, opts)
    if opts.quiet:
        if fmt == "text":
            return plain(report.result, opts.digits)
        return _render_matrix(report.result, opts, fmt) + "\n"
    return _text(report, opts)


def emit(report, opts):
    """Write the rendered output completely (see nncalc.cli.output), or raise OSError.

    With --expect/--select they are applied first (nncalc.cli.checking); a difference
    ends in exit status 1, as cmp's."""
    from nncalc.cli import output
    status = 0
    if opts.expect or opts.select:
        from nncalc.cli import checking
        report, status = checking.apply(report, opts)
    if opts.format == "npy":
        output.write_npy(_npy_array(report.result))
        return _exit(status)
    out = render(report, opts)
    if isinstance(out, str):
        keep_style = opts.color if opts.color is not None else sys.stdout.isatty()
        out = output.encode(out if keep_style else click.unstyle(out))
    output.write_bytes(out)
    _exit(status)


def _exit(status):
    if status:              # a check found a difference: cmp's exit status 1
        raise click.exceptions.Exit(status)
