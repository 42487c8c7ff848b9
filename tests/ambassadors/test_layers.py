"""``tocsin.ambassadors`` knows nothing of HTTP, pages or the CLI; its public names are sorted."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import tocsin.ambassadors


def test_the_programme_imports_only_lower_layers() -> None:
    root = Path(str(resources.files("tocsin.ambassadors")))
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    upward = ("tocsin.api", "tocsin.web", "tocsin.cli", "tocsin.people", "fastapi", "click")
    assert sorted(m for m in found if m.startswith(upward)) == []
    # rules.py is pure: no SQL, no store.
    rules = (root / "rules.py").read_text(encoding="utf-8")
    assert "sqlite3" not in rules and "tocsin.store" not in rules and "tocsin.respond" not in rules


def test_public_names() -> None:
    assert tocsin.ambassadors.__all__ == sorted(tocsin.ambassadors.__all__)
    assert all(hasattr(tocsin.ambassadors, name) for name in tocsin.ambassadors.__all__)
