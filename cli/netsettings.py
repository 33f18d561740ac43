"""`backprop`'s settings checked, and its layers built, from the options and a --net file.

Options given on the command line override the file's settings. Every check
here runs before any training, in the order the command has always made them,
so that the first mistake is the one reported.
"""
from nncalc.cli.options import UserError, note
from nncalc.cli.i18n import _, tr


def training(loss_name, optimizer, lr, steps, settings):
    """(loss, optimizer, lr, steps): each from its option, else the file, else the default; checked."""
    from nncalc.cli import inputs, netinput
    from nncalc.core import losses, optimizers
    from nncalc.core.errors import suggest
    loss = loss_name if loss_name is not None else settings.get("loss", "half-sse")
    with inputs.naming("--loss" if loss_name is not None else "--net"):      # where the value came from
        loss = losses.get(loss).name
    opt_name = optimizer if optimizer is not None else settings.get("optimizer", "sgd")
    if optimizers.canonical(opt_name) is None:
        raise UserError(_("unknown optimizer '{opt_name}'{opt_name2}; choose from {NAMES}").format(opt_name=opt_name, opt_name2=tr(suggest(opt_name, optimizers.NAMES)), NAMES=', '.join(optimizers.NAMES)), "--optimizer")
    opt_name = optimizers.canonical(opt_name)
    source = "--lr" if lr is not None else "--net"
    lr = lr if lr is not None else settings.get("lr", 0.1)
    if not (0 < lr < float("inf")):
        raise UserError(_("the learning rate must be a number > 0, got {lr}").format(lr=render_num(lr)),
                        source)
    source = "--steps" if steps is not None else "--net"
    steps = steps if steps is not None else settings.get("steps", 1)
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 0:
        raise UserError(_("must be a whole number ≥ 0, got {steps}").format(steps=steps), source)
    if steps > netinput.MAX_STEPS:
        raise UserError(_("{steps:,} steps is over the limit of {MAX_STEPS:,}").format(steps=steps,
                                                                                       MAX_STEPS=netinput.MAX_STEPS), source)
    return loss, opt_name, lr, steps


def render_num(v):
    return f"{v:g}" if isinstance(v, float) else str(v)


def check_optimizer_options(opt, momentum, beta1, beta2, eps):
    if momentum is not None:
        if opt != "momentum":
            raise UserError(_("applies to --optimizer momentum, not {opt}").format(opt=opt), "--momentum")
        if not 0 <= momentum < 1:
            raise UserError(_("must be in [0, 1), got {momentum:g}").format(momentum=momentum), "--momentum")
    for name, v in (("--beta1", beta1), ("--beta2", beta2), ("--eps", eps)):
        if v is not None and opt != "adam":
            raise UserError(_("applies to --optimizer adam, not {opt}").format(opt=opt), name)
    for name, v in (("--beta1", beta1), ("--beta2", beta2)):
        if v is not None and not 0 <= v < 1:
            raise UserError(_("must be in [0, 1), got {v:g}").format(v=v), name)
    if eps is not None and not eps > 0:
        raise UserError(_("must be > 0, got {eps:g}").format(eps=eps), "--eps")


def optimizer_kwargs(opt_name, momentum, beta1, beta2, eps):
    """network.train's keyword arguments for the optimizer's own settings."""
    kw = {}
    if momentum is not None:
        kw["momentum"] = momentum
    if opt_name == "adam":
        kw["betas"] = (0.9 if beta1 is None else beta1, 0.999 if beta2 is None else beta2)
        if eps is not None:
            kw["adam_eps"] = eps
    return kw


def check_random_weights(seed, sizes, weights, base, in_out, bias):
    """--seed and --layers against the options that give weights of their own."""
    if seed is not None and seed < 0:
        raise UserError(_("must be a whole number ≥ 0, got {seed}").format(seed=seed), "--seed")
    if seed is not None and sizes is None:
        raise UserError(_("seeds the random weights of --layers; give --layers too"), "--seed")
    if sizes is not None and (weights or base is not None):
        raise UserError(_("gives random weights; it cannot be combined with --weights or --net"), "--layers")
    if sizes is not None and in_out:
        raise UserError(_("reads given weights in×out; --layers draws its own"), "--in-out")
    if sizes is not None and bias:
        raise UserError(_("--layers starts every bias at 0; --bias needs --weights"), "--bias")


