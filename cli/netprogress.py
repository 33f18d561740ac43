"""`backprop`'s progress bar: training, then --check, on stderr when it is a terminal."""
import sys

import click

from nncalc.cli.i18n import _

PROGRESS_DELAY = 0.5    # seconds: a run still going after this shows a progress bar (terminal stderr only)
PROGRESS_EVERY = 0.1    # seconds between redraws of the bar, however long one step takes


def stderr_is_tty():
    return sys.stderr.isatty()


class Progress:
    """A click progress bar on stderr, for runs still going after PROGRESS_DELAY seconds.

    Only when stderr is a terminal: a pipe or a log file never receives one.
    """

    def __init__(self, steps, label=None):
        import time
        self.wanted = steps > 1 and stderr_is_tty()
        self.steps, self.label, self.done, self.bar = steps, label or _("training"), 0, None
        self.start = self.drawn = time.monotonic()
        self.shown = 0

    def __call__(self, n):
        import time
        self.done += n
        now = time.monotonic()
        if self.bar is None:
            if now - self.start < PROGRESS_DELAY:
                return
            self.bar = click.progressbar(length=self.steps, label=self.label,
                                         file=sys.stderr, show_pos=True)
            self.bar.__enter__()
        elif now - self.drawn < PROGRESS_EVERY:     # core calls after every step: redraw on time
            return
        self.bar.update(self.done - self.shown)
        self.shown, self.drawn = self.done, now

    def close(self):
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
