"""Author profiles per watch, pseudonymised at rest, kept up to date from stored mentions.

A profile counts, for one author (their pseudonym, ``author_key``) in one watch: reach (the
largest follower count seen), engagement received (likes, reposts, replies on their posts),
activity (posts, active days), sentiment towards the watch per day, first and last seen, the
platform, and their latest posts as mention keys. Handles and names are never copied into
profile tables: ``author_profile`` looks them up in ``authors`` when a profile is shown.

``update_profiles(store)`` counts the mentions stored since each watch's checkpoint, one
transaction per chunk that also moves the checkpoint: running it twice counts nothing twice,
and an interrupted run resumes where it stopped. A watch whose query changed (or a new watch)
is profiled again from the start. Limits: a post counted is not counted again when it is
edited or analysed later, nor when ``tocsin watch rematch`` moves it into a watch that was
already profiled; ``rebuild_profiles`` recounts everything.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import date, datetime
from typing import Any

from tocsin.people.pseudonym import author_key
from tocsin.query.normalise import normalise
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_influence import clear_influence
from tocsin.store.sqlite_people import PostRow, SQLitePeople, StoredMentionFacts
from tocsin.store.times import from_us

#: A post of at least this many characters (links left out) is "detailed".
DETAILED_CHARS = 200
#: A toxicity at or above this is "toxic" (the moderation hint uses 0.7; profiles are stricter).
TOXIC = 0.5
DETAILED, CONSTRUCTIVE, TOXIC_POST = 1, 2, 4
_URL = re.compile(r"https?://\S+")
#: A question or a suggestion, FR/EN, matched on normalised text (lower case, no accents).
_SUGGESTION = re.compile(
    r"\?|\b(?:should|could you|could be|would be|why not|how about|i wish|i suggest|suggest\w*"
    r"|please|consider|it would|devriez|devrait|pourriez|pourrait|faudrait|il faut"
    r"|sugg\w+|propos\w+|pourquoi ne pas|ce serait|serait bien|svp|s.il vous plait|idee)\b"
)
_SENTIMENTS = ("negative", "neutral", "positive")


def post_traits(text: str, sentiment: str | None, toxicity: float | None) -> int:
    """Bits of ``DETAILED``, ``CONSTRUCTIVE`` and ``TOXIC_POST`` for one original post.

    Constructive: negative or neutral, with a question or a suggestion, and not toxic (a post
    whose toxicity is unknown is not held against its author). Unanalysed posts have no
    sentiment, so they are never constructive."""
    body = _URL.sub("", text).strip()
    traits = DETAILED if len(body) >= DETAILED_CHARS else 0
    toxic = toxicity is not None and toxicity >= TOXIC
    if toxic:
        traits |= TOXIC_POST
    elif sentiment in ("negative", "neutral") and _SUGGESTION.search(normalise(body)):
        traits |= CONSTRUCTIVE
    return traits


def post_rows(fact: StoredMentionFacts, key: str, watch_ids: tuple[str, ...]) -> list[PostRow]:
    """What one stored mention adds to its author's profile in each of ``watch_ids``.

    A repost carries the sentiment it spreads, but its words are someone else's: it is never
    detailed, constructive or toxic."""
    repost = fact.repost_of is not None
    traits = 0 if repost else post_traits(fact.text, fact.sentiment, fact.toxicity)
    return [
        PostRow(
            watch_id=w,
            author_key=key,
            platform=fact.platform,
            native_id=fact.native_id,
            created_at=fact.created_at,
            followers=fact.followers,
            repost=repost,
            likes=fact.likes or 0,
            reposts=fact.reposts or 0,
            replies=fact.replies or 0,
            sentiment=fact.sentiment,
            traits=traits,
        )
        for w in watch_ids
    ]


@dataclass(frozen=True, slots=True)
class ProfileUpdate:
    posts: int  # (post, watch) pairs counted
    mentions_read: int
    rebuilt: tuple[str, ...]  # watches profiled from the start (new, or query changed)
    forgotten: tuple[str, ...]  # watches removed since


#: Mentions counted per write transaction. Each commit writes the profile pages it touched, so
#: bigger chunks write each page fewer times: 1,000,000 stored posts counted from scratch in
#: 128 s with 5,000, 92 s with 20,000, 80 s with 50,000 (2026-11-22, idle machine). A chunk
#: holds the write lock ~2 s at 20,000: ingest waits, within the store's 10 s busy timeout.
CHUNK = 20_000


def mentions_to_count(store: SQLiteStore) -> int:
    """How many stored mentions the next ``update_profiles`` will read (for a progress bar)."""
    queries = {w.id: w.query for w in store.list_watches()}
    if not queries:
        return 0
    position = _resume_position(SQLitePeople(store.db).checkpoints(), queries)
    (n,) = store.db.execute("SELECT count(*) FROM mentions WHERE id > ?", (position,)).fetchone()
    return int(n)


def _resume_position(saved: dict[str, tuple[str, int]], queries: dict[str, str]) -> int:
    """The mention id after which counting resumes: the lowest checkpoint of the watches, 0 for
    a new watch or one whose query changed (it is profiled from the start)."""
    return min(
        (saved[w][1] if w in saved and saved[w][0] == q else 0 for w, q in queries.items()),
        default=0,
    )


def update_profiles(
    store: SQLiteStore,
    *,
    chunk: int = CHUNK,
    influence: bool = True,
    progress: Callable[[int], None] | None = None,
) -> ProfileUpdate:
    """Count the mentions stored since each watch's checkpoint into the profiles, then (unless
    ``influence`` is false) fold them into the stored influence (``update_influence``).
    ``progress(n)`` is told each chunk's number of mentions read."""
    people = SQLitePeople(store.db)
    secret = people.secret()
    queries = {w.id: w.query for w in store.list_watches()}
    rebuilt, forgotten = [], []
    store.db.execute("BEGIN IMMEDIATE")
    try:
        saved = people.checkpoints()
        for watch_id, (query, _) in saved.items():
            if watch_id not in queries:
                people.forget_watch(watch_id)
                forgotten.append(watch_id)
            elif query != queries[watch_id]:
                people.forget_watch(watch_id)
        checkpoints = people.checkpoints()
        for watch_id, query in queries.items():
            if watch_id not in checkpoints:
                people.set_checkpoint(watch_id, query, 0)
                checkpoints[watch_id] = (query, 0)
                rebuilt.append(watch_id)
        store.db.execute("COMMIT")
    except BaseException:
        if store.db.in_transaction:
            store.db.execute("ROLLBACK")
        raise
    done = {w: m for w, (_, m) in checkpoints.items()}
    position = _resume_position(saved, queries)
    keys: dict[tuple[str, str], str] = {}
    counted = read = 0
    while done:
        store.db.execute("BEGIN IMMEDIATE")  # read and count in one transaction: no id missed
        try:
            facts = people.mentions_after(position, chunk)
            rows: list[PostRow] = []
            for fact in facts:
                watch_ids = tuple(w for w in fact.watch_ids if w in done and fact.id > done[w])
                if not watch_ids:
                    continue
                account = (fact.platform, fact.author_id)
                key = keys.get(account)
                if key is None:
                    key = keys[account] = author_key(secret, *account)
                rows += post_rows(fact, key, watch_ids)
            people.add_posts(rows)
            if facts:
                position = facts[-1].id
                for watch_id, last in done.items():
                    if last < position:
                        people.set_checkpoint(watch_id, queries[watch_id], position)
                        done[watch_id] = position
            store.db.execute("COMMIT")
        except BaseException:
            if store.db.in_transaction:
                store.db.execute("ROLLBACK")
            raise
        counted += len(rows)
        read += len(facts)
        if progress is not None:
            progress(len(facts))
        if len(facts) < chunk:
            break
    if influence:
        from tocsin.people.stored_influence import update_influence  # (imports watch_graph)

        update_influence(store)
    return ProfileUpdate(counted, read, tuple(rebuilt), tuple(forgotten))


