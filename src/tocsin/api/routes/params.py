"""Parameters shared by the API, the CSV export and the pages: the search, row ids."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query

from tocsin.api.reads import parse_time
from tocsin.domain.watch import MAX_QUERY_CHARS
from tocsin.query import parse
from tocsin.store.base import SearchQuery

#: SQLite's largest integer: a bigger id is a 400, not an overflow.
MAX_ROW_ID = 2**63 - 1
#: A row id in a path (a case, a reply, a token).
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


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
