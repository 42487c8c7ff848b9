"""Enrich a stream of posts: what ``tocsin enrich IN -o OUT`` runs.

Each input line is one post: a JSON object with a string ``text`` (its other fields are kept as
they are), or plain text (it becomes ``{"text": line}``). A JSON object without a string
``text`` is written back with an ``error`` field and nothing added. Every other line gets:

- ``lang``: kept when the record already has one, else identified (``LanguageEnricher``);
- ``sentiment``: ``{"label": "negative"|"neutral"|"positive", "score": p}``.

(``emotions``, ``toxicity`` and ``complaint`` join here as their models land.) Lines are read,
enriched and written a batch at a time, so memory stays flat whatever the input's size; the
encoder's cache of identical texts is bounded.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson
from tqdm import tqdm

from tocsin.enrich.language import LanguageEnricher
from tocsin.enrich.sentiment import SentimentEnricher

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


def enrich_records(
    records: Iterable[dict[str, Any]],
    sentiment: SentimentEnricher | None = None,
    language: LanguageEnricher | None = None,
    batch_size: int = BATCH,
) -> Iterator[dict[str, Any]]:
    """The records with ``lang`` and ``sentiment`` added, in input order, a batch at a time."""
    sentiment = sentiment or SentimentEnricher()
    language = language or LanguageEnricher()
    batch: list[dict[str, Any]] = []

    def flush() -> Iterator[dict[str, Any]]:
        todo = [r for r in batch if "error" not in r]
        for r in todo:
            if not r.get("lang"):
                r["lang"] = language.identify(r["text"])
        results = sentiment.analyse_texts([r["text"] for r in todo], [r["lang"] for r in todo])
        for r, result in zip(todo, results, strict=True):
            r.update(result)
        yield from batch
        batch.clear()

    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()


def enrich_stream(
    src: IO[bytes],
    dst: IO[bytes],
    *,
    fast: bool = False,
    progress: bool | None = None,
    batch_size: int = BATCH,
    sentiment: SentimentEnricher | None = None,
) -> int:
    """Read posts from ``src``, write enriched JSONL to ``dst``; returns the number of posts.

    ``fast`` skips the sentence encoder (character n-grams only: far faster, less accurate).
    ``progress``: a bar on stderr; ``None`` shows it when stderr is a terminal. ``-`` for
    stdin/stdout is the caller's: pass ``sys.stdin.buffer`` / ``sys.stdout.buffer``.
    """
    sentiment = sentiment or SentimentEnricher(fast=fast)
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
        for record in enrich_records(records, sentiment, batch_size=batch_size):
            dst.write(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE))
            count += 1
            bar.update()
        dst.flush()
    finally:
        bar.close()
    return count
