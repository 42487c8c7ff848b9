"""Shared-link detector: contract, distinct voices, the new-link rule, exact replays."""

from __future__ import annotations

import math
import pickle
import random
from datetime import datetime, timedelta

import pytest

from tests.detect.contract import DetectorContract, Make, Stream
from tests.detect.posts import QUIET, minutes, post
from tests.detect.streams import HOUR, MONDAY, poisson, rate
from tocsin.detect import DetectError, SharedLinkConfig, SharedLinkDetector
from tocsin.domain import Mention

EVENT = 24 * 8 + 10  # Tuesday of week 2, 10:00
BLOG = "https://www.carnet.example/2026/01/duo-en-panne/"
BLOG_KEY = "carnet.example/2026/01/duo-en-panne"  # normalised
PROMO = "https://cafelia.example/printemps"
BRAND = ("https://cafelia.example/carte", "https://cafelia.example/fidelite")

# (start, hours, url, new voices per hour of the event (its i-th hour: i * per_hour), negative)
Event = tuple[int, int, str, int, float]


def link_posts(
    seed: int, hours: int, base: float = 20.0, events: tuple[Event, ...] = ()
) -> list[tuple[datetime, list[Mention]]]:
    """Hourly buckets of posts from ``QUIET``, 15 % negative; 15 % carry a one-off link, 5 % one
    of the brand's own pages, and a tenth of the posts with a link are reposted. Each event
    ``(start, hours, url, per_hour, negative)`` adds ``i * per_hour`` new authors linking to
    ``url`` in its ``i``-th hour, negative with chance ``negative``."""
    rng, erng = random.Random(seed), random.Random(-seed)  # the events' own: same background
    out = []
    voices = 0
    for i in range(hours):
        t = MONDAY + i * HOUR
        bucket = []
        for _ in range(poisson(rng, rate(t, base))):
            label = "negative" if rng.random() < 0.15 else rng.choice(("neutral", "positive"))
            r = rng.random()
            links: tuple[str, ...] = ()
            if r < 0.15:
                links = (f"https://news.example/{rng.randrange(10**6)}",)
            elif r < 0.20:
                links = (rng.choice(BRAND),)
            at = minutes(t, rng.uniform(0, 59))
            m = post(
                rng.choice(QUIET), at, label=label, author=f"u{rng.randrange(3000)}",
                followers=rng.randint(10, 5000),
            ).with_(links=links)  # fmt: skip
            bucket.append(m)
            if links and rng.random() < 0.1:
                bucket.append(
                    post(m.text, at, label=label, author=f"u{rng.randrange(3000)}",
                         repost_of=m.native_id).with_(links=links)
                )  # fmt: skip
        for start, length, url, per_hour, neg in events:
            if start <= i < start + length:
                for _ in range((i - start + 1) * per_hour):
                    voices += 1
                    label = "negative" if erng.random() < neg else "positive"
                    bucket.append(
                        post(f"Lisez ça {url}", minutes(t, erng.uniform(0, 59)), label=label,
                             author=f"v{voices}", followers=erng.randint(10, 5000)).with_(
                            links=(url,)
                        )
                    )  # fmt: skip
        out.append((t, bucket))
    return out


def rings(rows: list, config: SharedLinkConfig | None = None) -> list[tuple[int, str, int]]:
    d = SharedLinkDetector(config)
    return [
        (i, s.subject, s.details["negative_voices"])
        for i, (t, ms) in enumerate(rows)
        for s in d.observe("w", t, ms)
    ]


