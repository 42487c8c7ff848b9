import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.errors import QueryError
from tocsin.query import (
    And,
    Field,
    Handle,
    Hashtag,
    Near,
    Node,
    Not,
    Or,
    Phrase,
    Prefix,
    Term,
    parse,
)

from .strategies import queries

T = Term


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("snapchat", T("snapchat")),
        ("Snapchat", T("snapchat")),
        ("SNCF grève", And((T("sncf"), T("greve")))),
        ("sncf AND grève", And((T("sncf"), T("greve")))),
        ("sncf OR ratp", Or((T("sncf"), T("ratp")))),
        ("sncf NOT pub", And((T("sncf"), Not(T("pub"))))),
        (
            'sncf -pub -"jeu concours"',
            And((T("sncf"), Not(T("pub")), Not(Phrase(("jeu", "concours"))))),
        ),
        ("sncf -(pub OR promo)", And((T("sncf"), Not(Or((T("pub"), T("promo"))))))),
        ('"l\'arnaque du siècle"', Phrase(("l", "arnaque", "du", "siecle"))),
        ("“service client”", Phrase(("service", "client"))),
        ("« service client »", Phrase(("service", "client"))),
        ('"Snapchat"', T("snapchat")),
        ("l'arnaque", Phrase(("l", "arnaque"))),
        ("snap-chat", Phrase(("snap", "chat"))),
        ("Rembours*", Prefix("rembours")),
        ("#Grève", Hashtag("greve")),
        ("@SNCF", Handle("sncf")),
        ("@Brand.bsky.social", Handle("brand.bsky.social")),
        ("lang:FR", Field("lang", "fr")),
        ("lang:fr_CA", Field("lang", "fr-ca")),
        ("Platform:Bluesky", Field("platform", "bluesky")),
        ("author:@Brand_FR", Field("author", "brand_fr")),
        ("https://brand.com/promo", Phrase(("https", "brand", "com", "promo"))),
        ("rock and roll", And((T("rock"), T("and"), T("roll")))),
        ("not or near", And((T("not"), T("or"), T("near")))),
        ("Snаpchat", T("snapchat")),  # Cyrillic а
        ("panne NEAR/3 snapchat", Near(T("panne"), T("snapchat"), 3)),
        (
            "rembours* NEAR/5 (sncf OR @sncf OR #sncf)",
            Near(Prefix("rembours"), Or((T("sncf"), Handle("sncf"), Hashtag("sncf"))), 5),
        ),
        ('"service client" NEAR/2 nul', Near(Phrase(("service", "client")), T("nul"), 2)),
        ("((snapchat))", T("snapchat")),
        ("(a b) c", And((And((T("a"), T("b"))), T("c")))),
        ("NOT NOT a", Not(Not(T("a")))),
    ],
)
def test_parses(query: str, expected: Node) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        # NOT > NEAR > AND > OR
        ("a OR b c", Or((T("a"), And((T("b"), T("c")))))),
        ("a b OR c", Or((And((T("a"), T("b"))), T("c")))),
        ("NOT a b", And((Not(T("a")), T("b")))),
        ("a NEAR/2 b c", And((Near(T("a"), T("b"), 2), T("c")))),
        ("a OR b NEAR/2 c", Or((T("a"), Near(T("b"), T("c"), 2)))),
        ("a AND b OR c AND d", Or((And((T("a"), T("b"))), And((T("c"), T("d")))))),
        ("a OR b OR c", Or((T("a"), T("b"), T("c")))),
    ],
)
def test_precedence(query: str, expected: Node) -> None:
    assert parse(query) == expected


