"""Trace text as LaTeX, Markdown or HTML: prose escaped for each format, formulas (found by
cli/formulas.py) set as LaTeX math ($…$ in Markdown too) or as HTML with entities, <sub>
and <sup>, each symbol translated by the one table in cli/symbols.py.

LaTeX comes in two kinds. Plain (``cjk=False``, English) is pure ASCII for pdflatex.
``cjk=True`` (Chinese, for a ctex document) keeps Chinese characters and full-width
punctuation as they are, in prose, and inside a formula as ``\\text{…}``; every other
character is handled as in plain LaTeX.
"""
import html
import re
import unicodedata

from nncalc.cli.formulas import split
from nncalc.cli.symbols import FUNCTIONS, NUMBER, SUPERSCRIPTS, SYMBOLS, WIDE_RUN, WORD_SYMBOLS


# ------------------------------------------------------------- formulas: atoms

def _group(s, i):
    """The operand at s[i] of _, ^ or √: a bracketed '(…)' (brackets dropped), a name or a
    number; returns (text, next index) or (None, i)."""
    if i < len(s) and s[i] == "(":
        depth = 0
        for j in range(i, len(s)):
            depth += {"(": 1, ")": -1}.get(s[j], 0)
            if depth == 0:
                return s[i + 1:j], j + 1
        return None, i
    m = re.compile(r"[A-Za-z0-9]+(,[A-Za-z0-9]+)*\u0302?|[^\W\d_]\u0302?").match(s, i)
    return (m.group(), m.end()) if m else (None, i)


def atoms(s):
    """A formula as a list of (kind, value): word, num, sym, raw, sub, sup, sqrt, hat, space, wide
    (a run of Chinese characters)."""
    out, i = [], 0
    while i < len(s):
        c = s[i]
        num = NUMBER.match(s, i) if c.isdigit() or c == "." else None
        if c == " ":
            out.append(("space", " "))
            i = len(s) - len(s[i:].lstrip(" "))
        elif num:
            out.append(("num", num.group()))
            i = num.end()
        elif c.isascii() and c.isalpha():
            m = re.compile(r"[A-Za-z]+").match(s, i)
            out.append(("word", m.group()))
            i = m.end()
        elif c in "_^√":
            body, j = _group(s, i + 1)
            if body is None:
                out.append(("sym" if c in SYMBOLS else "raw", c))
                i += 1
            else:
                out.append(({"_": "sub", "^": "sup", "√": "sqrt"}[c], atoms(body)))
                i = j
        elif c == "\u0302" and out:
            out[-1] = ("hat", [out[-1]])
            i += 1
        elif c in SUPERSCRIPTS:
            out.append(("sup", atoms(SUPERSCRIPTS[c])))
            i += 1
        elif WIDE_RUN.match(s, i):
            run = WIDE_RUN.match(s, i).group()
            out.append(("wide", run))
            i += len(run)
        else:
            out.append(("sym" if c in SYMBOLS else "raw", c))
            i += 1
    return out


# ------------------------------------------------------------- LaTeX

LATEX_TEXT = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
              "#": r"\#", "%": r"\%", "_": r"\_", "~": r"\textasciitilde{}",
              "^": r"\textasciicircum{}", "<": r"\textless{}", ">": r"\textgreater{}",
              "|": r"\textbar{}", '"': "''"}
LATEX_MATH = {"\\": r"\backslash ", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
              "%": r"\%", "~": r"\sim ", "|": r"\vert ", "_": r"\_", "^": r"\wedge ", '"': "''"}


def _unknown(c):
    """A character outside the table: its ASCII compatibility form (full-width digits…),
    else its code point, so the output stays ASCII."""
    plain = unicodedata.normalize("NFKC", c)
    return plain if plain.isascii() else f"[U+{ord(c):04X}]"


def latex_text(s, cjk=False):
    out = []
    for i, c in enumerate(s):
        if c == "-" and s[i + 1:i + 2] == "-":
            out.append("-{}")          # '--max-steps', not an en dash
        elif c in LATEX_TEXT:
            out.append(LATEX_TEXT[c])
        elif c.isascii() or (cjk and WIDE_RUN.match(c)):
            out.append(c)
        elif c in SYMBOLS:
            math, _, text = SYMBOLS[c]
            out.append(text if text is not None else f"${_latex_atoms(atoms(c))}$")
        else:
            out.append(latex_text(_unknown(c)))
    return "".join(out)


def latex_number(s):
    """'-1.5e-07' as -1.5\\times 10^{-7}; inf as \\infty."""
    m = re.fullmatch(r"([-−]?[\d.]+)[eE]([-+]?)0*(\d+)", s)
    if m:
        return f"{m.group(1)}\\times 10^{{{'-' if m.group(2) == '-' else ''}{m.group(3)}}}"
    return {"inf": r"\infty", "-inf": r"-\infty", "nan": r"\mathrm{nan}"}.get(s, s)


