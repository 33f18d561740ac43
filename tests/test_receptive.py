"""Receptive field, effective stride and effective padding of layer chains (nncalc.core.receptive).

References: published TF-Slim figures (google-research/receptive_field,
RECEPTIVE_FIELD_TABLE.md), the Distill article's worked example, hand-worked
chains, a plain-loop reference that follows every window back to the input,
and PyTorch's gradients as oracle.
"""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from nncalc.core import chain, receptive
from nncalc.core.errors import InputError


def fields_of(input_shape, tokens):
    summary = chain.summarise_chain(input_shape, tokens)
    return summary, receptive.chain_fields(summary.rows)


def triples(input_shape, tokens):
    """(r, S, P) per layer, each a number or (h, w); None where the chain is no longer spatial."""
    _, fields = fields_of(input_shape, tokens)
    return [None if f is None else (f.value("size"), f.value("stride"), f.value("padding"))
            for f in fields]


# ------------------------------------------------------------ published networks

CONV3 = {n: f"conv:{n},3,1,1" for n in (64, 128, 256, 512)}    # TF-Slim 'SAME' 3×3: one zero per side
VGG16 = [CONV3[64], CONV3[64], "pool:2",
         CONV3[128], CONV3[128], "pool:2",
         CONV3[256], CONV3[256], CONV3[256], "pool:2",
         CONV3[512], CONV3[512], CONV3[512], "pool:2",
         CONV3[512], CONV3[512], CONV3[512], "pool:2",
         "flatten", "fc:4096", "relu", "fc:4096", "relu", "fc:1000"]

# TF-Slim vgg_16 at 224×224, RECEPTIVE_FIELD_TABLE.md: end-point → (r, S, P); index into VGG16
VGG16_PUBLISHED = {
    "conv1_1": (0, (3, 1, 1)), "pool1": (2, (6, 2, 2)),
    "conv2_1": (3, (10, 2, 4)), "pool2": (5, (16, 4, 6)),
    "conv3_1": (6, (24, 4, 10)), "conv3_2": (7, (32, 4, 14)), "pool3": (9, (44, 8, 18)),
    "conv4_1": (10, (60, 8, 26)), "conv4_2": (11, (76, 8, 34)), "pool4": (13, (100, 16, 42)),
    "conv5_1": (14, (132, 16, 58)), "conv5_2": (15, (164, 16, 74)), "pool5": (17, (212, 32, 90)),
}


@pytest.mark.parametrize("name", VGG16_PUBLISHED)
def test_vgg16_published_values_at_224(name):
    index, expected = VGG16_PUBLISHED[name]
    assert triples((3, 224, 224), VGG16)[index] == expected


def test_vgg16_fc_layers_have_no_field():
    got = triples((3, 224, 224), VGG16)
    assert got[17] == (212, 32, 90)
    assert got[18:] == [None] * 6        # flatten, fc, relu, fc, relu, fc


# Other TF-Slim networks of the same table (other frameworks differ: torchvision's ResNet-50
# strides the first unit of a stage, TF-Slim's resnet_v1 the last).
ALEXNET_V2 = ["conv:64,11,4,0", "pool:3,2", "conv:192,5,1,2", "pool:3,2",
              "conv:384,3,1,1", "conv:384,3,1,1", "conv:256,3,1,1", "pool:3,2"]
ALEXNET_V2_PUBLISHED = {0: (11, 4, 0), 1: (19, 8, 0), 2: (51, 8, 16), 4: (99, 16, 32),
                        5: (131, 16, 48), 6: (163, 16, 64), 7: (195, 32, 64)}


def test_alexnet_v2_tf_slim():
    got = triples((3, 224, 224), ALEXNET_V2)
    assert {i: got[i] for i in ALEXNET_V2_PUBLISHED} == ALEXNET_V2_PUBLISHED