@pytest.mark.parametrize(
    ("query", "position", "reason"),
    [
        ("", 0, "empty query"),
        ("   ", 0, "empty query"),
        ("(snapchat OR sncf", 0, "unclosed '('"),
        ("snapchat (sncf", 9, "unclosed '('"),
        ("snapchat)", 8, "unmatched ')'"),
        ("()", 0, "empty parentheses"),
        ('snapchat "panne', 9, "unterminated quote"),
        ('""', 0, "empty phrase"),
        ("snapchat AND", 9, "AND needs something to its right"),
        ("snapchat OR", 9, "OR needs something to its right"),
        ("snapchat NOT", 9, "NOT needs something to its right"),
        ("snapchat AND OR sncf", 9, "AND needs something to its right"),
        ("AND snapchat", 0, "AND needs something to its left"),
        ("(OR a)", 1, "OR needs something to its left"),
        ("snapchat NEAR/3", 9, "NEAR needs something to its right"),
        ("snapchat NEAR sncf", 9, "NEAR needs a distance"),
        ("snapchat NEAR/x sncf", 9, "NEAR needs a distance"),
        ("a NEAR/0 b", 2, "NEAR distance must be"),
        ("a NEAR/1001 b", 2, "NEAR distance must be"),
        ("a NEAR/2 b NEAR/3 c", 11, "NEAR cannot be chained"),
        ("(a b) NEAR/2 c", 0, "NEAR operands"),
        ("a NEAR/2 lang:fr", 9, "NEAR operands"),
        ("NOT a NEAR/2 b", 0, "NEAR operands"),
        ("foo:bar", 0, "unknown field 'foo'"),
        ("snapchat source:x", 9, "unknown field 'source'"),
        ("lang:", 0, "lang: needs a value"),
        ("lang:fr*", 5, "invalid value for lang:"),
        ("r*", 0, "at least 2 characters"),
        ("é*", 0, "at least 2 characters"),
        ("*", 0, "at least 2 characters"),
        ("remb*ours", 4, "only allowed at the end"),
        ("l'arn*", 0, "single word"),
        ("#snap*", 5, "only works on plain words"),
        ('"a b"*', 5, "cannot follow a phrase"),
        ("#", 0, "invalid hashtag"),
        ("#snap-chat", 0, "invalid hashtag"),
        ("@", 0, "invalid handle"),
        ("a - b", 2, "'-' must be followed"),
        ("!!!", 0, "nothing to search for"),
        ("a »", 2, "unexpected closing quote"),
    ],
)
def test_errors_point_at_the_fault(query: str, position: int, reason: str) -> None:
    with pytest.raises(QueryError) as info:
        parse(query)
    assert info.value.position == position
    assert reason in info.value.reason
    assert info.value.query == query


def test_error_pointer() -> None:
    with pytest.raises(QueryError) as info:
        parse("snapchat AND")
    assert info.value.pointer() == "snapchat AND\n         ^"
    assert str(info.value) == "AND needs something to its right at position 10"


def test_limits() -> None:
    with pytest.raises(QueryError, match="longer than 4096") as info:
        parse("a " * 2049)
    assert info.value.position == 4096
    parse(" OR ".join(["snapchat"] * 200))  # 201 nodes: fine
    with pytest.raises(QueryError, match="too complex") as info:
        parse(" ".join(["a"] * 501))
    assert info.value.position == 1000  # the 501st word
    parse("(" * 32 + "a" + ")" * 32)
    with pytest.raises(QueryError, match="nested") as info:
        parse("(" * 33 + "a" + ")" * 33)
    assert info.value.position == 32
    deep = parse("NOT " * 400 + "a")  # long NOT chains do not recurse in the parser
    assert str(parse(str(deep))) == str(deep)


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("Snapchat (panne OR bug) -pub", "snapchat AND (panne OR bug) AND NOT pub"),
        ("a OR (b OR c)", "a OR (b OR c)"),
        ("NOT (a b)", "NOT (a AND b)"),
        ("NOT (a NEAR/2 b)", "NOT (a NEAR/2 b)"),
        ('(a OR #b) NEAR/4 "c  d"', '(a OR #b) NEAR/4 "c d"'),
        ("lang:FR author:@X rembours*", "lang:fr AND author:x AND rembours*"),
    ],
)
def test_canonical_string(query: str, canonical: str) -> None:
    assert str(parse(query)) == canonical
    assert parse(canonical) == parse(query)


@given(queries)
@settings(max_examples=200, deadline=None)
def test_round_trip(node: Node) -> None:
    assert parse(str(node)) == node


query_chars = st.sampled_from(
    [*"ab é#@*:-()\"'«»“”", "AND", "OR", "NOT", "NEAR/2", "NEAR", "lang:", "x:", "\u200b"]
)


@given(st.lists(query_chars, max_size=20).map("".join))
@settings(max_examples=500, deadline=None)
def test_fuzz_only_query_errors_and_stable_round_trip(query: str) -> None:
    try:
        node = parse(query)
    except QueryError as e:
        assert 0 <= e.position <= len(query)
        return
    assert parse(str(node)) == node
