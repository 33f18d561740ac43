"""Time nncalc.core.network.train against the same loop in PyTorch (CPU), side by side.

    .venv/bin/python benchmarks/bench_backprop_core.py [--steps 10000] [--repeats 5]

Network: 2-2-2, sigmoid everywhere, half-sse, plain SGD, one sample (and a
batch of 4). The torch loop is the usual one: zero_grad, forward, loss,
backward, optimizer.step, with float64 tensors and one thread. Also times
record="first-last" against record="none" (the cost of building the traces).
Prints the best of REPEATS runs for each and the ratios. torch is a
benchmark/test oracle only; it is not a dependency of nncalc.
"""
import argparse
import sys
import time

import numpy as np

from nncalc.core import network


def best(*fns, repeats):
    """Best time of each function, run interleaved so that load on a shared machine hits all alike."""
    times = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i] = min(times[i], time.perf_counter() - t0)
    return times


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=10_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    steps, repeats = args.steps, args.repeats

    W1 = np.array([[0.15, 0.20], [0.25, 0.30]])
    b1 = np.array([0.35, 0.35])
    W2 = np.array([[0.40, 0.45], [0.50, 0.55]])
    b2 = np.array([0.60, 0.60])
    cases = {"1 sample": (np.array([0.05, 0.10]), np.array([0.01, 0.99])),
             "4 samples": (np.array([[0.05, 0.10], [0.9, 0.2], [0.3, 0.7], [0.5, 0.5]]),
                           np.array([[0.01, 0.99], [0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]))}
    layers = network.make_layers([W1, W2], [b1, b2], "sigmoid")
    lr = 0.5

    try:
        import torch
    except ImportError:     # pragma: no cover
        torch = None
        print("torch not installed: timing nncalc only", file=sys.stderr)

    ok = True
    for label, (X, T) in cases.items():
        def ours(record="none"):
            return network.train(layers, X, T, "half-sse", lr=lr, steps=steps, record=record)

        t_ours, t_traced = best(ours, lambda: ours("first-last"), repeats=repeats)
        one_plain, one_traced = best(
            lambda: network.train(layers, X, T, "half-sse", lr=lr, steps=1, record="none"),
            lambda: network.train(layers, X, T, "half-sse", lr=lr, steps=1), repeats=repeats * 200)
        print(f"[{label}] nncalc  {steps} steps: {t_ours * 1e3:8.1f} ms  ({t_ours / steps * 1e6:.1f} µs/step)")
        print(f"[{label}] traced first/last vs untraced, {steps} steps: ratio {t_traced / t_ours:.3f}")
        print(f"[{label}] traced vs untraced, 1 step: {one_traced * 1e6:.0f} µs vs {one_plain * 1e6:.0f} µs "
              f"(ratio {one_traced / one_plain:.2f})")
        ok &= t_traced / t_ours <= 1.2 and one_traced / one_plain <= 1.2
        if torch is None:
            continue
        torch.set_num_threads(1)
        xt = torch.tensor(X, dtype=torch.float64)
        tt = torch.tensor(T, dtype=torch.float64)
        n = 1 if X.ndim == 1 else X.shape[0]

        def theirs():
            model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(),
                                        torch.nn.Linear(2, 2), torch.nn.Sigmoid()).double()
            with torch.no_grad():
                model[0].weight.copy_(torch.tensor(W1)); model[0].bias.copy_(torch.tensor(b1))
                model[2].weight.copy_(torch.tensor(W2)); model[2].bias.copy_(torch.tensor(b2))
            opt = torch.optim.SGD(model.parameters(), lr=lr)
            for _ in range(steps):
                opt.zero_grad()
                loss = 0.5 * ((model(xt) - tt) ** 2).sum() / n
                loss.backward()
                opt.step()
            return model

        t_torch, t_ours = best(theirs, ours, repeats=repeats)
        model = theirs()
        res = ours()
        diff = max(np.abs(model[0].weight.detach().numpy() - res.weights[0]).max(),
                   np.abs(model[2].weight.detach().numpy() - res.weights[1]).max())
        print(f"[{label}] torch   {steps} steps: {t_torch * 1e3:8.1f} ms  ({t_torch / steps * 1e6:.1f} µs/step)")
        print(f"[{label}] nncalc / torch time ratio: {t_ours / t_torch:.3f}  (< 1 means nncalc is faster; "
              f"torch is {t_torch / t_ours:.2f}× slower); max |Δw| = {diff:.1e}")
        ok &= t_ours < t_torch
    print("OK" if ok else "SLOWER THAN REQUIRED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
