"""`nncalc outsize`: the feature-map size formula for one layer or a chain of layers."""
import re

import click

from nncalc.cli import geometry, options
from nncalc.cli.options import COMMAND_SETTINGS, UserError, given, output_options
from nncalc.cli.options import check_options
from nncalc.cli.i18n import N_, _, ngettext, tr
from nncalc.core.errors import shape_text

# core's field names -> this command's arguments: the one place outsize names them
FIELDS = {"input": "SIZE", "kernel": "--kernel", "stride": "--stride", "padding": "--padding",
          "dilation": "--dilation", "output_padding": "--output-padding", "layers": "LAYER"}


@click.command("outsize", context_settings=COMMAND_SETTINGS,
               short_help=_("Feature-map size formula for one layer or a chain of layers."),
               help=_("""Output size of a conv/pool layer, or shapes, parameters and MACs through a chain.

    \b
      nncalc outsize 28 --kernel 5
      nncalc outsize 7x7 --kernel 3 --stride 2 --padding 1
      nncalc outsize 32 --kernel 3 --stride 2 --padding same
      nncalc outsize 5 --kernel 2 --stride 2 --ceil
      nncalc outsize 1x32x32 conv:6,5 pool:2 conv:16,5 pool:2 flatten fc:120 fc:84 fc:10

    \b
    SIZE is H (square), HxW or CxHxW ('*' and ',' also separate), or
    HxWxC with --channels-last; the trace says how SIZE was read.
    O = ⌊(H + 2P − D·(K−1) − 1)/S⌋ + 1 with P zeros on EACH side and
    dilation 1 = none; floor as PyTorch and TensorFlow, ceil with --ceil
    (a last window starting in the padding is dropped, as PyTorch does).
    Chain layers: conv:OUT,K[,S,P,D] or conv:out=6,k=5,s=1,p=2,d=1 (P may
    be same or valid);
    pool:K[,S,P][,ceil] or pool:k=2,s=2,p=0,ceil; fc:OUT (fc:out=10);
    flatten; an activation name (relu, …) changes nothing.

    A chain also shows, per layer, the receptive field r (the input span one
    output sees, padding included), the effective stride S (the product of
    the strides so far) and the effective padding P (Araujo, Norris & Sim,
    Distill 2019): output j sees input j·S − P … j·S − P + r − 1. Dilation
    counts as K_eff = D·(K−1) + 1; the effective padding counts the zeros
    before (top/left) only, so the odd extra zero of 'same' and ceil mode's
    last window change how many outputs there are, not where fields lie.
    Activations keep the field; flatten and fc end the spatial part (blank in
    the table, null in JSON). Params are shown as (KH·KW·C + 1)·OUT for conv
    and (IN + 1)·OUT for fc.
    """))
@click.argument("size", metavar="SIZE")
@click.argument("layers", nargs=-1, metavar="[LAYER…]")
@click.option("--kernel", type=geometry.IntPair(1), metavar="K|KH,KW", help=_("Kernel (window) size."))
@geometry.stride_option()
@geometry.padding_option()
@geometry.dilation_option()
@click.option("--ceil", is_flag=True, help=_("Round the quotient up (pooling's ceil mode)."))
@click.option("--transposed", is_flag=True,
              help=_("Transposed convolution: o = (i−1)·S − 2P + D·(K−1) + A + 1."))
@click.option("--output-padding", type=geometry.IntPair(0), default="0", metavar="A|AH,AW",
              help=_("A in the transposed formula. [default: 0]"))
@click.option("--channels-last", is_flag=True,
              help=_("SIZE is H×W×C (as 32x32x3); chain shapes are then shown H×W×C too."))
