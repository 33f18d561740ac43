"""nncalc's command line. Run as the `nncalc` command (the console script or `python -m nncalc`),
its first act is to let Ctrl-C end the process quietly until main.py takes over (see
LazyGroup.main): Python's own handler would raise KeyboardInterrupt inside whatever import is
running and print its traceback. A program that imports nncalc keeps its own handler."""
import os
import signal
import sys


def _run_as_the_command():
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name == "nncalc.__main__":
        return True
    return os.path.basename(getattr(main, "__file__", None) or "") in ("nncalc", "nncalc-script.py")


# SIG_IGN (a background job) stays: only Python's default handler is replaced
QUIET_INTERRUPT = _run_as_the_command() and signal.getsignal(signal.SIGINT) is signal.default_int_handler
if QUIET_INTERRUPT:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
