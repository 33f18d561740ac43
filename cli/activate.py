"""`nncalc activate`: apply an activation function and show h(x) and h'(x) per element."""
import sys

import click

from nncalc.cli import completion, draw
from nncalc.cli.options import COMMAND_SETTINGS, FiniteFloat, UserError, given, output_options
from nncalc.cli.options import check_options
from nncalc.cli.i18n import N_, _
from nncalc.cli.i18n import tr as translate     # `tr` is the name of a trace here

# core's field names -> this command's arguments: the one place activate names them
FIELDS = {"activation": "FUNCTION", "input": "VALUES", "alpha": "--alpha", "slope": "--slope"}


@click.command("activate", context_settings=COMMAND_SETTINGS,
               short_help=_("Apply an activation function; trace x, h(x) and h'(x)."),
               help=_("""Apply an activation function h to every value; trace x, h(x) and h'(x).

    \b
      nncalc activate sigmoid -2 -1 0 1 2
      nncalc activate relu "1 -2; -3 4"
      nncalc activate softmax 1 2 3 --jacobian
      nncalc activate leaky-relu --alpha 0.1 -3 0 3
      nncalc activate --list

    \b
    Functions: identity (linear), step, sigmoid, tanh, relu, leaky-relu,
    elu, softplus, gelu, silu (swish), softmax, log-softmax.
    Conventions: ReLU'(0) = 0; step(0) = 0 and step' = 0; leaky-ReLU'(0) = α;
    ELU'(0) = α; gelu is exact (erf). softmax works along the last axis (each
    row of a matrix); its h'(x) column is the Jacobian's diagonal p(1−p).
    Negative numbers need no '--'; -inf and inf are accepted, nan is not.
    """))
@click.argument("function", required=False, metavar="FUNCTION", shell_complete=completion.activation)
@click.argument("values", nargs=-1, metavar="VALUES…", shell_complete=completion.matrix)
@click.option("--alpha", type=FiniteFloat(), metavar="α",
              help=_("Slope for x ≤ 0 of leaky-relu [0.01]; scale of elu [1.0]."))
@click.option("--slope", type=FiniteFloat(), metavar="c", help=_("c in identity h(x) = c·x [1]."))
@click.option("--jacobian", is_flag=True, help=_("Print the full Jacobian (softmax, log-softmax)."))
@click.option("--list", "list_", is_flag=True, help=_("Table of every function: formula, derivative, "
                                                    "range, strengths and weaknesses."))
@click.option("--plot", is_flag=True, help=_("Draw h and h' in the terminal, the given points marked."))
@click.option("--range", "range_", default="-5:5", metavar="A:B", show_default=True,
              help=_("x range for --plot and --draw."))
