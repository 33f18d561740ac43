"""Start-up cost and real pipes, in subprocesses: --help and completion stay light, pipes end quietly."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PYTHON = sys.executable


def nncalc_script():
    here = Path(sys.executable).parent / "nncalc"
    if here.exists():
        return str(here)
    found = shutil.which("nncalc")
    if not found:
        pytest.skip("the nncalc console script is not installed")
    return found


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("_NNCALC_COMPLETE") and k not in ("NNCALC_DEBUG", "COMP_WORDS", "COMP_CWORD")}
    env.update(NO_COLOR="1", **extra)
    return env


PROBE = """
import sys
from nncalc.cli.main import cli
try:
    cli.main({args!r}, prog_name="nncalc")
except SystemExit:
    pass
sys.stdout.flush()
print("\\nLOADED", "numpy" in sys.modules, "tabulate" in sys.modules)
"""


def loaded_modules(args, **env):
    proc = subprocess.run([PYTHON, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                          env=clean_env(**env), timeout=60)
    last = proc.stdout.strip().splitlines()[-1]
    assert last.startswith("LOADED"), (proc.stdout, proc.stderr)
    return proc.stdout, last.split()[1:]


@pytest.mark.parametrize("args", [["--help"], ["activate", "--help"], ["activate", "-h"], ["--version"]])
def test_help_imports_neither_numpy_nor_tabulate(args):
    out, (numpy, tabulate) = loaded_modules(args)
    assert "Usage" in out or "version" in out
    assert numpy == "False" and tabulate == "False"


@pytest.mark.parametrize("shell, words, cword", [
    ("bash", "nncalc act", "1"),
    ("bash", "nncalc activate --", "2"),
    ("zsh", "nncalc act", "1"),
    ("fish", "nncalc act", "act"),          # fish passes the incomplete word itself
])
def test_completion_imports_neither_numpy_nor_tabulate(shell, words, cword):
    env = {"_NNCALC_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    out, (numpy, tabulate) = loaded_modules([], **env)
    assert "activate" in out or "--" in out
    assert numpy == "False" and tabulate == "False"


def test_the_probe_does_see_numpy_when_computing():
    _, (numpy, _) = loaded_modules(["activate", "relu", "1", "-q"])
    assert numpy == "True"


def test_real_pipe_between_two_commands():
    exe = nncalc_script()
    first = subprocess.run([exe, "activate", "relu", "-q", "1 -2; -3 4"], capture_output=True,
                           env=clean_env(), timeout=60, check=True)
    second = subprocess.run([exe, "activate", "softmax", "-", "-q"], input=first.stdout,
                            capture_output=True, env=clean_env(), timeout=60)
    assert second.returncode == 0, second.stderr
    assert second.stderr == b""
    rows = [list(map(float, line.split())) for line in second.stdout.decode().splitlines()]
    assert len(rows) == 2 and all(abs(sum(r) - 1) < 1e-15 for r in rows)


def test_shell_pipeline_ends_quietly_at_head(tmp_path):
    exe = nncalc_script()
    # 5 000 table rows (~300 kB): far more than a pipe buffer, so head closes the pipe mid-write.
    path = tmp_path / "m.txt"
    path.write_text("\n".join("1 2 3 4 5" for _ in range(1000)))
    cmd = (f"'{exe}' activate relu -q '1 -2; -3 4' | '{exe}' activate softmax - && "
           f"'{exe}' activate sigmoid --max-steps 5000 @'{path}' | head -1")
    proc = subprocess.run(["bash", "-c", cmd], capture_output=True, env=clean_env(), timeout=60)
    assert b"Traceback" not in proc.stderr, proc.stderr.decode()
    assert proc.stderr == b"", proc.stderr.decode()
    assert proc.returncode == 0                         # head's status ends the pipeline
    out = proc.stdout.decode()
    assert "Result h(x) (2×2)" in out and out.endswith("sigmoid: σ(x) = 1 / (1 + e^(−x))\n")


def test_npy_to_a_real_terminal_is_refused():
    pty = pytest.importorskip("pty")
    exe = nncalc_script()
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([exe, "activate", "relu", "1", "--format", "npy"], stdout=follower,
                              stderr=subprocess.PIPE, env=clean_env(), timeout=60)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2
    assert proc.stderr.decode().startswith("Error: --format: npy is binary")


def test_stdin_terminal_does_not_wait():
    pty = pytest.importorskip("pty")
    exe = nncalc_script()
    leader, follower = pty.openpty()
    try:
        proc = subprocess.run([exe, "activate", "relu", "-"], stdin=follower, capture_output=True,
                              env=clean_env(), timeout=30)
    finally:
        os.close(follower)
        os.close(leader)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().count("\n") == 1 and "terminal" in proc.stderr.decode()


def test_group_help_lists_every_command_with_its_summary():
    from nncalc.cli.main import COMMANDS, SUMMARIES
    assert set(SUMMARIES) == set(COMMANDS)
    out = subprocess.run([nncalc_script(), "--help"], capture_output=True, text=True,
                         env=clean_env(), timeout=60).stdout
    for name, summary in SUMMARIES.items():
        assert name in out and summary.split()[0] in out


def test_ctrl_c_exits_130_without_a_traceback():
    import signal
    import time
    # stdin is a pipe that stays open, so the command waits in read() until interrupted
    proc = subprocess.Popen([nncalc_script(), "activate", "relu", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert out == b"" and b"Traceback" not in err


# --- help printed without importing click (cli/entry.py, cli/helptext.py) -----------------

ENTRY_PROBE = """
import sys
sys.argv = ["nncalc", *{args!r}]
from nncalc.cli.entry import main
try:
    main()
