"""`nncalc conv`: 2-D convolution (cross-correlation) traced window by window."""
import click

from nncalc.cli import completion, draw, geometry
from nncalc.cli.options import COMMAND_SETTINGS, UserError, output_options
from nncalc.cli.options import check_options
from nncalc.cli.i18n import _, ngettext, tr
from nncalc.core.errors import shape_text

# core's field names -> this command's arguments: the one place conv names them
FIELDS = {"input": "INPUT", "kernel": "KERNEL", "bias": "--bias", "stride": "--stride",
          "padding": "--padding", "dilation": "--dilation", "activation": "--activation"}


@click.command("conv", context_settings=COMMAND_SETTINGS,
               short_help=_("2-D convolution (cross-correlation), traced window by window."),
               help=_("""Slide each KERNEL over INPUT: multiply element-wise, sum, add the bias.

    \b
      nncalc conv "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1" "2 0 1; 0 1 2; 1 0 2"
      nncalc conv @image.csv "1 0; 0 -1" --padding 1 --stride 2
      nncalc conv "1 2;3 4 | 5 6;7 8" "1 0;0 1 | 0 1;1 0" --bias 1 --activation relu
      nncalc conv @x.npy "-1 0 1; -2 0 2; -1 0 1" "1 2 1; 0 0 0; -1 -2 -1" -q
      nncalc conv "1 2 3; 4 5 6; 7 8 9" "1 2; 3 4" --backward "1 0; 0 2"

    \b
    INPUT is H×W (one channel) or C×H×W; each KERNEL is one filter (kh×kw or
    C×kh×kw) and gives one output channel; a 4-D kernel (F×C×kh×kw, JSON or
    .npy) gives several. Like PyTorch and TensorFlow this computes
    cross-correlation (the kernel is not flipped); --flip gives the textbook
    convolution. Output size per axis: ⌊(H + 2P − D·(K−1) − 1)/S⌋ + 1, with P
    zeros on each side; dilation 1 means none. Positions in the trace are
    0-based (filter, row, column).

    \b
    --backward DY takes ∂E/∂output (the output's shape; ∂E/∂h(z) with
    --activation, then δ = DY·h'(z) is used) and adds, for the kernel as
    given (also with --flip):
      ∂E/∂b_f = Σ DY_f
      ∂E/∂K[f,c,a,b] = Σ_i,j Xpad[c, i·S+a·D, j·S+b·D] · DY[f,i,j]
      ∂E/∂X = Σ DY·K over the windows covering each position (0 where none
      does) = the full convolution of the stride-dilated DY with the
      180°-rotated kernel, padding cropped. JSON: grad_input (INPUT's
      layout), grad_kernel (the kernels' shape), grad_bias.
    """))
@click.argument("input_", metavar="INPUT", shell_complete=completion.matrix)
@click.argument("kernels", nargs=-1, metavar="KERNEL…", shell_complete=completion.matrix)
@click.option("--bias", metavar="B", shell_complete=completion.matrix,
              help=_("One number per filter (a list for several filters)."))
@geometry.stride_option()
@geometry.padding_option()
@geometry.dilation_option()
@click.option("--flip", is_flag=True, help=_("True mathematical convolution: rotate each kernel 180° first."))
@click.option("--activation", metavar="NAME", shell_complete=completion.activation,
              help=_("Apply an element-wise activate function (relu, sigmoid, …) after the bias."))
@click.option("--channels-last", is_flag=True,
              help=_("INPUT is H×W×C (or N×H×W×C); the result is then OH×OW×F (N×OH×OW×F)."))
@click.option("--backward", "dout", metavar="DY", shell_complete=completion.matrix,
              help=_("∂E/∂output (the output's shape): also print ∂E/∂X, ∂E/∂K and ∂E/∂b."))
