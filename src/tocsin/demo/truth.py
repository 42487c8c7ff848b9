"""Ground truth of a generated stream: who the brand is, what to watch, what happened when."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple, cast

import orjson

from tocsin.domain import Watch, WatchKind, utc

IncidentKind = Literal["hashtag_hijack", "high_reach_cascade", "slow_burn_blog"]
INCIDENT_KINDS: tuple[IncidentKind, ...] = (
    "hashtag_hijack",
    "high_reach_cascade",
    "slow_burn_blog",
)


class PostLabel(NamedTuple):
    """What the generator meant a post to be: for scoring classifiers and alerts post by post."""

    #: "praise", "complaint", ... for the background; "hijack_mock", "cascade_repost", ... for
    #: incident posts.
    category: str
    #: Towards the brand: -1 negative, 0 neutral or unrelated, +1 positive.
    sentiment: int
    #: Id of the incident the post belongs to, or None for the background.
    incident: str | None = None


@dataclass(frozen=True, slots=True)
class BrandInfo:
    """The fictional brand and its competitor, as a social-media manager would describe them."""

    name: str
    sector: str
    website: str
    #: Platform -> the brand's own accounts there (handles without ``@``).
    handles: dict[str, tuple[str, ...]]
    campaign_hashtags: tuple[str, ...]
    products: tuple[str, ...]
    competitor: str
    competitor_handles: dict[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sector": self.sector,
            "website": self.website,
            "handles": {k: list(v) for k, v in self.handles.items()},
            "campaign_hashtags": list(self.campaign_hashtags),
            "products": list(self.products),
            "competitor": self.competitor,
            "competitor_handles": {k: list(v) for k, v in self.competitor_handles.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> BrandInfo:
        return cls(
            name=d["name"],
            sector=d["sector"],
            website=d["website"],
            handles={k: tuple(v) for k, v in d["handles"].items()},
            campaign_hashtags=tuple(d["campaign_hashtags"]),
            products=tuple(d["products"]),
            competitor=d["competitor"],
            competitor_handles={k: tuple(v) for k, v in d["competitor_handles"].items()},
        )


@dataclass(frozen=True, slots=True)
class Incident:
    """One bad buzz placed in the stream.

    ``onset`` is the first post of the incident (the key post), ``end`` its last post inside the
    stream; ``post_count`` counts every post generated for it (key post, reposts, quotes,
    replies, follow-ups, the brand's answers, press articles).
    """

    id: str
    kind: IncidentKind
    watch_id: str
    onset: datetime
    end: datetime
    post_count: int
    description: str
    key_platform: str | None = None
    key_post_id: str | None = None
    key_url: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "watch_id": self.watch_id,
            "onset": self.onset.isoformat(),
            "end": self.end.isoformat(),
            "post_count": self.post_count,
            "description": self.description,
            "key_platform": self.key_platform,
            "key_post_id": self.key_post_id,
            "key_url": self.key_url,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Incident:
        kind = d["kind"]
        if kind not in INCIDENT_KINDS:
            raise ValueError(f"unknown incident kind {kind!r}")
        return cls(
            id=d["id"],
            kind=cast(IncidentKind, kind),
            watch_id=d["watch_id"],
            onset=_dt(d["onset"]),
            end=_dt(d["end"]),
            post_count=int(d["post_count"]),
            description=d["description"],
            key_platform=d.get("key_platform"),
            key_post_id=d.get("key_post_id"),
            key_url=d.get("key_url"),
        )


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """Everything known about a generated stream before it is consumed."""

    seed: int
    start: datetime
    end: datetime
    posts_per_hour: float
    #: Background posts drawn for every hour plus the incidents' posts; the brand's replies to
    #: customers, drawn as the stream goes, add about 1 % more.
    estimated_posts: int
    brand: BrandInfo
    watches: list[Watch]
    incidents: list[Incident]
    #: Stretches of at least a full day with no incident post strictly inside (from the stream's
    #: start or an incident's last post to the next incident's first post or the stream's end):
    #: where every alert is a false one.
    quiet_periods: list[tuple[datetime, datetime]] = field(default_factory=list)

    def watch(self, watch_id: str) -> Watch:
        for w in self.watches:
            if w.id == watch_id:
                return w
        raise KeyError(watch_id)

    def incident(self, kind: str) -> Incident:
        for i in self.incidents:
            if i.kind == kind:
                return i
        raise KeyError(kind)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "posts_per_hour": self.posts_per_hour,
            "estimated_posts": self.estimated_posts,
            "brand": self.brand.to_dict(),
            "watches": [
                {
                    "id": w.id,
                    "query": w.query,
                    "kind": str(w.kind),
                    "name": w.name,
                    "languages": list(w.languages),
                    "platforms": list(w.platforms),
                }
                for w in self.watches
            ],
            "incidents": [i.to_dict() for i in self.incidents],
            "quiet_periods": [[a.isoformat(), b.isoformat()] for a, b in self.quiet_periods],
        }

    def to_json(self, *, indent: bool = True) -> str:
        opts = orjson.OPT_INDENT_2 if indent else 0
        return orjson.dumps(self.to_dict(), option=opts).decode()

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GroundTruth:
        return cls(
            seed=int(d["seed"]),
            start=_dt(d["start"]),
            end=_dt(d["end"]),
            posts_per_hour=float(d["posts_per_hour"]),
            estimated_posts=int(d["estimated_posts"]),
            brand=BrandInfo.from_dict(d["brand"]),
            watches=[
                Watch(
                    id=w["id"],
                    query=w["query"],
                    kind=WatchKind(w["kind"]),
                    name=w.get("name", ""),
                    languages=tuple(w.get("languages", ())),
                    platforms=tuple(w.get("platforms", ())),
                )
                for w in d["watches"]
            ],
            incidents=[Incident.from_dict(i) for i in d["incidents"]],
            quiet_periods=[(_dt(a), _dt(b)) for a, b in d.get("quiet_periods", [])],
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> GroundTruth:
        data = orjson.loads(text)
        if not isinstance(data, dict):
            raise ValueError("ground truth JSON must be an object")
        return cls.from_dict(data)


def _dt(s: str) -> datetime:
    return utc(datetime.fromisoformat(s))
