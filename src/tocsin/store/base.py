"""The ``Store`` contract. SQLite is the embedded default; PostgreSQL implements the same
contract later, and one contract test suite (tests/store/contract.py) runs against every
implementation.

Writes are idempotent on ``(platform, native_id)``: a batch writes mentions, their watch
memberships, the full-text index, the per-minute rollups and the dead letters in ONE transaction,
so a process killed at any moment leaves either all of a batch or none of it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol, runtime_checkable

from tocsin.domain import DeadLetter, Mention, Watch
from tocsin.query import WatchIndex

Bucket = Literal["minute", "hour", "day"]


@dataclass(frozen=True, slots=True)
class MatchedMention:
    """A mention ready to store: its normalised text (for full-text search) and its watches."""

    mention: Mention
    norm_text: str
    watch_ids: tuple[str, ...] = ()


@dataclass(slots=True)
class WriteResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    dead_letters: int = 0

    def __iadd__(self, other: WriteResult) -> WriteResult:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.dead_letters += other.dead_letters
        return self


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """What ``search`` accepts. ``text`` is in the watch query language."""

    text: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    watch_id: str | None = None
    limit: int = 100


@dataclass(frozen=True, slots=True)
class StoredDeadLetter:
    id: int
    received_at: datetime
    letter: DeadLetter


@dataclass(frozen=True, slots=True)
class VolumePoint:
    """Posts in one bucket; ``negative + neutral + positive`` are the analysed ones among
    ``volume`` (posts stored without analysis count in ``volume`` only)."""

    watch_id: str
    bucket_start: datetime
    volume: int
    negative: int = 0
    neutral: int = 0
    positive: int = 0


@dataclass(frozen=True, slots=True)
class StoredMention:
    mention: Mention
    watch_ids: tuple[str, ...] = field(default=())


@runtime_checkable
class Store(Protocol):
    def migrate(self) -> list[str]:
        """Apply pending migrations; returns the names applied."""
        ...

    def close(self) -> None: ...

    # watches
    def put_watch(self, watch: Watch) -> None: ...
    def remove_watch(self, watch_id: str) -> bool: ...
    def get_watch(self, watch_id: str) -> Watch | None: ...
    def list_watches(self) -> list[Watch]: ...

    # mentions
    def write(
        self, items: Sequence[MatchedMention], dead_letters: Sequence[DeadLetter] = ()
    ) -> WriteResult:
        """``write_prepared(prepare(items, dead_letters))``."""
        ...

    # ``prepare`` is pure (no database): a worker process may run it and send the result, made
    # of plain values, to the one process that writes.
    @staticmethod
    def prepare(
        items: Sequence[MatchedMention], dead_letters: Sequence[DeadLetter] = ()
    ) -> Any: ...

    def write_prepared(self, batch: Any) -> WriteResult:
        """Apply a prepared batch in one transaction."""
        ...

    def rematch(self, index: WatchIndex) -> int:
        """Match stored mentions again after watches changed; returns how many moved."""
        ...

    def get_mention(self, platform: str, native_id: str) -> StoredMention | None: ...
    def count_mentions(self) -> int: ...
    def search(self, query: SearchQuery) -> Iterator[StoredMention]: ...
    def volume(
        self,
        watch_ids: Sequence[str],
        since: datetime,
        until: datetime,
        bucket: Bucket = "hour",
    ) -> list[VolumePoint]: ...

    # people's rights
    def erase_author(self, platform: str, author_id: str) -> int:
        """Delete an author's mentions and profile; returns the mentions deleted."""
        ...

    def apply_retention(self, before: datetime) -> tuple[int, int]:
        """Delete mentions and dead letters older than ``before``."""
        ...

    # dead letters
    def dead_letters(self, limit: int = 100) -> list[StoredDeadLetter]: ...
    def count_dead_letters(self) -> int: ...
