"""People and the ambassador programme over HTTP (API and pages) on the generated conversation
of ``tests/people/stored.py`` (its planted critic, ambassador, brand manager and coordinated
group), plus a hostile detractor whose handle, name and posts try to run a script."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import PASSWORD, Signed, World, settings_for
from tests.people.stored import T0, conversation, store_with, write
from tests.people.test_helpers import INCIDENT
from tocsin.ambassadors import check_missions, enrolment, missions
from tocsin.api.auth import Accounts, Role
from tocsin.domain import Author, Mention, Sentiment
from tocsin.people.profiles import update_profiles
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

HANDLE = "<script>alert('handle')</script>"
NAME = "<img src=x onerror=alert('name')>"
TEXT = "acme <script>alert('post')</script> <img src=x onerror=alert(1)> \u202eevil"
NOW = datetime.now(UTC).replace(microsecond=0)
EVIL = Author("x", "evil9", HANDLE, NAME, 40, False)
WEEK = "since=2026-11-02&until=2026-11-10"
WRITER = Author("x", "w1", "writer", "<b>Writer</b>", 120, False)


def _hostile() -> list[Mention]:
    """A detractor: five negative posts over three days, every field hostile."""
    return [
        Mention(
            "x",
            f"evil-{i}",
            EVIL,
            f"{TEXT} {i}",
            T0 + timedelta(days=i // 2, hours=i),
            raw=b"{}",
            sentiment=Sentiment("negative", 0.9),
            toxicity=0.05,
        )
        for i in range(5)
    ]


@dataclass
class Site:
    clients: dict[Role, Signed]
    anonymous: TestClient
    db: Path
    writer_id: int


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Site:
    db = tmp_path_factory.mktemp("people") / "t.db"
    store = store_with(conversation(), str(db))
    try:
        write(store, _hostile())
        SQLiteIncidents(store.db).put(INCIDENT)
        accounts = Accounts(store.db)
        for role in Role:
            accounts.create_user(role.value, PASSWORD, role)
        # An enrolled ambassador whose disclosed experience is published (its text hostile).
        post = Mention(
            "x",
            "exp-1",
            WRITER,
            "acme <script>alert('exp')</script> I love it #ad",
            NOW + timedelta(minutes=5),
            raw=b"{}",
            sentiment=Sentiment("positive", 0.9),
        )
        write(store, [post])
        writer = enrolment.invite(store.db, "x", "w1", "boss", country="FR", now=NOW)
        enrolment.enrol(store.db, writer.id, "I agree", "v1", "boss", show_name=True, now=NOW)
        missions.add(
            store.db,
            "experience",
            "boss",
            title="Tell us",
            instructions="Your own words, with #ad",
            deadline=NOW + timedelta(days=2),
            points=20,
            watch_id="acme",
            starts_at=NOW,
            now=NOW,
        )
        assert len(check_missions(store, NOW + timedelta(minutes=10)).counted) == 1
        update_profiles(store)  # the pseudonym secret exists, as after any first read
    finally:
        store.close()
    world = World(db, settings_for(db))
    from tocsin.web import create_app

    app = create_app(world.settings)
    return Site(
        {r: Signed(app, world, r) for r in Role},
        TestClient(app, follow_redirects=False),
        db,
        writer.id,
    )


def _get(site: Site, role: Role, url: str) -> object:
    response = site.clients[role].client.get(url, headers={"accept-language": "en"})
    assert response.status_code == 200, response.text[:300]
    return response.json() if url.startswith("/api/") else response.text


def _handles(members: list[dict[str, object]]) -> list[str]:
    return [m["identity"]["handle"] for m in members if m["identity"]]  # type: ignore[index]


# -- API --------------------------------------------------------------------------------------


def test_segments_name_the_planted_people_with_their_evidence(site: Site) -> None:
    body = _get(site, Role.VIEWER, "/api/watches/acme/segments")
    assert isinstance(body, dict)
    segments = body["segments"]
    assert set(segments) == {"ambassadors", "detractors", "critics", "brand-managers", "rising"}
    assert _handles(segments["critics"])[0] == "critic"
    assert _handles(segments["ambassadors"])[0] == "amb"
    assert "helper" in _handles(segments["brand-managers"])
    assert HANDLE in _handles(segments["detractors"])  # returned as stored: clients escape
    critic = segments["critics"][0]
    assert critic["reasons"] and critic["evidence"]["negative"] >= 1
    assert critic["examples"] and critic["identity"]["platform"] == "x"
    one = _get(site, Role.VIEWER, "/api/watches/acme/segments?segment=critics&limit=1")
    assert isinstance(one, dict) and list(one["segments"]) == ["critics"]
    assert len(one["segments"]["critics"]) == 1


def test_segment_errors(site: Site) -> None:
    c = site.clients[Role.VIEWER].client
    bad = c.get("/api/watches/acme/segments?segment=friends")
    assert bad.status_code == 400 and bad.json()["ok"] is False
    assert c.get("/api/watches/nope/segments").status_code == 404
    assert c.get("/api/watches/acme/segments?limit=0").status_code == 400
    assert c.get("/api/watches/nope/coordination").status_code == 404
    assert c.get("/api/authors/x/nobody").status_code == 404
    assert c.get("/api/incidents/nope/helpers").status_code == 404
    assert c.get("/api/watches/acme/coordination?since=tomorrow").status_code == 400


def test_author_profile(site: Site) -> None:
    body = _get(site, Role.VIEWER, "/api/authors/x/c1")
    assert isinstance(body, dict)
    assert body["handle"] == "critic" and len(body["key"]) == 26
    watch = body["watches"][0]
    assert watch["watch_id"] == "acme" and watch["followers"] == 800
    assert watch["sentiment"]["negative"] >= 3 and watch["days"]
    assert watch["recent_posts"][0]["platform"] == "x"


def test_coordination_is_worded_as_possible_with_evidence(site: Site) -> None:
    week = f"since={T0.date().isoformat()}&until={(T0 + timedelta(days=8)).date().isoformat()}"
    default = _get(site, Role.AGENT, "/api/watches/acme/coordination")
    assert isinstance(default, dict) and default["count"] == 0  # the week before the newest post
    body = _get(site, Role.AGENT, f"/api/watches/acme/coordination?{week}")
    assert isinstance(body, dict)
    assert body["wording"] == "possible coordination" and body["count"] >= 1
    top = body["data"][0]
    assert top["confidence"] > 0.5
    assert top["summary"].lower().startswith("possible coordination")
    bots = {a["identity"]["handle"] for a in top["authors"]}
    assert {f"bot{i}" for i in range(12)} <= bots


def test_helpers_rank_critics_then_ambassadors(site: Site) -> None:
    body = _get(site, Role.VIEWER, f"/api/incidents/{INCIDENT.id}/helpers")
    assert isinstance(body, dict)
    engage = [h for h in body["helpers"] if h["action"] == "engage"]
    mobilise = [h for h in body["helpers"] if h["action"] == "mobilise"]
    assert engage[0]["identity"]["handle"] == "critic" and engage[0]["advice"][0]
    assert mobilise[0]["identity"]["handle"] == "amb"
    assert mobilise[0]["ambassador_id"] is None  # not enrolled yet
    assert body["started"][0]["identity"]["handle"] == "critic"


def test_ambassador_programme_over_the_api(site: Site) -> None:
    manager, agent, viewer = (site.clients[r] for r in (Role.MANAGER, Role.AGENT, Role.VIEWER))
    h = {"x-csrf-token": manager.csrf}
    assert viewer.client.get("/api/ambassadors").status_code == 403
    invite = {"platform": "x", "author_id": "h1", "country": "FR"}
    refused = agent.client.post(
        "/api/ambassadors", json=invite, headers={"x-csrf-token": agent.csrf}
    )
    assert refused.status_code == 403
    made = manager.client.post("/api/ambassadors", json=invite, headers=h)
    assert made.status_code == 201 and made.json()["handle"] == "helper"
    aid = made.json()["id"]
    again = manager.client.post("/api/ambassadors", json=invite, headers=h)
    assert again.status_code == 409 and again.json()["ok"] is False
    consent = {"consent_text": "I agree to …", "consent_version": "v1"}
    enrolled = manager.client.post(f"/api/ambassadors/{aid}/enrol", json=consent, headers=h)
    assert enrolled.json()["status"] == "enrolled" and enrolled.json()["show_name"] is False
    listed = agent.client.get("/api/ambassadors?status=enrolled").json()
    assert aid in [a["id"] for a in listed["data"]]
    mission = {
        "kind": "answer",
        "title": "Help in the thread",
        "instructions": "Answer with your own words and #ad",
        "deadline": (NOW + timedelta(days=1)).isoformat(),
        "points": 5,
        "watch_id": "acme",
        "target": {"platform": "x", "native_id": "1"},
        "assignees": [aid],
    }
    created = manager.client.post("/api/missions", json=mission, headers=h)
    assert created.status_code == 201, created.text
    mid = created.json()["id"]
    assert created.json()["assignees"] == [aid]
    no_target = manager.client.post("/api/missions", json={**mission, "target": None}, headers=h)
    assert no_target.status_code == 409
    assert agent.client.get(f"/api/missions/{mid}/completions").json()["count"] == 0
    closed = manager.client.post(f"/api/missions/{mid}/close", headers=h)
    assert closed.json()["status"] == "closed"
    assert manager.client.post(f"/api/missions/{mid}/close", headers=h).status_code == 409
    reward = manager.client.post("/api/rewards", json={"name": "Mug", "cost": 15}, headers=h)
    assert reward.status_code == 201
    rid = reward.json()["id"]
    short = manager.client.post(
        f"/api/rewards/{rid}/redeem", json={"ambassador_id": aid}, headers=h
    )
    assert short.status_code == 409 and "not enough points" in short.json()["error"]
    spent = manager.client.post(
        f"/api/rewards/{rid}/redeem", json={"ambassador_id": site.writer_id}, headers=h
    )
    assert spent.status_code == 200 and spent.json()["balance"] == 5
    board = agent.client.get("/api/leaderboard").json()["data"]
    assert board[0]["ambassador_id"] == site.writer_id and board[0]["points"] == 20
    assert agent.client.get("/api/missions?status=closed").json()["count"] >= 1
    published = agent.client.get("/api/experiences").json()["data"]
    assert published[0]["disclosure"] and "<script>" in published[0]["text"]  # unedited
    detail = agent.client.get(f"/api/ambassadors/{site.writer_id}").json()
    assert detail["balance"] == 5 and "first-mission" in detail["badges"]
    assert detail["consents"][0]["text"] == "I agree" and detail["consents"][0]["version"] == "v1"
    withdrawn = manager.client.post(f"/api/rewards/{rid}/withdraw", headers=h)
    assert withdrawn.json()["active"] is False
    assert agent.client.get("/api/rewards").json()["count"] == 0
    checked = manager.client.post("/api/missions/check", headers=h)
    assert checked.status_code == 200 and checked.json()["counted"] == []  # idempotent
    assert (
        agent.client.post("/api/missions/check", headers={"x-csrf-token": agent.csrf}).status_code
        == 403
    )
    excluded = {"country": "DE", "reason": "not allowed there yet"}
    assert (
        manager.client.post("/api/ambassadors/countries", json=excluded, headers=h).status_code
        == 204
    )
    german = {"platform": "x", "author_id": "g1", "country": "DE"}
    refused_de = manager.client.post("/api/ambassadors", json=german, headers=h)
    assert refused_de.status_code == 409 and "not allowed there yet" in refused_de.json()["error"]
    assert agent.client.get("/api/ambassadors").json()["excluded_countries"] == {
        "DE": "not allowed there yet"
    }
    assert manager.client.delete("/api/ambassadors/countries/DE", headers=h).status_code == 204
    assert manager.client.delete("/api/ambassadors/countries/DE", headers=h).status_code == 409
    opted = manager.client.post(f"/api/ambassadors/{aid}/opt-out", headers=h)
    assert opted.json()["status"] == "opted_out"
    assert manager.client.get("/api/ambassadors/999999").status_code == 404


# -- pages ------------------------------------------------------------------------------------


def _no_markup(html: str) -> None:
    """Nothing a post, a handle or a name wrote became markup."""
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "\u202e" not in html


def test_people_page_shows_segments_and_possible_coordination_escaped(site: Site) -> None:
    for role in Role:
        html = _get(site, role, f"/watches/acme/people?{WEEK}")
        assert isinstance(html, str)
        _no_markup(html)
        assert "&lt;script&gt;alert(&#39;handle&#39;)&lt;/script&gt;" in html  # the handle
        assert "&lt;img src=x onerror=alert(&#39;name&#39;)&gt;" in html  # the display name
        assert "Influential critics" in html and "Possible coordination" in html
        assert "accusation" in html and re.search(r"confidence \d+ %", html)
        assert 'href="/authors/x/c1"' in html
    only = _get(site, Role.VIEWER, "/watches/acme/people?segment=critics")
    assert isinstance(only, str) and 'id="segment-critics"' in only
    assert 'id="segment-detractors"' not in only
    assert site.clients[Role.VIEWER].client.get("/watches/nope/people").status_code == 404
    index = _get(site, Role.VIEWER, "/people")
    assert isinstance(index, str) and 'href="/watches/acme/people"' in index


def test_author_page_shows_the_profile_and_escapes_it(site: Site) -> None:
    html = _get(site, Role.VIEWER, "/authors/x/evil9")
    assert isinstance(html, str)
    _no_markup(html)
    assert "&lt;script&gt;alert(&#39;post&#39;)&lt;/script&gt;" in html  # a recent post
    assert "\ufffdevil" in html  # the bidi override made visible
    assert '<svg class="chart sentiment-chart"' in html and 'class="bar-negative"' in html
    critic = _get(site, Role.VIEWER, "/authors/x/c1")
    assert isinstance(critic, str) and "800 followers" in critic
    fr = site.clients[Role.VIEWER].client.get("/authors/x/c1", headers={"accept-language": "fr"})
    assert "Vu la première fois" in fr.text
    assert site.clients[Role.VIEWER].client.get("/authors/x/nobody").status_code == 404


def test_incident_page_who_can_help_opens_a_case_and_creates_a_mission(site: Site) -> None:
    viewer = _get(site, Role.VIEWER, f"/incidents/{INCIDENT.id}")
    assert isinstance(viewer, str) and "Who can help" in viewer
    assert 'action="/cases/open"' not in viewer  # viewers may not work cases
    manager = site.clients[Role.MANAGER]
    html = _get(site, Role.MANAGER, f"/incidents/{INCIDENT.id}")
    assert isinstance(html, str)
    _no_markup(html)
    assert "Critics to engage" in html and "Ambassadors to mobilise" in html
    assert "Acknowledge" in html  # the playbook's advice
    form = re.search(
        r'action="/cases/open">.*?name="platform" value="([^"]+)".*?name="native_id" '
        r'value="([^"]+)"',
        html,
        re.S,
    )
    assert form is not None
    opened = manager.client.post(
        "/cases/open",
        data={"platform": form[1], "native_id": form[2], "csrf_token": manager.csrf},
    )
    assert opened.status_code == 303 and opened.headers["location"].startswith("/cases/")
    again = _get(site, Role.MANAGER, f"/incidents/{INCIDENT.id}")
    assert isinstance(again, str) and f'href="{opened.headers["location"]}"' in again
    # The ambassador "amb" is suggested but not enrolled: invite, enrol, then a mission.
    assert 'action="/ambassadors/invite"' in html and 'action="/missions/new"' not in html
    store = SQLiteStore(site.db)
    try:
        amb = enrolment.invite(store.db, "x", "a1", "boss", country="FR")
    finally:
        store.close()
    invited = _get(site, Role.MANAGER, f"/incidents/{INCIDENT.id}")
    assert isinstance(invited, str) and "Invited: consent to record" in invited
    helpers = _get(site, Role.MANAGER, f"/api/incidents/{INCIDENT.id}/helpers")
    assert isinstance(helpers, dict)
    amb_helper = next(h for h in helpers["helpers"] if h["identity"]["handle"] == "amb")
    assert amb_helper["ambassador_status"] == "invited" and amb_helper["ambassador_id"] is None
    store = SQLiteStore(site.db)
    try:
        enrolment.enrol(store.db, amb.id, "I agree", "v1", "boss")
    finally:
        store.close()
    html = _get(site, Role.MANAGER, f"/incidents/{INCIDENT.id}")
    assert isinstance(html, str)
    fields = dict(
        re.findall(
            r'name="([a-z_]+)" value="([^"]*)"',
            html[html.index('action="/missions/new"') :].split("</form>")[0],
        )
    )
    assert fields["assignee"] == str(amb.id) and fields["incident_id"] == INCIDENT.id
    created = manager.client.post("/missions/new", data=fields)
    assert created.status_code == 303
    assert created.headers["location"] == f"/incidents/{INCIDENT.id}#who-can-help"
    found = manager.client.get("/api/missions").json()["data"]
    mission = next(m for m in found if m["incident_id"] == INCIDENT.id)
    assert mission["assignees"] == [amb.id] and mission["kind"] == "experience"
    assert mission["watch_id"] == "acme"


def test_ambassadors_page_and_its_forms(site: Site) -> None:
    assert site.clients[Role.VIEWER].client.get("/ambassadors").status_code == 403
    agent = _get(site, Role.AGENT, "/ambassadors")
    assert isinstance(agent, str) and "Leaderboard" in agent
    assert 'action="/ambassadors/invite"' not in agent  # agents read the programme only
    _no_markup(agent)
    manager = site.clients[Role.MANAGER]
    html = _get(site, Role.MANAGER, "/ambassadors")
    assert isinstance(html, str) and 'action="/missions/new"' in html
    assert "&lt;b&gt;Writer&lt;/b&gt;" in html  # a display name, escaped
    invited = manager.client.post(
        "/ambassadors/invite",
        data={"platform": "x", "author_id": "r1", "country": "BE", "csrf_token": manager.csrf},
    )
    assert invited.status_code == 303 and invited.headers["location"] == "/ambassadors#enrolments"
    refused = manager.client.post(
        "/ambassadors/invite",
        data={"platform": "x", "author_id": "r1", "country": "BE", "csrf_token": manager.csrf},
    )
    assert refused.status_code == 409 and "text/html" in refused.headers["content-type"]
    no_csrf = manager.client.post(
        "/ambassadors/invite", data={"platform": "x", "author_id": "g1", "country": "FR"}
    )
    assert no_csrf.status_code == 403
    reward = manager.client.post(
        "/rewards/new",
        data={"name": "Tote bag", "cost": "3", "stock": "2", "csrf_token": manager.csrf},
    )
    assert reward.status_code == 303
    bad = manager.client.post(
        "/rewards/new", data={"name": "Cap", "cost": "3", "stock": "-1", "csrf_token": manager.csrf}
    )
    assert bad.status_code == 400
    form = {"csrf_token": manager.csrf}
    excluded = manager.client.post(
        "/ambassadors/countries", data={**form, "country": "IT", "reason": "<i>legal</i>"}
    )
    assert excluded.status_code == 303
    page = _get(site, Role.MANAGER, "/ambassadors")
    assert isinstance(page, str) and "&lt;i&gt;legal&lt;/i&gt;" in page
    assert 'action="/ambassadors/countries/IT/allow"' in page
    assert manager.client.post("/ambassadors/countries/IT/allow", data=form).status_code == 303
    assert manager.client.post("/ambassadors/countries/IT/allow", data=form).status_code == 409
    assert manager.client.post("/missions/check", data=form).status_code == 303
    reward_id = re.findall(r'action="/rewards/(\d+)/withdraw"', page)[-1]
    assert manager.client.post(f"/rewards/{reward_id}/withdraw", data=form).status_code == 303
    assert f'action="/rewards/{reward_id}/withdraw"' not in _get(site, Role.MANAGER, "/ambassadors")


def test_published_experiences_are_public_embeddable_and_escaped(site: Site) -> None:
    page = site.anonymous.get("/experiences")
    assert page.status_code == 200
    assert "frame-ancestors *" in page.headers["content-security-policy"]
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "x-frame-options" not in page.headers
    html = page.text
    assert "<script>alert" not in html
    assert "acme &lt;script&gt;alert(&#39;exp&#39;)&lt;/script&gt; I love it #ad" in html
    assert "&lt;b&gt;Writer&lt;/b&gt;" in html  # named: they agreed to it
    assert "<form" not in html
    # every other page still refuses to be framed
    other = site.anonymous.get("/login")
    assert "frame-ancestors 'none'" in other.headers["content-security-policy"]
    assert other.headers["x-frame-options"] == "DENY"


def test_sentiment_chart_fills_days_and_stacks_labels() -> None:
    from datetime import date

    from tocsin.people.profiles import DaySentiment
    from tocsin.web.people_charts import MIN_DAYS, fill_days, sentiment_chart

    days = [
        DaySentiment(date(2026, 11, 20), 4, 1, 1, 1),
        DaySentiment(date(2026, 11, 2), 1, 1, 0, 0),
    ]
    filled = fill_days(days)
    assert len(filled) == 19 and filled[1].posts == 0  # zeros between
    assert len(fill_days(days[:1])) == MIN_DAYS  # one day is not the whole chart
    assert (
        len(
            fill_days(
                [DaySentiment(date(2026, 1, 1) + timedelta(d), 1, 0, 0, 1) for d in range(200)]
            )
        )
        == 90
    )
    svg = str(sentiment_chart(days, label="<b>x</b>", names={"unknown": "<i>n/a</i>"}))
    assert "<b>" not in svg and "&lt;b&gt;x&lt;/b&gt;" in svg
    for layer in ("negative", "neutral", "positive", "unknown"):
        assert f'class="bar-{layer}"' in svg
    assert "1 &lt;i&gt;n/a&lt;/i&gt;" in svg and sentiment_chart([], label="", names={}).startswith(
        "<svg"
    )


def test_a_locked_database_leaves_profiles_as_they_are_instead_of_failing(site: Site) -> None:
    import sqlite3

    from tocsin.api.people_reads import refresh_profiles, segments_of

    other = sqlite3.connect(site.db, isolation_level=None)
    store = SQLiteStore(site.db)
    try:
        write(store, [replace(_hostile()[0], native_id="late")])  # a post not profiled yet
        store.db.execute("PRAGMA busy_timeout = 50")
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            update_profiles(store)  # what a page would have answered with a 500
        refresh_profiles(store)  # logs, does not raise
        assert not store.db.in_transaction
        assert segments_of(store, "acme", ("critics",)).segments["critics"]
    finally:
        other.execute("ROLLBACK")
        other.close()
        store.close()


def test_a_busy_database_is_a_503_and_other_database_errors_are_not_hidden() -> None:
    import sqlite3

    from tocsin.api.errors import ApiError
    from tocsin.api.people_reads import busy_is_503

    with pytest.raises(ApiError) as busy, busy_is_503():
        raise sqlite3.OperationalError("database is locked")
    assert busy.value.status == 503
    with pytest.raises(sqlite3.OperationalError, match="no such table"), busy_is_503():
        raise sqlite3.OperationalError("no such table: x")
