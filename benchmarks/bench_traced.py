"""What the step-by-step trace costs: the default (traced) run against `-q --format npy`.

Run:  python benchmarks/bench_traced.py [--runs 7]

Whole commands, alternating A B A B on the same inputs (3×512×512 with sixteen
3×3×3 filters for conv, 16×512×512 with a 2×2 window for pool).  Target: the
traced run costs at most 1.5× the untraced one (tables are capped, big maps
summarised).
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
        files = {}
        for name, shape in (("x", (3, 512, 512)), ("k", (16, 3, 3, 3)), ("p", (16, 512, 512))):
            files[name] = os.path.join(tmp, f"{name}.npy")
            np.save(files[name], rng.standard_normal(shape))
        conv = [exe, "conv", "@" + files["x"], "@" + files["k"]]
        pool = [exe, "pool", "@" + files["p"], "--size", "2"]
        quiet = ["-q", "--format", "npy"]
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
              f"{args.runs} alternating runs each")
        print(f"{'command':44} {'traced ms':>10} {'-q npy ms':>10} {'ratio':>6} {'target':>7}")
        for label, cmd in (("conv 3x512x512, 16 filters 3x3", conv), ("pool 16x512x512, 2x2 max", pool)):
            ta, tb, r = pair(cmd, cmd + quiet, args.runs)
            print(f"{label:44} {ta * 1e3:10.0f} {tb * 1e3:10.0f} {r:6.2f} {'<=1.5':>7}")


if __name__ == "__main__":
    main()
