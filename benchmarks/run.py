"""nncalc's benchmark suite: every speed and memory target, side by side in one run.

    python benchmarks/run.py [--quick] [--startup-only] [--venv DIR]

Users run a regular install, so that is what the suite times: it makes one
itself, `python -m venv` in a temporary directory and `pip install` of this
checkout (not editable; with --venv DIR it keeps that environment and only
reinstalls nncalc next time).  Every command-line row runs that environment's
`nncalc` and its Python for the yardsticks.  The in-process rows import
nncalc.core into the Python running this script (an editable install is fine
for them) next to torch (CPU), which is only a yardstick: without it the
torch rows are skipped.

What it measures, each against its yardstick on the same machine in the same
run, alternating the two (A B A B ...) so load on a shared machine hits both:

* start-up and whole commands: `nncalc --help` and `nncalc conv --help`
  against a bare one-command click group's `--help`; `nncalc activate sigmoid
  1 -q` against `python -c "import numpy, click"`; `conv -q --format npy`
  (3x512x512, sixteen 3x3 filters) and `pool -q --format npy` (16x512x512,
  2x2 max) against plain NumPy scripts that load the same .npy files, compute
  and write .npy to stdout (median of the per-pair ratios);
* conv and pool in-process (the core functions `-q` calls) on the same
  inputs, against torch.nn.functional in float64 and against a plain NumPy
  sliding-window reference written here;
* backprop: 10,000 steps of a 2-2-2 sigmoid network (core train) against the
  same loop in PyTorch;
* traced against untraced: the default CLI run against `-q --format npy`
  (conv, pool, backprop), and backprop's trace in-process;
* peak memory of conv on 1x2048x2048 with one 3x3 kernel (tracemalloc in
  process, and the whole command's maximum resident set size);
* reading a 10-million-value CSV (`@big.csv`, one million with --quick)
  against np.loadtxt on the same file: read time and maximum resident set;
* growth: conv and pool time from 64x64 to 2048x2048, with the fitted
  exponent of time against output size (1 = linear).

Prints the machine line and one Markdown table of ratios (progress goes to
stderr).  `--quick` uses fewer repetitions, 2,000 backprop steps instead of
10,000 and stops the growth series at 1024x1024: about a minute, a smoke
check; `--startup-only` runs the first group alone; the README figures come
from a full run (about 3-5 minutes).

NumPy's BLAS and torch run on one thread each (`--threads N` to change, 0 for
the libraries' defaults), in this process and in the traced-against-untraced
commands: the comparison stays even, and on a busy shared machine a BLAS
thread left waiting for a core made conv's time swing tenfold from run to run.
The start-up rows run both sides in the environment as given.
"""
import argparse
import datetime
import gc
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc

THREAD_VARS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
USER_ENV = dict(os.environ)  # start-up is timed in the environment as it was given


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help="fewer repetitions, 2,000 backprop steps, growth up to 1024x1024 (about a minute)")
    ap.add_argument("--threads", type=int, default=1, metavar="N",
                    help="threads for NumPy's BLAS and torch, in this process and the commands it runs "
                         "[1]; 0 leaves the libraries' defaults")
    ap.add_argument("--startup-only", action="store_true",
                    help="only the start-up and whole-command rows against their yardsticks (about a minute)")
    ap.add_argument("--venv", metavar="DIR",
                    help="keep the regular install in DIR and reuse it next time (reinstalling nncalc "
                         "only) instead of a fresh one in a temporary directory")
    return ap.parse_args(argv)


if __name__ == "__main__":
    ARGS = parse_args()
    if ARGS.threads:  # OpenBLAS reads these once, when NumPy is imported: set them first
        os.environ.update({var: str(ARGS.threads) for var in THREAD_VARS})

import numpy as np  # noqa: E402

from _timing import pair_cpu  # noqa: E402

from nncalc.core import netinit, netio, network  # noqa: E402
from nncalc.core.conv import conv2d  # noqa: E402
from nncalc.core.pool import pool2d  # noqa: E402

try:  # the trace steps the CLI has the core build for a default (traced) run; -q builds none
    from nncalc.cli.options import DEFAULT_MAX_STEPS as CLI_STEPS
except ImportError:
    CLI_STEPS = 50

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the NumPy and CLI rows still run
    torch = F = None

MB = 2 ** 20
CHECKOUT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SOURCES = ("cli", "core", "package", "setup.cfg", "pyproject.toml", "README.md", "LICENSE")   # what a build reads
ROWS = []  # (measurement, nncalc, against, ratio, target, verdict)


def progress(msg):
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def row(measurement, ours, against, ratio, target="", ok=None):
    verdict = "" if ok is None else ("met" if ok else "**MISSED**")
    ROWS.append((measurement, ours, against, ratio, target, verdict))


