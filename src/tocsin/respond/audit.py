"""The append-only audit log: who did what to what, when.

``record`` is the only writer and it only inserts; there is no function that updates or
deletes an entry, and two triggers (migration ``m004_inbox``) make SQLite refuse any
``UPDATE`` or ``DELETE`` on the table, whoever sends it.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from tocsin.export import ColumnType, parquet_bytes, write_csv
from tocsin.respond._db import dt, now_utc, us

CSV_COLUMNS = ("id", "at", "actor", "action", "target", "details")
PARQUET_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("id", "int"),
    ("at", "time"),
    ("actor", "text"),
    ("action", "text"),
    ("target", "text"),
    ("details", "text"),
)
MAX_DETAILS_CHARS = 20_000


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]


def record(
    db: sqlite3.Connection,
    actor: str,
    action: str,
    target: str,
    details: dict[str, Any] | None = None,
    *,
    at: datetime | None = None,
) -> int:
    """Append one entry; returns its id. Call it inside the transaction of the action, so the
    action and its entry commit (or fail) together."""
    text = orjson.dumps(details or {}, default=str).decode()
    if len(text) > MAX_DETAILS_CHARS:
        text = orjson.dumps({"truncated": text[:MAX_DETAILS_CHARS]}).decode()
    cur = db.execute(
        "INSERT INTO audit_log (at, actor, action, target, details) VALUES (?, ?, ?, ?, ?)",
        (us(at or now_utc()), actor, action, target, text),
    )
    return int(cur.lastrowid or 0)


def _entry(row: tuple[int, int, str, str, str, str]) -> AuditEntry:
    at = dt(row[1])
    assert at is not None
    return AuditEntry(row[0], at, row[2], row[3], row[4], orjson.loads(row[5]))


def entries(
    db: sqlite3.Connection,
    *,
    limit: int = 100,
    before_id: int | None = None,
    target: str | None = None,
    actor: str | None = None,
) -> list[AuditEntry]:
    """Newest first; page with ``before_id`` (the last id of the previous page)."""
    where: list[str] = []
    params: list[Any] = []
    if before_id is not None:
        where.append("id < ?")
        params.append(before_id)
    if target is not None:
        where.append("target = ?")
        params.append(target)
    if actor is not None:
        where.append("actor = ?")
        params.append(actor)
    sql = "SELECT id, at, actor, action, target, details FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_entry(r) for r in db.execute(sql, params)]


def rows(items: Iterable[AuditEntry]) -> Iterator[tuple[Any, ...]]:
    """The export's rows (``CSV_COLUMNS``): ``at`` a datetime, ``details`` JSON text."""
    for e in items:
        yield (e.id, e.at, e.actor, e.action, e.target, orjson.dumps(e.details).decode())


def csv_text(items: Iterable[AuditEntry]) -> str:
    """The entries as formula-safe CSV (``tocsin.export.write_csv``)."""
    out = io.StringIO()
    write_csv(CSV_COLUMNS, ((r[0], r[1].isoformat(), *r[2:]) for r in rows(items)), out)
    return out.getvalue()


def parquet(items: Iterable[AuditEntry]) -> bytes:
    """The entries as a Parquet file: the CSV's columns, ``id`` an integer, ``at`` a UTC
    timestamp."""
    return parquet_bytes(PARQUET_COLUMNS, rows(items))
