"""The package layout keeps TensorFlow on the train/ side: importing every module under
compiler/, deploy/ and measure/ (and the top-level modules) must not import TensorFlow."""
import subprocess
import sys
from pathlib import Path

import pytest

import tinydeploy

pytestmark = pytest.mark.unit

PKG = Path(tinydeploy.__file__).resolve().parent
TF_FREE = ("compiler", "deploy", "measure", "report")


def _modules(part: str) -> list[str]:
    root = PKG / part
    return sorted("tinydeploy." + ".".join(p.relative_to(PKG).with_suffix("").parts)
                  .removesuffix(".__init__") for p in root.rglob("*.py"))


@pytest.mark.parametrize("part", TF_FREE)
def test_part_does_not_import_tensorflow(part):
    mods = _modules(part)
    assert mods
    code = ("import importlib, sys\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('tensorflow', 'tf_keras', 'keras', 'tensorflow_model_optimization')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "[]", f"{part}/ imports TensorFlow: {r.stdout.strip()}"


def test_top_level_holds_at_most_six_modules():
    top = sorted(p.name for p in PKG.glob("*.py"))
    assert len(top) <= 6, top


def test_every_subpackage_says_what_it_does():
    for init in PKG.rglob("__init__.py"):
        if init.parent == PKG:
            continue
        assert init.read_text().startswith('"""'), f"{init} has no docstring"


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start:end if end >= 0 else None]


def test_the_trees_name_every_module():
    """docs/architecture.md's tree names every module (lower/'s op families as a list) and
    the README's layout every subpackage, so a newcomer finds the pipeline in them."""
    root = PKG.parent
    tree = _section((root / "docs" / "architecture.md").read_text(), "## The tree")
    layout = _section((root / "README.md").read_text(), "## Layout")
    subpackages = sorted(p.parent.name for p in PKG.glob("*/__init__.py"))
    assert [s for s in subpackages if f"{s}/" not in tree] == []
    assert [s for s in subpackages if s != "progress" and f"{s}/" not in layout] == []
    missing = [str(p.relative_to(PKG)) for p in PKG.rglob("*.py")
               if p.stem not in ("__init__", "__main__") and p.parent.name != "lower"
               and p.name not in tree]
    assert missing == [], "add these to docs/architecture.md's tree"
