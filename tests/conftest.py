"""Shared fixtures: run the CLI in-process, compare against golden files, hash files.

``run("activate", "relu", "-1", "2")`` returns click's Result with stdout and
stderr kept apart (click < 8.2 needs ``mix_stderr=False`` for that; 8.2+
always separates them and no longer accepts the argument).

Golden files live in tests/golden/; ``NNCALC_REFRESH_GOLDEN=1 pytest`` rewrites
them from the current output instead of comparing.
"""
import hashlib
import importlib
import inspect
import os
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner

CHECKOUT = Path(__file__).resolve().parent.parent


def imported_elsewhere():
    """The nncalc packages that Python imports from anywhere but this checkout's cli/ and core/
    (a regular install in site-packages, say), as 'nncalc.core from /where' strings."""
    found = []
    for name, folder in (("nncalc.core", "core"), ("nncalc.cli", "cli")):
        where = Path(importlib.import_module(name).__file__).resolve().parent
        if where != CHECKOUT / folder:
            found.append(f"{name} from {where}")
    return found


def pytest_configure(config):
    # The suite tests this checkout's code or nothing: a regular install would have it test a copy.
    try:
        elsewhere = imported_elsewhere()
    except Exception as exc:                    # a broken checkout: say where, in one line
        if isinstance(exc, SyntaxError):
            what, file, line = exc.msg, exc.filename, exc.lineno
        else:
            what, (file, line) = exc, traceback.extract_tb(exc.__traceback__)[-1][:2]
        pytest.exit(f"cannot import nncalc from this checkout: {type(exc).__name__}: {what} "
                    f"({file}, line {line})", returncode=2)
    if elsewhere:
        pytest.exit(f"refusing to test {', '.join(elsewhere)}, not this checkout ({CHECKOUT}); "
                    "install it editable: pip install -e '.[test]'", returncode=2)


GOLDEN_DIR = Path(__file__).parent / "golden"


def _runner():
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)          # click < 8.2
    return CliRunner()                              # click 8.2+: stdout and stderr are separate


def invoke(*args, input=None, env=None, catch_exceptions=True):
    """Run ``nncalc ARGS…`` in-process; ``input`` is str or bytes for standard input."""
    from nncalc.cli.main import cli
    env = {"NNCALC_DEBUG": None, "NO_COLOR": "1", **(env or {})}
    return _runner().invoke(cli, [str(a) for a in args], input=input, env=env,
                            catch_exceptions=catch_exceptions)


def ok(*args, **kw):
    """Run nncalc and insist it succeeded quietly (exit 0, nothing on stderr)."""
    r = invoke(*args, **kw)
    assert r.exit_code == 0, (r.exit_code, r.stdout, r.stderr)
    assert r.stderr == ""
    return r


def quiet_json(command, *args, **kw):
    """The bare result of ``nncalc COMMAND ARGS -q --format json`` as a float array."""
    import json
    import numpy as np
    return np.array(json.loads(ok(command, *args, "-q", "--format", "json", **kw).stdout), float)


def full_json(command, *args, **kw):
    """The whole ``--format json`` object of ``nncalc COMMAND ARGS``."""
    import json
    return json.loads(ok(command, *args, "--format", "json", **kw).stdout)


@pytest.fixture
def run():
    return invoke


@pytest.fixture(autouse=True)
def _no_debug_env(monkeypatch):
    # --debug sets NNCALC_DEBUG in os.environ; never let it leak between tests
    # (setenv first so that monkeypatch records the variable and removes it afterwards).
    monkeypatch.setenv("NNCALC_DEBUG", "0")
    monkeypatch.delenv("NNCALC_DEBUG")


def assert_user_error(result, *fragments):
    """Exit 2, nothing on stdout, exactly one 'Error: ' line on stderr naming the fragments."""
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == "", result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: "), lines[0]
    assert "Traceback" not in result.stderr
    for frag in fragments:
        assert frag in lines[0], (frag, lines[0])
    return lines[0]


@pytest.fixture
def user_error():
    return assert_user_error


def file_hash(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@pytest.fixture
def golden():
    """``golden(name, text)``: compare text with tests/golden/NAME (or rewrite it when refreshing)."""
    def check(name, text):
        path = GOLDEN_DIR / name
        if os.environ.get("NNCALC_REFRESH_GOLDEN") == "1":
            GOLDEN_DIR.mkdir(exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        assert path.exists(), f"{path} missing; create it with NNCALC_REFRESH_GOLDEN=1 pytest"
        assert text == path.read_text(encoding="utf-8")
    return check


@pytest.fixture(scope="session")
def wheel(tmp_path_factory):
    """A regular wheel of this checkout, built once: with the environment's own setuptools when it is
    new enough (no network), else in pip's isolated build (which fetches setuptools >= 77)."""
    import subprocess
    import sys
    out = tmp_path_factory.mktemp("wheel")
    root = Path(__file__).resolve().parent.parent
    for isolation in (["--no-build-isolation"], []):
        proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", *isolation, "-q", "-w",
                               str(out), str(root)], capture_output=True, text=True, timeout=600)
        if proc.returncode == 0:
            built, = out.glob("nncalc-*.whl")
            return built
    pytest.skip(f"cannot build a wheel here: {proc.stderr.strip()[-200:]}")

