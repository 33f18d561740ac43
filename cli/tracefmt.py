"""Cells of `backprop`'s and `loss`'s trace tables: numbers, written-out sums and row labels.

Dense layers keep their textbook names from 1 (neuron 1, w11, b1; "2:1" is
sample 2's neuron 1 in a batch); conv and pool positions are 0-based
(cli/cnntrace.py).
"""

TERMS_SHOWN = 6         # a longer Σ is cut to its first three and last two terms


class Fmt:
    """Numbers in trace cells: integers exactly, others with --digits decimals."""

    def __init__(self, out):
        from nncalc.cli import numbers
        self.numbers = numbers
        self.digits = out.decimals
        self.limit = max(out.max_steps, 1)

    def __call__(self, v):
        return self.numbers.column([float(v)], self.digits)[0]

    def factor(self, v):
        s = self(v)
        return f"({s})" if s.startswith("-") else s

    def products(self, pairs, tail=None, keep=TERMS_SHOWN):
        """'a·b + c·d - e·f' (a sign of the first factor becomes the operator), then an optional tail term."""
        items = list(pairs) + ([] if tail is None else [(tail, None)])
        if len(items) > keep:       # only the terms shown are formatted (a conv tap sums thousands)
            items = items[:keep // 2] + [None] + items[-(keep - keep // 2 - 1):]
        parts = [(0.0, "…") if it is None else (it[0], self(abs(it[0])) if it[1] is None else
                                                f"{self(abs(it[0]))}·{self.factor(it[1])}") for it in items]
        text = ""
        for k, (a, s) in enumerate(parts):
            neg = a < 0 and s != "…"
            text += ("-" if neg else "") + s if k == 0 else (" - " if neg else " + ") + s
        return text


def label(n, j, samples):
    return f"{j + 1}" if samples == 1 else f"{n + 1}:{j + 1}"


def param(prefix, j, i, out_n, in_n):
    if i is None:
        return f"{prefix}{j + 1}" if out_n < 10 else f"{prefix}[{j + 1}]"
    return f"{prefix}{j + 1}{i + 1}" if max(out_n, in_n) < 10 else f"{prefix}[{j + 1},{i + 1}]"



def rows(samples, width, limit):
    rows = [(n, j) for n in range(samples) for j in range(width)]
    return rows[:limit], len(rows)

