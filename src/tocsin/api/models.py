"""What the API answers: per entity a ``…Public`` model and a ``…ListPublic(data, count)``."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tocsin.api.auth.accounts import TokenInfo, User
from tocsin.api.auth.permissions import Role, permissions_of
from tocsin.domain import Mention, Watch
from tocsin.respond.moderation import Decision
from tocsin.store.base import StoredMention


class ErrorEnvelope(BaseModel):
    ok: Literal[False] = False
    error: str
    status: int
    position: int | None = Field(
        default=None, description="Invalid query: offset of the fault (0-based)."
    )


class WatchPublic(BaseModel):
    id: str
    name: str
    kind: str
    query: str
    languages: list[str]
    platforms: list[str]

    @classmethod
    def of(cls, watch: Watch) -> WatchPublic:
        return cls(
            id=watch.id,
            name=watch.label,
            kind=watch.kind.value,
            query=watch.query,
            languages=list(watch.languages),
            platforms=list(watch.platforms),
        )


class WatchesPublic(BaseModel):
    data: list[WatchPublic]
    count: int


class AuthorPublic(BaseModel):
    platform: str
    id: str
    handle: str
    display_name: str
    followers: int | None
    verified: bool | None


class MetricsPublic(BaseModel):
    likes: int | None
    reposts: int | None
    replies: int | None
    views: int | None


class SentimentPublic(BaseModel):
    label: Literal["negative", "neutral", "positive"]
    score: float = Field(description="The model's probability for the label, 0 to 1.")


class AnalysisPublic(BaseModel):
    """What the analysis models found; ``null`` fields were not analysed."""

    sentiment: SentimentPublic | None = None
    emotions: dict[str, float] = Field(default_factory=dict, description="Name: score 0 to 1.")
    toxicity: float | None = Field(default=None, description="Insult / abuse score, 0 to 1.")
    complaint: float | None = Field(
        default=None, description="Complaint or request for help, 0 to 1."
    )

    @classmethod
    def of(cls, m: Mention) -> AnalysisPublic:
        s = m.sentiment
        return cls(
            sentiment=None
            if s is None
            else SentimentPublic.model_validate({"label": s.label, "score": s.score}),
            emotions=dict(m.emotions),
            toxicity=m.toxicity,
            complaint=m.complaint,
        )


class HiddenPublic(BaseModel):
    reason: str
    note: str | None = Field(description="Shown to moderators only.")
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, decision: Decision, *, full: bool) -> HiddenPublic:
        return cls(
            reason=decision.reason.value,
            note=decision.note if full else None,
            decided_by=decision.decided_by if full else None,
            decided_at=decision.decided_at if full else None,
        )


class MentionPublic(BaseModel):
    platform: str
    native_id: str
    url: str | None = Field(description="As the source gave it: not checked, escape it.")
    author: AuthorPublic
    text: str
    title: str | None
    language: str | None
    created_at: datetime
    edited_at: datetime | None
    reply_to: str | None
    repost_of: str | None
    quote_of: str | None
    hashtags: list[str]
    mentions: list[str]
    links: list[str]
    metrics: MetricsPublic
    watch_ids: list[str]
    analysis: AnalysisPublic
    hidden: HiddenPublic | None = Field(
        default=None,
        description="Hidden by a moderator: the reason; text, title and links are withheld "
        "from roles that may not moderate.",
    )

    @classmethod
    def of(
        cls, item: StoredMention, hidden: Decision | None = None, *, reveal: bool = True
    ) -> MentionPublic:
        m = item.mention
        a = m.author
        withhold = hidden is not None and hidden.hidden and not reveal
        return cls(
            platform=m.platform,
            native_id=m.native_id,
            url=m.url,
            author=AuthorPublic(
                platform=a.platform,
                id=a.id,
                handle=a.handle,
                display_name=a.display_name,
                followers=a.followers,
                verified=a.verified,
            ),
            text="" if withhold else m.text,
            title=None if withhold else m.title,
            language=m.language,
            created_at=m.created_at,
            edited_at=m.edited_at,
            reply_to=m.reply_to,
            repost_of=m.repost_of,
            quote_of=m.quote_of,
            hashtags=list(m.hashtags),
            mentions=list(m.mentions),
            links=[] if withhold else list(m.links),
            metrics=MetricsPublic(**m.metrics.as_dict()),
            watch_ids=list(item.watch_ids),
            analysis=AnalysisPublic.of(m),
            hidden=HiddenPublic.of(hidden, full=reveal) if hidden and hidden.hidden else None,
        )


class MentionsPublic(BaseModel):
    data: list[MentionPublic]
    count: int
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class VolumePointPublic(BaseModel):
    """``negative + neutral + positive`` are the analysed posts among ``volume``."""

    start: datetime
    volume: int
    negative: int = 0
    neutral: int = 0
    positive: int = 0


class VolumePublic(BaseModel):
    watch_id: str
    bucket: Literal["minute", "hour", "day"]
    since: datetime
    until: datetime
    data: list[VolumePointPublic]
    count: int


class UserPublic(BaseModel):
    model_config = ConfigDict(use_enum_values=True)

    id: int
    username: str
    role: Role
    active: bool
    permissions: list[str]

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(
            id=user.id,
            username=user.username,
            role=user.role,
            active=user.active,
            permissions=sorted(p.value for p in permissions_of(user.role)),
        )


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class UserCreate(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    role: Role


class TokenPublic(BaseModel):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None

    @classmethod
    def of(cls, token: TokenInfo) -> TokenPublic:
        return cls(
            id=token.id,
            name=token.name,
            prefix=token.prefix,
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            revoked_at=token.revoked_at,
        )


class TokensPublic(BaseModel):
    data: list[TokenPublic]
    count: int


class TokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)


class TokenCreated(TokenPublic):
    token: str = Field(description="The secret, shown this once: it is stored hashed.")