def resnet50_v1_tf_slim():
    """Main path of TF-Slim resnet_v1_50: conv2d_same pads (k−1)//2 explicitly where s = 2;
    its 'SAME' max pool on 112 pads nothing before (ceil mode gives the same 56 outputs)."""
    tokens, block_ends = ["conv:64,7,2,3", "pool:3,2,0,ceil"], []
    for depth, units, stride in ((64, 3, 2), (128, 4, 2), (256, 6, 2), (512, 3, 1)):
        for unit in range(units):
            s = stride if unit == units - 1 else 1
            tokens += [f"conv:{depth},1", f"conv:{depth},3,{s},1", f"conv:{4 * depth},1"]
        block_ends.append(len(tokens) - 1)
    return tokens, block_ends


def test_resnet50_v1_tf_slim_blocks():
    tokens, ends = resnet50_v1_tf_slim()
    got = triples((3, 224, 224), tokens)
    assert [got[i] for i in ends] == [(35, 8, 15), (99, 16, 47), (291, 32, 143), (483, 32, 239)]


@pytest.mark.parametrize("size, pool_before, expected", [
    # inception_v2 stem: Conv2d_1a_7x7 (s 2, SAME), MaxPool_2a_3x3, Conv2d_2b_1x1,
    # Conv2d_2c_3x3, MaxPool_3a_3x3 (s 2, SAME). A 'same' pool is written as the padding
    # TensorFlow would put before (0 or 1) with ceil mode for its output count.
    (224, ("pool:3,2,0,ceil", "pool:3,2,0,ceil"), [(7, 2, 2), (11, 4, 2), (11, 4, 2), (19, 4, 6), (27, 8, 6)]),
    (321, ("pool:3,2,1", "pool:3,2,1"), [(7, 2, 3), (11, 4, 5), (11, 4, 5), (19, 4, 9), (27, 8, 13)]),
])
def test_inception_v2_stem_same_padding_counts_the_zeros_before(size, pool_before, expected):
    tokens = ["conv:64,7,2,same", pool_before[0], "conv:64,1", "conv:192,3,1,same", pool_before[1]]
    assert triples((3, size, size), tokens) == expected


# ------------------------------------------------------------ hand-worked chains

def test_distill_worked_example():
    # k1 = 3, p1 = 1, s1 = 3 then k2 = 2, p2 = 0, s2 = 1: r = 3 + (2−1)·3 = 6, P = 1,
    # so output 0 sees input −1 … 4
    _, fields = fields_of((1, 12, 12), ["conv:1,3,3,1", "conv:1,2,1,0"])
    last = fields[-1]
    assert (last.h.size, last.h.stride, last.h.padding) == (6, 3, 1)
    assert last.h.region == (-1, 4) and last.w.region == (-1, 4)


@pytest.mark.parametrize("convs, r", [(1, 3), (2, 5), (3, 7)])
def test_stacked_3x3_convolutions(convs, r):
    assert triples((1, 16, 16), ["conv:4,3"] * convs)[-1] == (r, 1, 0)


def test_hand_worked_dilated_and_rectangular_chain():
    # input 32×24.
    # 1 conv 3×5, dilation 2, 'same': k_eff = 2·(3−1)+1 = 5 (H), 2·(5−1)+1 = 9 (W);
    #   same at stride 1 pads (k_eff − 1) = 4 | 8 in all, 2 | 4 before:
    #   r = 1 + 4·1 = 5 | 1 + 8·1 = 9, S = 1, P = 0 + 2·1 = 2 | 0 + 4·1 = 4
    # 2 max pool 3, stride 2, padding 1, ceil: r = 5 + 2·1 = 7 | 9 + 2·1 = 11, S = 2,
    #   P = 2 + 1·1 = 3 | 4 + 1·1 = 5
    # 3 relu: unchanged
    # 4 conv 3, stride 2, 'valid': r = 7 + 2·2 = 11 | 11 + 2·2 = 15, S = 4, P = 3 | 5
    tokens = ["conv:4,3x5,1,same,2", "pool:3,2,1,ceil", "relu", "conv:2,3,2,valid", "flatten", "fc:3"]
    assert triples((3, 32, 24), tokens) == [
        ((5, 9), 1, (2, 4)), ((7, 11), 2, (3, 5)), ((7, 11), 2, (3, 5)), ((11, 15), 4, (3, 5)),
        None, None]


