"""Alarm-words detector: contract, words that are always there, small counts, exact replays."""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.detect.contract import DetectorContract, Make, Stream
from tests.detect.posts import bucket_times, post, text_posts
from tocsin.detect import AlarmWordsConfig, AlarmWordsDetector, DetectError

EVENT = 24 * 7 + 19  # Monday of week 2, 19:00
DAYS10 = 24 * 10
USUAL = (("quelle honte ce bouchon", 0.3), ("rappel", 0.05))  # "honte" is always there


def replay(rows: list, config: AlarmWordsConfig | None = None) -> list[tuple[int, str]]:
    d = AlarmWordsDetector(config)
    out = []
    for i, (t, mentions) in enumerate(rows):
        out += [(i, s.subject) for s in d.observe("w", t, mentions)]
    return out


class TestContract(DetectorContract):
    @pytest.fixture
    def make(self) -> Make:
        return AlarmWordsDetector

    @pytest.fixture
    def stream(self) -> Stream:
        rows = text_posts(2, 24 * 10, usual=USUAL, events=((24 * 8 + 19, 3, "#boycott", 0.3),))
        d = AlarmWordsDetector()
        return [(t, d.count(ms)) for t, ms in rows]  # type: ignore[misc]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        t = stream[0][0]
        xs: list[Any] = [(bad, {}), (3, {"boycott": bad}), (3, {"boycott": 5}), (3, {"zut": 1})]
        xs += [bad, (3, ["boycott"]), (3,)]
        for x in xs:
            with pytest.raises(DetectError):
                detector.update(t, x)
            with pytest.raises(DetectError):
                detector.score_one(t, x)


def test_words_are_matched_after_normalisation_never_as_patterns() -> None:
    d = AlarmWordsDetector(AlarmWordsConfig(words=("Rappel produit", "a.*", "SCAM")))
    t = bucket_times(1)[0]
    assert d.words_in(post("RAPPEL  PRODUITS chez Cafélia !!", t)) == ["rappel produit"]
    assert d.words_in(post("C'est un ＳＣАМ", t)) == ["scam"]  # full width, Cyrillic А
    assert d.words_in(post("scammer, scampi, rappel", t)) == []
    assert d.words_in(post("abc a.* def", t)) == ["a"]  # "a.*" is the word "a", not a pattern
    with pytest.raises(DetectError):
        AlarmWordsConfig(words=("!!", "  "))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_boycott_call_rings_and_a_word_always_there_does_not(seed: int) -> None:
    """30 % of posts always say "honte" and 5 % "rappel"; then "#boycott" in 30 % of the posts
    of three evening hours (about 8 a bucket where none was usual)."""
    rows = text_posts(seed, DAYS10, usual=USUAL, events=((EVENT, 3, "#Boycott", 0.3),))
    assert replay(rows) == [(EVENT, "boycott"), (EVENT + 1, "boycott"), (EVENT + 2, "boycott")]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_quiet_weeks_stay_quiet(seed: int) -> None:
    assert replay(text_posts(seed, DAYS10, usual=USUAL)) == []


def test_a_volume_surge_alone_does_not_ring() -> None:
    """Three times the posts, the same rate of "honte" and "rappel": a volume matter."""
    rows = text_posts(1, DAYS10, usual=USUAL)
    rows[EVENT] = (rows[EVENT][0], rows[EVENT][1] * 3)
    assert replay(rows) == []


@pytest.mark.parametrize(("seed", "expected"), [(1, []), (2, []), (3, [])])
def test_two_posts_with_a_new_word_do_not_ring(seed: int, expected: list) -> None:
    """About 2 posts an hour (past the 200-post warm-up by day 9); "arnaque" in two posts of
    one evening hour: under ``min_posts``."""
    late = EVENT + 48
    rows = text_posts(seed, DAYS10, base=2.0, usual=USUAL)
    t, ms = rows[late]
    rows[late] = (t, [*ms, post("arnaque !", t), post("quelle arnaque", t)])
    assert replay(rows) == expected
    rows[late] = (t, [*rows[late][1], post("une ARNAQUE", t)])
    assert replay(rows) == [(late, "arnaque")]  # a third one does


def test_a_word_can_become_usual_once_told() -> None:
    rows = text_posts(4, DAYS10 + 24 * 4, usual=USUAL, events=((EVENT, 24 * 7, "scandale", 0.3),))
    never = replay(rows, AlarmWordsConfig(rebaseline_after=None))
    accepted = replay(rows, AlarmWordsConfig(rebaseline_after=24))
    assert len(accepted) < len(never)
    assert max(i for i, _ in accepted) < EVENT + 48 < max(i for i, _ in never)


def test_signal_of_a_word() -> None:
    rows = text_posts(1, DAYS10, usual=USUAL, events=((EVENT, 1, "plainte déposée", 0.4),))
    d = AlarmWordsDetector()
    for t, ms in rows[:EVENT]:
        assert d.observe("w9", t, ms) == []
    t, ms = rows[EVENT]
    (s,) = d.observe("w9", t, ms)
    assert (s.kind, s.subject, s.watch_id) == ("alarm_words", "plainte", "w9")
    carriers = [m for m in ms if "plainte" in m.text]
    assert s.observed == len(carriers) and s.expected is not None and s.expected < 0.5
    assert set(s.mention_keys) <= {m.key for m in carriers} and len(s.mention_keys) == 5
    assert s.details["n_posts"] == len(ms)
