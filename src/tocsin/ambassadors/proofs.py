"""Proof of completion, checked against ingested posts: ``check_missions(store, now)``.

For each open mission whose window has started (and ended less than ``LAG`` ago, so late
ingestion still counts), and each eligible ambassador it is open to, the ambassador's stored
posts inside the window (and after their enrolment) are checked by ``rules.check_proof``. The
first matching, disclosed post counts (points credited); a matching post without a disclosure
is recorded as flagged with the reason; a post that does not match records nothing.

Idempotent: a post is recorded once per mission, and one post at most counts per ambassador
and mission (a unique index says so too), so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import orjson

from tocsin.ambassadors.enrolment import Ambassador, eligible
from tocsin.ambassadors.missions import Completion, Mission, get_completion, list_missions
from tocsin.ambassadors.points import award_badges, credit
from tocsin.ambassadors.rules import MissionKind, Post, Verdict, check_proof
from tocsin.errors import QueryError
from tocsin.query import Document, WatchIndex
from tocsin.respond import audit
from tocsin.respond._db import transaction, us
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.times import from_us

#: How long after its deadline a mission is still checked (posts ingested late).
LAG = timedelta(days=7)
MAX_THREAD_DEPTH = 50


@dataclass
class CheckResult:
    counted: list[Completion] = field(default_factory=list)
    flagged: list[Completion] = field(default_factory=list)
    badges: list[tuple[int, str]] = field(default_factory=list)
    missions: int = 0


@dataclass(frozen=True, slots=True)
class _Stored:
    row_id: int
    native_id: str
    created_at: datetime
    text: str
    url: str | None
    reply_to: str | None
    repost_of: str | None
    quote_of: str | None
    hashtags: tuple[str, ...]
    links: tuple[str, ...]


class _Posts:
    """One ambassador's stored posts in a window, read once; what a proof needs around each
    (its thread, the reposted text, campaign membership) computed only when asked, once."""

    def __init__(
        self,
        store: SQLiteStore,
        a: Ambassador,
        since: datetime,
        until: datetime,
        indexes: dict[str, WatchIndex | None],
    ) -> None:
        self.store, self.platform, self.indexes = store, a.platform, indexes
        rows = store.db.execute(
            "SELECT m.id, m.native_id, m.created_at, m.text, m.url, m.reply_to, m.repost_of, "
            "m.quote_of, m.hashtags, m.links FROM ambassador_posts p "
            "JOIN mentions m ON m.id = p.mention_id "
            "WHERE p.platform = ? AND p.author_id = ? "
            "AND m.created_at >= ? AND m.created_at <= ? ORDER BY m.created_at, m.id",
            (a.platform, a.author_id, us(since), us(until)),
        )
        self.items = [
            _Stored(
                r[0],
                r[1],
                from_us(r[2]),
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                tuple(orjson.loads(r[8])),
                tuple(orjson.loads(r[9])),
            )
            for r in rows
        ]
        self._on_watch: dict[tuple[int, str], bool] = {}
        self._posts: dict[tuple[int, MissionKind, str | None], Post] = {}

    def _thread(self, item: _Stored) -> tuple[str, ...]:
        """The native ids above a reply, nearest first (stops where the store has a gap)."""
        out: list[str] = []
        parent = item.reply_to
        while parent is not None and parent not in out and len(out) < MAX_THREAD_DEPTH:
            out.append(parent)
            row = self.store.db.execute(
                "SELECT reply_to FROM mentions WHERE platform = ? AND native_id = ?",
                (self.platform, parent),
            ).fetchone()
            parent = row[0] if row else None
        return tuple(out)

    def _inherited(self, item: _Stored) -> str | None:
        row = self.store.db.execute(
            "SELECT text FROM mentions WHERE platform = ? AND native_id = ?",
            (self.platform, item.repost_of),
        ).fetchone()
        return str(row[0]) if row else None

    def on_watch(self, item: _Stored, watch_id: str) -> bool:
        """Stored membership, or the watch itself (before a `tocsin watch rematch`)."""
        key = (item.row_id, watch_id)
        found = self._on_watch.get(key)
        if found is None:
            found = (
                self.store.db.execute(
                    "SELECT 1 FROM mention_watches WHERE watch_id = ? AND created_at = ? "
                    "AND mention_id = ?",
                    (watch_id, us(item.created_at), item.row_id),
                ).fetchone()
                is not None
            )
            index = self.indexes.get(watch_id)
            if not found and index is not None:
                stored = self.store.get_mention(self.platform, item.native_id)
                found = stored is not None and bool(
                    index.match(Document.from_mention(stored.mention))
                )
            self._on_watch[key] = found
        return found

    def post(self, item: _Stored, kind: MissionKind, watch_id: str | None) -> Post:
        """The post as ``rules.check_proof`` sees it for a mission of this kind and watch."""
        key = (item.row_id, kind, watch_id)
        found = self._posts.get(key)
        if found is None:
            found = self._posts[key] = self._post(item, kind, watch_id)
        return found

    def _post(self, item: _Stored, kind: MissionKind, watch_id: str | None) -> Post:
        original = item.reply_to is None and item.repost_of is None and item.quote_of is None
        return Post(
            platform=self.platform,
            created_at=item.created_at,
            text=item.text,
            reply_to=item.reply_to,
            repost_of=item.repost_of,
            quote_of=item.quote_of,
            hashtags=item.hashtags,
            links=item.links,
            thread=self._thread(item) if item.reply_to and kind is MissionKind.ANSWER else (),
            inherited=self._inherited(item) if item.repost_of else None,
            on_watch=bool(
                kind is MissionKind.EXPERIENCE
                and original
                and watch_id
                and self.on_watch(item, watch_id)
            ),
        )


def _record(
    store: SQLiteStore,
    m: Mission,
    a: Ambassador,
    item: _Stored,
    verdict: Verdict,
    now: datetime,
    actor: str,
) -> Completion | None:
    """The proof, its points and its audit entry, in one transaction (``None``: another
    checker recorded it meanwhile)."""
    db = store.db
    with transaction(db):
        cur = db.execute(
            "INSERT OR IGNORE INTO mission_completions (mission_id, ambassador_id, platform, "
            "native_id, posted_at, status, reason, disclosure, text, url, checked_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                m.id,
                a.id,
                a.platform,
                item.native_id,
                us(item.created_at),
                "counted" if verdict.counted else "flagged",
                verdict.reason,
                verdict.disclosure,
                item.text,
                item.url,
                us(now),
            ),
        )
        if cur.rowcount == 0:
            return None
        completion_id = int(cur.lastrowid or 0)
        if verdict.counted:
            credit(db, a.id, m.points, completion_id, now)
        # The post is named by the completion (its id there is erasable), not in the log.
        audit.record(
            db,
            actor,
            "mission.complete" if verdict.counted else "mission.flag",
            m.target,
            {
                "ambassador": a.id,
                "completion": completion_id,
                "reason": verdict.reason,
                "disclosure": verdict.disclosure,
                "points": m.points if verdict.counted else 0,
            },
            at=now,
        )
    return get_completion(db, completion_id)


def _check_ambassador(
    store: SQLiteStore,
    a: Ambassador,
    due: list[Mission],
    now: datetime,
    actor: str,
    result: CheckResult,
    indexes: dict[str, WatchIndex | None],
) -> bool:
    """Check one ambassador's posts against the missions open to them; True if one counted."""
    db = store.db
    recorded: dict[int, set[str]] = {}
    done: set[int] = set()
    for mission_id, native_id, status in db.execute(
        "SELECT mission_id, native_id, status FROM mission_completions WHERE ambassador_id = ?",
        (a.id,),
    ):
        recorded.setdefault(mission_id, set()).add(native_id)
        if status == "counted":
            done.add(mission_id)
    todo = [m for m in due if m.id not in done and (not m.assignees or a.id in m.assignees)]
    if not todo:
        return False
    assert a.enrolled_at is not None
    since = max(min(m.starts_at for m in todo), a.enrolled_at)
    until = min(max(m.deadline for m in todo), now)
    if since > until:
        return False
    posts = _Posts(store, a, since, until, indexes)
    counted = False
    for m in todo:
        seen = recorded.get(m.id, set())
        for item in posts.items:
            if item.native_id in seen or item.created_at < a.enrolled_at:
                continue
            verdict = check_proof(m.spec, posts.post(item, m.kind, m.watch_id))
            if not verdict.matches:
                continue
            completion = _record(store, m, a, item, verdict, now, actor)
            if completion is None:
                continue
            if completion.counted:
                result.counted.append(completion)
                counted = True
                break
            result.flagged.append(completion)
    return counted


def _watch_index(store: SQLiteStore, watch_id: str) -> WatchIndex | None:
    """The campaign's watch, with its language and platform restrictions."""
    watch = store.get_watch(watch_id)
    if watch is None:
        return None
    try:
        return WatchIndex([watch])
    except QueryError:
        return None


def check_missions(store: SQLiteStore, now: datetime, *, actor: str = "system") -> CheckResult:
    """Check every open mission's proofs among the stored posts, as of ``now``; award points
    and badges. Safe to run again (idempotent) and from several processes."""
    result = CheckResult()
    due = [
        m
        for m in list_missions(store.db, status="open")
        if m.starts_at <= now and m.deadline >= now - LAG
    ]
    result.missions = len(due)
    if not due:
        return result
    due.sort(key=lambda m: m.id)
    indexes = {
        m.watch_id: _watch_index(store, m.watch_id)
        for m in due
        if m.kind is MissionKind.EXPERIENCE and m.watch_id
    }
    rewarded = [
        a.id
        for a in eligible(store.db)
        if _check_ambassador(store, a, due, now, actor, result, indexes)
    ]
    for aid in rewarded:
        result.badges += [(aid, b) for b in award_badges(store.db, aid, actor, now)]
    return result
