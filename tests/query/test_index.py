import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.domain import Watch
from tocsin.errors import QueryError
from tocsin.query import Document, Node, WatchIndex, evaluate, parse
from tocsin.query import index as index_module
from tocsin.query.document import lang_matches, norm_language
from tocsin.query.index import anchors

from .strategies import HANDLES, LANGS, PLATFORMS, VOCAB, post_texts, queries


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("snapchat", {"snapchat"}),
        ('"l\'arnaque du siècle"', {"arnaque"}),
        ('"the snap"', {"snap"}),
        ("rembours*", {"rembours*"}),
        ("#greve", {"#greve"}),
        ("@sncf", {"@sncf"}),
        ("le snapchat", {"snapchat"}),  # And: cheapest child
        ("snapchat OR snap* OR #snap", {"snapchat", "snap*", "#snap"}),
        ("(snapchat OR snap) panne", {"panne"}),
        ("(snapchat OR snap) lang:fr", {"snapchat", "snap"}),
        ("snapchat OR NOT pub", None),
        ("NOT pub", None),
        ("lang:fr", None),
        ("lang:fr -pub", None),
        ("panne NEAR/3 (snapchat OR snap)", {"panne"}),
    ],
)
def test_anchors(query: str, expected: set[str] | None) -> None:
    got = anchors(parse(query))
    assert (None if got is None else set(got)) == expected


def watches_of(*queries: str, **restrictions: tuple[str, ...]) -> list[Watch]:
    return [Watch(f"w{i:02d}", q, **restrictions) for i, q in enumerate(queries)]


def test_match_is_sorted_and_honours_restrictions() -> None:
    index = WatchIndex(
        [
            Watch("zz-sncf", "sncf"),
            Watch("aa-sncf-fr", "sncf", languages=("fr",)),
            Watch("mm-sncf-bsky", "sncf", platforms=("Bluesky",)),
            Watch("bb-retard", "rembours* retard", languages=("fr", "en")),
            Watch("cc-not", "NOT pub", languages=("fr-ca",)),
            Watch("dd-other", "ratp"),
        ]
    )
    fr_bsky = Document.from_text("SNCF: retard, remboursé ?", language="fr-CA", platform="bluesky")
    assert index.match(fr_bsky) == ("aa-sncf-fr", "bb-retard", "cc-not", "mm-sncf-bsky", "zz-sncf")
    en_x = Document.from_text("SNCF: retard, remboursé ?", language="en", platform="x")
    assert index.match(en_x) == ("bb-retard", "zz-sncf")
    unknown = Document.from_text("SNCF")
    assert index.match(unknown) == ("zz-sncf",)
    assert index.unanchored == ("cc-not",)
    assert len(index) == 6


def test_only_anchored_candidates_are_evaluated() -> None:
    brands = [f"brand{i}" for i in range(1000)]
    index = WatchIndex(watches_of(*brands, "NOT spam", "pref*"))
    d = Document.from_text("brand7 is great, brand42 too, prefix!")
    assert index.candidates(d) == ("w07", "w1000", "w1001", "w42")
    assert index.match(d) == ("w07", "w1000", "w1001", "w42")


def test_bad_query_names_the_watch() -> None:
    with pytest.raises(QueryError) as info:
        WatchIndex([Watch("ok", "snapchat"), Watch("broken", "snapchat AND (panne")])
    assert "broken" in info.value.reason
    assert info.value.position == 13
    assert info.value.query == "snapchat AND (panne"


def test_duplicate_ids_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        WatchIndex([Watch("a", "x"), Watch("a", "y")])


def test_prefix_anchors_of_several_lengths() -> None:
    index = WatchIndex(watches_of("re*", "rem*", "rembours*", "rembourser*", "snap*"))
    d = Document.from_text("Remboursement refusé")
    assert index.match(d) == ("w00", "w01", "w02")
    # memoised per word: a second document gives the same answer
    assert index.match(Document.from_text("remboursement")) == ("w00", "w01", "w02")
    assert index.match(Document.from_text("rembourser snapchat")) == (
        "w00", "w01", "w02", "w03", "w04"
    )  # fmt: skip


# -- the anchor index is an exact accelerator: same answers as evaluating every watch ----------

restrictions = st.tuples(
    st.lists(st.sampled_from(LANGS), max_size=2).map(tuple),
    st.lists(st.sampled_from(PLATFORMS), max_size=1).map(tuple),
)


@st.composite
def documents(draw: st.DrawFn) -> Document:
    return Document.from_text(
        draw(post_texts()),
        language=draw(st.sampled_from((None, "fr", "fr-CA", "en", "en_GB", "de"))),
        platform=draw(st.sampled_from(PLATFORMS)),
        author=draw(st.sampled_from(HANDLES)),
        hashtags=draw(st.lists(st.sampled_from(VOCAB), max_size=2)),
        mentions=draw(st.lists(st.sampled_from(HANDLES), max_size=2)),
    )


