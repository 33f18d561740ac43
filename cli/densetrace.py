"""`backprop`'s trace of dense layers: forward, backward (δ) and gradient tables.

Rows are neurons (or sample:neuron in a batch), capped by --max-steps; sums
are written out with the numbers the records hold (cli/tracefmt.py).
"""
from nncalc.cli import tracefmt
from nncalc.cli.i18n import _, tr
from nncalc.cli.tracefmt import label, param


def forward(report, rec, fmt, samples, who):
    import numpy as np
    from nncalc.cli.activate import named
    report.line(_("Forward, layer {layer} ({activation}): out = {formula}").format(
        layer=rec.layer, activation=named(rec.activation, rec.params, fmt), formula=tr(rec.formula)))
    rows, total = tracefmt.rows(samples, rec.net.shape[1], fmt.limit)
    b = np.broadcast_to(rec.bias, (rec.weights.shape[0],))
    expr = [fmt.products(zip(rec.weights[j], rec.inputs[n]), tail=b[j]) for n, j in rows]
    report.table([who, "net = Σ w·x + b", "net", "out = h(net)"],
                 [[label(n, j, samples) for n, j in rows], expr,
                  [float(rec.net[n, j]) for n, j in rows], [float(rec.out[n, j]) for n, j in rows]],
                 total=total, numeric=[False, False, True, True])


def backward(report, rec, fmt, samples, who):
    report.line(_("Backward, layer {layer}: {rule};  ∂out/∂net = {formula}").format(
        layer=rec.layer, rule=tr(rec.rule), formula=tr(rec.derivative_formula)))
    rows, total = tracefmt.rows(samples, rec.delta.shape[1], fmt.limit)
    headers, cols, numeric = [who], [[label(n, j, samples) for n, j in rows]], [False]
    if rec.downstream_delta is not None:        # a hidden layer: ∂E/∂out = Σ δ·w over the next layer
        w = rec.downstream_weights
        headers.append(_("Σ δ·w (next layer)"))
        cols.append([fmt.products(zip(rec.downstream_delta[n], w[:, j])) for n, j in rows])
        numeric.append(False)
    if rec.target is not None:      # softmax with cross-entropy: δ from p and t, not ∂E/∂out·h'
        headers += ["p = out", "t", f"δ = (p − t)/{samples}"]
        arrays = (rec.probabilities, rec.target, rec.delta)
    else:
        headers += ["∂E/∂out", "∂out/∂net", "δ = ∂E/∂net"]
        arrays = (rec.dE_dout, rec.dout_dnet, rec.delta)
    cols += [[float(a[n, j]) for n, j in rows] for a in arrays]
    report.table(headers, cols, total=total, numeric=numeric + [True] * 3)


def gradients(report, rec, fmt, samples):
    import numpy as np
    if samples == 1:
        report.line(_("Gradients, layer {layer}: ∂E/∂w_ji = δ_j·out_i, ∂E/∂b_j = δ_j").format(layer=rec.layer))
    else:
        report.line(_("Gradients, layer {layer}: ∂E/∂w_ji = δ_j·out_i, ∂E/∂b_j = δ_j (summed over "
                      "{n} samples)").format(layer=rec.layer, n=samples))
    out_n, in_n = rec.grad_w.shape
    shared = np.ndim(rec.grad_b) == 0
    names, expr, vals = [], [], []
    for j in range(out_n):
        for i in range(in_n):
            names.append(param("w", j, i, out_n, in_n))
            expr.append(fmt.products(zip(rec.delta[:, j], rec.inputs[:, i]), keep=4))
            vals.append(float(rec.grad_w[j, i]))
            if len(names) >= fmt.limit:
                break
        if len(names) >= fmt.limit:
            break
    if shared:
        names.append(_("b (shared)"))
        expr.append("Σ_j δ_j" if samples == 1 else _("Σ_j δ_j over samples"))
        vals.append(float(rec.grad_b))
    else:
        for j in range(out_n):
            names.append(param("b", j, None, out_n, in_n))
            expr.append(fmt.products(zip(rec.delta[:, j], np.ones(samples)), keep=4))
            vals.append(float(rec.grad_b[j]))
    total = out_n * in_n + (1 if shared else out_n)
    lim = fmt.limit
    report.table([_("parameter"), "δ_j · out_i", "∂E/∂w"], [names[:lim], expr[:lim], vals[:lim]], total=total,
                 numeric=[False, False, True])


def passed_down(report, rec, fmt, samples, weights):
    """∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ), one row per input (per sample): what the layer below
    receives as its ∂E/∂out (a flatten or an activation layer), or the network's ∂E/∂x.
    WEIGHTS says which W it used: None (no update this step), "before" or "after" (sequential)."""
    line = {None: _("∂E/∂x passed down by layer {layer}: ∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ)"),
            "before": _("∂E/∂x passed down by layer {layer}: ∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ), with the weights "
                        "before this step's update"),
            "after": _("∂E/∂x passed down by layer {layer}: ∂E/∂x_i = Σ_j δ_j·w_ji (Wᵀδ), with the layer's "
                       "new weights (sequential order: updated first, as in its update below)")}[weights]
    report.line(line.format(layer=rec.layer))
    rows, total = tracefmt.rows(samples, rec.grad_input.shape[1], fmt.limit)
    w = rec.input_weights
    report.table([_("input") if samples == 1 else _("sample:input"), "Σ_j δ_j·w_ji", "∂E/∂x"],
                 [[label(n, i, samples) for n, i in rows],
                  [fmt.products(zip(rec.delta[n], w[:, i])) for n, i in rows],
                  [float(rec.grad_input[n, i]) for n, i in rows]],
                 total=total, numeric=[False, False, True])
