"""The coordination and segments reads are kept while nothing is written to the database, and
computed again after any write, by this connection or another."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import tocsin.people.service as service
from tests.people.stored import BURST, T0, conversation, store_with, write
from tocsin.domain import Author, Mention, Sentiment
from tocsin.people.profiles import update_profiles
from tocsin.people.segments import watch_segments
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import SQLitePeople

UNTIL = T0 + timedelta(days=8)


@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the signals were computed."""
    calls: list[int] = []
    compute = service.coordination_signals

    def counted(*args: object, **kw: object) -> object:
        calls.append(1)
        return compute(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "coordination_signals", counted)
    return calls


def _copies(n: int, start: int) -> list[Mention]:
    text = "acme hides the recall from its customers, share before they delete it"
    return [
        Mention(
            "x", f"copy{start + i}", Author("x", f"new{start + i}", "n"), text, BURST, raw=b"{}"
        )
        for i in range(n)
    ]


def test_a_repeated_read_is_not_computed_again(computed: list[int]) -> None:
    store = store_with(conversation())
    first = service.watch_coordination(store, "acme", until=UNTIL)
    again = service.watch_coordination(store, "acme", until=UNTIL)
    assert first and again == first and len(computed) == 1
    service.watch_coordination(store, "acme", until=UNTIL - timedelta(days=1))  # other args
    assert len(computed) == 2


def test_a_write_on_the_same_connection_computes_again(computed: list[int]) -> None:
    store = store_with(conversation())
    before = service.watch_coordination(store, "acme", until=UNTIL)
    write(store, _copies(5, 0))
    after = service.watch_coordination(store, "acme", until=UNTIL)
    assert len(computed) == 2 and after != before
    assert after == service._coordination(store, "acme", None, UNTIL, None, 20_000)


def test_a_write_by_another_connection_computes_again(tmp_path: Path, computed: list[int]) -> None:
    path = str(tmp_path / "t.db")
    reader = store_with(conversation(), path)
    before = service.watch_coordination(reader, "acme", until=UNTIL)
    writer = SQLiteStore(path)
    write(writer, _copies(5, 0))
    writer.close()
    after = service.watch_coordination(reader, "acme", until=UNTIL)
    assert len(computed) == 2 and after != before
    assert service.watch_coordination(reader, "acme", until=UNTIL) == after
    assert len(computed) == 2
    reader.close()


@pytest.fixture
def segmented(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times the segments were computed."""
    calls: list[int] = []
    compute = service.watch_segments

    def counted(*args: object, **kw: object) -> object:
        calls.append(1)
        return compute(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(service, "watch_segments", counted)
    return calls


def _grump(start: int) -> list[Mention]:
    """A new detractor: 3 negative posts on 2 days."""
    grump = Author("x", "grump", "grump", "Grump", 300, False)
    return [
        Mention(
            "x",
            f"grump{start + i}",
            grump,
            f"acme broke my order again, number {i}",
            BURST + timedelta(days=i // 2, minutes=i),
            sentiment=Sentiment("negative", 0.9),
            raw=b"{}",
        )
        for i in range(3)
    ]


def _keys(found: service.WatchSegments, name: str) -> list[str]:
    return [m.key for m in found.segments[name]]


def _uncached(store: SQLiteStore) -> service.WatchSegments:
    return watch_segments(store, "acme", now=UNTIL)


def test_a_repeated_segments_read_is_not_computed_again(segmented: list[int]) -> None:
    store = store_with(conversation())
    update_profiles(store)
    first = service.segments(store, "acme", now=UNTIL)
    assert first.segments["ambassadors"] and len(segmented) == 1
    first.segments["ambassadors"].clear()  # a caller's copy: what is kept is not changed
    again = service.segments(store, "acme", now=UNTIL)
    assert len(segmented) == 1 and again == _uncached(store)
    service.segments(store, "acme", now=UNTIL, limit=3)  # other args
    assert len(segmented) == 2


def test_a_write_on_the_same_connection_computes_the_segments_again(
    segmented: list[int],
) -> None:
    store = store_with(conversation())
    update_profiles(store)
    before = service.segments(store, "acme", now=UNTIL)
    write(store, _grump(0))
    update_profiles(store)
    after = service.segments(store, "acme", now=UNTIL)
    assert len(segmented) == 2 and after == _uncached(store)
    grump = SQLitePeople(store.db).key("x", "grump")
    assert grump in _keys(after, "detractors") and grump not in _keys(before, "detractors")


def test_a_write_by_another_connection_computes_the_segments_again(
    tmp_path: Path, segmented: list[int]
) -> None:
    path = str(tmp_path / "t.db")
    reader = store_with(conversation(), path)
    update_profiles(reader)
    before = service.segments(reader, "acme", now=UNTIL)
    writer = SQLiteStore(path)
    write(writer, _grump(0))
    update_profiles(writer)
    writer.close()
    after = service.segments(reader, "acme", now=UNTIL)
    assert len(segmented) == 2 and after == _uncached(reader)
    grump = SQLitePeople(reader.db).key("x", "grump")
    assert grump in _keys(after, "detractors") and grump not in _keys(before, "detractors")
    assert service.segments(reader, "acme", now=UNTIL) == after
    assert len(segmented) == 2
    reader.close()


def test_answers_of_an_older_version_are_let_go_at_the_next_read(computed: list[int]) -> None:
    store = store_with(conversation())
    service.watch_coordination(store, "acme", until=UNTIL)
    service.watch_coordination(store, "acme", until=UNTIL - timedelta(days=1))
    assert len(service._COMPUTED[store]) == 2
    write(store, _copies(5, 0))
    service.watch_coordination(store, "acme", until=UNTIL)
    assert len(service._COMPUTED[store]) == 1  # the other answer was stale: not kept
