from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from tocsin.api.deps import StoreDep, WatchReader
from tocsin.api.errors import ApiError
from tocsin.api.models import VolumePointPublic, VolumePublic, WatchesPublic, WatchPublic
from tocsin.api.reads import parse_time, timeline, volume_window
from tocsin.store.rollup import ALL

router = APIRouter(tags=["watches"])


@router.get("/watches", operation_id="listWatches")
def list_watches(user: WatchReader, store: StoreDep) -> WatchesPublic:
    """Every watch, by id."""
    data = [WatchPublic.of(w) for w in store.list_watches()]
    return WatchesPublic(data=data, count=len(data))


@router.get("/watches/{watch_id}/volume", operation_id="getWatchVolume")
def watch_volume(
    watch_id: str,
    user: WatchReader,
    store: StoreDep,
    bucket: Literal["minute", "hour", "day"] = "hour",
    since: Annotated[str | None, Query(max_length=64)] = None,
    until: Annotated[str | None, Query(max_length=64)] = None,
) -> VolumePublic:
    """Mentions per bucket, zeros included, from the per-minute rollups, with the negative,
    neutral and positive posts among the analysed ones. ``*`` counts every mention. Without
    ``until`` the window ends with the newest counted minute."""
    if watch_id != ALL and store.get_watch(watch_id) is None:
        raise ApiError(404, f"no watch {watch_id[:64]!r}")
    start, end = volume_window(store, bucket, parse_time(since), parse_time(until))
    points = timeline(store, [watch_id], bucket, start, end)[watch_id]
    data = [VolumePointPublic(**p._asdict()) for p in points]
    return VolumePublic(
        watch_id=watch_id, bucket=bucket, since=start, until=end, data=data, count=len(data)
    )
