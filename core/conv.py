"""2-D convolution (cross-correlation, as deep-learning frameworks define it).

    out[n, f, i, j] = bias[f] + sum_c sum_a sum_b  xp[n, c, i*sh + a*dh, j*sw + b*dw] * K[f, c, a, b]

where xp is the input zero-padded per side (top, bottom, left, right), dilation
1 means no gaps and output sizes use the floor rule of nncalc.core.shapes.
``flip=True`` rotates each kernel 180° first, which turns the cross-correlation
into true mathematical convolution.  Everything is float64; inputs are never
modified.  The computation is vectorised (im2col of a strided window view,
a chunk of output rows at a time, then one matrix product); the per-position
``steps`` are built separately and only for the first ``max_steps`` positions.
"""

from dataclasses import dataclass, field
import itertools

import numpy as np

from nncalc.core import shapes, windows
from nncalc.core.windows import as_float as _as_float, normalise_input
from nncalc.core.errors import InputError, Text, shape_text

DEFAULT_MAX_STEPS = 100


@dataclass(frozen=True)
class ConvStep:
    """The arithmetic of one output position (n, f, i, j)."""

    position: tuple
    window: np.ndarray  # C×kh×kw, from the padded input, dilation applied
    products: np.ndarray  # window * kernel, element-wise
    channel_sums: np.ndarray  # (C,)
    total: float  # sum across channels
    bias: float
    pre_activation: float
    activated: float


@dataclass(frozen=True)
class ConvResult:
    result: np.ndarray
    output_shape: tuple
    padded_input: np.ndarray
    size_h: shapes.SizeRecord
    size_w: shapes.SizeRecord
    padding: tuple  # (top, bottom, left, right) actually used
    flip: bool
    kernels: np.ndarray  # F×C×kh×kw as applied (after flipping)
    steps: list = field(default_factory=list)
    total_steps: int = 0


def normalise_kernels(kernels, channels):
    """Filters as a float64 F×C×kh×kw array, plus whether one plain 2-D kernel was given.

    Accepts one kh×kw kernel, a list of kh×kw or of C×kh×kw filters, or an
    F×C×kh×kw array.  A 3-D array is a stack of kh×kw filters when the input
    has one channel and a single C×kh×kw filter otherwise; a 1-D kernel is
    one 1×n row (NumPy's atleast_2d).
    """
    k = _as_float(kernels, Text("the kernels"), "kernel")
    if k.ndim in (1, 2):
        k4, single = k.reshape(-1, k.shape[-1])[None, None], True
    elif k.ndim == 3:
        from_list = isinstance(kernels, (list, tuple))
        if from_list or channels == 1:
            k4, single = k[:, None], k.shape[0] == 1
        else:
            k4, single = k[None], False
    elif k.ndim == 4:
        k4, single = k, False
    else:
        raise InputError("kernels must be kh×kw, a list of filters or F×C×kh×kw, got shape {shape}",
                         field="kernel", shape=shape_text(k.shape))
    if k4.size == 0:
        raise InputError("the kernel is empty", field="kernel")
    if k4.shape[1] != channels:
        raise InputError("filter shape {shape} has {c} channel(s) but the input has {channels}; each "
                         "filter must be {channels}×kh×kw",
                         field="kernel", code="kernel_channels", shape=shape_text(k4.shape[1:]), c=k4.shape[1], channels=channels)
    return k4, single


def _bias_vector(bias, filters):
    if bias is None:
        return np.zeros(filters)
    b = _as_float(bias, Text("the bias"), "bias")
    if b.ndim == 0:
        return np.full(filters, float(b))
    b = b.ravel()
    if b.size != filters:
        raise InputError("bias has {n} value(s) but there are {filters} filter(s); give one number per "
                         "filter", field="bias", n=b.size, filters=filters)
    return b