@output_options
@check_options
def command(size, layers, kernel, stride, padding, dilation, ceil, transposed, output_padding,
            channels_last, out):
    from nncalc.cli import inputs
    inputs.reject_unknown_options((size,) + layers)
    dims = _size(size)
    if channels_last and len(dims) != 3:
        raise UserError(ngettext("says SIZE is H×W×C, but SIZE '{size}' has {dims} number",
                                 "says SIZE is H×W×C, but SIZE '{size}' has {dims} numbers", len(dims)).format(
            size=size, dims=len(dims)), "--channels-last")
    read_as = _read_as(dims, channels_last)
    note = None
    if channels_last:
        dims = (dims[2], dims[0], dims[1])
    elif len(dims) == 3 and dims[2] in (1, 3) and dims[2] < min(dims[:2]):
        note = _("SIZE {size} was read as C×H×W ({read_as}); if its channels come last (H×W×C), "
                 "add --channels-last").format(size=size, read_as=read_as.split("：" if "：" in read_as else ": ", 1)[1])
    if note:
        options.note(note)
    _dispatch(dims, layers, kernel, stride, padding, dilation, ceil, transposed, output_padding,
              channels_last, out, read_as)


def _dispatch(dims, layers, kernel, stride, padding, dilation, ceil, transposed, output_padding,
              channels_last, out, read_as):
    if layers:
        for name, typed in (("--kernel", kernel is not None), ("--ceil", ceil),
                            ("--stride", stride != (1, 1)),
                            ("--padding", padding != (0, 0)), ("--dilation", dilation != (1, 1))):
            if typed:
                raise UserError(_("applies to a single layer; in a chain put it in the layer token"), name)
        for name, typed in (("--transposed", transposed), ("--output-padding", given("output_padding"))):
            if typed:
                raise UserError(_("applies to a single transposed layer; a chain has no transposed layers"),
                                name)
        return _chain(dims, layers, out, read_as, channels_last)
    if given("output_padding") and not transposed:
        raise UserError(_("is the A of the transposed formula; add --transposed"), "--output-padding")
    if ceil and transposed:
        raise UserError(_("rounds a pooling or convolution quotient; the transposed formula has none"),
                        "--ceil")
    if kernel is None:
        raise UserError(_("is required for a single layer (or give a chain of LAYER tokens)"), "--kernel")
    if transposed:
        return _transposed(dims, kernel, stride, padding, dilation, output_padding, out, read_as)
    _single(dims, kernel, stride, padding, dilation, ceil, out, read_as)


def _size(text):
    parts = re.split(r"\s*[x×*,]\s*|\s+", text.strip().lower())     # '28x' leaves an empty part
    if not parts or len(parts) > 3 or not all(p.isascii() and p.isdigit() for p in parts):
        raise UserError(_("'{text}' is not H, HxW or CxHxW with whole numbers").format(text=text), "SIZE")
    dims = tuple(int(p) for p in parts)
    if any(d < 1 for d in dims):
        raise UserError(_("'{text}': sizes must be at least 1").format(text=text), "SIZE")
    return dims


def _read_as(dims, channels_last):
    """How SIZE was read, for the trace: 'C×H×W: 5 channels of 5×3'."""
    if len(dims) == 1:
        return _("SIZE read as H: {h}×{h} (square)").format(h=dims[0])
    if len(dims) == 2:
        return _("SIZE read as H×W: {h}×{w}").format(h=dims[0], w=dims[1])
    c, h, w = (dims[2], dims[0], dims[1]) if channels_last else dims
    layout = "H×W×C" if channels_last else "C×H×W"
    return ngettext("SIZE read as {layout}: {c} channel of {h}×{w}",
                    "SIZE read as {layout}: {c} channels of {h}×{w}", c).format(layout=layout, c=c, h=h, w=w)


def _hwc(shape, channels_last):
    """A C×H×W shape in the layout SIZE was given in."""
    return (shape[1], shape[2], shape[0]) if channels_last and len(shape) == 3 else tuple(shape)


def _hw(dims):
    return (dims[0], dims[0]) if len(dims) == 1 else dims[-2:]


