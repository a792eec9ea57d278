"""Theorems are data: each family module declares ``THEOREMS``; collecting them has no side
effect, so importing or reloading a family module (as a notebook does) is harmless."""

import ast
import importlib
import pathlib
import subprocess
import sys
import textwrap

from mdlp.compare import theorems
from mdlp.families import FAMILIES
from mdlp.problems import get_family
from mdlp.theorems import Theorem


def test_reloading_family_modules_is_harmless():
    """Reloaded in a separate interpreter, so that this suite's classes stay the registered
    ones."""
    code = textwrap.dedent(
        """
        import importlib
        from mdlp.compare import theorems
        from mdlp.families import FAMILIES
        before = sorted(t.key for t in theorems())
        for module in sorted({f.module for f in FAMILIES.values()}):
            importlib.reload(importlib.import_module(module))
        after = sorted(t.key for t in theorems())
        assert before == after and len(after) == len(set(after)), (before, after)
        print(len(after))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) >= len(FAMILIES)


def test_every_family_declares_its_rows_as_data():
    keys = {t.key for t in theorems()}
    for kind in FAMILIES:
        declared = get_family(kind).declared_theorems()
        assert all(isinstance(t, Theorem) and t.family == kind for t in declared)
        assert {t.key for t in declared} <= keys


def test_no_family_module_imports_the_comparison_layer():
    """The families declare data; only ``mdlp.compare`` runs it (no import cycle)."""
    root = pathlib.Path(importlib.import_module("mdlp").__file__).parent
    for path in (root / "problems").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module != "mdlp.compare", f"{path.name} imports mdlp.compare"


def test_no_family_imports_another_family():
    """Families share code only through the builder, grids, solvers and the theory modules:
    a module of one family (or family package) never imports another family's module."""
    root = pathlib.Path(importlib.import_module("mdlp").__file__).parent / "problems"
    homes = {f.module for f in FAMILIES.values()}
    for path in root.rglob("*.py"):
        rel = path.relative_to(root.parent.parent).with_suffix("")
        me = ".".join(rel.parts).removesuffix(".__init__")
        own = {h for h in homes if me == h or me.startswith(h + ".")}
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                other = {h for h in homes if name == h or name.startswith(h + ".")}
                assert not (other - own), f"{me} imports {name}"
