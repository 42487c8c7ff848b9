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


@migration
def m004_inbox(db: sqlite3.Connection) -> None:
    """The inbox of ``tocsin serve`` (``tocsin.respond``): cases, their notes and replies, reply
    templates, moderation decisions and the append-only audit log. Mentions are referred to by
    ``(platform, native_id)``, not by row id, so a re-import keeps its cases."""
    run_script(
        db,
        """
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,                    -- microseconds since epoch, UTC
            actor TEXT NOT NULL,                    -- a user name, or 'system'
            action TEXT NOT NULL,                   -- e.g. case.create, mention.hide
            target TEXT NOT NULL,                   -- e.g. case:12, mention:x/123
            details TEXT NOT NULL                   -- JSON object
        );
        CREATE INDEX audit_log_target ON audit_log (target, id);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
        CREATE TABLE cases (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            native_id TEXT NOT NULL,
            reason TEXT NOT NULL,       -- question | complaint | negative_reach | manual
            status TEXT NOT NULL CHECK (status IN
                ('new', 'assigned', 'waiting', 'answered', 'escalated', 'closed')),
            followers INTEGER NOT NULL DEFAULT 0,   -- reach and velocity when the case opened
            reposts INTEGER NOT NULL DEFAULT 0,
            posted_at INTEGER NOT NULL,
            opened_at INTEGER NOT NULL,
            due_at INTEGER NOT NULL,                -- SLA
            assignee_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
            escalated_to TEXT,                      -- pr | legal
            escalation_reason TEXT,
            updated_at INTEGER NOT NULL,
            UNIQUE (platform, native_id)
        );
        CREATE INDEX cases_status ON cases (status);
        CREATE TABLE case_notes (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            author TEXT NOT NULL,
            body TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        CREATE INDEX case_notes_case ON case_notes (case_id, id);
        CREATE TABLE case_replies (
            id INTEGER PRIMARY KEY,
            case_id INTEGER NOT NULL REFERENCES cases (id),
            lang TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'sent')),
            author TEXT NOT NULL,
            approved_by TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL,
            sent_at INTEGER
        );
        CREATE INDEX case_replies_case ON case_replies (case_id, id);
        CREATE TABLE reply_templates (
            key TEXT NOT NULL,
            lang TEXT NOT NULL,
            body TEXT NOT NULL,
            updated_at INTEGER NOT NULL,
            updated_by TEXT NOT NULL,
            PRIMARY KEY (key, lang)
        ) WITHOUT ROWID;
        CREATE TABLE moderation (
            platform TEXT NOT NULL,
            native_id TEXT NOT NULL,
            hidden INTEGER NOT NULL,
            reason TEXT NOT NULL CHECK (reason IN
                ('insult', 'threat', 'hate', 'spam', 'personal_data')),
            note TEXT NOT NULL DEFAULT '',
            decided_by TEXT NOT NULL,
            decided_at INTEGER NOT NULL,
            PRIMARY KEY (platform, native_id)
        ) WITHOUT ROWID;
        CREATE TABLE round_robin (
            pool TEXT PRIMARY KEY,
            last_user_id INTEGER NOT NULL
        );
        """,
    )


@migration
def m005_analysis(db: sqlite3.Connection) -> None:
    """What the analysis enrichers found: NULL means not analysed (never "neutral")."""
    run_script(
        db,
        """
        ALTER TABLE mentions ADD COLUMN sentiment TEXT;     -- negative | neutral | positive
        ALTER TABLE mentions ADD COLUMN sentiment_score REAL;
        ALTER TABLE mentions ADD COLUMN emotions TEXT;      -- JSON object {name: score}
        ALTER TABLE mentions ADD COLUMN toxicity REAL;
        ALTER TABLE mentions ADD COLUMN complaint REAL;
        """,
    )


