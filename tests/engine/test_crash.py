"""A SIGKILL at any moment of an import loses no committed post and duplicates none; running
the import again completes it. Real processes, really killed."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import orjson
import pytest

from tests.factories import mention
from tocsin.importers.generic import to_record

pytestmark = pytest.mark.slow

N = 40_000


def _cli(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "tocsin.cli", "--db", str(db), *args]


def _consistent_counts(db: Path) -> int:
    """Check the invariants that hold after any committed batch; return the mention count."""
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        count, distinct = con.execute(
            "SELECT count(*), count(DISTINCT platform || ':' || native_id) FROM mentions"
        ).fetchone()
        assert count == distinct
        rolled = con.execute(
            "SELECT coalesce(sum(volume), 0) FROM rollup_minute WHERE watch_id = '*'"
        ).fetchone()[0]
        assert rolled == count  # rollups commit with their mentions, never apart
        members = con.execute("SELECT count(*) FROM mention_watches").fetchone()[0]
        watched = con.execute(
            "SELECT coalesce(sum(volume), 0) FROM rollup_minute WHERE watch_id != '*'"
        ).fetchone()[0]
        assert members == watched
        return int(count)
    finally:
        con.close()


def _count(db: Path) -> int:
    con = sqlite3.connect(db, timeout=5)
    try:
        return int(con.execute("SELECT count(*) FROM mentions").fetchone()[0])
    finally:
        con.close()


def test_sigkill_during_import_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    source = tmp_path / "mentions.jsonl"
    with source.open("wb") as f:
        for i in range(N):
            text = "Cafélia rembourse" if i % 3 else "rien à voir"
            f.write(orjson.dumps(to_record(mention(i, text=text))) + b"\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}

    def fresh_database() -> None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        subprocess.run(_cli(db, "init"), check=True, env=env, capture_output=True)
        subprocess.run(
            _cli(db, "watch", "add", "cafelia", "cafélia"), check=True, env=env, capture_output=True
        )

    fresh_database()
    rng = random.Random(20261122)
    mid_import_kills = {"0": 0, "2": 0}  # per runner: in-process, and two worker processes
    for attempt in range(40):
        if min(mid_import_kills.values()) >= 2:
            break
        before = _count(db)
        if before == N:  # an attempt ran to the end: start again to aim at the middle
            fresh_database()
            before = 0
        workers = "2" if attempt % 2 else "0"
        proc = subprocess.Popen(
            _cli(
                db,
                "import",
                str(source),
                "--batch-size",
                "500",
                "--no-progress",
                "--workers",
                workers,
            ),
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # Kill once more of the file is committed, at a random point, with a random delay so
        # that kills land inside transactions too; the first kill lands before any commit.
        if attempt == 0:
            time.sleep(0.01)
        else:
            target = rng.randint(before + 1, N - 1)
            while proc.poll() is None and _count(db) < target:
                time.sleep(0.002)
            time.sleep(rng.uniform(0, 0.02))
        killed = proc.poll() is None
        if killed:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        count = _consistent_counts(db)  # after every kill: no half batch, no duplicate
        if killed and 0 < count < N:
            mid_import_kills[workers] += 1
    assert min(mid_import_kills.values()) >= 2, mid_import_kills
    done = subprocess.run(
        _cli(db, "import", str(source), "--no-progress"), env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert _consistent_counts(db) == N
    con = sqlite3.connect(db)
    try:
        matched = con.execute(
            "SELECT count(*) FROM mention_watches WHERE watch_id = 'cafelia'"
        ).fetchone()[0]
        indexed = con.execute(
            "SELECT count(*) FROM mention_fts WHERE mention_fts MATCH 'cafelia'"
        ).fetchone()[0]
    finally:
        con.close()
    expected = sum(1 for i in range(N) if i % 3)
    assert matched == expected
    assert indexed == expected  # the full-text index holds each post once
