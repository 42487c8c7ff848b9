"""The detectors the monitor runs, behind one small interface.

A *source* sees one bucket of one watch at a time: its rollup counts and, if it asks for them,
its mentions. ``final=False`` is the open bucket, seen before it closes: a source may ring early
on it (the volume can only grow) but must not learn from it. Sources pickle: the monitor keeps
one per watch and detector in the store.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from tocsin.detect import VolumeConfig, VolumeSurgeDetector
from tocsin.domain import Mention, Signal, Watch, WatchKind


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
                    "surprise": round(a.alarm, 2),
                    "view": a.view,
                    "model": a.model,
                    "early": not final,
                },
            )
        ]


class _MentionDetector(Protocol):
    def observe(self, watch_id: str, t: datetime, mentions: Sequence[Mention]) -> list[Signal]: ...


def _embeddings(mentions: Sequence[Mention]) -> Any:
    """The posts' sentence embeddings, from the process's shared encoder: in one process the
    posts the analysis enricher has just read come from its cache, not the encoder."""
    from tocsin.enrich.embedding import shared_embedder

    return shared_embedder().encode([m.text for m in mentions])


class MentionSource:
    """A detector of ``tocsin.detect`` that reads a bucket's mentions through its public
    ``observe(watch_id, t, mentions[, vectors])`` (it learns as it observes, so it learns only
    closed buckets). ``vectors``: the detector wants the posts' sentence embeddings. ``early``:
    the open bucket's posts are also scored, without learning (``assess`` + ``signals``), for a
    detector whose evidence only grows as its bucket fills (a shared link's voices)."""

    needs_mentions = True
    early = False

    def __init__(
        self, kind: str, detector: _MentionDetector, vectors: bool = False, early: bool = False
    ) -> None:
        self.kind = kind
        self.detector = detector
        self.vectors = vectors
        self.early = early

    def observe(
        self,
        watch_id: str,
        start: datetime,
        counts: BucketCounts,
        mentions: Sequence[Mention],
        final: bool,
    ) -> list[Signal]:
        if not final:
            if not self.early or not mentions:
                return []
            early: Any = self.detector
            return list(early.signals(watch_id, start, mentions, early.assess(start, mentions)))
        if self.vectors:
            detector: Any = self.detector
            vectors = _embeddings(mentions) if mentions else None
            return list(detector.observe(watch_id, start, mentions, vectors))
        return list(self.detector.observe(watch_id, start, mentions))


SourceFactory = Callable[[timedelta, str, Watch], "Source | None"]

#: Detector kind -> the class name in ``tocsin.detect``.
_MENTION_DETECTORS = {
    "negative_share": "NegativeShareDetector",
    "high_reach": "HighReachDetector",
    "alarm_words": "AlarmWordsDetector",
    "hashtag_hijack": "HashtagHijackDetector",
    "storyline": "StorylineDetector",
    "shared_link": "SharedLinkDetector",
}
#: Mention detectors that also score the open bucket (their evidence only grows in a bucket).
_EARLY = ("shared_link",)
_HASHTAG = re.compile(r"#\w+")


def available_sources() -> dict[str, SourceFactory]:
    """Every detector the monitor can run here: the volume surge, and each mention detector
    of ``tocsin.detect`` that is installed. The hashtag-hijack detector runs on campaign
    watches, on the hashtags of their query (a brand's own name as a hashtag is not a
    campaign); the storyline detector reads sentence embeddings, computed for it."""
    import tocsin.detect as detect

    out: dict[str, SourceFactory] = {
        "volume_surge": lambda bucket, tz, watch: VolumeSource(bucket, tz),
    }
    for kind, name in _MENTION_DETECTORS.items():
        cls: Any = getattr(detect, name, None)
        if cls is None or not callable(getattr(cls, "observe", None)):
            continue
        if kind == "hashtag_hijack":
            config_cls: Any = getattr(detect, "HashtagConfig", None)
            if config_cls is None:
                continue

            def hijack(
                bucket: timedelta, tz: str, watch: Watch, cls: Any = cls, cfg: Any = config_cls
            ) -> Source | None:
                if watch.kind != WatchKind.CAMPAIGN:
                    return None
                tags = tuple(dict.fromkeys(_HASHTAG.findall(watch.query)))
                return MentionSource("hashtag_hijack", cls(cfg(hashtags=tags))) if tags else None

            out[kind] = hijack
            continue

        def make(
            bucket: timedelta, tz: str, watch: Watch, kind: str = kind, cls: Any = cls
        ) -> Source | None:
            return MentionSource(kind, cls(), vectors=kind == "storyline", early=kind in _EARLY)

        out[kind] = make
    return out