class TestContract(DetectorContract):
    @pytest.fixture
    def make(self) -> Make:
        return SharedLinkDetector

    @pytest.fixture
    def stream(self) -> Stream:
        return link_posts(3, 24 * 9, events=((EVENT, 4, BLOG, 1, 1.0),))  # type: ignore[return-value]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        with pytest.raises(DetectError):
            detector.update(bad, stream[0][1])
        with pytest.raises(DetectError):
            detector.score_one(bad, stream[0][1])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_negative_link_rings_once_three_authors_share_it(seed: int) -> None:
    # 1, then 2, then 3 new negative voices an hour: 3 voices by the event's second hour
    rows = link_posts(seed, 24 * 9, events=((EVENT, 4, BLOG, 1, 1.0),))
    b = BLOG_KEY
    assert rings(rows) == [(EVENT + 1, b, 3), (EVENT + 2, b, 6), (EVENT + 3, b, 10)]


def test_the_signal_names_the_link_and_its_voices() -> None:
    rows = link_posts(1, 24 * 9, events=((EVENT, 2, BLOG, 1, 1.0),))
    d = SharedLinkDetector()
    out = [s for t, ms in rows for s in d.observe("w", t, ms)]
    [s] = out
    assert (s.kind, s.subject, s.observed) == ("shared_link", BLOG_KEY, 3)
    assert s.details["url"] == BLOG and s.details["buckets"] == 2
    assert (s.details["voices"], s.details["judged"], s.details["new_negative"]) == (3, 3, 2)
    posts = {m.key: m for _, ms in rows for m in ms}
    audiences = [posts[k].author.followers or 0 for k in s.mention_keys]
    assert len(audiences) == 3 and audiences == sorted(audiences, reverse=True)
    assert s.details["reach"] == audiences[0]
    assert 0.4 <= s.score < 0.6  # rings, not strong enough to open an incident alone


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_brand_promotion_shared_by_many_happy_people_does_not_ring(seed: int) -> None:
    # 3, 6, 9, 12 new voices an hour, 10 % negative
    rows = link_posts(seed, 24 * 9, events=((EVENT, 4, PROMO, 3, 0.1),))
    assert rings(rows) == []


def test_reposts_and_one_author_posting_again_are_not_new_voices() -> None:
    rows = link_posts(1, 24 * 9)
    t, ms = rows[EVENT]
    first = post(f"Honte {BLOG}", t, label="negative", author="blogger").with_(links=(BLOG,))
    echo = [
        post(f"Honte {BLOG}", minutes(t, 5 + i), label="negative", author=f"r{i}",
             repost_of=first.native_id).with_(links=(BLOG,))
        for i in range(30)
    ] + [
        post(f"Encore {BLOG}", minutes(t, 40 + i), label="negative", author="blogger").with_(
            links=(BLOG,)
        )
        for i in range(5)
    ]  # fmt: skip
    rows[EVENT] = (t, [*ms, first, *echo])
    assert rings(rows) == []


def test_without_sentiment_it_stays_silent() -> None:
    rows = link_posts(1, 24 * 9, events=((EVENT, 4, BLOG, 1, 1.0),))
    blank = [(t, [m.with_(sentiment=None) for m in ms]) for t, ms in rows]
    assert rings(blank) == []


def test_a_link_seen_while_settling_is_the_watchs_own_and_never_rings() -> None:
    rows = link_posts(1, 24 * 9, events=((EVENT, 4, BRAND[0], 1, 1.0),))
    assert rings(rows) == []
    assert rings(rows, SharedLinkConfig(settle=0)) != []  # the same, not settled: it would


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_quiet_weeks_do_not_ring(seed: int) -> None:
    assert rings(link_posts(seed, 24 * 21)) == []


def test_the_history_is_learned_and_a_crisis_is_not() -> None:
    quiet = link_posts(2, 24 * 9)
    loud = link_posts(2, 24 * 9, events=((EVENT, 4, BLOG, 1, 1.0),))
    a, b = SharedLinkDetector(), SharedLinkDetector()
    for (t, ms), (_, ms2) in zip(quiet, loud, strict=True):
        a.update(t, ms)
        b.update(t, ms2)
    later = MONDAY + 24 * 9 * HOUR + timedelta(days=2)
    a.update(later, [])
    b.update(later, [])  # every link left the window: learned, the blog's excepted
    assert a.learned > 100 and a.more < SharedLinkConfig().prior_more
    assert pickle.dumps((a.learned, a.with_negative, a.voices, a.extra)) == pickle.dumps(
        (b.learned, b.with_negative, b.voices, b.extra)
    )
    assert a.links == {} == b.links


