"""Points, badges, streaks, the leaderboard, and the reward catalogue with redemption.

The ledger is append-only (triggers in ``m007_ambassadors`` refuse updates and deletes) and
the balance is its sum. A redemption reads the balance and debits it inside one ``BEGIN
IMMEDIATE`` transaction, so two redemptions never both spend the same points; a trigger also
refuses any debit that would take a balance below zero, whoever sends it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.ambassadors.enrolment import get as get_ambassador
from tocsin.ambassadors.rules import BADGES, Record, Standing, Status, badges_earned, rank
from tocsin.ambassadors.rules import streak_weeks as _streak_weeks
from tocsin.respond import audit
from tocsin.respond._db import dt, now_utc, transaction, us
from tocsin.respond.errors import Conflict, NotFound


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    id: int
    ambassador_id: int
    at: datetime
    delta: int
    reason: str  # mission | redemption
    ref: int | None


@dataclass(frozen=True, slots=True)
class Reward:
    id: int
    name: str
    description: str
    cost: int
    stock: int | None  # None: unlimited
    active: bool


@dataclass(frozen=True, slots=True)
class Redemption:
    id: int
    reward_id: int
    ambassador_id: int
    cost: int
    at: datetime
    recorded_by: str
    balance: int  # after the redemption


def _when(v: int) -> datetime:
    d = dt(v)
    assert d is not None
    return d


# -- ledger -----------------------------------------------------------------------------------


def balance(db: sqlite3.Connection, ambassador_id: int) -> int:
    row = db.execute(
        "SELECT coalesce(sum(delta), 0) FROM ambassador_ledger WHERE ambassador_id = ?",
        (ambassador_id,),
    ).fetchone()
    return int(row[0])


def ledger(db: sqlite3.Connection, ambassador_id: int) -> list[LedgerEntry]:
    rows = db.execute(
        "SELECT id, ambassador_id, at, delta, reason, ref FROM ambassador_ledger "
        "WHERE ambassador_id = ? ORDER BY id",
        (ambassador_id,),
    )
    return [LedgerEntry(r[0], r[1], _when(r[2]), r[3], r[4], r[5]) for r in rows]


def credit(
    db: sqlite3.Connection, ambassador_id: int, points: int, completion_id: int, at: datetime
) -> None:
    """Points for a counted mission; call it inside the transaction that records it."""
    if points > 0:
        db.execute(
            "INSERT INTO ambassador_ledger (ambassador_id, at, delta, reason, ref) "
            "VALUES (?, ?, ?, 'mission', ?)",
            (ambassador_id, us(at), points, completion_id),
        )


# -- streaks, badges --------------------------------------------------------------------------


def streak(db: sqlite3.Connection, ambassador_id: int, now: datetime) -> int:
    """Consecutive weeks with a counted mission (``rules.streak_weeks``), by the posts' dates."""
    rows = db.execute(
        "SELECT posted_at FROM mission_completions WHERE ambassador_id = ? AND status = 'counted'",
        (ambassador_id,),
    )
    return _streak_weeks((_when(r[0]).date() for r in rows), now.date())


def record(db: sqlite3.Connection, ambassador_id: int, now: datetime) -> Record:
    by_kind = {
        r[0]: int(r[1])
        for r in db.execute(
            "SELECT m.kind, count(*) FROM mission_completions c JOIN missions m "
            "ON m.id = c.mission_id WHERE c.ambassador_id = ? AND c.status = 'counted' "
            "GROUP BY m.kind",
            (ambassador_id,),
        )
    }
    earned = db.execute(
        "SELECT coalesce(sum(delta), 0) FROM ambassador_ledger "
        "WHERE ambassador_id = ? AND reason = 'mission'",
        (ambassador_id,),
    ).fetchone()[0]
    return Record(sum(by_kind.values()), by_kind, streak(db, ambassador_id, now), int(earned))


def badges(db: sqlite3.Connection, ambassador_id: int) -> dict[str, datetime]:
    rows = db.execute(
        "SELECT badge, awarded_at FROM ambassador_badges WHERE ambassador_id = ? ORDER BY 2, 1",
        (ambassador_id,),
    )
    return {r[0]: _when(r[1]) for r in rows}