def ms(t):
    return f"{t * 1e3:.0f} ms" if t >= 0.1 else f"{t * 1e3:.1f} ms" if t >= 0.01 else f"{t * 1e3:.2f} ms"


# ---------------------------------------------------------------- environment

def cpu_model():
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def regular_install(venv):
    """A regular (non-editable) install of this checkout, as users have it, in the virtual
    environment VENV: created with `python -m venv` and `pip install CHECKOUT` when missing,
    else refreshed with `pip install --no-deps --force-reinstall CHECKOUT`. Returns its Python
    and its `nncalc` script."""
    py, exe = os.path.join(venv, "bin", "python"), os.path.join(venv, "bin", "nncalc")
    pip = [py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    with tempfile.TemporaryDirectory() as src:    # a clean copy: no stale build/ leaks into the wheel
        for name in SOURCES:
            copy = shutil.copytree if os.path.isdir(os.path.join(CHECKOUT, name)) else shutil.copy
            copy(os.path.join(CHECKOUT, name), os.path.join(src, name))
        if not os.path.exists(py):
            progress(f"regular install: python -m venv {venv}; pip install {CHECKOUT} (a copy)")
            subprocess.run([sys.executable, "-m", "venv", venv], check=True)
            subprocess.run(pip + [src], check=True)
        else:
            progress(f"regular install: pip install --no-deps --force-reinstall {CHECKOUT} (a copy) into {venv}")
            subprocess.run(pip + ["--no-deps", "--force-reinstall", src], check=True)
    return py, exe


def installed_versions(py):
    """(nncalc, NumPy, click) versions and install kind as the regular install's Python sees them."""
    probe = ("import json, click, numpy; from importlib import metadata as m; d = m.distribution('nncalc'); "
             "u = json.loads(d.read_text('direct_url.json') or '{}'); "
             "print(d.version, numpy.__version__, m.version('click'), "
             "'editable' if u.get('dir_info', {}).get('editable') else 'regular')")
    return subprocess.run([py, "-c", probe], capture_output=True, text=True, check=True).stdout.split()


def machine_line(py):
    version, numpy_version, click_version, kind = installed_versions(py)
    tv = torch.__version__ if torch is not None else "not installed"
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    threads = f"; threads: BLAS {blas}" + (f", torch {torch.get_num_threads()}" if torch is not None else "")
    load = ", load %.2f" % os.getloadavg()[0] if hasattr(os, "getloadavg") else ""
    return (f"{platform.machine()}, {os.cpu_count()} cores, {cpu_model()}{load}; "
            f"Python {platform.python_version()}, NumPy {numpy_version}, click {click_version}, torch {tv}"
            f"{threads}; nncalc {version} ({kind} install); "
            f"{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}")


# ---------------------------------------------------------------- timing

CLOCK = time.perf_counter  # main() switches to CPU time when everything runs on one thread


def interleaved(fns, rounds, warm=None):
    """Run FNS in turn for ROUNDS rounds after a warm-up (WARM, or each of FNS once); each one's times."""
    for fn in warm if warm is not None else fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            t0 = CLOCK()
            fn()
            times[i].append(CLOCK() - t0)
    return times


def compare(ours, theirs, rounds, warm=None):
    """Best time of each and the median of the per-round ratios ours/theirs."""
    ta, tb = interleaved([ours, theirs], rounds, warm)
    return min(ta), min(tb), statistics.median(a / b for a, b in zip(ta, tb))


def best_time(fn, min_total, min_runs=3, max_runs=50):
    """Best of at least MIN_RUNS runs, repeating until MIN_TOTAL seconds have been spent."""
    fn()
    times, spent = [], 0.0
    while len(times) < min_runs or (spent < min_total and len(times) < max_runs):
        t0 = CLOCK()
        fn()
        times.append(CLOCK() - t0)
        spent += times[-1]
    return min(times)


# ---------------------------------------------------------------- references

def numpy_conv(x, k):
    """Plain NumPy cross-correlation (stride 1, no padding): sliding_window_view + tensordot."""
    view = np.lib.stride_tricks.sliding_window_view(x, k.shape[2:], axis=(1, 2))  # C, OH, OW, kh, kw
    return np.tensordot(k, view, axes=([1, 2, 3], [0, 3, 4]))                       # F, OH, OW


def numpy_pool(x, size, mode):
    """Plain NumPy non-overlapping pooling: sliding_window_view, every SIZE-th window, max or mean."""
    view = np.lib.stride_tricks.sliding_window_view(x, (size, size), axis=(1, 2))[:, ::size, ::size]
    return view.max(axis=(-2, -1)) if mode == "max" else view.mean(axis=(-2, -1))


# ---------------------------------------------------------------- sections

BARE_GROUP = """
import sys
import click

@click.group()
def cli():
    \"\"\"A bare click group with one command.\"\"\"

@cli.command()
def one():
    \"\"\"The only command.\"\"\"

sys.exit(cli())
"""

NUMPY_CONV = """
import sys
import numpy as np
x = np.load(sys.argv[1], allow_pickle=False)
k = np.load(sys.argv[2], allow_pickle=False)
view = np.lib.stride_tricks.sliding_window_view(x, k.shape[2:], axis=(1, 2))
np.save(sys.stdout.buffer, np.tensordot(k, view, axes=([1, 2, 3], [0, 3, 4])))
"""

NUMPY_POOL = """
import sys
import numpy as np
x = np.load(sys.argv[1], allow_pickle=False)
c, h, w = x.shape
np.save(sys.stdout.buffer, x.reshape(c, h // 2, 2, w // 2, 2).max(axis=(2, 4)))
"""


def bench_startup(py, exe, tmp, runs):
    """Whole commands against the least a program doing the same must import and compute,
    all run by the regular install's Python. Start-up rows run in the environment as given;
    the two data rows with BLAS on the run's --threads, like every other row that computes."""
    files = save_inputs(tmp)
    numpy_click = '`python -c "import numpy, click"`'
    bare = "bare one-command click group's `--help`"
    data_runs, pinned = max(3, runs // 2), dict(os.environ)    # these take ~0.4 s a run
    for label, cmd, base_label, base, target, n, env in (
            ("`nncalc --help`", [exe, "--help"], bare, [py, "-c", BARE_GROUP, "--help"], 1.15, runs,
             USER_ENV),
            ("`nncalc conv --help`", [exe, "conv", "--help"], bare, [py, "-c", BARE_GROUP, "--help"],
             None, runs, USER_ENV),
            ("`nncalc activate sigmoid 1 -q`", [exe, "activate", "sigmoid", "1", "-q"], numpy_click,
             [py, "-c", "import numpy, click"], 1.15, runs, USER_ENV),
            ("`nncalc conv -q --format npy` 3×512×512, sixteen 3×3 filters",
             [exe, "conv", "@" + files["x"], "@" + files["k"], "-q", "--format", "npy"],
             "NumPy script: np.load, sliding_window_view + tensordot, np.save to stdout",
             [py, "-c", NUMPY_CONV, files["x"], files["k"]], 1.3, data_runs, pinned),
            ("`nncalc pool -q --format npy` 16×512×512, 2×2 max",
             [exe, "pool", "@" + files["p"], "--size", "2", "-q", "--format", "npy"],
             "NumPy script: np.load, reshape + max, np.save to stdout",
             [py, "-c", NUMPY_POOL, files["p"]], 1.3, data_runs, pinned)):
        progress(f"start-up: {label} ({n} pairs)")
        for c in (cmd, base):
            probe = subprocess.run(c, capture_output=True, check=False, env=env)
            assert probe.returncode == 0, f"{' '.join(c[:3])} failed: {probe.stderr.decode()[-300:]}"
        ta, tb, r, rc = pair_cpu(cmd, base, n, env=env)
        shown = (ms(ta), f"{base_label} {ms(tb)}", f"{r:.2f} (CPU {rc:.2f})")
        if target is None:
            row(f"start-up {label}", *shown)
        else:
            row(f"start-up {label}", *shown, f"≤ {target}", r <= target)
    bench_startup_languages(exe, runs)


def bench_startup_languages(exe, runs):
    """The same commands in Chinese against English: loading the catalog must not move start-up."""
    for label, args in (("`nncalc --help`", ["--help"]), ("`nncalc conv --help`", ["conv", "--help"]),
                        ("`nncalc activate sigmoid 1 -q`", ["activate", "sigmoid", "1", "-q"])):
        zh, en = ["env", "NNCALC_LANG=zh", exe, *args], ["env", "NNCALC_LANG=en", exe, *args]
        progress(f"start-up in Chinese: {label} ({runs} pairs)")
        ta, tb, r, rc = pair_cpu(zh, en, runs, env=USER_ENV)
        row(f"start-up {label} in Chinese", ms(ta), f"the same in English {ms(tb)}",
            f"{r:.2f} (CPU {rc:.2f})", "≤ 1.10", r <= 1.10)


def save_inputs(tmp):
    """The issue's inputs as .npy files: x 3×512×512, k 16×3×3×3, p 16×512×512."""
    rng = np.random.default_rng(0)
    files = {}
    for name, shape in (("x", (3, 512, 512)), ("k", (16, 3, 3, 3)), ("p", (16, 512, 512))):
        files[name] = os.path.join(tmp, f"{name}.npy")
        if not os.path.exists(files[name]):
            np.save(files[name], rng.standard_normal(shape))
    return files


def bench_conv_pool(rounds):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 512, 512))
    k = rng.standard_normal((16, 3, 3, 3))
    progress(f"conv 3x512x512, 16 filters, in-process ({rounds} rounds)")
    ours = lambda: conv2d(x, k, max_steps=0)  # as -q calls it  # noqa: E731
    check = np.abs(conv2d(x, k).result - numpy_conv(x, k)).max()
    assert check < 1e-9, f"nncalc conv differs from the NumPy reference by {check}"
    label = "conv 3×512×512, sixteen 3×3 filters, float64, in-process"
    if torch is not None:
        xt, kt = torch.from_numpy(x)[None], torch.from_numpy(k)
        d = np.abs(F.conv2d(xt, kt)[0].numpy() - conv2d(x, k).result).max()
        assert d < 1e-9, f"nncalc conv differs from torch by {d}"
        a, b, r = compare(ours, lambda: F.conv2d(xt, kt), rounds)
        row(label, ms(a), f"`torch.nn.functional.conv2d` {ms(b)}", f"{r:.2f}", "≤ 1", r <= 1)
    a, b, r = compare(ours, lambda: numpy_conv(x, k), max(2, rounds // 2))
    row("conv, same input", ms(a), f"NumPy sliding-window + tensordot {ms(b)}", f"{r:.2f}")

    x = rng.standard_normal((16, 512, 512))
    for mode, fn_name in (("max", "max_pool2d"), ("avg", "avg_pool2d")):
        progress(f"{mode} pool 16x512x512, 2x2, in-process ({rounds} rounds)")
        ours = lambda: pool2d(x, mode, 2, max_steps=0)  # as -q calls it  # noqa: E731
        d = np.abs(pool2d(x, mode, 2).result - numpy_pool(x, 2, mode)).max()
        assert d < 1e-12, f"nncalc {mode} pool differs from the NumPy reference by {d}"
        label = f"{mode} pool 16×512×512, 2×2 window, float64, in-process"
        if torch is not None:
            xt = torch.from_numpy(x)
            fn = getattr(F, fn_name)
            a, b, r = compare(ours, lambda: fn(xt, 2), rounds)
            target = "≤ 1" if mode == "max" else ""
            row(label, ms(a), f"`torch.nn.functional.{fn_name}` {ms(b)}", f"{r:.2f}", target,
                r <= 1 if mode == "max" else None)
            label = f"{mode} pool, same input"
        a, b, r = compare(ours, lambda: numpy_pool(x, 2, mode), rounds)
        row(label, ms(a), f"NumPy sliding-window {mode} {ms(b)}", f"{r:.2f}")


def torch_loop(W1, b1, W2, b2, X, T, lr, steps):
    """The usual PyTorch training loop for the same 2-2-2 sigmoid network, half-sse, plain SGD."""
    xt, tt = torch.tensor(X), torch.tensor(T)
    n = 1 if X.ndim == 1 else X.shape[0]
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sigmoid(),
                                torch.nn.Linear(2, 2), torch.nn.Sigmoid()).double()
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor(W1)); model[0].bias.copy_(torch.tensor(b1))  # noqa: E702
        model[2].weight.copy_(torch.tensor(W2)); model[2].bias.copy_(torch.tensor(b2))  # noqa: E702
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    for _ in range(steps):
        opt.zero_grad()
        loss = 0.5 * ((model(xt) - tt) ** 2).sum() / n
        loss.backward()
        opt.step()
    return model


