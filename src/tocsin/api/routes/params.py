"""Search parameters shared by the API, the CSV export and the search page."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from tocsin.api.reads import parse_time
from tocsin.domain.watch import MAX_QUERY_CHARS
from tocsin.query import parse
from tocsin.store.base import SearchQuery


def search_query(
    q: Annotated[
        str | None,
        Query(max_length=MAX_QUERY_CHARS, description="Watch query language (see README)."),
    ] = None,
    since: Annotated[str | None, Query(max_length=64, description="ISO time or 36h / 7d.")] = None,
    until: Annotated[str | None, Query(max_length=64, description="Exclusive.")] = None,
    lang: Annotated[list[str] | None, Query(max_length=16)] = None,
    platform: Annotated[list[str] | None, Query(max_length=32)] = None,
    watch: Annotated[str | None, Query(max_length=64, description="A watch id.")] = None,
) -> SearchQuery:
    """The search a request asks for; an invalid query is a 400 naming its position."""
    text = q.strip() if q and q.strip() else None
    if text is not None:
        parse(text)  # QueryError -> 400 with the position
    return SearchQuery(
        text=text,
        since=parse_time(since),
        until=parse_time(until),
        languages=tuple(x.strip().lower() for x in lang or () if x.strip()),
        platforms=tuple(x.strip().lower() for x in platform or () if x.strip()),
        watch_id=watch or None,
    )


SearchDep = Annotated[SearchQuery, Depends(search_query)]
