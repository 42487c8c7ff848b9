"""Missions over SQL: add (tied to a campaign watch or an incident, with a window, instructions
and points), close, read; and their completions (counted or flagged, with the reason).

A mission is open to every eligible ambassador, or only to its assignees when it has some.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from tocsin.ambassadors.enrolment import get as get_ambassador
from tocsin.ambassadors.rules import MissionKind, MissionSpec, Status, normalise_link, normalise_tag
from tocsin.respond import audit
from tocsin.respond._db import dt, now_utc, transaction, us
from tocsin.respond.errors import Conflict, NotFound

MAX_TEXT_CHARS = 5_000
MAX_POINTS = 10_000
MAX_WINDOW = timedelta(days=366)


@dataclass(frozen=True, slots=True)
class Mission:
    id: int
    kind: MissionKind
    title: str
    instructions: str
    watch_id: str | None
    incident_id: str | None
    target_platform: str | None
    target_id: str | None
    link: str | None
    hashtag: str | None
    starts_at: datetime
    deadline: datetime
    points: int
    status: str  # open | closed
    created_by: str
    created_at: datetime
    assignees: tuple[int, ...] = ()

    @property
    def target(self) -> str:
        return f"mission:{self.id}"

    @property
    def spec(self) -> MissionSpec:
        return MissionSpec(
            self.kind,
            self.starts_at,
            self.deadline,
            self.target_platform,
            self.target_id,
            self.link,
            self.hashtag,
        )


@dataclass(frozen=True, slots=True)
class Completion:
    id: int
    mission_id: int
    ambassador_id: int
    platform: str
    native_id: str
    posted_at: datetime
    counted: bool
    reason: str
    disclosure: str
    text: str
    url: str | None
    checked_at: datetime


_COLUMNS = (
    "id, kind, title, instructions, watch_id, incident_id, target_platform, target_id, link, "
    "hashtag, starts_at, deadline, points, status, created_by, created_at"
)


def _when(v: int) -> datetime:
    d = dt(v)
    assert d is not None
    return d


def _mission(db: sqlite3.Connection, r: tuple[Any, ...]) -> Mission:
    assignees = tuple(
        x[0]
        for x in db.execute(
            "SELECT ambassador_id FROM mission_assignees WHERE mission_id = ? ORDER BY 1", (r[0],)
        )
    )
    return Mission(
        r[0], MissionKind(r[1]), r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
        _when(r[10]), _when(r[11]), r[12], r[13], r[14], _when(r[15]), assignees,
    )  # fmt: skip


def get(db: sqlite3.Connection, mission_id: int) -> Mission:
    row = db.execute(f"SELECT {_COLUMNS} FROM missions WHERE id = ?", (mission_id,)).fetchone()
    if row is None:
        raise NotFound(f"no mission {mission_id}")
    return _mission(db, row)


def list_missions(db: sqlite3.Connection, status: str | None = None) -> list[Mission]:
    """Newest deadline first."""
    if status is None:
        rows = db.execute(f"SELECT {_COLUMNS} FROM missions ORDER BY deadline DESC, id DESC")
    else:
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM missions WHERE status = ? ORDER BY deadline DESC, id DESC",
            (status,),
        )
    return [_mission(db, r) for r in rows.fetchall()]


def add(
    db: sqlite3.Connection,
    kind: MissionKind | str,
    actor: str,
    *,
    title: str,
    instructions: str,
    deadline: datetime,
    points: int,
    watch_id: str | None = None,
    incident_id: str | None = None,
    target: tuple[str, str] | None = None,
    link: str | None = None,
    hashtag: str | None = None,
    starts_at: datetime | None = None,
    assignees: Sequence[int] = (),
    now: datetime | None = None,
) -> Mission:
    """A new open mission. ``target`` is ``(platform, native_id)`` of the post to share or the
    thread to answer. An incident mission takes the incident's watch as its campaign."""
    try:
        kind = MissionKind(kind)
    except ValueError:
        raise Conflict(f"a mission is one of {', '.join(k.value for k in MissionKind)}") from None
    now = now or now_utc()
    starts_at = starts_at or now
    title, instructions = title.strip()[:200], instructions.strip()[:MAX_TEXT_CHARS]
    if not title:
        raise Conflict("a mission has a title")
    if not instructions:
        raise Conflict("a mission has instructions")
    if not 0 <= points <= MAX_POINTS:
        raise Conflict(f"points are between 0 and {MAX_POINTS:,}")
    if deadline <= starts_at:
        raise Conflict("the deadline comes after the start")
    if deadline - starts_at > MAX_WINDOW:
        raise Conflict("a mission lasts at most a year")
    tag = normalise_tag(hashtag) if hashtag else None
    url = link.strip() if link and link.strip() else None
    if url is not None and not normalise_link(url):
        raise Conflict(f"{link!r} is not a link")
    if kind is MissionKind.SHARE and not (target or url or tag):
        raise Conflict("a share mission names the post to share, a link or a hashtag")
    if kind is MissionKind.ANSWER and target is None:
        raise Conflict("an answer mission names the post whose thread to answer in")
    with transaction(db):
        if incident_id is not None:
            row = db.execute(
                "SELECT watch_id FROM incidents WHERE id = ?", (incident_id,)
            ).fetchone()
            if row is None:
                raise NotFound(f"no incident {incident_id!r}")
            watch_id = watch_id or row[0]
        if watch_id is not None:
            if db.execute("SELECT 1 FROM watches WHERE id = ?", (watch_id,)).fetchone() is None:
                raise NotFound(f"no watch {watch_id!r}")
        elif incident_id is None:
            raise Conflict("a mission is tied to a campaign (a watch) or an incident")
        if kind is MissionKind.EXPERIENCE and watch_id is None:
            raise Conflict("an experience mission needs the campaign's watch")
        for aid in assignees:
            if get_ambassador(db, aid).status is not Status.ENROLLED:
                raise Conflict(f"ambassador {aid} is not enrolled")
        cur = db.execute(
            "INSERT INTO missions (kind, title, instructions, watch_id, incident_id, "
            "target_platform, target_id, link, hashtag, starts_at, deadline, points, status, "
            "created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, ?)",
            (
                kind.value,
                title,
                instructions,
                watch_id,
                incident_id,
                target[0] if target else None,
                target[1] if target else None,
                url,
                tag,
                us(starts_at),
                us(deadline),
                points,
                actor,
                us(now),
            ),
        )
        mission_id = int(cur.lastrowid or 0)
        db.executemany(
            "INSERT OR IGNORE INTO mission_assignees (mission_id, ambassador_id) VALUES (?, ?)",
            [(mission_id, aid) for aid in assignees],
        )
        audit.record(
            db,
            actor,
            "mission.add",
            f"mission:{mission_id}",
            {
                "kind": kind.value,
                "watch": watch_id,
                "incident": incident_id,
                "target": f"{target[0]}/{target[1]}" if target else None,
                "deadline": deadline.isoformat(),
                "points": points,
                "assignees": list(assignees),
            },
            at=now,
        )
    return get(db, mission_id)


