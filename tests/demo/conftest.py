"""One default week, generated once for the demo tests."""

from __future__ import annotations

import pytest

from tocsin.demo import DemoConfig, GroundTruth, LabeledMention, generate_labeled


@pytest.fixture(scope="session")
def week() -> tuple[list[LabeledMention], GroundTruth]:
    stream, truth = generate_labeled(DemoConfig())
    return list(stream), truth
