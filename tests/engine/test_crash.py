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


def test_sigkill_during_import_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "crash.db"
    source = tmp_path / "mentions.jsonl"
    with source.open("wb") as f:
        for i in range(N):
            text = "Cafélia rembourse" if i % 3 else "rien à voir"
            f.write(orjson.dumps(to_record(mention(i, text=text))) + b"\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    subprocess.run(_cli(db, "init"), check=True, env=env, capture_output=True)
    subprocess.run(
        _cli(db, "watch", "add", "cafelia", "cafélia"), check=True, env=env, capture_output=True
    )
    rng = random.Random(20261122)
    seen_partial = []
    for attempt in range(8):
        # Both runners: in this process, and worker processes feeding one writer.
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
        # Kill at a random moment: sometimes before the first commit, mostly in the middle.
        time.sleep(rng.uniform(0.05, 1.5) if attempt else 0.01)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        count = _consistent_counts(db)
        seen_partial.append(count)
    assert any(0 < c < N for c in seen_partial), f"no kill landed mid-import: {seen_partial}"
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
