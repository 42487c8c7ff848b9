from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response, StreamingResponse

from tocsin.api.auth.permissions import Permission, allowed
from tocsin.api.deps import (
    MentionExporter,
    MentionReader,
    ServerState,
    SettingsDep,
    StateDep,
    StoreDep,
)
from tocsin.api.errors import ApiError
from tocsin.api.models import MentionPublic, MentionsPublic
from tocsin.api.reads import Cursor, search_page
from tocsin.api.routes.params import SearchDep
from tocsin.export import PARQUET_MEDIA_TYPE, ColumnType, parquet_bytes, write_csv
from tocsin.respond import moderation
from tocsin.store.base import SearchQuery, StoredMention

router = APIRouter(tags=["mentions"])

EXPORT_COLUMNS = (
    "created_at",
    "platform",
    "native_id",
    "author",
    "author_name",
    "followers",
    "language",
    "watches",
    "likes",
    "reposts",
    "text",
    "url",
)
#: The Parquet export's column types (same names as the CSV).
EXPORT_TYPES: dict[str, ColumnType] = {
    "created_at": "time",
    "followers": "int",
    "likes": "int",
    "reposts": "int",
}
PARQUET_COLUMNS = tuple((c, EXPORT_TYPES.get(c, "text")) for c in EXPORT_COLUMNS)
_EXPORT_CHUNK = 1_000


@router.get("/mentions", operation_id="searchMentions")
def search_mentions(
    user: MentionReader,
    store: StoreDep,
    query: SearchDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> MentionsPublic:
    """Stored mentions, newest first, filtered by the watch query language ``q`` and the other
    parameters. An invalid ``q`` is a 400 whose ``position`` points at the fault."""
    after = Cursor.decode(cursor) if cursor else None
    items, next_cursor = search_page(store, query, limit, after)
    hidden = moderation.hidden_among(store.db, (i.mention.key for i in items))
    reveal = allowed(user.role, Permission.MENTIONS_MODERATE)
    return MentionsPublic(
        data=[MentionPublic.of(i, hidden.get(i.mention.key), reveal=reveal) for i in items],
        count=len(items),
        next_cursor=next_cursor.encode() if next_cursor else None,
    )


def _typed_row(item: StoredMention) -> tuple[Any, ...]:
    """A row of the export, times as datetimes (Parquet); ``_export_row`` is its CSV form."""
    m = item.mention
    return (
        m.created_at,
        m.platform,
        m.native_id,
        m.author.handle,
        m.author.display_name,
        m.author.followers,
        m.language,
        " ".join(item.watch_ids),
        m.metrics.likes,
        m.metrics.reposts,
        m.text,
        m.url,
    )


def _export_row(item: StoredMention) -> tuple[Any, ...]:
    row = _typed_row(item)
    return (row[0].isoformat(), *row[1:])


def csv_chunks(state: ServerState, query: SearchQuery) -> Iterator[str]:
    """The export, a thousand rows at a time, each chunk through ``write_csv`` (formula-safe);
    the header is written once. Borrows its own store: it runs after the endpoint returned."""
    with state.pool.borrow() as store:
        rows: list[tuple[Any, ...]] = []
        first = True
        for item in store.search(query):
            rows.append(_export_row(item))
            if len(rows) >= _EXPORT_CHUNK:
                yield _csv(rows, header=first)
                rows.clear()
                first = False
        if rows or first:
            yield _csv(rows, header=first)


def _csv(rows: list[tuple[Any, ...]], *, header: bool) -> str:
    out = io.StringIO()
    write_csv(EXPORT_COLUMNS, rows, out)
    text = out.getvalue()
    return text if header else text.split("\r\n", 1)[1]


@router.get(
    "/mentions.csv",
    operation_id="exportMentionsCsv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "Formula-safe CSV."}},
)
def export_mentions_csv(
    user: MentionExporter,
    state: StateDep,
    settings: SettingsDep,
    query: SearchDep,
    limit: Annotated[int, Query(ge=1)] = 10_000,
) -> StreamingResponse:
    """The search as CSV, newest first; cells a spreadsheet would run as formulas are quoted."""
    if limit > settings.export_max_rows:
        raise ApiError(400, f"limit: at most {settings.export_max_rows} rows per export")
    return StreamingResponse(
        csv_chunks(state, replace(query, limit=limit)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="tocsin-mentions.csv"'},
    )


@router.get(
    "/mentions.parquet",
    operation_id="exportMentionsParquet",
    response_class=Response,
    responses={200: {"content": {PARQUET_MEDIA_TYPE: {}}, "description": "Parquet file."}},
)
def export_mentions_parquet(
    user: MentionExporter,
    store: StoreDep,
    settings: SettingsDep,
    query: SearchDep,
    limit: Annotated[int, Query(ge=1)] = 10_000,
) -> Response:
    """The search as a Parquet file, newest first: the CSV's columns, typed (``created_at``
    a UTC timestamp, counts integers), values as stored."""
    if limit > settings.export_max_rows:
        raise ApiError(400, f"limit: at most {settings.export_max_rows} rows per export")
    rows = (_typed_row(item) for item in store.search(replace(query, limit=limit)))
    return Response(
        parquet_bytes(PARQUET_COLUMNS, rows),
        media_type=PARQUET_MEDIA_TYPE,
        headers={"content-disposition": 'attachment; filename="tocsin-mentions.parquet"'},
    )


@router.get("/mentions/{platform}/{native_id:path}", operation_id="getMention")
def get_mention(
    platform: str, native_id: str, user: MentionReader, store: StoreDep
) -> MentionPublic:
    """One mention by its platform and the platform's id for it."""
    item = store.get_mention(platform, native_id)
    if item is None:
        raise ApiError(404, "no such mention")
    reveal = allowed(user.role, Permission.MENTIONS_MODERATE)
    return MentionPublic.of(item, moderation.get(store.db, platform, native_id), reveal=reveal)
