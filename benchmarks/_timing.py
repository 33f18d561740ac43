"""Side-by-side timing of two commands: alternate A and B, compare medians and per-pair ratios."""
import statistics
import subprocess
import time


def wall(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - t0


def pair(a, b, runs):
    """Median wall time of A, of B, and the median of the per-pair ratios A/B."""
    wall(a), wall(b)                                    # warm the file cache
    ta, tb = [], []
    for _ in range(runs):
        ta.append(wall(a))
        tb.append(wall(b))
    ratios = [x / y for x, y in zip(ta, tb)]
    return statistics.median(ta), statistics.median(tb), statistics.median(ratios)
