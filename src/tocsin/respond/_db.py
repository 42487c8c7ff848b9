"""Times as microseconds since the epoch (as everywhere in the store) and one transaction
helper for connections in autocommit mode."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def us(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(microseconds=1)


def dt(value: int | None) -> datetime | None:
    return None if value is None else EPOCH + timedelta(microseconds=value)


def now_utc() -> datetime:
    return datetime.now(UTC)


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (or ``ROLLBACK`` on any error). Inside a transaction
    already opened by the caller, it only runs the block: the caller commits."""
    if db.in_transaction:
        yield
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
