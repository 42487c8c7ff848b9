"""Rewards: redemption debits points atomically; a balance never goes negative, even when two
redemptions race on two connections."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from tests.ambassadors.conversation import T0
from tests.ambassadors.test_missions import NOW, enrolled
from tocsin.ambassadors import enrolment, points
from tocsin.respond import audit
from tocsin.respond._db import transaction, us
from tocsin.respond.errors import Conflict
from tocsin.store.sqlite import SQLiteStore


def give(db: sqlite3.Connection, ambassador_id: int, n: int) -> None:
    """Points as a counted mission would credit them (completion id 0: the ledger only)."""
    with transaction(db):
        points.credit(db, ambassador_id, n, 0, T0)


def test_redeem_debits_and_audits(store: SQLiteStore) -> None:
    a = enrolled(store, 400)
    give(store.db, a.id, 100)
    mug = points.add_reward(store.db, "Mug", 60, "manager", stock=1, now=T0)
    r = points.redeem(store.db, mug.id, a.id, "agent1", now=NOW)
    assert (r.cost, r.balance) == (60, 40)
    assert points.balance(store.db, a.id) == 40
    assert points.get_reward(store.db, mug.id).stock == 0
    assert [(x.delta, x.reason) for x in points.ledger(store.db, a.id)] == [
        (100, "mission"), (-60, "redemption"),
    ]  # fmt: skip
    [entry] = audit.entries(store.db, target=a.target, limit=1)
    assert entry.action == "reward.redeem" and entry.details["cost"] == 60
    assert points.redemptions(store.db, a.id)[0].balance == 40
    with pytest.raises(Conflict, match="out of stock"):
        give(store.db, a.id, 100)
        points.redeem(store.db, mug.id, a.id, "agent1")


def test_refused_redemption_changes_nothing(store: SQLiteStore) -> None:
    a = enrolled(store, 401)
    give(store.db, a.id, 50)
    bag = points.add_reward(store.db, "Bag", 80, "manager", stock=3, now=T0)
    with pytest.raises(Conflict, match="balance 50"):
        points.redeem(store.db, bag.id, a.id, "agent1")
    assert points.balance(store.db, a.id) == 50
    assert points.get_reward(store.db, bag.id).stock == 3
    assert points.redemptions(store.db) == []
    enrolment.opt_out(store.db, a.id, "manager")
    cheap = points.add_reward(store.db, "Sticker", 10, "manager")
    with pytest.raises(Conflict, match="not enrolled"):
        points.redeem(store.db, cheap.id, a.id, "agent1")


def test_the_ledger_refuses_a_negative_balance_and_edits(store: SQLiteStore) -> None:
    a = enrolled(store, 402)
    give(store.db, a.id, 10)
    with pytest.raises(sqlite3.IntegrityError, match="negative"):
        store.db.execute(
            "INSERT INTO ambassador_ledger (ambassador_id, at, delta, reason) "
            "VALUES (?, ?, -11, 'redemption')",
            (a.id, us(NOW)),
        )
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("UPDATE ambassador_ledger SET delta = 1000")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        store.db.execute("DELETE FROM ambassador_ledger")
    assert points.balance(store.db, a.id) == 10


def test_two_racing_redemptions_spend_the_points_once(tmp_path: Path) -> None:
    from tests.ambassadors.conversation import conversation

    path = tmp_path / "race.db"
    first = SQLiteStore(path)
    first.migrate()
    conversation(first, crowd=5)
    a = enrolled(first, 403)
    give(first.db, a.id, 100)
    reward = points.add_reward(first.db, "Tasting", 60, "manager", now=T0)
    second = SQLiteStore(path)
    gate = threading.Barrier(2)
    outcomes: list[str] = []

    def spend(store: SQLiteStore) -> None:
        gate.wait()
        try:
            points.redeem(store.db, reward.id, a.id, "agent1")
            outcomes.append("ok")
        except Conflict:
            outcomes.append("refused")

    for _ in range(5):  # several rounds: the race is real, not staged once
        threads = [threading.Thread(target=spend, args=(s,)) for s in (first, second)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        give(first.db, a.id, 60)
    assert outcomes.count("ok") == 5 and outcomes.count("refused") == 5
    assert points.balance(first.db, a.id) == 100  # five rounds of -60 then +60
    assert (
        min(
            total
            for (total,) in first.db.execute(
                "SELECT sum(delta) OVER (ORDER BY id) FROM ambassador_ledger "
                "WHERE ambassador_id = ?",
                (a.id,),
            )
        )
        >= 0
    )
    assert len(points.redemptions(first.db, a.id)) == 5
    first.close()
    second.close()


def test_a_withdrawn_reward_leaves_the_catalogue(store: SQLiteStore) -> None:
    a = enrolled(store, 404)
    give(store.db, a.id, 100)
    cap = points.add_reward(store.db, "Cap", 10, "manager", now=T0)
    with pytest.raises(Conflict, match="exists already"):
        points.add_reward(store.db, "Cap", 5, "manager")
    points.withdraw_reward(store.db, cap.id, "manager", now=NOW)
    assert points.list_rewards(store.db) == []
    assert [r.id for r in points.list_rewards(store.db, active_only=False)] == [cap.id]
    with pytest.raises(Conflict, match="withdrawn"):
        points.redeem(store.db, cap.id, a.id, "agent1")
    actions = [e.action for e in audit.entries(store.db, target=f"reward:{cap.id}")]
    assert actions == ["reward.withdraw", "reward.add"]
