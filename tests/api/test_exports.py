"""Parquet exports of the search, the cases and the audit log: the CSV's columns, typed, read
back with pyarrow; values as stored (no formula prefix: nothing runs a Parquet cell)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from tests.api.fixtures import Signed, World
from tests.api.inbox_fixtures import inbox_app, inbox_world, team
from tocsin.api.auth import Role
from tocsin.api.routes.inbox import CASE_EXPORT_COLUMNS
from tocsin.api.routes.mentions import EXPORT_COLUMNS
from tocsin.export import PARQUET_MEDIA_TYPE, csv_safe, parquet_bytes, write_parquet
from tocsin.respond import audit

__all__ = ["inbox_app", "inbox_world", "team"]


def _table(body: bytes) -> pa.Table:
    return pq.read_table(io.BytesIO(body))


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_write_parquet_types_and_nulls_and_row_groups(tmp_path: object) -> None:
    columns = (("n", "int"), ("at", "time"), ("x", "float"), ("s", "text"), ("b", "bool"))
    at = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    rows = [
        (i, at if i % 2 else at.isoformat(), i / 2, f"=cmd{i}", i % 3 == 0) for i in range(25_001)
    ]
    rows.append((None, None, None, None, None))
    body = parquet_bytes(columns, rows)
    meta = pq.ParquetFile(io.BytesIO(body)).metadata
    assert meta.num_rows == 25_002
    assert meta.num_row_groups == 3  # ten thousand rows a group
    table = _table(body)
    assert table.schema.field("n").type == pa.int64()
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("x").type == pa.float64()
    assert table.schema.field("b").type == pa.bool_()
    assert table.column("at")[1].as_py() == at == table.column("at")[2].as_py()
    assert table.column("s")[0].as_py() == "=cmd0"  # as stored
    assert table.slice(25_001).to_pylist() == [dict.fromkeys(["n", "at", "x", "s", "b"])]
    with pytest.raises(ValueError, match="2 values for 5 columns"):
        parquet_bytes(columns, [(1, 2)])


def test_an_empty_export_still_has_its_columns() -> None:
    table = _table(parquet_bytes((("a", "text"), ("n", "int")), []))
    assert table.num_rows == 0
    assert table.column_names == ["a", "n"]


def test_write_parquet_to_a_file(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "out.parquet"
    assert write_parquet((("a", "text"),), [("x",), ("y",)], str(path)) == 2
    assert pq.read_table(path).column("a").to_pylist() == ["x", "y"]


def test_search_export_as_parquet_matches_the_csv(signed: dict[Role, Signed]) -> None:
    client = signed[Role.MANAGER].client
    query = "?q=caf%C3%A9lia&limit=500"
    answer = client.get("/api/mentions.parquet" + query)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == PARQUET_MEDIA_TYPE
    assert "tocsin-mentions.parquet" in answer.headers["content-disposition"]
    table = _table(answer.content)
    assert tuple(table.column_names) == EXPORT_COLUMNS
    assert table.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("followers").type == pa.int64()

    rows = _csv(client.get("/api/mentions.csv" + query).text)
    assert rows[0] == list(EXPORT_COLUMNS)
    assert table.num_rows == len(rows) - 1 > 10
    by_id = {r["native_id"]: r for r in table.to_pylist()}
    for line in rows[1:]:
        record = dict(zip(rows[0], line, strict=True))
        got = by_id[record["native_id"]]
        assert got["created_at"].isoformat() == record["created_at"]
        # every other cell: the CSV's is the formula-safe form of the Parquet value
        for column in EXPORT_COLUMNS[1:]:
            assert csv_safe(got[column]) == record[column], column
    assert by_id["hostile-formula"]["text"].startswith("=HYPERLINK(")


def test_search_export_parquet_refuses_what_the_csv_refuses(signed: dict[Role, Signed]) -> None:
    client = signed[Role.ADMIN].client
    assert client.get("/api/mentions.parquet?limit=100001").status_code == 400
    bad = client.get("/api/mentions.parquet?q=(unclosed")
    assert bad.status_code == 400 and "position" in bad.json()
    assert signed[Role.AGENT].client.get("/api/mentions.parquet").status_code == 403
    empty = _table(client.get("/api/mentions.parquet?q=nothingmatchesthis").content)
    assert empty.num_rows == 0 and tuple(empty.column_names) == EXPORT_COLUMNS


def test_cases_export_csv_and_parquet(team: dict[Role, Signed]) -> None:
    manager = team[Role.MANAGER]
    headers = {"x-csrf-token": manager.csrf}
    for native_id in ("hostile-formula", "parent", "1005"):
        opened = manager.client.post(
            "/api/cases", json={"platform": "x", "native_id": native_id}, headers=headers
        )
        assert opened.status_code in (201, 409), opened.text
    listed = manager.client.get("/api/cases").json()["data"]

    parquet = manager.client.get("/api/cases.parquet")
    assert parquet.status_code == 200
    table = _table(parquet.content)
    assert table.column_names == [c for c, _ in CASE_EXPORT_COLUMNS]
    assert table.schema.field("due_at").type == pa.timestamp("us", tz="UTC")
    assert table.column("id").to_pylist() == [c["id"] for c in listed]  # the inbox's order
    assert set(table.column("status").to_pylist()) <= {"new", "assigned"}

    rows = _csv(manager.client.get("/api/cases.csv").text)
    assert rows[0] == table.column_names
    assert [int(r[0]) for r in rows[1:]] == table.column("id").to_pylist()
    first = dict(zip(rows[0], rows[1], strict=True))
    assert first["opened_at"] == table.column("opened_at")[0].as_py().isoformat()

    assert manager.client.get("/api/cases.parquet?limit=100001").status_code == 400
    closed = _table(manager.client.get("/api/cases.parquet?status=closed").content)
    assert closed.num_rows == 0
    for role in (Role.AGENT, Role.VIEWER):
        assert team[role].client.get("/api/cases.parquet").status_code == 403
        assert team[role].client.get("/api/cases.csv").status_code == 403


def test_audit_export_parquet_matches_the_csv(team: dict[Role, Signed]) -> None:
    manager = team[Role.MANAGER]
    headers = {"x-csrf-token": manager.csrf}
    hide = manager.client.post(
        "/api/moderation/hide",
        json={"platform": "x", "native_id": "hostile-formula", "reason": "spam", "note": "=1+1"},
        headers=headers,
    )
    assert hide.status_code == 200, hide.text
    answer = manager.client.get("/api/audit.parquet")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == PARQUET_MEDIA_TYPE
    table = _table(answer.content)
    assert tuple(table.column_names) == audit.CSV_COLUMNS
    assert table.schema.field("id").type == pa.int64()
    assert table.schema.field("at").type == pa.timestamp("us", tz="UTC")
    rows = _csv(manager.client.get("/api/audit.csv").text)
    assert table.num_rows == len(rows) - 1 >= 1
    assert [str(i) for i in table.column("id").to_pylist()] == [r[0] for r in rows[1:]]
    assert table.column("action")[0].as_py() == "mention.hide"
    only = _table(manager.client.get("/api/audit.parquet?actor=nobody").content)
    assert only.num_rows == 0
    assert team[Role.AGENT].client.get("/api/audit.parquet").status_code == 403


def test_cli_search_writes_parquet_csv_and_jsonl_files(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tocsin.cli import main

    base = ["--db", str(world.db), "search", "cafélia", "--limit", "500"]
    out = tmp_path / "found.parquet"
    assert main([*base, "--format", "parquet", "-o", str(out)]) == 0
    _, err = capsys.readouterr()
    table = pq.read_table(out)
    assert f"{table.num_rows} mentions written to {out}" in err
    assert table.schema.field("created_at").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("sentiment_score").type == pa.float64()

    csv_out = tmp_path / "found.csv"
    assert main([*base, "--format", "csv", "-o", str(csv_out)]) == 0
    rows = _csv(csv_out.read_text(encoding="utf-8"))
    assert rows[0] == table.column_names
    assert table.num_rows == len(rows) - 1 > 10
    assert [r[2] for r in rows[1:]] == table.column("native_id").to_pylist()
    assert main([*base, "--format", "jsonl", "-o", str(tmp_path / "found.jsonl")]) == 0
    lines = (tmp_path / "found.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == table.num_rows
    capsys.readouterr()

    # parquet needs a file; a table has none; an unwritable path is one line, no traceback
    assert main([*base, "--format", "parquet"]) == 1
    assert main([*base, "-o", str(tmp_path / "x.txt")]) == 1
    assert main([*base, "--format", "parquet", "-o", str(tmp_path / "no" / "x.parquet")]) == 1
    _, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 3 and all(line.startswith("error: ") for line in lines), lines
    assert "Traceback" not in err
