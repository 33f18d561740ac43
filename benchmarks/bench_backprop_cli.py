"""Issue 5's speed targets as whole commands: 10,000 steps of a 2-2-2 sigmoid network.

Run:  python benchmarks/bench_backprop_cli.py [--runs 7] [--steps 10000]

Alternating A B A B on a shared machine (medians and the median per-pair ratio):
  * `nncalc backprop` with its full trace (first and last step, sampled loss
    table) against the same command with `-q --format npy`: target ≤ 1.2;
  * `nncalc backprop -q` against a Python script running the same loop in
    PyTorch (float64, one thread, SGD, half-sse), start-up included both
    sides: target < 1. The in-process comparison is bench_backprop_core.py.
"""
import argparse
import os
import platform
import shutil
import sys

from _timing import pair

W1, B1, W2, B2 = "0.15 0.2; 0.25 0.3", "0.35", "0.4 0.45; 0.5 0.55", "0.6"
X, T, LR = "0.05 0.1", "0.01 0.99", "0.5"

TORCH_LOOP = """
import torch
torch.set_num_threads(1)
m = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(), torch.nn.Linear(2, 2), torch.nn.Sigmoid()).double()
with torch.no_grad():
    m[0].weight.copy_(torch.tensor([[0.15, 0.2], [0.25, 0.3]])); m[0].bias.fill_(0.35)
    m[2].weight.copy_(torch.tensor([[0.4, 0.45], [0.5, 0.55]])); m[2].bias.fill_(0.6)
x = torch.tensor([[0.05, 0.1]], dtype=torch.float64); t = torch.tensor([[0.01, 0.99]], dtype=torch.float64)
opt = torch.optim.SGD(m.parameters(), lr={lr})
for _ in range({steps}):
    opt.zero_grad()
    loss = 0.5 * ((m(x) - t) ** 2).sum()
    loss.backward()
    opt.step()
print(m[2].weight.detach().numpy())
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--steps", type=int, default=10_000)
    args = ap.parse_args()
    exe = shutil.which("nncalc") or os.path.join(os.path.dirname(sys.executable), "nncalc")
    cmd = [exe, "backprop", "--weights", W1, "--bias", B1, "--weights", W2, "--bias", B2,
           "--activation", "sigmoid", "--input", X, "--target", T, "--lr", LR, "--steps", str(args.steps)]
    torch_cmd = [sys.executable, "-c", TORCH_LOOP.format(lr=LR, steps=args.steps)]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"{args.runs} alternating runs each")
    print(f"{'2-2-2 sigmoid, ' + str(args.steps) + ' steps':40} {'A ms':>8} {'B ms':>8} {'A/B':>6} {'target':>7}")
    for label, a, b, target in (("A traced (default) vs B -q npy", cmd, cmd + ["-q", "--format", "npy"], "≤ 1.2"),
                                ("A nncalc -q vs B torch script", cmd + ["-q"], torch_cmd, "< 1")):
        ta, tb, r = pair(a, b, args.runs)
        print(f"{label:40} {ta * 1e3:8.1f} {tb * 1e3:8.1f} {r:6.2f} {target:>7}")


if __name__ == "__main__":
    main()
