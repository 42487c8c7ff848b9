"""Passwords, sign-in, sessions, API tokens at rest, CSRF."""

from __future__ import annotations

import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import PASSWORD, Signed, World, settings_for
from tocsin.api.auth import Accounts, LoginThrottle, Role, csrf
from tocsin.api.auth.passwords import hash_password, needs_rehash, verify_password
from tocsin.errors import UsageError
from tocsin.store.sqlite import SQLiteStore
from tocsin.web import create_app

FAST = 10  # scrypt cost for tests that hash many times


def test_password_hashes() -> None:
    stored = hash_password("correct horse battery", log2_n=FAST)
    assert stored.startswith(f"scrypt${FAST}$8$1$")
    assert verify_password("correct horse battery", stored)
    assert not verify_password("correct horse batterY", stored)
    assert hash_password("correct horse battery", log2_n=FAST) != stored  # salted
    assert needs_rehash(stored)  # below today's cost
    for broken in ("", "scrypt$", "md5$1$2$3$4$5", "scrypt$x$8$1$AA==$AA==", "scrypt$10$8$1$!$!"):
        assert not verify_password("x", broken)
    assert not verify_password("x" * 2000, stored)


def _login_form(client: TestClient) -> str:
    page = client.get("/login")
    assert page.status_code == 200
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert match
    return match.group(1)


def test_sign_in_and_out(app: object, world: World) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    token = _login_form(client)
    assert csrf.CSRF_COOKIE in client.cookies
    response = client.post(
        "/login",
        data={"username": "Agent ", "password": PASSWORD, "csrf_token": token, "next": "/search"},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/search"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{csrf.SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development
    assert client.get("/api/me").json()["username"] == "agent"
    # signed in: the forms carry a token bound to the session now
    page = client.get("/account")
    new_token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page.text)
    assert new_token and new_token.group(1) != token
    assert client.post("/logout", data={"csrf_token": token}).status_code == 403
    out = client.post("/logout", data={"csrf_token": new_token.group(1)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert client.get("/api/me").status_code == 401


def test_session_secret_is_not_stored(world: World, signed: dict[Role, Signed]) -> None:
    secret = signed[Role.VIEWER].secret
    dump = "\n".join(sqlite3.connect(world.db).iterdump())
    assert secret not in dump
    assert PASSWORD not in dump


def test_api_token_secret_is_not_stored(world: World, signed: dict[Role, Signed]) -> None:
    who = signed[Role.AGENT]
    body = who.client.post(
        "/api/tokens", json={"name": "at rest"}, headers={"x-csrf-token": who.csrf}
    ).json()
    assert body["token"].startswith("tocsin_") and body["prefix"] == body["token"][:11]
    dump = "\n".join(sqlite3.connect(world.db).iterdump())
    assert body["token"] not in dump
    listed = who.client.get("/api/tokens").json()["data"]
    assert all("token" not in t for t in listed)


def test_wrong_passwords(world: World) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    token = _login_form(client)
    for username, password in (("agent", "wrong password"), ("nobody", PASSWORD)):
        response = client.post(
            "/login", data={"username": username, "password": password, "csrf_token": token}
        )
        assert response.status_code == 401
        assert csrf.SESSION_COOKIE not in response.headers.get("set-cookie", "")


def test_password_guessing_is_throttled(world: World) -> None:
    client = TestClient(
        create_app(settings_for(world.db, login_attempts=2)), follow_redirects=False
    )
    token = _login_form(client)

    def attempt(password: str) -> int:
        data = {"username": "manager", "password": password, "csrf_token": token}
        return client.post("/login", data=data).status_code

    assert [attempt("guess 1"), attempt("guess 2"), attempt(PASSWORD)] == [401, 401, 429]


def test_throttle_window() -> None:
    now = [0.0]
    throttle = LoginThrottle(2, 60, clock=lambda: now[0])
    throttle.failed("Ann")
    throttle.failed("ann ")
    assert throttle.blocked("ANN")
    now[0] = 61
    assert not throttle.blocked("ann")
    throttle.failed("bob")
    throttle.succeeded("bob")
    assert not throttle.blocked("bob")


def test_open_redirects_are_refused(world: World) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    token = _login_form(client)
    for target in ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:x"):
        response = client.post(
            "/login",
            data={"username": "viewer", "password": PASSWORD, "csrf_token": token, "next": target},
        )
        assert response.headers["location"] == "/"
        token = csrf.token_for(
            world.settings.secret, "session:" + client.cookies[csrf.SESSION_COOKIE]
        )


def test_sessions_end(tmp_path: Path) -> None:
    store = SQLiteStore(tmp_path / "s.db")
    store.migrate()
    now = [1_000.0]
    accounts = Accounts(store.db, clock=lambda: now[0])
    user = accounts.create_user("Ann.Lee", "0123456789", "agent")
    assert user.username == "ann.lee"
    secret = accounts.open_session(user.id, timedelta(hours=1))
    assert accounts.session_user(secret) == user
    now[0] += 3601
    assert accounts.session_user(secret) is None  # expired
    secret = accounts.open_session(user.id, timedelta(hours=1))
    accounts.set_password(user.id, "another password")
    assert accounts.session_user(secret) is None  # a new password ends every session
    assert accounts.authenticate("ann.lee", "0123456789") is None
    secret = accounts.open_session(user.id, timedelta(hours=1))
    accounts.set_active(user.id, False)
    assert accounts.session_user(secret) is None
    assert accounts.authenticate("ann.lee", "another password") is None
    with pytest.raises(UsageError, match="exists already"):
        accounts.create_user("ANN.LEE", "0123456789", "viewer")
    with pytest.raises(UsageError, match="at least 10"):
        accounts.create_user("bob", "short", "viewer")
    with pytest.raises(UsageError, match="user name"):
        accounts.create_user("<script>", "0123456789", "viewer")
    with pytest.raises(ValueError):
        accounts.create_user("eve", "0123456789", "root")
    store.close()


def test_expired_tokens(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    accounts = Accounts(store.db)
    user = accounts.create_user("ann", "0123456789", "viewer")
    _, live = accounts.create_token(user.id, "live")
    _, dead = accounts.create_token(user.id, "old", datetime(2000, 1, 1, tzinfo=UTC))
    assert accounts.token_user(live) == user
    assert accounts.token_user(dead) is None
    assert accounts.token_user("not-a-token") is None
    assert accounts.list_tokens(user.id)[0].last_used_at is not None
    store.close()


# -- CSRF -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-csrf-token": "0" * 64},
        {"x-csrf-token": ""},
    ],
)
def test_state_changes_without_the_token_are_refused(
    signed: dict[Role, Signed], headers: dict[str, str]
) -> None:
    client = signed[Role.ADMIN].client
    response = client.post("/api/tokens", json={"name": "x"}, headers=headers)
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]
    form = client.post("/account/tokens", data={"name": "x", **headers})
    assert form.status_code == 403
    assert form.headers["content-type"].startswith("text/html")


