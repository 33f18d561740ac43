"""Every read ends (issue 13: "Reads that never end").

Files, FIFOs, devices and standard input are read in counted chunks up to the
bound --max-elements gives (64 bytes an element, at least 1 MiB), whatever
size the file system reports; a .npy is read as its header says and no
further than one byte past it.
"""
import io
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from conftest import assert_user_error, invoke
from nncalc.core import forms
from nncalc.core.errors import InputError

NNCALC = shutil.which("nncalc", path=str(Path(sys.executable).parent)) or shutil.which("nncalc")
MIB = 1 << 20


def npy_bytes(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def test_dev_zero_stops_at_the_bound():
    line = assert_user_error(invoke("activate", "relu", "@/dev/zero", "--max-elements", "10"), "VALUES")
    assert "'/dev/zero' is over the limit of 1,048,576 bytes for 10 elements" in line


class Feeder(threading.Thread):
    """Writes CHUNK to the FIFO at PATH, once or forever, until the reader leaves."""

    def __init__(self, path, chunk, forever):
        super().__init__(daemon=True)
        self.path, self.chunk, self.forever, self.sent = path, chunk, forever, 0

    def run(self):
        try:
            with open(self.path, "wb") as fh:
                while True:
                    fh.write(self.chunk)
                    self.sent += len(self.chunk)
                    if not self.forever:
                        return
        except BrokenPipeError:
            pass


def test_an_endless_fifo_stops_at_the_bound(tmp_path):
    fifo = tmp_path / "yes"
    os.mkfifo(fifo)
    feeder = Feeder(fifo, b"y\n" * 4096, forever=True)
    feeder.start()
    line = assert_user_error(invoke("activate", "relu", f"@{fifo}", "--max-elements", "100"), "VALUES")
    assert "is over the limit of 1,048,576 bytes" in line
    feeder.join(10)
    assert not feeder.is_alive() and feeder.sent < 4 * MIB       # the reader left soon after the bound


def test_a_fifo_with_a_matrix_reads(tmp_path):
    fifo = tmp_path / "m.txt"
    os.mkfifo(fifo)
    Feeder(fifo, b"1 -2\n-3 4\n", forever=False).start()
    assert invoke("activate", "relu", f"@{fifo}", "-q").stdout == "1 0\n0 4\n"


def test_a_fifo_with_a_npy_reads(tmp_path):
    fifo = tmp_path / "m.npy"
    os.mkfifo(fifo)
    Feeder(fifo, npy_bytes(np.array([[1.0, -2.0]])), forever=False).start()
    assert invoke("activate", "relu", f"@{fifo}", "-q").stdout == "1 0;\n"


@pytest.mark.skipif(NNCALC is None, reason="the nncalc console script is not installed")
def test_endless_standard_input_stops_at_the_bound():
    with open("/dev/zero", "rb") as zero:
        p = subprocess.run([NNCALC, "activate", "relu", "-", "--max-elements", "10"], stdin=zero,
                           capture_output=True, timeout=60)
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode() == ("Error: VALUES: standard input is over the limit of 1,048,576 bytes "
                                 "for 10 elements (raise --max-elements)\n")


class Counting(io.RawIOBase):
    """DATA followed by endless zeros, counting the bytes handed out."""

    def __init__(self, data):
        self.data, self.given = data, 0

    def readable(self):
        return True

    def readinto(self, b):
        start = self.given
        n = len(b)
        chunk = self.data[start:start + n]
        chunk += b"\0" * (n - len(chunk))
        b[:n] = chunk
        self.given += n
        return n


def test_npy_reads_exactly_what_its_header_promises():
    data = npy_bytes(np.array([1.0, 2.0]))
    stream = Counting(data)
    with pytest.raises(InputError, match="data after the 2 values its header claims"):
        forms.read_npy(io.BufferedReader(stream, buffer_size=16), max_elements=10)
    assert stream.given <= len(data) + 16        # the header, 16 bytes of values, one buffer past them


@pytest.mark.parametrize("how", ["file", "stdin"])
def test_npy_with_trailing_data_is_refused(tmp_path, how):
    data = npy_bytes(np.array([1.0, 2.0])) + b"\0" * 1000
    (tmp_path / "x.npy").write_bytes(data)
    r = invoke("activate", "relu", *(["-"] if how == "stdin" else [f"@{tmp_path}/x.npy"]), input=data)
    assert_user_error(r, "VALUES", "this .npy has data after the 2 values its header claims (16 bytes)")


@pytest.mark.parametrize("arr", [np.asfortranarray(np.arange(6).reshape(2, 3)).astype(">i4"),
                                 np.arange(24.0, dtype="<f4").reshape(2, 3, 4), np.float64(7.5)],
                         ids=["fortran-big-endian-int", "float32-3d", "scalar"])
def test_npy_layouts_read_back(arr):
    got = forms.parse_npy(npy_bytes(arr))
    assert got.dtype == np.float64
    assert np.array_equal(got, np.asarray(arr, dtype=np.float64).reshape(got.shape))
    assert got.shape == (np.shape(arr) or (1,))


def test_truncated_npy_still_says_so():
    with pytest.raises(InputError, match="truncated: its header claims 4 values"):
        forms.parse_npy(npy_bytes(np.arange(4.0))[:-1])


@pytest.mark.skipif(NNCALC is None, reason="the nncalc console script is not installed")
def test_closed_standard_input_is_a_user_error():
    p = subprocess.run([NNCALC, "activate", "relu", "-"], capture_output=True, timeout=60,
                       preexec_fn=lambda: os.close(0))
    assert (p.returncode, p.stdout) == (2, b"")
    assert p.stderr.decode() == "Error: VALUES: '-' reads standard input, but it is closed\n"
