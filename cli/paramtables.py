"""`backprop`'s per-parameter tables: each update (old, change, new) and the gradient check.

Dense parameters are named w11 … and b1 … (cli/tracefmt.py), conv ones
K[f,c,a,b] and b[f] (cli/cnntrace.py).
"""
from nncalc.cli.i18n import _
from nncalc.cli.tracefmt import param


def update(report, up, fmt):
    import numpy as np
    line = _("Update, layer {layer}: new = old + change, change = {formula}").format(
        layer=up.layer, formula=up.change_formula)
    report.line(line + (_("  (biases frozen)") if up.bias_frozen else ""))
    names, bias_names = _names(up.main, up.old_w.shape, np.shape(up.old_b))
    names += bias_names
    cols = [list(a.ravel()) for a in (up.old_w, up.change_w, up.new_w)]
    for col, a in zip(cols, (up.old_b, up.change_b, up.new_b)):
        col += list(np.broadcast_to(np.asarray(a, dtype=np.float64), np.shape(up.old_b)).ravel())
    lim = fmt.limit
    report.table([_("parameter"), _("old"), up.change_formula.replace("∂E/∂w", "∂E/∂θ"), _("new")],
                 [names[:lim]] + [c[:lim] for c in cols], total=len(names),
                 numeric=[False, True, True, True])


def _names(main, shape, bias_shape, check=False):
    """Parameter names: w11 … and b1 … (b / b (shared)) for a dense layer, K[f,c,a,b] and b[f] for conv."""
    if main == "kernels":
        from nncalc.cli.cnntrace import param_names
        return param_names("kernels", shape), param_names("bias", bias_shape)
    out_n, in_n = shape
    names = [param("w", j, i, out_n, in_n) for j in range(out_n) for i in range(in_n)]
    if len(bias_shape) == 0:
        return names, ["b" if check else _("b (shared)")]
    return names, [f"b{j + 1}" if check else param("b", j, None, out_n, in_n) for j in range(bias_shape[0])]


def check_table(report, chk, fmt):
    import numpy as np
    count = sum(c.backprop_w.size + np.size(c.backprop_b) for c in chk.layers)
    report.heading(_("Gradient check at the initial weights: central differences ({n:,} forward passes, two "
                     "per parameter), step h·max(1, |θ|), h = {h}").format(n=2 * count, h=fmt(chk.h)))
    names, bp, num, rel = [], [], [], []
    for c in chk.layers:
        main, bias = _names(c.main, c.backprop_w.shape, np.shape(c.backprop_b), check=True)
        names += [_("layer {i} {name}").format(i=c.layer, name=n) for n in main + bias]
        bp += list(c.backprop_w.ravel())
        num += list(c.numeric_w.ravel())
        rel += list(c.rel_error_w.ravel())
        bp += list(np.atleast_1d(c.backprop_b))
        num += list(np.atleast_1d(c.numeric_b))
        rel += list(np.atleast_1d(c.rel_error_b))
    lim = fmt.limit
    report.table([_("parameter"), _("backprop"), _("numeric"), _("relative error")],
                 [names[:lim], bp[:lim], num[:lim], [f"{r:.2e}" for r in rel[:lim]]], total=len(names),
                 numeric=[False, True, True, False])
    line = _("largest relative error {error:.3g}: backprop and numeric gradients agree") \
        if chk.max_rel_error < 1e-5 else \
        _("largest relative error {error:.3g}: backprop and numeric gradients DISAGREE (check the gradients)")
    report.line(line.format(error=chk.max_rel_error))
    report.line("")

