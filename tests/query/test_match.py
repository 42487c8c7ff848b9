import sys
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.domain import Author, Mention
from tocsin.query import (
    And,
    Document,
    Field,
    Handle,
    Hashtag,
    Hit,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    evaluate,
    explain,
    normalise,
    parse,
)
from tocsin.query.document import HANDLE_RE, TAG_RE, WORD_RE
from tocsin.query.match import near

from .strategies import LANGS, PLATFORMS, post_texts, queries

POST_FR = (
    "Franchement @SNCF c'est l'arnaque du siècle : 3h de retard sur le TGV Paris–Lyon 😡 "
    "et aucun remboursement proposé… #SNCF #grève"
)
POST_EN = "Snаpchat is down AGAIN?! Can't send snaps since 9am #SnapchatDown @snapchatsupport"
POST_PROMO = "🎁 JEU CONCOURS 🎁 Gagnez 2 billets SNCF ! RT + follow @bonsplans_fr #concours"


def doc(text: str, **kw: Any) -> Document:
    return Document.from_text(text, **kw)


def matches(query: str, text: str, **kw: Any) -> bool:
    return evaluate(parse(query), doc(text, **kw))


@pytest.mark.parametrize(
    ("query", "text", "expected"),
    [
        ("sncf", POST_FR, True),
        ("SNCF retard", POST_FR, True),
        ("sncf AND (retard OR annulation) NOT concours", POST_FR, True),
        ("sncf AND (retard OR annulation) NOT concours", POST_PROMO, False),
        ("sncf -concours", POST_PROMO, False),
        ('"l\'arnaque du siècle"', POST_FR, True),
        ('"arnaque du siecle"', POST_FR, True),
        ('"arnaque siecle"', POST_FR, False),
        ("l'arnaque", POST_FR, True),
        ("arnaque", POST_FR, True),
        ("rembours*", POST_FR, True),
        ("rembourse*", POST_FR, True),
        ("remboursé", POST_FR, False),  # a word, not a prefix
        ("grève", POST_FR, True),
        ("GREVE", POST_FR, True),
        ("#greve", POST_FR, True),
        ("#retard", POST_FR, False),  # the word is there, not the hashtag
        ("@sncf", POST_FR, True),
        ("@sncf", POST_PROMO, False),  # SNCF the word, not the handle
        ("paris NEAR/1 lyon", POST_FR, True),
        ("tgv NEAR/2 lyon", POST_FR, True),
        ("tgv NEAR/1 lyon", POST_FR, False),
        ("remboursement NEAR/6 retard", POST_FR, False),
        ("remboursement NEAR/9 retard", POST_FR, True),
        ("snapchat", POST_EN, True),  # Cyrillic а in the post
        ("snapchat down", POST_EN, True),
        ("#snapchatdown", POST_EN, True),
        ("snapchatdown", POST_EN, True),  # plain word of the hashtag
        ("#snapchat", POST_EN, False),
        ("@snapchatsupport", POST_EN, True),
        ('"can t send"', POST_EN, True),
        ("can't", POST_EN, True),
        ("snap*", POST_EN, True),
        ("down NEAR/1 again", POST_EN, True),
        ("again NEAR/1 down", POST_EN, True),  # either order
        ("(down OR panne) NEAR/2 (snap* OR #snapchat)", POST_EN, True),
        ("jeu concours", POST_PROMO, True),
        ("#concours", POST_PROMO, True),
        ("@bonsplans_fr", POST_PROMO, True),
        ("bonsplans_fr", POST_PROMO, True),
        ("bonsplans", POST_PROMO, False),  # underscores stay inside words
        ("NOT snapchat", POST_FR, True),
        ("NOT snapchat", POST_EN, False),
    ],
)
def test_realistic_posts(query: str, text: str, expected: bool) -> None:
    assert matches(query, text) is expected


