"""Campaign-hashtag hijack: contract, each view, small counts, embeddings, exact replays."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from tests.detect.contract import DetectorContract, Make, Stream
from tests.detect.posts import HIJACK, bucket_times, campaign_posts, post
from tocsin.detect import DetectError, HashtagConfig, HashtagHijackDetector
from tocsin.detect._cues import mockery_cues
from tocsin.domain import Mention

EVENT = 24 * 7 + 19  # Monday of week 2, 19:00
TAG = HashtagConfig(hashtags=("#CafeliaStories",))


def replay(rows: list, config: HashtagConfig = TAG, embed: bool = False) -> list[tuple[int, str]]:
    d = HashtagHijackDetector(config)
    out = []
    for i, (t, ms) in enumerate(rows):
        vectors = embeddings(ms) if embed else None
        out += [(i, s.details["view"]) for s in d.observe("w", t, ms, vectors)]
    return out


def embeddings(mentions: list[Mention], dim: int = 512) -> np.ndarray:
    """Synthetic 512-d unit vectors: posts about the hijack words near one direction, the
    others near another, with noise seeded by the post's id."""
    out = np.empty((len(mentions), dim), dtype=np.float32)
    for i, m in enumerate(mentions):
        rng = np.random.default_rng(int(m.native_id[1:]))
        axis = 1 if any(w in m.text for w in HIJACK) else 0
        v = rng.normal(0, 0.04, dim)
        v[axis] += 1.0
        out[i] = v / np.linalg.norm(v)
    return out


class TestContract(DetectorContract):
    @pytest.fixture
    def make(self) -> Make:
        return lambda: HashtagHijackDetector(TAG)

    @pytest.fixture
    def stream(self) -> Stream:
        return campaign_posts(5, 24 * 9, events=((EVENT, 3, 0.7, 0.8, 0.5),))  # type: ignore[return-value]

    @pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
    def test_non_finite_values_are_refused(self, make: Make, stream: Stream, bad: float) -> None:
        detector = make()
        t, ms = stream[20]
        v = embeddings(ms)  # type: ignore[arg-type]
        v[0, 3] = bad
        for vectors in (v, v[1:]):
            with pytest.raises(DetectError):
                detector.update(t, ms, vectors)
            with pytest.raises(DetectError):
                detector.score_one(t, ms, vectors)


def test_mockery_cues_in_french_and_english() -> None:
    assert mockery_cues("Super campagne 😂😂") == ["emoji"]
    assert mockery_cues("MDRRR leurs « produits frais »") == ["laughter", "quotes"]
    assert mockery_cues("Yeah right, so ethical /s") == ["irony"]
    assert mockery_cues("Bien sûr, on y croit") == ["irony"]
    assert mockery_cues("Le croissant du dimanche avec mamie") == []


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_hijack_rings_on_its_first_hour(seed: int) -> None:
    """70 % of the tag's posts turn to complaints (80 % negative, half with 😂) for 3 hours."""
    rows = campaign_posts(seed, 24 * 10, events=((EVENT, 3, 0.7, 0.8, 0.5),))
    assert [i for i, _ in replay(rows)] == [EVENT, EVENT + 1, EVENT + 2]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_off_topic_alone_rings_by_words_and_by_embeddings(seed: int) -> None:
    """Neutral posts, no cue, but about something else: only the off-topic view sees it."""
    rows = campaign_posts(seed, 24 * 10, events=((EVENT, 3, 0.8, 0.0, 0.0),))
    expected = [(EVENT, "off_topic"), (EVENT + 1, "off_topic"), (EVENT + 2, "off_topic")]
    assert replay(rows) == expected
    assert replay(rows, embed=True) == expected


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_quiet_weeks_stay_quiet(seed: int) -> None:
    assert replay(campaign_posts(seed, 24 * 10)) == []


def test_a_hashtag_hijacked_from_its_first_hours_rings_on_its_priors() -> None:
    """#McDStories turned within hours: no baseline yet, the priors (20 % negative, 10 %
    mocking) judge it."""
    t = bucket_times(1)[0]
    rng = random.Random(1)
    mean = [post(f"#McDStories {w} 😂", t, label="negative") for w in rng.choices(HIJACK, k=20)] + [
        post("#McDStories farmers", t) for _ in range(5)
    ]
    d = HashtagHijackDetector(HashtagConfig(hashtags=("McDStories",)))
    (s,) = d.observe("w", t, mean)
    assert s.subject == "#mcdstories" and s.kind == "hashtag_hijack"
    assert s.details["view"] in ("negative", "mocking") and s.details["mockery_cues"]["emoji"] == 20
    assert len(s.mention_keys) == 5 and set(s.mention_keys) <= {m.key for m in mean[:20]}


def test_a_handful_of_mocking_posts_does_not_ring() -> None:
    rows = campaign_posts(1, 24 * 8)
    t, ms = rows[-1]
    extra = [post("#CafeliaStories lol 😂 « frais »", t, label="negative") for _ in range(4)]
    d = HashtagHijackDetector(TAG)
    for tt, mm in rows[:-1]:
        d.update(tt, mm)
    assert not d.alert(d.score_one(t, ms + extra))
    assert d.alert(d.score_one(t, ms + extra * 3))  # twelve do


def test_posts_without_the_hashtag_are_ignored() -> None:
    t = bucket_times(1)[0]
    angry = [post("quelle honte 😂 lol", t, label="negative") for _ in range(50)]
    d = HashtagHijackDetector(TAG)
    assert d.update(t, angry) == 0.0
    assert HashtagHijackDetector(HashtagConfig()).update(t, angry) == 0.0  # no hashtag at all
    with pytest.raises(DetectError):
        HashtagConfig(hashtags=("#",))


def test_embeddings_decide_off_topic_when_given() -> None:
    """The same off-topic words, but embeddings saying every post is on the campaign's topic:
    with the embeddings nothing rings; without, the words ring."""
    rows = campaign_posts(1, 24 * 9, events=((EVENT, 3, 0.8, 0.0, 0.0),))
    d = HashtagHijackDetector(TAG)
    rung = []
    for i, (t, ms) in enumerate(rows):
        same = np.zeros((len(ms), 512), dtype=np.float32)
        same[:, 0] = 1.0
        rung += [i for _ in d.observe("w", t, ms, same)]
    assert rung == []
    assert [i for i, _ in replay(rows)] == [EVENT, EVENT + 1, EVENT + 2]
