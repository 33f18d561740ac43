"""The `nncalc` command: a click group that imports a command's module only when it is used.

`nncalc --help` lists every command with its short help, so it imports the six
command modules (click and the standard library only; NumPy and tabulate load
inside the command functions); `nncalc COMMAND ...` imports just that one.

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

from nncalc.cli import i18n
from nncalc.cli.i18n import N_, _

# The one table of commands: name -> module in nncalc.cli whose `command` it runs.
# Each command's help is its docstring (and short_help) in that module.
COMMANDS = {
    "activate": "activate",
    "backprop": "backprop",
    "check": "check",
    "conv": "conv",
    "loss": "loss",
    "outsize": "outsize",
    "pool": "pool",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        module = COMMANDS.get(name)
        if module is None:
            return None
        return _command_module(module).command

    def get_help_option(self, ctx):
        """click keeps the group's help option once made: its text follows each run's language."""
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = _("Show this message and exit.")
        return option

    def resolve_command(self, ctx, args):
        name = args[0] if args else ""
        if name not in COMMANDS and not name.startswith("-"):
            from nncalc.core.errors import suggest
            raise click.UsageError(_("unknown command '{name}'{hint}; choose from {names}").format(
                name=name, hint=i18n.tr(suggest(name, COMMANDS)), names=", ".join(sorted(COMMANDS))))
        return super().resolve_command(ctx, args)

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        _handle_interrupts()
        before = i18n.state()
        try:
            self._main(args, prog_name, complete_var, **extra)
        finally:
            i18n.restore(before)        # the language is the run's: leave the caller's as it was

    def _main(self, args, prog_name, complete_var, **extra):
        args = sys.argv[1:] if args is None else list(args)
        # the language, from the raw arguments (click only checks --lang's value), before any command
        # module is imported: their help texts are translated when they run
        i18n.choose(args)
        no_chinese = i18n.language() == "zh" and not _shows_chinese(sys.stdout)
        if no_chinese:
            i18n.activate("en")
        _translate_group_help(self)
        if not args or "--help" in args or "-h" in args:
            i18n.help_layout()
        if not args and not any(name.startswith("_NNCALC_COMPLETE") for name in os.environ):
            # no command: the whole help on stderr, exit 2 (the error path would fold it into one line)
            ctx = self.make_context(prog_name or "nncalc", [], resilient_parsing=True)
            _exit(2, ctx.get_help())
        if sys.stdout is None:      # `nncalc ... >&-`: help, version, completion and results all go there
            _exit(1, _error(_("standard output is closed; there is nowhere to write")))
        from nncalc.cli.output import guard_stdout
        from nncalc.cli.options import NOTES
        guard_stdout()
        NOTES.clear()
        if no_chinese:
            NOTES.append(_("standard output's encoding ({encoding}) has no Chinese characters, so this "
                           "run is in English").format(encoding=sys.stdout.encoding))
        try:
            rv = super().main(args, prog_name or "nncalc", complete_var, standalone_mode=False, **extra)
            if sys.stdout is not None:
                sys.stdout.flush()      # a late write error (full disk) is reported, not lost at exit
            for text in NOTES:
                click.echo(_("note: {note}").format(note=text), err=True)
        except click.exceptions.Abort:
            _exit(130, "")
        except KeyboardInterrupt:
            _exit(130, "")
        except click.BadParameter as exc:
            _exit(2, _error(_noted(_bad_parameter(exc))))
        except click.NoSuchOption as exc:
            _exit(2, _error(_noted(_misplaced_lang(args) if exc.option_name == "--lang"
                                   else _stopless(exc.format_message()))))
        except click.UsageError as exc:
            _exit(2, _error(_noted(_stopless(exc.format_message()))))
        except click.ClickException as exc:
            _exit(exc.exit_code, _error(_noted(_stopless(exc.format_message()))))
        except BrokenPipeError:
            _silence_stdout()
            sys.exit(1)
        except Exception as exc:                       # a bug, not the user's input
            from nncalc.core.errors import InputError
            if isinstance(exc, InputError):
                _exit(2, _error(_noted(i18n.tr(exc.text))))
            if _unwritable(exc):                       # a full disk, say: not a bug to report
                _silence_stdout()
                from nncalc.cli import oserrors
                _exit(1, _error(_("cannot write the output: {reason}").format(reason=oserrors.reason(exc))))
            if os.environ.get("NNCALC_DEBUG") == "1" or "--debug" in args:
                raise
            _exit(1, _error(_("internal error: {kind}: {detail} (run again with --debug for the "
                              "traceback, and please report it)").format(kind=type(exc).__name__,
                                                                         detail=str(exc))))
        sys.exit(rv if isinstance(rv, int) else 0)


def _handle_interrupts():
    """From here Ctrl-C raises KeyboardInterrupt (exit 130 below; a progress bar is closed on the
    way), as Python's own handler does, save inside the import machinery: there it can land in a
    module lock's weakref callback, where Python prints it as "Exception ignored" and carries on,
    so the run neither stops nor stays quiet. An interrupted import has nothing to clean up."""
    import nncalc.cli
    import signal
    if nncalc.cli.QUIET_INTERRUPT and signal.getsignal(signal.SIGINT) is signal.SIG_DFL:
        signal.signal(signal.SIGINT, _interrupted)


def _interrupted(signum, frame):
    if frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
        os._exit(130)
    raise KeyboardInterrupt


_BUILT_IN = {}      # command module -> the language its help texts were translated into


def _command_module(module):
    """The command's module, built in the current language. Its help texts are translated when
    the module runs, so a process that switches language (tests, a program embedding nncalc)
    runs it again; a command-line run chooses once, before any import, and never does.
    Running it again makes new objects: another module must look the command module's names
    up when it uses them (``from nncalc.cli import activate`` inside a function), never keep
    one taken at import, or it would hold the other language's."""
    mod = importlib.import_module(f"nncalc.cli.{module}")
    lang = i18n.language()
    if _BUILT_IN.setdefault(module, lang) != lang:
        mod = importlib.reload(mod)
        _BUILT_IN[module] = lang
    return mod


