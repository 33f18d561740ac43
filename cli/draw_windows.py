"""Pictures of conv and pool: the padded input with one output position's window, and what
the window becomes.

conv, per input channel (the notes' multi-channel figure): the padded input
(padding shaded) with the window outlined, ⊙ the kernel's channel, = the
element-wise products and their sum; then the channel sums added, the bias,
the activation, and the output map with the cell marked. pool: the padded
channel with the window outlined (max: the winner in bold red), the max or
sum ÷ count, and the output map. A .gif draws every position, one frame each.

SVG ids say what is highlighted, in the drawn grids' own (row, col):
``window-C-R-K`` (input channel C of the padded input), ``output-R-K``,
``winner-R-K`` (input coordinates, as the trace's "at input").
"""
from nncalc.cli import draw_figure as fig
from nncalc.cli.options import UserError

MAX_CELLS = 32          # rows or columns of one grid: past this the numbers are unreadable
M = 0.3                 # margin, inches
TITLE_H = 0.75
LABEL_H = 0.32
GAP = 0.35
OP_W = 0.45             # the width of "⊙" or "=" between grids


def conv(res, positions, digits, activation, ext):
    """The bytes of a conv picture (ext .svg/.png: positions has one index; .gif: all)."""
    import numpy as np
    f_count, channels, kh, kw = res.kernels.shape
    padded = np.asarray(res.padded_input, dtype=np.float64)
    xp = padded.reshape((-1, channels) + padded.shape[-2:])
    out = np.asarray(res.result).reshape((-1, f_count) + res.output_shape[-2:])
    _check_size(xp.shape[-2:], "the padded input")
    _check_size(out.shape[-2:], "the output")
    steps = [res.steps[k] for k in positions]
    fmt = _Formatter(digits)
    texts = (fmt.grid(xp) + fmt.grid(res.kernels) + fmt.grid(out)
             + [t for s in steps for t in fmt.grid(s.products)])
    cw = fig.cell_width(texts)
    scene = _ConvScene(res, xp, out, fmt, cw, activation, steps)
    return _render(scene, steps, positions, res.total_steps, ext)


def pool(res, positions, digits, ext):
    """The bytes of a pool picture (ext .svg/.png: positions has one index; .gif: all)."""
    import numpy as np
    xp = np.asarray(res._padded, dtype=np.float64)     # PoolResult keeps its padded input privately
    out = np.asarray(res.result).reshape(xp.shape[:2] + res.output_shape[-2:])
    _check_size(xp.shape[-2:], "the padded input")
    _check_size(out.shape[-2:], "the output")
    steps = [res.steps[k] for k in positions]
    fmt = _Formatter(digits)
    cw = fig.cell_width(fmt.grid(xp) + fmt.grid(out))
    ndim = np.ndim(res.result)
    label = "(i, j)" if ndim == 2 else "(c, i, j)" if ndim == 3 else "(n, c, i, j)"
    scene = _PoolScene(res, xp, out, fmt, cw, label, ndim)
    return _render(scene, steps, positions, res.total_steps, ext)


def _render(scene, steps, positions, total, ext):
    with fig.rc_context():
        sheet = fig.Sheet(*scene.size())
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


def _check_size(hw, what):
    if max(hw) > MAX_CELLS:
        raise UserError(f"{what} is {hw[0]}×{hw[1]}; a picture shows at most {MAX_CELLS} rows and "
                        f"{MAX_CELLS} columns of numbers", "--draw")


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


def _padding_cells(shape, padding, in_hw):
    pt, _, pl, _ = padding
    h, w = in_hw
    return {(r, c) for r in range(shape[0]) for c in range(shape[1])
            if not (pt <= r < pt + h and pl <= c < pl + w)}


def _window_cells(i, j, kernel, stride, dilation):
    return [(i * stride[0] + a * dilation[0], j * stride[1] + b * dilation[1])
            for a in range(kernel[0]) for b in range(kernel[1])]


def _highlight(rows, cells, pads):
    """{cell: (text, fill)} for the window's cells; padding in the window keeps a darker shade."""
    return {(r, c): (rows[r][c], fig.WINDOW_PAD if (r, c) in pads else fig.WINDOW_FILL)
            for r, c in cells}


def _title(sheet, text, detail):
    sheet.text(M, M + 0.18, text, size=fig.FONT_SIZE + 3, weight="bold")
    sheet.text(M, M + 0.5, detail, color="#495057")


