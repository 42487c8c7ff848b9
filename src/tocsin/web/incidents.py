"""The incident pages: the feed and one incident with its explanation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.deps import IncidentReader, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.people_reads import helpers_of
from tocsin.api.reads import incident_view
from tocsin.incidents import MonitorConfig
from tocsin.incidents.explain import negative_share
from tocsin.respond import cases
from tocsin.store.sqlite_incidents import SQLiteIncidents
from tocsin.web.i18n import Translator, choose_language
from tocsin.web.inbox import PagesDep
from tocsin.web.people import posts_of
from tocsin.web.svg import bar_chart

router = APIRouter(include_in_schema=False)
AUTHORS = Permission.AUTHORS_READ


@router.get("/incidents", response_class=HTMLResponse)
def incident_feed(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: IncidentReader,
    status: Annotated[str, Query(max_length=16)] = "",
) -> Response:
    chosen = status if status in ("open", "resolved") else None
    found = SQLiteIncidents(store.db).find(status=chosen, limit=200)
    return pages.render(request, "incidents.html", incidents=found, chosen=chosen or "")


@router.get("/incidents/{incident_id}", response_class=HTMLResponse)
def incident_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: IncidentReader,
    incident_id: Annotated[str, Path(max_length=200)],
) -> Response:
    incident = SQLiteIncidents(store.db).get(incident_id)
    if incident is None:
        raise ApiError(404, "no such incident")
    bucket = MonitorConfig().bucket
    view = incident_view(store, incident)
    e = view.explanation
    t = Translator(choose_language(request, pages.settings.default_language))
    step = "hour" if bucket.total_seconds() >= 3600 else "minute"
    chart = bar_chart(
        [(start, volume) for start, volume, _ in e.timeline],
        step,
        label=t("incident.chart", watch=incident.watch_id),
        negative=[negative for _, _, negative in e.timeline],
        negative_label=t("dash.negative"),
    )
    # Who can help: critics to engage, ambassadors to mobilise (for roles that see authors).
    helpers = helpers_of(store, incident).helpers if allowed(user.role, AUTHORS) else []
    examples = [(k.platform, k.native_id) for h in helpers for k in h.examples[:1]]
    return pages.render(
        request,
        "incident.html",
        helpers=helpers,
        helper_posts=posts_of(store, examples),
        helper_cases={k: c for k in examples if (c := cases.find(store.db, *k)) is not None},
        inc=incident,
        e=e,
        chart=chart,
        posts=view.posts,
        hidden=view.hidden,
        reveal=allowed(user.role, Permission.MENTIONS_MODERATE),
        before=negative_share(e.sentiment_before),
        now=negative_share(e.sentiment_now),
    )
