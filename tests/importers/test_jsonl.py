"""Tocsin's own JSON lines format, and ``to_record``, its inverse."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import MAX_RAW_BYTES, Author, Mention, Metrics
from tocsin.importers.generic import (
    COLUMNS,
    CSV_HEADER,
    JsonlImporter,
    to_record,
)


def test_columns_are_the_documented_set() -> None:
    assert CSV_HEADER == (
        "platform,id,url,author_id,author_handle,author_name,author_followers,author_verified,"
        "text,title,lang,created_at,edited_at,reply_to,repost_of,quote_of,hashtags,mentions,"
        "links,likes,reposts,replies,views"
    )
    assert tuple(to_record(_example())) == COLUMNS


def _example() -> Mention:
    return Mention(
        platform="x", native_id="1", author=Author("x", "42", "lea_m", "Léa", 10, True),
        text="Cafélia 😡 #a", created_at=datetime(2024, 3, 4, 8, 15, tzinfo=UTC),
    )


# --- JSON lines -------------------------------------------------------------------------------


def test_jsonl_sample() -> None:
    path = sample("tocsin.jsonl")
    mentions, dead = read_all(JsonlImporter(), path)
    check_invariants(mentions, dead, "jsonl")
    assert len(mentions) == 6 and len(dead) == 6

    first = mentions[0]
    assert first == Mention(
        platform="x",
        native_id="1750000000000000001",
        author=Author("x", "42", "lea_m", "Léa Martin ☕", 1532, False),
        text="Encore une commande Cafélia jamais livrée 😡 #Cafélia #arnaque @cafelia_fr "
        "https://cafelia.fr/aide",
        created_at=datetime(2024, 3, 4, 8, 15, tzinfo=UTC),
        url="https://x.com/lea_m/status/1750000000000000001",
        language="fr",
        hashtags=("Cafélia", "arnaque"),
        mentions=("cafelia_fr",),
        links=("https://cafelia.fr/aide",),
        metrics=Metrics(likes=12, reposts=3, replies=4, views=2048),
        raw=path.read_bytes().split(b"\n")[0],
    )

    reply = mentions[1]
    assert reply.author == Author("x", "cafelia_fr", "cafelia_fr")  # author_id <- handle
    assert reply.created_at == datetime(2024, 3, 4, 8, 2, 11, tzinfo=UTC)  # +01:00 -> UTC
    assert reply.reply_to == "1750000000000000001"
    assert reply.mentions == ("lea_m",) and reply.metrics == Metrics()

    masto = mentions[2]
    assert masto.created_at == datetime(2024, 3, 4, 9, 0, tzinfo=UTC)  # epoch seconds
    assert masto.edited_at == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)  # naive = UTC
    assert masto.hashtags == ("Cafelia",)  # extracted from the text
    assert masto.mentions == ("alice@mamot.fr",)
    assert masto.links == ("https://example.org/enquete",)
    assert masto.metrics.likes == 7  # "7" accepted

    repost = mentions[3]
    assert repost.text == "" and repost.repost_of == "at://did:plc:xyz/app.bsky.feed.post/3j"
    assert repost.created_at.microsecond == 500000

    quote = mentions[4]
    assert quote.quote_of == "1750000000000000001" and quote.language == "en"
    assert quote.hashtags == ("cafelia", "refunds")  # a space-separated string is accepted

    assert mentions[5].title == "Cafélia : enquête" and mentions[5].platform == "web"

    assert [(d.position, d.reason) for d in dead] == [
        ("line 7", "invalid JSON: unexpected end of data at column 86"),
        ("line 8", "'id' is missing"),
        ("line 9", "'created_at': not an ISO 8601 time: 'le 4 mars'"),
        ("line 10", "'likes' must be a non-negative integer, got 'beaucoup'"),
        ("line 11", "expected a JSON object, got array"),
        ("line 12", "'text' must be a string, got number"),
    ]
    lines = path.read_bytes().split(b"\n")
    assert [d.raw for d in dead] == lines[6:12]


def test_jsonl_hostile_lines_fail_cleanly() -> None:
    good = orjson.dumps(to_record(_example()))
    data = b"\n".join([
        good,
        b'{"platform": "x", "id": "' + b"9" * (MAX_RAW_BYTES + 10) + b'"}',  # huge line
        b"[" * 100_000,  # deeply nested
        b'{"platform": "x", "id": "2", "text": "nul \x00 byte", "created_at": 1}',  # raw NUL
        b'{"platform": "x", "id": "3", "text": "bad \xff\xfe utf-8", "created_at": 1}',
        b'{"platform": "x", "id": "4", "text": "esc\\u0000aped", "created_at": 1}',
        b'{"platform": "x", "id": "5", "text": "lone \\ud800", "created_at": 1}',
        b"\x00\x00\x00\x00",
        good,
    ])
    mentions, dead = read_all(JsonlImporter(), data)
    check_invariants(mentions, dead, "jsonl")
    assert [m.native_id for m in mentions] == ["1", "4", "1"]
    assert mentions[1].text == "escaped"
    reasons = [(d.position, d.reason.split(":")[0]) for d in dead]
    assert reasons == [
        ("line 2", "line is longer than 1,000,000 bytes"),
        ("line 3", "invalid JSON"),
        ("line 4", "invalid JSON"),
        ("line 5", "invalid JSON"),
        ("line 7", "invalid JSON"),
        ("line 8", "invalid JSON"),
    ]
    assert len(dead[0].raw) == MAX_RAW_BYTES


def test_jsonl_ids_and_types() -> None:
    data = b"\n".join([
        b'{"platform": "x", "id": 123, "text": "int id", "created_at": "2024-01-01T00:00:00Z"}',
        b'{"platform": "x", "id": "  ", "text": "blank id", "created_at": 1}',
        b'{"platform": "x", "id": true, "text": "bool id", "created_at": 1}',
        b'{"platform": "x", "id": "7", "text": "t", "created_at": 1, "hashtags": [1, 2]}',
        b'{"platform": "x", "id": "8", "text": "t", "created_at": 1, '
        b'"author_verified": "peut-etre"}',
        b'{"platform": "x", "id": "9", "text": "t", "created_at": 1, "author_verified": "oui"}',
    ])
    mentions, dead = read_all(JsonlImporter(), data)
    assert [m.native_id for m in mentions] == ["123", "9"]
    assert mentions[1].author.verified is True
    assert [d.reason for d in dead] == [
        "'id' is empty",
        "'id' must be a string, got boolean",
        "'hashtags' must be an array of strings, found number",
        "'author_verified' must be true or false, got 'peut-etre'",
    ]


# --- round trip -------------------------------------------------------------------------------

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\n\t\r"), max_size=200
)
_TOKEN = st.from_regex(r"\w{1,20}", fullmatch=True)
_ID = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1,
              max_size=40)
_COUNT = st.none() | st.integers(0, 2**53)
_TIME = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
)


@st.composite
def mentions(draw: st.DrawFn) -> Mention:
    platform = draw(st.from_regex(r"[a-z][a-z0-9_]{0,15}", fullmatch=True))
    return Mention(
        platform=platform,
        native_id=draw(_ID),
        author=Author(
            platform,
            draw(_ID),
            draw(st.just("") | _ID),
            draw(_TEXT.map(lambda s: s[:50])),
            draw(_COUNT),
            draw(st.none() | st.booleans()),
        ),
        text=draw(_TEXT),
        created_at=draw(_TIME),
        url=draw(st.none() | st.from_regex(r"https://[a-z]{1,10}\.fr/[a-z0-9/]{0,20}",
                                           fullmatch=True)),
        title=draw(st.none() | _TEXT.filter(bool)),
        language=draw(st.sampled_from([None, "fr", "en", "de", "kab"])),
        reply_to=draw(st.none() | _ID),
        repost_of=draw(st.none() | _ID),
        quote_of=draw(st.none() | _ID),
        hashtags=tuple(draw(st.lists(_TOKEN, max_size=5, unique_by=str.casefold))),
        mentions=tuple(draw(st.lists(_TOKEN, max_size=5, unique_by=str.casefold))),
        links=tuple(draw(st.lists(st.from_regex(r"https://[a-z]{1,8}\.com/[a-z]{0,8}",
                                                fullmatch=True), max_size=3, unique=True))),
        metrics=Metrics(draw(_COUNT), draw(_COUNT), draw(_COUNT), draw(_COUNT)),
        edited_at=draw(st.none() | _TIME),
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mentions())
def test_to_record_round_trips_through_jsonl(m: Mention) -> None:
    line = orjson.dumps(to_record(m))
    [back] = JsonlImporter().read(io.BytesIO(line + b"\n"), "rt")
    assert back == m.with_(raw=line)
