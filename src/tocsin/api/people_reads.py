"""Reads shared by the people endpoints and the war-room pages: segments, profiles,
coordination and "who can help", each with the identities of its authors put back for
display (``tocsin.people.service.identities``). Profiles are brought up to date first
(``update_profiles``: incremental, cheap when nothing is new).

An adapter over ``tocsin.people`` and ``tocsin.ambassadors``: nothing here decides anything."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from tocsin.ambassadors import Status
from tocsin.ambassadors.enrolment import find as find_ambassador
from tocsin.api.errors import ApiError
from tocsin.api.people_models import (
    CoordinationListPublic,
    CoordinationPublic,
    HelperPublic,
    HelpersPublic,
    IncidentRolePublic,
    SegmentMemberPublic,
    SegmentsPublic,
)
from tocsin.domain import Incident
from tocsin.incidents import MonitorConfig
from tocsin.people.profiles import update_profiles
from tocsin.people.segments import SEGMENTS
from tocsin.people.service import (
    Identity,
    helpers_for_incident,
    identities,
    segments,
    watch_coordination,
)
from tocsin.store.sqlite import SQLiteStore
from tocsin.store.sqlite_incidents import SQLiteIncidents

#: Members per segment, at most.
MAX_MEMBERS = 100
log = logging.getLogger("tocsin.web")


def refresh_profiles(store: SQLiteStore) -> None:
    """Bring the profiles up to date before a read. When the database stays locked by another
    writer (a long import) past the busy timeout, the read goes on with the profiles as they
    are, rather than failing: they catch up at the next request."""
    try:
        update_profiles(store)
    except sqlite3.OperationalError as exc:
        if store.db.in_transaction:
            store.db.execute("ROLLBACK")
        log.warning("profiles not brought up to date (%s): read as they are", exc)


@contextmanager
def busy_is_503() -> Iterator[None]:
    """A database another writer keeps locked past the busy timeout (the pseudonym secret
    created at first use, for instance) is a 503 to retry, not a 500."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        log.warning("database busy: %s", exc)
        raise ApiError(503, "the database is busy: try again in a moment") from None


def check_watch(store: SQLiteStore, watch_id: str) -> None:
    if store.get_watch(watch_id) is None:
        raise ApiError(404, f"no watch {watch_id[:64]!r}")


def get_incident(store: SQLiteStore, incident_id: str) -> Incident:
    incident = SQLiteIncidents(store.db).get(incident_id)
    if incident is None:
        raise ApiError(404, "no such incident")
    return incident


def names_of(store: SQLiteStore, keys: Iterable[str]) -> dict[str, Identity]:
    wanted = sorted(set(keys))
    return identities(store, wanted) if wanted else {}


def segments_of(
    store: SQLiteStore, watch_id: str, names: Sequence[str] = SEGMENTS, limit: int = 20
) -> SegmentsPublic:
    check_watch(store, watch_id)
    unknown = [n for n in names if n not in SEGMENTS]
    if unknown:
        raise ApiError(400, f"unknown segment {unknown[0][:40]!r}: one of {', '.join(SEGMENTS)}")
    refresh_profiles(store)
    with busy_is_503():
        found = segments(store, watch_id, names=tuple(dict.fromkeys(names)), limit=limit)
        who = names_of(store, (m.key for ms in found.segments.values() for m in ms))
    return SegmentsPublic(
        watch_id=watch_id,
        now=found.now,
        segments={
            name: [SegmentMemberPublic.of(m, who.get(m.key)) for m in members]
            for name, members in found.segments.items()
        },
    )


def coordination_of(
    store: SQLiteStore,
    watch_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
) -> CoordinationListPublic:
    check_watch(store, watch_id)
    if since is not None and until is not None and since >= until:
        raise ApiError(400, "since comes before until")
    with busy_is_503():
        signals = watch_coordination(store, watch_id, since=since, until=until)[:limit]
        who = names_of(store, (k for s in signals for k in s.authors))
    data = [CoordinationPublic.of(s, who) for s in signals]
    return CoordinationListPublic(watch_id=watch_id, data=data, count=len(data))


def helpers_of(store: SQLiteStore, incident: Incident, limit: int = 10) -> HelpersPublic:
    refresh_profiles(store)
    with busy_is_503():
        report = helpers_for_incident(
            store, incident, MonitorConfig().bucket, limit=limit, update=False
        )
    roles = report.roles
    who = names_of(
        store,
        [r.key for r in (*roles.started, *roles.amplified)] + [h.key for h in report.helpers],
    )
    enrolled: dict[str, int] = {}
    status: dict[str, str] = {}
    for h in report.helpers:
        identity = who.get(h.key)
        if identity is not None:
            a = find_ambassador(store.db, identity.platform, identity.author_id)
            if a is not None:
                status[h.key] = a.status.value
                if a.status is Status.ENROLLED:
                    enrolled[h.key] = a.id
    return HelpersPublic(
        incident_id=incident.id,
        posts_read=roles.posts_read,
        started=[IncidentRolePublic.of(r, who) for r in roles.started],
        amplified=[IncidentRolePublic.of(r, who) for r in roles.amplified],
        helpers=[
            HelperPublic.of(h, who, enrolled.get(h.key), status.get(h.key)) for h in report.helpers
        ],
    )
