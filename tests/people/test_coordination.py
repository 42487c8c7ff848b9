"""Coordination signals: the planted group is found, ordinary enthusiasm and sharing are not
called coordination, and the wording stays "possible coordination"."""

from __future__ import annotations

import hashlib
import itertools
from datetime import datetime, timedelta

import numpy as np

from tests.people.stored import BURST, T0, conversation, store_with
from tocsin.demo.config import DemoConfig
from tocsin.demo.stream import generate
from tocsin.domain import Author, Mention
from tocsin.people.coordination import (
    _A,
    _B,
    _BANDS,
    _PRIME,
    _ROWS,
    CoordinationRules,
    coordination_signals,
    link_key,
    minhash,
    minhashes,
    near_identical_groups,
    shingles,
    words,
)
from tocsin.people.profiles import update_profiles
from tocsin.people.service import identities, watch_coordination


def _key(author: Author) -> str:
    return f"{author.platform}:{author.id}"


def _post(i: int, who: str, text: str, at: datetime, **kw: object) -> Mention:
    return Mention("x", str(i), Author("x", who, who), text, at, raw=b"{}", **kw)  # type: ignore[arg-type]


def test_the_planted_group_is_found_from_the_store() -> None:
    store = store_with(conversation())
    update_profiles(store)
    found = watch_coordination(store, "acme", until=T0 + timedelta(days=8))
    assert found, "the planted group was missed"
    top = found[0]
    names = identities(store, list(top.authors))
    assert sorted(names[k].handle for k in top.authors) == sorted(f"bot{i}" for i in range(12))
    assert top.kind == "near_identical" and top.confidence >= 0.85
    assert top.evidence["new_or_low_history"] == 1.0 and top.evidence["synchronised"] == 1.0
    assert top.evidence["link"] == "bit.ly/acme-lies" and len(top.mention_keys) == 12
    assert top.summary.startswith("possible coordination: 12 accounts posted near-identical text")
    everyone = {k for signal in found for k in signal.authors}
    enthusiast = [
        k for k, who in identities(store, list(everyone)).items() if who.handle == "enthusiast"
    ]
    assert enthusiast == []  # one account repeating itself is not coordination


def test_a_lone_enthusiast_is_not_coordination() -> None:
    posts = [
        _post(i, "fan", f"I love acme so much, best machine ever {'!' * i}", BURST)
        for i in range(10)
    ]
    assert near_identical_groups(posts, CoordinationRules()) != []  # the texts are grouped …
    assert coordination_signals(posts, {}, _key) == []  # … but one account is not a group


def test_established_accounts_sharing_a_slogan_over_hours_stay_low() -> None:
    slogan = "Keep the Lyon shop open, sign the petition for acme"
    posts = [_post(i, f"old{i}", slogan, BURST + timedelta(minutes=25 * i)) for i in range(6)]
    history = {("x", f"old{i}"): (T0 - timedelta(days=300), 200) for i in range(6)}
    (signal,) = coordination_signals(posts, history, _key)
    assert signal.evidence["new_or_low_history"] == 0 and signal.evidence["synchronised"] < 0.5
    assert signal.confidence < 0.3
    # The same posts from accounts never heard before, within a minute: twice as high.
    fresh = [p.with_(created_at=BURST + timedelta(seconds=8 * i)) for i, p in enumerate(posts)]
    (burst,) = coordination_signals(fresh, {}, _key)
    assert burst.confidence > 2 * signal.confidence


def test_a_shared_link_burst_from_new_accounts() -> None:
    link = "https://www.Example.com/leak/?utm_source=x#top"
    texts = ["look at this", "acme hides it", "wow, read this now", "they knew", "share it"]
    posts = [
        _post(i, f"new{i}", f"{text} {link}", BURST + timedelta(seconds=9 * i), links=(link,))
        for i, text in enumerate(texts)
    ]
    (signal,) = coordination_signals(posts, {}, _key)
    assert signal.kind == "shared_link" and signal.evidence["link"] == "example.com/leak"
    assert "the same link (example.com/leak)" in signal.summary
    # A news article shared through the day by established accounts: low.
    spread = [p.with_(created_at=BURST + timedelta(minutes=20 * i)) for i, p in enumerate(posts)]
    history = {("x", f"new{i}"): (T0 - timedelta(days=100), 50) for i in range(5)}
    (news,) = coordination_signals(spread, history, _key)
    assert news.confidence < 0.2 < signal.confidence


