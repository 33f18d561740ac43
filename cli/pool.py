"""`nncalc pool`: max and average pooling traced window by window, and its backward pass."""
import click

from nncalc.cli import completion, draw, geometry
from nncalc.cli.options import COMMAND_SETTINGS, UserError, given, output_options
from nncalc.cli.options import check_options
from nncalc.cli.i18n import _, ngettext, tr
from nncalc.core.errors import shape_text

# core's field names -> this command's arguments: the one place pool names them
FIELDS = {"input": "INPUT", "size": "--size", "kernel": "--size", "stride": "--stride",
          "padding": "--padding", "mode": "--mode", "dout": "--backward"}


@click.command("pool", context_settings=COMMAND_SETTINGS,
               short_help=_("Max or average pooling, traced, with its backward pass."),
               help=_("""Pool each channel on its own: the maximum or the average of every window.

    \b
      nncalc pool "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1" --size 2
      nncalc pool "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1" --avg --size 2 --stride 1
      nncalc pool @maps.npy --size 3 --stride 2 --padding 1 --ceil
      nncalc pool "1 2; 3 4" --size 2 --backward "1"
      nncalc conv @x.csv "1 0; 0 1" -q | nncalc pool - --size 2

    \b
    There is no kernel: C channels in, C channels out (nothing is summed
    across channels). Stride defaults to the window size. Like PyTorch, max
    pooling pads with −∞ and average pooling with zeros that count in the
    divisor unless --no-count-include-pad; padding may be at most half the
    window. Output size: ⌊(H + 2P − K)/S⌋ + 1 (⌈…⌉ with --ceil, dropping a
    last window that would start in the padding). Positions are 0-based.
    """))
@click.argument("input_", metavar="INPUT", shell_complete=completion.matrix)
@click.option("--mode", type=click.Choice(["max", "avg"], case_sensitive=False), default=None,
              help=_("max or avg pooling [default: max]."))
@click.option("--max", "max_", is_flag=True, help=_("Same as --mode max."))
@click.option("--avg", is_flag=True, help=_("Same as --mode avg."))
@click.option("--size", type=geometry.IntPair(1), default="2", metavar="K|KH,KW",
              help=_("Window (receptive field) size. [default: 2]"))
@geometry.stride_option(default=None)
@geometry.padding_option(words=())
@click.option("--ceil", is_flag=True, help=_("Ceil mode: round the size quotient up (PyTorch's rule)."))
@click.option("--global", "global_", is_flag=True, help=_("Global pooling: one window covers each map."))
@click.option("--count-include-pad/--no-count-include-pad", default=True,
              help=_("avg: divide by the whole window, padded zeros included (PyTorch's default)."))
@click.option("--backward", "dout", metavar="DOUT", shell_complete=completion.matrix,
              help=_("Upstream gradient (output-shaped): print how pooling routes it back."))
@draw.options(animated=True)
@geometry.work_option(_("comparisons (max) or additions (avg)"))
@output_options
@check_options
def command(input_, mode, max_, avg, size, stride, padding, ceil, global_, count_include_pad, dout, picture,
            max_work, out):
    from nncalc.cli import inputs
    inputs.reject_unknown_options((input_,))
    picked = {m for m, on in (("max", max_), ("avg", avg), (mode and mode.lower(), bool(mode))) if on}
    if len(picked) > 1:
        raise UserError(_("give one of --mode max, --mode avg, --max, --avg"), "--mode")
    mode = picked.pop() if picked else "max"
    if global_ and (ceil or padding != (0, 0) or given("size") or stride is not None):
        raise UserError(_("pools the whole map in one window; it takes no --size, --stride, --padding or "
                          "--ceil"), "--global")
    if given("count_include_pad") and mode != "avg":
        flag = "--count-include-pad" if count_include_pad else "--no-count-include-pad"
        raise UserError(_("sets the divisor of average pooling; add --avg"), flag)
    x = inputs.read_matrix(input_, "INPUT", out.max_elements)
    if x.ndim < 2:
        raise UserError(_("needs a matrix (H×W, C×H×W or N×C×H×W), got {shape}").format(shape=shape_text(x.shape)),
                        "INPUT")
    d = inputs.read_matrix(dout, "--backward", out.max_elements) if dout is not None else None
    from nncalc.core import pool
    with inputs.naming("INPUT", FIELDS):
        res = pool.pool2d(x, mode, size, stride, padding, ceil, global_, count_include_pad,
                          picture.steps(out.steps), max_elements=out.max_elements, max_work=max_work,
                          every_cell=d is not None or _wants_argmax(out, mode))
        if d is not None:
            if d.ndim == 1 and d.size == res.result.size:   # "5" or "1 2 3 4" for a small output
                d = d.reshape(res.output_shape)
            pool.backward(res, d, out.steps, out.max_elements)
    res = picture.pool(res, out)
    from nncalc.cli import render
    render.emit(_report(res, x, count_include_pad, d is not None, _wants_argmax(out, mode)), out)


