"""Matrices as text: the forms that read back (plain, CSV/TSV), the one-line form, a big block's cells."""
import click
import numpy as np

from nncalc.cli import numbers
from nncalc.cli.numbers import DEFAULT_DIGITS, column, dumps, exact, rounded
from nncalc.cli.i18n import _

SUMMARY_LIMIT = 12      # show at most this many rows/columns of a matrix in text...
SUMMARY_EDGE = 5        # ...as the first and last five, unless --full


def channels(arr):
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
    blocks = ["\n".join(sep.join(map(fmt, row)) for row in b.tolist()) for _, b in channels(arr)]
    text = "\n\n".join(blocks)
    if arr.ndim == 2 and arr.shape[0] == 1:
        text += ";"
    if arr.ndim == 3 and arr.shape[0] == 1:
        text += " |"
    return text + "\n"


def summarize(block, full, edge=SUMMARY_EDGE):
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
    r_idx, c_idx = summarize(block, full, edge)
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