def bench_backprop_core(rounds, steps):
    W1, b1 = np.array([[0.15, 0.20], [0.25, 0.30]]), np.array([0.35, 0.35])
    W2, b2 = np.array([[0.40, 0.45], [0.50, 0.55]]), np.array([0.60, 0.60])
    X, T, lr = np.array([0.05, 0.10]), np.array([0.01, 0.99]), 0.5
    layers = netio.make_layers([W1, W2], [b1, b2], "sigmoid")

    def ours(record="none", steps=steps):
        return network.train(layers, X, T, "half-sse", lr=lr, steps=steps, record=record)

    warm = [lambda: ours(steps=200), lambda: ours("first-last", 200)]

    if torch is not None:
        progress(f"backprop {steps} steps vs PyTorch ({rounds} rounds)")
        threads = torch.get_num_threads()
        torch.set_num_threads(1)  # torch's best setting for a 2x2 network
        try:
            model = torch_loop(W1, b1, W2, b2, X, T, lr, 200)  # same loop, same numbers
            res = ours(steps=200)
            dw = max(np.abs(model[0].weight.detach().numpy() - res.weights[0]).max(),
                     np.abs(model[2].weight.detach().numpy() - res.weights[1]).max())
            assert dw < 1e-9, f"nncalc's weights differ from torch's by {dw}"
            a, b, r = compare(ours, lambda: torch_loop(W1, b1, W2, b2, X, T, lr, steps), rounds, warm=[])
        finally:
            torch.set_num_threads(threads)
        row(f"backprop 2-2-2 sigmoid, {steps:,} steps, in-process", ms(a),
            f"same loop in PyTorch (float64, 1 thread) {ms(b)}", f"{r:.2f}", "< 1", r < 1)
    progress(f"backprop trace+history vs untraced, in-process ({rounds} rounds)")
    a, b, r = compare(lambda: ours("first-last"), ours, rounds, warm=warm)
    row(f"backprop trace (first+last step) + history, {steps:,} steps, in-process", ms(a),
        f"untraced (`record=\"none\"`) {ms(b)}", f"{r:.2f}", "≤ 1.2", r <= 1.2)


