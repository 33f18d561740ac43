"""Tests for nncalc.core.shapes: the size formula, same/transposed padding, chains."""

import math
from fractions import Fraction

import pytest
from hypothesis import given, strategies as st

from nncalc.core import chain, shapes
from nncalc.core.errors import InputError


def test_lenet_first_conv():
    # (28 + 2*0 - 5)/1 + 1 = 24
    r = shapes.out_size(28, 5)
    assert r.size == 24 and r.quotient == 23 and r.whole and r.rounding == "floor"


def test_strided_padded():
    # (7 + 2*1 - 3)/2 + 1 = 4
    r = shapes.out_size(7, 3, stride=2, padding=1)
    assert r.size == 4 and r.quotient == Fraction(3) and r.padding == (1, 1)


def test_non_whole_floor_and_ceil():
    # (6 - 3)/2 = 3/2: floor -> 2, ceil -> 3
    f = shapes.out_size(6, 3, stride=2)
    c = shapes.out_size(6, 3, stride=2, ceil=True)
    assert f.quotient == Fraction(3, 2) and not f.whole
    assert (f.size, c.size) == (2, 3)
    assert c.rounding == "ceil" and not c.dropped_last


def test_ceil_drops_window_starting_in_padding():
    # n=5, k=2, s=2, p=1: q = 5/2, ceil -> 4 windows, but window 3 starts at 6 >= 5+1
    r = shapes.out_size(5, 2, stride=2, padding=1, ceil=True)
    assert r.size == 3 and r.dropped_last


def test_dilation():
    r = shapes.out_size(7, 3, dilation=2)
    assert r.effective_kernel == 5 and r.size == 3


def test_asymmetric_padding():
    assert shapes.out_size(5, 3, padding=(0, 1)).size == 4


@pytest.mark.parametrize("kwargs,field", [
    (dict(stride=0), "stride"), (dict(padding=-1), "padding"),
    (dict(dilation=0), "dilation"), (dict(stride=1.5), "stride"), (dict(k=9), "kernel"),
])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(InputError) as e:
        shapes.out_size(**{"n": 8, "k": 3, **kwargs})
    assert e.value.field == field and not hasattr(e.value, "arg") and "--" not in e.value.message


def test_transposed_errors_name_the_field():
    with pytest.raises(InputError) as e:
        shapes.transposed_size(4, 3, s=2, output_padding=2)
    assert e.value.field == "output_padding" and e.value.message.startswith("output padding 2 must")
    with pytest.raises(InputError) as e:
        shapes.transposed_size(2, 1, p=3)
    assert e.value.field == "padding" and "would be -4" in e.value.message  # (2−1)·1 − 2·3 + 0 + 1


def test_kernel_does_not_fit_message():
    # the dilated size is news only when a dilation above 1 was given: d·(k−1)+1 = k at d = 1
    with pytest.raises(InputError) as e:
        shapes.out_size2d(3, 5)
    assert str(e.value) == "kernel 5×5 does not fit the padded input 3×3"
    with pytest.raises(InputError) as e:
        shapes.out_size2d(3, 2, dilation=(1, 4))
    assert str(e.value) == "kernel 2×2 (dilated 2×5) does not fit the padded input 3×3"
    with pytest.raises(InputError) as e:
        shapes.out_size(2, 3)
    assert str(e.value) == "kernel 3 does not fit the padded input 2"
    with pytest.raises(InputError, match=r"kernel 3 \(dilated 5\) does not fit the padded input 4"):
        shapes.out_size(4, 3, dilation=2)


def test_non_integer_size():
    with pytest.raises(InputError, match="whole number"):
        shapes.out_size(7.5, 3)
    with pytest.raises(InputError):
        shapes.out_size("7", 3)
    assert shapes.out_size(7.0, 3).size == 5


def test_pair():
    assert shapes.pair(3, "stride") == (3, 3)
    assert shapes.pair([2, 1], "stride") == (2, 1)
    with pytest.raises(InputError) as e:
        shapes.pair((1, 2, 3), "stride")
    assert e.value.field == "stride" and e.value.message == "stride must be one number or two (h, w), got 3 values"


