"""Receptive field, effective stride and effective padding along a layer chain.

Araujo, Norris and Sim, "Computing Receptive Fields of Convolutional Neural
Networks" (Distill, 2019), written forwards from the chain's input: after
layers 1..l, with k_eff = d·(k − 1) + 1 and p the padding *before* (top/left),

    r_l = r_{l−1} + (k_eff − 1)·S_{l−1}     receptive field size
    S_l = S_{l−1}·s_l                        effective stride (product of strides)
    P_l = P_{l−1} + p_l·S_{l−1}              effective padding

from r_0 = 1, S_0 = 1, P_0 = 0.  Output j of layer l then sees input indices
j·S − P … j·S − P + r − 1 (the span, padding included; a dilated kernel
leaves gaps inside it).  Only the top/left padding enters P: bottom/right
padding (the odd extra zero of 'same', ceil mode's last window) decides how
many outputs there are, not where their fields lie.  Activations are 1×1,
stride-1 layers and change nothing; flatten and fc end the spatial part, so
they and every layer after them have no field (None).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class AxisField:
    """One axis of a layer's field, and the step that produced it from the previous one."""

    size: int           # r
    stride: int         # S
    padding: int        # P
    kernel: int         # this layer's k_eff (1 for an activation)
    layer_stride: int   # this layer's s
    layer_padding: int  # this layer's padding before (top or left)
    prev: tuple         # (r, S, P) of the layer before

    @property
    def region(self):
        """The first and last input index that output 0 sees."""
        return (-self.padding, self.size - 1 - self.padding)


@dataclass(frozen=True)
class LayerField:
    """A spatial layer's field along H and W."""

    index: int
    h: AxisField
    w: AxisField

    def value(self, name):
        """One quantity ('size', 'stride' or 'padding') as a number, or (h, w) when they differ."""
        a, b = getattr(self.h, name), getattr(self.w, name)
        return a if a == b else (a, b)


_START = (1, 1, 0)


def step(prev, kernel, stride, padding):
    """The recurrence for one axis: (r, S, P) after a layer with k_eff, s and padding before."""
    r, s_prev, p_prev = prev
    return AxisField(size=r + (kernel - 1) * s_prev, stride=s_prev * stride,
                     padding=p_prev + padding * s_prev, kernel=kernel,
                     layer_stride=stride, layer_padding=padding, prev=prev)


def _axis_triple(field):
    return (field.size, field.stride, field.padding)


def chain_fields(rows):
    """A LayerField (or None once the chain is no longer spatial) for each row of a ChainSummary.

    conv and pool rows read k_eff, s and the padding before from their size
    records, so 'same', 'valid' and ceil mode count exactly as the shapes do.
    """
    fields, prev = [], (_START, _START)
    for row in rows:
        if row.sizes:
            steps = [(rec.effective_kernel, rec.stride, rec.padding[0]) for rec in row.sizes]
        elif row.layer.kind == "activation" and prev is not None and len(row.input_shape) == 3:
            steps = [(1, 1, 0), (1, 1, 0)]     # element-wise: a 1×1 window, stride 1, no padding
        else:                                   # fc, flatten, or anything after them
            prev = None
            fields.append(None)
            continue
        h, w = (step(p, *s) for p, s in zip(prev, steps))
        fields.append(LayerField(row.index, h, w))
        prev = (_axis_triple(h), _axis_triple(w))
    return fields
