"""Moderation by the code of conduct: hide a post for one of the listed reasons (``HideReason``:
insult, threat, hate, spam, personal data), unhide it. Nothing is ever deleted, and criticism is
not a reason: there is no free-form reason to hide with. Hidden posts stay in the store; the
pages and the API show them to managers with the reason and mark them in search results.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.respond import audit
from tocsin.respond._db import dt, now_utc, transaction, us
from tocsin.respond.errors import Conflict, NotFound
from tocsin.respond.rules import HideReason

MAX_NOTE_CHARS = 1_000


@dataclass(frozen=True, slots=True)
class Decision:
    platform: str
    native_id: str
    hidden: bool
    reason: HideReason
    note: str
    decided_by: str
    decided_at: datetime


def _target(platform: str, native_id: str) -> str:
    return f"mention:{platform}/{native_id}"


def check_reason(reason: str) -> HideReason:
    try:
        return HideReason(reason)
    except ValueError:
        codes = ", ".join(r.value for r in HideReason)
        raise Conflict(
            f"a post is hidden only for a code-of-conduct reason ({codes}); criticism is not one"
        ) from None


def _exists(db: sqlite3.Connection, platform: str, native_id: str) -> bool:
    row = db.execute(
        "SELECT 1 FROM mentions WHERE platform = ? AND native_id = ?", (platform, native_id)
    ).fetchone()
    return row is not None


def hide(
    db: sqlite3.Connection,
    platform: str,
    native_id: str,
    reason: str,
    actor: str,
    *,
    note: str = "",
    now: datetime | None = None,
) -> Decision:
    code = check_reason(reason)
    note = note.strip()[:MAX_NOTE_CHARS]
    now = now or now_utc()
    with transaction(db):
        if not _exists(db, platform, native_id):
            raise NotFound("no such mention")
        db.execute(
            "INSERT INTO moderation (platform, native_id, hidden, reason, note, decided_by, "
            "decided_at) VALUES (?, ?, 1, ?, ?, ?, ?) ON CONFLICT (platform, native_id) DO UPDATE "
            "SET hidden = 1, reason = excluded.reason, note = excluded.note, "
            "decided_by = excluded.decided_by, decided_at = excluded.decided_at",
            (platform, native_id, code.value, note, actor, us(now)),
        )
        audit.record(
            db,
            actor,
            "mention.hide",
            _target(platform, native_id),
            {"reason": code.value, "note": note},
            at=now,
        )
    decision = get(db, platform, native_id)
    assert decision is not None
    return decision


def unhide(
    db: sqlite3.Connection,
    platform: str,
    native_id: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> Decision:
    now = now or now_utc()
    with transaction(db):
        current = get(db, platform, native_id)
        if current is None or not current.hidden:
            raise Conflict("this post is not hidden")
        db.execute(
            "UPDATE moderation SET hidden = 0, decided_by = ?, decided_at = ? "
            "WHERE platform = ? AND native_id = ?",
            (actor, us(now), platform, native_id),
        )
        audit.record(
            db,
            actor,
            "mention.unhide",
            _target(platform, native_id),
            {"was": current.reason.value},
            at=now,
        )
    decision = get(db, platform, native_id)
    assert decision is not None
    return decision


def _decision(row: tuple[Any, ...]) -> Decision:
    at = dt(row[6])
    assert at is not None
    return Decision(row[0], row[1], bool(row[2]), HideReason(row[3]), row[4], row[5], at)


_COLUMNS = "platform, native_id, hidden, reason, note, decided_by, decided_at"


def get(db: sqlite3.Connection, platform: str, native_id: str) -> Decision | None:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM moderation WHERE platform = ? AND native_id = ?",
        (platform, native_id),
    ).fetchone()
    return _decision(row) if row else None


def hidden_among(
    db: sqlite3.Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], Decision]:
    """The hidden ones among these mentions (for marking search results)."""
    wanted = list(dict.fromkeys(keys))
    out: dict[tuple[str, str], Decision] = {}
    for start in range(0, len(wanted), 400):
        chunk = wanted[start : start + 400]
        clause = " OR ".join("(platform = ? AND native_id = ?)" for _ in chunk)
        params = [v for key in chunk for v in key]
        for row in db.execute(
            f"SELECT {_COLUMNS} FROM moderation WHERE hidden = 1 AND ({clause})", params
        ):
            d = _decision(row)
            out[(d.platform, d.native_id)] = d
    return out