def bench_traced_cli(exe, tmp, runs, steps):
    files = save_inputs(tmp)
    quiet = ["-q", "--format", "npy"]
    backprop = [exe, "backprop", "--weights", "0.15 0.20; 0.25 0.30", "--bias", "0.35",
                "--weights", "0.40 0.45; 0.50 0.55", "--bias", "0.60", "--activation", "sigmoid",
                "--input", "0.05 0.10", "--target", "0.01 0.99", "--lr", "0.5", "--steps", str(steps)]
    for label, cmd, target in (
            ("`nncalc conv` 3×512×512, 16 filters: default (traced) run", [exe, "conv", "@" + files["x"],
                                                                          "@" + files["k"]], 1.5),
            ("`nncalc pool` 16×512×512, 2×2 max: default (traced) run", [exe, "pool", "@" + files["p"],
                                                                         "--size", "2"], 1.5),
            (f"`nncalc backprop` 2-2-2, {steps:,} steps: default run (trace + loss history)", backprop, 1.2)):
        progress(f"traced vs -q npy: {label} ({runs} pairs)")
        probe = subprocess.run(cmd, capture_output=True, check=False)
        assert probe.returncode == 0, f"{' '.join(cmd)} failed: {probe.stderr.decode()[-300:]}"
        ta, tb, r, rc = pair_cpu(cmd, cmd + quiet, runs)
        row(label, ms(ta), f"`-q --format npy` {ms(tb)}", f"{r:.2f} (CPU {rc:.2f})", f"≤ {target}", r <= target)


