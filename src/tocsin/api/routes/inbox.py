"""The inbox: cases, replies, reply templates, moderation and the audit log. Each endpoint
names its permission; the domain logic is ``tocsin.respond`` (every action audited there)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response

from tocsin.api.auth.accounts import Accounts, User
from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.deps import (
    AuditReader,
    CaseEscalator,
    CaseReader,
    CaseWorker,
    MentionExporter,
    Moderator,
    ReplyApprover,
    SettingsDep,
    StoreDep,
    TemplateManager,
)
from tocsin.api.errors import ApiError
from tocsin.api.inbox_models import (
    AuditEntryPublic,
    AuditPublic,
    CaseAssign,
    CaseDetailPublic,
    CaseEscalate,
    CaseNoteCreate,
    CaseOpen,
    CasePublic,
    CasesPublic,
    CaseStatusChange,
    HideRequest,
    ModerationPublic,
    NotePublic,
    ReplyDraft,
    ReplyEdit,
    ReplyPublic,
    TemplatePublic,
    TemplateSet,
    TemplatesPublic,
    TriageRequest,
    UnhideRequest,
)
from tocsin.api.models import HiddenPublic, MentionPublic
from tocsin.api.reads import parse_time
from tocsin.api.routes.params import MAX_ROW_ID, RowId
from tocsin.api.settings import ServerSettings
from tocsin.export import PARQUET_MEDIA_TYPE, ColumnType, parquet_bytes, write_csv
from tocsin.respond import audit, cases, moderation, replies
from tocsin.respond.errors import Conflict
from tocsin.respond.rules import (
    ANSWERED_KINDS,
    DEFAULT_SLA,
    Reason,
    Status,
    is_own_account,
    own_handles,
)
from tocsin.store.base import SearchQuery
from tocsin.store.sqlite import SQLiteStore

router = APIRouter(tags=["inbox"])
_CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"description": "Not possible in the current state"}
}


def _now() -> datetime:
    return datetime.now(UTC)


def case_detail(
    store: SQLiteStore, case: cases.Case, user: User, now: datetime
) -> CaseDetailPublic:
    """A case with its post, notes and replies (what the API and the case page show)."""
    reveal = allowed(user.role, Permission.MENTIONS_MODERATE)
    item = store.get_mention(case.platform, case.native_id)
    decision = moderation.get(store.db, case.platform, case.native_id)
    hidden = decision if decision is not None and decision.hidden else None
    return CaseDetailPublic(
        **CasePublic.of(case, now).model_dump(),
        mention=MentionPublic.of(item, hidden, reveal=reveal) if item else None,
        hidden=HiddenPublic.of(hidden, full=reveal) if hidden else None,
        notes=[NotePublic.of(n) for n in cases.notes(store.db, case.id)],
        replies=[ReplyPublic.of(r) for r in replies.replies(store.db, case.id)],
    )


# -- cases ------------------------------------------------------------------------------------


@router.get("/cases", operation_id="listCases")
def list_cases(
    user: CaseReader,
    store: StoreDep,
    status: Annotated[list[Status] | None, Query(max_length=6)] = None,
    mine: bool = False,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> CasesPublic:
    """The inbox, highest priority first. Without ``status``: every case but closed ones;
    ``mine``: the cases assigned to you."""
    now = _now()
    items = cases.list_cases(
        store.db,
        now,
        statuses=tuple(status or ()),
        assignee_id=user.id if mine else None,
        limit=limit,
    )
    return CasesPublic(data=[CasePublic.of(c, now) for c in items], count=len(items))


#: The cases export (CSV and Parquet): the inbox's columns, times in UTC.
CASE_EXPORT_COLUMNS: tuple[tuple[str, ColumnType], ...] = (
    ("id", "int"),
    ("platform", "text"),
    ("native_id", "text"),
    ("status", "text"),
    ("reason", "text"),
    ("priority", "int"),
    ("sla", "text"),
    ("followers", "int"),
    ("reposts", "int"),
    ("posted_at", "time"),
    ("opened_at", "time"),
    ("due_at", "time"),
    ("assignee", "text"),
    ("escalated_to", "text"),
    ("escalation_reason", "text"),
    ("updated_at", "time"),
)
_CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "Formula-safe CSV."}
}
_PARQUET_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {"content": {PARQUET_MEDIA_TYPE: {}}, "description": "Parquet file."}
}


def _case_rows(items: Iterable[cases.Case], now: datetime) -> Iterator[tuple[Any, ...]]:
    for c in items:
        yield (
            c.id,
            c.platform,
            c.native_id,
            c.status.value,
            c.reason,
            c.priority(now),
            c.sla(now),
            c.followers,
            c.reposts,
            c.posted_at,
            c.opened_at,
            c.due_at,
            c.assignee,
            c.escalated_to,
            c.escalation_reason,
            c.updated_at,
        )


def _cases_for_export(
    store: SQLiteStore, user: User, status: list[Status] | None, mine: bool, limit: int
) -> list[cases.Case]:
    return cases.list_cases(
        store.db,
        _now(),
        statuses=tuple(status or ()),
        assignee_id=user.id if mine else None,
        limit=limit,
    )


def _attachment(name: str) -> dict[str, str]:
    return {"content-disposition": f'attachment; filename="{name}"'}


ExportLimit = Annotated[int, Query(ge=1, le=MAX_ROW_ID)]


def _check_limit(limit: int, settings_max: int) -> None:
    if limit > settings_max:
        raise ApiError(400, f"limit: at most {settings_max} rows per export")


@router.get(
    "/cases.csv", operation_id="exportCasesCsv", response_class=Response, responses=_CSV_ANSWER
)
def export_cases_csv(
    user: MentionExporter,
    store: StoreDep,
    settings: SettingsDep,
    status: Annotated[list[Status] | None, Query(max_length=6)] = None,
    mine: bool = False,
    limit: ExportLimit = 10_000,
) -> Response:
    """The inbox as CSV, in its order (by default every case but closed ones)."""
    _check_limit(limit, settings.export_max_rows)
    now = _now()
    items = _cases_for_export(store, user, status, mine, limit)
    out = io.StringIO()
    rows = (
        tuple(v.isoformat() if isinstance(v, datetime) else v for v in row)
        for row in _case_rows(items, now)
    )
    write_csv([name for name, _ in CASE_EXPORT_COLUMNS], rows, out)
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers=_attachment("tocsin-cases.csv"),
    )


@router.get(
    "/cases.parquet",
    operation_id="exportCasesParquet",
    response_class=Response,
    responses=_PARQUET_ANSWER,
)
def export_cases_parquet(
    user: MentionExporter,
    store: StoreDep,
    settings: SettingsDep,
    status: Annotated[list[Status] | None, Query(max_length=6)] = None,
    mine: bool = False,
    limit: ExportLimit = 10_000,
) -> Response:
    """The inbox as a Parquet file: the CSV's columns, typed."""
    _check_limit(limit, settings.export_max_rows)
    now = _now()
    items = _cases_for_export(store, user, status, mine, limit)
    return Response(
        parquet_bytes(CASE_EXPORT_COLUMNS, _case_rows(items, now)),
        media_type=PARQUET_MEDIA_TYPE,
        headers=_attachment("tocsin-cases.parquet"),
    )


