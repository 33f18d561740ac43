"""The whole trace as a document: ``--format latex``, ``markdown`` or ``html``.

Any command's Report (headings, lines, tables, matrices) is written block by block;
nothing here knows which command made it. Text goes through cli/mathtext.py: formulas
found by cli/formulas.py, symbols translated by the one table in cli/symbols.py.

- latex: a fragment for a document that loads amsmath; in English pure ASCII, so pdflatex
  takes it as is; in Chinese for a ctex document (xelatex): Chinese characters and
  full-width punctuation stay as they are, in \text{} inside a formula. Formulas in $…$,
  matrices as bmatrix, tables as tabular.
- markdown: GitHub-flavoured; pipe tables, formulas in $…$, matrices in $$…$$.
- html: one self-contained page (no script, stylesheet or font from the network),
  ASCII with entities, <meta charset="utf-8">.

With -q each prints only the result matrix in its markup: a display-math bmatrix for
latex, the same inside $$…$$ for markdown, a bare <table> for html (to paste into a page).
"""
import re

from nncalc.cli import mathtext as mt
from nncalc.cli.i18n import _, language, tr

MAX_MATRIX_COLS = 10    # amsmath's default MaxMatrixCols


def render(report, opts):
    writer = WRITERS[opts.format](opts)
    if opts.quiet:
        return writer.quiet(report.result)
    from nncalc.cli import tables
    for block in report.blocks:
        kind = block[0]
        if kind == "heading":
            writer.heading(block[1].rstrip(" —"))        # the text trace's '——' rules are decoration
        elif kind == "line":
            for line in block[1].split("\n"):
                if line.strip():
                    writer.line(line.strip(" "), len(line) - len(line.lstrip(" ")))
        elif kind == "table":
            headers, columns, total, numeric, per = block[1:6]
            wrap = block[6] if len(block) > 6 else None
            marks = block[7] if len(block) > 7 else None      # a check's rows to show
            rows, is_numeric, note = tables.table_rows(headers, columns, total, numeric, per, opts, marks)
            writer.table(headers or [""] * len(is_numeric), rows, is_numeric, wrap)
            if note:
                writer.line(note, 0)
        elif kind == "matrix":
            title, arr, mask, mask_text = block[1:5]
            from nncalc.core.errors import shape_text
            writer.line(_("{title} ({shape}):").format(title=title, shape=tr(shape_text(arr.shape))), 0)
            writer.matrix(arr, tables.matrix_blocks(arr, opts, mask, mask_text))
        else:
            raise ValueError(f"no document form for a '{kind}' block")
    return writer.document()


def _blocks(result, opts):
    from nncalc.cli import tables
    return tables.matrix_blocks(result, opts)


def _is_number(cell):
    return bool(mt.NUMBER.fullmatch(cell)) or cell in ("inf", "-inf", "nan")


# ------------------------------------------------------------------ LaTeX

class Latex:
    EMPTY = r"\noindent {empty}\par"      # an empty matrix, in this format's markup

    def escape(self, text):
        return mt.latex_text(text, self.cjk)

    def empty(self):
        return self.EMPTY.format(empty=self.escape(_("(empty)")))

    def __init__(self, opts):
        self.opts = opts
        self.parts = []
        self.cjk = language() == "zh"     # Chinese: a fragment for ctex (README, Write-ups)

    def heading(self, text):
        self.parts.append(r"\subsection*{" + mt.latex(text, self.cjk) + "}")

    def line(self, text, indent):
        indent = r"\quad " if indent else " "
        self.parts.append(r"\noindent" + indent + mt.latex(text, self.cjk) + r"\par")

    def _cell(self, cell, numeric):
        if not numeric:
            return mt.latex(cell, self.cjk)
        # a number in math mode gets a real minus sign and 10^n for e-notation
        return f"${mt.latex_number(cell)}$" if _is_number(cell) and re.search(r"[-eia]", cell) else cell

    def table(self, headers, rows, numeric, wrap):
        if wrap:
            self._described(headers, rows, numeric)
            return

        def row(cells, kinds):
            return " & ".join(self._cell(c, n) for c, n in zip(cells, kinds)) + " \\\\"

        spec = "".join("r" if n else "l" for n in numeric)
        lines = [r"\par\smallskip\noindent{", r"\begin{tabular}{" + spec + "}", r"\hline",
                 row(headers, [False] * len(headers)), r"\hline"]
        lines += [row(cells, numeric) for cells in rows]
        lines += [r"\hline", r"\end{tabular}}", r"\par\smallskip"]
        self.parts.append("\n".join(lines))

    def _described(self, headers, rows, numeric):
        """A table of prose (activate --list: seven columns of sentences) as a description list,
        one item per row and one line per column: a tabular that wide squeezes every column below
        its longest formula, and, taller than a page, it does not break and loses its last rows."""
        lines = [r"\begin{description}"]
        for cells in rows:
            fields = [r"\textit{" + self._cell(h, False) + "}: " + self._cell(c, n)
                      for h, c, n in zip(headers[1:], cells[1:], numeric[1:])]
            lines.append(r"\item[" + self._cell(cells[0], numeric[0]) + "] " + " \\newline\n  ".join(fields))
        lines.append(r"\end{description}")
        self.parts.append("\n".join(lines))

    def _bmatrix(self, cells):
        body = " \\\\\n".join(" & ".join(mt.latex_number(c) if _is_number(c) else mt.latex_math(c, self.cjk)
                                         for c in row) for row in cells)
        return "\\begin{bmatrix}\n" + body + "\n\\end{bmatrix}"

    def _display(self, blocks, labels):
        width = max(len(cells[0]) for _, cells, _ in blocks)
        widen = f"\\setcounter{{MaxMatrixCols}}{{{width}}}\n" if width > MAX_MATRIX_COLS else ""
        items = [(r"\text{" + self.escape(label) + r"}\ " if label and labels else "")
                 + self._bmatrix(cells) for label, cells, _ in blocks]
        return widen + "\\[\n" + "\n\\quad\n".join(items) + "\n\\]"

    def matrix(self, arr, blocks):
        if arr.size == 0:
            self.parts.append(self.empty())
            return
        for label, cells, width in blocks:
            if label:
                self.line(label, 0)
            self.parts.append(self._display([(label, cells, width)], labels=False))

    def quiet(self, result):
        if result.size == 0:
            return _("(empty)") + "\n"
        return self._display(_blocks(result, self.opts), labels=True) + "\n"

    def document(self):
        return "\n\n".join(self.parts) + "\n"