def note_channels_last(x, sizes, base):
    """Say so when a conv/pool network's --input looks like H×W×C (the notes write images
    28×28×1): nncalc reads C×H×W, PyTorch's layout, and must not train on it without a word."""
    from nncalc.cli import netinput
    from nncalc.core import chain, netspec
    from nncalc.core.errors import InputError, shape_text
    try:
        first = chain.parse_chain(sizes)[0].kind if sizes is not None and netinput.is_chain(sizes) else \
            netspec.kind(base[0]) if base else "dense"
    except (InputError, IndexError, TypeError):
        return                          # a malformed network is reported where it is built
    if first not in ("conv", "pool") or x.ndim not in (3, 4):
        return
    c, h, w = x.shape[-3:]
    if w in (1, 3) and w < min(c, h):
        axes = "(2, 0, 1)" if x.ndim == 3 else "(0, 3, 1, 2)"
        text = _("--input {shape} was read as N×C×H×W ({c} channels of {h}×{w}); if its channels come last "
                 "(H×W×C), give it channels first (NumPy: x.transpose{axes})") if x.ndim == 4 else \
            _("--input {shape} was read as C×H×W ({c} channels of {h}×{w}); if its channels come last "
              "(H×W×C), give it channels first (NumPy: x.transpose{axes})")
        note(text.format(shape=tr(shape_text(x.shape)), c=c, h=h, w=w, axes=axes))


def build_layers(sizes, seed, activation, weights, bias, base, loss, x, in_out, out):
    """(layers, Source, seed): random weights for --layers (a seed drawn when none is given, and
    returned so that the trace can print it), the --net file's layers, or --weights/--bias."""
    from nncalc.cli import netinput
    from nncalc.core import netio, netspec
    if sizes is not None and seed is None:      # drawn here, and printed, so any run can be repeated
        import secrets
        seed = secrets.randbelow(2 ** 32)
    if sizes is not None and netinput.is_chain(sizes):
        if activation is not None:
            raise UserError(_("the chain names its activations (conv:6,5 relu …); leave --activation out"),
                            "--activation")
        from nncalc.core import netinit
        source = netinput.Source("--layers")
        with netinput.flags(source):
            built = netinit.init_chain(sizes, netinput.chain_in_shape(sizes, x), seed)
    elif sizes is not None:
        parsed = netinput.parse_sizes(sizes)
        _limit(sum(a * b for a, b in zip(parsed, parsed[1:])), out)
        source = netinput.Source("--layers", activation="--activation" if activation else None)
        with netinput.flags(source):
            built = netio.init_layers(parsed, seed, activation or netinput.default_activation(loss, len(parsed) - 1),
                                      loss)
    elif base is not None and not all(netspec.kind(s) == "dense" for s in base):
        for flag, given in (("--weights", weights), ("--bias", bias), ("--activation", activation)):
            if given:
                raise UserError(_("applies to fully-connected networks; this --net file has {join} layers").format(join=', '.join(sorted({netspec.kind(s) for s in base} - {'dense'}))), flag)
        source, built = netinput.Source("--net"), base
    else:
        source = netinput.Source("--weights" if weights else "--net", "--bias" if bias else None,
                                 "--activation" if activation is not None or not base else None)
        built = netinput.dense_layers(weights, bias, activation, base, loss, out.max_elements, source,
                                      in_out)
    return built, source, seed


def _limit(count, out):
    if count > out.max_elements:
        raise UserError(_("{count:,} weights are over the limit of {max_elements:,} (raise it with "
                          "--max-elements)").format(count=count, max_elements=out.max_elements), "--layers")
