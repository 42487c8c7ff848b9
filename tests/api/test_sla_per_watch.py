"""Per-watch SLA (issue 4: "24 h by default, configurable per watch"): a case is due after
the strictest SLA of the watches its post matched; ``TOCSIN_SLA_HOURS_BY_WATCH`` sets them."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI

from tests.api.fixtures import Signed, World, fill_store, settings_for
from tocsin.api.auth import Role
from tocsin.api.settings import load_settings
from tocsin.errors import UsageError
from tocsin.web import create_app


@pytest.fixture(scope="module")
def sla_world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("sla")
    db = tmp / "tocsin.db"
    fill_store(db, tmp)
    # refunds: 2 h; cafelia: the default, 24 h
    return World(db, settings_for(db, sla_hours_by_watch={"refunds": 2.0}))


@pytest.fixture(scope="module")
def sla_app(sla_world: World) -> FastAPI:
    return create_app(sla_world.settings)


def _due_in(case: dict[str, str]) -> timedelta:
    return datetime.fromisoformat(case["due_at"]) - datetime.fromisoformat(case["opened_at"])


def test_a_case_takes_the_strictest_sla_of_its_watches(sla_app: FastAPI, sla_world: World) -> None:
    agent = Signed(sla_app, sla_world, Role.AGENT)
    headers = {"x-csrf-token": agent.csrf}

    def open_case(native_id: str) -> dict[str, str]:
        answer = agent.client.post(
            "/api/cases", json={"platform": "x", "native_id": native_id}, headers=headers
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    # "Cafélia rembourse enfin": cafelia (24 h) and refunds (2 h) -> 2 h
    both = agent.client.get("/api/mentions/x/1001").json()
    assert set(both["watch_ids"]) == {"cafelia", "refunds"}
    assert _due_in(open_case("1001")) == timedelta(hours=2)
    # "cafélia: ma commande?": cafelia only -> the default
    assert _due_in(open_case("parent")) == timedelta(hours=24)

    # the page's form and the triage too
    page = agent.client.post(
        "/cases/open", data={"platform": "x", "native_id": "1002", "csrf_token": agent.csrf}
    )
    assert page.status_code == 303
    case = agent.client.get(page.headers["location"].replace("/cases/", "/api/cases/")).json()
    assert _due_in(case) == timedelta(hours=2)
    opened = agent.client.post(
        "/api/cases/triage", json={"since": "3650d", "limit": 1000}, headers=headers
    ).json()["data"]
    assert opened
    for c in opened:
        watches = agent.client.get(f"/api/mentions/x/{c['native_id']}").json()["watch_ids"]
        expected = 2 if "refunds" in watches else 24
        assert _due_in(c) == timedelta(hours=expected), (c["native_id"], watches)
    assert timedelta(hours=2) in {_due_in(c) for c in opened}


def test_sla_for_without_watches_and_with_a_longer_one() -> None:
    settings = load_settings(environment="development", sla_hours_by_watch={"slow": 48})
    assert settings.sla_for([]) == timedelta(hours=24)
    assert settings.sla_for(["slow"]) == timedelta(hours=48)
    assert settings.sla_for(["slow", "other"]) == timedelta(hours=24)


def test_the_setting_is_read_from_the_environment_as_json(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TOCSIN_ENVIRONMENT", "development")
    monkeypatch.setenv("TOCSIN_SLA_HOURS_BY_WATCH", '{"cafelia": 4, "refunds": 0.5}')
    assert load_settings().sla_hours_by_watch == {"cafelia": 4.0, "refunds": 0.5}
    for bad in ('{"cafelia": 0}', '{"Not A Watch": 4}', '{"cafelia": 1000}', "cafelia=4"):
        monkeypatch.setenv("TOCSIN_SLA_HOURS_BY_WATCH", bad)
        with pytest.raises(UsageError, match="sla_hours_by_watch"):
            load_settings()
