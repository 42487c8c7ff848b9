from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import anyio
import orjson
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from tocsin.api.deps import ServerState, StateDep, WatchReader
from tocsin.api.pool import StorePool
from tocsin.api.reads import newest_minute, volume_series
from tocsin.store.rollup import ALL

router = APIRouter(tags=["stream"])

#: Minutes in each pushed series.
LIVE_MINUTES = 60


def latest_counts(pool: StorePool, minutes: int = LIVE_MINUTES) -> dict[str, Any]:
    """Per watch (and ``*``, every mention), the volume of each of the last ``minutes`` minutes,
    ending with the newest counted minute."""
    with pool.borrow() as store:
        newest = newest_minute(store)
        end = (newest or datetime.now(UTC).replace(second=0, microsecond=0)) + timedelta(minutes=1)
        start = end - timedelta(minutes=minutes)
        ids = [ALL, *(w.id for w in store.list_watches())]
        series = volume_series(store, ids, "minute", start, end)
    return {
        "since": start.isoformat(),
        "until": end.isoformat(),
        "minutes": [s.isoformat() for s, _ in series[ALL]],
        "series": {w: [v for _, v in points] for w, points in series.items()},
    }


async def volume_events(request: Request, state: ServerState) -> AsyncIterator[str]:
    settings = state.settings
    deadline = time.monotonic() + settings.sse_lifetime_seconds
    yield f"retry: {int(settings.sse_interval_seconds * 1000)}\n\n"
    last: dict[str, Any] | None = None
    while True:
        payload = await anyio.to_thread.run_sync(latest_counts, state.pool)
        if payload != last:
            yield f"event: volume\ndata: {orjson.dumps(payload).decode()}\n\n"
            last = payload
        else:
            yield ": unchanged\n\n"
        if time.monotonic() >= deadline or await request.is_disconnected():
            return
        await anyio.sleep(settings.sse_interval_seconds)


@router.get(
    "/stream/volume",
    operation_id="streamVolume",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."}},
)
async def stream_volume(request: Request, user: WatchReader, state: StateDep) -> StreamingResponse:
    """Server-sent events: a ``volume`` event with the last hour's per-minute counts of every
    watch whenever they change (checked every ``TOCSIN_SSE_INTERVAL_SECONDS``). The stream
    closes after ``TOCSIN_SSE_LIFETIME_SECONDS``; browsers reconnect by themselves."""
    return StreamingResponse(
        volume_events(request, state),
        media_type="text/event-stream",
        headers={"x-accel-buffering": "no"},
    )
