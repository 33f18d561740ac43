"""`nncalc conv … --backward DY`: a convolution's gradients, traced as sums and as one convolution."""
from nncalc.cli.options import UserError
from nncalc.cli.i18n import _
from nncalc.core.errors import shape_text

# core's field names -> this command's arguments (the forward pass has checked the others)
FIELDS = {"dout": "--backward", "input": "INPUT", "kernel": "KERNEL", "bias": "--bias"}


def check_dout(d, output_shape):
    """DY as the output's shape (a flat list of the right length is reshaped), else exit 2."""
    import numpy as np
    output_shape = tuple(output_shape)
    if d.ndim == 1 and d.size == int(np.prod(output_shape)):   # "5" or "1 2 3 4" for a small output
        d = d.reshape(output_shape)
    if d.shape != output_shape:
        raise UserError(_("DY has shape {shape} but the output is {output_shape}; DY must have the "
                          "output's shape").format(shape=shape_text(d.shape),
                                                   output_shape=shape_text(output_shape)), "--backward")
    return d


def run(report, res, x, ks, kernel_arg, d, result_shape, channels_last, out, args):
    """Check DY, compute the gradients and add them to ``report`` (trace and JSON).

    ``x`` is channels first; ``args`` are (bias, stride, padding, dilation, flip, activation).
    """
    d = check_dout(d, result_shape)
    if (out.quiet or out.format in ("csv", "tsv", "npy")) and not (out.expect or out.select):
        return          # only the forward result is printed (unless a key is checked or selected)
    grads = gradients(x, kernel_arg, d, *args, channels_last, out)
    single = len(ks) == 1 and ks[0].ndim == 2
    add_json(report.data, grads, single, channels_last)
    add_text(report, grads, res, x.ndim, single, args[-1], channels_last, out)


def gradients(x, kernels, d, bias, stride, padding, dilation, flip, act, moved, out):
    """conv2d_backward for the command's arguments; ``moved``: DY is channels-last."""
    import numpy as np
    from nncalc.core import conv
    from nncalc.core.errors import InputError
    if moved:
        d = np.moveaxis(d, -1, -3)
    try:
        return conv.conv2d_backward(x, kernels, d, bias, stride, padding, dilation, flip, act,
                                    out.steps, out.max_elements)
    except InputError as exc:
        from nncalc.cli import inputs
        raise inputs.user_error(exc, FIELDS, "INPUT") from None


def as_given(grads, single, channels_last):
    """grad_input in INPUT's layout, grad_kernel in the kernel's shape as given."""
    import numpy as np
    gx = grads.grad_input
    if channels_last:
        gx = np.moveaxis(gx, -3, -1)
    return gx, grads.grad_kernel[0, 0] if single else grads.grad_kernel


def add_json(data, grads, single, channels_last):
    gx, gk = as_given(grads, single, channels_last)
    data.update(grad_input=gx, grad_kernel=gk, grad_bias=grads.grad_bias)
    data["backward_steps"] = {
        # where the tap reads padded_input, not the values: those are OH×OW per tap
        "kernel": [{"tap": list(s.tap), "rows": list(s.rows), "cols": list(s.cols), "sum": s.total}
                   for s in grads.tap_steps],
        "kernel_total": grads.total_taps,
        "input": [{"position": list(s.position), "sum": s.total,
                   "terms": [{"window": list(w), "tap": list(t), "dout": d, "kernel": k}
                             for w, t, d, k in s.terms]} for s in grads.input_steps],
        "input_total": grads.total_positions}


def _out_view(arr4, out_ndim):
    """An N×F×… array shaped like the forward output (channels first)."""
    return arr4[0, 0] if out_ndim == 2 else arr4[0] if out_ndim == 3 else arr4


def _in_view(arr4, x_ndim):
    return arr4[0, 0] if x_ndim == 2 else arr4[0] if x_ndim == 3 else arr4


