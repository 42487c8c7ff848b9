"""Watches: what a brand listens for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class WatchKind(StrEnum):
    BRAND = "brand"
    CAMPAIGN = "campaign"
    COMPETITOR = "competitor"
    TOPIC = "topic"


_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
MAX_QUERY_CHARS = 4_096


@dataclass(frozen=True, slots=True)
class Watch:
    """A named query. ``languages`` and ``platforms`` restrict it; empty means all."""

    id: str
    query: str
    kind: WatchKind = WatchKind.BRAND
    name: str = ""
    languages: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not _ID_RE.match(self.id):
            raise ValueError(
                f"watch id {self.id!r} must be 1-64 characters: lower-case letters, digits, - or _"
            )
        if len(self.query) > MAX_QUERY_CHARS:
            raise ValueError(f"watch query is longer than {MAX_QUERY_CHARS} characters")

    @property
    def label(self) -> str:
        return self.name or self.id
