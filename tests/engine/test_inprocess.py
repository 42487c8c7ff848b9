from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import orjson
import pytest

from tests.factories import mention
from tocsin.domain import Watch
from tocsin.engine.inprocess import auto_workers, import_file
from tocsin.engine.parallel import line_chunks
from tocsin.engine.pipeline import Pipeline
from tocsin.importers._common import MAX_RECORD_LINE_BYTES
from tocsin.importers.generic import to_record
from tocsin.store.sqlite import SQLiteStore

WATCHES = [Watch("cafelia", "cafélia"), Watch("refunds", "rembours*")]


def _file(path: Path, n: int, bad_every: int = 0) -> Path:
    with path.open("wb") as f:
        for i in range(n):
            if bad_every and i % bad_every == 0:
                f.write(b'{"platform": "x", "id": "broken", "text": \n')
            else:
                text = "Cafélia rembourse" if i % 2 else "Cafélia"
                f.write(orjson.dumps(to_record(mention(i, text=text))) + b"\n")
    return path


def _snapshot(db: Path) -> dict[str, object]:
    con = sqlite3.connect(db)
    try:
        return {
            "mentions": con.execute(
                "SELECT platform, native_id, text FROM mentions ORDER BY platform, native_id"
            ).fetchall(),
            "members": con.execute(
                "SELECT m.native_id, w.watch_id FROM mention_watches w "
                "JOIN mentions m ON m.id = w.mention_id ORDER BY 1, 2"
            ).fetchall(),
            "rollups": con.execute(
                "SELECT watch_id, minute, volume FROM rollup_minute ORDER BY 1, 2"
            ).fetchall(),
            "dead": con.execute(
                "SELECT position, reason, raw FROM dead_letters ORDER BY position"
            ).fetchall(),
        }
    finally:
        con.close()


def _import(tmp_path: Path, name: str, source: Path, workers: int) -> Path:
    db = tmp_path / name
    store = SQLiteStore(db)
    store.migrate()
    summary = import_file(source, store, Pipeline(WATCHES), workers=workers, progress=False)
    assert summary.records == 3000
    store.close()
    return db


def test_worker_processes_store_exactly_what_one_process_stores(tmp_path: Path) -> None:
    source = _file(tmp_path / "m.jsonl", 3000, bad_every=97)
    serial = _snapshot(_import(tmp_path, "serial.db", source, workers=0))
    parallel = _snapshot(_import(tmp_path, "parallel.db", source, workers=2))
    assert parallel == serial
    assert len(serial["dead"]) == 31  # type: ignore[arg-type]
    positions = {row[0] for row in serial["dead"]}  # type: ignore[attr-defined]
    assert {"line 1", "line 98", "line 2911"} <= positions


def test_line_chunks_keep_lines_whole_and_count_them() -> None:
    data = b"".join(b"line %d\n" % i for i in range(1000)) + b"last without newline"
    chunks = list(line_chunks(io.BytesIO(data), size=64))
    assert b"".join(c for c, _ in chunks) == data
    for chunk, before in chunks[:-1]:
        assert chunk.endswith(b"\n")
        assert chunk.startswith(b"line %d\n" % before)
    assert chunks[-1] == (b"last without newline", 1000)


def test_line_chunks_cut_a_line_too_long_and_skip_its_rest() -> None:
    huge = b"x" * (MAX_RECORD_LINE_BYTES + 5 * 4096)
    data = b"first\n" + huge + b"\nafter\n"
    chunks = list(line_chunks(io.BytesIO(data), size=4096))
    joined = b"".join(c for c, _ in chunks)
    assert joined.startswith(b"first\n")
    assert joined.endswith(b"\nafter\n")
    cut = joined.split(b"\n")[1]
    assert len(cut) == MAX_RECORD_LINE_BYTES + 1  # still seen as too long by the importer
    assert [before for _, before in chunks][-1] == 2  # "after" is line 3


def test_progress_bar_on_request(tmp_path: Path) -> None:
    source = _file(tmp_path / "m.jsonl", 50)
    store = SQLiteStore(":memory:")
    store.migrate()
    out = io.StringIO()
    import_file(source, store, Pipeline(WATCHES), progress=True, progress_file=out, workers=0)
    assert "importing m.jsonl" in out.getvalue()


@pytest.mark.parametrize(
    ("size", "line_based", "cores", "expected"),
    [
        (1 << 30, True, 2, 1),  # the writer keeps one core busy
        (1 << 30, True, 8, 7),
        (1 << 30, True, 1, 0),
        (1 << 10, True, 8, 0),  # small file: starting processes costs more than it saves
        (1 << 30, False, 8, 0),  # records may span lines: one process
    ],
)
def test_workers_only_for_big_line_based_files(
    monkeypatch: pytest.MonkeyPatch, size: int, line_based: bool, cores: int, expected: int
) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda _pid: set(range(cores)))
    assert auto_workers(size, line_based) == expected
