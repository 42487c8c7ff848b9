"""Tocsin's own JSON lines format, and ``to_record``, its inverse."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, tzinfo
from typing import Any

import orjson
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.demo import DemoConfig, generate
from tocsin.domain import MAX_RAW_BYTES, Author, Mention, Metrics
from tocsin.importers._common import RECORD_ERRORS
from tocsin.importers.generic import (
    COLUMNS,
    CSV_HEADER,
    JsonlImporter,
    fast_record_to_mention,
    record_to_mention,
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
        platform="x",
        native_id="1",
        author=Author("x", "42", "lea_m", "Léa", 10, True),
        text="Cafélia 😡 #a",
        created_at=datetime(2024, 3, 4, 8, 15, tzinfo=UTC),
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
    data = b"\n".join(
        [
            good,
            b'{"platform": "x", "id": "' + b"9" * (MAX_RAW_BYTES + 10) + b'"}',  # huge line
            b"[" * 100_000,  # deeply nested
            b'{"platform": "x", "id": "2", "text": "nul \x00 byte", "created_at": 1}',  # raw NUL
            b'{"platform": "x", "id": "3", "text": "bad \xff\xfe utf-8", "created_at": 1}',
            b'{"platform": "x", "id": "4", "text": "esc\\u0000aped", "created_at": 1}',
            b'{"platform": "x", "id": "5", "text": "lone \\ud800", "created_at": 1}',
            b"\x00\x00\x00\x00",
            good,
        ]
    )
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
    data = b"\n".join(
        [
            b'{"platform": "x", "id": 123, "text": "int id", "created_at": "2024-01-01T00:00:00Z"}',
            b'{"platform": "x", "id": "  ", "text": "blank id", "created_at": 1}',
            b'{"platform": "x", "id": true, "text": "bool id", "created_at": 1}',
            b'{"platform": "x", "id": "7", "text": "t", "created_at": 1, "hashtags": [1, 2]}',
            b'{"platform": "x", "id": "8", "text": "t", "created_at": 1, '
            b'"author_verified": "peut-etre"}',
            b'{"platform": "x", "id": "9", "text": "t", "created_at": 1, "author_verified": "oui"}',
        ]
    )
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
_ID = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zs", "Zl", "Zp")), min_size=1, max_size=40
)
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
        url=draw(
            st.none() | st.from_regex(r"https://[a-z]{1,10}\.fr/[a-z0-9/]{0,20}", fullmatch=True)
        ),
        title=draw(st.none() | _TEXT.filter(bool)),
        language=draw(st.sampled_from([None, "fr", "en", "de", "kab"])),
        reply_to=draw(st.none() | _ID),
        repost_of=draw(st.none() | _ID),
        quote_of=draw(st.none() | _ID),
        hashtags=tuple(draw(st.lists(_TOKEN, max_size=5, unique_by=str.casefold))),
        mentions=tuple(draw(st.lists(_TOKEN, max_size=5, unique_by=str.casefold))),
        links=tuple(
            draw(
                st.lists(
                    st.from_regex(r"https://[a-z]{1,8}\.com/[a-z]{0,8}", fullmatch=True),
                    max_size=3,
                    unique=True,
                )
            )
        ),
        metrics=Metrics(draw(_COUNT), draw(_COUNT), draw(_COUNT), draw(_COUNT)),
        edited_at=draw(st.none() | _TIME),
    )


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(mentions())
def test_to_record_round_trips_through_jsonl(m: Mention) -> None:
    line = orjson.dumps(to_record(m))
    [back] = JsonlImporter().read(io.BytesIO(line + b"\n"), "rt")
    assert back == m.with_(raw=line)


# --- the fast path ----------------------------------------------------------------------------
#
# ``fast_record_to_mention`` must give exactly what ``record_to_mention`` gives, or ``None``
# (then the reader takes the careful path). ``repr`` is compared too: ``==`` on datetimes
# ignores the time zone, and on mentions it would not see a list for a tuple.

_NASTY_TEXT = st.text(st.characters(blacklist_categories=["Cs"]), max_size=12) | st.sampled_from(
    [
        "",
        " ",
        " x ",
        "\x00",
        "a\x7fb",
        "a\x1fb",
        "\x0b",
        "\x0c",
        "tab\there",
        "l1\nl2\r\n",
        "\u00a0nbsp\u3000",
        "#tag",
        " @who ",
        "Émile",
        "😡",
        "\\",
        "\\u0041",
        "x" * 2100,
    ]
)
_SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**64 - 1)
    | st.sampled_from(
        [
            2**63 - 1,
            2**63,
            -1,
            0,
            1,
            7.0,
            7.5,
            -0.0,
            1e300,
        ]
    )
    | st.floats(allow_nan=False, allow_infinity=False)
    | _NASTY_TEXT
)
_ANY = _SCALAR | st.lists(_SCALAR, max_size=3) | st.dictionaries(_NASTY_TEXT, _SCALAR, max_size=2)
_ZONES: st.SearchStrategy[tzinfo] = st.just(UTC) | st.timezones()
_GOOD_TIME = st.one_of(  # UTC; any offset; naive (UTC)
    _TIME,
    st.datetimes(datetime(1970, 1, 2), datetime(9999, 12, 30), timezones=_ZONES),
    st.datetimes(datetime(1970, 1, 2), datetime(9999, 12, 30)),
).map(lambda t: t.isoformat())
_TIMES = (
    _GOOD_TIME
    | st.sampled_from(
        [
            "2024-03-04T08:15:00Z",
            "2024-03-04T08:15:00z",
            " 2024-03-04T08:15:00+00:00",
            "2024-03-04T08:15:00+00:00 ",
            "2024-03-04T24:00:00+00:00",
            "20240304T081500+00:00",
            "2024-03-04 08:15:00.5+00:00",
            "2024-W10-1T00:00:00+00:00",
            "1709542800",
            "1709542800.5",
            "le 4 mars",
            "+00:00",
            "",
            1709542800,
            1709542800.25,
            -1e30,
            True,
        ]
    )
    | _ANY
)
_GOOD: dict[str, Any] = {
    "platform": st.sampled_from(["x", "bluesky", " web ", "mastodon"]),
    "id": st.sampled_from(["1", " 42 ", "at://did:plc:a/app.bsky.feed.post/3k"]) | _ID,
    "url": st.none()
    | st.sampled_from(
        [
            "",
            " ",
            " https://x.com/a/1 ",
            "https://x.com/a/1",
            "https://x.com/" + "u" * 2100,
        ]
    ),
    "author_id": st.none() | st.sampled_from(["", " ", "42", " 7 "]),
    "author_handle": st.none() | st.sampled_from(["", "lea_m", " bob@piaille.fr "]),
    "author_name": st.none() | _TEXT | st.just("n" * 2100),
    "author_followers": _COUNT,
    "author_verified": st.none() | st.booleans(),
    "text": _TEXT
    | st.sampled_from(
        [
            "#Cafélia @bob https://cafelia.fr/aide.",
            "u/someone",
            "é #a " * 20_001,
        ]
    ),
    "title": st.none() | st.sampled_from(["", " T ", "Titre", "t" * 2100]),
    "lang": st.none() | st.sampled_from(["fr", "en-GB", " EN ", "und", "qaa", "fr_FR", ""]),
    "created_at": _GOOD_TIME,
    "edited_at": st.none() | _GOOD_TIME,
    "reply_to": st.none() | st.sampled_from(["", " 1 ", "2"]),
    "repost_of": st.none() | st.sampled_from(["", "at://x"]),
    "quote_of": st.none() | st.sampled_from(["", "9"]),
    "hashtags": st.none()
    | st.lists(st.sampled_from(["#a", "A", " ＃b ", "", "#", "c d"]), max_size=4),
    "mentions": st.none() | st.lists(st.sampled_from(["@a", "A", " @b ", "", "@"]), max_size=4),
    "links": st.none()
    | st.lists(st.sampled_from(["https://a.fr", " https://b.fr ", ""]), max_size=3),
    "likes": _COUNT,
    "reposts": _COUNT,
    "replies": _COUNT,
    "views": _COUNT,
}


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly well-formed records: a few fields absent, a few holding anything JSON can."""
    keys = st.sampled_from(list(_GOOD))
    absent = draw(st.sets(keys, max_size=4))
    odd = draw(st.sets(keys, max_size=2))
    rec: dict[str, Any] = {}
    for key, good in _GOOD.items():
        if key in absent:
            continue
        if key not in odd:
            rec[key] = draw(good)
        elif key in ("created_at", "edited_at"):
            rec[key] = draw(_TIMES)
        else:
            rec[key] = draw(_ANY | st.lists(_NASTY_TEXT, max_size=3))
    if draw(st.booleans()):
        rec["extra"] = draw(_ANY)
    return rec


