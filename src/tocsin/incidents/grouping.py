"""Signals into incidents: one incident per watch and story, that grows, is resolved after quiet,
and raises an alert only when it opens and when its severity steps up. Pure: no I/O, and the
tracker's state pickles (the monitor keeps one tracker per watch in the store).

Rules (all counts are in buckets, the monitor's step):

- **Story.** A signal about the watch as a whole (volume, negative share, alarm words, a
  high-reach post …) belongs to the watch's story ``""``. A hashtag hijack, a storyline or a
  shared link is its own story (``"hashtag_hijack:#tag"``) unless the watch already has an active
  incident, which it then joins; a watch-level signal joins the watch's most recent active story.
- **Persistence.** A story becomes an incident once signals were seen in ``persistence``
  distinct buckets (gaps of at most ``pending_gap`` quiet buckets), or at once on one signal of
  score ``strong_score`` or more — unless that signal is about one post (high reach) and no
  other kind rang with it. A signal that gathers posts of several buckets (a shared link's
  voices: ``details["buckets"]``, kinds ``spread_kinds``) counts those buckets: the voices of
  several hours are persistence already. A candidate that goes quiet is dropped: noise, not an
  incident.
- **Severity** 1–10 from the recent signals: distance from expected (the score as a surprise),
  reach (the largest audience among the evidence), velocity (observed / expected) and breadth
  (several kinds of signal).
- **Alerts.** One when the incident opens; one more each time its severity reaches
  ``alerted + step``. The key is ``incident:<id>:s<severity>``, so replays and repeated ticks
  never duplicate one.
- **Chronic detectors.** During the first ``warmup`` buckets nothing opens (base rates are
  learned); afterwards a kind that rang in more than ``chronic_share`` of the last week's
  buckets (the last ``chronic_recent`` left out) is not news: its signals are ignored.
- **Resolution and cooldown.** After ``resolve_after`` buckets without a signal the incident is
  resolved; during the next ``cooldown`` buckets a new signal of the story re-opens the same
  incident, silently unless its severity steps up. No re-open flood.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from tocsin.domain import Alert, Incident, Signal

#: Signals of these kinds may be a story of their own (their subject names it).
SUBJECT_STORIES = ("hashtag_hijack", "storyline", "shared_link")


@dataclass(frozen=True)
class GroupingConfig:
    bucket: timedelta = timedelta(hours=1)
    persistence: int = 2  # distinct signal buckets before a story is an incident
    strong_score: float = 0.6  # one signal this strong opens at once (surprise 7.5) …
    single_post_kinds: tuple[str, ...] = ("high_reach",)  # … unless it is about one post
    #: kinds whose signal gathers posts of several buckets (``details["buckets"]``), counted
    #: toward ``persistence``
    spread_kinds: tuple[str, ...] = ("shared_link",)
    pending_gap: int = 2  # quiet buckets that drop a candidate
    resolve_after: int = 6  # quiet buckets that resolve an incident
    cooldown: int = 12  # buckets after resolution in which the story re-opens the same incident
    step: int = 2  # severity rise that raises a new alert
    recent: int = 3  # buckets the current severity is computed over
    warmup: int = 24  # buckets during which kinds' base rates are learned and nothing opens
    chronic_window: int = 168  # buckets over which a kind's ringing rate is measured …
    chronic_recent: int = 12  # … leaving out the most recent ones (the incident itself)
    chronic_share: float = 0.2  # a kind that rang in more of those buckets is not news
    chronic_min: int = 48  # a shorter history is judged whole (recent buckets included)

    def __post_init__(self) -> None:
        if self.bucket.total_seconds() < 60 or self.bucket.total_seconds() % 60:
            raise ValueError("the bucket is a whole number of minutes, at least one")
        if self.persistence < 1 or self.step < 1 or self.recent < 1:
            raise ValueError("persistence, step and recent are at least 1")
        if min(self.pending_gap, self.resolve_after, self.cooldown) < 0:
            raise ValueError("gaps and cooldown are >= 0 buckets")
        if not 0.0 < self.strong_score <= 1.0:
            raise ValueError("strong_score is in (0, 1]")


def surprise_of(score: float) -> float:
    """The detectors' score ``s / (s + 5)`` back to a surprise ``-log10 P``."""
    score = min(max(score, 0.0), 0.999)
    return 5.0 * score / (1.0 - score)


