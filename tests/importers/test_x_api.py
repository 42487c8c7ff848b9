"""X API v2 responses."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import Author, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers.x_api import XApiV2Importer

ORIG = "1764565190046646272"
REPLY = "1764566578361270273"
QUOTE = "1764576514667446274"
RT = "1764584064414646275"
EDIT0, EDIT1 = "1764591614161846276", "1764592671126454277"
LONG = "1764606713656246278"
RT_ORIGINAL = "1764350022251446280"

LEA = Author("x", "1001", "lea_m", "Léa Martin ☕", 1532, False)
BRAND = Author("x", "2002", "cafelia_fr", "Cafélia France", 48210, True)
SAM = Author("x", "3003", "sam_drinks", "Sam", 87, False)


def test_search_response() -> None:
    path = sample("x_api_search.json")
    mentions, dead = read_all(XApiV2Importer(), path)
    check_invariants(mentions, dead, "x_api_v2")
    by_id = {m.native_id: m for m in mentions}
    assert list(by_id) == [ORIG, REPLY, QUOTE, RT, EDIT0, LONG]

    first = by_id[ORIG]
    assert first.platform == "x" and first.author == LEA
    assert first.text == (
        "Encore une commande @cafelia_fr jamais livrée 😡 #Cafélia #arnaque https://t.co/AbCdEf1234"
    )
    assert first.created_at == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert first.url == f"https://x.com/lea_m/status/{ORIG}"
    assert first.language == "fr"
    assert first.hashtags == ("Cafélia", "arnaque") and first.mentions == ("cafelia_fr",)
    assert first.links == ("https://cafelia.fr/aide/commande",)  # expanded, not t.co
    assert first.metrics == Metrics(likes=148, reposts=31, replies=12, views=20417)
    assert first.edited_at is None and first.reply_to is None
    assert orjson.loads(first.raw)["id"] == ORIG

    reply = by_id[REPLY]
    assert reply.author == BRAND and reply.reply_to == ORIG
    assert "désolés & allons" in reply.text  # X escapes & as &amp;

    quote = by_id[QUOTE]
    assert quote.author == SAM and quote.quote_of == ORIG and quote.language == "en"

    rt = by_id[RT]
    assert rt.repost_of == RT_ORIGINAL
    assert rt.text.startswith("RT @lea_m: Encore une commande") and rt.text.endswith(
        "c'est inadmissible."
    )  # the cut retweet text is completed from includes.tweets

    edited = by_id[EDIT0]  # identity: the first version's id
    assert edited.created_at == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)  # from the snowflake
    assert edited.edited_at == datetime(2024, 3, 4, 10, 4, 12, tzinfo=UTC)
    assert edited.url == f"https://x.com/lea_m/status/{EDIT1}"
    assert edited.text.startswith("MISE À JOUR")

    long = by_id[LONG]  # note_tweet: the full text, its own entities
    assert len(long.text) > 900 and long.text.endswith("Fin. @cafelia_fr https://cafelia.fr/cgv")
    assert long.links == ("https://cafelia.fr/cgv",) and long.mentions == ("cafelia_fr",)
    assert long.author == Author("x", "4004")  # not in includes.users
    assert long.url == f"https://x.com/i/web/status/{LONG}"

    assert [(d.position, d.reason) for d in dead] == [
        ("record 7", "'created_at' is missing"),
        ("record 8", "'text' must be a string, got array"),
        (
            "error 1",
            "X API error: Not Found Error: Could not find tweet with ids: [1700000000000000000].",
        ),
    ]
    assert orjson.loads(dead[0].raw)["text"] == "pas de date"
    assert orjson.loads(dead[2].raw)["title"] == "Not Found Error"


def test_jsonl_pages() -> None:
    mentions, dead = read_all(XApiV2Importer(), sample("x_api_pages.jsonl"))
    check_invariants(mentions, dead, "x_api_v2")
    assert [m.native_id for m in mentions] == [ORIG, REPLY, QUOTE]
    assert [m.author for m in mentions] == [LEA, BRAND, SAM]
    assert [(d.position, d.reason) for d in dead] == [
        ("line 3", "invalid JSON: unexpected end of data at column 39"),
        (
            "line 5, error 1",
            "X API error: Authorization Error: Sorry, you are not authorized "
            "to see the Tweet with id: [1].",
        ),
    ]


def test_single_tweet_lookup_and_bare_tweets() -> None:
    single = {
        "data": {
            "id": "1",
            "text": "hello",
            "created_at": "2024-01-01T00:00:00.000Z",
            "edit_history_tweet_ids": ["1"],
        }
    }
    [m], [] = read_all(XApiV2Importer(), json.dumps(single).encode())
    assert m.native_id == "1" and m.author == Author("x", "")
    # twarc's flattened lines: one tweet per line, the author inline.
    line = {
        "id": "2",
        "text": "flat",
        "created_at": "2024-01-01T00:00:00.000Z",
        "author_id": "9",
        "author": {"id": "9", "username": "flat_user", "name": "F"},
    }
    [m2], [] = read_all(XApiV2Importer(), (json.dumps(line) + "\n").encode())
    assert m2.author.handle == "flat_user" and m2.raw == json.dumps(line).encode()
    # An array of responses, as some collectors save them.
    pages = [single, {"data": [{"id": "3", "text": "x"}]}]
    ms, dead = read_all(XApiV2Importer(), json.dumps(pages, indent=1).encode())
    assert [m.native_id for m in ms] == ["1"]
    assert [(d.position, d.reason) for d in dead] == [
        ("page 2, record 1", "'created_at' is missing")
    ]


def test_not_a_response() -> None:
    ms, dead = read_all(XApiV2Importer(), b'{"foo": 1}\n[1, 2]\n"text"\n')
    assert ms == []
    assert [(d.position, d.reason) for d in dead] == [
        ("line 1", "not an X API response (no data, errors or meta)"),
        ("line 2", "expected an X API response object, got array"),
        ("line 3", "expected an X API response object, got string"),
    ]


def test_hostile_documents_fail_cleanly() -> None:
    with pytest.raises(ImportFormatError, match="not a valid JSON document"):
        read_all(XApiV2Importer(), b'{\n  "data": [\n' + b"[" * 5000 + b"\n")
    nested = b'{"data": [' + b"[" * 2000 + b"]" * 2000 + b"]}"
    with pytest.raises(ImportFormatError, match="depth limit"):  # the whole (one-line) file
        read_all(XApiV2Importer(), nested)
    good = b'{"meta": {"result_count": 0}}'
    bad_utf8 = b'{"data": [{"id": "1", "text": "\xff"}]}'
    ms, dead = read_all(XApiV2Importer(), b"\n".join([good, nested, bad_utf8, good]))
    assert ms == []
    assert [(d.position, d.reason.split(" at ")[0]) for d in dead] == [
        ("line 2", "invalid JSON: depth limit exceeded"),
        ("line 3", "invalid JSON: str is not valid UTF-8: surrogates not allowed"),
    ]
