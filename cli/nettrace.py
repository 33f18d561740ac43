"""Rendering core/network.py's records as `backprop`'s trace, and the loss table `loss` shares.

Forward, loss, backward, gradient and update tables per layer, the --check
table, the sampled loss-per-step table and the --plot curve. Nothing here
computes: it reads TrainResult / StepTrace / GradientCheck / LossResult.
numpy and tabulate are imported only when a trace is drawn.
"""
import sys

from nncalc.cli.i18n import _, ngettext, tr
from nncalc.cli.i18n import tr as translate     # for step(), whose `tr` is the step's trace


HISTORY_ROWS = 20       # rows of the loss-per-step table for long runs (first and last always)
TERMS_SHOWN = 6         # a longer Σ is cut to its first three and last two terms


class Fmt:
    """Numbers in trace cells: integers exactly, others with --digits decimals."""

    def __init__(self, out):
        from nncalc.cli import numbers
        self.numbers = numbers
        self.digits = numbers.DEFAULT_DIGITS if out.digits is None else out.digits
        self.limit = max(out.max_steps, 1)

    def __call__(self, v):
        return self.numbers.column([float(v)], self.digits)[0]

    def factor(self, v):
        s = self(v)
        return f"({s})" if s.startswith("-") else s

    def products(self, pairs, tail=None, keep=TERMS_SHOWN):
        """'a·b + c·d - e·f' (a sign of the first factor becomes the operator), then an optional tail term."""
        items = list(pairs) + ([] if tail is None else [(tail, None)])
        if len(items) > keep:       # only the terms shown are formatted (a conv tap sums thousands)
            items = items[:keep // 2] + [None] + items[-(keep - keep // 2 - 1):]
        parts = [(0.0, "…") if it is None else (it[0], self(abs(it[0])) if it[1] is None else
                                                f"{self(abs(it[0]))}·{self.factor(it[1])}") for it in items]
        text = ""
        for k, (a, s) in enumerate(parts):
            neg = a < 0 and s != "…"
            text += ("-" if neg else "") + s if k == 0 else (" - " if neg else " + ") + s
        return text


def _label(n, j, samples):
    return f"{j + 1}" if samples == 1 else f"{n + 1}:{j + 1}"


def _param(prefix, j, i, out_n, in_n):
    if i is None:
        return f"{prefix}{j + 1}" if out_n < 10 else f"{prefix}[{j + 1}]"
    return f"{prefix}{j + 1}{i + 1}" if max(out_n, in_n) < 10 else f"{prefix}[{j + 1},{i + 1}]"


# ------------------------------------------------------------------ the loss table (shared with `loss`)

def loss_table(report, res, fmt, labels, label_header, grad=False):
    """One row per element: prediction (or score z and p), target, term [, ∂E/∂PRED]; then Σ and E."""
    size = res.terms.size
    shown = min(size, fmt.limit)
    headers, cols = [label_header], [labels[:shown]]
    if res.probs is not None:
        headers += [_("score z"), "p = softmax(z)"]
        cols += [res.pred.ravel()[:shown], res.probs.ravel()[:shown]]
    else:
        headers.append(_("prediction"))
        cols.append(res.pred.ravel()[:shown])
    headers += [_("target"), _("term")]
    cols += [res.target.ravel()[:shown], res.terms.ravel()[:shown]]
    if grad:
        headers.append("∂E/∂PRED")
        cols.append(res.grad.ravel()[:shown])
    report.table(headers, cols, total=size, numeric=[False] + [True] * (len(cols) - 1))
    report.line(_("Σ terms = {total}; E = {value}  ({reduction})").format(
        total=fmt(res.terms.sum()), value=fmt(res.value), reduction=tr(res.reduction)))


# ------------------------------------------------------------------ backprop's trace

def stacked_weights(weights):
    """The result as one array: one layer's out×in matrix, or L×out×in when every layer has one
    shape; None when the shapes differ (the result is then a list of matrices)."""
    import numpy as np
    if len(weights) == 1:
        return np.asarray(weights[0])
    if all(w.shape == weights[0].shape for w in weights):
        return np.stack(weights)
    return None


def report(res, chk, out, seed=None, class_indices=None, x=None):
    """The Report for a TrainResult (and an optional GradientCheck): trace tables plus JSON data.

    ``seed``: the seed of --layers' random weights, shown so the run can be repeated;
    ``class_indices``: what --target stood for when it gave one class per sample;
    ``x``: the input as given, kept in the JSON (with the targets) so that it can be run again with --net."""
    from nncalc.cli import matrixtext, netjson, numbers, render
    fmt = Fmt(out)
    first, last = res.first_step, res.last_step
    stacked = stacked_weights(res.weights) if res.weights else None  # None: printed layer by layer
    shown = res.final_outputs if res.forward_only else res.weights[-1] if stacked is None else stacked
    report = render.Report(shown, netjson.data(res, chk, x))
    n_layers = len(res.layers)
    layers = ngettext("{n} layer", "{n} layers", n_layers).format(n=n_layers)
    if res.forward_only:
        how = _("forward pass only (no target)")
    else:
        how = ngettext("loss {loss}, {optimizer}, η = {lr}, {n} step, {order}",
                       "loss {loss}, {optimizer}, η = {lr}, {n} steps, {order}", res.steps).format(
            loss=res.loss, optimizer=res.optimizer, lr=numbers.exact(res.lr), n=res.steps, order=res.order)
    report.heading(_("backprop: {layers} ({sizes}), {how}").format(
        layers=layers, sizes=" → ".join(_sizes(res)), how=how))
    if seed is not None:
        report.data["seed"] = seed
        report.line(_("initial weights: Xavier-uniform, seed {seed} (--seed {seed} repeats them), "
                      "biases 0").format(seed=seed))
    if class_indices is not None:
        report.data["class_indices"] = class_indices
        report.line(_("--target given as class indices {indices} (0-based), used as one-hot rows").format(
            indices=matrixtext.inline(class_indices)))
    report.line("net_j = Σ_i w_ji·x_i + b_j,  out_j = h(net_j);  δ_j = ∂E/∂net_j;  ∂E/∂w_ji = δ_j·out_i")
    if res.order == "sequential":
        report.line(_("sequential: each layer is updated as soon as its δ is known, and the layer below "
                      "uses the new weights in Σ δ·w"))
    report.line("")
    if res.forward_only:
        step(report, first, res, fmt, _("Forward pass"))
        report.matrix(_("Outputs"), res.final_outputs)
        return report
    if res.steps == 0:
        step(report, first, res, fmt, _("Step 0 (no update: forward, loss and gradients)"))
    else:
        step(report, first, res, fmt, _("Step 1 (first)") if res.steps > 1 else _("Step 1"))
        if res.steps > 1 and last is not None:
            step(report, last, res, fmt, _("Step {n} (last)").format(n=res.steps))
    if chk is not None:
        check_table(report, chk, fmt)
    if res.steps > 1:
        history(report, res)
    report.line(ngettext("Loss: {before} before training → {after} after {n} step",
                         "Loss: {before} before training → {after} after {n} steps", res.steps).format(
        before=fmt(res.initial_loss), after=fmt(res.final_loss), n=res.steps))
    if res.accuracy_history is not None:
        acc = res.accuracy_history
        report.line(ngettext("Accuracy: {before} before training → {after} after {n} step ({rule})",
                             "Accuracy: {before} before training → {after} after {n} steps ({rule})",
                             res.steps).format(before=fmt(acc[0]), after=fmt(acc[-1]), n=res.steps,
                                               rule=_accuracy_rule(res.loss)))
    if res.diverged:
        report.line(_("Warning: the loss or a weight became inf or nan (diverged); try a smaller --lr"))
    report.line("")
    k = 0
    for i, spec in enumerate(res.layers, 1):
        if not hasattr(spec, "bias"):
            continue
        w, b = res.weights[k], res.biases[k]
        k += 1
        if hasattr(spec, "weights"):
            title = _("Weights of layer {i} after step {n}, bias {bias}") if res.steps else \
                _("Weights (unchanged) of layer {i} after step {n}, bias {bias}")
        else:
            title = _("Kernels of layer {i} after step {n}, bias {bias}") if res.steps else \
                _("Kernels (unchanged) of layer {i} after step {n}, bias {bias}")
        report.matrix(title.format(i=i, n=res.steps, bias=matrixtext.inline(b)), w)
    return report


def _accuracy_rule(loss):
    return _("argmax of the outputs = the target's class") if loss == "cross-entropy" else \
        _("every output on the target's side of 0.5")


def _sizes(res):
    """'2 → 3 → 1' for a dense chain; shapes such as '1×4×4 → 2×3×3 → 18 → 3' otherwise."""
    from nncalc.core import netspec
    from nncalc.core.errors import shape_text
    shapes = [tuple(res.input_shape)] + netspec.out_shapes(res.layers, res.input_shape)
    return [shape_text(s) for s in shapes]


def step(report, tr, res, fmt, title):
    from nncalc.cli import cnntrace
    report.heading(f"{title} ——————")
    samples = tr.forward[0].inputs.shape[0]
    who = _("neuron") if samples == 1 else _("sample:neuron")
    for rec in tr.forward:
        if type(rec).__name__ == "ForwardRecord":
            _forward(report, rec, fmt, samples, who)
        else:
            cnntrace.forward(report, rec, fmt, samples)
    if tr.loss is None:
        return
    report.line(_("Loss {name}: {formula}").format(name=tr.loss.name, formula=translate(tr.loss.formula)))
    k = tr.loss.terms.size // samples
    loss_table(report, tr.loss, fmt, [_label(n, j, samples) for n in range(samples) for j in range(k)],
               _("output") if samples == 1 else _("sample:output"))
    report.line("")
    # output layer first, each layer's gradients (and a conv layer's ∂E/∂X) right after its δ, so the
    # ∂E/∂out a layer's step starts from is already on the page above it
    for rec in tr.backward:
        if type(rec).__name__ == "BackwardRecord":
            _backward(report, rec, fmt, samples, who)
            _gradients(report, rec, fmt, samples)
        else:
            cnntrace.backward(report, rec, fmt)
            if type(rec).__name__ == "ConvBackward":
                cnntrace.gradients(report, rec, fmt)
    if tr.updates:
        for up in sorted(tr.updates, key=lambda u: u.layer):
            _update(report, up, fmt)
        report.line(_("Loss after step {n}: E = {value} (was {before})").format(
            n=tr.step, value=fmt(res.loss_after(tr.step)), before=fmt(tr.loss.value)))
    report.line("")


def _rows(samples, width, limit):
    rows = [(n, j) for n in range(samples) for j in range(width)]
    return rows[:limit], len(rows)


def _forward(report, rec, fmt, samples, who):
    import numpy as np
    params = ", ".join(f"{k} = {fmt(v)}" for k, v in rec.params.items())
    report.line(_("Forward, layer {layer} ({activation}): out = {formula}").format(
        layer=rec.layer, activation=rec.activation + (f", {params}" if params else ""), formula=tr(rec.formula)))
    rows, total = _rows(samples, rec.net.shape[1], fmt.limit)
    b = np.broadcast_to(rec.bias, (rec.weights.shape[0],))
    expr = [fmt.products(zip(rec.weights[j], rec.inputs[n]), tail=b[j]) for n, j in rows]
    report.table([who, "net = Σ w·x + b", "net", "out = h(net)"],
                 [[_label(n, j, samples) for n, j in rows], expr,
                  [float(rec.net[n, j]) for n, j in rows], [float(rec.out[n, j]) for n, j in rows]],
                 total=total, numeric=[False, False, True, True])


def _backward(report, rec, fmt, samples, who):
    report.line(_("Backward, layer {layer}: {rule};  ∂out/∂net = {formula}").format(
        layer=rec.layer, rule=tr(rec.rule), formula=rec.derivative_formula))
    rows, total = _rows(samples, rec.delta.shape[1], fmt.limit)
    headers, cols, numeric = [who], [[_label(n, j, samples) for n, j in rows]], [False]
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


def _gradients(report, rec, fmt, samples):
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
            names.append(_param("w", j, i, out_n, in_n))
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
            names.append(_param("b", j, None, out_n, in_n))
            expr.append(fmt.products(zip(rec.delta[:, j], np.ones(samples)), keep=4))
            vals.append(float(rec.grad_b[j]))
    total = out_n * in_n + (1 if shared else out_n)
    lim = fmt.limit
    report.table([_("parameter"), "δ_j · out_i", "∂E/∂w"], [names[:lim], expr[:lim], vals[:lim]], total=total,
                 numeric=[False, False, True])


def _update(report, up, fmt):
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
    names = [_param("w", j, i, out_n, in_n) for j in range(out_n) for i in range(in_n)]
    if len(bias_shape) == 0:
        return names, ["b" if check else _("b (shared)")]
    return names, [f"b{j + 1}" if check else _param("b", j, None, out_n, in_n) for j in range(bias_shape[0])]


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


def history(report, res):
    """The loss before each step, sampled to HISTORY_ROWS rows; the first and last always shown."""
    import numpy as np
    hist = res.loss_history
    at = res.loss_steps if res.loss_steps is not None else np.arange(hist.size)
    n = hist.size
    idx = np.unique(np.round(np.linspace(0, n - 1, min(n, HISTORY_ROWS))).astype(int))
    sampled = idx.size < res.steps + 1
    report.line(_("Loss per step (step 0 = before training, sampled)") if sampled
                else _("Loss per step (step 0 = before training)"))
    headers, cols = [_("step"), "E"], [[str(int(at[k])) for k in idx], [float(hist[k]) for k in idx]]
    if res.accuracy_history is not None:
        headers.append(_("accuracy"))
        cols.append([float(res.accuracy_history[k]) for k in idx])
    report.table(headers, cols, numeric=[False] + [True] * (len(cols) - 1))


def plot(res, out):
    """The loss curve drawn with uniplot (colour only on a terminal, never with NO_COLOR)."""
    import numpy as np
    from nncalc.cli import render
    hist = np.asarray(res.loss_history, dtype=np.float64)
    xs = np.asarray(res.loss_steps if res.loss_steps is not None else np.arange(hist.size), dtype=np.float64)
    keep = np.isfinite(hist)
    color = out.color is not False and sys.stdout.isatty()
    return render.plot(ys=[hist[keep]], xs=[xs[keep]], lines=[True], legend_labels=[_("loss E")],
                       color=color, title=_("{loss} loss per step (step 0 = before training)").format(loss=res.loss),
                       height=14, width=60)