def test_step_record_keeps_the_numbers_it_used():
    _, fields = fields_of((1, 20, 20), ["conv:1,3,2,1", "conv:1,3,1,0,2"])
    h = fields[1].h
    assert (h.prev, h.kernel, h.layer_stride, h.layer_padding) == ((3, 2, 1), 5, 1, 0)
    assert (h.size, h.stride, h.padding) == (3 + (5 - 1) * 2, 2, 1)


def test_ceil_mode_and_padding_after_leave_the_effective_padding_alone():
    # 7 → ceil((7−2)/2)+1 = 4 windows: the last one hangs past the input, on the right only
    floor_, ceil_ = triples((1, 7, 7), ["pool:2"]), triples((1, 7, 7), ["pool:2,2,0,ceil"])
    assert floor_ == ceil_ == [(2, 2, 0)]
    # 'same' at stride 2 on an even input puts its one zero after: nothing before
    assert triples((1, 8, 8), ["conv:1,3,2,same"]) == [(3, 2, 0)]
    assert triples((1, 9, 9), ["conv:1,3,2,same"]) == [(3, 2, 1)]


def test_activation_first_and_on_vectors():
    assert triples((1, 5, 5), ["relu", "conv:1,3"]) == [(1, 1, 0), (3, 1, 0)]
    assert triples((10,), ["relu", "fc:3"]) == [None, None]


# ------------------------------------------------------ plain-loop reference

def tf_same_before(n, k_eff, s):
    """TensorFlow's 'same': ceil(n/s) outputs; the zeros before are half the total, rounded down."""
    out = -(-n // s)
    return max((out - 1) * s + k_eff - n, 0) // 2


def seen_by(output_index, layers):
    """Input indices (padding positions included) that one output depends on: walk each
    window of each layer back to its input, layer by layer. No formula, only loops."""
    seen = {output_index}
    for k, s, before, d in reversed(layers):
        seen = {o * s - before + d * t for o in seen for t in range(k)}
    return seen


def axis_layers(summary, axis):
    """(k, s, padding before, d) along one axis for each spatial layer, from the tokens' own numbers."""
    out = []
    for row in summary.rows:
        p = row.layer.params
        if row.layer.kind == "activation":
            out.append((1, 1, 0, 1))
            continue
        k = p["k"] if isinstance(p["k"], int) else p["k"][axis]
        if row.layer.kind == "pool":
            out.append((k, p.get("s", k), p.get("p", 0), 1))
            continue
        s, d, pad = p.get("s", 1), p.get("d", 1), p.get("p", 0)
        if pad == "same":
            pad = tf_same_before(row.input_shape[1 + axis], d * (k - 1) + 1, s)
        out.append((k, s, 0 if pad == "valid" else pad, d))
    return out


@st.composite
def spatial_chains(draw):
    tokens = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["conv", "conv", "pool", "relu"]))
        if kind == "relu":
            tokens.append("relu")
        elif kind == "pool":
            k = draw(st.integers(1, 4))
            ceil = ",ceil" if draw(st.booleans()) else ""
            tokens.append(f"pool:{k},{draw(st.integers(1, 3))},{draw(st.integers(0, k // 2))}{ceil}")
        else:
            kh, kw = draw(st.integers(1, 5)), draw(st.integers(1, 5))
            pad = draw(st.sampled_from(["0", "1", "2", "same", "valid"]))
            tokens.append(f"conv:2,{kh}x{kw},{draw(st.integers(1, 3))},{pad},{draw(st.integers(1, 3))}")
    return tokens


