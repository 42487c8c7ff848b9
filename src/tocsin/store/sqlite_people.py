"""Author profiles on SQLite (migration ``m008_people``): pseudonymous rows per watch and author,
the pseudonym secret, and the reads that put a name back on a pseudonym when a profile is shown.

Profile tables name authors by their pseudonym only (``tocsin.people.author_key``); the handle
and display name stay in ``authors``, which erasure and retention already clean. A pseudonym is
turned back into an identity through one of the author's posts (``author_posts`` keeps mention
keys), never by storing the mapping.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tocsin.domain import Mention
from tocsin.people.pseudonym import author_key, new_secret
from tocsin.store.sqlite import _MENTION_COLUMNS, _mention
from tocsin.store.times import to_us

_LOOKUP_CHUNK = 900
#: Latest posts kept per watch and author (mention keys), for examples and "recent posts".
RECENT_POSTS = 30

_UPSERT_PROFILE = (
    "INSERT INTO author_profiles (watch_id, author_key, platform, followers, posts, "
    "reposts_made, likes, reposts, replies, negative, neutral, positive, detailed, constructive, "
    "toxic, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (watch_id, author_key) DO UPDATE SET "
    "followers = CASE WHEN excluded.followers IS NULL THEN followers "
    "WHEN followers IS NULL OR excluded.followers > followers THEN excluded.followers "
    "ELSE followers END, posts = posts + excluded.posts, "
    "reposts_made = reposts_made + excluded.reposts_made, "
    "likes = likes + excluded.likes, reposts = reposts + excluded.reposts, "
    "replies = replies + excluded.replies, negative = negative + excluded.negative, "
    "neutral = neutral + excluded.neutral, positive = positive + excluded.positive, "
    "detailed = detailed + excluded.detailed, constructive = constructive + excluded.constructive, "
    "toxic = toxic + excluded.toxic, first_seen = min(first_seen, excluded.first_seen), "
    "last_seen = max(last_seen, excluded.last_seen)"
)
_UPSERT_DAY = (
    "INSERT INTO author_days (watch_id, author_key, day, posts, negative, neutral, positive) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (watch_id, author_key, day) DO UPDATE SET "
    "posts = posts + excluded.posts, negative = negative + excluded.negative, "
    "neutral = neutral + excluded.neutral, positive = positive + excluded.positive"
)
_PROFILE_COLUMNS = (
    "watch_id, author_key, platform, followers, posts, reposts_made, likes, reposts, replies, "
    "negative, neutral, positive, detailed, constructive, toxic, first_seen, last_seen"
)
_US_PER_DAY = 86_400_000_000
#: A mention's columns without its raw record (the people code never reads it; it can be large).
_LEAN_COLUMNS = ", ".join(
    "x'' AS raw" if c.strip() == "raw" else "m." + c.strip() for c in _MENTION_COLUMNS.split(",")
)


@dataclass(frozen=True, slots=True)
class PostRow:
    """One post counted in one watch's profile of its author (what ``add_posts`` writes)."""

    watch_id: str
    author_key: str
    platform: str
    native_id: str
    created_at: int  # microseconds since the epoch, UTC
    followers: int | None
    repost: bool
    likes: int
    reposts: int
    replies: int
    sentiment: str | None
    traits: int  # bits: 1 detailed, 2 constructive, 4 toxic


@dataclass(frozen=True, slots=True)
class StoredMentionFacts:
    """What profiles read of a stored mention."""

    id: int
    platform: str
    native_id: str
    author_id: str
    followers: int | None
    text: str
    created_at: int
    repost_of: str | None
    likes: int | None
    reposts: int | None
    replies: int | None
    sentiment: str | None
    toxicity: float | None
    watch_ids: tuple[str, ...]

    @classmethod
    def from_row(cls, row: Sequence[Any], watch_ids: tuple[str, ...]) -> StoredMentionFacts:
        (i, platform, native_id, author_id, followers, text, created, repost_of, *rest) = row
        likes, reposts, replies, sentiment, toxicity = rest
        return cls(
            i,
            platform,
            native_id,
            author_id,
            followers,
            text,
            created,
            repost_of,
            likes,
            reposts,
            replies,
            sentiment,
            toxicity,
            watch_ids,
        )


