"""A server on a temporary store filled by the real import pipeline, and signed-in clients of
every role. Imported by the conftest of tests/api and tests/web."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.factories import mention
from tocsin.api.auth import Accounts, Role, csrf
from tocsin.api.settings import ServerSettings, load_settings
from tocsin.domain import Author, Watch
from tocsin.engine.inprocess import import_file
from tocsin.engine.pipeline import Pipeline
from tocsin.importers.generic import to_record
from tocsin.store.sqlite import SQLiteStore
from tocsin.web import create_app

PASSWORD = "correct horse battery"
WATCHES = [
    Watch("cafelia", "cafélia OR @cafelia OR #cafelia", name="Cafélia"),
    Watch("refunds", "rembours* OR refund*", name="<b>Refunds</b>"),
]
BLUESKY_ID = "at://did:plc:abc123/app.bsky.feed.post/3kxyz"

#: Hostile posts: every field a script could hide in.
HOSTILE = [
    mention(
        101,
        text="<script>alert('text')</script> cafélia",
        native_id="hostile-script",
        url="javascript:alert('url')",
        links=("javascript:alert('link')", "https://ok.example/a?b=1&c=2", "data:text/html,x"),
        author=Author("x", "evil1", "evil<script>", "<img src=x onerror=alert('name')>"),
    ),
    mention(
        102,
        text='cafélia <a href="javascript:alert(1)" onclick="alert(2)">clic</a> " onmouseover="x',
        native_id="hostile-handlers",
        url="  JaVaScRiPt:alert(1)",
        author=Author("x", "evil2", "\u202eailefac", "\u2067Cafélia officiel\u2069"),
    ),
    mention(
        103,
        text="cafélia {{ 7*7 }} {% raw %} ${7*7} \u202e reversed",
        native_id="hostile-template",
        url="//evil.example/phish",
        title="<svg onload=alert(1)>",
        author=Author("x", "evil3", "user\u202e\u2066x", "Nom\u200f"),
    ),
    mention(
        104,
        text='=HYPERLINK("https://evil.example","cafélia")',
        native_id="hostile-formula",
        author=Author("x", "evil4", "+cmd", "@SUM(1+1)*cmd|' /C calc'!A0"),
    ),
]


@dataclass(frozen=True)
class World:
    db: Path
    settings: ServerSettings


def fill_store(db: Path, tmp: Path) -> None:
    """Watches, then 60 ordinary posts, a thread and the hostile posts, through import_file."""
    store = SQLiteStore(db)
    store.migrate()
    for watch in WATCHES:
        store.put_watch(watch)
    posts = [
        mention(n, text=("Cafélia rembourse enfin" if n % 3 else "rien à voir"), language=lang)
        for n, lang in ((n, "fr" if n % 2 else "en") for n in range(60))
    ]
    posts.append(mention(70, text="cafélia: ma commande?", native_id="parent"))
    posts.append(mention(71, text="@cafelia réponse", native_id="child", reply_to="parent"))
    posts.append(
        mention(
            72,
            text="cafélia on bluesky",
            platform="bluesky",
            native_id=BLUESKY_ID,
            author=Author("bluesky", "did:plc:abc123", "abc.bsky.social", "Abc"),
        )
    )
    posts.extend(HOSTILE)
    source = tmp / "mentions.jsonl"
    source.write_bytes(b"".join(orjson.dumps(to_record(m)) + b"\n" for m in posts))
    summary = import_file(source, store, Pipeline(store.list_watches()), workers=0, progress=False)
    assert summary.written.inserted == len(posts)
    accounts = Accounts(store.db)
    for role in Role:
        accounts.create_user(role.value, PASSWORD, role)
    store.close()


def settings_for(db: Path, **overrides: object) -> ServerSettings:
    values: dict[str, object] = {
        "environment": "development",
        "db": db,
        "sse_interval_seconds": 0.01,
        "sse_lifetime_seconds": 0.05,
    }
    return load_settings(**{**values, **overrides})


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    tmp = tmp_path_factory.mktemp("server")
    db = tmp / "tocsin.db"
    fill_store(db, tmp)
    return World(db, settings_for(db))


@pytest.fixture(scope="session")
def app(world: World) -> FastAPI:
    return create_app(world.settings)


@pytest.fixture
def anonymous(app: FastAPI) -> TestClient:
    return TestClient(app, follow_redirects=False)


class Signed:
    """A client signed in as one role, and its CSRF token."""

    def __init__(self, app: FastAPI, world: World, role: Role) -> None:
        self.role = role
        self.client = TestClient(app, follow_redirects=False)
        store = SQLiteStore(world.db)
        try:
            user = Accounts(store.db).find_user(role.value)
            assert user is not None
            self.secret = Accounts(store.db).open_session(user.id, timedelta(hours=1))
        finally:
            store.close()
        self.client.cookies.set(csrf.SESSION_COOKIE, self.secret)
        self.csrf = csrf.token_for(world.settings.secret, "session:" + self.secret)


@pytest.fixture(scope="session")
def signed(app: FastAPI, world: World) -> dict[Role, Signed]:
    return {role: Signed(app, world, role) for role in Role}
