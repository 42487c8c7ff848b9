"""``sentiment:`` in searches, refused in watches (they are matched before analysis)."""

from datetime import UTC, datetime

import pytest

from tocsin.domain import Author, Mention, Sentiment, Watch
from tocsin.errors import QueryError
from tocsin.query import Document, Field, WatchIndex, evaluate, explain, parse, required_values


def _post(sentiment: Sentiment | None) -> Document:
    m = Mention(
        "x",
        "1",
        Author("x", "1", "ana"),
        "Cafélia encore en retard",
        datetime(2026, 11, 2, tzinfo=UTC),
        sentiment=sentiment,
    )
    return Document.from_mention(m)


def test_parses_and_normalises() -> None:
    assert parse("Sentiment:NEGATIVE") == Field("sentiment", "negative")
    assert str(parse("cafelia sentiment:positive")) == "cafelia AND sentiment:positive"


@pytest.mark.parametrize("label", ["negative", "neutral", "positive"])
def test_filters_on_the_label(label: str) -> None:
    node = parse(f"cafelia sentiment:{label}")
    assert evaluate(node, _post(Sentiment(label, 0.8)))
    others = {"negative", "neutral", "positive"} - {label}
    assert not any(evaluate(node, _post(Sentiment(o, 0.8))) for o in others)
    assert not evaluate(node, _post(None))  # not analysed is not neutral


def test_explains_the_hit() -> None:
    hits = explain(parse("sentiment:negative"), _post(Sentiment("negative", 0.9)))
    assert [(h.operand, h.text) for h in hits] == [("sentiment:negative", "negative")]


def test_unknown_label_points_at_the_value() -> None:
    with pytest.raises(QueryError) as e:
        parse("cafelia sentiment:angry")
    assert e.value.position == len("cafelia sentiment:")
    assert "negative, neutral, positive" in e.value.reason


def test_watches_refuse_it_with_a_reason() -> None:
    with pytest.raises(QueryError) as e:
        parse("cafelia sentiment:negative", watch=True)
    assert e.value.position == len("cafelia ")
    assert "not watches" in e.value.reason
    with pytest.raises(QueryError, match="watch 'w'"):
        WatchIndex([Watch("w", "cafelia AND sentiment:negative")])


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sentiment:negative", {"negative"}),
        ("cafelia sentiment:negative", {"negative"}),
        ("sentiment:negative OR sentiment:neutral", {"negative", "neutral"}),
        ("(a sentiment:negative) OR (b sentiment:positive)", {"negative", "positive"}),
        ("sentiment:negative sentiment:positive", set()),  # matches nothing
        ("cafelia OR sentiment:negative", None),
        ("NOT sentiment:negative", None),
        ("cafelia lang:fr", None),
    ],
)
def test_required_values_is_a_sound_prefilter(query: str, expected: set[str] | None) -> None:
    got = required_values(parse(query), "sentiment")
    assert got == (None if expected is None else frozenset(expected))
    # Soundness: any post that matches has a label inside the required set.
    for label in ("negative", "neutral", "positive"):
        for text in ("a cafelia", "b", "a"):
            m = Mention(
                "x",
                "1",
                Author("x", "1", "ana"),
                text,
                datetime(2026, 11, 2, tzinfo=UTC),
                language="fr",
                sentiment=Sentiment(label, 0.9),
            )
            if got is not None and evaluate(parse(query), Document.from_mention(m)):
                assert label in got
