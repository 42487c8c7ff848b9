"""API benchmark: latency of the dashboard's calls with 1,000,000 stored mentions.

    python bench/api.py                       # 1,000,000 mentions (the issue's figure)
    python bench/api.py --posts 100000        # quicker look
    python bench/api.py --dir /tmp/api-bench  # keep (and reuse) the database

1. Builds the database once (demo generator, 7 days, the demo's watches plus 20 more, through
   the real `tocsin import`; analysis as ``--analysis`` says, ``fast`` by default so the
   rollups carry sentiment counts) and opens inbox cases with the triage rules. With ``--dir``
   an existing database of the same size is reused.
   The authors' profiles and influence are then brought up to date (as ``tocsin demo`` does;
   the people reads would otherwise count the whole database at their first call).
2. Starts the real server (`tocsin serve`, uvicorn, one process) and calls each dashboard
   request ``--requests`` times, one at a time over one keep-alive HTTP connection, with an
   API token (pages with a session cookie), after a few warm-up calls.
3. Prints the first (warm-up) call, then p50 / p95 / max per call and over all calls after
   the warm-up. The coordination read is kept until the next write to the database: its
   first call is what a read after new posts costs, the others what a repeated read costs.
   Target on the 2-core machine: p95 of every call <= 100 ms.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import make_watches, write_posts

TOCSIN = [sys.executable, "-m", "tocsin.cli"]
PASSWORD = "bench-password-" + "x" * 8


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tocsin(db: Path, *args: str, env: dict[str, str] | None = None, stdin: str = "") -> str:
    out = subprocess.run(
        [*TOCSIN, "--db", str(db), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"tocsin {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def _count(db: Path) -> int:
    import sqlite3

    try:
        with sqlite3.connect(db) as con:
            return int(con.execute("SELECT count(*) FROM mentions").fetchone()[0])
    except sqlite3.Error:
        return -1


def build(db: Path, posts: int, analysis: str) -> None:
    source = db.with_suffix(".jsonl")
    print(f"generating {posts:,} posts ...", flush=True)
    written, seconds = write_posts(source, posts)
    print(f"  {written:,} posts in {seconds:.0f} s", flush=True)
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    _tocsin(db, "init")
    from tocsin.bootstrap import Settings, open_store

    with open_store(Settings(db=db)) as store:
        for w in make_watches(24):
            store.put_watch(w)
    env = {**os.environ, "TOCSIN_ANALYSIS": analysis}
    print(f"importing (analysis: {analysis}) ...", flush=True)
    started = time.perf_counter()
    _tocsin(db, "import", str(source), env=env)
    print(f"  imported in {time.perf_counter() - started:.0f} s", flush=True)
    source.unlink()


class Client:
    """One keep-alive connection; every call returns (status, seconds, body)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.headers = headers

    def get(self, path: str) -> tuple[int, float, bytes]:
        started = time.perf_counter()
        self.conn.request("GET", path, headers=self.headers)
        response = self.conn.getresponse()
        body = response.read()
        return response.status, time.perf_counter() - started, body