@settings(max_examples=300, deadline=None)
@given(tokens=spatial_chains(), h=st.integers(6, 60), w=st.integers(6, 60))
def test_formulas_agree_with_following_every_window_back(tokens, h, w):
    try:
        summary, fields = fields_of((2, h, w), tokens)
    except InputError:
        assume(False)
    for axis, name in ((0, "h"), (1, "w")):
        layers = axis_layers(summary, axis)
        for n, field in enumerate(fields, 1):
            first, second = seen_by(0, layers[:n]), seen_by(1, layers[:n])
            got = getattr(field, name)
            assert got.size == max(first) - min(first) + 1
            assert got.padding == -min(first)
            assert got.stride == min(second) - min(first)
            assert got.region == (min(first), max(first))


# ------------------------------------------------------------ PyTorch oracle

def _torch_forward(torch, x, summary):
    """The chain in PyTorch with all-ones kernels and average pools, so every input in a
    field reaches the output with a positive weight (max pooling would route to one winner)."""
    F = torch.nn.functional
    for row in summary.rows:
        p = row.layer.params
        if row.layer.kind == "activation":
            x = torch.relu(x)
            continue
        k = p["k"] if isinstance(p["k"], tuple) else (p["k"], p["k"])
        if row.layer.kind == "pool":
            s = p.get("s", p["k"])
            x = F.avg_pool2d(x, k, s, p.get("p", 0), ceil_mode=p.get("ceil", False))
            continue
        s, d, pad = p.get("s", 1), p.get("d", 1), p.get("p", 0)
        if pad == "same":                     # TensorFlow's rule, padded by hand (any stride)
            sides = []
            for axis in (1, 0):               # F.pad takes the last axis first
                n, k_eff = x.shape[2 + axis], d * (k[axis] - 1) + 1
                before = tf_same_before(n, k_eff, s)
                total = max((-(-n // s) - 1) * s + k_eff - n, 0)
                sides += [before, total - before]
            x, pad = F.pad(x, sides), 0
        elif pad == "valid":
            pad = 0
        x = F.conv2d(x, torch.ones(1, x.shape[1], *k, dtype=x.dtype), None, s, pad, d)
    return x


@pytest.mark.oracle
@pytest.mark.parametrize("seed", range(40))
def test_torch_gradient_of_one_output_covers_exactly_its_field(seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    tokens = []
    for _ in range(rng.integers(1, 5)):
        kind = rng.choice(["conv", "conv", "pool", "relu"])
        if kind == "relu":
            tokens.append("relu")
        elif kind == "pool":
            k = int(rng.integers(1, 4))
            ceil = ",ceil" if rng.integers(2) else ""
            tokens.append(f"pool:{k},{rng.integers(1, 3)},{rng.integers(0, k // 2 + 1)}{ceil}")
        else:
            pad = rng.choice(["0", "1", "same", "valid"])
            tokens.append(f"conv:1,{rng.integers(1, 5)}x{rng.integers(1, 5)},{rng.integers(1, 3)},"
                          f"{pad},{rng.integers(1, 3)}")
    summary, fields = fields_of((1, 48, 40), tokens)
    x = torch.ones(1, 1, 48, 40, dtype=torch.float64, requires_grad=True)
    y = _torch_forward(torch, x, summary)
    assert tuple(y.shape[1:]) == summary.output_shape
    i, j = y.shape[2] // 2, y.shape[3] // 2          # a middle output: its field lies inside
    y[0, 0, i, j].backward()
    rows, cols = np.nonzero(x.grad[0, 0].numpy())
    f = fields[-1]
    assert (rows.min(), rows.max()) == (i * f.h.stride - f.h.padding, i * f.h.stride - f.h.padding + f.h.size - 1)
    assert (cols.min(), cols.max()) == (j * f.w.stride - f.w.padding, j * f.w.stride - f.w.padding + f.w.size - 1)
