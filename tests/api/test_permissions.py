"""Every role on every endpoint: a role gets through exactly where the permission table says,
and a request without credentials gets nowhere. A new endpoint missing from ``REQUESTS`` fails
``test_every_endpoint_is_tried``."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.fixtures import BLUESKY_ID, Signed
from tocsin.api.auth import PERMISSIONS, Permission, Role, allowed
from tocsin.api.deps import endpoints

# (method, route path) -> (a concrete URL, keyword arguments of the request)
REQUESTS: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("GET", "/api/watches"): ("/api/watches", {}),
    ("GET", "/api/watches/{watch_id}/volume"): ("/api/watches/cafelia/volume", {}),
    ("GET", "/api/mentions"): ("/api/mentions?limit=2", {}),
    ("GET", "/api/mentions.csv"): ("/api/mentions.csv?limit=2", {}),
    ("GET", "/api/mentions.parquet"): ("/api/mentions.parquet?limit=2", {}),
    ("GET", "/api/mentions/{platform}/{native_id:path}"): (
        f"/api/mentions/bluesky/{BLUESKY_ID}",
        {},
    ),
    ("GET", "/api/stream/volume"): ("/api/stream/volume", {}),
    ("GET", "/api/incidents"): ("/api/incidents", {}),
    ("GET", "/api/incidents/{incident_id}"): ("/api/incidents/nope", {}),
    ("GET", "/incidents"): ("/incidents", {}),
    ("GET", "/incidents/{incident_id}"): ("/incidents/nope", {}),
    ("GET", "/api/me"): ("/api/me", {}),
    ("GET", "/api/tokens"): ("/api/tokens", {}),
    ("POST", "/api/tokens"): ("/api/tokens", {"json": {"name": "matrix"}}),
    ("DELETE", "/api/tokens/{token_id}"): ("/api/tokens/999999", {}),
    ("GET", "/api/users"): ("/api/users", {}),
    ("POST", "/api/users"): (
        "/api/users",
        {"json": {"username": "x", "password": "short", "role": "viewer"}},
    ),
    # the inbox (unknown ids: a 404 proves the permission check let the request through)
    ("GET", "/api/cases"): ("/api/cases", {}),
    ("GET", "/api/cases.csv"): ("/api/cases.csv", {}),
    ("GET", "/api/cases.parquet"): ("/api/cases.parquet", {}),
    ("POST", "/api/cases"): ("/api/cases", {"json": {"platform": "x", "native_id": "nope"}}),
    ("GET", "/api/cases/{case_id}"): ("/api/cases/999999", {}),
    ("POST", "/api/cases/triage"): ("/api/cases/triage", {"json": {"watch": "nope"}}),
    ("POST", "/api/cases/{case_id}/assign"): ("/api/cases/999999/assign", {"json": {}}),
    ("POST", "/api/cases/{case_id}/status"): (
        "/api/cases/999999/status",
        {"json": {"status": "closed"}},
    ),
    ("POST", "/api/cases/{case_id}/notes"): ("/api/cases/999999/notes", {"json": {"body": "n"}}),
    ("POST", "/api/cases/{case_id}/escalate"): (
        "/api/cases/999999/escalate",
        {"json": {"role": "pr", "reason": "r"}},
    ),
    ("POST", "/api/cases/{case_id}/replies"): (
        "/api/cases/999999/replies",
        {"json": {"lang": "fr", "body": "b"}},
    ),
    ("PUT", "/api/replies/{reply_id}"): ("/api/replies/999999", {"json": {"body": "b"}}),
    ("POST", "/api/replies/{reply_id}/approve"): ("/api/replies/999999/approve", {}),
    ("POST", "/api/replies/{reply_id}/send"): ("/api/replies/999999/send", {}),
    ("GET", "/api/templates"): ("/api/templates", {}),
    ("PUT", "/api/templates/{key}/{lang}"): ("/api/templates/matrix/xx", {"json": {"body": "b"}}),
    ("GET", "/api/moderation"): ("/api/moderation", {}),
    ("POST", "/api/moderation/hide"): (
        "/api/moderation/hide",
        {"json": {"platform": "x", "native_id": "nope", "reason": "spam"}},
    ),
    ("POST", "/api/moderation/unhide"): (
        "/api/moderation/unhide",
        {"json": {"platform": "x", "native_id": "nope"}},
    ),
    ("GET", "/api/audit"): ("/api/audit?limit=2", {}),
    ("GET", "/api/audit.csv"): ("/api/audit.csv", {}),
    ("GET", "/api/audit.parquet"): ("/api/audit.parquet", {}),
    ("GET", "/inbox"): ("/inbox", {}),
    ("GET", "/cases/{case_id}"): ("/cases/999999", {}),
    ("GET", "/audit"): ("/audit", {}),
    ("GET", "/templates"): ("/templates", {}),
    ("POST", "/templates/{key}/{lang}"): ("/templates/matrix/xx", {"data": {"body": "b"}}),
    ("POST", "/inbox/triage"): ("/inbox/triage", {"data": {"since": "x"}}),
    ("POST", "/cases/open"): ("/cases/open", {"data": {"platform": "x", "native_id": "nope"}}),
    ("POST", "/cases/{case_id}/assign"): ("/cases/999999/assign", {"data": {}}),
    ("POST", "/cases/{case_id}/status"): ("/cases/999999/status", {"data": {"status": "closed"}}),
    ("POST", "/cases/{case_id}/notes"): ("/cases/999999/notes", {"data": {"body": "n"}}),
    ("POST", "/cases/{case_id}/escalate"): (
        "/cases/999999/escalate",
        {"data": {"role": "pr", "reason": "r"}},
    ),
    ("POST", "/cases/{case_id}/replies"): ("/cases/999999/replies", {"data": {"lang": "fr"}}),
    ("POST", "/replies/{reply_id}/edit"): ("/replies/999999/edit", {"data": {"body": "b"}}),
    ("POST", "/replies/{reply_id}/approve"): ("/replies/999999/approve", {"data": {}}),
    ("POST", "/replies/{reply_id}/send"): ("/replies/999999/send", {"data": {}}),
    ("POST", "/moderation/hide"): (
        "/moderation/hide",
        {"data": {"platform": "x", "native_id": "nope", "reason": "spam"}},
    ),
    ("POST", "/moderation/unhide"): (
        "/moderation/unhide",
        {"data": {"platform": "x", "native_id": "nope"}},
    ),
    # people and the ambassador programme (unknown ids: 404 past the permission check)
    ("GET", "/api/watches/{watch_id}/segments"): (
        "/api/watches/cafelia/segments?segment=critics",
        {},
    ),
    ("GET", "/api/authors/{platform}/{author_id:path}"): ("/api/authors/x/nobody", {}),
    ("GET", "/api/watches/{watch_id}/coordination"): ("/api/watches/cafelia/coordination", {}),
    ("GET", "/api/incidents/{incident_id}/helpers"): ("/api/incidents/nope/helpers", {}),
    ("GET", "/api/ambassadors"): ("/api/ambassadors", {}),
    ("POST", "/api/ambassadors"): (
        "/api/ambassadors",
        {"json": {"platform": "x", "author_id": "matrix", "country": "ZZ"}},
    ),
    ("GET", "/api/ambassadors/{ambassador_id}"): ("/api/ambassadors/999999", {}),
    ("POST", "/api/ambassadors/{ambassador_id}/enrol"): (
        "/api/ambassadors/999999/enrol",
        {"json": {"consent_text": "yes", "consent_version": "v1"}},
    ),
    ("POST", "/api/ambassadors/{ambassador_id}/opt-out"): ("/api/ambassadors/999999/opt-out", {}),
    ("POST", "/api/ambassadors/countries"): (
        "/api/ambassadors/countries",
        {"json": {"country": "?", "reason": "matrix"}},
    ),
    ("DELETE", "/api/ambassadors/countries/{country}"): ("/api/ambassadors/countries/YY", {}),
    ("POST", "/api/missions/check"): ("/api/missions/check", {}),
    ("POST", "/api/rewards/{reward_id}/withdraw"): ("/api/rewards/999999/withdraw", {}),
    ("GET", "/api/missions"): ("/api/missions", {}),
    ("POST", "/api/missions"): (
        "/api/missions",
        {
            "json": {
                "kind": "share",
                "title": "t",
                "instructions": "i",
                "deadline": "2999-01-01T00:00:00Z",
                "points": 1,
                "watch_id": "nope",
                "hashtag": "matrix",
            }
        },
    ),
    ("POST", "/api/missions/{mission_id}/close"): ("/api/missions/999999/close", {}),
    ("GET", "/api/missions/{mission_id}/completions"): ("/api/missions/999999/completions", {}),
    ("GET", "/api/leaderboard"): ("/api/leaderboard", {}),
    ("GET", "/api/rewards"): ("/api/rewards", {}),
    ("POST", "/api/rewards"): ("/api/rewards", {"json": {"name": "", "cost": 1}}),
    ("POST", "/api/rewards/{reward_id}/redeem"): (
        "/api/rewards/999999/redeem",
        {"json": {"ambassador_id": 999999}},
    ),
    ("GET", "/api/experiences"): ("/api/experiences", {}),
    ("GET", "/people"): ("/people", {}),
    ("GET", "/watches/{watch_id}/people"): ("/watches/nope/people", {}),
    ("GET", "/authors/{platform}/{author_id:path}"): ("/authors/x/nobody", {}),
    ("GET", "/ambassadors"): ("/ambassadors", {}),
    ("POST", "/ambassadors/invite"): (
        "/ambassadors/invite",
        {"data": {"platform": "x", "author_id": "page-matrix", "country": "ZZ"}},
    ),
    ("POST", "/ambassadors/{ambassador_id}/enrol"): (
        "/ambassadors/999999/enrol",
        {"data": {"consent_text": "yes", "consent_version": "v1"}},
    ),
    ("POST", "/ambassadors/{ambassador_id}/opt-out"): ("/ambassadors/999999/opt-out", {"data": {}}),
    ("POST", "/ambassadors/countries"): (
        "/ambassadors/countries",
        {"data": {"country": "?", "reason": "matrix"}},
    ),
    ("POST", "/ambassadors/countries/{country}/allow"): ("/ambassadors/countries/YY/allow", {}),
    ("POST", "/missions/check"): ("/missions/check", {}),
    ("POST", "/rewards/{reward_id}/withdraw"): ("/rewards/999999/withdraw", {}),
    ("POST", "/missions/new"): (
        "/missions/new",
        {"data": {"kind": "share", "title": "t", "instructions": "i", "watch_id": "nope"}},
    ),
    ("POST", "/missions/{mission_id}/close"): ("/missions/999999/close", {"data": {}}),
    ("POST", "/rewards/new"): ("/rewards/new", {"data": {"name": " ", "cost": "1"}}),
    ("POST", "/rewards/{reward_id}/redeem"): (
        "/rewards/999999/redeem",
        {"data": {"ambassador_id": "999999"}},
    ),
    ("GET", "/experiences"): ("/experiences", {}),
    ("GET", "/login"): ("/login", {}),
    ("POST", "/login"): ("/login", {"data": {"username": "nobody", "password": "nothing"}}),
    ("POST", "/logout"): ("/logout", {}),
    ("POST", "/lang"): ("/lang", {"data": {"lang": "en"}}),
    ("GET", "/"): ("/", {}),
    ("GET", "/dashboard/cards"): ("/dashboard/cards", {}),
    ("GET", "/search"): ("/search?q=caf%C3%A9lia", {}),
    ("GET", "/mentions/{platform}/{native_id:path}"): ("/mentions/x/parent", {}),
    ("GET", "/account"): ("/account", {}),
    ("POST", "/account/tokens"): ("/account/tokens", {"data": {"name": "matrix"}}),
    ("POST", "/account/tokens/{token_id}/revoke"): ("/account/tokens/999999/revoke", {}),
}
#: Endpoints anyone may call (signing in and out, choosing a language, the published page).
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("POST", "/logout"),
    ("POST", "/lang"),
    ("GET", "/experiences"),  # the published experiences: public and embeddable
}


def _send(client: TestClient, method: str, url: str, csrf: str | None, **kw: Any) -> Any:
    kw = {k: (dict(v) if isinstance(v, dict) else v) for k, v in kw.items()}
    if csrf is not None and method != "GET":
        if "data" in kw:
            kw["data"]["csrf_token"] = csrf
        else:
            kw["headers"] = {"x-csrf-token": csrf}
    return client.request(method, url, **kw)


def test_every_endpoint_is_tried(app: FastAPI) -> None:
    routes = {(e.method, e.path) for e in endpoints(app)}
    assert routes == set(REQUESTS)


def test_public_endpoints_are_exactly_those_without_permission(app: FastAPI) -> None:
    assert {(e.method, e.path) for e in endpoints(app) if e.permission is None} == PUBLIC


def test_every_permission_is_used_and_admin_holds_all(app: FastAPI) -> None:
    used = {e.permission for e in endpoints(app)} - {None}
    assert used == set(Permission)
    assert all(Role.ADMIN in roles for roles in PERMISSIONS.values())


ENDPOINTS = sorted(e for e in REQUESTS if e not in PUBLIC)


@pytest.mark.parametrize("role", list(Role), ids=str)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e[0]} {e[1]}")
def test_role_reaches_what_its_permission_allows(
    app: FastAPI, signed: dict[Role, Signed], role: Role, endpoint: tuple[str, str]
) -> None:
    permission = next(e.permission for e in endpoints(app) if (e.method, e.path) == endpoint)
    assert permission is not None
    url, kw = REQUESTS[endpoint]
    who = signed[role]
    response = _send(who.client, endpoint[0], url, who.csrf, **kw)
    if allowed(role, permission):
        assert response.status_code not in (401, 403), response.text[:300]
        assert response.status_code < 500
    else:
        assert response.status_code == 403, response.text[:300]
        if url.startswith("/api/"):
            assert response.json() == {
                "ok": False,
                "error": f"your role ({role}) may not do this ({permission})",
                "status": 403,
            }
        else:
            assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e[0]} {e[1]}")
def test_no_credentials_reach_nothing(anonymous: TestClient, endpoint: tuple[str, str]) -> None:
    method, _ = endpoint
    url, kw = REQUESTS[endpoint]
    response = anonymous.request(method, url, **kw)
    if url.startswith("/api/"):
        # unsafe methods fail the CSRF check first: no cookie, no token
        assert response.status_code == (401 if method == "GET" else 403)
        assert response.json()["ok"] is False
    elif method == "GET":
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=")
    else:
        assert response.status_code == 403


@pytest.mark.parametrize("role", list(Role), ids=str)
def test_api_tokens_act_with_the_role_of_their_owner(
    signed: dict[Role, Signed], anonymous: TestClient, role: Role
) -> None:
    who = signed[role]
    created = who.client.post(
        "/api/tokens", json={"name": "ci"}, headers={"x-csrf-token": who.csrf}
    )
    assert created.status_code == 201
    token = created.json()["token"]
    bearer = {"authorization": f"Bearer {token}"}
    assert anonymous.get("/api/me", headers=bearer).json()["role"] == role.value
    users = anonymous.get("/api/users", headers=bearer)
    assert users.status_code == (200 if allowed(role, Permission.USERS_MANAGE) else 403)
    # a bearer request needs no CSRF token: it carries no ambient credential
    revoke = anonymous.delete(f"/api/tokens/{created.json()['id']}", headers=bearer)
    assert revoke.status_code == 204
    assert anonymous.get("/api/me", headers=bearer).status_code == 401


def test_a_bad_authorization_header_is_not_rescued_by_the_cookie(
    signed: dict[Role, Signed],
) -> None:
    client = signed[Role.ADMIN].client
    assert client.get("/api/me").status_code == 200
    for header in ("Bearer tocsin_wrong", "Basic YWRtaW46eA==", "Bearer", ""):
        response = client.get("/api/me", headers={"authorization": header})
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == "Bearer"
