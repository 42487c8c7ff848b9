from __future__ import annotations

from datetime import timedelta, timezone

from tests.factories import T0, mention
from tocsin.domain import Watch
from tocsin.engine.pipeline import Pipeline
from tocsin.engine.stages import deduplicate, normalise, normalise_mention


def test_normalise_enforces_invariants() -> None:
    paris = timezone(timedelta(hours=1))
    m = mention(
        1,
        text="Cafe\u0301lia\x00\x1b est top\u0007",
        created_at=(T0 + timedelta(hours=1)).astimezone(paris),
        hashtags=("#Café", "Café", ""),
        mentions=("@cafelia",),
        language=" FR_ca ",
    )
    n = normalise_mention(m)
    assert n.text == "Cafélia est top"  # NFC, controls dropped
    assert n.created_at == T0 + timedelta(hours=1) and n.created_at.utcoffset() == timedelta(0)
    assert n.hashtags == ("Café",)
    assert n.mentions == ("cafelia",)
    assert n.language == "fr-ca"


def test_normalise_leaves_clean_mentions_untouched() -> None:
    m = mention(1)
    assert normalise([m])[0] is m


def test_deduplicate_keeps_newest_version_at_first_position() -> None:
    a1 = mention(1, text="v1")
    b = mention(2)
    a2 = mention(1, text="v2", edited_at=T0 + timedelta(hours=3))
    assert [m.text for m in deduplicate([a1, b, a2])] == ["v2", b.text]


class _Upper:
    name = "upper"
    before_match = False

    def __call__(self, batch):  # type: ignore[no-untyped-def]
        return [m.with_(title="seen") for m in batch]


class _Lang:
    name = "lang"
    before_match = True

    def __call__(self, batch):  # type: ignore[no-untyped-def]
        return [m.with_(language="en") for m in batch]


def test_pipeline_runs_enrichers_around_matching() -> None:
    pipeline = Pipeline(
        [Watch("en-only", "cafelia", languages=("en",)), Watch("any", "cafelia")],
        [_Upper(), _Lang()],
    )
    [item] = pipeline.process([mention(1, language=None)])
    assert item.watch_ids == ("any", "en-only")  # language set before matching
    assert item.mention.title == "seen"  # after-match enricher applied
    assert item.norm_text.startswith("cafelia")