def brute_force(watches: list[tuple[str, Node, tuple[str, ...], tuple[str, ...]]], d: Document
                ) -> tuple[str, ...]:  # fmt: skip
    out = []
    for wid, node, langs, plats in watches:
        if plats and d.platform not in plats:
            continue
        if langs and not any(lang_matches(d.language, norm_language(x)) for x in langs):
            continue
        if evaluate(node, d):
            out.append(wid)
    return tuple(sorted(out))


@given(st.lists(st.tuples(queries, restrictions), min_size=1, max_size=12),
       st.lists(documents(), min_size=1, max_size=6))  # fmt: skip
@settings(max_examples=150, deadline=None)
def test_index_equals_brute_force(specs: list[tuple[Node, tuple[tuple[str, ...], tuple[str, ...]]]],
                                  docs: list[Document]) -> None:  # fmt: skip
    watches = [
        Watch(f"w{i}", str(node), languages=langs, platforms=plats)
        for i, (node, (langs, plats)) in enumerate(specs)
    ]
    index = WatchIndex(watches)
    expected_watches = [(w.id, parse(w.query), w.languages, w.platforms) for w in watches]
    for d in docs:
        got = index.match(d)
        assert got == brute_force(expected_watches, d)
        assert set(got) <= set(index.candidates(d))


@given(queries, documents())
@settings(max_examples=200, deadline=None)
def test_anchor_is_necessary(node: Node, d: Document) -> None:
    keys = anchors(node)
    if keys is not None and evaluate(node, d):
        assert any(d.has_prefix(k[:-1]) if k.endswith("*") else k in d.tokens for k in keys)


# -- re-planning on observed key frequencies, memos ----------------------------------------------


def test_replanning_anchors_on_the_rarest_keys() -> None:
    index = WatchIndex(
        [Watch("bt", "(brand OR cafelia) AND (arnaque* OR scam*)"), Watch("b", "cafelia")],
        plan_after=3,
    )
    busy = Document.from_text("Cafélia, encore")
    assert index.candidates(busy) == ("b", "bt")  # static guess: the brand side is rarer
    for _ in range(3):
        assert index.match(busy) == ("b",)
    # cafelia was in every post: the watch is now anchored on its topic
    assert index.candidates(busy) == ("b",)
    assert index.candidates(Document.from_text("scammers")) == ("bt",)
    assert index.match(Document.from_text("cafelia arnaque")) == ("b", "bt")
    assert index.match(Document.from_text("brand scam")) == ("bt",)
    assert index.match(Document.from_text("scam")) == ()


def test_static_plan_kept_when_asked() -> None:
    index = WatchIndex([Watch("bt", "(brand OR cafelia) AND scam*")], plan_after=0)
    for _ in range(5):
        index.match(Document.from_text("cafelia"))
    assert index.candidates(Document.from_text("cafelia")) == ("bt",)


def test_memos_starting_over_keep_the_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    # Regression: when the per-token memo started over, the tokens of the document at hand
    # that had been seen before were forgotten, and with them their candidates.
    monkeypatch.setattr(index_module, "_MEMO_LIMIT", 4)
    watches = watches_of("rembours*", "sncf", "#greve", "sncf OR #greve")
    index = WatchIndex(watches)
    expected_watches = [(w.id, parse(w.query), (), ()) for w in watches]
    texts = ["remboursement", "a b c", "remboursement d", "sncf #greve e f g", "sncf", "h"] * 2
    for text in texts:
        d = Document.from_text(text)
        assert index.match(d) == brute_force(expected_watches, d), text


@given(st.lists(st.tuples(queries, restrictions), min_size=1, max_size=12),
       st.lists(documents(), min_size=1, max_size=8), st.integers(1, 4))  # fmt: skip
@settings(max_examples=150, deadline=None)
def test_index_equals_brute_force_while_replanning(
    specs: list[tuple[Node, tuple[tuple[str, ...], tuple[str, ...]]]],
    docs: list[Document],
    plan_after: int,
) -> None:
    watches = [
        Watch(f"w{i}", str(node), languages=langs, platforms=plats)
        for i, (node, (langs, plats)) in enumerate(specs)
    ]
    index = WatchIndex(watches, plan_after=plan_after)
    expected_watches = [(w.id, parse(w.query), w.languages, w.platforms) for w in watches]
    for d in docs + docs:
        got = index.match(d)
        assert got == brute_force(expected_watches, d)
        assert set(got) <= set(index.candidates(d))


@given(queries, documents(), st.dictionaries(st.sampled_from(VOCAB), st.integers(0, 50)))
@settings(max_examples=200, deadline=None)
def test_anchor_is_necessary_whatever_the_costs(
    node: Node, d: Document, counts: dict[str, int]
) -> None:
    keys = anchors(node, lambda k: counts.get(k.rstrip("*").lstrip("#@"), 0) + len(k) / 100)
    if keys is not None and evaluate(node, d):
        assert any(d.has_prefix(k[:-1]) if k.endswith("*") else k in d.tokens for k in keys)
