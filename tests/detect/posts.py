"""Seeded synthetic posts for the detectors that read mentions (shares, words, hashtags,
reach, storylines): quiet traffic with the hourly rhythm of ``streams.py``, then a planted
event."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from tests.detect.streams import HOUR, MONDAY, poisson, rate
from tocsin.domain import Author, Mention, Metrics, Sentiment


def binomial(rng: random.Random, n: int, p: float) -> int:
    return sum(rng.random() < p for _ in range(n))


def share_counts(
    seed: int,
    hours: int,
    base: float = 20.0,
    p: float = 0.1,
    events: tuple[tuple[int, int, float], ...] = (),
) -> list[tuple[datetime, tuple[int, int]]]:
    """Hourly ``(n_negative, n_total)``; each event ``(start, length, share)`` sets the negative
    share of buckets ``start .. start + length - 1``."""
    rng = random.Random(seed)
    out = []
    for i in range(hours):
        t = MONDAY + i * HOUR
        n = poisson(rng, rate(t, base))
        share = p
        for start, length, s in events:
            if start <= i < start + length:
                share = s
        out.append((t, (binomial(rng, n, share), n)))
    return out


_counter = iter(range(10**9))


def post(
    text: str,
    t: datetime,
    *,
    label: str | None = "neutral",
    followers: int = 100,
    author: str | None = None,
    hashtags: tuple[str, ...] = (),
    repost_of: str | None = None,
    reposts: int | None = None,
    native_id: str | None = None,
) -> Mention:
    n = next(_counter)
    who = author or f"a{n % 997}"
    return Mention(
        platform="x",
        native_id=native_id or f"p{n}",
        author=Author("x", who, who, followers=followers),
        text=text,
        created_at=t,
        hashtags=hashtags,
        repost_of=repost_of,
        metrics=Metrics(reposts=reposts),
        sentiment=None if label is None else Sentiment(label, 0.9),
    )


def bucket_times(hours: int) -> list[datetime]:
    return [MONDAY + i * HOUR for i in range(hours)]


def minutes(t: datetime, m: float) -> datetime:
    return t + timedelta(minutes=m)


QUIET = (
    "Commande reçue hier, rien à signaler",
    "Le nouveau menu est sympa",
    "Quelqu'un sait à quelle heure ferme le magasin ?",
    "Great coffee this morning at the station",
    "Anyone tried the new app update?",
    "Livraison rapide, merci",
)


def text_posts(
    seed: int,
    hours: int,
    base: float = 20.0,
    usual: tuple[tuple[str, float], ...] = (),
    events: tuple[tuple[int, int, str, float], ...] = (),
    negative: float = 0.1,
) -> list[tuple[datetime, list[Mention]]]:
    """Hourly buckets of posts drawn from ``QUIET``; each ``(phrase, p)`` of ``usual`` is added to
    a post with chance ``p``; each event ``(start, length, phrase, p)`` adds its phrase with
    chance ``p`` in buckets ``start .. start + length - 1`` (and makes those posts negative)."""
    rng = random.Random(seed)
    out = []
    for i in range(hours):
        t = MONDAY + i * HOUR
        bucket = []
        for _ in range(poisson(rng, rate(t, base))):
            text = rng.choice(QUIET)
            label = "negative" if rng.random() < negative else "neutral"
            for words, p in usual:
                if rng.random() < p:
                    text += f" {words}"
            for start, length, words, p in events:
                if start <= i < start + length and rng.random() < p:
                    text, label = f"{text} {words}", "negative"
            bucket.append(post(text, t, label=label, followers=rng.randint(10, 5000)))
        out.append((t, bucket))
    return out


TOPIC = [
    "souvenir",
    "café",
    "matin",
    "famille",
    "croissant",
    "équipe",
    "sourire",
    "enfance",
    "dimanche",
    "grand-mère",
    "chocolat",
    "terrasse",
    "vacances",
    "amis",
]
HIJACK = [
    "cheveu",
    "sandwich",
    "salaire",
    "grève",
    "retard",
    "froid",
    "sale",
    "intoxication",
    "caissière",
    "licenciement",
    "parking",
    "facture",
    "attente",
]


def campaign_posts(
    seed: int,
    hours: int,
    tag: str = "#CafeliaStories",
    base: float = 6.0,
    events: tuple[tuple[int, int, float, float, float], ...] = (),
) -> list[tuple[datetime, list[Mention]]]:
    """Hourly buckets of posts carrying ``tag`` (about ``base`` an hour at the daily peak), about
    the campaign (three ``TOPIC`` words), 10 % negative, 3 % with a laughing emoji; plus as many
    posts without the tag. Each event ``(start, length, hijacked, negative, mocking)`` triples
    the tag's posts in its buckets and makes a share ``hijacked`` of them about ``HIJACK``
    words, negative with chance ``negative`` and mocking with chance ``mocking``."""
    rng = random.Random(seed)
    out = []
    for i in range(hours):
        t = MONDAY + i * HOUR
        event = next((e for e in events if e[0] <= i < e[0] + e[1]), None)
        lam = rate(t, base) * (3 if event else 1)
        bucket = [post(f"{rng.choice(QUIET)} sans hashtag", t) for _ in range(poisson(rng, lam))]
        for _ in range(poisson(rng, lam)):
            words, label, laugh = rng.sample(TOPIC, 3), "neutral", rng.random() < 0.03
            if rng.random() < 0.1:
                label = "negative"
            if event and rng.random() < event[2]:
                words = rng.sample(HIJACK, 3)
                label = "negative" if rng.random() < event[3] else "neutral"
                laugh = rng.random() < event[4]
            text = f"{tag} " + " ".join(words) + (" 😂" if laugh else "")
            bucket.append(post(text, t, label=label, followers=rng.randint(10, 5000)))
        out.append((t, bucket))
    return out
