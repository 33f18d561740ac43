"""Why a text could not be decoded, in nncalc's own words rather than the decoder's.

Python's JSON decoder (json/decoder.py, and the C scanner that mirrors it)
reports a small closed set of messages, ``Expecting value`` and the like, in
English. Each is mapped here to nncalc's own phrase, kept as a Text with the
line and column, so that the command line can translate it; a message not in
the table (a later Python's) gets a plain "syntax error". The same for a
UnicodeDecodeError (which byte, where) and for a RecursionError.
"""
from nncalc.core.errors import N_, Text

# The decoder's message (its start) -> what nncalc says. Order matters where one starts another.
JSON_PROBLEMS = (
    ("Expecting value", N_("a value is missing")),
    ("Expecting property name enclosed in double quotes", N_("a key in double quotes is expected")),
    ("Expecting ':' delimiter", N_("':' is expected after a key")),
    ("Expecting ',' delimiter", N_("',' or a closing bracket is expected")),
    ("Illegal trailing comma", N_("a comma stands before a closing bracket")),
    ("Unterminated string", N_("a string is not closed by '\"'")),
    ("Invalid control character", N_("a control character stands inside a string")),
    ("Invalid \\uXXXX escape", N_("a \\u escape in a string is not four hexadecimal digits")),
    ("Invalid \\escape", N_("a string holds an unknown escape after '\\'")),
    ("Extra data", N_("more text follows the JSON value")),
)
JSON_FALLBACK = N_("a syntax error")


def json_reason(exc):
    """What went wrong in json.loads, from the exception it raised (a Text)."""
    if isinstance(exc, RecursionError):
        return Text("it nests too deeply to be read")
    if isinstance(exc, UnicodeDecodeError):
        return utf8_reason(exc)
    message = getattr(exc, "msg", None)
    if not isinstance(message, str):        # a ValueError that is no JSONDecodeError
        return Text(JSON_FALLBACK)
    problem = next((mine for theirs, mine in JSON_PROBLEMS if message.startswith(theirs)), JSON_FALLBACK)
    return Text("{problem} at line {line}, column {column}", problem=Text(problem), line=exc.lineno,
                column=exc.colno)


def utf8_reason(exc):
    """Which byte of a text is not in its encoding (a UnicodeDecodeError), as a Text."""
    encoding = exc.encoding.upper().replace("-SIG", "")     # utf-8-sig is UTF-8 that may start with a BOM
    if exc.start >= len(exc.object):
        return Text("the text is not {encoding}", encoding=encoding)
    return Text("byte 0x{byte:02x} at offset {offset:,} is not {encoding} text", byte=exc.object[exc.start],
                offset=exc.start, encoding=encoding)
