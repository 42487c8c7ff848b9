"""``tocsin.web`` builds on ``tocsin.api``; the API never imports the pages."""

from __future__ import annotations

import ast
from importlib import resources
from pathlib import Path

import tocsin.api
import tocsin.web


def _imports(package: str) -> set[str]:
    root = Path(str(resources.files(package)))
    found: set[str] = set()
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return found


def test_api_does_not_import_web_nor_the_cli() -> None:
    imported = _imports("tocsin.api")
    assert not any(m.startswith(("tocsin.web", "tocsin.cli")) for m in imported)


def test_web_does_not_import_the_cli() -> None:
    assert not any(m.startswith("tocsin.cli") for m in _imports("tocsin.web"))


def test_public_names() -> None:
    assert tocsin.api.__all__ == sorted(tocsin.api.__all__)
    assert tocsin.web.__all__ == sorted(tocsin.web.__all__)


def test_respond_knows_nothing_of_http_and_nothing_rewrites_the_audit_log() -> None:
    imported = _imports("tocsin.respond")
    assert not any(
        m.startswith(("tocsin.api", "tocsin.web", "tocsin.cli", "fastapi")) for m in imported
    )
    src = Path(str(resources.files("tocsin")))
    for path in src.rglob("*.py"):
        text = " ".join(path.read_text(encoding="utf-8").split()).lower()
        assert "update audit_log set" not in text, path
        assert "delete from audit_log" not in text, path
