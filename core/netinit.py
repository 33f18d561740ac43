"""Random starting networks from `outsize`'s chain tokens, reproducible from a seed.

``init_chain("conv:6,5 relu pool:2 flatten fc:10 softmax", (1, 28, 28), seed)``:

* tokens are core/chain.py's: ``conv:OUT,K[,S,P,D]``, ``pool:K[,S,P]`` (max;
  ``avgpool:`` for average), ``flatten``, ``fc:OUT`` and activation names;
* an activation name right after a conv or fc token is that layer's
  activation; anywhere else it is a layer of its own; conv and fc layers
  without one are the identity;
* weights and kernels are Xavier-uniform U(−a, a), a = √(6/(fan_in + fan_out)),
  with fan_in = C·kh·kw and fan_out = F·kh·kw for a conv layer (in and out
  for a dense one), drawn layer by layer from numpy.random.default_rng(SEED),
  each array in row-major order (F, C, kh, kw / out, in); biases are 0. A
  chain of fc tokens draws the same numbers as `--layers 2,3,1`.
"""
import math

import numpy as np

from nncalc.core import activations as acts
from nncalc.core import chain as chainmod
from nncalc.core import netspec, shapes
from nncalc.core.errors import InputError
from nncalc.core.netio import Layer


def init_chain(tokens, in_shape, seed=None):
    """Specs for the chain TOKENS (a string or a list) on one sample of IN_SHAPE; see the module docstring."""
    if seed is not None and (int(seed) != seed or seed < 0):
        raise InputError("the seed must be a whole number ≥ 0, got {seed}", field="seed", seed=seed)
    try:
        parsed = chainmod.parse_chain(tokens)
    except InputError as e:
        raise InputError(e.text, field="layers", code="token") from None
    rng = np.random.default_rng(seed)
    specs, shape, open_act = [], tuple(in_shape), False
    for tok in parsed:
        i = len(specs) + 1
        if tok.kind == "activation":
            name = acts.canonical(tok.params["name"])
            if open_act and not (netspec.kind(specs[-1]) == "conv" and name in ("softmax", "log-softmax")):
                specs[-1].activation, open_act = name, False
                continue
            spec = netspec.ActivationSpec(name)
        elif tok.kind == "flatten":
            spec = netspec.FlattenSpec()
        else:
            spec = _layer(i, tok, shape, rng)
        try:
            shape = netspec.out_shapes(specs + [spec], in_shape)[-1]
        except InputError as e:
            raise InputError("{token!r}: {message_}", field=e.field, code=e.code, token=tok.token,
                             message_=e.text) from None
        specs.append(spec)
        open_act = tok.kind in ("conv", "fc")
    return specs


def _layer(i, tok, shape, rng):
    """A conv, pool or fc spec; a number out of range (out, kernel, stride, …) names the layer and its token."""
    try:
        if tok.kind == "conv":
            return _conv(i, tok, shape, rng)
        return _pool(i, tok) if tok.kind == "pool" else _dense(i, tok, shape, rng)
    except InputError as e:
        if e.field and e.field.startswith("layers["):
            raise
        raise InputError("layer {i} {token!r}: {message_}", field=f"layers[{i}].{e.field}",
                         code=e.code, i=i, token=tok.token, message_=e.text) from None


def _xavier(rng, fan_in, fan_out, shape):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


def _conv(i, tok, shape, rng):
    if len(shape) != 3:
        raise InputError("layer {i} {token!r}: a conv layer needs C×H×W maps, but its input is {join} "
                         "values", field=f"layers[{i}]", code="needs-maps", i=i, token=tok.token, join='×'.join(map(str, shape)))
    p = tok.params
    kh, kw = shapes.pair(p["k"], "kernel", 1)
    out, c = shapes.as_int(p["out"], "out", 1), shape[0]
    kernels = _xavier(rng, c * kh * kw, out * kh * kw, (out, c, kh, kw))
    pad = p.get("p", 0)
    return netspec.ConvSpec(kernels, np.zeros(out), shapes.pair(p.get("s", 1), "stride", 1),
                            pad if isinstance(pad, str) else shapes.pair(pad, "padding", 0),
                            shapes.pair(p.get("d", 1), "dilation", 1), "identity")


def _pool(i, tok):
    p = tok.params
    if p.get("ceil"):
        raise InputError("layer {i} {token!r}: ceil mode is for `outsize`; training pools with floor",
                         field=f"layers[{i}]", code="ceil", i=i, token=tok.token)
    size = shapes.pair(p["k"], "size", 1)
    return netspec.PoolSpec(p.get("mode", "max"), size, shapes.pair(p.get("s", size), "stride", 1),
                            shapes.pair(p.get("p", 0), "padding", 0))


def _dense(i, tok, shape, rng):
    out = shapes.as_int(tok.params["out"], "out", 1)
    n_in = shape[0] if len(shape) == 1 else math.prod(shape)
    return Layer(_xavier(rng, n_in, out, (out, n_in)), np.zeros(out), "identity", {})
