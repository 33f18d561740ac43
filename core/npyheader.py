"""The header of a .npy file, read and checked here so that every refusal is nncalc's own sentence.

A .npy file begins with the signature ``\\x93NUMPY``, two version bytes, the
header's length (2 bytes in version 1, 4 in versions 2 and 3) and the header:
a Python dict literal with exactly the keys ``descr``, ``fortran_order`` and
``shape``. NumPy reads it (``np.lib.format``); when NumPy refuses, its reason
is English prose, so the header is looked at again here to name what is wrong
as a Text the command line can translate.
"""
import io
import struct
import warnings

import numpy as np

from nncalc.core.errors import InputError, Text

NPY_MAGIC = b"\x93NUMPY"
VERSIONS = {(1, 0): "<H", (2, 0): "<I", (3, 0): "<I"}
MAX_HEADER = 10000          # NumPy's own bound on a header it evaluates (np.lib.format._MAX_HEADER_SIZE)
PICKLE_PROTOCOL_2 = b"\x80"  # every pickle since protocol 2 begins with this byte


def invalid(reason):
    return InputError("not a valid .npy file ({reason})", reason=reason)


def read_header(fh, read_exactly):
    """(shape, fortran_order, dtype) from the start of the binary stream FH, or InputError.

    READ_EXACTLY(fh, n) gives up to N bytes (fewer at the stream's end). Nothing
    past the header is read, and a header's claimed length is checked before it is.
    """
    start = bytes(read_exactly(fh, len(NPY_MAGIC) + 2))
    if not start:
        raise invalid(Text("it is empty"))
    if not start.startswith(NPY_MAGIC):
        if start.startswith(PICKLE_PROTOCOL_2):
            raise invalid(Text("it is a Python pickle, which nncalc never unpickles; save the array with "
                               "np.save"))
        if not NPY_MAGIC.startswith(start):
            raise invalid(Text("it does not begin with the .npy signature \\x93NUMPY"))
    if len(start) < len(NPY_MAGIC) + 2:
        raise invalid(Text("the file ends inside its header"))
    version = (start[-2], start[-1])
    if version not in VERSIONS:
        raise invalid(Text("format version {major}.{minor} is not one NumPy writes (1.0, 2.0 or 3.0)",
                           major=version[0], minor=version[1]))
    size_format = VERSIONS[version]
    size_bytes = bytes(read_exactly(fh, struct.calcsize(size_format)))
    if len(size_bytes) < struct.calcsize(size_format):
        raise invalid(Text("the file ends inside its header"))
    length = struct.unpack(size_format, size_bytes)[0]
    if length > MAX_HEADER:
        raise invalid(Text("its header claims {length:,} bytes, more than the {limit:,} NumPy reads safely",
                           length=length, limit=MAX_HEADER))
    header = bytes(read_exactly(fh, length))
    if len(header) < length:
        raise invalid(Text("the file ends inside its header"))
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    try:
        if version == (3, 0):
            size_bytes, header = _as_version_2(header)
        with warnings.catch_warnings():     # a Python 2 header is read, with a UserWarning we do not print
            warnings.simplefilter("ignore")
            shape, fortran, dtype = reader(io.BytesIO(size_bytes + header),
                                           max_header_size=max(len(header), MAX_HEADER))
    except Exception:                       # NumPy raises ValueError (or others) with its own prose
        raise invalid(_header_problem(header, version)) from None
    if any(isinstance(s, bool) for s in shape):     # NumPy's check takes True for the int 1
        raise invalid(Text("its header's shape {shape} is not a tuple of whole numbers", shape=_brief(shape)))
    if any(s < 0 for s in shape):
        raise invalid(Text("its header's shape {shape} has a negative size", shape=_brief(shape)))
    return shape, fortran, dtype


def _as_version_2(header):
    """A 3.0 header (2.0's, in UTF-8) as the same dictionary in a 2.0 header, which NumPy's public
    reader decodes as latin-1: non-ASCII characters, allowed only inside its strings (field names),
    become escapes there, so a name keeps its letters rather than reading as latin-1 mojibake.
    Invalid UTF-8 raises."""
    text = header.decode("utf-8").encode("ascii", "backslashreplace")
    return struct.pack("<I", len(text)), text


def _header_problem(header, version):
    """What is wrong with a header NumPy refused, as one of nncalc's sentences."""
    import ast
    try:
        d = ast.literal_eval(header.decode("utf-8" if version == (3, 0) else "latin-1"))
    except Exception:                       # SyntaxError, ValueError, UnicodeDecodeError, MemoryError
        return Text("its header is not a Python dictionary")
    if not isinstance(d, dict):
        return Text("its header is not a Python dictionary")
    if set(d) != {"descr", "fortran_order", "shape"}:
        return Text("its header must hold exactly the keys 'descr', 'fortran_order' and 'shape'")
    if not isinstance(d["shape"], tuple) or not all(isinstance(s, int) for s in d["shape"]):
        return Text("its header's shape {shape} is not a tuple of whole numbers", shape=_brief(d["shape"]))
    if not isinstance(d["fortran_order"], bool):
        return Text("its header's fortran_order is not True or False")
    return Text("its header's descr {descr} is not a NumPy data type", descr=_brief(d["descr"]))


def _brief(value, width=40):
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"
