"""Convolution for one input shape, worked out once: the conv layer's per-step path.

The numbers are core/convgrad.py's to the last bit. The three matrix products
stay exactly as they are there (BLAS sums in an order that depends on the
shapes and layouts of its operands): Y = K·cols + b, ∂E/∂K = 0 + G·colsᵀ,
dcols = Kᵀ·G, with cols the (C·kh·kw) × (N·OH·OW) im2col matrix and G = δ as
F × (N·OH·OW). What depends on the shape alone is done once:

* the strides of the window view that im2col copies;
* col2im: where each entry of dcols lands in ∂E/∂x. One ``np.bincount`` then
  adds dcols up in its kernel-tap-major order, so every input position gets
  its terms tap by tap starting from 0, as convgrad.input_grad's loop over
  taps adds them; positions in the padding land in one extra bin, dropped
  (no crop copy);
* the im2col of a read-only input that comes back (the training input X of
  a full-batch run, step after step): kept and reused.

Only when cols fits in one block (convgrad.KEEP_BYTES); larger inputs go
through convgrad's blocks.
"""
import numpy as np

from nncalc.core import convgrad, windows


def plan_for(x_shape, k_shape, geom):
    """A ConvPlan for N×C×H×W inputs of X_SHAPE, or None when cols would be too large."""
    n, c = x_shape[:2]
    oh, ow = geom.out_hw
    if c * k_shape[2] * k_shape[3] * n * oh * ow * 8 > convgrad.KEEP_BYTES:
        return None
    return ConvPlan(x_shape, k_shape, geom)


class ConvPlan:
    def __init__(self, x_shape, k_shape, geom):
        self.x_shape, self.geom = tuple(x_shape), geom
        n, c, h, w = x_shape
        f, _, kh, kw = k_shape
        oh, ow = geom.out_hw
        self.padding = any(geom.padding)
        hp, wp = geom.padded_hw
        (sh, sw), (dh, dw) = geom.stride, geom.dilation
        e = 8                               # bytes per float64; xp is C-contiguous N×C×Hp×Wp
        row, plane = wp * e, hp * wp * e
        # im2col's view, axes (c, a, b, n, i, j): xp[n, c, i·sh + a·dh, j·sw + b·dw]
        self.view = ((c, kh, kw, n, oh, ow), (plane, dh * row, dw * e, c * plane, sh * row, sw * e))
        self.cols_shape = (c * kh * kw, n * oh * ow)
        self.out_shape = (n, f, oh, ow)
        self.targets = None                 # col2im's bins, built on the first input_grad
        self.fixed = (None, None)           # a read-only input and its cols

    def forward(self, x, kernels, bias):
        """(Y as N×F×OH×OW, what kernel_grad needs) for input X of the plan's shape."""
        if x is self.fixed[0]:
            cols = self.fixed[1]
        else:
            xp = windows.pad(x, self.geom, 0.0) if self.padding else np.ascontiguousarray(x)
            cols = np.ascontiguousarray(np.ndarray(self.view[0], np.float64, xp, 0, self.view[1]))
            cols = cols.reshape(self.cols_shape)
            if not x.flags.writeable:   # a read-only input (train()'s X) keeps its im2col for the next step
                cols.flags.writeable = False
                self.fixed = (x, cols)
        n, f, oh, ow = self.out_shape
        zb = (kernels.reshape(f, -1) @ cols).reshape(f, n, oh, ow)
        z = np.empty(self.out_shape)
        np.add(zb.transpose(1, 0, 2, 3), bias.reshape(1, f, 1, 1), out=z)
        return z, cols

    def kernel_grad(self, g, delta, cols, k_shape):
        """(∂E/∂K as K's shape, ∂E/∂b) from δ = ∂E/∂Y and G = gmat(δ)."""
        grad_k = np.zeros((k_shape[0], cols.shape[0]))
        grad_k += g @ cols.T
        return grad_k.reshape(k_shape), delta.sum(axis=(0, 2, 3))

    def gmat(self, delta):
        """δ as F × (N·OH·OW), columns in cols' order (a copy)."""
        return np.ascontiguousarray(delta.transpose(1, 0, 2, 3)).reshape(delta.shape[1], -1)

    def input_grad(self, g, kernels):
        """∂E/∂x (N×C×H×W) from G = gmat(δ), with KERNELS as they are now."""
        if self.targets is None:
            self.targets = self._targets(kernels.shape)
        f = kernels.shape[0]
        dcols = kernels.transpose(2, 3, 1, 0).reshape(-1, f) @ g   # rows (a, b, c): one tap contiguous
        size = int(np.prod(self.x_shape))
        grad = np.bincount(self.targets, weights=dcols.ravel(), minlength=size + self.padding)
        return grad[:size].reshape(self.x_shape)

    def _targets(self, k_shape):
        """Flat index in ∂E/∂x of each dcols entry (a, b, c, n, i, j); the padding's go to one bin past the end."""
        n, c, h, w = self.x_shape
        _, _, kh, kw = k_shape
        oh, ow = self.geom.out_hw
        (sh, sw), (dh, dw) = self.geom.stride, self.geom.dilation
        pt, _, pl, _ = self.geom.padding
        a, b, ch, s, i, j = np.ogrid[:kh, :kw, :c, :n, :oh, :ow]
        r, q = i * sh + a * dh - pt, j * sw + b * dw - pl
        flat = ((s * c + ch) * h + r) * w + q
        inside = (r >= 0) & (r < h) & (q >= 0) & (q < w)
        return np.where(inside, flat, n * c * h * w).ravel()