def test_reposts_are_not_near_identical_posts() -> None:
    posts = [
        _post(i, f"r{i}", "RT acme hides the recall, boycott acme now", BURST, repost_of="1")
        for i in range(10)
    ]
    assert coordination_signals(posts, {}, _key) == []


def test_normalisation_and_similarity() -> None:
    assert words("RT @bob: Acmé LIES!!! https://t.co/x #boycott 2026") == ["rt", "acme", "lies"]
    a = shingles(words("acme lies to its customers and hides the recall boycott now"))
    b = shingles(words("acme lies to its customers and hides the recall, boycott now!!"))
    c = shingles(words("the new acme coffee machine is quiet and fast, love it"))
    assert a == b and len(a & c) == 0
    sig_a, sig_c = minhash(a), minhash(c)
    assert (sig_a == minhash(b)).all() and (sig_a == sig_c).mean() < 0.2
    assert link_key("HTTPS://www.Acme.com/a/b/?q=1") == "acme.com/a/b"


# -- the grouping equals the plain computation it replaced (one MinHash per post, every
# -- candidate compared with its bucket's first post) ---------------------------------------


def _reference_minhash(items: set[str]) -> np.ndarray:
    base = np.array(
        [int.from_bytes(hashlib.blake2b(s.encode(), digest_size=4).digest(), "big") for s in items],
        dtype=np.uint64,
    )
    values = (base[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)
    result: np.ndarray = values.min(axis=0)
    return result


def _reference_groups(posts: list[Mention], rules: CoordinationRules) -> list[list[int]]:
    sets: dict[int, set[str]] = {}
    for i, m in enumerate(posts):
        if m.repost_of:
            continue
        tokens = words(m.text)
        if len(tokens) >= rules.min_words:
            sets[i] = shingles(tokens)
    parent = list(range(len(posts)))

    def find(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    buckets: dict[tuple[int, bytes], list[int]] = {}
    for i, items in sets.items():
        signature = _reference_minhash(items)
        for band in range(_BANDS):
            chunk = signature[band * _ROWS : (band + 1) * _ROWS].tobytes()
            buckets.setdefault((band, chunk), []).append(i)
    for members in buckets.values():
        first = members[0]
        for other in members[1:]:
            a, b = sets[first], sets[other]
            if len(a & b) / len(a | b) >= rules.similarity:
                x, y = find(first), find(other)
                parent[max(x, y)] = min(x, y)
    found: dict[int, list[int]] = {}
    for i in sets:
        found.setdefault(find(i), []).append(i)
    return [g for g in found.values() if len(g) > 1]


def _seeded_corpus(seed: int, n: int) -> list[Mention]:
    """Templates with a few words swapped (similarities on both sides of 0.7), exact copies,
    reposts, short posts, all shuffled."""
    rng = np.random.default_rng(seed)
    vocab = [f"w{k}" for k in range(60)]
    templates = [list(rng.choice(vocab, size=int(rng.integers(5, 16)))) for _ in range(40)]
    posts = []
    for i in range(n):
        tokens = list(templates[int(rng.integers(len(templates)))])
        for _ in range(int(rng.integers(0, 4))):
            tokens[int(rng.integers(len(tokens)))] = str(rng.choice(vocab))
        if rng.random() < 0.1:
            tokens = tokens[:3]
        at = BURST + timedelta(seconds=int(rng.integers(0, 3600)))
        repost = "1" if rng.random() < 0.05 else None
        posts.append(_post(i, f"a{rng.integers(50)}", " ".join(tokens), at, repost_of=repost))
    return posts


def test_minhashes_equal_one_minhash_per_set() -> None:
    sets = [shingles(m.text.split()) for m in _seeded_corpus(1, 300)]
    expected = np.stack([_reference_minhash(s) for s in sets])
    assert (minhashes(sets, chunk=50) == expected).all()  # chunks cut between and inside sets
    assert (minhashes(sets) == expected).all()
    assert (minhash(sets[0]) == expected[0]).all()


def test_grouping_equals_the_plain_computation() -> None:
    for seed in range(4):
        posts = _seeded_corpus(seed, 1500)
        for similarity in (0.5, 0.7, 0.9, 1.0, 1.5):
            rules = CoordinationRules(similarity=similarity)
            assert near_identical_groups(posts, rules) == _reference_groups(posts, rules)
    demo, _ = generate(DemoConfig(days=2, seed=7))
    posts = list(itertools.islice(demo, 4000))
    rules = CoordinationRules()
    expected = _reference_groups(posts, rules)
    assert expected and near_identical_groups(posts, rules) == expected
