"""Trace tables and matrices in text: which step rows and matrix cells fit --max-steps,
--max-elements and --full (cli/documents.py shows the same ones), drawn with tabulate."""
import numpy as np

from nncalc.cli import numbers
from nncalc.cli.i18n import _, ngettext, tr
from nncalc.cli.matrixtext import SUMMARY_EDGE, channels, matrix_cells, summarize
from nncalc.core.errors import shape_text


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
        cols.append(numbers.cells(part, opts.decimals) if is_num and not preformatted
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


def render_table(headers, columns, total, numeric, per, wrap, marks, opts, tablefmt, width=None):
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
    if wrap:
        from nncalc.cli.terminal import wrap_cell
        rows = [[wrap_cell(c, w) for c, w in zip(row, wrap)] for row in rows]
    return tabulate(rows, headers=headers or (), tablefmt=tablefmt, disable_numparse=True,
                    colalign=colalign or None, maxcolwidths=wrap)


def matrix_blocks(arr, opts, mask=None, mask_text="·", edge=SUMMARY_EDGE):
    """[(channel label, rows of cell text, columns in the block)]: the 2-D blocks of a matrix
    as shown, big ones cut."""
    masks = channels(np.broadcast_to(mask, arr.shape)) if mask is not None else None
    full = _shows_all(arr, opts)
    return [(label, matrix_cells(block, opts.decimals, full, masks[n][1] if masks else None,
                                 mask_text, edge), block.shape[1])
            for n, (label, block) in enumerate(channels(arr))]


def _shows_all(arr, opts):
    """--full, unless one 2-D block of ARR holds more numbers than a trace may."""
    block = arr.shape[-1] * (arr.shape[-2] if arr.ndim > 1 else 1) if arr.ndim else 1
    return opts.full and block <= _trace_budget(opts)


def render_matrix(arr, opts, tablefmt, title=None, mask=None, mask_text="·", width=None):
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
    _, c_idx = summarize(np.empty((1, n)), full, edge)
    return ["…" if c is None else str(c) for c in c_idx]


