"""What the incident endpoints return."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tocsin.api.models import MentionPublic
from tocsin.domain.incident import Incident
from tocsin.incidents import Explanation


class IncidentPublic(BaseModel):
    id: str
    watch_id: str
    story: str = Field(description='What within the watch: "" for the watch as a whole.')
    status: Literal["open", "resolved"]
    onset: datetime
    opened_at: datetime
    last_signal_at: datetime
    resolved_at: datetime | None
    severity: int = Field(ge=1, le=10)
    peak_severity: int = Field(ge=1, le=10)
    kinds: list[str] = Field(description="The kinds of signal seen (volume_surge, …).")
    signal_count: int
    buckets: int

    @classmethod
    def of(cls, inc: Incident) -> IncidentPublic:
        return cls(
            id=inc.id,
            watch_id=inc.watch_id,
            story=inc.story,
            status=inc.status,  # type: ignore[arg-type]  # checked by Incident
            onset=inc.onset,
            opened_at=inc.opened_at,
            last_signal_at=inc.last_signal_at,
            resolved_at=inc.resolved_at,
            severity=inc.severity,
            peak_severity=inc.peak_severity,
            kinds=list(inc.kinds),
            signal_count=inc.signal_count,
            buckets=inc.buckets,
        )


class IncidentsPublic(BaseModel):
    data: list[IncidentPublic]
    count: int


class TermPublic(BaseModel):
    term: str
    z: float = Field(description="Log-odds z-score against the week before the onset.")


class AuthorCountPublic(BaseModel):
    author: str
    posts: int
    followers: int


class CountPublic(BaseModel):
    key: str
    count: int


class TimelinePointPublic(BaseModel):
    start: datetime
    volume: int
    negative: int


class SignalPublic(BaseModel):
    kind: str
    at: datetime
    score: float
    subject: str
    expected: float | None
    observed: float | None


class ExplanationPublic(BaseModel):
    """Why the incident rang: terms against the baseline, reach, sentiment, timeline."""

    start: datetime
    end: datetime
    volume: int
    terms: list[TermPublic]
    top_posts: list[MentionPublic]
    top_authors: list[AuthorCountPublic]
    sentiment_before: dict[str, int]
    sentiment_now: dict[str, int]
    languages: list[CountPublic]
    platforms: list[CountPublic]
    timeline: list[TimelinePointPublic]
    signals: list[SignalPublic]

    @classmethod
    def of(cls, e: Explanation, top_posts: list[MentionPublic]) -> ExplanationPublic:
        return cls(
            start=e.start,
            end=e.end,
            volume=e.volume,
            terms=[TermPublic(term=t, z=round(z, 3)) for t, z in e.terms],
            top_posts=top_posts,
            top_authors=[
                AuthorCountPublic(author=a, posts=n, followers=f) for a, n, f in e.top_authors
            ],
            sentiment_before=e.sentiment_before,
            sentiment_now=e.sentiment_now,
            languages=[CountPublic(key=k, count=v) for k, v in e.languages],
            platforms=[CountPublic(key=k, count=v) for k, v in e.platforms],
            timeline=[TimelinePointPublic(start=t, volume=v, negative=n) for t, v, n in e.timeline],
            signals=[
                SignalPublic(
                    kind=s.kind,
                    at=s.at,
                    score=s.score,
                    subject=s.subject,
                    expected=s.expected,
                    observed=s.observed,
                )
                for s in e.signals
            ],
        )


class IncidentDetailPublic(BaseModel):
    incident: IncidentPublic
    explanation: ExplanationPublic
