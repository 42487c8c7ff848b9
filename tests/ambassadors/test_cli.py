"""`tocsin ambassadors|missions|rewards` end to end on a small imported conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from tests.ambassadors.conversation import BRAND_POST, T0, author, post
from tocsin.cli import main
from tocsin.importers.generic import to_record


def run(capsys: pytest.CaptureFixture[str], db: Path, *args: str) -> tuple[int, str, str]:
    code = main(["--db", str(db), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_programme_from_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_ANALYSIS", "off")
    db = tmp_path / "t.db"
    assert run(capsys, db, "init")[0] == 0
    assert run(capsys, db, "watch", "add", "cafelia", "cafelia OR #cafelia")[0] == 0
    # The CLI records consent on the real clock: the posts come after it.
    jsonl = tmp_path / "p.jsonl"
    brand = post(author(0), "La capsule #cafelia", T0, native_id=BRAND_POST)
    jsonl.write_bytes(orjson.dumps(to_record(brand)) + b"\n")
    assert run(capsys, db, "import", str(jsonl))[0] == 0

    code, _, err = run(capsys, db, "ambassadors", "exclude-country", "DE", "--reason", "local law")
    assert code == 0, err
    code, _, err = run(capsys, db, "ambassadors", "invite", "x:u9", "--country", "de")
    assert code == 1 and err == "error: the ambassador programme does not run in DE: local law\n"
    terms = tmp_path / "terms.txt"
    terms.write_text("I agree to disclose every mission post.", encoding="utf-8")
    for n in (1, 2):
        args = ["invite", f"x:u{n}", "--country", "FR", "--name", f"Fan {n}"]
        code, out, err = run(capsys, db, "ambassadors", *args)
        assert code == 0 and f"ambassador {n} invited" in out, err
        args = ["--consent-file", str(terms), "--consent-version", "v1"]
        code, out, err = run(capsys, db, "ambassadors", "enrol", str(n), *args, "--show-name")
        assert code == 0 and "enrolled" in out, err

    at = datetime.now(UTC) + timedelta(seconds=1)
    posts = [
        post(author(1), "Top ! #partenariat", at, quote_of=BRAND_POST),
        post(author(2), "Top !", at, quote_of=BRAND_POST),
    ]
    jsonl.write_bytes(b"".join(orjson.dumps(to_record(m)) + b"\n" for m in posts))
    assert run(capsys, db, "import", str(jsonl))[0] == 0
    deadline = (at + timedelta(days=1)).isoformat()
    code, out, err = run(
        capsys, db, "missions", "add", "share", "--watch", "cafelia", "--target",
        f"x:{BRAND_POST}", "--deadline", deadline, "--start", T0.isoformat(), "--points", "25",
        "--title", "Relay", "--instructions", "Quote it with #partenariat",
    )  # fmt: skip
    assert code == 0 and "mission 1 added" in out, err
    now = (at + timedelta(hours=1)).isoformat()
    code, out, err = run(capsys, db, "missions", "check", "--now", now)
    assert code == 0, err
    assert "1 counted · 1 flagged" in out and "flagged: mission 1, ambassador 2" in out
    code, out, _ = run(capsys, db, "missions", "show", "1")
    assert "counted" in out and "#partenariat" in out and "no disclosure" in out
    code, out, _ = run(capsys, db, "missions", "leaderboard")
    lines = out.splitlines()
    assert lines[2].split()[:3] == ["1", "Fan", "1"] and "25" in lines[2]

    assert run(capsys, db, "rewards", "add", "Mug", "--cost", "20", "--stock", "1")[0] == 0
    code, out, err = run(capsys, db, "rewards", "redeem", "1", "--ambassador", "1")
    assert code == 0 and "balance 5" in out, err
    code, _, err = run(capsys, db, "rewards", "redeem", "1", "--ambassador", "2")
    assert code == 1 and err.startswith("error: not enough points")
    assert run(capsys, db, "rewards", "withdraw", "1")[0] == 0
    assert "Mug" not in run(capsys, db, "rewards", "list")[1]
    code, out, _ = run(capsys, db, "ambassadors", "show", "1")
    assert code == 0 and "consent v1 given" in out and "I agree to disclose" in out
    assert "points 5" in out and "first-mission" in out and "mission 1: counted" in out
    code, out, _ = run(capsys, db, "ambassadors", "opt-out", "1")
    code, out, _ = run(capsys, db, "ambassadors", "list")
    assert "opted_out" in out and "enrolled" in out
