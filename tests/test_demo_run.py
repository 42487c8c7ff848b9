"""``tocsin demo`` end to end on a short week: the database the dashboard opens on."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tocsin.api.auth.accounts import Accounts
from tocsin.demo_run import DEMO_USER, DemoLogin, run_demo
from tocsin.people.profiles import update_profiles
from tocsin.respond import cases
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents


@pytest.mark.slow
def test_demo_builds_incidents_cases_and_a_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_ANALYSIS", "fast")
    login: list[DemoLogin] = []
    lines = list(run_demo(tmp_path, seed=7, days=2, progress=False, login=login))
    text = "\n".join(lines)
    [creds] = login
    assert f"Demo login for the dashboard: {DEMO_USER} / {creds.password}" in text
    with SQLiteStore(tmp_path / "tocsin.db") as store:
        assert Accounts(store.db).authenticate(DEMO_USER, creds.password) is not None
        assert store.count_mentions() > 6_000
        analysed = store.db.execute("SELECT count(sentiment) FROM mentions").fetchone()[0]
        assert analysed == store.count_mentions()
        incidents = SQLiteIncidents(store.db).find(limit=100)
        assert len(cases.list_cases(store.db, datetime.now(UTC), limit=10)) == 10
        assert store.outbox().channels() == []  # the replay's sink is gone
        # Profiles and influence are counted: the first people read has nothing to catch up.
        assert update_profiles(store).mentions_read == 0
    # Every planted incident of the period is reported, detected or not (the backtest tests
    # hold the detection figures); every incident stored is one the monitor raised.
    assert text.count("UTC  slow_burn_blog") == 1
    assert "other incidents raised (no planted incident): " in text
    assert all(i.watch_id in ("cafelia", "cafelia-moments", "brewster") for i in incidents)
