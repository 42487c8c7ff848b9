"""Hypothesis strategies shared by the query tests: small vocabularies, so matches happen."""

from __future__ import annotations

from hypothesis import strategies as st

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
)

#: Normalised words, as they appear in query nodes.
VOCAB = (
    "snapchat", "sncf", "panne", "remboursement", "rembourse", "arnaque", "greve",
    "retard", "l", "du", "siecle", "coeur", "bug", "a", "et", "snap_chat", "x2",
)  # fmt: skip
HANDLES = ("sncf", "brand.bsky.social", "snap-chat", "a")
LANGS = ("fr", "en", "fr-ca", "de")
PLATFORMS = ("bluesky", "x", "mastodon")

#: How a vocabulary word may be written in a post: case, accents, look-alikes, width,
#: zero-width characters.
SPELLINGS: dict[str, tuple[str, ...]] = {
    "snapchat": (
        "snapchat",
        "Snapchat",
        "SNAPCHAT",
        "Snаpchat",
        "ｓｎａｐｃｈａｔ",
        "snap\u200bchat",
    ),
    "sncf": ("sncf", "SNCF", "ЅNСF"),
    "panne": ("panne", "PANNE", "pannе"),
    "remboursement": ("remboursement", "Remboursement", "rembour\u00adsement"),
    "rembourse": ("rembourse", "remboursé", "REMBOURSÉ"),
    "arnaque": ("arnaque", "Arnaque", "ARNAQUE"),
    "greve": ("grève", "greve", "GRÈVE", "gre\u0300ve"),
    "retard": ("retard", "RETARD", "rеtard"),
    "l": ("l", "L"),
    "du": ("du", "DU"),
    "siecle": ("siècle", "siecle", "SIÈCLE"),
    "coeur": ("cœur", "coeur", "CŒUR"),
    "bug": ("bug", "Bug", "bugs"),
    "a": ("a", "à", "A"),
    "et": ("et", "ET"),
    "snap_chat": ("snap_chat", "Snap_Chat"),
    "x2": ("x2", "X2", "x²"),
}
SEPARATORS = (" ", " ", ", ", ". ", "! ", " 😡 ", "🤬", " - ", "’", "'", "\n", "… ", " (", ") ")


@st.composite
def post_piece(draw: st.DrawFn) -> str:
    word = draw(st.sampled_from(VOCAB))
    spelled = draw(st.sampled_from(SPELLINGS[word]))
    decoration = draw(st.sampled_from(("", "", "", "#", "@", "@.bsky.social", "l'", "-")))
    if decoration == "@.bsky.social":
        return f"@{spelled}.bsky.social"
    if decoration == "-":
        return spelled + "-" + draw(st.sampled_from(SPELLINGS[draw(st.sampled_from(VOCAB))]))
    return decoration + spelled


@st.composite
def post_texts(draw: st.DrawFn, max_pieces: int = 12) -> str:
    pieces = draw(st.lists(post_piece(), max_size=max_pieces))
    out = []
    for p in pieces:
        out.append(p)
        out.append(draw(st.sampled_from(SEPARATORS)))
    return "".join(out)


words = st.sampled_from(VOCAB)


def _phrase() -> st.SearchStrategy[Node]:
    return st.lists(words, min_size=2, max_size=3).map(lambda ws: Phrase(tuple(ws)))


def _prefix() -> st.SearchStrategy[Node]:
    long_words = [w for w in VOCAB if len(w) >= 2]
    return st.builds(
        lambda w, k: Prefix(w[: max(2, min(k, len(w)))]),
        st.sampled_from(long_words),
        st.integers(2, 8),
    )


near_leaves: st.SearchStrategy[Node] = st.one_of(
    words.map(Term),
    _phrase(),
    _prefix(),
    words.map(Hashtag),
    st.sampled_from(HANDLES).map(Handle),
)

fields: st.SearchStrategy[Node] = st.one_of(
    st.sampled_from(LANGS).map(lambda v: Field("lang", v)),
    st.sampled_from(PLATFORMS).map(lambda v: Field("platform", v)),
    st.sampled_from(HANDLES).map(lambda v: Field("author", v)),
)

leaves: st.SearchStrategy[Node] = st.one_of(near_leaves, near_leaves, fields)

near_operands: st.SearchStrategy[Node] = st.one_of(
    near_leaves,
    st.lists(near_leaves, min_size=2, max_size=3).map(lambda cs: Or(tuple(cs))),
)

nears: st.SearchStrategy[Node] = st.builds(Near, near_operands, near_operands, st.integers(1, 4))


@st.composite
def _query(draw: st.DrawFn, depth: int = 2) -> Node:
    # Explicit weights: NOT and fields give no anchor, so they must not dominate.
    kind = draw(st.sampled_from("LLNAAAOOX" if depth else "LLN"))
    if kind == "L":
        return draw(leaves)
    if kind == "N":
        return draw(nears)
    if kind == "X":
        return Not(draw(_query(depth - 1)))
    children = tuple(draw(st.lists(_query(depth - 1), min_size=2, max_size=3)))
    return And(children) if kind == "A" else Or(children)


queries: st.SearchStrategy[Node] = _query()
