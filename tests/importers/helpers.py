"""Shared helpers for the importer tests."""

from __future__ import annotations

import io
from pathlib import Path

from tocsin.domain import DeadLetter, Mention
from tocsin.importers.base import Importer

SAMPLES = Path(__file__).parent / "samples"


def sample(name: str) -> Path:
    return SAMPLES / name


def read_all(
    importer: Importer, data: bytes | Path, source: str = "test"
) -> tuple[list[Mention], list[DeadLetter]]:
    """Everything ``importer`` yields for ``data``, split into mentions and dead letters
    (asserting nothing else comes out)."""
    if isinstance(data, Path):
        source = str(data)
        data = data.read_bytes()
    mentions: list[Mention] = []
    dead: list[DeadLetter] = []
    for item in importer.read(io.BytesIO(data), source):
        if isinstance(item, Mention):
            mentions.append(item)
        else:
            assert isinstance(item, DeadLetter), item
            dead.append(item)
    return mentions, dead


def check_invariants(mentions: list[Mention], dead: list[DeadLetter], fmt: str) -> None:
    """What holds for every importer's output."""
    for m in mentions:
        assert m.created_at.tzinfo is not None and m.created_at.utcoffset().total_seconds() == 0
        assert m.edited_at is None or m.edited_at.utcoffset().total_seconds() == 0
        assert m.native_id and m.platform
        assert isinstance(m.raw, bytes) and m.raw
        assert "\x00" not in m.text
    for d in dead:
        assert d.format == fmt
        assert d.reason and "\n" not in d.reason
        assert isinstance(d.raw, bytes)
        assert d.position