@router.post("/cases", operation_id="openCase", status_code=201, responses=_CONFLICT)
def open_case(
    body: CaseOpen, user: CaseWorker, store: StoreDep, settings: SettingsDep
) -> CasePublic:
    """Open a case for a stored mention (409 if it has one already)."""
    item = store.get_mention(body.platform, body.native_id)
    if item is None:
        raise ApiError(404, "no such mention")
    sla = settings.sla_for(item.watch_ids)
    case = cases.open_case(store.db, item.mention, user.username, sla=sla)
    return CasePublic.of(case, _now())


def triage_recent(
    store: SQLiteStore,
    actor: str,
    since: str,
    watch: str | None,
    limit: int,
    *,
    settings: ServerSettings | None = None,
) -> list[cases.Case]:
    """Open a case for every recent mention that ``needs_answer`` (newest first, at most
    ``limit`` mentions looked at), each due after the SLA of its watches (``settings``;
    without them, 24 hours)."""
    query = SearchQuery(since=parse_time(since), watch_id=watch or None, limit=limit)
    watches = store.list_watches()
    own = own_handles(w.query for w in watches)
    # The brand answers what is said about it: a post only in competitor or topic watches is
    # for listening ("has anyone tried Brewster's new app?" is not Cafélia's to answer).
    ours = {w.id for w in watches if w.kind in ANSWERED_KINDS}
    found = [
        i
        for i in store.search(query)
        if ours.intersection(i.watch_ids) and not is_own_account(i.mention.author.handle, own)
    ]
    slas: dict[tuple[str, str], timedelta] = {
        i.mention.key: settings.sla_for(i.watch_ids) if settings else DEFAULT_SLA for i in found
    }
    opened = cases.triage(
        store.db, [i.mention for i in found], actor=actor, sla_of=lambda m: slas[m.key]
    )
    return opened + _incident_cases(store, actor, own, settings)


