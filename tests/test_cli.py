from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import mention
from tocsin.cli import main, parse_when
from tocsin.importers.generic import to_record


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "t.db"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    return path


def _jsonl(path: Path, mentions: list) -> Path:  # type: ignore[type-arg]
    path.write_bytes(b"".join(orjson.dumps(to_record(m)) + b"\n" for m in mentions))
    return path


def test_help_lists_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("init", "watch", "import", "search", "stats", "demo", "dead-letters"):
        assert command in out


def test_missing_database_is_one_readable_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(capsys, "--db", str(tmp_path / "nope.db"), "watch", "list")
    assert code == 1
    assert err.strip().splitlines() == [
        f"error: no database at {tmp_path / 'nope.db'}: run `tocsin init` first"
    ]
    assert "Traceback" not in err


def test_invalid_query_points_at_the_position(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(db), "watch", "add", "acme", "acme AND (refund")
    assert code == 1
    [line] = err.strip().splitlines()
    assert line.startswith("error: invalid query:") and "position" in line


def test_watch_add_list_test_remove(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--db", str(db), "watch", "add", "cafelia", "cafélia OR @cafelia")[0] == 0
    code, out, _ = run(capsys, "--db", str(db), "watch", "list")
    assert code == 0 and "cafelia" in out and "cafélia OR @cafelia" in out
    code, out, _ = run(
        capsys, "--db", str(db), "watch", "test", "cafelia", "CAFELIA m'a remboursé", "rien"
    )
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("MATCH") and "CAFELIA" in lines[1]
    assert lines[2].startswith("no")
    assert lines[-1] == "1 of 2 samples match"
    assert run(capsys, "--db", str(db), "watch", "remove", "cafelia")[0] == 0
    assert run(capsys, "--db", str(db), "watch", "remove", "cafelia")[0] == 1


def test_import_twice_adds_nothing_and_search_exports(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--db", str(db), "watch", "add", "cafelia", "cafélia")
    source = _jsonl(
        tmp_path / "m.jsonl",
        [mention(1, text="=cmd|' /C calc'!A0 Cafélia"), mention(2, text="Cafelia top")],
    )
    code, out, _ = run(capsys, "--db", str(db), "import", str(source))
    assert code == 0 and "new 2" in out
    code, out, _ = run(capsys, "--db", str(db), "import", str(source))
    assert "new 0" in out and "unchanged 2" in out
    code, out, _ = run(capsys, "--db", str(db), "search", "cafelia", "--format", "csv")
    rows = out.splitlines()
    assert rows[0].startswith("created_at,platform")
    assert any(",'=cmd" in r or ",\"'=cmd" in r for r in rows[1:])
    code, out, _ = run(capsys, "--db", str(db), "search", "cafelia", "--format", "jsonl")
    assert [orjson.loads(x)["native_id"] for x in out.splitlines()] == ["1002", "1001"]
    code, out, _ = run(capsys, "--db", str(db), "search", "--watch", "cafelia")
    assert "2 mentions" in out


def test_stats_table_and_chart(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "--db", str(db), "watch", "add", "cafelia", "cafélia")
    source = _jsonl(tmp_path / "m.jsonl", [mention(i) for i in range(1, 200)])
    run(capsys, "--db", str(db), "import", str(source))
    chart = tmp_path / "v.png"
    code, out, _ = run(capsys, "--db", str(db), "stats", "--by", "hour", "--chart", str(chart))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["bucket", "(UTC)", "all", "cafelia"]
    counts = [int(line.split()[-1]) for line in lines[2:] if line[:4].isdigit()]
    assert sum(counts) == 199
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "cafelia  199 mentions, 199 analysed: " in out  # fast analysis (tests/conftest.py)


def test_stats_sentiment_shares_and_chart_panel(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.store.contract import matched
    from tocsin.domain import Sentiment
    from tocsin.store.sqlite import SQLiteStore

    run(capsys, "--db", str(db), "watch", "add", "cafelia", "cafélia")
    labels = ["negative"] * 3 + ["positive"] + [None] * 2
    posts = [
        mention(i, sentiment=None if lab is None else Sentiment(lab, 0.9))
        for i, lab in enumerate(labels, start=1)
    ]
    with SQLiteStore(db) as store:
        store.write(matched(*posts))
    plain, with_panel = tmp_path / "a.png", tmp_path / "b.png"
    code, out, _ = run(capsys, "--db", str(db), "stats", "--watch", "cafelia")
    assert code == 0
    assert "6 mentions, 4 analysed: 75 % negative, 0 % neutral, 25 % positive" in out
    run(capsys, "--db", str(db), "stats", "--chart", str(with_panel))
    with SQLiteStore(db) as store:
        store.db.execute("UPDATE rollup_minute SET negative = 0, positive = 0")
    run(capsys, "--db", str(db), "stats", "--chart", str(plain))
    from PIL import Image

    with Image.open(with_panel) as two, Image.open(plain) as one:
        assert two.height > one.height  # the negative-share panel


def test_unknown_format_and_missing_file(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(db), "import", "--format", "nope", "x.jsonl")
    assert code == 1 and "unknown format" in err
    code, _, err = run(capsys, "--db", str(db), "import", "missing.jsonl")
    assert code == 1 and "no such file" in err


def test_relative_and_absolute_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert parse_when("36h", now=now) == datetime(2026, 11, 21, 0, tzinfo=UTC)
    assert parse_when("2026-11-02") == datetime(2026, 11, 2, tzinfo=UTC)
    assert parse_when("2026-11-02T14:00+01:00") == datetime(2026, 11, 2, 13, tzinfo=UTC)
    assert parse_when(None) is None


def test_new_watch_is_applied_to_stored_mentions(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = _jsonl(tmp_path / "m.jsonl", [mention(1, text="Brewster"), mention(2)])
    run(capsys, "--db", str(db), "import", str(source))
    code, out, _ = run(capsys, "--db", str(db), "watch", "add", "brewster", "brewster")
    assert code == 0 and "2 stored mentions matched again: 1 changed" in out
    code, out, _ = run(capsys, "--db", str(db), "search", "--watch", "brewster")
    assert "1 mention\n" in out


def test_erase_and_retention(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = _jsonl(tmp_path / "m.jsonl", [mention(i) for i in range(1, 8)])
    run(capsys, "--db", str(db), "import", str(source))
    from tocsin.ambassadors import enrolment
    from tocsin.store.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        member = enrolment.invite(store.db, "x", "u1", "boss", country="FR", handle="user1")
        enrolment.enrol(store.db, member.id, "J'accepte le programme.", "v1", "boss")
    code, out, _ = run(capsys, "--db", str(db), "erase", "--author", "x:u1", "--yes")
    assert code == 0 and out.splitlines()[0] == "erased 1 mentions by x:u1"
    assert "ambassador record" in out
    with SQLiteStore(db) as store:
        erased = enrolment.get(store.db, member.id)
        assert erased is not None and "user1" not in repr(erased)
    code, _, err = run(capsys, "--db", str(db), "erase", "--author", "nope", "--yes")
    assert code == 1 and "PLATFORM:ID" in err
    code, out, _ = run(capsys, "--db", str(db), "retention", "--keep", "1d")
    assert code == 0 and out.startswith("deleted 6 mentions and 0 dead letters")
    code, _, err = run(capsys, "--db", str(db), "retention", "--keep", "2026-01-01")
    assert code == 1 and "duration" in err


@settings(max_examples=150, deadline=None)
@given(query=st.text(max_size=60), text=st.text(max_size=80))
def test_any_query_gets_an_answer_or_one_line_error(query: str, text: str) -> None:
    import contextlib
    import io

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", "/nonexistent/tocsin.db", "watch", "test", query, text or "x"])
    assert code in (0, 1, 2)
    assert "Traceback" not in err.getvalue()
    if code == 1:
        assert len(err.getvalue().strip().splitlines()) == 1


def test_alerts_from_silence_to_a_signed_webhook(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.deliver.servers import Script, http_server

    run(capsys, "--db", str(db), "watch", "add", "cafelia", "cafélia")
    source = _jsonl(tmp_path / "m.jsonl", [mention(i) for i in range(1, 121)])  # 1/min, 2 h
    run(capsys, "--db", str(db), "import", str(source))
    script = Script()
    with http_server(script) as url:
        secret = "whsec_c2VjcmV0LWtleS1mb3ItdGVzdHM="
        code, _, _ = run(
            capsys, "--db", str(db), "channel", "add", "ops", "webhook", url, "--secret", secret
        )
        assert code == 0
        code, _, err = run(
            capsys,
            "--db",
            str(db),
            "channel",
            "add",
            "bad",
            "webhook",
            url,
            "--secret",
            "whsec_%%%",
        )
        assert code == 1 and "base64" in err
        code, out, _ = run(capsys, "--db", str(db), "alerts", "check", "--now", "2026-11-02T11:05")
        assert code == 0 and out.splitlines()[-1] == "0 alerts raised, 0 deliveries queued"
        # A source two hours old has no daily rhythm yet: 17 h of silence is not judged...
        code, out, _ = run(capsys, "--db", str(db), "alerts", "check", "--now", "2026-11-03T04:00")
        assert out.splitlines()[-1] == "0 alerts raised, 0 deliveries queued"
        # ... a day and more is, at the usual rate: 120 posts a week, 18 expected in 25 h
        code, out, _ = run(capsys, "--db", str(db), "alerts", "check", "--now", "2026-11-03T12:00")
        assert out.splitlines()[-1] == "2 alerts raised, 2 deliveries queued"
        code, out, _ = run(capsys, "--db", str(db), "alerts", "deliver")
        assert out.strip() == "sent 2 · retrying 0 · failed 0 · held by rate limit 0"
    assert {h["webhook-id"] for h, _ in script.received} == {"msg_1", "msg_2"}
    code, out, _ = run(capsys, "--db", str(db), "alerts", "list")
    assert out.count(" sent ") == 2 and "is silent" in out


def test_users_and_far_dates(
    db: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    code, out, _ = run(
        capsys, "--db", str(db), "user", "add", "Alice", "--role", "admin", "--password-stdin"
    )
    assert code == 0 and out.strip() == "user alice created (admin)"
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    code, _, err = run(capsys, "--db", str(db), "user", "add", "bob", "--password-stdin")
    assert code == 1 and "at least 10" in err
    code, out, _ = run(
        capsys, "--db", str(db), "user", "set", "alice", "--role", "viewer", "--inactive"
    )
    assert code == 0
    code, out, _ = run(capsys, "--db", str(db), "user", "list")
    assert out.splitlines()[2].split() == ["alice", "viewer", "no"]
    code, _, err = run(capsys, "--db", str(db), "search", "--since", "999999w")
    assert code == 1 and "too far back" in err


def test_enrich_adds_sentiment_and_keeps_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "text": "Je d\u00e9teste ce service, une honte"}\nplain text post, love it\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    code, _, err = run(capsys, "enrich", str(source), "-o", str(out), "--fast", "--no-progress")
    assert code == 0 and err.strip() == "2 posts enriched"
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert rows[0]["id"] == 1 and rows[0]["sentiment"]["label"] in (
        "negative",
        "neutral",
        "positive",
    )
    assert rows[1]["text"] == "plain text post, love it" and "sentiment" in rows[1]


def test_detect_series_scores_a_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = ["timestamp,value"]
    for h in range(24 * 14):
        value = 10 + (h % 24)  # a daily rhythm
        if h == 24 * 13 + 5:
            value = 400  # a surge
        rows.append(
            f"2026-11-01T00:00:00+00:00,{value}".replace("01T00", f"{1 + h // 24:02d}T{h % 24:02d}")
        )
    source = tmp_path / "v.csv"
    source.write_text("\n".join(rows) + "\n")
    out = tmp_path / "scored.csv"
    code, printed, _ = run(capsys, "detect-series", str(source), "-o", str(out))
    assert code == 0 and "step 3600 s" in printed
    lines = out.read_text().splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,alert"
    alerts = [line.split(",")[0] for line in lines[1:] if line.endswith(",1")]
    assert alerts == ["2026-11-14 05:00:00"]  # the surge, and nothing else
    code, _, err = run(capsys, "detect-series", str(tmp_path / "missing.csv"), "-o", str(out))
    assert code == 1 and len(err.strip().splitlines()) == 1


def test_search_filters_on_sentiment_and_refuses_it_in_watches(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.store.contract import matched
    from tocsin.domain import Sentiment
    from tocsin.store.sqlite import SQLiteStore

    with SQLiteStore(db) as store:
        store.write(
            matched(
                mention(1, text="Cafélia, quelle honte", sentiment=Sentiment("negative", 0.9)),
                mention(2, text="Cafélia au top", sentiment=Sentiment("positive", 0.8)),
                mention(3, text="Cafélia ouvre à Lyon"),
            )
        )
    code, out, _ = run(
        capsys, "--db", str(db), "search", "cafelia sentiment:negative", "--format", "jsonl"
    )
    assert code == 0
    [row] = [orjson.loads(x) for x in out.splitlines()]
    assert (row["native_id"], row["sentiment"], row["sentiment_score"]) == ("1001", "negative", 0.9)
    code, out, _ = run(capsys, "--db", str(db), "search", "sentiment:positive")
    assert "au top" in out and "pos" in out and "1 mention" in out
    code, _, err = run(capsys, "--db", str(db), "watch", "add", "w", "cafelia sentiment:negative")
    assert code != 0 and "not watches" in err
