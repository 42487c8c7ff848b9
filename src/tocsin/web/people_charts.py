"""An author's sentiment towards a watch over time, drawn on the server as inline SVG: per day,
negative, neutral and positive posts stacked, and the posts not analysed above them (colours
from classes in app.css; no script, no style attribute). Built like ``web.svg.bar_chart``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from markupsafe import Markup, escape

from tocsin.people.profiles import DaySentiment
from tocsin.web.svg import nice_ceiling

#: At most this many days are drawn (the latest), and at least this many (one day is a bar,
#: not the whole chart).
MAX_DAYS = 90
MIN_DAYS = 14
_LAYERS = ("negative", "neutral", "positive")


def fill_days(days: Sequence[DaySentiment], max_days: int = MAX_DAYS) -> list[DaySentiment]:
    """Every day from the first to the last active one (zeros between), the latest
    ``max_days``, and at least ``MIN_DAYS`` up to the last one."""
    if not days:
        return []
    by_day = {d.day: d for d in days}
    last = max(by_day)
    first = max(min(by_day), last - timedelta(days=max_days - 1))
    first = min(first, last - timedelta(days=MIN_DAYS - 1))
    out = []
    day: date = first
    while day <= last:
        out.append(by_day.get(day) or DaySentiment(day, 0, 0, 0, 0))
        day += timedelta(days=1)
    return out


def sentiment_chart(
    days: Sequence[DaySentiment],
    *,
    label: str,
    names: dict[str, str],
    width: int = 640,
    height: int = 130,
) -> Markup:
    """Stacked bars per day; ``names`` translates negative, neutral, positive and
    ``unknown`` (not analysed) for the tooltips."""
    filled = fill_days(days)
    left, right, top, bottom = 36, 8, 8, 20
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(filled), 1)
    peak = nice_ceiling(max((d.posts for d in filled), default=0))
    slot = plot_w / n
    parts = [
        f'<svg class="chart sentiment-chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    for value in (0, peak):
        y = top + plot_h * (1 - value / peak)
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{value:,}</text>'
        )
    for i, d in enumerate(filled):
        x = left + i * slot
        counts = {"negative": d.negative, "neutral": d.neutral, "positive": d.positive}
        unknown = max(d.posts - sum(counts.values()), 0)
        tip = f"{d.day.isoformat()}: " + ", ".join(
            f"{counts[k]} {escape(names.get(k, k))}" for k in _LAYERS
        )
        if unknown:
            tip += f", {unknown} {escape(names.get('unknown', 'unknown'))}"
        base = float(top + plot_h)
        for layer, value in (*((k, counts[k]) for k in _LAYERS), ("unknown", unknown)):
            if not value:
                continue
            h = plot_h * value / peak
            base -= h
            parts.append(
                f'<rect class="bar-{layer}" x="{x:.2f}" y="{base:.2f}" '
                f'width="{max(slot - 1, 0.5):.2f}" height="{h:.2f}"><title>{tip}</title></rect>'
            )
    if filled:
        step = max(1, -(-len(filled) // 6))
        for i in range(0, len(filled), step):
            parts.append(
                f'<text class="axis" x="{left + i * slot:.1f}" y="{height - 5}">'
                f"{filled[i].day:%d/%m}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
