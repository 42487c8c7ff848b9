"""Bluesky Jetstream events."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import MAX_RAW_BYTES, Author, Metrics
from tocsin.importers.bluesky import JetstreamImporter

ALICE = "did:plc:4lic3zq7xk2m5v6n8b9c0d1e"
BOB = "did:plc:b0bqwe3rty7uiop2asd4fgh5"
POST1 = f"at://{ALICE}/app.bsky.feed.post/3kmq2yqjs7k2c"


def test_jetstream_sample() -> None:
    importer = JetstreamImporter()
    path = sample("bluesky_jetstream.jsonl")
    mentions, dead = read_all(importer, path)
    check_invariants(mentions, dead, "bluesky_jetstream")
    lines = path.read_bytes().split(b"\n")

    first = mentions[0]
    assert first.platform == "bluesky" and first.native_id == POST1
    assert first.author == Author("bluesky", ALICE, ALICE)
    assert first.text.startswith("Énorme déception 😡 avec @cafelia.bsky.social")
    assert first.created_at == datetime(2024, 3, 4, 8, 15, 0, 123000, tzinfo=UTC)
    assert first.url == f"https://bsky.app/profile/{ALICE}/post/3kmq2yqjs7k2c"
    assert first.language == "fr"
    # Facets index UTF-8 bytes: the accents and the emoji before them must not shift them.
    assert first.mentions == ("cafelia.bsky.social",)
    assert first.hashtags == ("Cafélia", "SAV")
    assert first.links == ("https://cafelia.fr/aide/remboursement-et-retours",)  # not the cut text
    assert first.metrics == Metrics() and first.raw == lines[0]

    reply = mentions[1]
    assert reply.reply_to == POST1 and reply.mentions == ("alice.example.com",)
    assert reply.language == "fr"  # first of ["fr-FR", "en"]

    quote = mentions[2]
    assert quote.quote_of == POST1 and quote.language == "en"

    external = mentions[3]
    assert external.links == ("https://www.leparisien.fr/economie/cafelia-123.php",)
    assert external.hashtags == ("cafelia",)  # no facets: from the text

    update = mentions[4]
    assert update.native_id == POST1  # same post, newer version
    assert update.edited_at == datetime(2024, 3, 4, 9, 20, tzinfo=UTC)  # time_us
    assert update.version_time > first.version_time

    repost = mentions[5]
    assert repost.native_id == f"at://{BOB}/app.bsky.feed.repost/3kmq8repost02"
    assert repost.text == "" and repost.repost_of == POST1 and repost.url is None
    assert len(mentions) == 6

    assert [(d.position, d.reason) for d in dead] == [
        ("line 11", "'createdAt': not an ISO 8601 time: 'hier soir'"),
        ("line 12", "invalid JSON: unexpected end of data at column 108"),
        ("line 13", "'record.text' is missing"),
        ("line 14", "'did' is not a DID"),
    ]
    assert [d.raw for d in dead] == lines[10:14]
    assert importer.skipped == {
        "app.bsky.feed.post delete": 1,
        "app.bsky.feed.like commit": 1,
        "identity event": 1,
        "account event": 1,
    }


def _post(text: str, facets: list[object]) -> bytes:
    return json.dumps(
        {
            "did": ALICE,
            "time_us": 1,
            "kind": "commit",
            "commit": {
                "rev": "r",
                "operation": "create",
                "collection": "app.bsky.feed.post",
                "rkey": "3abc",
                "record": {"text": text, "createdAt": "2024-03-04T08:00:00Z", "facets": facets},
            },
        }
    ).encode()


def test_bad_facets_are_ignored_not_fatal() -> None:
    text = "café @bob.test"
    facets: list[object] = [
        {
            "index": {"byteStart": 99, "byteEnd": 120},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob"}],
        },
        {
            "index": {"byteStart": 6, "byteEnd": 15},
            "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:bob2"}],
        },
        {"index": "nope", "features": "nope"},
        "garbage",
    ]
    [m], [] = read_all(JetstreamImporter(), _post(text, facets))
    assert m.mentions == ("did:plc:bob", "bob.test")


def test_hostile_lines() -> None:
    good = _post("ok", [])
    data = b"\n".join(
        [
            good,
            b'{"did": "' + b"x" * (MAX_RAW_BYTES + 1) + b'"}',
            b"{" * 50_000,
            b"\x00\xff\xfe",
            b'{"time_us": 1}',
            b'{"did": "did:plc:a", "time_us": 1, "kind": "commit", "commit": "x"}',
            b'{"did": "did:plc:a", "time_us": 1, "kind": "commit", "commit": {"collection": '
            b'"app.bsky.feed.post", "operation": "create", "rkey": "../../etc", "record": {}}}',
            good,
        ]
    )
    mentions, dead = read_all(JetstreamImporter(), data)
    assert len(mentions) == 2
    assert [d.reason.split(":")[0] for d in dead] == [
        "line is longer than 1,000,000 bytes",
        "invalid JSON",
        "invalid JSON",
        "not a Jetstream event",
        "a commit event without a 'commit' object",
        "'commit.rkey' is not a record key",
    ]


def test_skipped_counts_are_per_read() -> None:
    importer = JetstreamImporter()
    data = sample("bluesky_jetstream.jsonl").read_bytes()
    read_all(importer, data)
    read_all(importer, data)
    assert importer.skipped["identity event"] == 1
