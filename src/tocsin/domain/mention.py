"""Mentions and their authors: what Tocsin collects, whatever the network."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

#: Bounds applied to every post before it goes further: every post is hostile input.
MAX_TEXT_CHARS = 100_000
MAX_LIST_ITEMS = 100
MAX_FIELD_CHARS = 2_048
MAX_RAW_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class Author:
    """Who posted. ``id`` is the platform's stable id; the handle may change."""

    platform: str
    id: str
    handle: str = ""
    display_name: str = ""
    followers: int | None = None
    verified: bool | None = None


@dataclass(frozen=True, slots=True)
class Metrics:
    """Engagement counts where the source reports them; ``None`` means unknown, not zero."""

    likes: int | None = None
    reposts: int | None = None
    replies: int | None = None
    views: int | None = None

    def as_dict(self) -> dict[str, int | None]:
        return {
            "likes": self.likes,
            "reposts": self.reposts,
            "replies": self.replies,
            "views": self.views,
        }


SENTIMENT_LABELS = ("negative", "neutral", "positive")


@dataclass(frozen=True, slots=True)
class Sentiment:
    """A post's polarity: ``label`` is one of ``SENTIMENT_LABELS``; ``score`` (0–1) is the
    model's probability for that label."""

    label: str
    score: float

    def __post_init__(self) -> None:
        if self.label not in SENTIMENT_LABELS:
            raise ValueError(f"sentiment label must be one of {SENTIMENT_LABELS}: {self.label!r}")


#: Complaint score (the complaint model, 0-1) from which a post counts as a complaint.
COMPLAINT_SCORE = 0.5


@dataclass(frozen=True, slots=True)
class Mention:
    """One post, comment, article or reply, on any platform.

    Identity is ``(platform, native_id)``. ``created_at`` is always timezone-aware UTC.
    ``edited_at`` orders versions of the same post: a newer version replaces an older one.
    ``raw`` keeps the source record exactly as received (bytes), for audit and re-processing.
    The analysis fields (``sentiment``, ``emotions``, ``toxicity``, ``complaint``) are filled by
    enrichers; ``None`` (or no emotions) means "not analysed", never "neutral".
    ``emotions`` is a tuple of ``(name, score 0–1)`` pairs so the mention stays hashable.
    """

    platform: str
    native_id: str
    author: Author
    text: str
    created_at: datetime
    url: str | None = None
    title: str | None = None
    language: str | None = None
    reply_to: str | None = None
    repost_of: str | None = None
    quote_of: str | None = None
    hashtags: tuple[str, ...] = ()
    mentions: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    metrics: Metrics = field(default_factory=Metrics)
    edited_at: datetime | None = None
    raw: bytes = b""
    sentiment: Sentiment | None = None
    emotions: tuple[tuple[str, float], ...] = ()
    toxicity: float | None = None
    complaint: float | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.platform, self.native_id)

    @property
    def critical(self) -> bool | None:
        """Whether the post speaks against the brand: read as negative, or a complaint (score at
        least ``COMPLAINT_SCORE``) not read as positive — "me too, my machine leaks" is often
        worded flatly, and the sentiment model calls it neutral. ``None``: not analysed."""
        if self.sentiment is None and self.complaint is None:
            return None
        positive = self.sentiment is not None and self.sentiment.label == "positive"
        if self.sentiment is not None and self.sentiment.label == "negative":
            return True
        return self.complaint is not None and self.complaint >= COMPLAINT_SCORE and not positive

    @property
    def is_page(self) -> bool:
        """A post with a title and its own address, not a repost: an article, a blog post, a
        forum thread (what a link can lead to)."""
        return self.title is not None and self.url is not None and self.repost_of is None

    @property
    def version_time(self) -> datetime:
        return self.edited_at or self.created_at

    def with_(self, **changes: Any) -> Mention:
        return replace(self, **changes)


def utc(dt: datetime) -> datetime:
    """A timezone-aware UTC datetime; naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)