def _careful(rec: dict[str, Any], raw: bytes) -> Mention | None:
    try:
        return record_to_mention(rec, raw)
    except RECORD_ERRORS:
        return None


def _check_fast(rec: dict[str, Any], raw: bytes) -> bool:
    """Whether the fast path took ``rec``; asserts it gave what the careful path gives."""
    fast = fast_record_to_mention(rec, raw)
    if fast is None:
        return False
    careful = _careful(rec, raw)
    assert careful is not None, rec
    assert fast == careful and repr(fast) == repr(careful), rec
    return True


@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(records(), st.booleans())
def test_fast_path_gives_what_the_careful_path_gives(rec: dict[str, Any], ascii_: bool) -> None:
    # The raw line as orjson writes it (UTF-8) or as Python's json module does (\uXXXX).
    try:
        raw = json.dumps(rec, ensure_ascii=ascii_, allow_nan=False).encode()
        decoded = orjson.loads(raw)
    except (ValueError, orjson.JSONDecodeError):
        return  # not JSON lines orjson would read (a float out of range, a big integer)
    event("fast" if _check_fast(decoded, raw) else "careful")


def test_fast_path_takes_well_formed_records() -> None:
    """What ``to_record`` writes goes the fast way, escapes and all; so does a record with
    every optional field left out."""
    m = _example().with_(
        text='l1\nl2\t"quoted" \\ back',
        title="T",
        url="https://x.com/1",
        edited_at=datetime(2024, 3, 5, tzinfo=UTC),
        hashtags=("a", "B"),
    )
    for raw in (
        orjson.dumps(to_record(m)),
        json.dumps(to_record(m)).encode(),
        b'{"platform":"x","id":"1","text":"#a @b https://c.fr","created_at":1}',
    ):
        assert _check_fast(orjson.loads(raw), raw), raw


