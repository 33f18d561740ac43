"""`nncalc backprop`: forward pass, loss, backpropagation and weight updates, traced step by step."""
import click

from nncalc.cli.options import COMMAND_SETTINGS, FiniteFloat, UserError, output_options

LOSSES = ("half-sse", "sse", "mse", "cross-entropy", "bce")
PLOT_POINTS = 20        # rows of the loss-per-step table for long runs


@click.command("backprop", context_settings=COMMAND_SETTINGS)
@click.option("--weights", multiple=True, metavar="W",
              help="One layer's weights, out×in (one row per neuron); repeat once per layer.")
@click.option("--bias", multiple=True, metavar="B",
              help="One layer's bias: one shared number or one per neuron; repeat per layer [0].")
@click.option("--activation", metavar="NAME[,NAME…]",
              help="One activation for every layer, or a comma list, one per layer [sigmoid].")
@click.option("--input", "input_", metavar="X", help="One sample (a vector) or one sample per row.")
@click.option("--target", metavar="T", help="Targets: the outputs' shape, or one class index per sample.")
@click.option("--lr", type=FiniteFloat(), metavar="η", help="Learning rate η > 0 [0.1].")
@click.option("--steps", type=int, metavar="N", help="Updates to run [1]; 0 = forward, loss and gradients only.")
@click.option("--net", metavar="FILE.json",
              help="Network (and settings) from JSON; options given on the command line override it.")
@click.option("--layers", "sizes", metavar="2,3,1", help="Random initial weights for these layer sizes.")
@click.option("--seed", type=int, metavar="S", help="Seed for --layers (reproducible weights).")
@click.option("--loss", "loss_name", metavar="NAME", help="half-sse, sse, mse, cross-entropy, bce [half-sse].")
@click.option("--freeze-bias", is_flag=True, help="Keep the biases fixed (their gradients are still shown).")
@click.option("--order", default="simultaneous", metavar="ORDER", show_default=True,
              help="simultaneous: all gradients from the old weights; sequential: update output layer "
                   "first and use its new weights for the layer below.")
@click.option("--optimizer", metavar="NAME", help="sgd, momentum or adam [sgd].")
@click.option("--momentum", type=FiniteFloat(), metavar="μ", help="momentum: μ in [0, 1) [0.9].")
@click.option("--beta1", type=FiniteFloat(), metavar="β1", help="adam: β1 in [0, 1) [0.9].")
@click.option("--beta2", type=FiniteFloat(), metavar="β2", help="adam: β2 in [0, 1) [0.999].")
@click.option("--eps", type=FiniteFloat(), metavar="ε", help="adam: ε > 0 [1e-8].")
@click.option("--check", is_flag=True,
              help="Central-difference numeric gradient beside backprop's, with the relative error.")
