"""Trace text as LaTeX, Markdown or HTML: the one table of the symbols nncalc prints, and the
split of a line into prose and formulas.

A trace line such as ``net_j = Σ_i w_ji·x_i + b_j, one row per neuron`` mixes words and
formulas. ``split`` finds the formulas: tokens holding a math symbol or an operator, the
short names and numbers an operator joins (``net``, ``E``, ``0.5``), and whatever keeps
their brackets balanced. The rest is prose. Formulas go to LaTeX math (``$…$`` in
Markdown, entities and <sub>/<sup> in HTML); prose is escaped for each format.
"""
import html
import re
import unicodedata

# Every non-ASCII character nncalc's traces print: LaTeX (math mode), HTML entity, and for
# prose characters LaTeX text mode. A character with no text form makes its token a formula.
# tests/test_documents.py fails on any other character in cli/ or core/ string data.
SYMBOLS = {
    "σ": (r"\sigma", "&sigma;", None), "Σ": (r"\Sigma", "&Sigma;", None),
    "δ": (r"\delta", "&delta;", None), "η": (r"\eta", "&eta;", None),
    "α": (r"\alpha", "&alpha;", None), "β": (r"\beta", "&beta;", None),
    "ε": (r"\varepsilon", "&epsilon;", None), "θ": (r"\theta", "&theta;", None),
    "μ": (r"\mu", "&mu;", None), "φ": (r"\phi", "&phi;", None), "Φ": (r"\Phi", "&Phi;", None),
    "∂": (r"\partial", "&part;", None), "·": (r"\cdot", "&middot;", None),
    "×": (r"\times", "&times;", None), "÷": (r"\div", "&divide;", None),
    "−": ("-", "&minus;", None), "±": (r"\pm", "&plusmn;", None),
    "⊙": (r"\odot", "&#8857;", None), "√": (r"\surd", "&radic;", None),
    "∞": (r"\infty", "&infin;", None), "≈": (r"\approx", "&asymp;", None),
    "≤": (r"\le", "&le;", None), "≥": (r"\ge", "&ge;", None), "≠": (r"\ne", "&ne;", None),
    "→": (r"\rightarrow", "&rarr;", None), "←": (r"\leftarrow", "&larr;", None),
    "⌊": (r"\lfloor", "&lfloor;", None), "⌋": (r"\rfloor", "&rfloor;", None),
    "⌈": (r"\lceil", "&lceil;", None), "⌉": (r"\rceil", "&rceil;", None),
    "⋮": (r"\vdots", "&#8942;", None), "⋱": (r"\ddots", "&#8945;", None),
    "½": (r"\tfrac{1}{2}", "&frac12;", None),
    "²": ("^{2}", "&sup2;", None), "³": ("^{3}", "&sup3;", None),
    "ᵀ": (r"^{\mathsf{T}}", "<sup>T</sup>", None), "°": (r"^{\circ}", "&deg;", None),
    "\u0302": (r"\hat", "&#770;", None),            # combining circumflex: m̂ is \hat{m}
    "—": (r"\text{---}", "&mdash;", "---"), "–": (r"\text{--}", "&ndash;", "--"),
    "…": (r"\dots", "&hellip;", r"\dots{}"), "’": ("'", "&rsquo;", "'"),
}
SUPERSCRIPTS = {"²": "2", "³": "3", "ᵀ": "T"}
FUNCTIONS = {"ln", "log", "exp", "max", "min", "tanh", "sin", "cos", "det"}
WORD_SYMBOLS = {"inf": r"\infty"}
OPERATORS = set("=+-−×·/→←≤≥≈±⊙<>*÷≠")
MATH_ASCII = set("=+^_<>*/|")
STOPWORDS = {"a", "an", "as", "at", "by", "if", "in", "is", "of", "on", "or", "to", "the", "and",
             "for", "per", "was", "are", "its", "not", "so", "no", "yes", "be", "it", "all", "one"}