class _ConvScene:
    def __init__(self, res, xp, out, fmt, cw, activation, steps):
        self.res, self.xp, self.out, self.fmt, self.cw = res, xp, out, fmt, cw
        self.activation = activation
        self.batch = res.result.ndim == 4       # the trace shows n only for a batch
        self.channels, self.kh, self.kw = res.kernels.shape[1:]
        self.hp, self.wp = xp.shape[-2:]
        self.pads = _padding_cells((self.hp, self.wp), res.padding, (res.size_h.n, res.size_w.n))
        self.row_h = LABEL_H + max(self.hp, self.kh) * fig.CELL_H + GAP
        self.sum_w = max(fig.text_width("Σ = " + fmt.one(v)) for s in steps for v in s.channel_sums) + GAP
        self.x_k = M + self.wp * cw + OP_W
        self.x_p = self.x_k + self.kw * cw + OP_W
        self.x_o = self.x_p + self.kw * cw + self.sum_w + GAP
        ow = out.shape[-1] * cw
        self.panel_w = max([ow, fig.text_width("output map, filter 00 (leaky-relu)")]
                           + [fig.text_width(t) for s in steps for t in self._formula(s)])

    def size(self):
        lines = 3 if self.activation else 2
        panel_h = LABEL_H + self.out.shape[-2] * fig.CELL_H + GAP + lines * LABEL_H
        body = max(self.channels * self.row_h - GAP, panel_h)
        return self.x_o + self.panel_w + M, M + TITLE_H + body + M

    def _formula(self, s):
        f1 = self.fmt.one
        if self.channels > 1:
            sums = " + ".join(f1(v) for v in s.channel_sums) if self.channels <= 4 else \
                f"the {self.channels} channel sums"
            lines = [f"Σ channels: {sums} = {f1(s.total)}",
                     f"+ bias {f1(s.bias)} = {f1(s.pre_activation)}"]
        else:
            lines = [f"{f1(s.total)} + bias {f1(s.bias)} = {f1(s.pre_activation)}"]
        if self.activation:
            lines.append(f"{self.activation}({f1(s.pre_activation)}) = {f1(s.activated)}")
        return lines

    def _row_y(self, c):
        return M + TITLE_H + c * self.row_h

    def background(self, sheet, s):
        """What stays while the window moves over one sample's map for one filter."""
        n, f = s.position[:2]
        cw, fmt, res = self.cw, self.fmt, self.res
        for c in range(self.channels):
            y = self._row_y(c)
            gy, mid = y + LABEL_H, y + LABEL_H + self.kh * fig.CELL_H / 2
            ch = f"channel {c}" if self.channels > 1 else ""
            where = ", ".join(w for w in (f"sample {n}" if self.batch else "", ch) if w)
            sheet.text(M, y + 0.12, " ".join(w for w in ("input", where, "(padded)" if self.pads else "") if w))
            sheet.grid(M, gy, fmt.rows(self.xp[n, c]), cw, fills=dict.fromkeys(self.pads, fig.PADDING))
            sheet.text(self.x_k - OP_W / 2, mid, "⊙", ha="center", size=fig.FONT_SIZE + 4)
            kernel = f"kernel {f}" if res.kernels.shape[0] > 1 else "kernel"
            sheet.text(self.x_k, y + 0.12, ", ".join(w for w in (kernel, ch) if w)
                       + (" (rotated 180°)" if res.flip else ""))
            sheet.grid(self.x_k, gy, fmt.rows(res.kernels[f, c]), cw, fill=fig.KERNEL)
            sheet.text(self.x_p - OP_W / 2, mid, "=", ha="center", size=fig.FONT_SIZE + 4)
            sheet.text(self.x_p, y + 0.12, "window ⊙ kernel")
        y = M + TITLE_H
        label = f"output map, filter {f}" if self.out.shape[1] > 1 else "output map"
        sheet.text(self.x_o, y + 0.12, label + (f" ({self.activation})" if self.activation else ""))
        sheet.grid(self.x_o, y + LABEL_H, fmt.rows(self.out[n, f]), cw)

    def overlay(self, sheet, s, k, total):
        """What one output position adds: its window, products, sums and output cell."""
        n, f, i, j = s.position
        res, cw, fmt = self.res, self.cw, self.fmt
        label, shown = ("(n, f, i, j)", s.position) if self.batch else ("(f, i, j)", s.position[1:])
        op = "convolution (kernel rotated 180°)" if res.flip else "cross-correlation"
        _title(sheet, f"conv: step {k} (0-based) of {total}, output {label} = {tuple(shown)}",
               f"{op}; stride {res.size_h.stride},{res.size_w.stride}; padding "
               f"{','.join(map(str, res.padding))} (top, bottom, left, right); "
               f"dilation {res.size_h.dilation},{res.size_w.dilation}")
        window = _window_cells(i, j, (self.kh, self.kw), (res.size_h.stride, res.size_w.stride),
                               (res.size_h.dilation, res.size_w.dilation))
        for c in range(self.channels):
            y = self._row_y(c)
            gy, mid = y + LABEL_H, y + LABEL_H + self.kh * fig.CELL_H / 2
            rows = fmt.rows(self.xp[n, c])
            sheet.mark(M, gy, _highlight(rows, window, self.pads), cw, fig.WINDOW, f"window-{c}-{{r}}-{{c}}")
            sheet.grid(self.x_p, gy, fmt.rows(s.products[c]), cw, fill=fig.WINDOW_FILL)
            sheet.text(self.x_p + self.kw * cw + 0.15, mid, f"Σ = {fmt.one(s.channel_sums[c])}")
        y = M + TITLE_H + LABEL_H
        rows = fmt.rows(self.out[n, f])
        sheet.mark(self.x_o, y, {(i, j): (rows[i][j], fig.WINDOW_FILL)}, cw, fig.WINDOW, "output-{r}-{c}")
        ly = y + self.out.shape[-2] * fig.CELL_H + GAP
        for t, line in enumerate(self._formula(s)):
            sheet.text(self.x_o, ly + t * LABEL_H, line)


