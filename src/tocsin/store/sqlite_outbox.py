"""The alert outbox on SQLite (tables from migration ``m002_alert_outbox``)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from tocsin.domain import Alert, Channel, ChannelKind
from tocsin.store.outbox import Delivery

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _us(dt: datetime) -> int:
    return (dt - _EPOCH) // timedelta(microseconds=1)


def _dt(us: int) -> datetime:
    return _EPOCH + timedelta(microseconds=us)


def alert_to_json(alert: Alert) -> str:
    return orjson.dumps(
        {
            "key": alert.key,
            "kind": alert.kind,
            "title": alert.title,
            "summary": alert.summary,
            "severity": alert.severity,
            "created_at": alert.created_at.isoformat(),
            "watch_id": alert.watch_id,
            "url": alert.url,
            "details": alert.details,
        },
        option=orjson.OPT_NON_STR_KEYS,
    ).decode()


def alert_from_json(text: str) -> Alert:
    d = orjson.loads(text)
    return Alert(
        key=d["key"],
        kind=d["kind"],
        title=d["title"],
        summary=d["summary"],
        severity=d["severity"],
        created_at=datetime.fromisoformat(d["created_at"]),
        watch_id=d["watch_id"],
        url=d["url"],
        details=d["details"],
    )


class SQLiteOutbox:
    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def put_channel(self, channel: Channel) -> None:
        self.db.execute(
            "INSERT INTO channels (name, kind, target, secret, min_severity, per_minute) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE SET kind=excluded.kind, "
            "target=excluded.target, secret=excluded.secret, "
            "min_severity=excluded.min_severity, per_minute=excluded.per_minute",
            (
                channel.name,
                channel.kind.value,
                channel.target,
                channel.secret,
                channel.min_severity,
                channel.per_minute,
            ),
        )

    def channels(self) -> list[Channel]:
        rows = self.db.execute(
            "SELECT name, kind, target, secret, min_severity, per_minute FROM channels "
            "ORDER BY name"
        )
        return [Channel(n, ChannelKind(k), t, s, m, p) for n, k, t, s, m, p in rows]

    def remove_channel(self, name: str) -> bool:
        return self.db.execute("DELETE FROM channels WHERE name = ?", (name,)).rowcount > 0

    def enqueue(self, alert: Alert, now: datetime) -> int:
        targets = [c.name for c in self.channels() if alert.severity >= c.min_severity]
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO outbox (alert_key, channel, alert, status, next_attempt_at, "
            "created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
            [(alert.key, name, alert_to_json(alert), _us(now), _us(now)) for name in targets],
        )
        return self.db.total_changes - before

    def _select(self, where: str, params: tuple[Any, ...]) -> list[Delivery]:
        rows = self.db.execute(
            "SELECT id, alert, channel, status, attempts, next_attempt_at, last_error, sent_at "
            f"FROM outbox WHERE {where}",
            params,
        )
        return [
            Delivery(
                i, alert_from_json(a), ch, st, n, _dt(nxt), err, None if sent is None else _dt(sent)
            )
            for i, a, ch, st, n, nxt, err, sent in rows
        ]

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        return self._select(
            "status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
            (_us(now), limit),
        )

    def mark_sent(self, delivery_id: int, now: datetime) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
            "last_error = NULL WHERE id = ?",
            (_us(now), delivery_id),
        )

    def mark_retry(self, delivery_id: int, when: datetime, error: str) -> None:
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
            "WHERE id = ?",
            (_us(when), error[:500], delivery_id),
        )

    def mark_failed(self, delivery_id: int, error: str) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = ? "
            "WHERE id = ?",
            (error[:500], delivery_id),
        )

    def postpone(self, delivery_id: int, when: datetime, reason: str) -> None:
        self.db.execute(
            "UPDATE outbox SET next_attempt_at = ?, last_error = ? WHERE id = ?",
            (_us(when), reason[:500], delivery_id),
        )

    def sent_since(self, channel: str, since: datetime) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM outbox WHERE channel = ? AND status = 'sent' "
                "AND sent_at >= ?",
                (channel, _us(since)),
            ).fetchone()[0]
        )

    def deliveries(self, limit: int = 100) -> list[Delivery]:
        return self._select("1 ORDER BY id DESC LIMIT ?", (limit,))
