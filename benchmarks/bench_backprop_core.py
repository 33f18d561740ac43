"""Time nncalc.core.network.train against the same loop in PyTorch (CPU), side by side.

    .venv/bin/python benchmarks/bench_backprop_core.py [--steps 10000] [--repeats 5]

Issue 5's targets, in one run: 10,000 steps of a 2-2-2 sigmoid network
(half-sse, plain SGD; one sample, and a batch of 4)
  * nncalc's train() - with the first/last trace and the loss history, as
    `nncalc backprop` runs it - is faster than the usual PyTorch loop
    (zero_grad, forward, loss, backward, optimizer.step; float64, one thread);
  * that traced run costs at most 1.2x the bare untraced loop (the engine's
    step alone: no trace, no history).
Times are the best of REPEATS runs, interleaved so that load on a shared
machine hits every contender alike. torch is a benchmark/test oracle only; it
is not a dependency of nncalc.
"""
import argparse
import os
import platform
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

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"numpy {np.__version__}" + (f", torch {torch.__version__}" if torch else ""))
    ok = True
    for label, (X, T) in cases.items():
        def ours(record="first-last"):
            return network.train(layers, X, T, "half-sse", lr=lr, steps=steps, record=record)

        def bare():
            """The untraced loop: the engine's step only, no trace and no history."""
            _, opt, _, x, t, _ = network._setup(layers, X, T, "half-sse", lr, steps)
            eng = network._Engine(layers, "half-sse", opt)
            with np.errstate(all="ignore"):
                for _ in range(steps):
                    eng.step(x, t)
            return eng

        t_bare, t_ours, t_none = best(bare, ours, lambda: ours("none"), repeats=repeats)
        print(f"[{label}] nncalc traced + history, {steps} steps: {t_ours * 1e3:8.1f} ms "
              f"({t_ours / steps * 1e6:.1f} µs/step)")
        print(f"[{label}] bare untraced loop: {t_bare * 1e3:8.1f} ms; history only: {t_none * 1e3:8.1f} ms")
        print(f"[{label}] traced + history / bare loop: ratio {t_ours / t_bare:.3f}  (target ≤ 1.2)")
        ok &= t_ours / t_bare <= 1.2
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
        print(f"[{label}] nncalc (traced) / torch time ratio: {t_ours / t_torch:.3f}  (target < 1; "
              f"torch takes {t_torch / t_ours:.2f}× as long); max |Δw| = {diff:.1e}")
        ok &= t_ours < t_torch
    print("OK" if ok else "SLOWER THAN REQUIRED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