except SystemExit as exc:
    code = exc.code
sys.stdout.flush()
sys.stderr.write("EXIT %s CLICK %s NUMPY %s" % (code, "click" in sys.modules, "numpy" in sys.modules))
"""


def run_entry(args, **env):
    proc = subprocess.run([PYTHON, "-c", ENTRY_PROBE.format(args=args)], capture_output=True,
                          env=clean_env(PYTHONIOENCODING="utf-8", **env), timeout=60)
    status = proc.stderr.decode().splitlines()[-1].split()
    return proc.stdout.decode("utf-8"), dict(zip(status[::2], status[1::2]))


def test_stored_help_is_exactly_what_click_renders_now():
    """Fails after an option or docstring changes: run `python -m nncalc.cli.helpgen > cli/helptext.py`."""
    from nncalc.cli.helpgen import render_all
    from nncalc.cli.helptext import HELP
    from nncalc.cli.main import COMMANDS
    assert set(HELP) == {"", *COMMANDS}
    for key, text in render_all().items():
        assert HELP[key] == text, (f"the stored help of `nncalc {key} --help` is stale: "
                                   "run `python -m nncalc.cli.helpgen > cli/helptext.py`")


@pytest.mark.parametrize("args, key", [
    (["--help"], ""), (["-h"], ""), (["conv", "--help"], "conv"), (["activate", "-h"], "activate"),
    (["backprop", "--help"], "backprop"),
])
def test_help_at_full_width_prints_the_stored_text_without_click(args, key):
    from nncalc.cli.helptext import HELP
    for columns in ("80", "200"):
        out, status = run_entry(args, COLUMNS=columns)
        assert out == HELP[key]
        assert status == {"EXIT": "0", "CLICK": "False", "NUMPY": "False"}


def test_help_without_a_terminal_or_columns_is_full_width_too():
    from nncalc.cli.helptext import HELP
    env = clean_env(PYTHONIOENCODING="utf-8")
    env.pop("COLUMNS", None)
    proc = subprocess.run([nncalc_script(), "pool", "--help"], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0 and proc.stderr == b""
    assert proc.stdout.decode("utf-8") == HELP["pool"]


def test_narrow_terminal_help_is_left_to_click_and_wraps_narrower():
    from nncalc.cli.helpgen import render
    from nncalc.cli.helptext import HELP
    out, status = run_entry(["conv", "--help"], COLUMNS="60")
    assert status["CLICK"] == "True" and status["EXIT"] == "0"
    assert out == render("conv", columns="60") != HELP["conv"]
    options = out[out.index("Options:"):].splitlines()[1:]     # example blocks never wrap
    assert max(len(line) for line in options) <= 58


@pytest.mark.parametrize("args", [
    ["--debug", "--help"], ["activate", "relu", "--help"], ["-q", "--help"], ["bogus", "--help"],
    ["--version"],
])
def test_other_invocations_go_to_click(args):
    from nncalc.cli.entry import prerendered_help
    assert prerendered_help(args) is None
    _, status = run_entry(args, COLUMNS="100")
    assert status["CLICK"] == "True"


def test_unknown_command_with_help_is_still_an_error():
    proc = subprocess.run([nncalc_script(), "conc", "--help"], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("Error: unknown command 'conc' (did you mean 'conv'?)")


def test_completion_is_never_answered_with_stored_help():
    from nncalc.cli.entry import prerendered_help
    os.environ["_NNCALC_COMPLETE"] = "bash_complete"
    try:
        assert prerendered_help(["--help"]) is None
    finally:
        del os.environ["_NNCALC_COMPLETE"]


def test_help_piped_into_head_gives_its_first_line():
    # (the help fits in a pipe buffer, so no EPIPE here: the next test forces one)
    exe = nncalc_script()
    proc = subprocess.run(["bash", "-c", f"'{exe}' backprop --help | head -1"], capture_output=True,
                          env=clean_env(), timeout=60)
    assert proc.returncode == 0 and proc.stderr == b""
    assert proc.stdout.startswith(b"Usage: nncalc backprop") and proc.stdout.count(b"\n") == 1


def test_help_to_a_pipe_whose_reader_has_gone_exits_1_quietly():
    proc = subprocess.Popen([nncalc_script(), "--help"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=clean_env())
    proc.stdout.close()                 # closed before the child writes: its write meets EPIPE
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert err == b""


@pytest.mark.parametrize("columns", ["80", "60"])
def test_bare_nncalc_prints_the_whole_help_on_stderr_and_exits_2(columns):
    from nncalc.cli.helpgen import render
    env = clean_env(COLUMNS=columns, PYTHONIOENCODING="utf-8")
    proc = subprocess.run([nncalc_script()], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode("utf-8") == render("", columns=columns)     # every line, not one folded line


def test_bare_nncalc_in_process_too(run):
    r = run()
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Usage: ") and "[OPTIONS] COMMAND" in r.stderr and "\nCommands:\n" in r.stderr


@pytest.mark.parametrize("args", [["--help"], ["conv", "--help"]])
def test_help_with_stdout_closed_or_full_takes_clicks_path(args):
    exe = nncalc_script()
    closed = subprocess.run(["bash", "-c", f"'{exe}' {' '.join(args)} >&-"], capture_output=True,
                            env=clean_env(), timeout=60)
    assert b"Traceback" not in closed.stderr and closed.returncode in (0, 1)
    if os.path.exists("/dev/full"):
        full = subprocess.run(["bash", "-c", f"'{exe}' {' '.join(args)} > /dev/full"], capture_output=True,
                              env=clean_env(), timeout=60)
        assert b"Traceback" not in full.stderr and full.returncode == 1
        assert full.stderr.decode().count("\n") == 1 and full.stderr.startswith(b"Error:")


def test_empty_command_name_with_help_is_an_error_not_the_group_help():
    from nncalc.cli.entry import help_key
    assert help_key(["", "--help"]) is None
    proc = subprocess.run([nncalc_script(), "", "--help"], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert proc.returncode == 2 and proc.stdout == "" and "unknown command" in proc.stderr
