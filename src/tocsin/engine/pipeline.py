"""The pipeline: the stages composed, still with no I/O, so any runner can drive it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from tocsin.domain import Mention, Watch
from tocsin.engine.stages import deduplicate, enrich, match, normalise
from tocsin.enrich.base import Enricher
from tocsin.query import WatchIndex
from tocsin.store.base import MatchedMention


class Pipeline:
    """An enricher with ``active = False`` (e.g. the analysis in ``off`` mode) is left out:
    it would change nothing and cost a pass over every batch."""

    def __init__(self, watches: Iterable[Watch], enrichers: Sequence[Enricher] = ()) -> None:
        self.watches = list(watches)
        self.index = WatchIndex(self.watches)
        active = [e for e in enrichers if getattr(e, "active", True)]
        self.before_match = [e for e in active if e.before_match]
        self.after_match = [e for e in active if not e.before_match]

    def process(self, batch: Sequence[Mention]) -> list[MatchedMention]:
        mentions = enrich(deduplicate(normalise(batch)), self.before_match)
        matched = match(mentions, self.index)
        if self.after_match:
            enriched = enrich([item.mention for item in matched], self.after_match)
            matched = [
                item if m is item.mention else replace(item, mention=m)
                for item, m in zip(matched, enriched, strict=True)
            ]
        return matched
