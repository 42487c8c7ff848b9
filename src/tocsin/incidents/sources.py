"""The detectors the monitor runs, behind one small interface.

A *source* sees one bucket of one watch at a time: its rollup counts and, if it asks for them,
its mentions. ``final=False`` is the open bucket, seen before it closes: a source may ring early
on it (the volume can only grow) but must not learn from it. Sources pickle: the monitor keeps
one per watch and detector in the store.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tocsin.detect import VolumeConfig, VolumeSurgeDetector
from tocsin.domain import Mention, Signal


@dataclass(frozen=True, slots=True)
class BucketCounts:
    volume: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0


class Source(Protocol):
    kind: str
    needs_mentions: bool

    def observe(
        self,
        watch_id: str,
        start: datetime,
        counts: BucketCounts,
        mentions: Sequence[Mention],
        final: bool,
    ) -> list[Signal]: ...


class VolumeSource:
    """The seasonal volume-surge detector on the watch's per-bucket count (rollups only).
    Rings early on the open bucket: a partial count that already rings is a lower bound of the
    final one (every view of the detector grows with the count)."""

    kind = "volume_surge"
    needs_mentions = False

    def __init__(self, bucket: timedelta, timezone: str = "UTC") -> None:
        self.detector = VolumeSurgeDetector(bucket, VolumeConfig(timezone=timezone))

    def observe(
        self,
        watch_id: str,
        start: datetime,
        counts: BucketCounts,
        mentions: Sequence[Mention],
        final: bool,
    ) -> list[Signal]:
        x = float(counts.volume)
        a = self.detector.assess(start, x)
        if final:
            self.detector.learn_one(start, x)
        if not self.detector.alert(a.score):
            return []
        return [
            Signal(
                watch_id=watch_id,
                kind=self.kind,
                at=start,
                score=min(1.0, max(0.0, a.score)),
                expected=round(a.expected, 3),
                observed=x,
                details={
                    "z": round(a.z, 2),
                    "surprise": round(a.surprise, 2),
                    "model": a.model,
                    "early": not final,
                },
            )
        ]


class _MentionDetector(Protocol):
    def observe(self, watch_id: str, t: datetime, mentions: Sequence[Mention]) -> list[Signal]: ...


class MentionSource:
    """A detector of ``tocsin.detect`` that reads a bucket's mentions through its public
    ``observe(watch_id, t, mentions) -> list[Signal]`` (it learns as it observes, so it only
    sees closed buckets)."""

    needs_mentions = True

    def __init__(self, kind: str, detector: _MentionDetector) -> None:
        self.kind = kind
        self.detector = detector

    def observe(
        self,
        watch_id: str,
        start: datetime,
        counts: BucketCounts,
        mentions: Sequence[Mention],
        final: bool,
    ) -> list[Signal]:
        if not final:
            return []
        return list(self.detector.observe(watch_id, start, mentions))


SourceFactory = Callable[[timedelta, str], Source]

#: Detector kind -> the class name in ``tocsin.detect`` whose no-argument constructor makes it.
_MENTION_DETECTORS = {
    "negative_share": "NegativeShareDetector",
    "hashtag_hijack": "HashtagHijackDetector",
    "high_reach": "HighReachDetector",
    "alarm_words": "AlarmWordsDetector",
    "storyline": "StorylineDetector",
}


def available_sources() -> dict[str, SourceFactory]:
    """Every detector the monitor can run here: the volume surge, and each mention detector
    of ``tocsin.detect`` that is installed and builds with its defaults."""
    import tocsin.detect as detect

    out: dict[str, SourceFactory] = {
        "volume_surge": lambda bucket, tz: VolumeSource(bucket, tz),
    }
    for kind, name in _MENTION_DETECTORS.items():
        cls: Any = getattr(detect, name, None)
        if cls is None or not callable(getattr(cls, "observe", None)):
            continue

        def make(bucket: timedelta, tz: str, kind: str = kind, cls: Any = cls) -> Source:
            return MentionSource(kind, cls())

        out[kind] = make
    return out