def correlate(xp, k4, geom):
    """Vectorised cross-correlation of padded (N, C, Hp, Wp) with F×C×kh×kw -> (N, F, OH, OW).

    im2col on blocks of output rows, or of one row's columns when a row is too
    big (bounded memory), then a matrix product.
    """
    n, c = xp.shape[:2]
    f = k4.shape[0]
    oh, ow = geom.out_hw
    wmat = k4.reshape(f, -1)
    out = np.empty((n, f, oh, ow))
    flat = out.reshape(n, f, oh * ow)
    for b in range(n):
        view = windows.window_view(xp[b], geom)  # (C, OH, OW, kh, kw)
        for r0, r1, c0, c1 in windows.row_chunks(geom, c):
            cols = windows.im2col(view[:, r0:r1, c0:c1])
            if c1 - c0 == ow:                       # whole rows: straight into the output
                np.matmul(wmat, cols, out=flat[b, :, r0 * ow:r1 * ow])
            else:
                out[b, :, r0, c0:c1] = wmat @ cols
    return out


def _activate(name, z):
    if name is None:
        return z
    from nncalc.core import activations
    return np.asarray(activations.forward(name, z), dtype=np.float64)


def build_steps(view, k4, bias, z, result, max_steps, max_elements=None):
    """Step records for the first ``max_steps`` positions in (n, f, i, j) order, within the
    trace budget of ``max_elements`` (windows.trace_count: each holds 2·C·kh·kw numbers);
    ``view`` is the (N, C, OH, OW, kh, kw) window view of the padded input."""
    count = min(windows.trace_count(max_steps, 2 * k4[0].size, max_elements), z.size)
    steps = []
    for n, f, i, j in itertools.islice(np.ndindex(*z.shape), count):
        window = np.array(view[n, :, i, j])  # C×kh×kw copy
        products = window * k4[f]
        channel_sums = products.sum(axis=(1, 2))
        steps.append(ConvStep(position=(int(n), int(f), int(i), int(j)), window=window,
                              products=products, channel_sums=channel_sums,
                              total=float(channel_sums.sum()), bias=float(bias[f]),
                              pre_activation=float(z[n, f, i, j]),
                              activated=float(result[n, f, i, j])))
    return steps


def _setup(x, kernels, bias, stride, padding, dilation, flip, max_elements):
    """What conv2d and its backward share: the arrays as N×C×H×W / F×C×kh×kw, the kernels as
    applied (rotated when ``flip``), the padding sides, the window geometry and the bias vector."""
    x4, x_ndim = normalise_input(x)
    k4, single = normalise_kernels(kernels, x4.shape[1])
    applied = np.ascontiguousarray(k4[:, :, ::-1, ::-1] if flip else k4)
    sides = shapes.padding_sides(padding, x4.shape[2:], applied.shape[2:], stride, dilation)
    geom = windows.geometry(x4.shape[2:], applied.shape[2:], stride, sides, dilation)
    windows.check_work(geom, x4.shape[0] * x4.shape[1], x4.shape[0] * k4.shape[0], max_elements)
    return x4, x_ndim, k4, applied, single, sides, geom, _bias_vector(bias, k4.shape[0])


def multiply_adds(x_shape4, k_shape4, geom):
    """The work of a convolution: N·F·OH·OW·C·kh·kw multiply-adds."""
    n, f = x_shape4[0], k_shape4[0]
    c, kh, kw = k_shape4[1:]
    return n * f * geom.out_hw[0] * geom.out_hw[1] * c * kh * kw