def test_a_token_of_another_session_is_refused(signed: dict[Role, Signed]) -> None:
    admin, viewer = signed[Role.ADMIN], signed[Role.VIEWER]
    response = admin.client.post(
        "/api/tokens", json={"name": "x"}, headers={"x-csrf-token": viewer.csrf}
    )
    assert response.status_code == 403


def test_cross_site_requests_are_refused_even_with_the_token(signed: dict[Role, Signed]) -> None:
    who = signed[Role.ADMIN]
    for extra in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
        response = who.client.post(
            "/api/tokens", json={"name": "x"}, headers={"x-csrf-token": who.csrf, **extra}
        )
        assert response.status_code == 403
    same = who.client.post(
        "/api/tokens",
        json={"name": "x"},
        headers={"x-csrf-token": who.csrf, "origin": "http://testserver"},
    )
    assert same.status_code == 201


def test_sign_in_needs_the_token_of_the_login_form(world: World) -> None:
    client = TestClient(create_app(world.settings), follow_redirects=False)
    data = {"username": "admin", "password": PASSWORD}
    assert client.post("/login", data=data).status_code == 403  # no cookie, no token
    _login_form(client)
    assert client.post("/login", data={**data, "csrf_token": "f" * 64}).status_code == 403


def test_secure_cookies_in_production(world: World) -> None:
    settings = settings_for(world.db, environment="production", secret_key="p" * 40)
    client = TestClient(create_app(settings), base_url="https://testserver", follow_redirects=False)
    token = _login_form(client)
    response = client.post(
        "/login", data={"username": "viewer", "password": PASSWORD, "csrf_token": token}
    )
    assert "Secure" in response.headers["set-cookie"]
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_a_form_posted_by_a_browser_under_no_referrer_passes_with_origin_null(
    signed: dict[Role, Signed],
) -> None:
    """Chromium sends ``Origin: null`` on same-site form POSTs when the page's referrer policy
    is ``no-referrer`` (ours): found by the browser tests, every form answered 403."""
    who = signed[Role.ADMIN]
    headers = {"x-csrf-token": who.csrf, "origin": "null"}
    same = who.client.post(
        "/api/tokens", json={"name": "x"}, headers={**headers, "sec-fetch-site": "same-origin"}
    )
    assert same.status_code == 201
    for site in (None, "same-site", "cross-site"):
        extra = {"sec-fetch-site": site} if site else {}
        response = who.client.post("/api/tokens", json={"name": "x"}, headers={**headers, **extra})
        assert response.status_code == 403, site