def award_badges(
    db: sqlite3.Connection, ambassador_id: int, actor: str, now: datetime
) -> list[str]:
    """Award the badges the ambassador's record earns and does not hold yet; returns them."""
    with transaction(db):
        held = badges(db, ambassador_id)
        new = sorted(badges_earned(record(db, ambassador_id, now)) - held.keys())
        for badge in new:
            db.execute(
                "INSERT INTO ambassador_badges (ambassador_id, badge, awarded_at) VALUES (?, ?, ?)",
                (ambassador_id, badge, us(now)),
            )
            audit.record(
                db,
                actor,
                "ambassador.badge",
                f"ambassador:{ambassador_id}",
                {"badge": badge, "for": BADGES[badge]},
                at=now,
            )
    return new


# -- leaderboard ------------------------------------------------------------------------------


def leaderboard(
    db: sqlite3.Connection,
    now: datetime,
    *,
    since: datetime | None = None,
    watch_id: str | None = None,
    limit: int = 20,
) -> list[Standing]:
    """Enrolled ambassadors by points earned from missions (redemptions do not lower a rank)
    since ``since``, optionally on one campaign's missions. Names only with consent."""
    params: list[Any] = [us(since) if since else -(2**62)]
    on_watch = ""
    if watch_id is not None:
        on_watch = "AND c.mission_id IN (SELECT id FROM missions WHERE watch_id = ?)"
        params.append(watch_id)
    rows = db.execute(
        "SELECT a.id, a.display_name, a.handle, a.show_name, "
        "coalesce(sum(m.points), 0), count(c.id), max(c.posted_at) "
        "FROM ambassadors a LEFT JOIN mission_completions c ON c.ambassador_id = a.id "
        f"AND c.status = 'counted' AND c.posted_at >= ? {on_watch} "
        "LEFT JOIN missions m ON m.id = c.mission_id "
        "WHERE a.status = 'enrolled' GROUP BY a.id",
        params,
    ).fetchall()
    table = []
    for aid, display, handle, show, points, missions, reached in rows:
        name = (display or (f"@{handle}" if handle else "")) if show else ""
        table.append(
            (
                aid,
                name or f"ambassador #{aid}",
                int(points),
                int(missions),
                streak(db, aid, now),
                dt(reached),
            )
        )
    return rank(table)[:limit]


# -- rewards ----------------------------------------------------------------------------------


def _reward(r: tuple[Any, ...]) -> Reward:
    return Reward(r[0], r[1], r[2], r[3], r[4], bool(r[5]))


def get_reward(db: sqlite3.Connection, reward_id: int) -> Reward:
    row = db.execute(
        "SELECT id, name, description, cost, stock, active FROM rewards WHERE id = ?",
        (reward_id,),
    ).fetchone()
    if row is None:
        raise NotFound(f"no reward {reward_id}")
    return _reward(row)


def list_rewards(db: sqlite3.Connection, *, active_only: bool = True) -> list[Reward]:
    sql = "SELECT id, name, description, cost, stock, active FROM rewards"
    if active_only:
        sql += " WHERE active = 1"
    return [_reward(r) for r in db.execute(sql + " ORDER BY cost, id")]


def add_reward(
    db: sqlite3.Connection,
    name: str,
    cost: int,
    actor: str,
    *,
    description: str = "",
    stock: int | None = None,
    now: datetime | None = None,
) -> Reward:
    name, description = name.strip()[:200], description.strip()[:2_000]
    if not name:
        raise Conflict("a reward has a name")
    if cost <= 0:
        raise Conflict("a reward costs at least one point")
    if stock is not None and stock < 0:
        raise Conflict("stock is zero or more (leave it out for unlimited)")
    now = now or now_utc()
    with transaction(db):
        if db.execute("SELECT 1 FROM rewards WHERE name = ?", (name,)).fetchone():
            raise Conflict(f"a reward named {name!r} exists already")
        cur = db.execute(
            "INSERT INTO rewards (name, description, cost, stock, active, created_by, created_at) "
            "VALUES (?, ?, ?, ?, 1, ?, ?)",
            (name, description, cost, stock, actor, us(now)),
        )
        reward_id = int(cur.lastrowid or 0)
        audit.record(
            db, actor, "reward.add", f"reward:{reward_id}", {"cost": cost, "stock": stock}, at=now
        )
    return get_reward(db, reward_id)


