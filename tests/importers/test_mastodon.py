"""Mastodon statuses: REST arrays, JSON lines, server-sent events, WebSocket messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import orjson
import pytest

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import Author, Mention, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers.mastodon import MastodonImporter

ALICE_STATUS = "https://piaille.fr/users/alice/statuses/112033445566778899"
BOB_STATUS = "https://mamot.fr/users/bob/statuses/112033500000000001"
ALICE = Author("mastodon", "alice@piaille.fr", "alice@piaille.fr", "Alice 🌻", 2310, None)
BOB = Author("mastodon", "bob@mamot.fr", "bob@mamot.fr", "Bob :blobcoffee:", 88, None)
BRAND = Author(
    "mastodon", "cafelia@piaille.fr", "cafelia@piaille.fr", "Cafélia (officiel)", 15020, None
)
ALICE_TEXT = (
    "Trois semaines sans nouvelles de ma commande #Cafélia & le SAV ne répond pas 😤\n\n"
    "Quelqu'un a eu un remboursement ?\nCc @bob https://cafelia.fr/aide/remboursement-et-retours"
)


def _check_alice(m: Mention) -> None:
    assert m.native_id == ALICE_STATUS
    assert m.author == ALICE
    assert m.text == ALICE_TEXT
    assert m.url == "https://piaille.fr/@alice/112033445566778899"
    assert m.created_at == datetime(2024, 3, 4, 8, 45, 12, tzinfo=UTC)
    assert m.hashtags == ("cafélia",) and m.mentions == ("bob@mamot.fr",)
    assert m.links == ("https://cafelia.fr/aide/remboursement-et-retours",)
    assert m.metrics == Metrics(likes=30, reposts=12, replies=4)
    assert m.language == "fr" and m.edited_at is None


def _check_bob(m: Mention) -> None:
    assert m.native_id == BOB_STATUS and m.author == BOB
    assert m.title == "Coup de gueule"
    assert m.text == (
        "Coup de gueule\n\n@alice pareil, et leur #remboursement « sous 48 h » c'est du vent."
    )
    assert m.reply_to == "112033445566778899"
    assert m.edited_at == datetime(2024, 3, 4, 9, 5, 30, tzinfo=UTC)
    assert m.mentions == ("alice@piaille.fr",)  # local acct made global
    assert m.links == ()  # mention and hashtag links are not links


def test_tag_timeline_array() -> None:
    mentions, dead = read_all(MastodonImporter(), sample("mastodon_tag.json"))
    check_invariants(mentions, dead, "mastodon")
    assert len(mentions) == 4
    _check_alice(mentions[0])
    _check_bob(mentions[1])
    assert orjson.loads(mentions[0].raw)["id"] == "112033445566778899"

    boost = mentions[2]
    assert boost.author == BRAND and boost.text == ""
    assert boost.native_id.endswith("/112033600000000002/activity")
    assert boost.repost_of == ALICE_STATUS
    assert boost.url == "https://piaille.fr/@alice/112033445566778899"

    sorry = mentions[3]
    assert sorry.text == "We're sorry for the delays <3 Refunds are on their way."
    assert sorry.language == "en"
    assert sorry.metrics == Metrics(likes=None, reposts=None, replies=0)  # -1, "lots": unknown

    assert [(d.position, d.reason) for d in dead] == [
        ("record 5", "'created_at' is missing"),
        ("record 6", "'account' is missing"),
        ("record 7", "expected a status object, got number"),
    ]
    assert dead[2].raw == b"17"


def test_streaming_server_sent_events() -> None:
    importer = MastodonImporter()
    mentions, dead = read_all(importer, sample("mastodon_stream.txt"))
    check_invariants(mentions, dead, "mastodon")
    _check_alice(mentions[0])
    _check_bob(mentions[1])
    assert len(mentions) == 2
    assert [(d.position, d.reason) for d in dead] == [
        ("line 14", "invalid JSON: unexpected end of data at column 14"),
    ]
    assert dead[0].raw == b'{"id": "trunc'
    assert importer.skipped == {"delete event": 1, "notification event": 1}


def test_websocket_messages() -> None:
    importer = MastodonImporter()
    mentions, dead = read_all(importer, sample("mastodon_ws.jsonl"))
    assert dead == [] and len(mentions) == 2
    _check_alice(mentions[0])
    _check_bob(mentions[1])
    assert importer.skipped == {"delete event": 1}


def test_jsonl_statuses_search_results_and_fallback_ids() -> None:
    statuses = json.loads(sample("mastodon_tag.json").read_text())
    lines = "\n".join(json.dumps(s) for s in statuses[:2]) + "\n"
    mentions, dead = read_all(MastodonImporter(), lines.encode())
    assert dead == [] and [m.native_id for m in mentions] == [ALICE_STATUS, BOB_STATUS]
    assert mentions[0].raw == json.dumps(statuses[0]).encode()

    search = json.dumps({"accounts": [], "hashtags": [], "statuses": statuses[:1]}, indent=2)
    mentions, dead = read_all(MastodonImporter(), search.encode())
    assert [m.native_id for m in mentions] == [ALICE_STATUS]

    no_uri = dict(statuses[0], uri=None)
    [m], [] = read_all(MastodonImporter(), json.dumps([no_uri]).encode())
    assert m.native_id == "piaille.fr/112033445566778899"


def test_html_is_never_evaluated() -> None:
    status = json.loads(sample("mastodon_tag.json").read_text())[0]
    status["content"] = (
        '<p>x<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">y</a>&lt;script&gt;</p>'
    )
    [m], [] = read_all(MastodonImporter(), json.dumps([status]).encode())
    assert m.text == "xy<script>" and m.links == ()


def test_invalid_document() -> None:
    with pytest.raises(ImportFormatError):
        read_all(MastodonImporter(), b'[\n  {"id": "1",\n  oops\n]\n')
