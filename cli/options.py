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

BUILTIN_FORMATS = ("text", "json", "csv", "tsv", "npy", "latex", "markdown", "html")
DEFAULT_MAX_STEPS = 50
DEFAULT_MAX_ELEMENTS = 10_000_000

# Commands take negative numbers as positional values (`activate relu -1 -inf`),
# so unknown dash-words are left as arguments; no short option may use a
# letter that can appear in a number (e, i, n, f, a, t, y, x, j).
COMMAND_SETTINGS = {
    "ignore_unknown_options": True,
    "help_option_names": ["-h", "--help"],
}


class UserError(click.ClickException):
    """Bad input from the user: one line on stderr, exit status 2."""
    exit_code = 2

    def __init__(self, message, arg=None):
        super().__init__(f"{arg}: {message}" if arg else message)


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
            self.fail(f"'{value}' is not a number", param, ctx)
        if not str(value).strip().isascii() or "_" in str(value):
            self.fail(f"'{value}' is not a plain ASCII number", param, ctx)
        if math.isnan(v):
            self.fail("nan is not allowed", param, ctx)
        if math.isinf(v) and not self.allow_inf:
            self.fail(f"must be finite, not {value}", param, ctx)
        if self.positive and v <= 0:
            self.fail(f"must be greater than 0, not {value}", param, ctx)
        return v


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

    @property
    def steps(self):
        """How many step records to compute: none when the output will not show them."""
        shown = not self.quiet and self.format not in ("csv", "tsv", "npy")
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
    choices = list(BUILTIN_FORMATS) + sorted(tabulate_formats)
    raise UserError(f"unknown format '{name}'{suggest(key, choices)}; choose from {', '.join(choices)}",
                    "--format")


def _debug_flag(ctx, param, value):
    if value:
        os.environ["NNCALC_DEBUG"] = "1"


def output_options(func):
    """Stack the shared output options and hand the command one ``out`` object."""
    options = [
        click.option("--format", "fmt", default="text", metavar="FORMAT", show_default=True,
                     shell_complete=completion.output_format,
                     help="text, json, csv, tsv, npy (binary, to a file or pipe); latex, "
                          "markdown, html (the whole trace as a document); or a table "
                          "style: github, grid, …"),
        click.option("-q", "--quiet", is_flag=True,
                     help="Only the result, in a form that reads back as input (full precision)."),
        click.option("--digits", type=click.IntRange(0, 17), metavar="N",
                     help="Decimals in tables [default: 4]; with -q/csv rounds the result too."),
        click.option("--full", is_flag=True, help="Show every row and column of big matrices."),
        click.option("--max-steps", type=click.IntRange(min=0), default=DEFAULT_MAX_STEPS,
                     metavar="N", show_default=True, help="Rows shown in each step table."),
        click.option("--max-elements", type=click.IntRange(min=1), default=DEFAULT_MAX_ELEMENTS,
                     metavar="N", show_default=True, help="Refuse inputs with more elements."),
        click.option("--debug", is_flag=True, expose_value=False, callback=_debug_flag,
                     is_eager=True, help="Show the Python traceback of an error (for bug reports)."),
    ]

    @functools.wraps(func)
    def wrapper(*args, fmt, quiet, digits, full, max_steps, max_elements, **kwargs):
        out = Output(check_format(fmt), quiet, digits, full, max_steps, max_elements)
        if sys.stdout is None:          # `nncalc … >&-`: not the user's input, so exit 1, not 2
            raise click.ClickException("standard output is closed; there is nowhere to write the result")
        if out.format == "npy" and sys.stdout.isatty():
            raise UserError("npy is binary; redirect it to a file or a pipe", "--format")
        return func(*args, out=out, **kwargs)

    for option in reversed(options):
        wrapper = option(wrapper)
    return wrapper
