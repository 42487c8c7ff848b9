"""What the people and ambassador endpoints take and answer: segments with their evidence,
author profiles, possible coordination, who can help on an incident, and the ambassador
programme (enrolments, missions, leaderboard, rewards, published experiences).

Authors are shown with their identity (``IdentityPublic``, looked up in ``authors`` when the
answer is built) next to their pseudonym ``key``; the identity is ``null`` when the author no
longer has a stored post (erased, or past retention)."""

from __future__ import annotations

import math
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from tocsin.ambassadors import (
    Ambassador,
    CheckResult,
    Completion,
    Consent,
    Mission,
    PublishedExperience,
    Redemption,
    Reward,
    Standing,
)
from tocsin.ambassadors.missions import MAX_POINTS, MAX_TEXT_CHARS
from tocsin.api.routes.params import MAX_ROW_ID
from tocsin.people.coordination import CoordinationSignal
from tocsin.people.helpers import Helper
from tocsin.people.incident_roles import IncidentRole
from tocsin.people.profiles import AuthorProfile, AuthorView, DaySentiment
from tocsin.people.segments import SegmentMember
from tocsin.people.service import Identity

AmbassadorStatus = Literal["invited", "enrolled", "opted_out"]
SegmentName = Literal["ambassadors", "detractors", "critics", "brand-managers", "rising"]