def _single(dims, kernel, stride, padding, dilation, ceil, out, read_as):
    from nncalc.cli import inputs, render
    from nncalc.core import shapes
    h, w = _hw(dims)
    with inputs.naming("SIZE", FIELDS):
        sides = shapes.padding_sides(padding, (h, w), kernel, stride, dilation)
        rh, rw = shapes.out_size2d((h, w), kernel, stride, sides, dilation, ceil)
    data = {"exact": [float(rh.quotient), float(rw.quotient)],
            "size": {"h": geometry.size_json(rh), "w": geometry.size_json(rw)},
            "padding": list(sides)}
    report = render.Report([rh.size, rw.size], data)
    report.heading(_("outsize: input {h}×{w}, kernel {kh}×{kw}, stride {sh},{sw}, dilation {dh},{dw}").format(
        h=h, w=w, kh=kernel[0], kw=kernel[1], sh=stride[0], sw=stride[1], dh=dilation[0], dw=dilation[1]))
    report.line(read_as)
    if padding == "same":
        report.line(_("padding 'same': output = ⌈input/stride⌉ needs top {pt}, bottom {pb}, left {pl}, "
                      "right {pr} "
                      "(an odd extra zero goes bottom/right)").format(pt=sides[0], pb=sides[1], pl=sides[2],
                                                                      pr=sides[3]))
    report.line("")
    formula = [line for axis, rec in (("H", rh), ("W", rw))
               for line in geometry.formula_lines(rec, axis, axis)]
    for line in formula:
        report.line(line)
    report.explain(formula, values_of=("result",))
    report.line("")
    report.line(_("Output size: {h}×{w}").format(h=rh.size, w=rw.size))
    render.emit(report, out)


def _transposed(dims, kernel, stride, padding, dilation, output_padding, out, read_as):
    from nncalc.cli import inputs, render
    from nncalc.core import shapes
    if isinstance(padding, str):
        raise UserError(_("takes a number with --transposed, not 'same'/'valid'"), "--padding")
    h, w = _hw(dims)
    sizes, lines = [], []
    with inputs.naming("SIZE", FIELDS):
        for axis, i, k, s, p, d, a in zip("HW", (h, w), kernel, stride, padding, dilation, output_padding):
            o = shapes.transposed_size(i, k, s, p, d, a)
            sizes.append(o)
            lines += [f"O{axis} = (I − 1)·S − 2P + D·(K − 1) + A + 1",
                      f"   = ({i} − 1)·{s} − 2·{p} + {d}·({k} − 1) + {a} + 1 = {o}"]
    report = render.Report(sizes, {"transposed": True})
    report.heading(_("outsize (transposed convolution): input {h}×{w}").format(h=h, w=w))
    report.line(read_as)
    report.line("")
    for line in lines:
        report.line(line)
    report.explain(lines, values_of=("result",))
    report.line("")
    report.line(_("Output size: {h}×{w}").format(h=sizes[0], w=sizes[1]))
    render.emit(report, out)


def _chain(dims, tokens, out, read_as, channels_last):
    from nncalc.cli import inputs, render
    from nncalc.core import chain
    start = dims if len(dims) == 3 else (1,) + _hw(dims)
    with inputs.naming("LAYER", FIELDS):
        summary = chain.summarise_chain(start, chain.parse_chain(list(tokens)))
    headers, cols, layers_json = _shape_table(summary.rows, channels_last)
    fields = _fields(summary.rows)
    for entry, row, field in zip(layers_json, summary.rows, fields):
        entry.update(_field_json(row, field))
    start, end = _hwc(summary.input_shape, channels_last), _hwc(summary.output_shape, channels_last)
    data = {"input_shape": list(start), "layers": layers_json,
            "total_params": summary.total_params, "total_macs": summary.total_macs,
            "layout": "H×W×C" if channels_last else "C×H×W"}
    report = render.Report(list(end), data)
    report.heading(_("outsize: layer chain from {shape}").format(shape=tr(shape_text(start))))
    report.line(read_as if len(dims) == 3 else _("{read_as} (one channel)").format(read_as=read_as))
    report.line("")
    report.table(headers, cols)
    _field_table(report, summary.rows, fields)
    report.line(_("Total: {params:,} parameters, {macs:,} multiply-adds; output {shape}").format(
        params=summary.total_params, macs=summary.total_macs, shape=tr(shape_text(end))))
    render.emit(report, out)


