"""The embedded default store: one SQLite file in WAL mode.

Durability: ``journal_mode=WAL`` with ``synchronous=NORMAL``. A committed batch survives the
death of the process at any moment (SIGKILL included); only a power cut or an operating-system
crash may lose the last few committed batches, never corrupt the file. Re-running an import
restores them, because writes are idempotent. ``synchronous=FULL`` (``durability="full"``) adds an
fsync per commit for those who need power-cut durability too. See docs/storage.md.

WAL lets the web process read while an import writes; there is one writer at a time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import orjson

from tocsin.domain import Author, DeadLetter, Mention, Metrics, Sentiment, Watch, WatchKind
from tocsin.errors import StoreError
from tocsin.query import (
    Document,
    WatchIndex,
    evaluate,
    fts_expression,
    normalise,
    parse,
    required_values,
)
from tocsin.store.base import (
    Bucket,
    MatchedMention,
    SearchQuery,
    StoredDeadLetter,
    StoredMention,
    VolumePoint,
    WriteResult,
)
from tocsin.store.rollup import ALL, Change, State, rollup_deltas
from tocsin.store.sqlite_migrations import MIGRATIONS
from tocsin.store.sqlite_outbox import SQLiteOutbox
from tocsin.store.times import US_PER_MINUTE, from_us, to_us

Durability = Literal["normal", "full"]
_LOOKUP_CHUNK = 900  # native ids per lookup query (bound parameters stay < 1,000)
_SEARCH_CHUNK = 64  # search results read per query, in order
_BUCKET_MINUTES = {"minute": 1, "hour": 60, "day": 1440}

_MENTION_COLUMNS = (
    "id, platform, native_id, author_id, author_handle, author_name, author_followers, "
    "author_verified, url, title, text, language, created_at, edited_at, reply_to, repost_of, "
    "quote_of, hashtags, mentions, links, likes, reposts, replies, views, raw, fingerprint, "
    "ingested_at, sentiment, sentiment_score, emotions, toxicity, complaint"
)
_INSERT_MENTION = f"INSERT INTO mentions ({_MENTION_COLUMNS}) VALUES ({', '.join('?' * 32)})"
_UPDATE_MENTION = (
    "UPDATE mentions SET author_id=?, author_handle=?, author_name=?, author_followers=?, "
    "author_verified=?, url=?, title=?, text=?, language=?, created_at=?, edited_at=?, "
    "reply_to=?, repost_of=?, quote_of=?, hashtags=?, mentions=?, links=?, likes=?, reposts=?, "
    "replies=?, views=?, raw=?, fingerprint=?, ingested_at=?, sentiment=?, sentiment_score=?, "
    "emotions=?, toxicity=?, complaint=? WHERE id=?"
)
_UPSERT_AUTHOR = (
    "INSERT INTO authors (platform, id, handle, display_name, followers, verified, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (platform, id) DO UPDATE SET "
    "handle=excluded.handle, display_name=excluded.display_name, "
    "followers=coalesce(excluded.followers, followers), "
    "verified=coalesce(excluded.verified, verified), updated_at=excluded.updated_at "
    "WHERE excluded.updated_at >= authors.updated_at"
)
_UPSERT_ROLLUP = (
    "INSERT INTO rollup_minute (watch_id, minute, volume, negative, neutral, positive) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (watch_id, minute) DO UPDATE SET "
    "volume = volume + excluded.volume, negative = negative + excluded.negative, "
    "neutral = neutral + excluded.neutral, positive = positive + excluded.positive"
)


def _chunks_by_platform(keys: Iterable[tuple[str, str]]) -> Iterator[tuple[str, list[str]]]:
    """``(platform, native ids)`` groups of at most ``_LOOKUP_CHUNK`` ids, for ``IN`` lookups."""
    by_platform: dict[str, list[str]] = {}
    for platform, native_id in keys:
        by_platform.setdefault(platform, []).append(native_id)
    for platform, ids in by_platform.items():
        for start in range(0, len(ids), _LOOKUP_CHUNK):
            yield platform, ids[start : start + _LOOKUP_CHUNK]


def _json_list(items: tuple[str, ...]) -> str:
    return orjson.dumps(items).decode() if items else "[]"


class SQLiteStore:
    """``Store`` on one SQLite file (or ``":memory:"``)."""

    def __init__(self, path: str | Path, *, durability: Durability = "normal") -> None:
        self.path = str(path)
        try:
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from exc
        self.db.execute("PRAGMA busy_timeout = 10000")
        if self.path != ":memory:":
            mode = self.db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode != "wal":
                raise StoreError(f"cannot put {self.path} in WAL mode (got {mode})")
        self.db.execute(f"PRAGMA synchronous = {'FULL' if durability == 'full' else 'NORMAL'}")
        self.db.execute("PRAGMA foreign_keys = ON")
        self.db.execute("PRAGMA temp_store = MEMORY")
        self.db.execute("PRAGMA cache_size = -65536")  # 64 MiB

    # -- lifecycle ---------------------------------------------------------------------------

    def migrate(self) -> list[str]:
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY, applied_at INTEGER)"
        )
        done = {r[0] for r in self.db.execute("SELECT name FROM migrations")}
        applied = []
        for name, step in MIGRATIONS:
            if name in done:
                continue
            self.db.execute("BEGIN IMMEDIATE")
            try:
                step(self.db)
                self.db.execute(
                    "INSERT INTO migrations (name, applied_at) VALUES (?, ?)",
                    (name, int(time.time())),
                )
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            applied.append(name)
        return applied

    def applied_migrations(self) -> list[str]:
        try:
            return [r[0] for r in self.db.execute("SELECT name FROM migrations ORDER BY rowid")]
        except sqlite3.OperationalError:
            return []

    def require_schema(self) -> None:
        """Fail with a readable message when the file was never initialised."""
        names = set(self.applied_migrations())
        missing = [n for n, _ in MIGRATIONS if n not in names]
        if missing:
            raise StoreError(
                f"database {self.path} is not initialised or is out of date: "
                "run `tocsin init` first"
            )

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def change_version(self) -> tuple[int, int]:
        """A value that changes once anything is written to the database: committed by
        another connection or process (SQLite's ``data_version``), or written on this one
        (``total_changes``). Equal values mean nothing changed in between, for this
        connection only: values of two connections are not comparable."""
        (version,) = self.db.execute("PRAGMA data_version").fetchone()
        return int(version), self.db.total_changes

    def outbox(self) -> SQLiteOutbox:
        """The alert outbox, on this connection."""
        return SQLiteOutbox(self.db)

    # -- watches -----------------------------------------------------------------------------

    def put_watch(self, watch: Watch) -> None:
        self.db.execute(
            "INSERT INTO watches (id, name, kind, query, languages, platforms, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name=excluded.name, "
            "kind=excluded.kind, query=excluded.query, languages=excluded.languages, "
            "platforms=excluded.platforms",
            (
                watch.id,
                watch.name,
                watch.kind.value,
                watch.query,
                _json_list(watch.languages),
                _json_list(watch.platforms),
                int(time.time()),
            ),
        )

    def remove_watch(self, watch_id: str) -> bool:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            cur = self.db.execute("DELETE FROM watches WHERE id = ?", (watch_id,))
            self.db.execute("DELETE FROM mention_watches WHERE watch_id = ?", (watch_id,))
            self.db.execute("DELETE FROM rollup_minute WHERE watch_id = ?", (watch_id,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return cur.rowcount > 0

    def get_watch(self, watch_id: str) -> Watch | None:
        row = self.db.execute(
            "SELECT id, name, kind, query, languages, platforms FROM watches WHERE id = ?",
            (watch_id,),
        ).fetchone()
        return _watch(row) if row else None

    def list_watches(self) -> list[Watch]:
        rows = self.db.execute(
            "SELECT id, name, kind, query, languages, platforms FROM watches ORDER BY id"
        )
        return [_watch(r) for r in rows]

    # -- writes ------------------------------------------------------------------------------

    def write(
        self, items: Sequence[MatchedMention], dead_letters: Sequence[DeadLetter] = ()
    ) -> WriteResult:
        return self.write_prepared(prepare(items, dead_letters))

    @staticmethod
    def prepare(
        items: Sequence[MatchedMention], dead_letters: Sequence[DeadLetter] = ()
    ) -> PreparedBatch:
        return prepare(items, dead_letters)

    def write_prepared(self, batch: PreparedBatch) -> WriteResult:
        """Apply a batch made by ``prepare`` (possibly in another process), in one transaction."""
        result = WriteResult(unchanged=batch.superseded)
        rows = batch.rows
        self.db.execute("BEGIN IMMEDIATE")
        try:
            existing = self._lookup([(r[0], r[1]) for r in rows])
            # Never reuse an id, even one freed by erasure: id checkpoints rely on it.
            next_id = (
                self.db.execute(
                    "SELECT max(coalesce((SELECT max(id) FROM mentions), 0), "
                    "(SELECT last FROM id_counters WHERE name = 'mentions'))"
                ).fetchone()[0]
                + 1
            )
            inserts: list[tuple[Any, ...]] = []
            fts_rows: list[tuple[int, str]] = []
            member_rows: list[tuple[str, int, int]] = []
            changes: list[Change] = []
            authors: dict[tuple[str, str], tuple[Any, ...]] = {}
            for row, version, norm_text, watch_ids, author in zip(
                rows,
                batch.versions,
                batch.norm_texts,
                batch.watch_ids,
                batch.authors,
                strict=True,
            ):
                created = row[_CREATED]
                sentiment = row[_SENTIMENT]
                old = existing.get((row[0], row[1]))
                if old is None:
                    row_id = next_id
                    next_id += 1
                    inserts.append((row_id, *row))
                    fts_rows.append((row_id, norm_text))
                    changes.append(
                        Change(None, State(created // US_PER_MINUTE, watch_ids, sentiment))
                    )
                    result.inserted += 1
                else:
                    row_id, old_fp, old_version, old_created, old_text, old_sentiment = old
                    # Same content: unchanged, unless it brings an analysis the row lacks.
                    same = old_fp == row[_FINGERPRINT] and (old_sentiment or not sentiment)
                    if same or version < old_version:
                        result.unchanged += 1
                        continue
                    old_watches = self._replace(row_id, row, norm_text, old_text)
                    changes.append(
                        Change(
                            State(old_created // US_PER_MINUTE, old_watches, old_sentiment),
                            State(created // US_PER_MINUTE, watch_ids, sentiment),
                        )
                    )
                    result.updated += 1
                member_rows.extend([(w, created, row_id) for w in watch_ids])
                seen = authors.get((author[0], author[1]))
                if seen is None or author[6] >= seen[6]:  # the newest profile in the batch
                    authors[(author[0], author[1])] = author
            self.db.executemany(_INSERT_MENTION, inserts)
            if inserts:
                self.db.execute(
                    "UPDATE id_counters SET last = ? WHERE name = 'mentions'", (next_id - 1,)
                )
            self.db.executemany("INSERT INTO mention_fts (rowid, body) VALUES (?, ?)", fts_rows)
            self._list_ambassador_posts(inserts)
            self.db.executemany(
                "INSERT OR IGNORE INTO mention_watches (watch_id, created_at, mention_id) "
                "VALUES (?, ?, ?)",
                member_rows,
            )
            self.db.executemany(_UPSERT_AUTHOR, list(authors.values()))
            deltas = rollup_deltas(changes)
            self.db.executemany(_UPSERT_ROLLUP, [(w, mi, *d) for (w, mi), d in deltas.items()])
            if batch.dead_letters:
                before = self.db.total_changes
                self.db.executemany(
                    "INSERT OR IGNORE INTO dead_letters "
                    "(fingerprint, source, format, position, reason, raw, received_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    batch.dead_letters,
                )
                result.dead_letters = self.db.total_changes - before
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise
        return result

    def _list_ambassador_posts(self, inserts: list[tuple[Any, ...]]) -> None:
        """Note the new posts of ambassadors (any status but erased) in ``ambassador_posts``,
        which their mission proofs read: cheaper than an index of every post by author."""
        if not inserts:
            return
        accounts = set(
            self.db.execute("SELECT platform, author_id FROM ambassadors WHERE erased_at IS NULL")
        )
        if not accounts:
            return
        self.db.executemany(
            "INSERT OR IGNORE INTO ambassador_posts (platform, author_id, mention_id) "
            "VALUES (?, ?, ?)",
            [(r[1], r[3], r[0]) for r in inserts if (r[1], r[3]) in accounts],
        )

    def _lookup(
        self, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, bytes, int, int, str, str | None]]:
        """Stored state of the given posts, by key; one indexed query per platform and chunk."""
        found: dict[tuple[str, str], tuple[int, bytes, int, int, str, str | None]] = {}
        for platform, chunk in _chunks_by_platform(keys):
            rows = self.db.execute(
                "SELECT native_id, id, fingerprint, coalesce(edited_at, created_at), "
                "created_at, text, sentiment FROM mentions "
                f"WHERE platform = ? AND native_id IN ({', '.join('?' * len(chunk))})",
                (platform, *chunk),
            )
            for native_id, *rest in rows:
                found[(platform, native_id)] = tuple(rest)
        return found

    def _replace(
        self, row_id: int, row: tuple[Any, ...], norm_text: str, old_text: str
    ) -> tuple[str, ...]:
        """Update a stored post in place; returns the watches it belonged to."""
        # (platform, native_id) are the identity: not updated.
        self.db.execute(_UPDATE_MENTION, (*row[2:], row_id))
        # Contentless FTS5: a row is removed by giving back the values it was indexed with.
        self.db.execute(
            "INSERT INTO mention_fts (mention_fts, rowid, body) VALUES ('delete', ?, ?)",
            (row_id, normalise(old_text)),
        )
        self.db.execute("INSERT INTO mention_fts (rowid, body) VALUES (?, ?)", (row_id, norm_text))
        old_watches = tuple(
            r[0]
            for r in self.db.execute(
                "SELECT watch_id FROM mention_watches WHERE mention_id = ?", (row_id,)
            )
        )
        self.db.execute("DELETE FROM mention_watches WHERE mention_id = ?", (row_id,))
        return old_watches

    def rematch(self, index: WatchIndex, *, chunk: int = 5_000) -> int:
        """Match every stored mention against ``index`` again (after watches were added,
        changed or removed) and move memberships and rollups to follow. Returns the number of
        mentions whose watches changed. One transaction per chunk: safe to interrupt and rerun.
        """
        changed = 0
        last_id = 0
        while True:
            rows = self.db.execute(
                f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE id > ? ORDER BY id LIMIT ?",
                (last_id, chunk),
            ).fetchall()
            if not rows:
                return changed
            last_id = rows[-1][0]
            self.db.execute("BEGIN IMMEDIATE")
            try:
                current: dict[int, list[str]] = {}
                for mention_id, watch_id in self.db.execute(
                    "SELECT mention_id, watch_id FROM mention_watches "
                    "WHERE mention_id BETWEEN ? AND ?",
                    (rows[0][0], last_id),
                ):
                    current.setdefault(mention_id, []).append(watch_id)
                changes = []
                for row in rows:
                    mention = _mention(row)
                    new = index.match(Document.from_mention(mention))
                    old = tuple(sorted(current.get(row[0], ())))
                    if new == old:
                        continue
                    created = row[12]
                    self.db.execute("DELETE FROM mention_watches WHERE mention_id = ?", (row[0],))
                    self.db.executemany(
                        "INSERT INTO mention_watches (watch_id, created_at, mention_id) "
                        "VALUES (?, ?, ?)",
                        [(w, created, row[0]) for w in new],
                    )
                    minute = created // US_PER_MINUTE
                    label = row[_ROW_SENTIMENT]
                    changes.append(Change(State(minute, old, label), State(minute, new, label)))
                    changed += 1
                deltas = rollup_deltas(changes)
                self.db.executemany(_UPSERT_ROLLUP, [(w, m, *d) for (w, m), d in deltas.items()])
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def activity(
        self, now: datetime, baseline: timedelta = timedelta(days=7)
    ) -> list[tuple[str, str, datetime, int, tuple[int, ...]]]:
        """(kind, source, last seen, posts over the baseline before now, posts in the same
        clock window as [last seen, now] on each previous day of the baseline the source
        already existed) for every watch and platform that has posts: what the "source is
        silent" rule needs."""
        start = to_us(now - baseline)
        days = range(1, max(1, int(baseline.total_seconds() // 86_400)) + 1)
        out: list[tuple[str, str, datetime, int, tuple[int, ...]]] = []
        end_minute = to_us(now) // US_PER_MINUTE + 1
        for watch_id, first, last, count in self.db.execute(
            "SELECT watch_id, min(minute), max(minute), "
            "sum(CASE WHEN minute >= ? THEN volume ELSE 0 END) "
            "FROM rollup_minute WHERE watch_id != ? AND minute < ? GROUP BY watch_id",
            (start // US_PER_MINUTE, ALL, end_minute),
        ).fetchall():
            per_day = tuple(
                int(
                    self.db.execute(
                        "SELECT coalesce(sum(volume), 0) FROM rollup_minute "
                        "WHERE watch_id = ? AND minute >= ? AND minute < ?",
                        # the current minute is not over: its window ends before it
                        (watch_id, last + 1 - d * 1440, end_minute - 1 - d * 1440),
                    ).fetchone()[0]
                )
                for d in days
                if end_minute - d * 1440 > first
            )
            last_seen = from_us(last * US_PER_MINUTE)
            out.append(("watch", watch_id, last_seen, int(count), per_day))
        for platform, first, last, count in self.db.execute(
            "SELECT platform, min(created_at), max(created_at), sum(created_at >= ?) "
            "FROM mentions WHERE created_at <= ? GROUP BY platform",
            (start, to_us(now)),
        ).fetchall():
            day_us = 86_400 * 1_000_000
            per_day = tuple(
                int(
                    self.db.execute(
                        "SELECT count(*) FROM mentions WHERE platform = ? "
                        "AND created_at > ? AND created_at <= ?",
                        (platform, last - d * day_us, to_us(now) - d * day_us),
                    ).fetchone()[0]
                )
                for d in days
                if to_us(now) - d * day_us > first
            )
            out.append(("platform", platform, from_us(last), int(count), per_day))
        return out

    # -- erasure and retention -----------------------------------------------------------------

    def erase_author(self, platform: str, author_id: str) -> int:
        """Delete every mention by this author, their profile, and the raw records that carry
        them. Per-minute rollups keep their counts: they hold no personal data."""
        deleted = self._delete_mentions("platform = ? AND author_id = ?", (platform, author_id))
        self.db.execute("DELETE FROM authors WHERE platform = ? AND id = ?", (platform, author_id))
        from tocsin.store.sqlite_people import erase_profiles  # (imports tocsin.people)

        erase_profiles(self.db, platform, author_id)  # their pseudonymous profiles too
        return deleted

    def apply_retention(self, before: datetime) -> tuple[int, int]:
        """Delete mentions posted, and dead letters received, before ``before``; rollups stay.
        Returns (mentions deleted, dead letters deleted)."""
        mentions = self._delete_mentions("created_at < ?", (to_us(before),))
        cur = self.db.execute("DELETE FROM dead_letters WHERE received_at < ?", (to_us(before),))
        self.db.execute(
            "DELETE FROM authors WHERE NOT EXISTS (SELECT 1 FROM mentions m "
            "WHERE m.platform = authors.platform AND m.author_id = authors.id)"
        )
        return mentions, cur.rowcount

    def _delete_mentions(self, where: str, params: tuple[Any, ...], chunk: int = 2_000) -> int:
        """Delete matching mentions with their index entries and memberships, a chunk per
        transaction (safe to interrupt and run again)."""
        deleted = 0
        while True:
            self.db.execute("BEGIN IMMEDIATE")
            try:
                rows = self.db.execute(
                    f"SELECT id, text FROM mentions WHERE {where} LIMIT ?", (*params, chunk)
                ).fetchall()
                ids = [(row_id,) for row_id, _ in rows]
                self.db.executemany(
                    "INSERT INTO mention_fts (mention_fts, rowid, body) VALUES ('delete', ?, ?)",
                    [(row_id, normalise(text)) for row_id, text in rows],
                )
                self.db.executemany("DELETE FROM mention_watches WHERE mention_id = ?", ids)
                self.db.executemany("DELETE FROM mentions WHERE id = ?", ids)
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise
            deleted += len(rows)
            if len(rows) < chunk:
                break
        if deleted:  # the ambassadors' lists of posts (a small table) follow
            self.db.execute(
                "DELETE FROM ambassador_posts WHERE NOT EXISTS "
                "(SELECT 1 FROM mentions m WHERE m.id = ambassador_posts.mention_id)"
            )
        return deleted

    # -- reads -------------------------------------------------------------------------------

    def get_mention(self, platform: str, native_id: str) -> StoredMention | None:
        row = self.db.execute(
            f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE platform = ? AND native_id = ?",
            (platform, native_id),
        ).fetchone()
        if row is None:
            return None
        return StoredMention(_mention(row), self._watches_of(row[0]))

    def get_mentions(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], StoredMention]:
        """``get_mention`` for many keys at once (a page of cases): the found ones, by key."""
        rows: list[Any] = []
        for platform, chunk in _chunks_by_platform(keys):
            rows += self.db.execute(
                f"SELECT {_MENTION_COLUMNS} FROM mentions WHERE platform = ? "
                f"AND native_id IN ({', '.join('?' * len(chunk))})",
                (platform, *chunk),
            ).fetchall()
        watches: dict[int, list[str]] = {}
        row_ids = [r[0] for r in rows]
        for start in range(0, len(row_ids), _LOOKUP_CHUNK):
            chunk = row_ids[start : start + _LOOKUP_CHUNK]
            for mention_id, watch_id in self.db.execute(
                "SELECT mention_id, watch_id FROM mention_watches "
                f"WHERE mention_id IN ({', '.join('?' * len(chunk))}) ORDER BY watch_id",
                chunk,
            ):
                watches.setdefault(mention_id, []).append(watch_id)
        out = {}
        for row in rows:
            m = _mention(row)
            out[m.key] = StoredMention(m, tuple(watches.get(row[0], ())))
        return out

    def _watches_of(self, row_id: int) -> tuple[str, ...]:
        return tuple(
            r[0]
            for r in self.db.execute(
                "SELECT watch_id FROM mention_watches WHERE mention_id = ? ORDER BY watch_id",
                (row_id,),
            )
        )

    def count_mentions(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM mentions").fetchone()[0])

    def search(self, query: SearchQuery) -> Iterator[StoredMention]:
        """Newest first. Full-text index narrows the candidates; the query language decides."""
        node = parse(query.text) if query.text else None
        where: list[str] = []
        params: list[Any] = []
        source = "mentions m"
        if node is not None:
            fts = fts_expression(node)
            if fts is not None:
                source = "mention_fts f JOIN mentions m ON m.id = f.rowid"
                where.append("mention_fts MATCH ?")
                params.append(fts)
            labels = required_values(node, "sentiment")
            if labels is not None:  # a column test in SQLite, before any row reaches Python
                where.append(f"m.sentiment IN ({', '.join('?' * len(labels))})")
                params.extend(sorted(labels))
        # With a watch, time bounds and order come from the watch's membership index
        # (watch_id, created_at, mention_id): newest first without sorting the watch's posts.
        order = "m.created_at DESC, m.id DESC"
        when = "m.created_at"
        if query.watch_id is not None:
            source += " JOIN mention_watches w ON w.mention_id = m.id AND w.watch_id = ?"
            params.insert(0, query.watch_id)
            order = "w.created_at DESC, w.mention_id DESC"
            when = "w.created_at"
        if query.since is not None:
            where.append(f"{when} >= ?")
            params.append(to_us(query.since))
        if query.until is not None:
            where.append(f"{when} < ?")
            params.append(to_us(query.until))
        if query.platforms:
            where.append(f"m.platform IN ({', '.join('?' * len(query.platforms))})")
            params.extend(query.platforms)
        if query.languages:
            ors = []
            for lang in query.languages:
                ors.append("(m.language = ? OR substr(m.language, 1, ?) = ?)")
                params.extend((lang, len(lang) + 1, lang + "-"))
            where.append(f"({' OR '.join(ors)})")
        # Ids first, in order (a sort carries ids, not whole rows: 1M mentions, a phrase
        # matching tens of thousands: ~100 ms less), then the rows a few dozen at a time.
        sql = f"SELECT m.id FROM {source}"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += f" ORDER BY {order}"
        # A separate cursor: the caller may write while iterating.
        cursor = self.db.cursor()
        returned = 0
        try:
            cursor.execute(sql, params)
            while returned < query.limit:
                ids = [r[0] for r in cursor.fetchmany(_SEARCH_CHUNK)]
                if not ids:
                    return
                rows = {
                    r[0]: r
                    for r in self.db.execute(
                        f"SELECT {_MENTION_COLUMNS} FROM mentions "
                        f"WHERE id IN ({', '.join('?' * len(ids))})",
                        ids,
                    )
                }
                for row_id in ids:
                    row = rows.get(row_id)
                    if row is None:  # deleted meanwhile by the caller
                        continue
                    mention = _mention(row)
                    if node is not None and not evaluate(node, Document.from_mention(mention)):
                        continue
                    returned += 1
                    yield StoredMention(mention, self._watches_of(row_id))
                    if returned >= query.limit:
                        return
        finally:
            cursor.close()

    def volume(
        self,
        watch_ids: Sequence[str],
        since: datetime,
        until: datetime,
        bucket: Bucket = "hour",
    ) -> list[VolumePoint]:
        size = _BUCKET_MINUTES[bucket]
        ids = list(watch_ids) or [ALL]
        rows = self.db.execute(
            f"SELECT watch_id, (minute / {size}) * {size} AS b, sum(volume), sum(negative), "
            "sum(neutral), sum(positive) FROM rollup_minute "
            f"WHERE watch_id IN ({', '.join('?' * len(ids))}) AND minute >= ? AND minute < ? "
            "GROUP BY watch_id, b HAVING sum(volume) != 0 ORDER BY watch_id, b",
            (*ids, to_us(since) // US_PER_MINUTE, -(-to_us(until) // US_PER_MINUTE)),
        )
        return [
            VolumePoint(w, from_us(b * US_PER_MINUTE), int(v), int(neg), int(neu), int(pos))
            for w, b, v, neg, neu, pos in rows
        ]

    def span(self) -> tuple[datetime, datetime] | None:
        """First and last ``created_at`` stored."""
        lo, hi = self.db.execute("SELECT min(created_at), max(created_at) FROM mentions").fetchone()
        return None if lo is None else (from_us(lo), from_us(hi))

    def dead_letters(self, limit: int = 100) -> list[StoredDeadLetter]:
        rows = self.db.execute(
            "SELECT id, received_at, source, format, position, reason, raw FROM dead_letters "
            "ORDER BY id DESC LIMIT ?",
            (limit,),
        )
        return [
            StoredDeadLetter(i, from_us(at), DeadLetter(src, fmt, pos, reason, bytes(raw)))
            for i, at, src, fmt, pos, reason, raw in rows
        ]

    def count_dead_letters(self) -> int:
        return int(self.db.execute("SELECT count(*) FROM dead_letters").fetchone()[0])


@dataclass(slots=True)
class PreparedBatch:
    """A batch turned into plain rows: primitives only, so it is cheap to send from a worker
    process to the writer. ``prepare`` makes it without touching the database."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)  # mentions columns after ``id``
    versions: list[int] = field(default_factory=list)
    norm_texts: list[str] = field(default_factory=list)
    watch_ids: list[tuple[str, ...]] = field(default_factory=list)
    authors: list[tuple[Any, ...]] = field(default_factory=list)
    dead_letters: list[tuple[Any, ...]] = field(default_factory=list)
    superseded: int = 0  # older versions of a post dropped inside the batch


_CREATED = 11  # index of created_at in a prepared row
_FINGERPRINT = 24
_SENTIMENT = 26
_ROW_SENTIMENT = 27  # in a row read with _MENTION_COLUMNS (id first)


def prepare(
    items: Sequence[MatchedMention], dead_letters: Sequence[DeadLetter] = ()
) -> PreparedBatch:
    """Rows for ``write_prepared``. Within a batch the newest version of a post wins."""
    latest: dict[tuple[str, str], MatchedMention] = {}
    for item in items:
        key = item.mention.key
        seen = latest.get(key)
        if seen is None or item.mention.version_time >= seen.mention.version_time:
            latest[key] = item
    now = time.time_ns() // 1000
    batch = PreparedBatch(superseded=len(items) - len(latest))
    for item in latest.values():
        m = item.mention
        a = m.author
        mt = m.metrics
        created = to_us(m.created_at)
        edited = None if m.edited_at is None else to_us(m.edited_at)
        version = created if edited is None else edited
        verified = None if a.verified is None else int(a.verified)
        content = (
            m.platform,
            m.native_id,
            a.id,
            a.handle,
            a.display_name,
            a.followers,
            verified,
            m.url,
            m.title,
            m.text,
            m.language,
            created,
            edited,
            m.reply_to,
            m.repost_of,
            m.quote_of,
            _json_list(m.hashtags),
            _json_list(m.mentions),
            _json_list(m.links),
            mt.likes,
            mt.reposts,
            mt.replies,
            mt.views,
        )
        # What makes two versions of a post differ: everything above but the raw bytes.
        fingerprint = hashlib.blake2b(orjson.dumps(content), digest_size=16).digest()
        # The analysis is not content: a post analysed again is not a new version.
        batch.rows.append((*content, m.raw, fingerprint, now, *_analysis_columns(m)))
        batch.versions.append(version)
        batch.norm_texts.append(item.norm_text)
        batch.watch_ids.append(item.watch_ids)
        batch.authors.append(
            (a.platform, a.id, a.handle, a.display_name, a.followers, verified, version)
        )
    batch.dead_letters = [
        (d.fingerprint, d.source, d.format, d.position, d.reason, d.raw, now) for d in dead_letters
    ]
    return batch


def _analysis_columns(m: Mention) -> tuple[Any, ...]:
    s = m.sentiment
    return (
        None if s is None else s.label,
        None if s is None else s.score,
        orjson.dumps(dict(m.emotions)).decode() if m.emotions else None,
        m.toxicity,
        m.complaint,
    )


def _mention(row: Sequence[Any]) -> Mention:
    (
        _id,
        platform,
        native_id,
        author_id,
        handle,
        name,
        followers,
        verified,
        url,
        title,
        text,
        language,
        created_at,
        edited_at,
        reply_to,
        repost_of,
        quote_of,
        hashtags,
        mentions,
        links,
        likes,
        reposts,
        replies,
        views,
        raw,
        _fp,
        _ingested,
        sentiment,
        sentiment_score,
        emotions,
        toxicity,
        complaint,
    ) = row
    return Mention(
        platform=platform,
        native_id=native_id,
        author=Author(
            platform,
            author_id,
            handle,
            name,
            followers,
            None if verified is None else bool(verified),
        ),
        text=text,
        created_at=from_us(created_at),
        url=url,
        title=title,
        language=language,
        reply_to=reply_to,
        repost_of=repost_of,
        quote_of=quote_of,
        hashtags=tuple(orjson.loads(hashtags)),
        mentions=tuple(orjson.loads(mentions)),
        links=tuple(orjson.loads(links)),
        metrics=Metrics(likes, reposts, replies, views),
        edited_at=None if edited_at is None else from_us(edited_at),
        raw=bytes(raw),
        sentiment=None if sentiment is None else Sentiment(sentiment, sentiment_score),
        emotions=tuple(orjson.loads(emotions).items()) if emotions else (),
        toxicity=toxicity,
        complaint=complaint,
    )


def _watch(row: Sequence[Any]) -> Watch:
    wid, name, kind, query, languages, platforms = row
    return Watch(
        id=wid,
        name=name,
        kind=WatchKind(kind),
        query=query,
        languages=tuple(orjson.loads(languages)),
        platforms=tuple(orjson.loads(platforms)),
    )
