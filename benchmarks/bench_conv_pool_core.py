"""Side-by-side timing of nncalc's conv/pool core vs PyTorch (float64) vs plain NumPy.

Not a test: run ``python benchmarks/bench_conv_pool_core.py``.  Times are the
best of several runs (time.perf_counter); peak memory is measured with
tracemalloc (NumPy allocations only).
"""

import time
import tracemalloc

import numpy as np

from nncalc.core.conv import conv2d
from nncalc.core.pool import pool2d

try:
    import torch
except ImportError:  # the NumPy comparisons still run
    torch = None


def best_of(fn, repeats=7):
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def numpy_conv_reference(x, k):
    """Textbook NumPy: sliding_window_view + einsum (stride 1, no padding)."""
    view = np.lib.stride_tricks.sliding_window_view(x, k.shape[2:], axis=(1, 2))
    return np.einsum("chwij,fcij->fhw", view, k)


def numpy_maxpool_reference(x, k):
    view = np.lib.stride_tricks.sliding_window_view(x, (k, k), axis=(1, 2))[:, ::k, ::k]
    return view.max(axis=(-2, -1))


def report(name, ours, others):
    parts = [f"nncalc {ours * 1e3:8.2f} ms"]
    for label, t in others:
        if t is not None:
            parts.append(f"{label} {t * 1e3:8.2f} ms (nncalc/{label} = {ours / t:.2f})")
    print(f"{name:32s} " + " | ".join(parts))


def bench_conv():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 512, 512))
    k = rng.standard_normal((16, 3, 3, 3))
    ours = best_of(lambda: conv2d(x, k))
    theirs = None
    if torch is not None:
        xt, kt = torch.tensor(x)[None], torch.tensor(k)
        theirs = best_of(lambda: torch.nn.functional.conv2d(xt, kt))
    ref = best_of(lambda: numpy_conv_reference(x, k), repeats=2)
    report("conv 3x512x512, 16 3x3 filters", ours, [("torch", theirs), ("numpy", ref)])


def bench_pool():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((16, 512, 512))
    for mode in ("max", "avg"):
        ours = best_of(lambda: pool2d(x, mode, 2))
        theirs = None
        if torch is not None:
            xt = torch.tensor(x)
            fn = torch.nn.functional.max_pool2d if mode == "max" else torch.nn.functional.avg_pool2d
            theirs = best_of(lambda: fn(xt, 2))
        others = [("torch", theirs)]
        if mode == "max":
            others.append(("numpy", best_of(lambda: numpy_maxpool_reference(x, 2), repeats=3)))
        report(f"{mode} pool 16x512x512, 2x2", ours, others)
    ours = best_of(lambda: pool2d(x, "max", 2, dout=np.ones((16, 256, 256))), repeats=3)
    print(f"{'max pool + argmax + backward':32s} nncalc {ours * 1e3:8.2f} ms")


def bench_memory():
    x = np.random.default_rng(2).standard_normal((1, 2048, 2048))
    k = np.ones((3, 3))
    tracemalloc.start()
    r = conv2d(x, [k], padding=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    limit = 4 * (x.nbytes + r.result.nbytes) + 100 * 2 ** 20
    print(f"conv 1x2048x2048, one 3x3 kernel: peak {peak / 2 ** 20:.1f} MB "
          f"(limit {limit / 2 ** 20:.1f} MB, {'ok' if peak < limit else 'OVER'})")


if __name__ == "__main__":
    if torch is not None:
        print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; numpy {np.__version__}")
    bench_conv()
    bench_pool()
    bench_memory()