class _PoolScene:
    def __init__(self, res, xp, out, fmt, cw, label, ndim):
        self.res, self.xp, self.out, self.fmt, self.cw = res, xp, out, fmt, cw
        self.label, self.ndim = label, ndim
        self.hp, self.wp = xp.shape[-2:]
        self.pads = _padding_cells((self.hp, self.wp), res.padding, (res.size_h.n, res.size_w.n))
        longest = fmt.grid(out) + fmt.grid(xp)
        self.mid_w = max(fig.text_width("sum = " + t) for t in longest) + 2 * GAP
        self.x_o = M + self.wp * cw + self.mid_w

    def size(self):
        body = LABEL_H + max(self.hp, self.out.shape[-2]) * fig.CELL_H
        width = self.x_o + max(self.out.shape[-1] * self.cw, fig.text_width("output map, channel 00"))
        return max(width, 6.5) + M, M + TITLE_H + body + M

    def background(self, sheet, s):
        n, c = s.position[:2]
        y = M + TITLE_H
        where = ", ".join(w for w in (f"sample {n}" if self.ndim == 4 else "",
                                      f"channel {c}" if self.ndim > 2 else "") if w)
        sheet.text(M, y + 0.12, " ".join(w for w in ("input", where, "(padded)" if self.pads else "") if w))
        sheet.grid(M, y + LABEL_H, self.fmt.rows(self.xp[n, c]), self.cw,
                   fills=dict.fromkeys(self.pads, fig.PADDING))
        sheet.text(self.x_o, y + 0.12, "output map" + (f", channel {c}" if self.ndim > 2 else ""))
        sheet.grid(self.x_o, y + LABEL_H, self.fmt.rows(self.out[n, c]), self.cw)

    def overlay(self, sheet, s, k, total):
        n, c, i, j = s.position
        res, cw, fmt = self.res, self.cw, self.fmt
        shown = s.position[-2:] if self.ndim == 2 else s.position[-3:] if self.ndim == 3 else s.position
        _title(sheet, f"pool ({res.mode}): step {k} (0-based) of {total}, output {self.label} = "
                      f"{tuple(int(v) for v in shown)}",
               f"window {res.kernel[0]}×{res.kernel[1]}; stride {res.stride[0]},{res.stride[1]}; "
               f"padding {','.join(map(str, res.padding))} (top, bottom, left, right)")
        gy = M + TITLE_H + LABEL_H
        pt, pl = res.padding[0], res.padding[2]
        winner = [] if s.winner is None else [(s.winner[0] + pt, s.winner[1] + pl)]
        window = _window_cells(i, j, res.kernel, res.stride, (1, 1))
        sheet.mark(M, gy, _highlight(fmt.rows(self.xp[n, c]), window, self.pads), cw, fig.WINDOW,
                   f"window-{c}-{{r}}-{{c}}", bold=winner)
        for r, q in winner:
            sheet.rect(M + q * cw + 0.05, gy + r * fig.CELL_H + 0.05, cw - 0.1, fig.CELL_H - 0.1,
                       gid=f"winner-{r - pt}-{q - pl}", facecolor="none", edgecolor=fig.WINNER,
                       linewidth=1.6, zorder=7)
        if res.mode == "max":
            lines = [f"max = {fmt.one(s.value)}"]
        else:
            lines = [f"sum = {fmt.one(s.total)}", f"÷ count {s.count}", f"= {fmt.one(s.value)}"]
        mid = gy + self.hp * fig.CELL_H / 2
        for t, line in enumerate(lines):
            sheet.text(M + self.wp * cw + GAP, mid + (t - (len(lines) - 1) / 2) * LABEL_H, line)
        rows = fmt.rows(self.out[n, c])
        sheet.mark(self.x_o, gy, {(i, j): (rows[i][j], fig.WINDOW_FILL)}, cw, fig.WINDOW, "output-{r}-{c}")
