#!/usr/bin/env python3
"""Score Tocsin's volume detector on the Numenta Anomaly Benchmark (NAB v1.1).

Runs ``tocsin.detect.detect_series`` (what ``tocsin detect-series`` runs) over every series of a
NAB data folder, writes one ``timestamp,anomaly_score,alert`` CSV per series in the layout
``../shared/tools/nab_score.py`` expects, then runs that scorer and prints its summary.

    .venv/bin/python scripts/nab_eval.py                       # tuning corpus, default settings
    .venv/bin/python scripts/nab_eval.py --set rebaseline_after=12 --quiet
    .venv/bin/python scripts/nab_eval.py --data ../shared/data/heldout/nab_realTweets/data \\
        --windows ../shared/data/heldout/nab_realTweets/labels/...json

One configuration for every series: the only NAB-specific setting is ``direction="both"``
(NAB labels drops as well as surges; a brand watch only looks up).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib.util
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from tocsin.detect import GateConfig, VolumeConfig
from tocsin.detect._series import Point, ScoredPoint, detect_series

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data" / "nab_other_tuning" / "data"
WINDOWS = SHARED / "data" / "nab_other_tuning" / "labels" / "combined_windows_non_realTweets.json"
SCORER = SHARED / "tools" / "nab_score.py"
# NAB labels drops as well as surges, and its machine metrics change regime for good (a new
# level is accepted after 2 hours of 5-minute buckets; a brand's crisis only after 72 buckets).
NAB_CONFIG = VolumeConfig(direction="both", rebaseline_after=24)
NAB_GATE = GateConfig()


def load_series(path: Path) -> tuple[list[str], list[Point]]:
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    stamps = [r[0] for r in rows]
    points = [Point(datetime.fromisoformat(r[0]).replace(tzinfo=UTC), float(r[1])) for r in rows]
    return stamps, points


def series_files(data: Path) -> list[str]:
    return sorted(str(p.relative_to(data)) for p in data.rglob("*.csv"))


def run_detector(
    data: Path, config: VolumeConfig, gate: GateConfig, files: list[str] | None = None
) -> dict[str, tuple[list[str], list[ScoredPoint]]]:
    out = {}
    for rel in files if files is not None else series_files(data):
        stamps, points = load_series(data / rel)
        out[rel] = (stamps, detect_series(points, config, gate))
    return out


def write_results(results: dict[str, tuple[list[str], list[ScoredPoint]]], out_dir: Path) -> None:
    for rel, (stamps, scored) in results.items():
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", newline="", encoding="utf-8") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(["timestamp", "anomaly_score", "alert"])
            for stamp, r in zip(stamps, scored, strict=True):
                w.writerow([stamp, f"{r.anomaly_score:.6f}", int(r.alert)])


def configure(items: list[str]) -> tuple[VolumeConfig, GateConfig]:
    """NAB's configuration with ``KEY=VALUE`` overrides of VolumeConfig or GateConfig fields."""
    detector = {f.name for f in dataclasses.fields(VolumeConfig)}
    gate = {f.name for f in dataclasses.fields(GateConfig)}
    d: dict[str, Any] = {}
    g: dict[str, Any] = {}
    for item in items:
        key, _, text = item.partition("=")
        if key not in detector | gate:
            raise SystemExit(f"nab_eval: unknown setting {key!r}; known: {sorted(detector | gate)}")
        value: Any = json.loads(text) if text not in ("up", "down", "both") else text
        (d if key in detector else g)[key] = value
    return dataclasses.replace(NAB_CONFIG, **d), dataclasses.replace(NAB_GATE, **g)


def load_scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("nab_score", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["nab_score"] = module
    spec.loader.exec_module(module)
    return module


def score_in_process(
    results: dict[str, tuple[list[str], list[ScoredPoint]]],
    data: Path = DATA,
    windows: Path = WINDOWS,
    use_alert: bool = False,
    files: list[str] | None = None,
    details: bool = False,
) -> dict[str, Any]:
    """The three normalised NAB scores, with the scorer's own functions (for tuning loops);
    ``files`` restricts the corpus (threshold and normalisation over those files only);
    ``details`` adds ``per_file``: (file, standard score, windows, detected, false positives)."""
    nab = load_scorer()
    args = argparse.Namespace(
        windows=str(windows),
        profiles=None,
        category=None,
        data=str(data),
        results="",
        threshold_scope="scored",
        use_alert=use_alert,
        align_by_position=False,
        threshold=None,
        thresholds_json=None,
        detector=None,
        probationary_percent=nab.PROBATIONARY_PERCENT,
    )

    class Index:
        def __init__(self, _: str) -> None:
            pass

        def find(self, rel: str) -> str:
            return rel

    def read_results(rel: str, ts: list[datetime], use: bool, _: bool) -> tuple[Any, bool]:
        import numpy as np

        col = 3 if use else 2
        return np.array([r[col] for r in results[rel][1]], dtype=float), use

    setattr(nab, "ResultsIndex", Index)  # noqa: B010 - in-memory results instead of CSV files
    setattr(nab, "read_results", read_results)  # noqa: B010
    if files is not None:
        chosen = sorted(files)
        setattr(nab, "list_data_files", lambda _: chosen)  # noqa: B010
    out = nab.run(args)
    scores: dict[str, Any] = {name: p["normalised"] for name, p in out["profiles"].items()}
    if details:
        scores["per_file"] = [
            (f["relpath"], round(f["score"], 3), f["windows"], f["windows_detected"], f["fp"])
            for f in out["profiles"]["standard"]["per_file"]
        ]
    return scores


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, default=DATA)
    p.add_argument("--windows", type=Path, default=WINDOWS)
    p.add_argument("--results", type=Path, default=ROOT / "bench" / "out" / "nab")
    p.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a VolumeConfig or GateConfig setting (JSON value)",
    )
    p.add_argument(
        "--use-alert",
        action="store_true",
        help="score the 0/1 alert column (fixed detections) instead of the score sweep",
    )
    p.add_argument("--quiet", action="store_true", help="print the three scores only")
    args = p.parse_args(argv)

    config, gate = configure(args.overrides)
    started = time.perf_counter()
    results = run_detector(args.data, config, gate)
    elapsed = time.perf_counter() - started
    rows = sum(len(s) for _, s in results.values())
    write_results(results, args.results)
    cmd = [
        sys.executable,
        str(SCORER),
        "--data",
        str(args.data),
        "--windows",
        str(args.windows),
        "--results",
        str(args.results),
        "--json",
        str(args.results / "scores.json"),
    ]
    if args.use_alert:
        cmd.append("--use-alert")
    if not args.quiet:
        print(f"detector: {config}\ngate: {gate}")
        print(
            f"{len(results)} series, {rows} rows in {elapsed:.1f} s "
            f"({1e6 * elapsed / rows:.0f} µs/row); results in {args.results}"
        )
        print("$ " + " ".join(cmd))
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        return done.returncode
    if args.quiet:
        scores = json.loads((args.results / "scores.json").read_text())["profiles"]
        print(" ".join(f"{k}={v['normalised']:.2f}" for k, v in scores.items()))
    else:
        sys.stdout.write(done.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