# ---------------------------------------------------------------- networks: CNN and the FC per-step cost

LENET = "conv:6,5 relu pool:2 conv:16,5 relu pool:2 flatten fc:10 softmax"

PLAIN_FC = """
import sys
import numpy as np
W1 = np.array([[0.15, 0.20], [0.25, 0.30]]); b1 = np.array([0.35, 0.35])
W2 = np.array([[0.40, 0.45], [0.50, 0.55]]); b2 = np.array([0.60, 0.60])
x = np.array([[0.05, 0.10]]); t = np.array([[0.01, 0.99]]); lr = 0.5
for _ in range(int(sys.argv[1])):
    h = 1 / (1 + np.exp(-(x @ W1.T + b1))); o = 1 / (1 + np.exp(-(h @ W2.T + b2)))
    d2 = (o - t) * o * (1 - o); d1 = (d2 @ W2) * h * (1 - h)
    W2 = W2 - lr * (d2.T @ h); b2 = b2 - lr * d2.sum(0); W1 = W1 - lr * (d1.T @ x); b1 = b1 - lr * d1.sum(0)
print(W1, W2)
"""

TORCH_LENET = """
import json, sys
import torch
torch.set_num_threads(1)
F = torch.nn.functional
net = json.load(open(sys.argv[1]))
L = net["layers"]
P = [torch.tensor(L[i][k], dtype=torch.float64, requires_grad=True)
     for i, k in ((0, "kernels"), (0, "bias"), (2, "kernels"), (2, "bias"), (5, "weights"), (5, "bias"))]
X = torch.tensor(net["input"], dtype=torch.float64)
T = torch.tensor(net["target"], dtype=torch.int64)
opt = torch.optim.SGD(P, lr=net["lr"])
for _ in range(int(sys.argv[2])):
    opt.zero_grad()
    a = F.max_pool2d(F.relu(F.conv2d(X, P[0], P[1])), 2)
    a = F.max_pool2d(F.relu(F.conv2d(a, P[2], P[3])), 2)
    F.cross_entropy(a.flatten(1) @ P[4].T + P[5], T).backward()
    opt.step()
print(P[0].detach().numpy())
"""


def lenet(batch, seed=0):
    """LeNet-sized specs (1×28×28 → conv 6@5×5 relu → maxpool 2 → conv 16@5×5 relu → maxpool 2 →
    flatten → dense 10 softmax) and a random batch with class targets."""
    specs = netinit.init_chain(LENET, (1, 28, 28), seed)
    rng = np.random.default_rng(seed + 1)
    return specs, rng.uniform(0, 1, (batch, 1, 28, 28)), rng.integers(0, 10, batch)