def _wants_argmax(out, mode):
    """The winners' positions cost more than the maxima (a visit of every cell of every
    window): only the JSON object shows them."""
    return mode == "max" and out.format == "json" and not out.quiet


def _report(res, x, include_pad, backward, with_argmax=True):
    from nncalc.cli import render
    pt, pb, pl, pr = res.padding
    data = {"mode": res.mode, "input_shape": list(x.shape), "output_shape": list(res.output_shape),
            "size": list(res.kernel), "stride": list(res.stride), "padding": [pt, pb, pl, pr],
            "sizes": {"h": geometry.size_json(res.size_h), "w": geometry.size_json(res.size_w)},
            "steps": [_step_json(s) for s in res.steps], "steps_total": res.total_steps}
    if res.mode == "max":
        if with_argmax:
            data["argmax"] = res.argmax
    else:
        data["count_include_pad"] = include_pad
    if backward:
        data["grad_input"] = res.grad_input
    report = render.Report(res.result, data)
    if res.mode == "max":
        pad_note = _("padding is −∞ (never wins)")
    elif include_pad:
        pad_note = _("padded zeros count in the divisor (count_include_pad)")
    else:
        pad_note = _("padded zeros are left out of the divisor (--no-count-include-pad)")
    heading = _("pool: max pooling, window {kh}×{kw}, stride {sh},{sw}, each channel on its own") \
        if res.mode == "max" else \
        _("pool: avg pooling, window {kh}×{kw}, stride {sh},{sw}, each channel on its own")
    report.heading(heading.format(kh=res.kernel[0], kw=res.kernel[1], sh=res.stride[0], sw=res.stride[1]))
    line = _("input {shape}, padding top {pt} bottom {pb} left {pl} right {pr}").format(
        shape=tr(shape_text(x.shape)), pt=pt, pb=pb, pl=pl, pr=pr)
    if any(res.padding) or res.mode == "avg":
        line = _("{line}; {note}").format(line=line, note=pad_note)
    report.line(line)
    report.line("")
    formula = [line for axis, rec in (("H", res.size_h), ("W", res.size_w))
               for line in geometry.formula_lines(rec, axis, axis)]
    for line in formula:
        report.line(line)
    report.explain(formula, values_of=("output_shape",))
    report.line("")
    _steps_table(report, res)
    title = ngettext("Pooled map ({mode})", "Pooled maps ({mode})", 2 if res.result.ndim > 2 else 1)
    report.matrix(title.format(mode=res.mode), res.result)
    if backward:
        _routing_table(report, res)
        report.matrix(_("Gradient with respect to the input (∂E/∂x)"), res.grad_input)
    return report


def _pos(p, ndim):
    """(c, i, j) for C×H×W results, (i, j) for one map, everything for a batch."""
    return str(tuple(p[-2:]) if ndim == 2 else tuple(p[-3:]) if ndim == 3 else tuple(p))


def _steps_table(report, res):
    from nncalc.cli import matrixtext, render
    ndim = res.result.ndim
    pos = [_pos(s.position, ndim) for s in res.steps]
    win = [matrixtext.inline(s.window) for s in res.steps]
    if res.mode == "max":
        headers = ["(c, i, j)" if ndim >= 3 else "(i, j)", _("window"), "max", _("at input (row, col)")]
        cols = [pos, win, [s.value for s in res.steps], [str(tuple(s.winner)) for s in res.steps]]
        numeric = [False, False, True, False]
    else:
        headers = ["(c, i, j)" if ndim >= 3 else "(i, j)", _("window"), _("sum"), _("count"),
                   _("sum / count")]
        cols = [pos, win, [s.total for s in res.steps], [s.count for s in res.steps],
                [s.quotient for s in res.steps]]
        numeric = [False, False, True, True, True]
    report.table(headers, cols, total=res.total_steps, numeric=numeric,
                 locate=render.in_order(res.result.shape))


def _routing_table(report, res):
    ndim = res.result.ndim
    pos, dout, share, targets = [], [], [], []
    for r in res.routing:
        pos.append(_pos(r.position, ndim))
        dout.append(r.dout)
        share.append(r.dout / r.divisor if res.mode == "avg" else r.dout)
        targets.append(", ".join(str(tuple(t)) for t, _ in r.targets))
    rule = (_("max: the whole gradient goes to the window's winner; overlapping windows add up")
            if res.mode == "max" else _("avg: each input cell of the window gets dout / count"))
    report.line(_("Backward pass — {rule}").format(rule=rule))
    report.table(["(c, i, j)" if ndim >= 3 else "(i, j)", "dout", _("each gets"),
                  _("input cells (row, col)")],
                 [pos, dout, share, targets], total=res.total_steps,
                 numeric=[False, True, True, False])


def _step_json(s):
    d = {"position": list(s.position), "window": s.window, "value": s.value}
    if s.winner is not None:
        d["winner"] = list(s.winner)
    if s.count is not None:
        d.update(sum=s.total, count=s.count)
    return d