def close(
    db: sqlite3.Connection, mission_id: int, actor: str, *, now: datetime | None = None
) -> Mission:
    """No more proofs are checked for a closed mission; what counted stays counted."""
    now = now or now_utc()
    with transaction(db):
        m = get(db, mission_id)
        if m.status == "closed":
            raise Conflict(f"mission {m.id} is closed already")
        db.execute("UPDATE missions SET status = 'closed' WHERE id = ?", (m.id,))
        audit.record(db, actor, "mission.close", m.target, at=now)
    return get(db, mission_id)


_COMPLETION_COLUMNS = (
    "id, mission_id, ambassador_id, platform, native_id, posted_at, status, reason, disclosure, "
    "text, url, checked_at"
)


def _completion(r: tuple[Any, ...]) -> Completion:
    return Completion(
        r[0], r[1], r[2], r[3], r[4], _when(r[5]), r[6] == "counted", r[7], r[8], r[9], r[10],
        _when(r[11]),
    )  # fmt: skip


def get_completion(db: sqlite3.Connection, completion_id: int) -> Completion:
    row = db.execute(
        f"SELECT {_COMPLETION_COLUMNS} FROM mission_completions WHERE id = ?", (completion_id,)
    ).fetchone()
    if row is None:
        raise NotFound(f"no completion {completion_id}")
    return _completion(row)


def completions(
    db: sqlite3.Connection,
    *,
    mission_id: int | None = None,
    ambassador_id: int | None = None,
    counted: bool | None = None,
) -> list[Completion]:
    """Proofs recorded, in the order they were checked."""
    where: list[str] = []
    params: list[Any] = []
    if mission_id is not None:
        where.append("mission_id = ?")
        params.append(mission_id)
    if ambassador_id is not None:
        where.append("ambassador_id = ?")
        params.append(ambassador_id)
    if counted is not None:
        where.append("status = ?")
        params.append("counted" if counted else "flagged")
    sql = f"SELECT {_COMPLETION_COLUMNS} FROM mission_completions"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_completion(r) for r in db.execute(sql + " ORDER BY id", params)]
