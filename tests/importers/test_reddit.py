"""Reddit listings and comment pages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import orjson

from tests.importers.helpers import check_invariants, read_all, sample
from tocsin.domain import Author, Metrics
from tocsin.importers.reddit import MAX_DEPTH, RedditImporter

POST_TEXT = (
    "Cafélia : 3 semaines sans ma commande & aucun remboursement 😡\n\n"
    "J'ai commandé le 12/02, débité le jour même.\n\n"
    "Le SAV ne répond plus. Quelqu'un a une piste ? > mail, téléphone, rien.\n\n"
    "Édit : merci u/cafeinomane pour le lien "
    "https://www.service-public.fr/particuliers/vosdroits/F10485."
)


def test_new_listing() -> None:
    importer = RedditImporter()
    mentions, dead = read_all(importer, sample("reddit_new.json"))
    check_invariants(mentions, dead, "reddit")
    post, link = mentions
    assert post.platform == "reddit" and post.native_id == "t3_1b6abcd"
    assert post.title == "Cafélia : 3 semaines sans ma commande & aucun remboursement 😡"
    assert post.text == POST_TEXT  # title, blank line, self text; entities decoded
    assert post.author == Author("reddit", "t2_9f8e7d", "lea_m_fr")
    assert post.created_at == datetime(2024, 3, 4, 8, 15, tzinfo=UTC)
    assert post.edited_at == datetime(2024, 3, 4, 10, 15, tzinfo=UTC)
    assert post.url == (
        "https://www.reddit.com/r/france/comments/1b6abcd/cafélia_3_semaines_sans_ma_commande/"
    )
    assert post.mentions == ("cafeinomane",)
    assert post.links == ("https://www.service-public.fr/particuliers/vosdroits/F10485",)
    assert post.metrics == Metrics(likes=842, reposts=2, replies=213)
    assert post.language is None
    assert orjson.loads(post.raw)["data"]["name"] == "t3_1b6abcd"

    assert link.author == Author("reddit", "", "[deleted]")
    assert link.text == link.title == "Cafelia accused of withholding refunds – Le Parisien"
    assert link.links == ("https://www.leparisien.fr/economie/cafelia-123.php",)
    assert link.edited_at is None

    assert [(d.position, d.reason) for d in dead] == [
        ("record 3", "'created_utc': not a number of seconds: 'hier'"),
        ("record 4", "'title' is missing"),
    ]
    assert importer.skipped == {"t5 thing": 1}


def test_comment_page_walks_the_reply_tree() -> None:
    importer = RedditImporter()
    mentions, dead = read_all(importer, sample("reddit_comments.json"))
    check_invariants(mentions, dead, "reddit")
    assert [(m.native_id, m.reply_to) for m in mentions] == [
        ("t3_1b6abcd", None),
        ("t1_kc1", "t3_1b6abcd"),
        ("t1_kc2", "t1_kc1"),
        ("t1_kc3", "t1_kc2"),
        ("t1_kc5", "t3_1b6abcd"),
    ]
    kc1, kc2, kc3, kc5 = mentions[1:]
    assert kc1.text == "Saisis la DGCCRF : https://signal.conso.gouv.fr/ (ça marche, vraiment)."
    assert kc1.links == ("https://signal.conso.gouv.fr/",) and kc1.title is None
    assert kc1.metrics == Metrics(likes=301)
    assert kc1.url and kc1.url.endswith("/kc1/")
    assert b'"replies":""' in kc1.raw  # the nested tree is not repeated in raw
    assert kc2.text == "Même chose pour moi, 89 € & pas un mot. /u/cafelia_official vous lisez ?"
    assert kc2.mentions == ("cafelia_official",)
    assert kc2.edited_at == datetime(2024, 3, 4, 8, 56, 40, 500000, tzinfo=UTC)
    assert kc3.author == Author("reddit", "", "[deleted]") and kc3.text == "[deleted]"
    assert kc5.metrics.likes is None  # a negative score is not a like count
    assert [(d.position, d.reason) for d in dead] == [
        ("record 6", "'body' must be a string, got object"),
    ]
    assert importer.skipped == {"more (comments not loaded)": 1}


def _comment(n: int, replies: Any = "") -> dict[str, Any]:
    return {
        "kind": "t1",
        "data": {
            "id": f"c{n}",
            "name": f"t1_c{n}",
            "body": f"level {n}",
            "author": "a",
            "created_utc": 1709540100 + n,
            "parent_id": f"t1_c{n - 1}",
            "replies": replies,
        },
    }


def test_deep_reply_trees_are_bounded() -> None:
    depth = MAX_DEPTH + 20
    tree: Any = ""
    for n in range(depth, 0, -1):
        tree = {"kind": "Listing", "data": {"children": [_comment(n, tree)]}}
    data = json.dumps(tree).encode()
    mentions, dead = read_all(RedditImporter(), data)
    assert len(mentions) == MAX_DEPTH + 1
    assert [d.reason for d in dead] == [
        f"replies nested deeper than {MAX_DEPTH} levels were not read"
    ]


def test_json_lines_of_listings_and_hostile_input() -> None:
    listing = json.loads(sample("reddit_new.json").read_text())
    lines = b"\n".join(
        [
            json.dumps(listing).encode(),
            b"[" * 5000,
            b'{"kind": "Listing", "data": {"children": [42, {"kind": "t1"}]}}',
            b'{"kind": "t1", "data": {"name": "t1_z", "body": "\\u0000nul", "created_utc": 1e300}}',
        ]
    )
    mentions, dead = read_all(RedditImporter(), lines)
    assert [m.native_id for m in mentions] == ["t3_1b6abcd", "t3_1b6efgh"]
    assert [(d.position, d.reason.split(" at ")[0]) for d in dead] == [
        ("line 1, record 3", "'created_utc': not a number of seconds: 'hier'"),
        ("line 1, record 4", "'title' is missing"),
        ("line 2", "invalid JSON: depth limit exceeded"),
        ("line 3, record 1", "expected a Reddit thing, got number"),
        ("line 3, record 2", "not a Reddit thing (object without kind and data)"),
        ("line 4, record 1", "'created_utc': timestamp out of range: 1e+300"),
    ]
