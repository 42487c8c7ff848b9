"""The in-process runner: the only part of the engine that knows it runs in one process.

It reads records, cuts them into batches, runs the pipeline and writes each batch in one store
transaction. Batches are written in file order, so after a kill the store holds a prefix of
the file (plus nothing half-written) and re-running the import completes it.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from tocsin.domain import DeadLetter, Mention
from tocsin.engine.parallel import ingest_parallel
from tocsin.engine.pipeline import Pipeline
from tocsin.errors import ImportFormatError, UsageError
from tocsin.importers import detect, open_importer
from tocsin.importers.base import SNIFF_BYTES
from tocsin.store.base import Store, WriteResult

DEFAULT_BATCH = 2_000
#: Files smaller than this import too fast for a progress bar to help.
PROGRESS_MIN_BYTES = 8 * 1024 * 1024
#: Below this size, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 16 * 1024 * 1024


def auto_workers(size: int, line_based: bool) -> int:
    """Worker processes for a file: for big line-based files, one per core but the one the
    writer keeps busy (measured: docs/performance.md), else none."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if not line_based or size < PARALLEL_MIN_BYTES or (cores or 1) < 2:
        return 0
    return max(1, (cores or 1) - 1)


@dataclass(slots=True)
class ImportSummary:
    source: str
    format: str
    records: int = 0
    written: WriteResult = field(default_factory=WriteResult)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return self.records / self.seconds if self.seconds > 0 else 0.0

    def lines(self) -> list[str]:
        w = self.written
        return [
            f"{self.source} ({self.format}): {self.records:,} records in {self.seconds:.1f} s",
            f"  new {w.inserted:,} · updated {w.updated:,} · unchanged {w.unchanged:,}"
            f" · dead letters {w.dead_letters:,}",
        ]


def ingest(
    items: Iterable[Mention | DeadLetter],
    store: Store,
    pipeline: Pipeline,
    *,
    batch_size: int = DEFAULT_BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> tuple[int, WriteResult]:
    """Run mentions and dead letters through the pipeline into the store, batch by batch."""
    total = WriteResult()
    records = 0
    mentions: list[Mention] = []
    dead: list[DeadLetter] = []

    def flush() -> None:
        nonlocal total
        if mentions or dead:
            total += store.write(pipeline.process(mentions), dead)
            if on_batch is not None:
                on_batch(len(mentions) + len(dead))
            mentions.clear()
            dead.clear()

    for item in items:
        records += 1
        if isinstance(item, Mention):
            mentions.append(item)
        else:
            dead.append(item)
        if len(mentions) + len(dead) >= batch_size:
            flush()
    flush()
    return records, total


class _CountingRaw(io.RawIOBase):
    """Counts bytes read through it, to drive a progress bar from any importer."""

    def __init__(self, raw: IO[bytes], on_read: Callable[[int], None]) -> None:
        self._raw = raw
        self._on_read = on_read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        n = len(data)
        buffer[:n] = data
        if n:
            self._on_read(n)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


def import_file(
    path: str | Path,
    store: Store,
    pipeline: Pipeline,
    *,
    format: str | None = None,
    batch_size: int = DEFAULT_BATCH,
    progress: bool | None = None,
    progress_file: IO[str] | None = None,
    workers: int | None = None,
) -> ImportSummary:
    """Import one file. ``progress=None`` shows a bar on big files when stderr is a terminal.
    ``workers``: processes that parse and match while this one writes (line-based formats
    only); ``None`` decides by file size and cores, 0 keeps everything in this process."""
    path = Path(path)
    if not path.is_file():
        raise UsageError(f"no such file: {path}")
    size = path.stat().st_size
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    importer = open_importer(format) if format else detect(head, path.name)
    # None lets tqdm decide by whether stderr is a terminal.
    show = (None if size >= PROGRESS_MIN_BYTES else False) if progress is None else progress
    bar = tqdm(
        total=size,
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        desc=f"importing {path.name}",
        disable=not show if show is not None else None,
        file=progress_file,
        leave=False,
    )
    summary = ImportSummary(str(path), importer.name)
    started = time.perf_counter()
    try:
        line_based = bool(getattr(importer, "line_based", False))
        if workers is None:
            workers = auto_workers(size, line_based)
        with io.BufferedReader(_CountingRaw(path.open("rb"), bar.update), 1 << 16) as stream:
            if workers > 0 and line_based:
                summary.records, summary.written = ingest_parallel(
                    stream, str(path), importer.name, store, pipeline, workers
                )
            else:
                summary.records, summary.written = ingest(
                    importer.read(stream, str(path)), store, pipeline, batch_size=batch_size
                )
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"cannot read {path}: {exc}") from exc
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - started
    return summary