def test_robust_spellings() -> None:
    for text in (
        "ＳＮＡＰＣＨＡＴ",
        "snap\u200bchat",
        "Snap\u00adchat",
        "SNAPCHAT",
        "Ѕnарсhаt",
        "𝐒𝐧𝐚𝐩𝐜𝐡𝐚𝐭",
        "snapchat🤬🤬",
        "Snapchat™",
        "＃Ｓｎａｐｃｈａｔ",
    ):
        assert matches("snapchat", text), text
    assert matches("cœur", "coeur") and matches("coeur", "CŒUR")
    assert matches("ca", "ça") and matches("ça", "CA")


def test_hashtags_and_handles() -> None:
    assert matches("#snapchat", "lol #Snapchat")
    assert matches("snapchat", "lol #Snapchat")
    assert not matches("#snapchat", "lol snapchat")
    assert not matches("#39", "it&#39;s")  # HTML entity, not a hashtag
    assert matches("@brand.bsky.social", "hey @Brand.bsky.social.")
    assert matches("brand", "hey @Brand.bsky.social.")
    assert matches('"brand bsky social"', "hey @Brand.bsky.social.")
    assert not matches("@brand", "hey @Brand.bsky.social")
    assert not matches("@brand", "write to contact@brand.com")
    assert matches("contact", "write to contact@brand.com")
    assert matches("@snap-chat", "cc @snap-chat!")
    # From the mention's metadata fields only
    d = doc("un super post", hashtags=("#Grève",), mentions=("@SNCF", "user@mastodon.social"))
    assert evaluate(parse("#greve"), d)
    assert evaluate(parse("@sncf"), d)
    assert evaluate(parse("@user"), d)
    assert not evaluate(parse("greve"), d)  # plain words come from the text only
    assert not evaluate(parse("#greve NEAR/3 super"), d)  # no position


def test_fields() -> None:
    assert matches("lang:fr", "x", language="fr")
    assert matches("lang:fr", "x", language="fr-CA")
    assert matches("lang:fr", "x", language="fr_CA")
    assert matches("lang:fr-ca", "x", language="FR-ca")
    assert not matches("lang:fr", "x", language="frr")
    assert not matches("lang:fr-ca", "x", language="fr")
    assert not matches("lang:fr", "x")
    assert matches("platform:bluesky", "x", platform="Bluesky")
    assert not matches("platform:bluesky", "x", platform="x")
    assert matches("author:brand_fr", "x", author="@Brand_FR")
    assert matches("snapchat lang:en -platform:reddit", POST_EN, language="en", platform="x")


def test_from_mention() -> None:
    m = Mention(
        platform="bluesky",
        native_id="1",
        author=Author(platform="bluesky", id="did:plc:1", handle="Jean.bsky.social"),
        text=POST_FR,
        created_at=datetime(2024, 5, 1, tzinfo=UTC),
        language="fr",
        hashtags=("sncf", "greve", "OuigoFail"),
        mentions=("sncf.bsky.social",),
    )
    d = Document.from_mention(m)
    assert d.norm_text == normalise(POST_FR)
    assert Document.from_mention(m, d.norm_text).tokens == d.tokens
    for q in (
        "author:jean.bsky.social",
        "platform:bluesky",
        "lang:fr",
        "#ouigofail",
        "@sncf.bsky.social",
        "retard",
    ):
        assert evaluate(parse(q), d), q
    assert "#ouigofail" in d.fts_text and "@sncf.bsky.social" in d.fts_text


def test_near_distances() -> None:
    text = "a b c d e f"
    assert matches("a NEAR/1 b", text)
    assert not matches("a NEAR/1 c", text)
    assert matches("a NEAR/2 c", text)
    assert matches("f NEAR/5 a", text)
    assert not matches("f NEAR/4 a", text)
    # Phrases count from their ends
    assert matches('"a b" NEAR/1 c', text)
    assert matches('"a b" NEAR/2 d', text)
    assert not matches('"a b" NEAR/1 d', text)
    assert matches('e NEAR/3 "a b"', text)
    assert not matches('e NEAR/2 "a b"', text)
    # Overlap counts as 0
    assert matches('"b c" NEAR/1 c', text)
    assert matches("#x NEAR/1 x", "#x")
    # Handles span their words
    assert matches("@a.b NEAR/1 c", "@a.b c")
    assert matches("c NEAR/1 @a.b", "c @a.b")
    # Many occurrences on both sides, only one pair close enough
    far = " ".join(["a"] * 50 + ["z"] * 50 + ["b"] * 50)
    assert not matches("a NEAR/50 b", far)
    assert matches("a NEAR/51 b", far)