def torch_lenet_run(specs, x, t, steps):
    """The same run in PyTorch: parameters and optimizer built from SPECS (as train() builds its
    network), then STEPS SGD steps; returns the parameters."""
    F = torch.nn.functional
    params = [torch.tensor(a, requires_grad=True) for a in (specs[0].kernels, specs[0].bias, specs[2].kernels,
                                                           specs[2].bias, specs[5].weights, specs[5].bias)]
    X, T = torch.tensor(x), torch.tensor(t)
    opt = torch.optim.SGD(params, lr=0.01)
    for _ in range(steps):
        opt.zero_grad()
        a = F.max_pool2d(F.relu(F.conv2d(X, params[0], params[1])), 2)
        a = F.max_pool2d(F.relu(F.conv2d(a, params[2], params[3])), 2)
        F.cross_entropy(a.flatten(1) @ params[4].T + params[5], T).backward()
        opt.step()
    return params


def bench_cnn_core(rounds, steps=100):
    """LeNet per SGD step in-process against the same float64 network in PyTorch (one thread):
    a STEPS-step run from the same specs on each side, building included on both (train()
    builds its layers from the specs, torch its tensors and optimizer), per step."""
    if torch is None:
        return
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for batch in (1, 32):
            specs, x, t = lenet(batch)
            progress(f"LeNet batch {batch}, {steps}-step runs vs PyTorch ({rounds} rounds)")
            ours = lambda: network.train(specs, x, t, "cross-entropy", lr=0.01, steps=steps,  # noqa: E731
                                         record="none")
            theirs = lambda: torch_lenet_run(specs, x, t, steps)  # noqa: E731
            dk = np.abs(ours().weights[0] - theirs()[0].detach().numpy()).max()
            assert dk < 1e-9, f"nncalc's kernels differ from torch's by {dk}"
            a, b, r = compare(ours, theirs, rounds)
            row(f"LeNet (1×28×28, conv 6@5×5, pool, conv 16@5×5, pool, dense 10), batch {batch}: "
                f"one SGD step of a {steps}-step run, in-process", ms(a / steps),
                f"PyTorch float64, 1 thread {ms(b / steps)}", f"{r:.2f}", "≤ 1", r <= 1)
    finally:
        torch.set_num_threads(threads)


def _probe(cmd):
    """Run CMD once and insist it succeeds: a failing command would time as fast."""
    proc = subprocess.run(cmd, capture_output=True, check=False)
    assert proc.returncode == 0, f"{' '.join(cmd)} failed: {proc.stderr.decode()[-300:]}"


def bench_network_cli(exe, tmp, runs, fc_steps, cnn_steps):
    """Whole commands: `backprop --net lenet.json -q` against a PyTorch script, and the 2-2-2 FC
    network against a plain NumPy loop script."""
    if torch is not None:
        specs, x, t = lenet(1)
        path = os.path.join(tmp, "lenet.json")
        import json
        from nncalc.core import netspec
        with open(path, "w", encoding="utf-8") as fh:
            json.dump({"layers": [{k: (v.tolist() if hasattr(v, "tolist") else v)
                                   for k, v in netspec.to_json(s).items()} for s in specs],
                       "input": x.tolist(), "target": t.tolist(), "loss": "cross-entropy", "lr": 0.01}, fh)
        script = os.path.join(tmp, "torch_lenet.py")
        with open(script, "w", encoding="utf-8") as fh:
            fh.write(TORCH_LENET)
        ours = [exe, "backprop", "--net", path, "--steps", str(cnn_steps), "-q"]
        theirs = [sys.executable, script, path, str(cnn_steps)]
        progress(f"backprop LeNet {cnn_steps} steps, whole command vs a PyTorch script ({runs} pairs)")
        _probe(ours)
        _probe(theirs)
        ta, tb, r, rc = pair_cpu(ours, theirs, runs)
        row(f"`nncalc backprop --net lenet.json --steps {cnn_steps:,} -q` (one 28×28 image)", ms(ta),
            f"PyTorch script, same steps (float64, 1 thread) {ms(tb)}", f"{r:.2f} (CPU {rc:.2f})", "≤ 1", r <= 1)
    script = os.path.join(tmp, "plain_fc.py")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write(PLAIN_FC)
    ours = [exe, "backprop", "--weights", "0.15 0.20; 0.25 0.30", "--bias", "0.35", "--weights",
            "0.40 0.45; 0.50 0.55", "--bias", "0.60", "--activation", "sigmoid", "--input", "0.05 0.10",
            "--target", "0.01 0.99", "--lr", "0.5", "--steps", str(fc_steps), "-q"]
    progress(f"backprop 2-2-2 {fc_steps} steps, whole command vs a NumPy loop script ({runs} pairs)")
    theirs = [sys.executable, script, str(fc_steps)]
    _probe(ours)
    _probe(theirs)
    ta, tb, r, rc = pair_cpu(ours, theirs, runs)
    row(f"`nncalc backprop` 2-2-2 sigmoid, {fc_steps:,} steps, `-q`", ms(ta),
        f"plain NumPy loop script {ms(tb)}", f"{r:.2f} (CPU {rc:.2f})", "≤ 1.5", r <= 1.5)