NUMBER = re.compile(r"[-−]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
LIST_OF_NUMBERS = re.compile(rf"{NUMBER.pattern}(,{NUMBER.pattern})*")
CODE = re.compile(r"@\S+|[A-Za-z]\w*(_[A-Za-z]\w*){2,}|[A-Za-z][A-Za-z0-9]+_[A-Za-z0-9]{4,}\w*")
SLASHED_WORDS = re.compile(r"[A-Za-z]{2,}(/[A-Za-z]{2,})+")
CALL = re.compile(r"[A-Za-z]+'?\(")
PUNCT = ",;:."


# ------------------------------------------------------------- prose and formulas

def _core(token):
    return re.sub(r"[()\[\]{}]", "", token).strip(PUNCT + "'")


def _wrapped(token):
    """(opening brackets, middle, closing brackets and punctuation) of a token."""
    return re.fullmatch(r"([(\[{]*)(.*?)([)\]},;:.]*)", token).groups()


def _kind(token):
    core = _core(token)
    if CODE.fullmatch(_wrapped(token)[1]):
        return "code"
    if token and all(c in OPERATORS for c in token):
        return "op"
    if SLASHED_WORDS.fullmatch(core):       # 'bottom/right' is prose
        return "word"
    if any(c in MATH_ASCII or (c in SYMBOLS and SYMBOLS[c][2] is None) for c in token) \
            or CALL.match(token.lstrip("(")):
        return "math"
    if core == "" or LIST_OF_NUMBERS.fullmatch(core) \
            or (core.isascii() and core.isalnum() and len(core) <= 3 and core.lower() not in STOPWORDS):
        return "short"
    return "word"


def _joins_word(op, token):
    """An arithmetic operator or relation also takes a whole word as operand: 'old + change'."""
    core = token.rstrip(PUNCT)
    return op not in "→←" and core.isalpha() and core.lower() not in STOPWORDS


def _balance(tokens):
    depth = 0
    for t in tokens:
        depth += sum(t.count(c) for c in "([") - sum(t.count(c) for c in ")]")
    return depth


def _mark(tokens, kinds):
    math = [k in ("math", "op") for k in kinds]
    for i, k in enumerate(kinds):
        if k != "op":
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(tokens) and (kinds[j] == "short" or (kinds[j] == "word"
                                                                and _joins_word(tokens[i], tokens[j]))):
                math[j] = True
    # grow each formula over short tokens until its brackets balance: 'max(0, x)', 'J[i, j] = …'
    i = 0
    while i < len(tokens):
        if not math[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and math[j + 1]:
            j += 1
        while _balance(tokens[i:j + 1]) > 0 and j + 1 < len(tokens) and kinds[j + 1] in ("short", "op"):
            j += 1
        while _balance(tokens[i:j + 1]) < 0 and i > 0 and kinds[i - 1] == "short":
            i -= 1
        for k in range(i, j + 1):
            math[k] = True
        i = j + 1
    return math


def split(text):
    """[(kind, text)] with kind 'text', 'math', 'code' or 'gap' (a run of 2+ spaces)."""
    items = []                                  # (kind, text, a space before it)
    for n, chunk in enumerate(re.split(r" {2,}", text)):
        if n:
            items.append(("gap", "", False))
        tokens = chunk.split(" ")
        kinds = [_kind(t) for t in tokens]
        math = _mark(tokens, kinds) + [False]
        for i, (token, kind) in enumerate(zip(tokens, kinds)):
            spaced = i > 0
            if math[i]:     # sentence punctuation after a formula is prose: '$E = 1$;'
                body = token if math[i + 1] else token.rstrip(PUNCT)
                items += [("math", body, spaced), ("text", token[len(body):], False)]
            elif kind == "code":
                head, body, tail = _wrapped(token)
                items += [("text", head, spaced), ("code", body, spaced and not head),
                          ("text", tail, False)]
            else:
                items.append(("text", token, spaced))
    return _join(items)


def _join(items):
    parts = []
    for kind, s, spaced in items:
        if not s and kind != "gap":
            continue
        if parts and parts[-1][0] == kind == "math":
            parts[-1] = (kind, parts[-1][1] + (" " if spaced else "") + s)
            continue
        if spaced:      # the space between a formula and prose is prose
            _append(parts, "text", " ")
        _append(parts, kind, s)
    return _trim_brackets(parts)


def _trim_brackets(parts):
    """A bracket the formula does not close is prose: 'rotated $180°$)' not '$180°)$'."""
    out = []
    for kind, s in parts:
        if kind == "math":
            head = tail = ""
            while _balance([s]) < 0 and s[-1] in ")]":
                s, tail = s[:-1], s[-1] + tail
            while _balance([s]) > 0 and s[0] in "([":
                s, head = s[1:], head + s[0]
            for k, v in (("text", head), ("math", s), ("text", tail)):
                if v:
                    _append(out, k, v)
        else:
            _append(out, kind, s)
    return out


def _append(parts, kind, s):
    if parts and parts[-1][0] == kind == "text":
        parts[-1] = ("text", parts[-1][1] + s)
    else:
        parts.append((kind, s))


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
    m = re.compile(r"[A-Za-z0-9]+\u0302?|[^\W\d_]\u0302?").match(s, i)
    return (m.group(), m.end()) if m else (None, i)


def atoms(s):
    """A formula as a list of (kind, value): word, num, sym, raw, sub, sup, sqrt, hat, space."""
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


def latex_text(s):
    out = []
    for i, c in enumerate(s):
        if c == "-" and s[i + 1:i + 2] == "-":
            out.append("-{}")          # '--max-steps', not an en dash
        elif c in LATEX_TEXT:
            out.append(LATEX_TEXT[c])
        elif c.isascii():
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


def _latex_atoms(items, script=False):
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
            out.append("_{" + _latex_atoms(v, True) + "}")
        elif kind == "sup":
            out.append("^{" + _latex_atoms(v, True) + "}")
        elif kind == "sqrt":
            out.append(r"\sqrt{" + _latex_atoms(v, script) + "}")
        elif kind == "hat":
            out.append(r"\hat{" + _latex_atoms(v, script) + "}")
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


def latex_math(s):
    return _latex_atoms(atoms(s))


def latex(s):
    """A line of trace text as LaTeX: prose escaped, formulas in $…$."""
    return _render(s, latex_text, lambda m: f"${latex_math(m)}$", lambda c: r"\texttt{" + latex_text(c) + "}",
                   r"\quad ")


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
    """LaTeX math for MathJax/KaTeX in Markdown, where a bare '<' could open an HTML tag."""
    return re.sub(r" *([<>]) *", lambda m: r" \lt " if m.group(1) == "<" else r" \gt ", latex_math(s)).replace("  ", " ").strip()


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
