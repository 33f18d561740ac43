"""A small fully-connected network, a = h(W·x + b) layer by layer, and backprop.

Conventions (the `backprop` command states them too):

* Weights of a layer are out×in: one row per neuron, one column per input, so
  net_j = Σ_i w_ji·x_i + b_j. A bias is one number shared by the layer's
  neurons (its gradient is then the sum of the neurons' δ) or one per neuron.
* X is one sample (a vector) or one sample per row; records keep 2-D arrays
  (samples × values) and `TrainResult.single` says a vector was given.
* Backward, output layer first: δ = ∂E/∂out · ∂out/∂net; for a hidden layer
  ∂E/∂out_i = Σ_j δ_j·w_ji over the next layer's neurons.  ∂E/∂w_ji = δ_j·out_i
  and ∂E/∂b_j = δ_j, summed over the samples; the 1/N of a batch is already in
  ∂E/∂out, as the loss's reduction says (see core/losses.py).
* Cross-entropy: the output layer is softmax and δ_out = (p − t)/N directly
  (p·Σt − t for targets whose rows do not sum to 1). The loss is evaluated
  exactly from the output layer's scores with a stable log-softmax, so no eps.
  softmax / log-softmax anywhere else use their full Jacobian: δ = p ⊙ (g − Σ g·p).
* Order. ``simultaneous`` (default): every gradient is computed with the weights
  as they were before the step, then all layers move. ``sequential``: each
  layer is updated as soon as its gradient is known, output layer first, and
  the next (earlier) layer's Σ δ·w uses the already-updated weights - as some
  hand-worked examples do. It is not true gradient descent on E.
* freeze_bias: biases keep their values (their gradients are still shown).
"""
import numpy as np

from nncalc.core import activations as acts
from nncalc.core import losses
from nncalc.core import optimizers
from nncalc.core.errors import InputError, suggest
from nncalc.core.netio import (Layer, _check_network_loss, init_layers, load_net,  # noqa: F401
                               make_layers, parse_activation, prepare_data, resolve_activations)
from nncalc.core.netrecords import (BackwardRecord, ForwardRecord, StepTrace, TrainResult,  # noqa: F401
                                    UpdateRecord)

ORDERS = ("simultaneous", "sequential")


# ------------------------------------------------------------------ the engine

