"""Volume series from the rollups, as tables and charts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tocsin.store.base import Bucket, Store

_STEP = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def floor(dt: datetime, bucket: Bucket) -> datetime:
    dt = dt.astimezone(UTC)
    if bucket == "day":
        return dt.replace(hour=0, minute=0, second=0, microsecond=0)
    if bucket == "hour":
        return dt.replace(minute=0, second=0, microsecond=0)
    return dt.replace(second=0, microsecond=0)


def volume_table(
    store: Store, watch_ids: Sequence[str], since: datetime, until: datetime, bucket: Bucket
) -> list[tuple[datetime, list[int]]]:
    """Dense series: one row per bucket from ``since`` to ``until``, zeros included."""
    start = floor(since, bucket)
    counts: dict[tuple[str, datetime], int] = {
        (p.watch_id, p.bucket_start): p.volume
        for p in store.volume(watch_ids, start, until, bucket)
    }
    rows = []
    t = start
    while t < until:
        rows.append((t, [counts.get((w, t), 0) for w in watch_ids]))
        t += _STEP[bucket]
    return rows


def draw_volume_chart(
    series: list[tuple[datetime, list[int]]], labels: Sequence[str], path: Path, bucket: str
) -> None:
    """A PNG line chart, one line per watch."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(11, 4.5), dpi=110)
    times = mdates.date2num([t for t, _ in series])
    for i, label in enumerate(labels):
        ax.plot(times, [c[i] for _, c in series], label=label, linewidth=1.4)
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    ax.set_ylabel(f"mentions per {bucket}")
    ax.set_title("Tocsin: volume per watch (UTC)")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
