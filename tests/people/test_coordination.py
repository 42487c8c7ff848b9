"""Coordination signals: the planted group is found, ordinary enthusiasm and sharing are not
called coordination, and the wording stays "possible coordination"."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.people.stored import BURST, T0, conversation, store_with
from tocsin.domain import Author, Mention
from tocsin.people.coordination import (
    CoordinationRules,
    coordination_signals,
    link_key,
    minhash,
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
