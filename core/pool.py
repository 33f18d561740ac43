"""2-D max and average pooling with PyTorch's exact semantics, and its backward pass.

Window (i, j) covers input rows i*sh - ph ... i*sh - ph + kh - 1 (columns
likewise); stride defaults to the window size; each channel is pooled on
its own.  Output sizes come from nncalc.core.shapes (floor, or ceil with the
drop-last rule).  Max pooling pads with -inf; ties go to the first cell in
row-major window order and NaN wins (as PyTorch's CPU kernel).  Average
pooling pads with zeros and divides by

    count_include_pad=True : (min(start+k, n+p) - start) per dimension
                             (padding counted, cells past the padding in ceil mode not)
    count_include_pad=False: the number of real input cells in the window.

Backward: max routes each upstream gradient to its window's winner (overlaps
sum); avg gives each real input cell of the window dout/divisor.
"""

from dataclasses import dataclass, field
import itertools
from functools import cached_property

import numpy as np

from nncalc.core import shapes, windows
from nncalc.core.errors import InputError, Text, shape_text

DEFAULT_MAX_STEPS = 100


@dataclass(frozen=True)
class PoolStep:
    """One output position (n, c, i, j): its window and how it was reduced."""

    position: tuple
    window: np.ndarray  # kh×kw from the padded input (-inf or 0 in the padding)
    value: float  # the output value
    winner: tuple = None  # max: input (row, col) of the winning cell
    total: float = None  # avg: sum of the window
    count: int = None  # avg: divisor
    quotient: float = None  # avg: total / count


@dataclass(frozen=True)
class PoolRoute:
    """Backward routing of one output position's upstream gradient."""

    position: tuple
    dout: float
    divisor: int  # avg: the window's divisor; max: 1
    targets: tuple  # ((row, col), share) per receiving input cell


@dataclass(eq=False)
class PoolResult:
    result: np.ndarray
    output_shape: tuple
    mode: str
    size_h: shapes.SizeRecord
    size_w: shapes.SizeRecord
    padding: tuple  # (top, bottom, left, right)
    kernel: tuple
    stride: tuple
    divisor: np.ndarray  # avg: OH×OW divisors; max: None
    steps: list = field(default_factory=list)
    total_steps: int = 0
    grad_input: np.ndarray = None
    routing: list = field(default_factory=list)
    padded: np.ndarray = field(default=None, repr=False)   # N×C×Hp×Wp, the padded input as pooled
    _geom: windows.Geometry = field(default=None, repr=False)
    _ndim: int = field(default=4, repr=False)

    @cached_property
    def argmax(self):
        """Max mode: int array output_shape + (2,) of winners' input (row, col); else None.

        Computed on first access (it costs more than the maximum itself)."""
        if self.mode != "max":
            return None
        rows, cols = _argmax(self.padded, self._geom)
        both = np.stack([rows, cols], axis=-1)
        return both.reshape(self.output_shape + (2,))


