import re
import sqlite3
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tocsin.query import Document, Node, evaluate, fts_expression, normalise, parse
from tocsin.query.fts import FTS_SEPARATOR_WORD_CHARS

from .strategies import HANDLES, VOCAB, post_texts, queries

TOKENIZER = "'unicode61 remove_diacritics 2'"


@pytest.fixture(scope="module")
def db() -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE VIRTUAL TABLE posts USING fts5(body, tokenize={TOKENIZER})")
    yield con
    con.close()


def fts_matches(con: sqlite3.Connection, body: str, expression: str) -> bool:
    con.execute("DELETE FROM posts")
    con.execute("INSERT INTO posts(rowid, body) VALUES (1, ?)", (body,))
    found = con.execute("SELECT count(*) FROM posts WHERE posts MATCH ?", (expression,))
    return found.fetchone()[0] == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("snapchat", '"snapchat"'),
        ("Snapchat panne", '("snapchat" AND "panne")'),
        ("snapchat OR snap*", '("snapchat" OR "snap"*)'),
        ('"l\'arnaque du siècle"', '"l arnaque du siecle"'),
        ("sncf NOT concours", '"sncf"'),
        ("sncf lang:fr platform:x author:me", '"sncf"'),
        ("NOT concours", None),
        ("lang:fr", None),
        ("sncf OR NOT concours", None),
        ("retard NEAR/3 (sncf OR ratp)", '("retard" AND ("sncf" OR "ratp"))'),
        ("#greve", None),
        ("@brand.bsky.social", None),
        ("#greve sncf", '"sncf"'),
        ("snap_chat", '"snap_chat"'),
        ("__", None),
        ("sncf sncf", '"sncf"'),
    ],
)
def test_expressions(query: str, expected: str | None) -> None:
    assert fts_expression(parse(query)) == expected


def test_tags_indexed() -> None:
    assert fts_expression(parse("#greve"), tags_indexed=True) == '"greve"'
    assert fts_expression(parse("@brand.bsky.social OR #x"), tags_indexed=True) == (
        '("brand.bsky.social" OR "x")'
    )


def test_real_table(db: sqlite3.Connection) -> None:
    text = "Franchement @SNCF c'est l'arnaque du siècle 😡 #grève, 3h de retard, pas remboursé"
    body = normalise(text)
    for query in (
        "sncf",
        "arnaque du siecle",
        '"l\'arnaque du siècle"',
        "rembours* OR snapchat",
        "retard NEAR/3 rembours*",
        "grève -concours",
        "snapchat OR sncf",
    ):
        expr = fts_expression(parse(query))
        assert expr is not None
        assert fts_matches(db, body, expr), query
    assert not fts_matches(db, body, fts_expression(parse("snapchat")) or "")
    assert fts_matches(db, normalise("l'arnaque @Brand.bsky.social"), '"brand.bsky.social"')


def test_glued_emoji_and_symbols_do_not_hide_words(db: sqlite3.Connection) -> None:
    # FTS5 (Unicode 6.1 tables) counts newer emoji and private-use characters as letters:
    # on the raw text "snapchat🤬" would be one token; normalise() makes them spaces.
    for text in ("snapchat🤬", "snapchat\ue000", "Snapchat™", "snapchat\U0001f3fb"):
        assert fts_matches(db, normalise(text), '"snapchat"'), text


def test_word_characters_fts5_splits(db: sqlite3.Connection) -> None:
    """Every \\w character that FTS5 treats as a separator is listed, and nothing that
    normalise() can output besides \\w and ASCII is a token character for FTS5."""
    word = re.compile(r"\w")
    chars = [chr(c) for c in range(0x20000) if word.match(chr(c)) and normalise(chr(c)) == chr(c)]
    db.execute("DELETE FROM posts")
    db.executemany(
        "INSERT INTO posts(rowid, body) VALUES (?, ?)",
        [(ord(c), f"qz{c}zq") for c in chars]
        + [(0x30000 + c, f"qz{chr(c)}zq") for c in range(1, 128)],
    )
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(posts, 'instance')")
    split = {doc for (doc,) in db.execute("SELECT doc FROM vocab WHERE term = 'qz'")}
    separators = {chr(d) for d in split if d < 0x30000}
    assert separators <= FTS_SEPARATOR_WORD_CHARS
    ascii_separators = {chr(d - 0x30000) for d in split if d >= 0x30000}
    assert ascii_separators == {chr(c) for c in range(1, 128) if not chr(c).isalnum()}
    db.execute("DELETE FROM posts")


@st.composite
def documents(draw: st.DrawFn) -> Document:
    return Document.from_text(
        draw(post_texts()),
        hashtags=draw(st.lists(st.sampled_from(VOCAB), max_size=2)),
        mentions=draw(st.lists(st.sampled_from(HANDLES), max_size=2)),
    )


@given(queries, st.lists(documents(), min_size=1, max_size=4))
@settings(max_examples=150, deadline=None)
def test_never_a_false_negative(node: Node, docs: list[Document]) -> None:
    con = sqlite3.connect(":memory:")
    con.execute(f"CREATE VIRTUAL TABLE posts USING fts5(body, tags, tokenize={TOKENIZER})")
    con.executemany(
        "INSERT INTO posts(rowid, body, tags) VALUES (?, ?, ?)",
        [(i, d.norm_text, d.fts_text) for i, d in enumerate(docs)],
    )
    matching = {i for i, d in enumerate(docs) if evaluate(node, d)}
    plain = fts_expression(node)
    if plain is not None:
        rows = {r for (r,) in con.execute("SELECT rowid FROM posts WHERE body MATCH ?", (plain,))}
        assert matching <= rows, plain
    tagged = fts_expression(node, tags_indexed=True)
    if tagged is not None:
        rows = {r for (r,) in con.execute("SELECT rowid FROM posts WHERE tags MATCH ?", (tagged,))}
        assert matching <= rows, tagged
    con.close()
