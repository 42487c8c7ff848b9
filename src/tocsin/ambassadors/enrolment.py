"""Enrolment, opt-in only: an invitation, then consent recorded word for word with its version;
opt-out at any time; erasure of personal fields; countries where the programme must not run.

Statuses: ``invited`` -> ``enrolled`` (with a consent) -> ``opted_out`` (-> ``invited`` again by a
new invitation, which needs a new consent). Every change writes the audit log in its
transaction; audit entries name ``ambassador:<id>`` and never carry a handle or a name, so
erasing the personal fields leaves nothing personal behind in the append-only log.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.ambassadors.rules import Status, country_code
from tocsin.respond import audit
from tocsin.respond._db import dt, now_utc, transaction, us
from tocsin.respond.errors import Conflict, NotFound

MAX_CONSENT_CHARS = 50_000
MAX_NAME_CHARS = 200


@dataclass(frozen=True, slots=True)
class Ambassador:
    id: int
    platform: str
    author_id: str
    handle: str
    display_name: str
    country: str
    status: Status
    show_name: bool
    invited_at: datetime
    invited_by: str
    enrolled_at: datetime | None
    opted_out_at: datetime | None
    erased_at: datetime | None

    @property
    def target(self) -> str:
        return f"ambassador:{self.id}"

    @property
    def public_name(self) -> str | None:
        """The name to show in public: only with their consent, else ``None``."""
        if not self.show_name or self.erased_at is not None:
            return None
        return self.display_name or (f"@{self.handle}" if self.handle else None)

    @property
    def label(self) -> str:
        """For operators: the handle, or ``ambassador #id`` once erased."""
        return f"@{self.handle}" if self.handle else f"ambassador #{self.id}"


@dataclass(frozen=True, slots=True)
class Consent:
    id: int
    ambassador_id: int
    version: str
    text: str
    show_name: bool
    given_at: datetime
    recorded_by: str
    withdrawn_at: datetime | None


_COLUMNS = (
    "id, platform, author_id, handle, display_name, country, status, show_name, invited_at, "
    "invited_by, enrolled_at, opted_out_at, erased_at"
)


def _when(v: int) -> datetime:
    d = dt(v)
    assert d is not None
    return d


def _ambassador(r: tuple[Any, ...]) -> Ambassador:
    return Ambassador(
        r[0], r[1], r[2], r[3], r[4], r[5], Status(r[6]), bool(r[7]), _when(r[8]), r[9],
        dt(r[10]), dt(r[11]), dt(r[12]),
    )  # fmt: skip


def get(db: sqlite3.Connection, ambassador_id: int) -> Ambassador:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM ambassadors WHERE id = ?", (ambassador_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no ambassador {ambassador_id}")
    return _ambassador(row)


def find(db: sqlite3.Connection, platform: str, author_id: str) -> Ambassador | None:
    row = db.execute(
        f"SELECT {_COLUMNS} FROM ambassadors WHERE platform = ? AND author_id = ?",
        (platform, author_id),
    ).fetchone()
    return _ambassador(row) if row else None


def list_ambassadors(
    db: sqlite3.Connection, status: Status | str | None = None
) -> list[Ambassador]:
    if status is None:
        rows = db.execute(f"SELECT {_COLUMNS} FROM ambassadors ORDER BY id")
    else:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM ambassadors WHERE status = ? ORDER BY id",
            (Status(status).value,),
        )
    return [_ambassador(r) for r in rows]


