"""Real headless Chromium (Debian's ``/usr/bin/chromium``, never a browser Playwright would
download) against a real uvicorn server on a free local port, over a store of its own.

Every page a test opens is watched: a dialog (``alert``), an uncaught script error, a console
error or a Content-Security-Policy violation fails the test (``Watched.assert_clean``)."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.api.fixtures import PASSWORD, World, fill_store, settings_for
from tests.factories import T0, mention
from tocsin.domain import Author, Signal
from tocsin.domain.incident import Incident
from tocsin.engine.inprocess import import_file
from tocsin.engine.pipeline import Pipeline
from tocsin.importers.generic import to_record
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents
from tocsin.web import create_app

# Playwright must never fetch a browser of its own: point it at an empty place.
os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "/nonexistent-playwright-browsers")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = Path(os.environ.get("TOCSIN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-extensions",
    "--no-first-run",
    "--mute-audio",
]
#: Posts only the browser tests add: long enough to push a page sideways if nothing wraps.
LONG_WORD = "cafélia" + "A" * 20_000
LONG_TEXT = "Cafélia rembourse " + " ".join(["interminable"] * 3_000)
EXTRA = [
    mention(120, text=LONG_WORD, native_id="hostile-long-word"),
    mention(
        121,
        text=LONG_TEXT,
        native_id="hostile-long-text",
        author=Author("x", "long1", "h" * 300, "N" * 500),
        url="https://example.org/" + "p" * 3_000,
    ),
    mention(
        122,
        text="cafélia espèce d'abruti, vous êtes tous des incapables",
        native_id="abusive",
        author=Author("x", "troll1", "troll", "Troll"),
    ),
    mention(
        123,
        text="Cafélia, toujours pas remboursé après trois semaines, c'est une arnaque ?",
        native_id="complaint",
        author=Author("x", "client1", "client_mecontent", "Client mécontent", 25_000),
    ),
    mention(
        124,
        text="Cafélia : le service client ne répond jamais, très déçu",
        native_id="criticism",
        author=Author("x", "client2", "client_decu", "Client déçu", 800),
    ),
    mention(
        125,
        text="cafélia <iframe src='javascript:alert(8)'></iframe><img src=x onerror=alert(9)>",
        native_id="hostile-iframe",
        author=Author("x", "evil5", "\u202bevil\u202c", "<svg/onload=alert('svg')>"),
        links=("JAVASCRIPT:alert('caps')", "\tjavascript:alert('tab')", "vbscript:msgbox(1)"),
    ),
]


#: An open incident on the watch the posts match, its story hostile too.
INCIDENT = Incident(
    id="cafelia-browser",
    watch_id="cafelia",
    story="<img src=x onerror=alert('story')> \u202eyrots",
    status="open",
    onset=T0,
    opened_at=T0 + timedelta(minutes=30),
    last_signal_at=T0 + timedelta(hours=1),
    severity=8,
    peak_severity=9,
    resolved_at=None,
    kinds=("volume_surge", "negative_share"),
    signal_count=3,
    buckets=2,
    max_score=0.97,
)


def seed(db: Path, tmp: Path) -> None:
    """The tests' usual world (watches, posts, the hostile ones, a user per role), the
    browser tests' extra posts through the import pipeline, and an open incident."""
    fill_store(db, tmp)
    store = SQLiteStore(db)
    try:
        source = tmp / "extra.jsonl"
        source.write_bytes(b"".join(orjson.dumps(to_record(m)) + b"\n" for m in EXTRA))
        summary = import_file(
            source, store, Pipeline(store.list_watches()), workers=0, progress=False
        )
        assert summary.written.inserted == len(EXTRA)
        incidents = SQLiteIncidents(store.db)
        incidents.put(INCIDENT)
        incidents.add_signals(
            INCIDENT.id,
            [Signal("cafelia", "volume_surge", T0, 0.97, expected=2.0, observed=12.0)],
        )
    finally:
        store.close()


@dataclass
class LiveServer:
    url: str
    world: World


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn in a thread, on a port the system picked, over a store of its own."""
    import uvicorn

    tmp = tmp_path_factory.mktemp("browser")
    db = tmp / "tocsin.db"
    seed(db, tmp)
    settings = settings_for(db, sse_interval_seconds=0.5, sse_lifetime_seconds=3)
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", World(db, settings))
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs it (apt-get install chromium); "
            "deselect these tests with -m 'not browser'"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


#: Runs in every page before its own scripts (Playwright injects it past the CSP): records
#: the page's CSP violations where the test can read them.
VIOLATION_RECORDER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


_CLIENT_ERROR = re.compile(r"Failed to load resource: the server responded with a status of 4\d\d")


@dataclass
class Watched:
    """What a page did that it must not: dialogs opened, errors thrown or logged."""

    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        def on_dialog(dialog: Any) -> None:
            self.dialogs.append(f"{dialog.type}: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)
        page.on("response", self._response)

    def _console(self, msg: Any) -> None:
        # The browser notes each 4xx it was answered (a wrong password, a missing favicon):
        # not a script's doing. Server errors are caught by ``_response``.
        if msg.type == "error" and not _CLIENT_ERROR.match(msg.text):
            self.console.append(msg.text)

    def _response(self, response: Any) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def violations(self, page: Any) -> list[str]:
        return list(page.evaluate("window.__cspViolations || []"))

    def assert_clean(self, page: Any) -> None:
        problems = {
            "dialogs": self.dialogs,
            "script errors": self.errors,
            "console errors": self.console,
            "server errors": self.server_errors,
            "CSP violations": self.violations(page),
        }
        assert not any(problems.values()), problems


class Session:
    """One browser context (its own cookies) and page, watched."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(base_url=base, locale="fr-FR")
        self.context.set_default_timeout(10_000)
        self.context.add_init_script(VIOLATION_RECORDER)
        self.page = self.context.new_page()
        self.watched = Watched()
        self.watched.attach(self.page)

    def goto(self, path: str) -> Any:
        response = self.page.goto(path)
        assert response is not None
        assert response.status < 500, (path, response.status)
        return response

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/login")
        self.page.fill("input[name=username]", username)
        self.page.fill("input[name=password]", password)
        with self.page.expect_navigation():
            self.page.click("form[action='/login'] button[type=submit]")
        assert not self.page.url.endswith("/login"), self.page.url

    def submit(self, form: str) -> None:
        """Click the submit button of the form matched by ``form`` and wait for the page it
        leads to."""
        with self.page.expect_navigation():
            self.page.click(f"{form} button[type=submit]")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def open_session(browser: Any, live_server: LiveServer) -> Iterator[Any]:
    """``open_session()`` -> a fresh, watched browser session; each is checked clean and
    closed at the end of the test."""
    sessions: list[Session] = []

    def make() -> Session:
        s = Session(browser, live_server.url)
        sessions.append(s)
        return s

    yield make
    try:
        for s in sessions:
            s.watched.assert_clean(s.page)
    finally:
        for s in sessions:
            s.close()
