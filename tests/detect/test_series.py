"""Backtesting a CSV: timestamp,value in; timestamp,value,anomaly_score,alert out."""

from __future__ import annotations

import csv
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.detect.streams import hourly_counts
from tocsin.detect import DetectError, detect_series, detect_series_file, infer_step
from tocsin.errors import TocsinError

T0 = datetime(2026, 1, 5, tzinfo=UTC)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_volume_export_round_trip(tmp_path: Path) -> None:
    rows = hourly_counts(1, 24 * 35, surges=((682, 8, 3.0),))
    lines = ["timestamp,value"] + [f"{t:%Y-%m-%d %H:%M:%S},{x}" for t, x in rows]
    source = write(tmp_path / "volume.csv", "\n".join(lines) + "\n")
    report = detect_series_file(source, tmp_path / "scored.csv")
    assert (report.rows, report.step_seconds, report.alerts) == (24 * 35, 3600.0, 1)
    with open(tmp_path / "scored.csv", newline="", encoding="utf-8") as f:
        out = list(csv.DictReader(f))
    assert list(out[0]) == ["timestamp", "value", "anomaly_score", "alert"]
    assert [r["timestamp"] for r in out] == [line.split(",")[0] for line in lines[1:]]
    assert [i for i, r in enumerate(out) if r["alert"] == "1"] == [682]
    assert all(0.0 <= float(r["anomaly_score"]) < 1.0 for r in out)
    assert out[682]["value"] == str(rows[682][1])


def test_any_regular_step_and_iso_or_epoch_timestamps(tmp_path: Path) -> None:
    lines = ["Timestamp,Value,extra"]
    for i in range(300):
        t = T0 + i * timedelta(minutes=10)
        stamp = t.isoformat().replace("+00:00", "Z") if i % 2 else str(int(t.timestamp()))
        lines.append(f"{stamp},{20 + (i % 6)},x")
    report = detect_series_file(write(tmp_path / "a.csv", "\n".join(lines)), tmp_path / "b.csv")
    assert (report.rows, report.step_seconds) == (300, 600.0)


def test_infer_step_tolerates_gaps_and_a_repeated_hour() -> None:
    stamps = [T0 + i * timedelta(minutes=5) for i in range(100) if i not in (10, 11, 50)]
    assert infer_step(stamps) == 300.0
    assert infer_step([*stamps[:20], stamps[19], *stamps[20:]]) == 300.0  # a duplicate
    with pytest.raises(DetectError, match="not in order"):
        infer_step(list(reversed(stamps)))
    with pytest.raises(DetectError, match="do not increase"):
        infer_step([T0, T0, T0])


def test_detect_series_takes_naive_or_aware_datetimes() -> None:
    rows = [(T0.replace(tzinfo=None) + timedelta(hours=i), float(i % 3)) for i in range(50)]
    scored = detect_series(rows)
    assert len(scored) == 50 and scored[0].timestamp.tzinfo is UTC


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty file"),
        ("time,count\n2026-01-05,1\n", "must name 'timestamp' and 'value'"),
        (
            "timestamp,value\n2026-01-05 00:00,1\n2026-01-05 01:00,lots\n",
            "line 3: value is not a number",
        ),
        (
            "timestamp,value\n2026-01-05 00:00,1\n2026-01-05 01:00,nan\n",
            "line 3: value is not a finite",
        ),
        ("timestamp,value\nyesterday,1\n2026-01-05 01:00,2\n", "line 2: cannot read timestamp"),
        ("timestamp,value\n2026-01-05 00:00\n", "line 2: expected 2 columns"),
        ("timestamp,value\n2026-01-05 00:00,1\n", "at least 2 rows"),
        (
            "timestamp,value\n"
            + "".join(f"2026-01-{d:02d} 00:00,1\n" for d in (9, 8, 7, 6, 5, 4, 3)),
            "not in order",
        ),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, text: str, message: str) -> None:
    source = write(tmp_path / "in.csv", text)
    with pytest.raises(DetectError, match=message) as caught:
        detect_series_file(source, tmp_path / "out.csv")
    assert isinstance(caught.value, TocsinError)
    assert "\n" not in str(caught.value) and str(source) in str(caught.value)
    assert not (tmp_path / "out.csv").exists()


def test_missing_file_and_unwritable_output(tmp_path: Path) -> None:
    with pytest.raises(DetectError, match="no such file"):
        detect_series_file(tmp_path / "nope.csv", tmp_path / "out.csv")
    source = write(tmp_path / "in.csv", "timestamp,value\n2026-01-05 00:00,1\n2026-01-05 01:00,2\n")
    with pytest.raises(DetectError, match="cannot write"):
        detect_series_file(source, tmp_path / "no" / "such" / "dir" / "out.csv")


def test_scored_rows_can_go_to_a_stream() -> None:
    import io

    from tocsin.detect import write_scored_csv

    rows = [(T0 + timedelta(hours=i), float(i % 5)) for i in range(30)]
    buffer = io.StringIO()
    write_scored_csv(buffer, detect_series(rows))
    lines = buffer.getvalue().splitlines()
    assert lines[0] == "timestamp,value,anomaly_score,alert"
    assert lines[1] == "2026-01-05 00:00:00,0,0.000000,0" and len(lines) == 31
