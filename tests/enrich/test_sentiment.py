from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.factories import mention
from tocsin.enrich.base import Enricher
from tocsin.enrich.embedding import Embedder
from tocsin.enrich.sentiment import LABELS, SentimentEnricher, SentimentModel
from tocsin.models import artifact_path

CLEAR = [
    ("fr", "Je déteste ce service, c'est une honte, remboursez-moi !", "negative"),
    ("fr", "J'adore ce café, merci pour tout, c'est génial ❤️", "positive"),
    ("fr", "Nouvelle collection disponible en magasin le 3 mars.", "neutral"),
    ("en", "Horrible customer service, I want my money back. Never again.", "negative"),
    ("en", "I love this, best coffee ever! 😍", "positive"),
    ("en", "The store opens at 9am tomorrow.", "neutral"),
]


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield


def test_models_load_and_run_with_the_network_disabled(no_network: None) -> None:
    enricher = SentimentEnricher(
        model=SentimentModel.load(), embedder=Embedder(threads=1, cache_size=0)
    )
    [result] = enricher.analyse_texts(["Service client au top, merci !"], ["fr"])
    assert result["sentiment"]["label"] == "positive"


def test_clear_french_and_english_posts(sentiment: SentimentEnricher) -> None:
    results = sentiment.analyse_texts([t for _, t, _ in CLEAR], [lang for lang, _, _ in CLEAR])
    assert [r["sentiment"]["label"] for r in results] == [label for _, _, label in CLEAR]
    assert all(0.5 < r["sentiment"]["score"] <= 1.0 for r in results)


def test_probabilities_shapes_and_determinism(sentiment: SentimentEnricher) -> None:
    texts = [t for _, t, _ in CLEAR]
    p = sentiment.probabilities(texts)
    assert p.shape == (6, 3) and np.allclose(p.sum(axis=1), 1.0)
    assert np.array_equal(p, sentiment.probabilities(texts))
    assert sentiment.probabilities([]).shape == (0, 3)
    assert sentiment.analyse_texts([]) == []
    assert len(sentiment.analyse_texts(["nul\x00 top", "\ud800", ""])) == 3
    # a language the model has no correction for gets the shared weights, like no language
    assert np.allclose(sentiment.probabilities(texts[:1], ["de"]), p[:1])
    # the French correction applies to regional tags too
    assert np.allclose(
        sentiment.probabilities(texts[:1], ["fr-CA"]), sentiment.probabilities(texts[:1], ["fr"])
    )


def test_fast_mode_needs_no_encoder() -> None:
    class NoEncoder(Embedder):
        def encode_prepared(self, texts: object) -> np.ndarray:
            raise AssertionError("fast mode must not embed")

    fast = SentimentEnricher(model=SentimentModel.load(), embedder=NoEncoder(), fast=True)
    results = fast.analyse_texts(["I love this, best coffee ever! 😍", "ok"])
    assert results[0]["sentiment"]["label"] == "positive"
    assert {r["sentiment"]["label"] for r in results} <= set(LABELS)


def test_enricher_contract(sentiment: SentimentEnricher) -> None:
    assert isinstance(sentiment, Enricher)
    assert sentiment.name == "sentiment" and sentiment.before_match is False
    batch = [mention(1, text=CLEAR[0][1], language="fr"), mention(2, text=CLEAR[4][1])]
    assert sentiment(batch) == batch  # Mention has no sentiment field yet
    assert [r["sentiment"]["label"] for r in sentiment.analyse(batch)] == ["negative", "positive"]


def test_artifacts_are_small_and_documented() -> None:
    folder = artifact_path("sentiment.npz").parent
    assert sum(p.stat().st_size for p in folder.glob("*.npz")) <= 60_000_000
    with np.load(artifact_path("sentiment.npz")) as z:
        meta = json.loads(str(z["meta"]))
    assert set(meta["validation"]) == {"french", "english"}
    card = Path(__file__).resolve().parents[2] / "docs" / "models" / "sentiment.md"
    text = card.read_text(encoding="utf-8")
    for lang in ("french", "english"):
        assert f"{meta['validation'][lang]['macro_f1']['ensemble (shipped)']:.3f}" in text
