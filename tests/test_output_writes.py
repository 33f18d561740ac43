"""Output is complete or the command says it is not (issue 13: "Output that is lost without a word").

A full disk is simulated with RLIMIT_FSIZE in a child process: the kernel then
takes part of a write and refuses the rest with EFBIG, exactly the short write
a nearly full filesystem gives, with no root and no mount. /dev/full refuses
every write (ENOSPC).
"""
import errno
import io
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nncalc.cli import output

NNCALC = shutil.which("nncalc", path=str(Path(sys.executable).parent)) or shutil.which("nncalc")
needs_script = pytest.mark.skipif(NNCALC is None, reason="the nncalc console script is not installed")
FILE_CAP = 4096


def _env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("NNCALC_DEBUG", "PYTHONUNBUFFERED")}
    return {**env, "NO_COLOR": "1", **extra}


def _to_capped_file(args, path, unbuffered):
    def cap():
        resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_CAP, FILE_CAP))
    env = _env(**({"PYTHONUNBUFFERED": "1"} if unbuffered else {}))
    with open(path, "wb") as fh:
        p = subprocess.run([NNCALC, *args], stdout=fh, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                           preexec_fn=cap, env=env, timeout=60)
    return p.returncode, p.stderr.decode()


@pytest.fixture(scope="module")
def big_txt(tmp_path_factory):
    path = tmp_path_factory.mktemp("out") / "big.txt"
    np.savetxt(path, np.arange(20000.0).reshape(200, 100))
    return path


@needs_script
@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
@pytest.mark.parametrize("args", [["-q"], ["--format", "npy"], ["--format", "json"], []],
                         ids=["quiet", "npy", "json", "trace"])
def test_a_disk_that_fills_up_is_reported(big_txt, tmp_path, args, unbuffered):
    code, err = _to_capped_file(["activate", "relu", f"@{big_txt}", "--full", *args],
                                tmp_path / "out", unbuffered)
    assert (code, err) == (1, "Error: cannot write the output: File too large\n")
    assert (tmp_path / "out").stat().st_size == FILE_CAP      # the part that fitted, then the error


@needs_script
@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
def test_a_listing_written_by_click_echo_is_checked_too(tmp_path, unbuffered):
    code, err = _to_capped_file(["activate", "--list", "--format", "json"], tmp_path / "out", unbuffered)
    assert (code, err) == (1, "Error: cannot write the output: File too large\n")


@needs_script
def test_dev_full(big_txt):
    with open("/dev/full", "wb") as full:
        p = subprocess.run([NNCALC, "activate", "relu", "1", "-q"], stdout=full, stderr=subprocess.PIPE,
                           env=_env(PYTHONUNBUFFERED="1"), timeout=60)
    assert (p.returncode, p.stderr.decode()) == (1, "Error: cannot write the output: No space left on device\n")


@needs_script
def test_in_chinese_the_reason_is_chinese_too(big_txt, tmp_path):
    with open("/dev/full", "wb") as full:
        p = subprocess.run([NNCALC, "--lang", "zh", "activate", "relu", "1", "-q"], stdout=full,
                           stderr=subprocess.PIPE, env=_env(PYTHONUNBUFFERED="1"), timeout=60)
    assert (p.returncode, p.stderr.decode()) == (1, "错误：无法写出结果：设备上没有剩余空间\n")
    code, err = _to_capped_file(["--lang", "zh", "activate", "relu", f"@{big_txt}", "--full", "-q"],
                                tmp_path / "out", unbuffered=False)
    assert (code, err) == (1, "错误：无法写出结果：文件太大（超出了文件大小上限）\n")


class ShortRaw(io.RawIOBase):
    """A raw stream that takes at most PER_CALL bytes per write, like a pipe or a filling disk."""
    PER_CALL = 7

    def __init__(self, room=None):
        self.data, self.room = bytearray(), room

    def writable(self):
        return True

    def write(self, b):
        n = min(len(b), self.PER_CALL)
        if self.room is not None:
            n = min(n, self.room - len(self.data))
            if n == 0:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.data += bytes(b[:n])
        return n


