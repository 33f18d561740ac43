"""Start-up cost and real pipes, in subprocesses: --help and completion stay light, pipes end quietly."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time
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
print("\\nLOADED", *(name in sys.modules for name in ("numpy", "tabulate", "uniplot", "matplotlib")))
"""


def loaded_modules(args, **env):
    """Run the click group in a fresh interpreter: (its stdout, {module: was it imported?})."""
    proc = subprocess.run([PYTHON, "-c", PROBE.format(args=args)], capture_output=True, text=True,
                          env=clean_env(**env), timeout=60)
    out, _, last = proc.stdout.rstrip("\n").rpartition("\n")
    assert last.startswith("LOADED"), (proc.stdout, proc.stderr)
    return out, dict(zip(("numpy", "tabulate", "uniplot", "matplotlib"), (v == "True" for v in last.split()[1:])))


NOTHING_HEAVY = {"numpy": False, "tabulate": False, "uniplot": False, "matplotlib": False}
COMMAND_NAMES = ["activate", "backprop", "check", "conv", "loss", "outsize", "pool"]


@pytest.mark.parametrize("args, first_line", [
    (["--help"], "Usage: nncalc [OPTIONS] COMMAND [ARGS]..."),
    (["-h"], "Usage: nncalc [OPTIONS] COMMAND [ARGS]..."),
    (["--version"], "nncalc, version 0.1.0"),
    *[([name, "--help"], f"Usage: nncalc {name} [OPTIONS]") for name in COMMAND_NAMES],
    (["activate", "-h"], "Usage: nncalc activate [OPTIONS] FUNCTION VALUES…"),
])
def test_help_and_version_import_no_numpy_tabulate_or_plotting_library(args, first_line):
    out, loaded = loaded_modules(args)
    assert out.splitlines()[0].startswith(first_line), out
    assert loaded == NOTHING_HEAVY


