"""Which view rang, and what a rule about ringing would score: the fast replay behind
docs/detection.md's "How the narrowing was found".

.venv/bin/python bench/nab_views.py record              # every view of every row -> bench/out/
.venv/bin/python bench/nab_views.py rings               # each ring: first in a window, or false
.venv/bin/python bench/nab_views.py score no-drift      # the gate and the scorer over a rule

``record`` runs the detector once (NAB's configuration, ``KEY=VALUE`` overrides as in
``nab_tune.py``) and keeps each row's views. ``score`` then replays only the gate and the scorer
over a rule that recombines them (under a second instead of a detector run), with the split
halves. It is exact for rules that change what *rings*, not what is *learned*: the detector's
learning is the recorded one. Rules are the functions in ``RULES``; add one to try an idea, then
confirm it in the detector with ``nab_tune.py``.
"""

from __future__ import annotations

import json
import pickle
import sys
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import nab_eval as ne

from tocsin.detect._gate import AlertGate
from tocsin.detect._series import infer_step
from tocsin.detect._volume import VolumeSurgeDetector

RECORD = Path(__file__).resolve().parent / "out" / "nab_views.pkl"
FIELDS = ("x", "point", "short", "drift", "range", "context", "recurring", "alarm", "counts")
Views = dict[str, np.ndarray]
Rule = Callable[[Views], np.ndarray]


def record(items: list[str]) -> None:
    config, _ = ne.configure(items)
    out = {}
    for rel in ne.series_files(ne.DATA):
        stamps, points = ne.load_series(ne.DATA / rel)
        detector = VolumeSurgeDetector(infer_step([p.timestamp for p in points]), config)
        rows = []
        for t, x in points:
            a = detector.assess(t, x)
            detector._learn(t, x, a)
            rows.append((x, a.point, a.short, a.drift, a.range, a.context, a.recurring, a.alarm))
        values = np.array(rows, dtype=float)
        counts = np.full(len(rows), float(detector.all_counts))
        out[rel] = (stamps, np.column_stack([values, counts]))
    RECORD.parent.mkdir(parents=True, exist_ok=True)
    RECORD.write_bytes(pickle.dumps(out))
    print(f"{len(out)} series recorded in {RECORD}")


def load() -> dict[str, tuple[list[str], Views]]:
    data = pickle.loads(RECORD.read_bytes())
    return {rel: (st, dict(zip(FIELDS, a.T, strict=True))) for rel, (st, a) in data.items()}


def gate(surprise: np.ndarray) -> tuple[list[float], list[bool]]:
    """The reported scores and rings of NAB's configuration (its detector's score and alert
    level, through the real ``AlertGate``) over surprises."""
    half, level = ne.NAB_CONFIG.surprise_half, ne.NAB_CONFIG.alert_score
    bell = AlertGate(ne.NAB_GATE)
    scores, rings = [], []
    for s in surprise.tolist():
        score, ring = bell.update(s / (s + half), s / (s + half) >= level)
        scores.append(score)
        rings.append(ring)
    return scores, rings


RULES: dict[str, Rule] = {
    "recorded": lambda v: v["alarm"],
    "every-view": lambda v: np.max(
        [v[k] for k in ("point", "short", "drift", "range", "context")], 0
    ),
    "no-drift": lambda v: np.max([v[k] for k in ("point", "range", "context")], 0),
}


def score(rule: Rule, files: list[str] | None = None) -> dict[str, float]:
    results = {}
    for rel, (stamps, v) in load().items():
        if files is None or rel in files:
            scores, rings = gate(rule(v))
            results[rel] = (
                stamps,
                [(None, None, s, r) for s, r in zip(scores, rings, strict=True)],
            )
    out = ne.score_in_process(results, files=files)  # type: ignore[arg-type]
    return {k: round(float(x), 2) for k, x in out.items()}


def rings() -> None:
    windows = json.loads(Path(ne.WINDOWS).read_text())
    nab = ne.load_scorer()
    kinds: Counter[tuple[str, str]] = Counter()
    for rel, (stamps, v) in load().items():
        _, rung = gate(v["alarm"])
        times = [datetime.fromisoformat(s) for s in stamps]
        spans = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in windows[rel]]
        probation = nab.probationary_length(len(stamps), nab.PROBATIONARY_PERCENT)
        hit: set[int] = set()
        for i in np.flatnonzero(rung):
            if i < probation:
                continue
            w = next((k for k, (a, b) in enumerate(spans) if a <= times[i] <= b), None)
            views = {k: v[k][i] for k in ("point", "short", "drift", "range", "context")}
            top = max(views, key=lambda k: views[k])
            kind = "false" if w is None else "later" if w in hit else "first"
            hit.update([] if w is None else [w])
            kinds[(kind, top)] += 1
    for (kind, top), n in sorted(kinds.items()):
        print(f"{kind:6s} {top:8s} {n}")


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in ("record", "rings", "score"):
        raise SystemExit(__doc__)
    if argv[0] == "record":
        record(argv[1:])
    elif argv[0] == "rings":
        rings()
    else:
        files = ne.series_files(ne.DATA)
        for name in argv[1:] or list(RULES):
            rule = RULES[name]
            whole, a, b = score(rule), score(rule, files[0::2]), score(rule, files[1::2])
            print(f"{name:12s} {whole}  half A {a['standard']}  half B {b['standard']}")


if __name__ == "__main__":
    main(sys.argv[1:])