def conv2d(x, kernels, bias=None, stride=1, padding=0, dilation=1, flip=False,
           activation=None, max_steps=DEFAULT_MAX_STEPS, max_elements=None, max_work=None,
           backward_planned=False):
    """Cross-correlate ``x`` with each filter, add its bias, apply ``activation``.

    x: H×W, C×H×W or N×C×H×W.  kernels: kh×kw, a list of kh×kw / C×kh×kw
    filters, or F×C×kh×kw.  padding: int, (ph, pw), (top, bottom, left,
    right), "same" or "valid".  Result: OH×OW for a 2-D input with one 2-D
    kernel, else F×OH×OW, or N×F×OH×OW for a batch.  ``max_elements`` bounds
    the padded input and the output (see windows.check_work) and the trace;
    ``max_work`` the multiply-adds (see multiply_adds), refused up front; with
    ``backward_planned`` three times as many (∂E/∂K and ∂E/∂X are products as big).
    """
    x4, x_ndim, _, k4, single, sides, geom, b = _setup(x, kernels, bias, stride, padding, dilation,
                                                       flip, max_elements)
    windows.check_operations((3 if backward_planned else 1) * multiply_adds(x4.shape, k4.shape, geom),
                             Text("multiply-adds"), "kernel", max_work)
    if any(sides):
        xp = windows.pad(x4, geom, 0.0)
    else:
        xp = x4.view()
    xp.flags.writeable = False
    with np.errstate(invalid="ignore", over="ignore"):     # ±inf inputs: checked just below
        z = correlate(xp, k4, geom)
        z += b[None, :, None, None]
        result = _activate(activation, z)
        windows.require_defined(result, Text("the output at (n, f, i, j) ="),
                                inputs=((x4, "input"), (k4, "kernel"), (b, "bias")))
        steps = build_steps(windows.window_view(xp, geom), k4, b, z, result, max_steps, max_elements)
    if x_ndim == 4:
        shaped, padded = result, xp
    elif x_ndim == 2 and single:
        shaped, padded = result[0, 0], xp[0, 0]
    else:
        shaped, padded = result[0], xp[0] if x_ndim == 3 else xp[0, 0]
    return ConvResult(result=shaped, output_shape=shaped.shape, padded_input=padded,
                      size_h=geom.size_h, size_w=geom.size_w, padding=sides, flip=bool(flip),
                      kernels=k4, steps=steps, total_steps=int(z.size))


def conv2d_backward(x, kernels, dout, bias=None, stride=1, padding=0, dilation=1, flip=False,
                    activation=None, max_steps=0, max_elements=None):
    """Gradients of ``conv2d`` (same arguments) given ``dout`` = ∂E/∂output.

    ``dout`` has conv2d's output shape (OH×OW, F×OH×OW or N×F×OH×OW).  With an
    ``activation`` it is the gradient of the activated output and G = dout·h'(z);
    otherwise G = dout.  Returns convgrad.ConvGrads: grad_input in x's shape,
    grad_kernel F×C×kh×kw w.r.t. the kernels as given (with ``flip`` the kernel
    is applied rotated, and its gradient is rotated back), grad_bias (F,).
    The formulas are in nncalc.core.convgrad; ``max_steps`` > 0 adds step records.
    """
    from nncalc.core import convgrad
    x4, x_ndim, k4, applied, single, sides, geom, b = _setup(x, kernels, bias, stride, padding,
                                                             dilation, flip, max_elements)
    out4 = (x4.shape[0], k4.shape[0]) + geom.out_hw
    out_shape = out4 if x_ndim == 4 else out4[2:] if (x_ndim == 2 and single) else out4[1:]
    d = _as_float(dout, Text("the upstream gradient"), "dout")
    if d.shape != out_shape:
        raise InputError("upstream gradient shape {shape} does not match the output shape {out_shape}",
                         field="dout", code="shape", shape=shape_text(d.shape), out_shape=shape_text(out_shape))
    g4 = d.reshape(out4)
    with np.errstate(invalid="ignore", over="ignore"):
        saved = convgrad.ConvSaved(convgrad.padded(x4, geom), geom, applied)
        if activation is not None:  # h'(z) at conv2d's own z, bit for bit (not a second product)
            z = correlate(saved.padded, applied, geom) + b[None, :, None, None]
            from nncalc.core import activations
            g4 = g4 * activations.derivative(activation, z)
        grads = convgrad.backward(g4, saved, flip=flip, max_steps=max_steps)
        for what, arr in ((Text("the input gradient at (n, c, row, col) ="), grads.grad_input),
                          (Text("the kernel gradient at (f, c, a, b) ="), grads.grad_kernel),
                          (Text("the bias gradient at (f) ="), grads.grad_bias)):
            windows.require_defined(arr, what, inputs=((g4, "dout"), (x4, "input"), (k4, "kernel")))
    from dataclasses import replace
    return replace(grads, grad_input=grads.grad_input.reshape(x4.shape[4 - x_ndim:]))
