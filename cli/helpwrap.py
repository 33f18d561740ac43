"""Wrapping by terminal columns, for Chinese: help screens and trace prose alike.

click wraps help by counting characters, and breaks lines only at spaces; a
Chinese character fills two columns and Chinese has no spaces, so its help
ran twice too wide. While Chinese is the language, click's wrapper is
replaced by this one, which measures columns and may break between any two
wide characters. English help keeps click's own wrapper, unchanged. The
trace's prose (cli/terminal.py) wraps its Chinese lines with the same
wrapper and measures every line with ``columns``.
"""
import unicodedata

import click._textwrap

_CLICK_WRAPPER = click._textwrap.TextWrapper
# a line should not begin with these: they close what came before
NO_LINE_START = set("，。、；：？！）》」』】,.;:?!)")
# nor end with these: they open what comes after
_NO_LINE_END = set("（《「『【([")


def _wide(ch):
    return ch > "\u10ff" and unicodedata.east_asian_width(ch) in "WF"


def columns(text):
    """Display width of TEXT: two for East Asian wide and full-width characters, else one."""
    return sum(2 if _wide(ch) else 0 if unicodedata.combining(ch) else 1 for ch in text)


class ColumnWrapper(_CLICK_WRAPPER):
    hang = 2        # columns a closing mark may stand past the width (help leaves that margin)

    def _split(self, text):
        """Whitespace runs, single wide characters and runs of anything else: the places a
        line may break (a loop, not a regex: compiling one cost more than a help screen)."""
        chunks, run, kind = [], "", None
        for ch in text:
            k = "space" if ch.isspace() else "wide" if _wide(ch) else "word"
            if k == kind and k != "wide":
                run += ch
            else:
                if run:
                    chunks.append(run)
                run, kind = ch, k
        if run:
            chunks.append(run)
        return chunks

    def _wrap_chunks(self, chunks):
        lines = []
        chunks = list(reversed(chunks))
        while chunks:
            indent = self.subsequent_indent if lines else self.initial_indent
            room = self.width - columns(indent)
            if lines and chunks[-1].isspace():
                chunks.pop()
            line, used = [], 0
            while chunks:
                width = columns(chunks[-1])
                fits = used + width <= room
                closing = chunks[-1][0] in NO_LINE_START and width <= 2 and used + width <= room + self.hang
                if fits or closing or not line:
                    if not fits and not line:           # one chunk wider than the line: cut it
                        head, tail = _cut(chunks.pop(), room)
                        line.append(head)
                        if tail:
                            chunks.append(tail)
                        break
                    line.append(chunks.pop())
                    used += width
                else:
                    break
            _keep_together(line, chunks)
            while line and line[-1].isspace():
                line.pop()
            if line:
                lines.append(indent + "".join(line))
        return lines


def _keep_together(line, chunks):
    """Move the end of LINE back onto the next line (CHUNKS, reversed) while the next line would
    begin with closing punctuation or this one end with an opening bracket; the first chunk stays."""
    while len(line) > 1 and ((chunks and chunks[-1][:1] in NO_LINE_START) or line[-1][-1:] in _NO_LINE_END):
        chunks.append(line.pop())


def _cut(chunk, room):
    used = 0
    for i, ch in enumerate(chunk):
        used += columns(ch)
        if used > max(room, 1):
            return chunk[:max(i, 1)], chunk[max(i, 1):]
    return chunk, ""


def install(on):
    click._textwrap.TextWrapper = ColumnWrapper if on else _CLICK_WRAPPER
