"""`--draw FILE`: the options, their checks, and writing a picture to disk.

The picture's format follows FILE's extension. Everything the user can get
wrong is checked before anything is computed (extension, --draw-step, the
folder, the drawing library), except what needs the result's size (the step's
range, the frame and cell limits), which is checked before anything is drawn,
written or printed.

matplotlib draws (Agg for PNG and GIF frames, its SVG backend for SVG; never
pyplot, so no window can open). It is an optional extra, imported only when a
picture is asked for: this module imports neither numpy nor matplotlib, so
--help and -q start no faster or slower for it.
"""
import functools
import os

import click

from nncalc.cli.options import UserError, whole_number
from nncalc.cli.i18n import _

STILL = (".svg", ".png")
ANIMATED = STILL + (".gif",)
MAX_FRAMES = 100        # one frame per output position; more takes long to draw and to watch
MAX_CELLS = 32          # rows or columns of one grid: past this the numbers are unreadable
STEP_CAP = 50_000       # a still picture is drawn from the first STEP_CAP step records at most
INSTALL_HINT = "pip install 'nncalc[draw]'"


def options(animated):
    """Stack --draw (and, for windowed commands, --draw-step) and hand the command ``picture``."""
    allowed = ANIMATED if animated else STILL
    kinds = _("{some} or {last}").format(some=_(", ").join(allowed[:-1]), last=allowed[-1])
    if animated:
        draw_help = _("Also draw a picture to FILE, {kinds} by its extension; a .gif shows every output "
                      "position, one frame each (at most {frames}). Needs matplotlib: {hint}.")
    else:
        draw_help = _("Also draw a picture to FILE, {kinds} by its extension. Needs matplotlib: {hint}.")
    draw_help = draw_help.format(kinds=kinds, frames=MAX_FRAMES, hint=INSTALL_HINT)
    decorators = [click.option("--draw", "draw_path", metavar="FILE", help=draw_help)]
    if animated:
        decorators.append(click.option(
            "--draw-step", type=whole_number(min=0), metavar="N",
            help=_("Which output position a still --draw picture shows: the trace's step N, "
                 "counted in the trace's order from 0 [default: 0].")))

    def decorate(func):
        @functools.wraps(func)
        def wrapper(*args, draw_path, draw_step=None, **kwargs):
            picture = Picture(draw_path, draw_step, allowed, _command_name())
            return func(*args, picture=picture, **kwargs)
        for decorator in reversed(decorators):
            wrapper = decorator(wrapper)
        return wrapper
    return decorate


def _command_name():
    ctx = click.get_current_context(silent=True)
    return ctx.info_name if ctx is not None else _("this command")