def _wait_until_up(port: int, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(
                "the server stopped: " + (proc.stderr.read().decode() if proc.stderr else "")
            )
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def _session_cookie(port: int) -> str:
    """Log in through the form, as a browser does (CSRF token from the login page)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/login")
    page = conn.getresponse()
    html = page.read().decode()
    cookies = [v.split(";", 1)[0] for k, v in page.getheaders() if k.lower() == "set-cookie"]
    marker = 'name="csrf_token" value="'
    csrf = html.split(marker, 1)[1].split('"', 1)[0] if marker in html else ""
    body = urllib.parse.urlencode({"username": "bench", "password": PASSWORD, "csrf_token": csrf})
    conn.request(
        "POST",
        "/login",
        body=body,
        headers={
            "content-type": "application/x-www-form-urlencoded",
            "cookie": "; ".join(cookies),
            "origin": f"http://127.0.0.1:{port}",
        },
    )
    answer = conn.getresponse()
    answer.read()
    cookies += [v.split(";", 1)[0] for k, v in answer.getheaders() if k.lower() == "set-cookie"]
    if answer.status not in (200, 303):
        raise SystemExit(f"login failed: HTTP {answer.status}")
    return "; ".join(cookies)


def calls(api: Client, watch: str) -> list[tuple[str, str]]:
    """The requests the dashboard makes, with real ids taken from the data."""
    _, _, body = api.get(f"/api/mentions?watch={watch}&limit=1")
    first = json.loads(body)["data"][0]
    mention = f"/api/mentions/{first['platform']}/{urllib.parse.quote(first['native_id'])}"
    q = urllib.parse.quote
    return [
        ("list watches", "/api/watches"),
        ("volume, 7 days by hour", f"/api/watches/{watch}/volume?bucket=hour"),
        ("volume, all mentions by minute", "/api/watches/%2A/volume?bucket=minute"),
        ("newest mentions of a watch", f"/api/mentions?watch={watch}&limit=50"),
        ("search, words", "/api/mentions?q=" + q("cafelia AND (rembours* OR refund*)")),
        ("search, phrase + lang", "/api/mentions?q=" + q('"service client" lang:fr')),
        ("search, negative", f"/api/mentions?watch={watch}&q=" + q("sentiment:negative")),
        ("one mention", mention),
        ("inbox cases", "/api/cases?limit=50"),
        ("segments of a watch", f"/api/watches/{watch}/segments"),
        ("coordination of a watch", f"/api/watches/{watch}/coordination"),
    ]


def pages(watch: str) -> list[tuple[str, str]]:
    return [
        ("page: dashboard", "/"),
        ("page: dashboard cards", "/dashboard/cards"),
        ("page: search", "/search?q=" + urllib.parse.quote("cafelia AND rembours*")),
        ("page: inbox", "/inbox"),
    ]


def measure(client: Client, name: str, path: str, n: int) -> tuple[float, list[float]]:
    """(the first call's seconds, then ``n`` calls' after two more warm-up calls)."""
    first = 0.0
    for i in range(3):
        status, seconds, body = client.get(path)
        if status != 200:
            raise SystemExit(f"{name}: HTTP {status} for {path}: {body[:200]!r}")
        first = seconds if i == 0 else first
    return first, [client.get(path)[1] for _ in range(n)]


def update_people(db: Path) -> None:
    from tocsin.bootstrap import Settings, open_store
    from tocsin.people.profiles import update_profiles

    started = time.perf_counter()
    with open_store(Settings(db=db)) as store:
        done = update_profiles(store)
    print(
        f"profiles and influence: {done.mentions_read:,} mentions counted in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )


def _ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=100, help="per call [100]")
    parser.add_argument("--analysis", choices=["full", "fast", "off"], default="fast")
    parser.add_argument("--dir", type=Path, default=None, help="Keep the database here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="tocsin-api-bench-") as tmp:
        work = args.dir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        db = work / f"api-{args.posts}.db"
        if _count(db) < args.posts * 0.99:
            build(db, args.posts, args.analysis)
            _tocsin(
                db,
                "user",
                "add",
                "bench",
                "--role",
                "admin",
                "--password-stdin",
                stdin=PASSWORD + "\n",
            )
        else:
            print(f"reusing {db}")
            _tocsin(db, "init")  # applies the migrations added since it was built
        update_people(db)
        stored = _count(db)
        from tocsin.api.auth.accounts import Accounts
        from tocsin.bootstrap import Settings, open_store

        with open_store(Settings(db=db)) as store:
            accounts = Accounts(store.db)
            user = accounts.find_user("bench")
            assert user is not None
            _, token = accounts.create_token(user.id, "bench")
        port = _free_port()
        env = {**os.environ, "TOCSIN_SECRET_KEY": secrets.token_urlsafe(40)}
        server = subprocess.Popen(
            [*TOCSIN, "--db", str(db), "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            _wait_until_up(port, server)
            api = Client(port, {"authorization": f"Bearer {token}"})
            triage = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
            triage.request(
                "POST",
                "/api/cases/triage",
                body=json.dumps({"since": "2000-01-01T00:00:00Z", "limit": 5000}).encode(),
                headers={"authorization": f"Bearer {token}", "content-type": "application/json"},
            )
            answer = triage.getresponse()
            print(f"triage: HTTP {answer.status} {answer.read()[:120]!r}")
            watch = "cafelia"
            browser = Client(port, {"cookie": _session_cookie(port)})
            results: list[tuple[str, float, list[float]]] = []
            for client, todo in ((api, calls(api, watch)), (browser, pages(watch))):
                for name, path in todo:
                    first, times = measure(client, name, path, args.requests)
                    results.append((name, first, times))
                    print(
                        f"  {name:<34} first {first * 1000:8.1f} ms, "
                        f"p95 {_ms(times, 0.95):8.1f} ms",
                        flush=True,
                    )
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(f"\n{stored:,} mentions stored; {args.requests} sequential requests per call\n")
    print(f"{'call':<34} {'first ms':>8} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    every: list[float] = []
    worst = 0.0
    for name, first, times in results:
        every += times
        worst = max(worst, _ms(times, 0.95))
        print(
            f"{name:<34} {first * 1000:>8.1f} {_ms(times, 0.5):>8.1f} {_ms(times, 0.95):>8.1f} "
            f"{max(times) * 1000:>8.1f}"
        )
    print(
        f"{'all calls':<34} {'':>8} {_ms(every, 0.5):>8.1f} {_ms(every, 0.95):>8.1f} "
        f"{max(every) * 1000:>8.1f}"
    )
    print(
        f"\nmean {statistics.mean(every) * 1000:.1f} ms; worst p95 {worst:.1f} ms "
        f"(target <= 100 ms): {'met' if worst <= 100 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
