"""Every `console` example in README.md (in English) and README.zh-CN.md (in Chinese, as its
readers set NNCALC_LANG=zh) is run and must print what the README shows.

A line that is only '…' in README stands for lines left out: the shown lines
must then appear in order. Examples run the installed console script in an
empty temporary directory, so they cannot depend on files a newcomer lacks.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
README_ZH = README.with_name("README.zh-CN.md")
LANGUAGE_OF = {README: "en", README_ZH: "zh"}


def examples(readme=README):
    found = []
    for block in re.findall(r"```console\n(.*?)```", readme.read_text(encoding="utf-8"), re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, shown = chunk.partition("\n")
            found.append((command, shown.rstrip("\n").split("\n") if shown.strip() else []))
    return found


def all_examples():
    return [(readme, command, shown) for readme in (README, README_ZH) for command, shown in examples(readme)]


def script_dir():
    here = Path(sys.executable).parent
    if (here / "nncalc").exists():
        return str(here)
    found = shutil.which("nncalc")
    if not found:
        pytest.skip("the nncalc console script is not installed")
    return str(Path(found).parent)


@pytest.mark.parametrize("readme", [README, README_ZH], ids=["README", "README.zh-CN"])
def test_readme_has_examples_for_every_command(readme):
    commands = {c.split()[1] for c, _ in examples(readme) if c.startswith("nncalc ")}
    assert {"activate", "conv", "pool", "outsize", "backprop", "loss"} <= commands


def test_readme_commands_table_lists_every_command():
    from nncalc.cli.main import cli
    section = README.read_text(encoding="utf-8").split("## Commands", 1)[1].split("\n### ", 1)[0]
    listed = re.findall(r"^\| `([a-z]+)` \|", section, re.M)
    assert sorted(listed) == sorted(cli.list_commands(None))


def test_readme_links_the_chinese_one_at_the_top():
    assert "(README.zh-CN.md)" in "\n".join(README.read_text(encoding="utf-8").splitlines()[:5])


@pytest.mark.parametrize("readme, command, shown", all_examples(),
                         ids=[f"{r.stem}: {c[:50]}" for r, c, _ in all_examples()])
def test_readme_example_prints_what_readme_shows(readme, command, shown, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("_NNCALC_COMPLETE")
           and k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.update(PATH=script_dir() + os.pathsep + env.get("PATH", ""), NO_COLOR="1", COLUMNS="80",
               NNCALC_LANG=LANGUAGE_OF[readme])
    env.pop("NNCALC_DEBUG", None)
    proc = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env,
                          cwd=tmp_path, timeout=120)
    got = (proc.stdout + proc.stderr).rstrip("\n").split("\n")
    assert shows(shown, got), "README shows:\n" + "\n".join(shown) + "\n\nprinted:\n" + "\n".join(got)


def shows(shown, got):
    """GOT as README SHOWS it: a line that is only '…' stands for lines left out there, and only
    there; the runs of lines between them are printed whole, in order, from the first line to
    the last unless a '…' opens or closes the example."""
    runs = [[]]
    for line in shown:
        if line == "…":
            runs.append([])
        else:
            runs[-1].append(line)
    if len(runs) == 1:
        return got == shown
    first, *middle, last = runs
    if got[:len(first)] != first or (last and got[len(got) - len(last):] != last):
        return False
    at, end = len(first), len(got) - len(last)
    for run in middle:
        found = next((i for i in range(at, end - len(run) + 1) if got[i:i + len(run)] == run), None)
        if found is None:
            return False
        at = found + len(run)
    return at <= end


@pytest.mark.parametrize("shown, got, ok", [
    (["a", "…", "z"], ["a", "b", "c", "z"], True),
    (["a", "…", "z"], ["x", "a", "b", "z"], False),       # a line left out where no '…' stands
    (["a", "c", "…"], ["a", "b", "c", "d"], False),       # a run is printed whole
    (["…", "b", "…", "d"], ["a", "b", "c", "d"], True),
    (["a", "…"], ["a"], True),
    (["a", "…", "a"], ["a"], False),                       # one printed line cannot be two shown
])
def test_the_readme_matcher(shown, got, ok):
    assert shows(shown, got) == ok
