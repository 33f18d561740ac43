"""Activation functions h(x) and h'(x) (nncalc.core.activations) against the math.

Three independent checks: hand-worked values, a reference written here with the
math module (scalar by scalar), and central finite differences for every
derivative; plus a PyTorch oracle group (float64, autograd) when torch is there.
"""
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from nncalc.core import activations as A
from nncalc.core.errors import InputError

ELEMENTWISE = ["identity", "step", "sigmoid", "tanh", "relu", "leaky-relu", "elu",
               "softplus", "gelu", "silu"]
ALONG_AXIS = ["softmax", "log-softmax"]
ALL = ELEMENTWISE + ALONG_AXIS


# ----------------------------------------------- an independent reference, scalar by scalar

def _sig(x):
    return 1 / (1 + math.exp(-x)) if x >= 0 else math.exp(x) / (1 + math.exp(x))


def _Phi(x):
    # Φ(x) = ½(1 + erf(x/√2)); in the left tail 1 + erf cancels, so use the same
    # identity written with erfc there (½ erfc(−x/√2)).
    return 0.5 * (1 + math.erf(x / math.sqrt(2))) if x >= 0 else 0.5 * math.erfc(-x / math.sqrt(2))


REF = {   # name -> (h, h') written straight from the textbook formulas
    "identity": (lambda x: x, lambda x: 1.0),
    "step": (lambda x: 1.0 if x > 0 else 0.0, lambda x: 0.0),
    "sigmoid": (_sig, lambda x: _sig(x) * (1 - _sig(x))),
    "tanh": (math.tanh, lambda x: 1 - math.tanh(x) ** 2),
    "relu": (lambda x: max(x, 0.0), lambda x: 1.0 if x > 0 else 0.0),
    "leaky-relu": (lambda x: x if x > 0 else 0.01 * x, lambda x: 1.0 if x > 0 else 0.01),
    "elu": (lambda x: x if x > 0 else math.expm1(x), lambda x: 1.0 if x > 0 else math.exp(x)),
    "softplus": (lambda x: max(x, 0) + math.log1p(math.exp(-abs(x))), _sig),
    "gelu": (lambda x: x * _Phi(x), lambda x: _Phi(x) + x * math.exp(-x * x / 2) / math.sqrt(2 * math.pi)),
    "silu": (lambda x: x * _sig(x), lambda x: _sig(x) + x * _sig(x) * (1 - _sig(x))),
}


def ref_softmax(row):
    m = max(row)
    e = [math.exp(v - m) for v in row]
    s = math.fsum(e)
    return [v / s for v in e]


def ref_log_softmax(row):
    m = max(row)
    others = list(row)
    others.remove(m)                       # exp(m - m) = 1 exactly: log Σ = log1p(Σ others)
    log_sum = math.log1p(math.fsum(math.exp(v - m) for v in others))
    return [(v - m) - log_sum for v in row]


def strict_numpy():
    """Turn every floating-point warning into an error for the block."""
    return np.errstate(all="raise")


# ------------------------------------------------------------ hand-worked values

def test_sigmoid_of_one_exactly():
    assert A.forward("sigmoid", 1.0) == 0.7310585786300049
    assert A.derivative("sigmoid", 1.0) == 0.19661193324148185


