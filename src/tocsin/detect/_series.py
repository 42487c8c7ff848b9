"""Backtest a detector on a whole series: rows in, scored rows out, and the CSV form of it.

``detect_series_file`` reads ``timestamp,value`` (any regular step, inferred) and writes
``timestamp,value,anomaly_score,alert``, so any volume export can be replayed through the same
detector the live pipeline runs. Bad input raises :class:`DetectError` with one readable line.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise
from pathlib import Path
from typing import NamedTuple, TextIO

from tocsin.detect._base import DetectError
from tocsin.detect._gate import AlertGate, GateConfig
from tocsin.detect._volume import VolumeConfig, VolumeSurgeDetector


class Point(NamedTuple):
    """One row of a series: the bucket start and its value."""

    timestamp: datetime
    value: float


class ScoredPoint(NamedTuple):
    """A row scored: ``anomaly_score`` in [0, 1] (damped after an alert), ``alert`` rings."""

    timestamp: datetime
    value: float
    anomaly_score: float
    alert: bool


@dataclass(frozen=True)
class SeriesReport:
    """What ``detect_series_file`` did: rows scored, the step it inferred, alerts rung."""

    rows: int
    step_seconds: float
    alerts: int


def infer_step(timestamps: Sequence[datetime]) -> float:
    """The series' step in seconds: the most common gap between consecutive rows (gaps from
    missing rows and a few irregular ones are tolerated)."""
    gaps = Counter((b - a).total_seconds() for a, b in pairwise(timestamps))
    backwards = sum(n for g, n in gaps.items() if g < 0)
    if backwards > 0.01 * len(timestamps) + 1:
        raise DetectError(f"timestamps are not in order ({backwards} go back in time)")
    positive = {g: n for g, n in gaps.items() if g > 0}
    if not positive:
        raise DetectError("cannot infer the step: timestamps do not increase")
    step, count = max(positive.items(), key=lambda item: (item[1], -item[0]))
    if count < 0.5 * sum(positive.values()):
        # No dominant gap: the smallest common one, so rhythms are not cut too coarse.
        step = min(g for g, n in positive.items() if n >= 0.1 * count)
    return step


def detect_series(
    rows: Iterable[tuple[datetime, float]],
    config: VolumeConfig | None = None,
    gate: GateConfig | None = None,
    *,
    step: float | None = None,
) -> list[ScoredPoint]:
    """Score every row of a regular series with a fresh :class:`VolumeSurgeDetector`, gated
    by an :class:`AlertGate` (one alert per surge; scores damped during the cooldown)."""
    points = [Point(t if t.tzinfo else t.replace(tzinfo=UTC), float(v)) for t, v in rows]
    if len(points) < 2:
        raise DetectError(f"a series needs at least 2 rows, got {len(points)}")
    for i, p in enumerate(points):
        if not math.isfinite(p.value):
            raise DetectError(f"row {i + 1}: value is not a finite number: {p.value!r}")
    if step is None:
        step = infer_step([p.timestamp for p in points])
    detector = VolumeSurgeDetector(step, config)
    bell = AlertGate(gate)
    out = []
    for t, x in points:
        score = detector.update(t, x)
        score, rings = bell.update(score, detector.alert(score))
        out.append(ScoredPoint(t, x, score, rings))
    return out


def _parse_time(text: str, line: int) -> datetime:
    s = text.strip()
    try:
        t = datetime.fromisoformat(s[:-1] + "+00:00" if s.endswith("Z") else s)
    except ValueError:
        try:
            return datetime.fromtimestamp(float(s), UTC)
        except (ValueError, OverflowError, OSError):
            raise DetectError(f"line {line}: cannot read timestamp {s!r}") from None
    return t if t.tzinfo is not None else t.replace(tzinfo=UTC)


def read_series_csv(path: str | Path) -> list[Point]:
    """Rows of a ``timestamp,value`` CSV (header required; extra columns are ignored)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            lines = list(csv.reader(f))
    except FileNotFoundError:
        raise DetectError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DetectError(f"{path}: cannot read: {exc}") from None
    if not lines:
        raise DetectError(f"{path}: empty file")
    header = [h.strip().lower() for h in lines[0]]
    if "timestamp" not in header or "value" not in header:
        raise DetectError(f"{path}: the header must name 'timestamp' and 'value' columns")
    ti, vi = header.index("timestamp"), header.index("value")
    points = []
    for n, row in enumerate(lines[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(ti, vi):
            raise DetectError(f"{path}: line {n}: expected {len(header)} columns, got {len(row)}")
        try:
            value = float(row[vi])
        except ValueError:
            raise DetectError(f"{path}: line {n}: value is not a number: {row[vi]!r}") from None
        if not math.isfinite(value):
            raise DetectError(f"{path}: line {n}: value is not a finite number: {row[vi]!r}")
        try:
            points.append(Point(_parse_time(row[ti], n), value))
        except DetectError as exc:
            raise DetectError(f"{path}: {exc}") from None
    return points


def write_scored_csv(out: str | Path | TextIO, rows: Iterable[ScoredPoint]) -> None:
    """Write ``timestamp,value,anomaly_score,alert`` (timestamps in UTC, seconds precision) to a
    path or an open text stream (``sys.stdout``)."""
    if isinstance(out, str | Path):
        with open(out, "w", newline="", encoding="utf-8") as f:
            write_scored_csv(f, rows)
        return
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["timestamp", "value", "anomaly_score", "alert"])
    for r in rows:
        w.writerow(
            [
                _format_time(r.timestamp),
                format(r.value, ".15g"),
                f"{r.anomaly_score:.6f}",
                int(r.alert),
            ]
        )


def _format_time(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if t.tzinfo else t.isoformat(" ")


def detect_series_file(
    in_path: str | Path,
    out_path: str | Path,
    config: VolumeConfig | None = None,
    gate: GateConfig | None = None,
) -> SeriesReport:
    """Read ``timestamp,value``, write ``timestamp,value,anomaly_score,alert``."""
    points = read_series_csv(in_path)
    try:
        step = infer_step([p.timestamp for p in points]) if len(points) >= 2 else 0.0
        scored = detect_series(points, config, gate, step=step or None)
    except DetectError as exc:
        raise DetectError(f"{in_path}: {exc}") from None
    try:
        write_scored_csv(out_path, scored)
    except OSError as exc:
        raise DetectError(f"{out_path}: cannot write: {exc.strerror or exc}") from None
    return SeriesReport(len(scored), step, sum(r.alert for r in scored))
