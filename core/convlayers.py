"""Conv and pool layers for `backprop` (the protocol is in core/layers.py).

Conv (cross-correlation, as core/conv.py; stride S, padding per side, dilation D):

    net[n,f,i,j] = b_f + Σ_c Σ_a Σ_b Xpad[n, c, i·S + a·D, j·S + b·D] · K[f,c,a,b]
    ∂E/∂b_f      = Σ_{n,i,j} δ[n,f,i,j]
    ∂E/∂K[f,c,a,b] = Σ_{n,i,j} Xpad[n, c, i·S + a·D, j·S + b·D] · δ[n,f,i,j]
    ∂E/∂Xpad     = each window gets δ[n,f,i,j]·K[f] added back where it was read,
                   then the padding is cropped (rows no window reaches get 0)

The computation is core/convgrad.py's, the one `conv --backward` uses:
forward and ∂E/∂K are one matrix product each on the im2col matrix of the
windows (kept from the forward pass), and ∂E/∂X adds the columns back one
kernel tap at a time (never a loop over output positions).

Pool is core/pool.py's pool2d and backward (the routing `pool --backward`
shows: max sends δ to the window's winner, avg spreads δ/divisor).

A traced step runs those functions and keeps their records. An untraced step
(every step of a long run but the first and last) runs core/convplan.py and
core/poolplan.py instead: the same operations, hence the same bits, with what
depends on the input's shape worked out once per run.
"""
from dataclasses import dataclass, replace

import numpy as np

from nncalc.core import conv as convmod
from nncalc.core import convgrad, convplan
from nncalc.core import pool as poolmod
from nncalc.core import shapes, windows
from nncalc.core.poolplan import PoolPlan
from nncalc.core.layers import RULES, Act


class Conv:
    type = "conv"
    main = "kernels"

    def __init__(self, index, kernels, bias, stride=1, padding=0, dilation=1, activation="identity",
                 params=None, in_hw=None, trace_steps=0):
        self.index = index
        k4 = np.array(kernels, dtype=np.float64)
        self.single = k4.ndim == 2                   # one kh×kw kernel: kept in that shape
        k4 = k4.reshape((1, 1) + k4.shape) if self.single else k4
        self.params = {"kernels": k4, "bias": np.array(bias, dtype=np.float64).reshape(k4.shape[0])}
        self.act = Act(activation, params)
        sides = shapes.padding_sides(padding, in_hw, k4.shape[2:], stride, dilation)
        self.geom = windows.geometry(in_hw, k4.shape[2:], stride, sides, dilation)
        self.trace_steps = trace_steps
        self.plan = self.plan_shape = None      # untraced steps' plan (None: the input is too large)

    def forward(self, x, trace=False):
        k4, b = self.params["kernels"], self.params["bias"]
        if trace:
            z, self.saved = convgrad.forward(x, k4, b, self.geom)
        else:       # the same numbers with the shape's work done once (core/convplan.py)
            if self.plan_shape != x.shape:
                self.plan, self.plan_shape = convplan.plan_for(x.shape, k4.shape, self.geom), x.shape
            if self.plan is None:
                z, self.saved = convgrad.forward(x, k4, b, self.geom)
            else:
                z, self.cols = self.plan.forward(x, k4, b)
                self.saved = None
        self.net = z
        self.out = a = self.act.forward(z)
        if trace:
            view = windows.window_view(self.saved.padded, self.geom)
            steps = convmod.build_steps(view, k4, b, z, a, self.trace_steps)
            self.record = ConvRecord(self.index, self.act.name, dict(self.act.params), self.act.info.formula,
                                     x, self.saved.padded, k4, b, self.geom, z, a, steps, int(z.size))
        return a

    def deltas(self, g, trace=False, skip_activation=False):
        delta, deriv, rule = self.act.delta(g, self.net, self.out, trace, skip_activation)
        if self.saved is None:
            self.g = self.plan.gmat(delta)
            gk, gb = self.plan.kernel_grad(self.g, delta, self.cols, self.params["kernels"].shape)
            return delta, {"kernels": gk, "bias": gb}, None
        gk, gb = convgrad.kernel_grad(delta, self.saved)
        rec = None
        if trace:
            rec = ConvBackward(self.index, RULES[rule], g, deriv, self.act.info.derivative_formula, delta,
                               gk, gb, windows.window_view(self.saved.padded, self.geom), self.geom)
        return delta, {"kernels": gk, "bias": gb}, rec

    def grad_input(self, delta):
        if self.saved is None:      # the kernels as they are now (sequential order: already updated)
            return self.plan.input_grad(self.g, self.params["kernels"])
        saved = self.saved
        if self.params["kernels"] is not saved.kernels:
            # sequential order: the kernels were updated before ∂E/∂X is passed down
            saved = replace(saved, kernels=self.params["kernels"])
        return convgrad.crop(convgrad.input_grad(delta, saved), self.geom)

    def kernels_as_given(self, k4):
        return k4[0, 0] if self.single else k4


