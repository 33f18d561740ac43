"""Memory and time that --max-elements alone does not bound (issue 13).

* conv's im2col working set: blocks of whole rows, or of one row's columns
  when a row is too big; the result is the same as a plain loop.
* a work estimate (multiply-adds, comparisons) over --max-work is refused up
  front, naming the kernel or window, with the number;
* traces (step records, step tables, --full matrices) hold at most
  max_elements // 100 numbers.
"""
import itertools

import numpy as np
import pytest

from conftest import assert_user_error, invoke, ok
from nncalc.core import conv, pool, windows


def conv_loop(x, k):
    """Plain-loop cross-correlation of one H×W map with one kh×kw kernel (stride 1, no padding)."""
    kh, kw = k.shape
    out = np.zeros((x.shape[0] - kh + 1, x.shape[1] - kw + 1))
    for i, j in itertools.product(range(out.shape[0]), range(out.shape[1])):
        for a, b in itertools.product(range(kh), range(kw)):
            out[i, j] += x[i + a, j + b] * k[a, b]
    return out


@pytest.mark.parametrize("budget", [8, 200, 2000, 10 ** 6], ids=["one-window", "part-row", "rows", "all"])
def test_blocks_below_a_row_give_the_same_convolution(monkeypatch, budget):
    rng = np.random.default_rng(1)
    x, k = rng.standard_normal((9, 11)), rng.standard_normal((3, 4))
    blocks = []
    real = windows.row_chunks

    def small(geom, channels, budget_bytes=None):
        for block in real(geom, channels, budget):
            blocks.append(block)
            yield block
    monkeypatch.setattr(windows, "row_chunks", small)
    got = conv.conv2d(x, k, max_steps=0).result
    np.testing.assert_allclose(got, conv_loop(x, k), rtol=1e-12, atol=1e-12)
    cells = [(r1 - r0) * (c1 - c0) for r0, r1, c0, c1 in blocks]
    assert sum(cells) == got.size                       # every output once
    assert max(cells) * 12 * 8 <= max(budget, 12 * 8)   # within the budget, or one window


def test_a_row_too_big_is_cut_into_columns():
    geom = windows.geometry((4, 1000), (3, 500))
    blocks = list(windows.row_chunks(geom, 1, budget_bytes=500 * 3 * 8 * 100))
    assert blocks[:2] == [(0, 1, 0, 100), (0, 1, 100, 200)]
    assert blocks[-1] == (1, 2, 500, 501)


# ------------------------------------------------------------------ work estimates

def test_conv_work_is_refused_up_front_naming_the_kernel():
    x = " ; ".join(["1 2 3 4 5 6"] * 6)
    line = assert_user_error(invoke("conv", x, "1 1 1; 1 1 1; 1 1 1", "1 0 0; 0 1 0; 0 0 1", "--max-work", "100"), "KERNEL")
    # 2 filters × 4×4 positions × 1×3×3 taps
    assert "needs about 288 multiply-adds, over the work limit of 100 (allow it with --max-work N)" in line
    ok("conv", x, "1 1 1; 1 1 1; 1 1 1", "1 0 0; 0 1 0; 0 0 1", "--max-work", "288", "-q")
    # with --backward, ∂E/∂K and ∂E/∂X cost as much again each: 3 × 288
    dy = " | ".join(["; ".join(["1 1 1 1"] * 4)] * 2)
    line = assert_user_error(invoke("conv", x, "1 1 1; 1 1 1; 1 1 1", "1 0 0; 0 1 0; 0 0 1", "--backward", dy,
                                    "--max-work", "863"), "KERNEL")
    assert "needs about 864 multiply-adds" in line
    ok("conv", x, "1 1 1; 1 1 1; 1 1 1", "1 0 0; 0 1 0; 0 0 1", "--backward", dy, "--max-work", "864", "-q")


def test_conv_multiply_adds():
    geom = windows.geometry((10, 12), (3, 5), stride=2)
    assert conv.multiply_adds((2, 3, 10, 12), (4, 3, 3, 5), geom) == 2 * 4 * 4 * 4 * 3 * 3 * 5


