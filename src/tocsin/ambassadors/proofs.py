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

from tocsin.ambassadors.enrolment import Ambassador, eligible
from tocsin.ambassadors.missions import Completion, Mission, get_completion, list_missions
from tocsin.ambassadors.points import award_badges, credit
from tocsin.ambassadors.rules import MissionKind, Post, check_proof
from tocsin.domain import Mention
from tocsin.errors import QueryError
from tocsin.query import Document, WatchIndex
from tocsin.respond import audit
from tocsin.respond._db import transaction, us
from tocsin.store.sqlite import SQLiteStore

#: How long after its deadline a mission is still checked (posts ingested late).
LAG = timedelta(days=7)
MAX_THREAD_DEPTH = 50


@dataclass
class CheckResult:
    counted: list[Completion] = field(default_factory=list)
    flagged: list[Completion] = field(default_factory=list)
    badges: list[tuple[int, str]] = field(default_factory=list)
    missions: int = 0


def _thread(store: SQLiteStore, post: Mention) -> tuple[str, ...]:
    """The native ids above a reply, nearest first (stops where the store has a gap)."""
    out: list[str] = []
    parent = post.reply_to
    while parent is not None and parent not in out and len(out) < MAX_THREAD_DEPTH:
        out.append(parent)
        row = store.db.execute(
            "SELECT reply_to FROM mentions WHERE platform = ? AND native_id = ?",
            (post.platform, parent),
        ).fetchone()
        parent = row[0] if row else None
    return tuple(out)


def _inherited(store: SQLiteStore, post: Mention) -> str | None:
    if post.repost_of is None:
        return None
    original = store.get_mention(post.platform, post.repost_of)
    return original.mention.text if original else None


def _watch_index(store: SQLiteStore, watch_id: str | None) -> WatchIndex | None:
    """The campaign's watch, with its language and platform restrictions."""
    watch = store.get_watch(watch_id) if watch_id else None
    if watch is None:
        return None
    try:
        return WatchIndex([watch])
    except QueryError:
        return None


def _post(
    store: SQLiteStore,
    m: Mission,
    mention: Mention,
    watches: tuple[str, ...],
    index: WatchIndex | None,
) -> Post:
    on_watch = False
    if m.kind is MissionKind.EXPERIENCE:
        # Stored membership, or the query itself (before a `tocsin watch rematch`).
        on_watch = (m.watch_id in watches) or (
            index is not None and bool(index.match(Document.from_mention(mention)))
        )
    return Post(
        platform=mention.platform,
        created_at=mention.created_at,
        text=mention.text,
        reply_to=mention.reply_to,
        repost_of=mention.repost_of,
        quote_of=mention.quote_of,
        hashtags=mention.hashtags,
        links=mention.links,
        thread=_thread(store, mention) if mention.reply_to else (),
        inherited=_inherited(store, mention),
        on_watch=on_watch,
    )


def _check_one(
    store: SQLiteStore,
    m: Mission,
    a: Ambassador,
    index: WatchIndex | None,
    now: datetime,
    actor: str,
    result: CheckResult,
) -> bool:
    """Check one ambassador's posts for one mission; True if one counted now."""
    db = store.db
    if db.execute(
        "SELECT 1 FROM mission_completions WHERE mission_id = ? AND ambassador_id = ? "
        "AND status = 'counted'",
        (m.id, a.id),
    ).fetchone():
        return False
    assert a.enrolled_at is not None
    since = max(m.starts_at, a.enrolled_at)
    until = min(m.deadline, now)
    recorded = {
        r[0]
        for r in db.execute(
            "SELECT native_id FROM mission_completions WHERE mission_id = ? AND ambassador_id = ?",
            (m.id, a.id),
        )
    }
    ids = [
        r[0]
        for r in db.execute(
            "SELECT native_id FROM mentions WHERE platform = ? AND author_id = ? "
            "AND created_at >= ? AND created_at <= ? ORDER BY created_at, id",
            (a.platform, a.author_id, us(since), us(until)),
        )
        if r[0] not in recorded
    ]
    for native_id in ids:
        stored = store.get_mention(a.platform, native_id)
        if stored is None:
            continue
        mention = stored.mention
        verdict = check_proof(m.spec, _post(store, m, mention, stored.watch_ids, index))
        if not verdict.matches:
            continue
        with transaction(db):
            cur = db.execute(
                "INSERT OR IGNORE INTO mission_completions (mission_id, ambassador_id, platform, "
                "native_id, posted_at, status, reason, disclosure, text, url, checked_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    m.id,
                    a.id,
                    a.platform,
                    native_id,
                    us(mention.created_at),
                    "counted" if verdict.counted else "flagged",
                    verdict.reason,
                    verdict.disclosure,
                    mention.text,
                    mention.url,
                    us(now),
                ),
            )
            if cur.rowcount == 0:  # recorded meanwhile by another checker
                continue
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
        completion = get_completion(db, completion_id)
        if verdict.counted:
            result.counted.append(completion)
            return True
        result.flagged.append(completion)
    return False


def check_missions(store: SQLiteStore, now: datetime, *, actor: str = "system") -> CheckResult:
    """Check every open mission's proofs among the stored posts, as of ``now``; award points
    and badges. Safe to run again (idempotent) and from several processes."""
    result = CheckResult()
    ambassadors = eligible(store.db)
    rewarded: set[int] = set()
    for m in list_missions(store.db, status="open"):
        if m.starts_at > now or m.deadline < now - LAG:
            continue
        result.missions += 1
        index = _watch_index(store, m.watch_id) if m.kind is MissionKind.EXPERIENCE else None
        for a in ambassadors:
            if m.assignees and a.id not in m.assignees:
                continue
            if _check_one(store, m, a, index, now, actor, result):
                rewarded.add(a.id)
    for aid in sorted(rewarded):
        result.badges += [(aid, b) for b in award_badges(store.db, aid, actor, now)]
    return result
