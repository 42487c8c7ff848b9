"""Reads the API needs beyond the ``Store`` contract, kept here (read-only) until the store
grows them: keyset pagination of a search, zero-filled volume series, the newest counted minute.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, NamedTuple

import orjson

from tocsin.errors import UsageError
from tocsin.store.base import Bucket, SearchQuery, StoredMention
from tocsin.store.rollup import ALL
from tocsin.store.sqlite import SQLiteStore

if TYPE_CHECKING:
    from tocsin.domain.incident import Incident
    from tocsin.incidents import Explanation
    from tocsin.respond.moderation import Decision

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EARLIEST = _EPOCH + timedelta(days=1)  # room for windows that reach back a little
_LATEST = datetime(2999, 12, 31, tzinfo=UTC)
_RELATIVE = re.compile(r"^(\d{1,6})([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
BUCKET_SIZE = {
    "minute": timedelta(minutes=1),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
}
#: Buckets shown when the caller gives no ``since``.
DEFAULT_BUCKETS = {"minute": 60, "hour": 48, "day": 30}
MAX_BUCKETS = 10_000
#: Posts sharing the cursor's exact microsecond that a page may skip over.
_MAX_TIES = 10_000


def parse_time(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """``2026-11-02``, ``2026-11-02T14:00``, ``…+01:00`` (UTC if no offset) or ``36h`` / ``7d``
    before now."""
    if value is None or not value.strip():
        return None
    rel = _RELATIVE.match(value.strip())
    try:
        if rel:
            delta = timedelta(**{_UNITS[rel.group(2)]: int(rel.group(1))})
            dt = (now or datetime.now(UTC)) - delta
        else:
            dt = datetime.fromisoformat(value.strip())
            dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    except (ValueError, OverflowError):
        raise UsageError(
            f"cannot read the date {value[:40]!r}: use 2026-11-02, 2026-11-02T14:00 or 36h / 7d"
        ) from None
    if not _EARLIEST <= dt <= _LATEST:
        raise UsageError(f"the date {value[:40]!r} is out of range (1970 to 2999)")
    return dt


# -- search pages -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a page ended: the last post's time and key (results are newest first)."""

    created_at: datetime
    platform: str
    native_id: str

    def encode(self) -> str:
        us = (self.created_at - _EPOCH) // timedelta(microseconds=1)
        raw = orjson.dumps([us, self.platform, self.native_id])
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, value: str) -> Cursor:
        try:
            raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
            us, platform, native_id = orjson.loads(raw)
            if not (
                isinstance(us, int) and isinstance(platform, str) and isinstance(native_id, str)
            ):
                raise ValueError
            return cls(_EPOCH + timedelta(microseconds=us), platform, native_id)
        except (ValueError, TypeError, OverflowError, binascii.Error, orjson.JSONDecodeError):
            raise UsageError(
                "invalid cursor: pass back the next_cursor of a previous page"
            ) from None


def search_page(
    store: SQLiteStore, query: SearchQuery, limit: int, cursor: Cursor | None = None
) -> tuple[list[StoredMention], Cursor | None]:
    """One page of ``store.search`` (newest first) after ``cursor``, and the next cursor."""
    until = query.until
    if cursor is not None:
        # The store orders by (created_at, row id) descending: restart at the cursor's time and
        # skip the posts of that same microsecond up to and including the cursor's post.
        after = cursor.created_at + timedelta(microseconds=1)
        until = after if until is None else min(until, after)
    q = replace(query, until=until, limit=limit + 1 + (_MAX_TIES if cursor else 0))
    page: list[StoredMention] = []
    skipping = cursor is not None
    results = store.search(q)
    try:
        for item in results:
            m = item.mention
            if skipping and cursor is not None:
                if m.created_at == cursor.created_at:
                    if m.key == (cursor.platform, cursor.native_id):
                        skipping = False
                    continue
                skipping = False
            page.append(item)
            if len(page) > limit:
                break
    finally:
        close = getattr(results, "close", None)
        if close is not None:  # a generator: release its database cursor now
            close()
    if len(page) <= limit:
        return page, None
    last = page[limit - 1].mention
    return page[:limit], Cursor(last.created_at, last.platform, last.native_id)