@draw.options(animated=True)
@geometry.work_option(_("multiply-adds"))
@output_options
@check_options
def command(input_, kernels, bias, stride, padding, dilation, flip, activation, channels_last, dout,
            picture, max_work, out):
    from nncalc.cli import inputs
    inputs.reject_unknown_options((input_,) + kernels)
    if not kernels:
        raise click.MissingParameter(param_hint="'KERNEL…'", param_type="argument")
    act = geometry.check_activation(activation)
    import numpy as np
    x = inputs.read_matrix(input_, "INPUT", out.max_elements)
    ks = [inputs.read_matrix(k, f"KERNEL {i}" if len(kernels) > 1 else "KERNEL", out.max_elements)
          for i, k in enumerate(kernels, 1)]
    rows = [i for i, k in enumerate(ks, 1) if k.ndim == 1]      # 1-D: a 1×n row, as np.atleast_2d
    ks = [k[None, :] if k.ndim == 1 else k for k in ks]
    for i, k in enumerate(ks, 1):
        if (k.ndim == 4 and len(ks) > 1) or k.ndim > 4:
            raise UserError(_("a filter is kh×kw or C×kh×kw (one KERNEL may also be F×C×kh×kw), got shape "
                              "{shape}").format(shape=shape_text(k.shape)), f"KERNEL {i}" if len(ks) > 1 else "KERNEL")
    for i, k in enumerate(ks[1:], 2):
        if k.shape != ks[0].shape:
            raise UserError(_("is {shape}, KERNEL 1 is {shape2}; all filters must have one shape").format(shape=shape_text(k.shape), shape2=shape_text(ks[0].shape)), f"KERNEL {i}")
    b = inputs.read_matrix(bias, "--bias", out.max_elements) if bias is not None else None
    d = inputs.read_matrix(dout, "--backward", out.max_elements) if dout is not None else None
    if channels_last:
        x = _to_channels_first(x)
    if x.ndim < 2:
        raise UserError(_("needs a matrix (H×W, C×H×W or N×C×H×W), got {shape}").format(shape=shape_text(x.shape)), "INPUT")
    from nncalc.core import conv
    from nncalc.core.errors import InputError, Text
    # each KERNEL argument is one filter (a 3-D one is C×kh×kw even for a one-channel
    # input); a single 4-D KERNEL is F×C×kh×kw
    kernel_arg = ks[0] if ks[0].ndim == 4 and len(ks) == 1 else list(ks)
    try:
        res = conv.conv2d(x, kernel_arg, b, stride, padding, dilation, flip, act,
                          picture.steps(out.steps), out.max_elements, max_work, dout is not None)
    except InputError as exc:
        if exc.code == "kernel_channels" and len(ks) == 1 and ks[0].ndim == 3:
            exc.text = Text("{message} (several filters: give each as its own KERNEL argument)",
                            message=exc.text)
        raise inputs.user_error(exc, FIELDS, "INPUT") from None
    res = picture.conv(res, out, act)
    result = res.result
    if channels_last and result.ndim >= 3:
        result = np.moveaxis(result, -3, -1)
    from nncalc.cli import render
    report = _report(res, result, x, act, channels_last and result.ndim >= 3)
    if rows:
        names = "KERNEL" if len(ks) == 1 else "KERNEL " + ", ".join(map(str, rows))
        report.data["kernel_read_as"] = list(ks[0].shape)
        report.blocks.insert(2, ("line", _("{names}: one row of numbers, read as {shape} (a row kernel, "
                                           "as NumPy's atleast_2d)").format(
            names=names, shape=tr(shape_text(ks[rows[0] - 1].shape)))))
    if d is not None:
        from nncalc.cli import convback
        convback.run(report, res, x, ks, kernel_arg, d, result.shape, channels_last, out,
                     (b, stride, padding, dilation, flip, act))
    render.emit(report, out)


def _to_channels_first(x):
    import numpy as np
    if x.ndim == 3:
        return np.moveaxis(x, -1, 0)
    if x.ndim == 4:
        return np.moveaxis(x, -1, 1)
    raise UserError(_("--channels-last needs H×W×C or N×H×W×C, got {shape}").format(shape=shape_text(x.shape)), "INPUT")


