"""Incidents: the feed and one incident with its explanation."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.deps import IncidentReader, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.incident_models import (
    ExplanationPublic,
    IncidentDetailPublic,
    IncidentPublic,
    IncidentsPublic,
)
from tocsin.api.models import MentionPublic
from tocsin.api.reads import incident_view
from tocsin.store.sqlite_incidents import SQLiteIncidents

router = APIRouter(tags=["incidents"])


@router.get("/incidents", operation_id="listIncidents")
def list_incidents(
    user: IncidentReader,
    store: StoreDep,
    status: Literal["open", "resolved"] | None = None,
    watch: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> IncidentsPublic:
    """Newest onset first."""
    found = SQLiteIncidents(store.db).find(status=status, watch_id=watch, limit=limit)
    return IncidentsPublic(data=[IncidentPublic.of(i) for i in found], count=len(found))


@router.get("/incidents/{incident_id}", operation_id="getIncident")
def get_incident(
    incident_id: Annotated[str, Path(max_length=200)], user: IncidentReader, store: StoreDep
) -> IncidentDetailPublic:
    """One incident and why it rang: top terms against the week before, top posts by reach
    (hidden ones withheld from roles that may not moderate), top authors, sentiment before
    and now, languages, platforms, signals and a timeline."""
    incident = SQLiteIncidents(store.db).get(incident_id)
    if incident is None:
        raise ApiError(404, "no such incident")
    reveal = allowed(user.role, Permission.MENTIONS_MODERATE)
    view = incident_view(store, incident)
    posts = [MentionPublic.of(i, view.hidden.get(i.mention.key), reveal=reveal) for i in view.posts]
    return IncidentDetailPublic(
        incident=IncidentPublic.of(incident),
        explanation=ExplanationPublic.of(view.explanation, posts),
    )
