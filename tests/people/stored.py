"""A stored conversation about one brand with a known structure, for profiles, segments,
coordination and "who can help".

Watch ``acme``. Over a week (``T0`` to ``T0 + 7 days``), with sentiment given:

- ``critic`` (x:c1, 800 followers) posts three negative posts; 30 ``fan`` accounts repost or
  reply to them (each fan a little, one post each per day) — the influential critic;
- ``amb`` (x:a1, 5,000 followers) posts six positive posts over five days, liked and reposted,
  and three accounts repost them — the ambassador;
- ``grumpy`` (x:g1, 40 followers) posts five negative posts over three days, no one answers —
  a detractor, not influential;
- ``helper`` (x:h1, 300 followers) posts four long, neutral or negative posts with questions and
  suggestions over three days, not toxic — a self-appointed brand manager;
- ``enthusiast`` (x:e1) posts eight near-identical positive posts within two minutes — alone,
  so not coordination;
- ``bot0`` … ``bot11`` (x:b0…): accounts never heard before post near-identical negative posts
  with the same link within 80 seconds on day 5 — the coordinated group;
- ``riser`` (x:r1, 150 followers) posts once on day 1, unnoticed, then on day 6 a post that
  24 background accounts repost — a rising voice over the last two days;
- 60 ``bg`` accounts post ordinary mixed posts and a few replies between them.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import numpy as np

from tocsin.domain import Author, Mention, Metrics, Sentiment, Watch, WatchKind
from tocsin.query import normalise
from tocsin.store.base import MatchedMention
from tocsin.store.sqlite import SQLiteStore

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BURST = T0 + timedelta(days=5, hours=3)
WATCH = Watch(id="acme", name="Acme", kind=WatchKind.BRAND, query="acme")

LONG_QUESTION = (
    "I have used the Acme app every day for two years. Since the last update the sync between "
    "the phone and the laptop takes minutes instead of seconds, and the settings page no longer "
    "remembers my choices. Could you add a way to roll back to the previous version? "
)
LONG_SUGGESTION = (
    "Acme, a suggestion from a long-time customer: the new checkout asks for the same address "
    "three times and loses it when the page reloads. It would be much simpler to keep it in the "
    "session and to show the delivery cost before the last step. Why not test it with a few of "
    "us first? "
)


def _author(name: str, platform_id: str, followers: int) -> Author:
    return Author("x", platform_id, name, name.title(), followers, False)


def conversation(seed: int = 3) -> list[Mention]:
    return sorted(_posts(np.random.default_rng(seed)), key=lambda m: (m.created_at, m.native_id))


def _posts(rng: np.random.Generator) -> Iterator[Mention]:
    n = iter(range(1, 1_000_000))

    def post(
        author: Author,
        at: datetime,
        text: str,
        sentiment: str | None,
        **kw: object,
    ) -> Mention:
        return Mention(
            platform="x",
            native_id=str(next(n)),
            author=author,
            text=text,
            created_at=at,
            sentiment=None if sentiment is None else Sentiment(sentiment, 0.9),
            toxicity=kw.pop("toxicity", 0.05),  # type: ignore[arg-type]
            raw=b"{}",
            **kw,  # type: ignore[arg-type]
        )

    critic = _author("critic", "c1", 800)
    critic_posts = []
    for day in range(3):
        m = post(
            critic,
            T0 + timedelta(days=day, hours=1),
            f"Acme lost my order again, day {day}. Worst service ever.",
            "negative",
            metrics=Metrics(likes=40, reposts=20, replies=10),
        )
        critic_posts.append(m)
        yield m
    fans = [_author(f"fan{i}", f"f{i}", int(rng.integers(20, 200))) for i in range(30)]
    for i, fan in enumerate(fans):
        target = critic_posts[i % 3]
        at = target.created_at + timedelta(minutes=5 + 7 * i)
        if i % 3:
            yield post(fan, at, "RT " + target.text, "negative", repost_of=target.native_id)
        else:
            yield post(
                fan, at, "Same here with acme, no answer.", "negative", reply_to=target.native_id
            )

    amb = _author("amb", "a1", 5_000)
    amb_posts = []
    for k, day in enumerate((0, 1, 3, 4, 4, 6)):
        m = post(
            amb,
            T0 + timedelta(days=day, hours=2 + k),
            f"Acme support fixed my problem in ten minutes, thank you! #{k}",
            "positive",
            metrics=Metrics(likes=120, reposts=15, replies=4),
        )
        amb_posts.append(m)
        yield m
    for i in range(3):
        target = amb_posts[i]
        yield post(
            _author(f"friend{i}", f"fr{i}", 100),
            target.created_at + timedelta(minutes=30),
            "RT " + target.text,
            "positive",
            repost_of=target.native_id,
        )

    grumpy = _author("grumpy", "g1", 40)
    for k, day in enumerate((0, 0, 2, 3, 3)):
        yield post(
            grumpy,
            T0 + timedelta(days=day, hours=5 + k),
            f"acme is useless, as usual ({k})",
            "negative",
            toxicity=0.3,
        )

    helper = _author("helper", "h1", 300)
    for k, (day, text, label) in enumerate(
        (
            (1, LONG_QUESTION, "negative"),
            (2, LONG_SUGGESTION, "neutral"),
            (4, LONG_QUESTION + "Still waiting.", "negative"),
            (5, LONG_SUGGESTION + "Thanks for reading.", "neutral"),
        )
    ):
        yield post(helper, T0 + timedelta(days=day, hours=7, minutes=k), text, label)

    enthusiast = _author("enthusiast", "e1", 60)
    for k in range(8):
        yield post(
            enthusiast,
            BURST + timedelta(seconds=15 * k),
            "I love acme so much!!! Best coffee machine ever " + "!" * k,
            "positive",
        )

    variants = ("", " #boycott", " Share!", " #acme", " RT please", "")
    for i in range(12):
        bot = _author(f"bot{i}", f"b{i}", int(rng.integers(0, 15)))
        yield post(
            bot,
            BURST + timedelta(seconds=int(rng.integers(0, 80))),
            "Acme lies to its customers and hides the recall, boycott acme now "
            f"https://bit.ly/acme-lies?src={i}{variants[i % len(variants)]}",
            "negative",
            links=(f"https://bit.ly/acme-lies?src={i}",),
        )

    background = [_author(f"bg{i}", f"bg{i}", int(rng.integers(10, 3000))) for i in range(60)]
    riser = _author("riser", "r1", 150)
    yield post(riser, T0 + timedelta(days=1, hours=4), "acme's new flavour, interesting", "neutral")
    noticed = post(
        riser,
        T0 + timedelta(days=6),
        "acme quietly changed the recipe, compare the labels",
        "neutral",
    )
    yield noticed
    for i in range(24):
        yield post(
            background[i],
            noticed.created_at + timedelta(minutes=20 + 9 * i),
            "RT " + noticed.text,
            "neutral",
            repost_of=noticed.native_id,
        )
    labels = ("negative", "neutral", "positive")
    previous: Mention | None = None
    for k in range(240):
        who = background[int(rng.integers(0, 60))]
        at = T0 + timedelta(seconds=int(rng.integers(0, 7 * 86400)))
        words = rng.choice(["order", "coffee", "delivery", "price", "shop", "app", "taste"], 3)
        reply = previous.native_id if previous is not None and k % 10 == 0 else None
        m = post(
            who,
            at,
            f"acme {' '.join(words)} {k}",
            str(rng.choice(labels, p=[0.3, 0.4, 0.3])),
            reply_to=reply,
        )
        previous = m
        yield m


def store_with(mentions: list[Mention], path: str = ":memory:") -> SQLiteStore:
    store = SQLiteStore(path)
    store.migrate()
    store.put_watch(WATCH)
    write(store, mentions)
    return store


def write(
    store: SQLiteStore, mentions: list[Mention], watch_ids: tuple[str, ...] = ("acme",)
) -> None:
    store.write([MatchedMention(m, normalise(m.text), watch_ids) for m in mentions])
