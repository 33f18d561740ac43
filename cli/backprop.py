"""`nncalc backprop`: forward pass, loss, backpropagation and weight updates, traced step by step."""
import sys

import click

from nncalc.cli import completion, draw
from nncalc.cli.options import FiniteFloat, UserError, output_options

PROGRESS_DELAY = 0.5    # seconds: a run still going after this shows a progress bar (terminal stderr only)
# backprop has no positional arguments, so a mistyped option is reported as such
# (click still reads a value such as `--lr -1e-3` that starts with '-').
SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.command("backprop", context_settings=SETTINGS,
               short_help="Forward pass, loss, backward pass and update of a small network.")
@click.option("--weights", multiple=True, metavar="W", shell_complete=completion.matrix,
              help="One layer's weights, out×in (one row per neuron); repeat once per layer.")
@click.option("--bias", multiple=True, metavar="B", shell_complete=completion.matrix,
              help="One layer's bias: one shared number or one per neuron; repeat per layer [0].")
@click.option("--activation", metavar="NAME[,NAME…]", shell_complete=completion.activation,
              help="One activation for every layer, or a comma list, one per layer [sigmoid].")
@click.option("--input", "input_", metavar="X", shell_complete=completion.matrix, help="One sample (a vector) or one sample per row.")
@click.option("--target", metavar="T", shell_complete=completion.matrix, help="Targets: the outputs' shape, or one class index per sample.")
@click.option("--lr", type=FiniteFloat(), metavar="η", help="Learning rate η > 0 [0.1].")
@click.option("--steps", type=int, metavar="N", help="Updates to run [1]; 0 = forward, loss and gradients only.")
@click.option("--net", metavar="FILE.json", shell_complete=completion.path,
              help="Network (and settings) from JSON; options given on the command line override it.")
@click.option("--layers", "sizes", metavar="2,3,1",
              help="Random initial weights for these layer sizes: Xavier-uniform, "
                   "U(−√(6/(in+out)), +√(6/(in+out))), biases 0.")
@click.option("--seed", type=int, metavar="S", help="Seed ≥ 0 for --layers: numpy default_rng(S), "
              "layer by layer, row by row (reproducible weights). Without it a seed is drawn and "
                   "shown in the trace and JSON.")
@click.option("--loss", "loss_name", metavar="NAME", shell_complete=completion.loss, help="half-sse, sse, mse, cross-entropy, bce [half-sse].")
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
              help="Central-difference numeric gradient beside backprop's, with the relative error "
                   "(two forward passes per parameter).")
