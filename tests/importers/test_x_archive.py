"""The X account archive's tweets.js."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import Author, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers.x_archive import OWNER_ID, UNKNOWN_ORIGINAL, XArchiveImporter

TWEETS = sample("x_archive/data/tweets.js")
LEA = Author("x", "1001", "lea_m", "Léa Martin ☕")


def test_archive_with_account_js() -> None:
    mentions, dead = read_all(XArchiveImporter(), TWEETS)
    check_invariants(mentions, dead, "x_archive")
    assert [m.native_id for m in mentions] == [
        "1764565190046646272",
        "1764570000000000000",
        "1764590000000000000",
        "1764600000000000000",
        "1764591614161846276",
    ]
    assert {m.author for m in mentions} == {LEA}

    first = mentions[0]
    assert first.text == (
        "Encore une commande @cafelia_fr jamais livrée 😡 #Cafélia #arnaque https://t.co/AbCdEf1234"
    )
    assert first.created_at == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert first.url == "https://x.com/lea_m/status/1764565190046646272"
    assert first.hashtags == ("Cafélia", "arnaque") and first.mentions == ("cafelia_fr",)
    assert first.links == ("https://cafelia.fr/aide/commande",)
    assert first.metrics == Metrics(likes=148, reposts=31)  # counts are strings in archives
    assert first.language == "fr"
    assert orjson.loads(first.raw)["tweet"]["id_str"] == first.native_id

    reply = mentions[1]
    assert reply.reply_to == "1764566578361270273"
    assert reply.text == "@cafelia_fr C'est fait. Commande n° 48213 & toujours rien >:("

    retweet = mentions[2]
    assert retweet.repost_of == UNKNOWN_ORIGINAL and retweet.text.startswith("RT @sam_drinks:")

    quote = mentions[3]
    assert quote.quote_of == "1764566578361270273" and quote.repost_of is None

    edited = mentions[4]
    assert edited.created_at == datetime(2024, 3, 4, 10, 0, tzinfo=UTC)
    assert edited.edited_at == datetime(2024, 3, 4, 10, 4, 12, tzinfo=UTC)
    assert edited.url == "https://x.com/lea_m/status/1764592671126454277"

    assert [(d.position, d.reason) for d in dead] == [
        ("record 6", "'created_at': not a Twitter time: 'lundi 4 mars 2024'"),
        ("record 7", "'full_text' is missing"),
        ("record 8", "expected a tweet object, got string"),
    ]
    assert dead[2].raw == b'"not a tweet"'


def test_archive_without_account_js(tmp_path: Path) -> None:
    alone = tmp_path / "tweets.js"
    shutil.copy(TWEETS, alone)
    mentions, _ = read_all(XArchiveImporter(), alone)
    assert {m.author for m in mentions} == {Author("x", OWNER_ID)}
    assert mentions[0].url == "https://x.com/i/web/status/1764565190046646272"
    # A stream without a file name: the same.
    mentions, _ = read_all(XArchiveImporter(), TWEETS.read_bytes(), source="<stdin>")
    assert mentions[0].author.id == OWNER_ID


def test_broken_account_js_is_ignored(tmp_path: Path) -> None:
    shutil.copy(TWEETS, tmp_path / "tweets.js")
    (tmp_path / "account.js").write_bytes(b"window.YTD.account.part0 = [ {oops")
    mentions, _ = read_all(XArchiveImporter(), tmp_path / "tweets.js")
    assert mentions[0].author.id == OWNER_ID


def test_other_parts_and_garbage() -> None:
    part = (
        b'window.YTD.tweets.part1 = [ {"tweet": {"id_str": "5", "full_text": "p1", '
        b'"created_at": "Mon Mar 04 08:15:00 +0000 2024"}} ]'
    )
    [m], [] = read_all(XArchiveImporter(), part)
    assert m.native_id == "5" and m.text == "p1"
    with pytest.raises(ImportFormatError, match=r"account file, not tweets\.js"):
        read_all(XArchiveImporter(), sample("x_archive/data/account.js"))
    with pytest.raises(ImportFormatError, match="not an X archive"):
        read_all(XArchiveImporter(), b"var x = 1;")
    with pytest.raises(ImportFormatError, match="not valid JSON"):
        read_all(XArchiveImporter(), b"window.YTD.tweets.part0 = [ {")
    with pytest.raises(ImportFormatError, match="expected an array"):
        read_all(XArchiveImporter(), b"window.YTD.tweets.part0 = {}")
