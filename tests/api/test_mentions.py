"""Search, pages, one mention, volumes, CSV export and the volume stream, on a store filled by
the import pipeline."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from tests.api.fixtures import BLUESKY_ID, Signed, World
from tocsin.api.auth import Role
from tocsin.api.routes import mentions as mentions_route
from tocsin.store.base import SearchQuery
from tocsin.store.sqlite import SQLiteStore


@pytest.fixture
def admin(signed: dict[Role, Signed]) -> TestClient:
    return signed[Role.ADMIN].client


def _all_pages(client: TestClient, limit: int, **params: Any) -> list[tuple[str, str]]:
    keys: list[tuple[str, str]] = []
    cursor = None
    for _ in range(1000):
        query = {**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/mentions", params=query).json()
        assert body["count"] == len(body["data"]) <= limit
        keys += [(m["platform"], m["native_id"]) for m in body["data"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return keys
    raise AssertionError("pagination does not end")


def _store_keys(world: World, query: SearchQuery) -> list[tuple[str, str]]:
    store = SQLiteStore(world.db)
    try:
        return [item.mention.key for item in store.search(query)]
    finally:
        store.close()


@pytest.mark.parametrize("limit", [1, 7, 500])
def test_pages_walk_the_whole_search_in_order(admin: TestClient, world: World, limit: int) -> None:
    expected = _store_keys(world, SearchQuery(limit=10_000))
    assert len(expected) > 60
    assert _all_pages(admin, limit) == expected


def test_pages_of_a_filtered_search(admin: TestClient, world: World) -> None:
    query = SearchQuery(text="rembours*", languages=("fr",), limit=10_000)
    expected = _store_keys(world, query)
    assert 0 < len(expected) < 60
    assert _all_pages(admin, 4, q="rembours*", lang="fr") == expected


def test_posts_of_the_same_microsecond_are_neither_lost_nor_repeated(tmp_path: Any) -> None:
    from tests.api.fixtures import settings_for
    from tests.factories import T0, mention
    from tocsin.api.auth import Accounts
    from tocsin.engine.inprocess import ingest
    from tocsin.engine.pipeline import Pipeline
    from tocsin.web import create_app

    db = tmp_path / "ties.db"
    store = SQLiteStore(db)
    store.migrate()
    ingest([mention(n, created_at=T0) for n in range(9)], store, Pipeline([]))
    _info, token = Accounts(store.db).create_token(
        Accounts(store.db).create_user("v", "0123456789", "viewer").id, "t"
    )
    store.close()
    client = TestClient(create_app(settings_for(db)))
    client.headers["authorization"] = f"Bearer {token}"
    keys = _all_pages(client, 2)
    assert len(keys) == len(set(keys)) == 9


def test_filters(admin: TestClient) -> None:
    def natives(**params: Any) -> set[str]:
        body = admin.get("/api/mentions", params={"limit": 500, **params}).json()
        return {m["native_id"] for m in body["data"]}

    assert natives(platform="bluesky") == {BLUESKY_ID}
    assert natives(q="@cafelia") >= {"child"}
    assert "parent" not in natives(q="réponse")
    assert natives(watch="refunds") == natives(q="rembours* OR refund*")
    english = admin.get("/api/mentions", params={"lang": "en", "limit": 500}).json()["data"]
    assert english and all(m["language"] == "en" for m in english)
    since = admin.get("/api/mentions", params={"since": "2026-11-02T10:30", "limit": 500}).json()
    assert all(m["created_at"] >= "2026-11-02T10:30" for m in since["data"])


def test_one_mention_with_a_slash_in_its_id(admin: TestClient) -> None:
    body = admin.get(f"/api/mentions/bluesky/{BLUESKY_ID}").json()
    assert body["native_id"] == BLUESKY_ID
    assert body["author"]["handle"] == "abc.bsky.social"
    assert body["watch_ids"] == ["cafelia"]
    assert "raw" not in body


@pytest.mark.parametrize("bucket", ["minute", "hour", "day"])
def test_volume_buckets_add_up(admin: TestClient, world: World, bucket: str) -> None:
    params = {"bucket": bucket, "since": "2026-11-01", "until": "2026-11-03"}
    if bucket == "minute":
        params["since"] = "2026-11-02T08:00"
        params["until"] = "2026-11-02T12:00"
    every = admin.get("/api/watches/*/volume", params=params).json()
    cafelia = admin.get("/api/watches/cafelia/volume", params=params).json()
    step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}
    starts = [datetime.fromisoformat(p["start"]) for p in every["data"]]
    assert all(b - a == step[bucket] for a, b in itertools.pairwise(starts))
    assert every["count"] == len(every["data"]) == len(starts)
    assert sum(p["volume"] for p in every["data"]) == len(
        _store_keys(world, SearchQuery(limit=10_000))
    )
    expected = len(_store_keys(world, SearchQuery(watch_id="cafelia", limit=10_000)))
    assert sum(p["volume"] for p in cafelia["data"]) == expected
    assert any(p["volume"] == 0 for p in every["data"])  # zeros are there, not skipped


def test_volume_default_window_ends_with_the_newest_minute(admin: TestClient) -> None:
    body = admin.get("/api/watches/*/volume", params={"bucket": "minute"}).json()
    assert body["count"] == 60
    assert body["data"][-1]["volume"] > 0
    until = datetime.fromisoformat(body["until"])
    assert until.tzinfo is not None and until.astimezone(UTC).second == 0


def _csv_rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_csv_export_is_formula_safe(admin: TestClient) -> None:
    response = admin.get("/api/mentions.csv", params={"q": "cafélia", "limit": 1000})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = _csv_rows(response.text)
    assert rows[0] == list(mentions_route.EXPORT_COLUMNS)
    by_id = {row[2]: row for row in rows[1:]}
    formula = by_id["hostile-formula"]
    assert formula[3] == "'+cmd"
    assert formula[4].startswith("'@SUM")
    assert formula[10].startswith("'=HYPERLINK")
    for row in rows[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_csv_export_in_chunks_has_one_header(
    admin: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole = _csv_rows(admin.get("/api/mentions.csv").text)
    monkeypatch.setattr(mentions_route, "_EXPORT_CHUNK", 4)
    chunked = _csv_rows(admin.get("/api/mentions.csv").text)
    assert chunked == whole
    assert [r for r in chunked if r == list(mentions_route.EXPORT_COLUMNS)] == [chunked[0]]
    empty = _csv_rows(admin.get("/api/mentions.csv", params={"q": "introuvable"}).text)
    assert empty == [list(mentions_route.EXPORT_COLUMNS)]


def _events(text: str) -> list[dict[str, Any]]:
    events = []
    for block in text.split("\n\n"):
        lines = block.splitlines()
        if "event: volume" in lines:
            data = next(line for line in lines if line.startswith("data: "))
            events.append(orjson.loads(data.removeprefix("data: ")))
    return events


def test_volume_stream_pushes_the_last_hour_per_minute(admin: TestClient) -> None:
    response = admin.get("/api/stream/volume")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.text.startswith("retry: ")
    events = _events(response.text)
    assert len(events) == 1  # then nothing changed: keep-alive comments only
    assert ": unchanged" in response.text
    event = events[0]
    assert set(event["series"]) == {"*", "cafelia", "refunds"}
    assert all(len(s) == 60 == len(event["minutes"]) for s in event["series"].values())
    minute = admin.get("/api/watches/*/volume", params={"bucket": "minute"}).json()
    assert event["series"]["*"] == [p["volume"] for p in minute["data"]]


def test_the_stream_sends_an_event_only_when_counts_change(
    app: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dataclasses

    import anyio

    from tests.api.fixtures import settings_for
    from tocsin.api.routes import stream

    answers = iter([{"n": 1}, {"n": 1}, {"n": 2}, {"n": 2}, {"n": 2}, {"n": 3}])
    monkeypatch.setattr(stream, "latest_counts", lambda pool: next(answers))

    class Request:  # disconnects after the sixth check
        checks = 0

        async def is_disconnected(self) -> bool:
            self.checks += 1
            return self.checks >= 6

    settings = settings_for(world.db, sse_interval_seconds=0.001, sse_lifetime_seconds=60)
    state = dataclasses.replace(app.state.tocsin, settings=settings)

    async def collect() -> list[str]:
        return [chunk async for chunk in stream.volume_events(Request(), state)]  # type: ignore[arg-type]

    assert anyio.run(collect) == [
        "retry: 1\n\n",
        'event: volume\ndata: {"n":1}\n\n',
        ": unchanged\n\n",
        'event: volume\ndata: {"n":2}\n\n',
        ": unchanged\n\n",
        ": unchanged\n\n",
        'event: volume\ndata: {"n":3}\n\n',
    ]
