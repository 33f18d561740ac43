"""Shell completion of values, as bash asks for it: a subprocess with click's completion variables.

Completion runs on every Tab press: none of it may import NumPy.
"""
import os
import subprocess
import sys

import pytest

from nncalc.core import activations, losses, names

PROBE = """
import sys
from nncalc.cli.main import cli
try:
    cli.main([], prog_name="nncalc")
except SystemExit:
    pass
sys.stdout.flush()
print("NUMPY", "numpy" in sys.modules)
"""


def complete(line, cwd=None):
    """What bash completion offers for the last word of LINE (a trailing space: a new word)."""
    words = line.split() + ([""] if line.endswith(" ") else [])
    env = {k: v for k, v in os.environ.items() if k not in ("NNCALC_DEBUG",)}
    env.update(_NNCALC_COMPLETE="bash_complete", COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1))
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=60)
    *items, last = proc.stdout.splitlines()
    assert last == "NUMPY False", (proc.stdout, proc.stderr)
    return [tuple(item.split(",", 1)) for item in items if item]


def values(line, cwd=None):
    found = complete(line, cwd)
    assert all(kind == "plain" for kind, _ in found), found
    return [value for _, value in found]


def test_activation_names_and_an_alias_when_no_name_matches():
    assert values("nncalc activate s") == ["step", "sigmoid", "softplus", "silu", "softmax"]
    assert values("nncalc activate sw") == ["swish"]
    assert values("nncalc activate ") == list(names.ACTIVATIONS)


def test_activation_lists_complete_their_last_item():
    assert values("nncalc backprop --activation relu,si") == ["relu,sigmoid", "relu,silu"]
    assert values("nncalc conv 1 1 --activation le") == ["leaky-relu"]


def test_loss_names():
    assert values("nncalc loss 1 2 --loss ") == list(names.LOSSES)
    assert values("nncalc backprop --loss b") == ["bce"]
    assert values("nncalc loss 1 2 --loss xe") == ["xent"]


def test_format_values():
    assert values("nncalc activate relu 1 --format ") [:5] == ["text", "json", "csv", "tsv", "npy"]
    assert values("nncalc pool 1 --format gi") == ["github"]


@pytest.mark.parametrize("line", ["nncalc activate relu @", "nncalc conv @", "nncalc conv 1 @",
                                  "nncalc loss @", "nncalc pool 1 --backward @",
                                  "nncalc backprop --weights @"])
def test_at_file_paths(tmp_path, line):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.csv").write_text("1 2")
    (tmp_path / "k.npy").write_bytes(b"")
    (tmp_path / ".hidden").write_text("1")
    assert values(line, cwd=tmp_path) == ["@data/", "@k.npy"]
    assert values(line + "data/", cwd=tmp_path) == ["@data/x.csv"]
    assert values(line + "nothing/", cwd=tmp_path) == []


def test_numbers_are_not_guessed():
    assert values("nncalc activate relu 1") == []


def test_net_file_is_left_to_the_shell():
    assert complete("nncalc backprop --net ne") == [("file", "ne")]


def test_the_name_table_is_the_registries():
    assert activations.names() == list(names.ACTIVATIONS)
    assert losses.names() == list(names.LOSSES)
    assert {a.name: a.aliases for a in activations.all_activations()} == names.ACTIVATIONS
    with pytest.raises(RuntimeError):
        names.check_registry(names.LOSSES, ["sse", "half-sse", "mse", "bce", "cross-entropy"])
