"""Convolution as a layer: a forward that keeps what backward needs, and the backward.

Forward (cross-correlation; xp is the input zero-padded per side, stride s,
dilation d, 1 = no gaps):

    Y[n,f,i,j] = b[f] + Σ_c Σ_a Σ_b  xp[n, c, i·sh + a·dh, j·sw + b·dw] · K[f,c,a,b]

Backward, with G = ∂E/∂Y (Y's shape):

    ∂E/∂b[f]       = Σ_n,i,j G[n,f,i,j]
    ∂E/∂K[f,c,a,b] = Σ_n,i,j xp[n, c, i·sh + a·dh, j·sw + b·dw] · G[n,f,i,j]
                     (the input values under tap (a, b), times G, summed)
    ∂E/∂xp[n,c,r,q] = Σ G[n,f,i,j] · K[f,c,a,b] over the windows (i, j) and taps
                     (a, b) with i·sh + a·dh = r and j·sw + b·dw = q, i.e.
                    = Σ_f full_conv(dilate_s(G[n,f]), K_d[f,c])[r, q]
                    = Σ_f corr(pad_{k_eff−1}(dilate_s(G[n,f])), rot180(K_d[f,c]))[r, q]
    ∂E/∂x          = ∂E/∂xp with the padding cropped.

dilate_s puts s−1 zeros between entries, K_d has d−1 zeros between taps,
k_eff = d·(k−1) + 1.  Rows and columns of xp that no window reaches (the
last (H + pt + pb − k_eff) mod s) get 0.

A layer uses it as:

    geom = windows.geometry(x.shape[2:], kernels.shape[2:], stride, padding, dilation)
    y, saved = forward(x, kernels, bias, geom)      # keep ``saved`` until backward
    g = backward(dy, saved)                         # g.grad_input, g.grad_kernel, g.grad_bias

Computation: im2col of the window view, cols = (C·kh·kw) × (N·OH·OW); then
∂E/∂K = G·colsᵀ and dcols = Kᵀ·G (two matrix products) and col2im adds dcols
back onto xp's grid, one kernel tap at a time.  Large inputs go in blocks of
samples or output rows so cols stays small.  Step records (``max_steps`` > 0)
are built apart from this path; the full-convolution view is computed there
independently (a gather over the rotated kernel's taps, not the scatter above).
"""

from dataclasses import dataclass
import itertools

import numpy as np

from nncalc.core import windows

KEEP_BYTES = 32 * 2 ** 20   # forward keeps cols for backward up to this size
BLOCK_BYTES = 2 * 2 ** 20   # otherwise cols are built in cache-sized blocks


@dataclass(frozen=True)
class ConvSaved:
    """What ``forward`` keeps for ``backward`` (read-only arrays; a new one per forward)."""

    padded: np.ndarray  # N×C×Hp×Wp, the zero-padded input
    geom: windows.Geometry
    kernels: np.ndarray  # F×C×kh×kw as applied
    cols: np.ndarray = None  # (C·kh·kw)×(N·OH·OW) im2col of ``padded``, None when too large


@dataclass(frozen=True)
class KernelTapStep:
    """∂E/∂K[f, c, a, b]: the input values under tap (a, b) times G[f], summed."""

    tap: tuple  # (f, c, a, b) in the kernel as given (before any flip)
    rows: tuple  # (start, stop, step): xp's rows under the tap, i·sh + a'·dh (a' the applied tap)
    cols: tuple  # (start, stop, step): xp's columns, j·sw + b'·dw
    inputs: np.ndarray  # N×OH×OW read-only view: xp[:, c, rows, cols]
    dout: np.ndarray  # N×OH×OW read-only view: G[:, f]
    total: float


@dataclass(frozen=True)
class InputGradStep:
    """∂E/∂x at one input position: Σ G·K over the windows covering it (0 when none)."""

    position: tuple  # (n, c, row, col) in the unpadded input
    terms: tuple  # ((f, i, j), (a, b), G[n,f,i,j], K[f,c,a,b]) per covering window, in window order
    total: float