class _Engine:
    """The lean per-step loop; every public function goes through it."""

    def __init__(self, layers, loss, opt=None, order="simultaneous", freeze_bias=False):
        self.W = [np.array(l.weights, dtype=np.float64) for l in layers]
        self.b = [np.array(l.bias, dtype=np.float64) for l in layers]
        self.layers = layers
        self.loss = loss
        self.ce = loss == "cross-entropy"
        self.opt = opt
        self.sequential = order == "sequential"
        self.freeze_bias = freeze_bias
        self.fns = []
        self.acts = [acts.get(l.activation) for l in layers]
        for l, a in zip(layers, self.acts):
            p = acts._params(a, l.params)
            self.fns.append((a.forward, a.derivative, p, a.name if not a.elementwise else None))

    def forward(self, x):
        inputs, nets, outs = [], [], []
        a = x
        for W, b, (f, _, p, _) in zip(self.W, self.b, self.fns):
            inputs.append(a)
            z = a @ W.T + b
            a = f(z, **p)
            nets.append(z)
            outs.append(a)
        return inputs, nets, outs

    def loss_value_grad(self, o, t, z):
        """(E, ∂E/∂o) mirroring losses.compute; for cross-entropy (E, δ_out) from the scores z."""
        n = o.shape[0]
        name = self.loss
        if name == "half-sse":
            d = o - t
            return (0.5 * (d * d)).sum() / n, d / n
        if name == "sse":
            d = o - t
            return (d * d).sum() / n, 2.0 * d / n
        if name == "mse":
            d = o - t
            return (d * d).sum() / o.size, 2.0 * d / o.size
        if name == "bce":
            log_o = np.maximum(np.log(o), losses.BCE_LOG_FLOOR)
            log_1mo = np.maximum(np.log1p(-o), losses.BCE_LOG_FLOOR)
            value = (-(t * log_o + (1.0 - t) * log_1mo)).sum() / o.size
            return value, (o - t) / np.maximum(o * (1.0 - o), losses.BCE_GRAD_EPS) / o.size
        shifted = z - z.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        value = np.where(t == 0, 0.0, -t * logp).sum() / n
        return value, (o * t.sum(axis=1, keepdims=True) - t) / n

    def step(self, x, t, trace=False, update=True, step_no=0):
        """One forward + backward (+ update). Returns (loss before the step, StepTrace or None)."""
        W, b, fns, opt = self.W, self.b, self.fns, self.opt
        if trace:
            w0, b0, back, ups = list(W), list(b), [], []
        inputs, nets, outs = self.forward(x)
        if trace:       # the loss record's numbers are the ones the lean path computes (same operations)
            if self.ce:
                lrec = losses.evaluate("cross-entropy", nets[-1], t, from_logits=True)
                value, g = lrec.value, (outs[-1] * t.sum(axis=1, keepdims=True) - t) / t.shape[0]
            else:
                lrec = losses.evaluate(self.loss, outs[-1], t)
                value, g = lrec.value, lrec.grad
        else:
            value, g = self.loss_value_grad(outs[-1], t, nets[-1])
        last = len(W) - 1
        down = None
        for l in range(last, -1, -1):
            f, dfn, p, coupled = fns[l]
            deriv = dfn(nets[l], **p) if (trace or coupled is None) else None
            if l == last and self.ce:
                delta = g
            elif coupled is None:
                delta = g * deriv
            elif coupled == "softmax":
                y = outs[l]
                delta = y * (g - (g * y).sum(axis=1, keepdims=True))
            else:   # log-softmax: J = I − 1pᵀ
                delta = g - np.exp(outs[l]) * g.sum(axis=1, keepdims=True)
            gW = delta.T @ inputs[l]
            gb = delta.sum(axis=0) if b[l].ndim else delta.sum()
            if trace:
                dE = g
                if l == last and self.ce:
                    with np.errstate(divide="ignore", invalid="ignore"):
                        dE = np.where(t == 0, 0.0, -t / outs[l]) / t.shape[0]
                back.append(self._backward_record(l, dE, deriv, delta, gW, gb, inputs[l], down))
            if l and not self.sequential:
                used = W[l]                         # the weights this gradient is computed with
                g_next = delta @ used
            if update:
                oldw, oldb = W[l], b[l]
                W[l], cw = opt.update((l, "w"), oldw, gW)
                if self.freeze_bias:
                    cb = np.zeros_like(oldb)
                else:
                    b[l], cb = opt.update((l, "b"), oldb, gb)
                if trace:
                    ups.append(UpdateRecord(l + 1, opt.change_formula, oldw, gW, cw, W[l],
                                            oldb, gb, cb, b[l], self.freeze_bias))
            if l:
                if self.sequential:                 # the layer below sees the weights just updated
                    used = W[l]
                    g_next = delta @ used
                down = (delta, used)
                g = g_next
        if not trace:
            return value, outs[-1], None
        fwd = []
        for i, a in enumerate(self.acts):
            fwd.append(ForwardRecord(i + 1, a.name, dict(fns[i][2]), a.formula, inputs[i], w0[i], b0[i],
                                     nets[i], outs[i]))
        return value, outs[-1], StepTrace(step_no, fwd, lrec, back, ups if update else None)

    def _backward_record(self, l, dE, deriv, delta, gW, gb, inputs, down):
        a = self.acts[l]
        if l == len(self.W) - 1 and self.ce:
            rule = "δ = (p − t)/N  (softmax output with cross-entropy)"
        elif a.name == "softmax":
            rule = "δ = p ⊙ (∂E/∂out − Σ_k ∂E/∂out_k·p_k)  (full softmax Jacobian)"
        elif a.name == "log-softmax":
            rule = "δ = ∂E/∂out − p·Σ_k ∂E/∂out_k  (full log-softmax Jacobian)"
        else:
            rule = "δ = ∂E/∂out · ∂out/∂net"
        dd, dw = down if down is not None else (None, None)
        return BackwardRecord(l + 1, rule, dE, deriv, a.derivative_formula, delta, gW, gb, inputs, dd, dw)


# ------------------------------------------------------------------ public API

def _setup(layers, X, T, loss, lr=1.0, steps=0, optimizer="sgd", order="simultaneous", **opt_kw):
    name = _check_network_loss(layers, loss)
    if not np.isfinite(lr) or lr <= 0:
        raise InputError(f"the learning rate must be a number > 0, got {lr}", arg="--lr")
    if int(steps) != steps or steps < 0:
        raise InputError(f"steps must be a whole number ≥ 0, got {steps}", arg="--steps")
    key = str(order).strip().lower()
    if key not in ORDERS:
        raise InputError(f"unknown order '{order}'{suggest(key, ORDERS)}; choose from "
                         f"{', '.join(ORDERS)}", arg="--order")
    opt = optimizers.make(optimizer, lr, **opt_kw)
    x, t, single = prepare_data(layers, X, T, name)
    return name, opt, key, x, t, single


