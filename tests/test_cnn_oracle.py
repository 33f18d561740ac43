"""backprop over CNNs against PyTorch: autograd gradients and torch.optim steps, float64.

Random small networks: conv (stride, padding, dilation, channels, filters) with relu, sigmoid,
tanh or leaky-relu, max or avg pool, flatten, dense; half-sse, mse, cross-entropy, bce; sgd,
momentum and adam over several steps. Compared: the first step's gradients, grad_input, the
trained parameters and the final loss.
"""
import numpy as np
import pytest

from nncalc.core import network
from nncalc.core.netio import Layer
from nncalc.core.netspec import ActivationSpec, ConvSpec, FlattenSpec, PoolSpec

pytestmark = pytest.mark.oracle

ACTS = ["relu", "sigmoid", "tanh", "leaky-relu"]


def _random_cnn(rng, loss):
    """Specs and an input batch for a random conv → (pool) → flatten → dense network."""
    c, h, w = int(rng.integers(1, 3)), int(rng.integers(5, 9)), int(rng.integers(5, 9))
    f, kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride, pad, dil = tuple(int(v) for v in rng.integers(1, 3, 2)), tuple(int(v) for v in rng.integers(0, 2, 2)), \
        tuple(int(v) for v in rng.integers(1, 3, 2))
    act = str(rng.choice(ACTS))
    params = {"alpha": 0.1} if act == "leaky-relu" else {}
    conv = ConvSpec(rng.normal(0, 0.5, (f, c, kh, kw)), rng.normal(0, 0.1, f), stride, pad, dil, act, params)
    oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
    ow = (w + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
    specs = [conv]
    if oh >= 2 and ow >= 2:
        specs.append(PoolSpec(str(rng.choice(["max", "avg"])), (2, 2), (int(rng.integers(1, 3)),) * 2, (0, 0)))
        s = specs[-1].stride[0]
        oh, ow = (oh - 2) // s + 1, (ow - 2) // s + 1
    specs.append(FlattenSpec())
    k = 3 if loss in ("cross-entropy", "bce") else 2
    out_act = {"cross-entropy": "softmax", "bce": "sigmoid"}.get(loss, "identity")
    if rng.random() < 0.5:
        specs += [Layer(rng.normal(0, 0.3, (4, f * oh * ow)), rng.normal(0, 0.1, 4), "tanh", {}),
                  Layer(rng.normal(0, 0.3, (k, 4)), rng.normal(0, 0.1, k), out_act, {})]
    else:
        specs += [Layer(rng.normal(0, 0.3, (k, f * oh * ow)), rng.normal(0, 0.1, k), "identity", {}),
                  ActivationSpec(out_act)]
    n = int(rng.integers(1, 4))
    x = rng.normal(size=(n, c, h, w))
    if loss == "cross-entropy":
        t = np.eye(k)[rng.integers(0, k, n)]
    elif loss == "bce":
        t = rng.uniform(0, 1, (n, k))
    else:
        t = rng.normal(size=(n, k))
    return specs, x, t


def _torch_net(torch, specs):
    F = torch.nn.functional
    fns = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z,
           "leaky-relu": lambda z, alpha=0.01: F.leaky_relu(z, alpha), "softmax": lambda z: F.softmax(z, dim=1)}
    params, steps = [], []
    for s in specs:
        kind = getattr(s, "type", "dense")
        if kind == "conv":
            K, b = torch.tensor(s.kernels, requires_grad=True), torch.tensor(s.bias, requires_grad=True)
            params += [K, b]
            steps.append(lambda a, K=K, b=b, s=s: fns[s.activation](
                F.conv2d(a, K, b, stride=s.stride, padding=s.padding, dilation=s.dilation), **s.params))
        elif kind == "pool":
            op = F.max_pool2d if s.mode == "max" else F.avg_pool2d
            steps.append(lambda a, s=s, op=op: op(a, s.size, s.stride, s.padding))
        elif kind == "flatten":
            steps.append(lambda a: a.flatten(1))
        elif kind == "activation":
            steps.append(lambda a, s=s: fns[s.function](a))
        else:
            W, b = torch.tensor(s.weights, requires_grad=True), torch.tensor(s.bias, requires_grad=True)
            params += [W, b]
            steps.append(lambda a, W=W, b=b, s=s: fns[s.activation](a @ W.T + b, **s.params))

    def run(x):
        for fn in steps:
            x = fn(x)
        return x
    return run, params


def _torch_loss(torch, loss, o, t):
    F = torch.nn.functional
    n = o.shape[0]
    if loss == "cross-entropy":
        return -(t * torch.log(o)).sum() / n
    return {"half-sse": lambda: 0.5 * ((o - t) ** 2).sum() / n, "mse": lambda: F.mse_loss(o, t),
            "bce": lambda: F.binary_cross_entropy(o, t)}[loss]()


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("loss", ["half-sse", "mse", "cross-entropy", "bce"])
def test_first_step_gradients_and_grad_input(seed, loss):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(1000 * seed + len(loss))
    specs, x, t = _random_cnn(rng, loss)
    run, params = _torch_net(torch, specs)
    X = torch.tensor(x, requires_grad=True)
    E = _torch_loss(torch, loss, run(X), torch.tensor(t))
    E.backward()
    r = network.train(specs, x, t, loss, lr=0.1, steps=1)
    assert r.initial_loss == pytest.approx(E.item(), rel=1e-12)
    np.testing.assert_allclose(r.grad_input, X.grad.numpy(), rtol=1e-10, atol=1e-14)
    grads = {rec.layer: rec for rec in r.first_step.backward}
    theirs = iter(params)
    for i, s in enumerate(specs, 1):
        kind = getattr(s, "type", "dense")
        if kind in ("conv", "dense"):
            rec = grads[i]
            main, bias = (rec.grad_kernels, rec.grad_bias) if kind == "conv" else (rec.grad_w, rec.grad_b)
            np.testing.assert_allclose(main, next(theirs).grad.numpy(), rtol=1e-10, atol=1e-14)
            np.testing.assert_allclose(bias, next(theirs).grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("loss", ["half-sse", "cross-entropy", "bce", "mse"])
def test_several_steps_match_torch_optim(optimizer, seed, loss):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(77 + seed)
    specs, x, t = _random_cnn(rng, loss)
    run, params = _torch_net(torch, specs)
    lr, steps = 0.05, 4
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=lr),
           "momentum": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
           "adam": lambda: torch.optim.Adam(params, lr=lr, foreach=False)}[optimizer]()
    X, T = torch.tensor(x), torch.tensor(t)
    for _ in range(steps):
        opt.zero_grad()
        _torch_loss(torch, loss, run(X), T).backward()
        opt.step()
    with torch.no_grad():
        final = _torch_loss(torch, loss, run(X), T).item()
    r = network.train(specs, x, t, loss, lr=lr, steps=steps, optimizer=optimizer)
    mine = [a for w, b in zip(r.weights, r.biases) for a in (w, b)]
    assert len(mine) == len(params)
    for a, p in zip(mine, params):
        np.testing.assert_allclose(a, p.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert r.final_loss == pytest.approx(final, rel=1e-9)
