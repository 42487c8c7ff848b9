"""The people pages: per watch its segments with their evidence and the possible coordination,
and an author's profile. Authors are pseudonymised at rest; their identities are looked up for
display only (``authors:read``). Every post field is escaped by the templates; hidden posts are
withheld from roles that may not moderate, as everywhere else."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.deps import AuthorReader, StoreDep
from tocsin.api.errors import ApiError
from tocsin.api.people_models import PostKeyPublic
from tocsin.api.people_reads import (
    busy_is_503,
    check_watch,
    coordination_of,
    refresh_profiles,
    segments_of,
)
from tocsin.api.reads import parse_time
from tocsin.people.profiles import author_profile
from tocsin.people.segments import SEGMENTS
from tocsin.respond import moderation
from tocsin.store.base import StoredMention
from tocsin.store.sqlite import SQLiteStore
from tocsin.web.i18n import Translator, choose_language
from tocsin.web.inbox import PagesDep
from tocsin.web.people_charts import sentiment_chart

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Post:
    """A post shown on a people page: ``item`` is None once erased; ``hidden`` by moderation."""

    platform: str
    native_id: str
    item: StoredMention | None
    hidden: moderation.Decision | None


def posts_of(store: SQLiteStore, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], Post]:
    wanted = list(dict.fromkeys(keys))
    hidden = moderation.hidden_among(store.db, wanted)
    return {k: Post(k[0], k[1], store.get_mention(k[0], k[1]), hidden.get(k)) for k in wanted}


def _keys(items: Iterable[PostKeyPublic]) -> list[tuple[str, str]]:
    return [(p.platform, p.native_id) for p in items]


@router.get("/people", response_class=HTMLResponse)
def people_index(
    request: Request, pages: PagesDep, store: StoreDep, user: AuthorReader
) -> Response:
    return pages.render(request, "people_index.html", watches=store.list_watches())


@router.get("/watches/{watch_id}/people", response_class=HTMLResponse)
def people_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: AuthorReader,
    watch_id: Annotated[str, Path(max_length=64)],
    segment: Annotated[str, Query(max_length=32)] = "",
    since: Annotated[str, Query(max_length=64)] = "",
    until: Annotated[str, Query(max_length=64)] = "",
) -> Response:
    """Segments, then possible coordination in ``[since, until)`` (default: the week before
    the watch's latest post)."""
    check_watch(store, watch_id)
    chosen = segment if segment in SEGMENTS else ""
    found = segments_of(store, watch_id, (chosen,) if chosen else SEGMENTS, limit=20)
    coordination = coordination_of(store, watch_id, parse_time(since), parse_time(until), limit=20)
    keys = [k for ms in found.segments.values() for m in ms for k in _keys(m.examples)]
    keys += [k for s in coordination.data for k in _keys(s.posts[:5])]
    return pages.render(
        request,
        "people.html",
        watch=store.get_watch(watch_id),
        segments=found.segments,
        names=SEGMENTS,
        chosen=chosen,
        since=since,
        until=until,
        coordination=coordination.data,
        posts=posts_of(store, keys),
        reveal=allowed(user.role, Permission.MENTIONS_MODERATE),
    )


@router.get("/authors/{platform}/{author_id:path}", response_class=HTMLResponse)
def author_page(
    request: Request,
    pages: PagesDep,
    store: StoreDep,
    user: AuthorReader,
    platform: Annotated[str, Path(max_length=32)],
    author_id: Annotated[str, Path(max_length=512)],
) -> Response:
    refresh_profiles(store)
    with busy_is_503():
        view = author_profile(store, platform, author_id)
    if view is None:
        raise ApiError(404, "no profile for this author")
    t = Translator(choose_language(request, pages.settings.default_language))
    names = {k: t("sentiment." + k) for k in ("negative", "neutral", "positive")}
    names["unknown"] = t("people.not_analysed")
    charts = {
        p.watch_id: sentiment_chart(
            view.days.get(p.watch_id, []),
            label=t("people.chart", watch=p.watch_id),
            names=names,
        )
        for p in view.profiles
    }
    keys = [k for ks in view.recent.values() for k in ks[:10]]
    return pages.render(
        request,
        "author.html",
        view=view,
        charts=charts,
        posts=posts_of(store, keys),
        reveal=allowed(user.role, Permission.MENTIONS_MODERATE),
    )