def _shows_chinese(stream):
    """Whether STREAM's encoding can write Chinese: through ascii or latin-1 every character
    would come out as '?', a trace with its words silently lost."""
    try:
        "\u4e2d\u6587".encode(getattr(stream, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def _noted(message):
    """The error line with the command's notes (how an input was read) in brackets at its end."""
    from nncalc.cli.options import NOTES
    return _("{message} ({notes})").format(message=message, notes=_("; ").join(NOTES)) if NOTES else message


def _bad_parameter(exc):
    """click's refusal of a value in nncalc's own shape, ``--stride: must be at least 1, not 0``,
    the same as the refusals nncalc writes itself (click's reads "Invalid value for '--stride': …")."""
    param = exc.param
    if param is None or exc.param_hint is not None or isinstance(exc, click.MissingParameter):
        return _stopless(exc.format_message())
    hint = " / ".join(param.opts) if isinstance(param, click.Option) else param.human_readable_name
    return _("{arg}: {message}").format(arg=hint, message=_stopless(exc.message))


def _misplaced_lang(args):
    """--lang is the group's option, read before any command module loads (its help is translated
    then): after the command name it is the command's unknown option, and the line says where it goes."""
    at = next((i for i, word in enumerate(args) if word in COMMANDS), 0)
    spot = next((i for i, word in enumerate(args) if i > at and word.partition("=")[0] == "--lang"), at)
    value = args[spot].partition("=")[2] if "=" in args[spot] else (args[spot + 1:] or [""])[0]
    command = args[at] if args and args[at] in COMMANDS else "COMMAND"
    example = "nncalc --lang {lang} {command} \N{HORIZONTAL ELLIPSIS}".format(
        lang=value if i18n.language_of(value) else "zh", command=command)
    return _("--lang: goes before the command: {example}").format(example=example)


def _stopless(message):
    """click's sentence without its full stop, like every error line nncalc writes; an ellipsis stays."""
    message = message.rstrip()
    if message.endswith(("...", "\N{HORIZONTAL ELLIPSIS}")):
        return message
    return message[:-1] if message.endswith((".", "\N{IDEOGRAPHIC FULL STOP}")) else message


def _unwritable(exc):
    import errno
    return isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG,
                                                      errno.EIO, errno.EBADF)


def _error(message):
    """The one line an error prints (click's own msgid, so its catalog entry serves both)."""
    return _("Error: {message}").format(message=_one_line(message))


def _one_line(message):
    """MESSAGE on one line, control characters escaped: an ESC echoed from a bad token
    would otherwise drive the terminal (``printf '1 X\\033cY'`` resets it)."""
    text = " ".join(str(message).split())
    text = text.replace(" \N{FULLWIDTH LEFT PARENTHESIS}", "\N{FULLWIDTH LEFT PARENTHESIS}")  # click's space before a Chinese hint
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


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


GROUP_HELP = N_("""nncalc: calculate and trace the basic math of neural networks, step by step.

    Every matrix argument takes the same forms: inline text ('1 2; 3 4',
    channels split by '|'), JSON ('[[1,2],[3,4]]'), @FILE (.csv .tsv .txt
    .json .npy) or '-' for standard input. Every command prints step tables
    then the result; -q prints only the result, ready to pipe into another
    nncalc command.

    \b
      nncalc activate sigmoid -2 -1 0 1 2
      nncalc activate relu -q "1 -2; -3 4" | nncalc activate softmax -
    """)

# The group is built when this module is imported, before the language is
# chosen, so its texts are kept as message ids and translated when it runs.
OPTION_HELP = {
    "version": N_("Show the version and exit."),
    "lang": N_("Language of every message: zh (Chinese) or en (English) [default: NNCALC_LANG, "
               "else the locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG)]."),
    "debug": N_("Show the Python traceback of an error (for bug reports)."),
}


def _translate_group_help(group):
    group.help = _(GROUP_HELP)
    for param in group.params:
        if param.name in OPTION_HELP:
            param.help = _(OPTION_HELP[param.name])


def _version(ctx, param, value):
    """click's version_option fixes its sentence when the group is built, before the language is chosen."""
    if value and not ctx.resilient_parsing:
        from importlib.metadata import version
        click.echo(_("%(prog)s, version %(version)s") % {"prog": "nncalc", "version": version("nncalc")})
        ctx.exit()


class Language(click.Choice):
    """zh or en, as help shows it; zh_CN, ZH, zh-TW, en_US and the like are taken as NNCALC_LANG takes them."""
    def __init__(self):
        super().__init__(i18n.LANGUAGES)

    def convert(self, value, param, ctx):
        return super().convert(i18n.language_of(value) or value, param, ctx)


@click.group(cls=LazyGroup, help=GROUP_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-V", "--version", is_flag=True, expose_value=False, is_eager=True, callback=_version,
              help=OPTION_HELP["version"])
@click.option("--lang", type=Language(), expose_value=False, is_eager=True,
              help=OPTION_HELP["lang"])
@click.option("--debug", is_flag=True, expose_value=False, is_eager=True, help=OPTION_HELP["debug"])
def cli():
    pass
