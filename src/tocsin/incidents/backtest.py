"""``tocsin backtest``: replay a stream through the real pipeline (normalise, enrich, match,
store) and the monitor in simulated time, and score the incidents against the ground truth.

Posts are written in ticks of simulated time (5 minutes by default): every post created before
the tick's end is processed and written, then the monitor runs as of that instant. Per
ground-truth incident it reports the first incident alert on or after the onset's bucket and
the delay in buckets (the alert's bucket minus the onset's) and minutes; every incident that
overlaps no ground-truth incident is a false one, counted per week of quiet traffic.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from tocsin.domain import Alert, Channel, ChannelKind, Incident, Mention, Sentiment, Watch
from tocsin.engine.pipeline import Pipeline
from tocsin.errors import UsageError
from tocsin.importers.base import SNIFF_BYTES
from tocsin.incidents.monitor import DEFAULT_DETECTORS, Monitor, MonitorConfig
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

WEEK = timedelta(days=7)
#: Enrichers that analyse what posts say (sentiment …), by name.
ANALYSIS_ENRICHERS = ("analysis", "sentiment")


def _name(enricher: object) -> str:
    return str(getattr(enricher, "name", type(enricher).__name__))


@dataclass(frozen=True)
class BacktestConfig:
    bucket: timedelta = timedelta(hours=1)
    tick: timedelta = timedelta(minutes=5)
    detectors: tuple[str, ...] = DEFAULT_DETECTORS
    batch: int = 2_000  # posts per pipeline batch within a tick
    enrich: bool = True  # run the installed enrichers, as an import does
    silence: bool = False  # also raise "source is silent" alerts (reported apart)
    skip_enrichers: tuple[str, ...] = ()  # installed enrichers left out, by name
    monitor: MonitorConfig | None = None  # bucket and detectors above win

    def monitor_config(self) -> MonitorConfig:
        base = self.monitor or MonitorConfig()
        return replace(base, bucket=self.bucket, detectors=self.detectors, silence=self.silence)


@dataclass(frozen=True)
class TruthIncident:
    """What the replay is scored against (the demo's ``truth.json`` incidents)."""

    id: str
    kind: str
    watch_id: str
    onset: datetime
    end: datetime


@dataclass(frozen=True)
class Detection:
    truth: TruthIncident
    alert: Alert | None  # the first incident alert on or after the onset's bucket
    incident_id: str | None
    delay_buckets: int | None
    delay_minutes: float | None
    same_watch: bool


@dataclass
class Replay:
    posts: int = 0
    ticks: int = 0
    seconds: float = 0.0
    start: datetime | None = None
    end: datetime | None = None
    incidents: list[Incident] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)  # in the order raised
    queued: int = 0  # outbox deliveries written
    detections: list[Detection] = field(default_factory=list)
    false_incidents: list[Incident] = field(default_factory=list)
    quiet_false: int = 0  # false incidents opened inside a quiet period
    quiet_weeks: float = 0.0

    @property
    def false_per_quiet_week(self) -> float | None:
        return self.quiet_false / self.quiet_weeks if self.quiet_weeks > 0 else None

    def lines(self, bucket: timedelta) -> list[str]:
        out = [
            f"{self.posts:,} posts in {self.ticks:,} ticks, replayed in {self.seconds:.1f} s; "
            f"{len(self.incidents)} incidents, "
            f"{sum(a.kind == 'incident' for a in self.alerts)} incident alerts, "
            f"{sum(a.kind == 'silence' for a in self.alerts)} silence alerts",
        ]
        for d in self.detections:
            t = d.truth
            if d.alert is None:
                out.append(f"  {t.id:<10} {t.kind:<20} {t.watch_id:<16} onset {t.onset:%a %H:%M}"
                           "  MISSED")  # fmt: skip
                continue
            where = "" if d.same_watch else f" (on watch {d.alert.watch_id})"
            out.append(
                f"  {t.id:<10} {t.kind:<20} {t.watch_id:<16} onset {t.onset:%a %H:%M}  "
                f"alert {d.alert.created_at:%a %H:%M}  delay {d.delay_buckets} buckets "
                f"({d.delay_minutes:.0f} min), severity {d.alert.severity}{where}"
            )
        rate = self.false_per_quiet_week
        out.append(
            f"  false incidents: {len(self.false_incidents)} "
            f"({self.quiet_false} in {self.quiet_weeks * 7:.1f} quiet days"
            + (f": {rate:.2f} per quiet week)" if rate is not None else ")")
        )
        for inc in self.false_incidents:
            out.append(
                f"    {inc.id} severity {inc.peak_severity} opened {inc.opened_at:%a %H:%M} "
                f"({', '.join(inc.kinds)})"
            )
        return out


