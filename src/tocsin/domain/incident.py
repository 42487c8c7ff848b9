"""Incidents: signals of one watch and one story, grouped into one thing that grows, with a
severity, and that is resolved after quiet. An incident raises an alert when it opens and when
its severity steps up, never one per post or per signal."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

INCIDENT_STATUSES = ("open", "resolved")


@dataclass(frozen=True, slots=True)
class Incident:
    """``id`` is stable and readable (``cafelia-20250306T1100``), so a replay gives the same ids.
    ``story`` says what within the watch the incident is about: ``""`` for the watch as a whole,
    ``"hashtag_hijack:#tag"``, ``"storyline:7"`` or ``"shared_link:site.fr/page"`` for a subject
    that is its own story.

    ``onset`` is the start of the first bucket with a signal; ``opened_at`` when the incident
    was confirmed (persistence met) and its first alert raised; ``last_signal_at`` the start of
    the latest bucket with a signal. ``severity`` (1–10) is the current one, ``peak_severity``
    the highest reached, ``alerted_severity`` the highest an alert was raised for."""

    id: str
    watch_id: str
    story: str
    status: str
    onset: datetime
    opened_at: datetime
    last_signal_at: datetime
    severity: int
    peak_severity: int
    alerted_severity: int = 0
    resolved_at: datetime | None = None
    kinds: tuple[str, ...] = ()
    signal_count: int = 0
    buckets: int = 0  # distinct buckets with at least one signal
    max_score: float = 0.0

    def __post_init__(self) -> None:
        if self.status not in INCIDENT_STATUSES:
            raise ValueError(f"incident status must be one of {INCIDENT_STATUSES}: {self.status!r}")
        for name in ("severity", "peak_severity"):
            value = getattr(self, name)
            if not 1 <= value <= 10:
                raise ValueError(f"{name} must be between 1 and 10, not {value}")
        if not 0 <= self.alerted_severity <= 10:
            raise ValueError(f"alerted_severity must be between 0 and 10: {self.alerted_severity}")
        if self.peak_severity < self.severity:
            raise ValueError("peak_severity cannot be below severity")
        for name in ("onset", "opened_at", "last_signal_at", "resolved_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"an incident's {name} must be timezone-aware")
        if (self.status == "resolved") != (self.resolved_at is not None):
            raise ValueError("resolved_at is set exactly when the incident is resolved")

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    def with_(self, **changes: Any) -> Incident:
        return replace(self, **changes)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (alerts carry it)."""
        return {
            "id": self.id,
            "watch_id": self.watch_id,
            "story": self.story,
            "status": self.status,
            "onset": self.onset.isoformat(),
            "opened_at": self.opened_at.isoformat(),
            "last_signal_at": self.last_signal_at.isoformat(),
            "resolved_at": None if self.resolved_at is None else self.resolved_at.isoformat(),
            "severity": self.severity,
            "peak_severity": self.peak_severity,
            "alerted_severity": self.alerted_severity,
            "kinds": list(self.kinds),
            "signal_count": self.signal_count,
            "buckets": self.buckets,
            "max_score": self.max_score,
        }