# ------------------------------------------------------------------ Markdown

PARAGRAPH_START = re.compile(r"[#+\-=>]|\d+[.)](\s|$)")


class Markdown(Latex):
    EMPTY = "{empty}"

    def __init__(self, opts):
        super().__init__(opts)
        self.cjk = True         # UTF-8: MathJax and KaTeX set Chinese in \text{}

    def escape(self, text):
        return mt.markdown_text(text)

    def heading(self, text):
        self.parts.append("### " + mt.markdown(text))

    def line(self, text, indent):
        md = mt.markdown(text)
        if PARAGRAPH_START.match(md):      # would start a heading, list or quote
            md = "\\" + md
        self.parts.append(("&emsp;" if indent else "") + md)

    @staticmethod
    def _row(cells):
        # a '|' left in a cell (inside `code`) would split it
        return "| " + " | ".join(re.sub(r"(?<!\\)\|", r"\\|", c) for c in cells) + " |"

    def table(self, headers, rows, numeric, wrap):
        lines = [self._row([mt.markdown(h) for h in headers]),
                 self._row(["---:" if n else ":---" for n in numeric])]
        lines += [self._row([c if n else mt.markdown(c) for c, n in zip(row, numeric)]) for row in rows]
        self.parts.append("\n".join(lines))

    def _display(self, blocks, labels):
        items = [(r"\text{" + mt.latex_text(label, self.cjk) + r"}\ " if label and labels else "")
                 + self._bmatrix(cells) for label, cells, _ in blocks]
        return "$$\n" + "\n\\quad\n".join(items) + "\n$$"


# ------------------------------------------------------------------ HTML

STYLE = """body { font-family: sans-serif; max-width: 64em; margin: 1em auto; padding: 0 1em; line-height: 1.45; }
h2 { font-size: 1.15em; margin: 1.4em 0 .4em; }
p { margin: .3em 0; }
p.indent { padding-left: 2em; }
.math { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", serif; }
table { border-collapse: collapse; margin: .5em 0 .8em; }
table.steps th, table.steps td { padding: .15em .7em; text-align: left; vertical-align: top; }
table.steps th { border-bottom: 1px solid #777; }
table.steps .num { text-align: right; font-variant-numeric: tabular-nums; }
table.matrix td { padding: .1em .6em; text-align: right; font-variant-numeric: tabular-nums; }"""
MATRIX = ('<table class="matrix" style="border-left: 2px solid; border-right: 2px solid; '
          'border-collapse: collapse; margin: .3em 0 .8em">')


class Html(Latex):
    EMPTY = "<p>{empty}</p>"

    def escape(self, text):
        return mt.to_html(text)

    def heading(self, text):
        self.parts.append(f"<h2>{mt.to_html(text)}</h2>")

    def line(self, text, indent):
        self.parts.append(('<p class="indent">' if indent else "<p>") + mt.to_html(text) + "</p>")

    def table(self, headers, rows, numeric, wrap):
        def cells(tag, row):
            return "".join(f'<{tag} class="num">' + (mt.html_text(c) if tag == "td" else mt.to_html(c))
                           + f"</{tag}>" if n else f"<{tag}>{mt.to_html(c)}</{tag}>"
                           for c, n in zip(row, numeric))
        lines = ['<table class="steps">', f"<thead><tr>{cells('th', headers)}</tr></thead>", "<tbody>"]
        lines += [f"<tr>{cells('td', row)}</tr>" for row in rows]
        lines += ["</tbody>", "</table>"]
        self.parts.append("\n".join(lines))

    def _display(self, blocks, labels):
        out = []
        for label, cells, _mask in blocks:
            if label and labels:
                out.append(f"<p>{mt.html_text(label)}</p>")
            rows = "".join("<tr>" + "".join("<td>" + (mt.html_text(c) if _is_number(c) else mt.html_math(c))
                                            + "</td>" for c in row) + "</tr>\n" for row in cells)
            out.append(MATRIX + "\n" + rows + "</table>")
        return "\n".join(out)

    def quiet(self, result):
        return (self.empty() if result.size == 0 else self._display(_blocks(result, self.opts), True)) + "\n"

    def document(self):
        title = next((p[4:-5] for p in self.parts if p.startswith("<h2>")), "nncalc")
        title = re.sub(r"<[^>]+>", "", title)
        lang = "zh-CN" if language() == "zh" else "en"     # screen readers and fonts follow it
        return (f"<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
                f"<title>nncalc: {title}</title>\n<style>\n{STYLE}\n</style>\n</head>\n<body>\n"
                + "\n".join(self.parts) + "\n</body>\n</html>\n")


WRITERS = {"latex": Latex, "markdown": Markdown, "html": Html}