@given(post_texts(), queries)
@settings(max_examples=150, deadline=None)
def test_document_words_are_the_word_runs(text: str, node: Node) -> None:
    d = doc(text)
    assert d.words == WORD_RE.findall(d.norm_text)
    assert [d.norm_text[s:e] for s, e in d.spans] == d.words
    for token, positions in d.positions.items():
        for p in positions:
            assert d.words[p] == token.lstrip("#@").replace(".", " ").replace("-", " ").split()[0]
    # evaluate is deterministic and does not depend on evaluation order of lazy views
    assert evaluate(node, d) == evaluate(node, doc(text))


# -- explain -----------------------------------------------------------------------------------


def test_explain_points_into_the_original_text() -> None:
    node = parse('sncf rembours* "arnaque du siecle" #greve lang:fr -concours retard NEAR/4 tgv')
    d = doc(POST_FR, language="fr-FR")
    hits = explain(node, d)
    assert Hit("lang:fr", -1, -1, "fr-fr") in hits
    for h in hits:
        if h.start >= 0:
            assert POST_FR[h.start : h.end] == h.text
    texts = {(h.operand, h.text) for h in hits}
    assert texts == {
        ("lang:fr", "fr-fr"),
        ("sncf", "SNCF"),
        ("rembours*", "remboursement"),
        ('"arnaque du siecle"', "arnaque du siècle"),
        ("#greve", "#grève"),
        ("retard", "retard"),
        ("tgv", "TGV"),
    }
    assert [h.start for h in hits] == sorted(h.start for h in hits)
    assert len([h for h in hits if h.operand == "sncf"]) == 2  # @SNCF and #SNCF


def test_explain_spans_survive_normalisation() -> None:
    text = "Ｓｎａｐ\u200bchat 🤬 Écœurée par Ѕnарсhаt"
    hits = explain(parse("snapchat OR ecoeuree"), doc(text))
    assert [h.text for h in hits] == ["Ｓｎａｐ\u200bchat", "Écœurée", "Ѕnарсhаt"]


def test_explain_skips_negated_leaves_and_far_near_operands() -> None:
    d = doc("panne snapchat ... bla bla bla bla bla panne")
    hits = explain(parse("panne NEAR/1 snapchat NOT NOT bla -pub"), d)
    assert [(h.operand, h.start) for h in hits] == [
        ("panne", 0),
        ("snapchat", 6),
        ("bla", 19),
        ("bla", 23),
        ("bla", 27),
        ("bla", 31),
        ("bla", 35),
    ]


def test_explain_metadata_only_hashtag() -> None:
    d = doc("rien", hashtags=("Grève",), mentions=("SNCF",))
    assert explain(parse("#greve @sncf"), d) == [
        Hit("#greve", -1, -1, "#greve"),
        Hit("@sncf", -1, -1, "@sncf"),
    ]


@given(post_texts(), queries)
@settings(max_examples=100, deadline=None)
def test_explain_hits_are_real_spans(text: str, node: Node) -> None:
    d = doc(text)
    for h in explain(node, d):
        assert h.start >= 0
        assert text[h.start : h.end] == h.text
        assert normalise(h.text).strip()


# -- linear time, by counting executed Python lines ------------------------------------------


def count_lines(fn: Callable[[], object]) -> int:
    count = 0

    def tracer(frame: FrameType, event: str, arg: object) -> Any:
        nonlocal count
        if event == "line":
            count += 1
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(old)
    return count


