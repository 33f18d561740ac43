"""One engine for any chain of layers: forward, loss, backward, update, traced when asked.

The layers are core/layers.py's and core/convlayers.py's; a fully-connected
network is the chain of its dense layers. Conventions (the `backprop` command
states them too):

* Dense weights are out×in: net_j = Σ_i w_ji·x_i + b_j. A bias is one number
  shared by the layer's neurons (its gradient is then the sum of their δ) or
  one per neuron. Conv kernels are F×C×kh×kw, one bias per filter.
* X is one sample or a batch along axis 0; dense records keep 2-D arrays
  (samples × values) and `TrainResult.single` says one sample was given.
* Backward, output layer first: each layer turns G = ∂E/∂out into
  δ = ∂E/∂net, its parameter gradients (summed over the samples; the 1/N of a
  batch is already in ∂E/∂out, as the loss's reduction says) and ∂E/∂in, which
  is the G of the layer below. Losses, values and gradients, are
  core/losses.py's.
* Cross-entropy: the output layer is softmax and δ_out = (p − t)/N directly
  (p·Σt − t for targets whose rows do not sum to 1); E comes exactly from the
  output layer's scores with a stable log-softmax, so no eps.
* Order. ``simultaneous`` (default): every gradient is computed with the
  parameters as they were before the step, then all layers move.
  ``sequential``: each layer is updated as soon as its gradient is known,
  output layer first, and ∂E/∂in for the layer below uses the updated
  parameters, as some hand-worked examples do. It is not gradient descent on E.
* freeze_bias: biases keep their values (their gradients are still shown).
"""
import numpy as np

from nncalc.core import losses, netspec, optimizers
from nncalc.core.netdata import check_settings, prepare
from nncalc.core.netrecords import LossSample, StepTrace, TrainResult, UpdateRecord
from nncalc.core.netio import Layer


