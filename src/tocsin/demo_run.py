"""``tocsin demo``: generate a bilingual mention stream with documented incidents, play it
through the real pipeline and monitor into a fresh embedded database, open the inbox's cases,
count the authors' profiles and influence, create a demo login and summarise; ``serve`` then
opens the dashboard on it.

The week is replayed in simulated time (``tocsin.incidents.backtest.replay``): posts arrive in
order, five minutes at a time, and the monitor runs after each step as it would live, so the
incidents in the database are those Tocsin would have raised, when it would have raised them.
"""

from __future__ import annotations

import secrets
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import orjson
from tqdm import tqdm

from tocsin.bootstrap import Settings, open_store
from tocsin.demo import DemoConfig, GroundTruth, generate
from tocsin.export import terminal_safe
from tocsin.importers.generic import to_record
from tocsin.stats import sentiment_totals
from tocsin.store.base import SearchQuery
from tocsin.store.rollup import ALL

#: The demo's web user (an admin, so every page can be tried); its password is new each run.
DEMO_USER = "demo"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str


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
    directory: Path,
    *,
    seed: int = 7,
    days: int = 7,
    progress: bool | None = None,
    login: list[DemoLogin] | None = None,
) -> Iterator[str]:
    """Build the demo database and yield the summary's lines. The demo login is appended to
    ``login`` when given (``serve`` needs it)."""
    from tocsin.api.auth.accounts import Accounts
    from tocsin.api.routes.inbox import triage_recent
    from tocsin.incidents.backtest import replay_file
    from tocsin.people.profiles import update_profiles

    config = DemoConfig(seed=seed, days=days)
    mentions_path, truth_path = write_stream(directory, config, progress)
    truth = GroundTruth.from_json(truth_path.read_text(encoding="utf-8"))
    db = directory / "tocsin.db"
    _fresh(db)
    with open_store(Settings(db=db), create=True) as store:
        played = replay_file(mentions_path, truth_path, store=store, progress=progress)
        store.outbox().remove_channel("backtest")  # the replay's sink: the demo delivers nowhere
        span = store.span()
        assert span is not None
        opened = triage_recent(store, "tocsin-demo", span[0].isoformat(), None, 100_000)
        update_profiles(store)  # counted now (~3 s for the week), not by the first people read
        password = secrets.token_urlsafe(12)
        accounts = Accounts(store.db)
        accounts.create_user(DEMO_USER, password, "admin")
        if login is not None:
            login.append(DemoLogin(DEMO_USER, password))
        yield (
            f"Tocsin demo: {truth.brand.name}, {days} days from {config.start:%Y-%m-%d}"
            f" (seed {seed})"
        )
        yield ""
        yield (
            f"{played.posts:,} posts played through the pipeline and the monitor in "
            f"{played.seconds:.0f} s ({played.posts / max(played.seconds, 1e-9):,.0f} posts/s)"
        )
        end = span[1] + timedelta(minutes=1)
        ids = [w.id for w in truth.watches]
        totals = sentiment_totals(store, [ALL, *ids], span[0], end)
        yield ""
        yield "Mentions per watch:"
        yield f"  {'all mentions':<22} {totals[ALL].describe()}"
        for w in truth.watches:
            yield f"  {w.id:<22} {totals[w.id].describe()}"
        languages: Counter[str] = Counter()
        for row in store.db.execute(
            "SELECT coalesce(language, 'unknown'), count(*) FROM mentions GROUP BY 1"
        ):
            languages[row[0]] = row[1]
        yield ""
        yield "Languages: " + ", ".join(f"{k} {v:,}" for k, v in languages.most_common(5))
        yield ""
        yield "Incidents in the ground truth (truth.json), and when Tocsin rang:"
        for d in played.detections:
            t = d.truth
            head = f"  {t.onset:%a %d %b %H:%M} UTC  {t.kind:<20}"
            if d.alert is None:
                yield f"{head} not detected"
            else:
                yield (
                    f"{head} rang {d.alert.created_at:%a %H:%M}, {d.delay_buckets} hour(s) "
                    f"after the onset's hour, severity {d.alert.severity}/10"
                )
        false = len(played.false_incidents)
        yield f"  other incidents raised (no planted incident): {false}"
        yield ""
        yield f"Inbox: {len(opened):,} cases opened by the answer rule (complaints, questions,"
        yield "  negative posts with a large audience), ranked by priority."
        sample = next(iter(store.search(SearchQuery(watch_id=truth.watches[0].id, limit=1))), None)
        if sample is not None:
            who = sample.mention.author.handle or sample.mention.author.display_name
            yield ""
            yield f"Newest {truth.watches[0].id} mention, by {terminal_safe(who, 40)}:"
            yield f"  {terminal_safe(sample.mention.text, 140)}"
    yield ""
    yield f"Demo login for the dashboard: {DEMO_USER} / {password}"
    yield ""
    yield "Try next:"
    yield f"  tocsin --db {db} serve --dev     # then open http://127.0.0.1:8000"
    yield f"  tocsin --db {db} incidents list"
    yield f"  tocsin --db {db} search 'cafelia AND sentiment:negative' --limit 10"
    yield f"  tocsin --db {db} search --watch cafelia-moments --format csv > moments.csv"
    yield f"  tocsin --db {db} stats --by hour --chart {directory / 'volume.png'}"
