"""One encoder and one set of models for the enrich tests (loading takes about a second)."""

from __future__ import annotations

import pytest

from tocsin.enrich.analysis import AnalysisEnricher, AnalysisModels
from tocsin.enrich.embedding import Embedder
from tocsin.enrich.sentiment import SentimentModel


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(threads=1, cache_size=64)


@pytest.fixture(scope="session")
def models() -> AnalysisModels:
    return AnalysisModels.load()


@pytest.fixture(scope="session")
def sentiment_model(models: AnalysisModels) -> SentimentModel:
    return models.sentiment


@pytest.fixture(scope="session")
def analysis(embedder: Embedder, models: AnalysisModels) -> AnalysisEnricher:
    return AnalysisEnricher("full", models=models, embedder=embedder)


@pytest.fixture(scope="session")
def fast_analysis(models: AnalysisModels) -> AnalysisEnricher:
    return AnalysisEnricher("fast", models=models)