def jsonable(value: Any) -> Any:
    """Evidence as JSON: times as ISO text, tuples as lists, non-finite numbers as null."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


class PostKeyPublic(BaseModel):
    platform: str
    native_id: str

    @classmethod
    def of(cls, key: tuple[str, str]) -> PostKeyPublic:
        return cls(platform=key[0], native_id=key[1])


class PostKeyIn(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    native_id: str = Field(min_length=1, max_length=512)


class IdentityPublic(BaseModel):
    platform: str
    author_id: str
    handle: str
    display_name: str

    @classmethod
    def of(cls, identity: Identity | None) -> IdentityPublic | None:
        if identity is None:
            return None
        return cls(
            platform=identity.platform,
            author_id=identity.author_id,
            handle=identity.handle,
            display_name=identity.display_name,
        )


# -- segments ---------------------------------------------------------------------------------


class SegmentMemberPublic(BaseModel):
    segment: SegmentName
    key: str = Field(description="The author's pseudonym.")
    identity: IdentityPublic | None
    score: float = Field(description="Orders members; its unit depends on the segment.")
    reasons: list[str]
    evidence: dict[str, Any] = Field(description="The numbers the rule read.")
    examples: list[PostKeyPublic]

    @classmethod
    def of(cls, m: SegmentMember, identity: Identity | None) -> SegmentMemberPublic:
        return cls(
            segment=m.segment,  # type: ignore[arg-type]  # one of SEGMENTS
            key=m.key,
            identity=IdentityPublic.of(identity),
            score=m.score if math.isfinite(m.score) else 0.0,
            reasons=list(m.reasons),
            evidence=jsonable(m.evidence),
            examples=[PostKeyPublic.of(k) for k in m.examples],
        )


class SegmentsPublic(BaseModel):
    watch_id: str
    now: datetime | None = Field(description="The time the graph was read at.")
    segments: dict[str, list[SegmentMemberPublic]]


# -- profiles ---------------------------------------------------------------------------------


class DayPublic(BaseModel):
    day: date
    posts: int
    negative: int
    neutral: int
    positive: int

    @classmethod
    def of(cls, d: DaySentiment) -> DayPublic:
        return cls(
            day=d.day, posts=d.posts, negative=d.negative, neutral=d.neutral, positive=d.positive
        )


class EngagementPublic(BaseModel):
    likes: int
    reposts: int
    replies: int


class AuthorWatchPublic(BaseModel):
    """One author in one watch."""

    watch_id: str
    platforms: list[str]
    followers: int | None = Field(description="The largest follower count seen.")
    posts: int
    reposts_made: int
    active_days: int
    engagement: EngagementPublic
    sentiment: dict[str, int] = Field(description="Analysed posts by label.")
    detailed: int
    constructive: int
    toxic: int
    first_seen: datetime
    last_seen: datetime
    days: list[DayPublic]
    recent_posts: list[PostKeyPublic]

    @classmethod
    def of(
        cls, p: AuthorProfile, days: list[DaySentiment], recent: list[tuple[str, str]]
    ) -> AuthorWatchPublic:
        return cls(
            watch_id=p.watch_id,
            platforms=list(p.platforms),
            followers=p.followers,
            posts=p.posts,
            reposts_made=p.reposts_made,
            active_days=p.active_days,
            engagement=EngagementPublic(likes=p.likes, reposts=p.reposts, replies=p.replies),
            sentiment={"negative": p.negative, "neutral": p.neutral, "positive": p.positive},
            detailed=p.detailed,
            constructive=p.constructive,
            toxic=p.toxic,
            first_seen=p.first_seen,
            last_seen=p.last_seen,
            days=[DayPublic.of(d) for d in days],
            recent_posts=[PostKeyPublic.of(k) for k in recent],
        )


class AuthorProfilePublic(BaseModel):
    platform: str
    author_id: str
    handle: str
    display_name: str
    key: str = Field(description="The pseudonym profiles are stored under.")
    watches: list[AuthorWatchPublic]

    @classmethod
    def of(cls, v: AuthorView) -> AuthorProfilePublic:
        return cls(
            platform=v.platform,
            author_id=v.author_id,
            handle=v.handle,
            display_name=v.display_name,
            key=v.key,
            watches=[
                AuthorWatchPublic.of(p, v.days.get(p.watch_id, []), v.recent.get(p.watch_id, []))
                for p in v.profiles
            ],
        )


# -- coordination -----------------------------------------------------------------------------


class AuthorRefPublic(BaseModel):
    key: str
    identity: IdentityPublic | None


class CoordinationPublic(BaseModel):
    """Possible coordination: evidence and a confidence, never an accusation."""

    kind: Literal["near_identical", "shared_link"]
    confidence: float = Field(ge=0, le=1)
    summary: str
    authors: list[AuthorRefPublic]
    posts: list[PostKeyPublic]
    first_at: datetime
    last_at: datetime
    evidence: dict[str, Any]

    @classmethod
    def of(cls, s: CoordinationSignal, names: dict[str, Identity]) -> CoordinationPublic:
        return cls(
            kind=s.kind,  # type: ignore[arg-type]
            confidence=min(1.0, max(0.0, s.confidence)) if math.isfinite(s.confidence) else 0.0,
            summary=s.summary,
            authors=[
                AuthorRefPublic(key=k, identity=IdentityPublic.of(names.get(k))) for k in s.authors
            ],
            posts=[PostKeyPublic.of(k) for k in s.mention_keys],
            first_at=s.first_at,
            last_at=s.last_at,
            evidence=jsonable(s.evidence),
        )


class CoordinationListPublic(BaseModel):
    watch_id: str
    wording: str = "possible coordination"
    data: list[CoordinationPublic]
    count: int


# -- who can help -----------------------------------------------------------------------------


class IncidentRolePublic(BaseModel):
    role: Literal["started", "amplified"]
    key: str
    identity: IdentityPublic | None
    score: float
    reasons: list[str]
    evidence: dict[str, Any]
    examples: list[PostKeyPublic]

    @classmethod
    def of(cls, r: IncidentRole, names: dict[str, Identity]) -> IncidentRolePublic:
        return cls(
            role=r.role,  # type: ignore[arg-type]
            key=r.key,
            identity=IdentityPublic.of(names.get(r.key)),
            score=r.score if math.isfinite(r.score) else 0.0,
            reasons=list(r.reasons),
            evidence=jsonable(r.evidence),
            examples=[PostKeyPublic.of(k) for k in r.examples],
        )


class HelperPublic(BaseModel):
    action: Literal["engage", "mobilise"]
    rank: int
    key: str
    identity: IdentityPublic | None
    role: Literal["critic", "brand-manager", "ambassador"]
    priority: float
    reasons: list[str]
    advice: list[str] = Field(description="The playbook: acknowledge, take it private, follow up.")
    examples: list[PostKeyPublic]
    ambassador_id: int | None = Field(
        description="The enrolled ambassador this author is, if any (missions go to them)."
    )
    ambassador_status: AmbassadorStatus | None = Field(
        default=None, description="Where this author stands in the programme, if anywhere."
    )

    @classmethod
    def of(
        cls,
        h: Helper,
        names: dict[str, Identity],
        ambassador_id: int | None,
        ambassador_status: str | None = None,
    ) -> HelperPublic:
        return cls(
            action=h.action,  # type: ignore[arg-type]
            rank=h.rank,
            key=h.key,
            identity=IdentityPublic.of(names.get(h.key)),
            role=h.role,  # type: ignore[arg-type]
            priority=h.priority if math.isfinite(h.priority) else 0.0,
            reasons=list(h.reasons),
            advice=list(h.advice),
            examples=[PostKeyPublic.of(k) for k in h.examples],
            ambassador_id=ambassador_id,
            ambassador_status=ambassador_status,  # type: ignore[arg-type]
        )


class HelpersPublic(BaseModel):
    incident_id: str
    posts_read: int
    started: list[IncidentRolePublic]
    amplified: list[IncidentRolePublic]
    helpers: list[HelperPublic] = Field(description="Critics to engage first, then ambassadors.")


# -- ambassadors ------------------------------------------------------------------------------

MissionKindName = Literal["share", "answer", "experience"]


class AmbassadorPublic(BaseModel):
    id: int
    platform: str
    author_id: str
    handle: str
    display_name: str
    country: str
    status: AmbassadorStatus
    show_name: bool = Field(description="They agreed to their name being shown in public.")
    invited_at: datetime
    invited_by: str
    enrolled_at: datetime | None
    opted_out_at: datetime | None
    erased_at: datetime | None

    @classmethod
    def of(cls, a: Ambassador) -> AmbassadorPublic:
        return cls(
            id=a.id,
            platform=a.platform,
            author_id=a.author_id,
            handle=a.handle,
            display_name=a.display_name,
            country=a.country,
            status=a.status.value,
            show_name=a.show_name,
            invited_at=a.invited_at,
            invited_by=a.invited_by,
            enrolled_at=a.enrolled_at,
            opted_out_at=a.opted_out_at,
            erased_at=a.erased_at,
        )


class ConsentPublic(BaseModel):
    id: int
    version: str
    text: str = Field(description="Word for word, as they agreed to it.")
    show_name: bool
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None

    @classmethod
    def of(cls, c: Consent) -> ConsentPublic:
        return cls(
            id=c.id,
            version=c.version,
            text=c.text,
            show_name=c.show_name,
            given_at=c.given_at,
            recorded_by=c.recorded_by,
            withdrawn_at=c.withdrawn_at,
        )


class AmbassadorDetailPublic(AmbassadorPublic):
    balance: int = Field(description="Points earned minus points spent.")
    streak: int = Field(description="Consecutive ISO weeks with a counted mission.")
    badges: dict[str, datetime] = Field(description="Badge: when it was awarded.")
    consents: list[ConsentPublic]


class AmbassadorsPublic(BaseModel):
    data: list[AmbassadorPublic]
    count: int
    excluded_countries: dict[str, str] = Field(description="Country code: why it is excluded.")


class AmbassadorInvite(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    author_id: str = Field(min_length=1, max_length=512)
    country: str = Field(min_length=2, max_length=64, description="ISO 3166 code, e.g. FR.")
    handle: str = Field(default="", max_length=200)
    display_name: str = Field(default="", max_length=200)


class AmbassadorEnrol(BaseModel):
    consent_text: str = Field(min_length=1, max_length=50_000)
    consent_version: str = Field(min_length=1, max_length=200)
    show_name: bool = False


class MissionPublic(BaseModel):
    id: int
    kind: MissionKindName
    title: str
    instructions: str
    watch_id: str | None
    incident_id: str | None
    target: PostKeyPublic | None
    link: str | None
    hashtag: str | None
    starts_at: datetime
    deadline: datetime
    points: int
    status: Literal["open", "closed"]
    created_by: str
    created_at: datetime
    assignees: list[int]

    @classmethod
    def of(cls, m: Mission) -> MissionPublic:
        target = (
            PostKeyPublic(platform=m.target_platform, native_id=m.target_id)
            if m.target_platform and m.target_id
            else None
        )
        return cls(
            id=m.id,
            kind=m.kind.value,
            title=m.title,
            instructions=m.instructions,
            watch_id=m.watch_id,
            incident_id=m.incident_id,
            target=target,
            link=m.link,
            hashtag=m.hashtag,
            starts_at=m.starts_at,
            deadline=m.deadline,
            points=m.points,
            status=m.status,  # type: ignore[arg-type]
            created_by=m.created_by,
            created_at=m.created_at,
            assignees=list(m.assignees),
        )


class MissionsPublic(BaseModel):
    data: list[MissionPublic]
    count: int


class MissionCreate(BaseModel):
    kind: MissionKindName
    title: str = Field(min_length=1, max_length=200)
    instructions: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)
    deadline: datetime
    points: int = Field(ge=0, le=MAX_POINTS)
    watch_id: str | None = Field(default=None, max_length=64)
    incident_id: str | None = Field(default=None, max_length=200)
    target: PostKeyIn | None = Field(
        default=None, description="The post to share, or whose thread to answer in."
    )
    link: str | None = Field(default=None, max_length=2_048)
    hashtag: str | None = Field(default=None, max_length=200)
    starts_at: datetime | None = None
    assignees: list[Annotated[int, Field(ge=1, le=MAX_ROW_ID)]] = Field(
        default_factory=list, max_length=500, description="Only these ambassadors (ids)."
    )


class CompletionPublic(BaseModel):
    id: int
    mission_id: int
    ambassador_id: int
    post: PostKeyPublic
    posted_at: datetime
    counted: bool
    reason: str = Field(description="Why it counted, or why it was flagged.")
    disclosure: str
    text: str
    url: str | None
    checked_at: datetime

    @classmethod
    def of(cls, c: Completion) -> CompletionPublic:
        return cls(
            id=c.id,
            mission_id=c.mission_id,
            ambassador_id=c.ambassador_id,
            post=PostKeyPublic(platform=c.platform, native_id=c.native_id),
            posted_at=c.posted_at,
            counted=c.counted,
            reason=c.reason,
            disclosure=c.disclosure,
            text=c.text,
            url=c.url,
            checked_at=c.checked_at,
        )


class CompletionsPublic(BaseModel):
    data: list[CompletionPublic]
    count: int


class StandingPublic(BaseModel):
    rank: int
    ambassador_id: int
    name: str = Field(description='Their name only with consent, else "ambassador #id".')
    points: int
    missions: int
    streak: int = Field(description="Consecutive ISO weeks with a counted mission.")

    @classmethod
    def of(cls, s: Standing) -> StandingPublic:
        return cls(
            rank=s.rank,
            ambassador_id=s.ambassador_id,
            name=s.name,
            points=s.points,
            missions=s.missions,
            streak=s.streak,
        )


class LeaderboardPublic(BaseModel):
    data: list[StandingPublic]
    count: int


class RewardPublic(BaseModel):
    id: int
    name: str
    description: str
    cost: int
    stock: int | None = Field(description="null: unlimited.")
    active: bool

    @classmethod
    def of(cls, r: Reward) -> RewardPublic:
        return cls(
            id=r.id,
            name=r.name,
            description=r.description,
            cost=r.cost,
            stock=r.stock,
            active=r.active,
        )


class RewardsPublic(BaseModel):
    data: list[RewardPublic]
    count: int


class RewardCreate(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    cost: int = Field(ge=1, le=10_000_000)
    description: str = Field(default="", max_length=2_000)
    stock: int | None = Field(default=None, ge=0, le=10_000_000)


class RewardRedeem(BaseModel):
    ambassador_id: int = Field(ge=1, le=MAX_ROW_ID)


class RedemptionPublic(BaseModel):
    id: int
    reward_id: int
    ambassador_id: int
    cost: int
    at: datetime
    recorded_by: str
    balance: int = Field(description="The ambassador's balance after it.")

    @classmethod
    def of(cls, r: Redemption) -> RedemptionPublic:
        return cls(
            id=r.id,
            reward_id=r.reward_id,
            ambassador_id=r.ambassador_id,
            cost=r.cost,
            at=r.at,
            recorded_by=r.recorded_by,
            balance=r.balance,
        )


class CountryExclude(BaseModel):
    country: str = Field(min_length=2, max_length=64, description="ISO 3166 code, e.g. DE.")
    reason: str = Field(min_length=1, max_length=500)


class CheckPublic(BaseModel):
    """What a check of the open missions found (``check_missions``)."""

    missions: int = Field(description="Missions checked.")
    counted: list[CompletionPublic]
    flagged: list[CompletionPublic] = Field(description="Matching posts without a disclosure.")
    badges: list[tuple[int, str]] = Field(description="(ambassador id, badge) awarded.")

    @classmethod
    def of(cls, r: CheckResult) -> CheckPublic:
        return cls(
            missions=r.missions,
            counted=[CompletionPublic.of(c) for c in r.counted],
            flagged=[CompletionPublic.of(c) for c in r.flagged],
            badges=list(r.badges),
        )


class ExperiencePublic(BaseModel):
    """Published unedited: the text exactly as posted, with its disclosure."""

    completion_id: int
    mission_id: int
    platform: str
    text: str
    disclosure: str
    author: str | None = Field(description="Only with their consent.")
    url: str | None = Field(description="Only with their consent.")
    posted_at: datetime

    @classmethod
    def of(cls, x: PublishedExperience) -> ExperiencePublic:
        return cls(
            completion_id=x.completion_id,
            mission_id=x.mission_id,
            platform=x.platform,
            text=x.text,
            disclosure=x.disclosure,
            author=x.author,
            url=x.url,
            posted_at=x.posted_at,
        )


class ExperiencesPublic(BaseModel):
    data: list[ExperiencePublic]
    count: int
