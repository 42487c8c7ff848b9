"""People: a watch's segments, an author's profile, possible coordination, and who can help on
an incident. Authors are pseudonymised at rest; these answers put their identities back for
display (``authors:read``). The logic is ``tocsin.people``; ``api.people_reads`` adapts it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tocsin.api.deps import AuthorReader, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.people_models import (
    AuthorProfilePublic,
    CoordinationListPublic,
    HelpersPublic,
    SegmentName,
    SegmentsPublic,
)
from tocsin.api.people_reads import (
    MAX_MEMBERS,
    busy_is_503,
    coordination_of,
    get_incident,
    helpers_of,
    refresh_profiles,
    segments_of,
)
from tocsin.api.reads import parse_time
from tocsin.people.profiles import author_profile
from tocsin.people.segments import SEGMENTS

router = APIRouter(tags=["people"])

WatchId = Annotated[str, Path(max_length=64)]


@router.get("/watches/{watch_id}/segments", operation_id="getWatchSegments")
def get_segments(
    watch_id: WatchId,
    user: AuthorReader,
    store: StoreDep,
    segment: Annotated[list[SegmentName] | None, Query(max_length=5)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_MEMBERS)] = 20,
) -> SegmentsPublic:
    """Ambassadors, detractors, influential critics, self-appointed brand managers and rising
    voices of a watch (``segment`` picks some), each member with the reasons, the numbers the
    rule read and example posts. The watch's own accounts are never members."""
    return segments_of(store, watch_id, segment or SEGMENTS, limit)


@router.get("/authors/{platform}/{author_id:path}", operation_id="getAuthor")
def get_author(
    platform: Annotated[str, Path(max_length=32)],
    author_id: Annotated[str, Path(max_length=512)],
    user: AuthorReader,
    store: StoreDep,
) -> AuthorProfilePublic:
    """One author in every watch: reach, engagement received, activity, sentiment per day,
    first and last seen, latest posts (mention keys)."""
    refresh_profiles(store)
    with busy_is_503():
        view = author_profile(store, platform, author_id)
    if view is None:
        raise ApiError(404, "no profile for this author")
    return AuthorProfilePublic.of(view)


@router.get("/watches/{watch_id}/coordination", operation_id="getWatchCoordination")
def get_coordination(
    watch_id: WatchId,
    user: AuthorReader,
    store: StoreDep,
    since: Annotated[str | None, Query(max_length=64)] = None,
    until: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CoordinationListPublic:
    """Possible coordination among the watch's posts (default: the week before its latest
    post), strongest first: evidence with a confidence 0–1, never an accusation."""
    return coordination_of(store, watch_id, parse_time(since), parse_time(until), limit)


@router.get("/incidents/{incident_id}/helpers", operation_id="getIncidentHelpers")
def get_helpers(
    incident_id: Annotated[str, Path(max_length=200)],
    user: AuthorReader,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> HelpersPublic:
    """Who started and amplified an incident, and who can help: critics to engage first, then
    ambassadors to mobilise, ranked with reasons and the playbook's advice."""
    return helpers_of(store, get_incident(store, incident_id), limit)
