"""Sliding-window machinery shared by convolution and pooling.

Conventions: arrays are (..., H, W) with the spatial axes last; padding is
given per side as (top, bottom, left, right); dilation 1 means no gaps;
window (i, j) of the padded input starts at row i*sh, column j*sw and takes
every dh-th row and dw-th column, kh×kw cells in all.  Output sizes come
from nncalc.core.shapes (floor, or ceil with PyTorch's drop-last rule).

In ceil mode the last window may run past the padded input; ``pad`` then
adds ``extra`` cells at the bottom/right (filled with the same value as the
padding) so every window is a full kh×kw view.  Callers that count cells
(average pooling) must not count those extra cells; ``Geometry`` says where
they are.
"""

from dataclasses import dataclass

import numpy as np
from numpy.lib.stride_tricks import as_strided

from nncalc.core import shapes
from nncalc.core.errors import InputError, Text, shape_text


@dataclass(frozen=True)
class Geometry:
    """Where the windows are: input size, kernel, stride, dilation, padding per side."""

    in_hw: tuple
    kernel: tuple  # (kh, kw)
    stride: tuple  # (sh, sw)
    dilation: tuple  # (dh, dw)
    padding: tuple  # (top, bottom, left, right)
    extra: tuple  # (bottom, right) cells beyond the padding needed in ceil mode
    size_h: shapes.SizeRecord
    size_w: shapes.SizeRecord

    @property
    def out_hw(self):
        return (self.size_h.size, self.size_w.size)

    @property
    def padded_hw(self):
        pt, pb, pl, pr = self.padding
        h, w = self.in_hw
        return (h + pt + pb + self.extra[0], w + pl + pr + self.extra[1])


# Window offsets are computed in the platform's 64-bit integers; beyond this a
# stride or dilation can overflow them (a larger one never changes a result:
# past the input's size a stride leaves one window, a dilation one tap).
MAX_STEP = 2 ** 31 - 1


def geometry(in_hw, kernel, stride=1, padding=0, dilation=1, ceil=False):
    """Build the Geometry; padding is an int, (ph, pw) or (top, bottom, left, right)."""
    for value, name in ((stride, "stride"), (dilation, "dilation")):
        for v in value if isinstance(value, (tuple, list)) else (value,):
            if isinstance(v, (int, np.integer)) and v > MAX_STEP:    # other values: shapes checks them
                raise InputError("{v:,} is too large (at most {most:,})",
                                 field=name, v=v, most=MAX_STEP)
    sides = shapes.four_sides(padding)
    rh, rw = shapes.out_size2d(in_hw, kernel, stride, sides, dilation, ceil)
    extra = []
    for rec in (rh, rw):
        needed = (rec.size - 1) * rec.stride + rec.effective_kernel
        extra.append(max(0, needed - (rec.n + sum(rec.padding))))
    return Geometry(in_hw=(rh.n, rw.n), kernel=(rh.k, rw.k), stride=(rh.stride, rw.stride),
                    dilation=(rh.dilation, rw.dilation), padding=sides, extra=tuple(extra),
                    size_h=rh, size_w=rw)


def check_work(geom, planes, out_planes, max_elements, out_field="kernel"):
    """Refuse geometry whose padded input or output would exceed ``max_elements``.

    ``planes`` counts the input's N×C maps, ``out_planes`` the output's. The
    user's input is already under the limit; huge padding or a huge window can
    still ask for far more memory than that, so this is checked before any
    allocation. The error's code is "over_limit" (a caller may say how to raise the limit).
    An output map is never larger than the padded input map (stride ≥ 1), so
    an output over the limit comes from its number of maps: ``out_field``
    (conv's filters, "kernel") is blamed, never the stride.
    """
    if max_elements is None:
        return
    ph, pw = geom.padded_hw
    oh, ow = geom.out_hw
    for what, maps, h, w, name in ((Text("the padded input"), planes, ph, pw, "padding"),
                                   (Text("the output"), out_planes, oh, ow, out_field)):
        if maps * h * w > max_elements:
            raise InputError("{what} would have {count:,} elements ({maps:,} × {h:,}×{w:,}), over the "
                             "limit of {limit:,}",
                             field=name, code="over_limit", what=what, count=maps * h * w, maps=maps, h=h, w=w, limit=max_elements)


# A trace (the step records and tables) holds at most max_elements // TRACE_SHARE numbers:
# a traced number costs about 1 KB to keep and render, an input element 8 to 64 bytes.
TRACE_SHARE = 100


