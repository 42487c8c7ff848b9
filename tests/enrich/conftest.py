"""One encoder and one sentiment model for the enrich tests (loading takes about a second)."""

from __future__ import annotations

import pytest

from tocsin.enrich.embedding import Embedder
from tocsin.enrich.sentiment import SentimentEnricher, SentimentModel


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(threads=1, cache_size=64)


@pytest.fixture(scope="session")
def sentiment(embedder: Embedder) -> SentimentEnricher:
    return SentimentEnricher(model=SentimentModel.load(), embedder=embedder)