def _report(res, result, x, act, moved):
    """The trace; ``moved``: --channels-last moved the result's channel axis last."""
    import numpy as np
    from nncalc.cli import render
    k4 = res.kernels
    f, c, kh, kw = k4.shape
    pt, pb, pl, pr = res.padding
    op = _("convolution (each kernel rotated 180° first)") if res.flip else \
        _("cross-correlation (what PyTorch and TensorFlow call convolution; the kernel is not flipped)")
    data = {"operation": "convolution" if res.flip else "cross-correlation",
            "input_shape": list(x.shape), "kernel_shape": list(k4.shape),
            "output_shape": list(result.shape), "padding": [pt, pb, pl, pr],
            "stride": [res.size_h.stride, res.size_w.stride],
            "dilation": [res.size_h.dilation, res.size_w.dilation],
            "size": {"h": geometry.size_json(res.size_h), "w": geometry.size_json(res.size_w)},
            "padded_input": res.padded_input,
            "steps": [_step_json(s, act) for s in res.steps], "steps_total": res.total_steps}
    if act:
        data["activation"] = act
    report = render.Report(result, data)
    report.heading(_("conv: {operation}").format(operation=op))
    report.line(ngettext("input {shape}, {f} filter of {c}×{kh}×{kw}, stride {sh},{sw}, padding top {pt} "
                         "bottom {pb} left {pl} right {pr}, dilation {dh},{dw}",
                         "input {shape}, {f} filters of {c}×{kh}×{kw}, stride {sh},{sw}, padding top {pt} "
                         "bottom {pb} left {pl} right {pr}, dilation {dh},{dw}", f).format(
        shape=tr(shape_text(x.shape)), f=f, c=c, kh=kh, kw=kw, sh=res.size_h.stride, sw=res.size_w.stride,
        pt=pt, pb=pb, pl=pl, pr=pr, dh=res.size_h.dilation, dw=res.size_w.dilation))
    report.line("")
    formula = [line for axis, rec in (("H", res.size_h), ("W", res.size_w))
               for line in geometry.formula_lines(rec, axis, axis)]
    for line in formula:
        report.line(line)
    report.explain(formula, values_of=("output_shape",))
    report.line("")
    if any(res.padding):
        padded = np.asarray(res.padded_input)
        report.matrix(_("Padded input (· = zero padding)"), padded, _pad_mask(padded.shape, res.padding))
    if res.flip:
        report.matrix(_("Kernels as applied (rotated 180°)"), k4 if f > 1 else k4[0] if c > 1 else k4[0, 0])
    _steps_table(report, res, act, c, moved)
    if act:
        title = ngettext("Output feature map after {act}", "Output feature maps after {act}",
                         f).format(act=act)
    else:
        title = ngettext("Output feature map", "Output feature maps", f)
    if not moved:
        report.matrix(title, result)
    else:   # the result is OH×OW×F, but a map is read one output channel at a time
        report.matrix(_("{title}, one per channel (-q, json, csv and npy give them channels last, "
                        "OH×OW×F)").format(title=title), res.result)
    return report


def _pad_mask(shape, padding):
    import numpy as np
    pt, pb, pl, pr = padding
    mask = np.ones(shape[-2:], dtype=bool)
    mask[pt:shape[-2] - pb, pl:shape[-1] - pr] = False
    return mask


def _steps_table(report, res, act, channels, moved):
    from nncalc.cli import matrixtext, render
    pos, win, prod, csum, total, bias, z, val = ([] for _ in range(8))
    for s in res.steps:
        p = s.position[1:] if res.result.ndim < 4 else s.position
        for ch in range(channels):
            first, last = ch == 0, ch == channels - 1
            pos.append(str(p) if first else "")
            win.append((f"c{ch}: " if channels > 1 else "") + matrixtext.inline(s.window[ch]))
            prod.append(matrixtext.inline(s.products[ch]))
            csum.append(float(s.channel_sums[ch]))
            total.append(float(s.total) if last else None)
            bias.append(float(s.bias) if last else None)
            z.append(float(s.pre_activation) if last else None)
            val.append(float(s.activated) if last else None)
    headers = ["(f, i, j)" if res.result.ndim < 4 else "(n, f, i, j)", _("window"), _("window ⊙ kernel"),
               _("Σ per channel") if channels > 1 else "Σ"]
    cols = [pos, win, prod, csum]
    if channels > 1:
        headers.append(_("Σ channels"))
        cols.append(total)
    headers += [_("+ bias"), "= z"]
    cols += [bias, z]
    if act:
        headers.append(f"{act}(z)")
        cols.append(val)
    numeric = [False, False, False] + [True] * (len(cols) - 3)
    locate = render.in_order(res.result.shape)     # step k computed element k of the result
    if moved:                                       # ... before its channel axis moved last
        locate = _channels_first(locate)
    report.table(headers, cols, total=res.total_steps, numeric=numeric, per=channels, locate=locate)


def _channels_first(locate):
    def moved(key, position):
        return locate(key, position[:-3] + position[-1:] + position[-3:-1])
    return moved


def _step_json(s, act):
    d = {"position": list(s.position), "window": s.window, "products": s.products,
         "channel_sums": s.channel_sums, "sum": s.total, "bias": s.bias, "z": s.pre_activation,
         "value": s.activated}
    if not act:
        del d["z"]
    return d