def _check_pool_args(mode, kernel, padding):
    if mode not in ("max", "avg"):
        raise InputError("pooling mode must be 'max' or 'avg', got {mode!r}",
                         field="mode", mode=mode)
    for k, p in zip(kernel, padding):
        if p > k // 2:
            raise InputError("padding {ph}×{pw} must be at most half the window {kh}×{kw} (at most "
                             "{mh}×{mw})", field="padding", ph=padding[0], pw=padding[1], kh=kernel[0], kw=kernel[1], mh=kernel[0] // 2, mw=kernel[1] // 2)


def _separable(xp, geom, op):
    """Reduce every window with ``op`` (np.maximum or np.add): columns first, then rows."""
    oh, ow = geom.out_hw
    kh, kw = geom.kernel
    sh, sw = geom.stride
    cols = [xp[..., :, b:b + (ow - 1) * sw + 1:sw] for b in range(kw)]
    acc = op(cols[0], cols[1]) if kw > 1 else cols[0]
    for c in cols[2:]:
        op(acc, c, out=acc)
    rows = [acc[..., a:a + (oh - 1) * sh + 1:sh, :] for a in range(kh)]
    out = op(rows[0], rows[1]) if kh > 1 else rows[0].copy()
    for r in rows[2:]:
        op(out, r, out=out)
    return out


def _first_real(n_out, stride, pad):
    """Per output index, the first window offset that lies inside the input."""
    return np.maximum(0, pad - np.arange(n_out) * stride)


def _argmax(xp, geom):
    """Input (row, col) of each window's winner: strictly greater or NaN replaces."""
    oh, ow = geom.out_hw
    kw = geom.kernel[1]
    pt, _, pl, _ = geom.padding
    if not any(geom.padding) and not np.isnan(xp).any():
        # compare each window cell with the window's maximum, last cell first, so that the
        # first maximum is the one kept (as the loop below, which also handles NaN and padding)
        cells = [(a * kw + b, xp[..., rows, cols]) for a, b, rows, cols in windows.offset_slices(geom)]
        best = cells[0][1]
        for _, v in cells[1:]:
            best = np.maximum(best, v)
        idx = np.zeros(best.shape, dtype=np.intp)
        for k, v in reversed(cells):
            np.copyto(idx, k, where=v == best)
    else:
        best = np.full(xp.shape[:-2] + (oh, ow), -np.inf)
        a0 = _first_real(oh, geom.stride[0], pt)[:, None]
        b0 = _first_real(ow, geom.stride[1], pl)[None, :]
        idx = np.broadcast_to(a0 * kw + b0, best.shape).copy()
        for a, b, rows, cols in windows.offset_slices(geom):
            v = xp[..., rows, cols]
            m = (v > best) | np.isnan(v)
            np.copyto(best, v, where=m)
            idx[m] = a * kw + b
    rows = np.arange(oh)[:, None] * geom.stride[0] - pt + idx // kw
    cols = np.arange(ow)[None, :] * geom.stride[1] - pl + idx % kw
    return rows, cols


def _counts(rec, include_pad):
    start = np.arange(rec.size) * rec.stride - rec.padding[0]
    end = np.minimum(start + rec.k, rec.n + rec.padding[1])
    if include_pad:
        return end - start
    return np.minimum(end, rec.n) - np.maximum(start, 0)


def _divisor(geom, include_pad):
    return np.outer(_counts(geom.size_h, include_pad), _counts(geom.size_w, include_pad))


def _window_winner(window, geom, i, j):
    """Input (row, col) of the cell that wins window (i, j), by _argmax's rule: the
    last NaN if any, else the first maximum, else (all -inf) the first real cell."""
    flat = window.ravel()
    nan = np.flatnonzero(np.isnan(flat))
    if nan.size:
        at = divmod(int(nan[-1]), window.shape[1])
    elif flat.max() > -np.inf:
        at = divmod(int(np.argmax(flat)), window.shape[1])
    else:
        at = (int(_first_real(i + 1, geom.stride[0], geom.padding[0])[i]),
              int(_first_real(j + 1, geom.stride[1], geom.padding[2])[j]))
    return windows.input_position(geom, i, j, *at)


def _positions(shape, max_steps):
    """The first max_steps positions of ``shape`` in row-major order."""
    return itertools.islice(np.ndindex(*shape), max(0, int(max_steps)))


def _steps(mode, xp, geom, out4, div, max_steps):
    """Step records of the first max_steps windows (the caller applies the trace budget)."""
    steps = []
    view = windows.window_view(xp, geom)
    for n, c, i, j in _positions(out4.shape, max_steps):
        window = np.array(view[n, c, i, j])
        value = float(out4[n, c, i, j])
        if mode == "max":
            steps.append(PoolStep((n, c, i, j), window, value,
                                  winner=_window_winner(window, geom, i, j)))
        else:
            steps.append(PoolStep((n, c, i, j), window, value, total=float(window.sum()),
                                  count=int(div[i, j]), quotient=value))
    return steps


def _backward_max(x_shape, rows, cols, dout4):
    n, c, h, w = x_shape
    base = (np.arange(n * c) * (h * w)).reshape(n, c, 1, 1)
    flat = (base + rows * w + cols).ravel()
    return np.bincount(flat, weights=dout4.ravel(), minlength=n * c * h * w).reshape(x_shape)


def _backward_avg(x_shape, geom, dout4, div):
    pt, _, pl, _ = geom.padding
    h, w = geom.in_hw
    g = dout4 / div
    grad = np.zeros(x_shape[:2] + geom.padded_hw)
    for _, _, rows, cols in windows.offset_slices(geom):
        grad[..., rows, cols] += g
    return grad[..., pt:pt + h, pl:pl + w].copy()


def comparisons(planes, geom, every_cell=False):
    """The work of pooling: the separable forward pass reduces kw−1 columns over every
    padded row, then kh−1 rows; finding each window's winner (argmax, max's backward
    pass) or spreading each gradient (avg's) visits every cell of every window."""
    oh, ow = geom.out_hw
    kh, kw = geom.kernel
    forward = planes * (geom.padded_hw[0] * ow * (kw - 1) + oh * ow * (kh - 1))
    return forward + (planes * oh * ow * kh * kw if every_cell else 0)


def _routes(mode, geom, dout4, div, rows, cols, max_steps):
    h, w = geom.in_hw
    routes = []
    for n, c, i, j in _positions(dout4.shape, max_steps):
        d = float(dout4[n, c, i, j])
        if mode == "max":
            routes.append(PoolRoute((n, c, i, j), d, 1,
                                    (((int(rows[n, c, i, j]), int(cols[n, c, i, j])), d),)))
            continue
        share = d / div[i, j]
        cells = [windows.input_position(geom, i, j, a, b)
                 for a in range(geom.kernel[0]) for b in range(geom.kernel[1])]
        targets = tuple(((r, q), share) for r, q in cells if 0 <= r < h and 0 <= q < w)
        routes.append(PoolRoute((n, c, i, j), d, int(div[i, j]), targets))
    return routes


def pool2d(x, mode="max", size=2, stride=None, padding=0, ceil=False, global_=False,
           count_include_pad=True, max_steps=DEFAULT_MAX_STEPS, dout=None, max_elements=None,
           max_work=None, every_cell=False):
    """Max or average pooling of H×W, C×H×W or N×C×H×W input (each channel on its own).

    stride defaults to size; padding is an int or (ph, pw) on both sides and
    may be at most half the window; ``global_`` pools the whole map (1×1 out).
    With ``dout`` (output-shaped upstream gradient) also fills grad_input
    and the routing, as ``backward(res, dout)`` does.  ``max_elements``
    bounds the padded input and the output (see windows.check_work) and the
    trace; ``max_work`` the operations (see comparisons), refused up front;
    they include a visit of every window cell when ``dout`` is given or
    ``every_cell`` says the caller will want the backward pass or ``argmax``.
    """
    x4, x_ndim = windows.normalise_input(x)
    mode = str(mode).strip().lower()
    if global_:
        size, stride, padding, ceil = x4.shape[2:], x4.shape[2:], 0, False
    kernel = shapes.pair(size, "size", 1)
    stride = kernel if stride is None else shapes.pair(stride, "stride", 1)
    pads = shapes.pair(padding, "padding", 0)
    _check_pool_args(mode, kernel, pads)
    geom = windows.geometry(x4.shape[2:], kernel, stride, pads, 1, ceil)
    planes = x4.shape[0] * x4.shape[1]
    windows.check_work(geom, planes, planes, max_elements, out_field="size")
    windows.check_operations(comparisons(planes, geom, dout is not None or every_cell),
                             Text("comparisons") if mode == "max" else Text("additions"), "size", max_work)
    max_steps = windows.trace_count(max_steps, kernel[0] * kernel[1], max_elements)
    fill = -np.inf if mode == "max" else 0.0
    xp = windows.pad(x4, geom, fill) if any(pads) or any(geom.extra) else x4.view()
    xp.flags.writeable = False
    with np.errstate(invalid="ignore", over="ignore"):     # ±inf inputs: checked just below
        if mode == "max":
            out4, div = _separable(xp, geom, np.maximum), None
        else:
            div = _divisor(geom, count_include_pad)
            out4 = _separable(xp, geom, np.add) / div
    windows.require_defined(out4, Text("the output at (n, c, i, j) ="), inputs=((x4, "input"),))
    out_shape = x4.shape[:2][4 - x_ndim:] + geom.out_hw
    res = PoolResult(result=out4.reshape(out_shape), output_shape=out_shape, mode=mode,
                     size_h=geom.size_h, size_w=geom.size_w, padding=geom.padding,
                     kernel=kernel, stride=stride, divisor=div,
                     steps=_steps(mode, xp, geom, out4, div, max_steps),
                     total_steps=int(out4.size), padded=xp, _geom=geom, _ndim=x_ndim)
    return res if dout is None else backward(res, dout, max_steps, max_elements)


def backward(res, dout, max_steps=DEFAULT_MAX_STEPS, max_elements=None):
    """Route ``dout`` (output-shaped upstream gradient) back through the pooling ``res``.

    Fills and returns ``res``: grad_input (input-shaped) and the routing of the
    first max_steps positions. Uses what the forward pass kept (the padded
    input and its geometry), so nothing is pooled twice.
    """
    geom, xp = res._geom, res.padded
    d = windows.as_float(dout, Text("the upstream gradient"), "dout")
    if d.shape != res.output_shape:
        raise InputError("upstream gradient shape {got} does not match the output shape {want}", field="dout",
                         got=shape_text(d.shape), want=shape_text(res.output_shape))
    x_shape = xp.shape[:2] + geom.in_hw
    d4 = d.reshape(x_shape[:2] + geom.out_hw)
    rows = cols = None
    with np.errstate(invalid="ignore", over="ignore"):
        if res.mode == "max":
            rows, cols = _argmax(xp, geom)
            res.argmax = np.stack([rows, cols], axis=-1).reshape(res.output_shape + (2,))
            g = _backward_max(x_shape, rows, cols, d4)
        else:
            g = _backward_avg(x_shape, geom, d4, res.divisor)
    windows.require_defined(g, Text("the input gradient at (n, c, row, col) ="), inputs=((d4, "dout"),))
    res.grad_input = g.reshape(x_shape[4 - res._ndim:])
    per_route = 1 if res.mode == "max" else geom.kernel[0] * geom.kernel[1]
    res.routing = _routes(res.mode, geom, d4, res.divisor, rows, cols,
                          windows.trace_count(max_steps, per_route, max_elements))
    return res
