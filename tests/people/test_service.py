"""The coordination read is kept while nothing is written to the database, and computed again
after any write, by this connection or another."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

import tocsin.people.service as service
from tests.people.stored import BURST, T0, conversation, store_with, write
from tocsin.domain import Author, Mention
from tocsin.store.sqlite import SQLiteStore

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