# -- volumes -----------------------------------------------------------------------------------


def floor_bucket(dt: datetime, bucket: Bucket) -> datetime:
    size = BUCKET_SIZE[bucket]
    return _EPOCH + ((dt - _EPOCH) // size) * size


def newest_minute(store: SQLiteStore) -> datetime | None:
    """Start of the newest minute counted in the rollups (any watch)."""
    row = store.db.execute("SELECT max(minute) FROM rollup_minute WHERE watch_id = ?", (ALL,))
    minute = row.fetchone()[0]
    return None if minute is None else _EPOCH + timedelta(minutes=minute)


def volume_window(
    store: SQLiteStore, bucket: Bucket, since: datetime | None, until: datetime | None
) -> tuple[datetime, datetime]:
    """The window to show, aligned on buckets. Without ``until`` it ends with the newest counted
    minute (or now); without ``since`` it spans ``DEFAULT_BUCKETS``."""
    size = BUCKET_SIZE[bucket]
    if until is None:
        newest = newest_minute(store)
        until = (newest + timedelta(minutes=1)) if newest else datetime.now(UTC)
    end = floor_bucket(until - timedelta(microseconds=1), bucket) + size
    start = floor_bucket(since, bucket) if since else end - DEFAULT_BUCKETS[bucket] * size
    if start >= end:
        raise UsageError("since must be before until")
    if (end - start) / size > MAX_BUCKETS:
        raise UsageError(f"at most {MAX_BUCKETS} {bucket}s at once: narrow since/until")
    return start, end


class TimelinePoint(NamedTuple):
    """One bucket of a watch: its volume and, among the analysed posts, the count per label."""

    start: datetime
    volume: int
    negative: int = 0
    neutral: int = 0
    positive: int = 0


def timeline(
    store: SQLiteStore, watch_ids: Sequence[str], bucket: Bucket, start: datetime, end: datetime
) -> dict[str, list[TimelinePoint]]:
    """Per watch, every bucket of [start, end) with its volume and sentiment, zeros included."""
    size = BUCKET_SIZE[bucket]
    n = int((end - start) / size)
    starts = [start + i * size for i in range(n)]
    series = {w: {s: TimelinePoint(s, 0) for s in starts} for w in watch_ids}
    for p in store.volume(list(watch_ids), start, end, bucket):
        if p.watch_id in series and p.bucket_start in series[p.watch_id]:
            series[p.watch_id][p.bucket_start] = TimelinePoint(
                p.bucket_start, p.volume, p.negative, p.neutral, p.positive
            )
    return {w: list(points.values()) for w, points in series.items()}


def volume_series(
    store: SQLiteStore, watch_ids: Sequence[str], bucket: Bucket, start: datetime, end: datetime
) -> dict[str, list[tuple[datetime, int]]]:
    """Per watch, every bucket of [start, end) with its volume, zeros included."""
    return {
        w: [(p.start, p.volume) for p in points]
        for w, points in timeline(store, watch_ids, bucket, start, end).items()
    }


@dataclass(frozen=True)
class IncidentView:
    """An incident's explanation, its top posts as stored (in the explanation's order) and the
    moderators' decisions on them: what the incident page and endpoint both show."""

    explanation: Explanation
    posts: list[StoredMention]
    hidden: dict[tuple[str, str], Decision]


def incident_view(store: SQLiteStore, incident: Incident) -> IncidentView:
    from tocsin.incidents import MonitorConfig, explain
    from tocsin.respond import moderation

    explanation = explain(store, incident, MonitorConfig().bucket)
    found = store.get_mentions(m.key for m in explanation.top_posts)
    posts = [found[m.key] for m in explanation.top_posts if m.key in found]
    hidden = moderation.hidden_among(store.db, (i.mention.key for i in posts))
    return IncidentView(explanation, posts, hidden)