def trace_count(max_steps, per_step, max_elements):
    """How many step records to build: at most ``max_steps``, and together within the
    trace budget when each record holds ``per_step`` numbers (none when one is too big)."""
    if max_elements is None:
        return max(0, int(max_steps))
    return max(0, min(int(max_steps), trace_budget(max_elements) // max(per_step, 1)))


def trace_budget(max_elements):
    """The most numbers a trace may hold: max_elements // TRACE_SHARE, at least 1,000."""
    return max(1000, max_elements // TRACE_SHARE)


def check_operations(count, what, field, max_work):
    """Refuse work estimated at more than ``max_work`` operations, before doing any of it."""
    if max_work is not None and count > max_work:
        raise InputError("needs about {count:,} {what}, over the work limit of {limit:,}", field=field,
                         code="over_work", count=count, what=what, limit=max_work)


def pad(x, geom, value=0.0):
    """A new float64 array: x with padding per side (plus ceil-mode extra) set to ``value``.

    The input is never modified; the result is always a fresh copy.
    """
    pt, pb, pl, pr = geom.padding
    h, w = geom.in_hw
    ph, pw = geom.padded_hw
    out = np.empty(x.shape[:-2] + (ph, pw), dtype=np.float64)
    if pt or pb or pl or pr or geom.extra != (0, 0):
        out[..., :pt, :] = value
        out[..., pt + h:, :] = value
        out[..., pt:pt + h, :pl] = value
        out[..., pt:pt + h, pl + w:] = value
    out[..., pt:pt + h, pl:pl + w] = x
    return out


def window_view(xp, geom):
    """Read-only strided view (..., OH, OW, kh, kw) of the windows of a padded array.

    No data is copied: element [..., i, j, a, b] is xp[..., i*sh + a*dh, j*sw + b*dw].
    """
    oh, ow = geom.out_hw
    kh, kw = geom.kernel
    sh, sw = geom.stride
    dh, dw = geom.dilation
    st = xp.strides
    view = as_strided(xp, shape=xp.shape[:-2] + (oh, ow, kh, kw),
                      strides=st[:-2] + (st[-2] * sh, st[-1] * sw, st[-2] * dh, st[-1] * dw),
                      writeable=False)
    return view


def tap_slices(geom, a, b, out_rows=None):
    """The (row, col) slices of the padded input whose elements are cell (a, b) of every
    window (of output rows r0..r1−1 when ``out_rows`` = (r0, r1)): an (..., OH, OW) view."""
    (oh, ow), (sh, sw), (dh, dw) = geom.out_hw, geom.stride, geom.dilation
    r0, r1 = out_rows or (0, oh)
    return (slice(r0 * sh + a * dh, (r1 - 1) * sh + a * dh + 1, sh),
            slice(b * dw, (ow - 1) * sw + b * dw + 1, sw))


def offset_slices(geom):
    """For each kernel offset (a, b) in row-major order: a, b and its tap_slices."""
    kh, kw = geom.kernel
    for a in range(kh):
        for b in range(kw):
            yield (a, b) + tap_slices(geom, a, b)


def row_chunks(geom, channels, budget_bytes=2 * 2 ** 20):
    """Split the output into blocks whose im2col matrix (channels*kh*kw × cells, float64)
    stays within ``budget_bytes`` (cache-sized: measured fastest); yields (r0, r1, c0, c1).

    Whole rows while a row fits; when one row is too big (a huge kernel on a
    wide input), each row is cut into column blocks, down to one window at a
    time, so the working set never exceeds the budget or one window's size.
    """
    oh, ow = geom.out_hw
    per_window = channels * geom.kernel[0] * geom.kernel[1] * 8
    if per_window * ow <= budget_bytes:
        step = max(1, min(oh, budget_bytes // max(per_window * ow, 1)))
        for r0 in range(0, oh, step):
            yield r0, min(oh, r0 + step), 0, ow
        return
    width = max(1, budget_bytes // per_window)
    for r0 in range(oh):
        for c0 in range(0, ow, width):
            yield r0, r0 + 1, c0, min(ow, c0 + width)


def im2col(view_chunk):
    """Copy a (C, r, OW, kh, kw) window view, or a batch (nb, C, r, OW, kh, kw) of them, into a
    (C*kh*kw, [nb*]r*OW) matrix (rows ordered channel, kernel row, kernel column, matching a
    C×kh×kw filter; columns sample by sample, then row-major positions)."""
    batch = view_chunk if view_chunk.ndim == 6 else view_chunk[None]
    nb, c, r, ow, kh, kw = batch.shape
    return np.ascontiguousarray(batch.transpose(1, 4, 5, 0, 2, 3)).reshape(c * kh * kw, nb * r * ow)


def input_position(geom, i, j, a, b):
    """Unpadded input (row, col) of cell (a, b) of window (i, j); may lie in the padding."""
    pt, _, pl, _ = geom.padding
    return (i * geom.stride[0] + a * geom.dilation[0] - pt,
            j * geom.stride[1] + b * geom.dilation[1] - pl)


def require_defined(result, what, inputs=()):
    """Refuse a result holding nan when none of ``inputs`` does: ±inf in a window made it.

    ``inputs`` is a sequence of (array, field name); the error names the
    first that holds an inf (the first overall when none does: an overflow
    made it). inf·0 and inf − inf have no value, and nan would not read back
    as input in a pipe. (The CLI never passes nan in; a core caller who does
    gets nan back, as PyTorch gives.) Call with NumPy's invalid-value
    warnings silenced: this check is the user's message instead.
    """
    bad = np.isnan(result)
    if bad.any() and not any(np.isnan(a).any() for a, _ in inputs):
        where = ", ".join(str(int(i)) for i in np.argwhere(bad)[0])
        holders = [name for a, name in inputs if np.isinf(a).any()] or [name for _, name in inputs[:1]]
        raise InputError("{what} ({where}) is undefined (nan): inf·0 or inf − inf arises in its sum; inf "
                         "is accepted only where the result has a value",
                         field=holders[0] if holders else None, what=what, where=where)


def as_float(a, what, field):
    """A as a float64 array; a ragged one is an InputError naming FIELD."""
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (ValueError, TypeError):
        raise InputError("{what} must be a regular array of numbers (all rows and filters the same size)",
                         field=field, what=what) from None
    return arr


def normalise_input(x):
    """x as a float64 (N, C, H, W) array, plus the number of dimensions it came with."""
    arr = as_float(x, Text("the input"), "input")
    if arr.ndim not in (2, 3, 4) or arr.size == 0:
        raise InputError("the input must be H×W, C×H×W or N×C×H×W, got shape {shape}", field="input",
                         shape=shape_text(arr.shape))
    return arr.reshape((1,) * (4 - arr.ndim) + arr.shape), arr.ndim
