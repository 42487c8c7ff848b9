"""Drains the outbox: due deliveries are sent, retried with exponential backoff (or the
server's Retry-After), held back by each channel's rate limit, and given up after
``max_attempts``. Every state change is written to the store first."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tocsin.deliver.channels import (
    DEFAULT_TIMEOUT,
    PermanentDeliveryError,
    SmtpSettings,
    TransientDeliveryError,
    send,
)
from tocsin.domain import Alert, Channel
from tocsin.store.outbox import Outbox

Sender = Callable[[Channel, Alert, str, datetime], None]


@dataclass(slots=True)
class DispatchStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    rate_limited: int = 0


class Dispatcher:
    def __init__(
        self,
        outbox: Outbox,
        *,
        smtp: SmtpSettings | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_attempts: int = 8,
        base_backoff: timedelta = timedelta(seconds=30),
        max_backoff: timedelta = timedelta(hours=1),
        sender: Sender | None = None,
    ) -> None:
        self.outbox = outbox
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self._send: Sender = sender or (
            lambda ch, alert, msg_id, now: send(ch, alert, msg_id, now, smtp, timeout)
        )

    def backoff(self, attempts: int) -> timedelta:
        """30 s, 1 min, 2 min, 4 min … capped at an hour (attempts counts the failed one)."""
        return min(self.base_backoff * (2 ** max(attempts - 1, 0)), self.max_backoff)

    def run_once(self, now: datetime | None = None) -> DispatchStats:
        now = now or datetime.now(UTC)
        stats = DispatchStats()
        channels = {c.name: c for c in self.outbox.channels()}
        sent_this_minute: dict[str, int] = {}
        for delivery in self.outbox.due(now):
            channel = channels.get(delivery.channel)
            if channel is None:
                self.outbox.mark_failed(delivery.id, f"channel {delivery.channel} was removed")
                stats.failed += 1
                continue
            if channel.name not in sent_this_minute:
                sent_this_minute[channel.name] = self.outbox.sent_since(
                    channel.name, now - timedelta(minutes=1)
                )
            if sent_this_minute[channel.name] >= channel.per_minute:
                # Not an attempt: wait for the window to move.
                self.outbox.postpone(delivery.id, now + timedelta(seconds=60), "rate limited")
                stats.rate_limited += 1
                continue
            try:
                self._send(channel, delivery.alert, f"msg_{delivery.id}", now)
            except TransientDeliveryError as exc:
                attempts = delivery.attempts + 1
                if attempts >= self.max_attempts:
                    self.outbox.mark_failed(delivery.id, f"gave up after {attempts}: {exc}")
                    stats.failed += 1
                else:
                    wait = self.backoff(attempts)
                    if exc.retry_after is not None:
                        wait = max(wait, timedelta(seconds=exc.retry_after))
                    self.outbox.mark_retry(delivery.id, now + wait, str(exc))
                    stats.retried += 1
            except PermanentDeliveryError as exc:
                self.outbox.mark_failed(delivery.id, str(exc))
                stats.failed += 1
            else:
                self.outbox.mark_sent(delivery.id, now)
                sent_this_minute[channel.name] += 1
                stats.sent += 1
        return stats
