"""The package's architecture: layers without cycles, no private name across modules, and
consumers of results that never ask which engine made a result.

The layer and cycle contracts themselves are import-linter's (``pyproject.toml``, run by
``make lint``); this file checks what import-linter cannot see: private *names* (not modules)
imported across modules, and duck-typed engine dispatch (``hasattr``) in the consumers.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "sem_csat"
#: Modules that consume results; they see them only through ``sem_csat.contract``.
CONSUMERS = ("tables", "diagram", "report.py", "output", "comparison.py", "provenance.py", "cli")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def test_no_private_name_crosses_a_module_boundary() -> None:
    """``from sem_csat.x import _name`` is never written (private *modules*, such as
    ``sem_csat.data._common``, are import-linter's ``private_modules`` contract)."""
    crossings = []
    for path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                continue
            if not node.module.startswith("sem_csat"):
                continue  # another library's names are its business (docx's _Cell type)
            for alias in node.names:
                line = f"{_module_name(path)}: from {node.module} import {alias.name}"
                if _is_private(alias.name):
                    crossings.append(line)
    assert not crossings, "\n".join(crossings)


def _consumer_files() -> list[Path]:
    files: list[Path] = []
    for name in CONSUMERS:
        target = PACKAGE / name
        files += sorted(target.rglob("*.py")) if target.is_dir() else [target]
    return files


def test_consumers_do_not_duck_type_results() -> None:
    found = []
    for path in _consumer_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id == "hasattr":
                found.append(f"{path.name}:{node.lineno} hasattr")
            if node.func.id == "getattr":
                target = node.args[0] if node.args else None
                if not (isinstance(target, ast.Name) and target.id == "args"):  # argparse
                    found.append(f"{path.name}:{node.lineno} getattr")
    assert not found, found


def test_consumers_name_no_engine_class() -> None:
    engines = {"PLSResult", "CBSEMResult", "PLSBootstrap", "CBSEMBootstrap"}
    found = []
    for path in _consumer_files():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        found += [f"{path.name}: {n}" for n in sorted(names & engines)]
    assert not found, found


LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


@pytest.mark.skipif(not LINT_IMPORTS.is_file(), reason="import-linter is not installed")
def test_import_contracts_are_kept() -> None:
    out = subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo"],
        cwd=PACKAGE.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode == 0, out.stdout[-3000:]
    assert "0 broken" in out.stdout, out.stdout[-3000:]  # the contracts were read and checked
    assert out.stdout.count(" KEPT") == 5
