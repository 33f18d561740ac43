"""activate --list in Chinese: its prose columns wrap as Chinese wraps (between characters, by
display columns), not by tabulate's textwrap, which breaks only at spaces; English stays tabulate's.
"""
import re

import pytest

from conftest import invoke
from nncalc.cli import terminal

CLOSING, OPENING = "，。、；：？！）》」』】,.;:?!)", "（《「『【(["


def grid_cells(text):
    """Each body cell of a grid table as its list of lines (row by row, column by column)."""
    cells, block = [], []
    for line in text.splitlines()[3:]:               # past the header and its '=' rule
        if line.startswith("+"):
            cells += [[row[i] for row in block if row[i]] for i in range(len(block[0]))]
            block = []
        else:
            block.append([c.strip() for c in line.strip("|").split(" | ")])
    return cells


def listing(lang, fmt=None):
    r = invoke("--lang", lang, "activate", "--list", *(["--format", fmt] if fmt else []))
    assert r.exit_code == 0 and r.stderr == ""
    return r.stdout


@pytest.fixture(scope="module")
def zh_cells():
    return grid_cells(listing("zh"))


def test_no_cell_line_is_a_lone_digit_or_a_split_bracket(zh_cells):
    joined = ["".join(lines) for lines in zh_cells]
    assert "梯度处处为 0，梯度下降无法通过它学习" in joined          # one cell, read across its lines
    for lines in zh_cells:
        assert all(not re.fullmatch(r"[\d.]+", line) for line in lines[1:]), lines
        assert all(line[:1] not in CLOSING for line in lines[1:]), lines
        assert all(line[-1:] not in OPENING for line in lines[:-1]), lines
    assert any(lines[0].startswith("(0, 1)，每行") for lines in zh_cells)
    assert any("（二）分类" in line for lines in zh_cells for line in lines)


def test_short_formulas_hold_together(zh_cells):
    text = "\n".join(line for lines in zh_cells for line in lines)
    for formula in ("(0, 1)", "（σ' ≤ 0.25）", "p_i(δ_ij − p_j)", "(0, 1) 关于0不对称"):
        assert formula in text, formula


def test_wrap_cell_breaks_between_characters_by_columns():
    assert terminal.wrap_cell("(0, 1)，每行和为 1", 12) == "(0, 1)，每行\n和为 1"
    assert terminal.wrap_cell("梯度处处为 0，梯度下降无法通过它学习", 30) == \
        "梯度处处为 0，梯度下降无法通过\n它学习"
    assert terminal.wrap_cell("简单；适合做（二）分类", 12) == "简单；适合做\n（二）分类"
    # every line within the width, counted in display columns
    out = terminal.wrap_cell("反向传播时有梯度消失的问题（σ' ≤ 0.25）；输出值区间 (0, 1) 关于0不对称", 14)
    assert all(terminal.display_width(line) <= 14 for line in out.split("\n")), out


@pytest.mark.parametrize("cell", ["vanishing gradient (σ' ≤ 0.25); outputs in (0, 1) are not zero-centred",
                                  "a smooth ReLU with a gradient everywhere", 3.5, ""])
def test_english_and_short_cells_are_left_to_tabulate(cell):
    assert terminal.wrap_cell(cell, 12) is cell


@pytest.mark.parametrize("fmt", ["grid", "github"])
def test_every_chinese_list_line_has_the_same_width(fmt):
    # the table stays a rectangle: each cell line fits the width its column was given
    lines = [line for line in listing("zh", fmt).splitlines() if line.strip()]
    assert len({terminal.display_width(line) for line in lines}) == 1
    assert max(terminal.display_width(line) for line in lines) <= 14 + 24 + 24 + 12 + 12 + 30 + 30 + 3 * 8


@pytest.mark.parametrize("columns", [80, 120])
def test_in_a_terminal_the_narrowed_chinese_list_still_wraps_between_characters(monkeypatch, columns):
    monkeypatch.setattr(terminal, "width", lambda: columns)
    out = listing("zh")
    assert all(terminal.display_width(line) <= columns for line in out.splitlines()), out
    for lines in grid_cells(out[:out.rindex("+") + 1]):      # the table, not the note below it
        assert all(not re.fullmatch(r"[\d.]+", line) and line[:1] not in CLOSING for line in lines[1:]), lines