def _ticks(
    mentions: Iterable[Mention], tick: timedelta
) -> Iterator[tuple[datetime, list[Mention]]]:
    """(tick end, posts created before it) for consecutive ticks, empty ones included."""
    step = int(tick.total_seconds())
    batch: list[Mention] = []
    end: datetime | None = None
    for m in mentions:
        if end is None:
            first = int(m.created_at.timestamp()) // step * step
            end = datetime.fromtimestamp(first + step, m.created_at.tzinfo)
        while m.created_at >= end:
            yield end, batch
            batch = []
            end += tick
        batch.append(m)
    if end is not None:
        yield end, batch


def replay(
    mentions: Iterable[Mention],
    watches: Sequence[Watch],
    config: BacktestConfig | None = None,
    *,
    truth: Sequence[TruthIncident] = (),
    quiet: Sequence[tuple[datetime, datetime]] = (),
    until: datetime | None = None,
    store: SQLiteStore | None = None,
    labels: dict[tuple[str, str], str] | None = None,
) -> Replay:
    """Replay ``mentions`` (in ``created_at`` order) into ``store`` (default: a fresh
    in-memory one) and score against ``truth``. The monitor keeps running, tick by tick, up to
    ``until`` (default: the last post plus the time it takes to resolve an incident)."""
    from tocsin.bootstrap import default_enrichers
    from tocsin.enrich.embedding import forget_shared_cache

    forget_shared_cache()  # vectors cached by earlier work would differ slightly (see there)
    config = config or BacktestConfig()
    mcfg = config.monitor_config()
    own = store is None
    store = store or SQLiteStore(":memory:")
    store.migrate()
    for w in watches:
        store.put_watch(w)
    # Alerts reach the outbox only for a channel that takes them: one that is never delivered.
    store.outbox().put_channel(Channel("backtest", ChannelKind.WEBHOOK, "http://127.0.0.1:9/"))
    enrichers = [e for e in default_enrichers() if _name(e) not in config.skip_enrichers]
    pipeline = Pipeline(watches, enrichers if config.enrich else ())
    monitor = Monitor(store, mcfg)
    out = Replay()
    started = time.perf_counter()
    last: datetime | None = None

    def tick(now: datetime, batch: list[Mention]) -> None:
        for i in range(0, len(batch), config.batch):
            store.write(pipeline.process(batch[i : i + config.batch]))
        out.posts += len(batch)
        report = monitor.run(now)
        out.alerts.extend(report.alerts)
        out.queued += report.queued
        out.ticks += 1

    for now, batch in _ticks(mentions, config.tick):
        if out.start is None:
            out.start = now - config.tick
        tick(now, batch)
        last = now
    if last is not None:
        grouping = mcfg.grouping_config
        stop = until or last + mcfg.bucket * (grouping.resolve_after + 2)
        while last < stop:
            last += config.tick
            tick(last, [])
    out.end = last
    out.seconds = time.perf_counter() - started
    out.incidents = sorted(
        SQLiteIncidents(store.db).find(limit=1_000_000), key=lambda i: (i.onset, i.id)
    )
    evidence = {
        inc.id: {k for sig in SQLiteIncidents(store.db).signals(inc.id) for k in sig.mention_keys}
        for inc in out.incidents
    }
    _score(out, truth, quiet, mcfg.bucket, evidence, labels)
    if own:
        store.close()
    return out


