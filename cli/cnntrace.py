"""`backprop`'s trace of conv, pool, flatten and activation layers (dense layers: cli/densetrace.py).

Positions are 0-based (n, f, i, j) as in `conv` and `pool`, and so are conv
parameters, as the formulas above them index them (K[f,c,a,b] is filter f's
channel c, kernel row a, column b; b[f] its bias). Dense weights keep their
textbook names from 1 (w11, b1: cli/tracefmt.py). Tables are capped by --max-steps. Nothing here
computes a number the records do not hold: sums are written out from them.
"""
from nncalc.cli.i18n import _, ngettext, tr


def _pos(p):
    return "(" + ", ".join(str(int(v)) for v in p) + ")"


def _ndindex(shape, limit):
    import itertools
    import numpy as np
    return list(itertools.islice(np.ndindex(*shape), limit))


def _kname(idx):
    return "K[" + ",".join(str(int(v)) for v in idx) + "]"


def param_names(main, shape, limit=None):
    """Names of a parameter's entries: K[f,c,a,b] for kernels, b[f] for a conv bias."""
    import numpy as np
    idx = list(np.ndindex(*shape))[:limit]
    if main == "kernels":
        return [_kname(i) for i in idx]
    return [f"b[{i[0]}]" for i in idx]


def forward(report, rec, fmt, samples):
    kind = type(rec).__name__
    if kind == "ConvRecord":
        _conv_forward(report, rec, fmt)
    elif kind == "PoolRecord":
        _pool_forward(report, rec, fmt)
    elif kind == "FlattenRecord":
        report.line(_("Forward, layer {layer} (flatten): {before} → {after}, row-major over C, H, W "
                      "(as PyTorch's flatten(1))").format(layer=rec.layer, before=_shape(rec.in_shape),
                                                          after=_shape(rec.out_shape)))
        report.line("")
    else:
        _activation_forward(report, rec, fmt)


def _shape(s):
    from nncalc.core.errors import shape_text
    return tr(shape_text(s))


def _conv_forward(report, rec, fmt):
    from nncalc.cli.activate import named
    g = rec.geometry
    f = rec.kernels.shape[0]
    report.line(ngettext(
        "Forward, layer {layer} (conv, {f} filter {shape}, stride {stride}, padding {padding} (top, bottom, "
        "left, right), dilation {dilation}; {activation}): {formula}",
        "Forward, layer {layer} (conv, {f} filters {shape}, stride {stride}, padding {padding} (top, bottom, "
        "left, right), dilation {dilation}; {activation}): {formula}", f).format(
        layer=rec.layer, f=f, shape=_shape(rec.kernels.shape[1:]), stride=_shape(g.stride),
        padding=_shape(g.padding), dilation=_shape(g.dilation),
        activation=named(rec.activation, rec.params, fmt),
        formula="net[n,f,i,j] = Σ_c,a,b Xpad[n,c,i·S+a·D,j·S+b·D]·K[f,c,a,b] + b_f, out = h(net)"))
    rows = [(s.position, fmt.products(zip(s.window.ravel(), rec.kernels[s.position[1]].ravel()), tail=s.bias),
             s.pre_activation, s.activated) for s in rec.steps]
    report.table(["(n, f, i, j)", "net = Σ x·k + b", "net", "out = h(net)"],
                 [[_pos(r[0]) for r in rows], [r[1] for r in rows], [r[2] for r in rows],
                  [r[3] for r in rows]],
                 total=rec.total_steps, numeric=[False, False, True, True])
    _maps(report, _("Output maps of layer {layer}").format(layer=rec.layer), rec.out)


def _maps(report, title, arr):
    if arr.shape[0] == 1:
        report.matrix(_("{title} (sample n = 0)").format(title=title), arr[0])
    else:
        report.matrix(title, arr)


def _pool_forward(report, rec, fmt):
    from nncalc.cli import matrixtext
    line = _("Forward, layer {layer} (max pool {size}, stride {stride}, padding {padding}): each channel "
             "on its own") if rec.mode == "max" else \
        _("Forward, layer {layer} (avg pool {size}, stride {stride}, padding {padding}): each channel on "
          "its own")
    report.line(line.format(layer=rec.layer, size=_shape(rec.size), stride=_shape(rec.stride),
                            padding=_shape(rec.padding)))
    pos = [_pos(s.position) for s in rec.steps]
    win = [matrixtext.inline(s.window, fmt.digits) for s in rec.steps]
    if rec.mode == "max":
        report.table(["(n, c, i, j)", _("window"), "max", _("winner (row, col)")],
                     [pos, win, [s.value for s in rec.steps], [_pos(s.winner) for s in rec.steps]],
                     total=rec.total_steps, numeric=[False, False, True, False])
    else:
        report.table(["(n, c, i, j)", _("window"), _("Σ / count"), "avg"],
                     [pos, win, [f"{fmt(s.total)} / {s.count}" for s in rec.steps],
                      [s.value for s in rec.steps]],
                     total=rec.total_steps, numeric=[False, False, False, True])
    _maps(report, _("Output maps of layer {layer}").format(layer=rec.layer), rec.out)


