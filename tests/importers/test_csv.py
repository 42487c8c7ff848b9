"""Tocsin's own CSV format."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import MAX_RAW_BYTES, Author, Metrics
from tocsin.errors import ImportFormatError
from tocsin.importers.generic import COLUMNS, CSV_HEADER, CsvImporter, JsonlImporter, to_csv_row


def test_csv_round_trip_of_the_jsonl_sample() -> None:
    originals, _ = read_all(JsonlImporter(), sample("tocsin.jsonl"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(to_csv_row(m) for m in originals)
    back, dead = read_all(CsvImporter(), out.getvalue().encode())
    assert dead == []
    assert [m.with_(raw=b"") for m in back] == [m.with_(raw=b"") for m in originals]


# --- CSV --------------------------------------------------------------------------------------


def test_csv_sample() -> None:
    path = sample("tocsin.csv")
    mentions, dead = read_all(CsvImporter(), path)
    check_invariants(mentions, dead, "csv")
    first = mentions[0]
    assert first.author == Author("x", "42", "lea_m", "Martin, Léa", 1532, False)
    assert first.text == (
        'Encore une commande Cafélia jamais livrée 😡\nDeuxième ligne, avec "guillemets".'
    )
    assert first.edited_at == datetime(2024, 3, 4, 8, 20, tzinfo=UTC)
    assert first.hashtags == ("Cafélia", "arnaque") and first.mentions == ("cafelia_fr",)
    assert first.links == ("https://cafelia.fr/aide",)
    assert first.metrics == Metrics(12, 3, 4, 2048)
    assert first.raw.startswith(b"x,1750000000000000001,") and first.raw.count(b"\n") == 1

    comment = mentions[1]
    assert comment.native_id == "t1_abc" and comment.reply_to == "t3_xyz"
    assert comment.created_at == datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    assert comment.hashtags == ("refund",) and comment.mentions == ("someone",)  # empty cells

    last = mentions[2]
    assert last.text == "Dernière ligne OK 👍"
    assert last.created_at == datetime(2024, 3, 4, 6, 15, tzinfo=UTC)
    assert mentions[3].native_id == "9"  # after the undecodable line

    assert [(d.position, d.reason) for d in dead] == [
        ("line 5", "'created_at': not an ISO 8601 time: 'yesterday'"),
        ("line 6", "row has 26 cells, the header 23"),
        ("line 7", "'likes' must be a non-negative integer, got '-3'"),
        ("line 8", "'platform' is missing"),
        ("line 10", "not valid UTF-8 (byte 19 of line 10)"),
    ]
    assert dead[-1].raw.startswith(b"x,8,") and b"\xff\xfe" in dead[-1].raw


def test_csv_semicolon_from_a_french_spreadsheet() -> None:
    mentions, dead = read_all(CsvImporter(), sample("tocsin_semicolon.csv"))
    assert dead == []
    assert mentions[0].text == 'Très déçue par Cafélia ; "service client" injoignable 😤\n#Cafélia'
    assert mentions[0].hashtags == ("Cafélia",)
    assert mentions[0].author.verified is True and mentions[0].metrics.likes == 3
    assert mentions[1].author.verified is False and mentions[1].hashtags == ("calme",)


def test_csv_bad_headers() -> None:
    with pytest.raises(ImportFormatError, match="required columns"):
        read_all(CsvImporter(), b"platform,id,body\nx,1,hello\n")
    with pytest.raises(ImportFormatError, match="empty"):
        read_all(CsvImporter(), b"\n\n")
    with pytest.raises(ImportFormatError, match="UTF-8"):
        read_all(CsvImporter(), b"platform,id,text,created_at,\xff\n")


def test_csv_hostile_rows() -> None:
    header = b"platform,id,text,created_at\n"
    data = (
        header
        + b"\n".join(
            [
                b"x,1," + b"a" * (MAX_RAW_BYTES + 5) + b",1",
                b'x,2,"nul \x00 inside",1',
                b'x,3,"' + b"b" * 200_000 + b'",1',
                b"x,4,ok,1",
            ]
        )
        + b"\n"
    )
    mentions, dead = read_all(CsvImporter(), data)
    assert [m.native_id for m in mentions] == ["2", "4"]
    assert mentions[0].text == "nul  inside"
    assert [d.reason.split(" (")[0] for d in dead] == [
        "line is longer than 1,000,000 bytes",
        "CSV error: field larger than field limit",
    ]
    assert all(len(d.raw) <= MAX_RAW_BYTES for d in dead)


def test_csv_byte_order_mark_and_crlf() -> None:
    data = ("\ufeff" + CSV_HEADER + "\r\n" + "x,1,,,,,,,Cafélia,,fr,1709540100\r\n").encode()
    [m], [] = read_all(CsvImporter(), data)  # fewer cells than the header: the rest unknown
    assert m.native_id == "1" and m.text == "Cafélia"
    assert m.raw == "x,1,,,,,,,Cafélia,,fr,1709540100".encode()
    assert m.created_at == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)


def test_to_csv_row_writes_booleans_and_unknowns() -> None:
    [m], _ = read_all(JsonlImporter(), sample("tocsin.jsonl").read_bytes().split(b"\n")[0])
    row = dict(zip(COLUMNS, to_csv_row(m), strict=True))
    assert row["author_verified"] == "false" and row["title"] == ""
    assert row["hashtags"] == "Cafélia arnaque" and row["likes"] == "12"