@click.option("--plot", is_flag=True, help="Draw the loss per step in the terminal.")
@output_options
def command(weights, bias, activation, input_, target, lr, steps, net, sizes, seed, loss_name,
            freeze_bias, order, optimizer, momentum, beta1, beta2, eps, check, plot, out):
    """Train a small fully-connected network: forward, loss, backprop and update, traced.

    \b
      nncalc backprop --weights 1 --bias 0 --weights 1 --bias 1 --activation sigmoid,identity --input 1 --target 2
      nncalc backprop --weights "0.15 0.2; 0.25 0.3" --bias 0.35 --weights "0.4 0.45; 0.5 0.55" --bias 0.6 --input "0.05 0.1" --target "0.01 0.99" --lr 0.5
      nncalc backprop --layers 2,3,1 --seed 0 --input "0 0; 0 1; 1 0; 1 1" --target "0; 1; 1; 0" --lr 2 --steps 2000 --plot
      nncalc backprop --layers 4,3 --seed 1 --activation relu --loss cross-entropy --input "1 2 3 4" --target 2
      nncalc backprop --net net.json --steps 10 --optimizer adam --check

    \b
    Conventions: weights are out×in, net_j = Σ_i w_ji·x_i + b_j, out_j = h(net_j).
    Backward, output layer first: δ = ∂E/∂out · ∂out/∂net; a hidden layer's
    ∂E/∂out_i = Σ_j δ_j·w_ji over the next layer; ∂E/∂w_ji = δ_j·out_i,
    ∂E/∂b_j = δ_j (summed over samples; a shared bias sums its neurons' δ).
    The loss's 1/N is in ∂E/∂out (half-sse: ∂E/∂out = out − t for one sample).
    cross-entropy: the output layer is softmax and δ = (p − t)/N. sgd:
    w ← w − η·∂E/∂w. simultaneous order computes every gradient before any
    update; sequential updates the output layer first (not true gradient
    descent). --net JSON: {"layers": [{"weights": [[..]], "bias": 0,
    "activation": "sigmoid"}, ...]} with optional "input", "target", "loss",
    "lr", "steps", "optimizer". The result is the weights after the last step.
    """
    import numpy as np
    from nncalc.cli import inputs
    from nncalc.core import losses, netio, network, optimizers
    from nncalc.core.errors import InputError

    settings = {}
    base = None
    if net is not None:
        base, settings = _read_net(net)
    loss = loss_name if loss_name is not None else settings.get("loss", "half-sse")
    with inputs.naming("--loss"):
        loss = losses.get(loss, arg="--loss").name
    opt_name = optimizer if optimizer is not None else settings.get("optimizer", "sgd")
    if optimizers.canonical(opt_name) is None:
        raise UserError(f"unknown optimizer '{opt_name}'{losses.suggest(opt_name, optimizers.NAMES)}; "
                        f"choose from {', '.join(optimizers.NAMES)}", "--optimizer")
    opt_name = optimizers.canonical(opt_name)
    lr = lr if lr is not None else settings.get("lr", 0.1)
    if not (lr > 0):
        raise UserError(f"the learning rate must be a number > 0, got {render_num(lr)}", "--lr")
    steps = steps if steps is not None else settings.get("steps", 1)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise UserError(f"must be a whole number ≥ 0, got {steps}", "--steps")
    _check_optimizer_options(opt_name, momentum, beta1, beta2, eps)
    if plot and not (out.format == "text" and not out.quiet):
        raise UserError("draws in the terminal; it needs the text format without -q", "--plot")
    if plot and steps < 1:
        raise UserError("needs --steps 1 or more to draw a loss curve", "--plot")
    if seed is not None and sizes is None:
        raise UserError("seeds the random weights of --layers; give --layers too", "--seed")
    if sizes is not None and (weights or base is not None):
        raise UserError("gives random weights; it cannot be combined with --weights or --net", "--layers")

    # ---- the network
    if sizes is not None:
        parsed = _parse_sizes(sizes)
        if bias:
            raise UserError("--layers starts every bias at 0; --bias needs --weights", "--bias")
        with inputs.naming("--layers"):
            layers = netio.init_layers(parsed, seed, activation or "sigmoid", loss, arg="--layers")
    else:
        if not weights and base is None:
            raise UserError("give the network: --weights (once per layer), --net FILE.json or --layers",
                            "--weights")
        ws = [inputs.read_matrix(w, "--weights", out.max_elements) for w in weights] if weights \
            else [l.weights for l in base]
        if bias:
            bs = [inputs.read_matrix(b, "--bias", out.max_elements) for b in bias]
        elif base is not None and len(base) == len(ws):
            bs = [l.bias for l in base]
        else:
            bs = None
        if activation is not None:
            acts = activation
        elif base is not None and len(base) == len(ws):
            acts = [(l.activation, dict(l.params)) for l in base]
        else:
            acts = "sigmoid"
        with inputs.naming("--weights"):
            layers = netio.make_layers(ws, bs, acts, loss)

    # ---- data
    x = _data(input_, settings, "input", "--input", inputs, out, np)
    t = _data(target, settings, "target", "--target", inputs, out, np)
    t = _class_indices(t, x, layers, np)
    kw = {}
    if momentum is not None:
        kw["momentum"] = momentum
    if opt_name == "adam":
        kw["betas"] = (0.9 if beta1 is None else beta1, 0.999 if beta2 is None else beta2)
        if eps is not None:
            kw["adam_eps"] = eps
    try:
        res = network.train(layers, x, t, loss, lr=lr, steps=steps, optimizer=opt_name, order=order,
                            freeze_bias=freeze_bias, **kw)
        chk = network.numeric_gradient(layers, x, t, loss) if check else None
    except InputError as exc:
        raise UserError(exc.message, exc.arg or "--weights") from None
    from nncalc.cli import render
    report = _report(res, chk, out, render, np)
    if plot:
        report.line(_plot(res, out, np))
    if out.format == "json" and not out.quiet:
        # "result" holds every layer's weights (the Report's own result array is the last layer's)
        click.echo(render.dumps({**report.data, "result": list(res.weights)}))
        return
    render.emit(report, out)