def eligible(db: sqlite3.Connection) -> list[Ambassador]:
    """Ambassadors the programme runs for: enrolled, in a country that is not excluded."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM ambassadors WHERE status = 'enrolled' AND country NOT IN "
        "(SELECT country FROM ambassador_excluded_countries) ORDER BY id"
    )
    return [_ambassador(r) for r in rows]


# -- countries --------------------------------------------------------------------------------


def excluded_countries(db: sqlite3.Connection) -> dict[str, str]:
    """Country code -> the reason the programme must not run there."""
    rows = db.execute("SELECT country, reason FROM ambassador_excluded_countries ORDER BY country")
    return {r[0]: r[1] for r in rows}


def exclude_country(
    db: sqlite3.Connection, country: str, reason: str, actor: str, *, now: datetime | None = None
) -> None:
    """Stop the programme in ``country``: no enrolment there, and ambassadors already enrolled
    there get no missions and no points while it stays excluded."""
    code = country_code(country)
    reason = reason.strip()[:500] or "excluded"
    now = now or now_utc()
    with transaction(db):
        db.execute(
            "INSERT INTO ambassador_excluded_countries (country, reason, added_by, added_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (country) DO UPDATE SET reason = excluded.reason",
            (code, reason, actor, us(now)),
        )
        audit.record(
            db, actor, "ambassadors.exclude_country", f"country:{code}", {"reason": reason}, at=now
        )


def allow_country(
    db: sqlite3.Connection, country: str, actor: str, *, now: datetime | None = None
) -> None:
    code = country_code(country)
    now = now or now_utc()
    with transaction(db):
        cur = db.execute("DELETE FROM ambassador_excluded_countries WHERE country = ?", (code,))
        if cur.rowcount == 0:
            raise Conflict(f"{code} is not excluded")
        audit.record(db, actor, "ambassadors.allow_country", f"country:{code}", at=now)


def _refuse_excluded(db: sqlite3.Connection, code: str) -> None:
    row = db.execute(
        "SELECT reason FROM ambassador_excluded_countries WHERE country = ?", (code,)
    ).fetchone()
    if row is not None:
        raise Conflict(f"the ambassador programme does not run in {code}: {row[0]}")


# -- invitation, consent, opt-out, erasure ---------------------------------------------------


def invite(
    db: sqlite3.Connection,
    platform: str,
    author_id: str,
    actor: str,
    *,
    country: str,
    handle: str = "",
    display_name: str = "",
    now: datetime | None = None,
) -> Ambassador:
    """Invite an author (``platform`` + their platform id). Handle and name default to the
    stored author profile. Refused in an excluded country, or if already invited or enrolled;
    an author who opted out may be invited again (and must consent again)."""
    code = country_code(country)
    platform, author_id = platform.strip().lower(), author_id.strip()
    if not platform or not author_id:
        raise Conflict("an invitation names an author: platform and id (x:12345)")
    now = now or now_utc()
    with transaction(db):
        _refuse_excluded(db, code)
        if not handle or not display_name:
            row = db.execute(
                "SELECT handle, display_name FROM authors WHERE platform = ? AND id = ?",
                (platform, author_id),
            ).fetchone()
            if row is not None:
                handle = handle or row[0]
                display_name = display_name or row[1]
        handle = handle.strip().lstrip("@")[:MAX_NAME_CHARS]
        display_name = display_name.strip()[:MAX_NAME_CHARS]
        current = find(db, platform, author_id)
        if current is None:
            cur = db.execute(
                "INSERT INTO ambassadors (platform, author_id, handle, display_name, country, "
                "status, invited_at, invited_by) VALUES (?, ?, ?, ?, ?, 'invited', ?, ?)",
                (platform, author_id, handle, display_name, code, us(now), actor),
            )
            ambassador_id = int(cur.lastrowid or 0)
        elif current.status is Status.OPTED_OUT:
            ambassador_id = current.id
            db.execute(
                "UPDATE ambassadors SET status = 'invited', country = ?, handle = ?, "
                "display_name = ?, show_name = 0, invited_at = ?, invited_by = ?, "
                "enrolled_at = NULL, opted_out_at = NULL WHERE id = ?",
                (code, handle, display_name, us(now), actor, ambassador_id),
            )
        else:
            raise Conflict(f"ambassador {current.id} is {current.status.value} already")
        audit.record(
            db, actor, "ambassador.invite", f"ambassador:{ambassador_id}", {"country": code}, at=now
        )
    return get(db, ambassador_id)


def enrol(
    db: sqlite3.Connection,
    ambassador_id: int,
    consent_text: str,
    consent_version: str,
    actor: str,
    *,
    show_name: bool = False,
    now: datetime | None = None,
) -> Ambassador:
    """Record the invited author's consent (the exact text they agreed to and its version)
    and enrol them. ``show_name``: they also agreed to their name being shown in public."""
    text, version = consent_text.strip(), consent_version.strip()
    if not text:
        raise Conflict("consent is recorded with the text the ambassador agreed to")
    if not version:
        raise Conflict("consent is recorded with the version of that text")
    if len(text) > MAX_CONSENT_CHARS:
        raise Conflict(f"the consent text is longer than {MAX_CONSENT_CHARS:,} characters")
    now = now or now_utc()
    with transaction(db):
        a = get(db, ambassador_id)
        if a.status is Status.ENROLLED:
            raise Conflict(f"ambassador {a.id} is enrolled already")
        if a.status is not Status.INVITED:
            raise Conflict("enrolment is opt-in: invite the author first (ambassadors invite)")
        _refuse_excluded(db, a.country)
        cur = db.execute(
            "INSERT INTO ambassador_consents (ambassador_id, version, text, show_name, given_at, "
            "recorded_by) VALUES (?, ?, ?, ?, ?, ?)",
            (a.id, version[:200], text, int(show_name), us(now), actor),
        )
        db.execute(
            "UPDATE ambassadors SET status = 'enrolled', enrolled_at = ?, show_name = ? "
            "WHERE id = ?",
            (us(now), int(show_name), a.id),
        )
        # The writer lists an ambassador's posts as they are written; posts stored earlier but
        # dated from the enrolment on (clocks differ, imports race) are listed here, through
        # the index by time: only posts dated from now on are read.
        db.execute(
            "INSERT OR IGNORE INTO ambassador_posts (platform, author_id, mention_id) "
            "SELECT platform, author_id, id FROM mentions "
            "WHERE created_at >= ? AND platform = ? AND author_id = ?",
            (us(now), a.platform, a.author_id),
        )
        audit.record(
            db,
            actor,
            "ambassador.enrol",
            a.target,
            {
                "consent": cur.lastrowid,
                "version": version[:200],
                "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
                "show_name": show_name,
            },
            at=now,
        )
    return get(db, ambassador_id)


def opt_out(
    db: sqlite3.Connection, ambassador_id: int, actor: str, *, now: datetime | None = None
) -> Ambassador:
    """Stop everything at once: no missions, no points, no redemption, their experiences no
    longer published, consents marked withdrawn. History stays for the audit."""
    now = now or now_utc()
    with transaction(db):
        a = get(db, ambassador_id)
        if a.status is Status.OPTED_OUT:
            raise Conflict(f"ambassador {a.id} has opted out already")
        db.execute(
            "UPDATE ambassadors SET status = 'opted_out', opted_out_at = ?, show_name = 0 "
            "WHERE id = ?",
            (us(now), a.id),
        )
        db.execute(
            "UPDATE ambassador_consents SET withdrawn_at = ? "
            "WHERE ambassador_id = ? AND withdrawn_at IS NULL",
            (us(now), a.id),
        )
        audit.record(db, actor, "ambassador.opt_out", a.target, {"was": a.status.value}, at=now)
    return get(db, ambassador_id)


def erase(
    db: sqlite3.Connection, ambassador_id: int, actor: str, *, now: datetime | None = None
) -> Ambassador:
    """Erase the personal fields: handle, name, platform id (replaced by ``erased:<id>``), the
    text, link and id of their mission posts. Opts out first if needed. Points, badges,
    redemptions, consent texts and the audit log stay: they hold no personal data."""
    now = now or now_utc()
    with transaction(db):
        a = get(db, ambassador_id)
        if a.erased_at is not None:
            raise Conflict(f"ambassador {a.id} is erased already")
        if a.status is not Status.OPTED_OUT:
            opt_out(db, a.id, actor, now=now)
        db.execute(
            "UPDATE ambassadors SET author_id = ?, handle = '', display_name = '', "
            "show_name = 0, erased_at = ? WHERE id = ?",
            (f"erased:{a.id}", us(now), a.id),
        )
        cur = db.execute(
            "UPDATE mission_completions SET text = '', url = NULL, "
            "native_id = 'erased:' || id WHERE ambassador_id = ?",
            (a.id,),
        )
        audit.record(db, actor, "ambassador.erase", a.target, {"posts": cur.rowcount}, at=now)
    return get(db, ambassador_id)


def consents(db: sqlite3.Connection, ambassador_id: int) -> list[Consent]:
    rows = db.execute(
        "SELECT id, ambassador_id, version, text, show_name, given_at, recorded_by, withdrawn_at "
        "FROM ambassador_consents WHERE ambassador_id = ? ORDER BY id",
        (ambassador_id,),
    )
    return [Consent(r[0], r[1], r[2], r[3], bool(r[4]), _when(r[5]), r[6], dt(r[7])) for r in rows]


def erase_author(
    db: sqlite3.Connection,
    platform: str,
    author_id: str,
    actor: str,
    *,
    now: datetime | None = None,
) -> Ambassador | None:
    """``erase`` for the ambassador who is this author, if any (for ``tocsin erase --author``,
    the right to erasure across the store)."""
    a = find(db, platform, author_id)
    return None if a is None else erase(db, a.id, actor, now=now)
