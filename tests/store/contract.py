"""The contract every Store implementation satisfies. A test module per implementation
subclasses ``StoreContract`` and provides a ``store`` fixture of a migrated, empty store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.factories import T0, mention
from tocsin.domain import DeadLetter, Metrics, Sentiment, Watch, WatchKind
from tocsin.query import Document, WatchIndex
from tocsin.store.base import MatchedMention, SearchQuery
from tocsin.store.rollup import ALL

WATCHES = [
    Watch("cafelia", "cafélia OR @cafelia OR #cafelia", WatchKind.BRAND),
    Watch("refunds", "rembours* OR refund*", WatchKind.TOPIC),
    Watch("brewster", "brewster", WatchKind.COMPETITOR),
]


def matched(*mentions: Any, watches: list[Watch] = WATCHES) -> list[MatchedMention]:
    index = WatchIndex(watches)
    out = []
    for m in mentions:
        doc = Document.from_mention(m)
        out.append(MatchedMention(m, doc.norm_text, index.match(doc)))
    return out


def texts(results: Any) -> list[str]:
    return [r.mention.text for r in results]


class StoreContract:
    def test_migrate_is_idempotent(self, store: Any) -> None:
        assert store.migrate() == []

    def test_watches_round_trip(self, store: Any) -> None:
        w = Watch("acme", "acme OR #acme", WatchKind.CAMPAIGN, "Acme", ("fr",), ("x", "reddit"))
        store.put_watch(w)
        assert store.get_watch("acme") == w
        store.put_watch(Watch("acme", "acme", WatchKind.BRAND))
        assert store.get_watch("acme").query == "acme"
        assert [x.id for x in store.list_watches()] == ["acme"]
        assert store.remove_watch("acme") is True
        assert store.remove_watch("acme") is False
        assert store.get_watch("acme") is None

    def test_mention_round_trips_exactly(self, store: Any) -> None:
        m = mention(
            1,
            text="Merci @cafelia ! #café https://ex.fr/a",
            hashtags=("café",),
            mentions=("cafelia",),
            links=("https://ex.fr/a",),
            url="https://x.com/user1/status/1001",
            reply_to="999",
            quote_of="998",
            metrics=Metrics(likes=3, reposts=2, replies=1, views=40),
            created_at=T0 + timedelta(microseconds=123_457),
        )
        store.write(matched(m))
        got = store.get_mention("x", "1001")
        assert got.mention == m
        assert got.watch_ids == ("cafelia",)

    def test_same_batch_twice_adds_nothing(self, store: Any) -> None:
        batch = matched(*(mention(i) for i in range(50)))
        first = store.write(batch)
        assert (first.inserted, first.updated, first.unchanged) == (50, 0, 0)
        second = store.write(batch)
        assert (second.inserted, second.updated, second.unchanged) == (0, 0, 50)
        assert store.count_mentions() == 50
        total = store.volume([ALL], T0, T0 + timedelta(days=1), "day")
        assert sum(p.volume for p in total) == 50

    def test_duplicate_inside_one_batch_keeps_newest(self, store: Any) -> None:
        old = mention(1, text="Cafélia v1")
        new = mention(1, text="Cafélia v2", edited_at=T0 + timedelta(hours=1))
        result = store.write(matched(new, old))
        assert result.inserted == 1
        assert store.get_mention("x", "1001").mention.text == "Cafélia v2"

    def test_edited_post_is_updated_in_place(self, store: Any) -> None:
        store.write(matched(mention(1, text="Cafélia est top")))
        edited = mention(
            1, text="Brewster est mieux, remboursez-moi", edited_at=T0 + timedelta(hours=2)
        )
        result = store.write(matched(edited))
        assert (result.inserted, result.updated) == (0, 1)
        assert store.count_mentions() == 1
        got = store.get_mention("x", "1001")
        assert got.mention.text.startswith("Brewster")
        assert got.watch_ids == ("brewster", "refunds")
        # the full-text index follows the edit
        assert texts(store.search(SearchQuery(text="brewster"))) == [edited.text]
        assert texts(store.search(SearchQuery(text="top"))) == []
        # rollups moved from the old watch to the new ones
        day = (T0, T0 + timedelta(days=1))
        by_watch = {
            p.watch_id: p.volume
            for p in store.volume(["cafelia", "brewster", "refunds", ALL], *day, "day")
        }
        assert by_watch == {"brewster": 1, "refunds": 1, ALL: 1}

    def test_older_version_does_not_overwrite_newer(self, store: Any) -> None:
        new = mention(1, text="Cafélia v2", edited_at=T0 + timedelta(hours=1))
        store.write(matched(new))
        result = store.write(matched(mention(1, text="Cafélia v1")))
        assert result.unchanged == 1
        assert store.get_mention("x", "1001").mention.text == "Cafélia v2"

    def test_growing_metrics_update_the_row(self, store: Any) -> None:
        store.write(matched(mention(1, metrics=Metrics(likes=1))))
        result = store.write(matched(mention(1, metrics=Metrics(likes=500))))
        assert result.updated == 1
        assert store.get_mention("x", "1001").mention.metrics.likes == 500

    def test_rollups_per_watch_per_minute(self, store: Any) -> None:
        batch = [
            mention(1, text="Cafélia !"),
            mention(2, text="cafelia rembourse"),
            mention(3, text="rien à voir"),
        ]
        store.write(matched(*batch))
        points = store.volume(["cafelia", "refunds", ALL], T0, T0 + timedelta(hours=1), "minute")
        got = {(p.watch_id, p.bucket_start): p.volume for p in points}
        assert got == {
            ("cafelia", T0 + timedelta(minutes=1)): 1,
            ("cafelia", T0 + timedelta(minutes=2)): 1,
            ("refunds", T0 + timedelta(minutes=2)): 1,
            (ALL, T0 + timedelta(minutes=1)): 1,
            (ALL, T0 + timedelta(minutes=2)): 1,
            (ALL, T0 + timedelta(minutes=3)): 1,
        }
        hourly = store.volume(["cafelia"], T0, T0 + timedelta(hours=1), "hour")
        assert [(p.bucket_start, p.volume) for p in hourly] == [(T0, 2)]

    def test_analysis_round_trips_and_counts_in_rollups(self, store: Any) -> None:
        neg = Sentiment("negative", 0.875)
        m = mention(
            1,
            sentiment=neg,
            emotions=(("anger", 0.5), ("joy", 0.25)),
            toxicity=0.125,
            complaint=0.75,
        )
        batch = [m, mention(2, sentiment=Sentiment("positive", 0.5)), mention(3)]
        store.write(matched(*batch))
        assert store.get_mention("x", "1001").mention == m
        assert store.get_mention("x", "1003").mention.sentiment is None
        day = (T0, T0 + timedelta(days=1))
        [point] = store.volume(["cafelia"], *day, "day")
        assert (point.volume, point.negative, point.neutral, point.positive) == (3, 1, 0, 1)

    def test_analysis_changes_move_the_sentiment_counts(self, store: Any) -> None:
        day = (T0, T0 + timedelta(days=1))

        def counts() -> tuple[int, int, int, int]:
            [p] = store.volume(["cafelia"], *day, "day")
            return (p.volume, p.negative, p.neutral, p.positive)

        store.write(matched(mention(1)))
        assert counts() == (1, 0, 0, 0)
        # The same content analysed later fills the row in.
        analysed = mention(1, sentiment=Sentiment("neutral", 0.6))
        assert store.write(matched(analysed)).updated == 1
        assert counts() == (1, 0, 1, 0)
        # Analysed again (another model, the same content): not a new version.
        again = mention(1, sentiment=Sentiment("positive", 0.7))
        assert store.write(matched(again)).unchanged == 1
        assert counts() == (1, 0, 1, 0)
        # Imported again without analysis: the stored analysis stays.
        assert store.write(matched(mention(1))).unchanged == 1
        assert store.get_mention("x", "1001").mention.sentiment == Sentiment("neutral", 0.6)
        # An edit with a new label moves the count.
        edited = mention(
            1,
            text="Cafélia ne rembourse rien",
            edited_at=T0 + timedelta(hours=1),
            sentiment=Sentiment("negative", 0.9),
        )
        assert store.write(matched(edited)).updated == 1
        assert counts() == (1, 1, 0, 0)
        [total] = store.volume([ALL], *day, "day")
        assert (total.volume, total.negative, total.neutral) == (1, 1, 0)

    def test_dead_letters_are_kept_once_with_raw_bytes(self, store: Any) -> None:
        bad = DeadLetter("f.jsonl", "jsonl", "line 3", "invalid JSON", b"{\xff nope")
        r1 = store.write(matched(mention(1)), [bad])
        r2 = store.write([], [bad])
        assert (r1.dead_letters, r2.dead_letters) == (1, 0)
        assert store.count_dead_letters() == 1
        [stored] = store.dead_letters()
        assert stored.letter == bad

    def test_failed_batch_writes_nothing(self, store: Any) -> None:
        good = matched(mention(1), mention(2))
        broken = matched(mention(3, raw=object()))  # not bytes: the database refuses it
        with pytest.raises(Exception):  # noqa: B017 - any driver error will do
            store.write(good + broken, [DeadLetter("f", "jsonl", "1", "x", b"x")])
        assert store.count_mentions() == 0
        assert store.count_dead_letters() == 0
        assert store.volume([ALL], T0, T0 + timedelta(days=1), "day") == []
        store.write(good)
        assert store.count_mentions() == 2

    def test_search_query_language_and_filters(self, store: Any) -> None:
        batch = [
            mention(1, text="Je veux être remboursé par Cafélia", language="fr"),
            mention(2, text="Cafelia refunded me, thanks", language="en"),
            mention(3, text="Snаpchat a un café", language="fr"),  # Cyrillic а
            mention(4, text="Brewster est un scandale", language="fr", platform="bluesky"),
            mention(5, text="ＣＡＦＥＬＩＡ en pleine largeur", language="fr-CA"),
        ]
        store.write(matched(*batch))
        assert texts(store.search(SearchQuery(text="rembours*"))) == [batch[0].text]
        assert texts(store.search(SearchQuery(text="snapchat"))) == [batch[2].text]
        assert texts(store.search(SearchQuery(text="cafelia", languages=("fr",)))) == [
            batch[4].text,
            batch[0].text,
        ]
        assert texts(store.search(SearchQuery(text="cafelia", languages=("en",)))) == [
            batch[1].text
        ]
        assert texts(store.search(SearchQuery(platforms=("bluesky",)))) == [batch[3].text]
        assert texts(store.search(SearchQuery(text="cafelia NOT rembours*"))) == [
            batch[4].text,
            batch[1].text,
        ]
        assert texts(store.search(SearchQuery(text="NOT cafelia"))) == [
            batch[3].text,
            batch[2].text,
        ]
        since = T0 + timedelta(minutes=2)
        until = T0 + timedelta(minutes=4)
        assert texts(store.search(SearchQuery(since=since, until=until))) == [
            batch[2].text,
            batch[1].text,
        ]
        assert texts(store.search(SearchQuery(watch_id="refunds"))) == [
            batch[1].text,
            batch[0].text,
        ]
        assert len(list(store.search(SearchQuery(limit=2)))) == 2

    def test_rematch_carries_sentiment_counts(self, store: Any) -> None:
        store.write(matched(mention(1, sentiment=Sentiment("negative", 0.9)), watches=[]))
        day = (T0, T0 + timedelta(days=1))
        assert store.volume(["cafelia"], *day, "day") == []
        assert store.rematch(WatchIndex(WATCHES)) == 1
        [p] = store.volume(["cafelia"], *day, "day")
        assert (p.volume, p.negative) == (1, 1)

    def test_rematch_applies_changed_watches_to_stored_mentions(self, store: Any) -> None:
        batch = [mention(1, text="Brewster rembourse"), mention(2, text="Cafélia top")]
        store.write(matched(*batch, watches=WATCHES[:1]))
        assert texts(store.search(SearchQuery(watch_id="brewster"))) == []
        assert store.rematch(WatchIndex(WATCHES[1:])) == 2  # cafelia dropped, two added
        assert texts(store.search(SearchQuery(watch_id="brewster"))) == [batch[0].text]
        assert texts(store.search(SearchQuery(watch_id="cafelia"))) == []
        day = (T0, T0 + timedelta(days=1))
        volumes = {
            p.watch_id: p.volume
            for p in store.volume(["cafelia", "brewster", "refunds", ALL], *day, "day")
        }
        assert volumes == {"brewster": 1, "refunds": 1, ALL: 2}
        assert store.rematch(WatchIndex(WATCHES[1:])) == 0

    def test_erasing_an_author_removes_their_posts_everywhere(self, store: Any) -> None:
        from tocsin.domain import Author

        gone = Author("x", "u-gone", "critic", "Critic", 10)
        batch = [
            mention(1, text="Cafélia arnaque", author=gone),
            mention(2, text="Cafélia top"),
            mention(3, text="Cafélia encore", author=gone),
        ]
        store.write(matched(*batch))
        assert store.erase_author("x", "u-gone") == 2
        assert store.count_mentions() == 1
        assert store.get_mention("x", "1001") is None
        assert texts(store.search(SearchQuery(text="arnaque"))) == []
        assert texts(store.search(SearchQuery(watch_id="cafelia"))) == [batch[1].text]
        assert store.erase_author("x", "u-gone") == 0

    def test_retention_deletes_old_mentions_and_dead_letters(self, store: Any) -> None:
        batch = [mention(i, text=f"Cafélia {i}") for i in range(1, 6)]
        store.write(matched(*batch), [DeadLetter("f", "jsonl", "1", "bad", b"x")])
        cutoff = T0 + timedelta(minutes=3)
        deleted, _ = store.apply_retention(cutoff)
        assert deleted == 2
        assert texts(store.search(SearchQuery(text="cafelia"))) == [
            "Cafélia 5",
            "Cafélia 4",
            "Cafélia 3",
        ]
        # aggregates stay: the volume of those minutes is not personal data
        day = store.volume(["cafelia"], T0, T0 + timedelta(days=1), "day")
        assert [p.volume for p in day] == [5]
        assert store.count_dead_letters() == 1
        store.apply_retention(datetime.now(UTC) + timedelta(days=1))
        assert store.count_dead_letters() == 0
        assert store.count_mentions() == 0
