"""`nncalc backprop`: forward pass, loss, backpropagation and weight updates, traced step by step."""

import click

from nncalc.cli import completion, draw
from nncalc.cli.options import FiniteFloat, UserError, output_options, whole_number
from nncalc.cli.options import check_options
from nncalc.cli.i18n import _

DEFAULT_CHECK_LIMIT = 200_000   # forward passes: about 10 s here for a 50-200-10 network (~50 µs each)
# backprop has no positional arguments, so a mistyped option is reported as such
# (click still reads a value such as `--lr -1e-3` that starts with '-').
SETTINGS = {"help_option_names": ["-h", "--help"]}


@click.command("backprop", context_settings=SETTINGS,
               short_help=_("Forward pass, loss, backward pass and update of a small network."),
               help=_("""Train a small network (dense, conv, pool, flatten layers): forward, loss, backprop and update, traced.

    \b
      nncalc backprop --weights 1 --bias 0 --weights 1 --bias 1 --activation sigmoid,identity --input 1 --target 2
      nncalc backprop --weights "0.15 0.2; 0.25 0.3" --bias 0.35 --weights "0.4 0.45; 0.5 0.55" --bias 0.6 --input "0.05 0.1" --target "0.01 0.99" --lr 0.5
      nncalc backprop --layers 2,3,1 --seed 0 --input "0 0; 0 1; 1 0; 1 1" --target "0; 1; 1; 0" --lr 2 --steps 2000 --plot
      nncalc backprop --layers 4,5,3 --seed 1 --activation relu --loss cross-entropy --input "1 2 3 4" --target 2
      nncalc backprop --layers "conv:2,2 relu pool:2 flatten fc:3 softmax" --seed 0 --input @image.json --target 1 --loss cross-entropy
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
    step (sampled to 20 rows; first and last always; with an accuracy column
    for cross-entropy and bce); a progress bar goes to stderr when it is a
    terminal. --steps 0 without a target is the forward pass alone.
    --net JSON: {"layers": [{"weights": [[..]], "bias": 0, "activation":
    "sigmoid"}, ...]} with optional "input", "target", "loss", "lr", "steps",
    "optimizer"; options given override it. Layer types: a layer without
    "type" is dense; {"type": "conv", "kernels": F×C×kh×kw (or kh×kw), "bias",
    "stride", "padding" (per side, same, valid), "dilation", "activation"},
    {"type": "pool", "mode": "max"|"avg", "size", "stride", "padding"},
    {"type": "flatten"} (row-major over C×H×W, as PyTorch's flatten(1)),
    {"type": "activation", "function"}. Convolution is cross-correlation,
    dilation 1 = none, output sizes floor; ReLU'(0) = 0. A conv or pool first
    layer takes H×W, C×H×W or a batch N×C×H×W. --layers also takes outsize's
    chain tokens (conv:OUT,K[,S,P,D], pool:K[,S,P], avgpool:K, flatten,
    fc:OUT, activation names; an activation right after conv/fc is that
    layer's); weights are then Xavier-uniform with conv fan-in C·kh·kw and
    fan-out F·kh·kw. The --format json object saves the trained network
    ("layers", "loss", "lr", "optimizer", "input", "target"): give it back with
    --net to continue. The result is every layer's weights (or kernels) after
    the last step: with -q one array per layer, a blank line between
    (L×out×in when the layers share a shape); the biases are in --format json.
    """))
@click.option("--weights", multiple=True, metavar="W", shell_complete=completion.matrix,
              help=_("One layer's weights, out×in (one row per neuron); repeat once per layer."))
@click.option("--bias", multiple=True, metavar="B", shell_complete=completion.matrix,
              help=_("One layer's bias: one shared number or one per neuron; repeat per layer [0]."))
@click.option("--activation", metavar="NAME[,NAME…]", shell_complete=completion.activation,
              help=_("One activation for every layer, or a comma list, one per layer [sigmoid]."))
@click.option("--input", "input_", metavar="X", shell_complete=completion.matrix,
              help=_("One sample (a vector) or one sample per "
                                                                                         "row; for a conv or pool first layer "
                   "an image H×W or C×H×W, or a batch N×C×H×W."))
