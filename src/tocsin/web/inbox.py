"""The inbox pages: the list of cases by priority, a case page with its forms, the audit log.
Forms post here (CSRF-checked like every state change) and go back to the case page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.params import Depends
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tocsin.api.auth.accounts import Accounts, User
from tocsin.api.auth.permissions import Permission, allowed, permissions_of
from tocsin.api.deps import (
    AuditReader,
    CaseEscalator,
    CaseReader,
    CaseWorker,
    Moderator,
    ReplyApprover,
    SettingsDep,
    StoreDep,
    TemplateManager,
)
from tocsin.api.errors import ApiError
from tocsin.api.routes.inbox import MAX_ROW_ID, RowId, triage_recent
from tocsin.respond import audit, cases, moderation, replies
from tocsin.respond.rules import TRANSITIONS, EscalationRole, HideReason, Status
from tocsin.store.base import StoredMention
from tocsin.web.render import Pages

router = APIRouter(include_in_schema=False)


def get_pages(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


PagesDep = Annotated[Pages, Depends(get_pages)]


def _now() -> datetime:
    return datetime.now(UTC)


def perms(user: User) -> frozenset[str]:
    """The permission names of a role, for templates (``"cases:work" in perms``)."""
    return frozenset(p.value for p in permissions_of(user.role))


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the inbox."""

    case: cases.Case
    priority: int
    sla: str
    item: StoredMention | None
    hidden: moderation.Decision | None


#: Cases on the inbox page: the highest priorities (a page a team works through, fast to draw).
INBOX_ROWS = 150


def _to_case(case_id: int) -> Response:
    return RedirectResponse(f"/cases/{case_id}", status_code=303)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: CaseReader,
    status: Annotated[str, Query(max_length=16)] = "",
    mine: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    now = _now()
    statuses = (Status(status),) if status in tuple(Status) else ()
    found = cases.list_cases(
        store.db, now, statuses=statuses, assignee_id=user.id if mine else None, limit=INBOX_ROWS
    )
    keys = [(c.platform, c.native_id) for c in found]
    hidden = moderation.hidden_among(store.db, keys)
    posts = store.get_mentions(keys)  # one query for the page, not one per case
    rows = [
        Row(c, c.priority(now), c.sla(now), posts.get(key), hidden.get(key))
        for c, key in zip(found, keys, strict=True)
    ]
    return pages.render(
        request,
        "inbox.html",
        rows=rows,
        statuses=[s.value for s in Status],
        chosen=status if statuses else "",
        mine=bool(mine),
        perms=perms(user),
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, pages: PagesDep, store: StoreDep, user: CaseReader, case_id: RowId
) -> Response:
    now = _now()
    case = cases.get(store.db, case_id)
    item = store.get_mention(case.platform, case.native_id)
    decision = moderation.get(store.db, case.platform, case.native_id)
    can_audit = allowed(user.role, Permission.AUDIT_READ)
    context: dict[str, Any] = {
        "case": case,
        "priority": case.priority(now),
        "sla": case.sla(now),
        "item": item,
        "hidden": decision if decision is not None and decision.hidden else None,
        "reveal": allowed(user.role, Permission.MENTIONS_MODERATE),
        "notes": cases.notes(store.db, case.id),
        "replies": replies.replies(store.db, case.id),
        "templates": sorted({t.key for t in replies.templates(store.db)}),
        "next_statuses": sorted(
            s.value
            for s in TRANSITIONS[case.status]
            if s is not Status.ESCALATED and not (s is Status.ASSIGNED and case.assignee_id is None)
        ),
        "assignees": [
            u for u in Accounts(store.db).list_users() if u.active and u.role.value != "viewer"
        ],
        "escalation_roles": [r.value for r in EscalationRole],
        "hide_reasons": [r.value for r in HideReason],
        "trail": audit.entries(store.db, target=case.target, limit=200) if can_audit else None,
        "perms": perms(user),
    }
    return pages.render(request, "case.html", **context)


# -- forms ------------------------------------------------------------------------------------

Text = Annotated[str, Form(max_length=5_000)]


@router.post("/inbox/triage")
def triage_form(
    store: StoreDep,
    user: CaseWorker,
    settings: SettingsDep,
    since: Annotated[str, Form(max_length=64)] = "24h",
) -> Response:
    triage_recent(store, user.username, since, None, 1_000, settings=settings)
    return RedirectResponse("/inbox", status_code=303)


@router.post("/cases/open")
def open_case_form(
    store: StoreDep,
    user: CaseWorker,
    settings: SettingsDep,
    platform: Annotated[str, Form(min_length=1, max_length=32)],
    native_id: Annotated[str, Form(min_length=1, max_length=512)],
) -> Response:
    item = store.get_mention(platform, native_id)
    if item is None:
        raise ApiError(404, "no such mention")
    existing = cases.find(store.db, platform, native_id)
    if existing is not None:
        return _to_case(existing.id)
    sla = settings.sla_for(item.watch_ids)
    return _to_case(cases.open_case(store.db, item.mention, user.username, sla=sla).id)


