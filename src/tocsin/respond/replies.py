"""Reply drafts from editable French and English templates, and their approval.

The templates follow the crisis-response playbook: acknowledge with empathy, promise no
compensation in public, invite to a private channel, follow up. They are stored in
``reply_templates`` once edited; until then the defaults below apply.

A reply goes ``draft`` → ``approved`` → ``sent``. Whoever may approve (the API passes
``may_approve``: managers and admins) can send a draft directly, which approves it; an agent
sends only an approved reply. Sending records the reply and marks the case answered: nothing
is posted to the networks yet (that comes with the live connectors).
"""

from __future__ import annotations

import re
import sqlite3
import string
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.respond import audit
from tocsin.respond._db import dt, now_utc, transaction, us
from tocsin.respond.cases import get as get_case
from tocsin.respond.errors import Conflict, NotFound
from tocsin.respond.rules import Status, can_transition, playbook_warnings

LANGS = ("fr", "en")
MAX_REPLY_CHARS = 5_000
#: The placeholders a template may use.
FIELDS = ("handle", "agent")

#: (key, lang) -> body. Keys: acknowledge (a complaint), answer (a question), follow_up.
DEFAULT_TEMPLATES: dict[tuple[str, str], str] = {
    ("acknowledge", "fr"): (
        "Bonjour @{handle}, nous sommes désolés de ce que vous vivez et nous comprenons votre "
        "agacement. Pouvez-vous nous écrire en message privé avec votre numéro de commande ? "
        "Nous regardons votre situation en priorité et revenons vers vous. {agent}"
    ),
    ("acknowledge", "en"): (
        "Hello @{handle}, we are sorry about what you are going through and we understand your "
        "frustration. Could you send us a direct message with your order number? We will look "
        "into it as a priority and get back to you. {agent}"
    ),
    ("answer", "fr"): (
        "Bonjour @{handle}, merci pour votre question. Pour vous répondre précisément, "
        "écrivez-nous en message privé : nous revenons vers vous rapidement. {agent}"
    ),
    ("answer", "en"): (
        "Hello @{handle}, thank you for your question. So that we can answer precisely, please "
        "send us a direct message: we will get back to you shortly. {agent}"
    ),
    ("follow_up", "fr"): (
        "Bonjour @{handle}, nous revenons vers vous comme promis : avez-vous reçu notre message "
        "privé ? Nous restons disponibles en message privé. {agent}"
    ),
    ("follow_up", "en"): (
        "Hello @{handle}, following up as promised: did you get our direct message? We remain "
        "available by direct message. {agent}"
    ),
}


@dataclass(frozen=True, slots=True)
class Template:
    key: str
    lang: str
    body: str
    edited: bool


@dataclass(frozen=True, slots=True)
class Reply:
    id: int
    case_id: int
    lang: str
    body: str
    status: str  # draft | approved | sent
    author: str
    approved_by: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None

    @property
    def warnings(self) -> list[str]:
        return playbook_warnings(self.body)


def check_template(body: str) -> str:
    """A template may only use ``{handle}`` and ``{agent}``."""
    body = body.strip()
    if not body or len(body) > MAX_REPLY_CHARS:
        raise Conflict(f"a template has 1 to {MAX_REPLY_CHARS} characters")
    try:
        parts = [p for p in string.Formatter().parse(body) if p[1] is not None]
    except ValueError as exc:
        raise Conflict(f"template: {exc} (write {{{{ and }}}} for braces)") from None
    if any(spec or conversion for _, _, spec, conversion in parts):
        raise Conflict("template: no format specification or conversion, only {handle}, {agent}")
    names = {field for _, field, _, _ in parts if field is not None}
    unknown = names - set(FIELDS)
    if unknown:
        raise Conflict(f"template: unknown field {sorted(unknown)[0]!r}: use {{handle}}, {{agent}}")
    return body


def templates(db: sqlite3.Connection) -> list[Template]:
    edited = {(r[0], r[1]): r[2] for r in db.execute("SELECT key, lang, body FROM reply_templates")}
    keys = sorted(set(DEFAULT_TEMPLATES) | set(edited))
    return [
        Template(
            k,
            lang,
            edited.get((k, lang), DEFAULT_TEMPLATES.get((k, lang), "")),
            (k, lang) in edited,
        )
        for k, lang in keys
    ]


def template(db: sqlite3.Connection, key: str, lang: str) -> Template:
    for t in templates(db):
        if t.key == key and t.lang == lang:
            return t
    raise NotFound(f"no template {key!r} in {lang!r}")


def set_template(
    db: sqlite3.Connection,
    key: str,
    lang: str,
    body: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> Template:
    if lang not in LANGS:
        raise Conflict(f"lang: one of {', '.join(LANGS)}")
    if not key.replace("_", "").isalnum() or len(key) > 40:
        raise Conflict("a template key is 1-40 letters, digits or '_'")
    body = check_template(body)
    now = now or now_utc()
    with transaction(db):
        db.execute(
            "INSERT INTO reply_templates (key, lang, body, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (key, lang) DO UPDATE SET body = excluded.body, "
            "updated_at = excluded.updated_at, updated_by = excluded.updated_by",
            (key, lang, body, us(now), actor),
        )
        audit.record(db, actor, "template.set", f"template:{key}/{lang}", {"body": body}, at=now)
    return template(db, key, lang)


#: Bidi controls and invisible marks: a handle must not reverse the reply around it.
_BIDI = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def render(body: str, *, handle: str, agent: str) -> str:
    """A template filled in (values are plain text: the page escapes them). Bidi controls in
    the handle are dropped: the reply is public and must read as written."""
    filled = check_template(body).format(handle=_BIDI.sub("", handle), agent=_BIDI.sub("", agent))
    return filled.strip()


_REPLY_COLUMNS = (
    "id, case_id, lang, body, status, author, approved_by, created_at, updated_at, sent_at"
)


def _reply(row: tuple[Any, ...]) -> Reply:
    created, updated = dt(row[7]), dt(row[8])
    assert created is not None and updated is not None
    return Reply(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], created, updated, dt(row[9])
    )


