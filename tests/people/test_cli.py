"""`tocsin authors top|show|coordination|update` and `tocsin incidents helpers` on the stored
conversation."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

import tocsin.cli
from tests.factories import mention
from tests.people.stored import conversation, store_with
from tests.people.test_helpers import INCIDENT
from tocsin.cli import main
from tocsin.importers.generic import to_record
from tocsin.people.profiles import mentions_to_count
from tocsin.store.sqlite_incidents import SQLiteIncidents


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("people") / "t.db"
    with store_with(conversation(), str(path)) as store:
        SQLiteIncidents(store.db).put(INCIDENT)
    return path


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_authors_top(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, db, "authors", "top", "--watch", "acme", "--segment", "critics")
    assert code == 0, err
    header, _, first = out.splitlines()[:3]
    assert header.split()[:4] == ["#", "author", "score", "negative"]
    assert first.split()[:2] == ["1", "x:critic"] and "30" in first.split()  # interacted_by
    code, out, _ = run(
        capsys, db, "authors", "top", "--watch", "acme", "--segment", "ambassadors", "--json"
    )
    data = orjson.loads(out)
    assert data[0]["author"] == "x:amb" and data[0]["evidence"]["positive"] == 6
    assert all(len(k) == 2 for k in data[0]["examples"])
    code, out, _ = run(
        capsys, db, "authors", "top", "--watch", "acme", "--segment", "rising", "--window", "2"
    )
    assert out.splitlines()[2].split()[:2] == ["1", "x:riser"]
    code, _, err = run(capsys, db, "authors", "top", "--watch", "nope", "--segment", "rising")
    assert code == 1 and "no watch 'nope'" in err


def test_authors_show(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, db, "authors", "show", "x:a1")
    assert code == 0, err
    assert out.startswith("x:a1 · @amb · Amb")
    assert "reach 5,000 followers" in out and "720 likes, 90 reposts, 24 replies" in out
    assert "6 posts (0 reposts) on 5 days" in out and "0 negative / 0 neutral / 6 positive" in out
    code, out, _ = run(capsys, db, "authors", "show", "x:a1", "--json")
    assert orjson.loads(out)["watches"][0]["posts"] == 6
    code, _, err = run(capsys, db, "authors", "show", "a1")
    assert code == 1 and "PLATFORM:ID" in err
    code, _, err = run(capsys, db, "authors", "show", "x:nobody")
    assert code == 1 and "no profile" in err


def test_authors_coordination(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, db, "authors", "coordination", "--watch", "acme")
    assert code == 0, err
    first = out.splitlines()[0]
    assert first.startswith("confidence 0.9") and "possible coordination: 12 accounts" in first
    assert "x:bot" in out and "x:enthusiast" not in out
    assert out.splitlines()[-1] == "(1 weaker signal below 0.3 left out: --min-confidence 0)"
    code, out, _ = run(capsys, db, "authors", "coordination", "--watch", "acme", "--json")
    assert orjson.loads(out)[0]["kind"] == "near_identical"


def test_incidents_helpers(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, db, "incidents", "helpers", INCIDENT.id)
    assert code == 0, err
    engage = out.split("Engage first:")[1].split("Mobilise:")[0]
    mobilise = out.split("Mobilise:")[1]
    assert engage.splitlines()[1].startswith("  1. x:critic · critic")
    assert "Acknowledge" in engage and "Take it private" in engage and "Follow up" in engage
    assert mobilise.splitlines()[1].startswith("  1. x:amb · ambassador")
    assert "Started it:\n  x:critic" in out
    code, out, _ = run(capsys, db, "incidents", "helpers", INCIDENT.id, "--json")
    data = orjson.loads(out)
    assert data["helpers"][0]["author"] == "x:critic" and data["started"][0]["author"] == "x:critic"
    code, _, err = run(capsys, db, "incidents", "helpers", "nope")
    assert code == 1 and "no incident 'nope'" in err


def test_hostile_handles_and_links_reach_the_terminal_harmless(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from datetime import timedelta

    from tests.people.stored import BURST, T0
    from tocsin.domain import Author, Mention, Metrics, Sentiment

    evil = Author("x", "e\x1b[2J1", "\x1b]0;owned\x07fan\u202eevil", "\u202e\x1b[31mName", 5_000)
    posts = [
        Mention(
            "x",
            f"e{i}",
            evil,
            "acme is great, thanks",
            T0 + timedelta(days=i),
            raw=b"{}",
            sentiment=Sentiment("positive", 0.9),
            metrics=Metrics(likes=50),
        )
        for i in range(4)
    ]
    link = "https://evil.example/\x1b[2J\u202e"
    posts += [
        Mention(
            "x",
            f"b{i}",
            Author("x", f"b{i}", f"\x1b[1mbot{i}"),
            f"acme lies to everyone, share before they delete it {link}",
            BURST + timedelta(seconds=i),
            raw=b"{}",
            links=(link,),
        )
        for i in range(5)
    ]
    path = tmp_path / "h.db"
    store_with(posts, str(path)).close()
    outputs = [
        run(capsys, path, "authors", "top", "--watch", "acme", "--segment", "ambassadors"),
        run(capsys, path, "authors", "show", "x:e\x1b[2J1"),
        run(capsys, path, "authors", "coordination", "--watch", "acme"),
    ]
    for code, out, err in outputs:
        assert code == 0, err
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "fan" in outputs[0][1] and "possible coordination" in outputs[2][1]


def test_authors_update_counts_what_is_new_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "u.db"
    with store_with(conversation(), str(path)) as store:
        pending = mentions_to_count(store)
    assert pending == len(conversation())
    code, out, err = run(capsys, path, "authors", "update", "--no-progress")
    assert code == 0, err
    first, second = out.splitlines()
    assert first.startswith(f"profiles: {pending:,} mentions read") and "acme" in first
    assert second.startswith("influence: ")
    code, out, _ = run(capsys, path, "authors", "update", "--no-progress")
    assert out.startswith("profiles: 0 mentions read")
    with store_with([], str(path)) as store:
        assert mentions_to_count(store) == 0


def test_a_big_import_suggests_authors_update(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db, source = tmp_path / "i.db", tmp_path / "in.jsonl"
    assert run(capsys, db, "init")[0] == 0

    def posts(start: int) -> str:
        return "\n".join(
            orjson.dumps(to_record(mention(i))).decode() for i in range(start, start + 3)
        )

    source.write_text(posts(1), encoding="utf-8")
    code, out, err = run(capsys, db, "import", str(source))
    assert code == 0 and "new 3" in out and "authors update" not in out, err
    monkeypatch.setattr(tocsin.cli, "BIG_IMPORT", 3)
    source.write_text(posts(10), encoding="utf-8")
    code, out, _ = run(capsys, db, "import", str(source))
    assert "new 3" in out and "tocsin authors update" in out