@pytest.mark.parametrize("shell, words, cword, expected", [
    ("bash", "nncalc act", "1", "plain,activate\n"),
    ("bash", "nncalc activate --", "2", "plain,--alpha\n"),            # first of the options
    ("zsh", "nncalc act", "1", "plain\nactivate\nApply an activation function"),
    ("fish", "nncalc act", "act", "plain,activate\tApply an activation function"),  # fish passes the word
])
def test_completion_imports_no_numpy_tabulate_or_plotting_library(shell, words, cword, expected):
    env = {"_NNCALC_COMPLETE": f"{shell}_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    out, loaded = loaded_modules([], **env)
    assert out.startswith(expected), out
    assert loaded == NOTHING_HEAVY


def test_the_probe_does_see_numpy_when_computing():
    _, loaded = loaded_modules(["activate", "relu", "1", "-q"])
    assert loaded["numpy"]


def test_the_probe_does_see_matplotlib_when_drawing(tmp_path):
    pytest.importorskip("matplotlib")
    _, loaded = loaded_modules(["activate", "relu", "1", "--draw", str(tmp_path / "relu.svg")])
    assert loaded["matplotlib"] and (tmp_path / "relu.svg").exists()


def test_the_probe_does_see_uniplot_when_plotting():
    pytest.importorskip("uniplot")
    _, loaded = loaded_modules(["activate", "relu", "1", "--plot"])
    assert loaded["uniplot"]


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


def test_group_help_lists_every_command_with_its_whole_short_help():
    from nncalc.cli.main import COMMANDS, cli
    out = subprocess.run([nncalc_script(), "--help"], capture_output=True, text=True,
                         env=clean_env(COLUMNS="80"), timeout=60).stdout
    listed = dict(line.split(None, 1) for line in out.split("\nCommands:\n")[1].splitlines())
    assert sorted(listed) == sorted(COMMANDS) == COMMAND_NAMES
    for name, text in listed.items():
        command = cli.get_command(None, name)
        assert text == command.short_help, (name, text)        # whole, not cut short with "..."


def test_the_console_script_is_the_click_group():
    from importlib import metadata
    (script,) = metadata.entry_points(group="console_scripts", name="nncalc")
    assert script.value == "nncalc.cli.main:cli"
    from nncalc.cli.main import cli
    assert script.load() is cli


# A Ctrl-C ends the run with status 130 and no traceback: exit(130) from main.py's handler, or
# death by SIGINT before it runs (subprocess reports -2, a shell 130).
INTERRUPTED = (130, -signal.SIGINT)


def test_ctrl_c_exits_130_without_a_traceback():
    # stdin is a pipe that stays open, so the command waits in read() until interrupted
    proc = subprocess.Popen([nncalc_script(), "activate", "relu", "-"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=clean_env())
    time.sleep(1.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode in INTERRUPTED and out == b"" and b"Traceback" not in err, err


@pytest.mark.skipif(os.name != "posix", reason="SIGINT is a POSIX signal")
def test_ctrl_c_at_any_moment_of_start_up_prints_no_traceback():
    # Once nncalc's code runs (nncalc.cli imported), a Ctrl-C at any moment ends the run quietly:
    # among imports (where KeyboardInterrupt once printed a traceback, or a SyntaxError when it
    # cut a module's compilation short, or was swallowed in an import lock's weakref callback and
    # the run went on to read the closed stdin: exit 2), in main, or in read(). Before that,
    # Python's own start-up (site) is the interpreter's and prints its own "Fatal Python error".
    # PYTHONPROFILEIMPORTTIME's stderr line for nncalc.cli marks that moment.
    rng = random.Random(130)
    env = clean_env(PYTHONPROFILEIMPORTTIME="1", PYTHONDONTWRITEBYTECODE="1")
    for _ in range(30):
        proc = subprocess.Popen([nncalc_script(), "activate", "relu", "-"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        for line in iter(proc.stderr.readline, b""):
            if line.split(b"|")[-1].strip() == b"nncalc.cli":
                break
        time.sleep(rng.uniform(0, 0.3))
        os.kill(proc.pid, signal.SIGINT)
        out, err = proc.communicate(timeout=60)
        errors = [line for line in err.splitlines() if not line.startswith(b"import time:")]
        assert proc.returncode in INTERRUPTED and out == b"" and errors in ([], [b""]), err[-2000:]


@pytest.mark.parametrize("name", COMMAND_NAMES)
def test_command_help_is_its_docstring_with_examples(name):
    from nncalc.cli.main import cli
    doc = cli.get_command(None, name).help
    first, example = doc.strip().splitlines()[0], doc.split("\b\n")[1].splitlines()[0].strip()
    proc = subprocess.run([nncalc_script(), name, "--help"], capture_output=True, text=True,
                          env=clean_env(COLUMNS="200", PYTHONIOENCODING="utf-8"), timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    usage, blank, described = proc.stdout.split("\n", 2)
    assert usage.startswith(f"Usage: nncalc {name} [OPTIONS]") and blank == ""
    assert " ".join(described.split("\n\n")[0].split()) == first   # as click wraps it
    assert f"\n    {example}\n" in proc.stdout              # the first example line, unwrapped


def test_narrow_terminal_help_wraps_narrower():
    proc = subprocess.run([nncalc_script(), "conv", "--help"], capture_output=True, text=True,
                          env=clean_env(COLUMNS="60", PYTHONIOENCODING="utf-8"), timeout=60)
    options = proc.stdout[proc.stdout.index("Options:"):].splitlines()[1:]   # example blocks never wrap
    assert proc.returncode == 0 and max(len(line) for line in options) <= 58


def test_unknown_command_with_help_is_still_an_error():
    proc = subprocess.run([nncalc_script(), "conc", "--help"], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("Error: unknown command 'conc' (did you mean 'conv'?)")


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
    env = clean_env(COLUMNS=columns, PYTHONIOENCODING="utf-8")
    help_ = subprocess.run([nncalc_script(), "--help"], capture_output=True, env=env, timeout=60)
    proc = subprocess.run([nncalc_script()], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr == help_.stdout and b"\nCommands:\n" in proc.stderr    # every line, not one folded line


def test_bare_nncalc_in_process_too(run):
    r = run()
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith("Usage: ") and "[OPTIONS] COMMAND" in r.stderr and "\nCommands:\n" in r.stderr


@pytest.mark.parametrize("args", [["--help"], ["conv", "--help"], ["--version"]])
def test_help_with_stdout_closed_or_full_says_so_in_one_line(args):
    exe = nncalc_script()
    closed = subprocess.run(["bash", "-c", f"'{exe}' {' '.join(args)} >&-"], capture_output=True,
                            env=clean_env(), timeout=60)
    assert closed.returncode == 1
    assert closed.stderr == b"Error: standard output is closed; there is nowhere to write\n"
    if os.path.exists("/dev/full"):
        full = subprocess.run(["bash", "-c", f"'{exe}' {' '.join(args)} > /dev/full"], capture_output=True,
                              env=clean_env(), timeout=60)
        assert full.returncode == 1
        assert full.stderr == b"Error: cannot write the output: No space left on device\n"


def test_empty_command_name_with_help_is_an_error_not_the_group_help():
    proc = subprocess.run([nncalc_script(), "", "--help"], capture_output=True, text=True,
                          env=clean_env(), timeout=60)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("Error: unknown command ''; choose from activate, backprop")


# --- the suite tests this checkout (tests/conftest.py) ---------------------------------------

def test_the_suite_refuses_to_test_a_copy_of_nncalc(tmp_path):
    """A copy of cli/ and core/ placed ahead on the path, as a regular install would be."""
    checkout = Path(__file__).resolve().parent.parent
    for folder in ("cli", "core"):
        shutil.copytree(checkout / folder, tmp_path / "nncalc" / folder)
    proc = subprocess.run([PYTHON, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only",
                           str(checkout / "tests" / "test_shapes.py")], capture_output=True, text=True,
                          env=clean_env(PYTHONPATH=str(tmp_path)), cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "refusing" in line]
    assert lines == [f"Exit: refusing to test nncalc.core from {tmp_path / 'nncalc' / 'core'}, nncalc.cli "
                     f"from {tmp_path / 'nncalc' / 'cli'}, not this checkout ({checkout}); install it "
                     "editable: pip install -e '.[test]'"]
    assert "test_shapes" not in proc.stdout                # nothing collected, nothing run
