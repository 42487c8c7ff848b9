"""One envelope for every JSON error, 400 (never 422) for bad input, and no traceback or
unhandled 500 ever reaches a user."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.fixtures import Signed, World, settings_for
from tocsin.api.auth import Role
from tocsin.api.settings import DEFAULT_SECRET, load_settings
from tocsin.errors import QueryError, UsageError
from tocsin.query import parse
from tocsin.web import create_app


@pytest.fixture
def admin(signed: dict[Role, Signed]) -> TestClient:
    return signed[Role.ADMIN].client


@pytest.mark.parametrize(
    ("url", "status", "error"),
    [
        ("/api/mentions?q=(((", 400, "unclosed '(' at position 3"),
        ("/api/mentions?q=cafelia%20AND", 400, None),
        ("/api/mentions?q=%22unclosed", 400, None),
        ("/api/mentions?q=a%20NEAR/x%20b", 400, None),
        ("/api/mentions?limit=0", 400, None),
        ("/api/mentions?limit=abc", 400, None),
        ("/api/mentions?cursor=not-a-cursor", 400, None),
        ("/api/mentions?cursor=WzEsMl0", 400, None),
        ("/api/mentions?since=yesterday", 400, None),
        ("/api/mentions?q=" + "a" * 5000, 400, None),
        ("/api/watches/nope/volume", 404, "no watch 'nope'"),
        ("/api/watches/cafelia/volume?bucket=week", 400, None),
        ("/api/watches/cafelia/volume?bucket=minute&since=2000-01-01", 400, None),
        ("/api/watches/cafelia/volume?since=2026-11-03&until=2026-11-02", 400, None),
        ("/api/mentions/x/does-not-exist", 404, "no such mention"),
        ("/api/mentions.csv?limit=100000000", 400, None),
        ("/api/nowhere", 404, "Not Found"),
    ],
)
def test_bad_requests_get_the_envelope(
    admin: TestClient, url: str, status: int, error: str | None
) -> None:
    response = admin.get(url)
    assert response.status_code == status
    body = response.json()
    assert body["ok"] is False
    assert body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert "Traceback" not in response.text
    if error is not None:
        assert body["error"] == error


@pytest.mark.parametrize("q", ["cafelia AND (refund OR", "(((", "a NEAR/0 b", "x*", '"open'])
def test_an_invalid_query_points_at_its_fault(admin: TestClient, q: str) -> None:
    with pytest.raises(QueryError) as parsed:
        parse(q)
    body = admin.get("/api/mentions", params={"q": q}).json()
    assert body == {
        "ok": False,
        "error": str(parsed.value),
        "status": 400,
        "position": parsed.value.position,
    }


def test_wrong_method_is_405_in_the_envelope(admin: TestClient) -> None:
    response = admin.put("/api/watches", headers={"authorization": "Bearer x"})
    assert response.status_code == 405
    assert response.json()["status"] == 405


def test_an_unexpected_exception_is_a_plain_500(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(world.settings)

    def boom() -> None:
        raise RuntimeError("secret internals /etc/passwd")

    app.add_api_route("/api/boom", boom)
    app.add_api_route("/boom", boom)
    client = TestClient(app)
    with caplog.at_level(logging.ERROR, logger="tocsin.web"):
        api = client.get("/api/boom")
        page = client.get("/boom")
    assert api.status_code == 500
    assert api.json() == {"ok": False, "error": "internal error", "status": 500}
    assert page.status_code == 500
    assert page.headers["content-type"].startswith("text/html")
    for response in (api, page):
        assert "secret internals" not in response.text
        assert "Traceback" not in response.text
        assert "content-security-policy" in response.headers
    assert "secret internals" in caplog.text  # logged for the operator


def test_html_errors_are_pages(admin: TestClient) -> None:
    response = admin.get("/nowhere")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "<!doctype html>" in response.text


def test_openapi_document(anonymous: TestClient) -> None:
    doc = anonymous.get("/api/openapi.json").json()
    operations = {
        op["operationId"]: (method.upper(), path)
        for path, ops in doc["paths"].items()
        for method, op in ops.items()
    }
    assert operations == {
        "listWatches": ("GET", "/api/watches"),
        "getWatchVolume": ("GET", "/api/watches/{watch_id}/volume"),
        "searchMentions": ("GET", "/api/mentions"),
        "exportMentionsCsv": ("GET", "/api/mentions.csv"),
        "exportMentionsParquet": ("GET", "/api/mentions.parquet"),
        "getMention": ("GET", "/api/mentions/{platform}/{native_id}"),
        "streamVolume": ("GET", "/api/stream/volume"),
        "listIncidents": ("GET", "/api/incidents"),
        "getIncident": ("GET", "/api/incidents/{incident_id}"),
        "getMe": ("GET", "/api/me"),
        "listTokens": ("GET", "/api/tokens"),
        "createToken": ("POST", "/api/tokens"),
        "revokeToken": ("DELETE", "/api/tokens/{token_id}"),
        "listUsers": ("GET", "/api/users"),
        "createUser": ("POST", "/api/users"),
        "listCases": ("GET", "/api/cases"),
        "exportCasesCsv": ("GET", "/api/cases.csv"),
        "exportCasesParquet": ("GET", "/api/cases.parquet"),
        "openCase": ("POST", "/api/cases"),
        "triageCases": ("POST", "/api/cases/triage"),
        "getCase": ("GET", "/api/cases/{case_id}"),
        "assignCase": ("POST", "/api/cases/{case_id}/assign"),
        "setCaseStatus": ("POST", "/api/cases/{case_id}/status"),
        "addCaseNote": ("POST", "/api/cases/{case_id}/notes"),
        "escalateCase": ("POST", "/api/cases/{case_id}/escalate"),
        "draftReply": ("POST", "/api/cases/{case_id}/replies"),
        "editReply": ("PUT", "/api/replies/{reply_id}"),
        "approveReply": ("POST", "/api/replies/{reply_id}/approve"),
        "sendReply": ("POST", "/api/replies/{reply_id}/send"),
        "listTemplates": ("GET", "/api/templates"),
        "setTemplate": ("PUT", "/api/templates/{key}/{lang}"),
        "listHidden": ("GET", "/api/moderation"),
        "hideMention": ("POST", "/api/moderation/hide"),
        "unhideMention": ("POST", "/api/moderation/unhide"),
        "listAudit": ("GET", "/api/audit"),
        "exportAuditCsv": ("GET", "/api/audit.csv"),
        "exportAuditParquet": ("GET", "/api/audit.parquet"),
        "getWatchSegments": ("GET", "/api/watches/{watch_id}/segments"),
        "getAuthor": ("GET", "/api/authors/{platform}/{author_id}"),
        "getWatchCoordination": ("GET", "/api/watches/{watch_id}/coordination"),
        "getIncidentHelpers": ("GET", "/api/incidents/{incident_id}/helpers"),
        "listAmbassadors": ("GET", "/api/ambassadors"),
        "inviteAmbassador": ("POST", "/api/ambassadors"),
        "getAmbassador": ("GET", "/api/ambassadors/{ambassador_id}"),
        "enrolAmbassador": ("POST", "/api/ambassadors/{ambassador_id}/enrol"),
        "optOutAmbassador": ("POST", "/api/ambassadors/{ambassador_id}/opt-out"),
        "listMissions": ("GET", "/api/missions"),
        "createMission": ("POST", "/api/missions"),
        "closeMission": ("POST", "/api/missions/{mission_id}/close"),
        "listCompletions": ("GET", "/api/missions/{mission_id}/completions"),
        "getLeaderboard": ("GET", "/api/leaderboard"),
        "listRewards": ("GET", "/api/rewards"),
        "createReward": ("POST", "/api/rewards"),
        "redeemReward": ("POST", "/api/rewards/{reward_id}/redeem"),
        "listExperiences": ("GET", "/api/experiences"),
        "excludeCountry": ("POST", "/api/ambassadors/countries"),
        "allowCountry": ("DELETE", "/api/ambassadors/countries/{country}"),
        "checkMissions": ("POST", "/api/missions/check"),
        "withdrawReward": ("POST", "/api/rewards/{reward_id}/withdraw"),
    }
    for ops in doc["paths"].values():
        for op in ops.values():
            assert "422" not in op["responses"]
            assert op["responses"]["400"]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorEnvelope"
            }
            assert op["x-permission"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]


def test_settings_refuse_default_secrets_outside_development(world: World) -> None:
    with pytest.raises(UsageError, match="TOCSIN_SECRET_KEY must be set"):
        load_settings(environment="production", db=world.db, secret_key=DEFAULT_SECRET)
    with pytest.raises(UsageError, match="at least 32 characters"):
        load_settings(environment="production", db=world.db, secret_key="short")
    ok = load_settings(environment="production", db=world.db, secret_key="s" * 40)
    assert ok.secure_cookies
    assert not settings_for(world.db).secure_cookies


def test_settings_come_from_the_environment(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOCSIN_ENVIRONMENT", "production")
    monkeypatch.setenv("TOCSIN_SECRET_KEY", "e" * 40)
    monkeypatch.setenv("TOCSIN_SESSION_HOURS", "2")
    settings = load_settings(db=world.db)
    assert settings.session_hours == 2
    assert settings.secret == b"e" * 40
    monkeypatch.setenv("TOCSIN_SESSION_HOURS", "many")
    with pytest.raises(UsageError, match="session_hours"):
        load_settings(db=world.db)


def test_an_app_on_a_missing_database_answers_cleanly(tmp_path: object) -> None:
    from pathlib import Path

    app = create_app(settings_for(Path(str(tmp_path)) / "missing.db"))
    response = TestClient(app).get("/api/watches")
    assert response.status_code == 503
    assert "tocsin init" in response.json()["error"]


def test_api_is_not_framed_nor_sniffed(app: FastAPI, anonymous: TestClient) -> None:
    response = anonymous.get("/api/watches")
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    q=st.text(alphabet=st.sampled_from('ab é"()*#@:-/ANDORTNEA0\u202e\x00'), max_size=40),
    since=st.sampled_from(["", "7d", "2026-11-02", "nope", "99999999d", "999999w", "0001-01-01"]),
)
def test_any_query_gets_an_answer_or_a_400(admin: TestClient, q: str, since: str) -> None:
    response = admin.get("/api/mentions", params={"q": q, "since": since, "limit": 5})
    assert response.status_code in (200, 400), response.text
    page = admin.get("/search", params={"q": q, "since": since})
    assert page.status_code in (200, 400)