def _incident_cases(
    store: SQLiteStore, actor: str, own: frozenset[str], settings: ServerSettings | None
) -> list[cases.Case]:
    """Posts in an incident need an answer: a case for each post an open incident's evidence
    points at (its signals' posts: the largest reach, the alarm words …) that has none."""
    from tocsin.store.sqlite_incidents import SQLiteIncidents

    incidents = SQLiteIncidents(store.db)
    keys = {
        key
        for inc in incidents.find(status="open", limit=100)
        for sig in incidents.signals(inc.id)
        for key in sig.mention_keys
    }
    opened = []
    for key, item in sorted(store.get_mentions(keys).items()):
        m = item.mention
        if m.repost_of or is_own_account(m.author.handle, own):
            continue
        if cases.find(store.db, *key) is not None:
            continue
        sla = settings.sla_for(item.watch_ids) if settings else DEFAULT_SLA
        try:
            opened.append(cases.open_case(store.db, m, actor, Reason.INCIDENT, sla=sla))
        except Conflict:
            continue
    return opened


@router.post("/cases/triage", operation_id="triageCases", status_code=201)
def triage(
    body: TriageRequest, user: CaseWorker, store: StoreDep, settings: SettingsDep
) -> CasesPublic:
    """Run the answer rule (questions, complaints, negative high-reach posts) over recent
    mentions and open a case for each that has none: the cases opened."""
    if body.watch and store.get_watch(body.watch) is None:
        raise ApiError(404, "no such watch")
    opened = triage_recent(
        store, user.username, body.since, body.watch, body.limit, settings=settings
    )
    now = _now()
    return CasesPublic(data=[CasePublic.of(c, now) for c in opened], count=len(opened))


@router.get("/cases/{case_id}", operation_id="getCase")
def get_case(case_id: RowId, user: CaseReader, store: StoreDep) -> CaseDetailPublic:
    """One case with its post, internal notes and replies."""
    return case_detail(store, cases.get(store.db, case_id), user, _now())


@router.post("/cases/{case_id}/assign", operation_id="assignCase", responses=_CONFLICT)
def assign_case(case_id: RowId, body: CaseAssign, user: CaseWorker, store: StoreDep) -> CasePublic:
    """Give the case to a user by name, or (no ``assignee``) to the next agent in turn."""
    if body.assignee is None:
        case = cases.assign_round_robin(store.db, case_id, user.username)
    else:
        assignee = Accounts(store.db).find_user(body.assignee)
        if assignee is None:
            raise ApiError(404, "no such user")
        case = cases.assign(store.db, case_id, assignee.id, user.username)
    return CasePublic.of(case, _now())


@router.post("/cases/{case_id}/status", operation_id="setCaseStatus", responses=_CONFLICT)
def set_case_status(
    case_id: RowId, body: CaseStatusChange, user: CaseWorker, store: StoreDep
) -> CasePublic:
    """Move the case (``next_statuses`` says where it may go; escalating has its own call)."""
    return CasePublic.of(cases.transition(store.db, case_id, body.status, user.username), _now())


@router.post("/cases/{case_id}/notes", operation_id="addCaseNote", status_code=201)
def add_case_note(
    case_id: RowId, body: CaseNoteCreate, user: CaseWorker, store: StoreDep
) -> NotePublic:
    """An internal note: never public."""
    return NotePublic.of(cases.add_note(store.db, case_id, body.body, user.username))


@router.post("/cases/{case_id}/escalate", operation_id="escalateCase", responses=_CONFLICT)
def escalate_case(
    case_id: RowId, body: CaseEscalate, user: CaseEscalator, store: StoreDep
) -> CasePublic:
    """Hand the case to PR or legal, with a reason."""
    case = cases.escalate(store.db, case_id, body.role, body.reason, user.username)
    return CasePublic.of(case, _now())


# -- replies ----------------------------------------------------------------------------------


@router.post(
    "/cases/{case_id}/replies", operation_id="draftReply", status_code=201, responses=_CONFLICT
)
def draft_reply(case_id: RowId, body: ReplyDraft, user: CaseWorker, store: StoreDep) -> ReplyPublic:
    """A draft: your ``body``, or a ``template`` filled with the author's handle."""
    if (body.body is None) == (body.template is None):
        raise ApiError(400, "send either body or template")
    case = cases.get(store.db, case_id)
    item = store.get_mention(case.platform, case.native_id)
    handle = item.mention.author.handle if item else ""
    reply = replies.draft(
        store.db,
        case_id,
        user.username,
        lang=body.lang,
        body=body.body,
        template_key=body.template,
        handle=handle,
    )
    return ReplyPublic.of(reply)


@router.put("/replies/{reply_id}", operation_id="editReply", responses=_CONFLICT)
def edit_reply(reply_id: RowId, body: ReplyEdit, user: CaseWorker, store: StoreDep) -> ReplyPublic:
    """Change a reply not sent yet; an approved one needs approving again."""
    return ReplyPublic.of(replies.edit(store.db, reply_id, body.body, user.username))


