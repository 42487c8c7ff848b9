"""Tuning loop for the NAB evaluation: scores configurations in-process (no CSV, no subprocess).

.venv/bin/python bench/nab_tune.py rebaseline_after=12 protect=4 ...
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import nab_eval as ne


def evaluate(items: list[str]) -> dict[str, float]:
    config, gate = ne.configure(items)
    return ne.score_in_process(ne.run_detector(ne.DATA, config, gate))


if __name__ == "__main__":
    scores = evaluate(sys.argv[1:])
    print(" ".join(sys.argv[1:]), " ".join(f"{k[:18]}={v:.2f}" for k, v in scores.items()))
