"""The monitor: runs the detectors of every watch over its buckets as mentions are written,
groups their signals into incidents and queues the incidents' alerts in the outbox.

One ``run(now)`` is one tick, in one store transaction: the buckets closed since the last tick
are scored and learned (from the per-minute rollups, plus the bucket's mentions for detectors
that read them), the open bucket is scored without learning (the volume can ring before the
bucket closes), the signals go to the watch's :class:`IncidentTracker`, and the incidents, their
signals, the alerts and the detectors' pickled state are written together. A monitor killed at
any point restarts from the last committed tick and raises no alert twice (alert keys).
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

from tocsin.detect import DetectError
from tocsin.detect.silence import Activity, silence_alerts
from tocsin.domain import Alert, Mention, Signal, Watch
from tocsin.errors import UsageError
from tocsin.incidents.explain import explain
from tocsin.incidents.grouping import GroupingConfig, IncidentTracker, IncidentUpdate
from tocsin.incidents.sources import BucketCounts, Source, available_sources
from tocsin.store.rollup import ALL
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

TRACKER = "_incidents"  # the tracker's row in detector_state
REACH_REFRESH = 10.0  # seconds (of ``now``) a bucket's top posts by reach are reused
DEFAULT_DETECTORS = (
    "volume_surge",
    "negative_share",
    "hashtag_hijack",
    "high_reach",
    "alarm_words",
    "storyline",
    "shared_link",
)


@dataclass(frozen=True)
class MonitorConfig:
    bucket: timedelta = timedelta(hours=1)
    #: detectors to run, by kind; those not installed are skipped (``Monitor.detectors``)
    detectors: tuple[str, ...] = DEFAULT_DETECTORS
    grouping: GroupingConfig | None = None  # its bucket is replaced by ``bucket``
    lateness: timedelta = timedelta(0)  # how long after its end a bucket is closed
    early: bool = True  # score the open bucket (without learning)
    silence: bool = True  # "source is silent" alerts …
    silence_every: timedelta = timedelta(minutes=15)  # … checked this often
    timezone: str = "UTC"  # wall clock of the daily and weekly rhythms
    explain_alerts: bool = True  # attach the incident's explanation to its alerts

    def __post_init__(self) -> None:
        seconds = self.bucket.total_seconds()
        if seconds < 60 or seconds % 60:
            raise ValueError("the monitor's bucket is a whole number of minutes")

    @property
    def grouping_config(self) -> GroupingConfig:
        return replace(self.grouping or GroupingConfig(), bucket=self.bucket)


@dataclass
class TickReport:
    now: datetime
    buckets: int = 0  # closed buckets learned, all watches
    signals: list[Signal] = field(default_factory=list)
    updates: list[IncidentUpdate] = field(default_factory=list)
    alerts: list[Alert] = field(default_factory=list)
    queued: int = 0  # outbox deliveries added
    errors: list[str] = field(default_factory=list)  # a detector that could not score a bucket


@dataclass
class _WatchState:
    next_bucket: int | None  # bucket index (epoch seconds // step) not learned yet
    sources: dict[str, Source]
    tracker: IncidentTracker
    dirty: set[str] = field(default_factory=set)


class Monitor:
    def __init__(self, store: SQLiteStore, config: MonitorConfig | None = None) -> None:
        self.store = store
        self.config = config or MonitorConfig()
        self.incidents = SQLiteIncidents(store.db)
        self.step = int(self.config.bucket.total_seconds())
        factories = available_sources()
        self.factories = {k: factories[k] for k in self.config.detectors if k in factories}
        self._states: dict[str, _WatchState] = {}
        self._last_silence: datetime | None = None
        # (watch, bucket) -> (when read, top posts' keys, their largest audience)
        self._reach: dict[tuple[str, datetime], tuple[float, tuple[tuple[str, str], ...], int]]
        self._reach = {}

    @property
    def detectors(self) -> list[str]:
        """The detectors this monitor runs (requested and installed)."""
        return list(self.factories)

    # -- state ---------------------------------------------------------------------------------
    def _state(self, watch: Watch) -> _WatchState:
        watch_id = watch.id
        st = self._states.get(watch_id)
        if st is not None:
            return st
        sources: dict[str, Source] = {}
        next_bucket: int | None = None
        dirty: set[str] = set()
        for kind, factory in self.factories.items():
            saved = self.incidents.load_state(watch_id, kind)
            if saved is not None:
                next_bucket, blob = saved
                sources[kind] = pickle.loads(blob)  # written by this program only
            else:
                # new, or added to a running monitor: it learns from the next bucket on
                source = factory(self.config.bucket, self.config.timezone, watch)
                if source is None:  # not for this watch
                    continue
                sources[kind] = source
                dirty.add(kind)
        saved = self.incidents.load_state(watch_id, TRACKER)
        if saved is not None:
            next_bucket, blob = saved
            tracker = pickle.loads(blob)
            if tracker.step != self.step:
                raise UsageError(
                    f"the monitor of watch {watch_id} runs with buckets of {tracker.step // 60} "
                    f"minutes, not {self.step // 60}"
                )
        else:
            tracker = IncidentTracker(watch_id, self.config.grouping_config)
        st = _WatchState(next_bucket, sources, tracker, dirty)
        self._states[watch_id] = st
        return st

    def _save(self, watch_id: str, st: _WatchState) -> None:
        if st.next_bucket is None:
            return
        for kind in st.dirty:
            self.incidents.save_state(
                watch_id, kind, st.next_bucket, pickle.dumps(st.sources[kind], protocol=5)
            )
        self.incidents.save_state(
            watch_id, TRACKER, st.next_bucket, pickle.dumps(st.tracker, protocol=5)
        )
        st.dirty.clear()

    def _start(self, b: int) -> datetime:
        return datetime.fromtimestamp(b * self.step, UTC)

    # -- one tick ------------------------------------------------------------------------------
    def run(self, now: datetime | None = None) -> TickReport:
        """Score what arrived up to ``now`` (default: the wall clock), as one transaction."""
        now = now or datetime.now(UTC)
        report = TickReport(now)
        db = self.store.db
        db.execute("BEGIN IMMEDIATE")
        try:
            for watch in self.store.list_watches():
                self._run_watch(watch, now, report)
            if self.config.silence and (
                self._last_silence is None or now - self._last_silence >= self.config.silence_every
            ):
                self._last_silence = now
                baseline = timedelta(days=7)
                acts = [
                    Activity(k, s, t, n, baseline, same)
                    for k, s, t, n, same in self.store.activity(now, baseline)
                ]
                report.alerts.extend(silence_alerts(acts, now))
            box = self.store.outbox()
            for alert in report.alerts:
                report.queued += box.enqueue(alert, now)
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            self._states.clear()  # memory is ahead of the store: reload on the next tick
            raise
        return report

    def _run_watch(self, watch: Watch, now: datetime, report: TickReport) -> None:
        cfg = self.config
        watch_id = watch.id
        st = self._state(watch)
        step = self.step
        open_bucket = int((now - cfg.lateness).timestamp()) // step
        if st.next_bucket is None:
            # From the store's first post, not the watch's: buckets without a post of the
            # watch are a baseline of zero (a campaign hashtag is quiet until it is hijacked).
            first = self.incidents.first_minute(ALL)
            if first is None:
                return
            st.next_bucket = first * 60 // step
            st.tracker.begin(self._start(st.next_bucket))
        start = st.next_bucket
        if start > open_bucket:
            return
        counts = self.incidents.rollup(
            watch_id, self._start(start), self._start(open_bucket + 1), step // 60
        )
        mention_kinds = [k for k, s in st.sources.items() if s.needs_mentions]
        early_kinds = [k for k in mention_kinds if getattr(st.sources[k], "early", False)]
        signals: list[Signal] = []
        for b in range(start, open_bucket + 1):
            final = b < open_bucket
            if not final and not cfg.early:
                break
            c = BucketCounts(*counts.get(b, (0, 0, 0, 0)))
            t = self._start(b)
            mentions: Sequence[Mention] = ()
            if (final and mention_kinds) or (not final and early_kinds):
                mentions = self.incidents.mentions(watch_id, t, self._start(b + 1), limit=1_000_000)
            for kind, source in st.sources.items():
                if not final and source.needs_mentions and kind not in early_kinds:
                    continue
                try:
                    signals.extend(source.observe(watch_id, t, c, mentions, final))
                except DetectError as exc:  # one detector's trouble must not blind the others
                    report.errors.append(f"{watch_id} {kind} {t:%Y-%m-%d %H:%M}: {exc}")
                if final:
                    st.dirty.add(kind)
            if final:
                report.buckets += 1
                st.next_bucket = b + 1
        signals = [self._with_reach(s, now) for s in signals]
        report.signals.extend(signals)
        updates = st.tracker.observe(signals, now)
        for u in updates:
            self.incidents.put(u.incident)
            if u.signals:
                self.incidents.add_signals(u.incident.id, u.signals)
            if u.alert is not None:
                report.alerts.append(self._explained(u))
        report.updates.extend(updates)
        self._save(watch_id, st)

    def _with_reach(self, sig: Signal, now: datetime) -> Signal:
        """Evidence for a signal that came without: the bucket's posts of largest audience."""
        if sig.mention_keys and "reach" in sig.details:
            return sig
        end = sig.at + self.config.bucket
        key = (sig.watch_id, sig.at)
        clock = now.timestamp()  # the monitor's clock: replays stay deterministic
        cached = self._reach.get(key)
        if cached is not None and 0 <= clock - cached[0] < REACH_REFRESH:
            keys, reach = cached[1], cached[2]
        else:  # at most every REACH_REFRESH seconds per bucket: a sort of the bucket's posts
            top = self.incidents.top_reach(sig.watch_id, sig.at, end, limit=5)
            keys = tuple(m.key for m in top)
            reach = max((m.author.followers or 0 for m in top), default=0)
            if len(self._reach) > 10_000:
                self._reach.clear()
            self._reach[key] = (clock, keys, reach)
        return replace(
            sig, mention_keys=sig.mention_keys or keys, details={"reach": reach, **sig.details}
        )

    def _explained(self, update: IncidentUpdate) -> Alert:
        alert = update.alert
        assert alert is not None
        if not self.config.explain_alerts:
            return alert
        ex = explain(self.store, update.incident, self.config.bucket, posts=2_000)
        return replace(
            alert,
            summary=f"{alert.summary} {ex.headline()}",
            details={**alert.details, "explanation": ex.as_dict(brief=True)},
        )
