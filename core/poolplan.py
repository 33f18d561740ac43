"""Pooling for one input shape, worked out once: the pool layer's per-step path.

A pool layer sees the same input shape at every step of a run, so the
geometry, the divisors of average pooling and the index arithmetic of max
pooling's routing depend on nothing that changes: the plan works them out
once (as pool2d does on every call) and is reused. The numbers are core/pool.py's
to the last bit, by the same NumPy operations in the same order:

* forward: the maximum (or sum, then ÷ divisor) of each window, column
  offsets first, then row offsets (``pool._separable``);
* max backward: δ goes to the first cell in row-major window order holding
  the window's maximum (NaN wins, padding never does: ``pool._argmax`` where
  there is padding or a NaN), summed per input cell by one ``np.bincount`` in
  the output's order, as ``pool.backward`` sums;
* avg backward: each real cell of a window gets δ/divisor (``pool._backward_avg``).

Without padding and NaN the winner is found the way _separable finds the
maximum, along each window row and then down the rows, a later cell winning
only when strictly greater: the first maximum in row-major order, the winner
pool._argmax names (tests/test_layer_plans.py compares the two).
"""
import numpy as np

from nncalc.core import pool, shapes, windows


class PoolPlan:
    def __init__(self, x_shape, mode="max", size=2, stride=None, padding=0):
        """For N×C×H×W inputs of X_SHAPE, with pool2d's arguments (floor mode, padding counted)."""
        self.mode = str(mode).strip().lower()
        kernel = shapes.pair(size, "size", 1)
        stride = kernel if stride is None else shapes.pair(stride, "stride", 1)
        pads = shapes.pair(padding, "padding", 0)
        pool._check_pool_args(self.mode, kernel, pads)
        n, c, h, w = x_shape
        geom = self.geom = windows.geometry((h, w), kernel, stride, pads, 1, False)
        self.divisor = pool._divisor(geom, True) if self.mode == "avg" else None
        self.x_shape = (n, c, h, w)
        self.size = n * c * h * w
        self.padded = any(geom.padding) or any(geom.extra)
        self.fill = -np.inf if self.mode == "max" else 0.0
        kh, kw = geom.kernel
        self.overlap = geom.stride[0] < kh or geom.stride[1] < kw
        if self.mode != "max":
            return
        oh, ow = geom.out_hw
        pt, _, pl, _ = geom.padding
        self.planes = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
        # flat input index of each window's cell (0, 0)
        self.corner = self.planes + (np.arange(oh)[:, None] * geom.stride[0] - pt) * w \
            + (np.arange(ow)[None, :] * geom.stride[1] - pl)

    def forward(self, x):
        """(output, padded input): the output as pool2d's result, the padded input for backward."""
        xp = windows.pad(x, self.geom, self.fill) if self.padded else x
        with np.errstate(invalid="ignore", over="ignore"):
            if self.mode == "max":
                return pool._separable(xp, self.geom, np.maximum), xp
            out = pool._separable(xp, self.geom, np.add) / self.divisor
        windows.require_defined(out, "the output at (n, c, i, j) =", inputs=((x, "input"),))
        return out, xp

    def backward(self, xp, out, dout):
        """∂E/∂x (N×C×H×W) from ∂E/∂out, as pool.backward gives it."""
        with np.errstate(invalid="ignore", over="ignore"):
            if self.mode == "max":
                g = np.bincount(self._winners(xp, out).ravel(), weights=dout.ravel(), minlength=self.size)
                g = g.reshape(self.x_shape)
            else:
                g = pool._backward_avg(self.x_shape, self.geom, dout, self.divisor)
        if self.overlap or self.mode != "max":     # else each input cell gets one δ or none: no inf − inf
            windows.require_defined(g, "the input gradient at (n, c, row, col) =", inputs=((dout, "dout"),))
        return g

    def _winners(self, xp, out):
        """Flat input index of each window's winner."""
        if self.padded or np.isnan(out).any():
            rows, cols = pool._argmax(xp, self.geom)
            return self.planes + rows * self.x_shape[3] + cols
        return self.corner + _first_max(xp, self.geom, self.x_shape[3])


def _first_max(xp, geom, w):
    """Offset (a·W + b) of the first maximum of every window in row-major order, found the way
    pool._separable finds the maximum: along each row of the window (column offsets b), then
    down the rows (offsets a); a later cell wins only if strictly greater, so ties keep the
    first. (No NaN: NaN is never greater.) Choices are arithmetic, o + later·(o' − o): a
    data-dependent np.where or masked copy costs several times more here."""
    oh, ow = geom.out_hw
    kh, kw = geom.kernel
    sh, sw = geom.stride
    cols = [xp[..., :, b:b + (ow - 1) * sw + 1:sw] for b in range(kw)]
    best, at = cols[0], 0
    for b, c in enumerate(cols[1:], 1):
        later = c > best
        at = later * b if b == 1 else at + later * (b - at)
        best = np.maximum(best, c)
    rows = [(best[..., a:a + (oh - 1) * sh + 1:sh, :], at if kw == 1 else at[..., a:a + (oh - 1) * sh + 1:sh, :])
            for a in range(kh)]
    top, offset = rows[0]
    for a, (r, b_of_r) in enumerate(rows[1:], 1):
        later = r > top
        offset = offset + later * (b_of_r + a * w - offset)
        if a < kh - 1:
            top = np.maximum(top, r)
    return offset
