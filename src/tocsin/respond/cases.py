"""Cases over SQL: open (by hand or by the rule), assign (by hand or round-robin), move
through the statuses, note, escalate. Every change writes the audit log in its transaction.

A case points at its mention by ``(platform, native_id)``; one case per mention (reopening
a closed case is a transition, not a new case). Reach and velocity are taken when the case
opens (``followers``, ``reposts``); the priority adds the waiting time at read time.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tocsin.domain import Mention
from tocsin.respond import audit
from tocsin.respond._db import dt, now_utc, transaction, us
from tocsin.respond.errors import Conflict, NotFound
from tocsin.respond.rules import (
    DEFAULT_SLA,
    SLA_STOPPED,
    EscalationRole,
    Reason,
    SlaState,
    Status,
    can_transition,
    needs_answer,
    negativity_of,
    priority,
    sla_state,
)

MAX_NOTE_CHARS = 5_000
MAX_REASON_CHARS = 1_000
ROUND_ROBIN_ROLE = "agent"


@dataclass(frozen=True, slots=True)
class Case:
    id: int
    platform: str
    native_id: str
    reason: str
    status: Status
    followers: int
    reposts: int
    posted_at: datetime
    opened_at: datetime
    due_at: datetime
    assignee_id: int | None
    assignee: str | None
    escalated_to: str | None
    escalation_reason: str | None
    updated_at: datetime
    negativity: float = 0.0  # the post's, when the case opened (rules.negativity_of)

    @property
    def target(self) -> str:
        return f"case:{self.id}"

    def sla(self, now: datetime) -> SlaState:
        return sla_state(self, now)

    def priority(self, now: datetime) -> int:
        """``rules.priority`` with the time waited so far; an answered or closed case waited
        until its last change (its clock is stopped)."""
        until = self.updated_at if self.status in SLA_STOPPED else now
        return priority(
            self.followers,
            self.reposts,
            until - self.opened_at,
            sla=self.due_at - self.opened_at,
            negativity=self.negativity,
        )


@dataclass(frozen=True, slots=True)
class Note:
    id: int
    case_id: int
    author: str
    body: str
    at: datetime


_COLUMNS = (
    "c.id, c.platform, c.native_id, c.reason, c.status, c.followers, c.reposts, c.posted_at, "
    "c.opened_at, c.due_at, c.assignee_id, u.username, c.escalated_to, c.escalation_reason, "
    "c.updated_at, c.negativity"
)
_FROM = "cases c LEFT JOIN users u ON u.id = c.assignee_id"


def _case(row: tuple[Any, ...]) -> Case:
    def when(v: int) -> datetime:
        d = dt(v)
        assert d is not None
        return d

    return Case(
        id=row[0],
        platform=row[1],
        native_id=row[2],
        reason=row[3],
        status=Status(row[4]),
        followers=row[5],
        reposts=row[6],
        posted_at=when(row[7]),
        opened_at=when(row[8]),
        due_at=when(row[9]),
        assignee_id=row[10],
        assignee=row[11],
        escalated_to=row[12],
        escalation_reason=row[13],
        updated_at=when(row[14]),
        negativity=row[15],
    )


def get(db: sqlite3.Connection, case_id: int) -> Case:
    row = db.execute(f"SELECT {_COLUMNS} FROM {_FROM} WHERE c.id = ?", (case_id,)).fetchone()
    if row is None:
        raise NotFound(f"no case {case_id}")
    return _case(row)


def find(db: sqlite3.Connection, platform: str, native_id: str) -> Case | None:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM {_FROM} WHERE c.platform = ? AND c.native_id = ?",
        (platform, native_id),
    ).fetchone()
    return _case(row) if row else None


def list_cases(
    db: sqlite3.Connection,
    now: datetime,
    *,
    statuses: tuple[Status, ...] = (),
    assignee_id: int | None = None,
    limit: int = 200,
) -> list[Case]:
    """Cases still to handle first, then answered and closed ones; within each, by priority at
    ``now`` (highest first), then the oldest first. Without ``statuses``: every case but the
    closed ones."""
    where: list[str] = []
    params: list[object] = []
    if statuses:
        where.append(f"c.status IN ({', '.join('?' * len(statuses))})")
        params.extend(s.value for s in statuses)
    else:
        where.append("c.status != 'closed'")
    if assignee_id is not None:
        where.append("c.assignee_id = ?")
        params.append(assignee_id)
    sql = f"SELECT {_COLUMNS} FROM {_FROM} WHERE {' AND '.join(where)}"
    items = [_case(r) for r in db.execute(sql, params)]
    items.sort(key=lambda c: (c.status in SLA_STOPPED, -c.priority(now), c.opened_at, c.id))
    return items[:limit]


def open_case(
    db: sqlite3.Connection,
    mention: Mention,
    actor: str,
    reason: Reason | str = Reason.MANUAL,
    *,
    now: datetime | None = None,
    sla: timedelta = DEFAULT_SLA,
) -> Case:
    """A new case for ``mention``; ``Conflict`` if it has one already."""
    now = now or now_utc()
    reason = Reason(reason)
    with transaction(db):
        if find(db, mention.platform, mention.native_id) is not None:
            raise Conflict("this mention has a case already")
        cur = db.execute(
            "INSERT INTO cases (platform, native_id, reason, status, followers, reposts, "
            "posted_at, opened_at, due_at, updated_at, negativity) "
            "VALUES (?, ?, ?, 'new', ?, ?, ?, ?, ?, ?, ?)",
            (
                mention.platform,
                mention.native_id,
                reason.value,
                max(0, mention.author.followers or 0),
                max(0, mention.metrics.reposts or 0),
                us(mention.created_at),
                us(now),
                us(now + sla),
                us(now),
                negativity_of(mention),
            ),
        )
        case_id = int(cur.lastrowid or 0)
        audit.record(
            db,
            actor,
            "case.open",
            f"case:{case_id}",
            {
                "mention": f"{mention.platform}/{mention.native_id}",
                "reason": reason.value,
                "sla_hours": sla / timedelta(hours=1),
            },
            at=now,
        )
    return get(db, case_id)


def triage(
    db: sqlite3.Connection,
    mentions: list[Mention],
    *,
    actor: str = "system",
    now: datetime | None = None,
    sla: timedelta = DEFAULT_SLA,
    sla_of: Callable[[Mention], timedelta] | None = None,
) -> list[Case]:
    """Open a case for each mention that ``needs_answer`` and has none yet (one opened by
    someone else meanwhile is skipped). Each is due after ``sla_of(mention)`` when given
    (per-watch SLAs), else ``sla``."""
    opened = []
    for m in mentions:
        reason = needs_answer(m)
        if reason is None or find(db, m.platform, m.native_id) is not None:
            continue
        try:
            due = sla_of(m) if sla_of is not None else sla
            opened.append(open_case(db, m, actor, reason, now=now, sla=due))
        except Conflict:
            continue
    return opened


def _set_status(
    db: sqlite3.Connection,
    case: Case,
    new: Status,
    actor: str,
    now: datetime,
    *,
    action: str,
    details: dict[str, object] | None = None,
    extra_sql: str = "",
    extra_params: tuple[object, ...] = (),
) -> None:
    if case.status != new and not can_transition(case.status, new):
        raise Conflict(f"a case cannot go from {case.status} to {new}")
    db.execute(
        f"UPDATE cases SET status = ?, updated_at = ?{extra_sql} WHERE id = ?",
        (new.value, us(now), *extra_params, case.id),
    )
    audit.record(
        db,
        actor,
        action,
        case.target,
        {"from": case.status.value, "to": new.value, **(details or {})},
        at=now,
    )


def transition(
    db: sqlite3.Connection,
    case_id: int,
    new: Status | str,
    actor: str,
    *,
    now: datetime | None = None,
) -> Case:
    """Move a case to ``new`` (``TRANSITIONS``); ``Conflict`` if not allowed. Assigning and
    escalating have their own functions: they need an assignee or a role and a reason."""
    now = now or now_utc()
    new = Status(new)
    if new in (Status.ASSIGNED, Status.ESCALATED):
        case = get(db, case_id)
        if new is Status.ESCALATED or case.assignee_id is None:
            raise Conflict(f"use {'escalate' if new is Status.ESCALATED else 'assign'} for this")
    with transaction(db):
        case = get(db, case_id)
        if case.status == new:
            raise Conflict(f"the case is {new} already")
        _set_status(db, case, new, actor, now, action="case.status")
    return get(db, case_id)


def assign(
    db: sqlite3.Connection,
    case_id: int,
    assignee_id: int,
    actor: str,
    *,
    now: datetime | None = None,
    how: str = "manual",
) -> Case:
    """Give the case to an active user (not a viewer); a new, waiting, escalated or closed
    case becomes ``assigned``, an assigned one changes hands."""
    now = now or now_utc()
    with transaction(db):
        row = db.execute(
            "SELECT username, role, active FROM users WHERE id = ?", (assignee_id,)
        ).fetchone()
        if row is None or not row[2]:
            raise NotFound(f"no active user {assignee_id}")
        if row[1] == "viewer":
            raise Conflict("a viewer cannot be given a case")
        case = get(db, case_id)
        _set_status(
            db,
            case,
            Status.ASSIGNED,
            actor,
            now,
            action="case.assign",
            details={"assignee": row[0], "how": how},
            extra_sql=", assignee_id = ?",
            extra_params=(assignee_id,),
        )
    return get(db, case_id)


def next_agent(db: sqlite3.Connection, pool: str = ROUND_ROBIN_ROLE) -> int:
    """The active user of role ``pool`` after the last one given a case by round-robin (by id,
    wrapping around); ``NotFound`` if there is none."""
    ids = [
        r[0]
        for r in db.execute(
            "SELECT id FROM users WHERE role = ? AND active = 1 ORDER BY id", (pool,)
        )
    ]
    if not ids:
        raise NotFound(f"no active user with the role {pool}")
    row = db.execute("SELECT last_user_id FROM round_robin WHERE pool = ?", (pool,)).fetchone()
    last = row[0] if row else None
    return next((i for i in ids if last is None or i > last), ids[0])


def assign_round_robin(
    db: sqlite3.Connection, case_id: int, actor: str, *, now: datetime | None = None
) -> Case:
    """Assign to the next active agent in turn."""
    with transaction(db):
        user_id = next_agent(db)
        db.execute(
            "INSERT INTO round_robin (pool, last_user_id) VALUES (?, ?) "
            "ON CONFLICT (pool) DO UPDATE SET last_user_id = excluded.last_user_id",
            (ROUND_ROBIN_ROLE, user_id),
        )
        return assign(db, case_id, user_id, actor, now=now, how="round-robin")


def escalate(
    db: sqlite3.Connection,
    case_id: int,
    role: EscalationRole | str,
    reason: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> Case:
    """Hand the case to PR or legal, with a reason (required)."""
    now = now or now_utc()
    role = EscalationRole(role)
    reason = reason.strip()
    if not reason:
        raise Conflict("an escalation needs a reason")
    reason = reason[:MAX_REASON_CHARS]
    with transaction(db):
        case = get(db, case_id)
        if case.status is Status.ESCALATED:
            raise Conflict("the case is escalated already")
        _set_status(
            db,
            case,
            Status.ESCALATED,
            actor,
            now,
            action="case.escalate",
            details={"role": role.value, "reason": reason},
            extra_sql=", escalated_to = ?, escalation_reason = ?",
            extra_params=(role.value, reason),
        )
    return get(db, case_id)


def add_note(
    db: sqlite3.Connection, case_id: int, body: str, actor: str, *, now: datetime | None = None
) -> Note:
    """An internal note (never public)."""
    now = now or now_utc()
    body = body.strip()
    if not body:
        raise Conflict("a note needs some text")
    body = body[:MAX_NOTE_CHARS]
    with transaction(db):
        case = get(db, case_id)
        cur = db.execute(
            "INSERT INTO case_notes (case_id, author, body, at) VALUES (?, ?, ?, ?)",
            (case.id, actor, body, us(now)),
        )
        note_id = int(cur.lastrowid or 0)
        db.execute("UPDATE cases SET updated_at = ? WHERE id = ?", (us(now), case.id))
        audit.record(
            db, actor, "case.note", case.target, {"note": note_id, "chars": len(body)}, at=now
        )
    return Note(note_id, case.id, actor, body, now)


def notes(db: sqlite3.Connection, case_id: int) -> list[Note]:
    out = []
    for row in db.execute(
        "SELECT id, case_id, author, body, at FROM case_notes WHERE case_id = ? ORDER BY id",
        (case_id,),
    ):
        at = dt(row[4])
        assert at is not None
        out.append(Note(row[0], row[1], row[2], row[3], at))
    return out