ADVERSARIAL = [
    ("a NEAR/3 b", lambda n: "a " * n + "b"),
    ("a NEAR/3 b", lambda n: "a b " * n),
    ("a NEAR/3 b", lambda n: "a " * n + "z " * 5 + "b " * n),  # no pair close enough
    ('(a OR "c d") NEAR/2 (b OR ee*)', lambda n: "a c d " * n + "z " * 5 + "b eee " * n),
    ('"a a a b" NEAR/2 (aa* OR "a b")', lambda n: "a a a aa " * n),
    ("(a OR aa OR aaa) NEAR/1000 (b OR bb*)", lambda n: "a aa aaa " * n + "bb"),
    ('"a b" NEAR/5 @a.b', lambda n: "a b @a.b " * n),
    ("aa* aaa* aaaa* a NOT b", lambda n: " ".join("a" * (i % 7 + 1) for i in range(n))),
]


@pytest.mark.parametrize(("query", "make"), ADVERSARIAL)
def test_matching_is_linear_in_the_text(query: str, make: Callable[[int], str]) -> None:
    node = parse(query)

    def work(n: int) -> int:
        d = doc(make(n))
        return count_lines(lambda: (evaluate(node, d), explain(node, d)))

    small, big = work(200), work(1600)
    # 8x the text: linear work grows ~8x, quadratic work would grow ~64x
    assert big <= 10 * small + 200, (small, big)


# -- cross-checks against naive reference implementations --------------------------------------


def occurrences(node: Node, d: Document) -> list[tuple[int, int]]:
    """All (first, last) word positions of a NEAR operand, the slow obvious way."""
    w = d.words
    if isinstance(node, Term):
        return [(i, i) for i, x in enumerate(w) if x == node.value]
    if isinstance(node, Prefix):
        return [(i, i) for i, x in enumerate(w) if x.startswith(node.value)]
    if isinstance(node, Phrase):
        k = len(node.words)
        return [(i, i + k - 1) for i in range(len(w)) if tuple(w[i : i + k]) == node.words]
    if isinstance(node, Hashtag | Handle):
        regex = TAG_RE if isinstance(node, Hashtag) else HANDLE_RE
        starts = {s: i for i, (s, _) in enumerate(d.spans)}
        k = len(WORD_RE.findall(node.value))
        return [
            (starts[m.start(1)], starts[m.start(1)] + k - 1)
            for m in regex.finditer(d.norm_text)
            if m.group(1) == node.value
        ]
    assert isinstance(node, Or)
    return [s for c in node.children for s in occurrences(c, d)]


def reference(node: Node, d: Document) -> bool:
    if isinstance(node, Term):
        return node.value in d.words
    if isinstance(node, Phrase | Prefix):
        return bool(occurrences(node, d))
    if isinstance(node, Hashtag | Handle):
        sign = "#" if isinstance(node, Hashtag) else "@"
        return bool(occurrences(node, d)) or sign + node.value in d.tokens
    if isinstance(node, Field):
        value = {"lang": d.language, "platform": d.platform, "author": d.author}[node.name]
        if node.name == "lang":
            return value == node.value or value.startswith(node.value + "-")
        return value == node.value
    if isinstance(node, Not):
        return not reference(node.child, d)
    if isinstance(node, And):
        return all(reference(c, d) for c in node.children)
    if isinstance(node, Or):
        return any(reference(c, d) for c in node.children)
    assert isinstance(node, Near)
    return any(
        max(0, b[0] - a[1], a[0] - b[1]) <= node.distance
        for a in occurrences(node.left, d)
        for b in occurrences(node.right, d)
    )


@given(post_texts(), queries, st.sampled_from(LANGS), st.sampled_from(PLATFORMS))
@settings(max_examples=300, deadline=None)
def test_evaluate_agrees_with_a_naive_reference(
    text: str, node: Node, lang: str, platform: str
) -> None:
    d = doc(text, language=lang, platform=platform, author="sncf", hashtags=["coeur"])
    assert evaluate(node, d) == reference(node, d)


spans = st.lists(
    st.tuples(st.integers(0, 30), st.integers(0, 3)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=8,
).map(sorted)


@given(spans, spans, st.integers(1, 6))
@settings(max_examples=500, deadline=None)
def test_near_sweep_equals_all_pairs(
    a: list[tuple[int, int]], b: list[tuple[int, int]], n: int
) -> None:
    expected = any(max(0, y[0] - x[1], x[0] - y[1]) <= n for x in a for y in b)
    assert near(a, b, n) == expected
