"""Output to a terminal fits its width; pipes and files keep the full layout (the golden files).

The terminal path is forced by patching ``terminal.width`` (what render asks),
and once for real through a pseudo-terminal with COLUMNS set.
"""
import os
import re
import subprocess
import sys

import numpy as np
import pytest

from conftest import ok
from nncalc.cli import terminal

try:
    from wcwidth import wcswidth as display_width
except ImportError:
    display_width = len

ANSI = re.compile(r"\x1b\[[0-9;]*m")
WIDTHS = [60, 80, 120]

CASES = [
    ["activate", "sigmoid", "-2", "-1", "0", "1", "2"],
    ["activate", "softmax", "1", "2", "3", "--jacobian"],
    ["activate", "--list"],
    ["activate", "gelu", "@wide.npy"],
    ["conv", "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1", "2 0 1; 0 1 2; 1 0 2", "--padding", "1", "--bias", "3"],
    ["conv", "1 2;3 4 | 5 6;7 8", "1 0;0 1 | 0 1;1 0", "1 1;1 1 | 0 0;0 -1", "--bias", "1 -100",
     "--activation", "relu"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 2; 3 4", "--stride", "2", "--padding", "1", "--backward", "1 -1; 2 0"],
    ["conv", "@x3.npy", "@k35.npy", "--max-steps", "4"],
    ["conv", "@x8.txt", "@k5.txt", "--padding", "2", "--max-steps", "4"],
    ["pool", "@x8.txt", "--size", "3", "--mode", "avg"],
    ["pool", "1 2; 3 4", "--size", "2", "--backward", "5"],
    ["outsize", "1x32x32", "conv:6,5", "pool:2", "conv:16,5", "pool:2", "flatten", "fc:120", "fc:84", "fc:10"],
    ["backprop", "--weights", "1", "--bias", "0", "--weights", "1", "--bias", "1", "--activation",
     "sigmoid,identity", "--input", "1", "--target", "2"],
    ["backprop", "--layers", "4,5,3", "--seed", "1", "--input", "1 2 3 4", "--target", "2", "--loss",
     "cross-entropy", "--activation", "relu,softmax", "--check"],
    ["loss", "1 2 0.5; -3 0 3", "2 0", "--loss", "cross-entropy", "--from-logits", "--grad"],
]


@pytest.fixture
def files(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    np.save(tmp_path / "wide.npy", rng.standard_normal((3, 30)) * 12345)
    np.save(tmp_path / "x3.npy", rng.standard_normal((3, 9, 9)))
    np.save(tmp_path / "k35.npy", rng.standard_normal((2, 3, 5, 5)))
    np.savetxt(tmp_path / "x8.txt", rng.standard_normal((8, 8)) * 100, fmt="%.6f")
    np.savetxt(tmp_path / "k5.txt", rng.standard_normal((5, 5)) * 1000, fmt="%.6f")
    monkeypatch.chdir(tmp_path)


def in_terminal(monkeypatch, columns):
    monkeypatch.setattr(terminal, "width", lambda: columns)


def widest(text):
    return max(display_width(ANSI.sub("", line)) for line in text.split("\n"))


@pytest.mark.parametrize("columns", WIDTHS)
@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a)[:40])
def test_every_line_fits_the_terminal(files, monkeypatch, args, columns):
    wide = ok(*args).stdout
    in_terminal(monkeypatch, columns)
    narrow = ok(*args).stdout
    assert widest(narrow) <= columns, narrow
    if widest(wide) <= columns:
        assert narrow == wide               # what already fits is left alone


def test_pipes_keep_the_full_layout(files):
    assert terminal.width() is None         # CliRunner's stdout is no terminal
    assert widest(ok("conv", "@x3.npy", "@k35.npy", "--max-steps", "4").stdout) > 300


