"""`nncalc loss`: evaluate a loss on predictions against targets, element by element."""
import click

from nncalc.cli import completion
from nncalc.cli.options import COMMAND_SETTINGS, FiniteFloat, UserError, given, output_options
from nncalc.cli.options import check_options
from nncalc.cli.i18n import _, tr

LOSSES = ("half-sse", "sse", "mse", "bce", "cross-entropy")
# core's field names -> this command's arguments: the one place loss names them
FIELDS = {"pred": "PRED", "target": "TARGET", "loss": "--loss", "eps": "--eps",
          "from_logits": "--from-logits"}


@click.command("loss", context_settings=COMMAND_SETTINGS,
               short_help=_("A loss term by term, with its gradient."),
               help=_("""Evaluate a loss E(PRED, TARGET); trace each element's term, the total and ∂E/∂PRED.

    \b
      nncalc loss 1.7310585786300049 2
      nncalc loss "0.2 0.7 0.1" 1 --loss cross-entropy
      nncalc loss "1 2 0.5; -3 0 3" "2 0" --loss cross-entropy --from-logits --grad
      nncalc loss "0.9 0.2 0.6" "1 0 1" --loss bce
      nncalc loss @pred.csv @target.csv --loss mse -q

    \b
    PRED is one sample (a vector) or one sample per row; N is the number of
    samples, K the outputs per sample. TARGET has PRED's shape (values,
    one-hot rows or probabilities) or gives class indices (0-based), one per
    row of PRED. half-sse E = ½ Σ_k (t_k − o_k)², sse without the ½: summed
    over a sample's outputs and averaged over the samples. mse and bce are
    means over every element, as torch's MSELoss and BCELoss (bce clamps
    each log at −100 like torch). cross-entropy E = −Σ_k t_k·ln(p_k + ε)
    averaged over samples, on probabilities unless --from-logits; bce and
    cross-entropy need probabilities in [0, 1].
    """))
@click.argument("pred", metavar="PRED", shell_complete=completion.matrix)
@click.argument("target", metavar="TARGET", shell_complete=completion.matrix)
@click.option("--loss", "loss_name", default="half-sse", metavar="NAME", show_default=True,
              shell_complete=completion.loss,
              help=_("One of {names}.").format(names=_(", ").join(LOSSES)))
@click.option("--from-logits", is_flag=True,
              help=_("cross-entropy: PRED holds scores; apply a stable softmax first."))
@click.option("--eps", type=FiniteFloat(), default=1e-7, metavar="ε", show_default=True,
              help=_("cross-entropy on probabilities: ln(p + ε); 0 gives the exact value."))
@click.option("--grad", is_flag=True, help=_("Also show ∂E/∂PRED."))
@output_options
@check_options
def command(pred, target, loss_name, from_logits, eps, grad, out):
    from nncalc.cli import inputs
    inputs.reject_unknown_options((pred, target))
    from nncalc.core import losses
    with inputs.naming("--loss", FIELDS):
        info = losses.get(loss_name)
    if from_logits and info.name != "cross-entropy":
        raise UserError(_("applies to cross-entropy only, not {name}").format(name=info.name),
                        "--from-logits")
    if eps < 0:
        raise UserError(_("must be a number ≥ 0, got {eps:g}").format(eps=eps), "--eps")
    if given("eps") and (info.name != "cross-entropy" or from_logits):
        raise UserError(_("applies to cross-entropy on probabilities only, not --from-logits (no log of a "
                          "probability is taken)") if from_logits else
                        _("applies to cross-entropy on probabilities only, not {name}").format(name=info.name),
                        "--eps")
    p = inputs.read_matrix(pred, "PRED", out.max_elements)
    t = inputs.read_matrix(target, "TARGET", out.max_elements)
    with inputs.naming("PRED", FIELDS):
        res = losses.compute(info.name, p, t, eps=eps, from_logits=from_logits)
    from nncalc.cli import render
    render.emit(_report(res, info, grad, out), out)


def _positions(shape, limit):
    import numpy as np
    n = int(np.prod(shape)) if shape else 1
    if len(shape) <= 1:
        return [str(i) for i in range(min(n, limit))]
    return [str(tuple(int(v) for v in np.unravel_index(k, shape))) for k in range(min(n, limit))]


def _report(res, info, grad, out):
    import numpy as np
    from nncalc.cli import matrixtext, nettrace, numbers, render, tracefmt
    data = {"loss": res.name, "value": res.value, "terms": res.terms, "target": res.target,
            "formula": res.formula, "reduction": res.reduction, "samples": res.samples}
    if res.name == "cross-entropy":
        data["eps"] = res.eps
        data["from_logits"] = res.from_logits
    if res.probs is not None:
        data["probabilities"] = res.probs
    if res.class_indices is not None:
        data["class_indices"] = res.class_indices
    if grad:
        data["grad"] = res.grad
        data["grad_formula"] = res.grad_formula
    report = render.Report(np.float64(res.value), data)
    report.heading(_("loss {name} ({title}): {formula}").format(name=res.name, title=tr(info.title),
                                                               formula=tr(res.formula)))
    report.line(_("reduction: {rule}").format(rule=tr(res.reduction)))
    if res.name == "cross-entropy" and not res.from_logits:
        report.line(_("ε = {eps} inside the log").format(eps=numbers.exact(res.eps)) if res.eps
                    else _("ε = 0: exact logs"))
    if res.class_indices is not None:
        report.line(_("TARGET given as class indices {indices}, used as one-hot rows").format(
            indices=matrixtext.inline(res.class_indices)))
    report.line("")
    shape = res.terms.shape
    fmt = tracefmt.Fmt(out)
    nettrace.loss_table(report, res, fmt, _positions(shape, fmt.limit),
                        "i" if len(shape) <= 1 else _("position"),
                        grad)
    if grad:
        report.line(_("gradient: {formula}").format(formula=res.grad_formula))
        report.line("")
        report.matrix("∂E/∂PRED", res.grad)
    return report
