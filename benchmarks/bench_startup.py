"""Start-up cost of nncalc, measured side by side with Python importing NumPy.

Run:  python benchmarks/bench_startup.py [--runs 21]

Each pair of commands runs alternately (A B A B …) so drift on a shared,
noisy machine hits both; the table gives the median wall time of each and
the median of the per-pair ratios A/B.  Targets (from the foundation issue):
  nncalc --help                  < 0.5  x  python -c "import numpy"
  nncalc activate sigmoid 1 -q   <= 1.15 x python -c "import numpy, click"
"""
import argparse
import os
import platform
import shutil
import sys

from _timing import pair


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=21)
    args = ap.parse_args()
    exe = shutil.which("nncalc") or os.path.join(os.path.dirname(sys.executable), "nncalc")
    py = sys.executable
    cases = [
        ("nncalc --help", [exe, "--help"], "import numpy", [py, "-c", "import numpy"], 0.5),
        ("nncalc activate --help", [exe, "activate", "--help"], "import numpy",
         [py, "-c", "import numpy"], 0.5),
        ("nncalc activate sigmoid 1 -q", [exe, "activate", "sigmoid", "1", "-q"],
         "import numpy, click", [py, "-c", "import numpy, click"], 1.15),
        ("nncalc activate sigmoid -2 -1 0 1 2", [exe, "activate", "sigmoid", "-2", "-1", "0", "1", "2"],
         "import numpy, click", [py, "-c", "import numpy, click"], None),
    ]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{args.runs} alternating runs each")
    print(f"{'command A':38} {'A ms':>7} {'against B':22} {'B ms':>7} {'A/B':>6} {'target':>7}")
    for name_a, a, name_b, b, target in cases:
        ta, tb, r = pair(a, b, args.runs)
        tgt = f"{'<' if target and target < 1 else '<='}{target}" if target else ""
        print(f"{name_a:38} {ta * 1e3:7.1f} {name_b:22} {tb * 1e3:7.1f} {r:6.2f} {tgt:>7}")


if __name__ == "__main__":
    main()