def _latex_word(w, script):
    if w in FUNCTIONS:
        return "\\" + w + " "
    if w in WORD_SYMBOLS:
        return WORD_SYMBOLS[w] + " "
    return w if len(w) == 1 or (script and len(w) <= 2) else r"\mathrm{" + w + "}"


def _latex_atoms(items, script=False, cjk=False):
    out, scripts = [], set()
    for kind, v in items:
        script_kind = "sup" if v == "'" else kind
        if script_kind in scripts:
            out.append("{}")           # x_i_j and x^2^3 are errors in TeX
            scripts = set()
        if kind == "word":
            out.append(_latex_word(v, script))
        elif kind == "num":
            out.append(latex_number(v))
        elif kind == "space":       # math mode drops spaces: keep the one after ',' and ';'
            out.append(r"\ " if out and out[-1] in (",", ";") else " ")
        elif kind == "sub":
            out.append("_{" + _latex_atoms(v, True, cjk) + "}")
        elif kind == "sup":
            out.append("^{" + _latex_atoms(v, True, cjk) + "}")
        elif kind == "sqrt":
            out.append(r"\sqrt{" + _latex_atoms(v, script, cjk) + "}")
        elif kind == "hat":
            out.append(r"\hat{" + _latex_atoms(v, script, cjk) + "}")
        elif kind == "wide":        # Chinese in a formula: text, never math letters
            out.append(r"\text{" + v + "}" if cjk else "".join(r"\text{" + latex_text(_unknown(c)) + "}"
                                                                  for c in v))
        elif kind == "sym":
            out.append(SYMBOLS[v][0] + (" " if SYMBOLS[v][0][-1].isalpha() else ""))
        elif v == "'":
            out.append("'")
        elif v.isascii():
            out.append(LATEX_MATH.get(v, v))
        else:
            out.append(r"\text{" + latex_text(_unknown(v)) + "}")
        scripts = scripts | {script_kind} if script_kind in ("sub", "sup") else set()
    # a control word needs a space only before a letter: '\sigma x' but '\sigma(x)'
    return re.sub(r"(\\[A-Za-z]+) +(?=[_^(){}\[\],;/'])", r"\1", "".join(out).replace("  ", " ")).strip()


def latex_math(s, cjk=False):
    return _latex_atoms(atoms(s), cjk=cjk)


def latex(s, cjk=False):
    """A line of trace text as LaTeX: prose escaped, formulas in $…$."""
    return _render(s, lambda t: latex_text(t, cjk), lambda m: f"${latex_math(m, cjk)}$",
                   lambda c: r"\texttt{" + latex_text(c, cjk) + "}", r"\quad ")


def _render(s, text, math, code, gap):
    out = []
    for kind, part in split(s):
        out.append(text(part) if kind == "text" else math(part) if kind == "math"
                   else code(part) if kind == "code" else gap)
    return "".join(out)


# ------------------------------------------------------------- Markdown

MARKDOWN_TEXT = set("\\`*_[]<>|$~")


def markdown_text(s):
    return "".join("\\" + c if c in MARKDOWN_TEXT else c for c in s)


def markdown(s):
    """A line as GitHub-flavoured Markdown: formulas in $…$, names in `…`, no raw '|'."""
    return _render(s, markdown_text, lambda m: f"${markdown_math(m)}$", lambda c: f"`{c}`", "&emsp;")


def markdown_math(s):
    """LaTeX math for MathJax/KaTeX in Markdown (UTF-8: Chinese in \\text{}), where a bare '<'
    could open an HTML tag."""
    return re.sub(r" *([<>]) *", lambda m: r" \lt " if m.group(1) == "<" else r" \gt ",
                  latex_math(s, cjk=True)).replace("  ", " ").strip()


# ------------------------------------------------------------- HTML

def html_text(s):
    """Escaped, and ASCII: every other character as an entity."""
    return "".join(c if c.isascii() else SYMBOLS[c][1] if c in SYMBOLS else f"&#{ord(c)};"
                   for c in html.escape(s, quote=True))


def _html_atoms(items):
    out = []
    for kind, v in items:
        if kind == "word":
            out.append(f"<i>{v}</i>" if len(v) == 1 else v)
        elif kind in ("sub", "sup"):
            out.append(f"<{kind}>{_html_atoms(v)}</{kind}>")
        elif kind == "sqrt":
            inner = _html_atoms(v)
            out.append("&radic;" + (f"({inner})" if len(v) > 1 else inner))
        elif kind == "hat":
            out.append(_html_atoms(v) + SYMBOLS["\u0302"][1])
        elif kind == "sym":
            out.append(SYMBOLS[v][1])
        elif kind == "wide":
            out.append(html_text(v))
        elif kind == "raw" and v == "-":
            out.append(SYMBOLS["−"][1])
        else:
            out.append(html_text(v))
    return "".join(out)


def html_math(s):
    return _html_atoms(atoms(s))


def to_html(s):
    """A line as HTML: formulas in <span class="math"> with entities, <sub> and <sup>."""
    return _render(s, html_text, lambda m: f'<span class="math">{html_math(m)}</span>',
                   lambda c: f"<code>{html_text(c)}</code>", "&emsp;")
