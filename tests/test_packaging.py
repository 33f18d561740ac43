"""How nncalc is installed and started: `python -m nncalc`, -V, the license and metadata."""
import configparser
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def module(*args, cwd):
    """`python -m nncalc ARGS` from CWD (not the checkout, so the installed package runs)."""
    return subprocess.run([sys.executable, "-m", "nncalc", *args], capture_output=True, text=True,
                          cwd=cwd, timeout=60)


def script(*args, cwd):
    exe = Path(sys.executable).parent / "nncalc"
    if not exe.exists():
        pytest.skip("the nncalc console script is not installed next to this Python")
    return subprocess.run([str(exe), *args], capture_output=True, text=True, cwd=cwd, timeout=60)


@pytest.mark.parametrize("args", [
    ["activate", "relu", "-1", "2", "-q"],
    ["outsize", "5", "--kernel", "2", "--stride", "2", "--ceil"],
    ["activate", "relu", "1 2; 3"],             # an error: the same line, the same status
    [],                                         # the help on stderr, exit 2
    ["--version"],
])
def test_python_m_nncalc_is_the_nncalc_script(tmp_path, args):
    a, b = module(*args, cwd=tmp_path), script(*args, cwd=tmp_path)
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


def test_python_m_nncalc_names_itself_nncalc(tmp_path):
    result = module("activate", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.startswith("Error: ")
    assert module(cwd=tmp_path).stderr.startswith("Usage: nncalc [OPTIONS] COMMAND")


def test_short_version_flag(tmp_path):
    version = metadata.version("nncalc")
    for flag in ("-V", "--version"):
        result = module(flag, cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, f"nncalc, version {version}\n")


def test_importing_nncalc_imports_nothing_else(tmp_path):
    code = "import sys, nncalc; print(sorted(m for m in sys.modules if m.startswith(('nncalc', 'numpy', 'click'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert out.stdout.strip() == "['nncalc']"


def test_license_is_mit_and_shipped():
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    meta = cfg["metadata"]
    # nncalc's code is MIT; the CJK font subset of Chinese pictures is OFL (NOTICE says which is which)
    assert meta["license_expression"].strip() == "MIT AND OFL-1.1"
    files = meta["license_files"].split()
    assert files == ["LICENSE", "NOTICE", "cli/fonts/OFL.txt"] and (ROOT / "LICENSE").read_text().startswith(
        "MIT License\n\nCopyright (c) 2026 the nncalc authors\n")
    assert "SIL OPEN FONT LICENSE Version 1.1" in (ROOT / "cli" / "fonts" / "OFL.txt").read_text()
    assert "cli/fonts/OFL.txt" in (ROOT / "NOTICE").read_text()
    classifiers = meta["classifiers"].split("\n")
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not any(c.startswith("License ::") for c in classifiers)    # the license expression says it


def test_the_wheel_ships_the_picture_font_and_its_licence(wheel):
    """Chinese --draw pictures need the CJK subset on every machine: it is package data, and small."""
    import zipfile
    with zipfile.ZipFile(wheel) as zf:
        sizes = {info.filename: info.file_size for info in zf.infolist()}
        meta = zf.read(next(n for n in sizes if n.endswith(".dist-info/METADATA"))).decode()
    fonts = {n: size for n, size in sizes.items() if n.startswith("nncalc/cli/fonts/")}
    assert set(fonts) == {"nncalc/cli/fonts/nncalc-draw-cjk-Regular.otf",
                          "nncalc/cli/fonts/nncalc-draw-cjk-Bold.otf", "nncalc/cli/fonts/OFL.txt"}
    assert all(size < 60_000 for size in fonts.values()), fonts     # about 35 KB a face
    assert any(n.endswith("licenses/cli/fonts/OFL.txt") for n in sizes)
    assert "License-Expression: MIT AND OFL-1.1" in meta