def forward(layers, X):
    """ForwardRecord per layer (input layer first): inputs, weights, bias, net = Σ w·x + b, out = h(net)."""
    x, _, _ = prepare_data(layers, X)
    eng = _Engine(layers, "half-sse")
    with np.errstate(all="ignore"):
        inputs, nets, outs = eng.forward(x)
    return [ForwardRecord(i + 1, l.activation, dict(eng.fns[i][2]), acts.get(l.activation).formula,
                          inputs[i], eng.W[i], eng.b[i], nets[i], outs[i]) for i, l in enumerate(layers)]


def trace_step(layers, X, T, loss):
    """Forward, loss and backward for the current weights, without an update (StepTrace, step 0)."""
    name, _, _, x, t, _ = _setup(layers, X, T, loss)
    eng = _Engine(layers, name)
    with np.errstate(all="ignore"):
        _, _, tr = eng.step(x, t, trace=True, update=False)
    return tr


def backward(layers, X, T, loss):
    """BackwardRecord per layer, output layer first (see the module docstring)."""
    return trace_step(layers, X, T, loss).backward


def train(layers, X, T, loss, lr=0.1, steps=1, optimizer="sgd", order="simultaneous", freeze_bias=False,
          record="first-last", momentum=0.9, betas=(0.9, 0.999), adam_eps=1e-8, progress=None):
    """Run STEPS updates; trace the steps named by RECORD.

    RECORD: "first-last" (default), "none", "all" or an iterable of 1-based step numbers.
    steps=0 computes the gradients without updating (first_step = last_step, step 0, updates None).
    PROGRESS, if given, is called with a number of steps just done, about 100 times a run
    (the CLI draws a progress bar with it; core never prints).
    """
    kw = {"momentum": momentum} if optimizers.canonical(optimizer) == "momentum" else \
        {"betas": betas, "eps": adam_eps} if optimizers.canonical(optimizer) == "adam" else {}
    name, opt, order, x, t, single = _setup(layers, X, T, loss, lr, steps, optimizer, order, **kw)
    steps = int(steps)
    if record == "first-last":
        wanted = {1, steps}
    elif record == "none" or record is None:
        wanted = set()
    elif record == "all":
        wanted = set(range(1, steps + 1))
    else:
        wanted = {int(k) for k in record}
    eng = _Engine(layers, name, opt, order, bool(freeze_bias))
    hist = np.empty(steps + 1)
    traces = {}
    step = eng.step
    every = max(1, steps // 100) if progress is not None else steps + 1
    with np.errstate(all="ignore"):
        if steps == 0:
            hist[0], outputs, traces[0] = step(x, t, trace=True, update=False)
        for k in range(1, steps + 1):
            if k in wanted:
                hist[k - 1], out, traces[k] = step(x, t, True, True, k)
            else:
                hist[k - 1], out, _ = step(x, t)
            if k == 1:
                outputs = out
            if k % every == 0:
                progress(every)
        _, nets, outs = eng.forward(x)
        hist[steps] = eng.loss_value_grad(outs[-1], t, nets[-1])[0]
    first = traces.get(1 if steps else 0)
    last = traces.get(steps)
    new_layers = [Layer(w, b, l.activation, dict(l.params)) for w, b, l in zip(eng.W, eng.b, layers)]
    shape = (lambda a: a.reshape(-1)) if single else (lambda a: a)
    diverged = not (np.all(np.isfinite(hist)) and all(np.all(np.isfinite(w)) for w in eng.W + eng.b))
    return TrainResult(name, opt.name, order, float(lr), steps, single, shape(outputs), float(hist[0]), first, last,
                       hist, new_layers, list(eng.W), list(eng.b), float(hist[steps]), shape(outs[-1]),
                       traces, diverged)


def numeric_gradient(layers, X, T, loss, h=1e-6, progress=None):
    """Central-difference check of every weight and bias: see core/gradcheck.py."""
    from nncalc.core.gradcheck import numeric_gradient as check
    return check(layers, X, T, loss, h, progress)
