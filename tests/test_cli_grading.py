"""README's grading loop for teaching assistants, run by bash on answer files as students write them.

The loop and the table it prints are both taken from README.md, so the README
cannot drift from what the loop does.
"""
import os
import re
import subprocess
from pathlib import Path

import pytest

from test_readme_examples import script_dir     # the installed console script's folder

README = Path(__file__).resolve().parent.parent / "README.md"

# the exercise: DLfS fig. 7-4's 4×4 ⋆ 3×3, whose answer is [[15, 16], [6, 15]]
FILES = {
    "x.txt": "1 2 3 0\n0 1 2 3\n3 0 1 2\n2 3 0 1\n",
    "k.txt": "2 0 1\n0 1 2\n1 0 2\n",
    "answers/ana.txt": "15 16\n6 15\n",                 # right
    "answers/ben.txt": "15 16\r\n6 14\r\n",              # one value wrong (written on Windows)
    "answers/chen.txt": "15 16 6 15\n",                 # the right numbers on one line: a vector
    "answers/dana.txt": "15 16\n6 1S\n",                # a typo nncalc cannot read
}


def grading_section():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### Grading a folder of answers"):]
    loop = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
    table = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    return loop, table



@pytest.mark.parametrize("lang", ["en", "zh_CN.UTF-8"])
def test_the_readme_grading_loop_prints_the_readme_score_table(tmp_path, lang):
    """Also for a Chinese TA (LANG=zh_CN): the loop pins nncalc's messages to English."""
    for name, content in FILES.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_bytes(content.encode())
    loop, table = grading_section()
    env = {k: v for k, v in os.environ.items() if not k.startswith("_NNCALC_COMPLETE")}
    env.update(PATH=script_dir() + os.pathsep + env.get("PATH", ""), NO_COLOR="1", LANG=lang)
    for name in ("NNCALC_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        env.pop(name, None)
    proc = subprocess.run(["bash", "-c", loop], capture_output=True, text=True, env=env, cwd=tmp_path,
                          timeout=300)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    assert proc.stdout == table
