"""Spreadsheet rules for the text of a .csv, .tsv or .txt file (never inline text or stdin).

Excel and LibreOffice write a table the way the user's locale says: where the
comma is the decimal mark, columns are separated by ``;`` and 0.5 is written
``0,5``; cells may be quoted (``"1","2"``).  In a file:

- a line whose ``;``-separated fields each hold one value (no space inside,
  at most one comma) is a spreadsheet row: ``;`` separates its columns and a
  comma in a value is a decimal comma;
- where ``;`` separates fields holding several numbers (``1 2; 3 4``) it
  separates rows, as in inline text; a file mixing the two is refused;
- quoted cells are numbers (in a file without ``;`` the columns are
  separated by tabs, else commas, outside the quotes);
- a first line ``sep=;`` (``sep=,``, ``sep=<tab>``), as Excel reads it,
  names the column separator;
- refused as ambiguous, never guessed: a cell with both a point and a comma
  (a thousands separator), a file mixing decimal points and decimal commas,
  a quoted ``"1,234"`` in a comma-separated file (a thousand, or 1.234?),
  and tab-separated values with commas inside (decimal commas, or commas
  between values?) unless ``sep=<tab>`` says so.

``read`` returns None when none of this applies: the text is then read by
the inline grammar (where ``;`` separates rows), exactly as before.
"""
import re

from nncalc.core.errors import InputError, Text

_SEP_LINE = re.compile(r'\s*"?sep=(.)"?[ \r]*', re.ASCII)
_ONE_VALUE = re.compile(r'\s*(?:"[^"]*"|[^\s",]*(?:,[^\s",]*)?)\s*')
_DECIMAL_COMMA = re.compile(r'[+-]?\d*,\d+(?:[eE][+-]?\d+)?')
_WORD = {";": "';'", ",": "','", "\t": "a tab"}


def _fields(line, sep):
    """Split LINE at SEP outside double quotes."""
    if '"' not in line:
        return line.split(sep)
    out, cur, quoted = [], [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        if ch == sep and not quoted:
            out.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    out.append("".join(cur))
    return out


def _semicolon_lines(lines):
    """Line numbers whose ';' splits single values (cells) and those whose fields hold several."""
    cells, inline = [], []
    for n, line in lines:
        if ";" not in line:
            continue
        fields = _fields(line, ";")
        if sum(1 for f in fields if f.strip()) < 2:
            continue                     # no ';' between values ('1 2 3;' keeps a 1×n shape)
        (cells if all(_ONE_VALUE.fullmatch(f) for f in fields) else inline).append(n)
    return cells, inline


def refuse_outside_files(text):
    """Standard input never gets the spreadsheet rules: refuse what only they would read right."""
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1) if line.strip()]
    cells, inline = _semicolon_lines(lines)
    if len(cells) >= 2 and not inline:
        raise InputError("lines {cells} and {cells2} look like a ';'-separated spreadsheet, but ';' "
                         "separates rows here (spreadsheet rules apply to .csv/.tsv/.txt files only); give "
                         "it as a .csv file instead", cells=cells[0], cells2=cells[1])


def _choose_separator(lines):
    """The column separator the spreadsheet rules apply with, or None for the inline grammar."""
    cells, inline = _semicolon_lines(lines)
    if cells and inline:
        raise InputError("ambiguous ';': on line {cells} it separates columns of single values "
                         "(spreadsheet style), on line {inline} rows of several numbers (inline style); in "
                         "a .csv/.tsv/.txt file use one style throughout", cells=cells[0], inline=inline[0])
    if cells:
        return ";"
    if inline:
        return None
    for n, line in lines:
        if "\t" in line.strip() and any(_DECIMAL_COMMA.fullmatch(_unquoted(f)) for f in line.split("\t")):
            raise InputError("ambiguous line {n}: tabs between values and commas inside them ({v!r}): "
                             "decimal commas, or commas between values? Write decimal points, or put the "
                             "line sep=<tab> first to read the commas as decimal commas", n=n, v=line.strip()[:24])
    if any('"' in line for _, line in lines):     # a tab between cells, not one at a line's end
        return "\t" if any("\t" in _strip_quoted(line.strip()) for _, line in lines) else ","
    return None


def _strip_quoted(line):
    return re.sub(r'"[^"]*"', "", line)


def _unquoted(text):
    """A cell's text as the user wrote it, without the quotes around it."""
    t = text.strip()
    return t[1:-1].strip() if len(t) >= 2 and t[0] == t[-1] == '"' else t


def _cell(text, sep, where, marks):
    t = _unquoted(text)
    if not t:
        raise InputError("{where} is an empty cell", where=where)
    if "," in t:
        if "." in t or t.count(",") > 1:
            raise InputError("{where}: '{t}' has a thousands separator; write the number without it",
                             where=where, t=t)
        if sep == "," and re.fullmatch(r"[+-]?\d{1,3},\d{3}", t):
            raise InputError("{where}: '{t}' is ambiguous in a comma-separated file: a thousands separator "
                             "or a decimal comma? Write it with a decimal point", where=where, t=t)
        t = t.replace(",", ".")
        marks.setdefault("comma", where)
    elif "." in t:
        marks.setdefault("point", where)
    return t


def read(text, parse_number, describe):
    """Rows of number strings (a list of channels of rows) by the spreadsheet rules, or None."""
    lines = [(n, line) for n, line in enumerate(text.split("\n"), 1)]
    first = next(((n, l) for n, l in lines if l.strip()), None)
    sep = None
    if first and _SEP_LINE.fullmatch(first[1]):
        sep = _SEP_LINE.fullmatch(first[1]).group(1)
        if sep not in _WORD:
            raise InputError("line {first}: sep={sep} is not a separator nncalc reads (';', ',' or a tab)",
                             first=first[0], sep=sep)
        lines = [(n, l) for n, l in lines if n != first[0]]
    else:
        sep = _choose_separator([(n, l) for n, l in lines if l.strip()])
    if sep is None:
        return None
    channels, rows, marks = [], [], {}
    for n, line in lines:
        fields = _fields(line, sep)
        if not any(f.strip().strip('"').strip() for f in fields):      # blank, or only separators
            if rows:
                channels.append(rows)
                rows = []
            continue
        row = []
        for col, f in enumerate(fields, 1):
            where = Text("line {n}, column {col}", n=n, col=col)
            t = _cell(f, sep, where, marks)
            if not parse_number(t):
                raise InputError("{where}: {describe} (read by the spreadsheet rules of a .csv/.tsv/.txt "
                                 "file: columns separated by {WORD})", where=where, describe=describe(_unquoted(f)), WORD=_WORD[sep])
            row.append(t)
        rows.append(row)
    if rows:
        channels.append(rows)
    if "comma" in marks and "point" in marks:
        raise InputError("ambiguous decimal mark: a decimal comma at {marks}, a point at {marks2} (a "
                         "thousands separator?); write every number one way", marks=marks['comma'], marks2=marks['point'])
    return channels
