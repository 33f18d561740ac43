"""The JSON and NPY forms of the matrix grammar (nncalc.core.parse dispatches to them),
and the limits every form shares: at most 4 dimensions, --max-elements, no NaN."""
import io
import math
import re

import numpy as np

from nncalc.core import decoding, npyheader
from nncalc.core.errors import InputError, Text
from nncalc.core.pasted import nested_shape

MAX_DIMS = 4
NPY_MAGIC = npyheader.NPY_MAGIC


def check_size(count, max_elements):
    if max_elements is not None and count > max_elements:
        raise InputError("{count:,} elements is over the limit of {limit:,}", code="over_limit", count=count,
                         limit=max_elements)


def check_values(arr):
    """Refuse NaN, saying where the first one is."""
    bad = np.isnan(arr)
    if bad.any():
        where = tuple(int(i) + 1 for i in np.argwhere(bad)[0])
        raise InputError("nan at position {where} is not a number nncalc can compute with", where=where)
    return arr


# ------------------------------------------------------------------ JSON form

def _json_depth_ok(text):
    depth = 0
    for m in re.finditer(r"[\[\]{}]", text):
        depth += 1 if m.group() in "[{" else -1
        if depth > MAX_DIMS + 1:          # +1 leaves room for {"result": ...}
            raise InputError("JSON nested deeper than {MAX_DIMS} levels", MAX_DIMS=MAX_DIMS)


class JSONSyntaxError(InputError):
    """Text that is not JSON at all (parse.parse_string then tries it as a printout)."""


def _reject_constant(name):
    if name == "NaN":
        raise InputError("nan is not allowed (not a number)")
    return float(name)                     # Infinity, -Infinity


def _json_number(node, path):
    """Refuse a JSON leaf that is not a number (true, null, a string, an object)."""
    if isinstance(node, bool) or node is None or isinstance(node, (str, dict)):
        import json
        at = "".join(f"[{i}]" for i in path) or Text("top level")
        raise InputError("{node} at {at} is not a number", node=json.dumps(node), at=at)


def json_int(digits):
    """json.loads' parse_int: an integer as float64, refused when float64 cannot hold it."""
    value = float(digits)
    if math.isinf(value):
        raise InputError("the {n}-digit integer {head}… is beyond the float64 range (about 1.8e308)",
                         n=len(digits.lstrip("-")), head=digits[:12])
    return value


def parse_json(text, max_elements=None):
    import json                            # only JSON input pays for the import
    if not text.lstrip().startswith("{"):  # a report object nests its steps deeper
        _json_depth_ok(text)
    try:
        obj = json.loads(text, parse_constant=_reject_constant, parse_int=json_int)
    except InputError:
        raise
    except (ValueError, RecursionError) as exc:
        raise JSONSyntaxError(Text("not valid JSON ({reason})", reason=decoding.json_reason(exc))) from None
    if isinstance(obj, dict):
        if "result" not in obj:
            raise InputError('a JSON object must hold the matrix under "result"')
        obj = obj["result"]
    if not isinstance(obj, list):
        obj = [obj]
    shape = nested_shape(obj, _json_number)
    if len(shape) > MAX_DIMS:
        raise InputError("JSON nested deeper than {MAX_DIMS} levels", MAX_DIMS=MAX_DIMS)
    check_size(int(np.prod(shape)), max_elements)
    return check_values(np.array(obj, dtype=np.float64))


# ------------------------------------------------------------------- NPY form

def parse_npy(data, max_elements=None):
    """The array in the bytes of a .npy file (see read_npy)."""
    return read_npy(io.BytesIO(data), max_elements)


def read_npy(fh, max_elements=None):
    """Read a .npy from the binary stream FH: the header, then exactly the bytes it promises.

    Nothing beyond what the header claims is read except one byte, to refuse
    trailing data (a file holding more than its header says is not what it
    claims to be). The header is checked before any data is read, so a
    header claiming terabytes costs nothing.
    """
    shape, fortran, dtype = npyheader.read_header(fh, read_exactly)
    if dtype.hasobject:
        raise InputError("this .npy holds Python objects, which nncalc never unpickles")
    if dtype.kind not in "biuf":
        raise InputError("this .npy holds {dtype} values; nncalc needs real numbers", dtype=dtype)
    if len(shape) > MAX_DIMS:
        raise InputError("this .npy has {shape} dimensions; at most {MAX_DIMS} are supported",
                         shape=len(shape), MAX_DIMS=MAX_DIMS)
    count = math.prod(shape)                # exact: np.prod wraps around past 2**63
    if count == 0:                          # before reshape: (2**63, 0) holds nothing yet no array has it
        raise InputError("empty array: no numbers given")
    check_size(count, max_elements)
    need = count * dtype.itemsize
    body = read_exactly(fh, need)
    if len(body) < need:
        raise InputError("this .npy is truncated: its header claims {count:,} values ({need:,} bytes) but "
                         "it holds {body:,} bytes", count=count, need=need, body=len(body))
    if fh.read(1):
        raise InputError("this .npy has data after the {count:,} values its header claims ({need:,} "
                         "bytes); it is not one saved array", count=count, need=need)
    arr = np.frombuffer(body, dtype=dtype).reshape(shape, order="F" if fortran else "C")
    with np.errstate(over="ignore"):        # a long double past float64 is inf, as 1e999 typed is
        arr = arr.astype(np.float64, copy=False)    # the buffer is ours alone: no second copy
    if arr.ndim == 0:
        arr = arr.reshape(1)
    return check_values(arr)


def read_exactly(fh, n, chunk=1 << 20):
    """N bytes from FH, or fewer at its end; read in chunks (FH may be a pipe).

    The buffer grows as data arrives (doubling, from at most 64 MiB), so a header
    that promises more than the stream holds costs only what the stream holds."""
    buf, got = bytearray(min(n, 1 << 26)), 0
    reader = getattr(fh, "readinto", None)
    while got < n:
        if got == len(buf):
            buf.extend(bytes(min(len(buf), n - got)))
        with memoryview(buf) as view:
            want = view[got:got + min(chunk, n - got)]
            if reader is not None:      # straight into the buffer: no copy of each chunk
                k = reader(want) or 0
            else:
                part = fh.read(len(want))
                k = len(part)
                want[:k] = part
            want.release()
        if not k:
            break
        got += k
    del buf[got:]
    return buf