def severity_of(signals: Iterable[Signal]) -> int:
    """1–10: distance from expected (2 at the alert level, +1.5 per doubling of the surprise),
    +1 / +2 for an audience of 100k / 1M, +1 / +2 for 5x / 20x the expected volume, +1 for three
    kinds of signal or more."""
    signals = list(signals)
    if not signals:
        return 1
    s = max(surprise_of(sig.score) for sig in signals)
    distance = 2.0 + 1.5 * math.log2(max(s, 0.1) / 3.3)
    reach = max((_reach(sig) for sig in signals), default=0)
    reach_points = 2 if reach >= 1_000_000 else 1 if reach >= 100_000 else 0
    velocity = max((_velocity(sig) for sig in signals), default=0.0)
    velocity_points = 2 if velocity >= 20 else 1 if velocity >= 5 else 0
    breadth = 1 if len({sig.kind for sig in signals}) >= 3 else 0
    return max(1, min(10, round(distance + reach_points + velocity_points + breadth)))


def _reach(sig: Signal) -> int:
    value = sig.details.get("reach")
    return int(value) if isinstance(value, int | float) and value > 0 else 0


def _spread(sig: Signal) -> int:
    """Buckets the posts of one signal came from (a shared link's voices), 1 if not said."""
    value = sig.details.get("buckets")
    return int(value) if isinstance(value, int) and value > 0 else 1


def _velocity(sig: Signal) -> float:
    if sig.observed is None or sig.expected is None or sig.kind != "volume_surge":
        return 0.0
    return sig.observed / max(sig.expected, 1.0)


SignalKey = tuple[str, str, int]  # kind, subject, bucket index


@dataclass
class _Story:
    key: str
    onset: int  # bucket index of the first signal
    last: int  # bucket index of the latest signal
    signals: dict[SignalKey, Signal] = field(default_factory=dict)
    incident: Incident | None = None
    resolved_bucket: int | None = None  # bucket index at which it was resolved
    unsaved: list[Signal] = field(default_factory=list)  # signals not yet handed out


@dataclass(frozen=True, slots=True)
class IncidentUpdate:
    """What changed, for the monitor to store: ``change`` is opened | grew | escalated |
    reopened | resolved; ``signals`` are the incident's signals not handed out before."""

    incident: Incident
    change: str
    alert: Alert | None = None
    signals: tuple[Signal, ...] = ()