@given(n=st.integers(1, 60), k=st.integers(1, 9), s=st.integers(1, 5), d=st.integers(1, 3))
def test_same_padding_gives_ceil_n_over_s(n, k, s, d):
    before, after = shapes.same_padding(n, k, s, d)
    total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
    assert (before, after) == (total // 2, total - total // 2)        # the odd one goes after
    assert shapes.out_size(n, k, s, (before, after), d).size == math.ceil(n / s)


@pytest.mark.parametrize("padding, sides", [
    ("same", (1, 1, 0, 1)),        # H 5, k 3: 2 zeros; W 6, k 2: 1 zero, after
    (" Valid ", (0, 0, 0, 0)),
    (2, (2, 2, 2, 2)),
    ((1, 3), (1, 1, 3, 3)),
    ((0, 1, 2, 3), (0, 1, 2, 3)),
])
def test_padding_sides_for_conv_chain_and_outsize(padding, sides):
    assert shapes.padding_sides(padding, (5, 6), (3, 2)) == sides
    # stride 2, dilation 2: H 3 outputs need (3−1)·2 + 5 − 5 = 4 zeros, W (3−1)·2 + 3 − 6 = 1
    assert shapes.padding_sides("same", (5, 6), (3, 2), 2, 2) == (2, 2, 0, 1)


def test_padding_sides_refuses_other_words():
    with pytest.raises(InputError) as e:
        shapes.padding_sides("full", (5, 5), 3)
    assert e.value.field == "padding" and "'same' or 'valid'" in e.value.message


@given(n=st.integers(1, 40), k=st.integers(1, 7), s=st.integers(1, 4), p=st.integers(0, 3),
       d=st.integers(1, 3), ceil=st.booleans())
def test_formula_counts_windows(n, k, s, p, d, ceil):
    """Brute force: count window starts (ceil: partial windows too, even one longer than
    the input, unless they start in the trailing padding: PyTorch's rule)."""
    eff = d * (k - 1) + 1
    last = n + 2 * p - eff  # the last start whose window fits entirely (may be negative)
    if ceil:  # partial windows count too; the last is dropped if it starts in trailing pad
        starts = list(range(0, last + s, s))
        expect = len(starts) - (bool(starts) and starts[-1] >= n + p)
    else:
        expect = len(range(0, last + 1, s))
    if expect == 0:
        with pytest.raises(InputError):
            shapes.out_size(n, k, s, p, d, ceil)
        return
    assert shapes.out_size(n, k, s, p, d, ceil).size == expect


def test_transposed_size():
    # (4-1)*2 - 2*1 + 1*(3-1) + 1 + 1 = 8
    assert shapes.transposed_size(4, 3, 2, 1, 1, 1) == 8
    assert shapes.transposed_size(3, 3) == 5
    with pytest.raises(InputError, match="output padding"):
        shapes.transposed_size(4, 3, 1, 0, 1, 1)


@given(i=st.integers(1, 20), k=st.integers(1, 5), s=st.integers(1, 3), p=st.integers(0, 2))
def test_transposed_inverts_conv_size(i, k, s, p):
    try:
        t = shapes.transposed_size(i, k, s, p)
    except InputError:
        return
    assert shapes.out_size(t, k, s, p).size == i


def test_lenet_chain():
    summary = chain.summarise_chain(
        (1, 28, 28),
        "conv:6,5,1,2 relu pool:2 conv:out=16,k=5 relu pool:k=2,s=2 flatten fc:120 fc:84 fc:10")
    outs = [r.output_shape for r in summary.rows]
    assert outs[0] == (6, 28, 28) and outs[2] == (6, 14, 14) and outs[3] == (16, 10, 10)
    assert outs[6] == (400,) and summary.output_shape == (10,)
    assert summary.rows[0].params == 6 * (1 * 25 + 1)
    assert summary.rows[0].macs == 6 * 28 * 28 * 25
    assert summary.rows[7].params == 120 * 401 and summary.rows[7].macs == 400 * 120
    assert summary.total_params == 61706
    assert summary.rows[2].sizes[0].size == 14


def test_chain_pool_ceil_and_implicit_flatten():
    s = chain.summarise_chain([3, 7, 7], ["pool:k=2,ceil", "fc:out=5"])
    assert s.rows[0].output_shape == (3, 4, 4)
    assert s.rows[1].params == 5 * (48 + 1) and "flattens" in s.rows[1].note


def test_chain_parse_forms():
    a = chain.parse_layer("conv:6,5")
    b = chain.parse_layer("conv:out=6,k=5,s=1,p=2,d=1")
    assert a.params == {"out": 6, "k": 5}
    assert b.params == {"out": 6, "k": 5, "s": 1, "p": 2, "d": 1}
    assert chain.parse_layer("pool:k=2,s=2,p=0,ceil").params["ceil"] is True
    assert chain.parse_layer("relu").kind == "activation"
    assert chain.parse_layer("conv:4,3x5").params["k"] == (3, 5)


@pytest.mark.parametrize("token,needle", [
    ("conv:6", "missing k"), ("conv:6,x", "bad value 'x'"), ("pool:q=2", "unknown field"),
    ("blah", "unknown layer 'blah'"), ("fc:1,2", "too many values"),
])
def test_chain_parse_errors(token, needle):
    with pytest.raises(InputError) as e:
        chain.parse_chain([token])
    assert needle in str(e.value) and "expected" in str(e.value)


def test_chain_shape_errors():
    with pytest.raises(InputError, match="needs a C×H×W input"):
        chain.summarise_chain((10,), "conv:2,3")
    with pytest.raises(InputError, match="does not fit"):
        chain.summarise_chain((1, 4, 4), "conv:2,5")


def test_param_terms_show_where_each_count_comes_from():
    s = chain.summarise_chain((3, 32, 24), "conv:6,5 conv:4,3x5,2,1,2 pool:2 relu flatten fc:10")
    terms = [chain.param_terms(r) for r in s.rows]
    assert terms[0] == chain.ParamTerms((5, 5, 3), 6, (5 * 5 * 3 + 1) * 6)      # 456
    assert terms[1] == chain.ParamTerms((3, 5, 6), 4, (3 * 5 * 6 + 1) * 4)      # dilation adds none
    assert terms[2] == terms[3] == terms[4] == chain.ParamTerms((), 0, 0)
    features = s.rows[5].input_shape[0]
    assert terms[5] == chain.ParamTerms((features,), 10, (features + 1) * 10)
    assert [t.total for t in terms] == [r.params for r in s.rows]
