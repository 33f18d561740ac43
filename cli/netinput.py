"""`backprop`'s network and data from its options, and the one map from core's fields to its flags.

The network comes from --weights/--bias (dense layers), --net FILE.json (any
layer types, plus settings) or --layers (sizes such as 2,3,1, or outsize's
chain tokens such as "conv:6,5 relu pool:2 flatten fc:10 softmax").
"""
import contextlib
import re

from nncalc.cli.options import UserError
from nncalc.cli.i18n import _, ngettext, tr
from nncalc.core.errors import InputError

MAX_STEPS = 10 ** 9     # a billion updates: hours even for the smallest network

_LAYER_FIELD = re.compile(r"^layers\[(\d+)\](?:\.(\w+))?$")
_PLAIN = {"input": "--input", "target": "--target", "lr": "--lr", "steps": "--steps", "order": "--order",
          "optimizer": "--optimizer", "momentum": "--momentum", "betas": "--beta1", "loss": "--loss",
          "seed": "--seed", "sizes": "--layers", "init": "--layers", "h": "--check"}


class Source:
    """Where the network came from, so that a field can be named by the flag that gave it."""

    def __init__(self, network="--weights", bias=None, activation=None, only=False):
        self.network = network          # --weights, --net or --layers
        self.only = only                # every field came from this one source (reading a --net file)
        self.bias = bias or network     # --bias when given on the command line
        self.activation = activation or network
        self.from_file = frozenset()    # settings (lr, input, …) the --net file gave, no option

    def flag(self, field):
        if field is None:
            return None
        if field in self.from_file:
            return "--net"
        if self.only:
            return self.network
        if field in _PLAIN:
            return _PLAIN[field]
        if field in ("weights", "layers"):
            return self.network
        if field == "bias":
            return self.bias
        if field == "activation":
            return self.activation
        m = _LAYER_FIELD.match(field)
        if m:
            key = m.group(2)
            return {"bias": self.bias, "activation": self.activation}.get(key, self.network)
        return None


@contextlib.contextmanager
def flags(source, default=None):
    """Turn core's InputError into a UserError naming the flag its field came from."""
    from nncalc.cli.inputs import user_error
    try:
        yield
    except InputError as exc:
        flag = source.flag(exc.field)
        raise user_error(exc, {exc.field: flag} if flag else {}, default) from None


def is_chain(text):
    """--layers holds chain tokens (conv:6,5 …) rather than sizes (2,3,1)."""
    return any(ch.isalpha() for ch in text)


def parse_sizes(text):
    try:
        sizes = [int(s) for s in text.replace(" ", "").split(",")]
    except ValueError:
        raise UserError(_("'{text}' is not a comma list of layer sizes such as 2,3,1, nor a chain such as "
                          "'conv:6,5 relu pool:2 flatten fc:10 softmax'").format(text=text), "--layers") from None
    if len(sizes) < 2 or min(sizes) < 1:
        raise UserError(_("needs at least two sizes ≥ 1 (inputs, …, outputs), got '{text}'").format(text=text), "--layers")
    return sizes


def chain_in_shape(text, x):
    """One sample's shape for a chain: C×H×W maps when the chain starts with conv or pool."""
    from nncalc.core import chain
    with flags(Source("--layers")):
        first = chain.parse_chain(text)[0].kind
    if first in ("conv", "pool"):
        if x.ndim not in (2, 3, 4):
            raise UserError(ngettext("the chain starts with {first}: the input must be H×W, C×H×W or "
                                     "N×C×H×W, "
                                     "got {ndim} dimension",
                                     "the chain starts with {first}: the input must be H×W, C×H×W or "
                                     "N×C×H×W, "
                                     "got {ndim} dimensions", x.ndim).format(first=first,
                                                                             ndim=x.ndim), "--input")
        return ((1,) * (3 - min(x.ndim, 3)) + x.shape)[-3:]
    return x.shape[-1:] if x.ndim else (1,)