def rebuild_profiles(store: SQLiteStore, *, chunk: int = CHUNK) -> ProfileUpdate:
    """Forget every profile and the stored influence, and count every stored mention again
    (the secret is kept)."""
    store.db.execute("BEGIN IMMEDIATE")
    try:
        for table in ("author_profiles", "author_days", "author_posts", "people_checkpoints"):
            store.db.execute(f"DELETE FROM {table}")
        clear_influence(store.db)  # rebuilt too: the graph would keep deleted mentions
        store.db.execute("COMMIT")
    except BaseException:
        store.db.execute("ROLLBACK")
        raise
    return update_profiles(store, chunk=chunk)


# -- reading profiles ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorProfile:
    """One author (pseudonym ``key``) in one watch. ``followers`` is the largest count seen
    (``None``: never reported); likes, reposts and replies are received on their posts."""

    watch_id: str
    key: str
    platform: str
    followers: int | None
    posts: int
    reposts_made: int
    likes: int
    reposts: int
    replies: int
    negative: int
    neutral: int
    positive: int
    detailed: int
    constructive: int
    toxic: int
    first_seen: datetime
    last_seen: datetime
    active_days: int

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> AuthorProfile:
        values = dict(zip(_PROFILE_FIELDS, row, strict=True))
        values["first_seen"] = from_us(values["first_seen"])
        values["last_seen"] = from_us(values["last_seen"])
        return cls(**values)

    @property
    def platforms(self) -> tuple[str, ...]:
        """A pseudonym is one account on one platform: accounts are never linked across."""
        return (self.platform,)

    @property
    def engagement(self) -> int:
        return self.likes + self.reposts + self.replies

    @property
    def analysed(self) -> int:
        return self.negative + self.neutral + self.positive

    def share(self, label: str) -> float:
        """Share of the analysed posts with this sentiment (0 when none was analysed)."""
        return getattr(self, label) / self.analysed if self.analysed else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "watch_id": self.watch_id,
            "key": self.key,
            "platforms": list(self.platforms),
            "followers": self.followers,
            "posts": self.posts,
            "reposts_made": self.reposts_made,
            "active_days": self.active_days,
            "engagement": {"likes": self.likes, "reposts": self.reposts, "replies": self.replies},
            "sentiment": {s: getattr(self, s) for s in _SENTIMENTS},
            "detailed": self.detailed,
            "constructive": self.constructive,
            "toxic": self.toxic,
            "first_seen": self.first_seen.isoformat(),
            "last_seen": self.last_seen.isoformat(),
        }


