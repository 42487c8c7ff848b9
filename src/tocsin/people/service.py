"""What the CLI and the web pages call: profiles brought up to date, then segments, coordination
signals and "who can help" read from the store, with identities put back for display.

Every function here reads the store; the rules live in the pure modules (``segments``,
``coordination``, ``incident_roles``, ``helpers``).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar, cast

from tocsin.domain import Incident
from tocsin.people.coordination import CoordinationRules, CoordinationSignal, coordination_signals
from tocsin.people.helpers import Helper, who_can_help
from tocsin.people.incident_roles import IncidentRoles, roles_of_incident
from tocsin.people.profiles import update_profiles
from tocsin.people.segments import SEGMENTS, SegmentRules, WatchSegments, watch_segments
from tocsin.people.watch_graph import RISING_WINDOW, keyer
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_people import SQLitePeople
from tocsin.store.times import from_us

COORDINATION_WINDOW = timedelta(days=7)
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a pseudonym is, for display only (from ``authors``, never stored with profiles)."""

    platform: str
    author_id: str
    handle: str
    display_name: str

    @property
    def label(self) -> str:
        return f"{self.platform}:{self.handle or self.author_id}"


def identities(store: SQLiteStore, keys: list[str]) -> dict[str, Identity]:
    """Pseudonym -> identity, for the keys whose author still has a stored post."""
    found = SQLitePeople(store.db).identities(keys)
    return {k: Identity(*v) for k, v in found.items()}


@dataclass(frozen=True, slots=True)
class _Computed:
    version: tuple[int, int]  # ``SQLiteStore.change_version()`` before it was computed
    value: object  # never changed once kept: callers get copies of its containers


#: Per store (one connection), the latest reads (coordination, segments), by arguments.
_COMPUTED: weakref.WeakKeyDictionary[SQLiteStore, dict[tuple[object, ...], _Computed]] = (
    weakref.WeakKeyDictionary()
)
_COMPUTED_LOCK = threading.Lock()
_COMPUTED_KEPT = 8


def _kept(
    store: SQLiteStore,
    args: tuple[object, ...],
    compute: Callable[[], T],
    prepare: Callable[[], object] | None = None,
) -> T:
    """``compute()``, or the value it gave for the same ``args`` on this store if nothing at all
    was written to the database since (by any connection: ``change_version``). ``prepare``
    runs before computing only (bringing the profiles up to date, say): the version is taken
    after it, before the read, so that a write during the read is a change."""
    with _COMPUTED_LOCK:
        computed = _COMPUTED.setdefault(store, {})
    found = computed.get(args)
    if found is not None and found.version == store.change_version():
        return cast(T, found.value)
    if prepare is not None:
        prepare()
    version = store.change_version()
    value = compute()
    # every answer kept from an older version is stale: let it go now, not when pushed out
    for key in [k for k, c in computed.items() if c.version != version]:
        del computed[key]
    computed[args] = _Computed(version, value)
    while len(computed) > _COMPUTED_KEPT:
        del computed[next(iter(computed))]  # the oldest
    return value


def watch_coordination(
    store: SQLiteStore,
    watch_id: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    rules: CoordinationRules | None = None,
    max_posts: int = 20_000,
) -> list[CoordinationSignal]:
    """Coordination signals among the watch's posts in ``[since, until)`` (default: the week
    before its latest post), strongest first.

    The answer is kept with the store's ``change_version`` and given again, without updating
    the profiles or reading the posts, while nothing at all was written to the database since
    (by any connection): a read repeated between two imports costs a lookup. The first read
    after any write computes it again."""
    signals = _kept(
        store,
        ("coordination", watch_id, since, until, rules, max_posts),
        lambda: tuple(_coordination(store, watch_id, since, until, rules, max_posts)),
        # the accounts' history comes from the profiles
        prepare=lambda: update_profiles(store, influence=False),
    )
    return list(signals)


def segments(
    store: SQLiteStore,
    watch_id: str,
    *,
    names: Sequence[str] = SEGMENTS,
    limit: int = 20,
    now: datetime | None = None,
    window: timedelta = RISING_WINDOW,
    rules: SegmentRules | None = None,
) -> WatchSegments:
    """``segments.watch_segments`` (bring the profiles up to date first), kept like the
    coordination read: while nothing is written to the database, a repeated read neither reads
    the watch's profiles again nor ranks them. The members are the same objects each time: do
    not change them (the dict and lists given are copies)."""
    found = _kept(
        store,
        ("segments", watch_id, tuple(names), limit, now, window, rules),
        lambda: watch_segments(
            store, watch_id, names=names, limit=limit, now=now, window=window, rules=rules
        ),
    )
    return replace(found, segments={name: list(ms) for name, ms in found.segments.items()})


def _coordination(
    store: SQLiteStore,
    watch_id: str,
    since: datetime | None,
    until: datetime | None,
    rules: CoordinationRules | None,
    max_posts: int,
) -> list[CoordinationSignal]:
    if until is None:
        row = store.db.execute(
            "SELECT max(created_at) FROM mention_watches WHERE watch_id = ?", (watch_id,)
        ).fetchone()
        if row[0] is None:
            return []
        until = from_us(row[0] + 1)
    since = since or until - COORDINATION_WINDOW
    people = SQLitePeople(store.db)
    posts = people.watch_posts(watch_id, since, until, limit=max_posts)
    history = {
        account: (from_us(first), count)
        for account, (first, count) in people.account_history(
            [(m.platform, m.author.id) for m in posts]
        ).items()
    }
    key = keyer(people.secret())
    return coordination_signals(posts, history, lambda a: key(a.platform, a.id), rules)


@dataclass(frozen=True)
class HelpReport:
    incident: Incident
    roles: IncidentRoles
    helpers: list[Helper]


def helpers_for_incident(
    store: SQLiteStore,
    incident: Incident,
    bucket: timedelta = timedelta(hours=1),
    *,
    limit: int = 10,
    rules: SegmentRules | None = None,
    update: bool = True,
) -> HelpReport:
    """Who started and amplified ``incident``, and who can help (profiles updated first unless
    ``update`` is false)."""
    if update:
        update_profiles(store)
    end = incident.resolved_at or (incident.last_signal_at + bucket)
    found = segments(
        store,
        incident.watch_id,
        names=("ambassadors", "critics", "brand-managers"),
        limit=50,
        now=end,
        rules=rules,
    ).segments
    roles = roles_of_incident(store, incident, bucket)
    helpers = who_can_help(
        roles,
        critics=found["critics"],
        brand_managers=found["brand-managers"],
        ambassadors=found["ambassadors"],
        onset=incident.onset,
        limit=limit,
    )
    return HelpReport(incident, roles, helpers)