@migration
def m006_incidents(db: sqlite3.Connection) -> None:
    """Incidents (``tocsin.incidents``): one row per incident, its signals, and the monitor's
    detector state (a pickle per watch and detector, so detection survives a restart)."""
    run_script(
        db,
        """
        CREATE TABLE incidents (
            id TEXT PRIMARY KEY,                    -- e.g. cafelia-20250306T1100
            watch_id TEXT NOT NULL,
            story TEXT NOT NULL,                    -- '' (the watch) or kind:subject
            status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
            onset INTEGER NOT NULL,                 -- microseconds since epoch, UTC
            opened_at INTEGER NOT NULL,
            last_signal_at INTEGER NOT NULL,
            resolved_at INTEGER,
            severity INTEGER NOT NULL,
            peak_severity INTEGER NOT NULL,
            alerted_severity INTEGER NOT NULL,
            kinds TEXT NOT NULL,                    -- JSON array
            signal_count INTEGER NOT NULL,
            buckets INTEGER NOT NULL,
            max_score REAL NOT NULL,
            updated_at INTEGER NOT NULL
        );
        CREATE INDEX incidents_watch ON incidents (watch_id, onset);
        CREATE INDEX incidents_recent ON incidents (last_signal_at);
        CREATE TABLE incident_signals (
            incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            subject TEXT NOT NULL,
            at INTEGER NOT NULL,                    -- the bucket's start
            score REAL NOT NULL,
            expected REAL,
            observed REAL,
            mention_keys TEXT NOT NULL,             -- JSON [[platform, native_id], ...]
            details TEXT NOT NULL,                  -- JSON object
            PRIMARY KEY (incident_id, kind, subject, at)
        ) WITHOUT ROWID;
        CREATE TABLE detector_state (
            watch_id TEXT NOT NULL,
            detector TEXT NOT NULL,
            next_bucket INTEGER NOT NULL,           -- first bucket not learned yet (epoch s)
            state BLOB NOT NULL,                    -- pickle, written by this program only
            updated_at INTEGER NOT NULL,
            PRIMARY KEY (watch_id, detector)
        ) WITHOUT ROWID;
        """,
    )


@migration
def m007_ambassadors(db: sqlite3.Connection) -> None:
    """The ambassador programme (``tocsin.ambassadors``): opt-in enrolments and their consents,
    excluded countries, missions and their proofs (completions counted or flagged, with the
    reason), the points ledger (append-only, never negative), badges, rewards and redemptions.
    Personal fields (handle, display name, the text of posts) are erasable; the ledger is not
    personal and stays."""
    run_script(
        db,
        """
        CREATE TABLE ambassadors (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            author_id TEXT NOT NULL,
            handle TEXT NOT NULL DEFAULT '',        -- erasable
            display_name TEXT NOT NULL DEFAULT '',  -- erasable; shown only with consent
            country TEXT NOT NULL,                  -- ISO 3166-1 alpha-2, upper case
            status TEXT NOT NULL CHECK (status IN ('invited', 'enrolled', 'opted_out')),
            show_name INTEGER NOT NULL DEFAULT 0,   -- consented to their name being shown
            invited_at INTEGER NOT NULL,            -- microseconds since epoch, UTC
            invited_by TEXT NOT NULL,
            enrolled_at INTEGER,
            opted_out_at INTEGER,
            erased_at INTEGER,
            UNIQUE (platform, author_id)
        );
        CREATE TABLE ambassador_consents (
            id INTEGER PRIMARY KEY,
            ambassador_id INTEGER NOT NULL REFERENCES ambassadors (id),
            version TEXT NOT NULL,
            text TEXT NOT NULL,                     -- what they consented to, word for word
            show_name INTEGER NOT NULL,
            given_at INTEGER NOT NULL,
            recorded_by TEXT NOT NULL,
            withdrawn_at INTEGER
        );
        CREATE INDEX ambassador_consents_ambassador ON ambassador_consents (ambassador_id, id);
        CREATE TABLE ambassador_excluded_countries (
            country TEXT PRIMARY KEY,
            reason TEXT NOT NULL,
            added_by TEXT NOT NULL,
            added_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE missions (
            id INTEGER PRIMARY KEY,
            kind TEXT NOT NULL CHECK (kind IN ('share', 'answer', 'experience')),
            title TEXT NOT NULL,
            instructions TEXT NOT NULL,
            watch_id TEXT,                          -- the campaign
            incident_id TEXT,
            target_platform TEXT,                   -- the post to share / the thread to answer
            target_id TEXT,
            link TEXT,
            hashtag TEXT,                           -- normalised, without '#'
            starts_at INTEGER NOT NULL,
            deadline INTEGER NOT NULL,
            points INTEGER NOT NULL CHECK (points >= 0),
            status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            CHECK (watch_id IS NOT NULL OR incident_id IS NOT NULL),
            CHECK (deadline > starts_at)
        );
        CREATE TABLE mission_assignees (
            mission_id INTEGER NOT NULL REFERENCES missions (id),
            ambassador_id INTEGER NOT NULL REFERENCES ambassadors (id),
            PRIMARY KEY (mission_id, ambassador_id)
        ) WITHOUT ROWID;
        CREATE TABLE mission_completions (
            id INTEGER PRIMARY KEY,
            mission_id INTEGER NOT NULL REFERENCES missions (id),
            ambassador_id INTEGER NOT NULL REFERENCES ambassadors (id),
            platform TEXT NOT NULL,
            native_id TEXT NOT NULL,
            posted_at INTEGER NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('counted', 'flagged')),
            reason TEXT NOT NULL,
            disclosure TEXT NOT NULL DEFAULT '',    -- the disclosure found
            text TEXT NOT NULL,                     -- the post as posted (erasable)
            url TEXT,
            checked_at INTEGER NOT NULL,
            UNIQUE (mission_id, platform, native_id)
        );
        CREATE UNIQUE INDEX mission_completions_counted
            ON mission_completions (mission_id, ambassador_id) WHERE status = 'counted';
        CREATE INDEX mission_completions_ambassador ON mission_completions (ambassador_id, id);
        CREATE TABLE ambassador_ledger (
            id INTEGER PRIMARY KEY,
            ambassador_id INTEGER NOT NULL REFERENCES ambassadors (id),
            at INTEGER NOT NULL,
            delta INTEGER NOT NULL,
            reason TEXT NOT NULL,                   -- mission | redemption
            ref INTEGER                             -- completion or redemption id
        );
        CREATE INDEX ambassador_ledger_ambassador ON ambassador_ledger (ambassador_id, id);
        CREATE TRIGGER ambassador_ledger_not_negative BEFORE INSERT ON ambassador_ledger
        WHEN NEW.delta < 0 AND (SELECT coalesce(sum(delta), 0) FROM ambassador_ledger
                                WHERE ambassador_id = NEW.ambassador_id) + NEW.delta < 0
        BEGIN SELECT RAISE(ABORT, 'points balance cannot go negative'); END;
        CREATE TRIGGER ambassador_ledger_no_update BEFORE UPDATE ON ambassador_ledger
        BEGIN SELECT RAISE(ABORT, 'ambassador_ledger is append-only'); END;
        CREATE TRIGGER ambassador_ledger_no_delete BEFORE DELETE ON ambassador_ledger
        BEGIN SELECT RAISE(ABORT, 'ambassador_ledger is append-only'); END;
        CREATE TABLE ambassador_badges (
            ambassador_id INTEGER NOT NULL REFERENCES ambassadors (id),
            badge TEXT NOT NULL,
            awarded_at INTEGER NOT NULL,
            PRIMARY KEY (ambassador_id, badge)
        ) WITHOUT ROWID;
        CREATE TABLE rewards (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL,
            cost INTEGER NOT NULL CHECK (cost > 0),
            stock INTEGER CHECK (stock IS NULL OR stock >= 0),  -- NULL: unlimited
            active INTEGER NOT NULL DEFAULT 1,
            created_by TEXT NOT NULL,
            created_at INTEGER NOT NULL
        );
        CREATE TABLE reward_redemptions (
            id INTEGER PRIMARY KEY,
            reward_id INTEGER NOT NULL REFERENCES rewards (id),
            ambassador_id INTEGER NOT NULL REFERENCES ambassadors (id),
            cost INTEGER NOT NULL,
            at INTEGER NOT NULL,
            recorded_by TEXT NOT NULL
        );
        CREATE INDEX reward_redemptions_ambassador ON reward_redemptions (ambassador_id, id);
        -- Proofs are looked up by author and time.
        CREATE INDEX mentions_author_time ON mentions (platform, author_id, created_at);
        """,
    )


