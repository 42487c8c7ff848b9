"""The package's public names: re-exported from private modules, sorted, documented."""

from __future__ import annotations

import tocsin.detect as detect
from tocsin.errors import TocsinError


def test_all_is_sorted_and_importable() -> None:
    assert detect.__all__ == sorted(detect.__all__)
    for name in detect.__all__:
        assert getattr(detect, name).__doc__, name


def test_detect_error_is_a_tocsin_error() -> None:
    assert issubclass(detect.DetectError, TocsinError)
