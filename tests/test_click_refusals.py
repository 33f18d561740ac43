"""Values click itself refuses (ranges, choices, option types) read like nncalc's own refusals:
``Error: --stride: must be at least 1, not 0``, the argument first, then the reason."""
import pytest

from conftest import invoke

CASES = [
    (("conv", "1 2; 3 4", "1 0; 0 1", "--stride", "0"),
     "Error: --stride: must be at least 1, not 0",
     "错误：--stride：必须至少为 1，而不是 0"),
    (("pool", "1 2; 3 4", "--mode", "foo"),
     "Error: --mode: 'foo' is not one of 'max', 'avg'",
     "错误：--mode：'foo' 不是 'max', 'avg' 之一"),
    (("activate", "sigmoid", "1", "--digits", "99"),
     "Error: --digits: 99 is not in the range 0<=x<=17",
     "错误：--digits：99 不在范围 0<=x<=17 内"),
]


@pytest.mark.parametrize("args, english, chinese", CASES, ids=[c[0][0] for c in CASES])
def test_click_refusals_name_the_option_first(args, english, chinese):
    for lang, line in (("en", english), ("zh", chinese)):
        r = invoke("--lang", lang, *args)
        assert (r.exit_code, r.stdout, r.stderr) == (2, "", line + "\n")


def test_a_value_of_the_wrong_type_reads_the_same_way():
    r = invoke("activate", "sigmoid", "1", "--digits", "x")
    assert (r.exit_code, r.stdout) == (2, "")
    assert r.stderr == "Error: --digits: 'x' is not a valid integer\n", r.stderr


def test_clicks_other_errors_end_without_a_full_stop_like_every_error_line():
    for lang, line in (("en", "Error: Missing command"), ("zh", "错误：缺少命令")):
        r = invoke("--lang", lang, "--debug")
        assert (r.exit_code, r.stdout, r.stderr) == (2, "", line + "\n")


@pytest.mark.parametrize("message, line", [("Missing command.", "Missing command"), ("缺少命令。", "缺少命令"),
                                           ("Try 'a b c'...", "Try 'a b c'..."), ("see x…", "see x…"),
                                           ("no stop", "no stop")])
def test_only_a_full_stop_is_taken_off_not_an_ellipsis(message, line):
    from nncalc.cli.main import _stopless
    assert _stopless(message) == line


def test_draw_step_is_a_whole_number_like_the_others():
    r = invoke("conv", "1 2; 3 4", "1", "--draw", "x.svg", "--draw-step", "q")
    assert (r.exit_code, r.stdout, r.stderr) == (2, "", "Error: --draw-step: 'q' is not a valid integer\n")