def test_memory_is_bounded() -> None:
    d = SharedLinkDetector(SharedLinkConfig(max_links=50, settle=0))
    for t, ms in link_posts(4, 24 * 3):
        d.update(t, ms)
        assert len(d.links) <= 50
    assert d.learned > 0


def test_settings_are_checked() -> None:
    for bad in (
        {"window": 0}, {"prior_more": 1.0}, {"min_negative": 1}, {"min_share": 1.0},
        {"max_links": 0}, {"alert_score": 1.0},
    ):  # fmt: skip
        with pytest.raises(DetectError):
            SharedLinkConfig(**bad)  # type: ignore[arg-type]


def test_neutral_voices_take_no_side_positive_ones_do() -> None:
    rows = link_posts(1, 24 * 9)
    t, ms = rows[EVENT]

    def voices(labels: list[str]) -> list[Mention]:
        return [
            post(f"Pareil {BLOG}", minutes(t, i), label=label, author=f"s{i}").with_(links=(BLOG,))
            for i, label in enumerate(labels)
        ]

    flat = [*["negative"] * 3, *["neutral"] * 6]  # "me too", "read this": worded flatly
    rows[EVENT] = (t, [*ms, *voices(flat)])
    assert rings(rows) == [(EVENT, BLOG_KEY, 3)]
    rows[EVENT] = (t, [*ms, *voices([*["negative"] * 3, *["positive"] * 3])])
    assert rings(rows) == []  # half of those taking a side: a debate, not a pile-on


def test_complaints_worded_flatly_are_critical_voices() -> None:
    rows = link_posts(1, 24 * 9)
    t, ms = rows[EVENT]

    def voices(label: str, complaint: float) -> list[Mention]:
        return [
            post(
                f"Moi aussi, ma Duo fuit {BLOG}", minutes(t, i), label=label, author=f"c{i}"
            ).with_(links=(BLOG,), complaint=complaint)
            for i in range(3)
        ]

    rows[EVENT] = (t, [*ms, *voices("neutral", 0.8)])  # "me too, mine leaks": a complaint
    assert rings(rows) == [(EVENT, BLOG_KEY, 3)]
    rows[EVENT] = (t, [*ms, *voices("neutral", 0.3)])  # below the complaint score: no side
    assert rings(rows) == []
    rows[EVENT] = (t, [*ms, *voices("positive", 0.8)])  # "best machine ever": not a complaint
    assert rings(rows) == []


def test_passing_on_a_critical_page_is_critical() -> None:
    rows = link_posts(1, 24 * 9)
    t, ms = rows[EVENT]
    page = post(
        "Ma machine Duo en panne au bout de trois semaines, et le SAV ne répond pas.",
        minutes(t, 1), label="negative", author="blogger",
    ).with_(title="Cafélia Duo : trois semaines", url=BLOG)  # fmt: skip
    flat = [
        post(f"Lisez ça {BLOG}", minutes(t, 10 + i), label="neutral", author=f"r{i}").with_(
            links=(BLOG,)
        )
        for i in range(2)
    ]
    rows[EVENT] = (t, [*ms, *flat])
    assert rings(rows) == []  # two flat shares: no side taken
    rows[EVENT] = (t, [*ms, page, *flat])
    assert rings(rows) == [(EVENT, BLOG_KEY, 3)]  # the page's author and the two who pass it on
    happy = post("Ma Duo est parfaite, merci !", minutes(t, 1), label="positive", author="blogger")
    rows[EVENT] = (t, [*ms, happy.with_(title="Cafélia Duo", url=BLOG), *flat])
    assert rings(rows) == []  # a happy page passed on is not criticism