class IncidentTracker:
    """Groups the signals of one watch. ``observe(signals, now)`` after each monitor tick."""

    def __init__(self, watch_id: str, config: GroupingConfig | None = None) -> None:
        self.watch_id = watch_id
        self.config = config or GroupingConfig()
        self.step = int(self.config.bucket.total_seconds())
        self.stories: dict[str, _Story] = {}
        self.first: int | None = None  # the first bucket this tracker saw
        self.rang: dict[str, list[int]] = {}  # kind -> buckets with a signal (last window)

    # -- time ----------------------------------------------------------------------------------
    def bucket_of(self, t: datetime) -> int:
        return int(t.timestamp()) // self.step

    def start_of(self, bucket: int) -> datetime:
        return datetime.fromtimestamp(bucket * self.step, UTC)

    # -- reading -------------------------------------------------------------------------------
    def active(self) -> list[Incident]:
        return [s.incident for s in self.stories.values() if s.incident is not None]

    def _story_for(self, sig: Signal) -> str:
        if sig.kind in SUBJECT_STORIES and sig.subject:
            own = f"{sig.kind}:{sig.subject}"
            if own in self.stories:
                return own
            if "" in self.stories and self.stories[""].resolved_bucket is None:
                return ""
            return own
        live = [s for s in self.stories.values() if s.resolved_bucket is None]
        if "" in self.stories or not live:
            return ""
        return max(live, key=lambda s: (s.last, s.key)).key

    # -- the rules -----------------------------------------------------------------------------
    def observe(self, signals: Iterable[Signal], now: datetime) -> list[IncidentUpdate]:
        """Add this tick's signals (a bucket seen again, e.g. the open bucket re-scored, keeps
        its strongest signal per kind and subject) and apply the rules as of ``now``."""
        cfg = self.config
        touched: dict[str, _Story] = {}
        signals = sorted(signals, key=lambda s: (s.at, s.kind, s.subject))
        if self.first is None:
            self.first = min([self.bucket_of(now), *(self.bucket_of(s.at) for s in signals)])
        for sig in signals:
            if sig.watch_id != self.watch_id:
                raise ValueError(f"signal of watch {sig.watch_id!r} given to {self.watch_id!r}")
            b = self.bucket_of(sig.at)
            chronic = self.chronic(sig.kind, b)
            self._rang(sig.kind, b)
            if chronic:
                continue
            key = self._story_for(sig)
            story = self.stories.get(key)
            if (
                story is not None
                and story.incident is None
                and b - story.last > cfg.pending_gap + 1
            ):
                story = None  # a stale candidate: start again
            if story is None:
                story = self.stories[key] = _Story(key, b, b)
            sk = (sig.kind, sig.subject, b)
            old = story.signals.get(sk)
            if old is not None and old.score >= sig.score:
                continue
            story.signals[sk] = sig
            story.unsaved.append(sig)
            story.onset = min(story.onset, b)
            story.last = max(story.last, b)
            touched[key] = story
        updates: list[IncidentUpdate] = []
        for story in touched.values():
            update = self._review(story, now)
            if update is not None:
                updates.append(update)
        updates.extend(self._expire(now))
        return updates

    def begin(self, t: datetime) -> None:
        """The tracker's history starts at ``t`` (the monitor's first bucket)."""
        b = self.bucket_of(t)
        self.first = b if self.first is None else min(self.first, b)

    def chronic(self, kind: str, b: int) -> bool:
        """Whether signals of ``kind`` at bucket ``b`` are not news: during the warm-up (base
        rates unknown), or when the kind rang in more than ``chronic_share`` of the buckets of
        the window before ``b`` (its last ``chronic_recent`` buckets left out, once the history
        is at least ``chronic_min`` long). A detector that rings all the time tells nothing; its
        signals neither open nor extend incidents."""
        cfg = self.config
        first = b if self.first is None else self.first
        if b - first < cfg.warmup:
            return True
        lo = max(first, b - cfg.chronic_window)
        hi = b - cfg.chronic_recent
        if hi - lo < cfg.chronic_min:  # a short history: all of it (no incident yet in it)
            hi = b
        if hi <= lo:
            return False
        seen = sum(1 for x in self.rang.get(kind, ()) if lo <= x < hi)
        return seen > cfg.chronic_share * (hi - lo)

    def _rang(self, kind: str, b: int) -> None:
        buckets = self.rang.setdefault(kind, [])
        if b not in buckets[-3:]:
            buckets.append(b)
            buckets.sort()
        horizon = b - self.config.chronic_window
        while buckets and buckets[0] < horizon:
            buckets.pop(0)

    def _review(self, story: _Story, now: datetime) -> IncidentUpdate | None:
        cfg = self.config
        sigs = list(story.signals.values())
        recent = [s for s in sigs if self.bucket_of(s.at) > story.last - cfg.recent]
        severity = severity_of(recent)
        kinds = tuple(sorted({s.kind for s in sigs}))
        max_score = max(s.score for s in sigs)
        buckets = len({k[2] for k in story.signals})
        inc = story.incident
        if inc is None:
            spread = max((_spread(x) for x in sigs if x.kind in cfg.spread_kinds), default=0)
            # One post's signal (a high-reach post) never opens alone at once: one alert per
            # post is what incidents are for avoiding. Two kinds do, or the same post in a
            # second bucket (two big accounts' unrelated complaints an hour apart are two
            # cases for the inbox, not one story).
            strong = max(
                (x.score for x in sigs if x.kind not in cfg.single_post_kinds), default=0.0
            )
            if len(kinds) > 1:
                strong = max_score
            elif kinds[0] in cfg.single_post_kinds:
                per_post: dict[str, set[int]] = {}
                for _, subject, b in story.signals:
                    per_post.setdefault(subject, set()).add(b)
                buckets = max(len(bs) for bs in per_post.values())
            if max(buckets, spread) < cfg.persistence and strong < cfg.strong_score:
                return None
            onset = self.start_of(story.onset)
            suffix = "" if not story.key else "-" + _slug(story.key)
            inc = Incident(
                id=f"{self.watch_id}-{onset:%Y%m%dT%H%M}{suffix}",
                watch_id=self.watch_id,
                story=story.key,
                status="open",
                onset=onset,
                opened_at=now,
                last_signal_at=self.start_of(story.last),
                severity=severity,
                peak_severity=severity,
                alerted_severity=severity,
                kinds=kinds,
                signal_count=len(sigs),
                buckets=buckets,
                max_score=max_score,
            )
            story.incident = inc
            return self._handout(story, "opened", self._alert(inc, "opened", now))
        change = "grew"
        if story.resolved_bucket is not None:
            story.resolved_bucket = None
            change = "reopened"
        peak = max(inc.peak_severity, severity)
        alert = None
        alerted = inc.alerted_severity
        if severity >= inc.alerted_severity + cfg.step:
            change, alerted = "escalated", severity
        inc = inc.with_(
            status="open",
            resolved_at=None,
            last_signal_at=self.start_of(story.last),
            severity=severity,
            peak_severity=peak,
            alerted_severity=alerted,
            kinds=kinds,
            signal_count=len(sigs),
            buckets=buckets,
            max_score=max_score,
        )
        story.incident = inc
        if change == "escalated":
            alert = self._alert(inc, change, now)
        return self._handout(story, change, alert)

    def _handout(self, story: _Story, change: str, alert: Alert | None) -> IncidentUpdate:
        assert story.incident is not None
        out = IncidentUpdate(story.incident, change, alert, tuple(story.unsaved))
        story.unsaved = []
        return out

    def _expire(self, now: datetime) -> list[IncidentUpdate]:
        cfg = self.config
        current = self.bucket_of(now)  # the open bucket: buckets before it are closed
        out = []
        for key, story in list(self.stories.items()):
            quiet = current - story.last - 1
            if story.incident is None:
                if quiet > cfg.pending_gap:
                    del self.stories[key]
                continue
            if story.resolved_bucket is None and quiet >= cfg.resolve_after:
                story.resolved_bucket = story.last + 1 + cfg.resolve_after
                inc = story.incident.with_(
                    status="resolved",
                    resolved_at=self.start_of(story.resolved_bucket),
                    severity=1,
                )
                story.incident = inc
                out.append(self._handout(story, "resolved", None))
            elif story.resolved_bucket is not None and (
                current - story.resolved_bucket >= cfg.cooldown
            ):
                del self.stories[key]
        return out

    def _alert(self, inc: Incident, change: str, now: datetime) -> Alert:
        what = ", ".join(k.replace("_", " ") for k in inc.kinds)
        about = f" ({inc.story.split(':', 1)[1]})" if inc.story else ""
        verb = "incident" if change == "opened" else "incident escalates"
        return Alert(
            key=f"incident:{inc.id}:s{inc.severity}",
            kind="incident",
            title=f"{inc.watch_id}{about}: {verb}, severity {inc.severity}",
            summary=(
                f"Since {inc.onset:%Y-%m-%d %H:%M} UTC: {what} "
                f"({inc.buckets} buckets with signals, strongest score {inc.max_score:.2f})."
            ),
            severity=inc.severity,
            created_at=now,
            watch_id=inc.watch_id,
            details={"incident": inc.as_dict(), "change": change},
        )


def _slug(text: str) -> str:
    out = re.sub(r"[^\w]+|_", "-", text.lower()).strip("-")
    return out[:40].strip("-") or "story"