def withdraw_reward(
    db: sqlite3.Connection, reward_id: int, actor: str, *, now: datetime | None = None
) -> Reward:
    """Take a reward out of the catalogue; redemptions already made stay."""
    now = now or now_utc()
    with transaction(db):
        reward = get_reward(db, reward_id)
        if not reward.active:
            raise Conflict(f"reward {reward.id} is withdrawn already")
        db.execute("UPDATE rewards SET active = 0 WHERE id = ?", (reward.id,))
        audit.record(db, actor, "reward.withdraw", f"reward:{reward.id}", at=now)
    return get_reward(db, reward_id)


def redeem(
    db: sqlite3.Connection,
    reward_id: int,
    ambassador_id: int,
    actor: str,
    *,
    now: datetime | None = None,
) -> Redemption:
    """Spend the ambassador's points on a reward: refused when they are not enrolled, the
    reward is inactive or out of stock, or the balance is short. Balance check, debit, stock
    and the audit entry commit together."""
    now = now or now_utc()
    with transaction(db):
        a = get_ambassador(db, ambassador_id)
        if a.status is not Status.ENROLLED:
            raise Conflict(f"ambassador {a.id} is not enrolled ({a.status.value})")
        reward = get_reward(db, reward_id)
        if not reward.active:
            raise Conflict(f"reward {reward.id} is withdrawn")
        have = balance(db, a.id)
        if have < reward.cost:
            raise Conflict(
                f"not enough points: balance {have}, {reward.name!r} costs {reward.cost}"
            )
        if reward.stock is not None:
            cur = db.execute(
                "UPDATE rewards SET stock = stock - 1 WHERE id = ? AND stock > 0", (reward.id,)
            )
            if cur.rowcount == 0:
                raise Conflict(f"{reward.name!r} is out of stock")
        cur = db.execute(
            "INSERT INTO reward_redemptions (reward_id, ambassador_id, cost, at, recorded_by) "
            "VALUES (?, ?, ?, ?, ?)",
            (reward.id, a.id, reward.cost, us(now), actor),
        )
        redemption_id = int(cur.lastrowid or 0)
        try:
            db.execute(
                "INSERT INTO ambassador_ledger (ambassador_id, at, delta, reason, ref) "
                "VALUES (?, ?, ?, 'redemption', ?)",
                (a.id, us(now), -reward.cost, redemption_id),
            )
        except sqlite3.IntegrityError:  # the trigger: another writer spent the points
            raise Conflict("not enough points") from None
        audit.record(
            db,
            actor,
            "reward.redeem",
            a.target,
            {"reward": reward.id, "redemption": redemption_id, "cost": reward.cost},
            at=now,
        )
        left = have - reward.cost
    return Redemption(redemption_id, reward.id, a.id, reward.cost, now, actor, left)


def redemptions(db: sqlite3.Connection, ambassador_id: int | None = None) -> list[Redemption]:
    sql = (
        "SELECT r.id, r.reward_id, r.ambassador_id, r.cost, r.at, r.recorded_by, "
        "(SELECT coalesce(sum(delta), 0) FROM ambassador_ledger l "
        " WHERE l.ambassador_id = r.ambassador_id AND l.id <= "
        "  (SELECT id FROM ambassador_ledger WHERE reason = 'redemption' AND ref = r.id)) "
        "FROM reward_redemptions r"
    )
    params: tuple[Any, ...] = ()
    if ambassador_id is not None:
        sql += " WHERE r.ambassador_id = ?"
        params = (ambassador_id,)
    return [
        Redemption(r[0], r[1], r[2], r[3], _when(r[4]), r[5], int(r[6]))
        for r in db.execute(sql + " ORDER BY r.id", params)
    ]
