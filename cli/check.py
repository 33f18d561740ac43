"""`nncalc check`: compare an answer with a reference, each number to the digits it was written with."""
import click

from nncalc.cli.options import COMMAND_SETTINGS, check_options, output_options
from nncalc.cli.i18n import _, tr


@click.command("check", context_settings=COMMAND_SETTINGS,
               short_help=_("Compare an answer with a reference, to the digits written."),
               help=_("""Compare matrix ACTUAL with EXPECTED: exit 0 if every value matches, 1 if not, 2 for bad input.

    \b
      nncalc check "0.731 0.881" "0.7310585786300049 0.8807970779778823"
      nncalc check @answers/q1.txt @reference/q1.csv
      nncalc conv @x.csv @k.csv -q | nncalc check @q2.txt -
      nncalc check @expected.npy @student.npy --rtol 1e-6

    \b
    Both take every matrix form (inline, JSON, @FILE, '-'). Each EXPECTED
    number is matched to the digits it was written with: a decimal point or
    an exponent allows half a unit of the last digit (0.731 and 0.7311 both
    match 0.7310585…, 0.7310 does not; 7.3e-1 allows ±0.005); an integer must
    be exact, relative 1e-9 of the expected value, as must values from .npy.
    --tol ABS and --rtol REL replace the rule: |actual − expected| ≤ ABS +
    REL·|expected| (relative to EXPECTED, as numpy's assert_allclose). Shapes
    must agree once leading axes of length 1 are dropped (1×3 = '1 2 3').
    -q prints only the differing values, one a line, as cmp does.
    """))
@click.argument("expected", metavar="EXPECTED")
@click.argument("actual", metavar="ACTUAL")
@output_options
@check_options(with_expect=False)
def command(expected, actual, out):
    from nncalc.cli import checking, inputs, render
    from nncalc.core.check import shape_phrase
    inputs.reject_unknown_options((expected, actual))
    exp = checking.read_expected(expected, "EXPECTED", out.max_elements, keyed=False)
    got = inputs.read_matrix(actual, "ACTUAL", out.max_elements)
    report = render.Report(got, {"expected": exp.values})
    report.heading(_("check: EXPECTED is {expected}, ACTUAL {actual}").format(
        expected=tr(shape_phrase(exp.values.shape)), actual=tr(shape_phrase(got.shape))))
    out.expect = [exp]
    render.emit(report, out)
