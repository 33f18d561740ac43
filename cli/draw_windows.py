"""Pictures of conv and pool: the padded input with one output position's window, and what
the window becomes (the scenes are in draw_conv.py and draw_pool.py; this module reads the
result records, checks the sizes, lays out the sheet and renders a still or a .gif, one
frame per position).

SVG ids say what is highlighted, in the drawn grids' own (row, col):
``window-C-R-K`` (input channel C of the padded input), ``output-R-K``,
``winner-R-K`` (input coordinates, as the trace's "at input").
"""
from nncalc.cli import draw_figure as fig
from nncalc.cli.draw import check_grids
from nncalc.cli.i18n import _

M = 0.3                 # margin, inches
TITLE_H = 0.75
LABEL_H = 0.32
GAP = 0.35
OP_W = 0.45             # the width of "⊙" or "=" between grids
TITLE_SCALE = 4 / 3     # the title's font size against the cells'


def conv(res, positions, digits, activation, ext):
    """The bytes of a conv picture (ext .svg/.png: positions has one index; .gif: all)."""
    with fig.rc_context():
        return _conv(res, positions, digits, activation, ext)


def pool(res, positions, digits, ext):
    """The bytes of a pool picture (ext .svg/.png: positions has one index; .gif: all)."""
    with fig.rc_context():
        return _pool(res, positions, digits, ext)


def _conv(res, positions, digits, activation, ext):
    import numpy as np
    f_count, channels = res.kernels.shape[:2]
    padded = np.asarray(res.padded_input, dtype=np.float64)
    xp = padded.reshape((-1, channels) + padded.shape[-2:])
    out = np.asarray(res.result).reshape((-1, f_count) + res.output_shape[-2:])
    check_grids(xp.shape[-2:], out.shape[-2:])
    steps = [res.steps[k] for k in positions]
    fmt = _Formatter(digits)
    texts = (fmt.grid(xp) + fmt.grid(res.kernels) + fmt.grid(out)
             + [t for s in steps for t in fmt.grid(s.products)])
    cw = fig.cell_width(texts)
    from nncalc.cli.draw_conv import ConvScene
    scene = ConvScene(res, xp, out, fmt, cw, activation, steps)
    return _render(scene, steps, positions, res.total_steps, ext)


def _pool(res, positions, digits, ext):
    import numpy as np
    xp = np.asarray(res.padded, dtype=np.float64)
    out = np.asarray(res.result).reshape(xp.shape[:2] + res.output_shape[-2:])
    check_grids(xp.shape[-2:], out.shape[-2:])
    steps = [res.steps[k] for k in positions]
    fmt = _Formatter(digits)
    cw = fig.cell_width(fmt.grid(xp) + fmt.grid(out))
    from nncalc.cli.draw_pool import PoolScene
    scene = PoolScene(res, xp, out, fmt, cw, np.ndim(res.result), steps)
    return _render(scene, steps, positions, res.total_steps, ext)


def _render(scene, steps, positions, total, ext):
    width, height = scene.size()
    for k in (0, -1):       # the last title has the longest numbers
        title, detail = scene.titles(steps[k], positions[k], total)
        width = max(width, 2 * M + fig.text_width(title, fig.FONT_SIZE * TITLE_SCALE, "bold"),
                    2 * M + fig.text_width(detail))
    sheet = fig.Sheet(width, height)
    if ext != ".gif":
        scene.background(sheet, steps[0])
        scene.overlay(sheet, steps[0], positions[0], total)
        return sheet.save(ext)
    frames, shown = [], None
    for step, k in zip(steps, positions):
        if step.position[:2] != shown:      # a new sample or filter/channel: new grids
            shown = step.position[:2]
            sheet.clear()
            scene.background(sheet, step)
            sheet.keep_as_background()
        sheet.clear_overlay()
        scene.overlay(sheet, step, k, total)
        frames.append(sheet.frame())
    return fig.gif(frames)


class _Formatter:
    """Cell text with the trace's --digits: integers stay integers, as in the trace's tables."""

    def __init__(self, digits):
        self.digits = digits

    def grid(self, arr):
        from nncalc.cli import numbers
        return numbers.column(arr, self.digits)

    def rows(self, arr):
        import numpy as np
        cells = self.grid(arr)
        return np.array(cells, dtype=object).reshape(np.shape(arr)).tolist()

    def one(self, v):
        return self.grid([v])[0]


def input_label(sample, channel, padded):
    """'input sample 0, channel 1 (padded)'; sample and channel are None where the trace shows none."""
    parts = ([_("sample {n}").format(n=sample)] if sample is not None else []) + \
        ([_("channel {i}").format(i=channel)] if channel is not None else [])
    if not parts:
        return _("input (padded)") if padded else _("input")
    where = _("{first}, {second}").format(first=parts[0], second=parts[1]) if len(parts) == 2 else parts[0]
    return (_("input {where} (padded)") if padded else _("input {where}")).format(where=where)


def padding_cells(shape, padding, in_hw):
    pt, _, pl, _ = padding
    h, w = in_hw
    return {(r, c) for r in range(shape[0]) for c in range(shape[1])
            if not (pt <= r < pt + h and pl <= c < pl + w)}


def window_cells(i, j, kernel, stride, dilation):
    return [(i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1])
            for a in range(kernel[0]) for b in range(kernel[1])]


def highlight(rows, cells, pads):
    """{cell: (text, fill)} for the window's cells; padding in the window keeps a darker shade."""
    return {(r, c): (rows[r][c], fig.WINDOW_PAD if (r, c) in pads else fig.WINDOW_FILL)
            for r, c in cells}


def draw_title(sheet, text, detail):
    sheet.text(M, M + 0.18, text, size=fig.FONT_SIZE * TITLE_SCALE, weight="bold")
    sheet.text(M, M + 0.5, detail, color="#495057")
