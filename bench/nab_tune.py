"""Tuning loop for the NAB evaluation: scores configurations in-process (no CSV, no subprocess).

.venv/bin/python bench/nab_tune.py rebaseline_after=12 protect=4 ...
.venv/bin/python bench/nab_tune.py --half both context=false     # split-half check
.venv/bin/python bench/nab_tune.py --per-file                     # standard score per file

``--half a`` / ``--half b`` score only the even / odd files of the sorted list (threshold
optimised and scores normalised over that half alone); ``--half both`` prints the two halves
and the whole corpus. The halves are fixed by file order, not chosen by result.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

import nab_eval as ne


def halves() -> dict[str, list[str]]:
    files = ne.series_files(ne.DATA)
    return {"a": files[0::2], "b": files[1::2], "all": files}


def evaluate(items: list[str], files: list[str] | None = None) -> dict[str, float]:
    config, gate = ne.configure(items)
    return ne.score_in_process(ne.run_detector(ne.DATA, config, gate, files), files=files)


def main(argv: list[str]) -> None:
    per_file = "--per-file" in argv
    argv = [a for a in argv if a != "--per-file"]
    half = "all"
    if argv[:1] == ["--half"]:
        half, argv = argv[1], argv[2:]
    config, gate = ne.configure(argv)
    results = ne.run_detector(ne.DATA, config, gate)
    parts = ["a", "b", "all"] if half == "both" else [half]
    for part in parts:
        files = halves()[part]
        subset = {rel: results[rel] for rel in files}
        out = ne.score_in_process(subset, files=files, details=per_file)
        scores = {k: v for k, v in out.items() if k != "per_file"}
        label = f"[{part}] " if half != "all" else ""
        print(label + " ".join(argv), " ".join(f"{k[:18]}={v:.2f}" for k, v in scores.items()))
        if per_file and "per_file" in out:
            for row in out["per_file"]:  # type: ignore[union-attr]
                print(row)


if __name__ == "__main__":
    main(sys.argv[1:])
