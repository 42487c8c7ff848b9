"""Every sample format through the real import path: detected, stored, dead letters kept, and a
second import of the same file adds nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.importers.helpers import SAMPLES
from tocsin.domain import Watch
from tocsin.engine.inprocess import import_file
from tocsin.engine.pipeline import Pipeline
from tocsin.store.sqlite import SQLiteStore

FILES = sorted(p for p in SAMPLES.rglob("*") if p.is_file() and p.name != "account.js")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(SAMPLES).as_posix())
def test_import_twice_adds_nothing(path: Path, tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    pipeline = Pipeline([Watch("any", "NOT zzzzzz")])
    first = import_file(path, store, pipeline, progress=False)
    stored = store.count_mentions()
    dead = store.count_dead_letters()
    assert first.written.inserted == stored > 0
    assert first.written.dead_letters == dead
    second = import_file(path, store, pipeline, progress=False)
    assert second.format == first.format
    assert (second.written.inserted, second.written.updated) == (0, 0)
    assert second.written.dead_letters == 0
    assert (store.count_mentions(), store.count_dead_letters()) == (stored, dead)
    store.close()