def render_num(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def _check_optimizer_options(opt, momentum, beta1, beta2, eps):
    if momentum is not None:
        if opt != "momentum":
            raise UserError(f"applies to --optimizer momentum, not {opt}", "--momentum")
        if not 0 <= momentum < 1:
            raise UserError(f"must be in [0, 1), got {momentum:g}", "--momentum")
    for name, v in (("--beta1", beta1), ("--beta2", beta2), ("--eps", eps)):
        if v is not None and opt != "adam":
            raise UserError(f"applies to --optimizer adam, not {opt}", name)
    for name, v in (("--beta1", beta1), ("--beta2", beta2)):
        if v is not None and not 0 <= v < 1:
            raise UserError(f"must be in [0, 1), got {v:g}", name)
    if eps is not None and not eps > 0:
        raise UserError(f"must be > 0, got {eps:g}", "--eps")


def _parse_sizes(text):
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",")]
    except ValueError:
        raise UserError(f"'{text}' is not a comma list of layer sizes such as 2,3,1", "--layers") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise UserError(f"needs at least two sizes ≥ 1 (inputs, …, outputs), got '{text}'", "--layers")
    return sizes


def _read_net(path):
    import json
    import os
    from nncalc.core import netio
    from nncalc.core.errors import InputError
    path = path[1:] if path.startswith("@") else path
    try:
        with open(os.path.expanduser(path), encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise UserError(f"cannot read '{path}': {exc.strerror}", "--net") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise UserError(f"'{path}' is not valid JSON: {exc}", "--net") from None
    try:
        layers, settings = netio.load_net(data, "--net")
    except InputError as exc:
        raise UserError(exc.message, "--net") from None
    if "steps" in settings:
        s = settings["steps"]
        if isinstance(s, bool) or not isinstance(s, (int, float)) or s != int(s):
            raise UserError(f"'steps' must be a whole number, got {s!r}", "--net")
        settings["steps"] = int(s)
    for key in ("optimizer",):
        if key in settings and not isinstance(settings[key], str):
            raise UserError(f"'{key}' must be a name, got {settings[key]!r}", "--net")
    return layers, settings


def _data(value, settings, key, arg, inputs, out, np):
    if value is not None:
        return inputs.read_matrix(value, arg, out.max_elements)
    if key in settings:
        try:
            a = np.array(settings[key], dtype=np.float64)
        except (TypeError, ValueError):
            raise UserError(f"'{key}' must be a number or a list of numbers", "--net") from None
        if not np.all(np.isfinite(a)):
            raise UserError(f"'{key}' must hold finite numbers", "--net")
        return a
    raise UserError(f"give {arg} (or '{key}' in --net)", arg)


def _class_indices(t, x, layers, np):
    """A column of N class indices reads as N indices; an index out of range is named as such."""
    from nncalc.cli import inputs
    from nncalc.core import losses
    n_out = layers[-1].weights.shape[0]
    x = np.asarray(x)
    t = np.asarray(t, dtype=np.float64)
    if n_out == 1:
        return t
    pred_shape = (n_out,) if x.ndim <= 1 else (x.shape[0], n_out)
    if x.ndim == 2 and t.shape == (x.shape[0], 1):
        t = t.reshape(-1)
    if t.shape == pred_shape[:-1] or (len(pred_shape) == 1 and t.shape in ((), (1,))):
        with inputs.naming("--target"):
            losses.prepare_target(np.zeros(pred_shape), t.reshape(-1) if t.ndim == 0 else t,
                                  "--input", "--target")
    return t


def _plot(res, out, np):
    from uniplot import plot_to_string
    hist = np.asarray(res.loss_history, dtype=np.float64)
    xs = np.arange(hist.size, dtype=np.float64)
    keep = np.isfinite(hist)
    color = out.color is not False and click.get_text_stream("stdout").isatty()
    return plot_to_string(ys=[hist[keep]], xs=[xs[keep]], lines=[True], legend_labels=["loss E"],
                          color=color, title=f"{res.loss} loss per step (step 0 = before training)",
                          height=14, width=60)


# ------------------------------------------------------------------ the trace

class _Fmt:
    """Numbers in trace cells: integers exactly, others with --digits decimals."""

    def __init__(self, render, out):
        self.render = render
        self.digits = render.DEFAULT_DIGITS if out.digits is None else out.digits

    def __call__(self, v):
        return self.render.column([float(v)], self.digits)[0]

    def signed(self, v):
        s = self(v)
        return f"({s})" if s.startswith("-") else s


def _report(res, chk, out, render, np):
    fmt = _Fmt(render, out)
    first, last = res.first_step, res.last_step
    grads = sorted(first.backward, key=lambda r: r.layer)
    data = {"loss": res.loss, "optimizer": res.optimizer, "order": res.order, "lr": res.lr,
            "steps": res.steps, "outputs": res.outputs, "initial_loss": res.initial_loss,
            "gradients": [{"weights": r.grad_w, "biases": r.grad_b} for r in grads],
            "weights": list(res.weights), "biases": list(res.biases), "final_loss": res.final_loss,
            "final_outputs": res.final_outputs, "loss_history": res.loss_history,
            "diverged": res.diverged,
            "first_step": {"forward": [{"layer": r.layer, "activation": r.activation, "net": r.net, "out": r.out}
                                       for r in first.forward],
                           "loss": first.loss.value, "terms": first.loss.terms,
                           "backward": [{"layer": r.layer, "dE_dout": r.dE_dout, "dout_dnet": r.dout_dnet,
                                         "delta": r.delta} for r in first.backward]}}
    if chk is not None:
        data["check"] = {"h": chk.h, "max_rel_error": chk.max_rel_error,
                         "layers": [{"numeric_weights": c.numeric_w, "numeric_biases": c.numeric_b,
                                     "rel_error_weights": c.rel_error_w, "rel_error_biases": c.rel_error_b}
                                    for c in chk.layers]}
    report = render.Report(res.weights[-1], data)
    n_layers = len(res.weights)
    sizes = [first.forward[0].inputs.shape[1]] + [w.shape[0] for w in res.weights]
    report.heading(f"backprop: {n_layers} layer{'s' * (n_layers != 1)} "
                   f"({' → '.join(map(str, sizes))}), loss {res.loss}, {res.optimizer}, η = "
                   f"{render.exact(res.lr)}, {res.steps} step{'s' * (res.steps != 1)}, {res.order}")
    report.line("net_j = Σ_i w_ji·x_i + b_j,  out_j = h(net_j);  δ_j = ∂E/∂net_j;  ∂E/∂w_ji = δ_j·out_i")
    report.line("")
    if res.steps == 0:
        _step(report, first, res, fmt, np, "Step 0 (no update: forward, loss and gradients)")
    else:
        _step(report, first, res, fmt, np, "Step 1" + (" (first)" if res.steps > 1 else ""))
        if res.steps > 1 and last is not None:
            _step(report, last, res, fmt, np, f"Step {res.steps} (last)")
    if chk is not None:
        _check_table(report, chk, fmt)
    if res.steps > 1:
        _history(report, res, out)
    report.line(f"Loss: {fmt(res.initial_loss)} before training → {fmt(res.final_loss)} "
                f"after {res.steps} step{'s' * (res.steps != 1)}")
    if res.diverged:
        report.line("Warning: the loss or a weight became inf or nan (diverged); try a smaller --lr")
    report.line("")
    for i, (w, b) in enumerate(zip(res.weights, res.biases), 1):
        title = "Weights" if res.steps else "Weights (unchanged)"
        report.matrix(f"{title} of layer {i} after step {res.steps}, bias {render.inline(b)}", w)
    return report


def _label(n, j, samples):
    return f"{j + 1}" if samples == 1 else f"{n + 1}:{j + 1}"


def _step(report, tr, res, fmt, np, title):
    report.heading(f"{title} ——————")
    limit = max(report_rows(report), 1)
    samples = tr.forward[0].inputs.shape[0]
    who = "neuron" if samples == 1 else "sample:neuron"
    # forward
    for rec in tr.forward:
        params = ", ".join(f"{k} = {fmt(v)}" for k, v in rec.params.items())
        report.line(f"Forward, layer {rec.layer} ({rec.activation}{f', {params}' if params else ''}): "
                    f"out = {rec.formula}")
        rows = [(n, j) for n in range(samples) for j in range(rec.net.shape[1])]
        total = len(rows)
        rows = rows[:limit]
        b = np.broadcast_to(rec.bias, (rec.weights.shape[0],))
        expr = []
        for n, j in rows:
            terms = [f"{fmt(w)}·{fmt.signed(x)}" for w, x in zip(rec.weights[j], rec.inputs[n])]
            if len(terms) > 6:
                terms = terms[:3] + ["…"] + terms[-2:]
            expr.append(" + ".join(terms) + f" + {fmt.signed(b[j])}")
        report.table([who, "net = Σ w·x + b", "net", "out = h(net)"],
                     [[_label(n, j, samples) for n, j in rows], expr,
                      [float(rec.net[n, j]) for n, j in rows], [float(rec.out[n, j]) for n, j in rows]],
                     total=total, numeric=[False, False, True, True])
    # loss
    lrec = tr.loss
    report.line(f"Loss {lrec.name}: {lrec.formula}  ({lrec.reduction})")
    t2 = lrec.target.reshape(samples, -1)
    o2 = (lrec.probs if lrec.probs is not None else lrec.pred).reshape(samples, -1)
    terms = lrec.terms.reshape(samples, -1)
    rows = [(n, k) for n in range(samples) for k in range(t2.shape[1])]
    total = len(rows)
    rows = rows[:limit]
    report.table(["output", "target", "output value", "term"],
                 [[_label(n, k, samples) for n, k in rows], [float(t2[n, k]) for n, k in rows],
                  [float(o2[n, k]) for n, k in rows], [float(terms[n, k]) for n, k in rows]],
                 total=total, numeric=[False, True, True, True])
    report.line(f"E = {fmt(lrec.value)}")
    report.line("")
    # backward, output layer first
    for rec in tr.backward:
        report.line(f"Backward, layer {rec.layer}: {rec.rule};  ∂out/∂net = {rec.derivative_formula}")
        hidden = rec.downstream_delta is not None
        rows = [(n, j) for n in range(samples) for j in range(rec.delta.shape[1])]
        total = len(rows)
        rows = rows[:limit]
        headers, cols, numeric = [who], [[_label(n, j, samples) for n, j in rows]], [False]
        if hidden:
            # the weights Σ δ·w used: as in the forward pass (simultaneous), or already updated (sequential)
            down_w = rec.downstream_weights if res.order == "sequential" else tr.forward[rec.layer].weights
            sums = []
            for n, j in rows:
                parts = [f"{fmt(d) if k == 0 else fmt.signed(d)}·{fmt.signed(w)}" for k, (d, w) in
                         enumerate(zip(rec.downstream_delta[n], down_w[:, j]))]
                if len(parts) > 6:
                    parts = parts[:3] + ["…"] + parts[-2:]
                sums.append(" + ".join(parts))
            headers.append("Σ δ·w (next layer)")
            cols.append(sums)
            numeric.append(False)
        headers += ["∂E/∂out", "∂out/∂net", "δ = ∂E/∂net"]
        cols += [[float(rec.dE_dout[n, j]) for n, j in rows], [float(rec.dout_dnet[n, j]) for n, j in rows],
                 [float(rec.delta[n, j]) for n, j in rows]]
        numeric += [True, True, True]
        report.table(headers, cols, total=total, numeric=numeric)
    # gradients
    for rec in sorted(tr.backward, key=lambda r: r.layer):
        report.line(f"Gradients, layer {rec.layer}: ∂E/∂w_ji = δ_j·out_i, ∂E/∂b_j = δ_j"
                    + ("" if samples == 1 else f" (summed over {samples} samples)"))
        names, expr, vals = [], [], []
        out_n, in_n = rec.grad_w.shape
        total = out_n * in_n + (1 if np.ndim(rec.grad_b) == 0 else out_n)
        for j in range(out_n):
            for i in range(in_n):
                if len(names) >= limit:
                    break
                names.append(f"w{j + 1}{i + 1}" if max(out_n, in_n) < 10 else f"w[{j + 1},{i + 1}]")
                expr.append(_products(rec.delta[:, j], rec.inputs[:, i], fmt))
                vals.append(float(rec.grad_w[j, i]))
        if np.ndim(rec.grad_b) == 0:
            if len(names) < limit:
                names.append("b (shared)")
                expr.append("Σ_j δ_j" + ("" if samples == 1 else " over samples"))
                vals.append(float(rec.grad_b))
        else:
            for j in range(out_n):
                if len(names) >= limit:
                    break
                names.append(f"b{j + 1}" if out_n < 10 else f"b[{j + 1}]")
                expr.append(_products(rec.delta[:, j], np.ones(samples), fmt))
                vals.append(float(rec.grad_b[j]))
        report.table(["parameter", "δ_j · out_i", "∂E/∂w"], [names, expr, vals], total=total,
                     numeric=[False, False, True])
    # updates
    if tr.updates:
        for up in sorted(tr.updates, key=lambda u: u.layer):
            change = up.change_formula
            report.line(f"Update, layer {up.layer}: new = old + change, change = {change}"
                        + ("  (biases frozen)" if up.bias_frozen else ""))
            names, old, ch, new = [], [], [], []
            out_n, in_n = up.old_w.shape
            for j in range(out_n):
                for i in range(in_n):
                    names.append(f"w{j + 1}{i + 1}" if max(out_n, in_n) < 10 else f"w[{j + 1},{i + 1}]")
                    old.append(float(up.old_w[j, i]))
                    ch.append(float(up.change_w[j, i]))
                    new.append(float(up.new_w[j, i]))
            ob, cb, nb = (np.atleast_1d(np.asarray(a, dtype=np.float64)) for a in (up.old_b, up.change_b,
                                                                                      up.new_b))
            for j in range(ob.size):
                names.append("b (shared)" if np.ndim(up.old_b) == 0 else
                             (f"b{j + 1}" if ob.size < 10 else f"b[{j + 1}]"))
                old.append(float(ob[j]))
                ch.append(float(np.broadcast_to(cb, ob.shape)[j]))
                new.append(float(nb[j]))
            total = len(names)
            report.table(["parameter", "old", change.replace("∂E/∂w", "∂E/∂θ"), "new"],
                         [names[:limit], old[:limit], ch[:limit], new[:limit]], total=total,
                         numeric=[False, True, True, True])
        after = res.loss_history[tr.step]
        report.line(f"Loss after step {tr.step}: E = {fmt(after)} (was {fmt(tr.loss.value)})")
    report.line("")


def report_rows(report):
    return getattr(report, "_rows", 50)


def _products(deltas, outs, fmt):
    parts = [f"{fmt(d) if k == 0 else fmt.signed(d)}·{fmt.signed(o)}" for k, (d, o) in enumerate(zip(deltas, outs))]
    if len(parts) > 4:
        parts = parts[:2] + ["…"] + parts[-1:]
    return " + ".join(parts)


def _check_table(report, chk, fmt):
    import numpy as np
    report.heading(f"Gradient check at the initial weights: central differences, step h·max(1, |θ|), h = {fmt(chk.h)}")
    names, bp, num, rel = [], [], [], []
    for c in chk.layers:
        out_n, in_n = c.backprop_w.shape
        for j in range(out_n):
            for i in range(in_n):
                names.append(f"layer {c.layer} w{j + 1}{i + 1}")
                bp.append(float(c.backprop_w[j, i]))
                num.append(float(c.numeric_w[j, i]))
                rel.append(float(c.rel_error_w[j, i]))
        for j, (a, n_, r) in enumerate(zip(np.atleast_1d(c.backprop_b), np.atleast_1d(c.numeric_b),
                                           np.atleast_1d(c.rel_error_b))):
            names.append(f"layer {c.layer} b" + ("" if np.ndim(c.backprop_b) == 0 else f"{j + 1}"))
            bp.append(float(a))
            num.append(float(n_))
            rel.append(float(r))
    report.table(["parameter", "backprop", "numeric", "relative error"], [names, bp, num, rel],
                 numeric=[False, True, True, True])
    verdict = "agree" if chk.max_rel_error < 1e-5 else "DISAGREE (check the gradients)"
    report.line(f"largest relative error {chk.max_rel_error:.3g}: backprop and numeric gradients {verdict}")
    report.line("")


def _history(report, res, out):
    import numpy as np
    hist = res.loss_history
    n = hist.size
    want = min(n, PLOT_POINTS)
    idx = np.unique(np.round(np.linspace(0, n - 1, want)).astype(int))
    report.line("Loss per step (step 0 = before training" + (", sampled" if idx.size < n else "") + ")")
    report.table(["step", "E"], [[str(int(k)) for k in idx], [float(hist[k]) for k in idx]],
                 numeric=[False, True])
