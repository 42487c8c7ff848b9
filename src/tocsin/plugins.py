"""Plugin discovery. Built-ins are declared as entry points in pyproject.toml, exactly as a
third-party package would declare its own, so there is one registration path for both."""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

IMPORTERS = "tocsin.importers"
ENRICHERS = "tocsin.enrichers"


@cache
def _load(group: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for ep in sorted(entry_points(group=group), key=lambda e: e.name):
        obj = ep.load()
        found[getattr(obj, "name", ep.name)] = obj
    return found


def importers() -> dict[str, Any]:
    """Importer classes by format name."""
    return dict(_load(IMPORTERS))


def enrichers() -> dict[str, Any]:
    """Enricher classes by name."""
    return dict(_load(ENRICHERS))
