"""Incidents, their signals and the monitor's detector state on SQLite (migration
``m006_incidents``), plus the reads an incident's explanation needs.

Detector state is a pickle written by this program only: the database is trusted like the code
(anyone who can write it can already change every alert)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from tocsin.domain import Incident, Mention, Signal
from tocsin.store.sqlite import _MENTION_COLUMNS, _mention
from tocsin.store.times import US_PER_MINUTE, from_us, to_us

_INCIDENT_COLUMNS = (
    "id, watch_id, story, status, onset, opened_at, last_signal_at, resolved_at, severity, "
    "peak_severity, alerted_severity, kinds, signal_count, buckets, max_score"
)
_M_COLUMNS = ", ".join("m." + c.strip() for c in _MENTION_COLUMNS.split(","))


def _incident(row: Sequence[Any]) -> Incident:
    (i, w, story, status, onset, opened, last, resolved, sev, peak, alerted, kinds, n, b, mx) = row
    return Incident(
        id=i,
        watch_id=w,
        story=story,
        status=status,
        onset=from_us(onset),
        opened_at=from_us(opened),
        last_signal_at=from_us(last),
        resolved_at=None if resolved is None else from_us(resolved),
        severity=sev,
        peak_severity=peak,
        alerted_severity=alerted,
        kinds=tuple(orjson.loads(kinds)),
        signal_count=n,
        buckets=b,
        max_score=mx,
    )


class SQLiteIncidents:
    """On the store's connection; the caller owns transactions (the monitor writes a tick's
    state, incidents and alerts in one)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- incidents -----------------------------------------------------------------------------
    def put(self, inc: Incident) -> None:
        self.db.execute(
            f"INSERT INTO incidents ({_INCIDENT_COLUMNS}, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
            "SET status=excluded.status, last_signal_at=excluded.last_signal_at, "
            "resolved_at=excluded.resolved_at, severity=excluded.severity, "
            "peak_severity=excluded.peak_severity, alerted_severity=excluded.alerted_severity, "
            "kinds=excluded.kinds, signal_count=excluded.signal_count, "
            "buckets=excluded.buckets, max_score=excluded.max_score, "
            "updated_at=excluded.updated_at",
            (
                inc.id,
                inc.watch_id,
                inc.story,
                inc.status,
                to_us(inc.onset),
                to_us(inc.opened_at),
                to_us(inc.last_signal_at),
                None if inc.resolved_at is None else to_us(inc.resolved_at),
                inc.severity,
                inc.peak_severity,
                inc.alerted_severity,
                orjson.dumps(list(inc.kinds)).decode(),
                inc.signal_count,
                inc.buckets,
                inc.max_score,
                time.time_ns() // 1000,
            ),
        )

    def get(self, incident_id: str) -> Incident | None:
        row = self.db.execute(
            f"SELECT {_INCIDENT_COLUMNS} FROM incidents WHERE id = ?", (incident_id,)
        ).fetchone()
        return None if row is None else _incident(row)

    def find(
        self, *, status: str | None = None, watch_id: str | None = None, limit: int = 100
    ) -> list[Incident]:
        """Newest onset first."""
        where, params = [], []
        if status is not None:
            where.append("status = ?")
            params.append(status)
        if watch_id is not None:
            where.append("watch_id = ?")
            params.append(watch_id)
        sql = f"SELECT {_INCIDENT_COLUMNS} FROM incidents"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY onset DESC, id DESC LIMIT ?"
        return [_incident(r) for r in self.db.execute(sql, (*params, limit))]

    def add_signals(self, incident_id: str, signals: Iterable[Signal]) -> None:
        """Upsert: a bucket seen again keeps its strongest signal per kind and subject."""
        self.db.executemany(
            "INSERT INTO incident_signals (incident_id, kind, subject, at, score, expected, "
            "observed, mention_keys, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (incident_id, kind, subject, at) DO UPDATE SET score=excluded.score, "
            "expected=excluded.expected, observed=excluded.observed, "
            "mention_keys=excluded.mention_keys, details=excluded.details "
            "WHERE excluded.score > incident_signals.score",
            [
                (
                    incident_id,
                    s.kind,
                    s.subject,
                    to_us(s.at),
                    s.score,
                    s.expected,
                    s.observed,
                    orjson.dumps([list(k) for k in s.mention_keys]).decode(),
                    orjson.dumps(s.details, option=orjson.OPT_NON_STR_KEYS).decode(),
                )
                for s in signals
            ],
        )

    def signals(self, incident_id: str) -> list[Signal]:
        rows = self.db.execute(
            "SELECT i.watch_id, s.kind, s.at, s.score, s.subject, s.expected, s.observed, "
            "s.mention_keys, s.details FROM incident_signals s JOIN incidents i "
            "ON i.id = s.incident_id WHERE s.incident_id = ? ORDER BY s.at, s.kind, s.subject",
            (incident_id,),
        )
        return [
            Signal(
                watch_id=w,
                kind=k,
                at=from_us(at),
                score=sc,
                subject=sub,
                expected=e,
                observed=o,
                mention_keys=tuple((p, n) for p, n in orjson.loads(keys)),
                details=orjson.loads(details),
            )
            for w, k, at, sc, sub, e, o, keys, details in rows
        ]

    # -- detector state ------------------------------------------------------------------------
    def load_state(self, watch_id: str, detector: str) -> tuple[int, bytes] | None:
        row = self.db.execute(
            "SELECT next_bucket, state FROM detector_state WHERE watch_id = ? AND detector = ?",
            (watch_id, detector),
        ).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def save_state(self, watch_id: str, detector: str, next_bucket: int, state: bytes) -> None:
        self.db.execute(
            "INSERT INTO detector_state (watch_id, detector, next_bucket, state, updated_at) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (watch_id, detector) DO UPDATE SET "
            "next_bucket=excluded.next_bucket, state=excluded.state, "
            "updated_at=excluded.updated_at",
            (watch_id, detector, next_bucket, state, time.time_ns() // 1000),
        )

    def forget_state(self, watch_id: str) -> None:
        self.db.execute("DELETE FROM detector_state WHERE watch_id = ?", (watch_id,))

    # -- reads for the monitor and explanations ------------------------------------------------
    def first_minute(self, watch_id: str) -> int | None:
        row = self.db.execute(
            "SELECT min(minute) FROM rollup_minute WHERE watch_id = ? AND volume > 0", (watch_id,)
        ).fetchone()
        return None if row is None or row[0] is None else int(row[0])

    def rollup(
        self, watch_id: str, since: datetime, until: datetime, bucket_minutes: int
    ) -> dict[int, tuple[int, int, int, int]]:
        """(volume, negative, neutral, positive) by bucket index (minutes // bucket_minutes)."""
        rows = self.db.execute(
            f"SELECT minute / {bucket_minutes} AS b, sum(volume), sum(negative), sum(neutral), "
            "sum(positive) FROM rollup_minute WHERE watch_id = ? AND minute >= ? AND minute < ? "
            "GROUP BY b",
            (watch_id, to_us(since) // US_PER_MINUTE, -(-to_us(until) // US_PER_MINUTE)),
        )
        return {int(b): (int(v), int(n), int(u), int(p)) for b, v, n, u, p in rows}

    def mentions(
        self, watch_id: str, since: datetime, until: datetime, *, limit: int = 5_000
    ) -> list[Mention]:
        """The watch's mentions posted in ``[since, until)``, oldest first (the newest
        ``limit`` of them)."""
        rows = self.db.execute(
            f"SELECT {_M_COLUMNS} FROM mention_watches w JOIN mentions m ON m.id = w.mention_id "
            "WHERE w.watch_id = ? AND w.created_at >= ? AND w.created_at < ? "
            "ORDER BY w.created_at DESC, w.mention_id DESC LIMIT ?",
            (watch_id, to_us(since), to_us(until), limit),
        ).fetchall()
        return [_mention(r) for r in reversed(rows)]

    def top_reach(
        self, watch_id: str, since: datetime, until: datetime, *, limit: int = 5
    ) -> list[Mention]:
        """The posts of the largest audiences (followers, then reposts) in ``[since, until)``."""
        rows = self.db.execute(
            f"SELECT {_M_COLUMNS} FROM mention_watches w JOIN mentions m ON m.id = w.mention_id "
            "WHERE w.watch_id = ? AND w.created_at >= ? AND w.created_at < ? "
            "ORDER BY coalesce(m.author_followers, 0) DESC, coalesce(m.reposts, 0) DESC, m.id "
            "LIMIT ?",
            (watch_id, to_us(since), to_us(until), limit),
        ).fetchall()
        return [_mention(r) for r in rows]