class Pool:
    type = "pool"
    main = None

    def __init__(self, index, mode="max", size=2, stride=None, padding=0, trace_steps=0):
        self.index = index
        self.params = {}
        self.act = None
        self.config = dict(mode=mode, size=size, stride=stride, padding=padding)
        self.trace_steps = trace_steps
        self.plan = None        # the untraced steps' path

    def forward(self, x, trace=False):
        if not trace:       # the same numbers with the shape's work done once (core/poolplan.py)
            if self.plan is None or self.plan.x_shape != x.shape:
                self.plan = PoolPlan(x.shape, **self.config)
            self.res = None
            self.out, self.padded = self.plan.forward(x)
            return self.out
        self.res = res = poolmod.pool2d(x, max_steps=self.trace_steps, **self.config)
        if trace:
            self.record = PoolRecord(self.index, res.mode, res.kernel, res.stride, res.padding, x, res.result,
                                     res.steps, res.total_steps)
        return res.result

    def deltas(self, g, trace=False, skip_activation=False):
        if self.res is None:
            self.grad = self.plan.backward(self.padded, self.out, g)
            return g, {}, None
        res = poolmod.backward(self.res, g, self.trace_steps if trace else 0)
        self.grad = res.grad_input
        rec = PoolBackward(self.index, res.mode, g, res.routing, res.grad_input, res.total_steps) if trace else None
        return g, {}, rec

    def grad_input(self, delta):
        return self.grad


@dataclass
class ConvRecord:
    layer: int
    activation: str
    params: dict
    formula: str
    inputs: np.ndarray          # N×C×H×W
    padded: np.ndarray
    kernels: np.ndarray         # F×C×kh×kw, as used
    bias: np.ndarray            # (F,)
    geometry: windows.Geometry
    net: np.ndarray             # N×F×OH×OW
    out: np.ndarray
    steps: list                 # conv.ConvStep for the first positions
    total_steps: int


@dataclass
class ConvBackward:
    layer: int
    rule: str
    dE_dout: np.ndarray
    dout_dnet: np.ndarray
    derivative_formula: str
    delta: np.ndarray           # N×F×OH×OW
    grad_kernels: np.ndarray    # F×C×kh×kw
    grad_bias: np.ndarray       # (F,)
    windows: np.ndarray         # N×C×OH×OW×kh×kw view of the padded input: the x under each tap
    geometry: windows.Geometry
    grad_input: np.ndarray = None   # ∂E/∂X passed down (set by the engine)


@dataclass
class PoolRecord:
    layer: int
    mode: str
    size: tuple
    stride: tuple
    padding: tuple
    inputs: np.ndarray
    out: np.ndarray
    steps: list                 # pool.PoolStep for the first positions
    total_steps: int


@dataclass
class PoolBackward:
    layer: int
    mode: str
    dE_dout: np.ndarray
    routes: list                # pool.PoolRoute for the first positions
    grad_input: np.ndarray
    total_steps: int