def _activation_forward(report, rec, fmt):
    from nncalc.cli.activate import named
    report.line(_("Forward, layer {layer} ({activation}): out = {formula}").format(
        layer=rec.layer, activation=named(rec.activation, rec.params, fmt), formula=tr(rec.formula)))
    idx = _ndindex(rec.inputs.shape, fmt.limit)
    report.table([_("position"), "x", "out = h(x)"],
                 [[_pos(i) for i in idx], [float(rec.inputs[i]) for i in idx],
                  [float(rec.out[i]) for i in idx]],
                 total=rec.inputs.size, numeric=[False, True, True])


def backward(report, rec, fmt):
    kind = type(rec).__name__
    if kind == "ConvBackward":
        report.line(_("Backward, layer {layer} (conv): {rule};  ∂out/∂net = {formula}").format(
            layer=rec.layer, rule=tr(rec.rule), formula=tr(rec.derivative_formula)))
        _elementwise(report, rec, fmt, "(n, f, i, j)")
    elif kind == "PoolBackward":
        _pool_backward(report, rec, fmt)
    elif kind == "FlattenRecord":
        report.line(_("Backward, layer {layer} (flatten): ∂E/∂out {before} reshaped back into {after} "
                      "maps").format(layer=rec.layer, before=_shape(rec.dE_dout.shape),
                                     after=_shape(rec.in_shape)))
        _maps(report, _("∂E/∂in of layer {layer}").format(layer=rec.layer), rec.delta)
    else:
        report.line(_("Backward, layer {layer} (activation): {rule};  ∂out/∂net = {formula}").format(
            layer=rec.layer, rule=tr(rec.rule), formula=tr(rec.derivative_formula)))
        _elementwise(report, rec, fmt, _("position"))


def _elementwise(report, rec, fmt, label):
    idx = _ndindex(rec.delta.shape, fmt.limit)
    cols = [[_pos(i) for i in idx], [float(rec.dE_dout[i]) for i in idx]]
    headers = [label, "∂E/∂out"]
    if rec.dout_dnet is not None:
        headers.append("∂out/∂net")
        cols.append([float(rec.dout_dnet[i]) for i in idx])
    headers.append("δ = ∂E/∂net")
    cols.append([float(rec.delta[i]) for i in idx])
    report.table(headers, cols, total=rec.delta.size, numeric=[False] + [True] * (len(cols) - 1))


def _pool_backward(report, rec, fmt):
    line = _("Backward, layer {layer} (max pool): ∂E/∂out routed to the window's winner (overlaps add up)") \
        if rec.mode == "max" else \
        _("Backward, layer {layer} (avg pool): ∂E/∂out routed spread evenly: δ / count to each input cell "
          "of the window")
    report.line(line.format(layer=rec.layer))
    targets = []
    for r in rec.routes:
        cells = ", ".join(_pos(p) for p, _ in r.targets[:4]) + (" …" if len(r.targets) > 4 else "")
        targets.append(cells if rec.mode == "max" else f"{fmt(r.dout)} / {r.divisor} → {cells}")
    report.table(["(n, c, i, j)", "∂E/∂out",
                  _("to input (row, col)") if rec.mode == "max" else _("share → cells")],
                 [[_pos(r.position) for r in rec.routes], [r.dout for r in rec.routes], targets],
                 total=rec.total_steps, numeric=[False, True, False])
    _maps(report, _("∂E/∂in of layer {layer}").format(layer=rec.layer), rec.grad_input)


def gradients(report, rec, fmt):
    """∂E/∂K per tap as a sum over (n, i, j), ∂E/∂b per filter, and the ∂E/∂X passed down."""
    import numpy as np
    g = rec.geometry
    report.line(_("Gradients, layer {layer} (conv): {formula}").format(
        layer=rec.layer,
        formula=f"∂E/∂K[f,c,a,b] = Σ_n,i,j Xpad[n,c,i·{g.stride[0]}+a·{g.dilation[0]},"
                f"j·{g.stride[1]}+b·{g.dilation[1]}]·δ[n,f,i,j], ∂E/∂b_f = Σ_n,i,j δ[n,f,i,j]"))
    names, expr, vals = [], [], []
    for f, c, a, b in _ndindex(rec.grad_kernels.shape, fmt.limit):
        names.append(_kname((f, c, a, b)))
        expr.append(fmt.products(zip(rec.windows[:, c, :, :, a, b].ravel(), rec.delta[:, f].ravel()), keep=4))
        vals.append(float(rec.grad_kernels[f, c, a, b]))
    for f in range(rec.grad_bias.size):
        names.append(f"b[{f}]")
        expr.append(fmt.products(zip(rec.delta[:, f].ravel(), np.ones(rec.delta[:, f].size)), keep=4))
        vals.append(float(rec.grad_bias[f]))
    lim = fmt.limit
    report.table([_("parameter"), "Σ x·δ", "∂E/∂θ"], [names[:lim], expr[:lim], vals[:lim]],
                 total=rec.grad_kernels.size + rec.grad_bias.size, numeric=[False, False, True])
    if rec.grad_input is not None:
        _maps(report, _("∂E/∂X passed down by layer {layer} (each window gets δ·K back, padding "
                        "cropped)").format(layer=rec.layer),
              rec.grad_input)
