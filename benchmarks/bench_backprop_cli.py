"""What `nncalc backprop`'s trace costs: the default (traced) run against `-q --format npy`.

Run:  python benchmarks/bench_backprop_cli.py [--runs 7]

Whole commands, alternating A B A B on the same network: a 64-128-10 sigmoid
network on a batch of 256 samples for 200 steps (the trace covers steps 1 and
200, capped at --max-steps rows per table), and the 1-1-1 worked example.
Target: the traced run costs at most 1.5x the untraced one.
"""
import argparse
import os
import platform
import shutil
import sys
import tempfile

import numpy as np

from _timing import pair


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    exe = shutil.which("nncalc") or os.path.join(os.path.dirname(sys.executable), "nncalc")
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as tmp:
        x = os.path.join(tmp, "x.npy")
        t = os.path.join(tmp, "t.npy")
        np.save(x, rng.standard_normal((256, 64)))
        np.save(t, rng.uniform(0, 1, (256, 10)))
        big = [exe, "backprop", "--layers", "64,128,10", "--seed", "0", "--input", "@" + x,
               "--target", "@" + t, "--steps", "200", "--lr", "0.5"]
        worked = [exe, "backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
                  "--activation", "sigmoid,identity", "--input", "1", "--target", "2"]
        quiet = ["-q", "--format", "npy"]
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{args.runs} alternating runs each")
        print(f"{'command':44} {'traced ms':>10} {'-q npy ms':>10} {'ratio':>6} {'target':>7}")
        for label, cmd in (("backprop 64-128-10, 256 samples, 200 steps", big),
                           ("backprop worked example 1-1-1", worked)):
            ta, tb, r = pair(cmd, cmd + quiet, args.runs)
            print(f"{label:44} {ta * 1e3:10.1f} {tb * 1e3:10.1f} {r:6.2f} {'≤ 1.5':>7}")


if __name__ == "__main__":
    main()
