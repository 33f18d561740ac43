"""Shell completion of values: activation and loss names, --format values, @FILE paths.

Completion runs on every Tab press, so nothing here imports NumPy: names come
from the plain table in nncalc.core.names. click calls these as a parameter's
``shell_complete(ctx, param, incomplete)``. Every command imports this module,
so click's completion machinery is imported only when completing.
"""
import os


def _items(values, type="plain"):
    from click.shell_completion import CompletionItem
    return [CompletionItem(value, type=type) for value in values]


def _names(table, incomplete):
    """Names for the last item of a comma list (``--activation relu,sig<Tab>``)."""
    from nncalc.core.names import matching
    head, comma, last = incomplete.rpartition(",")
    return _items(head + comma + name for name in matching(table, last))


def activation(ctx, param, incomplete):
    from nncalc.core.names import ACTIVATIONS
    return _names(ACTIVATIONS, incomplete)


def loss(ctx, param, incomplete):
    from nncalc.core.names import LOSSES
    return _names(LOSSES, incomplete)


def output_format(ctx, param, incomplete):
    from tabulate import tabulate_formats
    from nncalc.cli.options import BUILTIN_FORMATS
    names = list(BUILTIN_FORMATS) + sorted(set(tabulate_formats) - set(BUILTIN_FORMATS))
    return _items(name for name in names if name.startswith(incomplete.lower()))


def matrix(ctx, param, incomplete):
    """A matrix argument: after '@', the files and folders the path starts; numbers are not guessed."""
    if not incomplete.startswith("@"):
        return []
    return _items("@" + path for path in _paths(incomplete[1:]))


def path(ctx, param, incomplete):
    """A plain file name: the shell's own file completion."""
    return _items([incomplete], type="file")


def _paths(typed):
    folder, start = os.path.split(typed)
    try:
        entries = sorted(os.listdir(os.path.expanduser(folder) or "."))
    except OSError:
        return []
    found = []
    for name in entries:
        if not name.startswith(start) or name.startswith(".") and not start.startswith("."):
            continue
        full = os.path.join(folder, name)
        found.append(full + "/" if os.path.isdir(os.path.expanduser(full)) else full)
    return found