class SQLitePeople:
    """On the store's connection. ``add_posts`` and the checkpoint writes belong in the
    caller's transaction (``tocsin.people.profiles.update_profiles`` makes one per chunk)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    # -- the pseudonym secret ------------------------------------------------------------------
    def secret(self) -> bytes:
        """The pseudonym secret of this database, created at first use (random, 32 bytes).
        Once it exists this only reads (a read-only connection can call it)."""
        row = self.db.execute("SELECT secret FROM people_secret WHERE id = 1").fetchone()
        if row is None:
            self.db.execute(
                "INSERT OR IGNORE INTO people_secret (id, secret, created_at) VALUES (1, ?, ?)",
                (new_secret(), time.time_ns() // 1000),
            )
            row = self.db.execute("SELECT secret FROM people_secret WHERE id = 1").fetchone()
        return bytes(row[0])

    def key(self, platform: str, author_id: str) -> str:
        return author_key(self.secret(), platform, author_id)

    # -- checkpoints ---------------------------------------------------------------------------
    def checkpoints(self) -> dict[str, tuple[str, int]]:
        """watch id -> (its query when profiled, last mention id counted)."""
        rows = self.db.execute("SELECT watch_id, query, mention_id FROM people_checkpoints")
        return {w: (q, int(m)) for w, q, m in rows}

    def set_checkpoint(self, watch_id: str, query: str, mention_id: int) -> None:
        self.db.execute(
            "INSERT INTO people_checkpoints (watch_id, query, mention_id, updated_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (watch_id) DO UPDATE SET query=excluded.query, "
            "mention_id=excluded.mention_id, updated_at=excluded.updated_at",
            (watch_id, query, mention_id, time.time_ns() // 1000),
        )

    def forget_watch(self, watch_id: str) -> None:
        """Drop a watch's profiles and checkpoint (its query changed, or it was removed)."""
        for table in ("author_profiles", "author_days", "author_posts", "people_checkpoints"):
            self.db.execute(f"DELETE FROM {table} WHERE watch_id = ?", (watch_id,))

    # -- writes --------------------------------------------------------------------------------
    def mentions_after(self, after_id: int, limit: int) -> list[StoredMentionFacts]:
        """Mentions with ``id > after_id``, by id, with the watches they belong to."""
        rows = self.db.execute(
            "SELECT id, platform, native_id, author_id, author_followers, text, created_at, "
            "repost_of, likes, reposts, replies, sentiment, toxicity FROM mentions "
            "WHERE id > ? ORDER BY id LIMIT ?",
            (after_id, limit),
        ).fetchall()
        if not rows:
            return []
        watches: dict[int, list[str]] = {}
        for mention_id, watch_id in self.db.execute(
            "SELECT mention_id, watch_id FROM mention_watches "
            "WHERE mention_id BETWEEN ? AND ? ORDER BY watch_id",
            (rows[0][0], rows[-1][0]),
        ):
            watches.setdefault(mention_id, []).append(watch_id)
        return [StoredMentionFacts.from_row(r, tuple(watches.get(r[0], ()))) for r in rows]

    def add_posts(self, posts: Sequence[PostRow]) -> None:
        """Count each post once in its author's profile (the caller never passes one twice).

        Sums are made here per author and day first: one upsert per author, not per post."""
        profiles: dict[tuple[str, str], list[Any]] = {}
        days: dict[tuple[str, str, int], list[int]] = {}
        recent: dict[tuple[str, str], list[tuple[Any, ...]]] = {}
        for p in posts:
            neg, neu, pos = (int(p.sentiment == s) for s in ("negative", "neutral", "positive"))
            who = (p.watch_id, p.author_key)
            row = (1, int(p.repost), p.likes, p.reposts, p.replies, neg, neu, pos)
            traits = (p.traits & 1, (p.traits >> 1) & 1, (p.traits >> 2) & 1)
            found = profiles.get(who)
            if found is None:
                profiles[who] = [p.platform, p.followers, *row, *traits, p.created_at, p.created_at]
            else:
                if p.followers is not None and (found[1] is None or p.followers > found[1]):
                    found[1] = p.followers
                for n, value in enumerate((*row, *traits), 2):
                    found[n] += value
                found[13] = min(found[13], p.created_at)
                found[14] = max(found[14], p.created_at)
            day = days.setdefault((*who, p.created_at // _US_PER_DAY), [0, 0, 0, 0])
            for n, value in enumerate((1, neg, neu, pos)):
                day[n] += value
            recent.setdefault(who, []).append(
                (p.created_at, p.platform, p.native_id, p.sentiment, p.traits)
            )
        self.db.executemany(_UPSERT_PROFILE, [(*k, *v) for k, v in profiles.items()])
        self.db.executemany(_UPSERT_DAY, [(*k, *v) for k, v in days.items()])
        self.db.executemany(
            "INSERT OR REPLACE INTO author_posts (watch_id, author_key, created_at, platform, "
            "native_id, sentiment, traits) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (*who, *post)
                for who, kept in recent.items()
                for post in sorted(kept, key=lambda r: r[:3], reverse=True)[:RECENT_POSTS]
            ],
        )
        self._prune(recent)

    def _prune(self, touched: Iterable[tuple[str, str]]) -> None:
        """Keep the ``RECENT_POSTS`` latest posts of each (watch, author): the same ones whatever
        the order posts were counted in."""
        self.db.executemany(
            "DELETE FROM author_posts WHERE watch_id = ?1 AND author_key = ?2 AND "
            "(created_at, platform, native_id) < (SELECT created_at, platform, native_id "
            "FROM author_posts WHERE watch_id = ?1 AND author_key = ?2 "
            "ORDER BY created_at DESC, platform DESC, native_id DESC LIMIT 1 OFFSET ?3)",
            [(w, k, RECENT_POSTS - 1) for w, k in sorted(touched)],
        )

    # -- reads ---------------------------------------------------------------------------------
    def watch_posts(
        self, watch_id: str, since: datetime, until: datetime, *, limit: int
    ) -> list[Mention]:
        """The watch's mentions posted in ``[since, until)``, oldest first (the newest ``limit``
        of them), without their raw records."""
        rows = self.db.execute(
            f"SELECT {_LEAN_COLUMNS} FROM mention_watches w JOIN mentions m "
            "ON m.id = w.mention_id WHERE w.watch_id = ? AND w.created_at >= ? "
            "AND w.created_at < ? ORDER BY w.created_at DESC, w.mention_id DESC LIMIT ?",
            (watch_id, to_us(since), to_us(until), limit),
        ).fetchall()
        return [_mention(r) for r in reversed(rows)]

    def profiles(
        self,
        watch_id: str | None = None,
        keys: Sequence[str] | None = None,
    ) -> list[tuple[Any, ...]]:
        """Profile rows (``_PROFILE_COLUMNS`` then active days) of a watch and/or of authors."""
        where, params = [], []
        if watch_id is not None:
            where.append("p.watch_id = ?")
            params.append(watch_id)
        sql = (
            f"SELECT {', '.join('p.' + c.strip() for c in _PROFILE_COLUMNS.split(','))}, "
            "(SELECT count(*) FROM author_days d WHERE d.watch_id = p.watch_id "
            "AND d.author_key = p.author_key) FROM author_profiles p"
        )
        if keys is None:
            if where:
                sql += " WHERE " + " AND ".join(where)
            return self.db.execute(sql + " ORDER BY p.watch_id, p.author_key", params).fetchall()
        out: list[tuple[Any, ...]] = []
        key_list = list(dict.fromkeys(keys))
        for start in range(0, len(key_list), _LOOKUP_CHUNK):
            chunk = key_list[start : start + _LOOKUP_CHUNK]
            clause = [*where, f"p.author_key IN ({', '.join('?' * len(chunk))})"]
            out += self.db.execute(
                sql + " WHERE " + " AND ".join(clause) + " ORDER BY p.watch_id, p.author_key",
                (*params, *chunk),
            ).fetchall()
        return out

    def days(self, watch_id: str, key: str) -> list[tuple[int, int, int, int, int]]:
        """(day since epoch, posts, negative, neutral, positive), oldest first."""
        return self.db.execute(
            "SELECT day, posts, negative, neutral, positive FROM author_days "
            "WHERE watch_id = ? AND author_key = ? ORDER BY day",
            (watch_id, key),
        ).fetchall()

    def recent_posts(
        self, watch_id: str, keys: Sequence[str]
    ) -> dict[str, list[tuple[int, str, str, str | None, int]]]:
        """key -> [(created_at, platform, native_id, sentiment, traits)], newest first."""
        out: dict[str, list[tuple[int, str, str, str | None, int]]] = {}
        key_list = list(dict.fromkeys(keys))
        for start in range(0, len(key_list), _LOOKUP_CHUNK):
            chunk = key_list[start : start + _LOOKUP_CHUNK]
            for k, *rest in self.db.execute(
                "SELECT author_key, created_at, platform, native_id, sentiment, traits "
                f"FROM author_posts WHERE watch_id = ? AND author_key IN "
                f"({', '.join('?' * len(chunk))}) "
                "ORDER BY author_key, created_at DESC, platform DESC, native_id DESC",
                (watch_id, *chunk),
            ):
                out.setdefault(k, []).append((rest[0], rest[1], rest[2], rest[3], rest[4]))
        return out

    def account_history(
        self, accounts: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(platform, author id) -> (first post counted, posts counted): how long and how much
        an account has been heard (for coordination signals), from its profiles as last
        updated: the earliest first post and the most posts of any one watch."""
        secret = self.secret()
        by_key = {author_key(secret, *account): account for account in dict.fromkeys(accounts)}
        out: dict[tuple[str, str], tuple[int, int]] = {}
        key_list = list(by_key)
        for start in range(0, len(key_list), _LOOKUP_CHUNK):
            chunk = key_list[start : start + _LOOKUP_CHUNK]
            for k, first, posts in self.db.execute(
                "SELECT author_key, min(first_seen), max(posts) FROM author_profiles "
                f"WHERE author_key IN ({', '.join('?' * len(chunk))}) GROUP BY author_key",
                chunk,
            ):
                if posts:
                    out[by_key[k]] = (int(first), int(posts))
        return out

    def identities(self, keys: Sequence[str]) -> dict[str, tuple[str, str, str, str]]:
        """key -> (platform, author id, handle, display name), through one of the author's
        posts and the ``authors`` table. Authors erased, or whose posts are gone, have none."""
        out: dict[str, tuple[str, str, str, str]] = {}
        key_list = list(dict.fromkeys(keys))
        for start in range(0, len(key_list), _LOOKUP_CHUNK):
            chunk = key_list[start : start + _LOOKUP_CHUNK]
            rows = self.db.execute(
                "SELECT p.author_key, m.platform, m.author_id, coalesce(a.handle, m.author_handle),"
                " coalesce(a.display_name, m.author_name) FROM author_posts p "
                "JOIN mentions m ON m.platform = p.platform AND m.native_id = p.native_id "
                "LEFT JOIN authors a ON a.platform = m.platform AND a.id = m.author_id "
                f"WHERE p.author_key IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            for k, platform, author_id, handle, name in rows:
                out.setdefault(k, (platform, author_id, handle, name))
        return out


def erase_profiles(db: sqlite3.Connection, platform: str, author_id: str) -> int:
    """Delete every profile row of this author (all watches) and the persisted influence
    (every watch's: rebuilt at the next update); the number of profile rows deleted.

    Called by ``SQLiteStore.erase_author``. Without a secret no profile was ever written."""
    try:
        row = db.execute("SELECT secret FROM people_secret WHERE id = 1").fetchone()
    except sqlite3.OperationalError:  # a database from before m008
        return 0
    if row is None:
        return 0
    key = author_key(bytes(row[0]), platform, author_id)
    deleted = 0
    for table in ("author_profiles", "author_days", "author_posts"):
        deleted += db.execute(f"DELETE FROM {table} WHERE author_key = ?", (key,)).rowcount
    # The persisted graph, states and snapshots hold the pseudonym and its interactions: all
    # dropped, the next update_influence rebuilds them from the mentions left.
    from tocsin.store.sqlite_influence import clear_influence  # (imports tocsin.people.graph)

    clear_influence(db)
    return deleted