def get_reply(db: sqlite3.Connection, reply_id: int) -> Reply:
    row = db.execute(
        f"SELECT {_REPLY_COLUMNS} FROM case_replies WHERE id = ?", (reply_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no reply {reply_id}")
    return _reply(row)


def replies(db: sqlite3.Connection, case_id: int) -> list[Reply]:
    rows = db.execute(
        f"SELECT {_REPLY_COLUMNS} FROM case_replies WHERE case_id = ? ORDER BY id", (case_id,)
    )
    return [_reply(r) for r in rows]


def _body(body: str) -> str:
    body = body.strip()
    if not body or len(body) > MAX_REPLY_CHARS:
        raise Conflict(f"a reply has 1 to {MAX_REPLY_CHARS} characters")
    return body


def draft(
    db: sqlite3.Connection,
    case_id: int,
    actor: str,
    *,
    lang: str,
    body: str | None = None,
    template_key: str | None = None,
    handle: str = "",
    now: datetime | None = None,
) -> Reply:
    """A new draft: ``body`` as written, or the template ``template_key`` in ``lang`` filled
    with the author's ``handle`` and the agent's name."""
    if lang not in LANGS:
        raise Conflict(f"lang: one of {', '.join(LANGS)}")
    if body is None:
        if template_key is None:
            raise Conflict("a draft needs a body or a template")
        body = render(template(db, template_key, lang).body, handle=handle, agent=actor)
    body = _body(body)
    now = now or now_utc()
    with transaction(db):
        case = get_case(db, case_id)
        if case.status is Status.CLOSED:
            raise Conflict("the case is closed: reopen it first")
        cur = db.execute(
            "INSERT INTO case_replies (case_id, lang, body, status, author, created_at, "
            "updated_at) VALUES (?, ?, ?, 'draft', ?, ?, ?)",
            (case.id, lang, body, actor, us(now), us(now)),
        )
        reply_id = int(cur.lastrowid or 0)
        audit.record(
            db,
            actor,
            "reply.draft",
            case.target,
            {"reply": reply_id, "lang": lang, "template": template_key, "body": body},
            at=now,
        )
    return get_reply(db, reply_id)


def edit(
    db: sqlite3.Connection, reply_id: int, body: str, actor: str, *, now: datetime | None = None
) -> Reply:
    """Change a draft or an approved reply; an approved one goes back to draft (the text that
    was approved is not the text any more)."""
    body = _body(body)
    now = now or now_utc()
    with transaction(db):
        reply = get_reply(db, reply_id)
        if reply.status == "sent":
            raise Conflict("a sent reply cannot change")
        db.execute(
            "UPDATE case_replies SET body = ?, status = 'draft', approved_by = NULL, "
            "updated_at = ? WHERE id = ?",
            (body, us(now), reply_id),
        )
        audit.record(
            db,
            actor,
            "reply.edit",
            f"case:{reply.case_id}",
            {"reply": reply_id, "was": reply.status, "body": body},
            at=now,
        )
    return get_reply(db, reply_id)


def approve(
    db: sqlite3.Connection, reply_id: int, actor: str, *, now: datetime | None = None
) -> Reply:
    """Approve a draft (the API lets managers and admins call this)."""
    now = now or now_utc()
    with transaction(db):
        reply = get_reply(db, reply_id)
        if reply.status != "draft":
            raise Conflict(f"only a draft can be approved (this reply is {reply.status})")
        db.execute(
            "UPDATE case_replies SET status = 'approved', approved_by = ?, updated_at = ? "
            "WHERE id = ?",
            (actor, us(now), reply_id),
        )
        audit.record(
            db, actor, "reply.approve", f"case:{reply.case_id}", {"reply": reply_id}, at=now
        )
    return get_reply(db, reply_id)


def send(
    db: sqlite3.Connection,
    reply_id: int,
    actor: str,
    *,
    may_approve: bool,
    now: datetime | None = None,
) -> Reply:
    """Record the reply as sent and the case as answered. Without ``may_approve`` the reply
    must have been approved; with it, a draft is approved by the sender on the way."""
    now = now or now_utc()
    with transaction(db):
        reply = get_reply(db, reply_id)
        if reply.status == "sent":
            raise Conflict("this reply was sent already")
        if reply.status == "draft" and not may_approve:
            raise Conflict("this reply needs a manager's approval before it is sent")
        case = get_case(db, reply.case_id)
        if case.status is not Status.ANSWERED and not can_transition(case.status, Status.ANSWERED):
            raise Conflict(f"a {case.status} case cannot be answered")
        approved_by = reply.approved_by or actor
        db.execute(
            "UPDATE case_replies SET status = 'sent', approved_by = ?, sent_at = ?, updated_at = ? "
            "WHERE id = ?",
            (approved_by, us(now), us(now), reply_id),
        )
        audit.record(
            db,
            actor,
            "reply.send",
            case.target,
            {"reply": reply_id, "approved_by": approved_by, "posted": False},
            at=now,
        )
        if case.status is not Status.ANSWERED:
            db.execute(
                "UPDATE cases SET status = 'answered', updated_at = ? WHERE id = ?",
                (us(now), case.id),
            )
            audit.record(
                db,
                actor,
                "case.status",
                case.target,
                {"from": case.status.value, "to": "answered", "by": "reply"},
                at=now,
            )
    return get_reply(db, reply_id)
