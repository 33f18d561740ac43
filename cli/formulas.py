"""Where the formulas are in a line of trace text.

A line such as ``net_j = Σ_i w_ji·x_i + b_j, one row per neuron`` mixes words and
formulas. ``split`` finds the formulas: tokens holding a math symbol or an operator, the
short names and numbers an operator joins (``net``, ``E``, ``0.5``), and whatever keeps
their brackets balanced. The rest is prose, with code names (``count_include_pad``) apart.
"""
import re

from nncalc.cli.symbols import CHINESE_WORD, FUNCTIONS, NUMBER, SYMBOLS, WIDE_RUN

OPERATORS = set("=+-−×·/→←≤≥≈±⊙<>*÷≠")
MATH_ASCII = set("=+^_<>*/|")
STOPWORDS = {"a", "an", "as", "at", "by", "if", "in", "is", "of", "on", "or", "to", "the", "and",
             "for", "per", "was", "are", "its", "not", "so", "no", "yes", "be", "it", "all", "one"}
LIST_OF_NUMBERS = re.compile(rf"{NUMBER.pattern}(,{NUMBER.pattern})*")
CODE = re.compile(r"@\S+|[A-Za-z]\w*(_[A-Za-z]\w*){2,}|[A-Za-z][A-Za-z0-9]+_[A-Za-z0-9]{4,}\w*")
SLASHED_WORDS = re.compile(r"[A-Za-z]{2,}(/[A-Za-z]{2,})+")
CALL = re.compile(r"[A-Za-z]+'?[(\[]")        # h(x), σ'(x), DY[f, i, j]
PUNCT = ",;:."
HYPHENATED = re.compile(r"(.+?)(-[a-z]{3,}[,;:.]*)")     # '180°-rotated': a hyphen before a word is no minus


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


def _inside(token, kind):
    """Whether a token can sit inside a formula's brackets: 'a' in K[f, c, a, b] is an index."""
    core = _core(token)
    return kind in ("short", "op") or (core.isascii() and core.isalnum() and len(core) <= 3) \
        or bool(CHINESE_WORD.fullmatch(core))      # ∂E/∂(填充后的输入)


def _mark(tokens, kinds):
    math = [k in ("math", "op") for k in kinds]
    for i, k in enumerate(kinds):
        if k != "op":
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(tokens) and (kinds[j] == "short" or (kinds[j] == "word"
                                                                and _joins_word(tokens[i], tokens[j]))):
                math[j] = True
    for i in range(len(tokens) - 2, -1, -1):     # 'ln p_k' (but 'max pooling' is prose)
        if tokens[i] in FUNCTIONS and math[i + 1]:
            math[i] = True
    # grow each formula over short tokens until its brackets balance: 'max(0, x)', 'J[i, j] = …'
    i = 0
    while i < len(tokens):
        if not math[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(tokens) and math[j + 1]:
            j += 1
        grown = j
        while _balance(tokens[i:grown + 1]) > 0 and grown + 1 < len(tokens) \
                and _inside(tokens[grown + 1], kinds[grown + 1]):
            grown += 1
        if _balance(tokens[i:grown + 1]) == 0:  # only up to a bracket that closes: '(c³x is still …)' stays prose
            j = grown
        while _balance(tokens[i:j + 1]) < 0 and i > 0 and _inside(tokens[i - 1], kinds[i - 1]):
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
        tokens, glued = _tokens(chunk)
        kinds = [_kind(t) for t in tokens]
        _slashed_chinese_words(tokens, glued, kinds)
        math = _mark(tokens, kinds) + [False]
        for i, (token, kind) in enumerate(zip(tokens, kinds)):
            spaced = i > 0 and not glued[i]
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


def _slashed_chinese_words(tokens, glued, kinds):
    """An operator glued between two Chinese words is prose, as 'bottom/right' is, unless a formula
    is glued to them (the ceiling brackets around 'input/stride')."""
    # prose: 是/否, 下方/右侧; a formula: ⌈输入/步幅⌉
    def math_glued(i, j):       # token j is a formula glued to its neighbour i
        return 0 <= j < len(tokens) and glued[max(i, j)] and kinds[j] == "math"

    for i in range(1, len(tokens) - 1):
        if kinds[i] == "op" and glued[i] and glued[i + 1] and CHINESE_WORD.fullmatch(tokens[i - 1]) \
                and CHINESE_WORD.fullmatch(tokens[i + 1]) \
                and not (math_glued(i - 1, i - 2) or math_glued(i + 1, i + 2)):
            kinds[i] = "word"


def _tokens(chunk):
    """The chunk's space-separated tokens, a formula's hyphenated word ('180°-rotated') cut off it
    as a token of its own glued to the formula (no space before it). Chinese needs no spaces, so a
    Chinese word and a run of full-width punctuation are glued tokens of their own too: prose,
    unless an operator takes the word as its operand."""
    tokens, glued = [], []
    for spaced in chunk.split(" "):
        for n, t in enumerate(_pieces(spaced)):
            m = HYPHENATED.fullmatch(t)
            if m and _kind(m.group(1)) == "math":
                tokens += m.groups()
                glued += [n > 0, True]
            else:
                tokens.append(t)
                glued.append(n > 0)
    return tokens, glued


def _pieces(token):
    """A space-separated token cut into its Chinese words, its runs of full-width punctuation and
    the rest."""
    # 层：新值=1 is 层, ：, 新值, =1
    if not WIDE_RUN.search(token):
        return [token]
    parts = (CHINESE_WORD.split(part) if WIDE_RUN.fullmatch(part) else [part] for part in WIDE_RUN.split(token))
    return [p for part in parts for p in part if p]


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