@dataclass(frozen=True)
class FullConvView:
    """∂E/∂xp as a full convolution: Σ_f corr(padded_dout[f], rotated[f, c])."""

    dilated_dout: np.ndarray  # N×F×((OH−1)·sh+1)×((OW−1)·sw+1): sh−1, sw−1 zeros between entries
    padded_dout: np.ndarray  # the above with k_eff−1 zeros on every side
    rotated: np.ndarray  # F×C×keh×kew: K_d (dilated) rotated 180°
    full: np.ndarray  # N×C×(Hp−ah)×(Wp−aw): the correlation sum
    remainder: tuple  # (ah, aw): rows at the bottom, columns at the right no window reaches
    padding: tuple  # (top, bottom, left, right) cropped from ∂E/∂xp to give ∂E/∂x


@dataclass(frozen=True)
class ConvGrads:
    grad_input: np.ndarray  # ∂E/∂x, the input's shape
    grad_kernel: np.ndarray  # ∂E/∂K, F×C×kh×kw, w.r.t. the kernels as given (flip undone)
    grad_bias: np.ndarray  # (F,)
    grad_padded: np.ndarray  # ∂E/∂xp, N×C×Hp×Wp before cropping (a read-only-by-convention view)
    delta: np.ndarray  # G = ∂E/∂Y as used, N×F×OH×OW (conv2d_backward: ∂E/∂z, after h')
    tap_steps: tuple = ()  # KernelTapStep, first max_steps in (f, c, a, b) order
    input_steps: tuple = ()  # InputGradStep, first max_steps in (n, c, row, col) order
    total_taps: int = 0
    total_positions: int = 0
    full_view: FullConvView = None  # only with max_steps > 0


