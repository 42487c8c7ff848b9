"""``tocsin demo``: generate a bilingual mention stream with documented incidents, import it
into a fresh embedded database through the real importer and pipeline, and summarise."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import orjson
from tqdm import tqdm

from tocsin.bootstrap import Settings, build_pipeline, open_store
from tocsin.demo import DemoConfig, generate
from tocsin.engine.inprocess import import_file
from tocsin.export import terminal_safe
from tocsin.importers.generic import to_record
from tocsin.store.base import SearchQuery
from tocsin.store.rollup import ALL


def _fresh(db: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        p = db.with_name(db.name + suffix)
        if p.exists():
            p.unlink()


def write_stream(directory: Path, config: DemoConfig, progress: bool | None) -> tuple[Path, Path]:
    """Write ``mentions.jsonl`` (Tocsin's JSONL format) and ``truth.json`` beside it."""
    stream, truth = generate(config)
    directory.mkdir(parents=True, exist_ok=True)
    mentions_path = directory / "mentions.jsonl"
    truth_path = directory / "truth.json"
    truth_path.write_text(truth.to_json(), encoding="utf-8")
    with (
        mentions_path.open("wb") as out,
        tqdm(
            desc="generating",
            unit=" posts",
            disable=not progress if progress is not None else None,
            leave=False,
        ) as bar,
    ):
        for m in stream:
            out.write(orjson.dumps(to_record(m)))
            out.write(b"\n")
            bar.update()
    return mentions_path, truth_path


def run_demo(
    directory: Path, *, seed: int = 7, days: int = 7, progress: bool | None = None
) -> Iterator[str]:
    config = DemoConfig(seed=seed, days=days)
    mentions_path, truth_path = write_stream(directory, config, progress)
    from tocsin.demo import GroundTruth

    truth = GroundTruth.from_json(truth_path.read_text(encoding="utf-8"))
    db = directory / "tocsin.db"
    _fresh(db)
    settings = Settings(db=db)
    with open_store(settings, create=True) as store:
        for w in truth.watches:
            store.put_watch(w)
        summary = import_file(mentions_path, store, build_pipeline(store), progress=progress)
        yield (
            f"Tocsin demo: {truth.brand.name}, {days} days from {config.start:%Y-%m-%d}"
            f" (seed {seed})"
        )
        yield ""
        yield from summary.lines()
        yield f"  {summary.rate:,.0f} records/s"
        span = store.span()
        assert span is not None
        end = span[1] + timedelta(minutes=1)
        per_watch: Counter[str] = Counter()
        for p in store.volume([ALL, *(w.id for w in truth.watches)], span[0], end, "day"):
            per_watch[p.watch_id] += p.volume
        yield ""
        yield "Mentions per watch:"
        yield f"  {'all mentions':<22} {per_watch[ALL]:>8,}"
        for w in truth.watches:
            yield f"  {w.id:<22} {per_watch[w.id]:>8,}   {w.query}"
        languages: Counter[str] = Counter()
        for row in store.db.execute(
            "SELECT coalesce(language, 'unknown'), count(*) FROM mentions GROUP BY 1"
        ):
            languages[row[0]] = row[1]
        yield ""
        yield "Languages: " + ", ".join(f"{k} {v:,}" for k, v in languages.most_common(5))
        yield ""
        yield "Incidents in the ground truth (truth.json), for detection to find:"
        for inc in truth.incidents:
            yield f"  {inc.onset:%a %d %b %H:%M} UTC  {inc.kind:<20} {inc.description}"
        sample = next(iter(store.search(SearchQuery(watch_id=truth.watches[0].id, limit=1))), None)
        if sample is not None:
            who = sample.mention.author.handle or sample.mention.author.display_name
            yield ""
            yield f"Newest {truth.watches[0].id} mention, by {terminal_safe(who, 40)}:"
            yield f"  {terminal_safe(sample.mention.text, 140)}"
    yield ""
    yield "Try next:"
    yield f"  tocsin --db {db} search 'cafelia AND (rembours* OR refund*)' --limit 10"
    yield f"  tocsin --db {db} search --watch cafelia-moments --format csv > moments.csv"
    yield f"  tocsin --db {db} stats --by hour --chart {directory / 'volume.png'}"