RSS_PROBE = """
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def max_rss(cmd):
    """Maximum resident set size of one run of CMD, in bytes.

    Started from a small helper Python rather than from this process: on Linux
    a child's ru_maxrss can include the resident pages of the (large) parent
    it was forked from.
    """
    out = subprocess.run([sys.executable, "-S", "-c", RSS_PROBE] + cmd, capture_output=True, text=True, check=True)
    return int(out.stdout) * (1 if sys.platform == "darwin" else 1024)  # Linux reports KiB


def bench_memory(exe, tmp):
    progress("peak memory, conv 1x2048x2048 with one 3x3 kernel")
    x = np.random.default_rng(2).standard_normal((1, 2048, 2048))
    k = np.random.default_rng(3).standard_normal((3, 3))
    out_bytes = 2046 * 2046 * 8
    limit = 4 * (x.nbytes + out_bytes) + 100 * MB
    shown = f"limit 4×(input+output)+100 MB = {limit / MB:.0f} MB"
    gc.collect()
    tracemalloc.start()
    res = conv2d(x, [k])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert res.result.nbytes == out_bytes
    del res
    row("conv 1×2048×2048, one 3×3 kernel: peak NumPy memory in-process (tracemalloc)",
        f"{peak / MB:.0f} MB", shown, f"{peak / limit:.2f}", "< 1", peak < limit)
    xf, kf = os.path.join(tmp, "big.npy"), os.path.join(tmp, "k3.npy")
    np.save(xf, x)
    np.save(kf, k)
    for how, extra in (("`-q --format npy`", ["-q", "--format", "npy"]), ("default (traced)", [])):
        rss = max_rss([exe, "conv", "@" + xf, "@" + kf] + extra)
        row(f"same, whole command {how}: max resident set (interpreter included)",
            f"{rss / MB:.0f} MB", shown, f"{rss / limit:.2f}", "< 1", rss < limit)


READ_PROBE = """
import resource, sys, time
path, how = sys.argv[1:3]
import numpy as np
if how == "nncalc":
    from nncalc.cli.inputs import read_matrix
    read = lambda: read_matrix("@" + path, "VALUES", 10_000_000)
else:
    read = lambda: np.loadtxt(path, delimiter=",", ndmin=2)