def _blocks(n, geom, channels, budget):
    """(samples slice, r0, r1) blocks whose im2col matrix stays within ``budget`` bytes:
    several whole samples when one fits, else windows.row_chunks of one sample (never less
    than one output row: the backward's blocks are not cut below a row)."""
    oh, ow = geom.out_hw
    per_sample = channels * geom.kernel[0] * geom.kernel[1] * ow * 8 * oh
    if per_sample <= budget:
        step = max(1, budget // per_sample)
        for n0 in range(0, n, step):
            yield slice(n0, min(n, n0 + step)), 0, oh
        return
    for b in range(n):      # whole rows at least: a row that row_chunks cuts into columns is one block
        for r0, r1, c0, _ in windows.row_chunks(geom, channels, budget):
            if c0 == 0:
                yield slice(b, b + 1), r0, r1


def _cols(xp, geom, samples, r0, r1):
    """im2col of a block: (C·kh·kw) × (nb·r·OW), rows in (c, a, b) order."""
    return windows.im2col(windows.window_view(xp[samples], geom)[:, :, r0:r1])


def _gmat(g4, samples, r0, r1):
    """G of a block as F × (nb·r·OW), columns in cols' order."""
    gb = g4[samples, :, r0:r1]
    return np.ascontiguousarray(gb.transpose(1, 0, 2, 3)).reshape(gb.shape[1], -1)


def padded(x4, geom):
    """A read-only zero-padded float64 copy of N×C×H×W ``x4`` (the input is never modified)."""
    xp = windows.pad(x4, geom, 0.0) if any(geom.padding) else np.array(x4, dtype=np.float64)
    xp.flags.writeable = False
    return xp


def forward(x4, kernels, bias, geom):
    """Y = corr(pad(x4), kernels) + bias for N×C×H×W ``x4``, F×C×kh×kw ``kernels``
    (as applied) and an F-vector ``bias``; returns (Y as N×F×OH×OW, ConvSaved).

    No validation: ``geom`` comes from windows.geometry(x4.shape[2:], kh×kw, ...)
    and the shapes must agree.  Keeps the padded input (and cols when small).
    """
    n, c = x4.shape[:2]
    f = kernels.shape[0]
    oh, ow = geom.out_hw
    xp = padded(x4, geom)
    wmat = kernels.reshape(f, -1)
    z = np.empty((n, f, oh, ow))
    keep = c * kernels[0, 0].size * n * oh * ow * 8 <= KEEP_BYTES
    blocks = [(slice(0, n), 0, oh)] if keep else _blocks(n, geom, c, BLOCK_BYTES)
    cols = None
    for samples, r0, r1 in blocks:
        cols = _cols(xp, geom, samples, r0, r1)
        zb = (wmat @ cols).reshape(f, -1, r1 - r0, ow)
        z[samples, :, r0:r1] = zb.transpose(1, 0, 2, 3)
    z += np.asarray(bias, dtype=np.float64).reshape(1, f, 1, 1)
    if keep:
        cols.flags.writeable = False
    return z, ConvSaved(padded=xp, geom=geom, kernels=kernels, cols=cols if keep else None)


def _saved_blocks(saved, n, oh):
    """Blocks of the work, with the kept cols when forward kept them (then one block)."""
    if saved.cols is not None:
        return [(slice(0, n), 0, oh, saved.cols)]
    return [(s, r0, r1, None) for s, r0, r1 in _blocks(n, saved.geom, saved.padded.shape[1], BLOCK_BYTES)]


def kernel_grad(dout, saved):
    """∂E/∂K (F×C×kh×kw, for the kernels as applied) and ∂E/∂b (F,) from ∂E/∂Y:
    G·colsᵀ and Σ_n,i,j G."""
    xp, geom, k4 = saved.padded, saved.geom, saved.kernels
    g4 = np.asarray(dout, dtype=np.float64)
    grad_k = np.zeros((k4.shape[0], k4[0].size))
    for samples, r0, r1, cols in _saved_blocks(saved, xp.shape[0], geom.out_hw[0]):
        cols = _cols(xp, geom, samples, r0, r1) if cols is None else cols
        grad_k += _gmat(g4, samples, r0, r1) @ cols.T
    return grad_k.reshape(k4.shape), g4.sum(axis=(0, 2, 3))


def input_grad(dout, saved):
    """∂E/∂xp (N×C×Hp×Wp, the padded input's shape) from ∂E/∂Y: dcols = Kᵀ·G added back
    onto the windows one kernel tap at a time (col2im).  Crop the padding for ∂E/∂x."""
    xp, geom, k4 = saved.padded, saved.geom, saved.kernels
    g4 = np.asarray(dout, dtype=np.float64)
    n, c = xp.shape[:2]
    f, _, kh, kw = k4.shape
    ow = geom.out_hw[1]
    wtap = k4.transpose(2, 3, 1, 0).reshape(-1, f)    # rows in (a, b, c) order: one tap is contiguous
    gp = np.zeros((c, n) + xp.shape[2:])               # channel-major while adding, as dcols is
    for samples, r0, r1, _ in _saved_blocks(saved, n, geom.out_hw[0]):
        dcols = (wtap @ _gmat(g4, samples, r0, r1)).reshape(kh, kw, c, -1, r1 - r0, ow)
        for a, b in itertools.product(range(kh), range(kw)):
            rows, cols = windows.tap_slices(geom, a, b, (r0, r1))
            gp[:, samples, rows, cols] += dcols[a, b]
    return gp.transpose(1, 0, 2, 3)


def crop(grad_padded, geom):
    """∂E/∂x from ∂E/∂xp: the padding cut off (a new array)."""
    pt, _, pl, _ = geom.padding
    h, w = geom.in_hw
    return grad_padded[:, :, pt:pt + h, pl:pl + w].copy()


def backward(dout, saved, flip=False, max_steps=0):
    """Gradients of a convolution from ∂E/∂Y (``dout``, N×F×OH×OW) and ``saved``.

    Returns ConvGrads with grad_input N×C×H×W.  ``flip``: the kernels were
    rotated 180° before being applied, so grad_kernel is rotated back to the
    kernels as given.  ``max_steps`` > 0 also builds the step records.
    (A layer that needs only some gradients calls kernel_grad / input_grad.)
    """
    xp, geom, k4 = saved.padded, saved.geom, saved.kernels
    g4 = np.array(dout, dtype=np.float64)      # a copy: the records hold views of it
    g4.flags.writeable = False
    grad_k, grad_b = kernel_grad(g4, saved)
    if flip:
        grad_k = grad_k[:, :, ::-1, ::-1]
    gp = input_grad(g4, saved)
    grads = ConvGrads(grad_input=crop(gp, geom), grad_kernel=np.ascontiguousarray(grad_k),
                      grad_bias=grad_b, grad_padded=gp, delta=g4, total_taps=int(k4.size),
                      total_positions=int(np.prod(xp.shape[:2])) * geom.in_hw[0] * geom.in_hw[1])
    if max_steps <= 0:
        return grads
    from dataclasses import replace
    return replace(grads, tap_steps=tap_steps(xp, geom, k4, g4, grads.grad_kernel, flip, max_steps),
                   input_steps=input_steps(geom, k4, g4, grads.grad_input, flip, max_steps),
                   full_view=full_view(geom, k4, g4))


def tap_steps(xp, geom, k4, g4, grad_k, flip, max_steps):
    """KernelTapStep for the first ``max_steps`` taps (f, c, a, b) of the kernels as given."""
    kh, kw = k4.shape[2:]
    steps = []
    for f, c, a, b in itertools.islice(np.ndindex(*k4.shape), int(max_steps)):
        aa, bb = (kh - 1 - a, kw - 1 - b) if flip else (a, b)
        rows, cols = windows.tap_slices(geom, aa, bb)
        steps.append(KernelTapStep(tap=(f, c, a, b), rows=(rows.start, rows.stop, rows.step),
                                   cols=(cols.start, cols.stop, cols.step), inputs=xp[:, c, rows, cols],
                                   dout=g4[:, f], total=float(grad_k[f, c, a, b])))
    return tuple(steps)


def _covering(p, k, s, d, out):
    """(tap, window) pairs along one axis whose window covers padded index p."""
    return [(a, (p - a * d) // s) for a in range(k)
            if p - a * d >= 0 and (p - a * d) % s == 0 and (p - a * d) // s < out]


def input_steps(geom, k4, g4, grad_x, flip, max_steps):
    """InputGradStep for the first ``max_steps`` input positions (n, c, row, col)."""
    f_count, _, kh, kw = k4.shape
    pt, _, pl, _ = geom.padding
    steps = []
    for n, c, r, q in itertools.islice(np.ndindex(*grad_x.shape), int(max_steps)):
        along_r = _covering(r + pt, kh, geom.stride[0], geom.dilation[0], geom.out_hw[0])
        along_q = _covering(q + pl, kw, geom.stride[1], geom.dilation[1], geom.out_hw[1])
        terms = []
        for f in range(f_count):
            for (a, i), (b, j) in itertools.product(along_r, along_q):
                tap = (kh - 1 - a, kw - 1 - b) if flip else (a, b)
                terms.append(((f, i, j), tap, float(g4[n, f, i, j]), float(k4[f, c, a, b])))
        steps.append(InputGradStep(position=(n, c, r, q), terms=tuple(sorted(terms)),
                                   total=float(grad_x[n, c, r, q])))
    return tuple(steps)


def full_view(geom, k4, g4):
    """The full-convolution view of ∂E/∂xp, computed by gathering over the rotated kernel."""
    n, f, oh, ow = g4.shape
    c, kh, kw = k4.shape[1:]
    (sh, sw), (dh, dw) = geom.stride, geom.dilation
    keh, kew = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    dilated = np.zeros((n, f, (oh - 1) * sh + 1, (ow - 1) * sw + 1))
    dilated[..., ::sh, ::sw] = g4
    padded = np.zeros(dilated.shape[:2] + (dilated.shape[2] + 2 * (keh - 1),
                                           dilated.shape[3] + 2 * (kew - 1)))
    padded[..., keh - 1:keh - 1 + dilated.shape[2], kew - 1:kew - 1 + dilated.shape[3]] = dilated
    rotated = np.zeros((f, c, keh, kew))
    rotated[:, :, ::dh, ::dw] = k4
    rotated = rotated[:, :, ::-1, ::-1]
    fh, fw = dilated.shape[2] + keh - 1, dilated.shape[3] + kew - 1
    full = np.zeros((n, c, fh, fw))
    for u, v in itertools.product(range(0, keh, dh), range(0, kew, dw)):   # the real taps only
        full += np.einsum("nfij,fc->ncij", padded[..., u:u + fh, v:v + fw], rotated[:, :, u, v])
    ph, pw = geom.padded_hw
    return FullConvView(dilated_dout=dilated, padded_dout=padded, rotated=rotated, full=full,
                        remainder=(ph - fh, pw - fw), padding=geom.padding)
