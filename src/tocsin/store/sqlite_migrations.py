"""SQLite schema, as named migration steps applied once each, in order.

Add a step at the end; never edit a step that has shipped.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

Migration = Callable[[sqlite3.Connection], None]
MIGRATIONS: list[tuple[str, Migration]] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append((fn.__name__, fn))
    return fn


def run_script(db: sqlite3.Connection, script: str) -> None:
    """Execute statements one by one (``executescript`` would commit the migration's
    transaction half-way)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement in migration: {statement.strip()[:60]}")


@migration
def m001_core(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        CREATE TABLE watches (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            kind TEXT NOT NULL,
            query TEXT NOT NULL,
            languages TEXT NOT NULL,   -- JSON array
            platforms TEXT NOT NULL,   -- JSON array
            created_at INTEGER NOT NULL
        );
        CREATE TABLE authors (
            platform TEXT NOT NULL,
            id TEXT NOT NULL,
            handle TEXT NOT NULL,
            display_name TEXT NOT NULL,
            followers INTEGER,
            verified INTEGER,
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (platform, id)
        ) WITHOUT ROWID;
        -- Author fields are also kept on each mention: reach at the time of the post.
        CREATE TABLE mentions (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            native_id TEXT NOT NULL,
            author_id TEXT NOT NULL,
            author_handle TEXT NOT NULL,
            author_name TEXT NOT NULL,
            author_followers INTEGER,
            author_verified INTEGER,
            url TEXT,
            title TEXT,
            text TEXT NOT NULL,
            language TEXT,
            created_at INTEGER NOT NULL,  -- microseconds since epoch, UTC
            edited_at INTEGER,
            reply_to TEXT,
            repost_of TEXT,
            quote_of TEXT,
            hashtags TEXT NOT NULL,       -- JSON arrays
            mentions TEXT NOT NULL,
            links TEXT NOT NULL,
            likes INTEGER,
            reposts INTEGER,
            replies INTEGER,
            views INTEGER,
            raw BLOB NOT NULL,
            fingerprint BLOB NOT NULL,
            ingested_at INTEGER NOT NULL,
            UNIQUE (platform, native_id)
        );
        CREATE INDEX mentions_created_at ON mentions (created_at);
        CREATE TABLE mention_watches (
            watch_id TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            mention_id INTEGER NOT NULL,
            PRIMARY KEY (watch_id, created_at, mention_id)
        ) WITHOUT ROWID;
        CREATE INDEX mention_watches_mention ON mention_watches (mention_id);
        -- Contentless: the normalised text is indexed, not stored twice.
        CREATE VIRTUAL TABLE mention_fts USING fts5(
            body, content='', tokenize='unicode61 remove_diacritics 2'
        );
        CREATE TABLE rollup_minute (
            watch_id TEXT NOT NULL,
            minute INTEGER NOT NULL,      -- minutes since epoch, UTC
            volume INTEGER NOT NULL DEFAULT 0,
            negative INTEGER NOT NULL DEFAULT 0,
            neutral INTEGER NOT NULL DEFAULT 0,
            positive INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (watch_id, minute)
        ) WITHOUT ROWID;
        CREATE TABLE dead_letters (
            id INTEGER PRIMARY KEY,
            fingerprint TEXT NOT NULL UNIQUE,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            position TEXT NOT NULL,
            reason TEXT NOT NULL,
            raw BLOB NOT NULL,
            received_at INTEGER NOT NULL
        );
        """,
    )


@migration
def m002_alert_outbox(db: sqlite3.Connection) -> None:
    run_script(
        db,
        """
        -- One row per (alert, channel): the alert key deduplicates deliveries.
        CREATE TABLE outbox (
            id INTEGER PRIMARY KEY,
            alert_key TEXT NOT NULL,
            channel TEXT NOT NULL,
            alert TEXT NOT NULL,            -- the alert as JSON
            status TEXT NOT NULL,           -- pending | sent | failed
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at INTEGER NOT NULL,  -- microseconds since epoch, UTC
            last_error TEXT,
            created_at INTEGER NOT NULL,
            sent_at INTEGER,
            UNIQUE (alert_key, channel)
        );
        CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
        CREATE TABLE channels (
            name TEXT PRIMARY KEY,
            kind TEXT NOT NULL,
            target TEXT NOT NULL,
            secret TEXT NOT NULL,
            min_severity INTEGER NOT NULL,
            per_minute INTEGER NOT NULL
        );
        """,
    )


@migration
def m003_web_accounts(db: sqlite3.Connection) -> None:
    """Users, web sessions and API tokens of ``tocsin serve``. Secrets are never stored:
    sessions and tokens by their SHA-256, passwords by their scrypt hash."""
    run_script(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            username TEXT NOT NULL UNIQUE,          -- lower case
            password_hash TEXT NOT NULL,            -- scrypt$log2n$r$p$salt$hash
            role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer')),
            active INTEGER NOT NULL DEFAULT 1,
            created_at INTEGER NOT NULL,
            password_changed_at INTEGER NOT NULL
        );
        CREATE TABLE web_sessions (
            token_hash BLOB PRIMARY KEY,            -- sha256 of the cookie value
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            created_at INTEGER NOT NULL,
            expires_at INTEGER NOT NULL,
            last_seen_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX web_sessions_user ON web_sessions (user_id);
        CREATE TABLE api_tokens (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            token_hash BLOB NOT NULL UNIQUE,        -- sha256 of the token
            prefix TEXT NOT NULL,                   -- its first characters, to recognise it
            created_at INTEGER NOT NULL,
            expires_at INTEGER,
            last_used_at INTEGER,
            revoked_at INTEGER
        );
        CREATE INDEX api_tokens_user ON api_tokens (user_id);
        """,
    )
