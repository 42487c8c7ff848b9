"""Worker processes for big line-based files, on one machine.

The parent reads the file in chunks of whole lines and hands them, in order, to worker processes
that parse, run the pipeline and ``prepare`` the store rows (plain values, cheap to send back).
The parent alone writes, chunk by chunk in file order, one transaction each: the same guarantees
as the single-process runner (a killed import leaves a prefix of the file and re-running it
completes it). At most ``2 × workers`` chunks are in flight, so memory stays bounded.
"""

from __future__ import annotations

import io
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import IO, Any

from tocsin.domain import DeadLetter, Mention, Watch
from tocsin.engine.pipeline import Pipeline
from tocsin.importers import open_importer
from tocsin.importers._common import MAX_RECORD_LINE_BYTES
from tocsin.store.base import Store, WriteResult

CHUNK_BYTES = 1 << 22

_state: dict[str, Any] = {}


def _init(
    importer: str,
    watches: list[Watch],
    enricher_classes: list[type],
    prepare: Callable[..., Any],
    source: str,
) -> None:
    _state["importer"] = open_importer(importer)
    _state["pipeline"] = Pipeline(watches, [cls() for cls in enricher_classes])
    _state["prepare"] = prepare
    _state["source"] = source


def _work(chunk: bytes, start_line: int) -> tuple[int, Any]:
    mentions: list[Mention] = []
    dead: list[DeadLetter] = []
    for item in _state["importer"].read(io.BytesIO(chunk), _state["source"], start_line=start_line):
        if isinstance(item, Mention):
            mentions.append(item)
        else:
            dead.append(item)
    prepared = _state["prepare"](_state["pipeline"].process(mentions), dead)
    return len(mentions) + len(dead), prepared


def line_chunks(stream: IO[bytes], size: int = CHUNK_BYTES) -> Iterator[tuple[bytes, int]]:
    """Chunks of whole lines with the number of lines before each. A line longer than an
    importer accepts is cut to one byte more than the limit (so it is still seen as too long and
    dead-lettered) and the rest of it is skipped, never held in memory."""
    lines_before = 0
    pending = b""
    skipping = False
    while True:
        block = stream.read(size)
        if not block:
            break
        if skipping:
            end = block.find(b"\n")
            if end < 0:
                continue
            block = block[end + 1 :]
            skipping = False
        pending += block
        cut = pending.rfind(b"\n")
        if cut < 0:
            if len(pending) > MAX_RECORD_LINE_BYTES:
                pending = pending[: MAX_RECORD_LINE_BYTES + 1]
                skipping = True
                chunk, pending = pending + b"\n", b""
                yield chunk, lines_before
                lines_before += 1
            continue
        chunk, pending = pending[: cut + 1], pending[cut + 1 :]
        yield chunk, lines_before
        lines_before += chunk.count(b"\n")
    if pending:
        yield pending, lines_before


def ingest_parallel(
    stream: IO[bytes],
    source: str,
    importer: str,
    store: Store,
    pipeline: Pipeline,
    workers: int,
) -> tuple[int, WriteResult]:
    """Like ``inprocess.ingest``; each worker builds the same pipeline (same watches, enrichers
    made anew from their classes)."""
    enricher_classes = [type(e) for e in (*pipeline.before_match, *pipeline.after_match)]
    total = WriteResult()
    records = 0
    context = multiprocessing.get_context("forkserver")
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=context,
        initializer=_init,
        initargs=(importer, pipeline.watches, enricher_classes, type(store).prepare, source),
    ) as pool:
        in_flight: deque[Future[tuple[int, Any]]] = deque()
        for chunk, start in line_chunks(stream):
            in_flight.append(pool.submit(_work, chunk, start))
            if len(in_flight) >= 2 * workers:
                n, prepared = in_flight.popleft().result()
                records += n
                total += store.write_prepared(prepared)
        while in_flight:
            n, prepared = in_flight.popleft().result()
            records += n
            total += store.write_prepared(prepared)
    return records, total
