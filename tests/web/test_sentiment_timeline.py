"""Sentiment on the timeline: the volume API's counts per label, the dashboard's negative bars
and share, from rollups written by the store."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from tests.api.fixtures import PASSWORD, Signed, World, settings_for
from tests.factories import T0, mention
from tests.store.contract import matched
from tocsin.api.auth import Accounts, Role
from tocsin.domain import Sentiment, Watch
from tocsin.store.sqlite import SQLiteStore
from tocsin.web import create_app
from tocsin.web.svg import bar_chart

LABELS = ["negative", "negative", "negative", "neutral", "positive", None]


def _client(tmp_path: Path) -> TestClient:
    db = tmp_path / "t.db"
    store = SQLiteStore(db)
    store.migrate()
    store.put_watch(Watch("cafelia", "cafélia"))
    posts = [
        mention(i, sentiment=None if label is None else Sentiment(label, 0.9))
        for i, label in enumerate(LABELS, start=1)
    ]
    store.write(matched(*posts, watches=[Watch("cafelia", "cafélia")]))
    Accounts(store.db).create_user("viewer", PASSWORD, Role.VIEWER)
    store.close()
    world = World(db, settings_for(db))
    return Signed(create_app(world.settings), world, Role.VIEWER).client


def test_volume_api_counts_each_label(tmp_path: Path) -> None:
    client = _client(tmp_path)
    params = {
        "bucket": "hour",
        "since": T0.isoformat(),
        "until": (T0 + timedelta(hours=1)).isoformat(),
    }
    [point] = client.get("/api/watches/cafelia/volume", params=params).json()["data"]
    assert (point["volume"], point["negative"], point["neutral"], point["positive"]) == (6, 3, 1, 1)


def test_dashboard_shows_negative_bars_and_share(tmp_path: Path) -> None:
    client = _client(tmp_path)
    html = client.get("/dashboard/cards", headers={"accept-language": "fr"}).text
    assert 'class="bar-negative"' in html
    assert "(3 négatifs)" in html  # the tooltip of the hour with the negative posts
    # 3 negative of 5 analysed posts (the sixth was not analysed): 60 %.
    assert re.search(r"<strong>60 %</strong> négatifs", html)


def test_negative_bar_is_the_foot_of_its_bar() -> None:
    svg = str(
        bar_chart([(T0, 10), (T0 + timedelta(hours=1), 4)], "hour", label="x", negative=[5, 0])
    )
    assert svg.count('class="bar-negative"') == 1
    bars = re.findall(r'class="bar" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg)
    neg = re.search(
        r'class="bar-negative" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
    )
    assert neg is not None
    (y, h), (ny, nh) = bars[0], neg.groups()
    assert abs(float(nh) - float(h) / 2) < 0.01  # 5 of 10
    assert abs((float(ny) + float(nh)) - (float(y) + float(h))) < 0.01  # same baseline
    assert "UTC: 10 (5 negative)" in svg


def test_mention_page_and_search_show_the_analysis(tmp_path: Path) -> None:
    client = _client(tmp_path)
    with SQLiteStore(tmp_path / "t.db") as store:
        store.write(
            matched(
                mention(
                    9,
                    text="Cafélia <script>alert(1)</script>",
                    sentiment=Sentiment("negative", 0.875),
                    emotions=(("anger", 0.6), ("joy", 0.0)),
                    toxicity=0.25,
                    complaint=0.5,
                )
            )
        )
    page = client.get("/mentions/x/1009", headers={"accept-language": "fr"}).text
    assert 'class="sentiment sentiment-negative"' in page and "négatif" in page
    assert "(88 %)" in page and "colère 60 %" in page and "joie 0 %" in page
    assert "Toxicité</dt><dd>25 %" in page and "<script>alert" not in page
    found = client.get("/search", params={"q": "sentiment:negative"}).text
    assert found.count("sentiment-negative") == 4  # the three of LABELS and this one
    api = client.get("/api/mentions/x/1009").json()["analysis"]
    assert api == {
        "sentiment": {"label": "negative", "score": 0.875},
        "emotions": {"anger": 0.6, "joy": 0.0},
        "toxicity": 0.25,
        "complaint": 0.5,
    }
    assert client.get("/api/mentions/x/1006").json()["analysis"]["sentiment"] is None


def test_moderators_get_a_hint_on_likely_abusive_posts(tmp_path: Path) -> None:
    client = _client(tmp_path)
    with SQLiteStore(tmp_path / "t.db") as store:
        Accounts(store.db).create_user("manager", PASSWORD, Role.MANAGER)
        store.write(matched(mention(11, toxicity=0.93), mention(12, toxicity=0.2)))
    world = World(tmp_path / "t.db", settings_for(tmp_path / "t.db"))
    manager = Signed(create_app(world.settings), world, Role.MANAGER).client
    abusive = manager.get("/mentions/x/1011", headers={"accept-language": "en"}).text
    assert "Looks abusive (toxicity 93 %)" in abusive
    assert '<option value="insult" selected>' in abusive
    calm = manager.get("/mentions/x/1012", headers={"accept-language": "en"}).text
    assert "Looks abusive" not in calm and 'value="insult" selected' not in calm
    assert "Looks abusive" not in client.get("/mentions/x/1011").text  # viewers cannot hide
