"""Parse benchmark: CPU time per record of the Tocsin JSON-lines importer.

    python bench/parse.py /tmp/parse-bench/posts.jsonl            # the whole file, best of 3
    python bench/parse.py posts.jsonl --records 30000 --repeat 5
    python bench/parse.py posts.jsonl --stages                    # where the time goes

Measures ``time.process_time()`` (CPU time: robust to other load on a shared machine) around
``JsonlImporter.read`` consuming the file, opened as the CLI opens it (a buffered reader). Make
a file with ``python bench/ingest.py --posts 100000 --dir /tmp/parse-bench``.
"""

from __future__ import annotations

import argparse
import gc
import io
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from tocsin.domain import Mention
from tocsin.importers import _common
from tocsin.importers.generic import JsonlImporter


def _stream(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(data), 1 << 16)


def _importer(data: bytes) -> tuple[int, int]:
    mentions = dead = 0
    for item in JsonlImporter().read(_stream(data), "bench"):
        if isinstance(item, Mention):
            mentions += 1
        else:
            dead += 1
    return mentions, dead


def _lines(data: bytes) -> tuple[int, int]:
    # The reader JsonlImporter uses (``iter_lines`` before there was ``numbered_lines``).
    read = getattr(_common, "numbered_lines", _common.iter_lines)
    return sum(1 for _ in read(_stream(data))), 0


def _loads(data: bytes) -> tuple[int, int]:
    n = 0
    for line in _stream(data):
        orjson.loads(line)
        n += 1
    return n, 0


def measure(
    run: Callable[[bytes], tuple[int, int]], data: bytes, repeat: int
) -> tuple[float, int, int]:
    """Best CPU seconds over ``repeat`` runs, and what the run returned."""
    best = float("inf")
    result = (0, 0)
    for _ in range(repeat):
        gc.collect()
        started = time.process_time()
        result = run(data)
        best = min(best, time.process_time() - started)
    return best, *result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--records", type=int, default=0, help="First N lines only (0: all).")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--stages",
        action="store_true",
        help="Also time reading the lines alone, and orjson.loads alone.",
    )
    args = parser.parse_args()
    data = args.file.read_bytes()
    if args.records:
        data = b"".join(data.splitlines(keepends=True)[: args.records])
    runs: list[tuple[str, Callable[[bytes], tuple[int, int]]]] = [("JsonlImporter.read", _importer)]
    if args.stages:
        runs = [("reading lines", _lines), ("orjson.loads", _loads), *runs]
    for name, run in runs:
        seconds, n, dead = measure(run, data, args.repeat)
        extra = f", {dead:,} dead letters" if dead else ""
        print(
            f"{name:20} {seconds * 1e6 / max(n, 1):6.2f} µs/record CPU "
            f"({n:,} records{extra}, {seconds:.2f} s, best of {args.repeat})"
        )


if __name__ == "__main__":
    main()
