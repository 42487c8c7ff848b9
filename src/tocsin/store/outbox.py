"""The alert outbox contract: alerts are written to the store before any delivery is tried,
so a crash, a down endpoint or a restart never loses one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from tocsin.domain import Alert, Channel

Status = Literal["pending", "sent", "failed"]


@dataclass(frozen=True, slots=True)
class Delivery:
    id: int
    alert: Alert
    channel: str
    status: Status
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    sent_at: datetime | None


class Outbox(Protocol):
    def put_channel(self, channel: Channel) -> None: ...
    def channels(self) -> list[Channel]: ...
    def remove_channel(self, name: str) -> bool: ...

    def enqueue(self, alert: Alert, now: datetime) -> int:
        """Queue the alert for every channel that takes its severity; returns how many new
        deliveries (0 when the key was already queued: deduplication)."""
        ...

    def due(self, now: datetime, limit: int = 100) -> list[Delivery]: ...
    def mark_sent(self, delivery_id: int, now: datetime) -> None: ...
    def mark_retry(self, delivery_id: int, when: datetime, error: str) -> None: ...
    def mark_failed(self, delivery_id: int, error: str) -> None: ...
    def postpone(self, delivery_id: int, when: datetime, reason: str) -> None:
        """Move a delivery later without counting an attempt (rate limits)."""
        ...

    def sent_since(self, channel: str, since: datetime) -> int: ...
    def deliveries(self, limit: int = 100) -> list[Delivery]: ...
