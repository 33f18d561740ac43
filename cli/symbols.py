"""The one table of the non-ASCII symbols nncalc's traces print, with their LaTeX and HTML forms.

Each symbol maps to (LaTeX in math mode, HTML entity, LaTeX in text mode); a symbol with no
text form is math, and makes the token holding it a formula. tests/test_documents_text.py
scans the string data of cli/ and core/ and fails on any character missing here.
"""
import re

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
    "ᵀ": ("^{T}", "<sup>T</sup>", None), "°": (r"^{\circ}", "&deg;", None),
    "\u0302": (r"\hat{\ }", "&#770;", None),       # combining circumflex: m̂ is \hat{m}
    "—": (r"\text{---}", "&mdash;", "---"), "–": (r"\text{--}", "&ndash;", "--"),
    "…": (r"\dots", "&hellip;", r"\dots{}"), "’": ("'", "&rsquo;", "'"),
    "✓": (r"\surd", "&#10003;", r"$\surd$"), "✗": (r"\times", "&#10007;", r"$\times$"),   # a check's verdict
}
SUPERSCRIPTS = {"²": "2", "³": "3", "ᵀ": "T"}
FUNCTIONS = {"ln", "log", "exp", "max", "min", "tanh", "sin", "cos", "det"}
WORD_SYMBOLS = {"inf": r"\infty"}
NUMBER = re.compile(r"[-−]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")

# What ctex sets as Chinese: ideographs, CJK punctuation (。、《》「」), full-width forms
# (，：；（）％) and Chinese quotation marks. Chinese LaTeX keeps them as they are (in text, or
# in \text{} inside a formula); English folds them to ASCII or their code point.
WIDE_RANGES = ((0x3000, 0x303F), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF),
               (0xFF01, 0xFF5E), (0xFFE0, 0xFFE6), (0x201C, 0x201D))

WIDE_RUN = re.compile("([" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in WIDE_RANGES) + "]+)")
CHINESE_WORD = re.compile("([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+)")     # ideographs only
