"""Volume and sentiment series from the rollups, as tables and charts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tocsin.domain import SENTIMENT_LABELS
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


@dataclass(frozen=True, slots=True)
class SentimentTotals:
    """Posts of one watch over a period: all of them, and the analysed ones by label."""

    volume: int = 0
    negative: int = 0
    neutral: int = 0
    positive: int = 0

    @property
    def analysed(self) -> int:
        return self.negative + self.neutral + self.positive

    def share(self, label: str) -> float | None:
        """The label's share of the analysed posts (``None`` when none was analysed)."""
        n = self.analysed
        return getattr(self, label) / n if n else None

    def describe(self) -> str:
        line = f"{self.volume:,} mentions"
        if not self.analysed:
            return line + ", none analysed"
        shares = ", ".join(
            f"{100 * (self.share(label) or 0):.0f} % {label}" for label in SENTIMENT_LABELS
        )
        return f"{line}, {self.analysed:,} analysed: {shares}"


def sentiment_totals(
    store: Store, watch_ids: Sequence[str], since: datetime, until: datetime
) -> dict[str, SentimentTotals]:
    """Per watch, over the period (from the day rollups, so whole days at the edges)."""
    sums: dict[str, list[int]] = {w: [0, 0, 0, 0] for w in watch_ids}
    for p in store.volume(watch_ids, floor(since, "day"), until, "day"):
        acc = sums[p.watch_id]
        acc[0] += p.volume
        acc[1] += p.negative
        acc[2] += p.neutral
        acc[3] += p.positive
    return {w: SentimentTotals(*v) for w, v in sums.items()}


def negative_share_table(
    store: Store, watch_ids: Sequence[str], since: datetime, until: datetime, bucket: Bucket
) -> list[tuple[datetime, list[float | None]]]:
    """Like ``volume_table``: the negative share of the analysed posts per bucket and watch
    (``None`` where no post was analysed)."""
    start = floor(since, bucket)
    shares: dict[tuple[str, datetime], float] = {}
    for p in store.volume(watch_ids, start, until, bucket):
        analysed = p.negative + p.neutral + p.positive
        if analysed:
            shares[(p.watch_id, p.bucket_start)] = p.negative / analysed
    rows = []
    t = start
    while t < until:
        rows.append((t, [shares.get((w, t)) for w in watch_ids]))
        t += _STEP[bucket]
    return rows


def _percent(share: float | None) -> float:
    return float("nan") if share is None else 100 * share


def draw_volume_chart(
    series: list[tuple[datetime, list[int]]],
    labels: Sequence[str],
    path: Path,
    bucket: str,
    negative: list[tuple[datetime, list[float | None]]] | None = None,
) -> None:
    """A PNG line chart, one line per watch; with ``negative`` (shares per bucket and watch,
    as ``negative_share_table`` gives), a second panel below shows the negative share."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.dates as mdates
    import matplotlib.pyplot as plt

    panels = 2 if negative and any(v is not None for _, row in negative for v in row) else 1
    fig, axes = plt.subplots(
        panels,
        1,
        figsize=(11, 4.5 if panels == 1 else 7),
        dpi=110,
        sharex=True,
        squeeze=False,
        gridspec_kw={"height_ratios": [3, 2][:panels]},
    )
    ax = axes[0][0]
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
    if panels == 2 and negative is not None:
        low = axes[1][0]
        neg_times = mdates.date2num([t for t, _ in negative])
        for i, label in enumerate(labels):
            values = [_percent(row[i]) for _, row in negative]
            low.plot(neg_times, values, label=label, linewidth=1.2)
        low.set_ylabel("% negative (analysed posts)")
        low.set_ylim(0, 100)
        low.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