@migration
def m008_people(db: sqlite3.Connection) -> None:
    """Author profiles (``tocsin.people``), pseudonymised: rows name an author by their keyed
    pseudonym (``author_key``), never by handle, name or platform id; identity stays in
    ``authors``. The pseudonym secret is created at first use; checkpoints say which mentions
    each watch's profiles already count."""
    run_script(
        db,
        """
        CREATE TABLE people_secret (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            secret BLOB NOT NULL,                   -- HMAC key of tocsin.people.author_key
            created_at INTEGER NOT NULL
        );
        CREATE TABLE people_checkpoints (
            watch_id TEXT PRIMARY KEY,
            query TEXT NOT NULL,                    -- the watch's query: a change rebuilds it
            mention_id INTEGER NOT NULL,            -- last mentions.id counted
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE author_profiles (
            watch_id TEXT NOT NULL,
            author_key TEXT NOT NULL,               -- pseudonym
            platform TEXT NOT NULL,
            followers INTEGER,                      -- largest seen
            posts INTEGER NOT NULL,
            reposts_made INTEGER NOT NULL,          -- of their posts, how many are reposts
            likes INTEGER NOT NULL,                 -- engagement received on their posts
            reposts INTEGER NOT NULL,
            replies INTEGER NOT NULL,
            negative INTEGER NOT NULL,
            neutral INTEGER NOT NULL,
            positive INTEGER NOT NULL,
            detailed INTEGER NOT NULL,              -- long posts
            constructive INTEGER NOT NULL,          -- suggestion or question, not toxic
            toxic INTEGER NOT NULL,
            first_seen INTEGER NOT NULL,            -- microseconds since epoch, UTC
            last_seen INTEGER NOT NULL,
            PRIMARY KEY (watch_id, author_key)
        ) WITHOUT ROWID;
        CREATE INDEX author_profiles_key ON author_profiles (author_key);
        CREATE TABLE author_days (
            watch_id TEXT NOT NULL,
            author_key TEXT NOT NULL,
            day INTEGER NOT NULL,                   -- days since epoch, UTC
            posts INTEGER NOT NULL,
            negative INTEGER NOT NULL,
            neutral INTEGER NOT NULL,
            positive INTEGER NOT NULL,
            PRIMARY KEY (watch_id, author_key, day)
        ) WITHOUT ROWID;
        CREATE INDEX author_days_key ON author_days (author_key);
        -- Their latest posts in the watch, as mention keys (not copies).
        CREATE TABLE author_posts (
            watch_id TEXT NOT NULL,
            author_key TEXT NOT NULL,
            created_at INTEGER NOT NULL,
            platform TEXT NOT NULL,
            native_id TEXT NOT NULL,
            sentiment TEXT,
            traits INTEGER NOT NULL,                -- bits: 1 detailed, 2 constructive, 4 toxic
            PRIMARY KEY (watch_id, author_key, created_at, platform, native_id)
        ) WITHOUT ROWID;
        CREATE INDEX author_posts_key ON author_posts (author_key);
        """,
    )


