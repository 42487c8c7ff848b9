"""`tocsin monitor`, `tocsin incidents list|show` and `tocsin backtest` on small inputs."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from tests.incidents.test_monitor import START, SURGE_HOUR, H, stream
from tocsin.cli import main
from tocsin.importers.generic import to_record


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "t.db"
    assert run(capsys, "--db", str(path), "init")[0] == 0
    assert run(capsys, "--db", str(path), "watch", "add", "acme", "acme")[0] == 0
    return path


def test_monitor_then_list_and_show(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOCSIN_ANALYSIS", "off")  # the import analyses nothing: fast
    posts = [p for p in stream(1) if p.created_at < START + (SURGE_HOUR + 1) * H]
    jsonl = tmp_path / "p.jsonl"
    jsonl.write_bytes(b"".join(orjson.dumps(to_record(m)) + b"\n" for m in posts))
    assert run(capsys, "--db", str(db), "import", str(jsonl))[0] == 0
    now = (START + (SURGE_HOUR + 1) * H).isoformat()
    code, out, err = run(capsys, "--db", str(db), "monitor", "--now", now)
    assert code == 0, err
    assert "acme: incident, severity" in out and "1 alerts" in out
    assert "volume_surge" in out.splitlines()[-1]
    code, out, _ = run(capsys, "--db", str(db), "incidents", "list")
    assert code == 0 and "acme-20261104T1200" in out and "open" in out
    code, out, _ = run(capsys, "--db", str(db), "incidents", "show", "acme-20261104T1200")
    assert code == 0 and "Top terms against the baseline" in out and "grinder" in out
    code, out, _ = run(capsys, "--db", str(db), "incidents", "show", "acme-20261104T1200", "--json")
    data = orjson.loads(out)
    assert data["incident"]["id"] == "acme-20261104T1200"
    ex = data["explanation"]
    assert sum(ex["sentiment_now"].values()) == ex["posts_read"] >= 90
    assert ex["timeline"][-1][1] > 90  # posts in the onset bucket
    code, _, err = run(capsys, "--db", str(db), "incidents", "show", "nope")
    assert code == 1 and err.strip() == "error: no incident 'nope' (tocsin incidents list)"
    code, _, err = run(capsys, "--db", str(db), "monitor", "--now", now, "--bucket", "30")
    assert code == 1 and "buckets of 60 minutes, not 30" in err


@pytest.mark.slow
def test_backtest_of_a_demo_seed(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "backtest", "--seed", "7", "--detector", "volume_surge")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "seed 7:"
    assert any(line.lstrip().startswith("hijack") and "delay 1 buckets" in line for line in lines)
    assert "false incidents: 0" in out


def test_backtest_of_a_file_needs_its_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "p.jsonl"
    f.write_bytes(orjson.dumps(to_record(stream(1, hours=1)[0])) + b"\n")
    code, _, err = run(capsys, "backtest", "--stream", str(f))
    assert code == 1 and "needs --truth" in err
    code, _, err = run(capsys, "backtest", "--detector", "crystal_ball")
    assert code == 1 and "unknown detector crystal_ball; known: volume_surge" in err


@pytest.mark.slow
def test_backtest_of_a_written_stream_with_its_truth(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from tocsin.demo import DemoConfig
    from tocsin.demo_run import write_stream

    monkeypatch.setenv("TOCSIN_ANALYSIS", "off")
    mentions, truth = write_stream(tmp_path, DemoConfig(seed=7), progress=False)
    code, out, err = run(
        capsys,
        "backtest",
        "--stream",
        str(mentions),
        "--truth",
        str(truth),
        "--detector",
        "volume_surge",
    )
    assert code == 0, err
    # the file replays like the generated stream (tests/incidents/test_backtest.py, seed 7)
    assert "alert Thu 12:10 delay 1 buckets" in out and "alert Sat 21:30 delay 1 buckets" in out
    assert "false incidents: 0" in out
