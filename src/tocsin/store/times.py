"""How the SQLite schema stores times: integer microseconds since the epoch, UTC (exact)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
US_PER_MINUTE = 60_000_000
_US = timedelta(microseconds=1)


def to_us(dt: datetime) -> int:
    """Exact microseconds since the epoch: times round-trip unchanged."""
    return (dt - EPOCH) // _US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)
