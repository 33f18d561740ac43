"""--expect and --select, applied once for every command after it has built its Report.

``prepare`` reads the expected values when the options are parsed (bad input
exits 2 before any work); ``apply`` runs inside render.emit: it looks the keys
up in the command's JSON data, compares (nncalc.core.check) and turns the
outcome into what the chosen format shows.
"""
import os

import click

from nncalc.cli import inputs
from nncalc.cli.options import EXPECT_TRACE_STEPS, UserError
from nncalc.cli.i18n import N_, _, tr

VERDICT_ROWS = 10        # the table of differing values shows at least this many rows


# ------------------------------------------------------------------ reading

def read_expected(spec, name, max_elements, keyed=True):
    """One --expect [KEY=]VALUE (or check's EXPECTED) as a core Expected, with its written digits."""
    from nncalc.core import check, parse
    key, value = check.split_key(spec) if keyed else ("result", spec)
    if not value.strip():
        raise UserError(_("'{spec}' gives no value after '='").format(spec=spec), name)
    with inputs.naming(name):
        text, data, kind = _fetch(value, name, max_elements)
        arr = parse.parse_string(text, max_elements) if data is None else \
            parse.parse_bytes(data, kind, max_elements)
    if data is not None:
        if kind == "npy" or data.startswith(parse.NPY_MAGIC):
            return check.Expected(key, arr)                 # no written digits: the exact rule
        text = data.decode("utf-8-sig")
    return check.expected_from_text(key, text, arr)


def _fetch(value, name, max_elements):
    """(inline text, None, None) or (None, bytes, kind): the same sources as inputs.read_matrix."""
    if value == "-":
        return None, inputs.read_stdin(name, max_elements), None
    if value.startswith("@"):
        path = value[1:]
        if not path:
            raise UserError(_("'@' must be followed by a file name"), name)
        kind = inputs.TEXT_SUFFIXES.get(os.path.splitext(path)[1].lower())
        return None, inputs.read_file(path, name, max_elements), kind
    return value, None, None


def prepare(out, expect, select):
    """Put the parsed --expect values and the --select key on OUT (see render.emit)."""
    out.expect = [read_expected(spec, "--expect", out.max_elements) for spec in expect]
    if select is not None:
        if not select.strip():
            raise UserError(_("needs a key such as grad_input"), "--select")
        out.select = select.strip()
        out.quiet = True            # the selected value alone, as -q prints a result


# ------------------------------------------------------------------ applying

def apply(report, opts):
    """(the Report to render, exit status): the selected value and/or the check's verdict."""
    from nncalc.cli import numbers, render
    from nncalc.core import check
    data = {**report.data, "result": report.data.get("result", report.result)}     # as JSON has it
    shown = report
    if opts.select:
        with inputs.naming("--select"):
            shown = render.Report(check.lookup(data, opts.select), report.data)
    if not opts.expect:
        return shown, 0
    outcomes = []
    with inputs.naming("--expect"):
        for exp in opts.expect:
            outcomes.append(check.compare(exp, check.lookup(data, exp.key), opts.tol, opts.rtol))
    status = 0 if all(o.ok for o in outcomes) else 1
    fmt = opts.format
    if fmt in ("csv", "tsv", "npy"):        # the data goes to stdout as asked; the verdict beside it
        lines = cmp_lines(outcomes, words=_)        # for a person, beside the data: in their language
        if lines:
            click.echo(lines, err=True, nl=False)
    elif opts.quiet:
        shown.quiet_output = (numbers.dumps(check_json(outcomes, opts)) + "\n" if fmt == "json"
                              else cmp_lines(outcomes))
    elif fmt == "json":         # backprop --check has a "check" of its own (the gradient check)
        key = "expect" if "check" in shown.data else "check"
        shown.data = {**shown.data, key: check_json(outcomes, opts)}
    else:
        verdict(shown, outcomes, opts)
    return shown, status


CMP_LINE = N_("{where}: expected {expected}, got {got}")


def cmp_lines(outcomes, words=str):
    """One line per difference, as cmp prints them: 'result[1,1]: expected 44, got 43'.
    English unless WORDS translates (-q's lines are output a script reads: the same in every language)."""
    from nncalc.cli.numbers import exact
    from nncalc.core import check
    line = words(CMP_LINE)
    shape = str if words is str else tr
    lines = []
    for o in outcomes:
        if not o.shape_ok:
            lines.append(line.format(where=o.key, expected=shape(check.shape_phrase(o.expected_shape)),
                                     got=shape(check.shape_phrase(o.got_shape))))
        for m in o.mismatches:
            lines.append(line.format(where=check.position_text(m), expected=m.written or exact(m.expected),
                                     got=exact(m.got)))
    return "".join(line + "\n" for line in lines)


def check_json(outcomes, opts):
    return {
        "ok": all(o.ok for o in outcomes),
        "checked": sum(o.checked for o in outcomes),
        "differ": sum(len(o.mismatches) for o in outcomes),
        "tolerance": _rule_words(outcomes, opts),
        "keys": [{"key": o.key, "checked": o.checked, "expected_shape": list(o.expected_shape),
                  "got_shape": list(o.got_shape), "shape_ok": o.shape_ok, "rule": o.rule}
                 for o in outcomes],
        "mismatches": [{"key": m.key, "position": list(m.position), "expected": m.expected,
                        "written": m.written, "got": m.got, "difference": m.difference,
                        "allowed": m.allowed}
                       for o in outcomes for m in o.mismatches],
    }


