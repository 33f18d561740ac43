"""`backprop --format json`: the run's numbers, and the trained network in the --net format.

The object loads back with `--net` ("layers", "loss", "lr", "optimizer",
"input", "target", "steps" are read from it; the other keys are ignored), so
a saved run can be continued. Optimizer state (momentum, Adam's moments) is not
saved: a continued run starts them afresh.
"""


def data(res, chk, x=None):
    from nncalc.core import netspec
    first = res.first_step
    d = {"loss": res.loss, "optimizer": res.optimizer, "order": res.order, "lr": res.lr, "steps": res.steps,
         "layers": [netspec.to_json(s) for s in res.layers]}
    if x is not None:
        d["input"] = x
    if res.targets is not None:
        d["target"] = res.targets          # as used: class indices become one-hot rows
    d["outputs"] = res.outputs
    if res.forward_only:
        d["first_step"] = {"forward": [_forward(r) for r in first.forward]}
        return d
    d.update({"initial_loss": res.initial_loss, "gradients": _gradients(res), "grad_input": res.grad_input,
              "weights": list(res.weights), "biases": list(res.biases), "final_loss": res.final_loss,
              "final_outputs": res.final_outputs, "loss_history": res.loss_history, "diverged": res.diverged})
    if res.loss_steps is not None:          # a long run keeps a sample: the steps it holds
        d["loss_history_steps"] = res.loss_steps
    if res.accuracy_history is not None:
        acc = res.accuracy_history
        d["accuracy"] = {"initial": float(acc[0]), "final": float(acc[-1])}
        d["accuracy_history"] = acc
    d["first_step"] = {"forward": [_forward(r) for r in first.forward],
                       "loss": first.loss.value, "terms": first.loss.terms,
                       "backward": [_backward(r) for r in first.backward]}
    if chk is not None:
        d["check"] = {"h": chk.h, "max_rel_error": chk.max_rel_error,
                      "layers": [{"layer": c.layer, f"numeric_{c.main}": c.numeric_w, "numeric_bias": c.numeric_b,
                                  f"rel_error_{c.main}": c.rel_error_w, "rel_error_bias": c.rel_error_b}
                                 for c in chk.layers]}
    return d


def _gradients(res):
    """Per layer (pool, flatten and activation layers: {}), keyed like its parameters."""
    by_layer = {r.layer: r for r in res.first_step.backward}
    out = []
    for i in range(1, len(res.layers) + 1):
        r = by_layer[i]
        kind = type(r).__name__
        if kind == "BackwardRecord":
            out.append({"weights": r.grad_w, "bias": r.grad_b})
        elif kind == "ConvBackward":
            shape = res.layers[i - 1].kernels.shape
            out.append({"kernels": r.grad_kernels.reshape(shape), "bias": r.grad_bias})
        else:
            out.append({})
    return out


def _forward(r):
    kind = type(r).__name__
    if kind == "ForwardRecord":
        return {"layer": r.layer, "type": "dense", "activation": r.activation, "net": r.net, "out": r.out}
    if kind == "ConvRecord":
        return {"layer": r.layer, "type": "conv", "activation": r.activation, "net": r.net, "out": r.out}
    if kind == "PoolRecord":
        return {"layer": r.layer, "type": "pool", "out": r.out}
    if kind == "FlattenRecord":
        return {"layer": r.layer, "type": "flatten", "out_shape": list(r.out_shape)}
    return {"layer": r.layer, "type": "activation", "activation": r.activation, "out": r.out}


def _backward(r):
    kind = type(r).__name__
    if kind in ("BackwardRecord", "ConvBackward", "ActivationBackward"):
        t = {"BackwardRecord": "dense", "ConvBackward": "conv", "ActivationBackward": "activation"}[kind]
        return {"layer": r.layer, "type": t, "dE_dout": r.dE_dout, "dout_dnet": r.dout_dnet, "delta": r.delta}
    if kind == "PoolBackward":
        return {"layer": r.layer, "type": "pool", "dE_dout": r.dE_dout, "grad_input": r.grad_input}
    return {"layer": r.layer, "type": "flatten", "dE_dout": r.dE_dout, "grad_input": r.delta}