def _score(
    out: Replay,
    truth: Sequence[TruthIncident],
    quiet: Sequence[tuple[datetime, datetime]],
    bucket: timedelta,
    evidence: dict[str, set[tuple[str, str]]],
    labels: dict[tuple[str, str], str] | None,
) -> None:
    step = int(bucket.total_seconds())
    incident_alerts = [a for a in out.alerts if a.kind == "incident"]
    for t in truth:
        lo = datetime.fromtimestamp(int(t.onset.timestamp()) // step * step, t.onset.tzinfo)
        window = [a for a in incident_alerts if lo <= a.created_at <= t.end]
        same = [a for a in window if a.watch_id == t.watch_id]
        first = (same or window)[0] if (same or window) else None
        if first is None:
            out.detections.append(Detection(t, None, None, None, None, False))
            continue
        delay = int(first.created_at.timestamp()) // step - int(t.onset.timestamp()) // step
        inc = first.details.get("incident", {}).get("id")
        out.detections.append(
            Detection(
                t,
                first,
                inc,
                delay,
                (first.created_at - t.onset).total_seconds() / 60,
                first.watch_id == t.watch_id,
            )
        )
    for inc in out.incidents:
        # True: opened while a ground-truth incident ran (from its onset's bucket to its end),
        # on its watch or with its posts as evidence (a hijacked hashtag's posts may ring the
        # brand's watch too). Opened before the onset is false, even if it then grew into it.
        named = {labels[k] for k in evidence.get(inc.id, ()) if labels and k in labels}
        step = int(bucket.total_seconds())
        true = any(
            int(t.onset.timestamp()) // step * step <= inc.opened_at.timestamp()
            and inc.opened_at <= t.end
            and (inc.watch_id == t.watch_id or t.id in named)
            for t in truth
        )
        if not true:
            out.false_incidents.append(inc)
            if any(a <= inc.opened_at < b for a, b in quiet):
                out.quiet_false += 1
    out.quiet_weeks = sum(((b - a) for a, b in quiet), timedelta()) / WEEK


_LABELS = {-1: "negative", 0: "neutral", 1: "positive"}


def replay_demo(
    seed: int,
    days: int = 7,
    config: BacktestConfig | None = None,
    *,
    sentiment: str = "none",
    incidents: bool = True,
) -> Replay:
    """Generate the demo stream of ``seed`` and replay it against its ground truth.

    ``sentiment``: ``"none"`` leaves posts unanalysed (the analysis enrichers are left out);
    ``"oracle"`` gives each post the generator's own label instead (what detectors could do
    with perfect sentiment); ``"pipeline"`` runs every installed enricher, the analysis one
    included (its mode from ``$TOCSIN_ANALYSIS``: full, fast or off). ``incidents=False``:
    background traffic only, so every incident is a false one; its quiet time starts after the
    first day (the detectors' warm-up)."""
    from tocsin.demo import DemoConfig, generate_labeled

    pairs, gt = generate_labeled(DemoConfig(seed=seed, days=days, incidents=incidents))
    if sentiment not in ("none", "oracle", "pipeline"):
        raise ValueError(f"sentiment must be none, oracle or pipeline, not {sentiment!r}")
    labels: dict[tuple[str, str], str] = {}

    def posts() -> Iterator[Mention]:
        for m, lab in pairs:
            if lab.incident is not None:
                labels[m.key] = lab.incident
            if sentiment == "oracle":
                m = m.with_(sentiment=Sentiment(_LABELS[lab.sentiment], 1.0))
            yield m

    truth = [TruthIncident(i.id, i.kind, i.watch_id, i.onset, i.end) for i in gt.incidents]
    quiet = gt.quiet_periods if incidents else [(gt.start + timedelta(days=1), gt.end)]
    if sentiment != "pipeline":
        config = replace(config or BacktestConfig(), skip_enrichers=ANALYSIS_ENRICHERS)
    return replay(posts(), gt.watches, config, truth=truth, quiet=quiet, labels=labels)


def replay_file(
    path: Path,
    truth_path: Path | None = None,
    config: BacktestConfig | None = None,
    *,
    store: SQLiteStore | None = None,
    progress: bool | None = False,
) -> Replay:
    """Replay a file of posts (any import format; read whole and put in time order), with the
    watches and incidents of ``truth_path`` (a demo ``truth.json``), into ``store`` (default:
    a fresh in-memory one); ``progress`` shows a bar over the posts replayed."""
    from tqdm import tqdm

    from tocsin.demo import GroundTruth
    from tocsin.importers import detect

    if truth_path is None:
        raise UsageError("a replayed file needs --truth (its watches and incidents)")
    try:
        gt = GroundTruth.from_json(truth_path.read_bytes())
    except (OSError, ValueError, KeyError) as exc:
        raise UsageError(f"cannot read the ground truth {truth_path}: {exc}") from exc
    try:
        with path.open("rb") as f:
            importer = detect(f.read(SNIFF_BYTES), path.name)
        with path.open("rb") as f:
            posts = [m for m in importer.read(f, str(path)) if isinstance(m, Mention)]
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc}") from exc
    posts.sort(key=lambda m: m.created_at)
    truth = [TruthIncident(i.id, i.kind, i.watch_id, i.onset, i.end) for i in gt.incidents]
    bar = tqdm(
        posts,
        desc="replaying",
        unit=" posts",
        disable=not progress if progress is not None else None,
        leave=False,
    )
    with bar:
        return replay(bar, gt.watches, config, truth=truth, quiet=gt.quiet_periods, store=store)