@click.option("--target", metavar="T", shell_complete=completion.matrix,
              help=_("Targets: the outputs' shape, or one "
                                                                                "class index per sample."))
@click.option("--lr", type=FiniteFloat(), metavar="η", help=_("Learning rate η > 0 [0.1]."))
@click.option("--steps", type=int, metavar="N", help=_("Updates to run [1]; 0 = forward, loss and "
                                                       "gradients only."))
@click.option("--net", metavar="FILE.json", shell_complete=completion.path,
              help=_("Network (and settings) from a JSON file, the JSON text itself ('{…}') or '-' (standard "
                   "input, e.g. a saved --format json run); options given on the command line override it."))
@click.option("--in-out", is_flag=True,
              help=_("Read every W in×out (one row per input, as Deep Learning from Scratch writes it) "
                   "instead of out×in; the trace and results show it out×in."))
@click.option("--layers", "sizes", metavar="2,3,1",
              help=_("Random initial weights for these layer sizes: Xavier-uniform, "
                   "U(−√(6/(in+out)), +√(6/(in+out))), biases 0."))
@click.option("--seed", type=int, metavar="S", help=_("Seed ≥ 0 for --layers: numpy default_rng(S), "
              "layer by layer, row by row (reproducible weights). Without it a seed is drawn and "
                   "shown in the trace and JSON."))
@click.option("--loss", "loss_name", metavar="NAME", shell_complete=completion.loss,
              help=_("half-sse, sse, mse, cross-entropy, bce "
                                                                                            "[half-sse]."))
@click.option("--freeze-bias", is_flag=True, help=_("Keep the biases fixed (their gradients are still "
                                                    "shown)."))
@click.option("--order", default="simultaneous", metavar="ORDER", show_default=True,
              help=_("simultaneous: all gradients from the old weights; sequential: update output layer "
                   "first and use its new weights for the layer below."))
@click.option("--optimizer", metavar="NAME", help=_("sgd, momentum or adam [sgd]."))
@click.option("--momentum", type=FiniteFloat(), metavar="μ", help=_("momentum: μ in [0, 1) [0.9]."))
@click.option("--beta1", type=FiniteFloat(), metavar="β1", help=_("adam: β1 in [0, 1) [0.9]."))
@click.option("--beta2", type=FiniteFloat(), metavar="β2", help=_("adam: β2 in [0, 1) [0.999]."))
@click.option("--eps", type=FiniteFloat(), metavar="ε", help=_("adam: ε > 0 [1e-8]."))
@click.option("--check", is_flag=True,
              help=_("Central-difference numeric gradient beside backprop's, with the relative error "
                   "(two forward passes per parameter)."))
@click.option("--check-limit", type=whole_number(min=1), default=DEFAULT_CHECK_LIMIT, metavar="N",
              help=_("Refuse a --check that needs more than N forward passes [200,000]."))