class Network:
    """The layers built from specs, a loss, an optimizer and an order: the per-step loop."""

    def __init__(self, specs, loss, in_shape, opt=None, order="simultaneous", freeze_bias=False, trace_steps=0):
        self.specs = specs
        self.layers = netspec.build(specs, in_shape, trace_steps)
        self.loss = loss
        self.ce = loss == "cross-entropy"
        self.opt = opt
        self.sequential = order == "sequential"
        self.freeze_bias = freeze_bias

    def forward(self, x, trace=False):
        for layer in self.layers:
            x = layer.forward(x, trace)
        return x

    def output(self, x):
        """The network's output as N×K (a conv or pool output is flattened per sample)."""
        o = self.forward(x)
        return o if o.ndim == 2 else o.reshape(o.shape[0], -1)

    def value(self, x, t):
        """E for the current parameters (the value the step would report)."""
        o = self.output(x)
        return losses.value_and_grad(self.loss, o, t, self.layers[-1].net if self.ce else None)[0]

    def step(self, x, t, trace=False, update=True, step_no=0):
        """One forward + backward (+ update): (E before the step, outputs, StepTrace or None)."""
        if update and not trace:
            return self._step_untraced(x, t)
        layers = self.layers
        o = self.forward(x, trace)
        shape = o.shape
        o = o if o.ndim == 2 else o.reshape(o.shape[0], -1)
        z = layers[-1].net if self.ce else None
        value, g = losses.value_and_grad(self.loss, o, t, z)
        g = g.reshape(shape)
        back, ups, below = [], [], None
        last = len(layers) - 1
        for l in range(last, -1, -1):
            layer = layers[l]
            delta, grads, rec = layer.deltas(g, trace, l == last and self.ce)
            need = l > 0 or trace
            if need and not self.sequential:
                used, dx = layer.params.get("weights"), layer.grad_input(delta)
            if update and grads:
                self._update(layer, l, grads, trace, ups)
            if need and self.sequential:
                used, dx = layer.params.get("weights"), layer.grad_input(delta)
            if trace:
                self._note(rec, l == last, o, t, below)
                if getattr(rec, "grad_input", 0) is None:       # dense, conv: the ∂E/∂in it passes down
                    rec.grad_input = dx
                if hasattr(rec, "input_weights"):
                    rec.input_weights = used
                back.append(rec)
                below = (delta, used) if layer.type == "dense" else None
            if need:
                g = dx
        if not trace:
            return value, o, None
        fwd = [layer.record for layer in layers]
        lrec = losses.evaluate("cross-entropy", z, t, from_logits=True) if self.ce else \
            losses.evaluate(self.loss, o, t)
        return value, o, StepTrace(step_no, fwd, lrec, back, ups if update else None, grad_input=g)

    def _step_untraced(self, x, t):
        """step() with the update and without records: the same operations in the same order,
        nothing else (the per-step path of a long run)."""
        layers, last = self.layers, len(self.layers) - 1
        for layer in layers:
            x = layer.forward(x)
        o = x if x.ndim == 2 else x.reshape(x.shape[0], -1)
        value, g = losses.value_and_grad(self.loss, o, t, layers[-1].net if self.ce else None)
        g = g.reshape(x.shape)
        opt, sequential, freeze = self.opt, self.sequential, self.freeze_bias
        for l in range(last, -1, -1):
            layer = layers[l]
            delta, grads, _ = layer.deltas(g, False, l == last and self.ce)
            if l and not sequential:
                g = layer.grad_input(delta)
            if grads:
                p, main = layer.params, layer.main
                p[main] = opt.update((l, main), p[main], grads[main])[0]
                if not freeze:
                    p["bias"] = opt.update((l, "bias"), p["bias"], grads["bias"])[0]
            if l and sequential:
                g = layer.grad_input(delta)
        return value, o, None

    def _note(self, rec, is_last, o, t, below):
        """Record details the layer cannot know: ∂E/∂p at a cross-entropy output, the Σ δ·w above."""
        if is_last and self.ce and hasattr(rec, "dE_dout"):
            rec.dE_dout = losses.evaluate("cross-entropy", o, t, eps=0.0).grad.reshape(rec.dE_dout.shape)
            rec.probabilities, rec.target = o.reshape(rec.delta.shape), t.reshape(rec.delta.shape)
        if below is not None and hasattr(rec, "downstream_delta"):
            rec.downstream_delta, rec.downstream_weights = below

    def _update(self, layer, l, grads, trace, ups):
        p, opt = layer.params, self.opt
        main = layer.main
        old_m, old_b = p[main], p["bias"]
        p[main], cm = opt.update((l, main), old_m, grads[main])
        if self.freeze_bias:
            cb = np.zeros_like(old_b)
        else:
            p["bias"], cb = opt.update((l, "bias"), old_b, grads["bias"])
        if trace:
            ups.append(UpdateRecord(l + 1, opt.change_formula, old_m, grads[main], cm, p[main],
                                    old_b, grads["bias"], cb, p["bias"], self.freeze_bias, main))

    def trained_specs(self):
        """The specs with the current parameters (dense: netio.Layer, as given)."""
        out = []
        for spec, layer in zip(self.specs, self.layers):
            if layer.type == "dense":
                spec = Layer(layer.params["weights"], layer.params["bias"], spec.activation, dict(spec.params))
            elif layer.type == "conv":
                spec = netspec.ConvSpec(layer.kernels_as_given(layer.params["kernels"]),
                                        layer.params["bias"].reshape(np.shape(spec.bias)), spec.stride,
                                        spec.padding, spec.dilation, spec.activation, dict(spec.params))
            out.append(spec)
        return out


# ------------------------------------------------------------------ public API

def forward(layers, X):
    """The forward record of each layer (input layer first)."""
    d = prepare(layers, X)
    net = Network(layers, "half-sse", d.in_shape)
    with np.errstate(all="ignore"):
        net.forward(d.x, trace=True)
    return [layer.record for layer in net.layers]


def trace_step(layers, X, T, loss, max_steps=0):
    """Forward, loss and backward for the current parameters, without an update (StepTrace, step 0)."""
    name, _, _ = check_settings(layers, loss)
    d = prepare(layers, X, T, name)
    net = Network(layers, name, d.in_shape, trace_steps=max_steps)
    with np.errstate(all="ignore"):
        return net.step(d.x, d.t, trace=True, update=False)[2]


def backward(layers, X, T, loss):
    """The backward record of each layer, output layer first (see the module docstring)."""
    return trace_step(layers, X, T, loss).backward


def _wanted(record, steps):
    if record == "first-last":
        return {1, steps}
    if record == "none" or record is None:
        return set()
    if record == "all":
        return set(range(1, steps + 1))
    return {int(k) for k in record}


