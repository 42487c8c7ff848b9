"""What the inbox endpoints take and answer (cases, replies, templates, moderation, audit)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from tocsin.api.models import HiddenPublic, MentionPublic
from tocsin.respond.audit import AuditEntry
from tocsin.respond.cases import Case, Note
from tocsin.respond.moderation import Decision
from tocsin.respond.replies import Reply, Template
from tocsin.respond.rules import TRANSITIONS, EscalationRole, HideReason, Status

StatusName = Literal["new", "assigned", "waiting", "answered", "escalated", "closed"]


class CasePublic(BaseModel):
    id: int
    platform: str
    native_id: str
    reason: str
    status: StatusName
    priority: int = Field(description="0-100: reach (40), velocity (30), waiting time (30).")
    sla: Literal["ok", "warning", "breached"]
    posted_at: datetime
    opened_at: datetime
    due_at: datetime
    followers: int
    reposts: int
    assignee: str | None
    escalated_to: str | None
    escalation_reason: str | None
    updated_at: datetime
    next_statuses: list[StatusName]

    @classmethod
    def of(cls, case: Case, now: datetime) -> CasePublic:
        return cls(
            id=case.id,
            platform=case.platform,
            native_id=case.native_id,
            reason=case.reason,
            status=case.status.value,
            priority=case.priority(now),
            sla=case.sla(now),
            posted_at=case.posted_at,
            opened_at=case.opened_at,
            due_at=case.due_at,
            followers=case.followers,
            reposts=case.reposts,
            assignee=case.assignee,
            escalated_to=case.escalated_to,
            escalation_reason=case.escalation_reason,
            updated_at=case.updated_at,
            next_statuses=sorted(s.value for s in TRANSITIONS[case.status]),
        )


class CasesPublic(BaseModel):
    data: list[CasePublic]
    count: int


class NotePublic(BaseModel):
    id: int
    author: str
    body: str
    at: datetime

    @classmethod
    def of(cls, note: Note) -> NotePublic:
        return cls(id=note.id, author=note.author, body=note.body, at=note.at)


class ReplyPublic(BaseModel):
    id: int
    case_id: int
    lang: str
    body: str
    status: Literal["draft", "approved", "sent"]
    author: str
    approved_by: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    posted: bool = Field(default=False, description="Replies are recorded, not posted (yet).")
    warnings: list[str] = Field(description="Playbook: compensation, no_private_channel.")

    @classmethod
    def of(cls, reply: Reply) -> ReplyPublic:
        return cls(
            id=reply.id,
            case_id=reply.case_id,
            lang=reply.lang,
            body=reply.body,
            status=reply.status,  # type: ignore[arg-type]
            author=reply.author,
            approved_by=reply.approved_by,
            created_at=reply.created_at,
            updated_at=reply.updated_at,
            sent_at=reply.sent_at,
            warnings=reply.warnings,
        )


class CaseDetailPublic(CasePublic):
    mention: MentionPublic | None = Field(description="None when the post was erased.")
    hidden: HiddenPublic | None
    notes: list[NotePublic]
    replies: list[ReplyPublic]


class CaseOpen(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    native_id: str = Field(min_length=1, max_length=512)


class TriageRequest(BaseModel):
    since: str = Field(default="24h", max_length=64, description="ISO time or 36h / 7d.")
    watch: str | None = Field(default=None, max_length=64, description="A watch id.")
    limit: int = Field(default=1_000, ge=1, le=10_000, description="Mentions looked at.")


class CaseAssign(BaseModel):
    assignee: str | None = Field(
        default=None, max_length=64, description="A user name; omitted: round-robin."
    )


class CaseStatusChange(BaseModel):
    status: Literal["waiting", "answered", "closed", "assigned"]


class CaseNoteCreate(BaseModel):
    body: str = Field(min_length=1, max_length=5_000)


class CaseEscalate(BaseModel):
    role: EscalationRole
    reason: str = Field(min_length=1, max_length=1_000)


class ReplyDraft(BaseModel):
    lang: Literal["fr", "en"]
    body: str | None = Field(default=None, min_length=1, max_length=5_000)
    template: str | None = Field(default=None, min_length=1, max_length=40)


class ReplyEdit(BaseModel):
    body: str = Field(min_length=1, max_length=5_000)


class TemplatePublic(BaseModel):
    key: str
    lang: str
    body: str
    edited: bool

    @classmethod
    def of(cls, t: Template) -> TemplatePublic:
        return cls(key=t.key, lang=t.lang, body=t.body, edited=t.edited)


class TemplatesPublic(BaseModel):
    data: list[TemplatePublic]
    count: int


class TemplateSet(BaseModel):
    body: str = Field(min_length=1, max_length=5_000)


class HideRequest(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    native_id: str = Field(min_length=1, max_length=512)
    reason: HideReason = Field(description="The code of conduct: criticism is not a reason.")
    note: str = Field(default="", max_length=1_000)


class UnhideRequest(BaseModel):
    platform: str = Field(min_length=1, max_length=32)
    native_id: str = Field(min_length=1, max_length=512)


class ModerationPublic(BaseModel):
    platform: str
    native_id: str
    hidden: bool
    reason: str
    note: str
    decided_by: str
    decided_at: datetime

    @classmethod
    def of(cls, d: Decision) -> ModerationPublic:
        return cls(
            platform=d.platform,
            native_id=d.native_id,
            hidden=d.hidden,
            reason=d.reason.value,
            note=d.note,
            decided_by=d.decided_by,
            decided_at=d.decided_at,
        )


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    details: dict[str, Any]

    @classmethod
    def of(cls, e: AuditEntry) -> AuditEntryPublic:
        return cls(
            id=e.id, at=e.at, actor=e.actor, action=e.action, target=e.target, details=e.details
        )


class AuditPublic(BaseModel):
    data: list[AuditEntryPublic]
    count: int
    next_before: int | None = Field(description="Pass as `before` for older entries.")


__all__ = ["Status"]
