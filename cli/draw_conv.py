"""The conv picture: per input channel the padded input with the window outlined, ⊙ the
kernel's channel, = the products and their sum; then the channel sums, the bias, the
activation and the output map with the cell marked (the notes' multi-channel figure)."""
from nncalc.cli import draw_figure as fig
from nncalc.cli.draw_windows import (GAP, LABEL_H, M, OP_W, TITLE_H, draw_title, highlight,
                                    input_label, padding_cells, window_cells)
from nncalc.cli.i18n import _


class ConvScene:
    def __init__(self, res, xp, out, fmt, cw, activation, steps):
        self.res, self.xp, self.out, self.fmt, self.cw = res, xp, out, fmt, cw
        self.activation = activation
        self.batch = res.result.ndim == 4       # the trace shows n only for a batch
        self.channels, self.kh, self.kw = res.kernels.shape[1:]
        self.hp, self.wp = xp.shape[-2:]
        self.pads = padding_cells((self.hp, self.wp), res.padding, (res.size_h.n, res.size_w.n))
        self.row_h = LABEL_H + max(self.hp, self.kh) * fig.CELL_H + GAP
        last = (xp.shape[0] - 1, out.shape[1] - 1, self.channels - 1)     # the longest labels
        widths = (max(self.wp * cw, fig.text_width(self._input_label(last[0], last[2]))),
                  max(self.kw * cw, fig.text_width(self._kernel_label(last[1], last[2]))),
                  max(self.kw * cw, fig.text_width(_("window ⊙ kernel"))))
        self.sum_w = max(fig.text_width("Σ = " + fmt.one(v)) for s in steps for v in s.channel_sums) + GAP
        self.x_k = M + widths[0] + OP_W
        self.x_p = self.x_k + widths[1] + OP_W
        self.x_o = self.x_p + widths[2] + self.sum_w + GAP
        self.lines = max(len(self._formula(s)) for s in steps)
        self.panel_w = max([out.shape[-1] * cw, fig.text_width(self._output_label(last[1]))]
                           + [fig.text_width(t) for s in steps for t in self._formula(s)])

    def size(self):
        panel_h = LABEL_H + self.out.shape[-2] * fig.CELL_H + GAP + self.lines * LABEL_H
        body = max(self.channels * self.row_h - GAP, panel_h)
        return self.x_o + self.panel_w + M, M + TITLE_H + body + M

    def _input_label(self, n, c):
        return input_label(n if self.batch else None, c if self.channels > 1 else None, bool(self.pads))

    def _kernel_label(self, f, c):
        kernel = _("kernel {f}").format(f=f) if self.res.kernels.shape[0] > 1 else _("kernel")
        if self.channels > 1:
            kernel = _("{kernel}, channel {c}").format(kernel=kernel, c=c)
        return _("{kernel} (rotated 180°)").format(kernel=kernel) if self.res.flip else kernel

    def _output_label(self, f):
        label = _("output map, filter {f}").format(f=f) if self.out.shape[1] > 1 else _("output map")
        return _("{label} ({activation})").format(label=label, activation=self.activation) \
            if self.activation else label

    def _formula(self, s):
        f1 = self.fmt.one
        if self.channels > 1:
            sums = " + ".join(f1(v) for v in s.channel_sums) if self.channels <= 4 else \
                _("the {n} channel sums").format(n=self.channels)
            lines = [_("Σ channels: {sums} = {total}").format(sums=sums, total=f1(s.total)),
                     _("+ bias {b} = {z}").format(b=f1(s.bias), z=f1(s.pre_activation))]
        else:
            lines = [_("{total} + bias {b} = {z}").format(total=f1(s.total), b=f1(s.bias),
                                                         z=f1(s.pre_activation))]
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
            sheet.text(M, y + 0.12, self._input_label(n, c))
            sheet.grid(M, gy, fmt.rows(self.xp[n, c]), cw, fills=dict.fromkeys(self.pads, fig.PADDING))
            sheet.text((M + self.wp * cw + self.x_k) / 2, mid, "⊙", ha="center", size=fig.FONT_SIZE + 4)
            sheet.text(self.x_k, y + 0.12, self._kernel_label(f, c))
            sheet.grid(self.x_k, gy, fmt.rows(res.kernels[f, c]), cw, fill=fig.KERNEL)
            sheet.text((self.x_k + self.kw * cw + self.x_p) / 2, mid, "=", ha="center",
                       size=fig.FONT_SIZE + 4)
            sheet.text(self.x_p, y + 0.12, _("window ⊙ kernel"))
        y = M + TITLE_H
        sheet.text(self.x_o, y + 0.12, self._output_label(f))
        sheet.grid(self.x_o, y + LABEL_H, fmt.rows(self.out[n, f]), cw)

    def titles(self, s, k, total):
        res = self.res
        label, shown = ("(n, f, i, j)", s.position) if self.batch else ("(f, i, j)", s.position[1:])
        op = _("convolution (kernel rotated 180°)") if res.flip else _("cross-correlation")
        return (_("conv: step {k} (0-based) of {total}, output {label} = {shown}").format(
                    k=k, total=total, label=label, shown=tuple(shown)),
                _("{op}; stride {sh},{sw}; padding {p} (top, bottom, left, right); dilation {dh},{dw}").format(
                    op=op, sh=res.size_h.stride, sw=res.size_w.stride, p=",".join(map(str, res.padding)),
                    dh=res.size_h.dilation, dw=res.size_w.dilation))

    def overlay(self, sheet, s, k, total):
        """What one output position adds: its window, products, sums and output cell."""
        n, f, i, j = s.position
        res, cw, fmt = self.res, self.cw, self.fmt
        draw_title(sheet, *self.titles(s, k, total))
        window = window_cells(i, j, (self.kh, self.kw), (res.size_h.stride, res.size_w.stride),
                               (res.size_h.dilation, res.size_w.dilation))
        for c in range(self.channels):
            y = self._row_y(c)
            gy, mid = y + LABEL_H, y + LABEL_H + self.kh * fig.CELL_H / 2
            rows = fmt.rows(self.xp[n, c])
            sheet.mark(M, gy, highlight(rows, window, self.pads), cw, fig.WINDOW, f"window-{c}-{{r}}-{{c}}")
            sheet.grid(self.x_p, gy, fmt.rows(s.products[c]), cw, fill=fig.WINDOW_FILL)
            sheet.text(self.x_p + self.kw * cw + 0.15, mid, f"Σ = {fmt.one(s.channel_sums[c])}")
        y = M + TITLE_H + LABEL_H
        rows = fmt.rows(self.out[n, f])
        sheet.mark(self.x_o, y, {(i, j): (rows[i][j], fig.WINDOW_FILL)}, cw, fig.WINDOW, "output-{r}-{c}")
        ly = y + self.out.shape[-2] * fig.CELL_H + GAP
        for t, line in enumerate(self._formula(s)):
            sheet.text(self.x_o, ly + t * LABEL_H, line)
