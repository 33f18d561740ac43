"""The names of the activations and losses, with their aliases, in the order help lists them.

A plain table, importing nothing: shell completion reads it without loading
NumPy. The registries in activations.py and losses.py take their aliases from
here and check at import that they define exactly these names.
"""

ACTIVATIONS = {
    "identity": ("linear",),
    "step": (),
    "sigmoid": (),
    "tanh": (),
    "relu": (),
    "leaky-relu": ("leakyrelu", "lrelu"),
    "elu": (),
    "softplus": (),
    "gelu": (),
    "silu": ("swish",),
    "softmax": (),
    "log-softmax": ("logsoftmax",),
}

LOSSES = {
    "half-sse": ("half-sum-squared-error", "hsse", "sse2"),
    "sse": ("sum-squared-error",),
    "mse": ("mean-squared-error", "l2"),
    "bce": ("binary-cross-entropy", "binary-crossentropy"),
    "cross-entropy": ("ce", "crossentropy", "categorical-cross-entropy", "cce", "xent", "log-loss"),
}


def matching(table, incomplete):
    """Names in TABLE starting with INCOMPLETE; its aliases only when no name does."""
    key = incomplete.lower().replace("_", "-")
    found = [name for name in table if name.startswith(key)]
    return found or [alias for aliases in table.values() for alias in aliases if alias.startswith(key)]


def check_registry(table, registered):
    """Refuse at import a registry whose names differ from the table's (a bug, not bad input)."""
    if tuple(registered) != tuple(table):
        raise RuntimeError(f"registry names {tuple(registered)} differ from nncalc.core.names {tuple(table)}")
