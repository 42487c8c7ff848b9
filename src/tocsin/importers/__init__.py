"""Importers: files in each platform's format, turned into mentions (or dead letters).

Importers are found through the ``tocsin.importers`` entry points (``tocsin.plugins``), so a
third-party format is detected exactly like a built-in one. ``detect`` asks every importer how
confident it is that a file's first bytes are in its format; the most confident wins.
"""

from __future__ import annotations

import math

from tocsin.errors import ImportFormatError, UsageError
from tocsin.importers.base import SNIFF_BYTES, Importer

#: Below this confidence no importer is trusted with a file.
MIN_CONFIDENCE = 0.3


def _known() -> str:
    from tocsin.plugins import importers

    return ", ".join(sorted(importers()))


def sniff_all(head: bytes, filename: str) -> list[tuple[float, str]]:
    """Every importer's confidence for this head, most confident first (ties by name)."""
    from tocsin.plugins import importers

    head = head[:SNIFF_BYTES]
    scores: list[tuple[float, str]] = []
    for name, cls in importers().items():
        try:
            score = float(cls().sniff(head, filename))
        except Exception:  # a broken plug-in must not break detection of the others
            score = 0.0
        if math.isnan(score):
            score = 0.0
        scores.append((min(max(score, 0.0), 1.0), name))
    scores.sort(key=lambda s: (-s[0], s[1]))
    return scores


def detect(head: bytes, filename: str) -> Importer:
    """An importer for the file whose first bytes are ``head`` (up to ``SNIFF_BYTES``).

    Raises ``ImportFormatError`` naming the known formats when none is confident enough."""
    scores = sniff_all(head, filename)
    if not scores or scores[0][0] < MIN_CONFIDENCE:
        what = "an empty file" if not head.strip() else "an unrecognised format"
        raise ImportFormatError(
            f"cannot detect the format of {filename or 'the input'} ({what}); "
            f"known formats: {_known()}; name one with --format"
        )
    return open_importer(scores[0][1])


def open_importer(name: str) -> Importer:
    """A new importer for the format called ``name`` (``UsageError`` if there is none)."""
    from tocsin.plugins import importers

    found = importers()
    cls = found.get(name)
    if cls is None:
        raise UsageError(f"unknown format {name!r}; known formats: {', '.join(sorted(found))}")
    importer: Importer = cls()
    return importer


__all__ = ["MIN_CONFIDENCE", "SNIFF_BYTES", "Importer", "detect", "open_importer", "sniff_all"]