@click.option("--plot", is_flag=True, help=_("Draw the loss per step in the terminal."))
@draw.options(animated=False)
@output_options
@check_options
def command(weights, bias, activation, input_, target, lr, steps, net, in_out, sizes, seed, loss_name,
            freeze_bias, order, optimizer, momentum, beta1, beta2, eps, check, check_limit, plot, picture,
            out):
    from nncalc.cli import netinput, netsettings, nettrace, numbers, render
    from nncalc.cli.netprogress import Progress
    from nncalc.core import gradcheck, netdata, network

    settings, base = {}, None
    if net is not None:
        base, settings = netinput.read_net(net, out.max_elements, in_out)
    from_file = netinput.file_settings(settings, input=input_, target=target, lr=lr, steps=steps,
                                       loss=loss_name, optimizer=optimizer)
    loss, opt_name, lr, steps = netsettings.training(loss_name, optimizer, lr, steps, settings)
    netsettings.check_optimizer_options(opt_name, momentum, beta1, beta2, eps)
    if plot and not (out.format == "text" and not out.quiet):
        raise UserError(_("draws in the terminal; it needs the text format without -q"), "--plot")
    if plot and steps < 1:
        raise UserError(_("needs --steps 1 or more to draw a loss curve"), "--plot")
    if plot:
        render.need_plot()              # before training, not after it
    netsettings.check_random_weights(seed, sizes, weights, base, in_out, bias)

    x = netinput.data(input_, settings, "input", "--input", out.max_elements)
    if x is None:
        raise UserError(_("give --input (or 'input' in --net)"), "--input")
    netsettings.note_channels_last(x, sizes, base)
    t = netinput.data(target, settings, "target", "--target", out.max_elements)
    if t is None and steps > 0:
        raise UserError(_("give --target (or 'target' in --net); --steps 0 without a target is the forward "
                          "pass alone"), "--target")
    if t is None and check:
        raise UserError(_("compares gradients of the loss; it needs --target"), "--check")

    layers, source, seed = netsettings.build_layers(sizes, seed, activation, weights, bias, base, loss, x,
                                                    in_out, out)
    source.from_file = from_file
    kw = netsettings.optimizer_kwargs(opt_name, momentum, beta1, beta2, eps)
    if out.format == "npy" and t is not None and nettrace.stacked_weights(_main_params(layers)) is None:
        _emit_layers(_main_params(layers), out)     # refused now, not after training
    passes = 2 * gradcheck.parameter_count(layers) if check else 0
    if passes > check_limit:            # said and refused before training, not after it
        raise UserError(_("needs {passes:,} forward passes (two per parameter), over the limit of "
                          "{check_limit:,} (allow it with --check-limit N)").format(passes=passes,
                                                                                    check_limit=check_limit), "--check")
    bar = Progress(steps)
    try:
        with netinput.flags(source, "--weights"):
            res = network.train(layers, x, t, loss, lr=lr, steps=steps, optimizer=opt_name, order=order,
                                freeze_bias=freeze_bias, progress=bar if bar.wanted else None,
                                max_steps=out.steps, **kw)
            bar.close()
            chk = None
            if check:
                bar = Progress(passes // 2, _("checking gradients ({n:,} forward passes)").format(n=passes))
                chk = network.numeric_gradient(layers, x, t, loss, progress=bar if bar.wanted else None)
            classes = None if t is None else netdata.class_indices(layers, x, t)
    finally:
        bar.close()
    picture.loss(res, out)
    report = nettrace.report(res, chk, out, seed if sizes is not None else None, classes, x)
    if in_out:
        report.blocks.insert(1, ("line", _("--in-out: every W was read in×out (one row per input) and "
                                           "transposed; shown here out×in (one row per neuron)")))
    if plot:
        report.line(nettrace.plot(res, out))
    result = res.final_outputs if res.forward_only else res.weights
    if out.expect or out.select:         # checked or selected in one place, like every command
        report.data["result"] = result if res.forward_only else list(result)     # as JSON has it
        render.emit(report, out)
        return
    if out.format == "json" and not out.quiet:
        click.echo(numbers.dumps({**report.data, "result": result if res.forward_only else list(result)}))
        return
    if not res.forward_only and nettrace.stacked_weights(result) is None and \
            (out.quiet or out.format in ("csv", "tsv", "npy")):
        _emit_layers(result, out)
        return
    render.emit(report, out)


def _main_params(layers):
    return [getattr(s, "kernels", getattr(s, "weights", None)) for s in layers
            if hasattr(s, "kernels") or hasattr(s, "weights")]


def _emit_layers(weights, out):
    """The result when the layers differ in shape: one matrix per layer, a blank line between
    (a JSON list with --format json); npy holds one array, so it is refused."""
    from nncalc.cli import numbers, render
    if out.format == "npy":
        from nncalc.core.errors import shape_text
        shapes = ", ".join(shape_text(w.shape) for w in weights)
        raise UserError(_("holds one array, but the layers' weights differ in shape ({shapes}); use "
                          "--format json, or text/csv (one matrix per layer)").format(shapes=shapes), "--format")
    if out.format == "json":
        click.echo(numbers.dumps(list(weights)))
    else:
        click.echo("\n".join(render.render(render.Report(w, {}), out) for w in weights), nl=False)
