"""Enrich a stream of posts: what ``tocsin enrich IN -o OUT`` runs.

Each input line is one post: a JSON object with a string ``text`` (its other fields are kept as
they are), or plain text (it becomes ``{"text": line}``). A JSON object without a string
``text`` is written back with an ``error`` field and nothing added. Every other line gets:

- ``lang``: kept when the record already has one, else identified (``LanguageEnricher``);
- ``sentiment``: ``{"label": "negative"|"neutral"|"positive", "score": p}``;
- ``emotions``: ``{"anger": s, "fear": s, "sadness": s, "joy": s}``, each 0–1;
- ``toxicity`` and ``complaint``: 0–1.

(``AnalysisEnricher``: one embedding per batch for every head; in ``off`` mode only ``lang`` is
added.) Lines are read,
enriched and written a batch at a time, so memory stays flat whatever the input's size; the
encoder's cache of identical texts is bounded.

``workers`` > 0 enriches batches in that many processes (one encoder thread each), in input
order, at most two batches in flight per worker. Measured on the 2-core machine: two processes
with one thread encode ~1,900 posts/s together, where one process with two threads gave 730-1,080
(and far less when another job holds a core). Each worker holds its own model (~300 MB).
"""

from __future__ import annotations

import multiprocessing
import sys
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import IO, Any

import orjson
from tqdm import tqdm

from tocsin.enrich.analysis import AnalysisEnricher
from tocsin.enrich.embedding import Embedder, blas_threads
from tocsin.enrich.language import LanguageEnricher

BATCH = 512


def parse_line(line: bytes | str) -> dict[str, Any]:
    """One input line as a record (``text`` always present unless ``error`` is)."""
    raw = line.rstrip(b"\r\n") if isinstance(line, bytes) else line.rstrip("\r\n")
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else raw
    if text.lstrip().startswith("{"):
        try:
            record = orjson.loads(text)
        except orjson.JSONDecodeError:
            return {"text": text}
        if isinstance(record, dict):
            if isinstance(record.get("text"), str):
                return record
            return {**record, "error": "no string 'text' field"}
    return {"text": text}


def enrich_batch(
    batch: list[dict[str, Any]], analysis: AnalysisEnricher, language: LanguageEnricher
) -> list[dict[str, Any]]:
    """One batch of records, enriched in place (records with an ``error`` are left alone)."""
    todo = [r for r in batch if "error" not in r]
    for r in todo:
        if not r.get("lang"):
            r["lang"] = language.identify(r["text"])
    results = analysis.analyse_texts([r["text"] for r in todo], [r["lang"] for r in todo])
    for r, result in zip(todo, results, strict=True):
        if result is not None:
            r.update(result.as_dict())
    return batch


def _batches(records: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


_worker: tuple[AnalysisEnricher, LanguageEnricher] | None = None


def _init_worker(mode: str) -> None:
    global _worker
    blas_threads(1)  # for the worker's lifetime: workers, not BLAS threads, use the cores
    _worker = (AnalysisEnricher(mode, embedder=Embedder(threads=1)), LanguageEnricher())


def _work(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    assert _worker is not None
    return enrich_batch(batch, *_worker)


def enrich_records(
    records: Iterable[dict[str, Any]],
    analysis: AnalysisEnricher | None = None,
    language: LanguageEnricher | None = None,
    batch_size: int = BATCH,
    workers: int = 0,
) -> Iterator[dict[str, Any]]:
    """The records with ``lang`` and the analysis added, in input order, a batch at a time.

    With ``workers`` > 0 the batches go to worker processes, which build their own enrichers
    (the mode taken from ``analysis``); ``analysis`` and ``language`` are then not used.
    """
    analysis = analysis or AnalysisEnricher()
    if workers <= 0:
        language = language or LanguageEnricher()
        for batch in _batches(records, batch_size):
            yield from enrich_batch(batch, analysis, language)
        return
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("forkserver"),
        initializer=_init_worker,
        initargs=(analysis.mode,),
    ) as pool:
        in_flight: deque[Future[list[dict[str, Any]]]] = deque()
        for batch in _batches(records, batch_size):
            in_flight.append(pool.submit(_work, batch))
            if len(in_flight) >= 2 * workers:
                yield from in_flight.popleft().result()
        while in_flight:
            yield from in_flight.popleft().result()


def enrich_stream(
    src: IO[bytes],
    dst: IO[bytes],
    *,
    mode: str | None = None,
    progress: bool | None = None,
    batch_size: int = BATCH,
    analysis: AnalysisEnricher | None = None,
    workers: int = 0,
) -> int:
    """Read posts from ``src``, write enriched JSONL to ``dst``; returns the number of posts.

    ``mode``: ``full``, ``fast`` (no sentence encoder: character n-grams only, far faster, less
    accurate), ``off`` (language only) or ``None`` for ``$TOCSIN_ANALYSIS`` (default ``full``).
    ``progress``: a bar on stderr; ``None`` shows it when stderr is a terminal. ``-`` for
    stdin/stdout is the caller's: pass ``sys.stdin.buffer`` / ``sys.stdout.buffer``.
    ``workers``: processes enriching batches (0: this process); see the module's docstring.
    """
    analysis = analysis or AnalysisEnricher(mode)
    bar = tqdm(
        unit=" posts",
        desc="enriching",
        disable=None if progress is None else not progress,
        file=sys.stderr,
        leave=False,
    )
    count = 0
    try:
        records = (parse_line(line) for line in src if line.strip())
        enriched = enrich_records(records, analysis, batch_size=batch_size, workers=workers)
        for record in enriched:
            dst.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            count += 1
            bar.update()
        dst.flush()
    finally:
        bar.close()
    return count