@draw.options(animated=False)
@output_options
@check_options
def command(function, values, alpha, slope, jacobian, list_, plot, range_, picture, out):
    if list_:
        if function or values:
            raise UserError(_("--list takes no FUNCTION or VALUES"))
        for name, typed in (("--alpha", alpha is not None), ("--slope", slope is not None),
                            ("--jacobian", jacobian), ("--plot", plot), ("--range", given("range_")),
                            ("--draw", picture.wanted), ("--expect", bool(out.expect)),
                            ("--select", bool(out.select))):
            if typed:
                raise UserError(_("applies to one FUNCTION; --list prints the table of all of them"), name)
        return _list(out)
    if not function:
        raise click.MissingParameter(param_hint="'FUNCTION'", param_type="argument")
    from nncalc.cli import inputs
    from nncalc.core import activations
    with inputs.naming("FUNCTION", FIELDS):
        act = activations.get(function)
    params = {}
    if alpha is not None:
        if "alpha" not in act.params:
            raise UserError(_("applies to leaky-relu and elu, not {name}").format(name=act.name), "--alpha")
        params["alpha"] = alpha
    if slope is not None:
        if "slope" not in act.params:
            raise UserError(_("applies to identity, not {name}").format(name=act.name), "--slope")
        params["slope"] = slope
    if jacobian and act.elementwise:
        raise UserError(_("applies to softmax and log-softmax; {name} is element-wise, so its Jacobian is "
                          "diagonal (the h'(x) column)").format(name=act.name), "--jacobian")
    if plot and not (out.format == "text" and not out.quiet):
        raise UserError(_("draws in the terminal; it needs the text format without -q"), "--plot")
    if given("range_") and not (plot or picture.wanted):
        raise UserError(_("sets the x range of --plot or --draw; add one of them"), "--range")
    plot_range = _parse_range(range_) if plot or picture.wanted else None
    x = inputs.read_values(values, "VALUES", out.max_elements)
    if jacobian and x.size * x.shape[-1] > out.max_elements:
        raise UserError(_("would have {v:,} entries (n² per row), over the limit of {max_elements:,} "
                          "(raise it with --max-elements)").format(v=x.size * x.shape[-1],
                                                                   max_elements=out.max_elements), "--jacobian")
    with inputs.naming("VALUES", FIELDS):
        tr = activations.trace(act.name, x, **params)
        jac = activations.jacobian(act.name, x) if jacobian else None
    if picture.wanted:
        picture.activation(tr, _curves(tr, params, plot_range), out)
    report = _report(tr, jac)
    if plot:
        report.line(_plot(tr, params, plot_range, out))
    from nncalc.cli import render
    render.emit(report, out)


def _parse_range(text):
    parts = text.split(":")
    try:
        a, b = (float(p) for p in parts)
    except ValueError:
        raise UserError(_("'{text}' is not A:B, such as -5:5").format(text=text), "--range") from None
    if not (a < b) or any(v != v or abs(v) == float("inf") for v in (a, b)):
        raise UserError(_("'{text}' needs finite A < B").format(text=text), "--range")
    return a, b


def _positions(shape):
    """Row labels for the per-element table: i for a vector, (i, j, …) otherwise."""
    import numpy as np
    if len(shape) <= 1:
        return list(range(int(np.prod(shape))))

    class _Lazy:
        # Only the rows the table shows get a label, even for a huge input.
        def __len__(self):
            return int(np.prod(shape))

        def __getitem__(self, sl):
            idx = range(len(self))[sl]
            return [str(tuple(int(v) for v in np.unravel_index(k, shape))) for k in idx]
    return _Lazy()


# an activation's parameters as a trace names them (the JSON keeps the keys slope and alpha)
PARAM_WORDS = {"slope": N_("slope"), "alpha": N_("alpha")}


def params_text(params, fmt):
    """'slope = 2' or 'alpha = 0.1, …' in the chosen language (a trace heading's parameters)."""
    return _(", ").join(_("{word} = {value}").format(word=_(PARAM_WORDS.get(k, k)), value=fmt(v))
                        for k, v in params.items())


def named(activation, params, fmt):
    """'identity, slope = 2' (a trace heading's activation), or the bare name without parameters."""
    text = params_text(params, fmt)
    return _("{activation}, {params}").format(activation=activation, params=text) if text else activation


def _report(tr, jac):
    from nncalc.cli import numbers, render
    act = tr.activation
    data = {"function": act.name, "input": tr.input, "derivative": tr.derivative}
    if tr.params:
        data["params"] = tr.params
    if jac is not None:
        data["jacobian"] = jac
    report = render.Report(tr.result, data)
    params = params_text(tr.params, numbers.exact)
    heading = _("{name} ({params}): {formula}") if params else _("{name}: {formula}")
    report.heading(heading.format(name=act.name, params=params, formula=translate(act.formula)))
    report.line(_("derivative: {formula}").format(formula=translate(act.derivative_formula)))
    report.line("")
    headers = ["i" if tr.input.ndim <= 1 else _("position")] + [h for h, _x in tr.columns]
    columns = [_positions(tr.input.shape)] + [arr.ravel() for _h, arr in tr.columns]
    report.table(headers, columns, numeric=[False] + [True] * len(tr.columns),
                 locate=render.in_order(tr.input.shape, ("result", "derivative")))
    report.matrix(_("Result h(x)"), tr.result)
    if jac is not None:
        rows = jac.reshape(-1, *jac.shape[-2:])
        for r, block in enumerate(rows):
            title = _("Jacobian J[i, j] = ∂y_i/∂x_j") if len(rows) == 1 else \
                _("Jacobian J[i, j] = ∂y_i/∂x_j, row {r}").format(r=r)
            report.matrix(title, block)
    return report


