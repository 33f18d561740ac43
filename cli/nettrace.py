"""Rendering core/network.py's records as `backprop`'s trace, and the loss table `loss` shares.

The document: heading, each traced step (its layers' tables in order: dense
layers in cli/densetrace.py, conv, pool, flatten and activation layers in
cli/cnntrace.py, updates and the --check table in cli/paramtables.py), the
sampled loss-per-step table, the trained weights and the --plot curve.
Nothing here computes: it reads TrainResult / StepTrace / GradientCheck /
LossResult. numpy and tabulate are imported only when a trace is drawn.
"""
import sys

from nncalc.cli import densetrace, paramtables
from nncalc.cli.i18n import N_, _, ngettext, tr
from nncalc.cli.i18n import tr as translate     # for step(), whose `tr` is the step's trace
from nncalc.cli.tracefmt import Fmt, label


HISTORY_ROWS = 20       # rows of the loss-per-step table for long runs (first and last always)
# the heading's word for --order's value (English prints the value itself)
ORDER_WORDS = {"simultaneous": N_("simultaneous"), "sequential": N_("sequential")}


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
            loss=res.loss, optimizer=res.optimizer, lr=numbers.exact(res.lr), n=res.steps,
            order=_(ORDER_WORDS[res.order]))
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
        paramtables.check_table(report, chk, fmt)
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
            densetrace.forward(report, rec, fmt, samples, who)
        else:
            cnntrace.forward(report, rec, fmt, samples)
    if tr.loss is None:
        return
    report.line(_("Loss {name}: {formula}").format(name=tr.loss.name, formula=translate(tr.loss.formula)))
    k = tr.loss.terms.size // samples
    loss_table(report, tr.loss, fmt, [label(n, j, samples) for n in range(samples) for j in range(k)],
               _("output") if samples == 1 else _("sample:output"))
    report.line("")
    # output layer first, each layer's gradients (and the ∂E/∂in it passes down) right after its δ, so
    # the ∂E/∂out a layer's step starts from is already on the page above it
    weights = None if not tr.updates else "after" if res.order == "sequential" else "before"
    for k, rec in enumerate(tr.backward):
        if type(rec).__name__ == "BackwardRecord":
            densetrace.backward(report, rec, fmt, samples, who)
            densetrace.gradients(report, rec, fmt, samples)
            below = tr.backward[k + 1] if k + 1 < len(tr.backward) else None
            if type(below).__name__ != "BackwardRecord":    # a dense layer below shows it as its Σ δ·w
                densetrace.passed_down(report, rec, fmt, samples, weights)
        else:
            cnntrace.backward(report, rec, fmt)
            if type(rec).__name__ == "ConvBackward":
                cnntrace.gradients(report, rec, fmt)
    if tr.updates:
        for up in sorted(tr.updates, key=lambda u: u.layer):
            paramtables.update(report, up, fmt)
        report.line(_("Loss after step {n}: E = {value} (was {before})").format(
            n=tr.step, value=fmt(res.loss_after(tr.step)), before=fmt(tr.loss.value)))
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