w, c = time.perf_counter(), time.process_time()
arr = read()
w, c = time.perf_counter() - w, time.process_time() - c
print(w, c, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, arr.size)
"""


SPAWN = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:]).returncode)"


def bench_file_read(py, tmp, values, rounds):
    """`@big.csv` as every command reads it against np.loadtxt on the same file, each in a fresh
    process of the installed nncalc's Python PY: read time and the process's maximum resident set."""
    progress(f"reading a {values:,}-value CSV ({rounds} rounds)")
    x = np.random.default_rng(5).standard_normal((values // 1000, 1000))
    path = os.path.join(tmp, "big.csv")
    with open(path, "w", encoding="ascii") as fh:
        for r in x.tolist():
            fh.write(",".join(map(repr, r)) + "\n")
    size = os.path.getsize(path)
    del x
    runs = {"nncalc": [], "loadtxt": []}
    for _ in range(rounds):
        for how in runs:
            # started from a small helper, as in max_rss: a forked child's maximum resident set
            # would count this large process's pages
            out = subprocess.run([sys.executable, "-S", "-c", SPAWN, py, "-c", READ_PROBE, path, how],
                                 capture_output=True, text=True, check=True).stdout.split()
            assert int(out[3]) == values, out
            runs[how].append((float(out[1] if CLOCK is time.process_time else out[0]), int(out[2]) * 1024))
    os.remove(path)
    ours, theirs = runs["nncalc"], runs["loadtxt"]
    r = statistics.median(a[0] / b[0] for a, b in zip(ours, theirs))
    what = f"{values / 1e6:g}M-value CSV ({size / MB:.0f} MB)"
    row(f"read `@{what}`: time", ms(min(t for t, _ in ours)),
        f"np.loadtxt {ms(min(t for t, _ in theirs))}", f"{r:.2f}", "≤ 2", r <= 2)
    m_ours, m_theirs = max(m for _, m in ours), max(m for _, m in theirs)
    row(f"read `@{what}`: max resident set (interpreter included)", f"{m_ours / MB:.0f} MB",
        f"np.loadtxt {m_theirs / MB:.0f} MB", f"{m_ours / m_theirs:.2f}", "≤ 2", m_ours <= 2 * m_theirs)


def fit_exponent(sizes, times):
    slope, _ = np.polyfit(np.log(sizes), np.log(times), 1)
    return float(slope)


def bench_growth(sides, min_total):
    """Time conv and pool as `-q` calls them (no trace steps: the target) and as the default
    traced run does (the first --max-steps steps as well), N×N from sides[0] to sides[-1]."""
    series = {(op, v): [] for op in ("conv", "pool") for v in ("q", "traced")}
    rng = np.random.default_rng(4)
    k = rng.standard_normal((16, 3, 3, 3))
    for n in sides:
        progress(f"growth: {n}x{n}")
        x = rng.standard_normal((3, n, n))
        size = 16 * (n - 2) ** 2
        series["conv", "q"].append((size, best_time(lambda: conv2d(x, k, max_steps=0), min_total)))
        series["conv", "traced"].append((size, best_time(lambda: conv2d(x, k, max_steps=CLI_STEPS), min_total)))
        x = rng.standard_normal((16, n, n))
        size = 16 * (n // 2) ** 2
        series["pool", "q"].append((size, best_time(lambda: pool2d(x, "max", 2, max_steps=0), min_total)))
        series["pool", "traced"].append((size, best_time(lambda: pool2d(x, "max", 2, max_steps=CLI_STEPS),
                                                         min_total)))
        del x
        gc.collect()
    lines = []
    for name, what in (("conv", "3×N×N, sixteen 3×3 filters"), ("pool", "16×N×N, 2×2 max")):
        for variant, how in (("q", "as `-q` calls it (no trace)"),
                             ("traced", f"default run ({CLI_STEPS} trace steps)")):
            pts = series[name, variant]
            e = fit_exponent([p[0] for p in pts], [p[1] for p in pts])
            upper = fit_exponent([p[0] for p in pts[-3:]], [p[1] for p in pts[-3:]])
            label = f"growth: `{name}` {what}, {how}, N = {sides[0]}…{sides[-1]}"
            target = ("≈ 1 (0.9–1.1)", 0.9 <= e <= 1.1) if variant == "q" else ()
            row(label, f"{ms(pts[0][1])} … {ms(pts[-1][1])}",
                f"fit of log(time) on log(output size); N ≥ {sides[-3]} alone: e = {upper:.2f}",
                f"e = {e:.2f}", *target)
            lines.append(f"{name} {how:32s} " + "  ".join(f"{n}: {ms(t)}" for n, (_, t) in zip(sides, pts)))
    return lines


def main(args):
    global CLOCK
    if torch is not None and args.threads:
        torch.set_num_threads(args.threads)
    if args.threads == 1:  # one thread each: CPU time is the work done, whatever else loads the machine
        CLOCK = time.process_time
    q = args.quick
    steps = 2_000 if q else 10_000  # backprop steps
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        py, exe = regular_install(args.venv or os.path.join(tmp, "venv"))
        machine = machine_line(py)
        bench_startup(py, exe, tmp, runs=5 if q else 41)   # start-up is the noisiest row: more pairs
        if not args.startup_only:
            bench_traced_cli(exe, tmp, runs=3 if q else 7, steps=steps)
            bench_conv_pool(rounds=3 if q else 9)
            bench_backprop_core(rounds=1 if q else 5, steps=steps)
            bench_cnn_core(rounds=3 if q else 7, steps=20 if q else 100)
            bench_network_cli(exe, tmp, runs=3 if q else 7, fc_steps=steps, cnn_steps=200 if q else 2_000)
            bench_memory(exe, tmp)
            bench_file_read(py, tmp, values=1_000_000 if q else 10_000_000, rounds=1 if q else 3)
    growth = [] if args.startup_only else bench_growth(
        [64, 128, 256, 512, 1024] if q else [64, 128, 256, 512, 1024, 2048], min_total=0.05 if q else 0.3)
    elapsed = time.perf_counter() - started

    print(f"Machine: {machine}")
    flags = "".join(f" --{name}" for name in ("quick", "startup-only") if getattr(args, name.replace("-", "_")))
    print(f"Run: `python benchmarks/run.py{flags}`, {elapsed:.0f} s. Ratio = nncalc / "
          "yardstick (below 1: nncalc is faster or smaller). Start-up and CLI rows: median wall times and "
          "the median of per-pair wall-time ratios of alternating runs (CPU: the same for CPU time). "
          f"In-process rows: best {'CPU' if CLOCK is time.process_time else 'wall'} times, median of "
          "per-round ratios.")
    print()
    head = ("measurement", "nncalc", "against", "ratio", "target", "verdict")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in ROWS:
        print("| " + " | ".join(r) + " |")
    print()
    if growth:
        print("Growth series (best times):")
        for line in growth:
            print("    " + line)
    missed = [r[0] for r in ROWS if r[5] == "**MISSED**"]
    print()
    print("Targets missed: " + ("; ".join(missed) if missed else "none"))
    return 0


if __name__ == "__main__":
    sys.exit(main(ARGS))
