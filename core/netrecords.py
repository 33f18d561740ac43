"""The records `backprop` shows: forward, backward and update tables per layer, and a run's result.

Arrays in records are 2-D, samples × values (a single sample is one row);
weights are out×in; a bias has shape () when one number is shared by the
layer's neurons. Records hold references to arrays nobody modifies afterwards.
"""
import math
from dataclasses import dataclass, field

import numpy as np

from nncalc.core import losses


@dataclass
class ForwardRecord:
    layer: int              # 1-based
    activation: str
    params: dict
    formula: str            # h(x) from the registry
    inputs: np.ndarray      # N×in, the x_i (out_i of the layer before)
    weights: np.ndarray     # out×in, as used
    bias: np.ndarray        # shape () when shared, else (out,)
    net: np.ndarray         # N×out, Σ w·x + b
    out: np.ndarray         # N×out, h(net)


@dataclass
class BackwardRecord:
    layer: int
    rule: str               # how δ was obtained
    dE_dout: np.ndarray     # N×out
    dout_dnet: np.ndarray   # N×out, h'(net) (softmax: the Jacobian's diagonal)
    derivative_formula: str
    delta: np.ndarray       # N×out, ∂E/∂net
    grad_w: np.ndarray      # out×in, Σ over samples of δ_j·out_i
    grad_b: np.ndarray      # bias-shaped
    inputs: np.ndarray      # N×in, the out_i the gradient multiplies
    downstream_delta: np.ndarray = None     # hidden layers: the next layer's δ (N×next)
    downstream_weights: np.ndarray = None   # ... and its weights used in Σ δ·w (next×out)
    probabilities: np.ndarray = None    # softmax output with cross-entropy: p (N×out), where
    target: np.ndarray = None           # ... δ = (p − t)/N comes from p and t directly
    grad_input: np.ndarray = None       # N×in, ∂E/∂x_i = Σ_j δ_j·w_ji passed down (traced steps)
    input_weights: np.ndarray = None    # ... with this W (out×in): before the step's update, or
                                        # after it in the sequential order


@dataclass
class UpdateRecord:
    layer: int
    change_formula: str
    old_w: np.ndarray
    grad_w: np.ndarray
    change_w: np.ndarray    # sgd: −η·∂E/∂w
    new_w: np.ndarray
    old_b: np.ndarray
    grad_b: np.ndarray
    change_b: np.ndarray
    new_b: np.ndarray
    bias_frozen: bool = False
    main: str = "weights"   # the parameter old_w … new_w hold: weights (dense) or kernels (conv)


@dataclass
class StepTrace:
    step: int                       # 1-based; 0 when steps=0 (gradients only)
    forward: list                   # ForwardRecord per layer, input first
    loss: losses.LossResult         # None for a forward pass without a target
    backward: list                  # BackwardRecord per layer, output layer first
    updates: list = None            # UpdateRecord in the order applied (output first); None if no step
    grad_input: np.ndarray = None   # ∂E/∂input (batch layout: N×features or N×C×H×W)


@dataclass
class TrainResult:
    loss: str
    optimizer: str
    order: str
    lr: float
    steps: int
    single: bool            # X was one sample (a vector)
    outputs: np.ndarray     # network outputs before the first update (X's layout)
    initial_loss: float
    first_step: StepTrace
    last_step: StepTrace
    loss_history: np.ndarray    # loss before each step, then after the last: steps + 1 values,
                                # or a sample of them at loss_steps on a long run (LossSample)
    layers: list                # layer specs after the last step (dense: netio.Layer; core/netspec.py)
    weights: list               # each parametrised layer's weights or kernels
    biases: list
    final_loss: float
    final_outputs: np.ndarray
    traces: dict = field(default_factory=dict)     # step -> StepTrace for every recorded step
    diverged: bool = False      # a loss or weight became inf or nan
    accuracy_history: np.ndarray = None     # cross-entropy, bce: accuracy before each step, then after
    input_shape: tuple = ()     # one sample's shape
    grad_input: np.ndarray = None           # ∂E/∂input of the first step, in the input's shape
    forward_only: bool = False  # no target: the forward pass alone (no loss, no step)
    targets: np.ndarray = None  # the targets as used (one-hot for class indices), in the outputs' layout
    loss_steps: np.ndarray = None   # the step of each loss_history value (None: 0, 1, …, steps)

    def loss_after(self, step):
        """The loss after STEP updates (step 0: before any)."""
        if self.loss_steps is None:
            return self.loss_history[step]
        return self.loss_history[int(np.searchsorted(self.loss_steps, step))]


class LossSample:
    """The loss (and accuracy) before each step and after the last, in bounded memory: all
    of them up to CAP values, then every 2nd, 4th, … step (the stride doubles each time the
    sample fills, keeping every other value), plus the PINNED steps (those traced) and the last."""

    CAP = 10_000        # even, so that thinning keeps step multiples of the new stride

    def __init__(self, pinned=()):
        self.pinned, self.stride = set(pinned), 1
        self.steps, self.values, self.accs, self.finite = [], [], [], True

    def _kept(self, step):
        return step % self.stride == 0 or step in self.pinned

    def add(self, step, value, acc=None):
        self.finite = self.finite and math.isfinite(value)     # math: a NumPy call per step costs more
        if not self._kept(step):
            return
        if len(self.steps) >= self.CAP + len(self.pinned):
            self.stride *= 2
            kept = [i for i, k in enumerate(self.steps) if self._kept(k)]
            self.steps, self.values, self.accs = ([seq[i] for i in kept]
                                                  for seq in (self.steps, self.values, self.accs))
            if not self._kept(step):
                return
        self.last(step, value, acc)

    def last(self, step, value, acc=None):
        """Keep this one whatever the stride (the loss after the last step)."""
        self.finite = self.finite and bool(np.isfinite(value))
        self.steps.append(step)
        self.values.append(value)
        self.accs.append(acc)

    def arrays(self):
        """(losses, their steps, accuracies or None)."""
        accs = None if not self.accs or self.accs[0] is None else np.array(self.accs, dtype=np.float64)
        return np.array(self.values, dtype=np.float64), np.array(self.steps, dtype=np.int64), accs
