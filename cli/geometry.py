"""What conv, pool and outsize share on the command line: the window options and
the size formula written out with the user's numbers.

The formula itself lives once, in nncalc.core.shapes; this module only reads
options (no numpy import, so `--help` stays fast) and turns a SizeRecord into
the lines a student would write.
"""
import click

from nncalc.cli.options import UserError
from nncalc.cli.i18n import _


class IntPair(click.ParamType):
    """One whole number N (meaning N,N) or two as 'H,W'; 'same'/'valid' where allowed."""
    name = "N|H,W"

    def __init__(self, minimum=0, words=()):
        self.minimum = minimum
        self.words = words

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).strip().lower()
        if text in self.words:
            return text
        parts = [p.strip() for p in text.replace("x", ",").replace("×", ",").split(",")]
        if len(parts) not in (1, 2) or not all(p.lstrip("-").isdigit() and p.isascii() for p in parts):
            words = _(", {words}").format(words=_(" or ").join(repr(w) for w in self.words)) if self.words else ""
            self.fail(_("'{value}' is not a whole number or H,W pair{words}").format(value=value,
                                                                                     words=words), param, ctx)
        nums = tuple(int(p) for p in parts)
        if any(n < self.minimum for n in nums):
            self.fail(_("must be at least {minimum}, not {value}").format(minimum=self.minimum, value=value),
                      param, ctx)
        return nums * 2 if len(nums) == 1 else nums


def stride_option(default=1):
    help = _("Step between windows.") if default is not None else \
        _("Step between windows [default: the window size].")
    return click.option("--stride", type=IntPair(1), default=default, metavar="S|SH,SW", help=help)


def padding_option(words=("same", "valid")):
    help = _("Zeros added on EACH side (P per side, 2P in all) or 'same' (output = ceil(input/stride); "
             "an odd extra zero goes bottom/right, as TensorFlow) or 'valid' (none). [default: 0]") if words \
        else _("Zeros added on EACH side (P per side, 2P in all). [default: 0]")
    return click.option("--padding", type=IntPair(0, words), default="0", metavar="P|PH,PW", help=help)


def dilation_option():
    return click.option("--dilation", type=IntPair(1), default="1", metavar="D|DH,DW",
                        help=_("Gap between kernel taps; 1 means none (as PyTorch). [default: 1]"))


# The work conv and pool accept before refusing up front (--max-work): 10^10 operations,
# about 10 s of conv's multiply-adds on the 2-core machine of benchmarks/ (1e9 per second
# measured single-threaded under load) and 10–30 s of pooling's comparisons (3e8–1e9 per second).
DEFAULT_MAX_WORK = 10 ** 10


class Count(click.ParamType):
    """A whole number of operations: 10000000000 or 1e10."""
    name = "N"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        try:
            number = int(text) if text.isdigit() else int(float(text)) if text.isascii() else None
        except (ValueError, OverflowError):
            number = None
        if number is None or number < 1 or (not text.isdigit() and float(text) != number):
            self.fail(_("'{value}' is not a whole number ≥ 1 (such as 1e11)").format(value=value), param, ctx)
        return number


def work_option(unit):
    return click.option("--max-work", type=Count(), default=DEFAULT_MAX_WORK, metavar="N",
                        help=_("Refuse, before starting, work estimated above N {unit} [default: 1e10, about "
                               "10 s]; raise it to allow more.").format(unit=unit))


def formula_lines(rec, axis, n_sym, k_sym="K"):
    """The size formula for one axis, general form then the user's numbers, then the result."""
    pb, pa = rec.padding
    pad = f"2·{pb}" if pb == pa else f"{pb} + {pa}"
    psym = "2P" if pb == pa else _("P_before + P_after")
    dil = f"{rec.dilation}·({rec.k}−1)"
    brackets = ("⌈", "⌉") if rec.ceil else ("⌊", "⌋")
    lines = [f"O{axis} = {brackets[0]}({n_sym} + {psym} − D·({k_sym}−1) − 1) / S{brackets[1]} + 1",
             f"   = {brackets[0]}({rec.n} + {pad} − {dil} − 1) / {rec.stride}{brackets[1]} + 1"]
    q = rec.quotient
    if rec.whole:
        lines.append(f"   = {q.numerator} + 1 = {int(q) + 1}" if not rec.dropped_last else
                     f"   = {int(q)} + 1 = {int(q) + 1}")
    else:
        exact = f"{q.numerator}/{q.denominator} = {float(q):.6g}"
        how = (_("ceil (ceil mode, as in pooling)") if rec.ceil
               else _("floor (as PyTorch and TensorFlow do)"))
        rounded = -(-q.numerator // q.denominator) if rec.ceil else q.numerator // q.denominator
        lines.append(_("   = {value} + 1: not a whole number, so {how} gives {rounded} + 1 = {size}").format(
            value=f"{brackets[0]}{exact}{brackets[1]}", how=how, rounded=rounded, size=rounded + 1))
    if rec.dropped_last:
        lines.append(_("   − 1: the last window would start in the padding, so it is dropped "
                       "(PyTorch's ceil-mode rule) → {size}").format(size=rec.size))
    return lines


def size_json(rec):
    return {"n": rec.n, "kernel": rec.k, "stride": rec.stride, "padding": list(rec.padding),
            "dilation": rec.dilation, "rounding": rec.rounding, "exact": float(rec.quotient) + 1,
            "quotient": f"{rec.quotient.numerator}/{rec.quotient.denominator}",
            "whole": rec.whole, "dropped_last": rec.dropped_last, "size": rec.size}


def check_activation(name):
    """The registry name of ``--activation NAME`` (None when not given)."""
    if name is None:
        return None
    from nncalc.cli.inputs import naming
    from nncalc.core import activations
    with naming("--activation"):
        act = activations.get(name)
    if not act.elementwise:
        # a feature map has no 'last axis' that means anything: softmax over its columns is not a CNN step
        raise UserError(_("{name} is not element-wise, so it is not a feature-map activation; pipe the "
                          "result into 'nncalc activate {name} -' to apply it along rows").format(name=act.name),
                        "--activation")
    return act.name
