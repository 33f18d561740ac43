"""`--draw` for activate and backprop, and that matplotlib loads only for --draw."""
import json
import math
import os
import subprocess
import sys
import types
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="--draw needs the 'draw' extra (matplotlib)")

SVG_NS = "{http://www.w3.org/2000/svg}"


def texts(path):
    return ["".join(t.itertext()) for t in ET.parse(path).getroot().iter(f"{SVG_NS}text")]


def ids(path, prefix):
    return {e.get("id") for e in ET.parse(path).getroot().iter() if (e.get("id") or "").startswith(prefix)}


def test_activation_marks_each_given_point_with_its_value(run, tmp_path):
    path = tmp_path / "s.svg"
    r = run("activate", "sigmoid", "-2", "0", "1", "9", "--range", "-3:3", "--digits", "3",
            "--draw", path)
    assert r.exit_code == 0, r.stderr
    sig = [1 / (1 + math.exp(-x)) for x in (-2, 0, 1)]
    shown = texts(path)
    assert f"(-2, {sig[0]:.3f})" in shown and f"(0, {sig[1]:.3f})" in shown and f"(1, {sig[2]:.3f})" in shown
    assert ids(path, "given-") == {"given-0", "given-1", "given-2"}    # 9 lies outside -3:3
    assert any("1 given point(s) outside the range" in t for t in shown)


def test_activation_png_and_range_with_draw_alone(run, user_error, tmp_path):
    path = tmp_path / "r.png"
    assert run("activate", "relu", "-1", "2", "--range", "-2:2", "--draw", path, "-q").exit_code == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    user_error(run("activate", "relu", "1", "--range", "-2:2"), "--range", "--plot", "--draw")
    user_error(run("activate", "--list", "--draw", tmp_path / "l.svg"), "--draw")


def test_softmax_draws_its_curve_against_a_zero(run, tmp_path):
    path = tmp_path / "sm.svg"
    assert run("activate", "softmax", "1", "2", "3", "--draw", path).exit_code == 0
    assert "softmax of (x, 0), first component" in texts(path)


def test_backprop_draws_its_loss_with_first_and_last_values(run, tmp_path):
    args = ("backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1",
            "--activation", "sigmoid,identity", "--input", "1", "--target", "2", "--steps", "3")
    history = json.loads(run(*args, "--format", "json").stdout)["loss_history"]
    path = tmp_path / "loss.svg"
    r = run(*args, "--draw", path, "--digits", "5")
    assert r.exit_code == 0, r.stderr
    shown = texts(path)
    assert f"{history[0]:.5f}" in shown and f"{history[-1]:.5f}" in shown
    assert ids(path, "loss-") == {"loss-0", "loss-3"}
    assert not any("accuracy" in t for t in shown)
    png = tmp_path / "loss.png"
    assert run(*args, "--draw", png).exit_code == 0 and png.read_bytes()[:4] == b"\x89PNG"


def test_training_picture_adds_accuracy_when_the_record_has_it(tmp_path):
    from nncalc.cli import draw_curves
    record = types.SimpleNamespace(loss="cross-entropy", optimizer="sgd", lr=0.5, steps=2,
                                   loss_history=np.array([1.0, 0.5, 0.25]), diverged=False,
                                   accuracy_history=np.array([0.25, 0.5, 1.0]))
    (tmp_path / "a.svg").write_bytes(draw_curves.training(record, 4, ".svg"))
    assert "accuracy" in texts(tmp_path / "a.svg")
    record.accuracy_history = np.array([0.5])           # not one per loss value: left out
    (tmp_path / "b.svg").write_bytes(draw_curves.training(record, 4, ".svg"))
    assert "accuracy" not in texts(tmp_path / "b.svg")


def test_training_legend_sits_over_both_curves(tmp_path):
    """With an accuracy curve on a twin axis, the legend is in the axes drawn last and has an opaque
    frame: drawn under the twin, the dashed accuracy line at 1.0 ran through its words."""
    from nncalc.cli import draw_curves
    record = types.SimpleNamespace(loss="cross-entropy", optimizer="sgd", lr=0.1, steps=3,
                                   loss_history=np.array([1.0, 0.02, 0.01, 0.005]), diverged=False,
                                   accuracy_history=np.array([0.0, 1.0, 1.0, 1.0]))
    (tmp_path / "a.svg").write_bytes(draw_curves.training(record, 4, ".svg"))
    root = ET.parse(tmp_path / "a.svg").getroot()
    axes = [g for g in root.iter(f"{SVG_NS}g") if (g.get("id") or "").startswith("axes_")]
    holder = [a.get("id") for a in axes if any(e.get("id") == "legend_1" for e in a.iter())]
    assert holder == [axes[-1].get("id")]          # drawn last, above the accuracy line
    legend = next(e for e in root.iter() if e.get("id") == "legend_1")
    assert "patch" in " ".join(e.get("id") or "" for e in legend.iter())    # its frame


def test_a_run_without_a_loss_is_refused(tmp_path):
    from nncalc.cli import draw_curves
    from nncalc.cli.options import UserError
    record = types.SimpleNamespace(loss="half-sse", optimizer="sgd", lr=0.1, steps=0,
                                   loss_history=np.array([np.nan]), forward_only=True)
    with pytest.raises(UserError, match="no loss to draw"):
        draw_curves.training(record, 4, ".svg")


PROBE = """
import sys
from nncalc.cli.main import cli
code = 0
try:
    cli.main({args!r}, prog_name="nncalc")
except SystemExit as exc:
    code = exc.code
print("\\nMATPLOTLIB", "matplotlib" in sys.modules, code)
"""


def loads_matplotlib(args, **env):
    proc = subprocess.run([sys.executable, "-c", PROBE.format(args=[str(a) for a in args])],
                          capture_output=True, text=True, timeout=120, env={**os.environ, **env})
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("MATPLOTLIB"), (proc.stdout, proc.stderr)
    assert last.split()[2] == "0", proc.stderr            # the command itself succeeded
    return last.split()[1] == "True"


@pytest.mark.parametrize("args", [
    ["conv", "--help"],
    ["conv", "1 2; 3 4", "1;", "-q"],
    ["pool", "1 2; 3 4", "-q"],
    ["activate", "relu", "1", "-q"],
    ["backprop", "--weights", "1", "--input", "1", "--target", "1", "-q"],
])
def test_matplotlib_is_imported_only_for_draw(args):
    assert not loads_matplotlib(args)
    assert not loads_matplotlib(args, NNCALC_LANG="zh")      # nor the Chinese pictures' font


def test_the_probe_does_see_matplotlib_when_drawing(tmp_path):
    assert loads_matplotlib(["conv", "1 2; 3 4", "1;", "-q", "--draw", tmp_path / "a.svg"])


def test_a_users_matplotlib_backend_setting_does_not_matter(tmp_path):
    """nncalc picks its canvases itself: even a misspelt MPLBACKEND draws (no 'internal error')."""
    assert loads_matplotlib(["activate", "relu", "1", "-q", "--draw", tmp_path / "a.png"],
                            MPLBACKEND="no-such-backend")
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"
