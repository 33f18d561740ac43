"""The pool picture: the padded channel with the window outlined (max: the winner in bold,
boxed in red), the max or sum ÷ count, and the output map with the cell marked."""
from nncalc.cli import draw_figure as fig
from nncalc.cli.draw_windows import (GAP, LABEL_H, M, TITLE_H, draw_title, highlight, input_label,
                                    padding_cells, window_cells)
from nncalc.cli.i18n import _


class PoolScene:
    def __init__(self, res, xp, out, fmt, cw, ndim, steps):
        self.res, self.xp, self.out, self.fmt, self.cw, self.ndim = res, xp, out, fmt, cw, ndim
        self.hp, self.wp = xp.shape[-2:]
        self.pads = padding_cells((self.hp, self.wp), res.padding, (res.size_h.n, res.size_w.n))
        last = (xp.shape[0] - 1, xp.shape[1] - 1)                      # the longest labels
        in_w = max(self.wp * cw, fig.text_width(self._input_label(*last)))
        self.mid_w = max(fig.text_width(t) for s in steps for t in self._lines(s)) + 2 * GAP
        self.x_o = M + in_w + self.mid_w
        self.out_w = max(out.shape[-1] * cw, fig.text_width(self._output_label(last[1])))

    def size(self):
        body = LABEL_H + max(self.hp, self.out.shape[-2]) * fig.CELL_H
        return self.x_o + self.out_w + M, M + TITLE_H + body + M

    def _input_label(self, n, c):
        return input_label(n if self.ndim == 4 else None, c if self.ndim > 2 else None, bool(self.pads))

    def _output_label(self, c):
        return _("output map, channel {c}").format(c=c) if self.ndim > 2 else _("output map")

    def _lines(self, s):
        if self.res.mode == "max":
            return [f"max = {self.fmt.one(s.value)}"]
        return [_("sum = {v}").format(v=self.fmt.one(s.total)), _("÷ count {n}").format(n=s.count),
                f"= {self.fmt.one(s.value)}"]

    def background(self, sheet, s):
        n, c = s.position[:2]
        y = M + TITLE_H
        sheet.text(M, y + 0.12, self._input_label(n, c))
        sheet.grid(M, y + LABEL_H, self.fmt.rows(self.xp[n, c]), self.cw,
                   fills=dict.fromkeys(self.pads, fig.PADDING))
        sheet.text(self.x_o, y + 0.12, self._output_label(c))
        sheet.grid(self.x_o, y + LABEL_H, self.fmt.rows(self.out[n, c]), self.cw)

    def titles(self, s, k, total):
        res = self.res
        label = ("(n, c, i, j)", "(c, i, j)", "(i, j)")[4 - max(self.ndim, 2)]
        shown = s.position[4 - self.ndim:]      # as the trace: (i, j) for one map, (c, i, j), or all
        return (_("pool ({mode}): step {k} (0-based) of {total}, output {label} = {shown}").format(
                    mode=res.mode, k=k, total=total, label=label, shown=tuple(int(v) for v in shown)),
                _("window {kh}×{kw}; stride {sh},{sw}; padding {p} (top, bottom, left, right)").format(
                    kh=res.kernel[0], kw=res.kernel[1], sh=res.stride[0], sw=res.stride[1],
                    p=",".join(map(str, res.padding))))

    def overlay(self, sheet, s, k, total):
        """What one output position adds: its window (max: the winner), the reduction, the cell."""
        n, c, i, j = s.position
        res, cw, fmt = self.res, self.cw, self.fmt
        draw_title(sheet, *self.titles(s, k, total))
        gy = M + TITLE_H + LABEL_H
        pt, pl = res.padding[0], res.padding[2]
        winner = [] if s.winner is None else [(s.winner[0] + pt, s.winner[1] + pl)]
        window = window_cells(i, j, res.kernel, res.stride, (1, 1))
        sheet.mark(M, gy, highlight(fmt.rows(self.xp[n, c]), window, self.pads), cw, fig.WINDOW,
                   f"window-{c}-{{r}}-{{c}}", bold=winner)
        for r, q in winner:
            sheet.rect(M + q * cw + 0.05, gy + r * fig.CELL_H + 0.05, cw - 0.1, fig.CELL_H - 0.1,
                       gid=f"winner-{r - pt}-{q - pl}", facecolor="none", edgecolor=fig.WINNER,
                       linewidth=1.6, zorder=7)
        lines = self._lines(s)
        mid = gy + self.hp * fig.CELL_H / 2
        for t, line in enumerate(lines):
            sheet.text(self.x_o - self.mid_w + GAP, mid + (t - (len(lines) - 1) / 2) * LABEL_H, line)
        rows = fmt.rows(self.out[n, c])
        sheet.mark(self.x_o, gy, {(i, j): (rows[i][j], fig.WINDOW_FILL)}, cw, fig.WINDOW, "output-{r}-{c}")
