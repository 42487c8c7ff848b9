"""Charts drawn on the server as inline SVG: nothing to load, no script, fine under the CSP
(colours come from classes in app.css, never from style attributes)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

from markupsafe import Markup, escape

TICK_FORMATS = {"minute": "%H:%M", "hour": "%d/%m %Hh", "day": "%d/%m"}
TITLE_FORMATS = {"minute": "%Y-%m-%d %H:%M", "hour": "%Y-%m-%d %H:00", "day": "%Y-%m-%d"}


def nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^k at least ``value`` (an axis maximum easy to read)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(
    points: Sequence[tuple[datetime, int]],
    bucket: str,
    *,
    label: str,
    width: int = 640,
    height: int = 150,
    ticks: int = 6,
    negative: Sequence[int] | None = None,
    negative_label: str = "negative",
) -> Markup:
    """Bars per bucket (UTC), the y axis from 0 to a round maximum, a few time labels; each bar
    has a tooltip with its time and count. ``negative`` (one count per bucket) draws the
    negative posts as the foot of each bar, in the alarm colour, with their count in the
    tooltip (``negative_label`` names them in the user's language)."""
    left, right, top, bottom = 44, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    n = max(len(points), 1)
    peak = nice_ceiling(max((v for _, v in points), default=0))
    slot = plot_w / n
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(label)}</title>",
    ]
    # Counts are whole numbers: a middle line only where it falls on one.
    for value in (0, peak // 2, peak) if peak % 2 == 0 else (0, peak):
        y = top + plot_h * (1 - value / peak)
        text = f"{value:,}"
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
        )
    title_format = TITLE_FORMATS.get(bucket, "%Y-%m-%d %H:%M")
    for i, (start, volume) in enumerate(points):
        h = plot_h * volume / peak
        x = left + i * slot
        tip = f"{escape(start.strftime(title_format))} UTC: {volume:,}"
        neg = negative[i] if negative is not None else 0
        if neg:
            tip += f" ({neg:,} {escape(negative_label)})"
        parts.append(
            f'<rect class="bar" x="{x:.2f}" y="{top + plot_h - h:.2f}" '
            f'width="{max(slot - 1, 0.5):.2f}" height="{h:.2f}">'
            f"<title>{tip}</title></rect>"
        )
        if neg:
            hn = plot_h * neg / peak
            parts.append(
                f'<rect class="bar-negative" x="{x:.2f}" y="{top + plot_h - hn:.2f}" '
                f'width="{max(slot - 1, 0.5):.2f}" height="{hn:.2f}">'
                f"<title>{tip}</title></rect>"
            )
    tick_format = TICK_FORMATS.get(bucket, "%H:%M")
    if points:
        step = max(1, math.ceil(len(points) / ticks))
        for i in range(0, len(points), step):
            x = left + i * slot
            parts.append(
                f'<text class="axis" x="{x:.1f}" y="{height - 6}">'
                f"{escape(points[i][0].strftime(tick_format))}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
