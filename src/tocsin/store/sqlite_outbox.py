"""The alert outbox on SQLite (tables from migration ``m002_alert_outbox``)."""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import Any

import orjson

from tocsin.domain import Alert, Channel, ChannelKind
from tocsin.store.outbox import Delivery
from tocsin.store.times import from_us, to_us


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
        stored = orjson.dumps(alert.as_dict()).decode()
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO outbox (alert_key, channel, alert, status, next_attempt_at, "
            "created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
            [(alert.key, name, stored, to_us(now), to_us(now)) for name in targets],
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
                i,
                Alert.from_dict(orjson.loads(a)),
                ch,
                st,
                n,
                from_us(nxt),
                err,
                None if sent is None else from_us(sent),
            )
            for i, a, ch, st, n, nxt, err, sent in rows
        ]

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]:
        return self._select(
            "status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?",
            (to_us(now), limit),
        )

    def mark_sent(self, delivery_id: int, now: datetime) -> None:
        self.db.execute(
            "UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, "
            "last_error = NULL WHERE id = ?",
            (to_us(now), delivery_id),
        )

    def mark_retry(self, delivery_id: int, when: datetime, error: str) -> None:
        self.db.execute(
            "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? "
            "WHERE id = ?",
            (to_us(when), error[:500], delivery_id),
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
            (to_us(when), reason[:500], delivery_id),
        )

    def sent_since(self, channel: str, since: datetime) -> int:
        return int(
            self.db.execute(
                "SELECT count(*) FROM outbox WHERE channel = ? AND status = 'sent' "
                "AND sent_at >= ?",
                (channel, to_us(since)),
            ).fetchone()[0]
        )

    def deliveries(self, limit: int = 100) -> list[Delivery]:
        return self._select("1 ORDER BY id DESC LIMIT ?", (limit,))
