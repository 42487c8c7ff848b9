"""Generated conversations with a known structure, stored in an in-memory store.

A brand post (``BRAND_POST``) opens a thread: replies from fans (some replying to replies),
reposts and quotes from the crowd, and noise on other subjects — some of it carrying #ad, so
a disclosure alone proves nothing. Tests then plant the ambassadors' own posts with ``post``.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from tocsin.domain import Author, Mention, Watch
from tocsin.query import Document, WatchIndex, normalise
from tocsin.store.base import MatchedMention
from tocsin.store.sqlite import SQLiteStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
WATCH = Watch("cafelia", "cafelia OR #cafelia OR @cafelia")
BRAND_POST = "900"
THREAD_REPLY = "901"  # a fan's reply to the brand post: answers below it are in the thread
OTHER_THREAD = "950"  # a post on something else, with its own replies

_counter = iter(range(10_000, 1_000_000))


def author(n: int | str, name: str = "") -> Author:
    return Author("x", f"u{n}", f"user{n}", name or f"User {n}", 100, False)


def post(
    who: Author, text: str, at: datetime, *, native_id: str | None = None, **kw: Any
) -> Mention:
    fields: dict[str, Any] = {"platform": "x", "language": "fr", "raw": b"{}"}
    fields.update(kw)
    return Mention(
        native_id=native_id or str(next(_counter)), author=who, text=text, created_at=at, **fields
    )


def write(store: SQLiteStore, mentions: list[Mention]) -> None:
    index = WatchIndex([WATCH])
    items = []
    for m in mentions:
        norm = normalise(m.text)
        items.append(MatchedMention(m, norm, index.match(Document.from_mention(m, norm))))
    store.write(items)


def conversation(store: SQLiteStore, seed: int = 3, crowd: int = 120) -> None:
    rng = random.Random(seed)
    store.put_watch(WATCH)
    brand = Author("x", "brand", "cafelia", "Cafélia", 50_000, True)
    out = [
        post(brand, "Notre nouvelle capsule est là ! #cafelia", T0, native_id=BRAND_POST),
        post(author(1), "Enfin ! @cafelia", T0 + timedelta(minutes=5), native_id=THREAD_REPLY,
             reply_to=BRAND_POST),
        post(author(2), "Quelqu'un a testé le nouveau vélo ?", T0, native_id=OTHER_THREAD),
    ]  # fmt: skip
    ids = [BRAND_POST, THREAD_REPLY]
    for i in range(crowd):
        who = author(100 + rng.randrange(40))
        at = T0 + timedelta(minutes=rng.randrange(1, 60 * 24 * 5))
        roll = rng.random()
        if roll < 0.3:
            parent = rng.choice(ids)
            m = post(who, f"réponse {i} sur cafelia", at, reply_to=parent)
            ids.append(m.native_id)
        elif roll < 0.45:
            m = post(who, "Notre nouvelle capsule est là ! #cafelia", at, repost_of=BRAND_POST)
        elif roll < 0.55:
            m = post(who, f"#ad une autre marque {i} #cafelia", at, quote_of=BRAND_POST)
        elif roll < 0.7:
            m = post(who, f"#ad #sponsored rien à voir {i}", at)
        else:
            m = post(who, f"au hasard {i}", at, reply_to=OTHER_THREAD)
        out.append(m)
    write(store, out)
