"""Alerts: what Tocsin rings, and where it must deliver them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class Alert:
    """One thing to tell people. ``key`` deduplicates: the same key is delivered once per
    channel, however many times it is raised (an incident that grows raises a new key per
    severity step, not per post)."""

    key: str
    kind: str  # "incident", "silence", …
    title: str
    summary: str
    severity: int  # 1 (note) … 10 (crisis)
    created_at: datetime
    watch_id: str | None = None
    url: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # JSON-serialisable evidence

    def __post_init__(self) -> None:
        if not 1 <= self.severity <= 10:
            raise ValueError(f"severity must be between 1 and 10, not {self.severity}")
        if not self.key or len(self.key) > 512:
            raise ValueError("an alert key is 1 to 512 characters")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: what webhooks carry and the outbox stores."""
        return {
            "key": self.key,
            "kind": self.kind,
            "title": self.title,
            "summary": self.summary,
            "severity": self.severity,
            "created_at": self.created_at.isoformat(),
            "watch_id": self.watch_id,
            "url": self.url,
            "details": self.details,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Alert:
        return cls(**{**d, "created_at": datetime.fromisoformat(d["created_at"])})


class ChannelKind(StrEnum):
    WEBHOOK = "webhook"
    SLACK = "slack"
    EMAIL = "email"


@dataclass(frozen=True, slots=True)
class Channel:
    """Where alerts go. ``target`` is a URL (webhook, Slack) or an e-mail address.
    ``secret`` signs webhooks (Standard Webhooks ``whsec_…``)."""

    name: str
    kind: ChannelKind
    target: str
    secret: str = ""
    min_severity: int = 1
    per_minute: int = 30  # rate limit: deliveries per minute on this channel
