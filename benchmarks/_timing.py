"""Side-by-side timing of two commands: alternate A and B, compare medians and per-pair ratios."""
import os
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


def wall_cpu(cmd, env=None):
    """Wall time and CPU time (user + system) of one run of CMD (in environment ENV, default ours)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped here, so Popen must not wait again
    return elapsed, usage.ru_utime + usage.ru_stime


def pair_cpu(a, b, runs, env=None):
    """Like pair(), plus the median per-pair ratio of CPU times, which other load on the machine
    disturbs far less than wall times: (median wall A, median wall B, wall ratio, CPU ratio)."""
    wall_cpu(a, env), wall_cpu(b, env)
    ra, rb = [], []
    for _ in range(runs):
        ra.append(wall_cpu(a, env))
        rb.append(wall_cpu(b, env))
    wall_ratio = statistics.median(x[0] / y[0] for x, y in zip(ra, rb))
    cpu_ratio = statistics.median(x[1] / y[1] for x, y in zip(ra, rb))
    return statistics.median(x[0] for x in ra), statistics.median(y[0] for y in rb), wall_ratio, cpu_ratio