@migration
def m009_influence(db: sqlite3.Connection) -> None:
    """Influence kept incrementally (``tocsin.people.stored_influence``): the conversation graph
    of every stored mention and each watch's PageRank state, pickled, with the checkpoint (last
    ``mentions.id`` folded in), and snapshots of each watch's influence (daily and latest) for
    rising voices. Author keys are pseudonyms; erasure deletes all of it (rebuilt on next use)."""
    run_script(
        db,
        """
        CREATE TABLE influence_graph (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            mention_id INTEGER NOT NULL,            -- checkpoint: last mentions.id folded in
            folded_until INTEGER NOT NULL,          -- latest created_at folded (us, UTC)
            graph BLOB NOT NULL,                    -- pickled InteractionGraph
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE influence_states (
            watch_id TEXT PRIMARY KEY,
            query TEXT NOT NULL,                    -- the watch's query: a change recomputes it
            state BLOB NOT NULL,                    -- pickled WatchInfluence
            updated_at INTEGER NOT NULL
        );
        CREATE TABLE influence_snapshots (
            watch_id TEXT NOT NULL,
            at INTEGER NOT NULL,                    -- influence as of this time (us, UTC)
            latest INTEGER NOT NULL,                -- 1: the current one, 0: a daily one
            authors BLOB NOT NULL,                  -- pickled keys, influence, interacted-by
            PRIMARY KEY (watch_id, latest, at)
        ) WITHOUT ROWID;
        """,
    )


@migration
def m010_mention_ids(db: sqlite3.Connection) -> None:
    """Mention ids are never reused, even after the newest mentions are erased: consumers that
    keep a checkpoint by id (profiles, influence) would otherwise skip the new ones."""
    run_script(
        db,
        """
        CREATE TABLE id_counters (name TEXT PRIMARY KEY, last INTEGER NOT NULL) WITHOUT ROWID;
        INSERT INTO id_counters (name, last) SELECT 'mentions', coalesce(max(id), 0) FROM mentions;
        """,
    )


@migration
def m011_case_negativity(db: sqlite3.Connection) -> None:
    """The inbox's priority weighs how negative the post is (the sentiment model's)."""
    run_script(db, "ALTER TABLE cases ADD COLUMN negativity REAL NOT NULL DEFAULT 0;")


@migration
def m012_ambassador_posts(db: sqlite3.Connection) -> None:
    """The index ``mentions_author_time`` cost ~7 µs of every insert (a third random-order
    B-tree): ambassadors' posts are now listed at write time in ``ambassador_posts`` (few rows),
    an account's history comes from its pseudonymous profiles, and erasure by author scans."""
    run_script(
        db,
        """
        CREATE TABLE ambassador_posts (
            platform TEXT NOT NULL,
            author_id TEXT NOT NULL,
            mention_id INTEGER NOT NULL,
            PRIMARY KEY (platform, author_id, mention_id)
        ) WITHOUT ROWID;
        INSERT INTO ambassador_posts (platform, author_id, mention_id)
            SELECT m.platform, m.author_id, m.id FROM ambassadors a
            JOIN mentions m ON m.platform = a.platform AND m.author_id = a.author_id
            WHERE a.erased_at IS NULL;
        DROP INDEX mentions_author_time;
        """,
    )