@pytest.mark.parametrize("extra", [[], ["--format", "json"]], ids=["text", "json-with-argmax"])
def test_pool_work_counts_what_is_computed(extra):
    x = "; ".join(" ".join(str(i * 6 + j) for j in range(6)) for i in range(6))
    # forward: 6 padded rows × 3 outputs × 1 comparison, then 3×3 outputs × 1; json adds argmax: 9 × 4 cells
    forward = 6 * 3 * 1 + 3 * 3 * 1
    need = forward + (9 * 4 if extra else 0)
    line = assert_user_error(invoke("pool", x, "--size", "2", "--max-work", str(need - 1), *extra), "--size")
    assert f"needs about {need:,} comparisons" in line
    ok("pool", x, "--size", "2", "--max-work", str(need), *extra)


def test_pool_comparisons_formula():
    geom = windows.geometry((7, 9), (3, 2), stride=1)      # out 5×8
    assert pool.comparisons(2, geom) == 2 * (7 * 8 * 1 + 5 * 8 * 2)
    assert pool.comparisons(2, geom, every_cell=True) == 2 * (7 * 8 * 1 + 5 * 8 * 2) + 2 * 5 * 8 * 6


def test_max_work_accepts_scientific_whole_numbers(run):
    assert run("conv", "1 2; 3 4", "1;", "--max-work", "1e3", "-q").exit_code == 0
    for bad in ("0", "1.5", "x", "1e-3", "-5"):
        assert_user_error(run("conv", "1 2; 3 4", "1;", "--max-work", bad), "--max-work")


def test_default_limit_refuses_the_reported_case_without_computing():
    # issue 13: a 2000² input and a 1000² kernel; here as shapes only (the check comes first)
    geom = windows.geometry((2000, 2000), (1000, 1000))
    assert conv.multiply_adds((1, 1, 2000, 2000), (1, 1, 1000, 1000), geom) == 1001 ** 2 * 10 ** 6
    with pytest.raises(Exception) as info:
        windows.check_operations(1001 ** 2 * 10 ** 6, "multiply-adds", "kernel", 10 ** 10)
    assert info.value.code == "over_work" and info.value.field == "kernel"


# ------------------------------------------------------------------ wrong blame

def test_output_over_the_limit_blames_the_filters_not_the_stride():
    line = assert_user_error(invoke("conv", "1 2 3; 4 5 6; 7 8 9", "1;", "1;", "1;", "--max-elements", "20"),
                             "KERNEL")
    assert "the output would have 27 elements (3 × 3×3)" in line and "--stride" not in line


# ------------------------------------------------------------------ traces

def test_conv_trace_is_bounded_by_max_elements():
    rng = np.random.default_rng(0)
    res = conv.conv2d(rng.random((40, 40)), rng.random((30, 30)), max_steps=10 ** 8, max_elements=10 ** 6)
    # each step holds the window and its products: 2 × 900 numbers; budget 10,000
    assert len(res.steps) == 10_000 // 1800 and res.total_steps == 121


def test_pool_trace_skips_windows_bigger_than_the_budget():
    res = pool.pool2d(np.zeros((60, 60)), "max", 40, 1, max_steps=50, max_elements=100_000)
    assert res.steps == [] and res.total_steps == 21 * 21


def test_activate_table_is_bounded_and_says_why():
    x = "; ".join(" ".join(["1"] * 100) for _ in range(100))
    r = ok("activate", "relu", x, "--max-steps", "100000000", "--max-elements", "20000")
    note = [line for line in r.stdout.splitlines() if line.startswith("… ")]
    assert note == ["… 9,750 more rows not shown (showing 250 of 10,000; a trace holds at most 1,000 "
                    "numbers; raise --max-elements to see more)"]


def test_full_matrix_beyond_the_budget_is_summarized():
    x = "; ".join(" ".join(["2"] * 40) for _ in range(40))
    r = ok("activate", "relu", x, "--full", "--max-steps", "0", "--max-elements", "1600")
    assert "(summarized: --full shows matrices of up to 1,000 numbers; raise --max-elements to see more)" \
        in r.stdout
    assert "…" in r.stdout


def test_max_steps_note_unchanged_below_the_budget():
    r = ok("activate", "relu", "1 2 3 4 5", "--max-steps", "2")
    assert "(showing 2 of 5; raise --max-steps to see more)" in r.stdout