@click.option("--plot", is_flag=True, help="Draw the loss per step in the terminal.")
@draw.options(animated=False)
@output_options
def command(weights, bias, activation, input_, target, lr, steps, net, sizes, seed, loss_name,
            freeze_bias, order, optimizer, momentum, beta1, beta2, eps, check, plot, picture, out):
    """Train a small fully-connected network: forward, loss, backprop and update, traced.

    \b
      nncalc backprop --weights 1 --bias 0 --weights 1 --bias 1 --activation sigmoid,identity --input 1 --target 2
      nncalc backprop --weights "0.15 0.2; 0.25 0.3" --bias 0.35 --weights "0.4 0.45; 0.5 0.55" --bias 0.6 --input "0.05 0.1" --target "0.01 0.99" --lr 0.5
      nncalc backprop --layers 2,3,1 --seed 0 --input "0 0; 0 1; 1 0; 1 1" --target "0; 1; 1; 0" --lr 2 --steps 2000 --plot
      nncalc backprop --layers 4,5,3 --seed 1 --activation relu --loss cross-entropy --input "1 2 3 4" --target 2
      nncalc backprop --net net.json --steps 10 --optimizer adam --check

    \b
    Conventions: weights are out×in, net_j = Σ_i w_ji·x_i + b_j, out_j = h(net_j).
    Backward, output layer first: δ = ∂E/∂out · ∂out/∂net; a hidden layer's
    ∂E/∂out_i = Σ_j δ_j·w_ji over the next layer; ∂E/∂w_ji = δ_j·out_i,
    ∂E/∂b_j = δ_j (summed over samples; a shared bias sums its neurons' δ).
    The loss's 1/N is in ∂E/∂out (half-sse: ∂E/∂out = out − t for one sample).
    Reductions: mse and bce average over every element (as PyTorch);
    half-sse, sse and cross-entropy sum over a sample's outputs and average
    over samples. cross-entropy: the output layer is softmax and
    δ = (p − t)/N; one --activation name then applies to the hidden layers,
    and naming another output function is an error. Targets: the outputs'
    shape, or one class index (0-based) per sample. sgd: w ← w − η·∂E/∂w.
    simultaneous order computes every gradient with the weights before the
    step; sequential updates each layer as soon as its δ is known, output
    layer first, and the layer below uses the new weights (not true gradient
    descent). Several steps: the first and last are traced, then the loss per
    step (sampled to 20 rows; first and last always); a progress bar goes to
    stderr when it is a terminal. --net JSON: {"layers": [{"weights": [[..]],
    "bias": 0, "activation": "sigmoid"}, ...]} with optional "input",
    "target", "loss", "lr", "steps", "optimizer"; options given override it.
    The result is every layer's weights after the last step: with -q one
    matrix per layer, a blank line between (L×out×in when the layers share a
    shape); the biases are in --format json.
    """
    import numpy as np
    from nncalc.cli import inputs
    from nncalc.core import losses, netio, network, optimizers
    from nncalc.core.errors import InputError, suggest

    settings = {}
    base = None
    if net is not None:
        base, settings = _read_net(net, out.max_elements)
    loss = loss_name if loss_name is not None else settings.get("loss", "half-sse")
    with inputs.naming("--loss"):
        loss = losses.get(loss, arg="--loss").name
    opt_name = optimizer if optimizer is not None else settings.get("optimizer", "sgd")
    if optimizers.canonical(opt_name) is None:
        raise UserError(f"unknown optimizer '{opt_name}'{suggest(opt_name, optimizers.NAMES)}; "
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
    if seed is not None and seed < 0:
        raise UserError(f"must be a whole number ≥ 0, got {seed}", "--seed")
    if seed is not None and sizes is None:
        raise UserError("seeds the random weights of --layers; give --layers too", "--seed")
    if sizes is not None and (weights or base is not None):
        raise UserError("gives random weights; it cannot be combined with --weights or --net", "--layers")

    # ---- the network
    if sizes is not None:
        parsed = _parse_sizes(sizes)
        weights_needed = sum(a * b for a, b in zip(parsed, parsed[1:]))
        if weights_needed > out.max_elements:
            raise UserError(f"{weights_needed:,} weights are over the limit of {out.max_elements:,} "
                            "(raise it with --max-elements)", "--layers")
        if bias:
            raise UserError("--layers starts every bias at 0; --bias needs --weights", "--bias")
        if seed is None:    # drawn here, and printed, so any run can be repeated with --seed
            import secrets
            seed = secrets.randbelow(2 ** 32)
        with inputs.naming("--layers"):
            layers = netio.init_layers(parsed, seed, activation or _default_activation(loss, len(parsed) - 1),
                                       loss, arg="--layers")
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
            acts = _default_activation(loss, len(ws))
        with inputs.naming("--weights"):
            layers = netio.make_layers(ws, bs, acts, loss)

    # ---- data
    x = _data(input_, settings, "input", "--input", inputs, out, np)
    t = _data(target, settings, "target", "--target", inputs, out, np)
    kw = {}
    if momentum is not None:
        kw["momentum"] = momentum
    if opt_name == "adam":
        kw["betas"] = (0.9 if beta1 is None else beta1, 0.999 if beta2 is None else beta2)
        if eps is not None:
            kw["adam_eps"] = eps
    from nncalc.cli import nettrace, render
    if out.format == "npy" and nettrace.stacked_weights([l.weights for l in layers]) is None:
        _emit_layers([l.weights for l in layers], out, render)     # refused now, not after training
    bar = _Progress(steps)
    try:
        res = network.train(layers, x, t, loss, lr=lr, steps=steps, optimizer=opt_name, order=order,
                            freeze_bias=freeze_bias, progress=bar if bar.wanted else None, **kw)
        bar.close()
        if check:
            from nncalc.core.gradcheck import parameter_count
            bar = _Progress(parameter_count(layers), "checking gradients")
            chk = network.numeric_gradient(layers, x, t, loss, progress=bar if bar.wanted else None)
        else:
            chk = None
    except InputError as exc:
        raise UserError(exc.message, exc.arg or "--weights") from None
    finally:
        bar.close()
    picture.loss(res, out)
    report = nettrace.report(res, chk, out, seed if sizes is not None else None,
                             netio.class_indices(layers, x, t))
    if plot:
        report.line(nettrace.plot(res, out))
    if out.format == "json" and not out.quiet:
        click.echo(render.dumps({**report.data, "result": list(res.weights)}))
        return
    if nettrace.stacked_weights(res.weights) is None and (out.quiet or out.format in ("csv", "tsv", "npy")):
        _emit_layers(res.weights, out, render)
        return
    render.emit(report, out)


def _emit_layers(weights, out, render):
    """The result when the layers differ in shape: one matrix per layer, a blank line between
    (a JSON list with --format json); npy holds one array, so it is refused."""
    if out.format == "npy":
        from nncalc.core.errors import shape_text
        shapes = ", ".join(shape_text(w.shape) for w in weights)
        raise UserError(f"holds one array, but the layers' weights differ in shape ({shapes}); "
                        "use --format json, or text/csv (one matrix per layer)", "--format")
    if out.format == "json":
        click.echo(render.dumps(list(weights)))
    else:
        click.echo("\n".join(render.render(render.Report(w, {}), out) for w in weights), nl=False)


def render_num(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def _default_activation(loss, n_layers):
    """sigmoid; with cross-entropy the output layer is softmax, so a single layer is softmax."""
    return "softmax" if loss == "cross-entropy" and n_layers == 1 else "sigmoid"


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


def _read_net(path, max_elements):
    import json
    from nncalc.cli.inputs import read_file
    from nncalc.core import netio
    from nncalc.core.errors import InputError
    path = path[1:] if path.startswith("@") else path
    raw = read_file(path, "--net", max_elements)     # size-limited, never written
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except RecursionError:
        raise UserError(f"'{path}' nests JSON too deeply to be a network", "--net") from None
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


def _stderr_is_tty():
    import sys
    return sys.stderr.isatty()


class _Progress:
    """A click progress bar on stderr, for runs still going after PROGRESS_DELAY seconds.

    Only when stderr is a terminal: a pipe or a log file never receives one.
    """

    def __init__(self, steps, label="training"):
        import time
        self.wanted = steps > 1 and _stderr_is_tty()
        self.steps, self.label, self.done, self.bar = steps, label, 0, None
        self.start = time.monotonic()

    def __call__(self, n):
        import time
        self.done += n
        if self.bar is None:
            if time.monotonic() - self.start < PROGRESS_DELAY:
                return
            self.bar = click.progressbar(length=self.steps, label=self.label,
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
            n = self.done
        self.bar.update(n)

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