def test_write_bytes_completes_short_writes():
    raw = ShortRaw()
    output.write_bytes(b"0123456789" * 10, raw)
    assert bytes(raw.data) == b"0123456789" * 10


def test_write_bytes_raises_when_the_stream_refuses_the_rest():
    with pytest.raises(OSError) as info:
        output.write_bytes(b"x" * 100, ShortRaw(room=30))
    assert info.value.errno == errno.ENOSPC


def test_write_bytes_refuses_a_stream_that_takes_nothing():
    class Stuck(ShortRaw):
        def write(self, b):
            return 0
    with pytest.raises(OSError):
        output.write_bytes(b"x", Stuck())


def test_guard_stdout_buffers_an_unbuffered_stdout(monkeypatch):
    raw = ShortRaw()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, encoding="ascii", write_through=True))
    output.guard_stdout()
    print("σ(x) = 1 / (1 + e^(−x)) " * 3, end="")
    sys.stdout.flush()
    assert bytes(raw.data) == b"sigma(x) = 1 / (1 + e^(-x)) " * 3


@pytest.mark.parametrize("char, spelled", [("σ", "sigma"), ("Σ", "sum "), ("×", "x"), ("⌊", "floor("),
                                           ("∂", "d"), ("η", "eta"), ("Φ", "Phi"), ("３", "3"), ("☃", "?")])
def test_ascii_spellings(char, spelled):
    assert output.ascii_spelling(char) == spelled


COMMANDS = [
    ["activate", "sigmoid", "1"],
    ["conv", "1 2 3; 4 5 6; 7 8 9", "1 0; 0 -1"],
    ["outsize", "28", "--kernel", "5"],
    ["loss", "0.2 0.8", "0 1", "--loss", "cross-entropy"],
    ["backprop", "--weights", "0.5 -0.5", "--input", "1 2", "--target", "1", "--steps", "2"],
    ["backprop", "--help"],
    ["pool", "1 2; 3 4", "--size", "2"],
]


@needs_script
@pytest.mark.parametrize("encoding", ["cp1252", "latin-1", "ascii"])
@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: "-".join(a[:2]))
def test_narrow_output_encodings_never_crash(args, encoding):
    p = subprocess.run([NNCALC, *args], capture_output=True, env=_env(PYTHONIOENCODING=encoding),
                       stdin=subprocess.DEVNULL, timeout=60)
    assert (p.returncode, p.stderr) == (0, b"")
    # the bytes are that encoding's, not UTF-8's; but click writes its own text (the help)
    # to an ASCII stream as UTF-8, which the issue allows
    text = p.stdout.decode("utf-8" if encoding == "ascii" and "--help" in args else encoding)
    assert "?" not in text.replace("[?]", "")   # every symbol has a spelling
    if encoding == "ascii" and args[0] == "activate":
        assert "sigma(x) = 1 / (1 + e^(-x))" in text


@needs_script
def test_utf8_output_keeps_the_symbols():
    p = subprocess.run([NNCALC, "activate", "sigmoid", "1"], capture_output=True,
                       env=_env(PYTHONIOENCODING="utf-8"), timeout=60)
    assert "σ(x) = 1 / (1 + e^(−x))" in p.stdout.decode("utf-8")


@needs_script
@pytest.mark.parametrize("unbuffered", [True, False], ids=["unbuffered", "buffered"])
def test_a_reader_that_leaves_early_never_gets_exit_0(big_txt, unbuffered):
    """`nncalc … | head -c 100`: the rest cannot be written; the policy is a quiet exit 1."""
    env = _env(**({"PYTHONUNBUFFERED": "1"} if unbuffered else {}))
    p = subprocess.Popen([NNCALC, "activate", "relu", f"@{big_txt}", "-q"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
    assert len(p.stdout.read(100)) == 100
    p.stdout.close()
    err = p.stderr.read().decode()
    assert (p.wait(timeout=60), err) == (1, "")