@router.post("/cases/{case_id}/assign")
def assign_form(
    case_id: RowId,
    store: StoreDep,
    user: CaseWorker,
    assignee: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    if not assignee:
        cases.assign_round_robin(store.db, case_id, user.username)
    else:
        target = Accounts(store.db).find_user(assignee)
        if target is None:
            raise ApiError(404, "no such user")
        cases.assign(store.db, case_id, target.id, user.username)
    return _to_case(case_id)


@router.post("/cases/{case_id}/status")
def status_form(
    case_id: RowId,
    store: StoreDep,
    user: CaseWorker,
    status: Annotated[str, Form(max_length=16)],
) -> Response:
    if status not in tuple(Status):
        raise ApiError(400, "status: unknown")
    cases.transition(store.db, case_id, status, user.username)
    return _to_case(case_id)


@router.post("/cases/{case_id}/notes")
def note_form(
    case_id: RowId,
    store: StoreDep,
    user: CaseWorker,
    body: Annotated[str, Form(min_length=1, max_length=5_000)],
) -> Response:
    cases.add_note(store.db, case_id, body, user.username)
    return _to_case(case_id)


@router.post("/cases/{case_id}/escalate")
def escalate_form(
    case_id: RowId,
    store: StoreDep,
    user: CaseEscalator,
    role: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(min_length=1, max_length=1_000)],
) -> Response:
    if role not in tuple(EscalationRole):
        raise ApiError(400, "role: pr or legal")
    cases.escalate(store.db, case_id, role, reason, user.username)
    return _to_case(case_id)


@router.post("/cases/{case_id}/replies")
def draft_form(
    case_id: RowId,
    store: StoreDep,
    user: CaseWorker,
    lang: Annotated[str, Form(max_length=2)],
    template: Annotated[str, Form(max_length=40)] = "",
    body: Text = "",
) -> Response:
    if lang not in replies.LANGS:
        raise ApiError(400, "lang: fr or en")
    case = cases.get(store.db, case_id)
    item = store.get_mention(case.platform, case.native_id)
    replies.draft(
        store.db,
        case_id,
        user.username,
        lang=lang,
        body=body if body.strip() else None,
        template_key=template or None,
        handle=item.mention.author.handle if item else "",
    )
    return _to_case(case_id)


@router.post("/replies/{reply_id}/edit")
def edit_form(
    reply_id: RowId,
    store: StoreDep,
    user: CaseWorker,
    body: Annotated[str, Form(min_length=1, max_length=5_000)],
) -> Response:
    return _to_case(replies.edit(store.db, reply_id, body, user.username).case_id)


@router.post("/replies/{reply_id}/approve")
def approve_form(reply_id: RowId, store: StoreDep, user: ReplyApprover) -> Response:
    return _to_case(replies.approve(store.db, reply_id, user.username).case_id)


@router.post("/replies/{reply_id}/send")
def send_form(reply_id: RowId, store: StoreDep, user: CaseWorker) -> Response:
    may_approve = allowed(user.role, Permission.REPLIES_APPROVE)
    reply = replies.send(store.db, reply_id, user.username, may_approve=may_approve)
    return _to_case(reply.case_id)


@router.post("/moderation/hide")
def hide_form(
    store: StoreDep,
    user: Moderator,
    platform: Annotated[str, Form(min_length=1, max_length=32)],
    native_id: Annotated[str, Form(min_length=1, max_length=512)],
    reason: Annotated[str, Form(max_length=32)],
    note: Annotated[str, Form(max_length=1_000)] = "",
    case_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    moderation.hide(store.db, platform, native_id, reason, user.username, note=note)
    return _back(platform, native_id, case_id)


@router.post("/moderation/unhide")
def unhide_form(
    store: StoreDep,
    user: Moderator,
    platform: Annotated[str, Form(min_length=1, max_length=32)],
    native_id: Annotated[str, Form(min_length=1, max_length=512)],
    case_id: Annotated[int | None, Form(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    moderation.unhide(store.db, platform, native_id, user.username)
    return _back(platform, native_id, case_id)


def _back(platform: str, native_id: str, case_id: int | None) -> Response:
    if case_id is not None:
        return _to_case(case_id)
    path = f"/mentions/{quote(platform, safe='')}/{quote(native_id, safe='')}"
    return RedirectResponse(path, status_code=303)


@router.get("/templates", response_class=HTMLResponse)
def templates_page(
    request: Request, pages: PagesDep, store: StoreDep, user: CaseReader
) -> Response:
    return pages.render(
        request, "templates.html", templates=replies.templates(store.db), perms=perms(user)
    )


@router.post("/templates/{key}/{lang}")
def template_form(
    key: Annotated[str, Path(max_length=40)],
    lang: Annotated[str, Path(max_length=2)],
    store: StoreDep,
    user: TemplateManager,
    body: Annotated[str, Form(min_length=1, max_length=5_000)],
) -> Response:
    replies.set_template(store.db, key, lang, body, user.username)
    return RedirectResponse("/templates", status_code=303)


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: AuditReader,
    before: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
) -> Response:
    items = audit.entries(store.db, limit=100, before_id=before)
    older = f"/audit?before={items[-1].id}" if len(items) == 100 else None
    return pages.render(request, "audit.html", entries=items, older=older)