def _shape_table(rows, channels_last):
    """The chain's first table (shapes and the H formula per layer) and each layer's JSON."""
    headers = ["#", _("layer"), _("input"), _("formula (H)"), _("output")]
    cols, layers_json = [[] for _h in headers], []
    for row in rows:
        formula = tr(row.note)
        if row.sizes:
            rec = row.sizes[0]
            formula = geometry.formula_lines(rec, "H", "H")[1].strip(" =") + f" = {rec.size}"
        shape_in, shape_out = _hwc(row.input_shape, channels_last), _hwc(row.output_shape, channels_last)
        for col, val in zip(cols, [str(row.index), row.layer.token, tr(shape_text(shape_in)), formula,
                                   tr(shape_text(shape_out))]):
            col.append(val)
        layers_json.append({"name": row.layer.token, "kind": row.layer.kind,
                            "input_shape": list(shape_in), "output_shape": list(shape_out),
                            "params": row.params, "macs": row.macs})
    return headers, cols, layers_json


# Under the table: what the compact headers mean, and the recurrence behind each row.
FIELD_LEGEND = (
    N_("RF: receptive field r, the input span one output sees (padding included);"),
    N_("jump: effective stride S; pad: effective padding P (output 0 sees −P … r−1−P)."),
    N_("Row by row, ' marking the row above, k = D·(K−1)+1 and p the top/left padding:"),
    N_("r = r' + (k−1)·S', S = S'·s, P = P' + p·S'; blank once flatten/fc ends the grid."),
)


def _field_table(report, rows, fields):
    """Receptive field, effective stride and padding, and the parameter formula, per layer."""
    from nncalc.core import chain
    cols = [[row.layer.token for row in rows]]     # no '#': the table above numbers the same rows
    numeric = [False]
    for name in ("size", "stride", "padding"):
        values = [None if f is None else f.value(name) for f in fields]
        square = not any(isinstance(v, tuple) for v in values)   # numbers align right; "6×4" cannot
        cols.append(values if square else ["" if v is None else _hw_text(v) for v in values])
        numeric.append(square)
    cols.append([_params_text(chain.param_terms(row)) for row in rows])
    cols.append([row.macs for row in rows])
    numeric += [False, True]
    # compact English symbols the legend below defines; Chinese headers say what they are
    report.table([_("layer"), _("RF"), _("jump"), _("pad"), _("params"), _("MACs")], cols, numeric=numeric)
    for line in FIELD_LEGEND:
        report.line(_(line))
    report.line("")


def _hw_text(value):
    return f"{value[0]}×{value[1]}" if isinstance(value, tuple) else str(value)


def _params_text(terms):
    """'(5·5·1 + 1)·6 = 156' for a conv, '(400 + 1)·120 = 48120' for an fc, '0' without weights."""
    if not terms.factors:
        return "0"
    return f"({'·'.join(map(str, terms.factors))} + 1)·{terms.outputs} = {terms.total}"


def _json_value(value):
    return list(value) if isinstance(value, tuple) else value


def _fields(rows):
    from nncalc.core import receptive
    return receptive.chain_fields(rows)


def _field_json(row, field):
    """The JSON keys the receptive-field table adds to one layer: numbers, [h, w] or null."""
    from nncalc.core import chain
    data = {"params_formula": _params_text(chain.param_terms(row))}
    for key, name in (("receptive_field", "size"), ("effective_stride", "stride"),
                      ("effective_padding", "padding")):
        data[key] = None if field is None else _json_value(field.value(name))
    return data
