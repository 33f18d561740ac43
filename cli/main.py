"""The `nncalc` entry point: a click group that loads each command's module on demand.

Error policy, applied here once for every command: bad input prints one
line ``Error: ARG: what is wrong`` on stderr and exits 2 with nothing on
stdout; a closed pipe ends quietly; Ctrl-C exits 130; anything else is a
bug, reported in one line (exit 1) unless --debug / NNCALC_DEBUG=1 asks for
the traceback.
"""
import importlib
import os
import sys

import click

from nncalc.cli.options import UserError

# command name -> module in nncalc.cli holding a click command of that name
COMMANDS = {
    "activate": "activate",
    "backprop": "backprop",
    "conv": "conv",
    "loss": "loss",
    "outsize": "outsize",
    "pool": "pool",
}


# `nncalc --help` lists these without importing any command module
SUMMARIES = {
    "activate": "Apply an activation function; trace x, h(x) and h'(x).",
    "backprop": "Forward pass, loss, backward pass and update of a small network.",
    "conv": "2-D convolution (cross-correlation), traced window by window.",
    "loss": "A loss term by term, with its gradient.",
    "outsize": "Feature-map size formula for one layer or a chain of layers.",
    "pool": "Max or average pooling, traced, with its backward pass.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def format_commands(self, ctx, formatter):
        rows = [(name, SUMMARIES.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx, name):
        module = COMMANDS.get(name)
        if module is None:
            return None
        return getattr(importlib.import_module(f"nncalc.cli.{module}"), "command")

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-"):
            from nncalc.core.errors import suggest
            raise click.UsageError(f"unknown command '{name}'{suggest(name, COMMANDS)}; "
                                   f"choose from {', '.join(sorted(COMMANDS))}")
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        args = sys.argv[1:] if args is None else list(args)
        if not args and not any(name.startswith("_NNCALC_COMPLETE") for name in os.environ):
            # no command: the whole help on stderr, exit 2 (the error path would fold it into one line)
            ctx = self.make_context(prog_name or "nncalc", [], resilient_parsing=True)
            _exit(2, ctx.get_help())
        try:
            rv = super().main(args, prog_name or "nncalc", complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            _exit(130, "")
        except KeyboardInterrupt:
            _exit(130, "")
        except click.UsageError as exc:
            _exit(2, f"Error: {_one_line(exc.format_message())}")
        except click.ClickException as exc:
            _exit(exc.exit_code, f"Error: {_one_line(exc.format_message())}")
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(1)
        except Exception as exc:                       # a bug, not the user's input
            from nncalc.core.errors import InputError
            if isinstance(exc, InputError):
                _exit(2, f"Error: {_one_line(str(exc))}")
            if _unwritable(exc):                       # a full disk, say: not a bug to report
                _silence_stdout()
                _exit(1, f"Error: cannot write the output: {exc.strerror}")
            if os.environ.get("NNCALC_DEBUG") == "1" or "--debug" in args:
                raise
            _exit(1, f"Error: internal error: {type(exc).__name__}: {_one_line(str(exc))} "
                     "(run again with --debug for the traceback, and please report it)")
        sys.exit(rv if isinstance(rv, int) else 0)


def _unwritable(exc):
    import errno
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EBADF)


def _one_line(message):
    return " ".join(str(message).split())


def _exit(code, message):
    if message:
        click.echo(message, err=True)
    sys.exit(code)


def _silence_stdout():
    """After EPIPE, point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nncalc", prog_name="nncalc")
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True,
              help="Show the Python traceback of an error (for bug reports).")
def cli():
    """nncalc: calculate and trace the basic math of neural networks, step by step.

    Every matrix argument takes the same forms: inline text ('1 2; 3 4',
    channels split by '|'), JSON ('[[1,2],[3,4]]'), @FILE (.csv .tsv .txt
    .json .npy) or '-' for standard input. Every command prints step tables
    then the result; -q prints only the result, ready to pipe into another
    nncalc command.

    \b
      nncalc activate sigmoid -2 -1 0 1 2
      nncalc activate relu -q "1 -2; -3 4" | nncalc activate softmax -
    """


def main():
    cli.main()


__all__ = ["cli", "main", "UserError"]