def read_net(path, max_elements, in_out=False):
    """(layers, settings) from a --net file (a saved `--format json` run is one too), or from
    the JSON text itself when the value starts with '{'; ``in_out``: dense weights are in×out."""
    import json
    import math
    from nncalc.cli.inputs import read_file, read_stdin
    from nncalc.core import netio
    if path.lstrip().startswith(("{", "[")):   # JSON text, not a file name (a list is refused as no network)
        raw, what = path.encode("utf-8"), _("the text")
    elif path in ("-", "@-"):                   # a saved run piped in: --format json | backprop --net -
        raw, what = read_stdin("--net", max_elements), _("standard input")
    else:
        path = path[1:] if path.startswith("@") else path
        raw, what = read_file(path, "--net", max_elements), None    # size-limited, never written
    try:
        from nncalc.core.forms import json_int
        data = json.loads(raw.decode("utf-8-sig"), parse_int=json_int)    # a 401-digit int: a clean error
    except RecursionError:
        # a file's quoted name and a word (标准输入) take different spacing in Chinese: two sentences
        deep = _("{what} nests JSON too deeply to be a network") if what else \
            _("'{path}' nests JSON too deeply to be a network")
        raise UserError(deep.format(what=what, path=path), "--net") from None
    except (ValueError, UnicodeDecodeError) as exc:
        from nncalc.core.decoding import json_reason
        # core's InputError (json_int) is a ValueError too, with its own sentence
        reason = exc.text if hasattr(exc, "text") else json_reason(exc)
        bad = _("{what} is not valid JSON: {reason}") if what else _("'{path}' is not valid JSON: {reason}")
        raise UserError(bad.format(what=what, path=path, reason=tr(reason)), "--net") from None
    with flags(Source("--net", only=True), "--net"):
        layers, settings = netio.load_net(data, in_out)
    if "steps" in settings:
        s = settings["steps"]
        if isinstance(s, bool) or not isinstance(s, (int, float)) or not math.isfinite(s) or s != int(s):
            raise UserError(_("'steps' must be a whole number, got {s!r}").format(s=s), "--net")
        if s > MAX_STEPS:
            raise UserError(_("'steps' is {s:.3g}, over the limit of {MAX_STEPS:,}").format(s=s, MAX_STEPS=MAX_STEPS), "--net")
        settings["steps"] = int(s)
    if "optimizer" in settings and not isinstance(settings["optimizer"], str):
        raise UserError(_("'optimizer' must be a name, got {settings!r}").format(settings=settings['optimizer']), "--net")
    return layers, settings


def data(value, settings, key, flag, max_elements):
    """The array of --input/--target, or the file's "input"/"target"; None when neither is given."""
    import numpy as np
    from nncalc.cli import inputs
    if value is not None:
        return inputs.read_matrix(value, flag, max_elements)
    if key in settings:
        try:
            if _holds_bool(settings[key]):  # NumPy reads true as 1.0
                raise ValueError(key)
            a = np.array(settings[key], dtype=np.float64)
        except (TypeError, ValueError):
            raise UserError(_("'{key}' must be a number or a list of numbers").format(key=key),
                            "--net") from None
        if not np.all(np.isfinite(a)):
            raise UserError(_("'{key}' must hold finite numbers").format(key=key), "--net")
        return a
    return None


def _holds_bool(value):
    """Whether a JSON value has true or false anywhere in it (a stack, not recursion: any depth)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, bool):
            return True
        if isinstance(item, list):
            stack.extend(item)
    return False


def file_settings(settings, **typed):
    """The settings a command run takes from its --net file: those it has no option value for."""
    return frozenset(key for key, value in typed.items() if value is None and key in settings)


def default_activation(loss, n_layers):
    """sigmoid; with cross-entropy the output layer is softmax, so a single layer is softmax."""
    return "softmax" if loss == "cross-entropy" and n_layers == 1 else "sigmoid"


def dense_layers(weights, bias, activation, base, loss, max_elements, source, in_out=False):
    """Dense layers from --weights/--bias/--activation, completed by an all-dense --net file
    (``in_out``: --weights are in×out; a --net file's were read so already)."""
    from nncalc.cli import inputs
    from nncalc.core import netio
    if not weights and base is None:
        raise UserError(_("give the network: --weights (once per layer), --net FILE.json or --layers"),
                        "--weights")
    ws = [inputs.read_matrix(w, "--weights", max_elements) for w in weights] if weights \
        else [l.weights for l in base]
    if bias:
        bs = [inputs.read_matrix(b, "--bias", max_elements) for b in bias]
    elif base is not None and len(base) == len(ws):
        bs = [l.bias for l in base]
    else:
        bs = None
    if activation is not None:
        acts = activation
    elif base is not None and len(base) == len(ws):
        acts = [(l.activation, dict(l.params)) for l in base]
    else:
        acts = default_activation(loss, len(ws))
    with flags(source, "--weights"):
        return netio.make_layers(ws, bs, acts, loss, in_out=in_out and bool(weights))