def test_matrix_cells_show_as_small_matrices(monkeypatch):
    args = ["conv", "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1", "20 0 1; 0 1 2; 1 0 2", "--padding", "1",
            "--max-steps", "1"]
    piped = ok(*args).stdout.split("\n")
    assert len(next(line for line in piped if line.startswith("(0, 0, 0)"))) > 64     # one-line cells
    in_terminal(monkeypatch, 64)
    lines = ok(*args).stdout.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("(f, i, j)"))
    table = lines[start:start + 5]
    assert [line.rstrip() for line in table] == [
        "(f, i, j)    window    window ⊙ kernel      Σ    + bias    = z",
        "-----------  --------  -----------------  ---  --------  -----",
        "(0, 0, 0)    0 0 0     0 0 0                7         0      7",
        "             0 1 2     0 1 4",
        "             0 0 1     0 0 2"]


def test_columns_left_out_with_a_note_and_full_shows_them(files, monkeypatch):
    in_terminal(monkeypatch, 60)
    out = ok("conv", "@x3.npy", "@k35.npy", "--max-steps", "2").stdout
    assert "window ⊙ kernel" not in out.split("(f, i, j)")[1].split("\n")[0]
    note = " ".join(out.split("(columns ")[1].split("\n\n")[0].split())
    assert "'window ⊙ kernel'" in note and note.endswith("left out to fit 60 columns; --full shows every column)")
    full = ok("conv", "@x3.npy", "@k35.npy", "--max-steps", "2", "--full").stdout
    assert "window ⊙ kernel" in full.split("(f, i, j)")[1].split("\n")[0] and "left out" not in full


def test_list_wraps_its_prose_before_leaving_columns_out(monkeypatch):
    in_terminal(monkeypatch, 120)
    out = ok("activate", "--list").stdout
    assert all(h in out for h in ("h'(x)", "strengths", "weaknesses")) and "left out" not in out
    in_terminal(monkeypatch, 80)
    out = ok("activate", "--list").stdout
    assert "| h'(x)" in out and "'weaknesses'" in out.split("left out")[0].split("\n")[-1]


def test_a_wide_matrix_shows_fewer_columns_around_the_ellipsis(files, monkeypatch):
    in_terminal(monkeypatch, 60)
    out = ok("activate", "identity", "@wide.npy", "--max-steps", "0").stdout
    rows = out.split("Result h(x) (3×30):\n")[1].split("\n")[:3]
    assert all(row.count("…") == 1 for row in rows) and "left out to fit 60" in out


def test_wrap_keeps_words_and_indents_continuations():
    text = "conv: cross-correlation (what PyTorch and TensorFlow call convolution; the kernel is not flipped)"
    lines = terminal.wrap(text, 40).split("\n")
    assert lines == ["conv: cross-correlation (what PyTorch", "  and TensorFlow call convolution; the",
                     "  kernel is not flipped)"]
    assert terminal.wrap("   = a b", 5).split("\n")[0] == "   ="


def test_matrix_cell_aligns_columns_and_keeps_the_channel_label():
    assert terminal.matrix_cell("c1: 0 10 2; 3 4 -5") == "c1: 0 10  2\n    3  4 -5"
    assert terminal.matrix_cell("1 2 3") == "1 2 3"


def test_display_width_counts_wide_characters_twice_and_colour_codes_not_at_all():
    assert terminal.display_width("１２") == 4
    assert terminal.display_width("\x1b[1mab\x1b[0m") == 2


def test_a_real_terminal_with_columns_set():
    pty = pytest.importorskip("pty")
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "NNCALC_DEBUG"}
    env.update(COLUMNS="60", NO_COLOR="1")
    code = "from nncalc.cli.main import cli; cli.main()"
    args = ["conv", "1 2 3 0; 0 1 2 3; 3 0 1 2; 2 3 0 1", "2 0 1; 0 1 2; 1 0 2", "--padding", "1"]
    proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=follower, stderr=subprocess.DEVNULL,
                            env=env)
    os.close(follower)
    chunks = []
    while True:                             # read as it writes: a full terminal buffer would block it
        try:
            data = os.read(leader, 65536)
        except OSError:                     # EIO: the command has closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    out = b"".join(chunks).decode().replace("\r\n", "\n")
    assert out.startswith("conv: cross-correlation") and widest(out) <= 60
