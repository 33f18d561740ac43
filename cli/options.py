"""Options every command shares, declared once, and the error type for bad input.

Nothing here imports numpy or tabulate: `--help` and shell completion load
these modules and must stay fast.
"""
import functools
import math
import os
import sys

import click

from nncalc.cli import completion
from nncalc.cli.i18n import N_, _, tr

BUILTIN_FORMATS = ("text", "json", "csv", "tsv", "npy", "latex", "markdown", "html")
DEFAULT_MAX_STEPS = 50
DEFAULT_MAX_ELEMENTS = 10_000_000
EXPECT_TRACE_STEPS = 10_000     # with --expect, trace this many steps so differing rows can be shown

# Commands take negative numbers as positional values (`activate relu -1 -inf`),
# so unknown dash-words are left as arguments; no short option may use a
# letter that can appear in a number (e, i, n, f, a, t, y, x, j).
COMMAND_SETTINGS = {
    "ignore_unknown_options": True,
    "help_option_names": ["-h", "--help"],
}


NOTES = []     # said on stderr after a result, or inside the one error line (see note())


def note(text):
    """A remark on how an input was read ("SIZE 5x5x3 was read as C×H×W; …"): nncalc.cli.main
    prints it as 'note: …' on stderr after the output, or puts it in brackets at the end of
    the one error line when the command fails, so stderr never has two lines for one error."""
    NOTES.append(text)


class UserError(click.ClickException):
    """Bad input from the user: one line on stderr, exit status 2."""
    exit_code = 2

    def __init__(self, message, arg=None):
        super().__init__(_("{arg}: {message}").format(arg=arg, message=message) if arg else message)


class FiniteFloat(click.ParamType):
    """A float option that refuses nan and, unless allowed, infinities."""
    name = "number"

    def __init__(self, allow_inf=False, positive=False):
        self.allow_inf = allow_inf
        self.positive = positive

    def convert(self, value, param, ctx):
        if isinstance(value, float):
            return value
        try:
            v = float(str(value).strip())
        except ValueError:
            self.fail(_("'{value}' is not a number").format(value=value), param, ctx)
        if not str(value).strip().isascii() or "_" in str(value):
            self.fail(_("'{value}' is not a plain ASCII number").format(value=value), param, ctx)
        if math.isnan(v):
            self.fail(_("nan is not allowed"), param, ctx)
        if math.isinf(v) and not self.allow_inf:
            self.fail(_("must be finite, not {value}").format(value=value), param, ctx)
        if self.positive and v <= 0:
            self.fail(_("must be greater than 0, not {value}").format(value=value), param, ctx)
        return v


def whole_number(min=None, max=None):
    """click's IntRange named "integer", as its refusal says ('abc' is not a valid integer), not
    "integer range"; the Chinese catalog has always said "not an integer" there."""
    kind = click.IntRange(min, max)
    kind.name = "integer"
    return kind


class Output:
    """The parsed output options, handed to the renderer."""

    def __init__(self, format, quiet, digits, full, max_steps, max_elements):
        self.format = format
        self.quiet = quiet
        self.digits = digits
        self.full = full
        self.max_steps = max_steps
        self.max_elements = max_elements
        self.color = False if os.environ.get("NO_COLOR") else None
        self.expect = ()        # (key, Expected) pairs, set by check_options
        self.select = None
        self.tol = self.rtol = None

    @property
    def decimals(self):
        """Decimals a trace, a table or a picture shows: --digits, else numbers.DEFAULT_DIGITS."""
        from nncalc.cli.numbers import DEFAULT_DIGITS
        return DEFAULT_DIGITS if self.digits is None else self.digits

    @property
    def steps(self):
        """How many step records to compute: none when the output will not show them."""
        if self.select:                 # a key of the JSON output: its steps as JSON has them
            return self.max_steps
        shown = not self.quiet and self.format not in ("csv", "tsv", "npy")
        if shown and self.expect and self.format != "json":    # rows that differ are shown too
            return max(self.max_steps, EXPECT_TRACE_STEPS)
        return self.max_steps if shown else 0


def given(name):
    """Whether option NAME (its Python name) was typed by the user rather than left at its default."""
    from click.core import ParameterSource
    source = click.get_current_context().get_parameter_source(name)
    return source not in (None, ParameterSource.DEFAULT)


def check_format(name):
    """Accept a built-in format or a tabulate table style; never guess silently."""
    key = name.strip().lower()
    if key in BUILTIN_FORMATS:
        return key
    from tabulate import tabulate_formats
    if key in tabulate_formats:
        return key
    from nncalc.core.errors import suggest
    choices = list(BUILTIN_FORMATS) + sorted(set(tabulate_formats) - set(BUILTIN_FORMATS))   # html once
    raise UserError(_("unknown format '{name}'{key}; choose from {choices}").format(name=name,
                                                                                    key=tr(suggest(key, choices)), choices=', '.join(choices)),
                    "--format")


