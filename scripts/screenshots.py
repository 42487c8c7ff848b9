#!/usr/bin/env python3
"""Screenshots of the main pages, for the README: the demo's dashboard, an incident, the inbox,
a case, a mention and a search, in headless Chromium (Debian's ``/usr/bin/chromium``).

    .venv/bin/python scripts/screenshots.py                 # builds tocsin-demo/ first
    .venv/bin/python scripts/screenshots.py --reuse         # on an existing tocsin-demo/
    .venv/bin/python scripts/screenshots.py --out docs/screenshots --lang en

Needs the test extra (Playwright, the Python package only: no browser download).
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "/nonexistent-playwright-browsers")
os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")

CHROMIUM = os.environ.get("TOCSIN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(port: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server stopped")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("tocsin-demo"))
    parser.add_argument("--out", type=Path, default=Path("docs/screenshots"))
    parser.add_argument("--lang", choices=["fr", "en"], default="en")
    parser.add_argument("--reuse", action="store_true", help="Do not rebuild the demo.")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tocsin.api.auth.accounts import Accounts
    from tocsin.bootstrap import Settings, open_store

    db = args.dir / "tocsin.db"
    if not args.reuse or not db.exists():
        subprocess.run(
            [sys.executable, "-m", "tocsin.cli", "demo", "--dir", str(args.dir), "--no-progress"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    password = secrets.token_urlsafe(16)
    with open_store(Settings(db=db)) as store:
        accounts = Accounts(store.db)
        user = accounts.find_user("screenshots")
        if user is None:
            accounts.create_user("screenshots", password, "admin")
        else:
            accounts.set_password(user.id, password)
        incident = store.db.execute(
            "SELECT id FROM incidents ORDER BY peak_severity DESC, onset LIMIT 1"
        ).fetchone()
        case = store.db.execute("SELECT id FROM cases ORDER BY id LIMIT 1").fetchone()
    port = _free_port()
    env = {**os.environ, "TOCSIN_SECRET_KEY": secrets.token_urlsafe(48)}
    server = subprocess.Popen(
        [sys.executable, "-m", "tocsin.cli", "--db", str(db), "serve", "--port", str(port)],
        env={**env, "TOCSIN_COOKIE_SECURE": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    pages = [("dashboard", "/"), ("inbox", "/inbox"), ("incidents", "/incidents")]
    if incident:
        pages.append(("incident", f"/incidents/{incident[0]}"))
    if case:
        pages.append(("case", f"/cases/{case[0]}"))
    pages.append(("search", "/search?q=cafelia+AND+sentiment%3Anegative"))
    args.out.mkdir(parents=True, exist_ok=True)
    try:
        _wait(port, server)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(
                viewport={"width": 1280, "height": 900}, locale=args.lang, device_scale_factor=1
            )
            page.goto(base + "/login")
            page.fill("input[name=username]", "screenshots")
            page.fill("input[name=password]", password)
            with page.expect_navigation():
                page.click("form[action='/login'] button[type=submit]")
            if page.url.endswith("/login"):
                raise SystemExit("could not log in")
            for name, path in pages:
                page.goto(base + path)
                page.wait_for_load_state("load")
                target = args.out / f"{name}.png"
                page.screenshot(path=str(target), full_page=False)
                print(f"{target}  ({path})")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
