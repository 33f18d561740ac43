"""Pictures of curves: an activation and its derivative, and a training run's loss.

Curves get ordinary axes; marked values are labelled with the trace's --digits.
SVG ids: ``given-K`` for the K-th given point (row-major) of an activation.
"""
from nncalc.cli import draw_figure as fig
from nncalc.cli.draw import check_loss
from nncalc.cli.i18n import N_, _

MAX_LABELS = 12         # past this many given points, mark them without writing their values
WIDTH, HEIGHT = 7.0, 4.4
# a title activate.py writes and this module draws: named here so that the picture font's subset
# (tools/subset_draw_font.py reads the messages of the draw_*.py modules) has its glyphs
DRAWN_FROM_ELSEWHERE = (N_("{name} of (x, 0), first component"),)


def activation(trace, curves, digits, ext):
    """h and h' over the range (``curves``: xs, h, h', title), the given points marked."""
    import numpy as np
    from nncalc.cli import numbers
    xs, ys, ds, title = curves
    with fig.rc_context():
        figure, ax = fig.plot(WIDTH, HEIGHT)
        ax.plot(xs, ys, color="#1c7ed6", linewidth=1.8, label="h(x)")
        ax.plot(xs, ds, color="#f76707", linewidth=1.4, linestyle="--", label="h'(x)")
        if trace.activation.elementwise:
            px, py, pd = (np.ravel(a) for a in (trace.input, trace.result, trace.derivative))
            keep = np.flatnonzero(np.isfinite(px) & (px >= xs[0]) & (px <= xs[-1]))
            labels = zip(numbers.column(px[keep], digits), numbers.column(py[keep], digits))
            for k, (sx, sy) in zip(keep, labels):
                dot = ax.plot(px[k], py[k], "o", color="#1c7ed6", markersize=6)[0]
                dot.set_gid(f"given-{k}")
                ax.plot(px[k], pd[k], "o", markerfacecolor="white", color="#f76707", markersize=5)
                if len(keep) <= MAX_LABELS:
                    ax.annotate(f"({sx}, {sy})", (px[k], py[k]), textcoords="offset points",
                                xytext=(5, 6), fontsize=fig.FONT_SIZE - 1)
            if len(keep) < len(px):
                title = _("{title} ({n} given point(s) outside the range not shown)").format(
                    title=title, n=len(px) - len(keep))
        ax.set_title(title)
        ax.axhline(0, color="#adb5bd", linewidth=0.6)
        _finish(ax, "x", "")
        return fig.save(figure, ext)


def training(res, digits, ext):
    """Loss before each update and after the last (and accuracy, when the record has it)."""
    import numpy as np
    from nncalc.cli import numbers
    loss = np.asarray(res.loss_history, dtype=np.float64).ravel()
    sampled = getattr(res, "loss_steps", None)        # a long run keeps a sample of its losses
    steps = np.arange(len(loss)) if sampled is None else np.asarray(sampled)
    finite = np.isfinite(loss)
    check_loss(getattr(res, "forward_only", False), finite.any())
    with fig.rc_context():
        figure, ax = fig.plot(WIDTH, HEIGHT)
        ax.plot(steps[finite], loss[finite], color="#1c7ed6", linewidth=1.6,
                marker="o" if len(loss) <= 30 else None, markersize=3,
                label=_("{name} loss").format(name=res.loss))
        if loss[finite].min() > 0 and loss[finite].max() / loss[finite].min() > 100:
            ax.set_yscale("log")
        for i in sorted({int(np.flatnonzero(finite)[0]), int(np.flatnonzero(finite)[-1])}):
            k = int(steps[i])
            ax.annotate(numbers.column([loss[i]], digits)[0], (k, loss[i]), textcoords="offset points",
                        xytext=(4, 6), fontsize=fig.FONT_SIZE - 1, gid=f"loss-{k}",
                        bbox=dict(boxstyle="square,pad=0.1", facecolor="white", edgecolor="none", alpha=0.8))
        accuracy = _accuracy(res, len(loss))
        if accuracy is not None:
            twin = ax.twinx()
            twin.plot(steps, accuracy, color="#2f9e44", linewidth=1.4, linestyle="--", label=_("accuracy"))
            twin.set_ylim(-0.02, 1.02)
            twin.set_ylabel(_("accuracy"))
            # the loss, its values and the legend above the dashed accuracy line, not under it
            ax.set_zorder(twin.get_zorder() + 1)
            ax.patch.set_visible(False)
            lines = ax.get_lines() + twin.get_lines()
            ax.legend(lines, [ln.get_label() for ln in lines], loc="center right", framealpha=0.9,
                      edgecolor="none")
        title = _("backprop: {optimizer}, η = {lr}, {steps} step(s)").format(
            optimizer=res.optimizer, lr=numbers.exact(res.lr), steps=res.steps)
        if getattr(res, "diverged", False):
            title = _("{title} — diverged (inf or nan not drawn)").format(title=title)
        ax.set_title(title)
        _finish(ax, _("step (loss before the update; the last point is after it)"), _("loss"),
                legend=accuracy is None)
        return fig.save(figure, ext)


def _accuracy(res, n):
    """The record's accuracy per step, if it keeps one beside the loss (same length)."""
    import numpy as np
    for name in ("accuracy_history", "accuracies", "accuracy"):
        value = getattr(res, name, None)
        if value is None or np.ndim(value) != 1 or len(value) != n:
            continue
        return np.asarray(value, dtype=np.float64)
    return None


def _finish(ax, xlabel, ylabel, legend=True):
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="#e9ecef", linewidth=0.6)
    if legend:
        ax.legend(frameon=False)
    ax.figure.tight_layout()
