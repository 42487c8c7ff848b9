"""The pipeline leaves out enrichers that would change nothing, and keeps unchanged items."""

from __future__ import annotations

from tests.factories import mention
from tocsin.domain import Watch
from tocsin.engine.pipeline import Pipeline
from tocsin.enrich.analysis import AnalysisEnricher


def test_an_inactive_enricher_is_left_out() -> None:
    off, fast = AnalysisEnricher("off"), AnalysisEnricher("fast")
    assert Pipeline([Watch("c", "cafélia")], [off]).after_match == []
    assert Pipeline([Watch("c", "cafélia")], [off, fast]).after_match == [fast]


def test_items_an_enricher_did_not_change_are_kept_as_they_are() -> None:
    class Nothing:
        name = "nothing"
        before_match = False

        def __call__(self, batch: list) -> list:  # type: ignore[type-arg]
            return list(batch)

    pipeline = Pipeline([Watch("c", "cafélia")], [Nothing()])
    first = Pipeline([Watch("c", "cafélia")]).process([mention(1)])
    again = pipeline.process([mention(1)])
    assert again == first
    fast = Pipeline([Watch("c", "cafélia")], [AnalysisEnricher("fast")]).process([mention(1)])
    assert fast[0].mention.sentiment is not None and fast[0].watch_ids == ("c",)