def train(layers, X, T, loss, lr=0.1, steps=1, optimizer="sgd", order="simultaneous", freeze_bias=False,
          record="first-last", momentum=0.9, betas=(0.9, 0.999), adam_eps=1e-8, progress=None, max_steps=0):
    """Run STEPS updates; trace the steps named by RECORD.

    RECORD: "first-last" (default), "none", "all" or an iterable of 1-based step numbers.
    steps=0 computes the gradients without updating (first_step = last_step, step 0, updates None);
    with T None it is the forward pass alone (no loss). MAX_STEPS: window rows kept in conv and
    pool records. PROGRESS, if given, is called with 1 after every step (the CLI redraws its
    bar on time, whatever a step costs; core never prints). On long runs the loss and accuracy
    histories are a bounded sample, with their step numbers (netrecords.LossSample).
    """
    canon = optimizers.canonical(optimizer)
    kw = {"momentum": momentum} if canon == "momentum" else \
        {"betas": betas, "eps": adam_eps} if canon == "adam" else {}
    name, order, steps = check_settings(layers, loss, lr, steps, order, forward_only=T is None)
    opt = optimizers.make(optimizer, lr, **kw)
    d = prepare(layers, X, T, name)
    d.x.flags.writeable = False     # prepare's own copy, the same every step: layers may keep work done on it
    net = Network(layers, name, d.in_shape, opt, order, bool(freeze_bias), max_steps)
    if T is None:
        return _forward_only(net, d, name, opt, order, lr)
    wanted = _wanted(record, steps)
    ce = name in ("cross-entropy", "bce")
    hist = LossSample(pinned={k for k in wanted if k <= steps})     # bounded, not steps + 1 floats
    traces = {}
    step, x, t = net.step, d.x, d.t
    with np.errstate(all="ignore"):
        if steps == 0:
            initial, outputs, traces[0] = step(x, t, True, False)
            hist.add(0, initial, accuracy(name, outputs, t) if ce else None)
        for k in range(1, steps + 1):
            value, out, tr = step(x, t, k in wanted, True, k)
            if tr is not None:
                traces[k] = tr
            hist.add(k - 1, value, accuracy(name, out, t) if ce else None)
            if k == 1:
                outputs, initial = out, value
            if progress is not None:
                progress(1)
        final = net.output(x)
        if steps:
            value = losses.value_and_grad(name, final, t, net.layers[-1].net if net.ce else None)[0]
            hist.last(steps, value, accuracy(name, final, t) if ce else None)
    first, last = traces.get(1 if steps else 0), traces.get(steps)
    specs = net.trained_specs()
    params = [layer.params for layer in net.layers if layer.params]
    diverged = not (hist.finite and all(np.all(np.isfinite(a)) for p in params for a in p.values()))
    values, at, acc = hist.arrays()
    return TrainResult(name, opt.name, order, float(lr), steps, d.single, d.shape_out(outputs), float(initial),
                       first, last, values, specs, [p[_main(p)] for p in params], [p["bias"] for p in params],
                       float(values[-1]), d.shape_out(final), traces, diverged,
                       accuracy_history=acc, input_shape=d.in_shape,
                       grad_input=None if first is None else d.shape_in(first.grad_input), targets=d.shape_out(t),
                       loss_steps=at if len(at) < steps + 1 else None)


def _main(p):
    return "kernels" if "kernels" in p else "weights"


def _forward_only(net, d, name, opt, order, lr):
    with np.errstate(all="ignore"):
        net.forward(d.x, trace=True)
        o = net.output(d.x)
    fwd = [layer.record for layer in net.layers]
    tr = StepTrace(0, fwd, None, [], None)
    params = [layer.params for layer in net.layers if layer.params]
    nan = np.array([np.nan])
    return TrainResult(name, opt.name, order, float(lr), 0, d.single, d.shape_out(o), None, tr, tr, nan,
                       net.trained_specs(), [p[_main(p)] for p in params], [p["bias"] for p in params], None,
                       d.shape_out(o), {0: tr}, False, input_shape=d.in_shape, forward_only=True)


def accuracy(loss, o, t):
    """The fraction of samples classified right: argmax for cross-entropy; for bce every
    output on the target's side of 0.5 (o > 0.5 against t > 0.5)."""
    if loss == "cross-entropy":
        return float(np.mean(o.argmax(axis=1) == t.argmax(axis=1)))
    return float(np.mean(np.all((o > 0.5) == (t > 0.5), axis=1)))


def numeric_gradient(layers, X, T, loss, h=1e-6, progress=None):
    """Central-difference check of every parameter: see core/gradcheck.py."""
    from nncalc.core.gradcheck import numeric_gradient as check
    return check(layers, X, T, loss, h, progress)