@pytest.mark.parametrize("name, x, h, dh", [
    ("identity", 3.5, 3.5, 1.0),
    ("step", 0.0, 0.0, 0.0),             # step(0) = 0
    ("step", 2.0, 1.0, 0.0),             # step'(x) = 0 everywhere
    ("step", -2.0, 0.0, 0.0),
    ("sigmoid", 0.0, 0.5, 0.25),
    ("tanh", 0.0, 0.0, 1.0),
    ("relu", 0.0, 0.0, 0.0),             # ReLU'(0) = 0
    ("relu", -3.0, 0.0, 0.0),
    ("relu", 3.0, 3.0, 1.0),
    ("leaky-relu", 0.0, 0.0, 0.01),      # leaky-ReLU'(0) = α
    ("leaky-relu", -2.0, -0.02, 0.01),
    ("leaky-relu", 2.0, 2.0, 1.0),
    ("elu", 0.0, 0.0, 1.0),              # ELU'(0) = α = 1
    ("elu", 1.0, 1.0, 1.0),
    ("elu", -1.0, math.e ** -1 - 1, math.e ** -1),
    ("softplus", 0.0, math.log(2), 0.5),
    ("gelu", 0.0, 0.0, 0.5),
    ("silu", 0.0, 0.0, 0.5),
])
def test_hand_values(name, x, h, dh):
    assert A.forward(name, x) == pytest.approx(h, rel=1e-15, abs=1e-300)
    assert A.derivative(name, x) == pytest.approx(dh, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("name, params, x, h, dh", [
    ("identity", {"slope": 2.5}, 4.0, 10.0, 2.5),
    ("identity", {"slope": 0.0}, math.inf, 0.0, 0.0),
    ("leaky-relu", {"alpha": 0.1}, -3.0, -0.3, 0.1),
    ("leaky-relu", {"alpha": 0.1}, 0.0, 0.0, 0.1),
    ("elu", {"alpha": 2.0}, 0.0, 0.0, 2.0),
    ("elu", {"alpha": 2.0}, -math.inf, -2.0, 0.0),
])
def test_parameters(name, params, x, h, dh):
    assert A.forward(name, x, **params) == pytest.approx(h, rel=1e-15, abs=0)
    assert A.derivative(name, x, **params) == pytest.approx(dh, rel=1e-15, abs=0)


def test_default_parameters():
    assert A.get("leaky-relu").params == {"alpha": 0.01}
    assert A.get("elu").params == {"alpha": 1.0}
    assert A.get("identity").params == {"slope": 1.0}


def test_parameter_on_wrong_function():
    with pytest.raises(InputError, match="relu takes no parameter alpha") as e:
        A.forward("relu", 1.0, alpha=0.1)
    assert e.value.field == "alpha"


def test_params_for_fills_defaults_and_refuses_strangers():
    assert A.params_for(A.get("elu"), {}) == {"alpha": 1.0}
    assert A.params_for(A.get("leaky-relu"), {"alpha": 1}) == {"alpha": 1.0}
    assert A.params_for(A.get("identity"), {"slope": None}) == {"slope": 1.0}
    with pytest.raises(InputError) as e:
        A.params_for(A.get("identity"), {"alpha": 2.0, "slope": 2.0})
    assert e.value.field == "alpha" and e.value.message == "identity takes no parameter alpha"


def test_softmax_hand_values():
    # e^0 / (e^0 + e^0) = 1/2;  [1, 2, 3]: e^-2, e^-1, 1 over their sum
    np.testing.assert_array_equal(A.forward("softmax", [0.0, 0.0]), [0.5, 0.5])
    s = math.exp(-2) + math.exp(-1) + 1
    np.testing.assert_allclose(A.forward("softmax", [1, 2, 3]),
                               [math.exp(-2) / s, math.exp(-1) / s, 1 / s], rtol=1e-15)
    np.testing.assert_allclose(A.forward("log-softmax", [1, 2, 3]),
                               [-2 - math.log(s), -1 - math.log(s), -math.log(s)], rtol=1e-15)
    p = A.forward("softmax", [1, 2, 3])
    np.testing.assert_allclose(A.derivative("softmax", [1, 2, 3]), p * (1 - p), rtol=1e-15)
    np.testing.assert_allclose(A.derivative("log-softmax", [1, 2, 3]), 1 - p, rtol=1e-15)


def test_softmax_works_along_the_last_axis():
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    p = A.forward("softmax", x)
    np.testing.assert_allclose(p.sum(axis=-1), [1.0, 1.0], rtol=1e-15)
    np.testing.assert_allclose(p[1], [1 / 3] * 3, rtol=1e-15)
    np.testing.assert_allclose(p[0], A.forward("softmax", x[0]), rtol=0)


@pytest.mark.parametrize("alias, name", [
    ("linear", "identity"), ("swish", "silu"), ("Leaky_ReLU", "leaky-relu"), ("SIGMOID", "sigmoid"),
    ("logsoftmax", "log-softmax"), ("log_softmax", "log-softmax"),
])
def test_aliases(alias, name):
    assert A.canonical(alias) == name
    assert A.get(alias).name == name


def test_registry_lists_every_function():
    assert A.names() == ALL
    assert A.canonical("nope") is None
    with pytest.raises(InputError, match="unknown function 'nope'") as e:
        A.get("nope")
    assert e.value.field == "activation" and not hasattr(e.value, "arg")


# --------------------------------------------------------- shape in, shape out

@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("shape", [(1,), (5,), (2, 3), (2, 3, 4), (2, 1, 2, 3)])
def test_any_shape_in_same_shape_out(name, shape):
    x = np.linspace(-3, 3, int(np.prod(shape))).reshape(shape)
    assert A.forward(name, x).shape == shape
    assert A.derivative(name, x).shape == shape
    tr = A.trace(name, x)
    assert tr.result.shape == tr.derivative.shape == tr.input.shape == shape
    for header, col in tr.columns:
        assert np.shape(col) == shape, header


# --------------------------------------------------------------- stability

@pytest.mark.parametrize("name, x, h, dh", [
    ("sigmoid", [1000.0, -1000.0], [1.0, 0.0], [0.0, 0.0]),
    ("sigmoid", [-745.0], [5e-324], [5e-324]),
    ("tanh", [1e6, -1e6], [1.0, -1.0], [0.0, 0.0]),
    ("softplus", [1000.0, -1000.0], [1000.0, 0.0], [1.0, 0.0]),
    ("softmax", [1000.0, 1001.0], [1 / (1 + math.e), math.e / (1 + math.e)], None),
    ("log-softmax", [1000.0, 1001.0], [-math.log1p(math.e), -math.log1p(math.exp(-1))], None),
    ("softmax", [-1000.0, 0.0], [0.0, 1.0], [0.0, 0.0]),
    ("elu", [-1000.0], [-1.0], [0.0]),
    ("gelu", [-40.0, 40.0], [0.0, 40.0], [0.0, 1.0]),
    ("silu", [-1000.0, 1000.0], [0.0, 1000.0], [0.0, 1.0]),
])
def test_extreme_inputs_stay_exact_and_quiet(name, x, h, dh):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = A.forward(name, x)
        d = A.derivative(name, x)
        A.trace(name, np.array(x))
    assert np.isfinite(y).all() and np.isfinite(d).all()
    np.testing.assert_allclose(y, h, rtol=1e-15, atol=0)
    if dh is not None:
        np.testing.assert_allclose(d, dh, rtol=1e-15, atol=0)


@pytest.mark.parametrize("name, h_minus, h_plus, d_minus, d_plus", [
    ("identity", -math.inf, math.inf, 1.0, 1.0),
    ("step", 0.0, 1.0, 0.0, 0.0),
    ("sigmoid", 0.0, 1.0, 0.0, 0.0),
    ("tanh", -1.0, 1.0, 0.0, 0.0),
    ("relu", 0.0, math.inf, 0.0, 1.0),
    ("leaky-relu", -math.inf, math.inf, 0.01, 1.0),
    ("elu", -1.0, math.inf, 0.0, 1.0),
    ("softplus", 0.0, math.inf, 0.0, 1.0),
    ("gelu", 0.0, math.inf, 0.0, 1.0),
    ("silu", 0.0, math.inf, 0.0, 1.0),
])
def test_limits_at_infinity(name, h_minus, h_plus, d_minus, d_plus):
    tr = A.trace(name, np.array([-math.inf, math.inf]))
    np.testing.assert_array_equal(tr.result, [h_minus, h_plus])
    np.testing.assert_array_equal(tr.derivative, [d_minus, d_plus])


def test_softmax_with_minus_infinity():
    np.testing.assert_array_equal(A.forward("softmax", [-math.inf, 0.0]), [0.0, 1.0])


@pytest.mark.parametrize("x, message", [
    ([math.inf, 0.0], r"\+inf"),
    ([-math.inf, -math.inf], "all -inf"),
])
def test_softmax_refuses_undefined_rows(x, message):
    with pytest.raises(InputError, match=message) as e:
        A.trace("softmax", np.array(x))
    assert e.value.field == "input"


def test_no_nan_ever_leaves_trace():
    x = np.array([-math.inf, -1e308, -1.0, -0.0, 0.0, 5e-324, 1.0, 1e308, math.inf])
    for name in ELEMENTWISE:
        tr = A.trace(name, x)
        assert not np.isnan(tr.result).any(), name
        assert not np.isnan(tr.derivative).any(), name


# ---------------------------------- every function against the reference, at chosen points

POINTS = [-30.0, -5.0, -1.5, -0.3, -1e-8, 1e-8, 0.3, 1.0, 2.5, 7.0, 30.0]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_matches_reference(name):
    h, dh = REF[name]
    x = np.array(POINTS)
    y, d = A.forward(name, x), A.derivative(name, x)
    for i, xi in enumerate(POINTS):
        assert y[i] == pytest.approx(h(xi), rel=1e-13, abs=1e-300), (name, xi)
        assert d[i] == pytest.approx(dh(xi), rel=1e-12, abs=1e-15), (name, xi)


def test_gelu_against_mpmath_in_the_left_tail():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    for x in [-30.0, -12.0, -5.0, -1.0, 0.5, 3.0]:
        exact = mpmath.mpf(x) * mpmath.ncdf(x)
        # rel 1e-12: rounding x/√2 alone moves erfc by ~x² ulps far out in the tail
        assert A.forward("gelu", x) == pytest.approx(float(exact), rel=1e-12, abs=0), x


@pytest.mark.parametrize("name, ref", [("softmax", ref_softmax), ("log-softmax", ref_log_softmax)])
def test_softmax_matches_reference(name, ref):
    rows = [[1.0, 2.0, 3.0], [-5.0, 0.0, 5.0], [700.0, 710.0, 690.0], [0.1, 0.1, 0.1]]
    np.testing.assert_allclose(A.forward(name, rows), [ref(r) for r in rows], rtol=1e-13)


# ---------------------------------------------- derivatives vs central finite differences

def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / (2 * h)


KINKS = {"relu": 0.0, "leaky-relu": 0.0, "elu": 0.0, "step": 0.0}
away_from_kinks = st.floats(-8, 8, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=40, deadline=None)
@given(x=away_from_kinks)
def test_derivative_matches_finite_difference(name, x):
    h = 1e-6
    fd = central_difference(lambda v: float(A.forward(name, v)), x, h)
    assert float(A.derivative(name, x)) == pytest.approx(fd, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("name", ALONG_AXIS)
@settings(max_examples=30, deadline=None)
@given(row=st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=5))
def test_jacobian_matches_finite_difference(name, row):
    x = np.array(row)
    n = len(row)
    jac = A.jacobian(name, x)
    assert jac.shape == (n, n)
    h = 1e-6
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        fd = (A.forward(name, x + e) - A.forward(name, x - e)) / (2 * h)
        np.testing.assert_allclose(jac[:, j], fd, rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(np.diagonal(jac), A.derivative(name, x), rtol=1e-12, atol=1e-15)


def test_softmax_jacobian_by_hand_and_batched():
    # p = [1/2, 1/2]:  J = diag(p) - p pᵀ = [[1/4, -1/4], [-1/4, 1/4]]
    np.testing.assert_allclose(A.jacobian("softmax", [0.0, 0.0]), [[0.25, -0.25], [-0.25, 0.25]])
    # log-softmax: J = I - 1 pᵀ
    np.testing.assert_allclose(A.jacobian("log-softmax", [0.0, 0.0]), [[0.5, -0.5], [-0.5, 0.5]])
    x = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    jac = A.jacobian("softmax", x)
    assert jac.shape == (2, 3, 3)
    np.testing.assert_allclose(jac[1], A.jacobian("softmax", x[1]), rtol=0)
    np.testing.assert_allclose(jac.sum(axis=-2), 0, atol=1e-16)       # columns of J sum to 0


def test_jacobian_refused_for_elementwise():
    with pytest.raises(InputError, match="softmax and log-softmax") as e:
        A.jacobian("sigmoid", [1.0])
    assert e.value.field == "activation" and "--" not in e.value.message


# --------------------------------------------------------------------- trace

def test_sigmoid_trace_columns():
    tr = A.trace("sigmoid", np.array([1.0]))
    cols = dict(tr.columns)
    assert list(cols) == ["x", "σ(x)", "1−σ(x)", "σ(x)(1−σ(x))"]
    assert cols["σ(x)"][0] == 0.7310585786300049
    assert cols["1−σ(x)"][0] == pytest.approx(0.2689414213699951, rel=1e-15)


def test_softmax_trace_row_sums():
    tr = A.trace("softmax", np.array([[0.0, 0.0], [1.0, 1.0]]))
    np.testing.assert_array_equal(tr.row_sums, [2.0, 2.0])
    assert [h for h, _ in tr.columns] == ["x", "x−max", "exp(x−max)", "Σ exp", "p = exp/Σ", "p(1−p)"]


def test_trace_has_no_negative_zero():
    tr = A.trace("relu", np.array([-0.0, -1.0]))
    assert not np.signbit(tr.result).any()
    assert not np.signbit(tr.derivative).any()


# ------------------------------------------------------------ PyTorch oracle

TORCH = {
    "identity": lambda t, F: t,
    "step": lambda t, F: (t > 0).to(t.dtype) + 0 * t,
    "sigmoid": lambda t, F: t.sigmoid(),
    "tanh": lambda t, F: t.tanh(),
    "relu": lambda t, F: F.relu(t),
    "leaky-relu": lambda t, F: F.leaky_relu(t, 0.01),
    "elu": lambda t, F: F.elu(t, 1.0),
    "softplus": lambda t, F: F.softplus(t, beta=1, threshold=1e9),
    "gelu": lambda t, F: F.gelu(t, approximate="none"),
    "silu": lambda t, F: F.silu(t),
    "softmax": lambda t, F: F.softmax(t, dim=-1),
    "log-softmax": lambda t, F: F.log_softmax(t, dim=-1),
}


# Float64 PyTorch computes σ(1 − σ), 1 − tanh² and ½(1 + erf) with cancellation, so
# in the tails it is the less accurate of the two (see test_tails_against_mpmath);
# the oracle compares where both are accurate to far better than 1e-12.
ORACLE_X = np.array([[-3.0, -2.5, -0.7, -1e-3, 0.4, 1.0, 2.2, 3.0],
                     [-1.75, -1.0, 0.0, 0.5, 2.0, 1e-7, -0.1, 0.25]])


@pytest.mark.oracle
@pytest.mark.parametrize("name", ALL)
def test_torch_oracle(name):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    x = ORACLE_X
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = TORCH[name](t, F)
    if A.get(name).elementwise:
        (grad,) = torch.autograd.grad(y.sum(), t)
        want_d = grad.numpy()
    else:   # the Jacobian's diagonal: dy_i/dx_i, one row at a time
        jacs = [torch.autograd.functional.jacobian(lambda v: TORCH[name](v, F), t.detach()[r]).numpy()
                for r in range(len(x))]
        np.testing.assert_allclose(A.jacobian(name, x), np.stack(jacs), rtol=1e-12, atol=1e-17)
        want_d = np.stack([np.diagonal(j) for j in jacs])
    np.testing.assert_allclose(A.forward(name, x), y.detach().numpy(), rtol=1e-12, atol=0)
    np.testing.assert_allclose(A.derivative(name, x), want_d, rtol=1e-12, atol=0)


def _mp_refs(mp):
    sig = lambda x: 1 / (1 + mp.exp(-x))
    return {
        "sigmoid": (sig, lambda x: sig(x) * sig(-x)),
        "tanh": (mp.tanh, lambda x: 1 / mp.cosh(x) ** 2),
        "softplus": (lambda x: mp.log1p(mp.exp(x)), sig),
        "elu": (lambda x: x if x > 0 else mp.expm1(x), lambda x: 1 if x > 0 else mp.exp(x)),
        "gelu": (lambda x: x * mp.ncdf(x), lambda x: mp.ncdf(x) + x * mp.npdf(x)),
        "silu": (lambda x: x * sig(x), lambda x: sig(x) * (1 + x * sig(-x))),
    }


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "softplus", "elu", "gelu", "silu"])
def test_tails_against_mpmath(name):
    mpmath = pytest.importorskip("mpmath")
    mp = mpmath.mp.clone() if hasattr(mpmath.mp, "clone") else mpmath.mp
    mp.dps = 60
    h, dh = _mp_refs(mp)[name]
    xs = [-40.0, -20.0, -6.0, -4.0, 4.0, 6.0, 20.0, 35.0]
    y, d = A.forward(name, xs), A.derivative(name, xs)
    for i, x in enumerate(xs):
        assert y[i] == pytest.approx(float(h(mp.mpf(x))), rel=1e-12, abs=1e-300), (name, x)
        assert d[i] == pytest.approx(float(dh(mp.mpf(x))), rel=1e-12, abs=1e-300), (name, x)


def test_dominant_softmax_entry_keeps_relative_precision():
    mpmath = pytest.importorskip("mpmath")
    mpmath.mp.dps = 50
    row = [-40.0, -1.0, 0.0, 0.5, 2.0, 20.0, 35.0, 0.25]     # entry 6 dominates: p ≈ 1 − 3.06e-7
    s = mpmath.fsum(mpmath.exp(mpmath.mpf(v)) for v in row)
    p6 = mpmath.exp(35) / s
    assert A.forward("log-softmax", row)[6] == pytest.approx(float(mpmath.log(p6)), rel=1e-13, abs=0)
    assert A.derivative("log-softmax", row)[6] == pytest.approx(float(1 - p6), rel=1e-13, abs=0)
    assert A.derivative("softmax", row)[6] == pytest.approx(float(p6 * (1 - p6)), rel=1e-13, abs=0)