def _rule_words(outcomes, opts):
    """How close each value had to be, in words for the verdict line (English Text: JSON keeps it
    as it is, the text verdict translates it)."""
    from nncalc.cli.numbers import exact
    from nncalc.core.errors import Text
    if opts.tol is not None or opts.rtol is not None:
        tol = f"±{exact(opts.tol)}" if opts.tol else None
        rel = Text("{rtol}·|expected|", rtol=exact(opts.rtol)) if opts.rtol else None
        bound = Text("{tol} + {rel}", tol=tol, rel=rel) if tol and rel else tol or rel
        return Text("within {bound}", bound=bound) if bound else Text("within 0: exactly")
    rules = {o.rule for o in outcomes if o.shape_ok}
    if rules == {"exact"}:
        return Text("to relative 1e-9: no written digits to go by")
    if rules == {"digits"} or not rules:
        return Text("to the digits you wrote")
    return Text("to the digits you wrote; values without written digits to relative 1e-9")


# ------------------------------------------------------------------ the text verdict

def verdict(report, outcomes, opts):
    """Append the verdict, the table of differing values and the size formula to REPORT,
    and mark the trace rows of the differing positions to be shown."""
    from nncalc.core import check
    if report.blocks and report.blocks[-1][0] in ("line", "heading") and report.blocks[-1][1]:
        report.line("")         # tables and matrices end with a blank line already
    explained = False
    for o in outcomes:
        if not o.shape_ok:
            report.line(_("✗ {key}: expected {expected}, got {got}").format(
                key=o.key, expected=tr(check.shape_phrase(o.expected_shape)), got=tr(check.shape_phrase(o.got_shape))))
            explained = _explain(report, o.key, shape=True) or explained
    checked = sum(o.checked for o in outcomes)
    bad = [m for o in outcomes for m in o.mismatches]
    if not checked:
        return
    words = tr(_rule_words(outcomes, opts))
    if not bad:
        every = all(o.shape_ok for o in outcomes)
        if checked > 1:
            line = _("✓ all {n:,} values match ({rule})") if every else _("✓ the other {n:,} values match ({rule})")
        else:
            line = _("✓ the value matches ({rule})") if every else _("✓ the other value matches ({rule})")
        report.line(line.format(n=checked, rule=words))
        return
    line = (_("✗ {bad:,} of {n:,} value differs ({rule})") if checked == 1 else
            _("✗ {bad:,} of {n:,} values differs ({rule})") if len(bad) == 1 else
            _("✗ {bad:,} of {n:,} values differ ({rule})"))
    report.line(line.format(bad=len(bad), n=checked, rule=words))
    _mismatch_table(report, bad, outcomes, opts)
    if not explained:
        for key in dict.fromkeys(m.key for m in bad):
            if _explain(report, key, shape=False):
                break


def _explain(report, key, shape):
    for lines, shape_of, values_of in report.explanations:
        if key in (shape_of if shape else values_of):
            report.line(_("Size formula:"))
            for line in lines:
                report.line("  " + line)
            return True
    return False


def _mismatch_table(report, bad, outcomes, opts):
    """The table of differing values (as a Report table, so every format draws it)."""
    from nncalc.cli.numbers import exact
    several_keys = any(o.key != "result" for o in outcomes)
    limit = max(VERDICT_ROWS, opts.max_steps)
    cols, untraced = [[] for _ in range(5)], 0
    for m in bad[:limit]:
        where, traced = _trace_label(report, m)
        untraced += not traced
        where += "" if traced else " *"
        cells = [f"{m.key} {where}".strip() if several_keys or not where else where,
                 m.written or exact(m.expected), exact(m.got), f"{m.difference:+.3g}",
                 _allowed_text(m, opts)]
        for col, cell in zip(cols, cells):
            col.append(cell)
    report.table([_("position"), _("expected"), _("got"), _("difference"), _("allowed")], cols,
                 numeric=[False, True, True, True, True], every_row=True)
    if len(bad) > limit:
        report.line(_("… {n:,} more differ (raise --max-steps to list them)").format(n=len(bad) - limit))
    if untraced:
        report.line(_("* past the first {n:,} steps a check traces: no trace row to show").format(
            n=EXPECT_TRACE_STEPS))


def _allowed_text(m, opts):
    from nncalc.core import check
    given = opts.tol is not None or opts.rtol is not None
    if not given and (m.written is None or check.half_unit(m.written) is None):
        return _("exact")       # relative 1e-9: float rounding only
    return f"±{m.allowed:.3g}"


def _trace_label(report, m):
    """(the position as the trace writes it, whether its row is traced); marks that row to be shown.

    Untraced (past the steps computed) or without a step table: the value's own index."""
    traced = True
    for block in report.blocks:
        if block[0] != "table" or block[-1]["locate"] is None:
            continue
        step = block[-1]["locate"](m.key, m.position)
        if step is None:
            continue
        columns, per = block[2], block[5]
        if step * per < len(columns[0]):
            block[-1]["force"].add(step)
            cell = columns[0][step * per:step * per + 1]
            return str(list(cell)[0] if not hasattr(cell, "tolist") else cell.tolist()[0]), True
        traced = False
    if m.single or not m.position:
        return "", traced
    return (str(m.position[0]) if len(m.position) == 1 else str(m.position)), traced