def test_fast_path_leaves_control_characters_to_clean() -> None:
    for raw in (
        b'{"platform":"x","id":"1","text":"nul\\u0000","created_at":1}',
        b'{"platform":"x","id":"1","text":"t","author_name":"bell\\u0007","created_at":1}',
        b'{"platform":"x","id":"1","text":"t","hashtags":["a\\bb"],"created_at":1}',
        b'{"platform":"x","id":"1","text":"t","title":"form\\ffeed","created_at":1}',
        b'{"platform":"x","id":"1","text":"del \x7f","created_at":1}',
    ):
        rec = orjson.loads(raw)
        assert fast_record_to_mention(rec, raw) is None
        assert "\x00" not in record_to_mention(rec, raw).text
    # An escaped backslash before a "u" is no control character: still the fast way.
    raw = b'{"platform":"x","id":"1","text":"C:\\\\users","created_at":1}'
    assert _check_fast(orjson.loads(raw), raw)


def test_fast_path_on_the_samples_and_the_demo() -> None:
    lines = sample("tocsin.jsonl").read_bytes().split(b"\n")
    taken = 0
    for raw in lines:
        try:
            rec = orjson.loads(raw)
        except orjson.JSONDecodeError:
            continue
        if isinstance(rec, dict):
            taken += _check_fast(rec, raw)
    assert taken == 4  # line 3 has "likes": "7", line 5 "hashtags" as a string: careful path
    stream, _ = generate(DemoConfig(seed=3, days=2, posts_per_hour=20))
    for m in stream:
        raw = orjson.dumps(to_record(m))
        assert _check_fast(orjson.loads(raw), raw)