def _debug_flag(ctx, param, value):
    if value:
        os.environ["NNCALC_DEBUG"] = "1"


def output_options(func):
    """Stack the shared output options and hand the command one ``out`` object."""
    options = [
        click.option("--format", "fmt", default="text", metavar="FORMAT", show_default=True,
                     shell_complete=completion.output_format,
                     help=_("text, json, csv, tsv, npy (binary, to a file or pipe); latex, "
                          "markdown, html (the whole trace as a document); or a table "
                          "style: github, grid, …")),
        click.option("-q", "--quiet", is_flag=True,
                     help=_("Only the result, in a form that reads back as input (full precision).")),
        click.option("--digits", type=whole_number(0, 17), metavar="N",
                     help=_("Decimals in tables [default: 4]; with -q/csv rounds the result too.")),
        click.option("--full", is_flag=True, help=_("Show every row and column of big matrices.")),
        click.option("--max-steps", type=whole_number(min=0), default=DEFAULT_MAX_STEPS,
                     metavar="N", show_default=True, help=_("Rows shown in each step table.")),
        click.option("--max-elements", type=whole_number(min=1), default=DEFAULT_MAX_ELEMENTS,
                     metavar="N", show_default=True, help=_("Refuse inputs with more elements.")),
        click.option("--debug", is_flag=True, expose_value=False, callback=_debug_flag,
                     is_eager=True, help=_("Show the Python traceback of an error (for bug reports).")),
    ]

    @functools.wraps(func)
    def wrapper(*args, fmt, quiet, digits, full, max_steps, max_elements, **kwargs):
        out = Output(check_format(fmt), quiet, digits, full, max_steps, max_elements)
        if sys.stdout is None:          # `nncalc … >&-`: not the user's input, so exit 1, not 2
            raise click.ClickException(_("standard output is closed; there is nowhere to write the result"))
        if out.format == "npy" and sys.stdout.isatty():
            raise UserError(_("npy is binary; redirect it to a file or a pipe"), "--format")
        return func(*args, out=out, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper


TOLERANCE_HELP = N_("Each expected number is matched to the digits it was written with: "
                    "0.731 allows ±0.0005, 7.3e-1 ±0.005; an integer must be exact (relative 1e-9 "
                    "of the expected value), as must .npy values.")


def _tolerance_params(expect):
    params = []
    if expect:
        params += [
            click.option("--expect", multiple=True, metavar="[KEY=]VALUE",
                         help=_("Check an answer (repeatable): exit 0 if it matches, 1 if not, 2 for "
                                "bad input. VALUE is a matrix (inline, @FILE, -) or a number, compared "
                                "with the result, or with KEY of the JSON output (grad_input, "
                                "total_params, gradients.0.weights, …). {rule}").format(rule=_(TOLERANCE_HELP))),
            click.option("--select", metavar="KEY",
                         help=_("Print this value of the JSON output instead of the result, as -q "
                              "would (a dotted key, as --expect's).")),
        ]
    params += [
        click.option("--tol", type=FiniteFloat(), metavar="ABS",
                     help=_("Allowed difference |got − expected|, instead of the written digits.")),
        click.option("--rtol", type=FiniteFloat(), metavar="REL",
                     help=_("Allowed difference relative to |expected| (added to --tol).")),
    ]
    return params


def check_options(func=None, *, with_expect=True):
    """Stack --expect, --select, --tol and --rtol (below output_options); render.emit applies them.

    ``with_expect=False`` gives only --tol and --rtol (for `nncalc check`, whose answer is an argument).
    """
    if func is None:
        return functools.partial(check_options, with_expect=with_expect)

    @functools.wraps(func)
    def wrapper(*args, out, tol, rtol, expect=(), select=None, **kwargs):
        for name, v in (("--tol", tol), ("--rtol", rtol)):
            if v is not None and v < 0:
                raise UserError(_("must be 0 or more, not {v:g}").format(v=v), name)
        if with_expect and not expect and (tol is not None or rtol is not None):
            raise UserError(_("sets how close an answer must be; add --expect"),
                            "--tol" if tol is not None else "--rtol")
        out.tol, out.rtol = tol, rtol
        if expect or select is not None:
            from nncalc.cli import checking
            checking.prepare(out, expect, select)
        return func(*args, out=out, **kwargs)

    for option in reversed(_tolerance_params(with_expect)):
        wrapper = option(wrapper)
    return wrapper