def _curves(tr, params, plot_range):
    """xs, h(xs), h'(xs) and a title, for --plot and --draw."""
    import numpy as np
    from nncalc.core import activations
    a, b = plot_range
    xs = np.linspace(a, b, 401)
    name = tr.activation.name
    if tr.activation.elementwise:
        ys = activations.forward(name, xs, **params)
        ds = activations.derivative(name, xs, **params)
    else:   # softmax of one varying score against the given others is not a curve: plot vs a 0
        pair = np.stack([xs, np.zeros_like(xs)], axis=-1)
        ys = activations.forward(name, pair)[:, 0]
        ds = activations.derivative(name, pair)[:, 0]
    title = name if tr.activation.elementwise else _("{name} of (x, 0), first component").format(name=name)
    return xs, ys, ds, title


def _plot(tr, params, plot_range, out):
    import numpy as np
    from nncalc.cli import render
    a, b = plot_range
    xs, ys, ds, title = _curves(tr, params, plot_range)
    px = tr.input.ravel()
    keep = np.isfinite(px) & (px >= a) & (px <= b)
    series_y, series_x, labels = [ys, ds], [xs, xs], ["h(x)", "h'(x)"]
    if keep.any() and tr.activation.elementwise:
        series_y.append(tr.result.ravel()[keep])
        series_x.append(px[keep])
        labels.append(_("given x"))
    color = out.color is not False and sys.stdout.isatty()
    # without colour the three series need their own characters to be told apart
    chars = {} if color else {"character_set": "ascii", "force_ascii_characters": [".", ":", "O"]}
    return render.plot(ys=series_y, xs=series_x, lines=[True, True, False][:len(series_y)],
                       legend_labels=labels, color=color, title=title, height=14, width=60, **chars)


def _list(out):
    from nncalc.cli import numbers
    from nncalc.core import activations
    acts = activations.all_activations()
    if out.format == "json":
        rows = [{"name": a.name, "aliases": list(a.aliases), "formula": a.formula,
                 "derivative": a.derivative_formula, "range": a.output_range,
                 "zero_centred": a.zero_centred, "strengths": a.strengths,
                 "weaknesses": a.weaknesses, "params": a.params} for a in acts]
        click.echo(numbers.dumps(rows if out.quiet else {"functions": rows}, ensure_ascii=False))
        return
    if out.quiet or out.format in ("csv", "tsv", "npy"):
        if out.format == "npy":
            raise UserError(_("--list has no matrix to write as npy"), "--format")
        click.echo("\n".join(a.name for a in acts))
        return
    headers = [_("function"), "h(x)", "h'(x)", _("range"), _("zero-centred"), _("strengths"), _("weaknesses")]
    rows = [[a.name + (f" ({', '.join(a.aliases)})" if a.aliases else ""), translate(a.formula),
             translate(a.derivative_formula), translate(a.output_range), translate(a.zero_centred),
             translate(a.strengths), translate(a.weaknesses)]
            for a in acts]
    from nncalc.cli import render
    report = render.Report([])
    report.table(headers, [list(col) for col in zip(*rows)], numeric=[False] * len(headers),
                 wrap=[14, 24, 24, 12, 8, 30, 30])
    render.emit(report, out)
