"""Nested brackets as NumPy and PyTorch print them, read by their structure.

``[[19. 25.]\n [37. 43.]]`` (print), ``array([[19., 25.], [37., 43.]])``
(repr) and ``tensor([[1., 2.], [3., 4.]], dtype=torch.float64)`` all read
as 2×2; the nesting, not the line breaks, gives the shape, so rows that
NumPy or PyTorch wrapped over several lines read whole.  Numbers are
separated by spaces and/or one comma.  A summarised print (``...``) is
refused: the values it leaves out are not there to read.
"""
import re

from nncalc.core.errors import InputError, Text, plural

# array(…) / tensor(…) and the keyword arguments a repr may end with
_WRAPPER = re.compile(r"\s*(array|tensor)\(", re.ASCII)
_KWARGS = re.compile(r"(?:\s*,\s*[a-z_]+\s*=\s*(?:<[^<>]*>|\([^()]*\)|'[^']*'|[\w.:]+))*\s*\)\s*", re.ASCII)
_ITEM = re.compile(r"\s*(\[|\]|,|[^\s,\[\]]+)", re.ASCII)


def unwrap(text):
    """The bracketed body of ``array(…)``/``tensor(…)`` and the wrapper's name, or (text, None)."""
    m = _WRAPPER.match(text)
    if not m:
        return text, None
    name, body = m.group(1), text[m.end():]
    end = _closing(body)
    if end is None or not body[end:].strip():
        raise InputError("this {name}(…) printout is cut short: '(' without ')'", name=name)
    if not _KWARGS.fullmatch(body[end:]):
        raise InputError("cannot read this {name}(…) printout: after the values it has {v!r}", name=name,
                         v=body[end:].strip()[:30])
    return body[:end], name


def wrapped_vector(body):
    """One bracket pair over several lines, each continuation line indented: NumPy's print of a
    long 1-D array (unindented lines inside one pair are rows, as in '[1 2\n3 4]')."""
    s = body.strip()
    lines = s.split("\n")
    return (len(lines) > 1 and s.startswith("[") and s.endswith("]") and ";" not in s and "|" not in s
            and all(line[:1] in (" ", "\t") for line in lines[1:]))


def _closing(body):
    """Index just past the value part of a wrapper's body: a bracket group or one number."""
    depth = 0
    for i, ch in enumerate(body):
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        elif depth == 0 and ch in ",)":
            return i
    return None


def refuse_summary(text):
    if "..." in text or "…" in text:
        raise InputError("this printout is summarised ('...'): the values it leaves out are not there; "
                         "print it whole (numpy.set_printoptions(threshold=sys.maxsize), "
                         "torch.set_printoptions(profile='full')) or save it with numpy.save")


def depth(text):
    """The deepest bracket nesting in TEXT (0 without brackets)."""
    d = deepest = 0
    for ch in text:
        if ch == "[":
            d += 1
            deepest = max(deepest, d)
        elif ch == "]":
            d -= 1
    return deepest


def parse_nested(text, is_number, describe):
    """Nested lists of numbers as a list tree of strings, checked rectangular; returns (tree, shape)."""
    items = _ITEM.findall(text)
    pos = 0

    def node(path):
        nonlocal pos
        pos += 1                                      # past '['
        children, comma_ok = [], False
        while pos < len(items):
            tok = items[pos]
            if tok == "]":
                pos += 1
                return children
            if tok == ",":
                if not comma_ok:
                    raise InputError("empty item in {path} (two commas in a row, or a comma first)",
                                     path=_at(path))
                comma_ok = False
                pos += 1
                continue
            if tok == "[":
                children.append(node(path + (len(children),)))
            else:
                if tok.lower() in ("nan", "+nan", "-nan") or not is_number(tok):
                    raise InputError("{at}: {tok}", at=_at(path + (len(children),)), tok=describe(tok))
                children.append(tok)
                pos += 1
            comma_ok = True
        raise InputError("unbalanced brackets: '[' without ']'")

    if not items or items[0] != "[":
        raise InputError("{v!r} before the first '['", v=items[0] if items else 'nothing')
    tree = node(())
    if pos != len(items):
        raise InputError("{v!r} after the last ']'", v=''.join(items[pos:])[:30])
    return tree, nested_shape(tree)


def _at(path):
    return Text("item {path}", path="".join(f"[{i}]" for i in path)) if path else Text("the outer list")


def nested_shape(node, leaf=None, path=()):
    """The shape of a rectangular nested list (a printout's tree, a JSON value), or an
    InputError saying where it is not; ``leaf(node, path)`` may refuse a leaf."""
    if not isinstance(node, list):
        if leaf is not None:
            leaf(node, path)
        return ()
    if not node:
        raise InputError("empty list: no numbers given")
    shapes = [nested_shape(child, leaf, path + (i,)) for i, child in enumerate(node)]
    for i, s in enumerate(shapes[1:], 1):
        if s != shapes[0]:
            if len(s) == 1 and len(shapes[0]) == 1:
                here, first = (Text("row {i}", i=i + 1), Text("row {i}", i=1)) if not path else \
                    (_at(path + (i,)), _at(path + (0,)))
                raise InputError("{here} has {plural}, {first} has {v}", here=here, plural=plural(s[0], 'value'), first=first, v=shapes[0][0])
            raise InputError("{at} has shape {s}, {at2} has {list}", at=_at(path + (i,)), s=list(s),
                             at2=_at(path + (0,)), list=list(shapes[0]))
    return (len(node),) + shapes[0]


def flatten(tree):
    out = []
    stack = [tree]
    while stack:
        n = stack.pop()
        if isinstance(n, list):
            stack.extend(reversed(n))
        else:
            out.append(n)
    return out