@router.post("/replies/{reply_id}/approve", operation_id="approveReply", responses=_CONFLICT)
def approve_reply(reply_id: RowId, user: ReplyApprover, store: StoreDep) -> ReplyPublic:
    """Approve a draft for sending."""
    return ReplyPublic.of(replies.approve(store.db, reply_id, user.username))


@router.post("/replies/{reply_id}/send", operation_id="sendReply", responses=_CONFLICT)
def send_reply(reply_id: RowId, user: CaseWorker, store: StoreDep) -> ReplyPublic:
    """Record the reply as sent (not posted to the network yet) and the case as answered.
    Agents send approved replies only; managers and admins approve by sending."""
    may_approve = allowed(user.role, Permission.REPLIES_APPROVE)
    return ReplyPublic.of(replies.send(store.db, reply_id, user.username, may_approve=may_approve))


@router.get("/templates", operation_id="listTemplates")
def list_templates(user: CaseReader, store: StoreDep) -> TemplatesPublic:
    """The reply templates, French and English (``{handle}``, ``{agent}`` are filled in)."""
    data = [TemplatePublic.of(t) for t in replies.templates(store.db)]
    return TemplatesPublic(data=data, count=len(data))


@router.put("/templates/{key}/{lang}", operation_id="setTemplate", responses=_CONFLICT)
def set_template(
    key: str, lang: str, body: TemplateSet, user: TemplateManager, store: StoreDep
) -> TemplatePublic:
    """Create or change a template."""
    return TemplatePublic.of(replies.set_template(store.db, key, lang, body.body, user.username))


# -- moderation -------------------------------------------------------------------------------


@router.get("/moderation", operation_id="listHidden")
def list_hidden(user: Moderator, store: StoreDep) -> list[ModerationPublic]:
    """Every post hidden now, with its reason."""
    rows = store.db.execute(
        "SELECT platform, native_id FROM moderation WHERE hidden = 1 ORDER BY decided_at DESC"
    ).fetchall()
    out = []
    for platform, native_id in rows:
        d = moderation.get(store.db, platform, native_id)
        if d is not None:
            out.append(ModerationPublic.of(d))
    return out


@router.post("/moderation/hide", operation_id="hideMention", responses=_CONFLICT)
def hide_mention(body: HideRequest, user: Moderator, store: StoreDep) -> ModerationPublic:
    """Hide a post for a code-of-conduct reason (insult, threat, hate, spam, personal data).
    Nothing is deleted; criticism is not a reason."""
    d = moderation.hide(
        store.db, body.platform, body.native_id, body.reason, user.username, note=body.note
    )
    return ModerationPublic.of(d)


@router.post("/moderation/unhide", operation_id="unhideMention", responses=_CONFLICT)
def unhide_mention(body: UnhideRequest, user: Moderator, store: StoreDep) -> ModerationPublic:
    """Show a hidden post again."""
    return ModerationPublic.of(
        moderation.unhide(store.db, body.platform, body.native_id, user.username)
    )


# -- audit ------------------------------------------------------------------------------------


@router.get("/audit", operation_id="listAudit")
def list_audit(
    user: AuditReader,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=1_000)] = 100,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
    target: Annotated[str | None, Query(max_length=600)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> AuditPublic:
    """The audit log, newest first; ``before`` (an id) pages back."""
    items = audit.entries(store.db, limit=limit, before_id=before, target=target, actor=actor)
    return AuditPublic(
        data=[AuditEntryPublic.of(e) for e in items],
        count=len(items),
        next_before=items[-1].id if len(items) == limit else None,
    )


@router.get(
    "/audit.csv",
    operation_id="exportAuditCsv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "Formula-safe CSV."}},
)
def export_audit_csv(
    user: AuditReader,
    store: StoreDep,
    settings: SettingsDep,
    target: Annotated[str | None, Query(max_length=600)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The audit log as CSV, newest first (at most ``TOCSIN_EXPORT_MAX_ROWS`` entries)."""
    items = audit.entries(store.db, limit=settings.export_max_rows, target=target, actor=actor)
    return Response(
        audit.csv_text(items),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="tocsin-audit.csv"'},
    )


@router.get(
    "/audit.parquet",
    operation_id="exportAuditParquet",
    response_class=Response,
    responses=_PARQUET_ANSWER,
)
def export_audit_parquet(
    user: AuditReader,
    store: StoreDep,
    settings: SettingsDep,
    target: Annotated[str | None, Query(max_length=600)] = None,
    actor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The audit log as a Parquet file, newest first: the CSV's columns, typed."""
    items = audit.entries(store.db, limit=settings.export_max_rows, target=target, actor=actor)
    return Response(
        audit.parquet(items),
        media_type=PARQUET_MEDIA_TYPE,
        headers=_attachment("tocsin-audit.parquet"),
    )