class Picture:
    """What --draw asked for. Without --draw every method passes the result through,
    so a command calls them unconditionally."""

    def __init__(self, path, step, allowed, command):
        self.path, self.step, self.command = path, step, command
        if path is None:
            if step is not None:
                raise UserError(_("picks the position of a --draw picture; add --draw FILE.svg"),
                                "--draw-step")
            self.ext = None
            return
        self.ext = os.path.splitext(path)[1].lower()
        if self.ext not in allowed:
            shown = f"'{self.ext}'" if self.ext else _("no extension")
            raise UserError(_("'{path}' has {shown}; {command} draws {join} or {allowed}").format(path=path,
                                                                                                  shown=shown, command=command, join=', '.join(allowed[:-1]), allowed=allowed[-1]), "--draw")
        if self.ext == ".gif" and step is not None:
            raise UserError(_("a .gif shows every position; --draw-step picks the one of a .svg or .png"),
                            "--draw-step")
        _require_library()
        _check_writable(path)

    @property
    def wanted(self):
        return self.path is not None

    @property
    def animated(self):
        return self.ext == ".gif"

    def steps(self, shown):
        """How many step records core should build: the trace's, or as many as the picture needs."""
        if not self.wanted:
            return shown
        needed = MAX_FRAMES if self.animated else min((self.step or 0) + 1, STEP_CAP)
        return max(shown, needed)

    def conv(self, res, out, activation=None):
        """Draw a ConvResult if asked; return it with only the steps the trace shows."""
        if self.wanted:
            from nncalc.cli import draw_windows
            self._write(draw_windows.conv(res, self._positions(res), out.decimals, activation,
                                          self.ext))
        if len(res.steps) > out.steps:
            import dataclasses
            res = dataclasses.replace(res, steps=res.steps[:out.steps])
        return res

    def pool(self, res, out):
        """Draw a PoolResult if asked; keep only the steps the trace shows."""
        if self.wanted:
            from nncalc.cli import draw_windows
            self._write(draw_windows.pool(res, self._positions(res), out.decimals, self.ext))
        res.steps = res.steps[:out.steps]
        return res

    def activation(self, trace, curves, out):
        """Draw h and h' (``curves``: xs, h, h', title) with the given points marked."""
        if self.wanted:
            from nncalc.cli import draw_curves
            self._write(draw_curves.activation(trace, curves, out.decimals, self.ext))

    def loss(self, res, out):
        """Draw a TrainResult's loss per step (and its accuracy when the record has one)."""
        if self.wanted:
            from nncalc.cli import draw_curves
            self._write(draw_curves.training(res, out.decimals, self.ext))

    def _positions(self, res):
        """Indices of the step records to draw: every one for a .gif, else --draw-step's."""
        total = res.total_steps
        if self.animated:
            if total > MAX_FRAMES:
                raise UserError(_("a .gif has one frame per output position: this {command} has {total:,}, "
                                  "over the limit of {MAX_FRAMES}; draw one position to .svg or .png with "
                                  "--draw-step N, or use a smaller input or a larger --stride").format(command=self.command, total=total, MAX_FRAMES=MAX_FRAMES), "--draw")
            return list(range(total))
        step = self.step or 0
        if step >= total:
            raise UserError(_("{step} is past the last position: this {command} has {total:,} (steps 0 to "
                              "{v:,})").format(step=step, command=self.command, total=total,
                                               v=total - 1), "--draw-step")
        if step >= len(res.steps):
            raise UserError(_("pictures reach the first {STEP_CAP:,} positions, not {step:,}").format(STEP_CAP=STEP_CAP, step=step),
                            "--draw-step")
        return [step]

    def _write(self, data):
        """Write the whole picture; a short or failed write or close (a full disk) is an error."""
        try:
            with open(self.path, "wb") as f:
                f.write(data)
                f.flush()
        except OSError as exc:
            from nncalc.cli.oserrors import reason
            raise click.ClickException(_("cannot write '{path}' (--draw): {reason}").format(
                path=self.path, reason=reason(exc))) from None


# The refusals the drawing modules need once a result is known live here, so that every message
# of a draw_*.py module is a word drawn in a picture (the Chinese font subset holds exactly those).

def check_grids(padded_hw, out_hw):
    """A conv or pool picture draws the padded input and the output as grids of at most MAX_CELLS."""
    for hw, what in ((padded_hw, _("the padded input")), (out_hw, _("the output"))):
        if max(hw) > MAX_CELLS:
            raise UserError(_("{what} is {hw}×{hw2}; a picture shows at most {MAX_CELLS} rows and {MAX_CELLS} "
                              "columns of numbers").format(what=what, hw=hw[0], hw2=hw[1],
                                                           MAX_CELLS=MAX_CELLS), "--draw")


def check_loss(forward_only, any_finite):
    """A loss picture needs a loss: a target, and one finite value at least."""
    if forward_only or not any_finite:
        raise UserError(_("this run has no loss to draw (a forward pass without a target, or every loss "
                          "was inf or nan)"), "--draw")


def import_matplotlib():
    try:
        import matplotlib
    except ImportError as exc:      # installed but broken (a missing compiled part, say)
        # the module that failed, for the Chinese line; Python's reason is English, so only English shows it
        raise click.ClickException(_("--draw needs matplotlib, which did not load ({module}: {exc})").format(
            module=exc.name or "matplotlib", exc=exc)) from None
    return matplotlib


def _require_library():
    """A plain install lacks the drawing extra: say what to install (exit 1: the command
    line is right, the installation is not)."""
    import importlib.util
    if importlib.util.find_spec("matplotlib") is None:
        raise click.ClickException(_("--draw needs matplotlib, which is not installed: {INSTALL_HINT}").format(INSTALL_HINT=INSTALL_HINT))


def _check_writable(path):
    """Refuse now, before computing, a path that cannot be written (exit 1, as a failed write)."""
    folder = os.path.dirname(os.path.abspath(path))
    reason = None
    if os.path.isdir(path):
        reason = _("it is a folder")
    elif not os.path.isdir(folder):
        reason = _("there is no folder '{folder}'").format(folder=os.path.dirname(path) or folder)
    elif not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        reason = _("permission denied")
    if reason:
        raise click.ClickException(_("cannot write '{path}' (--draw): {reason}").format(path=path,
                                                                                        reason=reason))
