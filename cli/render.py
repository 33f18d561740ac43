"""A command's Report and its output: text, JSON, CSV/TSV, .npy or a document, written by ``emit``.

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
from nncalc.cli.matrixtext import delimited, plain
from nncalc.cli.numbers import dumps
from nncalc.cli.options import UserError
from nncalc.cli.i18n import _

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


# -------------------------------------------------------------------- render

def _text(report, opts):
    from nncalc.cli import tables, terminal
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
            parts.append(tables.render_table(*block[1:], opts, fmt, width))
            parts.append("")
        elif kind == "matrix":
            parts.append(tables.render_matrix(block[2], opts, tablefmt, block[1], *block[3:], width=width))
            parts.append("")
    return "\n".join(parts).rstrip("\n") + "\n"


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
        from nncalc.cli import tables       # only here and in _text: -q and npy start without it
        return tables.render_matrix(report.result, opts, fmt) + "\n"
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
