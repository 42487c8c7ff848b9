from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from tocsin.web.svg import bar_chart, nice_ceiling

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (2, 2), (3, 5), (7, 10), (11, 20), (250, 500), (1001, 2000)],
)
def test_round_axis_maximum(value: int, expected: int) -> None:
    assert nice_ceiling(value) == expected


def test_chart_has_a_bar_per_bucket_and_whole_number_ticks() -> None:
    points = [(T0 + timedelta(hours=i), v) for i, v in enumerate([0, 3, 7, 1])]
    svg = str(bar_chart(points, "hour", label="<b>x</b> & co"))
    assert svg.count("<rect ") == 4
    assert 'aria-label="&lt;b&gt;x&lt;/b&gt; &amp; co"' in svg
    assert "<b>" not in svg
    ticks = re.findall(r'text-anchor="end">([^<]+)<', svg)
    assert ticks == ["0", "5", "10"]
    assert "2026-11-02 11:00 UTC: 7" in svg
    odd = str(bar_chart([(T0, 1)], "minute", label="x"))
    assert re.findall(r'text-anchor="end">([^<]+)<', odd) == ["0", "1"]
    assert "style=" not in svg


def test_empty_chart() -> None:
    svg = str(bar_chart([], "day", label="nothing"))
    assert "<rect" not in svg and svg.endswith("</svg>")