def _brief(arr, out, limit=16):
    """A small array inline; a long one as its first values and a count (all with --full)."""
    import numpy as np
    from nncalc.cli import matrixtext, numbers
    arr = np.asarray(arr)
    if out.full or arr.size <= limit:
        return matrixtext.inline(arr, out.decimals)
    head = numbers.column(arr.ravel()[:limit // 2], out.decimals)
    return " ".join(head) + _(" … ({n} values)").format(n=arr.size)


def add_text(report, grads, res, x_ndim, single, act, channels_last, out):
    out_ndim = res.result.ndim
    rule = (_("DY = ∂E/∂output, the output's shape") if not act else
            _("DY = ∂E/∂{act}(z); the gradients use δ = DY · {act}'(z) in its place").format(act=act))
    report.heading(_("conv backward: {rule}").format(rule=rule))
    g = "δ" if act else "DY"
    report.matrix(f"δ = DY · {act}'(z)" if act else "DY", _out_view(grads.delta, out_ndim))
    report.line(_("∂E/∂b_f = Σ_i,j {g}[f, i, j] (one per filter)").format(g=g))
    report.table([_("filter"), f"Σ {g} = ∂E/∂b"], [list(range(len(grads.grad_bias))), grads.grad_bias],
                 numeric=[True, True])
    _kernel_table(report, grads, single, res.flip, out, g)
    gk = as_given(grads, single, False)[1]
    report.matrix(_("Gradient with respect to the kernel (∂E/∂K)"), gk)
    _input_table(report, grads, x_ndim, out_ndim, g, out)
    if grads.full_view is not None:
        _full_view(report, grads, x_ndim, out_ndim, single, res, g)
    title = _("Gradient with respect to the input (∂E/∂X)")
    if channels_last and x_ndim >= 3:
        title = _("Gradient with respect to the input (∂E/∂X), one map per channel (json gives it channels "
                  "last, as INPUT)")
    report.matrix(title, grads.grad_input)


def _kernel_table(report, grads, single, flip, out, g):
    report.line(_("∂E/∂K[f, c, a, b] = Σ_i,j Xpad[c, i·S + a·D, j·S + b·D] · {g}[f, i, j]:").format(g=g))
    line = _("  the input values under tap (a, b) in every window, times {g}, summed").format(g=g)
    if flip:
        line = _("{line}; with --flip, tap (a, b) of the kernel as given sits at (kh−1−a, kw−1−b) of each "
                 "window").format(line=line)
    report.line(line)
    taps, under, prods, totals = [], [], [], []
    for s in grads.tap_steps:
        taps.append(str(s.tap[2:] if single else s.tap))
        under.append(_brief(s.inputs, out))
        prods.append(_brief(s.inputs * s.dout, out))
        totals.append(s.total)
    report.table(["(a, b)" if single else "(f, c, a, b)", _("input under the tap"),
                  f"⊙ {g}", "Σ = ∂E/∂K"], [taps, under, prods, totals],
                 total=grads.total_taps, numeric=[False, False, False, True])


def _input_table(report, grads, x_ndim, out_ndim, g, out):
    from nncalc.cli import numbers
    report.line(_("∂E/∂X[c, row, col] = Σ {g}[f, i, j] · K[f, c, a, b] over the windows (i, j)").format(g=g))
    report.line(_("  whose tap (a, b) lies on (row, col); 0 where no window reaches"))
    pos, where, terms, totals = [], [], [], []
    for s in grads.input_steps:
        p = s.position
        pos.append(str(p[-2:] if x_ndim == 2 else p[-3:] if x_ndim == 3 else p))
        if not s.terms:
            where.append(_("none: no window reaches it"))
            terms.append("")
        else:
            where.append(", ".join(f"{w[1:] if out_ndim == 2 else w}@{t}" for w, t, _d, _k in s.terms))
            nums = numbers.column([v for _w, _t, d, k in s.terms for v in (d, k)], out.decimals)
            terms.append(" + ".join(f"{nums[i]}·{nums[i + 1]}" for i in range(0, len(nums), 2)))
        totals.append(s.total)
    win = "(i, j)" if out_ndim == 2 else "(f, i, j)"
    report.table([_("(row, col)") if x_ndim == 2 else _("(c, row, col)") if x_ndim == 3 else _("(n, c, row, col)"),
                  _("window {win} @ tap (a, b)").format(win=win), f"{g} · K", "Σ = ∂E/∂X"],
                 [pos, where, terms, totals], total=grads.total_positions, numeric=[False, False, False,
                                                                                    True])


def _full_view(report, grads, x_ndim, out_ndim, single, res, g):
    import numpy as np
    v = grads.full_view
    ah, aw = v.remainder
    sh, sw = res.size_h.stride, res.size_w.stride
    keh, kew = v.rotated.shape[-2:]
    report.line(_("The same ∂E/∂X as one convolution: the full convolution of the stride-dilated {g}").format(g=g))
    report.line(_("with the 180°-rotated kernel, then the padding cropped."))
    report.matrix(_("{g} with {sh},{sw} zeros between entries (stride − 1) and {kh},{kw} around "
                    "(k_eff − 1)").format(g=g, sh=sh - 1, sw=sw - 1, kh=keh - 1, kw=kew - 1),
                  _out_view(v.padded_dout, out_ndim))
    rotated = v.rotated[0, 0] if single else v.rotated
    dilated = (keh, kew) != grads.grad_kernel.shape[-2:]
    title = _("Kernel as applied, dilated, rotated 180°") if dilated else _("Kernel as applied, rotated 180°")
    if res.flip:
        title = _("{title} (with --flip: the kernel as given)").format(title=title)
    report.matrix(title, rotated)
    full = np.zeros(v.full.shape[:2] + (v.full.shape[2] + ah, v.full.shape[3] + aw))
    full[..., :v.full.shape[2], :v.full.shape[3]] = v.full
    what = _("Σ over filters of the full convolutions") if grads.delta.shape[1] > 1 else _("Full convolution")
    if ah or aw:
        title = _("{what} = ∂E/∂(padded input); the last {ah} row(s) and {aw} column(s) no window reaches "
                  "are 0").format(what=what, ah=ah, aw=aw)
    else:
        title = _("{what} = ∂E/∂(padded input)").format(what=what)
    report.matrix(title, _in_view(full, x_ndim))
    pt, pb, pl, pr = v.padding
    report.line(_("Cropping the padding (top {pt}, bottom {pb}, left {pl}, right {pr}) leaves ∂E/∂X.").format(
        pt=pt, pb=pb, pl=pl, pr=pr) if any(v.padding) else _("There is no padding to crop: this is ∂E/∂X."))
    report.line("")
