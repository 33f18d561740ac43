"""`--draw` for conv and pool: valid files, the right window, the right numbers, clear refusals.

The expected numbers come from plain loops written here; which cells are
highlighted is read from the SVG ids the pictures give them (window-C-R-K in
the padded grid, output-R-K, winner-R-K in input coordinates).
"""
import itertools
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

pytest.importorskip("matplotlib", reason="--draw needs the 'draw' extra (matplotlib)")

SVG_NS = "{http://www.w3.org/2000/svg}"
X = "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1"
K = "2 0 1; 0 1 2; 1 0 2"


def svg(path):
    return ET.parse(path).getroot()     # raises if the file is not well-formed XML


def texts(root):
    return ["".join(t.itertext()) for t in root.iter(f"{SVG_NS}text")]


def ids(root, prefix):
    return {e.get("id") for e in root.iter() if (e.get("id") or "").startswith(prefix)}


def correlate(x, k, stride=1, pad=0, dilation=1, bias=0.0):
    """Plain-loop cross-correlation of one 2-D map (zero padding on every side)."""
    xp = np.pad(np.asarray(x, float), pad)
    kh, kw = np.shape(k)
    oh = (xp.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    ow = (xp.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((oh, ow))
    for i, j, a, b in itertools.product(range(oh), range(ow), range(kh), range(kw)):
        out[i, j] += xp[i * stride + a * dilation, j * stride + b * dilation] * k[a][b]
    return out + bias


def window_ids(channel, i, j, k, stride, dilation):
    return {f"window-{channel}-{i * stride + a * dilation}-{j * stride + b * dilation}"
            for a in range(k) for b in range(k)}


# ---------------------------------------------------------------- conv stills

@pytest.mark.parametrize("step", [0, 5, 15])
def test_conv_svg_highlights_the_requested_window_and_output_cell(run, tmp_path, step):
    path = tmp_path / "conv.svg"
    r = run("conv", X, K, "--padding", "1", "--draw", path, "--draw-step", step)
    assert r.exit_code == 0, r.stderr
    root = svg(path)
    i, j = divmod(step, 4)                      # a 4×4 output, rows of the trace in row-major order
    assert ids(root, "window-") == window_ids(0, i, j, 3, 1, 1)
    assert ids(root, "output-") == {f"output-{i}-{j}"}
    assert f"conv: step {step} (0-based) of 16, output (f, i, j) = (0, {i}, {j})" in texts(root)


def test_conv_svg_holds_every_output_value_with_the_digits_asked(run, tmp_path):
    x = [[0.5, 1.25, -2], [3, 0.1, 1], [2, -1, 0.3]]
    k = [[0.5, -1], [1, 0.25]]
    path = tmp_path / "c.svg"
    r = run("conv", "0.5 1.25 -2; 3 0.1 1; 2 -1 0.3", "0.5 -1; 1 0.25", "--bias", "0.125",
            "--digits", "2", "--draw", path, "--draw-step", "3")
    assert r.exit_code == 0, r.stderr
    want = correlate(x, k, bias=0.125)
    shown = texts(svg(path))
    for v in want.ravel():
        assert f"{v:.2f}" in shown
    # the products of step 3 = output (1, 1): the window starts at row 1, column 1
    products = np.array(x)[1:3, 1:3] * np.array(k)
    for v in products.ravel():
        assert f"{v:.2f}" in shown
    z = want[1, 1]
    assert f"{products.sum():.2f} + bias 0.12 = {z:.2f}" in shown    # 0.125 to 2 decimals: half to even


def test_conv_stride_and_dilation_move_the_window_as_the_formula_says(run, tmp_path):
    x = " ; ".join(" ".join(str((r * 7 + c) % 5) for c in range(7)) for r in range(7))
    path = tmp_path / "d.png"
    svg_path = tmp_path / "d.svg"
    args = ("conv", x, "1 0; 0 1", "--stride", "2", "--dilation", "2", "--padding", "1")
    assert run(*args, "--draw", path, "--draw-step", "5").exit_code == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert run(*args, "--draw", svg_path, "--draw-step", "5").exit_code == 0
    # padded 9×9, effective kernel 3, stride 2: a 4×4 output; step 5 is (1, 1)
    assert ids(svg(svg_path), "window-") == window_ids(0, 1, 1, 2, 2, 2)


def test_multichannel_conv_shows_each_channel_sum_the_bias_and_the_activation(run, tmp_path):
    path = tmp_path / "m.svg"
    r = run("conv", "1 2 0;3 4 1;0 1 2 | 5 6 1;7 8 0;1 0 1", "1 0;0 1 | 0 1;1 0",
            "1 1;0 0 | 0 0;1 1", "--bias", "1 -20", "--activation", "relu",
            "--draw", path, "--draw-step", "6")
    assert r.exit_code == 0, r.stderr
    root = svg(path)
    # step 6: filter 1, output (1, 0); the window covers rows 1-2, columns 0-1 of both channels
    assert ids(root, "window-") == window_ids(0, 1, 0, 2, 1, 1) | window_ids(1, 1, 0, 2, 1, 1)
    c0 = 3 * 1 + 4 * 1          # channel 0 window [[3, 4], [0, 1]] ⊙ [[1, 1], [0, 0]]
    c1 = 1 * 1 + 0 * 1          # channel 1 window [[7, 8], [1, 0]] ⊙ [[0, 0], [1, 1]]
    shown = texts(root)
    assert f"Σ = {c0}" in shown and f"Σ = {c1}" in shown
    assert f"Σ channels: {c0} + {c1} = {c0 + c1}" in shown
    assert f"+ bias -20 = {c0 + c1 - 20}" in shown
    assert f"relu({c0 + c1 - 20}) = 0" in shown


def test_the_trace_is_the_same_with_or_without_a_picture(run, tmp_path):
    for extra in ([], ["--max-steps", "2"], ["-q"], ["--format", "json", "--max-steps", "3"]):
        plain = run("conv", X, K, "--padding", "1", *extra)
        drawn = run("conv", X, K, "--padding", "1", *extra, "--draw", tmp_path / "t.svg",
                    "--draw-step", "12")
        assert drawn.exit_code == 0 and drawn.stdout == plain.stdout
        back = ("--backward", "1 0; 0 2")
        plain = run("conv", X, K, *back, *extra)
        drawn = run("conv", X, K, *back, *extra, "--draw", tmp_path / "b.svg", "--draw-step", "3")
        assert drawn.exit_code == 0 and drawn.stdout == plain.stdout
        plain = run("pool", X, "--size", "2", "--stride", "1", "--backward", "1 1 1; 1 1 1; 1 1 1", *extra)
        drawn = run("pool", X, "--size", "2", "--stride", "1", "--backward", "1 1 1; 1 1 1; 1 1 1",
                    *extra, "--draw", tmp_path / "p.gif")
        assert drawn.exit_code == 0 and drawn.stdout == plain.stdout


def test_pictures_are_reproducible(run, tmp_path):
    for ext in ("svg", "png", "gif"):
        a, b = tmp_path / f"a.{ext}", tmp_path / f"b.{ext}"
        args = ("pool", X, "--avg", "--size", "3", "--stride", "1", "--padding", "1")
        run(*args, "--draw", a)
        run(*args, "--draw", b)
        assert a.read_bytes() == b.read_bytes()
    assert b"<dc:date>" not in (tmp_path / "a.svg").read_bytes()


# ---------------------------------------------------------------- animations

def frames(path):
    from PIL import Image
    with Image.open(path) as im:
        return im.n_frames


@pytest.mark.parametrize("args, positions", [
    (("conv", X, K, "--padding", "1"), 16),
    (("conv", X, "1 0; 0 1", "2 1; 1 2", "--stride", "2"), 2 * 2 * 2),
    (("pool", X, "--size", "2", "--stride", "1"), 9),
    (("pool", "1 2; 3 4 | 5 6; 7 8", "--size", "2"), 2),
])
def test_gif_has_one_frame_per_output_position(run, tmp_path, args, positions):
    path = tmp_path / "a.gif"
    r = run(*args, "--draw", path)
    assert r.exit_code == 0, r.stderr
    assert path.read_bytes()[:6] == b"GIF89a"
    assert frames(path) == positions


# ---------------------------------------------------------------- pool

def test_max_pool_marks_the_winner_of_the_window(run, tmp_path):
    x = np.array([[1, 2, 3, 0, 5], [0, 1, 2, 3, 1], [3, 0, 1, 2, 4], [2, 3, 0, 1, 0], [1, 1, 9, 2, 2]])
    text = "; ".join(" ".join(map(str, row)) for row in x)
    path = tmp_path / "m.svg"
    r = run("pool", text, "--size", "3", "--stride", "2", "--padding", "1", "--draw", path,
            "--draw-step", "7")
    assert r.exit_code == 0, r.stderr
    root = svg(path)
    i, j = divmod(7, 3)                       # a 3×3 output
    rows = range(i * 2 - 1, i * 2 + 2)        # the window in input coordinates (padding 1)
    cols = range(j * 2 - 1, j * 2 + 2)
    inside = [(r, c) for r in rows for c in cols if 0 <= r < 5 and 0 <= c < 5]
    win = max(inside, key=lambda rc: x[rc])   # first maximum in row-major order
    assert ids(root, "winner-") == {f"winner-{win[0]}-{win[1]}"}
    assert ids(root, "window-") == window_ids(0, i, j, 3, 2, 1)
    assert f"max = {x[win]}" in texts(root)


def test_avg_pool_shows_sum_and_count(run, tmp_path):
    path = tmp_path / "a.svg"
    r = run("pool", X, "--avg", "--size", "2", "--padding", "1", "--no-count-include-pad",
            "--draw", path, "--draw-step", "0", "--digits", "3")
    assert r.exit_code == 0, r.stderr
    shown = texts(svg(path))
    # window (0, 0) holds three padded zeros and x[0, 0] = 1: the divisor counts 1 cell
    assert "sum = 1" in shown and "÷ count 1" in shown and "= 1" in shown
    assert not ids(svg(path), "winner-")


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("command, args, allowed", [
    ("conv", [X, K], ".svg, .png or .gif"),
    ("pool", [X], ".svg, .png or .gif"),
    ("activate", ["relu", "1"], ".svg or .png"),
])
@pytest.mark.parametrize("name, shown", [("p.jpg", "has '.jpg';"), ("p", "has no extension;"),
                                         ("p.svg.txt", "has '.txt';")])
def test_other_extensions_are_refused_with_the_list(run, user_error, tmp_path, command, args,
                                                    allowed, name, shown):
    user_error(run(command, *args, "--draw", tmp_path / name), "--draw", shown, allowed)
    assert not (tmp_path / name).exists()


def test_activate_and_backprop_draw_no_gif(run, user_error, tmp_path):
    user_error(run("activate", "relu", "1", "--draw", tmp_path / "a.gif"), "--draw", ".svg or .png")
    user_error(run("backprop", "--weights", "1", "--input", "1", "--target", "1", "--draw",
                   tmp_path / "b.gif"), "--draw", ".svg or .png")


def test_step_refusals(run, user_error, tmp_path):
    user_error(run("conv", X, K, "--draw-step", "1"), "--draw-step", "--draw")
    user_error(run("conv", X, K, "--draw", tmp_path / "a.gif", "--draw-step", "1"), "--draw-step", ".gif")
    line = user_error(run("conv", X, K, "--draw", tmp_path / "a.svg", "--draw-step", "4"), "--draw-step")
    assert "has 4" in line and "0 to 3" in line          # a 2×2 output
    user_error(run("pool", X, "--draw", tmp_path / "a.svg", "--draw-step", "-1"), "--draw-step")
    assert not (tmp_path / "a.svg").exists()


def test_limits_name_their_numbers(run, user_error, tmp_path):
    big = "; ".join(" ".join("1" for _ in range(12)) for _ in range(12))
    line = user_error(run("conv", big, "1;", "--draw", tmp_path / "a.gif"), "--draw", "144", "100")
    assert "--draw-step" in line
    huge = "; ".join(" ".join("1" for _ in range(40)) for _ in range(3))
    user_error(run("pool", huge, "--draw", tmp_path / "a.svg"), "--draw", "3×40", "32")
    assert not (tmp_path / "a.gif").exists() and not (tmp_path / "a.svg").exists()


def assert_cannot_write(r, path):
    assert r.exit_code == 1, (r.exit_code, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: cannot write '{path}'"), r.stderr
    assert "internal error" not in r.stderr


def test_an_unwritable_path_is_an_error_before_computing(run, tmp_path):
    missing = tmp_path / "no" / "such" / "p.svg"
    assert_cannot_write(run("conv", X, K, "--draw", missing), missing)
    folder = tmp_path / "d.svg"
    folder.mkdir()
    assert_cannot_write(run("pool", X, "--draw", folder), folder)
    # checked first: the bad input below is never read
    assert_cannot_write(run("conv", "not a matrix", K, "--draw", missing), missing)


def test_a_failed_write_is_an_error_not_silence(run, tmp_path):
    full = tmp_path / "full.svg"
    try:
        full.symlink_to("/dev/full")
    except OSError:
        pytest.skip("cannot make a symlink here")
    if not __import__("os").path.exists("/dev/full"):
        pytest.skip("no /dev/full on this system")
    assert_cannot_write(run("conv", X, K, "--draw", full), full)


def test_without_matplotlib_one_line_says_what_to_install(run, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)     # import matplotlib now fails
    for command in (["conv", X, K], ["pool", X], ["activate", "relu", "1"]):
        r = run(*command, "--draw", tmp_path / "a.svg")
        assert r.exit_code == 1 and r.stdout == ""
        assert r.stderr.splitlines() == ["Error: --draw needs matplotlib, which is not installed: "
                                         "pip install 'nncalc[draw]'"]


def test_readme_picture_is_what_its_command_draws(run, tmp_path):
    """docs/conv-step.svg, shown in README, holds the text the README command draws today."""
    from pathlib import Path
    docs = Path(__file__).resolve().parent.parent / "docs" / "conv-step.svg"
    path = tmp_path / "conv.svg"
    r = run("conv", "1 2 0; 0 1 3; 2 1 1", "1 -1; 2 0", "--padding", "1", "--stride", "2",
            "--bias", "1", "--draw", path, "--draw-step", "1")
    assert r.exit_code == 0, r.stderr
    assert texts(svg(docs)) == texts(svg(path))
    assert ids(svg(docs), "window-") == ids(svg(path), "window-") == window_ids(0, 0, 1, 2, 2, 1)
