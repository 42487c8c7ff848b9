"""Tables of the web server: users, sessions, API tokens.

``ensure_schema`` creates them if missing (``CREATE … IF NOT EXISTS``): until it becomes a
named step of ``store/sqlite_migrations.py``, the server runs it when it opens the database.
Times are microseconds since the epoch, UTC, like the rest of the schema. Secrets are never
stored: sessions and tokens by their SHA-256, passwords by their scrypt hash.
"""

from __future__ import annotations

import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,          -- lower case
    password_hash TEXT NOT NULL,            -- scrypt$log2n$r$p$salt$hash
    role TEXT NOT NULL CHECK (role IN ('admin', 'manager', 'agent', 'viewer')),
    active INTEGER NOT NULL DEFAULT 1,
    created_at INTEGER NOT NULL,
    password_changed_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS web_sessions (
    token_hash BLOB PRIMARY KEY,            -- sha256 of the cookie value
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS web_sessions_user ON web_sessions (user_id);
CREATE TABLE IF NOT EXISTS api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash BLOB NOT NULL UNIQUE,        -- sha256 of the token
    prefix TEXT NOT NULL,                   -- its first characters, to recognise it in a list
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS api_tokens_user ON api_tokens (user_id);
"""


def ensure_schema(db: sqlite3.Connection) -> None:
    """Create the web tables if they are missing, in one transaction."""
    db.execute("BEGIN IMMEDIATE")
    try:
        statement = ""
        for line in SCHEMA.splitlines(keepends=True):
            statement += line
            if sqlite3.complete_statement(statement):
                db.execute(statement)
                statement = ""
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