_PROFILE_FIELDS = tuple(f.name for f in fields(AuthorProfile))  # (``fields`` is slow per row)


@dataclass(frozen=True, slots=True)
class DaySentiment:
    day: date
    posts: int
    negative: int
    neutral: int
    positive: int


@dataclass(frozen=True)
class AuthorView:
    """A profile as shown to a user: identity from ``authors``, then per watch the profile,
    sentiment per day and latest posts (mention keys)."""

    platform: str
    author_id: str
    handle: str
    display_name: str
    key: str
    profiles: list[AuthorProfile]
    days: dict[str, list[DaySentiment]] = field(default_factory=dict)
    recent: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "author_id": self.author_id,
            "handle": self.handle,
            "display_name": self.display_name,
            "key": self.key,
            "watches": [
                {
                    **p.as_dict(),
                    "days": [
                        [d.day.isoformat(), d.posts, d.negative, d.neutral, d.positive]
                        for d in self.days.get(p.watch_id, [])
                    ],
                    "recent_posts": [list(k) for k in self.recent.get(p.watch_id, [])],
                }
                for p in self.profiles
            ],
        }


def watch_profiles(store: SQLiteStore, watch_id: str) -> list[AuthorProfile]:
    """Every profile of one watch (pseudonyms only)."""
    return [AuthorProfile.from_row(r) for r in SQLitePeople(store.db).profiles(watch_id)]


def author_profile(store: SQLiteStore, platform: str, author_id: str) -> AuthorView | None:
    """One author's profiles in every watch, with their identity; ``None`` if never profiled."""
    people = SQLitePeople(store.db)
    key = people.key(platform, author_id)
    profiles = [AuthorProfile.from_row(r) for r in people.profiles(keys=[key])]
    if not profiles:
        return None
    row = store.db.execute(
        "SELECT handle, display_name FROM authors WHERE platform = ? AND id = ?",
        (platform, author_id),
    ).fetchone()
    handle, name = row if row else ("", "")
    days = {
        p.watch_id: [
            DaySentiment(date.fromordinal(date(1970, 1, 1).toordinal() + d), n, neg, neu, pos)
            for d, n, neg, neu, pos in people.days(p.watch_id, key)
        ]
        for p in profiles
    }
    recent: dict[str, list[tuple[str, str]]] = {}
    for p in profiles:
        posts = people.recent_posts(p.watch_id, [key]).get(key, [])
        recent[p.watch_id] = [(platform_, native_id) for _, platform_, native_id, _, _ in posts]
    return AuthorView(platform, author_id, handle, name, key, profiles, days, recent)
