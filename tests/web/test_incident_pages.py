"""Incident feed and incident page (API and HTML): explanation, moderation of top posts,
escaping of what posts put in terms and stories, the dashboard's feed."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import PASSWORD, Signed, World, settings_for
from tests.factories import T0, mention
from tests.store.contract import matched
from tocsin.api.auth import Accounts, Role
from tocsin.domain import Author, Metrics, Sentiment, Signal, Watch
from tocsin.domain.incident import Incident
from tocsin.respond import moderation
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

WATCH = Watch("cafelia", "cafélia")
ONSET = T0 + timedelta(hours=10)
HOSTILE = '<img src=x onerror="alert(1)">'


def _incident(status: str = "open", story: str = "") -> Incident:
    return Incident(
        id="cafelia-onset" + ("-" + status),
        watch_id="cafelia",
        story=story,
        status=status,
        onset=ONSET,
        opened_at=ONSET + timedelta(hours=1),
        last_signal_at=ONSET + timedelta(hours=2),
        severity=8,
        peak_severity=9,
        resolved_at=ONSET + timedelta(hours=6) if status == "resolved" else None,
        kinds=("volume_surge", "negative_share"),
        signal_count=3,
        buckets=2,
        max_score=0.97,
    )


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory) -> dict[Role, TestClient]:
    tmp: Path = tmp_path_factory.mktemp("incidents")
    db = tmp / "t.db"
    store = SQLiteStore(db)
    store.migrate()
    store.put_watch(WATCH)
    neutral = Sentiment("neutral", 0.8)
    quiet = [mention(i, text=f"Cafélia café numéro {i}", sentiment=neutral) for i in range(1, 40)]
    storm = [
        mention(
            100 + i,
            text=f"Cafélia intoxication {HOSTILE} scandale",
            created_at=ONSET + timedelta(minutes=5 * i),
            sentiment=Sentiment("negative", 0.9),
            author=Author("x", f"a{i}", f"critic{i}", f"Critic {i}", 1000 * (i + 1)),
            metrics=Metrics(reposts=i),
        )
        for i in range(20)
    ]
    store.write(matched(*quiet, *storm, watches=[WATCH]))
    incidents = SQLiteIncidents(store.db)
    for inc in (_incident("open", story=f"storyline:{HOSTILE}"), _incident("resolved")):
        incidents.put(inc)
        incidents.add_signals(
            inc.id,
            [Signal("cafelia", "volume_surge", ONSET, 0.97, expected=2.0, observed=12.0)],
        )
    # The top post by reach is hidden by a moderator.
    moderation.hide(store.db, "x", "1119", "insult", "boss")
    accounts = Accounts(store.db)
    accounts.create_user("viewer", PASSWORD, Role.VIEWER)
    accounts.create_user("manager", PASSWORD, Role.MANAGER)
    store.close()
    world = World(db, settings_for(db))
    from tocsin.web import create_app

    app = create_app(world.settings)
    return {r: Signed(app, world, r).client for r in (Role.VIEWER, Role.MANAGER)}


def test_feed_lists_and_filters(clients: dict[Role, TestClient]) -> None:
    c = clients[Role.VIEWER]
    every = c.get("/api/incidents").json()
    assert every["count"] == 2
    assert [i["status"] for i in c.get("/api/incidents?status=open").json()["data"]] == ["open"]
    assert c.get("/api/incidents?watch=nope").json()["count"] == 0
    page = c.get("/incidents?status=resolved", headers={"accept-language": "en"}).text
    assert "cafelia-onset-resolved" in page and "cafelia-onset-open" not in page
    assert "9/10" in page and "8/10" not in page  # a resolved incident shows its peak


def test_incident_explains_itself(clients: dict[Role, TestClient]) -> None:
    body = clients[Role.MANAGER].get("/api/incidents/cafelia-onset-resolved").json()
    assert body["incident"]["severity"] == 8 and body["incident"]["kinds"][0] == "volume_surge"
    e = body["explanation"]
    assert e["volume"] == 20
    assert {t["term"] for t in e["terms"][:3]} & {"intoxication", "scandale"}
    assert e["sentiment_now"]["negative"] == 20
    assert e["top_posts"][0]["native_id"] == "1119"  # the largest reach first
    assert e["top_posts"][0]["hidden"]["reason"] == "insult"
    assert e["signals"][0]["observed"] == 12.0
    assert sum(p["volume"] for p in e["timeline"]) >= 20


def test_hidden_top_posts_are_withheld_from_viewers(clients: dict[Role, TestClient]) -> None:
    viewer = clients[Role.VIEWER].get("/api/incidents/cafelia-onset-resolved").json()
    top = viewer["explanation"]["top_posts"][0]
    assert top["hidden"] is not None and top["text"] == ""
    manager = clients[Role.MANAGER].get("/api/incidents/cafelia-onset-resolved").json()
    assert "intoxication" in manager["explanation"]["top_posts"][0]["text"]


def test_page_escapes_what_posts_wrote(clients: dict[Role, TestClient]) -> None:
    for role, client in clients.items():
        page = client.get("/incidents/cafelia-onset-open", headers={"accept-language": "fr"})
        assert page.status_code == 200, role
        html = page.text
        assert "<img" not in html and "&lt;img" in html  # the story and the posts, escaped
        assert "Négatif : 0 % avant, 100 % maintenant." in html
        assert 'class="bar-negative"' in html and "8/10" in html
    assert clients[Role.VIEWER].get("/incidents/nope").status_code == 404


def test_dashboard_shows_open_incidents(clients: dict[Role, TestClient]) -> None:
    html = clients[Role.VIEWER].get("/dashboard/cards", headers={"accept-language": "en"}).text
    assert "Open incidents" in html
    assert "/incidents/cafelia-onset-open" in html and "cafelia-onset-resolved" not in html


def test_triage_opens_cases_for_the_posts_in_an_open_incident(tmp_path: Path) -> None:
    from tocsin.api.routes.inbox import triage_recent
    from tocsin.respond import cases as inbox

    store = SQLiteStore(tmp_path / "t.db")
    store.migrate()
    store.put_watch(Watch("cafelia", "cafélia OR @cafelia"))
    calm = "Cafélia, le nouveau moka est arrivé"  # no question, no complaint: no rule opens it
    evidence = mention(1, text=calm, sentiment=Sentiment("negative", 0.8))
    own = mention(2, text=calm, author=Author("x", "brand", "cafelia", "Cafélia"))
    other = mention(3, text=calm)
    store.write(matched(evidence, own, other, watches=[Watch("cafelia", "cafélia OR @cafelia")]))
    incidents = SQLiteIncidents(store.db)
    inc = _incident("open")
    incidents.put(inc)
    keys = (evidence.key, own.key)
    incidents.add_signals(inc.id, [Signal("cafelia", "high_reach", ONSET, 0.9, mention_keys=keys)])
    opened = triage_recent(store, "agent", "2000-01-01", None, 100)
    assert [(c.native_id, c.reason) for c in opened] == [("1001", "incident")]
    assert opened[0].negativity == 0.8  # weighs in its priority
    assert triage_recent(store, "agent", "2000-01-01", None, 100) == []  # once
    assert inbox.find(store.db, *other.key) is None
    store.close()
